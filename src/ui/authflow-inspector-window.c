// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-har.h"
#include "authflow-inspector-window.h"
#include "authflow-page-util.h"
#include "authflow-trace-reader.h"

/* The Flow Inspector: a window beside the main one that shows every step
 * of the flow as the journal keeps it, from the start of the run whether
 * it was open or not; it only reads the journal, so that the flow is the
 * same with it open or closed. Its pages sit in a view stack (the Timeline
 * is the first; others are added with authflow_inspector_window_add_page()),
 * with the switcher in the header bar, or at the bottom where the window is
 * narrow. It saves the journal as a trace or a HAR file, and opens a saved
 * trace in place of the live journal until Back to Live.
 *
 * It is no window of the application: the application takes its active
 * window for the main one, and quits when that one closes.
 */

struct _AuthflowInspectorWindow
{
  AdwWindow                  parent_instance;

  AuthflowJournal           *journal;
  GApplication              *application;  /* weak */
  AuthflowTraceReading      *saved;
  char                      *saved_name;
  GCancellable              *cancellable;
  GtkNativeDialog           *chooser;
  gboolean                   saving;
  gboolean                   opening;

  AdwToastOverlay           *toast_overlay;
  AdwViewSwitcherTitle      *switcher_title;
  AdwViewSwitcherBar        *switcher_bar;
  AdwViewStack              *view_stack;
  GtkMenuButton             *menu_button;
  GtkRevealer               *banner_revealer;
  GtkStack                  *banner_icon_stack;
  GtkSpinner                *banner_spinner;
  GtkLabel                  *banner_title;
  GtkLabel                  *banner_label;
  GtkButton                 *live_button;
  AuthflowInspectorTimeline *timeline;
};

G_DEFINE_FINAL_TYPE (AuthflowInspectorWindow, authflow_inspector_window, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_ENTRIES,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

/* How long the main loop lends to writing a trace at a time. */
#define SAVE_SLICE_US 4000

static void
update_actions (AuthflowInspectorWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inspector.save-trace", !self->saving);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inspector.export-har", !self->saving && self->saved == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inspector.open-trace", !self->opening);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inspector.show-live", self->saved != NULL);
}

/* The switcher says the pages where there are several. */
static void
update_switcher (AuthflowInspectorWindow *self)
{
  g_autoptr(GtkSelectionModel) pages = adw_view_stack_get_pages (self->view_stack);
  gboolean several = g_list_model_get_n_items (G_LIST_MODEL (pages)) > 1;

  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, several);
  adw_view_switcher_bar_set_reveal (self->switcher_bar,
                                    several && adw_view_switcher_title_get_title_visible (self->switcher_title));
}

static void
update_banner (AuthflowInspectorWindow *self)
{
  g_autofree char *text = NULL;

  if (self->opening)
    {
      gtk_label_set_text (self->banner_title, _("Opening a saved trace…"));
      gtk_label_set_text (self->banner_label, self->saved_name);
      gtk_stack_set_visible_child_name (self->banner_icon_stack, "spinner");
      gtk_spinner_set_spinning (self->banner_spinner, TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->live_button), self->saved != NULL);
      gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
      return;
    }

  gtk_spinner_set_spinning (self->banner_spinner, FALSE);
  gtk_stack_set_visible_child_name (self->banner_icon_stack, "icon");
  gtk_widget_set_visible (GTK_WIDGET (self->live_button), TRUE);

  if (self->saved == NULL)
    {
      gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
      adw_view_switcher_title_set_subtitle (self->switcher_title, _("Live"));
      return;
    }

  {
    guint n = g_list_model_get_n_items (authflow_trace_reading_get_entries (self->saved));
    guint skipped = authflow_trace_reading_get_skipped (self->saved);
    g_autofree char *entries = NULL;

    /* Translators: what a saved trace holds: its file, how many entries. */
    entries = g_strdup_printf (ngettext ("%s: %u entry, read only.", "%s: %u entries, read only.", n),
                               self->saved_name, n);
    if (skipped > 0)
      /* Translators: after what a saved trace holds: how many of its lines
       * were no entry, and what was wrong with the first one.
       */
      text = g_strdup_printf (ngettext ("%s %u line could not be read and was skipped (%s).",
                                        "%s %u lines could not be read and were skipped (the first: %s).",
                                        skipped),
                              entries, skipped, authflow_trace_reading_get_problem (self->saved));
    else
      text = g_steal_pointer (&entries);
  }

  gtk_label_set_text (self->banner_title, _("Viewing a saved trace"));
  gtk_label_set_text (self->banner_label, text);
  adw_view_switcher_title_set_subtitle (self->switcher_title, self->saved_name);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

