// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-faults"

#include "config.h"

#include <stdarg.h>

#include "authflow-faults-private.h"

/* Fault injection, inside the app rather than in a proxy, so that it works
 * against every backend: what the client, the store and the flow are to
 * pretend went wrong. The flow owns one and hands it to its client and its
 * store, as it does its journal; each of them asks it, where a call starts,
 * whether something is to go wrong, and says in the journal when it did.
 *
 * Nothing injected passes for real: setting a fault is a "fault"/"injected"
 * entry, each effect a "fault"/"applied" one, and the exchange or keyring
 * entry it touched says `"injected": true` and which fault. An answer that
 * is made up (an injected 503) is never sent to the server, and says so.
 *
 * Toggles (offline, latency, clock skew) hold until they are turned off;
 * one-shots (an invalidated token, a keyring failure, server errors) are
 * used up by the calls they act on. The clock is the app's wall clock, the
 * client's and the flow's alike: skewed by a setting, and moved on by each
 * simulated suspend.
 */

struct _AuthflowFaults
{
  GObject               parent_instance;

  AuthflowJournal      *journal;

  gboolean              offline;
  guint                 latency_ms;
  int                   clock_skew_s;
  gint64                clock_jump_s;
  guint                 server_error_status;
  guint                 server_errors_left;
  guint                 server_error_retry_after_s;
  gboolean              invalidate_token;
  AuthflowKeyringFault  keyring_fault;
  gboolean              active;

  const AuthflowFaultsHooks *hooks;
  gpointer                   hooks_data;

  /* While clear() runs: one "changed" at the end, not one a fault. */
  guint                 batch;
  gboolean              changed_in_batch;
};

G_DEFINE_FINAL_TYPE (AuthflowFaults, authflow_faults, G_TYPE_OBJECT)
G_DEFINE_QUARK (authflow-faults-error-quark, authflow_faults_error)
G_DEFINE_ENUM_TYPE (AuthflowKeyringFault, authflow_keyring_fault,
                    G_DEFINE_ENUM_VALUE (AUTHFLOW_KEYRING_FAULT_NONE, "none"),
                    G_DEFINE_ENUM_VALUE (AUTHFLOW_KEYRING_FAULT_UNAVAILABLE, "unavailable"),
                    G_DEFINE_ENUM_VALUE (AUTHFLOW_KEYRING_FAULT_LOCKED, "locked"))

enum {
  PROP_0,
  PROP_JOURNAL,
  PROP_ACTIVE,
  PROP_OFFLINE,
  PROP_LATENCY,
  PROP_CLOCK_SKEW,
  PROP_CLOCK_JUMP,
  PROP_SERVER_ERROR_STATUS,
  PROP_SERVER_ERRORS_LEFT,
  PROP_SERVER_ERROR_RETRY_AFTER,
  PROP_INVALIDATE_TOKEN,
  PROP_KEYRING_FAULT,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties [N_PROPS];
static guint signals [N_SIGNALS];

static void
authflow_faults_dispose (GObject *object)
{
  AuthflowFaults *self = (AuthflowFaults *)object;

  self->hooks = NULL;
  self->hooks_data = NULL;
  g_clear_object (&self->journal);

  G_OBJECT_CLASS (authflow_faults_parent_class)->dispose (object);
}

static void
authflow_faults_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AuthflowFaults *self = AUTHFLOW_FAULTS (object);

