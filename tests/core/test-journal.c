// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "authflow-har.h"
#include "authflow-journal.h"
#include "authflow-json.h"
#include "authflow-test-utils.h"
#include "authflow-trace.h"

/* The journal, its redaction, and the two ways out of it: the trace
 * (JSON Lines as it happens) and the HAR export. The exchanges are made
 * the way the client makes them (details as in the README, "The trace"),
 * from a login whose password and tokens must never come out.
 */

#define PASSWORD "hunter2-correct horse"
#define REFRESH_TOKEN "rt_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

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

/* A JWT as the reference server issues one. The signature is not checked
 * by anything here, so any base64url text will do.
 */
static char *
make_jwt (const char *subject)
{
  g_autofree char *header = base64url ("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  g_autofree char *claims_json =
    g_strdup_printf ("{\"sub\":\"%s\",\"username\":\"emilys\",\"iat\":1700000000,\"exp\":1700003600}",
                     subject);
  g_autofree char *claims = base64url (claims_json);

  return g_strconcat (header, ".", claims, ".", "c2lnbmF0dXJlLW9mLXRoZS1zZXJ2ZXI", NULL);
}

static JsonObject *
describe (const char         *body,
          const char         *content_type,
          const char * const *tokens,
          const char * const *passwords)
{
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

  return authflow_journal_describe_body (bytes, content_type, tokens, passwords);
}

static void
assert_lacks (const char *text,
              const char *secret)
{
  const char *found = strstr (text, secret);

  if (found != NULL)
    {
      const char *from = found - MIN (found - text, 40);

      g_error ("“%s” is in the text, at “%.*s”", secret, (int) (found - from + strlen (secret) + 40), from);
    }
}

/* Fingerprints. */

static void
test_fingerprint_stable (void)
{
  g_autofree char *token = make_jwt ("1");
  g_autofree char *copy = g_strdup (token);
  g_autofree char *first = authflow_journal_fingerprint (token);
  g_autofree char *second = authflow_journal_fingerprint (copy);

  g_assert_cmpstr (first, ==, second);
  g_assert_null (authflow_journal_fingerprint (NULL));
}

static void
test_fingerprint_distinct (void)
{
  g_autofree char *token = make_jwt ("1");
  g_autofree char *other = make_jwt ("2");
  g_autofree char *a = authflow_journal_fingerprint (token);
  g_autofree char *b = authflow_journal_fingerprint (other);
  g_autofree char *c = authflow_journal_fingerprint (REFRESH_TOKEN);

  /* The two JWTs share their first characters: the hash tells them apart. */
  g_assert_true (g_str_has_prefix (token, "eyJh") && g_str_has_prefix (other, "eyJh"));
  g_assert_cmpstr (a, !=, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_cmpstr (b, !=, c);
}

/* The part before "…" is all that a fingerprint says of the token. */
static gsize
leading_length (const char *fingerprint)
{
  const char *ellipsis = strstr (fingerprint, "…");

  g_assert_nonnull (ellipsis);
  g_assert_cmpuint (strlen (ellipsis + strlen ("…")), ==, 8);

  return ellipsis - fingerprint;
}

static void
test_fingerprint_lead (void)
{
  const char *tokens[] = {
    "abcdefghijklmnopqrstuvwxyz0123456789",
    REFRESH_TOKEN,
    "short",
    "0123456789abcdef",
    "",
    "éèêëéèêëéèêëéèêëéèêë",
  };

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autofree char *fingerprint = authflow_journal_fingerprint (tokens[i]);
      gsize lead = leading_length (fingerprint);

      g_assert_cmpuint (lead, <=, 4);
      g_assert_true (strncmp (fingerprint, tokens[i], lead) == 0);
      g_assert_true (g_utf8_validate (fingerprint, -1, NULL));
      if (strlen (tokens[i]) >= 5)
        {
          g_autofree char *five = g_strndup (tokens[i], 5);

          assert_lacks (fingerprint, five);
        }
    }

  /* A short token shows none of itself. */
  {
    g_autofree char *fingerprint = authflow_journal_fingerprint ("short");

    g_assert_cmpuint (leading_length (fingerprint), ==, 0);
  }
}

/* Tokens. */

static void
test_describe_token (void)
{
  g_autofree char *token = make_jwt ("42");
  g_autofree char *fingerprint = authflow_journal_fingerprint (token);
  g_autoptr(JsonNode) node = authflow_journal_describe_token (token);
  g_autoptr(JsonNode) plain = authflow_journal_describe_token (REFRESH_TOKEN);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  JsonObject *object = json_node_get_object (node);
  JsonObject *jwt = json_object_get_object_member (object, "jwt");
  JsonObject *header = json_object_get_object_member (jwt, "header");
  JsonObject *claims = json_object_get_object_member (jwt, "claims");

  g_assert_cmpstr (json_object_get_string_member (object, "fingerprint"), ==, fingerprint);
  g_assert_cmpint (json_object_get_int_member (object, "length"), ==, strlen (token));
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, "HS256");
  g_assert_cmpstr (json_object_get_string_member (header, "typ"), ==, "JWT");
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, "42");
  g_assert_cmpstr (json_object_get_string_member (claims, "username"), ==, "emilys");
  g_assert_cmpint (json_object_get_int_member (claims, "exp"), ==, 1700003600);

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  assert_lacks (text, token);
  assert_lacks (text, strrchr (token, '.') + 1);

  /* Not a JWT: its fingerprint and length only. */
  object = json_node_get_object (plain);
  g_assert_false (json_object_has_member (object, "jwt"));
  g_assert_cmpint (json_object_get_int_member (object, "length"), ==, strlen (REFRESH_TOKEN));

  g_assert_null (authflow_journal_describe_token (NULL));
}

/* Names. */

static void
test_classify_name (void)
{
  const struct {
    const char *name;
    AuthflowJournalSecret secret;
  } names[] = {
    { "password", AUTHFLOW_JOURNAL_SECRET_PASSWORD },
    { "newPassword", AUTHFLOW_JOURNAL_SECRET_PASSWORD },
    { "client_secret", AUTHFLOW_JOURNAL_SECRET_PASSWORD },
    { "pin", AUTHFLOW_JOURNAL_SECRET_PASSWORD },
    { "pwd", AUTHFLOW_JOURNAL_SECRET_PASSWORD },
    { "accessToken", AUTHFLOW_JOURNAL_SECRET_TOKEN },
    { "refresh_token", AUTHFLOW_JOURNAL_SECRET_TOKEN },
    { "Refresh-Token", AUTHFLOW_JOURNAL_SECRET_TOKEN },
    { "Authorization", AUTHFLOW_JOURNAL_SECRET_TOKEN },
    { "Set-Cookie", AUTHFLOW_JOURNAL_SECRET_TOKEN },
    { "x-api-key", AUTHFLOW_JOURNAL_SECRET_TOKEN },
    { "token_type", AUTHFLOW_JOURNAL_SECRET_NONE },
    { "tokenExpiresAt", AUTHFLOW_JOURNAL_SECRET_NONE },
    { "username", AUTHFLOW_JOURNAL_SECRET_NONE },
    { "expires_in", AUTHFLOW_JOURNAL_SECRET_NONE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_test_message ("%s", names[i].name);
      g_assert_cmpint (authflow_journal_classify_name (names[i].name), ==, names[i].secret);
    }
}

/* Bodies. */

static void
test_body_by_name (void)
{
  g_autofree char *access = make_jwt ("1");
  g_autofree char *access_fp = authflow_journal_fingerprint (access);
  g_autofree char *refresh_fp = authflow_journal_fingerprint (REFRESH_TOKEN);
  g_autofree char *body =
    g_strdup_printf ("{\"id\":1,\"username\":\"emilys\",\"password\":\"emilyspass\","
                     "\"accessToken\":\"%s\",\"refresh_token\":\"%s\","
                     "\"token_type\":\"Bearer\","
                     "\"credentials\":{\"user\":\"emilys\",\"otp\":\"918273\",\"list\":[\"a1b2c3\"]},"
                     "\"tokens\":[\"%s\",{\"value\":\"%s\"}]}",
                     access, REFRESH_TOKEN, access, REFRESH_TOKEN);
  /* No lists: what is caught here is caught by the names alone. */
  g_autoptr(JsonObject) described = describe (body, "application/json", NULL, NULL);
  const char *text = json_object_get_string_member (described, "text");
  g_autoptr(JsonNode) parsed = NULL;
  JsonObject *object;
  JsonObject *credentials;
  JsonArray *tokens;

  g_assert_cmpint (json_object_get_int_member (described, "size"), ==, strlen (body));
  g_assert_cmpstr (json_object_get_string_member (described, "mimeType"), ==, "application/json");
  g_assert_false (json_object_has_member (described, "truncated"));
  assert_lacks (text, "emilyspass");
  assert_lacks (text, access);
  assert_lacks (text, REFRESH_TOKEN);
  assert_lacks (text, "918273");
  assert_lacks (text, "a1b2c3");

  /* Still JSON, with what is not secret as it was. */
  parsed = authflow_json_parse (text, -1, NULL);
  g_assert_nonnull (parsed);
  object = json_node_get_object (parsed);
  g_assert_cmpint (json_object_get_int_member (object, "id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "username"), ==, "emilys");
  g_assert_cmpstr (json_object_get_string_member (object, "token_type"), ==, "Bearer");
  g_assert_cmpstr (json_object_get_string_member (object, "password"), ==, AUTHFLOW_JOURNAL_REDACTED);
  g_assert_cmpstr (json_object_get_string_member (object, "accessToken"), ==, access_fp);
  g_assert_cmpstr (json_object_get_string_member (object, "refresh_token"), ==, refresh_fp);

  credentials = json_object_get_object_member (object, "credentials");
  g_assert_cmpstr (json_object_get_string_member (credentials, "user"), ==, AUTHFLOW_JOURNAL_REDACTED);
  g_assert_cmpstr (json_object_get_string_member (credentials, "otp"), ==, AUTHFLOW_JOURNAL_REDACTED);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (credentials, "list"), 0),
                   ==, AUTHFLOW_JOURNAL_REDACTED);

  tokens = json_object_get_array_member (object, "tokens");
  g_assert_cmpstr (json_array_get_string_element (tokens, 0), ==, access_fp);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tokens, 1), "value"),
                   ==, refresh_fp);
}

