// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>
#include <sodium.h>

#include "authflow-server-jwt.h"
#include "authflow-server-refresh-token.h"

#define REFRESH_TOKEN_BYTES 32
#define RANDOM_ID_BYTES     16

G_STATIC_ASSERT (AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE >= crypto_generichash_BYTES_MIN);
G_STATIC_ASSERT (AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE <= crypto_generichash_BYTES_MAX);

char *
authflow_server_refresh_token_new (void)
{
  guint8 bytes[REFRESH_TOKEN_BYTES];
  char *token;

  randombytes_buf (bytes, sizeof bytes);
  token = authflow_server_base64url_encode (bytes, sizeof bytes);
  sodium_memzero (bytes, sizeof bytes);

  return token;
}

/* The token carries 256 random bits, so a fast unkeyed hash is enough to
 * make a stolen database useless for replaying it; no salt or stretching is
 * needed as it would be for a password. */
void
authflow_server_refresh_token_hash (const char *token,
                                    guint8      hash[AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE])
{
  g_return_if_fail (token != NULL);

  crypto_generichash (hash, AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE,
                      (const guint8 *) token, strlen (token), NULL, 0);
}

char *
authflow_server_random_id (void)
{
  guint8 bytes[RANDOM_ID_BYTES];

  randombytes_buf (bytes, sizeof bytes);

  return authflow_server_base64url_encode (bytes, sizeof bytes);
}
