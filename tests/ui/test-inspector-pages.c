// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <locale.h>
#include <string.h>
#include <adwaita.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "authflow-inspector-keyring-page.h"
#include "authflow-inspector-mapping-page.h"
#include "authflow-inspector-value-row.h"
#include "authflow-inspector-tokens-page.h"
#include "authflow-server.h"
#include "authflow-test-utils.h"

/* The Flow Inspector's Tokens, Mapping and Keyring pages, each in a real
 * window, in process, against the real reference server (in this process
 * too) and the real keyring of build-aux/headless-run; for a login answer
 * without a refresh token, which the reference server never sends, a
 * SoupServer on 127.0.0.1 stands in. The tests look at what a person would
 * see: the text of the labels.
 *
 * `test-inspector-pages --view PAGE [--width N] [--dark] [--standin]
 * [--signed-out] [--show] [--scroll FRACTION] [--screenshot FILE]` shows one page (tokens,
 * mapping or keyring) after a login instead, for looking at it: with
 * --screenshot it takes the screen with `import` and quits. With
 * AUTHFLOW_LOCALEDIR=<builddir>/po LANGUAGE=de LC_ALL=C.UTF-8, in German.
 */

#define TIMEOUT_MS 30000
#define PASSWORD "emilyspass"

typedef struct
{
  char            *server_dir;
  AuthflowServer  *server;
  SoupServer      *standin;
  char            *standin_token;
  char            *url;

  AuthflowJournal *journal;
  AuthflowFlow    *flow;
  GtkWindow       *window;
} Fixture;

static char *
base64url (const char *text)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *) text, strlen (text));
  GString *out = g_string_new (NULL);

  for (const char *p = b64; *p != '\0'; p++)
    {
      if (*p == '+')
        g_string_append_c (out, '-');
      else if (*p == '/')
        g_string_append_c (out, '_');
      else if (*p != '=')
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

/* A JWT of the reference server's shape; its signature is not checked. */
static char *
make_jwt (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *header = base64url ("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  g_autofree char *claims = g_strdup_printf ("{\"sub\":\"5\",\"username\":\"emilys\",\"jti\":\"standin\","
                                             "\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                                             now, now + 3600);
  g_autofree char *payload = base64url (claims);

  return g_strconcat (header, ".", payload, ".c2lnbmF0dXJl", NULL);
}

/* A backend that answers a login as the reference server does, but with
 * no refresh token.
 */
static void
standin_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Fixture *f = user_data;
  g_autofree char *body = g_strdup_printf ("{\"accessToken\": \"%s\", \"id\": 5, \"username\": \"emilys\","
                                           " \"email\": \"emily.johnson@x.dummyjson.com\","
                                           " \"firstName\": \"Emily\", \"lastName\": \"Johnson\"}",
                                           f->standin_token);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
make_flow (Fixture *f)
{
  AuthflowClient *client = authflow_client_new (f->url);
  AuthflowSessionStore *store = authflow_session_store_new (f->url);

  f->flow = authflow_flow_new (client, store);
  f->journal = authflow_journal_new ();
  authflow_flow_set_journal (f->flow, f->journal);
  g_object_unref (client);
  g_object_unref (store);
}

static void
start_reference (Fixture *f,
                 guint    access_ttl)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;

  f->server_dir = g_dir_make_tmp ("authflow-test-inspector-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (f->server_dir, "authflow.db", NULL);

  f->server = authflow_server_new (db_path, &error);
  g_assert_no_error (error);
  if (access_ttl > 0)
    authflow_server_set_access_ttl (f->server, access_ttl);
  authflow_server_listen (f->server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  f->url = authflow_server_dup_url (f->server);

  make_flow (f);
}

static void
start_standin (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *url = NULL;

  f->standin_token = make_jwt ();
  f->standin = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->standin, NULL, standin_cb, f, NULL);
  soup_server_listen_local (f->standin, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (f->standin);
  url = g_uri_to_string (uris->data);
  if (g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';
  f->url = g_steal_pointer (&url);

  make_flow (f);
}

static void
set_up_reference (Fixture       *f,
                  gconstpointer  data)
{
  start_reference (f, GPOINTER_TO_UINT (data));
}

static void
set_up_standin (Fixture       *f,
                gconstpointer  data)
{
  start_standin (f);
}

static void
clear_stored (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_session_store_clear_async (authflow_flow_get_store (f->flow), NULL,
                                      authflow_test_got_result_cb, &result);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, result != NULL));
  authflow_session_store_clear_finish (authflow_flow_get_store (f->flow), result, NULL);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  /* The pages go with their window, and the flow with them. */
  if (f->window != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (f->window), (gpointer *) &f->window);
      gtk_window_destroy (f->window);
      g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, f->window == NULL));
    }

  if (f->flow != NULL)
    {
      clear_stored (f);
      authflow_flow_shutdown (f->flow);
      g_object_add_weak_pointer (G_OBJECT (f->flow), (gpointer *) &f->flow);
      g_object_unref (f->flow);
      g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, f->flow == NULL));
    }
  g_clear_object (&f->journal);

  if (f->server != NULL)
    {
      authflow_server_close (f->server);
      g_clear_object (&f->server);
      authflow_test_remove_tree (f->server_dir);
      g_clear_pointer (&f->server_dir, g_free);
    }

  if (f->standin != NULL)
    {
      soup_server_disconnect (f->standin);
      g_clear_object (&f->standin);
    }

  g_clear_pointer (&f->standin_token, g_free);
  g_clear_pointer (&f->url, g_free);
}

