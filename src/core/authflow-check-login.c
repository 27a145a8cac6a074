// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-check"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "authflow-check-private.h"
#include "authflow-jwt.h"

/* The items up to the login and what its answer holds: does the server
 * answer, over what, by which clock; the sign-up; the login's access
 * token, refresh token, expiry, UID and user data, each as the profile
 * maps it.
 */

/* A clock this far off is worth a word; less is the network's jitter. */
#define CLOCK_TOLERANCE (30 * G_TIME_SPAN_SECOND)

/* The years of a Date that the client takes as the server's clock. */
#define MIN_SERVER_YEAR 2000
#define MAX_SERVER_YEAR 2200

/* How many of the user data's field names the evidence lists. */
#define MAX_LISTED_FIELDS 8

static void
probe_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(AuthflowCheckExchange) exchange = { 0 };
  g_autofree char *evidence = NULL;

  answer = _authflow_check_take_object (authflow_client_call_finish (AUTHFLOW_CLIENT (object), result, &error));
  if (!_authflow_check_end_call (self, NULL, error, &exchange))
    return;

  self->date = g_strdup (exchange.date);

  if (exchange.status == 0)
    {
      const char *advice;

      if (!exchange.found && g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK) &&
          !authflow_client_check_url (self->base_url, NULL))
        advice = _("Use an https:// URL for a server on another machine; Authflow sends nothing in the clear "
                   "beyond this one");
      else
        advice = _("Check that the server is running and reachable at this URL (--server, or the profile’s "
                   "base_url), and that its certificate is valid");

      /* Translators: %s is the address of a server. */
      evidence = g_strdup_printf (_("Nothing came back from %s: %s"), self->base_url, exchange.how);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence, advice, _authflow_check_exchange_details (&exchange));
      return;
    }

  /* Whatever it said: a 404 for "/" is an answer too. */
  self->answered = TRUE;
  /* Translators: %s is an HTTP request such as "GET /", the second what came back. */
  evidence = g_strdup_printf (_("%s answered %s"), exchange.request, exchange.how);
  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, _authflow_check_exchange_details (&exchange));
}

void
_authflow_check_step_server (AuthflowCheck *self)
{
  _authflow_check_begin_call (self);
  authflow_client_call_async (self->client, "GET", "/", NULL, NULL, _authflow_check_get_cancellable (self), probe_cb, self);
}

static gboolean
is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  return (address = g_inet_address_new_from_string (host)) != NULL && g_inet_address_get_is_loopback (address);
}

void
_authflow_check_step_tls (AuthflowCheck *self)
{
  g_autoptr(GUri) uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  g_autofree char *evidence = NULL;

  if (uri != NULL && g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0)
    {
      if (self->answered)
        _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS,
                                _("https://: the connection is encrypted, and the server’s certificate was accepted"), NULL, NULL);
      else
        _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS,
                                _("https://: the connection is to be encrypted (the server did not answer, so its certificate is "
                                  "not known)"), NULL, NULL);
      return;
    }

  if (is_loopback (host))
    {
      /* Translators: %s is a host name, e.g. "127.0.0.1". */
      evidence = g_strdup_printf (_("Plain http:// to %s, this machine: nothing crosses the network"), host);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, NULL);
      return;
    }

  /* Translators: %s is a host name, e.g. "example.com". */
  evidence = g_strdup_printf (_("Plain http:// to %s, which is not this machine: passwords and tokens would cross "
                                "the network for anyone on the way to read, so Authflow does not send them"),
                              host != NULL ? host : self->base_url);
  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence,
                          _("Serve the API over https:// and give its https:// URL"), NULL);
}

