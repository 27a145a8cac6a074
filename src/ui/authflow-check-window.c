// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-check-window"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-check-window.h"
#include "authflow-page-util.h"

/* Check Backend: the backend check of `authflow check`, as a window. The
 * items are there from the start, each a row that fills in as the check
 * reaches it with its evidence, and opens to what to do; the report is
 * copied as the command prints it, redacted. The check runs on the main
 * loop with its own client, so the app's session is not touched.
 */

struct _AuthflowCheckWindow
{
  AdwWindow             parent_instance;

  AuthflowCheck        *check;
  GCancellable         *cancellable;

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  AdwPreferencesGroup  *account_group;
  AdwEntryRow          *username_row;
  AdwEntryRow          *password_row;
  AdwActionRow         *sign_up_row;
  GtkSwitch            *sign_up_switch;
  GtkButton            *run_button;
  GtkSpinner           *spinner;
  GtkLabel             *run_label;
  GtkLabel             *summary_label;
  AdwPreferencesGroup  *items_group;
};

G_DEFINE_FINAL_TYPE (AuthflowCheckWindow, authflow_check_window, ADW_TYPE_WINDOW)

typedef struct
{
  AdwExpanderRow *row;
  GtkImage       *icon;
  GtkSpinner     *spinner;
  GtkLabel       *body;
} ItemRow;

static const char *
state_icon (AuthflowCheckState state)
{
  switch (state)
    {
    case AUTHFLOW_CHECK_STATE_PASS:
      return "emblem-ok-symbolic";
    case AUTHFLOW_CHECK_STATE_WARNING:
      return "dialog-warning-symbolic";
    case AUTHFLOW_CHECK_STATE_FAIL:
      return "dialog-error-symbolic";
    case AUTHFLOW_CHECK_STATE_SKIPPED:
      return "action-unavailable-symbolic";
    case AUTHFLOW_CHECK_STATE_PENDING:
    case AUTHFLOW_CHECK_STATE_RUNNING:
    default:
      return "radio-symbolic";
    }
}

static const char *
state_word (AuthflowCheckState state)
{
  switch (state)
    {
    case AUTHFLOW_CHECK_STATE_PENDING:
      return C_("check item", "Not checked yet");
    case AUTHFLOW_CHECK_STATE_RUNNING:
      return C_("check item", "Checking…");
    case AUTHFLOW_CHECK_STATE_PASS:
      return C_("check item", "Passed");
    case AUTHFLOW_CHECK_STATE_WARNING:
      return C_("check item", "Warning");
    case AUTHFLOW_CHECK_STATE_FAIL:
      return C_("check item", "Failed");
    case AUTHFLOW_CHECK_STATE_SKIPPED:
    default:
      return C_("check item", "Skipped");
    }
}

static void
update_item_row (AuthflowCheckItem *item,
                 GParamSpec        *pspec,
                 AdwExpanderRow    *expander)
{
  ItemRow *row = g_object_get_data (G_OBJECT (expander), "item-row");
  AuthflowCheckState state = authflow_check_item_get_state (item);
  const char *evidence = authflow_check_item_get_evidence (item);
  const char *advice = authflow_check_item_get_advice (item);
  const char *classes[] = { "success", "warning", "error", "dim-label" };
  g_autofree char *subtitle = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  const char *class = NULL;

  subtitle = evidence != NULL && evidence[0] != '\0'
             /* Translators: a check item's outcome, then its evidence. */
             ? g_strdup_printf (_("%s: %s"), state_word (state), evidence)
             : g_strdup (state_word (state));
  adw_expander_row_set_subtitle (row->row, subtitle);

  /* The evidence is in the subtitle; the row opens to what to do. */
  if (advice != NULL && advice[0] != '\0')
    g_string_append (body, advice);
  gtk_label_set_text (row->body, body->str);
  if (adw_expander_row_get_enable_expansion (row->row) != (body->len > 0))
    {
      /* Enabling opens the row too: it stays closed until it is asked. */
      adw_expander_row_set_enable_expansion (row->row, body->len > 0);
      adw_expander_row_set_expanded (row->row, FALSE);
    }

  gtk_widget_set_visible (GTK_WIDGET (row->spinner), state == AUTHFLOW_CHECK_STATE_RUNNING);
  gtk_spinner_set_spinning (row->spinner, state == AUTHFLOW_CHECK_STATE_RUNNING);
  gtk_widget_set_visible (GTK_WIDGET (row->icon), state != AUTHFLOW_CHECK_STATE_RUNNING);
  gtk_image_set_from_icon_name (row->icon, state_icon (state));

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (row->icon), classes[i]);
  switch (state)
    {
    case AUTHFLOW_CHECK_STATE_PASS:
      class = "success";
      break;
    case AUTHFLOW_CHECK_STATE_WARNING:
      class = "warning";
      break;
    case AUTHFLOW_CHECK_STATE_FAIL:
      class = "error";
      break;
    default:
      class = "dim-label";
      break;
    }
  gtk_widget_add_css_class (GTK_WIDGET (row->icon), class);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, state_word (state),
                                  -1);
}

