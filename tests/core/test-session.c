// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include "authflow-session.h"
#include "authflow-user.h"

/* A login answer of dummyjson.com, less the tokens. */
#define EMILY_JSON \
  "{\"id\":1,\"username\":\"emilys\",\"email\":\"emily.johnson@x.dummyjson.com\"," \
  "\"firstName\":\"Emily\",\"lastName\":\"Johnson\",\"gender\":\"female\"," \
  "\"image\":\"https://dummyjson.com/icon/emilys/128\"}"
#define MICHAEL_JSON \
  "{\"id\":2,\"username\":\"michaelw\",\"email\":\"michael.williams@x.dummyjson.com\"," \
  "\"firstName\":\"Michael\",\"lastName\":\"Williams\",\"gender\":\"male\"," \
  "\"image\":\"https://dummyjson.com/icon/michaelw/128\"}"

static const char * const session_properties[] = {
  "state", "access-token", "refresh-token", "expiry", "uid", "user",
};

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  node = json_from_string (json, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_object_ref (json_node_get_object (node));
}

static AuthflowUser *
make_user (const char *json)
{
  g_autoptr(JsonObject) object = parse_object (json);

  return authflow_user_new_from_json (object);
}

/* Records every "notify" emission of an object, in order. */
typedef struct
{
  GPtrArray *names;
} NotifyLog;

static void
notify_log_cb (GObject    *object,
               GParamSpec *pspec,
               NotifyLog  *log)
{
  g_ptr_array_add (log->names, g_strdup (pspec->name));
}

static NotifyLog *
notify_log_new (gpointer object)
{
  NotifyLog *log = g_new0 (NotifyLog, 1);

  log->names = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (object, "notify", G_CALLBACK (notify_log_cb), log);

  return log;
}

static void
notify_log_free (NotifyLog *log)
{
  g_ptr_array_unref (log->names);
  g_free (log);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NotifyLog, notify_log_free)

static guint
notify_log_count (NotifyLog  *log,
                  const char *name)
{
  guint count = 0;

  for (guint i = 0; i < log->names->len; i++)
    if (g_str_equal (g_ptr_array_index (log->names, i), name))
      count++;

  return count;
}

static void
notify_log_clear (NotifyLog *log)
{
  g_ptr_array_set_size (log->names, 0);
}

/* Asserts that exactly the properties in @names notified, each once. */
static void
assert_notified (NotifyLog          *log,
                 const char * const *names)
{
  guint n_names = names ? g_strv_length ((char **) names) : 0;

  for (guint i = 0; i < G_N_ELEMENTS (session_properties); i++)
    {
      const char *property = session_properties[i];
      guint expected = names && g_strv_contains (names, property) ? 1 : 0;

      if (notify_log_count (log, property) != expected)
        g_error ("“%s” notified %u times, expected %u",
                 property, notify_log_count (log, property), expected);
    }

  g_assert_cmpuint (log->names->len, ==, n_names);
}

static void
assert_signed_out (AuthflowSession      *session,
                   AuthflowSessionState  state)
{
  g_assert_cmpint (authflow_session_get_state (session), ==, state);
  g_assert_null (authflow_session_get_access_token (session));
  g_assert_null (authflow_session_get_refresh_token (session));
  g_assert_null (authflow_session_get_expiry (session));
  g_assert_null (authflow_session_get_uid (session));
  g_assert_null (authflow_session_get_user (session));
}

static void
test_session_initial (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowSessionState state;
  g_autofree char *access_token = NULL;
  g_autoptr(GDateTime) expiry = NULL;
  g_autoptr(AuthflowUser) user = NULL;

  assert_signed_out (session, AUTHFLOW_SESSION_STATE_RESTORING);

  g_object_get (session,
                "state", &state,
                "access-token", &access_token,
                "expiry", &expiry,
                "user", &user,
                NULL);
  g_assert_cmpint (state, ==, AUTHFLOW_SESSION_STATE_RESTORING);
  g_assert_null (access_token);
  g_assert_null (expiry);
  g_assert_null (user);

  g_assert_finalize_object (session);
}

static void
test_session_state_enum (void)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (AUTHFLOW_TYPE_SESSION_STATE);

  g_assert_cmpstr (g_enum_get_value (klass, AUTHFLOW_SESSION_STATE_RESTORING)->value_nick, ==, "restoring");
  g_assert_cmpstr (g_enum_get_value (klass, AUTHFLOW_SESSION_STATE_SIGNED_OUT)->value_nick, ==, "signed-out");
  g_assert_cmpstr (g_enum_get_value (klass, AUTHFLOW_SESSION_STATE_SIGNED_IN)->value_nick, ==, "signed-in");
}

static void
test_session_sign_in (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowUser *user = make_user (EMILY_JSON);
  g_autoptr(GDateTime) expiry = g_date_time_new_from_unix_utc (1700003600);
  g_autoptr(NotifyLog) log = notify_log_new (session);
  AuthflowSessionState state;
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *uid = NULL;
  g_autoptr(GDateTime) got_expiry = NULL;
  g_autoptr(AuthflowUser) got_user = NULL;

  authflow_session_sign_in (session, "access-1", "refresh-1", expiry, "uid-1", user);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, "access-1");
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, "refresh-1");
  g_assert_true (g_date_time_equal (authflow_session_get_expiry (session), expiry));
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "uid-1");
  g_assert_true (authflow_session_get_user (session) == user);

  /* The same, as a binding or a GtkExpression sees it. */
  g_object_get (session,
                "state", &state,
                "access-token", &access_token,
                "refresh-token", &refresh_token,
                "expiry", &got_expiry,
                "uid", &uid,
                "user", &got_user,
                NULL);
  g_assert_cmpint (state, ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (access_token, ==, "access-1");
  g_assert_cmpstr (refresh_token, ==, "refresh-1");
  g_assert_cmpint (g_date_time_to_unix (got_expiry), ==, 1700003600);
  g_assert_cmpstr (uid, ==, "uid-1");
  g_assert_true (got_user == user);
  g_clear_object (&got_user);

  assert_notified (log, (const char *[]) { "state", "access-token", "refresh-token",
                                           "expiry", "uid", "user", NULL });

  g_signal_handlers_disconnect_by_data (session, log);
  g_assert_finalize_object (session);
  g_assert_finalize_object (user);
}

