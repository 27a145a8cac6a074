// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "authflow-check.h"
#include "authflow-client.h"
#include "authflow-test-standin.h"
#include "authflow-test-utils.h"

/* The backend check, item by item, as a developer running it would see
 * it: against the real reference server binary, where every item passes;
 * against stand-ins on 127.0.0.1 that answer as the reference server does
 * but break one thing on purpose (no refresh token, no expiry, a bad token
 * taken or answered with 500, a refresh token that does not rotate or
 * that still works once spent or after logout, `me` for another user,
 * errors without a message, a clock an hour ahead, no Date at all); and
 * against the dummyjson.com stand-in of authflow-test-standin.c, with the
 * warnings that dummyjson.com earns. Each warning and failure is asserted
 * word for word, with only the milliseconds left out.
 *
 * The stand-ins are SoupServers in this process: there is no network to
 * reach dummyjson.com from here, and a real server cannot be made to
 * misbehave one way at a time.
 */

#define AWAIT(res) g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 60000, (res) != NULL))

typedef struct
{
  /* The backend: the real server, or a stand-in. */
  AuthflowTestServer    *server;
  SoupServer            *standin;
  gboolean               dummyjson_mode;
  AuthflowTestDummyjson  dummyjson;
  char                  *url;

  /* How the stand-in misbehaves. */
  gboolean               no_refresh_token;
  gboolean               no_expiry;
  guint                  bad_token_status;
  gboolean               not_rotated;
  gboolean               spent_accepted;
  gboolean               logout_keeps_refresh;
  const char            *me_uid;
  gboolean               no_messages;
  GTimeSpan              date_offset;
  gboolean               no_date;

  /* Its state: access and refresh tokens → their session, the sessions
   * still live, the refresh tokens spent, the user's first name; and every
   * token it issued, to look for in what the check prints.
   */
  GHashTable            *access_tokens;
  GHashTable            *refresh_tokens;
  GHashTable            *live;
  GHashTable            *spent;
  guint                  next_session;
  char                  *first_name;
  GPtrArray             *issued;

  AuthflowCheck         *check;
  GString               *notifications;
} Fixture;

static char *
random_token (void)
{
  g_autofree char *a = g_uuid_string_random ();
  g_autofree char *b = g_uuid_string_random ();

  return g_strconcat (a, b, NULL);
}

static JsonObject *
user_record (Fixture    *f,
             const char *id)
{
  g_autoptr(JsonObject) user = json_object_new ();

  json_object_set_int_member (user, "id", g_ascii_strtoll (id, NULL, 10));
  json_object_set_string_member (user, "username", "emilys");
  json_object_set_string_member (user, "email", "emily.johnson@x.dummyjson.com");
  json_object_set_string_member (user, "firstName", f->first_name);
  json_object_set_string_member (user, "lastName", "Johnson");

  return g_steal_pointer (&user);
}

static void
answer_error (Fixture           *f,
              SoupServerMessage *msg,
              guint              status,
              const char        *message)
{
  g_autoptr(JsonObject) answer = json_object_new ();

  if (f->no_messages)
    json_object_set_int_member (answer, "code", status);
  else
    json_object_set_string_member (answer, "message", message);
  authflow_test_respond (msg, status, answer);
}

/* A session's tokens, as the reference server's login and refresh give
 * them; each stand-in fault leaves out or keeps what it says.
 */
static void
issue (Fixture    *f,
       JsonObject *answer,
       guint       session,
       const char *old_refresh_token)
{
  g_autofree char *access_token = random_token ();
  g_autofree char *refresh_token = random_token ();

  g_hash_table_insert (f->access_tokens, g_strdup (access_token), GUINT_TO_POINTER (session));
  g_ptr_array_add (f->issued, g_strdup (access_token));
  json_object_set_string_member (answer, "accessToken", access_token);

  if (f->not_rotated && old_refresh_token != NULL)
    json_object_set_string_member (answer, "refreshToken", old_refresh_token);
  else if (!f->no_refresh_token)
    {
      g_hash_table_insert (f->refresh_tokens, g_strdup (refresh_token), GUINT_TO_POINTER (session));
      g_ptr_array_add (f->issued, g_strdup (refresh_token));
      json_object_set_string_member (answer, "refreshToken", refresh_token);
    }

  if (!f->no_expiry)
    json_object_set_int_member (answer, "expires_in", 3600);
}

/* The session of the bearer token, or 0. */
static guint
bearer_session (Fixture           *f,
                SoupServerMessage *msg)
{
  const char *authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                            "Authorization");
  guint session;

  if (authorization == NULL || !g_str_has_prefix (authorization, "Bearer "))
    return 0;

  session = GPOINTER_TO_UINT (g_hash_table_lookup (f->access_tokens, authorization + strlen ("Bearer ")));

  return g_hash_table_contains (f->live, GUINT_TO_POINTER (session)) ? session : 0;
}

