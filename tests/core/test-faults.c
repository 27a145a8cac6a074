// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>
#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "authflow-flow.h"
#include "authflow-har.h"
#include "authflow-server.h"
#include "authflow-test-core.h"
#include "authflow-test-utils.h"

/* Fault injection: each fault injected into the real flow, and what the
 * flow then does, and what the journal says of it.
 *
 * The backend is the real reference server, in this process, behind a
 * relay that counts every request it passes on: what an injected fault
 * keeps from the server, the server never sees. The keyring is the real
 * gnome-keyring of the test's private session. Every test has a server
 * on a fresh port, and so a keyring item of its own. No assertion is on
 * how long anything took.
 */

#define EXPIRED_MESSAGE "Your session has expired. Please log in again."
#define AWAIT(res) g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 30000, (res) != NULL))
#define WAIT_UNTIL(expr) g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 30000, (expr)))

typedef struct
{
  AuthflowServer       *server;
  char                 *server_dir;
  char                 *upstream_url;

  /* The relay: what it has passed on, "METHOD /path" → count. */
  SoupServer           *relay;
  SoupSession          *relay_session;
  GHashTable           *requests;
  guint                 relay_pending;
  char                 *url;
  guint                 port;

  AuthflowClient       *client;
  AuthflowSessionStore *store;
  AuthflowFlow         *flow;
  AuthflowFaults       *faults;
  AuthflowJournal      *journal;
} Fixture;

typedef struct
{
  Fixture           *f;
  SoupServerMessage *msg;
  SoupMessage       *upstream;
} Forward;

static void
copy_header_cb (const char *name,
                const char *value,
                gpointer    user_data)
{
  /* The relay's own connection and framing, not the server's. */
  if (g_ascii_strcasecmp (name, "Connection") == 0 ||
      g_ascii_strcasecmp (name, "Content-Length") == 0 ||
      g_ascii_strcasecmp (name, "Transfer-Encoding") == 0 ||
      g_ascii_strcasecmp (name, "Keep-Alive") == 0)
    return;

  soup_message_headers_replace (user_data, name, value);
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

  soup_server_message_unpause (forward->msg);
  forward->f->relay_pending--;
  g_clear_object (&forward->msg);
  g_clear_object (&forward->upstream);
  g_free (forward);
}

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
  char *key = g_strdup_printf ("%s %s", method, path);
  Forward *forward = g_new0 (Forward, 1);

  g_hash_table_replace (f->requests, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (f->requests, key)) + 1));

  forward->f = f;
  forward->msg = g_object_ref (msg);
  forward->upstream = soup_message_new (method, url);
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

/* How many "@method @path" requests reached the server. */
static guint
reached (Fixture    *f,
         const char *method,
         const char *path)
{
  g_autofree char *key = g_strdup_printf ("%s %s", method, path);

  return GPOINTER_TO_UINT (g_hash_table_lookup (f->requests, key));
}

static void
make_app (Fixture *f)
{
  f->client = authflow_client_new (f->url);
  f->store = authflow_session_store_new (authflow_client_get_base_url (f->client));
  f->flow = authflow_flow_new (f->client, f->store);
  f->faults = authflow_flow_get_faults (f->flow);
  f->journal = authflow_journal_new ();
  authflow_flow_set_journal (f->flow, f->journal);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;
  GSList *uris;

  f->server_dir = g_dir_make_tmp ("authflow-test-faults-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (f->server_dir, "authflow.db", NULL);

  f->server = authflow_server_new (db_path, &error);
  g_assert_no_error (error);
  authflow_server_set_dev_endpoints (f->server, TRUE);
  authflow_server_listen (f->server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  f->upstream_url = authflow_server_dup_url (f->server);

  f->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->relay = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->relay, NULL, relay_cb, f, NULL);
  f->relay_session = soup_session_new_with_options ("max-conns", 100, "max-conns-per-host", 100, NULL);
  soup_server_listen_local (f->relay, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->relay);
  g_assert_nonnull (uris);
  f->port = g_uri_get_port (uris->data);
  f->url = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  make_app (f);
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

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, f->relay_pending == 0));
  soup_server_disconnect (f->relay);
  g_clear_object (&f->relay);
  g_clear_object (&f->relay_session);
  g_clear_pointer (&f->requests, g_hash_table_unref);

  authflow_server_close (f->server);
  g_clear_object (&f->server);
  authflow_test_remove_tree (f->server_dir);
  g_clear_pointer (&f->server_dir, g_free);
  g_clear_pointer (&f->upstream_url, g_free);
  g_clear_pointer (&f->url, g_free);
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
          (event == NULL || g_str_equal (authflow_journal_entry_get_event (entry), event)))
        g_ptr_array_add (found, g_object_ref (entry));
    }

  return found;
}

/* The "fault" entries of @event for @fault after @after. */
static GPtrArray *
find_fault_entries (Fixture    *f,
                    guint64     after,
                    const char *event,
                    const char *fault)
{
  g_autoptr(GPtrArray) all = find_entries (f, after, AUTHFLOW_JOURNAL_FAULT, event);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < all->len; i++)
    {
      JsonObject *details = authflow_journal_entry_get_details (all->pdata[i]);

      if (g_strcmp0 (json_object_get_string_member_with_default (details, "fault", NULL), fault) == 0)
        g_ptr_array_add (found, g_object_ref (all->pdata[i]));
    }

  return found;
}

/* The exchanges of the profile's @call (or, with a "/", of that path)
 * after @after.
 */
static GPtrArray *
find_exchanges (Fixture    *f,
                guint64     after,
                const char *call)
{
  g_autoptr(GPtrArray) all = find_entries (f, after, AUTHFLOW_JOURNAL_HTTP, "exchange");
  GPtrArray *found = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < all->len; i++)
    {
      JsonObject *details = authflow_journal_entry_get_details (all->pdata[i]);

      if (g_strcmp0 (json_object_get_string_member_with_default (details, "call", NULL), call) == 0)
        g_ptr_array_add (found, g_object_ref (all->pdata[i]));
    }

  return found;
}

static guint
count_entries (Fixture             *f,
               guint64              after,
               AuthflowJournalKind  kind,
               const char          *event)
{
  g_autoptr(GPtrArray) found = find_entries (f, after, kind, event);

  return found->len;
}

static guint64
last_sequence (Fixture *f)
{
  GListModel *entries = authflow_journal_get_entries (f->journal);
  guint n = g_list_model_get_n_items (entries);
  g_autoptr(AuthflowJournalEntry) last = n > 0 ? g_list_model_get_item (entries, n - 1) : NULL;

  return last != NULL ? authflow_journal_entry_get_sequence (last) : 0;
}

