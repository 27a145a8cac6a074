// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "authflow-inspector-mapping-page.h"
#include "authflow-inspector-value-row.h"
#include "authflow-inspector-text.h"
#include "authflow-json.h"
#include "authflow-page-util.h"

/* The Flow Inspector's Mapping page: FlutterFlow's Log in action's field
 * mapping made visible. For the last answer of a login or sign-up (or of
 * the last refresh), each auth property with the path of the profile it
 * came from and what it held; a property that is missing, with what that
 * will cause; and the answer itself, each of its fields marked with the
 * property it became.
 *
 * Everything comes from the journal, the "mapping"/"answer" entry and the
 * "http"/"exchange" entry of the same call before it, so it is redacted
 * already: tokens are fingerprints.
 */
struct _AuthflowInspectorMappingPage
{
  AdwBin                parent_instance;

  AuthflowFlow         *flow;
  AuthflowJournal      *journal;
  /* The newest exchange of each call ("login", …), to pair with the
   * mapping entry that follows it.
   */
  GHashTable           *last_exchange;
  AuthflowJournalEntry *login_mapping;
  AuthflowJournalEntry *login_exchange;
  AuthflowJournalEntry *refresh_mapping;
  AuthflowJournalEntry *refresh_exchange;
  char                 *showing;
  GPtrArray            *answer_rows;

  GtkToggleButton      *login_button;
  GtkToggleButton      *refresh_button;
  AdwPreferencesGroup  *call_group;
  AuthflowInspectorValueRow *exchange_row;
  AuthflowInspectorValueRow *error_row;
  AuthflowInspectorValueRow *token_row;
  AuthflowInspectorValueRow *refresh_token_row;
  AuthflowInspectorValueRow *expiry_row;
  AuthflowInspectorValueRow *uid_row;
  AuthflowInspectorValueRow *user_row;
  AdwPreferencesGroup  *answer_group;
};

G_DEFINE_FINAL_TYPE (AuthflowInspectorMappingPage, authflow_inspector_mapping_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SHOWING,
  N_PROPS
};

/* The page's one child. Not a template child: AdwBin unparents its child
 * itself as it goes, after gtk_widget_dispose_template() would have.
 */
static GtkStack *
get_stack (AuthflowInspectorMappingPage *self)
{
  return GTK_STACK (adw_bin_get_child (ADW_BIN (self)));
}

static GParamSpec *properties [N_PROPS];

/* As many answer fields as Home shows user fields at one level. */
#define MAX_ANSWER_ROWS 60

/* The top-level member a JSON path starts with: "accessToken" for
 * "$.accessToken.x" or "$['accessToken']", %NULL for "$" itself.
 */
static char *
first_member (const char *path)
{
  const char *p;
  const char *end;

  if (path == NULL || path[0] != '$')
    return NULL;

  p = path + 1;
  if (*p == '.')
    {
      p++;
      end = p + strcspn (p, ".[");

      return end > p ? g_strndup (p, end - p) : NULL;
    }

  if (p[0] == '[' && (p[1] == '\'' || p[1] == '"'))
    {
      char quote = p[1];

      p += 2;
      end = strchr (p, quote);

      return end != NULL ? g_strndup (p, end - p) : NULL;
    }

  return NULL;
}

static gboolean
is_found (JsonObject *property)
{
  return property != NULL && !json_object_has_member (property, "missing");
}

static JsonObject *
get_property (JsonObject *details,
              const char *name)
{
  return authflow_inspector_get_object (authflow_inspector_get_object (details, "properties"), name);
}

/* "From $.accessToken", or the lack of a path. */
static char *
describe_path (JsonObject *property)
{
  const char *path = authflow_inspector_get_string (property, "path");

  if (path == NULL)
    return g_strdup (_("The profile maps no path for it"));

  /* Translators: %s is a JSON path into the answer, such as "$.accessToken". */
  return g_strdup_printf (_("From %s"), path);
}