void
_authflow_check_step_clock (AuthflowCheck *self)
{
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autofree char *evidence = NULL;
  g_autofree char *offset_text = NULL;
  GTimeSpan offset;

  if (!_authflow_check_needs_answer (self))
    return;

  details = json_object_new ();
  if (self->date == NULL)
    {
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, _("The answer has no Date header"),
                              _("Send a Date header with every answer: Authflow takes the server’s clock from it, so that a "
                                "clock that is off on either side does not expire sessions early or keep dead tokens"),
                              g_steal_pointer (&details));
      return;
    }

  json_object_set_string_member (details, "date", self->date);
  date = soup_date_time_new_from_http_string (self->date);
  if (date == NULL || g_date_time_get_year (date) < MIN_SERVER_YEAR || g_date_time_get_year (date) >= MAX_SERVER_YEAR)
    {
      /* Translators: %s is the value of an HTTP Date header. */
      evidence = g_strdup_printf (_("Date: %s, which cannot be right, so Authflow ignores it and goes by this "
                                    "machine’s clock"), self->date);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence,
                              _("Set the server’s clock right (NTP) and send the Date in the HTTP format, e.g. “Tue, 02 Dec 2025 "
                                "10:00:00 GMT”"),
                              g_steal_pointer (&details));
      return;
    }

  offset = authflow_client_get_clock_offset (self->client);
  /* To the nearest second: Date has no finer resolution. */
  json_object_set_int_member (details, "offsetSeconds",
                              (offset + (offset >= 0 ? 1 : -1) * G_TIME_SPAN_SECOND / 2) / G_TIME_SPAN_SECOND);
  offset_text = _authflow_check_format_duration (offset);

  if (offset == 0)
    /* Translators: %s is the value of an HTTP Date header. */
    evidence = g_strdup_printf (_("Date: %s; the clocks agree within a second"), self->date);
  else if (offset > 0)
    /* Translators: the first %s is an HTTP Date header, the second a duration such as "1 h 0 min". */
    evidence = g_strdup_printf (_("Date: %s; the server’s clock is %s ahead of this machine’s"), self->date,
                                offset_text);
  else
    /* Translators: the first %s is an HTTP Date header, the second a duration such as "1 h 0 min". */
    evidence = g_strdup_printf (_("Date: %s; the server’s clock is %s behind this machine’s"), self->date,
                                offset_text);

  if (ABS (offset) < CLOCK_TOLERANCE)
    _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, g_steal_pointer (&details));
  else
    _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence,
                            _("Set the clocks right (NTP). Authflow corrects its expiry decisions for the difference, from Date, "
                              "but the tokens’ iat and exp are the server’s, and other clients may not correct for it"),
                            g_steal_pointer (&details));
}

/* What an auth answer lacks that the app would want: for the sign-up's. */
static void
append_missing (GString    *text,
                const char *what)
{
  g_string_append (text, text->len > 0 ? ", " : "");
  g_string_append (text, what);
}

static void
sign_up_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(AuthflowCheckExchange) exchange = { 0 };
  g_autoptr(GString) missing = g_string_new (NULL);
  g_autofree char *evidence = NULL;
  JsonObject *details;

  auth = authflow_client_sign_up_finish (AUTHFLOW_CLIENT (object), result, &error);
  if (!_authflow_check_end_call (self, auth, error, &exchange))
    return;
  details = _authflow_check_exchange_details (&exchange);
  json_object_set_string_member (details, "username", self->signed_up_username);

  if (auth == NULL)
    {
      self->sign_up_failed = TRUE;
      /* Translators: the first %s is a username, the second what the server answered, the third its message. */
      evidence = g_strdup_printf (_("Signing up “%s” failed: %s: %s"), self->signed_up_username, exchange.how,
                                  error->message);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence,
                              _("Check the profile’s signup call (its path and body) against what the server expects"), details);
      return;
    }

  if (auth->refresh_token == NULL)
    append_missing (missing, _("no refresh token"));
  if (auth->expiry == NULL)
    append_missing (missing, _("no expiry"));
  if (auth->uid == NULL)
    append_missing (missing, _("no UID"));

  /* Translators: the first %s is a username, the second what the server answered. The user stays on the server. */
  evidence = g_strdup_printf (_("%s: created “%s”, who stays on the server"), exchange.how, self->signed_up_username);
  if (missing->len > 0)
    {
      g_autofree char *more = g_strdup_printf (_("%s; but the answer has %s"), evidence, missing->str);

      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, more,
                              _("Answer a sign-up as a login: with the access token, the refresh token, the expiry and the UID, so "
                                "that the new user is signed in at once"),
                              details);
      return;
    }

  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, details);
}

