// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "authflow-test-utils.h"

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

#define LISTENING_PREFIX   "Listening on "
#define MAX_WAKE_UP_MS     50
#define START_ATTEMPTS     5
#define RETRY_DELAY_MS     200

struct _AuthflowTestServer
{
  char             **extra_args;
  char              *tmpdir;
  char              *db_path;
  char              *url;
  guint              port;
  GSubprocess       *process;
  GDataInputStream  *output;
};

static gboolean
wake_up_cb (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

/**
 * authflow_test_iterate_until:
 * @context: (nullable): the main context, %NULL for the default one
 * @deadline: a g_get_monotonic_time() value
 *
 * Runs one blocking iteration of @context that returns at the latest a
 * little after @deadline.
 */
void
authflow_test_iterate_until (GMainContext *context,
                             gint64        deadline)
{
  gint64 remaining_ms = (deadline - g_get_monotonic_time ()) / 1000;
  GSource *wake_up;

  if (remaining_ms <= 0)
    {
      g_main_context_iteration (context, FALSE);
      return;
    }

  /* The wake-up also bounds the wait for conditions that another thread
   * changes without waking the context. */
  wake_up = g_timeout_source_new (CLAMP (remaining_ms, 1, MAX_WAKE_UP_MS));
  g_source_set_callback (wake_up, wake_up_cb, NULL, NULL);
  g_source_attach (wake_up, context);

  g_main_context_iteration (context, TRUE);

  g_source_destroy (wake_up);
  g_source_unref (wake_up);
}

/**
 * authflow_test_wait_until:
 * @context: (nullable): the main context to spin, %NULL for the default one
 * @timeout_ms: how long to wait at most
 * @condition: checked before and after each iteration
 * @user_data: passed to @condition
 *
 * Returns: whether @condition held before @timeout_ms passed
 */
gboolean
authflow_test_wait_until (GMainContext          *context,
                          guint                  timeout_ms,
                          AuthflowTestCondition  condition,
                          gpointer               user_data)
{
  g_return_val_if_fail (condition != NULL, FALSE);

  return AUTHFLOW_TEST_WAIT_UNTIL (context, timeout_ms, condition (user_data));
}

/**
 * authflow_test_wait:
 * @context: (nullable): the main context to spin, %NULL for the default one
 * @ms: how long
 *
 * Spins @context for @ms milliseconds.
 */
void
authflow_test_wait (GMainContext *context,
                    guint         ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < deadline)
    authflow_test_iterate_until (context, deadline);
}

/**
 * authflow_test_remove_tree:
 * @path: a file or directory
 *
 * Removes @path and, for a directory, everything in it. Symbolic links are
 * removed, not followed.
 */
void
authflow_test_remove_tree (const char *path)
{
  g_return_if_fail (path != NULL);

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          authflow_test_remove_tree (child);
        }

      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

#ifdef __linux__
/* A test that aborts must not leave its server behind: the orphan would
 * hold the port and the test's stderr, and meson would wait for it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}
#endif

typedef struct
{
  gboolean  done;
  char     *line;
  GError   *error;
} ReadLine;

static void
read_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  ReadLine *read = user_data;

  read->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result,
                                                          NULL, &read->error);
  read->done = TRUE;
}

static gboolean
is_done (gpointer user_data)
{
  return *(gboolean *) user_data;
}

/* Reads one line of the server's stdout without blocking the main context.
 * Returns NULL without an error at the end of the output. */
static char *
read_line (AuthflowTestServer  *self,
           GMainContext        *context,
           gint64               deadline,
           GError             **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  ReadLine read = { FALSE, NULL, NULL };
  gint64 remaining_ms = (deadline - g_get_monotonic_time ()) / 1000;

  g_data_input_stream_read_line_async (self->output, G_PRIORITY_DEFAULT, cancellable,
                                       read_line_cb, &read);

  if (!authflow_test_wait_until (context, MAX (remaining_ms, 0), is_done, &read.done))
    {
      g_cancellable_cancel (cancellable);
      while (!read.done)
        g_main_context_iteration (context, TRUE);
      g_clear_error (&read.error);
      g_free (read.line);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "authflow-server did not say where it listens within %d ms",
                   AUTHFLOW_TEST_SERVER_TIMEOUT_MS);
      return NULL;
    }

  if (read.error != NULL)
    g_propagate_error (error, read.error);

  return read.line;
}

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  *done = TRUE;
}

/* Waits for the process to end, killing it if it takes longer than
 * @timeout_ms. Returns FALSE if it had to be killed. */
static gboolean
wait_for_exit (GSubprocess  *process,
               GMainContext *context,
               guint         timeout_ms)
{
  gboolean done = FALSE;
  gboolean in_time;

  g_subprocess_wait_async (process, NULL, wait_cb, &done);
  in_time = authflow_test_wait_until (context, timeout_ms, is_done, &done);
  if (!in_time)
    {
      g_subprocess_force_exit (process);
      while (!done)
        g_main_context_iteration (context, TRUE);
    }

  return in_time;
}