static void
show_entries (AuthflowInspectorWindow *self)
{
  GListModel *entries = self->saved != NULL ? authflow_trace_reading_get_entries (self->saved)
                                            : authflow_journal_get_entries (self->journal);

  if (authflow_inspector_timeline_get_entries (self->timeline) == entries)
    return;

  authflow_inspector_timeline_set_entries (self->timeline, entries);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_ENTRIES]);
}

static char *
display_name (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    return g_filename_display_basename (path);

  return g_file_get_uri (file);
}

static void
toast (AuthflowInspectorWindow *self,
       const char              *text)
{
  AdwToast *toast = adw_toast_new (text);

  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Saving a trace: the entries made into lines a slice at a time on the
 * main loop (they are the journal's, which only the main thread touches),
 * then written in the background.
 */

typedef struct
{
  GPtrArray *entries;
  guint      next;
  GString   *text;
  GFile     *file;
} Saving;

static void
saving_free (Saving *saving)
{
  g_ptr_array_unref (saving->entries);
  if (saving->text != NULL)
    g_string_free (saving->text, TRUE);
  g_object_unref (saving->file);
  g_free (saving);
}

static void
written_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Saving *saving = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_int (task, saving->entries->len);
}

static gboolean
save_slice_cb (gpointer user_data)
{
  GTask *task = user_data;
  Saving *saving = g_task_get_task_data (task);
  gint64 until = g_get_monotonic_time () + SAVE_SLICE_US;
  g_autoptr(GBytes) bytes = NULL;

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;

  while (saving->next < saving->entries->len && g_get_monotonic_time () < until)
    {
      g_autofree char *line = authflow_journal_entry_to_line (g_ptr_array_index (saving->entries, saving->next));

      g_string_append (saving->text, line);
      saving->next++;
    }

  if (saving->next < saving->entries->len)
    return G_SOURCE_CONTINUE;

  bytes = g_string_free_to_bytes (g_steal_pointer (&saving->text));
  g_file_replace_contents_bytes_async (saving->file, bytes, NULL, FALSE,
                                       G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                       g_task_get_cancellable (task), written_cb, g_object_ref (task));

  return G_SOURCE_REMOVE;
}

/**
 * authflow_inspector_window_save_trace_async:
 * @file: where to write
 *
 * Writes every entry shown (kept by the journal, or of the saved trace
 * open) to @file as JSON Lines, as `--trace` does; the file is created
 * readable by its owner only.
 */
void
authflow_inspector_window_save_trace_async (AuthflowInspectorWindow *self,
                                            GFile                   *file,
                                            GCancellable            *cancellable,
                                            GAsyncReadyCallback      callback,
                                            gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  GListModel *entries;
  Saving *saving;

  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_inspector_window_save_trace_async);

  /* The entries as they are now: the journal goes on meanwhile. */
  entries = authflow_inspector_window_get_entries (self);
  saving = g_new0 (Saving, 1);
  saving->entries = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
    g_ptr_array_add (saving->entries, g_list_model_get_item (entries, i));
  saving->text = g_string_new (NULL);
  saving->file = g_object_ref (file);
  g_task_set_task_data (task, saving, (GDestroyNotify) saving_free);

  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, save_slice_cb, g_object_ref (task), g_object_unref);
}

/**
 * authflow_inspector_window_save_trace_finish:
 *
 * Returns: how many entries were written, or 0 with @error
 */
