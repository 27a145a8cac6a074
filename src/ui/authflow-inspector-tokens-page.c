// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-inspector-value-row.h"
#include "authflow-inspector-text.h"
#include "authflow-inspector-tokens-page.h"
#include "authflow-page-util.h"

/* The Flow Inspector's Tokens page: the session's tokens by their
 * fingerprints, the access token's JWT decoded (every claim, the times on
 * both clocks), when it expires and when and why it is renewed.
 *
 * A raw token is shown, or copied, only when the person asks for that
 * token, and it is marked as the secret it is: this page is the one place
 * where the app shows one. Nothing here writes to the journal.
 */
struct _AuthflowInspectorTokensPage
{
  AdwBin                parent_instance;

  AuthflowFlow         *flow;
  AuthflowJournal      *journal;
  /* The newest "token" entries that the page reads, kept as they come so
   * that the countdown does not look through the journal every second.
   */
  AuthflowJournalEntry *expiry_entry;
  AuthflowJournalEntry *scheduled_entry;
  GPtrArray            *claim_rows;
  GPtrArray            *header_rows;
  /* The claims shown, to keep the rows of the times up to date. */
  JsonObject           *claims;
  guint                 tick_id;
  guint                 copied_id;
  GtkButton            *copied_button;
  gboolean              show_access_token;
  gboolean              show_refresh_token;

  AuthflowInspectorValueRow *access_row;
  AuthflowInspectorValueRow *access_raw_row;
  AuthflowInspectorValueRow *refresh_row;
  AuthflowInspectorValueRow *refresh_raw_row;
  GtkToggleButton      *show_access_button;
  GtkToggleButton      *show_refresh_button;
  GtkButton            *copy_access_button;
  GtkButton            *copy_refresh_button;
  AuthflowInspectorValueRow *expires_row;
  AuthflowInspectorValueRow *clock_row;
  AuthflowInspectorValueRow *next_refresh_row;
  AuthflowInspectorValueRow *refresh_reason_row;
  AuthflowInspectorValueRow *refresh_count_row;
  AdwPreferencesGroup  *claims_group;
  AdwPreferencesGroup  *header_group;
};

G_DEFINE_FINAL_TYPE (AuthflowInspectorTokensPage, authflow_inspector_tokens_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SHOW_ACCESS_TOKEN,
  PROP_SHOW_REFRESH_TOKEN,
  N_PROPS
};

/* The page's one child. Not a template child: AdwBin unparents its child
 * itself as it goes, after gtk_widget_dispose_template() would have.
 */
static GtkStack *
get_stack (AuthflowInspectorTokensPage *self)
{
  return GTK_STACK (adw_bin_get_child (ADW_BIN (self)));
}

static GParamSpec *properties [N_PROPS];

static AuthflowSession *
get_session (AuthflowInspectorTokensPage *self)
{
  return authflow_flow_get_session (self->flow);
}

static gboolean
is_signed_in (AuthflowInspectorTokensPage *self)
{
  return authflow_session_get_state (get_session (self)) == AUTHFLOW_SESSION_STATE_SIGNED_IN;
}

static GTimeSpan
get_clock_offset (AuthflowInspectorTokensPage *self)
{
  return authflow_client_get_clock_offset (authflow_flow_get_client (self->flow));
}

/* "eyJh…3f9a2c1b · 231 characters" */
static char *
describe_token (const char *token)
{
  g_autofree char *fingerprint = NULL;
  glong length;

  if (token == NULL)
    return NULL;

  fingerprint = authflow_journal_fingerprint (token);
  length = g_utf8_strlen (token, -1);

  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       /* Translators: a token's fingerprint, then its length. */
                                       "%s\n%ld character", "%s\n%ld characters", length),
                          fingerprint, length);
}

/* A Unix time claim, as a number of seconds, if it is one. */
static gboolean
get_time_claim (JsonNode *node,
                gint64   *seconds)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    *seconds = json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    *seconds = (gint64) json_node_get_double (node);
  else
    return FALSE;

  /* Within what GDateTime can hold. */
  return *seconds > -62135596800 && *seconds < 253402300799;
}

