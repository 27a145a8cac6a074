// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>
#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "authflow-check.h"
#include "authflow-flow.h"
#include "authflow-server.h"
#include "authflow-test-core.h"
#include "authflow-test-utils.h"

/* The whole flow — log in, the user, a 401 that renews the tokens, log out —
 * through AuthflowFlow, once for each shape of backend that a profile
 * describes: the built-in reference and dummyjson profiles and the OAuth 2
 * and nested-user fixtures.
 *
 * The reference server is the real one, in this process. The other
 * backends cannot be reached from here (there is no internet), so for each
 * a SoupServer on 127.0.0.1, in this process, stands in: it answers exactly
 * as that backend does, with its paths, fields, status codes and messages,
 * and counts what reaches it. The keyring is the real gnome-keyring of the
 * test's private session; every test has a backend on a fresh port, and so
 * a keyring item of its own.
 */

#define EXPIRED_MESSAGE "Your session has expired. Please log in again."
#define AWAIT(res) g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 30000, (res) != NULL))

typedef struct _Fixture Fixture;

typedef void (*StandInFunc) (Fixture           *f,
                             SoupServerMessage *msg,
                             const char        *method,
                             const char        *path);

struct _Fixture
{
  /* The backend: the reference server in process, or a stand-in. */
  AuthflowServer       *server;
  char                 *server_dir;
  SoupServer           *standin;
  StandInFunc           standin_func;
  char                 *url;

  /* What reached the stand-in: "METHOD /path" → how many requests, and
   * the last request itself.
   */
  GHashTable           *requests;
  guint                 n_requests;
  char                 *last_content_type;
  char                 *last_body;
  char                 *last_authorization;
  GHashTable           *bodies;
  GHashTable           *content_types;
  /* A tap on the wire in front of the stand-in, where it has one: every
   * request's method and target as they came on the wire, escapes and
   * all, in order (SoupServer decodes a path before a handler sees it).
   */
  GSocketService       *tap;
  char                 *standin_url;
  GCancellable         *tap_cancellable;
  guint                 taps_open;
  GPtrArray            *raw_requests;

  /* The stand-in's state: its signing key (dummyjson), how long the tokens
   * it issues live, the tokens it takes (OAuth, nested), and the last ones
   * it issued with the access token's expiry.
   */
  char                 *secret;
  guint                 access_ttl;
  guint                 refresh_ttl;
  GHashTable           *access_tokens;
  GHashTable           *refresh_tokens;
  char                 *issued_access_token;
  char                 *issued_refresh_token;
  gint64                issued_exp;

  /* The users stand-in's user id, or %NULL for a user without one. */
  char                 *users_uid;

  AuthflowClient       *client;
  AuthflowSessionStore *store;
  AuthflowFlow         *flow;
};

/* Emily as dummyjson.com's users.json has her, abridged. Its /auth/me
 * answers the whole record, password included.
 */
#define EMILY_RECORD \
  "{\"id\": 1, \"firstName\": \"Emily\", \"lastName\": \"Johnson\", \"maidenName\": \"Smith\"," \
  " \"age\": 28, \"gender\": \"female\", \"email\": \"emily.johnson@x.dummyjson.com\"," \
  " \"phone\": \"+81 965-431-3024\", \"username\": \"emilys\", \"password\": \"emilyspass\"," \
  " \"birthDate\": \"1996-5-30\", \"image\": \"https://dummyjson.com/icon/emilys/128\"," \
  " \"role\": \"admin\"}"

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (text == NULL || text[0] == '\0')
    return NULL;

  if (!json_parser_load_from_data (parser, text, -1, &error))
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* An answer of any JSON, as its text. */
static void
respond_text (SoupServerMessage *msg,
              guint              status,
              const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json; charset=utf-8",
                                    SOUP_MEMORY_COPY, json, strlen (json));
}

static void
respond (SoupServerMessage *msg,
         guint              status,
         JsonObject        *answer)
{
  g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), answer);
  g_autofree char *text = json_to_string (root, FALSE);

  respond_text (msg, status, text);
}

/* dummyjson.com's (and the reference server's) error: {"message": "…"}. */
static void
respond_message (SoupServerMessage *msg,
                 guint              status,
                 const char        *message)
{
  g_autoptr(JsonObject) answer = json_object_new ();

  json_object_set_string_member (answer, "message", message);
  respond (msg, status, answer);
}

static void
standin_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  char *key = g_strdup_printf ("%s %s", method, path);

  g_hash_table_replace (f->requests, key,
                        GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (f->requests, key)) + 1));
  f->n_requests++;

  g_free (f->last_content_type);
  f->last_content_type = g_strdup (soup_message_headers_get_content_type (headers, NULL));
  g_free (f->last_body);
  f->last_body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_free (f->last_authorization);
  f->last_authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
  g_hash_table_replace (f->bodies, g_strdup (key), g_strdup (f->last_body));
  g_hash_table_replace (f->content_types, g_strdup (key), g_strdup (f->last_content_type));

  f->standin_func (f, msg, method, path);
}

/* The body and content type of the last "METHOD /path" request. */
static const char *
body_of (Fixture    *f,
         const char *request)
{
  return g_hash_table_lookup (f->bodies, request);
}

static const char *
content_type_of (Fixture    *f,
                 const char *request)
{
  return g_hash_table_lookup (f->content_types, request);
}

static guint
requests_to (Fixture    *f,
             const char *request)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (f->requests, request));
}

static char *
random_token (void)
{
  g_autofree char *a = g_uuid_string_random ();
  g_autofree char *b = g_uuid_string_random ();

  return g_strconcat (a, b, NULL);
}

static void
note_issued (Fixture    *f,
             const char *access_token,
             const char *refresh_token,
             gint64      exp)
{
  g_free (f->issued_access_token);
  f->issued_access_token = g_strdup (access_token);
  g_free (f->issued_refresh_token);
  f->issued_refresh_token = g_strdup (refresh_token);
  f->issued_exp = exp;
}

/* dummyjson.com: Express with jsonwebtoken. Its tokens are HS256 JWTs of
 * the user's id, username, email, names, gender and image; a token that
 * does not verify makes the error middleware answer with jsonwebtoken's
 * own message, as a 500 unless it maps it to a 401.
 */