static gint64
response_status (AuthflowJournalEntry *exchange)
{
  JsonObject *details = authflow_journal_entry_get_details (exchange);

  if (!json_object_has_member (details, "response"))
    return 0;

  return json_object_get_int_member (json_object_get_object_member (details, "response"), "status");
}

static gboolean
is_injected (AuthflowJournalEntry *entry)
{
  return json_object_get_boolean_member_with_default (authflow_journal_entry_get_details (entry),
                                                      "injected", FALSE);
}

/* Whether @entry says it was touched by @fault, and only by it, in its
 * details and its summary.
 */
static void
assert_marked (AuthflowJournalEntry *entry,
               const char           *fault)
{
  JsonObject *details = authflow_journal_entry_get_details (entry);
  JsonArray *faults;
  g_autofree char *mark = g_strdup_printf ("[injected: %s]", fault);

  g_assert_true (is_injected (entry));
  g_assert_true (json_object_has_member (details, "faults"));
  faults = json_object_get_array_member (details, "faults");
  g_assert_cmpuint (json_array_get_length (faults), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (faults, 0), ==, fault);
  g_assert_nonnull (strstr (authflow_journal_entry_get_summary (entry), mark));
}

static void
assert_not_marked (AuthflowJournalEntry *entry)
{
  g_assert_false (is_injected (entry));
  g_assert_false (json_object_has_member (authflow_journal_entry_get_details (entry), "faults"));
  g_assert_null (strstr (authflow_journal_entry_get_summary (entry), "injected"));
}

/* A "fault" entry as every one is: `"injected": true`, its fault named,
 * and a summary that says "Injected".
 */
