// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <sqlite3.h>

#include "authflow-server-db.h"
#include "authflow-server-db-check.h"
#include "authflow-server-jwt.h"
#include "authflow-server-password.h"

struct _AuthflowServerDb
{
  GObject  parent_instance;

  char    *path;
  sqlite3 *db;
  GBytes  *secret;
  /* The extended result code of the last failure, which a ROLLBACK after it
   * would clear from the connection. */
  int      last_code;

  /* The session check runs on every authenticated call: it is prepared
   * once. */
  sqlite3_stmt *session_stmt;
};

G_DEFINE_FINAL_TYPE (AuthflowServerDb, authflow_server_db, G_TYPE_OBJECT)

G_DEFINE_QUARK (authflow-server-db-error-quark, authflow_server_db_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

#define USER_COLUMNS "id, username, email, first_name, last_name, gender, image"

/* Each entry brings the schema from version N to N + 1; PRAGMA user_version
 * records how far a database has come. */
static const char *const migrations[] = {
  "CREATE TABLE meta ("
  "  key TEXT PRIMARY KEY NOT NULL,"
  "  value BLOB NOT NULL"
  ");"
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
  "  email TEXT NOT NULL,"
  "  password_hash TEXT NOT NULL,"
  "  first_name TEXT NOT NULL DEFAULT '',"
  "  last_name TEXT NOT NULL DEFAULT '',"
  "  gender TEXT NOT NULL DEFAULT '',"
  "  image TEXT NOT NULL DEFAULT '',"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE refresh_families ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  created_at INTEGER NOT NULL,"
  "  revoked_at INTEGER"
  ");"
  "CREATE INDEX refresh_families_user ON refresh_families (user_id);"
  "CREATE TABLE refresh_tokens ("
  "  token_hash BLOB PRIMARY KEY NOT NULL,"
  "  family_id TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  spent_at INTEGER"
  ");"
  "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);"
  "CREATE TABLE denied_access_tokens ("
  "  jti TEXT PRIMARY KEY NOT NULL,"
  "  expires_at INTEGER NOT NULL"
  ");",

  /* Version 2: an access token names its session (the family, as its sid
   * claim), and every authenticated call checks that the family is not
   * revoked, so logout and refresh-token reuse end the session at once:
   * every access token issued in it is refused from then on. That makes the
   * jti deny-list redundant. A family is kept until the last access token
   * issued in it has expired, so that it can answer for that token. */
  "ALTER TABLE refresh_families ADD COLUMN access_expires_at INTEGER NOT NULL DEFAULT 0;"
  "DROP TABLE denied_access_tokens;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == AUTHFLOW_SERVER_DB_SCHEMA_VERSION);

/* The first users of dummyjson.com, so that its demo credentials work here
 * too. */
static const struct {
  gint64      id;
  const char *username;
  const char *password;
  const char *email;
  const char *first_name;
  const char *last_name;
  const char *gender;
  const char *image;
} seed_users[] = {
  /* No pictures: the reference server is meant to run without the
   * internet, and an image URL elsewhere would have the app reach out for
   * it. A person can set one with PATCH /auth/me.
   */
  { 1, "emilys", "emilyspass", "emily.johnson@x.dummyjson.com",
    "Emily", "Johnson", "female", "" },
  { 2, "michaelw", "michaelwpass", "michael.williams@x.dummyjson.com",
    "Michael", "Williams", "male", "" },
  { 3, "sophiab", "sophiabpass", "sophia.brown@x.dummyjson.com",
    "Sophia", "Brown", "female", "" },
};

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
set_sqlite_error (AuthflowServerDb  *self,
                  GError           **error,
                  const char        *what)
{
  int code = sqlite3_extended_errcode (self->db);
  AuthflowServerDbError db_error = AUTHFLOW_SERVER_DB_ERROR_FAILED;

  self->last_code = code;

  if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
    db_error = AUTHFLOW_SERVER_DB_ERROR_EXISTS;

  g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, db_error,
               "%s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

static sqlite3_stmt *
prepare (AuthflowServerDb  *self,
         const char        *sql,
         GError           **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, error, "Could not prepare a statement");
      return NULL;
    }

  return stmt;
}

/* Only for fixed SQL without parameters: schema, pragmas, transactions. */
static gboolean
exec (AuthflowServerDb  *self,
      const char        *sql,
      GError           **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return set_sqlite_error (self, error, "Could not run a statement");

  return TRUE;
}

static gboolean
step_done (AuthflowServerDb  *self,
           sqlite3_stmt      *stmt,
           GError           **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (self, error, "Could not write to the database");

  return TRUE;
}

/* IMMEDIATE takes the write lock up front, so that a transaction which reads
 * before it writes cannot be overtaken by another writer in between. */
static gboolean
begin (AuthflowServerDb  *self,
       GError           **error)
{
  return exec (self, "BEGIN IMMEDIATE", error);
}

static gboolean
commit (AuthflowServerDb  *self,
        GError           **error)
{
  return exec (self, "COMMIT", error);
}

static gboolean
rollback (AuthflowServerDb *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);

  return FALSE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static void
bind_hash (sqlite3_stmt *stmt,
           int           index,
           const guint8 *hash)
{
  sqlite3_bind_blob (stmt, index, hash, AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE, SQLITE_TRANSIENT);
}

static char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? text : "");
}

