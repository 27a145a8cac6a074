// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-inspector-keyring-page.h"
#include "authflow-inspector-value-row.h"
#include "authflow-inspector-text.h"
#include "authflow-page-util.h"

/* The Flow Inspector's Keyring page: what the system keyring holds for
 * this backend (the item's label, attributes and schema, whether its
 * keyring is locked, the stored session's version and fields with every
 * token as its fingerprint) and how the last keyring call went.
 *
 * It asks the store with authflow_session_store_describe_async(), which
 * never unlocks anything, so looking never brings up a prompt. It asks
 * again when the store's calls end, when the store is pointed at another
 * backend, and on Refresh; while the page is not on screen it waits until
 * it is.
 */
struct _AuthflowInspectorKeyringPage
{
  AdwBin                parent_instance;

  AuthflowFlow         *flow;
  AuthflowJournal      *journal;
  GCancellable         *cancellable;
  GPtrArray            *attribute_rows;
  GPtrArray            *field_rows;
  gboolean              stale;
  gboolean              again;
  gboolean              described;

  GtkSpinner           *spinner;
  GtkButton            *refresh_button;
  AuthflowInspectorValueRow *status_row;
  AuthflowInspectorValueRow *label_row;
  AuthflowInspectorValueRow *schema_row;
  AuthflowInspectorValueRow *collection_row;
  AuthflowInspectorValueRow *version_row;
  AdwPreferencesGroup  *attributes_group;
  AdwPreferencesGroup  *fields_group;
  AuthflowInspectorValueRow *call_row;
  AuthflowInspectorValueRow *call_summary_row;
  AuthflowInspectorValueRow *call_when_row;
};

G_DEFINE_FINAL_TYPE (AuthflowInspectorKeyringPage, authflow_inspector_keyring_page, ADW_TYPE_BIN)

static AuthflowSessionStore *
get_store (AuthflowInspectorKeyringPage *self)
{
  return authflow_flow_get_store (self->flow);
}

static void
clear_rows (AdwPreferencesGroup *group,
            GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

static AuthflowInspectorValueRow *
add_row (AdwPreferencesGroup *group,
         GPtrArray           *rows,
         const char          *title,
         const char          *value)
{
  g_autofree char *short_title = authflow_page_shorten_text (title);
  GtkWidget *row = authflow_inspector_value_row_new (short_title, value);

  adw_preferences_group_add (group, row);
  g_ptr_array_add (rows, row);

  return AUTHFLOW_INSPECTOR_VALUE_ROW (row);
}

static const char *
label_for_field (const char *name)
{
  static const struct
  {
    const char *name;
    const char *label;
  } labels[] = {
    { "version", N_("Version") },
    { "accessToken", N_("Access Token") },
    { "refreshToken", N_("Refresh Token") },
    { "expiry", N_("Token Expiry") },
    { "uid", N_("User ID") },
    { "user", N_("User Data") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (name, labels[i].name))
      return _(labels[i].label);

  return name;
}

static void
show_fields (AuthflowInspectorKeyringPage *self,
             JsonObject                   *fields)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init_ordered (&iter, fields);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      g_autofree char *value = NULL;
      AuthflowInspectorValueRow *row;

      if (g_str_equal (name, "expiry") && JSON_NODE_HOLDS_VALUE (member) &&
          json_node_get_value_type (member) == G_TYPE_INT64)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (json_node_get_int (member));
          g_autoptr(GDateTime) now = authflow_flow_dup_now (self->flow);
          g_autofree char *clock = when != NULL ? authflow_inspector_format_clock (when, now) : NULL;

          value = g_strdup_printf ("%" G_GINT64_FORMAT "%s%s", json_node_get_int (member),
                                   clock != NULL ? " · " : "", clock != NULL ? clock : "");
        }
      else
        value = authflow_inspector_format_value (member);

      row = add_row (self->fields_group, self->field_rows, label_for_field (name), value);
      authflow_inspector_value_row_set_max_lines (row, 6);
      if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_INT64 ||
          g_str_equal (name, "accessToken") || g_str_equal (name, "refreshToken"))
        authflow_inspector_value_row_set_monospace (row, TRUE);
    }
}