/* What a missing property leads to, in the words of the flow. */
static const char *
explain_missing (const char *name,
                 const char *call,
                 JsonObject *details)
{
  gboolean refresh = g_strcmp0 (call, "refresh") == 0;

  if (g_str_equal (name, "token"))
    return _("There is no session without an access token: the answer cannot be used.");

  if (g_str_equal (name, "refreshToken"))
    {
      if (refresh)
        return _("The refresh token held before is kept: this backend does not hand out a new one.");
      if (!is_found (get_property (details, "expiry")))
        return _("The session ends at the first 401: without a refresh token it cannot be renewed.");
      return _("The session ends at expiry: without a refresh token it cannot be renewed.");
    }

  if (g_str_equal (name, "expiry"))
    return _("The token is renewed on a 401 only: nothing says when it expires.");

  if (g_str_equal (name, "uid"))
    return _("Nothing stands in for it: the user is known by what was typed to log in, and a call whose path needs {{uid}} cannot be made.");

  return NULL;
}

/* The part of @text between @prefix and @suffix, if it is made so. */
static char *
match_between (const char *text,
               const char *prefix,
               const char *suffix)
{
  gsize len = strlen (text);
  gsize prefix_len = strlen (prefix);
  gsize suffix_len = strlen (suffix);

  if (len <= prefix_len + suffix_len || !g_str_has_prefix (text, prefix) || !g_str_has_suffix (text, suffix))
    return NULL;

  return g_strndup (text + prefix_len, len - prefix_len - suffix_len);
}

/* Why a property was not found, as the client told the journal (in
 * English, see authflow-client-journal.c), as a sentence in the person's
 * language where it is one the client says; else as it was said.
 */
static char *
translate_why (const char *why)
{
  g_autofree char *path = NULL;

  if ((path = match_between (why, "no field at ", "")) != NULL)
    /* Translators: %s is a JSON path, such as "$.refreshToken". */
    return g_strdup_printf (_("No field at %s."), path);
  if ((path = match_between (why, "the field at ", " is null")) != NULL)
    return g_strdup_printf (_("The field at %s is null."), path);
  if ((path = match_between (why, "the field at ", " is empty")) != NULL)
    return g_strdup_printf (_("The field at %s is empty."), path);
  if ((path = match_between (why, "the field at ", " is not a string")) != NULL)
    return g_strdup_printf (_("The field at %s is not a string."), path);
  if ((path = match_between (why, "the field at ", " is not an object")) != NULL)
    return g_strdup_printf (_("The field at %s is not an object."), path);
  if ((path = match_between (why, "nothing but the tokens at ", "")) != NULL)
    return g_strdup_printf (_("Nothing but the tokens at %s."), path);
  if (g_str_equal (why, "the profile maps none for this call") ||
      g_str_equal (why, "the profile maps no user for this call"))
    return g_strdup (_("The profile maps none for this call."));

  return g_strdup_printf ("%c%s.", g_ascii_toupper (why[0]), why + 1);
}

static void
set_missing (AuthflowInspectorValueRow *row,
             JsonObject           *property,
             const char           *explanation)
{
  const char *why = authflow_inspector_get_string (property, "missing");
  g_autofree char *what = NULL;
  g_autofree char *text = NULL;

  what = why != NULL && why[0] != '\0' ? translate_why (why) : describe_path (property);

  text = g_strdup_printf ("%s\n%s", what, explanation != NULL ? explanation : "");
  g_strchomp (text);
  authflow_inspector_value_row_set_value (row, text);
  authflow_inspector_value_row_set_tag (row, _("Missing"));
  authflow_inspector_value_row_set_tag_style (row, "warning");
}

