// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-check"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "authflow-check.h"
#include "authflow-check-private.h"

/* Checks a backend against what the app needs of it, FlutterFlow's custom
 * authentication checklist made real: does the server answer, do login and
 * sign-up return a token, a refresh token, an expiry and a uid, does `me`
 * agree, is a bad token refused with 401, does the refresh rotate, does the
 * logout end the session, do errors carry a message the app can show.
 *
 * The calls go through a real AuthflowClient with the profile, so that each
 * answer is read exactly as the app reads it, and the client's journal
 * tells the check what it cannot learn from a result: the status, the
 * `Date`, where the profile found each property. The items run one after
 * another on the thread-default main context, each call bounded by the
 * client's timeouts and the run's cancellable.
 *
 * Nothing secret leaves: the evidence names tokens by the journal's
 * fingerprints only, and every text and detail is redacted once more,
 * against every token and password the run has seen, before an item
 * takes it.
 */
G_DEFINE_FINAL_TYPE (AuthflowCheck, authflow_check, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_BASE_URL,
  PROP_USERNAME,
  PROP_SIGN_UP,
  PROP_TIMEOUT,
  PROP_ITEMS,
  PROP_RUNNING,
  PROP_OUTCOME,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

/* How long each call may take, in all, unless told otherwise. */
#define DEFAULT_TIMEOUT_SECONDS 20

typedef void (*StepFunc) (AuthflowCheck *self);

/* The items, in the order they run. */
static const struct
{
  const char *id;
  const char *title;
  StepFunc    func;
} steps[] = {
  { "server", N_("The server answers"), _authflow_check_step_server },
  { "tls", N_("The connection (TLS)"), _authflow_check_step_tls },
  { "clock", N_("The server’s clock"), _authflow_check_step_clock },
  { "sign-up", N_("Sign-up creates a user"), _authflow_check_step_sign_up },
  { "login", N_("Login returns an access token"), _authflow_check_step_login },
  { "jwt", N_("The access token"), _authflow_check_step_jwt },
  { "refresh-token", N_("Login returns a refresh token"), _authflow_check_step_refresh_token },
  { "expiry", N_("The token’s expiry"), _authflow_check_step_expiry },
  { "uid", N_("Login returns a UID"), _authflow_check_step_uid },
  { "user-data", N_("The user data"), _authflow_check_step_user_data },
  { "me", N_("The me call accepts the token"), _authflow_check_step_me },
  { "bad-token", N_("A bad token is refused with 401"), _authflow_check_step_bad_token },
  { "update-user", N_("Updating the user round-trips"), _authflow_check_step_update_user },
  { "refresh", N_("The refresh call renews the token"), _authflow_check_step_refresh },
  { "refresh-rotation", N_("The refresh token rotates"), _authflow_check_step_refresh_rotation },
  { "logout", N_("Logout ends the session"), _authflow_check_step_logout },
  { "error-message", N_("Errors carry a message"), _authflow_check_step_error_message },
};

/* The run. */

static AuthflowCheckItem *
current_item (AuthflowCheck *self)
{
  return g_list_model_get_item (G_LIST_MODEL (self->items), self->step);
}

static void advance (AuthflowCheck *self);

/* Ends the current item; from a callback, the run goes on to the next. */
void
_authflow_check_finish (AuthflowCheck      *self,
                        AuthflowCheckState  state,
                        const char         *evidence,
                        const char         *advice,
                        JsonObject         *details)
{
  g_autoptr(AuthflowCheckItem) item = current_item (self);
  g_autofree char *clean_evidence = _authflow_check_redact (self, evidence);
  g_autofree char *clean_advice = _authflow_check_redact (self, advice);
  g_autoptr(JsonObject) clean_details = NULL;

  if (details != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), details);
      g_autoptr(JsonNode) redacted = authflow_journal_redact_json (node,
                                                                   (const char * const *) self->tokens->pdata,
                                                                   (const char * const *) self->passwords->pdata);

      clean_details = json_object_ref (json_node_get_object (redacted));
      json_object_unref (details);
    }

  _authflow_check_item_finish (item, state, clean_evidence, clean_advice, clean_details);

  if (!self->in_step)
    {
      self->step++;
      advance (self);
    }
}