static void
assert_fault_entry (AuthflowJournalEntry *entry,
                    const char           *fault)
{
  JsonObject *details = authflow_journal_entry_get_details (entry);

  g_assert_cmpint (authflow_journal_entry_get_kind (entry), ==, AUTHFLOW_JOURNAL_FAULT);
  g_assert_cmpstr (authflow_journal_kind_to_string (AUTHFLOW_JOURNAL_FAULT), ==, "fault");
  g_assert_true (json_object_get_boolean_member_with_default (details, "injected", FALSE));
  g_assert_cmpstr (json_object_get_string_member_with_default (details, "fault", NULL), ==, fault);
  g_assert_true (g_str_has_prefix (authflow_journal_entry_get_summary (entry), "Injected"));
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

static void
log_in_emily (Fixture *f)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (authflow_session_get_state (session) == AUTHFLOW_SESSION_STATE_RESTORING)
    {
      g_assert_true (restore (f->flow, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);

  authflow_flow_log_in_async (f->flow, "emilys", "emilyspass", NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  g_assert_true (authflow_flow_log_in_finish (f->flow, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
}

/* GET /auth/me through the flow: the answer, or %NULL and @error. */
static JsonObject *
call_me (Fixture       *f,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_call_async (f->flow, "GET", "/auth/me", NULL, cancellable, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_test_object_of (authflow_flow_call_finish (f->flow, result, error));
}

/* The profile's me call through the flow, with Update Authenticated User. */
static AuthflowUser *
fetch_user (Fixture  *f,
            GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_fetch_user_async (f->flow, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_flow_fetch_user_finish (f->flow, result, error);
}

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

static char *
dup_connect_problem (guint port)
{
  return g_strdup_printf ("Could not connect to the server at 127.0.0.1:%u. "
                          "Check that it is running and that you are online.",
                          port);
}

static double
seconds_between (GDateTime *a,
                 GDateTime *b)
{
  return (double) g_date_time_difference (b, a) / G_TIME_SPAN_SECOND;
}

static void
count_cb (gpointer  instance,
          guint    *count)
{
  (*count)++;
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

/* Setting a fault, setting it again, clearing it: properties notify only
 * when they change, "changed" says each change once, and each is a
 * "fault" entry that says it was injected.
 */
static void
test_properties (Fixture       *f,
                 gconstpointer  data)
{
  guint changed = 0;
  guint latency_notified = 0;
  guint active_notified = 0;
  g_autoptr(GPtrArray) injected = NULL;
  g_autoptr(GPtrArray) cleared = NULL;

  g_signal_connect (f->faults, "changed", G_CALLBACK (count_cb), &changed);
  g_signal_connect (f->faults, "notify::latency", G_CALLBACK (count_notify_cb), &latency_notified);
  g_signal_connect (f->faults, "notify::active", G_CALLBACK (count_notify_cb), &active_notified);

  g_assert_true (authflow_flow_get_faults (f->flow) == f->faults);
  g_assert_true (authflow_client_get_faults (f->client) == f->faults);
  g_assert_true (authflow_session_store_get_faults (f->store) == f->faults);
  g_assert_true (authflow_faults_get_journal (f->faults) == f->journal);
  g_assert_false (authflow_faults_get_active (f->faults));

  authflow_faults_set_latency (f->faults, 250);
  authflow_faults_set_latency (f->faults, 250);
  g_assert_cmpuint (authflow_faults_get_latency (f->faults), ==, 250);
  g_assert_cmpuint (latency_notified, ==, 1);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_true (authflow_faults_get_active (f->faults));
  g_assert_cmpuint (active_notified, ==, 1);

  authflow_faults_set_offline (f->faults, TRUE);
  authflow_faults_set_clock_skew (f->faults, -120);
  authflow_faults_inject_server_errors (f->faults, 503, 2, 0);
  g_assert_cmpuint (authflow_faults_get_server_error_retry_after (f->faults), ==,
                    AUTHFLOW_FAULTS_DEFAULT_RETRY_AFTER_S);
  authflow_faults_set_invalidate_token (f->faults, TRUE);
  authflow_faults_set_keyring_fault (f->faults, AUTHFLOW_KEYRING_FAULT_LOCKED);
  g_assert_cmpint (authflow_faults_get_clock_offset (f->faults), ==, -120 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (changed, ==, 6);
  g_assert_cmpuint (active_notified, ==, 1);

  /* The flow's clock is the app's: skewed, and by nothing else. */
  {
    g_autoptr(GDateTime) now = authflow_flow_dup_now (f->flow);
    g_autoptr(GDateTime) real = g_date_time_new_now_utc ();

    g_assert_cmpfloat_with_epsilon (seconds_between (real, now), -120, 2);
  }

  injected = find_entries (f, 0, AUTHFLOW_JOURNAL_FAULT, "injected");
  g_assert_cmpuint (injected->len, ==, 6);
  for (guint i = 0; i < injected->len; i++)
    assert_fault_entry (injected->pdata[i],
                        json_object_get_string_member (authflow_journal_entry_get_details (injected->pdata[i]),
                                                       "fault"));
  assert_fault_entry (injected->pdata[0], "latency");
  g_assert_cmpint (json_object_get_int_member (authflow_journal_entry_get_details (injected->pdata[0]),
                                               "latencyMs"), ==, 250);
  assert_fault_entry (injected->pdata[1], "offline");
  assert_fault_entry (injected->pdata[2], "clock-skew");
  g_assert_cmpint (json_object_get_int_member (authflow_journal_entry_get_details (injected->pdata[2]),
                                               "skewS"), ==, -120);
  assert_fault_entry (injected->pdata[3], "server-error");
  g_assert_cmpint (json_object_get_int_member (authflow_journal_entry_get_details (injected->pdata[3]),
                                               "status"), ==, 503);
  g_assert_cmpint (json_object_get_int_member (authflow_journal_entry_get_details (injected->pdata[3]),
                                               "count"), ==, 2);
  assert_fault_entry (injected->pdata[4], "invalidate-token");
  assert_fault_entry (injected->pdata[5], "keyring-locked");

  /* Clearing is one change. */
  authflow_faults_clear (f->faults);
  g_assert_cmpuint (changed, ==, 7);
  g_assert_false (authflow_faults_get_active (f->faults));
  g_assert_cmpuint (active_notified, ==, 2);
  g_assert_false (authflow_faults_get_offline (f->faults));
  g_assert_cmpuint (authflow_faults_get_latency (f->faults), ==, 0);
  g_assert_cmpint (authflow_faults_get_clock_skew (f->faults), ==, 0);
  g_assert_cmpuint (authflow_faults_get_server_errors_left (f->faults), ==, 0);
  g_assert_cmpuint (authflow_faults_get_server_error_status (f->faults), ==, 0);
  g_assert_false (authflow_faults_get_invalidate_token (f->faults));
  g_assert_cmpint (authflow_faults_get_keyring_fault (f->faults), ==, AUTHFLOW_KEYRING_FAULT_NONE);
  cleared = find_entries (f, 0, AUTHFLOW_JOURNAL_FAULT, "cleared");
  g_assert_cmpuint (cleared->len, ==, 6);
  for (guint i = 0; i < cleared->len; i++)
    g_assert_true (g_str_has_prefix (authflow_journal_entry_get_summary (cleared->pdata[i]), "Injected fault cleared"));

  authflow_faults_clear (f->faults);
  g_assert_cmpuint (changed, ==, 7);

  /* Nobody is signed in: no token to expire, and nothing happens. */
  g_assert_false (authflow_faults_expire_token_now (f->faults));

  g_signal_handlers_disconnect_by_data (f->faults, &changed);
  g_signal_handlers_disconnect_by_data (f->faults, &latency_notified);
  g_signal_handlers_disconnect_by_data (f->faults, &active_notified);
}

/* The spelling of the inject-fault action. */
static void
test_apply (Fixture       *f,
            gconstpointer  data)
{
  static const struct
  {
    const char *spec;
    const char *message;
  } bad[] = {
    { "", "There is no fault “”" },
    { "nonsense", "There is no fault “nonsense”" },
    { "revoke-session", "There is no fault “revoke-session”" },
    { "latency", "The latency in milliseconds is missing" },
    { "latency:fast", "The latency in milliseconds must be a whole number from 0 to 120000, not “fast”" },
    { "latency:-1", "The latency in milliseconds must be a whole number from 0 to 120000, not “-1”" },
    { "latency:1:2", "“latency” takes one value" },
    { "offline:now", "“offline” takes no value" },
    { "clock-skew:3601", "The clock skew in seconds must be a whole number from -3600 to 3600, not “3601”" },
    { "suspend:0", "The suspend in seconds must be a whole number from 1 to 31622400, not “0”" },
    { "server-error", "The status is missing" },
    { "server-error:404", "The status must be 500, 503 or 429, not 404" },
    { "server-error:503:x", "The count must be a whole number from 0 to 100, not “x”" },
    { "server-error:503:1:2:3", "“server-error” takes at most three values" },
    { "keyring", "The keyring fault must be “unavailable” or “locked”, not “”" },
    { "keyring:broken", "The keyring fault must be “unavailable” or “locked”, not “broken”" },
    { "expire-token", "Nobody is signed in, so there is no token to expire" },
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (authflow_faults_apply (f->faults, bad[i].spec, &error));
      g_assert_error (error, AUTHFLOW_FAULTS_ERROR,
                      (i < 3 ? AUTHFLOW_FAULTS_ERROR_UNKNOWN : AUTHFLOW_FAULTS_ERROR_BAD_VALUE));
      g_assert_cmpstr (error->message, ==, bad[i].message);
      g_clear_error (&error);
      g_assert_false (authflow_faults_get_active (f->faults));
    }

  g_assert_true (authflow_faults_apply (f->faults, "latency:2000", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (authflow_faults_get_latency (f->faults), ==, 2000);
  g_assert_true (authflow_faults_apply (f->faults, "server-error:503:3", NULL));
  g_assert_cmpuint (authflow_faults_get_server_error_status (f->faults), ==, 503);
  g_assert_cmpuint (authflow_faults_get_server_errors_left (f->faults), ==, 3);
  g_assert_cmpuint (authflow_faults_get_server_error_retry_after (f->faults), ==, 5);
  g_assert_true (authflow_faults_apply (f->faults, "server-error:429:2:30", NULL));
  g_assert_cmpuint (authflow_faults_get_server_error_status (f->faults), ==, 429);
  g_assert_cmpuint (authflow_faults_get_server_errors_left (f->faults), ==, 2);
  g_assert_cmpuint (authflow_faults_get_server_error_retry_after (f->faults), ==, 30);
  g_assert_true (authflow_faults_apply (f->faults, "server-error:500", NULL));
  g_assert_cmpuint (authflow_faults_get_server_errors_left (f->faults), ==, 1);
  g_assert_cmpuint (authflow_faults_get_server_error_retry_after (f->faults), ==, 0);
  g_assert_true (authflow_faults_apply (f->faults, "clock-skew:-3600", NULL));
  g_assert_cmpint (authflow_faults_get_clock_skew (f->faults), ==, -3600);
  g_assert_true (authflow_faults_apply (f->faults, "offline", NULL));
  g_assert_true (authflow_faults_get_offline (f->faults));
  g_assert_true (authflow_faults_apply (f->faults, "online", NULL));
  g_assert_false (authflow_faults_get_offline (f->faults));
  g_assert_true (authflow_faults_apply (f->faults, "invalidate-token", NULL));
  g_assert_true (authflow_faults_get_invalidate_token (f->faults));
  g_assert_true (authflow_faults_apply (f->faults, "keyring:unavailable", NULL));
  g_assert_cmpint (authflow_faults_get_keyring_fault (f->faults), ==, AUTHFLOW_KEYRING_FAULT_UNAVAILABLE);
  g_assert_true (authflow_faults_apply (f->faults, "keyring:locked", NULL));
  g_assert_cmpint (authflow_faults_get_keyring_fault (f->faults), ==, AUTHFLOW_KEYRING_FAULT_LOCKED);
  g_assert_true (authflow_faults_apply (f->faults, "suspend:7200", NULL));
  g_assert_cmpint (authflow_faults_get_clock_jump (f->faults), ==, 7200);
  g_assert_true (authflow_faults_apply (f->faults, "suspend", NULL));
  g_assert_cmpint (authflow_faults_get_clock_jump (f->faults), ==, 7200 + 3600);
  g_assert_true (authflow_faults_apply (f->faults, "clear", NULL));
  g_assert_false (authflow_faults_get_active (f->faults));
  g_assert_cmpint (authflow_faults_get_clock_jump (f->faults), ==, 0);
}

/* expire-token: the flow takes its token as expired and renews it before
 * the call goes out; the server never refuses anything.
 */
static void
test_expire_token (Fixture       *f,
                   gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autofree char *old_token = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) injected = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autoptr(GPtrArray) finished = NULL;
  g_autoptr(GPtrArray) exchanges = NULL;
  g_autoptr(GPtrArray) expiries = NULL;
  g_autoptr(GDateTime) now = NULL;
  guint64 mark;

  log_in_emily (f);
  old_token = g_strdup (authflow_session_get_access_token (session));
  mark = last_sequence (f);

  g_assert_true (authflow_faults_expire_token_now (f->faults));
  now = authflow_flow_dup_now (f->flow);
  g_assert_cmpint (g_date_time_compare (authflow_session_get_expiry (session), now), <=, 0);

  answer = call_me (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (answer, "username"), ==, "emilys");

  injected = find_fault_entries (f, mark, "injected", "expire-token");
  g_assert_cmpuint (injected->len, ==, 1);
  assert_fault_entry (injected->pdata[0], "expire-token");
  g_assert_true (json_object_has_member (authflow_journal_entry_get_details (injected->pdata[0]), "was"));
  expiries = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "expiry");
  g_assert_cmpuint (expiries->len, ==, 2);
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (expiries->pdata[0]), "source"),
                   ==, "fault");

  started = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "refresh-started");
  finished = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "refresh-finished");
  g_assert_cmpuint (started->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (started->pdata[0]), "trigger"),
                   ==, "expired");
  g_assert_cmpuint (finished->len, ==, 1);
  g_assert_cmpuint (authflow_journal_entry_get_sequence (injected->pdata[0]), <,
                    authflow_journal_entry_get_sequence (started->pdata[0]));

  /* The call went out once, after the renewal, with the new token: no 401. */
  exchanges = find_entries (f, mark, AUTHFLOW_JOURNAL_HTTP, "exchange");
  g_assert_cmpuint (exchanges->len, ==, 2);
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (exchanges->pdata[0]), "call"),
                   ==, "refresh");
  g_assert_cmpint (response_status (exchanges->pdata[1]), ==, 200);
  g_assert_cmpuint (authflow_journal_entry_get_sequence (exchanges->pdata[1]), >,
                    authflow_journal_entry_get_sequence (finished->pdata[0]));
  for (guint i = 0; i < exchanges->len; i++)
    assert_not_marked (exchanges->pdata[i]);

  g_assert_cmpuint (reached (f, "POST", "/auth/refresh"), ==, 1);
  g_assert_cmpuint (reached (f, "GET", "/auth/me"), ==, 1);
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);
  g_assert_cmpstr (authflow_session_get_access_token (session), !=, old_token);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_false (authflow_faults_get_active (f->faults));
}

/* invalidate-token: the server really refuses the tampered token, the flow
 * renews once and sends the call again, and the person stays signed in.
 */
static void
test_invalidate_token (Fixture       *f,
                       gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(AuthflowUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) applied = NULL;
  g_autoptr(GPtrArray) exchanges = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autoptr(GPtrArray) retries = NULL;
  g_autofree char *old_token = NULL;
  JsonObject *details;
  guint64 mark;

  log_in_emily (f);
  old_token = g_strdup (authflow_session_get_access_token (session));
  mark = last_sequence (f);

  authflow_faults_set_invalidate_token (f->faults, TRUE);
  user = fetch_user (f, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authflow_user_get_username (user), ==, "emilys");
  g_assert_false (authflow_faults_get_invalidate_token (f->faults));

  /* The server saw two calls and refused the first: a real 401. */
  g_assert_cmpuint (reached (f, "GET", "/auth/me"), ==, 2);
  g_assert_cmpuint (reached (f, "POST", "/auth/refresh"), ==, 1);
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);

  exchanges = find_exchanges (f, mark, "me");
  g_assert_cmpuint (exchanges->len, ==, 2);
  g_assert_cmpint (response_status (exchanges->pdata[0]), ==, 401);
  assert_marked (exchanges->pdata[0], "invalidate-token");
  details = authflow_journal_entry_get_details (exchanges->pdata[0]);
  g_assert_false (json_object_get_boolean_member (details, "retry"));
  /* The answer is the server's own. */
  g_assert_false (json_object_has_member (json_object_get_object_member (details, "response"), "injected"));
  g_assert_cmpint (response_status (exchanges->pdata[1]), ==, 200);
  g_assert_true (json_object_get_boolean_member (authflow_journal_entry_get_details (exchanges->pdata[1]), "retry"));
  assert_not_marked (exchanges->pdata[1]);

  applied = find_fault_entries (f, mark, "applied", "invalidate-token");
  g_assert_cmpuint (applied->len, ==, 1);
  assert_fault_entry (applied->pdata[0], "invalidate-token");
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (applied->pdata[0]), "call"),
                   ==, "me");

  started = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "refresh-started");
  retries = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "retry");
  g_assert_cmpuint (started->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (started->pdata[0]), "trigger"),
                   ==, "401");
  g_assert_cmpuint (retries->len, ==, 1);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), !=, old_token);
  g_assert_null (authflow_flow_get_sign_out_reason (f->flow));
}

