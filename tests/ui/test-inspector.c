// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "authflow-application.h"
#include "authflow-inspector-links.h"
#include "authflow-inspector-util.h"
#include "authflow-inspector-window.h"
#include "authflow-json.h"
#include "authflow-login-page.h"
#include "authflow-test-utils.h"
#include "authflow-trace-reader.h"
#include "authflow-window.h"

/* The Flow Inspector, in process: what Copy as curl makes of an exchange
 * (run through a real shell), how the entries of a refresh are tied
 * together, and the real window against the real server and keyring: the
 * entries from the start of the run, the filter, an exchange opened and
 * copied, a trace saved and opened again, and a hostile one.
 */

#define TIMEOUT_MS 30000

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = authflow_json_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_object_ref (json_node_get_object (node));
}

/* What the shell makes of @command with the variables set: each word in
 * brackets, curl's own name left out.
 */
static char *
run_in_shell (const char *command)
{
  g_autofree char *script = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
  const char *envp[] = { "PASSWORD=pa ss'word", "ACCESS_TOKEN=the-access-token",
                         "REFRESH_TOKEN=the-refresh-token", "CLIENT_SECRET=shh", NULL };
  int status;

  g_assert_true (g_str_has_prefix (command, "curl ") || strstr (command, "\ncurl ") != NULL);
  script = g_strconcat ("curl () { printf '[%s]' \"$@\"; }\n", command, NULL);
  argv[2] = script;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, (char **) envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  return g_steal_pointer (&out);
}

static void
test_curl_login (void)
{
  g_autoptr(JsonObject) details = parse_object (
    "{\"call\":\"login\",\"retry\":false,\"request\":{\"method\":\"POST\","
    "\"url\":\"http://127.0.0.1:8787/auth/login\",\"httpVersion\":\"HTTP/1.1\","
    "\"headers\":[{\"name\":\"Content-Type\",\"value\":\"application/json\"},"
    "{\"name\":\"Content-Length\",\"value\":\"45\"},{\"name\":\"Host\",\"value\":\"127.0.0.1:8787\"},"
    "{\"name\":\"X-Note\",\"value\":\"it's here\"}],"
    "\"body\":{\"size\":45,\"mimeType\":\"application/json\","
    "\"text\":\"{\\\"username\\\":\\\"emilys\\\",\\\"password\\\":\\\"[redacted]\\\"}\",\"truncated\":false}}}");
  g_autofree char *command = authflow_inspector_curl_command (details, NULL);
  g_autofree char *words = NULL;

  g_assert_cmpstr (command, ==,
                   "curl -X POST 'http://127.0.0.1:8787/auth/login' \\\n"
                   "  -H 'Content-Type: application/json' \\\n"
                   "  -H 'X-Note: it'\\''s here' \\\n"
                   "  --data-raw '{\"username\":\"emilys\",\"password\":\"'\"$PASSWORD\"'\"}'");

  /* The shell reads it back as curl would get it, the password filled in. */
  words = run_in_shell (command);
  g_assert_cmpstr (words, ==,
                   "[-X][POST][http://127.0.0.1:8787/auth/login][-H][Content-Type: application/json]"
                   "[-H][X-Note: it's here][--data-raw][{\"username\":\"emilys\",\"password\":\"pa ss'word\"}]");
}

