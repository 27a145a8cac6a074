// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "authflow-server.h"
#include "authflow-server-db.h"
#include "authflow-server-http.h"
#include "authflow-server-json.h"
#include "authflow-server-jwt.h"
#include "authflow-server-password.h"
#include "authflow-server-refresh-token.h"
#include "authflow-server-request.h"
#include "authflow-server-user.h"

#define PRUNE_INTERVAL_SECONDS    3600
#define MAX_ACCESS_TTL            (AUTHFLOW_SERVER_MAX_EXPIRES_IN_MINS * 60)
#define MAX_FAILURES_PER_KEY      256
#define MAX_FAILURE_KEYS          10000
/* Each a few hundred bytes: a megabyte or two at most. */
#define MAX_CACHED_TOKENS         4096

struct _AuthflowServer
{
  GObject           parent_instance;

  char             *db_path;
  AuthflowServerDb *db;
  AuthflowServerHttp *http;
  AuthflowServerJwtCache *jwt_cache;
  GCancellable     *cancellable;
  char             *address;
  guint             port;
  guint             prune_source;

  /* Lower-cased username → GArray of the monotonic times (µs) of its recent
   * failed logins. Only in memory: a restart forgets them. */
  GHashTable       *login_failures;
  /* The same for failed logins from each client address, whatever the
   * username, so that trying many usernames from one place is slowed down
   * as well. */
  GHashTable       *address_failures;

  guint             access_ttl;
  guint             refresh_ttl;
  guint             max_login_failures;
  guint             max_address_failures;
  guint             connection_timeout;
  guint             max_connections;
  guint             max_connections_per_address;
  guint             refresh_count;
  gboolean          dev_endpoints;
};

static void authflow_server_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AuthflowServer, authflow_server, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      authflow_server_initable_iface_init))

enum {
  PROP_0,
  PROP_DB_PATH,
  PROP_PORT,
  PROP_ACCESS_TTL,
  PROP_REFRESH_TTL,
  PROP_MAX_LOGIN_FAILURES,
  PROP_MAX_ADDRESS_FAILURES,
  PROP_CONNECTION_TIMEOUT,
  PROP_MAX_CONNECTIONS,
  PROP_MAX_CONNECTIONS_PER_ADDRESS,
  PROP_REFRESH_COUNT,
  PROP_DEV_ENDPOINTS,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

typedef void (*RouteHandler) (AuthflowServer          *self,
                              AuthflowServerRequest   *msg,
                              JsonObject              *body,
                              AuthflowServerUser      *user,
                              AuthflowServerJwtClaims *claims);

/* A request that waits for argon2 in a worker thread while it is paused.
 * Freeing it lets the request go on. */
typedef struct
{
  AuthflowServer     *self;
  AuthflowServerRequest *msg;
  AuthflowServerUser *user;
  char               *failure_key;
  char               *address_key;
  gint64              access_ttl;
} PendingRequest;

static PendingRequest *
pending_request_new (AuthflowServer    *self,
                     AuthflowServerRequest *msg)
{
  PendingRequest *pending = g_new0 (PendingRequest, 1);

  pending->self = g_object_ref (self);
  pending->msg = authflow_server_request_ref (msg);
  authflow_server_request_pause (msg);

  return pending;
}

static void
pending_request_free (PendingRequest *pending)
{
  authflow_server_request_unpause (pending->msg);

  g_clear_pointer (&pending->msg, authflow_server_request_unref);
  g_clear_object (&pending->self);
  g_clear_pointer (&pending->user, authflow_server_user_free);
  g_clear_pointer (&pending->failure_key, g_free);
  g_clear_pointer (&pending->address_key, g_free);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PendingRequest, pending_request_free)

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* Closes the object that @builder has open and sends it. */
static void
respond_builder (AuthflowServerRequest *msg,
                 guint                  status,
                 JsonBuilder           *builder)
{
  g_autoptr(JsonNode) root = NULL;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  authflow_server_request_respond_json (msg, status, root);
}

static void
respond_error (AuthflowServerRequest *msg,
               guint              status,
               const char        *message,
               const char        *field)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  if (field != NULL)
    {
      json_builder_set_member_name (builder, "field");
      json_builder_add_string_value (builder, field);
    }

  respond_builder (msg, status, builder);
}

static void
respond_internal_error (AuthflowServerRequest *msg,
                        const GError      *error)
{
  g_warning ("Could not answer a request: %s", error ? error->message : "unknown error");
  respond_error (msg, AUTHFLOW_HTTP_STATUS_INTERNAL_SERVER_ERROR, "Internal server error", NULL);
}

static void
respond_unauthorized (AuthflowServerRequest *msg,
                      const char        *message,
                      gboolean           invalid_token)
{
  authflow_server_request_set_response_header (msg, "WWW-Authenticate",
                                               invalid_token ? "Bearer error=\"invalid_token\"" : "Bearer");
  respond_error (msg, AUTHFLOW_HTTP_STATUS_UNAUTHORIZED, message, NULL);
}

static void
respond_user (AuthflowServerRequest    *msg,
              const AuthflowServerUser *user)
{
  g_autoptr(JsonBuilder) builder = authflow_server_user_to_builder (user);

  respond_builder (msg, AUTHFLOW_HTTP_STATUS_OK, builder);
}

/* Issues an access token and the first refresh token of a new family, and
 * answers with the user and both tokens, as dummyjson.com does on a login. */
