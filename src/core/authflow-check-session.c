// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-check"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "authflow-check-private.h"

/* The items that use the session: `me` and a bad token, updating the
 * user, the refresh and its rotation, the logout in a session of its own,
 * and the message of an error answer.
 */

/* The uid in an answer to `me`, as the profile maps it. */
static char *
answer_uid (AuthflowCheck *self,
            JsonObject    *answer)
{
  g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), answer);
  g_autoptr(AuthflowProfileAnswer) mapped = NULL;

  if (!(mapped = authflow_profile_map_answer (self->profile, AUTHFLOW_PROFILE_CALL_ME, root, NULL, NULL)))
    return NULL;

  if (mapped->uid != NULL)
    return g_steal_pointer (&mapped->uid);

  return mapped->user != NULL ? g_strdup (authflow_user_get_id (mapped->user)) : NULL;
}

static void
me_cb (GObject      *object,
       GAsyncResult *result,
       gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowUser) user = NULL;
  g_auto(AuthflowCheckExchange) exchange = { 0 };
  g_autofree char *uid = NULL;
  g_autofree char *evidence = NULL;
  JsonObject *details;

  answer = _authflow_check_take_object (authflow_client_run_finish (AUTHFLOW_CLIENT (object), result, &error));
  if (!_authflow_check_end_call (self, NULL, error, &exchange))
    return;
  details = _authflow_check_exchange_details (&exchange);

  if (answer == NULL)
    {
      /* Translators: the first %s is what the server answered, the second its message. */
      evidence = g_strdup_printf (_("%s: %s"), exchange.how, error->message);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence,
                              exchange.status == 401
                              ? _("Accept the access token that the login just issued: check the me call’s Authorization header in "
                                  "the profile against what the server expects")
                              : _("Check the profile’s me call (its method, path and headers) against the server"),
                              details);
      return;
    }

  /* As the app reads it: Update Authenticated User. */
  user = _authflow_check_map_user (self, AUTHFLOW_PROFILE_CALL_ME, answer, NULL);
  if (user != NULL && self->first_name == NULL)
    self->first_name = g_strdup (authflow_user_get_first_name (user));
  uid = answer_uid (self, answer);
  _authflow_check_set_string_or_null (details, "uid", uid);

  if (uid == NULL)
    {
      /* Translators: %s is what the server answered. */
      evidence = g_strdup_printf (_("%s, but the answer has no UID to tell whose it is"), exchange.how);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence,
                              _("Answer me with the user’s id, at the profile’s answer.uid"), details);
      return;
    }

  if (self->login->uid != NULL && !g_str_equal (uid, self->login->uid))
    {
      /* Translators: %s is what the server answered, then two user ids. */
      evidence = g_strdup_printf (_("%s for UID “%s”, but the login was for UID “%s”"), exchange.how, uid, self->login->uid);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence,
                              _("Answer me for the user that the token was issued to: the server looks up another user (a cache or "
                                "a lookup that ignores the token?)"),
                              details);
      return;
    }

  /* Translators: %s is what the server answered, then a user id. */
  evidence = g_strdup_printf (_("%s for the same user (UID “%s”)"), exchange.how, uid);
  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, details);
}

void
_authflow_check_step_me (AuthflowCheck *self)
{
  if (!_authflow_check_needs_login (self) ||
      !_authflow_check_needs_call (self, AUTHFLOW_PROFILE_CALL_ME, _("the user data comes from the login answer only")))
    return;

  _authflow_check_run_call (self, AUTHFLOW_PROFILE_CALL_ME, self->access_token, NULL, me_cb);
}

/* The access token with its signature (or, if it has none, its first
 * character) changed: what a server must refuse however it reads tokens.
 */
static char *
tamper (const char *token)
{
  char *bad = g_strdup (token);
  char *last_dot = strrchr (bad, '.');
  char *at = last_dot != NULL && last_dot[1] != '\0' ? last_dot + 1 : bad;

  *at = *at == 'A' ? 'B' : 'A';

  return bad;
}

