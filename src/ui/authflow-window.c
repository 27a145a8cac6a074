// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-window"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-home-page.h"
#include "authflow-login-page.h"
#include "authflow-page-util.h"
#include "authflow-signup-page.h"
#include "authflow-window.h"

struct _AuthflowWindow
{
  AdwApplicationWindow  parent_instance;

  AuthflowNavigation   *navigation;
  AuthflowFlow         *flow;

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkStack             *stack;
  GtkButton            *back_button;
  GtkBox               *splash_box;
  GtkLabel             *splash_label;
  guint                 splash_id;
  guint                 prepare_home_tick_id;
  guint                 prepare_home_id;
  GtkRevealer          *keyring_revealer;
  GtkLabel             *keyring_label;
  GtkRevealer          *offline_revealer;
  GtkLabel             *offline_label;
  GtkMenuButton        *menu_button;
  /* Built the first time they show (see build_page()). */
  AuthflowLoginPage    *login_page;
  AuthflowSignupPage   *signup_page;
  AuthflowHomePage     *home_page;

  /* The page shown before this one: Log In keeps what a session that
   * just ended left it, not what was typed before a visit to Sign Up.
   */
  const char           *last_page;

  /* See authflow_window_present_when_ready(). */
  guint                 present_id;
  gulong                present_handler;
};

G_DEFINE_FINAL_TYPE (AuthflowWindow, authflow_window, ADW_TYPE_APPLICATION_WINDOW)

#define SPLASH_DELAY_MS 300

static gboolean
show_splash_cb (gpointer data)
{
  AuthflowWindow *self = data;

  self->splash_id = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->splash_box), TRUE);

  return G_SOURCE_REMOVE;
}

static void build_page (const char *name,
                        gpointer    user_data);

/* Home's first layout is the costliest of the window's (every label of
 * it shaped, at several widths, and the fonts it needs loaded): on a
 * start on Log In it would come between the login's answer and Home's
 * first frame. So while Log In waits for the person, Home is built and
 * measured, hidden, at the width it will have, once Log In is on screen
 * and the main loop has nothing else to do; its layout then finds most of
 * its sizes known, and only what the session changes is measured again.
 */
static gboolean
prepare_home_cb (gpointer data)
{
  AuthflowWindow *self = data;
  int width = gtk_widget_get_width (GTK_WIDGET (self->stack));

  self->prepare_home_id = 0;
  if (width > 0)
    {
      if (self->home_page == NULL)
        build_page ("home", self);

      gtk_widget_measure (GTK_WIDGET (self->home_page), GTK_ORIENTATION_HORIZONTAL, -1,
                          NULL, NULL, NULL, NULL);
      gtk_widget_measure (GTK_WIDGET (self->home_page), GTK_ORIENTATION_VERTICAL, width,
                          NULL, NULL, NULL, NULL);
    }

  return G_SOURCE_REMOVE;
}

static void
cancel_prepare_home (AuthflowWindow *self)
{
  if (self->prepare_home_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->prepare_home_tick_id);
  self->prepare_home_tick_id = 0;
  g_clear_handle_id (&self->prepare_home_id, g_source_remove);
}

/* In the frame that draws Log In, before its layout: the idle runs once
 * that frame is painted, since a frame is one dispatch of the main loop.
 */
static gboolean
prepare_home_tick_cb (GtkWidget     *widget,
                      GdkFrameClock *clock,
                      gpointer       user_data)
{
  AuthflowWindow *self = AUTHFLOW_WINDOW (widget);

  self->prepare_home_tick_id = 0;
  g_clear_handle_id (&self->prepare_home_id, g_source_remove);
  self->prepare_home_id = g_idle_add_full (G_PRIORITY_LOW, prepare_home_cb, self, NULL);

  return G_SOURCE_REMOVE;
}

/* After Log In's next frame, not before: the measure must not delay it. */
static void
prepare_home (AuthflowWindow *self)
{
  cancel_prepare_home (self);
  self->prepare_home_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), prepare_home_tick_cb,
                                                             NULL, NULL);
}