static void
respond_new_session (AuthflowServer           *self,
                     AuthflowServerRequest    *msg,
                     guint                     status,
                     const AuthflowServerUser *user,
                     gint64                    access_ttl)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = authflow_server_refresh_token_new ();
  g_autofree char *sid = NULL;
  guint8 refresh_hash[AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE];
  gint64 now = now_seconds ();

  authflow_server_refresh_token_hash (refresh_token, refresh_hash);
  if (!authflow_server_db_start_refresh_family (self->db, user->id, refresh_hash,
                                                now + self->refresh_ttl, now + access_ttl,
                                                &sid, &error))
    {
      respond_internal_error (msg, error);
      return;
    }

  access_token = authflow_server_jwt_encode (authflow_server_db_get_secret (self->db),
                                             user->id, user->username, sid, now, now + access_ttl);

  builder = authflow_server_user_to_builder (user);
  json_builder_set_member_name (builder, "accessToken");
  json_builder_add_string_value (builder, access_token);
  json_builder_set_member_name (builder, "refreshToken");
  json_builder_add_string_value (builder, refresh_token);

  respond_builder (msg, status, builder);
}

/* An empty body counts as an empty object, so that calls without
 * parameters, such as a logout, need not send one. */
static JsonObject *
parse_body (AuthflowServerRequest *msg)
{
  const char *data;
  gsize len;

  data = authflow_server_request_get_body (msg, &len);

  return authflow_server_parse_json_body (data, len);
}

/**
 * authflow_server_parse_json_body:
 * @data: (array length=len) (nullable): a request body as it came
 *
 * What the server makes of a request body, apart from the connection that
 * brought it (so that it can be fuzzed as it is): an empty body is an empty
 * object; anything else must be a JSON object that
 * authflow_server_json_parse_object() accepts, which refuses a NUL byte,
 * invalid UTF-8, an escaped NUL (`\u0000`) in any string and nesting deeper
 * than %AUTHFLOW_SERVER_JSON_MAX_DEPTH.
 *
 * Returns: (transfer full) (nullable): the object, or %NULL for a body that
 *   is answered "Invalid JSON body"
 */
JsonObject *
authflow_server_parse_json_body (const char *data,
                                 gsize       len)
{
  if (len == 0)
    return json_object_new ();

  return authflow_server_json_parse_object (data, len, NULL);
}

/* Returns a non-empty string member, or NULL for anything else. */
static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  value = json_node_get_string (node);
  return value != NULL && *value != '\0' ? value : NULL;
}

/* expiresInMins, when present, sets the lifetime of the access token that
 * this call issues. */
static gboolean
get_access_ttl (AuthflowServer    *self,
                AuthflowServerRequest *msg,
                JsonObject        *body,
                gint64            *out_ttl)
{
  JsonNode *node = json_object_get_member (body, "expiresInMins");
  gint64 minutes;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      *out_ttl = self->access_ttl;
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 ||
      (minutes = json_node_get_int (node)) < 1 ||
      minutes > AUTHFLOW_SERVER_MAX_EXPIRES_IN_MINS)
    {
      respond_error (msg, AUTHFLOW_HTTP_STATUS_BAD_REQUEST,
                     "expiresInMins must be a whole number from 1 to 43200", NULL);
      return FALSE;
    }

  *out_ttl = minutes * 60;
  return TRUE;
}

static char *
get_bearer_token (AuthflowServerRequest *msg)
{
  const char *value = authflow_server_request_get_header (msg, "Authorization");
  g_autofree char *token = NULL;

  if (value == NULL)
    return NULL;

  while (g_ascii_isspace (*value))
    value++;

  if (g_ascii_strncasecmp (value, "Bearer", 6) != 0 || !g_ascii_isspace (value[6]))
    return NULL;

  token = g_strstrip (g_strdup (value + 7));
  if (*token == '\0')
    return NULL;

  return g_steal_pointer (&token);
}

