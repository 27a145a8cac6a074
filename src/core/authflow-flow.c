// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-flow"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "authflow-flow.h"
#include "authflow-jwt.h"

/* The verbs of the flow — API call, log in, update user, log out — and the
 * restore at start-up. Pages call these and never touch the session
 * themselves; the navigation controller follows the session's state.
 *
 * The keyring is a convenience, never a gate: when it fails the person stays
 * signed in for this run, and "keyring-problem" says why the session will
 * not be remembered.
 */

/* Which keyring call failed last, so that Try Again repeats that one. */
typedef enum
{
  KEYRING_CALL_NONE,
  KEYRING_CALL_LOAD,
  KEYRING_CALL_SAVE,
  KEYRING_CALL_CLEAR,
} KeyringCall;

struct _AuthflowFlow
{
  GObject               parent_instance;

  AuthflowSession      *session;
  AuthflowClient       *client;
  AuthflowSessionStore *store;
  GCancellable         *cancellable;
  char                 *keyring_problem;
  KeyringCall           failed_call;

  /* The token lifecycle. One refresh at a time: every call that needs new
   * tokens while one runs waits for that one.
   */
  gboolean              refreshing;
  char                 *refresh_sent;
  /* A log-out came while the refresh was out: what it answers belongs to
   * the session that ended, and must be logged out too.
   */
  gboolean              logged_out_while_refreshing;
  gint64                last_refresh;
  GPtrArray            *refresh_waiters;
  guint                 refresh_count;
  GDateTime            *tokens_received;
  GDateTime            *next_refresh;
  guint                 check_id;

  /* The server cannot be reached: why, and when to try again. */
  char                 *offline_problem;
  guint                 retry_id;
  guint                 backoff;

  char                 *sign_out_reason;
  char                 *last_username;

  AuthflowTimeFunc      time_func;
  gpointer              time_data;

  GNetworkMonitor      *network_monitor;
  GDBusConnection      *system_bus;
  guint                 sleep_subscription;
};

G_DEFINE_FINAL_TYPE (AuthflowFlow, authflow_flow, G_TYPE_OBJECT)
G_DEFINE_QUARK (authflow-flow-error-quark, authflow_flow_error)

/* Refresh ahead of expiry by a tenth of the token's lifetime, at most a
 * minute; look at the wall clock again at least this often, so that a
 * clock that jumped (a suspend, an NTP correction) is noticed soon.
 */
#define MAX_REFRESH_MARGIN_S 60
#define MAX_CHECK_INTERVAL_S 10
#define MAX_BACKOFF_S        60

/* However short-lived the tokens (or however wrong their expiry), the flow
 * renews at most once a second rather than hammering the server.
 */
#define MIN_REFRESH_INTERVAL_US G_USEC_PER_SEC

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CLIENT,
  PROP_STORE,
  PROP_KEYRING_PROBLEM,
  PROP_OFFLINE_PROBLEM,
  PROP_SIGN_OUT_REASON,
  PROP_LAST_USERNAME,
  PROP_NEXT_REFRESH,
  PROP_REFRESH_COUNT,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void
set_keyring_problem (AuthflowFlow *self,
                     const char   *problem)
{
  if (g_strcmp0 (self->keyring_problem, problem) == 0)
    return;

  g_free (self->keyring_problem);
  self->keyring_problem = g_strdup (problem);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_KEYRING_PROBLEM]);
}

