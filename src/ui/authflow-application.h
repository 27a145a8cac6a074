// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-backends.h"
#include "authflow-flow.h"
#include "authflow-journal.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_APPLICATION (authflow_application_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowApplication, authflow_application, AUTHFLOW, APPLICATION, AdwApplication)

AuthflowApplication *authflow_application_new          (GApplicationFlags    flags);
AuthflowFlow        *authflow_application_get_flow     (AuthflowApplication *self);
AuthflowJournal     *authflow_application_get_journal  (AuthflowApplication *self);
GSettings           *authflow_application_get_settings (AuthflowApplication *self);
AuthflowBackends    *authflow_application_get_backends (AuthflowApplication *self);
void                 authflow_application_cancel_restore (AuthflowApplication *self);
guint                authflow_application_get_stored_token_minutes (AuthflowApplication *self,
                                                                    const char          *backend);
void                 authflow_application_set_stored_token_minutes (AuthflowApplication *self,
                                                                    const char          *backend,
                                                                    guint                minutes);

G_END_DECLS
