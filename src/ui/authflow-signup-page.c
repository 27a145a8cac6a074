// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-signup-page"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-client.h"
#include "authflow-page-util.h"
#include "authflow-signup-page.h"

struct _AuthflowSignupPage
{
  AdwBin        parent_instance;

  AuthflowFlow *flow;
  GCancellable *cancellable;
  AdwEntryRow  *error_row;
  gboolean      tried;

  AdwStatusPage  *unsupported_page;
  GtkLabel     *subtitle_label;
  GtkWidget    *form;
  AdwEntryRow  *username_row;
  AdwEntryRow  *email_row;
  AdwEntryRow  *password_row;
  AdwEntryRow  *first_name_row;
  AdwEntryRow  *last_name_row;
  GtkLabel     *error_label;
  GtkButton    *create_button;
  GtkButton    *cancel_button;
  GtkSpinner   *spinner;
  GtkButton    *log_in_button;
};

G_DEFINE_FINAL_TYPE (AuthflowSignupPage, authflow_signup_page, ADW_TYPE_BIN)

/* The form, or why there is none. Not a bound template child: the bin's
 * own child is released by AdwBin, and binding it would release it twice.
 */
static GtkStack *
get_mode_stack (AuthflowSignupPage *self)
{
  return GTK_STACK (adw_bin_get_child (ADW_BIN (self)));
}

#define MIN_PASSWORD_LENGTH 8
#define MAX_NAME_LENGTH 64

static const char *
get_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

/* A field that the backend's sign-up does not take is not shown, so not
 * asked for: a backend that logs in by email often has no usernames.
 */
static gboolean
is_asked (AdwEntryRow *row)
{
  return gtk_widget_get_visible (GTK_WIDGET (row));
}

static gboolean
username_is_valid (const char *username)
{
  gsize len = strlen (username);

  if (len < 3 || len > 32)
    return FALSE;

  for (const char *p = username; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;

  return TRUE;
}

static gboolean
email_is_valid (const char *email)
{
  const char *at = strchr (email, '@');

  return at != NULL && at != email &&
         strchr (at + 1, '@') == NULL &&
         strchr (at + 1, '.') != NULL &&
         !g_str_has_suffix (email, ".") &&
         at[1] != '.' &&
         strchr (email, ' ') == NULL;
}

/* The same rules as the reference server's, checked before sending so that
 * the person learns of a mistake at once. The server checks again, and its
 * word wins: another backend may be stricter.
 */
static AdwEntryRow *
validate (AuthflowSignupPage  *self,
          char               **message)
{
  const char *username = get_text (self->username_row);
  const char *email = get_text (self->email_row);
  const char *password = get_text (self->password_row);

  if (is_asked (self->username_row) && username[0] == '\0')
    {
      *message = g_strdup (_("Choose a username"));
      return self->username_row;
    }

  if (is_asked (self->username_row) && !username_is_valid (username))
    {
      *message = g_strdup (_("A username has 3 to 32 letters, digits, dots, dashes or underscores"));
      return self->username_row;
    }

  if (is_asked (self->email_row) && email[0] == '\0')
    {
      *message = g_strdup (_("Enter your email address"));
      return self->email_row;
    }

  if (is_asked (self->email_row) && !email_is_valid (email))
    {
      *message = g_strdup (_("This does not look like an email address"));
      return self->email_row;
    }

  if (g_utf8_strlen (password, -1) < MIN_PASSWORD_LENGTH)
    {
      *message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "The password needs at least %d character",
                                               "The password needs at least %d characters",
                                               MIN_PASSWORD_LENGTH),
                                  MIN_PASSWORD_LENGTH);
      return self->password_row;
    }

  if (g_utf8_strlen (get_text (self->first_name_row), -1) > MAX_NAME_LENGTH)
    {
      *message = g_strdup (_("The first name is too long"));
      return self->first_name_row;
    }

  if (g_utf8_strlen (get_text (self->last_name_row), -1) > MAX_NAME_LENGTH)
    {
      *message = g_strdup (_("The last name is too long"));
      return self->last_name_row;
    }

  *message = NULL;
  return NULL;
}

static void
show_error (AuthflowSignupPage *self,
            AdwEntryRow        *row,
            const char         *message)
{
  /* The message leaves the field it was about, for a screen reader too. */
  if (self->error_row != NULL)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->error_row), "error");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self->error_row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }

  self->error_row = row;

  if (row != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");

  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);

  if (row != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message,
                                    -1);
}

static void
update_actions (AuthflowSignupPage *self)
{
  gboolean busy = self->cancellable != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "signup.submit", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "signup.cancel", busy);
}

static void
set_busy (AuthflowSignupPage *self,
          gboolean            busy)
{
  authflow_page_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), busy);

  /* While the call runs, the one thing to press is Cancel. Moving focus
   * there before the form goes insensitive also keeps a focused field from
   * being left without its focus-out.
   */
  if (busy)
    gtk_widget_grab_focus (GTK_WIDGET (self->cancel_button));
  gtk_widget_set_sensitive (self->form, !busy);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->create_button),
                               GTK_ACCESSIBLE_STATE_BUSY, busy,
                               -1);
  update_actions (self);
}

