// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-store"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "authflow-faults-private.h"
#include "authflow-journal.h"
#include "authflow-session-store.h"

/* Keeps the signed-in session in the Secret Service, one item a backend.
 *
 * A keyring can hang, so every call here is async, carries its own
 * cancellable chained to the caller's, and fails with G_IO_ERROR_TIMED_OUT
 * when the keyring has not answered in time.
 *
 * A locked keyring is not a hang: gnome-keyring asks the person to unlock
 * it, and that takes as long as typing a password. While such a prompt is
 * up ("prompting"), the call waits up to "prompt-timeout" instead; if the
 * person dismisses the prompt, or nobody answers it, the call fails with
 * "The system keyring stayed locked", and nothing is lost or pretended:
 * a load does not say "nothing stored", a removal does not say "removed".
 *
 * Calls run one at a time, in the order they were made: a save still under
 * way when the person logs out must not land after the removal, or the next
 * start would bring back a session they ended.
 *
 * The store holds the session bus itself, got without any call's
 * cancellable. GDBus shares one connection to the bus within a process, set
 * up by whoever asks for it first, and GLib 2.74 keeps a cancel that comes
 * during that set-up as the connection's own error: every call that asks
 * for the bus while that connection lives fails with "Operation was
 * cancelled", though nobody cancelled it. With the bus held here,
 * libsecret always finds it ready, and a cancel ends only the call it was
 * meant for.
 *
 * Each call, when it ends, is a "keyring" entry of the journal (if the
 * store has one): what it was, how it ended, whether a prompt showed, and
 * how long it took. A prompt is an entry of its own as it shows. What the
 * item holds never enters the journal; its attributes (backend and
 * profile) do.
 *
 * An injected keyring fault (see authflow-faults.c) takes the next call as
 * it starts: the keyring is not asked, and the call fails through the same
 * path, with the same message, as the real failure would.
 */
struct _AuthflowSessionStore
{
  GObject          parent_instance;

  char            *backend;
  char            *profile;
  GQueue           queue;
  GTask           *running;
  GDBusConnection *bus;
  AuthflowJournal *journal;
  AuthflowFaults  *faults;
  guint            timeout_ms;
  guint            prompt_timeout_ms;
  guint            persist : 1;
  guint            prompting : 1;
  guint            reading : 1;
  guint            bus_pending : 1;
  /* See authflow_session_store_read_ahead(). */
  struct _ReadAhead *read_ahead;
};

G_DEFINE_FINAL_TYPE (AuthflowSessionStore, authflow_session_store, G_TYPE_OBJECT)

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_PROMPT_TIMEOUT_MS (2 * 60 * 1000)

enum {
  PROP_0,
  PROP_BACKEND,
  PROP_PROFILE,
  PROP_PERSIST,
  PROP_TIMEOUT,
  PROP_PROMPT_TIMEOUT,
  PROP_PROMPTING,
  PROP_READING,
  PROP_JOURNAL,
  PROP_FAULTS,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

/* The Secret Service as libsecret speaks to it, but telling when it shows
 * a prompt: libsecret gives no other way to know that the keyring is
 * waiting for the person rather than stuck.
 */
#define AUTHFLOW_TYPE_KEYRING_SERVICE (authflow_keyring_service_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowKeyringService, authflow_keyring_service, AUTHFLOW, KEYRING_SERVICE, SecretService)

struct _AuthflowKeyringService
{
  SecretService parent_instance;
  guint         prompting;
};

G_DEFINE_FINAL_TYPE (AuthflowKeyringService, authflow_keyring_service, SECRET_TYPE_SERVICE)

static guint keyring_service_prompting_signal;

static void
keyring_service_set_prompting (AuthflowKeyringService *self,
                               gboolean                prompting)
{
  gboolean was_prompting = self->prompting > 0;

  if (prompting)
    self->prompting++;
  else
    self->prompting--;

  if (was_prompting != (self->prompting > 0))
    g_signal_emit (self, keyring_service_prompting_signal, 0, self->prompting > 0);
}

static void
keyring_service_prompt_cb (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AuthflowKeyringService *self = g_task_get_source_object (task);
  SecretServiceClass *parent_class = SECRET_SERVICE_CLASS (authflow_keyring_service_parent_class);
  GError *error = NULL;
  GVariant *answer;

  answer = parent_class->prompt_finish (SECRET_SERVICE (self), result, &error);
  keyring_service_set_prompting (self, FALSE);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, (GDestroyNotify) g_variant_unref);
}

static void
keyring_service_prompt_async (SecretService       *service,
                              SecretPrompt        *prompt,
                              const GVariantType  *return_type,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  AuthflowKeyringService *self = AUTHFLOW_KEYRING_SERVICE (service);
  SecretServiceClass *parent_class = SECRET_SERVICE_CLASS (authflow_keyring_service_parent_class);
  GTask *task;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, keyring_service_prompt_async);

  keyring_service_set_prompting (self, TRUE);
  parent_class->prompt_async (service, prompt, return_type, cancellable,
                              keyring_service_prompt_cb, task);
}

static GVariant *
keyring_service_prompt_finish (SecretService  *service,
                               GAsyncResult   *result,
                               GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
authflow_keyring_service_class_init (AuthflowKeyringServiceClass *klass)
{
  SecretServiceClass *service_class = SECRET_SERVICE_CLASS (klass);

  service_class->prompt_async = keyring_service_prompt_async;
  service_class->prompt_finish = keyring_service_prompt_finish;

  keyring_service_prompting_signal =
    g_signal_new ("prompting-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
authflow_keyring_service_init (AuthflowKeyringService *self)
{
}

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    APP_ID_BASE ".Session", SECRET_SCHEMA_NONE,
    {
      { "backend", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

/* A stored session belongs to one backend profile and one URL: two
 * profiles pointing at the same server do not share it. Without @profile,
 * the attributes of every item of the URL, as an older version keyed them.
 */
static GHashTable *
item_attributes (const char *backend,
                 const char *profile)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attributes, (gpointer) "backend", (gpointer) backend);
  if (profile != NULL && profile[0] != '\0')
    g_hash_table_insert (attributes, (gpointer) "profile", (gpointer) profile);

  return attributes;
}

typedef void (*StartFunc) (AuthflowSessionStore *self,
                           GTask                *task);

typedef struct
{
  StartFunc      start;
  /* What the journal calls it ("load", "save", "remove"), and when it was
   * made and started, for its entry.
   */
  const char    *event;
  gint64         made_at;
  gint64         started_at;
  gboolean       persist_off;
  guint          removed;
  char          *backend;
  char          *serialized;
  GCancellable  *cancellable;
  GCancellable  *caller_cancellable;
  gulong         caller_handler;
  guint          timeout_id;
  guint          drop_id;
  gboolean       timed_out;
  gboolean       waiting_for_bus;
  gboolean       waiting_for_read_ahead;
  /* Answered by the read-ahead, without asking the keyring itself. */
  gboolean       read_ahead;
  gboolean       prompting;
  gboolean       prompted;
  gboolean       prompt_unanswered;
  gboolean       searched_again;
  /* Items of versions that keyed them by URL alone: whose they were is not
   * known, so the first profile to look for its own and find none takes
   * such an item, and from then on it is that profile's.
   */
  gboolean       searched_unkeyed;
  gboolean       unlocked_unkeyed;
  char          *profile;
  SecretService *service;
  gulong         prompting_handler;
  GList         *items;
  /* The injected fault that failed it, if one did. */
  const char    *injected;
  /* What a "describe" call has found so far. */
  JsonObject    *description;
} Call;

static void
call_free (Call *call)
{
  g_assert (call->drop_id == 0);
  g_clear_handle_id (&call->timeout_id, g_source_remove);
  if (call->caller_handler != 0)
    g_cancellable_disconnect (call->caller_cancellable, call->caller_handler);
  if (call->service != NULL)
    g_clear_signal_handler (&call->prompting_handler, call->service);
  g_clear_object (&call->service);
  g_list_free_full (call->items, g_object_unref);
  g_clear_pointer (&call->description, json_object_unref);
  g_clear_object (&call->caller_cancellable);
  g_clear_object (&call->cancellable);
  g_free (call->backend);
  g_free (call->profile);
  if (call->serialized != NULL)
    secret_password_free (call->serialized);
  g_free (call);
}

static gboolean
call_timeout_cb (gpointer data)
{
  Call *call = data;

  call->timeout_id = 0;
  call->timed_out = TRUE;
  call->prompt_unanswered = call->prompting;
  g_cancellable_cancel (call->cancellable);

  return G_SOURCE_REMOVE;
}

static void
set_reading (AuthflowSessionStore *self,
             gboolean              reading)
{
  reading = !!reading;

  if (self->reading == reading)
    return;

  self->reading = reading;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_READING]);
}

static void
set_prompting (AuthflowSessionStore *self,
               gboolean              prompting)
{
  prompting = !!prompting;

  if (self->prompting == prompting)
    return;

  self->prompting = prompting;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_PROMPTING]);
}