static void
show_token_property (AuthflowInspectorMappingPage *self,
                     AuthflowInspectorValueRow         *row,
                     JsonObject                   *details,
                     const char                   *name)
{
  JsonObject *property = get_property (details, name);
  JsonObject *value = authflow_inspector_get_object (property, "value");
  g_autofree char *path = describe_path (property);
  g_autofree char *text = NULL;
  const char *fingerprint;
  gint64 length;

  authflow_inspector_value_row_set_tag (row, NULL);
  if (!is_found (property) || value == NULL)
    {
      set_missing (row, property, explain_missing (name, authflow_inspector_get_string (details, "call"), details));
      return;
    }

  fingerprint = authflow_inspector_get_string (value, "fingerprint");
  length = json_object_get_int_member_with_default (value, "length", 0);
  if (authflow_inspector_get_object (value, "jwt") != NULL)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         /* Translators: where it came from, then a token's
                                          * fingerprint and its length.
                                          */
                                         "%s\n%s · %d character · a JWT",
                                         "%s\n%s · %d characters · a JWT", length),
                            path, fingerprint != NULL ? fingerprint : "", (int) length);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         /* Translators: where it came from, then a token's
                                          * fingerprint and its length.
                                          */
                                         "%s\n%s · %d character",
                                         "%s\n%s · %d characters", length),
                            path, fingerprint != NULL ? fingerprint : "", (int) length);
  authflow_inspector_value_row_set_value (row, text);
}

static void
show_expiry (AuthflowInspectorMappingPage *self,
             JsonObject                   *details)
{
  JsonObject *property = get_property (details, "expiry");
  const char *value = authflow_inspector_get_string (property, "value");
  const char *path = authflow_inspector_get_string (property, "path");
  g_autoptr(GDateTime) when = value != NULL ? g_date_time_new_from_iso8601 (value, NULL) : NULL;
  g_autoptr(GDateTime) now = authflow_flow_dup_now (self->flow);
  g_autofree char *from = NULL;
  g_autofree char *instant = NULL;
  g_autofree char *text = NULL;

  authflow_inspector_value_row_set_tag (self->expiry_row, NULL);
  if (!is_found (property))
    {
      set_missing (self->expiry_row, property, explain_missing ("expiry", NULL, details));
      return;
    }

  if (g_strcmp0 (authflow_inspector_get_string (property, "claim"), "exp") == 0)
    /* Translators: %s is the JSON path of the access token in the answer. */
    from = g_strdup_printf (_("From the exp claim of the token at %s"), path != NULL ? path : "$");
  else
    from = describe_path (property);

  instant = when != NULL ? authflow_inspector_format_instant (when, 0, now) : g_strdup (value);
  text = g_strdup_printf ("%s\n%s", from, instant != NULL ? instant : "");
  authflow_inspector_value_row_set_value (self->expiry_row, text);
}

static void
show_uid (AuthflowInspectorMappingPage *self,
          JsonObject                   *details)
{
  JsonObject *property = get_property (details, "uid");
  const char *value = authflow_inspector_get_string (property, "value");
  g_autofree char *from = NULL;
  g_autofree char *text = NULL;

  authflow_inspector_value_row_set_tag (self->uid_row, NULL);
  if (!is_found (property) || value == NULL)
    {
      set_missing (self->uid_row, property, explain_missing ("uid", NULL, details));
      return;
    }

  if (g_strcmp0 (authflow_inspector_get_string (property, "source"), "user") == 0)
    {
      const char *path = authflow_inspector_get_string (property, "path");

      /* Translators: %s is the JSON path the profile gives for the user ID. */
      from = path != NULL ? g_strdup_printf (_("From the user data’s id: nothing usable at %s"), path)
                          : g_strdup (_("From the user data’s id: the profile maps no path for it"));
    }
  else
    from = describe_path (property);

  text = g_strdup_printf ("%s\n%s", from, value);
  authflow_inspector_value_row_set_value (self->uid_row, text);
}

