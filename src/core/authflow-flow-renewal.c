// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-flow"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-flow-private.h"
#include "authflow-jwt.h"

/* The token lifecycle: when to renew the tokens, ahead of their expiry and
 * on a timer that re-reads the wall clock; the one refresh at a time, which
 * every call that needs new tokens waits for; and the single retry of a
 * call that a 401 answered. A session that cannot be renewed, or whose
 * renewal the server refuses, ends here.
 */

/* Refresh ahead of expiry by a tenth of the token's lifetime, at most a
 * minute; look at the wall clock again at least this often, so that a
 * clock that jumped (a suspend, an NTP correction) is noticed soon.
 */
#define MAX_REFRESH_MARGIN_S 60
#define MAX_CHECK_INTERVAL_S 10

/* However short-lived the tokens (or however wrong their expiry), the flow
 * renews at most once a second rather than hammering the server.
 */
#define MIN_REFRESH_INTERVAL_US G_USEC_PER_SEC

void
_authflow_flow_set_next_refresh (AuthflowFlow *self,
                                 GDateTime    *next_refresh)
{
  if (self->next_refresh == next_refresh ||
      (self->next_refresh != NULL && next_refresh != NULL &&
       g_date_time_equal (self->next_refresh, next_refresh)))
    return;

  g_clear_pointer (&self->next_refresh, g_date_time_unref);
  self->next_refresh = next_refresh ? g_date_time_ref (next_refresh) : NULL;
  _authflow_flow_notify (self, PROP_NEXT_REFRESH);
}

/* Whether the session can be renewed at all: a refresh token, and a
 * backend that offers a refresh.
 */
static gboolean
can_refresh (AuthflowFlow *self)
{
  return authflow_session_get_refresh_token (self->session) != NULL &&
         authflow_client_has_call (self->client, AUTHFLOW_PROFILE_CALL_REFRESH);
}

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
      _authflow_flow_set_next_refresh (self, NULL);
      return;
    }

  now = authflow_flow_dup_now (self);

  /* A session that can never be renewed ends at its expiry, as one whose
   * renewal the server refused: nothing it holds works any longer. That
   * goes for a stored one found expired at start-up too.
   */
  if (!can_refresh (self))
    {
      _authflow_flow_set_next_refresh (self, NULL);
      wait = g_date_time_difference (expiry, now);
      if (wait <= 0)
        {
          _authflow_flow_start_refresh (self);
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
      _authflow_flow_set_next_refresh (self, NULL);
      return;
    }

  _authflow_flow_set_next_refresh (self, due);

  wait = g_date_time_difference (due, now);
  if (wait <= 0 && self->last_refresh != 0 &&
      g_get_monotonic_time () - self->last_refresh < MIN_REFRESH_INTERVAL_US)
    wait = MIN_REFRESH_INTERVAL_US - (g_get_monotonic_time () - self->last_refresh);
  else if (wait <= 0)
    {
      /* While offline, the backoff decides when to try again. */
      if (self->retry_id == 0)
        _authflow_flow_start_refresh (self);
      return;
    }

  wait = MIN (wait, MAX_CHECK_INTERVAL_S * G_TIME_SPAN_SECOND);
  self->check_id = g_timeout_add (MAX (wait / 1000, 1), check_cb, self);
}

static void
end_session (AuthflowFlow *self,
             const char   *reason)
{
  const char *identifier =
    _authflow_flow_get_login_identifier (self, authflow_session_get_user (self->session));

  g_object_freeze_notify (G_OBJECT (self));
  if (identifier != NULL)
    _authflow_flow_set_string_property (self, &self->last_username, identifier, PROP_LAST_USERNAME);
  _authflow_flow_set_string_property (self, &self->sign_out_reason, reason, PROP_SIGN_OUT_REASON);
  _authflow_flow_set_online (self);
  g_clear_handle_id (&self->check_id, g_source_remove);
  _authflow_flow_set_next_refresh (self, NULL);
  g_object_thaw_notify (G_OBJECT (self));

  authflow_session_sign_out (self->session);
  _authflow_flow_clear_stored (self);
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

  _authflow_flow_release_application ();
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
          _authflow_flow_hold_application ();
          authflow_client_log_out_async (self->client, auth->access_token, auth->refresh_token,
                                         self->cancellable, late_log_out_cb, NULL);
        }
      _authflow_flow_release_application ();
    }

  /* Logged out and in again meanwhile: the answer belongs to the session
   * that ended, whose tokens the logout revoked. The new session's waiting
   * calls get a refresh of their own.
   */
  if (authflow_session_get_state (self->session) == AUTHFLOW_SESSION_STATE_SIGNED_IN &&
      g_strcmp0 (refresh_sent, authflow_session_get_refresh_token (self->session)) != 0)
    {
      if (self->refresh_waiters->len > 0)
        _authflow_flow_start_refresh (self);
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
      _authflow_flow_notify (self, PROP_REFRESH_COUNT);
      _authflow_flow_save_session (self, NULL);
      _authflow_flow_set_online (self);
      authflow_flow_check_schedule (self);
      finish_waiters (self, NULL);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      finish_waiters (self, error);
      return;
    }

  if (_authflow_flow_is_transient (error))
    {
      /* Never log anyone out because the server could not be reached. */
      _authflow_flow_set_offline (self, error);
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
void
_authflow_flow_start_refresh (AuthflowFlow *self)
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

static void
wait_for_refresh (AuthflowFlow *self,
                  GTask        *task)
{
  g_ptr_array_add (self->refresh_waiters, task);
  _authflow_flow_start_refresh (self);
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
      _authflow_flow_set_online (self);
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

  if (_authflow_flow_is_transient (error))
    _authflow_flow_set_offline (self, error);

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

/* Where the verbs hand over a protected call, a #Call in @task: it waits
 * for the refresh if the tokens need one first. Takes over @task.
 */
void
_authflow_flow_start_call (AuthflowFlow *self,
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
