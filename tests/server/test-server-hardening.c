// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "authflow-server.h"
#include "authflow-test-utils.h"

/* The real authflow-server binary, spawned on a free loopback port, under
 * what a hostile or unlucky world does to it: many failed logins from one
 * address, and a SIGKILL in the middle of a stream of signups. */

#define REQUEST_TIMEOUT_MS 20000
#define SIGNUPS_IN_FLIGHT  6
#define SIGNUPS_BEFORE_KILL 24
#define SIGNUP_PASSWORD    "crash-safe-password"

/* One request, sent at once and answered later. */
typedef struct
{
  SoupMessage *msg;
  gboolean     done;
  guint        status;
  GBytes      *body;
  GError      *error;
  char        *username;
} Call;

static void
call_free (Call *call)
{
  g_clear_object (&call->msg);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_clear_error (&call->error);
  g_free (call->username);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Call *call = user_data;

  call->body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &call->error);
  call->status = soup_message_get_status (call->msg);
  call->done = TRUE;
}

static Call *
call_start (SoupSession *session,
            const char  *base_url,
            const char  *method,
            const char  *path,
            const char  *bearer,
            const char  *body)
{
  g_autofree char *url = g_strconcat (base_url, path, NULL);
  Call *call = g_new0 (Call, 1);

  call->msg = soup_message_new (method, url);
  g_assert_nonnull (call->msg);

  if (bearer != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", bearer, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (call->msg),
                                    "Authorization", authorization);
    }

  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (call->msg, "application/json", bytes);
    }

  soup_session_send_and_read_async (session, call->msg, G_PRIORITY_DEFAULT, NULL, send_cb, call);

  return call;
}

static void
call_wait (Call *call)
{
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, REQUEST_TIMEOUT_MS, call->done));
}

/* Sends one request and waits for its answer, which must come. */
static Call *
request (SoupSession *session,
         const char  *base_url,
         const char  *method,
         const char  *path,
         const char  *bearer,
         const char  *body)
{
  Call *call = call_start (session, base_url, method, path, bearer, body);

  call_wait (call);
  g_assert_no_error (call->error);

  return call;
}

static JsonObject *
call_object (Call *call)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (call->body, &len);
  JsonNode *root;

  json_parser_load_from_data (parser, data, len, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return json_object_ref (json_node_get_object (root));
}

static char *
call_dup_string (Call       *call,
                 const char *name)
{
  g_autoptr(JsonObject) object = call_object (call);

  return g_strdup (json_object_get_string_member_with_default (object, name, NULL));
}

#define assert_call_error(c, status_code, text) \
  G_STMT_START { \
    Call *_c = (c); \
    g_autofree char *_message = call_dup_string (_c, "message"); \
    g_assert_cmpstr (_message, ==, (text)); \
    g_assert_cmpuint (_c->status, ==, (status_code)); \
  } G_STMT_END

static char *
login_body (const char *username,
            const char *password)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

static void
assert_locked (Call *call)
{
  const char *retry_after;
  g_autofree char *message = NULL;
  guint64 seconds;

  g_assert_cmpuint (call->status, ==, 429);
  retry_after = soup_message_headers_get_one (soup_message_get_response_headers (call->msg), "Retry-After");
  g_assert_nonnull (retry_after);
  g_assert_true (g_ascii_string_to_unsigned (retry_after, 10, 1, AUTHFLOW_SERVER_LOGIN_FAILURE_WINDOW,
                                             &seconds, NULL));
  message = g_strdup_printf ("Too many failed login attempts. Try again in %s seconds.", retry_after);
  assert_call_error (call, 429, message);
}

/* Guessing many usernames from one address is slowed down although no
 * single username reaches its own limit. */
static void
test_address_lockout (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowTestServer) server = authflow_test_server_start (NULL, &error);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *emily = login_body ("emilys", "emilyspass");
  const char *url;

  g_assert_no_error (error);
  url = authflow_test_server_get_url (server);

  /* The default limit is 20 failures, each of them a new username. */
  for (guint i = 0; i < AUTHFLOW_SERVER_DEFAULT_MAX_ADDRESS_FAILURES; i++)
    {
      g_autofree char *username = g_strdup_printf ("guess%02u", i);
      g_autofree char *body = login_body (username, "wrong-password");
      g_autoptr(Call) reply = request (session, url, "POST", "/auth/login", NULL, body);

      assert_call_error (reply, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");
    }

  {
    g_autofree char *body = login_body ("guess-one-more", "wrong-password");
    g_autoptr(Call) locked = request (session, url, "POST", "/auth/login", NULL, body);

    assert_locked (locked);
  }

  /* The address is locked, not only the names it tried: a right password
   * waits as well, else the lock would tell a guess that hit. */
  {
    g_autoptr(Call) locked = request (session, url, "POST", "/auth/login", NULL, emily);

    assert_locked (locked);
  }

  /* Other calls go on. */
  {
    g_autoptr(Call) signup = request (session, url, "POST", "/auth/signup", NULL,
                                   "{\"username\":\"lockedout\",\"password\":\"long-enough-pass\","
                                      "\"email\":\"lockedout@example.com\"}");

    g_assert_cmpuint (signup->status, ==, SOUP_STATUS_CREATED);
  }
}