static void
test_session_sign_in_uid_from_user (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowUser *user = make_user (EMILY_JSON);

  /* Without a uid of its own, the session takes the user's id; a numeric
   * id becomes text.
   */
  authflow_session_sign_in (session, "access-1", NULL, NULL, NULL, user);

  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "1");
  g_assert_null (authflow_session_get_refresh_token (session));
  g_assert_null (authflow_session_get_expiry (session));

  g_assert_finalize_object (session);
  g_assert_finalize_object (user);
}

typedef struct
{
  guint         state_notifies;
  AuthflowSessionState state;
  char         *access_token;
  char         *refresh_token;
  gint64        expiry;
  char         *uid;
  AuthflowUser *user;
} StateSeen;

static void
state_seen_clear (StateSeen *seen)
{
  g_clear_pointer (&seen->access_token, g_free);
  g_clear_pointer (&seen->refresh_token, g_free);
  g_clear_pointer (&seen->uid, g_free);
  g_clear_object (&seen->user);
}

/* What the navigation controller sees when it reacts to the state. */
static void
state_seen_cb (AuthflowSession *session,
               GParamSpec      *pspec,
               StateSeen       *seen)
{
  GDateTime *expiry = authflow_session_get_expiry (session);

  state_seen_clear (seen);
  seen->state_notifies++;
  seen->state = authflow_session_get_state (session);
  seen->access_token = g_strdup (authflow_session_get_access_token (session));
  seen->refresh_token = g_strdup (authflow_session_get_refresh_token (session));
  seen->expiry = expiry ? g_date_time_to_unix (expiry) : -1;
  seen->uid = g_strdup (authflow_session_get_uid (session));
  g_set_object (&seen->user, authflow_session_get_user (session));
}

static void
test_session_state_notifies_consistent (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowUser *user = make_user (EMILY_JSON);
  g_autoptr(GDateTime) expiry = g_date_time_new_from_unix_utc (1700003600);
  StateSeen seen = { 0, };

  g_signal_connect (session, "notify::state", G_CALLBACK (state_seen_cb), &seen);

  authflow_session_sign_in (session, "access-1", "refresh-1", expiry, "uid-1", user);

  g_assert_cmpuint (seen.state_notifies, ==, 1);
  g_assert_cmpint (seen.state, ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (seen.access_token, ==, "access-1");
  g_assert_cmpstr (seen.refresh_token, ==, "refresh-1");
  g_assert_cmpint (seen.expiry, ==, 1700003600);
  g_assert_cmpstr (seen.uid, ==, "uid-1");
  g_assert_true (seen.user == user);

  /* Signing out: whoever reacts to "signed-out" finds nothing left. */
  authflow_session_sign_out (session);

  g_assert_cmpuint (seen.state_notifies, ==, 2);
  g_assert_cmpint (seen.state, ==, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  g_assert_null (seen.access_token);
  g_assert_null (seen.refresh_token);
  g_assert_cmpint (seen.expiry, ==, -1);
  g_assert_null (seen.uid);
  g_assert_null (seen.user);

  g_signal_handlers_disconnect_by_data (session, &seen);
  state_seen_clear (&seen);
  g_assert_finalize_object (session);
  g_assert_finalize_object (user);
}

static void
test_session_sign_in_same_values (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowUser *user = make_user (EMILY_JSON);
  AuthflowUser *same_user = make_user (EMILY_JSON);
  g_autoptr(GDateTime) expiry = g_date_time_new_from_unix_utc (1700003600);
  g_autoptr(GDateTime) same_expiry = g_date_time_new_utc (2023, 11, 14, 23, 13, 20);
  g_autofree char *same_access = g_strdup ("access-1");
  g_autofree char *same_refresh = g_strdup ("refresh-1");
  g_autofree char *same_uid = g_strdup ("uid-1");
  g_autoptr(NotifyLog) log = NULL;

  g_assert_true (g_date_time_equal (expiry, same_expiry));
  g_assert_true (user != same_user);

  authflow_session_sign_in (session, "access-1", "refresh-1", expiry, "uid-1", user);
  log = notify_log_new (session);

  /* Equal values in other objects and buffers: nothing changed. */
  authflow_session_sign_in (session, same_access, same_refresh, same_expiry, same_uid, same_user);

  assert_notified (log, NULL);
  g_assert_true (authflow_session_get_user (session) == user);

  g_signal_handlers_disconnect_by_data (session, log);
  g_assert_finalize_object (session);
  g_assert_finalize_object (user);
  g_assert_finalize_object (same_user);
}

static void
test_session_sign_in_other_user (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowUser *emily = make_user (EMILY_JSON);
  AuthflowUser *michael = make_user (MICHAEL_JSON);
  g_autoptr(GDateTime) expiry = g_date_time_new_from_unix_utc (1700003600);
  g_autoptr(GDateTime) other_expiry = g_date_time_new_from_unix_utc (1700007200);
  g_autoptr(NotifyLog) log = NULL;

  authflow_session_sign_in (session, "access-1", "refresh-1", expiry, NULL, emily);
  log = notify_log_new (session);

  /* Still signed in, so "state" does not notify; everything else does. */
  authflow_session_sign_in (session, "access-2", "refresh-2", other_expiry, NULL, michael);

  assert_notified (log, (const char *[]) { "access-token", "refresh-token", "expiry",
                                           "uid", "user", NULL });
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, "access-2");
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, "refresh-2");
  g_assert_cmpint (g_date_time_to_unix (authflow_session_get_expiry (session)), ==, 1700007200);
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "2");
  g_assert_true (authflow_session_get_user (session) == michael);

  /* A login without a refresh token or an expiry clears the old ones. */
  notify_log_clear (log);
  authflow_session_sign_in (session, "access-3", NULL, NULL, NULL, michael);

  assert_notified (log, (const char *[]) { "access-token", "refresh-token", "expiry", NULL });
  g_assert_null (authflow_session_get_refresh_token (session));
  g_assert_null (authflow_session_get_expiry (session));

  g_signal_handlers_disconnect_by_data (session, log);
  g_assert_finalize_object (session);
  g_assert_finalize_object (emily);
  g_assert_finalize_object (michael);
}

