// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-backend-messages"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "authflow-backend-messages.h"

/* The messages that the built-in backends, the reference server and
 * dummyjson.com, put in their error answers, so that a person reads them in
 * their own language. Both backends speak English and stay so; a message
 * not known here, from a backend of the person's own, is shown exactly as
 * it was sent. The lookup is by exact match: a backend's message that
 * changes by a letter is simply shown as sent.
 */

#define CONTEXT "server message"

static const char * const known_messages[] = {
  /* Translators: the "server message" ones are what a server sends when it
   * refuses a request, shown to the person as the reason. These are the
   * reference server's (src/server/), the ones that follow too.
   */
  NC_("server message", "Access Token is required"),
  NC_("server message", "Email is not valid"),
  NC_("server message", "Email is required"),
  NC_("server message", "expiresInMins must be a whole number from 1 to 43200"),
  NC_("server message", "First name is too long"),
  NC_("server message", "First name must be text"),
  NC_("server message", "Image must be a URL"),
  NC_("server message", "Internal server error"),
  NC_("server message", "Invalid credentials"),
  NC_("server message", "Invalid JSON body"),
  NC_("server message", "Invalid refresh token"),
  NC_("server message", "Invalid/Expired Token!"),
  NC_("server message", "Last name is too long"),
  NC_("server message", "Last name must be text"),
  NC_("server message", "Logged out successfully"),
  NC_("server message", "Method not allowed"),
  NC_("server message", "Not found"),
  NC_("server message", "Password is required"),
  NC_("server message", "Password must be at least 8 characters"),
  NC_("server message", "Refresh token required"),
  NC_("server message", "Request body too large"),
  NC_("server message", "The server is shutting down"),
  NC_("server message", "Token Expired!"),
  NC_("server message", "Username already taken"),
  NC_("server message", "Username and password required"),
  NC_("server message", "Username is required"),
  NC_("server message", "Username must be 3 to 32 letters, digits, dots, dashes or underscores"),
  /* Translators: dummyjson.com's own, beyond those it shares with the
   * reference server: its token library's words for a token it cannot
   * verify. "jwt" is a JSON Web Token, the kind of access token.
   */
  NC_("server message", "invalid signature"),
  NC_("server message", "invalid token"),
  NC_("server message", "jwt expired"),
  NC_("server message", "jwt malformed"),
};

/* The reference server's lockout: "Too many failed login attempts. Try
 * again in 30 seconds.", with the seconds it will wait.
 */
#define LOCKED_PREFIX "Too many failed login attempts. Try again in "
#define LOCKED_SUFFIX " seconds."

static char *
translate_lockout (const char *message)
{
  g_autofree char *digits = NULL;
  const char *start;
  gsize len;
  guint64 seconds;

  if (!g_str_has_prefix (message, LOCKED_PREFIX) || !g_str_has_suffix (message, LOCKED_SUFFIX) ||
      strlen (message) <= strlen (LOCKED_PREFIX) + strlen (LOCKED_SUFFIX))
    return NULL;

  start = message + strlen (LOCKED_PREFIX);
  len = strlen (message) - strlen (LOCKED_PREFIX) - strlen (LOCKED_SUFFIX);

  /* Digits only, no sign or space, and few enough to be a real wait. */
  if (len > 9 || !g_ascii_isdigit (start[0]))
    return NULL;

  digits = g_strndup (start, len);
  if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT, &seconds, NULL))
    return NULL;

  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       /* Translators: a server's message; %u is a
                                        * number of seconds.
                                        */
                                       "Too many failed login attempts. Try again in %u second.",
                                       "Too many failed login attempts. Try again in %u seconds.",
                                       seconds),
                          (guint) seconds);
}

/**
 * authflow_backend_message_translate:
 * @message: a message from a server's error answer
 *
 * Returns: (transfer full): @message in the person's language if it is one
 *   that the built-in backends send, else a copy of @message as it is
 */
char *
authflow_backend_message_translate (const char *message)
{
  char *lockout;

  g_return_val_if_fail (message != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (known_messages); i++)
    if (strcmp (message, known_messages[i]) == 0)
      return g_strdup (g_dpgettext2 (GETTEXT_PACKAGE, CONTEXT, known_messages[i]));

  if ((lockout = translate_lockout (message)) != NULL)
    return lockout;

  return g_strdup (message);
}
