// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "authflow-faults.h"
#include "authflow-journal.h"
#include "authflow-profile.h"
#include "authflow-user.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_CLIENT (authflow_client_get_type ())
#define AUTHFLOW_CLIENT_ERROR (authflow_client_error_quark ())

/* The longest access token lifetime a call asks for, in minutes: 30 days,
 * the most that the reference server and dummyjson.com take.
 */
#define AUTHFLOW_CLIENT_MAX_TOKEN_MINUTES 43200

/* What went wrong with a call, as far as the person using the app cares:
 * the server said no (and which field it objected to), or the server could
 * not be asked, or its answer made no sense.
 */
typedef enum
{
  AUTHFLOW_CLIENT_ERROR_REJECTED,
  AUTHFLOW_CLIENT_ERROR_UNAUTHORIZED,
  AUTHFLOW_CLIENT_ERROR_INVALID_USERNAME,
  AUTHFLOW_CLIENT_ERROR_INVALID_EMAIL,
  AUTHFLOW_CLIENT_ERROR_INVALID_PASSWORD,
  AUTHFLOW_CLIENT_ERROR_INVALID_FIRST_NAME,
  AUTHFLOW_CLIENT_ERROR_INVALID_LAST_NAME,
  AUTHFLOW_CLIENT_ERROR_TOO_MANY_ATTEMPTS,
  AUTHFLOW_CLIENT_ERROR_SERVER,
  AUTHFLOW_CLIENT_ERROR_NETWORK,
  AUTHFLOW_CLIENT_ERROR_BAD_ANSWER,
  AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED,
} AuthflowClientError;

/* Where a token's expiry came from: the answer (an `expires_in` or
 * `expires_at`, or the profile's expiry path), the access token's `exp`
 * claim, or nowhere. Named as in the trace: "answer", "jwt", "none".
 */
typedef enum
{
  AUTHFLOW_EXPIRY_SOURCE_NONE,
  AUTHFLOW_EXPIRY_SOURCE_ANSWER,
  AUTHFLOW_EXPIRY_SOURCE_JWT,
} AuthflowExpirySource;

typedef struct
{
  char                 *access_token;
  char                 *refresh_token;
  GDateTime            *expiry;
  char                 *uid;
  AuthflowUser         *user;
  AuthflowExpirySource  expiry_source;
} AuthflowAuthResult;

void authflow_auth_result_free (AuthflowAuthResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthflowAuthResult, authflow_auth_result_free)

G_DECLARE_FINAL_TYPE (AuthflowClient, authflow_client, AUTHFLOW, CLIENT, GObject)

GQuark              authflow_client_error_quark     (void);
const char         *authflow_expiry_source_to_string (AuthflowExpirySource source);
AuthflowClient     *authflow_client_new             (const char           *base_url);
AuthflowProfile    *authflow_client_load_builtin_profile (const char      *id,
                                                     GError              **error);
AuthflowProfile    *authflow_client_get_profile     (AuthflowClient       *self);
void                authflow_client_set_profile     (AuthflowClient       *self,
                                                     AuthflowProfile      *profile);
gboolean            authflow_client_has_call        (AuthflowClient       *self,
                                                     AuthflowProfileCallKind kind);
const char         *authflow_client_get_base_url    (AuthflowClient       *self);
void                authflow_client_set_base_url    (AuthflowClient       *self,
                                                     const char           *base_url);
AuthflowJournal    *authflow_client_get_journal     (AuthflowClient       *self);
void                authflow_client_set_journal     (AuthflowClient       *self,
                                                     AuthflowJournal      *journal);
AuthflowFaults     *authflow_client_get_faults      (AuthflowClient       *self);
void                authflow_client_set_faults      (AuthflowClient       *self,
                                                     AuthflowFaults       *faults);
void                authflow_client_begin_retry     (AuthflowClient       *self);
void                authflow_client_end_retry       (AuthflowClient       *self);
guint               authflow_client_get_timeout     (AuthflowClient       *self);
GTimeSpan           authflow_client_get_clock_offset (AuthflowClient      *self);
GDateTime          *authflow_client_dup_server_now  (AuthflowClient       *self);
guint               authflow_client_get_retry_after (AuthflowClient       *self);
void                authflow_client_set_timeout     (AuthflowClient       *self,
                                                     guint                 timeout_seconds);
guint               authflow_client_get_total_timeout (AuthflowClient     *self);
void                authflow_client_set_total_timeout (AuthflowClient     *self,
                                                     guint                 timeout_seconds);
guint               authflow_client_get_token_minutes (AuthflowClient     *self);
void                authflow_client_set_token_minutes (AuthflowClient     *self,
                                                     guint                 minutes);
guint               authflow_client_get_max_answer_size (AuthflowClient   *self);
void                authflow_client_set_max_answer_size (AuthflowClient   *self,
                                                     guint                 max_answer_size);
gboolean            authflow_client_check_url       (const char           *url,
                                                     GError              **error);
void                authflow_client_log_in_async    (AuthflowClient       *self,
                                                     const char           *username,
                                                     const char           *password,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
AuthflowAuthResult *authflow_client_log_in_finish   (AuthflowClient       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void                authflow_client_sign_up_async   (AuthflowClient       *self,
                                                     const char           *username,
                                                     const char           *email,
                                                     const char           *password,
                                                     const char           *first_name,
                                                     const char           *last_name,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
AuthflowAuthResult *authflow_client_sign_up_finish  (AuthflowClient       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void                authflow_client_refresh_async   (AuthflowClient       *self,
                                                     const char           *refresh_token,
                                                     GHashTable           *session_values,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
AuthflowAuthResult *authflow_client_refresh_finish  (AuthflowClient       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void                authflow_client_run_async       (AuthflowClient       *self,
                                                     AuthflowProfileCallKind kind,
                                                     GHashTable           *values,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
JsonNode           *authflow_client_run_finish      (AuthflowClient       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
AuthflowUser       *authflow_client_map_user        (AuthflowClient       *self,
                                                     AuthflowProfileCallKind kind,
                                                     JsonNode             *answer,
                                                     GError              **error);
void                authflow_client_call_async      (AuthflowClient       *self,
                                                     const char           *method,
                                                     const char           *path,
                                                     const char           *access_token,
                                                     JsonNode             *body,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
JsonNode           *authflow_client_call_finish     (AuthflowClient       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void                authflow_client_log_out_async   (AuthflowClient       *self,
                                                     const char           *access_token,
                                                     const char           *refresh_token,
                                                     GHashTable           *session_values,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean            authflow_client_log_out_finish  (AuthflowClient       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void                authflow_client_revoke_session_async  (AuthflowClient *self,
                                                     const char           *refresh_token,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean            authflow_client_revoke_session_finish (AuthflowClient *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