void
_authflow_check_step_sign_up (AuthflowCheck *self)
{
  g_autofree char *suffix = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *password = NULL;
  g_autofree char *email = NULL;

  if (!_authflow_check_needs_answer (self))
    return;

  if (!self->sign_up)
    {
      _authflow_check_skip (self, _("Not asked: --sign-up creates a throw-away user on the server"));
      return;
    }

  if (!_authflow_check_needs_call (self, AUTHFLOW_PROFILE_CALL_SIGNUP,
                                   _("the app’s Sign Up page says that this backend has none")))
    return;

  /* A user whose name says what made it, with a password of its own that
   * nobody needs to know. Unless someone was given, the rest of the check
   * logs in as this user.
   */
  suffix = g_strdup_printf ("%08x", g_random_int ());
  uuid = g_uuid_string_random ();
  password = g_strconcat ("Check-", uuid, NULL);
  _authflow_check_add_secret (self->passwords, password);
  self->signed_up_username = g_strconcat (AUTHFLOW_CHECK_USERNAME_PREFIX, suffix, NULL);
  email = g_strconcat (self->signed_up_username, "@example.com", NULL);

  if (self->username == NULL)
    {
      self->login_username = g_strdup (self->signed_up_username);
      self->login_password = g_strdup (password);
      self->login_is_signed_up = TRUE;
    }

  _authflow_check_begin_call (self);
  authflow_client_sign_up_async (self->client, self->signed_up_username, email, password,
                                 "Authflow", "Check", _authflow_check_get_cancellable (self), sign_up_cb, self);
}

static void
login_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  AuthflowCheck *self = user_data;
  g_autoptr(AuthflowAuthResult) auth = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(AuthflowCheckExchange) exchange = { 0 };
  g_autofree char *evidence = NULL;
  g_autofree char *fingerprint = NULL;
  const char *path = authflow_profile_get_answer_path (self->profile, AUTHFLOW_PROFILE_CALL_LOGIN,
                                                      AUTHFLOW_PROFILE_FIELD_ACCESS_TOKEN);
  JsonObject *mapping;
  JsonObject *details;

  auth = authflow_client_log_in_finish (AUTHFLOW_CLIENT (object), result, &error);
  if (!_authflow_check_end_call (self, auth, error, &exchange))
    return;
  details = _authflow_check_exchange_details (&exchange);
  json_object_set_string_member (details, "username", self->login_username);
  if ((mapping = _authflow_check_last_details (self, AUTHFLOW_JOURNAL_MAPPING)))
    self->login_mapping = json_object_ref (mapping);

  if (auth == NULL)
    {
      const char *advice;

      if (g_error_matches (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_BAD_ANSWER))
        advice = _("Point the profile’s answer.access_token at where the login answer keeps the token");
      else if (exchange.status >= 400 && exchange.status < 500)
        advice = _("Check the username and password (--username, --password-file or --password-stdin), and the "
                   "profile’s login call (its path and body) against what the server expects");
      else
        advice = _("Check the server’s log for this login");

      /* Translators: the first %s is a username, the second what the server answered, the third the message. */
      evidence = g_strdup_printf (_("Logging in as “%s” failed: %s: %s"), self->login_username, exchange.how, error->message);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence, advice, details);
      return;
    }

  self->login = g_steal_pointer (&auth);
  self->access_token = g_strdup (self->login->access_token);
  self->refresh_token = g_strdup (self->login->refresh_token);
  fingerprint = authflow_journal_fingerprint (self->login->access_token);
  _authflow_check_set_string_or_null (details, "path", path);
  json_object_set_string_member (details, "fingerprint", fingerprint);

  if (self->login_is_signed_up)
    /* Translators: the first %s is what the server answered, then a JSON path, a token's fingerprint, a username. */
    evidence = g_strdup_printf (_("%s: an access token at %s (%s), as “%s”, the user the check signed up"),
                                exchange.how, path, fingerprint, self->login_username);
  else
    /* Translators: the first %s is what the server answered, then a JSON path, a token's fingerprint, a username. */
    evidence = g_strdup_printf (_("%s: an access token at %s (%s), as “%s”"), exchange.how, path, fingerprint,
                                self->login_username);
  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, details);
}

void
_authflow_check_step_login (AuthflowCheck *self)
{
  if (!_authflow_check_needs_answer (self))
    return;

  if (self->sign_up_failed && self->login_is_signed_up)
    {
      _authflow_check_skip (self, _("Not tried: the sign-up failed, and there are no credentials to log in with"));
      return;
    }

  if (self->login_username == NULL)
    {
      _authflow_check_skip (self, _("Not tried: there are no credentials to log in with (give a username and password, or sign up)"));
      return;
    }

  _authflow_check_begin_call (self);
  authflow_client_log_in_async (self->client, self->login_username, self->login_password,
                                _authflow_check_get_cancellable (self), login_cb, self);
}