guint
authflow_inspector_window_save_trace_finish (AuthflowInspectorWindow  *self,
                                             GAsyncResult             *result,
                                             GError                  **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  n = g_task_propagate_int (G_TASK (result), error);

  return n > 0 ? (guint) n : 0;
}

static void
har_written_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * authflow_inspector_window_export_har_async:
 * @file: where to write
 *
 * Writes the journal's exchanges to @file as HAR 1.2, as `--har` does.
 */
void
authflow_inspector_window_export_har_async (AuthflowInspectorWindow *self,
                                            GFile                   *file,
                                            GCancellable            *cancellable,
                                            GAsyncReadyCallback      callback,
                                            gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(GBytes) bytes = NULL;
  char *data;
  gsize len;

  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_inspector_window_export_har_async);

  root = authflow_har_from_journal (self->journal);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, &len);
  data = g_realloc (data, len + 2);
  data[len++] = '\n';
  data[len] = '\0';
  bytes = g_bytes_new_take (data, len);

  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE,
                                       G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                       cancellable, har_written_cb, g_steal_pointer (&task));
}

gboolean
authflow_inspector_window_export_har_finish (AuthflowInspectorWindow  *self,
                                             GAsyncResult             *result,
                                             GError                  **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AuthflowInspectorWindow *self = g_task_get_source_object (task);
  g_autoptr(AuthflowTraceReading) reading = NULL;
  g_autoptr(GError) error = NULL;

  if (!(reading = authflow_trace_read_finish (result, &error)))
    {
      /* What is shown stays: the live journal, or the trace before. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          self->opening = FALSE;
          g_free (self->saved_name);
          self->saved_name = g_strdup (g_object_get_data (G_OBJECT (task), "previous-name"));
          update_banner (self);
          update_actions (self);
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->opening = FALSE;

  g_clear_pointer (&self->saved, authflow_trace_reading_unref);
  self->saved = g_steal_pointer (&reading);
  update_banner (self);
  update_actions (self);
  show_entries (self);
  g_task_return_boolean (task, TRUE);
}

/**
 * authflow_inspector_window_open_trace_async:
 * @file: a trace that `--trace` or Save Trace wrote
 *
 * Reads @file in a worker thread and shows its entries, read only, in
 * place of the live journal's, until authflow_inspector_window_show_live().
 * A line that is no entry is skipped, and the banner says how many were.
 */
void
authflow_inspector_window_open_trace_async (AuthflowInspectorWindow *self,
                                            GFile                   *file,
                                            GCancellable            *cancellable,
                                            GAsyncReadyCallback      callback,
                                            gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_inspector_window_open_trace_async);
  g_object_set_data_full (G_OBJECT (task), "previous-name", g_strdup (self->saved_name), g_free);

  self->opening = TRUE;
  g_free (self->saved_name);
  self->saved_name = display_name (file);
  update_banner (self);
  update_actions (self);

  authflow_trace_read_async (file, cancellable, read_cb, g_steal_pointer (&task));
}

gboolean
authflow_inspector_window_open_trace_finish (AuthflowInspectorWindow  *self,
                                             GAsyncResult             *result,
                                             GError                  **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The file choosers, and what the person is told. */

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  AuthflowInspectorWindow *self = AUTHFLOW_INSPECTOR_WINDOW (object);
  g_autoptr(GFile) file = user_data;
  g_autofree char *name = display_name (file);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  n = authflow_inspector_window_save_trace_finish (self, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->saving = FALSE;
  update_actions (self);

  if (error != NULL)
    {
      /* Translators: %s are a file's name and what went wrong. */
      text = g_strdup_printf (_("Could not save “%s”: %s"), name, error->message);
    }
  else
    /* Translators: %u entries were written to the file %s. */
    text = g_strdup_printf (ngettext ("Saved %u entry to “%s”", "Saved %u entries to “%s”", n), n, name);

  toast (self, text);
}

static void
exported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  AuthflowInspectorWindow *self = AUTHFLOW_INSPECTOR_WINDOW (object);
  g_autoptr(GFile) file = user_data;
  g_autofree char *name = display_name (file);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  authflow_inspector_window_export_har_finish (self, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->saving = FALSE;
  update_actions (self);

  if (error != NULL)
    {
      /* Translators: %s are a file's name and what went wrong. */
      text = g_strdup_printf (_("Could not export “%s”: %s"), name, error->message);
    }
  else
    /* Translators: %s is a file's name. */
    text = g_strdup_printf (_("Exported the exchanges to “%s”"), name);

  toast (self, text);
}

static void
opened_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  AuthflowInspectorWindow *self = AUTHFLOW_INSPECTOR_WINDOW (object);
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;

  if (!authflow_inspector_window_open_trace_finish (self, result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *name = display_name (file);
      g_autofree char *text = NULL;

      /* Translators: %s are a file's name and what went wrong. */
      text = g_strdup_printf (_("Could not open “%s”: %s"), name, error->message);
      toast (self, text);
    }
}

typedef enum
{
  CHOOSE_SAVE_TRACE,
  CHOOSE_EXPORT_HAR,
  CHOOSE_OPEN_TRACE,
} Choice;

static void
chooser_response_cb (GtkNativeDialog         *chooser,
                     int                      response,
                     AuthflowInspectorWindow *self)
{
  Choice choice = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "choice"));
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  g_clear_object (&self->chooser);

  if (file == NULL)
    return;

  switch (choice)
    {
    case CHOOSE_SAVE_TRACE:
      self->saving = TRUE;
      update_actions (self);
      authflow_inspector_window_save_trace_async (self, file, self->cancellable, saved_cb, g_object_ref (file));
      break;

    case CHOOSE_EXPORT_HAR:
      self->saving = TRUE;
      update_actions (self);
      authflow_inspector_window_export_har_async (self, file, self->cancellable, exported_cb, g_object_ref (file));
      break;

    case CHOOSE_OPEN_TRACE:
      authflow_inspector_window_open_trace_async (self, file, self->cancellable, opened_cb, g_object_ref (file));
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char     *pattern)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
choose (AuthflowInspectorWindow *self,
        Choice                   choice)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *name = NULL;
  GtkFileChooserNative *chooser;

  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (self->chooser);
      return;
    }

  switch (choice)
    {
    case CHOOSE_SAVE_TRACE:
      chooser = gtk_file_chooser_native_new (_("Save Trace"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                             _("_Save"), _("_Cancel"));
      name = g_strdup_printf ("authflow-%s.jsonl", stamp);
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
      add_filter (GTK_FILE_CHOOSER (chooser), _("Traces (JSON Lines)"), "*.jsonl");
      break;

    case CHOOSE_EXPORT_HAR:
      chooser = gtk_file_chooser_native_new (_("Export HAR"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                             _("_Export"), _("_Cancel"));
      name = g_strdup_printf ("authflow-%s.har", stamp);
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
      add_filter (GTK_FILE_CHOOSER (chooser), _("HTTP Archives (HAR)"), "*.har");
      break;

    case CHOOSE_OPEN_TRACE:
      chooser = gtk_file_chooser_native_new (_("Open Trace"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                             _("_Open"), _("_Cancel"));
      add_filter (GTK_FILE_CHOOSER (chooser), _("Traces (JSON Lines)"), "*.jsonl");
      add_filter (GTK_FILE_CHOOSER (chooser), _("All Files"), "*");
      break;

    default:
      g_assert_not_reached ();
    }

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "choice", GINT_TO_POINTER (choice));
  g_signal_connect_object (chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  self->chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->chooser);
}

static void
save_trace_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  choose (AUTHFLOW_INSPECTOR_WINDOW (widget), CHOOSE_SAVE_TRACE);
}

