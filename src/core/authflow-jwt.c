// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-jwt"

#include "config.h"

#include <string.h>

#include "authflow-json.h"
#include "authflow-jwt.h"

/* The client reads a JWT's claims only to learn when it expires and whose it
 * is. It cannot check the signature (only the server knows the key) and does
 * not need to: the server checks every token it is sent.
 */

G_DEFINE_QUARK (authflow-jwt-error-quark, authflow_jwt_error)

static GBytes *
base64url_decode (const char *text,
                  gsize       len)
{
  g_autoptr(GString) b64 = g_string_sized_new (len + 3);
  guchar *data;
  gsize out_len = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '-')
        c = '+';
      else if (c == '_')
        c = '/';
      else if (!g_ascii_isalnum (c))
        return NULL;

      g_string_append_c (b64, c);
    }

  if (b64->len % 4 == 1)
    return NULL;

  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');

  data = g_base64_decode (b64->str, &out_len);

  return g_bytes_new_take (data, out_len);
}

static JsonObject *
decode_json_segment (const char  *segment,
                     gsize        len,
                     GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  gconstpointer data;
  gsize size;

  if (len == 0 || (bytes = base64url_decode (segment, len)) == NULL)
    {
      g_set_error_literal (error, AUTHFLOW_JWT_ERROR, AUTHFLOW_JWT_ERROR_MALFORMED,
                           "The token is not base64url");
      return NULL;
    }

  data = g_bytes_get_data (bytes, &size);
  if (size == 0 || memchr (data, '\0', size) != NULL ||
      !g_utf8_validate_len (data, size, NULL))
    {
      g_set_error_literal (error, AUTHFLOW_JWT_ERROR, AUTHFLOW_JWT_ERROR_MALFORMED,
                           "The token does not hold text");
      return NULL;
    }

  root = authflow_json_parse (data, size, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, AUTHFLOW_JWT_ERROR, AUTHFLOW_JWT_ERROR_MALFORMED,
                           "The token does not hold a JSON object");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

/* Both JSON segments of @token; the signature is not checked, since only
 * the server holds the key.
 */
static JsonObject *
decode (const char  *token,
        JsonObject **header,
        GError     **error)
{
  const char *dot1;
  const char *dot2;

  if (token == NULL ||
      (dot1 = strchr (token, '.')) == NULL ||
      (dot2 = strchr (dot1 + 1, '.')) == NULL ||
      strchr (dot2 + 1, '.') != NULL)
    {
      g_set_error_literal (error, AUTHFLOW_JWT_ERROR, AUTHFLOW_JWT_ERROR_MALFORMED,
                           "The token is not a JWT");
      return NULL;
    }

  if (!(*header = decode_json_segment (token, dot1 - token, error)))
    return NULL;

  return decode_json_segment (dot1 + 1, dot2 - dot1 - 1, error);
}

/**
 * authflow_jwt_decode_claims:
 * @token: a JWT in compact form (`header.payload.signature`)
 *
 * Returns: (transfer full): the claims object, or %NULL with @error set if
 *   @token is not a well-formed JWT
 */
JsonObject *
authflow_jwt_decode_claims (const char  *token,
                            GError     **error)
{
  g_autoptr(JsonObject) header = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return decode (token, &header, error);
}

/**
 * authflow_jwt_decode_header:
 * @token: a JWT in compact form
 *
 * Returns: (transfer full): the header object (`alg`, `typ`, …), or %NULL
 *   with @error set if @token is not a well-formed JWT
 */
JsonObject *
authflow_jwt_decode_header (const char  *token,
                            GError     **error)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(claims = decode (token, &header, error)))
    return NULL;

  return g_steal_pointer (&header);
}

/**
 * authflow_jwt_get_expiry:
 * @token: a JWT in compact form
 *
 * Returns: (transfer full): the time of the token's `exp` claim, in UTC, or
 *   %NULL with @error set
 */
GDateTime *
authflow_jwt_get_expiry (const char  *token,
                         GError     **error)
{
  g_autoptr(JsonObject) claims = NULL;
  JsonNode *exp;
  double seconds;

  if (!(claims = authflow_jwt_decode_claims (token, error)))
    return NULL;

  exp = json_object_get_member (claims, "exp");
  if (exp == NULL || !JSON_NODE_HOLDS_VALUE (exp) ||
      (json_node_get_value_type (exp) != G_TYPE_INT64 &&
       json_node_get_value_type (exp) != G_TYPE_DOUBLE))
    {
      g_set_error_literal (error, AUTHFLOW_JWT_ERROR, AUTHFLOW_JWT_ERROR_NO_EXPIRY,
                           "The token has no numeric “exp” claim");
      return NULL;
    }

  /* Year 9999 is as far as GDateTime goes; a hostile token must not make the
   * cast below overflow.
   */
  seconds = json_node_get_double (exp);
  if (!(seconds >= 0 && seconds <= 253402300799.0))
    {
      g_set_error_literal (error, AUTHFLOW_JWT_ERROR, AUTHFLOW_JWT_ERROR_NO_EXPIRY,
                           "The token's “exp” claim is out of range");
      return NULL;
    }

  return g_date_time_new_from_unix_utc ((gint64) seconds);
}