/* A claim that names something (sub), as text. */
static char *
claim_string (JsonObject *claims,
              const char *name)
{
  JsonNode *node = json_object_get_member (claims, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_dup_string (node);

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

  return NULL;
}

/* A claim that is a time (iat, exp), in seconds since the epoch. */
static gboolean
claim_time (JsonObject *claims,
            const char *name,
            gint64     *seconds)
{
  JsonNode *node = json_object_get_member (claims, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    *seconds = json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    *seconds = (gint64) CLAMP (json_node_get_double (node), -1, 253402300800.0);
  else
    return FALSE;

  return TRUE;
}


void
_authflow_check_step_jwt (AuthflowCheck *self)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GString) evidence = NULL;
  static const char * const time_claims[] = { "iat", "exp" };
  g_autofree char *sub = NULL;
  const char *alg;
  gint64 seconds;
  JsonObject *details;

  if (!_authflow_check_needs_login (self))
    return;

  if (!(header = authflow_jwt_decode_header (self->access_token, NULL)) ||
      !(claims = authflow_jwt_decode_claims (self->access_token, NULL)))
    {
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS,
                              _("An opaque token, not a JWT: the app learns its expiry from the answer only"), NULL, NULL);
      return;
    }

  details = json_object_new ();
  alg = json_object_get_string_member_with_default (header, "alg", NULL);
  _authflow_check_set_string_or_null (details, "alg", alg);
  evidence = g_string_new (NULL);
  /* Translators: %s is a JWT's signing algorithm, e.g. "HS256". */
  g_string_append_printf (evidence, _("A JWT signed with %s"), alg != NULL ? alg : "?");

  if ((sub = claim_string (claims, "sub")) != NULL)
    {
      json_object_set_string_member (details, "sub", sub);
      /* Translators: %s is a JWT's "sub" claim. */
      g_string_append_printf (evidence, _("; sub “%s”"), sub);
    }
  else
    g_string_append (evidence, _("; no sub claim"));

  /* The claims' names are JWT's own, and stay untranslated. */
  for (guint i = 0; i < G_N_ELEMENTS (time_claims); i++)
    {
      if (claim_time (claims, time_claims[i], &seconds))
        {
          g_autofree char *when = _authflow_check_format_unix_time (seconds);

          json_object_set_int_member (details, time_claims[i], seconds);
          /* Translators: a JWT claim's name, e.g. "exp", and a time. */
          g_string_append_printf (evidence, _(", %s %s"), time_claims[i], when);
        }
      else
        /* Translators: %s is a JWT claim's name, e.g. "exp". */
        g_string_append_printf (evidence, _(", no %s claim"), time_claims[i]);
    }

  if (alg == NULL || g_ascii_strcasecmp (alg, "none") == 0)
    {
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence->str,
                              _("Sign the tokens (HS256, RS256, ES256…) and refuse any that say alg none: an unsigned token can be "
                                "forged by anyone"),
                              details);
      return;
    }

  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence->str, NULL, details);
}

void
_authflow_check_step_refresh_token (AuthflowCheck *self)
{
  const char *path = authflow_profile_get_answer_path (self->profile, AUTHFLOW_PROFILE_CALL_LOGIN,
                                                      AUTHFLOW_PROFILE_FIELD_REFRESH_TOKEN);
  gboolean can_refresh = authflow_profile_has_call (self->profile, AUTHFLOW_PROFILE_CALL_REFRESH);
  g_autofree char *evidence = NULL;
  g_autofree char *fingerprint = NULL;
  JsonObject *details;

  if (!_authflow_check_needs_login (self))
    return;

  details = json_object_new ();
  _authflow_check_set_string_or_null (details, "path", path);

  if (self->login->refresh_token == NULL)
    {
      /* Translators: %s is a JSON path, e.g. "$.refreshToken". */
      evidence = g_strdup_printf (_("None at %s"), _authflow_check_or_none (path));
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence,
                              can_refresh
                              ? _("Return a refresh token at login and point answer.refresh_token at it: without one, the app ends "
                                  "the session when the access token expires, and the person logs in again")
                              : _("Return a refresh token at login, add a refresh call to the profile and point answer.refresh_token "
                                  "at it: without them, the app ends the session when the access token expires"),
                              details);
      return;
    }

  fingerprint = authflow_journal_fingerprint (self->login->refresh_token);
  json_object_set_string_member (details, "fingerprint", fingerprint);
  /* Translators: the first %s is a JSON path, the second a token's fingerprint. */
  evidence = g_strdup_printf (_("At %s (%s)"), path, fingerprint);

  if (!can_refresh)
    {
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence,
                              _("Add the server’s refresh call to the profile (calls.refresh): without it, the app cannot use the "
                                "refresh token, and ends the session when the access token expires"),
                              details);
      return;
    }

  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, details);
}

