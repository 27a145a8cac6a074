// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-flow"

#include "config.h"

#include "authflow-flow-private.h"

/* The flow: the object and its verbs — log in, sign up, update user, log
 * out. Pages call these and never touch
 * the session themselves; the navigation controller follows the session's
 * state.
 *
 * The rest of the flow is in five files beside this one: the calls on
 * protected APIs in authflow-flow-calls.c, the renewal of the tokens in
 * authflow-flow-renewal.c, what happens while the server is out of reach
 * in authflow-flow-connectivity.c, the keyring (and the restore at
 * start-up) in authflow-flow-keyring.c, and the flow's part of fault
 * injection in authflow-flow-faults.c.
 */

G_DEFINE_FINAL_TYPE (AuthflowFlow, authflow_flow, G_TYPE_OBJECT)
G_DEFINE_QUARK (authflow-flow-error-quark, authflow_flow_error)

static GParamSpec *properties [N_PROPS];

/* For the other files of the flow, which do not see properties[]. */
void
_authflow_flow_notify (AuthflowFlow *self,
                       guint         prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties [prop_id]);
}

void
_authflow_flow_set_string_property (AuthflowFlow  *self,
                                    char         **field,
                                    const char    *value,
                                    guint          prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties [prop]);
}

static void
authflow_flow_dispose (GObject *object)
{
  AuthflowFlow *self = (AuthflowFlow *)object;

  g_cancellable_cancel (self->cancellable);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, _authflow_flow_persist_changed_cb, self);

  g_clear_handle_id (&self->check_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  _authflow_flow_unwatch_connectivity (self);
  _authflow_flow_unwatch_faults (self);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);

  g_clear_object (&self->session);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->journal);
  g_clear_object (&self->faults);

  G_OBJECT_CLASS (authflow_flow_parent_class)->dispose (object);
}

static void
authflow_flow_finalize (GObject *object)
{
  AuthflowFlow *self = (AuthflowFlow *)object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->keyring_problem, g_free);
  g_clear_pointer (&self->offline_problem, g_free);
  g_clear_pointer (&self->sign_out_reason, g_free);
  g_clear_pointer (&self->last_username, g_free);
  g_clear_pointer (&self->refresh_sent, g_free);
  g_clear_pointer (&self->refresh_replaces, g_free);
  g_clear_pointer (&self->tokens_received, g_date_time_unref);
  g_clear_pointer (&self->next_refresh, g_date_time_unref);
  g_clear_pointer (&self->refresh_waiters, g_ptr_array_unref);
  g_clear_pointer (&self->logged_out_values, g_hash_table_unref);

  G_OBJECT_CLASS (authflow_flow_parent_class)->finalize (object);
}

static const char *
state_name (AuthflowSessionState state)
{
  switch (state)
    {
    case AUTHFLOW_SESSION_STATE_RESTORING:
      return "restoring";
    case AUTHFLOW_SESSION_STATE_SIGNED_IN:
      return "signed-in";
    case AUTHFLOW_SESSION_STATE_SIGNED_OUT:
    default:
      return "signed-out";
    }
}

/* Each change of the session's state, with the reason the verb that made
 * it gave (_authflow_flow_say_why()).
 */
static void
state_changed_cb (AuthflowFlow *self)
{
  AuthflowSessionState state = authflow_session_get_state (self->session);
  const char *reason = self->state_reason;
  JsonObject *details;

  if (state == self->journal_state)
    return;

  if (reason == NULL)
    reason = state == AUTHFLOW_SESSION_STATE_RESTORING ? "the backend changed" : "";

  details = json_object_new ();
  json_object_set_string_member (details, "from", state_name (self->journal_state));
  json_object_set_string_member (details, "to", state_name (state));
  json_object_set_string_member (details, "reason", reason);
  authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_SESSION, "state", self->state_step, -1, details,
                           "%s: %s", state == AUTHFLOW_SESSION_STATE_SIGNED_IN ? "Signed in" :
                                     state == AUTHFLOW_SESSION_STATE_SIGNED_OUT ? "Signed out" : "Restoring",
                           reason[0] != '\0' ? reason : state_name (state));

  self->journal_state = state;
  self->state_reason = NULL;
  self->state_step = AUTHFLOW_JOURNAL_STEP_NONE;
}

