// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "authflow-json.h"
#include "authflow-jwt.h"
#include "authflow-profile.h"
#include "authflow-session.h"

/* The one guarded JSON parse that everything Authflow reads goes through.
 * json-glib's parser recurses once per level: some 60,000 levels (120 KB,
 * well within the client's 1 MiB answer cap) overflow the main thread's
 * stack. Each test below crashed the test program before the guard.
 */

#define DEEP 60000

/* @n levels of @open, a value, and as many of @close. */
static char *
nested (const char *prefix,
        const char *open,
        const char *close,
        guint       n,
        const char *suffix)
{
  GString *text = g_string_new (prefix);

  for (guint i = 0; i < n; i++)
    g_string_append (text, open);
  g_string_append (text, "1");
  for (guint i = 0; i < n; i++)
    g_string_append (text, close);
  g_string_append (text, suffix);

  return g_string_free (text, FALSE);
}

static void
test_limit (void)
{
  g_autofree char *at_limit = nested ("", "[", "]", AUTHFLOW_JSON_MAX_DEPTH, "");
  g_autofree char *over = nested ("", "[", "]", AUTHFLOW_JSON_MAX_DEPTH + 1, "");
  g_autofree char *objects = nested ("", "{\"a\":", "}", AUTHFLOW_JSON_MAX_DEPTH + 1, "");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  node = authflow_json_parse (at_limit, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_clear_pointer (&node, json_node_unref);

  node = authflow_json_parse (over, -1, &error);
  g_assert_null (node);
  g_assert_error (error, AUTHFLOW_JSON_ERROR, AUTHFLOW_JSON_ERROR_TOO_DEEP);
  g_assert_cmpstr (error->message, ==, "nested more than 256 levels deep");
  g_clear_error (&error);

  node = authflow_json_parse (objects, -1, &error);
  g_assert_null (node);
  g_assert_error (error, AUTHFLOW_JSON_ERROR, AUTHFLOW_JSON_ERROR_TOO_DEEP);
}

/* Wide is not deep: many closed arrays side by side are fine. */
static void
test_wide (void)
{
  GString *text = g_string_new ("[");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < DEEP; i++)
    g_string_append (text, i == 0 ? "[[1]]" : ",[[1]]");
  g_string_append (text, "]");

  node = authflow_json_parse (text->str, text->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, DEEP);
  g_string_free (text, TRUE);
}

/* Brackets in strings are text, and json-glib's own ways of hiding a
 * bracket from a naive count (single-quoted strings, which take no escape,
 * and C comments) are read as json-glib reads them.
 */
