// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-check"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-check-item.h"
#include "authflow-check-private.h"

/* One item of a backend check (see authflow-check.c): what it is about,
 * where it stands, what the server was seen to do (the evidence) and, for
 * a warning or a failure, what to change in the profile or on the server.
 * An item exists, pending, from the start of the check, so that a page can
 * list every item at once and bind to each as it fills in. What it holds
 * is redacted before it gets here: the check puts no password and no raw
 * token in it, only the journal's fingerprints.
 */
struct _AuthflowCheckItem
{
  GObject             parent_instance;

  char               *id;
  char               *title;
  AuthflowCheckState  state;
  char               *evidence;
  char               *advice;
  JsonObject         *details;
};

G_DEFINE_FINAL_TYPE (AuthflowCheckItem, authflow_check_item, G_TYPE_OBJECT)
G_DEFINE_ENUM_TYPE (AuthflowCheckState, authflow_check_state,
  G_DEFINE_ENUM_VALUE (AUTHFLOW_CHECK_STATE_PENDING, "pending"),
  G_DEFINE_ENUM_VALUE (AUTHFLOW_CHECK_STATE_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (AUTHFLOW_CHECK_STATE_PASS, "pass"),
  G_DEFINE_ENUM_VALUE (AUTHFLOW_CHECK_STATE_WARNING, "warning"),
  G_DEFINE_ENUM_VALUE (AUTHFLOW_CHECK_STATE_FAIL, "fail"),
  G_DEFINE_ENUM_VALUE (AUTHFLOW_CHECK_STATE_SKIPPED, "skipped"))

enum {
  PROP_0,
  PROP_ID,
  PROP_TITLE,
  PROP_STATE,
  PROP_EVIDENCE,
  PROP_ADVICE,
  PROP_DETAILS,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

/* The widest state word and id, for the columns of the text report. */
#define STATE_COLUMN 7
#define ID_COLUMN    16

/**
 * authflow_check_state_to_string:
 *
 * Returns: the state's name as the JSON report has it: "pending",
 *   "running", "pass", "warning", "fail" or "skipped"
 */
const char *
authflow_check_state_to_string (AuthflowCheckState state)
{
  GEnumClass *klass = g_type_class_ref (AUTHFLOW_TYPE_CHECK_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  g_type_class_unref (klass);

  return value != NULL ? value->value_nick : "pending";
}

/**
 * authflow_check_state_is_finished:
 *
 * Returns: whether @state is an outcome: pass, warning, fail or skipped
 */
gboolean
authflow_check_state_is_finished (AuthflowCheckState state)
{
  return state >= AUTHFLOW_CHECK_STATE_PASS;
}

static void
authflow_check_item_finalize (GObject *object)
{
  AuthflowCheckItem *self = (AuthflowCheckItem *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->evidence, g_free);
  g_clear_pointer (&self->advice, g_free);
  g_clear_pointer (&self->details, json_object_unref);

  G_OBJECT_CLASS (authflow_check_item_parent_class)->finalize (object);
}

static void
authflow_check_item_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  AuthflowCheckItem *self = AUTHFLOW_CHECK_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_EVIDENCE:
      g_value_set_string (value, self->evidence);
      break;

    case PROP_ADVICE:
      g_value_set_string (value, self->advice);
      break;

    case PROP_DETAILS:
      g_value_set_boxed (value, self->details);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_check_item_class_init (AuthflowCheckItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authflow_check_item_finalize;
  object_class->get_property = authflow_check_item_get_property;

  /* What the item is about, for a program: "login", "refresh-token"… */
  properties [PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* What the item is about, for a person, translated. */
  properties [PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Notified last when an item finishes, so that a handler of
   * notify::state reads the evidence, advice and details that go with it.
   */
  properties [PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       AUTHFLOW_TYPE_CHECK_STATE, AUTHFLOW_CHECK_STATE_PENDING,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* What the server was seen to do: statuses, fields found or missing,
   * times. %NULL until the item finishes.
   */
  properties [PROP_EVIDENCE] =
    g_param_spec_string ("evidence", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* For a warning or a failure: what to change in the profile or on the
   * server. %NULL otherwise.
   */
  properties [PROP_ADVICE] =
    g_param_spec_string ("advice", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The evidence for a program: statuses, paths, fingerprints, times. */
  properties [PROP_DETAILS] =
    g_param_spec_boxed ("details", NULL, NULL, JSON_TYPE_OBJECT,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authflow_check_item_init (AuthflowCheckItem *self)
{
}

AuthflowCheckItem *
_authflow_check_item_new (const char *id,
                          const char *title)
{
  AuthflowCheckItem *self = g_object_new (AUTHFLOW_TYPE_CHECK_ITEM, NULL);

  self->id = g_strdup (id);
  self->title = g_strdup (title);

  return self;
}

static void
set_state (AuthflowCheckItem  *self,
           AuthflowCheckState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_STATE]);
}

static void
set_string (AuthflowCheckItem  *self,
            char              **field,
            const char         *value,
            guint               prop)
{
  /* GLib 2.74 has no g_set_str (). */
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties [prop]);
}

static void
set_details (AuthflowCheckItem *self,
             JsonObject        *details)
{
  if (self->details == details)
    return;

  g_clear_pointer (&self->details, json_object_unref);
  self->details = details != NULL ? json_object_ref (details) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_DETAILS]);
}

/* Back to pending, for a new run. */
void
_authflow_check_item_reset (AuthflowCheckItem *self)
{
  g_return_if_fail (AUTHFLOW_IS_CHECK_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->evidence, NULL, PROP_EVIDENCE);
  set_string (self, &self->advice, NULL, PROP_ADVICE);
  set_details (self, NULL);
  set_state (self, AUTHFLOW_CHECK_STATE_PENDING);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_authflow_check_item_set_running (AuthflowCheckItem *self)
{
  g_return_if_fail (AUTHFLOW_IS_CHECK_ITEM (self));

  set_state (self, AUTHFLOW_CHECK_STATE_RUNNING);
}

/* Sets the outcome and all that goes with it; "state" is notified after
 * the rest.
 */
void
_authflow_check_item_finish (AuthflowCheckItem  *self,
                             AuthflowCheckState  state,
                             const char         *evidence,
                             const char         *advice,
                             JsonObject         *details)
{
  g_return_if_fail (AUTHFLOW_IS_CHECK_ITEM (self));
  g_return_if_fail (authflow_check_state_is_finished (state));

  set_string (self, &self->evidence, evidence, PROP_EVIDENCE);
  set_string (self, &self->advice, advice, PROP_ADVICE);
  set_details (self, details);
  set_state (self, state);
}

const char *
authflow_check_item_get_id (AuthflowCheckItem *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK_ITEM (self), NULL);

  return self->id;
}

const char *
authflow_check_item_get_title (AuthflowCheckItem *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK_ITEM (self), NULL);

  return self->title;
}

AuthflowCheckState
authflow_check_item_get_state (AuthflowCheckItem *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK_ITEM (self), AUTHFLOW_CHECK_STATE_PENDING);

  return self->state;
}

/**
 * authflow_check_item_get_evidence:
 *
 * Returns: (nullable): what the server was seen to do, once finished
 */
const char *
authflow_check_item_get_evidence (AuthflowCheckItem *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK_ITEM (self), NULL);

  return self->evidence;
}

/**
 * authflow_check_item_get_advice:
 *
 * Returns: (nullable): what to change, for a warning or a failure
 */
const char *
authflow_check_item_get_advice (AuthflowCheckItem *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK_ITEM (self), NULL);

  return self->advice;
}

/**
 * authflow_check_item_get_details:
 *
 * Returns: (transfer none) (nullable): the evidence for a program
 */
JsonObject *
authflow_check_item_get_details (AuthflowCheckItem *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_CHECK_ITEM (self), NULL);

  return self->details;
}

