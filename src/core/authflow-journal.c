// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-journal"

#include "config.h"

#include <string.h>

#include "authflow-journal.h"
#include "authflow-json.h"
#include "authflow-jwt.h"

/* The journal: every step the core takes, in the order it happens. The
 * client, the flow, the session store and the navigation controller report
 * to it; the trace, the HAR export and the Flow Inspector read it.
 *
 * Redaction happens here and in the helpers below, before anything is kept:
 * a token is kept as its fingerprint (and, for a JWT, its decoded header and
 * claims), a password not at all. What the journal holds may be shown,
 * written or exported as it is.
 *
 * It is bounded: the newest AUTHFLOW_JOURNAL_MAX_ENTRIES entries, at most
 * AUTHFLOW_JOURNAL_MAX_BYTES of them, and each body cut at
 * AUTHFLOW_JOURNAL_MAX_BODY_SIZE with the cut said.
 */

struct _AuthflowJournalEntry
{
  GObject              parent_instance;

  guint64              sequence;
  GDateTime           *time;
  GDateTime           *server_time;
  gint64               monotonic;
  AuthflowJournalKind  kind;
  char                *event;
  AuthflowJournalStep  step;
  char                *summary;
  gint64               duration;
  JsonObject          *details;
  gsize                size;
};

G_DEFINE_FINAL_TYPE (AuthflowJournalEntry, authflow_journal_entry, G_TYPE_OBJECT)

struct _AuthflowJournal
{
  GObject     parent_instance;

  GListStore *entries;
  guint64     next_sequence;
  guint64     dropped;
  gsize       size;
  gboolean    offset_known;
  gint64      offset_us;
};

G_DEFINE_FINAL_TYPE (AuthflowJournal, authflow_journal, G_TYPE_OBJECT)

enum {
  ENTRY_ADDED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

static const char * const kind_names[] = {
  [AUTHFLOW_JOURNAL_HTTP] = "http",
  [AUTHFLOW_JOURNAL_MAPPING] = "mapping",
  [AUTHFLOW_JOURNAL_TOKEN] = "token",
  [AUTHFLOW_JOURNAL_KEYRING] = "keyring",
  [AUTHFLOW_JOURNAL_SESSION] = "session",
  [AUTHFLOW_JOURNAL_NAVIGATION] = "navigation",
  [AUTHFLOW_JOURNAL_CONNECTIVITY] = "connectivity",
  [AUTHFLOW_JOURNAL_FAULT] = "fault",
};

static const char * const step_names[] = {
  [AUTHFLOW_JOURNAL_STEP_NONE] = NULL,
  [AUTHFLOW_JOURNAL_STEP_API_CALL] = "API Call",
  [AUTHFLOW_JOURNAL_STEP_LOG_IN] = "Log in",
  [AUTHFLOW_JOURNAL_STEP_UPDATE_USER] = "Update Authenticated User",
  [AUTHFLOW_JOURNAL_STEP_LOG_OUT] = "Log Out",
  [AUTHFLOW_JOURNAL_STEP_RESTORE] = "restore",
};

/**
 * authflow_journal_kind_to_string:
 *
 * Returns: the kind's name in the trace: "http", "mapping", "token", …
 */
const char *
authflow_journal_kind_to_string (AuthflowJournalKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (kind_names), NULL);

  return kind_names[kind];
}

/**
 * authflow_journal_step_to_string:
 *
 * Returns: (nullable): the step in FlutterFlow's words, or %NULL for none
 */
const char *
authflow_journal_step_to_string (AuthflowJournalStep step)
{
  g_return_val_if_fail (step < G_N_ELEMENTS (step_names), NULL);

  return step_names[step];
}

/**
 * authflow_journal_kind_from_string:
 * @name: a kind's name in the trace: "http", "mapping", …
 * @kind: (out): where to put the kind
 *
 * Returns: whether @name is a kind's name
 */
gboolean
authflow_journal_kind_from_string (const char          *name,
                                   AuthflowJournalKind *kind)
{
  g_return_val_if_fail (kind != NULL, FALSE);

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (kind_names); i++)
    if (g_str_equal (name, kind_names[i]))
      {
        *kind = i;
        return TRUE;
      }

  return FALSE;
}

/**
 * authflow_journal_step_from_string:
 * @name: (nullable): a step in FlutterFlow's words, as the trace writes it
 *
 * Returns: the step, or %AUTHFLOW_JOURNAL_STEP_NONE for %NULL or a name it
 *   does not know
 */
AuthflowJournalStep
authflow_journal_step_from_string (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (step_names); i++)
    if (step_names[i] != NULL && g_str_equal (name, step_names[i]))
      return i;

  return AUTHFLOW_JOURNAL_STEP_NONE;
}

static void
authflow_journal_entry_finalize (GObject *object)
{
  AuthflowJournalEntry *self = (AuthflowJournalEntry *)object;

  g_clear_pointer (&self->time, g_date_time_unref);
  g_clear_pointer (&self->server_time, g_date_time_unref);
  g_clear_pointer (&self->event, g_free);
  g_clear_pointer (&self->summary, g_free);
  g_clear_pointer (&self->details, json_object_unref);

  G_OBJECT_CLASS (authflow_journal_entry_parent_class)->finalize (object);
}