static void
export_har_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  choose (AUTHFLOW_INSPECTOR_WINDOW (widget), CHOOSE_EXPORT_HAR);
}

static void
open_trace_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  choose (AUTHFLOW_INSPECTOR_WINDOW (widget), CHOOSE_OPEN_TRACE);
}

static void
show_live_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  authflow_inspector_window_show_live (AUTHFLOW_INSPECTOR_WINDOW (widget));
}

/* Escape goes back from an entry open over the list, as in a subpage of
 * Preferences, and closes the window from the list.
 */
static void
back_or_close_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  AuthflowInspectorWindow *self = AUTHFLOW_INSPECTOR_WINDOW (widget);
  GtkWidget *page = adw_view_stack_get_visible_child (self->view_stack);

  if (page == GTK_WIDGET (self->timeline) && authflow_inspector_timeline_go_back (self->timeline))
    return;

  gtk_window_close (GTK_WINDOW (self));
}

/* Ctrl+Q quits here as in the main window. The application is not put in
 * the window's action groups: the window would keep it alive.
 */
static void
quit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AuthflowInspectorWindow *self = AUTHFLOW_INSPECTOR_WINDOW (widget);

  if (self->application != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (self->application), "quit", NULL);
}

/* The Faults page's controls, handed to the application's "inject-fault",
 * the one way in that `gapplication action` and UI tests use too.
 */
