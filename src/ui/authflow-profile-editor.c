// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-check-window.h"
#include "authflow-journal.h"
#include "authflow-json.h"
#include "authflow-page-util.h"
#include "authflow-profile-editor.h"

/* The profile editor: a person's own profile as JSON, checked as they
 * type by the same loader the app uses; a sample login answer pasted
 * beside it, and a row for each of the paths the Log in action maps, with
 * what that path selects from the sample and what the app would take from
 * the whole answer. Editing a path rewrites the profile's "answer", and
 * editing the JSON fills the paths in again. Saving puts the profile in
 * the person's profile folder, and among the backends at once.
 *
 * What is pasted may hold real tokens: they show as their fingerprints,
 * and nothing of either text is logged.
 */

/* Long enough that a word is typed before the profile is checked again. */
#define CHECK_DELAY_MS 250

typedef enum
{
  PATH_ACCESS_TOKEN,
  PATH_REFRESH_TOKEN,
  PATH_EXPIRY,
  PATH_UID,
  PATH_USER,
  N_PATHS
} PathField;

static const struct {
  const char *key;
  const char *title;
  const char *entry_name;
} path_fields[N_PATHS] = {
  { "access_token", N_("Access Token"), N_("Access Token Path") },
  { "refresh_token", N_("Refresh Token"), N_("Refresh Token Path") },
  { "expiry", N_("Token Expiry"), N_("Token Expiry Path") },
  { "uid", N_("User ID"), N_("User ID Path") },
  { "user", N_("User Data"), N_("User Data Path") },
};

struct _AuthflowProfileEditor
{
  AdwWindow             parent_instance;

  AuthflowBackends     *backends;
  AuthflowProfile      *profile;
  JsonNode             *sample;
  char                 *sample_problem;
  char                 *text;
  GCancellable         *cancellable;
  guint                 check_id;
  guint                 sample_id;
  gboolean              syncing;
  gboolean              saving;

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkButton            *save_button;
  GtkTextView          *profile_view;
  GtkTextView          *sample_view;
  GtkImage             *status_icon;
  GtkLabel             *status_label;
  AdwPreferencesGroup  *paths_group;
  AdwActionRow         *mapping_row;
  AdwActionRow         *path_rows[N_PATHS];
  GtkEntry             *path_entries[N_PATHS];
};

G_DEFINE_FINAL_TYPE (AuthflowProfileEditor, authflow_profile_editor, ADW_TYPE_WINDOW)

enum {
  SIGNAL_SAVED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

/* A profile to start from: the reference server's shape, on this machine. */
static const char new_profile[] =
  "{\n"
  "  \"id\": \"my-backend\",\n"
  "  \"name\": \"My Backend\",\n"
  "  \"base_url\": \"http://127.0.0.1:8080\",\n"
  "  \"calls\": {\n"
  "    \"login\": {\n"
  "      \"method\": \"POST\",\n"
  "      \"path\": \"/auth/login\",\n"
  "      \"body\": { \"username\": \"{{username}}\", \"password\": \"{{password}}\" }\n"
  "    },\n"
  "    \"me\": {\n"
  "      \"method\": \"GET\",\n"
  "      \"path\": \"/auth/me\",\n"
  "      \"headers\": { \"Authorization\": \"Bearer {{access_token}}\" }\n"
  "    }\n"
  "  },\n"
  "  \"answer\": {\n"
  "    \"access_token\": \"$.accessToken\",\n"
  "    \"refresh_token\": \"$.refreshToken\",\n"
  "    \"expiry\": { \"form\": \"jwt\" },\n"
  "    \"uid\": \"$.id\",\n"
  "    \"user\": { \"path\": \"$\", \"exclude\": [\"accessToken\", \"refreshToken\"] }\n"
  "  }\n"
  "}\n";

static char *
dup_buffer_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* The "answer" object of a profile's JSON, or %NULL. */
static JsonObject *
get_answer (JsonNode *root)
{
  JsonObject *object;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  object = json_node_get_object (root);
  if (!json_object_has_member (object, "answer") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "answer")))
    return NULL;

  return json_object_get_object_member (object, "answer");
}