static void
test_curl_tokens (void)
{
  g_autoptr(JsonObject) me = parse_object (
    "{\"call\":\"me\",\"request\":{\"method\":\"GET\",\"url\":\"http://127.0.0.1:8787/auth/me\","
    "\"headers\":[{\"name\":\"Authorization\",\"value\":\"Bearer eyJh…3f9a2c1b\"}]}}");
  g_autoptr(JsonObject) refresh = parse_object (
    "{\"call\":\"refresh\",\"request\":{\"method\":\"POST\",\"url\":\"http://127.0.0.1:8787/auth/refresh\","
    "\"headers\":[],\"body\":{\"size\":60,\"mimeType\":\"application/json\","
    "\"text\":\"{\\\"refreshToken\\\": \\\"Xho-…b6fc6525\\\", \\\"client_secret\\\": \\\"[redacted]\\\"}\"}}}");
  g_autoptr(JsonObject) form = parse_object (
    "{\"request\":{\"method\":\"POST\",\"url\":\"https://id.example.com/token?x=1\","
    "\"headers\":[],\"body\":{\"size\":60,\"mimeType\":\"application/x-www-form-urlencoded\","
    "\"text\":\"grant_type=refresh_token&refresh_token=abcd…0123abcd&scope=openid\"}}}");
  g_autoptr(JsonObject) empty = parse_object ("{}");
  g_autoptr(GHashTable) fingerprints = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *command = NULL;
  g_autofree char *words = NULL;

  command = authflow_inspector_curl_command (me, NULL);
  g_assert_cmpstr (command, ==,
                   "curl 'http://127.0.0.1:8787/auth/me' \\\n"
                   "  -H 'Authorization: Bearer '\"$ACCESS_TOKEN\"");
  words = run_in_shell (command);
  g_assert_cmpstr (words, ==, "[http://127.0.0.1:8787/auth/me][-H][Authorization: Bearer the-access-token]");
  g_clear_pointer (&command, g_free);
  g_clear_pointer (&words, g_free);

  command = authflow_inspector_curl_command (refresh, NULL);
  words = run_in_shell (command);
  g_assert_cmpstr (words, ==, "[-X][POST][http://127.0.0.1:8787/auth/refresh][--data-raw]"
                              "[{\"refreshToken\": \"the-refresh-token\", \"client_secret\": \"shh\"}]");
  g_clear_pointer (&command, g_free);
  g_clear_pointer (&words, g_free);

  command = authflow_inspector_curl_command (form, NULL);
  words = run_in_shell (command);
  g_assert_cmpstr (words, ==, "[-X][POST][https://id.example.com/token?x=1][--data-raw]"
                              "[grant_type=refresh_token&refresh_token=the-refresh-token&scope=openid]");
  g_clear_pointer (&command, g_free);
  g_clear_pointer (&words, g_free);

  /* What the mapping entries said a fingerprint is wins over its name. */
  g_hash_table_insert (fingerprints, (gpointer) "eyJh…3f9a2c1b", (gpointer) "REFRESH_TOKEN");
  command = authflow_inspector_curl_command (me, fingerprints);
  g_assert_nonnull (strstr (command, "\"$REFRESH_TOKEN\""));
  g_clear_pointer (&command, g_free);

  /* An entry with no request is no command. */
  g_assert_null (authflow_inspector_curl_command (empty, NULL));
}

static void
test_redacted (void)
{
  g_assert_true (authflow_inspector_is_redacted ("[redacted]"));
  g_assert_true (authflow_inspector_is_redacted ("eyJh…3f9a2c1b"));
  g_assert_true (authflow_inspector_is_redacted ("…3f9a2c1b"));
  g_assert_true (authflow_inspector_is_redacted ("Bearer eyJh…3f9a2c1b"));
  g_assert_false (authflow_inspector_is_redacted ("emilys"));
  g_assert_false (authflow_inspector_is_redacted ("eyJh…3f9a"));
  g_assert_false (authflow_inspector_is_redacted ("a b eyJh…3f9a2c1b"));
  g_assert_false (authflow_inspector_is_redacted (NULL));
}

static AuthflowJournalEntry *
entry_new (guint64              seq,
           AuthflowJournalKind  kind,
           const char          *event,
           const char          *details)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(JsonObject) object = parse_object (details);

  return authflow_journal_entry_new (seq, now, NULL, seq, kind, event, AUTHFLOW_JOURNAL_STEP_NONE,
                                     event, -1, object);
}

static void
add (GListStore          *store,
     AuthflowJournalKind  kind,
     const char          *event,
     const char          *details)
{
  g_autoptr(AuthflowJournalEntry) entry =
    entry_new (g_list_model_get_n_items (G_LIST_MODEL (store)) + 1, kind, event, details);

  g_list_store_append (store, entry);
}