/* A PIN or a password that is a number is no less secret for it. */
static void
test_body_numbers_by_name (void)
{
  const char *body = "{\"username\":\"emilys\",\"pin\":1234,\"password\":918273,"
                     "\"credentials\":{\"code\":5566,\"remember\":true},\"age\":28}";
  g_autoptr(JsonObject) described = describe (body, "application/json", NULL, NULL);
  const char *text = json_object_get_string_member (described, "text");
  g_autoptr(JsonNode) parsed = authflow_json_parse (text, -1, NULL);
  JsonObject *object;

  assert_lacks (text, "1234");
  assert_lacks (text, "918273");
  assert_lacks (text, "5566");
  g_assert_nonnull (parsed);
  object = json_node_get_object (parsed);
  g_assert_cmpstr (json_object_get_string_member (object, "pin"), ==, AUTHFLOW_JOURNAL_REDACTED);
  g_assert_cmpstr (json_object_get_string_member (object, "password"), ==, AUTHFLOW_JOURNAL_REDACTED);
  g_assert_cmpint (json_object_get_int_member (object, "age"), ==, 28);
}

static void
test_body_form (void)
{
  g_autofree char *refresh_fp = authflow_journal_fingerprint (REFRESH_TOKEN);
  g_autofree char *body = g_strdup_printf ("grant_type=password&username=emilys&password=emilys%%20pass"
                                           "&refresh_token=%s&client_id=app&client_secret=s3cr3t", REFRESH_TOKEN);
  g_autoptr(JsonObject) described = describe (body, "application/x-www-form-urlencoded", NULL, NULL);
  const char *text = json_object_get_string_member (described, "text");
  g_autofree char *expected = g_strdup_printf ("grant_type=password&username=emilys&password=[redacted]"
                                               "&refresh_token=%s&client_id=app&client_secret=[redacted]",
                                               refresh_fp);

  g_assert_cmpstr (text, ==, expected);
}

/* The profile's form encoding (space as '+', '~' and '!' as %XX) is one
 * more spelling of the password, under a name that says nothing.
 */
static void
test_body_form_by_value (void)
{
  const char *passwords[] = { "my pass~word!", NULL };
  const char *body = "user=emilys&pw=my+pass%7Eword%21&remember=1";
  g_autoptr(JsonObject) described = describe (body, "application/x-www-form-urlencoded", NULL, passwords);
  const char *text = json_object_get_string_member (described, "text");

  g_assert_cmpstr (text, ==, "user=emilys&pw=[redacted]&remember=1");
}

static void
test_body_by_value (void)
{
  const char *passwords[] = { "pa\"ss/wörd 1", NULL };
  g_autofree char *access = make_jwt ("1");
  g_autofree char *access_fp = authflow_journal_fingerprint (access);
  const char *tokens[] = { access, NULL };
  g_autofree char *escaped = g_uri_escape_string (passwords[0], NULL, FALSE);
  g_autofree char *body = NULL;
  g_autoptr(JsonObject) described = NULL;
  const char *text;

  /* In an unrelated field, whole and inside a longer text, as JSON
   * escapes it; in a URL, as a URL escapes it; a token in a field whose
   * name says nothing.
   */
  body = g_strdup_printf ("{\"nickname\":\"pa\\\"ss/wörd 1\",\"bio\":\"I use pa\\\"ss/wörd 1 everywhere\","
                          "\"link\":\"https://example.com/?p=%s\",\"data\":\"%s\",\"note\":\"Bearer %s\"}",
                          escaped, access, access);
  described = describe (body, "application/json", tokens, passwords);
  text = json_object_get_string_member (described, "text");

  assert_lacks (text, "wörd");
  assert_lacks (text, escaped);
  assert_lacks (text, access);
  g_assert_nonnull (strstr (text, "\"nickname\":\"[redacted]\""));
  g_assert_nonnull (strstr (text, "\"bio\":\"I use [redacted] everywhere\""));
  g_assert_nonnull (strstr (text, "https://example.com/?p=[redacted]"));
  {
    g_autofree char *data = g_strdup_printf ("\"data\":\"%s\"", access_fp);
    g_autofree char *note = g_strdup_printf ("\"note\":\"Bearer %s\"", access_fp);

    g_assert_nonnull (strstr (text, data));
    g_assert_nonnull (strstr (text, note));
  }

  /* Plain text is redacted by value too. */
  {
    g_autofree char *plain = g_strdup_printf ("login failed for pa\"ss/wörd 1 with %s", access);
    g_autoptr(JsonObject) plain_described = describe (plain, "text/plain", tokens, passwords);
    g_autofree char *expected = g_strdup_printf ("login failed for [redacted] with %s", access_fp);

    g_assert_cmpstr (json_object_get_string_member (plain_described, "text"), ==, expected);
  }
}

/* A body over the limit, cut inside a secret: what is left of the secret
 * must not be kept either.
 */
static void
test_body_cut (void)
{
  g_autofree char *access = make_jwt ("1");
  const char *tokens[] = { access, NULL };
  const char *passwords[] = { PASSWORD, NULL };
  gsize cut = AUTHFLOW_JOURNAL_MAX_BODY_SIZE;

  /* By name: the cut falls in the value of "accessToken". */
  {
    GString *body = g_string_new ("{\"padding\":\"");
    g_autoptr(JsonObject) described = NULL;
    g_autofree char *partial = NULL;
    const char *text;

    while (body->len < cut - 40)
      g_string_append_c (body, 'x');
    g_string_append (body, "\",\"accessToken\":\"");
    g_string_append (body, REFRESH_TOKEN REFRESH_TOKEN);
    g_string_append (body, "\"}");
    partial = g_strndup (body->str + (body->len - strlen (REFRESH_TOKEN REFRESH_TOKEN "\"}")),
                         cut - (body->len - strlen (REFRESH_TOKEN REFRESH_TOKEN "\"}")));
    g_assert_cmpuint (strlen (partial), >, 0);

    described = describe (body->str, "application/json", NULL, NULL);
    text = json_object_get_string_member (described, "text");
    g_assert_cmpint (json_object_get_int_member (described, "truncated"), ==, body->len - cut);
    assert_lacks (text, partial);
    g_string_free (body, TRUE);
  }

  /* By value, in fields that say nothing: the cut falls inside the token,
   * and then inside the password.
   */
  for (guint k = 0; k < 2; k++)
    {
      const char *secret = k == 0 ? access : PASSWORD;
      gsize kept = k == 0 ? strlen (access) - 8 : 5;
      GString *body = g_string_new ("{\"padding\":\"");
      g_autoptr(JsonObject) described = NULL;
      g_autofree char *partial = NULL;
      const char *text;

      while (body->len < cut - kept - strlen ("\",\"data\":\""))
        g_string_append_c (body, 'x');
      g_string_append (body, "\",\"data\":\"");
      g_assert_cmpuint (body->len + kept, ==, cut);
      g_string_append (body, secret);
      g_string_append (body, "\"}");
      partial = g_strndup (secret, kept);

      described = describe (body->str, "application/json", tokens, passwords);
      text = json_object_get_string_member (described, "text");
      g_assert_cmpint (json_object_get_int_member (described, "truncated"), ==, body->len - cut);
      assert_lacks (text, partial);
      g_string_free (body, TRUE);
    }

  /* And in a form. */
  {
    GString *body = g_string_new ("a=");
    g_autoptr(JsonObject) described = NULL;
    const char *text;

    while (body->len < cut - 10 - strlen ("&t="))
      g_string_append_c (body, 'x');
    g_string_append (body, "&t=");
    g_string_append (body, access);

    described = describe (body->str, "application/x-www-form-urlencoded", tokens, NULL);
    text = json_object_get_string_member (described, "text");
    {
      g_autofree char *partial = g_strndup (access, 10);

      assert_lacks (text, partial);
    }
    g_string_free (body, TRUE);
  }
}

