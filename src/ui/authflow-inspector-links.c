// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"

#include "authflow-inspector-links.h"
#include "authflow-inspector-util.h"

/* What ties entries together that the timeline shows apart: a refresh and
 * the calls it served. The renewal engine says it in order: the answer 401
 * that makes a call wait, `refresh-started`, one `waiting` per call that
 * needs it (after the refresh, too, for a call that was refused the token
 * it just replaced), the refresh's own exchange, `refresh-finished`, then a
 * `retry` of each call and its exchange marked `"retry": true`. Each such
 * entry belongs to the last refresh started before it.
 *
 * The index follows the entries as they come, at the end of the list; the
 * journal lets the oldest go at the front, and what they were is dropped
 * then. It also learns from the mapping entries which token fingerprint is
 * the access token and which the refresh token, for Copy as curl.
 */

struct _AuthflowInspectorLinks
{
  GObject     parent_instance;

  GListModel *entries;
  gulong      items_changed_id;

  guint64     last_seq;       /* the newest entry looked at */
  guint64     forgotten_before;
  GHashTable *refresh_of;     /* seq → AuthflowInspectorRefresh */
  GHashTable *refreshes;      /* the refresh's seq → AuthflowInspectorRefresh, owned */
  AuthflowInspectorRefresh *current;
  GQueue      refused;        /* Refused, answers 401 not yet tied to a waiting call */
  GHashTable *fingerprints;
};

