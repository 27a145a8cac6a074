// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "authflow-journal.h"

G_BEGIN_DECLS

char                 *authflow_inspector_format_span     (GTimeSpan        span);
char                 *authflow_inspector_format_relative (GDateTime       *when,
                                                          GDateTime       *now);
char                 *authflow_inspector_format_clock    (GDateTime       *when,
                                                          GDateTime       *now);
char                 *authflow_inspector_format_instant  (GDateTime       *when,
                                                          GTimeSpan        clock_offset,
                                                          GDateTime       *now);
char                 *authflow_inspector_format_value    (JsonNode        *node);
const char           *authflow_inspector_get_string      (JsonObject      *object,
                                                          const char      *member);
JsonObject           *authflow_inspector_get_object      (JsonObject      *object,
                                                          const char      *member);
AuthflowJournalEntry *authflow_inspector_find_latest     (AuthflowJournal *journal,
                                                          AuthflowJournalKind kind,
                                                          const char      *event);
void                  authflow_inspector_name_buttons    (GtkWidget       *widget);

G_END_DECLS
