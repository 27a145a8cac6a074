// SPDX-License-Identifier: GPL-3.0-or-later
//
// The server's HTTP transport: GNU libmicrohttpd (MHD) on the GLib main
// context of the thread that listens. It owns the listening socket, the
// connections and their limits (idle and stall timeout, connections in
// total and per client address, body size), refuses requests whose framing
// is ambiguous, turns each request into an AuthflowServerRequest for the
// route handlers, sends their answers and logs one line per request.
//
// MHD runs in its "external" mode: a GSource polls the descriptors that MHD
// wants watched and sleeps for as long as MHD_get_timeout() allows, and
// every MHD callback, hence every handler and every database call, runs on
// that one thread, with no locking and no hop between threads. A request
// that waits for a password hash on a worker thread has its connection
// suspended, and resumed when the answer is ready.
//
// The descriptors come from MHD_get_fdset2() and are polled level-triggered.
// MHD 0.9.75's epoll mode is edge-triggered, and it misses the end of a
// connection whose client sent part of a request and closed in one go: such
// a socket stayed in CLOSE-WAIT until the connection timeout, and a stream of
// them filled the per-address limit. select()'s FD_SETSIZE bounds the
// descriptors, hence AUTHFLOW_SERVER_MAX_CONNECTIONS.

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <json-glib/json-glib.h>

#include "authflow-server-http.h"

#define SERVER_HEADER "authflow-server/" PACKAGE_VERSION

/* A body over the limit is still read, and thrown away, up to this many
 * times the limit, so that a client that sends it in good faith can read
 * its 413: a client that is still writing when the server answers and
 * closes gets a broken pipe instead (libsoup does), and MHD 0.9.75 cannot
 * answer in the middle of a body anyway. A declared length beyond this is
 * answered at once, and a chunked body that grows beyond it is cut off. */
#define MAX_DISCARD_FACTOR 16

/* The most blanks allowed between a header's colon and its value. */
#define MAX_VALUE_INDENT 64

struct _AuthflowServerHttp
{
  GObject                    parent_instance;

  AuthflowServerHttpHandler  handler;
  gpointer                   handler_data;

  struct MHD_Daemon         *daemon;
  GSource                   *source;
  gsize                      max_body_size;
  /* The exchanges whose connection is suspended. MHD must not be stopped
   * while any is. */
  GHashTable                *suspended;
  gboolean                   running;
  gboolean                   close_pending;
};

G_DEFINE_FINAL_TYPE (AuthflowServerHttp, authflow_server_http, G_TYPE_OBJECT)

/* One request on one connection, from its headers until MHD is done with
 * it. */
typedef struct
{
  AuthflowServerHttp    *http;
  struct MHD_Connection *connection;
  AuthflowServerRequest *request;
  guint64                discarded;
  gboolean               too_large;
  gboolean               dispatched;
  gboolean               suspended;
  gboolean               close;
} Exchange;

/* The descriptors that MHD asks for, each with its tag in the source and
 * the conditions it is polled for. */
typedef struct
{
  GSource            source;
  struct MHD_Daemon *daemon;
  gpointer           tags[FD_SETSIZE];
  GIOCondition       conditions[FD_SETSIZE];
  int                max_fd;
  gint64             deadline;
} DaemonSource;

static void
exchange_free (Exchange *exchange)
{
  authflow_server_request_set_unpause_func (exchange->request, NULL, NULL);
  authflow_server_request_unref (exchange->request);
  g_free (exchange);
}

/* inet_ntop() is what GLib's g_inet_address_to_string() calls, without a
 * GSocketAddress and a GInetAddress made and dropped for every request. */