static void
bad_token_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(AuthflowCheckExchange) exchange = { 0 };
  g_autofree char *evidence = NULL;
  JsonObject *details;

  answer = _authflow_check_take_object (authflow_client_run_finish (AUTHFLOW_CLIENT (object), result, &error));
  if (!_authflow_check_end_call (self, NULL, error, &exchange))
    return;
  details = _authflow_check_exchange_details (&exchange);
  /* Translators: %s is what the server answered, e.g. "HTTP 401 in 1 ms, “Invalid token”". */
  evidence = g_strdup_printf (_("A copy of the token with its signature changed: %s"), exchange.said);

  if (exchange.status == 401)
    _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, details);
  else if (exchange.status >= 200 && exchange.status < 300)
    _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence,
                            _("Verify every token’s signature, and refuse a token that does not verify with 401: this server took a "
                              "forged one"),
                            details);
  else if (exchange.status == 0)
    _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence, _("Check the server’s log for this call"), details);
  else
    _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence,
                            _("Refuse a bad or expired token with 401: on 401 the app renews the token and tries again, while any "
                              "other status is shown as a failure"),
                            details);
}

void
_authflow_check_step_bad_token (AuthflowCheck *self)
{
  g_autofree char *bad = NULL;

  if (!_authflow_check_needs_login (self) ||
      !_authflow_check_needs_call (self, AUTHFLOW_PROFILE_CALL_ME, _("there is no protected call to send a bad token to")))
    return;

  bad = tamper (self->access_token);
  _authflow_check_add_secret (self->tokens, bad);
  _authflow_check_run_call (self, AUTHFLOW_PROFILE_CALL_ME, bad, NULL, bad_token_cb);
}

/* Update User: write, read back with me, restore. */

static void update_restored_cb (GObject      *object,
                                GAsyncResult *result,
                                gpointer      user_data);

/* The first name in @answer to @kind, as the app would read it. */
static char *
answer_first_name (AuthflowCheck           *self,
                   AuthflowProfileCallKind  kind,
                   JsonObject              *answer)
{
  g_autoptr(AuthflowUser) user = _authflow_check_map_user (self, kind, answer, NULL);

  return user != NULL ? g_strdup (authflow_user_get_first_name (user)) : NULL;
}

static void
restore_first_name (AuthflowCheck *self)
{
  GHashTable *values;

  if (self->first_name == NULL || self->first_name[0] == '\0')
    {
      /* Translators: %s is what the check found so far. */
      g_autofree char *evidence = g_strdup_printf (_("%s; the user had no first name before, so there is none to "
                                                     "restore"), self->evidence->str);

      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, NULL);
      return;
    }

  values = _authflow_check_new_values (NULL);
  g_hash_table_replace (values, (gpointer) "first_name", g_strdup (self->first_name));
  _authflow_check_run_call (self, AUTHFLOW_PROFILE_CALL_UPDATE_USER, self->access_token, values, update_restored_cb);
}

static void
update_read_back_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *read = NULL;
  g_autofree char *evidence = NULL;

  answer = _authflow_check_take_object (authflow_client_run_finish (AUTHFLOW_CLIENT (object), result, &error));
  if (!_authflow_check_end_call (self, NULL, error, NULL))
    return;

  if (answer == NULL || g_strcmp0 ((read = answer_first_name (self, AUTHFLOW_PROFILE_CALL_ME, answer)),
                                   self->written_first_name) != 0)
    {
      if (answer == NULL)
        /* Translators: the first %s is what the check found so far, the second the error. */
        evidence = g_strdup_printf (_("%s; but reading it back with me failed: %s"), self->evidence->str,
                                    error->message);
      else
        /* Translators: the first %s is what the check found so far, the second a first name. */
        evidence = g_strdup_printf (_("%s; but me still says “%s”"), self->evidence->str, read ? read : "");

      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence,
                              _("Store what update_user sends, so that me answers with it afterwards"), NULL);
      return;
    }

  g_string_append (self->evidence, _(", me reads it back"));
  restore_first_name (self);
}

