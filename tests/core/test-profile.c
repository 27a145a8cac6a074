// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <sys/stat.h>

#include <string.h>

#include "authflow-backends.h"
#include "authflow-test-utils.h"
#include "authflow-profile.h"

/* The minimal valid profile, with a base URL to fill in. */
#define PROFILE_WITH_BASE_URL \
  "{ \"id\": \"t\", \"name\": \"T\", \"base_url\": \"%s\"," \
  "  \"calls\": { \"login\": { \"method\": \"POST\", \"path\": \"/login\" } }," \
  "  \"answer\": { \"access_token\": \"$.token\" } }"

static char *
data_path (const char *first,
           ...) G_GNUC_NULL_TERMINATED;

/* A path under the repository: G_TEST_SRCDIR is tests/core/, two levels
 * under the root.
 */
static char *
data_path (const char *first,
           ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  const char *part;
  va_list args;

  g_ptr_array_add (parts, (gpointer) g_test_get_dir (G_TEST_DIST));
  g_ptr_array_add (parts, (gpointer) "..");
  g_ptr_array_add (parts, (gpointer) "..");
  va_start (args, first);
  for (part = first; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  return g_build_filenamev ((char **) parts->pdata);
}

static AuthflowProfile *
load_builtin (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  g_autofree char *path = data_path ("data", "profiles", file, NULL);
  g_autoptr(GError) error = NULL;
  AuthflowProfile *profile;

  profile = authflow_profile_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (profile);

  return profile;
}

static AuthflowProfile *
load_valid (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  g_autofree char *path = data_path ("tests", "core", "profiles", "valid", file, NULL);
  g_autoptr(GError) error = NULL;
  AuthflowProfile *profile;

  profile = authflow_profile_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (profile);

  return profile;
}

static JsonNode *
parse (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);

  return node;
}

static char *
body_text (AuthflowProfileRequest *request)
{
  gsize len;
  const char *data;

  g_assert_nonnull (request->body);
  data = g_bytes_get_data (request->body, &len);

  return g_strndup (data, len);
}

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

/* An unsigned token is enough: the profile only reads the `exp` claim. */
static char *
make_token (gint64 exp)
{
  g_autofree char *header = base64url ("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  g_autofree char *claims_json = g_strdup_printf ("{\"sub\":\"1\",\"exp\":%" G_GINT64_FORMAT "}",
                                                  exp);
  g_autofree char *claims = base64url (claims_json);

  return g_strconcat (header, ".", claims, ".c2lnbmF0dXJl", NULL);
}

static void
assert_time (GDateTime  *time,
             const char *expected)
{
  g_autofree char *text = NULL;

  g_assert_nonnull (time);
  text = g_date_time_format_iso8601 (time);
  g_assert_cmpstr (text, ==, expected);
}

static void
test_builtin_reference (void)
{
  g_autoptr(AuthflowProfile) profile = load_builtin ("reference");

  g_assert_cmpstr (authflow_profile_get_id (profile), ==, "reference");
  g_assert_cmpstr (authflow_profile_get_name (profile), ==, "Reference server");
  g_assert_cmpstr (authflow_profile_get_base_url (profile), ==, "http://127.0.0.1:8787");
  g_assert_cmpint (authflow_profile_get_login_identifier (profile), ==,
                   AUTHFLOW_PROFILE_IDENTIFIER_USERNAME);

  for (guint i = 0; i < AUTHFLOW_PROFILE_N_CALLS; i++)
    g_assert_true (authflow_profile_has_call (profile, i));

  g_assert_finalize_object (g_steal_pointer (&profile));
}

static void
test_builtin_dummyjson (void)
{
  g_autoptr(AuthflowProfile) profile = load_builtin ("dummyjson");

  g_assert_cmpstr (authflow_profile_get_id (profile), ==, "dummyjson");
  g_assert_cmpstr (authflow_profile_get_name (profile), ==, "DummyJSON");
  g_assert_cmpstr (authflow_profile_get_base_url (profile), ==, "https://dummyjson.com");
  g_assert_cmpint (authflow_profile_get_login_identifier (profile), ==,
                   AUTHFLOW_PROFILE_IDENTIFIER_USERNAME);

  g_assert_true (authflow_profile_has_call (profile, AUTHFLOW_PROFILE_CALL_LOGIN));
  g_assert_true (authflow_profile_has_call (profile, AUTHFLOW_PROFILE_CALL_ME));
  g_assert_true (authflow_profile_has_call (profile, AUTHFLOW_PROFILE_CALL_REFRESH));
  g_assert_false (authflow_profile_has_call (profile, AUTHFLOW_PROFILE_CALL_SIGNUP));
  g_assert_false (authflow_profile_has_call (profile, AUTHFLOW_PROFILE_CALL_LOGOUT));
  g_assert_false (authflow_profile_has_call (profile, AUTHFLOW_PROFILE_CALL_UPDATE_USER));

  g_assert_finalize_object (g_steal_pointer (&profile));
}

/* What the app will do with the profiles in its resources. */
static void
test_builtin_bytes (void)
{
  g_autofree char *path = data_path ("data", "profiles", "reference.json", NULL);
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize len;

  g_file_get_contents (path, &text, &len, &error);
  g_assert_no_error (error);
  bytes = g_bytes_new (text, len);

  profile = authflow_profile_new_from_bytes (bytes, "reference.json", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authflow_profile_get_id (profile), ==, "reference");

  /* The same text, but for a stray NUL byte. */
  text[10] = '\0';
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = g_bytes_new (text, len);
  g_assert_null (authflow_profile_new_from_bytes (bytes, "nul.json", &error));
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "nul.json: not valid JSON: not UTF-8 text");
}

