// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "authflow-backends.h"
#include "authflow-profile-editor.h"
#include "authflow-test-utils.h"

/* The profile editor in a real window, in process, with a real profile
 * folder in a temporary directory: what it says as a profile is typed,
 * what each path picks out of a pasted answer, and what saving writes
 * and makes available. The tests read what a person would: the labels
 * and the rows' subtitles.
 *
 * `test-profile-editor --view [--id ID] [--sample FILE] [--width N] [--screenshot FILE]`
 * shows the editor instead, for looking at it; with --screenshot it takes
 * the screen with `import` and quits.
 */

#define TIMEOUT_MS 10000

#define SAMPLE \
  "{\"id\": 7, \"username\": \"ada\", \"email\": \"ada@example.com\", \"firstName\": \"Ada\"," \
  " \"accessToken\": \"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3IiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmF0dXJl\"," \
  " \"refreshToken\": \"the-refresh-token-of-ada\"}"

typedef struct
{
  char                  *dir;
  char                  *user_dir;
  AuthflowBackends      *backends;
  AuthflowProfileEditor *editor;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("authflow-editor-XXXXXX", NULL);
  f->user_dir = g_build_filename (f->dir, "backends", NULL);
  f->backends = authflow_backends_new (f->user_dir);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->editor != NULL)
    gtk_window_destroy (GTK_WINDOW (f->editor));
  g_clear_object (&f->backends);
  authflow_test_remove_tree (f->dir);
  g_free (f->user_dir);
  g_free (f->dir);
}

static gpointer
child (Fixture    *f,
       const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (f->editor), AUTHFLOW_TYPE_PROFILE_EDITOR, name);
}

static void
open_editor (Fixture    *f,
             const char *id)
{
  f->editor = authflow_profile_editor_new (f->backends, id);
  gtk_window_present (GTK_WINDOW (f->editor));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, gtk_widget_get_mapped (GTK_WIDGET (f->editor))));
}

static const char *
status (Fixture *f)
{
  return gtk_label_get_text (child (f, "status_label"));
}

static gboolean
can_save (Fixture *f)
{
  /* The Save button follows its action. */
  return gtk_widget_get_sensitive (child (f, "save_button"));
}

/* The row whose title is @title, in the paths group. */
static AdwActionRow *
path_row (Fixture    *f,
          const char *title)
{
  GtkWidget *group = child (f, "paths_group");

  for (GtkWidget *w = gtk_widget_get_first_child (group); w != NULL; )
    {
      if (ADW_IS_ACTION_ROW (w) && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w)), title) == 0)
        return ADW_ACTION_ROW (w);

      /* Depth first through the group's box and list. */
      if (gtk_widget_get_first_child (w) != NULL && !ADW_IS_ACTION_ROW (w))
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != NULL && gtk_widget_get_next_sibling (w) == NULL)
            {
              w = gtk_widget_get_parent (w);
              if (w == group)
                return NULL;
            }
          if (w != NULL)
            w = gtk_widget_get_next_sibling (w);
        }
    }

  return NULL;
}