static guint64
refresh_of (AuthflowInspectorLinks *links,
            GListStore             *store,
            guint                   seq)
{
  g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (G_LIST_MODEL (store), seq - 1);
  const AuthflowInspectorRefresh *refresh = authflow_inspector_links_get_refresh (links, entry);

  return refresh != NULL ? refresh->seq : 0;
}

#define ME_401 "{\"call\":\"me\",\"retry\":false,\"response\":{\"status\":401}}"
#define ME_200 "{\"call\":\"me\",\"retry\":false,\"response\":{\"status\":200}}"
#define ME_RETRIED "{\"call\":\"me\",\"retry\":true,\"response\":{\"status\":200}}"

static void
count_cb (guint *count)
{
  (*count)++;
}

static void
test_links (void)
{
  g_autoptr(GListStore) store = g_list_store_new (AUTHFLOW_TYPE_JOURNAL_ENTRY);
  g_autoptr(AuthflowInspectorLinks) links = NULL;
  const AuthflowInspectorRefresh *refresh;
  guint changed = 0;

  /* Two calls refused, one refresh, two retries, as the renewal engine
   * tells them; then a call of its own, and a mapping.
   */
  add (store, AUTHFLOW_JOURNAL_HTTP, "exchange", ME_401);                                  /* 1 */
  add (store, AUTHFLOW_JOURNAL_TOKEN, "refresh-started", "{\"trigger\":\"401\",\"call\":\"me\"}");
  add (store, AUTHFLOW_JOURNAL_TOKEN, "waiting", "{\"call\":\"me\",\"waiters\":1}");
  add (store, AUTHFLOW_JOURNAL_HTTP, "exchange", ME_401);                                  /* 4 */
  add (store, AUTHFLOW_JOURNAL_TOKEN, "waiting", "{\"call\":\"me\",\"waiters\":2}");

  links = authflow_inspector_links_new (G_LIST_MODEL (store));
  g_signal_connect_swapped (links, "changed", G_CALLBACK (count_cb), &changed);
  g_assert_cmpuint (refresh_of (links, store, 1), ==, 2);
  g_assert_cmpuint (refresh_of (links, store, 4), ==, 2);
  refresh = authflow_inspector_links_lookup_refresh (links, 2);
  g_assert_nonnull (refresh);
  g_assert_cmpuint (refresh->served, ==, 2);
  g_assert_cmpuint (refresh->refused, ==, 2);
  g_assert_null (refresh->outcome);

  /* As they come. */
  add (store, AUTHFLOW_JOURNAL_HTTP, "exchange", "{\"call\":\"refresh\",\"response\":{\"status\":200}}");
  add (store, AUTHFLOW_JOURNAL_TOKEN, "refresh-finished", "{\"outcome\":\"renewed\",\"waiters\":2}");
  g_assert_cmpuint (changed, ==, 2);
  add (store, AUTHFLOW_JOURNAL_TOKEN, "retry", "{\"call\":\"me\"}");                       /* 8 */
  add (store, AUTHFLOW_JOURNAL_HTTP, "exchange", ME_RETRIED);
  add (store, AUTHFLOW_JOURNAL_TOKEN, "retry", "{\"call\":\"me\"}");
  add (store, AUTHFLOW_JOURNAL_HTTP, "exchange", ME_RETRIED);                               /* 11 */
  add (store, AUTHFLOW_JOURNAL_HTTP, "exchange", ME_200);
  add (store, AUTHFLOW_JOURNAL_MAPPING, "answer",
       "{\"properties\":{\"token\":{\"value\":{\"fingerprint\":\"eyJh…00000001\"}},"
       "\"refreshToken\":{\"value\":{\"fingerprint\":\"Xho-…00000002\"}}}}");
  add (store, AUTHFLOW_JOURNAL_SESSION, "state", "{}");

  for (guint seq = 1; seq <= 11; seq++)
    g_assert_cmpuint (refresh_of (links, store, seq), ==, 2);
  g_assert_cmpuint (refresh_of (links, store, 12), ==, 0);
  g_assert_cmpuint (refresh_of (links, store, 14), ==, 0);
  g_assert_cmpuint (refresh->retries, ==, 2);
  g_assert_cmpuint (refresh->retried, ==, 2);
  g_assert_cmpuint (refresh->finished_seq, ==, 7);
  g_assert_cmpstr (refresh->outcome, ==, "renewed");
  g_assert_cmpstr (g_hash_table_lookup (authflow_inspector_links_get_fingerprints (links), "eyJh…00000001"),
                   ==, "ACCESS_TOKEN");
  g_assert_cmpstr (g_hash_table_lookup (authflow_inspector_links_get_fingerprints (links), "Xho-…00000002"),
                   ==, "REFRESH_TOKEN");

  /* What the journal lets go of, the index lets go of too, in time; the
   * refresh that runs stays.
   */
  add (store, AUTHFLOW_JOURNAL_TOKEN, "refresh-started", "{\"trigger\":\"ahead-of-expiry\"}");  /* 15 */
  for (guint i = 0; i < 300; i++)
    add (store, AUTHFLOW_JOURNAL_SESSION, "state", "{}");
  g_list_store_splice (store, 0, 15, NULL, 0);
  g_assert_nonnull (authflow_inspector_links_lookup_refresh (links, 2));
  g_list_store_splice (store, 0, 250, NULL, 0);
  g_assert_null (authflow_inspector_links_lookup_refresh (links, 2));
  g_assert_nonnull (authflow_inspector_links_lookup_refresh (links, 15));
}

