// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-client"

#include "config.h"

#include <string.h>

#include "authflow-client-private.h"
#include "authflow-faults-private.h"
#include "authflow-json-path.h"

/* How the client describes what it does to the journal: each exchange as
 * HAR describes one (the request, the answer, the timings), and each answer
 * it reads as where every auth property was found or why it was not.
 * Everything is redacted here, before the journal keeps it: the secrets an
 * exchange carries by their values, and every field, header and form key by
 * its name. Each description costs a bounded amount of work, however large
 * the answer, since it is made on the main thread.
 */

struct _AuthflowSecrets
{
  GPtrArray *tokens;
  GPtrArray *passwords;
};

/**
 * authflow_client_wipe_free:
 * @secret: (nullable) (transfer full): a string that holds a secret
 *
 * Overwrites @secret before freeing it, so that no copy of a password or
 * a token lingers in freed memory.
 */
void
authflow_client_wipe_free (gpointer secret)
{
  char *text = secret;

  if (text != NULL)
    memset (text, 0, strlen (text));
  g_free (text);
}

static GPtrArray *
new_list (void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (authflow_client_wipe_free);

  g_ptr_array_add (list, NULL);

  return list;
}

AuthflowSecrets *
authflow_secrets_new (void)
{
  AuthflowSecrets *secrets = g_new0 (AuthflowSecrets, 1);

  secrets->tokens = new_list ();
  secrets->passwords = new_list ();

  return secrets;
}

void
authflow_secrets_free (AuthflowSecrets *secrets)
{
  if (secrets == NULL)
    return;

  g_ptr_array_unref (secrets->tokens);
  g_ptr_array_unref (secrets->passwords);
  g_free (secrets);
}

/**
 * authflow_secrets_add:
 * @kind: a token (kept as its fingerprint) or a password (kept in no form)
 * @secret: (nullable): the secret; %NULL and "" are left out
 */
void
authflow_secrets_add (AuthflowSecrets       *secrets,
                      AuthflowJournalSecret  kind,
                      const char            *secret)
{
  GPtrArray *list;

  g_return_if_fail (secrets != NULL);
  g_return_if_fail (kind != AUTHFLOW_JOURNAL_SECRET_NONE);

  if (secret == NULL || secret[0] == '\0')
    return;

  list = kind == AUTHFLOW_JOURNAL_SECRET_PASSWORD ? secrets->passwords : secrets->tokens;
  for (guint i = 0; i + 1 < list->len; i++)
    if (g_str_equal (g_ptr_array_index (list, i), secret))
      return;

  /* Before the terminating NULL. */
  g_ptr_array_insert (list, list->len - 1, g_strdup (secret));
}

const char * const *
authflow_secrets_get_tokens (AuthflowSecrets *secrets)
{
  return secrets != NULL ? (const char * const *) secrets->tokens->pdata : NULL;
}

const char * const *
authflow_secrets_get_passwords (AuthflowSecrets *secrets)
{
  return secrets != NULL ? (const char * const *) secrets->passwords->pdata : NULL;
}

/* Whether @text, @len bytes, is an authentication scheme such as "Bearer". */
static gboolean
is_scheme (const char *text,
           gsize       len)
{
  if (len == 0)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '-' && text[i] != '_' && text[i] != '.')
      return FALSE;

  return TRUE;
}

/**
 * authflow_client_redact_header:
 *
 * A header's value as the journal keeps it. A credential header keeps its
 * scheme, so that "Bearer" shows, and the credential becomes its
 * fingerprint; "Basic" credentials hold a password, so they are kept in no
 * form. Any other header has the exchange's secrets replaced.
 *
 * Returns: (transfer full): the value, redacted
 */
char *
authflow_client_redact_header (const char      *name,
                               const char      *value,
                               AuthflowSecrets *secrets)
{
  AuthflowJournalSecret secret = authflow_journal_classify_name (name);
  const char *space;

  if (secret == AUTHFLOW_JOURNAL_SECRET_PASSWORD)
    return g_strdup (AUTHFLOW_JOURNAL_REDACTED);

  if (secret == AUTHFLOW_JOURNAL_SECRET_TOKEN)
    {
      space = strchr (value, ' ');
      if (space != NULL && is_scheme (value, space - value))
        {
          int scheme_len = space - value;
          g_autofree char *fingerprint = NULL;

          if (scheme_len == 5 && g_ascii_strncasecmp (value, "Basic", 5) == 0)
            return g_strdup_printf ("%.*s " AUTHFLOW_JOURNAL_REDACTED, scheme_len, value);

          while (*space == ' ')
            space++;
          fingerprint = authflow_journal_fingerprint (space);

          return g_strdup_printf ("%.*s %s", scheme_len, value, fingerprint);
        }

      return authflow_journal_fingerprint (value);
    }

  return authflow_journal_redact_text (value,
                                       authflow_secrets_get_tokens (secrets),
                                       authflow_secrets_get_passwords (secrets));
}