static gboolean
authenticate (AuthflowServer           *self,
              AuthflowServerRequest    *msg,
              AuthflowServerUser      **out_user,
              AuthflowServerJwtClaims **out_claims)
{
  g_autoptr(AuthflowServerJwtClaims) claims = NULL;
  g_autoptr(AuthflowServerUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = get_bearer_token (msg);

  if (token == NULL)
    {
      respond_unauthorized (msg, "Access Token is required", FALSE);
      return FALSE;
    }

  claims = authflow_server_jwt_cache_decode (self->jwt_cache, authflow_server_db_get_secret (self->db),
                                             token, now_seconds (), &error);
  if (claims == NULL)
    {
      if (g_error_matches (error, AUTHFLOW_SERVER_JWT_ERROR, AUTHFLOW_SERVER_JWT_ERROR_EXPIRED))
        respond_unauthorized (msg, "Token Expired!", TRUE);
      else
        respond_unauthorized (msg, "Invalid/Expired Token!", TRUE);
      return FALSE;
    }

  /* Logout and refresh-token reuse end the session at once: every access
   * token issued in it is refused from then on. */
  user = authflow_server_db_lookup_session_user (self->db, claims->sid, claims->id, &error);
  if (error != NULL)
    {
      respond_internal_error (msg, error);
      return FALSE;
    }

  if (user == NULL)
    {
      respond_unauthorized (msg, "Invalid/Expired Token!", TRUE);
      return FALSE;
    }

  *out_user = g_steal_pointer (&user);
  *out_claims = g_steal_pointer (&claims);

  return TRUE;
}

/* Drops the failures that have left the window and returns how many are
 * left. */
static guint
prune_failure_times (GArray *times,
                     gint64  now)
{
  gint64 window = (gint64) AUTHFLOW_SERVER_LOGIN_FAILURE_WINDOW * G_USEC_PER_SEC;
  guint expired = 0;

  while (expired < times->len && g_array_index (times, gint64, expired) + window <= now)
    expired++;
  g_array_remove_range (times, 0, expired);

  return times->len;
}

/* Returns the recent failures of @key in @table, or NULL if there are
 * none. */
static GArray *
get_recent_failures (GHashTable *table,
                     const char *key,
                     gint64      now)
{
  GArray *times = g_hash_table_lookup (table, key);

  if (times != NULL && prune_failure_times (times, now) == 0)
    {
      g_hash_table_remove (table, key);
      return NULL;
    }

  return times;
}

/* Returns the seconds until @key of @table may try again, 0 if it may now
 * or if @limit is 0. The lock holds until enough failures have left the
 * window to bring their count under the limit. */
static guint
get_retry_after (GHashTable *table,
                 const char *key,
                 guint       limit)
{
  gint64 now = g_get_monotonic_time ();
  gint64 window = (gint64) AUTHFLOW_SERVER_LOGIN_FAILURE_WINDOW * G_USEC_PER_SEC;
  GArray *times = get_recent_failures (table, key, now);
  gint64 unlock_at;

  if (limit == 0 || times == NULL || times->len < limit)
    return 0;

  unlock_at = g_array_index (times, gint64, times->len - limit) + window;

  return MAX (1, (unlock_at - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

static void
record_failure (GHashTable *table,
                const char *key,
                guint       limit)
{
  gint64 now = g_get_monotonic_time ();
  guint keep = MAX (limit, MAX_FAILURES_PER_KEY);
  GArray *times;

  /* Guessing many usernames, or coming from many addresses, must not grow
   * the table without bound. */
  if (g_hash_table_size (table) >= MAX_FAILURE_KEYS)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, table);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          if (prune_failure_times (value, now) == 0)
            g_hash_table_iter_remove (&iter);
        }
    }

  times = get_recent_failures (table, key, now);
  if (times == NULL)
    {
      times = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (table, g_strdup (key), times);
    }

  /* Only the last @limit failures decide when a lock ends. */
  g_array_append_val (times, now);
  if (times->len > keep)
    g_array_remove_range (times, 0, times->len - keep);
}

/* The client's IP address as text, or NULL if the transport does not know
 * it. */
static char *
dup_client_address (AuthflowServerRequest *msg)
{
  return g_strdup (authflow_server_request_get_client_address (msg));
}

static void
respond_login_locked (AuthflowServerRequest *msg,
                      guint              retry_after)
{
  g_autofree char *seconds = g_strdup_printf ("%u", retry_after);
  g_autofree char *message = NULL;

  message = g_strdup_printf ("Too many failed login attempts. Try again in %u seconds.", retry_after);
  authflow_server_request_set_response_header (msg, "Retry-After", seconds);
  respond_error (msg, AUTHFLOW_HTTP_STATUS_TOO_MANY_REQUESTS, message, NULL);
}

static void
login_verified_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(PendingRequest) pending = user_data;
  g_autoptr(GError) error = NULL;
  AuthflowServer *self = pending->self;
  gboolean matches;

  matches = authflow_server_password_verify_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->db == NULL)
    return;

  if (error != NULL)
    {
      respond_internal_error (pending->msg, error);
    }
  else if (!matches || pending->user == NULL)
    {
      record_failure (self->login_failures, pending->failure_key, self->max_login_failures);
      if (pending->address_key != NULL)
        record_failure (self->address_failures, pending->address_key, self->max_address_failures);
      respond_error (pending->msg, AUTHFLOW_HTTP_STATUS_BAD_REQUEST, "Invalid credentials", NULL);
    }
  else
    {
      /* Only the username's count starts again: one account that works
       * must not let its holder go on guessing the passwords of others. */
      g_hash_table_remove (self->login_failures, pending->failure_key);
      respond_new_session (self, pending->msg, AUTHFLOW_HTTP_STATUS_OK, pending->user, pending->access_ttl);
    }
}

static void
handle_login (AuthflowServer          *self,
              AuthflowServerRequest   *msg,
              JsonObject              *body,
              AuthflowServerUser      *unused_user,
              AuthflowServerJwtClaims *unused_claims)
{
  g_autoptr(AuthflowServerUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *failure_key = NULL;
  g_autofree char *address_key = NULL;
  g_autofree char *hash = NULL;
  const char *username = get_string_member (body, "username");
  const char *password = get_string_member (body, "password");
  PendingRequest *pending;
  gint64 access_ttl;
  guint retry_after;

  if (username == NULL || password == NULL)
    {
      respond_error (msg, AUTHFLOW_HTTP_STATUS_BAD_REQUEST, "Username and password required", NULL);
      return;
    }

  if (!get_access_ttl (self, msg, body, &access_ttl))
    return;

  /* Checked before any password work, so that a locked name or address
   * costs nothing. */
  failure_key = g_ascii_strdown (username, -1);
  address_key = dup_client_address (msg);
  retry_after = get_retry_after (self->login_failures, failure_key, self->max_login_failures);
  if (address_key != NULL)
    retry_after = MAX (retry_after, get_retry_after (self->address_failures, address_key,
                                                     self->max_address_failures));
  if (retry_after > 0)
    {
      respond_login_locked (msg, retry_after);
      return;
    }

  user = authflow_server_db_lookup_user_by_name (self->db, username, &hash, &error);
  if (error != NULL)
    {
      respond_internal_error (msg, error);
      return;
    }

  pending = pending_request_new (self, msg);
  pending->user = g_steal_pointer (&user);
  pending->failure_key = g_steal_pointer (&failure_key);
  pending->address_key = g_steal_pointer (&address_key);
  pending->access_ttl = access_ttl;

  /* An unknown user is verified against a dummy hash (hash is NULL), so that
   * the answer takes as long as for a wrong password. */
  authflow_server_password_verify_async (hash, password, self->cancellable,
                                         login_verified_cb, pending);
}

static void
signup_hashed_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PendingRequest) pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  AuthflowServer *self = pending->self;

  hash = authflow_server_password_hash_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->db == NULL)
    return;

  if (hash == NULL)
    {
      respond_internal_error (pending->msg, error);
      return;
    }

  /* The username may have been taken while the password was hashed. */
  if (!authflow_server_db_insert_user (self->db, pending->user, hash, &error))
    {
      if (g_error_matches (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_EXISTS))
        respond_error (pending->msg, AUTHFLOW_HTTP_STATUS_CONFLICT, "Username already taken", "username");
      else
        respond_internal_error (pending->msg, error);
      return;
    }

  respond_new_session (self, pending->msg, AUTHFLOW_HTTP_STATUS_CREATED, pending->user, pending->access_ttl);
}