/* Records how a keyring call went; a cancelled call says nothing. */
static void
note_keyring_result (AuthflowFlow *self,
                     KeyringCall   call,
                     const GError *error)
{
  g_autofree char *problem = NULL;

  if (error == NULL)
    {
      self->failed_call = KEYRING_CALL_NONE;
      set_keyring_problem (self, NULL);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->failed_call = call;

  /* A removal fails that way only when there was something to remove. */
  if (call == KEYRING_CALL_CLEAR &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    /* Translators: %s says what is wrong with the keyring, e.g. "The system
     * keyring stayed locked".
     */
    problem = g_strdup_printf (_("%s, so the saved session could not be removed from it."),
                               error->message);
  else
    /* Translators: %s says what is wrong with the keyring, e.g. "The system
     * keyring is not available".
     */
    problem = g_strdup_printf (_("%s, so your session will not be remembered after Authflow closes."),
                               error->message);
  set_keyring_problem (self, problem);
}

/* A keyring write that is under way when the person quits must still land,
 * or the next start would not find the session (or find a removed one):
 * the application stays up until it is done.
 */
static void
hold_application (void)
{
  GApplication *app = g_application_get_default ();

  if (app != NULL)
    g_application_hold (app);
}

static void
release_application (void)
{
  GApplication *app = g_application_get_default ();

  if (app != NULL)
    g_application_release (app);
}

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  AuthflowSessionStore *store = AUTHFLOW_SESSION_STORE (object);
  g_autoptr(GTask) task = user_data;
  AuthflowFlow *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  authflow_session_store_save_finish (store, result, &error);
  note_keyring_result (self, KEYRING_CALL_SAVE, error);
  release_application ();

  g_task_return_boolean (task, TRUE);
}

/* Stores the session; @task, if any, is completed when the keyring is done,
 * successful either way: the session is signed in whatever the keyring says.
 */
static void
save_session (AuthflowFlow *self,
              GTask        *task)
{
  if (task == NULL)
    task = g_task_new (self, self->cancellable, NULL, NULL);

  hold_application ();
  authflow_session_store_save_async (self->store, self->session, self->cancellable,
                                     save_cb, task);
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  AuthflowSessionStore *store = AUTHFLOW_SESSION_STORE (object);
  g_autoptr(AuthflowFlow) self = user_data;
  g_autoptr(GError) error = NULL;

  authflow_session_store_clear_finish (store, result, &error);
  note_keyring_result (self, KEYRING_CALL_CLEAR, error);
  release_application ();
}

static void
clear_stored (AuthflowFlow *self)
{
  hold_application ();
  authflow_session_store_clear_async (self->store, self->cancellable, clear_cb,
                                      g_object_ref (self));
}

static void
persist_changed_cb (AuthflowFlow         *self,
                    GParamSpec           *pspec,
                    AuthflowSessionStore *store)
{
  if (authflow_session_get_state (self->session) == AUTHFLOW_SESSION_STATE_SIGNED_IN)
    save_session (self, NULL);
  else if (!authflow_session_store_get_persist (store))
    clear_stored (self);
}

static void
network_changed_cb (AuthflowFlow *self,
                    gboolean      available)
{
  if (!available)
    return;

  /* The network is back: try at once rather than when the backoff says. */
  if (self->offline_problem != NULL)
    authflow_flow_retry_now (self);
  else
    authflow_flow_check_schedule (self);
}

static void
prepare_for_sleep_cb (GDBusConnection *connection,
                      const char      *sender,
                      const char      *object_path,
                      const char      *interface,
                      const char      *signal,
                      GVariant        *parameters,
                      gpointer         user_data)
{
  AuthflowFlow *self = user_data;
  gboolean going_to_sleep = FALSE;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;

  /* On resume the timers know nothing of the time spent asleep: the wall
   * clock says whether the tokens are due.
   */
  g_variant_get (parameters, "(b)", &going_to_sleep);
  if (!going_to_sleep)
    authflow_flow_check_schedule (self);
}

static void
system_bus_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(AuthflowFlow) self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus;

  /* No system bus (a container, a test): no resume signal, and the
   * periodic look at the wall clock still catches up.
   */
  if (!(bus = g_bus_get_finish (result, &error)))
    {
      g_debug ("No system bus, so no resume signal: %s", error->message);
      return;
    }

  if (g_cancellable_is_cancelled (self->cancellable))
    {
      g_object_unref (bus);
      return;
    }

  self->system_bus = bus;
  self->sleep_subscription =
    g_dbus_connection_signal_subscribe (bus,
                                        "org.freedesktop.login1",
                                        "org.freedesktop.login1.Manager",
                                        "PrepareForSleep",
                                        "/org/freedesktop/login1",
                                        NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE,
                                        prepare_for_sleep_cb,
                                        self, NULL);
}

static void
authflow_flow_dispose (GObject *object)
{
  AuthflowFlow *self = (AuthflowFlow *)object;

  g_cancellable_cancel (self->cancellable);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, persist_changed_cb, self);

  g_clear_handle_id (&self->check_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->network_monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->network_monitor, self);
  g_clear_object (&self->network_monitor);
  if (self->sleep_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_subscription);
  self->sleep_subscription = 0;
  g_clear_object (&self->system_bus);

  g_clear_object (&self->session);
  g_clear_object (&self->client);
  g_clear_object (&self->store);

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
  g_clear_pointer (&self->tokens_received, g_date_time_unref);
  g_clear_pointer (&self->next_refresh, g_date_time_unref);
  g_clear_pointer (&self->refresh_waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (authflow_flow_parent_class)->finalize (object);
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
                           G_CALLBACK (persist_changed_cb), self,
                           G_CONNECT_SWAPPED);

  /* A stored session is the backend profile's and the URL's. */
  g_signal_connect_object (self->client, "notify::profile",
                           G_CALLBACK (profile_changed_cb), self,
                           G_CONNECT_SWAPPED);
  profile_changed_cb (self);

  self->network_monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect_swapped (self->network_monitor, "network-changed",
                            G_CALLBACK (network_changed_cb), self);

  g_bus_get (G_BUS_TYPE_SYSTEM, self->cancellable, system_bus_cb, g_object_ref (self));
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

static void
set_string_property (AuthflowFlow  *self,
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
 * machine's clock to see that a jump past expiry is noticed.
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
  usec += authflow_client_get_clock_offset (self->client);
  seconds = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  return g_date_time_add (seconds, usec % G_USEC_PER_SEC);
}