static char *
base64url_encode (const guchar *data,
                  gsize         len)
{
  g_autofree char *b64 = g_base64_encode (data, len);
  GString *out = g_string_new (NULL);

  for (const char *p = b64; *p != '\0'; p++)
    {
      if (*p == '+')
        g_string_append_c (out, '-');
      else if (*p == '/')
        g_string_append_c (out, '_');
      else if (*p != '=')
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

static char *
base64url_decode (const char *text)
{
  GString *b64 = g_string_new (NULL);
  g_autofree guchar *data = NULL;
  gsize len;

  for (const char *p = text; *p != '\0'; p++)
    g_string_append_c (b64, *p == '-' ? '+' : *p == '_' ? '/' : *p);
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');

  data = g_base64_decode (b64->str, &len);
  g_string_free (b64, TRUE);

  return g_strndup ((const char *) data, len);
}

static char *
hs256 (const char *secret,
       const char *signing_input)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  guint8 digest[32];
  gsize len = sizeof digest;

  g_hmac_update (hmac, (const guchar *) signing_input, -1);
  g_hmac_get_digest (hmac, digest, &len);

  return base64url_encode (digest, len);
}

/* jsonwebtoken's sign (payload, secret, { expiresIn }). */
static char *
dummyjson_sign (Fixture *f,
                guint    ttl,
                gint64  *exp)
{
  static const char * const payload_members[] = {
    "id", "username", "email", "firstName", "lastName", "gender", "image", NULL
  };
  static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  g_autoptr(JsonObject) record = parse_object (EMILY_RECORD);
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *claims_text = NULL;
  g_autofree char *header_b64 = NULL;
  g_autofree char *claims_b64 = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *signature = NULL;
  gint64 iat = now_seconds ();

  for (guint i = 0; payload_members[i] != NULL; i++)
    json_object_set_member (claims, payload_members[i],
                            json_node_copy (json_object_get_member (record, payload_members[i])));
  json_object_set_int_member (claims, "iat", iat);
  json_object_set_int_member (claims, "exp", iat + ttl);
  *exp = iat + ttl;

  root = json_node_init_object (json_node_alloc (), claims);
  claims_text = json_to_string (root, FALSE);
  header_b64 = base64url_encode ((const guchar *) header, strlen (header));
  claims_b64 = base64url_encode ((const guchar *) claims_text, strlen (claims_text));
  signing_input = g_strconcat (header_b64, ".", claims_b64, NULL);
  signature = hs256 (f->secret, signing_input);

  return g_strconcat (signing_input, ".", signature, NULL);
}

/* jsonwebtoken's verify: the error messages are its own. */
static const char *
dummyjson_verify (Fixture    *f,
                  const char *token)
{
  g_auto(GStrv) parts = g_strsplit (token, ".", -1);
  g_autofree char *signing_input = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *claims_text = NULL;
  g_autoptr(JsonObject) claims = NULL;

  if (g_strv_length (parts) != 3)
    return "jwt malformed";

  signing_input = g_strconcat (parts[0], ".", parts[1], NULL);
  signature = hs256 (f->secret, signing_input);
  if (!g_str_equal (signature, parts[2]))
    return "invalid signature";

  claims_text = base64url_decode (parts[1]);
  if (!(claims = parse_object (claims_text)) || !json_object_has_member (claims, "exp"))
    return "invalid token";

  if (now_seconds () >= json_object_get_int_member (claims, "exp"))
    return "jwt expired";

  return NULL;
}

/* dummyjson.com lets the caller choose the access token's lifetime, in
 * expiresInMins, at the login and at each refresh.
 */
static guint
dummyjson_access_ttl (Fixture *f)
{
  g_autoptr(JsonObject) body = parse_object (f->last_body);
  JsonNode *minutes = body != NULL ? json_object_get_member (body, "expiresInMins") : NULL;

  if (minutes != NULL && JSON_NODE_HOLDS_VALUE (minutes) && json_node_get_value_type (minutes) == G_TYPE_INT64)
    return json_node_get_int (minutes) * 60;

  return f->access_ttl;
}

static void
dummyjson_tokens (Fixture    *f,
                  JsonObject *answer)
{
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  gint64 exp, refresh_exp;

  access_token = dummyjson_sign (f, dummyjson_access_ttl (f), &exp);
  refresh_token = dummyjson_sign (f, f->refresh_ttl, &refresh_exp);
  json_object_set_string_member (answer, "accessToken", access_token);
  json_object_set_string_member (answer, "refreshToken", refresh_token);
  note_issued (f, access_token, refresh_token, exp);
}

static void
dummyjson_login (Fixture           *f,
                 SoupServerMessage *msg)
{
  static const char * const payload_members[] = {
    "id", "username", "email", "firstName", "lastName", "gender", "image", NULL
  };
  g_autoptr(JsonObject) body = parse_object (f->last_body);
  g_autoptr(JsonObject) record = parse_object (EMILY_RECORD);
  g_autoptr(JsonObject) answer = json_object_new ();
  const char *username = NULL;
  const char *password = NULL;

  if (body != NULL)
    {
      username = json_object_get_string_member_with_default (body, "username", NULL);
      password = json_object_get_string_member_with_default (body, "password", NULL);
    }

  if (username == NULL || username[0] == '\0' || password == NULL || password[0] == '\0')
    {
      respond_message (msg, SOUP_STATUS_BAD_REQUEST, "Username and password required");
      return;
    }

  if (g_ascii_strcasecmp (username, "emilys") != 0 || !g_str_equal (password, "emilyspass"))
    {
      respond_message (msg, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");
      return;
    }

  dummyjson_tokens (f, answer);
  for (guint i = 0; payload_members[i] != NULL; i++)
    json_object_set_member (answer, payload_members[i],
                            json_node_copy (json_object_get_member (record, payload_members[i])));
  respond (msg, SOUP_STATUS_OK, answer);
}

static void
dummyjson_me (Fixture           *f,
              SoupServerMessage *msg)
{
  g_autoptr(JsonObject) record = parse_object (EMILY_RECORD);
  g_autofree char *token = NULL;
  const char *problem;

  if (f->last_authorization == NULL)
    {
      respond_message (msg, SOUP_STATUS_UNAUTHORIZED, "Access Token is required");
      return;
    }

  /* authorization.replace ('Bearer ', '') */
  token = g_str_has_prefix (f->last_authorization, "Bearer ")
          ? g_strdup (f->last_authorization + strlen ("Bearer "))
          : g_strdup (f->last_authorization);

  if ((problem = dummyjson_verify (f, token)) == NULL)
    respond (msg, SOUP_STATUS_OK, record);
  else if (g_str_equal (problem, "jwt expired"))
    respond_message (msg, SOUP_STATUS_UNAUTHORIZED, "Token Expired!");
  else if (g_str_equal (problem, "jwt malformed"))
    respond_message (msg, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
  else
    respond_message (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, problem);
}

static void
dummyjson_refresh (Fixture           *f,
                   SoupServerMessage *msg)
{
  g_autoptr(JsonObject) body = parse_object (f->last_body);
  g_autoptr(JsonObject) answer = json_object_new ();
  const char *refresh_token = NULL;

  if (body != NULL)
    refresh_token = json_object_get_string_member_with_default (body, "refreshToken", NULL);

  if (refresh_token == NULL || refresh_token[0] == '\0')
    {
      respond_message (msg, SOUP_STATUS_UNAUTHORIZED, "Refresh token required");
      return;
    }

  /* Whatever jsonwebtoken objects to, expiry included. */
  if (dummyjson_verify (f, refresh_token) != NULL)
    {
      respond_message (msg, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");
      return;
    }

  /* New tokens only, no user. */
  dummyjson_tokens (f, answer);
  respond (msg, SOUP_STATUS_OK, answer);
}

static void
dummyjson_cb (Fixture           *f,
              SoupServerMessage *msg,
              const char        *method,
              const char        *path)
{
  if (g_str_equal (method, "POST") && g_str_equal (path, "/auth/login"))
    dummyjson_login (f, msg);
  else if (g_str_equal (method, "GET") && g_str_equal (path, "/auth/me"))
    dummyjson_me (f, msg);
  else if (g_str_equal (method, "POST") && g_str_equal (path, "/auth/refresh"))
    dummyjson_refresh (f, msg);
  else
    respond_message (msg, SOUP_STATUS_NOT_FOUND, "Not found");
}

/* An OAuth 2 server with the password grant, as Keycloak answers it for the
 * realm "demo" and the public client "authflow": one token endpoint for
 * both grants, form bodies in, snake_case JSON out, errors as
 * {"error", "error_description"}. Its tokens are opaque here, so that the
 * app has only expires_in to learn the expiry from.
 */

#define OAUTH_TOKEN_PATH    "/realms/demo/protocol/openid-connect/token"
#define OAUTH_USERINFO_PATH "/realms/demo/protocol/openid-connect/userinfo"

static void
respond_oauth_error (SoupServerMessage *msg,
                     guint              status,
                     const char        *error,
                     const char        *description)
{
  g_autoptr(JsonObject) answer = json_object_new ();

  json_object_set_string_member (answer, "error", error);
  json_object_set_string_member (answer, "error_description", description);
  respond (msg, status, answer);
}

static void
oauth_issue (Fixture           *f,
             SoupServerMessage *msg)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autofree char *access_token = random_token ();
  g_autofree char *refresh_token = random_token ();
  g_autofree char *session_state = g_uuid_string_random ();
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  g_hash_table_add (f->access_tokens, g_strdup (access_token));
  g_hash_table_add (f->refresh_tokens, g_strdup (refresh_token));
  note_issued (f, access_token, refresh_token, now_seconds () + f->access_ttl);

  json_object_set_string_member (answer, "access_token", access_token);
  json_object_set_int_member (answer, "expires_in", f->access_ttl);
  json_object_set_int_member (answer, "refresh_expires_in", f->refresh_ttl);
  json_object_set_string_member (answer, "refresh_token", refresh_token);
  json_object_set_string_member (answer, "token_type", "Bearer");
  json_object_set_int_member (answer, "not-before-policy", 0);
  json_object_set_string_member (answer, "session_state", session_state);
  json_object_set_string_member (answer, "scope", "profile email");

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Pragma", "no-cache");
  respond (msg, SOUP_STATUS_OK, answer);
}

static void
oauth_token (Fixture           *f,
             SoupServerMessage *msg)
{
  g_autoptr(GHashTable) form = NULL;
  const char *grant_type;

  if (g_strcmp0 (f->last_content_type, "application/x-www-form-urlencoded") != 0)
    {
      respond_oauth_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "Missing form parameter: grant_type");
      return;
    }

  form = soup_form_decode (f->last_body);
  grant_type = g_hash_table_lookup (form, "grant_type");

  if (g_strcmp0 (g_hash_table_lookup (form, "client_id"), "authflow") != 0)
    {
      respond_oauth_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_client",
                           "Invalid client or Invalid client credentials");
      return;
    }

  if (g_strcmp0 (grant_type, "password") == 0)
    {
      if (g_strcmp0 (g_hash_table_lookup (form, "username"), "emilys") != 0 ||
          g_strcmp0 (g_hash_table_lookup (form, "password"), "emilyspass") != 0)
        respond_oauth_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_grant", "Invalid user credentials");
      else
        oauth_issue (f, msg);
    }
  else if (g_strcmp0 (grant_type, "refresh_token") == 0)
    {
      const char *refresh_token = g_hash_table_lookup (form, "refresh_token");

      if (refresh_token == NULL || !g_hash_table_contains (f->refresh_tokens, refresh_token))
        respond_oauth_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant", "Invalid refresh token");
      else
        oauth_issue (f, msg);
    }
  else
    {
      respond_oauth_error (msg, SOUP_STATUS_BAD_REQUEST, "unsupported_grant_type", "Unsupported grant_type");
    }
}

static void
oauth_userinfo (Fixture           *f,
                SoupServerMessage *msg)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  const char *authorization = f->last_authorization;

  if (authorization == NULL || !g_str_has_prefix (authorization, "Bearer ") ||
      !g_hash_table_contains (f->access_tokens, authorization + strlen ("Bearer ")))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "WWW-Authenticate",
                                    "Bearer realm=\"demo\", error=\"invalid_token\", "
                                    "error_description=\"Token verification failed\"");
      respond_oauth_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_token", "Token verification failed");
      return;
    }

  json_object_set_string_member (answer, "sub", "5b2d4b1e-8f6a-4a8e-9d0c-6f1f2a3b4c5d");
  json_object_set_boolean_member (answer, "email_verified", TRUE);
  json_object_set_string_member (answer, "name", "Emily Johnson");
  json_object_set_string_member (answer, "preferred_username", "emilys");
  json_object_set_string_member (answer, "given_name", "Emily");
  json_object_set_string_member (answer, "family_name", "Johnson");
  json_object_set_string_member (answer, "email", "emily.johnson@x.dummyjson.com");
  respond (msg, SOUP_STATUS_OK, answer);
}

/* Keycloak signs access tokens with the realm's RSA key and refresh tokens
 * with a separate HMAC key: when the RSA key is rotated out, every access
 * token fails verification (401) while the refresh tokens still work.
 */
static void
oauth_rotate_access_key (Fixture *f)
{
  g_hash_table_remove_all (f->access_tokens);
}

static void
oauth_cb (Fixture           *f,
          SoupServerMessage *msg,
          const char        *method,
          const char        *path)
{
  if (g_str_equal (method, "POST") && g_str_equal (path, OAUTH_TOKEN_PATH))
    oauth_token (f, msg);
  else if (g_str_equal (method, "GET") && g_str_equal (path, OAUTH_USERINFO_PATH))
    oauth_userinfo (f, msg);
  else
    respond_oauth_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "Not Found");
}

