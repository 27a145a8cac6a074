// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-home-page"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "authflow-client.h"
#include "authflow-edit-profile-dialog.h"
#include "authflow-home-page.h"
#include "authflow-image-loader.h"
#include "authflow-page-util.h"
#include "authflow-window.h"

struct _AuthflowHomePage
{
  AdwBin                parent_instance;

  AuthflowFlow         *flow;
  GPtrArray            *user_rows;
  guint                 tick_id;
  /* The user the rows show (the session replaces its user, never changes it). */
  AuthflowUser         *shown_user;
  AuthflowImageLoader  *image_loader;
  /* The user's picture is to be loaded once the page has shown. */
  gboolean              avatar_pending;
  GdkFrameClock        *avatar_clock;
  gulong                avatar_paint_handler;
  GCancellable         *image_cancellable;
  GCancellable         *call_cancellable;
  gboolean              call_failed_offline;
  GtkWindow            *edit_dialog;

  AdwAvatar            *avatar;
  GtkLabel             *name_label;
  GtkLabel             *detail_label;
  AdwActionRow         *uid_row;
  AdwActionRow         *access_token_row;
  AdwActionRow         *refresh_token_row;
  AdwActionRow         *expiry_row;
  AdwActionRow         *next_refresh_row;
  AdwPreferencesGroup  *user_group;
  GtkButton            *log_out_button;
  AdwPreferencesGroup  *call_group;
  GtkButton            *call_button;
  GtkSpinner           *call_spinner;
  AdwActionRow         *call_result_row;
  GtkButton            *edit_button;
};

G_DEFINE_FINAL_TYPE (AuthflowHomePage, authflow_home_page, ADW_TYPE_BIN)

/**
 * authflow_home_page_format_expiry:
 *
 * Returns: (transfer full): when @expiry is, in local time, and how long
 *   from @now, e.g. "14:32:05 · in 59 min 12 s"
 */
char *
authflow_home_page_format_expiry (GDateTime *expiry,
                                  GDateTime *now)
{
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *clock = NULL;
  g_autofree char *remaining = NULL;
  GTimeSpan span;
  gint64 seconds;

  if (expiry == NULL)
    return g_strdup (_("Unknown: the token does not say"));

  local = g_date_time_to_local (expiry);
  clock = g_date_time_format (local, "%X");
  span = g_date_time_difference (expiry, now);
  seconds = span / G_TIME_SPAN_SECOND;

  if (seconds <= 0)
    /* Translators: %s is a time of day. */
    return g_strdup_printf (_("%s · expired"), clock);

  if (seconds >= 3600)
    remaining = g_strdup_printf (_("in %d h %02d min"),
                                 (int) (seconds / 3600), (int) (seconds % 3600 / 60));
  else if (seconds >= 60)
    remaining = g_strdup_printf (_("in %d min %02d s"),
                                 (int) (seconds / 60), (int) (seconds % 60));
  else
    remaining = g_strdup_printf (_("in %d s"), (int) seconds);

  /* Translators: the first %s is a time of day, the second how long until
   * then, e.g. "in 59 min 12 s".
   */
  return g_strdup_printf (_("%s · %s"), clock, remaining);
}

static void
update_expiry (AuthflowHomePage *self)
{
  AuthflowSession *session = authflow_flow_get_session (self->flow);
  g_autoptr(GDateTime) now = authflow_flow_dup_now (self->flow);
  GDateTime *next_refresh = authflow_flow_get_next_refresh (self->flow);
  guint count = authflow_flow_get_refresh_count (self->flow);
  g_autofree char *expiry = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *text = NULL;

  expiry = authflow_home_page_format_expiry (authflow_session_get_expiry (session), now);
  adw_action_row_set_subtitle (self->expiry_row, expiry);

  if (next_refresh != NULL)
    refresh = authflow_home_page_format_expiry (next_refresh, now);
  else if (authflow_session_get_refresh_token (session) == NULL)
    refresh = g_strdup (_("None: there is no refresh token"));
  else
    refresh = g_strdup (_("Not scheduled"));

  if (count > 0)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         /* Translators: the first %s is when the next
                                          * refresh is; %u how many times the tokens were
                                          * renewed since the app started.
                                          */
                                         "%s · renewed %u time",
                                         "%s · renewed %u times", count),
                            refresh, count);
  else
    text = g_steal_pointer (&refresh);

  adw_action_row_set_subtitle (self->next_refresh_row, text);
}