/* Says why the session's state is about to change, for the journal: the
 * step of the flow and a few words.
 */
void
_authflow_flow_say_why (AuthflowFlow        *self,
                        AuthflowJournalStep  step,
                        const char          *reason)
{
  self->state_step = step;
  self->state_reason = reason;
}

/* The expiry of the tokens the session just took: when, from where, and
 * the server's clock it was read by.
 */
void
_authflow_flow_record_expiry (AuthflowFlow *self,
                              const char   *source)
{
  GDateTime *expiry = authflow_session_get_expiry (self->session);
  g_autoptr(GDateTime) issued = NULL;
  g_autofree char *expires_at = NULL;
  JsonObject *details;

  if (self->journal == NULL)
    return;

  details = json_object_new ();
  json_object_set_string_member (details, "source", expiry != NULL && source != NULL ? source : "none");
  json_object_set_int_member (details, "clockOffsetMs", authflow_client_get_clock_offset (self->client) / 1000);

  if (expiry == NULL)
    {
      authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_TOKEN, "expiry", AUTHFLOW_JOURNAL_STEP_NONE, -1,
                               details, "The tokens have no expiry: they are renewed on a 401 only");
      return;
    }

  expires_at = g_date_time_format_iso8601 (expiry);
  json_object_set_string_member (details, "expiresAt", expires_at);
  if (self->tokens_received != NULL)
    json_object_set_int_member (details, "lifetimeS",
                                g_date_time_difference (expiry, self->tokens_received) / G_TIME_SPAN_SECOND);
  authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_TOKEN, "expiry", AUTHFLOW_JOURNAL_STEP_NONE, -1,
                           details, "The access token expires at %s (from the %s)", expires_at,
                           g_strcmp0 (source, "jwt") == 0 ? "token’s exp claim" :
                           g_strcmp0 (source, "stored") == 0 ? "stored session" :
                           g_strcmp0 (source, "fault") == 0 ? "injected expire-token fault" : "answer");
}

static void
profile_changed_cb (AuthflowFlow *self)
{
  authflow_session_store_set_profile (self->store,
                                      authflow_profile_get_id (authflow_client_get_profile (self->client)));
}

static void
authflow_flow_constructed (GObject *object)
{
  AuthflowFlow *self = (AuthflowFlow *)object;

  G_OBJECT_CLASS (authflow_flow_parent_class)->constructed (object);

  g_assert (AUTHFLOW_IS_CLIENT (self->client));
  g_assert (AUTHFLOW_IS_SESSION_STORE (self->store));

  g_signal_connect_object (self->store, "notify::persist",
                           G_CALLBACK (_authflow_flow_persist_changed_cb), self,
                           G_CONNECT_SWAPPED);

  /* A stored session is the backend profile's and the URL's. */
  g_signal_connect_object (self->client, "notify::profile",
                           G_CALLBACK (profile_changed_cb), self,
                           G_CONNECT_SWAPPED);
  profile_changed_cb (self);

  self->journal_state = authflow_session_get_state (self->session);
  g_signal_connect_swapped (self->session, "notify::state", G_CALLBACK (state_changed_cb), self);

  _authflow_flow_watch_connectivity (self);
  _authflow_flow_watch_faults (self);
}