static GtkWidget *
find_entry (GtkWidget *widget)
{
  if (GTK_IS_ENTRY (widget))
    return widget;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_entry (c);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkEditable *
path_entry (Fixture    *f,
            const char *title)
{
  GtkWidget *entry = find_entry (GTK_WIDGET (path_row (f, title)));

  g_assert_nonnull (entry);
  return GTK_EDITABLE (entry);
}

static const char *
preview (Fixture    *f,
         const char *title)
{
  return adw_action_row_get_subtitle (path_row (f, title));
}

/* A new profile starts from one that loads, and says so; what breaks it
 * is said in the loader's own words, and Save waits for a fix.
 */
static void
test_new (Fixture       *f,
          gconstpointer  data)
{
  open_editor (f, NULL);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->editor)), ==, "New Profile");
  g_assert_cmpstr (status (f), ==, "Loads as “My Backend” (my-backend)");
  g_assert_true (can_save (f));
  g_assert_cmpstr (gtk_editable_get_text (path_entry (f, "Access Token")), ==, "$.accessToken");
  g_assert_cmpstr (gtk_editable_get_text (path_entry (f, "User ID")), ==, "$.id");
  g_assert_cmpstr (preview (f, "Access Token"), ==, "Paste a sample answer to see what this path selects");
  g_assert_cmpstr (preview (f, "Token Expiry"), ==, "No path: the expiry is the access token’s exp claim");

  authflow_profile_editor_set_text (f->editor, "{\"id\": \"x\", \"name\": \"X\"}");
  g_assert_null (authflow_profile_editor_get_profile (f->editor));
  g_assert_nonnull (strstr (status (f), "base_url"));
  g_assert_false (can_save (f));

  authflow_profile_editor_set_text (f->editor, "{\"id\": ");
  g_assert_false (can_save (f));
  g_assert_cmpstr (status (f), !=, "");
}

/* Each path says what it picks out of the sample, a token by its
 * fingerprint; the whole answer is mapped as the app would.
 */
static void
test_sample (Fixture       *f,
             gconstpointer  data)
{
  open_editor (f, NULL);
  authflow_profile_editor_set_sample (f->editor, SAMPLE);

  g_assert_true (g_str_has_prefix (preview (f, "Access Token"), "eyJh…"));
  g_assert_true (g_str_has_suffix (preview (f, "Access Token"), " · 72 characters"));
  g_assert_null (strstr (preview (f, "Access Token"), "c2lnbmF0dXJl"));
  g_assert_true (g_str_has_suffix (preview (f, "Refresh Token"), " · 24 characters"));
  g_assert_null (strstr (preview (f, "Refresh Token"), "refresh-token-of"));
  g_assert_cmpstr (preview (f, "User ID"), ==, "7");
  g_assert_cmpstr (preview (f, "User Data"), ==,
                   "An object with 6 fields: id, username, email, firstName, accessToken, refreshToken");
  g_assert_cmpstr (adw_action_row_get_subtitle (child (f, "mapping_row")), ==,
                   "The login would succeed; expires 2100-01-01 00:00:00 UTC; user ID 7");

  /* A path typed into its row goes into the profile, which loads again. */
  gtk_editable_set_text (path_entry (f, "User ID"), "$.username");
  g_assert_nonnull (strstr (authflow_profile_editor_get_text (f->editor), "\"uid\" : \"$.username\""));
  g_assert_cmpstr (preview (f, "User ID"), ==, "“ada”");
  g_assert_cmpstr (adw_action_row_get_subtitle (child (f, "mapping_row")), ==,
                   "The login would succeed; expires 2100-01-01 00:00:00 UTC; user ID ada");

  gtk_editable_set_text (path_entry (f, "Refresh Token"), "$.refresh_token");
  g_assert_cmpstr (preview (f, "Refresh Token"), ==, "Nothing at this path in the sample");
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (child (f, "mapping_row")),
                                   "The login would succeed; no refresh token: the session ends at expiry"));

  gtk_editable_set_text (path_entry (f, "Access Token"), "$.token");
  g_assert_cmpstr (adw_action_row_get_subtitle (child (f, "mapping_row")), ==,
                   "The login would fail: The answer has no access token at $.token");

  gtk_editable_set_text (path_entry (f, "Access Token"), "$[");
  g_assert_true (g_str_has_prefix (preview (f, "Access Token"), "Not a path: "));

  /* An expiry path gets a form to read it with. */
  gtk_editable_set_text (path_entry (f, "Token Expiry"), "$.expires_in");
  g_assert_nonnull (strstr (authflow_profile_editor_get_text (f->editor), "\"form\" : \"seconds\""));

  /* What is no JSON, or too deep, is said, and nothing breaks. */
  authflow_profile_editor_set_sample (f->editor, "{\"accessToken\": ");
  g_assert_true (g_str_has_prefix (preview (f, "User ID"), "The sample is not JSON: "));
  {
    g_autofree char *deep = g_strnfill (100000, '[');

    authflow_profile_editor_set_sample (f->editor, deep);
    g_assert_true (g_str_has_prefix (preview (f, "User ID"), "The sample is not JSON: "));
  }
}