void
_authflow_check_skip (AuthflowCheck *self,
                      const char    *reason)
{
  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_SKIPPED, reason, NULL, NULL);
}

/* For the items that need an answer from the server, or a login: skips
 * the item, saying why, when it has none.
 */
gboolean
_authflow_check_needs_answer (AuthflowCheck *self)
{
  if (self->answered)
    return TRUE;

  _authflow_check_skip (self, _("Not tried: the server did not answer"));
  return FALSE;
}

gboolean
_authflow_check_needs_login (AuthflowCheck *self)
{
  if (!_authflow_check_needs_answer (self))
    return FALSE;

  if (self->login != NULL)
    return TRUE;

  _authflow_check_skip (self, _("Not tried: there is no session, as the login failed"));
  return FALSE;
}

gboolean
_authflow_check_needs_call (AuthflowCheck           *self,
                            AuthflowProfileCallKind  kind,
                            const char              *without)
{
  g_autofree char *reason = NULL;

  if (authflow_profile_has_call (self->profile, kind))
    return TRUE;

  /* Translators: the first %s is a call of a profile, e.g. "logout"; the second says what the app does without it. */
  reason = g_strdup_printf (_("The profile has no %s call: %s"), authflow_profile_call_kind_to_string (kind), without);
  _authflow_check_skip (self, reason);
  return FALSE;
}

/* Whether the run was cancelled, and if so ends it: the item under way
 * and those after it are skipped.
 */
gboolean
_authflow_check_stop_if_cancelled (AuthflowCheck *self,
                                   const GError  *error)
{
  GTask *task;
  guint n;

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  for (guint i = self->step; i < n; i++)
    {
      g_autoptr(AuthflowCheckItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (!authflow_check_state_is_finished (authflow_check_item_get_state (item)))
        _authflow_check_item_finish (item, AUTHFLOW_CHECK_STATE_SKIPPED, _("Not tried: the check was cancelled"),
                                     NULL, NULL);
    }
  self->step = n;

  task = g_steal_pointer (&self->task);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_RUNNING]);
  g_task_return_error (task, g_error_copy (error));
  g_object_unref (task);

  return TRUE;
}

static void
update_outcome (AuthflowCheck *self)
{
  AuthflowCheckState outcome = AUTHFLOW_CHECK_STATE_PASS;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AuthflowCheckItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);
      AuthflowCheckState state = authflow_check_item_get_state (item);

      if (state == AUTHFLOW_CHECK_STATE_FAIL)
        outcome = AUTHFLOW_CHECK_STATE_FAIL;
      else if (state == AUTHFLOW_CHECK_STATE_WARNING && outcome == AUTHFLOW_CHECK_STATE_PASS)
        outcome = AUTHFLOW_CHECK_STATE_WARNING;
    }

  if (self->outcome != outcome)
    {
      self->outcome = outcome;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_OUTCOME]);
    }
}

static void
cleanup_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* The session may be over already (a refresh token reused ends it on
   * some servers): whatever the answer, the check is done.
   */
  if (!authflow_client_log_out_finish (AUTHFLOW_CLIENT (object), result, &error))
    g_debug ("The check's own session did not log out: %s", error->message);

  g_task_return_boolean (task, TRUE);
}

/* Every item has its outcome. The check's first session, if it still
 * has one, is logged out, so as to leave nothing behind on the server but
 * a user it signed up.
 */