static void
authflow_flow_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  AuthflowFlow *self = AUTHFLOW_FLOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;

    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_KEYRING_PROBLEM:
      g_value_set_string (value, self->keyring_problem);
      break;

    case PROP_OFFLINE_PROBLEM:
      g_value_set_string (value, self->offline_problem);
      break;

    case PROP_SIGN_OUT_REASON:
      g_value_set_string (value, self->sign_out_reason);
      break;

    case PROP_LAST_USERNAME:
      g_value_set_string (value, self->last_username);
      break;

    case PROP_NEXT_REFRESH:
      g_value_set_boxed (value, self->next_refresh);
      break;

    case PROP_REFRESH_COUNT:
      g_value_set_uint (value, self->refresh_count);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_flow_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  AuthflowFlow *self = AUTHFLOW_FLOW (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;

    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_flow_class_init (AuthflowFlowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authflow_flow_dispose;
  object_class->finalize = authflow_flow_finalize;
  object_class->constructed = authflow_flow_constructed;
  object_class->get_property = authflow_flow_get_property;
  object_class->set_property = authflow_flow_set_property;

  properties [PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         AUTHFLOW_TYPE_SESSION,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties [PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         AUTHFLOW_TYPE_CLIENT,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties [PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         AUTHFLOW_TYPE_SESSION_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /* Why the session will not be remembered, in words for the person using
   * the app, or %NULL while the keyring works.
   */
  properties [PROP_KEYRING_PROBLEM] =
    g_param_spec_string ("keyring-problem", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Why the server cannot be reached, for the person, or %NULL. The app
   * keeps trying, and the session is kept meanwhile.
   */
  properties [PROP_OFFLINE_PROBLEM] =
    g_param_spec_string ("offline-problem", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Why the session ended when the person did not log out themselves. */
  properties [PROP_SIGN_OUT_REASON] =
    g_param_spec_string ("sign-out-reason", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Who was signed in last, to fill in the Log In form again. */
  properties [PROP_LAST_USERNAME] =
    g_param_spec_string ("last-username", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* When the tokens will be renewed ahead of their expiry, if they will. */
  properties [PROP_NEXT_REFRESH] =
    g_param_spec_boxed ("next-refresh", NULL, NULL, G_TYPE_DATE_TIME,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* How many times the tokens were renewed in this run. */
  properties [PROP_REFRESH_COUNT] =
    g_param_spec_uint ("refresh-count", NULL, NULL, 0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authflow_flow_init (AuthflowFlow *self)
{
  self->session = authflow_session_new ();
  self->faults = authflow_faults_new ();
  self->cancellable = g_cancellable_new ();
  self->refresh_waiters = g_ptr_array_new ();
  self->backoff = 1;
}

AuthflowFlow *
authflow_flow_new (AuthflowClient       *client,
                   AuthflowSessionStore *store)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (client), NULL);
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (store), NULL);

  return g_object_new (AUTHFLOW_TYPE_FLOW,
                       "client", client,
                       "store", store,
                       NULL);
}

/**
 * authflow_flow_shutdown:
 *
 * Stops everything the flow has under way or scheduled: calls, renewals,
 * retries. The calls in flight hold references on the flow, so releasing it
 * alone would let them run on; the owner calls this first.
 */
void
authflow_flow_shutdown (AuthflowFlow *self)
{
  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->check_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
}

/**
 * authflow_flow_get_journal:
 *
 * Returns: (transfer none) (nullable): where the flow, its client and its
 *   store write every step
 */
AuthflowJournal *
authflow_flow_get_journal (AuthflowFlow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);

  return self->journal;
}

/**
 * authflow_flow_set_journal:
 * @journal: (nullable): the journal, or %NULL to record nothing
 *
 * Has the flow, its client, its store and its faults write every step
 * to @journal.
 */
void
authflow_flow_set_journal (AuthflowFlow    *self,
                           AuthflowJournal *journal)
{
  g_return_if_fail (AUTHFLOW_IS_FLOW (self));
  g_return_if_fail (journal == NULL || AUTHFLOW_IS_JOURNAL (journal));

  g_set_object (&self->journal, journal);
  authflow_client_set_journal (self->client, journal);
  authflow_session_store_set_journal (self->store, journal);
  authflow_faults_set_journal (self->faults, journal);
}

/**
 * authflow_flow_get_faults:
 *
 * Returns: (transfer none): the faults injected into the flow, its client
 *   and its store
 */
AuthflowFaults *
authflow_flow_get_faults (AuthflowFlow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);

  return self->faults;
}

/**
 * authflow_flow_get_session:
 *
 * Returns: (transfer none): the Authenticated User
 */
AuthflowSession *
authflow_flow_get_session (AuthflowFlow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);

  return self->session;
}

/**
 * authflow_flow_get_client:
 *
 * Returns: (transfer none): the API client
 */
AuthflowClient *
authflow_flow_get_client (AuthflowFlow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);

  return self->client;
}

/**
 * authflow_flow_get_store:
 *
 * Returns: (transfer none): the session store
 */
AuthflowSessionStore *
authflow_flow_get_store (AuthflowFlow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);

  return self->store;
}

const char *
authflow_flow_get_keyring_problem (AuthflowFlow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);

  return self->keyring_problem;
}

const char *
authflow_flow_get_offline_problem (AuthflowFlow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);

  return self->offline_problem;
}

const char *
authflow_flow_get_sign_out_reason (AuthflowFlow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);

  return self->sign_out_reason;
}

