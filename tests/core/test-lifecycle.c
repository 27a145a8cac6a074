// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>
#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "authflow-flow.h"
#include "authflow-server.h"
#include "authflow-test-core.h"
#include "authflow-test-utils.h"

/* The token lifecycle: where the expiry comes from, the server's clock,
 * renewal ahead of expiry, clock jumps, one shared refresh for many 401s,
 * a refresh the server refuses, an unreachable server and the start-up of
 * a stored session.
 *
 * The backends are real: the reference server in this process where a test
 * reads its refresh counter or changes the lifetime of the tokens it issues,
 * the server binary where a test stops and restarts it. In front of the
 * in-process server sits a relay that counts the refresh requests and can
 * hold answers back, as a slow network would. A small SoupServer written
 * here stands in only for answers the reference server never gives (expiry
 * fields, a clock that is off). The keyring is the real gnome-keyring of the
 * test's private session. Every test has a backend on a fresh port, and so
 * a keyring item of its own.
 */

#define EXPIRED_MESSAGE "Your session has expired. Please log in again."
#define AWAIT(res) g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 30000, (res) != NULL))

typedef struct
{
  /* One backend: the reference server in process or as a binary, or the
   * stand-in.
   */
  AuthflowServer       *server;
  char                 *server_dir;
  AuthflowTestServer   *binary;
  SoupServer           *fake;
  char                 *url;

  /* The relay in front of the in-process server: how long it holds the
   * refresh answers, and which GET (counting from 1) it holds for 1.5 s.
   */
  SoupServer           *relay;
  SoupSession          *relay_session;
  char                 *upstream_url;
  guint                 relay_pending;
  guint                 refresh_delay_ms;
  guint                 refresh_requests;
  guint                 get_requests;
  guint                 slow_get;

  /* What the stand-in answers to a login, and how far its clock is off. */
  JsonObject           *fake_login_answer;
  GTimeSpan             fake_skew;
  guint                 fake_other_requests;

  AuthflowClient       *client;
  AuthflowSessionStore *store;
  AuthflowFlow         *flow;
  AuthflowJournal      *journal;

  /* What the flow's wall clock adds to the real one. */
  GTimeSpan             shift;
} Fixture;

static gint64
shifted_time (gpointer user_data)
{
  Fixture *f = user_data;

  return g_get_real_time () + f->shift;
}

static void
make_app (Fixture *f)
{
  f->client = authflow_client_new (f->url);
  f->store = authflow_session_store_new (authflow_client_get_base_url (f->client));
  f->flow = authflow_flow_new (f->client, f->store);
  if (f->journal == NULL)
    f->journal = authflow_journal_new ();
  authflow_flow_set_journal (f->flow, f->journal);
}

/* The journal's entries of @kind and @event after sequence @after. */
static GPtrArray *
find_entries (Fixture             *f,
              guint64              after,
              AuthflowJournalKind  kind,
              const char          *event)
{
  GListModel *entries = authflow_journal_get_entries (f->journal);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (entries, i);

      if (authflow_journal_entry_get_sequence (entry) > after &&
          authflow_journal_entry_get_kind (entry) == kind &&
          g_str_equal (authflow_journal_entry_get_event (entry), event))
        g_ptr_array_add (found, g_object_ref (entry));
    }

  return found;
}

static guint64
last_sequence (Fixture *f)
{
  GListModel *entries = authflow_journal_get_entries (f->journal);
  guint n = g_list_model_get_n_items (entries);
  g_autoptr(AuthflowJournalEntry) last = n > 0 ? g_list_model_get_item (entries, n - 1) : NULL;

  return last != NULL ? authflow_journal_entry_get_sequence (last) : 0;
}

typedef struct
{
  Fixture           *f;
  SoupServerMessage *msg;
  SoupMessage       *upstream;
  guint              delay_ms;
} Forward;

static void
forward_free (Forward *forward)
{
  g_clear_object (&forward->msg);
  g_clear_object (&forward->upstream);
  g_free (forward);
}

static gboolean
forward_done_cb (gpointer user_data)
{
  Forward *forward = user_data;

  soup_server_message_unpause (forward->msg);
  forward->f->relay_pending--;
  forward_free (forward);

  return G_SOURCE_REMOVE;
}

static void
copy_header_cb (const char *name,
                const char *value,
                gpointer    user_data)
{
  SoupMessageHeaders *to = user_data;

  /* The relay's own connection and framing, not the server's. */
  if (g_ascii_strcasecmp (name, "Connection") == 0 ||
      g_ascii_strcasecmp (name, "Content-Length") == 0 ||
      g_ascii_strcasecmp (name, "Transfer-Encoding") == 0 ||
      g_ascii_strcasecmp (name, "Keep-Alive") == 0)
    return;

  soup_message_headers_replace (to, name, value);
}

static void
forward_answered_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Forward *forward = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (body == NULL)
    {
      soup_server_message_set_status (forward->msg, SOUP_STATUS_BAD_GATEWAY, NULL);
    }
  else
    {
      soup_server_message_set_status (forward->msg, soup_message_get_status (forward->upstream), NULL);
      soup_message_headers_foreach (soup_message_get_response_headers (forward->upstream), copy_header_cb,
                                    soup_server_message_get_response_headers (forward->msg));
      soup_message_body_append_bytes (soup_server_message_get_response_body (forward->msg), body);
    }

  if (forward->delay_ms > 0)
    g_timeout_add (forward->delay_ms, forward_done_cb, forward);
  else
    forward_done_cb (forward);
}

