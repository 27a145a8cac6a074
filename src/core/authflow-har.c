// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-har"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "authflow-har.h"

/* The HTTP exchanges of the journal as an HTTP Archive, HAR 1.2
 * (`--har`), for the tools that read one: a browser's network panel, a
 * HAR viewer. Made only from what the journal holds, which is redacted
 * already; nothing here sees a secret.
 *
 * What HAR wants and the journal does not have is said the way HAR says
 * it: -1 for a size or a time not known. What the journal has and HAR
 * has no field for goes in custom fields, which start with "_": the
 * journal's sequence number, the profile's call, whether the exchange was
 * the retry after a renewal, what went wrong, and whether (and which)
 * injected faults touched it.
 */

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
get_array (JsonObject *object,
           const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static gboolean
get_number (JsonObject *object,
            const char *name,
            double     *value)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *value = json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else
    return FALSE;

  return TRUE;
}

static gboolean
get_boolean (JsonObject *object,
             const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node);
}

/* The journal's headers, [{"name", "value"}], as HAR's, which are the same. */
static JsonArray *
copy_headers (JsonArray *headers)
{
  JsonArray *copy = json_array_new ();

  for (guint i = 0; headers != NULL && i < json_array_get_length (headers); i++)
    {
      JsonNode *element = json_array_get_element (headers, i);
      JsonObject *header;
      JsonObject *pair;
      const char *name;
      const char *value;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      header = json_node_get_object (element);
      if ((name = get_string (header, "name")) == NULL ||
          (value = get_string (header, "value")) == NULL)
        continue;

      pair = json_object_new ();
      json_object_set_string_member (pair, "name", name);
      json_object_set_string_member (pair, "value", value);
      json_array_add_object_element (copy, pair);
    }

  return copy;
}

static const char *
find_header (JsonArray  *headers,
             const char *wanted)
{
  for (guint i = 0; headers != NULL && i < json_array_get_length (headers); i++)
    {
      JsonNode *element = json_array_get_element (headers, i);
      const char *name;

      if (JSON_NODE_HOLDS_OBJECT (element) &&
          (name = get_string (json_node_get_object (element), "name")) != NULL &&
          g_ascii_strcasecmp (name, wanted) == 0)
        return get_string (json_node_get_object (element), "value");
    }

  return NULL;
}

/* One name or value of a query, decoded as a browser's URLSearchParams
 * does ('+' a space, then %XX), or as it is where that would not give
 * UTF-8 text.
 */
static char *
decode_query_part (const char *start,
                   gsize       len)
{
  g_autofree char *raw = g_strndup (start, len);
  g_autofree char *spaced = g_strdup (raw);
  g_autofree char *decoded = NULL;

  g_strdelimit (spaced, "+", ' ');
  decoded = g_uri_unescape_string (spaced, NULL);
  if (decoded != NULL && g_utf8_validate (decoded, -1, NULL))
    return g_steal_pointer (&decoded);

  return g_steal_pointer (&raw);
}

static JsonArray *
parse_query (const char *url)
{
  JsonArray *params = json_array_new ();
  const char *query;
  const char *end;

  if (url == NULL || (query = strchr (url, '?')) == NULL)
    return params;

  query++;
  if ((end = strchr (query, '#')) == NULL)
    end = query + strlen (query);

  while (query < end)
    {
      const char *amp = memchr (query, '&', end - query);
      const char *stop = amp != NULL ? amp : end;
      const char *equals = memchr (query, '=', stop - query);

      if (stop > query)
        {
          JsonObject *param = json_object_new ();
          g_autofree char *name = decode_query_part (query, (equals != NULL ? equals : stop) - query);
          g_autofree char *value = equals != NULL ? decode_query_part (equals + 1, stop - equals - 1)
                                                  : g_strdup ("");

          json_object_set_string_member (param, "name", name);
          json_object_set_string_member (param, "value", value);
          json_array_add_object_element (params, param);
        }

      query = stop + 1;
    }

  return params;
}

