// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "authflow-application.h"
#include "authflow-edit-profile-dialog.h"
#include "authflow-profile.h"
#include "authflow-preferences-window.h"
#include "authflow-login-page.h"
#include "authflow-signup-page.h"
#include "authflow-home-page.h"
#include "authflow-window.h"
#include "authflow-test-utils.h"

/* The real window, in process, against the real server binary and the real
 * keyring: what a person types and clicks, and what they then see.
 */

#define TIMEOUT_MS 30000

typedef struct _Fixture Fixture;
typedef void (*AppBody) (Fixture *f);

struct _Fixture
{
  AuthflowTestServer  *server;
  AuthflowApplication *app;
  AuthflowWindow      *window;
  AppBody              body;
  /* The window's title when it was mapped: the page it came up with. */
  char                *mapped_title;
};

static void
quit (Fixture *f)
{
  /* Ctrl+Q, as a person would. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
}

static void
activate_cb (GApplication *app,
             Fixture      *f)
{
  f->window = AUTHFLOW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (f->window);
  g_object_add_weak_pointer (G_OBJECT (f->window), (gpointer *) &f->window);

  /* Wait for the window to be on screen, so that focus and clicks work as
   * they do for a person.
   */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_mapped (GTK_WIDGET (f->window))));

  f->body (f);

  if (f->window != NULL)
    quit (f);
}

static void
window_mapped_cb (GtkWindow *window,
                  Fixture   *f)
{
  if (f->mapped_title == NULL)
    f->mapped_title = g_strdup (gtk_window_get_title (window));
}

static void
window_added_cb (GtkApplication *app,
                 GtkWindow      *window,
                 Fixture        *f)
{
  if (AUTHFLOW_IS_WINDOW (window))
    g_signal_connect (window, "map", G_CALLBACK (window_mapped_cb), f);
}

/* One start of the app, as from the desktop: g_application_run() with the
 * test's steps run once the window is up; it returns when the app has quit.
 * The window, the app and everything they owned must then be gone.
 */
/* The same with a command line after the program's name, such as
 * { "--token-minutes", "3", NULL }.
 */
static void
run_app_with_args (Fixture            *f,
                   AppBody             body,
                   gboolean            with_server,
                   const char * const *args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;

  g_strv_builder_add (builder, "authflow");
  if (args != NULL)
    g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);

  f->body = body;
  g_clear_pointer (&f->mapped_title, g_free);
  f->app = authflow_application_new (G_APPLICATION_NON_UNIQUE);
  g_signal_connect (f->app, "window-added", G_CALLBACK (window_added_cb), f);
  if (with_server)
    g_object_set (f->app, "server", authflow_test_server_get_url (f->server), NULL);
  g_signal_connect_after (f->app, "activate", G_CALLBACK (activate_cb), f);

  g_assert_cmpint (g_application_run (G_APPLICATION (f->app), g_strv_length (argv), argv), ==, 0);

  g_assert_null (f->window);
  g_assert_finalize_object (g_steal_pointer (&f->app));
}

static void
run_app_with (Fixture  *f,
              AppBody   body,
              gboolean  with_server)
{
  run_app_with_args (f, body, with_server, NULL);
}

static void
run_app (Fixture *f,
         AppBody  body)
{
  run_app_with (f, body, TRUE);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = authflow_test_server_start (NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID_BASE);

  g_settings_reset (settings, "persist-sessions");
  g_settings_reset (settings, "backend");
  g_settings_reset (settings, "server-url");
  g_settings_reset (settings, "token-lifetimes");
  g_clear_pointer (&f->server, authflow_test_server_free);
  g_clear_pointer (&f->mapped_title, g_free);
}

static gpointer
child (gpointer    widget,
       GType       type,
       const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);
}

static const char *
page (Fixture *f)
{
  return authflow_navigation_get_page (authflow_window_get_navigation (f->window));
}

static gboolean
page_is (Fixture    *f,
         const char *name)
{
  return g_strcmp0 (page (f), name) == 0;
}

static void
wait_for_page (Fixture    *f,
               const char *name)
{
  if (!AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, page_is (f, name)))
    g_error ("Still on page “%s”, not “%s”", page (f), name);
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

static gpointer
home (Fixture    *f,
      const char *name)
{
  return child (authflow_window_get_page (AUTHFLOW_WINDOW (f->window), "home"), AUTHFLOW_TYPE_HOME_PAGE, name);
}

static void
type_text (gpointer    editable,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
}

static void
press_enter (gpointer row)
{
  g_signal_emit_by_name (row, "entry-activated");
}

static void
click (gpointer button)
{
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (button)));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (button)));
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
has_focus_within (Fixture *f,
                  gpointer widget)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, GTK_WIDGET (widget)));
}

static char *
stored_session (Fixture *f)
{
  static const SecretSchema schema = {
    "io.github.authflow.Authflow.Session", SECRET_SCHEMA_NONE,
    { { "backend", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } }
  };
  g_autoptr(GError) error = NULL;
  char *stored;

  stored = secret_password_lookup_sync (&schema, NULL, &error,
                                        "backend", authflow_test_server_get_url (f->server),
                                        NULL);
  g_assert_no_error (error);

  return stored;
}

static gboolean
stored_contains (Fixture    *f,
                 const char *needle)
{
  char *stored = stored_session (f);
  gboolean found = stored != NULL && (needle == NULL || strstr (stored, needle) != NULL);

  secret_password_free (stored);

  return found;
}

static gboolean
is_stored (Fixture *f)
{
  return stored_contains (f, NULL);
}

static void
log_in_as_emily (Fixture *f)
{
  wait_for_page (f, "log-in");
  type_text (login (f, "username_row"), "emilys");
  type_text (login (f, "password_row"), "emilyspass");
  press_enter (login (f, "password_row"));
  wait_for_page (f, "home");
}

static void
splash_label_cb (GtkLabel   *label,
                 GParamSpec *pspec,
                 gboolean   *said_restoring)
{
  if (g_str_equal (gtk_label_get_text (label), "Restoring your session…"))
    *said_restoring = TRUE;
}

static void
body_start_on_log_in (Fixture *f)
{
  GtkLabel *splash_label = child (f->window, AUTHFLOW_TYPE_WINDOW, "splash_label");
  gboolean said_restoring = FALSE;
  gulong handler;

  /* Nothing is stored: the splash never claims to restore a session. */
  splash_label_cb (splash_label, NULL, &said_restoring);
  handler = g_signal_connect (splash_label, "notify::label", G_CALLBACK (splash_label_cb), &said_restoring);
  wait_for_page (f, "log-in");
  g_signal_handler_disconnect (splash_label, handler);
  g_assert_false (said_restoring);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Log In");

  /* The person can type their username at once. */
  g_assert_true (has_focus_within (f, login (f, "username_row")));

  /* Log In waits for both fields. */
  g_assert_false (gtk_widget_is_sensitive (login (f, "log_in_button")));
  type_text (login (f, "username_row"), "emilys");
  g_assert_false (gtk_widget_is_sensitive (login (f, "log_in_button")));
  type_text (login (f, "password_row"), "x");
  g_assert_true (gtk_widget_is_sensitive (login (f, "log_in_button")));
}

static void
body_log_in (Fixture *f)
{
  wait_for_page (f, "log-in");
  type_text (login (f, "username_row"), "emilys");

  /* Enter in the username moves on to the password… */
  press_enter (login (f, "username_row"));
  g_assert_true (has_focus_within (f, login (f, "password_row")));

  /* …and Enter there logs in. */
  type_text (login (f, "password_row"), "emilyspass");
  press_enter (login (f, "password_row"));

  /* While the call runs, the form waits and says so. */
  g_assert_false (gtk_widget_is_sensitive (login (f, "form")));
  g_assert_true (gtk_widget_get_visible (login (f, "cancel_button")));
  g_assert_true (gtk_spinner_get_spinning (login (f, "spinner")));

  wait_for_page (f, "home");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Home");
  g_assert_cmpstr (gtk_label_get_text (home (f, "name_label")), ==, "Emily Johnson");
  g_assert_cmpstr (gtk_label_get_text (home (f, "detail_label")), ==, "@emilys · emily.johnson@x.dummyjson.com");
  g_assert_cmpstr (adw_avatar_get_text (home (f, "avatar")), ==, "Emily Johnson");
  g_assert_cmpstr (adw_action_row_get_subtitle (home (f, "uid_row")), ==, "1");
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (home (f, "access_token_row")), "eyJ"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (home (f, "expiry_row")), "in 59 min"));

  /* The password does not linger in the form once the login is done. */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS,
                                           g_str_equal (gtk_editable_get_text (login (f, "password_row")), "")));
}

static GtkWidget *
find_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
find_label_with_text (GtkWidget  *widget,
                      const char *text)
{
  /* Outside any row: the rows of the page hold the same text. */
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0 &&
      gtk_widget_get_ancestor (widget, ADW_TYPE_PREFERENCES_ROW) == NULL)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label_with_text (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
find_button_with_action (GtkWidget  *widget,
                         const char *action_name)
{
  if (GTK_IS_ACTIONABLE (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_with_action (child, action_name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The action that @keyval with @modifiers triggers in @widget's own
 * shortcuts (its class's key bindings), or %NULL.
 */
static char *
shortcut_action (GtkWidget       *widget,
                 guint            keyval,
                 GdkModifierType  modifiers)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == modifiers &&
              GTK_IS_NAMED_ACTION (action))
            return g_strdup (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)));
        }
    }

  return NULL;
}