/* A time claim: the number, the moment on both clocks, and how far off. */
static char *
format_time_claim (AuthflowInspectorTokensPage *self,
                   const char                  *name,
                   gint64                       seconds)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (seconds);
  g_autoptr(GDateTime) now = authflow_flow_dup_now (self->flow);
  g_autofree char *instant = authflow_inspector_format_instant (when, get_clock_offset (self), now);
  g_autofree char *relative = authflow_inspector_format_relative (when, now);
  g_autofree char *what = NULL;
  gboolean past = g_date_time_compare (when, now) <= 0;

  if (g_str_equal (name, "exp"))
    /* Translators: %s is how far away, such as "in 59 min 12 s" or "3 s ago". */
    what = g_strdup_printf (past ? _("expired %s") : _("expires %s"), relative);
  else if (g_str_equal (name, "nbf"))
    what = g_strdup_printf (past ? _("became valid %s") : _("becomes valid %s"), relative);
  else if (g_str_equal (name, "iat"))
    what = g_strdup_printf (_("issued %s"), relative);
  else
    what = g_steal_pointer (&relative);

  return g_strdup_printf ("%" G_GINT64_FORMAT "\n%s\n%s", seconds, instant, what);
}

static gboolean
is_time_claim_name (const char *name)
{
  return g_str_equal (name, "exp") || g_str_equal (name, "iat") || g_str_equal (name, "nbf") ||
         g_str_equal (name, "auth_time");
}

static void
update_time_claims (AuthflowInspectorTokensPage *self)
{
  for (guint i = 0; i < self->claim_rows->len; i++)
    {
      AuthflowInspectorValueRow *row = g_ptr_array_index (self->claim_rows, i);
      const char *name = g_object_get_data (G_OBJECT (row), "claim-name");
      gint64 seconds;

      if (name != NULL && self->claims != NULL &&
          get_time_claim (json_object_get_member (self->claims, name), &seconds))
        {
          g_autofree char *text = format_time_claim (self, name, seconds);

          authflow_inspector_value_row_set_value (row, text);
        }
    }
}

static void
clear_rows (AdwPreferencesGroup *group,
            GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

static void
add_member_rows (AuthflowInspectorTokensPage *self,
                 AdwPreferencesGroup         *group,
                 GPtrArray                   *rows,
                 JsonObject                  *object,
                 gboolean                     claims)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      g_autofree char *title = authflow_page_shorten_text (name);
      g_autofree char *value = NULL;
      AuthflowInspectorValueRow *row;
      gint64 seconds;

      if (claims && is_time_claim_name (name) && get_time_claim (member, &seconds))
        value = format_time_claim (self, name, seconds);
      else
        value = authflow_inspector_format_value (member);

      row = AUTHFLOW_INSPECTOR_VALUE_ROW (authflow_inspector_value_row_new (title, value));
      authflow_inspector_value_row_set_max_lines (row, 8);
      if (claims && is_time_claim_name (name))
        g_object_set_data_full (G_OBJECT (row), "claim-name", g_strdup (name), g_free);
      else if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING)
        authflow_inspector_value_row_set_monospace (row, TRUE);

      adw_preferences_group_add (group, GTK_WIDGET (row));
      g_ptr_array_add (rows, row);
    }
}

/* The access token's header and claims, decoded as the journal decodes
 * them: the part of a JWT that is no secret.
 */
static void
update_jwt (AuthflowInspectorTokensPage *self)
{
  const char *token = authflow_session_get_access_token (get_session (self));
  g_autoptr(JsonNode) description = authflow_journal_describe_token (token);
  JsonObject *jwt = NULL;

  clear_rows (self->claims_group, self->claim_rows);
  clear_rows (self->header_group, self->header_rows);
  g_clear_pointer (&self->claims, json_object_unref);

  if (description != NULL)
    jwt = json_object_get_object_member (json_node_get_object (description), "jwt");

  if (jwt == NULL)
    {
      adw_preferences_group_set_description (self->claims_group,
                                             token != NULL
                                             ? _("The access token is not a JWT: it has no claims to read. Its expiry comes from the answer, if it gave one.")
                                             : NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->header_group), FALSE);
      return;
    }

  self->claims = json_object_ref (json_object_get_object_member (jwt, "claims"));
  adw_preferences_group_set_description (self->claims_group,
                                         _("Every claim of the access token, decoded; its signature is not checked here"));
  add_member_rows (self, self->claims_group, self->claim_rows, self->claims, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->header_group), TRUE);
  add_member_rows (self, self->header_group, self->header_rows,
                   json_object_get_object_member (jwt, "header"), FALSE);
}