/**
 * authflow_client_redact_url:
 *
 * A URL as the journal keeps it: without user information, each query
 * value under a secret name replaced, and the exchange's secrets replaced
 * wherever they are.
 *
 * Returns: (transfer full): the URL, redacted
 */
char *
authflow_client_redact_url (GUri            *uri,
                            AuthflowSecrets *secrets)
{
  g_autofree char *base = g_uri_to_string_partial (uri, G_URI_HIDE_USERINFO |
                                                        G_URI_HIDE_QUERY |
                                                        G_URI_HIDE_FRAGMENT);
  g_autoptr(GString) url = g_string_new (base);
  const char *query = g_uri_get_query (uri);

  if (query != NULL)
    {
      g_auto(GStrv) pairs = g_strsplit (query, "&", -1);

      g_string_append_c (url, '?');
      for (guint i = 0; pairs[i] != NULL; i++)
        {
          const char *equals = strchr (pairs[i], '=');
          g_autofree char *key = NULL;
          AuthflowJournalSecret secret = AUTHFLOW_JOURNAL_SECRET_NONE;

          if (i > 0)
            g_string_append_c (url, '&');

          if (equals != NULL)
            {
              key = g_uri_unescape_segment (pairs[i], equals, NULL);
              secret = authflow_journal_classify_name (key);
            }

          if (secret == AUTHFLOW_JOURNAL_SECRET_PASSWORD)
            g_string_append_printf (url, "%.*s=" AUTHFLOW_JOURNAL_REDACTED,
                                    (int) (equals - pairs[i]), pairs[i]);
          else if (secret == AUTHFLOW_JOURNAL_SECRET_TOKEN)
            {
              g_autofree char *value = g_uri_unescape_string (equals + 1, NULL);
              g_autofree char *fingerprint = authflow_journal_fingerprint (value ? value : equals + 1);

              g_string_append_printf (url, "%.*s=%s", (int) (equals - pairs[i]), pairs[i], fingerprint);
            }
          else
            g_string_append (url, pairs[i]);
        }
    }

  return authflow_journal_redact_text (url->str,
                                       authflow_secrets_get_tokens (secrets),
                                       authflow_secrets_get_passwords (secrets));
}

static const char *
http_version_to_string (SoupHTTPVersion version)
{
  switch (version)
    {
    case SOUP_HTTP_1_0:
      return "HTTP/1.0";

    case SOUP_HTTP_2_0:
      return "HTTP/2";

    case SOUP_HTTP_1_1:
    default:
      return "HTTP/1.1";
    }
}

typedef struct
{
  JsonArray       *array;
  AuthflowSecrets *secrets;
} HeaderList;

static void
add_header_cb (const char *name,
               const char *value,
               gpointer    user_data)
{
  HeaderList *list = user_data;
  g_autofree char *redacted = authflow_client_redact_header (name, value, list->secrets);
  JsonObject *header = json_object_new ();

  json_object_set_string_member (header, "name", name);
  json_object_set_string_member (header, "value", redacted);
  json_array_add_object_element (list->array, header);
}

static JsonArray *
describe_headers (SoupMessageHeaders *headers,
                  AuthflowSecrets    *secrets)
{
  HeaderList list = { json_array_new (), secrets };

  soup_message_headers_foreach (headers, add_header_cb, &list);

  return list.array;
}

static double
to_ms (gint64 us)
{
  return us / 1000.0;
}

/* From libsoup's metrics where it has them: connecting is 0 on a connection
 * that was already open (no connect, yet the request went out), -1 where a
 * step did not happen or is unknown. The times count from @started, when
 * the client handed the message to libsoup.
 */
