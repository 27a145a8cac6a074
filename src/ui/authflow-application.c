// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-application"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-application.h"
#include "authflow-har.h"
#include "authflow-check-window.h"
#include "authflow-inspector-faults-page.h"
#include "authflow-inspector-keyring-page.h"
#include "authflow-inspector-mapping-page.h"
#include "authflow-inspector-tokens-page.h"
#include "authflow-inspector-window.h"
#include "authflow-trace.h"
#include "authflow-preferences-window.h"
#include "authflow-window.h"

struct _AuthflowApplication
{
  AdwApplication  parent_instance;

  GSettings        *settings;
  AuthflowBackends *backends;
  AuthflowFlow     *flow;
  AuthflowJournal  *journal;
  AuthflowTrace    *trace;
  GtkWindow        *inspector;
  char             *har_path;
  GCancellable     *restore_cancellable;
  char             *pending_message;
  char             *server_override;
  char             *backend_override;
  /* --token-minutes, or -1 for the backend's own setting. */
  int               token_minutes_override;
  gboolean          profiles_broken;
  gboolean          log_out_pending;
};

G_DEFINE_FINAL_TYPE (AuthflowApplication, authflow_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_SERVER,
  PROP_BACKEND,
  PROP_TOKEN_MINUTES,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static const GOptionEntry option_entries[] = {
  /* Translators: the description of the --backend command-line option. */
  { "backend", 'b', 0, G_OPTION_ARG_STRING, NULL, N_("The backend to use (a profile id such as “reference” or “dummyjson”), for this run only"), N_("ID") },
  /* Translators: the description of the --server command-line option. */
  { "server", 's', 0, G_OPTION_ARG_STRING, NULL, N_("The backend's base URL, for this run only"), N_("URL") },
  /* Translators: the description of the --token-minutes command-line option. */
  { "token-minutes", 0, 0, G_OPTION_ARG_INT, NULL, N_("Ask the backend for access tokens that live MINUTES (1 to 43200; 0 for the backend's own lifetime), for this run only"), N_("MINUTES") },
  /* Translators: the description of the --trace command-line option. */
  { "trace", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Write every step of the flow to FILE as JSON Lines, as it happens (“-” for standard output)"), N_("FILE") },
  /* Translators: the description of the --har command-line option. */
  { "har", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Write the HTTP exchanges to FILE as HAR 1.2 when Authflow quits"), N_("FILE") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
  { NULL }
};

/* How long a service-mode instance (started by D-Bus for an action) stays
 * once nothing holds it, so that a second request soon after finds it.
 */
#define SERVICE_INACTIVITY_TIMEOUT_MS 10000

static void restore_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data);
static void log_out (AuthflowApplication *self);

/* Shows @message in the window, or in the first window once there is one. */
static void
show_message (AuthflowApplication *self,
              const char          *message)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window != NULL)
    {
      authflow_window_show_message (AUTHFLOW_WINDOW (window), message);
      return;
    }

  g_free (self->pending_message);
  self->pending_message = g_strdup (message);
}

static void
start_restore (AuthflowApplication *self)
{
  g_cancellable_cancel (self->restore_cancellable);
  g_clear_object (&self->restore_cancellable);
  self->restore_cancellable = g_cancellable_new ();
  authflow_flow_restore_async (self->flow, self->restore_cancellable,
                               restore_cb, g_object_ref (self));
}

static AuthflowProfile *
chosen_profile (AuthflowApplication *self)
{
  g_autofree char *id = NULL;
  AuthflowProfile *profile;

  id = self->backend_override ? g_strdup (self->backend_override)
                              : g_settings_get_string (self->settings, "backend");

  if (!(profile = authflow_backends_lookup (self->backends, id)))
    {
      g_autofree char *message = NULL;

      /* Translators: %s is a backend id, e.g. "dummyjson". */
      message = g_strdup_printf (_("There is no backend “%s”, so Authflow uses the reference server."), id);
      show_message (self, message);
      profile = authflow_backends_lookup (self->backends, "reference");
    }

  return profile;
}

