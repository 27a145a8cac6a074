// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_INSPECTOR_VALUE_ROW (authflow_inspector_value_row_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowInspectorValueRow, authflow_inspector_value_row, AUTHFLOW, INSPECTOR_VALUE_ROW, AdwPreferencesRow)

GtkWidget  *authflow_inspector_value_row_new           (const char           *title,
                                                  const char           *value);
const char *authflow_inspector_value_row_get_value     (AuthflowInspectorValueRow *self);
void        authflow_inspector_value_row_set_value     (AuthflowInspectorValueRow *self,
                                                  const char           *value);
const char *authflow_inspector_value_row_get_tag       (AuthflowInspectorValueRow *self);
void        authflow_inspector_value_row_set_tag       (AuthflowInspectorValueRow *self,
                                                  const char           *tag);
void        authflow_inspector_value_row_set_tag_style (AuthflowInspectorValueRow *self,
                                                  const char           *style);
void        authflow_inspector_value_row_set_monospace (AuthflowInspectorValueRow *self,
                                                  gboolean              monospace);
void        authflow_inspector_value_row_set_max_lines (AuthflowInspectorValueRow *self,
                                                  int                   lines);
void        authflow_inspector_value_row_add_suffix    (AuthflowInspectorValueRow *self,
                                                  GtkWidget            *widget);

G_END_DECLS