/* A session API: POST /sessions with an email trades the password for an
 * opaque session token with an ISO 8601 expiry and the user nested under
 * "user"; no refresh, no "me"; errors in the JSON:API shape. A session
 * ends on the server when the person signs out everywhere.
 */

static void
respond_jsonapi_error (SoupServerMessage *msg,
                       guint              status,
                       const char        *title,
                       const char        *detail)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonObject) error = json_object_new ();
  g_autofree char *code = g_strdup_printf ("%u", status);
  JsonArray *errors = json_array_new ();

  json_object_set_string_member (error, "status", code);
  json_object_set_string_member (error, "title", title);
  json_object_set_string_member (error, "detail", detail);
  json_array_add_object_element (errors, g_steal_pointer (&error));
  json_object_set_array_member (answer, "errors", errors);
  respond (msg, status, answer);
}

#define ADA_USER \
  "{\"id\": 42, \"email\": \"ada@example.com\", \"firstName\": \"Ada\", \"lastName\": \"Lovelace\"," \
  " \"organization\": {\"id\": 7, \"name\": \"Analytical Engines\"}}"

static void
nested_sessions (Fixture           *f,
                 SoupServerMessage *msg)
{
  g_autoptr(JsonObject) body = parse_object (f->last_body);
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(GTimeZone) zone = g_time_zone_new_offset (2 * 3600);
  g_autoptr(GDateTime) expires_utc = NULL;
  g_autoptr(GDateTime) expires_local = NULL;
  g_autofree char *expires_at = NULL;
  g_autofree char *token = random_token ();

  if (body == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (body, "email", NULL), "ada@example.com") != 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (body, "password", NULL), "analytical") != 0)
    {
      respond_jsonapi_error (msg, SOUP_STATUS_UNAUTHORIZED, "Unauthorized", "Invalid email or password");
      return;
    }

  /* A day, in the server's time zone. */
  expires_utc = g_date_time_new_from_unix_utc (now_seconds () + f->access_ttl);
  expires_local = g_date_time_to_timezone (expires_utc, zone);
  expires_at = g_date_time_format_iso8601 (expires_local);

  g_hash_table_add (f->access_tokens, g_strdup (token));
  note_issued (f, token, NULL, g_date_time_to_unix (expires_utc));

  json_object_set_string_member (answer, "token", token);
  json_object_set_string_member (answer, "expires_at", expires_at);
  json_object_set_object_member (answer, "user", parse_object (ADA_USER));
  respond (msg, SOUP_STATUS_CREATED, answer);
}

static void
nested_projects (Fixture           *f,
                 SoupServerMessage *msg)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonObject) project = json_object_new ();
  const char *authorization = f->last_authorization;
  JsonArray *data = json_array_new ();

  if (authorization == NULL || !g_str_has_prefix (authorization, "Bearer ") ||
      !g_hash_table_contains (f->access_tokens, authorization + strlen ("Bearer ")))
    {
      json_array_unref (data);
      respond_jsonapi_error (msg, SOUP_STATUS_UNAUTHORIZED, "Unauthorized", "Session has ended");
      return;
    }

  json_object_set_int_member (project, "id", 1);
  json_object_set_string_member (project, "name", "Difference Engine");
  json_array_add_object_element (data, g_steal_pointer (&project));
  json_object_set_array_member (answer, "data", data);
  respond (msg, SOUP_STATUS_OK, answer);
}

static void
nested_cb (Fixture           *f,
           SoupServerMessage *msg,
           const char        *method,
           const char        *path)
{
  if (g_str_equal (method, "POST") && g_str_equal (path, "/sessions"))
    nested_sessions (f, msg);
  else if (g_str_equal (method, "GET") && g_str_equal (path, "/projects"))
    nested_projects (f, msg);
  else
    respond_jsonapi_error (msg, SOUP_STATUS_NOT_FOUND, "Not Found", "No such resource");
}

/* A users API (tests/core/profiles/valid/users.json): POST /v1/sessions
 * with an email answers with a list of one session, the user nested in
 * it; GET /v1/users/ID is the user, under "data"; DELETE
 * /v1/users/ID/sessions logs out and answers an empty list. No refresh.
 * A bad password is answered with a bare JSON string. Its user ids may
 * hold a "/" and a space, which the path must escape.
 */

static JsonObject *
users_record (Fixture    *f,
              const char *first_name)
{
  g_autoptr(JsonObject) user = parse_object ("{\"email\": \"ada@example.com\","
                                             " \"profile\": {\"org\": \"Analytical Engines\", \"roles\": [\"admin\"]}}");

  if (f->users_uid != NULL)
    json_object_set_string_member (user, "uid", f->users_uid);
  json_object_set_string_member (user, "firstName", first_name);

  return g_steal_pointer (&user);
}

static gboolean
users_authorized (Fixture *f)
{
  const char *authorization = f->last_authorization;

  return authorization != NULL && g_str_has_prefix (authorization, "Bearer ") &&
         g_hash_table_contains (f->access_tokens, authorization + strlen ("Bearer "));
}

static void
users_sessions (Fixture           *f,
                SoupServerMessage *msg)
{
  g_autoptr(JsonObject) body = parse_object (f->last_body);
  g_autoptr(JsonObject) session = json_object_new ();
  g_autoptr(JsonArray) answer = json_array_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *token = random_token ();
  g_autofree char *text = NULL;
  guint ttl = f->access_ttl;

  if (body == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (body, "email", NULL), "ada@example.com") != 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (body, "password", NULL), "analytical") != 0)
    {
      respond_text (msg, SOUP_STATUS_UNAUTHORIZED, "\"Invalid email or password\"");
      return;
    }

  if (json_object_has_member (body, "ttl"))
    ttl = json_object_get_int_member (body, "ttl") * 60;

  g_hash_table_add (f->access_tokens, g_strdup (token));
  note_issued (f, token, NULL, now_seconds () + ttl);

  json_object_set_string_member (session, "token", token);
  json_object_set_int_member (session, "expires_in", ttl);
  json_object_set_object_member (session, "user", users_record (f, "Ada"));
  json_array_add_object_element (answer, g_steal_pointer (&session));

  root = json_node_init_array (json_node_alloc (), answer);
  text = json_to_string (root, FALSE);
  respond_text (msg, SOUP_STATUS_CREATED, text);
}

/* SoupServer hands its handlers the path decoded: "/v1/users/a/b c" for
 * "/v1/users/a%2Fb%20c". What the wire had is in f->raw_requests.
 */
static void
users_cb (Fixture           *f,
          SoupServerMessage *msg,
          const char        *method,
          const char        *path)
{
  g_autofree char *user_path = g_strconcat ("/v1/users/", f->users_uid, NULL);
  g_autofree char *sessions_path = g_strconcat (user_path, "/sessions", NULL);

  if (g_str_equal (method, "POST") && g_str_equal (path, "/v1/sessions"))
    {
      users_sessions (f, msg);
      return;
    }

  if (!users_authorized (f))
    {
      respond_jsonapi_error (msg, SOUP_STATUS_UNAUTHORIZED, "Unauthorized", "Session has ended");
      return;
    }

  if (g_str_equal (method, "GET") && f->users_uid != NULL && g_str_equal (path, user_path))
    {
      g_autoptr(JsonObject) answer = json_object_new ();
      JsonArray *data = json_array_new ();

      json_array_add_object_element (data, users_record (f, "Ada, as /v1/users has her"));
      json_object_set_array_member (answer, "data", data);
      respond (msg, SOUP_STATUS_OK, answer);
    }
  else if (g_str_equal (method, "DELETE") && f->users_uid != NULL && g_str_equal (path, sessions_path))
    {
      g_hash_table_remove_all (f->access_tokens);
      respond_text (msg, SOUP_STATUS_OK, "[]");
    }
  else if (g_str_equal (method, "GET") && g_str_equal (path, "/v1/projects"))
    respond_text (msg, SOUP_STATUS_OK, "[{\"id\": 1, \"name\": \"Difference Engine\"}]");
  else
    respond_jsonapi_error (msg, SOUP_STATUS_NOT_FOUND, "Not Found", "No such resource");
}

/* The tokens that some backends issue here live a second, so that a test
 * can meet a real expiry. The flow's clock is held an hour back, so that it
 * does not renew them ahead of time: the server's 401 is what makes it
 * renew, as when a token dies before the app expected.
 */
static gint64
held_back_time (gpointer user_data)
{
  return g_get_real_time () - 3600 * G_TIME_SPAN_SECOND;
}

static void
make_app (Fixture         *f,
          AuthflowProfile *profile)
{
  f->client = authflow_client_new (f->url);
  authflow_client_set_profile (f->client, profile);

  /* The profile names the real backend; this one is on 127.0.0.1. */
  authflow_client_set_base_url (f->client, f->url);
  g_assert_cmpstr (authflow_client_get_base_url (f->client), ==, f->url);

  f->store = authflow_session_store_new (authflow_client_get_base_url (f->client));
  f->flow = authflow_flow_new (f->client, f->store);
  authflow_flow_set_time_func (f->flow, held_back_time, NULL);
}

static char *
listen_local (SoupServer *server)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  char *url;

  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  if (g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';

  return url;
}

static void
start_standin (Fixture     *f,
               StandInFunc  func,
               const char  *base_path)
{
  g_autofree char *root = NULL;

  f->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->bodies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  f->content_types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  f->raw_requests = g_ptr_array_new_with_free_func (g_free);
  f->access_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->refresh_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->standin_func = func;
  f->standin = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->standin, NULL, standin_cb, f, NULL);

  root = listen_local (f->standin);
  f->url = g_strconcat (root, base_path, NULL);
}

