// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "authflow-profile.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_BACKENDS (authflow_backends_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowBackends, authflow_backends, AUTHFLOW, BACKENDS, GObject)

AuthflowBackends    *authflow_backends_new           (const char       *user_dir);
AuthflowProfile     *authflow_backends_lookup        (AuthflowBackends *self,
                                                      const char       *id);
GListModel          *authflow_backends_get_profiles  (AuthflowBackends *self);
const char * const  *authflow_backends_get_problems  (AuthflowBackends *self);
char                *authflow_backends_dup_user_dir  (void);
gboolean             authflow_backends_is_builtin    (AuthflowBackends *self,
                                                      const char       *id);
char                *authflow_backends_dup_source    (AuthflowBackends *self,
                                                      const char       *id,
                                                      GError          **error);
void                 authflow_backends_save_async    (AuthflowBackends *self,
                                                      const char       *text,
                                                      GCancellable     *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer          user_data);
AuthflowProfile     *authflow_backends_save_finish   (AuthflowBackends *self,
                                                      GAsyncResult     *result,
                                                      GError          **error);

G_END_DECLS
