// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-inspector-links.h"
#include "authflow-inspector-row.h"
#include "authflow-inspector-timeline.h"
#include "authflow-inspector-util.h"

/* The Flow Inspector's Timeline: every entry of the journal (or of a saved
 * trace) in a list view, which makes rows only for what is on screen, so
 * that 4,000 entries cost what a screenful does. Newest at the bottom, and
 * followed there while the person has not scrolled up. A step is a heading
 * over its first entry: an entry with no step of its own belongs to the
 * one before it. A filter keeps kinds, errors or one refresh.
 *
 * Opening an entry shows it beside the list, or over it where the window
 * is too narrow for both (the leaflet folds). The rows of the refresh the
 * open entry is part of are marked: the calls that waited for it, their
 * answers 401 and their retries.
 */

struct _AuthflowInspectorTimeline
{
  GtkWidget               parent_instance;

  GListModel             *entries;
  AuthflowInspectorLinks *links;
  gulong                  links_changed_id;
  GtkCustomFilter        *filter;
  GtkFilterListModel     *filtered;
  GHashTable             *rows;  /* the rows bound to an entry */
  guint                   update_id;
  guint                   scroll_id;

  AuthflowJournalEntry   *open;
  guint64                 open_refresh;
  guint64                 only_refresh;
  gboolean                show_http;
  gboolean                show_tokens;
  gboolean                show_keyring;
  gboolean                show_session;
  gboolean                errors_only;

  /* Whether the list stays at its end as entries come. */
  gboolean                follow;
  gboolean                scrolling;
  gboolean                scroll_to_start;
  double                  last_value;
  double                  last_upper;

  AdwLeaflet             *leaflet;
  GtkMenuButton          *filter_button;
  GtkLabel               *count_label;
  GtkButton              *refresh_chip;
  AdwButtonContent       *refresh_chip_content;
  GtkStack               *list_stack;
  GtkScrolledWindow      *scrolled;
  GtkListView            *list_view;
  AdwStatusPage          *empty_page;
  GtkButton              *latest_button;
  GtkBox                 *details_bar;
  GtkButton              *back_button;
  GtkLabel               *details_title;
  GtkStack               *details_stack;
  AuthflowInspectorDetails *details;
};

G_DEFINE_FINAL_TYPE (AuthflowInspectorTimeline, authflow_inspector_timeline, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SHOW_HTTP,
  PROP_SHOW_TOKENS,
  PROP_SHOW_KEYRING,
  PROP_SHOW_SESSION,
  PROP_ERRORS_ONLY,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

/* How far back a row looks for the step of the entries before it. */
#define MAX_STEP_LOOKBACK 64

static gboolean
filter_cb (gpointer item,
           gpointer user_data)
{
  AuthflowInspectorTimeline *self = user_data;
  AuthflowJournalEntry *entry = item;
  guint categories = (self->show_http ? AUTHFLOW_INSPECTOR_CATEGORY_HTTP : 0) |
                     (self->show_tokens ? AUTHFLOW_INSPECTOR_CATEGORY_TOKENS : 0) |
                     (self->show_keyring ? AUTHFLOW_INSPECTOR_CATEGORY_KEYRING : 0) |
                     (self->show_session ? AUTHFLOW_INSPECTOR_CATEGORY_SESSION : 0);

  if (categories != 0 && !(authflow_inspector_entry_get_category (entry) & categories))
    return FALSE;

  if (self->errors_only && !authflow_inspector_entry_is_error (entry))
    return FALSE;

  if (self->only_refresh != 0)
    {
      const AuthflowInspectorRefresh *refresh =
        self->links != NULL ? authflow_inspector_links_get_refresh (self->links, entry) : NULL;

      if (refresh == NULL || refresh->seq != self->only_refresh)
        return FALSE;
    }

  return TRUE;
}

static gboolean
is_filtered (AuthflowInspectorTimeline *self)
{
  return self->show_http || self->show_tokens || self->show_keyring || self->show_session ||
         self->errors_only || self->only_refresh != 0;
}

/* The step an entry belongs to: its own, or else that of the nearest entry
 * before it that has one.
 */
static AuthflowJournalStep
step_at (AuthflowInspectorTimeline *self,
         guint                      position)
{
  GListModel *model = G_LIST_MODEL (self->filtered);

  for (guint i = 0; i < MAX_STEP_LOOKBACK && i <= position; i++)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (model, position - i);
      AuthflowJournalStep step;

      if (entry == NULL)
        break;
      if ((step = authflow_journal_entry_get_step (entry)) != AUTHFLOW_JOURNAL_STEP_NONE)
        return step;
    }

  return AUTHFLOW_JOURNAL_STEP_NONE;
}

