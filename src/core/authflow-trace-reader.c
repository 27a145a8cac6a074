// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-trace"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "authflow-json.h"
#include "authflow-trace-reader.h"

/* A saved trace read back (the Flow Inspector's Open Trace…): each line
 * that is an entry of schema version 1 becomes one, and every other line is
 * skipped and counted, whatever it holds. Each line goes through
 * authflow_json_parse(), as every JSON the app reads; a file is read in a
 * worker thread, so that a large one never holds the main loop.
 */

struct _AuthflowTraceReading
{
  gatomicrefcount  ref_count;
  GListStore      *entries;
  guint            skipped;
  char            *problem;
};

G_DEFINE_BOXED_TYPE (AuthflowTraceReading, authflow_trace_reading,
                     authflow_trace_reading_ref, authflow_trace_reading_unref)

AuthflowTraceReading *
authflow_trace_reading_ref (AuthflowTraceReading *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
authflow_trace_reading_unref (AuthflowTraceReading *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_clear_object (&self->entries);
      g_free (self->problem);
      g_free (self);
    }
}

/**
 * authflow_trace_reading_get_entries:
 *
 * Returns: (transfer none): the entries, in the order of the file, as a
 *   list model of #AuthflowJournalEntry
 */
GListModel *
authflow_trace_reading_get_entries (AuthflowTraceReading *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return G_LIST_MODEL (self->entries);
}

/**
 * authflow_trace_reading_get_skipped:
 *
 * Returns: how many lines that were not blank held no entry
 */
guint
authflow_trace_reading_get_skipped (AuthflowTraceReading *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->skipped;
}

/**
 * authflow_trace_reading_get_problem:
 *
 * Returns: (nullable): what was wrong with the first line skipped, with its
 *   number ("Line 3: …"), or %NULL if none was
 */
const char *
authflow_trace_reading_get_problem (AuthflowTraceReading *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->problem;
}

