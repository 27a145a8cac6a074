// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <sodium.h>

#include "authflow-server-json.h"
#include "authflow-server-jwt.h"
#include "authflow-server-refresh-token.h"

/* A header and claims of ours fit in a few hundred bytes; anything much
 * longer is not one of our tokens and is not worth parsing. */
#define MAX_TOKEN_LENGTH 4096

G_DEFINE_QUARK (authflow-server-jwt-error-quark, authflow_server_jwt_error)

G_STATIC_ASSERT (AUTHFLOW_SERVER_JWT_SECRET_SIZE == crypto_auth_hmacsha256_KEYBYTES);

char *
authflow_server_base64url_encode (const guint8 *data,
                                  gsize         len)
{
  gsize size = sodium_base64_ENCODED_LEN (len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *text = g_malloc (size);

  sodium_bin2base64 (text, size, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);

  return text;
}

/* Strict: only the URL-safe alphabet, no padding, no stray bits. */
GBytes *
authflow_server_base64url_decode (const char *text,
                                  gssize      len)
{
  g_autofree guint8 *data = NULL;
  const char *end = NULL;
  size_t data_len = 0;
  gsize max_len;

  g_return_val_if_fail (text != NULL, NULL);

  if (len < 0)
    len = strlen (text);

  max_len = len / 4 * 3 + 3;
  data = g_malloc (max_len);

  if (sodium_base642bin (data, max_len, text, len, NULL, &data_len, &end,
                         sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text + len)
    return NULL;

  return g_bytes_new_take (g_steal_pointer (&data), data_len);
}

static void
sign (GBytes     *secret,
      const char *input,
      gsize       input_len,
      guint8      mac[crypto_auth_hmacsha256_BYTES])
{
  gsize secret_len;
  const guint8 *key = g_bytes_get_data (secret, &secret_len);

  g_assert (secret_len == crypto_auth_hmacsha256_KEYBYTES);

  crypto_auth_hmacsha256 (mac, (const guint8 *) input, input_len, key);
}

static const char jwt_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/* The header of every token this server issues, as it is in the token. */
static const char *
get_own_header64 (void)
{
  static const char *header64;

  if (g_once_init_enter (&header64))
    g_once_init_leave (&header64, authflow_server_base64url_encode ((const guint8 *) jwt_header,
                                                                     strlen (jwt_header)));

  return header64;
}

/* @sid names the session, so that ending the session ends the token too:
 * every authenticated call checks that the session is still live. */
char *
authflow_server_jwt_encode (GBytes     *secret,
                            gint64      id,
                            const char *username,
                            const char *sid,
                            gint64      iat,
                            gint64      exp)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *sub = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  g_autofree char *jti = authflow_server_random_id ();
  g_autofree char *payload = NULL;
  g_autofree char *payload64 = NULL;
  g_autofree char *input = NULL;
  g_autofree char *mac64 = NULL;
  guint8 mac[crypto_auth_hmacsha256_BYTES];

  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (sid != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sub");
  json_builder_add_string_value (builder, sub);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, id);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "iat");
  json_builder_add_int_value (builder, iat);
  json_builder_set_member_name (builder, "exp");
  json_builder_add_int_value (builder, exp);
  json_builder_set_member_name (builder, "jti");
  json_builder_add_string_value (builder, jti);
  json_builder_set_member_name (builder, "sid");
  json_builder_add_string_value (builder, sid);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  payload = json_generator_to_data (generator, NULL);

  payload64 = authflow_server_base64url_encode ((const guint8 *) payload, strlen (payload));
  input = g_strconcat (get_own_header64 (), ".", payload64, NULL);

  sign (secret, input, strlen (input), mac);
  mac64 = authflow_server_base64url_encode (mac, sizeof mac);

  return g_strconcat (input, ".", mac64, NULL);
}

void
authflow_server_jwt_claims_free (AuthflowServerJwtClaims *claims)
{
  if (claims == NULL)
    return;

  g_free (claims->username);
  g_free (claims->jti);
  g_free (claims->sid);
  g_free (claims);
}