/* Lets GTK lay the window out again, as it does before the next frame. */
static void
settle (void)
{
  authflow_test_wait (NULL, 200);
}

/* The label sits in the middle of its button, as a person expects: a
 * spinner that is not spinning takes no room beside it.
 */
static void
assert_label_centred (gpointer button)
{
  GtkWidget *label = find_label (button);
  graphene_rect_t bounds;
  double left, right;

  settle ();
  g_assert_true (gtk_widget_get_visible (label));
  g_assert_true (gtk_widget_compute_bounds (label, button, &bounds));
  left = bounds.origin.x;
  right = gtk_widget_get_width (button) - (bounds.origin.x + bounds.size.width);
  g_test_message ("%s: %.1f px left, %.1f px right", gtk_label_get_text (GTK_LABEL (label)), left, right);
  g_assert_cmpfloat (ABS (left - right), <=, 1.0);
}

static void
body_busy_labels (Fixture *f)
{
  wait_for_page (f, "log-in");
  type_text (login (f, "username_row"), "emilys");
  type_text (login (f, "password_row"), "wrong-password");
  click (login (f, "log_in_button"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_visible (login (f, "error_label"))));
  assert_label_centred (login (f, "log_in_button"));

  click (login (f, "sign_up_button"));
  wait_for_page (f, "sign-up");
  type_text (signup (f, "username_row"), "emilys");
  type_text (signup (f, "email_row"), "emily@example.com");
  type_text (signup (f, "password_row"), "long-enough-password");
  click (signup (f, "create_button"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_visible (signup (f, "error_label"))));
  assert_label_centred (signup (f, "create_button"));

  click (signup (f, "log_in_button"));
  log_in_as_emily (f);
  click (home (f, "call_button"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_is_sensitive (home (f, "call_button"))));
  assert_label_centred (home (f, "call_button"));
}

static void
body_log_in_wrong_password (Fixture *f)
{
  GtkLabel *error_label = login (f, "error_label");
  int start = 0, end = 0;

  wait_for_page (f, "log-in");
  type_text (login (f, "username_row"), "emilys");
  type_text (login (f, "password_row"), "wrong-password");
  click (login (f, "log_in_button"));

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_visible (GTK_WIDGET (error_label))));
  g_assert_cmpstr (gtk_label_get_text (error_label), ==, "Invalid credentials");
  g_assert_true (page_is (f, "log-in"));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Log In");
  g_assert_true (gtk_widget_is_sensitive (login (f, "form")));

  /* Back on the password, all of it selected, ready to be typed over. */
  g_assert_true (has_focus_within (f, login (f, "password_row")));
  g_assert_true (gtk_editable_get_selection_bounds (login (f, "password_row"), &start, &end));
  g_assert_cmpint (start, ==, 0);
  g_assert_cmpint (end, ==, strlen ("wrong-password"));
}

static void
body_log_in_server_down (Fixture *f)
{
  GtkLabel *error_label = login (f, "error_label");
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  wait_for_page (f, "log-in");
  g_assert_true (authflow_test_server_stop (f->server, &error));

  type_text (login (f, "username_row"), "emilys");
  type_text (login (f, "password_row"), "emilyspass");
  click (login (f, "log_in_button"));

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_visible (GTK_WIDGET (error_label))));
  expected = g_strdup_printf ("Could not connect to the server at 127.0.0.1:%u. "
                              "Check that it is running and that you are online.",
                              authflow_test_server_get_port (f->server));
  g_assert_cmpstr (gtk_label_get_text (error_label), ==, expected);
  g_assert_true (page_is (f, "log-in"));

  /* A network failure is not the person's mistake: the password stays as
   * typed, to try again as it is.
   */
  g_assert_cmpstr (gtk_editable_get_text (login (f, "password_row")), ==, "emilyspass");
}

static void
body_sign_up (Fixture *f)
{
  GtkLabel *error_label = signup (f, "error_label");

  wait_for_page (f, "log-in");
  click (login (f, "sign_up_button"));
  wait_for_page (f, "sign-up");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Sign Up");
  g_assert_true (has_focus_within (f, signup (f, "username_row")));

  /* Checked before anything is sent: the field at fault says so. */
  type_text (signup (f, "username_row"), "ada");
  type_text (signup (f, "email_row"), "ada-at-example");
  type_text (signup (f, "password_row"), "analytical");
  click (signup (f, "create_button"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_assert_cmpstr (gtk_label_get_text (error_label), ==, "This does not look like an email address");
  g_assert_true (gtk_widget_has_css_class (signup (f, "email_row"), "error"));
  g_assert_true (has_focus_within (f, signup (f, "email_row")));
  g_assert_true (page_is (f, "sign-up"));

  /* Once fixed, the message goes as the person types. */
  type_text (signup (f, "email_row"), "ada@example.com");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_assert_false (gtk_widget_has_css_class (signup (f, "email_row"), "error"));

  /* The server's own objection lands on its field too. */
  type_text (signup (f, "username_row"), "emilys");
  click (signup (f, "create_button"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_visible (GTK_WIDGET (error_label))));
  g_assert_cmpstr (gtk_label_get_text (error_label), ==, "Username already taken");
  g_assert_true (gtk_widget_has_css_class (signup (f, "username_row"), "error"));
  g_assert_true (has_focus_within (f, signup (f, "username_row")));

  /* Success logs the new user straight in. */
  type_text (signup (f, "username_row"), "ada");
  type_text (signup (f, "first_name_row"), "Ada");
  type_text (signup (f, "last_name_row"), "Lovelace");
  click (signup (f, "create_button"));
  wait_for_page (f, "home");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Home");
  g_assert_cmpstr (gtk_label_get_text (home (f, "name_label")), ==, "Ada Lovelace");
  g_assert_cmpstr (gtk_label_get_text (home (f, "detail_label")), ==, "@ada · ada@example.com");
}

static void
body_sign_up_and_back (Fixture *f)
{
  g_autofree char *escape = NULL;
  g_autofree char *alt_left = NULL;

  wait_for_page (f, "log-in");
  click (login (f, "sign_up_button"));
  wait_for_page (f, "sign-up");
  click (signup (f, "log_in_button"));
  wait_for_page (f, "log-in");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Log In");

  /* Escape and Alt+Left go back too. */
  click (login (f, "sign_up_button"));
  wait_for_page (f, "sign-up");
  escape = shortcut_action (authflow_window_get_page (AUTHFLOW_WINDOW (f->window), "sign-up"), GDK_KEY_Escape, 0);
  alt_left = shortcut_action (authflow_window_get_page (AUTHFLOW_WINDOW (f->window), "sign-up"), GDK_KEY_Left, GDK_ALT_MASK);
  g_assert_cmpstr (escape, ==, "signup.back");
  g_assert_cmpstr (alt_left, ==, "signup.back");
  g_assert_true (gtk_widget_activate_action (authflow_window_get_page (AUTHFLOW_WINDOW (f->window), "sign-up"), escape, NULL));
  wait_for_page (f, "log-in");
}

static void
body_log_in_and_quit (Fixture *f)
{
  log_in_as_emily (f);

  /* Quit at once: the keyring write under way still lands. */
}

static void
body_home_without_typing (Fixture *f)
{
  g_assert_true (page_is (f, "splash") || page_is (f, "home"));
  wait_for_page (f, "home");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Home");
  g_assert_cmpstr (gtk_label_get_text (home (f, "name_label")), ==, "Emily Johnson");
}

static void
body_log_in_page (Fixture *f)
{
  wait_for_page (f, "log-in");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Log In");
}

static void
test_second_start (Fixture       *f,
                   gconstpointer  data)
{
  run_app (f, body_log_in_and_quit);
  g_assert_true (is_stored (f));
  /* Nothing stored: the window came up on Log In, not on an empty splash
   * that Log In replaced.
   */
  g_assert_cmpstr (f->mapped_title, ==, "Log In");

  /* Started again on the same keyring: Home, without typing anything, and
   * the window came up with it, the keyring read while GTK started.
   */
  run_app (f, body_home_without_typing);
  g_assert_cmpstr (f->mapped_title, ==, "Home");
}

static void
body_log_out (Fixture *f)
{
  log_in_as_emily (f);
  click (home (f, "log_out_button"));
  wait_for_page (f, "log-in");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Log In");

  /* The keyring item goes too, so the next start asks to log in. */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, !is_stored (f)));
}

static const char *
text_of (gpointer editable)
{
  return gtk_editable_get_text (GTK_EDITABLE (editable));
}

static void
assert_log_in_empty (Fixture *f)
{
  g_assert_cmpstr (text_of (login (f, "username_row")), ==, "");
  g_assert_cmpstr (text_of (login (f, "password_row")), ==, "");
  g_assert_false (gtk_widget_get_visible (login (f, "error_label")));
}

static void
assert_sign_up_empty (Fixture *f)
{
  const char *rows[] = { "username_row", "email_row", "password_row", "first_name_row", "last_name_row" };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_assert_cmpstr (text_of (signup (f, rows[i])), ==, "");
      g_assert_false (gtk_widget_has_css_class (signup (f, rows[i]), "error"));
    }
  g_assert_false (gtk_widget_get_visible (signup (f, "error_label")));
}