  switch (prop_id)
    {
    case PROP_JOURNAL:
      g_value_set_object (value, self->journal);
      break;

    case PROP_ACTIVE:
      g_value_set_boolean (value, self->active);
      break;

    case PROP_OFFLINE:
      g_value_set_boolean (value, self->offline);
      break;

    case PROP_LATENCY:
      g_value_set_uint (value, self->latency_ms);
      break;

    case PROP_CLOCK_SKEW:
      g_value_set_int (value, self->clock_skew_s);
      break;

    case PROP_CLOCK_JUMP:
      g_value_set_int64 (value, self->clock_jump_s);
      break;

    case PROP_SERVER_ERROR_STATUS:
      g_value_set_uint (value, self->server_error_status);
      break;

    case PROP_SERVER_ERRORS_LEFT:
      g_value_set_uint (value, self->server_errors_left);
      break;

    case PROP_SERVER_ERROR_RETRY_AFTER:
      g_value_set_uint (value, self->server_error_retry_after_s);
      break;

    case PROP_INVALIDATE_TOKEN:
      g_value_set_boolean (value, self->invalidate_token);
      break;

    case PROP_KEYRING_FAULT:
      g_value_set_enum (value, self->keyring_fault);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_faults_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AuthflowFaults *self = AUTHFLOW_FAULTS (object);

  switch (prop_id)
    {
    case PROP_JOURNAL:
      authflow_faults_set_journal (self, g_value_get_object (value));
      break;

    case PROP_OFFLINE:
      authflow_faults_set_offline (self, g_value_get_boolean (value));
      break;

    case PROP_LATENCY:
      authflow_faults_set_latency (self, g_value_get_uint (value));
      break;

    case PROP_CLOCK_SKEW:
      authflow_faults_set_clock_skew (self, g_value_get_int (value));
      break;

    case PROP_INVALIDATE_TOKEN:
      authflow_faults_set_invalidate_token (self, g_value_get_boolean (value));
      break;

    case PROP_KEYRING_FAULT:
      authflow_faults_set_keyring_fault (self, g_value_get_enum (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_faults_class_init (AuthflowFaultsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authflow_faults_dispose;
  object_class->get_property = authflow_faults_get_property;
  object_class->set_property = authflow_faults_set_property;

  /* Where each injection and each effect is written; %NULL for nowhere. */
  properties [PROP_JOURNAL] =
    g_param_spec_object ("journal", NULL, NULL, AUTHFLOW_TYPE_JOURNAL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Whether any fault is set: a toggle on, or a one-shot not used up. */
  properties [PROP_ACTIVE] =
    g_param_spec_boolean ("active", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Every call fails as on a dead network, without being sent. */
  properties [PROP_OFFLINE] =
    g_param_spec_boolean ("offline", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Milliseconds added before each call is sent; 0 for none. */
  properties [PROP_LATENCY] =
    g_param_spec_uint ("latency", NULL, NULL, 0, AUTHFLOW_FAULTS_MAX_LATENCY_MS, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Seconds the app's wall clock is off by (ahead when positive). */
  properties [PROP_CLOCK_SKEW] =
    g_param_spec_int ("clock-skew", NULL, NULL,
                      -AUTHFLOW_FAULTS_MAX_CLOCK_SKEW_S, AUTHFLOW_FAULTS_MAX_CLOCK_SKEW_S, 0,
                      (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Seconds the simulated suspends have moved the wall clock on, in all. */
  properties [PROP_CLOCK_JUMP] =
    g_param_spec_int64 ("clock-jump", NULL, NULL, 0, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The status of the answers to synthesize (500, 503 or 429), 0 for none. */
  properties [PROP_SERVER_ERROR_STATUS] =
    g_param_spec_uint ("server-error-status", NULL, NULL, 0, 599, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* How many of the next answers are still to be synthesized. */
  properties [PROP_SERVER_ERRORS_LEFT] =
    g_param_spec_uint ("server-errors-left", NULL, NULL, 0, AUTHFLOW_FAULTS_MAX_SERVER_ERRORS, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The Retry-After, in seconds, of a synthesized 503 or 429. */
  properties [PROP_SERVER_ERROR_RETRY_AFTER] =
    g_param_spec_uint ("server-error-retry-after", NULL, NULL, 0, 3600, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The next authenticated call carries a token the server will refuse. */
  properties [PROP_INVALIDATE_TOKEN] =
    g_param_spec_boolean ("invalidate-token", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* How the next keyring call fails, if it is to. */
  properties [PROP_KEYRING_FAULT] =
    g_param_spec_enum ("keyring-fault", NULL, NULL, AUTHFLOW_TYPE_KEYRING_FAULT,
                       AUTHFLOW_KEYRING_FAULT_NONE,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AuthflowFaults::changed:
   *
   * Some fault was set, cleared or used up; once for each such change,
   * after the properties' notifications.
   */
  signals [CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
authflow_faults_init (AuthflowFaults *self)
{
}

AuthflowFaults *
authflow_faults_new (void)
{
  return g_object_new (AUTHFLOW_TYPE_FAULTS, NULL);
}

static void
notify (AuthflowFaults *self,
        guint           prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties [prop_id]);
}

/* After each change: "active" brought up to date, then "changed". */
static void
changed (AuthflowFaults *self)
{
  gboolean active = self->offline || self->latency_ms > 0 || self->clock_skew_s != 0 ||
                    self->clock_jump_s != 0 || self->server_errors_left > 0 ||
                    self->invalidate_token || self->keyring_fault != AUTHFLOW_KEYRING_FAULT_NONE;

  if (active != self->active)
    {
      self->active = active;
      notify (self, PROP_ACTIVE);
    }

  if (self->batch > 0)
    self->changed_in_batch = TRUE;
  else
    g_signal_emit (self, signals [CHANGED], 0);
}

static void
record (AuthflowJournal *journal,
        const char      *event,
        const char      *fault,
        JsonObject      *details,
        const char      *summary)
{
  if (journal == NULL)
    {
      g_clear_pointer (&details, json_object_unref);
      return;
    }

  if (details == NULL)
    details = json_object_new ();
  json_object_set_string_member (details, "fault", fault);
  json_object_set_boolean_member (details, "injected", TRUE);
  authflow_journal_record (journal, AUTHFLOW_JOURNAL_FAULT, event, AUTHFLOW_JOURNAL_STEP_NONE, -1,
                           details, "%s", summary);
}

void
_authflow_faults_record_applied (AuthflowJournal *journal,
                                 const char      *fault,
                                 JsonObject      *details,
                                 const char      *format,
                                 ...)
{
  g_autofree char *text = NULL;
  g_autofree char *summary = NULL;
  va_list args;

  if (journal == NULL)
    {
      g_clear_pointer (&details, json_object_unref);
      return;
    }

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  summary = g_strconcat ("Injected ", fault, ": ", text, NULL);
  record (journal, "applied", fault, details, summary);
}

void
_authflow_faults_record_injected (AuthflowJournal *journal,
                                  const char      *fault,
                                  JsonObject      *details,
                                  const char      *format,
                                  ...)
{
  g_autofree char *text = NULL;
  g_autofree char *summary = NULL;
  va_list args;

  if (journal == NULL)
    {
      g_clear_pointer (&details, json_object_unref);
      return;
    }

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  summary = g_strconcat ("Injected: ", text, NULL);
  record (journal, "injected", fault, details, summary);
}

static void
record_cleared (AuthflowFaults *self,
                const char     *fault,
                const char     *what)
{
  g_autofree char *summary = g_strdup_printf ("Injected fault cleared: %s", what);

  record (self->journal, "cleared", fault, NULL, summary);
}

void
_authflow_faults_mark (JsonObject *details,
                       const char *fault)
{
  JsonArray *faults;

  json_object_set_boolean_member (details, "injected", TRUE);
  if (!json_object_has_member (details, "faults"))
    json_object_set_array_member (details, "faults", json_array_new ());
  faults = json_object_get_array_member (details, "faults");
  json_array_add_string_element (faults, fault);
}

const char *
_authflow_keyring_fault_to_string (AuthflowKeyringFault fault)
{
  switch (fault)
    {
    case AUTHFLOW_KEYRING_FAULT_UNAVAILABLE:
      return "keyring-unavailable";

    case AUTHFLOW_KEYRING_FAULT_LOCKED:
      return "keyring-locked";

    case AUTHFLOW_KEYRING_FAULT_NONE:
    default:
      return "none";
    }
}

/**
 * authflow_faults_get_journal:
 *
 * Returns: (transfer none) (nullable): where the faults are written
 */
AuthflowJournal *
authflow_faults_get_journal (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), NULL);

  return self->journal;
}

/**
 * authflow_faults_set_journal:
 * @journal: (nullable): where to write, or %NULL
 *
 * From now on each fault set or cleared is a "fault" entry of @journal.
 * The flow sets its own journal here (authflow_flow_set_journal()).
 */
void
authflow_faults_set_journal (AuthflowFaults  *self,
                             AuthflowJournal *journal)
{
  g_return_if_fail (AUTHFLOW_IS_FAULTS (self));
  g_return_if_fail (journal == NULL || AUTHFLOW_IS_JOURNAL (journal));

  if (g_set_object (&self->journal, journal))
    notify (self, PROP_JOURNAL);
}

/**
 * authflow_faults_get_active:
 *
 * Returns: whether any fault is set: a toggle on, a clock off, or a
 *   one-shot not used up yet
 */
gboolean
authflow_faults_get_active (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), FALSE);

  return self->active;
}

gboolean
authflow_faults_get_offline (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), FALSE);

  return self->offline;
}

/**
 * authflow_faults_set_offline:
 *
 * With @offline, every call fails as it does when the network is down
 * ("Could not connect to the server at …"), and nothing is sent. Turned
 * off, the flow takes it as the network coming back.
 */
void
authflow_faults_set_offline (AuthflowFaults *self,
                             gboolean        offline)
{
  g_return_if_fail (AUTHFLOW_IS_FAULTS (self));

  offline = !!offline;
  if (self->offline == offline)
    return;

  self->offline = offline;
  notify (self, PROP_OFFLINE);

  if (offline)
    record (self->journal, "injected", "offline", NULL,
            "Injected: the network is down; every call fails without being sent");
  else
    record_cleared (self, "offline", "the network is back");

  changed (self);
}

guint
authflow_faults_get_latency (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), 0);

  return self->latency_ms;
}

/**
 * authflow_faults_set_latency:
 * @latency_ms: milliseconds, at most %AUTHFLOW_FAULTS_MAX_LATENCY_MS; 0
 *   for none
 *
 * Waits @latency_ms before each call is sent. The wait can be cancelled
 * with the call, and counts against the call's total timeout.
 */
void
authflow_faults_set_latency (AuthflowFaults *self,
                             guint           latency_ms)
{
  g_return_if_fail (AUTHFLOW_IS_FAULTS (self));

  latency_ms = MIN (latency_ms, AUTHFLOW_FAULTS_MAX_LATENCY_MS);
  if (self->latency_ms == latency_ms)
    return;

  self->latency_ms = latency_ms;
  notify (self, PROP_LATENCY);

  if (latency_ms > 0)
    {
      JsonObject *details = json_object_new ();
      g_autofree char *summary = g_strdup_printf ("Injected: %u ms of latency before each call", latency_ms);

      json_object_set_int_member (details, "latencyMs", latency_ms);
      record (self->journal, "injected", "latency", details, summary);
    }
  else
    record_cleared (self, "latency", "no latency added");

  changed (self);
}

int
authflow_faults_get_clock_skew (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), 0);

  return self->clock_skew_s;
}

/**
 * authflow_faults_set_clock_skew:
 * @skew_s: seconds, ±%AUTHFLOW_FAULTS_MAX_CLOCK_SKEW_S; positive puts the
 *   clock ahead
 *
 * Puts the app's wall clock (the flow's and the client's) @skew_s off. The
 * client measures the server's clock against it from each answer's Date,
 * so after the next answer every expiry decision is right again; until
 * then it is off by the skew.
 */
void
authflow_faults_set_clock_skew (AuthflowFaults *self,
                                int             skew_s)
{
  g_return_if_fail (AUTHFLOW_IS_FAULTS (self));

  skew_s = CLAMP (skew_s, -AUTHFLOW_FAULTS_MAX_CLOCK_SKEW_S, AUTHFLOW_FAULTS_MAX_CLOCK_SKEW_S);
  if (self->clock_skew_s == skew_s)
    return;

  self->clock_skew_s = skew_s;
  notify (self, PROP_CLOCK_SKEW);

  if (skew_s != 0)
    {
      JsonObject *details = json_object_new ();
      g_autofree char *summary = g_strdup_printf ("Injected: the app's wall clock is %d s %s",
                                                  ABS (skew_s), skew_s > 0 ? "ahead" : "behind");

      json_object_set_int_member (details, "skewS", skew_s);
      record (self->journal, "injected", "clock-skew", details, summary);
    }
  else
    record_cleared (self, "clock-skew", "the app's wall clock is not skewed");

  changed (self);
}

/**
 * authflow_faults_get_clock_jump:
 *
 * Returns: the seconds the simulated suspends have moved the wall clock on
 */
gint64
authflow_faults_get_clock_jump (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), 0);

  return self->clock_jump_s;
}

/**
 * authflow_faults_get_clock_offset:
 *
 * Returns: what the app's wall clock adds to the machine's: the skew and
 *   the simulated suspends, in microseconds
 */
GTimeSpan
authflow_faults_get_clock_offset (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), 0);

  return ((GTimeSpan) self->clock_skew_s + self->clock_jump_s) * G_TIME_SPAN_SECOND;
}

void
_authflow_faults_jump_clock (AuthflowFaults *self,
                             gint64          seconds)
{
  g_return_if_fail (AUTHFLOW_IS_FAULTS (self));
  g_return_if_fail (seconds >= 0);

  if (seconds == 0)
    return;

  self->clock_jump_s += seconds;
  notify (self, PROP_CLOCK_JUMP);
  changed (self);
}

/* libsoup 3.2 has no phrase for 429. */
const char *
_authflow_faults_status_phrase (guint status)
{
  switch (status)
    {
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 429:
      return "Too Many Requests";
    default:
      return "Error";
    }
}

/**
 * authflow_faults_inject_server_errors:
 * @status: 500, 503 or 429
 * @count: how many answers, 0 to stop, at most
 *   %AUTHFLOW_FAULTS_MAX_SERVER_ERRORS
 * @retry_after_s: the Retry-After of a 503 or 429, in seconds; 0 for the
 *   default, %AUTHFLOW_FAULTS_DEFAULT_RETRY_AFTER_S
 *
 * The next @count answers, whatever the call, are made up by the client
 * with @status and a body `{"message": "Injected …"}`; the calls are not
 * sent to the server. Replaces what was injected before.
 */
void
authflow_faults_inject_server_errors (AuthflowFaults *self,
                                      guint           status,
                                      guint           count,
                                      guint           retry_after_s)
{
  g_return_if_fail (AUTHFLOW_IS_FAULTS (self));
  g_return_if_fail (count == 0 || status == 500 || status == 503 || status == 429);

  count = MIN (count, AUTHFLOW_FAULTS_MAX_SERVER_ERRORS);
  if (count == 0)
    status = 0;
  if (status == 500 || status == 0)
    retry_after_s = 0;
  else if (retry_after_s == 0)
    retry_after_s = AUTHFLOW_FAULTS_DEFAULT_RETRY_AFTER_S;
  retry_after_s = MIN (retry_after_s, 3600);

  if (self->server_error_status == status && self->server_errors_left == count &&
      self->server_error_retry_after_s == retry_after_s)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  if (self->server_error_status != status)
    {
      self->server_error_status = status;
      notify (self, PROP_SERVER_ERROR_STATUS);
    }
  if (self->server_errors_left != count)
    {
      self->server_errors_left = count;
      notify (self, PROP_SERVER_ERRORS_LEFT);
    }
  if (self->server_error_retry_after_s != retry_after_s)
    {
      self->server_error_retry_after_s = retry_after_s;
      notify (self, PROP_SERVER_ERROR_RETRY_AFTER);
    }
  g_object_thaw_notify (G_OBJECT (self));

  if (count > 0)
    {
      JsonObject *details = json_object_new ();
      g_autofree char *summary = NULL;
      g_autofree char *retry_after = retry_after_s > 0
                                     ? g_strdup_printf (" (Retry-After %u s)", retry_after_s)
                                     : g_strdup ("");

      json_object_set_int_member (details, "status", status);
      json_object_set_int_member (details, "count", count);
      if (retry_after_s > 0)
        json_object_set_int_member (details, "retryAfterS", retry_after_s);
      summary = g_strdup_printf ("Injected: the next %u %s %u %s%s, made up without sending the call",
                                 count, count == 1 ? "answer is" : "answers are",
                                 status, _authflow_faults_status_phrase (status), retry_after);
      record (self->journal, "injected", "server-error", details, summary);
    }
  else
    record_cleared (self, "server-error", "no more made-up server errors");

  changed (self);
}

guint
authflow_faults_get_server_error_status (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), 0);

  return self->server_error_status;
}

guint
authflow_faults_get_server_errors_left (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), 0);

