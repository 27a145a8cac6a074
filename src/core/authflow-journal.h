// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What part of the core an entry comes from. The names are the "kind"
 * field of the trace (see the README's "The trace").
 */
typedef enum
{
  AUTHFLOW_JOURNAL_HTTP,          /* "http": one exchange with the backend */
  AUTHFLOW_JOURNAL_MAPPING,       /* "mapping": an answer read into auth properties and user */
  AUTHFLOW_JOURNAL_TOKEN,         /* "token": expiry, clock, renewal schedule, refreshes */
  AUTHFLOW_JOURNAL_KEYRING,       /* "keyring": each load, save and removal */
  AUTHFLOW_JOURNAL_SESSION,       /* "session": the state and why it changed */
  AUTHFLOW_JOURNAL_NAVIGATION,    /* "navigation": the page shown and why */
  AUTHFLOW_JOURNAL_CONNECTIVITY,  /* "connectivity": offline, backoff, back online */
  AUTHFLOW_JOURNAL_FAULT,         /* "fault": a fault injected, and each of its effects */
} AuthflowJournalKind;

/* The step of FlutterFlow's custom authentication an entry belongs to,
 * where one applies: every exchange is an "API Call"; what the app does
 * with an answer is "Log in", "Update Authenticated User" or "Log Out";
 * reading the keyring at start-up is "restore".
 */
typedef enum
{
  AUTHFLOW_JOURNAL_STEP_NONE,
  AUTHFLOW_JOURNAL_STEP_API_CALL,
  AUTHFLOW_JOURNAL_STEP_LOG_IN,
  AUTHFLOW_JOURNAL_STEP_UPDATE_USER,
  AUTHFLOW_JOURNAL_STEP_LOG_OUT,
  AUTHFLOW_JOURNAL_STEP_RESTORE,
} AuthflowJournalStep;

/* The version of the trace's schema, the "v" of every line. */
#define AUTHFLOW_JOURNAL_SCHEMA_VERSION 1

/* How much the journal keeps: the newest entries, and each body up to a
 * size, the rest cut with the cut said.
 */
#define AUTHFLOW_JOURNAL_MAX_ENTRIES    4000
#define AUTHFLOW_JOURNAL_MAX_BODY_SIZE  (16 * 1024)
#define AUTHFLOW_JOURNAL_MAX_BYTES      (16 * 1024 * 1024)

#define AUTHFLOW_TYPE_JOURNAL_ENTRY (authflow_journal_entry_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowJournalEntry, authflow_journal_entry, AUTHFLOW, JOURNAL_ENTRY, GObject)

AuthflowJournalEntry *authflow_journal_entry_new             (guint64               sequence,
                                                              GDateTime            *time,
                                                              GDateTime            *server_time,
                                                              gint64                monotonic,
                                                              AuthflowJournalKind   kind,
                                                              const char           *event,
                                                              AuthflowJournalStep   step,
                                                              const char           *summary,
                                                              gint64                duration_us,
                                                              JsonObject           *details);
guint64               authflow_journal_entry_get_sequence    (AuthflowJournalEntry *self);
GDateTime            *authflow_journal_entry_get_time        (AuthflowJournalEntry *self);
GDateTime            *authflow_journal_entry_get_server_time (AuthflowJournalEntry *self);
gint64                authflow_journal_entry_get_monotonic   (AuthflowJournalEntry *self);
AuthflowJournalKind   authflow_journal_entry_get_kind        (AuthflowJournalEntry *self);
const char           *authflow_journal_entry_get_event       (AuthflowJournalEntry *self);
AuthflowJournalStep   authflow_journal_entry_get_step        (AuthflowJournalEntry *self);
const char           *authflow_journal_entry_get_summary     (AuthflowJournalEntry *self);
gint64                authflow_journal_entry_get_duration    (AuthflowJournalEntry *self);
JsonObject           *authflow_journal_entry_get_details     (AuthflowJournalEntry *self);
JsonNode             *authflow_journal_entry_to_json         (AuthflowJournalEntry *self);
char                 *authflow_journal_entry_to_line         (AuthflowJournalEntry *self);

const char           *authflow_journal_kind_to_string        (AuthflowJournalKind   kind);
const char           *authflow_journal_step_to_string        (AuthflowJournalStep   step);
gboolean              authflow_journal_kind_from_string      (const char           *name,
                                                              AuthflowJournalKind  *kind);
AuthflowJournalStep   authflow_journal_step_from_string      (const char           *name);

#define AUTHFLOW_TYPE_JOURNAL (authflow_journal_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowJournal, authflow_journal, AUTHFLOW, JOURNAL, GObject)

AuthflowJournal      *authflow_journal_new                   (void);
AuthflowJournalEntry *authflow_journal_record                (AuthflowJournal      *self,
                                                              AuthflowJournalKind   kind,
                                                              const char           *event,
                                                              AuthflowJournalStep   step,
                                                              gint64                duration_us,
                                                              JsonObject           *details,
                                                              const char           *summary_format,
                                                              ...) G_GNUC_PRINTF (7, 8);
GListModel           *authflow_journal_get_entries           (AuthflowJournal      *self);
guint64               authflow_journal_get_dropped           (AuthflowJournal      *self);
void                  authflow_journal_set_clock_offset      (AuthflowJournal      *self,
                                                              gboolean              known,
                                                              gint64                offset_us);
void                  authflow_journal_clear                 (AuthflowJournal      *self);

/* Redaction, at the source: what these return may enter the journal; what
 * they are given must not. A token becomes its fingerprint, so that the
 * same token is always recognisable and a rotation is visible; a password
 * becomes "[redacted]", in no form at all.
 */
typedef enum
{
  AUTHFLOW_JOURNAL_SECRET_NONE,
  AUTHFLOW_JOURNAL_SECRET_TOKEN,
  AUTHFLOW_JOURNAL_SECRET_PASSWORD,
} AuthflowJournalSecret;

#define AUTHFLOW_JOURNAL_REDACTED "[redacted]"

char                 *authflow_journal_fingerprint           (const char           *secret);
JsonNode             *authflow_journal_describe_token        (const char           *token);
AuthflowJournalSecret authflow_journal_classify_name         (const char           *name);
char                 *authflow_journal_redact_text           (const char           *text,
                                                              const char * const   *tokens,
                                                              const char * const   *passwords);
JsonNode             *authflow_journal_redact_json           (JsonNode             *node,
                                                              const char * const   *tokens,
                                                              const char * const   *passwords);
JsonObject           *authflow_journal_describe_body         (GBytes               *body,
                                                              const char           *content_type,
                                                              const char * const   *tokens,
                                                              const char * const   *passwords);

G_END_DECLS
