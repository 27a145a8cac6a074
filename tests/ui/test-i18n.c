// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "authflow-application.h"
#include "authflow-backend-messages.h"
#include "authflow-login-page.h"
#include "authflow-navigation.h"
#include "authflow-signup-page.h"
#include "authflow-window.h"
#include "authflow-test-utils.h"

/* The app in German, with the catalogues that the build compiled
 * (AUTHFLOW_LOCALEDIR=<builddir>/po, LANGUAGE=de, LC_ALL=C.UTF-8): the real
 * window against the real server binary, whose English messages a person
 * reads in German; and a message that no built-in backend sends, from a
 * SoupServer in this process standing in for a backend of the person's
 * own, which is shown exactly as it was sent.
 */

#define TIMEOUT_MS 30000

typedef struct _Fixture Fixture;
typedef void (*AppBody) (Fixture *f);

struct _Fixture
{
  AuthflowTestServer  *server;
  SoupServer          *own_backend;
  char                *own_backend_url;
  AuthflowApplication *app;
  AuthflowWindow      *window;
  AppBody              body;
};

static void
activate_cb (GApplication *app,
             Fixture      *f)
{
  f->window = AUTHFLOW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (f->window);
  g_object_add_weak_pointer (G_OBJECT (f->window), (gpointer *) &f->window);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_mapped (GTK_WIDGET (f->window))));

  f->body (f);

  if (f->window != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
}

static void
run_app (Fixture    *f,
         const char *url,
         AppBody     body)
{
  f->body = body;
  f->app = authflow_application_new (G_APPLICATION_NON_UNIQUE);
  g_object_set (f->app, "server", url, NULL);
  g_signal_connect_after (f->app, "activate", G_CALLBACK (activate_cb), f);

  g_assert_cmpint (g_application_run (G_APPLICATION (f->app), 0, NULL), ==, 0);

  g_assert_null (f->window);
  g_assert_finalize_object (g_steal_pointer (&f->app));
}

/* Stands in for a backend of the person's own, which speaks its own words. */
static void
own_backend_cb (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  static const char answer[] = "{\"message\": \"Account suspended by the administrator\"}";

  soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, answer, strlen (answer));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  f->server = authflow_test_server_start (NULL, &error);
  g_assert_no_error (error);

  f->own_backend = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->own_backend, NULL, own_backend_cb, f, NULL);
  soup_server_listen_local (f->own_backend, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->own_backend);
  f->own_backend_url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID_BASE);

  g_settings_reset (settings, "persist-sessions");
  g_settings_reset (settings, "backend");
  g_settings_reset (settings, "server-url");
  g_clear_object (&f->own_backend);
  g_clear_pointer (&f->own_backend_url, g_free);
  g_clear_pointer (&f->server, authflow_test_server_free);
}

static gpointer
child (gpointer    widget,
       GType       type,
       const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);
}

static gpointer
login (Fixture    *f,
       const char *name)
{
  return child (authflow_window_get_page (AUTHFLOW_WINDOW (f->window), "log-in"), AUTHFLOW_TYPE_LOGIN_PAGE, name);
}

static gpointer
signup (Fixture    *f,
        const char *name)
{
  return child (authflow_window_get_page (AUTHFLOW_WINDOW (f->window), "sign-up"), AUTHFLOW_TYPE_SIGNUP_PAGE, name);
}

static gboolean
page_is (Fixture    *f,
         const char *name)
{
  return g_strcmp0 (authflow_navigation_get_page (authflow_window_get_navigation (f->window)), name) == 0;
}

static void
type_text (gpointer    editable,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
}

static void
click (gpointer button)
{
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (button)));
  g_signal_emit_by_name (button, "clicked");
}

static void
log_in_as (Fixture    *f,
           const char *username,
           const char *password)
{
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, page_is (f, "log-in")));
  type_text (login (f, "username_row"), username);
  type_text (login (f, "password_row"), password);
  click (login (f, "log_in_button"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS,
                                           gtk_widget_get_visible (login (f, "error_label"))));
}

static void
body_wrong_password (Fixture *f)
{
  log_in_as (f, "emilys", "wrong-password");

  /* The reference server said "Invalid credentials". */
  g_assert_cmpstr (gtk_label_get_text (login (f, "error_label")), ==, "Ungültige Anmeldedaten");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Anmelden");
}

static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  run_app (f, authflow_test_server_get_url (f->server), body_wrong_password);
}

static void
body_username_taken (Fixture *f)
{
  GtkLabel *error_label = signup (f, "error_label");

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, page_is (f, "log-in")));
  click (login (f, "sign_up_button"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, page_is (f, "sign-up")));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Registrieren");

  type_text (signup (f, "username_row"), "emilys");
  type_text (signup (f, "email_row"), "emily@example.com");
  type_text (signup (f, "password_row"), "analytical");
  click (signup (f, "create_button"));

  /* The reference server's "Username already taken", on its field. */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_visible (GTK_WIDGET (error_label))));
  g_assert_cmpstr (gtk_label_get_text (error_label), ==, "Der Benutzername ist bereits vergeben");
  g_assert_true (gtk_widget_has_css_class (signup (f, "username_row"), "error"));
}

static void
test_username_taken (Fixture       *f,
                     gconstpointer  data)
{
  run_app (f, authflow_test_server_get_url (f->server), body_username_taken);
}

static void
body_unknown_message (Fixture *f)
{
  log_in_as (f, "emilys", "emilyspass");

  g_assert_cmpstr (gtk_label_get_text (login (f, "error_label")), ==, "Account suspended by the administrator");
}