  return self->server_errors_left;
}

guint
authflow_faults_get_server_error_retry_after (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), 0);

  return self->server_error_retry_after_s;
}

/* The client, before it sends an answerable call: the status to answer it
 * with instead, or 0 to send it.
 */
guint
_authflow_faults_take_server_error (AuthflowFaults *self,
                                    guint          *retry_after_s,
                                    guint          *left)
{
  guint status;

  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), 0);

  if (self->server_errors_left == 0)
    return 0;

  status = self->server_error_status;
  *retry_after_s = self->server_error_retry_after_s;
  self->server_errors_left--;
  *left = self->server_errors_left;

  g_object_freeze_notify (G_OBJECT (self));
  notify (self, PROP_SERVER_ERRORS_LEFT);
  if (self->server_errors_left == 0)
    {
      self->server_error_status = 0;
      self->server_error_retry_after_s = 0;
      notify (self, PROP_SERVER_ERROR_STATUS);
      notify (self, PROP_SERVER_ERROR_RETRY_AFTER);
    }
  g_object_thaw_notify (G_OBJECT (self));
  changed (self);

  return status;
}

gboolean
authflow_faults_get_invalidate_token (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), FALSE);

  return self->invalidate_token;
}

/**
 * authflow_faults_set_invalidate_token:
 *
 * With @invalidate, the next call that carries an access token carries one
 * the server will refuse (a JWT with its signature altered, any other token
 * with a character changed): the server's real 401 follows, and with it
 * the flow's renewal and retry.
 */
