// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "authflow-test-utils.h"

/* The real authflow-server binary started on databases it must not use: a
 * file that is not SQLite, a damaged or truncated one, one of a newer
 * server, one of another program, a read-only file or directory, a
 * directory that cannot be made. Each time it exits with status 1 and one
 * line on stderr that names the file, says what is wrong and what to do, and
 * the directory of the database is as it was: every file byte for byte, and
 * nothing made beside it (no -wal, -shm or -journal).
 *
 * Permission bits do not stop root, who runs these tests on the project's
 * machines. There the read-only cases run the server as the user "nobody",
 * for whom they hold; as any other user they use the bits as they are, and
 * as root without a "nobody" they are skipped. */

#define PAGE_SIZE 4096

static struct
{
  GBytes *real_db;
  uid_t   nobody_uid;
  gid_t   nobody_gid;
  gboolean have_nobody;
} shared;

typedef struct
{
  gboolean  done;
  char     *out;
  char     *err;
  GError   *error;
} Output;

static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Output *output = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result,
                                        &output->out, &output->err, &output->error);
  output->done = TRUE;
}

static void
drop_privileges (gpointer user_data)
{
  if (setgroups (0, NULL) != 0 ||
      setgid (shared.nobody_gid) != 0 ||
      setuid (shared.nobody_uid) != 0)
    _exit (127);
}

/* Whether the read-only cases run the server as nobody. */
static gboolean
as_nobody (void)
{
  return getuid () == 0;
}

/* Skips the test if permission bits cannot be made to hold here. */
static gboolean
can_test_permissions (void)
{
  if (as_nobody () && !shared.have_nobody)
    {
      g_test_skip ("Running as root without a user nobody: permission bits do not hold");
      return FALSE;
    }

  return TRUE;
}

/* Runs the server on @db_path and returns what it wrote to stderr. It must
 * exit with status 1 without ever listening. */
static char *
run_refused (const char *db_path,
             gboolean    drop)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Output output = { FALSE, NULL, NULL, NULL };
  const char *bin = g_getenv ("AUTHFLOW_SERVER_BIN");

  g_assert_nonnull (bin);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (drop)
    g_subprocess_launcher_set_child_setup (launcher, drop_privileges, NULL, NULL);

  process = g_subprocess_launcher_spawn (launcher, &error, bin, "--port", "0", "--db", db_path, NULL);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &output);
  if (!AUTHFLOW_TEST_WAIT_UNTIL (NULL, AUTHFLOW_TEST_SERVER_TIMEOUT_MS, output.done))
    {
      g_subprocess_force_exit (process);
      g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, AUTHFLOW_TEST_SERVER_TIMEOUT_MS, output.done));
      g_error ("authflow-server did not exit on %s; it said: %s", db_path, output.out);
    }
  g_assert_no_error (output.error);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, AUTHFLOW_TEST_SERVER_TIMEOUT_MS,
                                           g_subprocess_get_if_exited (process) ||
                                           g_subprocess_get_if_signaled (process)));

  g_test_message ("stderr: %s", output.err);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_cmpstr (output.out, ==, "");
  g_free (output.out);

  return output.err;
}

/* Every entry of @dir with the SHA-256 of its content, one a line, sorted:
 * equal snapshots mean that nothing was changed, made or removed. */
static char *
snapshot (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      g_autofree char *sum = NULL;
      gsize len;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          g_ptr_array_add (lines, g_strconcat (name, "/", NULL));
          continue;
        }

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
      g_ptr_array_add (lines, g_strdup_printf ("%s %s", name, sum));
    }

  g_ptr_array_sort (lines, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (lines, NULL);

  return g_strjoinv ("\n", (char **) lines->pdata);
}

/* A fresh directory that nobody may enter, for the cases run as nobody. */
static char *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("authflow-test-startup-XXXXXX", &error);

  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);

  return dir;
}

static void
write_file (const char   *path,
            const guint8 *data,
            gsize         len,
            int           mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents_full (path, (const char *) data, len, G_FILE_SET_CONTENTS_NONE, mode, &error);
  g_assert_no_error (error);
}

static char *
write_real_db (const char *dir,
               const char *name)
{
  char *path = g_build_filename (dir, name, NULL);
  gsize len;
  const guint8 *data = g_bytes_get_data (shared.real_db, &len);

  write_file (path, data, len, 0600);

  return path;
}

