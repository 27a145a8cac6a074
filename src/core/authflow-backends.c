// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-backends"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "authflow-backends.h"
#include "authflow-client.h"

/* The backends a person can choose: the profiles that ship with the app,
 * then their own, from one folder of JSON files. A broken file is left out
 * and said why, in words that name the file, the key and what is wrong;
 * the others load all the same.
 */
struct _AuthflowBackends
{
  GObject     parent_instance;

  GListStore *profiles;
  GPtrArray  *problems;
  char       *user_dir;
  /* The file each of the person's own profiles came from, by id. */
  GHashTable *files;
};

G_DEFINE_FINAL_TYPE (AuthflowBackends, authflow_backends, G_TYPE_OBJECT)

static const char * const builtin_ids[] = { "reference", "dummyjson", NULL };

static void
authflow_backends_finalize (GObject *object)
{
  AuthflowBackends *self = (AuthflowBackends *)object;

  g_clear_object (&self->profiles);
  g_clear_pointer (&self->problems, g_ptr_array_unref);
  g_clear_pointer (&self->user_dir, g_free);
  g_clear_pointer (&self->files, g_hash_table_unref);

  G_OBJECT_CLASS (authflow_backends_parent_class)->finalize (object);
}

static void
authflow_backends_class_init (AuthflowBackendsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authflow_backends_finalize;
}

static void
authflow_backends_init (AuthflowBackends *self)
{
  self->profiles = g_list_store_new (AUTHFLOW_TYPE_PROFILE);
  self->problems = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->problems, NULL);
  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
add_problem (AuthflowBackends *self,
             const char       *problem)
{
  g_debug ("%s", problem);
  g_ptr_array_insert (self->problems, self->problems->len - 1, g_strdup (problem));
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
add_profile (AuthflowBackends *self,
             AuthflowProfile  *profile,
             const char       *file)
{
  if (authflow_backends_lookup (self, authflow_profile_get_id (profile)) != NULL)
    {
      g_autofree char *problem = NULL;

      /* Translators: the first %s is a file name, the second a backend id. */
      problem = g_strdup_printf (_("%s: id: “%s” is taken by another backend"),
                                 file, authflow_profile_get_id (profile));
      add_problem (self, problem);
      return FALSE;
    }

  g_list_store_append (self->profiles, profile);
  return TRUE;
}

static void
load_user_dir (AuthflowBackends *self,
               const char       *user_dir)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *name;

  if (!(dir = g_dir_open (user_dir, 0, &error)))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        add_problem (self, error->message);
      return;
    }

  while ((name = g_dir_read_name (dir)))
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));

  /* A stable order, whatever the file system's. */
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *file = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (user_dir, file, NULL);
      g_autoptr(AuthflowProfile) profile = NULL;
      g_autoptr(GError) load_error = NULL;

      if (!(profile = authflow_profile_new_from_file (path, &load_error)))
        add_problem (self, load_error->message);
      else if (add_profile (self, profile, file))
        g_hash_table_insert (self->files, g_strdup (authflow_profile_get_id (profile)), g_steal_pointer (&path));
    }
}

/**
 * authflow_backends_dup_user_dir:
 *
 * Returns: (transfer full): where a person's own profiles live:
 *   `$XDG_CONFIG_HOME/authflow/backends`
 */
char *
authflow_backends_dup_user_dir (void)
{
  return g_build_filename (g_get_user_config_dir (), "authflow", "backends", NULL);
}

/**
 * authflow_backends_new:
 * @user_dir: (nullable): the folder of a person's own profiles, or %NULL
 *   for none
 *
 * Loads the built-in profiles and the `*.json` files of @user_dir. The
 * files are small and local, so they are read at once.
 */
AuthflowBackends *
authflow_backends_new (const char *user_dir)
{
  AuthflowBackends *self = g_object_new (AUTHFLOW_TYPE_BACKENDS, NULL);

  for (guint i = 0; builtin_ids[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AuthflowProfile) profile = authflow_client_load_builtin_profile (builtin_ids[i], &error);

      /* Shipped profiles are tested; one that does not load is a broken
       * build, said like any other problem rather than crashing.
       */
      if (profile == NULL)
        add_problem (self, error->message);
      else
        add_profile (self, profile, builtin_ids[i]);
    }

  if (user_dir != NULL)
    {
      self->user_dir = g_strdup (user_dir);
      load_user_dir (self, user_dir);
    }

  return self;
}

/**
 * authflow_backends_lookup:
 *
 * Returns: (transfer none) (nullable): the profile with @id
 */
AuthflowProfile *
authflow_backends_lookup (AuthflowBackends *self,
                          const char       *id)
{
  guint n;

  g_return_val_if_fail (AUTHFLOW_IS_BACKENDS (self), NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->profiles));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AuthflowProfile) profile = g_list_model_get_item (G_LIST_MODEL (self->profiles), i);

      if (g_strcmp0 (authflow_profile_get_id (profile), id) == 0)
        return profile;
    }

  return NULL;
}

/**
 * authflow_backends_get_profiles:
 *
 * Returns: (transfer none): the profiles that loaded, built-in ones first
 */
