// SPDX-License-Identifier: GPL-3.0-or-later
/* The yardstick of build-aux/bench: the least a libadwaita app can be, an
 * AdwApplication with one AdwApplicationWindow that shows a label, built by
 * the same meson, compiler and flags as Authflow. Its window has Authflow's
 * default size, so that both paint the same number of pixels on their
 * first frame; what Authflow takes beyond it is Authflow's own.
 *
 * With --form it shows instead what Authflow's Log In shows, as a static
 * tree of the same widgets and texts (a header bar with a title, a
 * subtitle and the main menu's button, the app's 96 px picture, the
 * greeting, the two entry rows in a boxed list, the pill buttons, the
 * Sign Up link) and nothing behind them: no settings, no profiles, no
 * keyring, no network, no template. It is the floor under Log In's first
 * frame that GTK and libadwaita set, whatever an app does. --home does the
 * same for Home as it shows the reference server's demo user: the avatar
 * with initials, the name, the Session group (five rows, the tokens in
 * monospace), Protected API, User Data with its rows, Log Out.
 */
#include <adwaita.h>

static const char *page = NULL;

static GtkWidget *
label_with_class (const char *text,
                  const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);

  return label;
}

static GtkWidget *
pill (const char *label,
      const char *css_class)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_add_css_class (button, "pill");
  if (css_class != NULL)
    gtk_widget_add_css_class (button, css_class);
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);

  return button;
}

/* The header bar and a scrolled, clamped column, as both pages have. */
static GtkWidget *
new_page (const char  *title,
          gboolean     home,
          GtkWidget  **column)
{
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *menu = gtk_menu_button_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 24);

  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header),
                                   adw_window_title_new (title, "http://127.0.0.1:8080"));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu), "open-menu-symbolic");
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), menu);
  gtk_box_append (GTK_BOX (toolbar), header);

  /* As the two pages' templates have it. */
  if (!home)
    gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), home ? 560 : 400);
  if (home)
    adw_clamp_set_tightening_threshold (ADW_CLAMP (clamp), 400);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (toolbar), scrolled);

  *column = box;

  return toolbar;
}

static GtkWidget *
new_form (void)
{
  GtkWidget *box;
  GtkWidget *toolbar = new_page ("Log In", FALSE, &box);
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *image = gtk_image_new_from_file (BENCH_APP_PICTURE);
  GtkWidget *sign_up = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *row;

  gtk_image_set_pixel_size (GTK_IMAGE (image), 96);
  gtk_box_append (GTK_BOX (box), image);
  gtk_box_append (GTK_BOX (box), label_with_class ("Welcome", "title-1"));
  gtk_box_append (GTK_BOX (box), label_with_class ("Log in to the reference server", "dim-label"));

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), "Username");
  gtk_list_box_append (GTK_LIST_BOX (list), row);
  row = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), "Password");
  gtk_list_box_append (GTK_LIST_BOX (list), row);
  gtk_box_append (GTK_BOX (box), list);
  /* Shown on a first start against the reference server, as in the runs. */
  gtk_box_append (GTK_BOX (box),
                  label_with_class ("To try Authflow, log in as the demo user “emilys” with the password “emilyspass”.",
                                    NULL));

  gtk_box_append (GTK_BOX (box), pill ("_Log In", "suggested-action"));
  row = gtk_label_new ("Don’t have an account?");
  gtk_widget_add_css_class (row, "dim-label");
  gtk_box_append (GTK_BOX (sign_up), row);
  row = gtk_button_new_with_mnemonic ("_Sign Up");
  gtk_widget_add_css_class (row, "link-button");
  gtk_widget_add_css_class (row, "flat");
  gtk_box_append (GTK_BOX (sign_up), row);
  gtk_widget_set_halign (sign_up, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), sign_up);

  return toolbar;
}

static GtkWidget *
property_row (const char *title,
              const char *value,
              gboolean    token,
              int         lines)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), lines);
  gtk_widget_add_css_class (row, "property");
  if (token)
    gtk_widget_add_css_class (row, "token");

  return row;
}