static void
inject_fault_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  AuthflowInspectorWindow *self = AUTHFLOW_INSPECTOR_WINDOW (widget);

  if (self->application != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (self->application), "inject-fault", parameter);
}

/* GTK 4.8 gives a menu button no action over AT-SPI; UI automation opens
 * the menu with this one ("menu-button.open").
 */
static void
open_menu_cb (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  gtk_menu_button_popup (GTK_MENU_BUTTON (user_data));
}

static void
authflow_inspector_window_dispose (GObject *object)
{
  AuthflowInspectorWindow *self = (AuthflowInspectorWindow *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (self->chooser);
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_INSPECTOR_WINDOW);
  g_clear_object (&self->journal);
  g_clear_weak_pointer (&self->application);
  g_clear_pointer (&self->saved, authflow_trace_reading_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (authflow_inspector_window_parent_class)->dispose (object);
}

static void
authflow_inspector_window_finalize (GObject *object)
{
  AuthflowInspectorWindow *self = (AuthflowInspectorWindow *)object;

  g_clear_pointer (&self->saved_name, g_free);

  G_OBJECT_CLASS (authflow_inspector_window_parent_class)->finalize (object);
}

static void
authflow_inspector_window_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  AuthflowInspectorWindow *self = AUTHFLOW_INSPECTOR_WINDOW (object);

  switch (prop_id)
    {
    case PROP_ENTRIES:
      g_value_set_object (value, authflow_inspector_window_get_entries (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_inspector_window_class_init (AuthflowInspectorWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_inspector_window_dispose;
  object_class->finalize = authflow_inspector_window_finalize;
  object_class->get_property = authflow_inspector_window_get_property;

  /* The entries the inspector shows: the live journal's, or a saved
   * trace's. Pages added by others follow it.
   */
  properties [PROP_ENTRIES] =
    g_param_spec_object ("entries", NULL, NULL, G_TYPE_LIST_MODEL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AUTHFLOW_TYPE_INSPECTOR_TIMELINE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-inspector-window.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorWindow, banner_icon_stack);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorWindow, banner_spinner);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorWindow, banner_title);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorWindow, live_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorWindow, timeline);

  gtk_widget_class_install_action (widget_class, "inspector.save-trace", NULL, save_trace_action);
  gtk_widget_class_install_action (widget_class, "inspector.export-har", NULL, export_har_action);
  gtk_widget_class_install_action (widget_class, "inspector.open-trace", NULL, open_trace_action);
  gtk_widget_class_install_action (widget_class, "inspector.show-live", NULL, show_live_action);
  gtk_widget_class_install_action (widget_class, "inspector.back-or-close", NULL, back_or_close_action);
  gtk_widget_class_install_action (widget_class, "inspector.quit", NULL, quit_action);
  gtk_widget_class_install_action (widget_class, "inspector.inject-fault", "s", inject_fault_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "inspector.back-or-close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "inspector.save-trace", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "inspector.open-trace", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "inspector.export-har", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_q, GDK_CONTROL_MASK, "inspector.quit", NULL);
}

static void
authflow_inspector_window_init (AuthflowInspectorWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();

  g_signal_connect_object (self->switcher_title, "notify::title-visible",
                           G_CALLBACK (update_switcher), self, G_CONNECT_SWAPPED);
  update_switcher (self);

  {
    g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
    g_autoptr(GSimpleAction) open = g_simple_action_new ("open", NULL);

    g_signal_connect_object (open, "activate", G_CALLBACK (open_menu_cb), self->menu_button, 0);
    g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (open));
    gtk_widget_insert_action_group (GTK_WIDGET (self->menu_button), "menu-button", G_ACTION_GROUP (group));
  }

  authflow_page_fix_accessible_names (GTK_WIDGET (self));
  update_banner (self);
  update_actions (self);

#if DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif
}

/**
 * authflow_inspector_window_new:
 *
 * Returns: (transfer full): a Flow Inspector on @application's journal,
 *   with every entry kept so far
 */
AuthflowInspectorWindow *
authflow_inspector_window_new (AuthflowApplication *application)
{
  AuthflowInspectorWindow *self;

  g_return_val_if_fail (AUTHFLOW_IS_APPLICATION (application), NULL);

  self = g_object_new (AUTHFLOW_TYPE_INSPECTOR_WINDOW, NULL);
  self->journal = g_object_ref (authflow_application_get_journal (application));
  g_set_weak_pointer (&self->application, G_APPLICATION (application));
  show_entries (self);

  return self;
}

/**
 * authflow_inspector_window_add_page:
 * @page: the page's widget
 * @name: its name in the view stack, e.g. "tokens"
 * @title: what the switcher says, e.g. "Tokens"
 * @icon_name: a symbolic icon for the switcher
 *
 * Adds a page after those there are. A page that should follow the
 * entries shown (live, or a saved trace) watches the window's
 * #AuthflowInspectorWindow:entries.
 */
void
authflow_inspector_window_add_page (AuthflowInspectorWindow *self,
                                    GtkWidget               *page,
                                    const char              *name,
                                    const char              *title,
                                    const char              *icon_name)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_WINDOW (self));
  g_return_if_fail (GTK_IS_WIDGET (page));
  g_return_if_fail (name != NULL);
  g_return_if_fail (title != NULL);

  adw_view_stack_add_titled_with_icon (self->view_stack, page, name, title, icon_name);
  update_switcher (self);
}