static char *
join_fields (JsonArray *fields)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = fields != NULL ? json_array_get_length (fields) : 0;

  for (guint i = 0; i < n && text->len < AUTHFLOW_PAGE_MAX_SHOWN_BYTES; i++)
    {
      JsonNode *node = json_array_get_element (fields, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          if (text->len > 0)
            g_string_append (text, ", ");
          g_string_append (text, json_node_get_string (node));
        }
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
show_user (AuthflowInspectorMappingPage *self,
           JsonObject                   *details)
{
  JsonObject *user = authflow_inspector_get_object (details, "user");
  const char *call = authflow_inspector_get_string (details, "call");
  JsonArray *fields = NULL;
  g_autofree char *path = describe_path (user);
  g_autofree char *names = NULL;
  g_autofree char *text = NULL;
  guint n;

  authflow_inspector_value_row_set_tag (self->user_row, NULL);

  if (user != NULL && json_object_has_member (user, "fields") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (user, "fields")))
    fields = json_object_get_array_member (user, "fields");

  if (user == NULL || fields == NULL)
    {
      set_missing (self->user_row, user,
                   g_strcmp0 (call, "refresh") == 0
                   ? _("The user data held before is kept: a refresh answer renews the tokens only.")
                   : _("There is no user record to show."));
      return;
    }

  n = json_array_get_length (fields);
  names = join_fields (fields);

  /* No user data in the answer: the person who logged in, as typed. */
  if (g_strcmp0 (authflow_inspector_get_string (user, "source"), "typed") == 0)
    {
      const char *note = authflow_inspector_get_string (user, "note");

      g_autofree char *why = note != NULL && note[0] != '\0' ? translate_why (note) : g_strdup ("");

      /* Translators: the first %s is why the answer gave no user data, a
       * sentence; the second the fields the app made from what was typed,
       * such as "username".
       */
      text = g_strdup_printf (_("%s\nThe user is the one who logged in, as typed: %s"), why, names);
      authflow_inspector_value_row_set_value (self->user_row, text);
      authflow_inspector_value_row_set_tag (self->user_row, _("Missing"));
      authflow_inspector_value_row_set_tag_style (self->user_row, "warning");
      return;
    }

  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       /* Translators: where it came from, then how many
                                        * fields and their names.
                                        */
                                       "%s\n%u field: %s", "%s\n%u fields: %s", n),
                          path, n, names);
  authflow_inspector_value_row_set_value (self->user_row, text);
}

/* What each top-level member of the answer became, for its tag. */
static char *
describe_use (JsonObject *details,
              const char *member,
              gboolean   *auth_property)
{
  static const struct
  {
    const char *name;
    const char *label;
  } names[] = {
    { "token", N_("Access Token") },
    { "refreshToken", N_("Refresh Token") },
    { "expiry", N_("Token Expiry") },
    { "uid", N_("User ID") },
  };
  g_autoptr(GString) uses = g_string_new (NULL);
  JsonObject *user = authflow_inspector_get_object (details, "user");

  *auth_property = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonObject *property = get_property (details, names[i].name);
      g_autofree char *first = first_member (authflow_inspector_get_string (property, "path"));

      if (!is_found (property) || g_strcmp0 (first, member) != 0 ||
          g_strcmp0 (authflow_inspector_get_string (property, "source"), "user") == 0)
        continue;

      if (uses->len > 0)
        g_string_append (uses, " · ");
      g_string_append (uses, _(names[i].label));
      *auth_property = TRUE;
    }

  if (user != NULL && json_object_has_member (user, "fields") &&
      g_strcmp0 (authflow_inspector_get_string (user, "source"), "typed") != 0)
    {
      const char *path = authflow_inspector_get_string (user, "path");
      g_autofree char *first = first_member (path);
      gboolean used = FALSE;

      if (g_strcmp0 (path, "$") == 0 && JSON_NODE_HOLDS_ARRAY (json_object_get_member (user, "fields")))
        {
          JsonArray *fields = json_object_get_array_member (user, "fields");

          for (guint i = 0; i < json_array_get_length (fields) && !used; i++)
            used = g_strcmp0 (json_node_get_string (json_array_get_element (fields, i)), member) == 0;
        }
      else
        used = g_strcmp0 (first, member) == 0;

      if (used)
        {
          if (uses->len > 0)
            g_string_append (uses, " · ");
          g_string_append (uses, _("User Data"));
        }
    }

  if (uses->len == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&uses), FALSE);
}

static void
add_answer_row (AuthflowInspectorMappingPage *self,
                GtkWidget                    *row)
{
  adw_preferences_group_add (self->answer_group, row);
  g_ptr_array_add (self->answer_rows, row);
}