static const char *
describe_expiry_source (AuthflowInspectorTokensPage *self)
{
  AuthflowJournalEntry *entry = self->expiry_entry;
  const char *source;

  if (entry == NULL)
    return NULL;

  source = authflow_inspector_get_string (authflow_journal_entry_get_details (entry), "source");
  if (g_strcmp0 (source, "jwt") == 0)
    return _("From the access token’s exp claim");
  if (g_strcmp0 (source, "answer") == 0)
    return _("From the answer");
  if (g_strcmp0 (source, "stored") == 0)
    return _("From the stored session");

  return NULL;
}

static void
update_expires (AuthflowInspectorTokensPage *self)
{
  GDateTime *expiry = authflow_session_get_expiry (get_session (self));
  g_autoptr(GDateTime) now = authflow_flow_dup_now (self->flow);
  g_autofree char *relative = NULL;
  g_autofree char *instant = NULL;
  g_autofree char *text = NULL;
  const char *source;
  gboolean expired;

  if (expiry == NULL)
    {
      authflow_inspector_value_row_set_value (self->expires_row,
                                        _("Unknown: the answer gave no expiry and the access token has no exp claim, so it is renewed on a 401 only"));
      authflow_inspector_value_row_set_tag (self->expires_row, NULL);
      return;
    }

  expired = g_date_time_compare (expiry, now) <= 0;
  relative = authflow_inspector_format_relative (expiry, now);
  instant = authflow_inspector_format_instant (expiry, get_clock_offset (self), now);
  source = describe_expiry_source (self);

  text = g_strdup_printf ("%s\n%s%s%s",
                          relative, instant, source != NULL ? "\n" : "", source != NULL ? source : "");
  authflow_inspector_value_row_set_value (self->expires_row, text);
  authflow_inspector_value_row_set_tag (self->expires_row, expired ? _("Expired") : NULL);
  authflow_inspector_value_row_set_tag_style (self->expires_row, "warning");
}

/* Whether any answer has told the server's time yet: the journal dates its
 * entries on the server's clock from then on.
 */
static gboolean
clock_known (AuthflowInspectorTokensPage *self)
{
  GListModel *entries;
  guint n;
  g_autoptr(AuthflowJournalEntry) entry = NULL;

  if (self->journal == NULL)
    return get_clock_offset (self) != 0;

  entries = authflow_journal_get_entries (self->journal);
  n = g_list_model_get_n_items (entries);
  if (n == 0)
    return get_clock_offset (self) != 0;

  entry = g_list_model_get_item (entries, n - 1);

  return authflow_journal_entry_get_server_time (entry) != NULL;
}

static char *
format_offset (GTimeSpan offset)
{
  GTimeSpan magnitude = ABS (offset);

  if (magnitude < 60 * G_TIME_SPAN_SECOND)
    /* Translators: seconds, with one decimal. */
    return g_strdup_printf (_("%.1f s"), (double) magnitude / G_TIME_SPAN_SECOND);

  return authflow_inspector_format_span (magnitude);
}

static void
update_clock (AuthflowInspectorTokensPage *self)
{
  GTimeSpan offset = get_clock_offset (self);
  g_autofree char *amount = format_offset (offset);
  g_autofree char *text = NULL;

  if (!clock_known (self))
    text = g_strdup (_("Unknown: no answer has given the server’s time yet"));
  else if (offset == 0)
    text = g_strdup (_("None: the server’s Date header agrees with this computer’s clock, within a second"));
  else if (offset > 0)
    /* Translators: %s is an amount of time, such as "2.5 s" or "1 h 00 min". */
    text = g_strdup_printf (_("The server’s clock is %s ahead of this computer’s, by its Date header"), amount);
  else
    text = g_strdup_printf (_("The server’s clock is %s behind this computer’s, by its Date header"), amount);

  authflow_inspector_value_row_set_value (self->clock_row, text);
}

