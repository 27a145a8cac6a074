// SPDX-License-Identifier: GPL-3.0-or-later
/* The yardstick of build-aux/bench: the least a libadwaita app can be, an
 * AdwApplication with one AdwApplicationWindow that shows a label, built by
 * the same meson, compiler and flags as Authflow. Its window has Authflow's
 * default size, so that both paint the same number of pixels on their
 * first frame; what Authflow takes beyond it is Authflow's own.
 */
#include <adwaita.h>

static void
activate_cb (GApplication *app)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));

  gtk_window_set_title (GTK_WINDOW (window), "Hello");
  gtk_window_set_default_size (GTK_WINDOW (window), 460, 720);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window),
                                      gtk_label_new ("Hello"));
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = adw_application_new ("io.github.authflow.BenchBareWindow",
                                                       G_APPLICATION_DEFAULT_FLAGS);

  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
