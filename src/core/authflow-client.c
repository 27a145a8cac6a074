// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-client"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "authflow-backend-messages.h"
#include "authflow-client.h"
#include "authflow-client-private.h"
#include "authflow-faults-private.h"
#include "authflow-json.h"
#include "authflow-jwt.h"

/* Runs the backend's calls over HTTP. It turns every answer into either a
 * result or an error a person can act on, and never logs a token, a
 * password or a body: the debug log shows method, path and status only.
 *
 * What it does, it tells the journal, if it has one: each exchange on the
 * wire as it ends (each redirect hop its own, as in HAR), and each answer
 * it reads into auth properties or a user. Those entries are redacted
 * before they are made (see authflow-client-journal.c). A call refused
 * before anything is sent (a template without a value, plain http:// to
 * another machine) is no exchange and makes no entry: its error says why.
 *
 * Fault injection acts here, where a call is sent (see authflow-faults.c):
 * a dead network, latency, made-up server errors, a token the server will
 * refuse, a wall clock that is off. Each exchange it touches says so in
 * the journal, and an answer it makes up is never taken for the server's.
 */
struct _AuthflowClient
{
  GObject          parent_instance;

  SoupSession     *session;

  /* What the backend's calls look like and where its answers keep what
   * the session needs; base_url overrides the profile's when set.
   */
  AuthflowProfile *profile;
  char            *base_url;

  /* The server's clock minus ours, from the last answer's Date header: all
   * expiry decisions are made in server time, so a local clock that is off
   * by an hour neither expires sessions early nor keeps dead tokens.
   */
  GTimeSpan    clock_offset;
  /* A Date that cannot be right is ignored; the debug log says so once. */
  gboolean     told_bad_date;

  /* When the server, with a 429 or 503, last asked to be left alone until. */
  gint64       retry_after_until;

  /* Where each exchange and each answer read is reported, if anywhere;
   * whether the server's clock is known yet, for the journal's entries;
   * and how many authflow_client_begin_retry() are open.
   */
  AuthflowJournal *journal;
  gboolean     clock_known;
  guint        retry_depth;

  /* The faults to inject, if any; and the server's clock as the journal
   * has it, against the machine's clock rather than the app's.
   */
  AuthflowFaults *faults;
  GTimeSpan    journal_clock_offset;

  /* Limits that keep a broken or hostile server from holding a call, or
   * memory, forever: libsoup's timeout only bounds each read.
   */
  guint        max_answer_size;
  guint        total_timeout;

  /* How many minutes the backend is asked to let an access token live,
   * where the profile asks for `{{expires_in_mins}}`; 0 to leave it to
   * the backend.
   */
  guint        token_minutes;
};

G_DEFINE_FINAL_TYPE (AuthflowClient, authflow_client, G_TYPE_OBJECT)
G_DEFINE_QUARK (authflow-client-error-quark, authflow_client_error)

#define DEFAULT_TIMEOUT_SECONDS 15
#define DEFAULT_TOTAL_TIMEOUT_SECONDS 30
#define DEFAULT_MAX_ANSWER_SIZE (1024 * 1024)
#define MAX_REDIRECTS 5
#define READ_CHUNK_SIZE 16384
#define PARSE_IN_THREAD_SIZE (64 * 1024)

/* A server's Date outside these years cannot be right (and one near year
 * 9999 would take every expiry past what GDateTime can hold), so it is not
 * taken as the server's clock.
 */
#define MIN_SERVER_YEAR 2000
#define MAX_SERVER_YEAR 2200

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_PROFILE,
  PROP_TIMEOUT,
  PROP_CLOCK_OFFSET,
  PROP_MAX_ANSWER_SIZE,
  PROP_TOTAL_TIMEOUT,
  PROP_JOURNAL,
  PROP_FAULTS,
  PROP_TOKEN_MINUTES,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

void
authflow_auth_result_free (AuthflowAuthResult *result)
{
  if (result == NULL)
    return;

  g_free (result->access_token);
  g_free (result->refresh_token);
  g_clear_pointer (&result->expiry, g_date_time_unref);
  g_free (result->uid);
  g_clear_object (&result->user);
  g_free (result);
}

static void
authflow_client_finalize (GObject *object)
{
  AuthflowClient *self = (AuthflowClient *)object;

  g_clear_object (&self->session);
  g_clear_object (&self->profile);
  g_clear_object (&self->journal);
  g_clear_object (&self->faults);
  g_clear_pointer (&self->base_url, g_free);

  G_OBJECT_CLASS (authflow_client_parent_class)->finalize (object);
}

static void
authflow_client_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AuthflowClient *self = AUTHFLOW_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, authflow_client_get_timeout (self));
      break;

    case PROP_CLOCK_OFFSET:
      g_value_set_int64 (value, self->clock_offset);
      break;

    case PROP_MAX_ANSWER_SIZE:
      g_value_set_uint (value, self->max_answer_size);
      break;

    case PROP_TOTAL_TIMEOUT:
      g_value_set_uint (value, self->total_timeout);
      break;

    case PROP_JOURNAL:
      g_value_set_object (value, self->journal);
      break;

    case PROP_FAULTS:
      g_value_set_object (value, self->faults);
      break;

    case PROP_TOKEN_MINUTES:
      g_value_set_uint (value, self->token_minutes);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_client_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AuthflowClient *self = AUTHFLOW_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      authflow_client_set_base_url (self, g_value_get_string (value));
      break;

    case PROP_PROFILE:
      authflow_client_set_profile (self, g_value_get_object (value));
      break;

    case PROP_TIMEOUT:
      authflow_client_set_timeout (self, g_value_get_uint (value));
      break;

    case PROP_MAX_ANSWER_SIZE:
      authflow_client_set_max_answer_size (self, g_value_get_uint (value));
      break;

    case PROP_TOTAL_TIMEOUT:
      authflow_client_set_total_timeout (self, g_value_get_uint (value));
      break;

    case PROP_JOURNAL:
      authflow_client_set_journal (self, g_value_get_object (value));
      break;

    case PROP_FAULTS:
      authflow_client_set_faults (self, g_value_get_object (value));
      break;

    case PROP_TOKEN_MINUTES:
      authflow_client_set_token_minutes (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_client_class_init (AuthflowClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authflow_client_finalize;
  object_class->get_property = authflow_client_get_property;
  object_class->set_property = authflow_client_set_property;

  properties [PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, DEFAULT_SERVER_URL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties [PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, AUTHFLOW_TYPE_PROFILE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties [PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, 600, DEFAULT_TIMEOUT_SECONDS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Microseconds to add to the local clock to get the server's. */
  properties [PROP_CLOCK_OFFSET] =
    g_param_spec_int64 ("clock-offset", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Bytes of an answer's body past which the call fails. */
  properties [PROP_MAX_ANSWER_SIZE] =
    g_param_spec_uint ("max-answer-size", NULL, NULL, 1, G_MAXUINT, DEFAULT_MAX_ANSWER_SIZE,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Seconds a whole call may take, redirects and all, however steadily
   * the server trickles its answer.
   */
  properties [PROP_TOTAL_TIMEOUT] =
    g_param_spec_uint ("total-timeout", NULL, NULL, 1, 3600, DEFAULT_TOTAL_TIMEOUT_SECONDS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Where every exchange and every answer read is reported; %NULL for
   * nowhere.
   */
  properties [PROP_JOURNAL] =
    g_param_spec_object ("journal", NULL, NULL, AUTHFLOW_TYPE_JOURNAL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The faults to inject into the calls; %NULL for none. */
  properties [PROP_FAULTS] =
    g_param_spec_object ("faults", NULL, NULL, AUTHFLOW_TYPE_FAULTS,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The access tokens' lifetime that the calls ask for, in minutes, where
   * the profile has `{{expires_in_mins}}`; 0 asks for none, and the
   * backend decides.
   */
  properties [PROP_TOKEN_MINUTES] =
    g_param_spec_uint ("token-minutes", NULL, NULL, 0, AUTHFLOW_CLIENT_MAX_TOKEN_MINUTES, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

/* The built-in profiles' names that are words, not proper names, here for
 * xgettext, which does not read the JSON files: each is its file's "name",
 * shown translated. "DummyJSON" is a proper name and stays as it is; a
 * person's own profiles keep the names their files give.
 */
static const struct
{
  const char *id;
  const char *name;
} builtin_names[] = {
  /* Translators: the name of the backend that ships with Authflow and
   * runs on this machine, shown as in "Log in to Reference server". */
  { "reference", N_("Reference server") },
};

/**
 * authflow_client_load_builtin_profile:
 * @id: "reference" or "dummyjson"
 *
 * Returns: (transfer full): a profile that ships with the app, its name
 *   translated
 */
AuthflowProfile *
authflow_client_load_builtin_profile (const char  *id,
                                      GError     **error)
{
  g_autofree char *path = g_strdup_printf (RESOURCE_BASE_PATH "/profiles/%s.json", id);
  g_autofree char *name = g_strdup_printf ("%s.json", id);
  g_autoptr(GBytes) bytes = NULL;
  AuthflowProfile *profile;

  if (!(bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, error)))
    return NULL;

  if (!(profile = authflow_profile_new_from_bytes (bytes, name, error)))
    return NULL;

  /* Only when the file still says what the table says: a name changed in
   * one and not the other shows as the file has it, in English. */
  for (gsize i = 0; i < G_N_ELEMENTS (builtin_names); i++)
    if (g_str_equal (id, builtin_names[i].id) &&
        g_str_equal (authflow_profile_get_name (profile), builtin_names[i].name))
      authflow_profile_set_name (profile, _(builtin_names[i].name));

  return profile;
}

static void
authflow_client_init (AuthflowClient *self)
{
  g_autoptr(GError) error = NULL;

  /* The reference server's profile is part of the app: not finding it is
   * a broken build, not something a person can act on.
   */
  if (!(self->profile = authflow_client_load_builtin_profile ("reference", &error)))
    g_error ("The built-in reference profile does not load: %s", error->message);

  self->base_url = g_strdup (authflow_profile_get_base_url (self->profile));
  self->max_answer_size = DEFAULT_MAX_ANSWER_SIZE;
  self->total_timeout = DEFAULT_TOTAL_TIMEOUT_SECONDS;
  self->session = soup_session_new_with_options ("timeout", DEFAULT_TIMEOUT_SECONDS,
                                                 "user-agent", PACKAGE_NAME "/" PACKAGE_VERSION,
                                                 NULL);
}

AuthflowClient *
authflow_client_new (const char *base_url)
{
  return g_object_new (AUTHFLOW_TYPE_CLIENT,
                       "base-url", base_url,
                       NULL);
}

const char *
authflow_client_get_base_url (AuthflowClient *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), NULL);

  return self->base_url;
}

/**
 * authflow_client_set_base_url:
 * @base_url: (nullable): the server to talk to, %NULL for the profile's
 *
 * Takes @base_url as set, as --server and Preferences do; a plain http://
 * address of another machine then makes every call fail with a message
 * that says so (see authflow_client_check_url()), before anything is sent.
 */
void
authflow_client_set_base_url (AuthflowClient *self,
                              const char     *base_url)
{
  g_autofree char *trimmed = NULL;

  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));

  if (base_url == NULL || base_url[0] == '\0')
    base_url = authflow_profile_get_base_url (self->profile);

  /* Paths are appended to the base URL, so one trailing slash is dropped. */
  trimmed = g_strdup (base_url);
  if (g_str_has_suffix (trimmed, "/"))
    trimmed[strlen (trimmed) - 1] = '\0';

  if (g_strcmp0 (self->base_url, trimmed) == 0)
    return;

  g_free (self->base_url);
  self->base_url = g_steal_pointer (&trimmed);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_BASE_URL]);
}

/**
 * authflow_client_get_profile:
 *
 * Returns: (transfer none): the backend profile the calls follow
 */
AuthflowProfile *
authflow_client_get_profile (AuthflowClient *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), NULL);

  return self->profile;
}

/**
 * authflow_client_set_profile:
 *
 * Makes the calls follow @profile. The base URL becomes the profile's;
 * set it again afterwards to override it.
 */
void
authflow_client_set_profile (AuthflowClient  *self,
                             AuthflowProfile *profile)
{
  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (AUTHFLOW_IS_PROFILE (profile));

  if (!g_set_object (&self->profile, profile))
    return;

  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_PROFILE]);
  authflow_client_set_base_url (self, NULL);
}

