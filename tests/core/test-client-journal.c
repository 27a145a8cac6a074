// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "authflow-client.h"
#include "authflow-journal.h"
#include "authflow-server.h"
#include "authflow-test-core.h"
#include "authflow-test-utils.h"

/* What the API client tells the journal: one "http"/"exchange" entry for
 * each exchange, one "mapping"/"answer" entry for each answer read, both
 * redacted before they are kept.
 *
 * The backend is the real reference server, in this process, or (for what
 * it never does: refuse the connection, stall, redirect, answer a megabyte,
 * send its clock wrong) a SoupServer on 127.0.0.1 that stands in for one.
 * The debug log of the whole run is kept too, to check that no secret
 * reaches it either.
 */

#define PASSWORD "emilyspass"
#define AWAIT(res) g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 30000, (res) != NULL))

static GString *debug_log;

static GLogFunc default_log_func;

static void
keep_log_cb (const char     *log_domain,
             GLogLevelFlags  log_level,
             const char     *message,
             gpointer        user_data)
{
  g_string_append_printf (debug_log, "%s: %s\n", log_domain ? log_domain : "", message);

  /* The test's own log handler shows the rest, and fails the test on a
   * critical warning.
   */
  if (!(log_level & G_LOG_LEVEL_DEBUG))
    default_log_func (log_domain, log_level, message, user_data);
}

typedef struct
{
  AuthflowServer  *server;
  char            *server_dir;
  SoupServer      *standin;
  char            *url;

  AuthflowClient  *client;
  AuthflowJournal *journal;

  /* What the stand-in does. */
  const char      *mode;
  char            *access_token;
  GPtrArray       *stalled;
} Fixture;

static char *
base64url (const char *text)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *) text, strlen (text));
  GString *out = g_string_new (NULL);

  for (const char *p = b64; *p != '\0'; p++)
    {
      if (*p == '+')
        g_string_append_c (out, '-');
      else if (*p == '/')
        g_string_append_c (out, '_');
      else if (*p != '=')
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

/* A JWT of the reference server's shape; its signature is not checked. */
static char *
make_jwt (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *header = base64url ("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  g_autofree char *claims = g_strdup_printf ("{\"sub\":\"5\",\"username\":\"emilys\",\"jti\":\"standin\","
                                             "\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                                             now, now + 3600);
  g_autofree char *payload = base64url (claims);

  return g_strconcat (header, ".", payload, ".c2lnbmF0dXJl", NULL);
}

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
standin_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Fixture *f = user_data;

  if (g_str_equal (f->mode, "stall"))
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (f->stalled, g_object_ref (msg));
      return;
    }

  if (g_str_equal (f->mode, "redirect") && g_str_equal (path, "/start"))
    {
      soup_server_message_set_redirect (msg, SOUP_STATUS_TEMPORARY_REDIRECT, "/end");
      return;
    }

  if (g_str_equal (f->mode, "skewed-clock"))
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(GDateTime) ahead = g_date_time_add_hours (now, 1);
      g_autofree char *date = soup_date_time_to_string (ahead, SOUP_DATE_HTTP);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Date", date);
    }

  if (g_str_equal (f->mode, "tokens-only"))
    {
      g_autofree char *body = g_strdup_printf ("{\"accessToken\": \"%s\"}", f->access_token);

      respond (msg, 200, body);
      return;
    }

  if (g_str_equal (f->mode, "expires-in"))
    {
      g_autofree char *body = g_strdup_printf ("{\"accessToken\": \"%s\", \"expires_in\": 600,"
                                               " \"id\": 5, \"username\": \"emilys\"}",
                                               f->access_token);

      respond (msg, 200, body);
      return;
    }

  if (g_str_equal (f->mode, "large"))
    {
      /* A login answer of some 600 KiB: a user with a large field. */
      g_autoptr(GString) body = g_string_new (NULL);

      g_string_append_printf (body, "{\"accessToken\": \"%s\", \"refreshToken\": \"opaque-refresh-large\","
                                    " \"id\": 5, \"username\": \"emilys\", \"bio\": \"", f->access_token);
      while (body->len < 600 * 1024)
        g_string_append (body, "lorem ipsum dolor sit amet ");
      g_string_append (body, "\", \"accessTokenCopy\": \"");
      g_string_append (body, f->access_token);
      g_string_append (body, "\"}");
      respond (msg, 200, body->str);
      return;
    }

  respond (msg, 200, "{\"ok\": true}");
}

static void
make_client (Fixture *f)
{
  f->journal = authflow_journal_new ();
  f->client = authflow_client_new (f->url);
  authflow_client_set_journal (f->client, f->journal);
}