/**
 * authflow_inspector_window_get_timeline:
 *
 * Returns: (transfer none): the Timeline page
 */
AuthflowInspectorTimeline *
authflow_inspector_window_get_timeline (AuthflowInspectorWindow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_WINDOW (self), NULL);

  return self->timeline;
}

/**
 * authflow_inspector_window_get_entries:
 *
 * Returns: (transfer none): the entries shown, as a list model of
 *   #AuthflowJournalEntry: the journal's, or the saved trace's open
 */
GListModel *
authflow_inspector_window_get_entries (AuthflowInspectorWindow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_WINDOW (self), NULL);

  if (self->saved != NULL)
    return authflow_trace_reading_get_entries (self->saved);

  return authflow_journal_get_entries (self->journal);
}

/**
 * authflow_inspector_window_get_live:
 *
 * Returns: whether the live journal is shown, rather than a saved trace
 */
gboolean
authflow_inspector_window_get_live (AuthflowInspectorWindow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_WINDOW (self), FALSE);

  return self->saved == NULL;
}

/**
 * authflow_inspector_window_show_live:
 *
 * Shows the live journal again, in place of a saved trace.
 */
void
authflow_inspector_window_show_live (AuthflowInspectorWindow *self)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_WINDOW (self));

  if (self->saved == NULL)
    return;

  g_clear_pointer (&self->saved, authflow_trace_reading_unref);
  g_clear_pointer (&self->saved_name, g_free);
  update_banner (self);
  update_actions (self);
  show_entries (self);
}

/**
 * authflow_inspector_window_add_toast:
 * @toast: (transfer full): a toast
 */
void
authflow_inspector_window_add_toast (AuthflowInspectorWindow *self,
                                     AdwToast                *toast)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}