gboolean
authflow_client_has_call (AuthflowClient          *self,
                          AuthflowProfileCallKind  kind)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), FALSE);

  return authflow_profile_has_call (self->profile, kind);
}

/**
 * authflow_expiry_source_to_string:
 *
 * Returns: the source's name in the trace: "answer", "jwt" or "none"
 */
const char *
authflow_expiry_source_to_string (AuthflowExpirySource source)
{
  switch (source)
    {
    case AUTHFLOW_EXPIRY_SOURCE_ANSWER:
      return "answer";

    case AUTHFLOW_EXPIRY_SOURCE_JWT:
      return "jwt";

    case AUTHFLOW_EXPIRY_SOURCE_NONE:
    default:
      return "none";
    }
}

/**
 * authflow_client_get_journal:
 *
 * Returns: (transfer none) (nullable): where the client reports what it
 *   does, or %NULL
 */
AuthflowJournal *
authflow_client_get_journal (AuthflowClient *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), NULL);

  return self->journal;
}

/**
 * authflow_client_set_journal:
 * @journal: (nullable): where to report, or %NULL to report nothing
 *
 * From now on every exchange that ends is an "http"/"exchange" entry of
 * @journal, and every answer read into auth properties or a user is a
 * "mapping"/"answer" entry (see the README, "The trace"). The journal also
 * learns the server's clock from the client.
 */
void
authflow_client_set_journal (AuthflowClient  *self,
                             AuthflowJournal *journal)
{
  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (!journal || AUTHFLOW_IS_JOURNAL (journal));

  if (!g_set_object (&self->journal, journal))
    return;

  if (self->clock_known)
    authflow_journal_set_clock_offset (self->journal, TRUE, self->journal_clock_offset);

  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_JOURNAL]);
}

/**
 * authflow_client_get_faults:
 *
 * Returns: (transfer none) (nullable): the faults injected into the calls
 */
AuthflowFaults *
authflow_client_get_faults (AuthflowClient *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), NULL);

  return self->faults;
}

/**
 * authflow_client_set_faults:
 * @faults: (nullable): the faults to inject, or %NULL for none
 *
 * From now on each call asks @faults, as it is sent, whether something is
 * to go wrong with it, and the client's wall clock is @faults' (see
 * authflow_faults_get_clock_offset()). The flow sets its own here.
 */
void
authflow_client_set_faults (AuthflowClient *self,
                            AuthflowFaults *faults)
{
  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (faults == NULL || AUTHFLOW_IS_FAULTS (faults));

  if (g_set_object (&self->faults, faults))
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_FAULTS]);
}

/* The wall clock, as the app has it: the machine's, unless a fault puts it
 * off. The server's clock is measured against it, so that the expiry
 * decisions stay right whatever it says.
 */
static GTimeSpan
wall_clock_offset (AuthflowClient *self)
{
  return self->faults != NULL ? authflow_faults_get_clock_offset (self->faults) : 0;
}

static gint64
wall_clock (AuthflowClient *self)
{
  return g_get_real_time () + wall_clock_offset (self);
}

/**
 * authflow_client_begin_retry:
 *
 * Marks the calls started from now until authflow_client_end_retry() as
 * the one retry of a call after a renewal: their exchanges say `"retry":
 * true`. Calls are marked when they are started, so the flow wraps the
 * start of the retry (the `_async` call) in the pair, not its wait. Pairs
 * may nest.
 */
void
authflow_client_begin_retry (AuthflowClient *self)
{
  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));

  self->retry_depth++;
}

/**
 * authflow_client_end_retry:
 *
 * Ends what authflow_client_begin_retry() began.
 */
void
authflow_client_end_retry (AuthflowClient *self)
{
  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (self->retry_depth > 0);

  self->retry_depth--;
}

guint
authflow_client_get_timeout (AuthflowClient *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), 0);

  return soup_session_get_timeout (self->session);
}

void
authflow_client_set_timeout (AuthflowClient *self,
                             guint           timeout_seconds)
{
  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));

  if (soup_session_get_timeout (self->session) == timeout_seconds)
    return;

  soup_session_set_timeout (self->session, timeout_seconds);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_TIMEOUT]);
}

guint
authflow_client_get_max_answer_size (AuthflowClient *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), 0);

  return self->max_answer_size;
}

void
authflow_client_set_max_answer_size (AuthflowClient *self,
                                     guint           max_answer_size)
{
  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (max_answer_size > 0);

  if (self->max_answer_size == max_answer_size)
    return;

  self->max_answer_size = max_answer_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_MAX_ANSWER_SIZE]);
}

guint
authflow_client_get_total_timeout (AuthflowClient *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), 0);

  return self->total_timeout;
}

void
authflow_client_set_total_timeout (AuthflowClient *self,
                                   guint           timeout_seconds)
{
  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (timeout_seconds > 0);

  if (self->total_timeout == timeout_seconds)
    return;

  self->total_timeout = timeout_seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_TOTAL_TIMEOUT]);
}

/**
 * authflow_client_get_token_minutes:
 *
 * Returns: the access tokens' lifetime that the calls ask for, in
 *   minutes; 0 when they ask for none
 */
guint
authflow_client_get_token_minutes (AuthflowClient *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), 0);

  return self->token_minutes;
}

/**
 * authflow_client_set_token_minutes:
 * @minutes: 1 to %AUTHFLOW_CLIENT_MAX_TOKEN_MINUTES, or 0 for none
 *
 * What the calls fill into `{{expires_in_mins}}` from the next one on: a
 * login, a sign-up and each renewal, as the profile has it. The tokens
 * held now keep the lifetime they were issued with.
 */
void
authflow_client_set_token_minutes (AuthflowClient *self,
                                   guint           minutes)
{
  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (minutes <= AUTHFLOW_CLIENT_MAX_TOKEN_MINUTES);

  if (self->token_minutes == minutes)
    return;

  self->token_minutes = minutes;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_TOKEN_MINUTES]);
}

static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  return (address = g_inet_address_new_from_string (host)) != NULL &&
         g_inet_address_get_is_loopback (address);
}

/**
 * authflow_client_check_url:
 * @url: a server address, e.g. what the person typed in Preferences
 *
 * Whether Authflow may talk to @url: plain http:// goes to this machine
 * only (127.0.0.0/8, ::1, localhost), since anything else would carry
 * passwords and tokens in the clear. Every call checks its URL this way;
 * a settings page can check before it saves.
 *
 * Returns: %TRUE if it may, else %FALSE with @error set
 */
gboolean
authflow_client_check_url (const char  *url,
                           GError     **error)
{
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (url != NULL, FALSE);

  if (!(uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL)) ||
      g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0' ||
      (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 &&
       g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0))
    {
      g_set_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK,
                   /* Translators: %s is a URL as the user typed it. */
                   _("“%s” is not a valid server address"), url);
      return FALSE;
    }

  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 &&
      !is_loopback_host (g_uri_get_host (uri)))
    {
      g_set_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK,
                   /* Translators: %s is a host name, e.g. "example.com". */
                   _("Authflow talks plain http:// only to this machine; use https:// for %s"),
                   g_uri_get_host (uri));
      return FALSE;
    }

  return TRUE;
}

/* g_date_time_new_from_unix_usec_utc() arrives in GLib 2.80. */
static GDateTime *
date_time_from_usec (gint64 usec)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  return g_date_time_add (seconds, usec % G_USEC_PER_SEC);
}

/**
 * authflow_client_get_clock_offset:
 *
 * Returns: how far the server's clock is ahead of ours, as of its last
 *   answer (negative when it is behind)
 */
GTimeSpan
authflow_client_get_clock_offset (AuthflowClient *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), 0);

  return self->clock_offset;
}

/**
 * authflow_client_dup_server_now:
 *
 * Returns: (transfer full): the time now on the server's clock
 */
GDateTime *
authflow_client_dup_server_now (AuthflowClient *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), NULL);

  return date_time_from_usec (wall_clock (self) + self->clock_offset);
}

/**
 * authflow_client_get_retry_after:
 *
 * Returns: how many seconds from now the server asked to be left alone
 *   (its last `Retry-After`), or 0
 */
