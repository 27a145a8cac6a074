// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"

#include <string.h>

#include "authflow-inspector-util.h"

/* What the Flow Inspector's parts share about an entry: how to file it,
 * draw it and read its details, and the exchange as a curl command line.
 * The details of a saved trace come from a file, so that nothing here
 * trusts their shape: every member is looked up by its type.
 */

/**
 * authflow_inspector_json_get_string:
 * @object: (nullable): an object
 *
 * Returns: (nullable): the string member @name, or %NULL if there is none
 *   or it is not a string
 */
const char *
authflow_inspector_json_get_string (JsonObject *object,
                                    const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/**
 * authflow_inspector_json_get_object:
 * @object: (nullable): an object
 *
 * Returns: (transfer none) (nullable): the object member @name, or %NULL
 */
JsonObject *
authflow_inspector_json_get_object (JsonObject *object,
                                    const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

gint64
authflow_inspector_json_get_int (JsonObject *object,
                                 const char *name,
                                 gint64      fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;

  return json_node_get_int (node);
}

double
authflow_inspector_json_get_number (JsonObject *object,
                                    const char *name,
                                    double      fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_INT64 && json_node_get_value_type (node) != G_TYPE_DOUBLE))
    return fallback;

  return json_node_get_double (node);
}

gboolean
authflow_inspector_json_get_boolean (JsonObject *object,
                                     const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;

  return json_node_get_boolean (node);
}

/**
 * authflow_inspector_exchange_get_status:
 * @details: an exchange's details
 *
 * Returns: the answer's status, or 0 when no answer came
 */
gint64
authflow_inspector_exchange_get_status (JsonObject *details)
{
  return authflow_inspector_json_get_int (authflow_inspector_json_get_object (details, "response"), "status", 0);
}

AuthflowInspectorCategory
authflow_inspector_entry_get_category (AuthflowJournalEntry *entry)
{
  switch (authflow_journal_entry_get_kind (entry))
    {
    case AUTHFLOW_JOURNAL_HTTP:
      return AUTHFLOW_INSPECTOR_CATEGORY_HTTP;
    case AUTHFLOW_JOURNAL_MAPPING:
    case AUTHFLOW_JOURNAL_TOKEN:
      return AUTHFLOW_INSPECTOR_CATEGORY_TOKENS;
    case AUTHFLOW_JOURNAL_KEYRING:
      return AUTHFLOW_INSPECTOR_CATEGORY_KEYRING;
    case AUTHFLOW_JOURNAL_SESSION:
    case AUTHFLOW_JOURNAL_NAVIGATION:
    case AUTHFLOW_JOURNAL_CONNECTIVITY:
    default:
      return AUTHFLOW_INSPECTOR_CATEGORY_SESSION;
    }
}

/**
 * authflow_inspector_entry_is_error:
 *
 * Whether @entry is a failure a person looks for: an exchange that got no
 * answer or an error status, a refresh refused or failed, a keyring call
 * that did not work (a keyring with nothing stored did), an answer that
 * could not be read, the server out of reach.
 */
gboolean
authflow_inspector_entry_is_error (AuthflowJournalEntry *entry)
{
  JsonObject *details = authflow_journal_entry_get_details (entry);
  const char *event = authflow_journal_entry_get_event (entry);
  const char *outcome = authflow_inspector_json_get_string (details, "outcome");

  switch (authflow_journal_entry_get_kind (entry))
    {
    case AUTHFLOW_JOURNAL_HTTP:
      return json_object_has_member (details, "error") ||
             authflow_inspector_exchange_get_status (details) >= 400 ||
             authflow_inspector_json_get_object (details, "response") == NULL;

    case AUTHFLOW_JOURNAL_TOKEN:
      return g_strcmp0 (event, "refresh-finished") == 0 &&
             (g_strcmp0 (outcome, "refused") == 0 || g_strcmp0 (outcome, "failed") == 0);

    case AUTHFLOW_JOURNAL_KEYRING:
      return outcome != NULL &&
             g_strcmp0 (outcome, "ok") != 0 &&
             g_strcmp0 (outcome, "nothing-stored") != 0 &&
             g_strcmp0 (outcome, "cancelled") != 0;

    case AUTHFLOW_JOURNAL_MAPPING:
      return json_object_has_member (details, "error");

    case AUTHFLOW_JOURNAL_CONNECTIVITY:
      return g_strcmp0 (event, "offline") == 0;

    case AUTHFLOW_JOURNAL_SESSION:
    case AUTHFLOW_JOURNAL_NAVIGATION:
    default:
      return FALSE;
    }
}