void
authflow_faults_set_invalidate_token (AuthflowFaults *self,
                                      gboolean        invalidate)
{
  g_return_if_fail (AUTHFLOW_IS_FAULTS (self));

  invalidate = !!invalidate;
  if (self->invalidate_token == invalidate)
    return;

  self->invalidate_token = invalidate;
  notify (self, PROP_INVALIDATE_TOKEN);

  if (invalidate)
    record (self->journal, "injected", "invalidate-token", NULL,
            "Injected: the next authenticated call carries a token the server will refuse");
  else
    record_cleared (self, "invalidate-token", "the next call carries its token as it is");

  changed (self);
}

/* The client, as it puts an access token in a call: whether to alter it. */
gboolean
_authflow_faults_take_invalidate_token (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), FALSE);

  if (!self->invalidate_token)
    return FALSE;

  self->invalidate_token = FALSE;
  notify (self, PROP_INVALIDATE_TOKEN);
  changed (self);

  return TRUE;
}

AuthflowKeyringFault
authflow_faults_get_keyring_fault (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), AUTHFLOW_KEYRING_FAULT_NONE);

  return self->keyring_fault;
}

/**
 * authflow_faults_set_keyring_fault:
 *
 * The next keyring call (a load, a save or a removal) fails as @fault
 * says, with the store's own message for it: "The system keyring is not
 * available" or "The system keyring stayed locked". The keyring is not
 * asked. %AUTHFLOW_KEYRING_FAULT_NONE takes it back.
 */
