// SPDX-License-Identifier: GPL-3.0-or-later
/* A closed-loop HTTP/1.1 load generator, for bench/server-throughput.py:
 * C keep-alive connections, each sending its next request as soon as the
 * answer to the last one is in, for a warm-up and then D seconds, with
 * every answer's latency taken on CLOCK_MONOTONIC from the request's first
 * byte written to the answer's last byte read. It prints one JSON object on
 * stdout: requests per second, latency percentiles, errors.
 *
 *   bench-http [-c CONNECTIONS] [-d SECONDS] [-w SECONDS] [--timeout SECONDS]
 *              [--get PATH | --post PATH --body JSON | --refresh PATH]
 *              [--tokens FILE] [--tokens-out FILE] URL
 *
 * --get PATH (the default, /auth/me) sends GET with "Authorization: Bearer
 * TOKEN", connection i taking line i of --tokens (round robin), or no such
 * header without --tokens. --post PATH sends the same JSON body every time
 * (a login). --refresh PATH sends {"refreshToken": TOKEN} and reads the
 * refresh token of each answer for the next request, as DESIGN.md has it
 * (a refresh token is spent by its use and the answer brings the next): so
 * each connection needs a token of its own. --tokens-out writes each
 * connection's last token, one a line, for the next run.
 *
 * One thread, epoll, level-triggered; everything is allocated before the
 * first request (each connection's request and read buffers, a histogram of
 * 1 µs buckets up to 1 s), so that the generator does as little as it can
 * per request and never allocates. Answers are parsed properly: status
 * line, Content-Length or chunked, Connection: close. Anything unexpected
 * is an error: a malformed or unframed answer, bytes beyond the answer, a
 * connection closed or reset while a request waits, an answer later than
 * --timeout, a refresh answer without a refresh token. A non-2xx answer is
 * counted apart; a refresh connection that gets one has no token left and
 * stops (connections_lost). A connection that the server closes between
 * requests is opened again (reconnects). SIGINT or SIGTERM end the run
 * early, with the figures so far.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 1024
#define REQUEST_SIZE 8192
#define BUFFER_SIZE 65536
#define MAX_TOKEN 4096
/* 1 µs buckets up to 1 s; anything slower goes to the last one, and the
 * exact maximum is kept apart. */
#define HISTOGRAM_BUCKETS 1000000

typedef enum
{
  MODE_GET,
  MODE_POST,
  MODE_REFRESH,
} Mode;

typedef enum
{
  PARSE_MORE,
  PARSE_DONE,
  PARSE_ERROR,
} ParseResult;

typedef struct
{
  int       fd;
  int       index;
  bool      in_flight;
  bool      lost;
  uint64_t  sent_ns;
  size_t    request_len;
  size_t    request_sent;
  size_t    buffer_len;
  size_t    token_len;
  /* The answer being parsed. */
  int       status;
  bool      close_after;
  const char *body;
  size_t    body_len;
  char      token[MAX_TOKEN];
  char      request[REQUEST_SIZE];
  char      buffer[BUFFER_SIZE];
  /* A chunked body, once decoded. */
  char      decoded[BUFFER_SIZE];
} Connection;

static struct
{
  Mode             mode;
  const char      *path;
  const char      *body;
  const char      *tokens_path;
  const char      *tokens_out;
  int              connections;
  double           duration;
  double           warmup;
  double           timeout;
  char             host[320];
  struct sockaddr_storage address;
  socklen_t        address_len;
} options = {
  .mode = MODE_GET,
  .path = "/auth/me",
  .connections = 32,
  .duration = 5,
  .warmup = 1,
  .timeout = 10,
};

static struct
{
  uint64_t requests;
  uint64_t warmup_requests;
  uint64_t errors;
  uint64_t non_2xx;
  uint64_t timeouts;
  uint64_t reconnects;
  uint64_t lost;
  uint64_t bytes_read;
  uint64_t latency_sum_ns;
  uint64_t latency_max_ns;
  int      first_non_2xx;
  char     first_error[256];
} stats;

static uint32_t histogram[HISTOGRAM_BUCKETS];
static Connection *connections;
static int epoll_fd = -1;
static char **tokens;
static int n_tokens;
static volatile sig_atomic_t interrupted;