static void
test_body_binary (void)
{
  static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
  static const char nul[] = "{\"password\":\"abc\0def\"}";
  g_autoptr(GBytes) png_bytes = g_bytes_new_static (png, sizeof png - 1);
  g_autoptr(GBytes) nul_bytes = g_bytes_new_static (nul, sizeof nul - 1);
  g_autoptr(JsonObject) a = authflow_journal_describe_body (png_bytes, "image/png", NULL, NULL);
  g_autoptr(JsonObject) b = authflow_journal_describe_body (nul_bytes, "application/json", NULL, NULL);
  g_autoptr(JsonObject) empty = authflow_journal_describe_body (NULL, NULL, NULL, NULL);

  g_assert_true (json_object_get_boolean_member (a, "binary"));
  g_assert_false (json_object_has_member (a, "text"));
  g_assert_cmpint (json_object_get_int_member (a, "size"), ==, sizeof png - 1);
  g_assert_true (json_object_get_boolean_member (b, "binary"));
  g_assert_false (json_object_has_member (b, "text"));
  g_assert_cmpint (json_object_get_int_member (empty, "size"), ==, 0);
  g_assert_false (json_object_has_member (empty, "text"));
  g_assert_false (json_object_has_member (empty, "binary"));

  /* Over the limit, a NUL just before the cut is still a NUL, not a
   * character cut in half; a character cut in half is text.
   */
  for (guint k = 0; k < 2; k++)
    {
      gsize size = AUTHFLOW_JOURNAL_MAX_BODY_SIZE + 100;
      char *data = g_malloc (size);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(JsonObject) described = NULL;

      memset (data, 'a', size);
      if (k == 0)
        data[AUTHFLOW_JOURNAL_MAX_BODY_SIZE - 2] = '\0';
      else
        memcpy (data + AUTHFLOW_JOURNAL_MAX_BODY_SIZE - 1, "€", strlen ("€"));
      bytes = g_bytes_new_take (data, size);
      described = authflow_journal_describe_body (bytes, "text/plain", NULL, NULL);

      if (k == 0)
        g_assert_true (json_object_get_boolean_member_with_default (described, "binary", FALSE));
      else
        {
          g_assert_false (json_object_has_member (described, "binary"));
          g_assert_cmpuint (strlen (json_object_get_string_member (described, "text")),
                            ==, AUTHFLOW_JOURNAL_MAX_BODY_SIZE - 1);
          g_assert_cmpint (json_object_get_int_member (described, "truncated"),
                           ==, size - AUTHFLOW_JOURNAL_MAX_BODY_SIZE + 1);
        }
    }
}

static void
test_body_large (void)
{
  gsize size = 1024 * 1024;
  GString *body = g_string_sized_new (size);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) described = NULL;
  const char *passwords[] = { PASSWORD, NULL };
  gint64 start;
  const char *text;

  g_string_append (body, "{\"users\":[");
  while (body->len < size - 64)
    g_string_append_printf (body, "{\"id\":%u,\"password\":\"%s\"},", (guint) body->len, PASSWORD);
  while (body->len < size - 2)
    g_string_append_c (body, ' ');
  g_string_append (body, "]}");
  g_assert_cmpuint (body->len, ==, size);
  bytes = g_string_free_to_bytes (body);

  start = g_get_monotonic_time ();
  described = authflow_journal_describe_body (bytes, "application/json", NULL, passwords);
  g_test_message ("1 MiB body described in %" G_GINT64_FORMAT " µs", g_get_monotonic_time () - start);

  text = json_object_get_string_member (described, "text");
  g_assert_cmpint (json_object_get_int_member (described, "size"), ==, size);
  g_assert_cmpint (json_object_get_int_member (described, "truncated"), ==, size - AUTHFLOW_JOURNAL_MAX_BODY_SIZE);
  g_assert_cmpuint (strlen (text), <=, AUTHFLOW_JOURNAL_MAX_BODY_SIZE);
  assert_lacks (text, "hunter2");
}

