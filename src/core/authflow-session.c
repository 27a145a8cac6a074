// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-session"

#include "config.h"

#include <string.h>

#include "authflow-session.h"
#include "authflow-json.h"

/* The Authenticated User: whether someone is signed in, the auth properties
 * (tokens, expiry, uid) and the user-data record. It knows nothing of the
 * network or the keyring; the flow actions drive it and the UI watches it.
 * Every property notifies only when its value really changes, and a change
 * of several properties at once notifies after all of them are set, so that
 * whoever reacts to "state" reads a consistent session.
 */
struct _AuthflowSession
{
  GObject               parent_instance;

  AuthflowSessionState  state;
  char                 *access_token;
  char                 *refresh_token;
  GDateTime            *expiry;
  char                 *uid;
  AuthflowUser         *user;
};

G_DEFINE_FINAL_TYPE (AuthflowSession, authflow_session, G_TYPE_OBJECT)
G_DEFINE_ENUM_TYPE (AuthflowSessionState, authflow_session_state,
  G_DEFINE_ENUM_VALUE (AUTHFLOW_SESSION_STATE_RESTORING, "restoring"),
  G_DEFINE_ENUM_VALUE (AUTHFLOW_SESSION_STATE_SIGNED_OUT, "signed-out"),
  G_DEFINE_ENUM_VALUE (AUTHFLOW_SESSION_STATE_SIGNED_IN, "signed-in"))
G_DEFINE_QUARK (authflow-session-error-quark, authflow_session_error)

/* The version of the keyring item's JSON. A stored item of another version
 * is not guessed at: restoring it fails and the caller discards it.
 */
#define SERIALIZE_VERSION 1

enum {
  PROP_0,
  PROP_STATE,
  PROP_ACCESS_TOKEN,
  PROP_REFRESH_TOKEN,
  PROP_EXPIRY,
  PROP_UID,
  PROP_USER,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void
authflow_session_finalize (GObject *object)
{
  AuthflowSession *self = (AuthflowSession *)object;

  g_clear_pointer (&self->access_token, g_free);
  g_clear_pointer (&self->refresh_token, g_free);
  g_clear_pointer (&self->expiry, g_date_time_unref);
  g_clear_pointer (&self->uid, g_free);
  g_clear_object (&self->user);

  G_OBJECT_CLASS (authflow_session_parent_class)->finalize (object);
}

static void
authflow_session_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  AuthflowSession *self = AUTHFLOW_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_ACCESS_TOKEN:
      g_value_set_string (value, self->access_token);
      break;

    case PROP_REFRESH_TOKEN:
      g_value_set_string (value, self->refresh_token);
      break;

    case PROP_EXPIRY:
      g_value_set_boxed (value, self->expiry);
      break;

    case PROP_UID:
      g_value_set_string (value, self->uid);
      break;

    case PROP_USER:
      g_value_set_object (value, self->user);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_session_class_init (AuthflowSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authflow_session_finalize;
  object_class->get_property = authflow_session_get_property;

  properties [PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       AUTHFLOW_TYPE_SESSION_STATE,
                       AUTHFLOW_SESSION_STATE_RESTORING,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties [PROP_ACCESS_TOKEN] =
    g_param_spec_string ("access-token", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties [PROP_REFRESH_TOKEN] =
    g_param_spec_string ("refresh-token", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties [PROP_EXPIRY] =
    g_param_spec_boxed ("expiry", NULL, NULL,
                        G_TYPE_DATE_TIME,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties [PROP_UID] =
    g_param_spec_string ("uid", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties [PROP_USER] =
    g_param_spec_object ("user", NULL, NULL,
                         AUTHFLOW_TYPE_USER,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authflow_session_init (AuthflowSession *self)
{
  self->state = AUTHFLOW_SESSION_STATE_RESTORING;
}

AuthflowSession *
authflow_session_new (void)
{
  return g_object_new (AUTHFLOW_TYPE_SESSION, NULL);
}

AuthflowSessionState
authflow_session_get_state (AuthflowSession *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION (self), AUTHFLOW_SESSION_STATE_SIGNED_OUT);

  return self->state;
}

const char *
authflow_session_get_access_token (AuthflowSession *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION (self), NULL);

  return self->access_token;
}

const char *
authflow_session_get_refresh_token (AuthflowSession *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION (self), NULL);

  return self->refresh_token;
}

/**
 * authflow_session_get_expiry:
 *
 * Returns: (transfer none) (nullable): when the access token expires, if known
 */
GDateTime *
authflow_session_get_expiry (AuthflowSession *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION (self), NULL);

  return self->expiry;
}

const char *
authflow_session_get_uid (AuthflowSession *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION (self), NULL);

  return self->uid;
}

/**
 * authflow_session_get_user:
 *
 * Returns: (transfer none) (nullable): the Authenticated User's data
 */
AuthflowUser *
authflow_session_get_user (AuthflowSession *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION (self), NULL);

  return self->user;
}

static void
set_state (AuthflowSession      *self,
           AuthflowSessionState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_STATE]);
}