static AuthflowSession *
session (Fixture *f)
{
  return authflow_flow_get_session (f->flow);
}

static void
log_in (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  authflow_flow_log_in_async (f->flow, "emilys", PASSWORD, NULL, authflow_test_got_result_cb, &result);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, result != NULL));
  g_assert_true (authflow_flow_log_in_finish (f->flow, result, &error));
  g_assert_no_error (error);
}

static void
log_out (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_log_out_async (f->flow, NULL, authflow_test_got_result_cb, &result);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, result != NULL));
  authflow_flow_log_out_finish (f->flow, result, NULL);
}

/* @page in a window of its own, on screen: the pages tick and look at the
 * keyring only while they are.
 */
static GtkWidget *
show_page (Fixture   *f,
           GtkWidget *page,
           int        width)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, width, 900);
  gtk_window_set_child (f->window, page);
  gtk_window_present (f->window);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_mapped (page)));

  return page;
}

/* The text of every label below @widget, shown or not, one a line; the
 * tooltips too. With @shown_only, of the labels on screen only.
 */
static void
collect_text (GtkWidget *widget,
              gboolean   shown_only,
              GString   *out)
{
  if (shown_only && !gtk_widget_get_mapped (widget))
    return;

  if (GTK_IS_LABEL (widget))
    g_string_append_printf (out, "%s\n", gtk_label_get_text (GTK_LABEL (widget)));
  if (gtk_widget_get_tooltip_text (widget) != NULL)
    g_string_append_printf (out, "%s\n", gtk_widget_get_tooltip_text (widget));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_text (child, shown_only, out);
}

static char *
shown_text (GtkWidget *widget)
{
  GString *out = g_string_new (NULL);

  collect_text (widget, TRUE, out);

  return g_string_free (out, FALSE);
}

static char *
all_text (GtkWidget *widget)
{
  GString *out = g_string_new (NULL);

  collect_text (widget, FALSE, out);

  return g_string_free (out, FALSE);
}

static gboolean
shows (GtkWidget  *widget,
       const char *needle)
{
  g_autofree char *text = shown_text (widget);

  return strstr (text, needle) != NULL;
}

static void
assert_shows (GtkWidget  *widget,
              const char *needle)
{
  if (!AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, shows (widget, needle)))
    {
      g_autofree char *text = shown_text (widget);

      g_error ("“%s” is not shown; the page shows:\n%s", needle, text);
    }
}

/* No token of the session, whole, in any label or tooltip of @widget. */
static void
assert_no_raw_token (Fixture    *f,
                     GtkWidget  *widget,
                     const char *access_token,
                     const char *refresh_token)
{
  g_autofree char *text = all_text (widget);

  g_assert_nonnull (access_token);
  g_assert_null (strstr (text, access_token));
  if (refresh_token != NULL)
    g_assert_null (strstr (text, refresh_token));
}

/* The row of @widget whose title is @title. */
static AuthflowInspectorValueRow *
find_row (GtkWidget  *widget,
          const char *title)
{
  if (AUTHFLOW_IS_INSPECTOR_VALUE_ROW (widget) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return AUTHFLOW_INSPECTOR_VALUE_ROW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AuthflowInspectorValueRow *row = find_row (child, title);

      if (row != NULL)
        return row;
    }

  return NULL;
}

