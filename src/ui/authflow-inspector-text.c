// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-inspector-text.h"
#include "authflow-page-util.h"

/* How the inspector's pages put times, spans and values into words, and
 * what they share of reading the journal.
 */

/**
 * authflow_inspector_format_span:
 *
 * Returns: (transfer full): @span, never negative, as a person reads it:
 *   "12 s", "59 min 12 s", "2 h 03 min", "3 d 4 h"
 */
char *
authflow_inspector_format_span (GTimeSpan span)
{
  gint64 seconds = ABS (span) / G_TIME_SPAN_SECOND;

  if (seconds >= 86400)
    /* Translators: days and hours. */
    return g_strdup_printf (_("%d d %d h"), (int) (seconds / 86400), (int) (seconds % 86400 / 3600));
  if (seconds >= 3600)
    /* Translators: hours and minutes. */
    return g_strdup_printf (_("%d h %02d min"), (int) (seconds / 3600), (int) (seconds % 3600 / 60));
  if (seconds >= 60)
    /* Translators: minutes and seconds. */
    return g_strdup_printf (_("%d min %02d s"), (int) (seconds / 60), (int) (seconds % 60));

  /* Translators: seconds. */
  return g_strdup_printf (_("%d s"), (int) seconds);
}

/**
 * authflow_inspector_format_relative:
 *
 * Returns: (transfer full): how far @when is from @now: "in 59 min 12 s",
 *   "3 min 02 s ago" or "now"
 */
char *
authflow_inspector_format_relative (GDateTime *when,
                                    GDateTime *now)
{
  GTimeSpan span = g_date_time_difference (when, now);
  g_autofree char *text = NULL;

  if (span / G_TIME_SPAN_SECOND == 0)
    return g_strdup (_("now"));

  text = authflow_inspector_format_span (span);
  if (span > 0)
    /* Translators: %s is a span of time, such as "59 min 12 s". */
    return g_strdup_printf (_("in %s"), text);

  /* Translators: %s is a span of time, such as "3 min 02 s". */
  return g_strdup_printf (_("%s ago"), text);
}

/**
 * authflow_inspector_format_clock:
 *
 * Returns: (transfer full): @when in local time: the time of day on the
 *   day of @now, else the date too
 */
char *
authflow_inspector_format_clock (GDateTime *when,
                                 GDateTime *now)
{
  g_autoptr(GDateTime) local = g_date_time_to_local (when);
  g_autoptr(GDateTime) local_now = g_date_time_to_local (now);

  if (g_date_time_get_year (local) == g_date_time_get_year (local_now) &&
      g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (local_now))
    return g_date_time_format (local, "%X");

  return g_date_time_format (local, "%x %X");
}

/**
 * authflow_inspector_format_instant:
 * @when: a moment on the server's clock, such as a token's `exp`
 * @clock_offset: how far the server's clock is ahead of this computer's
 * @now: the time now on the server's clock
 *
 * Returns: (transfer full): @when on both clocks: "14:32:07 server time,
 *   14:32:05 local time", or once when they agree
 */
char *
authflow_inspector_format_instant (GDateTime *when,
                                   GTimeSpan  clock_offset,
                                   GDateTime *now)
{
  g_autoptr(GDateTime) here = g_date_time_add (when, -clock_offset);
  g_autofree char *server_text = authflow_inspector_format_clock (when, now);
  g_autofree char *local_text = authflow_inspector_format_clock (here, now);

  if (g_str_equal (server_text, local_text))
    /* Translators: %s is a time; the server's clock and this computer's agree. */
    return g_strdup_printf (_("%s server and local time"), server_text);

  /* Translators: the same moment on the server's clock and on this
   * computer's, which are apart.
   */
  return g_strdup_printf (_("%s server time, %s local time"), server_text, local_text);
}

/**
 * authflow_inspector_format_value:
 *
 * Returns: (transfer full): a JSON value for a row: a string as it is,
 *   anything else as JSON, each cut to what a row shows
 */
char *
authflow_inspector_format_value (JsonNode *node)
{
  g_autofree char *json = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("null");

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);

      /* Translators: an empty string from the backend. */
      return text[0] != '\0' ? authflow_page_shorten_text (text) : g_strdup (_("(empty)"));
    }

  json = authflow_page_format_json (node);

  return authflow_page_shorten_text (json);
}

/**
 * authflow_inspector_get_string:
 * @object: (nullable): an object of the journal's details
 *
 * Returns: (nullable): @member of @object if it is a string, else %NULL
 */
const char *
authflow_inspector_get_string (JsonObject *object,
                               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/**
 * authflow_inspector_get_object:
 * @object: (nullable): an object of the journal's details
 *
 * Returns: (transfer none) (nullable): @member of @object if it is an
 *   object, else %NULL
 */
JsonObject *
authflow_inspector_get_object (JsonObject *object,
                               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

/**
 * authflow_inspector_find_latest:
 * @journal: (nullable): a journal
 * @event: (nullable): the event, or %NULL for any of @kind
 *
 * Returns: (transfer full) (nullable): the newest entry of @kind and
 *   @event, or %NULL
 */
AuthflowJournalEntry *
authflow_inspector_find_latest (AuthflowJournal     *journal,
                                AuthflowJournalKind  kind,
                                const char          *event)
{
  GListModel *entries;

  if (journal == NULL)
    return NULL;

  entries = authflow_journal_get_entries (journal);
  for (guint i = g_list_model_get_n_items (entries); i > 0; i--)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (entries, i - 1);

      if (authflow_journal_entry_get_kind (entry) == kind &&
          (event == NULL || g_strcmp0 (authflow_journal_entry_get_event (entry), event) == 0))
        return g_steal_pointer (&entry);
    }

  return NULL;
}

static void
name_by_tooltip (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget) && gtk_widget_get_tooltip_text (widget) != NULL)
    {
      gtk_accessible_reset_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
      gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, gtk_widget_get_tooltip_text (widget),
                                      -1);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    name_by_tooltip (child);
}

/**
 * authflow_inspector_name_buttons:
 *
 * Names every button below @widget for what it does to what: its tooltip
 * ("Copy Access Token"), else the text it shows. Two "Show" buttons on one
 * page would otherwise be one name twice.
 */
void
authflow_inspector_name_buttons (GtkWidget *widget)
{
  authflow_page_fix_accessible_names (widget);
  name_by_tooltip (widget);
}
