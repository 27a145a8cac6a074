// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-inspector-links.h"
#include "authflow-journal.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_INSPECTOR_DETAILS (authflow_inspector_details_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowInspectorDetails, authflow_inspector_details, AUTHFLOW, INSPECTOR_DETAILS, GtkWidget)

void                  authflow_inspector_details_show      (AuthflowInspectorDetails *self,
                                                            AuthflowJournalEntry     *entry,
                                                            AuthflowInspectorLinks   *links);
AuthflowJournalEntry *authflow_inspector_details_get_entry (AuthflowInspectorDetails *self);
char                 *authflow_inspector_details_dup_curl  (AuthflowInspectorDetails *self);

G_END_DECLS