static void
update_written_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(AuthflowCheckExchange) exchange = { 0 };
  g_autofree char *written = NULL;
  g_autofree char *evidence = NULL;

  answer = _authflow_check_take_object (authflow_client_run_finish (AUTHFLOW_CLIENT (object), result, &error));
  if (!_authflow_check_end_call (self, NULL, error, &exchange))
    return;

  if (answer == NULL)
    {
      /* Translators: the first %s is a first name, the second what the server answered, the third its message. */
      evidence = g_strdup_printf (_("Writing the first name “%s” failed: %s: %s"), self->written_first_name, exchange.how,
                                  error->message);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence,
                              _("Check the profile’s update_user call (its method, path and body) against the server"),
                              _authflow_check_exchange_details (&exchange));
      return;
    }

  written = answer_first_name (self, AUTHFLOW_PROFILE_CALL_UPDATE_USER, answer);
  if (g_strcmp0 (written, self->written_first_name) != 0)
    {
      /* Translators: the first %s is a first name, the second what the server answered, the third another name. */
      evidence = g_strdup_printf (_("Wrote the first name “%s”: %s, but the answer’s user has “%s”"),
                                  self->written_first_name, exchange.how, written != NULL ? written : "");
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence,
                              _("Answer update_user with the updated user, and check that the profile’s update_user body sends "
                                "{{first_name}}"),
                              _authflow_check_exchange_details (&exchange));
      return;
    }

  g_string_truncate (self->evidence, 0);
  /* Translators: the first %s is a first name, the second what the server answered. */
  g_string_append_printf (self->evidence, _("Wrote the first name “%s”: %s, and the answer has it"),
                          self->written_first_name, exchange.how);

  if (authflow_profile_has_call (self->profile, AUTHFLOW_PROFILE_CALL_ME))
    _authflow_check_run_call (self, AUTHFLOW_PROFILE_CALL_ME, self->access_token, NULL, update_read_back_cb);
  else
    restore_first_name (self);
}

static void
update_restored_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *restored = NULL;
  g_autofree char *evidence = NULL;

  answer = _authflow_check_take_object (authflow_client_run_finish (AUTHFLOW_CLIENT (object), result, &error));
  if (!_authflow_check_end_call (self, NULL, error, NULL))
    return;

  if (answer == NULL ||
      g_strcmp0 ((restored = answer_first_name (self, AUTHFLOW_PROFILE_CALL_UPDATE_USER, answer)), self->first_name) != 0)
    {
      /* Translators: the first %s is what the check found so far, the second a first name. */
      evidence = g_strdup_printf (_("%s; but putting back “%s” failed"), self->evidence->str, self->first_name);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence,
                              _("Put the user’s first name back by hand"), NULL);
      return;
    }

  /* Translators: the first %s is what the check found so far, the second a first name. */
  evidence = g_strdup_printf (_("%s; “%s” is back"), self->evidence->str, self->first_name);
  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, NULL);
}

void
_authflow_check_step_update_user (AuthflowCheck *self)
{
  GHashTable *values;

  if (!_authflow_check_needs_login (self) ||
      !_authflow_check_needs_call (self, AUTHFLOW_PROFILE_CALL_UPDATE_USER, _("the app cannot change the user’s data here")))
    return;

  if (self->first_name == NULL && self->login->user != NULL)
    self->first_name = g_strdup (authflow_user_get_first_name (self->login->user));

  g_free (self->written_first_name);
  self->written_first_name = g_strdup_printf ("Authflow Check %04x", g_random_int () & 0xffff);
  values = _authflow_check_new_values (NULL);
  g_hash_table_replace (values, (gpointer) "first_name", g_strdup (self->written_first_name));
  _authflow_check_run_call (self, AUTHFLOW_PROFILE_CALL_UPDATE_USER, self->access_token, values, update_written_cb);
}

/* Refresh: the new access token, and does me take it. */

static void
refreshed_me_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *evidence = NULL;

  answer = _authflow_check_take_object (authflow_client_run_finish (AUTHFLOW_CLIENT (object), result, &error));
  if (!_authflow_check_end_call (self, NULL, error, NULL))
    return;

  if (answer == NULL)
    {
      /* Translators: the first %s is what the check found so far, the second the error. */
      evidence = g_strdup_printf (_("%s; but me refuses it: %s"), self->evidence->str, error->message);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence,
                              _("Accept the access tokens that a refresh issues as those of a login"), NULL);
      return;
    }

  /* Translators: %s is what the check found so far. */
  evidence = g_strdup_printf (_("%s, which me accepts"), self->evidence->str);
  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, NULL);
}