static void
standin_login (Fixture           *f,
               SoupServerMessage *msg,
               JsonObject        *body)
{
  g_autoptr(JsonObject) answer = NULL;
  guint session;

  if (body == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (body, "username", NULL), "emilys") != 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (body, "password", NULL), "emilyspass") != 0)
    {
      answer_error (f, msg, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");
      return;
    }

  session = ++f->next_session;
  g_hash_table_add (f->live, GUINT_TO_POINTER (session));
  answer = user_record (f, "1");
  issue (f, answer, session, NULL);
  authflow_test_respond (msg, SOUP_STATUS_OK, answer);
}

static void
standin_me (Fixture           *f,
            SoupServerMessage *msg,
            JsonObject        *body)
{
  g_autoptr(JsonObject) user = NULL;

  if (bearer_session (f, msg) == 0)
    {
      if (f->bad_token_status == SOUP_STATUS_OK)
        authflow_test_respond (msg, SOUP_STATUS_OK, (user = user_record (f, "1")));
      else
        answer_error (f, msg, f->bad_token_status, "Invalid/Expired Token!");
      return;
    }

  if (body != NULL && json_object_has_member (body, "firstName"))
    {
      g_free (f->first_name);
      f->first_name = g_strdup (json_object_get_string_member (body, "firstName"));
    }

  user = user_record (f, f->me_uid);
  authflow_test_respond (msg, SOUP_STATUS_OK, user);
}

static void
standin_refresh (Fixture           *f,
                 SoupServerMessage *msg,
                 JsonObject        *body)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  const char *refresh_token = body != NULL ? json_object_get_string_member_with_default (body, "refreshToken", NULL)
                                           : NULL;
  guint session = refresh_token != NULL
                  ? GPOINTER_TO_UINT (g_hash_table_lookup (f->refresh_tokens, refresh_token)) : 0;

  if (session == 0 || !g_hash_table_contains (f->live, GUINT_TO_POINTER (session)) ||
      (g_hash_table_contains (f->spent, refresh_token) && !f->spent_accepted))
    {
      answer_error (f, msg, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");
      return;
    }

  if (!f->not_rotated)
    g_hash_table_add (f->spent, g_strdup (refresh_token));
  issue (f, answer, session, refresh_token);
  authflow_test_respond (msg, SOUP_STATUS_OK, answer);
}

static gboolean
same_session_cb (gpointer key,
                 gpointer value,
                 gpointer user_data)
{
  return value == user_data;
}

static void
standin_logout (Fixture           *f,
                SoupServerMessage *msg)
{
  guint session = bearer_session (f, msg);

  if (session == 0)
    {
      answer_error (f, msg, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
      return;
    }

  /* Its access tokens go; its refresh tokens too, unless the stand-in
   * forgets them.
   */
  g_hash_table_foreach_remove (f->access_tokens, same_session_cb, GUINT_TO_POINTER (session));
  if (!f->logout_keeps_refresh)
    g_hash_table_remove (f->live, GUINT_TO_POINTER (session));
  answer_error (f, msg, SOUP_STATUS_OK, "Logged out successfully");
}

static void
standin_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Fixture *f = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(JsonObject) body = authflow_test_parse_object (text);

  if (f->date_offset != 0)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(GDateTime) then = g_date_time_add (now, f->date_offset);
      g_autofree char *date = soup_date_time_to_string (then, SOUP_DATE_HTTP);

      soup_message_headers_replace (response_headers, "Date", date);
    }
  if (f->no_date)
    soup_message_headers_remove (response_headers, "Date");

  if (f->dummyjson_mode)
    {
      const char *authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                                "Authorization");

      g_clear_pointer (&f->dummyjson.access_token, g_free);
      g_clear_pointer (&f->dummyjson.refresh_token, g_free);
      authflow_test_dummyjson_answer (&f->dummyjson, msg, method, path, text, authorization);
      if (f->dummyjson.access_token != NULL)
        {
          g_ptr_array_add (f->issued, g_strdup (f->dummyjson.access_token));
          g_ptr_array_add (f->issued, g_strdup (f->dummyjson.refresh_token));
        }
      return;
    }

  if (g_str_equal (method, "POST") && g_str_equal (path, "/auth/login"))
    standin_login (f, msg, body);
  else if ((g_str_equal (method, "GET") || g_str_equal (method, "PATCH")) && g_str_equal (path, "/auth/me"))
    standin_me (f, msg, body);
  else if (g_str_equal (method, "POST") && g_str_equal (path, "/auth/refresh"))
    standin_refresh (f, msg, body);
  else if (g_str_equal (method, "POST") && g_str_equal (path, "/auth/logout"))
    standin_logout (f, msg);
  else
    answer_error (f, msg, SOUP_STATUS_NOT_FOUND, "Not found");
}

static void
state_notified_cb (AuthflowCheckItem *item,
                   GParamSpec        *pspec,
                   Fixture           *f)
{
  g_string_append_printf (f->notifications, "%s:%s ", authflow_check_item_get_id (item),
                          authflow_check_state_to_string (authflow_check_item_get_state (item)));
}

static void
make_check (Fixture    *f,
            const char *profile_id)
{
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *items;

  profile = authflow_client_load_builtin_profile (profile_id, &error);
  g_assert_no_error (error);

  f->check = authflow_check_new (profile, f->url);
  f->notifications = g_string_new (NULL);
  items = authflow_check_get_items (f->check);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(AuthflowCheckItem) item = g_list_model_get_item (items, i);

      g_signal_connect (item, "notify::state", G_CALLBACK (state_notified_cb), f);
    }
}

