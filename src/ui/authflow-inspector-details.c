// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "authflow-inspector-details.h"
#include "authflow-inspector-json.h"
#include "authflow-inspector-util.h"
#include "authflow-json.h"
#include "authflow-page-util.h"

/* One entry of the Timeline, opened. An exchange shows its request and
 * answer the way a browser's network panel does: method, URL, status,
 * timings, the headers and the bodies (JSON as a tree that folds), all as
 * the journal kept them, redacted; Copy as curl gives the request back as
 * a command line with a shell variable where each secret was. Any other
 * entry shows what it is and its details as a tree. An entry of a refresh
 * says what the refresh did, and leads to the entries tied to it.
 */

struct _AuthflowInspectorDetails
{
  GtkWidget               parent_instance;

  AuthflowJournalEntry   *entry;
  AuthflowInspectorLinks *links;
  gulong                  links_changed_id;

  /* The refresh's rows, kept up to date while it serves calls. */
  guint64                 refresh_seq;
  AdwActionRow           *served_row;
  AdwActionRow           *retries_row;
  AdwActionRow           *outcome_row;

  GtkScrolledWindow      *scrolled;
  GtkBox                 *content;
};

G_DEFINE_FINAL_TYPE (AuthflowInspectorDetails, authflow_inspector_details, GTK_TYPE_WIDGET)

static const char *
kind_title (AuthflowJournalKind kind)
{
  switch (kind)
    {
    case AUTHFLOW_JOURNAL_HTTP:
      /* Translators: the kinds of the Flow Inspector's entries. */
      return _("HTTP Exchange");
    case AUTHFLOW_JOURNAL_MAPPING:
      return _("Mapping");
    case AUTHFLOW_JOURNAL_TOKEN:
      return _("Token");
    case AUTHFLOW_JOURNAL_KEYRING:
      return _("Keyring");
    case AUTHFLOW_JOURNAL_SESSION:
      return _("Session");
    case AUTHFLOW_JOURNAL_NAVIGATION:
      return _("Navigation");
    case AUTHFLOW_JOURNAL_CONNECTIVITY:
      return _("Connectivity");
    default:
      return "";
    }
}

static GtkWidget *
add_group (AuthflowInspectorDetails *self,
           const char               *title,
           const char               *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  gtk_box_append (self->content, group);

  return group;
}

/* A name and its value, the value as strong as the name (the Home page's
 * "property" rows); a secret as the journal kept it stands out.
 */
static AdwActionRow *
add_row (GtkWidget  *group,
         const char *title,
         const char *value)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *shown = authflow_page_shorten_text (value != NULL && value[0] != '\0' ? value : "—");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), shown);
  gtk_widget_add_css_class (row, "property");
  if (authflow_inspector_is_redacted (value))
    gtk_widget_add_css_class (row, "inspector-redacted-row");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  return ADW_ACTION_ROW (row);
}

static char *
format_ms (double ms)
{
  if (ms < 0)
    return g_strdup ("—");

  return authflow_inspector_format_duration ((gint64) (ms * 1000.0));
}

/* The headers in a row that opens: a body is what a person reads first. */
static void
add_headers (GtkWidget  *group,
             JsonObject *message)
{
  JsonNode *node = message != NULL ? json_object_get_member (message, "headers") : NULL;
  GtkWidget *expander = adw_expander_row_new ();
  g_autofree char *subtitle = NULL;
  guint shown = 0;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Headers"));
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array) && i < AUTHFLOW_INSPECTOR_JSON_MAX_CHILDREN; i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *header = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
          const char *name = authflow_inspector_json_get_string (header, "name");
          const char *value = authflow_inspector_json_get_string (header, "value");
          GtkWidget *row;
          g_autofree char *text = NULL;

          if (name == NULL)
            continue;

          row = adw_action_row_new ();
          text = authflow_page_shorten_text (value != NULL && value[0] != '\0' ? value : "—");
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
          adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), text);
          gtk_widget_add_css_class (row, "property");
          if (authflow_inspector_is_redacted (value))
            gtk_widget_add_css_class (row, "inspector-redacted-row");
          adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
          shown++;
        }
    }

  /* Translators: how many headers a request or an answer has. */
  subtitle = g_strdup_printf (ngettext ("%u header", "%u headers", shown), shown);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);
  adw_expander_row_set_enable_expansion (ADW_EXPANDER_ROW (expander), shown > 0);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), expander);
}