/* The parsed form, as the mapping keeps the user: the same rules. */
static void
test_redact_json (void)
{
  g_autofree char *access = make_jwt ("1");
  g_autofree char *access_fp = authflow_journal_fingerprint (access);
  const char *tokens[] = { access, NULL };
  const char *passwords[] = { "918273", PASSWORD, NULL };
  g_autofree char *text = g_strdup_printf ("{\"id\":1,\"pin\":1234,\"code\":918273,\"bio\":\"I am %s\","
                                           "\"session\":{\"id\":\"s-1\",\"n\":2},\"last\":\"%s\","
                                           "\"secrets\":[1,true,\"x\"],\"tokenType\":\"Bearer\"}",
                                           PASSWORD, access);
  g_autoptr(JsonNode) node = authflow_json_parse (text, -1, NULL);
  g_autoptr(JsonNode) redacted = authflow_journal_redact_json (node, tokens, passwords);
  JsonObject *object = json_node_get_object (redacted);
  JsonObject *session = json_object_get_object_member (object, "session");
  JsonArray *secrets = json_object_get_array_member (object, "secrets");

  g_assert_cmpint (json_object_get_int_member (object, "id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "pin"), ==, AUTHFLOW_JOURNAL_REDACTED);
  g_assert_cmpstr (json_object_get_string_member (object, "code"), ==, AUTHFLOW_JOURNAL_REDACTED);
  g_assert_cmpstr (json_object_get_string_member (object, "bio"), ==, "I am [redacted]");
  g_assert_cmpstr (json_object_get_string_member (object, "last"), ==, access_fp);
  g_assert_cmpstr (json_object_get_string_member (object, "tokenType"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (session, "n"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (session, "id"), !=, "s-1");
  for (guint i = 0; i < json_array_get_length (secrets); i++)
    g_assert_cmpstr (json_array_get_string_element (secrets, i), ==, AUTHFLOW_JOURNAL_REDACTED);
}

static void
test_redact_text (void)
{
  g_autofree char *access = make_jwt ("1");
  g_autofree char *access_fp = authflow_journal_fingerprint (access);
  const char *tokens[] = { access, "", NULL };
  const char *passwords[] = { PASSWORD, "", NULL };
  g_autofree char *header = g_strdup_printf ("Bearer %s", access);
  g_autofree char *redacted = authflow_journal_redact_text (header, tokens, passwords);
  g_autofree char *expected = g_strdup_printf ("Bearer %s", access_fp);
  g_autofree char *url = authflow_journal_redact_text ("https://x.test/login?u=emilys&p=hunter2-correct%20horse",
                                                       tokens, passwords);
  g_autofree char *untouched = authflow_journal_redact_text ("nothing secret", tokens, passwords);

  g_assert_cmpstr (redacted, ==, expected);
  g_assert_cmpstr (url, ==, "https://x.test/login?u=emilys&p=[redacted]");
  g_assert_cmpstr (untouched, ==, "nothing secret");
}

/* The journal. */

static AuthflowJournalEntry *
record_event (AuthflowJournal *journal,
              guint            n)
{
  JsonObject *details = json_object_new ();

  json_object_set_string_member (details, "from", "signed-out");
  json_object_set_string_member (details, "to", "signed-in");
  json_object_set_int_member (details, "n", n);

  return authflow_journal_record (journal, AUTHFLOW_JOURNAL_SESSION, "state",
                                  AUTHFLOW_JOURNAL_STEP_LOG_IN, -1, details,
                                  "signed-out → signed-in (%u)", n);
}

static void
test_journal_bounded (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  GListModel *entries = authflow_journal_get_entries (journal);
  guint extra = 25;

  for (guint i = 0; i < AUTHFLOW_JOURNAL_MAX_ENTRIES + extra; i++)
    record_event (journal, i);

  g_assert_cmpuint (g_list_model_get_n_items (entries), ==, AUTHFLOW_JOURNAL_MAX_ENTRIES);
  g_assert_cmpuint (authflow_journal_get_dropped (journal), ==, extra);

  /* The newest kept, in the order they were made. */
  for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (entries, i);

      g_assert_cmpuint (authflow_journal_entry_get_sequence (entry), ==, extra + i + 1);
    }

  /* Cleared, the numbers go on. */
  authflow_journal_clear (journal);
  g_assert_cmpuint (g_list_model_get_n_items (entries), ==, 0);
  g_assert_cmpuint (authflow_journal_entry_get_sequence (record_event (journal, 0)),
                    ==, AUTHFLOW_JOURNAL_MAX_ENTRIES + extra + 1);
}

static void
test_journal_bounded_bytes (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  GListModel *entries = authflow_journal_get_entries (journal);
  g_autofree char *big = g_strnfill (AUTHFLOW_JOURNAL_MAX_BODY_SIZE, 'b');
  guint n = 2 * AUTHFLOW_JOURNAL_MAX_BYTES / AUTHFLOW_JOURNAL_MAX_BODY_SIZE;
  guint kept;

  for (guint i = 0; i < n; i++)
    {
      JsonObject *details = json_object_new ();

      json_object_set_string_member (details, "text", big);
      authflow_journal_record (journal, AUTHFLOW_JOURNAL_HTTP, "exchange",
                               AUTHFLOW_JOURNAL_STEP_API_CALL, 1000, details, "GET /big → 200 OK");
    }

  kept = g_list_model_get_n_items (entries);
  g_assert_cmpuint (kept, <, n);
  g_assert_cmpuint (kept, <=, AUTHFLOW_JOURNAL_MAX_BYTES / AUTHFLOW_JOURNAL_MAX_BODY_SIZE);
  g_assert_cmpuint (kept, >, 0);
  g_assert_cmpuint (kept + authflow_journal_get_dropped (journal), ==, n);
}

typedef struct
{
  AuthflowJournal *journal;
  GPtrArray       *seen;
} Watch;

static void
entry_added_cb (AuthflowJournal      *journal,
                AuthflowJournalEntry *entry,
                Watch                *watch)
{
  GListModel *entries = authflow_journal_get_entries (journal);
  g_autoptr(AuthflowJournalEntry) last = g_list_model_get_item (entries, g_list_model_get_n_items (entries) - 1);

  /* Already among the entries when announced. */
  g_assert_true (last == entry);
  g_ptr_array_add (watch->seen, g_object_ref (entry));
}

static void
test_journal_entry_added (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_object_unref);
  Watch watch = { journal, seen };
  AuthflowJournalEntry *made[3];

  g_signal_connect (journal, "entry-added", G_CALLBACK (entry_added_cb), &watch);

  for (guint i = 0; i < G_N_ELEMENTS (made); i++)
    made[i] = record_event (journal, i);

  g_assert_cmpuint (seen->len, ==, G_N_ELEMENTS (made));
  for (guint i = 0; i < G_N_ELEMENTS (made); i++)
    {
      g_assert_true (g_ptr_array_index (seen, i) == made[i]);
      g_assert_cmpuint (authflow_journal_entry_get_sequence (made[i]), ==, i + 1);
      g_assert_cmpstr (authflow_journal_entry_get_event (made[i]), ==, "state");
    }
  g_assert_cmpint (authflow_journal_entry_get_monotonic (made[0]), <=,
                   authflow_journal_entry_get_monotonic (made[2]));

  /* Without a journal, nothing is recorded, and the details are freed. */
  g_assert_null (record_event (NULL, 0));
}

static void
test_journal_line (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  AuthflowJournalEntry *entry;
  g_autofree char *line = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  authflow_journal_set_clock_offset (journal, TRUE, 2 * G_USEC_PER_SEC);
  entry = record_event (journal, 7);
  line = authflow_journal_entry_to_line (entry);

  g_assert_true (g_str_has_suffix (line, "\n"));
  g_assert_true (strchr (line, '\n') == line + strlen (line) - 1);
  node = authflow_json_parse (line, -1, NULL);
  g_assert_nonnull (node);
  object = json_node_get_object (node);
  g_assert_cmpint (json_object_get_int_member (object, "v"), ==, AUTHFLOW_JOURNAL_SCHEMA_VERSION);
  g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "session");
  g_assert_cmpstr (json_object_get_string_member (object, "event"), ==, "state");
  g_assert_cmpstr (json_object_get_string_member (object, "step"), ==, "Log in");
  g_assert_cmpstr (json_object_get_string_member (object, "summary"), ==, "signed-out → signed-in (7)");
  g_assert_true (json_object_has_member (object, "time"));
  g_assert_true (json_object_has_member (object, "serverTime"));
  g_assert_true (json_object_has_member (object, "monotonic"));
  g_assert_false (json_object_has_member (object, "durationMs"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "details"), "n"), ==, 7);
}

/* Exchanges, as the client records them. */

typedef struct
{
  const char  *call;
  gboolean     retry;
  const char  *method;
  const char  *url;
  const char  *request_headers[8];
  const char  *request_type;
  const char  *request_body;
  guint        status;
  const char  *status_text;
  const char  *response_headers[8];
  const char  *response_type;
  const char  *response_body;
  gsize        response_size;   /* 0: strlen (response_body) */
  const char  *error;
  double       connect_ms;
  double       first_byte_ms;
  double       total_ms;
  gint64       started_ago_ms;
} Exchange;

static JsonArray *
redact_headers (const char * const *pairs,
                const char * const *tokens,
                const char * const *passwords)
{
  JsonArray *headers = json_array_new ();

  for (guint i = 0; pairs[i] != NULL; i += 2)
    {
      JsonObject *header = json_object_new ();
      g_autofree char *value = NULL;

      switch (authflow_journal_classify_name (pairs[i]))
        {
        case AUTHFLOW_JOURNAL_SECRET_PASSWORD:
          value = g_strdup (AUTHFLOW_JOURNAL_REDACTED);
          break;
        case AUTHFLOW_JOURNAL_SECRET_TOKEN:
        case AUTHFLOW_JOURNAL_SECRET_NONE:
        default:
          value = authflow_journal_redact_text (pairs[i + 1], tokens, passwords);
          break;
        }
      json_object_set_string_member (header, "name", pairs[i]);
      json_object_set_string_member (header, "value", value);
      json_array_add_object_element (headers, header);
    }

  return headers;
}