void
authflow_faults_set_keyring_fault (AuthflowFaults       *self,
                                   AuthflowKeyringFault  fault)
{
  g_return_if_fail (AUTHFLOW_IS_FAULTS (self));
  g_return_if_fail (fault <= AUTHFLOW_KEYRING_FAULT_LOCKED);

  if (self->keyring_fault == fault)
    return;

  if (fault == AUTHFLOW_KEYRING_FAULT_NONE)
    record_cleared (self, _authflow_keyring_fault_to_string (self->keyring_fault),
                    "the next keyring call goes to the keyring");

  self->keyring_fault = fault;
  notify (self, PROP_KEYRING_FAULT);

  if (fault == AUTHFLOW_KEYRING_FAULT_UNAVAILABLE)
    record (self->journal, "injected", "keyring-unavailable", NULL,
            "Injected: the next keyring call fails as if there were no Secret Service");
  else if (fault == AUTHFLOW_KEYRING_FAULT_LOCKED)
    record (self->journal, "injected", "keyring-locked", NULL,
            "Injected: the next keyring call fails as if the keyring stayed locked, its prompt dismissed");

  changed (self);
}

/* The store, as a keyring call starts: how it is to fail, if it is. */
AuthflowKeyringFault
_authflow_faults_take_keyring_fault (AuthflowFaults *self)
{
  AuthflowKeyringFault fault;

  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), AUTHFLOW_KEYRING_FAULT_NONE);

  if (self->keyring_fault == AUTHFLOW_KEYRING_FAULT_NONE)
    return AUTHFLOW_KEYRING_FAULT_NONE;

  fault = self->keyring_fault;
  self->keyring_fault = AUTHFLOW_KEYRING_FAULT_NONE;
  notify (self, PROP_KEYRING_FAULT);
  changed (self);

  return fault;
}