static void
handle_signup (AuthflowServer          *self,
               AuthflowServerRequest   *msg,
               JsonObject              *body,
               AuthflowServerUser      *unused_user,
               AuthflowServerJwtClaims *unused_claims)
{
  g_autoptr(AuthflowServerUser) user = NULL;
  g_autoptr(AuthflowServerUser) existing = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  const char *field;
  const char *message;
  PendingRequest *pending;
  gint64 access_ttl;

  if (!authflow_server_user_from_signup (body, &user, &password, &field, &message))
    {
      respond_error (msg, AUTHFLOW_HTTP_STATUS_BAD_REQUEST, message, field);
      return;
    }

  if (!get_access_ttl (self, msg, body, &access_ttl))
    return;

  existing = authflow_server_db_lookup_user_by_name (self->db, user->username, NULL, &error);
  if (error != NULL)
    {
      respond_internal_error (msg, error);
      return;
    }

  if (existing != NULL)
    {
      respond_error (msg, AUTHFLOW_HTTP_STATUS_CONFLICT, "Username already taken", "username");
      return;
    }

  pending = pending_request_new (self, msg);
  pending->user = g_steal_pointer (&user);
  pending->access_ttl = access_ttl;

  authflow_server_password_hash_async (password, self->cancellable, signup_hashed_cb, pending);
}

static void
handle_me_get (AuthflowServer          *self,
               AuthflowServerRequest   *msg,
               JsonObject              *body,
               AuthflowServerUser      *user,
               AuthflowServerJwtClaims *claims)
{
  respond_user (msg, user);
}

static void
handle_me_patch (AuthflowServer          *self,
                 AuthflowServerRequest   *msg,
                 JsonObject              *body,
                 AuthflowServerUser      *user,
                 AuthflowServerJwtClaims *claims)
{
  g_autoptr(AuthflowServerUser) updated = authflow_server_user_copy (user);
  g_autoptr(GError) error = NULL;
  const char *field;
  const char *message;

  if (!authflow_server_user_apply_patch (updated, body, &field, &message))
    {
      respond_error (msg, AUTHFLOW_HTTP_STATUS_BAD_REQUEST, message, field);
      return;
    }

  if (!authflow_server_db_update_user (self->db, updated, &error))
    {
      respond_internal_error (msg, error);
      return;
    }

  respond_user (msg, updated);
}

static void
handle_refresh (AuthflowServer          *self,
                AuthflowServerRequest   *msg,
                JsonObject              *body,
                AuthflowServerUser      *unused_user,
                AuthflowServerJwtClaims *unused_claims)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(AuthflowServerUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *new_token = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *sid = NULL;
  const char *old_token = get_string_member (body, "refreshToken");
  guint8 old_hash[AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE];
  guint8 new_hash[AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE];
  AuthflowServerRefreshResult result;
  gint64 access_ttl;
  gint64 user_id = 0;
  gint64 now = now_seconds ();

  if (old_token == NULL)
    {
      respond_error (msg, AUTHFLOW_HTTP_STATUS_UNAUTHORIZED, "Refresh token required", NULL);
      return;
    }

  if (!get_access_ttl (self, msg, body, &access_ttl))
    return;

  new_token = authflow_server_refresh_token_new ();
  authflow_server_refresh_token_hash (old_token, old_hash);
  authflow_server_refresh_token_hash (new_token, new_hash);

  if (!authflow_server_db_rotate_refresh_token (self->db, old_hash, new_hash, now + self->refresh_ttl,
                                                now + access_ttl, &result, &user_id, &sid, &error))
    {
      respond_internal_error (msg, error);
      return;
    }

  if (result == AUTHFLOW_SERVER_REFRESH_ROTATED)
    {
      user = authflow_server_db_lookup_user (self->db, user_id, &error);
      if (error != NULL)
        {
          respond_internal_error (msg, error);
          return;
        }
    }

  if (user == NULL)
    {
      if (result == AUTHFLOW_SERVER_REFRESH_REUSED)
        g_message ("A spent refresh token was presented again; its family is revoked");
      respond_error (msg, AUTHFLOW_HTTP_STATUS_FORBIDDEN, "Invalid refresh token", NULL);
      return;
    }

  access_token = authflow_server_jwt_encode (authflow_server_db_get_secret (self->db),
                                             user->id, user->username, sid, now, now + access_ttl);

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "accessToken");
  json_builder_add_string_value (builder, access_token);
  json_builder_set_member_name (builder, "refreshToken");
  json_builder_add_string_value (builder, new_token);
  respond_builder (msg, AUTHFLOW_HTTP_STATUS_OK, builder);

  self->refresh_count++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REFRESH_COUNT]);
}

/* Ends the session of the access token, and that of the refresh token if
 * one comes along (both the user's own). Every access token issued in them
 * is refused from then on; the user's other sessions go on. */