static void
set_next_refresh (AuthflowFlow *self,
                  GDateTime    *next_refresh)
{
  if (self->next_refresh == next_refresh ||
      (self->next_refresh != NULL && next_refresh != NULL &&
       g_date_time_equal (self->next_refresh, next_refresh)))
    return;

  g_clear_pointer (&self->next_refresh, g_date_time_unref);
  self->next_refresh = next_refresh ? g_date_time_ref (next_refresh) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_NEXT_REFRESH]);
}

static void start_refresh (AuthflowFlow *self);

/* Whether the session can be renewed at all: a refresh token, and a
 * backend that offers a refresh.
 */
static gboolean
can_refresh (AuthflowFlow *self)
{
  return authflow_session_get_refresh_token (self->session) != NULL &&
         authflow_client_has_call (self->client, AUTHFLOW_PROFILE_CALL_REFRESH);
}
static void schedule_retry (AuthflowFlow *self);

static gboolean
check_cb (gpointer data)
{
  AuthflowFlow *self = data;

  self->check_id = 0;
  authflow_flow_check_schedule (self);

  return G_SOURCE_REMOVE;
}

/* When the current tokens were issued: the JWT's iat if it has one, else
 * when the app received them.
 */
static GDateTime *
dup_tokens_issued (AuthflowFlow *self)
{
  g_autoptr(JsonObject) claims = NULL;
  JsonNode *iat;

  claims = authflow_jwt_decode_claims (authflow_session_get_access_token (self->session), NULL);
  if (claims != NULL && (iat = json_object_get_member (claims, "iat")) != NULL &&
      JSON_NODE_HOLDS_VALUE (iat) && json_node_get_value_type (iat) == G_TYPE_INT64 &&
      json_node_get_int (iat) > 0 && json_node_get_int (iat) < 253402300799)
    return g_date_time_new_from_unix_utc (json_node_get_int (iat));

  return self->tokens_received ? g_date_time_ref (self->tokens_received) : NULL;
}

/**
 * authflow_flow_check_schedule:
 *
 * Looks at the clock and renews the tokens if they are due. The flow does
 * this by itself, on a timer that re-reads the wall clock, after a resume
 * from suspend and when the network comes back.
 */
void
authflow_flow_check_schedule (AuthflowFlow *self)
{
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) issued = NULL;
  g_autoptr(GDateTime) due = NULL;
  GDateTime *expiry;
  GTimeSpan lifetime, margin, wait;

  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  g_clear_handle_id (&self->check_id, g_source_remove);

  expiry = authflow_session_get_expiry (self->session);
  if (authflow_session_get_state (self->session) != AUTHFLOW_SESSION_STATE_SIGNED_IN ||
      expiry == NULL)
    {
      set_next_refresh (self, NULL);
      return;
    }

  now = authflow_flow_dup_now (self);

  /* A session that can never be renewed ends at its expiry, as one whose
   * renewal the server refused: nothing it holds works any longer. That
   * goes for a stored one found expired at start-up too.
   */
  if (!can_refresh (self))
    {
      set_next_refresh (self, NULL);
      wait = g_date_time_difference (expiry, now);
      if (wait <= 0)
        {
          start_refresh (self);
          return;
        }

      wait = MIN (wait, MAX_CHECK_INTERVAL_S * G_TIME_SPAN_SECOND);
      self->check_id = g_timeout_add (MAX (wait / 1000, 1), check_cb, self);
      return;
    }

  issued = dup_tokens_issued (self);
  lifetime = issued ? g_date_time_difference (expiry, issued) : 0;
  margin = CLAMP (lifetime / 10, 0, MAX_REFRESH_MARGIN_S * G_TIME_SPAN_SECOND);
  due = g_date_time_add (expiry, -margin);

  /* Tokens that were due the moment they arrived (a backend that answers
   * expires_in 0, or an exp that the Date header could not correct) are not
   * renewed ahead of time: each renewal would bring the same, and the flow
   * would renew forever. A 401 still renews them.
   */
  if (self->tokens_received != NULL && g_date_time_compare (due, self->tokens_received) <= 0)
    {
      set_next_refresh (self, NULL);
      return;
    }

  set_next_refresh (self, due);

  wait = g_date_time_difference (due, now);
  if (wait <= 0 && self->last_refresh != 0 &&
      g_get_monotonic_time () - self->last_refresh < MIN_REFRESH_INTERVAL_US)
    wait = MIN_REFRESH_INTERVAL_US - (g_get_monotonic_time () - self->last_refresh);
  else if (wait <= 0)
    {
      /* While offline, the backoff decides when to try again. */
      if (self->retry_id == 0)
        start_refresh (self);
      return;
    }

  wait = MIN (wait, MAX_CHECK_INTERVAL_S * G_TIME_SPAN_SECOND);
  self->check_id = g_timeout_add (MAX (wait / 1000, 1), check_cb, self);
}

static gboolean
is_transient (const GError *error)
{
  return g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK) ||
         g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_SERVER) ||
         g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_TOO_MANY_ATTEMPTS) ||
         g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_BAD_ANSWER);
}