/* A path as the profile writes it: a string, or the "path" of an object
 * (an expiry with its form, the user with what it leaves out).
 */
static const char *
get_path (JsonObject *answer,
          const char *key)
{
  JsonNode *node;

  if (answer == NULL || !(node = json_object_get_member (answer, key)))
    return "";

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);

      if (json_object_has_member (object, "path") &&
          json_node_get_value_type (json_object_get_member (object, "path")) == G_TYPE_STRING)
        return json_object_get_string_member (object, "path");
    }

  return "";
}

static void
set_path (JsonObject *answer,
          const char *key,
          const char *path)
{
  JsonNode *node = json_object_get_member (answer, key);

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);

      if (path[0] != '\0')
        {
          json_object_set_string_member (object, "path", path);
          /* The JWT's exp has no path: a path read as seconds, to start. */
          if (g_str_equal (key, "expiry") &&
              g_str_equal (json_object_get_string_member_with_default (object, "form", "jwt"), "jwt"))
            json_object_set_string_member (object, "form", "seconds");
        }
      else if (json_object_has_member (object, "path"))
        json_object_remove_member (object, "path");

      /* An expiry with nothing left but its path's form says nothing. */
      if (json_object_get_size (object) == 0 ||
          (json_object_get_size (object) == 1 && json_object_has_member (object, "form") &&
           !g_str_equal (json_object_get_string_member_with_default (object, "form", ""), "jwt")))
        json_object_remove_member (answer, key);
      return;
    }

  if (path[0] == '\0')
    {
      if (node != NULL)
        json_object_remove_member (answer, key);
      return;
    }

  /* An expiry path needs a form: seconds from now is the common one. */
  if (g_str_equal (key, "expiry"))
    {
      JsonObject *expiry = json_object_new ();

      json_object_set_string_member (expiry, "path", path);
      json_object_set_string_member (expiry, "form", "seconds");
      json_object_set_object_member (answer, key, expiry);
      return;
    }

  json_object_set_string_member (answer, key, path);
}

/* What a path selected, said without showing a secret. */
static char *
describe_value (PathField  field,
                JsonNode  *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);
      g_autoptr(GString) names = g_string_new (NULL);
      guint n = json_object_get_size (object);
      guint shown = 0;

      for (GList *l = members; l != NULL && shown < 6; l = l->next, shown++)
        g_string_append_printf (names, "%s%s", shown > 0 ? ", " : "", (const char *) l->data);
      if (n > shown)
        g_string_append (names, ", …");

      /* Translators: what a path selected: an object, its field count and
       * the first field names.
       */
      return g_strdup_printf (ngettext ("An object with %u field: %s", "An object with %u fields: %s", n),
                              n, names->str);
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      guint n = json_array_get_length (json_node_get_array (node));

      /* Translators: what a path selected: a list and its length. */
      return g_strdup_printf (ngettext ("A list of %u item", "A list of %u items", n), n);
    }

  if (JSON_NODE_HOLDS_NULL (node))
    return g_strdup (_("null"));

  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);
      glong length = g_utf8_strlen (text, -1);

      if (field == PATH_ACCESS_TOKEN || field == PATH_REFRESH_TOKEN)
        {
          g_autofree char *fingerprint = authflow_journal_fingerprint (text);

          /* Translators: a token by its fingerprint, and its length. */
          return g_strdup_printf (ngettext ("%s · %ld character", "%s · %ld characters", length),
                                  fingerprint, length);
        }

      {
        g_autofree char *shown = authflow_page_shorten_text (text);

        return g_strdup_printf ("“%s”", shown);
      }
    }

  {
    g_autoptr(JsonGenerator) generator = json_generator_new ();

    json_generator_set_root (generator, node);
    return json_generator_to_data (generator, NULL);
  }
}

