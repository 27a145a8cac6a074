// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-trace"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "authflow-trace.h"

/* The trace: the journal as JSON Lines, as it happens (`--trace`, schema in
 * the README, "The trace"), one line per entry, the entries made before it
 * started first.
 *
 * The main loop never waits for the file: each line is made where the
 * entry is made and queued; a thread of the trace's own writes what is
 * queued as soon as it is there, straight to the file descriptor with no
 * stdio buffer between, so that a reader tailing the file sees each line
 * as the step happens. Writing stops at the first error (a full disk, a pipe
 * whose reader went away), which a warning tells once; the app goes on.
 */

struct _AuthflowTrace
{
  GObject          parent_instance;

  AuthflowJournal *journal;
  gulong           entry_added_id;
  char            *name;
  int              fd;
  GThread         *thread;

  /* Shared with the thread, under the mutex. */
  GMutex           mutex;
  GCond            cond;
  GString         *pending;  /* lines not yet taken by the thread */
  GString         *spare;    /* the last buffer written, for reuse */
  gsize            queued;   /* bytes not yet written */
  gboolean         waiting;  /* asleep until woken */
  gint64           linger_until;
  gboolean         closing;
  int              failed;   /* also read without the mutex, atomically */
  char            *error;
  gboolean         reported;
  guint64          left_out;
};

G_DEFINE_FINAL_TYPE (AuthflowTrace, authflow_trace, G_TYPE_OBJECT)

/* How long a line may wait when it comes right after another: well under
 * what a reader tailing the file notices.
 */
#define LINGER_US 2000

/* All of @data, whatever it takes: a short write, an interruption, a
 * descriptor left non-blocking by whoever started us.
 */
static gboolean
write_all (int          fd,
           const char  *data,
           gsize        len,
           int         *errsv)
{
  while (len > 0)
    {
      gssize written = write (fd, data, len);

      if (written < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN)
            {
              struct pollfd pfd = { .fd = fd, .events = POLLOUT };

              if (poll (&pfd, 1, -1) >= 0 || errno == EINTR)
                continue;
            }
          *errsv = errno;
          return FALSE;
        }

      data += written;
      len -= written;
    }

  return TRUE;
}

static gpointer
writer_thread (gpointer data)
{
  AuthflowTrace *self = data;
  sigset_t pipe_only;

  /* A reader that went away must not end the app: with SIGPIPE blocked
   * here, a write to its pipe fails with EPIPE, in this thread only, and
   * the app's own handling of the signal stays as it is.
   */
  sigemptyset (&pipe_only);
  sigaddset (&pipe_only, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &pipe_only, NULL);

  g_mutex_lock (&self->mutex);

  for (;;)
    {
      GString *batch;
      int errsv = 0;
      gboolean ok;

      /* Right after a write, more lines are likely (an exchange is a few
       * entries, a burst of them many): for a moment the thread looks for
       * them without being woken, which would cost the main thread a
       * system call for each. Then it sleeps until woken.
       */
      while (self->pending->len == 0 && !self->closing)
        {
          if (self->linger_until != 0)
            {
              if (!g_cond_wait_until (&self->cond, &self->mutex, self->linger_until))
                self->linger_until = 0;
              continue;
            }
          self->waiting = TRUE;
          g_cond_wait (&self->cond, &self->mutex);
          self->waiting = FALSE;
        }

      if (self->pending->len == 0)
        break;

      /* Whatever came while the last write went, in one write. The two
       * buffers take turns, so that no line is allocated on one thread
       * and freed on the other.
       */
      batch = self->pending;
      self->pending = self->spare != NULL ? self->spare : g_string_sized_new (4096);
      self->spare = NULL;

      g_mutex_unlock (&self->mutex);
      ok = write_all (self->fd, batch->str, batch->len, &errsv);
      g_mutex_lock (&self->mutex);

      /* Counted until written, so that what waits for a slow reader is
       * bounded, in the buffer or in hand.
       */
      self->queued -= batch->len;
      self->linger_until = g_get_monotonic_time () + LINGER_US;

      /* A burst's buffer is not kept for good. */
      if (batch->allocated_len > 1024 * 1024)
        g_string_free (batch, TRUE);
      else
        {
          g_string_truncate (batch, 0);
          self->spare = batch;
        }

      if (!ok)
        {
          self->error = g_strdup (g_strerror (errsv));
          g_atomic_int_set (&self->failed, TRUE);
          g_string_truncate (self->pending, 0);
          self->queued = 0;
          break;
        }
    }

  g_mutex_unlock (&self->mutex);

  return NULL;
}

/* Says once, on the owner's thread, why the trace stopped. */
static void
report_failure (AuthflowTrace *self)
{
  g_autofree char *message = NULL;

  g_mutex_lock (&self->mutex);
  if (self->error != NULL && !self->reported)
    {
      self->reported = TRUE;
      message = g_steal_pointer (&self->error);
    }
  g_mutex_unlock (&self->mutex);

  if (message != NULL)
    g_warning ("Stopped writing the trace to %s: %s", self->name, message);
}