guint
authflow_client_get_retry_after (AuthflowClient *self)
{
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), 0);

  if (self->retry_after_until <= now)
    return 0;

  return (guint) ((self->retry_after_until - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

static void note_retry_after (AuthflowClient *self,
                              const char     *retry_after);

/* Learns the server's clock from the Date header, and its wish to be left
 * alone from Retry-After (seconds, or an HTTP date).
 */
static void
note_server_headers (AuthflowClient *self,
                     SoupMessage    *message,
                     gint64          sent_at,
                     gint64          received_at)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  const char *date = soup_message_headers_get_one (headers, "Date");
  const char *retry_after = soup_message_headers_get_one (headers, "Retry-After");
  g_autoptr(GDateTime) server_date = NULL;

  if (date != NULL && (server_date = soup_date_time_new_from_http_string (date)) &&
      (g_date_time_get_year (server_date) < MIN_SERVER_YEAR ||
       g_date_time_get_year (server_date) >= MAX_SERVER_YEAR))
    {
      if (!self->told_bad_date)
        g_debug ("Ignoring the server's Date “%s”: it cannot be right, so it does not set the server’s clock",
                 date);
      self->told_bad_date = TRUE;
      g_clear_pointer (&server_date, g_date_time_unref);
    }

  if (server_date != NULL)
    {
      /* Date has a resolution of one second; the midpoint of the exchange
       * is the best guess of when the server wrote it.
       */
      GTimeSpan offset = g_date_time_to_unix (server_date) * G_USEC_PER_SEC + G_USEC_PER_SEC / 2
                         - (sent_at + received_at) / 2;

      /* Jitter of a second is noise, not skew. */
      if (offset > -G_USEC_PER_SEC && offset < G_USEC_PER_SEC)
        offset = 0;

      /* The journal stamps its entries with the machine's clock. */
      self->clock_known = TRUE;
      self->journal_clock_offset = offset + wall_clock_offset (self);
      authflow_journal_set_clock_offset (self->journal, TRUE, self->journal_clock_offset);

      if (offset != self->clock_offset)
        {
          self->clock_offset = offset;
          g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_CLOCK_OFFSET]);
        }
    }

  if (retry_after != NULL)
    note_retry_after (self, retry_after);
}

/* The server's wish to be left alone, from a Retry-After: seconds, or an
 * HTTP date.
 */
static void
note_retry_after (AuthflowClient *self,
                  const char     *retry_after)
{
  gint64 seconds = -1;
  char *end = NULL;
  g_autoptr(GDateTime) when = NULL;

  seconds = g_ascii_strtoll (retry_after, &end, 10);
  if (end == retry_after || *end != '\0')
    {
      seconds = -1;
      if ((when = soup_date_time_new_from_http_string (retry_after)))
        seconds = g_date_time_to_unix (when) - (wall_clock (self) + self->clock_offset) / G_USEC_PER_SEC;
    }

  /* A server may ask for a pause, not for the app to stop for a day. */
  if (seconds >= 0)
    self->retry_after_until = g_get_monotonic_time () + MIN (seconds, 3600) * G_USEC_PER_SEC;
}

static const char *
get_string_member (JsonObject *object,
                   const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static AuthflowClientError
field_error_code (const char *field)
{
  if (g_strcmp0 (field, "username") == 0)
    return AUTHFLOW_CLIENT_ERROR_INVALID_USERNAME;
  if (g_strcmp0 (field, "email") == 0)
    return AUTHFLOW_CLIENT_ERROR_INVALID_EMAIL;
  if (g_strcmp0 (field, "password") == 0)
    return AUTHFLOW_CLIENT_ERROR_INVALID_PASSWORD;
  if (g_strcmp0 (field, "firstName") == 0)
    return AUTHFLOW_CLIENT_ERROR_INVALID_FIRST_NAME;
  if (g_strcmp0 (field, "lastName") == 0)
    return AUTHFLOW_CLIENT_ERROR_INVALID_LAST_NAME;

  return AUTHFLOW_CLIENT_ERROR_REJECTED;
}

/* Makes the error for an answer that is not a success. The server's own
 * message is what the person sees, when it sent one that fits on a line:
 * in their language if it is one the built-in backends send, else as sent.
 */
static GError *
error_from_answer (AuthflowClient *self,
                   guint           status,
                   JsonNode       *root)
{
  g_autofree char *mapped = NULL;
  g_autofree char *translated = NULL;
  const char *message = NULL;
  const char *field = NULL;

  if (root != NULL)
    {
      mapped = authflow_profile_map_error_message (self->profile, root);
      message = mapped;
    }

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      if (message == NULL)
        message = get_string_member (json_node_get_object (root), "message");
      field = get_string_member (json_node_get_object (root), "field");
    }

  if (message != NULL && (message[0] == '\0' || strlen (message) > 500 ||
                          !g_utf8_validate (message, -1, NULL)))
    message = NULL;

  if (message != NULL)
    message = translated = authflow_backend_message_translate (message);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    return g_error_new_literal (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_UNAUTHORIZED,
                                message ? message : _("The server did not accept the session"));

  if (status == 429)
    return g_error_new_literal (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_TOO_MANY_ATTEMPTS,
                                message ? message : _("Too many attempts. Wait a moment and try again."));

  if (status >= 500)
    {
      if (message != NULL)
        return g_error_new (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_SERVER,
                            /* Translators: %s is the server's own error message. */
                            _("The server had a problem: %s"), message);

      return g_error_new (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_SERVER,
                          _("The server had a problem (HTTP %u). Try again later."), status);
    }

  if (status >= 400 && message != NULL)
    return g_error_new_literal (AUTHFLOW_CLIENT_ERROR, field_error_code (field), message);

  return g_error_new (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_REJECTED,
                      _("The server refused the request (HTTP %u)"), status);
}

static GError *
network_error (AuthflowClient *self,
               GError         *error)
{
  g_autoptr(GUri) uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *where = NULL;

  g_debug ("Could not reach the server: %s", error->message);

  if (uri != NULL && g_uri_get_port (uri) > 0)
    where = g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
  else if (uri != NULL && g_uri_get_host (uri) != NULL)
    where = g_strdup (g_uri_get_host (uri));
  else
    where = g_strdup (self->base_url);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK,
                        /* Translators: %s is the server's address, e.g. "127.0.0.1:8787". */
                        _("The server at %s did not answer in time. Check your connection and try again."),
                        where);

  return g_error_new (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK,
                      /* Translators: %s is the server's address, e.g. "127.0.0.1:8787". */
                      _("Could not connect to the server at %s. Check that it is running and that you are online."),
                      where);
}

static void
copy_header_cb (const char *name,
                const char *value,
                gpointer    user_data)
{
  soup_message_headers_append (user_data, name, value);
}

/* One call on the wire, through its redirects. Its own cancellable ends it
 * when the caller's is cancelled or when the total timeout runs out.
 */
typedef struct
{
  SoupMessage  *message;
  GBytes       *body;
  char         *content_type;
  gint64        sent_at;

  GCancellable *cancellable;
  GCancellable *caller_cancellable;
  gulong        cancelled_id;
  guint         timeout_id;
  gboolean      timed_out;

  guint         redirects;
  GInputStream *stream;
  GByteArray   *data;

  /* What the journal is told of each hop: the profile's call (-1 for a
   * generic one), whether it is the retry after a renewal, the secrets it
   * carries, when it started, and how far it got.
   */
  int              kind;
  gboolean         retry;
  AuthflowSecrets *secrets;
  GDateTime       *hop_started_at;
  gint64           hop_started;
  gboolean         hop_has_body;
  gboolean         answered;
  gboolean         complete;

  /* Fault injection: the faults that touched the call (static names), the
   * latency still to wait before it is sent, and the status of an answer
   * made up instead of sending it, with its body.
   */
  GPtrArray       *faults;
  guint            latency_id;
  GSource         *latency_cancel;
  guint            injected_status;
  GBytes          *injected_body;
} Request;

#define GENERIC_CALL (-1)

static void
request_free (Request *request)
{
  if (request->cancelled_id != 0)
    g_cancellable_disconnect (request->caller_cancellable, request->cancelled_id);
  g_clear_handle_id (&request->timeout_id, g_source_remove);
  g_clear_object (&request->caller_cancellable);
  g_clear_object (&request->cancellable);
  g_clear_object (&request->message);
  g_clear_object (&request->stream);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_clear_pointer (&request->content_type, g_free);
  g_clear_pointer (&request->data, g_byte_array_unref);
  g_clear_pointer (&request->secrets, authflow_secrets_free);
  g_clear_pointer (&request->hop_started_at, g_date_time_unref);
  g_clear_handle_id (&request->latency_id, g_source_remove);
  if (request->latency_cancel != NULL)
    g_source_destroy (request->latency_cancel);
  g_clear_pointer (&request->latency_cancel, g_source_unref);
  g_clear_pointer (&request->faults, g_ptr_array_unref);
  g_clear_pointer (&request->injected_body, g_bytes_unref);
  g_free (request);
}

/* @fault touched the call: its exchange says so. */
static void
request_add_fault (Request    *request,
                   const char *fault)
{
  if (request->faults == NULL)
    request->faults = g_ptr_array_new ();
  g_ptr_array_add (request->faults, (gpointer) fault);
}

/* The hop that ends now, as an "http"/"exchange" entry. @outcome is
 * "complete" when the whole answer came (whatever it said), "redirected"
 * for a hop that is followed, "cancelled" or "failed"; %NULL to tell from
 * @error. @failure says in a few words what went wrong, for the summary.
 */
static void
record_exchange (AuthflowClient *self,
                 Request        *request,
                 const char     *outcome,
                 const GError   *error,
                 const char     *failure)
{
  JsonObject *details;
  g_autofree char *summary = NULL;
  gint64 ended;
  gint64 duration;

  if (self->journal == NULL)
    return;

  ended = g_get_monotonic_time ();
  duration = MAX (ended - request->hop_started, 0);

  if (outcome == NULL)
    outcome = error == NULL ? "complete" :
              g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? "cancelled" :
              request->complete ? "complete" : "failed";
  if (failure == NULL && g_str_equal (outcome, "cancelled"))
    failure = "cancelled";

  details = json_object_new ();
  if (request->kind != GENERIC_CALL)
    json_object_set_string_member (details, "call", authflow_profile_call_kind_to_string (request->kind));
  json_object_set_boolean_member (details, "retry", request->retry);
  json_object_set_string_member (details, "outcome", outcome);
  authflow_client_describe_exchange (details, request->message, request->answered,
                                     request->hop_has_body ? request->body : NULL,
                                     request->hop_has_body ? request->content_type : NULL,
                                     request->data, request->secrets,
                                     request->hop_started_at, request->hop_started, ended);
  if (request->injected_status != 0)
    authflow_client_describe_injected_answer (details, request->injected_status,
                                              soup_message_get_response_headers (request->message),
                                              request->injected_body, request->secrets);
  if (error != NULL)
    json_object_set_string_member (details, "error", error->message);

  summary = authflow_client_summarize_exchange (request->message, request->answered, failure,
                                                duration, request->secrets);

  /* What was injected is never taken for what the server did. */
  if (request->faults != NULL)
    {
      g_autoptr(GString) marked = g_string_new (summary);

      g_string_append (marked, " [injected:");
      for (guint i = 0; i < request->faults->len; i++)
        {
          const char *fault = g_ptr_array_index (request->faults, i);

          _authflow_faults_mark (details, fault);
          g_string_append_printf (marked, "%s %s", i > 0 ? "," : "", fault);
        }
      g_string_append_c (marked, ']');
      g_free (summary);
      summary = g_string_free (g_steal_pointer (&marked), FALSE);
    }

  authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_HTTP, "exchange",
                           AUTHFLOW_JOURNAL_STEP_API_CALL, duration, details, "%s", summary);
}