/* The tap: for each connection from the app, one to the stand-in; the
 * answers are spliced back untouched, and the requests are passed on as
 * they come, each one's request line noted on the way.
 */
typedef struct
{
  Fixture   *f;
  GIOStream *app;
  GIOStream *upstream;
  GString   *head;
  guint64    body_left;
  guint8     buffer[4096];
  guint      open;
} Tap;

static void tap_read (Tap *tap);

static void
tap_unref (Tap *tap)
{
  if (--tap->open > 0)
    return;

  tap->f->taps_open--;
  g_clear_object (&tap->app);
  g_clear_object (&tap->upstream);
  g_string_free (tap->head, TRUE);
  g_free (tap);
}

/* Notes each request line in @data, skipping the bodies by their length. */
static void
tap_note (Tap          *tap,
          const guint8 *data,
          gsize         len)
{
  while (len > 0)
    {
      const char *end;
      g_auto(GStrv) line = NULL;
      g_autofree char *lower = NULL;
      const char *length;

      if (tap->body_left > 0)
        {
          gsize skip = MIN (tap->body_left, len);

          tap->body_left -= skip;
          data += skip;
          len -= skip;
          continue;
        }

      g_string_append_len (tap->head, (const char *) data, len);
      len = 0;
      if (!(end = strstr (tap->head->str, "\r\n\r\n")))
        return;

      line = g_strsplit (tap->head->str, " ", 3);
      g_ptr_array_add (tap->f->raw_requests, g_strdup_printf ("%s %s", line[0], line[1]));

      lower = g_ascii_strdown (tap->head->str, end - tap->head->str);
      if ((length = strstr (lower, "\r\ncontent-length:")))
        tap->body_left = g_ascii_strtoull (length + strlen ("\r\ncontent-length:"), NULL, 10);

      /* What followed the head is the body, or the next request. */
      {
        gsize head_len = end + 4 - tap->head->str;
        g_autoptr(GBytes) rest = g_bytes_new (tap->head->str + head_len, tap->head->len - head_len);

        g_string_truncate (tap->head, 0);
        data = g_bytes_get_data (rest, &len);
        if (len > 0)
          tap_note (tap, data, len);
        return;
      }
    }
}

static void
tap_wrote_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Tap *tap = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL))
    {
      tap_unref (tap);
      return;
    }

  tap_read (tap);
}

static void
tap_read_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Tap *tap = user_data;
  gssize len = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);

  if (len <= 0)
    {
      /* The app is done: the stand-in sees the end too, and hangs up. */
      g_socket_shutdown (g_socket_connection_get_socket (G_SOCKET_CONNECTION (tap->upstream)), FALSE, TRUE, NULL);
      tap_unref (tap);
      return;
    }

  tap_note (tap, tap->buffer, len);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (tap->upstream), tap->buffer, len,
                                   G_PRIORITY_DEFAULT, tap->f->tap_cancellable, tap_wrote_cb, tap);
}

static void
tap_read (Tap *tap)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (tap->app), tap->buffer, sizeof tap->buffer,
                             G_PRIORITY_DEFAULT, tap->f->tap_cancellable, tap_read_cb, tap);
}

static void
tap_spliced_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_output_stream_splice_finish (G_OUTPUT_STREAM (object), result, NULL);
  tap_unref (user_data);
}

static void
tap_connected_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Tap *tap = user_data;

  if (!(tap->upstream = G_IO_STREAM (g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, NULL))))
    {
      tap_unref (tap);
      return;
    }

  tap->open = 2;
  g_output_stream_splice_async (g_io_stream_get_output_stream (tap->app),
                                g_io_stream_get_input_stream (tap->upstream),
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, tap->f->tap_cancellable, tap_spliced_cb, tap);
  tap_read (tap);
}

static gboolean
tap_incoming_cb (GSocketService    *service,
                 GSocketConnection *connection,
                 GObject           *source,
                 Fixture           *f)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GUri) upstream = g_uri_parse (f->standin_url, G_URI_FLAGS_NONE, NULL);
  Tap *tap = g_new0 (Tap, 1);

  tap->f = f;
  tap->app = G_IO_STREAM (g_object_ref (connection));
  tap->head = g_string_new (NULL);
  tap->open = 1;
  f->taps_open++;
  g_socket_client_connect_to_host_async (client, "127.0.0.1", g_uri_get_port (upstream),
                                         f->tap_cancellable, tap_connected_cb, tap);

  return TRUE;
}

/* Puts the tap in front of the stand-in: the app talks to the tap. */
static void
start_tap (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  guint16 port;

  f->tap = g_socket_service_new ();
  f->tap_cancellable = g_cancellable_new ();
  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (f->tap), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (f->tap, "incoming", G_CALLBACK (tap_incoming_cb), f);

  f->standin_url = g_steal_pointer (&f->url);
  f->url = g_strdup_printf ("http://127.0.0.1:%u", port);
}

static void
stop_tap (Fixture *f)
{
  if (f->tap == NULL)
    return;

  g_socket_service_stop (f->tap);
  g_socket_listener_close (G_SOCKET_LISTENER (f->tap));
  g_cancellable_cancel (f->tap_cancellable);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, f->taps_open == 0));
  g_clear_object (&f->tap);
  g_clear_object (&f->tap_cancellable);
}

