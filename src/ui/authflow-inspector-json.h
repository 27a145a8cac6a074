// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* How many members or elements of one object or array are shown; a row
 * says how many more there are.
 */
#define AUTHFLOW_INSPECTOR_JSON_MAX_CHILDREN 500

#define AUTHFLOW_TYPE_INSPECTOR_JSON_ITEM (authflow_inspector_json_item_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowInspectorJsonItem, authflow_inspector_json_item, AUTHFLOW, INSPECTOR_JSON_ITEM, GObject)

const char *authflow_inspector_json_item_get_key   (AuthflowInspectorJsonItem *self);
JsonNode   *authflow_inspector_json_item_get_node  (AuthflowInspectorJsonItem *self);
guint       authflow_inspector_json_item_get_more  (AuthflowInspectorJsonItem *self);

GListModel *authflow_inspector_json_children       (JsonNode                  *node);
GtkWidget  *authflow_inspector_json_view_new       (JsonNode                  *node,
                                                    guint                      expand_depth);

G_END_DECLS