static void
set_offline (AuthflowFlow *self,
             const GError *error)
{
  set_string_property (self, &self->offline_problem, error->message, PROP_OFFLINE_PROBLEM);
  schedule_retry (self);
}

static void
set_online (AuthflowFlow *self)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->backoff = 1;
  set_string_property (self, &self->offline_problem, NULL, PROP_OFFLINE_PROBLEM);
}

static void
probe_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(AuthflowUser) user = NULL;
  g_autoptr(GError) error = NULL;

  /* Success and failure are both handled on the way: online again, or
   * another retry scheduled.
   */
  if (!(user = authflow_flow_fetch_user_finish (AUTHFLOW_FLOW (object), result, &error)))
    g_debug ("The server is still out of reach: %s", error->message);
}

static gboolean
retry_cb (gpointer data)
{
  AuthflowFlow *self = data;

  self->retry_id = 0;
  authflow_flow_retry_now (self);

  return G_SOURCE_REMOVE;
}

/* Tries again later, each time twice as late up to a minute, and never
 * sooner than the server asked with Retry-After.
 */
static void
schedule_retry (AuthflowFlow *self)
{
  guint delay;

  if (self->retry_id != 0)
    return;

  delay = MAX (self->backoff, authflow_client_get_retry_after (self->client));
  self->backoff = MIN (self->backoff * 2, MAX_BACKOFF_S);
  g_debug ("Trying the server again in %u s", delay);
  self->retry_id = g_timeout_add_seconds (delay, retry_cb, self);
}

/**
 * authflow_flow_retry_now:
 *
 * Tries the server again at once, as when the network comes back: renews
 * the tokens if they are due, else fetches the user.
 */
void
authflow_flow_retry_now (AuthflowFlow *self)
{
  g_autoptr(GDateTime) now = NULL;

  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  g_clear_handle_id (&self->retry_id, g_source_remove);

  if (authflow_session_get_state (self->session) != AUTHFLOW_SESSION_STATE_SIGNED_IN)
    {
      set_online (self);
      return;
    }

  now = authflow_flow_dup_now (self);
  if (self->next_refresh != NULL && g_date_time_compare (now, self->next_refresh) >= 0)
    start_refresh (self);
  else if (authflow_client_has_call (self->client, AUTHFLOW_PROFILE_CALL_ME))
    authflow_flow_fetch_user_async (self, self->cancellable, probe_cb, NULL);
  else
    /* A backend without "me" has nothing harmless to ask: the notice goes,
     * and the next call tells again if the server is still out of reach.
     */
    set_online (self);
}

/* What the person logs in with, as the user data has it: the username, or
 * the email for a backend that logs in by email.
 */
static const char *
get_login_identifier (AuthflowFlow *self,
                      AuthflowUser *user)
{
  AuthflowProfile *profile = authflow_client_get_profile (self->client);

  if (user == NULL)
    return NULL;

  if (authflow_profile_get_login_identifier (profile) == AUTHFLOW_PROFILE_IDENTIFIER_EMAIL)
    return authflow_user_get_email (user);

  return authflow_user_get_username (user);
}

static void
end_session (AuthflowFlow *self,
             const char   *reason)
{
  const char *identifier = get_login_identifier (self, authflow_session_get_user (self->session));

  g_object_freeze_notify (G_OBJECT (self));
  if (identifier != NULL)
    set_string_property (self, &self->last_username, identifier, PROP_LAST_USERNAME);
  set_string_property (self, &self->sign_out_reason, reason, PROP_SIGN_OUT_REASON);
  set_online (self);
  g_clear_handle_id (&self->check_id, g_source_remove);
  set_next_refresh (self, NULL);
  g_object_thaw_notify (G_OBJECT (self));

  authflow_session_sign_out (self->session);
  clear_stored (self);
}

static void send_call (AuthflowFlow *self,
                       GTask        *task);

static void
finish_waiters (AuthflowFlow *self,
                const GError *error)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->refresh_waiters);

  self->refresh_waiters = g_ptr_array_new ();

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (error == NULL)
        {
          send_call (self, task);
        }
      else
        {
          g_task_return_error (task, g_error_copy (error));
          g_object_unref (task);
        }
    }
}

static void
late_log_out_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!authflow_client_log_out_finish (AUTHFLOW_CLIENT (object), result, &error))
    g_debug ("The logout of the tokens renewed during the log-out failed: %s", error->message);

  release_application ();
}