static void
test_errors (void)
{
  static const struct {
    AuthflowJournalKind  kind;
    const char          *event;
    const char          *details;
    gboolean             error;
  } cases[] = {
    { AUTHFLOW_JOURNAL_HTTP, "exchange", ME_200, FALSE },
    { AUTHFLOW_JOURNAL_HTTP, "exchange", ME_401, TRUE },
    { AUTHFLOW_JOURNAL_HTTP, "exchange", "{\"error\":\"Could not connect\"}", TRUE },
    { AUTHFLOW_JOURNAL_TOKEN, "refresh-finished", "{\"outcome\":\"renewed\"}", FALSE },
    { AUTHFLOW_JOURNAL_TOKEN, "refresh-finished", "{\"outcome\":\"refused\"}", TRUE },
    { AUTHFLOW_JOURNAL_TOKEN, "refresh-finished", "{\"outcome\":\"failed\"}", TRUE },
    { AUTHFLOW_JOURNAL_KEYRING, "load", "{\"outcome\":\"ok\"}", FALSE },
    { AUTHFLOW_JOURNAL_KEYRING, "load", "{\"outcome\":\"nothing-stored\"}", FALSE },
    { AUTHFLOW_JOURNAL_KEYRING, "save", "{\"outcome\":\"locked\"}", TRUE },
    { AUTHFLOW_JOURNAL_KEYRING, "save", "{\"outcome\":\"timeout\"}", TRUE },
    { AUTHFLOW_JOURNAL_MAPPING, "answer", "{\"error\":\"no token\"}", TRUE },
    { AUTHFLOW_JOURNAL_CONNECTIVITY, "offline", "{}", TRUE },
    { AUTHFLOW_JOURNAL_CONNECTIVITY, "online", "{}", FALSE },
    /* A saved trace's details may be anything. */
    { AUTHFLOW_JOURNAL_HTTP, "exchange", "{\"response\":{\"status\":\"200\"}}", FALSE },
    { AUTHFLOW_JOURNAL_KEYRING, "load", "{\"outcome\":[]}", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(AuthflowJournalEntry) entry = entry_new (1, cases[i].kind, cases[i].event, cases[i].details);

      if (authflow_inspector_entry_is_error (entry) != cases[i].error)
        g_error ("%s/%s %s: %s an error", authflow_journal_kind_to_string (cases[i].kind), cases[i].event,
                 cases[i].details, cases[i].error ? "not" : "wrongly");
    }
}

/* The real window. */

typedef struct
{
  AuthflowTestServer  *server;
  AuthflowApplication *app;
  AuthflowWindow      *window;
  char                *tmpdir;
} Fixture;

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWindow *found = NULL;
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        {
          found = window;
          n++;
        }
    }

  g_assert_cmpuint (n, <=, 1);

  return found;
}