/* offline: no call leaves, the flow says it is offline and backs off, and
 * it is back online by itself once the network is.
 */
static void
test_offline (Fixture       *f,
              gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autofree char *problem = dup_connect_problem (f->port);
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) offline = NULL;
  g_autoptr(GPtrArray) online = NULL;
  g_autoptr(GPtrArray) exchanges = NULL;
  g_autoptr(GPtrArray) applied = NULL;
  guint gets;
  guint64 mark;

  log_in_emily (f);
  gets = reached (f, "GET", "/auth/me");
  mark = last_sequence (f);

  authflow_faults_set_offline (f->faults, TRUE);
  answer = call_me (f, NULL, &error);
  g_assert_null (answer);
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK);
  g_assert_cmpstr (error->message, ==, problem);
  g_assert_cmpstr (authflow_flow_get_offline_problem (f->flow), ==, problem);

  /* It backs off: the next try fails too, and the one after is later. */
  WAIT_UNTIL (count_entries (f, mark, AUTHFLOW_JOURNAL_CONNECTIVITY, "offline") >= 2);
  offline = find_entries (f, mark, AUTHFLOW_JOURNAL_CONNECTIVITY, "offline");
  g_assert_cmpint (json_object_get_int_member (authflow_journal_entry_get_details (offline->pdata[0]), "backoffS"),
                   ==, 1);
  g_assert_cmpint (json_object_get_int_member (authflow_journal_entry_get_details (offline->pdata[1]), "backoffS"),
                   ==, 2);
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (offline->pdata[0]), "error"),
                   ==, problem);

  exchanges = find_entries (f, mark, AUTHFLOW_JOURNAL_HTTP, "exchange");
  g_assert_cmpuint (exchanges->len, >=, 2);
  for (guint i = 0; i < exchanges->len; i++)
    {
      JsonObject *details = authflow_journal_entry_get_details (exchanges->pdata[i]);

      assert_marked (exchanges->pdata[i], "offline");
      g_assert_cmpstr (json_object_get_string_member (details, "outcome"), ==, "failed");
      g_assert_false (json_object_has_member (details, "response"));
      g_assert_cmpstr (json_object_get_string_member (details, "error"), ==, problem);
    }
  applied = find_fault_entries (f, mark, "applied", "offline");
  g_assert_cmpuint (applied->len, ==, exchanges->len);
  g_assert_cmpuint (reached (f, "GET", "/auth/me"), ==, gets);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_true (is_stored (f->store));

  /* The network comes back. */
  mark = last_sequence (f);
  authflow_faults_set_offline (f->faults, FALSE);
  WAIT_UNTIL (authflow_flow_get_offline_problem (f->flow) == NULL);
  online = find_entries (f, mark, AUTHFLOW_JOURNAL_CONNECTIVITY, "online");
  g_assert_cmpuint (online->len, ==, 1);
  g_assert_cmpuint (reached (f, "GET", "/auth/me"), ==, gets + 1);
  g_clear_pointer (&exchanges, g_ptr_array_unref);
  exchanges = find_entries (f, mark, AUTHFLOW_JOURNAL_HTTP, "exchange");
  g_assert_cmpuint (exchanges->len, ==, 1);
  assert_not_marked (exchanges->pdata[0]);
  g_assert_cmpint (response_status (exchanges->pdata[0]), ==, 200);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
}

