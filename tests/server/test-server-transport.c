// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>

#include "authflow-server.h"
#include "authflow-test-utils.h"

/* The server's HTTP transport under the clients that broke the libsoup
 * one: clients that close after one request, requests whose framing a
 * proxy would read otherwise, bodies that never end, connections that
 * stall, and too many connections from one place. Real sockets on
 * loopback, writing the bytes that libsoup as a client would never send,
 * against the real binary (and, where the server's own object matters, the
 * server in this process). */

#define ANSWER_TIMEOUT_MS  5000
#define SETTLE_TIMEOUT_MS  5000
#define ONE_SHOT_CLIENTS   200
#define GET_ME             "GET /auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
#define ME_UNAUTHORIZED    "Access Token is required"

static int
connect_from (const char *source,
              guint       port)
{
  struct sockaddr_in address = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);

  if (source != NULL)
    {
      struct sockaddr_in local = { 0 };

      local.sin_family = AF_INET;
      g_assert_cmpint (inet_pton (AF_INET, source, &local.sin_addr), ==, 1);
      g_assert_cmpint (bind (fd, (struct sockaddr *) &local, sizeof local), ==, 0);
    }

  address.sin_family = AF_INET;
  address.sin_port = htons (port);
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &address, sizeof address), ==, 0);

  return fd;
}

static int
connect_to (guint port)
{
  return connect_from (NULL, port);
}

/* Returns FALSE if the server has closed the connection. */
static gboolean
send_bytes (int         fd,
            const void *data,
            gsize       len)
{
  const char *p = data;

  while (len > 0)
    {
      ssize_t sent = send (fd, p, len, MSG_NOSIGNAL);

      if (sent < 0 && errno == EINTR)
        continue;
      if (sent < 0 && (errno == EPIPE || errno == ECONNRESET))
        return FALSE;
      g_assert_cmpint (sent, >, 0);
      p += sent;
      len -= sent;
    }

  return TRUE;
}

static void
send_text (int         fd,
           const char *text)
{
  g_assert_true (send_bytes (fd, text, strlen (text)));
}

typedef gboolean (*ReadDone) (GString *data);

/* Reads until @done says so, the server closes the connection or
 * @timeout_ms pass, spinning the main context meanwhile so that a server in
 * this process runs too. Returns whether the server closed it. */
static gboolean
read_until (int       fd,
            GString  *data,
            ReadDone  done,
            guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (done == NULL || !done (data))
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      char buffer[16384];
      ssize_t got;

      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);

      if (g_get_monotonic_time () >= deadline)
        return FALSE;

      if (poll (&pfd, 1, 5) <= 0)
        continue;

      got = recv (fd, buffer, sizeof buffer, 0);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0 && errno == ECONNRESET)
        return TRUE;
      g_assert_cmpint (got, >=, 0);
      if (got == 0)
        return TRUE;
      g_string_append_len (data, buffer, got);
    }

  return FALSE;
}

/* Whether @data holds a whole answer: its headers and as much body as its
 * Content-Length says. */
static gboolean
has_answer (GString *data)
{
  const char *end = strstr (data->str, "\r\n\r\n");
  const char *length;

  if (end == NULL)
    return FALSE;

  length = g_strstr_len (data->str, end - data->str, "Content-Length: ");
  g_assert_nonnull (length);

  return (gsize) (end + 4 - data->str) + g_ascii_strtoull (length + 16, NULL, 10) <= data->len;
}

static guint
answer_status (const char *answer)
{
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 "));

  return (guint) g_ascii_strtoull (answer + 9, NULL, 10);
}

/* The "message" of the JSON error in the body of the first answer. */
static char *
answer_message (const char *answer)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const char *body = strstr (answer, "\r\n\r\n");
  g_autofree char *head = NULL;
  const char *length;
  JsonNode *root;

  g_assert_nonnull (body);
  head = g_strndup (answer, body + 2 - answer);
  g_assert_nonnull (strstr (head, "\r\nContent-Type: application/json\r\n"));
  g_assert_nonnull (strstr (head, "\r\nCache-Control: no-store\r\n"));
  length = strstr (head, "\r\nContent-Length: ");
  g_assert_nonnull (length);
  json_parser_load_from_data (parser, body + 4, g_ascii_strtoll (length + 18, NULL, 10), &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return g_strdup (json_object_get_string_member_with_default (json_node_get_object (root), "message", NULL));
}