static void
update_row (AuthflowInspectorTimeline *self,
            AuthflowInspectorRow      *row)
{
  AuthflowJournalEntry *entry = authflow_inspector_row_get_entry (row);
  GtkListItem *list_item = authflow_inspector_row_get_list_item (row);
  const AuthflowInspectorRefresh *refresh;
  g_autofree char *note = NULL;
  AuthflowJournalStep step;
  guint position;

  if (entry == NULL || list_item == NULL)
    return;

  position = gtk_list_item_get_position (list_item);
  if (position == GTK_INVALID_LIST_POSITION)
    return;

  /* A heading where a step starts. */
  step = step_at (self, position);
  if (step != AUTHFLOW_JOURNAL_STEP_NONE && (position == 0 || step_at (self, position - 1) != step))
    authflow_inspector_row_set_header (row, authflow_inspector_step_get_title (step));
  else
    authflow_inspector_row_set_header (row, NULL);

  refresh = self->links != NULL ? authflow_inspector_links_get_refresh (self->links, entry) : NULL;
  if (refresh != NULL && refresh->seq == authflow_journal_entry_get_sequence (entry))
    /* Translators: under a refresh in the timeline, as soon as it is
     * known: how many calls waited for it, and how many were sent again.
     */
    note = g_strdup_printf (ngettext ("served %u call, %u retried", "served %u calls, %u retried", refresh->served),
                            refresh->served, refresh->retries);
  else if (refresh != NULL)
    {
      g_autofree char *seq = g_strdup_printf ("%" G_GUINT64_FORMAT, refresh->seq);

      /* Translators: under an entry tied to a refresh: its number. */
      note = g_strdup_printf (_("refresh #%s"), seq);
    }
  authflow_inspector_row_set_note (row, note);

  authflow_inspector_row_set_current (row, entry == self->open);
  authflow_inspector_row_set_linked (row, entry != self->open && refresh != NULL && refresh->seq == self->open_refresh);
}

static gboolean
update_rows_cb (gpointer data)
{
  AuthflowInspectorTimeline *self = data;
  GHashTableIter iter;
  gpointer row;

  self->update_id = 0;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    update_row (self, row);

  return G_SOURCE_REMOVE;
}

/* Before the next frame is drawn, and once however many entries came. */
static void
queue_update_rows (AuthflowInspectorTimeline *self)
{
  if (self->update_id == 0)
    self->update_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 10, update_rows_cb, self, NULL);
}

static void
update_count (AuthflowInspectorTimeline *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint total = self->entries != NULL ? g_list_model_get_n_items (self->entries) : 0;
  g_autofree char *text = NULL;

  if (is_filtered (self))
    /* Translators: how many entries the filter keeps, of all. */
    text = g_strdup_printf (ngettext ("%u of %u entry", "%u of %u entries", total), shown, total);
  else
    text = g_strdup_printf (ngettext ("%u entry", "%u entries", total), total);
  gtk_label_set_text (self->count_label, text);

  gtk_stack_set_visible_child_name (self->list_stack, shown > 0 ? "list" : "empty");
  if (total == 0)
    {
      adw_status_page_set_title (self->empty_page, _("No Entries Yet"));
      adw_status_page_set_description (self->empty_page, _("Every step of the flow shows here as it happens"));
    }
  else
    {
      adw_status_page_set_title (self->empty_page, _("No Matching Entries"));
      adw_status_page_set_description (self->empty_page, _("No entry passes the filter"));
    }

  if (is_filtered (self))
    gtk_widget_add_css_class (GTK_WIDGET (self->filter_button), "inspector-filter-active");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->filter_button), "inspector-filter-active");
}