static AuthflowJournalStep
step_of_call (Call *call)
{
  if (g_str_equal (call->event, "load"))
    return AUTHFLOW_JOURNAL_STEP_RESTORE;
  if (g_str_equal (call->event, "remove"))
    return AUTHFLOW_JOURNAL_STEP_LOG_OUT;

  return AUTHFLOW_JOURNAL_STEP_NONE;
}

/* The item's attributes as the journal keeps them: a backend URL without
 * any user information in it.
 */
static void
describe_item (JsonObject *details,
               Call       *call)
{
  g_autoptr(GUri) uri = g_uri_parse (call->backend, G_URI_FLAGS_HAS_PASSWORD, NULL);
  g_autofree char *backend = NULL;

  if (uri != NULL && g_uri_get_userinfo (uri) != NULL)
    backend = g_uri_to_string_partial (uri, G_URI_HIDE_USERINFO);

  json_object_set_string_member (details, "backend", backend != NULL ? backend : call->backend);
  if (call->profile != NULL)
    json_object_set_string_member (details, "profile", call->profile);
}

static const char *
outcome_of (gboolean      loaded_nothing,
            const GError *error)
{
  if (error == NULL)
    return loaded_nothing ? "nothing-stored" : "ok";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    return "locked";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return "timeout";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return "cancelled";

  return "error";
}

static char *
summarize_call (Call         *call,
                const char   *outcome,
                const GError *error)
{
  gboolean load = g_str_equal (call->event, "load");
  gboolean save = g_str_equal (call->event, "save");
  const char *what = load ? "Loading the session from the keyring" :
                     save ? "Saving the session in the keyring" :
                     "Removing the session from the keyring";

  if (g_str_equal (outcome, "ok"))
    {
      if (load)
        return g_strdup ("Loaded the session from the keyring");
      if (save && call->persist_off)
        return g_strdup (call->removed > 0
                         ? "Removed the stored session instead of saving it: Persist Auth Sessions is off"
                         : "Saved nothing: Persist Auth Sessions is off");
      if (save)
        return g_strdup ("Saved the session in the keyring");
      if (call->removed == 0)
        return g_strdup ("Nothing to remove from the keyring");
      return g_strdup ("Removed the session from the keyring");
    }

  if (g_str_equal (outcome, "nothing-stored"))
    return g_strdup (call->persist_off ? "Did not look in the keyring: Persist Auth Sessions is off"
                                       : "Nothing stored in the keyring");

  if (g_str_equal (outcome, "cancelled"))
    return g_strdup_printf ("%s was cancelled", what);

  return g_strdup_printf ("%s failed: %s", what, error->message);
}

/* @task's call, as it ends, as a "keyring" entry. */
static void
record_call (AuthflowSessionStore *self,
             GTask                *task,
             gboolean              loaded_nothing,
             const GError         *error)
{
  Call *call = g_task_get_task_data (task);
  const char *outcome = outcome_of (loaded_nothing, error);
  g_autofree char *summary = NULL;
  JsonObject *details;
  gint64 now = g_get_monotonic_time ();
  gint64 duration = now - call->made_at;

  /* Describing the item is looking, not a step of the flow. */
  if (self->journal == NULL || g_str_equal (call->event, "describe"))
    return;

  details = json_object_new ();
  json_object_set_string_member (details, "outcome", outcome);
  if (error != NULL)
    json_object_set_string_member (details, "error", error->message);
  json_object_set_boolean_member (details, "prompted", call->prompted);
  json_object_set_double_member (details, "timeoutS", self->timeout_ms / 1000.0);
  if (call->prompted)
    json_object_set_double_member (details, "promptTimeoutS", self->prompt_timeout_ms / 1000.0);
  /* How long it waited for the calls before it, if it had to. */
  json_object_set_double_member (details, "queuedMs",
                                 ((call->started_at != 0 ? call->started_at : now) - call->made_at) / 1000.0);
  if (call->persist_off)
    json_object_set_boolean_member (details, "persist", FALSE);
  if (call->read_ahead)
    json_object_set_boolean_member (details, "readAhead", TRUE);
  if (g_str_equal (call->event, "remove") || call->persist_off)
    json_object_set_int_member (details, "removed", call->removed);
  describe_item (details, call);
  if (call->injected != NULL)
    _authflow_faults_mark (details, call->injected);

  summary = summarize_call (call, outcome, error);
  authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_KEYRING, call->event,
                           step_of_call (call), duration, details,
                           "%s (%" G_GINT64_FORMAT " ms)%s%s%s", summary, (duration + 500) / 1000,
                           call->injected != NULL ? " [injected: " : "",
                           call->injected != NULL ? call->injected : "",
                           call->injected != NULL ? "]" : "");
}

/* Ends @task's call: a load with @secret (taken, %NULL for nothing
 * stored), a save or a removal with success.
 */
static void
finish_ok (AuthflowSessionStore *self,
           GTask                *task,
           char                 *secret)
{
  Call *call = g_task_get_task_data (task);

  if (g_str_equal (call->event, "load"))
    {
      record_call (self, task, secret == NULL, NULL);
      g_task_return_pointer (task, secret, (GDestroyNotify) secret_password_free);
      return;
    }

  g_assert (secret == NULL);
  record_call (self, task, FALSE, NULL);
  g_task_return_boolean (task, TRUE);
}

/* Ends @task's call with @error (taken), what the person is told. */
static void
finish_error (AuthflowSessionStore *self,
              GTask                *task,
              GError               *error)
{
  record_call (self, task, FALSE, error);
  g_task_return_error (task, error);
}

/* A prompt stops the keyring's clock and starts the person's; when it is
 * answered, the keyring gets its full time again for the rest of the call.
 */
static void
call_prompting_cb (SecretService *service,
                   gboolean       prompting,
                   GTask         *task)
{
  AuthflowSessionStore *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);

  g_debug ("The keyring %s a prompt", prompting ? "shows" : "closed");

  if (prompting && self->journal != NULL)
    {
      JsonObject *details = json_object_new ();

      json_object_set_string_member (details, "for", call->event);
      json_object_set_double_member (details, "promptTimeoutS", self->prompt_timeout_ms / 1000.0);
      describe_item (details, call);
      authflow_journal_record (self->journal, AUTHFLOW_JOURNAL_KEYRING, "prompt",
                               step_of_call (call), -1, details,
                               "The keyring shows a prompt and waits for the person (up to %g s)",
                               self->prompt_timeout_ms / 1000.0);
    }

  call->prompting = prompting;
  call->prompted |= prompting;
  g_clear_handle_id (&call->timeout_id, g_source_remove);
  if (!call->timed_out)
    call->timeout_id = g_timeout_add (prompting ? self->prompt_timeout_ms : self->timeout_ms,
                                      call_timeout_cb, call);
  set_prompting (self, prompting);
}

static void
caller_cancelled_cb (GCancellable *caller,
                     GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

static void fail_running (AuthflowSessionStore *self,
                          GError               *error);

/* A call cancelled while it waits, for its turn or for the bus, ends then,
 * not when the call before it or the bus is done (which, on a hung keyring,
 * is its whole timeout).
 */
static gboolean
drop_if_waiting_cb (gpointer data)
{
  GTask *task = data;
  AuthflowSessionStore *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);

  call->drop_id = 0;

  if (g_queue_remove (&self->queue, task))
    {
      finish_error (self, task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     "Operation was cancelled"));
      g_object_unref (task);
    }
  else if (self->running == task && (call->waiting_for_bus || call->waiting_for_read_ahead))
    {
      call->waiting_for_bus = FALSE;
      call->waiting_for_read_ahead = FALSE;
      fail_running (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                               "Operation was cancelled"));
    }

  return G_SOURCE_REMOVE;
}