static void
authflow_journal_entry_class_init (AuthflowJournalEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = authflow_journal_entry_finalize;
}

static void
authflow_journal_entry_init (AuthflowJournalEntry *self)
{
  self->duration = -1;
}

/**
 * authflow_journal_entry_new:
 * @sequence: its place in the order of the steps
 * @time: when it was made, on the local clock
 * @server_time: (nullable): the same moment on the server's clock
 * @monotonic: g_get_monotonic_time() when it was made
 * @kind: the part of the core it comes from
 * @event: what happened, within @kind
 * @step: the step of the flow it belongs to
 * @summary: one line a person can read
 * @duration_us: how long the step took, or -1
 * @details: (nullable): the structured details, already redacted
 *
 * An entry that no journal made: one read back from a saved trace. The
 * journal's own entries come from authflow_journal_record().
 *
 * Returns: (transfer full): the entry
 */
AuthflowJournalEntry *
authflow_journal_entry_new (guint64              sequence,
                            GDateTime           *time,
                            GDateTime           *server_time,
                            gint64               monotonic,
                            AuthflowJournalKind  kind,
                            const char          *event,
                            AuthflowJournalStep  step,
                            const char          *summary,
                            gint64               duration_us,
                            JsonObject          *details)
{
  AuthflowJournalEntry *self;

  g_return_val_if_fail (time != NULL, NULL);
  g_return_val_if_fail (kind < G_N_ELEMENTS (kind_names), NULL);
  g_return_val_if_fail (step < G_N_ELEMENTS (step_names), NULL);
  g_return_val_if_fail (event != NULL, NULL);
  g_return_val_if_fail (summary != NULL, NULL);

  self = g_object_new (AUTHFLOW_TYPE_JOURNAL_ENTRY, NULL);
  self->sequence = sequence;
  self->time = g_date_time_ref (time);
  self->server_time = server_time != NULL ? g_date_time_ref (server_time) : NULL;
  self->monotonic = monotonic;
  self->kind = kind;
  self->event = g_strdup (event);
  self->step = step;
  self->summary = g_strdup (summary);
  self->duration = duration_us < 0 ? -1 : duration_us;
  self->details = details != NULL ? json_object_ref (details) : json_object_new ();

  return self;
}

guint64
authflow_journal_entry_get_sequence (AuthflowJournalEntry *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (self), 0);

  return self->sequence;
}

/**
 * authflow_journal_entry_get_time:
 *
 * Returns: (transfer none): when the entry was made, on the local clock
 */
GDateTime *
authflow_journal_entry_get_time (AuthflowJournalEntry *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (self), NULL);

  return self->time;
}

/**
 * authflow_journal_entry_get_server_time:
 *
 * Returns: (transfer none) (nullable): the same moment on the server's
 *   clock, as its `Date` headers gave it, or %NULL before any answer
 */
GDateTime *
authflow_journal_entry_get_server_time (AuthflowJournalEntry *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (self), NULL);

  return self->server_time;
}

/**
 * authflow_journal_entry_get_monotonic:
 *
 * Returns: g_get_monotonic_time() when the entry was made
 */
gint64
authflow_journal_entry_get_monotonic (AuthflowJournalEntry *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (self), 0);

  return self->monotonic;
}

AuthflowJournalKind
authflow_journal_entry_get_kind (AuthflowJournalEntry *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (self), 0);

  return self->kind;
}

/**
 * authflow_journal_entry_get_event:
 *
 * Returns: what happened, within the kind: "exchange", "refresh-started", …
 */
const char *
authflow_journal_entry_get_event (AuthflowJournalEntry *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (self), NULL);

  return self->event;
}

AuthflowJournalStep
authflow_journal_entry_get_step (AuthflowJournalEntry *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (self), 0);

  return self->step;
}

/**
 * authflow_journal_entry_get_summary:
 *
 * Returns: one line a person can read
 */
const char *
authflow_journal_entry_get_summary (AuthflowJournalEntry *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (self), NULL);

  return self->summary;
}

/**
 * authflow_journal_entry_get_duration:
 *
 * Returns: how long the step took in microseconds, or -1 if it took no time
 */
gint64
authflow_journal_entry_get_duration (AuthflowJournalEntry *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (self), -1);

  return self->duration;
}

/**
 * authflow_journal_entry_get_details:
 *
 * Returns: (transfer none): the structured details, already redacted; an
 *   empty object if there are none. Do not change it.
 */
JsonObject *
authflow_journal_entry_get_details (AuthflowJournalEntry *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (self), NULL);

  return self->details;
}

/**
 * authflow_journal_entry_to_json:
 *
 * The entry as the trace writes it (schema in the README, "The trace").
 *
 * Returns: (transfer full): a JSON object
 */
