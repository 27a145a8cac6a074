// SPDX-License-Identifier: GPL-3.0-or-later
//
// What the server checks in a database that was already there before it
// writes anything to it, and how it says what stops it from starting. Each
// message names the file, says what is wrong with it and what to do. A file
// that fails a check is left exactly as it was: nothing is repaired, deleted
// or written, and no -wal or -shm file is made beside a read-only one.

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "authflow-server-db.h"
#include "authflow-server-db-check.h"

#define ELSEWHERE "start the server with --db and another path"

/**
 * authflow_server_db_set_open_error:
 * @path: the database file
 * @code: the (extended) SQLite result code of the failure
 * @detail: (nullable): what SQLite said, if not the text of @code
 * @unchanged: whether nothing has been written to the file yet
 * @error: return location for a #GError
 *
 * Turns a failure to open or set up the database into a message for the
 * person who starts the server.
 */
void
authflow_server_db_set_open_error (const char  *path,
                                   int          code,
                                   const char  *detail,
                                   gboolean     unchanged,
                                   GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  const char *what = detail != NULL ? detail : sqlite3_errstr (code);
  const char *left = unchanged ? " The file was not changed." : "";

  switch (code & 0xff)
    {
    case SQLITE_NOTADB:
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_NOT_DATABASE,
                   "%s is not an Authflow server database (%s). Move it away, or " ELSEWHERE ".%s",
                   path, what, left);
      break;

    case SQLITE_CORRUPT:
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_CORRUPT,
                   "The database %s is damaged (%s). Restore it from a backup, or move it away "
                   "and the server starts afresh with a new one.%s",
                   path, what, left);
      break;

    case SQLITE_READONLY:
      if (code == SQLITE_READONLY_DIRECTORY || g_access (dir, W_OK) != 0)
        g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_READ_ONLY,
                     "The database %s cannot be written (%s): its directory %s is read-only for "
                     "the user the server runs as, and SQLite must create the database's -wal "
                     "and -shm files there. Give that user write access to the directory, or "
                     ELSEWHERE ".%s",
                     path, what, dir, left);
      else
        g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_READ_ONLY,
                     "The database %s cannot be written (%s). Give the user the server runs as "
                     "write access to it and to its directory, or " ELSEWHERE ".%s",
                     path, what, left);
      break;

    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      if (!g_file_test (path, G_FILE_TEST_EXISTS) && g_access (dir, W_OK) != 0)
        g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_CANT_OPEN,
                     "Could not create the database %s (%s): the user the server runs as may "
                     "not create files in %s. Give that user write access to the directory, "
                     "or " ELSEWHERE ".",
                     path, what, dir);
      else
        g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_CANT_OPEN,
                     "Could not open the database %s (%s). The user the server runs as must be "
                     "able to read and write it and to create files in %s; or " ELSEWHERE ".%s",
                     path, what, dir, left);
      break;

    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_BUSY,
                   "The database %s is in use by another program (%s). Stop that program, "
                   "or " ELSEWHERE ".%s",
                   path, what, left);
      break;

    case SQLITE_FULL:
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_FAILED,
                   "The disk that holds the database %s is full (%s). Free some space, "
                   "or " ELSEWHERE ".%s",
                   path, what, left);
      break;

    case SQLITE_IOERR:
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_FAILED,
                   "Could not read or write the database %s (%s): the disk or the file system "
                   "may be failing. Check them, or " ELSEWHERE ".%s",
                   path, what, left);
      break;

    default:
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_FAILED,
                   "Could not set up the database %s (%s).%s", path, what, left);
      break;
    }
}

static gboolean
fail (sqlite3     *db,
      const char  *path,
      GError     **error)
{
  authflow_server_db_set_open_error (path, sqlite3_extended_errcode (db), sqlite3_errmsg (db),
                                     TRUE, error);
  return FALSE;
}

/* The first problem PRAGMA quick_check found, without its "*** in database
 * main ***" heading. */
static char *
first_problem (const char *report)
{
  const char *newline;

  if (g_str_has_prefix (report, "*** ") && (newline = strchr (report, '\n')) != NULL)
    report = newline + 1;

  newline = strchr (report, '\n');

  return newline != NULL ? g_strndup (report, newline - report) : g_strdup (report);
}

/**
 * authflow_server_db_check_before_use:
 * @db: a connection to an existing file, opened read-write, not used yet
 * @path: its path
 * @error: return location for a #GError
 *
 * Fails, with a message that says why and what to do, if the file cannot be
 * written, is not an SQLite database or is damaged. Costs a read of every
 * page (PRAGMA quick_check), which for the database of a reference server
 * takes milliseconds.
 */
gboolean
authflow_server_db_check_before_use (sqlite3     *db,
                                     const char  *path,
                                     GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  /* SQLite opens a file it may not write read-only. That is told before
   * anything is read: reading a WAL database would make its -shm file. */
  if (sqlite3_db_readonly (db, "main") == 1)
    {
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_READ_ONLY,
                   "The database %s is read-only for the user the server runs as. Give that "
                   "user write access to it, or " ELSEWHERE ". The file was not changed.",
                   path);
      return FALSE;
    }

  if (sqlite3_prepare_v2 (db, "PRAGMA quick_check(1)", -1, &stmt, NULL) != SQLITE_OK)
    return fail (db, path, error);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "ok") != 0)
    {
      g_autofree char *problem = first_problem ((const char *) sqlite3_column_text (stmt, 0));

      sqlite3_finalize (stmt);
      authflow_server_db_set_open_error (path, SQLITE_CORRUPT, problem, TRUE, error);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      fail (db, path, error);
      sqlite3_finalize (stmt);
      return FALSE;
    }
  sqlite3_finalize (stmt);

  /* Taking the write lock writes nothing, but fails where a write would,
   * such as in a directory where the -wal file cannot be made. */
  if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return fail (db, path, error);
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);

  return TRUE;
}

/**
 * authflow_server_db_check_schema:
 * @db: a connection that passed authflow_server_db_check_before_use(), or
 *   to a new file
 * @path: its path
 * @known_version: the newest schema version this server knows
 * @error: return location for a #GError
 *
 * Fails if the database was written by a newer server, or belongs to
 * another program: one with tables but no schema version of ours would
 * otherwise get the server's tables added to it.
 */
gboolean
authflow_server_db_check_schema (sqlite3     *db,
                                 const char  *path,
                                 gint64       known_version,
                                 GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 version;
  gint64 tables;

  if (sqlite3_prepare_v2 (db, "SELECT (SELECT user_version FROM pragma_user_version),"
                              " (SELECT count(*) FROM sqlite_master)",
                          -1, &stmt, NULL) != SQLITE_OK)
    return fail (db, path, error);

  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      fail (db, path, error);
      sqlite3_finalize (stmt);
      return FALSE;
    }

  version = sqlite3_column_int64 (stmt, 0);
  tables = sqlite3_column_int64 (stmt, 1);
  sqlite3_finalize (stmt);

  if (version > known_version)
    {
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_VERSION,
                   "The database %s has schema version %" G_GINT64_FORMAT ", newer than the %"
                   G_GINT64_FORMAT " this server knows: a newer authflow-server wrote it. Run that "
                   "one, or " ELSEWHERE ". The file was not changed.",
                   path, version, known_version);
      return FALSE;
    }

  if (version == 0 && tables > 0)
    {
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_NOT_DATABASE,
                   "%s is not an Authflow server database: it is an SQLite database of another "
                   "program. Move it away, or " ELSEWHERE ". The file was not changed.",
                   path);
      return FALSE;
    }

  return TRUE;
}
