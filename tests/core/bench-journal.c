// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "authflow-journal.h"
#include "authflow-trace.h"

/* What the journal costs, beside what it watches: the time to redact and
 * record one typical exchange (a login whose answer is about 1 KiB), with
 * nobody reading and with a trace writing to a file; the memory of a full
 * journal; and, for scale, one real HTTP exchange with a SoupServer on
 * 127.0.0.1 in this process. It prints figures and asserts nothing (the
 * tests check behaviour). Run it with build-aux/bench-journal.
 */

#define PASSWORD "emilyspass-and-more"
#define REFRESH_TOKEN "rt_9f8e7d6c5b4a39281706f5e4d3c2b1a0aa55"

static char *login_request;
static char *login_answer;
static char *access_token;

static char *
base64url (const char *text)
{
  char *encoded = g_base64_encode ((const guchar *) text, strlen (text));
  char *in;
  char *out;

  for (in = out = encoded; *in != '\0'; in++)
    {
      if (*in == '=')
        continue;
      *out++ = *in == '+' ? '-' : *in == '/' ? '_' : *in;
    }
  *out = '\0';

  return encoded;
}

/* dummyjson's answer to a login, padded to about 1 KiB. */
static void
make_bodies (void)
{
  g_autofree char *header = base64url ("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  g_autofree char *claims = base64url ("{\"id\":1,\"username\":\"emilys\",\"email\":\"emily.johnson@x.dummyjson.com\","
                                       "\"firstName\":\"Emily\",\"lastName\":\"Johnson\",\"gender\":\"female\","
                                       "\"image\":\"https://dummyjson.com/icon/emilys/128\","
                                       "\"iat\":1700000000,\"exp\":1700001800}");

  access_token = g_strconcat (header, ".", claims, ".", "Xb1hGmTkwKQMjdUxpWyNs4qTzcV9AVf7LhUr1x0kQpE", NULL);
  login_request = g_strdup ("{\"username\":\"emilys\",\"password\":\"" PASSWORD "\",\"expiresInMins\":30}");
  login_answer = g_strdup_printf ("{\"id\":1,\"username\":\"emilys\",\"email\":\"emily.johnson@x.dummyjson.com\","
                                  "\"firstName\":\"Emily\",\"lastName\":\"Johnson\",\"maidenName\":\"Smith\","
                                  "\"gender\":\"female\",\"image\":\"https://dummyjson.com/icon/emilys/128\","
                                  "\"phone\":\"+81 965-431-3024\",\"birthDate\":\"1996-5-30\","
                                  "\"address\":{\"address\":\"626 Main Street\",\"city\":\"Phoenix\","
                                  "\"state\":\"Mississippi\",\"postalCode\":\"29112\",\"country\":\"United States\"},"
                                  "\"university\":\"University of Wisconsin--Madison\",\"ip\":\"42.48.100.32\","
                                  "\"company\":{\"department\":\"Engineering\",\"name\":\"Dooley, Kozey and Cronin\","
                                  "\"title\":\"Sales Manager\"},\"role\":\"admin\","
                                  "\"accessToken\":\"%s\",\"refreshToken\":\"%s\"}",
                                  access_token, REFRESH_TOKEN);
}

static JsonArray *
headers (const char * const *pairs,
         const char * const *tokens,
         const char * const *passwords)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; pairs[i] != NULL; i += 2)
    {
      JsonObject *header = json_object_new ();
      g_autofree char *value = authflow_journal_redact_text (pairs[i + 1], tokens, passwords);

      json_object_set_string_member (header, "name", pairs[i]);
      json_object_set_string_member (header, "value", value);
      json_array_add_object_element (array, header);
    }

  return array;
}