/* Deferred: a cancel comes inside someone's g_cancellable_cancel(). If the
 * call ends another way first, call_done() takes the drop back, so that it
 * holds on to nothing after the call.
 */
static void
drop_soon (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  if (call->drop_id == 0)
    call->drop_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, drop_if_waiting_cb,
                                     g_object_ref (task), g_object_unref);
}

static void
call_cancelled_cb (GCancellable *cancellable,
                   GTask        *task)
{
  AuthflowSessionStore *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);

  /* A call that libsecret runs ends through libsecret's own cancellation.
   * One that waits is dropped.
   */
  if (g_queue_find (&self->queue, task) != NULL || call->waiting_for_bus ||
      call->waiting_for_read_ahead)
    drop_soon (task);
}

static GTask *
call_new (AuthflowSessionStore *self,
          const char           *event,
          StartFunc             start,
          GCancellable         *cancellable,
          GAsyncReadyCallback   callback,
          gpointer              user_data,
          gpointer              source_tag)
{
  GTask *task;
  Call *call;

  call = g_new0 (Call, 1);
  call->event = event;
  call->made_at = g_get_monotonic_time ();
  call->start = start;
  call->backend = g_strdup (self->backend);
  call->profile = g_strdup (self->profile);
  call->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      call->caller_cancellable = g_object_ref (cancellable);
      call->caller_handler = g_cancellable_connect (cancellable,
                                                    G_CALLBACK (caller_cancelled_cb),
                                                    g_object_ref (call->cancellable),
                                                    g_object_unref);
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  /* The task owns the cancellable, so the handler goes with both. */
  g_signal_connect (call->cancellable, "cancelled",
                    G_CALLBACK (call_cancelled_cb), task);

  return task;
}

static void run_next (AuthflowSessionStore *self);

/* Queues @task (the store takes it over) and starts it if nothing runs. */
static void
call_enqueue (AuthflowSessionStore *self,
              GTask                *task)
{
  g_queue_push_tail (&self->queue, task);
  run_next (self);
}

/* Completes the running call; the next one starts. */
static GTask *
call_done (AuthflowSessionStore *self)
{
  GTask *task = g_steal_pointer (&self->running);
  Call *call = g_task_get_task_data (task);

  g_clear_handle_id (&call->drop_id, g_source_remove);
  g_clear_handle_id (&call->timeout_id, g_source_remove);
  if (call->service != NULL)
    g_clear_signal_handler (&call->prompting_handler, call->service);
  set_prompting (self, FALSE);
  set_reading (self, FALSE);

  return task;
}

static GError *
stayed_locked_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                              _("The system keyring stayed locked"));
}

/* Turns what the keyring said into what a person can act on; the technical
 * message stays in the debug log.
 */
static void
return_error (GTask  *task,
              GError *error)
{
  AuthflowSessionStore *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);

  g_debug ("Keyring call failed: %s", error->message);

  if (call->prompt_unanswered)
    {
      /* Nobody answered the prompt; libsecret took it away on the cancel. */
      finish_error (self, task, stayed_locked_error ());
      g_error_free (error);
    }
  else if (call->timed_out)
    {
      finish_error (self, task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                                     _("The system keyring did not answer in time")));
      g_error_free (error);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
           g_cancellable_is_cancelled (call->cancellable))
    {
      finish_error (self, task, error);
    }
  else if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED) ||
           (call->prompted && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    {
      /* Someone dismissed the keyring's unlock prompt. That is keyring
       * trouble to tell, not a cancel to ignore. A cancel that nobody here
       * made and that no prompt explains came from elsewhere in the
       * process (see the top of the file): the keyring was out of reach,
       * not locked.
       */
      finish_error (self, task, stayed_locked_error ());
      g_error_free (error);
    }
  else
    {
      finish_error (self, task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                                     _("The system keyring is not available")));
      g_error_free (error);
    }
}

/* Ends the running call with what the keyring said; the next one starts. */
static void
fail_running (AuthflowSessionStore *self,
              GError               *error)
{
  g_autoptr(GTask) task = call_done (self);

  return_error (task, error);
  run_next (self);
}

/* Every call opens its own proxy for the Secret Service, so that a keyring
 * that was restarted or replaced since the last call is found.
 */
static void
open_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  AuthflowSessionStore *self = user_data;
  GTask *task = self->running;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;

  call->service = secret_service_open_finish (result, &error);
  if (call->service == NULL)
    {
      fail_running (self, error);
      return;
    }

  call->prompting_handler = g_signal_connect (call->service, "prompting-changed",
                                              G_CALLBACK (call_prompting_cb), task);
  call->start (self, task);
}

static void
open_service (AuthflowSessionStore *self)
{
  Call *call = g_task_get_task_data (self->running);

  secret_service_open (AUTHFLOW_TYPE_KEYRING_SERVICE, NULL, SECRET_SERVICE_OPEN_SESSION,
                       call->cancellable, open_cb, self);
}

/* The bus comes to the store, which may be gone by then (a fetch is never
 * cancelled, see the top of the file), and to the call that waits for it,
 * which may not be the one that asked.
 */
static void
bus_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(AuthflowSessionStore) self = g_weak_ref_get (weak);
  g_autoptr(GDBusConnection) bus = NULL;
  GError *error = NULL;
  Call *call;

  g_weak_ref_clear (weak);
  g_free (weak);

  bus = g_bus_get_finish (result, &error);
  if (self == NULL)
    {
      g_clear_error (&error);
      return;
    }

  self->bus_pending = FALSE;
  g_set_object (&self->bus, bus);

  call = self->running != NULL ? g_task_get_task_data (self->running) : NULL;
  if (call == NULL || !call->waiting_for_bus)
    {
      g_clear_error (&error);
      return;
    }

  call->waiting_for_bus = FALSE;
  if (bus == NULL)
    fail_running (self, error);
  else
    open_service (self);
}

/* An injected keyring fault fails the call that starts now with what
 * libsecret says in that case, through the same path: no Secret Service on
 * the bus, or a keyring that stayed locked because its prompt was
 * dismissed.
 */
static gboolean
inject_keyring_fault (AuthflowSessionStore *self,
                      Call                 *call)
{
  AuthflowKeyringFault fault = _authflow_faults_take_keyring_fault (self->faults);
  JsonObject *details;

  if (fault == AUTHFLOW_KEYRING_FAULT_NONE)
    return FALSE;

  call->injected = _authflow_keyring_fault_to_string (fault);
  details = json_object_new ();
  json_object_set_string_member (details, "for", call->event);
  describe_item (details, call);
  _authflow_faults_record_applied (self->journal, call->injected, details,
                                   "the keyring %s fails without the keyring being asked, as %s",
                                   call->event,
                                   fault == AUTHFLOW_KEYRING_FAULT_LOCKED
                                   ? "a locked keyring whose prompt was dismissed"
                                   : "without a Secret Service");

  if (fault == AUTHFLOW_KEYRING_FAULT_LOCKED)
    fail_running (self, g_error_new_literal (SECRET_ERROR, SECRET_ERROR_IS_LOCKED,
                                             "Cannot unlock: the prompt was dismissed (injected)"));
  else
    fail_running (self, g_error_new_literal (G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN,
                                             "The name org.freedesktop.secrets was not provided by any "
                                             ".service files (injected)"));

  return TRUE;
}

static void ask_keyring (AuthflowSessionStore *self);
static gboolean is_unkeyed (SecretItem *item);
static gboolean take_read_ahead (AuthflowSessionStore *self,
                                 Call                 *call);

/* The read-ahead: at start-up the stored session is read on a thread of
 * its own, with libsecret's blocking calls, while the main thread sets up
 * GTK and builds the window. The store's own calls need the main loop for
 * each of their round trips to the keyring, and it is not free until the
 * window is up; the read-ahead's answer is there when the first load
 * runs, and the first page can be the right one.
 *
 * It answers only what needs no person and no judgement: "this item, and
 * it is unlocked" or "nothing stored at all". A locked item (its prompt
 * belongs to the load, with its timeouts and the splash saying so), an
 * item of an older version keyed by URL alone, an error: the load asks the
 * keyring itself, as it would have without the read-ahead. So does a load
 * for another backend or profile, or one that comes after another call.
 */