/* Whoever logs in next finds the forms empty: after a sign-out, and after
 * every switch between Log In and Sign Up. A first-time person is greeted
 * as one and told how to log in to the demo server.
 */
static void
body_forms_reset (Fixture *f)
{
  wait_for_page (f, "log-in");
  g_assert_cmpstr (gtk_label_get_text (login (f, "greeting_label")), ==, "Welcome");
  g_assert_true (gtk_widget_get_visible (login (f, "demo_label")));
  g_assert_cmpstr (gtk_label_get_text (login (f, "demo_label")), ==,
                   "To try Authflow, log in as the demo user “emilys” with the password “emilyspass”.");

  /* A wrong password, then Sign Up and back: nothing of it is left. */
  type_text (login (f, "username_row"), "emilys");
  type_text (login (f, "password_row"), "wrong-password");
  click (login (f, "log_in_button"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_visible (login (f, "error_label"))));
  click (login (f, "sign_up_button"));
  wait_for_page (f, "sign-up");
  assert_sign_up_empty (f);

  /* A rejected sign-up, then Log In and back. */
  type_text (signup (f, "username_row"), "emilys");
  type_text (signup (f, "email_row"), "not-an-email");
  type_text (signup (f, "password_row"), "long-enough-password");
  click (signup (f, "create_button"));
  g_assert_true (gtk_widget_get_visible (signup (f, "error_label")));
  click (signup (f, "log_in_button"));
  wait_for_page (f, "log-in");
  assert_log_in_empty (f);
  click (login (f, "sign_up_button"));
  wait_for_page (f, "sign-up");
  assert_sign_up_empty (f);

  /* A new user signs up, then logs out: Log In is empty, and greets back. */
  type_text (signup (f, "username_row"), "grace");
  type_text (signup (f, "email_row"), "grace@example.com");
  type_text (signup (f, "password_row"), "long-enough-password");
  click (signup (f, "create_button"));
  wait_for_page (f, "home");
  click (home (f, "log_out_button"));
  wait_for_page (f, "log-in");
  assert_log_in_empty (f);
  g_assert_cmpstr (gtk_label_get_text (login (f, "greeting_label")), ==, "Welcome Back");
  g_assert_false (gtk_widget_get_visible (login (f, "demo_label")));
}

/* The widgets Tab visits, from the focus now round to it again. */
static GPtrArray *
tab_stops (Fixture *f)
{
  GPtrArray *stops = g_ptr_array_new ();
  GtkWidget *start = gtk_root_get_focus (GTK_ROOT (f->window));

  for (guint i = 0; i < 100; i++)
    {
      GtkWidget *focus;

      /* At the end of the chain, the next Tab starts it over. */
      if (!gtk_widget_child_focus (GTK_WIDGET (f->window), GTK_DIR_TAB_FORWARD))
        gtk_widget_child_focus (GTK_WIDGET (f->window), GTK_DIR_TAB_FORWARD);

      focus = gtk_root_get_focus (GTK_ROOT (f->window));
      if (focus == start || focus == NULL)
        break;
      g_ptr_array_add (stops, focus);
    }

  return stops;
}

/* Something to press or type into, not a label or a row to read. */
static gboolean
is_control (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) || GTK_IS_TEXT (widget) || GTK_IS_SWITCH (widget) ||
         gtk_widget_get_ancestor (widget, ADW_TYPE_EXPANDER_ROW) != NULL;
}

static void
body_focus (Fixture *f)
{
  g_autoptr(GPtrArray) stops = NULL;
  guint log_out = G_MAXUINT;

  log_in_as_emily (f);

  /* Home starts on the first thing to use. */
  g_assert_true (has_focus_within (f, home (f, "call_button")));

  /* Only controls take Tab, and Log Out is a few of them away. */
  stops = tab_stops (f);
  for (guint i = 0; i < stops->len; i++)
    {
      GtkWidget *stop = g_ptr_array_index (stops, i);

      g_test_message ("Tab stop %u: %s", i + 1, G_OBJECT_TYPE_NAME (stop));
      g_assert_true (is_control (stop));
      if (stop == home (f, "log_out_button"))
        log_out = i + 1;
    }
  g_assert_cmpuint (log_out, <=, 3);

  /* Log Out, and Log In starts on the username. */
  click (home (f, "log_out_button"));
  wait_for_page (f, "log-in");
  g_assert_true (has_focus_within (f, login (f, "username_row")));
}

static void
test_focus (Fixture       *f,
            gconstpointer  data)
{
  run_app (f, body_focus);
}

static void
test_forms_reset (Fixture       *f,
                  gconstpointer  data)
{
  run_app (f, body_forms_reset);
}

static void
test_log_out (Fixture       *f,
              gconstpointer  data)
{
  run_app (f, body_log_out);

  /* The next start asks to log in. */
  run_app (f, body_log_in_page);
}

static void
body_log_out_action (Fixture *f)
{
  log_in_as_emily (f);

  /* What `gapplication action io.github.authflow.Authflow log-out` does. */
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "log-out"));
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "log-out", NULL);
  wait_for_page (f, "log-in");
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "log-out"));
}

static void
body_persist_off (Fixture *f)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID_BASE);

  g_settings_set_boolean (settings, "persist-sessions", FALSE);

  log_in_as_emily (f);
  g_assert_false (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 500, is_stored (f)));
}

static void
test_persist_off (Fixture       *f,
                  gconstpointer  data)
{
  run_app (f, body_persist_off);
  run_app (f, body_log_in_page);
}

static void
body_no_keyring (Fixture *f)
{
  GtkRevealer *notice = child (f->window, AUTHFLOW_TYPE_WINDOW, "keyring_revealer");
  GtkLabel *notice_label = child (f->window, AUTHFLOW_TYPE_WINDOW, "keyring_label");
  const char *expected = "The system keyring is not available, so your session will not "
                         "be remembered after Authflow closes.";

  /* No keyring: the app starts, says so, and still lets the person in. */
  wait_for_page (f, "log-in");
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_revealer_get_reveal_child (notice)));
  g_assert_cmpstr (gtk_label_get_text (notice_label), ==, expected);

  log_in_as_emily (f);
  g_assert_cmpstr (gtk_label_get_text (home (f, "name_label")), ==, "Emily Johnson");
  g_assert_true (gtk_revealer_get_reveal_child (notice));
  g_assert_cmpstr (gtk_label_get_text (notice_label), ==, expected);

  /* Try Again asks the keyring once more; it is still not there. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.retry-keyring", NULL);
  authflow_test_wait (NULL, 200);
  g_assert_true (gtk_revealer_get_reveal_child (notice));

  /* Read, it can be put away. */
  click (find_button_with_action (GTK_WIDGET (notice), "win.dismiss-keyring-notice"));
  g_assert_false (gtk_revealer_get_reveal_child (notice));

  click (home (f, "log_out_button"));
  wait_for_page (f, "log-in");
}

static void
test_no_keyring (Fixture       *f,
                 gconstpointer  data)
{
  /* build-aux/headless-run --no-keyring runs this as test-ui-no-keyring. */
  if (g_strcmp0 (g_getenv ("AUTHFLOW_HEADLESS_KEYRING"), "0") != 0)
    {
      g_test_skip ("Needs a session without a Secret Service (test-ui-no-keyring)");
      return;
    }

  run_app (f, body_no_keyring);
}

static AuthflowFlow *
flow_of (Fixture *f)
{
  return authflow_application_get_flow (f->app);
}

/* Restarts the fixture's server with @args, e.g. a short token lifetime. */
static void
use_server (Fixture           *f,
            const char *const *args)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&f->server, authflow_test_server_free);
  f->server = authflow_test_server_start (args, &error);
  g_assert_no_error (error);
}

/* Ends the session's refresh family on the server, as a logout from
 * another device would: the app only learns of it when it next renews.
 */
static void
revoke_elsewhere (Fixture *f)
{
  AuthflowSession *session = authflow_flow_get_session (flow_of (f));
  g_autoptr(SoupSession) soup = soup_session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autofree char *url = NULL;
  g_autofree char *json = NULL;
  g_autofree char *bearer = NULL;

  url = g_strconcat (authflow_test_server_get_url (f->server), "/auth/logout", NULL);
  message = soup_message_new ("POST", url);
  bearer = g_strconcat ("Bearer ", authflow_session_get_access_token (session), NULL);
  soup_message_headers_append (soup_message_get_request_headers (message), "Authorization", bearer);
  json = g_strdup_printf ("{\"refreshToken\": \"%s\"}", authflow_session_get_refresh_token (session));
  body = g_bytes_new (json, strlen (json));
  soup_message_set_request_body_from_bytes (message, "application/json", body);

  soup_session_send_and_read_async (soup, message, G_PRIORITY_DEFAULT, NULL, authflow_test_got_result_cb, &result);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, result != NULL));
  answer = soup_session_send_and_read_finish (soup, result, NULL);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
}