static void
saved_cb (AuthflowProfileEditor  *editor,
          AuthflowProfile        *profile,
          AuthflowProfile       **saved)
{
  *saved = g_object_ref (profile);
}

/* Saved in the person's folder, readable by them only, and among the
 * backends at once; a second save replaces it in place.
 */
static void
test_save (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(AuthflowProfile) saved = NULL;
  g_autofree char *path = g_build_filename (f->user_dir, "my-backend.json", NULL);
  g_autofree char *written = NULL;
  GListModel *profiles = authflow_backends_get_profiles (f->backends);
  guint before = g_list_model_get_n_items (profiles);
  GStatBuf st;

  open_editor (f, NULL);
  g_object_add_weak_pointer (G_OBJECT (f->editor), (gpointer *) &f->editor);
  g_signal_connect (f->editor, "saved", G_CALLBACK (saved_cb), &saved);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->editor), "editor.save", NULL));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, saved != NULL && f->editor == NULL));

  g_assert_cmpstr (authflow_profile_get_id (saved), ==, "my-backend");
  g_assert_true (authflow_backends_lookup (f->backends, "my-backend") == saved);
  g_assert_cmpuint (g_list_model_get_n_items (profiles), ==, before + 1);
  g_assert_true (g_file_get_contents (path, &written, NULL, NULL));
  g_assert_nonnull (strstr (written, "\"id\": \"my-backend\""));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Edited again, from its file, and saved under the same id. */
  g_clear_object (&saved);
  open_editor (f, "my-backend");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->editor)), ==, "Edit Profile");
  g_object_add_weak_pointer (G_OBJECT (f->editor), (gpointer *) &f->editor);
  g_signal_connect (f->editor, "saved", G_CALLBACK (saved_cb), &saved);
  gtk_editable_set_text (path_entry (f, "User ID"), "$.username");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->editor), "editor.save", NULL));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, saved != NULL && f->editor == NULL));
  g_assert_cmpuint (g_list_model_get_n_items (profiles), ==, before + 1);
  g_assert_true (authflow_backends_lookup (f->backends, "my-backend") == saved);
  g_assert_cmpstr (authflow_profile_get_answer_path (saved, AUTHFLOW_PROFILE_CALL_LOGIN, AUTHFLOW_PROFILE_FIELD_UID),
                   ==, "$.username");

  /* A fresh start finds it in the folder. */
  {
    g_autoptr(AuthflowBackends) again = authflow_backends_new (f->user_dir);

    g_assert_nonnull (authflow_backends_lookup (again, "my-backend"));
  }
}

/* A built-in profile is edited as a copy with an id of its own; saving
 * one under a built-in id is refused, and says why.
 */
static void
test_builtin (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *text = NULL;
  g_autofree char *path = g_build_filename (f->user_dir, "reference.json", NULL);

  open_editor (f, "reference");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->editor)), ==, "Copy of a Built-in Profile");
  g_assert_cmpstr (status (f), ==, "Loads as “Reference server (Copy)” (reference-copy)");

  text = g_strdup (authflow_profile_editor_get_text (f->editor));
  {
    g_autoptr(GString) builtin = g_string_new (text);

    g_string_replace (builtin, "\"reference-copy\"", "\"reference\"", 1);
    authflow_profile_editor_set_text (f->editor, builtin->str);
  }
  g_assert_true (can_save (f));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->editor), "editor.save", NULL));
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, can_save (f)));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (f->editor)));
}