static void
set_up_reference (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = authflow_test_server_start (NULL, &error);
  g_assert_no_error (error);
  f->url = g_strdup (authflow_test_server_get_url (f->server));
  f->issued = g_ptr_array_new_with_free_func (g_free);
  make_check (f, "reference");
}

static void
start_standin (Fixture *f)
{
  f->access_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->refresh_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->live = g_hash_table_new (NULL, NULL);
  f->spent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->issued = g_ptr_array_new_with_free_func (g_free);
  f->first_name = g_strdup ("Emily");
  f->me_uid = "1";
  f->bad_token_status = SOUP_STATUS_UNAUTHORIZED;

  f->standin = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->standin, NULL, standin_cb, f, NULL);
  f->url = authflow_test_listen_local (f->standin);
}

/* A stand-in that answers as the reference server does, through the
 * reference profile; the test breaks it before it runs the check.
 */
static void
set_up_standin (Fixture       *f,
                gconstpointer  data)
{
  start_standin (f);
  make_check (f, "reference");
}

static void
set_up_dummyjson (Fixture       *f,
                  gconstpointer  data)
{
  start_standin (f);
  f->dummyjson_mode = TRUE;
  f->dummyjson.secret = g_uuid_string_random ();
  f->dummyjson.access_ttl = 3600;
  f->dummyjson.refresh_ttl = 30 * 24 * 3600;
  make_check (f, "dummyjson");
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_assert_finalize_object (g_steal_pointer (&f->check));

  if (f->server != NULL)
    {
      g_autoptr(GError) error = NULL;

      authflow_test_server_stop (f->server, &error);
      g_assert_no_error (error);
      g_clear_pointer (&f->server, authflow_test_server_free);
    }

  if (f->standin != NULL)
    {
      soup_server_disconnect (f->standin);
      g_clear_object (&f->standin);
    }

  authflow_test_dummyjson_clear (&f->dummyjson);
  g_clear_pointer (&f->access_tokens, g_hash_table_unref);
  g_clear_pointer (&f->refresh_tokens, g_hash_table_unref);
  g_clear_pointer (&f->live, g_hash_table_unref);
  g_clear_pointer (&f->spent, g_hash_table_unref);
  g_clear_pointer (&f->issued, g_ptr_array_unref);
  g_clear_pointer (&f->first_name, g_free);
  g_clear_pointer (&f->url, g_free);
  if (f->notifications != NULL)
    g_string_free (f->notifications, TRUE);
}

/* Runs the check to its end; the run itself succeeds, whatever the items
 * say.
 */
static void
run_check (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  authflow_check_run_async (f->check, NULL, authflow_test_got_result_cb, &result);
  g_assert_true (authflow_check_get_running (f->check));
  g_assert_cmpint (authflow_check_get_outcome (f->check), ==, AUTHFLOW_CHECK_STATE_RUNNING);
  AWAIT (result);
  g_assert_true (authflow_check_run_finish (f->check, result, &error));
  g_assert_no_error (error);
  g_assert_false (authflow_check_get_running (f->check));
}

/* As the demo user, who is there on every backend here. */
static void
run_as_emily (Fixture *f)
{
  authflow_check_set_credentials (f->check, "emilys", "emilyspass");
  run_check (f);
}

static AuthflowCheckItem *
item (Fixture    *f,
      const char *id)
{
  AuthflowCheckItem *found = authflow_check_lookup_item (f->check, id);

  g_assert_nonnull (found);

  return found;
}

/* The evidence or advice with each duration of an exchange ("in 12 ms",
 * "in 0 ms") as "in #": the rest is compared word for word.
 */
static char *
without_times (const char *text)
{
  g_autoptr(GRegex) regex = g_regex_new ("in [0-9]+ (ms|s)\\b", 0, 0, NULL);

  return g_regex_replace_literal (regex, text != NULL ? text : "", -1, 0, "in #", 0, NULL);
}

#define assert_item(f, id, state, evidence, advice) \
  G_STMT_START { \
    AuthflowCheckItem *_item = item ((f), (id)); \
    g_autofree char *_evidence = without_times (authflow_check_item_get_evidence (_item)); \
    g_assert_cmpstr (authflow_check_state_to_string (authflow_check_item_get_state (_item)), ==, \
                     authflow_check_state_to_string (state)); \
    if ((evidence) != NULL) \
      g_assert_cmpstr (_evidence, ==, (evidence)); \
    g_assert_cmpstr (authflow_check_item_get_advice (_item), ==, (advice)); \
  } G_STMT_END

#define assert_state(f, id, state) \
  g_assert_cmpstr (authflow_check_state_to_string (authflow_check_item_get_state (item ((f), (id)))), ==, \
                   authflow_check_state_to_string (state))

