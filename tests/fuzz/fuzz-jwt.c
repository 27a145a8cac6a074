// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzzes the client's JWT reading: the app decodes the claims of whatever
// access token a backend hands it, so the token is untrusted input.

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "authflow-jwt.h"

int LLVMFuzzerInitialize    (int            *argc,
                             char         ***argv);
int LLVMFuzzerTestOneInput  (const uint8_t  *data,
                             size_t          size);

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

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_default_handler (log_cb, NULL);

  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *token = g_strndup ((const char *) data, size);
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GDateTime) expiry = NULL;
  g_autoptr(GError) error = NULL;

  claims = authflow_jwt_decode_claims (token, &error);
  g_assert ((claims == NULL) != (error == NULL));
  g_clear_error (&error);

  expiry = authflow_jwt_get_expiry (token, &error);
  g_assert ((expiry == NULL) != (error == NULL));

  return 0;
}