static gboolean
tick_cb (gpointer data)
{
  update_expiry (data);

  return G_SOURCE_CONTINUE;
}

static void
update_tokens (AuthflowHomePage *self)
{
  AuthflowSession *session = authflow_flow_get_session (self->flow);
  g_autofree char *access = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *uid = authflow_page_shorten_text (authflow_session_get_uid (session));

  access = authflow_page_shorten_token (authflow_session_get_access_token (session));
  refresh = authflow_page_shorten_token (authflow_session_get_refresh_token (session));

  adw_action_row_set_subtitle (self->uid_row, uid ? uid : "—");
  adw_action_row_set_subtitle (self->access_token_row, access);
  adw_action_row_set_subtitle (self->refresh_token_row, refresh);
  update_expiry (self);
}

static const char *
label_for_field (const char *member)
{
  static const struct {
    const char *member;
    const char *label;
  } labels[] = {
    { "id", N_("ID") },
    { "username", N_("Username") },
    { "email", N_("Email") },
    { "firstName", N_("First Name") },
    { "lastName", N_("Last Name") },
    { "gender", N_("Gender") },
    { "image", N_("Image") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (member, labels[i].member))
      return _(labels[i].label);

  return member;
}

static char *
format_value (JsonNode *node)
{
  g_autofree char *json = NULL;

  if (JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("—");

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);

      return text[0] != '\0' ? authflow_page_shorten_text (text) : g_strdup ("—");
    }

  /* Numbers and booleans read best as JSON writes them, numbers in the
   * digits the backend sent. */
  json = authflow_page_format_json (node);

  return authflow_page_shorten_text (json);
}

/* How many rows a list of the user's fields may take: the top level, and
 * each nested object or array as it is opened. More than a real record
 * holds at one level; 5,000 fields would each cost a row of widgets and
 * hold the main loop for seconds, and even 200 take a frame too long.
 */
#define MAX_SHOWN_FIELDS 60

static GtkWidget *new_field_row (const char *title,
                                 const char *tooltip,
                                 JsonNode   *node,
                                 guint       depth,
                                 guint      *budget);

/* The last row of a list that was cut: says how much is not shown. */
static GtkWidget *
new_more_row (guint n_more)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = NULL;

  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                        "… %u more field not shown",
                                        "… %u more fields not shown", n_more),
                           n_more);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  gtk_widget_add_css_class (row, "dim-label");

  return row;
}

/* Fills an expander row with its members the first time it opens: a
 * closed one costs one row, however much it holds.
 */
static void
fill_nested_row (GtkWidget *row)
{
  JsonNode *node = g_object_get_data (G_OBJECT (row), "json-node");
  guint depth = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "json-depth"));
  guint budget = MAX_SHOWN_FIELDS;

  if (node == NULL)
    return;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObjectIter iter;
      const char *member;
      JsonNode *child;
      guint n = json_object_get_size (object);

      json_object_iter_init (&iter, object);
      for (guint i = 0; json_object_iter_next (&iter, &member, &child); i++)
        {
          if (budget == 0)
            {
              adw_expander_row_add_row (ADW_EXPANDER_ROW (row), new_more_row (n - i));
              break;
            }

          adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                                    new_field_row (member, member, child, depth + 1, &budget));
        }
    }
  else
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n; i++)
        {
          g_autofree char *index = g_strdup_printf ("%u", i + 1);

          if (budget == 0)
            {
              adw_expander_row_add_row (ADW_EXPANDER_ROW (row), new_more_row (n - i));
              break;
            }

          adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                                    new_field_row (index, index, json_array_get_element (array, i),
                                                   depth + 1, &budget));
        }
    }

  /* Filled once. */
  g_object_set_data (G_OBJECT (row), "json-node", NULL);
}

