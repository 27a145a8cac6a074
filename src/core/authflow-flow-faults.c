// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-flow"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-flow-private.h"

/* The flow's part of fault injection (see authflow-faults.c): the flow owns
 * the faults and gives them to its client and its store, and brings about
 * itself what only it can: its access token taken as expired, a resume
 * after a simulated suspend, a look at the clock when the clock is skewed,
 * the network coming back when "offline" is turned off, and a session
 * revoked on the server through the backend's development endpoint.
 *
 * What happens next is the flow's ordinary work: the renewal, the offline
 * notice, the backoff, the end of a session the server refused. Only the
 * injection itself is a "fault" entry; what follows is journaled as it
 * would be without it, since it is real.
 */

static gboolean
expire_token_cb (gpointer user_data)
{
  AuthflowFlow *self = user_data;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *now_text = NULL;
  g_autofree char *was_text = NULL;
  GDateTime *was;
  JsonObject *details;

  if (authflow_session_get_state (self->session) != AUTHFLOW_SESSION_STATE_SIGNED_IN)
    return FALSE;

  now = authflow_flow_dup_now (self);
  now_text = g_date_time_format_iso8601 (now);
  was = authflow_session_get_expiry (self->session);
  was_text = was != NULL ? g_date_time_format_iso8601 (was) : g_strdup ("never");

  details = json_object_new ();
  json_object_set_string_member (details, "expiresAt", now_text);
  if (was != NULL)
    json_object_set_string_member (details, "was", was_text);
  _authflow_faults_record_injected (self->journal, "expire-token", details,
                                    "the access token is taken as expired now, at %s (it expires at %s); "
                                    "the server is not told", now_text, was_text);

  /* The keyring keeps the real expiry: the next start is not fooled. */
  authflow_session_update_tokens (self->session, authflow_session_get_access_token (self->session),
                                  NULL, now);
  _authflow_flow_record_expiry (self, "fault");
  _authflow_flow_check_schedule_because (self, "expired");

  return TRUE;
}

static void
suspend_cb (gpointer user_data,
            gint64   seconds)
{
  AuthflowFlow *self = user_data;
  GDateTime *expiry = authflow_session_get_expiry (self->session);
  gboolean past_expiry = seconds <= 0;
  JsonObject *details;

  if (past_expiry && expiry != NULL &&
      authflow_session_get_state (self->session) == AUTHFLOW_SESSION_STATE_SIGNED_IN)
    {
      g_autoptr(GDateTime) now = authflow_flow_dup_now (self);

      /* A minute past it, whole seconds. */
      seconds = MAX (g_date_time_difference (expiry, now), 0) / G_TIME_SPAN_SECOND + 60;
    }
  else if (past_expiry)
    seconds = 3600;

  details = json_object_new ();
  json_object_set_int_member (details, "seconds", seconds);
  json_object_set_boolean_member (details, "pastExpiry", past_expiry);
  _authflow_faults_record_injected (self->journal, "suspend", details,
                                    "a suspend of %" G_GINT64_FORMAT " s: the wall clock jumps ahead, "
                                    "then the flow resumes", seconds);

  _authflow_faults_jump_clock (self->faults, seconds);
  _authflow_flow_check_schedule_because (self, "resume");
}

static const AuthflowFaultsHooks hooks = {
  expire_token_cb,
  suspend_cb,
};

static void
offline_changed_cb (AuthflowFlow   *self,
                    GParamSpec     *pspec,
                    AuthflowFaults *faults)
{
  if (!authflow_faults_get_offline (faults))
    _authflow_flow_network_back (self);
}

/* A clock that changes is noticed by the periodic look at the wall clock;
 * an injected skew is looked at at once.
 */
static void
clock_skew_changed_cb (AuthflowFlow   *self,
                       GParamSpec     *pspec,
                       AuthflowFaults *faults)
{
  authflow_flow_check_schedule (self);
}

void
_authflow_flow_watch_faults (AuthflowFlow *self)
{
  authflow_client_set_faults (self->client, self->faults);
  authflow_session_store_set_faults (self->store, self->faults);
  _authflow_faults_set_hooks (self->faults, &hooks, self);

  g_signal_connect_object (self->faults, "notify::offline",
                           G_CALLBACK (offline_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->faults, "notify::clock-skew",
                           G_CALLBACK (clock_skew_changed_cb), self, G_CONNECT_SWAPPED);
}

void
_authflow_flow_unwatch_faults (AuthflowFlow *self)
{
  if (self->faults == NULL)
    return;

  _authflow_faults_set_hooks (self->faults, NULL, NULL);
  g_signal_handlers_disconnect_by_data (self->faults, self);

  if (self->client != NULL && authflow_client_get_faults (self->client) == self->faults)
    authflow_client_set_faults (self->client, NULL);
  if (self->store != NULL && authflow_session_store_get_faults (self->store) == self->faults)
    authflow_session_store_set_faults (self->store, NULL);
}

static void
revoke_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AuthflowFlow *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  JsonObject *details = json_object_new ();

  if (!authflow_client_revoke_session_finish (AUTHFLOW_CLIENT (object), result, &error))
    {
      json_object_set_string_member (details, "outcome", "failed");
      json_object_set_string_member (details, "error", error->message);
      _authflow_faults_record_injected (self->journal, "revoke-session", details,
                                        "the session could not be revoked on the server: %s", error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  json_object_set_string_member (details, "outcome", "revoked");
  _authflow_faults_record_injected (self->journal, "revoke-session", details,
                                    "the server revoked the session; its next renewal will be refused");
  g_task_return_boolean (task, TRUE);
}

/**
 * authflow_flow_revoke_session_async:
 *
 * Fault injection: has the server end the signed-in session, as if it had
 * been ended elsewhere (another device's logout, an administrator), through
 * the backend's development endpoint (authflow_client_revoke_session_async();
 * the reference server's `POST /dev/revoke-session` with `--dev-endpoints`).
 * The flow is not told: the next call is refused and its renewal too, for
 * real, and the session ends with "Your session has expired".
 *
 * Fails with %AUTHFLOW_FLOW_ERROR_NOT_SIGNED_IN when nobody is signed in,
 * and with %AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED for a backend without such
 * an endpoint, saying so.
 */
void
authflow_flow_revoke_session_async (AuthflowFlow        *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  const char *refresh_token;
  GTask *task;

  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_flow_revoke_session_async);

  refresh_token = authflow_session_get_refresh_token (self->session);
  if (authflow_session_get_state (self->session) != AUTHFLOW_SESSION_STATE_SIGNED_IN ||
      refresh_token == NULL)
    {
      g_task_return_new_error (task, AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_NOT_SIGNED_IN,
                               "%s", _("You are not logged in"));
      g_object_unref (task);
      return;
    }

  authflow_client_revoke_session_async (self->client, refresh_token, cancellable, revoke_cb, task);
}

gboolean
authflow_flow_revoke_session_finish (AuthflowFlow  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
