// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "authflow-journal.h"
#include "authflow-test-utils.h"
#include "authflow-trace-reader.h"

/* A saved trace read back, as the Flow Inspector's Open Trace… does: the
 * lines the journal wrote come back as the entries they were, and every
 * other line, however hostile, is skipped and counted, with what was
 * wrong with the first one.
 */

#define TIMEOUT_MS 10000

static AuthflowJournalEntry *
record (AuthflowJournal *journal)
{
  JsonObject *details = json_object_new ();
  JsonObject *response = json_object_new ();

  json_object_set_string_member (details, "call", "login");
  json_object_set_int_member (response, "status", 200);
  json_object_set_object_member (details, "response", response);

  return authflow_journal_record (journal, AUTHFLOW_JOURNAL_HTTP, "exchange", AUTHFLOW_JOURNAL_STEP_API_CALL,
                                  12345, details, "POST /auth/login → %d OK", 200);
}

static void
test_round_trip (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  AuthflowJournalEntry *written;
  g_autoptr(AuthflowJournalEntry) read = NULL;
  g_autofree char *line = NULL;
  g_autofree char *again = NULL;
  g_autoptr(GError) error = NULL;

  authflow_journal_set_clock_offset (journal, TRUE, 1500 * 1000);
  written = record (journal);
  line = authflow_journal_entry_to_line (written);

  read = authflow_trace_parse_line (line, strlen (line) - 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (authflow_journal_entry_get_sequence (read), ==, 1);
  g_assert_cmpint (authflow_journal_entry_get_kind (read), ==, AUTHFLOW_JOURNAL_HTTP);
  g_assert_cmpstr (authflow_journal_entry_get_event (read), ==, "exchange");
  g_assert_cmpint (authflow_journal_entry_get_step (read), ==, AUTHFLOW_JOURNAL_STEP_API_CALL);
  g_assert_cmpstr (authflow_journal_entry_get_summary (read), ==, "POST /auth/login → 200 OK");
  g_assert_cmpint (authflow_journal_entry_get_duration (read), ==, 12345);
  g_assert_cmpint (authflow_journal_entry_get_monotonic (read), ==, authflow_journal_entry_get_monotonic (written));
  g_assert_cmpint (g_date_time_to_unix (authflow_journal_entry_get_time (read)), ==,
                   g_date_time_to_unix (authflow_journal_entry_get_time (written)));
  g_assert_nonnull (authflow_journal_entry_get_server_time (read));
  g_assert_cmpstr (json_object_get_string_member (authflow_journal_entry_get_details (read), "call"), ==, "login");

  /* Written again, it is the same line. */
  again = authflow_journal_entry_to_line (read);
  g_assert_cmpstr (again, ==, line);
}

static void
assert_refused (const char *line,
                const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowJournalEntry) entry = authflow_trace_parse_line (line, -1, &error);

  g_assert_null (entry);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==, message);
}

#define GOOD_TIME "\"time\":\"2026-01-02T03:04:05.678+01:00\""

static void
test_hostile_lines (void)
{
  g_autofree char *deep = NULL;

  assert_refused ("not json", "not JSON: <data>:1:3: Parse error: unexpected identifier `not', expected value");
  assert_refused ("{\"summary\": \"\xc3\x28\"}", "not UTF-8 text");
  assert_refused ("[1, 2]", "not a JSON object");
  assert_refused ("\"v\"", "not a JSON object");
  assert_refused ("{}", "“v” is missing or malformed");
  assert_refused ("{\"v\":\"1\"}", "“v” is missing or malformed");
  assert_refused ("{\"v\":2,\"seq\":1}", "schema version 2, which this version of Authflow does not read");
  assert_refused ("{\"v\":1,\"seq\":-3,\"kind\":\"http\",\"event\":\"e\",\"summary\":\"s\"," GOOD_TIME "}",
                  "“seq” is missing or malformed");
  assert_refused ("{\"v\":1,\"seq\":1.5}", "“seq” is missing or malformed");
  assert_refused ("{\"v\":1,\"seq\":1,\"kind\":\"telepathy\",\"event\":\"e\",\"summary\":\"s\"," GOOD_TIME "}",
                  "unknown kind “telepathy”");
  assert_refused ("{\"v\":1,\"seq\":1,\"kind\":\"http\",\"summary\":\"s\"," GOOD_TIME "}",
                  "“event” is missing or malformed");
  assert_refused ("{\"v\":1,\"seq\":1,\"kind\":\"http\",\"event\":{},\"summary\":\"s\"," GOOD_TIME "}",
                  "“event” is missing or malformed");
  assert_refused ("{\"v\":1,\"seq\":1,\"kind\":\"http\",\"event\":\"e\",\"summary\":null," GOOD_TIME "}",
                  "“summary” is missing or malformed");
  assert_refused ("{\"v\":1,\"seq\":1,\"kind\":\"http\",\"event\":\"e\",\"summary\":\"s\",\"time\":\"yesterday\"}",
                  "“time” is missing or malformed");
  assert_refused ("{\"v\":1,\"seq\":1,\"kind\":\"http\",\"event\":\"e\",\"summary\":\"s\"," GOOD_TIME
                  ",\"serverTime\":42}", "“serverTime” is missing or malformed");
  assert_refused ("{\"v\":1,\"seq\":1,\"kind\":\"http\",\"event\":\"e\",\"summary\":\"s\"," GOOD_TIME
                  ",\"durationMs\":-1}", "“durationMs” is missing or malformed");
  assert_refused ("{\"v\":1,\"seq\":1,\"kind\":\"http\",\"event\":\"e\",\"summary\":\"s\"," GOOD_TIME
                  ",\"durationMs\":1e300}", "“durationMs” is missing or malformed");
  assert_refused ("{\"v\":1,\"seq\":1,\"kind\":\"http\",\"event\":\"e\",\"summary\":\"s\"," GOOD_TIME
                  ",\"details\":[]}", "“details” is missing or malformed");

  /* Nesting that would overflow json-glib's parser never reaches it. */
  deep = g_strnfill (100000, '[');
  assert_refused (deep, "not JSON: nested more than 256 levels deep");
}