/* latency: the call waits, then goes; a cancel or the total timeout during
 * the wait ends it before anything is sent.
 */
static void
test_latency (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) exchanges = NULL;
  g_autoptr(GPtrArray) applied = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  guint gets;
  guint64 mark;

  log_in_emily (f);
  gets = reached (f, "GET", "/auth/me");
  mark = last_sequence (f);

  authflow_faults_set_latency (f->faults, 300);
  answer = call_me (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  g_assert_cmpuint (reached (f, "GET", "/auth/me"), ==, gets + 1);

  exchanges = find_entries (f, mark, AUTHFLOW_JOURNAL_HTTP, "exchange");
  g_assert_cmpuint (exchanges->len, ==, 1);
  assert_marked (exchanges->pdata[0], "latency");
  g_assert_cmpint (response_status (exchanges->pdata[0]), ==, 200);
  applied = find_fault_entries (f, mark, "applied", "latency");
  g_assert_cmpuint (applied->len, ==, 1);
  g_assert_cmpint (json_object_get_int_member (authflow_journal_entry_get_details (applied->pdata[0]), "latencyMs"),
                   ==, 300);

  /* Cancelled while it waits: nothing is sent. */
  authflow_faults_set_latency (f->faults, 60000);
  authflow_flow_call_async (f->flow, "GET", "/auth/me", NULL, cancellable, authflow_test_got_result_cb, &result);
  g_assert_cmpuint (count_entries (f, mark, AUTHFLOW_JOURNAL_FAULT, "applied"), ==, 2);
  g_cancellable_cancel (cancellable);
  AWAIT (result);
  g_assert_null (authflow_flow_call_finish (f->flow, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpuint (reached (f, "GET", "/auth/me"), ==, gets + 1);

  /* The total timeout counts the wait. */
  authflow_client_set_total_timeout (f->client, 1);
  g_clear_pointer (&answer, json_object_unref);
  answer = call_me (f, NULL, &error);
  g_assert_null (answer);
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK);
  g_assert_true (g_str_has_prefix (error->message, "The server at 127.0.0.1:"));
  g_assert_nonnull (strstr (error->message, "did not answer in time"));
  g_assert_cmpuint (reached (f, "GET", "/auth/me"), ==, gets + 1);

  authflow_faults_clear (f->faults);
}

/* server errors: N made-up answers, marked as such and never sent; the
 * flow takes them as the server's trouble, backs off (no sooner than the
 * Retry-After) and is back when the server answers for real.
 */
static void
test_server_errors (Fixture       *f,
                    gconstpointer  data)
{
  guint status = GPOINTER_TO_UINT (data);
  guint count = status == 503 ? 3 : 1;
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) exchanges = NULL;
  g_autoptr(GPtrArray) applied = NULL;
  g_autoptr(GPtrArray) offline = NULL;
  g_autoptr(JsonNode) har = NULL;
  g_autofree char *expected = NULL;
  guint injected = 0;
  guint real = 0;
  guint har_injected = 0;
  guint gets;
  guint64 mark;

  log_in_emily (f);
  gets = reached (f, "GET", "/auth/me");
  mark = last_sequence (f);

  authflow_faults_inject_server_errors (f->faults, status, count, 1);
  answer = call_me (f, NULL, &error);
  g_assert_null (answer);
  if (status == 429)
    {
      g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_TOO_MANY_ATTEMPTS);
      g_assert_cmpstr (error->message, ==, "Injected 429 Too Many Requests");
    }
  else
    {
      expected = g_strdup_printf ("The server had a problem: Injected %u %s", status,
                                  status == 503 ? "Service Unavailable" : "Internal Server Error");
      g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_SERVER);
      g_assert_cmpstr (error->message, ==, expected);
    }
  g_assert_cmpstr (authflow_flow_get_offline_problem (f->flow), ==, error->message);

  /* The backoff's tries use up the rest, and the next real answer ends it. */
  WAIT_UNTIL (authflow_flow_get_offline_problem (f->flow) == NULL);
  g_assert_cmpuint (authflow_faults_get_server_errors_left (f->faults), ==, 0);
  g_assert_false (authflow_faults_get_active (f->faults));
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);

  /* Not one of them reached the server: only the real answer did. */
  g_assert_cmpuint (reached (f, "GET", "/auth/me"), ==, gets + 1);

  exchanges = find_entries (f, mark, AUTHFLOW_JOURNAL_HTTP, "exchange");
  for (guint i = 0; i < exchanges->len; i++)
    {
      JsonObject *details = authflow_journal_entry_get_details (exchanges->pdata[i]);
      JsonObject *response = json_object_get_object_member (details, "response");

      if (is_injected (exchanges->pdata[i]))
        {
          JsonArray *headers = json_object_get_array_member (response, "headers");
          gboolean retry_after = FALSE;

          assert_marked (exchanges->pdata[i], "server-error");
          g_assert_cmpint (json_object_get_int_member (response, "status"), ==, status);
          g_assert_true (json_object_get_boolean_member (response, "injected"));
          g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (response, "body"),
                                                                   "text"), "\"Injected "));
          g_assert_nonnull (strstr (authflow_journal_entry_get_summary (exchanges->pdata[i]),
                                    "made up without sending the call"));
          for (guint j = 0; j < json_array_get_length (headers); j++)
            {
              JsonObject *header = json_array_get_object_element (headers, j);

              if (g_str_equal (json_object_get_string_member (header, "name"), "Retry-After"))
                {
                  g_assert_cmpstr (json_object_get_string_member (header, "value"), ==, "1");
                  retry_after = TRUE;
                }
            }
          g_assert_true (retry_after == (status != 500));
          g_assert_cmpuint (real, ==, 0);
          injected++;
        }
      else
        {
          assert_not_marked (exchanges->pdata[i]);
          g_assert_cmpint (json_object_get_int_member (response, "status"), ==, 200);
          real++;
        }
    }
  g_assert_cmpuint (injected, ==, count);
  g_assert_cmpuint (real, ==, 1);

  applied = find_fault_entries (f, mark, "applied", "server-error");
  g_assert_cmpuint (applied->len, ==, count);
  for (guint i = 0; i < applied->len; i++)
    g_assert_cmpint (json_object_get_int_member (authflow_journal_entry_get_details (applied->pdata[i]), "left"),
                     ==, count - 1 - i);

  /* Each made-up answer took the flow offline again, a little longer. */
  offline = find_entries (f, mark, AUTHFLOW_JOURNAL_CONNECTIVITY, "offline");
  g_assert_cmpuint (offline->len, ==, count);
  for (guint i = 0; i < offline->len; i++)
    g_assert_cmpint (json_object_get_int_member (authflow_journal_entry_get_details (offline->pdata[i]), "backoffS"),
                     ==, 1 << i);

  /* The HAR export says so too. */
  har = authflow_har_from_journal (f->journal);
  {
    JsonArray *entries = json_object_get_array_member (json_object_get_object_member (json_node_get_object (har), "log"),
                                                       "entries");

    for (guint i = 0; i < json_array_get_length (entries); i++)
      if (json_object_get_boolean_member_with_default (json_array_get_object_element (entries, i), "_injected", FALSE))
        har_injected++;
  }
  g_assert_cmpuint (har_injected, ==, count);
}

