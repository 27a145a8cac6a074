// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gtk/gtk.h>

#include "authflow-journal.h"
#include "authflow-session.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_NAVIGATION (authflow_navigation_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowNavigation, authflow_navigation, AUTHFLOW, NAVIGATION, GObject)

typedef void (*AuthflowNavigationBuildFunc) (const char *page,
                                             gpointer    user_data);

AuthflowNavigation *authflow_navigation_new           (AuthflowSession             *session,
                                                       GtkStack                    *stack,
                                                       AuthflowJournal             *journal,
                                                       AuthflowNavigationBuildFunc  build_page,
                                                       gpointer                     user_data);
const char         *authflow_navigation_get_page      (AuthflowNavigation *self);
const char         *authflow_navigation_get_title     (AuthflowNavigation *self);
void                authflow_navigation_show_sign_up  (AuthflowNavigation *self);
void                authflow_navigation_show_log_in   (AuthflowNavigation *self);

G_END_DECLS
