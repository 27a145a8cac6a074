// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-flow"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "authflow-flow.h"

/* The verbs of the flow — API call, log in, update user, log out — and the
 * restore at start-up. Pages call these and never touch the session
 * themselves; the navigation controller follows the session's state.
 *
 * The keyring is a convenience, never a gate: when it fails the person stays
 * signed in for this run, and "keyring-problem" says why the session will
 * not be remembered.
 */
struct _AuthflowFlow
{
  GObject               parent_instance;

  AuthflowSession      *session;
  AuthflowClient       *client;
  AuthflowSessionStore *store;
  GCancellable         *cancellable;
  char                 *keyring_problem;
};

G_DEFINE_FINAL_TYPE (AuthflowFlow, authflow_flow, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CLIENT,
  PROP_STORE,
  PROP_KEYRING_PROBLEM,
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
                     const GError *error)
{
  g_autofree char *problem = NULL;

  if (error == NULL)
    {
      set_keyring_problem (self, NULL);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

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
  note_keyring_result (self, error);
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
  note_keyring_result (self, error);
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
authflow_flow_dispose (GObject *object)
{
  AuthflowFlow *self = (AuthflowFlow *)object;

  g_cancellable_cancel (self->cancellable);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, persist_changed_cb, self);

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

  G_OBJECT_CLASS (authflow_flow_parent_class)->finalize (object);
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

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authflow_flow_init (AuthflowFlow *self)
{
  self->session = authflow_session_new ();
  self->cancellable = g_cancellable_new ();
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
  note_keyring_result (self, error);

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

  if (!authflow_session_restore (self->session, stored, &error))
    {
      g_debug ("Discarding the stored session: %s", error->message);
      authflow_session_sign_out (self->session);
      clear_stored (self);
      g_task_return_new_error (task, AUTHFLOW_SESSION_ERROR, error->code,
                               _("The stored session could not be read and was removed. Please log in again."));
    }
  else
    {
      g_task_return_boolean (task, TRUE);
    }

  secret_password_free (stored);
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
  authflow_session_sign_in (self->session,
                            auth->access_token,
                            auth->refresh_token,
                            auth->expiry,
                            auth->uid,
                            auth->user);

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
 * Tries the keyring again after it failed: stores the signed-in session, or
 * checks that the keyring answers. "keyring-problem" tells how it went.
 */
void
authflow_flow_retry_keyring (AuthflowFlow *self)
{
  g_return_if_fail (AUTHFLOW_IS_FLOW (self));

  if (authflow_session_get_state (self->session) == AUTHFLOW_SESSION_STATE_SIGNED_IN)
    save_session (self, NULL);
  else
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
  note_keyring_result (self, error);
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