static const char *
row_value (GtkWidget  *page,
           const char *title)
{
  AuthflowInspectorValueRow *row = find_row (page, title);

  if (row == NULL)
    g_error ("No row “%s”", title);

  return authflow_inspector_value_row_get_value (row);
}

static gboolean
row_says (GtkWidget  *page,
          const char *title,
          const char *needle)
{
  AuthflowInspectorValueRow *row = find_row (page, title);

  return row != NULL && gtk_widget_get_mapped (GTK_WIDGET (row)) &&
         strstr (authflow_inspector_value_row_get_value (row), needle) != NULL;
}

static void
assert_row_says (GtkWidget  *page,
                 const char *title,
                 const char *needle)
{
  if (!AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, row_says (page, title, needle)))
    {
      AuthflowInspectorValueRow *row = find_row (page, title);

      g_error ("The row “%s” does not say “%s”: it says “%s”", title, needle,
               row != NULL ? authflow_inspector_value_row_get_value (row) : "(no such row)");
    }
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *tooltip)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *button = find_button (child, tooltip);

      if (button != NULL)
        return button;
    }

  return NULL;
}

static GtkWidget *
find_labelled_button (GtkWidget  *widget,
                      const char *label)
{
  if (GTK_IS_BUTTON (widget) &&
      (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0 ||
       (GTK_IS_LABEL (gtk_button_get_child (GTK_BUTTON (widget))) &&
        g_strcmp0 (gtk_label_get_text (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (widget)))), label) == 0)))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *button = find_labelled_button (child, label);

      if (button != NULL)
        return button;
    }

  return NULL;
}

static void
click (GtkWidget *button)
{
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
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
clipboard_text (GtkWidget *widget)
{
  char *text = NULL;

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, read_text_cb, &text);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, text != NULL));

  return text;
}

/* Signed out, the page says so; logged in, it shows the tokens by their
 * fingerprints and every claim, and the raw token only after Show. The
 * countdown ticks while the page is on screen, and not when it is not.
 */
static void
test_tokens (Fixture       *f,
             gconstpointer  data)
{
  GtkWidget *page = show_page (f, authflow_inspector_tokens_page_new (f->flow), 480);
  g_autofree char *access = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *access_fingerprint = NULL;
  g_autofree char *refresh_fingerprint = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *expires = NULL;

  assert_shows (page, "Not logged in");

  log_in (f);
  access = g_strdup (authflow_session_get_access_token (session (f)));
  refresh = g_strdup (authflow_session_get_refresh_token (session (f)));
  access_fingerprint = authflow_journal_fingerprint (access);
  refresh_fingerprint = authflow_journal_fingerprint (refresh);

  /* The page follows the session by itself. */
  assert_row_says (page, "Access Token", access_fingerprint);
  assert_row_says (page, "Refresh Token", refresh_fingerprint);
  g_assert_false (shows (page, "Not logged in"));

  /* Every claim, the reference server's username among them, and the
   * times on both clocks.
   */
  assert_row_says (page, "username", "emilys");
  assert_row_says (page, "sub", "1");
  assert_row_says (page, "exp", "expires in ");
  assert_row_says (page, "iat", "issued ");
  assert_row_says (page, "alg", "HS256");
  assert_row_says (page, "Access Token Expires", "in ");
  assert_row_says (page, "Access Token Expires", "From the access token’s exp claim");
  assert_row_says (page, "Clock Offset", "None: the server’s Date header agrees");
  assert_row_says (page, "Next Refresh", "in ");
  assert_row_says (page, "Why Then", "1 min 00 s before the access token expires");
  assert_row_says (page, "Refreshes", "None since the app started");
  assert_no_raw_token (f, page, access, refresh);

  /* The countdown moves on by itself while the page is on screen... */
  expires = g_strdup (row_value (page, "Access Token Expires"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 3000, g_strcmp0 (row_value (page, "Access Token Expires"),
                                                                  expires) != 0));

  /* ...and not while it is not. */
  gtk_widget_set_visible (GTK_WIDGET (f->window), FALSE);
  g_assert_false (gtk_widget_get_mapped (page));
  g_free (expires);
  expires = g_strdup (row_value (page, "Access Token Expires"));
  authflow_test_wait (NULL, 2500);
  g_assert_cmpstr (row_value (page, "Access Token Expires"), ==, expires);
  gtk_window_present (f->window);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_mapped (page)));

  /* Show, and the raw access token is there, marked as a secret; the
   * refresh token stays hidden until it is asked for too.
   */
  click (find_button (page, "Show Access Token"));
  assert_row_says (page, "Access Token in Full", access);
  g_assert_cmpstr (authflow_inspector_value_row_get_tag (find_row (page, "Access Token in Full")), ==, "Secret");
  {
    g_autofree char *text = all_text (page);

    g_assert_null (strstr (text, refresh));
  }
  click (find_button (page, "Show Access Token"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (find_row (page, "Access Token in Full"))));
  assert_no_raw_token (f, page, access, refresh);

  /* Copy puts the raw token on the clipboard, not on the page. */
  click (find_button (page, "Copy Access Token"));
  copied = clipboard_text (page);
  g_assert_cmpstr (copied, ==, access);
  assert_no_raw_token (f, page, access, refresh);

  /* The journal never sees a raw token, however it was shown. */
  {
    GListModel *entries = authflow_journal_get_entries (f->journal);

    for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
      {
        g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (entries, i);
        g_autofree char *line = authflow_journal_entry_to_line (entry);

        g_assert_null (strstr (line, access));
        g_assert_null (strstr (line, refresh));
      }
  }

  /* Shown again, then logged out: the page forgets it. */
  click (find_button (page, "Show Refresh Token"));
  assert_row_says (page, "Refresh Token in Full", refresh);
  log_out (f);
  assert_shows (page, "Not logged in");
  assert_no_raw_token (f, page, access, refresh);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (find_row (page, "Refresh Token in Full"))));
}

