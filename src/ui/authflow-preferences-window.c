// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-page-util.h"
#include "authflow-preferences-window.h"
#include "authflow-check-window.h"
#include "authflow-profile-editor.h"

struct _AuthflowPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  AuthflowApplication  *application;
  GSettings            *settings;

  AdwActionRow         *persist_row;
  GtkSwitch            *persist_switch;
  AdwPreferencesGroup  *backend_group;
  AdwComboRow          *backend_row;
  AdwEntryRow          *server_row;
  AdwActionRow         *token_row;
  GtkSpinButton        *token_spin;
  AdwPreferencesGroup  *problems_group;
  gboolean              updating;
};

G_DEFINE_FINAL_TYPE (AuthflowPreferencesWindow, authflow_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static gboolean
is_web_url (const char *text)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);

  return uri != NULL &&
         (g_strcmp0 (g_uri_get_scheme (uri), "http") == 0 ||
          g_strcmp0 (g_uri_get_scheme (uri), "https") == 0) &&
         g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0';
}

static void
update_server_row (AuthflowPreferencesWindow *self)
{
  AuthflowFlow *flow = authflow_application_get_flow (self->application);
  AuthflowClient *client = authflow_flow_get_client (flow);
  g_autofree char *override = NULL;
  const char *message;
  gboolean signed_in;

  g_object_get (self->application, "server", &override, NULL);
  signed_in = authflow_session_get_state (authflow_flow_get_session (flow)) == AUTHFLOW_SESSION_STATE_SIGNED_IN;

  /* A session belongs to the backend that issued it. */
  if (override != NULL)
    message = _("Chosen with --server for this run.");
  else if (signed_in)
    message = _("Log out to use another backend.");
  else
    message = _("Which backend Authflow talks to, and at what address. Leave the address empty for the backend's own.");

  gtk_widget_set_sensitive (GTK_WIDGET (self->server_row), override == NULL && !signed_in);
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), authflow_client_get_base_url (client));
  adw_preferences_group_set_description (self->backend_group, message);
  gtk_widget_remove_css_class (GTK_WIDGET (self->server_row), "error");
}

static void
server_changed_cb (AuthflowPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->server_row));

  if (text[0] == '\0' || is_web_url (text))
    gtk_widget_remove_css_class (GTK_WIDGET (self->server_row), "error");
}

static void
server_apply_cb (AuthflowPreferencesWindow *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  g_autoptr(GError) error = NULL;

  if (text[0] != '\0' && !is_web_url (text))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->server_row), "error");
      adw_preferences_group_set_description (self->backend_group,
                                             _("Enter a web address that starts with http:// or https://"));
      return;
    }

  /* Said here, not at the next login: plain http only to this machine. */
  if (text[0] != '\0' && !authflow_client_check_url (text, &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->server_row), "error");
      adw_preferences_group_set_description (self->backend_group, error->message);
      return;
    }

  g_settings_set_string (self->settings, "server-url", text);
  update_server_row (self);
}

/* The token lifetime of the backend the client talks to: its own, kept
 * in the settings, unless --token-minutes chose one for this run.
 */
static void
update_token_row (AuthflowPreferencesWindow *self)
{
  AuthflowProfile *profile = authflow_client_get_profile (authflow_flow_get_client (authflow_application_get_flow (self->application)));
  gboolean asks = authflow_profile_uses_variable (profile, "expires_in_mins");
  int override;
  guint minutes;

  g_object_get (self->application, "token-minutes", &override, NULL);
  minutes = override >= 0 ? (guint) override
                          : authflow_application_get_stored_token_minutes (self->application,
                                                                           authflow_profile_get_id (profile));

  self->updating = TRUE;
  gtk_spin_button_set_value (self->token_spin, minutes);
  self->updating = FALSE;

  gtk_widget_set_sensitive (GTK_WIDGET (self->token_row), override < 0 && asks);
  if (override >= 0)
    adw_action_row_set_subtitle (self->token_row, _("Chosen with --token-minutes for this run."));
  else if (!asks)
    adw_action_row_set_subtitle (self->token_row,
                                 _("This backend’s profile asks for no token lifetime: the backend decides."));
  else
    adw_action_row_set_subtitle (self->token_row,
                                 _("Minutes that each access token is asked to live, from the next login or "
                                   "renewal on. 0 leaves it to the backend."));
}

static void
token_minutes_changed_cb (AuthflowPreferencesWindow *self)
{
  AuthflowProfile *profile;

  if (self->updating || self->application == NULL)
    return;

  profile = authflow_client_get_profile (authflow_flow_get_client (authflow_application_get_flow (self->application)));
  authflow_application_set_stored_token_minutes (self->application, authflow_profile_get_id (profile),
                                                 gtk_spin_button_get_value_as_int (self->token_spin));
}

static void
open_combo_cb (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  gtk_widget_activate (GTK_WIDGET (user_data));
}