static AuthflowServerUser *
user_from_row (sqlite3_stmt *stmt)
{
  AuthflowServerUser *user = g_new0 (AuthflowServerUser, 1);

  user->id = sqlite3_column_int64 (stmt, 0);
  user->username = column_text (stmt, 1);
  user->email = column_text (stmt, 2);
  user->first_name = column_text (stmt, 3);
  user->last_name = column_text (stmt, 4);
  user->gender = column_text (stmt, 5);
  user->image = column_text (stmt, 6);

  return user;
}

static gboolean
get_user_version (AuthflowServerDb  *self,
                  gint64            *out_version,
                  GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (self, "PRAGMA user_version", error);

  if (stmt == NULL)
    return FALSE;

  if (sqlite3_step (stmt) != SQLITE_ROW)
    return set_sqlite_error (self, error, "Could not read the schema version");

  *out_version = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gboolean
seed (AuthflowServerDb  *self,
      char             **hashes,
      GError           **error)
{
  g_autoptr(sqlite3_stmt) secret_stmt = NULL;
  g_autoptr(sqlite3_stmt) user_stmt = NULL;
  guint8 secret[AUTHFLOW_SERVER_JWT_SECRET_SIZE];

  secret_stmt = prepare (self, "INSERT INTO meta (key, value) VALUES ('jwt_secret', ?)", error);
  if (secret_stmt == NULL)
    return FALSE;

  randombytes_buf (secret, sizeof secret);
  sqlite3_bind_blob (secret_stmt, 1, secret, sizeof secret, SQLITE_TRANSIENT);
  sodium_memzero (secret, sizeof secret);
  if (!step_done (self, secret_stmt, error))
    return FALSE;

  user_stmt = prepare (self,
                       "INSERT INTO users (id, username, email, password_hash, first_name,"
                       "                   last_name, gender, image, created_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       error);
  if (user_stmt == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (seed_users); i++)
    {
      sqlite3_reset (user_stmt);
      sqlite3_bind_int64 (user_stmt, 1, seed_users[i].id);
      bind_text (user_stmt, 2, seed_users[i].username);
      bind_text (user_stmt, 3, seed_users[i].email);
      bind_text (user_stmt, 4, hashes[i]);
      bind_text (user_stmt, 5, seed_users[i].first_name);
      bind_text (user_stmt, 6, seed_users[i].last_name);
      bind_text (user_stmt, 7, seed_users[i].gender);
      bind_text (user_stmt, 8, seed_users[i].image);
      sqlite3_bind_int64 (user_stmt, 9, now_seconds ());

      if (!step_done (self, user_stmt, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
migrate (AuthflowServerDb  *self,
         GError           **error)
{
  g_auto(GStrv) hashes = NULL;
  gint64 version;

  if (!get_user_version (self, &version, error))
    return FALSE;

  if (version > AUTHFLOW_SERVER_DB_SCHEMA_VERSION)
    {
      /* authflow_server_db_check_schema() said so already, unless another
       * server migrated the file since. */
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_VERSION,
                   "The database %s has schema version %" G_GINT64_FORMAT
                   ", newer than the %d this server knows: a newer authflow-server wrote it. "
                   "Run that one, or start the server with --db and another path.",
                   self->path, version, AUTHFLOW_SERVER_DB_SCHEMA_VERSION);
      return FALSE;
    }

  if (version == AUTHFLOW_SERVER_DB_SCHEMA_VERSION)
    return TRUE;

  /* Hash before taking the write lock: argon2 is slow on purpose. */
  if (version == 0)
    {
      hashes = g_new0 (char *, G_N_ELEMENTS (seed_users) + 1);
      for (guint i = 0; i < G_N_ELEMENTS (seed_users); i++)
        {
          hashes[i] = authflow_server_password_hash (seed_users[i].password, error);
          if (hashes[i] == NULL)
            return FALSE;
        }
    }

  if (!begin (self, error))
    return FALSE;

  /* Another server may have migrated the file while we were hashing. */
  if (!get_user_version (self, &version, error))
    return rollback (self);

  for (; version < AUTHFLOW_SERVER_DB_SCHEMA_VERSION; version++)
    {
      g_autofree char *set_version = NULL;

      if (!exec (self, migrations[version], error))
        return rollback (self);

      if (version == 0 && !seed (self, hashes, error))
        return rollback (self);

      set_version = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, version + 1);
      if (!exec (self, set_version, error))
        return rollback (self);
    }

  return commit (self, error) || rollback (self);
}

static gboolean
load_secret (AuthflowServerDb  *self,
             GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  int rc;

  stmt = prepare (self, "SELECT value FROM meta WHERE key = 'jwt_secret'", error);
  if (stmt == NULL)
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return set_sqlite_error (self, error, "Could not read the token secret");

  if (rc != SQLITE_ROW || sqlite3_column_bytes (stmt, 0) != AUTHFLOW_SERVER_JWT_SECRET_SIZE)
    {
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_CORRUPT,
                   "The database %s has no usable token secret: it was changed by hand, or is "
                   "not an Authflow server database. Restore it from a backup, or move it away "
                   "and the server starts afresh with a new one.",
                   self->path);
      return FALSE;
    }

  self->secret = g_bytes_new (sqlite3_column_blob (stmt, 0), AUTHFLOW_SERVER_JWT_SECRET_SIZE);
  return TRUE;
}

static void
authflow_server_db_finalize (GObject *object)
{
  AuthflowServerDb *self = (AuthflowServerDb *) object;

  g_clear_pointer (&self->session_stmt, sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close_v2);
  g_clear_pointer (&self->secret, g_bytes_unref);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (authflow_server_db_parent_class)->finalize (object);
}

static void
authflow_server_db_class_init (AuthflowServerDbClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authflow_server_db_finalize;
}

static void
authflow_server_db_init (AuthflowServerDb *self)
{
}

/* Everything the server writes at start-up, once the file has passed the
 * checks: WAL with FULL sync (a signup that was answered is on disk even if
 * the machine dies right after), the schema and the demo users, the token
 * secret, and a first pruning. */
static gboolean
set_up (AuthflowServerDb  *self,
        GError           **error)
{
  return exec (self, "PRAGMA journal_mode = WAL", error) &&
         exec (self, "PRAGMA synchronous = FULL", error) &&
         exec (self, "PRAGMA foreign_keys = ON", error) &&
         migrate (self, error) &&
         load_secret (self, error) &&
         authflow_server_db_prune (self, error);
}

/**
 * authflow_server_db_open:
 * @path: the database file, created with its directory if missing
 * @error: return location for a #GError
 *
 * Opens, checks, migrates and seeds the database. A file that was there
 * already is checked before anything is written to it: one that is not an
 * Authflow server database, is damaged, comes from a newer server or cannot
 * be written is left exactly as it was, and the error names the file, says
 * what is wrong and what to do.
 *
 * Returns: (transfer full) (nullable): the database
 */
AuthflowServerDb *
authflow_server_db_open (const char  *path,
                         GError     **error)
{
  g_autoptr(AuthflowServerDb) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir = NULL;
  gboolean existed;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (sodium_init () < 0)
    {
      g_set_error_literal (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_FAILED,
                           "Could not initialize libsodium");
      return NULL;
    }

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not create the directory %s for the database %s (%s). Create it, "
                   "or start the server with --db and a path where it may create files.",
                   dir, path, g_strerror (saved_errno));
      return NULL;
    }

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_CANT_OPEN,
                   "%s is a directory, not a database file. Start the server with --db and "
                   "the path of a file.",
                   path);
      return NULL;
    }

  self = g_object_new (AUTHFLOW_SERVER_TYPE_DB, NULL);
  self->path = g_strdup (path);
  existed = g_file_test (path, G_FILE_TEST_EXISTS);

  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (self->db == NULL)
    {
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_FAILED,
                   "Could not open %s: out of memory", path);
      return NULL;
    }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);

  if (rc != SQLITE_OK)
    {
      authflow_server_db_set_open_error (path, sqlite3_extended_errcode (self->db),
                                         sqlite3_errmsg (self->db), existed, error);
      return NULL;
    }

  if ((existed && !authflow_server_db_check_before_use (self->db, path, error)) ||
      !authflow_server_db_check_schema (self->db, path, AUTHFLOW_SERVER_DB_SCHEMA_VERSION, error))
    return NULL;

  /* The file holds password hashes and the token secret. SQLite gives its
   * journal files the same mode. */
  if (!existed)
    g_chmod (path, 0600);

  if (!set_up (self, &local_error))
    {
      /* A failure of SQLite's is told the way the checks tell theirs. */
      if (g_error_matches (local_error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_FAILED) &&
          self->last_code != SQLITE_OK)
        authflow_server_db_set_open_error (path, self->last_code, NULL, FALSE, error);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
authflow_server_db_get_path (AuthflowServerDb *self)
{
  g_return_val_if_fail (AUTHFLOW_SERVER_IS_DB (self), NULL);

  return self->path;
}

GBytes *
authflow_server_db_get_secret (AuthflowServerDb *self)
{
  g_return_val_if_fail (AUTHFLOW_SERVER_IS_DB (self), NULL);

  return self->secret;
}

/* Drops what can no longer be used: expired refresh tokens, and families
 * left without refresh tokens once the last access token issued in them has
 * expired too. Spent tokens that have not expired stay, since they are what
 * reveals a replay. */
gboolean
authflow_server_db_prune (AuthflowServerDb  *self,
                          GError           **error)
{
  g_autoptr(sqlite3_stmt) tokens = NULL;
  g_autoptr(sqlite3_stmt) families = NULL;
  gint64 now = now_seconds ();

  g_return_val_if_fail (AUTHFLOW_SERVER_IS_DB (self), FALSE);

  if (!(tokens = prepare (self, "DELETE FROM refresh_tokens WHERE expires_at <= ?", error)) ||
      !(families = prepare (self,
                            "DELETE FROM refresh_families WHERE access_expires_at <= ? AND NOT EXISTS"
                            " (SELECT 1 FROM refresh_tokens WHERE family_id = refresh_families.id)",
                            error)))
    return FALSE;

  sqlite3_bind_int64 (tokens, 1, now);
  sqlite3_bind_int64 (families, 1, now);

  if (!begin (self, error))
    return FALSE;

  if (!step_done (self, tokens, error) ||
      !step_done (self, families, error))
    return rollback (self);

  return commit (self, error) || rollback (self);
}

/* Returns NULL without an error when there is no such user. */
AuthflowServerUser *
authflow_server_db_lookup_user (AuthflowServerDb  *self,
                                gint64             id,
                                GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (AUTHFLOW_SERVER_IS_DB (self), NULL);

  stmt = prepare (self, "SELECT " USER_COLUMNS " FROM users WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return user_from_row (stmt);
  if (rc != SQLITE_DONE)
    set_sqlite_error (self, error, "Could not read a user");

  return NULL;
}

/* Usernames compare without regard to ASCII case. Returns NULL without an
 * error when there is no such user. */
AuthflowServerUser *
authflow_server_db_lookup_user_by_name (AuthflowServerDb  *self,
                                        const char        *username,
                                        char             **out_password_hash,
                                        GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (AUTHFLOW_SERVER_IS_DB (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);

  stmt = prepare (self, "SELECT " USER_COLUMNS ", password_hash FROM users WHERE username = ?", error);
  if (stmt == NULL)
    return NULL;

  bind_text (stmt, 1, username);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (out_password_hash != NULL)
        *out_password_hash = column_text (stmt, 7);
      return user_from_row (stmt);
    }
  if (rc != SQLITE_DONE)
    set_sqlite_error (self, error, "Could not read a user");

  return NULL;
}

/* Sets user->id on success. Fails with AUTHFLOW_SERVER_DB_ERROR_EXISTS when
 * the username is taken. */
gboolean
authflow_server_db_insert_user (AuthflowServerDb    *self,
                                AuthflowServerUser  *user,
                                const char          *password_hash,
                                GError             **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (AUTHFLOW_SERVER_IS_DB (self), FALSE);
  g_return_val_if_fail (user != NULL, FALSE);
  g_return_val_if_fail (password_hash != NULL, FALSE);

  stmt = prepare (self,
                  "INSERT INTO users (username, email, password_hash, first_name, last_name,"
                  "                   gender, image, created_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, user->username);
  bind_text (stmt, 2, user->email);
  bind_text (stmt, 3, password_hash);
  bind_text (stmt, 4, user->first_name);
  bind_text (stmt, 5, user->last_name);
  bind_text (stmt, 6, user->gender);
  bind_text (stmt, 7, user->image);
  sqlite3_bind_int64 (stmt, 8, now_seconds ());

  if (!begin (self, error))
    return FALSE;

  if (!step_done (self, stmt, error))
    return rollback (self);

  user->id = sqlite3_last_insert_rowid (self->db);

  return commit (self, error) || rollback (self);
}

gboolean
authflow_server_db_update_user (AuthflowServerDb          *self,
                                const AuthflowServerUser  *user,
                                GError                   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (AUTHFLOW_SERVER_IS_DB (self), FALSE);
  g_return_val_if_fail (user != NULL, FALSE);

  stmt = prepare (self,
                  "UPDATE users SET email = ?, first_name = ?, last_name = ?, gender = ?, image = ?"
                  " WHERE id = ?",
                  error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, user->email);
  bind_text (stmt, 2, user->first_name);
  bind_text (stmt, 3, user->last_name);
  bind_text (stmt, 4, user->gender);
  bind_text (stmt, 5, user->image);
  sqlite3_bind_int64 (stmt, 6, user->id);

  if (!begin (self, error))
    return FALSE;

  if (!step_done (self, stmt, error))
    return rollback (self);

  if (sqlite3_changes (self->db) != 1)
    {
      g_set_error (error, AUTHFLOW_SERVER_DB_ERROR, AUTHFLOW_SERVER_DB_ERROR_FAILED,
                   "There is no user %" G_GINT64_FORMAT, user->id);
      return rollback (self);
    }

  return commit (self, error) || rollback (self);
}

static gboolean
insert_refresh_token (AuthflowServerDb  *self,
                      const char        *family_id,
                      const guint8      *token_hash,
                      gint64             expires_at,
                      GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self,
                  "INSERT INTO refresh_tokens (token_hash, family_id, created_at, expires_at)"
                  " VALUES (?, ?, ?, ?)",
                  error);
  if (stmt == NULL)
    return FALSE;

  bind_hash (stmt, 1, token_hash);
  bind_text (stmt, 2, family_id);
  sqlite3_bind_int64 (stmt, 3, now_seconds ());
  sqlite3_bind_int64 (stmt, 4, expires_at);

  return step_done (self, stmt, error);
}

/* A family is the chain of refresh tokens that one login grows by rotation,
 * and so the session of that login: its id is the sid claim of every access
 * token issued in it. @access_expires_at is the expiry of the first. */
gboolean
authflow_server_db_start_refresh_family (AuthflowServerDb  *self,
                                         gint64             user_id,
                                         const guint8      *token_hash,
                                         gint64             expires_at,
                                         gint64             access_expires_at,
                                         char             **out_family_id,
                                         GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *family_id = authflow_server_random_id ();

  g_return_val_if_fail (AUTHFLOW_SERVER_IS_DB (self), FALSE);
  g_return_val_if_fail (token_hash != NULL, FALSE);
  g_return_val_if_fail (out_family_id != NULL, FALSE);

  stmt = prepare (self,
                  "INSERT INTO refresh_families (id, user_id, created_at, access_expires_at)"
                  " VALUES (?, ?, ?, ?)",
                  error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, family_id);
  sqlite3_bind_int64 (stmt, 2, user_id);
  sqlite3_bind_int64 (stmt, 3, now_seconds ());
  sqlite3_bind_int64 (stmt, 4, access_expires_at);

  if (!begin (self, error))
    return FALSE;

  if (!step_done (self, stmt, error) ||
      !insert_refresh_token (self, family_id, token_hash, expires_at, error))
    return rollback (self);

  if (!commit (self, error))
    return rollback (self);

  *out_family_id = g_steal_pointer (&family_id);
  return TRUE;
}

static gboolean
revoke_family (AuthflowServerDb  *self,
               const char        *family_id,
               GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self,
                  "UPDATE refresh_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                  error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, now_seconds ());
  bind_text (stmt, 2, family_id);

  return step_done (self, stmt, error);
}

/* Spends @old_hash and adds @new_hash to its family, which stays the
 * session of the access token issued with it (expiring at
 * @access_expires_at). A token that was spent before can only be presented
 * again by someone who copied it, so that revokes the whole family, which
 * ends the session at once: the access tokens issued in it are refused, and
 * whoever holds the newest refresh token is locked out too. The legitimate
 * client has to log in again, the thief gets nothing. */
gboolean
authflow_server_db_rotate_refresh_token (AuthflowServerDb             *self,
                                         const guint8                 *old_hash,
                                         const guint8                 *new_hash,
                                         gint64                        expires_at,
                                         gint64                        access_expires_at,
                                         AuthflowServerRefreshResult  *out_result,
                                         gint64                       *out_user_id,
                                         char                        **out_family_id,
                                         GError                      **error)
{
  g_autoptr(sqlite3_stmt) select = NULL;
  g_autoptr(sqlite3_stmt) spend = NULL;
  g_autoptr(sqlite3_stmt) extend = NULL;
  g_autofree char *family_id = NULL;
  gint64 now = now_seconds ();
  gint64 user_id;
  gint64 token_expires_at;
  gboolean spent;
  gboolean revoked;
  int rc;

  g_return_val_if_fail (AUTHFLOW_SERVER_IS_DB (self), FALSE);
  g_return_val_if_fail (old_hash != NULL, FALSE);
  g_return_val_if_fail (new_hash != NULL, FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  *out_result = AUTHFLOW_SERVER_REFRESH_INVALID;

  select = prepare (self,
                    "SELECT t.family_id, f.user_id, t.expires_at,"
                    "       t.spent_at IS NOT NULL, f.revoked_at IS NOT NULL"
                    " FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id"
                    " WHERE t.token_hash = ?",
                    error);
  if (select == NULL)
    return FALSE;

  spend = prepare (self, "UPDATE refresh_tokens SET spent_at = ? WHERE token_hash = ?", error);
  if (spend == NULL)
    return FALSE;

  extend = prepare (self,
                    "UPDATE refresh_families SET access_expires_at = MAX (access_expires_at, ?)"
                    " WHERE id = ?",
                    error);
  if (extend == NULL)
    return FALSE;

  bind_hash (select, 1, old_hash);

  if (!begin (self, error))
    return FALSE;

  rc = sqlite3_step (select);
  if (rc == SQLITE_DONE)
    {
      rollback (self);
      return TRUE;
    }
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (self, error, "Could not read a refresh token");
      return rollback (self);
    }

  family_id = column_text (select, 0);
  user_id = sqlite3_column_int64 (select, 1);
  token_expires_at = sqlite3_column_int64 (select, 2);
  spent = sqlite3_column_int (select, 3) != 0;
  revoked = sqlite3_column_int (select, 4) != 0;
  sqlite3_reset (select);

  if (revoked || (!spent && token_expires_at <= now))
    {
      rollback (self);
      return TRUE;
    }

  if (spent)
    {
      if (!revoke_family (self, family_id, error) || !commit (self, error))
        return rollback (self);

      *out_result = AUTHFLOW_SERVER_REFRESH_REUSED;
      return TRUE;
    }

  sqlite3_bind_int64 (spend, 1, now);
  bind_hash (spend, 2, old_hash);
  sqlite3_bind_int64 (extend, 1, access_expires_at);
  bind_text (extend, 2, family_id);

  if (!step_done (self, spend, error) ||
      !step_done (self, extend, error) ||
      !insert_refresh_token (self, family_id, new_hash, expires_at, error) ||
      !commit (self, error))
    return rollback (self);

  *out_result = AUTHFLOW_SERVER_REFRESH_ROTATED;
  if (out_user_id != NULL)
    *out_user_id = user_id;
  if (out_family_id != NULL)
    *out_family_id = g_steal_pointer (&family_id);

  return TRUE;
}

/**
 * authflow_server_db_end_session:
 * @self: the database
 * @user_id: the user who logs out
 * @sid: (nullable): the session of the access token of the logout
 * @token_hash: (nullable): the hash of a refresh token that came with it
 * @error: return location for a #GError
 *
 * Revokes the family @sid and the family of @token_hash, each only if it
 * belongs to @user_id: an unknown token or somebody else's is left alone and
 * is not an error. From then on every access token issued in those sessions
 * is refused, and their refresh tokens too.
 */
gboolean
authflow_server_db_end_session (AuthflowServerDb  *self,
                                gint64             user_id,
                                const char        *sid,
                                const guint8      *token_hash,
                                GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (AUTHFLOW_SERVER_IS_DB (self), FALSE);

  stmt = prepare (self,
                  "UPDATE refresh_families SET revoked_at = ?"
                  " WHERE revoked_at IS NULL AND user_id = ?"
                  "   AND (id = ? OR id = (SELECT family_id FROM refresh_tokens WHERE token_hash = ?))",
                  error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, now_seconds ());
  sqlite3_bind_int64 (stmt, 2, user_id);
  if (sid != NULL)
    bind_text (stmt, 3, sid);
  if (token_hash != NULL)
    bind_hash (stmt, 4, token_hash);

  if (!begin (self, error))
    return FALSE;

  if (!step_done (self, stmt, error))
    return rollback (self);

  return commit (self, error) || rollback (self);
}

/**
 * authflow_server_db_revoke_session_of_token:
 * @self: the database
 * @token_hash: the hash of a refresh token
 * @out_found: (out): whether the token is known
 * @error: return location for a #GError
 *
 * Revokes the family of @token_hash, whoever it belongs to, as a reuse of
 * a spent token would: every access token issued in that session is
 * refused from then on, and its refresh tokens too. For the development
 * endpoint `POST /dev/revoke-session`. A family revoked already stays so.
 */
gboolean
authflow_server_db_revoke_session_of_token (AuthflowServerDb  *self,
                                            const guint8      *token_hash,
                                            gboolean          *out_found,
                                            GError           **error)
{
  g_autoptr(sqlite3_stmt) select = NULL;
  g_autofree char *family_id = NULL;
  int rc;

  g_return_val_if_fail (AUTHFLOW_SERVER_IS_DB (self), FALSE);
  g_return_val_if_fail (token_hash != NULL, FALSE);
  g_return_val_if_fail (out_found != NULL, FALSE);

  *out_found = FALSE;

  select = prepare (self, "SELECT family_id FROM refresh_tokens WHERE token_hash = ?", error);
  if (select == NULL)
    return FALSE;
  bind_hash (select, 1, token_hash);

  if (!begin (self, error))
    return FALSE;

  rc = sqlite3_step (select);
  if (rc == SQLITE_DONE)
    {
      rollback (self);
      return TRUE;
    }
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (self, error, "Could not read a refresh token");
      return rollback (self);
    }

  family_id = column_text (select, 0);
  sqlite3_reset (select);

  if (!revoke_family (self, family_id, error) || !commit (self, error))
    return rollback (self);

  *out_found = TRUE;
  return TRUE;
}

/**
 * authflow_server_db_lookup_session_user:
 * @self: the database
 * @sid: (nullable): the sid claim of an access token
 * @user_id: its id claim
 * @error: return location for a #GError
 *
 * The check of every authenticated call, one statement on two primary keys:
 * the session @sid must exist, belong to @user_id and not be revoked. A
 * token without a sid (issued before sessions were named in tokens) has no
 * session to check and is refused: its holder refreshes, and gets one.
 *
 * Returns: (transfer full) (nullable): the user, or %NULL without an error
 *   if the session is over or unknown
 */
AuthflowServerUser *
authflow_server_db_lookup_session_user (AuthflowServerDb  *self,
                                        const char        *sid,
                                        gint64             user_id,
                                        GError           **error)
{
  AuthflowServerUser *user = NULL;
  int rc;

  g_return_val_if_fail (AUTHFLOW_SERVER_IS_DB (self), NULL);

  if (sid == NULL)
    return NULL;

  if (self->session_stmt == NULL &&
      sqlite3_prepare_v3 (self->db,
                          "SELECT " USER_COLUMNS " FROM users WHERE id = ?2 AND EXISTS"
                          " (SELECT 1 FROM refresh_families"
                          "   WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL)",
                          -1, SQLITE_PREPARE_PERSISTENT, &self->session_stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, error, "Could not prepare a statement");
      return NULL;
    }

  bind_text (self->session_stmt, 1, sid);
  sqlite3_bind_int64 (self->session_stmt, 2, user_id);

  rc = sqlite3_step (self->session_stmt);
  if (rc == SQLITE_ROW)
    user = user_from_row (self->session_stmt);
  else if (rc != SQLITE_DONE)
    set_sqlite_error (self, error, "Could not read a session");

  sqlite3_reset (self->session_stmt);
  sqlite3_clear_bindings (self->session_stmt);

  return user;
}