static void
describe_exit (GSubprocess *process,
               GString     *out)
{
  if (g_subprocess_get_if_exited (process))
    g_string_append_printf (out, "exited with status %d", g_subprocess_get_exit_status (process));
  else if (g_subprocess_get_if_signaled (process))
    g_string_append_printf (out, "was killed by signal %d", g_subprocess_get_term_sig (process));
  else
    g_string_append (out, "ended");
}

static void
discard_process (AuthflowTestServer *self)
{
  g_clear_object (&self->output);
  g_clear_object (&self->process);
}

/* Spawns the server and waits for its "Listening on URL" line. A @port of 0
 * lets the server pick one. */
static gboolean
spawn (AuthflowTestServer  *self,
       guint                port,
       GError             **error)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GUri) uri = NULL;
  gint64 deadline = g_get_monotonic_time () + (gint64) AUTHFLOW_TEST_SERVER_TIMEOUT_MS * 1000;
  g_autoptr(GError) read_error = NULL;
  const char *bin = g_getenv ("AUTHFLOW_SERVER_BIN");
  const char *url;
  char *line = NULL;

  if (bin == NULL || *bin == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "AUTHFLOW_SERVER_BIN does not name the authflow-server binary");
      return FALSE;
    }

  g_ptr_array_add (argv, g_strdup (bin));
  g_ptr_array_add (argv, g_strdup ("--port"));
  g_ptr_array_add (argv, g_strdup ("0"));
  g_ptr_array_add (argv, g_strdup ("--db"));
  g_ptr_array_add (argv, g_strdup (self->db_path));
  for (guint i = 0; self->extra_args != NULL && self->extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (self->extra_args[i]));
  /* Last, so that it wins over a --port among the extra arguments. */
  if (port != 0)
    {
      g_ptr_array_add (argv, g_strdup ("--port"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", port));
    }
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
#ifdef __linux__
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
#endif

  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
  if (self->process == NULL)
    return FALSE;

  self->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));

  while ((line = read_line (self, context, deadline, &read_error)) != NULL &&
         !g_str_has_prefix (line, LISTENING_PREFIX))
    g_free (line);

  if (line == NULL)
    {
      g_autoptr(GString) message = g_string_new ("authflow-server ");

      if (read_error != NULL)
        {
          g_subprocess_force_exit (self->process);
          wait_for_exit (self->process, context, AUTHFLOW_TEST_SERVER_TIMEOUT_MS);
          discard_process (self);
          g_propagate_error (error, g_steal_pointer (&read_error));
          return FALSE;
        }

      wait_for_exit (self->process, context, AUTHFLOW_TEST_SERVER_TIMEOUT_MS);
      describe_exit (self->process, message);
      g_string_append (message, " before it listened");
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, message->str);
      discard_process (self);
      return FALSE;
    }

  url = line + strlen (LISTENING_PREFIX);
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_port (uri) <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "authflow-server announced an unusable URL “%s”", url);
      g_free (line);
      g_subprocess_force_exit (self->process);
      wait_for_exit (self->process, context, AUTHFLOW_TEST_SERVER_TIMEOUT_MS);
      discard_process (self);
      return FALSE;
    }

  /* A restart keeps the URL, and the string too, so that pointers to it
   * stay good. */
  if (g_strcmp0 (self->url, url) != 0)
    {
      g_free (self->url);
      self->url = g_strdup (url);
    }
  g_free (line);

  self->port = g_uri_get_port (uri);

  return TRUE;
}

/**
 * authflow_test_server_start:
 * @extra_args: (nullable) (array zero-terminated=1): more arguments for the
 *   server, such as `--access-ttl 2`
 * @error: return location for a #GError
 *
 * Runs the authflow-server binary named by `$AUTHFLOW_SERVER_BIN` with
 * `--port 0 --db TMPDIR/authflow.db` and @extra_args, and waits until it
 * listens. The temporary directory goes away with the server.
 *
 * Returns: (transfer full) (nullable): the running server
 */
AuthflowTestServer *
authflow_test_server_start (const char *const  *extra_args,
                            GError            **error)
{
  g_autoptr(AuthflowTestServer) self = g_new0 (AuthflowTestServer, 1);

  self->extra_args = g_strdupv ((char **) extra_args);
  self->tmpdir = g_dir_make_tmp ("authflow-test-server-XXXXXX", error);
  if (self->tmpdir == NULL)
    return NULL;

  self->db_path = g_build_filename (self->tmpdir, "authflow.db", NULL);

  if (!spawn (self, 0, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * authflow_test_server_stop:
 * @self: a test server
 * @error: return location for a #GError
 *
 * Sends SIGTERM and waits for the server to exit. Fails unless it exits
 * with status 0 in time. Does nothing if the server is not running.
 */
gboolean
authflow_test_server_stop (AuthflowTestServer  *self,
                           GError             **error)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GString) message = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->process == NULL)
    return TRUE;

  process = g_object_ref (self->process);
  discard_process (self);

  g_subprocess_send_signal (process, SIGTERM);
  if (!wait_for_exit (process, context, AUTHFLOW_TEST_SERVER_TIMEOUT_MS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "authflow-server did not stop within %d ms of SIGTERM",
                   AUTHFLOW_TEST_SERVER_TIMEOUT_MS);
      return FALSE;
    }

  if (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0)
    return TRUE;

  message = g_string_new ("authflow-server ");
  describe_exit (process, message);
  g_string_append (message, " after SIGTERM");
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, message->str);

  return FALSE;
}