static char *
profile_name (AuthflowProfile *profile)
{
  return g_strdup (authflow_profile_get_name (profile));
}

/* Choosing a backend keeps the session of the one left: each has its own
 * keyring item, and coming back restores it.
 */
static void
backend_selected_cb (AuthflowPreferencesWindow *self)
{
  g_autoptr(AuthflowProfile) profile = NULL;

  if (self->updating || self->application == NULL)
    return;

  if (!(profile = g_list_model_get_item (adw_combo_row_get_model (self->backend_row),
                                         adw_combo_row_get_selected (self->backend_row))))
    return;

  /* A URL typed for one backend means nothing to another. */
  g_settings_set_string (self->settings, "server-url", "");
  g_settings_set_string (self->settings, "backend", authflow_profile_get_id (profile));
  update_server_row (self);
}

static void
update_backend_row (AuthflowPreferencesWindow *self)
{
  AuthflowFlow *flow = authflow_application_get_flow (self->application);
  AuthflowProfile *current = authflow_client_get_profile (authflow_flow_get_client (flow));
  GListModel *profiles = adw_combo_row_get_model (self->backend_row);
  g_autofree char *backend = NULL;

  g_object_get (self->application, "backend", &backend, NULL);

  self->updating = TRUE;
  for (guint i = 0; i < g_list_model_get_n_items (profiles); i++)
    {
      g_autoptr(AuthflowProfile) profile = g_list_model_get_item (profiles, i);

      if (profile == current)
        adw_combo_row_set_selected (self->backend_row, i);
    }
  self->updating = FALSE;

  gtk_widget_set_sensitive (GTK_WIDGET (self->backend_row), backend == NULL);
  /* The chosen backend, for a screen reader and for UI automation, which
   * do not see the row's value otherwise. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->backend_row),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, authflow_profile_get_name (current),
                                  -1);
  if (backend != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->backend_row), _("Chosen with --backend for this run."));
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->backend_row),
                                 authflow_profile_get_id (current));
}

static void
fill_problems (AuthflowPreferencesWindow *self)
{
  AuthflowBackends *backends = authflow_application_get_backends (self->application);
  const char * const *problems = authflow_backends_get_problems (backends);
  g_autofree char *dir = authflow_backends_dup_user_dir ();
  g_autofree char *description = NULL;

  if (problems[0] == NULL)
    return;

  /* Translators: %s is a folder, e.g. "/home/ada/.config/authflow/backends". */
  description = g_strdup_printf (_("Backend profiles are read from %s. These were left out:"), dir);
  adw_preferences_group_set_description (self->problems_group, description);

  for (guint i = 0; problems[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), problems[i]);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
      adw_preferences_group_add (self->problems_group, row);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->problems_group), TRUE);
}

