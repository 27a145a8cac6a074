// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-backends"

#include "config.h"

#include <glib/gi18n.h>

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
};

G_DEFINE_FINAL_TYPE (AuthflowBackends, authflow_backends, G_TYPE_OBJECT)

static const char * const builtin_ids[] = { "reference", "dummyjson", NULL };

static void
authflow_backends_finalize (GObject *object)
{
  AuthflowBackends *self = (AuthflowBackends *)object;

  g_clear_object (&self->profiles);
  g_clear_pointer (&self->problems, g_ptr_array_unref);

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

static void
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
      return;
    }

  g_list_store_append (self->profiles, profile);
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
      else
        add_profile (self, profile, file);
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
    load_user_dir (self, user_dir);

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