JsonNode *
authflow_journal_entry_to_json (AuthflowJournalEntry *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *time = NULL;
  const char *step;

  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "v");
  json_builder_add_int_value (builder, AUTHFLOW_JOURNAL_SCHEMA_VERSION);
  json_builder_set_member_name (builder, "seq");
  json_builder_add_int_value (builder, (gint64) self->sequence);
  time = g_date_time_format_iso8601 (self->time);
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, time);
  if (self->server_time != NULL)
    {
      g_autofree char *server_time = g_date_time_format_iso8601 (self->server_time);

      json_builder_set_member_name (builder, "serverTime");
      json_builder_add_string_value (builder, server_time);
    }
  json_builder_set_member_name (builder, "monotonic");
  json_builder_add_int_value (builder, self->monotonic);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, kind_names[self->kind]);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, self->event);
  if ((step = step_names[self->step]) != NULL)
    {
      json_builder_set_member_name (builder, "step");
      json_builder_add_string_value (builder, step);
    }
  json_builder_set_member_name (builder, "summary");
  json_builder_add_string_value (builder, self->summary);
  if (self->duration >= 0)
    {
      json_builder_set_member_name (builder, "durationMs");
      json_builder_add_double_value (builder, self->duration / 1000.0);
    }
  json_builder_set_member_name (builder, "details");
  json_builder_add_value (builder, json_node_init_object (json_node_alloc (), self->details));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * authflow_journal_entry_to_line:
 *
 * Returns: (transfer full): the entry as one line of JSON Lines, with its
 *   newline
 */
char *
authflow_journal_entry_to_line (AuthflowJournalEntry *self)
{
  g_autoptr(JsonNode) node = authflow_journal_entry_to_json (self);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);

  return g_strconcat (text, "\n", NULL);
}

static void
authflow_journal_finalize (GObject *object)
{
  AuthflowJournal *self = (AuthflowJournal *)object;

  g_clear_object (&self->entries);

  G_OBJECT_CLASS (authflow_journal_parent_class)->finalize (object);
}

static void
authflow_journal_class_init (AuthflowJournalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authflow_journal_finalize;

  /**
   * AuthflowJournal::entry-added:
   * @entry: the new entry
   *
   * Emitted for each entry as it is made, after it is in the entries.
   */
  signals [ENTRY_ADDED] =
    g_signal_new ("entry-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, AUTHFLOW_TYPE_JOURNAL_ENTRY);
}

static void
authflow_journal_init (AuthflowJournal *self)
{
  self->entries = g_list_store_new (AUTHFLOW_TYPE_JOURNAL_ENTRY);
  self->next_sequence = 1;
}

AuthflowJournal *
authflow_journal_new (void)
{
  return g_object_new (AUTHFLOW_TYPE_JOURNAL, NULL);
}

/* What an entry costs to keep, roughly: its text, and what json-glib
 * takes for each node, member and string around it (measured with
 * build-aux/bench-journal: near 200 bytes a node).
 */
static gsize
measure_node (JsonNode *node)
{
  gsize size = 200;

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          size += strlen (name) + measure_node (member);
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          size += measure_node (json_array_get_element (array, i));
      }
      break;

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        size += strlen (json_node_get_string (node));
      break;

    case JSON_NODE_NULL:
    default:
      break;
    }

  return size;
}

/**
 * authflow_journal_record:
 * @self: (nullable): a journal, or %NULL to record nothing
 * @kind: the part of the core that reports
 * @event: what happened, a short fixed name within @kind ("exchange")
 * @step: the step of the flow it belongs to, if any
 * @duration_us: how long it took, or -1
 * @details: (transfer full) (nullable): structured details, already redacted
 * @summary_format: printf() format of one line a person can read
 *
 * Adds an entry at the end. Whatever is passed here is kept and shown as
 * it is: redact first, with the helpers below.
 *
 * Returns: (transfer none) (nullable): the new entry, or %NULL if @self is
 *   %NULL
 */
AuthflowJournalEntry *
authflow_journal_record (AuthflowJournal     *self,
                         AuthflowJournalKind  kind,
                         const char          *event,
                         AuthflowJournalStep  step,
                         gint64               duration_us,
                         JsonObject          *details,
                         const char          *summary_format,
                         ...)
{
  g_autoptr(AuthflowJournalEntry) entry = NULL;
  g_autoptr(JsonNode) node = NULL;
  va_list args;

  if (self == NULL)
    {
      g_clear_pointer (&details, json_object_unref);
      return NULL;
    }

  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (kind < G_N_ELEMENTS (kind_names), NULL);
  g_return_val_if_fail (step < G_N_ELEMENTS (step_names), NULL);
  g_return_val_if_fail (event != NULL, NULL);

  entry = g_object_new (AUTHFLOW_TYPE_JOURNAL_ENTRY, NULL);
  entry->sequence = self->next_sequence++;
  entry->monotonic = g_get_monotonic_time ();
  entry->time = g_date_time_new_now_local ();
  if (self->offset_known)
    entry->server_time = g_date_time_add (entry->time, self->offset_us);
  entry->kind = kind;
  entry->event = g_strdup (event);
  entry->step = step;
  entry->duration = duration_us < 0 ? -1 : duration_us;
  entry->details = details != NULL ? details : json_object_new ();

  va_start (args, summary_format);
  entry->summary = g_strdup_vprintf (summary_format, args);
  va_end (args);

  node = json_node_init_object (json_node_alloc (), entry->details);
  entry->size = sizeof *entry + strlen (entry->summary) + measure_node (node);

  self->size += entry->size;
  g_list_store_append (self->entries, entry);

  /* The oldest go first, in one change for whoever draws the list. */
  {
    guint n = g_list_model_get_n_items (G_LIST_MODEL (self->entries));
    guint drop = 0;

    while (n - drop > 1 &&
           (n - drop > AUTHFLOW_JOURNAL_MAX_ENTRIES || self->size > AUTHFLOW_JOURNAL_MAX_BYTES))
      {
        g_autoptr(AuthflowJournalEntry) old = g_list_model_get_item (G_LIST_MODEL (self->entries), drop);

        self->size -= old->size;
        drop++;
      }

    if (drop > 0)
      {
        g_list_store_splice (self->entries, 0, drop, NULL, 0);
        self->dropped += drop;
      }
  }

  g_signal_emit (self, signals [ENTRY_ADDED], 0, entry);

  return entry;
}

