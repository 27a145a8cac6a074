// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <glib/gi18n.h>

#include "authflow-application.h"
#include "authflow-check-command.h"

#ifdef __SANITIZE_ADDRESS__
/* A process with a window makes more than GLib's first block of 2,048
 * quarks, and GLib leaves that block behind on purpose as it grows the
 * table. build-aux/lsan.supp sets aside what a library's constructor
 * allocated; to see that a leak comes from one, the stack must be
 * unwound past GLib, which has no frame pointers: the slow unwinder, a
 * few frames deep. ASAN_OPTIONS, as run-tests sets it, has the last word.
 */
const char *__asan_default_options (void);

const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0:malloc_context_size=10";
}
#endif

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