static void
handle_logout (AuthflowServer          *self,
               AuthflowServerRequest   *msg,
               JsonObject              *body,
               AuthflowServerUser      *user,
               AuthflowServerJwtClaims *claims)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  const char *refresh_token = get_string_member (body, "refreshToken");
  guint8 hash[AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE];

  if (refresh_token != NULL)
    authflow_server_refresh_token_hash (refresh_token, hash);

  if (!authflow_server_db_end_session (self->db, user->id, claims->sid,
                                       refresh_token != NULL ? hash : NULL, &error))
    {
      respond_internal_error (msg, error);
      return;
    }

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, "Logged out successfully");
  respond_builder (msg, AUTHFLOW_HTTP_STATUS_OK, builder);
}

/* A development endpoint, there only with --dev-endpoints: ends the
 * session of a refresh token, as a reuse of a spent one would, so that the
 * app's "revoke-session" fault can show a session ended elsewhere. It asks
 * for no access token: it stands for whoever else could end the session
 * (another device's logout, an administrator). */
static void
handle_dev_revoke_session (AuthflowServer          *self,
                           AuthflowServerRequest   *msg,
                           JsonObject              *body,
                           AuthflowServerUser      *unused_user,
                           AuthflowServerJwtClaims *unused_claims)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  const char *refresh_token = get_string_member (body, "refreshToken");
  guint8 hash[AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE];
  gboolean found = FALSE;

  if (refresh_token == NULL)
    {
      respond_error (msg, AUTHFLOW_HTTP_STATUS_BAD_REQUEST, "Refresh token required", NULL);
      return;
    }

  authflow_server_refresh_token_hash (refresh_token, hash);
  if (!authflow_server_db_revoke_session_of_token (self->db, hash, &found, &error))
    {
      respond_internal_error (msg, error);
      return;
    }

  if (!found)
    {
      respond_error (msg, AUTHFLOW_HTTP_STATUS_FORBIDDEN, "Invalid refresh token", NULL);
      return;
    }

  g_message ("A session was revoked through /dev/revoke-session");

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, "Session revoked");
  respond_builder (msg, AUTHFLOW_HTTP_STATUS_OK, builder);
}

static const struct {
  const char   *path;
  const char   *method;
  gboolean      authenticated;
  gboolean      dev;
  RouteHandler  handler;
} routes[] = {
  { "/auth/login",         "POST",  FALSE, FALSE, handle_login },
  { "/auth/signup",        "POST",  FALSE, FALSE, handle_signup },
  { "/auth/me",            "GET",   TRUE,  FALSE, handle_me_get },
  { "/auth/me",            "PATCH", TRUE,  FALSE, handle_me_patch },
  { "/auth/refresh",       "POST",  FALSE, FALSE, handle_refresh },
  { "/auth/logout",        "POST",  TRUE,  FALSE, handle_logout },
  { "/dev/revoke-session", "POST",  FALSE, TRUE,  handle_dev_revoke_session },
};

static void
dispatch (AuthflowServer    *self,
          AuthflowServerRequest *msg,
          guint              route)
{
  g_autoptr(AuthflowServerUser) user = NULL;
  g_autoptr(AuthflowServerJwtClaims) claims = NULL;
  g_autoptr(JsonObject) body = NULL;

  if (self->db == NULL)
    {
      respond_error (msg, AUTHFLOW_HTTP_STATUS_SERVICE_UNAVAILABLE, "The server is shutting down", NULL);
      return;
    }

  /* Authentication comes first, so that a caller without a token learns
   * nothing about what the call would have accepted. */
  if (routes[route].authenticated && !authenticate (self, msg, &user, &claims))
    return;

  if (strcmp (routes[route].method, "GET") == 0)
    {
      body = json_object_new ();
    }
  else if ((body = parse_body (msg)) == NULL)
    {
      respond_error (msg, AUTHFLOW_HTTP_STATUS_BAD_REQUEST, "Invalid JSON body", NULL);
      return;
    }

  routes[route].handler (self, msg, body, user, claims);
}

static void
handle_request_cb (AuthflowServerRequest *msg,
                   gpointer               user_data)
{
  AuthflowServer *self = user_data;
  const char *method = authflow_server_request_get_method (msg);
  const char *path = authflow_server_request_get_path (msg);
  g_autoptr(GString) allow = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      /* Without --dev-endpoints they are not there at all. */
      if (strcmp (routes[i].path, path) != 0 || (routes[i].dev && !self->dev_endpoints))
        continue;

      if (strcmp (routes[i].method, method) == 0)
        {
          dispatch (self, msg, i);
          return;
        }

      if (allow->len > 0)
        g_string_append (allow, ", ");
      g_string_append (allow, routes[i].method);
    }

  if (allow->len == 0)
    {
      respond_error (msg, AUTHFLOW_HTTP_STATUS_NOT_FOUND, "Not found", NULL);
      return;
    }

  authflow_server_request_set_response_header (msg, "Allow", allow->str);
  respond_error (msg, AUTHFLOW_HTTP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed", NULL);
}

static gboolean
prune_cb (gpointer user_data)
{
  AuthflowServer *self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->db != NULL && !authflow_server_db_prune (self->db, &error))
    g_warning ("Could not prune the database: %s", error->message);

  return G_SOURCE_CONTINUE;
}

static gboolean
authflow_server_initable_init (GInitable     *initable,
                               GCancellable  *cancellable,
                               GError       **error)
{
  AuthflowServer *self = AUTHFLOW_SERVER (initable);

  if (self->db_path == NULL)
    self->db_path = authflow_server_get_default_db_path ();

  self->db = authflow_server_db_open (self->db_path, error);
  if (self->db == NULL)
    return FALSE;

  self->prune_source = g_timeout_add_seconds (PRUNE_INTERVAL_SECONDS, prune_cb, self);

  return TRUE;
}