static void
add_item_row (AuthflowCheckWindow *self,
              AuthflowCheckItem   *item)
{
  ItemRow *row = g_new0 (ItemRow, 1);

  row->row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->row), authflow_check_item_get_title (item));
  /* Evidence is the server's words, shown as they are. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row->row), FALSE);

  row->icon = GTK_IMAGE (gtk_image_new ());
  row->spinner = GTK_SPINNER (gtk_spinner_new ());
  adw_expander_row_add_prefix (row->row, GTK_WIDGET (row->icon));
  adw_expander_row_add_prefix (row->row, GTK_WIDGET (row->spinner));

  row->body = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (row->body, TRUE);
  gtk_label_set_wrap_mode (row->body, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (row->body, 0);
  gtk_label_set_selectable (row->body, TRUE);
  gtk_widget_set_margin_top (GTK_WIDGET (row->body), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (row->body), 12);
  gtk_widget_set_margin_start (GTK_WIDGET (row->body), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (row->body), 12);
  adw_expander_row_add_row (row->row, GTK_WIDGET (row->body));

  g_object_set_data_full (G_OBJECT (row->row), "item-row", row, g_free);
  g_signal_connect_object (item, "notify::state", G_CALLBACK (update_item_row), row->row, 0);
  g_signal_connect_object (item, "notify::evidence", G_CALLBACK (update_item_row), row->row, 0);
  g_signal_connect_object (item, "notify::advice", G_CALLBACK (update_item_row), row->row, 0);
  update_item_row (item, NULL, row->row);

  adw_preferences_group_add (self->items_group, GTK_WIDGET (row->row));
}

static void
update_running (AuthflowCheckWindow *self)
{
  gboolean running = authflow_check_get_running (self->check);

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), running);
  gtk_spinner_set_spinning (self->spinner, running);
  gtk_label_set_text_with_mnemonic (self->run_label, running ? _("_Cancel") : _("_Run Check"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->account_group), !running);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->run_button),
                               GTK_ACCESSIBLE_STATE_BUSY, running,
                               -1);
}

static void
update_summary (AuthflowCheckWindow *self)
{
  AuthflowCheckState outcome = authflow_check_get_outcome (self->check);
  g_autofree char *summary = NULL;

  if (outcome == AUTHFLOW_CHECK_STATE_PENDING)
    {
      gtk_label_set_text (self->summary_label, _("Not run yet"));
      return;
    }

  if (outcome == AUTHFLOW_CHECK_STATE_RUNNING)
    {
      gtk_label_set_text (self->summary_label, _("Checking…"));
      return;
    }

  summary = authflow_check_dup_summary (self->check);
  gtk_label_set_text (self->summary_label, summary);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(AuthflowCheckWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!authflow_check_run_finish (AUTHFLOW_CHECK (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
  else if (error != NULL && self->cancellable != NULL)
    gtk_label_set_text (self->summary_label, _("Cancelled"));

  g_clear_object (&self->cancellable);
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  AuthflowCheckWindow *self = AUTHFLOW_CHECK_WINDOW (widget);
  const char *username = gtk_editable_get_text (GTK_EDITABLE (self->username_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  /* The same button cancels a check that runs. */
  if (authflow_check_get_running (self->check))
    {
      g_cancellable_cancel (self->cancellable);
      return;
    }

  if (username[0] == '\0' || password[0] == '\0')
    {
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_("Enter the username and password of an account to check with")));
      gtk_widget_grab_focus (GTK_WIDGET (username[0] == '\0' ? self->username_row : self->password_row));
      return;
    }

  authflow_check_set_credentials (self->check, username, password);
  authflow_check_set_sign_up (self->check, gtk_switch_get_active (self->sign_up_switch));
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  authflow_check_run_async (self->check, self->cancellable, run_cb, g_object_ref (self));
}