static void
nested_expanded_cb (GtkWidget *row)
{
  if (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (row)))
    fill_nested_row (row);
}

/* An object or an array, opened to its members: nested data stays
 * readable, one field a row, rather than a line of JSON.
 */
static GtkWidget *
new_nested_row (const char *title,
                const char *tooltip,
                JsonNode   *node,
                guint       depth,
                guint      *budget)
{
  GtkWidget *row = adw_expander_row_new ();
  g_autofree char *subtitle = NULL;
  guint n;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_widget_set_tooltip_text (row, tooltip);

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      n = json_object_get_size (json_node_get_object (node));
      subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u field", "%u fields", n), n);
    }
  else
    {
      n = json_array_get_length (json_node_get_array (node));
      subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u item", "%u items", n), n);
    }
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);

  g_object_set_data_full (G_OBJECT (row), "json-node", json_node_ref (node), (GDestroyNotify) json_node_unref);
  g_object_set_data (G_OBJECT (row), "json-depth", GUINT_TO_POINTER (depth));
  g_signal_connect (row, "notify::expanded", G_CALLBACK (nested_expanded_cb), NULL);

  return row;
}

static GtkWidget *
new_field_row (const char *title,
               const char *tooltip,
               JsonNode   *node,
               guint       depth,
               guint      *budget)
{
  g_autofree char *short_title = authflow_page_shorten_text (title);
  g_autofree char *short_tooltip = authflow_page_shorten_text (tooltip);
  g_autofree char *value = NULL;
  GtkWidget *row;

  g_assert (*budget > 0);
  (*budget)--;

  /* Three levels open up; anything deeper is shown as JSON. */
  if ((JSON_NODE_HOLDS_OBJECT (node) || JSON_NODE_HOLDS_ARRAY (node)) && depth < 3)
    return new_nested_row (short_title, short_tooltip, node, depth, budget);

  value = format_value (node);
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), short_title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  /* Something to read, not to press: Tab goes past it. */
  gtk_widget_set_focusable (row, FALSE);
  gtk_widget_add_css_class (row, "property");
  gtk_widget_set_tooltip_text (row, short_tooltip);

  return row;
}

static void
add_row (AuthflowHomePage *self,
         GtkWidget        *row)
{
  adw_preferences_group_add (self->user_group, row);
  g_ptr_array_add (self->user_rows, row);
}

static void
image_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(AuthflowHomePage) self = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = authflow_image_loader_load_finish (AUTHFLOW_IMAGE_LOADER (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Whatever went wrong, the initials stand in; the picture is a nicety. */
  if (texture == NULL)
    g_debug ("No picture for the avatar: %s", error->message);

  adw_avatar_set_custom_image (self->avatar, texture ? GDK_PAINTABLE (texture) : NULL);
}

static void
update_avatar (AuthflowHomePage *self,
               AuthflowUser     *user)
{
  const char *image = user ? authflow_user_get_image (user) : NULL;

  self->avatar_pending = FALSE;
  g_cancellable_cancel (self->image_cancellable);
  g_clear_object (&self->image_cancellable);
  adw_avatar_set_custom_image (self->avatar, NULL);

  if (image == NULL || image[0] == '\0')
    return;

  /* The picture comes after the page's first frame: the loader (an HTTP
   * session of its own) is made when first needed, once the page shows.
   */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->avatar_pending = TRUE;
      return;
    }

  if (self->image_loader == NULL)
    {
      g_autofree char *cache_dir = g_build_filename (g_get_user_cache_dir (), "authflow", "avatars", NULL);

      self->image_loader = authflow_image_loader_new (cache_dir);
    }

  self->image_cancellable = g_cancellable_new ();
  authflow_image_loader_load_async (self->image_loader, image, self->image_cancellable,
                                    image_loaded_cb, g_object_ref (self));
}