static GtkWidget *
group_with_button (const char *title,
                   const char *description,
                   const char *button)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  if (button != NULL)
    {
      GtkWidget *suffix = gtk_button_new_with_mnemonic (button);

      gtk_widget_set_valign (suffix, GTK_ALIGN_CENTER);
      adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), suffix);
    }

  return group;
}

static GtkWidget *
new_home (void)
{
  static const char * const user[][2] = {
    { "ID", "1" }, { "Username", "emilys" }, { "Email", "emily.johnson@x.dummyjson.com" },
    { "First Name", "Emily" }, { "Last Name", "Johnson" },
  };
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  GtkWidget *box;
  GtkWidget *toolbar = new_page ("Home", TRUE, &box);
  GtkWidget *heading = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *avatar = adw_avatar_new (96, "Emily Johnson", TRUE);
  GtkWidget *group;
  GtkWidget *log_out;

  /* Home's rules for its rows, as Authflow's style sheet has them. */
  gtk_css_provider_load_from_data (css,
                                   "row.property .subtitle { opacity: 1; }"
                                   " row.token .subtitle { font-family: monospace; }", -1);
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  gtk_widget_set_halign (avatar, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_bottom (avatar, 6);
  gtk_box_append (GTK_BOX (heading), avatar);
  gtk_box_append (GTK_BOX (heading), label_with_class ("Emily Johnson", "title-1"));
  gtk_box_append (GTK_BOX (heading), label_with_class ("@emilys · emily.johnson@x.dummyjson.com", "dim-label"));
  gtk_box_append (GTK_BOX (box), heading);

  group = group_with_button ("Session", "The auth properties the backend issued to the signed-in user", NULL);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), property_row ("User ID", "1", TRUE, 0));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), property_row ("Access Token", "eyJhbGci…89Ei1w", TRUE, 0));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), property_row ("Refresh Token", "1-iPVy_P…bib0_8", TRUE, 0));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), property_row ("Token Expiry", "04:00:45 · in 59 min 57 s", TRUE, 0));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), property_row ("Next Refresh", "03:59:45 · in 58 min 57 s", TRUE, 0));
  gtk_box_append (GTK_BOX (box), group);

  group = group_with_button ("Protected API",
                             "An authenticated GET /auth/me. An expired token is renewed on the way and the call sent again.",
                             "_Call Protected API");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), property_row ("Result", "Not called yet", FALSE, 4));
  gtk_box_append (GTK_BOX (box), group);

  group = group_with_button ("User Data", "Every field of the user record the backend sent", "_Edit Profile");
  for (guint i = 0; i < G_N_ELEMENTS (user); i++)
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), property_row (user[i][0], user[i][1], FALSE, 3));
  gtk_box_append (GTK_BOX (box), group);

  log_out = pill ("Log _Out", "destructive-action");
  gtk_box_append (GTK_BOX (box), log_out);

  return toolbar;
}

static void
activate_cb (GApplication *app)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));

  gtk_window_set_default_size (GTK_WINDOW (window), 460, 720);
  if (g_strcmp0 (page, "--form") == 0)
    {
      gtk_window_set_title (GTK_WINDOW (window), "Log In");
      adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), new_form ());
    }
  else if (g_strcmp0 (page, "--home") == 0)
    {
      gtk_window_set_title (GTK_WINDOW (window), "Home");
      adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), new_home ());
    }
  else
    {
      gtk_window_set_title (GTK_WINDOW (window), "Hello");
      adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), gtk_label_new ("Hello"));
    }
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = NULL;

  /* Its own option, read before GApplication sees the command line. */
  if (argc > 1 && (g_str_equal (argv[1], "--form") || g_str_equal (argv[1], "--home")))
    {
      page = argv[1];
      argv[1] = argv[0];
      argc--;
      argv++;
    }

  app = adw_application_new ("io.github.authflow.BenchBareWindow", G_APPLICATION_DEFAULT_FLAGS);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
