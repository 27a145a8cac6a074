// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-check"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "authflow-check-private.h"
#include "authflow-json.h"

/* What the items of the check share: the secrets the run has seen, the
 * wording of times and durations, and the client's journal read back for
 * what a call's result does not tell (its status, time and Date).
 */

/* Secrets. */

void
_authflow_check_wipe_free (gpointer data)
{
  char *text = data;

  if (text != NULL)
    memset (text, 0, strlen (text));
  g_free (text);
}

GPtrArray *
_authflow_check_new_secrets (void)
{
  return g_ptr_array_new_null_terminated (4, _authflow_check_wipe_free, TRUE);
}

void
_authflow_check_add_secret (GPtrArray  *secrets,
                            const char *secret)
{
  if (secret == NULL || secret[0] == '\0')
    return;

  for (guint i = 0; i < secrets->len; i++)
    if (g_str_equal (g_ptr_array_index (secrets, i), secret))
      return;

  g_ptr_array_add (secrets, g_strdup (secret));
}

void
_authflow_check_remember_tokens (AuthflowCheck      *self,
                                 AuthflowAuthResult *result)
{
  if (result == NULL)
    return;

  _authflow_check_add_secret (self->tokens, result->access_token);
  _authflow_check_add_secret (self->tokens, result->refresh_token);
}

char *
_authflow_check_redact (AuthflowCheck *self,
                        const char    *text)
{
  if (text == NULL)
    return NULL;

  return authflow_journal_redact_text (text,
                                       (const char * const *) self->tokens->pdata,
                                       (const char * const *) self->passwords->pdata);
}

void
_authflow_check_replace_token (char       **field,
                               const char  *token)
{
  char *old = *field;

  *field = g_strdup (token);
  _authflow_check_wipe_free (old);
}

/* Wording. */

char *
_authflow_check_format_duration (GTimeSpan span)
{
  GTimeSpan magnitude = ABS (span);
  /* To the nearest minute, past two: a token issued a moment ago that
   * lives an hour reads "60 min", not "59 min".
   */
  gint64 minutes = (magnitude + 30 * G_TIME_SPAN_SECOND) / G_TIME_SPAN_MINUTE;

  if (magnitude < G_TIME_SPAN_SECOND)
    /* Translators: a duration in milliseconds. */
    return g_strdup_printf (_("%u ms"), (guint) (magnitude / G_TIME_SPAN_MILLISECOND));
  if (magnitude < 120 * G_TIME_SPAN_SECOND)
    /* Translators: a duration in seconds. */
    return g_strdup_printf (_("%u s"), (guint) (magnitude / G_TIME_SPAN_SECOND));
  if (minutes < 120)
    /* Translators: a duration in minutes. */
    return g_strdup_printf (_("%u min"), (guint) minutes);
  if (minutes < 48 * 60)
    /* Translators: a duration in hours and minutes. */
    return g_strdup_printf (_("%u h %u min"), (guint) (minutes / 60), (guint) (minutes % 60));

  return g_strdup_printf (ngettext ("%u day", "%u days", (gulong) (minutes / (24 * 60))),
                          (guint) (minutes / (24 * 60)));
}

char *
_authflow_check_format_time (GDateTime *time)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (time);

  return g_date_time_format (utc, "%Y-%m-%d %H:%M:%S UTC");
}

char *
_authflow_check_format_unix_time (gint64 seconds)
{
  g_autoptr(GDateTime) time = NULL;

  if (seconds < 0 || seconds > 253402300799)
    return g_strdup_printf ("%" G_GINT64_FORMAT, seconds);

  time = g_date_time_new_from_unix_utc (seconds);

  return _authflow_check_format_time (time);
}

const char *
_authflow_check_or_none (const char *path)
{
  /* Translators: where a profile maps nothing for a property. */
  return path != NULL ? path : _("(the profile maps none)");
}

/* The journal, read back: what the last call did on the wire. */