/* Passes every request on to the in-process server, and its answer back. */
static void
relay_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *url = g_strconcat (f->upstream_url, path, NULL);
  Forward *forward = g_new0 (Forward, 1);

  forward->f = f;
  forward->msg = g_object_ref (msg);
  forward->upstream = soup_message_new (method, url);

  if (g_str_equal (path, "/auth/refresh") && g_str_equal (method, "POST"))
    {
      f->refresh_requests++;
      forward->delay_ms = f->refresh_delay_ms;
    }
  else if (g_str_equal (method, "GET") && ++f->get_requests == f->slow_get)
    {
      forward->delay_ms = 1500;
    }

  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (forward->upstream),
                                  "Authorization", authorization);
  if (g_bytes_get_size (body) > 0)
    soup_message_set_request_body_from_bytes (forward->upstream, content_type, body);

  f->relay_pending++;
  soup_server_message_pause (msg);
  soup_session_send_and_read_async (f->relay_session, forward->upstream, G_PRIORITY_DEFAULT, NULL,
                                    forward_answered_cb, forward);
}

static char *
listen_local (SoupServer *server)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  char *url;

  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  /* Paths are appended to it, as to the server binary's URL. */
  if (g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';

  return url;
}

static void
fixture_set_up_in_process (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;

  f->server_dir = g_dir_make_tmp ("authflow-test-lifecycle-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (f->server_dir, "authflow.db", NULL);

  f->server = authflow_server_new (db_path, &error);
  g_assert_no_error (error);
  authflow_server_listen (f->server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  f->upstream_url = authflow_server_dup_url (f->server);

  f->relay = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->relay, NULL, relay_cb, f, NULL);
  /* As many connections as the app opens, so that the relay adds no
   * queue of its own.
   */
  f->relay_session = soup_session_new_with_options ("max-conns", 100, "max-conns-per-host", 100, NULL);
  f->url = listen_local (f->relay);

  make_app (f);
}

static void
fixture_set_up_binary (Fixture       *f,
                       gconstpointer  data)
{
  const char * const *args = data;
  g_autoptr(GError) error = NULL;

  f->binary = authflow_test_server_start (args, &error);
  g_assert_no_error (error);
  f->url = g_strdup (authflow_test_server_get_url (f->binary));

  make_app (f);
}

static void
fake_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *date = NULL;
  char *body;

  /* SoupServer writes its own Date before the handler runs; this one is
   * the stand-in's clock.
   */
  now = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC + f->fake_skew / G_USEC_PER_SEC);
  date = soup_date_time_to_string (now, SOUP_DATE_HTTP);
  soup_message_headers_replace (headers, "Date", date);

  if (g_str_equal (path, "/auth/login") &&
      g_str_equal (soup_server_message_get_method (msg), "POST") &&
      f->fake_login_answer != NULL)
    {
      root = json_node_init_object (json_node_alloc (), f->fake_login_answer);
      body = json_to_string (root, FALSE);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
      return;
    }

  f->fake_other_requests++;
  body = g_strdup ("{\"message\": \"Not found\"}");
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
fixture_set_up_fake (Fixture       *f,
                     gconstpointer  data)
{
  f->fake = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->fake, NULL, fake_cb, f, NULL);
  f->url = listen_local (f->fake);

  make_app (f);
}

/* The app quits: the flow stops, and what it wrote to the keyring stays. */
static void
quit_app (Fixture *f)
{
  authflow_test_finalize_flow (g_steal_pointer (&f->flow));
  g_assert_finalize_object (g_steal_pointer (&f->store));
  g_assert_finalize_object (g_steal_pointer (&f->client));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  authflow_test_finalize_flow (g_steal_pointer (&f->flow));

  /* Ports come back; an item left behind must not meet a later test. */
  authflow_test_clear_stored (f->store);

  g_assert_finalize_object (g_steal_pointer (&f->store));
  g_assert_finalize_object (g_steal_pointer (&f->client));
  g_clear_object (&f->journal);

  if (f->relay != NULL)
    {
      g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, f->relay_pending == 0));
      soup_server_disconnect (f->relay);
      g_clear_object (&f->relay);
      g_clear_object (&f->relay_session);
      g_clear_pointer (&f->upstream_url, g_free);
    }

  if (f->server != NULL)
    {
      authflow_server_close (f->server);
      g_clear_object (&f->server);
      authflow_test_remove_tree (f->server_dir);
      g_clear_pointer (&f->server_dir, g_free);
    }

  g_clear_pointer (&f->binary, authflow_test_server_free);

  if (f->fake != NULL)
    {
      soup_server_disconnect (f->fake);
      g_clear_object (&f->fake);
    }

  g_clear_pointer (&f->fake_login_answer, json_object_unref);
  g_clear_pointer (&f->url, g_free);
}