#define assert_answer(answer, status_code, text) \
  G_STMT_START { \
    g_autofree char *_message = answer_message (answer); \
    g_assert_cmpuint (answer_status (answer), ==, (status_code)); \
    g_assert_cmpstr (_message, ==, (text)); \
  } G_STMT_END

/* One request on a connection of its own, answered 401 as a GET of
 * /auth/me without a token is. */
static void
assert_serves (guint port)
{
  g_autoptr(GString) data = g_string_new (NULL);
  int fd = connect_to (port);

  send_text (fd, GET_ME);
  read_until (fd, data, has_answer, ANSWER_TIMEOUT_MS);
  assert_answer (data->str, 401, ME_UNAUTHORIZED);
  close (fd);
}

static guint
count_fds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", (int) pid);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  guint count = 0;

  g_assert_no_error (error);
  while (g_dir_read_name (dir) != NULL)
    count++;

  return count;
}

static AuthflowTestServer *
start_server (const char *const *args)
{
  g_autoptr(GError) error = NULL;
  AuthflowTestServer *server = authflow_test_server_start (args, &error);

  g_assert_no_error (error);
  g_assert_cmpint (authflow_test_server_get_pid (server), >, 0);

  return server;
}

/* The open descriptors of a server that has no connection: those of a
 * fresh server after one exchange, in case the first opens something for
 * good. */
static guint
settled_fds (AuthflowTestServer *server)
{
  GPid pid = authflow_test_server_get_pid (server);
  guint before = count_fds (pid);

  assert_serves (authflow_test_server_get_port (server));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, SETTLE_TIMEOUT_MS, count_fds (pid) <= before));

  return count_fds (pid);
}

/* What curl does: one request without a Connection header, the answer,
 * then close, with or without a half-close first. libsoup 3.2's server
 * kept every such connection in CLOSE-WAIT for ever, until it ran out of
 * descriptors for good. Then clients that do not even read the answer. */
static void
test_one_shot_clients (void)
{
  g_autoptr(AuthflowTestServer) server = start_server (NULL);
  guint port = authflow_test_server_get_port (server);
  GPid pid = authflow_test_server_get_pid (server);
  guint baseline = settled_fds (server);

  for (guint i = 0; i < ONE_SHOT_CLIENTS; i++)
    {
      g_autoptr(GString) data = g_string_new (NULL);
      int fd = connect_to (port);

      send_text (fd, GET_ME);
      g_assert_false (read_until (fd, data, has_answer, ANSWER_TIMEOUT_MS));
      assert_answer (data->str, 401, ME_UNAUTHORIZED);

      /* After a half-close the server has nothing more to read, and must
       * close its side at once. */
      if (i % 2 == 0)
        {
          g_assert_cmpint (shutdown (fd, SHUT_WR), ==, 0);
          g_assert_true (read_until (fd, data, NULL, ANSWER_TIMEOUT_MS));
        }
      close (fd);
    }

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, SETTLE_TIMEOUT_MS, count_fds (pid) <= baseline));
  assert_serves (port);

  for (guint i = 0; i < ONE_SHOT_CLIENTS / 4; i++)
    {
      int fd = connect_to (port);

      send_text (fd, GET_ME);
      close (fd);
    }

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, SETTLE_TIMEOUT_MS, count_fds (pid) <= baseline));
  assert_serves (port);
  /* Some of those may still have been in the backlog a moment ago. */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, SETTLE_TIMEOUT_MS, count_fds (pid) <= baseline));
}

/* Each request hides a GET of /auth/me in what a proxy could take for its
 * body or for the next request. It must be refused with 400, the
 * connection closed, and the hidden request never answered. A NULL
 * message is a refusal of MHD's own, which is not JSON. */