static void
end_run (AuthflowCheck *self)
{
  GTask *task = g_steal_pointer (&self->task);

  update_outcome (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_RUNNING]);

  if (self->access_token != NULL && authflow_profile_has_call (self->profile, AUTHFLOW_PROFILE_CALL_LOGOUT))
    {
      g_autoptr(GHashTable) session = _authflow_check_dup_session_values (self);

      authflow_client_log_out_async (self->client, self->access_token, self->refresh_token, session,
                                     g_task_get_cancellable (task), cleanup_cb, task);
      return;
    }

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
advance (AuthflowCheck *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  while (self->step < n)
    {
      g_autoptr(AuthflowCheckItem) item = current_item (self);

      _authflow_check_item_set_running (item);
      self->in_step = TRUE;
      steps[self->step].func (self);
      self->in_step = FALSE;

      /* Its calls are out: their callback goes on from here. */
      if (!authflow_check_state_is_finished (authflow_check_item_get_state (item)))
        return;

      self->step++;
    }

  end_run (self);
}

GCancellable *
_authflow_check_get_cancellable (AuthflowCheck *self)
{
  return g_task_get_cancellable (self->task);
}

/**
 * _authflow_check_end_call:
 * @auth: (nullable): what a call that gives tokens gave
 * @error: (nullable): how the call failed
 * @exchange: (nullable): filled in with what went over the wire
 *
 * What every call's callback does first: if the run was cancelled, ends
 * it and returns %FALSE. Else the tokens in @auth become secrets that no
 * output may show, and @exchange tells the status, the time and how it
 * went in a few words.
 *
 * Returns: whether the item goes on
 */
gboolean
_authflow_check_end_call (AuthflowCheck         *self,
                          AuthflowAuthResult    *auth,
                          const GError          *error,
                          AuthflowCheckExchange *exchange)
{
  if (_authflow_check_stop_if_cancelled (self, error))
    return FALSE;

  _authflow_check_remember_tokens (self, auth);
  if (exchange != NULL)
    {
      g_autofree char *message = NULL;

      _authflow_check_last_exchange (self, exchange);
      exchange->how = _authflow_check_describe_exchange (exchange, error);
      if ((message = _authflow_check_answer_message (self, exchange->body)))
        /* Translators: what the server answered, e.g. "HTTP 401 in 1 ms", and the message in its answer. */
        exchange->said = g_strdup_printf (_("%s, “%s”"), exchange->how, message);
      else
        exchange->said = g_strdup (exchange->how);
    }

  return TRUE;
}
/* The object. */

static void
clear_run (AuthflowCheck *self)
{
  self->answered = FALSE;
  self->login_is_signed_up = FALSE;
  self->sign_up_failed = FALSE;
  g_clear_pointer (&self->date, g_free);
  g_clear_pointer (&self->login_username, g_free);
  g_clear_pointer (&self->login_password, _authflow_check_wipe_free);
  g_clear_pointer (&self->signed_up_username, g_free);
  g_clear_pointer (&self->login, authflow_auth_result_free);
  g_clear_pointer (&self->login_mapping, json_object_unref);
  g_clear_pointer (&self->access_token, _authflow_check_wipe_free);
  g_clear_pointer (&self->refresh_token, _authflow_check_wipe_free);
  g_clear_pointer (&self->refreshed, authflow_auth_result_free);
  g_clear_pointer (&self->spent_refresh_token, _authflow_check_wipe_free);
  g_clear_pointer (&self->first_name, g_free);
  g_clear_pointer (&self->written_first_name, g_free);
  g_clear_pointer (&self->second, authflow_auth_result_free);
  g_clear_pointer (&self->pending_advice, g_free);
  g_string_truncate (self->evidence, 0);
}

static void
authflow_check_dispose (GObject *object)
{
  AuthflowCheck *self = (AuthflowCheck *)object;

  g_clear_object (&self->client);
  g_clear_object (&self->journal);
  g_clear_object (&self->items);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (authflow_check_parent_class)->dispose (object);
}

static void
authflow_check_finalize (GObject *object)
{
  AuthflowCheck *self = (AuthflowCheck *)object;

  clear_run (self);
  g_string_free (self->evidence, TRUE);
  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->password, _authflow_check_wipe_free);
  g_clear_pointer (&self->tokens, g_ptr_array_unref);
  g_clear_pointer (&self->passwords, g_ptr_array_unref);

  G_OBJECT_CLASS (authflow_check_parent_class)->finalize (object);
}