static void
set_follow (AuthflowInspectorTimeline *self,
            gboolean                   follow)
{
  self->follow = follow;
  gtk_widget_set_visible (GTK_WIDGET (self->latest_button), !follow);
}

static gboolean
scroll_cb (gpointer data)
{
  AuthflowInspectorTimeline *self = data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));

  self->scroll_id = 0;

  /* The list view brings the row into view once it knows where it is:
   * its heights are estimates until the rows are made.
   */
  if (n > 0 && self->scroll_to_start)
    {
      set_follow (self, FALSE);
      gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scrolled), 0);
    }
  else if (n > 0 && self->follow)
    {
      self->scrolling = TRUE;
      gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", n - 1);
      self->scrolling = FALSE;
    }
  self->scroll_to_start = FALSE;

  return G_SOURCE_REMOVE;
}

/* To the end, or to the start when asked; out of the list view's layout,
 * which would put back where it was.
 */
static void
queue_scroll (AuthflowInspectorTimeline *self)
{
  if (self->scroll_id == 0)
    self->scroll_id = g_idle_add (scroll_cb, self);
}

static void
filtered_changed_cb (AuthflowInspectorTimeline *self,
                     guint                      position,
                     guint                      removed,
                     guint                      added)
{
  update_count (self);
  queue_update_rows (self);

  if (self->follow && added > 0)
    queue_scroll (self);
}

static void
refilter (AuthflowInspectorTimeline *self)
{
  gboolean only = self->only_refresh != 0;

  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);

  gtk_widget_set_visible (GTK_WIDGET (self->refresh_chip), only);
  if (only)
    {
      g_autofree char *seq = g_strdup_printf ("%" G_GUINT64_FORMAT, self->only_refresh);
      g_autofree char *label = NULL;

      /* Translators: the filter that keeps one refresh's entries. */
      label = g_strdup_printf (_("Refresh #%s"), seq);
      adw_button_content_set_label (self->refresh_chip_content, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->refresh_chip), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    }

  update_count (self);
}

static void
links_changed_cb (AuthflowInspectorTimeline *self)
{
  /* A filter on one refresh takes its entries as they are tied to it;
   * the entry that ties them comes after.
   */
  if (self->only_refresh != 0)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  queue_update_rows (self);
}

/* Following the end. */

static gboolean
at_end (GtkAdjustment *adjustment)
{
  return gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) >=
         gtk_adjustment_get_upper (adjustment) - 4;
}

static void
adjustment_changed_cb (AuthflowInspectorTimeline *self)
{
  if (self->follow && !at_end (gtk_scrolled_window_get_vadjustment (self->scrolled)))
    queue_scroll (self);
}

/* Following stops when the person scrolls up, and starts again when they
 * scroll to the end, ask for it or show other entries. The list view moves
 * the value too, as it learns the real heights of its rows: then the
 * list's height changes with it.
 */
static void
value_changed_cb (AuthflowInspectorTimeline *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled);
  double value = gtk_adjustment_get_value (adjustment);
  double upper = gtk_adjustment_get_upper (adjustment);

  /* A list that fits on screen is at its end, and says nothing. */
  if (at_end (adjustment) && upper > gtk_adjustment_get_page_size (adjustment) + 1)
    set_follow (self, TRUE);
  else if (!self->scrolling && value < self->last_value - 1 && upper == self->last_upper)
    set_follow (self, FALSE);

  self->last_value = value;
  self->last_upper = upper;
}