/* Ends @task with @error (which it takes), or else with @answer (which it
 * takes), and tells the journal first.
 */
static void
end_request (GTask      *task,
             GError     *error,
             JsonNode   *answer,
             const char *failure)
{
  AuthflowClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);

  g_clear_handle_id (&request->timeout_id, g_source_remove);
  record_exchange (self, request, NULL, error, failure);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, (GDestroyNotify) json_node_unref);
}

static void
caller_cancelled_cb (GCancellable *caller_cancellable,
                     GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static gboolean
total_timeout_cb (gpointer user_data)
{
  Request *request = user_data;

  request->timeout_id = 0;
  request->timed_out = TRUE;
  g_cancellable_cancel (request->cancellable);

  return G_SOURCE_REMOVE;
}

/* Ends @task with @error, which came from libsoup or a stream, as the
 * error a person can act on. @answering says whether the server had begun
 * its answer.
 */
static void
return_transfer_error (GTask    *task,
                       GError   *error,
                       gboolean  answering)
{
  AuthflowClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  GTlsCertificateFlags tls_errors = soup_message_get_tls_peer_certificate_errors (request->message);

  if (request->timed_out)
    {
      g_autoptr(GError) timed_out = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, error->message);

      end_request (task, network_error (self, timed_out), NULL, "timed out");
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      end_request (task, g_error_copy (error), NULL, "cancelled");
      return;
    }

  if (error->domain == G_TLS_ERROR || tls_errors != 0)
    {
      g_debug ("The server's certificate is not valid (flags 0x%x): %s", tls_errors, error->message);
      end_request (task,
                   g_error_new_literal (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK,
                                        _("The server's certificate is not valid, so Authflow did not talk to it")),
                   NULL, "certificate not valid");
      return;
    }

  if (answering)
    {
      g_debug ("The answer broke off: %s", error->message);
      end_request (task,
                   g_error_new_literal (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK,
                                        _("The connection to the server broke off before its answer was complete. Try again.")),
                   NULL, "broke off");
      return;
    }

  end_request (task, network_error (self, error), NULL,
               g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? "timed out" : "could not connect");
}

static void
return_too_large (GTask *task)
{
  end_request (task,
               g_error_new_literal (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_BAD_ANSWER,
                                    _("The server's answer is too large")),
               NULL, "answer too large");
}

/* The whole answer is in and parsed: turns it into the task's value or
 * error. The Content-Type is not checked: a server that labels JSON as
 * text/html still sent JSON, and anything else fails to parse. Any JSON
 * will do, an object or not: an array or a bare string is what the
 * profile's paths make of it.
 */
static void
take_answer (GTask    *task,
             JsonNode *root,
             GError   *parse_error)
{
  AuthflowClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  guint status = soup_message_get_status (request->message);

  request->complete = TRUE;

  /* A reference server started without --dev-endpoints. */
  if (request->kind == AUTHFLOW_PROFILE_CALL_DEV_REVOKE_SESSION && status == SOUP_STATUS_NOT_FOUND)
    {
      end_request (task,
                   g_error_new_literal (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED,
                                        _("This backend has no development endpoint to revoke sessions. "
                                          "Start authflow-server with --dev-endpoints.")),
                   NULL, NULL);
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      end_request (task, error_from_answer (self, status, root), NULL, NULL);
      return;
    }

  if (g_error_matches (parse_error, AUTHFLOW_JSON_ERROR, AUTHFLOW_JSON_ERROR_TOO_DEEP))
    {
      end_request (task,
                   g_error_new (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_BAD_ANSWER,
                                _("The server's answer is nested more than %u levels deep, "
                                  "which Authflow does not read"),
                                AUTHFLOW_JSON_MAX_DEPTH),
                   NULL, NULL);
      return;
    }

  if (root == NULL)
    {
      end_request (task,
                   g_error_new_literal (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_BAD_ANSWER,
                                        _("The server's answer is not the JSON object Authflow expects")),
                   NULL, NULL);
      return;
    }

  /* The tokens an answer brings are secrets wherever they show in it, not
   * only under the names the redaction knows.
   */
  if (request->kind == AUTHFLOW_PROFILE_CALL_LOGIN || request->kind == AUTHFLOW_PROFILE_CALL_SIGNUP ||
      request->kind == AUTHFLOW_PROFILE_CALL_REFRESH)
    {
      static const AuthflowProfileField fields[] = {
        AUTHFLOW_PROFILE_FIELD_ACCESS_TOKEN, AUTHFLOW_PROFILE_FIELD_REFRESH_TOKEN
      };

      for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
        {
          const char *path = authflow_profile_get_answer_path (self->profile, request->kind, fields[i]);
          g_autofree char *token = authflow_client_match_string (root, path, NULL);

          authflow_secrets_add (request->secrets, AUTHFLOW_JOURNAL_SECRET_TOKEN, token);
        }
    }

  end_request (task, NULL, json_node_ref (root), NULL);
}

static void
parse_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GByteArray *data = task_data;
  GError *error = NULL;
  JsonNode *root = authflow_json_parse ((const char *) data->data, data->len, &error);

  if (root != NULL)
    g_task_return_pointer (task, root, (GDestroyNotify) json_node_unref);
  else
    g_task_return_error (task, error);
}

static void
parsed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(JsonNode) root = g_task_propagate_pointer (G_TASK (result), &parse_error);

  take_answer (task, root, parse_error);
}

/* The whole answer is in: a large one is parsed in a worker thread, since
 * a megabyte of JSON takes json-glib tens of milliseconds.
 */
static void
finish_answer (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  Request *request = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) parse_error = NULL;

  g_clear_handle_id (&request->timeout_id, g_source_remove);

  if (request->data->len > PARSE_IN_THREAD_SIZE)
    {
      g_autoptr(GTask) parse = NULL;

      /* Without a source object: the worker thread lets go of this task
       * last, which must not be what finalizes the client, off the main
       * thread. The call's own task keeps the client.
       */
      parse = g_task_new (NULL, NULL, parsed_cb, g_steal_pointer (&task));
      g_task_set_source_tag (parse, finish_answer);
      g_task_set_task_data (parse, g_byte_array_ref (request->data), (GDestroyNotify) g_byte_array_unref);
      g_task_run_in_thread (parse, parse_thread);
      return;
    }

  root = authflow_json_parse ((const char *) request->data->data, request->data->len, &parse_error);
  take_answer (task, root, parse_error);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AuthflowClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize size = 0;
  gconstpointer data;

  if (!(bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error)))
    {
      return_transfer_error (task, error, TRUE);
      return;
    }

  if (g_bytes_get_size (bytes) == 0)
    {
      finish_answer (g_steal_pointer (&task));
      return;
    }

  data = g_bytes_get_data (bytes, &size);
  if (size > self->max_answer_size - MIN (request->data->len, self->max_answer_size))
    {
      return_too_large (task);
      return;
    }

  g_byte_array_append (request->data, data, size);
  g_input_stream_read_bytes_async (request->stream, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   request->cancellable, read_cb, g_steal_pointer (&task));
}

static void start_send (GTask *task);

/* Follows a redirect to the same host as a new message; another host is
 * refused, since the call may carry a password or a token.
 */
static void
follow_redirect (GTask      *task_in,
                 const char *location)
{
  g_autoptr(GTask) task = task_in;
  Request *request = g_task_get_task_data (task);
  guint status = soup_message_get_status (request->message);
  g_autoptr(GUri) target = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GUri *from = soup_message_get_uri (request->message);
  gboolean keep_method = status == SOUP_STATUS_TEMPORARY_REDIRECT ||
                         status == SOUP_STATUS_PERMANENT_REDIRECT;
  SoupMessage *message;

  if (++request->redirects > MAX_REDIRECTS)
    {
      end_request (task,
                   g_error_new_literal (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_SERVER,
                                        _("The server redirected too many times, so Authflow gave up")),
                   NULL, "redirect not followed");
      return;
    }

  if (!(target = g_uri_parse_relative (from, location, SOUP_HTTP_URI_FLAGS, NULL)) ||
      g_uri_get_host (target) == NULL ||
      g_ascii_strcasecmp (g_uri_get_host (target), g_uri_get_host (from)) != 0)
    {
      end_request (task,
                   g_error_new_literal (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_SERVER,
                                        _("The server redirected to another host, which Authflow does not follow")),
                   NULL, "redirect not followed");
      return;
    }

  url = g_uri_to_string (target);
  if (!authflow_client_check_url (url, &error))
    {
      end_request (task, g_steal_pointer (&error), NULL, "redirect not followed");
      return;
    }

  /* The hop that is followed is an exchange of its own, as in HAR. */
  record_exchange (g_task_get_source_object (task), request, "redirected", NULL, NULL);

  message = soup_message_new_from_uri (keep_method ? soup_message_get_method (request->message)
                                                   : SOUP_METHOD_GET,
                                       target);
  soup_message_headers_foreach (soup_message_get_request_headers (request->message),
                                copy_header_cb, soup_message_get_request_headers (message));
  soup_message_headers_remove (soup_message_get_request_headers (message), "Host");
  soup_message_headers_remove (soup_message_get_request_headers (message), "Content-Type");
  soup_message_headers_remove (soup_message_get_request_headers (message), "Content-Length");
  request->hop_has_body = keep_method && request->body != NULL;
  if (request->hop_has_body)
    soup_message_set_request_body_from_bytes (message, request->content_type, request->body);

  g_clear_object (&request->stream);
  g_set_object (&request->message, message);
  g_object_unref (message);

  start_send (g_steal_pointer (&task));
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SoupSession *session = SOUP_SESSION (object);
  g_autoptr(GTask) task = user_data;
  AuthflowClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  const char *location;
  guint status;

  if (!(request->stream = soup_session_send_finish (session, result, &error)))
    {
      return_transfer_error (task, error, FALSE);
      return;
    }

  request->answered = TRUE;

  note_server_headers (self, request->message, request->sent_at, wall_clock (self));

  status = soup_message_get_status (request->message);
  headers = soup_message_get_response_headers (request->message);
  g_debug ("%s %s → %u",
           soup_message_get_method (request->message),
           g_uri_get_path (soup_message_get_uri (request->message)),
           status);

  location = soup_message_headers_get_one (headers, "Location");
  if (SOUP_STATUS_IS_REDIRECTION (status) && status != SOUP_STATUS_NOT_MODIFIED && location != NULL)
    {
      follow_redirect (g_steal_pointer (&task), location);
      return;
    }

  /* What the server announces is refused before a byte of it is read. */
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > self->max_answer_size)
    {
      return_too_large (task);
      return;
    }

  g_clear_pointer (&request->data, g_byte_array_unref);
  request->data = g_byte_array_new ();
  g_input_stream_read_bytes_async (request->stream, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   request->cancellable, read_cb, g_steal_pointer (&task));
}