static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AuthflowFlow) self = user_data;
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refresh_sent = g_steal_pointer (&self->refresh_sent);

  self->refreshing = FALSE;
  auth = authflow_client_refresh_finish (AUTHFLOW_CLIENT (object), result, &error);

  /* The server's logout went out with the tokens that this refresh
   * replaced, and was refused if the access token had expired (as it has
   * when the session is restored and logged out at once, by
   * `gapplication action … log-out`): the new ones must not stay valid.
   */
  if (self->logged_out_while_refreshing)
    {
      self->logged_out_while_refreshing = FALSE;
      if (auth != NULL)
        {
          hold_application ();
          authflow_client_log_out_async (self->client, auth->access_token, auth->refresh_token,
                                         self->cancellable, late_log_out_cb, NULL);
        }
      release_application ();
    }

  /* Logged out and in again meanwhile: the answer belongs to the session
   * that ended, whose tokens the logout revoked. The new session's waiting
   * calls get a refresh of their own.
   */
  if (authflow_session_get_state (self->session) == AUTHFLOW_SESSION_STATE_SIGNED_IN &&
      g_strcmp0 (refresh_sent, authflow_session_get_refresh_token (self->session)) != 0)
    {
      if (self->refresh_waiters->len > 0)
        start_refresh (self);
      else
        authflow_flow_check_schedule (self);
      return;
    }

  if (authflow_session_get_state (self->session) != AUTHFLOW_SESSION_STATE_SIGNED_IN)
    {
      /* Logged out meanwhile: whatever came back is of no use. */
      g_autoptr(GError) ended = g_error_new_literal (AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_NOT_SIGNED_IN,
                                                     _("You are not logged in"));
      finish_waiters (self, ended);
      return;
    }

  if (auth != NULL)
    {
      /* Update Authenticated User: new tokens and expiry, same user. */
      g_clear_pointer (&self->tokens_received, g_date_time_unref);
      self->tokens_received = authflow_flow_dup_now (self);
      authflow_session_update_tokens (self->session, auth->access_token,
                                      auth->refresh_token, auth->expiry);
      self->refresh_count++;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_REFRESH_COUNT]);
      save_session (self, NULL);
      set_online (self);
      authflow_flow_check_schedule (self);
      finish_waiters (self, NULL);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      finish_waiters (self, error);
      return;
    }

  if (is_transient (error))
    {
      /* Never log anyone out because the server could not be reached. */
      set_offline (self, error);
      finish_waiters (self, error);
      return;
    }

  /* The server said no: the session is over. */
  g_debug ("The server refused the refresh: %s", error->message);
  {
    g_autoptr(GError) expired = NULL;

    expired = g_error_new_literal (AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_SESSION_EXPIRED,
                                   _("Your session has expired. Please log in again."));
    end_session (self, expired->message);
    finish_waiters (self, expired);
  }
}

/* Starts the one refresh, unless it runs already; or ends the session if
 * there is no refresh token to renew it with.
 */
static void
start_refresh (AuthflowFlow *self)
{
  const char *refresh_token = authflow_session_get_refresh_token (self->session);

  if (self->refreshing)
    return;

  if (!can_refresh (self))
    {
      g_autoptr(GError) expired = g_error_new_literal (AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_SESSION_EXPIRED,
                                                       _("Your session has expired. Please log in again."));

      end_session (self, expired->message);
      finish_waiters (self, expired);
      return;
    }

  g_clear_handle_id (&self->check_id, g_source_remove);
  self->refreshing = TRUE;
  self->last_refresh = g_get_monotonic_time ();
  g_free (self->refresh_sent);
  self->refresh_sent = g_strdup (refresh_token);
  authflow_client_refresh_async (self->client, refresh_token, self->cancellable,
                                 refresh_cb, g_object_ref (self));
}

/* A call on a protected API: either any method and path (the generic "API
 * Call", sent with a bearer token) or one of the profile's calls, whose
 * template takes the access token among its values.
 */
typedef struct
{
  int         kind;
  GHashTable *values;
  char       *method;
  char       *path;
  JsonNode   *body;
  char       *token_used;
  gboolean    retried;
} Call;

#define GENERIC_CALL (-1)

static void
call_free (Call *call)
{
  g_clear_pointer (&call->values, g_hash_table_unref);
  g_free (call->method);
  g_free (call->path);
  g_clear_pointer (&call->body, json_node_unref);
  g_free (call->token_used);
  g_free (call);
}

static void
wait_for_refresh (AuthflowFlow *self,
                  GTask        *task)
{
  g_ptr_array_add (self->refresh_waiters, task);
  start_refresh (self);
}

static void
call_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  AuthflowFlow *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  JsonObject *answer;

  if (call->kind == GENERIC_CALL)
    answer = authflow_client_call_finish (AUTHFLOW_CLIENT (object), result, &error);
  else
    answer = authflow_client_run_finish (AUTHFLOW_CLIENT (object), result, &error);

  if (answer != NULL)
    {
      set_online (self);
      g_task_return_pointer (task, answer, (GDestroyNotify) json_object_unref);
      g_object_unref (task);
      return;
    }

  if (g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_UNAUTHORIZED) &&
      !call->retried &&
      authflow_session_get_state (self->session) == AUTHFLOW_SESSION_STATE_SIGNED_IN)
    {
      /* Renew the tokens and try once more. If they were renewed while
       * this call was out, the new ones are tried straight away.
       */
      call->retried = TRUE;

      if (g_strcmp0 (call->token_used, authflow_session_get_access_token (self->session)) != 0)
        send_call (self, task);
      else
        wait_for_refresh (self, task);
      return;
    }

  if (is_transient (error))
    set_offline (self, error);

  g_task_return_error (task, g_steal_pointer (&error));
  g_object_unref (task);
}