static void
test_missing_file (void)
{
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  profile = authflow_profile_new_from_file ("/nonexistent/profile.json", &error);
  g_assert_null (profile);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static const struct {
  const char *file;
  int         code;
  const char *message;
} broken[] = {
  { "not-json", AUTHFLOW_PROFILE_ERROR_INVALID,
    "not-json.json:2:0: Parse error: unexpected end of file, expected character `}'" },
  { "not-object", AUTHFLOW_PROFILE_ERROR_INVALID,
    "not-object.json: must be a JSON object" },
  { "no-id", AUTHFLOW_PROFILE_ERROR_INVALID,
    "no-id.json: id: is required" },
  { "no-login", AUTHFLOW_PROFILE_ERROR_INVALID,
    "no-login.json: calls.login: is required" },
  { "unknown-call", AUTHFLOW_PROFILE_ERROR_INVALID,
    "unknown-call.json: calls.sign_up: unknown key" },
  { "no-path", AUTHFLOW_PROFILE_ERROR_INVALID,
    "no-path.json: calls.login.path: is required" },
  { "relative-path", AUTHFLOW_PROFILE_ERROR_INVALID,
    "relative-path.json: calls.login.path: must start with “/”" },
  { "unknown-method", AUTHFLOW_PROFILE_ERROR_INVALID,
    "unknown-method.json: calls.login.method: must be one of GET, POST, PUT, PATCH, DELETE" },
  { "get-with-body", AUTHFLOW_PROFILE_ERROR_INVALID,
    "get-with-body.json: calls.login.body: a GET call cannot have a body" },
  { "unknown-variable", AUTHFLOW_PROFILE_ERROR_INVALID,
    "unknown-variable.json: calls.login.body.username: unknown variable “{{usernam}}”" },
  { "unclosed-variable", AUTHFLOW_PROFILE_ERROR_INVALID,
    "unclosed-variable.json: calls.login.body.username: “{{” without “}}”" },
  { "optional-inside", AUTHFLOW_PROFILE_ERROR_INVALID,
    "optional-inside.json: calls.me.headers.Authorization: "
    "the optional “{{access_token?}}” must be the whole value" },
  { "body-not-object", AUTHFLOW_PROFILE_ERROR_INVALID,
    "body-not-object.json: calls.login.body: must be an object" },
  { "form-body-number", AUTHFLOW_PROFILE_ERROR_INVALID,
    "form-body-number.json: calls.login.body.client_id: must be a string in a form body" },
  { "insecure", AUTHFLOW_PROFILE_ERROR_INSECURE,
    "insecure.json: base_url: plain http:// is only allowed for this machine "
    "(localhost, 127.0.0.1 or ::1); use https:// for “example.com”" },
  { "bad-json-path", AUTHFLOW_PROFILE_ERROR_INVALID,
    "bad-json-path.json: answer.access_token: not a valid JSON path: "
    "Invalid first character “a”" },
  { "bad-call-json-path", AUTHFLOW_PROFILE_ERROR_INVALID,
    "bad-call-json-path.json: calls.login.answer.user: not a valid JSON path: "
    "Missing member name or wildcard after . character" },
  { "bad-expiry-form", AUTHFLOW_PROFILE_ERROR_INVALID,
    "bad-expiry-form.json: answer.expiry.form: must be one of seconds, epoch, iso8601, jwt" },
  { "no-access-token", AUTHFLOW_PROFILE_ERROR_INVALID,
    "no-access-token.json: calls.login.answer.access_token: "
    "is required (or “access_token” in “answer”)" },
  { "bad-identifier", AUTHFLOW_PROFILE_ERROR_INVALID,
    "bad-identifier.json: login_identifier: must be “username” or “email”" },
  { "unknown-variable-path", AUTHFLOW_PROFILE_ERROR_INVALID,
    "unknown-variable-path.json: calls.me.path: unknown variable “{{user_id}}”" },
  { "unknown-variable-header", AUTHFLOW_PROFILE_ERROR_INVALID,
    "unknown-variable-header.json: calls.me.headers.X-User: unknown variable “{{userid}}”" },
  { "unclosed-variable-path", AUTHFLOW_PROFILE_ERROR_INVALID,
    "unclosed-variable-path.json: calls.me.path: “{{” without “}}”" },
  { "optional-in-path", AUTHFLOW_PROFILE_ERROR_INVALID,
    "optional-in-path.json: calls.me.path: “{{uid?}}” cannot be optional in a path: "
    "every part of a path must have a value" },
  { "secret-in-path", AUTHFLOW_PROFILE_ERROR_INVALID,
    "secret-in-path.json: calls.logout.path: “{{refresh_token}}” cannot be in a path, which "
    "servers and proxies write down in their logs; send it in a header or the body" },
};

static void
test_broken (void)
{
  g_autofree char *dir = data_path ("tests", "core", "profiles", "broken", NULL);
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GError) error = NULL;
  const char *entry;
  guint n_files = 0;

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *file = g_strconcat (broken[i].file, ".json", NULL);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr(AuthflowProfile) profile = NULL;

      g_test_message ("%s", file);
      profile = authflow_profile_new_from_file (path, &error);
      g_assert_null (profile);
      g_assert_error (error, AUTHFLOW_PROFILE_ERROR, broken[i].code);
      g_assert_cmpstr (error->message, ==, broken[i].message);
      g_clear_error (&error);
    }

  /* Every fixture in the folder is in the table above. */
  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((entry = g_dir_read_name (listing)))
    if (g_str_has_suffix (entry, ".json"))
      n_files++;
  g_assert_cmpuint (n_files, ==, G_N_ELEMENTS (broken));
}

static void
test_base_url (void)
{
  static const char *loopback[] = {
    "http://127.0.0.1:8787", "http://127.8.9.10", "http://[::1]:1", "http://localhost:1",
    "http://LOCALHOST:1/api/", "https://example.com", "https://example.com/api/v1",
  };
  static const struct {
    const char *url;
    int         code;
    const char *message;
  } refused[] = {
    { "http://example.com", AUTHFLOW_PROFILE_ERROR_INSECURE,
      "t.json: base_url: plain http:// is only allowed for this machine "
      "(localhost, 127.0.0.1 or ::1); use https:// for “example.com”" },
    { "http://127.0.0.1.example.com", AUTHFLOW_PROFILE_ERROR_INSECURE,
      "t.json: base_url: plain http:// is only allowed for this machine "
      "(localhost, 127.0.0.1 or ::1); use https:// for “127.0.0.1.example.com”" },
    { "http://10.0.0.1:8787", AUTHFLOW_PROFILE_ERROR_INSECURE,
      "t.json: base_url: plain http:// is only allowed for this machine "
      "(localhost, 127.0.0.1 or ::1); use https:// for “10.0.0.1”" },
    { "ftp://example.com", AUTHFLOW_PROFILE_ERROR_INVALID,
      "t.json: base_url: must be an http:// or https:// URL" },
    { "example.com", AUTHFLOW_PROFILE_ERROR_INVALID,
      "t.json: base_url: must be an http:// or https:// URL" },
    { "https://example.com/?x=1", AUTHFLOW_PROFILE_ERROR_INVALID,
      "t.json: base_url: must not have a query, a fragment or a password" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (loopback); i++)
    {
      g_autofree char *text = g_strdup_printf (PROFILE_WITH_BASE_URL, loopback[i]);
      g_autoptr(AuthflowProfile) profile = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", loopback[i]);
      profile = authflow_profile_new_from_string (text, "t.json", &error);
      g_assert_no_error (error);
      g_assert_nonnull (profile);
    }

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *text = g_strdup_printf (PROFILE_WITH_BASE_URL, refused[i].url);
      g_autoptr(AuthflowProfile) profile = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", refused[i].url);
      profile = authflow_profile_new_from_string (text, "t.json", &error);
      g_assert_null (profile);
      g_assert_error (error, AUTHFLOW_PROFILE_ERROR, refused[i].code);
      g_assert_cmpstr (error->message, ==, refused[i].message);
    }
}

