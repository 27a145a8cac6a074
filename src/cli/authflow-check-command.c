// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-check-command"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "authflow-backends.h"
#include "authflow-check.h"
#include "authflow-check-command.h"

/* `authflow check`: the backend check (see authflow-check.c) from a
 * terminal or a script, without a display. It never starts GTK: main()
 * hands it the command line before the application exists. A password
 * never comes on the command line, where every user of the machine can
 * read it; it comes from a file, standard input or a prompt.
 *
 * Exit status: 0 when no item failed, 1 when one did, 2 for a usage
 * error (nothing was sent).
 */

#define EXIT_USAGE 2

/* Longer than any password, short enough that a wrong file is not read
 * whole.
 */
#define MAX_PASSWORD_SIZE 4096

/* The demo user that the reference server seeds, and the only backend
 * whose demo user the check assumes.
 */
#define DEMO_BACKEND  "reference"
#define DEMO_USERNAME "emilys"
#define DEMO_PASSWORD "emilyspass"

typedef struct
{
  GMainLoop *loop;
  gboolean   json;
  gboolean   color;
  gboolean   done;
  GError    *error;
} Run;

static int
usage_error (const char *message)
{
  /* Translators: %s is what is wrong with the command line. */
  g_printerr (_("authflow check: %s\n"), message);
  g_printerr ("%s\n", _("Run “authflow check --help” to see the options."));

  return EXIT_USAGE;
}

static void
wipe (char *text)
{
  if (text != NULL)
    memset (text, 0, strlen (text));
  g_free (text);
}

/* The first line of @data, without its line end. */
static char *
first_line (const char *data,
            gsize       size)
{
  gsize end = 0;

  while (end < size && data[end] != '\n' && data[end] != '\0')
    end++;
  if (end > 0 && data[end - 1] == '\r')
    end--;

  return g_strndup (data, end);
}

static char *
read_password_file (const char  *path,
                    GError     **error)
{
  g_autofree char *contents = NULL;
  gsize size = 0;
  char *password;

  if (!g_file_get_contents (path, &contents, &size, error))
    return NULL;

  if (size > MAX_PASSWORD_SIZE)
    {
      memset (contents, 0, size);
      /* Translators: %s is a file name. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s is too large to be a password file"), path);
      return NULL;
    }

  password = first_line (contents, size);
  memset (contents, 0, size);

  return password;
}

/* One line from @stream, at most MAX_PASSWORD_SIZE bytes. */
static char *
read_password_line (FILE    *stream,
                    GError **error)
{
  char buffer[MAX_PASSWORD_SIZE + 2];
  char *password;

  if (fgets (buffer, sizeof buffer, stream) == NULL)
    {
      if (ferror (stream))
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), _("Could not read the password: %s"),
                     g_strerror (errno));
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             _("Standard input ended before a password came"));
      return NULL;
    }

  password = first_line (buffer, strlen (buffer));
  memset (buffer, 0, sizeof buffer);

  return password;
}

/* Asks on the terminal, without echo. */
static char *
prompt_password (const char  *username,
                 const char  *backend,
                 GError     **error)
{
  struct termios saved;
  struct termios quiet;
  gboolean echo_off;
  char *password;

  /* Translators: the first %s is a username, the second a backend's name. */
  g_printerr (_("Password for “%s” on %s: "), username, backend);

  echo_off = tcgetattr (STDIN_FILENO, &saved) == 0;
  if (echo_off)
    {
      quiet = saved;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }

  password = read_password_line (stdin, error);

  if (echo_off)
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
  g_printerr ("\n");

  return password;
}

/* The app's choice, where nobody said otherwise: Preferences' backend and
 * server, if the settings' schema is installed; else the reference server.
 */
static GSettings *
app_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source == NULL || !(schema = g_settings_schema_source_lookup (source, APP_ID_BASE, TRUE)))
    return NULL;

  return g_settings_new_full (schema, NULL, NULL);
}

static char *
list_backends (AuthflowBackends *backends)
{
  GListModel *profiles = authflow_backends_get_profiles (backends);
  GString *ids = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (profiles); i++)
    {
      g_autoptr(AuthflowProfile) profile = g_list_model_get_item (profiles, i);

      g_string_append_printf (ids, "%s%s", i > 0 ? ", " : "", authflow_profile_get_id (profile));
    }

  return g_string_free (ids, FALSE);
}