static void
authflow_check_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AuthflowCheck *self = AUTHFLOW_CHECK (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;

    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;

    case PROP_SIGN_UP:
      g_value_set_boolean (value, self->sign_up);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;

    case PROP_ITEMS:
      g_value_set_object (value, self->items);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, authflow_check_get_running (self));
      break;

    case PROP_OUTCOME:
      g_value_set_enum (value, authflow_check_get_outcome (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_check_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AuthflowCheck *self = AUTHFLOW_CHECK (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      self->profile = g_value_dup_object (value);
      break;

    case PROP_BASE_URL:
      self->base_url = g_value_dup_string (value);
      break;

    case PROP_SIGN_UP:
      authflow_check_set_sign_up (self, g_value_get_boolean (value));
      break;

    case PROP_TIMEOUT:
      authflow_check_set_timeout (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_check_constructed (GObject *object)
{
  AuthflowCheck *self = (AuthflowCheck *)object;

  G_OBJECT_CLASS (authflow_check_parent_class)->constructed (object);

  g_assert (AUTHFLOW_IS_PROFILE (self->profile));

  self->client = authflow_client_new (NULL);
  authflow_client_set_profile (self->client, self->profile);
  authflow_client_set_base_url (self->client, self->base_url);
  authflow_client_set_journal (self->client, self->journal);
  authflow_client_set_total_timeout (self->client, self->timeout);
  authflow_client_set_timeout (self->client, self->timeout);

  /* As the client has it: the profile's when none was given, without a
   * trailing slash.
   */
  g_free (self->base_url);
  self->base_url = g_strdup (authflow_client_get_base_url (self->client));
}

static void
authflow_check_class_init (AuthflowCheckClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authflow_check_dispose;
  object_class->finalize = authflow_check_finalize;
  object_class->get_property = authflow_check_get_property;
  object_class->set_property = authflow_check_set_property;
  object_class->constructed = authflow_check_constructed;

  properties [PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, AUTHFLOW_TYPE_PROFILE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /* The server to check; %NULL for the profile's own. */
  properties [PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /* Who the check logs in as, if someone was given; the password is set
   * with it, and is no property.
   */
  properties [PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Whether the check signs up a throw-away user (which stays on the
   * server); it then logs in as that user unless someone was given.
   */
  properties [PROP_SIGN_UP] =
    g_param_spec_boolean ("sign-up", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* How long each call may take, in seconds. */
  properties [PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, 600, DEFAULT_TIMEOUT_SECONDS,
                       (G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The AuthflowCheckItems, there from the start, in the order they run. */
  properties [PROP_ITEMS] =
    g_param_spec_object ("items", NULL, NULL, G_TYPE_LIST_MODEL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  properties [PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The worst outcome among the items once the run is over: pass,
   * warning or fail; pending before, running during.
   */
  properties [PROP_OUTCOME] =
    g_param_spec_enum ("outcome", NULL, NULL,
                       AUTHFLOW_TYPE_CHECK_STATE, AUTHFLOW_CHECK_STATE_PENDING,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authflow_check_init (AuthflowCheck *self)
{
  self->timeout = DEFAULT_TIMEOUT_SECONDS;
  self->journal = authflow_journal_new ();
  self->items = g_list_store_new (AUTHFLOW_TYPE_CHECK_ITEM);
  self->evidence = g_string_new (NULL);
  self->tokens = _authflow_check_new_secrets ();
  self->passwords = _authflow_check_new_secrets ();

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(AuthflowCheckItem) item = _authflow_check_item_new (steps[i].id, _(steps[i].title));

      g_list_store_append (self->items, item);
    }
}

/**
 * authflow_check_new:
 * @base_url: (nullable): the server to check, %NULL for the profile's
 *
 * Returns: (transfer full): a check of the backend that @profile
 *   describes, at @base_url, with every item pending
 */
AuthflowCheck *
authflow_check_new (AuthflowProfile *profile,
                    const char      *base_url)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (profile), NULL);

  return g_object_new (AUTHFLOW_TYPE_CHECK,
                       "profile", profile,
                       "base-url", base_url,
                       NULL);
}

AuthflowProfile *
authflow_check_get_profile (AuthflowCheck *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), NULL);

  return self->profile;
}

/**
 * authflow_check_get_base_url:
 *
 * Returns: the server the check talks to, without a trailing slash
 */
const char *
authflow_check_get_base_url (AuthflowCheck *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), NULL);

  return self->base_url;
}

/**
 * authflow_check_set_credentials:
 * @username: (nullable): who to log in as (a username or an email, as the
 *   profile's login_identifier says)
 * @password: (nullable): their password, wiped from memory once the check
 *   is gone, and never in any of its output
 *
 * Without credentials, only a check with sign-up can log in: as the user
 * it signs up.
 */
void
authflow_check_set_credentials (AuthflowCheck *self,
                                const char    *username,
                                const char    *password)
{
  g_return_if_fail (AUTHFLOW_IS_CHECK (self));
  g_return_if_fail ((username == NULL) == (password == NULL));
  g_return_if_fail (self->task == NULL);

  _authflow_check_replace_token (&self->password, password);
  _authflow_check_add_secret (self->passwords, password);

  if (g_strcmp0 (self->username, username) == 0)
    return;

  g_free (self->username);
  self->username = g_strdup (username);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_USERNAME]);
}

/**
 * authflow_check_get_username:
 *
 * Returns: (nullable): who the check logs in as, if someone was given
 */
const char *
authflow_check_get_username (AuthflowCheck *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), NULL);

  return self->username;
}

gboolean
authflow_check_get_sign_up (AuthflowCheck *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), FALSE);

  return self->sign_up;
}

void
authflow_check_set_sign_up (AuthflowCheck *self,
                            gboolean       sign_up)
{
  g_return_if_fail (AUTHFLOW_IS_CHECK (self));

  sign_up = !!sign_up;
  if (self->sign_up == sign_up)
    return;

  self->sign_up = sign_up;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SIGN_UP]);
}