static void
set_up_reference (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;

  f->server_dir = g_dir_make_tmp ("authflow-test-backends-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (f->server_dir, "authflow.db", NULL);

  f->server = authflow_server_new (db_path, &error);
  g_assert_no_error (error);
  authflow_server_listen (f->server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  f->url = authflow_server_dup_url (f->server);

  profile = authflow_client_load_builtin_profile ("reference", &error);
  g_assert_no_error (error);
  make_app (f, profile);
}

static void
set_up_dummyjson (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  /* dummyjson.com's defaults: an hour for access tokens, 30 days for
   * refresh tokens.
   */
  start_standin (f, dummyjson_cb, "");
  f->secret = g_uuid_string_random ();
  f->access_ttl = 3600;
  f->refresh_ttl = 30 * 24 * 3600;

  profile = authflow_client_load_builtin_profile ("dummyjson", &error);
  g_assert_no_error (error);
  make_app (f, profile);
}

static AuthflowProfile *
load_fixture (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "profiles", "valid", file, NULL);
  g_autoptr(GError) error = NULL;
  AuthflowProfile *profile;

  profile = authflow_profile_new_from_file (path, &error);
  g_assert_no_error (error);

  return profile;
}

static void
set_up_oauth (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(AuthflowProfile) profile = load_fixture ("oauth");

  /* Keycloak's defaults: five minutes, and half an hour of idle session. */
  start_standin (f, oauth_cb, "/realms/demo");
  f->access_ttl = 300;
  f->refresh_ttl = 1800;

  g_assert_cmpstr (authflow_profile_get_base_url (profile), ==, "https://auth.example.com/realms/demo");
  make_app (f, profile);
}

static void
set_up_nested (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(AuthflowProfile) profile = load_fixture ("nested");

  start_standin (f, nested_cb, "");
  f->access_ttl = 24 * 3600;

  g_assert_cmpstr (authflow_profile_get_base_url (profile), ==, "https://api.example.com");
  make_app (f, profile);
}

static void
set_up_users (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(AuthflowProfile) profile = load_fixture ("users");

  start_standin (f, users_cb, "");
  start_tap (f);
  f->access_ttl = 3600;
  /* "" for a user without an id. */
  f->users_uid = data == NULL ? g_strdup ("a/b c") : ((const char *) data)[0] != '\0' ? g_strdup (data) : NULL;

  g_assert_cmpstr (authflow_profile_get_base_url (profile), ==, "https://api.example.com");
  make_app (f, profile);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  authflow_test_finalize_flow (g_steal_pointer (&f->flow));

  /* Ports come back; an item left behind must not meet a later test. */
  authflow_test_clear_stored (f->store);

  g_assert_finalize_object (g_steal_pointer (&f->store));
  g_assert_finalize_object (g_steal_pointer (&f->client));

  if (f->server != NULL)
    {
      authflow_server_close (f->server);
      g_clear_object (&f->server);
      authflow_test_remove_tree (f->server_dir);
      g_clear_pointer (&f->server_dir, g_free);
    }

  if (f->standin != NULL)
    {
      soup_server_disconnect (f->standin);
      g_clear_object (&f->standin);
    }

  g_clear_pointer (&f->requests, g_hash_table_unref);
  g_clear_pointer (&f->bodies, g_hash_table_unref);
  g_clear_pointer (&f->content_types, g_hash_table_unref);
  stop_tap (f);
  g_clear_pointer (&f->raw_requests, g_ptr_array_unref);
  g_clear_pointer (&f->standin_url, g_free);
  g_clear_pointer (&f->users_uid, g_free);
  g_clear_pointer (&f->access_tokens, g_hash_table_unref);
  g_clear_pointer (&f->refresh_tokens, g_hash_table_unref);
  g_clear_pointer (&f->last_content_type, g_free);
  g_clear_pointer (&f->last_body, g_free);
  g_clear_pointer (&f->last_authorization, g_free);
  g_clear_pointer (&f->secret, g_free);
  g_clear_pointer (&f->issued_access_token, g_free);
  g_clear_pointer (&f->issued_refresh_token, g_free);
  g_clear_pointer (&f->url, g_free);
}

static void
restore (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  authflow_flow_restore_async (f->flow, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  g_assert_true (authflow_flow_restore_finish (f->flow, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (authflow_flow_get_session (f->flow)), ==,
                   AUTHFLOW_SESSION_STATE_SIGNED_OUT);
}

static gboolean
log_in (Fixture     *f,
        const char  *identifier,
        const char  *password,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_log_in_async (f->flow, identifier, password, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_flow_log_in_finish (f->flow, result, error);
}

static void
log_out (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  authflow_flow_log_out_async (f->flow, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  g_assert_true (authflow_flow_log_out_finish (f->flow, result, &error));
  g_assert_no_error (error);
}

static AuthflowUser *
fetch_user (Fixture  *f,
            GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_fetch_user_async (f->flow, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_flow_fetch_user_finish (f->flow, result, error);
}

static AuthflowUser *
edit_profile (Fixture  *f,
              GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_edit_profile_async (f->flow, "Em", NULL, NULL, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_flow_edit_profile_finish (f->flow, result, error);
}

/* The "API Call" action on a protected API. */
static JsonObject *
call (Fixture     *f,
      const char  *path,
      GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_call_async (f->flow, "GET", path, NULL, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_test_object_of (authflow_flow_call_finish (f->flow, result, error));
}

/* The "API Call" action, for an answer that may be any JSON. */
static JsonNode *
call_node (Fixture     *f,
           const char  *path,
           GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_call_async (f->flow, "GET", path, NULL, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_flow_call_finish (f->flow, result, error);
}

static const char *
last_raw_request (Fixture *f)
{
  g_assert_cmpuint (f->raw_requests->len, >, 0);

  return g_ptr_array_index (f->raw_requests, f->raw_requests->len - 1);
}

/* What the next start of the app would find in the keyring, or %NULL. */
static AuthflowSession *
load_stored (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowSession) session = NULL;
  char *stored;

  authflow_session_store_load_async (f->store, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  stored = authflow_session_store_load_finish (f->store, result, &error);
  g_assert_no_error (error);
  if (stored == NULL)
    return NULL;

  session = authflow_session_new ();
  authflow_session_restore (session, stored, &error);
  g_assert_no_error (error);
  secret_password_free (stored);

  return g_steal_pointer (&session);
}

static gboolean
is_stored (Fixture *f)
{
  g_autoptr(AuthflowSession) stored = load_stored (f);

  return stored != NULL;
}

static gboolean
stored_tokens_are (Fixture    *f,
                   const char *access_token,
                   const char *refresh_token)
{
  g_autoptr(AuthflowSession) stored = load_stored (f);

  return stored != NULL &&
         g_strcmp0 (authflow_session_get_access_token (stored), access_token) == 0 &&
         g_strcmp0 (authflow_session_get_refresh_token (stored), refresh_token) == 0;
}

static AuthflowSession *
get_session (Fixture *f)
{
  return authflow_flow_get_session (f->flow);
}

static void
assert_signed_out (Fixture *f)
{
  AuthflowSession *session = get_session (f);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  g_assert_null (authflow_session_get_access_token (session));
  g_assert_null (authflow_session_get_refresh_token (session));
  g_assert_null (authflow_session_get_user (session));
}

/* Waits until a backend whose clock counts whole seconds refuses a token
 * that expires at @exp.
 */
static void
wait_past (gint64 exp)
{
  gint64 until = exp * G_USEC_PER_SEC + 100 * 1000;

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, g_get_real_time () > until));
}

/* Seconds from @a to @b, for approximate comparisons. */
static double
seconds_between (GDateTime *a,
                 GDateTime *b)
{
  return (double) g_date_time_difference (b, a) / G_TIME_SPAN_SECOND;
}

/* What another client (or the thief of the tokens) gets from the
 * reference server for a refresh token.
 */
static guint
outside_refresh (Fixture     *f,
                 const char  *refresh_token,
                 char       **message)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) request = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strconcat (f->url, "/auth/refresh", NULL);
  g_autofree char *json = g_strdup_printf ("{\"refreshToken\": \"%s\"}", refresh_token);
  g_autofree char *text = NULL;

  request = soup_message_new ("POST", url);
  body = g_bytes_new (json, strlen (json));
  soup_message_set_request_body_from_bytes (request, "application/json", body);

  soup_session_send_and_read_async (session, request, G_PRIORITY_DEFAULT, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  answer = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);

  text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  object = parse_object (text);
  g_assert_nonnull (object);
  *message = g_strdup (json_object_get_string_member_with_default (object, "message", NULL));

  return soup_message_get_status (request);
}

static void
test_reference (Fixture       *f,
                gconstpointer  data)
{
  AuthflowSession *session = get_session (f);
  g_autoptr(AuthflowUser) login_user = NULL;
  g_autoptr(AuthflowUser) fetched = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_access_token = NULL;
  g_autofree char *old_refresh_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *message = NULL;
  AuthflowUser *user;

  restore (f);

  /* Log in, with an access token that the server lets live a second. */
  authflow_server_set_access_ttl (f->server, 1);
  g_assert_true (log_in (f, "emilys", "emilyspass", &error));
  g_assert_no_error (error);
  authflow_server_set_access_ttl (f->server, 3600);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "1");
  g_assert_nonnull (authflow_session_get_access_token (session));
  g_assert_nonnull (authflow_session_get_refresh_token (session));
  user = authflow_session_get_user (session);
  g_assert_cmpstr (authflow_user_get_username (user), ==, "emilys");
  g_assert_cmpstr (authflow_user_get_first_name (user), ==, "Emily");
  g_assert_cmpstr (authflow_user_get_last_name (user), ==, "Johnson");
  g_assert_false (json_object_has_member (authflow_user_get_json (user), "accessToken"));
  g_assert_false (json_object_has_member (authflow_user_get_json (user), "refreshToken"));
  login_user = g_object_ref (user);

  /* The expiry is the token's exp claim. */
  now = g_date_time_new_now_utc ();
  g_assert_cmpfloat_with_epsilon (seconds_between (now, authflow_session_get_expiry (session)), 1, 1.5);

  old_access_token = g_strdup (authflow_session_get_access_token (session));
  old_refresh_token = g_strdup (authflow_session_get_refresh_token (session));
  g_assert_true (stored_tokens_are (f, old_access_token, old_refresh_token));

  /* A protected call with the dead token: the server's 401, one refresh,
   * and the call again, which the caller never notices.
   */
  wait_past (g_date_time_to_unix (authflow_session_get_expiry (session)));
  answer = call (f, "/auth/me", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (answer, "username"), ==, "emilys");

  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 1);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), !=, old_access_token);
  g_assert_cmpstr (authflow_session_get_refresh_token (session), !=, old_refresh_token);
  g_clear_pointer (&now, g_date_time_unref);
  now = g_date_time_new_now_utc ();
  g_assert_cmpfloat_with_epsilon (seconds_between (now, authflow_session_get_expiry (session)), 3600, 2);

  /* The refresh answer has no user: the user stays as it was. */
  g_assert_true (authflow_session_get_user (session) == login_user);
  g_assert_null (authflow_flow_get_sign_out_reason (f->flow));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000,
                                           stored_tokens_are (f, authflow_session_get_access_token (session),
                                                              authflow_session_get_refresh_token (session))));

  /* "me": the user as the server knows it, taken into the session. */
  fetched = fetch_user (f, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authflow_user_get_username (fetched), ==, "emilys");
  g_assert_cmpstr (authflow_user_get_email (fetched), ==, authflow_user_get_email (login_user));
  g_assert_false (json_object_has_member (authflow_user_get_json (fetched), "password"));
  g_assert_true (authflow_user_equal (authflow_session_get_user (session), fetched));
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);

  /* Log out: here, in the keyring and on the server, whose refresh token
   * family is revoked.
   */
  refresh_token = g_strdup (authflow_session_get_refresh_token (session));
  log_out (f);
  assert_signed_out (f);
  g_assert_false (is_stored (f));
  g_assert_null (authflow_flow_get_sign_out_reason (f->flow));

  g_assert_cmpuint (outside_refresh (f, refresh_token, &message), ==, SOUP_STATUS_FORBIDDEN);
  g_assert_cmpstr (message, ==, "Invalid refresh token");
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);
}