static void
body_countdown (Fixture *f)
{
  g_autofree char *before = NULL;
  const char *after;

  log_in_as_emily (f);

  /* The expiry counts down while Home is on screen. */
  before = g_strdup (adw_action_row_get_subtitle (home (f, "expiry_row")));
  g_assert_nonnull (strstr (before, " · in 59 min "));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 5000,
                                           g_strcmp0 (adw_action_row_get_subtitle (home (f, "expiry_row")), before) != 0));
  after = adw_action_row_get_subtitle (home (f, "expiry_row"));
  g_assert_nonnull (strstr (after, " · in 59 min "));

  /* The next refresh is a minute before expiry (a tenth of an hour is
   * more than the one-minute cap).
   */
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (home (f, "next_refresh_row")), " · in 58 min "));
}

static void
test_countdown (Fixture       *f,
                gconstpointer  data)
{
  run_app (f, body_countdown);
}

static void
body_protected_call (Fixture *f)
{
  AdwActionRow *result_row = home (f, "call_result_row");

  log_in_as_emily (f);
  g_assert_cmpstr (adw_action_row_get_subtitle (result_row), ==, "Not called yet");

  /* By now the 2-second token has expired; the call still succeeds. */
  authflow_test_wait (NULL, 2500);
  click (home (f, "call_button"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS,
                                           g_str_has_prefix (adw_action_row_get_subtitle (result_row), "200 OK at ")));
  g_assert_true (g_str_has_suffix (adw_action_row_get_subtitle (result_row),
                                   ": the server says you are Emily Johnson (@emilys)"));
  g_assert_cmpuint (authflow_flow_get_refresh_count (flow_of (f)), >=, 1);
  g_assert_true (page_is (f, "home"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (home (f, "next_refresh_row")), "renewed"));
}

static void
test_protected_call (Fixture       *f,
                     gconstpointer  data)
{
  const char *args[] = { "--access-ttl", "2", NULL };

  use_server (f, args);
  run_app (f, body_protected_call);
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }

  return NULL;
}

static gpointer
dialog_child (GtkWindow  *dialog,
              const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (dialog), AUTHFLOW_TYPE_EDIT_PROFILE_DIALOG, name);
}

static GtkWindow *
open_editor (Fixture *f)
{
  GtkWindow *dialog;

  click (home (f, "edit_button"));
  dialog = find_toplevel (AUTHFLOW_TYPE_EDIT_PROFILE_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_mapped (GTK_WIDGET (dialog))));

  return dialog;
}

static void
body_edit_profile (Fixture *f)
{
  GtkWindow *dialog;
  GtkLabel *error_label;
  g_autofree char *escape = NULL;

  log_in_as_emily (f);

  /* A dialog over the window, all of it in view, focus on the first field. */
  dialog = open_editor (f);
  g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (f->window));
  g_assert_true (gtk_window_get_modal (dialog));
  g_assert_cmpstr (gtk_window_get_title (dialog), ==, "Edit Profile");
  g_assert_true (gtk_widget_has_focus (gtk_root_get_focus (GTK_ROOT (dialog))));
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (dialog)), dialog_child (dialog, "first_name_row")));
  g_assert_cmpstr (gtk_editable_get_text (dialog_child (dialog, "first_name_row")), ==, "Emily");
  g_assert_cmpstr (gtk_editable_get_text (dialog_child (dialog, "email_row")), ==, "emily.johnson@x.dummyjson.com");
  g_assert_cmpstr (adw_preferences_group_get_description (dialog_child (dialog, "group")), ==,
                   "Sent with PATCH /auth/me; the answer updates the signed-in user and the keyring.");

  /* Escape closes it, and nothing changes. */
  escape = shortcut_action (GTK_WIDGET (dialog), GDK_KEY_Escape, 0);
  g_assert_cmpstr (escape, ==, "window.close");
  type_text (dialog_child (dialog, "first_name_row"), "Not Saved");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), escape, NULL));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, find_toplevel (AUTHFLOW_TYPE_EDIT_PROFILE_DIALOG) == NULL));
  g_assert_cmpstr (gtk_label_get_text (home (f, "name_label")), ==, "Emily Johnson");

  /* The server's objection lands on its field, in the dialog. */
  dialog = open_editor (f);
  error_label = dialog_child (dialog, "error_label");
  g_assert_cmpstr (gtk_editable_get_text (dialog_child (dialog, "first_name_row")), ==, "Emily");
  type_text (dialog_child (dialog, "first_name_row"), "Em");
  type_text (dialog_child (dialog, "email_row"), "nope");
  click (dialog_child (dialog, "save_button"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_visible (GTK_WIDGET (error_label))));
  g_assert_cmpstr (gtk_label_get_text (error_label), ==, "Email is not valid");
  g_assert_true (gtk_widget_has_css_class (dialog_child (dialog, "email_row"), "error"));
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (dialog)), dialog_child (dialog, "email_row")));
  g_assert_cmpstr (gtk_label_get_text (home (f, "name_label")), ==, "Emily Johnson");

  /* Fixed, it is saved: a toast says so; Home, the session and the
   * keyring follow.
   */
  type_text (dialog_child (dialog, "email_row"), "em@example.com");
  press_enter (dialog_child (dialog, "email_row"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, find_toplevel (AUTHFLOW_TYPE_EDIT_PROFILE_DIALOG) == NULL));
  g_assert_nonnull (find_label_with_text (GTK_WIDGET (f->window), "Profile saved"));
  g_assert_cmpstr (gtk_label_get_text (home (f, "name_label")), ==, "Em Johnson");
  g_assert_cmpstr (gtk_label_get_text (home (f, "detail_label")), ==, "@emilys · em@example.com");
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS,
                                           stored_contains (f, "\"firstName\":\"Em\"")));
}

/* Every mnemonic a person can press in @root now: the drawable labels
 * that underline a letter. Two of one letter would each take the other's
 * Alt+letter away.
 */
static void
collect_mnemonics (GtkWidget  *widget,
                   GHashTable *seen)
{
  if (!gtk_widget_is_drawable (widget))
    return;

  if (GTK_IS_LABEL (widget) && gtk_label_get_use_underline (GTK_LABEL (widget)) &&
      gtk_label_get_mnemonic_keyval (GTK_LABEL (widget)) != GDK_KEY_VoidSymbol)
    {
      guint keyval = gdk_keyval_to_lower (gtk_label_get_mnemonic_keyval (GTK_LABEL (widget)));
      const char *other = g_hash_table_lookup (seen, GUINT_TO_POINTER (keyval));

      if (other != NULL)
        g_error ("Alt+%s is claimed by “%s” and “%s”", gdk_keyval_name (keyval), other,
                 gtk_label_get_label (GTK_LABEL (widget)));
      g_hash_table_insert (seen, GUINT_TO_POINTER (keyval), (gpointer) gtk_label_get_label (GTK_LABEL (widget)));
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_mnemonics (child, seen);
}

static guint
assert_mnemonics_unique (gpointer root)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  settle ();
  collect_mnemonics (GTK_WIDGET (root), seen);

  return g_hash_table_size (seen);
}

static void
body_mnemonics (Fixture *f)
{
  GtkWindow *window;

  wait_for_page (f, "log-in");
  g_assert_cmpuint (assert_mnemonics_unique (f->window), >=, 2);
  click (login (f, "sign_up_button"));
  wait_for_page (f, "sign-up");
  g_assert_cmpuint (assert_mnemonics_unique (f->window), >=, 2);
  click (signup (f, "log_in_button"));
  log_in_as_emily (f);
  g_assert_cmpuint (assert_mnemonics_unique (f->window), >=, 3);

  window = open_editor (f);
  g_assert_cmpuint (assert_mnemonics_unique (window), >=, 2);
  gtk_window_destroy (window);

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  window = find_toplevel (AUTHFLOW_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (window);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_mapped (GTK_WIDGET (window))));
  assert_mnemonics_unique (window);
  gtk_window_destroy (window);
}

static void
test_mnemonics (Fixture       *f,
                gconstpointer  data)
{
  run_app (f, body_mnemonics);
}

static void
test_edit_profile (Fixture       *f,
                   gconstpointer  data)
{
  run_app (f, body_edit_profile);
}

static void
body_session_expired (Fixture *f)
{
  GtkLabel *error_label = login (f, "error_label");

  log_in_as_emily (f);
  revoke_elsewhere (f);

  /* The 2-second token is due for renewal; the server refuses it. */
  wait_for_page (f, "log-in");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Log In");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_assert_cmpstr (gtk_label_get_text (error_label), ==, "Your session has expired. Please log in again.");

  /* The username is still there; the password is what to type. */
  g_assert_cmpstr (gtk_editable_get_text (login (f, "username_row")), ==, "emilys");
  g_assert_cmpstr (gtk_editable_get_text (login (f, "password_row")), ==, "");
  g_assert_true (has_focus_within (f, login (f, "password_row")));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, !is_stored (f)));

  /* Logging in again clears the message. */
  type_text (login (f, "password_row"), "emilyspass");
  press_enter (login (f, "password_row"));
  wait_for_page (f, "home");
  g_assert_null (authflow_flow_get_sign_out_reason (flow_of (f)));
}

static void
test_session_expired (Fixture       *f,
                      gconstpointer  data)
{
  const char *args[] = { "--access-ttl", "2", NULL };

  use_server (f, args);
  run_app (f, body_session_expired);
}