static void
update_user (AuthflowHomePage *self)
{
  AuthflowSession *session = authflow_flow_get_session (self->flow);
  AuthflowUser *user = authflow_session_get_user (session);
  g_autofree char *name = NULL;
  g_autoptr(GString) detail = g_string_new (NULL);
  static const char * const common_fields[] = {
    "id", "username", "email", "firstName", "lastName", "image", NULL
  };
  JsonObject *json;
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;
  guint budget = MAX_SHOWN_FIELDS;
  guint n_shown = 0;

  /* Shown already: a page built while the session signs in is filled as it
   * is built, and is told of the user again as the session's changes are
   * notified. Built twice, Home's rows cost its first frame twice.
   */
  if (user != NULL && user == self->shown_user)
    return;
  g_set_object (&self->shown_user, user);

  for (guint i = 0; i < self->user_rows->len; i++)
    adw_preferences_group_remove (self->user_group, g_ptr_array_index (self->user_rows, i));
  g_ptr_array_set_size (self->user_rows, 0);

  if (user == NULL)
    {
      update_avatar (self, NULL);
      gtk_label_set_text (self->name_label, "");
      gtk_label_set_text (self->detail_label, "");
      adw_avatar_set_text (self->avatar, NULL);
      return;
    }

  {
    g_autofree char *full_name = authflow_user_dup_display_name (user);

    name = authflow_page_shorten_text (full_name);
  }
  gtk_label_set_text (self->name_label, name);
  adw_avatar_set_text (self->avatar, name);
  update_avatar (self, user);

  if (authflow_user_get_username (user) != NULL)
    g_string_append_printf (detail, "@%s", authflow_user_get_username (user));
  if (authflow_user_get_email (user) != NULL && authflow_user_get_email (user)[0] != '\0')
    {
      if (detail->len > 0)
        g_string_append (detail, " · ");
      g_string_append (detail, authflow_user_get_email (user));
    }
  {
    g_autofree char *short_detail = authflow_page_shorten_text (detail->str);

    gtk_label_set_text (self->detail_label, short_detail);
  }
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), detail->len > 0);

  /* The common fields first, in one order whatever the backend's; then
   * every other field, as the backend sent them.
   */
  json = authflow_user_get_json (user);
  for (guint i = 0; common_fields[i] != NULL; i++)
    if (budget > 0 && (node = json_object_get_member (json, common_fields[i])))
      {
        add_row (self, new_field_row (label_for_field (common_fields[i]), common_fields[i],
                                      node, 0, &budget));
        n_shown++;
      }

  json_object_iter_init (&iter, json);
  while (json_object_iter_next (&iter, &member, &node) && budget > 0)
    if (!g_strv_contains (common_fields, member))
      {
        add_row (self, new_field_row (label_for_field (member), member, node, 0, &budget));
        n_shown++;
      }

  if (n_shown < json_object_get_size (json))
    add_row (self, new_more_row (json_object_get_size (json) - n_shown));
}

static gboolean
has_call (AuthflowHomePage        *self,
          AuthflowProfileCallKind  kind)
{
  return authflow_client_has_call (authflow_flow_get_client (self->flow), kind);
}

static void
set_calling (AuthflowHomePage *self,
             gboolean          calling)
{
  authflow_page_set_spinning (self->call_spinner, calling);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "home.call-protected-api",
                                 !calling && has_call (self, AUTHFLOW_PROFILE_CALL_ME));
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->call_button),
                               GTK_ACCESSIBLE_STATE_BUSY, calling,
                               -1);
}

/* How the backend knows the person: "@emilys", or an email address. */
static char *
get_identifier (AuthflowHomePage *self,
                AuthflowUser     *user)
{
  AuthflowProfile *profile = authflow_client_get_profile (authflow_flow_get_client (self->flow));

  if (authflow_profile_get_login_identifier (profile) == AUTHFLOW_PROFILE_IDENTIFIER_EMAIL)
    return g_strdup (authflow_user_get_email (user));

  if (authflow_user_get_username (user) == NULL)
    return NULL;

  return g_strconcat ("@", authflow_user_get_username (user), NULL);
}

/* Brings the result row into view: the page may be scrolled anywhere. */
static void
show_result_cb (AuthflowHomePage *self)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self->call_result_row), GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment;
  graphene_rect_t bounds;
  GtkWidget *content;

  if (scrolled == NULL || !(content = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scrolled))) ||
      !gtk_widget_compute_bounds (GTK_WIDGET (self->call_group), content, &bounds))
    return;

  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  gtk_adjustment_set_value (adjustment, bounds.origin.y);
}