static AuthflowJournalEntry *
record_exchange (AuthflowJournal    *journal,
                 const Exchange     *exchange,
                 const char * const *tokens,
                 const char * const *passwords)
{
  JsonObject *details = json_object_new ();
  JsonObject *request = json_object_new ();
  JsonObject *timings = json_object_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) started = g_date_time_add (now, -exchange->started_ago_ms * 1000);
  g_autofree char *started_text = g_date_time_format_iso8601 (started);
  g_autofree char *url = authflow_journal_redact_text (exchange->url, tokens, passwords);
  g_autoptr(GUri) uri = g_uri_parse (exchange->url, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr(GBytes) request_body = NULL;

  if (exchange->call != NULL)
    json_object_set_string_member (details, "call", exchange->call);
  json_object_set_boolean_member (details, "retry", exchange->retry);
  json_object_set_string_member (details, "startedDateTime", started_text);

  json_object_set_string_member (request, "method", exchange->method);
  json_object_set_string_member (request, "url", url);
  json_object_set_string_member (request, "httpVersion", "HTTP/1.1");
  json_object_set_array_member (request, "headers",
                                redact_headers (exchange->request_headers, tokens, passwords));
  if (exchange->request_body != NULL)
    request_body = g_bytes_new (exchange->request_body, strlen (exchange->request_body));
  json_object_set_object_member (request, "body",
                                 authflow_journal_describe_body (request_body, exchange->request_type,
                                                                 tokens, passwords));
  json_object_set_object_member (details, "request", request);

  if (exchange->status != 0)
    {
      JsonObject *response = json_object_new ();
      gsize size = exchange->response_size != 0 ? exchange->response_size : strlen (exchange->response_body);
      g_autoptr(GBytes) body = g_bytes_new (exchange->response_body, size);

      json_object_set_int_member (response, "status", exchange->status);
      json_object_set_string_member (response, "statusText", exchange->status_text);
      json_object_set_string_member (response, "httpVersion", "HTTP/1.1");
      json_object_set_array_member (response, "headers",
                                    redact_headers (exchange->response_headers, tokens, passwords));
      json_object_set_object_member (response, "body",
                                     authflow_journal_describe_body (body, exchange->response_type,
                                                                     tokens, passwords));
      json_object_set_object_member (details, "response", response);
    }
  if (exchange->error != NULL)
    json_object_set_string_member (details, "error", exchange->error);

  json_object_set_double_member (timings, "connectMs", exchange->connect_ms);
  json_object_set_double_member (timings, "firstByteMs", exchange->first_byte_ms);
  json_object_set_double_member (timings, "totalMs", exchange->total_ms);
  json_object_set_object_member (details, "timings", timings);

  if (exchange->status != 0)
    return authflow_journal_record (journal, AUTHFLOW_JOURNAL_HTTP, "exchange",
                                    AUTHFLOW_JOURNAL_STEP_API_CALL,
                                    (gint64) (exchange->total_ms * 1000), details,
                                    "%s %s → %u %s", exchange->method, g_uri_get_path (uri),
                                    exchange->status, exchange->status_text);

  return authflow_journal_record (journal, AUTHFLOW_JOURNAL_HTTP, "exchange",
                                  AUTHFLOW_JOURNAL_STEP_API_CALL,
                                  (gint64) (exchange->total_ms * 1000), details,
                                  "%s %s → %s", exchange->method, g_uri_get_path (uri),
                                  exchange->error);
}

typedef struct
{
  AuthflowJournal *journal;
  char            *access;
  char            *renewed;
  guint            n_exchanges;
  guint            n_entries;
} Session;

static void
session_clear (Session *session)
{
  g_clear_object (&session->journal);
  g_clear_pointer (&session->access, g_free);
  g_clear_pointer (&session->renewed, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Session, session_clear)

/* A day in the journal: a login, a "me" refused with 401, a refresh, the
 * retry, an update whose backend is unreachable, and what the flow and
 * the session say around them.
 */
static void
session_run (Session *session)
{
  g_autofree char *login_body = g_strdup_printf ("{\"username\":\"emilys\",\"password\":\"%s\","
                                                 "\"expiresInMins\":30}", PASSWORD);
  g_autofree char *login_answer = NULL;
  g_autofree char *refresh_request = NULL;
  g_autofree char *refresh_answer = NULL;
  g_autofree char *bearer = NULL;
  g_autofree char *bearer_renewed = NULL;
  const char *tokens[4] = { NULL };
  const char *passwords[] = { PASSWORD, NULL };

  session->journal = authflow_journal_new ();
  session->access = make_jwt ("1");
  session->renewed = make_jwt ("1-renewed");
  tokens[0] = session->access;
  tokens[1] = session->renewed;
  tokens[2] = REFRESH_TOKEN;

  login_answer = g_strdup_printf ("{\"id\":1,\"username\":\"emilys\",\"email\":\"emily.johnson@x.dummyjson.com\","
                                  "\"firstName\":\"Emily\",\"lastName\":\"Johnson\",\"gender\":\"female\","
                                  "\"image\":\"https://dummyjson.com/icon/emilys/128\","
                                  "\"accessToken\":\"%s\",\"refreshToken\":\"%s\"}",
                                  session->access, REFRESH_TOKEN);
  refresh_request = g_strdup_printf ("{\"refreshToken\":\"%s\",\"expiresInMins\":30}", REFRESH_TOKEN);
  refresh_answer = g_strdup_printf ("{\"accessToken\":\"%s\",\"refreshToken\":\"%s\"}",
                                    session->renewed, REFRESH_TOKEN);
  bearer = g_strdup_printf ("Bearer %s", session->access);
  bearer_renewed = g_strdup_printf ("Bearer %s", session->renewed);

  record_event (session->journal, 0);

  {
    const Exchange login = {
      .call = "login", .method = "POST", .url = "http://127.0.0.1:8080/auth/login",
      .request_headers = { "Content-Type", "application/json", "Accept", "application/json", NULL },
      .request_type = "application/json", .request_body = login_body,
      .status = 200, .status_text = "OK",
      .response_headers = { "Content-Type", "application/json; charset=utf-8",
                            "Date", "Tue, 14 Nov 2023 22:13:20 GMT", NULL },
      .response_type = "application/json; charset=utf-8", .response_body = login_answer,
      .connect_ms = 0.4, .first_byte_ms = 2.5, .total_ms = 2.9, .started_ago_ms = 50,
    };
    record_exchange (session->journal, &login, tokens, passwords);
  }

  {
    const Exchange me = {
      .call = "me", .method = "GET", .url = "http://127.0.0.1:8080/auth/me?expand=profile&fields=a%20b+c&flag",
      .request_headers = { "Authorization", bearer, NULL },
      .status = 401, .status_text = "Unauthorized",
      .response_headers = { "Content-Type", "application/json", "WWW-Authenticate", "Bearer", NULL },
      .response_type = "application/json", .response_body = "{\"message\":\"Token Expired!\"}",
      .connect_ms = 0, .first_byte_ms = 0.8, .total_ms = 0.9, .started_ago_ms = 40,
    };
    record_exchange (session->journal, &me, tokens, passwords);
  }

  {
    JsonObject *details = json_object_new ();

    json_object_set_string_member (details, "trigger", "401");
    json_object_set_string_member (details, "call", "me");
    authflow_journal_record (session->journal, AUTHFLOW_JOURNAL_TOKEN, "refresh-started",
                             AUTHFLOW_JOURNAL_STEP_NONE, -1, details, "renewing the token after a 401");
  }

  {
    const Exchange refresh = {
      .call = "refresh", .method = "POST", .url = "http://127.0.0.1:8080/auth/refresh",
      .request_headers = { "Content-Type", "application/json", NULL },
      .request_type = "application/json", .request_body = refresh_request,
      .status = 200, .status_text = "OK",
      .response_headers = { "Content-Type", "application/json", NULL },
      .response_type = "application/json", .response_body = refresh_answer,
      .connect_ms = 0, .first_byte_ms = 1.5, .total_ms = 1.7, .started_ago_ms = 30,
    };
    record_exchange (session->journal, &refresh, tokens, passwords);
  }

  {
    const Exchange retry = {
      .call = "me", .retry = TRUE, .method = "GET", .url = "http://127.0.0.1:8080/auth/me?expand=profile",
      .request_headers = { "Authorization", bearer_renewed, NULL },
      .status = 200, .status_text = "OK",
      .response_headers = { "Content-Type", "application/json", NULL },
      .response_type = "application/json", .response_body = "{\"id\":1,\"username\":\"emilys\"}",
      .connect_ms = 0, .first_byte_ms = -1, .total_ms = 1.1, .started_ago_ms = 20,
    };
    record_exchange (session->journal, &retry, tokens, passwords);
  }

  /* Made last, started first: the HAR lists it first. */
  {
    const Exchange unreachable = {
      .method = "PUT", .url = "http://127.0.0.1:8081/users/1",
      .request_headers = { "Authorization", bearer_renewed, "Content-Type", "application/json", NULL },
      .request_type = "application/json", .request_body = "{\"firstName\":\"Em\"}",
      .error = "Could not connect to 127.0.0.1: Connection refused",
      .connect_ms = -1, .first_byte_ms = -1, .total_ms = 0.3, .started_ago_ms = 60,
    };
    record_exchange (session->journal, &unreachable, tokens, passwords);
  }

  record_event (session->journal, 1);

  session->n_exchanges = 5;
  session->n_entries = 8;
}

/* The trace. */

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);

  return text;
}

