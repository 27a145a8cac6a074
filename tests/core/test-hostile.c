// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "authflow-flow.h"
#include "authflow-test-core.h"
#include "authflow-test-utils.h"

/* Hostile and broken servers: a SoupServer on 127.0.0.1 stands in for the
 * backend and misbehaves in one way per test. The app talks to it through
 * the real flow, with the built-in reference profile, and stores into the
 * real gnome-keyring of the test's private session. Each test asserts the
 * exact message a person would see, and that the keyring holds what it
 * held before: nothing after a failed login, the old tokens after a failed
 * refresh.
 */

typedef enum
{
  MODE_GOOD,
  MODE_MALFORMED,
  MODE_ARRAY,
  MODE_MISSING_TOKEN,
  MODE_TOKEN_OBJECT,
  MODE_TOKEN_EMPTY,
  MODE_OPAQUE_TOKEN,
  MODE_EXPIRED,
  MODE_HUGE_LENGTH,
  MODE_HUGE_CHUNKED,
  MODE_ENDLESS,
  MODE_STALL,
  MODE_RESET,
  MODE_TRUNCATED,
  MODE_HTML_502,
  MODE_500_MESSAGE,
  MODE_500_BARE,
  MODE_500_LONG_MESSAGE,
  MODE_503_RETRY_AFTER,
  MODE_429_RETRY_AFTER,
  MODE_REDIRECT_LOOP,
  MODE_REDIRECT_AWAY,
  MODE_REDIRECT_SAME_HOST,
  MODE_EMPTY_200,
  MODE_JSON_AS_HTML,
  MODE_OTHER_USER,
  MODE_NO_REFRESH_TOKEN,
  MODE_DEEP,
  MODE_DEEP_500,
  MODE_ABSURD_DATE,
} Mode;

typedef enum
{
  ON_LOGIN,
  ON_REFRESH,
} When;

typedef struct
{
  const char *path;
  Mode        mode;
  When        when;
  /* The message the person sees, with %u for the stand-in's port; %NULL
   * when the answer is accepted.
   */
  const char *message;
  guint       total_timeout;
  gboolean    tls;
} Case;

#define TIMED_OUT "The server at 127.0.0.1:%u did not answer in time. Check your connection and try again."
#define NOT_JSON "The server's answer is not the JSON object Authflow expects"
#define NO_TOKEN "The server's answer has no access token"
#define TOO_DEEP "The server's answer is nested more than 256 levels deep, which Authflow does not read"

/* Deep enough to overflow json-glib's recursive parser on the main
 * thread's stack, in 120 KB: well within the 1 MiB answer cap.
 */
#define DEEP_LEVELS 60000