static AdwEntryRow *
row_for_error (AuthflowSignupPage *self,
               const GError       *error)
{
  if (error->domain != AUTHFLOW_CLIENT_ERROR)
    return NULL;

  switch ((AuthflowClientError) error->code)
    {
    case AUTHFLOW_CLIENT_ERROR_INVALID_USERNAME:
      return self->username_row;

    case AUTHFLOW_CLIENT_ERROR_INVALID_EMAIL:
      return self->email_row;

    case AUTHFLOW_CLIENT_ERROR_INVALID_PASSWORD:
      return self->password_row;

    case AUTHFLOW_CLIENT_ERROR_INVALID_FIRST_NAME:
      return self->first_name_row;

    case AUTHFLOW_CLIENT_ERROR_INVALID_LAST_NAME:
      return self->last_name_row;

    case AUTHFLOW_CLIENT_ERROR_REJECTED:
    case AUTHFLOW_CLIENT_ERROR_UNAUTHORIZED:
    case AUTHFLOW_CLIENT_ERROR_TOO_MANY_ATTEMPTS:
    case AUTHFLOW_CLIENT_ERROR_SERVER:
    case AUTHFLOW_CLIENT_ERROR_NETWORK:
    case AUTHFLOW_CLIENT_ERROR_BAD_ANSWER:
    default:
      return NULL;
    }
}

static void
clear_form (AuthflowSignupPage *self)
{
  AdwEntryRow *rows[] = {
    self->username_row, self->email_row, self->password_row,
    self->first_name_row, self->last_name_row,
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_editable_set_text (GTK_EDITABLE (rows[i]), "");

  self->tried = FALSE;
  show_error (self, NULL, NULL);
}

static void
sign_up_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AuthflowSignupPage) self = user_data;
  g_autoptr(GError) error = NULL;
  AdwEntryRow *row;

  /* Signed up and in: the page let go of the call when the session began
   * (see state_changed_cb()).
   */
  if (authflow_flow_sign_up_finish (AUTHFLOW_FLOW (object), result, &error))
    return;

  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* An objection to a field that is not shown is said under the form. */
  row = row_for_error (self, error);
  if (row != NULL && !is_asked (row))
    row = NULL;
  show_error (self, row, error->message);

  if (row != NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (row));
      gtk_editable_select_region (GTK_EDITABLE (row), 0, -1);
    }
}

static void
submit_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  AuthflowSignupPage *self = AUTHFLOW_SIGNUP_PAGE (widget);
  g_autofree char *message = NULL;
  AdwEntryRow *row;

  if (self->cancellable != NULL || self->flow == NULL)
    return;

  self->tried = TRUE;

  if ((row = validate (self, &message)))
    {
      show_error (self, row, message);
      gtk_widget_grab_focus (GTK_WIDGET (row));
      return;
    }

  show_error (self, NULL, NULL);
  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);

  authflow_flow_sign_up_async (self->flow,
                               get_text (self->username_row),
                               get_text (self->email_row),
                               get_text (self->password_row),
                               get_text (self->first_name_row),
                               get_text (self->last_name_row),
                               self->cancellable,
                               sign_up_cb,
                               g_object_ref (self));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  g_cancellable_cancel (AUTHFLOW_SIGNUP_PAGE (widget)->cancellable);
}

/* Escape stops a running call; with nothing running it goes back to Log
 * In, as Alt+Left and the header bar's back button do.
 */
static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AuthflowSignupPage *self = AUTHFLOW_SIGNUP_PAGE (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_widget_activate_action (widget, "win.show-log-in", NULL);
}

static void
entry_activated_cb (AuthflowSignupPage *self,
                    AdwEntryRow        *row)
{
  AdwEntryRow *order[] = {
    self->username_row, self->email_row, self->password_row,
    self->first_name_row, self->last_name_row,
  };

  /* Enter moves on to the next field, and submits from the last; from a
   * field that is wrong it submits too, which points at what to fix.
   */
  for (guint i = 0; i + 1 < G_N_ELEMENTS (order); i++)
    {
      guint next = i + 1;

      if (order[i] != row)
        continue;

      while (next < G_N_ELEMENTS (order) && !is_asked (order[next]))
        next++;

      if (next < G_N_ELEMENTS (order) && get_text (order[next])[0] == '\0')
        {
          gtk_widget_grab_focus (GTK_WIDGET (order[next]));
          return;
        }
    }

  gtk_widget_activate_action (GTK_WIDGET (self), "signup.submit", NULL);
}

static void
field_changed_cb (AuthflowSignupPage *self)
{
  g_autofree char *message = NULL;
  AdwEntryRow *row;

  /* Once the person has tried to submit, the message follows their typing;
   * before that, half-typed fields are not called wrong.
   */
  if (!self->tried)
    return;

  row = validate (self, &message);
  show_error (self, row, message);
}