static void
update_next_refresh (AuthflowInspectorTokensPage *self)
{
  AuthflowSession *session = get_session (self);
  GDateTime *next = authflow_flow_get_next_refresh (self->flow);
  g_autoptr(GDateTime) now = authflow_flow_dup_now (self->flow);
  AuthflowJournalEntry *scheduled = self->scheduled_entry;
  g_autofree char *text = NULL;
  guint count = authflow_flow_get_refresh_count (self->flow);

  if (next != NULL)
    {
      g_autofree char *relative = authflow_inspector_format_relative (next, now);
      g_autofree char *instant = authflow_inspector_format_instant (next, get_clock_offset (self), now);

      text = g_strdup_printf ("%s\n%s", relative, instant);
    }
  else if (authflow_session_get_expiry (session) == NULL)
    text = g_strdup (_("None: the access token’s expiry is unknown, so it is renewed on a 401 only"));
  else if (!authflow_client_has_call (authflow_flow_get_client (self->flow), AUTHFLOW_PROFILE_CALL_REFRESH))
    text = g_strdup (_("None: this backend cannot renew tokens, so the session ends at expiry"));
  else if (authflow_session_get_refresh_token (session) == NULL)
    text = g_strdup (_("None: there is no refresh token, so the session ends at expiry"));
  else
    text = g_strdup (_("Not scheduled: the token is renewed on a 401 only"));
  authflow_inspector_value_row_set_value (self->next_refresh_row, text);

  /* Why then, as the flow said when it scheduled this refresh: its
   * margin in words of the person's language, else its own (English).
   */
  authflow_inspector_value_row_set_value (self->refresh_reason_row, NULL);
  if (next != NULL && scheduled != NULL)
    {
      JsonObject *details = authflow_journal_entry_get_details (scheduled);
      JsonNode *margin = json_object_get_member (details, "marginS");

      if (margin != NULL && JSON_NODE_HOLDS_VALUE (margin) &&
          (json_node_get_value_type (margin) == G_TYPE_DOUBLE || json_node_get_value_type (margin) == G_TYPE_INT64))
        {
          g_autofree char *span = authflow_inspector_format_span ((GTimeSpan) (json_node_get_double (margin) * G_TIME_SPAN_SECOND));
          /* Translators: %s is a span of time, such as "1 min 00 s". */
          g_autofree char *reason = g_strdup_printf (_("%s before the access token expires"), span);

          authflow_inspector_value_row_set_value (self->refresh_reason_row, reason);
        }
      else
        authflow_inspector_value_row_set_value (self->refresh_reason_row,
                                          authflow_inspector_get_string (details, "reason"));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->refresh_reason_row),
                          authflow_inspector_value_row_get_value (self->refresh_reason_row)[0] != '\0');

  g_clear_pointer (&text, g_free);
  if (count == 0)
    text = g_strdup (_("None since the app started"));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%u since the app started",
                                         "%u since the app started", count),
                            count);
  authflow_inspector_value_row_set_value (self->refresh_count_row, text);
}

static void
update_timing (AuthflowInspectorTokensPage *self)
{
  if (!is_signed_in (self))
    return;

  update_expires (self);
  update_clock (self);
  update_next_refresh (self);
  update_time_claims (self);
}

static gboolean
tick_cb (gpointer data)
{
  update_timing (data);

  return G_SOURCE_CONTINUE;
}

static void
update_ticking (AuthflowInspectorTokensPage *self)
{
  gboolean tick = gtk_widget_get_mapped (GTK_WIDGET (self)) && self->flow != NULL && is_signed_in (self);

  if (tick && self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  else if (!tick)
    g_clear_handle_id (&self->tick_id, g_source_remove);
}

static void
set_show (AuthflowInspectorTokensPage *self,
          gboolean                    *show,
          gboolean                     value,
          guint                        prop_id)
{
  value = !!value;
  if (*show == value)
    return;

  *show = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties [prop_id]);
}