/* What was cut or left out of a body, for a person and for a program. */
static void
note_body (JsonObject *har,
           JsonObject *body)
{
  double size = 0;
  double truncated = 0;

  get_number (body, "size", &size);

  if (get_boolean (body, "binary"))
    {
      g_autofree char *comment = g_strdup_printf ("%.0f bytes, not text: not kept", size);

      json_object_set_string_member (har, "comment", comment);
      json_object_set_boolean_member (har, "_binary", TRUE);
    }
  else if (get_number (body, "truncated", &truncated) && truncated > 0)
    {
      g_autofree char *comment = g_strdup_printf ("%.0f bytes, of which the first %.0f are kept",
                                                  size, size - truncated);

      json_object_set_string_member (har, "comment", comment);
      json_object_set_int_member (har, "_truncated", (gint64) truncated);
    }
}

static JsonObject *
build_request (JsonObject *request)
{
  JsonObject *har = json_object_new ();
  JsonArray *headers = get_array (request, "headers");
  JsonObject *body = get_object (request, "body");
  const char *method = get_string (request, "method");
  const char *url = get_string (request, "url");
  const char *version = get_string (request, "httpVersion");
  double size = 0;

  json_object_set_string_member (har, "method", method != NULL ? method : "");
  json_object_set_string_member (har, "url", url != NULL ? url : "");
  json_object_set_string_member (har, "httpVersion", version != NULL ? version : "");
  json_object_set_array_member (har, "cookies", json_array_new ());
  json_object_set_array_member (har, "headers", copy_headers (headers));
  json_object_set_array_member (har, "queryString", parse_query (url));

  if (body != NULL && get_number (body, "size", &size) && size > 0)
    {
      JsonObject *post = json_object_new ();
      const char *mime_type = get_string (body, "mimeType");
      const char *text = get_string (body, "text");

      if (mime_type == NULL)
        mime_type = find_header (headers, "Content-Type");
      json_object_set_string_member (post, "mimeType", mime_type != NULL ? mime_type : "");
      json_object_set_string_member (post, "text", text != NULL ? text : "");
      note_body (post, body);
      json_object_set_object_member (har, "postData", post);
    }

  json_object_set_int_member (har, "headersSize", -1);
  json_object_set_int_member (har, "bodySize", body != NULL ? (gint64) size : 0);

  return har;
}

static JsonObject *
build_response (JsonObject *response)
{
  JsonObject *har = json_object_new ();
  JsonObject *content = json_object_new ();
  JsonArray *headers = get_array (response, "headers");
  JsonObject *body = get_object (response, "body");
  const char *status_text = get_string (response, "statusText");
  const char *version = get_string (response, "httpVersion");
  const char *location = find_header (headers, "Location");
  const char *mime_type = get_string (body, "mimeType");
  const char *text = get_string (body, "text");
  double status = 0;
  double size = 0;
  gboolean has_size;

  get_number (response, "status", &status);
  has_size = get_number (body, "size", &size);

  json_object_set_int_member (har, "status", (gint64) status);
  json_object_set_string_member (har, "statusText", status_text != NULL ? status_text : "");
  json_object_set_string_member (har, "httpVersion", version != NULL ? version : "");
  json_object_set_array_member (har, "cookies", json_array_new ());
  json_object_set_array_member (har, "headers", copy_headers (headers));

  if (mime_type == NULL)
    mime_type = find_header (headers, "Content-Type");
  json_object_set_int_member (content, "size", (gint64) size);
  json_object_set_string_member (content, "mimeType", mime_type != NULL ? mime_type : "");
  if (text != NULL)
    json_object_set_string_member (content, "text", text);
  if (body != NULL)
    note_body (content, body);
  json_object_set_object_member (har, "content", content);

  json_object_set_string_member (har, "redirectURL", location != NULL ? location : "");
  json_object_set_int_member (har, "headersSize", -1);
  json_object_set_int_member (har, "bodySize", has_size ? (gint64) size : -1);

  return har;
}

/* No answer came: HAR's way of saying so is status 0. */
static JsonObject *
build_no_response (void)
{
  JsonObject *har = json_object_new ();
  JsonObject *content = json_object_new ();

  json_object_set_int_member (har, "status", 0);
  json_object_set_string_member (har, "statusText", "");
  json_object_set_string_member (har, "httpVersion", "");
  json_object_set_array_member (har, "cookies", json_array_new ());
  json_object_set_array_member (har, "headers", json_array_new ());
  json_object_set_int_member (content, "size", 0);
  json_object_set_string_member (content, "mimeType", "");
  json_object_set_object_member (har, "content", content);
  json_object_set_string_member (har, "redirectURL", "");
  json_object_set_int_member (har, "headersSize", -1);
  json_object_set_int_member (har, "bodySize", -1);

  return har;
}

