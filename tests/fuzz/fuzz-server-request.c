// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzzes what the reference server does with a request before it touches
// the database: the body is parsed into a JSON object by the server's own
// authflow_server_parse_json_body() (whatever it accepts must be valid text
// no deeper than its limit) and validated as a sign-up and as a
// PATCH of /auth/me, and the same bytes are verified as an access token
// with a fixed secret. No HTTP: the functions are called directly.

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "authflow-server.h"
#include "authflow-server-json.h"
#include "authflow-server-jwt.h"
#include "authflow-server-user.h"

int LLVMFuzzerInitialize    (int            *argc,
                             char         ***argv);
int LLVMFuzzerTestOneInput  (const uint8_t  *data,
                             size_t          size);

/* The seed tokens in corpus/fuzz-server-request/ are signed with this, so
 * that the fuzzer starts past the signature check. */
#define FUZZ_SECRET "authflow-fuzz-secret-0123456789a"
G_STATIC_ASSERT (sizeof FUZZ_SECRET - 1 == AUTHFLOW_SERVER_JWT_SECRET_SIZE);

/* Between the seed tokens' iat and exp, so that they verify. */
#define FUZZ_NOW G_GINT64_CONSTANT (1700000000)

/* A critical is a broken precondition, which is a bug whatever the input.
 * It aborts rather than trapping as G_DEBUG=fatal-criticals would, since
 * libFuzzer saves the input on SIGABRT but not on SIGTRAP. */
static void
log_cb (const char     *log_domain,
        GLogLevelFlags  log_level,
        const char     *message,
        gpointer        user_data)
{
  g_log_default_handler (log_domain, log_level, message, user_data);
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    abort ();
}

static GBytes *secret;
static AuthflowServerUser *stored_user;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_default_handler (log_cb, NULL);

  secret = g_bytes_new_static (FUZZ_SECRET, AUTHFLOW_SERVER_JWT_SECRET_SIZE);

  stored_user = authflow_server_user_new ();
  stored_user->id = 1;
  g_free (stored_user->username);
  stored_user->username = g_strdup ("emilys");
  g_free (stored_user->email);
  stored_user->email = g_strdup ("emily@example.com");
  g_free (stored_user->first_name);
  stored_user->first_name = g_strdup ("Emily");
  g_free (stored_user->last_name);
  stored_user->last_name = g_strdup ("Johnson");

  return 0;
}

/* The answer the server would send for @user. */
static void
serialize_user (const AuthflowServerUser *user)
{
  g_autoptr(JsonBuilder) builder = authflow_server_user_to_builder (user);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  /* The builder comes back inside the open object. */
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  g_assert_nonnull (text);
}

/* What the parser hands over is text: every string and member name valid
 * UTF-8 (a lone surrogate escape must not get through as CESU bytes), and
 * no deeper than the check allows. */
static void
assert_text (JsonNode *node,
             guint     depth)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      g_assert_cmpuint (depth, <=, AUTHFLOW_SERVER_JSON_MAX_DEPTH);
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        {
          g_assert_true (g_utf8_validate (name, -1, NULL));
          assert_text (member, depth + 1);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      g_assert_cmpuint (depth, <=, AUTHFLOW_SERVER_JSON_MAX_DEPTH);
      for (guint i = 0; i < json_array_get_length (array); i++)
        assert_text (json_array_get_element (array, i), depth + 1);
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_assert_true (g_utf8_validate (json_node_get_string (node), -1, NULL));
    }
}

static void
fuzz_body (const uint8_t *data,
           size_t         size)
{
  g_autoptr(JsonObject) body = authflow_server_parse_json_body ((const char *) data, size);
  g_autoptr(AuthflowServerUser) user = NULL;
  g_autoptr(AuthflowServerUser) updated = NULL;
  g_autofree char *password = NULL;
  const char *field = NULL;
  const char *message = NULL;

  if (body == NULL)
    return;

  {
    g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), body);

    assert_text (root, 1);
  }

  if (authflow_server_user_from_signup (body, &user, &password, &field, &message))
    {
      g_assert_nonnull (user);
      g_assert_nonnull (password);
      g_assert_true (authflow_server_username_is_valid (user->username));
      serialize_user (user);
    }
  else
    {
      g_assert_nonnull (message);
    }

  field = message = NULL;
  updated = authflow_server_user_copy (stored_user);
  if (authflow_server_user_apply_patch (updated, body, &field, &message))
    serialize_user (updated);
  else
    g_assert_nonnull (message);
}

static void
fuzz_token (const uint8_t *data,
            size_t         size)
{
  g_autofree char *token = g_strndup ((const char *) data, size);
  g_autoptr(AuthflowServerJwtClaims) claims = NULL;
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(GError) error = NULL;

  claims = authflow_server_jwt_decode (secret, token, FUZZ_NOW, &error);
  g_assert ((claims == NULL) != (error == NULL));
  if (claims != NULL)
    {
      g_assert_nonnull (claims->username);
      g_assert_nonnull (claims->jti);
      g_assert_true (claims->sid == NULL || g_utf8_validate (claims->sid, -1, NULL));
      g_assert_cmpint (claims->exp, >, FUZZ_NOW);
    }

  decoded = authflow_server_base64url_decode (token, -1);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  fuzz_body (data, size);
  fuzz_token (data, size);

  return 0;
}