/* A raw token is in a label only while its row is shown. */
static void
update_raw_row (AuthflowInspectorValueRow *row,
                gboolean              show,
                const char           *token)
{
  authflow_inspector_value_row_set_value (row, show && token != NULL ? token : NULL);
  gtk_widget_set_visible (GTK_WIDGET (row), show && token != NULL);
}

static void
update_tokens (AuthflowInspectorTokensPage *self)
{
  AuthflowSession *session = get_session (self);
  const char *access_token = authflow_session_get_access_token (session);
  const char *refresh_token = authflow_session_get_refresh_token (session);
  g_autofree char *access = describe_token (access_token);
  g_autofree char *refresh = describe_token (refresh_token);

  authflow_inspector_value_row_set_value (self->access_row, access != NULL ? access : _("None"));
  authflow_inspector_value_row_set_value (self->refresh_row,
                                    refresh != NULL ? refresh
                                                    : _("None: the backend issued no refresh token, so the session ends at expiry"));
  authflow_inspector_value_row_set_monospace (self->refresh_row, refresh != NULL);

  update_raw_row (self->access_raw_row, self->show_access_token, access_token);
  update_raw_row (self->refresh_raw_row, self->show_refresh_token, refresh_token);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tokens.show-access-token", access_token != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tokens.copy-access-token", access_token != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tokens.show-refresh-token", refresh_token != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tokens.copy-refresh-token", refresh_token != NULL);

  update_jwt (self);
  update_timing (self);
}

static void
state_changed_cb (AuthflowInspectorTokensPage *self)
{
  gboolean signed_in = is_signed_in (self);

  /* A session that ends takes its shown tokens with it: the next one
   * starts hidden.
   */
  if (!signed_in)
    {
      set_show (self, &self->show_access_token, FALSE, PROP_SHOW_ACCESS_TOKEN);
      set_show (self, &self->show_refresh_token, FALSE, PROP_SHOW_REFRESH_TOKEN);
    }

  gtk_stack_set_visible_child_name (get_stack (self), signed_in ? "signed-in" : "signed-out");
  update_tokens (self);
  update_ticking (self);
}

/* Keeps @entry if it is one the page reads. */
static void
take_entry (AuthflowInspectorTokensPage *self,
            AuthflowJournalEntry        *entry)
{
  const char *event = authflow_journal_entry_get_event (entry);

  if (authflow_journal_entry_get_kind (entry) != AUTHFLOW_JOURNAL_TOKEN)
    return;

  if (g_strcmp0 (event, "expiry") == 0)
    g_set_object (&self->expiry_entry, entry);
  else if (g_strcmp0 (event, "scheduled") == 0)
    g_set_object (&self->scheduled_entry, entry);
}

static void
entry_added_cb (AuthflowInspectorTokensPage *self,
                AuthflowJournalEntry        *entry)
{
  AuthflowJournalKind kind = authflow_journal_entry_get_kind (entry);

  take_entry (self, entry);

  /* A schedule, an expiry, or an answer that set the server's clock. */
  if (kind == AUTHFLOW_JOURNAL_TOKEN || kind == AUTHFLOW_JOURNAL_HTTP)
    update_timing (self);
}

static void
restore_copy_icon (AuthflowInspectorTokensPage *self)
{
  if (self->copied_button != NULL)
    gtk_button_set_icon_name (self->copied_button, "edit-copy-symbolic");
  self->copied_button = NULL;
}

static gboolean
copied_done_cb (gpointer data)
{
  AuthflowInspectorTokensPage *self = data;

  self->copied_id = 0;
  restore_copy_icon (self);

  return G_SOURCE_REMOVE;
}

/* Straight from the session to the clipboard: never through the journal. */
static void
copy_token (AuthflowInspectorTokensPage *self,
            const char                  *token,
            GtkButton                   *button,
            const char                  *toast_text)
{
  GtkWidget *overlay;

  if (token == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), token);

  g_clear_handle_id (&self->copied_id, g_source_remove);
  restore_copy_icon (self);
  self->copied_button = button;
  gtk_button_set_icon_name (button, "object-select-symbolic");
  self->copied_id = g_timeout_add_seconds (2, copied_done_cb, self);

  overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (toast_text));
}

