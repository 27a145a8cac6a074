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
 * frame that GTK and libadwaita set, whatever an app does.
 */
#include <adwaita.h>

static gboolean form;

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

static GtkWidget *
new_form (void)
{
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *menu = gtk_menu_button_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 24);
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *image = gtk_image_new_from_file (BENCH_APP_PICTURE);
  GtkWidget *sign_up = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *row;

  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header),
                                   adw_window_title_new ("Log In", "http://127.0.0.1:8080"));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu), "open-menu-symbolic");
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), menu);
  gtk_box_append (GTK_BOX (toolbar), header);

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

  gtk_box_append (GTK_BOX (box), pill ("_Log In", "suggested-action"));
  gtk_box_append (GTK_BOX (sign_up), label_with_class ("Don’t have an account?", "dim-label"));
  row = gtk_button_new_with_mnemonic ("_Sign Up");
  gtk_widget_add_css_class (row, "link-button");
  gtk_widget_add_css_class (row, "flat");
  gtk_box_append (GTK_BOX (sign_up), row);
  gtk_widget_set_halign (sign_up, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), sign_up);

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 400);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (toolbar), scrolled);

  return toolbar;
}

static void
activate_cb (GApplication *app)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));

  gtk_window_set_title (GTK_WINDOW (window), form ? "Log In" : "Hello");
  gtk_window_set_default_size (GTK_WINDOW (window), 460, 720);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window),
                                      form ? new_form () : gtk_label_new ("Hello"));
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = NULL;

  /* Its own option, read before GApplication sees the command line. */
  if (argc > 1 && g_str_equal (argv[1], "--form"))
    {
      form = TRUE;
      argv[1] = argv[0];
      argc--;
      argv++;
    }

  app = adw_application_new ("io.github.authflow.BenchBareWindow", G_APPLICATION_DEFAULT_FLAGS);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
