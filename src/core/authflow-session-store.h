// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "authflow-faults.h"
#include "authflow-journal.h"
#include "authflow-session.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_SESSION_STORE (authflow_session_store_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowSessionStore, authflow_session_store, AUTHFLOW, SESSION_STORE, GObject)

AuthflowSessionStore *authflow_session_store_new         (const char            *backend);
const char           *authflow_session_store_get_backend (AuthflowSessionStore  *self);
const char           *authflow_session_store_get_profile (AuthflowSessionStore  *self);
void                  authflow_session_store_set_profile (AuthflowSessionStore  *self,
                                                          const char            *profile);
void                  authflow_session_store_set_backend (AuthflowSessionStore  *self,
                                                          const char            *backend);
gboolean              authflow_session_store_get_persist (AuthflowSessionStore  *self);
void                  authflow_session_store_set_persist (AuthflowSessionStore  *self,
                                                          gboolean               persist);
guint                 authflow_session_store_get_timeout (AuthflowSessionStore  *self);
void                  authflow_session_store_set_timeout (AuthflowSessionStore  *self,
                                                          guint                  timeout_ms);
guint                 authflow_session_store_get_prompt_timeout (AuthflowSessionStore *self);
void                  authflow_session_store_set_prompt_timeout (AuthflowSessionStore *self,
                                                                 guint                 timeout_ms);
gboolean              authflow_session_store_get_prompting (AuthflowSessionStore *self);
gboolean              authflow_session_store_get_reading   (AuthflowSessionStore *self);
AuthflowJournal      *authflow_session_store_get_journal   (AuthflowSessionStore *self);
void                  authflow_session_store_set_journal   (AuthflowSessionStore *self,
                                                            AuthflowJournal      *journal);
AuthflowFaults       *authflow_session_store_get_faults    (AuthflowSessionStore *self);
void                  authflow_session_store_set_faults    (AuthflowSessionStore *self,
                                                            AuthflowFaults       *faults);
void                  authflow_session_store_load_async  (AuthflowSessionStore  *self,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
char                 *authflow_session_store_load_finish (AuthflowSessionStore  *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
void                  authflow_session_store_read_ahead  (AuthflowSessionStore  *self);
void                  authflow_session_store_save_async  (AuthflowSessionStore  *self,
                                                          AuthflowSession       *session,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              authflow_session_store_save_finish (AuthflowSessionStore  *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
void                  authflow_session_store_clear_async (AuthflowSessionStore  *self,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              authflow_session_store_clear_finish (AuthflowSessionStore *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
void                  authflow_session_store_describe_async  (AuthflowSessionStore  *self,
                                                              GCancellable          *cancellable,
                                                              GAsyncReadyCallback    callback,
                                                              gpointer               user_data);
JsonObject           *authflow_session_store_describe_finish (AuthflowSessionStore  *self,
                                                              GAsyncResult          *result,
                                                              GError               **error);

G_END_DECLS