static gboolean
restore (AuthflowFlow  *flow,
         GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_restore_async (flow, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_flow_restore_finish (flow, result, error);
}

/* Starts the app on an empty keyring and logs Emily in. */
static void
log_in_emily (Fixture *f)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (restore (f->flow, &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);

  authflow_flow_log_in_async (f->flow, "emilys", "emilyspass", NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  g_assert_true (authflow_flow_log_in_finish (f->flow, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
}

/* What the next start of the app would find in the keyring, or %NULL. */
static AuthflowSession *
load_stored (AuthflowSessionStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowSession) session = NULL;
  char *stored;

  authflow_session_store_load_async (store, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  stored = authflow_session_store_load_finish (store, result, &error);
  g_assert_no_error (error);
  if (stored == NULL)
    return NULL;

  session = authflow_session_new ();
  authflow_session_restore (session, stored, &error);
  g_assert_no_error (error);
  secret_password_free (stored);

  return g_steal_pointer (&session);
}

static gboolean
is_stored (AuthflowSessionStore *store)
{
  g_autoptr(AuthflowSession) stored = load_stored (store);

  return stored != NULL;
}

static gboolean
stored_refresh_token_is (AuthflowSessionStore *store,
                         const char           *refresh_token)
{
  g_autoptr(AuthflowSession) stored = load_stored (store);

  return stored != NULL &&
         g_strcmp0 (authflow_session_get_refresh_token (stored), refresh_token) == 0;
}

/* A request from outside the app: another device with the same tokens, or
 * whoever stole them. Returns the status; the answer's JSON in @answer.
 */
static guint
outside_post (Fixture     *f,
              const char  *path,
              const char  *access_token,
              const char  *refresh_token,
              JsonObject **answer)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *json = NULL;

  url = g_strconcat (f->url, path, NULL);
  message = soup_message_new ("POST", url);
  if (access_token != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", access_token, NULL);

      soup_message_headers_append (soup_message_get_request_headers (message),
                                   "Authorization", authorization);
    }
  json = g_strdup_printf ("{\"refreshToken\": \"%s\"}", refresh_token);
  body = g_bytes_new (json, strlen (json));
  soup_message_set_request_body_from_bytes (message, "application/json", body);

  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL,
                                    authflow_test_got_result_cb, &result);
  AWAIT (result);
  bytes = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);

  if (answer != NULL)
    {
      json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      *answer = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
    }

  return soup_message_get_status (message);
}

static char *
dup_connect_problem (guint port)
{
  return g_strdup_printf ("Could not connect to the server at 127.0.0.1:%u. "
                          "Check that it is running and that you are online.",
                          port);
}

/* Waits until the reference server refuses a token that expires at
 * @expiry: its clock, in whole seconds, has reached it.
 */
static void
wait_past (GDateTime *expiry)
{
  gint64 until = g_date_time_to_unix (expiry) * G_USEC_PER_SEC + 100 * 1000;

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, g_get_real_time () > until));
}

/* An unsigned JWT: the app reads its claims, it cannot check a signature. */
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

static char *
make_jwt (gint64 iat,
          gint64 exp)
{
  g_autofree char *header = base64url ("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  g_autofree char *claims = NULL;
  g_autofree char *payload = NULL;

  claims = g_strdup_printf ("{\"sub\":\"1\",\"id\":1,\"username\":\"emilys\","
                            "\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                            iat, exp);
  payload = base64url (claims);

  return g_strconcat (header, ".", payload, ".c2lnbmF0dXJl", NULL);
}

/* A login answer shaped like dummyjson.com's, with @access_token. */
static JsonObject *
new_login_answer (const char *access_token)
{
  JsonObject *answer = json_object_new ();

  json_object_set_int_member (answer, "id", 1);
  json_object_set_string_member (answer, "username", "emilys");
  json_object_set_string_member (answer, "firstName", "Emily");
  json_object_set_string_member (answer, "accessToken", access_token);
  json_object_set_string_member (answer, "refreshToken", "opaque-refresh-token");

  return answer;
}

static GDateTime *
get_expiry (Fixture *f)
{
  GDateTime *expiry = authflow_session_get_expiry (authflow_flow_get_session (f->flow));

  g_assert_nonnull (expiry);

  return expiry;
}

/* Seconds from @a to @b, as a double for approximate comparisons. */
static double
seconds_between (GDateTime *a,
                 GDateTime *b)
{
  return (double) g_date_time_difference (b, a) / G_TIME_SPAN_SECOND;
}

static void
test_expiry_expires_in (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) expected = NULL;

  /* An opaque access token: the expiry can come from the field alone. */
  f->fake_login_answer = new_login_answer ("opaque-access-token");
  json_object_set_int_member (f->fake_login_answer, "expires_in", 1234);

  log_in_emily (f);

  /* The stand-in's clock is right, so server time is ours. */
  now = g_date_time_new_now_utc ();
  expected = g_date_time_add_seconds (now, 1234);
  g_assert_cmpfloat_with_epsilon (seconds_between (expected, get_expiry (f)), 0, 2);
}

static void
test_expiry_expires_at_epoch (Fixture       *f,
                              gconstpointer  data)
{
  gint64 expires_at = g_get_real_time () / G_USEC_PER_SEC + 5000;

  f->fake_login_answer = new_login_answer ("opaque-access-token");
  json_object_set_int_member (f->fake_login_answer, "expires_at", expires_at);

  log_in_emily (f);

  g_assert_cmpint (g_date_time_to_unix (get_expiry (f)), ==, expires_at);
}

static void
test_expiry_expires_at_iso8601 (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GDateTime) expected = g_date_time_new_utc (2031, 5, 6, 7, 8, 9);

  /* The offset must be applied: 09:08:09+02:00 is 07:08:09 UTC. */
  f->fake_login_answer = new_login_answer ("opaque-access-token");
  json_object_set_string_member (f->fake_login_answer, "expiresAt", "2031-05-06T09:08:09+02:00");

  log_in_emily (f);

  g_assert_cmpint (g_date_time_to_unix (get_expiry (f)), ==, g_date_time_to_unix (expected));
}

