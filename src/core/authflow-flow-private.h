// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What the files of AuthflowFlow share, and no one else sees: the
 * instance struct, the property ids, the protected call that the verbs
 * build and the renewal engine sends, and the functions that one file
 * offers the others. The file each function lives in is said above it.
 */

#include "authflow-faults-private.h"
#include "authflow-flow.h"

G_BEGIN_DECLS

/* Which keyring call failed last, so that Try Again repeats that one. */
typedef enum
{
  KEYRING_CALL_NONE,
  KEYRING_CALL_LOAD,
  KEYRING_CALL_SAVE,
  KEYRING_CALL_CLEAR,
} KeyringCall;

struct _AuthflowFlow
{
  GObject               parent_instance;

  AuthflowSession      *session;
  AuthflowClient       *client;
  AuthflowSessionStore *store;
  AuthflowJournal      *journal;
  AuthflowFaults       *faults;
  GCancellable         *cancellable;
  char                 *keyring_problem;
  KeyringCall           failed_call;

  /* The token lifecycle. One refresh at a time: every call that needs new
   * tokens while one runs waits for that one.
   */
  gboolean              refreshing;
  char                 *refresh_sent;
  /* A log-out came while the refresh was out: what it answers belongs to
   * the session that ended, and must be logged out too, with that
   * session's values for the logout's templates.
   */
  gboolean              logged_out_while_refreshing;
  GHashTable           *logged_out_values;
  gint64                last_refresh;
  GPtrArray            *refresh_waiters;
  guint                 refresh_count;
  GDateTime            *tokens_received;
  GDateTime            *next_refresh;
  guint                 check_id;

  /* The server cannot be reached: why, and when to try again. */
  char                 *offline_problem;
  guint                 retry_id;
  guint                 backoff;

  char                 *sign_out_reason;
  char                 *last_username;

  /* What the journal says of the next change of the session's state, and
   * of the next refresh: why it happens.
   */
  AuthflowSessionState  journal_state;
  AuthflowJournalStep   state_step;
  const char           *state_reason;
  const char           *check_trigger;
  gint64                refresh_started_at;
  /* The access token the last refresh replaced, and how many calls
   * refused with it that refresh served.
   */
  char                 *refresh_replaces;
  guint                 refresh_served;

  AuthflowTimeFunc      time_func;
  gpointer              time_data;

  GNetworkMonitor      *network_monitor;
  guint                 watch_connectivity_id;
  GDBusConnection      *system_bus;
  guint                 sleep_subscription;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CLIENT,
  PROP_STORE,
  PROP_KEYRING_PROBLEM,
  PROP_OFFLINE_PROBLEM,
  PROP_SIGN_OUT_REASON,
  PROP_LAST_USERNAME,
  PROP_NEXT_REFRESH,
  PROP_REFRESH_COUNT,
  N_PROPS
};

/* A call on a protected API: either any method and path (the generic "API
 * Call", sent with a bearer token) or one of the profile's calls, whose
 * template takes the access token among its values. The verbs build it;
 * the renewal engine sends it, and once more after a 401.
 */
typedef struct
{
  int         kind;
  GHashTable *values;
  char       *method;
  char       *path;
  JsonNode   *body;
  char       *token_used;
  gboolean    retried;
  gboolean    sent;
} Call;

#define GENERIC_CALL (-1)

/* authflow-flow.c: the object and the verbs. */
void         _authflow_flow_notify               (AuthflowFlow         *self,
                                                  guint                 prop_id);
void         _authflow_flow_set_string_property  (AuthflowFlow         *self,
                                                  char                **field,
                                                  const char           *value,
                                                  guint                 prop);
const char  *_authflow_flow_get_login_identifier (AuthflowFlow         *self,
                                                  AuthflowUser         *user);
GHashTable  *_authflow_flow_new_session_values   (AuthflowSession      *session);
void         _authflow_flow_add_session_values   (GHashTable           *values,
                                                  AuthflowSession      *session,
                                                  gboolean              with_email);
void         _authflow_flow_say_why              (AuthflowFlow         *self,
                                                  AuthflowJournalStep   step,
                                                  const char           *reason);
void         _authflow_flow_record_expiry        (AuthflowFlow         *self,
                                                  const char           *source);

/* authflow-flow-renewal.c: the token lifecycle. */
void         _authflow_flow_set_next_refresh     (AuthflowFlow         *self,
                                                  GDateTime            *next_refresh);
void         _authflow_flow_start_refresh        (AuthflowFlow         *self,
                                                  const char           *trigger,
                                                  Call                 *call);
void         _authflow_flow_check_schedule_because (AuthflowFlow       *self,
                                                  const char           *trigger);
char        *_authflow_flow_describe_call        (Call                 *call);
void         _authflow_flow_start_call           (AuthflowFlow         *self,
                                                  GTask                *task);

/* authflow-flow-connectivity.c: offline and back online. */
gboolean     _authflow_flow_is_transient         (const GError         *error);
void         _authflow_flow_set_offline          (AuthflowFlow         *self,
                                                  const GError         *error);
void         _authflow_flow_set_online           (AuthflowFlow         *self);
void         _authflow_flow_network_back         (AuthflowFlow         *self);
void         _authflow_flow_probe_cb             (GObject              *object,
                                                  GAsyncResult         *result,
                                                  gpointer              user_data);
void         _authflow_flow_watch_connectivity   (AuthflowFlow         *self);
void         _authflow_flow_unwatch_connectivity (AuthflowFlow         *self);

/* authflow-flow-faults.c: the flow's part of fault injection. */
void         _authflow_flow_watch_faults         (AuthflowFlow         *self);
void         _authflow_flow_unwatch_faults       (AuthflowFlow         *self);

/* authflow-flow-keyring.c: the keyring and the restore at start-up. */
void         _authflow_flow_hold_application     (void);
void         _authflow_flow_release_application  (void);
void         _authflow_flow_note_keyring_result  (AuthflowFlow         *self,
                                                  KeyringCall           call,
                                                  const GError         *error);
void         _authflow_flow_save_session         (AuthflowFlow         *self,
                                                  GTask                *task);
void         _authflow_flow_clear_stored         (AuthflowFlow         *self);
void         _authflow_flow_persist_changed_cb   (AuthflowFlow         *self,
                                                  GParamSpec           *pspec,
                                                  AuthflowSessionStore *store);

G_END_DECLS