typedef struct _ReadAhead
{
  GWeakRef      store;
  GMainContext *context;
  GCancellable *cancellable;
  char         *backend;
  char         *profile;
  gboolean      done;
  gboolean      answered;
  char         *secret;
} ReadAhead;

static void
read_ahead_free (ReadAhead *ahead)
{
  g_weak_ref_clear (&ahead->store);
  g_main_context_unref (ahead->context);
  g_object_unref (ahead->cancellable);
  g_free (ahead->backend);
  g_free (ahead->profile);
  if (ahead->secret != NULL)
    secret_password_free (ahead->secret);
  g_free (ahead);
}

/* Whether the keyring holds, for @ahead's URL, an item without a profile
 * (which the load takes over), or could not tell.
 */
static gboolean
read_ahead_finds_unkeyed (ReadAhead     *ahead,
                          SecretService *service)
{
  g_autoptr(GHashTable) attributes = item_attributes (ahead->backend, NULL);
  g_autoptr(GError) error = NULL;
  GList *items;
  gboolean found = FALSE;

  items = secret_service_search_sync (service, get_schema (), attributes, SECRET_SEARCH_ALL,
                                      ahead->cancellable, &error);
  if (error != NULL)
    return TRUE;

  for (GList *l = items; l != NULL && !found; l = l->next)
    found = is_unkeyed (l->data);
  g_list_free_full (items, g_object_unref);

  return found;
}

static void
read_ahead_ask (ReadAhead *ahead)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = item_attributes (ahead->backend, ahead->profile);
  g_autoptr(GError) error = NULL;
  GList *items;

  service = secret_service_open_sync (SECRET_TYPE_SERVICE, NULL, SECRET_SERVICE_OPEN_SESSION,
                                      ahead->cancellable, &error);
  if (service == NULL)
    return;

  items = secret_service_search_sync (service, get_schema (), attributes,
                                      SECRET_SEARCH_ALL | SECRET_SEARCH_LOAD_SECRETS,
                                      ahead->cancellable, &error);
  if (error != NULL)
    return;

  if (items == NULL)
    {
      ahead->answered = ahead->profile == NULL || ahead->profile[0] == '\0' ||
                        !read_ahead_finds_unkeyed (ahead, service);
      return;
    }

  {
    SecretValue *value = NULL;
    gboolean locked = FALSE;

    for (GList *l = items; l != NULL; l = l->next)
      locked |= secret_item_get_locked (l->data);

    if (!locked && (value = secret_item_get_secret (items->data)) != NULL)
      {
        ahead->secret = secret_value_unref_to_password (value, NULL);
        ahead->answered = TRUE;
      }
  }

  g_list_free_full (items, g_object_unref);
}

static gboolean
read_ahead_done_cb (gpointer data)
{
  ReadAhead *ahead = data;
  g_autoptr(AuthflowSessionStore) self = g_weak_ref_get (&ahead->store);
  Call *call;

  ahead->done = TRUE;

  /* Given up on (see drop_read_ahead()): nobody waits for it. */
  if (self == NULL || self->read_ahead != ahead)
    {
      read_ahead_free (ahead);
      return G_SOURCE_REMOVE;
    }

  call = self->running != NULL ? g_task_get_task_data (self->running) : NULL;
  if (call != NULL && call->waiting_for_read_ahead)
    {
      call->waiting_for_read_ahead = FALSE;
      if (!take_read_ahead (self, call))
        ask_keyring (self);
    }

  return G_SOURCE_REMOVE;
}

static gpointer
read_ahead_thread (gpointer data)
{
  ReadAhead *ahead = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  /* libsecret's proxies belong to the thread-default context where they
   * are made: this thread's, not the main one's.
   */
  g_main_context_push_thread_default (context);
  read_ahead_ask (ahead);
  /* The proxies, gone, leave GDBus's signal subscriptions to be freed in
   * this context: done before it goes.
   */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);

  g_main_context_invoke_full (ahead->context, G_PRIORITY_DEFAULT,
                              read_ahead_done_cb, ahead, NULL);

  return NULL;
}

static void
drop_read_ahead (AuthflowSessionStore *self)
{
  ReadAhead *ahead = g_steal_pointer (&self->read_ahead);

  if (ahead == NULL)
    return;

  if (ahead->done)
    {
      read_ahead_free (ahead);
    }
  else
    {
      /* The thread still holds it, and its answer frees it. */
      g_cancellable_cancel (ahead->cancellable);
    }
}

/* Whether the read-ahead answers @call, the running one, or will. It is
 * used once, by the first call after it, whatever that call is.
 */
static gboolean
take_read_ahead (AuthflowSessionStore *self,
                 Call                 *call)
{
  ReadAhead *ahead = self->read_ahead;

  if (!g_str_equal (call->event, "load") ||
      g_strcmp0 (ahead->backend, call->backend) != 0 ||
      g_strcmp0 (ahead->profile, call->profile) != 0 ||
      (ahead->done && !ahead->answered))
    {
      drop_read_ahead (self);
      return FALSE;
    }

  if (!ahead->done)
    {
      call->waiting_for_read_ahead = TRUE;
      return TRUE;
    }

  {
    g_autoptr(GTask) task = NULL;
    char *secret = g_steal_pointer (&ahead->secret);

    drop_read_ahead (self);
    call->read_ahead = TRUE;
    task = call_done (self);
    finish_ok (self, task, secret);
  }

  run_next (self);

  return TRUE;
}

static void
run_next (AuthflowSessionStore *self)
{
  Call *call;

  if (self->running != NULL || g_queue_is_empty (&self->queue))
    return;

  self->running = g_queue_pop_head (&self->queue);
  call = g_task_get_task_data (self->running);
  call->started_at = g_get_monotonic_time ();

  /* The keyring's time starts when it is asked, not while the call waits
   * for the one before it.
   */
  call->timeout_id = g_timeout_add (self->timeout_ms, call_timeout_cb, call);

  /* Describing the item is looking, not one of the flow's calls: an
   * injected fault is for the next of those.
   */
  if (self->faults != NULL && !g_str_equal (call->event, "describe") && inject_keyring_fault (self, call))
    return;

  if (self->read_ahead != NULL && take_read_ahead (self, call))
    return;

  ask_keyring (self);
}

/* The running call asks the Secret Service, over the bus. */
static void
ask_keyring (AuthflowSessionStore *self)
{
  Call *call = g_task_get_task_data (self->running);

  if (self->bus != NULL && g_dbus_connection_is_closed (self->bus))
    g_clear_object (&self->bus);

  if (self->bus != NULL)
    {
      open_service (self);
      return;
    }

  /* A call cancelled before it ran has no cancel left to end its wait. */
  call->waiting_for_bus = TRUE;
  if (g_cancellable_is_cancelled (call->cancellable))
    drop_soon (self->running);

  if (!self->bus_pending)
    {
      GWeakRef *weak = g_new0 (GWeakRef, 1);

      g_weak_ref_init (weak, self);
      self->bus_pending = TRUE;
      g_bus_get (G_BUS_TYPE_SESSION, NULL, bus_cb, weak);
    }
}

static void
authflow_session_store_finalize (GObject *object)
{
  AuthflowSessionStore *self = (AuthflowSessionStore *)object;

  /* Every queued task holds a reference on the store. */
  g_assert (self->running == NULL);
  g_assert (g_queue_is_empty (&self->queue));

  drop_read_ahead (self);
  g_clear_object (&self->bus);
  g_clear_object (&self->journal);
  g_clear_object (&self->faults);
  g_clear_pointer (&self->backend, g_free);
  g_clear_pointer (&self->profile, g_free);

  G_OBJECT_CLASS (authflow_session_store_parent_class)->finalize (object);
}

