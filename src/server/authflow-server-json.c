// SPDX-License-Identifier: GPL-3.0-or-later
//
// JSON from outside the server (request bodies, the parts of a presented
// token), checked before json-glib parses it. json-glib 1.6 is lenient where
// that hurts here: it ends a string at an escaped NUL, so that
// "emilyspass\u0000junk" reads as "emilyspass"; it turns a lone surrogate
// escape into bytes that are not UTF-8; it takes octal escapes, single-quoted
// strings and /* comments */, which could hide either from a scan that does
// not know them; and it recurses once per level of nesting, so that a deep
// enough text overflows the stack. The check below refuses all of that in
// one pass without recursion, and the parser only sees what it reads the way
// RFC 8259 means.

#include "config.h"

#include <string.h>

#include "authflow-server-json.h"

G_DEFINE_QUARK (authflow-server-json-error-quark, authflow_server_json_error)

static gboolean
invalid (GError     **error,
         const char  *reason)
{
  g_set_error (error, AUTHFLOW_SERVER_JSON_ERROR, AUTHFLOW_SERVER_JSON_ERROR_INVALID,
               "Not valid JSON: %s", reason);
  return FALSE;
}

/* Reads exactly four hex digits, of either case, at *@pos. */
static gboolean
read_hex4 (const char *data,
           gsize       len,
           gsize      *pos,
           guint      *out_unit)
{
  guint unit = 0;

  if (len - *pos < 4)
    return FALSE;

  for (guint i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (data[*pos + i]);

      if (digit < 0)
        return FALSE;
      unit = unit << 4 | (guint) digit;
    }

  *pos += 4;
  *out_unit = unit;
  return TRUE;
}

/* Scans a double-quoted string whose opening quote is just before *@pos,
 * and leaves *@pos after its closing quote. */
static gboolean
scan_string (const char  *data,
             gsize        len,
             gsize       *pos,
             GError     **error)
{
  gboolean want_low = FALSE;

  while (*pos < len)
    {
      char c = data[(*pos)++];
      guint unit;

      /* A high surrogate escape must be followed at once by a low one. */
      if (want_low && c != '\\')
        return invalid (error, "a lone surrogate escape in a string");

      if (c == '"')
        return TRUE;

      if (c != '\\')
        continue;

      if (*pos >= len)
        break;

      c = data[(*pos)++];
      if (c != 'u')
        {
          if (want_low)
            return invalid (error, "a lone surrogate escape in a string");
          /* Not octal, not \x, not \q: only what JSON has. */
          if (c == '\0' || strchr ("\"\\/bfnrt", c) == NULL)
            return invalid (error, "an unknown escape in a string");
          continue;
        }

      if (!read_hex4 (data, len, pos, &unit))
        return invalid (error, "a \\u escape without four hex digits");

      if (unit == 0)
        {
          g_set_error_literal (error, AUTHFLOW_SERVER_JSON_ERROR, AUTHFLOW_SERVER_JSON_ERROR_NUL,
                               "A string holds an escaped NUL (\\u0000)");
          return FALSE;
        }

      if (want_low)
        {
          if (unit < 0xDC00 || unit > 0xDFFF)
            return invalid (error, "a lone surrogate escape in a string");
          want_low = FALSE;
        }
      else if (unit >= 0xD800 && unit <= 0xDBFF)
        {
          want_low = TRUE;
        }
      else if (unit >= 0xDC00 && unit <= 0xDFFF)
        {
          return invalid (error, "a lone surrogate escape in a string");
        }
    }

  return invalid (error, "an unterminated string");
}

/**
 * authflow_server_json_check:
 * @data: (array length=len): JSON text
 * @max_depth: how many objects and arrays may be open at once
 * @error: return location for a #GError
 *
 * Refuses, without parsing it, a text that is not UTF-8 or holds a NUL byte;
 * a string (member names included) with an escaped NUL, a lone surrogate or
 * an escape that JSON does not have; single quotes or comments; and objects
 * and arrays nested deeper than @max_depth. What passes may still be
 * malformed in other ways, which the parser finds.
 *
 * Returns: whether json-glib may be given @data
 */
gboolean
authflow_server_json_check (const char  *data,
                            gsize        len,
                            guint        max_depth,
                            GError     **error)
{
  guint depth = 0;
  gsize pos = 0;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (len == 0)
    return invalid (error, "no text");

  if (memchr (data, '\0', len) != NULL)
    {
      g_set_error_literal (error, AUTHFLOW_SERVER_JSON_ERROR, AUTHFLOW_SERVER_JSON_ERROR_NUL,
                           "The text holds a NUL byte");
      return FALSE;
    }

  if (!g_utf8_validate (data, len, NULL))
    return invalid (error, "the text is not UTF-8");

  while (pos < len)
    {
      switch (data[pos++])
        {
        case '{':
        case '[':
          if (++depth > max_depth)
            {
              g_set_error (error, AUTHFLOW_SERVER_JSON_ERROR, AUTHFLOW_SERVER_JSON_ERROR_TOO_DEEP,
                           "Objects and arrays are nested deeper than %u levels", max_depth);
              return FALSE;
            }
          break;

        case '}':
        case ']':
          if (depth == 0)
            return invalid (error, "more closing brackets than opening ones");
          depth--;
          break;

        case '"':
          if (!scan_string (data, len, &pos, error))
            return FALSE;
          break;

        /* json-glib would read a single-quoted string or a comment here. */
        case '\'':
          return invalid (error, "a single-quoted string");

        case '/':
          return invalid (error, "a comment");

        default:
          break;
        }
    }

  return TRUE;
}

/**
 * authflow_server_json_parse_object:
 * @data: (array length=len): JSON text from outside
 * @error: return location for a #GError
 *
 * Checks @data with authflow_server_json_check() at
 * %AUTHFLOW_SERVER_JSON_MAX_DEPTH, then parses it.
 *
 * Returns: (transfer full) (nullable): the object, or %NULL if @data is
 *   refused or is not a JSON object
 */
JsonObject *
authflow_server_json_parse_object (const char  *data,
                                   gsize        len,
                                   GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;

  if (!authflow_server_json_check (data, len, AUTHFLOW_SERVER_JSON_MAX_DEPTH, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, len, error))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      invalid (error, "not an object");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}
