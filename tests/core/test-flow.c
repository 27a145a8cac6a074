// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "authflow-flow.h"
#include "authflow-test-core.h"
#include "authflow-test-utils.h"

/* The flow actions against the real reference server (the binary, on a free
 * loopback port) and the real gnome-keyring of the test's private session.
 */

typedef struct
{
  AuthflowTestServer   *server;
  AuthflowClient       *client;
  AuthflowSessionStore *store;
  AuthflowFlow         *flow;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = authflow_test_server_start (NULL, &error);
  g_assert_no_error (error);

  f->client = authflow_client_new (authflow_test_server_get_url (f->server));
  f->store = authflow_session_store_new (authflow_client_get_base_url (f->client));
  f->flow = authflow_flow_new (f->client, f->store);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  authflow_test_finalize_flow (g_steal_pointer (&f->flow));
  g_assert_finalize_object (g_steal_pointer (&f->store));
  g_assert_finalize_object (g_steal_pointer (&f->client));
  g_clear_pointer (&f->server, authflow_test_server_free);
}

#define AWAIT(res) g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 30000, (res) != NULL))

static gboolean
restore (AuthflowFlow  *flow,
         GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_restore_async (flow, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_flow_restore_finish (flow, result, error);
}

static gboolean
log_in (AuthflowFlow  *flow,
        const char    *username,
        const char    *password,
        GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_log_in_async (flow, username, password, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_flow_log_in_finish (flow, result, error);
}

static gboolean
sign_up (AuthflowFlow  *flow,
         const char    *username,
         const char    *email,
         const char    *password,
         GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_sign_up_async (flow, username, email, password, "Ada", "Lovelace",
                               NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_flow_sign_up_finish (flow, result, error);
}

static void
log_out (AuthflowFlow *flow)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  authflow_flow_log_out_async (flow, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  g_assert_true (authflow_flow_log_out_finish (flow, result, &error));
  g_assert_no_error (error);
}

static char *
load_stored (AuthflowSessionStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *stored;
  char *copy;

  authflow_session_store_load_async (store, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  stored = authflow_session_store_load_finish (store, result, &error);
  g_assert_no_error (error);

  /* The store's copy is in non-pageable memory; the tests' goes with g_free(). */
  copy = g_strdup (stored);
  secret_password_free (stored);

  return copy;
}

static gboolean
is_stored (AuthflowSessionStore *store,
           const char           *needle)
{
  g_autofree char *stored = load_stored (store);
  gboolean found = stored != NULL && (needle == NULL || strstr (stored, needle) != NULL);

  return found;
}

/* What another client (or the attacker with a stolen token) gets from the
 * server for a refresh token.
 */
static guint
refresh_status (Fixture    *f,
                const char *refresh_token)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autofree char *url = NULL;
  g_autofree char *json = NULL;

  url = g_strconcat (authflow_test_server_get_url (f->server), "/auth/refresh", NULL);
  message = soup_message_new ("POST", url);
  json = g_strdup_printf ("{\"refreshToken\": \"%s\"}", refresh_token);
  body = g_bytes_new (json, strlen (json));
  soup_message_set_request_body_from_bytes (message, "application/json", body);

  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL,
                                    authflow_test_got_result_cb, &result);
  AWAIT (result);
  answer = soup_session_send_and_read_finish (session, result, NULL);

  return soup_message_get_status (message);
}

static void
test_log_in (Fixture       *f,
             gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) before = NULL;
  g_autoptr(GDateTime) after = NULL;
  g_autofree char *stored = NULL;
  AuthflowUser *user;

  g_assert_true (restore (f->flow, &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);

  before = g_date_time_new_now_utc ();
  g_assert_true (log_in (f->flow, "emilys", "emilyspass", &error));
  after = g_date_time_new_now_utc ();
  g_assert_no_error (error);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "1");
  g_assert_nonnull (authflow_session_get_access_token (session));
  g_assert_nonnull (authflow_session_get_refresh_token (session));

  /* The expiry comes from the token's exp claim: the server's default
   * lifetime is an hour from when it answered, whole seconds.
   */
  g_assert_nonnull (authflow_session_get_expiry (session));
  g_assert_cmpint (g_date_time_difference (authflow_session_get_expiry (session), before), >=,
                   3599 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (g_date_time_difference (authflow_session_get_expiry (session), after), <=,
                   3600 * G_TIME_SPAN_SECOND);

  user = authflow_session_get_user (session);
  g_assert_cmpstr (authflow_user_get_username (user), ==, "emilys");
  g_assert_cmpstr (authflow_user_get_first_name (user), ==, "Emily");
  g_assert_cmpstr (authflow_user_get_last_name (user), ==, "Johnson");
  g_assert_false (json_object_has_member (authflow_user_get_json (user), "accessToken"));
  g_assert_false (json_object_has_member (authflow_user_get_json (user), "password"));

  /* The login completes once the keyring holds the session. */
  stored = load_stored (f->store);
  g_assert_nonnull (stored);
  g_assert_nonnull (strstr (stored, authflow_session_get_refresh_token (session)));
  g_assert_null (authflow_flow_get_keyring_problem (f->flow));
}

static void
test_log_in_wrong_password (Fixture       *f,
                            gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;

  g_assert_true (restore (f->flow, NULL));

  g_assert_false (log_in (f->flow, "emilys", "not-her-password", &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_REJECTED);
  g_assert_cmpstr (error->message, ==, "Invalid credentials");
  g_clear_error (&error);

  g_assert_false (log_in (f->flow, "nobody-here", "whatever1", &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_REJECTED);
  g_assert_cmpstr (error->message, ==, "Invalid credentials");

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  stored = load_stored (f->store);
  g_assert_null (stored);
}

static void
test_log_in_server_down (Fixture       *f,
                         gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  g_assert_true (restore (f->flow, NULL));
  g_assert_true (authflow_test_server_stop (f->server, &error));
  g_assert_no_error (error);

  g_assert_false (log_in (f->flow, "emilys", "emilyspass", &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK);
  expected = g_strdup_printf ("Could not connect to the server at 127.0.0.1:%u. "
                              "Check that it is running and that you are online.",
                              authflow_test_server_get_port (f->server));
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
}

static void
test_sign_up (Fixture       *f,
              gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;

  g_assert_true (restore (f->flow, NULL));

  g_assert_false (sign_up (f->flow, "ada", "not-an-email", "analytical", &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_INVALID_EMAIL);
  g_assert_cmpstr (error->message, ==, "Email is not valid");
  g_clear_error (&error);

  g_assert_false (sign_up (f->flow, "ada", "ada@example.com", "short", &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_INVALID_PASSWORD);
  g_assert_cmpstr (error->message, ==, "Password must be at least 8 characters");
  g_clear_error (&error);

  g_assert_false (sign_up (f->flow, "emilys", "e@example.com", "analytical", &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_INVALID_USERNAME);
  g_assert_cmpstr (error->message, ==, "Username already taken");
  g_clear_error (&error);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);

  /* Success signs the new user straight in. */
  g_assert_true (sign_up (f->flow, "ada", "ada@example.com", "analytical", &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_user_get_username (authflow_session_get_user (session)), ==, "ada");
  g_assert_cmpstr (authflow_user_get_email (authflow_session_get_user (session)), ==, "ada@example.com");
  g_assert_cmpstr (authflow_user_get_first_name (authflow_session_get_user (session)), ==, "Ada");
  stored = load_stored (f->store);
  g_assert_nonnull (stored);

  /* And the account is real: it logs in after a logout. */
  log_out (f->flow);
  g_assert_true (log_in (f->flow, "ada", "analytical", &error));
  g_assert_no_error (error);
}

static void
test_restore_without_network (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(AuthflowClient) client = NULL;
  g_autoptr(AuthflowSessionStore) store = NULL;
  g_autoptr(AuthflowFlow) flow = NULL;
  g_autoptr(GError) error = NULL;
  AuthflowSession *first = authflow_flow_get_session (f->flow);
  AuthflowSession *second;

  g_assert_true (restore (f->flow, NULL));
  g_assert_true (log_in (f->flow, "emilys", "emilyspass", &error));
  g_assert_no_error (error);

  /* A second start of the app, with the server gone: the session comes
   * from the keyring alone.
   */
  g_assert_true (authflow_test_server_stop (f->server, &error));
  client = authflow_client_new (authflow_test_server_get_url (f->server));
  store = authflow_session_store_new (authflow_client_get_base_url (client));
  flow = authflow_flow_new (client, store);
  second = authflow_flow_get_session (flow);
  g_assert_cmpint (authflow_session_get_state (second), ==, AUTHFLOW_SESSION_STATE_RESTORING);

  g_assert_true (restore (flow, &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (second), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (second), ==, authflow_session_get_access_token (first));
  g_assert_cmpstr (authflow_session_get_refresh_token (second), ==, authflow_session_get_refresh_token (first));
  g_assert_cmpstr (authflow_session_get_uid (second), ==, "1");
  g_assert_true (g_date_time_equal (authflow_session_get_expiry (second), authflow_session_get_expiry (first)));
  g_assert_true (authflow_user_equal (authflow_session_get_user (second), authflow_session_get_user (first)));

  authflow_test_finalize_flow (g_steal_pointer (&flow));
}

static const SecretSchema *
session_schema (void)
{
  static const SecretSchema schema = {
    "io.github.authflow.Authflow.Session", SECRET_SCHEMA_NONE,
    { { "backend", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } }
  };

  return &schema;
}

static void
test_restore_corrupt (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GString) deep = g_string_new ("{\"version\": 1, \"accessToken\": \"abc\", \"user\": {\"a\": ");
  g_autoptr(GString) huge = g_string_new ("{\"version\": 1, \"accessToken\": \"abc\", \"user\": {\"a\": \"");
  const char *items[] = {
    "not json at all",
    "[1, 2, 3]",
    "{\"version\": 1, \"accessToken\": 42, \"user\": {}}",
    "{\"version\": 1, \"user\": {\"id\": 1}}",
    "{\"version\": 99, \"accessToken\": \"abc\", \"user\": {}}",
    /* Nested 60,000 levels deep: it used to crash every start. */
    NULL,
    /* 10 MB: it used to keep the window from ever appearing. */
    NULL,
  };

  for (guint i = 0; i < 60000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 60000; i++)
    g_string_append_c (deep, ']');
  g_string_append (deep, "}}");
  items[5] = deep->str;

  while (huge->len < 10 * 1024 * 1024)
    g_string_append (huge, "0123456789abcdef");
  g_string_append (huge, "\"}}");
  items[6] = huge->str;

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_autoptr(AuthflowFlow) flow = NULL;
      g_autoptr(GError) error = NULL;
      gboolean ok;

      ok = secret_password_store_sync (session_schema (), SECRET_COLLECTION_DEFAULT,
                                       "corrupt", items[i], NULL, &error,
                                       "backend", authflow_session_store_get_backend (f->store),
                                       NULL);
      g_assert_no_error (error);
      g_assert_true (ok);

      flow = authflow_flow_new (f->client, f->store);
      g_assert_false (restore (flow, &error));
      g_assert_error (error, AUTHFLOW_SESSION_ERROR,
                      (i == 4 ? AUTHFLOW_SESSION_ERROR_VERSION : AUTHFLOW_SESSION_ERROR_CORRUPT));
      g_assert_cmpstr (error->message, ==,
                       "The stored session could not be read and was removed. Please log in again.");
      g_assert_cmpint (authflow_session_get_state (authflow_flow_get_session (flow)), ==,
                       AUTHFLOW_SESSION_STATE_SIGNED_OUT);

      /* The bad item is removed, so the next start is clean. */
      g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, !is_stored (f->store, NULL)));
      authflow_test_finalize_flow (g_steal_pointer (&flow));
    }
}

/* A flow on the fixture's server through another profile than the
 * reference one: the built-in reference profile under the id "mirror".
 */
static AuthflowFlow *
new_mirror_flow (Fixture               *f,
                 AuthflowSessionStore **out_store)
{
  g_autoptr(GBytes) bytes = g_resources_lookup_data ("/io/github/authflow/Authflow/profiles/reference.json",
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_autoptr(GString) text = g_string_new_len (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(AuthflowClient) client = authflow_client_new (NULL);

  g_assert_cmpint (g_string_replace (text, "\"id\": \"reference\"", "\"id\": \"mirror\"", 1), ==, 1);
  profile = authflow_profile_new_from_string (text->str, "mirror.json", &error);
  g_assert_no_error (error);
  authflow_client_set_profile (client, profile);
  authflow_client_set_base_url (client, authflow_test_server_get_url (f->server));
  *out_store = authflow_session_store_new (authflow_client_get_base_url (client));

  return authflow_flow_new (client, *out_store);
}

static AuthflowSessionState
restored_state (AuthflowFlow *flow)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (restore (flow, &error));
  g_assert_no_error (error);

  return authflow_session_get_state (authflow_flow_get_session (flow));
}

/* A stored session belongs to one profile and URL: another profile of the
 * same server does not open on it, and keeps its own.
 */
static void
test_profiles_apart (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(AuthflowSessionStore) mirror_store = NULL;
  g_autoptr(AuthflowFlow) mirror = new_mirror_flow (f, &mirror_store);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowFlow) again = NULL;

  g_assert_cmpint (restored_state (f->flow), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  g_assert_true (log_in (f->flow, "emilys", "emilyspass", &error));
  g_assert_no_error (error);

  g_assert_cmpint (restored_state (mirror), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  g_assert_true (log_in (mirror, "michaelw", "michaelwpass", &error));
  g_assert_no_error (error);
  authflow_test_finalize_flow (g_steal_pointer (&mirror));

  /* Each profile finds its own user again. */
  again = authflow_flow_new (authflow_flow_get_client (f->flow), f->store);
  g_assert_cmpint (restored_state (again), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_user_get_username (authflow_session_get_user (authflow_flow_get_session (again))), ==, "emilys");
  authflow_test_finalize_flow (g_steal_pointer (&again));

  mirror = new_mirror_flow (f, &mirror_store);
  g_assert_cmpint (restored_state (mirror), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_user_get_username (authflow_session_get_user (authflow_flow_get_session (mirror))), ==, "michaelw");

  /* Logging out of one leaves the other. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    authflow_flow_log_out_async (mirror, NULL, authflow_test_got_result_cb, &result);
    AWAIT (result);
    g_assert_true (authflow_flow_log_out_finish (mirror, result, &error));
  }
  authflow_test_finalize_flow (g_steal_pointer (&mirror));
  again = authflow_flow_new (authflow_flow_get_client (f->flow), f->store);
  g_assert_cmpint (restored_state (again), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  authflow_test_finalize_flow (g_steal_pointer (&again));
}

/* An item of a version that keyed sessions by URL alone: the first
 * profile to look is still signed in, and the item is its own from then on.
 */
static void
test_profiles_migrate (Fixture       *f,
                       gconstpointer  data)
{
  static const SecretSchema url_only = {
    "io.github.authflow.Authflow.Session", SECRET_SCHEMA_NONE,
    { { "backend", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } }
  };
  g_autoptr(AuthflowSessionStore) mirror_store = NULL;
  g_autoptr(AuthflowFlow) mirror = NULL;
  g_autoptr(AuthflowFlow) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_autoptr(GList) items = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(SecretService) service = NULL;

  /* Today's item, as the older version wrote it. */
  g_assert_cmpint (restored_state (f->flow), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  g_assert_true (log_in (f->flow, "emilys", "emilyspass", &error));
  stored = load_stored (f->store);
  g_assert_nonnull (stored);
  authflow_test_clear_stored (f->store);
  g_assert_true (secret_password_store_sync (&url_only, SECRET_COLLECTION_DEFAULT, "Authflow session",
                                             stored, NULL, &error,
                                             "backend", authflow_test_server_get_url (f->server), NULL));
  g_assert_no_error (error);

  first = authflow_flow_new (authflow_flow_get_client (f->flow), f->store);
  g_assert_cmpint (restored_state (first), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  authflow_test_finalize_flow (g_steal_pointer (&first));

  /* Now it is the reference profile's; the other profile does not take it. */
  service = secret_service_get_sync (SECRET_SERVICE_LOAD_COLLECTIONS, NULL, &error);
  g_assert_no_error (error);
  attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (attributes, (gpointer) "backend", (gpointer) authflow_test_server_get_url (f->server));
  g_hash_table_insert (attributes, (gpointer) "profile", (gpointer) "reference");
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, ({
    g_list_free_full (g_steal_pointer (&items), g_object_unref);
    items = secret_service_search_sync (service, NULL, attributes, SECRET_SEARCH_ALL, NULL, NULL);
    items != NULL;
  })));
  g_list_free_full (g_steal_pointer (&items), g_object_unref);

  mirror = new_mirror_flow (f, &mirror_store);
  g_assert_cmpint (restored_state (mirror), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  authflow_test_finalize_flow (g_steal_pointer (&mirror));
}

/* A backend with no refresh call: a stand-in on loopback whose login gives
 * a 2-second opaque token. No real server of this project lacks a refresh
 * call, so this is the one place where the test makes up the backend.
 */
static const char no_refresh_profile[] =
  "{\"id\": \"no-refresh\", \"name\": \"No refresh\", \"base_url\": \"http://127.0.0.1\","
  " \"calls\": {\"login\": {\"method\": \"POST\", \"path\": \"/login\","
  "                         \"body\": {\"username\": \"{{username}}\", \"password\": \"{{password}}\"}}},"
  " \"answer\": {\"access_token\": \"$.token\", \"expiry\": {\"path\": \"$.expires_in\", \"form\": \"seconds\"},"
  "            \"user\": \"$.user\"}}";

static void
no_refresh_login_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  static const char answer[] = "{\"token\": \"opaque\", \"expires_in\": 2, \"user\": {\"id\": 3, \"username\": \"ada\"}}";

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, answer, strlen (answer));
}

static AuthflowFlow *
new_no_refresh_flow (const char            *url,
                     AuthflowSessionStore **out_store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowProfile) profile = authflow_profile_new_from_string (no_refresh_profile, "no-refresh.json", &error);
  g_autoptr(AuthflowClient) client = authflow_client_new (NULL);

  g_assert_no_error (error);
  authflow_client_set_profile (client, profile);
  authflow_client_set_base_url (client, url);
  *out_store = authflow_session_store_new (authflow_client_get_base_url (client));

  return authflow_flow_new (client, *out_store);
}

static void
assert_ended (AuthflowFlow         *flow,
              AuthflowSessionStore *store)
{
  g_assert_cmpint (authflow_session_get_state (authflow_flow_get_session (flow)), ==,
                   AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  g_assert_cmpstr (authflow_flow_get_sign_out_reason (flow), ==, "Your session has expired. Please log in again.");
  g_assert_cmpstr (authflow_flow_get_last_username (flow), ==, "ada");
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, !is_stored (store, NULL)));
}

/* A session that can never be renewed ends at its expiry, like one whose
 * renewal the server refused, and a restart never brings it back.
 */
static void
test_no_refresh_expiry (void)
{
  g_autoptr(SoupServer) stand_in = soup_server_new (NULL, NULL);
  g_autoptr(AuthflowSessionStore) store = NULL;
  g_autoptr(AuthflowFlow) flow = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GSList *uris;

  soup_server_add_handler (stand_in, "/login", no_refresh_login_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (stand_in, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (stand_in);
  url = g_strdup_printf ("http://127.0.0.1:%u", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  /* Expiry while signed in: the session ends by itself. */
  flow = new_no_refresh_flow (url, &store);
  g_assert_true (restore (flow, &error));
  authflow_flow_log_in_async (flow, "ada", "secret", NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  authflow_flow_log_in_finish (flow, result, &error);
  g_assert_no_error (error);
  g_assert_true (is_stored (store, NULL));
  g_assert_null (authflow_flow_get_next_refresh (flow));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000,
                                           authflow_session_get_state (authflow_flow_get_session (flow)) ==
                                           AUTHFLOW_SESSION_STATE_SIGNED_OUT));
  assert_ended (flow, store);
  g_clear_object (&result);
  authflow_test_finalize_flow (g_steal_pointer (&flow));
  g_assert_finalize_object (g_steal_pointer (&store));

  /* Expiry while the app was closed: the next start does not restore it. */
  flow = new_no_refresh_flow (url, &store);
  g_assert_true (restore (flow, &error));
  authflow_flow_log_in_async (flow, "ada", "secret", NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  g_assert_true (authflow_flow_log_in_finish (flow, result, &error));
  g_clear_object (&result);
  authflow_test_finalize_flow (g_steal_pointer (&flow));
  g_assert_finalize_object (g_steal_pointer (&store));
  authflow_test_wait (NULL, 2500);

  flow = new_no_refresh_flow (url, &store);
  g_assert_true (restore (flow, &error));
  g_assert_no_error (error);
  assert_ended (flow, store);
  authflow_test_finalize_flow (g_steal_pointer (&flow));
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

static void
test_log_out (Fixture       *f,
              gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GError) error = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *stored = NULL;
  guint state_notifies = 0;

  g_assert_true (restore (f->flow, NULL));
  g_assert_true (log_in (f->flow, "emilys", "emilyspass", &error));
  g_assert_no_error (error);
  refresh_token = g_strdup (authflow_session_get_refresh_token (session));

  g_signal_connect (session, "notify::state", G_CALLBACK (count_cb), &state_notifies);
  log_out (f->flow);
  g_signal_handlers_disconnect_by_func (session, count_cb, &state_notifies);

  g_assert_cmpuint (state_notifies, ==, 1);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  g_assert_null (authflow_session_get_access_token (session));
  g_assert_null (authflow_session_get_refresh_token (session));
  g_assert_null (authflow_session_get_user (session));
  stored = load_stored (f->store);
  g_assert_null (stored);

  /* The server's logout revoked the refresh token's family. */
  g_assert_cmpuint (refresh_status (f, refresh_token), ==, 403);
}

static void
test_log_out_server_down (Fixture       *f,
                          gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;

  g_assert_true (restore (f->flow, NULL));
  g_assert_true (log_in (f->flow, "emilys", "emilyspass", &error));
  g_assert_no_error (error);

  /* Logging out never depends on the server. */
  g_assert_true (authflow_test_server_stop (f->server, &error));
  log_out (f->flow);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  stored = load_stored (f->store);
  g_assert_null (stored);
}

static void
test_persist_off (Fixture       *f,
                  gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(AuthflowSessionStore) reader = authflow_session_store_new (authflow_session_store_get_backend (f->store));
  g_autoptr(GError) error = NULL;

  authflow_session_store_set_persist (f->store, FALSE);
  g_assert_true (restore (f->flow, NULL));
  g_assert_true (log_in (f->flow, "emilys", "emilyspass", &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);

  /* Nothing reached the keyring. */
  g_assert_false (is_stored (reader, NULL));

  /* Turned on while signed in, the session is stored at once… */
  authflow_session_store_set_persist (f->store, TRUE);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, is_stored (reader, NULL)));

  /* …and turned off, it is removed at once, while the person stays signed
   * in for this run.
   */
  authflow_session_store_set_persist (f->store, FALSE);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, !is_stored (reader, NULL)));
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
}

static void
test_update_user (Fixture       *f,
                  gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(JsonObject) json = json_object_new ();
  g_autoptr(AuthflowUser) user = NULL;
  g_autoptr(GError) error = NULL;
  guint user_notifies = 0;

  g_assert_true (restore (f->flow, NULL));
  g_assert_true (log_in (f->flow, "emilys", "emilyspass", &error));
  g_assert_no_error (error);

  json_object_set_int_member (json, "id", 1);
  json_object_set_string_member (json, "username", "emilys");
  json_object_set_string_member (json, "firstName", "Em");
  user = authflow_user_new_from_json (json);

  g_signal_connect (session, "notify::user", G_CALLBACK (count_cb), &user_notifies);
  authflow_flow_update_user (f->flow, user);
  g_signal_handlers_disconnect_by_func (session, count_cb, &user_notifies);

  g_assert_cmpuint (user_notifies, ==, 1);
  g_assert_cmpstr (authflow_user_get_first_name (authflow_session_get_user (session)), ==, "Em");

  /* The keyring follows: a later start sees the updated user. */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, is_stored (f->store, "\"Em\"")));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/flow/log-in", test_log_in);
  ADD ("/flow/log-in/wrong-password", test_log_in_wrong_password);
  ADD ("/flow/log-in/server-down", test_log_in_server_down);
  ADD ("/flow/sign-up", test_sign_up);
  ADD ("/flow/restore/without-network", test_restore_without_network);
  ADD ("/flow/restore/corrupt", test_restore_corrupt);
  ADD ("/flow/log-out", test_log_out);
  ADD ("/flow/log-out/server-down", test_log_out_server_down);
  ADD ("/flow/persist-off", test_persist_off);
  ADD ("/flow/update-user", test_update_user);
  g_test_add_func ("/flow/no-refresh/ends-at-expiry", test_no_refresh_expiry);
  ADD ("/flow/profiles/apart", test_profiles_apart);
  ADD ("/flow/profiles/migrate", test_profiles_migrate);

#undef ADD

  return g_test_run ();
}