void
_authflow_faults_set_hooks (AuthflowFaults            *self,
                            const AuthflowFaultsHooks *hooks,
                            gpointer                   user_data)
{
  g_return_if_fail (AUTHFLOW_IS_FAULTS (self));

  self->hooks = hooks;
  self->hooks_data = user_data;
}

/**
 * authflow_faults_expire_token_now:
 *
 * The flow takes its access token as expired now: the session's expiry
 * becomes now on the flow's clock, and the flow renews the tokens as it
 * would at their real expiry (trigger "expired"); a call made meanwhile
 * waits for that renewal. The server is not told: the token it issued is
 * still good there.
 *
 * Returns: %TRUE if there was a signed-in session whose token expired
 */
gboolean
authflow_faults_expire_token_now (AuthflowFaults *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), FALSE);

  if (self->hooks == NULL || self->hooks->expire_token == NULL)
    return FALSE;

  return self->hooks->expire_token (self->hooks_data);
}

/**
 * authflow_faults_simulate_suspend:
 * @seconds: how long the machine seems to have slept; 0 (or less) for
 *   just past the access token's expiry (an hour when there is none)
 *
 * The app's wall clock jumps @seconds ahead, as it does over a suspend,
 * and the flow does what it does on resume: it looks at the clock, and
 * renews the tokens if they are due (trigger "resume"). The server's
 * clock does not move: the client learns the difference from the next
 * answer's Date, as it would for any clock that is off.
 */