static void
item_state_cb (AuthflowCheckItem *item,
               GParamSpec        *pspec,
               Run               *run)
{
  g_autofree char *text = NULL;

  if (run->json || !authflow_check_state_is_finished (authflow_check_item_get_state (item)))
    return;

  text = authflow_check_item_dup_text (item, run->color);
  g_print ("%s", text);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  Run *run = user_data;

  authflow_check_run_finish (AUTHFLOW_CHECK (object), result, &run->error);
  run->done = TRUE;
  g_main_loop_quit (run->loop);
}

static void
print_json (AuthflowCheck *check)
{
  g_autoptr(JsonNode) report = authflow_check_to_json (check);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, report);
  text = json_generator_to_data (generator, NULL);

  /* JSON is UTF-8 whatever the locale: the bytes go out as they are. */
  fwrite (text, 1, strlen (text), stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

/**
 * authflow_check_command_run:
 * @argv: (array length=argc): the command line from "check" on
 *
 * Returns: the exit status
 */
int
authflow_check_command_run (int    argc,
                            char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowBackends) backends = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(AuthflowCheck) check = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *backend = NULL;
  g_autofree char *server = NULL;
  g_autofree char *username = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *user_dir = NULL;
  g_autofree char *heading = NULL;
  char *password = NULL;
  gboolean password_stdin = FALSE;
  gboolean sign_up = FALSE;
  gboolean json = FALSE;
  AuthflowProfile *profile;
  GListModel *items;
  Run run = { 0 };
  const GOptionEntry entries[] = {
    /* Translators: the description of authflow check's --backend option. */
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &backend, N_("The backend to check (a profile id such as “reference” or “dummyjson”); by default the app’s"), N_("ID") },
    /* Translators: the description of authflow check's --server option. */
    { "server", 's', 0, G_OPTION_ARG_STRING, &server, N_("The backend’s base URL; by default the app’s, or the profile’s"), N_("URL") },
    /* Translators: the description of authflow check's --username option. */
    { "username", 'u', 0, G_OPTION_ARG_STRING, &username, N_("Who to log in as (a username or an email, as the backend has it)"), N_("NAME") },
    /* Translators: the description of authflow check's --password-file option. */
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, N_("Read the password from the first line of FILE"), N_("FILE") },
    /* Translators: the description of authflow check's --password-stdin option. */
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, N_("Read the password from the first line of standard input"), NULL },
    /* Translators: the description of authflow check's --sign-up option. */
    { "sign-up", 0, 0, G_OPTION_ARG_NONE, &sign_up, N_("Sign up a throw-away user (“authflow-check-…”, which stays on the server), and check as that user unless --username is given"), NULL },
    /* Translators: the description of authflow check's --json option. */
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the report as JSON"), NULL },
    { NULL }
  };

  /* GTK would set the locale for the app; here nobody else does. */
  setlocale (LC_ALL, "");

  /* Standard output is the report's (JSON, with --json): GLib's debug and
   * info messages, which it would write there too, go to standard error.
   */
  g_log_writer_default_set_use_stderr (TRUE);

  /* Refused before anything is parsed, with the reason: GOption would
   * only say that it does not know the option.
   */
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--password") || g_str_has_prefix (argv[i], "--password="))
      return usage_error (_("--password is not an option: a password on the command line can be read by every "
                            "user of this machine and stays in the shell’s history. Use --password-file FILE, "
                            "--password-stdin, or give --username alone to be asked for it."));

  /* Translators: what comes after "authflow check" in its --help. */
  context = g_option_context_new (_("— check that a backend does what Authflow needs of it"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
                                    _("Each item prints as pass, warning, fail or skipped, with what the server was "
                                      "seen to do and, for a warning or a failure, what to change. Exit status: 0 "
                                      "when no item failed, 1 when one did, 2 for a usage error.\n\n"
                                      "Without --username, the reference server is checked as its demo user, "
                                      "emilys; any other backend needs --username (or --sign-up)."));

  g_set_prgname ("authflow check");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error->message);

  if (argc > 1)
    {
      /* Translators: %s is what was given on the command line. */
      g_autofree char *message = g_strdup_printf (_("“%s” is not an option of authflow check"), argv[1]);

      return usage_error (message);
    }

  if (password_file != NULL && password_stdin)
    return usage_error (_("Give the password with --password-file or --password-stdin, not both"));

  if ((password_file != NULL || password_stdin) && username == NULL)
    return usage_error (_("A password needs --username: whose is it?"));

  settings = app_settings ();
  if (backend == NULL)
    backend = settings != NULL ? g_settings_get_string (settings, "backend") : g_strdup (DEMO_BACKEND);
  if (server == NULL && settings != NULL)
    {
      server = g_settings_get_string (settings, "server-url");
      if (server[0] == '\0')
        g_clear_pointer (&server, g_free);
    }

  user_dir = authflow_backends_dup_user_dir ();
  backends = authflow_backends_new (user_dir);
  if (!(profile = authflow_backends_lookup (backends, backend)))
    {
      g_autofree char *ids = list_backends (backends);
      /* Translators: the first %s is a backend id, the second a list of them. */
      g_autofree char *message = g_strdup_printf (_("There is no backend “%s”. The backends are: %s"), backend, ids);
      const char * const *problems = authflow_backends_get_problems (backends);

      for (guint i = 0; problems[i] != NULL; i++)
        g_printerr ("%s\n", problems[i]);

      return usage_error (message);
    }

  if (server != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (server, G_URI_FLAGS_NONE, NULL);

      if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0' ||
          (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 &&
           g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0))
        {
          /* Translators: %s is the URL given on the command line. */
          g_autofree char *message = g_strdup_printf (_("“%s” is not an http:// or https:// URL"), server);

          return usage_error (message);
        }
    }

  if (username == NULL && !sign_up && !g_str_equal (authflow_profile_get_id (profile), DEMO_BACKEND))
    {
      /* Translators: %s is a backend's name. */
      g_autofree char *message = g_strdup_printf (_("Whom should the check log in as? %s has no demo user that "
                                                    "Authflow knows: give --username NAME, with --password-file "
                                                    "FILE or --password-stdin (or be asked for the password), or "
                                                    "--sign-up to check as a throw-away user."),
                                                  authflow_profile_get_name (profile));

      return usage_error (message);
    }

  if (username != NULL)
    {
      if (password_file != NULL)
        password = read_password_file (password_file, &error);
      else if (password_stdin)
        password = read_password_line (stdin, &error);
      else if (isatty (STDIN_FILENO))
        password = prompt_password (username, authflow_profile_get_name (profile), &error);
      else
        return usage_error (_("--username needs its password: give --password-file FILE or --password-stdin, "
                              "or run on a terminal to be asked for it"));

      if (password == NULL)
        return usage_error (error->message);

      if (password[0] == '\0')
        {
          wipe (password);
          return usage_error (_("The password is empty"));
        }
    }
  else if (!sign_up)
    {
      username = g_strdup (DEMO_USERNAME);
      password = g_strdup (DEMO_PASSWORD);
    }

  check = authflow_check_new (profile, server);
  authflow_check_set_credentials (check, username, password);
  authflow_check_set_sign_up (check, sign_up);
  wipe (password);

  run.json = json;
  run.color = !json && isatty (STDOUT_FILENO) && g_getenv ("NO_COLOR") == NULL &&
              g_strcmp0 (g_getenv ("TERM"), "dumb") != 0;

  items = authflow_check_get_items (check);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(AuthflowCheckItem) item = g_list_model_get_item (items, i);

      g_signal_connect (item, "notify::state", G_CALLBACK (item_state_cb), &run);
    }

  if (!json)
    {
      heading = authflow_check_dup_heading (check);
      g_print ("%s\n", heading);
    }

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  authflow_check_run_async (check, NULL, run_cb, &run);
  if (!run.done)
    g_main_loop_run (loop);

  if (run.error != NULL)
    {
      g_printerr ("%s\n", run.error->message);
      g_clear_error (&run.error);
      return 1;
    }

  if (json)
    print_json (check);
  else
    {
      g_autofree char *summary = authflow_check_dup_summary (check);

      g_print ("%s\n", summary);
    }

  return authflow_check_get_outcome (check) == AUTHFLOW_CHECK_STATE_FAIL ? 1 : 0;
}