static void
body_server_away (Fixture *f)
{
  GtkRevealer *notice = child (f->window, AUTHFLOW_TYPE_WINDOW, "offline_revealer");
  GtkLabel *notice_label = child (f->window, AUTHFLOW_TYPE_WINDOW, "offline_label");
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  log_in_as_emily (f);
  g_assert_false (gtk_revealer_get_reveal_child (notice));

  /* The server goes away while the 2-second token needs renewing: the
   * person stays on Home, and is told what is going on.
   */
  g_assert_true (authflow_test_server_stop (f->server, &error));
  g_assert_no_error (error);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_revealer_get_reveal_child (notice)));
  expected = g_strdup_printf ("Could not connect to the server at 127.0.0.1:%u. Check that it is "
                              "running and that you are online. You stay logged in; Authflow "
                              "keeps trying.", authflow_test_server_get_port (f->server));
  g_assert_cmpstr (gtk_label_get_text (notice_label), ==, expected);
  g_assert_true (page_is (f, "home"));
  g_assert_true (is_stored (f));

  /* It comes back: the app notices by itself, renews, and says no more. */
  g_assert_true (authflow_test_server_restart (f->server, &error));
  g_assert_no_error (error);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, !gtk_revealer_get_reveal_child (notice)));
  g_assert_true (page_is (f, "home"));
  g_assert_cmpuint (authflow_flow_get_refresh_count (flow_of (f)), >=, 1);
}

static void
test_server_away (Fixture       *f,
                  gconstpointer  data)
{
  const char *args[] = { "--access-ttl", "2", NULL };

  use_server (f, args);
  run_app (f, body_server_away);
}

/* Writes a person's own profile: the reference server's calls, at @url. */
static void
write_profile (const char *id,
               const char *name,
               const char *url)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "authflow", "backends", NULL);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *builtin = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "..", "data", "profiles",
                                               "reference.json", NULL);
  g_autoptr(GString) copy = NULL;

  g_assert_true (g_file_get_contents (builtin, &text, NULL, &error));
  g_assert_no_error (error);
  copy = g_string_new (text);
  g_assert_cmpint (g_string_replace (copy, "\"id\": \"reference\"", "\"id\": \"@ID@\"", 1), ==, 1);
  g_assert_cmpint (g_string_replace (copy, "\"name\": \"Reference server\"", "\"name\": \"@NAME@\"", 1), ==, 1);
  g_assert_cmpint (g_string_replace (copy, "\"base_url\": \"http://127.0.0.1:8787\"", "\"base_url\": \"@URL@\"", 1), ==, 1);
  g_string_replace (copy, "@ID@", id, 1);
  g_string_replace (copy, "@NAME@", name, 1);
  g_string_replace (copy, "@URL@", url, 1);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  path = g_strdup_printf ("%s/%s.json", dir, id);
  g_assert_true (g_file_set_contents (path, copy->str, -1, &error));
  g_assert_no_error (error);
}

/* Chooses @name in the Preferences window's Backend row, as a person would. */
static void
choose_backend (Fixture    *f,
                const char *name)
{
  AuthflowPreferencesWindow *preferences = NULL;
  AdwComboRow *row;
  GListModel *model;
  gboolean found = FALSE;

  GListModel *toplevels = gtk_window_get_toplevels ();

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (AUTHFLOW_IS_PREFERENCES_WINDOW (window))
        preferences = AUTHFLOW_PREFERENCES_WINDOW (window);
    }
  g_assert_nonnull (preferences);

  row = ADW_COMBO_ROW (gtk_widget_get_template_child (GTK_WIDGET (preferences),
                                                      AUTHFLOW_TYPE_PREFERENCES_WINDOW, "backend_row"));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (row)));
  model = adw_combo_row_get_model (row);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AuthflowProfile) profile = g_list_model_get_item (model, i);

      if (g_str_equal (authflow_profile_get_name (profile), name))
        {
          adw_combo_row_set_selected (row, i);
          found = TRUE;
        }
    }
  g_assert_true (found);

  gtk_window_destroy (GTK_WINDOW (preferences));
}

static void
log_in_as (Fixture    *f,
           const char *username,
           const char *password)
{
  wait_for_page (f, "log-in");
  type_text (login (f, "username_row"), username);
  type_text (login (f, "password_row"), password);
  press_enter (login (f, "password_row"));
  wait_for_page (f, "home");
}

static void
body_switch_backends (Fixture *f)
{
  /* Signed in on Alpha… */
  log_in_as (f, "emilys", "emilyspass");
  g_assert_cmpstr (gtk_label_get_text (home (f, "name_label")), ==, "Emily Johnson");
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, is_stored (f)));

  /* …Beta has no session of its own yet: Log In, at Beta. */
  choose_backend (f, "Beta");
  wait_for_page (f, "log-in");
  g_assert_true (g_str_has_prefix (gtk_label_get_text (login (f, "subtitle_label")), "Log in to Beta ("));
  log_in_as (f, "michaelw", "michaelwpass");
  g_assert_cmpstr (gtk_label_get_text (home (f, "name_label")), ==, "Michael Williams");

  /* Back to Alpha: Emily's session is still there, without typing. */
  choose_backend (f, "Alpha");
  wait_for_page (f, "home");
  g_assert_cmpstr (gtk_label_get_text (home (f, "name_label")), ==, "Emily Johnson");
  g_assert_true (is_stored (f));

  /* And Beta's too. */
  choose_backend (f, "Beta");
  wait_for_page (f, "home");
  g_assert_cmpstr (gtk_label_get_text (home (f, "name_label")), ==, "Michael Williams");
}

static void
test_switch_backends (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID_BASE);
  g_autoptr(AuthflowTestServer) second = NULL;
  g_autoptr(GError) error = NULL;

  second = authflow_test_server_start (NULL, &error);
  g_assert_no_error (error);
  write_profile ("alpha", "Alpha", authflow_test_server_get_url (f->server));
  write_profile ("beta", "Beta", authflow_test_server_get_url (second));
  g_settings_set_string (settings, "backend", "alpha");

  run_app_with (f, body_switch_backends, FALSE);
}

/* Stands in for a backend that answers a login with a user nested under
 * "user" (tests/core/profiles/valid/nested.json), which no real server of this
 * project does.
 */
static void
nested_login_cb (SoupServer        *server,
                 SoupServerMessage *message,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  const char *url = user_data;
  char *answer;

  answer = g_strdup_printf ("{\"token\": \"opaque-token\", \"expires_at\": \"2099-01-01T00:00:00Z\","
                            " \"user\": {\"id\": 42, \"email\": \"ada@example.com\", \"firstName\": \"Ada\","
                            " \"image\": \"%s/avatar.png\","
                            " \"organization\": {\"name\": \"Analytical Engines\", \"roles\": [\"admin\", \"dev\"]}}}",
                            url);
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_TAKE,
                                    answer, strlen (answer));
}

/* A 5×4 picture, made here rather than shipped. */
static void
avatar_cb (SoupServer        *server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  g_autoptr(GBytes) pixels = g_bytes_new_take (g_malloc0 (5 * 4 * 4), 5 * 4 * 4);
  g_autoptr(GdkTexture) texture = gdk_memory_texture_new (5, 4, GDK_MEMORY_R8G8B8A8, pixels, 5 * 4);
  g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (texture);
  gsize size;
  gconstpointer data = g_bytes_get_data (png, &size);

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "image/png", SOUP_MEMORY_COPY, data, size);
}

static GtkWidget *
find_row (GtkWidget  *widget,
          const char *title)
{
  if (ADW_IS_PREFERENCES_ROW (widget) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_row (child, title);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
body_nested_user (Fixture *f)
{
  GtkWidget *user_group = home (f, "user_group");
  GtkWidget *organization;
  GtkWidget *roles;

  /* This backend logs in by email, and the form says so. */
  wait_for_page (f, "log-in");
  g_assert_cmpstr (adw_preferences_row_get_title (login (f, "username_row")), ==, "Email");
  log_in_as (f, "ada@example.com", "secret-engine");

  /* The common fields read first, and the nested ones open up. */
  g_assert_cmpstr (gtk_label_get_text (home (f, "name_label")), ==, "Ada");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row (user_group, "Email"))), ==,
                   "ada@example.com");
  organization = find_row (user_group, "organization");
  g_assert_true (ADW_IS_EXPANDER_ROW (organization));
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (organization)), ==, "2 fields");
  /* Its members are made when it opens. */
  g_assert_null (find_row (organization, "name"));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (organization), TRUE);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row (organization, "name"))), ==,
                   "Analytical Engines");
  roles = find_row (organization, "roles");
  g_assert_true (ADW_IS_EXPANDER_ROW (roles));
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (roles)), ==, "2 items");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (roles), TRUE);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row (roles, "2"))), ==, "dev");

  /* The user's picture, fetched in the background, replaces the initials. */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS,
                                           adw_avatar_get_custom_image (home (f, "avatar")) != NULL));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (adw_avatar_get_custom_image (home (f, "avatar"))), ==, 5);

  /* No "me" call here: the protected call says so rather than failing. */
  g_assert_false (gtk_widget_is_sensitive (home (f, "call_button")));
  g_assert_false (gtk_widget_get_visible (home (f, "edit_button")));
}

/* Runs the app against @stand_in, a backend that the nested profile
 * (tests/core/profiles/valid/nested.json) describes and whose logins
 * @login_cb answers, given the stand-in's URL.
 */
/* Runs the app against @stand_in, a backend that @profile_text (with
 * https://api.example.com for its address) describes, and whose logins
 * at /sessions @login_cb answers, given the stand-in's URL.
 */
