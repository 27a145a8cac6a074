// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzzes the mapping of a backend's answer: whatever a server sends back is
// parsed as JSON and mapped with the built-in reference profile and with
// three test profiles of other shapes (one whose paths go into arrays), for
// each call each profile has, and read for an error message.

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "authflow-json.h"
#include "authflow-profile.h"

int LLVMFuzzerInitialize    (int            *argc,
                             char         ***argv);
int LLVMFuzzerTestOneInput  (const uint8_t  *data,
                             size_t          size);

/* Copies of tests/core/profiles/valid/oauth.json and nested.json, so that the
 * target runs from anywhere: an OAuth token answer with a lifetime in
 * seconds, and a token with a nested user and an ISO 8601 expiry. */
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

static const char oauth_profile[] =
  "{\n"
  "  \"id\": \"oauth2-password\",\n"
  "  \"name\": \"OAuth 2 password grant\",\n"
  "  \"base_url\": \"https://auth.example.com/realms/demo/\",\n"
  "  \"login_identifier\": \"username\",\n"
  "  \"calls\": {\n"
  "    \"login\": {\n"
  "      \"method\": \"POST\",\n"
  "      \"path\": \"/protocol/openid-connect/token\",\n"
  "      \"headers\": {\n"
  "        \"Accept\": \"application/json\"\n"
  "      },\n"
  "      \"body_type\": \"form\",\n"
  "      \"body\": {\n"
  "        \"grant_type\": \"password\",\n"
  "        \"client_id\": \"authflow\",\n"
  "        \"username\": \"{{username}}\",\n"
  "        \"password\": \"{{password}}\",\n"
  "        \"scope\": \"{{scope?}}\"\n"
  "      }\n"
  "    },\n"
  "    \"refresh\": {\n"
  "      \"method\": \"POST\",\n"
  "      \"path\": \"/protocol/openid-connect/token\",\n"
  "      \"body_type\": \"form\",\n"
  "      \"body\": {\n"
  "        \"grant_type\": \"refresh_token\",\n"
  "        \"client_id\": \"authflow\",\n"
  "        \"refresh_token\": \"{{refresh_token}}\"\n"
  "      }\n"
  "    }\n"
  "  },\n"
  "  \"answer\": {\n"
  "    \"access_token\": \"$.access_token\",\n"
  "    \"refresh_token\": \"$.refresh_token\",\n"
  "    \"expiry\": {\n"
  "      \"path\": \"$.expires_in\",\n"
  "      \"form\": \"seconds\"\n"
  "    },\n"
  "    \"user\": null,\n"
  "    \"error_message\": [\"$.error_description\", \"$.error\"]\n"
  "  }\n"
  "}\n";
static const char nested_profile[] =
  "{\n"
  "  \"id\": \"nested\",\n"
  "  \"name\": \"Token and nested user\",\n"
  "  \"base_url\": \"https://api.example.com\",\n"
  "  \"login_identifier\": \"email\",\n"
  "  \"calls\": {\n"
  "    \"login\": {\n"
  "      \"method\": \"POST\",\n"
  "      \"path\": \"/sessions\",\n"
  "      \"body\": {\n"
  "        \"email\": \"{{email}}\",\n"
  "        \"password\": \"{{password}}\"\n"
  "      }\n"
  "    }\n"
  "  },\n"
  "  \"answer\": {\n"
  "    \"access_token\": \"$.token\",\n"
  "    \"expiry\": {\n"
  "      \"path\": \"$.expires_at\",\n"
  "      \"form\": \"iso8601\"\n"
  "    },\n"
  "    \"uid\": \"$.user.id\",\n"
  "    \"user\": \"$.user\",\n"
  "    \"error_message\": \"$.errors[0].detail\"\n"
  "  }\n"
  "}\n";

/* A backend whose answers are lists, and whose paths index and search
 * them: each step of a path meets arrays of any length, or none. */
static const char array_profile[] =
  "{\n"
  "  \"id\": \"arrays\",\n"
  "  \"name\": \"Answers in arrays\",\n"
  "  \"base_url\": \"https://api.example.com\",\n"
  "  \"calls\": {\n"
  "    \"login\": { \"method\": \"POST\", \"path\": \"/sessions\" },\n"
  "    \"me\": { \"method\": \"GET\", \"path\": \"/users/{{uid}}\",\n"
  "              \"answer\": { \"user\": \"$.data[0]\" } }\n"
  "  },\n"
  "  \"answer\": {\n"
  "    \"access_token\": \"$[0].token\",\n"
  "    \"refresh_token\": \"$[*].refresh\",\n"
  "    \"uid\": \"$..id\",\n"
  "    \"user\": { \"path\": \"$[0].user\", \"exclude\": [\"password\"] },\n"
  "    \"expiry\": { \"path\": \"$[1][2]\", \"form\": \"epoch\" },\n"
  "    \"error_message\": [\"$.errors[0].detail\", \"$[0]\", \"$\"]\n"
  "  }\n"
  "}\n";

static AuthflowProfile *profiles[4];
static GDateTime *server_now;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GBytes) reference = NULL;
  g_autoptr(GError) error = NULL;

  g_log_set_default_handler (log_cb, NULL);

  /* The built-in profile, from the resources linked into the target. */
  reference = g_resources_lookup_data ("/io/github/authflow/Authflow/profiles/reference.json",
                                       G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  g_assert_no_error (error);
  profiles[0] = authflow_profile_new_from_bytes (reference, "reference.json", &error);
  g_assert_no_error (error);
  profiles[1] = authflow_profile_new_from_string (oauth_profile, "oauth.json", &error);
  g_assert_no_error (error);
  profiles[2] = authflow_profile_new_from_string (nested_profile, "nested.json", &error);
  g_assert_no_error (error);
  profiles[3] = authflow_profile_new_from_string (array_profile, "arrays.json", &error);
  g_assert_no_error (error);

  server_now = g_date_time_new_from_unix_utc (1700000000);

  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonNode) root = NULL;

  /* The client's own parse, nesting limit and all: a deep answer must be
   * refused here, not overflow the stack. */
  root = authflow_json_parse ((const char *) data, size, NULL);
  if (root == NULL)
    return 0;

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      g_autofree char *message = NULL;

      for (guint kind = 0; kind < AUTHFLOW_PROFILE_N_CALLS; kind++)
        {
          g_autoptr(AuthflowProfileAnswer) answer = NULL;
          g_autoptr(GError) error = NULL;

          if (!authflow_profile_has_call (profiles[i], kind))
            continue;

          /* With and without the server's clock: the date header is not
           * always there. */
          answer = authflow_profile_map_answer (profiles[i], kind, root, server_now, &error);
          g_assert ((answer == NULL) != (error == NULL));
          g_clear_pointer (&answer, authflow_profile_answer_free);
          g_clear_error (&error);

          answer = authflow_profile_map_answer (profiles[i], kind, root, NULL, &error);
          g_assert ((answer == NULL) != (error == NULL));
        }

      message = authflow_profile_map_error_message (profiles[i], root);
      g_assert (message == NULL || g_utf8_validate (message, -1, NULL));
    }

  return 0;
}