static const struct {
  const char *name;
  const char *request;
  const char *message;
} framing_cases[] = {
  { "two different Content-Lengths",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 41\r\n\r\n"
    "{}" GET_ME,
    "Duplicate Content-Length header" },
  { "the same Content-Length twice",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n"
    "{}" GET_ME,
    "Duplicate Content-Length header" },
  { "Content-Length and chunked",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Length: 46\r\nTransfer-Encoding: chunked\r\n\r\n"
    "0\r\n\r\n" GET_ME,
    "Content-Length and Transfer-Encoding together" },
  { "chunked and Content-Length",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 46\r\n\r\n"
    "0\r\n\r\n" GET_ME,
    "Content-Length and Transfer-Encoding together" },
  { "a blank before the colon",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Length : 41\r\n\r\n" GET_ME,
    "Malformed header" },
  { "a tab before the colon",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Length\t: 41\r\n\r\n" GET_ME,
    "Malformed header" },
  { "a folded Content-Length",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n 0\r\n\r\n{}" GET_ME,
    "Malformed header" },
  { "a folded header",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nX-Note: one\r\n\ttwo\r\nContent-Length: 2\r\n\r\n{}" GET_ME,
    "Malformed header" },
  { "another Transfer-Encoding",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" GET_ME,
    "Unsupported Transfer-Encoding" },
  { "chunked with a blank after it",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked \r\n\r\n0\r\n\r\n" GET_ME,
    "Unsupported Transfer-Encoding" },
  { "chunked twice",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
    "0\r\n\r\n" GET_ME,
    "Unsupported Transfer-Encoding" },
  { "chunked in HTTP/1.0",
    "POST /auth/login HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" GET_ME,
    "Transfer-Encoding in an HTTP/1.0 request" },
  { "a chunk size that is not hexadecimal",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" GET_ME,
    NULL },
  { "a negative chunk size",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n" GET_ME,
    NULL },
  { "a Content-Length that is not a number",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Length: 2x\r\n\r\n{}" GET_ME,
    NULL },
  { "a signed Content-Length",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Length: +2\r\n\r\n{}" GET_ME,
    NULL },
  { "a list as Content-Length",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\n{}" GET_ME,
    NULL },
};

