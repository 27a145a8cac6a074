// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define AUTHFLOW_JWT_ERROR (authflow_jwt_error_quark ())

typedef enum
{
  AUTHFLOW_JWT_ERROR_MALFORMED,
  AUTHFLOW_JWT_ERROR_NO_EXPIRY,
} AuthflowJwtError;

GQuark      authflow_jwt_error_quark      (void);
JsonObject *authflow_jwt_decode_claims    (const char  *token,
                                           GError     **error);
JsonObject *authflow_jwt_decode_header    (const char  *token,
                                           GError     **error);
GDateTime  *authflow_jwt_get_expiry       (const char  *token,
                                           GError     **error);

G_END_DECLS