static void
queue_entry (AuthflowTrace        *self,
             AuthflowJournalEntry *entry)
{
  g_autofree char *line = NULL;
  gboolean behind = FALSE;
  gsize len;

  if (g_atomic_int_get (&self->failed))
    {
      report_failure (self);
      return;
    }

  line = authflow_journal_entry_to_line (entry);
  len = strlen (line);

  g_mutex_lock (&self->mutex);
  if (self->queued + len > AUTHFLOW_TRACE_MAX_QUEUED)
    behind = self->left_out++ == 0;
  else
    {
      g_string_append_len (self->pending, line, len);
      self->queued += len;
      /* A busy thread takes this line with the ones before, and an idle
       * one needs waking only once: each wake-up is a system call.
       */
      if (self->waiting)
        {
          self->waiting = FALSE;
          g_cond_signal (&self->cond);
        }
    }
  g_mutex_unlock (&self->mutex);

  /* Holding the main loop until the reader catches up is what the queue
   * is there to avoid; its sequence numbers show the reader the gap.
   */
  if (behind)
    g_warning ("The reader of the trace on %s is more than %u MiB behind; "
               "leaving entries out until it catches up",
               self->name, AUTHFLOW_TRACE_MAX_QUEUED / (1024 * 1024));
}

static void
entry_added_cb (AuthflowTrace        *self,
                AuthflowJournalEntry *entry,
                AuthflowJournal      *journal)
{
  queue_entry (self, entry);
}

/**
 * authflow_trace_close:
 *
 * Stops following the journal, writes out everything queued, and closes
 * the file (not standard output, which is left open). A write error not
 * yet told is told now. Does nothing the second time.
 */
void
authflow_trace_close (AuthflowTrace *self)
{
  g_return_if_fail (AUTHFLOW_IS_TRACE (self));

  if (self->thread == NULL)
    return;

  g_clear_signal_handler (&self->entry_added_id, self->journal);
  g_clear_object (&self->journal);

  g_mutex_lock (&self->mutex);
  self->closing = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  g_thread_join (g_steal_pointer (&self->thread));

  if (self->fd != STDOUT_FILENO)
    {
      g_autoptr(GError) error = NULL;

      if (!g_close (self->fd, &error) && !self->failed)
        {
          self->error = g_strdup (error->message);
          self->failed = TRUE;
        }
    }
  self->fd = -1;

  report_failure (self);
}

static void
authflow_trace_dispose (GObject *object)
{
  AuthflowTrace *self = (AuthflowTrace *)object;

  authflow_trace_close (self);

  G_OBJECT_CLASS (authflow_trace_parent_class)->dispose (object);
}

static void
authflow_trace_finalize (GObject *object)
{
  AuthflowTrace *self = (AuthflowTrace *)object;

  g_string_free (self->pending, TRUE);
  if (self->spare != NULL)
    g_string_free (self->spare, TRUE);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->name, g_free);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (authflow_trace_parent_class)->finalize (object);
}

static void
authflow_trace_class_init (AuthflowTraceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authflow_trace_dispose;
  object_class->finalize = authflow_trace_finalize;
}

static void
authflow_trace_init (AuthflowTrace *self)
{
  self->fd = -1;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->pending = g_string_sized_new (4096);
}

/* The file, created for its owner alone or emptied. */
static int
open_trace_file (const char  *path,
                 GError     **error)
{
  struct stat st;
  int fd;

  do
    fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
  while (fd < 0 && errno == EINTR);

  if (fd < 0)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_name (path);

      /* For --trace and --har, developers' options: in English, like the
       * trace and the HAR themselves. */
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "Could not write the trace to “%s”: %s",
                   display, g_strerror (errsv));
      return -1;
    }

  /* An existing file keeps its mode through O_TRUNC; a trace is for its
   * owner alone, like a new one. A pipe or a device is left as it is.
   */
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && (st.st_mode & 07777) != 0600)
    (void) fchmod (fd, 0600);

  return fd;
}

/**
 * authflow_trace_new:
 * @journal: the journal to follow
 * @path: (type filename): the file to write, created with mode 0600 or
 *   emptied; "-" for standard output
 * @error: the place for an error
 *
 * Starts writing @journal as JSON Lines: first the entries it holds, then
 * each new one as it is made. Writing happens on a thread of its own, so
 * that the caller's main loop never waits for it.
 *
 * Returns: (transfer full) (nullable): the trace, or %NULL if @path could
 *   not be opened
 */
AuthflowTrace *
authflow_trace_new (AuthflowJournal  *journal,
                    const char       *path,
                    GError          **error)
{
  g_autoptr(AuthflowTrace) self = NULL;
  GListModel *entries;
  int fd;

  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL (journal), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_str_equal (path, "-"))
    fd = STDOUT_FILENO;
  else if ((fd = open_trace_file (path, error)) < 0)
    return NULL;

  self = g_object_new (AUTHFLOW_TYPE_TRACE, NULL);
  self->fd = fd;
  self->name = fd == STDOUT_FILENO ? g_strdup ("standard output")
                                   : g_filename_display_name (path);
  self->journal = g_object_ref (journal);

  entries = authflow_journal_get_entries (journal);
  for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (entries, i);

      queue_entry (self, entry);
    }

  self->entry_added_id = g_signal_connect_swapped (journal, "entry-added",
                                                   G_CALLBACK (entry_added_cb), self);
  self->thread = g_thread_new ("authflow-trace", writer_thread, self);

  return g_steal_pointer (&self);
}