static void
show_answer (AuthflowInspectorMappingPage *self,
             JsonObject                   *details,
             AuthflowJournalEntry         *exchange)
{
  JsonObject *exchange_details = exchange != NULL ? authflow_journal_entry_get_details (exchange) : NULL;
  JsonObject *body = authflow_inspector_get_object (authflow_inspector_get_object (exchange_details, "response"),
                                                    "body");
  const char *text = authflow_inspector_get_string (body, "text");
  g_autoptr(JsonNode) root = NULL;

  for (guint i = 0; i < self->answer_rows->len; i++)
    adw_preferences_group_remove (self->answer_group, g_ptr_array_index (self->answer_rows, i));
  g_ptr_array_set_size (self->answer_rows, 0);

  if (text != NULL)
    root = authflow_json_parse (text, -1, NULL);

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *answer = json_node_get_object (root);
      guint n = json_object_get_size (answer);
      guint shown = 0;
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, answer);
      while (json_object_iter_next_ordered (&iter, &name, &member) && shown < MAX_ANSWER_ROWS)
        {
          g_autofree char *title = authflow_page_shorten_text (name);
          g_autofree char *value = authflow_inspector_format_value (member);
          gboolean auth_property = FALSE;
          g_autofree char *use = describe_use (details, name, &auth_property);
          AuthflowInspectorValueRow *row = AUTHFLOW_INSPECTOR_VALUE_ROW (authflow_inspector_value_row_new (title, value));

          authflow_inspector_value_row_set_max_lines (row, 4);
          authflow_inspector_value_row_set_monospace (row, TRUE);
          authflow_inspector_value_row_set_tag (row, use);
          authflow_inspector_value_row_set_tag_style (row, auth_property ? "accent" : "neutral");
          add_answer_row (self, GTK_WIDGET (row));
          shown++;
        }

      if (shown < n)
        {
          g_autofree char *more = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                "… %u more field not shown",
                                                                "… %u more fields not shown", n - shown),
                                                   n - shown);

          add_answer_row (self, authflow_inspector_value_row_new (NULL, more));
        }
    }
  else if (text != NULL)
    {
      /* Not an object (or cut where the journal stopped keeping it). */
      g_autofree char *shown = authflow_page_shorten_text (text);
      AuthflowInspectorValueRow *row = AUTHFLOW_INSPECTOR_VALUE_ROW (authflow_inspector_value_row_new (_("Body"), shown));

      authflow_inspector_value_row_set_monospace (row, TRUE);
      authflow_inspector_value_row_set_max_lines (row, 12);
      add_answer_row (self, GTK_WIDGET (row));
    }
  else
    add_answer_row (self, authflow_inspector_value_row_new (NULL, exchange != NULL
                                                            ? _("The journal kept no text of this answer")
                                                            : _("The exchange of this answer is no longer in the journal")));

  if (body != NULL && json_object_get_boolean_member_with_default (body, "truncated", FALSE))
    add_answer_row (self, authflow_inspector_value_row_new (NULL, _("The answer was longer: the journal keeps the first 16 KiB of each body")));
}

static void
show_call (AuthflowInspectorMappingPage *self,
           AuthflowJournalEntry         *mapping,
           AuthflowJournalEntry         *exchange)
{
  JsonObject *details = authflow_journal_entry_get_details (mapping);
  const char *call = authflow_inspector_get_string (details, "call");
  const char *error = authflow_inspector_get_string (details, "error");
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *when = authflow_inspector_format_clock (authflow_journal_entry_get_time (mapping), now);
  g_autofree char *description = NULL;

  if (g_strcmp0 (call, "signup") == 0)
    adw_preferences_group_set_title (self->call_group, _("Sign Up Answer"));
  else if (g_strcmp0 (call, "refresh") == 0)
    adw_preferences_group_set_title (self->call_group, _("Refresh Answer"));
  else
    adw_preferences_group_set_title (self->call_group, _("Log In Answer"));

  /* Translators: %s is a time of day. */
  description = g_strdup_printf (_("Read at %s"), when);
  adw_preferences_group_set_description (self->call_group, description);

  authflow_inspector_value_row_set_value (self->exchange_row,
                                    exchange != NULL ? authflow_journal_entry_get_summary (exchange)
                                                     : _("No longer in the journal"));
  authflow_inspector_value_row_set_value (self->error_row, error);
  authflow_inspector_value_row_set_tag_style (self->error_row, "warning");
  gtk_widget_set_visible (GTK_WIDGET (self->error_row), error != NULL);

  show_token_property (self, self->token_row, details, "token");
  show_token_property (self, self->refresh_token_row, details, "refreshToken");
  show_expiry (self, details);
  show_uid (self, details);
  show_user (self, details);
  show_answer (self, details, exchange);
}

