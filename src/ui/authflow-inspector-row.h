// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-journal.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_INSPECTOR_ROW (authflow_inspector_row_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowInspectorRow, authflow_inspector_row, AUTHFLOW, INSPECTOR_ROW, GtkWidget)

GtkWidget            *authflow_inspector_row_new         (void);
void                  authflow_inspector_row_bind        (AuthflowInspectorRow *self,
                                                          AuthflowJournalEntry *entry,
                                                          GtkListItem          *list_item);
void                  authflow_inspector_row_unbind      (AuthflowInspectorRow *self);
AuthflowJournalEntry *authflow_inspector_row_get_entry   (AuthflowInspectorRow *self);
GtkListItem          *authflow_inspector_row_get_list_item (AuthflowInspectorRow *self);
void                  authflow_inspector_row_set_header  (AuthflowInspectorRow *self,
                                                          const char           *header);
void                  authflow_inspector_row_set_note    (AuthflowInspectorRow *self,
                                                          const char           *note);
void                  authflow_inspector_row_set_linked  (AuthflowInspectorRow *self,
                                                          gboolean              linked);
void                  authflow_inspector_row_set_current (AuthflowInspectorRow *self,
                                                          gboolean              current);

G_END_DECLS
