// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Request bodies and token parts are flat objects: a few levels are plenty,
 * and json-glib's parser recurses once per level. */
#define AUTHFLOW_SERVER_JSON_MAX_DEPTH 64

#define AUTHFLOW_SERVER_JSON_ERROR (authflow_server_json_error_quark ())

typedef enum
{
  AUTHFLOW_SERVER_JSON_ERROR_INVALID,
  AUTHFLOW_SERVER_JSON_ERROR_NUL,
  AUTHFLOW_SERVER_JSON_ERROR_TOO_DEEP,
} AuthflowServerJsonError;

GQuark      authflow_server_json_error_quark  (void);

gboolean    authflow_server_json_check        (const char  *data,
                                               gsize        len,
                                               guint        max_depth,
                                               GError     **error);
JsonObject *authflow_server_json_parse_object (const char  *data,
                                               gsize        len,
                                               GError     **error);

G_END_DECLS