/* Made after the login, the page reads what the journal already holds:
 * why the refresh is when it is, and where the expiry came from.
 */
static void
test_tokens_after_login (Fixture       *f,
                         gconstpointer  data)
{
  GtkWidget *page;
  g_autofree char *fingerprint = NULL;

  log_in (f);
  fingerprint = authflow_journal_fingerprint (authflow_session_get_access_token (session (f)));

  page = show_page (f, authflow_inspector_tokens_page_new (f->flow), 360);
  assert_row_says (page, "Access Token", fingerprint);
  assert_row_says (page, "Why Then", "1 min 00 s before the access token expires");
  assert_row_says (page, "Access Token Expires", "From the access token’s exp claim");
  assert_row_says (page, "username", "emilys");
  assert_no_raw_token (f, page, authflow_session_get_access_token (session (f)),
                       authflow_session_get_refresh_token (session (f)));
}

/* The login's field mapping, from the journal: each auth property with
 * the path of the reference profile it came from, and the answer's fields
 * marked with what they became. After a refresh, the refresh's too.
 */
static void
test_mapping (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *page;
  g_autofree char *access = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *access_fingerprint = NULL;
  AuthflowInspectorValueRow *row;

  log_in (f);
  access = g_strdup (authflow_session_get_access_token (session (f)));
  refresh = g_strdup (authflow_session_get_refresh_token (session (f)));
  access_fingerprint = authflow_journal_fingerprint (access);

  /* Made after the login: it reads what the journal already holds. */
  page = show_page (f, authflow_inspector_mapping_page_new (f->flow), 480);
  assert_shows (page, "Log In Answer");
  assert_row_says (page, "Exchange", "POST /auth/login → 200 OK");
  assert_row_says (page, "Access Token", "From $.accessToken");
  assert_row_says (page, "Access Token", access_fingerprint);
  assert_row_says (page, "Refresh Token", "From $.refreshToken");
  assert_row_says (page, "Token Expiry", "From the exp claim of the token at $.accessToken");
  assert_row_says (page, "User ID", "From $.id");
  assert_row_says (page, "User Data", "From $");
  assert_row_says (page, "User Data", "username");
  g_assert_null (authflow_inspector_value_row_get_tag (find_row (page, "Refresh Token")));

  /* The answer's fields, the mapped ones marked. */
  row = find_row (page, "accessToken");
  g_assert_nonnull (row);
  g_assert_cmpstr (authflow_inspector_value_row_get_value (row), ==, access_fingerprint);
  g_assert_cmpstr (authflow_inspector_value_row_get_tag (row), ==, "Access Token · Token Expiry");
  g_assert_cmpstr (authflow_inspector_value_row_get_tag (find_row (page, "refreshToken")), ==, "Refresh Token");
  g_assert_cmpstr (authflow_inspector_value_row_get_tag (find_row (page, "id")), ==, "User ID · User Data");
  g_assert_cmpstr (authflow_inspector_value_row_get_tag (find_row (page, "username")), ==, "User Data");
  assert_no_raw_token (f, page, access, refresh);

  /* No refresh yet: only the login can be shown. */
  if (authflow_flow_get_refresh_count (f->flow) == 0)
    g_assert_false (gtk_widget_is_sensitive (find_labelled_button (page, "Last Refresh")));

  /* The 3-second token is renewed ahead of its expiry: the page has the
   * refresh's answer as well, and shows it when asked.
   */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, authflow_flow_get_refresh_count (f->flow) > 0));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS,
                                           gtk_widget_is_sensitive (find_labelled_button (page, "Last Refresh"))));
  click (find_labelled_button (page, "Last Refresh"));
  assert_shows (page, "Refresh Answer");
  g_object_set (page, "showing", "log-in", NULL);
  assert_shows (page, "Log In Answer");
  g_object_set (page, "showing", "refresh", NULL);
  assert_shows (page, "Refresh Answer");
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (find_labelled_button (page, "Last Refresh"))));
  assert_row_says (page, "Exchange", "POST /auth/refresh → 200 OK");
  assert_row_says (page, "Access Token", "From $.accessToken");
  assert_row_says (page, "User Data", "The user data held before is kept");
  g_assert_cmpstr (authflow_inspector_value_row_get_tag (find_row (page, "User Data")), ==, "Missing");

  click (find_labelled_button (page, "Log In or Sign Up"));
  assert_shows (page, "Log In Answer");
  assert_no_raw_token (f, page, access, refresh);
}