/* The state as the text report says it: a short word, translated. */
static const char *
state_word (AuthflowCheckState state)
{
  switch (state)
    {
    case AUTHFLOW_CHECK_STATE_PASS:
      /* Translators: a check item's outcome, at most 7 characters if you can. */
      return C_("check state", "pass");
    case AUTHFLOW_CHECK_STATE_WARNING:
      /* Translators: a check item's outcome, at most 7 characters if you can. */
      return C_("check state", "warning");
    case AUTHFLOW_CHECK_STATE_FAIL:
      /* Translators: a check item's outcome, at most 7 characters if you can. */
      return C_("check state", "fail");
    case AUTHFLOW_CHECK_STATE_SKIPPED:
      /* Translators: a check item's outcome, at most 7 characters if you can. */
      return C_("check state", "skipped");
    case AUTHFLOW_CHECK_STATE_RUNNING:
      /* Translators: a check item's state, at most 7 characters if you can. */
      return C_("check state", "running");
    case AUTHFLOW_CHECK_STATE_PENDING:
    default:
      /* Translators: a check item's state, at most 7 characters if you can. */
      return C_("check state", "pending");
    }
}

static const char *
state_color (AuthflowCheckState state)
{
  switch (state)
    {
    case AUTHFLOW_CHECK_STATE_PASS:
      return "\033[32m";
    case AUTHFLOW_CHECK_STATE_WARNING:
      return "\033[33m";
    case AUTHFLOW_CHECK_STATE_FAIL:
      return "\033[1;31m";
    case AUTHFLOW_CHECK_STATE_SKIPPED:
    case AUTHFLOW_CHECK_STATE_RUNNING:
    case AUTHFLOW_CHECK_STATE_PENDING:
    default:
      return "\033[2m";
    }
}

