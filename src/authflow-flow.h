// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "authflow-client.h"
#include "authflow-session.h"
#include "authflow-session-store.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_FLOW (authflow_flow_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowFlow, authflow_flow, AUTHFLOW, FLOW, GObject)

AuthflowFlow         *authflow_flow_new                  (AuthflowClient        *client,
                                                          AuthflowSessionStore  *store);
AuthflowSession      *authflow_flow_get_session          (AuthflowFlow          *self);
AuthflowClient       *authflow_flow_get_client           (AuthflowFlow          *self);
AuthflowSessionStore *authflow_flow_get_store            (AuthflowFlow          *self);
const char           *authflow_flow_get_keyring_problem  (AuthflowFlow          *self);
void                  authflow_flow_restore_async        (AuthflowFlow          *self,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              authflow_flow_restore_finish       (AuthflowFlow          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
void                  authflow_flow_log_in_async         (AuthflowFlow          *self,
                                                          const char            *username,
                                                          const char            *password,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              authflow_flow_log_in_finish        (AuthflowFlow          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
void                  authflow_flow_sign_up_async        (AuthflowFlow          *self,
                                                          const char            *username,
                                                          const char            *email,
                                                          const char            *password,
                                                          const char            *first_name,
                                                          const char            *last_name,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              authflow_flow_sign_up_finish       (AuthflowFlow          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
void                  authflow_flow_update_user          (AuthflowFlow          *self,
                                                          AuthflowUser          *user);
void                  authflow_flow_retry_keyring        (AuthflowFlow          *self);
void                  authflow_flow_log_out_async        (AuthflowFlow          *self,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              authflow_flow_log_out_finish       (AuthflowFlow          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);

G_END_DECLS
