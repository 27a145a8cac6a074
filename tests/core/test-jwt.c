// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>

#include "authflow-jwt.h"
#include "authflow-server-jwt.h"

/* The largest time GDateTime holds: 9999-12-31T23:59:59Z. */
#define LAST_SECOND 253402300799

static const char *hs256_header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/* The example token of RFC 7519, section 3.1, whose header has a line break
 * (so it is not what a JSON encoder of our own would write) and whose claims
 * use the long-standing "exp" of 1300819380.
 */
static const char *rfc7519_token =
  "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
  "."
  "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
  "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
  "."
  "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

static char *
base64url (const void *data,
           gsize       len)
{
  char *text = g_base64_encode (data, len);
  char *in;
  char *out;

  for (in = out = text; *in != '\0'; in++)
    {
      if (*in == '=')
        continue;
      *out++ = *in == '+' ? '-' : *in == '/' ? '_' : *in;
    }
  *out = '\0';

  return text;
}

static char *
base64url_str (const char *text)
{
  return base64url (text, strlen (text));
}

/* A compact JWT signed with HS256 the way a server signs it, so that the
 * signature segment is as long and as varied as a real one.
 */
static char *
make_token_raw (const void *header,
                gsize       header_len,
                const void *payload,
                gsize       payload_len)
{
  static const char key[] = "a test key that only this test knows";
  g_autofree char *header64 = base64url (header, header_len);
  g_autofree char *payload64 = base64url (payload, payload_len);
  g_autofree char *signing_input = g_strconcat (header64, ".", payload64, NULL);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) key, strlen (key));
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree char *signature64 = NULL;

  g_hmac_update (hmac, (const guchar *) signing_input, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  g_assert_cmpuint (digest_len, ==, 32);
  signature64 = base64url (digest, digest_len);

  return g_strconcat (signing_input, ".", signature64, NULL);
}

static char *
make_token (const char *header,
            const char *payload)
{
  return make_token_raw (header, strlen (header), payload, strlen (payload));
}

static void
assert_malformed (const char *token,
                  const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) expiry_error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GDateTime) expiry = NULL;

  claims = authflow_jwt_decode_claims (token, &error);
  g_assert_error (error, AUTHFLOW_JWT_ERROR, AUTHFLOW_JWT_ERROR_MALFORMED);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_null (claims);

  expiry = authflow_jwt_get_expiry (token, &expiry_error);
  g_assert_error (expiry_error, AUTHFLOW_JWT_ERROR, AUTHFLOW_JWT_ERROR_MALFORMED);
  g_assert_cmpstr (expiry_error->message, ==, message);
  g_assert_null (expiry);
}

static void
assert_no_expiry (const char *payload,
                  const char *message)
{
  g_autofree char *token = make_token (hs256_header, payload);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) expiry = NULL;
  g_autoptr(JsonObject) claims = NULL;

  expiry = authflow_jwt_get_expiry (token, &error);
  g_assert_error (error, AUTHFLOW_JWT_ERROR, AUTHFLOW_JWT_ERROR_NO_EXPIRY);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_null (expiry);

  /* The token itself is fine: only its expiry is unusable. */
  claims = authflow_jwt_decode_claims (token, NULL);
  g_assert_nonnull (claims);
}