/* Opening an entry. */

static void
update_details_bar (AuthflowInspectorTimeline *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->details_bar), adw_leaflet_get_folded (self->leaflet));
}

static void
open_entry (AuthflowInspectorTimeline *self,
            AuthflowJournalEntry      *entry)
{
  const AuthflowInspectorRefresh *refresh = NULL;

  g_set_object (&self->open, entry);
  if (entry != NULL && self->links != NULL)
    refresh = authflow_inspector_links_get_refresh (self->links, entry);
  self->open_refresh = refresh != NULL ? refresh->seq : 0;

  authflow_inspector_details_show (self->details, entry, self->links);
  gtk_stack_set_visible_child_name (self->details_stack, entry != NULL ? "entry" : "none");
  gtk_label_set_text (self->details_title,
                      entry == NULL ? "" :
                      authflow_journal_entry_get_kind (entry) == AUTHFLOW_JOURNAL_HTTP ? _("Exchange") : _("Entry"));

  if (entry != NULL)
    adw_leaflet_set_visible_child_name (self->leaflet, "details");

  queue_update_rows (self);
}

static void
activate_cb (AuthflowInspectorTimeline *self,
             guint                      position)
{
  g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);

  if (entry != NULL)
    open_entry (self, entry);
}

/* The factory. */

static void
setup_cb (AuthflowInspectorTimeline *self,
          GtkListItem               *list_item)
{
  gtk_list_item_set_child (list_item, authflow_inspector_row_new ());
}

static void
bind_cb (AuthflowInspectorTimeline *self,
         GtkListItem               *list_item)
{
  AuthflowInspectorRow *row = AUTHFLOW_INSPECTOR_ROW (gtk_list_item_get_child (list_item));

  authflow_inspector_row_bind (row, gtk_list_item_get_item (list_item), list_item);
  g_hash_table_add (self->rows, row);
  update_row (self, row);
}

static void
unbind_cb (AuthflowInspectorTimeline *self,
           GtkListItem               *list_item)
{
  AuthflowInspectorRow *row = AUTHFLOW_INSPECTOR_ROW (gtk_list_item_get_child (list_item));

  g_hash_table_remove (self->rows, row);
  authflow_inspector_row_unbind (row);
}

/* Actions. */

static void
show_everything_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  AuthflowInspectorTimeline *self = AUTHFLOW_INSPECTOR_TIMELINE (widget);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_set (self, "show-http", FALSE, "show-tokens", FALSE, "show-keyring", FALSE,
                "show-session", FALSE, "errors-only", FALSE, NULL);
  g_object_thaw_notify (G_OBJECT (self));
  self->only_refresh = 0;
  refilter (self);
}

static void
show_refresh_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  authflow_inspector_timeline_show_refresh (AUTHFLOW_INSPECTOR_TIMELINE (widget), g_variant_get_uint64 (parameter));
}

static void
show_all_refreshes_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  authflow_inspector_timeline_show_refresh (AUTHFLOW_INSPECTOR_TIMELINE (widget), 0);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  authflow_inspector_timeline_go_back (AUTHFLOW_INSPECTOR_TIMELINE (widget));
}

static void
scroll_to_latest_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  AuthflowInspectorTimeline *self = AUTHFLOW_INSPECTOR_TIMELINE (widget);

  set_follow (self, TRUE);
  queue_scroll (self);
}

static const struct {
  const char *name;
  const char *property;
} filter_actions[] = {
  { "http", "show-http" },
  { "tokens", "show-tokens" },
  { "keyring", "show-keyring" },
  { "session", "show-session" },
  { "errors-only", "errors-only" },
};

static void
filter_change_state_cb (GSimpleAction *action,
                        GVariant      *state,
                        gpointer       user_data)
{
  for (guint i = 0; i < G_N_ELEMENTS (filter_actions); i++)
    if (g_str_equal (g_action_get_name (G_ACTION (action)), filter_actions[i].name))
      g_object_set (user_data, filter_actions[i].property, g_variant_get_boolean (state), NULL);
}

