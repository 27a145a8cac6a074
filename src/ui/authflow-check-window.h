// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-check.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_CHECK_WINDOW (authflow_check_window_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowCheckWindow, authflow_check_window, AUTHFLOW, CHECK_WINDOW, AdwWindow)

AuthflowCheckWindow *authflow_check_window_new        (AuthflowProfile     *profile,
                                                       const char          *base_url);
AuthflowCheck       *authflow_check_window_get_check  (AuthflowCheckWindow *self);
char                *authflow_check_window_dup_report (AuthflowCheckWindow *self);

G_END_DECLS