static JsonObject *
describe_timings (SoupMessage *message,
                  gint64       started,
                  gint64       ended)
{
  SoupMessageMetrics *metrics = soup_message_get_metrics (message);
  JsonObject *timings = json_object_new ();
  double connect = -1;
  double first_byte = -1;

  if (metrics != NULL)
    {
      guint64 connect_start = soup_message_metrics_get_connect_start (metrics);
      guint64 connect_end = soup_message_metrics_get_connect_end (metrics);
      guint64 request_start = soup_message_metrics_get_request_start (metrics);
      guint64 response_start = soup_message_metrics_get_response_start (metrics);

      if (connect_start != 0 && connect_end >= connect_start)
        connect = to_ms (connect_end - connect_start);
      else if (connect_start == 0 && request_start != 0)
        connect = 0;

      if (response_start != 0 && (gint64) response_start >= started)
        first_byte = to_ms (response_start - started);
    }

  json_object_set_double_member (timings, "connectMs", connect);
  json_object_set_double_member (timings, "firstByteMs", first_byte);
  json_object_set_double_member (timings, "totalMs", to_ms (MAX (ended - started, 0)));

  return timings;
}

/**
 * authflow_client_describe_exchange:
 * @details: where the description goes
 * @answered: whether the answer's status and headers came
 * @request_body: (nullable): what was sent
 * @response_data: (nullable): as much of the answer's body as was read
 * @started_at: when the request was handed to libsoup, local time
 * @started: the same, g_get_monotonic_time()
 * @ended: when the exchange ended, g_get_monotonic_time()
 *
 * Adds the members of an "http"/"exchange" entry's details that come from
 * the wire to @details: `startedDateTime`, `request`, `response` (when
 * @answered) and `timings`. Bodies cost at most
 * %AUTHFLOW_JOURNAL_MAX_BODY_SIZE of work each.
 */
void
authflow_client_describe_exchange (JsonObject      *details,
                                   SoupMessage     *message,
                                   gboolean         answered,
                                   GBytes          *request_body,
                                   const char      *request_content_type,
                                   GByteArray      *response_data,
                                   AuthflowSecrets *secrets,
                                   GDateTime       *started_at,
                                   gint64           started,
                                   gint64           ended)
{
  const char * const *tokens = authflow_secrets_get_tokens (secrets);
  const char * const *passwords = authflow_secrets_get_passwords (secrets);
  const char *version = http_version_to_string (soup_message_get_http_version (message));
  JsonObject *request = json_object_new ();
  g_autofree char *started_text = g_date_time_format_iso8601 (started_at);
  g_autofree char *url = authflow_client_redact_url (soup_message_get_uri (message), secrets);

  json_object_set_string_member (details, "startedDateTime", started_text);

  json_object_set_string_member (request, "method", soup_message_get_method (message));
  json_object_set_string_member (request, "url", url);
  json_object_set_string_member (request, "httpVersion", version);
  json_object_set_array_member (request, "headers",
                                describe_headers (soup_message_get_request_headers (message), secrets));
  json_object_set_object_member (request, "body",
                                 authflow_journal_describe_body (request_body, request_content_type,
                                                                 tokens, passwords));
  json_object_set_object_member (details, "request", request);

  if (answered)
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (message);
      JsonObject *response = json_object_new ();
      guint status = soup_message_get_status (message);
      const char *reason = soup_message_get_reason_phrase (message);
      g_autoptr(GBytes) body = NULL;

      if (reason == NULL || reason[0] == '\0')
        reason = soup_status_get_phrase (status);
      if (response_data != NULL)
        body = g_bytes_new_static (response_data->data, response_data->len);

      json_object_set_int_member (response, "status", status);
      json_object_set_string_member (response, "statusText", reason != NULL ? reason : "");
      json_object_set_string_member (response, "httpVersion", version);
      json_object_set_array_member (response, "headers", describe_headers (headers, secrets));
      json_object_set_object_member (response, "body",
                                     authflow_journal_describe_body (body,
                                                                     soup_message_headers_get_one (headers, "Content-Type"),
                                                                     tokens, passwords));
      json_object_set_object_member (details, "response", response);
    }

  json_object_set_object_member (details, "timings", describe_timings (message, started, ended));
}

/**
 * authflow_client_describe_injected_answer:
 * @status: the status of the answer that was made up
 * @headers: its headers
 * @body: its body
 *
 * Adds the `response` of an exchange whose answer the client made up, for
 * the "server-error" fault, to @details: as a response from the wire would
 * be, with `"injected": true` in it, so that it is never taken for the
 * server's.
 */