/* The backend is the chosen profile (--backend, else Preferences), at the
 * --server URL if one was given, else the one in Preferences, else the
 * profile's own. Each backend has its own stored session: choosing another
 * one lets go of the session here (it stays in the keyring) and restores
 * that backend's. A new URL for the same backend waits until nobody is
 * signed in: a session belongs to the server that issued it.
 */
static void
update_backend (AuthflowApplication *self)
{
  g_autofree char *url = NULL;
  g_autofree char *effective = NULL;
  AuthflowClient *client;
  AuthflowProfile *profile;
  AuthflowSessionState state;
  gboolean restart;

  if (self->flow == NULL)
    return;

  client = authflow_flow_get_client (self->flow);
  profile = chosen_profile (self);
  url = self->server_override ? g_strdup (self->server_override)
                              : g_settings_get_string (self->settings, "server-url");
  /* As the client keeps it: without a trailing slash. */
  effective = g_strdup (url[0] != '\0' ? url : authflow_profile_get_base_url (profile));
  if (g_str_has_suffix (effective, "/"))
    effective[strlen (effective) - 1] = '\0';

  if (profile == authflow_client_get_profile (client) &&
      g_strcmp0 (effective, authflow_client_get_base_url (client)) == 0)
    return;

  state = authflow_session_get_state (authflow_flow_get_session (self->flow));
  if (profile == authflow_client_get_profile (client) && state == AUTHFLOW_SESSION_STATE_SIGNED_IN)
    return;

  restart = state != AUTHFLOW_SESSION_STATE_RESTORING;
  if (restart)
    authflow_flow_forget_session (self->flow);

  authflow_client_set_profile (client, profile);
  authflow_client_set_base_url (client, url);
  authflow_session_store_set_backend (authflow_flow_get_store (self->flow),
                                      authflow_client_get_base_url (client));

  if (restart)
    start_restore (self);
}

/* Token lifetimes are kept per backend, in one dictionary of backend ids
 * to minutes: a backend that is not in it is asked for none.
 */
#define TOKEN_LIFETIMES_KEY "token-lifetimes"

/**
 * authflow_application_get_stored_token_minutes:
 * @backend: a backend's id
 *
 * Returns: the access token lifetime that Preferences keeps for @backend,
 *   in minutes; 0 for none
 */
guint
authflow_application_get_stored_token_minutes (AuthflowApplication *self,
                                               const char          *backend)
{
  g_autoptr(GVariant) lifetimes = NULL;
  guint minutes = 0;

  g_return_val_if_fail (AUTHFLOW_IS_APPLICATION (self), 0);
  g_return_val_if_fail (backend != NULL, 0);

  lifetimes = g_settings_get_value (self->settings, TOKEN_LIFETIMES_KEY);
  if (!g_variant_lookup (lifetimes, backend, "u", &minutes))
    return 0;

  /* A value written by hand past the range is the most a call asks for. */
  return MIN (minutes, AUTHFLOW_CLIENT_MAX_TOKEN_MINUTES);
}

/**
 * authflow_application_set_stored_token_minutes:
 * @backend: a backend's id
 * @minutes: 1 to %AUTHFLOW_CLIENT_MAX_TOKEN_MINUTES, or 0 for none
 *
 * Keeps @minutes as @backend's access token lifetime, for this run and the
 * next ones; the other backends keep theirs.
 */
void
authflow_application_set_stored_token_minutes (AuthflowApplication *self,
                                               const char          *backend,
                                               guint                minutes)
{
  g_autoptr(GVariant) lifetimes = NULL;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{su}"));
  GVariantIter iter;
  const char *id;
  guint value;

  g_return_if_fail (AUTHFLOW_IS_APPLICATION (self));
  g_return_if_fail (backend != NULL);
  g_return_if_fail (minutes <= AUTHFLOW_CLIENT_MAX_TOKEN_MINUTES);

  if (authflow_application_get_stored_token_minutes (self, backend) == minutes)
    return;

  lifetimes = g_settings_get_value (self->settings, TOKEN_LIFETIMES_KEY);
  g_variant_iter_init (&iter, lifetimes);
  while (g_variant_iter_next (&iter, "{&su}", &id, &value))
    if (!g_str_equal (id, backend))
      g_variant_builder_add (&builder, "{su}", id, value);
  if (minutes > 0)
    g_variant_builder_add (&builder, "{su}", backend, minutes);

  g_settings_set_value (self->settings, TOKEN_LIFETIMES_KEY, g_variant_builder_end (&builder));
}