/**
 * authflow_inspector_entry_get_icon_name:
 *
 * Returns: a symbolic icon of the Adwaita theme for @entry's kind, and
 *   for a token entry its event
 */
const char *
authflow_inspector_entry_get_icon_name (AuthflowJournalEntry *entry)
{
  const char *event = authflow_journal_entry_get_event (entry);

  switch (authflow_journal_entry_get_kind (entry))
    {
    case AUTHFLOW_JOURNAL_HTTP:
      return "network-transmit-receive-symbolic";
    case AUTHFLOW_JOURNAL_MAPPING:
      return "document-properties-symbolic";
    case AUTHFLOW_JOURNAL_TOKEN:
      if (g_str_has_prefix (event, "refresh-"))
        return "view-refresh-symbolic";
      if (g_str_equal (event, "retry"))
        return "media-playlist-repeat-symbolic";
      if (g_str_equal (event, "waiting"))
        return "document-open-recent-symbolic";
      if (g_str_equal (event, "expiry") || g_str_equal (event, "scheduled"))
        return "preferences-system-time-symbolic";
      return "channel-secure-symbolic";
    case AUTHFLOW_JOURNAL_KEYRING:
      return "dialog-password-symbolic";
    case AUTHFLOW_JOURNAL_SESSION:
      return "avatar-default-symbolic";
    case AUTHFLOW_JOURNAL_NAVIGATION:
      return "go-jump-symbolic";
    case AUTHFLOW_JOURNAL_CONNECTIVITY:
      return g_str_equal (event, "offline") ? "network-offline-symbolic" : "network-idle-symbolic";
    default:
      return "dialog-information-symbolic";
    }
}

/**
 * authflow_inspector_step_get_title:
 *
 * The step as the timeline heads its entries. The steps are FlutterFlow's
 * own names for its actions, which a developer looks up in FlutterFlow as
 * they are: they stay in English, as in the trace.
 *
 * Returns: (nullable): the heading, or %NULL for no step
 */
const char *
authflow_inspector_step_get_title (AuthflowJournalStep step)
{
  switch (step)
    {
    case AUTHFLOW_JOURNAL_STEP_API_CALL:
      return "API Call";
    case AUTHFLOW_JOURNAL_STEP_LOG_IN:
      return "Log in";
    case AUTHFLOW_JOURNAL_STEP_UPDATE_USER:
      return "Update Authenticated User";
    case AUTHFLOW_JOURNAL_STEP_LOG_OUT:
      return "Log Out";
    case AUTHFLOW_JOURNAL_STEP_RESTORE:
      return "Restore";
    case AUTHFLOW_JOURNAL_STEP_NONE:
    default:
      return NULL;
    }
}

/**
 * authflow_inspector_entry_dup_call:
 *
 * The call @entry is about, named as the renewal engine names it in its
 * `waiting` and `retry` entries: the profile's call ("me"), or the method
 * and path of a generic API call ("GET /products").
 *
 * Returns: (transfer full) (nullable): the name, or %NULL
 */
char *
authflow_inspector_entry_dup_call (AuthflowJournalEntry *entry)
{
  JsonObject *details = authflow_journal_entry_get_details (entry);
  const char *call = authflow_inspector_json_get_string (details, "call");
  JsonObject *request;
  const char *method;
  const char *url;
  g_autoptr(GUri) uri = NULL;

  if (call != NULL || authflow_journal_entry_get_kind (entry) != AUTHFLOW_JOURNAL_HTTP)
    return g_strdup (call);

  request = authflow_inspector_json_get_object (details, "request");
  method = authflow_inspector_json_get_string (request, "method");
  url = authflow_inspector_json_get_string (request, "url");
  if (method == NULL || url == NULL || !(uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL)))
    return NULL;

  if (g_uri_get_query (uri) != NULL)
    return g_strdup_printf ("%s %s?%s", method, g_uri_get_path (uri), g_uri_get_query (uri));

  return g_strdup_printf ("%s %s", method, g_uri_get_path (uri));
}

