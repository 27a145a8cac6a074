// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "authflow-journal.h"

G_BEGIN_DECLS

/* One refresh and the calls it served, as the journal tells them. */
typedef struct
{
  guint64  seq;           /* the refresh-started entry's, which names the group */
  char    *trigger;
  guint    served;        /* calls that waited for it */
  guint    refused;       /* their answers 401 that made them wait */
  guint    retries;       /* calls sent again with the new token */
  guint    retried;       /* exchanges of those retries */
  char    *outcome;       /* (nullable): until it finished */
  guint64  finished_seq;  /* 0 until it finished */
  guint64  last_seq;      /* the newest entry tied to it */
} AuthflowInspectorRefresh;

#define AUTHFLOW_TYPE_INSPECTOR_LINKS (authflow_inspector_links_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowInspectorLinks, authflow_inspector_links, AUTHFLOW, INSPECTOR_LINKS, GObject)

AuthflowInspectorLinks         *authflow_inspector_links_new             (GListModel             *entries);
const AuthflowInspectorRefresh *authflow_inspector_links_get_refresh     (AuthflowInspectorLinks *self,
                                                                          AuthflowJournalEntry   *entry);
const AuthflowInspectorRefresh *authflow_inspector_links_lookup_refresh  (AuthflowInspectorLinks *self,
                                                                          guint64                 seq);
GHashTable                     *authflow_inspector_links_get_fingerprints (AuthflowInspectorLinks *self);

G_END_DECLS