/* Sends @task's call with the current access token; takes over @task. */
static void
send_call (AuthflowFlow *self,
           GTask        *task)
{
  Call *call = g_task_get_task_data (task);

  if (authflow_session_get_state (self->session) != AUTHFLOW_SESSION_STATE_SIGNED_IN)
    {
      g_task_return_new_error (task, AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_NOT_SIGNED_IN,
                               _("You are not logged in"));
      g_object_unref (task);
      return;
    }

  g_free (call->token_used);
  call->token_used = g_strdup (authflow_session_get_access_token (self->session));

  if (call->kind == GENERIC_CALL)
    {
      authflow_client_call_async (self->client, call->method, call->path, call->token_used,
                                  call->body, g_task_get_cancellable (task), call_cb, task);
      return;
    }

  g_hash_table_replace (call->values, (gpointer) "access_token", g_strdup (call->token_used));
  authflow_client_run_async (self->client, call->kind, call->values,
                             g_task_get_cancellable (task), call_cb, task);
}

static void
start_call (AuthflowFlow *self,
            GTask        *task)
{
  Call *call = g_task_get_task_data (task);
  g_autoptr(GDateTime) now = NULL;
  GDateTime *expiry;

  if (authflow_session_get_state (self->session) != AUTHFLOW_SESSION_STATE_SIGNED_IN)
    {
      send_call (self, task);
      return;
    }

  /* A token that the clock says is dead is renewed first, rather than
   * spending a round trip on a 401.
   */
  expiry = authflow_session_get_expiry (self->session);
  now = authflow_flow_dup_now (self);
  if (self->refreshing ||
      (expiry != NULL && can_refresh (self) &&
       g_date_time_compare (now, expiry) >= 0 && self->retry_id == 0))
    {
      call->retried = TRUE;
      wait_for_refresh (self, task);
      return;
    }

  send_call (self, task);
}

/**
 * authflow_flow_call_async:
 * @body: (nullable): the JSON body, if any
 *
 * The "API Call" action on a protected API: sent with the bearer token. A
 * 401 renews the tokens (one refresh, shared by every call that needs it)
 * and the call is sent once more. If the server refuses the refresh, the
 * session ends and the call fails with %AUTHFLOW_FLOW_ERROR_SESSION_EXPIRED.
 */
void
authflow_flow_call_async (AuthflowFlow        *self,
                          const char          *method,
                          const char          *path,
                          JsonNode            *body,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;
  Call *call;

  g_return_if_fail (AUTHFLOW_IS_FLOW (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (path != NULL);

  call = g_new0 (Call, 1);
  call->kind = GENERIC_CALL;
  call->method = g_strdup (method);
  call->path = g_strdup (path);
  call->body = body ? json_node_copy (body) : NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_flow_call_async);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  start_call (self, task);
}

/* The same for one of the profile's calls; @values may be %NULL. */
static void
run_call_async (AuthflowFlow            *self,
                AuthflowProfileCallKind  kind,
                GHashTable              *values,
                GCancellable            *cancellable,
                GAsyncReadyCallback      callback,
                gpointer                 user_data)
{
  GTask *task;
  Call *call;

  call = g_new0 (Call, 1);
  call->kind = kind;
  call->values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  if (values != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, values);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_replace (call->values, key, g_strdup (value));
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_flow_call_async);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  start_call (self, task);
}

/**
 * authflow_flow_call_finish:
 *
 * Returns: (transfer full): the answer's JSON object
 */
