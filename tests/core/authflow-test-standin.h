// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A dummyjson.com stand-in: its signing key and how long its tokens live
 * (set by the test), and the last tokens it issued with the access
 * token's expiry (set by it).
 */
typedef struct
{
  char       *secret;
  guint       access_ttl;
  guint       refresh_ttl;

  char       *access_token;
  char       *refresh_token;
  gint64      exp;

  /* The request being answered. */
  const char *body;
  const char *authorization;
} AuthflowTestDummyjson;

JsonObject *authflow_test_parse_object      (const char            *text);
void        authflow_test_respond           (SoupServerMessage     *msg,
                                             guint                  status,
                                             JsonObject            *answer);
void        authflow_test_respond_message   (SoupServerMessage     *msg,
                                             guint                  status,
                                             const char            *message);
char       *authflow_test_listen_local      (SoupServer            *server);
char       *authflow_test_base64url_encode  (const guchar          *data,
                                             gsize                  len);
char       *authflow_test_base64url_decode  (const char            *text);
char       *authflow_test_hs256             (const char            *secret,
                                             const char            *signing_input);
void        authflow_test_dummyjson_answer  (AuthflowTestDummyjson *d,
                                             SoupServerMessage     *msg,
                                             const char            *method,
                                             const char            *path,
                                             const char            *body,
                                             const char            *authorization);
void        authflow_test_dummyjson_clear   (AuthflowTestDummyjson *d);

G_END_DECLS
