// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>

#include "authflow-test-standin.h"

/* What the core tests' stand-in backends share: a SoupServer on a free
 * loopback port, JSON answers, and dummyjson.com as it answers (its login,
 * me and refresh, its jsonwebtoken HS256 tokens and their errors), for the
 * tests that cannot reach the real one.
 */

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

JsonObject *
authflow_test_parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (text == NULL || text[0] == '\0')
    return NULL;

  if (!json_parser_load_from_data (parser, text, -1, &error))
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

void
authflow_test_respond (SoupServerMessage *msg,
                       guint              status,
                       JsonObject        *answer)
{
  g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), answer);
  char *text = json_to_string (root, FALSE);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, strlen (text));
}

/* dummyjson.com's (and the reference server's) error: {"message": "…"}. */
void
authflow_test_respond_message (SoupServerMessage *msg,
                               guint              status,
                               const char        *message)
{
  g_autoptr(JsonObject) answer = json_object_new ();

  json_object_set_string_member (answer, "message", message);
  authflow_test_respond (msg, status, answer);
}

char *
authflow_test_listen_local (SoupServer *server)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  char *url;

  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  if (g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';

  return url;
}

/* Emily as dummyjson.com's users.json has her, abridged. Its /auth/me
 * answers the whole record, password included.
 */
#define EMILY_RECORD \
  "{\"id\": 1, \"firstName\": \"Emily\", \"lastName\": \"Johnson\", \"maidenName\": \"Smith\"," \
  " \"age\": 28, \"gender\": \"female\", \"email\": \"emily.johnson@x.dummyjson.com\"," \
  " \"phone\": \"+81 965-431-3024\", \"username\": \"emilys\", \"password\": \"emilyspass\"," \
  " \"birthDate\": \"1996-5-30\", \"image\": \"https://dummyjson.com/icon/emilys/128\"," \
  " \"role\": \"admin\"}"

/* dummyjson.com: Express with jsonwebtoken. Its tokens are HS256 JWTs of
 * the user's id, username, email, names, gender and image; a token that
 * does not verify makes the error middleware answer with jsonwebtoken's
 * own message, as a 500 unless it maps it to a 401.
 */