static void
test_framing (void)
{
  g_autoptr(AuthflowTestServer) server = start_server (NULL);
  guint port = authflow_test_server_get_port (server);

  /* Well-framed requests in a row on one connection are each answered,
   * so that an answer to a hidden request would be seen. */
  {
    g_autoptr(GString) data = g_string_new (NULL);
    int fd = connect_to (port);

    send_text (fd, "POST /auth/login HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "2\r\n{}\r\n0\r\n\r\n"
                   "GET /auth/me HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    g_assert_true (read_until (fd, data, NULL, ANSWER_TIMEOUT_MS));
    assert_answer (data->str, 400, "Username and password required");
    g_assert_nonnull (strstr (data->str, "\"}HTTP/1.1 401 "));
    g_assert_nonnull (strstr (data->str, ME_UNAUTHORIZED));
    close (fd);
  }

  for (guint i = 0; i < G_N_ELEMENTS (framing_cases); i++)
    {
      g_autoptr(GString) data = g_string_new (NULL);
      int fd = connect_to (port);
      const char *next;

      g_test_message ("%s", framing_cases[i].name);
      send_text (fd, framing_cases[i].request);
      g_assert_true (read_until (fd, data, NULL, ANSWER_TIMEOUT_MS));
      close (fd);

      if (framing_cases[i].message != NULL)
        assert_answer (data->str, 400, framing_cases[i].message);
      else
        g_assert_cmpuint (answer_status (data->str), ==, 400);
      g_assert_nonnull (strstr (data->str, "\r\nConnection: close\r\n"));

      /* Nothing answered the hidden request. (MHD 0.9.75 sends the head
       * of its own refusals twice: every status line must be the 400.) */
      g_assert_null (strstr (data->str, ME_UNAUTHORIZED));
      for (next = data->str; (next = strstr (next + 1, "HTTP/1.1 ")) != NULL; )
        g_assert_cmpuint (answer_status (next), ==, 400);
    }

  assert_serves (port);
}

static gboolean
send_chunk (int   fd,
            gsize size)
{
  g_autofree char *head = g_strdup_printf ("%zx\r\n", size);
  g_autofree char *chunk = g_malloc (size + 2);

  memset (chunk, 'x', size);
  memcpy (chunk + size, "\r\n", 2);

  return send_bytes (fd, head, strlen (head)) && send_bytes (fd, chunk, size + 2);
}

/* A body over AUTHFLOW_SERVER_MAX_BODY_SIZE is refused with 413 without
 * keeping it: a declared one before it comes, a chunked one as it comes. */
static void
test_too_large (void)
{
  g_autoptr(AuthflowTestServer) server = start_server (NULL);
  guint port = authflow_test_server_get_port (server);
  gsize sent = 0;
  gboolean cut = FALSE;

  /* Far over the limit, and only 49 bytes of it: the answer comes at once,
   * long before the 10 s timeout. */
  {
    g_autoptr(GString) data = g_string_new (NULL);
    int fd = connect_to (port);
    gint64 start = g_get_monotonic_time ();

    send_text (fd, "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999\r\n\r\n"
                   "{\"username\":\"emilys\",\"password\":\"emilyspass\"...");
    g_assert_true (read_until (fd, data, NULL, ANSWER_TIMEOUT_MS));
    g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
    assert_answer (data->str, 413, "Request body too large");
    g_assert_nonnull (strstr (data->str, "\r\nConnection: close\r\n"));
    close (fd);
  }

  /* Just over, from a client that waits for 100 Continue: at once too. */
  {
    g_autoptr(GString) data = g_string_new (NULL);
    g_autofree char *head = g_strdup_printf ("POST /auth/signup HTTP/1.1\r\nHost: h\r\n"
                                             "Content-Length: %d\r\nExpect: 100-continue\r\n\r\n",
                                             AUTHFLOW_SERVER_MAX_BODY_SIZE + 1);
    int fd = connect_to (port);

    send_text (fd, head);
    g_assert_true (read_until (fd, data, NULL, ANSWER_TIMEOUT_MS));
    assert_answer (data->str, 413, "Request body too large");
    close (fd);
  }

  /* A chunked body is counted as it comes, and answered once it ends. */
  {
    g_autoptr(GString) data = g_string_new (NULL);
    int fd = connect_to (port);

    send_text (fd, "POST /auth/login HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (guint i = 0; i < 7; i++)
      g_assert_true (send_chunk (fd, 10 * 1024));
    send_text (fd, "0\r\n\r\n");
    g_assert_true (read_until (fd, data, NULL, ANSWER_TIMEOUT_MS));
    assert_answer (data->str, 413, "Request body too large");
    close (fd);
  }

  /* One that does not end is cut off after a bounded amount, well before
   * the client is done with its 64 MiB. */
  {
    int fd = connect_to (port);

    send_text (fd, "POST /auth/login HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
    while (sent < 64 * 1024 * 1024 && (cut = !send_chunk (fd, 64 * 1024)) == FALSE)
      sent += 64 * 1024;
    g_test_message ("cut off after %zu bytes", sent);
    g_assert_true (cut);
    close (fd);
  }

  assert_serves (port);
}

/* Connections that never finish a request, and idle ones, are closed after
 * --connection-timeout, here 1 s. */
static void
test_timeout (void)
{
  const char *const args[] = { "--connection-timeout", "1", "--max-connections-per-address", "200", NULL };
  g_autoptr(AuthflowTestServer) server = start_server (args);
  guint port = authflow_test_server_get_port (server);
  GPid pid = authflow_test_server_get_pid (server);
  guint baseline = settled_fds (server);
  const char *const stalls[] = {
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Le",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Length: 46\r\n\r\n{\"username\":",
    "POST /auth/login HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"use",
    "",
  };
  int fds[100];

  for (guint i = 0; i < G_N_ELEMENTS (stalls); i++)
    {
      g_autoptr(GString) data = g_string_new (NULL);
      int fd = connect_to (port);
      gint64 start = g_get_monotonic_time ();
      gint64 elapsed;

      send_bytes (fd, stalls[i], strlen (stalls[i]));
      g_assert_true (read_until (fd, data, NULL, ANSWER_TIMEOUT_MS));
      elapsed = g_get_monotonic_time () - start;
      g_test_message ("stall %u closed after %" G_GINT64_FORMAT " ms", i, elapsed / 1000);
      g_assert_cmpint (elapsed, >=, G_USEC_PER_SEC * 9 / 10);
      g_assert_cmpuint (data->len, ==, 0);
      close (fd);
    }

  /* A kept-alive connection, idle after its answer. */
  {
    g_autoptr(GString) data = g_string_new (NULL);
    int fd = connect_to (port);

    send_text (fd, GET_ME);
    g_assert_false (read_until (fd, data, has_answer, ANSWER_TIMEOUT_MS));
    g_assert_true (read_until (fd, data, NULL, ANSWER_TIMEOUT_MS));
    close (fd);
  }

  /* A hundred half-open requests at once all go. */
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    {
      fds[i] = connect_to (port);
      send_text (fds[i], stalls[i % 3]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    {
      g_autoptr(GString) data = g_string_new (NULL);

      g_assert_true (read_until (fds[i], data, NULL, ANSWER_TIMEOUT_MS));
      close (fds[i]);
    }

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, SETTLE_TIMEOUT_MS, count_fds (pid) <= baseline));
  assert_serves (port);
}

/* More than AUTHFLOW_SERVER_DEFAULT_MAX_CONNECTIONS_PER_ADDRESS connections
 * at once from 127.0.0.1 are refused, while another address is served;
 * once they go, 127.0.0.1 is served again. */
static void
test_per_address_cap (void)
{
  g_autoptr(AuthflowTestServer) server = start_server (NULL);
  guint port = authflow_test_server_get_port (server);
  GPid pid = authflow_test_server_get_pid (server);
  guint baseline = settled_fds (server);
  int fds[AUTHFLOW_SERVER_DEFAULT_MAX_CONNECTIONS_PER_ADDRESS];

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    {
      g_autoptr(GString) data = g_string_new (NULL);

      fds[i] = connect_to (port);
      send_text (fds[i], GET_ME);
      g_assert_false (read_until (fds[i], data, has_answer, ANSWER_TIMEOUT_MS));
      assert_answer (data->str, 401, ME_UNAUTHORIZED);
    }

  /* One more is closed as soon as it is accepted. */
  {
    g_autoptr(GString) data = g_string_new (NULL);
    int fd = connect_to (port);

    send_bytes (fd, GET_ME, strlen (GET_ME));
    g_assert_true (read_until (fd, data, NULL, ANSWER_TIMEOUT_MS));
    g_assert_cmpuint (data->len, ==, 0);
    close (fd);
  }

  /* The whole of 127.0.0.0/8 is loopback: another address of it counts on
   * its own. */
  {
    g_autoptr(GString) data = g_string_new (NULL);
    int fd = connect_from ("127.0.0.2", port);

    send_text (fd, GET_ME);
    g_assert_false (read_until (fd, data, has_answer, ANSWER_TIMEOUT_MS));
    assert_answer (data->str, 401, ME_UNAUTHORIZED);
    close (fd);
  }

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    close (fds[i]);

  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, SETTLE_TIMEOUT_MS, count_fds (pid) <= baseline));
  assert_serves (port);
}

/* Past --max-connections a new connection is closed at once, without an
 * answer, and one is served again as soon as another one goes. */
static void
test_total_cap (void)
{
  const char *const args[] = { "--max-connections", "4", "--max-connections-per-address", "0", NULL };
  g_autoptr(AuthflowTestServer) server = start_server (args);
  guint port = authflow_test_server_get_port (server);
  guint baseline = settled_fds (server);
  int fds[4];

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    {
      g_autoptr(GString) data = g_string_new (NULL);

      fds[i] = connect_to (port);
      send_text (fds[i], GET_ME);
      g_assert_false (read_until (fds[i], data, has_answer, ANSWER_TIMEOUT_MS));
    }

  {
    g_autoptr(GString) data = g_string_new (NULL);
    int fd = connect_to (port);

    send_bytes (fd, GET_ME, strlen (GET_ME));
    g_assert_true (read_until (fd, data, NULL, ANSWER_TIMEOUT_MS));
    g_assert_cmpuint (data->len, ==, 0);
    close (fd);
  }

  close (fds[0]);
  /* The server learns of the close when it next looks. */
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, SETTLE_TIMEOUT_MS,
                                           count_fds (authflow_test_server_get_pid (server)) <= baseline + 3));
  assert_serves (port);

  for (guint i = 1; i < G_N_ELEMENTS (fds); i++)
    close (fds[i]);
}