static void
authflow_preferences_window_constructed (GObject *object)
{
  AuthflowPreferencesWindow *self = (AuthflowPreferencesWindow *)object;
  AuthflowFlow *flow;

  G_OBJECT_CLASS (authflow_preferences_window_parent_class)->constructed (object);

  self->settings = g_object_ref (authflow_application_get_settings (self->application));
  flow = authflow_application_get_flow (self->application);

  g_settings_bind (self->settings, "persist-sessions",
                   self->persist_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_object (authflow_flow_get_session (flow), "notify::state",
                           G_CALLBACK (update_server_row), self,
                           G_CONNECT_SWAPPED);

  /* Giving the row its model selects the first item: that is no choice
   * of the person's, and must not switch the backend.
   */
  self->updating = TRUE;
  adw_combo_row_set_expression (self->backend_row,
                                gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                                             G_CALLBACK (profile_name), NULL, NULL));
  adw_combo_row_set_model (self->backend_row,
                           authflow_backends_get_profiles (authflow_application_get_backends (self->application)));
  self->updating = FALSE;
  g_signal_connect_object (authflow_flow_get_client (flow), "notify::profile",
                           G_CALLBACK (update_backend_row), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (authflow_flow_get_client (flow), "notify::profile",
                           G_CALLBACK (update_token_row), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->application, "notify::token-minutes",
                           G_CALLBACK (update_token_row), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::token-lifetimes",
                           G_CALLBACK (update_token_row), self,
                           G_CONNECT_SWAPPED);
  update_backend_row (self);
  update_token_row (self);
  update_server_row (self);
  fill_problems (self);
}

static void
authflow_preferences_window_dispose (GObject *object)
{
  AuthflowPreferencesWindow *self = (AuthflowPreferencesWindow *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_PREFERENCES_WINDOW);

  g_clear_object (&self->settings);
  g_clear_object (&self->application);

  G_OBJECT_CLASS (authflow_preferences_window_parent_class)->dispose (object);
}

static void
authflow_preferences_window_set_property (GObject      *object,
                                          guint         prop_id,
                                          const GValue *value,
                                          GParamSpec   *pspec)
{
  AuthflowPreferencesWindow *self = AUTHFLOW_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case 1:
      self->application = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
profile_saved_cb (AuthflowPreferencesWindow *self,
                  AuthflowProfile           *profile)
{
  /* Translators: %s is the name of a backend's profile. */
  g_autofree char *text = g_strdup_printf (_("“%s” is saved, and can be chosen above"),
                                           authflow_profile_get_name (profile));

  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
}

static void
open_editor (AuthflowPreferencesWindow *self,
             const char                *id)
{
  AuthflowProfileEditor *editor;

  if (self->application == NULL)
    return;

  editor = authflow_profile_editor_new (authflow_application_get_backends (self->application), id);
  gtk_window_set_transient_for (GTK_WINDOW (editor), GTK_WINDOW (self));
  g_signal_connect_object (editor, "saved", G_CALLBACK (profile_saved_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
new_profile_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  open_editor (AUTHFLOW_PREFERENCES_WINDOW (widget), NULL);
}

/* The backend chosen in the row above. */
static void
edit_profile_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  AuthflowPreferencesWindow *self = AUTHFLOW_PREFERENCES_WINDOW (widget);
  g_autoptr(AuthflowProfile) profile = g_list_model_get_item (adw_combo_row_get_model (self->backend_row),
                                                              adw_combo_row_get_selected (self->backend_row));

  open_editor (self, profile != NULL ? authflow_profile_get_id (profile) : NULL);
}

/* The backend chosen above, where the app reaches it. */
static void
check_backend_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  AuthflowPreferencesWindow *self = AUTHFLOW_PREFERENCES_WINDOW (widget);
  g_autoptr(AuthflowProfile) profile = g_list_model_get_item (adw_combo_row_get_model (self->backend_row),
                                                              adw_combo_row_get_selected (self->backend_row));
  AuthflowClient *client;
  AuthflowCheckWindow *window;

  if (profile == NULL || self->application == NULL)
    return;

  client = authflow_flow_get_client (authflow_application_get_flow (self->application));
  window = authflow_check_window_new (profile,
                                      authflow_client_get_profile (client) == profile
                                      ? authflow_client_get_base_url (client) : NULL);
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (window));
}

static void
authflow_preferences_window_class_init (AuthflowPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = authflow_preferences_window_constructed;
  object_class->dispose = authflow_preferences_window_dispose;
  object_class->set_property = authflow_preferences_window_set_property;

  g_object_class_install_property (object_class, 1,
    g_param_spec_object ("authflow-application", NULL, NULL,
                         AUTHFLOW_TYPE_APPLICATION,
                         (G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS)));

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowPreferencesWindow, persist_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowPreferencesWindow, persist_switch);
  gtk_widget_class_bind_template_child (widget_class, AuthflowPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowPreferencesWindow, backend_group);
  gtk_widget_class_bind_template_child (widget_class, AuthflowPreferencesWindow, backend_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowPreferencesWindow, token_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowPreferencesWindow, token_spin);
  gtk_widget_class_bind_template_child (widget_class, AuthflowPreferencesWindow, problems_group);
  gtk_widget_class_bind_template_callback (widget_class, backend_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, token_minutes_changed_cb);

  gtk_widget_class_install_action (widget_class, "prefs.new-profile", NULL, new_profile_action);
  gtk_widget_class_install_action (widget_class, "prefs.edit-profile", NULL, edit_profile_action);
  gtk_widget_class_install_action (widget_class, "prefs.check-backend", NULL, check_backend_action);
}

static void
authflow_preferences_window_init (AuthflowPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* A row lends its switch or spin button its title as well, which GTK
   * 4.8 reads out after the control's own name: "Persist Auth Sessions
   * Persist Auth Sessions". One name is enough. */
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->persist_switch), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->token_spin), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  authflow_page_name_stock_controls (GTK_WIDGET (self));

  /* GTK 4.8 gives a combo row no action over AT-SPI; UI automation opens
   * it with this one ("combo.open"). */
  {
    g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
    g_autoptr(GSimpleAction) open = g_simple_action_new ("open", NULL);

    g_signal_connect_object (open, "activate", G_CALLBACK (open_combo_cb), self->backend_row, 0);
    g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (open));
    gtk_widget_insert_action_group (GTK_WIDGET (self->backend_row), "combo", G_ACTION_GROUP (group));
  }

  authflow_page_fix_accessible_names (GTK_WIDGET (self));
}

AuthflowPreferencesWindow *
authflow_preferences_window_new (AuthflowApplication *application)
{
  g_return_val_if_fail (AUTHFLOW_IS_APPLICATION (application), NULL);

  return g_object_new (AUTHFLOW_TYPE_PREFERENCES_WINDOW,
                       "authflow-application", application,
                       NULL);
}
