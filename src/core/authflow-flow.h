// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "authflow-client.h"
#include "authflow-faults.h"
#include "authflow-journal.h"
#include "authflow-session.h"
#include "authflow-session-store.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_FLOW (authflow_flow_get_type ())
#define AUTHFLOW_FLOW_ERROR (authflow_flow_error_quark ())

typedef enum
{
  AUTHFLOW_FLOW_ERROR_SESSION_EXPIRED,
  AUTHFLOW_FLOW_ERROR_NOT_SIGNED_IN,
} AuthflowFlowError;

/* Microseconds since the epoch, like g_get_real_time(). */
typedef gint64 (*AuthflowTimeFunc) (gpointer user_data);

G_DECLARE_FINAL_TYPE (AuthflowFlow, authflow_flow, AUTHFLOW, FLOW, GObject)

GQuark                authflow_flow_error_quark          (void);
AuthflowFlow         *authflow_flow_new                  (AuthflowClient        *client,
                                                          AuthflowSessionStore  *store);
void                  authflow_flow_shutdown             (AuthflowFlow          *self);
void                  authflow_flow_forget_session       (AuthflowFlow          *self);
AuthflowSession      *authflow_flow_get_session          (AuthflowFlow          *self);
AuthflowClient       *authflow_flow_get_client           (AuthflowFlow          *self);
AuthflowSessionStore *authflow_flow_get_store            (AuthflowFlow          *self);
AuthflowJournal      *authflow_flow_get_journal          (AuthflowFlow          *self);
void                  authflow_flow_set_journal          (AuthflowFlow          *self,
                                                          AuthflowJournal       *journal);
AuthflowFaults       *authflow_flow_get_faults           (AuthflowFlow          *self);
const char           *authflow_flow_get_keyring_problem  (AuthflowFlow          *self);
const char           *authflow_flow_get_offline_problem  (AuthflowFlow          *self);
const char           *authflow_flow_get_sign_out_reason  (AuthflowFlow          *self);
const char           *authflow_flow_get_last_username    (AuthflowFlow          *self);
GDateTime            *authflow_flow_get_next_refresh     (AuthflowFlow          *self);
guint                 authflow_flow_get_refresh_count    (AuthflowFlow          *self);
GDateTime            *authflow_flow_dup_now              (AuthflowFlow          *self);
void                  authflow_flow_set_time_func        (AuthflowFlow          *self,
                                                          AuthflowTimeFunc       func,
                                                          gpointer               user_data);
void                  authflow_flow_check_schedule       (AuthflowFlow          *self);
void                  authflow_flow_retry_now            (AuthflowFlow          *self);
void                  authflow_flow_call_async           (AuthflowFlow          *self,
                                                          const char            *method,
                                                          const char            *path,
                                                          JsonNode              *body,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
JsonNode             *authflow_flow_call_finish          (AuthflowFlow          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
void                  authflow_flow_fetch_user_async     (AuthflowFlow          *self,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
AuthflowUser         *authflow_flow_fetch_user_finish    (AuthflowFlow          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
void                  authflow_flow_edit_profile_async   (AuthflowFlow          *self,
                                                          const char            *first_name,
                                                          const char            *last_name,
                                                          const char            *email,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
AuthflowUser         *authflow_flow_edit_profile_finish  (AuthflowFlow          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
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
void                  authflow_flow_revoke_session_async (AuthflowFlow          *self,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              authflow_flow_revoke_session_finish (AuthflowFlow         *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);

G_END_DECLS