static void
test_jwt_decode_hs256 (void)
{
  g_autofree char *token = make_token (hs256_header,
                                       "{\"sub\":\"1\",\"id\":1,\"username\":\"emilys\","
                                       "\"iat\":1700000000,\"exp\":1700003600,"
                                       "\"jti\":\"0f8a\",\"admin\":true,\"scope\":null,"
                                       "\"roles\":[\"a\",\"b\"]}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  JsonArray *roles;

  claims = authflow_jwt_decode_claims (token, &error);
  g_assert_no_error (error);
  g_assert_nonnull (claims);

  g_assert_cmpuint (json_object_get_size (claims), ==, 9);
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, "1");
  g_assert_cmpint (json_object_get_int_member (claims, "id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (claims, "username"), ==, "emilys");
  g_assert_cmpint (json_object_get_int_member (claims, "iat"), ==, 1700000000);
  g_assert_cmpint (json_object_get_int_member (claims, "exp"), ==, 1700003600);
  g_assert_cmpstr (json_object_get_string_member (claims, "jti"), ==, "0f8a");
  g_assert_true (json_object_get_boolean_member (claims, "admin"));
  g_assert_true (json_object_get_null_member (claims, "scope"));
  roles = json_object_get_array_member (claims, "roles");
  g_assert_cmpuint (json_array_get_length (roles), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (roles, 1), ==, "b");
  /* The header's members are not claims. */
  g_assert_false (json_object_has_member (claims, "alg"));
}

static void
test_jwt_rfc7519_example (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GDateTime) expiry = NULL;

  claims = authflow_jwt_decode_claims (rfc7519_token, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (claims), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (claims, "iss"), ==, "joe");
  g_assert_cmpint (json_object_get_int_member (claims, "exp"), ==, 1300819380);
  g_assert_true (json_object_get_boolean_member (claims, "http://example.com/is_root"));

  expiry = authflow_jwt_get_expiry (rfc7519_token, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_date_time_to_unix (expiry), ==, 1300819380);
}

static void
test_jwt_expiry_exact (void)
{
  g_autofree char *token = make_token (hs256_header,
                                       "{\"sub\":\"7\",\"iat\":1717243200,\"exp\":1717246800}");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) expiry = NULL;
  g_autoptr(GDateTime) expected = g_date_time_new_utc (2024, 6, 1, 13, 0, 0);

  expiry = authflow_jwt_get_expiry (token, &error);
  g_assert_no_error (error);
  g_assert_nonnull (expiry);
  g_assert_cmpint (g_date_time_to_unix (expiry), ==, 1717246800);
  g_assert_true (g_date_time_equal (expiry, expected));
  g_assert_cmpint (g_date_time_get_utc_offset (expiry), ==, 0);
  g_assert_cmpint (g_date_time_get_microsecond (expiry), ==, 0);
}

static void
test_jwt_expiry_limits (void)
{
  g_autofree char *zero = make_token (hs256_header, "{\"exp\":0}");
  g_autofree char *last = make_token (hs256_header, "{\"exp\":253402300799}");
  g_autofree char *fraction = make_token (hs256_header, "{\"exp\":1700000000.75}");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) epoch = NULL;
  g_autoptr(GDateTime) end_of_time = NULL;
  g_autoptr(GDateTime) truncated = NULL;

  epoch = authflow_jwt_get_expiry (zero, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_date_time_to_unix (epoch), ==, 0);

  end_of_time = authflow_jwt_get_expiry (last, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_date_time_to_unix (end_of_time), ==, LAST_SECOND);
  g_assert_cmpint (g_date_time_get_year (end_of_time), ==, 9999);

  /* A NumericDate may have a fraction (RFC 7519, section 2); the expiry is
   * kept to the second, rounded down.
   */
  truncated = authflow_jwt_get_expiry (fraction, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_date_time_to_unix (truncated), ==, 1700000000);
}

static void
test_jwt_base64url_alphabet (void)
{
  /* Three question marks encode to "Pz8/" and three ">" to "Pj4+": in
   * base64url, "_" and "-".
   * The payload's length is not a multiple of three, so that its encoding
   * would need padding.
   */
  const char *payload = "{\"q\":\"?\?\?>>>\",\"exp\":1700000000}";
  g_autofree char *token = make_token (hs256_header, payload);
  g_auto(GStrv) segments = g_strsplit (token, ".", -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;

  g_assert_cmpuint (g_strv_length (segments), ==, 3);
  g_assert_nonnull (strchr (segments[1], '-'));
  g_assert_nonnull (strchr (segments[1], '_'));
  g_assert_cmpuint (strlen (payload) % 3, !=, 0);
  g_assert_cmpuint (strlen (segments[1]) % 4, !=, 0);
  g_assert_null (strchr (token, '='));

  claims = authflow_jwt_decode_claims (token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (claims, "q"), ==, "?\?\?>>>");
  g_assert_cmpint (json_object_get_int_member (claims, "exp"), ==, 1700000000);
}

static void
test_jwt_unicode_claims (void)
{
  g_autofree char *token = make_token (hs256_header,
                                       "{\"name\":\"Zoë Ł\\u00f3dź\",\"exp\":1}");
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GError) error = NULL;

  claims = authflow_jwt_decode_claims (token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (claims, "name"), ==, "Zoë Łódź");
}