const char *
authflow_flow_get_last_username (AuthflowFlow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);

  return self->last_username;
}

/**
 * authflow_flow_get_next_refresh:
 *
 * Returns: (transfer none) (nullable): when the tokens will be renewed
 */
GDateTime *
authflow_flow_get_next_refresh (AuthflowFlow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);

  return self->next_refresh;
}

guint
authflow_flow_get_refresh_count (AuthflowFlow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), 0);

  return self->refresh_count;
}

/**
 * authflow_flow_set_time_func:
 * @func: (nullable): the wall clock, or %NULL for the real one
 *
 * Replaces the wall clock. Only tests use this: a test cannot move the
 * machine's clock to see that a jump past expiry is noticed. An injected
 * clock skew or suspend (see #AuthflowFaults) is added to this clock.
 */
void
authflow_flow_set_time_func (AuthflowFlow     *self,
                             AuthflowTimeFunc  func,
                             gpointer          user_data)
{
  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  self->time_func = func;
  self->time_data = user_data;
}

/**
 * authflow_flow_dup_now:
 *
 * Returns: (transfer full): the time now on the server's clock: the wall
 *   clock corrected by what the server's Date header said
 */
GDateTime *
authflow_flow_dup_now (AuthflowFlow *self)
{
  gint64 usec;
  g_autoptr(GDateTime) seconds = NULL;

  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);

  usec = self->time_func ? self->time_func (self->time_data) : g_get_real_time ();
  usec += authflow_faults_get_clock_offset (self->faults);
  usec += authflow_client_get_clock_offset (self->client);
  seconds = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  return g_date_time_add (seconds, usec % G_USEC_PER_SEC);
}

/* What the person logs in with, as the user data has it: the username, or
 * the email for a backend that logs in by email.
 */
const char *
_authflow_flow_get_login_identifier (AuthflowFlow *self,
                                     AuthflowUser *user)
{
  AuthflowProfile *profile = authflow_client_get_profile (self->client);

  if (user == NULL)
    return NULL;

  if (authflow_profile_get_login_identifier (profile) == AUTHFLOW_PROFILE_IDENTIFIER_EMAIL)
    return authflow_user_get_email (user);

  return authflow_user_get_username (user);
}

/* Adds the session's values that a call's templates may use besides the
 * tokens, where @values has none of its own: `{{uid}}`, and the user's
 * `{{username}}` and (@with_email) `{{email}}`, each when it is known.
 * The keys are static strings; the values are copies.
 */