static guint
n_entries (Fixture *f)
{
  return g_list_model_get_n_items (authflow_journal_get_entries (authflow_application_get_journal (f->app)));
}

/* Until the flow is quiet: no entry for half a second. */
static void
settle_journal (Fixture *f)
{
  guint n;

  do
    {
      n = n_entries (f);
      authflow_test_wait (NULL, 500);
    }
  while (n_entries (f) != n);
}

static AuthflowJournalEntry *
find_entry (GListModel *entries,
            const char *summary_prefix)
{
  for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (entries, i);

      if (g_str_has_prefix (authflow_journal_entry_get_summary (entry), summary_prefix))
        return entry;
    }

  return NULL;
}

static GtkWidget *
find_label (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gpointer
inspector_child (GtkWindow  *inspector,
                 const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (inspector), AUTHFLOW_TYPE_INSPECTOR_WINDOW, name);
}

static void
read_text_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("");
}

static char *
read_clipboard (GtkWidget *widget)
{
  char *text = NULL;

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, read_text_cb, &text);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, text != NULL));

  return text;
}

static void
log_in (Fixture *f)
{
  AuthflowNavigation *navigation = authflow_window_get_navigation (f->window);
  gpointer page = authflow_window_get_page (f->window, "log-in");
  gpointer username = gtk_widget_get_template_child (page, AUTHFLOW_TYPE_LOGIN_PAGE, "username_row");
  gpointer password = gtk_widget_get_template_child (page, AUTHFLOW_TYPE_LOGIN_PAGE, "password_row");

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS,
                                           g_strcmp0 (authflow_navigation_get_page (navigation), "log-in") == 0));
  gtk_editable_set_text (GTK_EDITABLE (username), "emilys");
  gtk_editable_set_text (GTK_EDITABLE (password), "emilyspass");
  g_signal_emit_by_name (password, "entry-activated");
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS,
                                           g_strcmp0 (authflow_navigation_get_page (navigation), "home") == 0));
}

static GtkWindow *
open_inspector (Fixture *f)
{
  GtkWindow *inspector;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "inspector", NULL);
  inspector = find_toplevel (AUTHFLOW_TYPE_INSPECTOR_WINDOW);
  g_assert_nonnull (inspector);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_mapped (GTK_WIDGET (inspector))));

  return inspector;
}

static void
wait_for_result (GAsyncResult **result)
{
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, *result != NULL));
}