static void
test_dummyjson (Fixture       *f,
                gconstpointer  data)
{
  AuthflowSession *session = get_session (f);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(AuthflowUser) login_user = NULL;
  g_autoptr(AuthflowUser) fetched = NULL;
  g_autoptr(AuthflowUser) edited = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_access_token = NULL;
  g_autofree char *old_refresh_token = NULL;
  g_autofree char *expected_authorization = NULL;
  JsonObject *json;
  AuthflowUser *user;

  restore (f);

  /* No sign-up on dummyjson.com: nothing is sent. */
  authflow_flow_sign_up_async (f->flow, "ada", "ada@example.com", "analytical", "Ada", "Lovelace",
                               NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  g_assert_false (authflow_flow_sign_up_finish (f->flow, result, &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==, "DummyJSON does not offer this");
  g_clear_error (&error);
  g_assert_cmpuint (f->n_requests, ==, 0);

  /* Bad credentials: its own message. */
  g_assert_false (log_in (f, "emilys", "not-her-password", &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_REJECTED);
  g_assert_cmpstr (error->message, ==, "Invalid credentials");
  g_clear_error (&error);
  g_assert_cmpuint (requests_to (f, "POST /auth/login"), ==, 1);
  assert_signed_out (f);
  g_assert_false (is_stored (f));

  /* Log in, with an access token that lives a second. */
  f->access_ttl = 1;
  g_assert_true (log_in (f, "emilys", "emilyspass", &error));
  g_assert_no_error (error);
  f->access_ttl = 3600;

  g_assert_cmpuint (requests_to (f, "POST /auth/login"), ==, 2);
  g_assert_cmpstr (f->last_content_type, ==, "application/json");
  body = parse_object (f->last_body);
  g_assert_nonnull (body);
  g_assert_cmpuint (json_object_get_size (body), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (body, "username"), ==, "emilys");
  g_assert_cmpstr (json_object_get_string_member (body, "password"), ==, "emilyspass");

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, f->issued_access_token);
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, f->issued_refresh_token);
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "1");
  /* Its answer has no expiry: it comes from the token's exp claim. */
  g_assert_cmpint (g_date_time_to_unix (authflow_session_get_expiry (session)), ==, f->issued_exp);

  user = authflow_session_get_user (session);
  g_assert_cmpstr (authflow_user_get_id (user), ==, "1");
  g_assert_cmpstr (authflow_user_get_username (user), ==, "emilys");
  g_assert_cmpstr (authflow_user_get_email (user), ==, "emily.johnson@x.dummyjson.com");
  g_assert_cmpstr (authflow_user_get_first_name (user), ==, "Emily");
  g_assert_cmpstr (authflow_user_get_last_name (user), ==, "Johnson");
  g_assert_cmpstr (authflow_user_get_image (user), ==, "https://dummyjson.com/icon/emilys/128");
  json = authflow_user_get_json (user);
  g_assert_cmpstr (json_object_get_string_member (json, "gender"), ==, "female");
  g_assert_false (json_object_has_member (json, "accessToken"));
  g_assert_false (json_object_has_member (json, "refreshToken"));
  login_user = g_object_ref (user);

  old_access_token = g_strdup (f->issued_access_token);
  old_refresh_token = g_strdup (f->issued_refresh_token);
  g_assert_true (stored_tokens_are (f, old_access_token, old_refresh_token));

  /* The token dies: "Token Expired!", a refresh with the refresh token, and
   * the call again with the new access token.
   */
  wait_past (f->issued_exp);
  answer = call (f, "/auth/me", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (answer, "username"), ==, "emilys");

  g_assert_cmpuint (requests_to (f, "GET /auth/me"), ==, 2);
  g_assert_cmpuint (requests_to (f, "POST /auth/refresh"), ==, 1);
  g_assert_cmpuint (f->n_requests, ==, 5);
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 1);
  expected_authorization = g_strconcat ("Bearer ", f->issued_access_token, NULL);
  g_assert_cmpstr (f->last_authorization, ==, expected_authorization);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, f->issued_access_token);
  g_assert_cmpstr (authflow_session_get_access_token (session), !=, old_access_token);
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, f->issued_refresh_token);
  g_assert_cmpstr (authflow_session_get_refresh_token (session), !=, old_refresh_token);
  g_assert_cmpint (g_date_time_to_unix (authflow_session_get_expiry (session)), ==, f->issued_exp);
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "1");

  /* Its refresh answer holds tokens only: the user data is kept. */
  g_assert_true (authflow_session_get_user (session) == login_user);
  g_assert_true (authflow_user_equal (authflow_session_get_user (session), login_user));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000,
                                           stored_tokens_are (f, f->issued_access_token, f->issued_refresh_token)));

  /* "me": the whole record, taken into the session. */
  fetched = fetch_user (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (requests_to (f, "GET /auth/me"), ==, 3);
  g_assert_cmpstr (authflow_user_get_username (fetched), ==, "emilys");
  g_assert_cmpstr (authflow_user_get_first_name (fetched), ==, "Emily");
  g_assert_cmpint (json_object_get_int_member (authflow_user_get_json (fetched), "age"), ==, 28);
  g_assert_cmpstr (json_object_get_string_member (authflow_user_get_json (fetched), "maidenName"), ==, "Smith");
  g_assert_true (authflow_user_equal (authflow_session_get_user (session), fetched));
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 1);

  /* No profile edit on dummyjson.com either. */
  edited = edit_profile (f, &error);
  g_assert_null (edited);
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==, "DummyJSON does not offer this");
  g_clear_error (&error);
  g_assert_cmpuint (f->n_requests, ==, 6);

  /* No logout either: logging out is local, and nothing is sent. */
  log_out (f);
  assert_signed_out (f);
  g_assert_false (is_stored (f));
  g_assert_null (authflow_flow_get_sign_out_reason (f->flow));
  g_assert_cmpuint (f->n_requests, ==, 6);
}

static void
test_dummyjson_bad_signature (Fixture       *f,
                              gconstpointer  data)
{
  AuthflowSession *session = get_session (f);
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *access_token = NULL;

  restore (f);
  g_assert_true (log_in (f, "emilys", "emilyspass", &error));
  g_assert_no_error (error);
  access_token = g_strdup (authflow_session_get_access_token (session));

  /* The backend is redeployed with another JWT secret: the tokens it
   * issued no longer verify, and jsonwebtoken's error is a 500.
   */
  g_free (f->secret);
  f->secret = g_uuid_string_random ();

  answer = call (f, "/auth/me", &error);
  g_assert_null (answer);
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_SERVER);
  g_assert_cmpstr (error->message, ==, "The server had a problem: invalid signature");

  /* A server error is no verdict on the session: it is kept, and nothing
   * is renewed.
   */
  g_assert_cmpuint (requests_to (f, "GET /auth/me"), ==, 1);
  g_assert_cmpuint (requests_to (f, "POST /auth/refresh"), ==, 0);
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 0);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, access_token);
  g_assert_null (authflow_flow_get_sign_out_reason (f->flow));
  g_assert_cmpstr (authflow_flow_get_offline_problem (f->flow), ==, "The server had a problem: invalid signature");
  g_assert_true (is_stored (f));
}

static void
test_dummyjson_bad_refresh_token (Fixture       *f,
                                  gconstpointer  data)
{
  AuthflowSession *session = get_session (f);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refresh_token = NULL;

  restore (f);

  /* The app comes back after the refresh token's 30 days are over, here a
   * second.
   */
  f->access_ttl = 1;
  f->refresh_ttl = 1;
  g_assert_true (log_in (f, "emilys", "emilyspass", &error));
  g_assert_no_error (error);
  refresh_token = g_strdup (authflow_session_get_refresh_token (session));
  g_assert_true (is_stored (f));
  wait_past (f->issued_exp);

  /* "Token Expired!", then 403 "Invalid refresh token": the session ends. */
  answer = call (f, "/auth/me", &error);
  g_assert_null (answer);
  g_assert_error (error, AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_SESSION_EXPIRED);
  g_assert_cmpstr (error->message, ==, EXPIRED_MESSAGE);

  g_assert_cmpuint (requests_to (f, "GET /auth/me"), ==, 1);
  g_assert_cmpuint (requests_to (f, "POST /auth/refresh"), ==, 1);
  g_assert_cmpuint (f->n_requests, ==, 3);
  body = parse_object (body_of (f, "POST /auth/refresh"));
  g_assert_nonnull (body);
  g_assert_cmpuint (json_object_get_size (body), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (body, "refreshToken"), ==, refresh_token);

  assert_signed_out (f);
  g_assert_cmpstr (authflow_flow_get_sign_out_reason (f->flow), ==, EXPIRED_MESSAGE);
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 0);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, !is_stored (f)));
}

static void
assert_token_form (Fixture    *f,
                   const char *first_name,
                   ...) G_GNUC_NULL_TERMINATED;

/* That the last request to the token endpoint was a form with exactly
 * these fields.
 */
static void
assert_token_form (Fixture    *f,
                   const char *first_name,
                   ...)
{
  g_autoptr(GHashTable) form = NULL;
  guint n_fields = 0;
  va_list args;

  g_assert_cmpstr (content_type_of (f, "POST " OAUTH_TOKEN_PATH), ==, "application/x-www-form-urlencoded");
  g_assert_nonnull (body_of (f, "POST " OAUTH_TOKEN_PATH));
  form = soup_form_decode (body_of (f, "POST " OAUTH_TOKEN_PATH));

  va_start (args, first_name);
  for (const char *name = first_name; name != NULL; name = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);

      g_assert_cmpstr (g_hash_table_lookup (form, name), ==, value);
      n_fields++;
    }
  va_end (args);

  g_assert_cmpuint (g_hash_table_size (form), ==, n_fields);
}