void
authflow_faults_simulate_suspend (AuthflowFaults *self,
                                  gint64          seconds)
{
  g_return_if_fail (AUTHFLOW_IS_FAULTS (self));

  seconds = CLAMP (seconds, 0, 366 * 24 * 3600);

  if (self->hooks != NULL && self->hooks->suspend != NULL)
    {
      self->hooks->suspend (self->hooks_data, seconds);
      return;
    }

  if (seconds == 0)
    seconds = 3600;

  {
    JsonObject *details = json_object_new ();

    json_object_set_int_member (details, "seconds", seconds);
    _authflow_faults_record_injected (self->journal, "suspend", details,
                                      "a suspend of %" G_GINT64_FORMAT " s: the wall clock jumps ahead",
                                      seconds);
  }
  _authflow_faults_jump_clock (self, seconds);
}

/**
 * authflow_faults_clear:
 *
 * Clears every fault: toggles off, one-shots taken back, the wall clock
 * back to the machine's (the server's clock is learnt again from the next
 * answer).
 */
void
authflow_faults_clear (AuthflowFaults *self)
{
  g_return_if_fail (AUTHFLOW_IS_FAULTS (self));

  self->batch++;
  g_object_freeze_notify (G_OBJECT (self));

  authflow_faults_set_offline (self, FALSE);
  authflow_faults_set_latency (self, 0);
  authflow_faults_set_clock_skew (self, 0);
  if (self->clock_jump_s != 0)
    {
      self->clock_jump_s = 0;
      notify (self, PROP_CLOCK_JUMP);
      record_cleared (self, "suspend", "the wall clock is back from the simulated suspends");
      changed (self);
    }
  authflow_faults_inject_server_errors (self, 0, 0, 0);
  authflow_faults_set_invalidate_token (self, FALSE);
  authflow_faults_set_keyring_fault (self, AUTHFLOW_KEYRING_FAULT_NONE);

  g_object_thaw_notify (G_OBJECT (self));
  self->batch--;

  if (self->changed_in_batch)
    {
      self->changed_in_batch = FALSE;
      g_signal_emit (self, signals [CHANGED], 0);
    }
}

