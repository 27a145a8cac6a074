// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-flow"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "authflow-flow-private.h"

/* The keyring's part of the flow: storing the session and removing it,
 * the restore at start-up, and Try Again after the keyring failed.
 *
 * The keyring is a convenience, never a gate: when it fails the person stays
 * signed in for this run, and "keyring-problem" says why the session will
 * not be remembered.
 */

static void
set_keyring_problem (AuthflowFlow *self,
                     const char   *problem)
{
  if (g_strcmp0 (self->keyring_problem, problem) == 0)
    return;

  g_free (self->keyring_problem);
  self->keyring_problem = g_strdup (problem);
  _authflow_flow_notify (self, PROP_KEYRING_PROBLEM);
}

/* Records how a keyring call went; a cancelled call says nothing. */
void
_authflow_flow_note_keyring_result (AuthflowFlow *self,
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
void
_authflow_flow_hold_application (void)
{
  GApplication *app = g_application_get_default ();

  if (app != NULL)
    g_application_hold (app);
}

void
_authflow_flow_release_application (void)
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
  _authflow_flow_note_keyring_result (self, KEYRING_CALL_SAVE, error);
  _authflow_flow_release_application ();

  g_task_return_boolean (task, TRUE);
}

/* Stores the session; @task, if any, is completed when the keyring is done,
 * successful either way: the session is signed in whatever the keyring says.
 */
void
_authflow_flow_save_session (AuthflowFlow *self,
                             GTask        *task)
{
  if (task == NULL)
    task = g_task_new (self, self->cancellable, NULL, NULL);

  _authflow_flow_hold_application ();
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
  _authflow_flow_note_keyring_result (self, KEYRING_CALL_CLEAR, error);
  _authflow_flow_release_application ();
}

void
_authflow_flow_clear_stored (AuthflowFlow *self)
{
  _authflow_flow_hold_application ();
  authflow_session_store_clear_async (self->store, self->cancellable, clear_cb,
                                      g_object_ref (self));
}

/* Connected to the store's "persist" in authflow_flow_constructed(). */
void
_authflow_flow_persist_changed_cb (AuthflowFlow         *self,
                                   GParamSpec           *pspec,
                                   AuthflowSessionStore *store)
{
  if (authflow_session_get_state (self->session) == AUTHFLOW_SESSION_STATE_SIGNED_IN)
    _authflow_flow_save_session (self, NULL);
  else if (!authflow_session_store_get_persist (store))
    _authflow_flow_clear_stored (self);
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
  const char *identifier;

  _authflow_flow_say_why (self, AUTHFLOW_JOURNAL_STEP_RESTORE, "restored from the keyring");
  if (root == NULL || !authflow_session_restore_parsed (self->session, root, &local_error))
    {
      g_debug ("Discarding the stored session: %s", local_error->message);
      _authflow_flow_say_why (self, AUTHFLOW_JOURNAL_STEP_RESTORE,
                              "the stored session could not be read, and was removed");
      authflow_session_sign_out (self->session);
      _authflow_flow_clear_stored (self);
      g_set_error_literal (error, AUTHFLOW_SESSION_ERROR, local_error->code,
                           _("The stored session could not be read and was removed. Please log in again."));
      return FALSE;
    }

  /* Home shows the stored data at once. Behind it, the tokens are renewed
   * if they are due, and the user is asked of the server, which also tells
   * whether it can be reached and the session is still good.
   */
  identifier = _authflow_flow_get_login_identifier (self,
                                                    authflow_session_get_user (self->session));
  _authflow_flow_set_string_property (self, &self->last_username, identifier, PROP_LAST_USERNAME);
  _authflow_flow_record_expiry (self, "stored");
  authflow_flow_check_schedule (self);
  if (!self->refreshing)
    authflow_flow_fetch_user_async (self, self->cancellable, _authflow_flow_probe_cb, NULL);

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

      _authflow_flow_say_why (self, AUTHFLOW_JOURNAL_STEP_RESTORE, "the restore was cancelled");
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
  _authflow_flow_note_keyring_result (self, KEYRING_CALL_LOAD, error);

  if (stored == NULL)
    {
      _authflow_flow_say_why (self, AUTHFLOW_JOURNAL_STEP_RESTORE,
                              error == NULL ? "nothing stored" :
                              g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? "the restore was cancelled" :
                              "the keyring could not be read");
      authflow_session_sign_out (self->session);

      /* With "persist" off an item left from before must not linger. */
      if (error == NULL && !authflow_session_store_get_persist (store))
        _authflow_flow_clear_stored (self);

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
    _authflow_flow_set_string_property (self, &self->sign_out_reason, error->message,
                                        PROP_SIGN_OUT_REASON);
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
  _authflow_flow_note_keyring_result (self, KEYRING_CALL_LOAD, error);

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
    _authflow_flow_save_session (self, NULL);
  else if (self->failed_call == KEYRING_CALL_LOAD && state == AUTHFLOW_SESSION_STATE_SIGNED_OUT)
    authflow_session_store_load_async (self->store, self->cancellable, retry_load_cb,
                                       g_object_ref (self));
  else if (state == AUTHFLOW_SESSION_STATE_SIGNED_OUT)
    _authflow_flow_clear_stored (self);
}