static void
update_preview (AuthflowProfileEditor *self,
                PathField              field)
{
  const char *path = gtk_editable_get_text (GTK_EDITABLE (self->path_entries[field]));
  g_autoptr(JsonPath) json_path = NULL;
  g_autoptr(JsonNode) matches = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (path[0] == '\0' && field == PATH_EXPIRY && self->profile != NULL &&
      g_strcmp0 (authflow_profile_get_expiry_form (self->profile, AUTHFLOW_PROFILE_CALL_LOGIN), "jwt") == 0)
    text = g_strdup (_("No path: the expiry is the access token’s exp claim"));
  else if (path[0] == '\0')
    text = g_strdup (field == PATH_EXPIRY
                     ? _("No path: the expiry comes from the answer’s expires_in or expires_at, else the JWT")
                     : _("No path: nothing is mapped"));
  else if (self->sample == NULL)
    text = g_strdup (self->sample_problem != NULL ? self->sample_problem
                     : _("Paste a sample answer to see what this path selects"));
  else if (!json_path_compile ((json_path = json_path_new ()), path, &error))
    /* Translators: %s says what is wrong with a JsonPath expression. */
    text = g_strdup_printf (_("Not a path: %s"), error->message);
  else if (!(matches = json_path_match (json_path, self->sample)) ||
           !JSON_NODE_HOLDS_ARRAY (matches) ||
           json_array_get_length (json_node_get_array (matches)) == 0)
    text = g_strdup (_("Nothing at this path in the sample"));
  else
    text = describe_value (field, json_array_get_element (json_node_get_array (matches), 0));

  adw_action_row_set_subtitle (self->path_rows[field], text);
}

/* What the app itself would take from the sample, with this profile. */
static void
update_mapping (AuthflowProfileEditor *self)
{
  g_autoptr(AuthflowProfileAnswer) answer = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = NULL;

  for (guint i = 0; i < N_PATHS; i++)
    update_preview (self, i);

  if (self->profile == NULL)
    {
      adw_action_row_set_subtitle (self->mapping_row, _("Nothing until the profile loads"));
      return;
    }

  if (self->sample == NULL)
    {
      adw_action_row_set_subtitle (self->mapping_row, _("Nothing until there is a sample answer"));
      return;
    }

  now = g_date_time_new_now_utc ();
  if (!(answer = authflow_profile_map_answer (self->profile, AUTHFLOW_PROFILE_CALL_LOGIN, self->sample, now, &error)))
    {
      /* Translators: %s is why the app could not map the sample answer. */
      g_autofree char *problem = g_strdup_printf (_("The login would fail: %s"), error->message);

      adw_action_row_set_subtitle (self->mapping_row, problem);
      return;
    }

  text = g_string_new (_("The login would succeed"));
  if (answer->refresh_token == NULL)
    g_string_append_printf (text, "; %s", _("no refresh token: the session ends at expiry"));
  if (answer->expiry != NULL)
    {
      g_autofree char *when = g_date_time_format (answer->expiry, "%F %T UTC");

      /* Translators: after "The login would succeed"; %s is a date and time. */
      g_string_append_printf (text, _("; expires %s"), when);
    }
  else
    g_string_append_printf (text, "; %s", _("no expiry: the token is renewed on a 401 only"));
  if (answer->uid != NULL)
    /* Translators: after "The login would succeed"; %s is a user id. */
    g_string_append_printf (text, _("; user ID %s"), answer->uid);
  else
    g_string_append_printf (text, "; %s", _("no user ID"));

  adw_action_row_set_subtitle (self->mapping_row, text->str);
}

static void
fill_entries (AuthflowProfileEditor *self,
              JsonNode              *root)
{
  JsonObject *answer = get_answer (root);

  self->syncing = TRUE;
  for (guint i = 0; i < N_PATHS; i++)
    {
      const char *path = get_path (answer, path_fields[i].key);

      if (!g_str_equal (gtk_editable_get_text (GTK_EDITABLE (self->path_entries[i])), path))
        gtk_editable_set_text (GTK_EDITABLE (self->path_entries[i]), path);
    }
  self->syncing = FALSE;
}