static void
show_description (AuthflowInspectorKeyringPage *self,
                  JsonObject                   *description,
                  const GError                 *error)
{
  JsonObject *collection = authflow_inspector_get_object (description, "collection");
  JsonObject *attributes = authflow_inspector_get_object (description, "attributes");
  JsonObject *fields = authflow_inspector_get_object (description, "fields");
  const char *problem = authflow_inspector_get_string (description, "problem");
  gboolean found = description != NULL && json_object_get_boolean_member_with_default (description, "found", FALSE);
  gboolean locked = description != NULL && json_object_get_boolean_member_with_default (description, "locked", FALSE);
  const char *collection_label = authflow_inspector_get_string (collection, "label");
  g_autofree char *status = NULL;

  clear_rows (self->attributes_group, self->attribute_rows);
  clear_rows (self->fields_group, self->field_rows);
  authflow_inspector_value_row_set_tag (self->status_row, NULL);

  if (collection_label == NULL || collection_label[0] == '\0')
    collection_label = authflow_inspector_get_string (collection, "path");

  if (error != NULL)
    {
      /* Translators: %s says what went wrong with the keyring. */
      status = g_strdup_printf (_("Could not look: %s"), error->message);
      authflow_inspector_value_row_set_tag (self->status_row, _("Error"));
      authflow_inspector_value_row_set_tag_style (self->status_row, "warning");
    }
  else if (found && locked)
    {
      status = g_strdup (_("Yes, in a locked keyring: its fields stay hidden until it is unlocked"));
      authflow_inspector_value_row_set_tag (self->status_row, _("Locked"));
      authflow_inspector_value_row_set_tag_style (self->status_row, "warning");
    }
  else if (found && collection_label != NULL)
    /* Translators: %s is the keyring's name, such as "Login". */
    status = g_strdup_printf (_("Yes, in the keyring “%s”"), collection_label);
  else if (found)
    status = g_strdup (_("Yes"));
  else if (!authflow_session_store_get_persist (get_store (self)))
    status = g_strdup (_("Nothing is stored for this backend: Persist Auth Sessions is off"));
  else
    status = g_strdup (_("Nothing is stored for this backend"));
  authflow_inspector_value_row_set_value (self->status_row, status);

  authflow_inspector_value_row_set_value (self->label_row, authflow_inspector_get_string (description, "label"));
  gtk_widget_set_visible (GTK_WIDGET (self->label_row), found);
  authflow_inspector_value_row_set_value (self->schema_row, authflow_inspector_get_string (description, "schema"));
  gtk_widget_set_visible (GTK_WIDGET (self->schema_row), description != NULL);

  if (collection != NULL)
    {
      gboolean collection_locked = json_object_get_boolean_member_with_default (collection, "locked", FALSE);
      g_autofree char *text = g_strdup_printf ("%s\n%s\n%s",
                                               collection_label != NULL ? collection_label : "",
                                               authflow_inspector_get_string (collection, "path"),
                                               collection_locked ? _("Locked") : _("Unlocked"));

      authflow_inspector_value_row_set_value (self->collection_row, text);
    }
  else
    authflow_inspector_value_row_set_value (self->collection_row,
                                      description != NULL ? _("The keyring has no default collection") : NULL);
  authflow_inspector_value_row_set_monospace (self->collection_row, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->collection_row), description != NULL);

  if (description != NULL && json_object_has_member (description, "version"))
    {
      g_autofree char *version = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                  json_object_get_int_member (description, "version"));

      authflow_inspector_value_row_set_value (self->version_row, version);
    }
  else
    authflow_inspector_value_row_set_value (self->version_row, problem);
  gtk_widget_set_visible (GTK_WIDGET (self->version_row), fields != NULL || problem != NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->attributes_group), attributes != NULL);
  if (attributes != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, attributes);
      while (json_object_iter_next_ordered (&iter, &name, &member))
        {
          g_autofree char *value = authflow_inspector_format_value (member);

          authflow_inspector_value_row_set_monospace (add_row (self->attributes_group, self->attribute_rows, name, value),
                                                TRUE);
        }
    }

  gtk_widget_set_visible (GTK_WIDGET (self->fields_group), fields != NULL || (found && locked));
  if (fields != NULL)
    show_fields (self, fields);
  else if (found && locked)
    add_row (self->fields_group, self->field_rows, NULL,
             _("Hidden while the keyring is locked. Unlocking it (Passwords and Keys, or a login that asks) shows them here."));
}