static void
test_request_json (void)
{
  g_autoptr(AuthflowProfile) profile = load_builtin ("reference");
  g_autoptr(AuthflowProfileRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_LOGIN, &error,
                                                 "username", "say \"hi\"\nthere\\",
                                                 "password", "pässword",
                                                 NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->url, ==, "http://127.0.0.1:8787/auth/login");
  g_assert_cmpstr (request->content_type, ==, "application/json");
  body = body_text (request);
  g_assert_cmpstr (body, ==, "{\"username\":\"say \\\"hi\\\"\\nthere\\\\\","
                             "\"password\":\"pässword\"}");
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&request, authflow_profile_request_free);

  /* expiresInMins is a number, and present only when given. */
  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_LOGIN, &error,
                                                 "username", "emilys",
                                                 "password", "emilyspass",
                                                 "expires_in_mins", "30",
                                                 NULL);
  g_assert_no_error (error);
  body = body_text (request);
  g_assert_cmpstr (body, ==, "{\"username\":\"emilys\",\"password\":\"emilyspass\","
                             "\"expiresInMins\":30}");
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&request, authflow_profile_request_free);

  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_LOGIN, &error,
                                                 "username", "emilys",
                                                 "password", "emilyspass",
                                                 "expires_in_mins", "half an hour",
                                                 NULL);
  g_assert_null (request);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_VALUE);
  g_assert_cmpstr (error->message, ==,
                   "“expires_in_mins” must be a whole number of minutes, not “half an hour”");
  g_clear_error (&error);

  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_LOGIN, &error,
                                                 "username", "emilys",
                                                 NULL);
  g_assert_null (request);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_MISSING_VALUE);
  g_assert_cmpstr (error->message, ==, "The login call needs a value for “password”");
  g_clear_error (&error);

  /* Sign-up leaves out the optional names. */
  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_SIGNUP, &error,
                                                 "username", "new",
                                                 "password", "secret123",
                                                 "email", "new@example.com",
                                                 "last_name", "Doe",
                                                 NULL);
  g_assert_no_error (error);
  body = body_text (request);
  g_assert_cmpstr (body, ==, "{\"username\":\"new\",\"password\":\"secret123\","
                             "\"email\":\"new@example.com\",\"lastName\":\"Doe\"}");
}

static void
test_request_headers (void)
{
  g_autoptr(AuthflowProfile) profile = load_builtin ("reference");
  g_autoptr(AuthflowProfileRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *body = NULL;

  g_hash_table_insert (values, (gpointer) "access_token", (gpointer) "at.1");

  request = authflow_profile_build_request (profile, AUTHFLOW_PROFILE_CALL_ME, values, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (request->method, ==, "GET");
  g_assert_cmpstr (request->url, ==, "http://127.0.0.1:8787/auth/me");
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "Authorization"), ==,
                   "Bearer at.1");
  g_assert_null (request->body);
  g_assert_null (request->content_type);
  g_clear_pointer (&request, authflow_profile_request_free);

  /* Log out with the bearer, and the refresh token only when there is one. */
  request = authflow_profile_build_request (profile, AUTHFLOW_PROFILE_CALL_LOGOUT, values, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "Authorization"), ==,
                   "Bearer at.1");
  body = body_text (request);
  g_assert_cmpstr (body, ==, "{}");
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&request, authflow_profile_request_free);

  g_hash_table_insert (values, (gpointer) "refresh_token", (gpointer) "rt.1");
  request = authflow_profile_build_request (profile, AUTHFLOW_PROFILE_CALL_LOGOUT, values, &error);
  g_assert_no_error (error);
  body = body_text (request);
  g_assert_cmpstr (body, ==, "{\"refreshToken\":\"rt.1\"}");
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&request, authflow_profile_request_free);

  /* A value must not smuggle in another header. */
  g_hash_table_insert (values, (gpointer) "access_token", (gpointer) "at\r\nX-Evil: 1");
  request = authflow_profile_build_request (profile, AUTHFLOW_PROFILE_CALL_ME, values, &error);
  g_assert_null (request);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_VALUE);
  g_assert_cmpstr (error->message, ==,
                   "The me call's header “Authorization” cannot hold a line break");
  g_clear_error (&error);

  g_hash_table_remove (values, "access_token");
  request = authflow_profile_build_request (profile, AUTHFLOW_PROFILE_CALL_ME, values, &error);
  g_assert_null (request);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_MISSING_VALUE);
  g_assert_cmpstr (error->message, ==, "The me call needs a value for “access_token”");
}

/* Templates in a path: every value percent-encoded, none missing or
 * empty, none that would move the call to another path.
 */