G_DEFINE_FINAL_TYPE (AuthflowInspectorLinks, authflow_inspector_links, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

/* How many entries the journal lets go before the index follows. */
#define FORGET_EVERY 256

/* Far more than a burst of calls (the api-calls action sends 100 at most). */
#define MAX_REFUSED 512

typedef struct
{
  guint64  seq;
  char    *call;
} Refused;

static void
refused_free (Refused *refused)
{
  g_free (refused->call);
  g_free (refused);
}

static void
refresh_free (AuthflowInspectorRefresh *refresh)
{
  g_free (refresh->trigger);
  g_free (refresh->outcome);
  g_free (refresh);
}

static void
link_entry (AuthflowInspectorLinks   *self,
            guint64                   seq,
            AuthflowInspectorRefresh *refresh)
{
  guint64 *key = g_new (guint64, 1);

  *key = seq;
  g_hash_table_replace (self->refresh_of, key, refresh);
  refresh->last_seq = MAX (refresh->last_seq, seq);
}

static void
learn_fingerprint (AuthflowInspectorLinks *self,
                   JsonObject             *properties,
                   const char             *name,
                   const char             *placeholder)
{
  JsonObject *property = authflow_inspector_json_get_object (properties, name);
  JsonObject *value = authflow_inspector_json_get_object (property, "value");
  const char *fingerprint = authflow_inspector_json_get_string (value, "fingerprint");

  if (fingerprint != NULL)
    g_hash_table_replace (self->fingerprints, g_strdup (fingerprint), (gpointer) placeholder);
}

/* Returns whether @entry changed what is known. */
static gboolean
look_at (AuthflowInspectorLinks *self,
         AuthflowJournalEntry   *entry)
{
  JsonObject *details = authflow_journal_entry_get_details (entry);
  const char *event = authflow_journal_entry_get_event (entry);
  guint64 seq = authflow_journal_entry_get_sequence (entry);
  AuthflowInspectorRefresh *current = self->current;

  switch (authflow_journal_entry_get_kind (entry))
    {
    case AUTHFLOW_JOURNAL_HTTP:
      if (current != NULL && authflow_inspector_json_get_boolean (details, "retry"))
        {
          link_entry (self, seq, current);
          current->retried++;
          return TRUE;
        }
      if (current != NULL && current->finished_seq == 0 &&
          g_strcmp0 (authflow_inspector_json_get_string (details, "call"), "refresh") == 0)
        {
          link_entry (self, seq, current);
          return TRUE;
        }
      if (authflow_inspector_exchange_get_status (details) == 401)
        {
          Refused *refused = g_new0 (Refused, 1);

          refused->seq = seq;
          refused->call = authflow_inspector_entry_dup_call (entry);
          g_queue_push_tail (&self->refused, refused);
          if (self->refused.length > MAX_REFUSED)
            refused_free (g_queue_pop_head (&self->refused));
        }
      return FALSE;

    case AUTHFLOW_JOURNAL_MAPPING:
      {
        JsonObject *properties = authflow_inspector_json_get_object (details, "properties");

        learn_fingerprint (self, properties, "token", "ACCESS_TOKEN");
        learn_fingerprint (self, properties, "refreshToken", "REFRESH_TOKEN");
      }
      return FALSE;

    case AUTHFLOW_JOURNAL_TOKEN:
      break;

    case AUTHFLOW_JOURNAL_KEYRING:
    case AUTHFLOW_JOURNAL_SESSION:
    case AUTHFLOW_JOURNAL_NAVIGATION:
    case AUTHFLOW_JOURNAL_CONNECTIVITY:
    default:
      return FALSE;
    }

  if (g_str_equal (event, "refresh-started"))
    {
      AuthflowInspectorRefresh *refresh = g_new0 (AuthflowInspectorRefresh, 1);
      guint64 *key = g_new (guint64, 1);

      refresh->seq = seq;
      refresh->trigger = g_strdup (authflow_inspector_json_get_string (details, "trigger"));
      *key = seq;
      g_hash_table_replace (self->refreshes, key, refresh);
      link_entry (self, seq, refresh);
      self->current = refresh;
      return TRUE;
    }

  if (current == NULL)
    return FALSE;

  if (g_str_equal (event, "waiting"))
    {
      const char *call = authflow_inspector_json_get_string (details, "call");

      link_entry (self, seq, current);
      current->served = MAX (current->served, (guint) CLAMP (authflow_inspector_json_get_int (details, "waiters", 0),
                                                             0, G_MAXUINT));

      /* The answer 401 that made this call wait: its latest one. */
      for (GList *l = self->refused.tail; l != NULL; l = l->prev)
        {
          Refused *refused = l->data;

          if (g_strcmp0 (refused->call, call) == 0)
            {
              link_entry (self, refused->seq, current);
              current->refused++;
              refused_free (refused);
              g_queue_delete_link (&self->refused, l);
              break;
            }
        }
      return TRUE;
    }

  if (g_str_equal (event, "refresh-finished"))
    {
      link_entry (self, seq, current);
      g_free (current->outcome);
      current->outcome = g_strdup (authflow_inspector_json_get_string (details, "outcome"));
      current->finished_seq = seq;
      return TRUE;
    }

  if (g_str_equal (event, "retry"))
    {
      link_entry (self, seq, current);
      current->retries++;
      return TRUE;
    }

  return FALSE;
}

/* Lets go of what the journal let go of: the entries before @first. */
static void
forget_before (AuthflowInspectorLinks *self,
               guint64                 first)
{
  GHashTableIter iter;
  guint64 *key;
  AuthflowInspectorRefresh *refresh;

  g_hash_table_iter_init (&iter, self->refresh_of);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    if (*key < first)
      g_hash_table_iter_remove (&iter);

  /* A refresh goes once none of its entries is left. */
  g_hash_table_iter_init (&iter, self->refreshes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &refresh))
    if (refresh != self->current && refresh->last_seq < first)
      g_hash_table_iter_remove (&iter);

  while (self->refused.head != NULL && ((Refused *) self->refused.head->data)->seq < first)
    refused_free (g_queue_pop_head (&self->refused));

  self->forgotten_before = first;
}

static void
items_changed_cb (AuthflowInspectorLinks *self,
                  guint                   position,
                  guint                   removed,
                  guint                   added)
{
  gboolean changed = FALSE;
  guint n = g_list_model_get_n_items (self->entries);

  /* Not at every entry the full journal lets go: now and then. */
  if (removed > 0 && n > 0)
    {
      g_autoptr(AuthflowJournalEntry) first = g_list_model_get_item (self->entries, 0);
      guint64 seq = authflow_journal_entry_get_sequence (first);

      if (seq >= self->forgotten_before + FORGET_EVERY)
        forget_before (self, seq);
    }
  else if (removed > 0)
    {
      forget_before (self, self->last_seq + 1);
    }

  /* Only what is new, at the end: the journal never inserts before. */
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(AuthflowJournalEntry) entry = g_list_model_get_item (self->entries, i);
      guint64 seq = authflow_journal_entry_get_sequence (entry);

      if (seq <= self->last_seq && self->last_seq != 0)
        continue;

      self->last_seq = seq;
      changed |= look_at (self, entry);
    }

  if (changed)
    g_signal_emit (self, signals [CHANGED], 0);
}

