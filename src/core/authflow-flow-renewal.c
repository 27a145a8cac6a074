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

/* The journal's name for @call: the profile's call, or its method and path. */
char *
_authflow_flow_describe_call (Call *call)
{
  if (call->kind == GENERIC_CALL)
    return g_strdup_printf ("%s %s", call->method, call->path);

  return g_strdup (authflow_profile_call_kind_to_string (call->kind));
}

/* Says when the next refresh is, and why then. */
static void
record_schedule (AuthflowFlow *self,
                 GTimeSpan     lifetime,
                 GTimeSpan     margin)
{
  g_autofree char *when = g_date_time_format_iso8601 (self->next_refresh);
  g_autofree char *reason = NULL;
  JsonObject *details = json_object_new ();

  if (margin >= MAX_REFRESH_MARGIN_S * G_TIME_SPAN_SECOND)
    reason = g_strdup_printf ("a minute before the access token expires (%" G_GINT64_FORMAT " s lifetime)",
                              lifetime / G_TIME_SPAN_SECOND);
  else
    reason = g_strdup_printf ("a tenth of the access token's %" G_GINT64_FORMAT " s lifetime before it expires",
                              lifetime / G_TIME_SPAN_SECOND);

  json_object_set_string_member (details, "nextRefresh", when);
  json_object_set_string_member (details, "reason", reason);
  json_object_set_double_member (details, "marginS", (double) margin / G_TIME_SPAN_SECOND);
  authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_TOKEN, "scheduled", AUTHFLOW_JOURNAL_STEP_NONE,
                           -1, details, "Next refresh at %s: %s", when, reason);
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
  const char *trigger = g_steal_pointer (&self->check_trigger);

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
          _authflow_flow_start_refresh (self, "expired", NULL);
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

  if (self->next_refresh == NULL || !g_date_time_equal (self->next_refresh, due))
    {
      _authflow_flow_set_next_refresh (self, due);
      record_schedule (self, lifetime, margin);
    }

  wait = g_date_time_difference (due, now);
  if (wait <= 0 && self->last_refresh != 0 &&
      g_get_monotonic_time () - self->last_refresh < MIN_REFRESH_INTERVAL_US)
    wait = MIN_REFRESH_INTERVAL_US - (g_get_monotonic_time () - self->last_refresh);
  else if (wait <= 0)
    {
      /* While offline, the backoff decides when to try again. */
      if (self->retry_id == 0)
        _authflow_flow_start_refresh (self,
                                      trigger != NULL ? trigger :
                                      g_date_time_compare (now, expiry) >= 0 ? "expired" : "ahead-of-expiry",
                                      NULL);
      return;
    }

  wait = MIN (wait, MAX_CHECK_INTERVAL_S * G_TIME_SPAN_SECOND);
  self->check_id = g_timeout_add (MAX (wait / 1000, 1), check_cb, self);
}

/* Looks at the clock as authflow_flow_check_schedule() does, saying why
 * for the journal: "resume", "network-back".
 */
void
_authflow_flow_check_schedule_because (AuthflowFlow *self,
                                       const char   *trigger)
{
  self->check_trigger = trigger;
  authflow_flow_check_schedule (self);
  self->check_trigger = NULL;
}

/* @reason is for the person, @why for the journal. */
static void
end_session (AuthflowFlow *self,
             const char   *reason,
             const char   *why)
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

  _authflow_flow_say_why (self, AUTHFLOW_JOURNAL_STEP_NONE, why);
  authflow_session_sign_out (self->session);
  _authflow_flow_clear_stored (self);
}