static void
check_profile (AuthflowProfileEditor *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_clear_handle_id (&self->check_id, g_source_remove);
  g_clear_object (&self->profile);
  g_free (self->text);
  self->text = dup_buffer_text (self->profile_view);

  if ((root = authflow_json_parse (self->text, -1, NULL)) != NULL)
    fill_entries (self, root);

  self->profile = authflow_profile_new_from_string (self->text, _("the profile"), &error);
  if (self->profile != NULL)
    {
      /* Translators: the profile loads; %s is its name, then its id. */
      g_autofree char *text = g_strdup_printf (_("Loads as “%s” (%s)"),
                                               authflow_profile_get_name (self->profile),
                                               authflow_profile_get_id (self->profile));

      gtk_label_set_text (self->status_label, text);
      gtk_image_set_from_icon_name (self->status_icon, "emblem-ok-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "success");
      adw_window_title_set_subtitle (self->window_title, authflow_profile_get_id (self->profile));
    }
  else
    {
      gtk_label_set_text (self->status_label, error->message);
      gtk_image_set_from_icon_name (self->status_icon, "dialog-error-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "success");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save", self->profile != NULL && !self->saving);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.check", self->profile != NULL);
  update_mapping (self);
}

static gboolean
check_profile_cb (gpointer user_data)
{
  AuthflowProfileEditor *self = user_data;

  self->check_id = 0;
  check_profile (self);
  return G_SOURCE_REMOVE;
}

static void
profile_changed_cb (AuthflowProfileEditor *self)
{
  if (self->syncing)
    return;

  g_clear_handle_id (&self->check_id, g_source_remove);
  self->check_id = g_timeout_add (CHECK_DELAY_MS, check_profile_cb, self);
}

static void
read_sample (AuthflowProfileEditor *self)
{
  g_autofree char *text = dup_buffer_text (self->sample_view);
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->sample_id, g_source_remove);
  g_clear_pointer (&self->sample, json_node_unref);
  g_clear_pointer (&self->sample_problem, g_free);

  if (g_strstrip (text)[0] != '\0' && !(self->sample = authflow_json_parse (text, -1, &error)))
    /* Translators: %s says why the pasted answer is not JSON. */
    self->sample_problem = g_strdup_printf (_("The sample is not JSON: %s"), error->message);

  update_mapping (self);
}

static gboolean
read_sample_cb (gpointer user_data)
{
  AuthflowProfileEditor *self = user_data;

  self->sample_id = 0;
  read_sample (self);
  return G_SOURCE_REMOVE;
}

static void
sample_changed_cb (AuthflowProfileEditor *self)
{
  g_clear_handle_id (&self->sample_id, g_source_remove);
  self->sample_id = g_timeout_add (CHECK_DELAY_MS, read_sample_cb, self);
}

/* A path typed into its row goes into the profile's "answer". */
static void
path_changed_cb (GtkEditable           *entry,
                 AuthflowProfileEditor *self)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  JsonObject *answer;
  guint field;

  if (self->syncing)
    return;

  field = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (entry), "field"));
  text = dup_buffer_text (self->profile_view);
  if (!(root = authflow_json_parse (text, -1, NULL)) || !JSON_NODE_HOLDS_OBJECT (root))
    {
      gtk_label_set_text (self->status_label, _("The profile is not a JSON object yet: fix it to set its paths here"));
      update_preview (self, field);
      return;
    }

  if (!(answer = get_answer (root)))
    {
      json_object_set_object_member (json_node_get_object (root), "answer", json_object_new ());
      answer = get_answer (root);
    }
  set_path (answer, path_fields[field].key, gtk_editable_get_text (entry));

  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  g_free (text);
  text = json_generator_to_data (generator, NULL);

  self->syncing = TRUE;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->profile_view), text, -1);
  self->syncing = FALSE;
  check_profile (self);
}

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(AuthflowProfileEditor) self = user_data;
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  self->saving = FALSE;
  if (!(profile = authflow_backends_save_finish (AUTHFLOW_BACKENDS (object), result, &error)))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Translators: %s says why the profile was not saved. */
          g_autofree char *text = g_strdup_printf (_("Not saved: %s"), error->message);

          adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
          gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save", self->profile != NULL);
        }
      return;
    }

  g_signal_emit (self, signals[SIGNAL_SAVED], 0, profile);
  gtk_window_close (GTK_WINDOW (self));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AuthflowProfileEditor *self = AUTHFLOW_PROFILE_EDITOR (widget);

  /* What was typed last counts, even within the delay. */
  check_profile (self);
  if (self->profile == NULL || self->saving)
    return;

  self->saving = TRUE;
  gtk_widget_action_set_enabled (widget, "editor.save", FALSE);
  authflow_backends_save_async (self->backends, self->text, self->cancellable, save_cb, g_object_ref (self));
}

