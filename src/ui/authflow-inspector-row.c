// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"


#include "authflow-inspector-row.h"
#include "authflow-inspector-util.h"
#include "authflow-page-util.h"

/* One entry of the Timeline: its kind's icon, its summary and how long it
 * took, its number and time, what it is tied to; above it, the step it
 * starts, when it starts one. The timeline's factory makes a few of these
 * and binds them to whichever entries are on screen.
 */

struct _AuthflowInspectorRow
{
  GtkWidget             parent_instance;

  AuthflowJournalEntry *entry;
  GtkListItem          *list_item;
  char                 *note;

  GtkLabel             *header;
  GtkBox               *body;
  GtkImage             *icon;
  GtkLabel             *summary;
  GtkLabel             *duration;
  GtkLabel             *subtitle;
};

G_DEFINE_FINAL_TYPE (AuthflowInspectorRow, authflow_inspector_row, GTK_TYPE_WIDGET)

static void
update_subtitle (AuthflowInspectorRow *self)
{
  g_autofree char *time = NULL;
  g_autofree char *text = NULL;

  if (self->entry == NULL)
    return;

  time = authflow_inspector_format_time (authflow_journal_entry_get_time (self->entry));
  if (self->note != NULL)
    text = g_strdup_printf ("#%" G_GUINT64_FORMAT " · %s · %s",
                            authflow_journal_entry_get_sequence (self->entry), time, self->note);
  else
    text = g_strdup_printf ("#%" G_GUINT64_FORMAT " · %s",
                            authflow_journal_entry_get_sequence (self->entry), time);
  gtk_label_set_text (self->subtitle, text);
}

/* What UI automation invokes to open the entry, as Enter or a click does. */
static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AuthflowInspectorRow *self = AUTHFLOW_INSPECTOR_ROW (widget);

  if (self->list_item != NULL)
    gtk_widget_activate_action (widget, "list.activate-item", "u", gtk_list_item_get_position (self->list_item));
}

static void
authflow_inspector_row_dispose (GObject *object)
{
  AuthflowInspectorRow *self = (AuthflowInspectorRow *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_INSPECTOR_ROW);
  g_clear_object (&self->entry);
  g_clear_pointer (&self->note, g_free);

  G_OBJECT_CLASS (authflow_inspector_row_parent_class)->dispose (object);
}

static void
authflow_inspector_row_class_init (AuthflowInspectorRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_inspector_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-inspector-row.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorRow, header);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorRow, body);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorRow, icon);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorRow, summary);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorRow, duration);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorRow, subtitle);

  gtk_widget_class_install_action (widget_class, "row.open", NULL, open_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "inspector-row");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
authflow_inspector_row_init (AuthflowInspectorRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
}

GtkWidget *
authflow_inspector_row_new (void)
{
  return g_object_new (AUTHFLOW_TYPE_INSPECTOR_ROW, NULL);
}

/**
 * authflow_inspector_row_bind:
 * @list_item: the list item that shows the row
 *
 * Shows @entry.
 */
void
authflow_inspector_row_bind (AuthflowInspectorRow *self,
                             AuthflowJournalEntry *entry,
                             GtkListItem          *list_item)
{
  g_autofree char *summary = NULL;
  g_autofree char *duration = NULL;

  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_ROW (self));
  g_return_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (entry));

  g_set_object (&self->entry, entry);
  self->list_item = list_item;

  /* A saved trace's summary may be anything: one line, of a readable size. */
  summary = authflow_page_shorten_text (authflow_journal_entry_get_summary (entry));
  g_strdelimit (summary, "\n\r", ' ');
  gtk_label_set_text (self->summary, summary);
  gtk_image_set_from_icon_name (self->icon, authflow_inspector_entry_get_icon_name (entry));

  duration = authflow_inspector_format_duration (authflow_journal_entry_get_duration (entry));
  gtk_label_set_text (self->duration, duration != NULL ? duration : "");
  gtk_widget_set_visible (GTK_WIDGET (self->duration), duration != NULL);

  if (authflow_inspector_entry_is_error (entry))
    gtk_widget_add_css_class (GTK_WIDGET (self->body), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->body), "error");

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, summary, -1);
  update_subtitle (self);
}

/**
 * authflow_inspector_row_unbind:
 *
 * Lets go of the entry, once the row shows it no more.
 */
void
authflow_inspector_row_unbind (AuthflowInspectorRow *self)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_ROW (self));

  g_clear_object (&self->entry);
  self->list_item = NULL;
}

/**
 * authflow_inspector_row_get_entry:
 *
 * Returns: (transfer none) (nullable): the entry shown
 */
AuthflowJournalEntry *
authflow_inspector_row_get_entry (AuthflowInspectorRow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_ROW (self), NULL);

  return self->entry;
}

/**
 * authflow_inspector_row_get_list_item:
 *
 * Returns: (transfer none) (nullable): the list item that shows the row
 */
GtkListItem *
authflow_inspector_row_get_list_item (AuthflowInspectorRow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_ROW (self), NULL);

  return self->list_item;
}

/**
 * authflow_inspector_row_set_header:
 * @header: (nullable): the step this entry starts, or %NULL
 */
void
authflow_inspector_row_set_header (AuthflowInspectorRow *self,
                                   const char           *header)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_ROW (self));

  if (header != NULL)
    gtk_label_set_text (self->header, header);
  gtk_widget_set_visible (GTK_WIDGET (self->header), header != NULL);
}

/**
 * authflow_inspector_row_set_note:
 * @note: (nullable): what the entry is tied to, e.g. "refresh #41"
 */
void
authflow_inspector_row_set_note (AuthflowInspectorRow *self,
                                 const char           *note)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_ROW (self));

  if (g_strcmp0 (self->note, note) == 0)
    return;

  g_free (self->note);
  self->note = g_strdup (note);
  update_subtitle (self);
}

/**
 * authflow_inspector_row_set_linked:
 *
 * Marks the row as tied to the entry that is open (the same refresh).
 */
void
authflow_inspector_row_set_linked (AuthflowInspectorRow *self,
                                   gboolean              linked)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_ROW (self));

  if (linked)
    gtk_widget_add_css_class (GTK_WIDGET (self->body), "linked-entry");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->body), "linked-entry");
}

/**
 * authflow_inspector_row_set_current:
 *
 * Marks the row as the entry that is open.
 */
void
authflow_inspector_row_set_current (AuthflowInspectorRow *self,
                                    gboolean              current)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_ROW (self));

  if (current)
    gtk_widget_add_css_class (GTK_WIDGET (self->body), "current-entry");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->body), "current-entry");
}
