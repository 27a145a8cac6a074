// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-login-page"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "authflow-client.h"
#include "authflow-login-page.h"
#include "authflow-page-util.h"

struct _AuthflowLoginPage
{
  AdwBin        parent_instance;

  AuthflowFlow *flow;
  GCancellable *cancellable;

  /* Someone was signed in during this run: Log In greets them back. */
  gboolean      seen_session;

  GtkImage     *app_icon;
  GtkLabel     *greeting_label;
  GtkLabel     *subtitle_label;
  GtkLabel     *demo_label;
  GtkListBox   *form;
  AdwEntryRow  *username_row;
  AdwEntryRow  *password_row;
  GtkLabel     *error_label;
  GtkButton    *log_in_button;
  GtkButton    *cancel_button;
  GtkSpinner   *spinner;
  GtkButton    *sign_up_button;
};

G_DEFINE_FINAL_TYPE (AuthflowLoginPage, authflow_login_page, ADW_TYPE_BIN)

static void
update_actions (AuthflowLoginPage *self)
{
  gboolean busy = self->cancellable != NULL;
  const char *username = gtk_editable_get_text (GTK_EDITABLE (self->username_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "login.submit",
                                 !busy && username[0] != '\0' && password[0] != '\0');
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "login.cancel", busy);
}

static void
set_busy (AuthflowLoginPage *self,
          gboolean           busy)
{
  authflow_page_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), busy);

  /* While the call runs, the one thing to press is Cancel. Moving focus
   * there before the form goes insensitive also keeps a focused field from
   * being left without its focus-out.
   */
  if (busy)
    gtk_widget_grab_focus (GTK_WIDGET (self->cancel_button));
  gtk_widget_set_sensitive (GTK_WIDGET (self->form), !busy);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->log_in_button),
                               GTK_ACCESSIBLE_STATE_BUSY, busy,
                               -1);
  update_actions (self);
}

static void
show_error (AuthflowLoginPage *self,
            const char        *message)
{
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
log_in_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(AuthflowLoginPage) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Signed in: the page let go of the call when the session began, while
   * the call went on to store it in the keyring (see state_changed_cb()).
   */
  if (authflow_flow_log_in_finish (AUTHFLOW_FLOW (object), result, &error))
    return;

  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->log_in_button));
      return;
    }

  show_error (self, error->message);

  /* A rejected login is most often a mistyped password: put the person
   * back there with it selected, so typing replaces it. A network failure
   * leaves the password as it was, to try again unchanged.
   */
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
  if (!g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK))
    gtk_editable_select_region (GTK_EDITABLE (self->password_row), 0, -1);
}

static void
submit_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  AuthflowLoginPage *self = AUTHFLOW_LOGIN_PAGE (widget);
  g_autofree char *username = NULL;

  if (self->cancellable != NULL || self->flow == NULL)
    return;

  username = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row))));

  show_error (self, NULL);
  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);

  authflow_flow_log_in_async (self->flow,
                              username,
                              gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                              self->cancellable,
                              log_in_cb,
                              g_object_ref (self));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  AuthflowLoginPage *self = AUTHFLOW_LOGIN_PAGE (widget);

  g_cancellable_cancel (self->cancellable);
}

static void
username_activated_cb (AuthflowLoginPage *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
password_activated_cb (AuthflowLoginPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "login.submit", NULL);
}

static void
form_changed_cb (AuthflowLoginPage *self)
{
  update_actions (self);
}

/* The demo servers (the reference server and dummyjson.com) know the same
 * demo user; a person who has not logged in yet is told how to.
 */
static void
update_greeting (AuthflowLoginPage *self)
{
  AuthflowProfile *profile = authflow_client_get_profile (authflow_flow_get_client (self->flow));
  const char *id = authflow_profile_get_id (profile);
  gboolean demo = g_str_equal (id, "reference") || g_str_equal (id, "dummyjson");

  gtk_label_set_text (self->greeting_label, self->seen_session ? _("Welcome Back") : _("Welcome"));
  gtk_widget_set_visible (GTK_WIDGET (self->demo_label), demo && !self->seen_session);
}

static void
backend_changed_cb (AuthflowLoginPage *self)
{
  AuthflowClient *client = authflow_flow_get_client (self->flow);
  AuthflowProfile *profile = authflow_client_get_profile (client);
  gboolean by_email = authflow_profile_get_login_identifier (profile) == AUTHFLOW_PROFILE_IDENTIFIER_EMAIL;
  g_autofree char *where = NULL;
  g_autofree char *subtitle = NULL;

  /* Translators: "%s" is the backend's address, e.g. "127.0.0.1:8787". */
  where = authflow_page_format_backend ("%s", client);
  /* Translators: the first %s is a backend's name, the second its address. */
  subtitle = g_strdup_printf (_("Log in to %s (%s)"), authflow_profile_get_name (profile), where);
  gtk_label_set_text (self->subtitle_label, subtitle);

  /* Some backends know people by their email address. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->username_row),
                                 by_email ? _("Email") : _("Username"));
  adw_entry_row_set_input_purpose (self->username_row,
                                   by_email ? GTK_INPUT_PURPOSE_EMAIL : GTK_INPUT_PURPOSE_FREE_FORM);
  authflow_page_label_entry_row (self->username_row);
  update_greeting (self);
}

/* The session ended without the person asking (the server refused to renew
 * it): say so here, and give them back their username.
 */
static void
sign_out_reason_cb (AuthflowLoginPage *self)
{
  const char *reason = authflow_flow_get_sign_out_reason (self->flow);
  const char *username = authflow_flow_get_last_username (self->flow);

  if (reason == NULL)
    return;

  show_error (self, reason);

  if (username != NULL &&
      gtk_editable_get_text (GTK_EDITABLE (self->username_row))[0] == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->username_row), username);

  authflow_page_clear_password (self->password_row);
}