/* The backend check on the profile as it is now, saved or not. */
static void
check_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  AuthflowProfileEditor *self = AUTHFLOW_PROFILE_EDITOR (widget);
  AuthflowCheckWindow *window;

  check_profile (self);
  if (self->profile == NULL)
    return;

  window = authflow_check_window_new (self->profile, NULL);
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (self));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_present (GTK_WINDOW (window));
}

static void
authflow_profile_editor_dispose (GObject *object)
{
  AuthflowProfileEditor *self = (AuthflowProfileEditor *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->check_id, g_source_remove);
  g_clear_handle_id (&self->sample_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_PROFILE_EDITOR);

  G_OBJECT_CLASS (authflow_profile_editor_parent_class)->dispose (object);
}

static void
authflow_profile_editor_finalize (GObject *object)
{
  AuthflowProfileEditor *self = (AuthflowProfileEditor *)object;

  g_clear_object (&self->backends);
  g_clear_object (&self->profile);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->sample, json_node_unref);
  g_clear_pointer (&self->sample_problem, g_free);
  g_clear_pointer (&self->text, g_free);

  G_OBJECT_CLASS (authflow_profile_editor_parent_class)->finalize (object);
}

static void
authflow_profile_editor_class_init (AuthflowProfileEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_profile_editor_dispose;
  object_class->finalize = authflow_profile_editor_finalize;

  /**
   * AuthflowProfileEditor::saved:
   * @profile: the profile as saved, now among the backends
   */
  signals [SIGNAL_SAVED] =
    g_signal_new ("saved",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, AUTHFLOW_TYPE_PROFILE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-profile-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowProfileEditor, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, AuthflowProfileEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, AuthflowProfileEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowProfileEditor, profile_view);
  gtk_widget_class_bind_template_child (widget_class, AuthflowProfileEditor, sample_view);
  gtk_widget_class_bind_template_child (widget_class, AuthflowProfileEditor, status_icon);
  gtk_widget_class_bind_template_child (widget_class, AuthflowProfileEditor, status_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowProfileEditor, paths_group);
  gtk_widget_class_bind_template_child (widget_class, AuthflowProfileEditor, mapping_row);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.check", NULL, check_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "editor.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
authflow_profile_editor_init (AuthflowProfileEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();

  for (guint i = 0; i < N_PATHS; i++)
    {
      AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
      GtkWidget *entry = gtk_entry_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(path_fields[i].title));
      /* What the sample holds is shown as it is, never read as markup. */
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_widget_set_valign (entry, GTK_ALIGN_CENTER);
      gtk_editable_set_width_chars (GTK_EDITABLE (entry), 14);
      gtk_widget_add_css_class (entry, "monospace");
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _(path_fields[i].entry_name),
                                      -1);
      g_object_set_data (G_OBJECT (entry), "field", GUINT_TO_POINTER (i));
      g_signal_connect (entry, "changed", G_CALLBACK (path_changed_cb), self);
      adw_action_row_add_suffix (row, entry);
      adw_preferences_group_add (self->paths_group, GTK_WIDGET (row));

      self->path_rows[i] = row;
      self->path_entries[i] = GTK_ENTRY (entry);
    }
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self->mapping_row), FALSE);
  /* The verdict goes last, under the paths it follows from. */
  g_object_ref (self->mapping_row);
  adw_preferences_group_remove (self->paths_group, GTK_WIDGET (self->mapping_row));
  adw_preferences_group_add (self->paths_group, GTK_WIDGET (self->mapping_row));
  g_object_unref (self->mapping_row);

  g_signal_connect_swapped (gtk_text_view_get_buffer (self->profile_view), "changed",
                            G_CALLBACK (profile_changed_cb), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->sample_view), "changed",
                            G_CALLBACK (sample_changed_cb), self);
  authflow_page_fix_accessible_names (GTK_WIDGET (self));
}