static void
test_expiry_jwt_exp (Fixture       *f,
                     gconstpointer  data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *jwt = make_jwt (now, now + 777);

  f->fake_login_answer = new_login_answer (jwt);

  log_in_emily (f);

  g_assert_cmpint (g_date_time_to_unix (get_expiry (f)), ==, now + 777);
}

static void
test_expiry_precedence (Fixture       *f,
                        gconstpointer  data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *jwt = make_jwt (now, now + 600);
  g_autoptr(GDateTime) utc_now = NULL;
  g_autoptr(GDateTime) expected = NULL;

  /* The token says 10 minutes, the answer half an hour: the answer wins. */
  f->fake_login_answer = new_login_answer (jwt);
  json_object_set_int_member (f->fake_login_answer, "expiresIn", 1800);

  log_in_emily (f);

  utc_now = g_date_time_new_now_utc ();
  expected = g_date_time_add_seconds (utc_now, 1800);
  g_assert_cmpfloat_with_epsilon (seconds_between (expected, get_expiry (f)), 0, 2);
}

static void
test_clock_skew (Fixture       *f,
                 gconstpointer  data)
{
  GTimeSpan skew = GPOINTER_TO_INT (data) * G_TIME_SPAN_SECOND;
  gint64 server_now = (g_get_real_time () + skew) / G_USEC_PER_SEC;
  g_autofree char *jwt = make_jwt (server_now, server_now + 600);
  g_autoptr(GDateTime) now = NULL;
  GDateTime *next_refresh;

  f->fake_skew = skew;
  f->fake_login_answer = new_login_answer (jwt);

  log_in_emily (f);

  g_assert_cmpfloat_with_epsilon ((double) authflow_client_get_clock_offset (f->client) / G_TIME_SPAN_SECOND,
                                  (double) skew / G_TIME_SPAN_SECOND, 2);

  /* Renewal is due a tenth of the lifetime (60 s) before expiry, counted
   * on the server's clock: 540 s from now. On the local clock it would be
   * 4140 s away, or overdue.
   */
  next_refresh = authflow_flow_get_next_refresh (f->flow);
  g_assert_nonnull (next_refresh);
  now = authflow_flow_dup_now (f->flow);
  g_assert_cmpfloat_with_epsilon (seconds_between (now, next_refresh), 540, 3);

  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 0);
  g_assert_cmpuint (f->fake_other_requests, ==, 0);
}

typedef struct
{
  GDateTime *when;
} RefreshSeen;

static void
refresh_seen_cb (AuthflowFlow *flow,
                 GParamSpec   *pspec,
                 RefreshSeen  *seen)
{
  if (seen->when == NULL)
    seen->when = authflow_flow_dup_now (flow);
}

static void
test_proactive_refresh (Fixture       *f,
                        gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GDateTime) old_expiry = NULL;
  g_autoptr(GDateTime) old_next_refresh = NULL;
  g_autofree char *old_access_token = NULL;
  g_autofree char *old_refresh_token = NULL;
  RefreshSeen seen = { NULL };

  authflow_server_set_access_ttl (f->server, 4);
  log_in_emily (f);

  old_expiry = g_date_time_ref (get_expiry (f));
  old_next_refresh = g_date_time_ref (authflow_flow_get_next_refresh (f->flow));
  old_access_token = g_strdup (authflow_session_get_access_token (session));
  old_refresh_token = g_strdup (authflow_session_get_refresh_token (session));
  g_assert_cmpfloat_with_epsilon (seconds_between (old_next_refresh, old_expiry), 0.4, 0.001);

  /* The renewed tokens live long, so that what follows holds still. */
  authflow_server_set_access_ttl (f->server, 3600);

  g_signal_connect (f->flow, "notify::refresh-count", G_CALLBACK (refresh_seen_cb), &seen);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, authflow_flow_get_refresh_count (f->flow) == 1));
  g_signal_handlers_disconnect_by_func (f->flow, refresh_seen_cb, &seen);

  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);
  g_assert_nonnull (seen.when);
  g_assert_cmpint (g_date_time_compare (seen.when, old_expiry), <, 0);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), !=, old_access_token);
  g_assert_cmpstr (authflow_session_get_refresh_token (session), !=, old_refresh_token);
  g_assert_cmpint (g_date_time_compare (authflow_flow_get_next_refresh (f->flow), old_next_refresh), >, 0);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000,
                                           stored_refresh_token_is (f->store, authflow_session_get_refresh_token (session))));

  g_date_time_unref (seen.when);
}