static void
filter_notify_cb (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  gboolean value;

  g_object_get (object, pspec->name, &value, NULL);
  g_simple_action_set_state (G_SIMPLE_ACTION (user_data), g_variant_new_boolean (value));
}

/* GTK 4.8 gives a menu button no action over AT-SPI; UI automation opens
 * the filter with this one ("menu-button.open"), as in the main window.
 */
static void
open_menu_cb (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  gtk_menu_button_popup (GTK_MENU_BUTTON (user_data));
}

static void
authflow_inspector_timeline_dispose (GObject *object)
{
  AuthflowInspectorTimeline *self = (AuthflowInspectorTimeline *)object;

  g_clear_handle_id (&self->update_id, g_source_remove);
  g_clear_handle_id (&self->scroll_id, g_source_remove);
  g_clear_signal_handler (&self->links_changed_id, self->links);
  g_clear_object (&self->links);
  if (self->filtered != NULL)
    g_signal_handlers_disconnect_by_data (self->filtered, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_INSPECTOR_TIMELINE);
  g_clear_object (&self->filtered);
  g_clear_object (&self->entries);
  g_clear_object (&self->open);
  g_clear_pointer (&self->rows, g_hash_table_unref);

  G_OBJECT_CLASS (authflow_inspector_timeline_parent_class)->dispose (object);
}

