// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-edit-profile"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "authflow-client.h"
#include "authflow-edit-profile-dialog.h"
#include "authflow-page-util.h"
#include "authflow-window.h"

/* Edit Profile: the profile's update_user call (API Call) and, with its
 * answer, Update Authenticated User. A dialog over the window, so that the
 * form is where the person looks and its errors beside the fields.
 */
struct _AuthflowEditProfileDialog
{
  AdwWindow            parent_instance;

  AuthflowFlow        *flow;
  GCancellable        *cancellable;

  AdwPreferencesGroup *group;
  AdwEntryRow         *first_name_row;
  AdwEntryRow         *last_name_row;
  AdwEntryRow         *email_row;
  GtkLabel            *error_label;
  GtkButton           *save_button;
  GtkSpinner          *spinner;
};

G_DEFINE_FINAL_TYPE (AuthflowEditProfileDialog, authflow_edit_profile_dialog, ADW_TYPE_WINDOW)

static void
show_error (AuthflowEditProfileDialog *self,
            AdwEntryRow               *row,
            const char                *message)
{
  AdwEntryRow *rows[] = { self->first_name_row, self->last_name_row, self->email_row };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (rows[i]), "error");

  if (row != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");

  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static gboolean
is_too_long (AdwEntryRow *row)
{
  return g_object_get_data (G_OBJECT (row), "too-long") != NULL;
}

/* A value too long to show is not put in an entry either (laying it out
 * would hold the main loop); it is left as it is when the others are saved.
 */
static void
set_text (AdwEntryRow *row,
          const char  *value)
{
  gboolean too_long = value != NULL && strnlen (value, AUTHFLOW_PAGE_MAX_SHOWN_BYTES + 1) > AUTHFLOW_PAGE_MAX_SHOWN_BYTES;

  gtk_editable_set_text (GTK_EDITABLE (row), value != NULL && !too_long ? value : "");
  g_object_set_data (G_OBJECT (row), "too-long", GINT_TO_POINTER (too_long));
  gtk_widget_set_sensitive (GTK_WIDGET (row), !too_long);
  gtk_widget_set_tooltip_text (GTK_WIDGET (row),
                               too_long ? _("Too long to edit here; it stays as it is") : NULL);
}

/* What is sent for @row: %NULL leaves the field as it is. */
static const char *
get_text (AdwEntryRow *row)
{
  return is_too_long (row) ? NULL : gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
set_saving (AuthflowEditProfileDialog *self,
            gboolean                   saving)
{
  AdwEntryRow *rows[] = { self->first_name_row, self->last_name_row, self->email_row };

  authflow_page_set_spinning (self->spinner, saving);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "edit.save", !saving);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->save_button),
                               GTK_ACCESSIBLE_STATE_BUSY, saving,
                               -1);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_widget_set_sensitive (GTK_WIDGET (rows[i]), !saving && !is_too_long (rows[i]));
}

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(AuthflowEditProfileDialog) self = user_data;
  g_autoptr(AuthflowUser) user = NULL;
  g_autoptr(GError) error = NULL;
  AdwEntryRow *row = NULL;
  GtkWindow *parent;

  user = authflow_flow_edit_profile_finish (AUTHFLOW_FLOW (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->cancellable);
  set_saving (self, FALSE);

  if (user != NULL)
    {
      parent = gtk_window_get_transient_for (GTK_WINDOW (self));
      if (AUTHFLOW_IS_WINDOW (parent))
        authflow_window_add_toast (AUTHFLOW_WINDOW (parent), adw_toast_new (_("Profile saved")));
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  if (g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_INVALID_FIRST_NAME))
    row = self->first_name_row;
  else if (g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_INVALID_LAST_NAME))
    row = self->last_name_row;
  else if (g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_INVALID_EMAIL))
    row = self->email_row;

  show_error (self, row, error->message);
  gtk_widget_grab_focus (GTK_WIDGET (row != NULL ? row : self->first_name_row));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AuthflowEditProfileDialog *self = AUTHFLOW_EDIT_PROFILE_DIALOG (widget);

  if (self->cancellable != NULL)
    return;

  show_error (self, NULL, NULL);
  self->cancellable = g_cancellable_new ();
  set_saving (self, TRUE);
  authflow_flow_edit_profile_async (self->flow,
                                    get_text (self->first_name_row),
                                    get_text (self->last_name_row),
                                    get_text (self->email_row),
                                    self->cancellable,
                                    save_cb,
                                    g_object_ref (self));
}

