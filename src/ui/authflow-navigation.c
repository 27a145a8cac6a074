// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-navigation"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-navigation.h"

/* Shows the page that the session's state calls for: restoring → splash,
 * signed-out → Log In (or Sign Up, which a person may ask for), signed-in →
 * Home. Pages change the session; they never switch pages after a login or
 * a logout themselves, so the flow has one place that decides what shows.
 */
struct _AuthflowNavigation
{
  GObject          parent_instance;

  AuthflowSession *session;
  GtkStack        *stack;
  AuthflowJournal *journal;
  AuthflowNavigationBuildFunc build_page;
  gpointer         build_data;
  const char      *page;
  gboolean         wants_sign_up;
  /* Why the next page shows, when a person asked for it. */
  const char      *asked;
};

G_DEFINE_FINAL_TYPE (AuthflowNavigation, authflow_navigation, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_STACK,
  PROP_JOURNAL,
  PROP_PAGE,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void
update (AuthflowNavigation *self)
{
  const char *page;
  const char *reason;
  const char *asked = g_steal_pointer (&self->asked);

  if (self->session == NULL || self->stack == NULL)
    return;

  switch (authflow_session_get_state (self->session))
    {
    case AUTHFLOW_SESSION_STATE_RESTORING:
      page = "splash";
      reason = "the session is being restored";
      break;

    case AUTHFLOW_SESSION_STATE_SIGNED_IN:
      /* The next time the person is signed out, they start on Log In. */
      self->wants_sign_up = FALSE;
      page = "home";
      reason = "signed in";
      break;

    case AUTHFLOW_SESSION_STATE_SIGNED_OUT:
    default:
      page = self->wants_sign_up ? "sign-up" : "log-in";
      reason = asked != NULL ? asked : "signed out";
      break;
    }

  if (g_strcmp0 (self->page, page) == 0)
    return;

  self->page = page;
  if (gtk_stack_get_child_by_name (self->stack, page) == NULL && self->build_page != NULL)
    self->build_page (page, self->build_data);
  gtk_stack_set_visible_child_name (self->stack, page);

  {
    JsonObject *details = json_object_new ();

    json_object_set_string_member (details, "page", page);
    json_object_set_string_member (details, "reason", reason);
    authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_NAVIGATION, "page",
                             AUTHFLOW_JOURNAL_STEP_NONE, -1, details,
                             "Showing %s: %s", page, reason);
  }

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_PAGE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_TITLE]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
authflow_navigation_dispose (GObject *object)
{
  AuthflowNavigation *self = (AuthflowNavigation *)object;

  g_clear_object (&self->session);
  g_clear_object (&self->stack);
  g_clear_object (&self->journal);

  G_OBJECT_CLASS (authflow_navigation_parent_class)->dispose (object);
}

static void
authflow_navigation_constructed (GObject *object)
{
  AuthflowNavigation *self = (AuthflowNavigation *)object;

  G_OBJECT_CLASS (authflow_navigation_parent_class)->constructed (object);

  g_signal_connect_object (self->session, "notify::state",
                           G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
}

static void
authflow_navigation_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  AuthflowNavigation *self = AUTHFLOW_NAVIGATION (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_STACK:
      g_value_set_object (value, self->stack);
      break;

    case PROP_JOURNAL:
      g_value_set_object (value, self->journal);
      break;

    case PROP_PAGE:
      g_value_set_string (value, self->page);
      break;

    case PROP_TITLE:
      g_value_set_string (value, authflow_navigation_get_title (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_navigation_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  AuthflowNavigation *self = AUTHFLOW_NAVIGATION (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;

    case PROP_STACK:
      self->stack = g_value_dup_object (value);
      break;

    case PROP_JOURNAL:
      self->journal = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_navigation_class_init (AuthflowNavigationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authflow_navigation_dispose;
  object_class->constructed = authflow_navigation_constructed;
  object_class->get_property = authflow_navigation_get_property;
  object_class->set_property = authflow_navigation_set_property;

  properties [PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         AUTHFLOW_TYPE_SESSION,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties [PROP_STACK] =
    g_param_spec_object ("stack", NULL, NULL,
                         GTK_TYPE_STACK,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /* Where each page shown, and why, is written; may be %NULL. */
  properties [PROP_JOURNAL] =
    g_param_spec_object ("journal", NULL, NULL,
                         AUTHFLOW_TYPE_JOURNAL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /* The name of the page showing: "splash", "log-in", "sign-up" or "home". */
  properties [PROP_PAGE] =
    g_param_spec_string ("page", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The page's title, for the window: a screen reader or an outside test
   * tells from it where the person is.
   */
  properties [PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authflow_navigation_init (AuthflowNavigation *self)
{
}

/**
 * authflow_navigation_new:
 * @build_page: (scope notified): adds a page to @stack, by its name, the
 *   first time it is to show: a page that never shows is never built
 *
 * Shows on @stack the page that @session's state calls for, from now on.
 */
AuthflowNavigation *
authflow_navigation_new (AuthflowSession             *session,
                         GtkStack                    *stack,
                         AuthflowJournal             *journal,
                         AuthflowNavigationBuildFunc  build_page,
                         gpointer                     user_data)
{
  AuthflowNavigation *self;

  g_return_val_if_fail (AUTHFLOW_IS_SESSION (session), NULL);
  g_return_val_if_fail (GTK_IS_STACK (stack), NULL);

  /* Not a signal: the first page is chosen as the object is made, before
   * anyone could connect to one.
   */
  self = g_object_new (AUTHFLOW_TYPE_NAVIGATION,
                       "session", session,
                       "stack", stack,
                       "journal", journal,
                       NULL);
  self->build_page = build_page;
  self->build_data = user_data;
  update (self);

  return self;
}

const char *
authflow_navigation_get_page (AuthflowNavigation *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_NAVIGATION (self), NULL);

  return self->page;
}

const char *
authflow_navigation_get_title (AuthflowNavigation *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_NAVIGATION (self), NULL);

  if (g_strcmp0 (self->page, "log-in") == 0)
    return _("Log In");
  if (g_strcmp0 (self->page, "sign-up") == 0)
    return _("Sign Up");
  if (g_strcmp0 (self->page, "home") == 0)
    return _("Home");

  return _("Authflow");
}

/**
 * authflow_navigation_show_sign_up:
 *
 * Shows Sign Up instead of Log In while nobody is signed in.
 */
void
authflow_navigation_show_sign_up (AuthflowNavigation *self)
{
  g_return_if_fail (AUTHFLOW_IS_NAVIGATION (self));

  self->wants_sign_up = TRUE;
  self->asked = "asked for Sign Up";
  update (self);
}

void
authflow_navigation_show_log_in (AuthflowNavigation *self)
{
  g_return_if_fail (AUTHFLOW_IS_NAVIGATION (self));

  self->wants_sign_up = FALSE;
  self->asked = "asked for Log In";
  update (self);
}