/* Every item passed but those named in @except (space-separated). */
static void
assert_all_pass_but (Fixture    *f,
                     const char *except)
{
  GListModel *items = authflow_check_get_items (f->check);
  g_auto(GStrv) others = g_strsplit (except, " ", -1);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(AuthflowCheckItem) it = g_list_model_get_item (items, i);

      if (g_strv_contains ((const char * const *) others, authflow_check_item_get_id (it)))
        continue;

      if (authflow_check_item_get_state (it) != AUTHFLOW_CHECK_STATE_PASS)
        g_error ("%s: %s: %s (%s)", authflow_check_item_get_id (it),
                 authflow_check_state_to_string (authflow_check_item_get_state (it)),
                 authflow_check_item_get_evidence (it), authflow_check_item_get_advice (it));
      g_assert_null (authflow_check_item_get_advice (it));
    }
}

/* The text and JSON reports, with no password and no token in them (only
 * fingerprints, which are short): nothing of 24 or more base64url
 * characters in a row, and none of the tokens the stand-in issued.
 */
static void
assert_redacted (Fixture    *f,
                 const char *password)
{
  g_auto(GStrv) lines = authflow_check_dup_report_lines (f->check, FALSE);
  g_autofree char *text = g_strjoinv ("\n", lines);
  g_autoptr(JsonNode) json = authflow_check_to_json (f->check);
  g_autofree char *json_text = json_to_string (json, TRUE);
  g_autoptr(GRegex) long_run = g_regex_new ("[A-Za-z0-9_-]{24,}", 0, 0, NULL);
  const char *reports[] = { text, json_text };

  for (guint i = 0; i < G_N_ELEMENTS (reports); i++)
    {
      g_assert_false (g_regex_match (long_run, reports[i], 0, NULL));
      if (password != NULL)
        g_assert_null (strstr (reports[i], password));
      for (guint j = 0; j < f->issued->len; j++)
        g_assert_null (strstr (reports[i], g_ptr_array_index (f->issued, j)));
    }
}

static void
test_items_pending (Fixture       *f,
                    gconstpointer  data)
{
  static const char * const ids[] = {
    "server", "tls", "clock", "sign-up", "login", "jwt", "refresh-token", "expiry", "uid", "user-data", "me",
    "bad-token", "update-user", "refresh", "refresh-rotation", "logout", "error-message", NULL
  };
  GListModel *items = authflow_check_get_items (f->check);

  /* Every item is there before anything runs, pending, for a page to list. */
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, g_strv_length ((char **) ids));
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(AuthflowCheckItem) it = g_list_model_get_item (items, i);

      g_assert_cmpstr (authflow_check_item_get_id (it), ==, ids[i]);
      g_assert_nonnull (authflow_check_item_get_title (it));
      g_assert_cmpint (authflow_check_item_get_state (it), ==, AUTHFLOW_CHECK_STATE_PENDING);
      g_assert_null (authflow_check_item_get_evidence (it));
    }
  g_assert_cmpint (authflow_check_get_outcome (f->check), ==, AUTHFLOW_CHECK_STATE_PENDING);
  g_assert_cmpstr (authflow_check_get_base_url (f->check), ==, f->url);
}

static void
test_reference (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GRegex) order = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *heading = NULL;

  run_as_emily (f);

  assert_all_pass_but (f, "sign-up");
  assert_item (f, "sign-up", AUTHFLOW_CHECK_STATE_SKIPPED,
               "Not asked: --sign-up creates a throw-away user on the server", NULL);
  g_assert_cmpint (authflow_check_get_outcome (f->check), ==, AUTHFLOW_CHECK_STATE_PASS);

  /* The real server's own words, as a client sees them. */
  assert_item (f, "bad-token", AUTHFLOW_CHECK_STATE_PASS,
               "A copy of the token with its signature changed: HTTP 401 in #, “Invalid/Expired Token!”", NULL);
  assert_item (f, "refresh-rotation", AUTHFLOW_CHECK_STATE_PASS,
               "A new refresh token with each refresh, and the spent one is refused: HTTP 403 in #, “Invalid "
               "refresh token”; and its reuse ended the session: the newer refresh token is refused too", NULL);
  assert_item (f, "logout", AUTHFLOW_CHECK_STATE_PASS,
               "Logged out: HTTP 200 in #; the refresh token is refused after it: HTTP 403 in #, “Invalid "
               "refresh token”; the access token is refused too", NULL);
  assert_item (f, "error-message", AUTHFLOW_CHECK_STATE_PASS,
               "A login with a wrong password: HTTP 400 in #; the app shows “Invalid credentials”", NULL);
  assert_item (f, "uid", AUTHFLOW_CHECK_STATE_PASS, "“1” at $.id", NULL);
  g_assert_true (g_str_has_prefix (authflow_check_item_get_evidence (item (f, "jwt")),
                                   "A JWT signed with HS256; sub “1”, iat "));
  g_assert_true (g_str_has_prefix (authflow_check_item_get_evidence (item (f, "expiry")),
                                   "from the exp claim of the access token at $.accessToken: the token lives 60 min, "
                                   "until "));
  g_assert_true (g_str_has_suffix (authflow_check_item_get_evidence (item (f, "update-user")),
                                   ", and the answer has it, me reads it back; “Emily” is back"));

  /* Live, in order: each item runs, then has its outcome, before the
   * next one starts.
   */
  order = g_regex_new ("^server:running server:pass tls:running tls:pass clock:running clock:pass "
                       "sign-up:running sign-up:skipped login:running login:pass .* "
                       "error-message:running error-message:pass $", 0, 0, NULL);
  g_assert_true (g_regex_match (order, f->notifications->str, 0, NULL));

  lines = authflow_check_dup_report_lines (f->check, FALSE);
  heading = g_strdup_printf ("Checking Reference server (reference) at %s as “emilys”", f->url);
  g_assert_cmpstr (lines[0], ==, heading);
  g_assert_true (g_str_has_prefix (lines[1], "pass     server            The server answers: GET / answered HTTP 404 in "));
  g_assert_cmpstr (lines[g_strv_length (lines) - 1], ==, "16 items passed, 0 warnings, 0 failures, 1 skipped");
  assert_redacted (f, "emilyspass");
}

