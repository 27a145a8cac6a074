// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>

#include "authflow-server-user.h"

#define EMAIL_MAX_LENGTH 254
#define IMAGE_MAX_LENGTH 2048

typedef enum
{
  MEMBER_MISSING,
  MEMBER_STRING,
  MEMBER_WRONG_TYPE,
} MemberKind;

/* GLib 2.74 has no g_set_str (). */
static void
replace_str (char       **str,
             const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*str);
  *str = copy;
}

AuthflowServerUser *
authflow_server_user_new (void)
{
  AuthflowServerUser *user = g_new0 (AuthflowServerUser, 1);

  user->username = g_strdup ("");
  user->email = g_strdup ("");
  user->first_name = g_strdup ("");
  user->last_name = g_strdup ("");
  user->gender = g_strdup ("");
  user->image = g_strdup ("");

  return user;
}

AuthflowServerUser *
authflow_server_user_copy (const AuthflowServerUser *user)
{
  AuthflowServerUser *copy;

  g_return_val_if_fail (user != NULL, NULL);

  copy = g_new0 (AuthflowServerUser, 1);
  copy->id = user->id;
  copy->username = g_strdup (user->username);
  copy->email = g_strdup (user->email);
  copy->first_name = g_strdup (user->first_name);
  copy->last_name = g_strdup (user->last_name);
  copy->gender = g_strdup (user->gender);
  copy->image = g_strdup (user->image);

  return copy;
}

void
authflow_server_user_free (AuthflowServerUser *user)
{
  if (user == NULL)
    return;

  g_free (user->username);
  g_free (user->email);
  g_free (user->first_name);
  g_free (user->last_name);
  g_free (user->gender);
  g_free (user->image);
  g_free (user);
}

/* Returns a builder inside an open object, so that callers can add members
 * (the tokens) before closing it. */
JsonBuilder *
authflow_server_user_to_builder (const AuthflowServerUser *user)
{
  JsonBuilder *builder;

  g_return_val_if_fail (user != NULL, NULL);

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, user->id);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, user->username);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, user->email);
  json_builder_set_member_name (builder, "firstName");
  json_builder_add_string_value (builder, user->first_name);
  json_builder_set_member_name (builder, "lastName");
  json_builder_add_string_value (builder, user->last_name);
  json_builder_set_member_name (builder, "gender");
  json_builder_add_string_value (builder, user->gender);
  json_builder_set_member_name (builder, "image");
  json_builder_add_string_value (builder, user->image);

  return builder;
}

/* JSON null counts as absent, so that clients which send every field of a
 * form, filled or not, are not punished for it. */
static MemberKind
get_string_member (JsonObject  *object,
                   const char  *name,
                   const char **out_value)
{
  JsonNode *node = json_object_get_member (object, name);

  *out_value = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return MEMBER_MISSING;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return MEMBER_WRONG_TYPE;

  *out_value = json_node_get_string (node);
  return MEMBER_STRING;
}

gboolean
authflow_server_username_is_valid (const char *username)
{
  gsize len;

  if (username == NULL)
    return FALSE;

  len = strlen (username);
  if (len < AUTHFLOW_SERVER_USERNAME_MIN_LENGTH || len > AUTHFLOW_SERVER_USERNAME_MAX_LENGTH)
    return FALSE;

  for (const char *p = username; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
        return FALSE;
    }

  return TRUE;
}

gboolean
authflow_server_email_is_valid (const char *email)
{
  const char *at;
  const char *domain;
  const char *dot;

  if (email == NULL || *email == '\0' || strlen (email) > EMAIL_MAX_LENGTH)
    return FALSE;

  for (const char *p = email; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        return FALSE;
    }

  at = strchr (email, '@');
  if (at == NULL || at == email || strchr (at + 1, '@') != NULL)
    return FALSE;

  /* The domain needs a dot with something on both sides of it. */
  domain = at + 1;
  dot = strchr (domain, '.');
  if (dot == NULL || dot == domain || domain[strlen (domain) - 1] == '.')
    return FALSE;

  return TRUE;
}

