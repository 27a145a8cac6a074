// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sodium.h>
#include <sqlite3.h>

#include "authflow-server.h"
#include "authflow-server-json.h"
#include "authflow-server-jwt.h"
#include "authflow-server-refresh-token.h"
#include "authflow-test-utils.h"

/* The real server runs in this process on a free loopback port, on the
 * same main context as the SoupSession that talks to it: every request is
 * async and the test spins the context until the answer is in. */

#define REQUEST_TIMEOUT_MS 20000

#define USERNAME_FORMAT_MESSAGE "Username must be 3 to 32 letters, digits, dots, dashes or underscores"
#define EXPIRES_MESSAGE         "expiresInMins must be a whole number from 1 to 43200"
#define EMILY_LOGIN             "{\"username\":\"emilys\",\"password\":\"emilyspass\"}"

typedef struct
{
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
  JsonNode           *json;
} Reply;

static struct
{
  char           *tmpdir;
  char           *db_path;
  AuthflowServer *server;
  char           *url;
  SoupSession    *session;
} shared;

static void
reply_free (Reply *reply)
{
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->json, json_node_unref);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

typedef struct
{
  gboolean  done;
  GBytes   *bytes;
  GError   *error;
} SendData;

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SendData *data = user_data;

  data->bytes = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &data->error);
  data->done = TRUE;
}

/* Sends one request and waits for the answer. @authorization is the whole
 * Authorization header; a @body_stream is sent chunked. */
static Reply *
request_full (SoupSession  *session,
              const char   *base_url,
              const char   *method,
              const char   *path,
              const char   *authorization,
              GBytes       *body,
              GInputStream *body_stream)
{
  g_autofree char *url = g_strconcat (base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  SendData data = { FALSE, NULL, NULL };
  Reply *reply;
  gsize len;

  g_assert_nonnull (msg);

  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  "Authorization", authorization);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  else if (body_stream != NULL)
    soup_message_set_request_body (msg, "application/json", body_stream, -1);

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, send_cb, &data);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, REQUEST_TIMEOUT_MS, data.done));
  g_assert_no_error (data.error);

  reply = g_new0 (Reply, 1);
  reply->status = soup_message_get_status (msg);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  reply->body = data.bytes;

  /* Every answer of the server is JSON, errors included. */
  g_assert_cmpstr (soup_message_headers_get_content_type (reply->headers, NULL), ==, "application/json");

  g_bytes_get_data (reply->body, &len);
  if (len > 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      json_parser_load_from_data (parser, g_bytes_get_data (reply->body, NULL), len, &error);
      g_assert_no_error (error);
      reply->json = json_node_copy (json_parser_get_root (parser));
    }

  return reply;
}

static Reply *
request_at (const char *base_url,
            const char *method,
            const char *path,
            const char *bearer,
            const char *body)
{
  g_autofree char *authorization = bearer ? g_strconcat ("Bearer ", bearer, NULL) : NULL;
  g_autoptr(GBytes) bytes = body ? g_bytes_new (body, strlen (body)) : NULL;

  return request_full (shared.session, base_url, method, path, authorization, bytes, NULL);
}

static Reply *
request (const char *method,
         const char *path,
         const char *bearer,
         const char *body)
{
  return request_at (shared.url, method, path, bearer, body);
}

static JsonObject *
reply_object (Reply *reply)
{
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply->json));

  return json_node_get_object (reply->json);
}