static void
authflow_inspector_timeline_get_property (GObject    *object,
                                          guint       prop_id,
                                          GValue     *value,
                                          GParamSpec *pspec)
{
  AuthflowInspectorTimeline *self = AUTHFLOW_INSPECTOR_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_SHOW_HTTP:
      g_value_set_boolean (value, self->show_http);
      break;
    case PROP_SHOW_TOKENS:
      g_value_set_boolean (value, self->show_tokens);
      break;
    case PROP_SHOW_KEYRING:
      g_value_set_boolean (value, self->show_keyring);
      break;
    case PROP_SHOW_SESSION:
      g_value_set_boolean (value, self->show_session);
      break;
    case PROP_ERRORS_ONLY:
      g_value_set_boolean (value, self->errors_only);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_inspector_timeline_set_property (GObject      *object,
                                          guint         prop_id,
                                          const GValue *value,
                                          GParamSpec   *pspec)
{
  AuthflowInspectorTimeline *self = AUTHFLOW_INSPECTOR_TIMELINE (object);
  gboolean *field;

  switch (prop_id)
    {
    case PROP_SHOW_HTTP:
      field = &self->show_http;
      break;
    case PROP_SHOW_TOKENS:
      field = &self->show_tokens;
      break;
    case PROP_SHOW_KEYRING:
      field = &self->show_keyring;
      break;
    case PROP_SHOW_SESSION:
      field = &self->show_session;
      break;
    case PROP_ERRORS_ONLY:
      field = &self->errors_only;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  if (*field == g_value_get_boolean (value))
    return;

  *field = g_value_get_boolean (value);
  refilter (self);
  g_object_notify_by_pspec (object, pspec);
}

static void
authflow_inspector_timeline_class_init (AuthflowInspectorTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_inspector_timeline_dispose;
  object_class->get_property = authflow_inspector_timeline_get_property;
  object_class->set_property = authflow_inspector_timeline_set_property;

  /* The kinds the filter keeps: with none of them, every kind. */
  properties [PROP_SHOW_HTTP] =
    g_param_spec_boolean ("show-http", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties [PROP_SHOW_TOKENS] =
    g_param_spec_boolean ("show-tokens", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties [PROP_SHOW_KEYRING] =
    g_param_spec_boolean ("show-keyring", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties [PROP_SHOW_SESSION] =
    g_param_spec_boolean ("show-session", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* Only the failures. */
  properties [PROP_ERRORS_ONLY] =
    g_param_spec_boolean ("errors-only", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AUTHFLOW_TYPE_INSPECTOR_DETAILS);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-inspector-timeline.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, leaflet);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, filter_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, count_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, refresh_chip);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, refresh_chip_content);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, list_stack);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, scrolled);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, list_view);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, empty_page);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, latest_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, details_bar);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, back_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, details_title);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, details_stack);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTimeline, details);

  gtk_widget_class_install_action (widget_class, "timeline.show-everything", NULL, show_everything_action);
  gtk_widget_class_install_action (widget_class, "timeline.show-refresh", "t", show_refresh_action);
  gtk_widget_class_install_action (widget_class, "timeline.show-all-refreshes", NULL, show_all_refreshes_action);
  gtk_widget_class_install_action (widget_class, "timeline.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "timeline.scroll-to-latest", NULL, scroll_to_latest_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "timeline.back", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
authflow_inspector_timeline_init (AuthflowInspectorTimeline *self)
{
  GtkListItemFactory *factory;
  GtkAdjustment *adjustment;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_hash_table_new (NULL, NULL);
  self->follow = TRUE;

  self->filter = gtk_custom_filter_new (filter_cb, self, NULL);
  self->filtered = gtk_filter_list_model_new (NULL, GTK_FILTER (self->filter));
  {
    /* The selection model takes a reference of its own. */
    g_autoptr(GtkNoSelection) selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));

    gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  }
  /* After the list view's own handler, so that the rows' positions are
   * those of the new list.
   */
  g_signal_connect_object (self->filtered, "items-changed", G_CALLBACK (filtered_changed_cb), self, G_CONNECT_SWAPPED);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect_object (factory, "setup", G_CALLBACK (setup_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_cb), self, G_CONNECT_SWAPPED);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  g_signal_connect_object (self->list_view, "activate", G_CALLBACK (activate_cb), self, G_CONNECT_SWAPPED);

  adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled);
  g_signal_connect_object (adjustment, "changed", G_CALLBACK (adjustment_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (value_changed_cb), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (self->leaflet, "notify::folded", G_CALLBACK (update_details_bar), self, G_CONNECT_SWAPPED);
  update_details_bar (self);

  /* The filter's toggles, as stateful actions that a menu shows checked
   * (GTK 4.8 shows no state for a widget class's property actions). Not
   * GPropertyActions: those would hold the timeline that holds them.
   */
  {
    g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();

    for (guint i = 0; i < G_N_ELEMENTS (filter_actions); i++)
      {
        g_autoptr(GSimpleAction) action =
          g_simple_action_new_stateful (filter_actions[i].name, NULL, g_variant_new_boolean (FALSE));
        g_autofree char *signal = g_strconcat ("notify::", filter_actions[i].property, NULL);

        g_signal_connect_object (action, "change-state", G_CALLBACK (filter_change_state_cb), self, 0);
        g_signal_connect_object (self, signal, G_CALLBACK (filter_notify_cb), action, 0);
        g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (action));
      }
    gtk_widget_insert_action_group (GTK_WIDGET (self), "filter", G_ACTION_GROUP (group));
  }

  {
    g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
    g_autoptr(GSimpleAction) open = g_simple_action_new ("open", NULL);

    g_signal_connect_object (open, "activate", G_CALLBACK (open_menu_cb), self->filter_button, 0);
    g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (open));
    gtk_widget_insert_action_group (GTK_WIDGET (self->filter_button), "menu-button", G_ACTION_GROUP (group));
  }

  update_count (self);
}

GtkWidget *
authflow_inspector_timeline_new (void)
{
  return g_object_new (AUTHFLOW_TYPE_INSPECTOR_TIMELINE, NULL);
}

/**
 * authflow_inspector_timeline_set_entries:
 * @entries: (nullable): a list model of #AuthflowJournalEntry, oldest
 *   first: the journal's, or a saved trace's
 *
 * Shows @entries, from their end; nothing is open then.
 */
