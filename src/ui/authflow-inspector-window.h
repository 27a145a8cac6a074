// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-application.h"
#include "authflow-inspector-timeline.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_INSPECTOR_WINDOW (authflow_inspector_window_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowInspectorWindow, authflow_inspector_window, AUTHFLOW, INSPECTOR_WINDOW, AdwWindow)

AuthflowInspectorWindow   *authflow_inspector_window_new              (AuthflowApplication     *application);
void                       authflow_inspector_window_add_page         (AuthflowInspectorWindow *self,
                                                                       GtkWidget               *page,
                                                                       const char              *name,
                                                                       const char              *title,
                                                                       const char              *icon_name);
AuthflowInspectorTimeline *authflow_inspector_window_get_timeline     (AuthflowInspectorWindow *self);
GListModel                *authflow_inspector_window_get_entries      (AuthflowInspectorWindow *self);
gboolean                   authflow_inspector_window_get_live         (AuthflowInspectorWindow *self);
void                       authflow_inspector_window_show_live        (AuthflowInspectorWindow *self);
void                       authflow_inspector_window_add_toast        (AuthflowInspectorWindow *self,
                                                                       AdwToast                *toast);

void                       authflow_inspector_window_save_trace_async  (AuthflowInspectorWindow *self,
                                                                        GFile                   *file,
                                                                        GCancellable            *cancellable,
                                                                        GAsyncReadyCallback      callback,
                                                                        gpointer                 user_data);
guint                      authflow_inspector_window_save_trace_finish (AuthflowInspectorWindow *self,
                                                                        GAsyncResult            *result,
                                                                        GError                 **error);
void                       authflow_inspector_window_export_har_async  (AuthflowInspectorWindow *self,
                                                                        GFile                   *file,
                                                                        GCancellable            *cancellable,
                                                                        GAsyncReadyCallback      callback,
                                                                        gpointer                 user_data);
gboolean                   authflow_inspector_window_export_har_finish (AuthflowInspectorWindow *self,
                                                                        GAsyncResult            *result,
                                                                        GError                 **error);
void                       authflow_inspector_window_open_trace_async  (AuthflowInspectorWindow *self,
                                                                        GFile                   *file,
                                                                        GCancellable            *cancellable,
                                                                        GAsyncReadyCallback      callback,
                                                                        gpointer                 user_data);
gboolean                   authflow_inspector_window_open_trace_finish (AuthflowInspectorWindow *self,
                                                                        GAsyncResult            *result,
                                                                        GError                 **error);

G_END_DECLS