static const Case cases[] = {
  { "/hostile/login/malformed-json", MODE_MALFORMED, ON_LOGIN, NOT_JSON },
  /* Any JSON is read with the profile's paths; the reference profile's
   * find no token in an array.
   */
  { "/hostile/login/not-an-object", MODE_ARRAY, ON_LOGIN, NO_TOKEN },
  { "/hostile/login/missing-token", MODE_MISSING_TOKEN, ON_LOGIN, NO_TOKEN },
  { "/hostile/login/token-wrong-type", MODE_TOKEN_OBJECT, ON_LOGIN, NO_TOKEN },
  { "/hostile/login/token-empty", MODE_TOKEN_EMPTY, ON_LOGIN, NO_TOKEN },
  { "/hostile/login/huge-content-length", MODE_HUGE_LENGTH, ON_LOGIN, "The server's answer is too large" },
  { "/hostile/login/huge-chunked", MODE_HUGE_CHUNKED, ON_LOGIN, "The server's answer is too large" },
  { "/hostile/login/never-ending", MODE_ENDLESS, ON_LOGIN, TIMED_OUT, 1 },
  { "/hostile/login/stall-before-headers", MODE_STALL, ON_LOGIN, TIMED_OUT, 1 },
  { "/hostile/login/reset", MODE_RESET, ON_LOGIN,
    "Could not connect to the server at 127.0.0.1:%u. Check that it is running and that you are online." },
  { "/hostile/login/truncated", MODE_TRUNCATED, ON_LOGIN,
    "The connection to the server broke off before its answer was complete. Try again." },
  { "/hostile/login/html-502", MODE_HTML_502, ON_LOGIN, "The server had a problem (HTTP 502). Try again later." },
  { "/hostile/login/500-with-message", MODE_500_MESSAGE, ON_LOGIN, "The server had a problem: The database is down" },
  { "/hostile/login/500-bare", MODE_500_BARE, ON_LOGIN, "The server had a problem (HTTP 500). Try again later." },
  { "/hostile/login/500-overlong-message", MODE_500_LONG_MESSAGE, ON_LOGIN,
    "The server had a problem (HTTP 500). Try again later." },
  { "/hostile/login/503-retry-after", MODE_503_RETRY_AFTER, ON_LOGIN, "The server had a problem (HTTP 503). Try again later." },
  { "/hostile/login/429-retry-after", MODE_429_RETRY_AFTER, ON_LOGIN, "Too many attempts. Wait a moment and try again." },
  { "/hostile/login/redirect-loop", MODE_REDIRECT_LOOP, ON_LOGIN,
    "The server redirected too many times, so Authflow gave up" },
  { "/hostile/login/redirect-other-host", MODE_REDIRECT_AWAY, ON_LOGIN,
    "The server redirected to another host, which Authflow does not follow" },
  { "/hostile/login/empty-200", MODE_EMPTY_200, ON_LOGIN, NOT_JSON },
  { "/hostile/login/other-user", MODE_OTHER_USER, ON_LOGIN,
    "The server answered for another user than the one logging in" },
  { "/hostile/login/deep-json", MODE_DEEP, ON_LOGIN, TOO_DEEP },
  { "/hostile/login/deep-json-500", MODE_DEEP_500, ON_LOGIN, "The server had a problem (HTTP 500). Try again later." },
  { "/hostile/login/self-signed-tls", MODE_GOOD, ON_LOGIN,
    "The server's certificate is not valid, so Authflow did not talk to it", 0, TRUE },

  /* Accepted: a redirect on the same host keeps the POST and its body; a
   * JSON answer labelled text/html is still JSON; an opaque token (the
   * reference profile reads the expiry from a JWT) gives a session of
   * unknown expiry; an expiry already past is the flow's to handle (it
   * does not renew ahead, a 401 renews).
   */
  { "/hostile/login/redirect-same-host", MODE_REDIRECT_SAME_HOST, ON_LOGIN, NULL },
  { "/hostile/login/json-as-text-html", MODE_JSON_AS_HTML, ON_LOGIN, NULL },
  { "/hostile/login/opaque-token", MODE_OPAQUE_TOKEN, ON_LOGIN, NULL },
  { "/hostile/login/expired", MODE_EXPIRED, ON_LOGIN, NULL },
  /* A Date of year 9999 is not the server's clock: the token's own expiry
   * stands, read on the local clock.
   */
  { "/hostile/login/absurd-date", MODE_ABSURD_DATE, ON_LOGIN, NULL },

  { "/hostile/refresh/malformed-json", MODE_MALFORMED, ON_REFRESH, NOT_JSON },
  { "/hostile/refresh/missing-token", MODE_MISSING_TOKEN, ON_REFRESH, NO_TOKEN },
  { "/hostile/refresh/503", MODE_503_RETRY_AFTER, ON_REFRESH, "The server had a problem (HTTP 503). Try again later." },
  { "/hostile/refresh/reset", MODE_RESET, ON_REFRESH,
    "Could not connect to the server at 127.0.0.1:%u. Check that it is running and that you are online." },
  { "/hostile/refresh/stall", MODE_STALL, ON_REFRESH, TIMED_OUT, 1 },
  { "/hostile/refresh/huge", MODE_HUGE_CHUNKED, ON_REFRESH, "The server's answer is too large" },
  { "/hostile/refresh/deep-json", MODE_DEEP, ON_REFRESH, TOO_DEEP },
  /* The answer renews the access token only: the old refresh token stays. */
  { "/hostile/refresh/no-refresh-token", MODE_NO_REFRESH_TOKEN, ON_REFRESH, NULL },
};

