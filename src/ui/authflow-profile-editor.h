// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-backends.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_PROFILE_EDITOR (authflow_profile_editor_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowProfileEditor, authflow_profile_editor, AUTHFLOW, PROFILE_EDITOR, AdwWindow)

AuthflowProfileEditor *authflow_profile_editor_new          (AuthflowBackends      *backends,
                                                             const char            *id);
const char            *authflow_profile_editor_get_text     (AuthflowProfileEditor *self);
void                   authflow_profile_editor_set_text     (AuthflowProfileEditor *self,
                                                             const char            *text);
void                   authflow_profile_editor_set_sample   (AuthflowProfileEditor *self,
                                                             const char            *text);
AuthflowProfile       *authflow_profile_editor_get_profile  (AuthflowProfileEditor *self);

G_END_DECLS