static void
test_request_path (void)
{
  static const char *text =
    "{ \"id\": \"paths\", \"name\": \"Paths\", \"base_url\": \"https://api.example.com/v2/\","
    "  \"calls\": {"
    "    \"login\": { \"method\": \"POST\", \"path\": \"/login\","
    "               \"body\": { \"email\": \"{{email}}\", \"password\": \"{{password}}\","
    "                           \"ttl\": \"{{expires_in_mins?}}\" } },"
    "    \"me\": { \"method\": \"GET\", \"path\": \"/users/{{uid}}/profile?by={{username}}\","
    "            \"headers\": { \"Authorization\": \"Bearer {{access_token}}\", \"X-Uid\": \"{{uid}}\" } },"
    "    \"update_user\": { \"method\": \"PATCH\", \"path\": \"/users/u-{{uid}}\","
    "                     \"body\": { \"id\": \"{{uid}}\", \"email\": \"{{email?}}\" } } },"
    "  \"answer\": { \"access_token\": \"$.token\" } }";
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(AuthflowProfileRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *summary = NULL;

  profile = authflow_profile_new_from_string (text, "paths.json", &error);
  g_assert_no_error (error);

  /* Which variables each call names, for the pages that ask for them. */
  g_assert_true (authflow_profile_call_uses_variable (profile, AUTHFLOW_PROFILE_CALL_ME, "uid"));
  g_assert_true (authflow_profile_call_uses_variable (profile, AUTHFLOW_PROFILE_CALL_ME, "username"));
  g_assert_false (authflow_profile_call_uses_variable (profile, AUTHFLOW_PROFILE_CALL_ME, "email"));
  g_assert_true (authflow_profile_call_uses_variable (profile, AUTHFLOW_PROFILE_CALL_LOGIN, "email"));
  g_assert_false (authflow_profile_call_uses_variable (profile, AUTHFLOW_PROFILE_CALL_LOGIN, "username"));
  g_assert_false (authflow_profile_call_uses_variable (profile, AUTHFLOW_PROFILE_CALL_SIGNUP, "username"));
  g_assert_true (authflow_profile_uses_variable (profile, "expires_in_mins"));
  g_assert_false (authflow_profile_uses_variable (profile, "refresh_token"));

  summary = authflow_profile_dup_call_summary (profile, AUTHFLOW_PROFILE_CALL_ME);
  g_assert_cmpstr (summary, ==, "GET /users/{{uid}}/profile?by={{username}}");

  /* A "/" and a space in a value stay inside their segment. */
  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_ME, &error,
                                                 "access_token", "at.1",
                                                 "uid", "a/b c",
                                                 "username", "Zoë&co=1",
                                                 NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (request->method, ==, "GET");
  g_assert_cmpstr (request->url, ==, "https://api.example.com/v2/users/a%2Fb%20c/profile?by=Zo%C3%AB%26co%3D1");
  /* A header takes the value as it is. */
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "X-Uid"), ==, "a/b c");
  g_clear_pointer (&request, authflow_profile_request_free);

  /* A uid that is a number is sent as its digits, in the path and the body. */
  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_UPDATE_USER, &error,
                                                 "uid", "42",
                                                 NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (request->url, ==, "https://api.example.com/v2/users/u-42");
  body = body_text (request);
  g_assert_cmpstr (body, ==, "{\"id\":\"42\"}");
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&request, authflow_profile_request_free);

  /* No uid: the call is not made, and says why. */
  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_ME, &error,
                                                 "access_token", "at.1",
                                                 "username", "zoe",
                                                 NULL);
  g_assert_null (request);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_MISSING_VALUE);
  g_assert_cmpstr (error->message, ==,
                   "The me call needs the user id, “{{uid}}”, and the backend’s answers gave none");
  g_clear_error (&error);

  /* An empty one is none: no empty segment goes out. */
  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_ME, &error,
                                                 "access_token", "at.1",
                                                 "uid", "",
                                                 "username", "zoe",
                                                 NULL);
  g_assert_null (request);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_MISSING_VALUE);
  g_clear_error (&error);

  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_ME, &error,
                                                 "access_token", "at.1",
                                                 "uid", "7",
                                                 "username", "",
                                                 NULL);
  g_assert_null (request);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_MISSING_VALUE);
  g_assert_cmpstr (error->message, ==, "The me call needs a value for “username”");
  g_clear_error (&error);

  /* "/users/.." would be "/": refused. */
  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_ME, &error,
                                                 "access_token", "at.1",
                                                 "uid", "..",
                                                 "username", "zoe",
                                                 NULL);
  g_assert_null (request);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_VALUE);
  g_assert_cmpstr (error->message, ==, "The me call cannot put “..” in its path for “uid”");
  g_clear_error (&error);

  /* A lifetime the profile asks for only when there is one. */
  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_LOGIN, &error,
                                                 "email", "zoe@example.com",
                                                 "password", "pw",
                                                 "expires_in_mins", "5",
                                                 NULL);
  g_assert_no_error (error);
  body = body_text (request);
  g_assert_cmpstr (body, ==, "{\"email\":\"zoe@example.com\",\"password\":\"pw\",\"ttl\":5}");
  g_clear_pointer (&request, authflow_profile_request_free);
  g_clear_object (&profile);

  /* One that must have a lifetime says where to set it. */
  profile = authflow_profile_new_from_string ("{ \"id\": \"ttl\", \"name\": \"TTL\","
                                              "  \"base_url\": \"https://example.com\","
                                              "  \"calls\": { \"login\": { \"method\": \"POST\","
                                              "    \"path\": \"/login/{{expires_in_mins}}\" } },"
                                              "  \"answer\": { \"access_token\": \"$\" } }",
                                              "ttl.json", &error);
  g_assert_no_error (error);
  request = authflow_profile_build_request (profile, AUTHFLOW_PROFILE_CALL_LOGIN, NULL, &error);
  g_assert_null (request);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_MISSING_VALUE);
  g_assert_cmpstr (error->message, ==, "The login call needs a token lifetime, “{{expires_in_mins}}”: "
                                       "set Token Lifetime in Preferences");
}

static void
test_request_form (void)
{
  g_autoptr(AuthflowProfile) profile = load_valid ("oauth");
  g_autoptr(AuthflowProfileRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  /* The trailing "/" of the base URL is dropped. */
  g_assert_cmpstr (authflow_profile_get_base_url (profile), ==,
                   "https://auth.example.com/realms/demo");

  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_LOGIN, &error,
                                                 "username", "a&b=c",
                                                 "password", "p q+r/ü~",
                                                 NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->url, ==,
                   "https://auth.example.com/realms/demo/protocol/openid-connect/token");
  g_assert_cmpstr (request->content_type, ==, "application/x-www-form-urlencoded");
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "Accept"), ==,
                   "application/json");
  body = body_text (request);
  g_assert_cmpstr (body, ==, "grant_type=password&client_id=authflow&username=a%26b%3Dc"
                             "&password=p+q%2Br%2F%C3%BC%7E");
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&request, authflow_profile_request_free);

  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_REFRESH, &error,
                                                 "refresh_token", "rt 1",
                                                 NULL);
  g_assert_no_error (error);
  body = body_text (request);
  g_assert_cmpstr (body, ==, "grant_type=refresh_token&client_id=authflow&refresh_token=rt+1");
}

static void
test_answer_reference_login (void)
{
  g_autoptr(AuthflowProfile) profile = load_builtin ("reference");
  g_autoptr(AuthflowProfileAnswer) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = make_token (1800000000);
  g_autofree char *json = NULL;
  g_autofree char *user_json = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) user_node = NULL;

  json = g_strdup_printf ("{\"id\": 1, \"username\": \"emilys\", \"email\": \"emily@x.dummyjson.com\","
                          " \"firstName\": \"Emily\", \"lastName\": \"Johnson\","
                          " \"gender\": \"female\", \"image\": \"https://dummyjson.com/icon/emilys/128\","
                          " \"accessToken\": \"%s\", \"refreshToken\": \"rt.1\"}", token);
  node = parse (json);

  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->access_token, ==, token);
  g_assert_cmpstr (answer->refresh_token, ==, "rt.1");
  assert_time (answer->expiry, "2027-01-15T08:00:00Z");
  g_assert_cmpstr (answer->uid, ==, "1");
  g_assert_nonnull (answer->user);
  g_assert_cmpstr (authflow_user_get_username (answer->user), ==, "emilys");
  g_assert_cmpstr (authflow_user_get_first_name (answer->user), ==, "Emily");

  /* The user is the whole answer but for the tokens. */
  user_node = json_node_init_object (json_node_alloc (), authflow_user_get_json (answer->user));
  user_json = json_to_string (user_node, FALSE);
  g_assert_cmpstr (user_json, ==,
                   "{\"id\":1,\"username\":\"emilys\",\"email\":\"emily@x.dummyjson.com\","
                   "\"firstName\":\"Emily\",\"lastName\":\"Johnson\",\"gender\":\"female\","
                   "\"image\":\"https://dummyjson.com/icon/emilys/128\"}");
}