/* A self-signed certificate for 127.0.0.1, valid until 2126, made with
 * `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes
 * -days 36500 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1`. It
 * is in the source so that the test needs no openssl to run.
 */
static const char self_signed_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBjzCCATagAwIBAgIUfblFEPBrGUQUYQI9IXWORlwEft0wCgYIKoZIzj0EAwIw\n"
  "FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyMjEwMTAzM1oYDzIxMjYxMDI5\n"
  "MTAxMDMzWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO\n"
  "PQMBBwNCAARfTBDRJ/cI0Y28t8GmM2LVLYfhhaSCzIJ4GAHr1YPUpQnFktyjwpV1\n"
  "MeoG0yWMbROsKbSyBY4+2dJPl/+i3diao2QwYjAdBgNVHQ4EFgQUGaJLTT+CA14R\n"
  "biNF5nOt1C7nkFUwHwYDVR0jBBgwFoAUGaJLTT+CA14RbiNF5nOt1C7nkFUwDwYD\n"
  "VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0cAMEQC\n"
  "IGFgStJuKKwGz6P+BQ1tm1JogxbJOfRVWSRHF2GAteZJAiBM1gY7ga9/jQa+Jl2A\n"
  "7VNy1lT8JPUPd8oUwWdIoMLdgQ==\n"
  "-----END CERTIFICATE-----\n"
  "-----BEGIN PRIVATE KEY-----\n"
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgO05HCGIPJPFy/pPC\n"
  "YdJs42/+R+/N+OWA/y0TL0DlZmahRANCAARfTBDRJ/cI0Y28t8GmM2LVLYfhhaSC\n"
  "zIJ4GAHr1YPUpQnFktyjwpV1MeoG0yWMbROsKbSyBY4+2dJPl/+i3dia\n"
  "-----END PRIVATE KEY-----\n";

typedef struct
{
  const Case           *c;
  Mode                  mode;

  SoupServer           *server;
  char                 *url;
  guint                 port;

  char                 *old_access;
  char                 *new_access;

  /* The never-ending answer: one more byte every few milliseconds. */
  SoupServerMessage    *endless;
  guint                 endless_id;

  AuthflowClient       *client;
  AuthflowSessionStore *store;
  AuthflowFlow         *flow;
} Fixture;

static char *
base64url (const char *text)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *) text, strlen (text));
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

/* An unsigned-looking JWT of the reference server's shape; @jti makes two
 * tokens of the same second differ.
 */
static char *
make_jwt (gint64      lifetime,
          const char *jti)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *header = base64url ("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  g_autofree char *claims = NULL;
  g_autofree char *payload = NULL;

  claims = g_strdup_printf ("{\"sub\":\"1\",\"username\":\"emilys\",\"jti\":\"%s\","
                            "\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                            jti, MIN (now, now + lifetime), now + lifetime);
  payload = base64url (claims);

  return g_strconcat (header, ".", payload, ".c2lnbmF0dXJl", NULL);
}

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *content_type,
         const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, strlen (body));
}

/* The login answer of a well-behaved reference server, as JSON text. */
static char *
login_answer (const char *username,
              const char *access_token)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "firstName");
  json_builder_add_string_value (builder, "Emily");
  json_builder_set_member_name (builder, "accessToken");
  json_builder_add_string_value (builder, access_token);
  json_builder_set_member_name (builder, "refreshToken");
  json_builder_add_string_value (builder, "refresh-old");
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

static void
endless_finished_cb (SoupServerMessage *msg,
                     Fixture           *f)
{
  f->endless = NULL;
  g_clear_handle_id (&f->endless_id, g_source_remove);
}

static gboolean
endless_cb (gpointer user_data)
{
  Fixture *f = user_data;

  soup_message_body_append (soup_server_message_get_response_body (f->endless),
                            SOUP_MEMORY_STATIC, " ", 1);
  soup_server_message_unpause (f->endless);

  return G_SOURCE_CONTINUE;
}

/* Takes the connection away from the server and writes @raw (if any) on
 * it before closing it: what a crashing server or a dropped line does.
 */