char *
authflow_test_base64url_encode (const guchar *data,
                                gsize         len)
{
  g_autofree char *b64 = g_base64_encode (data, len);
  GString *out = g_string_new (NULL);

  for (const char *p = b64; *p != '\0'; p++)
    {
      if (*p == '+')
        g_string_append_c (out, '-');
      else if (*p == '/')
        g_string_append_c (out, '_');
      else if (*p != '=')
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

char *
authflow_test_base64url_decode (const char *text)
{
  GString *b64 = g_string_new (NULL);
  g_autofree guchar *data = NULL;
  gsize len;

  for (const char *p = text; *p != '\0'; p++)
    g_string_append_c (b64, *p == '-' ? '+' : *p == '_' ? '/' : *p);
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');

  data = g_base64_decode (b64->str, &len);
  g_string_free (b64, TRUE);

  return g_strndup ((const char *) data, len);
}

char *
authflow_test_hs256 (const char *secret,
                     const char *signing_input)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  guint8 digest[32];
  gsize len = sizeof digest;

  g_hmac_update (hmac, (const guchar *) signing_input, -1);
  g_hmac_get_digest (hmac, digest, &len);

  return authflow_test_base64url_encode (digest, len);
}

/* jsonwebtoken's sign (payload, secret, { expiresIn }). */
static char *
dummyjson_sign (AuthflowTestDummyjson *d,
                guint                  ttl,
                gint64                *exp)
{
  static const char * const payload_members[] = {
    "id", "username", "email", "firstName", "lastName", "gender", "image", NULL
  };
  static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  g_autoptr(JsonObject) record = authflow_test_parse_object (EMILY_RECORD);
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *claims_text = NULL;
  g_autofree char *header_b64 = NULL;
  g_autofree char *claims_b64 = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *signature = NULL;
  gint64 iat = now_seconds ();

  for (guint i = 0; payload_members[i] != NULL; i++)
    json_object_set_member (claims, payload_members[i],
                            json_node_copy (json_object_get_member (record, payload_members[i])));
  json_object_set_int_member (claims, "iat", iat);
  json_object_set_int_member (claims, "exp", iat + ttl);
  *exp = iat + ttl;

  root = json_node_init_object (json_node_alloc (), claims);
  claims_text = json_to_string (root, FALSE);
  header_b64 = authflow_test_base64url_encode ((const guchar *) header, strlen (header));
  claims_b64 = authflow_test_base64url_encode ((const guchar *) claims_text, strlen (claims_text));
  signing_input = g_strconcat (header_b64, ".", claims_b64, NULL);
  signature = authflow_test_hs256 (d->secret, signing_input);

  return g_strconcat (signing_input, ".", signature, NULL);
}

/* jsonwebtoken's verify: the error messages are its own. */
static const char *
dummyjson_verify (AuthflowTestDummyjson *d,
                  const char            *token)
{
  g_auto(GStrv) parts = g_strsplit (token, ".", -1);
  g_autofree char *signing_input = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *claims_text = NULL;
  g_autoptr(JsonObject) claims = NULL;

  if (g_strv_length (parts) != 3)
    return "jwt malformed";

  signing_input = g_strconcat (parts[0], ".", parts[1], NULL);
  signature = authflow_test_hs256 (d->secret, signing_input);
  if (!g_str_equal (signature, parts[2]))
    return "invalid signature";

  claims_text = authflow_test_base64url_decode (parts[1]);
  if (!(claims = authflow_test_parse_object (claims_text)) || !json_object_has_member (claims, "exp"))
    return "invalid token";

  if (now_seconds () >= json_object_get_int_member (claims, "exp"))
    return "jwt expired";

  return NULL;
}

static void
dummyjson_tokens (AuthflowTestDummyjson *d,
                  JsonObject            *answer)
{
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  gint64 exp, refresh_exp;

  access_token = dummyjson_sign (d, d->access_ttl, &exp);
  refresh_token = dummyjson_sign (d, d->refresh_ttl, &refresh_exp);
  json_object_set_string_member (answer, "accessToken", access_token);
  json_object_set_string_member (answer, "refreshToken", refresh_token);
  g_free (d->access_token);
  d->access_token = g_strdup (access_token);
  g_free (d->refresh_token);
  d->refresh_token = g_strdup (refresh_token);
  d->exp = exp;
}

static void
dummyjson_login (AuthflowTestDummyjson *d,
                 SoupServerMessage     *msg)
{
  static const char * const payload_members[] = {
    "id", "username", "email", "firstName", "lastName", "gender", "image", NULL
  };
  g_autoptr(JsonObject) body = authflow_test_parse_object (d->body);
  g_autoptr(JsonObject) record = authflow_test_parse_object (EMILY_RECORD);
  g_autoptr(JsonObject) answer = json_object_new ();
  const char *username = NULL;
  const char *password = NULL;

  if (body != NULL)
    {
      username = json_object_get_string_member_with_default (body, "username", NULL);
      password = json_object_get_string_member_with_default (body, "password", NULL);
    }

  if (username == NULL || username[0] == '\0' || password == NULL || password[0] == '\0')
    {
      authflow_test_respond_message (msg, SOUP_STATUS_BAD_REQUEST, "Username and password required");
      return;
    }

  if (g_ascii_strcasecmp (username, "emilys") != 0 || !g_str_equal (password, "emilyspass"))
    {
      authflow_test_respond_message (msg, SOUP_STATUS_BAD_REQUEST, "Invalid credentials");
      return;
    }

  dummyjson_tokens (d, answer);
  for (guint i = 0; payload_members[i] != NULL; i++)
    json_object_set_member (answer, payload_members[i],
                            json_node_copy (json_object_get_member (record, payload_members[i])));
  authflow_test_respond (msg, SOUP_STATUS_OK, answer);
}

static void
dummyjson_me (AuthflowTestDummyjson *d,
              SoupServerMessage     *msg)
{
  g_autoptr(JsonObject) record = authflow_test_parse_object (EMILY_RECORD);
  g_autofree char *token = NULL;
  const char *problem;

  if (d->authorization == NULL)
    {
      authflow_test_respond_message (msg, SOUP_STATUS_UNAUTHORIZED, "Access Token is required");
      return;
    }

  /* authorization.replace ('Bearer ', '') */
  token = g_str_has_prefix (d->authorization, "Bearer ")
          ? g_strdup (d->authorization + strlen ("Bearer "))
          : g_strdup (d->authorization);

  if ((problem = dummyjson_verify (d, token)) == NULL)
    authflow_test_respond (msg, SOUP_STATUS_OK, record);
  else if (g_str_equal (problem, "jwt expired"))
    authflow_test_respond_message (msg, SOUP_STATUS_UNAUTHORIZED, "Token Expired!");
  else if (g_str_equal (problem, "jwt malformed"))
    authflow_test_respond_message (msg, SOUP_STATUS_UNAUTHORIZED, "Invalid/Expired Token!");
  else
    authflow_test_respond_message (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, problem);
}

static void
dummyjson_refresh (AuthflowTestDummyjson *d,
                   SoupServerMessage     *msg)
{
  g_autoptr(JsonObject) body = authflow_test_parse_object (d->body);
  g_autoptr(JsonObject) answer = json_object_new ();
  const char *refresh_token = NULL;

  if (body != NULL)
    refresh_token = json_object_get_string_member_with_default (body, "refreshToken", NULL);

  if (refresh_token == NULL || refresh_token[0] == '\0')
    {
      authflow_test_respond_message (msg, SOUP_STATUS_UNAUTHORIZED, "Refresh token required");
      return;
    }

  /* Whatever jsonwebtoken objects to, expiry included. */
  if (dummyjson_verify (d, refresh_token) != NULL)
    {
      authflow_test_respond_message (msg, SOUP_STATUS_FORBIDDEN, "Invalid refresh token");
      return;
    }

  /* New tokens only, no user. */
  dummyjson_tokens (d, answer);
  authflow_test_respond (msg, SOUP_STATUS_OK, answer);
}

/**
 * authflow_test_dummyjson_answer:
 * @body: (nullable): the request's body
 * @authorization: (nullable): its Authorization header
 *
 * Answers @msg as dummyjson.com answers @method @path; the tokens it
 * issues, if it does, are left in @d.
 */
void
authflow_test_dummyjson_answer (AuthflowTestDummyjson *d,
                                SoupServerMessage     *msg,
                                const char            *method,
                                const char            *path,
                                const char            *body,
                                const char            *authorization)
{
  d->body = body;
  d->authorization = authorization;

  if (g_str_equal (method, "POST") && g_str_equal (path, "/auth/login"))
    dummyjson_login (d, msg);
  else if (g_str_equal (method, "GET") && g_str_equal (path, "/auth/me"))
    dummyjson_me (d, msg);
  else if (g_str_equal (method, "POST") && g_str_equal (path, "/auth/refresh"))
    dummyjson_refresh (d, msg);
  else
    authflow_test_respond_message (msg, SOUP_STATUS_NOT_FOUND, "Not found");

  d->body = NULL;
  d->authorization = NULL;
}

/**
 * authflow_test_dummyjson_clear:
 *
 * Frees what @d holds: the secret and the tokens it issued last.
 */
void
authflow_test_dummyjson_clear (AuthflowTestDummyjson *d)
{
  g_clear_pointer (&d->secret, g_free);
  g_clear_pointer (&d->access_token, g_free);
  g_clear_pointer (&d->refresh_token, g_free);
}