/* The refresh is over: how, and how many calls it served. */
static void
record_refresh_finished (AuthflowFlow *self,
                         const char   *outcome,
                         const GError *error)
{
  JsonObject *details = json_object_new ();
  guint waiters = self->refresh_waiters->len;

  json_object_set_string_member (details, "outcome", outcome);
  json_object_set_int_member (details, "waiters", waiters);
  if (error != NULL)
    json_object_set_string_member (details, "error", error->message);
  authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_TOKEN, "refresh-finished",
                           AUTHFLOW_JOURNAL_STEP_UPDATE_USER,
                           g_get_monotonic_time () - self->refresh_started_at, details,
                           "Refresh %s; %u waiting %s", outcome, waiters, waiters == 1 ? "call" : "calls");
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
      g_autoptr(GHashTable) logged_out_values = g_steal_pointer (&self->logged_out_values);

      self->logged_out_while_refreshing = FALSE;
      if (auth != NULL)
        {
          _authflow_flow_hold_application ();
          authflow_client_log_out_async (self->client, auth->access_token, auth->refresh_token,
                                         logged_out_values, self->cancellable, late_log_out_cb, NULL);
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
      record_refresh_finished (self, "stale", NULL);
      if (self->refresh_waiters->len > 0)
        _authflow_flow_start_refresh (self, "stale", NULL);
      else
        authflow_flow_check_schedule (self);
      return;
    }

  if (authflow_session_get_state (self->session) != AUTHFLOW_SESSION_STATE_SIGNED_IN)
    {
      /* Logged out meanwhile: whatever came back is of no use. */
      g_autoptr(GError) ended = g_error_new_literal (AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_NOT_SIGNED_IN,
                                                     _("You are not logged in"));
      record_refresh_finished (self, "stale", NULL);
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
      record_refresh_finished (self, "renewed", NULL);
      _authflow_flow_record_expiry (self, authflow_expiry_source_to_string (auth->expiry_source));
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
      record_refresh_finished (self, "cancelled", NULL);
      finish_waiters (self, error);
      return;
    }

  if (_authflow_flow_is_transient (error))
    {
      /* Never log anyone out because the server could not be reached. */
      record_refresh_finished (self, "failed", error);
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
    record_refresh_finished (self, "refused", error);
    end_session (self, expired->message, "the server refused to renew the session");
    finish_waiters (self, expired);
  }
}

/* Starts the one refresh, unless it runs already; or ends the session if
 * there is no refresh token to renew it with.
 */
void
_authflow_flow_start_refresh (AuthflowFlow *self,
                              const char   *trigger,
                              Call         *call)
{
  const char *refresh_token = authflow_session_get_refresh_token (self->session);
  JsonObject *details;

  if (self->refreshing)
    return;

  if (!can_refresh (self))
    {
      g_autoptr(GError) expired = g_error_new_literal (AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_SESSION_EXPIRED,
                                                       _("Your session has expired. Please log in again."));

      end_session (self, expired->message,
                   authflow_session_get_refresh_token (self->session) == NULL
                   ? "the session expired, and it has no refresh token to renew it with"
                   : "the session expired, and the backend has no refresh call to renew it with");
      finish_waiters (self, expired);
      return;
    }

  details = json_object_new ();
  json_object_set_string_member (details, "trigger", trigger != NULL ? trigger : "unknown");
  if (call != NULL)
    {
      g_autofree char *name = _authflow_flow_describe_call (call);

      json_object_set_string_member (details, "call", name);
    }
  authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_TOKEN, "refresh-started",
                           AUTHFLOW_JOURNAL_STEP_UPDATE_USER, -1, details,
                           "Refreshing the tokens (%s)", trigger != NULL ? trigger : "unknown");
  self->refresh_started_at = g_get_monotonic_time ();
  g_free (self->refresh_replaces);
  self->refresh_replaces = g_strdup (authflow_session_get_access_token (self->session));
  self->refresh_served = 0;

  g_clear_handle_id (&self->check_id, g_source_remove);
  self->refreshing = TRUE;
  self->last_refresh = g_get_monotonic_time ();
  g_free (self->refresh_sent);
  self->refresh_sent = g_strdup (refresh_token);
  {
    g_autoptr(GHashTable) session_values = _authflow_flow_new_session_values (self->session);

    authflow_client_refresh_async (self->client, refresh_token, session_values, self->cancellable,
                                   refresh_cb, g_object_ref (self));
  }
}

/* A call needs the refresh that runs or has just run: says so, with how
 * many calls that one refresh serves.
 */