static void
test_strings_and_comments (void)
{
  struct {
    const char *prefix;
    const char *suffix;
  } hiding[] = {
    { "{\"s\": \"[[[[\\\"[[\", \"deep\": ", "}" },
    { "{'s': '\\', \"deep\": ", "}" },
    { "{'s': '\"', \"deep\": ", "}" },
    { "/* \" */ {\"deep\": ", "}" },
    { "{\"deep\": /* ] ] ] */ ", "}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (hiding); i++)
    {
      g_autofree char *shallow = nested (hiding[i].prefix, "[", "]", 10, hiding[i].suffix);
      g_autofree char *deep = nested (hiding[i].prefix, "[", "]", DEEP, hiding[i].suffix);
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("hiding: %s", hiding[i].prefix);
      node = authflow_json_parse (shallow, -1, &error);
      g_assert_no_error (error);
      g_assert_nonnull (node);
      g_clear_pointer (&node, json_node_unref);

      node = authflow_json_parse (deep, -1, &error);
      g_assert_error (error, AUTHFLOW_JSON_ERROR, AUTHFLOW_JSON_ERROR_TOO_DEEP);
      g_assert_null (node);
    }
}

static void
test_empty_and_invalid (void)
{
  const char *empty[] = { "", "  \n\t" };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (empty); i++)
    {
      g_assert_null (authflow_json_parse (empty[i], -1, &error));
      g_assert_error (error, AUTHFLOW_JSON_ERROR, AUTHFLOW_JSON_ERROR_EMPTY);
      g_clear_error (&error);
    }

  g_assert_null (authflow_json_parse ("{\"a\": ", -1, &error));
  g_assert_error (error, AUTHFLOW_JSON_ERROR, AUTHFLOW_JSON_ERROR_INVALID);
}

/* Each reader of JSON refuses a deep text with its own clear message. */
static void
test_readers (void)
{
  g_autofree char *deep = nested ("{\"version\": 1, \"accessToken\": \"a\", \"user\": ", "[", "]", DEEP, "}");
  g_autofree char *deep_profile = nested ("{\"id\": \"x\", \"name\": ", "[", "]", DEEP, "}");
  g_autofree char *claims = nested ("{\"exp\": ", "[", "]", DEEP, "}");
  g_autofree char *payload = g_base64_encode ((const guchar *) claims, strlen (claims));
  g_autofree char *jwt = NULL;
  g_autoptr(AuthflowSession) session = authflow_session_new ();
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(JsonObject) decoded = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (authflow_session_restore (session, deep, &error));
  g_assert_error (error, AUTHFLOW_SESSION_ERROR, AUTHFLOW_SESSION_ERROR_CORRUPT);
  g_assert_cmpstr (error->message, ==, "The stored session is nested more than 256 levels deep");
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_RESTORING);
  g_clear_error (&error);

  profile = authflow_profile_new_from_string (deep_profile, "deep.json", &error);
  g_assert_null (profile);
  g_assert_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "deep.json: not valid JSON: nested more than 256 levels deep");
  g_clear_error (&error);

  /* base64 is close enough to base64url for the decoder to read it, bar
   * the characters it maps; make them url-safe.
   */
  g_strdelimit (payload, "+", '-');
  g_strdelimit (payload, "/", '_');
  g_strdelimit (payload, "=", '\0');
  jwt = g_strconcat ("eyJhbGciOiJIUzI1NiJ9.", payload, ".c2ln", NULL);
  decoded = authflow_jwt_decode_claims (jwt, &error);
  g_assert_null (decoded);
  g_assert_error (error, AUTHFLOW_JWT_ERROR, AUTHFLOW_JWT_ERROR_MALFORMED);
}

/* A stored item larger than Authflow ever writes is refused unread. */
static void
test_stored_size (void)
{
  g_autoptr(AuthflowSession) session = authflow_session_new ();
  g_autoptr(GError) error = NULL;
  GString *item = g_string_new ("{\"version\": 1, \"accessToken\": \"a\", \"user\": {\"bio\": \"");
  g_autoptr(JsonNode) node = NULL;

  while (item->len < AUTHFLOW_SESSION_MAX_STORED_SIZE)
    g_string_append (item, "xxxxxxxxxxxxxxxx");
  g_string_append (item, "\"}}");

  node = authflow_session_parse_stored (item->str, &error);
  g_assert_null (node);
  g_assert_error (error, AUTHFLOW_SESSION_ERROR, AUTHFLOW_SESSION_ERROR_CORRUPT);
  g_assert_cmpstr (error->message, ==,
                   "The stored session is larger than 2097152 bytes, more than Authflow writes");
  g_clear_error (&error);

  /* One that fits is read, however long its one field. */
  g_string_truncate (item, AUTHFLOW_SESSION_MAX_STORED_SIZE - 1024);
  g_string_append (item, "\"}}");
  g_assert_true (authflow_session_restore (session, item->str, &error));
  g_assert_no_error (error);
  g_string_free (item, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/limit", test_limit);
  g_test_add_func ("/json/wide", test_wide);
  g_test_add_func ("/json/strings-and-comments", test_strings_and_comments);
  g_test_add_func ("/json/empty-and-invalid", test_empty_and_invalid);
  g_test_add_func ("/json/readers", test_readers);
  g_test_add_func ("/json/stored-size", test_stored_size);

  return g_test_run ();
}