static void
set_up_reference (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;

  f->server_dir = g_dir_make_tmp ("authflow-test-client-journal-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (f->server_dir, "authflow.db", NULL);

  f->server = authflow_server_new (db_path, &error);
  g_assert_no_error (error);
  authflow_server_listen (f->server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  f->url = authflow_server_dup_url (f->server);

  make_client (f);
}

static void
set_up_standin (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *url = NULL;

  f->mode = data;
  f->access_token = make_jwt ();
  f->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  f->standin = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->standin, NULL, standin_cb, f, NULL);
  soup_server_listen_local (f->standin, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (f->standin);
  url = g_uri_to_string (uris->data);
  if (g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';
  f->url = g_steal_pointer (&url);

  make_client (f);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  /* At once, and on this thread, even after an answer that a worker
   * thread parsed.
   */
  g_assert_finalize_object (f->client);
  g_assert_finalize_object (f->journal);

  if (f->server != NULL)
    {
      authflow_server_close (f->server);
      g_clear_object (&f->server);
      authflow_test_remove_tree (f->server_dir);
      g_clear_pointer (&f->server_dir, g_free);
    }

  if (f->standin != NULL)
    {
      for (guint i = 0; i < f->stalled->len; i++)
        soup_server_message_unpause (g_ptr_array_index (f->stalled, i));
      g_clear_pointer (&f->stalled, g_ptr_array_unref);
      soup_server_disconnect (f->standin);
      g_clear_object (&f->standin);
    }

  g_clear_pointer (&f->access_token, g_free);
  g_clear_pointer (&f->url, g_free);
}

static AuthflowJournalEntry *
entry_at (Fixture *f,
          guint    position)
{
  GListModel *entries = authflow_journal_get_entries (f->journal);
  g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (entries, position);

  g_assert_nonnull (entry);

  /* The journal holds it. */
  return entry;
}

static guint
n_entries (Fixture *f)
{
  return g_list_model_get_n_items (authflow_journal_get_entries (f->journal));
}

/* The entries of one kind, in order. */
static GPtrArray *
entries_of (Fixture             *f,
            AuthflowJournalKind  kind)
{
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < n_entries (f); i++)
    if (authflow_journal_entry_get_kind (entry_at (f, i)) == kind)
      g_ptr_array_add (found, entry_at (f, i));

  return found;
}

/* No entry, as the trace writes it, holds any of @secrets, and neither
 * does the debug log.
 */
static void
assert_nowhere (Fixture            *f,
                const char * const *secrets)
{
  for (guint i = 0; i < n_entries (f); i++)
    {
      g_autofree char *line = authflow_journal_entry_to_line (entry_at (f, i));

      g_test_message ("%s", g_strchomp (line));
      for (guint j = 0; secrets[j] != NULL; j++)
        if (strstr (line, secrets[j]) != NULL)
          g_error ("Entry %u holds the secret “%s”: %s", i, secrets[j], line);
    }

  for (guint j = 0; secrets[j] != NULL; j++)
    if (strstr (debug_log->str, secrets[j]) != NULL)
      g_error ("The debug log holds the secret “%s”", secrets[j]);
}

static JsonObject *
object_at (JsonObject *object,
           const char *first,
           ...)
{
  va_list args;

  va_start (args, first);
  for (const char *name = first; name != NULL; name = va_arg (args, const char *))
    {
      g_assert_true (json_object_has_member (object, name));
      object = json_object_get_object_member (object, name);
      g_assert_nonnull (object);
    }
  va_end (args);

  return object;
}

static const char *
header_value (JsonObject *message,
              const char *name)
{
  JsonArray *headers = json_object_get_array_member (message, "headers");

  for (guint i = 0; i < json_array_get_length (headers); i++)
    {
      JsonObject *header = json_array_get_object_element (headers, i);

      if (g_ascii_strcasecmp (json_object_get_string_member (header, "name"), name) == 0)
        return json_object_get_string_member (header, "value");
    }

  return NULL;
}

static void
assert_timings (JsonObject *details)
{
  JsonObject *timings = object_at (details, "timings", NULL);

  g_assert_cmpfloat (json_object_get_double_member (timings, "totalMs"), >=, 0);
  g_assert_cmpfloat (json_object_get_double_member (timings, "connectMs"), >=, -1);
  g_assert_cmpfloat (json_object_get_double_member (timings, "firstByteMs"), >=, -1);
  g_assert_cmpfloat (json_object_get_double_member (timings, "firstByteMs"), <=,
                     json_object_get_double_member (timings, "totalMs"));
}

/* An exchange entry, and what every one of them holds. */
static JsonObject *
assert_exchange (AuthflowJournalEntry *entry,
                 const char           *call,
                 const char           *method,
                 const char           *path,
                 const char           *outcome)
{
  JsonObject *details = authflow_journal_entry_get_details (entry);
  JsonObject *request = object_at (details, "request", NULL);
  g_autofree char *summary_start = g_strdup_printf ("%s %s → ", method, path);

  g_assert_cmpint (authflow_journal_entry_get_kind (entry), ==, AUTHFLOW_JOURNAL_HTTP);
  g_assert_cmpstr (authflow_journal_entry_get_event (entry), ==, "exchange");
  g_assert_cmpint (authflow_journal_entry_get_step (entry), ==, AUTHFLOW_JOURNAL_STEP_API_CALL);
  g_assert_cmpint (authflow_journal_entry_get_duration (entry), >=, 0);
  g_assert_true (g_str_has_prefix (authflow_journal_entry_get_summary (entry), summary_start));

  if (call != NULL)
    g_assert_cmpstr (json_object_get_string_member (details, "call"), ==, call);
  else
    g_assert_false (json_object_has_member (details, "call"));
  g_assert_cmpstr (json_object_get_string_member (details, "outcome"), ==, outcome);
  g_assert_true (json_object_has_member (details, "retry"));
  g_assert_nonnull (json_object_get_string_member (details, "startedDateTime"));
  g_assert_cmpstr (json_object_get_string_member (request, "method"), ==, method);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (request, "url"), path));
  g_assert_cmpstr (json_object_get_string_member (request, "httpVersion"), ==, "HTTP/1.1");
  g_assert_true (json_object_has_member (request, "headers"));
  g_assert_true (json_object_has_member (request, "body"));
  assert_timings (details);

  return details;
}