static const char *
reply_string (Reply      *reply,
              const char *name)
{
  JsonNode *node = json_object_get_member (reply_object (reply), name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static gint64
reply_int (Reply      *reply,
           const char *name)
{
  JsonNode *node = json_object_get_member (reply_object (reply), name);

  g_assert_nonnull (node);
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_INT64);

  return json_node_get_int (node);
}

#define assert_error(reply, status_code, text) \
  G_STMT_START { \
    Reply *_r = (reply); \
    g_assert_cmpstr (reply_string (_r, "message"), ==, (text)); \
    g_assert_cmpuint (_r->status, ==, (status_code)); \
  } G_STMT_END

#define assert_field_error(reply, status_code, text, field_name) \
  G_STMT_START { \
    Reply *_fr = (reply); \
    assert_error (_fr, status_code, text); \
    g_assert_cmpstr (reply_string (_fr, "field"), ==, (field_name)); \
  } G_STMT_END

static char *
b64url (const void *data,
        gsize       len)
{
  gsize size = sodium_base64_ENCODED_LEN (len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *text = g_malloc (size);

  sodium_bin2base64 (text, size, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return text;
}

static GBytes *
b64url_decode (const char *text)
{
  gsize max = strlen (text) * 3 / 4 + 3;
  guint8 *data = g_malloc (max);
  size_t len = 0;

  g_assert_cmpint (sodium_base642bin (data, max, text, strlen (text), NULL, &len, NULL,
                                      sodium_base64_VARIANT_URLSAFE_NO_PADDING), ==, 0);
  return g_bytes_new_take (data, len);
}

/* Returns part @index (0 header, 1 payload) of a JWT as a JSON object. */
static JsonObject *
jwt_part (const char *token,
          guint       index)
{
  g_auto(GStrv) parts = g_strsplit (token, ".", -1);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const char *data;
  JsonNode *root;
  gsize len;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  bytes = b64url_decode (parts[index]);
  data = g_bytes_get_data (bytes, &len);
  json_parser_load_from_data (parser, data, len, &error);
  g_assert_no_error (error);

  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return json_object_ref (json_node_get_object (root));
}

static gint64
jwt_int_claim (const char *token,
               const char *name)
{
  g_autoptr(JsonObject) payload = jwt_part (token, 1);

  return json_object_get_int_member (payload, name);
}

static char *
jwt_string_claim (const char *token,
                  const char *name)
{
  g_autoptr(JsonObject) payload = jwt_part (token, 1);

  return g_strdup (json_object_get_string_member_with_default (payload, name, NULL));
}

/* Adds a sid claim to the claims @payload, if it is an object. */
static char *
with_sid (const char *payload,
          const char *sid)
{
  gsize len = strlen (payload);

  if (len < 2 || payload[0] != '{' || payload[len - 1] != '}')
    return g_strdup (payload);

  return g_strdup_printf ("%.*s,\"sid\":\"%s\"}", (int) len - 1, payload, sid);
}

/* Signs any header and payload with HMAC-SHA256 under @secret, to build
 * tokens that only a holder of the secret could. */
static char *
make_token (GBytes     *secret,
            const char *header,
            const char *payload)
{
  g_autofree char *header64 = b64url (header, strlen (header));
  g_autofree char *payload64 = b64url (payload, strlen (payload));
  g_autofree char *input = g_strconcat (header64, ".", payload64, NULL);
  g_autofree char *mac64 = NULL;
  guint8 mac[crypto_auth_hmacsha256_BYTES];

  g_assert_cmpuint (g_bytes_get_size (secret), ==, crypto_auth_hmacsha256_KEYBYTES);
  crypto_auth_hmacsha256 (mac, (const guint8 *) input, strlen (input), g_bytes_get_data (secret, NULL));
  mac64 = b64url (mac, sizeof mac);

  return g_strconcat (input, ".", mac64, NULL);
}

static sqlite3 *
open_db (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);

  return db;
}

static GBytes *
read_secret (const char *db_path)
{
  sqlite3 *db = open_db (db_path);
  sqlite3_stmt *stmt = NULL;
  GBytes *secret;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT value FROM meta WHERE key = 'jwt_secret'",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  secret = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return secret;
}

static gint64
query_int (const char *db_path,
           const char *sql)
{
  sqlite3 *db = open_db (db_path);
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return value;
}

static void
login_at (const char  *base_url,
          const char  *username,
          const char  *password,
          char       **out_access,
          char       **out_refresh)
{
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
  g_autoptr(Reply) reply = request_at (base_url, "POST", "/auth/login", NULL, body);

  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (reply_string (reply, "accessToken"));
  g_assert_nonnull (reply_string (reply, "refreshToken"));

  if (out_access != NULL)
    *out_access = g_strdup (reply_string (reply, "accessToken"));
  if (out_refresh != NULL)
    *out_refresh = g_strdup (reply_string (reply, "refreshToken"));
}

static void
login (const char  *username,
       const char  *password,
       char       **out_access,
       char       **out_refresh)
{
  login_at (shared.url, username, password, out_access, out_refresh);
}

static Reply *
refresh (const char *refresh_token)
{
  g_autofree char *body = g_strdup_printf ("{\"refreshToken\":\"%s\"}", refresh_token);

  return request ("POST", "/auth/refresh", NULL, body);
}

static void
assert_user (Reply      *reply,
             gint64      id,
             const char *username,
             const char *email,
             const char *first_name,
             const char *last_name,
             const char *gender,
             const char *image)
{
  JsonObject *object = reply_object (reply);

  g_assert_cmpint (reply_int (reply, "id"), ==, id);
  g_assert_cmpstr (reply_string (reply, "username"), ==, username);
  g_assert_cmpstr (reply_string (reply, "email"), ==, email);
  g_assert_cmpstr (reply_string (reply, "firstName"), ==, first_name);
  g_assert_cmpstr (reply_string (reply, "lastName"), ==, last_name);
  g_assert_cmpstr (reply_string (reply, "gender"), ==, gender);
  g_assert_cmpstr (reply_string (reply, "image"), ==, image);
  g_assert_false (json_object_has_member (object, "password"));
  g_assert_false (json_object_has_member (object, "passwordHash"));
}

static void
assert_emily (Reply *reply)
{
  assert_user (reply, 1, "emilys", "emily.johnson@x.dummyjson.com", "Emily", "Johnson",
               "female", "");
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* "{\"a\":" + @levels times "[" ... "]" + "}": @levels + 1 levels in all. */
static char *
nested_body (const char *prefix,
             guint       levels)
{
  GString *body = g_string_new (prefix);

  for (guint i = 0; i < levels; i++)
    g_string_append_c (body, '[');
  for (guint i = 0; i < levels; i++)
    g_string_append_c (body, ']');
  g_string_append_c (body, '}');

  return g_string_free (body, FALSE);
}

static void
test_login_success (void)
{
  g_autoptr(Reply) reply = request ("POST", "/auth/login", NULL, EMILY_LOGIN);
  g_autoptr(Reply) me = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  const char *access_token;

  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  assert_emily (reply);
  g_assert_cmpuint (json_object_get_size (reply_object (reply)), ==, 9);
  g_assert_cmpstr (soup_message_headers_get_one (reply->headers, "Cache-Control"), ==, "no-store");

  access_token = reply_string (reply, "accessToken");
  g_assert_nonnull (access_token);
  g_assert_nonnull (reply_string (reply, "refreshToken"));
  g_assert_cmpuint (strlen (reply_string (reply, "refreshToken")), ==, 43);

  header = jwt_part (access_token, 0);
  g_assert_cmpuint (json_object_get_size (header), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, "HS256");
  g_assert_cmpstr (json_object_get_string_member (header, "typ"), ==, "JWT");

  payload = jwt_part (access_token, 1);
  g_assert_cmpstr (json_object_get_string_member (payload, "sub"), ==, "1");
  g_assert_cmpint (json_object_get_int_member (payload, "id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (payload, "username"), ==, "emilys");
  g_assert_cmpint (ABS (json_object_get_int_member (payload, "iat") - now_seconds ()), <=, 5);
  g_assert_cmpint (json_object_get_int_member (payload, "exp") -
                   json_object_get_int_member (payload, "iat"), ==, 3600);
  g_assert_cmpuint (strlen (json_object_get_string_member (payload, "jti")), >, 0);

  me = request ("GET", "/auth/me", access_token, NULL);
  g_assert_cmpuint (me->status, ==, SOUP_STATUS_OK);
  assert_emily (me);
  g_assert_cmpuint (json_object_get_size (reply_object (me)), ==, 7);
}

static void
test_login_missing (void)
{
  const char *bodies[] = {
    "",
    "{}",
    "{\"username\":\"emilys\"}",
    "{\"password\":\"emilyspass\"}",
    "{\"username\":\"\",\"password\":\"emilyspass\"}",
    "{\"username\":\"emilys\",\"password\":\"\"}",
    "{\"username\":1,\"password\":\"emilyspass\"}",
    "{\"username\":\"emilys\",\"password\":null}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(Reply) reply = request ("POST", "/auth/login", NULL, bodies[i]);

      assert_error (reply, SOUP_STATUS_BAD_REQUEST, "Username and password required");
    }
}

static void
test_login_invalid (void)
{
  g_autoptr(Reply) unknown = NULL;
  g_autoptr(Reply) wrong = NULL;

  unknown = request ("POST", "/auth/login", NULL, "{\"username\":\"nosuchuser\",\"password\":\"emilyspass\"}");
  assert_error (unknown, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");

  wrong = request ("POST", "/auth/login", NULL, "{\"username\":\"michaelw\",\"password\":\"emilyspass\"}");
  assert_error (wrong, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");
}

static void
test_login_expires_in_mins (void)
{
  const char *bad[] = { "0", "43201", "-5", "\"30\"", "1.5", "true", "{}", "[]" };
  struct { const char *value; gint64 seconds; } good[] = {
    { "1", 60 },
    { "43200", 43200 * 60 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"username\":\"emilys\",\"password\":\"emilyspass\","
                                               "\"expiresInMins\":%s}", bad[i]);
      g_autoptr(Reply) reply = request ("POST", "/auth/login", NULL, body);

      assert_error (reply, SOUP_STATUS_BAD_REQUEST, EXPIRES_MESSAGE);
    }

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"username\":\"emilys\",\"password\":\"emilyspass\","
                                               "\"expiresInMins\":%s}", good[i].value);
      g_autoptr(Reply) reply = request ("POST", "/auth/login", NULL, body);
      const char *token;

      g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
      token = reply_string (reply, "accessToken");
      g_assert_cmpint (jwt_int_claim (token, "exp") - jwt_int_claim (token, "iat"), ==, good[i].seconds);
    }
}

static void
assert_locked (Reply *reply)
{
  const char *retry_after = soup_message_headers_get_one (reply->headers, "Retry-After");
  g_autofree char *message = NULL;
  guint64 seconds;

  g_assert_cmpuint (reply->status, ==, 429);
  g_assert_nonnull (retry_after);
  g_assert_true (g_ascii_string_to_unsigned (retry_after, 10, 1, AUTHFLOW_SERVER_LOGIN_FAILURE_WINDOW,
                                             &seconds, NULL));
  message = g_strdup_printf ("Too many failed login attempts. Try again in %s seconds.", retry_after);
  assert_error (reply, 429, message);
}

static void
test_login_lockout (void)
{
  g_autoptr(Reply) locked = NULL;
  g_autoptr(Reply) locked_other_case = NULL;

  authflow_server_set_max_login_failures (shared.server, 3);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Reply) reply = request ("POST", "/auth/login", NULL,
                                        "{\"username\":\"lockme\",\"password\":\"wrong-password\"}");

      assert_error (reply, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");
    }

  locked = request ("POST", "/auth/login", NULL, "{\"username\":\"lockme\",\"password\":\"wrong-password\"}");
  assert_locked (locked);

  /* The count is per username, whatever its case. */
  locked_other_case = request ("POST", "/auth/login", NULL,
                               "{\"username\":\"LockMe\",\"password\":\"wrong-password\"}");
  assert_locked (locked_other_case);

  authflow_server_set_max_login_failures (shared.server, AUTHFLOW_SERVER_DEFAULT_MAX_LOGIN_FAILURES);
}

static void
test_login_lockout_reset (void)
{
  const char *wrong = "{\"username\":\"sophiab\",\"password\":\"not-her-password\"}";
  g_autoptr(Reply) first = NULL;
  g_autoptr(Reply) second = NULL;
  g_autoptr(Reply) third = NULL;
  g_autoptr(Reply) locked = NULL;

  authflow_server_set_max_login_failures (shared.server, 2);

  first = request ("POST", "/auth/login", NULL, wrong);
  assert_error (first, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");

  /* A success forgets the failures before it. */
  login ("sophiab", "sophiabpass", NULL, NULL);

  second = request ("POST", "/auth/login", NULL, wrong);
  assert_error (second, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");
  third = request ("POST", "/auth/login", NULL, wrong);
  assert_error (third, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");

  /* Locked even with the right password. */
  locked = request ("POST", "/auth/login", NULL, "{\"username\":\"sophiab\",\"password\":\"sophiabpass\"}");
  assert_locked (locked);

  authflow_server_set_max_login_failures (shared.server, AUTHFLOW_SERVER_DEFAULT_MAX_LOGIN_FAILURES);
  login ("sophiab", "sophiabpass", NULL, NULL);
}

static void
test_signup_success (void)
{
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) me = NULL;
  g_autoptr(Reply) minimal = NULL;
  g_autofree char *access_token = NULL;
  const char *token;
  gint64 id;

  reply = request ("POST", "/auth/signup", NULL,
                   "{\"username\":\"newuser\",\"password\":\"password123\",\"email\":\"new@example.com\","
                   "\"firstName\":\"New\",\"lastName\":\"User\",\"expiresInMins\":5,\"unknown\":[1,2]}");
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_CREATED);
  id = reply_int (reply, "id");
  g_assert_cmpint (id, >, 3);
  assert_user (reply, id, "newuser", "new@example.com", "New", "User", "", "");
  g_assert_cmpuint (json_object_get_size (reply_object (reply)), ==, 9);
  g_assert_nonnull (reply_string (reply, "refreshToken"));

  token = reply_string (reply, "accessToken");
  g_assert_cmpint (jwt_int_claim (token, "exp") - jwt_int_claim (token, "iat"), ==, 300);
  g_assert_cmpint (jwt_int_claim (token, "id"), ==, id);

  me = request ("GET", "/auth/me", token, NULL);
  g_assert_cmpuint (me->status, ==, SOUP_STATUS_OK);
  assert_user (me, id, "newuser", "new@example.com", "New", "User", "", "");

  login ("newuser", "password123", &access_token, NULL);
  g_assert_cmpint (jwt_int_claim (access_token, "id"), ==, id);

  minimal = request ("POST", "/auth/signup", NULL,
                     "{\"username\":\"min.user_1-x\",\"email\":\"a@b.co\",\"password\":\"12345678\","
                     "\"firstName\":null}");
  g_assert_cmpuint (minimal->status, ==, SOUP_STATUS_CREATED);
  assert_user (minimal, reply_int (minimal, "id"), "min.user_1-x", "a@b.co", "", "", "", "");
  g_assert_cmpint (reply_int (minimal, "id"), >, id);
}

static void
test_signup_errors (void)
{
  g_autofree char *long_username = g_strnfill (33, 'a');
  g_autofree char *name64 = g_strnfill (64, 'n');
  g_autofree char *name65 = g_strnfill (65, 'n');
  struct {
    const char *body;
    const char *field;
    const char *message;
  } cases[] = {
    { "{}", "username", "Username is required" },
    { "{\"username\":\"\"}", "username", "Username is required" },
    { "{\"username\":null,\"email\":\"a@b.co\",\"password\":\"password1\"}", "username", "Username is required" },
    { "{\"username\":\"ab\",\"email\":\"a@b.co\",\"password\":\"password1\"}", "username", USERNAME_FORMAT_MESSAGE },
    { "{\"username\":\"bad name\",\"email\":\"a@b.co\",\"password\":\"password1\"}", "username", USERNAME_FORMAT_MESSAGE },
    { "{\"username\":\"émile\",\"email\":\"a@b.co\",\"password\":\"password1\"}", "username", USERNAME_FORMAT_MESSAGE },
    { "{\"username\":\"a/b/c\",\"email\":\"a@b.co\",\"password\":\"password1\"}", "username", USERNAME_FORMAT_MESSAGE },
    { "{\"username\":42,\"email\":\"a@b.co\",\"password\":\"password1\"}", "username", USERNAME_FORMAT_MESSAGE },
    /* The first invalid field wins, in the order of the form. */
    { "{\"username\":\"x\",\"email\":\"bad\",\"password\":\"1\",\"firstName\":1}", "username", USERNAME_FORMAT_MESSAGE },
    { "{\"username\":\"validname\",\"password\":\"password1\"}", "email", "Email is required" },
    { "{\"username\":\"validname\",\"email\":\"\",\"password\":\"password1\"}", "email", "Email is required" },
    { "{\"username\":\"validname\",\"email\":\"no-at\",\"password\":\"password1\"}", "email", "Email is not valid" },
    { "{\"username\":\"validname\",\"email\":\"a@b\",\"password\":\"password1\"}", "email", "Email is not valid" },
    { "{\"username\":\"validname\",\"email\":\"@b.co\",\"password\":\"password1\"}", "email", "Email is not valid" },
    { "{\"username\":\"validname\",\"email\":\"a@@b.co\",\"password\":\"password1\"}", "email", "Email is not valid" },
    { "{\"username\":\"validname\",\"email\":\"a b@c.de\",\"password\":\"password1\"}", "email", "Email is not valid" },
    { "{\"username\":\"validname\",\"email\":\"a@b.\",\"password\":\"password1\"}", "email", "Email is not valid" },
    { "{\"username\":\"validname\",\"email\":\"a@.co\",\"password\":\"password1\"}", "email", "Email is not valid" },
    { "{\"username\":\"validname\",\"email\":5,\"password\":\"password1\"}", "email", "Email is not valid" },
    { "{\"username\":\"validname\",\"email\":\"bad\",\"password\":\"1\"}", "email", "Email is not valid" },
    { "{\"username\":\"validname\",\"email\":\"a@b.co\"}", "password", "Password is required" },
    { "{\"username\":\"validname\",\"email\":\"a@b.co\",\"password\":\"\"}", "password", "Password is required" },
    { "{\"username\":\"validname\",\"email\":\"a@b.co\",\"password\":12345678}", "password", "Password is required" },
    { "{\"username\":\"validname\",\"email\":\"a@b.co\",\"password\":\"short\"}", "password", "Password must be at least 8 characters" },
    /* Seven characters, more than eight bytes. */
    { "{\"username\":\"validname\",\"email\":\"a@b.co\",\"password\":\"ünïcödé\"}", "password", "Password must be at least 8 characters" },
    { "{\"username\":\"validname\",\"email\":\"a@b.co\",\"password\":\"password1\",\"firstName\":1}", "firstName", "First name must be text" },
    { "{\"username\":\"validname\",\"email\":\"a@b.co\",\"password\":\"password1\",\"lastName\":[]}", "lastName", "Last name must be text" },
  };
  g_autofree char *long_username_body = NULL;
  g_autofree char *long_first_body = NULL;
  g_autofree char *long_last_body = NULL;
  g_autoptr(Reply) long_username_reply = NULL;
  g_autoptr(Reply) long_first_reply = NULL;
  g_autoptr(Reply) long_last_reply = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Reply) reply = request ("POST", "/auth/signup", NULL, cases[i].body);

      g_test_message ("signup %s", cases[i].body);
      assert_field_error (reply, SOUP_STATUS_BAD_REQUEST, cases[i].message, cases[i].field);
    }

  long_username_body = g_strdup_printf ("{\"username\":\"%s\",\"email\":\"a@b.co\",\"password\":\"password1\"}",
                                        long_username);
  long_username_reply = request ("POST", "/auth/signup", NULL, long_username_body);
  assert_field_error (long_username_reply, SOUP_STATUS_BAD_REQUEST, USERNAME_FORMAT_MESSAGE, "username");

  long_first_body = g_strdup_printf ("{\"username\":\"validname\",\"email\":\"a@b.co\",\"password\":\"password1\","
                                     "\"firstName\":\"%s\",\"lastName\":\"%s\"}", name65, name65);
  long_first_reply = request ("POST", "/auth/signup", NULL, long_first_body);
  assert_field_error (long_first_reply, SOUP_STATUS_BAD_REQUEST, "First name is too long", "firstName");

  long_last_body = g_strdup_printf ("{\"username\":\"validname\",\"email\":\"a@b.co\",\"password\":\"password1\","
                                    "\"firstName\":\"%s\",\"lastName\":\"%s\"}", name64, name65);
  long_last_reply = request ("POST", "/auth/signup", NULL, long_last_body);
  assert_field_error (long_last_reply, SOUP_STATUS_BAD_REQUEST, "Last name is too long", "lastName");

  /* Nothing of the above was stored. */
  g_assert_cmpint (query_int (shared.db_path, "SELECT count(*) FROM users WHERE username = 'validname'"), ==, 0);
}

static void
test_signup_conflict (void)
{
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) bad_expiry = NULL;

  reply = request ("POST", "/auth/signup", NULL,
                   "{\"username\":\"EmilyS\",\"email\":\"other@example.com\",\"password\":\"password1\"}");
  assert_field_error (reply, SOUP_STATUS_CONFLICT, "Username already taken", "username");

  bad_expiry = request ("POST", "/auth/signup", NULL,
                        "{\"username\":\"expiryuser\",\"email\":\"e@example.com\",\"password\":\"password1\","
                        "\"expiresInMins\":0}");
  assert_error (bad_expiry, SOUP_STATUS_BAD_REQUEST, EXPIRES_MESSAGE);
}

static void
test_me_unauthorized (void)
{
  g_autoptr(GBytes) secret = read_secret (shared.db_path);
  g_autoptr(GBytes) other_secret = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);
  g_autofree char *good = NULL;
  g_autofree char *good_payload = NULL;
  g_autofree char *expired_payload = NULL;
  g_autofree char *none_header64 = NULL;
  g_autofree char *payload64 = NULL;
  g_autofree char *alg_none = NULL;
  g_autofree char *tampered = NULL;
  g_autofree char *emily_access = NULL;
  g_autofree char *michael_access = NULL;
  g_autofree char *sid = NULL;
  g_autofree char *michael_sid = NULL;
  g_auto(GStrv) good_parts = NULL;
  g_auto(GStrv) other_parts = NULL;
  gint64 now = now_seconds ();
  const char *hs256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  g_autofree char *deep_header = nested_body ("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"x\":",
                                             AUTHFLOW_SERVER_JSON_MAX_DEPTH - 1);
  g_autofree char *too_deep_header = nested_body ("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"x\":",
                                                 AUTHFLOW_SERVER_JSON_MAX_DEPTH);
  struct {
    const char *authorization;
    const char *message;
  } header_cases[] = {
    { NULL, "Access Token is required" },
    { "Basic ZW1pbHlzOmVtaWx5c3Bhc3M=", "Access Token is required" },
    { "Bearer", "Access Token is required" },
    { "Bearer garbage", "Invalid/Expired Token!" },
    { "Bearer a.b.c", "Invalid/Expired Token!" },
    { "Bearer ...", "Invalid/Expired Token!" },
  };
  struct {
    GBytes     *secret;
    const char *header;
    const char *payload;
    const char *message;
  } token_cases[] = {
    /* Wrong algorithm, right key. */
    { secret, "{\"alg\":\"none\",\"typ\":\"JWT\"}", NULL, "Invalid/Expired Token!" },
    { secret, "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", NULL, "Invalid/Expired Token!" },
    { secret, "{\"alg\":\"HS384\",\"typ\":\"JWT\"}", NULL, "Invalid/Expired Token!" },
    { secret, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", NULL, "Invalid/Expired Token!" },
    { secret, "{\"alg\":\"ES256\",\"typ\":\"JWT\"}", NULL, "Invalid/Expired Token!" },
    { secret, "{\"alg\":\"None\",\"typ\":\"JWT\"}", NULL, "Invalid/Expired Token!" },
    { secret, "{\"alg\":[\"HS256\"],\"typ\":\"JWT\"}", NULL, "Invalid/Expired Token!" },
    { secret, "{\"alg\":\"hs256\",\"typ\":\"JWT\"}", NULL, "Invalid/Expired Token!" },
    { secret, "{\"typ\":\"JWT\"}", NULL, "Invalid/Expired Token!" },
    { secret, "{\"alg\":\"HS256\",\"typ\":\"JWS\"}", NULL, "Invalid/Expired Token!" },
    /* The header is read before the signature is checked: it gets the
     * guard of a request body. */
    { secret, "{\"alg\":\"HS256\\u0000junk\",\"typ\":\"JWT\"}", NULL, "Invalid/Expired Token!" },
    { secret, "{\"alg\":\"HS256\",\"typ\":\"JWT\\u0000\"}", NULL, "Invalid/Expired Token!" },
    { secret, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"x\":\"\\ud800\"}", NULL, "Invalid/Expired Token!" },
    { secret, too_deep_header, NULL, "Invalid/Expired Token!" },
    /* Wrong key. */
    { other_secret, NULL, NULL, "Invalid/Expired Token!" },
    /* Wrong claims, right key. */
    { secret, NULL, "{\"sub\":\"1\",\"id\":\"1\",\"username\":\"emilys\",\"iat\":1,\"exp\":9999999999,\"jti\":\"x\"}", "Invalid/Expired Token!" },
    { secret, NULL, "{\"sub\":1,\"id\":1,\"username\":\"emilys\",\"iat\":1,\"exp\":9999999999,\"jti\":\"x\"}", "Invalid/Expired Token!" },
    { secret, NULL, "{\"sub\":null,\"id\":1,\"username\":\"emilys\",\"iat\":1,\"exp\":9999999999,\"jti\":\"x\"}", "Invalid/Expired Token!" },
    { secret, NULL, "{\"sub\":\"1\",\"id\":1.0,\"username\":\"emilys\",\"iat\":1,\"exp\":9999999999,\"jti\":\"x\"}", "Invalid/Expired Token!" },
    { secret, NULL, "{\"sub\":\"1\",\"id\":1,\"username\":\"emilys\",\"iat\":1,\"exp\":null,\"jti\":\"x\"}", "Invalid/Expired Token!" },
    { secret, NULL, "{\"sub\":\"1\",\"id\":1,\"username\":\"emilys\",\"iat\":1,\"exp\":true,\"jti\":\"x\"}", "Invalid/Expired Token!" },
    { secret, NULL, "{\"sub\":\"1\",\"id\":1,\"username\":\"emilys\",\"iat\":1,\"exp\":\"9999999999\",\"jti\":\"x\"}", "Invalid/Expired Token!" },
    { secret, NULL, "{\"sub\":\"1\",\"id\":1,\"username\":\"emilys\",\"iat\":1,\"exp\":9999999999.5,\"jti\":\"x\"}", "Invalid/Expired Token!" },
    { secret, NULL, "{\"sub\":\"1\",\"id\":1,\"username\":\"emilys\",\"iat\":1,\"exp\":9999999999}", "Invalid/Expired Token!" },
    { secret, NULL, "{\"sub\":\"2\",\"id\":1,\"username\":\"emilys\",\"iat\":1,\"exp\":9999999999,\"jti\":\"x\"}", "Invalid/Expired Token!" },
    { secret, NULL, "[1,2,3]", "Invalid/Expired Token!" },
    { secret, NULL, "not json", "Invalid/Expired Token!" },
    /* A user that does not exist. */
    { secret, NULL, "{\"sub\":\"999\",\"id\":999,\"username\":\"ghost\",\"iat\":1,\"exp\":9999999999,\"jti\":\"x\"}", "Invalid/Expired Token!" },
    /* Expired, but only a signed token may say so. */
    { secret, NULL, NULL, "Token Expired!" },
    { other_secret, NULL, NULL, "Invalid/Expired Token!" },
  };

  /* A token must name a live session of its user: these crafted ones use
   * a real one. */
  login ("emilys", "emilyspass", &emily_access, NULL);
  login ("michaelw", "michaelwpass", &michael_access, NULL);
  sid = jwt_string_claim (emily_access, "sid");
  michael_sid = jwt_string_claim (michael_access, "sid");
  g_assert_nonnull (sid);
  g_assert_nonnull (michael_sid);
  g_assert_cmpstr (sid, !=, michael_sid);

  good_payload = g_strdup_printf ("{\"sub\":\"1\",\"id\":1,\"username\":\"emilys\",\"iat\":%" G_GINT64_FORMAT
                                  ",\"exp\":%" G_GINT64_FORMAT ",\"jti\":\"test\",\"sid\":\"%s\"}",
                                  now, now + 600, sid);
  expired_payload = g_strdup_printf ("{\"sub\":\"1\",\"id\":1,\"username\":\"emilys\",\"iat\":%" G_GINT64_FORMAT
                                     ",\"exp\":%" G_GINT64_FORMAT ",\"jti\":\"test\",\"sid\":\"%s\"}",
                                     now - 600, now - 10, sid);

  /* A token crafted with the real secret passes: the cases below fail for
   * the one reason each of them names. */
  good = make_token (secret, hs256, good_payload);
  {
    g_autoptr(Reply) reply = request ("GET", "/auth/me", good, NULL);

    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
    assert_emily (reply);
  }
  {
    g_autofree char *deep = make_token (secret, deep_header, good_payload);
    g_autoptr(Reply) reply = request ("GET", "/auth/me", deep, NULL);

    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  }

  for (guint i = 0; i < G_N_ELEMENTS (header_cases); i++)
    {
      g_autoptr(Reply) reply = NULL;

      reply = request_full (shared.session, shared.url, "GET", "/auth/me",
                            header_cases[i].authorization, NULL, NULL);
      assert_error (reply, SOUP_STATUS_UNAUTHORIZED, header_cases[i].message);
      g_assert_nonnull (soup_message_headers_get_one (reply->headers, "WWW-Authenticate"));
    }

  for (guint i = 0; i < G_N_ELEMENTS (token_cases); i++)
    {
      g_autofree char *payload = NULL;
      g_autofree char *token = NULL;
      g_autoptr(Reply) reply = NULL;

      if (token_cases[i].payload != NULL)
        payload = with_sid (token_cases[i].payload, sid);
      else if (g_str_equal (token_cases[i].message, "Token Expired!") || i == G_N_ELEMENTS (token_cases) - 1)
        payload = g_strdup (expired_payload);
      else
        payload = g_strdup (good_payload);

      token = make_token (token_cases[i].secret,
                          token_cases[i].header ? token_cases[i].header : hs256,
                          payload);
      reply = request ("GET", "/auth/me", token, NULL);
      g_test_message ("token case %u", i);
      assert_error (reply, SOUP_STATUS_UNAUTHORIZED, token_cases[i].message);
    }

  /* Signed, in time, but without a live session of its own. A token
   * without a sid was issued before tokens named their session: it is
   * refused, and its holder's refresh token gets one that does. */
  {
    g_autofree char *base = g_strdup_printf ("{\"sub\":\"1\",\"id\":1,\"username\":\"emilys\",\"iat\":%"
                                             G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT ",\"jti\":\"x\"",
                                             now, now + 600);
    g_autofree char *old_base = g_strdup_printf ("{\"sub\":\"1\",\"id\":1,\"username\":\"emilys\",\"iat\":%"
                                                 G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT ",\"jti\":\"x\"",
                                                 now - 600, now - 10);
    g_autofree char *no_sid = g_strconcat (base, "}", NULL);
    g_autofree char *no_sid_expired = g_strconcat (old_base, "}", NULL);
    g_autofree char *number_sid = g_strconcat (base, ",\"sid\":1}", NULL);
    g_autofree char *null_sid = g_strconcat (base, ",\"sid\":null}", NULL);
    g_autofree char *unknown_sid = g_strconcat (base, ",\"sid\":\"no-such-session\"}", NULL);
    g_autofree char *empty_sid = g_strconcat (base, ",\"sid\":\"\"}", NULL);
    g_autofree char *others_sid = g_strdup_printf ("%s,\"sid\":\"%s\"}", base, michael_sid);
    struct {
      const char *payload;
      const char *message;
    } session_cases[] = {
      { no_sid, "Invalid/Expired Token!" },
      { no_sid_expired, "Token Expired!" },
      { number_sid, "Invalid/Expired Token!" },
      { null_sid, "Invalid/Expired Token!" },
      { unknown_sid, "Invalid/Expired Token!" },
      { empty_sid, "Invalid/Expired Token!" },
      { others_sid, "Invalid/Expired Token!" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (session_cases); i++)
      {
        g_autofree char *token = make_token (secret, hs256, session_cases[i].payload);
        g_autoptr(Reply) reply = request ("GET", "/auth/me", token, NULL);

        g_test_message ("session case %s", session_cases[i].payload);
        assert_error (reply, SOUP_STATUS_UNAUTHORIZED, session_cases[i].message);
      }
  }

  /* alg none with no signature at all. */
  none_header64 = b64url ("{\"alg\":\"none\",\"typ\":\"JWT\"}", strlen ("{\"alg\":\"none\",\"typ\":\"JWT\"}"));
  payload64 = b64url (good_payload, strlen (good_payload));
  alg_none = g_strconcat (none_header64, ".", payload64, ".", NULL);
  {
    g_autoptr(Reply) reply = request ("GET", "/auth/me", alg_none, NULL);

    assert_error (reply, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
  }

  /* Someone else's claims under a valid signature of other claims. */
  {
    g_autofree char *michael_payload = g_strdup_printf ("{\"sub\":\"2\",\"id\":2,\"username\":\"michaelw\","
                                                        "\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT
                                                        ",\"jti\":\"test\",\"sid\":\"%s\"}", now, now + 600,
                                                        michael_sid);
    g_autofree char *other = make_token (other_secret, hs256, michael_payload);
    g_autoptr(Reply) reply = NULL;

    good_parts = g_strsplit (good, ".", -1);
    other_parts = g_strsplit (other, ".", -1);
    tampered = g_strconcat (good_parts[0], ".", other_parts[1], ".", good_parts[2], NULL);
    reply = request ("GET", "/auth/me", tampered, NULL);
    assert_error (reply, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
  }
}

static void
test_me_expired (void)
{
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autoptr(Reply) me = NULL;
  g_autoptr(Reply) refreshed = NULL;
  gint64 exp;

  /* Both tokens live one second: waiting is the honest test of expiry. */
  authflow_server_set_access_ttl (shared.server, 1);
  authflow_server_set_refresh_ttl (shared.server, 1);
  login ("emilys", "emilyspass", &access_token, &refresh_token);
  authflow_server_set_access_ttl (shared.server, AUTHFLOW_SERVER_DEFAULT_ACCESS_TTL);
  authflow_server_set_refresh_ttl (shared.server, AUTHFLOW_SERVER_DEFAULT_REFRESH_TTL);

  exp = jwt_int_claim (access_token, "exp");
  g_assert_cmpint (exp - jwt_int_claim (access_token, "iat"), ==, 1);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 5000, now_seconds () >= exp));

  me = request ("GET", "/auth/me", access_token, NULL);
  assert_error (me, SOUP_STATUS_UNAUTHORIZED, "Token Expired!");

  refreshed = refresh (refresh_token);
  assert_error (refreshed, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");
}

static void
test_me_patch (void)
{
  g_autoptr(Reply) signup = NULL;
  g_autoptr(Reply) patched = NULL;
  g_autoptr(Reply) me = NULL;
  g_autoptr(Reply) unchanged = NULL;
  g_autoptr(Reply) cleared = NULL;
  g_autoptr(Reply) unauthorized = NULL;
  g_autoptr(Reply) malformed = NULL;
  g_autofree char *name65 = g_strnfill (65, 'n');
  g_autofree char *long_first = g_strdup_printf ("{\"firstName\":\"%s\"}", name65);
  g_autofree char *long_last = g_strdup_printf ("{\"lastName\":\"%s\"}", name65);
  const char *token;
  gint64 id;
  struct {
    const char *body;
    const char *field;
    const char *message;
  } cases[] = {
    { "{\"email\":\"bad\"}", "email", "Email is not valid" },
    { "{\"email\":\"\"}", "email", "Email is required" },
    { "{\"email\":7}", "email", "Email is not valid" },
    { long_first, "firstName", "First name is too long" },
    { long_last, "lastName", "Last name is too long" },
    { "{\"firstName\":false}", "firstName", "First name must be text" },
    { "{\"image\":\"ftp://example.org/a.png\"}", "image", "Image must be a URL" },
    { "{\"image\":\"not a url\"}", "image", "Image must be a URL" },
    { "{\"image\":5}", "image", "Image must be a URL" },
    { "{\"email\":\"bad\",\"firstName\":1}", "email", "Email is not valid" },
  };

  signup = request ("POST", "/auth/signup", NULL,
                    "{\"username\":\"patcher\",\"email\":\"patcher@example.com\",\"password\":\"password123\"}");
  g_assert_cmpuint (signup->status, ==, SOUP_STATUS_CREATED);
  token = reply_string (signup, "accessToken");
  id = reply_int (signup, "id");

  patched = request ("PATCH", "/auth/me", token,
                     "{\"firstName\":\"Pat\",\"lastName\":\"Cher\",\"email\":\"pat@example.org\","
                     "\"image\":\"https://example.org/pat.png\",\"username\":\"hacker\","
                     "\"password\":\"changed!!\",\"gender\":\"x\",\"id\":1}");
  g_assert_cmpuint (patched->status, ==, SOUP_STATUS_OK);
  assert_user (patched, id, "patcher", "pat@example.org", "Pat", "Cher", "", "https://example.org/pat.png");
  g_assert_cmpuint (json_object_get_size (reply_object (patched)), ==, 7);

  me = request ("GET", "/auth/me", token, NULL);
  assert_user (me, id, "patcher", "pat@example.org", "Pat", "Cher", "", "https://example.org/pat.png");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Reply) reply = request ("PATCH", "/auth/me", token, cases[i].body);

      g_test_message ("patch %s", cases[i].body);
      assert_field_error (reply, SOUP_STATUS_BAD_REQUEST, cases[i].message, cases[i].field);
    }

  /* A refused patch changes nothing, and an empty one neither. */
  unchanged = request ("PATCH", "/auth/me", token, "{}");
  g_assert_cmpuint (unchanged->status, ==, SOUP_STATUS_OK);
  assert_user (unchanged, id, "patcher", "pat@example.org", "Pat", "Cher", "", "https://example.org/pat.png");

  cleared = request ("PATCH", "/auth/me", token, "{\"image\":\"\",\"firstName\":\"\",\"lastName\":null}");
  g_assert_cmpuint (cleared->status, ==, SOUP_STATUS_OK);
  assert_user (cleared, id, "patcher", "pat@example.org", "", "Cher", "", "");

  unauthorized = request ("PATCH", "/auth/me", NULL, "{\"firstName\":\"Nobody\"}");
  assert_error (unauthorized, SOUP_STATUS_UNAUTHORIZED, "Access Token is required");

  malformed = request ("PATCH", "/auth/me", token, "{\"firstName\":");
  assert_error (malformed, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");

  /* The password did not change through the patch. */
  login ("patcher", "password123", NULL, NULL);
}

static void
test_refresh_rotation (void)
{
  g_autofree char *access_token = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  g_autofree char *bad_expiry_body = NULL;
  g_autofree char *first_body = NULL;
  guint count = authflow_server_get_refresh_count (shared.server);
  const char *missing[] = { "", "{}", "{\"refreshToken\":\"\"}", "{\"refreshToken\":5}", "{\"refreshToken\":null}" };
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) reply2 = NULL;
  g_autoptr(Reply) spent = NULL;
  g_autoptr(Reply) unknown = NULL;
  g_autoptr(Reply) bad_expiry = NULL;
  g_autoptr(Reply) after_bad_expiry = NULL;
  g_autoptr(Reply) me = NULL;
  const char *new_access;

  login ("emilys", "emilyspass", &access_token, &first);

  first_body = g_strdup_printf ("{\"refreshToken\":\"%s\",\"expiresInMins\":10}", first);
  reply = request ("POST", "/auth/refresh", NULL, first_body);
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  g_assert_cmpuint (json_object_get_size (reply_object (reply)), ==, 2);
  new_access = reply_string (reply, "accessToken");
  second = g_strdup (reply_string (reply, "refreshToken"));
  g_assert_nonnull (new_access);
  g_assert_nonnull (second);
  g_assert_cmpstr (second, !=, first);
  g_assert_cmpstr (new_access, !=, access_token);
  g_assert_cmpint (jwt_int_claim (new_access, "exp") - jwt_int_claim (new_access, "iat"), ==, 600);
  g_assert_cmpuint (authflow_server_get_refresh_count (shared.server), ==, count + 1);

  /* Rotation stays in the session: the new access token names the same
   * one, and the old access token stays good with it. */
  {
    g_autofree char *sid = jwt_string_claim (access_token, "sid");
    g_autofree char *new_sid = jwt_string_claim (new_access, "sid");
    g_autoptr(Reply) old_me = request ("GET", "/auth/me", access_token, NULL);

    g_assert_nonnull (sid);
    g_assert_cmpstr (new_sid, ==, sid);
    g_assert_cmpuint (old_me->status, ==, SOUP_STATUS_OK);
  }

  me = request ("GET", "/auth/me", new_access, NULL);
  g_assert_cmpuint (me->status, ==, SOUP_STATUS_OK);
  assert_emily (me);

  reply2 = refresh (second);
  g_assert_cmpuint (reply2->status, ==, SOUP_STATUS_OK);
  third = g_strdup (reply_string (reply2, "refreshToken"));
  g_assert_cmpint (jwt_int_claim (reply_string (reply2, "accessToken"), "exp") -
                   jwt_int_claim (reply_string (reply2, "accessToken"), "iat"), ==, 3600);
  g_assert_cmpuint (authflow_server_get_refresh_count (shared.server), ==, count + 2);

  for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
    {
      g_autoptr(Reply) r = request ("POST", "/auth/refresh", NULL, missing[i]);

      assert_error (r, SOUP_STATUS_UNAUTHORIZED, "Refresh token required");
    }

  unknown = refresh ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  assert_error (unknown, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");

  /* A refused call does not spend the token. */
  bad_expiry_body = g_strdup_printf ("{\"refreshToken\":\"%s\",\"expiresInMins\":43201}", third);
  bad_expiry = request ("POST", "/auth/refresh", NULL, bad_expiry_body);
  assert_error (bad_expiry, SOUP_STATUS_BAD_REQUEST, EXPIRES_MESSAGE);
  after_bad_expiry = refresh (third);
  g_assert_cmpuint (after_bad_expiry->status, ==, SOUP_STATUS_OK);

  g_assert_cmpuint (authflow_server_get_refresh_count (shared.server), ==, count + 3);

  /* The first token is spent (and that revokes the family). */
  spent = refresh (first);
  assert_error (spent, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");
}

static void
test_refresh_reuse (void)
{
  g_autofree char *first_access = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *second_access = NULL;
  g_autofree char *other_access = NULL;
  g_autofree char *other = NULL;
  g_autoptr(Reply) rotated = NULL;
  g_autoptr(Reply) reused = NULL;
  g_autoptr(Reply) revoked = NULL;
  g_autoptr(Reply) other_family = NULL;

  login ("emilys", "emilyspass", &first_access, &first);
  login ("emilys", "emilyspass", &other_access, &other);

  rotated = refresh (first);
  g_assert_cmpuint (rotated->status, ==, SOUP_STATUS_OK);
  second = g_strdup (reply_string (rotated, "refreshToken"));
  second_access = g_strdup (reply_string (rotated, "accessToken"));

  /* Whoever replays a spent token loses the whole family, the newest
   * token of the legitimate holder included. */
  reused = refresh (first);
  assert_error (reused, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");

  revoked = refresh (second);
  assert_error (revoked, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");

  /* And the session ends at once: every access token issued in it is
   * refused, long before it expires. */
  {
    const char *ended[] = { first_access, second_access };

    for (guint i = 0; i < G_N_ELEMENTS (ended); i++)
      {
        g_autoptr(Reply) me = request ("GET", "/auth/me", ended[i], NULL);
        g_autoptr(Reply) patch = request ("PATCH", "/auth/me", ended[i], "{\"firstName\":\"Thief\"}");
        g_autoptr(Reply) logout = request ("POST", "/auth/logout", ended[i], NULL);

        g_assert_cmpint (jwt_int_claim (ended[i], "exp"), >, now_seconds () + 60);
        assert_error (me, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
        assert_error (patch, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
        assert_error (logout, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
      }
  }

  /* Another login of the same user is another family. */
  other_family = refresh (other);
  g_assert_cmpuint (other_family->status, ==, SOUP_STATUS_OK);
  {
    g_autoptr(Reply) me = request ("GET", "/auth/me", other_access, NULL);

    g_assert_cmpuint (me->status, ==, SOUP_STATUS_OK);
    assert_emily (me);
  }
}

static void
test_logout (void)
{
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *body = NULL;
  g_autoptr(Reply) unauthorized = NULL;
  g_autoptr(Reply) rotated = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) refreshed = NULL;
  const char *rotated_access;

  login ("emilys", "emilyspass", &access_token, &refresh_token);
  rotated = refresh (refresh_token);
  g_assert_cmpuint (rotated->status, ==, SOUP_STATUS_OK);
  rotated_access = reply_string (rotated, "accessToken");

  unauthorized = request ("POST", "/auth/logout", NULL, "{}");
  assert_error (unauthorized, SOUP_STATUS_UNAUTHORIZED, "Access Token is required");

  body = g_strdup_printf ("{\"refreshToken\":\"%s\"}", reply_string (rotated, "refreshToken"));
  reply = request ("POST", "/auth/logout", access_token, body);
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  g_assert_cmpuint (json_object_get_size (reply_object (reply)), ==, 1);
  g_assert_cmpstr (reply_string (reply, "message"), ==, "Logged out successfully");

  refreshed = refresh (reply_string (rotated, "refreshToken"));
  assert_error (refreshed, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");

  /* Logout ends the session at once: every access token issued in it is
   * refused from then on, not only the one of the logout. */
  {
    const char *ended[] = { access_token, rotated_access };

    for (guint i = 0; i < G_N_ELEMENTS (ended); i++)
      {
        g_autoptr(Reply) me = request ("GET", "/auth/me", ended[i], NULL);

        assert_error (me, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
      }
  }
}

/* A logout ends its own session, the one its access token names, and the
 * one of the refresh token that comes with it; the user's other sessions go
 * on, and somebody else's refresh token is left alone. */
static void
test_logout_own_session (void)
{
  g_autofree char *access1 = NULL;
  g_autofree char *refresh1 = NULL;
  g_autofree char *access2 = NULL;
  g_autofree char *refresh2 = NULL;
  g_autofree char *access3 = NULL;
  g_autofree char *refresh3 = NULL;
  g_autofree char *emily_access = NULL;
  g_autofree char *emily_refresh = NULL;
  g_autofree char *body = NULL;
  g_autoptr(Reply) malformed = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) reply2 = NULL;

  login ("michaelw", "michaelwpass", &access1, &refresh1);
  login ("michaelw", "michaelwpass", &access2, &refresh2);
  login ("michaelw", "michaelwpass", &access3, &refresh3);
  login ("emilys", "emilyspass", &emily_access, &emily_refresh);

  malformed = request ("POST", "/auth/logout", access1, "{\"refreshToken\":");
  assert_error (malformed, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");

  /* Without a refresh token: the session of the access token. */
  reply = request ("POST", "/auth/logout", access1, NULL);
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (reply_string (reply, "message"), ==, "Logged out successfully");

  {
    g_autoptr(Reply) me1 = request ("GET", "/auth/me", access1, NULL);
    g_autoptr(Reply) refreshed1 = refresh (refresh1);
    g_autoptr(Reply) me2 = request ("GET", "/auth/me", access2, NULL);

    assert_error (me1, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
    assert_error (refreshed1, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");
    g_assert_cmpuint (me2->status, ==, SOUP_STATUS_OK);
  }

  /* With the refresh token of a third session, and one of somebody else. */
  body = g_strdup_printf ("{\"refreshToken\":\"%s\"}", refresh3);
  reply2 = request ("POST", "/auth/logout", access2, body);
  g_assert_cmpuint (reply2->status, ==, SOUP_STATUS_OK);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"refreshToken\":\"%s\"}", emily_refresh);
  {
    g_autofree char *access4 = NULL;
    g_autoptr(Reply) reply3 = NULL;

    login ("michaelw", "michaelwpass", &access4, NULL);
    reply3 = request ("POST", "/auth/logout", access4, body);
    g_assert_cmpuint (reply3->status, ==, SOUP_STATUS_OK);
  }

  {
    g_autoptr(Reply) me2 = request ("GET", "/auth/me", access2, NULL);
    g_autoptr(Reply) refreshed2 = refresh (refresh2);
    g_autoptr(Reply) me3 = request ("GET", "/auth/me", access3, NULL);
    g_autoptr(Reply) refreshed3 = refresh (refresh3);
    g_autoptr(Reply) emily_me = request ("GET", "/auth/me", emily_access, NULL);
    g_autoptr(Reply) emily_refreshed = refresh (emily_refresh);

    assert_error (me2, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
    assert_error (refreshed2, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");
    assert_error (me3, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
    assert_error (refreshed3, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");
    g_assert_cmpuint (emily_me->status, ==, SOUP_STATUS_OK);
    g_assert_cmpuint (emily_refreshed->status, ==, SOUP_STATUS_OK);
  }
}

static void
test_protocol_errors (void)
{
  const char *not_objects[] = { "{not json", "[1,2]", "\"text\"", "null", "42", "{\"a\":1}}", "\xff\xfe" };
  struct {
    const char *method;
    const char *path;
    guint       status;
    const char *message;
    const char *allow;
  } routes[] = {
    { "GET", "/", SOUP_STATUS_NOT_FOUND, "Not found", NULL },
    { "GET", "/nope", SOUP_STATUS_NOT_FOUND, "Not found", NULL },
    { "POST", "/auth", SOUP_STATUS_NOT_FOUND, "Not found", NULL },
    { "POST", "/auth/login/extra", SOUP_STATUS_NOT_FOUND, "Not found", NULL },
    { "GET", "/auth/login", SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed", "POST" },
    { "PUT", "/auth/signup", SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed", "POST" },
    { "DELETE", "/auth/me", SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed", "GET, PATCH" },
    { "POST", "/auth/me", SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed", "GET, PATCH" },
    { "GET", "/auth/refresh", SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed", "POST" },
    { "GET", "/auth/logout", SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed", "POST" },
  };
  g_autoptr(GString) big = g_string_new ("{\"username\":\"emilys\",\"password\":\"");
  g_autoptr(GBytes) big_bytes = NULL;
  g_autoptr(GInputStream) big_stream = NULL;
  g_autoptr(Reply) too_large = NULL;
  g_autoptr(Reply) too_large_chunked = NULL;
  g_autoptr(Reply) just_fits = NULL;
  g_autoptr(Reply) still_fine = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (not_objects); i++)
    {
      g_autoptr(Reply) login_reply = request ("POST", "/auth/login", NULL, not_objects[i]);
      g_autoptr(Reply) signup_reply = request ("POST", "/auth/signup", NULL, not_objects[i]);
      g_autoptr(Reply) refresh_reply = request ("POST", "/auth/refresh", NULL, not_objects[i]);

      assert_error (login_reply, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");
      assert_error (signup_reply, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");
      assert_error (refresh_reply, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");
    }

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autoptr(Reply) reply = request (routes[i].method, routes[i].path, NULL, NULL);

      assert_error (reply, routes[i].status, routes[i].message);
      g_assert_cmpstr (soup_message_headers_get_one (reply->headers, "Allow"), ==, routes[i].allow);
    }

  /* Just under the limit is still read and judged on its content. */
  while (big->len < AUTHFLOW_SERVER_MAX_BODY_SIZE - 2)
    g_string_append_c (big, 'x');
  g_string_append (big, "\"}");
  g_assert_cmpuint (big->len, ==, AUTHFLOW_SERVER_MAX_BODY_SIZE);
  just_fits = request ("POST", "/auth/signup", NULL, big->str);
  assert_field_error (just_fits, SOUP_STATUS_BAD_REQUEST, "Email is required", "email");

  g_string_insert_c (big, big->len - 2, 'x');
  too_large = request ("POST", "/auth/login", NULL, big->str);
  assert_error (too_large, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "Request body too large");

  /* Without a Content-Length the body is counted as it comes. */
  while (big->len < 3 * AUTHFLOW_SERVER_MAX_BODY_SIZE)
    g_string_insert_c (big, big->len - 2, 'x');
  big_bytes = g_bytes_new (big->str, big->len);
  big_stream = g_memory_input_stream_new_from_bytes (big_bytes);
  too_large_chunked = request_full (shared.session, shared.url, "POST", "/auth/login", NULL, NULL, big_stream);
  assert_error (too_large_chunked, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "Request body too large");

  still_fine = request ("POST", "/auth/login", NULL, "{}");
  assert_error (still_fine, SOUP_STATUS_BAD_REQUEST, "Username and password required");
}

/* Members a call does not know are ignored, as dummyjson.com does, so that
 * clients may send more than this server needs. */
static void
test_unknown_fields (void)
{
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *refresh_body = NULL;
  g_autofree char *logout_body = NULL;
  g_autoptr(Reply) login_reply = NULL;
  g_autoptr(Reply) refresh_reply = NULL;
  g_autoptr(Reply) patch = NULL;
  g_autoptr(Reply) logout = NULL;

  login_reply = request ("POST", "/auth/login", NULL,
                         "{\"username\":\"emilys\",\"password\":\"emilyspass\",\"remember\":true,"
                         "\"device\":{\"name\":\"laptop\"},\"id\":99,\"accessToken\":\"x\"}");
  g_assert_cmpuint (login_reply->status, ==, SOUP_STATUS_OK);
  assert_emily (login_reply);
  access_token = g_strdup (reply_string (login_reply, "accessToken"));
  refresh_token = g_strdup (reply_string (login_reply, "refreshToken"));

  refresh_body = g_strdup_printf ("{\"refreshToken\":\"%s\",\"grant_type\":\"refresh_token\",\"extra\":[null]}",
                                  refresh_token);
  refresh_reply = request ("POST", "/auth/refresh", NULL, refresh_body);
  g_assert_cmpuint (refresh_reply->status, ==, SOUP_STATUS_OK);
  g_assert_cmpuint (json_object_get_size (reply_object (refresh_reply)), ==, 2);

  /* Not even the id or the username can be changed this way. */
  patch = request ("PATCH", "/auth/me", access_token,
                   "{\"id\":42,\"username\":\"someoneelse\",\"password\":\"x\",\"role\":\"admin\"}");
  g_assert_cmpuint (patch->status, ==, SOUP_STATUS_OK);
  assert_emily (patch);
  g_assert_null (reply_string (patch, "password"));
  g_assert_null (json_object_get_member (reply_object (patch), "role"));

  logout_body = g_strdup_printf ("{\"refreshToken\":\"%s\",\"everywhere\":false}",
                                 reply_string (refresh_reply, "refreshToken"));
  logout = request ("POST", "/auth/logout", access_token, logout_body);
  g_assert_cmpuint (logout->status, ==, SOUP_STATUS_OK);
}

/* json-glib ends a string at an escaped NUL, so that "emilyspass\u0000junk"
 * read as "emilyspass". The server refuses every string with one, wherever
 * it is, and the spellings of NUL that json-glib also takes (short \u
 * escapes, octal), and what could hide one from the check: comments and
 * single-quoted strings, which json-glib takes too although JSON has none. */
static void
test_json_escaped_nul (void)
{
  const char *logins[] = {
    "{\"username\":\"emilys\",\"password\":\"emilyspass\\u0000anything\"}",
    "{\"username\":\"emilys\\u0000junk\",\"password\":\"emilyspass\"}",
    "{\"username\\u0000x\":\"emilys\",\"password\":\"emilyspass\"}",
    "{\"username\":\"emilys\",\"password\":\"emilyspass\",\"x\\u0000\":1}",
    "{\"username\":\"emilys\",\"password\":\"emilyspass\",\"device\":{\"name\":[\"\\u0000\"]}}",
    "{\"username\":\"emilys\",\"password\":\"emilyspass\\u0junk\"}",
    "{\"username\":\"emilys\",\"password\":\"emilyspass\\u000junk\"}",
    "{\"username\":\"emilys\",\"password\":\"emilyspass\\0junk\"}",
    "{\"username\":\"emilys\",\"password\":\"emilyspass\\000\"}",
    "{\"username\":\"emilys\",\"password\":/* \" */\"emilyspass\\u0000junk\"/* \" */}",
    "{'username':'emilys','password':'emilyspass'}",
    "{\"username\":\"emilys\",\"password\":\"emilyspass\\q\"}",
  };
  g_autoptr(Reply) signup = NULL;
  g_autoptr(Reply) no_user = NULL;
  g_autoptr(Reply) same_name = NULL;
  g_autoptr(Reply) backslash = NULL;
  g_autoptr(Reply) backslash_login = NULL;
  g_autoptr(Reply) backslash_short = NULL;
  g_autofree char *refresh_body = NULL;
  g_autofree char *logout_body = NULL;
  const char *token;

  for (guint i = 0; i < G_N_ELEMENTS (logins); i++)
    {
      g_autoptr(Reply) reply = request ("POST", "/auth/login", NULL, logins[i]);

      g_test_message ("login %s", logins[i]);
      assert_error (reply, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");
    }

  /* Nothing was stored: neither the short password nor the username. */
  signup = request ("POST", "/auth/signup", NULL,
                    "{\"username\":\"nulsignup\",\"email\":\"nul@example.com\","
                    "\"password\":\"abcdefgh\\u0000Long-Secret-Tail\"}");
  assert_error (signup, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");
  no_user = request ("POST", "/auth/login", NULL, "{\"username\":\"nulsignup\",\"password\":\"abcdefgh\"}");
  assert_error (no_user, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");
  same_name = request ("POST", "/auth/signup", NULL,
                       "{\"username\":\"nulsignup\\u0000x\",\"email\":\"nul@example.com\","
                       "\"password\":\"long-enough-pass\"}");
  assert_error (same_name, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");

  /* \\u0000 is a backslash and "u0000": a password like any other, kept
   * whole. */
  backslash = request ("POST", "/auth/signup", NULL,
                       "{\"username\":\"backslashu\",\"email\":\"bs@example.com\","
                       "\"password\":\"abcdefgh\\\\u0000Long-Secret-Tail\"}");
  g_assert_cmpuint (backslash->status, ==, SOUP_STATUS_CREATED);
  backslash_login = request ("POST", "/auth/login", NULL,
                             "{\"username\":\"backslashu\",\"password\":\"abcdefgh\\\\u0000Long-Secret-Tail\"}");
  g_assert_cmpuint (backslash_login->status, ==, SOUP_STATUS_OK);
  backslash_short = request ("POST", "/auth/login", NULL,
                             "{\"username\":\"backslashu\",\"password\":\"abcdefgh\"}");
  assert_error (backslash_short, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");

  /* The other calls with a body, each with a NUL in a value and in a name. */
  token = reply_string (backslash, "accessToken");
  refresh_body = g_strdup_printf ("{\"refreshToken\":\"%s\\u0000\"}", reply_string (backslash, "refreshToken"));
  logout_body = g_strdup_printf ("{\"refreshToken\\u0000\":\"%s\"}", reply_string (backslash, "refreshToken"));
  {
    struct {
      const char *method;
      const char *path;
      const char *bearer;
      const char *body;
    } calls[] = {
      { "PATCH", "/auth/me", token, "{\"firstName\":\"Em\\u0000ily\"}" },
      { "PATCH", "/auth/me", token, "{\"firstName\\u0000\":\"Emily\"}" },
      { "POST", "/auth/refresh", NULL, refresh_body },
      { "POST", "/auth/logout", token, logout_body },
      { "POST", "/auth/signup", NULL, "{\"username\":\"nulfields\",\"email\":\"a@example.com\\u0000\","
                                      "\"password\":\"long-enough-pass\"}" },
      { "POST", "/auth/signup", NULL, "{\"username\":\"nulfields\",\"email\":\"a@example.com\","
                                      "\"password\":\"long-enough-pass\",\"lastName\":\"\\u0000\"}" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
      {
        g_autoptr(Reply) reply = request (calls[i].method, calls[i].path, calls[i].bearer, calls[i].body);

        g_test_message ("%s %s %s", calls[i].method, calls[i].path, calls[i].body);
        assert_error (reply, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");
      }
  }

  /* None of them took effect: the session and its refresh token are good. */
  {
    g_autoptr(Reply) me = request ("GET", "/auth/me", token, NULL);
    g_autoptr(Reply) refreshed = refresh (reply_string (backslash, "refreshToken"));

    g_assert_cmpuint (me->status, ==, SOUP_STATUS_OK);
    g_assert_cmpstr (reply_string (me, "firstName"), ==, "");
    g_assert_cmpuint (refreshed->status, ==, SOUP_STATUS_OK);
  }
}

/* A lone surrogate escape would become bytes that are not UTF-8; a pair is
 * one character. */
static void
test_json_surrogates (void)
{
  const char *lone[] = {
    "{\"firstName\":\"\\ud83d\"}",
    "{\"firstName\":\"\\uDE00\"}",
    "{\"firstName\":\"x\\ud83dx\"}",
    "{\"firstName\":\"\\ud83d\\u0041\"}",
    "{\"firstName\":\"\\ude00\\ud83d\"}",
    "{\"\\ud83d\":\"x\"}",
  };
  g_autoptr(Reply) signup = NULL;
  g_autoptr(Reply) pair = NULL;
  const char *token;

  signup = request ("POST", "/auth/signup", NULL,
                    "{\"username\":\"surrogates\",\"email\":\"s@example.com\",\"password\":\"long-enough-pass\"}");
  g_assert_cmpuint (signup->status, ==, SOUP_STATUS_CREATED);
  token = reply_string (signup, "accessToken");

  for (guint i = 0; i < G_N_ELEMENTS (lone); i++)
    {
      g_autoptr(Reply) reply = request ("PATCH", "/auth/me", token, lone[i]);

      g_test_message ("patch %s", lone[i]);
      assert_error (reply, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");
    }

  pair = request ("PATCH", "/auth/me", token, "{\"firstName\":\"\\ud83D\\uDE00 \\u00e9\"}");
  g_assert_cmpuint (pair->status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (reply_string (pair, "firstName"), ==, "\xf0\x9f\x98\x80 \xc3\xa9");
}

/* json-glib's parser recurses once per level. Request bodies are flat, and
 * more than AUTHFLOW_SERVER_JSON_MAX_DEPTH levels are refused before it
 * runs. */
static void
test_json_depth (void)
{
  g_autofree char *deepest = nested_body ("{\"refreshToken\":\"x\",\"d\":", AUTHFLOW_SERVER_JSON_MAX_DEPTH - 1);
  g_autofree char *too_deep = nested_body ("{\"refreshToken\":\"x\",\"d\":", AUTHFLOW_SERVER_JSON_MAX_DEPTH);
  g_autofree char *huge = nested_body ("{\"a\":", (AUTHFLOW_SERVER_MAX_BODY_SIZE - 6) / 2);
  g_autofree char *brackets = g_strnfill (200, '[');
  g_autofree char *in_string = g_strdup_printf ("{\"refreshToken\":\"\\\"%s\"}", brackets);
  g_autoptr(Reply) ok = NULL;
  g_autoptr(Reply) refused = NULL;
  g_autoptr(Reply) huge_reply = NULL;
  g_autoptr(Reply) still_up = NULL;
  g_autoptr(Reply) string_reply = NULL;

  ok = request ("POST", "/auth/refresh", NULL, deepest);
  assert_error (ok, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");

  refused = request ("POST", "/auth/refresh", NULL, too_deep);
  assert_error (refused, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");

  /* As deep as 64 KiB allow: about 32,000 levels. */
  g_assert_cmpuint (strlen (huge), <=, AUTHFLOW_SERVER_MAX_BODY_SIZE);
  g_assert_cmpuint (strlen (huge), >, AUTHFLOW_SERVER_MAX_BODY_SIZE - 4);
  huge_reply = request ("POST", "/auth/login", NULL, huge);
  assert_error (huge_reply, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");
  still_up = request ("POST", "/auth/login", NULL, "{}");
  assert_error (still_up, SOUP_STATUS_BAD_REQUEST, "Username and password required");

  /* Brackets in a string, after an escaped quote, are text. */
  string_reply = request ("POST", "/auth/refresh", NULL, in_string);
  assert_error (string_reply, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");
}

/* Deeper than any HTTP body may be, as another front end with another
 * limit could hand over: without the check json-glib overflows the stack
 * here (it does from about 100,000 levels on an 8 MiB stack). */
static void
test_json_depth_direct (void)
{
  g_autofree char *deep = nested_body ("{\"a\":", 500000);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) flat = NULL;

  body = authflow_server_parse_json_body (deep, strlen (deep));
  g_assert_null (body);

  flat = authflow_server_parse_json_body ("{\"a\":[[1]]}", strlen ("{\"a\":[[1]]}"));
  g_assert_nonnull (flat);
}

static AuthflowServer *start_server (const char  *db_path,
                                     char       **out_url);

/* Failures from one address count across usernames. test-server-hardening
 * runs the binary through the default limit; here the property is tried
 * with a small one, on a server of its own so that the count stays out of
 * the other tests. */
static void
test_login_address_lockout (void)
{
  g_autofree char *tmpdir = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *url = NULL;
  g_autoptr(AuthflowServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Reply) locked = NULL;
  g_autoptr(Reply) right_password = NULL;

  tmpdir = g_dir_make_tmp ("authflow-test-server-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (tmpdir, "authflow.db", NULL);
  server = start_server (db_path, &url);

  g_assert_cmpuint (authflow_server_get_max_address_failures (server), ==,
                    AUTHFLOW_SERVER_DEFAULT_MAX_ADDRESS_FAILURES);
  authflow_server_set_max_address_failures (server, 4);

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"username\":\"spray%u\",\"password\":\"wrong-password\"}", i);
      g_autoptr(Reply) reply = request_at (url, "POST", "/auth/login", NULL, body);

      assert_error (reply, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");
    }

  locked = request_at (url, "POST", "/auth/login", NULL,
                       "{\"username\":\"spray-new\",\"password\":\"wrong-password\"}");
  assert_locked (locked);
  right_password = request_at (url, "POST", "/auth/login", NULL, EMILY_LOGIN);
  assert_locked (right_password);

  /* 0 turns the limit off at once. */
  authflow_server_set_max_address_failures (server, 0);
  {
    g_autoptr(Reply) reply = request_at (url, "POST", "/auth/login", NULL, EMILY_LOGIN);

    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  }

  authflow_server_close (server);
  soup_session_abort (shared.session);
  authflow_test_remove_tree (tmpdir);
}

static gboolean
contains (GBytes     *haystack,
          const void *needle,
          gsize       needle_len)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (haystack, &len);

  for (gsize i = 0; needle_len > 0 && i + needle_len <= len; i++)
    {
      if (memcmp (data + i, needle, needle_len) == 0)
        return TRUE;
    }

  return FALSE;
}

static GBytes *
read_db_files (const char *db_path)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();
  const char *suffixes[] = { "", "-wal", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (db_path, suffixes[i], NULL);
      g_autofree char *contents = NULL;
      gsize len;

      if (g_file_get_contents (path, &contents, &len, NULL))
        g_byte_array_append (all, (const guint8 *) contents, len);
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

static void
test_storage (void)
{
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autoptr(GBytes) files = NULL;
  g_autoptr(GBytes) raw_refresh = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  GStatBuf st;
  guint users = 0;

  login ("emilys", "emilyspass", &access_token, &refresh_token);

  db = open_db (shared.db_path);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT username, password_hash FROM users", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *hash = (const char *) sqlite3_column_text (stmt, 1);

      g_test_message ("%s: %.16s...", sqlite3_column_text (stmt, 0), hash);
      g_assert_true (g_str_has_prefix (hash, "$argon2id$v=19$m=65536,t=2,p=1$"));
      users++;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpuint (users, >=, 3);

  g_assert_cmpint (query_int (shared.db_path, "PRAGMA user_version"), ==, 2);
  g_assert_cmpint (query_int (shared.db_path, "SELECT count(*) FROM refresh_tokens"), >, 0);

  /* Only the server may read the file. */
  g_assert_cmpint (g_stat (shared.db_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);

  files = read_db_files (shared.db_path);
  g_assert_cmpuint (g_bytes_get_size (files), >, 0);
  raw_refresh = b64url_decode (refresh_token);
  g_assert_false (contains (files, refresh_token, strlen (refresh_token)));
  g_assert_false (contains (files, g_bytes_get_data (raw_refresh, NULL), g_bytes_get_size (raw_refresh)));
  g_assert_false (contains (files, access_token, strlen (access_token)));
  g_assert_false (contains (files, "emilyspass", strlen ("emilyspass")));
  g_assert_false (contains (files, "password123", strlen ("password123")));
}

static AuthflowServer *
start_server (const char  *db_path,
              char       **out_url)
{
  g_autoptr(AuthflowServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_url = NULL;

  server = authflow_server_new (db_path, &error);
  g_assert_no_error (error);
  authflow_server_listen (server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (authflow_server_get_port (server), >, 0);

  *out_url = authflow_server_dup_url (server);
  expected_url = g_strdup_printf ("http://127.0.0.1:%u", authflow_server_get_port (server));
  g_assert_cmpstr (*out_url, ==, expected_url);

  return g_steal_pointer (&server);
}

static void
test_restart (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = g_dir_make_tmp ("authflow-test-restart-XXXXXX", &error);
  g_autofree char *db_path = NULL;
  g_autofree char *url = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *refresh_body = NULL;
  g_autoptr(GBytes) secret = NULL;
  g_autoptr(GBytes) secret_after = NULL;
  g_autoptr(Reply) signup = NULL;
  g_autoptr(Reply) me = NULL;
  g_autoptr(Reply) refreshed = NULL;
  AuthflowServer *server;

  g_assert_no_error (error);
  /* A database in a directory that does not exist yet. */
  db_path = g_build_filename (tmpdir, "sub", "dir", "authflow.db", NULL);

  server = start_server (db_path, &url);
  signup = request_at (url, "POST", "/auth/signup", NULL,
                       "{\"username\":\"restarter\",\"email\":\"r@example.com\",\"password\":\"password123\"}");
  g_assert_cmpuint (signup->status, ==, SOUP_STATUS_CREATED);
  access_token = g_strdup (reply_string (signup, "accessToken"));
  refresh_token = g_strdup (reply_string (signup, "refreshToken"));
  secret = read_secret (db_path);

  authflow_server_close (server);
  g_assert_finalize_object (server);
  soup_session_abort (shared.session);
  g_clear_pointer (&url, g_free);

  server = start_server (db_path, &url);

  /* The signup survived, the secret too, so old access tokens still work. */
  login_at (url, "restarter", "password123", NULL, NULL);
  me = request_at (url, "GET", "/auth/me", access_token, NULL);
  g_assert_cmpuint (me->status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (reply_string (me, "username"), ==, "restarter");

  refresh_body = g_strdup_printf ("{\"refreshToken\":\"%s\"}", refresh_token);
  refreshed = request_at (url, "POST", "/auth/refresh", NULL, refresh_body);
  g_assert_cmpuint (refreshed->status, ==, SOUP_STATUS_OK);

  secret_after = read_secret (db_path);
  g_assert_true (g_bytes_equal (secret, secret_after));
  /* The demo users were seeded once. */
  g_assert_cmpint (query_int (db_path, "SELECT count(*) FROM users"), ==, 4);

  authflow_server_close (server);
  g_assert_finalize_object (server);
  soup_session_abort (shared.session);
  authflow_test_remove_tree (tmpdir);
}

static void
test_schema_too_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = g_dir_make_tmp ("authflow-test-schema-XXXXXX", &error);
  g_autofree char *db_path = g_build_filename (tmpdir, "future.db", NULL);
  g_autoptr(AuthflowServer) server = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  server = authflow_server_new (db_path, &error);
  g_assert_null (server);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "99"));

  authflow_test_remove_tree (tmpdir);
}

/* The schema exactly as version 1 of the server created it. */
static const char v1_schema[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);"
  "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  username TEXT NOT NULL UNIQUE COLLATE NOCASE, email TEXT NOT NULL,"
  "  password_hash TEXT NOT NULL, first_name TEXT NOT NULL DEFAULT '',"
  "  last_name TEXT NOT NULL DEFAULT '', gender TEXT NOT NULL DEFAULT '',"
  "  image TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL);"
  "CREATE TABLE refresh_families (id TEXT PRIMARY KEY NOT NULL,"
  "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  created_at INTEGER NOT NULL, revoked_at INTEGER);"
  "CREATE INDEX refresh_families_user ON refresh_families (user_id);"
  "CREATE TABLE refresh_tokens (token_hash BLOB PRIMARY KEY NOT NULL,"
  "  family_id TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,"
  "  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, spent_at INTEGER);"
  "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);"
  "CREATE TABLE denied_access_tokens (jti TEXT PRIMARY KEY NOT NULL, expires_at INTEGER NOT NULL);";

#define V1_REFRESH_TOKEN "a-refresh-token-from-a-version-1-server-000"

/* A database of version 1 (a user with a session, and a denied access
 * token) opens, is migrated, and goes on working: the user logs in, the
 * session's refresh token renews it into tokens that name it. Its access
 * tokens, which name no session, are refused. */
static void
test_migrate_v1 (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = g_dir_make_tmp ("authflow-test-migrate-XXXXXX", &error);
  g_autofree char *db_path = NULL;
  g_autofree char *url = NULL;
  g_autofree char *insert = NULL;
  g_autofree char *old_payload = NULL;
  g_autofree char *old_access = NULL;
  g_autofree char *body = NULL;
  g_autofree char *new_sid = NULL;
  g_autoptr(GBytes) secret = NULL;
  g_autoptr(Reply) old_me = NULL;
  g_autoptr(Reply) refreshed = NULL;
  g_autoptr(Reply) me = NULL;
  char password_hash[crypto_pwhash_STRBYTES];
  guint8 refresh_hash[AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE];
  guint8 key[32];
  AuthflowServer *server;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db = NULL;
  gint64 now = now_seconds ();

  g_assert_no_error (error);
  db_path = g_build_filename (tmpdir, "v1.db", NULL);

  g_assert_cmpint (crypto_pwhash_str (password_hash, "old-password", strlen ("old-password"),
                                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                      crypto_pwhash_MEMLIMIT_INTERACTIVE), ==, 0);
  authflow_server_refresh_token_hash (V1_REFRESH_TOKEN, refresh_hash);
  memset (key, 0x42, sizeof key);

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, v1_schema, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO meta VALUES ('jwt_secret', ?)", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_blob (stmt, 1, key, sizeof key, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO users (id, username, email, password_hash, created_at)"
                                           " VALUES (7, 'olduser', 'old@example.com', ?, 1)", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, password_hash, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO refresh_families VALUES ('old-family', 7, 1, NULL)",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO refresh_tokens VALUES (?, 'old-family', 1, ?, NULL)",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_blob (stmt, 1, refresh_hash, sizeof refresh_hash, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now + 3600);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  insert = g_strdup_printf ("INSERT INTO denied_access_tokens VALUES ('old-jti', %" G_GINT64_FORMAT ");"
                            "PRAGMA user_version = 1", now + 3600);
  g_assert_cmpint (sqlite3_exec (db, insert, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  server = start_server (db_path, &url);

  g_assert_cmpint (query_int (db_path, "PRAGMA user_version"), ==, 2);
  g_assert_cmpint (query_int (db_path, "SELECT count(*) FROM sqlite_master WHERE name = 'denied_access_tokens'"), ==, 0);
  g_assert_cmpint (query_int (db_path, "SELECT count(*) FROM refresh_families WHERE id = 'old-family'"), ==, 1);

  /* An access token of the old server: good signature, no sid. */
  secret = read_secret (db_path);
  old_payload = g_strdup_printf ("{\"sub\":\"7\",\"id\":7,\"username\":\"olduser\",\"iat\":%" G_GINT64_FORMAT
                                 ",\"exp\":%" G_GINT64_FORMAT ",\"jti\":\"old-jti2\"}", now, now + 600);
  old_access = make_token (secret, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", old_payload);
  old_me = request_at (url, "GET", "/auth/me", old_access, NULL);
  assert_error (old_me, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");

  /* Its refresh token carries on, in the same session. */
  body = g_strdup_printf ("{\"refreshToken\":\"%s\"}", V1_REFRESH_TOKEN);
  refreshed = request_at (url, "POST", "/auth/refresh", NULL, body);
  g_assert_cmpuint (refreshed->status, ==, SOUP_STATUS_OK);
  new_sid = jwt_string_claim (reply_string (refreshed, "accessToken"), "sid");
  g_assert_cmpstr (new_sid, ==, "old-family");
  me = request_at (url, "GET", "/auth/me", reply_string (refreshed, "accessToken"), NULL);
  g_assert_cmpuint (me->status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (reply_string (me, "username"), ==, "olduser");

  login_at (url, "olduser", "old-password", NULL, NULL);

  /* A second start finds version 2 and leaves it so. */
  authflow_server_close (server);
  g_assert_finalize_object (server);
  soup_session_abort (shared.session);
  g_clear_pointer (&url, g_free);
  server = start_server (db_path, &url);
  g_assert_cmpint (query_int (db_path, "PRAGMA user_version"), ==, 2);
  login_at (url, "olduser", "old-password", NULL, NULL);

  authflow_server_close (server);
  g_assert_finalize_object (server);
  soup_session_abort (shared.session);
  authflow_test_remove_tree (tmpdir);
}

/* A session is kept as long as an access token issued in it is good, even
 * when its refresh tokens run out first: else the pruning at start-up would
 * end it early. */
static void
test_session_outlives_refresh_tokens (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = g_dir_make_tmp ("authflow-test-prune-XXXXXX", &error);
  g_autofree char *db_path = NULL;
  g_autofree char *url = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *short_access = NULL;
  g_autoptr(Reply) me = NULL;
  g_autoptr(Reply) refreshed = NULL;
  AuthflowServer *server;
  gint64 refresh_expiry;

  g_assert_no_error (error);
  db_path = g_build_filename (tmpdir, "authflow.db", NULL);
  server = start_server (db_path, &url);

  authflow_server_set_refresh_ttl (server, 1);
  login_at (url, "emilys", "emilyspass", &access_token, &refresh_token);
  authflow_server_set_access_ttl (server, 1);
  login_at (url, "sophiab", "sophiabpass", &short_access, NULL);
  refresh_expiry = jwt_int_claim (short_access, "exp");

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 5000, now_seconds () > refresh_expiry));

  /* The database is pruned at start-up. */
  authflow_server_close (server);
  g_assert_finalize_object (server);
  soup_session_abort (shared.session);
  g_clear_pointer (&url, g_free);
  server = start_server (db_path, &url);

  g_assert_cmpint (query_int (db_path, "SELECT count(*) FROM refresh_tokens"), ==, 0);
  g_assert_cmpint (query_int (db_path, "SELECT count(*) FROM refresh_families WHERE user_id = 1"), ==, 1);
  g_assert_cmpint (query_int (db_path, "SELECT count(*) FROM refresh_families WHERE user_id = 3"), ==, 0);

  me = request_at (url, "GET", "/auth/me", access_token, NULL);
  g_assert_cmpuint (me->status, ==, SOUP_STATUS_OK);
  assert_emily (me);
  refreshed = request_at (url, "POST", "/auth/refresh", NULL, "{\"refreshToken\":\"x\"}");
  assert_error (refreshed, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");

  authflow_server_close (server);
  g_assert_finalize_object (server);
  soup_session_abort (shared.session);
  authflow_test_remove_tree (tmpdir);
}

static void
test_binary (void)
{
  const char *args[] = { "--max-login-failures", "2", "--access-ttl", "120", NULL };
  g_autoptr(AuthflowTestServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_url = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *body = NULL;
  g_autoptr(Reply) locked = NULL;
  g_autoptr(Reply) refreshed = NULL;
  const char *url;

  server = authflow_test_server_start (args, &error);
  g_assert_no_error (error);
  g_assert_true (authflow_test_server_is_running (server));

  url = authflow_test_server_get_url (server);
  expected_url = g_strdup_printf ("http://127.0.0.1:%u", authflow_test_server_get_port (server));
  g_assert_cmpstr (url, ==, expected_url);
  g_assert_true (g_file_test (authflow_test_server_get_db_path (server), G_FILE_TEST_EXISTS));

  login_at (url, "emilys", "emilyspass", &access_token, &refresh_token);
  g_assert_cmpint (jwt_int_claim (access_token, "exp") - jwt_int_claim (access_token, "iat"), ==, 120);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(Reply) reply = request_at (url, "POST", "/auth/login", NULL,
                                           "{\"username\":\"michaelw\",\"password\":\"nope-nope\"}");

      assert_error (reply, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");
    }
  locked = request_at (url, "POST", "/auth/login", NULL, "{\"username\":\"michaelw\",\"password\":\"nope-nope\"}");
  assert_locked (locked);

  /* Same database, same port: the client's base URL and tokens stay good. */
  authflow_test_server_restart (server, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authflow_test_server_get_url (server), ==, expected_url);
  soup_session_abort (shared.session);

  body = g_strdup_printf ("{\"refreshToken\":\"%s\"}", refresh_token);
  refreshed = request_at (url, "POST", "/auth/refresh", NULL, body);
  g_assert_cmpuint (refreshed->status, ==, SOUP_STATUS_OK);

  authflow_test_server_stop (server, &error);
  g_assert_no_error (error);
  g_assert_false (authflow_test_server_is_running (server));
  soup_session_abort (shared.session);
}

static Reply *
dev_revoke_at (const char *base_url,
               const char *refresh_token)
{
  g_autofree char *body = g_strdup_printf ("{\"refreshToken\":\"%s\"}", refresh_token);

  return request_at (base_url, "POST", "/dev/revoke-session", NULL, body);
}

/* POST /dev/revoke-session with --dev-endpoints: the session of the
 * refresh token ends as a reuse would end it, whoever holds it; the
 * user's other sessions go on. */
static void
test_dev_revoke_session (void)
{
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *other_access = NULL;
  g_autofree char *other_refresh = NULL;
  g_autoptr(Reply) revoked = NULL;
  g_autoptr(Reply) again = NULL;
  g_autoptr(Reply) refreshed = NULL;
  g_autoptr(Reply) me = NULL;
  g_autoptr(Reply) other_me = NULL;
  g_autoptr(Reply) missing = NULL;
  g_autoptr(Reply) unknown = NULL;
  g_autoptr(Reply) wrong_method = NULL;
  g_autoptr(Reply) bad_json = NULL;

  authflow_server_set_dev_endpoints (shared.server, TRUE);
  g_assert_true (authflow_server_get_dev_endpoints (shared.server));

  login ("emilys", "emilyspass", &access_token, &refresh_token);
  login ("emilys", "emilyspass", &other_access, &other_refresh);

  revoked = dev_revoke_at (shared.url, refresh_token);
  g_assert_cmpuint (revoked->status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (reply_string (revoked, "message"), ==, "Session revoked");

  refreshed = refresh (refresh_token);
  assert_error (refreshed, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");
  me = request ("GET", "/auth/me", access_token, NULL);
  assert_error (me, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
  other_me = request ("GET", "/auth/me", other_access, NULL);
  g_assert_cmpuint (other_me->status, ==, SOUP_STATUS_OK);
  assert_emily (other_me);

  /* A session revoked already stays so. */
  again = dev_revoke_at (shared.url, refresh_token);
  g_assert_cmpuint (again->status, ==, SOUP_STATUS_OK);

  missing = request ("POST", "/dev/revoke-session", NULL, "{}");
  assert_error (missing, SOUP_STATUS_BAD_REQUEST, "Refresh token required");
  unknown = dev_revoke_at (shared.url, "no-such-token");
  assert_error (unknown, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");
  wrong_method = request ("GET", "/dev/revoke-session", NULL, NULL);
  assert_error (wrong_method, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed");
  g_assert_cmpstr (soup_message_headers_get_one (wrong_method->headers, "Allow"), ==, "POST");
  bad_json = request ("POST", "/dev/revoke-session", NULL, "{");
  assert_error (bad_json, SOUP_STATUS_BAD_REQUEST, "Invalid JSON body");

  authflow_server_set_dev_endpoints (shared.server, FALSE);
}

/* Without --dev-endpoints, the default, the endpoint is not there. */
static void
test_dev_endpoints_off (void)
{
  g_autofree char *refresh_token = NULL;
  g_autoptr(Reply) post = NULL;
  g_autoptr(Reply) get = NULL;
  g_autoptr(Reply) refreshed = NULL;

  g_assert_false (authflow_server_get_dev_endpoints (shared.server));
  login ("emilys", "emilyspass", NULL, &refresh_token);

  post = dev_revoke_at (shared.url, refresh_token);
  assert_error (post, SOUP_STATUS_NOT_FOUND, "Not found");
  get = request ("GET", "/dev/revoke-session", NULL, NULL);
  assert_error (get, SOUP_STATUS_NOT_FOUND, "Not found");

  refreshed = refresh (refresh_token);
  g_assert_cmpuint (refreshed->status, ==, SOUP_STATUS_OK);
}

/* The binary's --dev-endpoints flag, and its default. */
static void
test_binary_dev_endpoints (void)
{
  const char *args[] = { "--dev-endpoints", NULL };
  g_autoptr(AuthflowTestServer) with = NULL;
  g_autoptr(AuthflowTestServer) without = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refresh_with = NULL;
  g_autofree char *refresh_without = NULL;

  with = authflow_test_server_start (args, &error);
  g_assert_no_error (error);
  without = authflow_test_server_start (NULL, &error);
  g_assert_no_error (error);

  login_at (authflow_test_server_get_url (with), "emilys", "emilyspass", NULL, &refresh_with);
  login_at (authflow_test_server_get_url (without), "emilys", "emilyspass", NULL, &refresh_without);

  {
    g_autoptr(Reply) revoked = dev_revoke_at (authflow_test_server_get_url (with), refresh_with);
    g_autoptr(Reply) refused = dev_revoke_at (authflow_test_server_get_url (without), refresh_without);

    g_assert_cmpuint (revoked->status, ==, SOUP_STATUS_OK);
    assert_error (refused, SOUP_STATUS_NOT_FOUND, "Not found");
  }

  authflow_test_server_stop (with, &error);
  g_assert_no_error (error);
  authflow_test_server_stop (without, &error);
  g_assert_no_error (error);
  soup_session_abort (shared.session);
}

static void
read_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **line = user_data;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL, NULL);
  if (*line == NULL)
    *line = g_strdup ("");
}

static void
wait_check_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  int *exited_cleanly = user_data;

  *exited_cleanly = g_subprocess_wait_check_finish (G_SUBPROCESS (object), result, NULL) ? 1 : 2;
}

/* Without --db the database goes to $XDG_DATA_HOME/authflow-server/. */
static void
test_binary_default_db (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = g_dir_make_tmp ("authflow-test-xdg-XXXXXX", &error);
  g_autofree char *expected_db = g_build_filename (tmpdir, "authflow-server", "authflow.db", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) output = NULL;
  g_autofree char *line = NULL;
  g_autofree char *url = NULL;
  int exited = 0;

  g_assert_no_error (error);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", tmpdir, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("AUTHFLOW_SERVER_BIN"),
                                         "--port", "0", NULL);
  g_assert_no_error (error);

  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_data_input_stream_read_line_async (output, G_PRIORITY_DEFAULT, NULL, read_line_cb, &line);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, AUTHFLOW_TEST_SERVER_TIMEOUT_MS, line != NULL));
  g_assert_true (g_str_has_prefix (line, "Listening on http://127.0.0.1:"));
  g_assert_true (g_file_test (expected_db, G_FILE_TEST_IS_REGULAR));

  url = g_strdup (line + strlen ("Listening on "));
  {
    g_autoptr(Reply) reply = request_at (url, "POST", "/auth/login", NULL, "{}");

    assert_error (reply, SOUP_STATUS_BAD_REQUEST, "Username and password required");
  }

  g_subprocess_send_signal (process, SIGINT);
  g_subprocess_wait_check_async (process, NULL, wait_check_cb, &exited);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, AUTHFLOW_TEST_SERVER_TIMEOUT_MS, exited != 0));
  g_assert_cmpint (exited, ==, 1);

  soup_session_abort (shared.session);
  authflow_test_remove_tree (tmpdir);
}

/* A token that the cache has seen answers as it did the first time, its
 * expiry is still checked on every use, and nothing that failed, or was
 * checked with another secret, is taken from it. */
static void
test_jwt_cache (void)
{
  guint8 key[AUTHFLOW_SERVER_JWT_SECRET_SIZE];
  g_autoptr(GBytes) secret = NULL;
  g_autoptr(GBytes) other_secret = NULL;
  g_autoptr(AuthflowServerJwtCache) cache = authflow_server_jwt_cache_new (2);
  g_autofree char *token = NULL;
  g_autofree char *forged = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;

  memset (key, 0x5a, sizeof key);
  secret = g_bytes_new (key, sizeof key);
  memset (key, 0xa5, sizeof key);
  other_secret = g_bytes_new (key, sizeof key);
  token = authflow_server_jwt_encode (secret, 42, "michaelw", "a-session", 1000, 2000);
  second = authflow_server_jwt_encode (secret, 43, "sophiab", "b-session", 1000, 2000);
  third = authflow_server_jwt_encode (secret, 44, "emilys", "c-session", 1000, 2000);
  /* The same token with the last character of its signature changed. */
  forged = g_strdup (token);
  forged[strlen (forged) - 1] = forged[strlen (forged) - 1] == 'A' ? 'B' : 'A';

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(AuthflowServerJwtClaims) claims = NULL;
      g_autoptr(GError) error = NULL;

      claims = authflow_server_jwt_cache_decode (cache, secret, token, 1500, &error);
      g_assert_no_error (error);
      g_assert_cmpint (claims->id, ==, 42);
      g_assert_cmpstr (claims->username, ==, "michaelw");
      g_assert_cmpstr (claims->sid, ==, "a-session");
      g_assert_cmpint (claims->exp, ==, 2000);
    }

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(AuthflowServerJwtClaims) claims = NULL;
      g_autoptr(GError) error = NULL;

      claims = authflow_server_jwt_cache_decode (cache, secret, forged, 1500, &error);
      g_assert_error (error, AUTHFLOW_SERVER_JWT_ERROR, AUTHFLOW_SERVER_JWT_ERROR_INVALID);
      g_assert_null (claims);
    }

  /* A full cache starts again: the first token is decoded anew. */
  for (guint i = 0; i < 2; i++)
    {
      const char *tokens[] = { second, third };
      g_autoptr(AuthflowServerJwtClaims) claims = NULL;

      claims = authflow_server_jwt_cache_decode (cache, secret, tokens[i], 1500, NULL);
      g_assert_nonnull (claims);
      g_assert_cmpint (claims->id, ==, 43 + i);
    }

  {
    g_autoptr(AuthflowServerJwtClaims) claims = NULL;
    g_autoptr(GError) error = NULL;

    claims = authflow_server_jwt_cache_decode (cache, secret, token, 2000, &error);
    g_assert_error (error, AUTHFLOW_SERVER_JWT_ERROR, AUTHFLOW_SERVER_JWT_ERROR_EXPIRED);
    g_assert_null (claims);
  }

  {
    g_autoptr(AuthflowServerJwtClaims) claims = NULL;
    g_autoptr(GError) error = NULL;

    claims = authflow_server_jwt_cache_decode (cache, secret, second, 1999, &error);
    g_assert_no_error (error);
    g_clear_pointer (&claims, authflow_server_jwt_claims_free);

    claims = authflow_server_jwt_cache_decode (cache, secret, second, 2000, &error);
    g_assert_error (error, AUTHFLOW_SERVER_JWT_ERROR, AUTHFLOW_SERVER_JWT_ERROR_EXPIRED);
    g_assert_null (claims);
    g_clear_error (&error);

    claims = authflow_server_jwt_cache_decode (cache, secret, third, 1500, &error);
    g_assert_no_error (error);
    g_clear_pointer (&claims, authflow_server_jwt_claims_free);

    claims = authflow_server_jwt_cache_decode (cache, other_secret, third, 1500, &error);
    g_assert_error (error, AUTHFLOW_SERVER_JWT_ERROR, AUTHFLOW_SERVER_JWT_ERROR_INVALID);
    g_assert_null (claims);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_assert_cmpint (sodium_init (), >=, 0);

  shared.tmpdir = g_dir_make_tmp ("authflow-test-server-XXXXXX", &error);
  g_assert_no_error (error);
  shared.db_path = g_build_filename (shared.tmpdir, "authflow.db", NULL);
  shared.server = start_server (shared.db_path, &shared.url);
  shared.session = soup_session_new_with_options ("timeout", 30, NULL);

  g_test_add_func ("/server/login/success", test_login_success);
  g_test_add_func ("/server/login/missing", test_login_missing);
  g_test_add_func ("/server/login/invalid", test_login_invalid);
  g_test_add_func ("/server/login/expires-in-mins", test_login_expires_in_mins);
  g_test_add_func ("/server/login/lockout", test_login_lockout);
  g_test_add_func ("/server/login/lockout-reset", test_login_lockout_reset);
  g_test_add_func ("/server/login/address-lockout", test_login_address_lockout);
  g_test_add_func ("/server/signup/success", test_signup_success);
  g_test_add_func ("/server/signup/errors", test_signup_errors);
  g_test_add_func ("/server/signup/conflict", test_signup_conflict);
  g_test_add_func ("/server/me/unauthorized", test_me_unauthorized);
  g_test_add_func ("/server/me/expired", test_me_expired);
  g_test_add_func ("/server/jwt/cache", test_jwt_cache);
  g_test_add_func ("/server/me/patch", test_me_patch);
  g_test_add_func ("/server/refresh/rotation", test_refresh_rotation);
  g_test_add_func ("/server/refresh/reuse", test_refresh_reuse);
  g_test_add_func ("/server/logout/family", test_logout);
  g_test_add_func ("/server/logout/own-session", test_logout_own_session);
  g_test_add_func ("/server/dev/revoke-session", test_dev_revoke_session);
  g_test_add_func ("/server/dev/off", test_dev_endpoints_off);
  g_test_add_func ("/server/protocol-errors", test_protocol_errors);
  g_test_add_func ("/server/unknown-fields", test_unknown_fields);
  g_test_add_func ("/server/json/escaped-nul", test_json_escaped_nul);
  g_test_add_func ("/server/json/surrogates", test_json_surrogates);
  g_test_add_func ("/server/json/depth", test_json_depth);
  g_test_add_func ("/server/json/depth-direct", test_json_depth_direct);
  g_test_add_func ("/server/storage", test_storage);
  g_test_add_func ("/server/restart", test_restart);
  g_test_add_func ("/server/schema-too-new", test_schema_too_new);
  g_test_add_func ("/server/migrate/v1", test_migrate_v1);
  g_test_add_func ("/server/session/outlives-refresh-tokens", test_session_outlives_refresh_tokens);
  g_test_add_func ("/server/binary/round-trip", test_binary);
  g_test_add_func ("/server/binary/default-db", test_binary_default_db);
  g_test_add_func ("/server/binary/dev-endpoints", test_binary_dev_endpoints);

  ret = g_test_run ();

  g_clear_object (&shared.session);
  authflow_server_close (shared.server);
  g_assert_finalize_object (shared.server);
  authflow_test_remove_tree (shared.tmpdir);
  g_free (shared.tmpdir);
  g_free (shared.db_path);
  g_free (shared.url);

  return ret;
}
