// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <json-glib/json-glib.h>

#include "authflow-json.h"

G_BEGIN_DECLS

#define AUTHFLOW_JSON_PATH_ERROR (authflow_json_path_error_quark ())

/* A path of more steps than an answer has levels can never match. */
#define AUTHFLOW_JSON_PATH_MAX_STEPS AUTHFLOW_JSON_MAX_DEPTH

/* An answer is at most 1 MiB, and every element of an array takes at
 * least two bytes of it: no index past this can ever match.
 */
#define AUTHFLOW_JSON_PATH_MAX_INDEX 1000000

typedef enum
{
  AUTHFLOW_JSON_PATH_ERROR_INVALID,
} AuthflowJsonPathError;

typedef struct _AuthflowJsonPath AuthflowJsonPath;

GQuark            authflow_json_path_error_quark (void);

AuthflowJsonPath *authflow_json_path_new         (const char        *expression,
                                                  GError           **error);
void              authflow_json_path_free        (AuthflowJsonPath  *path);
JsonNode         *authflow_json_path_first       (AuthflowJsonPath  *path,
                                                  JsonNode          *root);
JsonNode         *authflow_json_path_dup_first   (const char        *expression,
                                                  JsonNode          *root);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthflowJsonPath, authflow_json_path_free)

G_END_DECLS