static void
authflow_session_store_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  AuthflowSessionStore *self = AUTHFLOW_SESSION_STORE (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      g_value_set_string (value, self->backend);
      break;

    case PROP_PROFILE:
      g_value_set_string (value, self->profile);
      break;

    case PROP_PERSIST:
      g_value_set_boolean (value, self->persist);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_ms);
      break;

    case PROP_PROMPT_TIMEOUT:
      g_value_set_uint (value, self->prompt_timeout_ms);
      break;

    case PROP_PROMPTING:
      g_value_set_boolean (value, self->prompting);
      break;

    case PROP_READING:
      g_value_set_boolean (value, self->reading);
      break;

    case PROP_JOURNAL:
      g_value_set_object (value, self->journal);
      break;

    case PROP_FAULTS:
      g_value_set_object (value, self->faults);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_session_store_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  AuthflowSessionStore *self = AUTHFLOW_SESSION_STORE (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      authflow_session_store_set_profile (self, g_value_get_string (value));
      break;

    case PROP_BACKEND:
      authflow_session_store_set_backend (self, g_value_get_string (value));
      break;

    case PROP_PERSIST:
      authflow_session_store_set_persist (self, g_value_get_boolean (value));
      break;

    case PROP_TIMEOUT:
      authflow_session_store_set_timeout (self, g_value_get_uint (value));
      break;

    case PROP_PROMPT_TIMEOUT:
      authflow_session_store_set_prompt_timeout (self, g_value_get_uint (value));
      break;

    case PROP_JOURNAL:
      authflow_session_store_set_journal (self, g_value_get_object (value));
      break;

    case PROP_FAULTS:
      authflow_session_store_set_faults (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_session_store_class_init (AuthflowSessionStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authflow_session_store_finalize;
  object_class->get_property = authflow_session_store_get_property;
  object_class->set_property = authflow_session_store_set_property;

  /* Which backend's item this store reads and writes: each backend has its
   * own, so that switching backends loses no session.
   */
  properties [PROP_BACKEND] =
    g_param_spec_string ("backend", NULL, NULL, "",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Which backend profile the item is for, with the backend's URL: two
   * profiles of one server keep a session each. %NULL for any.
   */
  properties [PROP_PROFILE] =
    g_param_spec_string ("profile", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* "Persist Auth Sessions". When off, saving removes the stored item. */
  properties [PROP_PERSIST] =
    g_param_spec_boolean ("persist", NULL, NULL, TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties [PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT, DEFAULT_TIMEOUT_MS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* How long a call waits for the person to answer the keyring's prompt. */
  properties [PROP_PROMPT_TIMEOUT] =
    g_param_spec_uint ("prompt-timeout", NULL, NULL, 1, G_MAXUINT, DEFAULT_PROMPT_TIMEOUT_MS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Whether the keyring is asking the person something (to unlock it) and
   * the store waits for that answer.
   */
  properties [PROP_PROMPTING] =
    g_param_spec_boolean ("prompting", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Whether a load found a stored session and is reading it: then, and
   * only then, there is a session being restored.
   */
  properties [PROP_READING] =
    g_param_spec_boolean ("reading", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Where every keyring call is reported as it ends; %NULL for nowhere. */
  properties [PROP_JOURNAL] =
    g_param_spec_object ("journal", NULL, NULL, AUTHFLOW_TYPE_JOURNAL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The keyring faults to inject; %NULL for none. */
  properties [PROP_FAULTS] =
    g_param_spec_object ("faults", NULL, NULL, AUTHFLOW_TYPE_FAULTS,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authflow_session_store_init (AuthflowSessionStore *self)
{
  self->backend = g_strdup ("");
  g_queue_init (&self->queue);
  self->persist = TRUE;
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  self->prompt_timeout_ms = DEFAULT_PROMPT_TIMEOUT_MS;
}

AuthflowSessionStore *
authflow_session_store_new (const char *backend)
{
  return g_object_new (AUTHFLOW_TYPE_SESSION_STORE,
                       "backend", backend,
                       NULL);
}

const char *
authflow_session_store_get_backend (AuthflowSessionStore *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), NULL);

  return self->backend;
}

void
authflow_session_store_set_backend (AuthflowSessionStore *self,
                                    const char           *backend)
{
  g_return_if_fail (AUTHFLOW_IS_SESSION_STORE (self));

  if (backend == NULL)
    backend = "";

  if (g_strcmp0 (self->backend, backend) == 0)
    return;

  g_free (self->backend);
  self->backend = g_strdup (backend);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_BACKEND]);
}

const char *
authflow_session_store_get_profile (AuthflowSessionStore *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), NULL);

  return self->profile;
}

void
authflow_session_store_set_profile (AuthflowSessionStore *self,
                                    const char           *profile)
{
  g_return_if_fail (AUTHFLOW_IS_SESSION_STORE (self));

  if (g_strcmp0 (self->profile, profile) == 0)
    return;

  g_free (self->profile);
  self->profile = g_strdup (profile);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_PROFILE]);
}

gboolean
authflow_session_store_get_persist (AuthflowSessionStore *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), FALSE);

  return self->persist;
}

void
authflow_session_store_set_persist (AuthflowSessionStore *self,
                                    gboolean              persist)
{
  g_return_if_fail (AUTHFLOW_IS_SESSION_STORE (self));

  persist = !!persist;

  if (self->persist == persist)
    return;

  self->persist = persist;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_PERSIST]);
}

guint
authflow_session_store_get_timeout (AuthflowSessionStore *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), 0);

  return self->timeout_ms;
}

void
authflow_session_store_set_timeout (AuthflowSessionStore *self,
                                    guint                 timeout_ms)
{
  g_return_if_fail (AUTHFLOW_IS_SESSION_STORE (self));
  g_return_if_fail (timeout_ms > 0);

  if (self->timeout_ms == timeout_ms)
    return;

  self->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_TIMEOUT]);
}

guint
authflow_session_store_get_prompt_timeout (AuthflowSessionStore *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), 0);

  return self->prompt_timeout_ms;
}

void
authflow_session_store_set_prompt_timeout (AuthflowSessionStore *self,
                                           guint                 timeout_ms)
{
  g_return_if_fail (AUTHFLOW_IS_SESSION_STORE (self));
  g_return_if_fail (timeout_ms > 0);

  if (self->prompt_timeout_ms == timeout_ms)
    return;

  self->prompt_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_PROMPT_TIMEOUT]);
}

gboolean
authflow_session_store_get_prompting (AuthflowSessionStore *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), FALSE);

  return self->prompting;
}

gboolean
authflow_session_store_get_reading (AuthflowSessionStore *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), FALSE);

  return self->reading;
}

/**
 * authflow_session_store_get_journal:
 *
 * Returns: (transfer none) (nullable): where the store reports its
 *   keyring calls, or %NULL
 */
AuthflowJournal *
authflow_session_store_get_journal (AuthflowSessionStore *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), NULL);

  return self->journal;
}

/**
 * authflow_session_store_set_journal:
 * @journal: (nullable): where to report, or %NULL to report nothing
 *
 * From now on every load, save and removal that ends is a "keyring" entry
 * of @journal, and every prompt that shows one too (see the README, "The
 * trace").
 */
void
authflow_session_store_set_journal (AuthflowSessionStore *self,
                                    AuthflowJournal      *journal)
{
  g_return_if_fail (AUTHFLOW_IS_SESSION_STORE (self));
  g_return_if_fail (!journal || AUTHFLOW_IS_JOURNAL (journal));

  if (g_set_object (&self->journal, journal))
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_JOURNAL]);
}

/**
 * authflow_session_store_get_faults:
 *
 * Returns: (transfer none) (nullable): the faults injected into the
 *   keyring calls
 */
AuthflowFaults *
authflow_session_store_get_faults (AuthflowSessionStore *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), NULL);

  return self->faults;
}

/**
 * authflow_session_store_set_faults:
 * @faults: (nullable): the faults to inject, or %NULL for none
 *
 * From now on each keyring call asks @faults, as it starts, whether it is
 * to fail (authflow_faults_set_keyring_fault()). The flow sets its own
 * here.
 */
void
authflow_session_store_set_faults (AuthflowSessionStore *self,
                                   AuthflowFaults       *faults)
{
  g_return_if_fail (AUTHFLOW_IS_SESSION_STORE (self));
  g_return_if_fail (faults == NULL || AUTHFLOW_IS_FAULTS (faults));

  if (g_set_object (&self->faults, faults))
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_FAULTS]);
}