static void
test_session_update_tokens (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowUser *user = make_user (EMILY_JSON);
  g_autoptr(GDateTime) expiry = g_date_time_new_from_unix_utc (1700003600);
  g_autoptr(GDateTime) later = g_date_time_new_from_unix_utc (1700007200);
  g_autoptr(GDateTime) even_later = g_date_time_new_from_unix_utc (1700010800);
  g_autoptr(NotifyLog) log = NULL;

  authflow_session_sign_in (session, "access-1", "refresh-1", expiry, "uid-1", user);
  log = notify_log_new (session);

  /* A renewal that rotates the refresh token. */
  authflow_session_update_tokens (session, "access-2", "refresh-2", later);

  assert_notified (log, (const char *[]) { "access-token", "refresh-token", "expiry", NULL });
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, "access-2");
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, "refresh-2");
  g_assert_cmpint (g_date_time_to_unix (authflow_session_get_expiry (session)), ==, 1700007200);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "uid-1");
  g_assert_true (authflow_session_get_user (session) == user);

  /* A backend that does not rotate it: the old one stays. */
  notify_log_clear (log);
  authflow_session_update_tokens (session, "access-3", NULL, even_later);

  assert_notified (log, (const char *[]) { "access-token", "expiry", NULL });
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, "access-3");
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, "refresh-2");
  g_assert_cmpint (g_date_time_to_unix (authflow_session_get_expiry (session)), ==, 1700010800);

  /* The same tokens again: nothing changed. */
  notify_log_clear (log);
  authflow_session_update_tokens (session, "access-3", "refresh-2", even_later);
  assert_notified (log, NULL);

  /* A new token whose expiry is unknown forgets the old expiry. */
  notify_log_clear (log);
  authflow_session_update_tokens (session, "access-4", NULL, NULL);
  assert_notified (log, (const char *[]) { "access-token", "expiry", NULL });
  g_assert_null (authflow_session_get_expiry (session));
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, "refresh-2");

  g_signal_handlers_disconnect_by_data (session, log);
  g_assert_finalize_object (session);
  g_assert_finalize_object (user);
}

static void
test_session_update_tokens_signed_out (void)
{
  AuthflowSession *session = authflow_session_new ();
  g_autoptr(NotifyLog) log = notify_log_new (session);

  /* A renewal that ends after a logout must not sign anyone back in. */
  authflow_session_sign_out (session);
  notify_log_clear (log);

  g_test_expect_message ("authflow-session", G_LOG_LEVEL_CRITICAL,
                         "*self->state == AUTHFLOW_SESSION_STATE_SIGNED_IN*");
  authflow_session_update_tokens (session, "access-2", "refresh-2", NULL);
  g_test_assert_expected_messages ();

  assert_notified (log, NULL);
  assert_signed_out (session, AUTHFLOW_SESSION_STATE_SIGNED_OUT);

  g_signal_handlers_disconnect_by_data (session, log);
  g_assert_finalize_object (session);
}

static void
test_session_update_user (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowUser *user = make_user (EMILY_JSON);
  AuthflowUser *same = make_user (EMILY_JSON);
  AuthflowUser *renamed = make_user ("{\"id\":1,\"username\":\"emilys\","
                                     "\"email\":\"emily.johnson@x.dummyjson.com\","
                                     "\"firstName\":\"Em\",\"lastName\":\"Johnson\","
                                     "\"gender\":\"female\","
                                     "\"image\":\"https://dummyjson.com/icon/emilys/128\"}");
  g_autoptr(GDateTime) expiry = g_date_time_new_from_unix_utc (1700003600);
  g_autoptr(NotifyLog) log = NULL;

  authflow_session_sign_in (session, "access-1", "refresh-1", expiry, NULL, user);
  log = notify_log_new (session);

  /* The backend sent the same user again. */
  authflow_session_update_user (session, same);
  assert_notified (log, NULL);
  g_assert_true (authflow_session_get_user (session) == user);

  authflow_session_update_user (session, renamed);
  assert_notified (log, (const char *[]) { "user", NULL });
  g_assert_true (authflow_session_get_user (session) == renamed);
  g_assert_cmpstr (authflow_user_get_first_name (authflow_session_get_user (session)), ==, "Em");

  /* The tokens are untouched. */
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, "access-1");
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, "refresh-1");
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "1");

  g_signal_handlers_disconnect_by_data (session, log);
  g_assert_finalize_object (session);
  g_assert_finalize_object (user);
  g_assert_finalize_object (same);
  g_assert_finalize_object (renamed);
}