void
_authflow_flow_add_session_values (GHashTable      *values,
                                   AuthflowSession *session,
                                   gboolean         with_email)
{
  AuthflowUser *user = authflow_session_get_user (session);
  const struct
  {
    const char *name;
    const char *value;
  } known[] = {
    { "uid", authflow_session_get_uid (session) },
    { "username", user != NULL ? authflow_user_get_username (user) : NULL },
    { "email", with_email && user != NULL ? authflow_user_get_email (user) : NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (known[i].value != NULL && known[i].value[0] != '\0' &&
        !g_hash_table_contains (values, known[i].name))
      g_hash_table_replace (values, (gpointer) known[i].name, g_strdup (known[i].value));
}

/* The session's values, as _authflow_flow_add_session_values() adds them,
 * in a table of their own.
 */
GHashTable *
_authflow_flow_new_session_values (AuthflowSession *session)
{
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  _authflow_flow_add_session_values (values, session, TRUE);

  return values;
}

static void
sign_in_from_result (AuthflowFlow       *self,
                     AuthflowAuthResult *auth,
                     GTask              *task)
{
  g_clear_pointer (&self->tokens_received, g_date_time_unref);
  self->tokens_received = authflow_flow_dup_now (self);
  _authflow_flow_set_string_property (self, &self->sign_out_reason, NULL, PROP_SIGN_OUT_REASON);
  _authflow_flow_set_string_property (self, &self->last_username,
                                      _authflow_flow_get_login_identifier (self, auth->user),
                                      PROP_LAST_USERNAME);
  _authflow_flow_set_online (self);

  _authflow_flow_say_why (self, AUTHFLOW_JOURNAL_STEP_LOG_IN,
                          g_task_get_source_tag (task) == authflow_flow_log_in_async ? "logged in" : "signed up");
  authflow_session_sign_in (self->session,
                            auth->access_token,
                            auth->refresh_token,
                            auth->expiry,
                            auth->uid,
                            auth->user);
  _authflow_flow_record_expiry (self, authflow_expiry_source_to_string (auth->expiry_source));
  authflow_flow_check_schedule (self);

  /* Signed in is signed in: a cancel that comes while the keyring is being
   * written must not make the caller believe the login failed.
   */
  g_task_set_check_cancellable (task, FALSE);
  _authflow_flow_save_session (self, task);
}

static void
auth_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  AuthflowClient *client = AUTHFLOW_CLIENT (object);
  g_autoptr(GTask) task = user_data;
  AuthflowFlow *self = g_task_get_source_object (task);
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;

  if (g_task_get_source_tag (task) == authflow_flow_log_in_async)
    auth = authflow_client_log_in_finish (client, result, &error);
  else
    auth = authflow_client_sign_up_finish (client, result, &error);

  if (auth == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    sign_in_from_result (self, auth, g_steal_pointer (&task));
}

/**
 * authflow_flow_log_in_async:
 *
 * The API call to the backend's login, then the "Log in" action: on success
 * the session is signed in and stored. Completes once the keyring has the
 * session (or has failed to take it).
 */
void
authflow_flow_log_in_async (AuthflowFlow        *self,
                            const char          *username,
                            const char          *password,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AUTHFLOW_IS_FLOW (self));
  g_return_if_fail (username != NULL);
  g_return_if_fail (password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_flow_log_in_async);

  authflow_client_log_in_async (self->client, username, password, cancellable,
                                auth_cb, task);
}

gboolean
authflow_flow_log_in_finish (AuthflowFlow  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * authflow_flow_sign_up_async:
 *
 * Creates the account and, like a login, signs the new user in.
 */
void
authflow_flow_sign_up_async (AuthflowFlow        *self,
                             const char          *username,
                             const char          *email,
                             const char          *password,
                             const char          *first_name,
                             const char          *last_name,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_flow_sign_up_async);

  authflow_client_sign_up_async (self->client, username, email, password,
                                 first_name, last_name, cancellable,
                                 auth_cb, task);
}

gboolean
authflow_flow_sign_up_finish (AuthflowFlow  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * authflow_flow_update_user:
 *
 * The "Update Authenticated User" action: the session takes @user and the
 * keyring is brought up to date.
 */
void
authflow_flow_update_user (AuthflowFlow *self,
                           AuthflowUser *user)
{
  g_return_if_fail (AUTHFLOW_IS_FLOW (self));
  g_return_if_fail (AUTHFLOW_IS_USER (user));
  g_return_if_fail (authflow_session_get_state (self->session) == AUTHFLOW_SESSION_STATE_SIGNED_IN);

  authflow_session_update_user (self->session, user);
  _authflow_flow_save_session (self, NULL);
}

typedef struct
{
  guint pending;
} LogOut;

static void
log_out_step_done (GTask *task)
{
  LogOut *log_out = g_task_get_task_data (task);

  if (--log_out->pending == 0)
    g_task_return_boolean (task, TRUE);

  g_object_unref (task);
}

static void
log_out_server_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Best effort: the person is logged out here whatever the server says. */
  if (!authflow_client_log_out_finish (AUTHFLOW_CLIENT (object), result, &error))
    g_debug ("The server's logout failed: %s", error->message);

  log_out_step_done (user_data);
}

static void
log_out_clear_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  AuthflowFlow *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  authflow_session_store_clear_finish (AUTHFLOW_SESSION_STORE (object), result, &error);
  _authflow_flow_note_keyring_result (self, KEYRING_CALL_CLEAR, error);
  _authflow_flow_release_application ();

  log_out_step_done (task);
}