static char *
dup_client_address (struct MHD_Connection *connection)
{
  const union MHD_ConnectionInfo *info;
  char text[INET6_ADDRSTRLEN];
  const void *address;

  info = MHD_get_connection_info (connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == NULL || info->client_addr == NULL)
    return NULL;

  switch (info->client_addr->sa_family)
    {
    case AF_INET:
      address = &((const struct sockaddr_in *) info->client_addr)->sin_addr;
      break;

    case AF_INET6:
      address = &((const struct sockaddr_in6 *) info->client_addr)->sin6_addr;
      break;

    default:
      return NULL;
    }

  if (inet_ntop (info->client_addr->sa_family, address, text, sizeof text) == NULL)
    return NULL;

  return g_strdup (text);
}

/* The same shape as the route handlers' errors: {"message": "…"}. */
static void
respond_error (Exchange   *exchange,
               guint       status,
               const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  authflow_server_request_respond_json (exchange->request, status, root);
}

/* After an answer that the transport gives by itself the connection is
 * closed: what follows on it can no longer be trusted to start a new
 * request. */
static void
refuse (Exchange   *exchange,
        guint       status,
        const char *message)
{
  exchange->close = TRUE;
  respond_error (exchange, status, message);
}

static void
add_header_cb (const char *name,
               const char *value,
               gpointer    user_data)
{
  MHD_add_response_header (user_data, name, value);
}

static void
bytes_unref_cb (void *cls)
{
  g_bytes_unref (cls);
}

static enum MHD_Result
queue_answer (Exchange *exchange)
{
  GBytes *body = authflow_server_request_get_response_body (exchange->request);
  struct MHD_Response *response;
  enum MHD_Result queued;
  const void *data;
  gsize len;

  data = g_bytes_get_data (body, &len);
  response = MHD_create_response_from_buffer_with_free_callback_cls (len, (void *) data,
                                                                     bytes_unref_cb,
                                                                     g_bytes_ref (body));
  if (response == NULL)
    {
      g_bytes_unref (body);
      return MHD_NO;
    }

  authflow_server_request_foreach_response_header (exchange->request, add_header_cb, response);
  MHD_add_response_header (response, MHD_HTTP_HEADER_SERVER, SERVER_HEADER);
  if (exchange->close)
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONNECTION, "close");

  queued = MHD_queue_response (exchange->connection,
                               authflow_server_request_get_status (exchange->request),
                               response);
  MHD_destroy_response (response);

  return queued;
}

static gboolean
is_token (const char *text,
          gsize       len)
{
  if (len == 0)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isalnum (text[i]) && strchr ("!#$%&'*+-.^_`|~", text[i]) == NULL)
        return FALSE;
    }

  return TRUE;
}

typedef struct
{
  const char *error;
  guint       content_lengths;
  guint       transfer_encodings;
  const char *content_length;
  const char *transfer_encoding;
} Framing;

