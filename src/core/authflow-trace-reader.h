// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "authflow-journal.h"

G_BEGIN_DECLS

/* The largest saved trace that is read back: a whole journal written as
 * JSON Lines is at most some 20 MiB; a trace of a long run can be more.
 */
#define AUTHFLOW_TRACE_READER_MAX_SIZE (256 * 1024 * 1024)

#define AUTHFLOW_TYPE_TRACE_READING (authflow_trace_reading_get_type ())

/* What a saved trace held: its entries, and the lines that were not one. */
typedef struct _AuthflowTraceReading AuthflowTraceReading;

GType                 authflow_trace_reading_get_type      (void) G_GNUC_CONST;
AuthflowTraceReading *authflow_trace_reading_ref           (AuthflowTraceReading  *self);
void                  authflow_trace_reading_unref         (AuthflowTraceReading  *self);
GListModel           *authflow_trace_reading_get_entries   (AuthflowTraceReading  *self);
guint                 authflow_trace_reading_get_skipped   (AuthflowTraceReading  *self);
const char           *authflow_trace_reading_get_problem   (AuthflowTraceReading  *self);

AuthflowJournalEntry *authflow_trace_parse_line            (const char            *line,
                                                            gssize                 len,
                                                            GError               **error);
AuthflowTraceReading *authflow_trace_read_data             (const char            *data,
                                                            gsize                  len,
                                                            GCancellable          *cancellable,
                                                            GError               **error);
void                  authflow_trace_read_async            (GFile                 *file,
                                                            GCancellable          *cancellable,
                                                            GAsyncReadyCallback    callback,
                                                            gpointer               user_data);
AuthflowTraceReading *authflow_trace_read_finish           (GAsyncResult          *result,
                                                            GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthflowTraceReading, authflow_trace_reading_unref)

G_END_DECLS