/**
 * authflow_flow_log_out_async:
 *
 * The "Log Out" action. The session is signed out at once; the server's
 * logout (best effort, it revokes the refresh token) and the removal of the
 * keyring item run together, and the task completes when both are done.
 */
void
authflow_flow_log_out_async (AuthflowFlow        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autoptr(GHashTable) session_values = NULL;
  LogOut *log_out;
  GTask *task;

  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_flow_log_out_async);
  log_out = g_new0 (LogOut, 1);
  log_out->pending = 1;
  g_task_set_task_data (task, log_out, g_free);

  access_token = g_strdup (authflow_session_get_access_token (self->session));
  refresh_token = g_strdup (authflow_session_get_refresh_token (self->session));
  session_values = _authflow_flow_new_session_values (self->session);

  g_object_freeze_notify (G_OBJECT (self));
  _authflow_flow_set_string_property (self, &self->sign_out_reason, NULL, PROP_SIGN_OUT_REASON);
  _authflow_flow_set_string_property (self, &self->last_username, NULL, PROP_LAST_USERNAME);
  _authflow_flow_set_online (self);
  g_clear_handle_id (&self->check_id, g_source_remove);
  _authflow_flow_set_next_refresh (self, NULL);
  g_object_thaw_notify (G_OBJECT (self));

  if (self->refreshing && !self->logged_out_while_refreshing)
    {
      /* Its answer is logged out too, in refresh_cb(). */
      self->logged_out_while_refreshing = TRUE;
      g_clear_pointer (&self->logged_out_values, g_hash_table_unref);
      self->logged_out_values = g_hash_table_ref (session_values);
      _authflow_flow_hold_application ();
    }

  _authflow_flow_say_why (self, AUTHFLOW_JOURNAL_STEP_LOG_OUT, "logged out");
  authflow_session_sign_out (self->session);

  if (access_token != NULL)
    {
      log_out->pending++;
      authflow_client_log_out_async (self->client, access_token, refresh_token, session_values,
                                     cancellable, log_out_server_cb, g_object_ref (task));
    }

  _authflow_flow_hold_application ();
  authflow_session_store_clear_async (self->store, cancellable,
                                      log_out_clear_cb, task);
}

gboolean
authflow_flow_log_out_finish (AuthflowFlow  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * authflow_flow_forget_session:
 *
 * Lets go of the session here, without logging out and without touching
 * the keyring, and goes back to "restoring": the backend is about to
 * change, and its own stored session is restored next. The session left
 * behind stays in the keyring for when its backend is chosen again.
 */
void
authflow_flow_forget_session (AuthflowFlow *self)
{
  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  g_object_freeze_notify (G_OBJECT (self));
  _authflow_flow_set_string_property (self, &self->sign_out_reason, NULL, PROP_SIGN_OUT_REASON);
  _authflow_flow_set_string_property (self, &self->last_username, NULL, PROP_LAST_USERNAME);
  _authflow_flow_set_online (self);
  g_clear_handle_id (&self->check_id, g_source_remove);
  _authflow_flow_set_next_refresh (self, NULL);
  g_object_thaw_notify (G_OBJECT (self));

  _authflow_flow_say_why (self, AUTHFLOW_JOURNAL_STEP_NONE, "the backend changed");
  authflow_session_reset (self->session);
}
