// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <glib/gi18n.h>

#include "authflow-application.h"
#include "authflow-check-command.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AuthflowApplication) app = NULL;
  const char *localedir = g_getenv ("AUTHFLOW_LOCALEDIR");

  /* Runs from the build tree (tests, screenshots, `meson devenv`) find the
   * catalogues that the build compiled, in <builddir>/po.
   */
  if (localedir == NULL || localedir[0] == '\0')
    localedir = LOCALEDIR;

  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Authflow"));

  /* A command that needs no display runs before GTK is anywhere near. */
  if (argc > 1 && g_strcmp0 (argv[1], "check") == 0)
    return authflow_check_command_run (argc - 1, argv + 1);

  app = authflow_application_new (G_APPLICATION_DEFAULT_FLAGS);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