static void
test_clock_jump (Fixture       *f,
                 gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GDateTime) now = NULL;

  authflow_flow_set_time_func (f->flow, shifted_time, f);
  log_in_emily (f);

  /* An hour's token is renewed a minute before it expires. */
  g_assert_cmpint (g_date_time_difference (get_expiry (f), authflow_flow_get_next_refresh (f->flow)),
                   ==, 60 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 0);

  /* Two hours pass in a suspend. The server's clock cannot move with ours,
   * so it issues the next tokens for as long as a server whose clock had
   * moved would: two hours more than the usual one.
   */
  authflow_server_set_access_ttl (f->server, 3 * 3600);
  f->shift = 2 * 3600 * G_TIME_SPAN_SECOND;

  /* On resume the flow looks at the clock. The periodic look is 10 s after
   * the login, so a refresh within 5 s is this one's doing.
   */
  authflow_flow_check_schedule (f->flow);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 5000, authflow_flow_get_refresh_count (f->flow) == 1));
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);
  now = authflow_flow_dup_now (f->flow);
  g_assert_cmpint (g_date_time_compare (authflow_flow_get_next_refresh (f->flow), now), >, 0);

  /* Another two hours, and nobody tells the flow: its periodic look at the
   * wall clock, at least every 10 s, notices by itself.
   */
  authflow_server_set_access_ttl (f->server, 5 * 3600);
  f->shift = 4 * 3600 * G_TIME_SPAN_SECOND;
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 12000, authflow_flow_get_refresh_count (f->flow) == 2));
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 2);
  g_clear_pointer (&now, g_date_time_unref);
  now = authflow_flow_dup_now (f->flow);
  g_assert_cmpint (g_date_time_compare (authflow_flow_get_next_refresh (f->flow), now), >, 0);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
}

#define N_CALLS 50

static gboolean
all_in (GAsyncResult **results)
{
  for (guint i = 0; i < N_CALLS; i++)
    if (results[i] == NULL)
      return FALSE;

  return TRUE;
}

static void
test_concurrent_401 (Fixture       *f,
                     gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  GAsyncResult *results[N_CALLS] = { NULL, };
  g_autofree char *old_access_token = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autoptr(GPtrArray) waiting = NULL;
  g_autoptr(GPtrArray) finished = NULL;
  g_autoptr(GPtrArray) retries = NULL;
  guint64 mark;
  gint64 most = 0;

  authflow_server_set_access_ttl (f->server, 1);

  /* The flow's clock is an hour slow: the tokens look fresh to it, so it
   * renews them neither ahead of expiry nor before a call.
   */
  f->shift = -3600 * G_TIME_SPAN_SECOND;
  authflow_flow_set_time_func (f->flow, shifted_time, f);
  log_in_emily (f);
  old_access_token = g_strdup (authflow_session_get_access_token (session));

  /* Now the server refuses the access token. The renewed one lives long,
   * so that the retried calls do not race its expiry.
   */
  wait_past (get_expiry (f));
  authflow_server_set_access_ttl (f->server, 3600);

  /* The calls learn of their 401 while the refresh is in flight, and must
   * wait for it rather than start their own; the answer to the last one
   * is slow and comes once the new tokens are in, and that call must use
   * them rather than refresh again. The refresh itself is quick, or slow
   * as over a poor network.
   */
  f->refresh_delay_ms = GPOINTER_TO_UINT (data);
  f->slow_get = N_CALLS;
  mark = last_sequence (f);

  for (guint i = 0; i < N_CALLS; i++)
    authflow_flow_call_async (f->flow, "GET", "/auth/me", NULL, NULL, authflow_test_got_result_cb, &results[i]);

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 30000, all_in (results)));

  for (guint i = 0; i < N_CALLS; i++)
    {
      g_autoptr(JsonObject) user = NULL;
      g_autoptr(GError) error = NULL;

      user = authflow_test_object_of (authflow_flow_call_finish (f->flow, results[i], &error));
      g_assert_no_error (error);
      g_assert_cmpstr (json_object_get_string_member (user, "username"), ==, "emilys");
      g_assert_cmpint (json_object_get_int_member (user, "id"), ==, 1);
      g_clear_object (&results[i]);
    }

  /* One refresh served them all. */
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);
  g_assert_cmpuint (f->refresh_requests, ==, 1);
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 1);
  g_assert_cmpstr (authflow_session_get_access_token (session), !=, old_access_token);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000,
                                           stored_refresh_token_is (f->store, authflow_session_get_refresh_token (session))));

  /* And the journal says so: one refresh, started by a 401, that served
   * every call (those whose 401 came after it was done found the tokens
   * renewed), and one retry of each.
   */
  started = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "refresh-started");
  waiting = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "waiting");
  finished = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "refresh-finished");
  retries = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "retry");
  g_assert_cmpuint (started->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (started->pdata[0]), "trigger"),
                   ==, "401");
  g_assert_cmpuint (waiting->len, ==, N_CALLS);
  for (guint i = 0; i < waiting->len; i++)
    most = MAX (most, json_object_get_int_member (authflow_journal_entry_get_details (waiting->pdata[i]), "waiters"));
  g_assert_cmpint (most, ==, N_CALLS);
  g_assert_cmpuint (finished->len, ==, 1);
  g_assert_cmpint (json_object_get_int_member (authflow_journal_entry_get_details (finished->pdata[0]), "waiters"),
                   <=, N_CALLS);
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (finished->pdata[0]), "outcome"),
                   ==, "renewed");
  g_assert_cmpint (authflow_journal_entry_get_duration (finished->pdata[0]), >=, 0);
  g_assert_cmpuint (retries->len, ==, N_CALLS);
  g_assert_cmpuint (authflow_journal_entry_get_sequence (started->pdata[0]), <,
                    authflow_journal_entry_get_sequence (finished->pdata[0]));
  g_assert_cmpuint (authflow_journal_entry_get_sequence (finished->pdata[0]), <,
                    authflow_journal_entry_get_sequence (retries->pdata[0]));
}

/* Logs the session out from elsewhere: its refresh family is revoked, and
 * its access token refused from now on.
 */