/* A hop starts: its exchange's times count from here. */
static void
begin_hop (Request *request)
{
  g_clear_pointer (&request->hop_started_at, g_date_time_unref);
  g_clear_pointer (&request->data, g_byte_array_unref);
  request->hop_started_at = g_date_time_new_now_local ();
  request->hop_started = g_get_monotonic_time ();
  request->answered = FALSE;
  request->complete = FALSE;
}

static void
start_send (GTask *task)
{
  AuthflowClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);

  /* Redirects are followed here, where their host can be checked. */
  soup_message_add_flags (request->message, SOUP_MESSAGE_NO_REDIRECT | SOUP_MESSAGE_COLLECT_METRICS);

  begin_hop (request);

  request->sent_at = wall_clock (self);
  soup_session_send_async (self->session,
                           request->message,
                           G_PRIORITY_DEFAULT,
                           request->cancellable,
                           send_cb,
                           task);
}

/* The call's name in the journal's fault entries: the profile's call, or
 * its method and path.
 */
static char *
describe_request (Request *request)
{
  g_autofree char *path = NULL;

  if (request->kind != GENERIC_CALL)
    return g_strdup (authflow_profile_call_kind_to_string (request->kind));

  path = authflow_journal_redact_text (g_uri_get_path (soup_message_get_uri (request->message)),
                                       authflow_secrets_get_tokens (request->secrets),
                                       authflow_secrets_get_passwords (request->secrets));

  return g_strdup_printf ("%s %s", soup_message_get_method (request->message), path);
}

static JsonObject *
new_fault_details (Request *request)
{
  JsonObject *details = json_object_new ();
  g_autofree char *name = describe_request (request);

  json_object_set_string_member (details, "call", name);

  return details;
}

/* The "offline" fault: the call fails as on a dead network, unsent. Takes
 * over @task.
 */
static void
fail_offline (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  AuthflowClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) refused = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                                                   "Injected: the network is down");
  g_autofree char *name = describe_request (request);

  _authflow_faults_record_applied (self->journal, "offline", new_fault_details (request),
                                   "%s failed without being sent, as on a dead network", name);
  request_add_fault (request, "offline");
  begin_hop (request);
  end_request (task, network_error (self, refused), NULL, "could not connect, not sent");
}

/* A "server-error" fault: the answer is made up here, with @status and a
 * message that says it was injected, and the call is not sent. It is read
 * as the server's would be, Retry-After and all. Takes over @task.
 */
static void
answer_injected (GTask *task_in,
                 guint  status,
                 guint  retry_after_s,
                 guint  left)
{
  g_autoptr(GTask) task = task_in;
  AuthflowClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  SoupMessageHeaders *headers = soup_message_get_response_headers (request->message);
  const char *phrase = _authflow_faults_status_phrase (status);
  g_autofree char *name = describe_request (request);
  g_autofree char *text = NULL;
  g_autofree char *failure = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *details = new_fault_details (request);

  text = g_strdup_printf ("{\"message\": \"Injected %u %s\"}", status, phrase);
  failure = g_strdup_printf ("%u %s, made up without sending the call", status, phrase);

  begin_hop (request);
  request->injected_status = status;
  request->injected_body = g_bytes_new (text, strlen (text));
  request->complete = TRUE;
  request_add_fault (request, "server-error");
  soup_message_headers_replace (headers, "Content-Type", "application/json");
  if (retry_after_s > 0)
    {
      g_autofree char *retry_after = g_strdup_printf ("%u", retry_after_s);

      soup_message_headers_replace (headers, "Retry-After", retry_after);
      note_retry_after (self, retry_after);
    }

  json_object_set_int_member (details, "status", status);
  json_object_set_int_member (details, "left", left);
  if (retry_after_s > 0)
    json_object_set_int_member (details, "retryAfterS", retry_after_s);
  _authflow_faults_record_applied (self->journal, "server-error", details,
                                   "%s answered %u %s without being sent (%u more to come)",
                                   name, status, phrase, left);

  root = authflow_json_parse (text, -1, NULL);
  g_debug ("%s %s → %u (injected)", soup_message_get_method (request->message),
           g_uri_get_path (soup_message_get_uri (request->message)), status);
  end_request (task, error_from_answer (self, status, root), NULL, failure);
}

/* Sends @task's call, unless a fault says otherwise now that any latency
 * has passed. Takes over @task.
 */
static void
send_after_latency (GTask *task)
{
  AuthflowClient *self = g_task_get_source_object (task);
  guint status;
  guint retry_after_s = 0;
  guint left = 0;

  if (self->faults != NULL && authflow_faults_get_offline (self->faults))
    fail_offline (task);
  else if (self->faults != NULL &&
           (status = _authflow_faults_take_server_error (self->faults, &retry_after_s, &left)) != 0)
    answer_injected (task, status, retry_after_s, left);
  else
    start_send (task);
}

static gboolean
latency_done_cb (gpointer user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);

  request->latency_id = 0;
  g_source_destroy (request->latency_cancel);
  g_clear_pointer (&request->latency_cancel, g_source_unref);
  send_after_latency (task);

  return G_SOURCE_REMOVE;
}

/* Cancelled, or out of time, while it waited to be sent. */
static gboolean
latency_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");

  g_clear_handle_id (&request->latency_id, g_source_remove);
  g_clear_pointer (&request->latency_cancel, g_source_unref);
  begin_hop (request);
  return_transfer_error (task, error, FALSE);

  return G_SOURCE_REMOVE;
}

/* Where the faults act on a call that is ready to go: a dead network
 * fails it at once; latency holds it, cancellably and within its total
 * timeout; then it is answered with a made-up error, or sent. Takes over
 * @task.
 */
static void
send_with_faults (GTask *task)
{
  AuthflowClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  guint latency_ms;

  if (self->faults == NULL)
    {
      start_send (task);
      return;
    }

  if (authflow_faults_get_offline (self->faults))
    {
      fail_offline (task);
      return;
    }

  if ((latency_ms = authflow_faults_get_latency (self->faults)) > 0)
    {
      g_autofree char *name = describe_request (request);
      JsonObject *details = new_fault_details (request);

      json_object_set_int_member (details, "latencyMs", latency_ms);
      _authflow_faults_record_applied (self->journal, "latency", details,
                                       "%u ms before %s is sent", latency_ms, name);
      request_add_fault (request, "latency");

      request->latency_id = g_timeout_add (latency_ms, latency_done_cb, task);
      request->latency_cancel = g_cancellable_source_new (request->cancellable);
      g_source_set_callback (request->latency_cancel, G_SOURCE_FUNC (latency_cancelled_cb), task, NULL);
      g_source_attach (request->latency_cancel, g_main_context_get_thread_default ());
      return;
    }

  send_after_latency (task);
}

/* A token the server will refuse, for the "invalidate-token" fault: a
 * JWT with the first character of its signature changed, so that the
 * signature no longer matches; any other token with its last character
 * changed.
 */
static char *
tamper_token (const char *token)
{
  const char *signature = strrchr (token, '.');
  char *tampered = g_strdup (token);
  gsize at;

  if (signature != NULL && signature[1] != '\0')
    at = signature - token + 1;
  else
    at = strlen (token) - 1;
  tampered[at] = tampered[at] == 'A' ? 'B' : 'A';

  return tampered;
}

/* Whether the "invalidate-token" fault takes the call that carries
 * @access_token: the next one that will be sent.
 */
static gboolean
take_invalidate_token (AuthflowClient *self,
                       const char     *access_token)
{
  return self->faults != NULL && access_token != NULL && access_token[0] != '\0' &&
         !authflow_faults_get_offline (self->faults) &&
         _authflow_faults_take_invalidate_token (self->faults);
}

/* Sends @message, which @task takes over, with @body (if any) as its
 * request body; the task's value is the answer's JSON object. @kind is the
 * profile's call, or GENERIC_CALL; @secrets (taken over) what the call
 * carries, for the journal; @tampered whether its access token is one the
 * "invalidate-token" fault altered.
 */
static void
send_message (AuthflowClient  *self,
              GTask           *task,
              int              kind,
              AuthflowSecrets *secrets,
              SoupMessage     *message,
              GBytes          *body,
              const char      *content_type,
              gboolean         tampered)
{
  Request *request = g_new0 (Request, 1);
  GCancellable *caller_cancellable = g_task_get_cancellable (task);

  request->message = message;
  request->body = body ? g_bytes_ref (body) : NULL;
  request->content_type = g_strdup (content_type);
  request->cancellable = g_cancellable_new ();
  request->kind = kind;
  request->retry = self->retry_depth > 0;
  request->secrets = secrets;
  request->hop_has_body = body != NULL;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  if (caller_cancellable != NULL)
    {
      request->caller_cancellable = g_object_ref (caller_cancellable);
      request->cancelled_id = g_cancellable_connect (caller_cancellable,
                                                     G_CALLBACK (caller_cancelled_cb),
                                                     g_object_ref (request->cancellable),
                                                     g_object_unref);
    }

  request->timeout_id = g_timeout_add_seconds (self->total_timeout, total_timeout_cb, request);

  soup_message_headers_replace (soup_message_get_request_headers (message),
                                "Accept", "application/json");
  if (body != NULL)
    soup_message_set_request_body_from_bytes (message, content_type, body);

  /* The development endpoint is there for fault injection: its exchange
   * is one of the faults', not one of the flow's.
   */
  if (kind == AUTHFLOW_PROFILE_CALL_DEV_REVOKE_SESSION)
    request_add_fault (request, "revoke-session");

  if (tampered)
    {
      g_autofree char *name = describe_request (request);

      _authflow_faults_record_applied (self->journal, "invalidate-token", new_fault_details (request),
                                       "%s carries a token with its signature altered, for the server to refuse",
                                       name);
      request_add_fault (request, "invalidate-token");
    }

  send_with_faults (task);
}