static void
test_lenient (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowJournalEntry) entry = NULL;

  /* Members it does not know are ignored, as the schema says; so is a step
   * it does not know, and the details and duration may be left out.
   */
  entry = authflow_trace_parse_line ("{\"v\":1,\"seq\":7,\"kind\":\"keyring\",\"event\":\"load\","
                                     "\"step\":\"Teleport\",\"summary\":\"s\"," GOOD_TIME ",\"future\":[1,2]}",
                                     -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (authflow_journal_entry_get_kind (entry), ==, AUTHFLOW_JOURNAL_KEYRING);
  g_assert_cmpint (authflow_journal_entry_get_step (entry), ==, AUTHFLOW_JOURNAL_STEP_NONE);
  g_assert_cmpint (authflow_journal_entry_get_duration (entry), ==, -1);
  g_assert_cmpuint (json_object_get_size (authflow_journal_entry_get_details (entry)), ==, 0);
  g_assert_null (authflow_journal_entry_get_server_time (entry));
}

static void
test_read_data (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *data = NULL;
  g_autoptr(AuthflowTraceReading) reading = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowJournalEntry) entry = NULL;

  first = authflow_journal_entry_to_line (record (journal));
  second = authflow_journal_entry_to_line (record (journal));
  g_strchomp (second);

  /* CR LF line ends, blank lines, garbage, and a last line without its
   * newline: two entries, three lines skipped, the first one said.
   */
  data = g_strconcat ("\n", first, "\xff\xfe not text\r\n", "   \r\n", "{\"v\":1}\n", "[]\n",
                      second, NULL);
  reading = authflow_trace_read_data (data, strlen (data), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (authflow_trace_reading_get_entries (reading)), ==, 2);
  g_assert_cmpuint (authflow_trace_reading_get_skipped (reading), ==, 3);
  g_assert_cmpstr (authflow_trace_reading_get_problem (reading), ==, "Line 3: not UTF-8 text");
  entry = g_list_model_get_item (authflow_trace_reading_get_entries (reading), 1);
  g_assert_cmpuint (authflow_journal_entry_get_sequence (entry), ==, 2);
}

static void
test_read_nothing (void)
{
  g_autoptr(AuthflowTraceReading) reading = NULL;
  g_autoptr(GError) error = NULL;

  reading = authflow_trace_read_data ("\n\n  \n", 5, NULL, &error);
  g_assert_null (reading);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==, "The file is empty.");
  g_clear_error (&error);

  reading = authflow_trace_read_data ("{\"har\": true}\nhello\n", 20, NULL, &error);
  g_assert_null (reading);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==,
                   "The file holds no entry of an Authflow trace. Line 1: “v” is missing or malformed");
}

static void
test_read_file (void)
{
  g_autoptr(AuthflowJournal) journal = authflow_journal_new ();
  g_autofree char *dir = g_dir_make_tmp ("authflow-trace-reader-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "trace.jsonl", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.jsonl", NULL);
  g_autoptr(GString) data = g_string_new (NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) missing_file = g_file_new_for_path (missing);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(AuthflowTraceReading) reading = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *line = authflow_journal_entry_to_line (record (journal));

      g_string_append (data, line);
    }
  g_assert_true (g_file_set_contents (path, data->str, data->len, NULL));

  authflow_trace_read_async (file, NULL, authflow_test_got_result_cb, &result);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, result != NULL));
  reading = authflow_trace_read_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (authflow_trace_reading_get_entries (reading)), ==, 3000);
  g_assert_cmpuint (authflow_trace_reading_get_skipped (reading), ==, 0);
  g_assert_null (authflow_trace_reading_get_problem (reading));

  g_clear_object (&result);
  authflow_trace_read_async (missing_file, NULL, authflow_test_got_result_cb, &result);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, result != NULL));
  g_assert_null (authflow_trace_read_finish (result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/trace-reader/round-trip", test_round_trip);
  g_test_add_func ("/trace-reader/hostile-lines", test_hostile_lines);
  g_test_add_func ("/trace-reader/lenient", test_lenient);
  g_test_add_func ("/trace-reader/read-data", test_read_data);
  g_test_add_func ("/trace-reader/read-nothing", test_read_nothing);
  g_test_add_func ("/trace-reader/read-file", test_read_file);

  return g_test_run ();
}