static void
copy_access_token_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  AuthflowInspectorTokensPage *self = AUTHFLOW_INSPECTOR_TOKENS_PAGE (widget);

  copy_token (self, authflow_session_get_access_token (get_session (self)), self->copy_access_button,
              _("Access token copied: it is a secret"));
}

static void
copy_refresh_token_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  AuthflowInspectorTokensPage *self = AUTHFLOW_INSPECTOR_TOKENS_PAGE (widget);

  copy_token (self, authflow_session_get_refresh_token (get_session (self)), self->copy_refresh_button,
              _("Refresh token copied: it is a secret"));
}

static void
authflow_inspector_tokens_page_map (GtkWidget *widget)
{
  AuthflowInspectorTokensPage *self = AUTHFLOW_INSPECTOR_TOKENS_PAGE (widget);

  GTK_WIDGET_CLASS (authflow_inspector_tokens_page_parent_class)->map (widget);

  /* The countdowns tick only while someone can see them. */
  update_timing (self);
  update_ticking (self);
}

static void
authflow_inspector_tokens_page_unmap (GtkWidget *widget)
{
  AuthflowInspectorTokensPage *self = AUTHFLOW_INSPECTOR_TOKENS_PAGE (widget);

  GTK_WIDGET_CLASS (authflow_inspector_tokens_page_parent_class)->unmap (widget);

  update_ticking (self);
}

static void
authflow_inspector_tokens_page_dispose (GObject *object)
{
  AuthflowInspectorTokensPage *self = (AuthflowInspectorTokensPage *)object;

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->copied_id, g_source_remove);
  self->copied_button = NULL;

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_INSPECTOR_TOKENS_PAGE);

  g_clear_object (&self->journal);
  g_clear_object (&self->expiry_entry);
  g_clear_object (&self->scheduled_entry);
  g_clear_object (&self->flow);
  g_clear_pointer (&self->claims, json_object_unref);
  g_clear_pointer (&self->claim_rows, g_ptr_array_unref);
  g_clear_pointer (&self->header_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (authflow_inspector_tokens_page_parent_class)->dispose (object);
}