static gboolean
get_string (JsonObject  *object,
            const char  *name,
            gboolean     required,
            const char **value,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = NULL;

  if (node == NULL && !required)
    return TRUE;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      /* Translators: %s is a member of a trace's line, such as “kind”. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is missing or malformed"), name);
      return FALSE;
    }

  *value = json_node_get_string (node);

  return TRUE;
}

static gboolean
get_integer (JsonObject  *object,
             const char  *name,
             gboolean     required,
             gint64      *value,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL && !required)
    return TRUE;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is missing or malformed"), name);
      return FALSE;
    }

  *value = json_node_get_int (node);

  return TRUE;
}

static GDateTime *
get_time (JsonObject  *object,
          const char  *name,
          gboolean     required,
          GError     **error)
{
  const char *text;
  GDateTime *time = NULL;

  if (!get_string (object, name, required, &text, error))
    return NULL;

  if (text != NULL && !(time = g_date_time_new_from_iso8601 (text, NULL)))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is missing or malformed"), name);

  return time;
}

/**
 * authflow_trace_parse_line:
 * @line: (array length=len): one line of a trace, without its newline
 * @len: its length, or -1 when it ends with a NUL
 *
 * Reads one entry as the trace writes it (schema in the README, "The
 * trace"). Members it does not know are ignored, as the schema says a
 * reader does; a step it does not know is no step.
 *
 * Returns: (transfer full) (nullable): the entry, or %NULL with @error
 *   saying what is wrong
 */
AuthflowJournalEntry *
authflow_trace_parse_line (const char  *line,
                           gssize       len,
                           GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GDateTime) server_time = NULL;
  JsonObject *object;
  JsonObject *details = NULL;
  JsonNode *member;
  AuthflowJournalKind kind;
  const char *kind_name;
  const char *event;
  const char *step;
  const char *summary;
  gint64 version = 0;
  gint64 sequence = 0;
  gint64 monotonic = 0;
  gint64 duration = -1;

  g_return_val_if_fail (line != NULL || len == 0, NULL);

  if (len < 0)
    len = strlen (line);

  /* Every string of the entry is shown as text. */
  if (!g_utf8_validate_len (line, len, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("not UTF-8 text"));
      return NULL;
    }

  if (!(node = authflow_json_parse (line, len, &local_error)))
    {
      /* Translators: %s is what the JSON parser said. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("not JSON: %s"), local_error->message);
      return NULL;
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);

  if (!get_integer (object, "v", TRUE, &version, error))
    return NULL;
  if (version != AUTHFLOW_JOURNAL_SCHEMA_VERSION)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, version);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   /* Translators: %s is a number, the "v" of a trace's line. */
                   _("schema version %s, which this version of Authflow does not read"), text);
      return NULL;
    }

  if (!get_integer (object, "seq", TRUE, &sequence, error) ||
      !get_integer (object, "monotonic", FALSE, &monotonic, error) ||
      !get_string (object, "kind", TRUE, &kind_name, error) ||
      !get_string (object, "event", TRUE, &event, error) ||
      !get_string (object, "step", FALSE, &step, error) ||
      !get_string (object, "summary", TRUE, &summary, error))
    return NULL;

  if (sequence < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is missing or malformed"), "seq");
      return NULL;
    }

  if (!authflow_journal_kind_from_string (kind_name, &kind))
    {
      /* Translators: %s is the "kind" of a trace's line, such as “http”. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("unknown kind “%s”"), kind_name);
      return NULL;
    }

  if (!(time = get_time (object, "time", TRUE, error)))
    return NULL;
  if (json_object_has_member (object, "serverTime") &&
      !(server_time = get_time (object, "serverTime", TRUE, error)))
    return NULL;

  if ((member = json_object_get_member (object, "durationMs")) != NULL)
    {
      double ms;

      if (!JSON_NODE_HOLDS_VALUE (member) ||
          (json_node_get_value_type (member) != G_TYPE_DOUBLE &&
           json_node_get_value_type (member) != G_TYPE_INT64) ||
          (ms = json_node_get_double (member)) < 0 || ms > G_MAXINT64 / 1000.0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is missing or malformed"), "durationMs");
          return NULL;
        }
      duration = (gint64) (ms * 1000.0);
    }

  if ((member = json_object_get_member (object, "details")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (member))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is missing or malformed"), "details");
          return NULL;
        }
      details = json_node_get_object (member);
    }

  return authflow_journal_entry_new ((guint64) sequence, time, server_time, monotonic, kind, event,
                                     authflow_journal_step_from_string (step), summary, duration, details);
}

/**
 * authflow_trace_read_data:
 * @data: (array length=len): the text of a saved trace
 *
 * Reads every line of @data; a line that is no entry is skipped and
 * counted, and the first one's problem kept. Blank lines are nothing.
 *
 * Returns: (transfer full) (nullable): what @data held, or %NULL with
 *   @error if not one line was an entry, or if @cancellable was cancelled
 */
AuthflowTraceReading *
authflow_trace_read_data (const char    *data,
                          gsize          len,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(AuthflowTraceReading) reading = g_new0 (AuthflowTraceReading, 1);
  const char *end = data + len;
  const char *line = data;
  guint number = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  g_atomic_ref_count_init (&reading->ref_count);
  reading->entries = g_list_store_new (AUTHFLOW_TYPE_JOURNAL_ENTRY);

  while (line < end)
    {
      const char *newline = memchr (line, '\n', end - line);
      const char *next = newline != NULL ? newline + 1 : end;
      const char *stop = newline != NULL ? newline : end;
      g_autoptr(AuthflowJournalEntry) entry = NULL;
      g_autoptr(GError) local_error = NULL;

      number++;
      if (number % 1024 == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      /* A file written on another system may end its lines with CR LF. */
      if (stop > line && stop[-1] == '\r')
        stop--;

      {
        const char *p = line;

        while (p < stop && g_ascii_isspace (*p))
          p++;
        if (p == stop)
          {
            line = next;
            continue;
          }
      }

      if ((entry = authflow_trace_parse_line (line, stop - line, &local_error)))
        {
          g_list_store_append (reading->entries, entry);
        }
      else
        {
          g_debug ("Line %u of the trace is no entry: %s", number, local_error->message);
          if (reading->skipped++ == 0)
            /* Translators: %u is a line number, %s what is wrong with it. */
            reading->problem = g_strdup_printf (_("Line %u: %s"), number, local_error->message);
        }

      line = next;
    }

  if (g_list_model_get_n_items (G_LIST_MODEL (reading->entries)) == 0)
    {
      if (reading->problem != NULL)
        /* Translators: %s says what is wrong with the first line. */
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("The file holds no entry of an Authflow trace. %s"), reading->problem);
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The file is empty."));
      return NULL;
    }

  return g_steal_pointer (&reading);
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  AuthflowTraceReading *reading;
  gsize len = 0;

  /* The size first, so that a huge file is refused unread. */
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, cancellable, &error);
  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_file_info_get_size (info) > AUTHFLOW_TRACE_READER_MAX_SIZE)
    {
      g_autofree char *limit = g_format_size (AUTHFLOW_TRACE_READER_MAX_SIZE);

      /* Translators: %s is a size, such as “268.4 MB”. */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                               _("The file is larger than %s, which Authflow does not open."), limit);
      return;
    }

  if (!g_file_load_contents (file, cancellable, &data, &len, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* It may have grown since. */
  if (len > AUTHFLOW_TRACE_READER_MAX_SIZE)
    {
      g_autofree char *limit = g_format_size (AUTHFLOW_TRACE_READER_MAX_SIZE);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                               _("The file is larger than %s, which Authflow does not open."), limit);
      return;
    }

  if (!(reading = authflow_trace_read_data (data, len, cancellable, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, reading, (GDestroyNotify) authflow_trace_reading_unref);
}

/**
 * authflow_trace_read_async:
 * @file: a trace that `--trace` or Save Trace… wrote
 *
 * Reads @file in a worker thread, as authflow_trace_read_data() does.
 */
void
authflow_trace_read_async (GFile               *file,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_trace_read_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, read_thread);
}

/**
 * authflow_trace_read_finish:
 *
 * Returns: (transfer full) (nullable): what the file held, or %NULL with
 *   @error
 */
AuthflowTraceReading *
authflow_trace_read_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == authflow_trace_read_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
