// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-page"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "authflow-page-util.h"

static char *
strip_mnemonic (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      if (*p == '_' && p[1] != '\0' && p[1] != '_')
        continue;
      if (*p == '_' && p[1] == '_')
        p++;
      g_string_append_c (out, *p);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static const char *
find_label_text (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_text (GTK_LABEL (widget));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *text = find_label_text (child);

      if (text != NULL && text[0] != '\0')
        return text;
    }

  return NULL;
}

static void
set_name (GtkWidget  *widget,
          const char *name)
{
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);
}

static void
name_buttons (GtkWidget  *widget,
                     const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child))
        set_name (child, name);
      else
        name_buttons (child, name);
    }
}

static void
stop_emission_cb (GtkWidget *widget,
                  gpointer   user_data)
{
  g_signal_stop_emission_by_name (widget, user_data);
}

/* A password is typed, never copied out: not with the keyboard, not from
 * the context menu, not even while it is shown with the peek button. The
 * menu items and Ctrl+C both go through these signals.
 */
static void
refuse_clipboard (GtkWidget *text)
{
  if (!GTK_IS_TEXT (text))
    return;

  g_signal_connect (text, "copy-clipboard", G_CALLBACK (stop_emission_cb), (gpointer) "copy-clipboard");
  g_signal_connect (text, "cut-clipboard", G_CALLBACK (stop_emission_cb), (gpointer) "cut-clipboard");
}

/**
 * authflow_page_fix_accessible_names:
 *
 * Gives every button and entry row below @widget one accessible name: the
 * text a person sees, without its mnemonic underscore. GTK 4.8 joins a
 * button's label property, underscore and all, with the text of the label
 * inside it ("_Cancel Cancel"), so UI automation looking for "Cancel" would
 * find nothing.
 */
void
authflow_page_fix_accessible_names (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget) && !GTK_IS_MENU_BUTTON (widget))
    {
      const char *text = gtk_button_get_label (GTK_BUTTON (widget));

      if (text == NULL)
        text = find_label_text (widget);

      if (text != NULL)
        {
          g_autofree char *name = strip_mnemonic (text);

          set_name (widget, name);
        }
    }
  else if (ADW_IS_ENTRY_ROW (widget))
    {
      authflow_page_label_entry_row (ADW_ENTRY_ROW (widget));
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    authflow_page_fix_accessible_names (child);
}

/**
 * authflow_page_label_entry_row:
 *
 * Gives the text field inside @row the row's title as its accessible name.
 * libadwaita 1.2 leaves the field unnamed, so that UI automation looking for
 * the "Username" field would find nothing to type into.
 */
void
authflow_page_label_entry_row (AdwEntryRow *row)
{
  GtkEditable *delegate = gtk_editable_get_delegate (GTK_EDITABLE (row));
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));

  set_name (GTK_WIDGET (row), title);
  if (delegate != NULL)
    set_name (GTK_WIDGET (delegate), title);

  /* libadwaita 1.2 leaves the password row's peek button unnamed too. */
  if (ADW_IS_PASSWORD_ENTRY_ROW (row))
    {
      name_buttons (GTK_WIDGET (row), _("Show Password"));
      if (delegate != NULL)
        refuse_clipboard (GTK_WIDGET (delegate));
    }
}

/**
 * authflow_page_clear_password:
 *
 * Empties a password field once its text has been used.
 */
void
authflow_page_clear_password (AdwEntryRow *row)
{
  gtk_editable_set_text (GTK_EDITABLE (row), "");
}

/**
 * authflow_page_format_backend:
 * @format: a format with one `%s`, for the backend's host and port
 *
 * Returns: (transfer full): @format with the client's backend filled in
 */
char *
authflow_page_format_backend (const char     *format,
                              AuthflowClient *client)
{
  const char *url = authflow_client_get_base_url (client);
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *where = NULL;

  if (uri != NULL && g_uri_get_host (uri) != NULL && g_uri_get_port (uri) > 0)
    where = g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
  else if (uri != NULL && g_uri_get_host (uri) != NULL)
    where = g_strdup (g_uri_get_host (uri));
  else
    where = g_strdup (url);

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  return g_strdup_printf (format, where);
#pragma GCC diagnostic pop
}

/**
 * authflow_page_shorten_token:
 *
 * Returns: (transfer full): the start and end of @token, enough to tell two
 *   tokens apart on screen without showing the whole secret
 */
char *
authflow_page_shorten_token (const char *token)
{
  gsize len;

  if (token == NULL)
    return g_strdup ("—");

  len = strlen (token);
  if (len <= 16)
    return g_strdup ("••••••");

  return g_strdup_printf ("%.8s…%s", token, token + len - 6);
}