/* One login exchange, redacted and recorded the way the client does it. */
static void
record_login (AuthflowJournal *journal)
{
  const char *tokens[] = { access_token, REFRESH_TOKEN, NULL };
  const char *passwords[] = { PASSWORD, NULL };
  const char *request_headers[] = { "Content-Type", "application/json", "Accept", "application/json", NULL };
  const char *response_headers[] = { "Content-Type", "application/json; charset=utf-8",
                                     "Date", "Tue, 14 Nov 2023 22:13:20 GMT",
                                     "Content-Length", "1024", NULL };
  g_autoptr(GBytes) request_body = g_bytes_new_static (login_request, strlen (login_request));
  g_autoptr(GBytes) response_body = g_bytes_new_static (login_answer, strlen (login_answer));
  g_autoptr(GDateTime) started = g_date_time_new_now_local ();
  g_autofree char *started_text = g_date_time_format_iso8601 (started);
  g_autofree char *url = authflow_journal_redact_text ("http://127.0.0.1:8080/auth/login", tokens, passwords);
  JsonObject *details = json_object_new ();
  JsonObject *request = json_object_new ();
  JsonObject *response = json_object_new ();
  JsonObject *timings = json_object_new ();

  json_object_set_string_member (details, "call", "login");
  json_object_set_boolean_member (details, "retry", FALSE);
  json_object_set_string_member (details, "startedDateTime", started_text);
  json_object_set_string_member (request, "method", "POST");
  json_object_set_string_member (request, "url", url);
  json_object_set_string_member (request, "httpVersion", "HTTP/1.1");
  json_object_set_array_member (request, "headers", headers (request_headers, tokens, passwords));
  json_object_set_object_member (request, "body",
                                 authflow_journal_describe_body (request_body, "application/json",
                                                                 tokens, passwords));
  json_object_set_object_member (details, "request", request);
  json_object_set_int_member (response, "status", 200);
  json_object_set_string_member (response, "statusText", "OK");
  json_object_set_string_member (response, "httpVersion", "HTTP/1.1");
  json_object_set_array_member (response, "headers", headers (response_headers, tokens, passwords));
  json_object_set_object_member (response, "body",
                                 authflow_journal_describe_body (response_body, "application/json; charset=utf-8",
                                                                 tokens, passwords));
  json_object_set_object_member (details, "response", response);
  json_object_set_double_member (timings, "connectMs", 0);
  json_object_set_double_member (timings, "firstByteMs", 0.21);
  json_object_set_double_member (timings, "totalMs", 0.25);
  json_object_set_object_member (details, "timings", timings);

  authflow_journal_record (journal, AUTHFLOW_JOURNAL_HTTP, "exchange", AUTHFLOW_JOURNAL_STEP_API_CALL,
                           250, details, "POST /auth/login → 200 OK");
}

static void
record_state (AuthflowJournal *journal)
{
  JsonObject *details = json_object_new ();

  json_object_set_string_member (details, "from", "signed-out");
  json_object_set_string_member (details, "to", "signed-in");
  json_object_set_string_member (details, "reason", "login");
  authflow_journal_record (journal, AUTHFLOW_JOURNAL_SESSION, "state", AUTHFLOW_JOURNAL_STEP_LOG_IN,
                           -1, details, "signed-out → signed-in");
}

static gint64
vm_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "\nVmRSS:")) == NULL)
    return -1;

  return g_ascii_strtoll (line + strlen ("\nVmRSS:"), NULL, 10);
}

/* The loopback server, on a thread of its own as a backend would be. */
typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  GUri         *uri;
  GMutex        mutex;
  GCond         cond;
} Loopback;

static void
login_cb (SoupServer        *server,
          SoupServerMessage *message,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json; charset=utf-8",
                                    SOUP_MEMORY_STATIC, login_answer, strlen (login_answer));
}