void
_authflow_check_exchange_clear (AuthflowCheckExchange *exchange)
{
  g_clear_pointer (&exchange->request, g_free);
  g_clear_pointer (&exchange->date, g_free);
  g_clear_pointer (&exchange->body, g_free);
  g_clear_pointer (&exchange->how, g_free);
  g_clear_pointer (&exchange->said, g_free);
}

static guint64
last_sequence (AuthflowCheck *self)
{
  GListModel *entries = authflow_journal_get_entries (self->journal);
  guint n = g_list_model_get_n_items (entries);
  g_autoptr(AuthflowJournalEntry) entry = NULL;

  if (n == 0)
    return 0;

  entry = g_list_model_get_item (entries, n - 1);

  return authflow_journal_entry_get_sequence (entry);
}

/* Marks where the next call's entries begin. */
void
_authflow_check_begin_call (AuthflowCheck *self)
{
  self->mark = last_sequence (self);
}

/* The newest entry of @kind since the mark, or %NULL. */
JsonObject *
_authflow_check_last_details (AuthflowCheck       *self,
                              AuthflowJournalKind  kind)
{
  GListModel *entries = authflow_journal_get_entries (self->journal);

  for (guint i = g_list_model_get_n_items (entries); i > 0; i--)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (entries, i - 1);

      if (authflow_journal_entry_get_sequence (entry) <= self->mark)
        break;

      if (authflow_journal_entry_get_kind (entry) == kind)
        return authflow_journal_entry_get_details (entry);
    }

  return NULL;
}

static const char *
header_value (JsonObject *message,
              const char *name)
{
  JsonArray *headers;

  if (!json_object_has_member (message, "headers"))
    return NULL;

  headers = json_object_get_array_member (message, "headers");
  for (guint i = 0; i < json_array_get_length (headers); i++)
    {
      JsonObject *header = json_array_get_object_element (headers, i);

      if (g_ascii_strcasecmp (json_object_get_string_member_with_default (header, "name", ""), name) == 0)
        return json_object_get_string_member_with_default (header, "value", NULL);
    }

  return NULL;
}

/* What the last call did: its final hop, as the journal has it (redacted). */
void
_authflow_check_last_exchange (AuthflowCheck *self,
                               AuthflowCheckExchange      *exchange)
{
  JsonObject *details = _authflow_check_last_details (self, AUTHFLOW_JOURNAL_HTTP);
  JsonObject *request;
  JsonObject *response;

  if (details == NULL)
    return;

  exchange->found = TRUE;
  request = json_object_get_object_member (details, "request");
  if (request != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (json_object_get_string_member_with_default (request, "url", ""),
                                         G_URI_FLAGS_NONE, NULL);

      exchange->request = g_strdup_printf ("%s %s",
                                           json_object_get_string_member_with_default (request, "method", "?"),
                                           uri != NULL ? g_uri_get_path (uri) : "?");
    }

  if (json_object_has_member (details, "timings"))
    exchange->total_ms = json_object_get_double_member_with_default (json_object_get_object_member (details, "timings"),
                                                                     "totalMs", 0);

  if (!json_object_has_member (details, "response"))
    return;

  response = json_object_get_object_member (details, "response");
  exchange->status = json_object_get_int_member_with_default (response, "status", 0);
  exchange->date = g_strdup (header_value (response, "Date"));
  if (json_object_has_member (response, "body"))
    exchange->body = g_strdup (json_object_get_string_member_with_default (json_object_get_object_member (response, "body"),
                                                                           "text", NULL));
}

/* "HTTP 200 in 12 ms", or what happened instead of an answer. */
char *
_authflow_check_describe_exchange (AuthflowCheckExchange     *exchange,
                                   const GError *error)
{
  g_autofree char *took = _authflow_check_format_duration ((GTimeSpan) (exchange->total_ms * G_TIME_SPAN_MILLISECOND));

  if (exchange->status != 0)
    /* Translators: an HTTP status and how long the exchange took, e.g. "HTTP 200 in 12 ms". */
    return g_strdup_printf (_("HTTP %u in %s"), exchange->status, took);

  if (error != NULL)
    return g_strdup (error->message);

  return g_strdup (_("no answer"));
}