void
authflow_client_describe_injected_answer (JsonObject         *details,
                                          guint               status,
                                          SoupMessageHeaders *headers,
                                          GBytes             *body,
                                          AuthflowSecrets    *secrets)
{
  JsonObject *response = json_object_new ();
  const char *reason = _authflow_faults_status_phrase (status);

  json_object_set_int_member (response, "status", status);
  json_object_set_string_member (response, "statusText", reason != NULL ? reason : "");
  json_object_set_string_member (response, "httpVersion", "HTTP/1.1");
  json_object_set_array_member (response, "headers", describe_headers (headers, secrets));
  json_object_set_object_member (response, "body",
                                 authflow_journal_describe_body (body,
                                                                 soup_message_headers_get_one (headers, "Content-Type"),
                                                                 authflow_secrets_get_tokens (secrets),
                                                                 authflow_secrets_get_passwords (secrets)));
  json_object_set_boolean_member (response, "injected", TRUE);
  json_object_set_object_member (details, "response", response);
}

/**
 * authflow_client_summarize_exchange:
 * @failure: (nullable): what went wrong, in a few words ("could not
 *   connect", "broke off"), or %NULL if nothing did
 *
 * Returns: (transfer full): the one line of an exchange, e.g.
 *   "POST /auth/login → 200 OK (12 ms)"
 */
char *
authflow_client_summarize_exchange (SoupMessage     *message,
                                    gboolean         answered,
                                    const char      *failure,
                                    gint64           duration_us,
                                    AuthflowSecrets *secrets)
{
  g_autofree char *path = authflow_journal_redact_text (g_uri_get_path (soup_message_get_uri (message)),
                                                        authflow_secrets_get_tokens (secrets),
                                                        authflow_secrets_get_passwords (secrets));
  g_autoptr(GString) summary = g_string_new (NULL);

  g_string_append_printf (summary, "%s %s → ", soup_message_get_method (message),
                          path[0] != '\0' ? path : "/");

  if (answered)
    {
      guint status = soup_message_get_status (message);
      const char *reason = soup_message_get_reason_phrase (message);

      if (reason == NULL || reason[0] == '\0')
        reason = soup_status_get_phrase (status);
      g_string_append_printf (summary, "%u %s", status, reason != NULL ? reason : "");
      if (failure != NULL)
        g_string_append_printf (summary, ", %s", failure);
    }
  else
    g_string_append (summary, failure != NULL ? failure : "no answer");

  g_string_append_printf (summary, " (%" G_GINT64_FORMAT " ms)", (duration_us + 500) / 1000);

  return g_string_free (g_steal_pointer (&summary), FALSE);
}

/**
 * authflow_client_match_string:
 * @answer: (nullable): an answer
 * @path: (nullable): a JSON path into it
 * @why_missing: (out) (optional): why there is nothing, when there is not
 *
 * What @path holds the way the profile reads it: a non-empty string, or
 * an integer as a string.
 *
 * Returns: (transfer full) (nullable): the string, or %NULL
 */
char *
authflow_client_match_string (JsonNode    *answer,
                              const char  *path,
                              char       **why_missing)
{
  g_autoptr(JsonNode) node = NULL;
  char *why = NULL;
  char *found = NULL;

  if (path == NULL)
    why = g_strdup ("the profile maps none for this call");
  else if ((node = authflow_json_path_dup_first (path, answer)) == NULL)
    why = g_strdup_printf ("no field at %s", path);
  else if (JSON_NODE_HOLDS_NULL (node))
    why = g_strdup_printf ("the field at %s is null", path);
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      if (json_node_get_string (node)[0] == '\0')
        why = g_strdup_printf ("the field at %s is empty", path);
      else
        found = json_node_dup_string (node);
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    found = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  else
    why = g_strdup_printf ("the field at %s is not a string", path);

  if (why_missing != NULL)
    *why_missing = why;
  else
    g_free (why);

  return found;
}

/**
 * authflow_client_describe_missing:
 *
 * Returns: (transfer full): `{"path", "missing"}`
 */
JsonObject *
authflow_client_describe_missing (const char *path,
                                  const char *why)
{
  JsonObject *property = json_object_new ();

  if (path != NULL)
    json_object_set_string_member (property, "path", path);
  else
    json_object_set_null_member (property, "path");
  json_object_set_string_member (property, "missing", why);

  return property;
}

/**
 * authflow_client_describe_found:
 * @is_token: whether the value is a token, kept as
 *   authflow_journal_describe_token() describes it
 *
 * Returns: (transfer full): `{"path", "value"}` or `{"path", "missing"}`
 */