static void
body_inspector (Fixture *f)
{
  AuthflowJournal *journal = authflow_application_get_journal (f->app);
  GtkWindow *inspector;
  AuthflowInspectorTimeline *timeline;
  AuthflowInspectorDetails *details;
  GListModel *shown;
  AuthflowJournalEntry *login;
  g_autofree char *curl = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *path = g_build_filename (f->tmpdir, "saved.jsonl", NULL);
  g_autofree char *hostile_path = g_build_filename (f->tmpdir, "hostile.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) hostile = g_file_new_for_path (hostile_path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *deep = NULL;
  g_autofree char *hostile_text = NULL;
  g_autofree char *first_line = NULL;
  g_auto(GStrv) lines = NULL;
  guint n;
  guint http = 0;

  log_in (f);
  settle_journal (f);
  n = n_entries (f);

  /* Opened after the login, it has every entry from the start; opening it
   * adds none, and a second time it is the same window.
   */
  inspector = open_inspector (f);
  g_object_add_weak_pointer (G_OBJECT (inspector), (gpointer *) &inspector);
  g_assert_cmpstr (gtk_window_get_title (inspector), ==, "Flow Inspector");
  g_assert_null (gtk_window_get_transient_for (inspector));
  g_assert_true (open_inspector (f) == inspector);
  timeline = authflow_inspector_window_get_timeline (AUTHFLOW_INSPECTOR_WINDOW (inspector));
  shown = authflow_inspector_timeline_get_shown (timeline);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, n);
  g_assert_cmpuint (n_entries (f), ==, n);
  {
    g_autoptr(AuthflowJournalEntry) first = g_list_model_get_item (shown, 0);

    g_assert_cmpuint (authflow_journal_entry_get_sequence (first), ==, 1);
  }
  g_assert_nonnull (find_entry (shown, "POST /auth/login → 200"));
  g_assert_nonnull (find_entry (shown, "login answer → "));

  /* The HTTP filter keeps the exchanges only. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (authflow_journal_get_entries (journal), i);

      http += authflow_journal_entry_get_kind (entry) == AUTHFLOW_JOURNAL_HTTP;
    }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "filter.http", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, http);
  for (guint i = 0; i < http; i++)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (shown, i);

      g_assert_cmpint (authflow_journal_entry_get_kind (entry), ==, AUTHFLOW_JOURNAL_HTTP);
    }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.show-everything", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, n);

  /* The login exchange, opened: its status, the password as the journal
   * kept it, and Copy as curl with a variable in the password's place.
   */
  login = find_entry (shown, "POST /auth/login → 200");
  authflow_inspector_timeline_open (timeline, login);
  details = authflow_inspector_timeline_get_details (timeline);
  g_assert_true (authflow_inspector_details_get_entry (details) == login);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, find_label (GTK_WIDGET (details), "200 OK") != NULL));
  g_assert_nonnull (find_label (GTK_WIDGET (details), "\"[redacted]\""));
  curl = authflow_inspector_details_dup_curl (details);
  g_assert_nonnull (strstr (curl, "\"$PASSWORD\""));
  g_assert_null (strstr (curl, "emilyspass"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (details), "details.copy-curl", NULL));
  copied = read_clipboard (GTK_WIDGET (details));
  g_assert_cmpstr (copied, ==, curl);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, find_label (GTK_WIDGET (inspector), "Copied as curl")));

  /* Saved as a trace: a line for each entry, as --trace writes them. */
  authflow_inspector_window_save_trace_async (AUTHFLOW_INSPECTOR_WINDOW (inspector), file, NULL,
                                              authflow_test_got_result_cb, &result);
  wait_for_result (&result);
  g_assert_cmpuint (authflow_inspector_window_save_trace_finish (AUTHFLOW_INSPECTOR_WINDOW (inspector), result, &error),
                    ==, n);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  lines = g_strsplit (saved, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, n + 1);
  {
    g_autoptr(AuthflowJournalEntry) first = g_list_model_get_item (authflow_journal_get_entries (journal), 0);

    first_line = authflow_journal_entry_to_line (first);
    g_assert_true (g_str_has_prefix (saved, first_line));
  }
  /* The run's secrets are nowhere in it: the password, and the tokens the
   * session holds.
   */
  {
    AuthflowSession *session = authflow_flow_get_session (authflow_application_get_flow (f->app));

    g_assert_nonnull (authflow_session_get_access_token (session));
    g_assert_nonnull (authflow_session_get_refresh_token (session));
    g_assert_null (strstr (saved, "emilyspass"));
    g_assert_null (strstr (saved, authflow_session_get_access_token (session)));
    g_assert_null (strstr (saved, authflow_session_get_refresh_token (session)));
  }

  /* Opened again: read only, instead of the live journal, with a banner
   * and a way back.
   */
  authflow_inspector_window_open_trace_async (AUTHFLOW_INSPECTOR_WINDOW (inspector), file, NULL,
                                              authflow_test_got_result_cb, &result);
  wait_for_result (&result);
  g_assert_true (authflow_inspector_window_open_trace_finish (AUTHFLOW_INSPECTOR_WINDOW (inspector), result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_false (authflow_inspector_window_get_live (AUTHFLOW_INSPECTOR_WINDOW (inspector)));
  g_assert_true (gtk_revealer_get_reveal_child (inspector_child (inspector, "banner_revealer")));
  g_assert_cmpstr (gtk_label_get_text (inspector_child (inspector, "banner_title")), ==, "Viewing a saved trace");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, n);
  g_assert_null (authflow_inspector_timeline_get_open (timeline));

  /* A hostile file: what is no entry is skipped, and said. */
  deep = g_strnfill (50000, '{');
  hostile_text = g_strconcat (first_line, "garbage\n", "[1,2,3]\n", deep, "\n",
                              "{\"v\":99,\"seq\":1}\n", NULL);
  g_assert_true (g_file_set_contents (hostile_path, hostile_text, -1, NULL));
  authflow_inspector_window_open_trace_async (AUTHFLOW_INSPECTOR_WINDOW (inspector), hostile, NULL,
                                              authflow_test_got_result_cb, &result);
  wait_for_result (&result);
  g_assert_true (authflow_inspector_window_open_trace_finish (AUTHFLOW_INSPECTOR_WINDOW (inspector), result, &error));
  g_clear_object (&result);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  g_assert_cmpstr (gtk_label_get_text (inspector_child (inspector, "banner_label")), ==,
                   "hostile.jsonl: 1 entry, read only. 4 lines could not be read and were skipped "
                   "(the first: Line 2: not JSON: <data>:1:7: Parse error: unexpected identifier `garbage', "
                   "expected value).");

  /* Back to live, with what came meanwhile. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (inspector), "inspector.show-live", NULL));
  g_assert_true (authflow_inspector_window_get_live (AUTHFLOW_INSPECTOR_WINDOW (inspector)));
  g_assert_false (gtk_revealer_get_reveal_child (inspector_child (inspector, "banner_revealer")));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, n_entries (f));

  /* Live, it follows the journal. */
  authflow_journal_record (journal, AUTHFLOW_JOURNAL_SESSION, "state", AUTHFLOW_JOURNAL_STEP_NONE, -1, NULL,
                           "A test entry");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, n_entries (f));
  g_assert_nonnull (find_entry (shown, "A test entry"));

  /* Escape closes it, and the flow never knew. */
  n = n_entries (f);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (inspector), "inspector.back-or-close", NULL));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, inspector == NULL));
  g_assert_cmpuint (n_entries (f), ==, n);
}