/* What the calls ask for, from --token-minutes, else from Preferences for
 * the backend the client talks to.
 */
static void
update_token_minutes (AuthflowApplication *self)
{
  AuthflowClient *client;
  AuthflowProfile *profile;

  if (self->flow == NULL)
    return;

  client = authflow_flow_get_client (self->flow);
  profile = authflow_client_get_profile (client);

  if (self->token_minutes_override >= 0)
    authflow_client_set_token_minutes (client, self->token_minutes_override);
  else
    authflow_client_set_token_minutes (client,
                                       authflow_application_get_stored_token_minutes (self,
                                                                                      authflow_profile_get_id (profile)));
}

/* The actions that need a signed-in user. */
static const char * const signed_in_actions[] = { "api-call", "api-calls" };

static void
session_state_changed_cb (AuthflowApplication *self)
{
  AuthflowSessionState state = authflow_session_get_state (authflow_flow_get_session (self->flow));
  GAction *log_out = g_action_map_lookup_action (G_ACTION_MAP (self), "log-out");

  /* Enabled while restoring too: a log-out asked for then is for the
   * session the keyring is being asked for, and runs once it is known.
   */
  g_simple_action_set_enabled (G_SIMPLE_ACTION (log_out), state != AUTHFLOW_SESSION_STATE_SIGNED_OUT);

  for (guint i = 0; i < G_N_ELEMENTS (signed_in_actions); i++)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), signed_in_actions[i])),
                                 state == AUTHFLOW_SESSION_STATE_SIGNED_IN);

  if (state == AUTHFLOW_SESSION_STATE_SIGNED_OUT)
    update_backend (self);
}

/* Runs the log-out that was asked for while the session was restored, once
 * the restore is over (a restore that another one replaced leaves it for
 * that one).
 */
static void
finish_pending_log_out (AuthflowApplication *self)
{
  AuthflowSessionState state = authflow_session_get_state (authflow_flow_get_session (self->flow));

  if (!self->log_out_pending || state == AUTHFLOW_SESSION_STATE_RESTORING)
    return;

  self->log_out_pending = FALSE;
  if (state == AUTHFLOW_SESSION_STATE_SIGNED_IN)
    log_out (self);
  g_application_release (G_APPLICATION (self));
}

static void
restore_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AuthflowApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean restored;

  restored = authflow_flow_restore_finish (AUTHFLOW_FLOW (object), result, &error);
  finish_pending_log_out (self);

  if (restored)
    return;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* The keyring may answer before the first window exists. */
  show_message (self, error->message);
}

static void
log_out_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AuthflowApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!authflow_flow_log_out_finish (AUTHFLOW_FLOW (object), result, &error))
    g_debug ("Log out: %s", error->message);

  g_application_release (G_APPLICATION (self));
}

/* The app stays up until the keyring item is removed and the server's
 * logout has answered: an instance that D-Bus started for this action has
 * no window to keep it running.
 */
static void
log_out (AuthflowApplication *self)
{
  AuthflowClient *client = authflow_flow_get_client (self->flow);

  g_application_hold (G_APPLICATION (self));
  authflow_flow_log_out_async (self->flow, NULL, log_out_cb, g_object_ref (self));

  /* Said plainly: the tokens still work elsewhere until they expire. */
  if (!authflow_client_has_call (client, AUTHFLOW_PROFILE_CALL_LOGOUT))
    {
      g_autofree char *message = NULL;

      /* Translators: %s is a backend's name, e.g. "DummyJSON". */
      message = g_strdup_printf (_("Logged out of Authflow. %s has no logout, so its tokens stay valid until they expire."),
                                 authflow_profile_get_name (authflow_client_get_profile (client)));
      show_message (self, message);
    }
}

