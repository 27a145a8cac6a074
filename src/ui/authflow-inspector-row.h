// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_INSPECTOR_ROW (authflow_inspector_row_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowInspectorRow, authflow_inspector_row, AUTHFLOW, INSPECTOR_ROW, AdwPreferencesRow)

GtkWidget  *authflow_inspector_row_new           (const char           *title,
                                                  const char           *value);
const char *authflow_inspector_row_get_value     (AuthflowInspectorRow *self);
void        authflow_inspector_row_set_value     (AuthflowInspectorRow *self,
                                                  const char           *value);
const char *authflow_inspector_row_get_tag       (AuthflowInspectorRow *self);
void        authflow_inspector_row_set_tag       (AuthflowInspectorRow *self,
                                                  const char           *tag);
void        authflow_inspector_row_set_tag_style (AuthflowInspectorRow *self,
                                                  const char           *style);
void        authflow_inspector_row_set_monospace (AuthflowInspectorRow *self,
                                                  gboolean              monospace);
void        authflow_inspector_row_set_max_lines (AuthflowInspectorRow *self,
                                                  int                   lines);
void        authflow_inspector_row_add_suffix    (AuthflowInspectorRow *self,
                                                  GtkWidget            *widget);

G_END_DECLS