/* Whether the token/expiry entries after @mark say the client's clock
 * offset is about @offset_s.
 */
static void
assert_last_clock_offset (Fixture *f,
                          guint64  mark,
                          double   offset_s)
{
  g_autoptr(GPtrArray) expiries = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "expiry");
  JsonObject *details;

  g_assert_cmpuint (expiries->len, >=, 1);
  details = authflow_journal_entry_get_details (expiries->pdata[expiries->len - 1]);
  g_assert_cmpfloat_with_epsilon (json_object_get_int_member (details, "clockOffsetMs") / 1000.0, offset_s, 3);
}

/* clock-skew ahead, while signed in: the token looks dead to the flow and
 * is renewed; the renewal's Date corrects the clock, and from then on
 * every decision is on the server's time again.
 */
static void
test_clock_skew_ahead (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) real = NULL;
  g_autoptr(GPtrArray) started = NULL;
  guint64 mark;

  log_in_emily (f);
  g_assert_cmpint (authflow_client_get_clock_offset (f->client), ==, 0);
  mark = last_sequence (f);

  authflow_faults_set_clock_skew (f->faults, 3600);
  WAIT_UNTIL (authflow_flow_get_refresh_count (f->flow) == 1);
  started = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "refresh-started");
  g_assert_cmpuint (started->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (started->pdata[0]), "trigger"),
                   ==, "expired");

  g_assert_cmpfloat_with_epsilon ((double) authflow_client_get_clock_offset (f->client) / G_TIME_SPAN_SECOND,
                                  -3600, 2);
  assert_last_clock_offset (f, mark, -3600);

  /* The flow's time is the server's again, and the next renewal a minute
   * before the new token's hour is up.
   */
  now = authflow_flow_dup_now (f->flow);
  real = g_date_time_new_now_utc ();
  g_assert_cmpfloat_with_epsilon (seconds_between (real, now), 0, 3);
  g_assert_cmpfloat_with_epsilon (seconds_between (now, authflow_flow_get_next_refresh (f->flow)), 3540, 5);
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);
  g_assert_cmpint (authflow_session_get_state (authflow_flow_get_session (f->flow)), ==,
                   AUTHFLOW_SESSION_STATE_SIGNED_IN);
}

/* clock-skew behind, before logging in: the login's Date corrects it at
 * once, and nothing is renewed for it.
 */
static void
test_clock_skew_behind (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) real = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;

  authflow_faults_set_clock_skew (f->faults, -3600);
  log_in_emily (f);

  g_assert_cmpfloat_with_epsilon ((double) authflow_client_get_clock_offset (f->client) / G_TIME_SPAN_SECOND,
                                  3600, 2);
  assert_last_clock_offset (f, 0, 3600);
  now = authflow_flow_dup_now (f->flow);
  real = g_date_time_new_now_utc ();
  g_assert_cmpfloat_with_epsilon (seconds_between (real, now), 0, 3);
  g_assert_cmpfloat_with_epsilon (seconds_between (now, authflow_flow_get_next_refresh (f->flow)), 3540, 5);

  answer = call_me (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (authflow_flow_get_refresh_count (f->flow), ==, 0);
  g_assert_cmpuint (reached (f, "POST", "/auth/refresh"), ==, 0);
}