/**
 * authflow_test_server_kill:
 * @self: a test server
 * @error: return location for a #GError
 *
 * Sends SIGKILL, as a power cut or the OOM killer would end the server, and
 * waits until it is gone. The database stays for a restart. Fails unless
 * the server dies of that signal in time. Does nothing if the server is not
 * running.
 */
gboolean
authflow_test_server_kill (AuthflowTestServer  *self,
                           GError             **error)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GString) message = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->process == NULL)
    return TRUE;

  process = g_object_ref (self->process);
  discard_process (self);

  g_subprocess_send_signal (process, SIGKILL);
  if (!wait_for_exit (process, context, AUTHFLOW_TEST_SERVER_TIMEOUT_MS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "authflow-server did not die within %d ms of SIGKILL",
                   AUTHFLOW_TEST_SERVER_TIMEOUT_MS);
      return FALSE;
    }

  if (g_subprocess_get_if_signaled (process) && g_subprocess_get_term_sig (process) == SIGKILL)
    return TRUE;

  message = g_string_new ("authflow-server ");
  describe_exit (process, message);
  g_string_append (message, " before SIGKILL reached it");
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, message->str);

  return FALSE;
}

/**
 * authflow_test_server_restart:
 * @self: a test server
 * @error: return location for a #GError
 *
 * Stops the server if it runs and starts it again on the same database and
 * the same port, so that clients keep their base URL.
 */
gboolean
authflow_test_server_restart (AuthflowTestServer  *self,
                              GError             **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->port != 0, FALSE);

  if (!authflow_test_server_stop (self, error))
    return FALSE;

  /* The port is free again at once (SoupServer binds with SO_REUSEADDR),
   * but another process could take it in between: try a few times. */
  for (guint attempt = 1; attempt <= START_ATTEMPTS; attempt++)
    {
      g_clear_error (&local_error);

      if (spawn (self, self->port, &local_error))
        return TRUE;

      /* Only an early exit, as when the port is taken, is worth a retry. */
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_FAILED))
        break;

      if (attempt < START_ATTEMPTS)
        authflow_test_wait (NULL, RETRY_DELAY_MS);
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/**
 * authflow_test_server_free:
 * @self: (nullable): a test server
 *
 * Stops the server if it runs, then removes its temporary directory and
 * database.
 */
void
authflow_test_server_free (AuthflowTestServer *self)
{
  g_autoptr(GError) error = NULL;

  if (self == NULL)
    return;

  if (!authflow_test_server_stop (self, &error))
    g_printerr ("# %s\n", error->message);

  if (self->tmpdir != NULL)
    authflow_test_remove_tree (self->tmpdir);

  g_strfreev (self->extra_args);
  g_free (self->tmpdir);
  g_free (self->db_path);
  g_free (self->url);
  g_free (self);
}

/**
 * authflow_test_server_get_url:
 * @self: a test server
 *
 * Returns: the base URL, such as `http://127.0.0.1:40123`, without a
 *   trailing slash. It stays the same across restarts.
 */
const char *
authflow_test_server_get_url (AuthflowTestServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->url;
}

guint
authflow_test_server_get_port (AuthflowTestServer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

const char *
authflow_test_server_get_db_path (AuthflowTestServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->db_path;
}

const char *
authflow_test_server_get_tmpdir (AuthflowTestServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->tmpdir;
}

gboolean
authflow_test_server_is_running (AuthflowTestServer *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->process != NULL;
}

/**
 * authflow_test_server_get_pid:
 * @self: a test server
 *
 * Returns: the process id of the running server, 0 if it is not running
 */
GPid
authflow_test_server_get_pid (AuthflowTestServer *self)
{
  const char *identifier;

  g_return_val_if_fail (self != NULL, 0);

  if (self->process == NULL || (identifier = g_subprocess_get_identifier (self->process)) == NULL)
    return 0;

  return (GPid) g_ascii_strtoll (identifier, NULL, 10);
}

/**
 * authflow_test_got_result_cb:
 * @user_data: a `GAsyncResult **` that takes a reference on the result
 *
 * A #GAsyncReadyCallback for tests that wait with AUTHFLOW_TEST_WAIT_UNTIL
 * until the result pointer is set.
 */
void
authflow_test_got_result_cb (GObject      *object,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}
