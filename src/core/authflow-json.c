// SPDX-License-Identifier: GPL-3.0-or-later
//
// The one way Authflow reads JSON: server answers, stored sessions,
// profiles and JWT segments all pass through authflow_json_parse(), which
// refuses a text nested too deep before json-glib's recursive parser sees it.

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "authflow-json.h"

G_DEFINE_QUARK (authflow-json-error-quark, authflow_json_error)

/**
 * authflow_json_check_depth:
 * @data: (array length=len): JSON text
 * @len: its length, or -1 when it ends with a NUL
 * @max_depth: how many arrays and objects may be open at once
 *
 * Counts the nesting of @data without recursing, so that any length of
 * brackets is safe to look at. It reads strings and comments as json-glib
 * 1.6 does (double-quoted strings with backslash escapes, single-quoted
 * ones without, C comments), so that no bracket that json-glib would nest
 * goes uncounted. Counting one it would not, in a text it refuses anyway,
 * only ever refuses more.
 *
 * Returns: %FALSE with %AUTHFLOW_JSON_ERROR_TOO_DEEP when @data opens more
 *   than @max_depth arrays and objects at once
 */
gboolean
authflow_json_check_depth (const char  *data,
                           gssize       len,
                           guint        max_depth,
                           GError     **error)
{
  const char *p;
  const char *end;
  guint depth = 0;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (len < 0)
    len = strlen (data);

  for (p = data, end = data + len; p < end; p++)
    {
      switch (*p)
        {
        case '"':
          /* Up to the closing quote; a backslash escapes the next byte. */
          for (p++; p < end && *p != '"'; p++)
            if (*p == '\\')
              p++;
          break;

        case '\'':
          /* json-glib also takes single-quoted strings, in which a
           * backslash is just a backslash.
           */
          for (p++; p < end && *p != '\''; p++)
            ;
          break;

        case '/':
          /* json-glib skips C comments, and fails at any other slash. */
          if (p + 1 < end && p[1] == '*')
            {
              for (p += 2; p + 1 < end && !(p[0] == '*' && p[1] == '/'); p++)
                ;
              p++;
            }
          break;

        case '[':
        case '{':
          if (++depth > max_depth)
            {
              g_set_error (error, AUTHFLOW_JSON_ERROR, AUTHFLOW_JSON_ERROR_TOO_DEEP,
                           _("nested more than %u levels deep"), max_depth);
              return FALSE;
            }
          break;

        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;

        default:
          break;
        }
    }

  return TRUE;
}

/**
 * authflow_json_parse:
 * @data: (array length=len): JSON text
 * @len: its length, or -1 when it ends with a NUL
 *
 * Parses @data after checking its nesting against %AUTHFLOW_JSON_MAX_DEPTH.
 *
 * Returns: (transfer full) (nullable): the root node, or %NULL with @error
 *   set: %AUTHFLOW_JSON_ERROR_EMPTY for a text without a value (empty or
 *   blank), %AUTHFLOW_JSON_ERROR_TOO_DEEP, or %AUTHFLOW_JSON_ERROR_INVALID
 *   with json-glib's words
 */
JsonNode *
authflow_json_parse (const char  *data,
                     gssize       len,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len < 0)
    len = strlen (data);

  if (len == 0)
    {
      g_set_error_literal (error, AUTHFLOW_JSON_ERROR, AUTHFLOW_JSON_ERROR_EMPTY,
                           _("empty"));
      return NULL;
    }

  if (!authflow_json_check_depth (data, len, AUTHFLOW_JSON_MAX_DEPTH, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, len, &local_error))
    {
      g_set_error_literal (error, AUTHFLOW_JSON_ERROR, AUTHFLOW_JSON_ERROR_INVALID,
                           local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, AUTHFLOW_JSON_ERROR, AUTHFLOW_JSON_ERROR_EMPTY,
                           _("empty"));
      return NULL;
    }

  return json_node_ref (root);
}