JsonObject *
_authflow_check_exchange_details (AuthflowCheckExchange *exchange)
{
  JsonObject *details = json_object_new ();

  if (exchange->request != NULL)
    json_object_set_string_member (details, "request", exchange->request);
  if (exchange->status != 0)
    {
      json_object_set_int_member (details, "status", exchange->status);
      json_object_set_double_member (details, "ms", exchange->total_ms);
    }

  return details;
}

/* The message that the app would show for an error answer, found as the
 * client finds it: at the profile's error_message paths, else in a
 * top-level "message". %NULL when there is none it would show.
 */
char *
_authflow_check_answer_message (AuthflowCheck *self,
                                const char    *body)
{
  g_autoptr(JsonNode) root = NULL;
  char *message = NULL;

  if (body == NULL || !(root = authflow_json_parse (body, -1, NULL)))
    return NULL;

  message = authflow_profile_map_error_message (self->profile, root);
  if (message == NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonNode *node = json_object_get_member (json_node_get_object (root), "message");

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        message = json_node_dup_string (node);
    }

  if (message != NULL && (message[0] == '\0' || strlen (message) > 500 || !g_utf8_validate (message, -1, NULL)))
    g_clear_pointer (&message, g_free);

  return message;
}
/* json-glib keeps no %NULL string: a null member stands for one. */
void
_authflow_check_set_string_or_null (JsonObject *object,
                                    const char *name,
                                    const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

GHashTable *
_authflow_check_new_values (const char *access_token)
{
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, _authflow_check_wipe_free);

  if (access_token != NULL)
    g_hash_table_replace (values, (gpointer) "access_token", g_strdup (access_token));

  return values;
}

/* The user's values that a call's templates may ask for besides its own
 * ({{uid}}, {{username}}, {{email}}), as the login gave them.
 */
GHashTable *
_authflow_check_dup_session_values (AuthflowCheck *self)
{
  GHashTable *values = _authflow_check_new_values (NULL);
  AuthflowAuthResult *login = self->second != NULL ? self->second : self->login;

  if (login != NULL && login->uid != NULL)
    g_hash_table_replace (values, (gpointer) "uid", g_strdup (login->uid));
  if (login != NULL && login->user != NULL && authflow_user_get_email (login->user) != NULL)
    g_hash_table_replace (values, (gpointer) "email", g_strdup (authflow_user_get_email (login->user)));
  if (self->login_username != NULL)
    g_hash_table_replace (values, (gpointer) "username", g_strdup (self->login_username));

  return values;
}

/* The object of an answer, which the items read; %NULL for any other JSON.
 * Takes @node.
 */
JsonObject *
_authflow_check_take_object (JsonNode *node)
{
  g_autoptr(JsonNode) owned = node;

  if (owned == NULL || !JSON_NODE_HOLDS_OBJECT (owned))
    return NULL;

  return json_object_ref (json_node_get_object (owned));
}

AuthflowUser *
_authflow_check_map_user (AuthflowCheck           *self,
                          AuthflowProfileCallKind  kind,
                          JsonObject              *answer,
                          GError                 **error)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), answer);

  return authflow_client_map_user (self->client, kind, node, error);
}

/* Sends the profile's @kind of call with the access token (and more
 * @values, which it takes, if any).
 */
void
_authflow_check_run_call (AuthflowCheck           *self,
                          AuthflowProfileCallKind  kind,
                          const char              *access_token,
                          GHashTable              *values,
                          GAsyncReadyCallback      callback)
{
  g_autoptr(GHashTable) all = values != NULL ? values : _authflow_check_new_values (NULL);
  g_autoptr(GHashTable) session = _authflow_check_dup_session_values (self);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, session);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (all, key))
      g_hash_table_replace (all, key, g_strdup (value));

  if (access_token != NULL)
    g_hash_table_replace (all, (gpointer) "access_token", g_strdup (access_token));

  _authflow_check_begin_call (self);
  authflow_client_run_async (self->client, kind, all, _authflow_check_get_cancellable (self), callback, self);
}