static void
log_in (Fixture             *f,
        const char          *username,
        const char          *password,
        AuthflowAuthResult **auth,
        GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_client_log_in_async (f->client, username, password, NULL,
                                authflow_test_got_result_cb, &result);
  AWAIT (result);
  *auth = authflow_client_log_in_finish (f->client, result, error);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_properties (void)
{
  g_autoptr(AuthflowClient) client = authflow_client_new (NULL);
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autoptr(AuthflowJournal) got = NULL;
  guint notifies = 0;

  g_assert_null (authflow_client_get_journal (client));
  g_signal_connect (client, "notify::journal", G_CALLBACK (count_notify_cb), &notifies);

  authflow_client_set_journal (client, journal);
  authflow_client_set_journal (client, journal);
  g_assert_true (authflow_client_get_journal (client) == journal);
  g_object_get (client, "journal", &got, NULL);
  g_assert_true (got == journal);
  g_object_set (client, "journal", NULL, NULL);
  g_assert_null (authflow_client_get_journal (client));
  g_assert_cmpuint (notifies, ==, 2);

  g_assert_cmpstr (authflow_expiry_source_to_string (AUTHFLOW_EXPIRY_SOURCE_NONE), ==, "none");
  g_assert_cmpstr (authflow_expiry_source_to_string (AUTHFLOW_EXPIRY_SOURCE_ANSWER), ==, "answer");
  g_assert_cmpstr (authflow_expiry_source_to_string (AUTHFLOW_EXPIRY_SOURCE_JWT), ==, "jwt");
}

/* A login against the real reference server: one exchange, one mapping,
 * each property with the path it came from, and no secret anywhere.
 */
static void
test_login (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) exchanges = NULL;
  g_autoptr(GPtrArray) mappings = NULL;
  AuthflowJournalEntry *exchange;
  AuthflowJournalEntry *mapping;
  JsonObject *details;
  JsonObject *request_body;
  JsonObject *response;
  JsonObject *properties;
  JsonObject *property;
  JsonObject *claims;
  JsonObject *user;
  JsonArray *fields;
  g_autofree char *token_fingerprint = NULL;
  g_autofree char *bearer = NULL;
  gboolean has_username = FALSE;

  log_in (f, "emilys", PASSWORD, &auth, &error);
  g_assert_no_error (error);
  g_assert_cmpint (auth->expiry_source, ==, AUTHFLOW_EXPIRY_SOURCE_JWT);

  exchanges = entries_of (f, AUTHFLOW_JOURNAL_HTTP);
  mappings = entries_of (f, AUTHFLOW_JOURNAL_MAPPING);
  g_assert_cmpuint (exchanges->len, ==, 1);
  g_assert_cmpuint (mappings->len, ==, 1);
  g_assert_cmpuint (n_entries (f), ==, 2);
  exchange = g_ptr_array_index (exchanges, 0);
  mapping = g_ptr_array_index (mappings, 0);

  /* The exchange, then how its answer was read. */
  g_assert_cmpuint (authflow_journal_entry_get_sequence (exchange), <,
                    authflow_journal_entry_get_sequence (mapping));

  details = assert_exchange (exchange, "login", "POST", "/auth/login", "complete");
  g_assert_false (json_object_get_boolean_member (details, "retry"));
  g_assert_false (json_object_has_member (details, "error"));
  g_assert_true (g_str_has_prefix (authflow_journal_entry_get_summary (exchange),
                                   "POST /auth/login → 200 OK ("));
  request_body = object_at (details, "request", "body", NULL);
  g_assert_nonnull (strstr (json_object_get_string_member (request_body, "text"),
                            "\"password\":\"[redacted]\""));
  g_assert_nonnull (strstr (json_object_get_string_member (request_body, "text"),
                            "\"username\":\"emilys\""));
  g_assert_cmpstr (json_object_get_string_member (request_body, "mimeType"), ==, "application/json");
  response = object_at (details, "response", NULL);
  g_assert_cmpint (json_object_get_int_member (response, "status"), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (response, "statusText"), ==, "OK");
  g_assert_cmpint (json_object_get_int_member (object_at (response, "body", NULL), "size"), >, 0);

  /* The tokens in the answer are kept as their fingerprints. */
  token_fingerprint = authflow_journal_fingerprint (auth->access_token);
  g_assert_nonnull (strstr (json_object_get_string_member (object_at (response, "body", NULL), "text"),
                            token_fingerprint));

  /* The server's Date set the clock of the entries. */
  g_assert_nonnull (authflow_journal_entry_get_server_time (exchange));

  /* The mapping: where each property was found. */
  g_assert_cmpstr (authflow_journal_entry_get_event (mapping), ==, "answer");
  g_assert_cmpint (authflow_journal_entry_get_step (mapping), ==, AUTHFLOW_JOURNAL_STEP_LOG_IN);
  details = authflow_journal_entry_get_details (mapping);
  g_assert_cmpstr (json_object_get_string_member (details, "call"), ==, "login");
  g_assert_false (json_object_has_member (details, "error"));
  properties = object_at (details, "properties", NULL);

  property = object_at (properties, "token", NULL);
  g_assert_cmpstr (json_object_get_string_member (property, "path"), ==, "$.accessToken");
  g_assert_cmpstr (json_object_get_string_member (object_at (property, "value", NULL), "fingerprint"), ==,
                   token_fingerprint);
  claims = object_at (property, "value", "jwt", "claims", NULL);
  g_assert_cmpstr (json_object_get_string_member (claims, "username"), ==, "emilys");
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, "1");
  g_assert_true (json_object_has_member (claims, "exp"));
  g_assert_cmpstr (json_object_get_string_member (object_at (property, "value", "jwt", "header", NULL), "alg"),
                   ==, "HS256");

  property = object_at (properties, "refreshToken", NULL);
  g_assert_cmpstr (json_object_get_string_member (property, "path"), ==, "$.refreshToken");
  g_assert_cmpint (json_object_get_int_member (object_at (property, "value", NULL), "length"), ==,
                   strlen (auth->refresh_token));

  property = object_at (properties, "expiry", NULL);
  g_assert_cmpstr (json_object_get_string_member (property, "path"), ==, "$.accessToken");
  g_assert_cmpstr (json_object_get_string_member (property, "claim"), ==, "exp");
  g_assert_cmpstr (json_object_get_string_member (property, "source"), ==, "jwt");
  {
    g_autofree char *expected = g_date_time_format_iso8601 (auth->expiry);

    g_assert_cmpstr (json_object_get_string_member (property, "value"), ==, expected);
  }

  property = object_at (properties, "uid", NULL);
  g_assert_cmpstr (json_object_get_string_member (property, "path"), ==, "$.id");
  g_assert_cmpstr (json_object_get_string_member (property, "value"), ==, "1");
  g_assert_false (json_object_has_member (property, "source"));

  user = object_at (details, "user", NULL);
  g_assert_cmpstr (json_object_get_string_member (user, "path"), ==, "$");
  fields = json_object_get_array_member (user, "fields");
  for (guint i = 0; i < json_array_get_length (fields); i++)
    {
      has_username |= g_str_equal (json_array_get_string_element (fields, i), "username");
      g_assert_cmpstr (json_array_get_string_element (fields, i), !=, "accessToken");
    }
  g_assert_true (has_username);
  g_assert_cmpstr (json_object_get_string_member (object_at (user, "value", NULL), "username"), ==, "emilys");
  g_assert_true (g_str_has_prefix (authflow_journal_entry_get_summary (mapping), "login answer → token, "));

  {
    const char *secrets[] = { PASSWORD, auth->access_token, auth->refresh_token, NULL };

    assert_nowhere (f, secrets);
  }

  /* A protected call with the token: its Authorization keeps the scheme and
   * the token's fingerprint.
   */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
    g_autoptr(JsonNode) answer = NULL;
    g_autoptr(AuthflowUser) me = NULL;
    g_autoptr(GPtrArray) now = NULL;
    const char *secrets[] = { PASSWORD, auth->access_token, auth->refresh_token, NULL };

    g_hash_table_insert (values, (gpointer) "access_token", auth->access_token);
    authflow_client_run_async (f->client, AUTHFLOW_PROFILE_CALL_ME, values, NULL,
                               authflow_test_got_result_cb, &result);
    AWAIT (result);
    answer = authflow_client_run_finish (f->client, result, &error);
    g_assert_no_error (error);
    me = authflow_client_map_user (f->client, AUTHFLOW_PROFILE_CALL_ME, answer, &error);
    g_assert_no_error (error);

    now = entries_of (f, AUTHFLOW_JOURNAL_HTTP);
    g_assert_cmpuint (now->len, ==, 2);
    details = assert_exchange (g_ptr_array_index (now, 1), "me", "GET", "/auth/me", "complete");
    bearer = g_strconcat ("Bearer ", token_fingerprint, NULL);
    g_assert_cmpstr (header_value (object_at (details, "request", NULL), "Authorization"), ==, bearer);
    /* The same connection again: no connect. */
    g_assert_cmpfloat (json_object_get_double_member (object_at (details, "timings", NULL), "connectMs"), ==, 0);

    g_clear_pointer (&now, g_ptr_array_unref);
    now = entries_of (f, AUTHFLOW_JOURNAL_MAPPING);
    g_assert_cmpuint (now->len, ==, 2);
    mapping = g_ptr_array_index (now, 1);
    g_assert_cmpint (authflow_journal_entry_get_step (mapping), ==, AUTHFLOW_JOURNAL_STEP_UPDATE_USER);
    details = authflow_journal_entry_get_details (mapping);
    g_assert_cmpstr (json_object_get_string_member (details, "call"), ==, "me");
    property = object_at (details, "properties", "token", NULL);
    g_assert_true (g_str_has_prefix (json_object_get_string_member (property, "missing"), "not read"));
    g_assert_cmpstr (json_object_get_string_member (object_at (details, "user", "value", NULL), "username"),
                     ==, "emilys");
    g_assert_true (g_str_has_prefix (authflow_journal_entry_get_summary (mapping), "me answer → user ("));

    assert_nowhere (f, secrets);
  }
}