static void
test_session_sign_out (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowUser *user = make_user (EMILY_JSON);
  g_autoptr(GDateTime) expiry = g_date_time_new_from_unix_utc (1700003600);
  g_autoptr(NotifyLog) log = NULL;

  authflow_session_sign_in (session, "access-1", "refresh-1", expiry, "uid-1", user);
  log = notify_log_new (session);

  authflow_session_sign_out (session);

  assert_signed_out (session, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  assert_notified (log, (const char *[]) { "state", "access-token", "refresh-token",
                                           "expiry", "uid", "user", NULL });

  /* The session let go of the user. */
  g_assert_finalize_object (user);

  notify_log_clear (log);
  authflow_session_sign_out (session);
  assert_notified (log, NULL);

  g_signal_handlers_disconnect_by_data (session, log);
  g_assert_finalize_object (session);
}

static void
test_session_sign_out_while_restoring (void)
{
  AuthflowSession *session = authflow_session_new ();
  g_autoptr(NotifyLog) log = notify_log_new (session);

  /* Nothing stored: restoring ends in "signed-out". */
  authflow_session_sign_out (session);

  assert_signed_out (session, AUTHFLOW_SESSION_STATE_SIGNED_OUT);
  assert_notified (log, (const char *[]) { "state", NULL });

  g_signal_handlers_disconnect_by_data (session, log);
  g_assert_finalize_object (session);
}

static void
test_session_sign_in_needs_token (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowUser *user = make_user (EMILY_JSON);
  g_autoptr(NotifyLog) log = notify_log_new (session);

  g_test_expect_message ("authflow-session", G_LOG_LEVEL_CRITICAL,
                         "*access_token != NULL && access_token[0] != '\\0'*");
  authflow_session_sign_in (session, "", "refresh-1", NULL, NULL, user);
  g_test_assert_expected_messages ();

  assert_notified (log, NULL);
  assert_signed_out (session, AUTHFLOW_SESSION_STATE_RESTORING);

  g_signal_handlers_disconnect_by_data (session, log);
  g_assert_finalize_object (session);
  g_assert_finalize_object (user);
}

static void
assert_same_session (AuthflowSession *restored,
                     AuthflowSession *original)
{
  GDateTime *expiry = authflow_session_get_expiry (original);
  GDateTime *restored_expiry = authflow_session_get_expiry (restored);
  AuthflowUser *user = authflow_session_get_user (original);
  AuthflowUser *restored_user = authflow_session_get_user (restored);

  g_assert_cmpint (authflow_session_get_state (restored), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (restored), ==,
                   authflow_session_get_access_token (original));
  g_assert_cmpstr (authflow_session_get_refresh_token (restored), ==,
                   authflow_session_get_refresh_token (original));
  g_assert_cmpstr (authflow_session_get_uid (restored), ==,
                   authflow_session_get_uid (original));

  if (expiry == NULL)
    {
      g_assert_null (restored_expiry);
    }
  else
    {
      g_assert_nonnull (restored_expiry);
      g_assert_cmpint (g_date_time_to_unix (restored_expiry), ==, g_date_time_to_unix (expiry));
      g_assert_cmpint (g_date_time_get_utc_offset (restored_expiry), ==, 0);
    }

  g_assert_true (restored_user != user);
  g_assert_true (json_object_equal (authflow_user_get_json (restored_user),
                                    authflow_user_get_json (user)));
  g_assert_true (authflow_user_equal (restored_user, user));
  g_assert_cmpstr (authflow_user_get_id (restored_user), ==, authflow_user_get_id (user));
  g_assert_cmpstr (authflow_user_get_username (restored_user), ==, authflow_user_get_username (user));
  g_assert_cmpstr (authflow_user_get_email (restored_user), ==, authflow_user_get_email (user));
  g_assert_cmpstr (authflow_user_get_first_name (restored_user), ==, authflow_user_get_first_name (user));
  g_assert_cmpstr (authflow_user_get_last_name (restored_user), ==, authflow_user_get_last_name (user));
  g_assert_cmpstr (authflow_user_get_image (restored_user), ==, authflow_user_get_image (user));
}

static void
test_session_round_trip (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowSession *restored = authflow_session_new ();
  AuthflowUser *user = make_user ("{\"id\":1,\"username\":\"emilys\",\"firstName\":\"Zoë\","
                                  "\"address\":{\"city\":\"Łódź\",\"coordinates\":[51.76,19.45]},"
                                  "\"age\":28,\"verified\":true,\"phone\":null}");
  /* Half a second past: the keyring keeps the expiry to the second. */
  g_autoptr(GDateTime) expiry = g_date_time_new_utc (2030, 1, 2, 3, 4, 5.5);
  g_autoptr(NotifyLog) log = notify_log_new (restored);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) stored = NULL;
  g_autofree char *serialized = NULL;

  authflow_session_sign_in (session, "eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "r\"\\/\n✓", expiry,
                            "uid-1", user);

  serialized = authflow_session_serialize (session);
  g_assert_nonnull (serialized);

  /* The item says which version of the app wrote it. */
  stored = parse_object (serialized);
  g_assert_cmpint (json_object_get_int_member (stored, "version"), ==, 1);

  g_assert_true (authflow_session_restore (restored, serialized, &error));
  g_assert_no_error (error);

  assert_same_session (restored, session);
  g_assert_cmpint (g_date_time_get_microsecond (authflow_session_get_expiry (restored)), ==, 0);
  g_assert_cmpint (g_date_time_get_second (authflow_session_get_expiry (restored)), ==, 5);
  assert_notified (log, (const char *[]) { "state", "access-token", "refresh-token",
                                           "expiry", "uid", "user", NULL });

  g_signal_handlers_disconnect_by_data (restored, log);
  g_assert_finalize_object (session);
  g_assert_finalize_object (restored);
  g_assert_finalize_object (user);
}