/**
 * authflow_inspector_format_time:
 *
 * Returns: (transfer full): @time on the local clock, to the millisecond
 */
char *
authflow_inspector_format_time (GDateTime *time)
{
  g_autoptr(GDateTime) local = g_date_time_to_local (time);
  g_autofree char *text = NULL;

  if (local == NULL)
    return g_strdup ("—");

  text = g_date_time_format (local, "%H:%M:%S");

  return g_strdup_printf ("%s.%03d", text, g_date_time_get_microsecond (local) / 1000);
}

/**
 * authflow_inspector_format_duration:
 *
 * Returns: (transfer full) (nullable): @duration_us for a person ("37.4
 *   ms", "1.25 s"), or %NULL for -1
 */
char *
authflow_inspector_format_duration (gint64 duration_us)
{
  if (duration_us < 0)
    return NULL;

  if (duration_us < 1000)
    return g_strdup_printf ("%" G_GINT64_FORMAT " µs", duration_us);

  if (duration_us < 1000 * 1000)
    return g_strdup_printf ("%.1f ms", duration_us / 1000.0);

  return g_strdup_printf ("%.2f s", duration_us / 1000000.0);
}

/* A token as the journal keeps it: a few of its leading characters, an
 * ellipsis and 8 hex digits of its hash.
 */
#define FINGERPRINT "[^\\s\"'&=,;:…]{0,4}…[0-9a-f]{8}"

static GRegex *
secret_regex (void)
{
  static GRegex *regex;

  if (g_once_init_enter (&regex))
    g_once_init_leave (&regex, g_regex_new ("(\\[redacted\\])|(" FINGERPRINT ")", G_REGEX_OPTIMIZE, 0, NULL));

  return regex;
}

/**
 * authflow_inspector_is_redacted:
 *
 * Returns: whether @value is what the journal keeps of a secret: a
 *   password's "[redacted]", a token's fingerprint, or a header of one
 *   ("Bearer eyJh…3f9a2c1b")
 */
gboolean
authflow_inspector_is_redacted (const char *value)
{
  g_autoptr(GMatchInfo) match = NULL;
  int start;
  int end;

  if (value == NULL)
    return FALSE;

  if (!g_regex_match (secret_regex (), value, 0, &match) ||
      !g_match_info_fetch_pos (match, 0, &start, &end))
    return FALSE;

  /* The whole value, or a scheme before it ("Bearer "). */
  return value[end] == '\0' &&
         (start == 0 || (value[start - 1] == ' ' && strchr (value, ' ') == value + start - 1));
}

/* The name a secret in @text at @at is the value of: the JSON member
 * ("refreshToken": "…") or the form field (refresh_token=…) before it.
 */
static char *
name_before (const char *text,
             const char *at)
{
  const char *p = at;
  const char *end;

  while (p > text && (p[-1] == '"' || p[-1] == ' '))
    p--;
  if (p == text || (p[-1] != ':' && p[-1] != '='))
    return NULL;

  p--;
  while (p > text && (p[-1] == ' ' || p[-1] == '"'))
    p--;
  end = p;
  while (p > text && (g_ascii_isalnum (p[-1]) || p[-1] == '_' || p[-1] == '-' || p[-1] == '.'))
    p--;

  return end > p ? g_strndup (p, end - p) : NULL;
}

static const char *
placeholder_for (const char *secret,
                 const char *name,
                 GHashTable *fingerprints)
{
  g_autofree char *folded = name != NULL ? g_ascii_strdown (name, -1) : NULL;
  const char *known;

  if (g_str_equal (secret, AUTHFLOW_JOURNAL_REDACTED))
    return folded != NULL && strstr (folded, "secret") != NULL ? "CLIENT_SECRET" : "PASSWORD";

  if (fingerprints != NULL && (known = g_hash_table_lookup (fingerprints, secret)) != NULL)
    return known;

  return folded != NULL && strstr (folded, "refresh") != NULL ? "REFRESH_TOKEN" : "ACCESS_TOKEN";
}

static void
append_literal (GString    *out,
                const char *text,
                gssize      len)
{
  if (len < 0)
    len = strlen (text);
  if (len == 0)
    return;

  g_string_append_c (out, '\'');
  for (gssize i = 0; i < len; i++)
    {
      if (text[i] == '\'')
        g_string_append (out, "'\\''");
      else
        g_string_append_c (out, text[i]);
    }
  g_string_append_c (out, '\'');
}

