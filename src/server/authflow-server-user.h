// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A user as the API shows it: never with the password or its hash. */
typedef struct
{
  gint64  id;
  char   *username;
  char   *email;
  char   *first_name;
  char   *last_name;
  char   *gender;
  char   *image;
} AuthflowServerUser;

#define AUTHFLOW_SERVER_USERNAME_MIN_LENGTH 3
#define AUTHFLOW_SERVER_USERNAME_MAX_LENGTH 32
#define AUTHFLOW_SERVER_PASSWORD_MIN_LENGTH 8
#define AUTHFLOW_SERVER_NAME_MAX_LENGTH     64

AuthflowServerUser *authflow_server_user_new         (void);
AuthflowServerUser *authflow_server_user_copy        (const AuthflowServerUser *user);
void                authflow_server_user_free        (AuthflowServerUser       *user);
JsonBuilder        *authflow_server_user_to_builder  (const AuthflowServerUser *user);

gboolean            authflow_server_user_from_signup (JsonObject               *body,
                                                      AuthflowServerUser      **out_user,
                                                      char                    **out_password,
                                                      const char              **out_field,
                                                      const char              **out_message);
gboolean            authflow_server_user_apply_patch (AuthflowServerUser       *user,
                                                      JsonObject               *body,
                                                      const char              **out_field,
                                                      const char              **out_message);

gboolean            authflow_server_username_is_valid (const char              *username);
gboolean            authflow_server_email_is_valid    (const char              *email);
gboolean            authflow_server_image_is_valid    (const char              *image);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthflowServerUser, authflow_server_user_free)

G_END_DECLS
