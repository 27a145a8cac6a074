// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-inspector-details.h"
#include "authflow-journal.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_INSPECTOR_TIMELINE (authflow_inspector_timeline_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowInspectorTimeline, authflow_inspector_timeline, AUTHFLOW, INSPECTOR_TIMELINE, GtkWidget)

GtkWidget                *authflow_inspector_timeline_new         (void);
void                      authflow_inspector_timeline_set_entries (AuthflowInspectorTimeline *self,
                                                                   GListModel                *entries);
GListModel               *authflow_inspector_timeline_get_entries (AuthflowInspectorTimeline *self);
GListModel               *authflow_inspector_timeline_get_shown   (AuthflowInspectorTimeline *self);
void                      authflow_inspector_timeline_open        (AuthflowInspectorTimeline *self,
                                                                   AuthflowJournalEntry      *entry);
AuthflowJournalEntry     *authflow_inspector_timeline_get_open    (AuthflowInspectorTimeline *self);
AuthflowInspectorDetails *authflow_inspector_timeline_get_details (AuthflowInspectorTimeline *self);
gboolean                  authflow_inspector_timeline_go_back     (AuthflowInspectorTimeline *self);
void                      authflow_inspector_timeline_show_refresh (AuthflowInspectorTimeline *self,
                                                                   guint64                    seq);

G_END_DECLS
