// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where one item of a backend check stands. An item is pending until the
 * check reaches it, running while its calls are out, and then one of the
 * four outcomes; it never goes back, but for a new run of the check.
 */
typedef enum
{
  AUTHFLOW_CHECK_STATE_PENDING,
  AUTHFLOW_CHECK_STATE_RUNNING,
  AUTHFLOW_CHECK_STATE_PASS,
  AUTHFLOW_CHECK_STATE_WARNING,
  AUTHFLOW_CHECK_STATE_FAIL,
  AUTHFLOW_CHECK_STATE_SKIPPED,
} AuthflowCheckState;

#define AUTHFLOW_TYPE_CHECK_STATE (authflow_check_state_get_type ())
#define AUTHFLOW_TYPE_CHECK_ITEM (authflow_check_item_get_type ())

GType       authflow_check_state_get_type      (void) G_GNUC_CONST;
const char *authflow_check_state_to_string     (AuthflowCheckState state);
gboolean    authflow_check_state_is_finished   (AuthflowCheckState state);

G_DECLARE_FINAL_TYPE (AuthflowCheckItem, authflow_check_item, AUTHFLOW, CHECK_ITEM, GObject)

const char         *authflow_check_item_get_id        (AuthflowCheckItem *self);
const char         *authflow_check_item_get_title     (AuthflowCheckItem *self);
AuthflowCheckState  authflow_check_item_get_state     (AuthflowCheckItem *self);
const char         *authflow_check_item_get_evidence  (AuthflowCheckItem *self);
const char         *authflow_check_item_get_advice    (AuthflowCheckItem *self);
JsonObject         *authflow_check_item_get_details   (AuthflowCheckItem *self);
char               *authflow_check_item_dup_text      (AuthflowCheckItem *self,
                                                       gboolean           color);
JsonNode           *authflow_check_item_to_json       (AuthflowCheckItem *self);

G_END_DECLS