static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(AuthflowCheckExchange) exchange = { 0 };
  g_autofree char *evidence = NULL;
  g_autofree char *fingerprint = NULL;
  JsonObject *details;

  auth = authflow_client_refresh_finish (AUTHFLOW_CLIENT (object), result, &error);
  if (!_authflow_check_end_call (self, auth, error, &exchange))
    return;
  details = _authflow_check_exchange_details (&exchange);

  if (auth == NULL)
    {
      /* Translators: the first %s is what the server answered, the second its message. */
      evidence = g_strdup_printf (_("%s: %s"), exchange.how, error->message);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence,
                              g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_BAD_ANSWER)
                              ? _("Point the refresh call’s answer.access_token at where the refresh answer keeps the new token")
                              : _("Check the profile’s refresh call (its path and body) against the server, and that the server "
                                  "accepts the refresh token it just issued"),
                              details);
      return;
    }

  fingerprint = authflow_journal_fingerprint (auth->access_token);
  json_object_set_string_member (details, "fingerprint", fingerprint);
  g_string_truncate (self->evidence, 0);
  if (g_strcmp0 (auth->access_token, self->access_token) == 0)
    /* Translators: the first %s is what the server answered, the second a token's fingerprint. */
    g_string_append_printf (self->evidence, _("%s: the same access token as before (%s)"), exchange.how, fingerprint);
  else
    /* Translators: the first %s is what the server answered, the second a token's fingerprint. */
    g_string_append_printf (self->evidence, _("%s: a new access token (%s)"), exchange.how, fingerprint);

  self->spent_refresh_token = g_strdup (self->refresh_token);
  _authflow_check_replace_token (&self->access_token, auth->access_token);
  if (auth->refresh_token != NULL)
    _authflow_check_replace_token (&self->refresh_token, auth->refresh_token);
  self->refreshed = g_steal_pointer (&auth);

  if (!authflow_profile_has_call (self->profile, AUTHFLOW_PROFILE_CALL_ME))
    {
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, self->evidence->str, NULL, details);
      return;
    }

  json_object_unref (details);
  _authflow_check_run_call (self, AUTHFLOW_PROFILE_CALL_ME, self->access_token, NULL, refreshed_me_cb);
}

void
_authflow_check_step_refresh (AuthflowCheck *self)
{
  if (!_authflow_check_needs_login (self) ||
      !_authflow_check_needs_call (self, AUTHFLOW_PROFILE_CALL_REFRESH,
                                   _("when the access token expires, the app ends the session and the person logs in again")))
    return;

  if (self->refresh_token == NULL)
    {
      _authflow_check_skip (self, _("Not tried: the login gave no refresh token"));
      return;
    }

  _authflow_check_begin_call (self);
  {
    g_autoptr(GHashTable) session = _authflow_check_dup_session_values (self);

    authflow_client_refresh_async (self->client, self->refresh_token, session, _authflow_check_get_cancellable (self), refresh_cb, self);
  }
}

/* Rotation: a new refresh token, the spent one refused, and whether its
 * reuse ended the session.
 */

static const char *
rotation_advice (void)
{
  return _("Issue a new refresh token with every refresh and refuse the one it replaces (ending the session when it "
           "comes back), so that a stolen refresh token stops working");
}

static void
family_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;

  auth = authflow_client_refresh_finish (AUTHFLOW_CLIENT (object), result, &error);
  if (!_authflow_check_end_call (self, auth, error, NULL))
    return;

  if (auth == NULL)
    {
      g_string_append (self->evidence, _("; and its reuse ended the session: the newer refresh token is refused too"));
      /* Nothing of the session is left to log out. */
      g_clear_pointer (&self->access_token, _authflow_check_wipe_free);
    }
  else
    {
      g_string_append (self->evidence, _("; the newer refresh token still works"));
      _authflow_check_replace_token (&self->access_token, auth->access_token);
      if (auth->refresh_token != NULL)
        _authflow_check_replace_token (&self->refresh_token, auth->refresh_token);
    }

  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, self->evidence->str, NULL, NULL);
}

static void
replay_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(AuthflowCheckExchange) exchange = { 0 };

  auth = authflow_client_refresh_finish (AUTHFLOW_CLIENT (object), result, &error);
  if (!_authflow_check_end_call (self, auth, error, &exchange))
    return;

  if (auth != NULL)
    {
      /* Translators: %s is what the server answered. */
      g_autofree char *evidence = g_strdup_printf (_("The refresh token rotates, but the spent one was accepted "
                                                     "again: %s"), exchange.how);

      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence, rotation_advice (), _authflow_check_exchange_details (&exchange));
      return;
    }

  g_string_truncate (self->evidence, 0);
  /* Translators: %s is what the server answered, e.g. "HTTP 403 in 1 ms, “Invalid refresh token”". */
  g_string_append_printf (self->evidence, _("A new refresh token with each refresh, and the spent one is refused: "
                                            "%s"), exchange.said);

  _authflow_check_begin_call (self);
  {
    g_autoptr(GHashTable) session = _authflow_check_dup_session_values (self);

    authflow_client_refresh_async (self->client, self->refresh_token, session, _authflow_check_get_cancellable (self), family_cb, self);
  }
}

