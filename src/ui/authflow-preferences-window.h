// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-application.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_PREFERENCES_WINDOW (authflow_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowPreferencesWindow, authflow_preferences_window, AUTHFLOW, PREFERENCES_WINDOW, AdwPreferencesWindow)

AuthflowPreferencesWindow *authflow_preferences_window_new (AuthflowApplication *application);

G_END_DECLS
