// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Far deeper than any answer, stored session or profile needs, and far
 * shallower than what overflows json-glib's recursive parser on a thread's
 * stack (it crashes somewhere past 30,000 levels on the main thread).
 */
#define AUTHFLOW_JSON_MAX_DEPTH 256

#define AUTHFLOW_JSON_ERROR (authflow_json_error_quark ())

typedef enum
{
  AUTHFLOW_JSON_ERROR_EMPTY,
  AUTHFLOW_JSON_ERROR_INVALID,
  AUTHFLOW_JSON_ERROR_TOO_DEEP,
} AuthflowJsonError;

GQuark    authflow_json_error_quark (void);

gboolean  authflow_json_check_depth (const char  *data,
                                     gssize       len,
                                     guint        max_depth,
                                     GError     **error);
JsonNode *authflow_json_parse       (const char  *data,
                                     gssize       len,
                                     GError     **error);

G_END_DECLS