static void
revoke_from_outside (Fixture    *f,
                     const char *access_token,
                     const char *refresh_token)
{
  g_autoptr(JsonObject) answer = NULL;

  g_assert_cmpuint (outside_post (f, "/auth/logout", access_token, refresh_token, &answer), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (answer, "message"), ==, "Logged out successfully");
}

/* What a person sees when the server has ended the session. */
static void
assert_session_ended (Fixture *f)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  g_assert_null (authflow_session_get_access_token (session));
  g_assert_cmpstr (authflow_flow_get_sign_out_reason (f->flow), ==, EXPIRED_MESSAGE);
  g_assert_cmpstr (authflow_flow_get_last_username (f->flow), ==, "emilys");
  g_assert_null (authflow_flow_get_next_refresh (f->flow));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, !is_stored (f->store)));
}

static void
test_refresh_rejected (Fixture       *f,
                       gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;

  log_in_emily (f);
  revoke_from_outside (f, authflow_session_get_access_token (session),
                       authflow_session_get_refresh_token (session));

  /* 401, then the refresh gets 403. */
  authflow_flow_call_async (f->flow, "GET", "/auth/me", NULL, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  answer = authflow_test_object_of (authflow_flow_call_finish (f->flow, result, &error));
  g_assert_null (answer);
  g_assert_error (error, AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_SESSION_EXPIRED);
  g_assert_cmpstr (error->message, ==, EXPIRED_MESSAGE);

  assert_session_ended (f);
  g_assert_cmpuint (f->refresh_requests, ==, 1);
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 0);
}

static void
test_reused_refresh_token (Fixture       *f,
                           gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(JsonObject) answer = NULL;
  const char *outside_refresh_token;

  authflow_flow_set_time_func (f->flow, shifted_time, f);
  log_in_emily (f);

  /* Someone else spends the refresh token the app holds. */
  g_assert_cmpuint (outside_post (f, "/auth/refresh", NULL,
                                  authflow_session_get_refresh_token (session), &answer), ==, 200);
  outside_refresh_token = json_object_get_string_member (answer, "refreshToken");
  g_assert_nonnull (outside_refresh_token);
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);

  /* The app wakes up two hours later and renews its tokens. */
  f->shift = 2 * 3600 * G_TIME_SPAN_SECOND;
  authflow_flow_check_schedule (f->flow);

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000,
                                           authflow_session_get_state (session) == AUTHFLOW_SESSION_STATE_SIGNED_OUT));
  assert_session_ended (f);

  /* One try by the app, refused, and no more. */
  authflow_test_wait (NULL, 2000);
  g_assert_cmpuint (f->refresh_requests, ==, 2);
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 0);

  /* The app's try was the reuse that revoked the family: the other
   * holder's new token is dead too.
   */
  g_assert_cmpuint (outside_post (f, "/auth/refresh", NULL, outside_refresh_token, NULL), ==, 403);
}

static void
test_stale_refresh (Fixture       *f,
                    gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GAsyncResult) logged_out = NULL;
  g_autoptr(GAsyncResult) logged_in = NULL;
  g_autoptr(GAsyncResult) called = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refresh_token = NULL;

  authflow_flow_set_time_func (f->flow, shifted_time, f);
  log_in_emily (f);

  /* A renewal goes out, and its answer is slow to come back… */
  f->refresh_delay_ms = 1500;
  f->shift = 2 * 3600 * G_TIME_SPAN_SECOND;
  authflow_flow_check_schedule (f->flow);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 5000, f->refresh_requests == 1));

  /* …meanwhile the person logs out, which revokes that session's tokens,
   * and logs in again, and makes a call.
   */
  f->shift = 0;
  authflow_flow_log_out_async (f->flow, NULL, authflow_test_got_result_cb, &logged_out);
  AWAIT (logged_out);
  g_assert_true (authflow_flow_log_out_finish (f->flow, logged_out, &error));
  authflow_flow_log_in_async (f->flow, "emilys", "emilyspass", NULL, authflow_test_got_result_cb, &logged_in);
  AWAIT (logged_in);
  g_assert_true (authflow_flow_log_in_finish (f->flow, logged_in, &error));
  g_assert_no_error (error);
  refresh_token = g_strdup (authflow_session_get_refresh_token (session));

  /* The old session's answer, when it comes, is not taken for the new
   * one's: the call works, and the new session keeps working tokens.
   */
  authflow_flow_call_async (f->flow, "GET", "/auth/me", NULL, NULL, authflow_test_got_result_cb, &called);
  AWAIT (called);
  answer = authflow_test_object_of (authflow_flow_call_finish (f->flow, called, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (answer, "username"), ==, "emilys");
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 5000, f->relay_pending == 0));
  authflow_test_wait (NULL, 200);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_true (g_strcmp0 (authflow_session_get_refresh_token (session), refresh_token) == 0 ||
                 authflow_flow_get_refresh_count (f->flow) >= 1);
  g_assert_true (stored_refresh_token_is (f->store, authflow_session_get_refresh_token (session)));

  /* The tokens the session holds now are good ones: a renewal succeeds. */
  f->refresh_delay_ms = 0;
  f->shift = 2 * 3600 * G_TIME_SPAN_SECOND;
  authflow_server_set_access_ttl (f->server, 3 * 3600);
  {
    guint before = authflow_flow_get_refresh_count (f->flow);

    authflow_flow_check_schedule (f->flow);
    g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 5000, authflow_flow_get_refresh_count (f->flow) == before + 1));
  }
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_null (authflow_flow_get_sign_out_reason (f->flow));
}