static void
page_changed_cb (AuthflowWindow *self)
{
  const char *page = authflow_navigation_get_page (self->navigation);
  GtkWidget *focus = NULL;

  gtk_window_set_title (GTK_WINDOW (self), authflow_navigation_get_title (self->navigation));
  gtk_widget_set_visible (GTK_WIDGET (self->back_button), g_strcmp0 (page, "sign-up") == 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-log-in", g_strcmp0 (page, "sign-up") == 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-sign-up", g_strcmp0 (page, "log-in") == 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-restore", g_strcmp0 (page, "splash") == 0);

  /* A keyring answers at once, most of the time, with nothing stored or
   * with the session: the splash says only what takes a while (a prompt,
   * or a keyring slow to answer), and shows nothing before that.
   */
  g_clear_handle_id (&self->splash_id, g_source_remove);
  if (g_strcmp0 (page, "splash") == 0 && !gtk_widget_get_visible (GTK_WIDGET (self->splash_box)))
    self->splash_id = g_timeout_add (SPLASH_DELAY_MS, show_splash_cb, self);
  else if (g_strcmp0 (page, "splash") != 0)
    gtk_widget_set_visible (GTK_WIDGET (self->splash_box), FALSE);

  /* Every page starts afresh, where the person will type first. */
  if (g_strcmp0 (page, "log-in") == 0)
    {
      authflow_login_page_reset (self->login_page, g_strcmp0 (self->last_page, "sign-up") != 0);
      focus = GTK_WIDGET (self->login_page);
    }
  else if (g_strcmp0 (page, "sign-up") == 0)
    {
      authflow_signup_page_reset (self->signup_page);
      focus = GTK_WIDGET (self->signup_page);
    }
  else if (g_strcmp0 (page, "home") == 0)
    {
      focus = GTK_WIDGET (self->home_page);
    }
  self->last_page = page;

  if (g_strcmp0 (page, "log-in") == 0)
    prepare_home (self);
  else
    cancel_prepare_home (self);

  if (focus != NULL)
    gtk_widget_grab_focus (focus);
}

/* A notice that has gone is hidden once it has slid away, not only
 * collapsed: else assistive technologies would still read it, as GTK
 * presents a collapsed revealer's child like any other.
 */
static void
reveal_notice (GtkRevealer *revealer,
               gboolean     reveal)
{
  if (reveal)
    gtk_widget_set_visible (gtk_revealer_get_child (revealer), TRUE);
  gtk_revealer_set_reveal_child (revealer, reveal);
}

static void
notice_revealed_cb (GtkRevealer *revealer)
{
  if (!gtk_revealer_get_reveal_child (revealer) && !gtk_revealer_get_child_revealed (revealer))
    gtk_widget_set_visible (gtk_revealer_get_child (revealer), FALSE);
}

static void
keyring_problem_cb (AuthflowWindow *self)
{
  const char *problem = authflow_flow_get_keyring_problem (self->flow);

  if (problem != NULL)
    gtk_label_set_text (self->keyring_label, problem);

  reveal_notice (self->keyring_revealer, problem != NULL);
}

/* At start-up the keyring may ask the person to unlock it: the splash says
 * what it waits for, so that the prompt is not a mystery.
 */
static void
keyring_prompting_cb (AuthflowWindow *self)
{
  AuthflowSessionStore *store = authflow_flow_get_store (self->flow);

  if (authflow_session_store_get_prompting (store))
    {
      gtk_label_set_text (self->splash_label, _("Waiting for the system keyring to be unlocked…"));
      gtk_widget_set_visible (GTK_WIDGET (self->splash_box), TRUE);
    }
  else if (authflow_session_store_get_reading (store))
    {
      gtk_label_set_text (self->splash_label, _("Restoring your session…"));
    }
  else
    {
      gtk_label_set_text (self->splash_label, _("Waiting for the system keyring…"));
    }
}


static void
offline_problem_cb (AuthflowWindow *self)
{
  const char *problem = authflow_flow_get_offline_problem (self->flow);

  /* The session is kept while the server is away; the notice says that the
   * app keeps trying, so nobody logs out to "fix" it.
   */
  if (problem != NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s says why the server cannot be reached. */
      text = g_strdup_printf (_("%s You stay logged in; Authflow keeps trying."), problem);
      gtk_label_set_text (self->offline_label, text);
    }

  reveal_notice (self->offline_revealer, problem != NULL);
}

/* A notice stays until its problem goes, or until the person says they
 * have read it: it comes back if the problem changes.
 */
static void
dismiss_notice_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  AuthflowWindow *self = AUTHFLOW_WINDOW (widget);

  if (g_str_equal (action_name, "win.dismiss-keyring-notice"))
    reveal_notice (self->keyring_revealer, FALSE);
  else
    reveal_notice (self->offline_revealer, FALSE);
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
retry_now_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  authflow_flow_retry_now (AUTHFLOW_WINDOW (widget)->flow);
}