static void
authflow_inspector_tokens_page_get_property (GObject    *object,
                                             guint       prop_id,
                                             GValue     *value,
                                             GParamSpec *pspec)
{
  AuthflowInspectorTokensPage *self = AUTHFLOW_INSPECTOR_TOKENS_PAGE (object);

  switch (prop_id)
    {
    case PROP_SHOW_ACCESS_TOKEN:
      g_value_set_boolean (value, self->show_access_token);
      break;

    case PROP_SHOW_REFRESH_TOKEN:
      g_value_set_boolean (value, self->show_refresh_token);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_inspector_tokens_page_set_property (GObject      *object,
                                             guint         prop_id,
                                             const GValue *value,
                                             GParamSpec   *pspec)
{
  AuthflowInspectorTokensPage *self = AUTHFLOW_INSPECTOR_TOKENS_PAGE (object);

  switch (prop_id)
    {
    case PROP_SHOW_ACCESS_TOKEN:
      set_show (self, &self->show_access_token, g_value_get_boolean (value), prop_id);
      break;

    case PROP_SHOW_REFRESH_TOKEN:
      set_show (self, &self->show_refresh_token, g_value_get_boolean (value), prop_id);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
show_changed_cb (AuthflowInspectorTokensPage *self)
{
  AuthflowSession *session = get_session (self);

  /* The name stays "Show Access Token"; the pressed state says the rest. */
  gtk_button_set_label (GTK_BUTTON (self->show_access_button),
                        self->show_access_token ? _("Hide") : _("Show"));
  gtk_button_set_label (GTK_BUTTON (self->show_refresh_button),
                        self->show_refresh_token ? _("Hide") : _("Show"));
  authflow_inspector_name_buttons (GTK_WIDGET (self->show_access_button));
  authflow_inspector_name_buttons (GTK_WIDGET (self->show_refresh_button));

  update_raw_row (self->access_raw_row, self->show_access_token,
                  authflow_session_get_access_token (session));
  update_raw_row (self->refresh_raw_row, self->show_refresh_token,
                  authflow_session_get_refresh_token (session));
}

static void
authflow_inspector_tokens_page_class_init (AuthflowInspectorTokensPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_inspector_tokens_page_dispose;
  object_class->get_property = authflow_inspector_tokens_page_get_property;
  object_class->set_property = authflow_inspector_tokens_page_set_property;
  widget_class->map = authflow_inspector_tokens_page_map;
  widget_class->unmap = authflow_inspector_tokens_page_unmap;

  /* Whether the raw access token is shown: only ever when the person asks. */
  properties [PROP_SHOW_ACCESS_TOKEN] =
    g_param_spec_boolean ("show-access-token", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties [PROP_SHOW_REFRESH_TOKEN] =
    g_param_spec_boolean ("show-refresh-token", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AUTHFLOW_TYPE_INSPECTOR_VALUE_ROW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-inspector-tokens-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, access_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, access_raw_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, refresh_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, refresh_raw_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, show_access_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, show_refresh_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, copy_access_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, copy_refresh_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, expires_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, clock_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, next_refresh_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, refresh_reason_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, refresh_count_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, claims_group);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorTokensPage, header_group);

  gtk_widget_class_install_property_action (widget_class, "tokens.show-access-token", "show-access-token");
  gtk_widget_class_install_property_action (widget_class, "tokens.show-refresh-token", "show-refresh-token");
  gtk_widget_class_install_action (widget_class, "tokens.copy-access-token", NULL, copy_access_token_action);
  gtk_widget_class_install_action (widget_class, "tokens.copy-refresh-token", NULL, copy_refresh_token_action);
}

static void
authflow_inspector_tokens_page_init (AuthflowInspectorTokensPage *self)
{
  self->claim_rows = g_ptr_array_new ();
  self->header_rows = g_ptr_array_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  authflow_inspector_name_buttons (GTK_WIDGET (self));

  g_signal_connect (self, "notify::show-access-token", G_CALLBACK (show_changed_cb), NULL);
  g_signal_connect (self, "notify::show-refresh-token", G_CALLBACK (show_changed_cb), NULL);
}

/**
 * authflow_inspector_tokens_page_new:
 * @flow: the flow whose session the page shows
 *
 * Returns: (transfer floating): the Tokens page
 */
GtkWidget *
authflow_inspector_tokens_page_new (AuthflowFlow *flow)
{
  AuthflowInspectorTokensPage *self;
  AuthflowSession *session;

  g_return_val_if_fail (AUTHFLOW_IS_FLOW (flow), NULL);

  self = g_object_new (AUTHFLOW_TYPE_INSPECTOR_TOKENS_PAGE, NULL);
  self->flow = g_object_ref (flow);
  session = authflow_flow_get_session (flow);

  g_signal_connect_object (session, "notify::access-token", G_CALLBACK (update_tokens), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::refresh-token", G_CALLBACK (update_tokens), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::expiry", G_CALLBACK (update_timing), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::state", G_CALLBACK (state_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (flow, "notify::next-refresh", G_CALLBACK (update_timing), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (flow, "notify::refresh-count", G_CALLBACK (update_timing), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (authflow_flow_get_client (flow), "notify::clock-offset",
                           G_CALLBACK (update_timing), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (authflow_flow_get_client (flow), "notify::profile",
                           G_CALLBACK (update_timing), self, G_CONNECT_SWAPPED);

  if (authflow_flow_get_journal (flow) != NULL)
    {
      self->journal = g_object_ref (authflow_flow_get_journal (flow));
      self->expiry_entry = authflow_inspector_find_latest (self->journal, AUTHFLOW_JOURNAL_TOKEN, "expiry");
      self->scheduled_entry = authflow_inspector_find_latest (self->journal, AUTHFLOW_JOURNAL_TOKEN, "scheduled");
      g_signal_connect_object (self->journal, "entry-added", G_CALLBACK (entry_added_cb), self, G_CONNECT_SWAPPED);
    }

  state_changed_cb (self);

  return GTK_WIDGET (self);
}