static void
test_server_down (Fixture       *f,
                  gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *old_access_token = NULL;

  log_in_emily (f);
  old_access_token = g_strdup (authflow_session_get_access_token (session));

  g_assert_true (authflow_test_server_stop (f->binary, &error));
  g_assert_no_error (error);

  /* Past expiry, the renewal cannot reach the server. */
  wait_past (get_expiry (f));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, authflow_flow_get_offline_problem (f->flow) != NULL));

  expected = dup_connect_problem (authflow_test_server_get_port (f->binary));
  g_assert_cmpstr (authflow_flow_get_offline_problem (f->flow), ==, expected);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 0);
  g_assert_null (authflow_flow_get_sign_out_reason (f->flow));
  g_assert_true (is_stored (f->store));

  /* Back on the same port: the flow's retries find it by themselves. */
  g_assert_true (authflow_test_server_restart (f->binary, &error));
  g_assert_no_error (error);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 20000,
                                           authflow_flow_get_offline_problem (f->flow) == NULL &&
                                           authflow_flow_get_refresh_count (f->flow) >= 1));
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), !=, old_access_token);
}

/* Logs Emily in and quits the app, leaving her session in the keyring;
 * then starts a new app, not yet restored. Returns the stored tokens and
 * their expiry.
 */
static GDateTime *
store_session (Fixture  *f,
               char    **access_token,
               char    **refresh_token)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  GDateTime *expiry;

  log_in_emily (f);
  *access_token = g_strdup (authflow_session_get_access_token (session));
  *refresh_token = g_strdup (authflow_session_get_refresh_token (session));
  expiry = g_date_time_ref (get_expiry (f));
  quit_app (f);

  make_app (f);
  g_assert_true (stored_refresh_token_is (f->store, *refresh_token));

  return expiry;
}

static void
test_start_up_expired_access_token (Fixture       *f,
                                    gconstpointer  data)
{
  AuthflowSession *session;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) expiry = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;

  /* The app is started again once the access token has expired. The
   * renewed tokens live long, so that what follows holds still.
   */
  authflow_server_set_access_ttl (f->server, 2);
  expiry = store_session (f, &access_token, &refresh_token);
  authflow_server_set_access_ttl (f->server, 3600);
  wait_past (expiry);

  /* Signed in at once from the keyring, with the old tokens. */
  session = authflow_flow_get_session (f->flow);
  g_assert_true (restore (f->flow, &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, access_token);
  g_assert_cmpstr (authflow_user_get_username (authflow_session_get_user (session)), ==, "emilys");

  /* Behind it, the tokens are renewed. */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, authflow_flow_get_refresh_count (f->flow) == 1));
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);
  g_assert_cmpstr (authflow_session_get_access_token (session), !=, access_token);
  g_assert_cmpstr (authflow_session_get_refresh_token (session), !=, refresh_token);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000,
                                           stored_refresh_token_is (f->store, authflow_session_get_refresh_token (session))));
}

static void
test_start_up_offline (Fixture       *f,
                       gconstpointer  data)
{
  AuthflowSession *session;
  g_autoptr(GError) error = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GDateTime) expiry = NULL;

  expiry = store_session (f, &access_token, &refresh_token);
  g_assert_true (authflow_test_server_stop (f->binary, &error));
  g_assert_no_error (error);

  session = authflow_flow_get_session (f->flow);
  g_assert_true (restore (f->flow, &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, access_token);
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, refresh_token);
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "1");
  g_assert_cmpstr (authflow_user_get_first_name (authflow_session_get_user (session)), ==, "Emily");

  /* The check behind it finds the server gone, and says so. */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, authflow_flow_get_offline_problem (f->flow) != NULL));
  expected = dup_connect_problem (authflow_test_server_get_port (f->binary));
  g_assert_cmpstr (authflow_flow_get_offline_problem (f->flow), ==, expected);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_null (authflow_flow_get_sign_out_reason (f->flow));
  g_assert_true (stored_refresh_token_is (f->store, refresh_token));
}

static void
test_start_up_refresh_rejected (Fixture       *f,
                                gconstpointer  data)
{
  AuthflowSession *session;
  g_autoptr(GError) error = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autoptr(GDateTime) expiry = NULL;

  authflow_server_set_access_ttl (f->server, 2);
  expiry = store_session (f, &access_token, &refresh_token);

  /* While the app is closed, the session is logged out elsewhere and the
   * access token expires.
   */
  revoke_from_outside (f, access_token, refresh_token);
  wait_past (expiry);

  session = authflow_flow_get_session (f->flow);
  g_assert_true (restore (f->flow, &error));
  g_assert_no_error (error);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000,
                                           authflow_session_get_state (session) == AUTHFLOW_SESSION_STATE_SIGNED_OUT));

  assert_session_ended (f);
  g_assert_cmpuint (f->refresh_requests, ==, 1);
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 0);
}