static gpointer
server_thread (gpointer data)
{
  Loopback *loopback = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (loopback->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/auth/login", login_cb, NULL, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("Could not listen on 127.0.0.1: %s", error->message);
  uris = soup_server_get_uris (server);

  g_mutex_lock (&loopback->mutex);
  loopback->uri = g_uri_ref (uris->data);
  g_cond_signal (&loopback->cond);
  g_mutex_unlock (&loopback->mutex);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (loopback->loop);
  soup_server_disconnect (server);
  g_main_context_pop_thread_default (loopback->context);

  return NULL;
}

static void
got_result_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* µs per exchange: @method on /auth/login, @n times, after one to warm up. */
static double
bench_loopback (const char *method,
                guint       n)
{
  Loopback loopback = { NULL };
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GBytes) request = g_bytes_new_static (login_request, strlen (login_request));
  g_autoptr(GUri) login_uri = NULL;
  GThread *thread;
  gint64 start = 0;

  loopback.context = g_main_context_new ();
  loopback.loop = g_main_loop_new (loopback.context, FALSE);
  g_mutex_init (&loopback.mutex);
  g_cond_init (&loopback.cond);
  thread = g_thread_new ("loopback", server_thread, &loopback);
  g_mutex_lock (&loopback.mutex);
  while (loopback.uri == NULL)
    g_cond_wait (&loopback.cond, &loopback.mutex);
  g_mutex_unlock (&loopback.mutex);
  login_uri = g_uri_parse_relative (loopback.uri, "/auth/login", G_URI_FLAGS_NONE, NULL);

  /* As the app sends them, asynchronously from the main loop. libsoup
   * sends a POST on a new connection of its own (it could not safely send
   * it again if a reused one turned out closed); the rest reuse one.
   */
  for (guint i = 0; i <= n; i++)
    {
      g_autoptr(SoupMessage) message = soup_message_new_from_uri (method, login_uri);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GBytes) answer = NULL;
      g_autoptr(GError) error = NULL;

      if (i == 1)
        start = g_get_monotonic_time ();
      if (g_str_equal (method, "POST"))
        soup_message_set_request_body_from_bytes (message, "application/json", request);
      soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, got_result_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      answer = soup_session_send_and_read_finish (session, result, &error);
      if (answer == NULL || soup_message_get_status (message) != SOUP_STATUS_OK)
        g_error ("The loopback exchange failed: %s", error != NULL ? error->message : "not 200");
    }

  {
    double per = (double) (g_get_monotonic_time () - start) / n;

    g_main_loop_quit (loopback.loop);
    g_thread_join (thread);
    g_main_loop_unref (loopback.loop);
    g_main_context_unref (loopback.context);
    g_uri_unref (loopback.uri);
    g_mutex_clear (&loopback.mutex);
    g_cond_clear (&loopback.cond);

    return per;
  }
}