JsonObject *
authflow_client_describe_found (const char *path,
                                JsonNode   *answer,
                                gboolean    is_token)
{
  g_autofree char *why = NULL;
  g_autofree char *value = authflow_client_match_string (answer, path, &why);
  JsonObject *property;

  if (value == NULL)
    return authflow_client_describe_missing (path, why);

  property = json_object_new ();
  json_object_set_string_member (property, "path", path);
  if (is_token)
    json_object_set_member (property, "value", authflow_journal_describe_token (value));
  else
    json_object_set_string_member (property, "value", value);

  return property;
}

/* A copy of @node that costs at most @budget bytes of text to make and to
 * keep: what does not fit is left out whole (a string is never cut, or a
 * secret in it could be cut in two and escape its redaction), and
 * *@truncated says so.
 */
static JsonNode *
bounded_copy (JsonNode *node,
              gssize   *budget,
              gboolean *truncated)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        g_autoptr(JsonObject) copy = json_object_new ();
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init_ordered (&iter, json_node_get_object (node));
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            gssize cost = strlen (name) + 8;

            if (*budget < cost)
              {
                *truncated = TRUE;
                break;
              }
            *budget -= cost;
            json_object_set_member (copy, name, bounded_copy (member, budget, truncated));
          }

        return json_node_init_object (json_node_alloc (), copy);
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        g_autoptr(JsonArray) copy = json_array_new ();

        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            if (*budget < 8)
              {
                *truncated = TRUE;
                break;
              }
            *budget -= 8;
            json_array_add_element (copy, bounded_copy (json_array_get_element (array, i),
                                                        budget, truncated));
          }

        return json_node_init_array (json_node_alloc (), copy);
      }

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          gssize cost = strlen (json_node_get_string (node));

          if (*budget < cost)
            {
              *truncated = TRUE;
              return json_node_init_string (json_node_alloc (), "[too long to keep]");
            }
          *budget -= cost;
        }
      return json_node_copy (node);

    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

/**
 * authflow_client_describe_user:
 * @path: (nullable): where the profile looks for the user data
 *
 * A user as a mapping entry keeps it: `{"path", "fields", "value"}`, the
 * value redacted, and at most %AUTHFLOW_JOURNAL_MAX_BODY_SIZE of it, with
 * `"truncated": true` when some was left out.
 *
 * Returns: (transfer full): the description
 */
JsonObject *
authflow_client_describe_user (const char      *path,
                               AuthflowUser    *user,
                               AuthflowSecrets *secrets)
{
  JsonObject *description = json_object_new ();
  JsonObject *json = authflow_user_get_json (user);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), json);
  g_autoptr(JsonNode) bounded = NULL;
  JsonArray *fields = json_array_new ();
  gssize budget = AUTHFLOW_JOURNAL_MAX_BODY_SIZE;
  gboolean truncated = FALSE;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (path != NULL)
    json_object_set_string_member (description, "path", path);
  else
    json_object_set_null_member (description, "path");

  bounded = bounded_copy (node, &budget, &truncated);
  json_object_iter_init_ordered (&iter, json_node_get_object (bounded));
  while (json_object_iter_next_ordered (&iter, &name, &member))
    json_array_add_string_element (fields, name);

  json_object_set_array_member (description, "fields", fields);
  json_object_set_member (description, "value",
                          authflow_journal_redact_json (bounded,
                                                        authflow_secrets_get_tokens (secrets),
                                                        authflow_secrets_get_passwords (secrets)));
  if (truncated)
    json_object_set_boolean_member (description, "truncated", TRUE);

  return description;
}

/**
 * authflow_client_why_no_user:
 * @answer: an answer that gave no user data
 * @path: (nullable): where the profile looks for it
 *
 * Returns: (transfer full): why the answer gave no user data
 */
char *
authflow_client_why_no_user (JsonNode   *answer,
                             const char *path)
{
  g_autoptr(JsonNode) node = NULL;

  if (path == NULL)
    return g_strdup ("the profile maps no user for this call");

  if ((node = authflow_json_path_dup_first (path, answer)) == NULL)
    return g_strdup_printf ("no field at %s", path);

  if (JSON_NODE_HOLDS_NULL (node))
    return g_strdup_printf ("the field at %s is null", path);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return g_strdup_printf ("the field at %s is not an object", path);

  return g_strdup_printf ("nothing but the tokens at %s", path);
}