static GHashTable *
call_attributes (Call *call)
{
  return item_attributes (call->backend, call->profile);
}

static GHashTable *
url_attributes (Call *call)
{
  return item_attributes (call->backend, NULL);
}

static gboolean
is_unkeyed (SecretItem *item)
{
  g_autoptr(GHashTable) attributes = secret_item_get_attributes (item);

  return g_hash_table_lookup (attributes, "profile") == NULL;
}

/* Whether @item is this call's: its profile's, or one without a profile. */
static gboolean
is_ours (Call       *call,
         SecretItem *item)
{
  g_autoptr(GHashTable) attributes = secret_item_get_attributes (item);
  const char *profile = g_hash_table_lookup (attributes, "profile");

  return profile == NULL || call->profile == NULL || g_strcmp0 (profile, call->profile) == 0;
}

static void start_load (AuthflowSessionStore *self,
                        GTask                *task);

static void load_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data);

/* The older item was locked: once unlocked (or not), it is looked for
 * again, and read or reported as the keyring staying locked.
 */
static void
unlock_unkeyed_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  AuthflowSessionStore *self = user_data;
  Call *call = g_task_get_task_data (self->running);
  g_autoptr(GHashTable) attributes = url_attributes (call);
  GError *error = NULL;

  secret_service_unlock_finish (SECRET_SERVICE (object), result, NULL, &error);
  if (error != NULL)
    {
      fail_running (self, error);
      return;
    }

  g_list_free_full (g_steal_pointer (&call->items), g_object_unref);
  secret_service_search (call->service, get_schema (), attributes, SECRET_SEARCH_ALL,
                         call->cancellable, load_cb, self);
}

static gboolean
is_gone_error (const GError *error)
{
  return g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
         g_error_matches (error, SECRET_ERROR, SECRET_ERROR_NO_SUCH_OBJECT);
}

static void
retag_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!secret_item_set_attributes_finish (SECRET_ITEM (object), result, &error))
    g_debug ("Could not key the stored session to its profile: %s", error->message);
}

static void
load_secret_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  AuthflowSessionStore *self = user_data;
  SecretItem *item = SECRET_ITEM (object);
  Call *call = g_task_get_task_data (self->running);
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  SecretValue *value;

  /* Someone else (another Authflow, Passwords and Keys) removed or
   * replaced the item between the search and the read: look again, once.
   */
  if (!secret_item_load_secret_finish (item, result, &error) &&
      is_gone_error (error) && !call->searched_again)
    {
      g_debug ("The item went away while it was read: %s", error->message);
      g_error_free (error);
      call->searched_again = TRUE;
      call->searched_unkeyed = FALSE;
      call->unlocked_unkeyed = FALSE;
      g_list_free_full (g_steal_pointer (&call->items), g_object_unref);
      start_load (self, self->running);
      return;
    }

  /* An item of an older version, keyed by URL alone, becomes this
   * profile's: nobody is logged out by the upgrade. Whatever the answer, the
   * session read here is good.
   */
  if (error == NULL && call->searched_unkeyed)
    {
      g_autoptr(GHashTable) attributes = call_attributes (call);

      g_debug ("Keying a stored session of an older version to the profile “%s”", call->profile);
      secret_item_set_attributes (item, get_schema (), attributes, NULL, retag_cb, NULL);
    }

  task = call_done (self);

  if (error != NULL)
    return_error (task, error);
  else if ((value = secret_item_get_secret (item)) == NULL)
    return_error (task, g_error_new_literal (SECRET_ERROR, SECRET_ERROR_PROTOCOL,
                                             "The item has no secret"));
  else
    finish_ok (self, task, secret_value_unref_to_password (value, NULL));

  run_next (self);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  AuthflowSessionStore *self = user_data;
  Call *call = g_task_get_task_data (self->running);
  GError *error = NULL;
  SecretItem *found = NULL;

  call->items = secret_service_search_finish (SECRET_SERVICE (object), result, &error);

  /* Searched by URL alone, for an item of an older version: the other
   * profiles' items of the URL are not this call's.
   */
  if (call->searched_unkeyed)
    for (GList *l = call->items, *next; l != NULL; l = next)
      {
        next = l->next;
        if (!is_unkeyed (l->data))
          {
            g_object_unref (l->data);
            call->items = g_list_delete_link (call->items, l);
          }
      }

  for (GList *l = call->items; l != NULL && found == NULL; l = l->next)
    if (!secret_item_get_locked (l->data))
      found = l->data;

  /* Nothing of this profile's: an item of an older version, keyed by URL
   * alone, may be. That search unlocks nothing, since it finds the other
   * profiles' items too; an older item found locked is unlocked by itself.
   */
  if (call->items == NULL && error == NULL && !call->searched_unkeyed &&
      call->profile != NULL && call->profile[0] != '\0')
    {
      g_autoptr(GHashTable) attributes = url_attributes (call);

      call->searched_unkeyed = TRUE;
      secret_service_search (call->service, get_schema (), attributes, SECRET_SEARCH_ALL,
                             call->cancellable, load_cb, self);
      return;
    }

  if (found == NULL && error == NULL && call->items != NULL && call->searched_unkeyed &&
      !call->unlocked_unkeyed)
    {
      call->unlocked_unkeyed = TRUE;
      secret_service_unlock (call->service, call->items, call->cancellable, unlock_unkeyed_cb, self);
      return;
    }

  if (found != NULL)
    {
      set_reading (self, TRUE);
      secret_item_load_secret (found, call->cancellable, load_secret_cb, self);
      return;
    }

  {
    g_autoptr(GTask) task = call_done (self);

    if (error != NULL)
      return_error (task, error);
    else if (call->items == NULL)
      finish_ok (self, task, NULL);
    else
      /* The session is there but stayed locked: that is not "nothing
       * stored", or the person would be sent to log in again for nothing.
       */
      finish_error (self, task, stayed_locked_error ());
  }

  run_next (self);
}

static void
start_load (AuthflowSessionStore *self,
            GTask                *task)
{
  Call *call = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = call_attributes (call);

  /* Unlocking asks the person only when there is an item to unlock. */
  secret_service_search (call->service, get_schema (), attributes,
                         SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK,
                         call->cancellable, load_cb, self);
}

/**
 * authflow_session_store_load_async:
 *
 * Looks up the stored session. With "persist" off, nothing is looked up and
 * the answer is "nothing stored".
 */
void
authflow_session_store_load_async (AuthflowSessionStore *self,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AUTHFLOW_IS_SESSION_STORE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = call_new (self, "load", start_load, cancellable, callback, user_data,
                   authflow_session_store_load_async);

  if (!self->persist)
    {
      Call *call = g_task_get_task_data (task);

      call->persist_off = TRUE;
      finish_ok (self, task, NULL);
      return;
    }

  call_enqueue (self, g_steal_pointer (&task));
}

/**
 * authflow_session_store_load_finish:
 *
 * Returns: (transfer full) (nullable): the stored session, to be freed with
 *   secret_password_free(), or %NULL with no error when nothing is stored
 */
char *
authflow_session_store_load_finish (AuthflowSessionStore  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * authflow_session_store_read_ahead:
 *
 * Starts reading the stored session for the backend and profile set now,
 * on a thread of its own, so that the first load finds it read (see
 * "The read-ahead" above). Nothing is read with "persist" off. The load
 * that takes its answer says so in its journal entry ("readAhead").
 */
void
authflow_session_store_read_ahead (AuthflowSessionStore *self)
{
  ReadAhead *ahead;

  g_return_if_fail (AUTHFLOW_IS_SESSION_STORE (self));
  g_return_if_fail (self->running == NULL && g_queue_is_empty (&self->queue));

  if (!self->persist || self->backend == NULL)
    return;

  drop_read_ahead (self);

  ahead = g_new0 (ReadAhead, 1);
  g_weak_ref_init (&ahead->store, self);
  ahead->context = g_main_context_ref_thread_default ();
  ahead->cancellable = g_cancellable_new ();
  ahead->backend = g_strdup (self->backend);
  ahead->profile = g_strdup (self->profile);
  self->read_ahead = ahead;

  g_thread_unref (g_thread_new ("authflow-read-ahead", read_ahead_thread, ahead));
}

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  AuthflowSessionStore *self = user_data;
  g_autoptr(GTask) task = call_done (self);
  GError *error = NULL;

  if (!secret_service_store_finish (SECRET_SERVICE (object), result, &error))
    return_error (task, error);
  else
    finish_ok (self, task, NULL);

  run_next (self);
}