static GtkWidget *
text_view_new (const char *text,
               const char *name)
{
  GtkWidget *view = gtk_text_view_new ();
  GtkWidget *frame = gtk_frame_new (NULL);

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text, -1);
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_widget_add_css_class (view, "inspector-body-text");
  gtk_frame_set_child (GTK_FRAME (frame), view);

  return frame;
}

static gboolean
looks_like_json (const char *mime_type,
                 const char *text)
{
  while (g_ascii_isspace (*text))
    text++;

  return (mime_type != NULL && strstr (mime_type, "json") != NULL) || *text == '{' || *text == '[';
}

/* A request or an answer: what its body is, its headers, then the body as
 * the journal kept it: JSON as a tree, a form field by field, else text.
 */
static void
add_message (AuthflowInspectorDetails *self,
             const char               *title,
             JsonObject               *message)
{
  JsonObject *body = authflow_inspector_json_get_object (message, "body");
  const char *mime_type = authflow_inspector_json_get_string (body, "mimeType");
  const char *text = authflow_inspector_json_get_string (body, "text");
  gint64 size = authflow_inspector_json_get_int (body, "size", -1);
  g_autofree char *size_text = size >= 0 ? g_format_size (size) : NULL;
  g_autofree char *description = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  GtkWidget *group;

  if (body == NULL)
    description = g_strdup (_("No body"));
  else if (authflow_inspector_json_get_boolean (body, "truncated"))
    /* Translators: a body's type and size, when the journal kept only its
     * start; %s are a type such as “application/json” and a size.
     */
    description = g_strdup_printf (_("%s, %s: only the first 16 KiB are kept"),
                                   mime_type != NULL ? mime_type : _("no type"), size_text != NULL ? size_text : "?");
  else
    /* Translators: a body's type and size, e.g. “application/json, 48 bytes”. */
    description = g_strdup_printf (_("%s, %s"), mime_type != NULL ? mime_type : _("no type"),
                                   size_text != NULL ? size_text : "?");

  group = add_group (self, title, description);
  add_headers (group, message);

  if (body == NULL)
    return;

  if (authflow_inspector_json_get_boolean (body, "binary"))
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Binary, not kept"));
      gtk_widget_add_css_class (row, "dim-label");
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
      return;
    }

  if (text == NULL)
    return;

  /* A form, field by field, in its order. */
  if (mime_type != NULL && strstr (mime_type, "x-www-form-urlencoded") != NULL)
    {
      GUriParamsIter iter;
      char *name;
      char *value;
      guint n = 0;

      g_uri_params_iter_init (&iter, text, -1, "&", G_URI_PARAMS_WWW_FORM);
      while (n < AUTHFLOW_INSPECTOR_JSON_MAX_CHILDREN && g_uri_params_iter_next (&iter, &name, &value, NULL))
        {
          add_row (group, name, value);
          g_free (name);
          g_free (value);
          n++;
        }
      if (n > 0)
        return;
    }

  if (looks_like_json (mime_type, text) &&
      (parsed = authflow_json_parse (text, -1, NULL)) != NULL)
    {
      GtkWidget *view = authflow_inspector_json_view_new (parsed, 2);

      gtk_widget_set_margin_top (view, 12);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), view);
      return;
    }

  {
    GtkWidget *view = text_view_new (text, title);

    gtk_widget_set_margin_top (view, 12);
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), view);
  }
}

static void
copy_curl_cb (AuthflowInspectorDetails *self)
{
  g_autofree char *command = authflow_inspector_details_dup_curl (self);
  GtkWidget *overlay;

  if (command == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), command);

  if ((overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY)) != NULL)
    {
      /* As long as libadwaita's toasts last: time to read it. */
      adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (_("Copied as curl")));
    }
}