guint
authflow_check_get_timeout (AuthflowCheck *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), 0);

  return self->timeout;
}

/**
 * authflow_check_set_timeout:
 * @timeout_seconds: how long each call may take in all, from 1 to 600
 */
void
authflow_check_set_timeout (AuthflowCheck *self,
                            guint          timeout_seconds)
{
  g_return_if_fail (AUTHFLOW_IS_CHECK (self));
  g_return_if_fail (timeout_seconds > 0);

  if (self->client != NULL)
    {
      authflow_client_set_total_timeout (self->client, timeout_seconds);
      authflow_client_set_timeout (self->client, timeout_seconds);
    }

  if (self->timeout == timeout_seconds)
    return;

  self->timeout = timeout_seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_TIMEOUT]);
}

/**
 * authflow_check_get_items:
 *
 * Returns: (transfer none): the #AuthflowCheckItems, in the order they
 *   run; the same items for the check's whole life
 */
GListModel *
authflow_check_get_items (AuthflowCheck *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), NULL);

  return G_LIST_MODEL (self->items);
}

/**
 * authflow_check_lookup_item:
 * @id: an item's id, e.g. "refresh-token"
 *
 * Returns: (transfer none) (nullable): the item, or %NULL
 */
AuthflowCheckItem *
authflow_check_lookup_item (AuthflowCheck *self,
                            const char    *id)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->items)); i++)
    {
      g_autoptr(AuthflowCheckItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (g_str_equal (authflow_check_item_get_id (item), id))
        return item;
    }

  return NULL;
}

gboolean
authflow_check_get_running (AuthflowCheck *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), FALSE);

  return self->task != NULL;
}

