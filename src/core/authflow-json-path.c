// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-json-path"

#include "config.h"

#include <string.h>

#include "authflow-json-path.h"

/* The JSON paths of a backend profile, which say where in an answer the
 * tokens, the user and the error message are, and the first value each
 * one finds there.
 *
 * A path is "$" (the whole answer, whatever it is: an object, an array, a
 * string or a number) followed by steps: ".name" or "['name']" for an
 * object's member, "[N]" for an array's element N counting from 0, ".*" or
 * "[*]" for every member or element in turn, and at most one "..name" for
 * the member of that name at any depth. The first value found, in the
 * order of the answer, is the path's value.
 *
 * This is the syntax of json-glib's JsonPath, which profiles used before,
 * read by Authflow itself because json-glib 1.6 reads arrays wrongly: it
 * takes "[2]" of a two-element array as an element past the end (a
 * critical, and a NULL node), wraps "[4294967296]" round to "[0]", and a
 * slice such as "[0:99999999999]" walks its whole range, past the end of
 * the array, on the main loop. Slices and sets of indexes ("[0:2]",
 * "[0,2]") are refused: Authflow takes one value, so one index says it.
 * Every index, every step and every walk is bounded, whatever the path
 * and whatever the answer.
 */

/* However a path and an answer combine, finding the value looks at no more
 * nodes than this; a 1 MiB answer has about half a million.
 */
#define MAX_VISITS (4 * 1024 * 1024)

/* How much of a bad step a message quotes. */
#define MAX_QUOTED_CHARS 24

typedef enum
{
  STEP_MEMBER,
  STEP_INDEX,
  STEP_WILDCARD,
  STEP_DESCENT,
} StepKind;

typedef struct
{
  StepKind  kind;
  char     *name;
  guint     index;
} Step;

struct _AuthflowJsonPath
{
  GArray *steps;
};

typedef struct
{
  const Step *steps;
  guint       n_steps;
  guint       visits;
} Walk;

G_DEFINE_QUARK (authflow-json-path-error-quark, authflow_json_path_error)

static void
step_clear (gpointer data)
{
  Step *step = data;

  g_clear_pointer (&step->name, g_free);
}

void
authflow_json_path_free (AuthflowJsonPath *path)
{
  if (path == NULL)
    return;

  g_array_unref (path->steps);
  g_free (path);
}

static gboolean G_GNUC_PRINTF (2, 3)
fail (GError     **error,
      const char  *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (AUTHFLOW_JSON_PATH_ERROR,
                                                AUTHFLOW_JSON_PATH_ERROR_INVALID,
                                                format, args));
  va_end (args);

  return FALSE;
}

/* @len bytes of @text for a message, cut short if they are many: a path
 * may be a hostile profile's, and its message is shown whole.
 */
static char *
quote (const char *text,
       gsize       len)
{
  g_autofree char *valid = g_utf8_make_valid (text, len);
  g_autofree char *start = NULL;

  if (g_utf8_strlen (valid, -1) <= MAX_QUOTED_CHARS)
    return g_steal_pointer (&valid);

  start = g_utf8_substring (valid, 0, MAX_QUOTED_CHARS);

  return g_strconcat (start, "…", NULL);
}

/* The character at @p, whole, for a message. */
static char *
quote_char (const char *p)
{
  gsize len = 1;

  while (len < 4 && ((guchar) p[len] & 0xC0) == 0x80)
    len++;

  return quote (p, len);
}

static void
add_step (GArray     *steps,
          StepKind    kind,
          const char *name,
          gsize       name_len,
          guint       index)
{
  Step step = { kind, name != NULL ? g_strndup (name, name_len) : NULL, index };

  g_array_append_val (steps, step);
}

/* What is inside "[…]", other than a quoted name or "*": one index. */
static gboolean
parse_index (const char  *text,
             gsize        len,
             guint       *index,
             GError     **error)
{
  g_autofree char *content = g_strndup (text, len);
  g_autofree char *quoted = quote (text, len);
  gboolean digits = len > 0;
  guint64 value;

  for (gsize i = 0; i < len; i++)
    digits = digits && g_ascii_isdigit (text[i]);

  if (strpbrk (content, ":,") != NULL)
    return fail (error, "“[%s]”: slices and sets of elements are not supported; Authflow takes one "
                        "value, so give one index, such as “[0]”", quoted);

  if (content[0] == '-')
    return fail (error, "“[%s]”: array indexes count from 0, at the start of the array", quoted);

  if (!digits)
    return fail (error, "“[%s]” is not an array index: give a number, such as “[0]”, "
                        "or a member name in quotes, such as “['name']”", quoted);

  if (!g_ascii_string_to_unsigned (content, 10, 0, AUTHFLOW_JSON_PATH_MAX_INDEX, &value, NULL))
    return fail (error, "“[%s]”: an index past %u cannot match any answer Authflow reads",
                 quoted, AUTHFLOW_JSON_PATH_MAX_INDEX);

  *index = (guint) value;

  return TRUE;
}