/* A backend whose login answer has no refresh token: the page says it is
 * missing and what that leads to.
 */
static void
test_mapping_no_refresh_token (Fixture       *f,
                               gconstpointer  data)
{
  GtkWidget *page = show_page (f, authflow_inspector_mapping_page_new (f->flow), 360);
  AuthflowInspectorValueRow *row;

  assert_shows (page, "No Answer Read Yet");
  log_in (f);

  /* Live: the mapping of the login that just happened. */
  assert_shows (page, "Log In Answer");
  assert_row_says (page, "Access Token", "From $.accessToken");
  assert_row_says (page, "Refresh Token", "No field at $.refreshToken.");
  assert_row_says (page, "Refresh Token", "The session ends at expiry: without a refresh token it cannot be renewed.");
  row = find_row (page, "Refresh Token");
  g_assert_cmpstr (authflow_inspector_value_row_get_tag (row), ==, "Missing");

  /* The answer had no such field to mark. */
  g_assert_null (find_row (page, "refreshToken"));
  g_assert_cmpstr (authflow_inspector_value_row_get_tag (find_row (page, "accessToken")), ==,
                   "Access Token · Token Expiry");
  assert_no_raw_token (f, page, authflow_session_get_access_token (session (f)), NULL);
}

/* What the keyring holds for the backend after a login: the item's label
 * and attributes, the stored session's fields with the tokens as
 * fingerprints; then, after logging out, nothing.
 */
static void
test_keyring (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *page;
  g_autofree char *access = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *access_fingerprint = NULL;
  g_autofree char *refresh_fingerprint = NULL;
  g_autofree char *label = NULL;

  log_in (f);
  access = g_strdup (authflow_session_get_access_token (session (f)));
  refresh = g_strdup (authflow_session_get_refresh_token (session (f)));
  access_fingerprint = authflow_journal_fingerprint (access);
  refresh_fingerprint = authflow_journal_fingerprint (refresh);
  label = g_strdup_printf ("Authflow session for %s", f->url);

  page = show_page (f, authflow_inspector_keyring_page_new (f->flow), 480);
  assert_row_says (page, "Label", label);
  assert_row_says (page, "Stored", "Yes, in the keyring “Login”");
  assert_row_says (page, "Schema", "io.github.authflow.Authflow.Session");
  assert_row_says (page, "Keyring", "/org/freedesktop/secrets/collection/login");
  assert_row_says (page, "Keyring", "Unlocked");
  assert_row_says (page, "backend", f->url);
  assert_row_says (page, "profile", "reference");
  assert_row_says (page, "xdg:schema", "io.github.authflow.Authflow.Session");
  assert_row_says (page, "Stored Version", "1");
  assert_row_says (page, "Access Token", access_fingerprint);
  assert_row_says (page, "Refresh Token", refresh_fingerprint);
  assert_row_says (page, "User Data", "\"username\":\"emilys\"");
  assert_row_says (page, "Call", "Save: done");
  assert_row_says (page, "What Happened", "Saved the session in the keyring");
  assert_no_raw_token (f, page, access, refresh);

  /* The page follows the store: the item goes with the logout. */
  log_out (f);
  assert_row_says (page, "Stored", "Nothing is stored for this backend");
  assert_row_says (page, "Call", "Remove: done");
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (find_row (page, "Label"))));
  g_assert_false (shows (page, access_fingerprint));

  /* Refresh asks again; still nothing. */
  click (find_button (page, "Refresh"));
  assert_row_says (page, "Stored", "Nothing is stored for this backend");
  assert_no_raw_token (f, page, access, refresh);
}