static void
add_exchange (AuthflowInspectorDetails *self,
              JsonObject               *details)
{
  JsonObject *request = authflow_inspector_json_get_object (details, "request");
  JsonObject *response = authflow_inspector_json_get_object (details, "response");
  JsonObject *timings = authflow_inspector_json_get_object (details, "timings");
  const char *error = authflow_inspector_json_get_string (details, "error");
  g_autofree char *status = NULL;
  g_autofree char *connect = NULL;
  g_autofree char *first_byte = NULL;
  g_autofree char *total = NULL;
  g_autofree char *request_line = NULL;
  GtkWidget *group;
  AdwActionRow *row;
  double connect_ms;

  group = add_group (self, _("Exchange"), NULL);
  if (response != NULL)
    status = g_strdup_printf ("%" G_GINT64_FORMAT " %s", authflow_inspector_exchange_get_status (details),
                              authflow_inspector_json_get_string (response, "statusText") ?: "");
  else
    status = g_strdup (_("No answer"));
  g_strchomp (status);
  row = add_row (group, _("Status"), status);
  if (authflow_inspector_exchange_get_status (details) >= 400 || response == NULL)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  if (error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (add_row (group, _("Error"), error)), "error");
  request_line = g_strdup_printf ("%s %s", authflow_inspector_json_get_string (request, "method") ?: "?",
                                  authflow_inspector_json_get_string (request, "url") ?: "?");
  add_row (group, _("Request"), request_line);
  add_row (group, _("Call"), authflow_inspector_json_get_string (details, "call") ?: _("A generic API call"));
  add_row (group, _("Retry"), authflow_inspector_json_get_boolean (details, "retry")
                              ? _("Yes, the one retry after a renewal") : _("No"));

  /* What the person looks for, the bodies, before what helps to explain it. */
  add_message (self, _("Request"), request);
  if (response != NULL)
    add_message (self, _("Answer"), response);

  /* 0 to connect is a connection used again. */
  connect_ms = authflow_inspector_json_get_number (timings, "connectMs", -1);
  connect = connect_ms == 0 ? g_strdup (_("Reused connection")) : format_ms (connect_ms);
  first_byte = format_ms (authflow_inspector_json_get_number (timings, "firstByteMs", -1));
  total = format_ms (authflow_inspector_json_get_number (timings, "totalMs", -1));
  group = add_group (self, _("Timings"), NULL);
  add_row (group, _("Connect"), connect);
  add_row (group, _("First Byte"), first_byte);
  add_row (group, _("Total"), total);
  if (authflow_inspector_json_get_string (details, "outcome") != NULL)
    add_row (group, _("Outcome"), authflow_inspector_json_get_string (details, "outcome"));
}

static void
update_refresh (AuthflowInspectorDetails *self)
{
  const AuthflowInspectorRefresh *refresh;
  g_autofree char *served = NULL;
  g_autofree char *retries = NULL;

  if (self->served_row == NULL || self->links == NULL ||
      !(refresh = authflow_inspector_links_lookup_refresh (self->links, self->refresh_seq)))
    return;

  /* Translators: how many calls one refresh served, and how many of them
   * had an answer 401 first.
   */
  served = g_strdup_printf (ngettext ("%u call, %u of them after an answer 401",
                                      "%u calls, %u of them after an answer 401", refresh->served),
                            refresh->served, refresh->refused);
  /* Translators: how many calls were sent again after the refresh. */
  retries = g_strdup_printf (ngettext ("%u call sent again, %u answered", "%u calls sent again, %u answered",
                                       refresh->retries), refresh->retries, refresh->retried);
  adw_action_row_set_subtitle (self->served_row, served);
  adw_action_row_set_subtitle (self->retries_row, retries);
  adw_action_row_set_subtitle (self->outcome_row, refresh->outcome != NULL ? refresh->outcome : _("Still running"));
}

static void
add_refresh (AuthflowInspectorDetails       *self,
             const AuthflowInspectorRefresh *refresh)
{
  g_autofree char *seq = g_strdup_printf ("%" G_GUINT64_FORMAT, refresh->seq);
  g_autofree char *title = NULL;
  GtkWidget *group;
  GtkWidget *button;

  /* Translators: %s is the number of a refresh-started entry, e.g. “41”. */
  title = g_strdup_printf (_("Refresh #%s"), seq);
  group = add_group (self, title, _("One renewal of the tokens, and every call that waited for it"));

  button = gtk_button_new_with_mnemonic (_("Show _Only These"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "timeline.show-refresh");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "t", refresh->seq);
  gtk_widget_set_tooltip_text (button, _("Show only the entries tied to this refresh in the timeline"));
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), button);

  add_row (group, _("Trigger"), refresh->trigger);
  self->refresh_seq = refresh->seq;
  self->served_row = add_row (group, _("Calls Served"), NULL);
  self->retries_row = add_row (group, _("Retries"), NULL);
  self->outcome_row = add_row (group, _("Outcome"), NULL);
  update_refresh (self);
}