static void
test_answer_reference_me (void)
{
  g_autoptr(AuthflowProfile) profile = load_builtin ("reference");
  g_autoptr(AuthflowProfileAnswer) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = parse ("{\"id\": 2, \"username\": \"michaelw\"}");

  /* No token in the answer of a call that does not issue one. */
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_ME, node, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (answer->access_token);
  g_assert_null (answer->refresh_token);
  g_assert_null (answer->expiry);
  g_assert_cmpstr (answer->uid, ==, "2");
  g_assert_cmpstr (authflow_user_get_username (answer->user), ==, "michaelw");
  g_clear_pointer (&answer, authflow_profile_answer_free);
  g_clear_pointer (&node, json_node_unref);

  node = parse ("{\"message\": \"Logged out successfully\"}");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGOUT, node, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (answer->access_token);
  g_assert_null (answer->user);
  g_assert_null (answer->uid);
}

static void
test_answer_dummyjson_refresh (void)
{
  g_autoptr(AuthflowProfile) profile = load_builtin ("dummyjson");
  g_autoptr(AuthflowProfileAnswer) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = make_token (1700000000);
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) node = NULL;

  json = g_strdup_printf ("{\"accessToken\": \"%s\", \"refreshToken\": \"rt.2\"}", token);
  node = parse (json);

  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_REFRESH, node, NULL,
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->access_token, ==, token);
  g_assert_cmpstr (answer->refresh_token, ==, "rt.2");
  assert_time (answer->expiry, "2023-11-14T22:13:20Z");
  g_assert_null (answer->uid);
  g_assert_null (answer->user);
  g_clear_pointer (&answer, authflow_profile_answer_free);

  /* The same tokens-only answer to a login maps no user either: the user
   * path is the whole answer, and nothing is left once the tokens are out.
   */
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (answer->user);
  g_assert_null (answer->uid);
}

static void
test_answer_oauth (void)
{
  g_autoptr(AuthflowProfile) profile = load_valid ("oauth");
  g_autoptr(AuthflowProfileAnswer) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) server_now = g_date_time_new_utc (2026, 1, 1, 0, 0, 0);
  g_autoptr(JsonNode) node = NULL;

  node = parse ("{\"access_token\": \"opaque-at\", \"token_type\": \"Bearer\","
                " \"expires_in\": 300, \"refresh_token\": \"opaque-rt\", \"scope\": \"profile\"}");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, server_now,
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->access_token, ==, "opaque-at");
  g_assert_cmpstr (answer->refresh_token, ==, "opaque-rt");
  assert_time (answer->expiry, "2026-01-01T00:05:00Z");
  g_assert_null (answer->uid);
  g_assert_null (answer->user);
  g_clear_pointer (&answer, authflow_profile_answer_free);
  g_clear_pointer (&node, json_node_unref);

  /* Some servers send the seconds as a string; a refresh may keep the
   * old refresh token.
   */
  node = parse ("{\"access_token\": \"opaque-at-2\", \"expires_in\": \"3600\"}");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_REFRESH, node, server_now,
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->access_token, ==, "opaque-at-2");
  g_assert_null (answer->refresh_token);
  assert_time (answer->expiry, "2026-01-01T01:00:00Z");
  g_clear_pointer (&answer, authflow_profile_answer_free);
  g_clear_pointer (&node, json_node_unref);

  /* An expiry out of range is no expiry, so the caller falls back. */
  node = parse ("{\"access_token\": \"opaque-at-3\", \"expires_in\": -5}");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_REFRESH, node, server_now,
                                        &error);
  g_assert_no_error (error);
  g_assert_null (answer->expiry);
}

static void
test_answer_nested (void)
{
  g_autoptr(AuthflowProfile) profile = load_valid ("nested");
  g_autoptr(AuthflowProfileAnswer) answer = NULL;
  g_autoptr(AuthflowProfileRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *body = NULL;

  g_assert_cmpint (authflow_profile_get_login_identifier (profile), ==,
                   AUTHFLOW_PROFILE_IDENTIFIER_EMAIL);
  g_assert_false (authflow_profile_has_call (profile, AUTHFLOW_PROFILE_CALL_REFRESH));
  g_assert_false (authflow_profile_has_call (profile, AUTHFLOW_PROFILE_CALL_ME));

  request = authflow_profile_build_request_with (profile, AUTHFLOW_PROFILE_CALL_LOGIN, &error,
                                                 "email", "a@b.c",
                                                 "password", "pw",
                                                 NULL);
  g_assert_no_error (error);
  body = body_text (request);
  g_assert_cmpstr (body, ==, "{\"email\":\"a@b.c\",\"password\":\"pw\"}");

  node = parse ("{\"token\": \"tok\", \"user\": {\"id\": 7, \"email\": \"a@b.c\"}}");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->access_token, ==, "tok");
  g_assert_null (answer->refresh_token);
  g_assert_null (answer->expiry);
  g_assert_cmpstr (answer->uid, ==, "7");
  g_assert_nonnull (answer->user);
  g_assert_cmpstr (authflow_user_get_id (answer->user), ==, "7");
  g_assert_cmpstr (authflow_user_get_email (answer->user), ==, "a@b.c");
  g_assert_cmpuint (json_object_get_size (authflow_user_get_json (answer->user)), ==, 2);
  g_clear_pointer (&answer, authflow_profile_answer_free);
  g_clear_pointer (&node, json_node_unref);

  node = parse ("{\"token\": \"tok\", \"expires_at\": \"2026-01-01T12:00:00+01:00\","
                " \"user\": {\"id\": \"u-7\"}}");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_no_error (error);
  assert_time (answer->expiry, "2026-01-01T11:00:00Z");
  g_assert_cmpstr (answer->uid, ==, "u-7");
}