static void
authflow_server_initable_iface_init (GInitableIface *iface)
{
  iface->init = authflow_server_initable_init;
}

static void
authflow_server_dispose (GObject *object)
{
  AuthflowServer *self = (AuthflowServer *) object;

  authflow_server_close (self);
  g_clear_object (&self->http);

  G_OBJECT_CLASS (authflow_server_parent_class)->dispose (object);
}

static void
authflow_server_finalize (GObject *object)
{
  AuthflowServer *self = (AuthflowServer *) object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->jwt_cache, authflow_server_jwt_cache_free);
  g_clear_pointer (&self->login_failures, g_hash_table_unref);
  g_clear_pointer (&self->address_failures, g_hash_table_unref);
  g_clear_pointer (&self->db_path, g_free);
  g_clear_pointer (&self->address, g_free);

  G_OBJECT_CLASS (authflow_server_parent_class)->finalize (object);
}

static void
authflow_server_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AuthflowServer *self = AUTHFLOW_SERVER (object);

  switch (prop_id)
    {
    case PROP_DB_PATH:
      g_value_set_string (value, self->db_path);
      break;

    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;

    case PROP_ACCESS_TTL:
      g_value_set_uint (value, self->access_ttl);
      break;

    case PROP_REFRESH_TTL:
      g_value_set_uint (value, self->refresh_ttl);
      break;

    case PROP_MAX_LOGIN_FAILURES:
      g_value_set_uint (value, self->max_login_failures);
      break;

    case PROP_MAX_ADDRESS_FAILURES:
      g_value_set_uint (value, self->max_address_failures);
      break;

    case PROP_CONNECTION_TIMEOUT:
      g_value_set_uint (value, self->connection_timeout);
      break;

    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;

    case PROP_MAX_CONNECTIONS_PER_ADDRESS:
      g_value_set_uint (value, self->max_connections_per_address);
      break;

    case PROP_DEV_ENDPOINTS:
      g_value_set_boolean (value, self->dev_endpoints);
      break;

    case PROP_REFRESH_COUNT:
      g_value_set_uint (value, self->refresh_count);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_server_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AuthflowServer *self = AUTHFLOW_SERVER (object);

  switch (prop_id)
    {
    case PROP_DB_PATH:
      self->db_path = g_value_dup_string (value);
      break;

    case PROP_ACCESS_TTL:
      authflow_server_set_access_ttl (self, g_value_get_uint (value));
      break;

    case PROP_REFRESH_TTL:
      authflow_server_set_refresh_ttl (self, g_value_get_uint (value));
      break;

    case PROP_MAX_LOGIN_FAILURES:
      authflow_server_set_max_login_failures (self, g_value_get_uint (value));
      break;

    case PROP_MAX_ADDRESS_FAILURES:
      authflow_server_set_max_address_failures (self, g_value_get_uint (value));
      break;

    case PROP_CONNECTION_TIMEOUT:
      authflow_server_set_connection_timeout (self, g_value_get_uint (value));
      break;

    case PROP_MAX_CONNECTIONS:
      authflow_server_set_max_connections (self, g_value_get_uint (value));
      break;

    case PROP_MAX_CONNECTIONS_PER_ADDRESS:
      authflow_server_set_max_connections_per_address (self, g_value_get_uint (value));
      break;

    case PROP_DEV_ENDPOINTS:
      authflow_server_set_dev_endpoints (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_server_class_init (AuthflowServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authflow_server_dispose;
  object_class->finalize = authflow_server_finalize;
  object_class->get_property = authflow_server_get_property;
  object_class->set_property = authflow_server_set_property;

  /**
   * AuthflowServer:db-path:
   *
   * The SQLite database, created on first start. %NULL means
   * `$XDG_DATA_HOME/authflow-server/authflow.db`.
   */
  properties[PROP_DB_PATH] =
    g_param_spec_string ("db-path", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * AuthflowServer:port:
   *
   * The port the server listens on, 0 before authflow_server_listen().
   */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL,
                       0, G_MAXUINT16, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * AuthflowServer:access-ttl:
   *
   * The lifetime of access tokens in seconds when a call does not give
   * expiresInMins.
   */
  properties[PROP_ACCESS_TTL] =
    g_param_spec_uint ("access-ttl", NULL, NULL,
                       1, MAX_ACCESS_TTL, AUTHFLOW_SERVER_DEFAULT_ACCESS_TTL,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * AuthflowServer:refresh-ttl:
   *
   * The lifetime of each refresh token in seconds, counted from its issue.
   */
  properties[PROP_REFRESH_TTL] =
    g_param_spec_uint ("refresh-ttl", NULL, NULL,
                       1, G_MAXINT32, AUTHFLOW_SERVER_DEFAULT_REFRESH_TTL,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * AuthflowServer:max-login-failures:
   *
   * How many failed logins one username may have within
   * %AUTHFLOW_SERVER_LOGIN_FAILURE_WINDOW seconds before further attempts
   * are answered with 429. 0 turns the limit off.
   */
  properties[PROP_MAX_LOGIN_FAILURES] =
    g_param_spec_uint ("max-login-failures", NULL, NULL,
                       0, G_MAXUINT, AUTHFLOW_SERVER_DEFAULT_MAX_LOGIN_FAILURES,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * AuthflowServer:max-address-failures:
   *
   * How many failed logins, whatever the usernames, one client address may
   * have within %AUTHFLOW_SERVER_LOGIN_FAILURE_WINDOW seconds before its
   * further attempts are answered with 429. 0 turns the limit off.
   */
  properties[PROP_MAX_ADDRESS_FAILURES] =
    g_param_spec_uint ("max-address-failures", NULL, NULL,
                       0, G_MAXUINT, AUTHFLOW_SERVER_DEFAULT_MAX_ADDRESS_FAILURES,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * AuthflowServer:connection-timeout:
   *
   * Seconds after which a connection that is idle, or that stalls in the
   * middle of a request, is closed; 0 for never. Read when the server
   * starts to listen.
   */
  properties[PROP_CONNECTION_TIMEOUT] =
    g_param_spec_uint ("connection-timeout", NULL, NULL,
                       0, AUTHFLOW_SERVER_MAX_CONNECTION_TIMEOUT, AUTHFLOW_SERVER_DEFAULT_CONNECTION_TIMEOUT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * AuthflowServer:max-connections:
   *
   * How many connections the server keeps at once; more are closed as
   * soon as they are accepted. At most %AUTHFLOW_SERVER_MAX_CONNECTIONS,
   * which select() bounds. Read when the server starts to listen.
   */
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL,
                       1, AUTHFLOW_SERVER_MAX_CONNECTIONS, AUTHFLOW_SERVER_DEFAULT_MAX_CONNECTIONS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * AuthflowServer:max-connections-per-address:
   *
   * How many connections one client address may have at once; more are
   * closed as soon as they are accepted. 0 turns the limit off. Read when
   * the server starts to listen.
   */
  properties[PROP_MAX_CONNECTIONS_PER_ADDRESS] =
    g_param_spec_uint ("max-connections-per-address", NULL, NULL,
                       0, G_MAXINT, AUTHFLOW_SERVER_DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * AuthflowServer:refresh-count:
   *
   * How many POST /auth/refresh calls have succeeded.
   */
  properties[PROP_REFRESH_COUNT] =
    g_param_spec_uint ("refresh-count", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * AuthflowServer:dev-endpoints:
   *
   * Whether the development endpoints are there (`POST
   * /dev/revoke-session`); off, they answer 404 like any unknown path.
   */
  properties[PROP_DEV_ENDPOINTS] =
    g_param_spec_boolean ("dev-endpoints", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authflow_server_init (AuthflowServer *self)
{
  self->access_ttl = AUTHFLOW_SERVER_DEFAULT_ACCESS_TTL;
  self->refresh_ttl = AUTHFLOW_SERVER_DEFAULT_REFRESH_TTL;
  self->max_login_failures = AUTHFLOW_SERVER_DEFAULT_MAX_LOGIN_FAILURES;
  self->max_address_failures = AUTHFLOW_SERVER_DEFAULT_MAX_ADDRESS_FAILURES;
  self->cancellable = g_cancellable_new ();
  self->jwt_cache = authflow_server_jwt_cache_new (MAX_CACHED_TOKENS);
  self->login_failures = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                g_free, (GDestroyNotify) g_array_unref);
  self->address_failures = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                  g_free, (GDestroyNotify) g_array_unref);
  self->connection_timeout = AUTHFLOW_SERVER_DEFAULT_CONNECTION_TIMEOUT;
  self->max_connections = AUTHFLOW_SERVER_DEFAULT_MAX_CONNECTIONS;
  self->max_connections_per_address = AUTHFLOW_SERVER_DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;

  self->http = authflow_server_http_new (handle_request_cb, self);
}

/**
 * authflow_server_get_default_db_path:
 *
 * Returns: (transfer full): `$XDG_DATA_HOME/authflow-server/authflow.db`
 */
char *
authflow_server_get_default_db_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "authflow-server", "authflow.db", NULL);
}

/**
 * authflow_server_new:
 * @db_path: (nullable): the SQLite database, or %NULL for the default one
 * @error: return location for a #GError
 *
 * Opens the database, creating, migrating and seeding it as needed. The
 * server does not listen yet: call authflow_server_listen().
 *
 * Returns: (transfer full) (nullable): a new server
 */
AuthflowServer *
authflow_server_new (const char  *db_path,
                     GError     **error)
{
  return g_initable_new (AUTHFLOW_TYPE_SERVER, NULL, error,
                         "db-path", db_path,
                         NULL);
}

/**
 * authflow_server_listen:
 * @self: an #AuthflowServer
 * @address: (nullable): an IP address, %NULL for 127.0.0.1
 * @port: a port, or 0 for any free one
 * @error: return location for a #GError
 *
 * Starts answering HTTP requests on @address and @port in the thread-default
 * main context.
 */
gboolean
authflow_server_listen (AuthflowServer  *self,
                        const char      *address,
                        guint            port,
                        GError         **error)
{
  g_autoptr(GInetAddress) inet_address = NULL;
  AuthflowServerHttpLimits limits = {
    .connection_timeout = self->connection_timeout,
    .max_connections = self->max_connections,
    .max_connections_per_address = self->max_connections_per_address,
    .max_body_size = AUTHFLOW_SERVER_MAX_BODY_SIZE,
  };
  guint bound_port = 0;

  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);
  g_return_val_if_fail (self->port == 0, FALSE);
  g_return_val_if_fail (self->db != NULL, FALSE);

  if (address == NULL)
    address = AUTHFLOW_SERVER_DEFAULT_ADDRESS;

  inet_address = g_inet_address_new_from_string (address);
  if (inet_address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", address);
      return FALSE;
    }

  if (!authflow_server_http_listen (self->http, inet_address, port, &limits, &bound_port, error))
    return FALSE;

  g_free (self->address);
  self->address = g_inet_address_to_string (inet_address);
  self->port = bound_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);

  return TRUE;
}

/**
 * authflow_server_close:
 * @self: an #AuthflowServer
 *
 * Stops listening, drops every connection, gives up on the requests that
 * wait for a password hash and closes the database. Safe to call twice.
 */
void
authflow_server_close (AuthflowServer *self)
{
  g_return_if_fail (AUTHFLOW_IS_SERVER (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->prune_source, g_source_remove);

  if (self->http != NULL)
    authflow_server_http_close (self->http);

  g_clear_object (&self->db);
}

const char *
authflow_server_get_db_path (AuthflowServer *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), NULL);

  return self->db_path;
}

guint
authflow_server_get_port (AuthflowServer *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), 0);

  return self->port;
}

/**
 * authflow_server_dup_url:
 * @self: an #AuthflowServer
 *
 * Returns: (transfer full) (nullable): the base URL, such as
 *   `http://127.0.0.1:8787`, or %NULL if the server does not listen
 */
char *
authflow_server_dup_url (AuthflowServer *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), NULL);

  if (self->port == 0)
    return NULL;

  if (strchr (self->address, ':') != NULL)
    return g_strdup_printf ("http://[%s]:%u", self->address, self->port);

  return g_strdup_printf ("http://%s:%u", self->address, self->port);
}

guint
authflow_server_get_access_ttl (AuthflowServer *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), 0);

  return self->access_ttl;
}