static void describe (AuthflowInspectorKeyringPage *self);

static void
described_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(AuthflowInspectorKeyringPage) self = user_data;
  g_autoptr(JsonObject) description = NULL;
  g_autoptr(GError) error = NULL;

  description = authflow_session_store_describe_finish (AUTHFLOW_SESSION_STORE (object), result, &error);
  /* Only the page cancels, as it goes; an answer that was all but there
   * when it went comes all the same.
   */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->flow == NULL)
    return;

  g_clear_object (&self->cancellable);
  authflow_page_set_spinning (self->spinner, FALSE);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->refresh_button), GTK_ACCESSIBLE_STATE_BUSY, FALSE, -1);
  self->described = TRUE;
  show_description (self, description, error);

  if (self->again)
    {
      self->again = FALSE;
      describe (self);
    }
}

static void
describe (AuthflowInspectorKeyringPage *self)
{
  if (self->cancellable != NULL)
    {
      /* Once the call under way ends: what it says may be old already. */
      self->again = TRUE;
      return;
    }

  self->stale = FALSE;
  self->cancellable = g_cancellable_new ();
  authflow_page_set_spinning (self->spinner, TRUE);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->refresh_button), GTK_ACCESSIBLE_STATE_BUSY, TRUE, -1);
  if (!self->described)
    authflow_inspector_value_row_set_value (self->status_row, _("Looking…"));
  authflow_session_store_describe_async (get_store (self), self->cancellable, described_cb, g_object_ref (self));
}

/* Looks again now if the page is on screen, else once it is. */
static void
store_changed_cb (AuthflowInspectorKeyringPage *self)
{
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    describe (self);
  else
    self->stale = TRUE;
}

static const char *
describe_event (const char *event)
{
  if (g_strcmp0 (event, "load") == 0)
    return _("Load");
  if (g_strcmp0 (event, "save") == 0)
    return _("Save");
  if (g_strcmp0 (event, "remove") == 0)
    return _("Remove");
  if (g_strcmp0 (event, "prompt") == 0)
    return _("Unlock prompt");

  return event;
}

static const char *
describe_outcome (const char *outcome)
{
  if (g_strcmp0 (outcome, "ok") == 0)
    return _("done");
  if (g_strcmp0 (outcome, "nothing-stored") == 0)
    return _("nothing stored");
  if (g_strcmp0 (outcome, "locked") == 0)
    return _("the keyring stayed locked");
  if (g_strcmp0 (outcome, "timeout") == 0)
    return _("no answer in time");
  if (g_strcmp0 (outcome, "cancelled") == 0)
    return _("cancelled");
  if (g_strcmp0 (outcome, "error") == 0)
    return _("failed");

  return outcome;
}

/* What the call did, in the person's language: the journal's summary says
 * the same in English.
 */