static void
log_out_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  AuthflowApplication *self = user_data;
  AuthflowSessionState state = authflow_session_get_state (authflow_flow_get_session (self->flow));

  /* `gapplication action … log-out` with the app not running starts it,
   * and the action comes before the keyring has answered.
   */
  if (state == AUTHFLOW_SESSION_STATE_RESTORING)
    {
      if (!self->log_out_pending)
        {
          self->log_out_pending = TRUE;
          g_application_hold (G_APPLICATION (self));
        }
      return;
    }

  log_out (self);
}

/* A burst of protected calls: how many were sent, how many are back, and
 * the first failure.
 */
typedef struct
{
  AuthflowApplication *self;
  guint                sent;
  guint                answered;
  guint                failed;
  char                *problem;
} Burst;

static void
burst_call_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Burst *burst = user_data;
  g_autoptr(AuthflowUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if ((user = authflow_flow_fetch_user_finish (AUTHFLOW_FLOW (object), result, &error)))
    burst->answered++;
  else
    {
      burst->failed++;
      if (burst->problem == NULL)
        burst->problem = g_strdup (error->message);
    }

  if (burst->answered + burst->failed < burst->sent)
    return;

  if (burst->failed == 0)
    /* Translators: the toast after the api-call action, %u calls. */
    message = g_strdup_printf (ngettext ("The protected API answered", "The protected API answered all %u calls",
                                         burst->sent), burst->sent);
  else
    message = g_strdup (burst->problem);

  if (gtk_application_get_active_window (GTK_APPLICATION (burst->self)) != NULL)
    {
      AdwToast *toast = adw_toast_new (message);

      authflow_window_add_toast (AUTHFLOW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (burst->self))),
                                 toast);
    }

  g_application_release (G_APPLICATION (burst->self));
  g_object_unref (burst->self);
  g_free (burst->problem);
  g_free (burst);
}

/* The "API Call" action on the profile's protected call, with Update
 * Authenticated User, @parameter times at once (1 without one): to watch
 * many calls share one renewal, and for automation.
 */
static void
api_call_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  AuthflowApplication *self = user_data;
  Burst *burst;
  int count = 1;

  if (parameter != NULL)
    count = CLAMP (g_variant_get_int32 (parameter), 1, 100);

  burst = g_new0 (Burst, 1);
  burst->self = g_object_ref (self);
  burst->sent = count;
  g_application_hold (G_APPLICATION (self));

  for (int i = 0; i < count; i++)
    authflow_flow_fetch_user_async (self->flow, NULL, burst_call_cb, burst);
}

static void
add_toast (AuthflowApplication *self,
           const char          *message)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window != NULL)
    authflow_window_add_toast (AUTHFLOW_WINDOW (window), adw_toast_new (message));
}

static void
revoke_session_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(AuthflowApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (authflow_flow_revoke_session_finish (AUTHFLOW_FLOW (object), result, &error))
    g_message ("inject-fault: the server revoked the session; its next renewal will be refused");
  else
    {
      g_message ("inject-fault: revoke-session did nothing: %s", error->message);
      add_toast (self, error->message);
    }

  g_application_release (G_APPLICATION (self));
}

/* Fault injection for automation, as the Flow Inspector's Faults page
 * does it: `gapplication action io.github.authflow.Authflow inject-fault
 * "'latency:2000'"`. What is injected is in the journal, marked as such;
 * a fault that is not known, or a bad value, does nothing and says so in
 * the log (in English: this is for developers).
 */