static void
test_sign_up (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) exchanges = NULL;
  g_autoptr(GPtrArray) mappings = NULL;
  JsonObject *details;
  const char *password = "a new password, spaces & all";

  authflow_client_sign_up_async (f->client, "newcomer", "newcomer@example.com", password,
                                 "New", NULL, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  auth = authflow_client_sign_up_finish (f->client, result, &error);
  g_assert_no_error (error);

  exchanges = entries_of (f, AUTHFLOW_JOURNAL_HTTP);
  mappings = entries_of (f, AUTHFLOW_JOURNAL_MAPPING);
  g_assert_cmpuint (exchanges->len, ==, 1);
  g_assert_cmpuint (mappings->len, ==, 1);

  details = assert_exchange (g_ptr_array_index (exchanges, 0), "signup", "POST", "/auth/signup", "complete");
  g_assert_cmpint (json_object_get_int_member (object_at (details, "response", NULL), "status"), ==, 201);
  g_assert_nonnull (strstr (json_object_get_string_member (object_at (details, "request", "body", NULL), "text"),
                            "\"password\":\"[redacted]\""));
  g_assert_cmpint (authflow_journal_entry_get_step (g_ptr_array_index (mappings, 0)), ==,
                   AUTHFLOW_JOURNAL_STEP_LOG_IN);

  {
    const char *secrets[] = { password, "spaces & all", auth->access_token, auth->refresh_token, NULL };

    assert_nowhere (f, secrets);
  }
}