static void
body_narrow (Fixture *f)
{
  GtkWindow *inspector;
  AuthflowInspectorTimeline *timeline;
  GListModel *shown;
  AdwLeaflet *leaflet;

  log_in (f);
  inspector = open_inspector (f);
  g_object_add_weak_pointer (G_OBJECT (inspector), (gpointer *) &inspector);
  gtk_window_set_default_size (inspector, 360, 640);
  timeline = authflow_inspector_window_get_timeline (AUTHFLOW_INSPECTOR_WINDOW (inspector));
  leaflet = ADW_LEAFLET (gtk_widget_get_template_child (GTK_WIDGET (timeline), AUTHFLOW_TYPE_INSPECTOR_TIMELINE, "leaflet"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, adw_leaflet_get_folded (leaflet)));
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "list");

  /* An entry opens over the list; Escape goes back to it, then closes. */
  shown = authflow_inspector_timeline_get_shown (timeline);
  authflow_inspector_timeline_open (timeline, find_entry (shown, "POST /auth/login → 200"));
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "details");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (timeline),
                                                                                     AUTHFLOW_TYPE_INSPECTOR_TIMELINE,
                                                                                     "back_button"))));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (inspector), "inspector.back-or-close", NULL));
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "list");
  g_assert_nonnull (inspector);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (inspector), "inspector.back-or-close", NULL));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, inspector == NULL));
}

/* The Timeline comes first and the application's pages follow it, in the
 * switcher; a page added later sits beside them.
 */
