// SPDX-License-Identifier: GPL-3.0-or-later
//
// The server program's log writer. The server logs one line per request
// (authflow-server-http.c), and GLib 2.74's default writer costs seven
// system calls for each: on every message it checks again whether stderr is
// the journal (fstat) and a terminal (ioctl), and stdio writes the line in
// pieces. Under load that was 9 % of the main loop's time. This writer
// answers those questions once, at start, and writes each line with one
// writev(2), formatted by GLib itself, so the lines read as before. Anything
// but a plain message (a warning, which G_DEBUG may make fatal, debug output
// that G_MESSAGES_DEBUG turns on) and everything when stderr is the journal
// still goes through GLib's default writer.
//
// GLib stamps each line with localtime(), which with TZ unset has glibc
// stat /etc/localtime for every line, to see whether it changed; with TZ
// naming that same file glibc reads it once. The time zone is the same.

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include "authflow-server-log.h"

static gboolean stderr_is_journal;
static gboolean stderr_has_color;

static GLogWriterOutput
log_writer_cb (GLogLevelFlags   log_level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  g_autofree char *line = NULL;
  struct iovec iov[2];
  int n_iov = 2;

  if ((log_level & G_LOG_LEVEL_MASK) != G_LOG_LEVEL_MESSAGE ||
      (log_level & G_LOG_FLAG_FATAL) != 0 ||
      stderr_is_journal)
    return g_log_writer_default (log_level, fields, n_fields, user_data);

  line = g_log_writer_format_fields (log_level, fields, n_fields, stderr_has_color);
  iov[0].iov_base = line;
  iov[0].iov_len = strlen (line);
  iov[1].iov_base = (char *) "\n";
  iov[1].iov_len = 1;

  while (n_iov > 0)
    {
      ssize_t written = writev (STDERR_FILENO, iov + 2 - n_iov, n_iov);

      if (written < 0 && errno == EINTR)
        continue;
      if (written < 0)
        return G_LOG_WRITER_UNHANDLED;

      /* A short write, to a pipe that is nearly full: the rest follows. */
      while (n_iov > 0 && (gsize) written >= iov[2 - n_iov].iov_len)
        {
          written -= iov[2 - n_iov].iov_len;
          n_iov--;
        }
      if (n_iov > 0)
        {
          iov[2 - n_iov].iov_base = (char *) iov[2 - n_iov].iov_base + written;
          iov[2 - n_iov].iov_len -= written;
        }
    }

  return G_LOG_WRITER_HANDLED;
}

/**
 * authflow_server_log_init:
 *
 * Makes the program's log writer the process's. For the program only: the
 * tests keep GLib's, which g_test_expect_message() and the TAP output rely
 * on.
 */
void
authflow_server_log_init (void)
{
  if (g_getenv ("TZ") == NULL)
    g_setenv ("TZ", ":/etc/localtime", FALSE);

  stderr_is_journal = g_log_writer_is_journald (STDERR_FILENO);
  stderr_has_color = g_log_writer_supports_color (STDERR_FILENO);
  g_log_set_writer_func (log_writer_cb, NULL, NULL);
}
