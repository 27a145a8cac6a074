// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-flow.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_EDIT_PROFILE_DIALOG (authflow_edit_profile_dialog_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowEditProfileDialog, authflow_edit_profile_dialog,
                      AUTHFLOW, EDIT_PROFILE_DIALOG, AdwWindow)

AuthflowEditProfileDialog *authflow_edit_profile_dialog_new (GtkWindow    *parent,
                                                             AuthflowFlow *flow);

G_END_DECLS