static void
test_reference_sign_up (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GRegex) created = g_regex_new ("^HTTP 201 in [0-9]+ m?s: created “authflow-check-[0-9a-f]{8}”, who stays "
                                           "on the server$", 0, 0, NULL);

  /* No credentials: the check logs in as the user it signs up. */
  authflow_check_set_sign_up (f->check, TRUE);
  run_check (f);

  assert_all_pass_but (f, "");
  g_assert_true (g_regex_match (created, authflow_check_item_get_evidence (item (f, "sign-up")), 0, NULL));
  g_assert_true (g_str_has_suffix (authflow_check_item_get_evidence (item (f, "login")),
                                   ", the user the check signed up"));
  assert_redacted (f, NULL);
}

static void
test_standin_sound (Fixture       *f,
                    gconstpointer  data)
{
  run_as_emily (f);

  /* The stand-in itself is sound: opaque tokens with expires_in. */
  assert_all_pass_but (f, "sign-up");
  assert_item (f, "jwt", AUTHFLOW_CHECK_STATE_PASS,
               "An opaque token, not a JWT: the app learns its expiry from the answer only", NULL);
  g_assert_true (g_str_has_prefix (authflow_check_item_get_evidence (item (f, "expiry")),
                                   "from $.expires_in in the answer: the token lives 60 min, until "));
  assert_item (f, "refresh-rotation", AUTHFLOW_CHECK_STATE_PASS,
               "A new refresh token with each refresh, and the spent one is refused: HTTP 403 in #, “Invalid "
               "refresh token”; the newer refresh token still works", NULL);
  assert_redacted (f, "emilyspass");
}

static void
test_no_refresh_token (Fixture       *f,
                       gconstpointer  data)
{
  f->no_refresh_token = TRUE;
  run_as_emily (f);

  assert_item (f, "refresh-token", AUTHFLOW_CHECK_STATE_WARNING, "None at $.refreshToken",
               "Return a refresh token at login and point answer.refresh_token at it: without one, the app ends "
               "the session when the access token expires, and the person logs in again");
  assert_item (f, "refresh", AUTHFLOW_CHECK_STATE_SKIPPED, "Not tried: the login gave no refresh token", NULL);
  assert_item (f, "refresh-rotation", AUTHFLOW_CHECK_STATE_SKIPPED, "Not tried: there was no refresh", NULL);
  assert_all_pass_but (f, "sign-up refresh-token refresh refresh-rotation");
  g_assert_cmpint (authflow_check_get_outcome (f->check), ==, AUTHFLOW_CHECK_STATE_WARNING);
}

static void
test_no_expiry (Fixture       *f,
                gconstpointer  data)
{
  f->no_expiry = TRUE;
  run_as_emily (f);

  assert_item (f, "expiry", AUTHFLOW_CHECK_STATE_WARNING,
               "None: no expires_in or expires_at in the login answer, nothing at the profile’s expiry path, and no "
               "exp claim in the access token",
               "Return expires_in (seconds) in the login answer, give the JWT an exp claim, or point answer.expiry "
               "at the expiry: without one, the app renews the token only when a call gets 401");
  assert_all_pass_but (f, "sign-up expiry");
}

static void
test_bad_token_taken (Fixture       *f,
                      gconstpointer  data)
{
  f->bad_token_status = SOUP_STATUS_OK;
  run_as_emily (f);

  assert_item (f, "bad-token", AUTHFLOW_CHECK_STATE_FAIL,
               "A copy of the token with its signature changed: HTTP 200 in #",
               "Verify every token’s signature, and refuse a token that does not verify with 401: this server took "
               "a forged one");
  assert_all_pass_but (f, "sign-up bad-token");
  g_assert_cmpint (authflow_check_get_outcome (f->check), ==, AUTHFLOW_CHECK_STATE_FAIL);
}

static void
test_bad_token_500 (Fixture       *f,
                    gconstpointer  data)
{
  f->bad_token_status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
  run_as_emily (f);

  assert_item (f, "bad-token", AUTHFLOW_CHECK_STATE_WARNING,
               "A copy of the token with its signature changed: HTTP 500 in #, “Invalid/Expired Token!”",
               "Refuse a bad or expired token with 401: on 401 the app renews the token and tries again, while any "
               "other status is shown as a failure");
  assert_all_pass_but (f, "sign-up bad-token");
}