static AuthflowServer *
start_in_process (const char  *address,
                  char       **out_tmpdir,
                  GError     **error)
{
  g_autoptr(AuthflowServer) server = NULL;
  g_autofree char *db_path = NULL;

  *out_tmpdir = g_dir_make_tmp ("authflow-test-transport-XXXXXX", error);
  g_assert_nonnull (*out_tmpdir);
  db_path = g_build_filename (*out_tmpdir, "authflow.db", NULL);
  server = authflow_server_new (db_path, error);
  g_assert_nonnull (server);

  if (!authflow_server_listen (server, address, 0, error))
    return NULL;

  return g_steal_pointer (&server);
}

#define EMILY_LOGIN_REQUEST \
  "POST /auth/login HTTP/1.1\r\nHost: h\r\nContent-Length: 45\r\n\r\n" \
  "{\"username\":\"emilys\",\"password\":\"emilyspass\"}"

/* A login that waits for its password hash when the server closes is not
 * answered, its connection is dropped, and the hash that comes in later
 * touches nothing that is gone. A client that leaves while its login waits
 * costs nothing either. */
static void
test_close_while_pending (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = NULL;
  AuthflowServer *server = start_in_process ("127.0.0.1", &tmpdir, &error);
  guint port;

  g_assert_no_error (error);
  port = authflow_server_get_port (server);

  {
    g_autoptr(GString) data = g_string_new (NULL);
    int fd = connect_to (port);

    send_text (fd, EMILY_LOGIN_REQUEST);
    close (fd);
    /* Long enough for the hash to come in and find the client gone. */
    authflow_test_wait (NULL, 1000);

    fd = connect_to (port);
    send_text (fd, EMILY_LOGIN_REQUEST);
    g_assert_false (read_until (fd, data, has_answer, 2 * ANSWER_TIMEOUT_MS));
    g_assert_cmpuint (answer_status (data->str), ==, 200);
    close (fd);
  }

  {
    g_autoptr(GString) data = g_string_new (NULL);
    int fd = connect_to (port);

    /* The request is read and its hash started well within argon2id's
     * tenth of a second. */
    send_text (fd, EMILY_LOGIN_REQUEST);
    authflow_test_wait (NULL, 20);
    authflow_server_close (server);

    g_assert_true (read_until (fd, data, NULL, ANSWER_TIMEOUT_MS));
    g_assert_cmpuint (data->len, ==, 0);
    close (fd);
  }

  /* The waiting request holds the server until its hash is in. */
  g_object_add_weak_pointer (G_OBJECT (server), (gpointer *) &server);
  g_object_unref (server);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, ANSWER_TIMEOUT_MS, server == NULL));

  authflow_test_remove_tree (tmpdir);
}