/**
 * authflow_check_get_outcome:
 *
 * Returns: %AUTHFLOW_CHECK_STATE_FAIL if an item failed, else
 *   %AUTHFLOW_CHECK_STATE_WARNING if one warned, else
 *   %AUTHFLOW_CHECK_STATE_PASS, once a run is over; running or pending
 *   before
 */
AuthflowCheckState
authflow_check_get_outcome (AuthflowCheck *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), AUTHFLOW_CHECK_STATE_PENDING);

  return self->task != NULL ? AUTHFLOW_CHECK_STATE_RUNNING : self->outcome;
}

/**
 * authflow_check_get_journal:
 *
 * Returns: (transfer none): every step of the check's calls, redacted, as
 *   the app's journal has its own
 */
AuthflowJournal *
authflow_check_get_journal (AuthflowCheck *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), NULL);

  return self->journal;
}

/**
 * authflow_check_run_async:
 *
 * Runs every item, one after another, on the thread-default main context;
 * each item's properties notify as it goes. A run again starts every item
 * from pending. Without credentials, it needs sign-up and a profile with
 * a signup call to log in at all.
 */
void
authflow_check_run_async (AuthflowCheck       *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AUTHFLOW_IS_CHECK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_check_run_async);

  if (self->task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "%s", _("The check is running already"));
      return;
    }

  clear_run (self);
  self->login_username = g_strdup (self->username);
  self->login_password = g_strdup (self->password);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->items)); i++)
    {
      g_autoptr(AuthflowCheckItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      _authflow_check_item_reset (item);
    }

  self->task = g_steal_pointer (&task);
  self->step = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_RUNNING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_OUTCOME]);

  advance (self);
}

/**
 * authflow_check_run_finish:
 *
 * Returns: %TRUE once every item has its outcome (which may be a failure:
 *   see authflow_check_get_outcome()); %FALSE with @error set if the run
 *   was cancelled or another was under way
 */
gboolean
authflow_check_run_finish (AuthflowCheck  *self,
                           GAsyncResult   *result,
                           GError        **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The report. */

/**
 * authflow_check_dup_heading:
 *
 * Returns: (transfer full): what is checked, where, as whom
 */
char *
authflow_check_dup_heading (AuthflowCheck *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), NULL);

  if (self->username != NULL)
    /* Translators: a backend's name, its profile id, a URL and a username. */
    return g_strdup_printf (_("Checking %s (%s) at %s as “%s”"), authflow_profile_get_name (self->profile),
                            authflow_profile_get_id (self->profile), self->base_url, self->username);

  /* Translators: a backend's name, its profile id and a URL. */
  return g_strdup_printf (_("Checking %s (%s) at %s"), authflow_profile_get_name (self->profile),
                          authflow_profile_get_id (self->profile), self->base_url);
}

static void
count_states (AuthflowCheck *self,
              guint          counts[AUTHFLOW_CHECK_STATE_SKIPPED + 1])
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->items)); i++)
    {
      g_autoptr(AuthflowCheckItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      counts[authflow_check_item_get_state (item)]++;
    }
}

/**
 * authflow_check_dup_summary:
 *
 * Returns: (transfer full): how many items passed, warned, failed and
 *   were skipped, in a sentence
 */
char *
authflow_check_dup_summary (AuthflowCheck *self)
{
  guint counts[AUTHFLOW_CHECK_STATE_SKIPPED + 1] = { 0 };
  g_autofree char *passed = NULL;
  g_autofree char *warned = NULL;
  g_autofree char *failed = NULL;
  g_autofree char *skipped = NULL;

  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), NULL);

  count_states (self, counts);
  passed = g_strdup_printf (ngettext ("%u item passed", "%u items passed", counts[AUTHFLOW_CHECK_STATE_PASS]),
                            counts[AUTHFLOW_CHECK_STATE_PASS]);
  warned = g_strdup_printf (ngettext ("%u warning", "%u warnings", counts[AUTHFLOW_CHECK_STATE_WARNING]),
                            counts[AUTHFLOW_CHECK_STATE_WARNING]);
  failed = g_strdup_printf (ngettext ("%u failure", "%u failures", counts[AUTHFLOW_CHECK_STATE_FAIL]),
                            counts[AUTHFLOW_CHECK_STATE_FAIL]);
  skipped = g_strdup_printf (ngettext ("%u skipped", "%u skipped", counts[AUTHFLOW_CHECK_STATE_SKIPPED]),
                             counts[AUTHFLOW_CHECK_STATE_SKIPPED]);

  /* Translators: "13 items passed, 2 warnings, 0 failures, 2 skipped". */
  return g_strdup_printf (_("%s, %s, %s, %s"), passed, warned, failed, skipped);
}