/* Each line one valid entry, in order, and nothing secret. */
static void
assert_trace (const char *text,
              Session    *session,
              guint       first_seq,
              guint       n_lines)
{
  g_auto(GStrv) lines = NULL;
  guint64 last = 0;
  guint n_http = 0;

  g_assert_true (g_str_has_suffix (text, "\n") || text[0] == '\0');
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, n_lines + 1);
  g_assert_cmpstr (lines[n_lines], ==, "");

  for (guint i = 0; i < n_lines; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = authflow_json_parse (lines[i], -1, &error);
      JsonObject *object;
      const char *kind;
      guint64 seq;

      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
      object = json_node_get_object (node);
      g_assert_cmpint (json_object_get_int_member (object, "v"), ==, 1);
      seq = json_object_get_int_member (object, "seq");
      g_assert_cmpuint (seq, ==, i == 0 ? first_seq : last + 1);
      last = seq;
      kind = json_object_get_string_member (object, "kind");
      g_assert_nonnull (json_object_get_string_member (object, "event"));
      g_assert_nonnull (json_object_get_string_member (object, "summary"));
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "details")));
      if (g_str_equal (kind, "http"))
        {
          g_assert_cmpstr (json_object_get_string_member (object, "event"), ==, "exchange");
          g_assert_cmpstr (json_object_get_string_member (object, "step"), ==, "API Call");
          n_http++;
        }
    }

  if (session != NULL)
    {
      assert_lacks (text, "hunter2");
      assert_lacks (text, session->access);
      assert_lacks (text, session->renewed);
      assert_lacks (text, REFRESH_TOKEN);
      g_assert_cmpuint (n_http, ==, session->n_exchanges);
    }
}

static void
test_trace_file (void)
{
  g_auto(Session) session = { NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("authflow-trace-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "trace.jsonl", NULL);
  g_autoptr(AuthflowTrace) trace = NULL;
  g_autofree char *text = NULL;
  GStatBuf st;

  g_assert_no_error (error);

  /* Half of the entries before the trace starts, half after. */
  session_run (&session);
  trace = authflow_trace_new (session.journal, path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (trace);
  for (guint i = 0; i < 8; i++)
    record_event (session.journal, 100 + i);
  authflow_trace_close (trace);
  authflow_trace_close (trace);

  /* Closed, it no longer follows the journal. */
  record_event (session.journal, 200);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  text = read_text (path);
  assert_trace (text, &session, 1, session.n_entries + 8);

  g_clear_object (&trace);
  authflow_test_remove_tree (dir);
}

/* An existing trace is emptied, and becomes its owner's alone. A trace
 * released without being closed is closed, its lines all written.
 */
static void
test_trace_existing (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("authflow-trace-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "trace.jsonl", NULL);
  AuthflowTrace *trace;
  g_autofree char *text = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  g_file_set_contents_full (path, "old\nlines\nof an earlier run, longer than the new one\n", -1,
                            G_FILE_SET_CONTENTS_NONE, 0644, &error);
  g_assert_no_error (error);

  trace = authflow_trace_new (journal, path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 500; i++)
    record_event (journal, i);
  g_assert_finalize_object (trace);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  text = read_text (path);
  assert_trace (text, NULL, 1, 500);

  authflow_test_remove_tree (dir);
}

/* A reader tailing the file sees each line while the trace is open. */
static void
test_trace_tail (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("authflow-trace-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "trace.jsonl", NULL);
  g_autoptr(AuthflowTrace) trace = NULL;

  g_assert_no_error (error);
  trace = authflow_trace_new (journal, path, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 3; i++)
    {
      gint64 made = g_get_monotonic_time ();
      gint64 deadline = made + 10 * G_USEC_PER_SEC;
      guint lines = 0;

      record_event (journal, i);
      while (g_get_monotonic_time () < deadline)
        {
          g_autofree char *text = read_text (path);

          lines = 0;
          for (const char *p = text; (p = strchr (p, '\n')) != NULL; p++)
            lines++;
          if (lines == i + 1)
            break;
          g_usleep (1000);
        }
      g_assert_cmpuint (lines, ==, i + 1);
      g_test_message ("line %u seen after %" G_GINT64_FORMAT " µs", i + 1, g_get_monotonic_time () - made);
    }

  authflow_trace_close (trace);
  authflow_test_remove_tree (dir);
}

/* Standard output, here a pipe in its place, is written and left open. */
typedef struct
{
  int      saved;
  int      read_fd;
} Stdout;

static void
stdout_to_pipe (Stdout *redirect)
{
  int fds[2];

  g_assert_cmpint (pipe (fds), ==, 0);
  fflush (stdout);
  redirect->saved = dup (STDOUT_FILENO);
  g_assert_cmpint (redirect->saved, >=, 0);
  g_assert_cmpint (dup2 (fds[1], STDOUT_FILENO), ==, STDOUT_FILENO);
  close (fds[1]);
  redirect->read_fd = fds[0];
}

static void
stdout_restore (Stdout *redirect)
{
  g_assert_cmpint (dup2 (redirect->saved, STDOUT_FILENO), ==, STDOUT_FILENO);
  close (redirect->saved);
}

static char *
read_all (int fd)
{
  GString *text = g_string_new (NULL);
  char buffer[4096];
  gssize n;

  while ((n = read (fd, buffer, sizeof buffer)) > 0)
    g_string_append_len (text, buffer, n);
  g_assert_cmpint (n, ==, 0);

  return g_string_free (text, FALSE);
}

static void
test_trace_stdout (void)
{
  g_auto(Session) session = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowTrace) trace = NULL;
  g_autofree char *text = NULL;
  Stdout redirect;

  session_run (&session);

  stdout_to_pipe (&redirect);
  trace = authflow_trace_new (session.journal, "-", &error);
  g_assert_no_error (error);
  record_event (session.journal, 9);
  authflow_trace_close (trace);
  g_clear_object (&trace);

  /* Still open. */
  g_assert_cmpint (fcntl (STDOUT_FILENO, F_GETFD), !=, -1);
  g_assert_cmpint (write (STDOUT_FILENO, "after\n", 6), ==, 6);
  stdout_restore (&redirect);

  text = read_all (redirect.read_fd);
  close (redirect.read_fd);
  g_assert_true (g_str_has_suffix (text, "\nafter\n"));
  text[strlen (text) - strlen ("after\n")] = '\0';
  assert_trace (text, &session, 1, session.n_entries + 1);
}

/* A reader that went away (`authflow --trace - | head -1`): a warning,
 * once, and the app goes on, SIGPIPE or not.
 */
static void
test_trace_closed_pipe (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowTrace) trace = NULL;
  Stdout redirect;
  void (*previous) (int) = signal (SIGPIPE, SIG_DFL);

  stdout_to_pipe (&redirect);
  close (redirect.read_fd);

  record_event (journal, 0);
  g_test_expect_message ("authflow-trace", G_LOG_LEVEL_WARNING,
                         "Stopped writing the trace to standard output: *");
  trace = authflow_trace_new (journal, "-", &error);
  g_assert_no_error (error);
  authflow_test_wait (NULL, 100);
  for (guint i = 0; i < 20; i++)
    record_event (journal, i + 1);
  authflow_trace_close (trace);

  stdout_restore (&redirect);
  signal (SIGPIPE, previous);
  g_test_assert_expected_messages ();
}

static void
test_trace_full_disk (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowTrace) trace = NULL;

  if (access ("/dev/full", W_OK) != 0)
    {
      g_test_skip ("no /dev/full here");
      return;
    }

  record_event (journal, 0);
  g_test_expect_message ("authflow-trace", G_LOG_LEVEL_WARNING,
                         "Stopped writing the trace to /dev/full: *");
  trace = authflow_trace_new (journal, "/dev/full", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 20; i++)
    record_event (journal, i + 1);
  authflow_trace_close (trace);
  g_test_assert_expected_messages ();
}

static void
test_trace_open_error (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowTrace) trace = NULL;

  trace = authflow_trace_new (journal, "/nonexistent/dir/trace.jsonl", &error);
  g_assert_null (trace);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpstr (error->message, ==,
                   "Could not write the trace to “/nonexistent/dir/trace.jsonl”: No such file or directory");
}

/* A reader that stops reading holds up neither the main loop nor memory
 * without bound: past AUTHFLOW_TRACE_MAX_QUEUED, entries are left out,
 * which a warning says once; the sequence numbers show the gap.
 */
static gpointer
drain_thread (gpointer data)
{
  return read_all (GPOINTER_TO_INT (data));
}

static void
test_trace_stalled_reader (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowTrace) trace = NULL;
  g_autofree char *big = g_strnfill (AUTHFLOW_JOURNAL_MAX_BODY_SIZE, 'b');
  g_autofree char *text = NULL;
  guint n = AUTHFLOW_TRACE_MAX_QUEUED / AUTHFLOW_JOURNAL_MAX_BODY_SIZE + 100;
  gint64 start;
  gint64 made;
  GThread *drain;
  Stdout redirect;
  guint lines = 0;

  stdout_to_pipe (&redirect);
  trace = authflow_trace_new (journal, "-", &error);
  g_assert_no_error (error);

  g_test_expect_message ("authflow-trace", G_LOG_LEVEL_WARNING,
                         "The reader of the trace on standard output is more than 16 MiB behind*");
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      JsonObject *details = json_object_new ();

      json_object_set_string_member (details, "text", big);
      authflow_journal_record (journal, AUTHFLOW_JOURNAL_HTTP, "exchange",
                               AUTHFLOW_JOURNAL_STEP_API_CALL, 1000, details, "GET /big → 200 OK");
    }
  made = g_get_monotonic_time () - start;

  /* Nothing is said while standard output is the full pipe: it would
   * wait for the reader that is not there.
   */
  drain = g_thread_new ("drain", drain_thread, GINT_TO_POINTER (redirect.read_fd));
  authflow_trace_close (trace);
  stdout_restore (&redirect);
  text = g_thread_join (drain);
  close (redirect.read_fd);
  g_test_assert_expected_messages ();
  g_test_message ("%u entries made in %" G_GINT64_FORMAT " µs with nobody reading", n, made);

  for (const char *p = text; (p = strchr (p, '\n')) != NULL; p++)
    lines++;
  g_assert_cmpuint (lines, <, n);
  g_assert_cmpuint (lines, >=, AUTHFLOW_TRACE_MAX_QUEUED / (AUTHFLOW_JOURNAL_MAX_BODY_SIZE + 512));
}