static void
save_result_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr(AuthflowProfile) profile = authflow_backends_save_finish (AUTHFLOW_BACKENDS (object), result, error);

  if (profile != NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "saved");
}

/* The messages of a refused save, from the backends themselves. */
static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = authflow_backends_dup_source (f->backends, "reference", NULL);

  authflow_backends_save_async (f->backends, text, NULL, save_result_cb, &error);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, error != NULL));
  g_assert_cmpstr (error->message, ==, "“reference” is a built-in backend: give your profile an id of its own");
  g_clear_error (&error);

  authflow_backends_save_async (f->backends, "[]", NULL, save_result_cb, &error);
  g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, error != NULL));
  g_assert_true (g_str_has_prefix (error->message, "the profile"));
  g_clear_error (&error);

  /* A folder that cannot be made: a file is where it would be. */
  {
    g_autoptr(AuthflowBackends) blocked = NULL;
    g_autofree char *file = g_build_filename (f->dir, "file", NULL);
    g_autofree char *inside = g_build_filename (file, "backends", NULL);
    g_autofree char *mine = authflow_backends_dup_source (f->backends, "reference", NULL);
    g_autoptr(GString) own = g_string_new (mine);

    g_assert_true (g_file_set_contents (file, "", 0, NULL));
    blocked = authflow_backends_new (inside);
    g_string_replace (own, "\"reference\"", "\"mine\"", 1);
    authflow_backends_save_async (blocked, own->str, NULL, save_result_cb, &error);
    g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, TIMEOUT_MS, error != NULL));
    g_assert_true (g_str_has_prefix (error->message, inside));
  }
}

static int
view (int    argc,
      char **argv)
{
  const char *id = NULL;
  const char *sample = NULL;
  const char *screenshot = NULL;
  int width = 720;
  Fixture f = { 0 };

  for (int i = 1; i + 1 < argc; i++)
    if (g_str_equal (argv[i], "--id"))
      id = argv[++i];
    else if (g_str_equal (argv[i], "--sample"))
      sample = argv[++i];
    else if (g_str_equal (argv[i], "--screenshot"))
      screenshot = argv[++i];
    else if (g_str_equal (argv[i], "--width"))
      width = atoi (argv[++i]);

  fixture_set_up (&f, NULL);
  f.editor = authflow_profile_editor_new (f.backends, id);
  /* Tall enough to show the paths under the two texts. */
  gtk_window_set_default_size (GTK_WINDOW (f.editor), width, 1000);
  gtk_window_present (GTK_WINDOW (f.editor));
  if (sample != NULL)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (sample, &text, NULL, NULL))
        authflow_profile_editor_set_sample (f.editor, text);
    }

  if (screenshot == NULL)
    {
      while (f.editor != NULL && gtk_widget_get_visible (GTK_WIDGET (f.editor)))
        g_main_context_iteration (NULL, TRUE);
      return 0;
    }

  authflow_test_wait (NULL, 1000);
  {
    const char *args[] = { "import", "-window", "root", screenshot, NULL };

    g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  fixture_tear_down (&f, NULL);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  gboolean viewing = argc > 1 && g_str_equal (argv[1], "--view");

  if (!viewing)
    g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    {
      g_printerr ("No display\n");
      return viewing ? 1 : 77;
    }
  adw_init ();

  if (viewing)
    return view (argc, argv);

  g_test_add ("/profile-editor/new", Fixture, NULL, fixture_set_up, test_new, fixture_tear_down);
  g_test_add ("/profile-editor/sample", Fixture, NULL, fixture_set_up, test_sample, fixture_tear_down);
  g_test_add ("/profile-editor/save", Fixture, NULL, fixture_set_up, test_save, fixture_tear_down);
  g_test_add ("/profile-editor/builtin", Fixture, NULL, fixture_set_up, test_builtin, fixture_tear_down);
  g_test_add ("/profile-editor/refused", Fixture, NULL, fixture_set_up, test_refused, fixture_tear_down);

  return g_test_run ();
}