static void
test_session_round_trip_minimal (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowSession *restored = authflow_session_new ();
  AuthflowUser *user = make_user ("{\"username\":\"noid\"}");
  g_autoptr(GError) error = NULL;
  g_autofree char *serialized = NULL;

  /* No refresh token, no expiry, no uid anywhere. */
  authflow_session_sign_in (session, "access-1", NULL, NULL, NULL, user);
  g_assert_null (authflow_session_get_uid (session));

  serialized = authflow_session_serialize (session);
  g_assert_true (authflow_session_restore (restored, serialized, &error));
  g_assert_no_error (error);

  assert_same_session (restored, session);

  g_assert_finalize_object (session);
  g_assert_finalize_object (restored);
  g_assert_finalize_object (user);
}

static void
test_session_restore_over_signed_in (void)
{
  AuthflowSession *session = authflow_session_new ();
  AuthflowSession *other = authflow_session_new ();
  AuthflowUser *emily = make_user (EMILY_JSON);
  AuthflowUser *michael = make_user (MICHAEL_JSON);
  g_autoptr(GError) error = NULL;
  g_autofree char *serialized = NULL;

  authflow_session_sign_in (session, "access-1", "refresh-1", NULL, NULL, emily);
  authflow_session_sign_in (other, "access-2", "refresh-2", NULL, NULL, michael);
  serialized = authflow_session_serialize (other);

  g_assert_true (authflow_session_restore (session, serialized, &error));
  g_assert_no_error (error);
  assert_same_session (session, other);

  g_assert_finalize_object (session);
  g_assert_finalize_object (other);
  g_assert_finalize_object (emily);
  g_assert_finalize_object (michael);
}

static void
test_session_serialize_needs_sign_in (void)
{
  AuthflowSession *session = authflow_session_new ();
  char *serialized;

  g_test_expect_message ("authflow-session", G_LOG_LEVEL_CRITICAL,
                         "*self->state == AUTHFLOW_SESSION_STATE_SIGNED_IN*");
  serialized = authflow_session_serialize (session);
  g_test_assert_expected_messages ();
  g_assert_null (serialized);

  g_assert_finalize_object (session);
}

/* The valid item that each bad one below is a variation of. */
#define VALID_ITEM \
  "{\"version\":1,\"accessToken\":\"access-9\",\"refreshToken\":\"refresh-9\"," \
  "\"expiry\":1700003600,\"uid\":\"9\",\"user\":{\"id\":9,\"username\":\"ninth\"}}"

typedef struct
{
  const char *member;
  const char *value;  /* JSON, or NULL to leave the member out */
} Change;

typedef struct
{
  const char *name;
  const char *item;   /* the whole item, or NULL for VALID_ITEM with @change */
  Change      change;
  int         code;
  const char *message;
} BadItem;