/* suspend: the wall clock jumps past the token's expiry, and the resume
 * renews it.
 */
static void
test_suspend (Fixture       *f,
              gconstpointer  data)
{
  gint64 seconds = GPOINTER_TO_INT (data);
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GPtrArray) injected = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autoptr(GDateTime) now = NULL;
  JsonObject *details;
  guint64 mark;

  log_in_emily (f);
  mark = last_sequence (f);

  authflow_faults_simulate_suspend (f->faults, seconds);
  WAIT_UNTIL (authflow_flow_get_refresh_count (f->flow) == 1);

  injected = find_fault_entries (f, mark, "injected", "suspend");
  g_assert_cmpuint (injected->len, ==, 1);
  assert_fault_entry (injected->pdata[0], "suspend");
  details = authflow_journal_entry_get_details (injected->pdata[0]);
  if (seconds == 0)
    {
      /* An hour's token, a minute past it. */
      g_assert_true (json_object_get_boolean_member (details, "pastExpiry"));
      g_assert_cmpint (json_object_get_int_member (details, "seconds"), >=, 3600);
      g_assert_cmpint (json_object_get_int_member (details, "seconds"), <=, 3661);
    }
  else
    {
      g_assert_false (json_object_get_boolean_member (details, "pastExpiry"));
      g_assert_cmpint (json_object_get_int_member (details, "seconds"), ==, seconds);
    }
  g_assert_cmpint (authflow_faults_get_clock_jump (f->faults), ==, json_object_get_int_member (details, "seconds"));

  started = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "refresh-started");
  g_assert_cmpuint (started->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (started->pdata[0]), "trigger"),
                   ==, "resume");
  g_assert_cmpuint (authflow_server_get_refresh_count (f->server), ==, 1);

  now = authflow_flow_dup_now (f->flow);
  g_assert_cmpint (g_date_time_compare (authflow_flow_get_next_refresh (f->flow), now), >, 0);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
}

/* keyring: the next keyring call fails as a real one would, the notice
 * says so, and Try Again works.
 */
static void
test_keyring (Fixture       *f,
              gconstpointer  data)
{
  AuthflowKeyringFault fault = GPOINTER_TO_INT (data);
  const char *name = fault == AUTHFLOW_KEYRING_FAULT_LOCKED ? "keyring-locked" : "keyring-unavailable";
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GPtrArray) applied = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *details;

  g_assert_true (restore (f->flow, &error));
  g_assert_no_error (error);

  authflow_faults_set_keyring_fault (f->faults, fault);
  log_in_emily (f);

  /* The login's save failed: signed in all the same, not remembered. */
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  if (fault == AUTHFLOW_KEYRING_FAULT_LOCKED)
    g_assert_cmpstr (authflow_flow_get_keyring_problem (f->flow), ==,
                     "The system keyring stayed locked, so your session will not be remembered after "
                     "Authflow closes.");
  else
    g_assert_cmpstr (authflow_flow_get_keyring_problem (f->flow), ==,
                     "The system keyring is not available, so your session will not be remembered after "
                     "Authflow closes.");
  g_assert_cmpint (authflow_faults_get_keyring_fault (f->faults), ==, AUTHFLOW_KEYRING_FAULT_NONE);

  calls = find_entries (f, 0, AUTHFLOW_JOURNAL_KEYRING, "save");
  g_assert_cmpuint (calls->len, ==, 1);
  assert_marked (calls->pdata[0], name);
  details = authflow_journal_entry_get_details (calls->pdata[0]);
  g_assert_cmpstr (json_object_get_string_member (details, "outcome"), ==,
                   fault == AUTHFLOW_KEYRING_FAULT_LOCKED ? "locked" : "error");
  g_assert_false (json_object_get_boolean_member (details, "prompted"));
  applied = find_fault_entries (f, 0, "applied", name);
  g_assert_cmpuint (applied->len, ==, 1);
  assert_fault_entry (applied->pdata[0], name);
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (applied->pdata[0]), "for"),
                   ==, "save");
  g_assert_false (is_stored (f->store));

  /* Try Again. */
  authflow_flow_retry_keyring (f->flow);
  WAIT_UNTIL (authflow_flow_get_keyring_problem (f->flow) == NULL);
  g_assert_true (is_stored (f->store));
  g_clear_pointer (&calls, g_ptr_array_unref);
  calls = find_entries (f, 0, AUTHFLOW_JOURNAL_KEYRING, "save");
  g_assert_cmpuint (calls->len, ==, 2);
  assert_not_marked (calls->pdata[1]);
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (calls->pdata[1]), "outcome"),
                   ==, "ok");
}

/* keyring at start-up: the restore cannot read the keyring; Try Again
 * brings the stored session back.
 */