static void
start_save (AuthflowSessionStore *self,
            GTask                *task)
{
  Call *call = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = call_attributes (call);
  g_autoptr(SecretValue) value = NULL;
  g_autofree char *label = NULL;

  /* Translators: the label of the keyring item, as seen in Passwords and
   * Keys; %s is the backend, e.g. "http://127.0.0.1:8787".
   */
  label = g_strdup_printf (_("Authflow session for %s"), call->backend);
  value = secret_value_new (call->serialized, -1, "text/plain");

  secret_service_store (call->service, get_schema (), attributes,
                        SECRET_COLLECTION_DEFAULT, label, value,
                        call->cancellable, save_cb, self);
}

static void delete_next (AuthflowSessionStore *self);

static void
delete_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  AuthflowSessionStore *self = user_data;
  Call *call = g_task_get_task_data (self->running);
  GError *error = NULL;

  if (!secret_item_delete_finish (SECRET_ITEM (object), result, &error))
    {
      fail_running (self, error);
      return;
    }

  call->removed++;
  delete_next (self);
}

/* Removes the found items one by one; all of them, or the call fails. */
static void
delete_next (AuthflowSessionStore *self)
{
  Call *call = g_task_get_task_data (self->running);
  g_autoptr(SecretItem) item = NULL;

  if (call->items == NULL)
    {
      g_autoptr(GTask) task = call_done (self);

      finish_ok (self, task, NULL);
      run_next (self);
      return;
    }

  item = call->items->data;
  call->items = g_list_delete_link (call->items, call->items);
  secret_item_delete (item, call->cancellable, delete_cb, self);
}

static void
clear_search_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AuthflowSessionStore *self = user_data;
  Call *call = g_task_get_task_data (self->running);
  GError *error = NULL;

  call->items = secret_service_search_finish (SECRET_SERVICE (object), result, &error);

  if (error != NULL)
    {
      fail_running (self, error);
      return;
    }

  /* This profile's item, and any of an older version for this URL; another
   * profile's session on the same server stays.
   */
  for (GList *l = call->items, *next; l != NULL; l = next)
    {
      next = l->next;
      if (!is_ours (call, l->data))
        {
          g_object_unref (l->data);
          call->items = g_list_delete_link (call->items, l);
        }
    }

  /* gnome-keyring does not remove a locked item, and libsecret's own
   * removal skips it without a word: a logged-out session would come back
   * at the next start. So the keyring is unlocked first, or the call fails.
   */
  for (GList *l = call->items; l != NULL; l = l->next)
    {
      if (secret_item_get_locked (l->data))
        {
          g_autoptr(GTask) task = call_done (self);

          finish_error (self, task, stayed_locked_error ());
          run_next (self);
          return;
        }
    }

  delete_next (self);
}

static void
start_clear (AuthflowSessionStore *self,
             GTask                *task)
{
  Call *call = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = url_attributes (call);

  secret_service_search (call->service, get_schema (), attributes,
                         SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK,
                         call->cancellable, clear_search_cb, self);
}

/**
 * authflow_session_store_save_async:
 * @session: a signed-in session
 *
 * Stores @session, replacing what was stored for this backend. With
 * "persist" off this removes the stored item instead.
 */
void
authflow_session_store_save_async (AuthflowSessionStore *self,
                                   AuthflowSession      *session,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  GTask *task;
  Call *call;

  g_return_if_fail (AUTHFLOW_IS_SESSION_STORE (self));
  g_return_if_fail (AUTHFLOW_IS_SESSION (session));
  g_return_if_fail (authflow_session_get_state (session) == AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  if (!self->persist)
    {
      task = call_new (self, "save", start_clear, cancellable, callback, user_data,
                       authflow_session_store_save_async);
      call = g_task_get_task_data (task);
      call->persist_off = TRUE;
      call_enqueue (self, task);
      return;
    }

  /* The session is taken as it is now, whatever it becomes while the call
   * waits its turn. The copy holds the tokens, so call_free() wipes it.
   */
  task = call_new (self, "save", start_save, cancellable, callback, user_data,
                   authflow_session_store_save_async);
  call = g_task_get_task_data (task);
  call->serialized = authflow_session_serialize (session);
  call_enqueue (self, task);
}

gboolean
authflow_session_store_save_finish (AuthflowSessionStore  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * authflow_session_store_clear_async:
 *
 * Removes the stored session of this backend, if there is one.
 */
void
authflow_session_store_clear_async (AuthflowSessionStore *self,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data)
{
  GTask *task;

  g_return_if_fail (AUTHFLOW_IS_SESSION_STORE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = call_new (self, "remove", start_clear, cancellable, callback, user_data,
                   authflow_session_store_clear_async);
  call_enqueue (self, task);
}

gboolean
authflow_session_store_clear_finish (AuthflowSessionStore  *self,
                                     GAsyncResult          *result,
                                     GError               **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Describing what is stored, for the Flow Inspector: what Passwords and
 * Keys would show of the item, and the session it holds with every token
 * as its fingerprint. It is a call like the others, queued and with the
 * keyring's timeout, but it unlocks nothing and so never shows a prompt: a
 * locked item says it is locked and shows no fields. It is looking, not a
 * step of the flow, so it is no entry of the journal.
 */

/* @text with the user information of the backend's URL taken out, the
 * way the journal names the item.
 */
static char *
hide_userinfo (const char *text,
               const char *backend)
{
  g_autoptr(GUri) uri = g_uri_parse (backend, G_URI_FLAGS_HAS_PASSWORD, NULL);
  g_autofree char *hidden = NULL;
  g_auto(GStrv) parts = NULL;

  if (text == NULL || uri == NULL || g_uri_get_userinfo (uri) == NULL)
    return g_strdup (text);

  hidden = g_uri_to_string_partial (uri, G_URI_HIDE_USERINFO);
  parts = g_strsplit (text, backend, -1);

  return g_strjoinv (hidden, parts);
}

typedef struct
{
  SecretValue *value;
  JsonObject  *description;
  GTask       *task;
} DescribeSecret;

static void
describe_secret_free (DescribeSecret *data)
{
  g_clear_pointer (&data->value, secret_value_unref);
  g_clear_pointer (&data->description, json_object_unref);
  g_clear_object (&data->task);
  g_free (data);
}

static void
add_token_value (GPtrArray  *tokens,
                 JsonObject *stored,
                 const char *member)
{
  JsonNode *node = json_object_get_member (stored, member);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    g_ptr_array_insert (tokens, tokens->len - 1, (gpointer) json_node_get_string (node));
}

/* In a worker thread: an item may be as large as
 * AUTHFLOW_SESSION_MAX_STORED_SIZE. Only the redacted copy leaves it.
 */
static void
describe_secret_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  DescribeSecret *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) fields = NULL;
  g_autoptr(GPtrArray) tokens = g_ptr_array_new ();
  const char *text = secret_value_get_text (data->value);
  JsonObject *stored;
  JsonNode *version;

  g_ptr_array_add (tokens, NULL);

  if (text == NULL)
    {
      json_object_set_string_member (data->description, "problem", "The stored session is not text");
      g_task_return_boolean (task, TRUE);
      return;
    }

  root = authflow_session_parse_stored (text, &error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      json_object_set_string_member (data->description, "problem",
                                     error != NULL ? error->message : "The stored session is not a JSON object");
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* The tokens by name, and wherever else their values are. */
  stored = json_node_get_object (root);
  add_token_value (tokens, stored, "accessToken");
  add_token_value (tokens, stored, "refreshToken");
  fields = authflow_journal_redact_json (root, (const char * const *) tokens->pdata, NULL);

  version = json_object_get_member (stored, "version");
  if (version != NULL && JSON_NODE_HOLDS_VALUE (version) && json_node_get_value_type (version) == G_TYPE_INT64)
    json_object_set_int_member (data->description, "version", json_node_get_int (version));
  json_object_set_object_member (data->description, "fields",
                                 json_object_ref (json_node_get_object (fields)));

  g_task_return_boolean (task, TRUE);
}

static void
describe_secret_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  DescribeSecret *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GTask) task = g_steal_pointer (&data->task);

  g_task_return_pointer (task, g_steal_pointer (&data->description), (GDestroyNotify) json_object_unref);
}

/* The keyring has said all it will: the call is over, and the secret (if
 * the item was readable) is read outside the main loop.
 */
static void
describe_done (AuthflowSessionStore *self,
               SecretCollection     *collection)
{
  Call *call = g_task_get_task_data (self->running);
  SecretItem *item = call->items != NULL ? call->items->data : NULL;
  g_autoptr(JsonObject) description = g_steal_pointer (&call->description);
  g_autoptr(SecretValue) value = NULL;
  g_autoptr(GTask) task = NULL;
  gboolean locked = FALSE;

  if (collection != NULL)
    {
      JsonObject *object = json_object_new ();
      g_autofree char *label = secret_collection_get_label (collection);

      json_object_set_string_member (object, "path", g_dbus_proxy_get_object_path (G_DBUS_PROXY (collection)));
      json_object_set_string_member (object, "label", label != NULL ? label : "");
      json_object_set_boolean_member (object, "locked", secret_collection_get_locked (collection));
      json_object_set_object_member (description, "collection", object);
      locked = secret_collection_get_locked (collection);
    }

  if (item != NULL)
    {
      locked = secret_item_get_locked (item);
      if (!locked)
        value = secret_item_get_secret (item);
    }
  json_object_set_boolean_member (description, "locked", locked);

  task = call_done (self);

  if (value != NULL)
    {
      DescribeSecret *data = g_new0 (DescribeSecret, 1);
      g_autoptr(GTask) parse = g_task_new (self, NULL, describe_secret_cb, NULL);

      data->value = g_steal_pointer (&value);
      data->description = g_steal_pointer (&description);
      data->task = g_steal_pointer (&task);
      g_task_set_source_tag (parse, describe_secret_thread);
      g_task_set_task_data (parse, data, (GDestroyNotify) describe_secret_free);
      g_task_run_in_thread (parse, describe_secret_thread);
    }
  else
    {
      if (item != NULL && !locked)
        json_object_set_string_member (description, "problem", "The item has no secret");
      g_task_return_pointer (task, g_steal_pointer (&description), (GDestroyNotify) json_object_unref);
    }

  run_next (self);
}

static void
describe_collections_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  AuthflowSessionStore *self = user_data;
  Call *call = g_task_get_task_data (self->running);
  SecretItem *item = call->items->data;
  const char *item_path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (item));
  g_autolist(SecretCollection) collections = NULL;
  SecretCollection *found = NULL;
  GError *error = NULL;

  if (!secret_service_load_collections_finish (call->service, result, &error))
    {
      fail_running (self, error);
      return;
    }

  collections = secret_service_get_collections (call->service);
  for (GList *l = collections; l != NULL && found == NULL; l = l->next)
    {
      const char *path = g_dbus_proxy_get_object_path (l->data);
      gsize len = strlen (path);

      if (strncmp (item_path, path, len) == 0 && item_path[len] == '/')
        found = l->data;
    }

  describe_done (self, found);
}