/* Where the login's mapping found @property, as the journal has it. */
static JsonObject *
login_property (AuthflowCheck *self,
                const char    *property)
{
  JsonObject *found;

  if (self->login_mapping == NULL || !json_object_has_member (self->login_mapping, "properties"))
    return NULL;

  found = json_object_get_object_member (self->login_mapping, "properties");
  if (!json_object_has_member (found, property))
    return NULL;

  return json_object_get_object_member (found, property);
}

void
_authflow_check_step_expiry (AuthflowCheck *self)
{
  JsonObject *property;
  const char *path = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *until = NULL;
  g_autofree char *lives = NULL;
  g_autofree char *where = NULL;
  g_autofree char *evidence = NULL;
  JsonObject *details;
  GTimeSpan lifetime;

  if (!_authflow_check_needs_login (self))
    return;

  details = json_object_new ();
  if ((property = login_property (self, "expiry")) != NULL)
    path = json_object_get_string_member_with_default (property, "path", NULL);

  if (self->login->expiry == NULL)
    {
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING,
                              _("None: no expires_in or expires_at in the login answer, nothing at the profile’s expiry path, and no "
                                "exp claim in the access token"),
                              _("Return expires_in (seconds) in the login answer, give the JWT an exp claim, or point answer.expiry "
                                "at the expiry: without one, the app renews the token only when a call gets 401"),
                              details);
      return;
    }

  if (self->login->expiry_source == AUTHFLOW_EXPIRY_SOURCE_JWT)
    /* Translators: %s is a JSON path, e.g. "$.accessToken". */
    where = g_strdup_printf (_("from the exp claim of the access token at %s"), _authflow_check_or_none (path));
  else
    /* Translators: %s is a JSON path, e.g. "$.expires_in". */
    where = g_strdup_printf (_("from %s in the answer"), _authflow_check_or_none (path));

  now = authflow_client_dup_server_now (self->client);
  lifetime = g_date_time_difference (self->login->expiry, now);
  until = _authflow_check_format_time (self->login->expiry);
  lives = _authflow_check_format_duration (lifetime);
  json_object_set_string_member (details, "source", authflow_expiry_source_to_string (self->login->expiry_source));
  _authflow_check_set_string_or_null (details, "path", path);
  json_object_set_string_member (details, "expiry", until);
  json_object_set_int_member (details, "lifetimeSeconds", lifetime / G_TIME_SPAN_SECOND);

  if (lifetime <= 0)
    {
      /* Translators: the first %s says where the expiry came from, the second is a time. */
      evidence = g_strdup_printf (_("%s: %s, already past on the server’s clock"), where, until);
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_FAIL, evidence,
                              _("Issue tokens that expire in the future: check the token lifetime and the server’s clock"),
                              details);
      return;
    }

  /* Translators: the first %s says where the expiry came from, the second is a duration, the third a time. */
  evidence = g_strdup_printf (_("%s: the token lives %s, until %s"), where, lives, until);
  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, details);
}