/* A member name after "." or "..": up to the next "." or "[". */
static const char *
parse_name (const char *p)
{
  return p + strcspn (p, ".[");
}

/* A step that starts with "[": a quoted name, "*" or an index. Returns
 * where the step ends, or %NULL with @error set.
 */
static const char *
parse_bracket (GArray      *steps,
               const char  *p,
               gboolean     descent,
               GError     **error)
{
  const char *close;

  if (p[1] == '\'' || p[1] == '"')
    {
      char end[3] = { p[1], ']', '\0' };

      if (!(close = strstr (p + 2, end)))
        {
          fail (error, "“[%c” without “%c]”", p[1], p[1]);
          return NULL;
        }

      /* json-glib reads "['*']" as every member, as ".*". */
      if (!descent && close - (p + 2) == 1 && p[2] == '*')
        add_step (steps, STEP_WILDCARD, NULL, 0, 0);
      else
        add_step (steps, descent ? STEP_DESCENT : STEP_MEMBER, p + 2, close - (p + 2), 0);

      return close + 2;
    }

  if (descent)
    {
      fail (error, "“..” must be followed by a member name, such as “..token”");
      return NULL;
    }

  if (!(close = strchr (p + 1, ']')))
    {
      fail (error, "“[” without “]”");
      return NULL;
    }

  if (close == p + 2 && p[1] == '*')
    add_step (steps, STEP_WILDCARD, NULL, 0, 0);
  else
    {
      guint index;

      if (!parse_index (p + 1, close - (p + 1), &index, error))
        return NULL;
      add_step (steps, STEP_INDEX, NULL, 0, index);
    }

  return close + 1;
}

/* What comes after a "]" starts the next step, or ends the path. */
static gboolean
check_after_bracket (const char  *p,
                     GError     **error)
{
  g_autofree char *next = NULL;

  if (*p == '\0' || *p == '.' || *p == '[')
    return TRUE;

  next = quote (p, strlen (p));

  return fail (error, "“%s” after “]”: each step starts with “.” or “[”", next);
}

/**
 * authflow_json_path_new:
 * @expression: a path, such as "$.data[0].token"
 * @error: the place for an error
 *
 * Returns: (transfer full): the path, or %NULL with @error set to an
 *   #AUTHFLOW_JSON_PATH_ERROR that says what is wrong with it
 */
AuthflowJsonPath *
authflow_json_path_new (const char  *expression,
                        GError     **error)
{
  g_autoptr(GArray) steps = NULL;
  gboolean descended = FALSE;
  AuthflowJsonPath *path;
  const char *p;

  g_return_val_if_fail (expression != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (expression[0] == '\0')
    {
      fail (error, "must be a JSON path such as “$.token”");
      return NULL;
    }

  /* The messages of the next two are json-glib's, as profiles had them. */
  if (expression[0] != '$')
    {
      g_autofree char *first = quote_char (expression);

      fail (error, "Invalid first character “%s”", first);
      return NULL;
    }

  if (expression[1] != '\0' && expression[1] != '.' && expression[1] != '[')
    {
      g_autofree char *next = quote_char (expression + 1);

      fail (error, "Root node followed by invalid character “%s”", next);
      return NULL;
    }

  steps = g_array_new (FALSE, FALSE, sizeof (Step));
  g_array_set_clear_func (steps, step_clear);

  for (p = expression + 1; *p != '\0';)
    {
      if (steps->len >= AUTHFLOW_JSON_PATH_MAX_STEPS)
        {
          fail (error, "more than %u steps, deeper than any answer Authflow reads",
                AUTHFLOW_JSON_PATH_MAX_STEPS);
          return NULL;
        }

      if (p[0] == '.' && p[1] == '.')
        {
          const char *end;

          if (descended)
            {
              fail (error, "only one “..” may be in a path");
              return NULL;
            }
          descended = TRUE;
          p += 2;

          if (*p == '[')
            {
              if (!(p = parse_bracket (steps, p, TRUE, error)) || !check_after_bracket (p, error))
                return NULL;
              continue;
            }

          end = parse_name (p);
          if (end == p || (end == p + 1 && *p == '*'))
            {
              fail (error, "“..” must be followed by a member name, such as “..token”");
              return NULL;
            }
          add_step (steps, STEP_DESCENT, p, end - p, 0);
          p = end;
        }
      else if (p[0] == '.')
        {
          const char *end = parse_name (++p);

          if (end == p)
            {
              fail (error, "Missing member name or wildcard after . character");
              return NULL;
            }

          if (end == p + 1 && *p == '*')
            add_step (steps, STEP_WILDCARD, NULL, 0, 0);
          else
            add_step (steps, STEP_MEMBER, p, end - p, 0);
          p = end;
        }
      else
        {
          /* A name runs up to the next "." or "[", so only "[" is left. */
          g_assert (p[0] == '[');
          if (!(p = parse_bracket (steps, p, FALSE, error)) || !check_after_bracket (p, error))
            return NULL;
        }
    }

  path = g_new0 (AuthflowJsonPath, 1);
  path->steps = g_steal_pointer (&steps);

  return path;
}

static JsonNode *walk_from (Walk     *walk,
                            guint     i,
                            JsonNode *node,
                            guint     depth);

/* The first match of "..name" (step @i) at or under @node, in the order of
 * the answer, that the steps after it also match.
 */
static JsonNode *
descend (Walk     *walk,
         guint     i,
         JsonNode *node,
         guint     depth)
{
  const char *name = walk->steps[i].name;
  JsonNode *found;

  if (++walk->visits > MAX_VISITS || depth > 2 * AUTHFLOW_JSON_MAX_DEPTH)
    return NULL;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *member_name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, json_node_get_object (node));
      while (json_object_iter_next_ordered (&iter, &member_name, &member))
        {
          if (g_str_equal (member_name, name) && (found = walk_from (walk, i + 1, member, depth + 1)))
            return found;
          if ((found = descend (walk, i, member, depth + 1)))
            return found;
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint k = 0; k < json_array_get_length (array); k++)
        if ((found = descend (walk, i, json_array_get_element (array, k), depth + 1)))
          return found;
    }

  return NULL;
}