/* The spaces that take @text, already written, to @width characters
 * (not bytes); at least one.
 */
static void
append_padding (GString    *out,
                const char *text,
                guint       width)
{
  glong length = g_utf8_strlen (text, -1);

  do
    g_string_append_c (out, ' ');
  while (++length < (glong) width);
}

/**
 * authflow_check_item_dup_text:
 * @color: whether to colour the state word with terminal escapes
 *
 * The item as the text report has it: one line with the state, the id,
 * the title and the evidence, and for a warning or a failure a second
 * line, indented under the title, with the advice.
 *
 * Returns: (transfer full): the lines, each ending in a newline
 */
char *
authflow_check_item_dup_text (AuthflowCheckItem *self,
                              gboolean           color)
{
  GString *out;
  const char *word;
  guint indent = STATE_COLUMN + 2 + ID_COLUMN + 2;

  g_return_val_if_fail (AUTHFLOW_IS_CHECK_ITEM (self), NULL);

  out = g_string_new (NULL);
  word = state_word (self->state);

  /* The escapes take no room on the screen: the padding comes after. */
  g_string_append_printf (out, "%s%s%s", color ? state_color (self->state) : "", word,
                          color ? "\033[0m" : "");
  append_padding (out, word, STATE_COLUMN + 2);
  g_string_append (out, self->id);
  append_padding (out, self->id, ID_COLUMN + 2);
  g_string_append (out, self->title);
  if (self->evidence != NULL)
    {
      g_string_append (out, ": ");
      g_string_append (out, self->evidence);
    }
  g_string_append_c (out, '\n');

  if (self->advice != NULL)
    {
      for (guint i = 0; i < indent; i++)
        g_string_append_c (out, ' ');
      /* Translators: before what to change for a warning or failure of a check. */
      g_string_append_printf (out, _("Advice: %s"), self->advice);
      g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}

/**
 * authflow_check_item_to_json:
 *
 * Returns: (transfer full): `{"id", "title", "state", "evidence",
 *   "advice", "details"}`, the last three only when set
 */
JsonNode *
authflow_check_item_to_json (AuthflowCheckItem *self)
{
  g_autoptr(JsonObject) object = json_object_new ();

  g_return_val_if_fail (AUTHFLOW_IS_CHECK_ITEM (self), NULL);

  json_object_set_string_member (object, "id", self->id);
  json_object_set_string_member (object, "title", self->title);
  json_object_set_string_member (object, "state", authflow_check_state_to_string (self->state));
  if (self->evidence != NULL)
    json_object_set_string_member (object, "evidence", self->evidence);
  if (self->advice != NULL)
    json_object_set_string_member (object, "advice", self->advice);
  if (self->details != NULL)
    json_object_set_object_member (object, "details", json_object_ref (self->details));

  return json_node_init_object (json_node_alloc (), object);
}
