// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AUTHFLOW_SERVER_JWT_SECRET_SIZE 32

#define AUTHFLOW_SERVER_JWT_ERROR (authflow_server_jwt_error_quark ())

typedef enum
{
  AUTHFLOW_SERVER_JWT_ERROR_INVALID,
  AUTHFLOW_SERVER_JWT_ERROR_EXPIRED,
} AuthflowServerJwtError;

typedef struct
{
  gint64  id;
  char   *username;
  gint64  iat;
  gint64  exp;
  char   *jti;
  /* The session (refresh family) the token was issued in; NULL for a token
   * issued before tokens named their session. */
  char   *sid;
} AuthflowServerJwtClaims;

GQuark                   authflow_server_jwt_error_quark  (void);

char                    *authflow_server_jwt_encode       (GBytes                  *secret,
                                                           gint64                   id,
                                                           const char              *username,
                                                           const char              *sid,
                                                           gint64                   iat,
                                                           gint64                   exp);
AuthflowServerJwtClaims *authflow_server_jwt_decode       (GBytes                  *secret,
                                                           const char              *token,
                                                           gint64                   now,
                                                           GError                 **error);
void                     authflow_server_jwt_claims_free  (AuthflowServerJwtClaims *claims);
AuthflowServerJwtClaims *authflow_server_jwt_claims_copy  (const AuthflowServerJwtClaims *claims);

typedef struct _AuthflowServerJwtCache AuthflowServerJwtCache;

AuthflowServerJwtCache  *authflow_server_jwt_cache_new    (guint                    max_tokens);
void                     authflow_server_jwt_cache_free   (AuthflowServerJwtCache  *cache);
AuthflowServerJwtClaims *authflow_server_jwt_cache_decode (AuthflowServerJwtCache  *cache,
                                                           GBytes                  *secret,
                                                           const char              *token,
                                                           gint64                   now,
                                                           GError                 **error);

char                    *authflow_server_base64url_encode (const guint8            *data,
                                                           gsize                    len);
GBytes                  *authflow_server_base64url_decode (const char              *text,
                                                           gssize                   len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthflowServerJwtClaims, authflow_server_jwt_claims_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthflowServerJwtCache, authflow_server_jwt_cache_free)

G_END_DECLS