/**
 * authflow_journal_get_entries:
 *
 * Returns: (transfer none): the entries kept, oldest first, as a list model
 *   of #AuthflowJournalEntry
 */
GListModel *
authflow_journal_get_entries (AuthflowJournal *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL (self), NULL);

  return G_LIST_MODEL (self->entries);
}

/**
 * authflow_journal_get_dropped:
 *
 * Returns: how many entries were let go to keep the journal bounded
 */
guint64
authflow_journal_get_dropped (AuthflowJournal *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL (self), 0);

  return self->dropped;
}

/**
 * authflow_journal_set_clock_offset:
 * @known: whether the server's clock is known
 * @offset_us: how far the server's clock is ahead of the local one
 *
 * The client says this as it learns the server's time from `Date`, so
 * that each entry carries both times.
 */
void
authflow_journal_set_clock_offset (AuthflowJournal *self,
                                   gboolean         known,
                                   gint64           offset_us)
{
  if (self == NULL)
    return;

  g_return_if_fail (AUTHFLOW_IS_JOURNAL (self));

  self->offset_known = !!known;
  self->offset_us = known ? offset_us : 0;
}

/**
 * authflow_journal_clear:
 *
 * Lets every entry go; the sequence numbers go on from where they were.
 */
void
authflow_journal_clear (AuthflowJournal *self)
{
  guint n;

  g_return_if_fail (AUTHFLOW_IS_JOURNAL (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->entries));
  g_list_store_remove_all (self->entries);
  self->dropped += n;
  self->size = 0;
}

/* Redaction. */

/**
 * authflow_journal_fingerprint:
 * @secret: (nullable): a token
 *
 * A short name for a token that says nothing of it but is always the same
 * for the same token: a few leading characters (none of a short token)
 * and the first 8 hex digits of its SHA-256, "eyJh…3f9a2c1b".
 *
 * Returns: (transfer full) (nullable): the fingerprint, or %NULL
 */
char *
authflow_journal_fingerprint (const char *secret)
{
  g_autofree char *hash = NULL;
  gsize len;
  gsize lead;

  if (secret == NULL)
    return NULL;

  len = strlen (secret);
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, secret, len);
  /* At most 4 characters, and never more than an eighth of the token. */
  lead = MIN (4, len / 8);
  while (lead > 0 && ((guchar) secret[lead] & 0xc0) == 0x80)
    lead--;

  return g_strdup_printf ("%.*s…%.8s", (int) lead, secret, hash);
}

/**
 * authflow_journal_describe_token:
 * @token: (nullable): a token
 *
 * What the journal keeps of a token: `{"fingerprint", "length"}`, and for
 * a JWT `"jwt": {"header", "claims"}` decoded, since the claims are what a
 * developer needs to see.
 *
 * Returns: (transfer full) (nullable): a JSON object, or %NULL
 */
JsonNode *
authflow_journal_describe_token (const char *token)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *fingerprint = NULL;

  if (token == NULL)
    return NULL;

  object = json_object_new ();
  fingerprint = authflow_journal_fingerprint (token);
  json_object_set_string_member (object, "fingerprint", fingerprint);
  json_object_set_int_member (object, "length", strlen (token));

  if ((header = authflow_jwt_decode_header (token, NULL)) != NULL &&
      (claims = authflow_jwt_decode_claims (token, NULL)) != NULL)
    {
      JsonObject *jwt = json_object_new ();

      json_object_set_object_member (jwt, "header", g_steal_pointer (&header));
      json_object_set_object_member (jwt, "claims", g_steal_pointer (&claims));
      json_object_set_object_member (object, "jwt", jwt);
    }

  return json_node_init_object (json_node_alloc (), object);
}

/* The name folded for comparison: lower case, without '_', '-' and ' ',
 * so that "refresh_token", "Refresh-Token" and "refreshToken" are one.
 */
