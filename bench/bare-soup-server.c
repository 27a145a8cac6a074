// SPDX-License-Identifier: GPL-3.0-or-later
//
// The least an HTTP server on libsoup 3 can be, for the server throughput
// benchmark (bench/server-throughput.py) to measure the reference server
// against: a SoupServer on 127.0.0.1 that answers every GET with one fixed
// JSON body and every other method with another, as authflow-server answers
// GET /auth/me and POST /auth/refresh, and does nothing else. It prints
// "Listening on URL" as authflow-server does.
//
// The bodies default to the shape and size of the reference server's
// answers for its first demo user; --get-body and --post-body take the
// benchmark's own, read from the reference server, so that both send the
// same bytes.

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib-unix.h>
#include <libsoup/soup.h>

/* The reference server's GET /auth/me answer for emilys (138 bytes) and a
 * POST /auth/refresh answer of the same size as its own (339 bytes). */
static const char default_get_body[] =
  "{\"id\":1,\"username\":\"emilys\",\"email\":\"emily.johnson@x.dummyjson.com\","
  "\"firstName\":\"Emily\",\"lastName\":\"Johnson\",\"gender\":\"female\",\"image\":\"\"}";
static const char default_post_body[] =
  "{\"accessToken\":\"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwiaWQiOjEsInVzZXJuYW1lIjoiZW1p"
  "bHlzIiwiaWF0IjoxNzk2MTkxODQzLCJleHAiOjE3OTYxOTU0NDMsImp0aSI6ImJkYWlucV9NQlRweTNjUmlzTllEVmciLCJz"
  "aWQiOiI2XzRVX1lfT09sQ0FSYkxEZVk5ZW5nIn0.WtokY-8lVPlS73clQytnubYDWJGv1hkuwGCy4gdK2co\","
  "\"refreshToken\":\"FhJcVa_YoEjW9aVrKv060M9q_QrzEexFE_3Z1hFYtxA\"}";

typedef struct
{
  GBytes *get_body;
  GBytes *post_body;
} Bodies;

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Bodies *bodies = user_data;
  GBytes *body;

  body = soup_server_message_get_method (msg) == SOUP_METHOD_GET ? bodies->get_body : bodies->post_body;

  soup_message_headers_append (soup_server_message_get_response_headers (msg),
                               "Cache-Control", "no-store");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);

  return G_SOURCE_CONTINUE;
}

static GBytes *
load_body (const char  *path,
           const char  *fallback,
           GError     **error)
{
  char *contents;
  gsize len;

  if (path == NULL)
    return g_bytes_new_static (fallback, strlen (fallback));

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;

  return g_bytes_new_take (contents, len);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *get_path = NULL;
  g_autofree char *post_path = NULL;
  Bodies bodies = { NULL, NULL };
  GSList *uris;
  int port = 0;
  const GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "The port, 0 for any free one (the default)", "PORT" },
    { "get-body", 0, 0, G_OPTION_ARG_FILENAME, &get_path, "The answer to every GET", "FILE" },
    { "post-body", 0, 0, G_OPTION_ARG_FILENAME, &post_path, "The answer to every other method", "FILE" },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, "A bare SoupServer that answers a fixed JSON, to benchmark against.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-bare-soup-server: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (port < 0 || port > G_MAXUINT16 ||
      !(bodies.get_body = load_body (get_path, default_get_body, &error)) ||
      !(bodies.post_body = load_body (post_path, default_post_body, &error)))
    {
      g_printerr ("bench-bare-soup-server: %s\n", error ? error->message : "--port must be 0 to 65535");
      return EXIT_FAILURE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);

  server = soup_server_new ("server-header", "bench-bare-soup-server", NULL);
  soup_server_add_handler (server, NULL, handler_cb, &bodies, NULL);
  if (!soup_server_listen_local (server, port, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      g_printerr ("bench-bare-soup-server: %s\n", error->message);
      return EXIT_FAILURE;
    }

  uris = soup_server_get_uris (server);
  g_print ("Listening on http://127.0.0.1:%d\n", g_uri_get_port (uris->data));
  fflush (stdout);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (loop);

  soup_server_disconnect (server);
  g_bytes_unref (bodies.get_body);
  g_bytes_unref (bodies.post_body);

  return EXIT_SUCCESS;
}