static void
test_not_rotated (Fixture       *f,
                  gconstpointer  data)
{
  f->not_rotated = TRUE;
  run_as_emily (f);

  assert_item (f, "refresh-rotation", AUTHFLOW_CHECK_STATE_WARNING,
               "The refresh answer has the same refresh token again: it never rotates",
               "Issue a new refresh token with every refresh and refuse the one it replaces (ending the session when "
               "it comes back), so that a stolen refresh token stops working");
  assert_all_pass_but (f, "sign-up refresh-rotation");
}

static void
test_spent_accepted (Fixture       *f,
                     gconstpointer  data)
{
  f->spent_accepted = TRUE;
  run_as_emily (f);

  assert_item (f, "refresh-rotation", AUTHFLOW_CHECK_STATE_WARNING,
               "The refresh token rotates, but the spent one was accepted again: HTTP 200 in #",
               "Issue a new refresh token with every refresh and refuse the one it replaces (ending the session when "
               "it comes back), so that a stolen refresh token stops working");
  assert_all_pass_but (f, "sign-up refresh-rotation");
  assert_redacted (f, "emilyspass");
}

static void
test_logout_keeps_refresh (Fixture       *f,
                           gconstpointer  data)
{
  f->logout_keeps_refresh = TRUE;
  run_as_emily (f);

  assert_item (f, "logout", AUTHFLOW_CHECK_STATE_WARNING,
               "Logged out: HTTP 200 in #; but the refresh token still works after it: HTTP 200 in #; the access "
               "token is refused too",
               "End the session on logout: refuse its refresh token, and its access tokens, from then on");
  assert_all_pass_but (f, "sign-up logout");
}

static void
test_me_other_user (Fixture       *f,
                    gconstpointer  data)
{
  f->me_uid = "2";
  run_as_emily (f);

  assert_item (f, "me", AUTHFLOW_CHECK_STATE_FAIL, "HTTP 200 in # for UID “2”, but the login was for UID “1”",
               "Answer me for the user that the token was issued to: the server looks up another user (a cache or "
               "a lookup that ignores the token?)");
  g_assert_cmpint (authflow_check_get_outcome (f->check), ==, AUTHFLOW_CHECK_STATE_FAIL);
}

static void
test_no_messages (Fixture       *f,
                  gconstpointer  data)
{
  f->no_messages = TRUE;
  run_as_emily (f);

  assert_item (f, "error-message", AUTHFLOW_CHECK_STATE_WARNING,
               "A login with a wrong password: HTTP 400 in #, without a message that the profile’s error_message "
               "finds, so the app can only say “The server refused the request (HTTP 400)”",
               "Answer errors with a message, e.g. {\"message\": \"Invalid credentials\"}, or point the profile’s "
               "answer.error_message at where the server puts it");
  assert_item (f, "bad-token", AUTHFLOW_CHECK_STATE_PASS, "A copy of the token with its signature changed: HTTP 401 in #",
               NULL);
  assert_all_pass_but (f, "sign-up error-message");
}

static void
test_clock_ahead (Fixture       *f,
                  gconstpointer  data)
{
  AuthflowCheckItem *clock;

  f->date_offset = G_TIME_SPAN_HOUR;
  run_as_emily (f);

  clock = item (f, "clock");
  g_assert_cmpint (authflow_check_item_get_state (clock), ==, AUTHFLOW_CHECK_STATE_WARNING);
  g_assert_true (g_pattern_match_simple ("Date: *; the server’s clock is 60 min ahead of this machine’s",
                                         authflow_check_item_get_evidence (clock)));
  g_assert_cmpstr (authflow_check_item_get_advice (clock), ==,
                   "Set the clocks right (NTP). Authflow corrects its expiry decisions for the difference, from Date, "
                   "but the tokens’ iat and exp are the server’s, and other clients may not correct for it");
  g_assert_cmpint (json_object_get_int_member (authflow_check_item_get_details (clock), "offsetSeconds"), ==, 3600);

  /* Corrected from Date, the token still lives its hour. */
  g_assert_true (g_str_has_prefix (authflow_check_item_get_evidence (item (f, "expiry")),
                                   "from $.expires_in in the answer: the token lives 60 min, until "));
  assert_all_pass_but (f, "sign-up clock");
}

static void
test_no_date (Fixture       *f,
              gconstpointer  data)
{
  f->no_date = TRUE;
  run_as_emily (f);

  assert_item (f, "clock", AUTHFLOW_CHECK_STATE_WARNING, "The answer has no Date header",
               "Send a Date header with every answer: Authflow takes the server’s clock from it, so that a clock "
               "that is off on either side does not expire sessions early or keep dead tokens");
  assert_all_pass_but (f, "sign-up clock");
}