/* The answer is told where the person looks, whatever is in view; the
 * toast's button leads to the result on the page.
 */
static void
show_call_result (AuthflowHomePage *self,
                  const char       *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwToast *toast;

  if (!AUTHFLOW_IS_WINDOW (root))
    return;

  toast = adw_toast_new (text);
  adw_toast_set_button_label (toast, _("Show"));
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (show_result_cb), self, G_CONNECT_SWAPPED);
  authflow_window_add_toast (AUTHFLOW_WINDOW (root), toast);
}

static void
call_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(AuthflowHomePage) self = user_data;
  g_autoptr(AuthflowUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *clock = g_date_time_format (now, "%X");
  g_autofree char *text = NULL;
  g_autofree char *toast = NULL;

  g_clear_object (&self->call_cancellable);
  set_calling (self, FALSE);

  /* The button went insensitive while it ran, which took the keyboard
   * focus away: give it back, so that Tab goes on from where it was. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && gtk_root_get_focus (gtk_widget_get_root (GTK_WIDGET (self))) == NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->call_button));

  user = authflow_flow_fetch_user_finish (AUTHFLOW_FLOW (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (user != NULL)
    {
      g_autofree char *full_name = authflow_user_dup_display_name (user);
      g_autofree char *name = authflow_page_shorten_text (full_name);
      g_autofree char *identifier = get_identifier (self, user);
      g_autofree char *who = authflow_page_shorten_text (identifier);

      if (who != NULL && g_strcmp0 (who, name) != 0)
        /* Translators: %s is a time of day, then the user's name and the
         * username or email they log in with. */
        text = g_strdup_printf (_("200 OK at %s: the server says you are %s (%s)"), clock, name, who);
      else
        /* Translators: %s is a time of day, then the user's name. */
        text = g_strdup_printf (_("200 OK at %s: the server says you are %s"), clock, name);
      /* Translators: a toast, which has room for little at 360 px. */
      toast = g_strdup (_("Answered 200 OK"));
      self->call_failed_offline = FALSE;
    }
  else
    {
      /* Translators: %s is a time of day, then what went wrong. */
      text = g_strdup_printf (_("Failed at %s: %s"), clock, error->message);
      toast = g_strdup (_("The protected call failed"));
      self->call_failed_offline = authflow_flow_get_offline_problem (self->flow) != NULL;
    }

  adw_action_row_set_subtitle (self->call_result_row, text);
  show_call_result (self, toast);
}

static void
call_protected_api_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  AuthflowHomePage *self = AUTHFLOW_HOME_PAGE (widget);

  if (self->call_cancellable != NULL)
    return;

  {
    AuthflowProfile *profile = authflow_client_get_profile (authflow_flow_get_client (self->flow));
    g_autofree char *call = authflow_profile_dup_call_summary (profile, AUTHFLOW_PROFILE_CALL_ME);
    /* Translators: %s is the backend's call, such as "GET /auth/me". */
    g_autofree char *progress = g_strdup_printf (_("Calling %s…"), call);

    adw_action_row_set_subtitle (self->call_result_row, progress);
  }

  self->call_cancellable = g_cancellable_new ();
  set_calling (self, TRUE);
  authflow_flow_fetch_user_async (self->flow, self->call_cancellable, call_cb, g_object_ref (self));
}

/* A call that failed because the server was away is made again once it is
 * back, as the notice promised.
 */
static void
offline_problem_cb (AuthflowHomePage *self)
{
  if (authflow_flow_get_offline_problem (self->flow) == NULL && self->call_failed_offline)
    {
      self->call_failed_offline = FALSE;
      gtk_widget_activate_action (GTK_WIDGET (self), "home.call-protected-api", NULL);
    }
}

static void
close_editor (AuthflowHomePage *self)
{
  GtkWindow *dialog = g_steal_pointer (&self->edit_dialog);

  if (dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->edit_dialog);
      gtk_window_destroy (dialog);
    }
}