static char *
fold_name (const char *name)
{
  GString *folded = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p++)
    if (*p != '_' && *p != '-' && *p != ' ')
      g_string_append_c (folded, g_ascii_tolower (*p));

  return g_string_free (folded, FALSE);
}

/**
 * authflow_journal_classify_name:
 * @name: a field, header or form key
 *
 * Whether a value under this name is a secret, by the name alone: a
 * password, passphrase, secret or credential; or a token, an API key, an
 * Authorization or a cookie.
 *
 * Returns: what kind of secret a value under @name is
 */
AuthflowJournalSecret
authflow_journal_classify_name (const char *name)
{
  static const char * const passwords[] = {
    "password", "passwd", "passphrase", "pwd", "secret", "credential", NULL
  };
  static const char * const tokens[] = {
    "token", "authorization", "cookie", "apikey", "session", "jwt", NULL
  };
  g_autofree char *folded = NULL;

  if (name == NULL)
    return AUTHFLOW_JOURNAL_SECRET_NONE;

  folded = fold_name (name);

  /* Harmless names that happen to contain a secret word. */
  if (g_str_equal (folded, "tokentype") || g_str_has_prefix (folded, "tokenexpir"))
    return AUTHFLOW_JOURNAL_SECRET_NONE;

  if (g_str_equal (folded, "pin"))
    return AUTHFLOW_JOURNAL_SECRET_PASSWORD;

  for (guint i = 0; passwords[i] != NULL; i++)
    if (strstr (folded, passwords[i]) != NULL)
      return AUTHFLOW_JOURNAL_SECRET_PASSWORD;

  for (guint i = 0; tokens[i] != NULL; i++)
    if (strstr (folded, tokens[i]) != NULL)
      return AUTHFLOW_JOURNAL_SECRET_TOKEN;

  return AUTHFLOW_JOURNAL_SECRET_NONE;
}

static gboolean
is_listed (const char         *value,
           const char * const *list)
{
  if (list == NULL || value == NULL)
    return FALSE;

  for (guint i = 0; list[i] != NULL; i++)
    if (list[i][0] != '\0' && g_str_equal (list[i], value))
      return TRUE;

  return FALSE;
}

/* Every occurrence of @needle in @text replaced by @replacement. */
static void
replace_all (GString    *text,
             const char *needle,
             const char *replacement)
{
  gsize needle_len = strlen (needle);
  gsize replacement_len = strlen (replacement);
  gsize from = 0;
  const char *found;

  if (needle_len == 0)
    return;

  while (from < text->len && (found = strstr (text->str + from, needle)) != NULL)
    {
      gsize at = found - text->str;

      g_string_erase (text, at, needle_len);
      g_string_insert (text, at, replacement);
      from = at + replacement_len;
    }
}

/* @secret as application/x-www-form-urlencoded writes it, the way the
 * profile fills a form (authflow-profile.c): a space is '+', and '*' is
 * kept but '~' is not, unlike in a URL.
 */
static char *
form_encode (const char *secret)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) secret; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '.' || *p == '_' || *p == '*')
        g_string_append_c (out, *p);
      else if (*p == ' ')
        g_string_append_c (out, '+');
      else
        g_string_append_printf (out, "%%%02X", *p);
    }

  return g_string_free (out, FALSE);
}

static void
add_spelling (GPtrArray *spellings,
              char      *spelling)
{
  for (guint i = 0; i < spellings->len; i++)
    if (g_str_equal (g_ptr_array_index (spellings, i), spelling))
      {
        g_free (spelling);
        return;
      }

  g_ptr_array_add (spellings, spelling);
}

/* @secret as it appears in text: itself, escaped for a URL, encoded for a
 * form, and escaped for a JSON string.
 */