/**
 * authflow_check_window_dup_report:
 *
 * Returns: (transfer full): the report as `authflow check` prints it:
 *   the heading, a line per item, the summary; redacted
 */
char *
authflow_check_window_dup_report (AuthflowCheckWindow *self)
{
  g_autofree char *heading = NULL;
  g_autofree char *summary = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *items = NULL;

  g_return_val_if_fail (AUTHFLOW_IS_CHECK_WINDOW (self), NULL);

  heading = authflow_check_dup_heading (self->check);
  lines = authflow_check_dup_report_lines (self->check, FALSE);
  items = g_strjoinv ("\n", lines);
  summary = authflow_check_dup_summary (self->check);

  return g_strdup_printf ("%s\n%s\n%s\n", heading, items, summary);
}

static void
copy_report_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  AuthflowCheckWindow *self = AUTHFLOW_CHECK_WINDOW (widget);
  g_autofree char *report = authflow_check_window_dup_report (self);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), report);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Report copied")));
}

static void
authflow_check_window_dispose (GObject *object)
{
  AuthflowCheckWindow *self = (AuthflowCheckWindow *)object;

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_CHECK_WINDOW);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->check);

  G_OBJECT_CLASS (authflow_check_window_parent_class)->dispose (object);
}

static void
authflow_check_window_class_init (AuthflowCheckWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_check_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-check-window.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowCheckWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, AuthflowCheckWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, AuthflowCheckWindow, account_group);
  gtk_widget_class_bind_template_child (widget_class, AuthflowCheckWindow, username_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowCheckWindow, password_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowCheckWindow, sign_up_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowCheckWindow, sign_up_switch);
  gtk_widget_class_bind_template_child (widget_class, AuthflowCheckWindow, run_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowCheckWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, AuthflowCheckWindow, run_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowCheckWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowCheckWindow, items_group);

  gtk_widget_class_install_action (widget_class, "check.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "check.copy-report", NULL, copy_report_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
authflow_check_window_init (AuthflowCheckWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  authflow_page_label_entry_row (self->username_row);
  authflow_page_label_entry_row (self->password_row);
  /* One name for the switch: its row's title. */
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->sign_up_switch), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sign_up_switch),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Sign Up a Throw-away User"),
                                  -1);
  authflow_page_fix_accessible_names (GTK_WIDGET (self));
}

/**
 * authflow_check_window_new:
 * @base_url: (nullable): where the backend is, else the profile's own URL
 *
 * Returns: (transfer full): a Check Backend window for @profile, with
 *   the reference server's demo user filled in for the reference profile
 */
AuthflowCheckWindow *
authflow_check_window_new (AuthflowProfile *profile,
                           const char      *base_url)
{
  AuthflowCheckWindow *self;
  GListModel *items;
  g_autofree char *subtitle = NULL;

  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (profile), NULL);

  self = g_object_new (AUTHFLOW_TYPE_CHECK_WINDOW, NULL);
  self->check = authflow_check_new (profile, base_url);

  /* Translators: the backend a check is for: its name, then its URL. */
  subtitle = g_strdup_printf (_("%s at %s"), authflow_profile_get_name (profile),
                              authflow_check_get_base_url (self->check));
  adw_window_title_set_subtitle (self->window_title, subtitle);

  if (authflow_profile_get_login_identifier (profile) == AUTHFLOW_PROFILE_IDENTIFIER_EMAIL)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->username_row), _("Email"));
  if (g_strcmp0 (authflow_profile_get_id (profile), "reference") == 0)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->username_row), "emilys");
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), "emilyspass");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->sign_up_row),
                          authflow_profile_has_call (profile, AUTHFLOW_PROFILE_CALL_SIGNUP));

  items = authflow_check_get_items (self->check);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(AuthflowCheckItem) item = g_list_model_get_item (items, i);

      add_item_row (self, item);
    }

  g_signal_connect_object (self->check, "notify::running", G_CALLBACK (update_running), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->check, "notify::outcome", G_CALLBACK (update_summary), self, G_CONNECT_SWAPPED);
  update_running (self);
  update_summary (self);

  return self;
}

/**
 * authflow_check_window_get_check:
 *
 * Returns: (transfer none): the check the window runs
 */
AuthflowCheck *
authflow_check_window_get_check (AuthflowCheckWindow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK_WINDOW (self), NULL);

  return self->check;
}