void
authflow_server_set_access_ttl (AuthflowServer *self,
                                guint           access_ttl)
{
  g_return_if_fail (AUTHFLOW_IS_SERVER (self));
  g_return_if_fail (access_ttl >= 1 && access_ttl <= MAX_ACCESS_TTL);

  if (self->access_ttl == access_ttl)
    return;

  self->access_ttl = access_ttl;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCESS_TTL]);
}

guint
authflow_server_get_refresh_ttl (AuthflowServer *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), 0);

  return self->refresh_ttl;
}

void
authflow_server_set_refresh_ttl (AuthflowServer *self,
                                 guint           refresh_ttl)
{
  g_return_if_fail (AUTHFLOW_IS_SERVER (self));
  g_return_if_fail (refresh_ttl >= 1 && refresh_ttl <= G_MAXINT32);

  if (self->refresh_ttl == refresh_ttl)
    return;

  self->refresh_ttl = refresh_ttl;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REFRESH_TTL]);
}

guint
authflow_server_get_max_login_failures (AuthflowServer *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), 0);

  return self->max_login_failures;
}

void
authflow_server_set_max_login_failures (AuthflowServer *self,
                                        guint           max_login_failures)
{
  g_return_if_fail (AUTHFLOW_IS_SERVER (self));

  if (self->max_login_failures == max_login_failures)
    return;

  self->max_login_failures = max_login_failures;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_LOGIN_FAILURES]);
}