AuthflowServerJwtClaims *
authflow_server_jwt_claims_copy (const AuthflowServerJwtClaims *claims)
{
  AuthflowServerJwtClaims *copy;

  g_return_val_if_fail (claims != NULL, NULL);

  copy = g_new0 (AuthflowServerJwtClaims, 1);
  copy->id = claims->id;
  copy->username = g_strdup (claims->username);
  copy->iat = claims->iat;
  copy->exp = claims->exp;
  copy->jti = g_strdup (claims->jti);
  copy->sid = g_strdup (claims->sid);

  return copy;
}

/* The header is read before the signature is checked, so both parts get
 * the same guard as a request body: no escaped NUL, no deep nesting. */
static JsonObject *
decode_json_object (const char *text,
                    gsize       len)
{
  g_autoptr(GBytes) bytes = authflow_server_base64url_decode (text, len);
  const char *data;
  gsize data_len;

  if (bytes == NULL)
    return NULL;

  data = g_bytes_get_data (bytes, &data_len);

  return authflow_server_json_parse_object (data, data_len, NULL);
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static gboolean
get_int (JsonObject *object,
         const char *name,
         gint64     *out_value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;

  *out_value = json_node_get_int (node);
  return TRUE;
}

static gpointer
invalid (GError **error)
{
  g_set_error_literal (error, AUTHFLOW_SERVER_JWT_ERROR, AUTHFLOW_SERVER_JWT_ERROR_INVALID,
                       "Invalid token");
  return NULL;
}

/* Only HS256 with our own secret is accepted: the algorithm is fixed here,
 * never taken from the token, so "none" or an RSA/HMAC confusion cannot
 * slip through. The signature is checked before any claim is believed. */
AuthflowServerJwtClaims *
authflow_server_jwt_decode (GBytes      *secret,
                            const char  *token,
                            gint64       now,
                            GError     **error)
{
  g_autoptr(AuthflowServerJwtClaims) claims = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autofree char *expected_sub = NULL;
  guint8 mac[crypto_auth_hmacsha256_BYTES];
  const char *first_dot;
  const char *second_dot;
  const char *alg;
  const char *typ;
  const char *sub;
  const char *username;
  const char *jti;
  const char *sid;
  gsize token_len;

  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (token != NULL, NULL);

  token_len = strlen (token);
  if (token_len == 0 || token_len > MAX_TOKEN_LENGTH)
    return invalid (error);

  first_dot = strchr (token, '.');
  if (first_dot == NULL)
    return invalid (error);
  second_dot = strchr (first_dot + 1, '.');
  if (second_dot == NULL || strchr (second_dot + 1, '.') != NULL)
    return invalid (error);

  /* Our own header, byte for byte, is the header of every token we issue,
   * and passes the checks below: it need not be decoded and parsed again
   * for every request. Any other is read as it comes. */
  if ((gsize) (first_dot - token) != strlen (get_own_header64 ()) ||
      memcmp (token, get_own_header64 (), first_dot - token) != 0)
    {
      header = decode_json_object (token, first_dot - token);
      if (header == NULL)
        return invalid (error);

      alg = get_string (header, "alg");
      typ = get_string (header, "typ");
      if (g_strcmp0 (alg, "HS256") != 0 ||
          (json_object_has_member (header, "typ") && g_strcmp0 (typ, "JWT") != 0) ||
          json_object_has_member (header, "crit"))
        return invalid (error);
    }

  signature = authflow_server_base64url_decode (second_dot + 1, -1);
  if (signature == NULL || g_bytes_get_size (signature) != sizeof mac)
    return invalid (error);

  sign (secret, token, second_dot - token, mac);
  if (sodium_memcmp (mac, g_bytes_get_data (signature, NULL), sizeof mac) != 0)
    return invalid (error);

  payload = decode_json_object (first_dot + 1, second_dot - first_dot - 1);
  if (payload == NULL)
    return invalid (error);

  claims = g_new0 (AuthflowServerJwtClaims, 1);
  sub = get_string (payload, "sub");
  username = get_string (payload, "username");
  jti = get_string (payload, "jti");
  sid = get_string (payload, "sid");
  /* A token without a sid is older than sessions in tokens; it decodes, and
   * the session check refuses it. One with a sid of another type is not
   * ours. */
  if (sub == NULL || username == NULL || jti == NULL ||
      (sid == NULL && json_object_has_member (payload, "sid")) ||
      !get_int (payload, "id", &claims->id) ||
      !get_int (payload, "iat", &claims->iat) ||
      !get_int (payload, "exp", &claims->exp))
    return invalid (error);

  expected_sub = g_strdup_printf ("%" G_GINT64_FORMAT, claims->id);
  if (g_strcmp0 (sub, expected_sub) != 0 || claims->id <= 0)
    return invalid (error);

  if (now >= claims->exp)
    {
      g_set_error_literal (error, AUTHFLOW_SERVER_JWT_ERROR, AUTHFLOW_SERVER_JWT_ERROR_EXPIRED,
                           "Token expired");
      return NULL;
    }

  claims->username = g_strdup (username);
  claims->jti = g_strdup (jti);
  claims->sid = g_strdup (sid);

  return g_steal_pointer (&claims);
}

/* Tokens that passed authflow_server_jwt_decode(), by their exact text, so
 * that a client that calls again with the same token is not decoded,
 * verified and parsed again each time: that was a fifth of the cost of a
 * GET /auth/me. Only what the token itself proves is kept: its expiry is
 * checked on every use, and whether its session is still live is the
 * caller's (the database's) to say, every time. */
struct _AuthflowServerJwtCache
{
  GHashTable *claims;
  GBytes     *secret;
  guint       max_tokens;
};

/**
 * authflow_server_jwt_cache_new:
 * @max_tokens: how many tokens to keep; when there are that many, all are
 *   dropped and the cache fills again
 *
 * Returns: (transfer full): an empty cache
 */
AuthflowServerJwtCache *
authflow_server_jwt_cache_new (guint max_tokens)
{
  AuthflowServerJwtCache *cache;

  g_return_val_if_fail (max_tokens > 0, NULL);

  cache = g_new0 (AuthflowServerJwtCache, 1);
  cache->claims = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) authflow_server_jwt_claims_free);
  cache->max_tokens = max_tokens;

  return cache;
}