static GPtrArray *
spellings_of (const char *secret)
{
  GPtrArray *spellings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autofree char *json = NULL;

  g_ptr_array_add (spellings, g_strdup (secret));

  /* Letters, digits, '-', '.' and '_' (a JWT, most tokens) are spelled
   * the same everywhere.
   */
  if (strspn (secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._") == strlen (secret))
    return spellings;

  add_spelling (spellings, g_uri_escape_string (secret, NULL, FALSE));
  add_spelling (spellings, form_encode (secret));

  node = json_node_init_string (json_node_alloc (), secret);
  generator = json_generator_new ();
  json_generator_set_root (generator, node);
  json = json_generator_to_data (generator, NULL);
  if (json != NULL && strlen (json) >= 2)
    add_spelling (spellings, g_strndup (json + 1, strlen (json) - 2));

  return spellings;
}

static void
redact_in (GString            *text,
           const char * const *secrets,
           gboolean            is_password)
{
  if (secrets == NULL)
    return;

  for (guint i = 0; secrets[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) spellings = NULL;
      g_autofree char *fingerprint = NULL;

      if (secrets[i][0] == '\0')
        continue;

      spellings = spellings_of (secrets[i]);

      for (guint j = 0; j < spellings->len; j++)
        {
          const char *spelling = g_ptr_array_index (spellings, j);

          /* The fingerprint is a SHA-256: made only where it is needed. */
          if (strstr (text->str, spelling) == NULL)
            continue;
          if (!is_password && fingerprint == NULL)
            fingerprint = authflow_journal_fingerprint (secrets[i]);
          replace_all (text, spelling, is_password ? AUTHFLOW_JOURNAL_REDACTED : fingerprint);
        }
    }
}

/**
 * authflow_journal_redact_text:
 * @text: a URL, a header value, a body
 * @tokens: (nullable) (array zero-terminated=1): tokens that may be in it
 * @passwords: (nullable) (array zero-terminated=1): passwords that may be in it
 *
 * Replaces each token in @text by its fingerprint and each password by
 * "[redacted]", as they are and as they appear escaped in a URL, a form or
 * a JSON string. Passwords go first, so that a token that happens to hold
 * a password does not keep it in its fingerprint.
 *
 * Returns: (transfer full): the text redacted
 */
char *
authflow_journal_redact_text (const char         *text,
                              const char * const *tokens,
                              const char * const *passwords)
{
  GString *redacted;

  g_return_val_if_fail (text != NULL, NULL);

  redacted = g_string_new (text);
  /* Tokens first, since a token's fingerprint is made of the whole token:
   * a password inside one would otherwise cut it apart first.
   */
  redact_in (redacted, tokens, FALSE);
  redact_in (redacted, passwords, TRUE);

  return g_string_free (redacted, FALSE);
}

static JsonNode *
redact_node (JsonNode              *node,
             AuthflowJournalSecret  under,
             const char * const    *tokens,
             const char * const    *passwords)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(JsonObject) copy = json_object_new ();
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        /* In the order the server wrote them. */
        json_object_iter_init_ordered (&iter, object);
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            AuthflowJournalSecret secret = MAX (under, authflow_journal_classify_name (name));

            json_object_set_member (copy, name, redact_node (member, secret, tokens, passwords));
          }

        return json_node_init_object (json_node_alloc (), copy);
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        g_autoptr(JsonArray) copy = json_array_sized_new (json_array_get_length (array));

        for (guint i = 0; i < json_array_get_length (array); i++)
          json_array_add_element (copy, redact_node (json_array_get_element (array, i),
                                                     under, tokens, passwords));

        return json_node_init_array (json_node_alloc (), copy);
      }

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          const char *value = json_node_get_string (node);

          if (under == AUTHFLOW_JOURNAL_SECRET_PASSWORD || is_listed (value, passwords))
            return json_node_init_string (json_node_alloc (), AUTHFLOW_JOURNAL_REDACTED);

          if (under == AUTHFLOW_JOURNAL_SECRET_TOKEN || is_listed (value, tokens))
            {
              g_autofree char *fingerprint = authflow_journal_fingerprint (value);

              return json_node_init_string (json_node_alloc (), fingerprint);
            }

          {
            g_autofree char *redacted = authflow_journal_redact_text (value, tokens, passwords);

            return json_node_init_string (json_node_alloc (), redacted);
          }
        }
      else if (under == AUTHFLOW_JOURNAL_SECRET_PASSWORD)
        return json_node_init_string (json_node_alloc (), AUTHFLOW_JOURNAL_REDACTED);
      else if (json_node_get_value_type (node) == G_TYPE_INT64)
        {
          /* A PIN given as a number, under a name that says nothing. */
          g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

          if (is_listed (number, passwords))
            return json_node_init_string (json_node_alloc (), AUTHFLOW_JOURNAL_REDACTED);
        }
      return json_node_copy (node);

    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

/**
 * authflow_journal_redact_json:
 * @node: a JSON value, as parsed
 * @tokens: (nullable) (array zero-terminated=1): tokens that may be in it
 * @passwords: (nullable) (array zero-terminated=1): passwords that may be in it
 *
 * A copy of @node with every secret replaced: by its name (a member called
 * "password", "accessToken", "refresh_token", … and everything under it)
 * and by its value (any string that is one of @tokens or @passwords, or
 * holds one).
 *
 * Returns: (transfer full): the redacted copy
 */
JsonNode *
authflow_journal_redact_json (JsonNode           *node,
                              const char * const *tokens,
                              const char * const *passwords)
{
  g_return_val_if_fail (node != NULL, NULL);

  return redact_node (node, AUTHFLOW_JOURNAL_SECRET_NONE, tokens, passwords);
}

/* JSON text, redacted without being parsed, so that it also works on a
 * body that was cut or is not valid JSON: each string literal is looked at
 * with the name it is the value of (or the name of the object or array it
 * is in), and replaced if secret. The rest is copied as it is.
 */
typedef struct
{
  AuthflowJournalSecret secret;
  gboolean              is_object;
} Level;

static char *
unescape_literal (const char *start,
                  gsize       len)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *quoted = NULL;

  if (memchr (start, '\\', len) == NULL)
    return g_strndup (start, len);

  quoted = g_strdup_printf ("\"%.*s\"", (int) len, start);
  node = authflow_json_parse (quoted, -1, NULL);
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));

  return g_strndup (start, len);
}

