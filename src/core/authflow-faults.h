// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "authflow-journal.h"

G_BEGIN_DECLS

/* What the next keyring call fails as: a Secret Service that is not there,
 * or a locked keyring whose unlock prompt was dismissed.
 */
typedef enum
{
  AUTHFLOW_KEYRING_FAULT_NONE,
  AUTHFLOW_KEYRING_FAULT_UNAVAILABLE,
  AUTHFLOW_KEYRING_FAULT_LOCKED,
} AuthflowKeyringFault;

/* How far a simulated clock skew may go either way, in seconds. */
#define AUTHFLOW_FAULTS_MAX_CLOCK_SKEW_S 3600
/* The longest latency that may be added before a call, in milliseconds. */
#define AUTHFLOW_FAULTS_MAX_LATENCY_MS   120000
/* The most answers that may be synthesized in one go. */
#define AUTHFLOW_FAULTS_MAX_SERVER_ERRORS 100
/* The Retry-After of a synthesized 503 or 429 when none is given. */
#define AUTHFLOW_FAULTS_DEFAULT_RETRY_AFTER_S 5

#define AUTHFLOW_TYPE_KEYRING_FAULT (authflow_keyring_fault_get_type ())
#define AUTHFLOW_TYPE_FAULTS        (authflow_faults_get_type ())
#define AUTHFLOW_FAULTS_ERROR       (authflow_faults_error_quark ())

typedef enum
{
  AUTHFLOW_FAULTS_ERROR_UNKNOWN,
  AUTHFLOW_FAULTS_ERROR_BAD_VALUE,
} AuthflowFaultsError;

GType authflow_keyring_fault_get_type (void) G_GNUC_CONST;

G_DECLARE_FINAL_TYPE (AuthflowFaults, authflow_faults, AUTHFLOW, FAULTS, GObject)

GQuark                authflow_faults_error_quark              (void);
AuthflowFaults       *authflow_faults_new                      (void);
AuthflowJournal      *authflow_faults_get_journal              (AuthflowFaults       *self);
void                  authflow_faults_set_journal              (AuthflowFaults       *self,
                                                                AuthflowJournal      *journal);
gboolean              authflow_faults_get_active               (AuthflowFaults       *self);

gboolean              authflow_faults_get_offline              (AuthflowFaults       *self);
void                  authflow_faults_set_offline              (AuthflowFaults       *self,
                                                                gboolean              offline);
guint                 authflow_faults_get_latency              (AuthflowFaults       *self);
void                  authflow_faults_set_latency              (AuthflowFaults       *self,
                                                                guint                 latency_ms);
int                   authflow_faults_get_clock_skew           (AuthflowFaults       *self);
void                  authflow_faults_set_clock_skew           (AuthflowFaults       *self,
                                                                int                   skew_s);
gint64                authflow_faults_get_clock_jump           (AuthflowFaults       *self);
GTimeSpan             authflow_faults_get_clock_offset         (AuthflowFaults       *self);
void                  authflow_faults_inject_server_errors     (AuthflowFaults       *self,
                                                                guint                 status,
                                                                guint                 count,
                                                                guint                 retry_after_s);
guint                 authflow_faults_get_server_error_status  (AuthflowFaults       *self);
guint                 authflow_faults_get_server_errors_left   (AuthflowFaults       *self);
guint                 authflow_faults_get_server_error_retry_after (AuthflowFaults   *self);
gboolean              authflow_faults_get_invalidate_token     (AuthflowFaults       *self);
void                  authflow_faults_set_invalidate_token     (AuthflowFaults       *self,
                                                                gboolean              invalidate);
AuthflowKeyringFault  authflow_faults_get_keyring_fault        (AuthflowFaults       *self);
void                  authflow_faults_set_keyring_fault        (AuthflowFaults       *self,
                                                                AuthflowKeyringFault  fault);
gboolean              authflow_faults_expire_token_now         (AuthflowFaults       *self);
void                  authflow_faults_simulate_suspend         (AuthflowFaults       *self,
                                                                gint64                seconds);
void                  authflow_faults_clear                    (AuthflowFaults       *self);
gboolean              authflow_faults_apply                    (AuthflowFaults       *self,
                                                                const char           *spec,
                                                                GError              **error);

G_END_DECLS