int
main (int   argc,
      char *argv[])
{
  guint n = 20000;
  double per_exchange;
  double per_state;
  double per_traced;
  double per_line;
  double per_flushed;
  double per_loopback;
  double per_reused;
  double per_describe_large;
  gint64 rss_before;
  guint kept = 0;
  gint64 rss_after;

  if (argc > 1)
    n = MAX (1, g_ascii_strtoull (argv[1], NULL, 10));

  make_bodies ();

  if (g_getenv ("MALLOC_CHECK_") != NULL || g_getenv ("MALLOC_PERTURB_") != NULL)
    g_printerr ("Note: MALLOC_CHECK_ or MALLOC_PERTURB_ is set, which slows every allocation; "
                "build-aux/bench-journal runs without them.\n");

#ifdef __OPTIMIZE__
  printf ("Optimised build. ");
#else
  printf ("Unoptimised build: the figures are about twice what a release build gives. ");
#endif
  printf ("%u exchanges per figure.\n", n);
  printf ("Typical exchange: a login, request %zu bytes, answer %zu bytes (2 tokens, 1 password to redact)\n\n",
          strlen (login_request), strlen (login_answer));

  /* Warm up: types, the first allocations. */
  {
    g_autoptr(AuthflowJournal) journal = authflow_journal_new ();

    for (guint i = 0; i < 20; i++)
      record_login (journal);
  }

  /* A full journal, first, before freed memory is there to reuse. */
  {
    g_autoptr(AuthflowJournal) journal = NULL;

    rss_before = vm_rss_kib ();
    journal = authflow_journal_new ();
    for (guint i = 0; i < AUTHFLOW_JOURNAL_MAX_ENTRIES; i++)
      record_login (journal);
    rss_after = vm_rss_kib ();
    kept = g_list_model_get_n_items (authflow_journal_get_entries (journal));
  }

  /* Nobody reading: the client redacts and records, that is all. Past
   * 4,000 entries the oldest go, as in a long session.
   */
  {
    g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
    gint64 start = g_get_monotonic_time ();

    for (guint i = 0; i < n; i++)
      record_login (journal);
    per_exchange = (double) (g_get_monotonic_time () - start) / n;

    start = g_get_monotonic_time ();
    for (guint i = 0; i < n; i++)
      record_state (journal);
    per_state = (double) (g_get_monotonic_time () - start) / n;
  }

  /* The trace's line for one exchange. */
  {
    g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
    g_autoptr(AuthflowJournalEntry) entry = NULL;
    gint64 start;

    record_login (journal);
    entry = g_list_model_get_item (authflow_journal_get_entries (journal), 0);
    start = g_get_monotonic_time ();
    for (guint i = 0; i < n; i++)
      g_free (authflow_journal_entry_to_line (entry));
    per_line = (double) (g_get_monotonic_time () - start) / n;
  }

  /* With a trace writing to a file: the main thread's share (the line
   * made and queued), and the whole until all is written.
   */
  {
    g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp ("authflow-bench-XXXXXX", &error);
    g_autofree char *path = NULL;
    g_autoptr(AuthflowTrace) trace = NULL;
    gint64 start;
    GStatBuf st;

    if (dir == NULL)
      g_error ("%s", error->message);
    path = g_build_filename (dir, "trace.jsonl", NULL);
    trace = authflow_trace_new (journal, path, &error);
    if (trace == NULL)
      g_error ("%s", error->message);

    start = g_get_monotonic_time ();
    for (guint i = 0; i < n; i++)
      record_login (journal);
    per_traced = (double) (g_get_monotonic_time () - start) / n;
    authflow_trace_close (trace);
    per_flushed = (double) (g_get_monotonic_time () - start) / n;

    g_stat (path, &st);
    printf ("Trace written: %u lines, %.1f MiB\n\n", n, st.st_size / (1024.0 * 1024.0));
    g_unlink (path);
    g_rmdir (dir);
  }

  /* The worst body the client hands over: its 1 MiB cap. */
  {
    g_autoptr(GString) big = g_string_new ("{\"items\":[");
    g_autoptr(GBytes) bytes = NULL;
    const char *passwords[] = { PASSWORD, NULL };
    guint rounds = 200;
    gint64 start;

    while (big->len < 1024 * 1024 - 64)
      g_string_append (big, "{\"id\":12345,\"name\":\"an item\",\"password\":\"x\"},");
    g_string_append (big, "{}]}");
    bytes = g_bytes_new (big->str, big->len);

    start = g_get_monotonic_time ();
    for (guint i = 0; i < rounds; i++)
      json_object_unref (authflow_journal_describe_body (bytes, "application/json", NULL, passwords));
    per_describe_large = (double) (g_get_monotonic_time () - start) / rounds;
  }

  per_loopback = bench_loopback ("POST", MIN (n, 2000));
  per_reused = bench_loopback ("GET", MIN (n, 2000));

  printf ("%-58s %10s\n", "", "µs each");
  printf ("%-58s %10.2f\n", "record an exchange (describe 2 bodies, 5 headers, record)", per_exchange);
  printf ("%-58s %10.2f\n", "record a state change (no body)", per_state);
  printf ("%-58s %10.2f\n", "make the trace's line for an exchange", per_line);
  printf ("%-58s %10.2f\n", "record an exchange, trace to a file: main thread", per_traced);
  printf ("%-58s %10.2f\n", "record an exchange, trace to a file: until written", per_flushed);
  printf ("%-58s %10.2f\n", "describe a 1 MiB JSON body (kept: 16 KiB)", per_describe_large);
  printf ("%-58s %10.2f\n", "loopback HTTP: POST /auth/login (new connection)", per_loopback);
  printf ("%-58s %10.2f\n", "loopback HTTP: GET, same answer (reused connection)", per_reused);
  printf ("\n");
  printf ("recording an exchange is %.1f %% of a loopback login, %.1f %% of a loopback GET;\n",
          100 * per_exchange / per_loopback, 100 * per_exchange / per_reused);
  printf ("with a trace, %.1f %% and %.1f %%\n",
          100 * per_traced / per_loopback, 100 * per_traced / per_reused);
  if (rss_before >= 0 && rss_after >= 0)
    printf ("a full journal (%d typical exchanges recorded, %u kept): %.1f MiB resident, %.2f KiB each kept\n",
            AUTHFLOW_JOURNAL_MAX_ENTRIES, kept, (rss_after - rss_before) / 1024.0,
            (double) (rss_after - rss_before) / MAX (kept, 1));

  return 0;
}