static void
run_app_with_backend (Fixture            *f,
                      SoupServer         *stand_in,
                      const char         *profile_text,
                      SoupServerCallback  login_cb,
                      void              (*body) (Fixture *f))
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID_BASE);
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "authflow", "backends", NULL);
  g_autofree char *path = g_build_filename (dir, "stand-in.json", NULL);
  g_autofree char *url = NULL;
  g_autoptr(GString) copy = NULL;
  GSList *uris;

  g_assert_true (soup_server_listen_local (stand_in, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (stand_in);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  if (g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';
  soup_server_add_handler (stand_in, "/sessions", login_cb, url, NULL);
  soup_server_add_handler (stand_in, "/avatar.png", avatar_cb, NULL, NULL);

  copy = g_string_new (profile_text);
  g_assert_cmpint (g_string_replace (copy, "https://api.example.com", url, 1), ==, 1);
  profile = authflow_profile_new_from_string (copy->str, "stand-in.json", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, copy->str, -1, &error));
  g_settings_set_string (settings, "backend", authflow_profile_get_id (profile));

  run_app_with (f, body, FALSE);
}

static void
run_app_with_nested (Fixture            *f,
                     SoupServer         *stand_in,
                     SoupServerCallback  login_cb,
                     void              (*body) (Fixture *f))
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *text = NULL;

  source = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "core", "profiles", "valid", "nested.json", NULL);
  g_assert_true (g_file_get_contents (source, &text, NULL, &error));
  run_app_with_backend (f, stand_in, text, login_cb, body);
}

static void
test_nested_user (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SoupServer) stand_in = soup_server_new (NULL, NULL);

  run_app_with_nested (f, stand_in, nested_login_cb, body_nested_user);
}

#define HUGE_NAME_SIZE (900 * 1024)
#define MANY_FIELDS 5000

/* A user record a person would never meet, within the 1 MiB answer cap: a
 * 900 KB first name and 5,000 more fields.
 */
static void
huge_login_cb (SoupServer        *server,
               SoupServerMessage *message,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  GString *answer = g_string_new ("{\"token\": \"opaque-token\", \"expires_at\": \"2099-01-01T00:00:00Z\","
                                  " \"user\": {\"id\": 42, \"email\": \"ada@example.com\", \"firstName\": \"");
  gsize len;

  for (guint i = 0; i < HUGE_NAME_SIZE; i++)
    g_string_append_c (answer, 'a');
  g_string_append_c (answer, '"');
  for (guint i = 0; i < MANY_FIELDS; i++)
    g_string_append_printf (answer, ", \"f%u\": %u", i, i);
  g_string_append (answer, "}}");

  len = answer->len;
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_TAKE,
                                    g_string_free (answer, FALSE), len);
}

static void
body_huge_user (Fixture *f)
{
  GtkWidget *user_group = home (f, "user_group");
  g_autofree char *more = NULL;
  const char *shown;
  guint rows = 0;

  wait_for_page (f, "log-in");
  log_in_as (f, "ada@example.com", "secret-engine");

  /* The first kilobyte of the name, and how much more there is. */
  shown = gtk_label_get_text (home (f, "name_label"));
  g_assert_cmpuint (strspn (shown, "a"), ==, 1000);
  g_assert_cmpstr (shown + 1000, ==, "… 920.6\u00a0kB more");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row (user_group, "First Name"))), ==, shown);

  /* 60 fields and a row that says what was left out. */
  for (GtkWidget *row = find_row (user_group, "ID"); row != NULL; row = gtk_widget_get_next_sibling (row))
    rows++;
  g_assert_cmpuint (rows, ==, 61);
  more = g_strdup_printf ("… %u more fields not shown", MANY_FIELDS + 3 - 60);
  g_assert_nonnull (find_row (user_group, more));
}

/* A backend that logs in by email and has a "me" call, but no refresh:
 * what Home says of its protected call, and how it shows numbers.
 */
static const char email_me_profile[] =
  "{\"id\": \"email-me\", \"name\": \"Email and me\", \"base_url\": \"https://api.example.com\","
  " \"login_identifier\": \"email\","
  " \"calls\": {\"login\": {\"method\": \"POST\", \"path\": \"/sessions\","
  "                         \"body\": {\"email\": \"{{email}}\", \"password\": \"{{password}}\"}},"
  "           \"me\": {\"method\": \"GET\", \"path\": \"/whoami\"}},"
  " \"answer\": {\"access_token\": \"$.token\", \"uid\": \"$.user.id\", \"user\": \"$.user\"}}";

#define EMAIL_ME_USER \
  "{\"id\": 7, \"email\": \"ada@example.com\", \"firstName\": \"Ada\", \"weight\": 193.24," \
  " \"ratios\": [0.1, 2.5e-7, 1e21], \"rank\": 12345678901234}"

static void
email_me_login_cb (SoupServer        *server,
                   SoupServerMessage *message,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  static const char answer[] = "{\"token\": \"opaque-token\", \"user\": " EMAIL_ME_USER "}";

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC, answer, strlen (answer));
}

static void
body_email_me (Fixture *f)
{
  GtkWidget *user_group = home (f, "user_group");
  GtkWidget *ratios;

  log_in_as (f, "ada@example.com", "secret-engine");

  /* The protected call is the profile's own, and the backend's lack of a
   * refresh call is said, not "renewed on the way".
   */
  g_assert_cmpstr (adw_preferences_group_get_description (home (f, "call_group")), ==,
                   "An authenticated GET /whoami. This backend cannot renew tokens: "
                   "once the token expires, the session ends.");
  click (home (f, "call_button"));
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (home (f, "call_result_row")), "Calling GET /whoami"));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_is_sensitive (home (f, "call_button"))));

  /* The person is named by what they log in with, not "(@?)"; and the
   * answer is in a toast, whatever part of Home is in view.
   */
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (home (f, "call_result_row")),
                            ": the server says you are Ada (ada@example.com)"));
  g_assert_nonnull (find_label_with_text (GTK_WIDGET (f->window), "Answered 200 OK"));

  /* Numbers read as the backend wrote them. */
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row (user_group, "weight"))), ==, "193.24");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row (user_group, "rank"))), ==, "12345678901234");
  ratios = find_row (user_group, "ratios");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (ratios), TRUE);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row (ratios, "1"))), ==, "0.1");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row (ratios, "2"))), ==, "2.5e-07");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row (ratios, "3"))), ==, "1e+21");
}

static void
email_me_whoami_cb (SoupServer        *server,
                    SoupServerMessage *message,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  static const char answer[] = "{\"user\": " EMAIL_ME_USER "}";

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC, answer, strlen (answer));
}

static void
test_email_me (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SoupServer) stand_in = soup_server_new (NULL, NULL);

  soup_server_add_handler (stand_in, "/whoami", email_me_whoami_cb, NULL, NULL);
  run_app_with_backend (f, stand_in, email_me_profile, email_me_login_cb, body_email_me);
}

/* A backend that logs in by email and signs up with an email and a
 * password only: no username, no names. Its sign-up answers with a token
 * alone.
 */
static const char email_signup_profile[] =
  "{\"id\": \"email-signup\", \"name\": \"Email sign-up\", \"base_url\": \"https://api.example.com\","
  " \"login_identifier\": \"email\","
  " \"calls\": {\"login\": {\"method\": \"POST\", \"path\": \"/sessions\","
  "                         \"body\": {\"email\": \"{{email}}\", \"password\": \"{{password}}\"}},"
  "           \"signup\": {\"method\": \"POST\", \"path\": \"/accounts\","
  "                          \"body\": {\"email\": \"{{email}}\", \"password\": \"{{password}}\"}}},"
  " \"answer\": {\"access_token\": \"$.token\", \"user\": null}}";

static void
email_signup_cb (SoupServer        *server,
                 SoupServerMessage *message,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  static const char answer[] = "{\"token\": \"opaque-signup-token\"}";
  char **received = user_data;
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (message));

  g_free (*received);
  *received = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  soup_server_message_set_status (message, SOUP_STATUS_CREATED, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC, answer, strlen (answer));
}

static char *email_signup_received;

static void
body_email_signup (Fixture *f)
{
  AuthflowUser *user;

  wait_for_page (f, "log-in");
  click (login (f, "sign_up_button"));
  wait_for_page (f, "sign-up");

  /* Only what the backend's sign-up takes is asked for, the email first. */
  g_assert_false (gtk_widget_get_visible (signup (f, "username_row")));
  g_assert_true (gtk_widget_get_visible (signup (f, "email_row")));
  g_assert_true (gtk_widget_get_visible (signup (f, "password_row")));
  g_assert_false (gtk_widget_get_visible (signup (f, "first_name_row")));
  g_assert_false (gtk_widget_get_visible (signup (f, "last_name_row")));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, has_focus_within (f, signup (f, "email_row"))));

  /* Enter in the email moves on to the password, over the hidden name. */
  type_text (signup (f, "email_row"), "ada@example.com");
  press_enter (signup (f, "email_row"));
  g_assert_true (has_focus_within (f, signup (f, "password_row")));
  type_text (signup (f, "password_row"), "analytical-engine");
  press_enter (signup (f, "password_row"));
  wait_for_page (f, "home");

  g_assert_cmpstr (email_signup_received, ==, "{\"email\":\"ada@example.com\",\"password\":\"analytical-engine\"}");

  /* The answer had a token only: the user is who signed up, by email. */
  user = authflow_session_get_user (authflow_flow_get_session (flow_of (f)));
  g_assert_cmpstr (authflow_user_get_email (user), ==, "ada@example.com");
  g_assert_null (authflow_user_get_username (user));
}