static void
entry_activated_cb (AuthflowEditProfileDialog *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "edit.save", NULL);
}

/* Closing, with Cancel or Escape, gives up on a save under way. */
static gboolean
authflow_edit_profile_dialog_close_request (GtkWindow *window)
{
  AuthflowEditProfileDialog *self = AUTHFLOW_EDIT_PROFILE_DIALOG (window);

  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (authflow_edit_profile_dialog_parent_class)->close_request (window);
}

static void
authflow_edit_profile_dialog_dispose (GObject *object)
{
  AuthflowEditProfileDialog *self = (AuthflowEditProfileDialog *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_EDIT_PROFILE_DIALOG);

  g_clear_object (&self->flow);

  G_OBJECT_CLASS (authflow_edit_profile_dialog_parent_class)->dispose (object);
}

static void
authflow_edit_profile_dialog_class_init (AuthflowEditProfileDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = authflow_edit_profile_dialog_dispose;
  window_class->close_request = authflow_edit_profile_dialog_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-edit-profile-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowEditProfileDialog, group);
  gtk_widget_class_bind_template_child (widget_class, AuthflowEditProfileDialog, first_name_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowEditProfileDialog, last_name_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowEditProfileDialog, email_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowEditProfileDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowEditProfileDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowEditProfileDialog, spinner);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);

  gtk_widget_class_install_action (widget_class, "edit.save", NULL, save_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
authflow_edit_profile_dialog_init (AuthflowEditProfileDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  authflow_page_fix_accessible_names (GTK_WIDGET (self));
}

/**
 * authflow_edit_profile_dialog_new:
 * @parent: the window it belongs to; a successful save is told there
 * @flow: whose signed-in user is edited
 *
 * Returns: (transfer none): a dialog filled with the user's name and email,
 *   shown, with the first name focused
 */
AuthflowEditProfileDialog *
authflow_edit_profile_dialog_new (GtkWindow    *parent,
                                  AuthflowFlow *flow)
{
  AuthflowEditProfileDialog *self;
  AuthflowUser *user;
  AuthflowProfile *profile;
  g_autofree char *call = NULL;
  g_autofree char *description = NULL;

  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (AUTHFLOW_IS_FLOW (flow), NULL);

  self = g_object_new (AUTHFLOW_TYPE_EDIT_PROFILE_DIALOG,
                       "transient-for", parent,
                       "application", gtk_window_get_application (parent),
                       NULL);
  self->flow = g_object_ref (flow);

  profile = authflow_client_get_profile (authflow_flow_get_client (flow));
  call = authflow_profile_dup_call_summary (profile, AUTHFLOW_PROFILE_CALL_UPDATE_USER);
  /* Translators: %s is the backend's call, such as "PATCH /auth/me". */
  description = g_strdup_printf (_("Sent with %s; the answer updates the signed-in user and the keyring."), call);
  adw_preferences_group_set_description (self->group, description);

  user = authflow_session_get_user (authflow_flow_get_session (flow));
  set_text (self->first_name_row, user ? authflow_user_get_first_name (user) : NULL);
  set_text (self->last_name_row, user ? authflow_user_get_last_name (user) : NULL);
  set_text (self->email_row, user ? authflow_user_get_email (user) : NULL);

  gtk_window_present (GTK_WINDOW (self));
  gtk_widget_grab_focus (GTK_WIDGET (is_too_long (self->first_name_row) ? self->email_row : self->first_name_row));

  return self;
}