static void
authflow_inspector_links_dispose (GObject *object)
{
  AuthflowInspectorLinks *self = (AuthflowInspectorLinks *)object;

  g_clear_signal_handler (&self->items_changed_id, self->entries);
  g_clear_object (&self->entries);

  G_OBJECT_CLASS (authflow_inspector_links_parent_class)->dispose (object);
}

static void
authflow_inspector_links_finalize (GObject *object)
{
  AuthflowInspectorLinks *self = (AuthflowInspectorLinks *)object;

  g_clear_pointer (&self->refresh_of, g_hash_table_unref);
  g_clear_pointer (&self->refreshes, g_hash_table_unref);
  g_clear_pointer (&self->fingerprints, g_hash_table_unref);
  g_queue_clear_full (&self->refused, (GDestroyNotify) refused_free);

  G_OBJECT_CLASS (authflow_inspector_links_parent_class)->finalize (object);
}

static void
authflow_inspector_links_class_init (AuthflowInspectorLinksClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = authflow_inspector_links_dispose;
  object_class->finalize = authflow_inspector_links_finalize;

  /**
   * AuthflowInspectorLinks::changed:
   *
   * Emitted when new entries tied into a refresh, or changed what one
   * says (how many calls it served, how it finished).
   */
  signals [CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
authflow_inspector_links_init (AuthflowInspectorLinks *self)
{
  self->refresh_of = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->refreshes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) refresh_free);
  self->fingerprints = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->refused);
}

/**
 * authflow_inspector_links_new:
 * @entries: a list model of #AuthflowJournalEntry, oldest first: the
 *   journal's, or a saved trace's
 *
 * Returns: (transfer full): the index of @entries, kept up to date
 */
AuthflowInspectorLinks *
authflow_inspector_links_new (GListModel *entries)
{
  AuthflowInspectorLinks *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (entries), NULL);

  self = g_object_new (AUTHFLOW_TYPE_INSPECTOR_LINKS, NULL);
  self->entries = g_object_ref (entries);
  self->items_changed_id = g_signal_connect_swapped (entries, "items-changed", G_CALLBACK (items_changed_cb), self);
  items_changed_cb (self, 0, 0, g_list_model_get_n_items (entries));

  return self;
}

/**
 * authflow_inspector_links_get_refresh:
 *
 * Returns: (nullable): the refresh @entry belongs to, or %NULL
 */
const AuthflowInspectorRefresh *
authflow_inspector_links_get_refresh (AuthflowInspectorLinks *self,
                                      AuthflowJournalEntry   *entry)
{
  guint64 seq;

  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_LINKS (self), NULL);
  g_return_val_if_fail (AUTHFLOW_IS_JOURNAL_ENTRY (entry), NULL);

  seq = authflow_journal_entry_get_sequence (entry);

  return g_hash_table_lookup (self->refresh_of, &seq);
}

/**
 * authflow_inspector_links_lookup_refresh:
 * @seq: a refresh-started entry's sequence number
 *
 * Returns: (nullable): that refresh, or %NULL
 */
const AuthflowInspectorRefresh *
authflow_inspector_links_lookup_refresh (AuthflowInspectorLinks *self,
                                         guint64                 seq)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_LINKS (self), NULL);

  return g_hash_table_lookup (self->refreshes, &seq);
}

/**
 * authflow_inspector_links_get_fingerprints:
 *
 * Returns: (transfer none) (element-type utf8 utf8): each token
 *   fingerprint the mapping entries named, to "ACCESS_TOKEN" or
 *   "REFRESH_TOKEN"
 */
GHashTable *
authflow_inspector_links_get_fingerprints (AuthflowInspectorLinks *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_LINKS (self), NULL);

  return self->fingerprints;
}