/**
 * authflow_check_dup_report_lines:
 * @color: whether to colour the states with terminal escapes
 *
 * The report as text: the heading, each item's lines (see
 * authflow_check_item_dup_text()), and the summary. Redacted: no password
 * and no token is in it, only fingerprints.
 *
 * Returns: (transfer full): the lines, without newlines
 */
char **
authflow_check_dup_report_lines (AuthflowCheck *self,
                                 gboolean       color)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *heading = NULL;
  g_autofree char *summary = NULL;

  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), NULL);

  heading = authflow_check_dup_heading (self);
  g_strv_builder_add (builder, heading);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->items)); i++)
    {
      g_autoptr(AuthflowCheckItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);
      g_autofree char *text = authflow_check_item_dup_text (item, color);
      g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

      for (guint j = 0; lines[j] != NULL; j++)
        if (lines[j][0] != '\0')
          g_strv_builder_add (builder, lines[j]);
    }

  summary = authflow_check_dup_summary (self);
  g_strv_builder_add (builder, summary);

  return g_strv_builder_end (builder);
}

/**
 * authflow_check_to_json:
 *
 * The report as JSON: `{"version", "backend": {"id", "name", "url"},
 * "username", "signUp", "outcome", "counts", "items": […]}`, each item as
 * authflow_check_item_to_json() has it. Redacted like the text.
 *
 * Returns: (transfer full): the report
 */
JsonNode *
authflow_check_to_json (AuthflowCheck *self)
{
  g_autoptr(JsonObject) report = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  JsonObject *backend = json_object_new ();
  JsonObject *counts = json_object_new ();
  JsonArray *items = json_array_new ();
  guint n[AUTHFLOW_CHECK_STATE_SKIPPED + 1] = { 0 };

  g_return_val_if_fail (AUTHFLOW_IS_CHECK (self), NULL);

  json_object_set_int_member (report, "version", AUTHFLOW_CHECK_REPORT_VERSION);
  json_object_set_string_member (backend, "id", authflow_profile_get_id (self->profile));
  json_object_set_string_member (backend, "name", authflow_profile_get_name (self->profile));
  json_object_set_string_member (backend, "url", self->base_url);
  json_object_set_object_member (report, "backend", backend);
  _authflow_check_set_string_or_null (report, "username", self->username);
  json_object_set_boolean_member (report, "signUp", self->sign_up);
  json_object_set_string_member (report, "outcome", authflow_check_state_to_string (authflow_check_get_outcome (self)));

  count_states (self, n);
  for (AuthflowCheckState state = AUTHFLOW_CHECK_STATE_PASS; state <= AUTHFLOW_CHECK_STATE_SKIPPED; state++)
    json_object_set_int_member (counts, authflow_check_state_to_string (state), n[state]);
  json_object_set_object_member (report, "counts", counts);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->items)); i++)
    {
      g_autoptr(AuthflowCheckItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      json_array_add_element (items, authflow_check_item_to_json (item));
    }
  json_object_set_array_member (report, "items", items);

  root = json_node_init_object (json_node_alloc (), report);

  return authflow_journal_redact_json (root,
                                       (const char * const *) self->tokens->pdata,
                                       (const char * const *) self->passwords->pdata);
}