static void
update_view (AuthflowInspectorMappingPage *self)
{
  gboolean refresh = g_strcmp0 (self->showing, "refresh") == 0;

  /* Only one of the two there: that one, and the switch says so. */
  if (refresh ? self->refresh_mapping == NULL && self->login_mapping != NULL
              : self->login_mapping == NULL && self->refresh_mapping != NULL)
    {
      refresh = !refresh;
      g_free (self->showing);
      self->showing = g_strdup (refresh ? "refresh" : "log-in");
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SHOWING]);
    }

  gtk_toggle_button_set_active (refresh ? self->refresh_button : self->login_button, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->login_button), self->login_mapping != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->refresh_button), self->refresh_mapping != NULL);

  if (self->login_mapping == NULL && self->refresh_mapping == NULL)
    {
      gtk_stack_set_visible_child_name (get_stack (self), "empty");
      return;
    }

  gtk_stack_set_visible_child_name (get_stack (self), "mapping");
  if (refresh)
    show_call (self, self->refresh_mapping, self->refresh_exchange);
  else
    show_call (self, self->login_mapping, self->login_exchange);
}

/* Keeps what the page shows from @entry. Returns whether it changed. */
static gboolean
take_entry (AuthflowInspectorMappingPage *self,
            AuthflowJournalEntry         *entry)
{
  AuthflowJournalKind kind = authflow_journal_entry_get_kind (entry);
  const char *call = authflow_inspector_get_string (authflow_journal_entry_get_details (entry), "call");

  if (call == NULL)
    return FALSE;

  if (kind == AUTHFLOW_JOURNAL_HTTP && g_strcmp0 (authflow_journal_entry_get_event (entry), "exchange") == 0)
    {
      g_hash_table_replace (self->last_exchange, g_strdup (call), g_object_ref (entry));
      return FALSE;
    }

  if (kind != AUTHFLOW_JOURNAL_MAPPING || g_strcmp0 (authflow_journal_entry_get_event (entry), "answer") != 0)
    return FALSE;

  if (g_str_equal (call, "login") || g_str_equal (call, "signup"))
    {
      g_set_object (&self->login_mapping, entry);
      g_set_object (&self->login_exchange, g_hash_table_lookup (self->last_exchange, call));
      return TRUE;
    }

  if (g_str_equal (call, "refresh"))
    {
      g_set_object (&self->refresh_mapping, entry);
      g_set_object (&self->refresh_exchange, g_hash_table_lookup (self->last_exchange, call));
      return TRUE;
    }

  return FALSE;
}

static void
entry_added_cb (AuthflowInspectorMappingPage *self,
                AuthflowJournalEntry         *entry)
{
  if (take_entry (self, entry))
    update_view (self);
}

static void
set_showing (AuthflowInspectorMappingPage *self,
             const char                   *showing)
{
  if (g_strcmp0 (showing, "refresh") != 0)
    showing = "log-in";

  /* GLib 2.74 has no g_set_str (). */
  if (g_strcmp0 (self->showing, showing) == 0)
    return;

  g_free (self->showing);
  self->showing = g_strdup (showing);
  update_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SHOWING]);
}

static void
switch_toggled_cb (AuthflowInspectorMappingPage *self,
                   GtkToggleButton              *button)
{
  if (gtk_toggle_button_get_active (button))
    set_showing (self, button == self->refresh_button ? "refresh" : "log-in");
}