static void
edit_profile_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  AuthflowHomePage *self = AUTHFLOW_HOME_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (authflow_session_get_user (authflow_flow_get_session (self->flow)) == NULL || !GTK_IS_WINDOW (root))
    return;

  close_editor (self);
  self->edit_dialog = GTK_WINDOW (authflow_edit_profile_dialog_new (GTK_WINDOW (root), self->flow));
  g_object_add_weak_pointer (G_OBJECT (self->edit_dialog), (gpointer *) &self->edit_dialog);
}

/* Says what the profile's call really is, and what an expired token
 * leads to with this backend.
 */
static void
update_call_description (AuthflowHomePage *self)
{
  AuthflowProfile *profile = authflow_client_get_profile (authflow_flow_get_client (self->flow));
  g_autofree char *call = NULL;
  g_autofree char *description = NULL;

  if (!authflow_profile_has_call (profile, AUTHFLOW_PROFILE_CALL_ME))
    {
      adw_preferences_group_set_description (self->call_group, NULL);
      return;
    }

  call = authflow_profile_dup_call_summary (profile, AUTHFLOW_PROFILE_CALL_ME);
  if (authflow_profile_has_call (profile, AUTHFLOW_PROFILE_CALL_REFRESH))
    /* Translators: %s is the backend's call, such as "GET /auth/me". */
    description = g_strdup_printf (_("An authenticated %s. An expired token is renewed on the way and the call sent again."), call);
  else
    /* Translators: %s is the backend's call, such as "GET /users/{{uid}}". */
    description = g_strdup_printf (_("An authenticated %s. This backend cannot renew tokens: once the token expires, the session ends."), call);
  adw_preferences_group_set_description (self->call_group, description);
}

/* What the backend offers: no "me" call, nothing to call; no
 * "update_user", no editing.
 */
static void
capabilities_cb (AuthflowHomePage *self)
{
  gboolean has_me = has_call (self, AUTHFLOW_PROFILE_CALL_ME);
  gboolean has_update = has_call (self, AUTHFLOW_PROFILE_CALL_UPDATE_USER);

  set_calling (self, self->call_cancellable != NULL);
  update_call_description (self);
  if (!has_me)
    {
      g_autofree char *text = NULL;

      /* Translators: %s is a backend's name. */
      text = g_strdup_printf (_("%s has no protected “me” call; the user data comes from the login answer."),
                              authflow_profile_get_name (authflow_client_get_profile (authflow_flow_get_client (self->flow))));
      adw_action_row_set_subtitle (self->call_result_row, text);
    }

  if (!has_update)
    close_editor (self);
  gtk_widget_set_visible (GTK_WIDGET (self->edit_button), has_update);
}

static void
state_changed_cb (AuthflowHomePage *self)
{
  /* A new session starts with a clean page. */
  if (authflow_session_get_state (authflow_flow_get_session (self->flow)) != AUTHFLOW_SESSION_STATE_SIGNED_IN)
    {
      g_cancellable_cancel (self->call_cancellable);
      close_editor (self);
      self->call_failed_offline = FALSE;
      adw_action_row_set_subtitle (self->call_result_row, _("Not called yet"));
      capabilities_cb (self);
    }
}

/* Home starts on the first thing a person would use: the protected call,
 * else editing the profile, else logging out.
 */
static gboolean
authflow_home_page_grab_focus (GtkWidget *widget)
{
  AuthflowHomePage *self = AUTHFLOW_HOME_PAGE (widget);
  GtkWidget *buttons[] = {
    GTK_WIDGET (self->call_button), GTK_WIDGET (self->edit_button), GTK_WIDGET (self->log_out_button),
  };

  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    if (gtk_widget_get_visible (buttons[i]) && gtk_widget_is_sensitive (buttons[i]))
      return gtk_widget_grab_focus (buttons[i]);

  return FALSE;
}

static void
forget_avatar_clock (AuthflowHomePage *self)
{
  if (self->avatar_clock != NULL)
    g_clear_signal_handler (&self->avatar_paint_handler, self->avatar_clock);
  g_clear_object (&self->avatar_clock);
}