static void
show_sign_up_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  authflow_navigation_show_sign_up (AUTHFLOW_WINDOW (widget)->navigation);
}

static void
show_log_in_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  authflow_navigation_show_log_in (AUTHFLOW_WINDOW (widget)->navigation);
}

static void
cancel_restore_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (widget));

  authflow_application_cancel_restore (AUTHFLOW_APPLICATION (app));
}

static void
retry_keyring_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  authflow_flow_retry_keyring (AUTHFLOW_WINDOW (widget)->flow);
}

/* The shortcuts window is built the first time it is asked for. Where
 * GtkApplication looks for it (gtk/help-overlay.ui), it would be built with
 * every main window, at start, for half the time that building the window
 * takes.
 */
static void
show_help_overlay_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  GtkApplicationWindow *self = GTK_APPLICATION_WINDOW (widget);
  GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (self);

  if (overlay == NULL)
    {
      g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource (RESOURCE_BASE_PATH "/authflow-shortcuts-window.ui");

      overlay = GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
      gtk_application_window_set_help_overlay (self, overlay);
      authflow_page_name_stock_controls (GTK_WIDGET (overlay));
    }

  gtk_window_present (GTK_WINDOW (overlay));
}

/* A page is built the first time it is to show: a start that goes to Home
 * never builds Log In or Sign Up, and the window that maps first holds
 * only what its first frame shows.
 */
static void
build_page (const char *name,
            gpointer    user_data)
{
  AuthflowWindow *self = user_data;
  GtkWidget *page;
  const char *title;

  if (g_str_equal (name, "log-in"))
    {
      self->login_page = g_object_new (AUTHFLOW_TYPE_LOGIN_PAGE, NULL);
      authflow_login_page_set_flow (self->login_page, self->flow);
      page = GTK_WIDGET (self->login_page);
      title = _("Log In");
    }
  else if (g_str_equal (name, "sign-up"))
    {
      self->signup_page = g_object_new (AUTHFLOW_TYPE_SIGNUP_PAGE, NULL);
      authflow_signup_page_set_flow (self->signup_page, self->flow);
      page = GTK_WIDGET (self->signup_page);
      title = _("Sign Up");
    }
  else if (g_str_equal (name, "home"))
    {
      self->home_page = g_object_new (AUTHFLOW_TYPE_HOME_PAGE, NULL);
      authflow_home_page_set_flow (self->home_page, self->flow);
      page = GTK_WIDGET (self->home_page);
      title = _("Home");
    }
  else
    {
      g_return_if_reached ();
    }

  gtk_stack_add_titled (self->stack, page, name, title);
}

/* "application" is not a construct property, so it is only known once
 * g_object_new() has returned: the window is wired up from there.
 */