static gboolean
parse_int (const char  *text,
           gint64       min,
           gint64       max,
           gint64      *out,
           const char  *what,
           GError     **error)
{
  gint64 value;
  char *end = NULL;

  if (text == NULL || text[0] == '\0')
    {
      g_set_error (error, AUTHFLOW_FAULTS_ERROR, AUTHFLOW_FAULTS_ERROR_BAD_VALUE,
                   "%s is missing", what);
      return FALSE;
    }

  value = g_ascii_strtoll (text, &end, 10);
  if (*end != '\0' || value < min || value > max)
    {
      g_set_error (error, AUTHFLOW_FAULTS_ERROR, AUTHFLOW_FAULTS_ERROR_BAD_VALUE,
                   "%s must be a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ", not “%s”",
                   what, min, max, text);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

static gboolean
check_arguments (GStrv        parts,
                 guint        max,
                 GError     **error)
{
  if (g_strv_length (parts) - 1 <= max)
    return TRUE;

  g_set_error (error, AUTHFLOW_FAULTS_ERROR, AUTHFLOW_FAULTS_ERROR_BAD_VALUE,
               "“%s” takes %s", parts[0],
               max == 0 ? "no value" : max == 1 ? "one value" : "at most three values");
  return FALSE;
}

/**
 * authflow_faults_apply:
 * @spec: a fault as the `inject-fault` action takes it: "expire-token",
 *   "invalidate-token", "offline", "online", "latency:MS",
 *   "server-error:STATUS[:COUNT[:RETRY_AFTER]]", "clock-skew:SECONDS",
 *   "suspend[:SECONDS]", "keyring:unavailable", "keyring:locked" or
 *   "clear"
 *
 * Sets the fault @spec names. "revoke-session" acts on the server and is
 * the flow's (authflow_flow_revoke_session_async()), not taken here.
 *
 * Returns: %TRUE if it was set; %FALSE with @error set, saying why in
 *   English, for a fault that is not known, a bad value, or an
 *   "expire-token" with nobody signed in
 */
gboolean
authflow_faults_apply (AuthflowFaults  *self,
                       const char      *spec,
                       GError         **error)
{
  g_auto(GStrv) parts = NULL;
  const char *name;
  gint64 value = 0;

  g_return_val_if_fail (AUTHFLOW_IS_FAULTS (self), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  parts = g_strsplit (spec, ":", -1);
  name = parts[0] != NULL ? parts[0] : "";

  if (g_str_equal (name, "expire-token") || g_str_equal (name, "invalidate-token") ||
      g_str_equal (name, "offline") || g_str_equal (name, "online") || g_str_equal (name, "clear"))
    {
      if (!check_arguments (parts, 0, error))
        return FALSE;

      if (g_str_equal (name, "expire-token"))
        {
          if (!authflow_faults_expire_token_now (self))
            {
              g_set_error_literal (error, AUTHFLOW_FAULTS_ERROR, AUTHFLOW_FAULTS_ERROR_BAD_VALUE,
                                   "Nobody is signed in, so there is no token to expire");
              return FALSE;
            }
        }
      else if (g_str_equal (name, "invalidate-token"))
        authflow_faults_set_invalidate_token (self, TRUE);
      else if (g_str_equal (name, "offline") || g_str_equal (name, "online"))
        authflow_faults_set_offline (self, g_str_equal (name, "offline"));
      else
        authflow_faults_clear (self);

      return TRUE;
    }

  if (g_str_equal (name, "latency"))
    {
      if (!check_arguments (parts, 1, error) ||
          !parse_int (parts[1], 0, AUTHFLOW_FAULTS_MAX_LATENCY_MS, &value, "The latency in milliseconds", error))
        return FALSE;

      authflow_faults_set_latency (self, value);
      return TRUE;
    }

  if (g_str_equal (name, "clock-skew"))
    {
      if (!check_arguments (parts, 1, error) ||
          !parse_int (parts[1], -AUTHFLOW_FAULTS_MAX_CLOCK_SKEW_S, AUTHFLOW_FAULTS_MAX_CLOCK_SKEW_S,
                      &value, "The clock skew in seconds", error))
        return FALSE;

      authflow_faults_set_clock_skew (self, value);
      return TRUE;
    }

  if (g_str_equal (name, "suspend"))
    {
      if (!check_arguments (parts, 1, error) ||
          (parts[1] != NULL &&
           !parse_int (parts[1], 1, 366 * 24 * 3600, &value, "The suspend in seconds", error)))
        return FALSE;

      authflow_faults_simulate_suspend (self, value);
      return TRUE;
    }

  if (g_str_equal (name, "server-error"))
    {
      gint64 status = 0;
      gint64 count = 1;
      gint64 retry_after = 0;

      if (!check_arguments (parts, 3, error) ||
          !parse_int (parts[1], 0, 999, &status, "The status", error) ||
          (parts[1] != NULL && parts[2] != NULL &&
           !parse_int (parts[2], 0, AUTHFLOW_FAULTS_MAX_SERVER_ERRORS, &count, "The count", error)) ||
          (parts[1] != NULL && parts[2] != NULL && parts[3] != NULL &&
           !parse_int (parts[3], 1, 3600, &retry_after, "The Retry-After in seconds", error)))
        return FALSE;

      if (status != 500 && status != 503 && status != 429)
        {
          g_set_error (error, AUTHFLOW_FAULTS_ERROR, AUTHFLOW_FAULTS_ERROR_BAD_VALUE,
                       "The status must be 500, 503 or 429, not %" G_GINT64_FORMAT, status);
          return FALSE;
        }

      authflow_faults_inject_server_errors (self, status, count, retry_after);
      return TRUE;
    }

  if (g_str_equal (name, "keyring"))
    {
      if (!check_arguments (parts, 1, error))
        return FALSE;

      if (g_strcmp0 (parts[1], "unavailable") == 0)
        authflow_faults_set_keyring_fault (self, AUTHFLOW_KEYRING_FAULT_UNAVAILABLE);
      else if (g_strcmp0 (parts[1], "locked") == 0)
        authflow_faults_set_keyring_fault (self, AUTHFLOW_KEYRING_FAULT_LOCKED);
      else
        {
          g_set_error (error, AUTHFLOW_FAULTS_ERROR, AUTHFLOW_FAULTS_ERROR_BAD_VALUE,
                       "The keyring fault must be “unavailable” or “locked”, not “%s”",
                       parts[1] != NULL ? parts[1] : "");
          return FALSE;
        }

      return TRUE;
    }

  g_set_error (error, AUTHFLOW_FAULTS_ERROR, AUTHFLOW_FAULTS_ERROR_UNKNOWN,
               "There is no fault “%s”", spec);
  return FALSE;
}