/* A wrong password: the answer is complete, and says no. No mapping. */
static void
test_login_refused (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *details;
  const char *secrets[] = { "not-the-password", NULL };

  log_in (f, "emilys", "not-the-password", &auth, &error);
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_REJECTED);

  g_assert_cmpuint (n_entries (f), ==, 1);
  details = assert_exchange (entry_at (f, 0), "login", "POST", "/auth/login", "complete");
  g_assert_cmpint (json_object_get_int_member (object_at (details, "response", NULL), "status"), ==, 400);
  g_assert_cmpstr (json_object_get_string_member (details, "error"), ==, error->message);
  assert_nowhere (f, secrets);
}

/* The refresh: the refresh token sent and both new tokens as fingerprints;
 * the mapping is "Update Authenticated User" and keeps the stored user.
 */
static void
test_refresh (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(AuthflowAuthResult) renewed = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) mappings = NULL;
  g_autofree char *sent_fingerprint = NULL;
  AuthflowJournalEntry *exchange;
  AuthflowJournalEntry *mapping;
  JsonObject *details;
  JsonObject *properties;
  JsonObject *user;

  log_in (f, "emilys", PASSWORD, &auth, &error);
  g_assert_no_error (error);

  authflow_client_refresh_async (f->client, auth->refresh_token, NULL, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  renewed = authflow_client_refresh_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (renewed->refresh_token);
  g_assert_cmpstr (renewed->refresh_token, !=, auth->refresh_token);

  g_assert_cmpuint (n_entries (f), ==, 4);
  exchange = entry_at (f, 2);
  mapping = entry_at (f, 3);

  details = assert_exchange (exchange, "refresh", "POST", "/auth/refresh", "complete");
  sent_fingerprint = authflow_journal_fingerprint (auth->refresh_token);
  g_assert_nonnull (strstr (json_object_get_string_member (object_at (details, "request", "body", NULL), "text"),
                            sent_fingerprint));

  g_assert_cmpint (authflow_journal_entry_get_kind (mapping), ==, AUTHFLOW_JOURNAL_MAPPING);
  g_assert_cmpint (authflow_journal_entry_get_step (mapping), ==, AUTHFLOW_JOURNAL_STEP_UPDATE_USER);
  details = authflow_journal_entry_get_details (mapping);
  g_assert_cmpstr (json_object_get_string_member (details, "call"), ==, "refresh");
  properties = object_at (details, "properties", NULL);
  {
    g_autofree char *renewed_fingerprint = authflow_journal_fingerprint (renewed->access_token);

    g_assert_cmpstr (json_object_get_string_member (object_at (properties, "token", "value", NULL), "fingerprint"),
                     ==, renewed_fingerprint);
  }
  g_assert_cmpstr (json_object_get_string_member (object_at (properties, "expiry", NULL), "source"), ==, "jwt");
  g_assert_true (json_object_has_member (object_at (properties, "uid", NULL), "missing"));
  user = object_at (details, "user", NULL);
  g_assert_true (json_object_get_null_member (user, "path") || json_object_has_member (user, "path"));
  g_assert_cmpstr (json_object_get_string_member (user, "missing"), ==, "the profile maps no user for this call");

  mappings = entries_of (f, AUTHFLOW_JOURNAL_MAPPING);
  g_assert_cmpuint (mappings->len, ==, 2);

  {
    const char *secrets[] = { PASSWORD, auth->access_token, auth->refresh_token,
                              renewed->access_token, renewed->refresh_token, NULL };

    assert_nowhere (f, secrets);
  }
}

