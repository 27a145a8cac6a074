// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_USER (authflow_user_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowUser, authflow_user, AUTHFLOW, USER, GObject)

AuthflowUser *authflow_user_new_from_json     (JsonObject   *object);
JsonObject   *authflow_user_get_json          (AuthflowUser *self);
const char   *authflow_user_get_id            (AuthflowUser *self);
const char   *authflow_user_get_username      (AuthflowUser *self);
const char   *authflow_user_get_email         (AuthflowUser *self);
const char   *authflow_user_get_first_name    (AuthflowUser *self);
const char   *authflow_user_get_last_name     (AuthflowUser *self);
const char   *authflow_user_get_image         (AuthflowUser *self);
char         *authflow_user_dup_display_name  (AuthflowUser *self);
gboolean      authflow_user_equal             (AuthflowUser *a,
                                               AuthflowUser *b);

G_END_DECLS