static void
inject_fault_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  AuthflowApplication *self = user_data;
  const char *spec = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;

  if (g_str_equal (spec, "revoke-session"))
    {
      g_application_hold (G_APPLICATION (self));
      authflow_flow_revoke_session_async (self->flow, NULL, revoke_session_cb, g_object_ref (self));
      return;
    }

  if (!authflow_faults_apply (authflow_flow_get_faults (self->flow), spec, &error))
    {
      g_message ("inject-fault: “%s” did nothing: %s", spec, error->message);
      return;
    }

  g_debug ("inject-fault: %s", spec);
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  AuthflowApplication *self = user_data;
  AuthflowPreferencesWindow *preferences;

  preferences = authflow_preferences_window_new (self);
  gtk_window_set_transient_for (GTK_WINDOW (preferences),
                                gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_present (GTK_WINDOW (preferences));
}

/* One Flow Inspector, beside the main window rather than over it. */
static void
inspector_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  AuthflowApplication *self = user_data;

  if (self->inspector == NULL)
    {
      AuthflowInspectorWindow *inspector = authflow_inspector_window_new (self);

      /* Beside the timeline: the tokens, the login answer's mapping, the
       * keyring, and the faults to provoke.
       */
      authflow_inspector_window_add_page (inspector, authflow_inspector_tokens_page_new (self->flow),
                                          "tokens", _("Tokens"), "dialog-password-symbolic");
      authflow_inspector_window_add_page (inspector, authflow_inspector_mapping_page_new (self->flow),
                                          "mapping", _("Mapping"), "insert-link-symbolic");
      authflow_inspector_window_add_page (inspector, authflow_inspector_keyring_page_new (self->flow),
                                          "keyring", _("Keyring"), "channel-secure-symbolic");
      authflow_inspector_window_add_page (inspector, authflow_inspector_faults_page_new (self->flow),
                                          "faults", _("Faults"), "dialog-warning-symbolic");
      self->inspector = GTK_WINDOW (inspector);
      g_object_add_weak_pointer (G_OBJECT (self->inspector), (gpointer *) &self->inspector);
    }

  gtk_window_present (self->inspector);
}