/* A 401 on "me", and the retry after a renewal marked as such. */
static void
test_me_unauthorized (Fixture       *f,
                      gconstpointer  data)
{
  const char *token = "a-made-up-token-that-the-server-does-not-know";
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) retry_result = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bearer = NULL;
  g_autofree char *fingerprint = authflow_journal_fingerprint (token);
  JsonObject *details;
  const char *secrets[] = { token, NULL };

  g_hash_table_insert (values, (gpointer) "access_token", (gpointer) token);
  authflow_client_run_async (f->client, AUTHFLOW_PROFILE_CALL_ME, values, NULL,
                             authflow_test_got_result_cb, &result);
  AWAIT (result);
  answer = authflow_test_object_of (authflow_client_run_finish (f->client, result, &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_UNAUTHORIZED);

  g_assert_cmpuint (n_entries (f), ==, 1);
  details = assert_exchange (entry_at (f, 0), "me", "GET", "/auth/me", "complete");
  g_assert_false (json_object_get_boolean_member (details, "retry"));
  g_assert_cmpint (json_object_get_int_member (object_at (details, "response", NULL), "status"), ==, 401);
  g_assert_cmpstr (json_object_get_string_member (details, "error"), ==, error->message);
  g_assert_true (g_str_has_prefix (authflow_journal_entry_get_summary (entry_at (f, 0)),
                                   "GET /auth/me → 401 Unauthorized ("));
  bearer = g_strconcat ("Bearer ", fingerprint, NULL);
  g_assert_cmpstr (header_value (object_at (details, "request", NULL), "Authorization"), ==, bearer);
  g_clear_error (&error);

  /* The flow sends the call once more after a renewal. */
  authflow_client_begin_retry (f->client);
  authflow_client_run_async (f->client, AUTHFLOW_PROFILE_CALL_ME, values, NULL,
                             authflow_test_got_result_cb, &retry_result);
  authflow_client_end_retry (f->client);
  AWAIT (retry_result);
  g_clear_pointer (&answer, json_object_unref);
  answer = authflow_test_object_of (authflow_client_run_finish (f->client, retry_result, &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_UNAUTHORIZED);

  g_assert_cmpuint (n_entries (f), ==, 2);
  details = assert_exchange (entry_at (f, 1), "me", "GET", "/auth/me", "complete");
  g_assert_true (json_object_get_boolean_member (details, "retry"));

  assert_nowhere (f, secrets);
}

/* Nobody listens: an exchange with the error the person sees and no
 * response.
 */
static void
test_could_not_connect (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autoptr(AuthflowClient) client = NULL;
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowJournalEntry) entry = NULL;
  g_autofree char *url = NULL;
  JsonObject *details;
  JsonObject *timings;
  guint port;

  /* A port that was free a moment ago, and that nobody listens on. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  url = g_strdup_printf ("http://127.0.0.1:%u", port);
  client = authflow_client_new (url);
  authflow_client_set_journal (client, journal);

  authflow_client_log_in_async (client, "emilys", PASSWORD, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  auth = authflow_client_log_in_finish (client, result, &error);
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK);

  g_assert_cmpuint (g_list_model_get_n_items (authflow_journal_get_entries (journal)), ==, 1);
  entry = g_list_model_get_item (authflow_journal_get_entries (journal), 0);
  details = assert_exchange (entry, "login", "POST", "/auth/login", "failed");
  g_assert_false (json_object_has_member (details, "response"));
  g_assert_cmpstr (json_object_get_string_member (details, "error"), ==, error->message);
  g_assert_true (g_str_has_prefix (authflow_journal_entry_get_summary (entry),
                                   "POST /auth/login → could not connect ("));
  timings = object_at (details, "timings", NULL);
  g_assert_cmpfloat (json_object_get_double_member (timings, "firstByteMs"), ==, -1);
  g_assert_nonnull (strstr (json_object_get_string_member (object_at (details, "request", "body", NULL), "text"),
                            "\"password\":\"[redacted]\""));
  /* No answer, so no server clock either. */
  g_assert_null (authflow_journal_entry_get_server_time (entry));
}