static void
record_waiting (AuthflowFlow *self,
                const char   *name,
                gboolean      renewed)
{
  JsonObject *details = json_object_new ();

  self->refresh_served++;
  json_object_set_string_member (details, "call", name);
  json_object_set_int_member (details, "waiters", self->refresh_served);
  json_object_set_boolean_member (details, "renewed", renewed);
  if (renewed)
    authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_TOKEN, "waiting", AUTHFLOW_JOURNAL_STEP_NONE,
                             -1, details, "%s was refused the token that the refresh has just replaced "
                             "(%u %s served by it)", name, self->refresh_served,
                             self->refresh_served == 1 ? "call" : "calls");
  else
    authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_TOKEN, "waiting", AUTHFLOW_JOURNAL_STEP_NONE,
                             -1, details, "%s waits for the refresh (%u %s served by it)",
                             name, self->refresh_served, self->refresh_served == 1 ? "call" : "calls");
}

/* @task waits for the one refresh, which starts unless it runs already;
 * @trigger says why it starts.
 */
static void
wait_for_refresh (AuthflowFlow *self,
                  GTask        *task,
                  const char   *trigger)
{
  Call *call = g_task_get_task_data (task);
  g_autofree char *name = _authflow_flow_describe_call (call);

  g_ptr_array_add (self->refresh_waiters, task);
  _authflow_flow_start_refresh (self, trigger, call);

  /* Unless the session ended instead, and the call with it. */
  if (self->refreshing)
    record_waiting (self, name, FALSE);
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
  JsonNode *answer;

  if (call->kind == GENERIC_CALL)
    answer = authflow_client_call_finish (AUTHFLOW_CLIENT (object), result, &error);
  else
    answer = authflow_client_run_finish (AUTHFLOW_CLIENT (object), result, &error);

  if (answer != NULL)
    {
      _authflow_flow_set_online (self);
      g_task_return_pointer (task, answer, (GDestroyNotify) json_node_unref);
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
        {
          /* Refused the token that the refresh replaced: that refresh
           * serves this call too.
           */
          if (g_strcmp0 (call->token_used, self->refresh_replaces) == 0)
            {
              g_autofree char *name = _authflow_flow_describe_call (call);

              record_waiting (self, name, TRUE);
            }
          send_call (self, task);
        }
      else
        wait_for_refresh (self, task, "401");
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
  gboolean retry;

  if (authflow_session_get_state (self->session) != AUTHFLOW_SESSION_STATE_SIGNED_IN)
    {
      g_task_return_new_error (task, AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_NOT_SIGNED_IN,
                               _("You are not logged in"));
      g_object_unref (task);
      return;
    }

  g_free (call->token_used);
  call->token_used = g_strdup (authflow_session_get_access_token (self->session));

  /* The one retry, with the new token, marked as one in its exchange. */
  retry = call->sent;
  if (retry)
    {
      g_autofree char *name = _authflow_flow_describe_call (call);
      JsonObject *details = json_object_new ();

      json_object_set_string_member (details, "call", name);
      authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_TOKEN, "retry", AUTHFLOW_JOURNAL_STEP_NONE,
                               -1, details, "Sending %s again with the new token", name);
    }
  call->sent = TRUE;

  if (retry)
    authflow_client_begin_retry (self->client);

  if (call->kind == GENERIC_CALL)
    {
      authflow_client_call_async (self->client, call->method, call->path, call->token_used,
                                  call->body, g_task_get_cancellable (task), call_cb, task);
    }
  else
    {
      g_hash_table_replace (call->values, (gpointer) "access_token", g_strdup (call->token_used));
      /* In update_user, {{email}} is the new address that Edit Profile
       * sends, or none: never the one the session has.
       */
      _authflow_flow_add_session_values (call->values, self->session,
                                         call->kind != AUTHFLOW_PROFILE_CALL_UPDATE_USER);
      authflow_client_run_async (self->client, call->kind, call->values,
                                 g_task_get_cancellable (task), call_cb, task);
    }

  if (retry)
    authflow_client_end_retry (self->client);
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
      wait_for_refresh (self, task, self->refreshing ? NULL : "expired");
      return;
    }

  send_call (self, task);
}