/* The journal's three times, each counted from the start of the exchange
 * (connected, first byte of the answer, done; -1 where not known, connect
 * 0 on a reused connection) as HAR's phases, which follow each other.
 * HAR wants send, wait and receive known and not negative, connect -1 on a
 * reused connection, and time their sum.
 */
static JsonObject *
build_timings (JsonObject *timings,
               gint64      duration_us,
               double     *time)
{
  JsonObject *har = json_object_new ();
  double connect = -1;
  double first_byte = -1;
  double total = -1;
  double before;
  double wait;
  double receive;

  get_number (timings, "connectMs", &connect);
  get_number (timings, "firstByteMs", &first_byte);
  get_number (timings, "totalMs", &total);

  if (total < 0)
    total = duration_us >= 0 ? duration_us / 1000.0 : MAX (first_byte, 0);
  if (connect <= 0)
    connect = -1;
  before = MAX (connect, 0);

  if (first_byte >= 0)
    {
      wait = MAX (first_byte - before, 0);
      receive = MAX (total - MAX (first_byte, before), 0);
    }
  else
    {
      wait = MAX (total - before, 0);
      receive = 0;
    }

  json_object_set_int_member (har, "blocked", -1);
  json_object_set_int_member (har, "dns", -1);
  if (connect < 0)
    json_object_set_int_member (har, "connect", -1);
  else
    json_object_set_double_member (har, "connect", connect);
  json_object_set_int_member (har, "send", 0);
  json_object_set_double_member (har, "wait", wait);
  json_object_set_double_member (har, "receive", receive);
  json_object_set_int_member (har, "ssl", -1);

  *time = before + wait + receive;

  return har;
}

typedef struct
{
  gint64      started;   /* µs since the epoch, for the order */
  guint64     sequence;
  JsonObject *entry;
} HarEntry;

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const HarEntry *x = a;
  const HarEntry *y = b;

  if (x->started != y->started)
    return x->started < y->started ? -1 : 1;

  return x->sequence < y->sequence ? -1 : x->sequence > y->sequence;
}