/* The first value that the steps from @i on find at @node. */
static JsonNode *
walk_from (Walk     *walk,
           guint     i,
           JsonNode *node,
           guint     depth)
{
  const Step *step;
  JsonNode *found;

  if (++walk->visits > MAX_VISITS || depth > 2 * AUTHFLOW_JSON_MAX_DEPTH)
    return NULL;

  if (i == walk->n_steps)
    return node;

  step = &walk->steps[i];
  switch (step->kind)
    {
    case STEP_MEMBER:
      if (JSON_NODE_HOLDS_OBJECT (node) &&
          (found = json_object_get_member (json_node_get_object (node), step->name)))
        return walk_from (walk, i + 1, found, depth + 1);
      return NULL;

    case STEP_INDEX:
      if (JSON_NODE_HOLDS_ARRAY (node) && step->index < json_array_get_length (json_node_get_array (node)))
        return walk_from (walk, i + 1, json_array_get_element (json_node_get_array (node), step->index),
                          depth + 1);
      return NULL;

    case STEP_WILDCARD:
      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObjectIter iter;
          const char *name;
          JsonNode *member;

          /* json-glib 1.6 writes the name at the end whether it is asked
           * for or not: it must have somewhere to go.
           */
          json_object_iter_init_ordered (&iter, json_node_get_object (node));
          while (json_object_iter_next_ordered (&iter, &name, &member))
            if ((found = walk_from (walk, i + 1, member, depth + 1)))
              return found;
        }
      else if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);

          for (guint k = 0; k < json_array_get_length (array); k++)
            if ((found = walk_from (walk, i + 1, json_array_get_element (array, k), depth + 1)))
              return found;
        }
      return NULL;

    case STEP_DESCENT:
      return descend (walk, i, node, depth);

    default:
      g_assert_not_reached ();
    }
}

/**
 * authflow_json_path_first:
 * @path: a path
 * @root: (nullable): an answer
 *
 * Returns: (transfer none) (nullable): the first value that @path finds in
 *   @root, in the order of the answer; %NULL when it finds none
 */
JsonNode *
authflow_json_path_first (AuthflowJsonPath *path,
                          JsonNode         *root)
{
  Walk walk;
  JsonNode *found;

  g_return_val_if_fail (path != NULL, NULL);

  if (root == NULL)
    return NULL;

  walk.steps = (const Step *) (gpointer) path->steps->data;
  walk.n_steps = path->steps->len;
  walk.visits = 0;

  found = walk_from (&walk, 0, root, 0);
  if (found == NULL && walk.visits > MAX_VISITS)
    g_debug ("A JSON path gave up after looking at %u values of the answer", MAX_VISITS);

  return found;
}

/**
 * authflow_json_path_dup_first:
 * @expression: (nullable): a path
 * @root: (nullable): an answer
 *
 * authflow_json_path_first() for a path that was checked before, as a
 * profile's paths were when it loaded.
 *
 * Returns: (transfer full) (nullable): a copy of the first value found, or
 *   %NULL; also for a path that is not one
 */
JsonNode *
authflow_json_path_dup_first (const char *expression,
                              JsonNode   *root)
{
  g_autoptr(AuthflowJsonPath) path = NULL;
  JsonNode *found;

  if (expression == NULL || root == NULL)
    return NULL;

  if (!(path = authflow_json_path_new (expression, NULL)))
    return NULL;

  found = authflow_json_path_first (path, root);

  return found != NULL ? json_node_copy (found) : NULL;
}