static void
test_answer_epoch (void)
{
  static const char *text =
    "{ \"id\": \"epoch\", \"name\": \"Epoch\", \"base_url\": \"https://example.com\","
    "  \"calls\": { \"login\": { \"method\": \"POST\", \"path\": \"/login\" } },"
    "  \"answer\": { \"access_token\": \"$.data.token\","
    "                \"expiry\": { \"path\": \"$.data.expires\", \"form\": \"epoch\" } } }";
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(AuthflowProfileAnswer) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  profile = authflow_profile_new_from_string (text, "epoch.json", &error);
  g_assert_no_error (error);

  node = parse ("{\"data\": {\"token\": \"t\", \"expires\": 1767225600}}");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->access_token, ==, "t");
  assert_time (answer->expiry, "2026-01-01T00:00:00Z");
  g_assert_null (answer->user);
  g_clear_pointer (&answer, authflow_profile_answer_free);
  g_clear_pointer (&node, json_node_unref);

  node = parse ("{\"data\": {\"token\": \"t\", \"expires\": 1e300}}");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (answer->expiry);
}

static void
test_answer_bad (void)
{
  g_autoptr(AuthflowProfile) reference = load_builtin ("reference");
  g_autoptr(AuthflowProfile) nested = load_valid ("nested");
  g_autoptr(AuthflowProfileAnswer) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = parse ("{\"id\": 1, \"refreshToken\": \"rt\"}");
  answer = authflow_profile_map_answer (reference, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_null (answer);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_ANSWER);
  g_assert_cmpstr (error->message, ==, "The answer has no access token at $.accessToken");
  g_clear_error (&error);
  g_clear_pointer (&node, json_node_unref);

  /* An empty token is no token. */
  node = parse ("{\"accessToken\": \"\"}");
  answer = authflow_profile_map_answer (reference, AUTHFLOW_PROFILE_CALL_REFRESH, node, NULL,
                                        &error);
  g_assert_null (answer);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_ANSWER);
  g_clear_error (&error);
  g_clear_pointer (&node, json_node_unref);

  node = parse ("[\"not\", \"an\", \"object\"]");
  answer = authflow_profile_map_answer (reference, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_null (answer);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_ANSWER);
  g_assert_cmpstr (error->message, ==, "The answer has no access token at $.accessToken");
  g_clear_error (&error);
  g_clear_pointer (&node, json_node_unref);

  node = parse ("{\"token\": \"tok\", \"user\": \"a@b.c\"}");
  answer = authflow_profile_map_answer (nested, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_null (answer);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_ANSWER);
  g_assert_cmpstr (error->message, ==, "The answer's user data at $.user is not an object");
}

/* A profile whose login maps the token, the uid and the user at @token,
 * @uid and @user (JSON, so "null" or a quoted path).
 */
static AuthflowProfile *
profile_with_paths (const char  *token,
                    const char  *uid,
                    const char  *user,
                    GError     **error)
{
  g_autoptr(JsonNode) token_node = json_node_init_string (json_node_alloc (), token);
  g_autofree char *token_json = json_to_string (token_node, FALSE);
  g_autofree char *text = g_strdup_printf (
    "{ \"id\": \"t\", \"name\": \"T\", \"base_url\": \"https://example.com\","
    "  \"calls\": { \"login\": { \"method\": \"POST\", \"path\": \"/login\" } },"
    "  \"answer\": { \"access_token\": %s, \"uid\": %s, \"user\": %s } }",
    token_json, uid, user);

  return authflow_profile_new_from_string (text, "t.json", error);
}

/* Paths that load and what they find, and paths that do not load and the
 * exact message; none of them may reach past the end of an array.
 */
static void
test_json_paths (void)
{
  static const struct {
    const char *path;
    const char *answer;
    const char *token;
  } found[] = {
    { "$[0].token", "[{\"token\": \"t0\"}, {\"token\": \"t1\"}]", "t0" },
    { "$[1].token", "[{\"token\": \"t0\"}, {\"token\": \"t1\"}]", "t1" },
    { "$[2].token", "[{\"token\": \"t0\"}, {\"token\": \"t1\"}]", NULL },
    { "$[0]", "[]", NULL },
    { "$.data[0].token", "{\"data\": [{\"token\": \"d0\"}]}", "d0" },
    { "$.data[0].token", "{\"data\": []}", NULL },
    { "$.data[0].token", "{\"data\": {\"0\": {\"token\": \"not an array\"}}}", NULL },
    { "$", "\"bare-token\"", "bare-token" },
    { "$", "12345", "12345" },
    { "$", "{\"token\": \"t\"}", NULL },
    { "$['odd.name']", "{\"odd.name\": \"quoted\"}", "quoted" },
    { "$[\"odd[name]\"]", "{\"odd[name]\": \"double-quoted\"}", "double-quoted" },
    { "$[*].token", "[{\"other\": 1}, {\"token\": \"second\"}, {\"token\": \"third\"}]", "second" },
    { "$.*.token", "{\"a\": {}, \"b\": {\"token\": \"in b\"}}", "in b" },
    { "$.*.token", "{\"a\": {}, \"b\": {}}", NULL },
    { "$[*].token", "{\"errors\": [], \"data\": []}", NULL },
    { "$..token", "{\"a\": {\"b\": [{\"c\": 1}, {\"token\": \"deep\"}]}, \"token\": \"later\"}", "deep" },
    { "$..token", "[[[[]]]]", NULL },
    { "$[1000000]", "[1, 2, 3]", NULL },
    { "$[0007]", "[0, 1, 2, 3, 4, 5, 6, \"seventh\"]", "seventh" },
  };
  static const struct {
    const char *path;
    const char *message;
  } refused[] = {
    { "$[99999999999]", "“[99999999999]”: an index past 1000000 cannot match any answer Authflow reads" },
    { "$[4294967296]", "“[4294967296]”: an index past 1000000 cannot match any answer Authflow reads" },
    { "$[1000001]", "“[1000001]”: an index past 1000000 cannot match any answer Authflow reads" },
    { "$[-1]", "“[-1]”: array indexes count from 0, at the start of the array" },
    { "$.data[-99999999999]", "“[-99999999999]”: array indexes count from 0, at the start of the array" },
    { "$[0:99999999999]", "“[0:99999999999]”: slices and sets of elements are not supported; "
                          "Authflow takes one value, so give one index, such as “[0]”" },
    { "$[-99999999999:]", "“[-99999999999:]”: slices and sets of elements are not supported; "
                          "Authflow takes one value, so give one index, such as “[0]”" },
    { "$[0,2]", "“[0,2]”: slices and sets of elements are not supported; "
                "Authflow takes one value, so give one index, such as “[0]”" },
    { "$[]", "“[]” is not an array index: give a number, such as “[0]”, "
             "or a member name in quotes, such as “['name']”" },
    { "$[token]", "“[token]” is not an array index: give a number, such as “[0]”, "
                  "or a member name in quotes, such as “['name']”" },
    { "$[0", "“[” without “]”" },
    { "$['token", "“['” without “']”" },
    { "$[0]token", "“token” after “]”: each step starts with “.” or “[”" },
    { "$..", "“..” must be followed by a member name, such as “..token”" },
    { "$..*", "“..” must be followed by a member name, such as “..token”" },
    { "$..[0]", "“..” must be followed by a member name, such as “..token”" },
    { "$..a..b", "only one “..” may be in a path" },
    { "$.", "Missing member name or wildcard after . character" },
    { "$x", "Root node followed by invalid character “x”" },
    { "token", "Invalid first character “t”" },
    { "$[123456789012345678901234567890]",
      "“[123456789012345678901234…]”: an index past 1000000 cannot match any answer Authflow reads" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (found); i++)
    {
      g_autoptr(AuthflowProfile) profile = NULL;
      g_autoptr(AuthflowProfileAnswer) answer = NULL;
      g_autoptr(JsonNode) node = parse (found[i].answer);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s in %s", found[i].path, found[i].answer);
      profile = profile_with_paths (found[i].path, "null", "null", &error);
      g_assert_no_error (error);

      answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
      if (found[i].token != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (answer->access_token, ==, found[i].token);
        }
      else
        {
          g_autofree char *expected = g_strdup_printf ("The answer has no access token at %s",
                                                       found[i].path);

          g_assert_null (answer);
          g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_ANSWER);
          g_assert_cmpstr (error->message, ==, expected);
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(AuthflowProfile) profile = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *expected = g_strdup_printf ("t.json: answer.access_token: not a valid JSON path: %s",
                                                   refused[i].message);

      g_test_message ("%s", refused[i].path);
      profile = profile_with_paths (refused[i].path, "null", "null", &error);
      g_assert_null (profile);
      g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_INVALID);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

/* A path deeper than any answer can be is refused when the profile loads;
 * one as deep as an answer can be loads, and finds its value.
 */
static void
test_json_paths_deep (void)
{
  g_autoptr(GString) deepest = g_string_new ("$");
  g_autoptr(GString) too_deep = NULL;
  g_autoptr(GString) answer = g_string_new (NULL);
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(AuthflowProfileAnswer) mapped = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 254; i++)
    {
      g_string_append (deepest, i % 2 ? "[0]" : ".a");
      g_string_append (answer, i % 2 ? "[" : "{\"a\":");
    }
  g_string_append (deepest, ".token");
  g_string_append (answer, "{\"token\":\"at the bottom\"}");
  for (guint i = 0; i < 254; i++)
    g_string_append (answer, (254 - 1 - i) % 2 ? "]" : "}");

  profile = profile_with_paths (deepest->str, "null", "null", &error);
  g_assert_no_error (error);
  node = parse (answer->str);
  mapped = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mapped->access_token, ==, "at the bottom");
  g_clear_object (&profile);

  too_deep = g_string_new (deepest->str);
  g_string_append (too_deep, ".b.c");
  profile = profile_with_paths (too_deep->str, "null", "null", &error);
  g_assert_null (profile);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "t.json: answer.access_token: not a valid JSON path: "
                                       "more than 256 steps, deeper than any answer Authflow reads");
}