static enum MHD_Result
check_header_cb (void             *cls,
                 enum MHD_ValueKind kind,
                 const char       *key,
                 size_t            key_size,
                 const char       *value,
                 size_t            value_size)
{
  Framing *framing = cls;
  uintptr_t value_start = (uintptr_t) value;
  uintptr_t key_end = (uintptr_t) key + key_size;

  /* RFC 9112 allows no blank before the colon ("Content-Length :"), which
   * MHD 0.9.75 keeps as part of the name. It also takes an obs-fold
   * continuation line for more of the previous header's name, which it
   * then moves out of the read buffer: a value that no longer follows its
   * own name there gives the fold away. */
  if (!is_token (key, key_size) ||
      value_start <= key_end || value_start > key_end + 1 + MAX_VALUE_INDENT)
    {
      framing->error = "Malformed header";
      return MHD_NO;
    }

  if (g_ascii_strcasecmp (key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
    {
      framing->content_lengths++;
      framing->content_length = value;
    }
  else if (g_ascii_strcasecmp (key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
    {
      framing->transfer_encodings++;
      framing->transfer_encoding = value;
    }

  return MHD_YES;
}

static gboolean
is_digits (const char *text)
{
  if (*text == '\0')
    return FALSE;

  for (; *text != '\0'; text++)
    {
      if (!g_ascii_isdigit (*text))
        return FALSE;
    }

  return TRUE;
}

/* Returns why the request's framing cannot be trusted, or NULL if it can.
 * Behind a proxy that reads the framing otherwise, any of these would let
 * a client hide a second request in the body of the first. MHD itself
 * refuses a Content-Length that is not a number and a malformed chunk. */
static const char *
check_framing (struct MHD_Connection *connection,
               const char            *version,
               guint64               *out_content_length)
{
  Framing framing = { NULL, 0, 0, NULL, NULL };

  *out_content_length = 0;

  MHD_get_connection_values_n (connection, MHD_HEADER_KIND, check_header_cb, &framing);
  if (framing.error != NULL)
    return framing.error;

  if (framing.content_lengths > 1)
    return "Duplicate Content-Length header";

  /* MHD reads a body as chunked only for exactly this value, and any other
   * coding until the connection closes. */
  if (framing.transfer_encodings > 1 ||
      (framing.transfer_encoding != NULL &&
       g_ascii_strcasecmp (framing.transfer_encoding, "chunked") != 0))
    return "Unsupported Transfer-Encoding";

  if (framing.transfer_encoding != NULL && framing.content_length != NULL)
    return "Content-Length and Transfer-Encoding together";

  if (framing.transfer_encoding != NULL && g_strcmp0 (version, MHD_HTTP_VERSION_1_1) != 0)
    return "Transfer-Encoding in an HTTP/1.0 request";

  if (framing.content_length != NULL)
    {
      if (!is_digits (framing.content_length))
        return "Invalid Content-Length header";

      /* Too many digits for 64 bits is as good as too large. */
      if (!g_ascii_string_to_unsigned (framing.content_length, 10, 0, G_MAXUINT64,
                                       out_content_length, NULL))
        *out_content_length = G_MAXUINT64;
    }

  return NULL;
}

static enum MHD_Result
add_request_header_cb (void              *cls,
                       enum MHD_ValueKind  kind,
                       const char         *key,
                       const char         *value)
{
  authflow_server_request_add_header (cls, key, value);

  return MHD_YES;
}

/* Resumes a suspended connection once its request is unpaused. MHD then
 * calls access_cb() again, which sends the answer. In the external mode MHD
 * does not wake up by itself for that: it must be run again. */
static void
exchange_unpause_cb (AuthflowServerRequest *request,
                     gpointer               user_data)
{
  Exchange *exchange = user_data;

  if (!exchange->suspended)
    return;

  exchange->suspended = FALSE;
  g_hash_table_remove (exchange->http->suspended, exchange);
  MHD_resume_connection (exchange->connection);
  g_source_set_ready_time (exchange->http->source, 0);
}

/* The first call of access_cb(), with the headers but no body yet. */
static Exchange *
exchange_new (AuthflowServerHttp    *self,
              struct MHD_Connection *connection,
              const char            *method,
              const char            *url,
              const char            *version)
{
  Exchange *exchange = g_new0 (Exchange, 1);
  g_autofree char *client_address = dup_client_address (connection);
  const char *error;
  guint64 content_length;

  exchange->http = self;
  exchange->connection = connection;
  exchange->request = authflow_server_request_new (method, url, client_address);
  authflow_server_request_set_unpause_func (exchange->request, exchange_unpause_cb, exchange);
  MHD_get_connection_values (connection, MHD_HEADER_KIND, add_request_header_cb, exchange->request);

  error = check_framing (connection, version, &content_length);
  if (error != NULL)
    {
      refuse (exchange, AUTHFLOW_HTTP_STATUS_BAD_REQUEST, error);
    }
  else if (content_length > self->max_body_size)
    {
      const char *expect = authflow_server_request_get_header (exchange->request, MHD_HTTP_HEADER_EXPECT);

      /* Answered before the body is read, which MHD then never reads. A
       * client that waits for 100 Continue has not sent it yet. */
      if (content_length > (guint64) MAX_DISCARD_FACTOR * self->max_body_size ||
          (expect != NULL && g_ascii_strcasecmp (expect, "100-continue") == 0))
        refuse (exchange, AUTHFLOW_HTTP_STATUS_CONTENT_TOO_LARGE, "Request body too large");
      else
        exchange->too_large = TRUE;
    }

  return exchange;
}

static enum MHD_Result
access_cb (void                  *cls,
           struct MHD_Connection *connection,
           const char            *url,
           const char            *method,
           const char            *version,
           const char            *upload_data,
           size_t                *upload_data_size,
           void                 **con_cls)
{
  AuthflowServerHttp *self = cls;
  Exchange *exchange = *con_cls;

  if (exchange == NULL)
    {
      *con_cls = exchange = exchange_new (self, connection, method, url, version);
      if (authflow_server_request_is_answered (exchange->request))
        return queue_answer (exchange);
      return MHD_YES;
    }

  if (*upload_data_size > 0)
    {
      gsize size = *upload_data_size;
      gsize len;

      *upload_data_size = 0;
      authflow_server_request_get_body (exchange->request, &len);

      /* A body without a Content-Length is counted as it comes. */
      if (!exchange->too_large && size > self->max_body_size - len)
        {
          exchange->too_large = TRUE;
          authflow_server_request_clear_body (exchange->request);
        }

      if (exchange->too_large)
        {
          exchange->discarded += size;
          return exchange->discarded > (guint64) MAX_DISCARD_FACTOR * self->max_body_size ? MHD_NO : MHD_YES;
        }

      authflow_server_request_append_body (exchange->request, upload_data, size);
      return MHD_YES;
    }

  /* The whole request is in, or its paused handler has an answer. */
  if (!authflow_server_request_is_answered (exchange->request))
    {
      if (exchange->too_large)
        {
          refuse (exchange, AUTHFLOW_HTTP_STATUS_CONTENT_TOO_LARGE, "Request body too large");
        }
      else if (!exchange->dispatched)
        {
          exchange->dispatched = TRUE;
          self->handler (exchange->request, self->handler_data);

          if (authflow_server_request_is_paused (exchange->request))
            {
              exchange->suspended = TRUE;
              g_hash_table_add (self->suspended, exchange);
              MHD_suspend_connection (connection);
              return MHD_YES;
            }
        }
    }

  /* A handler must answer or pause: a request that is left without either
   * must not hang its connection. */
  if (!authflow_server_request_is_answered (exchange->request))
    {
      g_warning ("%s %s got no answer", method, url);
      refuse (exchange, AUTHFLOW_HTTP_STATUS_INTERNAL_SERVER_ERROR, "Internal server error");
    }

  return queue_answer (exchange);
}

/* One line per request, never with a header or a body: those hold tokens
 * and passwords. The query string is left out for the same reason (MHD's
 * URL is the path without it). */
static void
completed_cb (void                            *cls,
              struct MHD_Connection           *connection,
              void                           **con_cls,
              enum MHD_RequestTerminationCode  toe)
{
  AuthflowServerHttp *self = cls;
  Exchange *exchange = *con_cls;
  AuthflowServerRequest *request;
  gint64 ms;

  if (exchange == NULL)
    return;

  request = exchange->request;
  ms = (g_get_monotonic_time () - authflow_server_request_get_start_time (request)) / 1000;

  if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && authflow_server_request_is_answered (request))
    g_message ("%s %s %u %" G_GINT64_FORMAT " ms",
               authflow_server_request_get_method (request),
               authflow_server_request_get_path (request),
               authflow_server_request_get_status (request), ms);
  else
    g_message ("%s %s aborted %" G_GINT64_FORMAT " ms",
               authflow_server_request_get_method (request),
               authflow_server_request_get_path (request), ms);

  if (exchange->suspended)
    g_hash_table_remove (self->suspended, exchange);
  exchange_free (exchange);
  *con_cls = NULL;
}

/* MHD's own messages (a client that left, a limit reached) are for
 * debugging only: the request lines say what matters. */
G_GNUC_PRINTF (2, 0)
static void
log_cb (void       *cls,
        const char *format,
        va_list     args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  g_debug ("libmicrohttpd: %s", g_strchomp (message));
}

static gboolean
daemon_source_prepare (GSource *source,
                       gint    *timeout)
{
  DaemonSource *self = (DaemonSource *) source;
  MHD_UNSIGNED_LONG_LONG ms;
  fd_set read_set, write_set, except_set;
  MHD_socket max_fd = 0;
  int last_fd;

  FD_ZERO (&read_set);
  FD_ZERO (&write_set);
  FD_ZERO (&except_set);
  if (MHD_get_fdset2 (self->daemon, &read_set, &write_set, &except_set, &max_fd, FD_SETSIZE) != MHD_YES)
    g_warning ("libmicrohttpd could not give its descriptors");

  /* Only what changed since the last iteration is told to GLib. */
  last_fd = MAX (self->max_fd, (int) max_fd);
  for (int fd = 0; fd <= last_fd && fd < FD_SETSIZE; fd++)
    {
      GIOCondition condition = 0;

      if (fd <= (int) max_fd)
        {
          if (FD_ISSET (fd, &read_set))
            condition |= G_IO_IN;
          if (FD_ISSET (fd, &write_set))
            condition |= G_IO_OUT;
          if (FD_ISSET (fd, &except_set))
            condition |= G_IO_PRI;
        }

      if (condition == self->conditions[fd])
        continue;

      if (self->tags[fd] == NULL)
        self->tags[fd] = g_source_add_unix_fd (source, fd, condition);
      else if (condition == 0)
        {
          g_source_remove_unix_fd (source, self->tags[fd]);
          self->tags[fd] = NULL;
        }
      else
        g_source_modify_unix_fd (source, self->tags[fd], condition);
      self->conditions[fd] = condition;
    }
  self->max_fd = max_fd;

  self->deadline = -1;
  *timeout = -1;

  if (MHD_get_timeout (self->daemon, &ms) != MHD_YES)
    return FALSE;

  if (ms == 0)
    {
      *timeout = 0;
      return TRUE;
    }

  *timeout = (gint) MIN (ms, (MHD_UNSIGNED_LONG_LONG) G_MAXINT);
  self->deadline = g_source_get_time (source) + (gint64) *timeout * 1000;

  return FALSE;
}

static gboolean
daemon_source_check (GSource *source)
{
  DaemonSource *self = (DaemonSource *) source;

  for (int fd = 0; fd <= self->max_fd; fd++)
    {
      if (self->tags[fd] != NULL && g_source_query_unix_fd (source, self->tags[fd]) != 0)
        return TRUE;
    }

  return self->deadline >= 0 && g_source_get_time (source) >= self->deadline;
}

static gboolean
daemon_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  AuthflowServerHttp *self = user_data;
  DaemonSource *daemon_source = (DaemonSource *) source;
  fd_set read_set, write_set, except_set;

  if (self->running)
    return G_SOURCE_CONTINUE;

  /* Setting the ready time wakes the context up, which would cost a spare
   * iteration of the main loop after every run. */
  if (g_source_get_ready_time (source) != -1)
    g_source_set_ready_time (source, -1);

  FD_ZERO (&read_set);
  FD_ZERO (&write_set);
  FD_ZERO (&except_set);
  for (int fd = 0; fd <= daemon_source->max_fd; fd++)
    {
      GIOCondition wanted = daemon_source->conditions[fd];
      GIOCondition got;

      if (daemon_source->tags[fd] == NULL)
        continue;

      got = g_source_query_unix_fd (source, daemon_source->tags[fd]);
      if ((wanted & G_IO_IN) && (got & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
        FD_SET (fd, &read_set);
      if ((wanted & G_IO_OUT) && (got & (G_IO_OUT | G_IO_HUP | G_IO_ERR)))
        FD_SET (fd, &write_set);
      if ((wanted & G_IO_PRI) && (got & (G_IO_PRI | G_IO_ERR)))
        FD_SET (fd, &except_set);
    }

  /* Timeouts and resumed connections are handled in every run, whatever
   * the descriptors say. */
  self->running = TRUE;
  MHD_run_from_select (self->daemon, &read_set, &write_set, &except_set);
  self->running = FALSE;

  if (self->close_pending)
    authflow_server_http_close (self);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs daemon_source_funcs = {
  daemon_source_prepare,
  daemon_source_check,
  daemon_source_dispatch,
  NULL, NULL, NULL,
};

static void
authflow_server_http_dispose (GObject *object)
{
  AuthflowServerHttp *self = (AuthflowServerHttp *) object;

  authflow_server_http_close (self);

  G_OBJECT_CLASS (authflow_server_http_parent_class)->dispose (object);
}

static void
authflow_server_http_finalize (GObject *object)
{
  AuthflowServerHttp *self = (AuthflowServerHttp *) object;

  g_clear_pointer (&self->suspended, g_hash_table_unref);

  G_OBJECT_CLASS (authflow_server_http_parent_class)->finalize (object);
}

static void
authflow_server_http_class_init (AuthflowServerHttpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authflow_server_http_dispose;
  object_class->finalize = authflow_server_http_finalize;
}

static void
authflow_server_http_init (AuthflowServerHttp *self)
{
  self->suspended = g_hash_table_new (NULL, NULL);
}

/**
 * authflow_server_http_new:
 * @handler: called with each request that is entirely in
 * @user_data: for @handler, which must outlive the listening
 *
 * Returns: (transfer full): a transport that does not listen yet
 */
AuthflowServerHttp *
authflow_server_http_new (AuthflowServerHttpHandler handler,
                          gpointer                  user_data)
{
  AuthflowServerHttp *self;

  g_return_val_if_fail (handler != NULL, NULL);

  self = g_object_new (AUTHFLOW_TYPE_SERVER_HTTP, NULL);
  self->handler = handler;
  self->handler_data = user_data;

  return self;
}

/* The socket is GIO's, so that a port in use or an address that is not
 * ours fails with the usual GIOError, and port 0 and IPv6 work as with any
 * GSocket. MHD gets a descriptor of its own for it. */
static int
open_listen_socket (GInetAddress  *address,
                    guint          port,
                    guint         *out_port,
                    GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) local_address = NULL;
  int fd;

  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return -1;

  socket_address = g_inet_socket_address_new (address, port);
  /* A burst of clients that connect at once waits in the backlog rather
   * than being turned away by the kernel. */
  g_socket_set_listen_backlog (socket, SOMAXCONN);
  if (!g_socket_bind (socket, socket_address, TRUE, error) || !g_socket_listen (socket, error))
    return -1;

  local_address = g_socket_get_local_address (socket, error);
  if (local_address == NULL)
    return -1;

  fd = fcntl (g_socket_get_fd (socket), F_DUPFD_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not listen: %s", g_strerror (saved_errno));
      return -1;
    }

  *out_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local_address));

  return fd;
}

/**
 * authflow_server_http_listen:
 * @self: a transport that does not listen yet
 * @address: the address to listen on
 * @port: the port, 0 for any free one
 * @limits: what the clients may do
 * @out_port: (out): the port it listens on
 * @error: return location for a #GError
 *
 * Starts answering on the thread-default main context.
 */
gboolean
authflow_server_http_listen (AuthflowServerHttp              *self,
                             GInetAddress                    *address,
                             guint                            port,
                             const AuthflowServerHttpLimits  *limits,
                             guint                           *out_port,
                             GError                         **error)
{
  g_autoptr(GMainContext) context = NULL;
  DaemonSource *daemon_source;
  int fd;

  g_return_val_if_fail (AUTHFLOW_IS_SERVER_HTTP (self), FALSE);
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), FALSE);
  g_return_val_if_fail (limits != NULL, FALSE);
  g_return_val_if_fail (limits->max_connections > 0, FALSE);
  g_return_val_if_fail (limits->max_body_size > 0, FALSE);
  g_return_val_if_fail (out_port != NULL, FALSE);
  g_return_val_if_fail (self->daemon == NULL, FALSE);

  fd = open_listen_socket (address, port, out_port, error);
  if (fd < 0)
    return FALSE;

  /* Neither MHD_USE_INTERNAL_POLLING_THREAD nor MHD_USE_EPOLL: the source
   * below runs MHD. Strict mode refuses HTTP/1.1 requests without Host; the
   * rest of the framing is checked in exchange_new(). */
  self->daemon = MHD_start_daemon (MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
                                   0, NULL, NULL, access_cb, self,
                                   MHD_OPTION_EXTERNAL_LOGGER, log_cb, NULL,
                                   MHD_OPTION_LISTEN_SOCKET, (MHD_socket) fd,
                                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) limits->connection_timeout,
                                   MHD_OPTION_CONNECTION_LIMIT, (unsigned int) limits->max_connections,
                                   MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int) limits->max_connections_per_address,
                                   MHD_OPTION_NOTIFY_COMPLETED, completed_cb, self,
                                   MHD_OPTION_STRICT_FOR_CLIENT, (int) 1,
                                   MHD_OPTION_END);
  if (self->daemon == NULL)
    {
      close (fd);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "Could not start the HTTP server (libmicrohttpd)");
      return FALSE;
    }

  self->max_body_size = limits->max_body_size;

  self->source = g_source_new (&daemon_source_funcs, sizeof (DaemonSource));
  daemon_source = (DaemonSource *) self->source;
  daemon_source->daemon = self->daemon;
  daemon_source->deadline = -1;
  g_source_set_callback (self->source, NULL, self, NULL);
  g_source_set_static_name (self->source, "[authflow-server] libmicrohttpd");
  /* GLib blocks a source that may not recurse while it dispatches: it
   * takes each of its descriptors out of the poll set and puts it back
   * after, and each of those wakes the context up, two writes to its
   * eventfd per connection and run, about two per request under load, and
   * a spare iteration after every run. Nothing in the server runs a nested
   * main loop; should anything ever, the dispatch refuses to run MHD
   * within itself. */
  g_source_set_can_recurse (self->source, TRUE);
  context = g_main_context_ref_thread_default ();
  g_source_attach (self->source, context);

  return TRUE;
}

/**
 * authflow_server_http_close:
 * @self: a transport
 *
 * Stops listening and drops every connection. A paused request is given up
 * on: unpausing it later does nothing. Safe to call twice.
 */
void
authflow_server_http_close (AuthflowServerHttp *self)
{
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (AUTHFLOW_IS_SERVER_HTTP (self));

  if (self->daemon == NULL)
    return;

  /* MHD cannot be stopped from inside its own callbacks. */
  if (self->running)
    {
      self->close_pending = TRUE;
      return;
    }
  self->close_pending = FALSE;

  /* MHD must not be stopped with suspended connections: each is resumed,
   * then closed with the others, without being answered. */
  g_hash_table_iter_init (&iter, self->suspended);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Exchange *exchange = key;

      exchange->suspended = FALSE;
      authflow_server_request_set_unpause_func (exchange->request, NULL, NULL);
      MHD_resume_connection (exchange->connection);
      g_hash_table_iter_remove (&iter);
    }

  MHD_stop_daemon (g_steal_pointer (&self->daemon));

  g_source_destroy (self->source);
  g_clear_pointer (&self->source, g_source_unref);
}