static void
add_entry (AuthflowInspectorDetails *self,
           AuthflowJournalEntry     *entry)
{
  JsonObject *details = authflow_journal_entry_get_details (entry);
  GtkWidget *group;
  const char *step = authflow_inspector_step_get_title (authflow_journal_entry_get_step (entry));
  g_autofree char *time = authflow_inspector_format_time (authflow_journal_entry_get_time (entry));
  g_autofree char *server_time = NULL;
  g_autofree char *duration = authflow_inspector_format_duration (authflow_journal_entry_get_duration (entry));
  g_autoptr(JsonNode) node = NULL;

  if (authflow_journal_entry_get_server_time (entry) != NULL)
    server_time = authflow_inspector_format_time (authflow_journal_entry_get_server_time (entry));

  /* The details first: the summary above says what the entry is. */
  group = add_group (self, _("Details"), NULL);
  if (json_object_get_size (details) == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No details"));
      gtk_widget_add_css_class (row, "dim-label");
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }
  else
    {
      node = json_node_init_object (json_node_alloc (), details);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), authflow_inspector_json_view_new (node, 3));
    }

  group = add_group (self, _("Entry"), NULL);
  add_row (group, _("Step"), step != NULL ? step : _("None"));
  add_row (group, _("Time"), time);
  if (server_time != NULL)
    add_row (group, _("Server Time"), server_time);
  if (duration != NULL)
    add_row (group, _("Duration"), duration);
}

static void
links_changed_cb (AuthflowInspectorDetails *self)
{
  update_refresh (self);
}

static void
clear (AuthflowInspectorDetails *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->content))) != NULL)
    gtk_box_remove (self->content, child);

  self->served_row = NULL;
  self->retries_row = NULL;
  self->outcome_row = NULL;
  self->refresh_seq = 0;
}

static void
copy_curl_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  copy_curl_cb (AUTHFLOW_INSPECTOR_DETAILS (widget));
}

static void
authflow_inspector_details_dispose (GObject *object)
{
  AuthflowInspectorDetails *self = (AuthflowInspectorDetails *)object;

  g_clear_signal_handler (&self->links_changed_id, self->links);
  g_clear_object (&self->links);
  g_clear_object (&self->entry);
  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_INSPECTOR_DETAILS);

  G_OBJECT_CLASS (authflow_inspector_details_parent_class)->dispose (object);
}

static void
authflow_inspector_details_class_init (AuthflowInspectorDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_inspector_details_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-inspector-details.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorDetails, scrolled);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorDetails, content);

  gtk_widget_class_install_action (widget_class, "details.copy-curl", NULL, copy_curl_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
authflow_inspector_details_init (AuthflowInspectorDetails *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "details.copy-curl", FALSE);
}

/**
 * authflow_inspector_details_show:
 * @entry: (nullable): the entry to show, or %NULL for none
 * @links: (nullable): what ties the entries of @entry's list together
 */
