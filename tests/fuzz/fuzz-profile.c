// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzzes the backend profile loader: profiles are files that users add, so
// a broken or hostile one must be refused with an error, never crash. A
// profile that loads has a request built for each of its calls.

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "authflow-profile.h"

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

static GHashTable *values;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_default_handler (log_cb, NULL);

  /* Every variable a template may name (authflow-profile.c), with values
   * that need escaping in JSON, forms and URLs. Some optional ones stay
   * unset, so that both sides of "{{name?}}" run. */
  values = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (values, (gpointer) "uid", (gpointer) "a/b c?d#e");
  g_hash_table_insert (values, (gpointer) "username", (gpointer) "emilys \"q\"\\&=");
  g_hash_table_insert (values, (gpointer) "password", (gpointer) "p q+r/ü~%00");
  g_hash_table_insert (values, (gpointer) "email", (gpointer) "a@b.c");
  g_hash_table_insert (values, (gpointer) "first_name", (gpointer) "Émily");
  g_hash_table_insert (values, (gpointer) "access_token", (gpointer) "at.1.x");
  g_hash_table_insert (values, (gpointer) "refresh_token", (gpointer) "rt.1");
  g_hash_table_insert (values, (gpointer) "expires_in_mins", (gpointer) "30");

  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(AuthflowProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  profile = authflow_profile_new_from_bytes (bytes, "fuzz.json", &error);
  if (profile == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }

  g_assert_nonnull (authflow_profile_get_id (profile));
  g_assert_nonnull (authflow_profile_get_base_url (profile));

  for (guint kind = 0; kind < AUTHFLOW_PROFILE_N_CALLS; kind++)
    {
      g_autoptr(AuthflowProfileRequest) request = NULL;
      g_autoptr(GError) build_error = NULL;

      if (!authflow_profile_has_call (profile, kind))
        continue;

      request = authflow_profile_build_request (profile, kind, values, &build_error);
      g_assert ((request == NULL) != (build_error == NULL));
      if (request != NULL)
        {
          g_assert_nonnull (request->method);
          g_assert_nonnull (request->url);
          g_assert ((request->body == NULL) == (request->content_type == NULL));
        }
    }

  return 0;
}