static void
authflow_inspector_mapping_page_dispose (GObject *object)
{
  AuthflowInspectorMappingPage *self = (AuthflowInspectorMappingPage *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_INSPECTOR_MAPPING_PAGE);

  g_clear_object (&self->journal);
  g_clear_object (&self->flow);
  g_clear_object (&self->login_mapping);
  g_clear_object (&self->login_exchange);
  g_clear_object (&self->refresh_mapping);
  g_clear_object (&self->refresh_exchange);
  g_clear_pointer (&self->last_exchange, g_hash_table_unref);
  g_clear_pointer (&self->answer_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (authflow_inspector_mapping_page_parent_class)->dispose (object);
}

static void
authflow_inspector_mapping_page_finalize (GObject *object)
{
  AuthflowInspectorMappingPage *self = (AuthflowInspectorMappingPage *)object;

  g_clear_pointer (&self->showing, g_free);

  G_OBJECT_CLASS (authflow_inspector_mapping_page_parent_class)->finalize (object);
}

static void
authflow_inspector_mapping_page_get_property (GObject    *object,
                                              guint       prop_id,
                                              GValue     *value,
                                              GParamSpec *pspec)
{
  AuthflowInspectorMappingPage *self = AUTHFLOW_INSPECTOR_MAPPING_PAGE (object);

  switch (prop_id)
    {
    case PROP_SHOWING:
      g_value_set_string (value, self->showing);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_inspector_mapping_page_set_property (GObject      *object,
                                              guint         prop_id,
                                              const GValue *value,
                                              GParamSpec   *pspec)
{
  AuthflowInspectorMappingPage *self = AUTHFLOW_INSPECTOR_MAPPING_PAGE (object);

  switch (prop_id)
    {
    case PROP_SHOWING:
      set_showing (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_inspector_mapping_page_class_init (AuthflowInspectorMappingPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_inspector_mapping_page_dispose;
  object_class->finalize = authflow_inspector_mapping_page_finalize;
  object_class->get_property = authflow_inspector_mapping_page_get_property;
  object_class->set_property = authflow_inspector_mapping_page_set_property;

  /* Which answer is shown: "log-in" (the last login or sign-up) or
   * "refresh" (the last refresh).
   */
  properties [PROP_SHOWING] =
    g_param_spec_string ("showing", NULL, NULL, "log-in",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AUTHFLOW_TYPE_INSPECTOR_VALUE_ROW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-inspector-mapping-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorMappingPage, login_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorMappingPage, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorMappingPage, call_group);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorMappingPage, exchange_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorMappingPage, error_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorMappingPage, token_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorMappingPage, refresh_token_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorMappingPage, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorMappingPage, uid_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorMappingPage, user_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorMappingPage, answer_group);

  gtk_widget_class_bind_template_callback (widget_class, switch_toggled_cb);
}

static void
authflow_inspector_mapping_page_init (AuthflowInspectorMappingPage *self)
{
  self->showing = g_strdup ("log-in");
  self->answer_rows = g_ptr_array_new ();
  self->last_exchange = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  gtk_widget_init_template (GTK_WIDGET (self));
  authflow_inspector_name_buttons (GTK_WIDGET (self));
}

/**
 * authflow_inspector_mapping_page_new:
 * @flow: the flow whose journal the page reads
 *
 * Returns: (transfer floating): the Mapping page
 */
GtkWidget *
authflow_inspector_mapping_page_new (AuthflowFlow *flow)
{
  AuthflowInspectorMappingPage *self;

  g_return_val_if_fail (AUTHFLOW_IS_FLOW (flow), NULL);

  self = g_object_new (AUTHFLOW_TYPE_INSPECTOR_MAPPING_PAGE, NULL);
  self->flow = g_object_ref (flow);

  if (authflow_flow_get_journal (flow) != NULL)
    {
      GListModel *entries;

      self->journal = g_object_ref (authflow_flow_get_journal (flow));
      entries = authflow_journal_get_entries (self->journal);
      for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
        {
          g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (entries, i);

          take_entry (self, entry);
        }
      g_signal_connect_object (self->journal, "entry-added", G_CALLBACK (entry_added_cb), self, G_CONNECT_SWAPPED);
    }

  update_view (self);

  return GTK_WIDGET (self);
}