static void
steal_and_close (SoupServerMessage *msg,
                 const char        *raw)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);
  g_autoptr(GError) error = NULL;

  if (raw != NULL)
    {
      g_output_stream_write_all (g_io_stream_get_output_stream (stream), raw, strlen (raw),
                                 NULL, NULL, &error);
      g_assert_no_error (error);
    }

  g_io_stream_close (stream, NULL, NULL);
}

static void
misbehave (Fixture           *f,
           SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  switch (f->mode)
    {
    case MODE_GOOD:
    case MODE_REDIRECT_SAME_HOST:
      g_assert_not_reached ();

    case MODE_MALFORMED:
      respond (msg, SOUP_STATUS_OK, "application/json", "{\"accessToken\": \"abc");
      break;

    case MODE_ARRAY:
      respond (msg, SOUP_STATUS_OK, "application/json", "[{\"accessToken\": \"abc\"}]");
      break;

    case MODE_MISSING_TOKEN:
      respond (msg, SOUP_STATUS_OK, "application/json",
               "{\"id\": 1, \"username\": \"emilys\", \"refreshToken\": \"refresh-new\"}");
      break;

    case MODE_TOKEN_OBJECT:
      respond (msg, SOUP_STATUS_OK, "application/json",
               "{\"id\": 1, \"username\": \"emilys\", \"accessToken\": {\"jwt\": \"abc\"}, \"refreshToken\": \"r\"}");
      break;

    case MODE_TOKEN_EMPTY:
      respond (msg, SOUP_STATUS_OK, "application/json",
               "{\"id\": 1, \"username\": \"emilys\", \"accessToken\": \"\", \"refreshToken\": \"r\"}");
      break;

    case MODE_OPAQUE_TOKEN:
      {
        g_autofree char *answer = login_answer ("emilys", "opaque-access-token");

        respond (msg, SOUP_STATUS_OK, "application/json", answer);
      }
      break;

    case MODE_EXPIRED:
      {
        g_autofree char *jwt = make_jwt (-3600, "expired");
        g_autofree char *answer = login_answer ("emilys", jwt);

        respond (msg, SOUP_STATUS_OK, "application/json", answer);
      }
      break;

    case MODE_HUGE_LENGTH:
      {
        gsize size = 2 * 1024 * 1024;
        char *huge = g_malloc (size);

        memset (huge, ' ', size);
        huge[0] = '{';
        huge[size - 1] = '}';
        soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, huge, size);
      }
      break;

    case MODE_HUGE_CHUNKED:
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, "application/json", NULL);
      soup_message_body_append (body, SOUP_MEMORY_STATIC, "{\"padding\": \"", 13);
      for (guint i = 0; i < 32; i++)
        {
          char *chunk = g_malloc (64 * 1024);

          memset (chunk, 'x', 64 * 1024);
          soup_message_body_append (body, SOUP_MEMORY_TAKE, chunk, 64 * 1024);
        }
      soup_message_body_append (body, SOUP_MEMORY_STATIC, "\"}", 2);
      soup_message_body_complete (body);
      break;

    case MODE_ENDLESS:
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, "application/json", NULL);
      soup_message_body_append (body, SOUP_MEMORY_STATIC, "{", 1);
      f->endless = msg;
      g_signal_connect (msg, "finished", G_CALLBACK (endless_finished_cb), f);
      f->endless_id = g_timeout_add (20, endless_cb, f);
      break;

    case MODE_STALL:
      soup_server_message_pause (msg);
      break;

    case MODE_RESET:
      steal_and_close (msg, NULL);
      break;

    case MODE_TRUNCATED:
      steal_and_close (msg,
                       "HTTP/1.1 200 OK\r\n"
                       "Content-Type: application/json\r\n"
                       "Content-Length: 1000\r\n"
                       "\r\n"
                       "{\"id\": 1, \"accessToken\": \"abc");
      break;

    case MODE_HTML_502:
      respond (msg, SOUP_STATUS_BAD_GATEWAY, "text/html",
               "<html><head><title>502 Bad Gateway</title></head>"
               "<body><h1>502 Bad Gateway</h1><hr>nginx</body></html>");
      break;

    case MODE_500_MESSAGE:
      respond (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "application/json",
               "{\"message\": \"The database is down\"}");
      break;

    case MODE_500_BARE:
      respond (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL, NULL);
      break;

    case MODE_500_LONG_MESSAGE:
      {
        g_autofree char *long_message = g_strnfill (600, 'a');
        g_autofree char *answer = g_strdup_printf ("{\"message\": \"%s\"}", long_message);

        respond (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "application/json", answer);
      }
      break;

    case MODE_503_RETRY_AFTER:
      soup_message_headers_replace (headers, "Retry-After", "120");
      respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL, NULL);
      break;

    case MODE_429_RETRY_AFTER:
      soup_message_headers_replace (headers, "Retry-After", "30");
      respond (msg, 429, "text/plain", "Slow down");
      break;

    case MODE_REDIRECT_LOOP:
      soup_server_message_set_redirect (msg, SOUP_STATUS_TEMPORARY_REDIRECT,
                                        g_uri_get_path (soup_server_message_get_uri (msg)));
      break;

    case MODE_REDIRECT_AWAY:
      soup_server_message_set_redirect (msg, SOUP_STATUS_TEMPORARY_REDIRECT,
                                        "https://login.example.net/auth/login");
      break;

    case MODE_EMPTY_200:
      respond (msg, SOUP_STATUS_OK, "application/json", "");
      break;

    case MODE_JSON_AS_HTML:
      {
        g_autofree char *jwt = make_jwt (3600, "html");
        g_autofree char *answer = login_answer ("emilys", jwt);

        respond (msg, SOUP_STATUS_OK, "text/html", answer);
      }
      break;

    case MODE_OTHER_USER:
      {
        g_autofree char *jwt = make_jwt (3600, "mallory");
        g_autofree char *answer = login_answer ("mallory", jwt);

        respond (msg, SOUP_STATUS_OK, "application/json", answer);
      }
      break;

    case MODE_DEEP:
    case MODE_DEEP_500:
      {
        GString *deep = g_string_new ("{\"accessToken\": \"abc\", \"user\": ");

        for (guint i = 0; i < DEEP_LEVELS; i++)
          g_string_append_c (deep, '[');
        for (guint i = 0; i < DEEP_LEVELS; i++)
          g_string_append_c (deep, ']');
        g_string_append_c (deep, '}');
        respond (msg, f->mode == MODE_DEEP ? SOUP_STATUS_OK : SOUP_STATUS_INTERNAL_SERVER_ERROR,
                 "application/json", deep->str);
        g_string_free (deep, TRUE);
      }
      break;

    case MODE_ABSURD_DATE:
      {
        g_autofree char *jwt = make_jwt (3600, "absurd-date");
        g_autofree char *answer = login_answer ("emilys", jwt);

        soup_message_headers_replace (headers, "Date", "Fri, 31 Dec 9999 23:59:59 GMT");
        respond (msg, SOUP_STATUS_OK, "application/json", answer);
      }
      break;

    case MODE_NO_REFRESH_TOKEN:
      {
        g_autofree char *answer = g_strdup_printf ("{\"accessToken\": \"%s\"}", f->new_access);

        respond (msg, SOUP_STATUS_OK, "application/json", answer);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* A good login checks what it was sent, so that a redirect that lost the
 * POST body shows.
 */
static void
good_login (Fixture           *f,
            SoupServerMessage *msg)
{
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request_body);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *answer = NULL;
  JsonObject *sent;

  g_assert_cmpstr (soup_server_message_get_method (msg), ==, "POST");
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                             g_bytes_get_size (bytes), NULL));
  sent = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (sent, "username"), ==, "emilys");
  g_assert_cmpstr (json_object_get_string_member (sent, "password"), ==, "emilyspass");

  answer = login_answer ("emilys", f->old_access);
  respond (msg, SOUP_STATUS_OK, "application/json", answer);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fixture *f = user_data;

  if (g_str_equal (path, "/auth/login"))
    {
      if (f->mode == MODE_GOOD || f->c->when == ON_REFRESH)
        good_login (f, msg);
      else if (f->mode == MODE_REDIRECT_SAME_HOST)
        soup_server_message_set_redirect (msg, SOUP_STATUS_TEMPORARY_REDIRECT, "/auth/login-moved");
      else
        misbehave (f, msg);
    }
  else if (g_str_equal (path, "/auth/login-moved"))
    good_login (f, msg);
  else if (g_str_equal (path, "/auth/refresh"))
    misbehave (f, msg);
  else if (g_str_equal (path, "/auth/me"))
    {
      const char *authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                                "Authorization");
      g_autofree char *expected = g_strconcat ("Bearer ", f->new_access, NULL);

      /* Only the renewed token is good here: every call needs a refresh. */
      if (g_strcmp0 (authorization, expected) == 0)
        respond (msg, SOUP_STATUS_OK, "application/json", "{\"id\": 1, \"username\": \"emilys\"}");
      else
        respond (msg, SOUP_STATUS_UNAUTHORIZED, "application/json", "{\"message\": \"Token expired\"}");
    }
  else
    respond (msg, SOUP_STATUS_NOT_FOUND, "application/json", "{\"message\": \"Not found\"}");
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  f->c = data;
  f->mode = f->c->when == ON_LOGIN ? f->c->mode : MODE_GOOD;
  f->old_access = make_jwt (3600, "old");
  f->new_access = make_jwt (3600, "new");

  if (f->c->tls)
    {
      g_autoptr(GTlsCertificate) certificate = NULL;

      if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
        return;

      certificate = g_tls_certificate_new_from_pem (self_signed_pem, -1, &error);
      g_assert_no_error (error);
      f->server = soup_server_new ("tls-certificate", certificate, NULL);
    }
  else
    f->server = soup_server_new (NULL, NULL);

  soup_server_add_handler (f->server, NULL, server_cb, f, NULL);
  soup_server_listen_local (f->server, 0,
                            SOUP_SERVER_LISTEN_IPV4_ONLY | (f->c->tls ? SOUP_SERVER_LISTEN_HTTPS : 0),
                            &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (f->server);
  g_assert_nonnull (uris);
  f->port = g_uri_get_port (uris->data);
  f->url = g_strdup_printf ("%s://127.0.0.1:%u", f->c->tls ? "https" : "http", f->port);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  f->client = authflow_client_new (NULL);
  authflow_client_set_base_url (f->client, f->url);
  if (f->c->total_timeout != 0)
    authflow_client_set_total_timeout (f->client, f->c->total_timeout);
  f->store = authflow_session_store_new (authflow_client_get_base_url (f->client));
  f->flow = authflow_flow_new (f->client, f->store);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->flow != NULL)
    {
      AuthflowFlow *flow = g_steal_pointer (&f->flow);

      authflow_flow_shutdown (flow);
      g_object_add_weak_pointer (G_OBJECT (flow), (gpointer *) &flow);
      g_object_unref (flow);
      g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 10000, flow == NULL));
      g_assert_finalize_object (g_steal_pointer (&f->store));
      g_assert_finalize_object (g_steal_pointer (&f->client));
    }

  g_clear_handle_id (&f->endless_id, g_source_remove);
  if (f->endless != NULL)
    g_signal_handlers_disconnect_by_data (f->endless, f);
  if (f->server != NULL)
    {
      soup_server_disconnect (f->server);
      g_clear_object (&f->server);
    }

  g_clear_pointer (&f->url, g_free);
  g_clear_pointer (&f->old_access, g_free);
  g_clear_pointer (&f->new_access, g_free);
}