/* Answers that are arrays or bare values, mapped whole. */
static void
test_answer_array_and_bare (void)
{
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(AuthflowProfileAnswer) answer = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  /* The answer is a list of one session, its user inside. */
  profile = profile_with_paths ("$[0].token", "\"$[0].user.id\"", "\"$[0].user\"", &error);
  g_assert_no_error (error);
  node = parse ("[{\"token\": \"t\", \"user\": {\"id\": 9, \"username\": \"ada\"}}]");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->access_token, ==, "t");
  g_assert_cmpstr (answer->uid, ==, "9");
  g_assert_cmpstr (authflow_user_get_username (answer->user), ==, "ada");
  g_clear_pointer (&answer, authflow_profile_answer_free);
  g_clear_pointer (&node, json_node_unref);
  g_clear_object (&profile);

  /* A bare token: the whole answer is the token, and holds no user, even
   * for a profile whose user is the whole answer but the tokens.
   */
  profile = profile_with_paths ("$", "null", "{\"path\": \"$\", \"exclude\": [\"token\"]}", &error);
  g_assert_no_error (error);
  node = parse ("\"eyJ.bare.token\"");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->access_token, ==, "eyJ.bare.token");
  g_assert_null (answer->user);
  g_assert_null (answer->uid);
  g_clear_pointer (&answer, authflow_profile_answer_free);
  g_clear_pointer (&node, json_node_unref);
  g_clear_object (&profile);

  /* A uid that is a number, in an array. */
  profile = profile_with_paths ("$[1]", "\"$[0]\"", "null", &error);
  g_assert_no_error (error);
  node = parse ("[42, \"tok\"]");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->access_token, ==, "tok");
  g_assert_cmpstr (answer->uid, ==, "42");
  g_clear_pointer (&answer, authflow_profile_answer_free);
  g_clear_pointer (&node, json_node_unref);

  /* A uid that is neither a string nor a whole number is no uid. */
  node = parse ("[4.5, \"tok\"]");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (answer->uid);
  g_clear_pointer (&answer, authflow_profile_answer_free);
  g_clear_pointer (&node, json_node_unref);
  g_clear_object (&profile);

  /* A user path elsewhere than the root that finds no object is an error. */
  profile = profile_with_paths ("$[0]", "null", "\"$[1]\"", &error);
  g_assert_no_error (error);
  node = parse ("[\"tok\", \"not a user\"]");
  answer = authflow_profile_map_answer (profile, AUTHFLOW_PROFILE_CALL_LOGIN, node, NULL, &error);
  g_assert_null (answer);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_ANSWER);
  g_assert_cmpstr (error->message, ==, "The answer's user data at $[1] is not an object");
}

