// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-flow"

#include "config.h"

#include "authflow-flow-private.h"

/* Connectivity: the server cannot be reached. The flow says why in
 * "offline-problem", keeps the session, and tries again after a backoff;
 * sooner when the network comes back. After a resume from suspend (logind's
 * PrepareForSleep) the wall clock says whether the tokens are due.
 */

#define MAX_BACKOFF_S 60

static guint schedule_retry (AuthflowFlow *self);
static void retry_now_because (AuthflowFlow *self,
                               const char   *trigger);

/* Whether @error says that the server could not be reached, or not answer
 * now, rather than that it said no: the session is kept then.
 */
gboolean
_authflow_flow_is_transient (const GError *error)
{
  return g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK) ||
         g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_SERVER) ||
         g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_TOO_MANY_ATTEMPTS) ||
         g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_BAD_ANSWER);
}

void
_authflow_flow_set_offline (AuthflowFlow *self,
                            const GError *error)
{
  guint delay;

  _authflow_flow_set_string_property (self, &self->offline_problem, error->message,
                                      PROP_OFFLINE_PROBLEM);

  if ((delay = schedule_retry (self)) > 0)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(GDateTime) next = g_date_time_add_seconds (now, delay);
      g_autofree char *next_try = g_date_time_format_iso8601 (next);
      JsonObject *details = json_object_new ();

      json_object_set_string_member (details, "error", error->message);
      json_object_set_int_member (details, "backoffS", delay);
      json_object_set_string_member (details, "nextTry", next_try);
      authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_CONNECTIVITY, "offline",
                               AUTHFLOW_JOURNAL_STEP_NONE, -1, details,
                               "Offline; trying again in %u s", delay);
    }
}

void
_authflow_flow_set_online (AuthflowFlow *self)
{
  if (self->offline_problem != NULL)
    authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_CONNECTIVITY, "online",
                             AUTHFLOW_JOURNAL_STEP_NONE, -1, NULL, "The server answers again");

  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->backoff = 1;
  _authflow_flow_set_string_property (self, &self->offline_problem, NULL, PROP_OFFLINE_PROBLEM);
}

/* For a fetch of the user that only asks whether the server can be reached. */
void
_authflow_flow_probe_cb (GObject      *object,
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
  retry_now_because (self, "backoff");

  return G_SOURCE_REMOVE;
}

/* Tries again later, each time twice as late up to a minute, and never
 * sooner than the server asked with Retry-After. Returns the delay, or 0
 * if a retry was scheduled already.
 */
static guint
schedule_retry (AuthflowFlow *self)
{
  guint delay;

  if (self->retry_id != 0)
    return 0;

  delay = MAX (self->backoff, authflow_client_get_retry_after (self->client));
  self->backoff = MIN (self->backoff * 2, MAX_BACKOFF_S);
  g_debug ("Trying the server again in %u s", delay);
  self->retry_id = g_timeout_add_seconds (delay, retry_cb, self);

  return delay;
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
  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  retry_now_because (self, "try-again");
}

/* @trigger says why, for the journal: "try-again", "backoff", "network-back". */
static void
retry_now_because (AuthflowFlow *self,
                   const char   *trigger)
{
  g_autoptr(GDateTime) now = NULL;

  g_clear_handle_id (&self->retry_id, g_source_remove);

  if (authflow_session_get_state (self->session) != AUTHFLOW_SESSION_STATE_SIGNED_IN)
    {
      _authflow_flow_set_online (self);
      return;
    }

  now = authflow_flow_dup_now (self);
  if (self->next_refresh != NULL && g_date_time_compare (now, self->next_refresh) >= 0)
    _authflow_flow_start_refresh (self, trigger, NULL);
  else if (authflow_client_has_call (self->client, AUTHFLOW_PROFILE_CALL_ME))
    authflow_flow_fetch_user_async (self, self->cancellable, _authflow_flow_probe_cb, NULL);
  else
    /* A backend without "me" has nothing harmless to ask: the notice goes,
     * and the next call tells again if the server is still out of reach.
     */
    _authflow_flow_set_online (self);
}

/* The network is back: try at once rather than when the backoff says.
 * Also when the injected "offline" fault is turned off.
 */
void
_authflow_flow_network_back (AuthflowFlow *self)
{
  if (self->offline_problem != NULL)
    retry_now_because (self, "network-back");
  else
    _authflow_flow_check_schedule_because (self, "network-back");
}

static void
network_changed_cb (AuthflowFlow *self,
                    gboolean      available)
{
  if (available)
    _authflow_flow_network_back (self);
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
    _authflow_flow_check_schedule_because (self, "resume");
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

static gboolean
watch_connectivity_cb (gpointer data)
{
  AuthflowFlow *self = data;

  self->watch_connectivity_id = 0;
  self->network_monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect_swapped (self->network_monitor, "network-changed",
                            G_CALLBACK (network_changed_cb), self);

  g_bus_get (G_BUS_TYPE_SYSTEM, self->cancellable, system_bus_cb, g_object_ref (self));

  return G_SOURCE_REMOVE;
}

/* The network monitor and logind's resume signal are watched from just
 * after the flow's construction to its dispose. Not at once: making the
 * default network monitor opens a netlink socket, or on a desktop with
 * NetworkManager asks it over the system bus and waits for the answer,
 * and at start-up that is the window's time. At G_PRIORITY_LOW it comes
 * after the first frame; nothing it tells is needed before.
 */
void
_authflow_flow_watch_connectivity (AuthflowFlow *self)
{
  self->watch_connectivity_id = g_idle_add_full (G_PRIORITY_LOW, watch_connectivity_cb, self, NULL);
}

void
_authflow_flow_unwatch_connectivity (AuthflowFlow *self)
{
  g_clear_handle_id (&self->watch_connectivity_id, g_source_remove);
  if (self->network_monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->network_monitor, self);
  g_clear_object (&self->network_monitor);
  if (self->sleep_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_subscription);
  self->sleep_subscription = 0;
  g_clear_object (&self->system_bus);
}