static void
describe_default_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  AuthflowSessionStore *self = user_data;
  g_autoptr(SecretCollection) collection = NULL;
  GError *error = NULL;

  collection = secret_collection_for_alias_finish (result, &error);
  if (error != NULL)
    {
      fail_running (self, error);
      return;
    }

  describe_done (self, collection);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The item's own description: its label, attributes and schema. */
static void
describe_item_found (Call       *call,
                     SecretItem *item)
{
  g_autoptr(GHashTable) attributes = secret_item_get_attributes (item);
  g_autofree char *label = secret_item_get_label (item);
  g_autofree char *shown_label = hide_userinfo (label, call->backend);
  g_autofree char *schema = secret_item_get_schema_name (item);
  guint n_names = 0;
  g_autofree gpointer *names = g_hash_table_get_keys_as_array (attributes, &n_names);
  JsonObject *object = json_object_new ();

  qsort (names, n_names, sizeof (gpointer), compare_names);
  for (guint i = 0; i < n_names; i++)
    {
      const char *name = names[i];
      g_autofree char *value = hide_userinfo (g_hash_table_lookup (attributes, name), call->backend);

      json_object_set_string_member (object, name, value);
    }

  json_object_set_boolean_member (call->description, "found", TRUE);
  json_object_set_string_member (call->description, "label", shown_label != NULL ? shown_label : "");
  json_object_set_string_member (call->description, "schema", schema != NULL ? schema : get_schema ()->name);
  json_object_set_object_member (call->description, "attributes", object);
}

static void
describe_search_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AuthflowSessionStore *self = user_data;
  Call *call = g_task_get_task_data (self->running);
  GError *error = NULL;
  GList *mine = NULL;

  call->items = secret_service_search_finish (SECRET_SERVICE (object), result, &error);
  if (error != NULL)
    {
      fail_running (self, error);
      return;
    }

  /* The item a load would read: this profile's, else one of an older
   * version keyed by URL alone; another profile's is not this backend's.
   */
  for (GList *l = call->items; l != NULL && mine == NULL; l = l->next)
    if (!is_unkeyed (l->data) && is_ours (call, l->data))
      mine = l;
  for (GList *l = call->items; l != NULL && mine == NULL; l = l->next)
    if (is_ours (call, l->data))
      mine = l;

  if (mine != NULL)
    {
      call->items = g_list_remove_link (call->items, mine);
      call->items = g_list_concat (mine, call->items);
      describe_item_found (call, mine->data);
      secret_service_load_collections (call->service, call->cancellable, describe_collections_cb, self);
      return;
    }

  g_list_free_full (g_steal_pointer (&call->items), g_object_unref);
  json_object_set_boolean_member (call->description, "found", FALSE);
  json_object_set_string_member (call->description, "schema", get_schema ()->name);
  secret_collection_for_alias (call->service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE,
                               call->cancellable, describe_default_cb, self);
}

static void
start_describe (AuthflowSessionStore *self,
                GTask                *task)
{
  Call *call = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = url_attributes (call);

  /* No SECRET_SEARCH_UNLOCK: looking must never ask the person anything.
   * The secrets come with the search, for the items that are unlocked.
   */
  secret_service_search (call->service, get_schema (), attributes,
                         SECRET_SEARCH_ALL | SECRET_SEARCH_LOAD_SECRETS,
                         call->cancellable, describe_search_cb, self);
}

/**
 * authflow_session_store_describe_async:
 *
 * Describes what the keyring holds for this backend, without unlocking
 * it: see authflow_session_store_describe_finish(). Whatever "persist"
 * says, since an item may be there from before it was turned off.
 */
void
authflow_session_store_describe_async (AuthflowSessionStore *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data)
{
  GTask *task;
  Call *call;

  g_return_if_fail (AUTHFLOW_IS_SESSION_STORE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = call_new (self, "describe", start_describe, cancellable, callback, user_data,
                   authflow_session_store_describe_async);
  call = g_task_get_task_data (task);
  call->description = json_object_new ();
  call_enqueue (self, task);
}

/**
 * authflow_session_store_describe_finish:
 *
 * What is stored, as a JSON object: `found`; for an item that is, its
 * `label`, `attributes` {name: value} and `schema`; `locked` (the item's,
 * or the default collection's when nothing is stored); `collection`
 * {`path`, `label`, `locked`}, where the keyring says; and for an item
 * that could be read, `version` and `fields`, the stored session with
 * every token as its fingerprint and anything under a secret's name
 * redacted, or else `problem`, why it could not be read. The raw secret
 * is never in it.
 *
 * Returns: (transfer full) (nullable): the description, or %NULL with the
 *   error a person reads
 */
JsonObject *
authflow_session_store_describe_finish (AuthflowSessionStore  *self,
                                        GAsyncResult          *result,
                                        GError               **error)
{
  g_return_val_if_fail (AUTHFLOW_IS_SESSION_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
