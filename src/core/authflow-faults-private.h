// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What the client, the store and the flow share of fault injection, and no
 * one else sees: taking a one-shot fault when it acts, the flow's part in
 * the faults that only it can bring about, and how an effect is written to
 * the journal.
 */

#include "authflow-faults.h"

G_BEGIN_DECLS

/* The faults that only the flow can bring about: its session's expiry and
 * its reaction to a resume. expire_token returns whether there was a token
 * to expire; suspend takes 0 for "past the access token's expiry".
 */
typedef struct
{
  gboolean (*expire_token) (gpointer user_data);
  void     (*suspend)      (gpointer user_data,
                            gint64   seconds);
} AuthflowFaultsHooks;

void                  _authflow_faults_set_hooks          (AuthflowFaults            *self,
                                                           const AuthflowFaultsHooks *hooks,
                                                           gpointer                   user_data);
void                  _authflow_faults_jump_clock         (AuthflowFaults            *self,
                                                           gint64                     seconds);
gboolean              _authflow_faults_take_invalidate_token (AuthflowFaults         *self);
guint                 _authflow_faults_take_server_error  (AuthflowFaults            *self,
                                                           guint                     *retry_after_s,
                                                           guint                     *left);
AuthflowKeyringFault  _authflow_faults_take_keyring_fault (AuthflowFaults            *self);
const char           *_authflow_keyring_fault_to_string   (AuthflowKeyringFault       fault);
const char           *_authflow_faults_status_phrase      (guint                      status);

/* Marks an exchange's or a keyring call's @details as touched by @fault:
 * `"injected": true` and @fault added to its `"faults"`.
 */
void                  _authflow_faults_mark               (JsonObject                *details,
                                                           const char                *fault);
/* A "fault"/"applied" entry: @fault acted (on a call, a keyring call, the
 * clock). @details (taken, may be %NULL) says how; the summary is prefixed
 * with "Injected".
 */
void                  _authflow_faults_record_applied     (AuthflowJournal           *journal,
                                                           const char                *fault,
                                                           JsonObject                *details,
                                                           const char                *format,
                                                           ...) G_GNUC_PRINTF (4, 5);
/* A "fault"/"injected" entry, for what the flow injects itself. */
void                  _authflow_faults_record_injected    (AuthflowJournal           *journal,
                                                           const char                *fault,
                                                           JsonObject                *details,
                                                           const char                *format,
                                                           ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