static void
test_email_signup (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SoupServer) stand_in = soup_server_new (NULL, NULL);

  soup_server_add_handler (stand_in, "/accounts", email_signup_cb, &email_signup_received, NULL);
  run_app_with_backend (f, stand_in, email_signup_profile, email_me_login_cb, body_email_signup);
  g_clear_pointer (&email_signup_received, g_free);
}

static void
test_huge_user (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SoupServer) stand_in = soup_server_new (NULL, NULL);

  run_app_with_nested (f, stand_in, huge_login_cb, body_huge_user);
}

static void
body_insecure_server_url (Fixture *f)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID_BASE);
  GListModel *toplevels = gtk_window_get_toplevels ();
  AuthflowPreferencesWindow *preferences = NULL;
  g_autofree char *saved = NULL;
  AdwEntryRow *row;

  wait_for_page (f, "log-in");
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (AUTHFLOW_IS_PREFERENCES_WINDOW (window))
        preferences = AUTHFLOW_PREFERENCES_WINDOW (window);
    }
  g_assert_nonnull (preferences);

  /* Plain http to another machine is refused where it is typed, and not
   * saved.
   */
  row = ADW_ENTRY_ROW (gtk_widget_get_template_child (GTK_WIDGET (preferences),
                                                      AUTHFLOW_TYPE_PREFERENCES_WINDOW, "server_row"));
  gtk_editable_set_text (GTK_EDITABLE (row), "http://auth.example.com:8080");
  g_signal_emit_by_name (row, "apply");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_assert_cmpstr (adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (gtk_widget_get_template_child (GTK_WIDGET (preferences),
                                                                                         AUTHFLOW_TYPE_PREFERENCES_WINDOW,
                                                                                         "backend_group"))),
                   ==, "Authflow talks plain http:// only to this machine; use https:// for auth.example.com");
  saved = g_settings_get_string (settings, "server-url");
  g_assert_cmpstr (saved, ==, "");
  gtk_window_destroy (GTK_WINDOW (preferences));
}

static void
test_insecure_server_url (Fixture       *f,
                          gconstpointer  data)
{
  run_app_with (f, body_insecure_server_url, FALSE);
}

static void inject_fault (Fixture    *f,
                          const char *spec);

static AuthflowPreferencesWindow *
open_preferences (Fixture *f)
{
  GtkWindow *preferences;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  preferences = find_toplevel (AUTHFLOW_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);

  return AUTHFLOW_PREFERENCES_WINDOW (preferences);
}

static gpointer
preferences_child (AuthflowPreferencesWindow *preferences,
                   const char                *name)
{
  return child (preferences, AUTHFLOW_TYPE_PREFERENCES_WINDOW, name);
}

/* The request body of the last exchange of the profile's @call, as the
 * journal keeps it.
 */
static const char *
last_request_body (Fixture    *f,
                   const char *call)
{
  GListModel *entries = authflow_journal_get_entries (authflow_application_get_journal (f->app));

  for (guint i = g_list_model_get_n_items (entries); i > 0; i--)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (entries, i - 1);
      JsonObject *details = authflow_journal_entry_get_details (entry);
      JsonObject *request;
      JsonObject *body;

      if (authflow_journal_entry_get_kind (entry) != AUTHFLOW_JOURNAL_HTTP ||
          g_strcmp0 (json_object_get_string_member_with_default (details, "call", NULL), call) != 0)
        continue;

      request = json_object_get_object_member (details, "request");
      body = json_object_get_object_member (request, "body");

      return json_object_get_string_member_with_default (body, "text", NULL);
    }

  return NULL;
}

/* Seconds from the server's now to the session's expiry. */
static double
seconds_left (Fixture *f)
{
  AuthflowFlow *flow = flow_of (f);
  g_autoptr(GDateTime) now = authflow_client_dup_server_now (authflow_flow_get_client (flow));
  GDateTime *expiry = authflow_session_get_expiry (authflow_flow_get_session (flow));

  g_assert_nonnull (expiry);

  return (double) g_date_time_difference (expiry, now) / G_TIME_SPAN_SECOND;
}

static gboolean
refreshed (Fixture *f,
           guint    count)
{
  return authflow_flow_get_refresh_count (flow_of (f)) >= count &&
         authflow_session_get_state (authflow_flow_get_session (flow_of (f))) == AUTHFLOW_SESSION_STATE_SIGNED_IN;
}

/* Preferences → Token Lifetime, kept for each backend, asked for by the
 * login, and honoured by the reference server.
 */
static void
body_token_lifetime (Fixture *f)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID_BASE);
  AuthflowPreferencesWindow *preferences;
  g_autoptr(GVariant) lifetimes = NULL;
  AdwActionRow *row;
  GtkSpinButton *spin;
  guint minutes;

  wait_for_page (f, "log-in");
  preferences = open_preferences (f);
  row = preferences_child (preferences, "token_row");
  spin = preferences_child (preferences, "token_spin");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Token _Lifetime");
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==,
                   "Minutes that each access token is asked to live, from the next login or renewal on. "
                   "0 leaves it to the backend.");
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (row)));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 0);
  g_assert_cmpuint (authflow_client_get_token_minutes (authflow_flow_get_client (flow_of (f))), ==, 0);

  /* Two minutes for the reference server, kept under its id. */
  gtk_spin_button_set_value (spin, 2);
  lifetimes = g_settings_get_value (settings, "token-lifetimes");
  g_assert_true (g_variant_lookup (lifetimes, "reference", "u", &minutes));
  g_assert_cmpuint (minutes, ==, 2);
  g_assert_cmpuint (g_variant_n_children (lifetimes), ==, 1);
  g_assert_cmpuint (authflow_client_get_token_minutes (authflow_flow_get_client (flow_of (f))), ==, 2);
  gtk_window_destroy (GTK_WINDOW (preferences));

  /* Another backend has its own, none yet; then seven minutes. */
  choose_backend (f, "DummyJSON");
  preferences = open_preferences (f);
  spin = preferences_child (preferences, "token_spin");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 0);
  gtk_spin_button_set_value (spin, 7);
  g_assert_cmpuint (authflow_client_get_token_minutes (authflow_flow_get_client (flow_of (f))), ==, 7);
  gtk_window_destroy (GTK_WINDOW (preferences));

  /* Back to the reference server: its two minutes are still there. */
  choose_backend (f, "Reference server");
  preferences = open_preferences (f);
  spin = preferences_child (preferences, "token_spin");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 2);
  gtk_window_destroy (GTK_WINDOW (preferences));
  g_clear_pointer (&lifetimes, g_variant_unref);
  lifetimes = g_settings_get_value (settings, "token-lifetimes");
  g_assert_true (g_variant_lookup (lifetimes, "dummyjson", "u", &minutes));
  g_assert_cmpuint (minutes, ==, 7);

  /* The login asks for them, and the token lives that long. */
  log_in_as_emily (f);
  g_assert_nonnull (strstr (last_request_body (f, "login"), "\"expiresInMins\":2"));
  g_assert_cmpfloat_with_epsilon (seconds_left (f), 120, 5);
}

static void
test_token_lifetime (Fixture       *f,
                     gconstpointer  data)
{
  run_app (f, body_token_lifetime);
}

/* `authflow --token-minutes 3`: for this run, whatever Preferences keep. */
static void
body_token_minutes_option (Fixture *f)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID_BASE);
  AuthflowPreferencesWindow *preferences;
  g_autoptr(GVariant) lifetimes = NULL;
  AdwActionRow *row;
  GtkSpinButton *spin;
  guint minutes;

  wait_for_page (f, "log-in");
  preferences = open_preferences (f);
  row = preferences_child (preferences, "token_row");
  spin = preferences_child (preferences, "token_spin");
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (row)));
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==, "Chosen with --token-minutes for this run.");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 3);
  gtk_window_destroy (GTK_WINDOW (preferences));

  log_in_as_emily (f);
  g_assert_nonnull (strstr (last_request_body (f, "login"), "\"expiresInMins\":3"));
  g_assert_cmpfloat_with_epsilon (seconds_left (f), 180, 5);

  /* A renewal asks for the same, and gets it: the protected call finds
   * its token expired, and renews it first.
   */
  inject_fault (f, "expire-token");
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "api-call", NULL);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, refreshed (f, 1)));
  g_assert_nonnull (strstr (last_request_body (f, "refresh"), "\"expiresInMins\":3"));
  inject_fault (f, "clear");
  g_assert_cmpfloat_with_epsilon (seconds_left (f), 180, 5);

  /* Preferences keep what they had. */
  lifetimes = g_settings_get_value (settings, "token-lifetimes");
  g_assert_cmpuint (g_variant_n_children (lifetimes), ==, 1);
  g_assert_true (g_variant_lookup (lifetimes, "reference", "u", &minutes));
  g_assert_cmpuint (minutes, ==, 10);
}