/* The three pages side by side, 360 px wide each: no raw token in any
 * label of any of them, until Show is pressed on the Tokens page, and then
 * only there.
 */
static void
test_no_raw_token (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *tokens = authflow_inspector_tokens_page_new (f->flow);
  GtkWidget *mapping = authflow_inspector_mapping_page_new (f->flow);
  GtkWidget *keyring = authflow_inspector_keyring_page_new (f->flow);
  g_autofree char *access = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *refresh_fingerprint = NULL;

  gtk_widget_set_size_request (tokens, 360, -1);
  gtk_widget_set_size_request (mapping, 360, -1);
  gtk_widget_set_size_request (keyring, 360, -1);
  gtk_box_append (GTK_BOX (box), tokens);
  gtk_box_append (GTK_BOX (box), mapping);
  gtk_box_append (GTK_BOX (box), keyring);
  show_page (f, box, 1080);

  log_in (f);
  access = g_strdup (authflow_session_get_access_token (session (f)));
  refresh = g_strdup (authflow_session_get_refresh_token (session (f)));
  refresh_fingerprint = authflow_journal_fingerprint (refresh);

  assert_row_says (tokens, "Refresh Token", refresh_fingerprint);
  assert_shows (mapping, "Log In Answer");
  assert_row_says (keyring, "Refresh Token", refresh_fingerprint);
  assert_no_raw_token (f, box, access, refresh);

  gtk_widget_activate_action (tokens, "tokens.show-access-token", NULL);
  gtk_widget_activate_action (tokens, "tokens.show-refresh-token", NULL);
  assert_row_says (tokens, "Access Token in Full", access);
  assert_row_says (tokens, "Refresh Token in Full", refresh);
  assert_no_raw_token (f, mapping, access, refresh);
  assert_no_raw_token (f, keyring, access, refresh);
}

/* --view: one page after a login, to look at. */
typedef struct
{
  const char *page;
  int         width;
  int         height;
  gboolean    dark;
  gboolean    standin;
  gboolean    signed_out;
  gboolean    show;
  double      scroll;
  const char *screenshot;
} ViewOptions;

static GtkScrolledWindow *
find_scrolled (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget) && gtk_widget_get_mapped (widget))
    return GTK_SCROLLED_WINDOW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkScrolledWindow *scrolled = find_scrolled (child);

      if (scrolled != NULL)
        return scrolled;
    }

  return NULL;
}