#define AWAIT(res) g_assert_true (AUTHFLOW_TEST_WAIT_UNTIL (NULL, 20000, (res) != NULL))

static gboolean
log_in (Fixture  *f,
        GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  authflow_flow_log_in_async (f->flow, "emilys", "emilyspass", NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  return authflow_flow_log_in_finish (f->flow, result, error);
}

/* What the next start of the app would find in the keyring, or %NULL. */
static AuthflowSession *
load_stored (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AuthflowSession) session = NULL;
  char *stored;

  authflow_session_store_load_async (f->store, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);

  stored = authflow_session_store_load_finish (f->store, result, &error);
  g_assert_no_error (error);
  if (stored == NULL)
    return NULL;

  session = authflow_session_new ();
  authflow_session_restore (session, stored, &error);
  g_assert_no_error (error);
  secret_password_free (stored);

  return g_steal_pointer (&session);
}

static void
assert_message (Fixture      *f,
                const GError *error)
{
  g_autoptr(GString) expected = g_string_new (f->c->message);
  g_autofree char *port = g_strdup_printf ("%u", f->port);

  g_assert_nonnull (error);
  g_string_replace (expected, "%u", port, 0);
  g_assert_cmpstr (error->message, ==, expected->str);
}

static void
test_login (Fixture       *f,
            gconstpointer  data)
{
  AuthflowSession *session;
  g_autoptr(AuthflowSession) stored = NULL;
  g_autoptr(GError) error = NULL;

  if (f->flow == NULL)
    {
      g_test_skip ("No TLS backend (glib-networking) is installed");
      return;
    }

  session = authflow_flow_get_session (f->flow);

  if (f->c->message != NULL)
    {
      g_assert_false (log_in (f, &error));
      assert_message (f, error);
      g_assert_cmpint (authflow_session_get_state (session), !=, AUTHFLOW_SESSION_STATE_SIGNED_IN);
      g_assert_null ((stored = load_stored (f)));

      if (f->mode == MODE_429_RETRY_AFTER)
        g_assert_cmpuint (authflow_client_get_retry_after (f->client), >, 0);
      return;
    }

  g_assert_true (log_in (f, &error));
  g_assert_no_error (error);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);
  stored = load_stored (f);
  g_assert_nonnull (stored);
  g_assert_cmpstr (authflow_session_get_access_token (stored), ==,
                   authflow_session_get_access_token (session));

  switch (f->mode)
    {
    case MODE_OPAQUE_TOKEN:
      g_assert_cmpstr (authflow_session_get_access_token (stored), ==, "opaque-access-token");
      g_assert_null (authflow_session_get_expiry (session));
      g_assert_null (authflow_flow_get_next_refresh (f->flow));
      break;

    case MODE_EXPIRED:
      {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

        g_assert_nonnull (authflow_session_get_expiry (session));
        g_assert_cmpint (g_date_time_compare (authflow_session_get_expiry (session), now), <, 0);
        /* Renewing ahead of an expiry that came already past would renew
         * forever; the next 401 renews instead.
         */
        g_assert_null (authflow_flow_get_next_refresh (f->flow));
      }
      break;

    case MODE_REDIRECT_SAME_HOST:
      g_assert_cmpstr (authflow_session_get_access_token (stored), ==, f->old_access);
      break;

    case MODE_ABSURD_DATE:
      {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
        g_autoptr(GDateTime) server_now = authflow_client_dup_server_now (f->client);

        g_assert_cmpint (authflow_client_get_clock_offset (f->client), ==, 0);
        g_assert_nonnull (server_now);
        g_assert_cmpint (g_date_time_get_year (server_now), ==, g_date_time_get_year (now));
        /* Good for an hour, renewed ahead of that: not taken as expired. */
        g_assert_cmpint (g_date_time_compare (authflow_session_get_expiry (session), now), >, 0);
        g_assert_nonnull (authflow_flow_get_next_refresh (f->flow));

        /* The flow's every-10-s check runs on the same clock; one tick
         * of it must not trip over the date either.
         */
        authflow_flow_check_schedule (f->flow);
      }
      break;

    default:
      g_assert_nonnull (authflow_session_get_expiry (session));
      break;
    }
}