static char *
redact_json_text (const char         *text,
                  gsize               len,
                  const char * const *tokens,
                  const char * const *passwords)
{
  g_autoptr(GArray) levels = g_array_new (FALSE, FALSE, sizeof (Level));
  GString *out = g_string_sized_new (len + 16);
  AuthflowJournalSecret pending = AUTHFLOW_JOURNAL_SECRET_NONE;
  gboolean expect_key = FALSE;
  gsize i = 0;

  while (i < len)
    {
      char c = text[i];
      Level *top = levels->len > 0 ? &g_array_index (levels, Level, levels->len - 1) : NULL;
      AuthflowJournalSecret inherited = top != NULL ? top->secret : AUTHFLOW_JOURNAL_SECRET_NONE;

      if (c == '{' || c == '[')
        {
          Level level = { MAX (pending, inherited), c == '{' };

          g_array_append_val (levels, level);
          expect_key = c == '{';
          pending = AUTHFLOW_JOURNAL_SECRET_NONE;
          g_string_append_c (out, c);
          i++;
        }
      else if (c == '}' || c == ']')
        {
          if (levels->len > 0)
            g_array_set_size (levels, levels->len - 1);
          expect_key = FALSE;
          pending = AUTHFLOW_JOURNAL_SECRET_NONE;
          g_string_append_c (out, c);
          i++;
        }
      else if (c == ',')
        {
          expect_key = top != NULL && top->is_object;
          pending = AUTHFLOW_JOURNAL_SECRET_NONE;
          g_string_append_c (out, c);
          i++;
        }
      else if (c == ':')
        {
          expect_key = FALSE;
          g_string_append_c (out, c);
          i++;
        }
      else if (c == '"')
        {
          gsize start = ++i;
          gboolean closed = FALSE;
          g_autofree char *value = NULL;

          while (i < len)
            {
              if (text[i] == '\\' && i + 1 < len)
                i += 2;
              else if (text[i] == '"')
                {
                  closed = TRUE;
                  break;
                }
              else
                i++;
            }

          value = unescape_literal (text + start, MIN (i, len) - start);

          if (expect_key)
            {
              pending = authflow_journal_classify_name (value);
              g_string_append_len (out, text + start - 1, MIN (i, len) - start + 1);
              if (closed)
                g_string_append_c (out, '"');
            }
          else
            {
              AuthflowJournalSecret secret = MAX (pending, inherited);

              if (is_listed (value, passwords))
                secret = AUTHFLOW_JOURNAL_SECRET_PASSWORD;
              else if (secret == AUTHFLOW_JOURNAL_SECRET_NONE && is_listed (value, tokens))
                secret = AUTHFLOW_JOURNAL_SECRET_TOKEN;

              if (secret == AUTHFLOW_JOURNAL_SECRET_PASSWORD)
                g_string_append (out, "\"" AUTHFLOW_JOURNAL_REDACTED "\"");
              else if (secret == AUTHFLOW_JOURNAL_SECRET_TOKEN)
                {
                  g_autofree char *fingerprint = authflow_journal_fingerprint (value);

                  g_string_append_printf (out, "\"%s\"", fingerprint);
                }
              else
                {
                  g_string_append_len (out, text + start - 1, MIN (i, len) - start + 1);
                  if (closed)
                    g_string_append_c (out, '"');
                }
              pending = AUTHFLOW_JOURNAL_SECRET_NONE;
            }

          if (closed)
            i++;
        }
      else if (!expect_key && (c == '-' || g_ascii_isdigit (c) || c == 't' || c == 'f'))
        {
          /* A number or a boolean: a PIN is a secret too. */
          AuthflowJournalSecret secret = MAX (pending, inherited);
          gsize start = i;
          g_autofree char *value = NULL;

          while (i < len && text[i] != '\0' && strchr (",:]} \t\r\n", text[i]) == NULL)
            i++;
          value = g_strndup (text + start, i - start);

          if (secret == AUTHFLOW_JOURNAL_SECRET_PASSWORD || is_listed (value, passwords))
            g_string_append (out, "\"" AUTHFLOW_JOURNAL_REDACTED "\"");
          else if (is_listed (value, tokens))
            {
              g_autofree char *fingerprint = authflow_journal_fingerprint (value);

              g_string_append_printf (out, "\"%s\"", fingerprint);
            }
          else
            g_string_append (out, value);
          pending = AUTHFLOW_JOURNAL_SECRET_NONE;
        }
      else
        {
          g_string_append_c (out, c);
          i++;
        }
    }

  return g_string_free (out, FALSE);
}

