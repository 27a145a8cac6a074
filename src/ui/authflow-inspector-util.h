// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-journal.h"

G_BEGIN_DECLS

/* The groups of the Timeline's filter. */
typedef enum
{
  AUTHFLOW_INSPECTOR_CATEGORY_HTTP    = 1 << 0,  /* exchanges */
  AUTHFLOW_INSPECTOR_CATEGORY_TOKENS  = 1 << 1,  /* the token lifecycle and the mapping of answers */
  AUTHFLOW_INSPECTOR_CATEGORY_KEYRING = 1 << 2,
  AUTHFLOW_INSPECTOR_CATEGORY_SESSION = 1 << 3,  /* the session's state, pages, connectivity */
} AuthflowInspectorCategory;

AuthflowInspectorCategory authflow_inspector_entry_get_category  (AuthflowJournalEntry *entry);
gboolean                  authflow_inspector_entry_is_error      (AuthflowJournalEntry *entry);
const char               *authflow_inspector_entry_get_icon_name (AuthflowJournalEntry *entry);
const char               *authflow_inspector_step_get_title      (AuthflowJournalStep   step);
char                     *authflow_inspector_entry_dup_call      (AuthflowJournalEntry *entry);
gint64                    authflow_inspector_exchange_get_status (JsonObject           *details);

char                     *authflow_inspector_format_time         (GDateTime            *time);
char                     *authflow_inspector_format_duration     (gint64                duration_us);
gboolean                  authflow_inspector_is_redacted         (const char           *value);

const char               *authflow_inspector_json_get_string     (JsonObject           *object,
                                                                  const char           *name);
JsonObject               *authflow_inspector_json_get_object     (JsonObject           *object,
                                                                  const char           *name);
gint64                    authflow_inspector_json_get_int        (JsonObject           *object,
                                                                  const char           *name,
                                                                  gint64                fallback);
double                    authflow_inspector_json_get_number     (JsonObject           *object,
                                                                  const char           *name,
                                                                  double                fallback);
gboolean                  authflow_inspector_json_get_boolean    (JsonObject           *object,
                                                                  const char           *name);

char                     *authflow_inspector_curl_command        (JsonObject           *details,
                                                                  GHashTable           *fingerprints);

G_END_DECLS