static void
body_pages (Fixture *f)
{
  GtkWindow *inspector = open_inspector (f);
  AdwViewSwitcherTitle *title = ADW_VIEW_SWITCHER_TITLE (inspector_child (inspector, "switcher_title"));
  AdwViewStack *stack = ADW_VIEW_STACK (inspector_child (inspector, "view_stack"));
  g_autoptr(GtkSelectionModel) pages = adw_view_stack_get_pages (stack);
  const char *names[] = { "timeline", "tokens", "mapping", "keyring", "faults" };
  GtkWidget *page = gtk_label_new ("More");
  AdwViewStackPage *stack_page;

  g_assert_true (adw_view_switcher_title_get_view_switcher_enabled (title));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pages)), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(AdwViewStackPage) item = g_list_model_get_item (G_LIST_MODEL (pages), i);

      g_assert_cmpstr (adw_view_stack_page_get_name (item), ==, names[i]);
      g_assert_nonnull (adw_view_stack_page_get_title (item));
      g_assert_nonnull (adw_view_stack_page_get_icon_name (item));
    }
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "timeline");

  authflow_inspector_window_add_page (AUTHFLOW_INSPECTOR_WINDOW (inspector), page, "more", "More",
                                      "view-more-symbolic");
  stack_page = adw_view_stack_get_page (stack, page);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pages)), ==, G_N_ELEMENTS (names) + 1);
  g_assert_cmpstr (adw_view_stack_page_get_name (stack_page), ==, "more");
  g_assert_cmpstr (adw_view_stack_page_get_title (stack_page), ==, "More");
  g_assert_cmpstr (adw_view_stack_page_get_icon_name (stack_page), ==, "view-more-symbolic");

  /* Escape on another page closes the window: there is no entry to leave. */
  adw_view_stack_set_visible_child (stack, page);
  g_object_add_weak_pointer (G_OBJECT (inspector), (gpointer *) &inspector);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (inspector), "inspector.back-or-close", NULL));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, inspector == NULL));
}

/* The Inspector left open when the app quits goes with it. */
static void
body_quit_with_inspector (Fixture *f)
{
  open_inspector (f);
}

typedef void (*Body) (Fixture *f);

static void
activate_cb (GApplication *app,
             Fixture      *f)
{
  Body body = g_object_get_data (G_OBJECT (app), "body");

  f->window = AUTHFLOW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_mapped (GTK_WIDGET (f->window))));

  body (f);

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
}

static void
run_app (Fixture *f,
         Body     body)
{
  f->app = authflow_application_new (G_APPLICATION_NON_UNIQUE);
  g_object_set (f->app, "server", authflow_test_server_get_url (f->server), NULL);
  g_object_set_data (G_OBJECT (f->app), "body", body);
  g_signal_connect_after (f->app, "activate", G_CALLBACK (activate_cb), f);

  g_assert_cmpint (g_application_run (G_APPLICATION (f->app), 0, NULL), ==, 0);

  g_assert_null (find_toplevel (AUTHFLOW_TYPE_INSPECTOR_WINDOW));
  g_assert_finalize_object (g_steal_pointer (&f->app));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = authflow_test_server_start (NULL, &error);
  g_assert_no_error (error);
  f->tmpdir = g_dir_make_tmp ("authflow-inspector-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->server, authflow_test_server_free);
  authflow_test_remove_tree (f->tmpdir);
  g_clear_pointer (&f->tmpdir, g_free);
}

static void
test_inspector (Fixture       *f,
                gconstpointer  data)
{
  run_app (f, body_inspector);
}

static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  run_app (f, body_narrow);
}

static void
test_pages (Fixture       *f,
            gconstpointer  data)
{
  run_app (f, body_pages);
}

static void
test_quit_with_inspector (Fixture       *f,
                          gconstpointer  data)
{
  run_app (f, body_quit_with_inspector);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/inspector/curl/login", test_curl_login);
  g_test_add_func ("/inspector/curl/tokens", test_curl_tokens);
  g_test_add_func ("/inspector/redacted", test_redacted);
  g_test_add_func ("/inspector/links", test_links);
  g_test_add_func ("/inspector/errors", test_errors);

  if (!gtk_init_check ())
    {
      g_test_skip ("No display: the window tests need one");
      return g_test_run ();
    }

  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

  g_test_add ("/inspector/window", Fixture, NULL, fixture_set_up, test_inspector, fixture_tear_down);
  g_test_add ("/inspector/window/narrow", Fixture, NULL, fixture_set_up, test_narrow, fixture_tear_down);
  g_test_add ("/inspector/window/pages", Fixture, NULL, fixture_set_up, test_pages, fixture_tear_down);
  g_test_add ("/inspector/window/quit", Fixture, NULL, fixture_set_up, test_quit_with_inspector, fixture_tear_down);

  return g_test_run ();
}