/* An answer without a refresh token, its expiry in seconds. */
static void
test_answer_without_refresh_token (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *details;
  JsonObject *properties;
  JsonObject *user;

  log_in (f, "emilys", PASSWORD, &auth, &error);
  g_assert_no_error (error);
  g_assert_cmpint (auth->expiry_source, ==, AUTHFLOW_EXPIRY_SOURCE_ANSWER);

  g_assert_cmpuint (n_entries (f), ==, 2);
  details = authflow_journal_entry_get_details (entry_at (f, 1));
  properties = object_at (details, "properties", NULL);
  g_assert_cmpstr (json_object_get_string_member (object_at (properties, "refreshToken", NULL), "path"), ==,
                   "$.refreshToken");
  g_assert_cmpstr (json_object_get_string_member (object_at (properties, "refreshToken", NULL), "missing"), ==,
                   "no field at $.refreshToken");
  g_assert_cmpstr (json_object_get_string_member (object_at (properties, "expiry", NULL), "path"), ==,
                   "$.expires_in");
  g_assert_cmpstr (json_object_get_string_member (object_at (properties, "expiry", NULL), "source"), ==,
                   "answer");
  g_assert_cmpstr (json_object_get_string_member (object_at (properties, "uid", NULL), "value"), ==, "5");

  user = object_at (details, "user", NULL);
  g_assert_false (json_object_has_member (user, "source"));
  g_assert_cmpstr (json_object_get_string_member (object_at (user, "value", NULL), "username"), ==, "emilys");
  g_assert_cmpstr (authflow_journal_entry_get_summary (entry_at (f, 1)), ==,
                   "login answer → token, no refresh token, expiry (answer), uid, user (3 fields)");

  {
    const char *secrets[] = { PASSWORD, f->access_token, NULL };

    assert_nowhere (f, secrets);
  }
}

/* An answer with the access token only: the expiry from its claims, and
 * the user as typed.
 */
static void
test_tokens_only (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *details;
  JsonObject *properties;
  JsonObject *user;

  log_in (f, "emilys", PASSWORD, &auth, &error);
  g_assert_no_error (error);
  g_assert_cmpint (auth->expiry_source, ==, AUTHFLOW_EXPIRY_SOURCE_JWT);

  details = authflow_journal_entry_get_details (entry_at (f, 1));
  properties = object_at (details, "properties", NULL);
  g_assert_cmpstr (json_object_get_string_member (object_at (properties, "expiry", NULL), "source"), ==, "jwt");
  g_assert_cmpstr (json_object_get_string_member (object_at (properties, "uid", NULL), "missing"), ==,
                   "no field at $.id");

  user = object_at (details, "user", NULL);
  g_assert_cmpstr (json_object_get_string_member (user, "source"), ==, "typed");
  g_assert_cmpstr (json_object_get_string_member (user, "note"), ==, "nothing but the tokens at $");
  g_assert_cmpstr (json_object_get_string_member (object_at (user, "value", NULL), "username"), ==, "emilys");
  g_assert_cmpstr (authflow_journal_entry_get_summary (entry_at (f, 1)), ==,
                   "login answer → token, no refresh token, expiry (jwt), no uid, user (1 fields)");
}

/* A large answer is cut in the exchange and in the mapping's user, and
 * a token that it holds under a name the redaction does not know is still
 * kept as its fingerprint.
 */