static void
authflow_window_set_up (AuthflowWindow      *self,
                        AuthflowApplication *app)
{
  GSettings *settings;

  self->flow = g_object_ref (authflow_application_get_flow (app));


  settings = authflow_application_get_settings (app);
  g_settings_bind (settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  /* A developer sees at a glance which backend the window talks to. */
  g_object_bind_property (authflow_flow_get_client (self->flow), "base-url",
                          self->window_title, "subtitle",
                          G_BINDING_SYNC_CREATE);

  self->navigation = authflow_navigation_new (authflow_flow_get_session (self->flow), self->stack,
                                             authflow_application_get_journal (app),
                                             build_page, self);
  g_signal_connect_object (self->navigation, "notify::page",
                           G_CALLBACK (page_changed_cb), self,
                           G_CONNECT_SWAPPED);
  page_changed_cb (self);

  g_signal_connect_object (self->flow, "notify::keyring-problem",
                           G_CALLBACK (keyring_problem_cb), self,
                           G_CONNECT_SWAPPED);
  keyring_problem_cb (self);
  g_signal_connect_object (authflow_flow_get_store (self->flow), "notify::prompting",
                           G_CALLBACK (keyring_prompting_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (authflow_flow_get_store (self->flow), "notify::reading",
                           G_CALLBACK (keyring_prompting_cb), self,
                           G_CONNECT_SWAPPED);
  keyring_prompting_cb (self);
  g_signal_connect_object (self->flow, "notify::offline-problem",
                           G_CALLBACK (offline_problem_cb), self,
                           G_CONNECT_SWAPPED);
  offline_problem_cb (self);
}

static void
authflow_window_dispose (GObject *object)
{
  AuthflowWindow *self = (AuthflowWindow *)object;

  g_clear_handle_id (&self->splash_id, g_source_remove);
  g_clear_handle_id (&self->present_id, g_source_remove);
  if (self->navigation != NULL)
    g_clear_signal_handler (&self->present_handler, self->navigation);
  cancel_prepare_home (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_WINDOW);

  g_clear_object (&self->navigation);
  g_clear_object (&self->flow);

  G_OBJECT_CLASS (authflow_window_parent_class)->dispose (object);
}

static void
authflow_window_class_init (AuthflowWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/authflow-window.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, AuthflowWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, AuthflowWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, AuthflowWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, AuthflowWindow, splash_box);
  gtk_widget_class_bind_template_child (widget_class, AuthflowWindow, splash_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowWindow, keyring_revealer);
  gtk_widget_class_bind_template_child (widget_class, AuthflowWindow, keyring_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowWindow, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, AuthflowWindow, offline_label);
  gtk_widget_class_bind_template_child (widget_class, AuthflowWindow, menu_button);

  gtk_widget_class_install_action (widget_class, "win.show-help-overlay", NULL, show_help_overlay_action);
  gtk_widget_class_install_action (widget_class, "win.show-sign-up", NULL, show_sign_up_action);
  gtk_widget_class_install_action (widget_class, "win.show-log-in", NULL, show_log_in_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-restore", NULL, cancel_restore_action);
  gtk_widget_class_install_action (widget_class, "win.retry-keyring", NULL, retry_keyring_action);
  gtk_widget_class_install_action (widget_class, "win.retry-now", NULL, retry_now_action);
  gtk_widget_class_install_action (widget_class, "win.dismiss-keyring-notice", NULL, dismiss_notice_action);
  gtk_widget_class_install_action (widget_class, "win.dismiss-offline-notice", NULL, dismiss_notice_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
authflow_window_init (AuthflowWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  {
    g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
    g_autoptr(GSimpleAction) open = g_simple_action_new ("open", NULL);

    g_signal_connect_object (open, "activate", G_CALLBACK (open_menu_cb), self->menu_button, 0);
    g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (open));
    gtk_widget_insert_action_group (GTK_WIDGET (self->menu_button), "menu-button", G_ACTION_GROUP (group));
  }
  authflow_page_fix_accessible_names (GTK_WIDGET (self));

  gtk_widget_set_visible (gtk_revealer_get_child (self->keyring_revealer), FALSE);
  gtk_widget_set_visible (gtk_revealer_get_child (self->offline_revealer), FALSE);
  g_signal_connect (self->keyring_revealer, "notify::child-revealed", G_CALLBACK (notice_revealed_cb), NULL);
  g_signal_connect (self->offline_revealer, "notify::child-revealed", G_CALLBACK (notice_revealed_cb), NULL);

#if DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif
}

AuthflowWindow *
authflow_window_new (AuthflowApplication *application)
{
  AuthflowWindow *self;

  g_return_val_if_fail (AUTHFLOW_IS_APPLICATION (application), NULL);

  self = g_object_new (AUTHFLOW_TYPE_WINDOW,
                       "application", application,
                       NULL);
  authflow_window_set_up (self, application);

  return self;
}

/**
 * authflow_window_get_navigation:
 *
 * Returns: (transfer none): the navigation controller
 */
AuthflowNavigation *
authflow_window_get_navigation (AuthflowWindow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_WINDOW (self), NULL);

  return self->navigation;
}

static void
present_now (AuthflowWindow *self)
{
  g_clear_handle_id (&self->present_id, g_source_remove);
  g_clear_signal_handler (&self->present_handler, self->navigation);
  gtk_window_present (GTK_WINDOW (self));
}

static gboolean
present_deadline_cb (gpointer data)
{
  AuthflowWindow *self = data;

  self->present_id = 0;
  present_now (self);

  return G_SOURCE_REMOVE;
}

/**
 * authflow_window_present_when_ready:
 * @deadline_ms: how long to wait at most
 *
 * Presents the window once it shows a page other than the splash, or
 * @deadline_ms from now, whichever comes first: the first frame is then the
 * page, not an empty splash that the keyring's answer replaces a few
 * milliseconds later. A present in between (a second activation) is kept.
 */
void
authflow_window_present_when_ready (AuthflowWindow *self,
                                    guint           deadline_ms)
{
  g_return_if_fail (AUTHFLOW_IS_WINDOW (self));

  if (g_strcmp0 (authflow_navigation_get_page (self->navigation), "splash") != 0)
    {
      gtk_window_present (GTK_WINDOW (self));
      return;
    }

  if (self->present_id != 0)
    return;

  self->present_id = g_timeout_add (deadline_ms, present_deadline_cb, self);
  /* After page_changed_cb(): the page is built and chosen when it runs. */
  self->present_handler = g_signal_connect_object (self->navigation, "notify::page",
                                                   G_CALLBACK (present_now), self,
                                                   G_CONNECT_SWAPPED);
}

/**
 * authflow_window_get_page:
 * @name: "log-in", "sign-up" or "home"
 *
 * The page of that name, built now if it has not shown yet (for tests,
 * which reach into pages that have not shown).
 *
 * Returns: (transfer none): the page
 */
GtkWidget *
authflow_window_get_page (AuthflowWindow *self,
                          const char     *name)
{
  GtkWidget *page;

  g_return_val_if_fail (AUTHFLOW_IS_WINDOW (self), NULL);

  if ((page = gtk_stack_get_child_by_name (self->stack, name)) == NULL)
    {
      build_page (name, self);
      page = gtk_stack_get_child_by_name (self->stack, name);
    }

  return page;
}

/**
 * authflow_window_show_message:
 *
 * Shows a transient message, such as why the stored session was dropped.
 */
void
authflow_window_show_message (AuthflowWindow *self,
                              const char     *message)
{
  AdwToast *toast;

  g_return_if_fail (AUTHFLOW_IS_WINDOW (self));

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/**
 * authflow_window_add_toast:
 * @toast: (transfer full): a toast, e.g. with a button
 */
void
authflow_window_add_toast (AuthflowWindow *self,
                           AdwToast       *toast)
{
  g_return_if_fail (AUTHFLOW_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}