static char *
describe_call (AuthflowJournalEntry *entry)
{
  JsonObject *details = authflow_journal_entry_get_details (entry);
  const char *event = authflow_journal_entry_get_event (entry);
  const char *outcome = authflow_inspector_get_string (details, "outcome");
  const char *error = authflow_inspector_get_string (details, "error");
  gboolean persist_off = !json_object_get_boolean_member_with_default (details, "persist", TRUE);
  gint64 removed = json_object_get_int_member_with_default (details, "removed", 0);

  if (g_strcmp0 (event, "prompt") == 0)
    return g_strdup (_("The keyring shows an unlock prompt and waits for the person"));

  if (error != NULL)
    return g_strdup (error);

  if (g_strcmp0 (outcome, "nothing-stored") == 0)
    return g_strdup (persist_off ? _("Did not look: Persist Auth Sessions is off")
                                 : _("Nothing stored in the keyring"));

  if (g_strcmp0 (outcome, "ok") != 0)
    return g_strdup (describe_outcome (outcome));

  if (g_strcmp0 (event, "load") == 0)
    return g_strdup (_("Loaded the session from the keyring"));

  if (g_strcmp0 (event, "save") == 0 && persist_off)
    return g_strdup (removed > 0 ? _("Removed the stored session instead of saving it: Persist Auth Sessions is off")
                                 : _("Saved nothing: Persist Auth Sessions is off"));

  if (g_strcmp0 (event, "save") == 0)
    return g_strdup (_("Saved the session in the keyring"));

  if (removed == 0)
    return g_strdup (_("Nothing to remove from the keyring"));

  return g_strdup (_("Removed the session from the keyring"));
}

static void
update_last_call (AuthflowInspectorKeyringPage *self)
{
  g_autoptr(AuthflowJournalEntry) entry = authflow_inspector_find_latest (self->journal, AUTHFLOW_JOURNAL_KEYRING, NULL);
  JsonObject *details;
  const char *outcome;
  g_autofree char *call = NULL;
  g_autofree char *when = NULL;
  g_autofree char *clock = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  gboolean bad;

  gtk_widget_set_visible (GTK_WIDGET (self->call_summary_row), entry != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->call_when_row), entry != NULL);
  authflow_inspector_value_row_set_tag (self->call_row, NULL);

  if (entry == NULL)
    {
      authflow_inspector_value_row_set_value (self->call_row, self->journal != NULL
                                                        ? _("None yet")
                                                        : _("Unknown: the flow keeps no journal"));
      return;
    }

  details = authflow_journal_entry_get_details (entry);
  outcome = authflow_inspector_get_string (details, "outcome");
  bad = outcome != NULL && !g_str_equal (outcome, "ok") && !g_str_equal (outcome, "nothing-stored");

  if (outcome != NULL)
    /* Translators: a keyring call ("Save") and how it ended ("done"). */
    call = g_strdup_printf (_("%s: %s"), describe_event (authflow_journal_entry_get_event (entry)),
                            describe_outcome (outcome));
  else
    call = g_strdup (describe_event (authflow_journal_entry_get_event (entry)));
  authflow_inspector_value_row_set_value (self->call_row, call);
  if (bad)
    {
      authflow_inspector_value_row_set_tag (self->call_row, describe_outcome (outcome));
      authflow_inspector_value_row_set_tag_style (self->call_row, "warning");
    }

  {
    g_autofree char *what = describe_call (entry);

    authflow_inspector_value_row_set_value (self->call_summary_row, what);
  }

  clock = authflow_inspector_format_clock (authflow_journal_entry_get_time (entry), now);
  if (authflow_journal_entry_get_duration (entry) >= 0)
    /* Translators: a time of day, then how long the call took in milliseconds. */
    when = g_strdup_printf (_("%s, took %d ms"), clock,
                            (int) MIN ((authflow_journal_entry_get_duration (entry) + 500) / 1000, G_MAXINT));
  else
    when = g_strdup (clock);
  if (json_object_get_boolean_member_with_default (details, "prompted", FALSE))
    {
      g_autofree char *plain = g_steal_pointer (&when);

      /* Translators: when and how long, then that an unlock prompt showed. */
      when = g_strdup_printf (_("%s; an unlock prompt showed"), plain);
    }
  authflow_inspector_value_row_set_value (self->call_when_row, when);
}