static uint64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);

  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static void
die (const char *message)
{
  fprintf (stderr, "bench-http: %s\n", message);
  exit (2);
}

static void
count_error (Connection *c,
             const char *what)
{
  stats.errors++;
  if (stats.first_error[0] == '\0')
    snprintf (stats.first_error, sizeof stats.first_error, "connection %d: %s", c->index, what);
}

static void
record (uint64_t latency_ns)
{
  uint64_t us = latency_ns / 1000;

  histogram[us < HISTOGRAM_BUCKETS ? us : HISTOGRAM_BUCKETS - 1]++;
  stats.latency_sum_ns += latency_ns;
  if (latency_ns > stats.latency_max_ns)
    stats.latency_max_ns = latency_ns;
}

/* Nearest rank: the least latency that at least @p of the answers had. */
static double
percentile_ms (double p)
{
  uint64_t rank;
  uint64_t seen = 0;

  if (stats.requests == 0)
    return 0;

  rank = (uint64_t) (p * (double) stats.requests + 0.999999);
  if (rank < 1)
    rank = 1;

  for (size_t i = 0; i < HISTOGRAM_BUCKETS; i++)
    {
      seen += histogram[i];
      if (seen >= rank)
        return i == HISTOGRAM_BUCKETS - 1 ? stats.latency_max_ns / 1e6 : (i + 0.5) / 1000.0;
    }

  return stats.latency_max_ns / 1e6;
}

static void
build_request (Connection *c)
{
  int len;

  switch (options.mode)
    {
    case MODE_GET:
      if (c->token_len > 0)
        len = snprintf (c->request, sizeof c->request,
                        "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %.*s\r\n\r\n",
                        options.path, options.host, (int) c->token_len, c->token);
      else
        len = snprintf (c->request, sizeof c->request, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n",
                        options.path, options.host);
      break;

    case MODE_POST:
      len = snprintf (c->request, sizeof c->request,
                      "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n\r\n%s",
                      options.path, options.host, strlen (options.body), options.body);
      break;

    case MODE_REFRESH:
    default:
      len = snprintf (c->request, sizeof c->request,
                      "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n\r\n{\"refreshToken\":\"%.*s\"}",
                      options.path, options.host, c->token_len + 19, (int) c->token_len, c->token);
      break;
    }

  if (len < 0 || (size_t) len >= sizeof c->request)
    die ("a request does not fit its buffer");
  c->request_len = len;
}