#define assert_refused(db_path, drop, expected) \
  G_STMT_START { \
    g_autofree char *_before = snapshot (dir); \
    g_autofree char *_err = run_refused ((db_path), (drop)); \
    g_autofree char *_after = snapshot (dir); \
    g_autofree char *_expected = g_strconcat ("authflow-server: ", (expected), "\n", NULL); \
    g_assert_cmpstr (_err, ==, _expected); \
    g_assert_cmpstr (_after, ==, _before); \
  } G_STMT_END

/* Random bytes: SQLite says "file is not a database". */
static void
test_not_sqlite (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "random.db", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);
  guint8 data[5 * PAGE_SIZE];

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = g_rand_int_range (rand, 0, 256);
  write_file (path, data, sizeof data, 0600);

  expected = g_strdup_printf ("%s is not an Authflow server database (file is not a database). "
                              "Move it away, or start the server with --db and another path. "
                              "The file was not changed.", path);
  assert_refused (path, FALSE, expected);

  authflow_test_remove_tree (dir);
}

/* A database that SQLite reads but whose pages are damaged: found before
 * anything is written, and not mistaken for a missing token secret. */
static void
assert_damaged (const char *dir,
                const char *path)
{
  g_autofree char *before = snapshot (dir);
  g_autofree char *err = run_refused (path, FALSE);
  g_autofree char *after = snapshot (dir);
  g_autofree char *prefix = g_strdup_printf ("authflow-server: The database %s is damaged (", path);

  g_assert_true (g_str_has_prefix (err, prefix));
  g_assert_true (g_str_has_suffix (err, "). Restore it from a backup, or move it away and the "
                                        "server starts afresh with a new one. The file was not changed.\n"));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  g_assert_cmpstr (after, ==, before);
}

static void
test_damaged_pages (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = write_real_db (dir, "damaged.db");
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree guint8 *data = NULL;
  gsize len;

  /* Pages 4 to 7 of the 14 hold the users, their index and the sessions. */
  g_assert_true (g_file_get_contents (path, (char **) &data, &len, NULL));
  g_assert_cmpuint (len, >=, 10 * PAGE_SIZE);
  for (gsize i = 3 * PAGE_SIZE; i < 7 * PAGE_SIZE; i++)
    data[i] = g_rand_int_range (rand, 0, 256);
  write_file (path, data, len, 0600);

  assert_damaged (dir, path);

  authflow_test_remove_tree (dir);
}

static void
test_truncated (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = write_real_db (dir, "truncated.db");

  g_assert_cmpint (truncate (path, 6 * PAGE_SIZE), ==, 0);

  assert_damaged (dir, path);

  authflow_test_remove_tree (dir);
}

static void
set_user_version (const char *path,
                  int         version)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", version);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static void
test_newer_schema (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = write_real_db (dir, "future.db");
  g_autofree char *expected = NULL;

  set_user_version (path, 99);

  expected = g_strdup_printf ("The database %s has schema version 99, newer than the 2 this server "
                              "knows: a newer authflow-server wrote it. Run that one, or start the "
                              "server with --db and another path. The file was not changed.", path);
  assert_refused (path, FALSE, expected);

  authflow_test_remove_tree (dir);
}

/* An SQLite database of some other program would have got the server's
 * tables and demo users added to it. */
static void
test_other_program (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "notes.db", NULL);
  g_autofree char *expected = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  expected = g_strdup_printf ("%s is not an Authflow server database: it is an SQLite database of "
                              "another program. Move it away, or start the server with --db and "
                              "another path. The file was not changed.", path);
  assert_refused (path, FALSE, expected);

  authflow_test_remove_tree (dir);
}

/* The file may not be written, its directory may: no -wal or -shm file
 * may appear there either. */
static void
test_read_only_file (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;

  if (!can_test_permissions ())
    return;

  dir = make_dir ();
  path = write_real_db (dir, "read-only.db");
  if (as_nobody ())
    {
      g_assert_cmpint (chown (dir, shared.nobody_uid, shared.nobody_gid), ==, 0);
      g_assert_cmpint (g_chmod (path, 0644), ==, 0);
    }
  else
    {
      g_assert_cmpint (g_chmod (path, 0444), ==, 0);
    }

  expected = g_strdup_printf ("The database %s is read-only for the user the server runs as. Give "
                              "that user write access to it, or start the server with --db and "
                              "another path. The file was not changed.", path);
  assert_refused (path, as_nobody (), expected);

  authflow_test_remove_tree (dir);
}

/* The file may be written, its directory may not, and the database is in
 * WAL mode: SQLite could not make its -wal and -shm files. */