JsonObject *
authflow_flow_call_finish (AuthflowFlow  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
user_call_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  AuthflowFlow *self = AUTHFLOW_FLOW (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowUser) user = NULL;

  if (!(answer = authflow_flow_call_finish (self, result, &error)) ||
      !(user = authflow_client_map_user (self->client,
                                         GPOINTER_TO_INT (g_task_get_task_data (task)),
                                         answer, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Update Authenticated User: the session and the keyring take what the
   * server knows now.
   */
  if (authflow_session_get_state (self->session) == AUTHFLOW_SESSION_STATE_SIGNED_IN)
    authflow_flow_update_user (self, user);

  g_task_return_pointer (task, g_steal_pointer (&user), g_object_unref);
}

/**
 * authflow_flow_fetch_user_async:
 *
 * The protected call `GET /auth/me`, followed by Update Authenticated User.
 */
void
authflow_flow_fetch_user_async (AuthflowFlow        *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_flow_fetch_user_async);
  g_task_set_task_data (task, GINT_TO_POINTER (AUTHFLOW_PROFILE_CALL_ME), NULL);

  run_call_async (self, AUTHFLOW_PROFILE_CALL_ME, NULL, cancellable, user_call_cb, task);
}

/**
 * authflow_flow_fetch_user_finish:
 *
 * Returns: (transfer full): the user as the server knows it
 */
AuthflowUser *
authflow_flow_fetch_user_finish (AuthflowFlow  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * authflow_flow_edit_profile_async:
 * @first_name: (nullable): left as it is when %NULL
 * @last_name: (nullable): left as it is when %NULL
 * @email: (nullable): left as it is when %NULL
 *
 * The protected call `PATCH /auth/me`; its answer becomes the user's data
 * (Update Authenticated User) in the session and the keyring.
 */
void
authflow_flow_edit_profile_async (AuthflowFlow        *self,
                                  const char          *first_name,
                                  const char          *last_name,
                                  const char          *email,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  GTask *task;

  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  if (first_name != NULL)
    g_hash_table_replace (values, (gpointer) "first_name", g_strdup (first_name));
  if (last_name != NULL)
    g_hash_table_replace (values, (gpointer) "last_name", g_strdup (last_name));
  if (email != NULL)
    g_hash_table_replace (values, (gpointer) "email", g_strdup (email));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_flow_edit_profile_async);
  g_task_set_task_data (task, GINT_TO_POINTER (AUTHFLOW_PROFILE_CALL_UPDATE_USER), NULL);

  run_call_async (self, AUTHFLOW_PROFILE_CALL_UPDATE_USER, values, cancellable, user_call_cb, task);
}

/**
 * authflow_flow_edit_profile_finish:
 *
 * Returns: (transfer full): the updated user
 */
AuthflowUser *
authflow_flow_edit_profile_finish (AuthflowFlow  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
parse_stored_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GError *error = NULL;
  JsonNode *root = authflow_session_parse_stored (task_data, &error);

  if (root != NULL)
    g_task_return_pointer (task, root, (GDestroyNotify) json_node_unref);
  else
    g_task_return_error (task, error);
}

/* Parses what the keyring kept in a worker thread: an item may be as large
 * as AUTHFLOW_SESSION_MAX_STORED_SIZE, which would hold the main loop up.
 * Takes @stored.
 */
static void
parse_stored_async (AuthflowFlow        *self,
                    char                *stored,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, parse_stored_async);
  g_task_set_task_data (task, stored, (GDestroyNotify) secret_password_free);
  g_task_run_in_thread (task, parse_stored_thread);
}

/* Signs in with the session the keyring kept, as parse_stored_async() read
 * it. A stored session that cannot be read is removed, and @error says so
 * in words for the person.
 */
static gboolean
take_stored (AuthflowFlow  *self,
             GAsyncResult  *parsed,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = g_task_propagate_pointer (G_TASK (parsed), &local_error);

  if (root == NULL || !authflow_session_restore_parsed (self->session, root, &local_error))
    {
      g_debug ("Discarding the stored session: %s", local_error->message);
      authflow_session_sign_out (self->session);
      clear_stored (self);
      g_set_error_literal (error, AUTHFLOW_SESSION_ERROR, local_error->code,
                           _("The stored session could not be read and was removed. Please log in again."));
      return FALSE;
    }

  /* Home shows the stored data at once. Behind it, the tokens are renewed
   * if they are due, and the user is asked of the server, which also tells
   * whether it can be reached and the session is still good.
   */
  set_string_property (self, &self->last_username,
                       get_login_identifier (self, authflow_session_get_user (self->session)),
                       PROP_LAST_USERNAME);
  authflow_flow_check_schedule (self);
  if (!self->refreshing)
    authflow_flow_fetch_user_async (self, self->cancellable, probe_cb, NULL);

  return TRUE;
}

static void
load_parsed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  AuthflowFlow *self = AUTHFLOW_FLOW (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* Cancelled while the item was read: the start-up was given up on. */
  if (g_task_return_error_if_cancelled (task))
    {
      g_autoptr(JsonNode) root = g_task_propagate_pointer (G_TASK (result), NULL);

      authflow_session_sign_out (self->session);
      return;
    }

  if (take_stored (self, result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  AuthflowSessionStore *store = AUTHFLOW_SESSION_STORE (object);
  g_autoptr(GTask) task = user_data;
  AuthflowFlow *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *stored;

  stored = authflow_session_store_load_finish (store, result, &error);
  note_keyring_result (self, KEYRING_CALL_LOAD, error);

  if (stored == NULL)
    {
      authflow_session_sign_out (self->session);

      /* With "persist" off an item left from before must not linger. */
      if (error == NULL && !authflow_session_store_get_persist (store))
        clear_stored (self);

      if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_boolean (task, TRUE);
      return;
    }

  parse_stored_async (self, stored, load_parsed_cb, g_steal_pointer (&task));
}

static void
retry_parsed_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AuthflowFlow *self = AUTHFLOW_FLOW (object);
  g_autoptr(GError) error = NULL;

  /* The person logged in while the keyring was asked: that session is the
   * one that counts, and storing it replaces the one found here.
   */
  if (authflow_session_get_state (self->session) == AUTHFLOW_SESSION_STATE_SIGNED_OUT &&
      !take_stored (self, result, &error))
    set_string_property (self, &self->sign_out_reason, error->message, PROP_SIGN_OUT_REASON);
}

/* Try Again after the keyring failed at start-up: the session it kept may
 * be there after all, now that it is unlocked.
 */
static void
retry_load_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  AuthflowSessionStore *store = AUTHFLOW_SESSION_STORE (object);
  g_autoptr(AuthflowFlow) self = user_data;
  g_autoptr(GError) error = NULL;
  char *stored;

  stored = authflow_session_store_load_finish (store, result, &error);
  note_keyring_result (self, KEYRING_CALL_LOAD, error);

  if (stored != NULL)
    parse_stored_async (self, stored, retry_parsed_cb, NULL);
}

/**
 * authflow_flow_restore_async:
 *
 * Leaves the "restoring" state: signed in from the keyring if a session is
 * stored there, else signed out. Never waits on the network, and waits on
 * the keyring only as long as the store's timeout.
 */
void
authflow_flow_restore_async (AuthflowFlow        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AUTHFLOW_IS_FLOW (self));
  g_return_if_fail (authflow_session_get_state (self->session) == AUTHFLOW_SESSION_STATE_RESTORING);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_flow_restore_async);

  authflow_session_store_load_async (self->store, cancellable, load_cb, task);
}