/* What the reference server issues, the client reads. */
static void
test_jwt_reference_server_token (void)
{
  guint8 key[AUTHFLOW_SERVER_JWT_SECRET_SIZE];
  g_autoptr(GBytes) secret = NULL;
  g_autofree char *token = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GDateTime) expiry = NULL;
  g_autoptr(GError) error = NULL;

  memset (key, 0x5a, sizeof key);
  secret = g_bytes_new (key, sizeof key);
  token = authflow_server_jwt_encode (secret, 42, "michaelw", "a-session", 1700000000, 1700003600);

  claims = authflow_jwt_decode_claims (token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, "42");
  g_assert_cmpint (json_object_get_int_member (claims, "id"), ==, 42);
  g_assert_cmpstr (json_object_get_string_member (claims, "username"), ==, "michaelw");
  g_assert_cmpint (json_object_get_int_member (claims, "iat"), ==, 1700000000);
  g_assert_cmpstr (json_object_get_string_member (claims, "sid"), ==, "a-session");

  expiry = authflow_jwt_get_expiry (token, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_date_time_to_unix (expiry), ==, 1700003600);
}

static void
test_jwt_not_a_jwt (void)
{
  g_autofree char *good = make_token (hs256_header, "{\"exp\":1}");
  g_autofree char *four = g_strconcat (good, ".", "c2ln", NULL);
  g_autofree char *two = g_strndup (good, strrchr (good, '.') - good);

  assert_malformed (NULL, "The token is not a JWT");
  assert_malformed ("", "The token is not a JWT");
  assert_malformed ("eyJhbGciOiJIUzI1NiJ9", "The token is not a JWT");
  assert_malformed (two, "The token is not a JWT");
  assert_malformed (four, "The token is not a JWT");
  assert_malformed ("...", "The token is not a JWT");
}

static void
test_jwt_bad_base64 (void)
{
  g_autofree char *header64 = base64url_str (hs256_header);
  g_autofree char *payload64 = base64url_str ("{\"exp\":1}");
  static const char needs_plus_slash[] = "{\"q\":\"?\?\?>>>\"}";
  static const char needs_padding[] = "{\"exp\":12}";
  g_autofree char *standard = g_base64_encode ((const guchar *) needs_plus_slash,
                                               sizeof needs_plus_slash - 1);
  g_autofree char *padded = g_base64_encode ((const guchar *) needs_padding,
                                             sizeof needs_padding - 1);
  g_autofree char *token = NULL;

  /* Characters outside the base64url alphabet. */
  g_clear_pointer (&token, g_free);
  token = g_strconcat (header64, ".", "eyJ!ZXhwIjoxfQ", ".sig", NULL);
  assert_malformed (token, "The token is not base64url");

  g_clear_pointer (&token, g_free);
  token = g_strconcat (header64, ".", "eyJ leHAiOjF9", ".sig", NULL);
  assert_malformed (token, "The token is not base64url");

  /* Standard base64's "+" and "/" are not base64url. */
  g_assert_true (strchr (standard, '+') != NULL || strchr (standard, '/') != NULL);
  g_clear_pointer (&token, g_free);
  token = g_strconcat (header64, ".", standard, ".sig", NULL);
  assert_malformed (token, "The token is not base64url");

  /* A JWT's segments carry no padding (RFC 7515, section 2). */
  g_assert_nonnull (strchr (padded, '='));
  g_clear_pointer (&token, g_free);
  token = g_strconcat (header64, ".", padded, ".sig", NULL);
  assert_malformed (token, "The token is not base64url");

  /* No base64 text is 4n + 1 characters long. */
  g_clear_pointer (&token, g_free);
  token = g_strconcat (header64, ".", "eyJleHAiOjF9a", ".sig", NULL);
  g_assert_cmpuint (strlen ("eyJleHAiOjF9a") % 4, ==, 1);
  assert_malformed (token, "The token is not base64url");

  /* Empty segments. */
  g_clear_pointer (&token, g_free);
  token = g_strconcat (".", payload64, ".sig", NULL);
  assert_malformed (token, "The token is not base64url");

  g_clear_pointer (&token, g_free);
  token = g_strconcat (header64, "..sig", NULL);
  assert_malformed (token, "The token is not base64url");

  /* The header is checked as well as the payload. */
  g_clear_pointer (&token, g_free);
  token = g_strconcat ("eyJ$", ".", payload64, ".sig", NULL);
  assert_malformed (token, "The token is not base64url");
}

static void
test_jwt_not_text (void)
{
  static const char with_nul[] = "{\"exp\":1}\0{}";
  static const char not_utf8[] = "{\"name\":\"\xff\xfe\",\"exp\":1}";
  g_autofree char *nul_token = make_token_raw (hs256_header, strlen (hs256_header),
                                               with_nul, sizeof with_nul - 1);
  g_autofree char *nul_header_token = make_token_raw (with_nul, sizeof with_nul - 1,
                                                      "{\"exp\":1}", 9);
  g_autofree char *utf8_token = make_token (hs256_header, not_utf8);

  /* A NUL inside the payload must not cut it short into "{"exp":1}". */
  assert_malformed (nul_token, "The token does not hold text");
  assert_malformed (nul_header_token, "The token does not hold text");
  assert_malformed (utf8_token, "The token does not hold text");
}

