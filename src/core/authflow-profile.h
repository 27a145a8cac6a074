// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "authflow-user.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_PROFILE (authflow_profile_get_type ())
#define AUTHFLOW_PROFILE_ERROR (authflow_profile_error_quark ())

/* A profile is a few kilobytes; anything past this is not one. */
#define AUTHFLOW_PROFILE_MAX_FILE_SIZE (256 * 1024)

/* INVALID and INSECURE are a broken profile, with a message of the form
 * "file: key: problem"; MISSING_VALUE and BAD_VALUE come from filling a
 * request template; BAD_ANSWER from mapping a server's answer.
 */
typedef enum
{
  AUTHFLOW_PROFILE_ERROR_INVALID,
  AUTHFLOW_PROFILE_ERROR_INSECURE,
  AUTHFLOW_PROFILE_ERROR_MISSING_VALUE,
  AUTHFLOW_PROFILE_ERROR_BAD_VALUE,
  AUTHFLOW_PROFILE_ERROR_BAD_ANSWER,
} AuthflowProfileError;

typedef enum
{
  AUTHFLOW_PROFILE_CALL_LOGIN,
  AUTHFLOW_PROFILE_CALL_SIGNUP,
  AUTHFLOW_PROFILE_CALL_ME,
  AUTHFLOW_PROFILE_CALL_REFRESH,
  AUTHFLOW_PROFILE_CALL_LOGOUT,
  AUTHFLOW_PROFILE_CALL_UPDATE_USER,
  /* A development endpoint that revokes a session on the server, for
   * fault injection; only the reference server has one.
   */
  AUTHFLOW_PROFILE_CALL_DEV_REVOKE_SESSION,
  AUTHFLOW_PROFILE_N_CALLS,
} AuthflowProfileCallKind;

/* What a profile maps out of an answer, each at a JSON path of its own. */
typedef enum
{
  AUTHFLOW_PROFILE_FIELD_ACCESS_TOKEN,
  AUTHFLOW_PROFILE_FIELD_REFRESH_TOKEN,
  AUTHFLOW_PROFILE_FIELD_EXPIRY,
  AUTHFLOW_PROFILE_FIELD_UID,
  AUTHFLOW_PROFILE_FIELD_USER,
} AuthflowProfileField;

typedef enum
{
  AUTHFLOW_PROFILE_IDENTIFIER_USERNAME,
  AUTHFLOW_PROFILE_IDENTIFIER_EMAIL,
} AuthflowProfileIdentifier;

/* One call, ready to send: the URL is the profile's base URL plus the
 * call's path. @body is %NULL, and @content_type too, when the call has
 * no body.
 */
typedef struct
{
  char               *method;
  char               *url;
  SoupMessageHeaders *headers;
  GBytes             *body;
  const char         *content_type;
} AuthflowProfileRequest;

/* What an answer says about the session. @access_token is set for login,
 * sign-up and refresh (mapping fails otherwise); @expiry is %NULL when the
 * answer does not tell; @user is %NULL when the call maps no user or the
 * answer carries only tokens, and then the stored user data stays.
 */
typedef struct
{
  char         *access_token;
  char         *refresh_token;
  GDateTime    *expiry;
  char         *uid;
  AuthflowUser *user;
} AuthflowProfileAnswer;

void authflow_profile_request_free (AuthflowProfileRequest *request);
void authflow_profile_answer_free  (AuthflowProfileAnswer  *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthflowProfileRequest, authflow_profile_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthflowProfileAnswer, authflow_profile_answer_free)

G_DECLARE_FINAL_TYPE (AuthflowProfile, authflow_profile, AUTHFLOW, PROFILE, GObject)

GQuark                     authflow_profile_error_quark          (void);
const char                *authflow_profile_call_kind_to_string  (AuthflowProfileCallKind   kind);

AuthflowProfile           *authflow_profile_new_from_file        (const char               *path,
                                                                  GError                  **error);
AuthflowProfile           *authflow_profile_new_from_bytes       (GBytes                   *bytes,
                                                                  const char               *source_name,
                                                                  GError                  **error);
AuthflowProfile           *authflow_profile_new_from_string      (const char               *text,
                                                                  const char               *source_name,
                                                                  GError                  **error);

const char                *authflow_profile_get_id               (AuthflowProfile          *self);
const char                *authflow_profile_get_name             (AuthflowProfile          *self);
void                       authflow_profile_set_name             (AuthflowProfile          *self,
                                                                  const char               *name);
const char                *authflow_profile_get_base_url         (AuthflowProfile          *self);
AuthflowProfileIdentifier  authflow_profile_get_login_identifier (AuthflowProfile          *self);
gboolean                   authflow_profile_has_call             (AuthflowProfile          *self,
                                                                  AuthflowProfileCallKind   kind);
gboolean                   authflow_profile_call_uses_variable   (AuthflowProfile          *self,
                                                                  AuthflowProfileCallKind   kind,
                                                                  const char               *name);
gboolean                   authflow_profile_uses_variable        (AuthflowProfile          *self,
                                                                  const char               *name);

char                      *authflow_profile_dup_call_summary     (AuthflowProfile          *self,
                                                                  AuthflowProfileCallKind   kind);
AuthflowProfileRequest    *authflow_profile_build_request        (AuthflowProfile          *self,
                                                                  AuthflowProfileCallKind   kind,
                                                                  GHashTable               *values,
                                                                  GError                  **error);
AuthflowProfileRequest    *authflow_profile_build_request_with   (AuthflowProfile          *self,
                                                                  AuthflowProfileCallKind   kind,
                                                                  GError                  **error,
                                                                  const char               *first_name,
                                                                  ...) G_GNUC_NULL_TERMINATED;

AuthflowProfileAnswer     *authflow_profile_map_answer           (AuthflowProfile          *self,
                                                                  AuthflowProfileCallKind   kind,
                                                                  JsonNode                 *answer,
                                                                  GDateTime                *server_now,
                                                                  GError                  **error);
char                      *authflow_profile_map_error_message    (AuthflowProfile          *self,
                                                                  JsonNode                 *answer);
const char                *authflow_profile_get_answer_path      (AuthflowProfile          *self,
                                                                  AuthflowProfileCallKind   kind,
                                                                  AuthflowProfileField      field);
const char                *authflow_profile_get_expiry_form      (AuthflowProfile          *self,
                                                                  AuthflowProfileCallKind   kind);

G_END_DECLS