void
authflow_inspector_timeline_set_entries (AuthflowInspectorTimeline *self,
                                         GListModel                *entries)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_TIMELINE (self));
  g_return_if_fail (entries == NULL || G_IS_LIST_MODEL (entries));

  if (self->entries == entries)
    return;

  open_entry (self, NULL);
  adw_leaflet_set_visible_child_name (self->leaflet, "list");
  self->only_refresh = 0;

  /* The index first: the filter asks it about each new entry. */
  g_clear_signal_handler (&self->links_changed_id, self->links);
  g_clear_object (&self->links);
  g_set_object (&self->entries, entries);
  if (entries != NULL)
    {
      self->links = authflow_inspector_links_new (entries);
      self->links_changed_id = g_signal_connect_swapped (self->links, "changed", G_CALLBACK (links_changed_cb), self);
    }

  gtk_filter_list_model_set_model (self->filtered, entries);
  refilter (self);
  set_follow (self, TRUE);
  queue_scroll (self);
}

/**
 * authflow_inspector_timeline_get_entries:
 *
 * Returns: (transfer none) (nullable): every entry, filtered or not
 */
GListModel *
authflow_inspector_timeline_get_entries (AuthflowInspectorTimeline *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_TIMELINE (self), NULL);

  return self->entries;
}

/**
 * authflow_inspector_timeline_get_shown:
 *
 * Returns: (transfer none): the entries the filter keeps, as the list
 *   shows them
 */
GListModel *
authflow_inspector_timeline_get_shown (AuthflowInspectorTimeline *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_TIMELINE (self), NULL);

  return G_LIST_MODEL (self->filtered);
}

/**
 * authflow_inspector_timeline_open:
 * @entry: (nullable): one of the entries, or %NULL to close the one open
 *
 * Opens @entry, as activating its row does.
 */
void
authflow_inspector_timeline_open (AuthflowInspectorTimeline *self,
                                  AuthflowJournalEntry      *entry)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_TIMELINE (self));
  g_return_if_fail (entry == NULL || AUTHFLOW_IS_JOURNAL_ENTRY (entry));

  open_entry (self, entry);
}

/**
 * authflow_inspector_timeline_get_open:
 *
 * Returns: (transfer none) (nullable): the entry open
 */
AuthflowJournalEntry *
authflow_inspector_timeline_get_open (AuthflowInspectorTimeline *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_TIMELINE (self), NULL);

  return self->open;
}

/**
 * authflow_inspector_timeline_get_details:
 *
 * Returns: (transfer none): the view of the open entry
 */
AuthflowInspectorDetails *
authflow_inspector_timeline_get_details (AuthflowInspectorTimeline *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_TIMELINE (self), NULL);

  return self->details;
}

/**
 * authflow_inspector_timeline_go_back:
 *
 * Goes back from an open entry to the list, where the leaflet shows one
 * at a time.
 *
 * Returns: whether it went back
 */
gboolean
authflow_inspector_timeline_go_back (AuthflowInspectorTimeline *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_TIMELINE (self), FALSE);

  if (!adw_leaflet_get_folded (self->leaflet) ||
      g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "details") != 0)
    return FALSE;

  adw_leaflet_set_visible_child_name (self->leaflet, "list");
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));

  return TRUE;
}

/**
 * authflow_inspector_timeline_show_refresh:
 * @seq: a refresh-started entry's number, or 0 for every entry
 *
 * Keeps only the entries tied to that refresh, with the other filters.
 */
void
authflow_inspector_timeline_show_refresh (AuthflowInspectorTimeline *self,
                                          guint64                    seq)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_TIMELINE (self));

  if (self->only_refresh == seq)
    return;

  self->only_refresh = seq;
  refilter (self);

  /* A refresh's story reads from its start. */
  if (seq != 0)
    {
      self->scroll_to_start = TRUE;
      queue_scroll (self);
      authflow_inspector_timeline_go_back (self);
    }
}