static const BadItem bad_items[] = {
  { "not JSON", "{\"version\":1,", { NULL, NULL },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session is not a JSON object" },
  { "empty", "", { NULL, NULL },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session is not a JSON object" },
  { "array", "[" VALID_ITEM "]", { NULL, NULL },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session is not a JSON object" },
  { "string", "\"access-9\"", { NULL, NULL },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session is not a JSON object" },
  { "no version", NULL, { "version", NULL },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no version" },
  { "version a string", NULL, { "version", "\"1\"" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no version" },
  { "version null", NULL, { "version", "null" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no version" },
  { "version 2", NULL, { "version", "2" },
    AUTHFLOW_SESSION_ERROR_VERSION, "The stored session is of version 2, not 1" },
  { "version 0", NULL, { "version", "0" },
    AUTHFLOW_SESSION_ERROR_VERSION, "The stored session is of version 0, not 1" },
  { "no accessToken", NULL, { "accessToken", NULL },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no usable tokens" },
  { "empty accessToken", NULL, { "accessToken", "\"\"" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no usable tokens" },
  { "accessToken a number", NULL, { "accessToken", "42" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no usable tokens" },
  { "accessToken null", NULL, { "accessToken", "null" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no usable tokens" },
  { "refreshToken a number", NULL, { "refreshToken", "42" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no usable tokens" },
  { "uid an object", NULL, { "uid", "{}" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no usable tokens" },
  { "expiry a string", NULL, { "expiry", "\"1700003600\"" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session's expiry is not a time" },
  { "expiry a fraction", NULL, { "expiry", "1700003600.5" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session's expiry is not a time" },
  { "expiry past year 9999", NULL, { "expiry", "253402300800" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session's expiry is not a time" },
  { "no user", NULL, { "user", NULL },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no user data" },
  { "user a string", NULL, { "user", "\"ninth\"" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no user data" },
  { "user an array", NULL, { "user", "[{\"id\":9}]" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no user data" },
  { "user null", NULL, { "user", "null" },
    AUTHFLOW_SESSION_ERROR_CORRUPT, "The stored session has no user data" },
};

static char *
make_bad_item (const BadItem *bad)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  if (bad->item != NULL)
    return g_strdup (bad->item);

  json_parser_load_from_data (parser, VALID_ITEM, -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));

  g_assert_true (json_object_has_member (object, bad->change.member));
  json_object_remove_member (object, bad->change.member);
  if (bad->change.value != NULL)
    {
      JsonNode *value = json_from_string (bad->change.value, &error);

      g_assert_no_error (error);
      json_object_set_member (object, bad->change.member, value);
    }

  return json_to_string (json_parser_get_root (parser), FALSE);
}

static void
test_session_restore_valid_item (void)
{
  AuthflowSession *session = authflow_session_new ();
  g_autoptr(GError) error = NULL;

  /* The item the bad ones are made from is itself good. */
  g_assert_true (authflow_session_restore (session, VALID_ITEM, &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (authflow_session_get_access_token (session), ==, "access-9");
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, "refresh-9");
  g_assert_cmpint (g_date_time_to_unix (authflow_session_get_expiry (session)), ==, 1700003600);
  g_assert_cmpstr (authflow_session_get_uid (session), ==, "9");
  g_assert_cmpstr (authflow_user_get_username (authflow_session_get_user (session)), ==, "ninth");

  g_assert_finalize_object (session);
}

static void
test_session_restore_optional_members (void)
{
  static const char * const items[] = {
    "{\"version\":1,\"accessToken\":\"a\",\"user\":{\"id\":3}}",
    "{\"version\":1,\"accessToken\":\"a\",\"refreshToken\":null,\"expiry\":null,"
    "\"uid\":null,\"user\":{\"id\":3}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      AuthflowSession *session = authflow_session_new ();
      g_autoptr(GError) error = NULL;

      g_test_message ("item: %s", items[i]);
      g_assert_true (authflow_session_restore (session, items[i], &error));
      g_assert_no_error (error);
      g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
      g_assert_cmpstr (authflow_session_get_access_token (session), ==, "a");
      g_assert_null (authflow_session_get_refresh_token (session));
      g_assert_null (authflow_session_get_expiry (session));
      g_assert_cmpstr (authflow_session_get_uid (session), ==, "3");

      g_assert_finalize_object (session);
    }
}

static void
test_session_restore_bad_while_restoring (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_items); i++)
    {
      const BadItem *bad = &bad_items[i];
      AuthflowSession *session = authflow_session_new ();
      g_autoptr(NotifyLog) log = notify_log_new (session);
      g_autofree char *item = make_bad_item (bad);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s: %s", bad->name, item);

      g_assert_false (authflow_session_restore (session, item, &error));
      g_assert_error (error, AUTHFLOW_SESSION_ERROR, bad->code);
      g_assert_cmpstr (error->message, ==, bad->message);

      assert_signed_out (session, AUTHFLOW_SESSION_STATE_RESTORING);
      assert_notified (log, NULL);

      g_signal_handlers_disconnect_by_data (session, log);
      g_assert_finalize_object (session);
    }
}

static void
test_session_restore_bad_while_signed_in (void)
{
  AuthflowUser *user = make_user (EMILY_JSON);
  g_autoptr(GDateTime) expiry = g_date_time_new_from_unix_utc (1700000000);

  for (guint i = 0; i < G_N_ELEMENTS (bad_items); i++)
    {
      const BadItem *bad = &bad_items[i];
      AuthflowSession *session = authflow_session_new ();
      g_autoptr(NotifyLog) log = NULL;
      g_autofree char *item = make_bad_item (bad);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s: %s", bad->name, item);

      authflow_session_sign_in (session, "access-1", "refresh-1", expiry, "uid-1", user);
      log = notify_log_new (session);

      g_assert_false (authflow_session_restore (session, item, &error));
      g_assert_error (error, AUTHFLOW_SESSION_ERROR, bad->code);
      g_assert_cmpstr (error->message, ==, bad->message);

      /* Still signed in as before, and nobody was told otherwise. */
      g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
      g_assert_cmpstr (authflow_session_get_access_token (session), ==, "access-1");
      g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, "refresh-1");
      g_assert_cmpint (g_date_time_to_unix (authflow_session_get_expiry (session)), ==, 1700000000);
      g_assert_cmpstr (authflow_session_get_uid (session), ==, "uid-1");
      g_assert_true (authflow_session_get_user (session) == user);
      assert_notified (log, NULL);

      g_signal_handlers_disconnect_by_data (session, log);
      g_assert_finalize_object (session);
    }

  g_assert_finalize_object (user);
}

static void
test_user_fields (void)
{
  AuthflowUser *user = make_user (EMILY_JSON);
  JsonObject *json = authflow_user_get_json (user);
  g_autofree char *id = NULL;
  g_autofree char *username = NULL;
  g_autofree char *email = NULL;
  g_autofree char *first_name = NULL;
  g_autofree char *last_name = NULL;
  g_autofree char *image = NULL;
  g_autofree char *display_name = NULL;

  g_assert_cmpstr (authflow_user_get_id (user), ==, "1");
  g_assert_cmpstr (authflow_user_get_username (user), ==, "emilys");
  g_assert_cmpstr (authflow_user_get_email (user), ==, "emily.johnson@x.dummyjson.com");
  g_assert_cmpstr (authflow_user_get_first_name (user), ==, "Emily");
  g_assert_cmpstr (authflow_user_get_last_name (user), ==, "Johnson");
  g_assert_cmpstr (authflow_user_get_image (user), ==, "https://dummyjson.com/icon/emilys/128");

  /* The rest of the record is kept whole, as the backend sent it. */
  g_assert_cmpuint (json_object_get_size (json), ==, 7);
  g_assert_cmpstr (json_object_get_string_member (json, "gender"), ==, "female");
  g_assert_cmpint (json_object_get_int_member (json, "id"), ==, 1);

  g_object_get (user,
                "id", &id,
                "username", &username,
                "email", &email,
                "first-name", &first_name,
                "last-name", &last_name,
                "image", &image,
                "display-name", &display_name,
                NULL);
  g_assert_cmpstr (id, ==, "1");
  g_assert_cmpstr (username, ==, "emilys");
  g_assert_cmpstr (email, ==, "emily.johnson@x.dummyjson.com");
  g_assert_cmpstr (first_name, ==, "Emily");
  g_assert_cmpstr (last_name, ==, "Johnson");
  g_assert_cmpstr (image, ==, "https://dummyjson.com/icon/emilys/128");
  g_assert_cmpstr (display_name, ==, "Emily Johnson");

  g_assert_finalize_object (user);
}

static void
test_user_odd_fields (void)
{
  AuthflowUser *string_id = make_user ("{\"id\":\"a1b2\",\"username\":\"x\"}");
  AuthflowUser *odd = make_user ("{\"id\":null,\"username\":true,\"email\":[\"a@b\"],"
                                 "\"firstName\":{\"given\":\"A\"},\"lastName\":null}");
  AuthflowUser *empty = make_user ("{}");
  AuthflowUser *big_id = make_user ("{\"id\":9007199254740993}");

  g_assert_cmpstr (authflow_user_get_id (string_id), ==, "a1b2");
  g_assert_cmpstr (authflow_user_get_id (big_id), ==, "9007199254740993");

  /* Members that hold no text are not made up. */
  g_assert_null (authflow_user_get_id (odd));
  g_assert_null (authflow_user_get_username (odd));
  g_assert_null (authflow_user_get_email (odd));
  g_assert_null (authflow_user_get_first_name (odd));
  g_assert_null (authflow_user_get_last_name (odd));
  g_assert_null (authflow_user_get_image (odd));

  g_assert_null (authflow_user_get_id (empty));
  g_assert_null (authflow_user_get_username (empty));
  g_assert_cmpuint (json_object_get_size (authflow_user_get_json (empty)), ==, 0);

  g_assert_finalize_object (string_id);
  g_assert_finalize_object (odd);
  g_assert_finalize_object (empty);
  g_assert_finalize_object (big_id);
}

static void
test_user_display_name (void)
{
  static const struct {
    const char *json;
    const char *display_name;
  } cases[] = {
    { "{\"id\":1,\"username\":\"emilys\",\"firstName\":\"Emily\",\"lastName\":\"Johnson\"}",
      "Emily Johnson" },
    { "{\"id\":1,\"username\":\"emilys\",\"firstName\":\"Emily\"}", "Emily" },
    { "{\"id\":1,\"username\":\"emilys\",\"lastName\":\"Johnson\"}", "Johnson" },
    { "{\"id\":1,\"username\":\"emilys\",\"firstName\":\"\",\"lastName\":\"Johnson\"}", "Johnson" },
    { "{\"id\":1,\"username\":\"emilys\",\"firstName\":\"\",\"lastName\":\"\"}", "emilys" },
    { "{\"id\":1,\"username\":\"emilys\"}", "emilys" },
    { "{\"id\":1}", "1" },
    { "{\"id\":\"u-77\",\"email\":\"a@b.c\"}", "u-77" },
    { "{\"email\":\"a@b.c\"}", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      AuthflowUser *user = make_user (cases[i].json);
      g_autofree char *display_name = authflow_user_dup_display_name (user);
      g_autofree char *property = NULL;

      g_test_message ("user: %s", cases[i].json);
      g_assert_cmpstr (display_name, ==, cases[i].display_name);

      g_object_get (user, "display-name", &property, NULL);
      g_assert_cmpstr (property, ==, cases[i].display_name);

      g_assert_finalize_object (user);
    }
}

static void
test_user_equal (void)
{
  AuthflowUser *emily = make_user (EMILY_JSON);
  AuthflowUser *emily_again = make_user (EMILY_JSON);
  AuthflowUser *reordered = make_user ("{\"image\":\"https://dummyjson.com/icon/emilys/128\","
                                       "\"gender\":\"female\",\"lastName\":\"Johnson\","
                                       "\"firstName\":\"Emily\","
                                       "\"email\":\"emily.johnson@x.dummyjson.com\","
                                       "\"username\":\"emilys\",\"id\":1}");
  AuthflowUser *michael = make_user (MICHAEL_JSON);
  AuthflowUser *string_id = make_user ("{\"id\":\"1\",\"username\":\"emilys\","
                                       "\"email\":\"emily.johnson@x.dummyjson.com\","
                                       "\"firstName\":\"Emily\",\"lastName\":\"Johnson\","
                                       "\"gender\":\"female\","
                                       "\"image\":\"https://dummyjson.com/icon/emilys/128\"}");
  AuthflowUser *more = make_user ("{\"id\":1,\"username\":\"emilys\","
                                  "\"email\":\"emily.johnson@x.dummyjson.com\","
                                  "\"firstName\":\"Emily\",\"lastName\":\"Johnson\","
                                  "\"gender\":\"female\","
                                  "\"image\":\"https://dummyjson.com/icon/emilys/128\","
                                  "\"age\":28}");

  g_assert_true (authflow_user_equal (emily, emily));
  g_assert_true (authflow_user_equal (emily, emily_again));
  g_assert_true (authflow_user_equal (emily_again, emily));
  g_assert_true (authflow_user_equal (emily, reordered));
  g_assert_false (authflow_user_equal (emily, michael));
  g_assert_false (authflow_user_equal (michael, emily));
  /* The same typed fields, but the record the backend sent differs. */
  g_assert_cmpstr (authflow_user_get_id (string_id), ==, authflow_user_get_id (emily));
  g_assert_false (authflow_user_equal (emily, string_id));
  g_assert_false (authflow_user_equal (emily, more));
  g_assert_false (authflow_user_equal (more, emily));
  g_assert_true (authflow_user_equal (NULL, NULL));
  g_assert_false (authflow_user_equal (emily, NULL));
  g_assert_false (authflow_user_equal (NULL, emily));

  g_assert_finalize_object (emily);
  g_assert_finalize_object (emily_again);
  g_assert_finalize_object (reordered);
  g_assert_finalize_object (michael);
  g_assert_finalize_object (string_id);
  g_assert_finalize_object (more);
}

#define NESTED_JSON \
  "{\"id\":1,\"firstName\":\"Emily\",\"email\":\"emily.johnson@x.dummyjson.com\"," \
  "\"address\":{\"city\":\"Phoenix\",\"coordinates\":{\"lat\":33.5}}," \
  "\"tags\":[\"admin\",{\"level\":3}],\"verified\":true,\"phone\":null}"

static void
test_user_keeps_own_copy (void)
{
  g_autoptr(JsonObject) object = parse_object (NESTED_JSON);
  AuthflowUser *user = authflow_user_new_from_json (object);
  AuthflowUser *before = make_user (NESTED_JSON);
  JsonObject *address = json_object_get_object_member (object, "address");
  JsonArray *tags = json_object_get_array_member (object, "tags");
  JsonObject *json;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  /* The caller goes on to change its object, down to nested members and
   * the values themselves: the user record, which never changes once made,
   * must not follow.
   */
  json_object_set_string_member (object, "firstName", "Mallory");
  json_object_set_int_member (object, "age", 99);
  json_object_remove_member (object, "email");
  json_object_set_string_member (address, "city", "Mesa");
  json_object_set_double_member (json_object_get_object_member (address, "coordinates"), "lat", 0);
  json_node_set_string (json_array_get_element (tags, 0), "nobody");
  json_array_add_int_element (tags, 4);
  json_node_set_boolean (json_object_get_member (object, "verified"), FALSE);

  json = authflow_user_get_json (user);
  g_assert_true (json != object);
  g_assert_cmpstr (json_object_get_string_member (json, "firstName"), ==, "Emily");
  g_assert_false (json_object_has_member (json, "age"));
  g_assert_cmpstr (json_object_get_string_member (json, "email"), ==, "emily.johnson@x.dummyjson.com");
  g_assert_cmpstr (authflow_user_get_first_name (user), ==, "Emily");
  g_assert_true (authflow_user_equal (user, before));

  /* Every member, nested or not, with its type and in its order. */
  root = json_node_init_object (json_node_alloc (), json);
  text = json_to_string (root, FALSE);
  g_assert_cmpstr (text, ==, NESTED_JSON);

  g_assert_finalize_object (user);
  g_assert_finalize_object (before);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/session/initial", test_session_initial);
  g_test_add_func ("/session/state-enum", test_session_state_enum);
  g_test_add_func ("/session/sign-in", test_session_sign_in);
  g_test_add_func ("/session/sign-in/uid-from-user", test_session_sign_in_uid_from_user);
  g_test_add_func ("/session/sign-in/state-notifies-consistent", test_session_state_notifies_consistent);
  g_test_add_func ("/session/sign-in/same-values", test_session_sign_in_same_values);
  g_test_add_func ("/session/sign-in/other-user", test_session_sign_in_other_user);
  g_test_add_func ("/session/sign-in/needs-token", test_session_sign_in_needs_token);
  g_test_add_func ("/session/update-tokens", test_session_update_tokens);
  g_test_add_func ("/session/update-tokens/signed-out", test_session_update_tokens_signed_out);
  g_test_add_func ("/session/update-user", test_session_update_user);
  g_test_add_func ("/session/sign-out", test_session_sign_out);
  g_test_add_func ("/session/sign-out/while-restoring", test_session_sign_out_while_restoring);
  g_test_add_func ("/session/serialize/round-trip", test_session_round_trip);
  g_test_add_func ("/session/serialize/round-trip-minimal", test_session_round_trip_minimal);
  g_test_add_func ("/session/serialize/needs-sign-in", test_session_serialize_needs_sign_in);
  g_test_add_func ("/session/restore/valid-item", test_session_restore_valid_item);
  g_test_add_func ("/session/restore/optional-members", test_session_restore_optional_members);
  g_test_add_func ("/session/restore/over-signed-in", test_session_restore_over_signed_in);
  g_test_add_func ("/session/restore/bad-item-while-restoring", test_session_restore_bad_while_restoring);
  g_test_add_func ("/session/restore/bad-item-while-signed-in", test_session_restore_bad_while_signed_in);
  g_test_add_func ("/user/fields", test_user_fields);
  g_test_add_func ("/user/odd-fields", test_user_odd_fields);
  g_test_add_func ("/user/display-name", test_user_display_name);
  g_test_add_func ("/user/equal", test_user_equal);
  g_test_add_func ("/user/keeps-own-copy", test_user_keeps_own_copy);

  return g_test_run ();
}