gboolean
authflow_server_image_is_valid (const char *image)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (image == NULL)
    return FALSE;

  if (*image == '\0')
    return TRUE;

  if (strlen (image) > IMAGE_MAX_LENGTH)
    return FALSE;

  uri = g_uri_parse (image, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return FALSE;

  return g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

static gboolean
fail (const char **out_field,
      const char **out_message,
      const char  *field,
      const char  *message)
{
  *out_field = field;
  *out_message = message;
  return FALSE;
}

static gboolean
check_email (JsonObject  *body,
             gboolean     required,
             const char **out_email,
             const char **out_field,
             const char **out_message)
{
  const char *email;

  switch (get_string_member (body, "email", &email))
    {
    case MEMBER_MISSING:
      if (required)
        return fail (out_field, out_message, "email", "Email is required");
      *out_email = NULL;
      return TRUE;

    case MEMBER_WRONG_TYPE:
      return fail (out_field, out_message, "email", "Email is not valid");

    case MEMBER_STRING:
    default:
      if (*email == '\0')
        return fail (out_field, out_message, "email", "Email is required");
      if (!authflow_server_email_is_valid (email))
        return fail (out_field, out_message, "email", "Email is not valid");
      *out_email = email;
      return TRUE;
    }
}

static gboolean
check_name (JsonObject  *body,
            const char  *member,
            const char  *wrong_type_message,
            const char  *too_long_message,
            const char **out_name,
            const char **out_field,
            const char **out_message)
{
  const char *name;

  switch (get_string_member (body, member, &name))
    {
    case MEMBER_MISSING:
      *out_name = NULL;
      return TRUE;

    case MEMBER_WRONG_TYPE:
      return fail (out_field, out_message, member, wrong_type_message);

    case MEMBER_STRING:
    default:
      if (g_utf8_strlen (name, -1) > AUTHFLOW_SERVER_NAME_MAX_LENGTH)
        return fail (out_field, out_message, member, too_long_message);
      *out_name = name;
      return TRUE;
    }
}

static gboolean
check_names (JsonObject  *body,
             const char **out_first_name,
             const char **out_last_name,
             const char **out_field,
             const char **out_message)
{
  return check_name (body, "firstName",
                     "First name must be text", "First name is too long",
                     out_first_name, out_field, out_message) &&
         check_name (body, "lastName",
                     "Last name must be text", "Last name is too long",
                     out_last_name, out_field, out_message);
}

/* Checks the fields in the order username, email, password, firstName,
 * lastName and reports only the first invalid one, so that a form can put one
 * message under one entry. */
gboolean
authflow_server_user_from_signup (JsonObject          *body,
                                  AuthflowServerUser **out_user,
                                  char               **out_password,
                                  const char         **out_field,
                                  const char         **out_message)
{
  g_autoptr(AuthflowServerUser) user = NULL;
  const char *username;
  const char *email;
  const char *password;
  const char *first_name;
  const char *last_name;

  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (out_user != NULL, FALSE);
  g_return_val_if_fail (out_password != NULL, FALSE);
  g_return_val_if_fail (out_field != NULL, FALSE);
  g_return_val_if_fail (out_message != NULL, FALSE);

  switch (get_string_member (body, "username", &username))
    {
    case MEMBER_MISSING:
      return fail (out_field, out_message, "username", "Username is required");

    case MEMBER_WRONG_TYPE:
      return fail (out_field, out_message, "username",
                   "Username must be 3 to 32 letters, digits, dots, dashes or underscores");

    case MEMBER_STRING:
    default:
      if (*username == '\0')
        return fail (out_field, out_message, "username", "Username is required");
      if (!authflow_server_username_is_valid (username))
        return fail (out_field, out_message, "username",
                     "Username must be 3 to 32 letters, digits, dots, dashes or underscores");
      break;
    }

  if (!check_email (body, TRUE, &email, out_field, out_message))
    return FALSE;

  switch (get_string_member (body, "password", &password))
    {
    case MEMBER_MISSING:
    case MEMBER_WRONG_TYPE:
      return fail (out_field, out_message, "password", "Password is required");

    case MEMBER_STRING:
    default:
      if (*password == '\0')
        return fail (out_field, out_message, "password", "Password is required");
      if (g_utf8_strlen (password, -1) < AUTHFLOW_SERVER_PASSWORD_MIN_LENGTH)
        return fail (out_field, out_message, "password", "Password must be at least 8 characters");
      break;
    }

  if (!check_names (body, &first_name, &last_name, out_field, out_message))
    return FALSE;

  user = authflow_server_user_new ();
  replace_str (&user->username, username);
  replace_str (&user->email, email);
  if (first_name != NULL)
    replace_str (&user->first_name, first_name);
  if (last_name != NULL)
    replace_str (&user->last_name, last_name);

  *out_user = g_steal_pointer (&user);
  *out_password = g_strdup (password);
  *out_field = NULL;
  *out_message = NULL;

  return TRUE;
}

/* Absent members leave the user as it is; the username and password are not
 * editable here and, like every unknown member, are ignored. */
gboolean
authflow_server_user_apply_patch (AuthflowServerUser  *user,
                                  JsonObject          *body,
                                  const char         **out_field,
                                  const char         **out_message)
{
  const char *email;
  const char *first_name;
  const char *last_name;
  const char *image;

  g_return_val_if_fail (user != NULL, FALSE);
  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (out_field != NULL, FALSE);
  g_return_val_if_fail (out_message != NULL, FALSE);

  if (!check_email (body, FALSE, &email, out_field, out_message) ||
      !check_names (body, &first_name, &last_name, out_field, out_message))
    return FALSE;

  switch (get_string_member (body, "image", &image))
    {
    case MEMBER_WRONG_TYPE:
      return fail (out_field, out_message, "image", "Image must be a URL");

    case MEMBER_STRING:
      if (!authflow_server_image_is_valid (image))
        return fail (out_field, out_message, "image", "Image must be a URL");
      break;

    case MEMBER_MISSING:
    default:
      break;
    }

  if (email != NULL)
    replace_str (&user->email, email);
  if (first_name != NULL)
    replace_str (&user->first_name, first_name);
  if (last_name != NULL)
    replace_str (&user->last_name, last_name);
  if (image != NULL)
    replace_str (&user->image, image);

  *out_field = NULL;
  *out_message = NULL;

  return TRUE;
}