static SoupMessage *
new_message (AuthflowClient  *self,
             const char      *method,
             const char      *url,
             GError         **error)
{
  g_autoptr(SoupMessage) message = NULL;

  if (!(message = soup_message_new (method, url)))
    {
      g_set_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK,
                   /* Translators: %s is a URL as the user typed it. */
                   _("“%s” is not a valid server address"), self->base_url);
      return NULL;
    }

  /* A base URL from --server or Preferences is taken as set; it is here,
   * before anything is sent, that plain http:// to elsewhere is refused.
   */
  if (!authflow_client_check_url (url, error))
    return NULL;

  return g_steal_pointer (&message);
}

/* Sends one call. @body, if any, is sent as JSON; @access_token, if any, as
 * a bearer token. The task's value is the answer's JSON object.
 */
static void
send_json_async (AuthflowClient      *self,
                 const char          *method,
                 const char          *path,
                 const char          *access_token,
                 JsonNode            *body,
                 GCancellable        *cancellable,
                 gpointer             source_tag,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GBytes) bytes = NULL;
  AuthflowSecrets *secrets;
  SoupMessage *message;
  char *tampered = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  url = g_strconcat (self->base_url, path, NULL);
  if (!(message = new_message (self, method, url, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (take_invalidate_token (self, access_token))
    tampered = tamper_token (access_token);

  if (access_token != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", tampered ? tampered : access_token, NULL);

      soup_message_headers_append (soup_message_get_request_headers (message),
                                   "Authorization", authorization);
      memset (authorization, 0, strlen (authorization));
    }

  if (body != NULL)
    {
      char *text = json_to_string (body, FALSE);

      bytes = g_bytes_new_with_free_func (text, strlen (text), g_free, text);
    }

  secrets = authflow_secrets_new ();
  authflow_secrets_add (secrets, AUTHFLOW_JOURNAL_SECRET_TOKEN, access_token);
  authflow_secrets_add (secrets, AUTHFLOW_JOURNAL_SECRET_TOKEN, tampered);
  send_message (self, g_steal_pointer (&task), GENERIC_CALL, secrets, message, bytes, "application/json",
                tampered != NULL);
  authflow_client_wipe_free (tampered);
}

/* The values hold the password and the tokens: they are wiped, not just
 * freed, once the request is built.
 */
static GHashTable *
new_values (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, NULL, authflow_client_wipe_free);
}

static void
set_value (GHashTable *values,
           const char *name,
           const char *value)
{
  if (value != NULL && value[0] != '\0')
    g_hash_table_replace (values, (gpointer) name, g_strdup (value));
}

/* Adds the values of @more that @values has none of. */
static void
add_missing_values (GHashTable *values,
                    GHashTable *more)
{
  GHashTableIter iter;
  gpointer key, value;

  if (more == NULL)
    return;

  g_hash_table_iter_init (&iter, more);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (values, key))
      g_hash_table_replace (values, key, g_strdup (value));
}

/* The secrets among a call's template values: what the journal must not
 * keep of the call, wherever it shows.
 */
static AuthflowSecrets *
secrets_from_values (GHashTable *values)
{
  static const struct
  {
    const char            *name;
    AuthflowJournalSecret  kind;
  } secret_values[] = {
    { "password", AUTHFLOW_JOURNAL_SECRET_PASSWORD },
    { "client_secret", AUTHFLOW_JOURNAL_SECRET_PASSWORD },
    { "access_token", AUTHFLOW_JOURNAL_SECRET_TOKEN },
    { "refresh_token", AUTHFLOW_JOURNAL_SECRET_TOKEN },
  };
  AuthflowSecrets *secrets = authflow_secrets_new ();

  for (guint i = 0; values != NULL && i < G_N_ELEMENTS (secret_values); i++)
    authflow_secrets_add (secrets, secret_values[i].kind,
                          g_hash_table_lookup (values, secret_values[i].name));

  return secrets;
}

/* Sends the profile's @kind of call with @values filled into its template;
 * the task's value is the answer's JSON object.
 */