guint
authflow_server_get_max_address_failures (AuthflowServer *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), 0);

  return self->max_address_failures;
}

void
authflow_server_set_max_address_failures (AuthflowServer *self,
                                          guint           max_address_failures)
{
  g_return_if_fail (AUTHFLOW_IS_SERVER (self));

  if (self->max_address_failures == max_address_failures)
    return;

  self->max_address_failures = max_address_failures;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_ADDRESS_FAILURES]);
}

guint
authflow_server_get_connection_timeout (AuthflowServer *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), 0);

  return self->connection_timeout;
}

void
authflow_server_set_connection_timeout (AuthflowServer *self,
                                        guint           connection_timeout)
{
  g_return_if_fail (AUTHFLOW_IS_SERVER (self));
  g_return_if_fail (connection_timeout <= AUTHFLOW_SERVER_MAX_CONNECTION_TIMEOUT);

  if (self->connection_timeout == connection_timeout)
    return;

  self->connection_timeout = connection_timeout;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_TIMEOUT]);
}

guint
authflow_server_get_max_connections (AuthflowServer *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), 0);

  return self->max_connections;
}

void
authflow_server_set_max_connections (AuthflowServer *self,
                                     guint           max_connections)
{
  g_return_if_fail (AUTHFLOW_IS_SERVER (self));
  g_return_if_fail (max_connections >= 1 && max_connections <= AUTHFLOW_SERVER_MAX_CONNECTIONS);

  if (self->max_connections == max_connections)
    return;

  self->max_connections = max_connections;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CONNECTIONS]);
}

guint
authflow_server_get_max_connections_per_address (AuthflowServer *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), 0);

  return self->max_connections_per_address;
}

void
authflow_server_set_max_connections_per_address (AuthflowServer *self,
                                                 guint           max_connections_per_address)
{
  g_return_if_fail (AUTHFLOW_IS_SERVER (self));
  g_return_if_fail (max_connections_per_address <= G_MAXINT);

  if (self->max_connections_per_address == max_connections_per_address)
    return;

  self->max_connections_per_address = max_connections_per_address;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CONNECTIONS_PER_ADDRESS]);
}

/**
 * authflow_server_get_refresh_count:
 * @self: an #AuthflowServer
 *
 * Returns: how many POST /auth/refresh calls have succeeded so far
 */
guint
authflow_server_get_refresh_count (AuthflowServer *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), 0);

  return self->refresh_count;
}

gboolean
authflow_server_get_dev_endpoints (AuthflowServer *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SERVER (self), FALSE);

  return self->dev_endpoints;
}

/**
 * authflow_server_set_dev_endpoints:
 * @self: an #AuthflowServer
 * @dev_endpoints: whether to answer the development endpoints
 *
 * Turns `POST /dev/revoke-session` on or off; what `--dev-endpoints` does.
 */
void
authflow_server_set_dev_endpoints (AuthflowServer *self,
                                   gboolean        dev_endpoints)
{
  g_return_if_fail (AUTHFLOW_IS_SERVER (self));

  dev_endpoints = !!dev_endpoints;
  if (self->dev_endpoints == dev_endpoints)
    return;

  self->dev_endpoints = dev_endpoints;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEV_ENDPOINTS]);
}
