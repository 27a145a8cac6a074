// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib-object.h>

#include "authflow-server-refresh-token.h"
#include "authflow-server-user.h"

G_BEGIN_DECLS

#define AUTHFLOW_SERVER_DB_SCHEMA_VERSION 2

#define AUTHFLOW_SERVER_DB_ERROR (authflow_server_db_error_quark ())

typedef enum
{
  AUTHFLOW_SERVER_DB_ERROR_FAILED,
  AUTHFLOW_SERVER_DB_ERROR_EXISTS,
  AUTHFLOW_SERVER_DB_ERROR_VERSION,
  AUTHFLOW_SERVER_DB_ERROR_NOT_DATABASE,
  AUTHFLOW_SERVER_DB_ERROR_CORRUPT,
  AUTHFLOW_SERVER_DB_ERROR_READ_ONLY,
  AUTHFLOW_SERVER_DB_ERROR_CANT_OPEN,
  AUTHFLOW_SERVER_DB_ERROR_BUSY,
} AuthflowServerDbError;

typedef enum
{
  AUTHFLOW_SERVER_REFRESH_ROTATED,
  AUTHFLOW_SERVER_REFRESH_INVALID,
  AUTHFLOW_SERVER_REFRESH_REUSED,
} AuthflowServerRefreshResult;

#define AUTHFLOW_SERVER_TYPE_DB (authflow_server_db_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowServerDb, authflow_server_db, AUTHFLOW_SERVER, DB, GObject)

GQuark              authflow_server_db_error_quark                  (void);

AuthflowServerDb   *authflow_server_db_open                         (const char                   *path,
                                                                     GError                      **error);
const char         *authflow_server_db_get_path                     (AuthflowServerDb             *self);
GBytes             *authflow_server_db_get_secret                   (AuthflowServerDb             *self);
gboolean            authflow_server_db_prune                        (AuthflowServerDb             *self,
                                                                     GError                      **error);

AuthflowServerUser *authflow_server_db_lookup_user                  (AuthflowServerDb             *self,
                                                                     gint64                        id,
                                                                     GError                      **error);
AuthflowServerUser *authflow_server_db_lookup_user_by_name          (AuthflowServerDb             *self,
                                                                     const char                   *username,
                                                                     char                        **out_password_hash,
                                                                     GError                      **error);
gboolean            authflow_server_db_insert_user                  (AuthflowServerDb             *self,
                                                                     AuthflowServerUser           *user,
                                                                     const char                   *password_hash,
                                                                     GError                      **error);
gboolean            authflow_server_db_update_user                  (AuthflowServerDb             *self,
                                                                     const AuthflowServerUser     *user,
                                                                     GError                      **error);

gboolean            authflow_server_db_start_refresh_family         (AuthflowServerDb             *self,
                                                                     gint64                        user_id,
                                                                     const guint8                 *token_hash,
                                                                     gint64                        expires_at,
                                                                     gint64                        access_expires_at,
                                                                     char                        **out_family_id,
                                                                     GError                      **error);
gboolean            authflow_server_db_rotate_refresh_token         (AuthflowServerDb             *self,
                                                                     const guint8                 *old_hash,
                                                                     const guint8                 *new_hash,
                                                                     gint64                        expires_at,
                                                                     gint64                        access_expires_at,
                                                                     AuthflowServerRefreshResult  *out_result,
                                                                     gint64                       *out_user_id,
                                                                     char                        **out_family_id,
                                                                     GError                      **error);
gboolean            authflow_server_db_end_session                  (AuthflowServerDb             *self,
                                                                     gint64                        user_id,
                                                                     const char                   *sid,
                                                                     const guint8                 *token_hash,
                                                                     GError                      **error);
gboolean            authflow_server_db_revoke_session_of_token      (AuthflowServerDb             *self,
                                                                     const guint8                 *token_hash,
                                                                     gboolean                     *out_found,
                                                                     GError                      **error);
AuthflowServerUser *authflow_server_db_lookup_session_user          (AuthflowServerDb             *self,
                                                                     const char                   *sid,
                                                                     gint64                        user_id,
                                                                     GError                      **error);

G_END_DECLS