void
authflow_server_jwt_cache_free (AuthflowServerJwtCache *cache)
{
  if (cache == NULL)
    return;

  g_hash_table_unref (cache->claims);
  g_clear_pointer (&cache->secret, g_bytes_unref);
  g_free (cache);
}

/**
 * authflow_server_jwt_cache_decode:
 * @cache: a cache
 * @secret: the token secret
 * @token: a token as presented
 * @now: the time, in seconds since the epoch
 * @error: return location for a #GError
 *
 * What authflow_server_jwt_decode() answers, for a token that it accepted
 * before from the cache, with the expiry checked against @now.
 *
 * Returns: (transfer full) (nullable): the claims
 */
AuthflowServerJwtClaims *
authflow_server_jwt_cache_decode (AuthflowServerJwtCache  *cache,
                                  GBytes                  *secret,
                                  const char              *token,
                                  gint64                   now,
                                  GError                 **error)
{
  AuthflowServerJwtClaims *claims;

  g_return_val_if_fail (cache != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (token != NULL, NULL);

  /* What a token proves holds only for the secret it was checked with. */
  if (cache->secret == NULL || !g_bytes_equal (cache->secret, secret))
    {
      g_hash_table_remove_all (cache->claims);
      g_clear_pointer (&cache->secret, g_bytes_unref);
      cache->secret = g_bytes_ref (secret);
    }

  claims = g_hash_table_lookup (cache->claims, token);
  if (claims != NULL)
    {
      if (now >= claims->exp)
        {
          g_hash_table_remove (cache->claims, token);
          g_set_error_literal (error, AUTHFLOW_SERVER_JWT_ERROR, AUTHFLOW_SERVER_JWT_ERROR_EXPIRED,
                               "Token expired");
          return NULL;
        }

      return authflow_server_jwt_claims_copy (claims);
    }

  claims = authflow_server_jwt_decode (secret, token, now, error);
  if (claims == NULL)
    return NULL;

  if (g_hash_table_size (cache->claims) >= cache->max_tokens)
    g_hash_table_remove_all (cache->claims);
  g_hash_table_insert (cache->claims, g_strdup (token), authflow_server_jwt_claims_copy (claims));

  return claims;
}
