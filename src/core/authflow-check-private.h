// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "authflow-check.h"
#include "authflow-check-item.h"
#include "authflow-client.h"

G_BEGIN_DECLS

/* What the files of the check share: authflow-check.c runs the items one
 * after another and makes the report, authflow-check-util.c reads the
 * journal back and words the evidence, and authflow-check-login.c and
 * authflow-check-session.c are the items themselves. An item is
 * read-only to the pages and programs that show it: only these files
 * change it.
 */

struct _AuthflowCheck
{
  GObject             parent_instance;

  AuthflowProfile    *profile;
  char               *base_url;
  char               *username;
  char               *password;
  gboolean            sign_up;
  guint               timeout;

  GListStore         *items;
  AuthflowJournal    *journal;
  AuthflowClient     *client;
  AuthflowCheckState  outcome;

  /* The run: its task, the item it is at, whether that item's step is on
   * the stack (rather than in a callback), and the journal's last entry
   * before the call being made.
   */
  GTask              *task;
  guint               step;
  gboolean            in_step;
  guint64             mark;

  /* What the items learn and hand on. */
  gboolean            answered;
  char               *date;
  char               *login_username;
  char               *login_password;
  char               *signed_up_username;
  gboolean            login_is_signed_up;
  gboolean            sign_up_failed;
  AuthflowAuthResult *login;
  JsonObject         *login_mapping;
  char               *access_token;
  char               *refresh_token;
  AuthflowAuthResult *refreshed;
  char               *spent_refresh_token;
  char               *first_name;
  char               *written_first_name;
  AuthflowAuthResult *second;
  GString            *evidence;
  AuthflowCheckState  pending_state;
  char               *pending_advice;

  /* Every token and password the run has seen, %NULL-terminated, wiped
   * when freed.
   */
  GPtrArray          *tokens;
  GPtrArray          *passwords;
};

/* What one call did on the wire, as the journal has it (redacted): its
 * last hop's status (0 when nothing came back), time, request, Date
 * header and body, and all that in a few words ("HTTP 200 in 12 ms", or
 * what happened instead of an answer), with the message that the app
 * would show, if the answer has one ("HTTP 403 in 1 ms, “Invalid refresh
 * token”").
 */
typedef struct
{
  gboolean  found;
  guint     status;
  double    total_ms;
  char     *request;
  char     *date;
  char     *body;
  char     *how;
  char     *said;
} AuthflowCheckExchange;

void                   _authflow_check_exchange_clear    (AuthflowCheckExchange   *exchange);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AuthflowCheckExchange, _authflow_check_exchange_clear)

/* The items, changed by the check only. */
AuthflowCheckItem     *_authflow_check_item_new          (const char              *id,
                                                         const char              *title);
void                   _authflow_check_item_reset        (AuthflowCheckItem       *self);
void                   _authflow_check_item_set_running  (AuthflowCheckItem       *self);
void                   _authflow_check_item_finish       (AuthflowCheckItem       *self,
                                                         AuthflowCheckState       state,
                                                         const char              *evidence,
                                                         const char              *advice,
                                                         JsonObject              *details);

/* The run (authflow-check.c): each item ends with _authflow_check_finish(),
 * from its step or from the callback of its last call; the needs_*()
 * skip the item, saying why, when what it needs is not there.
 */
void                   _authflow_check_finish            (AuthflowCheck           *self,
                                                         AuthflowCheckState       state,
                                                         const char              *evidence,
                                                         const char              *advice,
                                                         JsonObject              *details);
void                   _authflow_check_skip              (AuthflowCheck           *self,
                                                         const char              *reason);
gboolean               _authflow_check_needs_answer      (AuthflowCheck           *self);
gboolean               _authflow_check_needs_login       (AuthflowCheck           *self);
gboolean               _authflow_check_needs_call        (AuthflowCheck           *self,
                                                         AuthflowProfileCallKind  kind,
                                                         const char              *without);
gboolean               _authflow_check_stop_if_cancelled (AuthflowCheck           *self,
                                                         const GError            *error);