static void
test_large_answer (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *body;
  JsonObject *user;

  log_in (f, "emilys", PASSWORD, &auth, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (n_entries (f), ==, 2);
  g_test_message ("The answer was read %" G_GINT64_FORMAT " us after its exchange ended",
                  authflow_journal_entry_get_monotonic (entry_at (f, 1)) -
                  authflow_journal_entry_get_monotonic (entry_at (f, 0)));
  body = object_at (authflow_journal_entry_get_details (entry_at (f, 0)), "response", "body", NULL);
  g_assert_cmpint (json_object_get_int_member (body, "size"), >, 600 * 1024);
  g_assert_cmpint (json_object_get_int_member (body, "truncated"), >, 500 * 1024);
  g_assert_cmpuint (strlen (json_object_get_string_member (body, "text")), <=, AUTHFLOW_JOURNAL_MAX_BODY_SIZE + 1024);

  user = object_at (authflow_journal_entry_get_details (entry_at (f, 1)), "user", NULL);
  g_assert_true (json_object_get_boolean_member (user, "truncated"));
  g_assert_cmpstr (json_object_get_string_member (object_at (user, "value", NULL), "bio"), ==, "[too long to keep]");

  for (guint i = 0; i < n_entries (f); i++)
    {
      g_autofree char *line = authflow_journal_entry_to_line (entry_at (f, i));

      g_assert_cmpuint (strlen (line), <, 4 * AUTHFLOW_JOURNAL_MAX_BODY_SIZE);
    }

  {
    const char *secrets[] = { PASSWORD, f->access_token, "opaque-refresh-large", NULL };

    assert_nowhere (f, secrets);
  }
}

/* Each redirect hop is an exchange of its own. */
static void
test_redirect (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *details;

  authflow_client_call_async (f->client, "GET", "/start", "generic-token-value", NULL, NULL,
                              authflow_test_got_result_cb, &result);
  AWAIT (result);
  answer = authflow_test_object_of (authflow_client_call_finish (f->client, result, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (n_entries (f), ==, 2);
  details = assert_exchange (entry_at (f, 0), NULL, "GET", "/start", "redirected");
  g_assert_cmpint (json_object_get_int_member (object_at (details, "response", NULL), "status"), ==, 307);
  g_assert_true (g_str_has_suffix (header_value (object_at (details, "response", NULL), "Location"), "/end"));
  details = assert_exchange (entry_at (f, 1), NULL, "GET", "/end", "complete");
  g_assert_cmpint (json_object_get_int_member (object_at (details, "response", NULL), "status"), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (object_at (details, "response", "body", NULL), "text"), ==,
                   "{\"ok\": true}");

  {
    const char *secrets[] = { "generic-token-value", NULL };

    assert_nowhere (f, secrets);
  }
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);

  return G_SOURCE_REMOVE;
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *details;

  authflow_client_log_in_async (f->client, "emilys", PASSWORD, cancellable,
                                authflow_test_got_result_cb, &result);
  g_timeout_add (200, cancel_cb, cancellable);
  AWAIT (result);
  auth = authflow_client_log_in_finish (f->client, result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_assert_cmpuint (n_entries (f), ==, 1);
  details = assert_exchange (entry_at (f, 0), "login", "POST", "/auth/login", "cancelled");
  g_assert_false (json_object_has_member (details, "response"));
  g_assert_true (g_str_has_prefix (authflow_journal_entry_get_summary (entry_at (f, 0)),
                                   "POST /auth/login → cancelled ("));
  g_assert_cmpint (authflow_journal_entry_get_duration (entry_at (f, 0)), >=, 150 * 1000);
}

/* The server's clock, an hour ahead, is each entry's serverTime. */
static void
test_clock_offset (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  AuthflowJournalEntry *entry;
  GTimeSpan offset;

  authflow_client_call_async (f->client, "GET", "/clock", NULL, NULL, NULL,
                              authflow_test_got_result_cb, &result);
  AWAIT (result);
  answer = authflow_test_object_of (authflow_client_call_finish (f->client, result, &error));
  g_assert_no_error (error);

  entry = entry_at (f, 0);
  g_assert_nonnull (authflow_journal_entry_get_server_time (entry));
  offset = g_date_time_difference (authflow_journal_entry_get_server_time (entry),
                                   authflow_journal_entry_get_time (entry));
  g_assert_cmpint (offset, >, (gint64) 3590 * G_USEC_PER_SEC);
  g_assert_cmpint (offset, <, (gint64) 3610 * G_USEC_PER_SEC);

  /* A journal given later knows the clock at once. */
  {
    g_autoptr(AuthflowJournal) later = authflow_journal_new ();
    AuthflowJournalEntry *made;

    authflow_client_set_journal (f->client, later);
    made = authflow_journal_record (later, AUTHFLOW_JOURNAL_TOKEN, "expiry", AUTHFLOW_JOURNAL_STEP_NONE,
                                    -1, NULL, "test");
    g_assert_nonnull (authflow_journal_entry_get_server_time (made));
    authflow_client_set_journal (f->client, f->journal);
  }
}

#define ADD_REFERENCE(path, func) \
  g_test_add (path, Fixture, NULL, set_up_reference, func, tear_down)
#define ADD_STANDIN(path, mode, func) \
  g_test_add (path, Fixture, mode, set_up_standin, func, tear_down)

int
main (int   argc,
      char *argv[])
{
  debug_log = g_string_new (NULL);
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  g_test_init (&argc, &argv, NULL);
  default_log_func = g_log_set_default_handler (keep_log_cb, NULL);

  g_test_add_func ("/client-journal/properties", test_properties);
  ADD_REFERENCE ("/client-journal/login", test_login);
  ADD_REFERENCE ("/client-journal/login-refused", test_login_refused);
  ADD_REFERENCE ("/client-journal/sign-up", test_sign_up);
  ADD_REFERENCE ("/client-journal/refresh", test_refresh);
  ADD_REFERENCE ("/client-journal/me-unauthorized", test_me_unauthorized);
  g_test_add_func ("/client-journal/could-not-connect", test_could_not_connect);
  ADD_STANDIN ("/client-journal/answer-without-refresh-token", "expires-in", test_answer_without_refresh_token);
  ADD_STANDIN ("/client-journal/tokens-only", "tokens-only", test_tokens_only);
  ADD_STANDIN ("/client-journal/large-answer", "large", test_large_answer);
  ADD_STANDIN ("/client-journal/redirect", "redirect", test_redirect);
  ADD_STANDIN ("/client-journal/cancelled", "stall", test_cancelled);
  ADD_STANDIN ("/client-journal/clock-offset", "skewed-clock", test_clock_offset);

  return g_test_run ();
}