static void
test_refresh (Fixture       *f,
              gconstpointer  data)
{
  AuthflowSession *session = authflow_flow_get_session (f->flow);
  g_autoptr(AuthflowSession) stored = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;

  /* A good session first, through a real login. */
  g_assert_true (log_in (f, &error));
  g_assert_no_error (error);
  stored = load_stored (f);
  g_assert_cmpstr (authflow_session_get_access_token (stored), ==, f->old_access);
  g_assert_cmpstr (authflow_session_get_refresh_token (stored), ==, "refresh-old");
  g_clear_object (&stored);

  /* The protected call gets a 401, the flow renews, the renewal goes wrong. */
  f->mode = f->c->mode;
  authflow_flow_call_async (f->flow, "GET", "/auth/me", NULL, NULL, authflow_test_got_result_cb, &result);
  AWAIT (result);
  answer = authflow_test_object_of (authflow_flow_call_finish (f->flow, result, &error));

  stored = load_stored (f);
  g_assert_nonnull (stored);
  g_assert_cmpint (authflow_session_get_state (session), ==, AUTHFLOW_SESSION_STATE_SIGNED_IN);

  if (f->c->message != NULL)
    {
      g_assert_null (answer);
      assert_message (f, error);

      /* Never logged out because the server misbehaved: the old tokens stay. */
      g_assert_cmpstr (authflow_session_get_access_token (session), ==, f->old_access);
      g_assert_cmpstr (authflow_session_get_access_token (stored), ==, f->old_access);
      g_assert_cmpstr (authflow_session_get_refresh_token (stored), ==, "refresh-old");
      return;
    }

  g_assert_no_error (error);
  g_assert_nonnull (answer);
  g_assert_cmpstr (authflow_session_get_access_token (stored), ==, f->new_access);
  g_assert_cmpstr (authflow_session_get_refresh_token (session), ==, "refresh-old");
  g_assert_cmpstr (authflow_session_get_refresh_token (stored), ==, "refresh-old");
}