static void
test_error_message (void)
{
  g_autoptr(AuthflowProfile) reference = load_builtin ("reference");
  g_autoptr(AuthflowProfile) oauth = load_valid ("oauth");
  g_autoptr(AuthflowProfile) nested = load_valid ("nested");
  static const struct {
    const char *answer;
    const char *reference;
    const char *oauth;
    const char *nested;
  } cases[] = {
    { "{\"message\": \"Invalid credentials\"}", "Invalid credentials", NULL, NULL },
    { "{\"error\": \"invalid_grant\", \"error_description\": \"Invalid user credentials\"}",
      NULL, "Invalid user credentials", NULL },
    { "{\"error\": \"invalid_grant\"}", NULL, "invalid_grant", NULL },
    { "{\"error\": \"invalid_grant\", \"error_description\": \"\"}", NULL, "invalid_grant", NULL },
    { "{\"errors\": [{\"detail\": \"Wrong password\"}]}", NULL, NULL, "Wrong password" },
    { "{\"message\": 42}", NULL, NULL, NULL },
    /* A bare string is its own message, whatever the paths say. */
    { "\"Internal Server Error\"", "Internal Server Error", "Internal Server Error",
      "Internal Server Error" },
    { "\"\"", NULL, NULL, NULL },
    { "[\"Invalid credentials\"]", NULL, NULL, NULL },
    { "42", NULL, NULL, NULL },
    /* An element past the end of the array is no message (json-glib's
     * JsonPath, which profiles once went through, read past the end).
     */
    { "{\"errors\": []}", NULL, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse (cases[i].answer);
      g_autofree char *from_reference = authflow_profile_map_error_message (reference, node);
      g_autofree char *from_oauth = authflow_profile_map_error_message (oauth, node);
      g_autofree char *from_nested = authflow_profile_map_error_message (nested, node);

      g_test_message ("%s", cases[i].answer);
      g_assert_cmpstr (from_reference, ==, cases[i].reference);
      g_assert_cmpstr (from_oauth, ==, cases[i].oauth);
      g_assert_cmpstr (from_nested, ==, cases[i].nested);
    }
}

static void
write_file (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

static void
test_backends_builtin_only (void)
{
  g_autoptr(AuthflowBackends) backends = authflow_backends_new (NULL);
  GListModel *profiles = authflow_backends_get_profiles (backends);
  g_autoptr(AuthflowProfile) first = g_list_model_get_item (profiles, 0);
  g_autoptr(AuthflowProfile) second = g_list_model_get_item (profiles, 1);

  /* The built-in profiles come from the app's resources, the reference
   * server first.
   */
  g_assert_cmpuint (g_list_model_get_n_items (profiles), ==, 2);
  g_assert_cmpstr (authflow_profile_get_id (first), ==, "reference");
  g_assert_cmpstr (authflow_profile_get_id (second), ==, "dummyjson");
  g_assert_true (authflow_backends_lookup (backends, "dummyjson") == second);
  g_assert_null (authflow_backends_lookup (backends, "nope"));
  g_assert_null (authflow_backends_get_problems (backends)[0]);

  /* A folder that does not exist is no problem: nobody made one yet. */
  g_clear_object (&backends);
  backends = authflow_backends_new ("/nonexistent/authflow/backends");
  g_assert_null (authflow_backends_get_problems (backends)[0]);
}

static void
test_backends_user_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("authflow-backends-XXXXXX", &error);
  g_autofree char *oauth = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "profiles", "valid", "oauth.json", NULL);
  g_autofree char *oauth_text = NULL;
  g_autoptr(AuthflowBackends) backends = NULL;
  g_autofree char *fifo = NULL;
  g_autofree char *huge = NULL;
  const char * const *problems;
  GListModel *profiles;

  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (oauth, &oauth_text, NULL, &error));
  write_file (dir, "b-oauth.json", oauth_text);
  write_file (dir, "a-broken.json", "{\"id\": \"broken\", \"name\": \"Broken\", "
              "\"base_url\": \"https://example.com\", \"calls\": {\"login\": "
              "{\"method\": \"POST\", \"path\": \"login\"}}}");
  write_file (dir, "c-taken.json", "{\"id\": \"reference\", \"name\": \"Mine\", "
              "\"base_url\": \"https://example.com\", \"calls\": {\"login\": "
              "{\"method\": \"POST\", \"path\": \"/login\"}}, "
              "\"answer\": {\"access_token\": \"$.token\"}}");
  write_file (dir, "notes.txt", "not a profile, not read");

  /* Read at start-up, so neither may hold it: a FIFO would for ever (no
   * one writes to it), a huge file for long.
   */
  fifo = g_build_filename (dir, "d-fifo.json", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  huge = g_strnfill (AUTHFLOW_PROFILE_MAX_FILE_SIZE + 1, ' ');
  write_file (dir, "e-huge.json", huge);

  backends = authflow_backends_new (dir);
  profiles = authflow_backends_get_profiles (backends);

  /* The good file loads after the built-ins; the others are left out, and
   * each says why, in file order.
   */
  g_assert_cmpuint (g_list_model_get_n_items (profiles), ==, 3);
  g_assert_nonnull (authflow_backends_lookup (backends, "oauth2-password"));
  g_assert_cmpstr (authflow_profile_get_name (authflow_backends_lookup (backends, "reference")), ==,
                   "Reference server");

  problems = authflow_backends_get_problems (backends);
  g_assert_cmpstr (problems[0], ==, "a-broken.json: calls.login.path: must start with “/”");
  g_assert_cmpstr (problems[1], ==, "c-taken.json: id: “reference” is taken by another backend");
  g_assert_cmpstr (problems[2], ==, "d-fifo.json: not a regular file");
  g_assert_cmpstr (problems[3], ==, "e-huge.json: larger than 256 KiB, which no profile needs");
  g_assert_null (problems[4]);

  g_assert_finalize_object (g_steal_pointer (&backends));
  authflow_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/profile/builtin/reference", test_builtin_reference);
  g_test_add_func ("/profile/builtin/dummyjson", test_builtin_dummyjson);
  g_test_add_func ("/profile/builtin/bytes", test_builtin_bytes);
  g_test_add_func ("/profile/load/missing-file", test_missing_file);
  g_test_add_func ("/profile/load/broken", test_broken);
  g_test_add_func ("/profile/load/base-url", test_base_url);
  g_test_add_func ("/profile/request/json", test_request_json);
  g_test_add_func ("/profile/request/headers", test_request_headers);
  g_test_add_func ("/profile/request/form", test_request_form);
  g_test_add_func ("/profile/request/path", test_request_path);
  g_test_add_func ("/profile/answer/reference-login", test_answer_reference_login);
  g_test_add_func ("/profile/answer/reference-me-logout", test_answer_reference_me);
  g_test_add_func ("/profile/answer/dummyjson-refresh", test_answer_dummyjson_refresh);
  g_test_add_func ("/profile/answer/oauth", test_answer_oauth);
  g_test_add_func ("/profile/answer/nested", test_answer_nested);
  g_test_add_func ("/profile/answer/epoch", test_answer_epoch);
  g_test_add_func ("/profile/answer/bad", test_answer_bad);
  g_test_add_func ("/profile/answer/array-and-bare", test_answer_array_and_bare);
  g_test_add_func ("/profile/json-paths", test_json_paths);
  g_test_add_func ("/profile/json-paths/deep", test_json_paths_deep);
  g_test_add_func ("/profile/error-message", test_error_message);

  g_test_add_func ("/backends/builtin-only", test_backends_builtin_only);
  g_test_add_func ("/backends/user-dir", test_backends_user_dir);

  return g_test_run ();
}