/**
 * authflow_flow_restore_finish:
 *
 * Returns: %FALSE if a stored session had to be discarded (the message says
 *   so to the person) or the restore was cancelled; the session is signed
 *   out then
 */
gboolean
authflow_flow_restore_finish (AuthflowFlow  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
sign_in_from_result (AuthflowFlow       *self,
                     AuthflowAuthResult *auth,
                     GTask              *task)
{
  g_clear_pointer (&self->tokens_received, g_date_time_unref);
  self->tokens_received = authflow_flow_dup_now (self);
  set_string_property (self, &self->sign_out_reason, NULL, PROP_SIGN_OUT_REASON);
  set_string_property (self, &self->last_username,
                       get_login_identifier (self, auth->user), PROP_LAST_USERNAME);
  set_online (self);

  authflow_session_sign_in (self->session,
                            auth->access_token,
                            auth->refresh_token,
                            auth->expiry,
                            auth->uid,
                            auth->user);
  authflow_flow_check_schedule (self);

  /* Signed in is signed in: a cancel that comes while the keyring is being
   * written must not make the caller believe the login failed.
   */
  g_task_set_check_cancellable (task, FALSE);
  save_session (self, task);
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
  save_session (self, NULL);
}

/**
 * authflow_flow_retry_keyring:
 *
 * Tries the keyring again after it failed, with the call that failed: the
 * restore of the stored session, the storing of the signed-in one, or the
 * removal at log out. "keyring-problem" tells how it went.
 */
void
authflow_flow_retry_keyring (AuthflowFlow *self)
{
  AuthflowSessionState state;

  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  state = authflow_session_get_state (self->session);

  if (state == AUTHFLOW_SESSION_STATE_SIGNED_IN)
    save_session (self, NULL);
  else if (self->failed_call == KEYRING_CALL_LOAD && state == AUTHFLOW_SESSION_STATE_SIGNED_OUT)
    authflow_session_store_load_async (self->store, self->cancellable, retry_load_cb,
                                       g_object_ref (self));
  else if (state == AUTHFLOW_SESSION_STATE_SIGNED_OUT)
    clear_stored (self);
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
  note_keyring_result (self, KEYRING_CALL_CLEAR, error);
  release_application ();

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

  g_object_freeze_notify (G_OBJECT (self));
  set_string_property (self, &self->sign_out_reason, NULL, PROP_SIGN_OUT_REASON);
  set_string_property (self, &self->last_username, NULL, PROP_LAST_USERNAME);
  set_online (self);
  g_clear_handle_id (&self->check_id, g_source_remove);
  set_next_refresh (self, NULL);
  g_object_thaw_notify (G_OBJECT (self));

  if (self->refreshing && !self->logged_out_while_refreshing)
    {
      /* Its answer is logged out too, in refresh_cb(). */
      self->logged_out_while_refreshing = TRUE;
      hold_application ();
    }

  authflow_session_sign_out (self->session);

  if (access_token != NULL)
    {
      log_out->pending++;
      authflow_client_log_out_async (self->client, access_token, refresh_token,
                                     cancellable, log_out_server_cb, g_object_ref (task));
    }

  hold_application ();
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
  set_string_property (self, &self->sign_out_reason, NULL, PROP_SIGN_OUT_REASON);
  set_string_property (self, &self->last_username, NULL, PROP_LAST_USERNAME);
  set_online (self);
  g_clear_handle_id (&self->check_id, g_source_remove);
  set_next_refresh (self, NULL);
  g_object_thaw_notify (G_OBJECT (self));

  authflow_session_reset (self->session);
}