static void
test_keyring_restore (Fixture       *f,
                      gconstpointer  data)
{
  AuthflowSession *session;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) loads = NULL;

  log_in_emily (f);
  WAIT_UNTIL (is_stored (f->store));

  /* The next start. */
  authflow_test_finalize_flow (g_steal_pointer (&f->flow));
  f->flow = authflow_flow_new (f->client, f->store);
  f->faults = authflow_flow_get_faults (f->flow);
  authflow_flow_set_journal (f->flow, f->journal);
  session = authflow_flow_get_session (f->flow);

  authflow_faults_set_keyring_fault (f->faults, AUTHFLOW_KEYRING_FAULT_LOCKED);
  g_assert_true (restore (f->flow, &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  g_assert_cmpstr (authflow_flow_get_keyring_problem (f->flow), ==,
                   "The system keyring stayed locked, so your session will not be remembered after "
                   "Authflow closes.");
  loads = find_entries (f, 0, AUTHFLOW_JOURNAL_KEYRING, "load");
  assert_marked (loads->pdata[loads->len - 1], "keyring-locked");

  authflow_flow_retry_keyring (f->flow);
  WAIT_UNTIL (authflow_session_get_state (session) == AUTHFLOW_SESSION_STATE_SIGNED_IN);
  WAIT_UNTIL (authflow_flow_get_keyring_problem (f->flow) == NULL);
  g_assert_cmpstr (authflow_user_get_username (authflow_session_get_user (session)), ==, "emilys");
}

/* revoke-session: the server ends the session for real; the next call is
 * refused, its renewal too, and the session ends with the message.
 */
static void
test_revoke_session (Fixture       *f,
                     gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GPtrArray) revokes = NULL;
  g_autoptr(GPtrArray) injected = NULL;
  g_autoptr(GPtrArray) exchanges = NULL;
  g_autoptr(GPtrArray) finished = NULL;
  guint64 mark;

  log_in_emily (f);
  WAIT_UNTIL (is_stored (f->store));
  mark = last_sequence (f);

  authflow_flow_revoke_session_async (f->flow, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  g_assert_true (authflow_flow_revoke_session_finish (f->flow, result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (reached (f, "POST", "/dev/revoke-session"), ==, 1);

  revokes = find_exchanges (f, mark, "dev_revoke_session");
  g_assert_cmpuint (revokes->len, ==, 1);
  assert_marked (revokes->pdata[0], "revoke-session");
  g_assert_cmpint (response_status (revokes->pdata[0]), ==, 200);
  injected = find_fault_entries (f, mark, "injected", "revoke-session");
  g_assert_cmpuint (injected->len, ==, 1);
  assert_fault_entry (injected->pdata[0], "revoke-session");
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (injected->pdata[0]), "outcome"),
                   ==, "revoked");

  /* Nothing changed here yet. */
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);

  mark = last_sequence (f);
  answer = call_me (f, NULL, &error);
  g_assert_null (answer);
  g_assert_error (error, AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_SESSION_EXPIRED);
  g_assert_cmpstr (error->message, ==, EXPIRED_MESSAGE);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  g_assert_cmpstr (authflow_flow_get_sign_out_reason (f->flow), ==, EXPIRED_MESSAGE);
  g_assert_cmpstr (authflow_flow_get_last_username (f->flow), ==, "emilys");
  WAIT_UNTIL (!is_stored (f->store));

  /* The refusals are the server's own, and say nothing of a fault. */
  exchanges = find_entries (f, mark, AUTHFLOW_JOURNAL_HTTP, "exchange");
  g_assert_cmpuint (exchanges->len, ==, 2);
  g_assert_cmpint (response_status (exchanges->pdata[0]), ==, 401);
  g_assert_cmpint (response_status (exchanges->pdata[1]), ==, 403);
  for (guint i = 0; i < exchanges->len; i++)
    assert_not_marked (exchanges->pdata[i]);
  finished = find_entries (f, mark, AUTHFLOW_JOURNAL_TOKEN, "refresh-finished");
  g_assert_cmpuint (finished->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (finished->pdata[0]), "outcome"),
                   ==, "refused");
}

/* revoke-session against a server without --dev-endpoints, and against a
 * backend whose profile has no such call: a clear error, and the session
 * goes on.
 */
static void
test_revoke_session_unavailable (Fixture       *f,
                                 gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowProfile) dummyjson = NULL;
  g_autoptr(AuthflowClient) other = NULL;
  g_autoptr(GPtrArray) exchanges = NULL;
  g_autoptr(JsonObject) answer = NULL;
  guint64 mark;

  authflow_server_set_dev_endpoints (f->server, FALSE);
  log_in_emily (f);

  authflow_flow_revoke_session_async (f->flow, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  g_assert_false (authflow_flow_revoke_session_finish (f->flow, result, &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==, "This backend has no development endpoint to revoke sessions. "
                                       "Start authflow-server with --dev-endpoints.");
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpuint (reached (f, "POST", "/dev/revoke-session"), ==, 1);

  answer = call_me (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);

  /* A backend that has none: nothing is sent. */
  dummyjson = authflow_client_load_builtin_profile ("dummyjson", &error);
  g_assert_no_error (error);
  other = authflow_client_new (NULL);
  authflow_client_set_profile (other, dummyjson);
  authflow_client_set_base_url (other, f->url);
  authflow_client_set_journal (other, f->journal);
  mark = last_sequence (f);
  authflow_client_revoke_session_async (other, "some-refresh-token", NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  g_assert_false (authflow_client_revoke_session_finish (other, result, &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==, "This backend has no development endpoint to revoke sessions");
  exchanges = find_entries (f, mark, AUTHFLOW_JOURNAL_HTTP, "exchange");
  g_assert_cmpuint (exchanges->len, ==, 0);
  g_assert_cmpuint (reached (f, "POST", "/dev/revoke-session"), ==, 1);

  /* Nobody signed in: nothing to revoke. */
  g_clear_error (&error);
  g_clear_object (&result);
  {
    g_autoptr(GAsyncResult) logged_out = NULL;

    authflow_flow_log_out_async (f->flow, NULL, authflow_test_got_result_cb, &logged_out);
    AWAIT (logged_out);
  }
  authflow_flow_revoke_session_async (f->flow, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  g_assert_false (authflow_flow_revoke_session_finish (f->flow, result, &error));
  g_assert_error (error, AUTHFLOW_FLOW_ERROR, AUTHFLOW_FLOW_ERROR_NOT_SIGNED_IN);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, data, func) \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("/faults/properties", NULL, test_properties);
  ADD ("/faults/apply", NULL, test_apply);
  ADD ("/faults/expire-token", NULL, test_expire_token);
  ADD ("/faults/invalidate-token", NULL, test_invalidate_token);
  ADD ("/faults/offline", NULL, test_offline);
  ADD ("/faults/latency", NULL, test_latency);
  ADD ("/faults/server-errors/503", GUINT_TO_POINTER (503), test_server_errors);
  ADD ("/faults/server-errors/500", GUINT_TO_POINTER (500), test_server_errors);
  ADD ("/faults/server-errors/429", GUINT_TO_POINTER (429), test_server_errors);
  ADD ("/faults/clock-skew/ahead", NULL, test_clock_skew_ahead);
  ADD ("/faults/clock-skew/behind", NULL, test_clock_skew_behind);
  ADD ("/faults/suspend/past-expiry", GINT_TO_POINTER (0), test_suspend);
  ADD ("/faults/suspend/seconds", GINT_TO_POINTER (7200), test_suspend);
  ADD ("/faults/keyring/locked", GINT_TO_POINTER (AUTHFLOW_KEYRING_FAULT_LOCKED), test_keyring);
  ADD ("/faults/keyring/unavailable", GINT_TO_POINTER (AUTHFLOW_KEYRING_FAULT_UNAVAILABLE), test_keyring);
  ADD ("/faults/keyring/restore", NULL, test_keyring_restore);
  ADD ("/faults/revoke-session", NULL, test_revoke_session);
  ADD ("/faults/revoke-session/unavailable", NULL, test_revoke_session_unavailable);

#undef ADD

  return g_test_run ();
}