/* A built-in profile is edited as a copy of it, under an id of its own. */
static char *
dup_as_copy (const char *text)
{
  g_autoptr(JsonNode) root = authflow_json_parse (text, -1, NULL);
  g_autoptr(JsonGenerator) generator = NULL;
  g_autofree char *id = NULL;
  g_autofree char *name = NULL;
  JsonObject *object;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup (text);

  object = json_node_get_object (root);
  id = g_strdup_printf ("%s-copy", json_object_get_string_member_with_default (object, "id", "backend"));
  /* Translators: the name of a copy of a built-in backend's profile. */
  name = g_strdup_printf (_("%s (Copy)"), json_object_get_string_member_with_default (object, "name", id));
  json_object_set_string_member (object, "id", id);
  json_object_set_string_member (object, "name", name);

  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/**
 * authflow_profile_editor_new:
 * @id: (nullable): the backend to edit, or %NULL for a new one
 *
 * Returns: (transfer full): an editor for the profile @id of @backends (a
 *   copy of it, if it is built in), or for a new profile
 */
AuthflowProfileEditor *
authflow_profile_editor_new (AuthflowBackends *backends,
                             const char       *id)
{
  AuthflowProfileEditor *self;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (AUTHFLOW_IS_BACKENDS (backends), NULL);

  self = g_object_new (AUTHFLOW_TYPE_PROFILE_EDITOR, NULL);
  self->backends = g_object_ref (backends);

  if (id == NULL)
    {
      gtk_window_set_title (GTK_WINDOW (self), _("New Profile"));
      text = g_strdup (new_profile);
    }
  else if (!(text = authflow_backends_dup_source (backends, id, &error)))
    {
      gtk_window_set_title (GTK_WINDOW (self), _("New Profile"));
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      text = g_strdup (new_profile);
    }
  else if (authflow_backends_is_builtin (backends, id))
    {
      g_autofree char *original = g_steal_pointer (&text);

      gtk_window_set_title (GTK_WINDOW (self), _("Copy of a Built-in Profile"));
      text = dup_as_copy (original);
    }
  else
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Edit Profile"));
    }

  authflow_profile_editor_set_text (self, text);

  return self;
}

/**
 * authflow_profile_editor_set_text:
 *
 * Puts @text in the editor, and checks it at once.
 */
void
authflow_profile_editor_set_text (AuthflowProfileEditor *self,
                                  const char            *text)
{
  g_return_if_fail (AUTHFLOW_IS_PROFILE_EDITOR (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->profile_view), text, -1);
  check_profile (self);
}

/**
 * authflow_profile_editor_set_sample:
 *
 * Puts @text in the sample answer, and reads it at once.
 */
void
authflow_profile_editor_set_sample (AuthflowProfileEditor *self,
                                    const char            *text)
{
  g_return_if_fail (AUTHFLOW_IS_PROFILE_EDITOR (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->sample_view), text, -1);
  read_sample (self);
}

/**
 * authflow_profile_editor_get_text:
 *
 * Returns: (transfer none): the profile's text, as last checked
 */
const char *
authflow_profile_editor_get_text (AuthflowProfileEditor *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE_EDITOR (self), NULL);

  return self->text;
}

/**
 * authflow_profile_editor_get_profile:
 *
 * Returns: (transfer none) (nullable): the profile as last checked, or
 *   %NULL if it does not load
 */
AuthflowProfile *
authflow_profile_editor_get_profile (AuthflowProfileEditor *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE_EDITOR (self), NULL);

  return self->profile;
}