GCancellable          *_authflow_check_get_cancellable   (AuthflowCheck           *self);
gboolean               _authflow_check_end_call          (AuthflowCheck           *self,
                                                         AuthflowAuthResult      *auth,
                                                         const GError            *error,
                                                         AuthflowCheckExchange   *exchange);

/* Secrets, wording and the journal read back (authflow-check-util.c). */
void                   _authflow_check_wipe_free         (gpointer                 data);
GPtrArray             *_authflow_check_new_secrets       (void);
void                   _authflow_check_add_secret        (GPtrArray               *secrets,
                                                         const char              *secret);
void                   _authflow_check_remember_tokens   (AuthflowCheck           *self,
                                                         AuthflowAuthResult      *result);
char                  *_authflow_check_redact            (AuthflowCheck           *self,
                                                         const char              *text);
void                   _authflow_check_replace_token     (char                   **field,
                                                         const char              *token);
char                  *_authflow_check_format_duration   (GTimeSpan                span);
char                  *_authflow_check_format_time       (GDateTime               *time);
char                  *_authflow_check_format_unix_time  (gint64                   seconds);
const char            *_authflow_check_or_none           (const char              *path);
void                   _authflow_check_set_string_or_null (JsonObject             *object,
                                                         const char              *name,
                                                         const char              *value);
void                   _authflow_check_begin_call        (AuthflowCheck           *self);
JsonObject            *_authflow_check_last_details      (AuthflowCheck           *self,
                                                         AuthflowJournalKind      kind);
void                   _authflow_check_last_exchange     (AuthflowCheck           *self,
                                                         AuthflowCheckExchange   *exchange);
char                  *_authflow_check_describe_exchange (AuthflowCheckExchange   *exchange,
                                                         const GError            *error);
JsonObject            *_authflow_check_exchange_details  (AuthflowCheckExchange   *exchange);
char                  *_authflow_check_answer_message    (AuthflowCheck           *self,
                                                         const char              *body);
GHashTable            *_authflow_check_new_values        (const char              *access_token);
void                   _authflow_check_run_call          (AuthflowCheck           *self,
                                                         AuthflowProfileCallKind  kind,
                                                         const char              *access_token,
                                                         GHashTable              *values,
                                                         GAsyncReadyCallback      callback);

/* The items, in authflow-check-login.c and authflow-check-session.c. */
void                   _authflow_check_step_server       (AuthflowCheck           *self);
void                   _authflow_check_step_tls          (AuthflowCheck           *self);
void                   _authflow_check_step_clock        (AuthflowCheck           *self);
void                   _authflow_check_step_sign_up      (AuthflowCheck           *self);
void                   _authflow_check_step_login        (AuthflowCheck           *self);
void                   _authflow_check_step_jwt          (AuthflowCheck           *self);
void                   _authflow_check_step_refresh_token (AuthflowCheck           *self);
void                   _authflow_check_step_expiry       (AuthflowCheck           *self);
void                   _authflow_check_step_uid          (AuthflowCheck           *self);
void                   _authflow_check_step_user_data    (AuthflowCheck           *self);
void                   _authflow_check_step_me           (AuthflowCheck           *self);
void                   _authflow_check_step_bad_token    (AuthflowCheck           *self);
void                   _authflow_check_step_update_user  (AuthflowCheck           *self);
void                   _authflow_check_step_refresh      (AuthflowCheck           *self);
void                   _authflow_check_step_refresh_rotation (AuthflowCheck           *self);
void                   _authflow_check_step_logout       (AuthflowCheck           *self);
void                   _authflow_check_step_error_message (AuthflowCheck           *self);

GHashTable   *_authflow_check_dup_session_values (AuthflowCheck           *self);
JsonObject   *_authflow_check_take_object        (JsonNode                *node);
AuthflowUser *_authflow_check_map_user           (AuthflowCheck           *self,
                                                  AuthflowProfileCallKind  kind,
                                                  JsonObject              *answer,
                                                  GError                 **error);

G_END_DECLS