static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  authflow_check_set_credentials (f->check, "emilys", "not-emilyspass");
  run_check (f);

  assert_item (f, "login", AUTHFLOW_CHECK_STATE_FAIL,
               "Logging in as “emilys” failed: HTTP 400 in #: Invalid credentials",
               "Check the username and password (--username, --password-file or --password-stdin), and the "
               "profile’s login call (its path and body) against what the server expects");
  for (const char * const *id = (const char * const []) { "jwt", "refresh-token", "expiry", "uid", "user-data", "me",
                                                          "bad-token", "update-user", "refresh", "refresh-rotation",
                                                          "logout", NULL };
       *id != NULL; id++)
    assert_item (f, *id, AUTHFLOW_CHECK_STATE_SKIPPED, "Not tried: there is no session, as the login failed", NULL);
  assert_state (f, "error-message", AUTHFLOW_CHECK_STATE_PASS);
  assert_redacted (f, "not-emilyspass");
}

static void
test_server_down (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *evidence = NULL;
  g_autoptr(GUri) uri = g_uri_parse (f->url, G_URI_FLAGS_NONE, NULL);
  int port = g_uri_get_port (uri);

  /* Nothing listens there any more. */
  soup_server_disconnect (f->standin);
  run_as_emily (f);

  evidence = g_strdup_printf ("Nothing came back from %s: Could not connect to the server at 127.0.0.1:%d. Check "
                              "that it is running and that you are online.", f->url, port);
  assert_item (f, "server", AUTHFLOW_CHECK_STATE_FAIL, evidence,
               "Check that the server is running and reachable at this URL (--server, or the profile’s base_url), "
               "and that its certificate is valid");
  assert_item (f, "tls", AUTHFLOW_CHECK_STATE_PASS,
               "Plain http:// to 127.0.0.1, this machine: nothing crosses the network", NULL);
  assert_item (f, "login", AUTHFLOW_CHECK_STATE_SKIPPED, "Not tried: the server did not answer", NULL);
  assert_item (f, "error-message", AUTHFLOW_CHECK_STATE_SKIPPED, "Not tried: the server did not answer", NULL);
}