static void
send_profile_async (AuthflowClient          *self,
                    AuthflowProfileCallKind  kind,
                    GHashTable              *values,
                    GCancellable            *cancellable,
                    gpointer                 source_tag,
                    GAsyncReadyCallback      callback,
                    gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowProfileRequest) request = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GHashTable) filled = new_values ();
  const char *profile_base = authflow_profile_get_base_url (self->profile);
  const char *access_token = values != NULL ? g_hash_table_lookup (values, "access_token") : NULL;
  gboolean tampered = FALSE;
  AuthflowSecrets *secrets;
  SoupMessage *message;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  if (!authflow_profile_has_call (self->profile, kind))
    {
      g_task_return_new_error (task, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED,
                               /* Translators: %s is a backend's name, e.g. "DummyJSON". */
                               _("%s does not offer this"), authflow_profile_get_name (self->profile));
      return;
    }

  /* The caller's values, and what every call may use: the token lifetime
   * to ask for. In a copy of their own, wiped when it is freed.
   */
  add_missing_values (filled, values);
  if (self->token_minutes > 0 && !g_hash_table_contains (filled, "expires_in_mins"))
    g_hash_table_replace (filled, (gpointer) "expires_in_mins", g_strdup_printf ("%u", self->token_minutes));

  /* The call carries the access token wherever its template puts it. */
  if (take_invalidate_token (self, access_token))
    {
      g_hash_table_replace (filled, (gpointer) "access_token", tamper_token (access_token));
      tampered = TRUE;
    }

  if (!(request = authflow_profile_build_request (self->profile, kind, filled, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The request is for the profile's base URL; the client's may differ
   * (--server, Preferences).
   */
  if (g_str_has_prefix (request->url, profile_base))
    url = g_strconcat (self->base_url, request->url + strlen (profile_base), NULL);
  else
    url = g_strdup (request->url);

  if (!(message = new_message (self, request->method, url, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  soup_message_headers_foreach (request->headers, copy_header_cb,
                                soup_message_get_request_headers (message));
  secrets = secrets_from_values (filled);
  authflow_secrets_add (secrets, AUTHFLOW_JOURNAL_SECRET_TOKEN, access_token);
  send_message (self, g_steal_pointer (&task), kind, secrets,
                message, request->body, request->content_type, tampered);
}

static JsonNode *
get_member_of (JsonObject          *object,
               const char * const  *names,
               const char         **found)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      JsonNode *node = json_object_get_member (object, names[i]);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
        {
          *found = names[i];
          return node;
        }
    }

  return NULL;
}

static gboolean
node_get_number (JsonNode *node,
                 double   *number)
{
  GType type = json_node_get_value_type (node);

  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;

  *number = json_node_get_double (node);

  return TRUE;
}

/* When the access token expires, if the answer says so in the usual
 * fields: `expires_in` seconds from now, `expires_at` epoch seconds or an
 * ISO 8601 time. %NULL when it does not.
 */
static GDateTime *
expiry_from_fields (AuthflowClient  *self,
                    JsonObject      *answer,
                    const char     **member)
{
  static const char * const expires_in[] = { "expires_in", "expiresIn", NULL };
  static const char * const expires_at[] = { "expires_at", "expiresAt", NULL };
  JsonNode *node;
  double number;

  /* Year 9999 is as far as GDateTime goes; a hostile answer must not make
   * the casts below overflow.
   */
  if ((node = get_member_of (answer, expires_in, member)) && node_get_number (node, &number) &&
      number >= 0 && number <= 100 * 365 * 86400.0)
    {
      g_autoptr(GDateTime) now = authflow_client_dup_server_now (self);

      return g_date_time_add_seconds (now, number);
    }

  if ((node = get_member_of (answer, expires_at, member)))
    {
      if (node_get_number (node, &number) && number >= 0 && number <= 253402300799.0)
        return g_date_time_new_from_unix_utc ((gint64) number);

      if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
          GDateTime *when = g_date_time_new_from_iso8601 (json_node_get_string (node), utc);

          if (when != NULL)
            return when;
        }

      g_debug ("The answer's expiry is neither seconds nor an ISO 8601 time");
    }

  return NULL;
}

/* Whether @answered, the identifier in a login answer, is the one that
 * was typed; an answer without one says nothing against it.
 */
static gboolean
same_identifier (const char *typed,
                 const char *answered)
{
  g_autofree char *typed_stripped = NULL;
  g_autofree char *answered_stripped = NULL;
  g_autofree char *typed_folded = NULL;
  g_autofree char *answered_folded = NULL;

  if (answered == NULL)
    return TRUE;

  typed_stripped = g_strstrip (g_strdup (typed));
  answered_stripped = g_strstrip (g_strdup (answered));
  typed_folded = g_utf8_casefold (typed_stripped, -1);
  answered_folded = g_utf8_casefold (answered_stripped, -1);

  return g_strcmp0 (typed_folded, answered_folded) == 0;
}

/* Where an auth answer's expiry and user came from, for the journal. */
typedef struct
{
  char     *expiry_path;
  gboolean  user_typed;
} AuthNotes;

static void
auth_notes_clear (AuthNotes *notes)
{
  g_clear_pointer (&notes->expiry_path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AuthNotes, auth_notes_clear)

/* Turns a login, sign-up or refresh answer into what the session takes,
 * through the profile's mapping. The expiry: an explicit `expires_in` or
 * `expires_at` in the answer first (the backend's own word), then what the
 * profile maps, then the access token's `exp` claim.
 */
static AuthflowAuthResult *
map_auth_answer (AuthflowClient           *self,
                 AuthflowProfileCallKind   kind,
                 JsonNode                 *root,
                 const char               *identifier,
                 AuthNotes                *notes,
                 GError                  **error)
{
  g_autoptr(AuthflowAuthResult) result = g_new0 (AuthflowAuthResult, 1);
  g_autoptr(AuthflowProfileAnswer) mapped = NULL;
  g_autoptr(GDateTime) server_now = authflow_client_dup_server_now (self);
  g_autoptr(GError) mapping_error = NULL;
  g_autoptr(GError) jwt_error = NULL;
  const char *token_path = authflow_profile_get_answer_path (self->profile, kind,
                                                             AUTHFLOW_PROFILE_FIELD_ACCESS_TOKEN);
  const char *member = NULL;

  if (!(mapped = authflow_profile_map_answer (self->profile, kind, root, server_now, &mapping_error)))
    {
      g_autofree char *token = authflow_client_match_string (root, token_path, NULL);

      g_debug ("The answer does not map: %s", mapping_error->message);
      /* With its token there, what did not map is the user data. */
      g_set_error_literal (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_BAD_ANSWER,
                           token != NULL ? _("The server's answer has user data that is not a JSON object")
                                         : _("The server's answer has no access token"));
      authflow_client_wipe_free (g_steal_pointer (&token));
      return NULL;
    }

  if (mapped->access_token == NULL || mapped->access_token[0] == '\0')
    {
      g_set_error_literal (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_BAD_ANSWER,
                           _("The server's answer has no access token"));
      return NULL;
    }

  /* A login answered for someone else is a server mix-up (a cache or a
   * proxy in the way); storing it would sign the person in as a stranger.
   */
  if (kind == AUTHFLOW_PROFILE_CALL_LOGIN && identifier != NULL && mapped->user != NULL &&
      !same_identifier (identifier,
                        authflow_profile_get_login_identifier (self->profile) == AUTHFLOW_PROFILE_IDENTIFIER_EMAIL
                        ? authflow_user_get_email (mapped->user)
                        : authflow_user_get_username (mapped->user)))
    {
      g_set_error_literal (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_BAD_ANSWER,
                           _("The server answered for another user than the one logging in"));
      return NULL;
    }

  result->access_token = g_steal_pointer (&mapped->access_token);
  result->refresh_token = g_steal_pointer (&mapped->refresh_token);
  result->uid = g_steal_pointer (&mapped->uid);
  result->user = g_steal_pointer (&mapped->user);

  if (JSON_NODE_HOLDS_OBJECT (root) &&
      (result->expiry = expiry_from_fields (self, json_node_get_object (root), &member)))
    {
      result->expiry_source = AUTHFLOW_EXPIRY_SOURCE_ANSWER;
      notes->expiry_path = g_strconcat ("$.", member, NULL);
    }
  else if ((result->expiry = g_steal_pointer (&mapped->expiry)))
    {
      if (g_strcmp0 (authflow_profile_get_expiry_form (self->profile, kind), "jwt") == 0)
        {
          result->expiry_source = AUTHFLOW_EXPIRY_SOURCE_JWT;
          notes->expiry_path = g_strdup (token_path);
        }
      else
        {
          result->expiry_source = AUTHFLOW_EXPIRY_SOURCE_ANSWER;
          notes->expiry_path = g_strdup (authflow_profile_get_answer_path (self->profile, kind,
                                                                           AUTHFLOW_PROFILE_FIELD_EXPIRY));
        }
    }
  else if ((result->expiry = authflow_jwt_get_expiry (result->access_token, &jwt_error)))
    {
      result->expiry_source = AUTHFLOW_EXPIRY_SOURCE_JWT;
      notes->expiry_path = g_strdup (token_path);
    }
  else
    g_debug ("The access token's expiry is unknown: %s", jwt_error->message);

  /* A backend that answers a login with tokens only still has a user: the
   * one who just logged in, as far as the app knows them.
   */
  if (result->user == NULL && kind != AUTHFLOW_PROFILE_CALL_REFRESH)
    {
      g_autoptr(JsonObject) user_json = json_object_new ();

      if (result->uid != NULL)
        json_object_set_string_member (user_json, "id", result->uid);
      if (identifier != NULL)
        json_object_set_string_member (user_json,
                                       authflow_profile_get_login_identifier (self->profile) ==
                                       AUTHFLOW_PROFILE_IDENTIFIER_EMAIL ? "email" : "username",
                                       identifier);
      result->user = authflow_user_new_from_json (user_json);
      notes->user_typed = TRUE;
    }

  if (result->uid == NULL && result->user != NULL)
    result->uid = g_strdup (authflow_user_get_id (result->user));

  return g_steal_pointer (&result);
}

static AuthflowJournalStep
step_of_call (AuthflowProfileCallKind kind)
{
  return kind == AUTHFLOW_PROFILE_CALL_LOGIN || kind == AUTHFLOW_PROFILE_CALL_SIGNUP
         ? AUTHFLOW_JOURNAL_STEP_LOG_IN
         : AUTHFLOW_JOURNAL_STEP_UPDATE_USER;
}

/* One part of a mapping entry's summary: the property's name, or "no"
 * and its name when it was not found.
 */
static void
summarize_property (GString    *summary,
                    JsonObject *found,
                    const char *name,
                    const char *label)
{
  JsonObject *property = json_object_get_object_member (found, name);

  if (summary->len > 0 && summary->str[summary->len - 1] != ' ')
    g_string_append (summary, ", ");

  if (json_object_has_member (property, "missing"))
    g_string_append_printf (summary, "no %s", label);
  else if (json_object_has_member (property, "source"))
    g_string_append_printf (summary, "%s (%s)", label, json_object_get_string_member (property, "source"));
  else
    g_string_append (summary, label);
}

/* The "mapping"/"answer" entry for @answer to @kind, read into @result or
 * not (@error says why). For me and update_user only the user is read.
 */
static void
record_mapping (AuthflowClient          *self,
                AuthflowProfileCallKind  kind,
                JsonNode                *root,
                AuthflowAuthResult      *result,
                AuthflowUser            *user,
                AuthNotes               *notes,
                const GError            *error,
                AuthflowSecrets         *secrets)
{
  static const struct
  {
    const char           *name;
    AuthflowProfileField  field;
  } names[] = {
    { "token", AUTHFLOW_PROFILE_FIELD_ACCESS_TOKEN },
    { "refreshToken", AUTHFLOW_PROFILE_FIELD_REFRESH_TOKEN },
    { "expiry", AUTHFLOW_PROFILE_FIELD_EXPIRY },
    { "uid", AUTHFLOW_PROFILE_FIELD_UID },
  };
  gboolean reads_tokens = kind == AUTHFLOW_PROFILE_CALL_LOGIN || kind == AUTHFLOW_PROFILE_CALL_SIGNUP ||
                          kind == AUTHFLOW_PROFILE_CALL_REFRESH;
  const char *call = authflow_profile_call_kind_to_string (kind);
  const char *user_path = authflow_profile_get_answer_path (self->profile, kind, AUTHFLOW_PROFILE_FIELD_USER);
  JsonObject *details;
  JsonObject *found;
  g_autoptr(GString) summary = g_string_new (NULL);

  if (self->journal == NULL)
    return;

  details = json_object_new ();
  found = json_object_new ();
  json_object_set_string_member (details, "call", call);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *path = authflow_profile_get_answer_path (self->profile, kind, names[i].field);
      JsonObject *property = NULL;

      if (!reads_tokens)
        {
          g_autofree char *why = g_strdup_printf ("not read: a “%s” answer updates the user only", call);

          property = authflow_client_describe_missing (path, why);
        }
      else if (names[i].field == AUTHFLOW_PROFILE_FIELD_EXPIRY)
        {
          if (result != NULL && result->expiry != NULL)
            {
              g_autofree char *when = g_date_time_format_iso8601 (result->expiry);

              property = json_object_new ();
              json_object_set_string_member (property, "path", notes->expiry_path);
              if (result->expiry_source == AUTHFLOW_EXPIRY_SOURCE_JWT)
                json_object_set_string_member (property, "claim", "exp");
              json_object_set_string_member (property, "value", when);
              json_object_set_string_member (property, "source",
                                             authflow_expiry_source_to_string (result->expiry_source));
            }
          else if (result != NULL)
            property = authflow_client_describe_missing (path,
                                                         "no expires_in or expires_at in the answer, "
                                                         "none at the profile's path, "
                                                         "and no exp claim in the access token");
          else
            property = authflow_client_describe_missing (path, "not read: the answer does not map");
        }
      else if (names[i].field == AUTHFLOW_PROFILE_FIELD_UID && result != NULL && result->uid != NULL)
        {
          g_autofree char *at_path = authflow_client_match_string (root, path, NULL);

          property = json_object_new ();
          if (path != NULL)
            json_object_set_string_member (property, "path", path);
          else
            json_object_set_null_member (property, "path");
          json_object_set_string_member (property, "value", result->uid);
          /* Not where the profile says, but the user data's id. */
          if (g_strcmp0 (at_path, result->uid) != 0)
            json_object_set_string_member (property, "source", "user");
        }
      else
        property = authflow_client_describe_found (path, root,
                                                   names[i].field != AUTHFLOW_PROFILE_FIELD_UID);

      json_object_set_object_member (found, names[i].name, property);
    }
  json_object_set_object_member (details, "properties", found);

  if (user != NULL)
    {
      JsonObject *description = authflow_client_describe_user (user_path, user, secrets);

      /* The answer had none: the user is the one who logged in, as typed. */
      if (notes != NULL && notes->user_typed)
        {
          g_autofree char *why = authflow_client_why_no_user (root, user_path);

          json_object_set_string_member (description, "source", "typed");
          json_object_set_string_member (description, "note", why);
        }
      json_object_set_object_member (details, "user", description);
    }
  else
    {
      g_autofree char *why = authflow_client_why_no_user (root, user_path);

      json_object_set_object_member (details, "user", authflow_client_describe_missing (user_path, why));
    }

  if (error != NULL)
    json_object_set_string_member (details, "error", error->message);

  if (reads_tokens)
    {
      summarize_property (summary, found, "token", "token");
      summarize_property (summary, found, "refreshToken", "refresh token");
      summarize_property (summary, found, "expiry", "expiry");
      summarize_property (summary, found, "uid", "uid");
    }
  if (summary->len > 0)
    g_string_append (summary, ", ");
  if (user != NULL)
    g_string_append_printf (summary, "user (%u fields)",
                            json_array_get_length (json_object_get_array_member (json_object_get_object_member (details, "user"),
                                                                                 "fields")));
  else
    g_string_append (summary, "no user");

  authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_MAPPING, "answer", step_of_call (kind), -1,
                           details, "%s answer → %s%s%s", call, summary->str,
                           error != NULL ? ": " : "", error != NULL ? error->message : "");
}

/* map_auth_answer(), told to the journal. */
static AuthflowAuthResult *
auth_result_from_answer (AuthflowClient           *self,
                         AuthflowProfileCallKind   kind,
                         JsonNode                 *root,
                         const char               *identifier,
                         AuthflowSecrets          *secrets,
                         GError                  **error)
{
  g_auto(AuthNotes) notes = { NULL, FALSE };
  g_autoptr(GError) local_error = NULL;
  AuthflowAuthResult *result;

  result = map_auth_answer (self, kind, root, identifier, &notes, &local_error);

  if (self->journal != NULL)
    {
      if (result != NULL)
        {
          authflow_secrets_add (secrets, AUTHFLOW_JOURNAL_SECRET_TOKEN, result->access_token);
          authflow_secrets_add (secrets, AUTHFLOW_JOURNAL_SECRET_TOKEN, result->refresh_token);
        }
      record_mapping (self, kind, root, result, result != NULL ? result->user : NULL, &notes,
                      local_error, secrets);
    }

  if (result == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return result;
}

typedef struct
{
  AuthflowProfileCallKind  kind;
  char                    *identifier;
  AuthflowSecrets         *secrets;
} AuthCall;

static void
auth_call_free (AuthCall *call)
{
  g_free (call->identifier);
  authflow_secrets_free (call->secrets);
  g_free (call);
}

static void
auth_call_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AuthflowClient *self = g_task_get_source_object (task);
  AuthCall *call = g_task_get_task_data (task);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  AuthflowAuthResult *auth;

  if (!(answer = g_task_propagate_pointer (G_TASK (result), &error)) ||
      !(auth = auth_result_from_answer (self, call->kind, answer, call->identifier, call->secrets, &error)))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, auth, (GDestroyNotify) authflow_auth_result_free);
}