static int
view (ViewOptions *options)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  Fixture fixture = { NULL, };
  Fixture *f = &fixture;
  GtkWidget *page;
  GtkWidget *header;
  GtkWidget *content;
  int status = 0;

  adw_init ();
  gtk_css_provider_load_from_resource (css, RESOURCE_BASE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      options->dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);

  if (options->standin)
    start_standin (f);
  else
    start_reference (f, 0);

  if (!options->signed_out)
    log_in (f);

  if (g_strcmp0 (options->page, "mapping") == 0)
    page = authflow_inspector_mapping_page_new (f->flow);
  else if (g_strcmp0 (options->page, "keyring") == 0)
    page = authflow_inspector_keyring_page_new (f->flow);
  else
    page = authflow_inspector_tokens_page_new (f->flow);

  if (options->show)
    gtk_widget_activate_action (page, "tokens.show-access-token", NULL);

  f->window = GTK_WINDOW (adw_window_new ());
  gtk_window_set_default_size (f->window, options->width, options->height);
  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new ("Flow Inspector", options->page));
  gtk_box_append (GTK_BOX (content), header);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (content), page);
  adw_window_set_content (ADW_WINDOW (f->window), content);
  gtk_window_present (f->window);
  g_object_add_weak_pointer (G_OBJECT (f->window), (gpointer *) &f->window);

  if (options->screenshot != NULL)
    {
      g_autofree char *crop = g_strdup_printf ("%dx%d+0+0", options->width, options->height);
      const char *argv[] = { "import", "-window", "root", "-crop", crop, "+repage", options->screenshot, NULL };
      g_autoptr(GError) error = NULL;
      int wait_status = 0;

      AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_mapped (page));
      authflow_test_wait (NULL, 1500);
      if (options->scroll > 0 && find_scrolled (page) != NULL)
        {
          GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (find_scrolled (page));

          gtk_adjustment_set_value (adjustment, options->scroll * (gtk_adjustment_get_upper (adjustment) -
                                                                  gtk_adjustment_get_page_size (adjustment)));
          authflow_test_wait (NULL, 500);
        }
      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                         &wait_status, &error) ||
          !g_spawn_check_wait_status (wait_status, &error))
        {
          g_printerr ("import: %s\n", error->message);
          status = 1;
        }
      else
        g_print ("wrote %s\n", options->screenshot);
    }
  else
    while (f->window != NULL)
      g_main_context_iteration (NULL, TRUE);

  tear_down (f, NULL);

  return status;
}

static int
run_view (int    argc,
          char **argv)
{
  ViewOptions options = { "tokens", 480, 900, FALSE, FALSE, FALSE, FALSE, 0, NULL };
  GOptionEntry entries[] = {
    { "view", 0, 0, G_OPTION_ARG_STRING, &options.page, "The page: tokens, mapping or keyring", "PAGE" },
    { "width", 0, 0, G_OPTION_ARG_INT, &options.width, "The window's width", "PX" },
    { "height", 0, 0, G_OPTION_ARG_INT, &options.height, "The window's height", "PX" },
    { "dark", 0, 0, G_OPTION_ARG_NONE, &options.dark, "In the dark style", NULL },
    { "standin", 0, 0, G_OPTION_ARG_NONE, &options.standin, "A backend whose login has no refresh token", NULL },
    { "signed-out", 0, 0, G_OPTION_ARG_NONE, &options.signed_out, "Do not log in", NULL },
    { "show", 0, 0, G_OPTION_ARG_NONE, &options.show, "Show the access token", NULL },
    { "scroll", 0, 0, G_OPTION_ARG_DOUBLE, &options.scroll, "Scroll this far down, 0 to 1", "FRACTION" },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &options.screenshot, "Take the screen into FILE and quit", "FILE" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  return view (&options);
}

int
main (int   argc,
      char *argv[])
{
  gboolean viewing = FALSE;

  for (int i = 1; i < argc; i++)
    viewing |= g_str_has_prefix (argv[i], "--view");

  if (!viewing)
    g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    {
      if (viewing)
        {
          g_printerr ("No display\n");
          return 1;
        }
      g_test_skip ("No display");
      return 77;
    }

  if (viewing)
    {
      /* As main.c does, for a look at the pages in another language. */
      setlocale (LC_ALL, "");
      if (g_getenv ("AUTHFLOW_LOCALEDIR") != NULL)
        bindtextdomain (GETTEXT_PACKAGE, g_getenv ("AUTHFLOW_LOCALEDIR"));
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);

      return run_view (argc, argv);
    }

  adw_init ();

  g_test_add ("/inspector/tokens", Fixture, NULL, set_up_reference, test_tokens, tear_down);
  g_test_add ("/inspector/tokens/after-login", Fixture, NULL, set_up_reference, test_tokens_after_login, tear_down);
  g_test_add ("/inspector/mapping", Fixture, GUINT_TO_POINTER (3), set_up_reference, test_mapping, tear_down);
  g_test_add ("/inspector/mapping/no-refresh-token", Fixture, NULL, set_up_standin,
              test_mapping_no_refresh_token, tear_down);
  g_test_add ("/inspector/keyring", Fixture, NULL, set_up_reference, test_keyring, tear_down);
  g_test_add ("/inspector/no-raw-token", Fixture, NULL, set_up_reference, test_no_raw_token, tear_down);

  return g_test_run ();
}