static gint64
to_unix_usec (GDateTime *time)
{
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

static HarEntry
build_entry (AuthflowJournalEntry *entry)
{
  JsonObject *details = authflow_journal_entry_get_details (entry);
  JsonObject *request = get_object (details, "request");
  JsonObject *response = get_object (details, "response");
  const char *started = get_string (details, "startedDateTime");
  const char *call = get_string (details, "call");
  const char *error = get_string (details, "error");
  gint64 duration = authflow_journal_entry_get_duration (entry);
  g_autoptr(GDateTime) started_time = NULL;
  g_autofree char *started_text = NULL;
  JsonObject *har = json_object_new ();
  double time;
  JsonObject *timings;

  if (started != NULL)
    started_time = g_date_time_new_from_iso8601 (started, NULL);
  if (started_time == NULL)
    {
      /* The entry is made when the exchange is over. */
      started_time = g_date_time_add (authflow_journal_entry_get_time (entry), -MAX (duration, 0));
      started_text = g_date_time_format_iso8601 (started_time);
      started = started_text;
    }

  timings = build_timings (get_object (details, "timings"), duration, &time);

  json_object_set_string_member (har, "startedDateTime", started);
  json_object_set_double_member (har, "time", time);
  json_object_set_object_member (har, "request", build_request (request));
  json_object_set_object_member (har, "response", response != NULL ? build_response (response)
                                                                    : build_no_response ());
  json_object_set_object_member (har, "cache", json_object_new ());
  json_object_set_object_member (har, "timings", timings);
  json_object_set_int_member (har, "_seq", (gint64) authflow_journal_entry_get_sequence (entry));
  if (call != NULL)
    json_object_set_string_member (har, "_call", call);
  json_object_set_boolean_member (har, "_retry", get_boolean (details, "retry"));
  if (get_boolean (details, "injected"))
    {
      JsonArray *faults = get_array (details, "faults");

      json_object_set_boolean_member (har, "_injected", TRUE);
      if (faults != NULL)
        {
          JsonArray *copy = json_array_new ();

          for (guint i = 0; i < json_array_get_length (faults); i++)
            json_array_add_element (copy, json_node_copy (json_array_get_element (faults, i)));
          json_object_set_array_member (har, "_faults", copy);
        }
    }
  if (error != NULL)
    json_object_set_string_member (har, "_error", error);
  else if (response == NULL)
    json_object_set_string_member (har, "_error", "no answer");

  return (HarEntry) {
    .started = to_unix_usec (started_time),
    .sequence = authflow_journal_entry_get_sequence (entry),
    .entry = har,
  };
}

/**
 * authflow_har_from_journal:
 * @journal: a journal
 *
 * The `http`/`exchange` entries of @journal as a HAR 1.2 log, oldest
 * first, by when each exchange started.
 *
 * Returns: (transfer full): the HAR document, `{"log": {…}}`
 */
JsonNode *
authflow_har_from_journal (AuthflowJournal *journal)
{
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (HarEntry));
  GListModel *entries;
  JsonObject *root;
  JsonObject *log;
  JsonObject *creator;
  JsonArray *array;
  guint64 dropped;

  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL (journal), NULL);

  entries = authflow_journal_get_entries (journal);
  for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (entries, i);
      HarEntry har;

      if (authflow_journal_entry_get_kind (entry) != AUTHFLOW_JOURNAL_HTTP ||
          g_strcmp0 (authflow_journal_entry_get_event (entry), "exchange") != 0)
        continue;

      har = build_entry (entry);
      g_array_append_val (found, har);
    }

  /* The entries are made as the exchanges end; HAR lists them as they
   * started. A stable order for those that started together.
   */
  g_array_sort (found, compare_entries);

  array = json_array_sized_new (found->len);
  for (guint i = 0; i < found->len; i++)
    json_array_add_object_element (array, g_array_index (found, HarEntry, i).entry);

  creator = json_object_new ();
  json_object_set_string_member (creator, "name", "Authflow");
  json_object_set_string_member (creator, "version", PACKAGE_VERSION);

  log = json_object_new ();
  json_object_set_string_member (log, "version", "1.2");
  json_object_set_object_member (log, "creator", creator);
  json_object_set_array_member (log, "pages", json_array_new ());
  json_object_set_array_member (log, "entries", array);

  if ((dropped = authflow_journal_get_dropped (journal)) > 0)
    {
      g_autofree char *comment =
        g_strdup_printf ("The journal let its %" G_GUINT64_FORMAT " oldest entries go to stay "
                         "bounded; the exchanges among them are not here.", dropped);

      json_object_set_string_member (log, "comment", comment);
      json_object_set_int_member (log, "_dropped", (gint64) dropped);
    }

  root = json_object_new ();
  json_object_set_object_member (root, "log", log);

  return json_node_init_object (json_node_alloc (), root);
}

static gboolean
write_all (int          fd,
           const char  *data,
           gsize        len)
{
  while (len > 0)
    {
      gssize written = write (fd, data, len);

      if (written < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      data += written;
      len -= written;
    }

  return TRUE;
}

/**
 * authflow_har_write:
 * @journal: a journal
 * @path: (type filename): where to write
 * @error: the place for an error
 *
 * Writes authflow_har_from_journal() to @path: whole or not at all (a new
 * file beside it, then renamed over it), readable by its owner alone.
 *
 * Returns: whether it was written
 */
gboolean
authflow_har_write (AuthflowJournal  *journal,
                    const char       *path,
                    GError          **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autofree char *data = NULL;
  g_autofree char *tmp = NULL;
  gsize len;
  int fd;
  int errsv;

  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL (journal), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  root = authflow_har_from_journal (journal);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, &len);

  tmp = g_strdup_printf ("%s.XXXXXX", path);
  if ((fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600)) < 0)
    goto failed;

  if (!write_all (fd, data, len) || !write_all (fd, "\n", 1) || fsync (fd) != 0)
    {
      errsv = errno;
      close (fd);
      g_unlink (tmp);
      errno = errsv;
      goto failed;
    }

  if (close (fd) != 0 || g_rename (tmp, path) != 0)
    {
      errsv = errno;
      g_unlink (tmp);
      errno = errsv;
      goto failed;
    }

  return TRUE;

failed:
  errsv = errno;
  {
    g_autofree char *display = g_filename_display_name (path);

    /* For --trace and --har, developers' options: in English, like the
     * trace and the HAR themselves. */
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                 "Could not write the HAR file “%s”: %s", display, g_strerror (errsv));
  }
  return FALSE;
}