void
_authflow_check_step_refresh_rotation (AuthflowCheck *self)
{
  if (!_authflow_check_needs_login (self) ||
      !_authflow_check_needs_call (self, AUTHFLOW_PROFILE_CALL_REFRESH, _("there is no refresh token to rotate")))
    return;

  if (self->refreshed == NULL)
    {
      _authflow_check_skip (self, _("Not tried: there was no refresh"));
      return;
    }

  if (self->refreshed->refresh_token == NULL)
    {
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING,
                              _("The refresh answer has no refresh token, so the app goes on with the first one: it never rotates"),
                              rotation_advice (), NULL);
      return;
    }

  if (g_str_equal (self->refreshed->refresh_token, self->spent_refresh_token))
    {
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING,
                              _("The refresh answer has the same refresh token again: it never rotates"),
                              rotation_advice (), NULL);
      return;
    }

  _authflow_check_begin_call (self);
  {
    g_autoptr(GHashTable) session = _authflow_check_dup_session_values (self);

    authflow_client_refresh_async (self->client, self->spent_refresh_token, session, _authflow_check_get_cancellable (self), replay_cb, self);
  }
}

/* Logout, in a session of its own: the first one's may be over by now. */

static void
after_logout_me_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = _authflow_check_take_object (authflow_client_run_finish (AUTHFLOW_CLIENT (object), result, &error));
  if (!_authflow_check_end_call (self, NULL, error, NULL))
    return;

  if (answer == NULL)
    g_string_append (self->evidence, _("; the access token is refused too"));
  else if (self->second->expiry != NULL)
    {
      g_autoptr(GDateTime) now = authflow_client_dup_server_now (self->client);
      g_autofree char *left = _authflow_check_format_duration (g_date_time_difference (self->second->expiry, now));

      /* Translators: %s is a duration, e.g. "59 min". */
      g_string_append_printf (self->evidence, _("; the access token still works until it expires, in %s"), left);
    }
  else
    g_string_append (self->evidence, _("; the access token still works until it expires"));

  _authflow_check_finish (self, self->pending_state, self->evidence->str, self->pending_advice, NULL);
}

static void
finish_logout (AuthflowCheck      *self,
               AuthflowCheckState  state,
               const char         *advice)
{
  self->pending_state = state;
  g_free (self->pending_advice);
  self->pending_advice = g_strdup (advice);

  if (authflow_profile_has_call (self->profile, AUTHFLOW_PROFILE_CALL_ME))
    {
      _authflow_check_run_call (self, AUTHFLOW_PROFILE_CALL_ME, self->second->access_token, NULL, after_logout_me_cb);
      return;
    }

  _authflow_check_finish (self, state, self->evidence->str, advice, NULL);
}

static void
after_logout_refresh_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(AuthflowCheckExchange) exchange = { 0 };

  auth = authflow_client_refresh_finish (AUTHFLOW_CLIENT (object), result, &error);
  if (!_authflow_check_end_call (self, auth, error, &exchange))
    return;

  if (auth != NULL)
    {
      /* Translators: %s is what the server answered. */
      g_string_append_printf (self->evidence, _("; but the refresh token still works after it: %s"), exchange.how);
      finish_logout (self, AUTHFLOW_CHECK_STATE_WARNING,
                     _("End the session on logout: refuse its refresh token, and its access tokens, from then on"));
      return;
    }

  /* Translators: %s is what the server answered, e.g. "HTTP 403 in 1 ms, “Invalid refresh token”". */
  g_string_append_printf (self->evidence, _("; the refresh token is refused after it: %s"), exchange.said);
  finish_logout (self, AUTHFLOW_CHECK_STATE_PASS, NULL);
}

static void
logout_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(AuthflowCheckExchange) exchange = { 0 };

  authflow_client_log_out_finish (AUTHFLOW_CLIENT (object), result, &error);
  if (!_authflow_check_end_call (self, NULL, error, &exchange))
    return;

  if (error != NULL)
    {
      /* Translators: the first %s is what the server answered, the second its message. */
      g_autofree char *evidence = g_strdup_printf (_("Logging out failed: %s: %s"), exchange.how, error->message);

      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence,
                              _("Check the profile’s logout call (its method, path, headers and body) against the server"),
                              _authflow_check_exchange_details (&exchange));
      return;
    }

  g_string_truncate (self->evidence, 0);
  /* Translators: %s is what the server answered, e.g. "HTTP 200 in 3 ms". */
  g_string_append_printf (self->evidence, _("Logged out: %s"), exchange.how);

  if (self->second->refresh_token == NULL ||
      !authflow_profile_has_call (self->profile, AUTHFLOW_PROFILE_CALL_REFRESH))
    {
      finish_logout (self, AUTHFLOW_CHECK_STATE_PASS, NULL);
      return;
    }

  _authflow_check_begin_call (self);
  {
    g_autoptr(GHashTable) session = _authflow_check_dup_session_values (self);

    authflow_client_refresh_async (self->client, self->second->refresh_token, session, _authflow_check_get_cancellable (self),
                                   after_logout_refresh_cb, self);
  }
}