static void
test_plain_http_elsewhere (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(AuthflowProfile) profile = authflow_client_load_builtin_profile ("reference", NULL);
  g_autoptr(AuthflowCheck) check = authflow_check_new (profile, "http://example.com/");
  g_autoptr(GAsyncResult) result = NULL;

  /* The client refuses before anything is sent: nothing leaves this
   * machine.
   */
  g_clear_object (&f->check);
  f->check = g_steal_pointer (&check);
  run_as_emily (f);

  g_assert_cmpstr (authflow_check_get_base_url (f->check), ==, "http://example.com");
  assert_item (f, "server", AUTHFLOW_CHECK_STATE_FAIL,
               "Nothing came back from http://example.com: Authflow talks plain http:// only to this machine; use "
               "https:// for example.com",
               "Use an https:// URL for a server on another machine; Authflow sends nothing in the clear beyond "
               "this one");
  assert_item (f, "tls", AUTHFLOW_CHECK_STATE_WARNING,
               "Plain http:// to example.com, which is not this machine: passwords and tokens would cross the "
               "network for anyone on the way to read, so Authflow does not send them",
               "Serve the API over https:// and give its https:// URL");
  assert_item (f, "me", AUTHFLOW_CHECK_STATE_SKIPPED, "Not tried: the server did not answer", NULL);
  g_assert_cmpuint (f->next_session, ==, 0);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  authflow_check_set_credentials (f->check, "emilys", "emilyspass");
  authflow_check_run_async (f->check, cancellable, authflow_test_got_result_cb, &result);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000,
                                           authflow_check_item_get_state (item (f, "login")) ==
                                           AUTHFLOW_CHECK_STATE_RUNNING));
  g_cancellable_cancel (cancellable);
  AWAIT (result);

  g_assert_false (authflow_check_run_finish (f->check, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_state (f, "server", AUTHFLOW_CHECK_STATE_PASS);
  assert_item (f, "login", AUTHFLOW_CHECK_STATE_SKIPPED, "Not tried: the check was cancelled", NULL);
  assert_item (f, "error-message", AUTHFLOW_CHECK_STATE_SKIPPED, "Not tried: the check was cancelled", NULL);
  g_assert_false (authflow_check_get_running (f->check));
}

static void
test_dummyjson (Fixture       *f,
                gconstpointer  data)
{
  authflow_check_set_credentials (f->check, "emilys", "emilyspass");
  authflow_check_set_sign_up (f->check, TRUE);
  run_check (f);

  /* What dummyjson.com earns: a 500 for a token that does not verify, and
   * a refresh token that is a plain JWT (the same one again within the
   * second, or a new one that the old does not make way for).
   */
  assert_item (f, "bad-token", AUTHFLOW_CHECK_STATE_WARNING,
               "A copy of the token with its signature changed: HTTP 500 in #, “invalid signature”",
               "Refuse a bad or expired token with 401: on 401 the app renews the token and tries again, while any "
               "other status is shown as a failure");
  assert_state (f, "refresh-rotation", AUTHFLOW_CHECK_STATE_WARNING);
  g_assert_true (g_str_equal (authflow_check_item_get_evidence (item (f, "refresh-rotation")),
                              "The refresh answer has the same refresh token again: it never rotates") ||
                 g_str_has_prefix (authflow_check_item_get_evidence (item (f, "refresh-rotation")),
                                   "The refresh token rotates, but the spent one was accepted again: HTTP 200 in "));
  g_assert_cmpstr (authflow_check_item_get_advice (item (f, "refresh-rotation")), ==,
                   "Issue a new refresh token with every refresh and refuse the one it replaces (ending the session "
                   "when it comes back), so that a stolen refresh token stops working");

  /* The calls it does not have, and what the app does without them. */
  assert_item (f, "sign-up", AUTHFLOW_CHECK_STATE_SKIPPED,
               "The profile has no signup call: the app’s Sign Up page says that this backend has none", NULL);
  assert_item (f, "update-user", AUTHFLOW_CHECK_STATE_SKIPPED,
               "The profile has no update_user call: the app cannot change the user’s data here", NULL);
  assert_item (f, "logout", AUTHFLOW_CHECK_STATE_SKIPPED,
               "The profile has no logout call: logging out is local only, and the backend keeps the tokens valid "
               "until they expire", NULL);

  /* The rest as the app reads dummyjson.com's answers. */
  g_assert_true (g_str_has_prefix (authflow_check_item_get_evidence (item (f, "jwt")),
                                   "A JWT signed with HS256; no sub claim, iat "));
  g_assert_true (g_str_has_prefix (authflow_check_item_get_evidence (item (f, "expiry")),
                                   "from the exp claim of the access token at $.accessToken: the token lives 60 min"));
  assert_item (f, "user-data", AUTHFLOW_CHECK_STATE_PASS,
               "7 fields at $: id, username, email, firstName, lastName, gender, image", NULL);
  assert_item (f, "error-message", AUTHFLOW_CHECK_STATE_PASS,
               "A login with a wrong password: HTTP 400 in #; the app shows “Invalid credentials”", NULL);
  assert_all_pass_but (f, "bad-token refresh-rotation sign-up update-user logout");
  g_assert_cmpint (authflow_check_get_outcome (f->check), ==, AUTHFLOW_CHECK_STATE_WARNING);
  assert_redacted (f, "emilyspass");
}

static void
test_json_report (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(JsonNode) report = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *items;
  JsonObject *bad_token;

  f->bad_token_status = SOUP_STATUS_OK;
  run_as_emily (f);

  /* What a script reads: valid JSON, every item with its state. */
  report = authflow_check_to_json (f->check);
  text = json_to_string (report, FALSE);
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, AUTHFLOW_CHECK_REPORT_VERSION);
  g_assert_cmpstr (json_object_get_string_member (root, "outcome"), ==, "fail");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "backend"), "url"), ==, f->url);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "counts"), "fail"), ==, 1);
  items = json_object_get_array_member (root, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 17);
  bad_token = json_array_get_object_element (items, 11);
  g_assert_cmpstr (json_object_get_string_member (bad_token, "id"), ==, "bad-token");
  g_assert_cmpstr (json_object_get_string_member (bad_token, "state"), ==, "fail");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (bad_token, "details"), "status"), ==, 200);
  g_assert_true (json_object_has_member (bad_token, "advice"));
  assert_redacted (f, "emilyspass");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, set_up, func) \
  g_test_add (path, Fixture, NULL, set_up, func, tear_down)

  ADD ("/check/items-pending", set_up_standin, test_items_pending);
  ADD ("/check/reference", set_up_reference, test_reference);
  ADD ("/check/reference/sign-up", set_up_reference, test_reference_sign_up);
  ADD ("/check/standin/sound", set_up_standin, test_standin_sound);
  ADD ("/check/standin/no-refresh-token", set_up_standin, test_no_refresh_token);
  ADD ("/check/standin/no-expiry", set_up_standin, test_no_expiry);
  ADD ("/check/standin/bad-token-taken", set_up_standin, test_bad_token_taken);
  ADD ("/check/standin/bad-token-500", set_up_standin, test_bad_token_500);
  ADD ("/check/standin/not-rotated", set_up_standin, test_not_rotated);
  ADD ("/check/standin/spent-accepted", set_up_standin, test_spent_accepted);
  ADD ("/check/standin/logout-keeps-refresh", set_up_standin, test_logout_keeps_refresh);
  ADD ("/check/standin/me-other-user", set_up_standin, test_me_other_user);
  ADD ("/check/standin/no-messages", set_up_standin, test_no_messages);
  ADD ("/check/standin/clock-ahead", set_up_standin, test_clock_ahead);
  ADD ("/check/standin/no-date", set_up_standin, test_no_date);
  ADD ("/check/standin/wrong-password", set_up_standin, test_wrong_password);
  ADD ("/check/standin/server-down", set_up_standin, test_server_down);
  ADD ("/check/plain-http-elsewhere", set_up_standin, test_plain_http_elsewhere);
  ADD ("/check/cancel", set_up_standin, test_cancel);
  ADD ("/check/json-report", set_up_standin, test_json_report);
  ADD ("/check/dummyjson", set_up_dummyjson, test_dummyjson);

  return g_test_run ();
}