GListModel *
authflow_backends_get_profiles (AuthflowBackends *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_BACKENDS (self), NULL);

  return G_LIST_MODEL (self->profiles);
}

/**
 * authflow_backends_get_problems:
 *
 * Returns: (transfer none): why each file that did not load was left out,
 *   e.g. "mine.json: calls.login.path: must start with “/”"
 */
const char * const *
authflow_backends_get_problems (AuthflowBackends *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_BACKENDS (self), NULL);

  return (const char * const *) self->problems->pdata;
}

/**
 * authflow_backends_is_builtin:
 *
 * Returns: whether @id is one of the profiles that ship with the app
 */
gboolean
authflow_backends_is_builtin (AuthflowBackends *self,
                              const char       *id)
{
  g_return_val_if_fail (AUTHFLOW_IS_BACKENDS (self), FALSE);

  return id != NULL && g_strv_contains (builtin_ids, id);
}

/**
 * authflow_backends_dup_source:
 *
 * The text of the profile @id, to edit: a built-in one as it ships, a
 * person's own as its file now says.
 *
 * Returns: (transfer full) (nullable): the profile's JSON, or %NULL with
 *   @error set
 */
char *
authflow_backends_dup_source (AuthflowBackends  *self,
                              const char        *id,
                              GError           **error)
{
  const char *file;
  char *text = NULL;

  g_return_val_if_fail (AUTHFLOW_IS_BACKENDS (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (authflow_backends_is_builtin (self, id))
    {
      g_autofree char *path = g_strdup_printf (RESOURCE_BASE_PATH "/profiles/%s.json", id);
      g_autoptr(GBytes) bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);

      if (bytes == NULL)
        return NULL;

      return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }

  if (!(file = g_hash_table_lookup (self->files, id)))
    {
      /* Translators: %s is a backend id. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no profile file for “%s”"), id);
      return NULL;
    }

  /* The files are small and local, read at once as at start-up. */
  if (!g_file_get_contents (file, &text, NULL, error))
    return NULL;

  return text;
}

typedef struct
{
  AuthflowProfile *profile;
  char            *path;
} Save;

static void
save_free (Save *save)
{
  g_clear_object (&save->profile);
  g_free (save->path);
  g_free (save);
}

static void
save_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AuthflowBackends *self = g_task_get_source_object (task);
  Save *save = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  const char *id = authflow_profile_get_id (save->profile);
  guint n;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* In the list in place of the one it replaces, so that whoever shows
   * the backends shows the new one at once.
   */
  n = g_list_model_get_n_items (G_LIST_MODEL (self->profiles));
  for (guint i = 0; i <= n; i++)
    {
      g_autoptr(AuthflowProfile) old = i < n ? g_list_model_get_item (G_LIST_MODEL (self->profiles), i) : NULL;

      if (i == n)
        g_list_store_append (self->profiles, save->profile);
      else if (g_str_equal (authflow_profile_get_id (old), id))
        g_list_store_splice (self->profiles, i, 1, (gpointer *) &save->profile, 1);
      else
        continue;
      break;
    }
  g_hash_table_insert (self->files, g_strdup (id), g_strdup (save->path));

  g_task_return_pointer (task, g_object_ref (save->profile), g_object_unref);
}

/**
 * authflow_backends_save_async:
 * @text: a profile's JSON
 *
 * Saves @text as one of the person's own profiles, in the file its id
 * names in the profile folder (readable by the person only: a profile may
 * hold a client secret), and puts it in the list in place of the profile
 * of that id, or after the others. A profile that does not load is not
 * saved, nor one with the id of a built-in profile.
 */
void
authflow_backends_save_async (AuthflowBackends    *self,
                              const char          *text,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *name = NULL;
  Save *save;

  g_return_if_fail (AUTHFLOW_IS_BACKENDS (self));
  g_return_if_fail (text != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_backends_save_async);

  if (self->user_dir == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("There is no folder for profiles of your own"));
      return;
    }

  save = g_new0 (Save, 1);
  g_task_set_task_data (task, save, (GDestroyNotify) save_free);

  if (!(save->profile = authflow_profile_new_from_string (text, _("the profile"), &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (authflow_backends_is_builtin (self, authflow_profile_get_id (save->profile)))
    {
      /* Translators: %s is the id of a profile that ships with the app. */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               _("“%s” is a built-in backend: give your profile an id of its own"),
                               authflow_profile_get_id (save->profile));
      return;
    }

  /* Made at once: a folder or two, on the person's own disk. */
  if (g_mkdir_with_parents (self->user_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "%s: %s", self->user_dir, g_strerror (saved_errno));
      return;
    }

  name = g_strdup_printf ("%s.json", authflow_profile_get_id (save->profile));
  save->path = g_build_filename (self->user_dir, name, NULL);
  file = g_file_new_for_path (save->path);
  bytes = g_bytes_new (text, strlen (text));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                       cancellable, save_written_cb, g_steal_pointer (&task));
}

/**
 * authflow_backends_save_finish:
 *
 * Returns: (transfer full): the profile saved, or %NULL with @error set
 */
AuthflowProfile *
authflow_backends_save_finish (AuthflowBackends  *self,
                               GAsyncResult      *result,
                               GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