static void
test_oauth (Fixture       *f,
            gconstpointer  data)
{
  AuthflowSession *session = get_session (f);
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(AuthflowUser) user = NULL;
  g_autoptr(AuthflowUser) fetched = NULL;
  g_autoptr(GDateTime) expected = NULL;
  g_autoptr(GDateTime) server_now = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_access_token = NULL;
  g_autofree char *old_refresh_token = NULL;
  g_autofree char *expected_body = NULL;
  JsonObject *json;

  restore (f);

  /* A wrong password, with the characters a form must encode. */
  g_assert_false (log_in (f, "emilys", "wrong pass&=+ü%", &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "Invalid user credentials");
  g_clear_error (&error);
  assert_token_form (f,
                     "grant_type", "password",
                     "client_id", "authflow",
                     "username", "emilys",
                     "password", "wrong pass&=+ü%",
                     NULL);
  assert_signed_out (f);

  g_assert_true (log_in (f, "emilys", "emilyspass", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (requests_to (f, "POST " OAUTH_TOKEN_PATH), ==, 2);
  g_assert_cmpuint (f->n_requests, ==, 2);
  /* The optional scope is left out. */
  assert_token_form (f,
                     "grant_type", "password",
                     "client_id", "authflow",
                     "username", "emilys",
                     "password", "emilyspass",
                     NULL);
  g_assert_cmpstr (body_of (f, "POST " OAUTH_TOKEN_PATH), ==,
                   "grant_type=password&client_id=authflow&username=emilys&password=emilyspass");

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, f->issued_access_token);
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, f->issued_refresh_token);
  server_now = authflow_client_dup_server_now (f->client);
  expected = g_date_time_add_seconds (server_now, 300);
  g_assert_cmpfloat_with_epsilon (seconds_between (expected, authflow_session_get_expiry (session)), 0, 2);

  /* The profile maps no user and no uid: the client makes the least user
   * it can, the one who just logged in by their username.
   */
  g_assert_null (authflow_session_get_uid (session));
  user = g_object_ref (authflow_session_get_user (session));
  g_assert_nonnull (user);
  g_assert_cmpstr (authflow_user_get_username (user), ==, "emilys");
  g_assert_null (authflow_user_get_id (user));
  g_assert_null (authflow_user_get_email (user));
  json = authflow_user_get_json (user);
  g_assert_cmpuint (json_object_get_size (json), ==, 1);
  g_assert_cmpstr (authflow_flow_get_last_username (f->flow), ==, "emilys");

  old_access_token = g_strdup (f->issued_access_token);
  old_refresh_token = g_strdup (f->issued_refresh_token);
  g_assert_true (stored_tokens_are (f, old_access_token, old_refresh_token));

  /* No "me" in the profile: nothing is sent. */
  fetched = fetch_user (f, &error);
  g_assert_null (fetched);
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==, "OAuth 2 password grant does not offer this");
  g_clear_error (&error);
  g_assert_cmpuint (f->n_requests, ==, 2);

  /* A protected API under the base URL, with the bearer token. */
  answer = call (f, "/protocol/openid-connect/userinfo", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (answer, "preferred_username"), ==, "emilys");
  g_assert_cmpuint (requests_to (f, "GET " OAUTH_USERINFO_PATH), ==, 1);
  g_clear_pointer (&answer, json_object_unref);

  /* The realm's access token key is rotated: userinfo's 401, a refresh by
   * the refresh_token grant, and userinfo again.
   */
  oauth_rotate_access_key (f);
  answer = call (f, "/protocol/openid-connect/userinfo", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (answer, "preferred_username"), ==, "emilys");

  g_assert_cmpuint (requests_to (f, "GET " OAUTH_USERINFO_PATH), ==, 3);
  g_assert_cmpuint (requests_to (f, "POST " OAUTH_TOKEN_PATH), ==, 3);
  g_assert_cmpuint (f->n_requests, ==, 6);
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 1);

  assert_token_form (f,
                     "grant_type", "refresh_token",
                     "client_id", "authflow",
                     "refresh_token", old_refresh_token,
                     NULL);
  expected_body = g_strconcat ("grant_type=refresh_token&client_id=authflow&refresh_token=",
                               old_refresh_token, NULL);
  g_assert_cmpstr (body_of (f, "POST " OAUTH_TOKEN_PATH), ==, expected_body);
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, f->issued_access_token);
  g_assert_cmpstr (authflow_session_get_access_token (session), !=, old_access_token);
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, f->issued_refresh_token);
  g_assert_cmpstr (authflow_session_get_refresh_token (session), !=, old_refresh_token);
  g_clear_pointer (&server_now, g_date_time_unref);
  g_clear_pointer (&expected, g_date_time_unref);
  server_now = authflow_client_dup_server_now (f->client);
  expected = g_date_time_add_seconds (server_now, 300);
  g_assert_cmpfloat_with_epsilon (seconds_between (expected, authflow_session_get_expiry (session)), 0, 2);

  /* Tokens only: the user stays the one from the login. */
  g_assert_true (authflow_session_get_user (session) == user);
  g_assert_null (authflow_session_get_uid (session));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000,
                                           stored_tokens_are (f, f->issued_access_token, f->issued_refresh_token)));

  /* No logout in the profile: local only, and nothing is sent. */
  log_out (f);
  assert_signed_out (f);
  g_assert_false (is_stored (f));
  g_assert_cmpuint (f->n_requests, ==, 6);
}

static void
test_nested (Fixture       *f,
             gconstpointer  data)
{
  AuthflowSession *session = get_session (f);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(AuthflowUser) fetched = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *json;
  JsonObject *organization;
  AuthflowUser *user;

  restore (f);

  g_assert_false (log_in (f, "ada@example.com", "not-her-password", &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "Invalid email or password");
  g_clear_error (&error);
  assert_signed_out (f);

  /* Log in by email. */
  g_assert_true (log_in (f, "ada@example.com", "analytical", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (requests_to (f, "POST /sessions"), ==, 2);
  g_assert_cmpstr (f->last_content_type, ==, "application/json");
  body = parse_object (f->last_body);
  g_assert_nonnull (body);
  g_assert_cmpuint (json_object_get_size (body), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (body, "email"), ==, "ada@example.com");
  g_assert_cmpstr (json_object_get_string_member (body, "password"), ==, "analytical");

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, f->issued_access_token);
  g_assert_null (authflow_session_get_refresh_token (session));
  /* expires_at, with its +02:00 offset applied. */
  g_assert_cmpint (g_date_time_to_unix (authflow_session_get_expiry (session)), ==, f->issued_exp);
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "42");

  /* The user is the object under "user", whole. */
  user = authflow_session_get_user (session);
  g_assert_cmpstr (authflow_user_get_id (user), ==, "42");
  g_assert_cmpstr (authflow_user_get_email (user), ==, "ada@example.com");
  g_assert_cmpstr (authflow_user_get_first_name (user), ==, "Ada");
  g_assert_cmpstr (authflow_user_get_last_name (user), ==, "Lovelace");
  json = authflow_user_get_json (user);
  g_assert_false (json_object_has_member (json, "token"));
  organization = json_object_get_object_member (json, "organization");
  g_assert_nonnull (organization);
  g_assert_cmpstr (json_object_get_string_member (organization, "name"), ==, "Analytical Engines");
  g_assert_true (stored_tokens_are (f, f->issued_access_token, NULL));

  /* No "me" in the profile: nothing is sent. */
  fetched = fetch_user (f, &error);
  g_assert_null (fetched);
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==, "Token and nested user does not offer this");
  g_clear_error (&error);
  g_assert_cmpuint (f->n_requests, ==, 2);

  answer = call (f, "/projects", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (answer, "data")), ==, 1);
  g_clear_pointer (&answer, json_object_unref);

  /* Ada signs out everywhere from her account page: the next protected
   * call meets a 401, and with nothing to renew the session with, the
   * session ends at once.
   */
  g_hash_table_remove_all (f->access_tokens);
  answer = call (f, "/projects", &error);
  g_assert_null (answer);
  g_assert_error (error, AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_SESSION_EXPIRED);
  g_assert_cmpstr (error->message, ==, EXPIRED_MESSAGE);
  g_clear_error (&error);

  g_assert_cmpuint (requests_to (f, "GET /projects"), ==, 2);
  g_assert_cmpuint (f->n_requests, ==, 4);
  assert_signed_out (f);
  g_assert_cmpstr (authflow_flow_get_sign_out_reason (f->flow), ==, EXPIRED_MESSAGE);
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 0);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, !is_stored (f)));

  /* Back in, and out: no logout in the profile, so nothing is sent. */
  g_assert_true (log_in (f, "ada@example.com", "analytical", &error));
  g_assert_no_error (error);
  g_assert_null (authflow_flow_get_sign_out_reason (f->flow));
  g_assert_true (is_stored (f));
  log_out (f);
  assert_signed_out (f);
  g_assert_false (is_stored (f));
  g_assert_cmpuint (f->n_requests, ==, 5);
}

static void
test_users (Fixture       *f,
            gconstpointer  data)
{
  AuthflowSession *session = get_session (f);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonNode) projects = NULL;
  g_autoptr(AuthflowUser) fetched = NULL;
  g_autoptr(AuthflowUser) refused = NULL;
  g_autoptr(GDateTime) server_now = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_authorization = NULL;
  JsonObject *profile;
  AuthflowUser *user;

  restore (f);

  /* A bad password gets a bare JSON string: that is the message. */
  g_assert_false (log_in (f, "ada@example.com", "not-her-password", &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "Invalid email or password");
  g_clear_error (&error);
  assert_signed_out (f);

  /* Log in by email, asking for five-minute tokens; the answer is a list
   * of one session, the user nested in it.
   */
  authflow_client_set_token_minutes (f->client, 5);
  g_assert_true (log_in (f, "ada@example.com", "analytical", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (last_raw_request (f), ==, "POST /v1/sessions");
  body = parse_object (body_of (f, "POST /v1/sessions"));
  g_assert_cmpuint (json_object_get_size (body), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (body, "email"), ==, "ada@example.com");
  g_assert_cmpstr (json_object_get_string_member (body, "password"), ==, "analytical");
  g_assert_cmpint (json_object_get_int_member (body, "ttl"), ==, 5);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, f->issued_access_token);
  g_assert_null (authflow_session_get_refresh_token (session));
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "a/b c");
  server_now = authflow_client_dup_server_now (f->client);
  g_assert_cmpfloat_with_epsilon (seconds_between (server_now, authflow_session_get_expiry (session)), 300, 2);

  user = authflow_session_get_user (session);
  g_assert_cmpstr (authflow_user_get_email (user), ==, "ada@example.com");
  g_assert_cmpstr (authflow_user_get_first_name (user), ==, "Ada");
  profile = json_object_get_object_member (authflow_user_get_json (user), "profile");
  g_assert_cmpstr (json_object_get_string_member (profile, "org"), ==, "Analytical Engines");
  g_assert_true (stored_tokens_are (f, f->issued_access_token, NULL));

  /* "me" is GET /v1/users/{{uid}}: the uid's "/" and space escaped, so
   * that the server sees one segment; its user is under "data".
   */
  fetched = fetch_user (f, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (last_raw_request (f), ==, "GET /v1/users/a%2Fb%20c");
  expected_authorization = g_strconcat ("Bearer ", f->issued_access_token, NULL);
  g_assert_cmpstr (f->last_authorization, ==, expected_authorization);
  g_assert_cmpstr (authflow_user_get_first_name (fetched), ==, "Ada, as /v1/users has her");
  g_assert_true (authflow_user_equal (authflow_session_get_user (session), fetched));
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "a/b c");

  /* A protected API that answers with a list. */
  projects = call_node (f, "/v1/projects", &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (projects));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (projects)), ==, 1);

  /* Ada signs out elsewhere: the next call is refused and, with no
   * refresh call to renew it, the session ends at once.
   */
  g_hash_table_remove_all (f->access_tokens);
  refused = fetch_user (f, &error);
  g_assert_null (refused);
  g_assert_error (error, AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_SESSION_EXPIRED);
  g_assert_cmpstr (error->message, ==, EXPIRED_MESSAGE);
  g_clear_error (&error);
  assert_signed_out (f);
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 0);
  g_assert_cmpuint (f->n_requests, ==, 5);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, !is_stored (f)));

  /* In again, and out: the logout goes out once the session has ended
   * here, and still has the uid for its path.
   */
  g_assert_true (log_in (f, "ada@example.com", "analytical", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (f->access_tokens), ==, 1);
  log_out (f);
  assert_signed_out (f);
  g_assert_cmpstr (last_raw_request (f), ==, "DELETE /v1/users/a%2Fb%20c/sessions");
  g_assert_cmpuint (g_hash_table_size (f->access_tokens), ==, 0);
  g_assert_false (is_stored (f));
  g_assert_cmpuint (f->n_requests, ==, 7);
}