static const Case plain_http_case = {
  "/hostile/login/plain-http-elsewhere", MODE_GOOD, ON_LOGIN,
  "Authflow talks plain http:// only to this machine; use https:// for auth.example.com",
};

/* --server or Preferences pointed at plain http:// on another machine: the
 * call is refused before anything is sent.
 */
static void
test_plain_http (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(AuthflowSession) stored = NULL;
  g_autoptr(GError) error = NULL;

  authflow_client_set_base_url (f->client, "http://auth.example.com:8080");
  g_assert_false (log_in (f, &error));
  g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK);
  assert_message (f, error);
  g_assert_cmpint (authflow_session_get_state (authflow_flow_get_session (f->flow)), !=,
                   AUTHFLOW_SESSION_STATE_SIGNED_IN);
  g_assert_null ((stored = load_stored (f)));
}

static void
test_check_url (void)
{
  static const char * const allowed[] = {
    "http://127.0.0.1:8787", "http://127.1.2.3", "http://localhost:8787", "http://LOCALHOST",
    "http://[::1]:8787", "https://auth.example.com", "https://10.0.0.1:8443",
  };
  static const char * const refused[] = {
    "http://auth.example.com", "http://10.0.0.1:8787", "http://[2001:db8::1]",
    "http://localhost.example.com", "http://128.0.0.1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (authflow_client_check_url (allowed[i], &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (authflow_client_check_url (refused[i], &error));
      g_assert_error (error, AUTHFLOW_CLIENT_ERROR, AUTHFLOW_CLIENT_ERROR_NETWORK);
      g_assert_true (g_str_has_prefix (error->message, "Authflow talks plain http:// only to this machine"));
    }
}

static void
test_properties (void)
{
  g_autoptr(AuthflowClient) client = authflow_client_new (NULL);
  guint max_answer_size = 0, total_timeout = 0;

  g_object_get (client, "max-answer-size", &max_answer_size, "total-timeout", &total_timeout, NULL);
  g_assert_cmpuint (max_answer_size, ==, 1024 * 1024);
  g_assert_cmpuint (total_timeout, ==, 30);

  g_object_set (client, "max-answer-size", 4096, "total-timeout", 5, NULL);
  g_assert_cmpuint (authflow_client_get_max_answer_size (client), ==, 4096);
  g_assert_cmpuint (authflow_client_get_total_timeout (client), ==, 5);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hostile/properties", test_properties);
  g_test_add_func ("/hostile/check-url", test_check_url);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add (cases[i].path, Fixture, &cases[i], fixture_set_up,
                cases[i].when == ON_LOGIN ? test_login : test_refresh,
                fixture_tear_down);

  g_test_add (plain_http_case.path, Fixture, &plain_http_case, fixture_set_up,
              test_plain_http, fixture_tear_down);

  return g_test_run ();
}