static AuthflowUser *
edit_profile (AuthflowFlow  *flow,
              const char    *first_name,
              const char    *last_name,
              const char    *email,
              GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_edit_profile_async (flow, first_name, last_name, email, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_flow_edit_profile_finish (flow, result, error);
}

static gboolean
stored_email_is (AuthflowSessionStore *store,
                 const char           *email)
{
  g_autoptr(AuthflowSession) stored = load_stored (store);

  return stored != NULL &&
         g_strcmp0 (authflow_user_get_email (authflow_session_get_user (stored)), email) == 0;
}

static void
test_edit_profile (Fixture       *f,
                   gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(AuthflowUser) edited = NULL;
  g_autoptr(AuthflowUser) refused = NULL;
  g_autoptr(AuthflowUser) fetched = NULL;
  g_autoptr(AuthflowUser) before = NULL;
  g_autoptr(AuthflowSession) stored = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AuthflowUser *user;

  log_in_emily (f);

  edited = edit_profile (f->flow, "Ada", "Lovelace", "ada@example.com", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authflow_user_get_first_name (edited), ==, "Ada");
  g_assert_cmpstr (authflow_user_get_last_name (edited), ==, "Lovelace");
  g_assert_cmpstr (authflow_user_get_email (edited), ==, "ada@example.com");
  g_assert_cmpstr (authflow_user_get_username (edited), ==, "emilys");

  user = authflow_session_get_user (session);
  g_assert_cmpstr (authflow_user_get_first_name (user), ==, "Ada");
  g_assert_cmpstr (authflow_user_get_last_name (user), ==, "Lovelace");
  g_assert_cmpstr (authflow_user_get_email (user), ==, "ada@example.com");

  /* The next start sees the new values. */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, stored_email_is (f->store, "ada@example.com")));
  stored = load_stored (f->store);
  g_assert_cmpstr (authflow_user_get_first_name (authflow_session_get_user (stored)), ==, "Ada");
  g_assert_cmpstr (authflow_user_get_last_name (authflow_session_get_user (stored)), ==, "Lovelace");

  /* A field the server refuses changes nothing. */
  before = g_object_ref (authflow_session_get_user (session));
  refused = edit_profile (f->flow, "Augusta", NULL, "nope", &error);
  g_assert_null (refused);
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_INVALID_EMAIL);
  g_assert_cmpstr (error->message, ==, "Email is not valid");
  g_clear_error (&error);

  user = authflow_session_get_user (session);
  g_assert_true (authflow_user_equal (user, before));
  g_assert_cmpstr (authflow_user_get_first_name (user), ==, "Ada");
  g_assert_cmpstr (authflow_user_get_email (user), ==, "ada@example.com");
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);

  /* And so does the server. */
  authflow_flow_fetch_user_async (f->flow, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  fetched = authflow_flow_fetch_user_finish (f->flow, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authflow_user_get_first_name (fetched), ==, "Ada");
  g_assert_cmpstr (authflow_user_get_email (fetched), ==, "ada@example.com");
}

int
main (int   argc,
      char *argv[])
{
  static const char * const server_down_args[] = { "--access-ttl", "3", NULL };

  g_test_init (&argc, &argv, NULL);

#define ADD(path, set_up, data, func) \
  g_test_add (path, Fixture, data, set_up, func, fixture_tear_down)

  ADD ("/lifecycle/expiry/expires-in", fixture_set_up_fake, NULL, test_expiry_expires_in);
  ADD ("/lifecycle/expiry/expires-at-epoch", fixture_set_up_fake, NULL, test_expiry_expires_at_epoch);
  ADD ("/lifecycle/expiry/expires-at-iso8601", fixture_set_up_fake, NULL, test_expiry_expires_at_iso8601);
  ADD ("/lifecycle/expiry/jwt-exp", fixture_set_up_fake, NULL, test_expiry_jwt_exp);
  ADD ("/lifecycle/expiry/precedence", fixture_set_up_fake, NULL, test_expiry_precedence);
  ADD ("/lifecycle/clock-skew/ahead", fixture_set_up_fake, GINT_TO_POINTER (3600), test_clock_skew);
  ADD ("/lifecycle/clock-skew/behind", fixture_set_up_fake, GINT_TO_POINTER (-3600), test_clock_skew);
  ADD ("/lifecycle/proactive-refresh", fixture_set_up_in_process, NULL, test_proactive_refresh);
  ADD ("/lifecycle/clock-jump", fixture_set_up_in_process, NULL, test_clock_jump);
  ADD ("/lifecycle/concurrent-401", fixture_set_up_in_process, GUINT_TO_POINTER (0), test_concurrent_401);
  ADD ("/lifecycle/concurrent-401/slow-refresh", fixture_set_up_in_process, GUINT_TO_POINTER (500),
       test_concurrent_401);
  ADD ("/lifecycle/refresh-rejected", fixture_set_up_in_process, NULL, test_refresh_rejected);
  ADD ("/lifecycle/reused-refresh-token", fixture_set_up_in_process, NULL, test_reused_refresh_token);
  ADD ("/lifecycle/stale-refresh-after-relogin", fixture_set_up_in_process, NULL, test_stale_refresh);
  ADD ("/lifecycle/server-down", fixture_set_up_binary, server_down_args, test_server_down);
  ADD ("/lifecycle/start-up/expired-access-token", fixture_set_up_in_process, NULL,
       test_start_up_expired_access_token);
  ADD ("/lifecycle/start-up/offline", fixture_set_up_binary, NULL, test_start_up_offline);
  ADD ("/lifecycle/start-up/refresh-rejected", fixture_set_up_in_process, NULL,
       test_start_up_refresh_rejected);
  ADD ("/lifecycle/edit-profile", fixture_set_up_in_process, NULL, test_edit_profile);

#undef ADD

  return g_test_run ();
}