static void
second_login_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *evidence = NULL;

  self->second = authflow_client_log_in_finish (AUTHFLOW_CLIENT (object), result, &error);
  if (!_authflow_check_end_call (self, self->second, error, NULL))
    return;

  if (self->second == NULL)
    {
      /* Translators: %s is the error. */
      evidence = g_strdup_printf (_("Logging in once more, for a session to log out of, failed: %s"), error->message);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence, _("Let a user log in more than once"), NULL);
      return;
    }

  _authflow_check_begin_call (self);
  {
    g_autoptr(GHashTable) session = _authflow_check_dup_session_values (self);

    authflow_client_log_out_async (self->client, self->second->access_token, self->second->refresh_token, session,
                                   _authflow_check_get_cancellable (self), logout_cb, self);
  }
}

void
_authflow_check_step_logout (AuthflowCheck *self)
{
  if (!_authflow_check_needs_login (self) ||
      !_authflow_check_needs_call (self, AUTHFLOW_PROFILE_CALL_LOGOUT,
                                   _("logging out is local only, and the backend keeps the tokens valid until they expire")))
    return;

  _authflow_check_begin_call (self);
  authflow_client_log_in_async (self->client, self->login_username, self->login_password,
                                _authflow_check_get_cancellable (self), second_login_cb, self);
}

static void
wrong_password_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(AuthflowCheckExchange) exchange = { 0 };
  g_autofree char *message = NULL;
  g_autofree char *evidence = NULL;
  JsonObject *details;

  auth = authflow_client_log_in_finish (AUTHFLOW_CLIENT (object), result, &error);
  if (!_authflow_check_end_call (self, auth, error, &exchange))
    return;
  details = _authflow_check_exchange_details (&exchange);

  if (auth != NULL)
    {
      /* Translators: %s is what the server answered. */
      evidence = g_strdup_printf (_("A login with a wrong password: %s, with tokens"), exchange.how);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence, _("Refuse a wrong password"), details);
      return;
    }

  if (exchange.status == 0)
    {
      /* Translators: %s is what happened instead of an answer. */
      evidence = g_strdup_printf (_("A login with a wrong password: %s"), exchange.how);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence, _("Check the server’s log for this login"), details);
      return;
    }

  message = _authflow_check_answer_message (self, exchange.body);
  if (message != NULL)
    json_object_set_string_member (details, "message", message);

  if (message == NULL)
    {
      /* Translators: the first %s is what the server answered, the second what the app shows instead. */
      evidence = g_strdup_printf (_("A login with a wrong password: %s, without a message that the profile’s "
                                    "error_message finds, so the app can only say “%s”"), exchange.how, error->message);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence,
                              _("Answer errors with a message, e.g. {\"message\": \"Invalid credentials\"}, or point the profile’s "
                                "answer.error_message at where the server puts it"),
                              details);
      return;
    }

  /* Translators: the first %s is what the server answered, the second the message the app shows. */
  evidence = g_strdup_printf (_("A login with a wrong password: %s; the app shows “%s”"), exchange.how, error->message);

  if (exchange.status >= 500)
    _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence,
                            _("Answer a wrong password with 400 or 401 and its message, not as a server error"), details);
  else
    _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, details);
}

void
_authflow_check_step_error_message (AuthflowCheck *self)
{
  g_autofree char *wrong = NULL;

  if (!_authflow_check_needs_answer (self))
    return;

  if (self->login_username == NULL)
    {
      _authflow_check_skip (self, _("Not tried: there is no username to try a wrong password with"));
      return;
    }

  wrong = g_strconcat (self->login_password != NULL ? self->login_password : "", "-not-the-password", NULL);
  _authflow_check_add_secret (self->passwords, wrong);
  _authflow_check_begin_call (self);
  authflow_client_log_in_async (self->client, self->login_username, wrong, _authflow_check_get_cancellable (self),
                                wrong_password_cb, self);
}
