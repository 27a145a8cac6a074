// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>
#ifdef __linux__
#include <sys/resource.h>
#endif

#include "authflow-server-password.h"

/* Verified against when the user does not exist, so that an unknown
 * username costs as much time as a wrong password and timing does not tell
 * which usernames exist. Nothing ever matches it on purpose. */
static const char dummy_hash[crypto_pwhash_STRBYTES] =
  "$argon2id$v=19$m=65536,t=2,p=1$eKAxj2cTt3+yz0sTP/cT2A$Ysd2Chi3HJUoA6Ve/gzV3H7coGUP20bDMye7NCCHTD8";

typedef struct
{
  char *hash;
  char *password;
} PasswordJob;

static void
password_job_free (PasswordJob *job)
{
  g_free (job->hash);
  if (job->password != NULL)
    {
      sodium_memzero (job->password, strlen (job->password));
      g_free (job->password);
    }
  g_free (job);
}

char *
authflow_server_password_hash (const char  *password,
                               GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];

  g_return_val_if_fail (password != NULL, NULL);

  if (crypto_pwhash_str (hash, password, strlen (password),
                         crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           "Not enough memory to hash the password");
      return NULL;
    }

  return g_strdup (hash);
}

gboolean
authflow_server_password_verify (const char *hash,
                                 const char *password)
{
  g_return_val_if_fail (password != NULL, FALSE);

  if (hash == NULL)
    {
      G_GNUC_UNUSED int ignored = crypto_pwhash_str_verify (dummy_hash, password, strlen (password));
      return FALSE;
    }

  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

/* A hash takes a core for a tenth of a second: at the same priority as the
 * main loop, two of them on a two-core machine stall every other request
 * for milliseconds at a time. At the lowest one they take what the main
 * loop leaves. Linux's nice value is per thread; this thread is one of the
 * pool's, and GLib may hand it to other pools later, which only hash. */
static void
lower_thread_priority (void)
{
#ifdef __linux__
  static GPrivate lowered;

  if (g_private_get (&lowered) == NULL)
    {
      if (setpriority (PRIO_PROCESS, 0, 19) != 0)
        g_debug ("Could not lower the priority of a hashing thread: %s", g_strerror (errno));
      g_private_set (&lowered, GINT_TO_POINTER (1));
    }
#endif
}

static void
run_job (gpointer data,
         gpointer user_data)
{
  g_autoptr(GTask) task = data;
  PasswordJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  lower_thread_priority ();

  if (g_task_return_error_if_cancelled (task))
    return;

  if (g_task_get_source_tag (task) == authflow_server_password_hash_async)
    {
      char *hash = authflow_server_password_hash (job->password, &error);

      if (hash == NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, hash, g_free);
    }
  else
    {
      g_task_return_boolean (task, authflow_server_password_verify (job->hash, job->password));
    }
}

/* argon2id takes a tenth of a second and 64 MiB per call on purpose. Its own
 * pool, one thread per core, keeps the main loop free and bounds the memory
 * that a burst of logins can take. */
static GThreadPool *
get_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    {
      GThreadPool *new_pool = g_thread_pool_new (run_job, NULL,
                                                 MAX (2, (int) g_get_num_processors ()),
                                                 FALSE, NULL);
      g_once_init_leave (&pool, new_pool);
    }

  return pool;
}

static void
push_job (GTask       *task,
          PasswordJob *job)
{
  g_task_set_task_data (task, job, (GDestroyNotify) password_job_free);
  g_thread_pool_push (get_pool (), g_object_ref (task), NULL);
}

void
authflow_server_password_hash_async (const char          *password,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  PasswordJob *job;

  g_return_if_fail (password != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_server_password_hash_async);

  job = g_new0 (PasswordJob, 1);
  job->password = g_strdup (password);
  push_job (task, job);
}

char *
authflow_server_password_hash_finish (GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == authflow_server_password_hash_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A NULL hash verifies against a dummy hash and never matches. */
void
authflow_server_password_verify_async (const char          *hash,
                                       const char          *password,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  PasswordJob *job;

  g_return_if_fail (password != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_server_password_verify_async);

  job = g_new0 (PasswordJob, 1);
  job->hash = g_strdup (hash);
  job->password = g_strdup (password);
  push_job (task, job);
}

gboolean
authflow_server_password_verify_finish (GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == authflow_server_password_verify_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