static void
state_changed_cb (AuthflowLoginPage *self)
{
  AuthflowSession *session = authflow_flow_get_session (self->flow);

  /* Home shows as soon as the session begins; the login call may still be
   * storing it in the keyring. The form is done with it, and is left clean
   * for whoever logs in next, however soon.
   */
  if (authflow_session_get_state (session) == AUTHFLOW_SESSION_STATE_SIGNED_IN)
    {
      self->seen_session = TRUE;
      g_clear_object (&self->cancellable);
      set_busy (self, FALSE);
      authflow_page_clear_password (self->password_row);
      show_error (self, NULL);
    }
  update_greeting (self);
}

/**
 * authflow_login_page_reset:
 * @after_sign_out: whether the page shows because a session ended (or the
 *   start found none), rather than because the person came back from
 *   Sign Up
 *
 * Empties the form for whoever logs in next: no old password, no old
 * error. The username stays only for a session that just ended without the
 * person asking, with the reason beside it.
 */
void
authflow_login_page_reset (AuthflowLoginPage *self,
                           gboolean           after_sign_out)
{
  const char *reason = NULL;
  const char *username = NULL;

  g_return_if_fail (AUTHFLOW_IS_LOGIN_PAGE (self));

  g_cancellable_cancel (self->cancellable);

  if (after_sign_out && self->flow != NULL)
    reason = authflow_flow_get_sign_out_reason (self->flow);
  if (reason != NULL)
    username = authflow_flow_get_last_username (self->flow);
  if (username != NULL && strnlen (username, AUTHFLOW_PAGE_MAX_SHOWN_BYTES + 1) > AUTHFLOW_PAGE_MAX_SHOWN_BYTES)
    username = NULL;

  gtk_editable_set_text (GTK_EDITABLE (self->username_row), username ? username : "");
  authflow_page_clear_password (self->password_row);
  show_error (self, reason);
}

static gboolean
authflow_login_page_grab_focus (GtkWidget *widget)
{
  AuthflowLoginPage *self = AUTHFLOW_LOGIN_PAGE (widget);
  const char *username = gtk_editable_get_text (GTK_EDITABLE (self->username_row));

  if (username[0] == '\0')
    return gtk_widget_grab_focus (GTK_WIDGET (self->username_row));

  return gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
authflow_login_page_dispose (GObject *object)
{
  AuthflowLoginPage *self = (AuthflowLoginPage *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_LOGIN_PAGE);

  g_clear_object (&self->flow);

  G_OBJECT_CLASS (authflow_login_page_parent_class)->dispose (object);
}

static void
authflow_login_page_class_init (AuthflowLoginPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_login_page_dispose;
  widget_class->grab_focus = authflow_login_page_grab_focus;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-login-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowLoginPage, app_icon);
  gtk_widget_class_bind_template_child (widget_class, AuthflowLoginPage, greeting_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowLoginPage, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowLoginPage, demo_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowLoginPage, form);
  gtk_widget_class_bind_template_child (widget_class, AuthflowLoginPage, username_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowLoginPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowLoginPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowLoginPage, log_in_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowLoginPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowLoginPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, AuthflowLoginPage, sign_up_button);
  gtk_widget_class_bind_template_callback (widget_class, username_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, password_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, form_changed_cb);

  gtk_widget_class_install_action (widget_class, "login.submit", NULL, submit_action);
  gtk_widget_class_install_action (widget_class, "login.cancel", NULL, cancel_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "login.cancel", NULL);
}

static void
authflow_login_page_init (AuthflowLoginPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The PNG of the app's icon, at the size it shows (see the resources). */
  gtk_image_set_from_icon_name (self->app_icon, APP_ID_BASE "-raster");
  authflow_page_fix_accessible_names (GTK_WIDGET (self));
  update_actions (self);
}

void
authflow_login_page_set_flow (AuthflowLoginPage *self,
                              AuthflowFlow      *flow)
{
  g_return_if_fail (AUTHFLOW_IS_LOGIN_PAGE (self));
  g_return_if_fail (AUTHFLOW_IS_FLOW (flow));
  g_return_if_fail (self->flow == NULL);

  self->flow = g_object_ref (flow);
  g_signal_connect_object (authflow_flow_get_client (flow), "notify::base-url",
                           G_CALLBACK (backend_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (authflow_flow_get_client (flow), "notify::profile",
                           G_CALLBACK (backend_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (flow, "notify::sign-out-reason",
                           G_CALLBACK (sign_out_reason_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (authflow_flow_get_session (flow), "notify::state",
                           G_CALLBACK (state_changed_cb), self,
                           G_CONNECT_SWAPPED);
  state_changed_cb (self);
  backend_changed_cb (self);
  sign_out_reason_cb (self);
}