/* @text as one shell word, single-quoted, with each secret the journal
 * kept of it replaced by a variable the shell fills in: '…"password":"'"$PASSWORD"'"…'.
 */
static void
append_word (GString    *out,
             const char *text,
             const char *name,
             GHashTable *fingerprints)
{
  g_autoptr(GMatchInfo) match = NULL;
  const char *from = text;
  gsize start_len = out->len;

  g_regex_match (secret_regex (), text, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *secret = g_match_info_fetch (match, 0);
      g_autofree char *found_name = NULL;
      int start;
      int end;

      g_match_info_fetch_pos (match, 0, &start, &end);
      if (name == NULL)
        found_name = name_before (text, text + start);

      append_literal (out, from, text + start - from);
      g_string_append_printf (out, "\"$%s\"", placeholder_for (secret, name != NULL ? name : found_name, fingerprints));
      from = text + end;
      g_match_info_next (match, NULL);
    }
  append_literal (out, from, -1);

  if (out->len == start_len)
    g_string_append (out, "''");
}

/**
 * authflow_inspector_curl_command:
 * @details: an exchange's details, as the journal keeps them
 * @fingerprints: (nullable): what each token fingerprint is
 *   ("ACCESS_TOKEN" or "REFRESH_TOKEN"), as the mapping entries say
 *
 * The request as a curl command line. The journal keeps no secret, so
 * that each one it left out is a shell variable to set first: a password
 * `$PASSWORD` (a client secret `$CLIENT_SECRET`), a token `$ACCESS_TOKEN`
 * or `$REFRESH_TOKEN`, by what @fingerprints says it is, else by the name
 * it goes under.
 *
 * Returns: (transfer full) (nullable): the command, or %NULL if @details
 *   has no request
 */
char *
authflow_inspector_curl_command (JsonObject *details,
                                 GHashTable *fingerprints)
{
  JsonObject *request = authflow_inspector_json_get_object (details, "request");
  const char *method = authflow_inspector_json_get_string (request, "method");
  const char *url = authflow_inspector_json_get_string (request, "url");
  JsonObject *body = authflow_inspector_json_get_object (request, "body");
  JsonNode *headers = request != NULL ? json_object_get_member (request, "headers") : NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  if (method == NULL || url == NULL)
    return NULL;

  if (authflow_inspector_json_get_boolean (body, "truncated"))
    g_string_append (out, "# The body was cut where the journal stops keeping it: it is sent as kept.\n");
  else if (authflow_inspector_json_get_boolean (body, "binary"))
    g_string_append (out, "# The body was binary, and the journal did not keep it.\n");

  g_string_append (out, "curl");
  if (!g_str_equal (method, "GET"))
    {
      gboolean plain = method[0] != '\0';

      /* A method is a word, quoted only if a saved trace made it more. */
      for (const char *p = method; *p != '\0'; p++)
        plain &= g_ascii_isalpha (*p);
      g_string_append (out, " -X ");
      if (plain)
        g_string_append (out, method);
      else
        append_literal (out, method, -1);
    }
  g_string_append_c (out, ' ');
  append_word (out, url, NULL, fingerprints);

  if (headers != NULL && JSON_NODE_HOLDS_ARRAY (headers))
    {
      JsonArray *array = json_node_get_array (headers);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *header = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
          const char *name = authflow_inspector_json_get_string (header, "name");
          const char *value = authflow_inspector_json_get_string (header, "value");
          g_autofree char *line = NULL;

          /* curl says these itself, from the URL and the body. */
          if (name == NULL || value == NULL ||
              g_ascii_strcasecmp (name, "Content-Length") == 0 ||
              g_ascii_strcasecmp (name, "Host") == 0)
            continue;

          line = g_strdup_printf ("%s: %s", name, value);
          g_string_append (out, " \\\n  -H ");
          append_word (out, line, name, fingerprints);
        }
    }

  if (authflow_inspector_json_get_string (body, "text") != NULL)
    {
      g_string_append (out, " \\\n  --data-raw ");
      append_word (out, authflow_inspector_json_get_string (body, "text"), NULL, fingerprints);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