/* Whether the backend's sign-up takes @variable. */
static gboolean
profile_asks (AuthflowClient *client,
              const char     *variable)
{
  return authflow_profile_call_uses_variable (authflow_client_get_profile (client),
                                              AUTHFLOW_PROFILE_CALL_SIGNUP, variable);
}

static void
backend_changed_cb (AuthflowSignupPage *self)
{
  AuthflowClient *client = authflow_flow_get_client (self->flow);
  const char *name = authflow_profile_get_name (authflow_client_get_profile (client));
  gboolean supported = authflow_client_has_call (client, AUTHFLOW_PROFILE_CALL_SIGNUP);
  g_autofree char *where = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *explanation = NULL;

  where = authflow_page_format_backend ("%s", client);
  /* Translators: the first %s is a backend's name, the second its address. */
  subtitle = g_strdup_printf (_("On %s (%s)"), name, where);
  gtk_label_set_text (self->subtitle_label, subtitle);

  /* Translators: %s is a backend's name, e.g. "DummyJSON". */
  explanation = g_strdup_printf (_("%s does not let apps create accounts. Create one where it says, then log in here."),
                                 name);
  adw_status_page_set_description (self->unsupported_page, explanation);
  /* Only when it shows: the theme has this icon as an SVG alone, and
   * loading it would bring librsvg into every start.
   */
  adw_status_page_set_icon_name (self->unsupported_page,
                                 supported ? NULL : "dialog-information-symbolic");

  gtk_widget_set_visible (GTK_WIDGET (self->username_row), profile_asks (client, "username"));
  gtk_widget_set_visible (GTK_WIDGET (self->email_row), profile_asks (client, "email"));
  gtk_widget_set_visible (GTK_WIDGET (self->first_name_row), profile_asks (client, "first_name"));
  gtk_widget_set_visible (GTK_WIDGET (self->last_name_row), profile_asks (client, "last_name"));

  gtk_stack_set_visible_child_name (get_mode_stack (self), supported ? "form" : "unsupported");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "signup.submit",
                                 supported && self->cancellable == NULL);
}

static gboolean
authflow_signup_page_grab_focus (GtkWidget *widget)
{
  AuthflowSignupPage *self = AUTHFLOW_SIGNUP_PAGE (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (get_mode_stack (self)), "form") != 0)
    return gtk_widget_grab_focus (GTK_WIDGET (get_mode_stack (self)));

  return gtk_widget_grab_focus (GTK_WIDGET (is_asked (self->username_row) ? self->username_row
                                                                           : self->email_row));
}

static void
authflow_signup_page_dispose (GObject *object)
{
  AuthflowSignupPage *self = (AuthflowSignupPage *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_SIGNUP_PAGE);

  g_clear_object (&self->flow);

  G_OBJECT_CLASS (authflow_signup_page_parent_class)->dispose (object);
}

static void
authflow_signup_page_class_init (AuthflowSignupPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_signup_page_dispose;
  widget_class->grab_focus = authflow_signup_page_grab_focus;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-signup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, unsupported_page);
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, form);
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, username_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, first_name_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, last_name_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, create_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, AuthflowSignupPage, log_in_button);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, field_changed_cb);

  gtk_widget_class_install_action (widget_class, "signup.submit", NULL, submit_action);
  gtk_widget_class_install_action (widget_class, "signup.cancel", NULL, cancel_action);

  gtk_widget_class_install_action (widget_class, "signup.back", NULL, back_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "signup.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "signup.back", NULL);
}

static void
authflow_signup_page_init (AuthflowSignupPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  authflow_page_fix_accessible_names (GTK_WIDGET (self));
  update_actions (self);
}

/* As on Log In: once the session begins, the form is done with the call,
 * which may still be storing the session in the keyring.
 */
static void
state_changed_cb (AuthflowSignupPage *self)
{
  if (authflow_session_get_state (authflow_flow_get_session (self->flow)) != AUTHFLOW_SESSION_STATE_SIGNED_IN)
    return;

  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  clear_form (self);
}

void
authflow_signup_page_set_flow (AuthflowSignupPage *self,
                               AuthflowFlow       *flow)
{
  g_return_if_fail (AUTHFLOW_IS_SIGNUP_PAGE (self));
  g_return_if_fail (AUTHFLOW_IS_FLOW (flow));
  g_return_if_fail (self->flow == NULL);

  self->flow = g_object_ref (flow);
  g_signal_connect_object (authflow_flow_get_client (flow), "notify::base-url",
                           G_CALLBACK (backend_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (authflow_flow_get_client (flow), "notify::profile",
                           G_CALLBACK (backend_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (authflow_flow_get_session (flow), "notify::state",
                           G_CALLBACK (state_changed_cb), self,
                           G_CONNECT_SWAPPED);
  backend_changed_cb (self);
}

/**
 * authflow_signup_page_reset:
 *
 * Empties the form, its errors included, for whoever signs up next.
 */
void
authflow_signup_page_reset (AuthflowSignupPage *self)
{
  g_return_if_fail (AUTHFLOW_IS_SIGNUP_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  clear_form (self);
}