static void
test_unknown_message (Fixture       *f,
                      gconstpointer  data)
{
  run_app (f, f->own_backend_url, body_unknown_message);
}

/* "Log in to %s (%s)" in German, with the backend's host and port. */
static char *
log_in_subtitle (Fixture    *f,
                 const char *name)
{
  g_autoptr(GUri) uri = g_uri_parse (authflow_test_server_get_url (f->server), G_URI_FLAGS_NONE, NULL);

  return g_strdup_printf ("Bei „%s“ anmelden (%s:%d)", name, g_uri_get_host (uri), g_uri_get_port (uri));
}

static void
body_builtin_name (Fixture *f)
{
  g_autofree char *expected = log_in_subtitle (f, "Referenzserver");

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, page_is (f, "log-in")));
  g_assert_cmpstr (gtk_label_get_text (login (f, "subtitle_label")), ==, expected);
}

/* The reference server's name is the app's words, shown in German. */
static void
test_builtin_name (Fixture       *f,
                   gconstpointer  data)
{
  run_app (f, authflow_test_server_get_url (f->server), body_builtin_name);
}

static void
body_own_name (Fixture *f)
{
  g_autofree char *expected = log_in_subtitle (f, "Reference server");

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, page_is (f, "log-in")));
  g_assert_cmpstr (gtk_label_get_text (login (f, "subtitle_label")), ==, expected);
}

/* A profile of the person's own keeps the name its file gives, even one
 * that reads like a built-in's.
 */
static void
test_own_name (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID_BASE);
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "authflow", "backends", NULL);
  g_autofree char *path = g_build_filename (dir, "mine.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  text = g_strdup_printf ("{\"id\": \"mine\", \"name\": \"Reference server\", "
                          "\"base_url\": \"%s\", \"calls\": {\"login\": "
                          "{\"method\": \"POST\", \"path\": \"/auth/login\"}}, "
                          "\"answer\": {\"access_token\": \"$.accessToken\"}}",
                          authflow_test_server_get_url (f->server));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
  g_settings_set_string (settings, "backend", "mine");

  run_app (f, authflow_test_server_get_url (f->server), body_own_name);

  g_assert_cmpint (g_remove (path), ==, 0);
}

/* The mapping itself: exact matches only, and the lockout's seconds. */
static void
test_mapping (void)
{
  static const struct {
    const char *sent;
    const char *shown;
  } cases[] = {
    { "Invalid/Expired Token!", "Ungültiges oder abgelaufenes Token" },
    { "Password must be at least 8 characters", "Das Passwort muss mindestens 8 Zeichen lang sein" },
    { "jwt expired", "JWT abgelaufen" },
    { "Too many failed login attempts. Try again in 1 seconds.",
      "Zu viele fehlgeschlagene Anmeldeversuche. Versuchen Sie es in 1 Sekunde erneut." },
    { "Too many failed login attempts. Try again in 30 seconds.",
      "Zu viele fehlgeschlagene Anmeldeversuche. Versuchen Sie es in 30 Sekunden erneut." },
    /* Near misses are someone else's words, shown as sent. */
    { "Invalid credentials.", "Invalid credentials." },
    { "invalid credentials", "invalid credentials" },
    { " Invalid credentials", " Invalid credentials" },
    { "Too many failed login attempts. Try again in -5 seconds.",
      "Too many failed login attempts. Try again in -5 seconds." },
    { "Too many failed login attempts. Try again in  seconds.",
      "Too many failed login attempts. Try again in  seconds." },
    { "Too many failed login attempts. Try again in 99999999999 seconds.",
      "Too many failed login attempts. Try again in 99999999999 seconds." },
    { "Konto gesperrt", "Konto gesperrt" },
    { "", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = authflow_backend_message_translate (cases[i].sent);

      g_assert_cmpstr (shown, ==, cases[i].shown);
    }
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("AUTHFLOW_LOCALEDIR");
  g_autofree char *catalogue = NULL;

  /* What main.c does, from the build tree. */
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  if (localedir == NULL)
    g_error ("AUTHFLOW_LOCALEDIR is not set: run this test through meson");
  catalogue = g_build_filename (localedir, "de", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  if (!g_file_test (catalogue, G_FILE_TEST_IS_REGULAR))
    g_error ("%s is missing: the build compiles it from po/de.po", catalogue);

  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* gettext ignores LANGUAGE in the C locale: LC_ALL must name another. */
  if (g_strcmp0 (_("Log In"), "Anmelden") != 0)
    g_error ("Not in German (LANGUAGE=%s, LC_ALL=%s, LC_MESSAGES locale %s)",
             g_getenv ("LANGUAGE"), g_getenv ("LC_ALL"), setlocale (LC_MESSAGES, NULL));

  g_test_add_func ("/i18n/mapping", test_mapping);

  if (!gtk_init_check ())
    {
      g_test_skip ("No display: these tests need a real window");
      return 77;
    }

  /* As in test-ui: no window manager, so no cursor blink. */
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/i18n/log-in/wrong-password", test_wrong_password);
  ADD ("/i18n/sign-up/username-taken", test_username_taken);
  ADD ("/i18n/log-in/unknown-message", test_unknown_message);
  ADD ("/i18n/log-in/builtin-name", test_builtin_name);
  ADD ("/i18n/log-in/own-name", test_own_name);

  return g_test_run ();
}
