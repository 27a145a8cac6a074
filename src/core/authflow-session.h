// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "authflow-user.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_SESSION_STATE (authflow_session_state_get_type ())
#define AUTHFLOW_TYPE_SESSION       (authflow_session_get_type ())
#define AUTHFLOW_SESSION_ERROR      (authflow_session_error_quark ())

/* Far more than a session serialized from an answer within the client's
 * 1 MiB cap, so that anything larger was not written by Authflow.
 */
#define AUTHFLOW_SESSION_MAX_STORED_SIZE (2 * 1024 * 1024)

typedef enum
{
  AUTHFLOW_SESSION_STATE_RESTORING,
  AUTHFLOW_SESSION_STATE_SIGNED_OUT,
  AUTHFLOW_SESSION_STATE_SIGNED_IN,
} AuthflowSessionState;

typedef enum
{
  AUTHFLOW_SESSION_ERROR_CORRUPT,
  AUTHFLOW_SESSION_ERROR_VERSION,
} AuthflowSessionError;

GType authflow_session_state_get_type (void) G_GNUC_CONST;

G_DECLARE_FINAL_TYPE (AuthflowSession, authflow_session, AUTHFLOW, SESSION, GObject)

GQuark                authflow_session_error_quark       (void);
AuthflowSession      *authflow_session_new               (void);
AuthflowSessionState  authflow_session_get_state         (AuthflowSession  *self);
const char           *authflow_session_get_access_token  (AuthflowSession  *self);
const char           *authflow_session_get_refresh_token (AuthflowSession  *self);
GDateTime            *authflow_session_get_expiry        (AuthflowSession  *self);
const char           *authflow_session_get_uid           (AuthflowSession  *self);
AuthflowUser         *authflow_session_get_user          (AuthflowSession  *self);
void                  authflow_session_sign_in           (AuthflowSession  *self,
                                                          const char       *access_token,
                                                          const char       *refresh_token,
                                                          GDateTime        *expiry,
                                                          const char       *uid,
                                                          AuthflowUser     *user);
void                  authflow_session_update_tokens     (AuthflowSession  *self,
                                                          const char       *access_token,
                                                          const char       *refresh_token,
                                                          GDateTime        *expiry);
void                  authflow_session_update_user       (AuthflowSession  *self,
                                                          AuthflowUser     *user);
void                  authflow_session_sign_out          (AuthflowSession  *self);
void                  authflow_session_reset             (AuthflowSession  *self);
char                 *authflow_session_serialize         (AuthflowSession  *self);
JsonNode             *authflow_session_parse_stored      (const char       *serialized,
                                                          GError          **error);
gboolean              authflow_session_restore_parsed    (AuthflowSession  *self,
                                                          JsonNode         *root,
                                                          GError          **error);
gboolean              authflow_session_restore           (AuthflowSession  *self,
                                                          const char       *serialized,
                                                          GError          **error);

G_END_DECLS