/* HAR. */

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    g_error ("“%s” is not an object", name);

  return json_node_get_object (node);
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    g_error ("“%s” is not an array", name);

  return json_node_get_array (node);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    g_error ("“%s” is not a string", name);

  return json_node_get_string (node);
}

static double
member_number (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_INT64 && json_node_get_value_type (node) != G_TYPE_DOUBLE))
    g_error ("“%s” is not a number", name);

  return json_node_get_double (node);
}

static void
assert_name_values (JsonArray *array)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *pair = json_array_get_object_element (array, i);

      member_string (pair, "name");
      member_string (pair, "value");
    }
}

/* What HAR 1.2 requires of an entry, field by field. */
static void
assert_har_entry (JsonObject *entry)
{
  JsonObject *request = member_object (entry, "request");
  JsonObject *response = member_object (entry, "response");
  JsonObject *content = member_object (response, "content");
  JsonObject *timings = member_object (entry, "timings");
  g_autoptr(GDateTime) started = g_date_time_new_from_iso8601 (member_string (entry, "startedDateTime"), NULL);
  const char *phases[] = { "blocked", "dns", "connect", "send", "wait", "receive" };
  double sum = 0;

  g_assert_nonnull (started);
  member_object (entry, "cache");

  member_string (request, "method");
  g_assert_true (g_str_has_prefix (member_string (request, "url"), "http://"));
  member_string (request, "httpVersion");
  g_assert_cmpuint (json_array_get_length (member_array (request, "cookies")), ==, 0);
  assert_name_values (member_array (request, "headers"));
  assert_name_values (member_array (request, "queryString"));
  g_assert_cmpfloat (member_number (request, "headersSize"), ==, -1);
  member_number (request, "bodySize");
  if (json_object_has_member (request, "postData"))
    {
      JsonObject *post = member_object (request, "postData");

      member_string (post, "mimeType");
      member_string (post, "text");
    }

  member_number (response, "status");
  member_string (response, "statusText");
  member_string (response, "httpVersion");
  member_array (response, "cookies");
  assert_name_values (member_array (response, "headers"));
  member_number (content, "size");
  member_string (content, "mimeType");
  member_string (response, "redirectURL");
  g_assert_cmpfloat (member_number (response, "headersSize"), ==, -1);
  member_number (response, "bodySize");

  g_assert_cmpfloat (member_number (timings, "send"), >=, 0);
  g_assert_cmpfloat (member_number (timings, "wait"), >=, 0);
  g_assert_cmpfloat (member_number (timings, "receive"), >=, 0);
  g_assert_cmpfloat (member_number (timings, "ssl"), ==, -1);
  for (guint i = 0; i < G_N_ELEMENTS (phases); i++)
    {
      double phase = member_number (timings, phases[i]);

      g_assert_cmpfloat (phase, >=, -1);
      if (phase >= 0)
        sum += phase;
    }
  g_assert_cmpfloat_with_epsilon (member_number (entry, "time"), sum, 1e-6);

  member_number (entry, "_seq");
}

static void
assert_query (JsonArray          *query,
              const char * const *expected)
{
  guint n = g_strv_length ((char **) expected) / 2;

  g_assert_cmpuint (json_array_get_length (query), ==, n);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *param = json_array_get_object_element (query, i);

      g_assert_cmpstr (member_string (param, "name"), ==, expected[2 * i]);
      g_assert_cmpstr (member_string (param, "value"), ==, expected[2 * i + 1]);
    }
}