static void
start_auth_call (AuthflowClient          *self,
                 AuthflowProfileCallKind  kind,
                 GHashTable              *values,
                 const char              *identifier,
                 GCancellable            *cancellable,
                 gpointer                 source_tag,
                 GAsyncReadyCallback      callback,
                 gpointer                 user_data)
{
  GTask *task;
  AuthCall *call;

  call = g_new0 (AuthCall, 1);
  call->kind = kind;
  call->identifier = g_strdup (identifier);
  call->secrets = secrets_from_values (values);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, (GDestroyNotify) auth_call_free);

  send_profile_async (self, kind, values, cancellable, source_tag, auth_call_cb, task);
}

/**
 * authflow_client_log_in_async:
 * @username: the login identifier: a username or an email, as the profile
 *   says
 */
void
authflow_client_log_in_async (AuthflowClient      *self,
                              const char          *username,
                              const char          *password,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GHashTable) values = new_values ();

  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (username != NULL);
  g_return_if_fail (password != NULL);

  set_value (values,
             authflow_profile_get_login_identifier (self->profile) == AUTHFLOW_PROFILE_IDENTIFIER_EMAIL
             ? "email" : "username",
             username);
  /* A password may be anything, spaces and all; it is sent as typed. */
  g_hash_table_replace (values, (gpointer) "password", g_strdup (password));

  start_auth_call (self, AUTHFLOW_PROFILE_CALL_LOGIN, values, username, cancellable,
                   authflow_client_log_in_async, callback, user_data);
}

/**
 * authflow_client_log_in_finish:
 *
 * Returns: (transfer full): the tokens and the user, or %NULL with @error set
 */
AuthflowAuthResult *
authflow_client_log_in_finish (AuthflowClient  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * authflow_client_sign_up_async:
 * @first_name: (nullable): left out of the request when %NULL or empty
 * @last_name: (nullable): left out of the request when %NULL or empty
 */
void
authflow_client_sign_up_async (AuthflowClient      *self,
                               const char          *username,
                               const char          *email,
                               const char          *password,
                               const char          *first_name,
                               const char          *last_name,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GHashTable) values = new_values ();

  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (username != NULL);
  g_return_if_fail (email != NULL);
  g_return_if_fail (password != NULL);

  /* Empty fields are left for the server to judge, not left out. */
  g_hash_table_replace (values, (gpointer) "username", g_strdup (username));
  g_hash_table_replace (values, (gpointer) "email", g_strdup (email));
  g_hash_table_replace (values, (gpointer) "password", g_strdup (password));
  set_value (values, "first_name", first_name);
  set_value (values, "last_name", last_name);

  /* The new user is known, until the answer says more, by what they will
   * log in with.
   */
  start_auth_call (self, AUTHFLOW_PROFILE_CALL_SIGNUP, values,
                   authflow_profile_get_login_identifier (self->profile) == AUTHFLOW_PROFILE_IDENTIFIER_EMAIL
                   ? email : username,
                   cancellable, authflow_client_sign_up_async, callback, user_data);
}

AuthflowAuthResult *
authflow_client_sign_up_finish (AuthflowClient  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * authflow_client_refresh_async:
 * @session_values: (nullable): the signed-in user's values that the call's
 *   templates may use, such as "uid" and "username"
 *
 * Trades the refresh token for new tokens. The result has no user: a
 * refresh does not change who is signed in.
 */
void
authflow_client_refresh_async (AuthflowClient      *self,
                               const char          *refresh_token,
                               GHashTable          *session_values,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GHashTable) values = new_values ();

  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (refresh_token != NULL);

  set_value (values, "refresh_token", refresh_token);
  add_missing_values (values, session_values);
  start_auth_call (self, AUTHFLOW_PROFILE_CALL_REFRESH, values, NULL, cancellable,
                   authflow_client_refresh_async, callback, user_data);
}

/**
 * authflow_client_refresh_finish:
 *
 * Returns: (transfer full): the new tokens (the refresh token %NULL if the
 *   backend did not rotate it), or %NULL with @error set
 */
AuthflowAuthResult *
authflow_client_refresh_finish (AuthflowClient  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
call_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *answer;

  if (!(answer = g_task_propagate_pointer (G_TASK (result), &error)))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, answer, (GDestroyNotify) json_node_unref);
}

/**
 * authflow_client_run_async:
 * @values: (nullable): what to fill into the call's template, e.g.
 *   "access_token", "first_name"
 *
 * Runs one of the profile's calls (e.g. "me", "update_user") as the
 * profile describes it.
 */
void
authflow_client_run_async (AuthflowClient          *self,
                           AuthflowProfileCallKind  kind,
                           GHashTable              *values,
                           GCancellable            *cancellable,
                           GAsyncReadyCallback      callback,
                           gpointer                 user_data)
{
  GTask *task;

  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_client_run_async);

  send_profile_async (self, kind, values, cancellable, authflow_client_run_async, call_cb, task);
}

/**
 * authflow_client_run_finish:
 *
 * Returns: (transfer full): the answer's JSON: an object, or whatever else
 *   the server sent (an array, a string…)
 */
JsonNode *
authflow_client_run_finish (AuthflowClient  *self,
                            GAsyncResult    *result,
                            GError         **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * authflow_client_map_user:
 *
 * Reads the user out of an answer to @kind ("me", "update_user"), and
 * tells the journal how, as a "mapping"/"answer" entry of the step
 * "Update Authenticated User".
 *
 * Returns: (transfer full): the user in the answer to @kind, as the
 *   profile maps it
 */
AuthflowUser *
authflow_client_map_user (AuthflowClient           *self,
                          AuthflowProfileCallKind   kind,
                          JsonNode                 *root,
                          GError                  **error)
{
  g_autoptr(AuthflowProfileAnswer) mapped = NULL;
  g_autoptr(GError) mapping_error = NULL;

  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), NULL);
  g_return_val_if_fail (root != NULL, NULL);

  mapped = authflow_profile_map_answer (self->profile, kind, root, NULL, &mapping_error);

  if (mapped == NULL || mapped->user == NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (mapping_error != NULL)
        g_debug ("The answer does not map: %s", mapping_error->message);
      local_error = g_error_new_literal (AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_BAD_ANSWER,
                                         _("The server's answer has no user data"));
      record_mapping (self, kind, root, NULL, NULL, NULL, local_error, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  record_mapping (self, kind, root, NULL, mapped->user, NULL, NULL, NULL);

  return g_steal_pointer (&mapped->user);
}

/**
 * authflow_client_call_async:
 * @access_token: (nullable): sent as a bearer token
 * @body: (nullable): sent as JSON
 *
 * The "API Call" action: any call of the backend, answered with JSON.
 */
void
authflow_client_call_async (AuthflowClient      *self,
                            const char          *method,
                            const char          *path,
                            const char          *access_token,
                            JsonNode            *body,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (path != NULL && path[0] == '/');

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_client_call_async);

  send_json_async (self, method, path, access_token, body, cancellable,
                   authflow_client_call_async, call_cb, task);
}

/**
 * authflow_client_call_finish:
 *
 * Returns: (transfer full): the answer's JSON
 */
JsonNode *
authflow_client_call_finish (AuthflowClient  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* For a call whose answer says only yes or no: the logout, the revoke. */
static void
answered_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;

  if (!(answer = g_task_propagate_pointer (G_TASK (result), &error)))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * authflow_client_log_out_async:
 * @refresh_token: (nullable): the refresh token whose family the server is
 *   to revoke
 * @session_values: (nullable): the user's values that the call's templates
 *   may use, such as "uid" and "username"
 *
 * The backend's logout. Fails with %AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED
 * for a backend that has none: then logging out is local only.
 */
void
authflow_client_log_out_async (AuthflowClient      *self,
                               const char          *access_token,
                               const char          *refresh_token,
                               GHashTable          *session_values,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GHashTable) values = new_values ();
  GTask *task;

  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (access_token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_client_log_out_async);

  set_value (values, "access_token", access_token);
  set_value (values, "refresh_token", refresh_token);
  add_missing_values (values, session_values);
  send_profile_async (self, AUTHFLOW_PROFILE_CALL_LOGOUT, values, cancellable,
                      authflow_client_log_out_async, answered_cb, task);
}

gboolean
authflow_client_log_out_finish (AuthflowClient  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * authflow_client_revoke_session_async:
 * @refresh_token: the refresh token whose session is to end
 *
 * For fault injection: asks the backend's development endpoint (the
 * profile's `dev_revoke_session` call, the reference server's
 * `POST /dev/revoke-session` when it runs with `--dev-endpoints`) to end
 * the session of @refresh_token, as if it had been ended elsewhere. Its
 * next renewal is refused, for real. Fails with
 * %AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED, saying so, for a backend without
 * such an endpoint.
 */
void
authflow_client_revoke_session_async (AuthflowClient      *self,
                                      const char          *refresh_token,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GHashTable) values = new_values ();
  GTask *task;

  g_return_if_fail (AUTHFLOW_IS_CLIENT (self));
  g_return_if_fail (refresh_token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, authflow_client_revoke_session_async);

  if (!authflow_profile_has_call (self->profile, AUTHFLOW_PROFILE_CALL_DEV_REVOKE_SESSION))
    {
      g_task_return_new_error (task, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NOT_SUPPORTED,
                               "%s", _("This backend has no development endpoint to revoke sessions"));
      g_object_unref (task);
      return;
    }

  set_value (values, "refresh_token", refresh_token);
  send_profile_async (self, AUTHFLOW_PROFILE_CALL_DEV_REVOKE_SESSION, values, cancellable,
                      authflow_client_revoke_session_async, answered_cb, task);
}

gboolean
authflow_client_revoke_session_finish (AuthflowClient  *self,
                                       GAsyncResult    *result,
                                       GError         **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