/* g_set_str() arrives in GLib 2.76; Debian 12 has 2.74. */
static void
set_string (AuthflowSession  *self,
            char            **field,
            const char       *value,
            guint             prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties [prop]);
}

static void
set_expiry (AuthflowSession *self,
            GDateTime       *expiry)
{
  if (self->expiry == expiry ||
      (self->expiry != NULL && expiry != NULL && g_date_time_equal (self->expiry, expiry)))
    return;

  g_clear_pointer (&self->expiry, g_date_time_unref);
  self->expiry = expiry ? g_date_time_ref (expiry) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_EXPIRY]);
}

static void
set_user (AuthflowSession *self,
          AuthflowUser    *user)
{
  if (authflow_user_equal (self->user, user))
    return;

  g_set_object (&self->user, user);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_USER]);
}

/**
 * authflow_session_sign_in:
 * @uid: (nullable): the user's id; taken from @user when %NULL
 *
 * The "Log in" action: the session takes the auth properties and the user
 * record of a successful login and becomes signed in.
 */
void
authflow_session_sign_in (AuthflowSession *self,
                          const char      *access_token,
                          const char      *refresh_token,
                          GDateTime       *expiry,
                          const char      *uid,
                          AuthflowUser    *user)
{
  g_return_if_fail (AUTHFLOW_IS_SESSION (self));
  g_return_if_fail (access_token != NULL && access_token[0] != '\0');
  g_return_if_fail (AUTHFLOW_IS_USER (user));

  if (uid == NULL)
    uid = authflow_user_get_id (user);

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->access_token, access_token, PROP_ACCESS_TOKEN);
  set_string (self, &self->refresh_token, refresh_token, PROP_REFRESH_TOKEN);
  set_expiry (self, expiry);
  set_string (self, &self->uid, uid, PROP_UID);
  set_user (self, user);
  set_state (self, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * authflow_session_update_tokens:
 * @refresh_token: (nullable): the new refresh token, or %NULL to keep the
 *   current one (some backends do not rotate it)
 *
 * Takes the tokens of a renewal; the user record stays as it is.
 */
void
authflow_session_update_tokens (AuthflowSession *self,
                                const char      *access_token,
                                const char      *refresh_token,
                                GDateTime       *expiry)
{
  g_return_if_fail (AUTHFLOW_IS_SESSION (self));
  g_return_if_fail (access_token != NULL && access_token[0] != '\0');
  g_return_if_fail (self->state == AUTHFLOW_SESSION_STATE_SIGNED_IN);

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->access_token, access_token, PROP_ACCESS_TOKEN);
  if (refresh_token != NULL)
    set_string (self, &self->refresh_token, refresh_token, PROP_REFRESH_TOKEN);
  set_expiry (self, expiry);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * authflow_session_update_user:
 *
 * The "Update Authenticated User" action: replaces the user-data record.
 */
void
authflow_session_update_user (AuthflowSession *self,
                              AuthflowUser    *user)
{
  g_return_if_fail (AUTHFLOW_IS_SESSION (self));
  g_return_if_fail (AUTHFLOW_IS_USER (user));
  g_return_if_fail (self->state == AUTHFLOW_SESSION_STATE_SIGNED_IN);

  set_user (self, user);
}

/**
 * authflow_session_sign_out:
 *
 * Forgets the auth properties and the user record; also ends "restoring".
 */
void
authflow_session_sign_out (AuthflowSession *self)
{
  g_return_if_fail (AUTHFLOW_IS_SESSION (self));

  g_object_freeze_notify (G_OBJECT (self));
  set_state (self, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  set_string (self, &self->access_token, NULL, PROP_ACCESS_TOKEN);
  set_string (self, &self->refresh_token, NULL, PROP_REFRESH_TOKEN);
  set_expiry (self, NULL);
  set_string (self, &self->uid, NULL, PROP_UID);
  set_user (self, NULL);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * authflow_session_reset:
 *
 * Forgets everything and goes back to "restoring", as at start-up: for
 * switching to another backend, whose stored session is then restored.
 */
void
authflow_session_reset (AuthflowSession *self)
{
  g_return_if_fail (AUTHFLOW_IS_SESSION (self));

  g_object_freeze_notify (G_OBJECT (self));
  set_state (self, AUTHFLOW_SESSION_STATE_RESTORING);
  set_string (self, &self->access_token, NULL, PROP_ACCESS_TOKEN);
  set_string (self, &self->refresh_token, NULL, PROP_REFRESH_TOKEN);
  set_expiry (self, NULL);
  set_string (self, &self->uid, NULL, PROP_UID);
  set_user (self, NULL);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * authflow_session_serialize:
 *
 * Returns: (transfer full): the signed-in session as JSON, for the keyring
 *   only: it holds the tokens
 */
char *
authflow_session_serialize (AuthflowSession *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (AUTHFLOW_IS_SESSION (self), NULL);
  g_return_val_if_fail (self->state == AUTHFLOW_SESSION_STATE_SIGNED_IN, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, SERIALIZE_VERSION);
  json_builder_set_member_name (builder, "accessToken");
  json_builder_add_string_value (builder, self->access_token);
  if (self->refresh_token != NULL)
    {
      json_builder_set_member_name (builder, "refreshToken");
      json_builder_add_string_value (builder, self->refresh_token);
    }
  if (self->expiry != NULL)
    {
      json_builder_set_member_name (builder, "expiry");
      json_builder_add_int_value (builder, g_date_time_to_unix (self->expiry));
    }
  if (self->uid != NULL)
    {
      json_builder_set_member_name (builder, "uid");
      json_builder_add_string_value (builder, self->uid);
    }
  json_builder_set_member_name (builder, "user");
  json_builder_add_value (builder,
                          json_node_init_object (json_node_alloc (),
                                                 authflow_user_get_json (self->user)));
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

static gboolean
get_optional_string (JsonObject  *object,
                     const char  *member,
                     const char **value)
{
  JsonNode *node = json_object_get_member (object, member);

  *value = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;

  *value = json_node_get_string (node);

  return TRUE;
}

/**
 * authflow_session_parse_stored:
 * @serialized: what authflow_session_serialize() made
 *
 * The slow half of authflow_session_restore(), safe to run in a worker
 * thread: an item larger than %AUTHFLOW_SESSION_MAX_STORED_SIZE (more than
 * this app ever writes) is refused unread, anything else is parsed.
 *
 * Returns: (transfer full) (nullable): the item's JSON, or %NULL with
 *   %AUTHFLOW_SESSION_ERROR_CORRUPT
 */
JsonNode *
authflow_session_parse_stored (const char  *serialized,
                               GError     **error)
{
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;
  gsize size;

  g_return_val_if_fail (serialized != NULL, NULL);

  size = strnlen (serialized, AUTHFLOW_SESSION_MAX_STORED_SIZE + 1);
  if (size > AUTHFLOW_SESSION_MAX_STORED_SIZE)
    {
      g_set_error (error, AUTHFLOW_SESSION_ERROR, AUTHFLOW_SESSION_ERROR_CORRUPT,
                   "The stored session is larger than %u bytes, more than Authflow writes",
                   AUTHFLOW_SESSION_MAX_STORED_SIZE);
      return NULL;
    }

  if ((root = authflow_json_parse (serialized, size, &parse_error)) == NULL)
    {
      if (g_error_matches (parse_error, AUTHFLOW_JSON_ERROR, AUTHFLOW_JSON_ERROR_TOO_DEEP))
        g_set_error (error, AUTHFLOW_SESSION_ERROR, AUTHFLOW_SESSION_ERROR_CORRUPT,
                     "The stored session is %s", parse_error->message);
      else
        g_set_error_literal (error, AUTHFLOW_SESSION_ERROR, AUTHFLOW_SESSION_ERROR_CORRUPT,
                             "The stored session is not a JSON object");
      return NULL;
    }

  return root;
}

/**
 * authflow_session_restore:
 * @serialized: what authflow_session_serialize() made
 *
 * Signs the session in from a stored item. A stored item that is not what
 * this version of the app wrote leaves the session as it was and fails with
 * %AUTHFLOW_SESSION_ERROR_CORRUPT or %AUTHFLOW_SESSION_ERROR_VERSION.
 */
gboolean
authflow_session_restore (AuthflowSession  *self,
                          const char       *serialized,
                          GError          **error)
{
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (AUTHFLOW_IS_SESSION (self), FALSE);
  g_return_val_if_fail (serialized != NULL, FALSE);

  if ((root = authflow_session_parse_stored (serialized, error)) == NULL)
    return FALSE;

  return authflow_session_restore_parsed (self, root, error);
}

/**
 * authflow_session_restore_parsed:
 * @root: what authflow_session_parse_stored() made of a stored item
 *
 * authflow_session_restore() for an item already parsed.
 */
gboolean
authflow_session_restore_parsed (AuthflowSession  *self,
                                 JsonNode         *root,
                                 GError          **error)
{
  g_autoptr(AuthflowUser) user = NULL;
  g_autoptr(GDateTime) expiry = NULL;
  JsonObject *object;
  JsonNode *node;
  const char *access_token;
  const char *refresh_token;
  const char *uid;

  g_return_val_if_fail (AUTHFLOW_IS_SESSION (self), FALSE);
  g_return_val_if_fail (root != NULL, FALSE);

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, AUTHFLOW_SESSION_ERROR, AUTHFLOW_SESSION_ERROR_CORRUPT,
                           "The stored session is not a JSON object");
      return FALSE;
    }

  object = json_node_get_object (root);

  node = json_object_get_member (object, "version");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error_literal (error, AUTHFLOW_SESSION_ERROR, AUTHFLOW_SESSION_ERROR_CORRUPT,
                           "The stored session has no version");
      return FALSE;
    }

  if (json_node_get_int (node) != SERIALIZE_VERSION)
    {
      g_set_error (error, AUTHFLOW_SESSION_ERROR, AUTHFLOW_SESSION_ERROR_VERSION,
                   "The stored session is of version %" G_GINT64_FORMAT ", not %d",
                   json_node_get_int (node), SERIALIZE_VERSION);
      return FALSE;
    }

  if (!get_optional_string (object, "accessToken", &access_token) ||
      access_token == NULL || access_token[0] == '\0' ||
      !get_optional_string (object, "refreshToken", &refresh_token) ||
      !get_optional_string (object, "uid", &uid))
    {
      g_set_error_literal (error, AUTHFLOW_SESSION_ERROR, AUTHFLOW_SESSION_ERROR_CORRUPT,
                           "The stored session has no usable tokens");
      return FALSE;
    }

  node = json_object_get_member (object, "expiry");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_VALUE (node) ||
          json_node_get_value_type (node) != G_TYPE_INT64 ||
          !(expiry = g_date_time_new_from_unix_utc (json_node_get_int (node))))
        {
          g_set_error_literal (error, AUTHFLOW_SESSION_ERROR, AUTHFLOW_SESSION_ERROR_CORRUPT,
                               "The stored session's expiry is not a time");
          return FALSE;
        }
    }

  node = json_object_get_member (object, "user");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, AUTHFLOW_SESSION_ERROR, AUTHFLOW_SESSION_ERROR_CORRUPT,
                           "The stored session has no user data");
      return FALSE;
    }

  user = authflow_user_new_from_json (json_node_get_object (node));

  authflow_session_sign_in (self, access_token, refresh_token, expiry, uid, user);

  return TRUE;
}
