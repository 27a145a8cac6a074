// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>
#include <adwaita.h>

#include "authflow-check-window.h"
#include "authflow-client.h"
#include "authflow-test-utils.h"

/* Check Backend in a real window, in process, against the real reference
 * server binary: the rows there before the check runs, filled in as it
 * goes with its evidence, a failure opening to what to do; the summary; the report copied,
 * with no password or token in it; a wrong password, said where it
 * happened. The tests read what a person would: rows' subtitles, labels.
 */

#define TIMEOUT_MS 60000

typedef struct
{
  AuthflowTestServer  *server;
  AuthflowProfile     *profile;
  AuthflowCheckWindow *window;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = authflow_test_server_start (NULL, &error);
  g_assert_no_error (error);
  f->profile = authflow_client_load_builtin_profile ("reference", &error);
  g_assert_no_error (error);
  f->window = authflow_check_window_new (f->profile, authflow_test_server_get_url (f->server));
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_mapped (GTK_WIDGET (f->window))));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_clear_object (&f->profile);
  g_clear_pointer (&f->server, authflow_test_server_free);
}

static gpointer
child (Fixture    *f,
       const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (f->window), AUTHFLOW_TYPE_CHECK_WINDOW, name);
}

static void
collect_rows (GtkWidget  *widget,
              GPtrArray  *rows)
{
  if (ADW_IS_EXPANDER_ROW (widget))
    {
      g_ptr_array_add (rows, widget);
      return;
    }

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_rows (c, rows);
}

static GPtrArray *
item_rows (Fixture *f)
{
  GPtrArray *rows = g_ptr_array_new ();

  collect_rows (child (f, "items_group"), rows);
  return rows;
}

static AdwExpanderRow *
item_row (Fixture    *f,
          const char *title)
{
  g_autoptr(GPtrArray) rows = item_rows (f);

  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (adw_preferences_row_get_title (rows->pdata[i]), title))
      return rows->pdata[i];

  g_assert_not_reached ();
}

static gboolean
finished (Fixture *f)
{
  AuthflowCheck *check = authflow_check_window_get_check (f->window);

  return !authflow_check_get_running (check) &&
         authflow_check_state_is_finished (authflow_check_get_outcome (check));
}

static void
run (Fixture *f)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "check.run", NULL));
  /* At once, it runs: the button is Cancel, the account cannot change. */
  g_assert_cmpstr (gtk_label_get_label (child (f, "run_label")), ==, "_Cancel");
  g_assert_false (gtk_widget_get_sensitive (child (f, "account_group")));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, finished (f)));
  g_assert_cmpstr (gtk_label_get_label (child (f, "run_label")), ==, "_Run Check");
}

/* The reference server passes every item; the demo user is filled in. */
static void
test_reference (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) rows = item_rows (f);
  g_autofree char *report = NULL;
  AuthflowCheck *check = authflow_check_window_get_check (f->window);
  guint n = g_list_model_get_n_items (authflow_check_get_items (check));

  g_assert_cmpstr (gtk_editable_get_text (child (f, "username_row")), ==, "emilys");
  g_assert_cmpuint (rows->len, ==, n);
  g_assert_cmpuint (n, >=, 14);
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpstr (adw_expander_row_get_subtitle (rows->pdata[i]), ==, "Not checked yet");
  g_assert_cmpstr (gtk_label_get_text (child (f, "summary_label")), ==, "Not run yet");

  run (f);

  for (guint i = 0; i < rows->len; i++)
    {
      const char *title = adw_preferences_row_get_title (rows->pdata[i]);
      const char *subtitle = adw_expander_row_get_subtitle (rows->pdata[i]);

      if (g_str_equal (title, "Sign-up creates a user"))
        g_assert_true (g_str_has_prefix (subtitle, "Skipped: "));
      else if (!g_str_has_prefix (subtitle, "Passed: "))
        g_error ("“%s”: %s", title, subtitle);
    }
  g_assert_true (g_str_has_prefix (adw_expander_row_get_subtitle (item_row (f, "Login returns an access token")),
                                   "Passed: HTTP 200 in "));
  /* A passed item has nothing more to say than its evidence. */
  g_assert_false (adw_expander_row_get_enable_expansion (item_row (f, "Login returns an access token")));
  g_assert_cmpstr (gtk_label_get_text (child (f, "summary_label")), ==,
                   "16 items passed, 0 warnings, 0 failures, 1 skipped");

  /* The report, as the command prints it; no secret in it. */
  report = authflow_check_window_dup_report (f->window);
  g_assert_true (g_str_has_prefix (report, "Checking Reference server (reference) at "));
  g_assert_nonnull (strstr (report, "\npass     login "));
  g_assert_true (g_str_has_suffix (report, "16 items passed, 0 warnings, 0 failures, 1 skipped\n"));
  g_assert_null (strstr (report, "emilyspass"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "check.copy-report", NULL));
}

/* A wrong password fails the login, and what follows it is skipped. */
static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  gtk_editable_set_text (child (f, "password_row"), "not-the-password");
  run (f);

  g_assert_true (g_str_has_prefix (adw_expander_row_get_subtitle (item_row (f, "Login returns an access token")),
                                   "Failed: "));
  g_assert_nonnull (strstr (adw_expander_row_get_subtitle (item_row (f, "Login returns an access token")),
                            "Invalid credentials"));
  g_assert_true (g_str_has_prefix (adw_expander_row_get_subtitle (item_row (f, "The refresh call renews the token")),
                                   "Skipped"));
  g_assert_nonnull (strstr (gtk_label_get_text (child (f, "summary_label")), "1 failure"));
  /* The failure opens, closed at first, to what to do about it. */
  g_assert_true (adw_expander_row_get_enable_expansion (item_row (f, "Login returns an access token")));
  g_assert_false (adw_expander_row_get_expanded (item_row (f, "Login returns an access token")));
}

/* Without an account, nothing runs, and the page says what it needs. */
static void
test_no_account (Fixture       *f,
                 gconstpointer  data)
{
  gtk_editable_set_text (child (f, "password_row"), "");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "check.run", NULL));
  g_assert_false (authflow_check_get_running (authflow_check_window_get_check (f->window)));
  g_assert_cmpstr (gtk_label_get_text (child (f, "summary_label")), ==, "Not run yet");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    {
      g_test_skip ("No display");
      return 77;
    }
  adw_init ();

  g_test_add ("/check-window/reference", Fixture, NULL, fixture_set_up, test_reference, fixture_tear_down);
  g_test_add ("/check-window/wrong-password", Fixture, NULL, fixture_set_up, test_wrong_password, fixture_tear_down);
  g_test_add ("/check-window/no-account", Fixture, NULL, fixture_set_up, test_no_account, fixture_tear_down);

  return g_test_run ();
}