void
_authflow_check_step_uid (AuthflowCheck *self)
{
  const char *path = authflow_profile_get_answer_path (self->profile, AUTHFLOW_PROFILE_CALL_LOGIN,
                                                      AUTHFLOW_PROFILE_FIELD_UID);
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *sub = NULL;
  g_autofree char *evidence = NULL;
  JsonObject *property = login_property (self, "uid");
  JsonObject *details;

  if (!_authflow_check_needs_login (self))
    return;

  details = json_object_new ();
  _authflow_check_set_string_or_null (details, "path", path);

  if (self->login->uid == NULL)
    {
      /* Translators: %s is a JSON path, e.g. "$.id". */
      evidence = g_strdup_printf (_("None at %s, and no id in the user data"), _authflow_check_or_none (path));
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence,
                              _("Return the user’s id in the login answer and point answer.uid at it: without one, the app knows "
                                "the user only by the name typed"),
                              details);
      return;
    }

  json_object_set_string_member (details, "uid", self->login->uid);
  if (property != NULL && json_object_has_member (property, "source"))
    /* Translators: the first %s is a user id, the second a JSON path. */
    evidence = g_strdup_printf (_("“%s”, the user data’s id (none at %s)"), self->login->uid, _authflow_check_or_none (path));
  else
    /* Translators: the first %s is a user id, the second a JSON path. */
    evidence = g_strdup_printf (_("“%s” at %s"), self->login->uid, _authflow_check_or_none (path));

  if ((claims = authflow_jwt_decode_claims (self->access_token, NULL)) &&
      (sub = claim_string (claims, "sub")) != NULL && !g_str_equal (sub, self->login->uid))
    {
      /* Translators: the first %s is what was found, the second a JWT's "sub" claim. */
      g_autofree char *more = g_strdup_printf (_("%s; but the token’s sub is “%s”"), evidence, sub);

      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, more,
                              _("Make the token’s sub the user’s id, or point answer.uid at the same id that the token names"),
                              details);
      return;
    }

  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, details);
}

void
_authflow_check_step_user_data (AuthflowCheck *self)
{
  JsonObject *user;
  JsonObject *json;
  g_autoptr(GString) names = g_string_new (NULL);
  g_autoptr(GString) secrets = g_string_new (NULL);
  g_autofree char *evidence = NULL;
  const char *path = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  guint n_fields = 0;
  JsonObject *details;

  if (!_authflow_check_needs_login (self))
    return;

  details = json_object_new ();
  user = self->login_mapping != NULL && json_object_has_member (self->login_mapping, "user")
         ? json_object_get_object_member (self->login_mapping, "user") : NULL;
  if (user != NULL)
    path = json_object_get_string_member_with_default (user, "path", NULL);
  _authflow_check_set_string_or_null (details, "path", path);

  if (self->login->user == NULL || (user != NULL && g_strcmp0 (json_object_get_string_member_with_default (user, "source", NULL),
                                                               "typed") == 0))
    {
      /* Translators: %s is a JSON path, e.g. "$.user". */
      evidence = g_strdup_printf (_("None at %s: the app knows only the name typed"), _authflow_check_or_none (path));
      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, evidence,
                              _("Return the user in the login answer and point answer.user at it (e.g. {\"path\": \"$\", "
                                "\"exclude\": [\"accessToken\", \"refreshToken\"]}), or add a me call"),
                              details);
      return;
    }

  json = authflow_user_get_json (self->login->user);
  json_object_iter_init_ordered (&iter, json);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      if (n_fields < MAX_LISTED_FIELDS)
        g_string_append_printf (names, "%s%s", n_fields > 0 ? ", " : "", name);
      else if (n_fields == MAX_LISTED_FIELDS)
        g_string_append (names, ", …");
      n_fields++;

      if (authflow_journal_classify_name (name) != AUTHFLOW_JOURNAL_SECRET_NONE)
        g_string_append_printf (secrets, "%s“%s”", secrets->len > 0 ? ", " : "", name);
    }
  json_object_set_int_member (details, "fields", n_fields);

  /* Translators: %u fields at a JSON path (%s), then their names (%s). */
  evidence = g_strdup_printf (ngettext ("%u field at %s: %s", "%u fields at %s: %s", n_fields),
                              n_fields, _authflow_check_or_none (path), names->str);

  if (secrets->len > 0)
    {
      /* Translators: the first %s is the fields found, the second the names of fields that hold secrets. */
      g_autofree char *more = g_strdup_printf (_("%s; among them %s, which is a secret"), evidence, secrets->str);

      _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_WARNING, more,
                              _("Leave secrets out of the user data: add them to answer.user.exclude in the profile, or stop "
                                "sending them"),
                              details);
      return;
    }

  _authflow_check_finish (self, AUTHFLOW_CHECK_STATE_PASS, evidence, NULL, details);
}
