// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-page-util.h"
#include "authflow-preferences-window.h"

struct _AuthflowPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  AuthflowApplication  *application;
  GSettings            *settings;

  AdwActionRow         *persist_row;
  GtkSwitch            *persist_switch;
  AdwPreferencesGroup  *backend_group;
  AdwEntryRow          *server_row;
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
    message = _("The server that Log In and Sign Up talk to. Leave it empty for the built-in default.");

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

  if (text[0] != '\0' && !is_web_url (text))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->server_row), "error");
      adw_preferences_group_set_description (self->backend_group,
                                             _("Enter a web address that starts with http:// or https://"));
      return;
    }

  g_settings_set_string (self->settings, "server-url", text);
  update_server_row (self);
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
  update_server_row (self);
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
  gtk_widget_class_bind_template_callback (widget_class, server_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_changed_cb);
}

static void
authflow_preferences_window_init (AuthflowPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

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
