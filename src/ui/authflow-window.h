// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-application.h"
#include "authflow-navigation.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_WINDOW (authflow_window_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowWindow, authflow_window, AUTHFLOW, WINDOW, AdwApplicationWindow)

AuthflowWindow     *authflow_window_new            (AuthflowApplication *application);
AuthflowNavigation *authflow_window_get_navigation (AuthflowWindow      *self);
void                authflow_window_present_when_ready (AuthflowWindow  *self,
                                                        guint            deadline_ms);
GtkWidget          *authflow_window_get_page       (AuthflowWindow      *self,
                                                    const char          *name);
void                authflow_window_show_message   (AuthflowWindow      *self,
                                                    const char          *message);
void                authflow_window_add_toast      (AuthflowWindow      *self,
                                                    AdwToast            *toast);

G_END_DECLS