/* A form body: each value under a secret key replaced. */
static char *
redact_form_text (const char *text)
{
  g_auto(GStrv) pairs = g_strsplit (text, "&", -1);

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      char *equals = strchr (pairs[i], '=');
      g_autofree char *key = NULL;
      AuthflowJournalSecret secret;
      char *replaced;

      if (equals == NULL)
        continue;

      key = g_uri_unescape_segment (pairs[i], equals, NULL);
      secret = authflow_journal_classify_name (key != NULL ? key : "");
      if (secret == AUTHFLOW_JOURNAL_SECRET_NONE)
        continue;

      if (secret == AUTHFLOW_JOURNAL_SECRET_PASSWORD)
        replaced = g_strdup_printf ("%.*s=%s", (int) (equals - pairs[i]), pairs[i],
                                    AUTHFLOW_JOURNAL_REDACTED);
      else
        {
          g_autofree char *value = g_uri_unescape_string (equals + 1, NULL);
          g_autofree char *fingerprint = authflow_journal_fingerprint (value != NULL ? value : equals + 1);

          replaced = g_strdup_printf ("%.*s=%s", (int) (equals - pairs[i]), pairs[i], fingerprint);
        }

      g_free (pairs[i]);
      pairs[i] = replaced;
    }

  return g_strjoinv ("&", pairs);
}

/* A body cut inside a secret ends with the start of it, which no whole
 * spelling of the secret matches. Whatever the text ends with that begins
 * one goes too: nothing of a password, and of a token no more than its
 * fingerprint shows.
 */
static void
redact_cut_in (GString            *text,
               const char * const *secrets,
               gboolean            are_tokens)
{
  if (secrets == NULL)
    return;

  for (guint i = 0; secrets[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) spellings = NULL;
      gsize shown;

      if (secrets[i][0] == '\0')
        continue;

      /* As in authflow_journal_fingerprint(). */
      shown = are_tokens ? MIN (4, strlen (secrets[i]) / 8) : 0;
      spellings = spellings_of (secrets[i]);
      for (guint j = 0; j < spellings->len; j++)
        {
          const char *spelling = g_ptr_array_index (spellings, j);

          for (gsize n = MIN (strlen (spelling) - 1, text->len); n > shown; n--)
            if (memcmp (text->str + text->len - n, spelling, n) == 0)
              {
                g_string_truncate (text, text->len - n);
                g_string_append (text, AUTHFLOW_JOURNAL_REDACTED);
                break;
              }
        }
    }
}

/**
 * authflow_journal_describe_body:
 * @body: (nullable): a request or answer body
 * @content_type: (nullable): its Content-Type
 * @tokens: (nullable) (array zero-terminated=1): tokens that may be in it
 * @passwords: (nullable) (array zero-terminated=1): passwords that may be in it
 *
 * What the journal keeps of a body: `{"size", "mimeType", "text"}`, the
 * text redacted (JSON and forms by their field names as well as by the
 * values given) and cut at %AUTHFLOW_JOURNAL_MAX_BODY_SIZE, with
 * `"truncated"` the bytes cut; a secret that the cut falls in goes too.
 * A body that is not text keeps only its size and `"binary": true`. Safe
 * to call from any thread; costs at most the cut size, however large the
 * body.
 *
 * Returns: (transfer full): a JSON object
 */
JsonObject *
authflow_journal_describe_body (GBytes             *body,
                                const char         *content_type,
                                const char * const *tokens,
                                const char * const *passwords)
{
  JsonObject *object = json_object_new ();
  g_autofree char *redacted = NULL;
  g_autofree char *marked = NULL;
  const char *data = NULL;
  const char *end = NULL;
  gsize size = 0;
  gsize cut;
  gsize first;

  if (body != NULL)
    data = g_bytes_get_data (body, &size);

  json_object_set_int_member (object, "size", size);
  if (content_type != NULL)
    json_object_set_string_member (object, "mimeType", content_type);
  if (size == 0)
    return object;

  /* Cut on a character boundary. */
  cut = MIN (size, AUTHFLOW_JOURNAL_MAX_BODY_SIZE);
  if (!g_utf8_validate_len (data, cut, &end))
    {
      /* A character cut in half at the end is not binary; a NUL is. */
      if (cut < size && *end != '\0' &&
          g_utf8_get_char_validated (end, cut - (end - data)) == (gunichar) -2)
        cut = end - data;
      else
        {
          json_object_set_boolean_member (object, "binary", TRUE);
          return object;
        }
    }
  if (memchr (data, '\0', cut) != NULL)
    {
      json_object_set_boolean_member (object, "binary", TRUE);
      return object;
    }

  for (first = 0; first < cut && g_ascii_isspace (data[first]); first++)
    ;

  if ((content_type != NULL && strstr (content_type, "json") != NULL) ||
      (first < cut && (data[first] == '{' || data[first] == '[')))
    redacted = redact_json_text (data, cut, tokens, passwords);
  else
    {
      g_autofree char *text = g_strndup (data, cut);

      if (content_type != NULL && strstr (content_type, "x-www-form-urlencoded") != NULL)
        redacted = redact_form_text (text);
      else
        redacted = g_steal_pointer (&text);
    }

  /* Whatever the names did not catch, the values do. */
  marked = authflow_journal_redact_text (redacted, tokens, passwords);
  if (cut < size)
    {
      GString *text = g_string_new (marked);

      redact_cut_in (text, passwords, FALSE);
      redact_cut_in (text, tokens, TRUE);
      g_free (marked);
      marked = g_string_free (text, FALSE);
    }
  json_object_set_string_member (object, "text", marked);
  if (cut < size)
    json_object_set_int_member (object, "truncated", size - cut);

  return object;
}
