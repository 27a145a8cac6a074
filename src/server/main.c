// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib-unix.h>

#include "authflow-server.h"
#include "authflow-server-log.h"

#define FALLBACK_PORT 8787

static gboolean
quit_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);

  return G_SOURCE_CONTINUE;
}

/* The app's built-in server URL and this default must agree, so the port
 * comes from the same build option. */
static int
get_default_port (void)
{
  g_autoptr(GUri) uri = g_uri_parse (DEFAULT_SERVER_URL, G_URI_FLAGS_NONE, NULL);

  if (uri != NULL && g_uri_get_port (uri) > 0)
    return g_uri_get_port (uri);

  return FALLBACK_PORT;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(AuthflowServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *address = NULL;
  g_autofree char *url = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *default_db_path = authflow_server_get_default_db_path ();
  int port = get_default_port ();
  int access_ttl = AUTHFLOW_SERVER_DEFAULT_ACCESS_TTL;
  int refresh_ttl = AUTHFLOW_SERVER_DEFAULT_REFRESH_TTL;
  int max_login_failures = AUTHFLOW_SERVER_DEFAULT_MAX_LOGIN_FAILURES;
  int max_address_failures = AUTHFLOW_SERVER_DEFAULT_MAX_ADDRESS_FAILURES;
  int connection_timeout = AUTHFLOW_SERVER_DEFAULT_CONNECTION_TIMEOUT;
  int max_connections = AUTHFLOW_SERVER_DEFAULT_MAX_CONNECTIONS;
  int max_connections_per_address = AUTHFLOW_SERVER_DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  gboolean version = FALSE;
  gboolean dev_endpoints = FALSE;
  guint sigint_source;
  guint sigterm_source;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_path,
      "The SQLite database, created if missing", "PATH" },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address,
      "The IP address to listen on (default " AUTHFLOW_SERVER_DEFAULT_ADDRESS ")", "ADDR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port,
      "The port to listen on, 0 for any free one", "PORT" },
    { "access-ttl", 0, 0, G_OPTION_ARG_INT, &access_ttl,
      "Lifetime of access tokens (default 3600)", "SECONDS" },
    { "refresh-ttl", 0, 0, G_OPTION_ARG_INT, &refresh_ttl,
      "Lifetime of refresh tokens (default 30 days)", "SECONDS" },
    { "max-login-failures", 0, 0, G_OPTION_ARG_INT, &max_login_failures,
      "Failed logins of one username in five minutes before it is locked, 0 for no limit (default 5)", "N" },
    { "max-address-failures", 0, 0, G_OPTION_ARG_INT, &max_address_failures,
      "Failed logins from one client address in five minutes, whatever the usernames, "
      "before it is locked, 0 for no limit (default 20)", "N" },
    { "connection-timeout", 0, 0, G_OPTION_ARG_INT, &connection_timeout,
      "Seconds before a connection that is idle or stalls in a request is closed, "
      "0 for never (default 10)", "SECONDS" },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_connections,
      "Connections at once, at most 1000; more are closed (default 512)", "N" },
    { "max-connections-per-address", 0, 0, G_OPTION_ARG_INT, &max_connections_per_address,
      "Connections at once from one client address; more are closed, 0 for no limit (default 64)", "N" },
    { "dev-endpoints", 0, 0, G_OPTION_ARG_NONE, &dev_endpoints,
      "Answer the development endpoints, for the app's fault injection: "
      "POST /dev/revoke-session ends the session of a refresh token (off by default)", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      "Show the version and exit", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  authflow_server_log_init ();

  summary = g_strdup_printf ("The Authflow reference backend: a token-issuing auth API.\n\n"
                             "Without --db the database is %s.\n"
                             "Without --port the port is %d.",
                             default_db_path, get_default_port ());

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("authflow-server: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (version)
    {
      g_print ("authflow-server %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (port < 0 || port > G_MAXUINT16 ||
      access_ttl < 1 || access_ttl > AUTHFLOW_SERVER_MAX_EXPIRES_IN_MINS * 60 ||
      refresh_ttl < 1 || max_login_failures < 0 || max_address_failures < 0)
    {
      g_printerr ("authflow-server: --port must be 0 to 65535, --access-ttl 1 to %d, "
                  "--refresh-ttl at least 1, and --max-login-failures and "
                  "--max-address-failures at least 0\n",
                  AUTHFLOW_SERVER_MAX_EXPIRES_IN_MINS * 60);
      return EXIT_FAILURE;
    }

  if (connection_timeout < 0 || connection_timeout > AUTHFLOW_SERVER_MAX_CONNECTION_TIMEOUT ||
      max_connections < 1 || max_connections > AUTHFLOW_SERVER_MAX_CONNECTIONS ||
      max_connections_per_address < 0)
    {
      g_printerr ("authflow-server: --connection-timeout must be 0 to %d, --max-connections "
                  "1 to %d and --max-connections-per-address at least 0\n",
                  AUTHFLOW_SERVER_MAX_CONNECTION_TIMEOUT, AUTHFLOW_SERVER_MAX_CONNECTIONS);
      return EXIT_FAILURE;
    }

  /* Checked before the database is created, which a typo should not cause. */
  if (address != NULL)
    {
      g_autoptr(GInetAddress) inet_address = g_inet_address_new_from_string (address);

      if (inet_address == NULL)
        {
          g_printerr ("authflow-server: --address must be an IP address, such as 127.0.0.1 or ::1\n");
          return EXIT_FAILURE;
        }
    }

  server = authflow_server_new (db_path, &error);
  if (server == NULL)
    {
      g_printerr ("authflow-server: %s\n", error->message);
      return EXIT_FAILURE;
    }

  authflow_server_set_access_ttl (server, access_ttl);
  authflow_server_set_refresh_ttl (server, refresh_ttl);
  authflow_server_set_max_login_failures (server, max_login_failures);
  authflow_server_set_max_address_failures (server, max_address_failures);
  authflow_server_set_connection_timeout (server, connection_timeout);
  authflow_server_set_max_connections (server, max_connections);
  authflow_server_set_max_connections_per_address (server, max_connections_per_address);
  authflow_server_set_dev_endpoints (server, dev_endpoints);

  /* Installed before the server announces itself, so that whoever reads the
   * line below can stop it cleanly at once. */
  loop = g_main_loop_new (NULL, FALSE);
  sigint_source = g_unix_signal_add (SIGINT, quit_cb, loop);
  sigterm_source = g_unix_signal_add (SIGTERM, quit_cb, loop);

  if (!authflow_server_listen (server, address, port, &error))
    {
      g_printerr ("authflow-server: %s\n", error->message);
      return EXIT_FAILURE;
    }

  /* Tests and the demo script wait for exactly this line. */
  url = authflow_server_dup_url (server);
  g_print ("Listening on %s\n", url);
  fflush (stdout);

  g_main_loop_run (loop);

  g_source_remove (sigint_source);
  g_source_remove (sigterm_source);
  authflow_server_close (server);

  return EXIT_SUCCESS;
}