static void
test_token_minutes_option (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID_BASE);
  const char *args[] = { "--token-minutes", "3", NULL };
  const char *too_many[] = { "authflow", "--token-minutes", "43201", NULL };
  g_autoptr(AuthflowApplication) app = NULL;

  /* Preferences ask for ten minutes; this run, three. */
  g_settings_set_value (settings, "token-lifetimes", g_variant_new_parsed ("{'reference': @u 10}"));
  run_app_with_args (f, body_token_minutes_option, TRUE, args);

  /* More than the backends take is refused, and nothing starts. */
  app = authflow_application_new (G_APPLICATION_NON_UNIQUE);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 3, (char **) too_many), ==, 1);
}

static void
clipboard_text_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("");
}

static void
body_password_not_copied (Fixture *f)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (f->window));
  GtkEditable *password = gtk_editable_get_delegate (login (f, "password_row"));
  g_autofree char *text = NULL;

  wait_for_page (f, "log-in");
  gdk_clipboard_set_text (clipboard, "what was there before");

  /* Even shown with the peek button, all of it selected, the password
   * does not go to the clipboard.
   */
  type_text (login (f, "password_row"), "emilyspass");
  gtk_text_set_visibility (GTK_TEXT (password), TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (password));
  gtk_editable_select_region (password, 0, -1);
  g_signal_emit_by_name (password, "copy-clipboard");
  g_signal_emit_by_name (password, "cut-clipboard");

  gdk_clipboard_read_text_async (clipboard, NULL, clipboard_text_cb, &text);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, text != NULL));
  g_assert_cmpstr (text, ==, "what was there before");
  g_assert_cmpstr (gtk_editable_get_text (login (f, "password_row")), ==, "emilyspass");

  /* The username copies as any text does. */
  g_clear_pointer (&text, g_free);
  type_text (login (f, "username_row"), "emilys");
  gtk_editable_select_region (gtk_editable_get_delegate (login (f, "username_row")), 0, -1);
  g_signal_emit_by_name (gtk_editable_get_delegate (login (f, "username_row")), "copy-clipboard");
  gdk_clipboard_read_text_async (clipboard, NULL, clipboard_text_cb, &text);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, text != NULL));
  g_assert_cmpstr (text, ==, "emilys");
}

static void
test_password_not_copied (Fixture       *f,
                          gconstpointer  data)
{
  run_app (f, body_password_not_copied);
}

static void
test_start_on_log_in (Fixture       *f,
                          gconstpointer  data)
{
  run_app (f, body_start_on_log_in);
}

static void
test_log_in (Fixture       *f,
                 gconstpointer  data)
{
  run_app (f, body_log_in);
}

static void
test_log_in_wrong_password (Fixture       *f,
                                gconstpointer  data)
{
  run_app (f, body_log_in_wrong_password);
}

static void
test_log_in_server_down (Fixture       *f,
                             gconstpointer  data)
{
  run_app (f, body_log_in_server_down);
}

static void
test_sign_up (Fixture       *f,
                  gconstpointer  data)
{
  run_app (f, body_sign_up);
}

static void
test_sign_up_and_back (Fixture       *f,
                           gconstpointer  data)
{
  run_app (f, body_sign_up_and_back);
}

static void
test_busy_labels (Fixture       *f,
                  gconstpointer  data)
{
  run_app (f, body_busy_labels);
}

static void
test_log_out_action (Fixture       *f,
                         gconstpointer  data)
{
  run_app (f, body_log_out_action);
}

/* Whether the journal says the server revoked the session. */
static gboolean
revoked_in_journal (Fixture *f)
{
  GListModel *entries = authflow_journal_get_entries (authflow_application_get_journal (f->app));

  for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (entries, i);
      JsonObject *details = authflow_journal_entry_get_details (entry);

      if (authflow_journal_entry_get_kind (entry) == AUTHFLOW_JOURNAL_FAULT &&
          g_str_equal (authflow_journal_entry_get_event (entry), "injected") &&
          g_strcmp0 (json_object_get_string_member_with_default (details, "fault", NULL), "revoke-session") == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (details, "outcome", NULL), "revoked") == 0)
        return TRUE;
    }

  return FALSE;
}

static void
inject_fault (Fixture    *f,
              const char *spec)
{
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "inject-fault", g_variant_new_string (spec));
}

/* What `gapplication action io.github.authflow.Authflow inject-fault
 * "'…'"` does: the fault is set, a fault that is not known does nothing,
 * and a session revoked on the server ends at the next call.
 */
static void
body_inject_fault (Fixture *f)
{
  AuthflowFaults *faults;
  GtkLabel *error_label = login (f, "error_label");
  const char * const nonsense[] = {
    "", "nonsense", "latency", "latency:-5", "latency:fast", "server-error:404:2",
    "server-error:503:x", "clock-skew:7200", "keyring:broken", "offline:now", "suspend:0", ":",
  };

  log_in_as_emily (f);
  faults = authflow_flow_get_faults (flow_of (f));
  g_assert_false (authflow_faults_get_active (faults));

  for (guint i = 0; i < G_N_ELEMENTS (nonsense); i++)
    {
      inject_fault (f, nonsense[i]);
      g_assert_false (authflow_faults_get_active (faults));
    }

  inject_fault (f, "latency:1500");
  g_assert_cmpuint (authflow_faults_get_latency (faults), ==, 1500);
  inject_fault (f, "server-error:503:3");
  g_assert_cmpuint (authflow_faults_get_server_error_status (faults), ==, 503);
  g_assert_cmpuint (authflow_faults_get_server_errors_left (faults), ==, 3);
  inject_fault (f, "clock-skew:-3600");
  g_assert_cmpint (authflow_faults_get_clock_skew (faults), ==, -3600);
  inject_fault (f, "keyring:locked");
  g_assert_cmpint (authflow_faults_get_keyring_fault (faults), ==, AUTHFLOW_KEYRING_FAULT_LOCKED);
  inject_fault (f, "invalidate-token");
  g_assert_true (authflow_faults_get_invalidate_token (faults));
  inject_fault (f, "offline");
  g_assert_true (authflow_faults_get_offline (faults));
  inject_fault (f, "online");
  g_assert_false (authflow_faults_get_offline (faults));
  g_assert_true (authflow_faults_get_active (faults));
  inject_fault (f, "clear");
  g_assert_false (authflow_faults_get_active (faults));
  g_assert_cmpuint (authflow_faults_get_latency (faults), ==, 0);
  g_assert_cmpuint (authflow_faults_get_server_errors_left (faults), ==, 0);
  g_assert_cmpint (authflow_faults_get_clock_skew (faults), ==, 0);
  g_assert_true (page_is (f, "home"));

  /* The server ends the session; the next call finds out, for real. */
  inject_fault (f, "revoke-session");
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, revoked_in_journal (f)));
  g_assert_true (page_is (f, "home"));
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "api-call", NULL);
  wait_for_page (f, "log-in");
  g_assert_cmpstr (gtk_label_get_text (error_label), ==, "Your session has expired. Please log in again.");
}

static void
test_inject_fault (Fixture       *f,
                   gconstpointer  data)
{
  const char *args[] = { "--dev-endpoints", NULL };

  use_server (f, args);
  run_app (f, body_inject_fault);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    {
      g_test_skip ("No display: these tests need a real window");
      return 77;
    }

  /* Xvfb has no window manager, so the window never gets the X focus, and
   * GTK's cursor-blink timer then warns that a focused text "did not receive
   * a focus-out event". That is the test bed, not the app: no blinking.
   */
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/ui/start-on-log-in", test_start_on_log_in);
  ADD ("/ui/log-in", test_log_in);
  ADD ("/ui/log-in/wrong-password", test_log_in_wrong_password);
  ADD ("/ui/log-in/server-down", test_log_in_server_down);
  ADD ("/ui/sign-up", test_sign_up);
  ADD ("/ui/sign-up/and-back", test_sign_up_and_back);
  ADD ("/ui/second-start", test_second_start);
  ADD ("/ui/busy-labels", test_busy_labels);
  ADD ("/ui/forms-reset", test_forms_reset);
  ADD ("/ui/focus", test_focus);
  ADD ("/ui/mnemonics", test_mnemonics);
  ADD ("/ui/log-out", test_log_out);
  ADD ("/ui/log-out/action", test_log_out_action);
  ADD ("/ui/inject-fault", test_inject_fault);
  ADD ("/ui/persist-off", test_persist_off);
  ADD ("/ui/no-keyring", test_no_keyring);
  ADD ("/ui/home/countdown", test_countdown);
  ADD ("/ui/home/protected-call", test_protected_call);
  ADD ("/ui/home/edit-profile", test_edit_profile);
  ADD ("/ui/session-expired", test_session_expired);
  ADD ("/ui/server-away", test_server_away);
  ADD ("/ui/switch-backends", test_switch_backends);
  ADD ("/ui/nested-user", test_nested_user);
  ADD ("/ui/huge-user", test_huge_user);
  ADD ("/ui/email-me", test_email_me);
  ADD ("/ui/email-signup", test_email_signup);
  ADD ("/ui/insecure-server-url", test_insecure_server_url);
  ADD ("/ui/token-lifetime", test_token_lifetime);
  ADD ("/ui/token-lifetime/option", test_token_minutes_option);
  ADD ("/ui/password-not-copied", test_password_not_copied);

#undef ADD

  return g_test_run ();
}