/* The troubleshooting checklist, for the backend chosen now. */
static void
check_backend_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  AuthflowApplication *self = user_data;
  AuthflowClient *client = authflow_flow_get_client (self->flow);
  AuthflowCheckWindow *window = authflow_check_window_new (authflow_client_get_profile (client),
                                                           authflow_client_get_base_url (client));

  gtk_window_set_transient_for (GTK_WINDOW (window), gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_present (GTK_WINDOW (window));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  AuthflowApplication *self = user_data;
  const char *developers[] = { _("The Authflow developers"), NULL };

  adw_show_about_window (gtk_application_get_active_window (GTK_APPLICATION (self)),
                         "application-name", _("Authflow"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", _("The Authflow developers"),
                         "developers", developers,
                         "comments", _("Sign in to a token-issuing backend and see the whole authentication flow."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GApplication *app = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  /* Destroying the windows, rather than g_application_quit(), lets each
   * one save its state and cancel its calls on the way out.
   */
  while (windows != NULL)
    {
      GtkWindow *window = windows->data;

      windows = windows->next;
      gtk_window_destroy (window);
    }
}

static const GActionEntry app_actions[] = {
  { "log-out", log_out_action },
  { "api-call", api_call_action },
  { "api-calls", api_call_action, "i" },
  { "inject-fault", inject_fault_action, "s" },
  { "preferences", preferences_action },
  { "inspector", inspector_action },
  { "check-backend", check_backend_action },
  { "about", about_action },
  { "quit", quit_action },
};

static int
authflow_application_handle_local_options (GApplication *app,
                                           GVariantDict *options)
{
  AuthflowApplication *self = AUTHFLOW_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  const char *server = NULL;
  const char *backend = NULL;
  const char *trace = NULL;
  const char *har = NULL;
  int token_minutes = -1;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "backend", "&s", &backend))
    g_object_set (self, "backend", backend, NULL);

  if (g_variant_dict_lookup (options, "server", "&s", &server))
    {
      g_autoptr(GUri) uri = g_uri_parse (server, G_URI_FLAGS_NONE, NULL);

      if (uri == NULL ||
          (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
           g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
        {
          /* Translators: %s is the URL given on the command line. */
          g_printerr (_("“%s” is not an http:// or https:// URL\n"), server);
          return 1;
        }

      if (!authflow_client_check_url (server, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }

      g_object_set (self, "server", server, NULL);
    }

  if (g_variant_dict_lookup (options, "token-minutes", "i", &token_minutes))
    {
      if (token_minutes < 0 || token_minutes > AUTHFLOW_CLIENT_MAX_TOKEN_MINUTES)
        {
          /* Translators: %d is the most minutes, 43200 (30 days). */
          g_printerr (_("--token-minutes takes a whole number of minutes from 0 to %d\n"),
                      AUTHFLOW_CLIENT_MAX_TOKEN_MINUTES);
          return 1;
        }

      g_object_set (self, "token-minutes", token_minutes, NULL);
    }

  g_variant_dict_lookup (options, "trace", "^&ay", &trace);
  g_variant_dict_lookup (options, "har", "^&ay", &har);

  /* The options are for the instance that starts with them: one that runs
   * already keeps its backend, and would drop them without a word.
   */
  if (backend != NULL || server != NULL || trace != NULL || har != NULL || token_minutes >= 0)
    {
      if (!g_application_register (app, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }

      if (g_application_get_is_remote (app))
        {
          g_printerr ("%s\n", _("Authflow is already running: quit it first to use --backend, --server, --token-minutes, --trace or --har"));
          return 1;
        }
    }

  /* The trace starts now, so that it has the whole run; a file that cannot
   * be written is said at once, not at the end.
   */
  if (trace != NULL && !(self->trace = authflow_trace_new (self->journal, trace, &error)))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  if (har != NULL)
    self->har_path = g_strdup (har);

  return G_APPLICATION_CLASS (authflow_application_parent_class)->handle_local_options (app, options);
}

static void
authflow_application_startup (GApplication *app)
{
  AuthflowApplication *self = AUTHFLOW_APPLICATION (app);
  g_autoptr(AuthflowClient) client = NULL;
  g_autoptr(AuthflowSessionStore) store = NULL;
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *log_out_accels[] = { "<Control><Shift>l", NULL };
  static const char *inspector_accels[] = { "<Control><Shift>i", NULL };
  static const char *help_overlay_accels[] = { "<Control>question", NULL };

  /* The session is read from the keyring first, on a thread of its own,
   * while GTK starts and the window is built (GTK's start takes longer
   * than the keyring's answer): the first page can then be the right one.
   * None of what comes before the chain-up needs GTK.
   */
  self->settings = g_settings_new (APP_ID_BASE);

  {
    g_autofree char *user_dir = authflow_backends_dup_user_dir ();

    self->backends = authflow_backends_new (user_dir);
  }
  self->profiles_broken = authflow_backends_get_problems (self->backends)[0] != NULL;

  client = authflow_client_new (NULL);
  store = authflow_session_store_new (NULL);
  g_settings_bind (self->settings, "persist-sessions", store, "persist", G_SETTINGS_BIND_GET);

  self->flow = authflow_flow_new (client, store);
  authflow_flow_set_journal (self->flow, self->journal);
  update_backend (self);
  update_token_minutes (self);
  authflow_session_store_read_ahead (store);

  G_APPLICATION_CLASS (authflow_application_parent_class)->startup (app);

  /* The windows' icon is a PNG of the app's icon (see the resources): by
   * the app id, GTK would render its SVG as each window is realized.
   */
  gtk_window_set_default_icon_name (APP_ID_BASE "-raster");

  /* Started by the session bus (`gapplication action`, or a desktop that
   * activates the app over D-Bus): no window unless an activation asks for
   * one, and the process goes once nothing holds it for a while.
   */
  if (g_application_get_flags (app) & G_APPLICATION_IS_SERVICE)
    g_application_set_inactivity_timeout (app, SERVICE_INACTIVITY_TIMEOUT_MS);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.log-out", log_out_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.inspector", inspector_accels);
  /* As GtkApplication would set it, had the shortcuts window been where it
   * looks (see authflow-window.c).
   */
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay", help_overlay_accels);

  g_signal_connect_object (self->settings, "changed::server-url",
                           G_CALLBACK (update_backend), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::backend",
                           G_CALLBACK (update_backend), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::" TOKEN_LIFETIMES_KEY,
                           G_CALLBACK (update_token_minutes), self,
                           G_CONNECT_SWAPPED);
  /* Each backend asks for its own lifetime. */
  g_signal_connect_object (client, "notify::profile",
                           G_CALLBACK (update_token_minutes), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (authflow_flow_get_session (self->flow), "notify::state",
                           G_CALLBACK (session_state_changed_cb), self,
                           G_CONNECT_SWAPPED);
  session_state_changed_cb (self);

  /* The restore starts before the first window exists: the window shows
   * the splash while the keyring is asked, and never the network.
   */
  start_restore (self);
}

/* How long a new window waits, at most, for the keyring's answer before it
 * shows with the splash: a tenth of a second, which a person takes for at
 * once. The keyring has been asked since startup (see there), and by the
 * time the window is built it has most often answered.
 */
#define PRESENT_DEADLINE_MS 100

static void
authflow_application_activate (GApplication *app)
{
  AuthflowApplication *self = AUTHFLOW_APPLICATION (app);
  GtkWindow *window;

  if ((window = gtk_application_get_active_window (GTK_APPLICATION (self))))
    {
      gtk_window_present (window);
    }
  else
    {
      /* Mapped with the page it is for, if the keyring answers soon. */
      window = GTK_WINDOW (authflow_window_new (self));
      authflow_window_present_when_ready (AUTHFLOW_WINDOW (window), PRESENT_DEADLINE_MS);
    }

  /* Said once, with the way to the details. */
  if (self->profiles_broken)
    {
      AdwToast *toast = adw_toast_new (_("A backend profile did not load"));

      adw_toast_set_button_label (toast, _("_Details"));
      adw_toast_set_action_name (toast, "app.preferences");
      adw_toast_set_timeout (toast, 10);
      authflow_window_add_toast (AUTHFLOW_WINDOW (window), toast);
      self->profiles_broken = FALSE;
    }

  if (self->pending_message != NULL)
    {
      authflow_window_show_message (AUTHFLOW_WINDOW (window), self->pending_message);
      g_clear_pointer (&self->pending_message, g_free);
    }
}

static void
authflow_application_shutdown (GApplication *app)
{
  AuthflowApplication *self = AUTHFLOW_APPLICATION (app);
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (self->restore_cancellable);
  g_clear_object (&self->restore_cancellable);

  /* The inspector is no window of the application, which would leave it
   * open.
   */
  if (self->inspector != NULL)
    gtk_window_destroy (self->inspector);

  if (self->flow != NULL)
    authflow_flow_shutdown (self->flow);

  if (self->har_path != NULL && !authflow_har_write (self->journal, self->har_path, &error))
    g_printerr ("%s\n", error->message);

  /* Last, so that the trace has every entry up to here. */
  if (self->trace != NULL)
    authflow_trace_close (self->trace);

  G_APPLICATION_CLASS (authflow_application_parent_class)->shutdown (app);
}

static void
authflow_application_dispose (GObject *object)
{
  AuthflowApplication *self = (AuthflowApplication *)object;

  g_clear_object (&self->flow);
  g_clear_object (&self->backends);
  g_clear_object (&self->settings);
  g_clear_object (&self->trace);
  g_clear_object (&self->journal);

  G_OBJECT_CLASS (authflow_application_parent_class)->dispose (object);
}

static void
authflow_application_finalize (GObject *object)
{
  AuthflowApplication *self = (AuthflowApplication *)object;

  g_clear_pointer (&self->server_override, g_free);
  g_clear_pointer (&self->pending_message, g_free);
  g_clear_pointer (&self->backend_override, g_free);
  g_clear_pointer (&self->har_path, g_free);

  G_OBJECT_CLASS (authflow_application_parent_class)->finalize (object);
}

static void
authflow_application_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  AuthflowApplication *self = AUTHFLOW_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_SERVER:
      g_value_set_string (value, self->server_override);
      break;

    case PROP_BACKEND:
      g_value_set_string (value, self->backend_override);
      break;

    case PROP_TOKEN_MINUTES:
      g_value_set_int (value, self->token_minutes_override);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_application_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  AuthflowApplication *self = AUTHFLOW_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_SERVER:
      if (g_strcmp0 (self->server_override, g_value_get_string (value)) != 0)
        {
          g_free (self->server_override);
          self->server_override = g_value_dup_string (value);
          update_backend (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    case PROP_BACKEND:
      if (g_strcmp0 (self->backend_override, g_value_get_string (value)) != 0)
        {
          g_free (self->backend_override);
          self->backend_override = g_value_dup_string (value);
          update_backend (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    case PROP_TOKEN_MINUTES:
      if (self->token_minutes_override != g_value_get_int (value))
        {
          self->token_minutes_override = g_value_get_int (value);
          update_token_minutes (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_application_class_init (AuthflowApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = authflow_application_dispose;
  object_class->finalize = authflow_application_finalize;
  object_class->get_property = authflow_application_get_property;
  object_class->set_property = authflow_application_set_property;

  app_class->handle_local_options = authflow_application_handle_local_options;
  app_class->startup = authflow_application_startup;
  app_class->activate = authflow_application_activate;
  app_class->shutdown = authflow_application_shutdown;

  /* The backend URL for this run, overriding the one in Preferences; what
   * `--server` sets.
   */
  properties [PROP_SERVER] =
    g_param_spec_string ("server", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The backend profile's id for this run, overriding the one in
   * Preferences; what `--backend` sets.
   */
  properties [PROP_BACKEND] =
    g_param_spec_string ("backend", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The access token lifetime the calls ask for in this run, in minutes,
   * overriding Preferences (0 for the backend's own); what
   * `--token-minutes` sets. -1 for none: Preferences decides.
   */
  properties [PROP_TOKEN_MINUTES] =
    g_param_spec_int ("token-minutes", NULL, NULL, -1, AUTHFLOW_CLIENT_MAX_TOKEN_MINUTES, -1,
                      (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authflow_application_init (AuthflowApplication *self)
{
  self->token_minutes_override = -1;

  /* Before anything else, so that the trace has the whole run. */
  self->journal = authflow_journal_new ();

  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  /* Translators: at the end of authflow --help; "authflow check" is a command, not to be translated. */
  g_application_set_option_context_description (G_APPLICATION (self),
                                                _("To check a backend without a window: authflow check --help"));
}

AuthflowApplication *
authflow_application_new (GApplicationFlags flags)
{
  return g_object_new (AUTHFLOW_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", RESOURCE_BASE_PATH,
                       "flags", flags,
                       NULL);
}

/**
 * authflow_application_get_journal:
 *
 * Returns: (transfer none): the journal of every step the core takes
 */
AuthflowJournal *
authflow_application_get_journal (AuthflowApplication *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_APPLICATION (self), NULL);

  return self->journal;
}

/**
 * authflow_application_get_flow:
 *
 * Returns: (transfer none) (nullable): the flow actions, once started up
 */
AuthflowFlow *
authflow_application_get_flow (AuthflowApplication *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_APPLICATION (self), NULL);

  return self->flow;
}

/**
 * authflow_application_get_settings:
 *
 * Returns: (transfer none) (nullable): the app's settings, once started up
 */
GSettings *
authflow_application_get_settings (AuthflowApplication *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_APPLICATION (self), NULL);

  return self->settings;
}

/**
 * authflow_application_get_backends:
 *
 * Returns: (transfer none) (nullable): the backends to choose from, once
 *   started up
 */
AuthflowBackends *
authflow_application_get_backends (AuthflowApplication *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_APPLICATION (self), NULL);

  return self->backends;
}

/**
 * authflow_application_cancel_restore:
 *
 * Stops waiting for the keyring at start-up; the app goes on signed out.
 */
void
authflow_application_cancel_restore (AuthflowApplication *self)
{
  g_return_if_fail (AUTHFLOW_IS_APPLICATION (self));

  g_cancellable_cancel (self->restore_cancellable);
}