static void
load_pending_avatar (AuthflowHomePage *self)
{
  forget_avatar_clock (self);
  if (self->avatar_pending)
    update_avatar (self, authflow_session_get_user (authflow_flow_get_session (self->flow)));
}

static void
authflow_home_page_map (GtkWidget *widget)
{
  AuthflowHomePage *self = AUTHFLOW_HOME_PAGE (widget);

  GTK_WIDGET_CLASS (authflow_home_page_parent_class)->map (widget);

  /* After the page's first frame is painted. */
  if (self->avatar_pending && self->avatar_clock == NULL)
    {
      self->avatar_clock = g_object_ref (gtk_widget_get_frame_clock (widget));
      self->avatar_paint_handler = g_signal_connect_swapped (self->avatar_clock, "after-paint",
                                                             G_CALLBACK (load_pending_avatar), self);
    }

  /* The countdown ticks only while someone can see it. */
  if (self->flow != NULL && self->tick_id == 0)
    {
      update_expiry (self);
      self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
    }
}

static void
authflow_home_page_unmap (GtkWidget *widget)
{
  AuthflowHomePage *self = AUTHFLOW_HOME_PAGE (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  forget_avatar_clock (self);

  GTK_WIDGET_CLASS (authflow_home_page_parent_class)->unmap (widget);
}

static void
authflow_home_page_dispose (GObject *object)
{
  AuthflowHomePage *self = (AuthflowHomePage *)object;

  g_clear_handle_id (&self->tick_id, g_source_remove);
  forget_avatar_clock (self);
  g_cancellable_cancel (self->image_cancellable);
  g_clear_object (&self->image_cancellable);
  g_cancellable_cancel (self->call_cancellable);
  g_clear_object (&self->call_cancellable);
  close_editor (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_HOME_PAGE);

  g_clear_object (&self->flow);
  g_clear_object (&self->image_loader);
  g_clear_object (&self->shown_user);
  g_clear_pointer (&self->user_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (authflow_home_page_parent_class)->dispose (object);
}

static void
authflow_home_page_class_init (AuthflowHomePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_home_page_dispose;
  widget_class->map = authflow_home_page_map;
  widget_class->unmap = authflow_home_page_unmap;
  widget_class->grab_focus = authflow_home_page_grab_focus;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-home-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, avatar);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, name_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, detail_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, uid_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, access_token_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, refresh_token_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, user_group);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, log_out_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, next_refresh_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, call_group);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, call_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, call_spinner);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, call_result_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowHomePage, edit_button);

  gtk_widget_class_install_action (widget_class, "home.call-protected-api", NULL, call_protected_api_action);
  gtk_widget_class_install_action (widget_class, "home.edit-profile", NULL, edit_profile_action);
}

static void
authflow_home_page_init (AuthflowHomePage *self)
{
  self->user_rows = g_ptr_array_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  authflow_page_fix_accessible_names (GTK_WIDGET (self));
}

void
authflow_home_page_set_flow (AuthflowHomePage *self,
                             AuthflowFlow     *flow)
{
  AuthflowSession *session;

  g_return_if_fail (AUTHFLOW_IS_HOME_PAGE (self));
  g_return_if_fail (AUTHFLOW_IS_FLOW (flow));
  g_return_if_fail (self->flow == NULL);

  self->flow = g_object_ref (flow);
  session = authflow_flow_get_session (flow);

  g_signal_connect_object (session, "notify::access-token",
                           G_CALLBACK (update_tokens), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::refresh-token",
                           G_CALLBACK (update_tokens), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::expiry",
                           G_CALLBACK (update_tokens), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::uid",
                           G_CALLBACK (update_tokens), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::user",
                           G_CALLBACK (update_user), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::state",
                           G_CALLBACK (state_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (flow, "notify::next-refresh",
                           G_CALLBACK (update_expiry), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (flow, "notify::refresh-count",
                           G_CALLBACK (update_expiry), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (flow, "notify::offline-problem",
                           G_CALLBACK (offline_problem_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (authflow_flow_get_client (flow), "notify::profile",
                           G_CALLBACK (capabilities_cb), self, G_CONNECT_SWAPPED);

  update_tokens (self);
  update_user (self);
  capabilities_cb (self);
}