static void
close_connection (Connection *c)
{
  if (c->fd >= 0)
    {
      epoll_ctl (epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
      close (c->fd);
      c->fd = -1;
    }
  c->in_flight = false;
  c->buffer_len = 0;
}

static bool
open_connection (Connection *c)
{
  struct epoll_event event = { .events = EPOLLIN, .data.ptr = c };
  int one = 1;
  int fd;

  fd = socket (options.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      count_error (c, strerror (errno));
      return false;
    }

  /* On the loopback a blocking connect is over at once. */
  if (connect (fd, (struct sockaddr *) &options.address, options.address_len) != 0)
    {
      count_error (c, strerror (errno));
      close (fd);
      return false;
    }

  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);

  c->fd = fd;
  c->buffer_len = 0;
  if (epoll_ctl (epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0)
    die ("epoll_ctl failed");

  return true;
}

static void
want_write (Connection *c,
            bool        writable)
{
  struct epoll_event event = { .events = EPOLLIN | (writable ? EPOLLOUT : 0), .data.ptr = c };

  epoll_ctl (epoll_fd, EPOLL_CTL_MOD, c->fd, &event);
}

/* Returns false if the connection failed. */
static bool
flush_request (Connection *c)
{
  while (c->request_sent < c->request_len)
    {
      ssize_t n = send (c->fd, c->request + c->request_sent, c->request_len - c->request_sent,
                        MSG_NOSIGNAL);

      if (n < 0 && errno == EAGAIN)
        {
          want_write (c, true);
          return true;
        }
      if (n <= 0)
        {
          count_error (c, n < 0 ? strerror (errno) : "send returned 0");
          return false;
        }
      c->request_sent += n;
    }

  return true;
}

static void send_request (Connection *c);

static void
fail_connection (Connection *c)
{
  close_connection (c);
  /* A refresh connection does not know whether its token was spent. */
  if (options.mode == MODE_REFRESH)
    {
      c->lost = true;
      stats.lost++;
    }
}

static void
send_request (Connection *c)
{
  if (c->lost)
    return;

  if (c->fd < 0)
    {
      if (!open_connection (c))
        {
          fail_connection (c);
          return;
        }
      stats.reconnects++;
    }

  c->request_sent = 0;
  c->in_flight = true;
  c->sent_ns = now_ns ();
  if (!flush_request (c))
    fail_connection (c);
}

static bool
header_is (const char *name,
           size_t      name_len,
           const char *wanted)
{
  return name_len == strlen (wanted) && strncasecmp (name, wanted, name_len) == 0;
}

static const char *
trim (const char *start,
      const char *end,
      size_t     *out_len)
{
  while (start < end && (*start == ' ' || *start == '\t'))
    start++;
  while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  *out_len = end - start;

  return start;
}

static bool
parse_size (const char *text,
            size_t      len,
            int         base,
            uint64_t   *out)
{
  uint64_t value = 0;

  if (len == 0 || len > 15)
    return false;

  for (size_t i = 0; i < len; i++)
    {
      int digit;
      char ch = text[i];

      if (ch >= '0' && ch <= '9')
        digit = ch - '0';
      else if (base == 16 && ch >= 'a' && ch <= 'f')
        digit = ch - 'a' + 10;
      else if (base == 16 && ch >= 'A' && ch <= 'F')
        digit = ch - 'A' + 10;
      else
        return false;
      value = value * base + digit;
    }
  *out = value;

  return true;
}

/* Decodes a chunked body that starts at @p into c->decoded. Returns the
 * framing's length in *@out_len once it is all in. */
static ParseResult
parse_chunked (Connection *c,
               const char *p,
               const char *end,
               size_t     *out_len,
               const char **error)
{
  const char *start = p;
  size_t decoded = 0;

  for (;;)
    {
      const char *line_end = memmem (p, end - p, "\r\n", 2);
      const char *size_end;
      uint64_t size;

      if (line_end == NULL)
        return PARSE_MORE;

      size_end = memchr (p, ';', line_end - p);
      if (size_end == NULL)
        size_end = line_end;
      if (!parse_size (p, size_end - p, 16, &size))
        {
          *error = "malformed chunk size";
          return PARSE_ERROR;
        }
      p = line_end + 2;

      if (size == 0)
        {
          /* Trailers, then the empty line. */
          for (;;)
            {
              line_end = memmem (p, end - p, "\r\n", 2);
              if (line_end == NULL)
                return PARSE_MORE;
              if (line_end == p)
                {
                  c->body = c->decoded;
                  c->body_len = decoded;
                  *out_len = line_end + 2 - start;
                  return PARSE_DONE;
                }
              p = line_end + 2;
            }
        }

      if (size > sizeof c->decoded - decoded)
        {
          *error = "chunked body too large";
          return PARSE_ERROR;
        }
      if ((uint64_t) (end - p) < size + 2)
        return PARSE_MORE;
      if (p[size] != '\r' || p[size + 1] != '\n')
        {
          *error = "chunk not followed by CRLF";
          return PARSE_ERROR;
        }
      memcpy (c->decoded + decoded, p, size);
      decoded += size;
      p += size + 2;
    }
}

/* Parses one answer at the start of c->buffer; on PARSE_DONE, *@out_len is
 * its length and c->status, c->body and c->close_after are set. */
static ParseResult
parse_response (Connection  *c,
                size_t      *out_len,
                const char **error)
{
  const char *data = c->buffer;
  const char *end = data + c->buffer_len;
  const char *headers_end;
  const char *p;
  const char *line_end;
  uint64_t content_length = 0;
  bool has_length = false;
  bool chunked = false;
  bool http10;
  size_t head_len;

  headers_end = memmem (data, c->buffer_len, "\r\n\r\n", 4);
  if (headers_end == NULL)
    {
      if (c->buffer_len == sizeof c->buffer)
        {
          *error = "headers too large";
          return PARSE_ERROR;
        }
      return PARSE_MORE;
    }
  head_len = headers_end + 4 - data;

  /* HTTP/1.x SSS reason */
  if (c->buffer_len < 13 || memcmp (data, "HTTP/1.", 7) != 0 ||
      (data[7] != '0' && data[7] != '1') || data[8] != ' ' ||
      data[9] < '1' || data[9] > '5' || data[10] < '0' || data[10] > '9' ||
      data[11] < '0' || data[11] > '9' || (data[12] != ' ' && data[12] != '\r'))
    {
      *error = "malformed status line";
      return PARSE_ERROR;
    }
  http10 = data[7] == '0';
  c->status = (data[9] - '0') * 100 + (data[10] - '0') * 10 + (data[11] - '0');
  c->close_after = http10;

  p = (const char *) memmem (data, head_len, "\r\n", 2) + 2;
  while (p < headers_end + 2)
    {
      const char *colon;
      const char *value;
      size_t value_len;

      line_end = memmem (p, headers_end + 2 - p, "\r\n", 2);
      colon = memchr (p, ':', line_end - p);
      if (colon == NULL || colon == p)
        {
          *error = "malformed header";
          return PARSE_ERROR;
        }
      value = trim (colon + 1, line_end, &value_len);

      if (header_is (p, colon - p, "Content-Length"))
        {
          uint64_t length;

          if (!parse_size (value, value_len, 10, &length) || (has_length && length != content_length))
            {
              *error = "bad Content-Length";
              return PARSE_ERROR;
            }
          has_length = true;
          content_length = length;
        }
      else if (header_is (p, colon - p, "Transfer-Encoding"))
        {
          if (value_len != 7 || strncasecmp (value, "chunked", 7) != 0)
            {
              *error = "unsupported Transfer-Encoding";
              return PARSE_ERROR;
            }
          chunked = true;
        }
      else if (header_is (p, colon - p, "Connection"))
        {
          if (memmem (value, value_len, "close", 5) != NULL)
            c->close_after = true;
          else if (http10 && memmem (value, value_len, "keep-alive", 10) != NULL)
            c->close_after = false;
        }
      p = line_end + 2;
    }

  /* An interim answer: the real one follows. */
  if (c->status < 200)
    {
      *out_len = head_len;
      c->body = NULL;
      return PARSE_DONE;
    }

  if (chunked && has_length)
    {
      *error = "both Content-Length and chunked";
      return PARSE_ERROR;
    }

  if (c->status == 204 || c->status == 304)
    {
      c->body = data + head_len;
      c->body_len = 0;
      *out_len = head_len;
      return PARSE_DONE;
    }

  if (chunked)
    {
      ParseResult result;
      size_t body_len;

      result = parse_chunked (c, data + head_len, end, &body_len, error);
      if (result == PARSE_DONE)
        *out_len = head_len + body_len;
      return result;
    }

  if (!has_length)
    {
      *error = "answer without Content-Length or chunked";
      return PARSE_ERROR;
    }

  if (content_length > sizeof c->buffer - head_len)
    {
      *error = "body too large";
      return PARSE_ERROR;
    }
  if ((uint64_t) (end - data) < head_len + content_length)
    return PARSE_MORE;

  c->body = data + head_len;
  c->body_len = content_length;
  *out_len = head_len + content_length;

  return PARSE_DONE;
}

/* The value of "refreshToken" in a JSON answer: base64url, so no escapes. */
static bool
take_refresh_token (Connection *c)
{
  static const char key[] = "\"refreshToken\"";
  const char *end = c->body + c->body_len;
  const char *p = memmem (c->body, c->body_len, key, sizeof key - 1);
  const char *value_end;

  if (p == NULL)
    return false;
  p += sizeof key - 1;
  while (p < end && (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  if (p >= end || *p != '"')
    return false;
  p++;
  value_end = memchr (p, '"', end - p);
  if (value_end == NULL || value_end == p || (size_t) (value_end - p) > sizeof c->token ||
      memchr (p, '\\', value_end - p) != NULL)
    return false;

  memcpy (c->token, p, value_end - p);
  c->token_len = value_end - p;
  build_request (c);

  return true;
}

static void
answered (Connection *c,
          uint64_t    now,
          uint64_t    measure_from,
          uint64_t    measure_until)
{
  bool ok = c->status >= 200 && c->status < 300;

  c->in_flight = false;

  if (now >= measure_from && now < measure_until)
    {
      stats.requests++;
      record (now - c->sent_ns);
    }
  else if (now < measure_from)
    {
      stats.warmup_requests++;
    }

  if (!ok)
    {
      stats.non_2xx++;
      if (stats.first_non_2xx == 0)
        stats.first_non_2xx = c->status;
      if (options.mode == MODE_REFRESH)
        {
          close_connection (c);
          c->lost = true;
          stats.lost++;
          return;
        }
    }
  else if (options.mode == MODE_REFRESH && !take_refresh_token (c))
    {
      count_error (c, "a refresh answer without a refresh token");
      close_connection (c);
      c->lost = true;
      stats.lost++;
      return;
    }

  if (c->close_after)
    close_connection (c);

  if (now < measure_until && !interrupted)
    send_request (c);
}

static void
on_readable (Connection *c,
             uint64_t    measure_from,
             uint64_t    measure_until)
{
  ssize_t n;

  n = recv (c->fd, c->buffer + c->buffer_len, sizeof c->buffer - c->buffer_len, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;

  if (n <= 0)
    {
      if (c->in_flight || c->buffer_len > 0)
        {
          count_error (c, n < 0 ? strerror (errno) : "closed by the server while a request waited");
          fail_connection (c);
        }
      else
        {
          /* Closed between requests: open again for the next one. */
          close_connection (c);
        }
      return;
    }

  stats.bytes_read += n;
  c->buffer_len += n;

  for (;;)
    {
      const char *error = NULL;
      size_t len = 0;
      ParseResult result = parse_response (c, &len, &error);
      uint64_t now;

      if (result == PARSE_MORE)
        return;

      if (result == PARSE_ERROR)
        {
          count_error (c, error);
          fail_connection (c);
          return;
        }

      if (!c->in_flight)
        {
          count_error (c, "an answer to no request");
          fail_connection (c);
          return;
        }

      if (c->status < 200)
        {
          memmove (c->buffer, c->buffer + len, c->buffer_len - len);
          c->buffer_len -= len;
          continue;
        }

      /* No pipelining: nothing may follow the answer. */
      if (len != c->buffer_len)
        {
          count_error (c, "bytes after the answer");
          fail_connection (c);
          return;
        }

      now = now_ns ();
      c->buffer_len = 0;
      answered (c, now, measure_from, measure_until);
      return;
    }
}

static void
on_signal (int signum)
{
  interrupted = 1;
}

static void
load_tokens (void)
{
  FILE *file = fopen (options.tokens_path, "r");
  char *line = NULL;
  size_t size = 0;
  ssize_t len;

  if (file == NULL)
    die ("cannot read --tokens");

  while ((len = getline (&line, &size, file)) >= 0)
    {
      while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
        line[--len] = '\0';
      if (len == 0)
        continue;
      if ((size_t) len >= MAX_TOKEN)
        die ("a token is too long");
      tokens = realloc (tokens, (n_tokens + 1) * sizeof *tokens);
      tokens[n_tokens++] = strdup (line);
    }
  free (line);
  fclose (file);

  if (n_tokens == 0)
    die ("--tokens has no token");
}

static void
write_tokens (void)
{
  FILE *file = fopen (options.tokens_out, "w");

  if (file == NULL)
    die ("cannot write --tokens-out");
  for (int i = 0; i < options.connections; i++)
    fprintf (file, "%.*s\n", (int) connections[i].token_len, connections[i].token);
  fclose (file);
}

static void
parse_url (const char *url)
{
  char host[256];
  char port[16] = "80";
  const char *p;
  const char *host_end;
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
  struct addrinfo *result;

  if (strncmp (url, "http://", 7) != 0)
    die ("the URL must start with http://");
  p = url + 7;
  host_end = strpbrk (p, ":/");
  if (host_end == NULL)
    host_end = p + strlen (p);
  if (host_end == p || (size_t) (host_end - p) >= sizeof host)
    die ("the URL has no host");
  memcpy (host, p, host_end - p);
  host[host_end - p] = '\0';
  if (*host_end == ':')
    {
      size_t len = strcspn (host_end + 1, "/");

      if (len == 0 || len >= sizeof port)
        die ("the URL's port is invalid");
      memcpy (port, host_end + 1, len);
      port[len] = '\0';
    }

  if (getaddrinfo (host, port, &hints, &result) != 0 || result == NULL)
    die ("cannot resolve the URL's host");
  memcpy (&options.address, result->ai_addr, result->ai_addrlen);
  options.address_len = result->ai_addrlen;
  freeaddrinfo (result);

  snprintf (options.host, sizeof options.host, "%s:%s", host, port);
}

static void
usage (void)
{
  fprintf (stderr,
           "Usage: bench-http [-c CONNECTIONS] [-d SECONDS] [-w SECONDS] [--timeout SECONDS]\n"
           "                  [--get PATH | --post PATH --body JSON | --refresh PATH]\n"
           "                  [--tokens FILE] [--tokens-out FILE] URL\n");
  exit (2);
}

static void
parse_args (int   argc,
            char *argv[])
{
  const char *url = NULL;

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      const char *value = i + 1 < argc ? argv[i + 1] : NULL;

      if (arg[0] != '-')
        {
          url = arg;
          continue;
        }
      if (value == NULL)
        usage ();
      i++;

      if (strcmp (arg, "-c") == 0)
        options.connections = atoi (value);
      else if (strcmp (arg, "-d") == 0)
        options.duration = atof (value);
      else if (strcmp (arg, "-w") == 0)
        options.warmup = atof (value);
      else if (strcmp (arg, "--timeout") == 0)
        options.timeout = atof (value);
      else if (strcmp (arg, "--get") == 0)
        options.mode = MODE_GET, options.path = value;
      else if (strcmp (arg, "--post") == 0)
        options.mode = MODE_POST, options.path = value;
      else if (strcmp (arg, "--refresh") == 0)
        options.mode = MODE_REFRESH, options.path = value;
      else if (strcmp (arg, "--body") == 0)
        options.body = value;
      else if (strcmp (arg, "--tokens") == 0)
        options.tokens_path = value;
      else if (strcmp (arg, "--tokens-out") == 0)
        options.tokens_out = value;
      else
        usage ();
    }

  if (url == NULL || options.connections < 1 || options.connections > MAX_CONNECTIONS ||
      options.duration <= 0 || options.warmup < 0 || options.timeout <= 0 ||
      options.path[0] != '/' || (options.mode == MODE_POST && options.body == NULL))
    usage ();

  parse_url (url);

  if (options.tokens_path != NULL)
    load_tokens ();
  if (options.mode == MODE_REFRESH && n_tokens < options.connections)
    die ("--refresh needs a refresh token of its own for each connection in --tokens");
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);

  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static const char *
mode_name (void)
{
  return options.mode == MODE_GET ? "get" : options.mode == MODE_POST ? "post" : "refresh";
}

int
main (int   argc,
      char *argv[])
{
  struct epoll_event events[64];
  uint64_t start, measure_from, measure_until, stop_deadline = 0, measured_end = 0;
  uint64_t timeout_ns;
  uint64_t last_sweep = 0;
  double cpu_from = 0, cpu_until = 0;
  bool measuring = false;
  bool stopping = false;
  double measured;

  parse_args (argc, argv);

  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGPIPE, SIG_IGN);

  epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  connections = calloc (options.connections, sizeof *connections);
  if (epoll_fd < 0 || connections == NULL)
    die ("out of resources");

  for (int i = 0; i < options.connections; i++)
    {
      Connection *c = &connections[i];

      c->index = i;
      c->fd = -1;
      if (n_tokens > 0)
        {
          c->token_len = strlen (tokens[i % n_tokens]);
          memcpy (c->token, tokens[i % n_tokens], c->token_len);
        }
      build_request (c);
      if (!open_connection (c))
        die (stats.first_error);
    }

  timeout_ns = (uint64_t) (options.timeout * 1e9);
  start = now_ns ();
  measure_from = start + (uint64_t) (options.warmup * 1e9);
  measure_until = measure_from + (uint64_t) (options.duration * 1e9);

  for (int i = 0; i < options.connections; i++)
    send_request (&connections[i]);

  for (;;)
    {
      uint64_t now = now_ns ();
      int wait_ms = 100;
      int in_flight = 0;
      int n;

      if (!measuring && now >= measure_from)
        {
          measuring = true;
          cpu_from = cpu_seconds ();
        }
      if (!stopping && (now >= measure_until || interrupted))
        {
          stopping = true;
          measured_end = now < measure_until ? now : measure_until;
          if (measuring)
            cpu_until = cpu_seconds ();
          else
            measured_end = measure_from;
          stop_deadline = now + timeout_ns;
          /* Stop sending at once: an interrupted run waits only for what is in flight. */
          if (now < measure_until)
            measure_until = now;
        }

      /* Requests that wait too long; also how many are in flight. */
      if (stopping || now - last_sweep >= 50000000u)
        {
          last_sweep = now;
          for (int i = 0; i < options.connections; i++)
            {
              Connection *c = &connections[i];

              if (!c->in_flight)
                continue;
              if (now - c->sent_ns >= timeout_ns)
                {
                  stats.timeouts++;
                  count_error (c, "no answer before the timeout");
                  fail_connection (c);
                  if (!stopping)
                    send_request (c);
                  continue;
                }
              in_flight++;
            }
          if (stopping && (in_flight == 0 || now >= stop_deadline))
            break;
        }

      if (!measuring && measure_from - now < 100000000u)
        wait_ms = (int) ((measure_from - now) / 1000000u) + 1;
      else if (!stopping && measure_until > now && measure_until - now < 100000000u)
        wait_ms = (int) ((measure_until - now) / 1000000u) + 1;

      n = epoll_wait (epoll_fd, events, 64, wait_ms);
      if (n < 0 && errno != EINTR)
        die ("epoll_wait failed");

      for (int i = 0; i < n; i++)
        {
          Connection *c = events[i].data.ptr;

          if (c->fd < 0)
            continue;
          if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            on_readable (c, measure_from, measure_until);
          if (c->fd >= 0 && (events[i].events & EPOLLOUT))
            {
              want_write (c, false);
              if (!flush_request (c))
                fail_connection (c);
            }
        }
    }

  for (int i = 0; i < options.connections; i++)
    {
      if (connections[i].in_flight && options.mode == MODE_REFRESH && !connections[i].lost)
        {
          connections[i].lost = true;
          stats.lost++;
        }
      close_connection (&connections[i]);
    }

  if (options.tokens_out != NULL)
    write_tokens ();

  measured = measured_end > measure_from ? (measured_end - measure_from) / 1e9 : 0;
  printf ("{\"mode\": \"%s\", \"path\": \"%s\", \"connections\": %d, \"warmup_s\": %.3f, "
          "\"duration_s\": %.3f, \"requests\": %" PRIu64 ", \"rps\": %.1f, "
          "\"latency_ms\": {\"mean\": %.4f, \"p50\": %.4f, \"p90\": %.4f, \"p99\": %.4f, "
          "\"p999\": %.4f, \"max\": %.4f}, "
          "\"errors\": %" PRIu64 ", \"non_2xx\": %" PRIu64 ", \"first_non_2xx\": %d, "
          "\"timeouts\": %" PRIu64 ", \"reconnects\": %" PRIu64 ", \"connections_lost\": %" PRIu64 ", "
          "\"warmup_requests\": %" PRIu64 ", \"bytes_read\": %" PRIu64 ", "
          "\"client_cpu_s\": %.3f, \"first_error\": \"%s\", \"interrupted\": %s}\n",
          mode_name (), options.path, options.connections, options.warmup, measured,
          stats.requests, measured > 0 ? stats.requests / measured : 0.0,
          stats.requests > 0 ? stats.latency_sum_ns / 1e6 / stats.requests : 0.0,
          percentile_ms (0.50), percentile_ms (0.90), percentile_ms (0.99), percentile_ms (0.999),
          stats.latency_max_ns / 1e6,
          stats.errors, stats.non_2xx, stats.first_non_2xx,
          stats.timeouts, stats.reconnects, stats.lost,
          stats.warmup_requests, stats.bytes_read,
          measuring ? cpu_until - cpu_from : 0.0, stats.first_error,
          interrupted ? "true" : "false");

  return stats.errors == 0 ? 0 : 1;
}
