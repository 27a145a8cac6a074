// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "authflow-journal.h"

G_BEGIN_DECLS

/* How much the trace holds for a reader that does not keep up, at most;
 * lines past it are left out, and a warning says so once.
 */
#define AUTHFLOW_TRACE_MAX_QUEUED (16 * 1024 * 1024)

#define AUTHFLOW_TYPE_TRACE (authflow_trace_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowTrace, authflow_trace, AUTHFLOW, TRACE, GObject)

AuthflowTrace *authflow_trace_new   (AuthflowJournal  *journal,
                                     const char       *path,
                                     GError          **error);
void           authflow_trace_close (AuthflowTrace    *self);

G_END_DECLS