/**
 * authflow_page_shorten_text:
 * @text: (nullable): UTF-8 text from the backend
 *
 * Returns: (transfer full): @text as it is when it is short enough to show,
 *   else its first %AUTHFLOW_PAGE_MAX_SHOWN_BYTES bytes (whole characters)
 *   and how much was cut, e.g. "aaaa… 880.0 kB more"
 */
char *
authflow_page_shorten_text (const char *text)
{
  g_autofree char *rest = NULL;
  const char *cut;
  gsize len;

  if (text == NULL)
    return NULL;

  len = strnlen (text, AUTHFLOW_PAGE_MAX_SHOWN_BYTES + 1);
  if (len <= AUTHFLOW_PAGE_MAX_SHOWN_BYTES)
    return g_strdup (text);

  cut = g_utf8_find_prev_char (text, text + AUTHFLOW_PAGE_MAX_SHOWN_BYTES + 1);
  rest = g_format_size (strlen (cut));

  /* Translators: the start of a long value, then how much of it is not
   * shown, such as "880.0 kB".
   */
  return g_strdup_printf (_("%.*s… %s more"), (int) (cut - text), text, rest);
}

/**
 * authflow_page_set_spinning:
 *
 * Spins @spinner, shown only while it spins: a spinner beside a button's
 * label that takes its room while idle pushes the label off centre.
 */
void
authflow_page_set_spinning (GtkSpinner *spinner,
                            gboolean    spinning)
{
  gtk_spinner_set_spinning (spinner, spinning);
  gtk_widget_set_visible (GTK_WIDGET (spinner), spinning);
}

/* The shortest text that reads back as @value: json-glib writes doubles with
 * 17 digits, so 193.24 would show as 193.24000000000001.
 */
static void
append_double (GString *out,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }

  for (int digits = 1; digits <= 17; digits++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }

  g_string_append (out, buffer);
}

static void
append_json (GString  *out,
             JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        {
          append_double (out, json_node_get_double (node));
        }
      else
        {
          g_autofree char *text = json_to_string (node, FALSE);

          g_string_append (out, text);
        }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        g_string_append_c (out, '[');
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            append_json (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;

    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) members = json_object_get_members (object);

        g_string_append_c (out, '{');
        for (GList *l = members; l != NULL; l = l->next)
          {
            g_autoptr(JsonNode) name = json_node_init_string (json_node_alloc (), l->data);
            g_autofree char *quoted = json_to_string (name, FALSE);

            if (l != members)
              g_string_append_c (out, ',');
            g_string_append_printf (out, "%s:", quoted);
            append_json (out, json_object_get_member (object, l->data));
          }
        g_string_append_c (out, '}');
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

/**
 * authflow_page_format_json:
 * @node: a value from the backend
 *
 * Returns: (transfer full): @node as JSON text, with every number as the
 *   backend wrote it (its shortest form), never as json-glib's 17 digits
 */
char *
authflow_page_format_json (JsonNode *node)
{
  GString *out = g_string_new (NULL);

  append_json (out, node);

  return g_string_free (out, FALSE);
}

static void
open_menu_button_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  gtk_menu_button_popup (GTK_MENU_BUTTON (user_data));
}

static void
set_accessible_name (GtkWidget  *widget,
                     const char *name)
{
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

/**
 * authflow_page_name_stock_controls:
 *
 * GTK 4.8 names the controls inside GtkShortcutsWindow and
 * AdwPreferencesWindow by their types over AT-SPI, and gives a menu button
 * no action. This names them, and gives each menu button the action
 * "menu-button.open" that UI automation can invoke.
 */
void
authflow_page_name_stock_controls (GtkWidget *widget)
{
  if (GTK_IS_SEARCH_ENTRY (widget))
    {
      set_accessible_name (widget, _("Search"));
      return;
    }

  if (GTK_IS_MENU_BUTTON (widget))
    {
      g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
      g_autoptr(GSimpleAction) open = g_simple_action_new ("open", NULL);

      set_accessible_name (widget, _("Sections"));
      g_signal_connect_object (open, "activate", G_CALLBACK (open_menu_button_cb), widget, 0);
      g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (open));
      gtk_widget_insert_action_group (widget, "menu-button", G_ACTION_GROUP (group));
      return;
    }

  /* The window's own buttons (Close…) are named already. */
  if (GTK_IS_WINDOW_CONTROLS (widget))
    return;

  if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) == NULL &&
      GTK_IS_IMAGE (gtk_button_get_child (GTK_BUTTON (widget))))
    {
      const char *tooltip = gtk_widget_get_tooltip_text (widget);

      set_accessible_name (widget, tooltip != NULL ? tooltip : _("Search"));
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    authflow_page_name_stock_controls (child);
}