/* --max-address-failures sets the limit, and 0 turns it off. */
static void
test_address_lockout_option (void)
{
  const char *const three[] = { "--max-address-failures", "3", NULL };
  const char *const off[] = { "--max-address-failures", "0", "--max-login-failures", "0", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowTestServer) server = authflow_test_server_start (three, &error);
  g_autoptr(AuthflowTestServer) unlimited = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  const char *url;

  g_assert_no_error (error);
  url = authflow_test_server_get_url (server);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *username = g_strdup_printf ("option%u", i);
      g_autofree char *body = login_body (username, "wrong-password");
      g_autoptr(Call) reply = request (session, url, "POST", "/auth/login", NULL, body);

      assert_call_error (reply, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");
    }

  {
    g_autofree char *body = login_body ("option3", "wrong-password");
    g_autoptr(Call) locked = request (session, url, "POST", "/auth/login", NULL, body);

    assert_locked (locked);
  }

  unlimited = authflow_test_server_start (off, &error);
  g_assert_no_error (error);
  url = authflow_test_server_get_url (unlimited);

  for (guint i = 0; i < AUTHFLOW_SERVER_DEFAULT_MAX_ADDRESS_FAILURES + 2; i++)
    {
      g_autofree char *body = login_body ("emilys", "wrong-password");
      g_autoptr(Call) reply = request (session, url, "POST", "/auth/login", NULL, body);

      assert_call_error (reply, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");
    }
}

static char *
signup_body (const char *username)
{
  return g_strdup_printf ("{\"username\":\"%s\",\"password\":\"" SIGNUP_PASSWORD "\","
                          "\"email\":\"%s@example.com\"}", username, username);
}

static guint
count_done (GPtrArray *calls)
{
  guint done = 0;

  for (guint i = 0; i < calls->len; i++)
    done += ((Call *) g_ptr_array_index (calls, i))->done;

  return done;
}

static void
assert_integrity (const char *db_path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* Every signup that was answered 201 was on disk before the answer left:
 * a SIGKILL in the middle of a stream of them loses none of those. */
static void
test_kill_during_signups (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowTestServer) server = authflow_test_server_start (NULL, &error);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func ((GDestroyNotify) call_free);
  g_autoptr(GPtrArray) created = g_ptr_array_new ();
  g_autoptr(SoupSession) after = NULL;
  const char *url;
  guint next = 0;
  guint failed = 0;

  g_assert_no_error (error);
  url = authflow_test_server_get_url (server);

  /* Keeps SIGNUPS_IN_FLIGHT signups under way until enough are answered,
   * then kills the server while the next ones are still being worked on. */
  while (TRUE)
    {
      guint answered = 0;

      for (guint i = 0; i < calls->len; i++)
        {
          Call *c = g_ptr_array_index (calls, i);

          if (c->done && c->error == NULL && c->status == SOUP_STATUS_CREATED)
            answered++;
        }

      if (answered >= SIGNUPS_BEFORE_KILL)
        break;

      while (calls->len - count_done (calls) < SIGNUPS_IN_FLIGHT)
        {
          g_autofree char *body = NULL;
          Call *c;

          g_autofree char *username = g_strdup_printf ("crash%04u", next++);
          body = signup_body (username);
          c = call_start (session, url, "POST", "/auth/signup", NULL, body);
          c->username = g_steal_pointer (&username);
          g_ptr_array_add (calls, c);
        }

      authflow_test_iterate_until (NULL, g_get_monotonic_time () + 50 * 1000);
      g_assert_cmpuint (next, <, 10 * SIGNUPS_BEFORE_KILL);
    }

  g_assert_true (authflow_test_server_kill (server, &error));
  g_assert_no_error (error);

  /* What was still under way ends in an error or, if its answer had
   * already left, in a 201 that counts like the others. */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, REQUEST_TIMEOUT_MS, count_done (calls) == calls->len));
  soup_session_abort (session);

  for (guint i = 0; i < calls->len; i++)
    {
      Call *c = g_ptr_array_index (calls, i);

      if (c->error == NULL && c->status == SOUP_STATUS_CREATED)
        g_ptr_array_add (created, c);
      else if (c->error != NULL)
        failed++;
      else
        g_error ("Signup of %s was answered %u before the kill", c->username, c->status);
    }

  g_test_message ("%u signups answered 201, %u cut off by SIGKILL", created->len, failed);
  g_assert_cmpuint (created->len, >=, SIGNUPS_BEFORE_KILL);

  g_assert_true (authflow_test_server_restart (server, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (authflow_test_server_get_url (server), ==, url);

  assert_integrity (authflow_test_server_get_db_path (server));

  /* A new session: the old one's connections died with the server. */
  after = soup_session_new_with_options ("timeout", 30, NULL);
  for (guint i = 0; i < created->len; i++)
    {
      Call *c = g_ptr_array_index (created, i);
      g_autofree char *body = login_body (c->username, SIGNUP_PASSWORD);
      g_autofree char *refresh_token = call_dup_string (c, "refreshToken");
      g_autofree char *refresh_body = NULL;
      g_autofree char *returned_username = NULL;
      g_autoptr(Call) login = request (after, url, "POST", "/auth/login", NULL, body);
      g_autoptr(Call) refresh = NULL;

      g_test_message ("logging in as %s", c->username);
      g_assert_cmpuint (login->status, ==, SOUP_STATUS_OK);
      returned_username = call_dup_string (login, "username");
      g_assert_cmpstr (returned_username, ==, c->username);

      /* The session that the 201 started survived as well. */
      g_assert_nonnull (refresh_token);
      refresh_body = g_strdup_printf ("{\"refreshToken\":\"%s\"}", refresh_token);
      refresh = request (after, url, "POST", "/auth/refresh", NULL, refresh_body);
      g_assert_cmpuint (refresh->status, ==, SOUP_STATUS_OK);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server-hardening/address-lockout", test_address_lockout);
  g_test_add_func ("/server-hardening/address-lockout-option", test_address_lockout_option);
  g_test_add_func ("/server-hardening/kill-during-signups", test_kill_during_signups);

  return g_test_run ();
}