/* The server in this process on ::1 and a free port. */
static void
test_ipv6 (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = NULL;
  g_autoptr(AuthflowServer) server = start_in_process ("::1", &tmpdir, &error);
  g_autoptr(GString) data = g_string_new (NULL);
  g_autofree char *url = NULL;
  g_autofree char *expected_url = NULL;
  struct sockaddr_in6 address = { 0 };
  int fd;

  if (server == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("No IPv6 loopback here: %s", error->message);

      g_test_skip (reason);
      authflow_test_remove_tree (tmpdir);
      return;
    }

  url = authflow_server_dup_url (server);
  expected_url = g_strdup_printf ("http://[::1]:%u", authflow_server_get_port (server));
  g_assert_cmpstr (url, ==, expected_url);

  fd = socket (AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  address.sin6_family = AF_INET6;
  address.sin6_port = htons (authflow_server_get_port (server));
  address.sin6_addr = in6addr_loopback;
  g_assert_cmpint (connect (fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  send_text (fd, GET_ME);
  g_assert_false (read_until (fd, data, has_answer, ANSWER_TIMEOUT_MS));
  assert_answer (data->str, 401, ME_UNAUTHORIZED);
  close (fd);

  authflow_server_close (server);
  authflow_test_remove_tree (tmpdir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server-transport/one-shot-clients", test_one_shot_clients);
  g_test_add_func ("/server-transport/framing", test_framing);
  g_test_add_func ("/server-transport/too-large", test_too_large);
  g_test_add_func ("/server-transport/timeout", test_timeout);
  g_test_add_func ("/server-transport/per-address-cap", test_per_address_cap);
  g_test_add_func ("/server-transport/total-cap", test_total_cap);
  g_test_add_func ("/server-transport/close-while-pending", test_close_while_pending);
  g_test_add_func ("/server-transport/ipv6", test_ipv6);

  return g_test_run ();
}