static void
test_jwt_not_json_object (void)
{
  g_autofree char *payload_text = make_token (hs256_header, "exp=1700000000");
  g_autofree char *payload_truncated = make_token (hs256_header, "{\"exp\":1700000000");
  g_autofree char *payload_array = make_token (hs256_header, "[{\"exp\":1700000000}]");
  g_autofree char *payload_number = make_token (hs256_header, "1700000000");
  g_autofree char *header_text = make_token ("HS256", "{\"exp\":1700000000}");
  g_autofree char *header_array = make_token ("[\"HS256\"]", "{\"exp\":1700000000}");

  assert_malformed (payload_text, "The token does not hold a JSON object");
  assert_malformed (payload_truncated, "The token does not hold a JSON object");
  assert_malformed (payload_array, "The token does not hold a JSON object");
  assert_malformed (payload_number, "The token does not hold a JSON object");
  assert_malformed (header_text, "The token does not hold a JSON object");
  assert_malformed (header_array, "The token does not hold a JSON object");
}

static void
test_jwt_no_expiry (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) expiry = NULL;

  assert_no_expiry ("{\"sub\":\"1\"}", "The token has no numeric “exp” claim");
  assert_no_expiry ("{}", "The token has no numeric “exp” claim");
  assert_no_expiry ("{\"exp\":\"1700000000\"}", "The token has no numeric “exp” claim");
  assert_no_expiry ("{\"exp\":null}", "The token has no numeric “exp” claim");
  assert_no_expiry ("{\"exp\":true}", "The token has no numeric “exp” claim");
  assert_no_expiry ("{\"exp\":[1700000000]}", "The token has no numeric “exp” claim");
  assert_no_expiry ("{\"exp\":{\"at\":1700000000}}", "The token has no numeric “exp” claim");

  /* jwt.io's example token: a real HS256 token without "exp". */
  expiry = authflow_jwt_get_expiry ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
                                    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
                                    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
                                    &error);
  g_assert_error (error, AUTHFLOW_JWT_ERROR, AUTHFLOW_JWT_ERROR_NO_EXPIRY);
  g_assert_cmpstr (error->message, ==, "The token has no numeric “exp” claim");
  g_assert_null (expiry);
}

static void
test_jwt_expiry_out_of_range (void)
{
  assert_no_expiry ("{\"exp\":-1}", "The token's “exp” claim is out of range");
  assert_no_expiry ("{\"exp\":-0.5}", "The token's “exp” claim is out of range");
  assert_no_expiry ("{\"exp\":1e300}", "The token's “exp” claim is out of range");
  assert_no_expiry ("{\"exp\":-1e300}", "The token's “exp” claim is out of range");
  assert_no_expiry ("{\"exp\":253402300800}", "The token's “exp” claim is out of range");
  assert_no_expiry ("{\"exp\":9223372036854775807}", "The token's “exp” claim is out of range");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/jwt/decode/hs256", test_jwt_decode_hs256);
  g_test_add_func ("/jwt/decode/rfc7519-example", test_jwt_rfc7519_example);
  g_test_add_func ("/jwt/decode/base64url-alphabet", test_jwt_base64url_alphabet);
  g_test_add_func ("/jwt/decode/unicode", test_jwt_unicode_claims);
  g_test_add_func ("/jwt/decode/reference-server-token", test_jwt_reference_server_token);
  g_test_add_func ("/jwt/expiry/exact", test_jwt_expiry_exact);
  g_test_add_func ("/jwt/expiry/limits", test_jwt_expiry_limits);
  g_test_add_func ("/jwt/error/not-a-jwt", test_jwt_not_a_jwt);
  g_test_add_func ("/jwt/error/bad-base64", test_jwt_bad_base64);
  g_test_add_func ("/jwt/error/not-text", test_jwt_not_text);
  g_test_add_func ("/jwt/error/not-json-object", test_jwt_not_json_object);
  g_test_add_func ("/jwt/error/no-expiry", test_jwt_no_expiry);
  g_test_add_func ("/jwt/error/expiry-out-of-range", test_jwt_expiry_out_of_range);

  return g_test_run ();
}