/* With no refresh call, a session ends at its expiry by itself, whether or
 * not a call is made: the person is told, and the keyring forgets it.
 */
static void
test_users_expiry (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  authflow_flow_set_time_func (f->flow, NULL, NULL);
  restore (f);

  f->access_ttl = 1;
  g_assert_true (log_in (f, "ada@example.com", "analytical", &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (get_session (f)), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_null (authflow_flow_get_next_refresh (f->flow));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, is_stored (f)));

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000,
                                           authflow_session_get_state (get_session (f)) ==
                                           AUTHFLOW_SESSION_STATE_SIGNED_OUT));
  assert_signed_out (f);
  g_assert_cmpstr (authflow_flow_get_sign_out_reason (f->flow), ==, EXPIRED_MESSAGE);
  g_assert_cmpstr (authflow_flow_get_last_username (f->flow), ==, "ada@example.com");
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, !is_stored (f)));
  g_assert_cmpuint (f->n_requests, ==, 1);
}

/* A user without an id: the calls whose paths need {{uid}} are not made,
 * and say why; logging out is then local.
 */
static void
test_users_no_uid (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(AuthflowUser) fetched = NULL;
  g_autoptr(GError) error = NULL;

  restore (f);
  g_assert_true (log_in (f, "ada@example.com", "analytical", &error));
  g_assert_no_error (error);
  g_assert_null (authflow_session_get_uid (get_session (f)));
  g_assert_cmpuint (f->n_requests, ==, 1);

  fetched = fetch_user (f, &error);
  g_assert_null (fetched);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_MISSING_VALUE);
  g_assert_cmpstr (error->message, ==,
                   "The me call needs the user id, “{{uid}}”, and the backend’s answers gave none");
  g_clear_error (&error);
  g_assert_cmpint (authflow_session_get_state (get_session (f)), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpuint (f->n_requests, ==, 1);

  log_out (f);
  assert_signed_out (f);
  g_assert_false (is_stored (f));
  g_assert_cmpuint (f->n_requests, ==, 1);
}

/* The token lifetime asked for, at the login and at each refresh, and
 * honoured: dummyjson.com's expiresInMins, by its stand-in.
 */
static void
test_dummyjson_token_minutes (Fixture       *f,
                              gconstpointer  data)
{
  AuthflowSession *session = get_session (f);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  gint64 first_exp;

  restore (f);
  authflow_client_set_token_minutes (f->client, 5);
  g_assert_true (log_in (f, "emilys", "emilyspass", &error));
  g_assert_no_error (error);
  body = parse_object (body_of (f, "POST /auth/login"));
  g_assert_cmpint (json_object_get_int_member (body, "expiresInMins"), ==, 5);
  g_assert_cmpint (f->issued_exp - now_seconds (), >=, 5 * 60 - 2);
  g_assert_cmpint (f->issued_exp - now_seconds (), <=, 5 * 60);
  g_assert_cmpint (g_date_time_to_unix (authflow_session_get_expiry (session)), ==, f->issued_exp);
  first_exp = f->issued_exp;

  /* Seven minutes from now on: the token held keeps its five until it is
   * renewed, and the renewal asks for seven.
   */
  authflow_client_set_token_minutes (f->client, 7);
  g_assert_cmpint (g_date_time_to_unix (authflow_session_get_expiry (session)), ==, first_exp);
  g_assert_true (authflow_faults_apply (authflow_flow_get_faults (f->flow), "expire-token", &error));
  g_assert_no_error (error);
  answer = call (f, "/auth/me", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (answer, "username"), ==, "emilys");
  g_assert_cmpuint (requests_to (f, "POST /auth/refresh"), ==, 1);
  g_clear_pointer (&body, json_object_unref);
  body = parse_object (body_of (f, "POST /auth/refresh"));
  g_assert_cmpint (json_object_get_int_member (body, "expiresInMins"), ==, 7);
  g_assert_cmpint (f->issued_exp - now_seconds (), >=, 7 * 60 - 2);
  g_assert_cmpint (g_date_time_to_unix (authflow_session_get_expiry (session)), ==, f->issued_exp);
}

static void
test_reference_token_minutes (Fixture       *f,
                              gconstpointer  data)
{
  AuthflowSession *session = get_session (f);
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GError) error = NULL;

  /* The real server's default is an hour; two minutes are asked for. */
  restore (f);
  authflow_client_set_token_minutes (f->client, 2);
  g_assert_true (log_in (f, "emilys", "emilyspass", &error));
  g_assert_no_error (error);
  now = g_date_time_new_now_utc ();
  g_assert_cmpfloat_with_epsilon (seconds_between (now, authflow_session_get_expiry (session)), 120, 2);
}

static void
check_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (authflow_check_run_finish (AUTHFLOW_CHECK (object), result, NULL));
  *done = TRUE;
}

static AuthflowCheckState
item_state (AuthflowCheck *check,
            const char    *id)
{
  AuthflowCheckItem *item = authflow_check_lookup_item (check, id);

  g_assert_nonnull (item);
  return authflow_check_item_get_state (item);
}

/* The users API's profile, written from the README (email login, answers
 * in lists, a nested user, no refresh, me at /v1/users/{{uid}}), passes
 * the backend check with the warnings it should have, and no failure.
 */
static void
test_users_check (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(AuthflowCheck) check = authflow_check_new (authflow_client_get_profile (f->client),
                                                       authflow_client_get_base_url (f->client));
  gboolean done = FALSE;

  authflow_check_set_credentials (check, "ada@example.com", "analytical");
  authflow_check_run_async (check, NULL, check_done_cb, &done);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 30000, done));
  {
    g_auto(GStrv) lines = authflow_check_dup_report_lines (check, FALSE);

    for (guint i = 0; lines[i] != NULL; i++)
      g_test_message ("%s", lines[i]);
  }

  g_assert_cmpint (authflow_check_get_outcome (check), ==, AUTHFLOW_CHECK_STATE_WARNING);
  g_assert_cmpint (item_state (check, "login"), ==, AUTHFLOW_CHECK_STATE_PASS);
  g_assert_cmpint (item_state (check, "uid"), ==, AUTHFLOW_CHECK_STATE_PASS);
  g_assert_nonnull (strstr (authflow_check_item_get_evidence (authflow_check_lookup_item (check, "uid")), "a/b c"));
  g_assert_cmpint (item_state (check, "expiry"), ==, AUTHFLOW_CHECK_STATE_PASS);
  g_assert_cmpint (item_state (check, "user-data"), ==, AUTHFLOW_CHECK_STATE_PASS);
  g_assert_cmpint (item_state (check, "me"), ==, AUTHFLOW_CHECK_STATE_PASS);
  g_assert_cmpint (item_state (check, "bad-token"), ==, AUTHFLOW_CHECK_STATE_PASS);
  g_assert_cmpint (item_state (check, "error-message"), ==, AUTHFLOW_CHECK_STATE_PASS);
  g_assert_nonnull (strstr (authflow_check_item_get_evidence (authflow_check_lookup_item (check, "error-message")),
                            "Invalid email or password"));
  /* No refresh: a warning that says what the app does, and the refresh
   * items skipped.
   */
  g_assert_cmpint (item_state (check, "refresh-token"), ==, AUTHFLOW_CHECK_STATE_WARNING);
  g_assert_cmpint (item_state (check, "refresh"), ==, AUTHFLOW_CHECK_STATE_SKIPPED);
  g_assert_cmpint (item_state (check, "refresh-rotation"), ==, AUTHFLOW_CHECK_STATE_SKIPPED);
  for (guint i = 0; i < g_list_model_get_n_items (authflow_check_get_items (check)); i++)
    {
      g_autoptr(AuthflowCheckItem) item = g_list_model_get_item (authflow_check_get_items (check), i);

      if (authflow_check_item_get_state (item) == AUTHFLOW_CHECK_STATE_FAIL)
        g_error ("%s failed: %s", authflow_check_item_get_id (item), authflow_check_item_get_evidence (item));
    }
  /* me went to the user's own path, escaped. */
  g_assert_cmpuint (requests_to (f, "GET /v1/users/a/b c"), >=, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, set_up, func) \
  g_test_add (path, Fixture, NULL, set_up, func, tear_down)

  ADD ("/backends/reference", set_up_reference, test_reference);
  ADD ("/backends/dummyjson", set_up_dummyjson, test_dummyjson);
  ADD ("/backends/dummyjson/bad-signature", set_up_dummyjson, test_dummyjson_bad_signature);
  ADD ("/backends/dummyjson/bad-refresh-token", set_up_dummyjson, test_dummyjson_bad_refresh_token);
  ADD ("/backends/oauth", set_up_oauth, test_oauth);
  ADD ("/backends/nested", set_up_nested, test_nested);
  ADD ("/backends/users", set_up_users, test_users);
  ADD ("/backends/users/expiry", set_up_users, test_users_expiry);
  ADD ("/backends/users/check", set_up_users, test_users_check);
  g_test_add ("/backends/users/no-uid", Fixture, "", set_up_users, test_users_no_uid, tear_down);
  ADD ("/backends/dummyjson/token-minutes", set_up_dummyjson, test_dummyjson_token_minutes);
  ADD ("/backends/reference/token-minutes", set_up_reference, test_reference_token_minutes);

#undef ADD

  return g_test_run ();
}
