// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-flow"

#include "config.h"

#include "authflow-flow-private.h"

/* The verb "API Call" on a protected API: a call sent with the bearer
 * token, either any method and path or one of the profile's calls (`me`,
 * and `update_user` with Update Authenticated User after it). What happens
 * on a 401, the one shared refresh and the single retry, is the renewal
 * engine's, in authflow-flow-renewal.c.
 */

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

  _authflow_flow_start_call (self, task);
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

  _authflow_flow_start_call (self, task);
}

/**
 * authflow_flow_call_finish:
 *
 * Returns: (transfer full): the answer's JSON: an object, or whatever
 *   else the server sent (an array, a string…)
 */
JsonNode *
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
  g_autoptr(JsonNode) answer = NULL;
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