static void
entry_added_cb (AuthflowInspectorKeyringPage *self,
                AuthflowJournalEntry         *entry)
{
  if (authflow_journal_entry_get_kind (entry) != AUTHFLOW_JOURNAL_KEYRING)
    return;

  update_last_call (self);

  /* A call that ended may have changed what is stored; a prompt has not. */
  if (g_strcmp0 (authflow_journal_entry_get_event (entry), "prompt") != 0)
    store_changed_cb (self);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  describe (AUTHFLOW_INSPECTOR_KEYRING_PAGE (widget));
}

static void
authflow_inspector_keyring_page_map (GtkWidget *widget)
{
  AuthflowInspectorKeyringPage *self = AUTHFLOW_INSPECTOR_KEYRING_PAGE (widget);

  GTK_WIDGET_CLASS (authflow_inspector_keyring_page_parent_class)->map (widget);

  if (self->flow != NULL && (self->stale || !self->described))
    describe (self);
}

static void
authflow_inspector_keyring_page_dispose (GObject *object)
{
  AuthflowInspectorKeyringPage *self = (AuthflowInspectorKeyringPage *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_INSPECTOR_KEYRING_PAGE);

  g_clear_object (&self->journal);
  g_clear_object (&self->flow);
  g_clear_pointer (&self->attribute_rows, g_ptr_array_unref);
  g_clear_pointer (&self->field_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (authflow_inspector_keyring_page_parent_class)->dispose (object);
}

static void
authflow_inspector_keyring_page_class_init (AuthflowInspectorKeyringPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_inspector_keyring_page_dispose;
  widget_class->map = authflow_inspector_keyring_page_map;

  g_type_ensure (AUTHFLOW_TYPE_INSPECTOR_VALUE_ROW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-inspector-keyring-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorKeyringPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorKeyringPage, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorKeyringPage, status_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorKeyringPage, label_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorKeyringPage, schema_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorKeyringPage, collection_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorKeyringPage, version_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorKeyringPage, attributes_group);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorKeyringPage, fields_group);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorKeyringPage, call_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorKeyringPage, call_summary_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorKeyringPage, call_when_row);

  gtk_widget_class_install_action (widget_class, "keyring.refresh", NULL, refresh_action);
}

static void
authflow_inspector_keyring_page_init (AuthflowInspectorKeyringPage *self)
{
  self->attribute_rows = g_ptr_array_new ();
  self->field_rows = g_ptr_array_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  authflow_inspector_name_buttons (GTK_WIDGET (self));
}

/**
 * authflow_inspector_keyring_page_new:
 * @flow: the flow whose session store the page describes
 *
 * Returns: (transfer floating): the Keyring page
 */
GtkWidget *
authflow_inspector_keyring_page_new (AuthflowFlow *flow)
{
  AuthflowInspectorKeyringPage *self;
  AuthflowSessionStore *store;

  g_return_val_if_fail (AUTHFLOW_IS_FLOW (flow), NULL);

  self = g_object_new (AUTHFLOW_TYPE_INSPECTOR_KEYRING_PAGE, NULL);
  self->flow = g_object_ref (flow);
  store = authflow_flow_get_store (flow);

  g_signal_connect_object (store, "notify::backend", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "notify::profile", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "notify::persist", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);

  if (authflow_flow_get_journal (flow) != NULL)
    {
      self->journal = g_object_ref (authflow_flow_get_journal (flow));
      g_signal_connect_object (self->journal, "entry-added", G_CALLBACK (entry_added_cb), self, G_CONNECT_SWAPPED);
    }

  update_last_call (self);
  show_description (self, NULL, NULL);
  authflow_inspector_value_row_set_value (self->status_row, _("Looking…"));

  return GTK_WIDGET (self);
}