void
authflow_inspector_details_show (AuthflowInspectorDetails *self,
                                 AuthflowJournalEntry     *entry,
                                 AuthflowInspectorLinks   *links)
{
  const AuthflowInspectorRefresh *refresh = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *time = NULL;
  g_autofree char *meta = NULL;
  g_autofree char *seq = NULL;
  GtkWidget *label;
  gboolean is_exchange;

  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_DETAILS (self));
  g_return_if_fail (entry == NULL || AUTHFLOW_IS_JOURNAL_ENTRY (entry));
  g_return_if_fail (links == NULL || AUTHFLOW_IS_INSPECTOR_LINKS (links));

  clear (self);
  g_set_object (&self->entry, entry);
  if (self->links != links)
    {
      g_clear_signal_handler (&self->links_changed_id, self->links);
      g_set_object (&self->links, links);
      if (links != NULL)
        self->links_changed_id = g_signal_connect_swapped (links, "changed", G_CALLBACK (links_changed_cb), self);
    }

  is_exchange = entry != NULL && authflow_journal_entry_get_kind (entry) == AUTHFLOW_JOURNAL_HTTP;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "details.copy-curl", is_exchange);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scrolled), 0);

  if (entry == NULL)
    return;

  /* What it is, at the top: its summary, then its kind, number and time. */
  {
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

    summary = authflow_page_shorten_text (authflow_journal_entry_get_summary (entry));
    label = gtk_label_new (summary);
    gtk_label_set_wrap (GTK_LABEL (label), TRUE);
    gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
    gtk_label_set_xalign (GTK_LABEL (label), 0);
    gtk_widget_add_css_class (label, "title-3");
    if (authflow_inspector_entry_is_error (entry))
      gtk_widget_add_css_class (label, "error");
    gtk_box_append (GTK_BOX (box), label);

    time = authflow_inspector_format_time (authflow_journal_entry_get_time (entry));
    seq = g_strdup_printf ("%" G_GUINT64_FORMAT, authflow_journal_entry_get_sequence (entry));
    /* Translators: under an entry's summary: its kind, event, number and
     * time, e.g. “HTTP Exchange · exchange · #12 · 12:03:04.123”.
     */
    meta = g_strdup_printf (_("%s · %s · #%s · %s"), kind_title (authflow_journal_entry_get_kind (entry)),
                            authflow_journal_entry_get_event (entry), seq, time);
    label = gtk_label_new (meta);
    gtk_label_set_wrap (GTK_LABEL (label), TRUE);
    gtk_label_set_xalign (GTK_LABEL (label), 0);
    gtk_widget_add_css_class (label, "dim-label");
    gtk_widget_add_css_class (label, "numeric");
    gtk_box_append (GTK_BOX (box), label);

    if (is_exchange)
      {
        GtkWidget *button = gtk_button_new ();
        GtkWidget *button_content = adw_button_content_new ();

        adw_button_content_set_icon_name (ADW_BUTTON_CONTENT (button_content), "edit-copy-symbolic");
        adw_button_content_set_label (ADW_BUTTON_CONTENT (button_content), _("Copy as _curl"));
        adw_button_content_set_use_underline (ADW_BUTTON_CONTENT (button_content), TRUE);
        gtk_button_set_child (GTK_BUTTON (button), button_content);
        gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "details.copy-curl");
        gtk_widget_set_tooltip_text (button, _("Copy the request as a curl command line, each secret a shell variable"));
        gtk_widget_set_halign (button, GTK_ALIGN_START);
        gtk_widget_set_margin_top (button, 6);
        gtk_box_append (GTK_BOX (box), button);
      }

    gtk_box_append (self->content, box);
  }

  /* The refresh first where the entry is its start; else, last, what the
   * entry is part of.
   */
  if (links != NULL)
    refresh = authflow_inspector_links_get_refresh (links, entry);
  if (refresh != NULL && refresh->seq == authflow_journal_entry_get_sequence (entry))
    add_refresh (self, refresh);

  if (is_exchange)
    add_exchange (self, authflow_journal_entry_get_details (entry));
  else
    add_entry (self, entry);

  if (refresh != NULL && refresh->seq != authflow_journal_entry_get_sequence (entry))
    add_refresh (self, refresh);

  authflow_page_fix_accessible_names (GTK_WIDGET (self->content));
}

/**
 * authflow_inspector_details_get_entry:
 *
 * Returns: (transfer none) (nullable): the entry shown
 */
AuthflowJournalEntry *
authflow_inspector_details_get_entry (AuthflowInspectorDetails *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_DETAILS (self), NULL);

  return self->entry;
}

/**
 * authflow_inspector_details_dup_curl:
 *
 * Returns: (transfer full) (nullable): the exchange shown as a curl
 *   command line, what Copy as curl copies; %NULL for any other entry
 */
char *
authflow_inspector_details_dup_curl (AuthflowInspectorDetails *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_DETAILS (self), NULL);

  if (self->entry == NULL || authflow_journal_entry_get_kind (self->entry) != AUTHFLOW_JOURNAL_HTTP)
    return NULL;

  return authflow_inspector_curl_command (authflow_journal_entry_get_details (self->entry),
                                          self->links != NULL
                                          ? authflow_inspector_links_get_fingerprints (self->links) : NULL);
}