static void
test_har_fields (void)
{
  g_auto(Session) session = { NULL };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  JsonObject *log;
  JsonObject *creator;
  JsonArray *entries;
  JsonObject *failed;
  JsonObject *login;
  JsonObject *me;
  JsonObject *retry;
  JsonObject *refresh;
  const char * const me_query[] = { "expand", "profile", "fields", "a b c", "flag", "", NULL };
  const char * const retry_query[] = { "expand", "profile", NULL };

  session_run (&session);
  root = authflow_har_from_journal (session.journal);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  assert_lacks (text, "hunter2");
  assert_lacks (text, session.access);
  assert_lacks (text, session.renewed);
  assert_lacks (text, REFRESH_TOKEN);

  log = member_object (json_node_get_object (root), "log");
  g_assert_cmpstr (member_string (log, "version"), ==, "1.2");
  creator = member_object (log, "creator");
  g_assert_cmpstr (member_string (creator, "name"), ==, "Authflow");
  g_assert_cmpstr (member_string (creator, "version"), ==, PACKAGE_VERSION);
  g_assert_false (json_object_has_member (log, "comment"));

  entries = member_array (log, "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, session.n_exchanges);
  for (guint i = 0; i < json_array_get_length (entries); i++)
    assert_har_entry (json_array_get_object_element (entries, i));

  /* In the order they started: the unreachable PUT first. */
  failed = json_array_get_object_element (entries, 0);
  login = json_array_get_object_element (entries, 1);
  me = json_array_get_object_element (entries, 2);
  refresh = json_array_get_object_element (entries, 3);
  retry = json_array_get_object_element (entries, 4);

  g_assert_cmpstr (member_string (member_object (failed, "request"), "method"), ==, "PUT");
  g_assert_cmpfloat (member_number (member_object (failed, "response"), "status"), ==, 0);
  g_assert_cmpstr (member_string (failed, "_error"), ==, "Could not connect to 127.0.0.1: Connection refused");
  g_assert_false (json_object_has_member (failed, "_call"));
  g_assert_cmpfloat (member_number (failed, "_seq"), ==, 7);

  /* The login: its body, with the password out; the answer, with the
   * tokens as their fingerprints.
   */
  {
    JsonObject *request = member_object (login, "request");
    JsonObject *post = member_object (request, "postData");
    JsonObject *response = member_object (login, "response");
    JsonObject *content = member_object (response, "content");
    JsonObject *timings = member_object (login, "timings");
    g_autofree char *access_fp = authflow_journal_fingerprint (session.access);

    g_assert_cmpstr (member_string (login, "_call"), ==, "login");
    g_assert_false (json_object_get_boolean_member (login, "_retry"));
    g_assert_false (json_object_has_member (login, "_error"));
    g_assert_cmpfloat (member_number (login, "_seq"), ==, 2);
    g_assert_cmpstr (member_string (request, "url"), ==, "http://127.0.0.1:8080/auth/login");
    g_assert_cmpuint (json_array_get_length (member_array (request, "queryString")), ==, 0);
    g_assert_cmpstr (member_string (post, "mimeType"), ==, "application/json");
    g_assert_nonnull (strstr (member_string (post, "text"), "\"password\":\"[redacted]\""));
    g_assert_cmpfloat (member_number (request, "bodySize"), >, 0);
    g_assert_cmpfloat (member_number (response, "status"), ==, 200);
    g_assert_cmpstr (member_string (response, "statusText"), ==, "OK");
    g_assert_cmpstr (member_string (content, "mimeType"), ==, "application/json; charset=utf-8");
    g_assert_nonnull (strstr (member_string (content, "text"), access_fp));
    g_assert_cmpfloat (member_number (content, "size"), ==, member_number (response, "bodySize"));
    g_assert_cmpfloat_with_epsilon (member_number (timings, "connect"), 0.4, 1e-9);
    g_assert_cmpfloat_with_epsilon (member_number (timings, "wait"), 2.1, 1e-9);
    g_assert_cmpfloat_with_epsilon (member_number (timings, "receive"), 0.4, 1e-9);
    g_assert_cmpfloat_with_epsilon (member_number (login, "time"), 2.9, 1e-9);
  }

  /* The GET: no body, its query parsed; a reused connection. */
  {
    JsonObject *request = member_object (me, "request");
    JsonObject *timings = member_object (me, "timings");

    g_assert_false (json_object_has_member (request, "postData"));
    g_assert_cmpfloat (member_number (request, "bodySize"), ==, 0);
    assert_query (member_array (request, "queryString"), me_query);
    g_assert_cmpfloat (member_number (member_object (me, "response"), "status"), ==, 401);
    g_assert_cmpfloat (member_number (timings, "connect"), ==, -1);
    g_assert_cmpfloat_with_epsilon (member_number (me, "time"), 0.9, 1e-9);
  }

  g_assert_cmpstr (member_string (refresh, "_call"), ==, "refresh");
  g_assert_cmpstr (member_string (retry, "_call"), ==, "me");
  g_assert_true (json_object_get_boolean_member (retry, "_retry"));
  assert_query (member_array (member_object (retry, "request"), "queryString"), retry_query);
}

static void
test_har_write (void)
{
  g_auto(Session) session = { NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("authflow-har-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "exchanges.har", NULL);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GDir) listing = NULL;
  GStatBuf st;
  JsonObject *log;

  g_assert_no_error (error);
  session_run (&session);

  /* Over an earlier file, whole. */
  g_file_set_contents_full (path, "{}", -1, G_FILE_SET_CONTENTS_NONE, 0644, &error);
  g_assert_no_error (error);
  g_assert_true (authflow_har_write (session.journal, path, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  text = read_text (path);
  root = authflow_json_parse (text, -1, &error);
  g_assert_no_error (error);
  log = member_object (json_node_get_object (root), "log");
  g_assert_cmpuint (json_array_get_length (member_array (log, "entries")), ==, session.n_exchanges);

  /* Nothing left beside it. */
  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "exchanges.har");
  g_assert_null (g_dir_read_name (listing));

  authflow_test_remove_tree (dir);
}

static void
test_har_write_error (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (authflow_har_write (journal, "/nonexistent/dir/exchanges.har", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpstr (error->message, ==,
                   "Could not write the HAR file “/nonexistent/dir/exchanges.har”: No such file or directory");
}

/* A body cut or not kept as text says so, for a person and a program. */
static void
test_har_bodies (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autofree char *large = g_strnfill (AUTHFLOW_JOURNAL_MAX_BODY_SIZE + 1000, 'l');
  g_autofree char *large_json = g_strdup_printf ("[\"%s\"]", large);
  static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
  const Exchange cut = {
    .call = "me", .method = "GET", .url = "http://127.0.0.1:8080/auth/me",
    .request_headers = { NULL },
    .status = 200, .status_text = "OK",
    .response_headers = { "Content-Type", "application/json", "Location", "/elsewhere", NULL },
    .response_type = "application/json", .response_body = large_json,
    .connect_ms = 0.2, .first_byte_ms = 0.5, .total_ms = 0.9,
  };
  const Exchange image = {
    .method = "GET", .url = "http://127.0.0.1:8080/icon/emilys/128",
    .request_headers = { NULL },
    .status = 200, .status_text = "OK",
    .response_headers = { "Content-Type", "image/png", NULL },
    .response_type = "image/png", .response_body = png, .response_size = sizeof png - 1,
    .connect_ms = 0, .first_byte_ms = 0.3, .total_ms = 0.4,
  };
  g_autoptr(JsonNode) root = NULL;
  JsonArray *entries;
  JsonObject *response;
  JsonObject *content;

  record_exchange (journal, &cut, NULL, NULL);
  record_exchange (journal, &image, NULL, NULL);

  root = authflow_har_from_journal (journal);
  entries = member_array (member_object (json_node_get_object (root), "log"), "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);

  response = member_object (json_array_get_object_element (entries, 0), "response");
  content = member_object (response, "content");
  g_assert_cmpstr (member_string (response, "redirectURL"), ==, "/elsewhere");
  g_assert_cmpfloat (member_number (content, "size"), ==, strlen (large_json));
  g_assert_cmpfloat (member_number (response, "bodySize"), ==, strlen (large_json));
  g_assert_cmpuint (strlen (member_string (content, "text")), ==, AUTHFLOW_JOURNAL_MAX_BODY_SIZE);
  g_assert_cmpfloat (member_number (content, "_truncated"), ==, strlen (large_json) - AUTHFLOW_JOURNAL_MAX_BODY_SIZE);
  g_assert_nonnull (strstr (member_string (content, "comment"), "the first 16384 are kept"));

  response = member_object (json_array_get_object_element (entries, 1), "response");
  content = member_object (response, "content");
  g_assert_cmpstr (member_string (content, "mimeType"), ==, "image/png");
  g_assert_cmpfloat (member_number (content, "size"), ==, sizeof png - 1);
  g_assert_false (json_object_has_member (content, "text"));
  g_assert_true (json_object_get_boolean_member (content, "_binary"));
}

/* Entries the journal let go are said. */
static void
test_har_dropped (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autoptr(JsonNode) root = NULL;
  JsonObject *log;

  for (guint i = 0; i < AUTHFLOW_JOURNAL_MAX_ENTRIES + 3; i++)
    record_event (journal, i);
  root = authflow_har_from_journal (journal);
  log = member_object (json_node_get_object (root), "log");
  g_assert_cmpuint (json_array_get_length (member_array (log, "entries")), ==, 0);
  g_assert_cmpfloat (member_number (log, "_dropped"), ==, 3);
  g_assert_nonnull (strstr (member_string (log, "comment"), "3 oldest entries"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/journal/fingerprint/stable", test_fingerprint_stable);
  g_test_add_func ("/journal/fingerprint/distinct", test_fingerprint_distinct);
  g_test_add_func ("/journal/fingerprint/lead", test_fingerprint_lead);
  g_test_add_func ("/journal/describe-token", test_describe_token);
  g_test_add_func ("/journal/classify-name", test_classify_name);
  g_test_add_func ("/journal/body/by-name", test_body_by_name);
  g_test_add_func ("/journal/body/numbers-by-name", test_body_numbers_by_name);
  g_test_add_func ("/journal/body/form", test_body_form);
  g_test_add_func ("/journal/body/form-by-value", test_body_form_by_value);
  g_test_add_func ("/journal/body/by-value", test_body_by_value);
  g_test_add_func ("/journal/body/cut", test_body_cut);
  g_test_add_func ("/journal/body/binary", test_body_binary);
  g_test_add_func ("/journal/body/large", test_body_large);
  g_test_add_func ("/journal/redact-json", test_redact_json);
  g_test_add_func ("/journal/redact-text", test_redact_text);
  g_test_add_func ("/journal/bounded", test_journal_bounded);
  g_test_add_func ("/journal/bounded-bytes", test_journal_bounded_bytes);
  g_test_add_func ("/journal/entry-added", test_journal_entry_added);
  g_test_add_func ("/journal/line", test_journal_line);
  g_test_add_func ("/trace/file", test_trace_file);
  g_test_add_func ("/trace/existing", test_trace_existing);
  g_test_add_func ("/trace/tail", test_trace_tail);
  g_test_add_func ("/trace/stdout", test_trace_stdout);
  g_test_add_func ("/trace/closed-pipe", test_trace_closed_pipe);
  g_test_add_func ("/trace/full-disk", test_trace_full_disk);
  g_test_add_func ("/trace/open-error", test_trace_open_error);
  g_test_add_func ("/trace/stalled-reader", test_trace_stalled_reader);
  g_test_add_func ("/har/fields", test_har_fields);
  g_test_add_func ("/har/write", test_har_write);
  g_test_add_func ("/har/write-error", test_har_write_error);
  g_test_add_func ("/har/bodies", test_har_bodies);
  g_test_add_func ("/har/dropped", test_har_dropped);

  return g_test_run ();
}