static void
test_read_only_directory (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;

  if (!can_test_permissions ())
    return;

  dir = make_dir ();
  path = write_real_db (dir, "authflow.db");
  if (as_nobody ())
    g_assert_cmpint (chown (path, shared.nobody_uid, shared.nobody_gid), ==, 0);
  else
    g_assert_cmpint (g_chmod (dir, 0555), ==, 0);

  expected = g_strdup_printf ("The database %s cannot be written (attempt to write a readonly "
                              "database): its directory %s is read-only for the user the server "
                              "runs as, and SQLite must create the database's -wal and -shm files "
                              "there. Give that user write access to the directory, or start the "
                              "server with --db and another path. The file was not changed.",
                              path, dir);
  assert_refused (path, as_nobody (), expected);

  g_chmod (dir, 0755);
  authflow_test_remove_tree (dir);
}

/* A new database in a directory where it cannot be made. */
static void
test_new_in_read_only_directory (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;

  if (!can_test_permissions ())
    return;

  dir = make_dir ();
  path = g_build_filename (dir, "authflow.db", NULL);
  if (!as_nobody ())
    g_assert_cmpint (g_chmod (dir, 0555), ==, 0);

  expected = g_strdup_printf ("Could not create the database %s (unable to open database file): the "
                              "user the server runs as may not create files in %s. Give that user "
                              "write access to the directory, or start the server with --db and "
                              "another path.", path, dir);
  assert_refused (path, as_nobody (), expected);

  g_chmod (dir, 0755);
  authflow_test_remove_tree (dir);
}

/* The directory of the database cannot be made: a file is in the way,
 * which stops root as well. */
static void
test_directory_cannot_be_created (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *blocker = g_build_filename (dir, "data", NULL);
  g_autofree char *db_dir = g_build_filename (blocker, "authflow-server", NULL);
  g_autofree char *path = g_build_filename (db_dir, "authflow.db", NULL);
  g_autofree char *expected = NULL;

  write_file (blocker, (const guint8 *) "not a directory\n", strlen ("not a directory\n"), 0644);

  expected = g_strdup_printf ("Could not create the directory %s for the database %s (%s). Create "
                              "it, or start the server with --db and a path where it may create "
                              "files.", db_dir, path, g_strerror (ENOTDIR));
  assert_refused (path, FALSE, expected);

  authflow_test_remove_tree (dir);
}

static void
test_path_is_directory (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "authflow.db", NULL);
  g_autofree char *expected = NULL;

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);

  expected = g_strdup_printf ("%s is a directory, not a database file. Start the server with --db "
                              "and the path of a file.", path);
  assert_refused (path, FALSE, expected);

  authflow_test_remove_tree (dir);
}

/* A database as the server leaves it when it stops: checkpointed, with no
 * -wal or -shm file. */
static GBytes *
make_real_db (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowTestServer) server = authflow_test_server_start (NULL, &error);
  g_autofree char *contents = NULL;
  g_autofree char *wal = NULL;
  gsize len;

  g_assert_no_error (error);
  g_assert_true (authflow_test_server_stop (server, &error));
  g_assert_no_error (error);

  wal = g_strconcat (authflow_test_server_get_db_path (server), "-wal", NULL);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (authflow_test_server_get_db_path (server), &contents, &len, NULL));

  return g_bytes_new_take (g_steal_pointer (&contents), len);
}

int
main (int   argc,
      char *argv[])
{
  const struct passwd *nobody;
  int ret;

  g_test_init (&argc, &argv, NULL);

  nobody = getpwnam ("nobody");
  if (nobody != NULL && nobody->pw_uid != 0)
    {
      shared.have_nobody = TRUE;
      shared.nobody_uid = nobody->pw_uid;
      shared.nobody_gid = nobody->pw_gid;
    }

  shared.real_db = make_real_db ();

  g_test_add_func ("/server-startup/not-sqlite", test_not_sqlite);
  g_test_add_func ("/server-startup/damaged-pages", test_damaged_pages);
  g_test_add_func ("/server-startup/truncated", test_truncated);
  g_test_add_func ("/server-startup/newer-schema", test_newer_schema);
  g_test_add_func ("/server-startup/other-program", test_other_program);
  g_test_add_func ("/server-startup/read-only-file", test_read_only_file);
  g_test_add_func ("/server-startup/read-only-directory", test_read_only_directory);
  g_test_add_func ("/server-startup/new-in-read-only-directory", test_new_in_read_only_directory);
  g_test_add_func ("/server-startup/directory-cannot-be-created", test_directory_cannot_be_created);
  g_test_add_func ("/server-startup/path-is-directory", test_path_is_directory);

  ret = g_test_run ();

  g_bytes_unref (shared.real_db);

  return ret;
}
