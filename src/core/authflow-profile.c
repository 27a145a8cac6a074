// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-profile"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "authflow-json.h"
#include "authflow-json-path.h"
#include "authflow-jwt.h"
#include "authflow-profile.h"

/* A backend profile: what a backend's calls look like and where in its
 * answers the auth properties and the user data are. It is read from a JSON
 * file, checked whole when loaded (so that a broken profile is reported
 * once, with the key at fault, instead of failing at its first use) and
 * never changes afterwards.
 *
 * Templates: a call's path, and a string in its headers or body, may hold
 * `{{name}}` variables from a fixed list; a name not on it is an error when
 * the profile loads. A variable with no value is an error when the call is
 * made, unless it is written `{{name?}}` and is the whole string: then the
 * body member or header is left out. In a JSON body a whole-string
 * `{{expires_in_mins}}` becomes a number. In a path, each value is
 * percent-encoded as one segment's worth, and none may be missing, empty,
 * optional or a secret: servers and proxies write paths down in their logs.
 */

/* The largest time GDateTime holds: 9999-12-31T23:59:59Z. */
#define LAST_SECOND 253402300799.0

typedef enum
{
  BODY_JSON,
  BODY_FORM,
} BodyType;

typedef enum
{
  EXPIRY_NONE,
  EXPIRY_SECONDS,
  EXPIRY_EPOCH,
  EXPIRY_ISO8601,
  EXPIRY_JWT,
} ExpiryForm;

typedef struct
{
  char     *access_token;
  char     *refresh_token;
  char     *uid;
  char     *expiry;
  ExpiryForm expiry_form;
  char     *user;
  GStrv     user_exclude;
} Mapping;

typedef struct
{
  gboolean    present;
  char       *method;
  char       *path;
  JsonObject *headers;
  BodyType    body_type;
  JsonNode   *body;
  Mapping     mapping;
  /* The variables its templates name, as a set. */
  GHashTable *variables;
} Call;

struct _AuthflowProfile
{
  GObject                    parent_instance;

  char                      *source;
  char                      *id;
  char                      *name;
  char                      *base_url;
  AuthflowProfileIdentifier  login_identifier;
  Call                       calls[AUTHFLOW_PROFILE_N_CALLS];
  GStrv                      error_message;
};

G_DEFINE_FINAL_TYPE (AuthflowProfile, authflow_profile, G_TYPE_OBJECT)

G_DEFINE_QUARK (authflow-profile-error-quark, authflow_profile_error)

/* NULL-terminated, for check_keys(). */
static const char * const call_names[AUTHFLOW_PROFILE_N_CALLS + 1] = {
  "login", "signup", "me", "refresh", "logout", "update_user", "dev_revoke_session", NULL,
};

static const char * const variables[] = {
  "uid", "username", "password", "email", "first_name", "last_name", "image",
  "access_token", "refresh_token", "expires_in_mins",
  "client_id", "client_secret", "scope",
  NULL
};

/* What a path must not carry: it ends up in the logs of every server and
 * proxy on the way, and in the debug log.
 */
static const char * const secret_variables[] = {
  "password", "access_token", "refresh_token", "client_secret", NULL
};

static const char * const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", NULL };

static const char * const expiry_forms[] = { "seconds", "epoch", "iso8601", "jwt", NULL };

static void
mapping_clear (Mapping *mapping)
{
  g_clear_pointer (&mapping->access_token, g_free);
  g_clear_pointer (&mapping->refresh_token, g_free);
  g_clear_pointer (&mapping->uid, g_free);
  g_clear_pointer (&mapping->expiry, g_free);
  g_clear_pointer (&mapping->user, g_free);
  g_clear_pointer (&mapping->user_exclude, g_strfreev);
  mapping->expiry_form = EXPIRY_NONE;
}

static void
authflow_profile_finalize (GObject *object)
{
  AuthflowProfile *self = (AuthflowProfile *)object;

  for (guint i = 0; i < AUTHFLOW_PROFILE_N_CALLS; i++)
    {
      Call *call = &self->calls[i];

      g_clear_pointer (&call->method, g_free);
      g_clear_pointer (&call->path, g_free);
      g_clear_pointer (&call->headers, json_object_unref);
      g_clear_pointer (&call->body, json_node_unref);
      g_clear_pointer (&call->variables, g_hash_table_unref);
      mapping_clear (&call->mapping);
    }

  g_clear_pointer (&self->source, g_free);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->error_message, g_strfreev);

  G_OBJECT_CLASS (authflow_profile_parent_class)->finalize (object);
}

static void
authflow_profile_class_init (AuthflowProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authflow_profile_finalize;
}

static void
authflow_profile_init (AuthflowProfile *self)
{
}

/* Loading and checking */

static gboolean G_GNUC_PRINTF (4, 5)
fail (AuthflowProfile  *self,
      GError          **error,
      const char       *key,
      const char       *format,
      ...)
{
  g_autofree char *problem = NULL;
  va_list args;

  va_start (args, format);
  problem = g_strdup_vprintf (format, args);
  va_end (args);

  if (key != NULL)
    g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_INVALID,
                 "%s: %s: %s", self->source, key, problem);
  else
    g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_INVALID,
                 "%s: %s", self->source, problem);

  return FALSE;
}

static gboolean
check_keys (AuthflowProfile     *self,
            JsonObject          *object,
            const char          *prefix,
            const char * const  *allowed,
            GError             **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (const GList *l = members; l != NULL; l = l->next)
    {
      g_autofree char *key = NULL;

      if (g_strv_contains (allowed, l->data))
        continue;

      key = prefix != NULL ? g_strconcat (prefix, ".", l->data, NULL) : g_strdup (l->data);
      return fail (self, error, key, "unknown key");
    }

  return TRUE;
}

/* Reads an optional string member: %TRUE with *out %NULL when it is absent
 * or null.
 */
static gboolean
get_string (AuthflowProfile  *self,
            JsonObject       *object,
            const char       *member,
            const char       *key,
            const char      **out,
            GError          **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (self, error, key, "must be a string");

  *out = json_node_get_string (node);

  return TRUE;
}

static gboolean
get_required_string (AuthflowProfile  *self,
                     JsonObject       *object,
                     const char       *member,
                     const char       *key,
                     const char      **out,
                     GError          **error)
{
  if (!get_string (self, object, member, key, out, error))
    return FALSE;

  if (*out == NULL || (*out)[0] == '\0')
    return fail (self, error, key, "is required");

  return TRUE;
}

static gboolean
check_json_path (AuthflowProfile  *self,
                 const char       *text,
                 const char       *key,
                 GError          **error)
{
  g_autoptr(AuthflowJsonPath) path = NULL;
  g_autoptr(GError) local_error = NULL;

  if (text[0] == '\0')
    return fail (self, error, key, "must be a JSON path such as “$.token”");

  if (!(path = authflow_json_path_new (text, &local_error)))
    return fail (self, error, key, "not a valid JSON path: %s", local_error->message);

  return TRUE;
}

static gboolean
get_json_path (AuthflowProfile  *self,
               JsonObject       *object,
               const char       *member,
               const char       *key,
               char            **out,
               GError          **error)
{
  const char *text;

  if (!get_string (self, object, member, key, &text, error))
    return FALSE;

  if (text != NULL && !check_json_path (self, text, key, error))
    return FALSE;

  g_free (*out);
  *out = g_strdup (text);

  return TRUE;
}

static gboolean
parse_expiry (AuthflowProfile  *self,
              Mapping          *mapping,
              JsonNode         *node,
              const char       *key,
              GError          **error)
{
  g_autofree char *form_key = g_strconcat (key, ".form", NULL);
  g_autofree char *path_key = g_strconcat (key, ".path", NULL);
  static const char * const allowed[] = { "path", "form", NULL };
  const char *form;
  JsonObject *object;

  g_clear_pointer (&mapping->expiry, g_free);
  mapping->expiry_form = EXPIRY_NONE;

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (self, error, key, "must be an object with “path” and “form”, or null");

  object = json_node_get_object (node);
  if (!check_keys (self, object, key, allowed, error) ||
      !get_required_string (self, object, "form", form_key, &form, error))
    return FALSE;

  if (!g_strv_contains (expiry_forms, form))
    return fail (self, error, form_key, "must be one of seconds, epoch, iso8601, jwt");

  mapping->expiry_form = g_str_equal (form, "seconds") ? EXPIRY_SECONDS :
                         g_str_equal (form, "epoch") ? EXPIRY_EPOCH :
                         g_str_equal (form, "iso8601") ? EXPIRY_ISO8601 : EXPIRY_JWT;

  if (!get_json_path (self, object, "path", path_key, &mapping->expiry, error))
    return FALSE;

  if (mapping->expiry_form == EXPIRY_JWT && mapping->expiry != NULL)
    return fail (self, error, path_key, "must be left out with the form “jwt”");

  if (mapping->expiry_form != EXPIRY_JWT && mapping->expiry == NULL)
    return fail (self, error, path_key, "is required with the form “%s”", form);

  return TRUE;
}

static gboolean
parse_user (AuthflowProfile  *self,
            Mapping          *mapping,
            JsonNode         *node,
            const char       *key,
            GError          **error)
{
  static const char * const allowed[] = { "path", "exclude", NULL };
  g_autofree char *path_key = g_strconcat (key, ".path", NULL);
  g_autofree char *exclude_key = g_strconcat (key, ".exclude", NULL);
  g_autoptr(GStrvBuilder) exclude = g_strv_builder_new ();
  JsonObject *object;
  JsonNode *exclude_node;

  g_clear_pointer (&mapping->user, g_free);
  g_clear_pointer (&mapping->user_exclude, g_strfreev);

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      if (!check_json_path (self, json_node_get_string (node), key, error))
        return FALSE;

      mapping->user = json_node_dup_string (node);
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (self, error, key, "must be a JSON path, an object with “path” and “exclude”, "
                                   "or null");

  object = json_node_get_object (node);
  if (!check_keys (self, object, key, allowed, error) ||
      !get_json_path (self, object, "path", path_key, &mapping->user, error))
    return FALSE;

  if (mapping->user == NULL)
    return fail (self, error, path_key, "is required");

  exclude_node = json_object_get_member (object, "exclude");
  if (exclude_node != NULL)
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (exclude_node))
        return fail (self, error, exclude_key, "must be a list of member names");

      array = json_node_get_array (exclude_node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (element) ||
              json_node_get_value_type (element) != G_TYPE_STRING)
            return fail (self, error, exclude_key, "must be a list of member names");

          g_strv_builder_add (exclude, json_node_get_string (element));
        }
    }

  mapping->user_exclude = g_strv_builder_end (exclude);

  return TRUE;
}

/* Applies the members of an "answer" object on top of @mapping, so that a
 * call's own "answer" overrides the profile's, member by member.
 */
static gboolean
parse_mapping (AuthflowProfile  *self,
               Mapping          *mapping,
               JsonNode         *node,
               const char       *prefix,
               gboolean          top_level,
               GError          **error)
{
  static const char * const allowed_top[] = {
    "access_token", "refresh_token", "expiry", "uid", "user", "error_message", NULL
  };
  static const char * const allowed_call[] = {
    "access_token", "refresh_token", "expiry", "uid", "user", NULL
  };
  static const char * const paths[] = { "access_token", "refresh_token", "uid", NULL };
  char **targets[] = { &mapping->access_token, &mapping->refresh_token, &mapping->uid };
  JsonObject *object;
  JsonNode *member;

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (self, error, prefix, "must be an object");

  object = json_node_get_object (node);
  if (!check_keys (self, object, prefix, top_level ? allowed_top : allowed_call, error))
    return FALSE;

  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *key = g_strconcat (prefix, ".", paths[i], NULL);

      if (json_object_has_member (object, paths[i]) &&
          !get_json_path (self, object, paths[i], key, targets[i], error))
        return FALSE;
    }

  if ((member = json_object_get_member (object, "expiry")))
    {
      g_autofree char *key = g_strconcat (prefix, ".expiry", NULL);

      if (!parse_expiry (self, mapping, member, key, error))
        return FALSE;
    }

  if ((member = json_object_get_member (object, "user")))
    {
      g_autofree char *key = g_strconcat (prefix, ".user", NULL);

      if (!parse_user (self, mapping, member, key, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
parse_error_message (AuthflowProfile  *self,
                     JsonObject       *answer,
                     GError          **error)
{
  static const char *key = "answer.error_message";
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *node = json_object_get_member (answer, "error_message");
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      if (!check_json_path (self, json_node_get_string (node), key, error))
        return FALSE;

      g_strv_builder_add (builder, json_node_get_string (node));
      self->error_message = g_strv_builder_end (builder);
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (self, error, key, "must be a JSON path or a list of them");

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree char *element_key = g_strdup_printf ("%s[%u]", key, i);

      if (!JSON_NODE_HOLDS_VALUE (element) ||
          json_node_get_value_type (element) != G_TYPE_STRING)
        return fail (self, error, element_key, "must be a JSON path");

      if (!check_json_path (self, json_node_get_string (element), element_key, error))
        return FALSE;

      g_strv_builder_add (builder, json_node_get_string (element));
    }

  self->error_message = g_strv_builder_end (builder);

  return TRUE;
}

/* Checks the variables of one template string of @call, and notes them.
 * @in_path says whether it is the call's path.
 */
static gboolean
check_template (AuthflowProfile  *self,
                Call             *call,
                const char       *text,
                const char       *key,
                gboolean          in_path,
                GError          **error)
{
  const char *p = text;
  const char *open;

  while ((open = strstr (p, "{{")))
    {
      const char *close = strstr (open + 2, "}}");
      g_autofree char *name = NULL;
      gboolean optional;
      gsize len;

      if (close == NULL)
        return fail (self, error, key, "“{{” without “}}”");

      name = g_strndup (open + 2, close - open - 2);
      len = strlen (name);
      optional = len > 0 && name[len - 1] == '?';
      if (optional)
        name[len - 1] = '\0';

      if (!g_strv_contains (variables, name))
        return fail (self, error, key, "unknown variable “{{%s%s}}”", name, optional ? "?" : "");

      /* A path with a part left out would be another path. */
      if (optional && in_path)
        return fail (self, error, key, "“{{%s?}}” cannot be optional in a path: "
                                       "every part of a path must have a value", name);

      if (optional && (open != text || close[2] != '\0'))
        return fail (self, error, key, "the optional “{{%s?}}” must be the whole value", name);

      if (in_path && g_strv_contains (secret_variables, name))
        return fail (self, error, key, "“{{%s}}” cannot be in a path, which servers and proxies "
                                       "write down in their logs; send it in a header or the body",
                     name);

      g_hash_table_add (call->variables, g_steal_pointer (&name));
      p = close + 2;
    }

  return TRUE;
}

static gboolean
check_body_template (AuthflowProfile  *self,
                     Call             *call,
                     JsonNode         *node,
                     const char       *key,
                     GError          **error)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (const GList *l = members; l != NULL; l = l->next)
        {
          g_autofree char *member_key = g_strconcat (key, ".", l->data, NULL);
          JsonNode *member = json_object_get_member (object, l->data);

          if (call->body_type == BODY_FORM &&
              (!JSON_NODE_HOLDS_VALUE (member) ||
               json_node_get_value_type (member) != G_TYPE_STRING))
            return fail (self, error, member_key, "must be a string in a form body");

          if (!check_body_template (self, call, member, member_key, error))
            return FALSE;
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *element_key = g_strdup_printf ("%s[%u]", key, i);

          if (!check_body_template (self, call, json_array_get_element (array, i), element_key,
                                    error))
            return FALSE;
        }
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      return check_template (self, call, json_node_get_string (node), key, FALSE, error);
    }

  return TRUE;
}

static gboolean
parse_call (AuthflowProfile  *self,
            Call             *call,
            const char       *name,
            JsonNode         *node,
            JsonNode         *answer,
            GError          **error)
{
  static const char * const allowed[] = {
    "method", "path", "headers", "body_type", "body", "answer", NULL
  };
  g_autofree char *prefix = g_strconcat ("calls.", name, NULL);
  g_autofree char *method_key = g_strconcat (prefix, ".method", NULL);
  g_autofree char *path_key = g_strconcat (prefix, ".path", NULL);
  g_autofree char *headers_key = g_strconcat (prefix, ".headers", NULL);
  g_autofree char *body_type_key = g_strconcat (prefix, ".body_type", NULL);
  g_autofree char *body_key = g_strconcat (prefix, ".body", NULL);
  g_autofree char *answer_key = g_strconcat (prefix, ".answer", NULL);
  const char *method;
  const char *path;
  const char *body_type;
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (self, error, prefix, "must be an object");

  object = json_node_get_object (node);
  if (!check_keys (self, object, prefix, allowed, error))
    return FALSE;

  if (!get_required_string (self, object, "method", method_key, &method, error))
    return FALSE;
  if (!g_strv_contains (methods, method))
    return fail (self, error, method_key, "must be one of GET, POST, PUT, PATCH, DELETE");

  if (!get_required_string (self, object, "path", path_key, &path, error))
    return FALSE;
  if (path[0] != '/')
    return fail (self, error, path_key, "must start with “/”");
  if (strpbrk (path, " \t\r\n#") != NULL)
    return fail (self, error, path_key, "must not contain spaces or “#”");

  call->variables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!check_template (self, call, path, path_key, TRUE, error))
    return FALSE;

  if ((member = json_object_get_member (object, "headers")))
    {
      JsonObject *headers;
      g_autoptr(GList) names = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (member))
        return fail (self, error, headers_key, "must be an object of names and values");

      headers = json_node_get_object (member);
      names = json_object_get_members (headers);
      for (const GList *l = names; l != NULL; l = l->next)
        {
          g_autofree char *header_key = g_strconcat (headers_key, ".", l->data, NULL);
          JsonNode *value = json_object_get_member (headers, l->data);

          if (((const char *)l->data)[0] == '\0' || strpbrk (l->data, " \t\r\n:") != NULL)
            return fail (self, error, header_key, "not a valid header name");

          if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
            return fail (self, error, header_key, "must be a string");

          if (strpbrk (json_node_get_string (value), "\r\n") != NULL)
            return fail (self, error, header_key, "must be a single line");

          if (!check_template (self, call, json_node_get_string (value), header_key, FALSE, error))
            return FALSE;
        }

      call->headers = json_object_ref (headers);
    }

  if (!get_string (self, object, "body_type", body_type_key, &body_type, error))
    return FALSE;
  if (body_type == NULL || g_str_equal (body_type, "json"))
    call->body_type = BODY_JSON;
  else if (g_str_equal (body_type, "form"))
    call->body_type = BODY_FORM;
  else
    return fail (self, error, body_type_key, "must be “json” or “form”");

  if ((member = json_object_get_member (object, "body")) && !JSON_NODE_HOLDS_NULL (member))
    {
      if (g_str_equal (method, "GET"))
        return fail (self, error, body_key, "a GET call cannot have a body");

      if (!JSON_NODE_HOLDS_OBJECT (member))
        return fail (self, error, body_key, "must be an object");

      if (!check_body_template (self, call, member, body_key, error))
        return FALSE;

      call->body = json_node_ref (member);
    }

  /* The profile's mapping, then the call's own on top of it. */
  if (!parse_mapping (self, &call->mapping, answer, "answer", TRUE, error) ||
      !parse_mapping (self, &call->mapping, json_object_get_member (object, "answer"),
                      answer_key, FALSE, error))
    return FALSE;

  call->present = TRUE;
  call->method = g_strdup (method);
  call->path = g_strdup (path);

  return TRUE;
}

static gboolean
is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);

  return address != NULL && g_inet_address_get_is_loopback (address);
}

static gboolean
parse_base_url (AuthflowProfile  *self,
                JsonObject       *root,
                GError          **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *text;
  const char *scheme;
  gsize len;

  if (!get_required_string (self, root, "base_url", "base_url", &text, error))
    return FALSE;

  if (!(uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL)) ||
      g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return fail (self, error, "base_url", "must be an http:// or https:// URL");

  scheme = g_uri_get_scheme (uri);
  if (!g_str_equal (scheme, "https") && !g_str_equal (scheme, "http"))
    return fail (self, error, "base_url", "must be an http:// or https:// URL");

  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      g_uri_get_userinfo (uri) != NULL)
    return fail (self, error, "base_url", "must not have a query, a fragment or a password");

  /* Tokens and passwords must not cross the network in the clear; a server
   * on this machine is the one exception, for development.
   */
  if (g_str_equal (scheme, "http") && !is_loopback (g_uri_get_host (uri)))
    {
      g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_INSECURE,
                   "%s: base_url: plain http:// is only allowed for this machine "
                   "(localhost, 127.0.0.1 or ::1); use https:// for “%s”",
                   self->source, g_uri_get_host (uri));
      return FALSE;
    }

  len = strlen (text);
  while (len > 0 && text[len - 1] == '/')
    len--;
  self->base_url = g_strndup (text, len);

  return TRUE;
}

static gboolean
parse_profile (AuthflowProfile  *self,
               JsonNode         *root_node,
               GError          **error)
{
  static const char * const allowed[] = {
    "id", "name", "description", "base_url", "login_identifier", "calls", "answer", NULL
  };
  JsonObject *root;
  JsonObject *calls;
  JsonNode *calls_node;
  JsonNode *answer;
  const char *id;
  const char *name;
  const char *identifier;
  Mapping base = { 0 };
  gboolean ok;

  /* An empty or blank text parses, to no root at all. */
  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node))
    return fail (self, error, NULL, "must be a JSON object");

  root = json_node_get_object (root_node);
  if (!check_keys (self, root, NULL, allowed, error))
    return FALSE;

  if (!get_required_string (self, root, "id", "id", &id, error))
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-' && *p != '_' && *p != '.')
      return fail (self, error, "id", "must be made of a–z, 0–9, “-”, “_” and “.”");

  if (!get_required_string (self, root, "name", "name", &name, error) ||
      !parse_base_url (self, root, error) ||
      !get_string (self, root, "login_identifier", "login_identifier", &identifier, error))
    return FALSE;

  if (identifier == NULL || g_str_equal (identifier, "username"))
    self->login_identifier = AUTHFLOW_PROFILE_IDENTIFIER_USERNAME;
  else if (g_str_equal (identifier, "email"))
    self->login_identifier = AUTHFLOW_PROFILE_IDENTIFIER_EMAIL;
  else
    return fail (self, error, "login_identifier", "must be “username” or “email”");

  /* The profile-wide mapping is checked once on its own, so that its
   * mistakes are reported under "answer", not under a call.
   */
  answer = json_object_get_member (root, "answer");
  ok = parse_mapping (self, &base, answer, "answer", TRUE, error);
  mapping_clear (&base);
  if (!ok || (answer != NULL && !parse_error_message (self, json_node_get_object (answer), error)))
    return FALSE;

  calls_node = json_object_get_member (root, "calls");
  if (calls_node == NULL)
    return fail (self, error, "calls", "is required");
  if (!JSON_NODE_HOLDS_OBJECT (calls_node))
    return fail (self, error, "calls", "must be an object");

  calls = json_node_get_object (calls_node);
  if (!check_keys (self, calls, "calls", (const char * const *) call_names, error))
    return FALSE;

  for (guint i = 0; i < AUTHFLOW_PROFILE_N_CALLS; i++)
    {
      JsonNode *call = json_object_get_member (calls, call_names[i]);

      if (call == NULL || JSON_NODE_HOLDS_NULL (call))
        {
          if (i == AUTHFLOW_PROFILE_CALL_LOGIN)
            return fail (self, error, "calls.login", "is required");
          continue;
        }

      if (!parse_call (self, &self->calls[i], call_names[i], call, answer, error))
        return FALSE;
    }

  /* The calls that start or renew a session must say where the token is. */
  for (guint i = 0; i < AUTHFLOW_PROFILE_N_CALLS; i++)
    {
      if (!self->calls[i].present || self->calls[i].mapping.access_token != NULL)
        continue;

      if (i == AUTHFLOW_PROFILE_CALL_LOGIN || i == AUTHFLOW_PROFILE_CALL_SIGNUP ||
          i == AUTHFLOW_PROFILE_CALL_REFRESH)
        {
          g_autofree char *key = g_strdup_printf ("calls.%s.answer.access_token", call_names[i]);

          return fail (self, error, key, "is required (or “access_token” in “answer”)");
        }
    }

  self->id = g_strdup (id);
  self->name = g_strdup (name);

  return TRUE;
}

/**
 * authflow_profile_new_from_string:
 * @text: the profile's JSON
 * @source_name: what the profile is called in messages, e.g. its file name
 * @error: the place for an error
 *
 * Returns: (transfer full): the profile, or %NULL with @error set to an
 *   #AUTHFLOW_PROFILE_ERROR saying "source_name: key: problem"
 */
AuthflowProfile *
authflow_profile_new_from_string (const char  *text,
                                  const char  *source_name,
                                  GError     **error)
{
  g_autoptr(AuthflowProfile) self = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (source_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (AUTHFLOW_TYPE_PROFILE, NULL);
  self->source = g_strdup (source_name);

  root = authflow_json_parse (text, -1, &local_error);
  if (root == NULL && !g_error_matches (local_error, AUTHFLOW_JSON_ERROR, AUTHFLOW_JSON_ERROR_EMPTY))
    {
      /* json-glib names the text "<data>"; put the source's name there, so
       * that the message reads "reference.json:2:0: Parse error: …".
       */
      if (g_str_has_prefix (local_error->message, "<data>:"))
        g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_INVALID, "%s:%s",
                     source_name, local_error->message + strlen ("<data>:"));
      else
        fail (self, error, NULL, "not valid JSON: %s", local_error->message);
      return NULL;
    }

  if (!parse_profile (self, root, error))
    return NULL;

  return g_steal_pointer (&self);
}

AuthflowProfile *
authflow_profile_new_from_bytes (GBytes      *bytes,
                                 const char  *source_name,
                                 GError     **error)
{
  g_autofree char *text = NULL;
  gsize len;
  const char *data;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (source_name != NULL, NULL);

  /* An empty GBytes may hold no data at all, and memchr () and
   * g_strndup () must not be given NULL. */
  data = g_bytes_get_data (bytes, &len);
  if (data == NULL)
    data = "";
  if (memchr (data, '\0', len) != NULL || !g_utf8_validate_len (data, len, NULL))
    {
      g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_INVALID,
                   "%s: not valid JSON: not UTF-8 text", source_name);
      return NULL;
    }

  text = g_strndup (data, len);

  return authflow_profile_new_from_string (text, source_name, error);
}

/**
 * authflow_profile_new_from_file:
 * @path: a profile file
 * @error: the place for an error
 *
 * Messages name the file by its base name.
 *
 * Returns: (transfer full): the profile, or %NULL with @error set
 */
AuthflowProfile *
authflow_profile_new_from_file (const char  *path,
                                GError     **error)
{
  g_autofree char *basename = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInfo) info = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  file = g_file_new_for_path (path);
  basename = g_path_get_basename (path);

  /* Profiles are read at start-up: a FIFO or /dev/zero under a .json name
   * would hold the start for ever, a huge file for long.
   */
  if (!(info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                  G_FILE_QUERY_INFO_NONE, NULL, error)))
    return NULL;

  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_INVALID,
                   "%s: not a regular file", basename);
      return NULL;
    }

  if (g_file_info_get_size (info) > AUTHFLOW_PROFILE_MAX_FILE_SIZE)
    {
      g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_INVALID,
                   "%s: larger than %u KiB, which no profile needs", basename,
                   AUTHFLOW_PROFILE_MAX_FILE_SIZE / 1024);
      return NULL;
    }

  if (!(bytes = g_file_load_bytes (file, NULL, NULL, error)))
    return NULL;

  return authflow_profile_new_from_bytes (bytes, basename, error);
}

const char *
authflow_profile_call_kind_to_string (AuthflowProfileCallKind kind)
{
  g_return_val_if_fail (kind < AUTHFLOW_PROFILE_N_CALLS, NULL);

  return call_names[kind];
}

const char *
authflow_profile_get_id (AuthflowProfile *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), NULL);

  return self->id;
}

const char *
authflow_profile_get_name (AuthflowProfile *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), NULL);

  return self->name;
}

/**
 * authflow_profile_set_name:
 * @name: the name to show for the backend
 *
 * Replaces the name the file gave: for the built-in profiles, whose files
 * are in English and whose names are shown translated.
 */
void
authflow_profile_set_name (AuthflowProfile *self,
                           const char      *name)
{
  g_return_if_fail (AUTHFLOW_IS_PROFILE (self));
  g_return_if_fail (name != NULL);

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
}

/* Without a trailing "/": the calls' paths start with one. */
const char *
authflow_profile_get_base_url (AuthflowProfile *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), NULL);

  return self->base_url;
}

AuthflowProfileIdentifier
authflow_profile_get_login_identifier (AuthflowProfile *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), AUTHFLOW_PROFILE_IDENTIFIER_USERNAME);

  return self->login_identifier;
}

gboolean
authflow_profile_has_call (AuthflowProfile         *self,
                           AuthflowProfileCallKind  kind)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (kind < AUTHFLOW_PROFILE_N_CALLS, FALSE);

  return self->calls[kind].present;
}

/**
 * authflow_profile_call_uses_variable:
 * @kind: a call
 * @name: a template variable, such as "username"
 *
 * Returns: whether @kind's path, headers or body name `{{@name}}` (or
 *   `{{@name?}}`); %FALSE for a call the profile does not have
 */
gboolean
authflow_profile_call_uses_variable (AuthflowProfile         *self,
                                     AuthflowProfileCallKind  kind,
                                     const char              *name)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (kind < AUTHFLOW_PROFILE_N_CALLS, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return self->calls[kind].present && g_hash_table_contains (self->calls[kind].variables, name);
}

/**
 * authflow_profile_uses_variable:
 * @name: a template variable, such as "expires_in_mins"
 *
 * Returns: whether any of the profile's calls names `{{@name}}`
 */
gboolean
authflow_profile_uses_variable (AuthflowProfile *self,
                                const char      *name)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < AUTHFLOW_PROFILE_N_CALLS; i++)
    if (authflow_profile_call_uses_variable (self, i, name))
      return TRUE;

  return FALSE;
}

/**
 * authflow_profile_dup_call_summary:
 * @kind: a call the profile has
 *
 * Returns: (transfer full): the call as a person reads it in the docs,
 *   its method and path template, e.g. "GET /users/{{uid}}"
 */
char *
authflow_profile_dup_call_summary (AuthflowProfile         *self,
                                   AuthflowProfileCallKind  kind)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), NULL);
  g_return_val_if_fail (kind < AUTHFLOW_PROFILE_N_CALLS, NULL);
  g_return_val_if_fail (self->calls[kind].present, NULL);

  return g_strdup_printf ("%s %s", self->calls[kind].method, self->calls[kind].path);
}

/* Requests */

void
authflow_profile_request_free (AuthflowProfileRequest *request)
{
  if (request == NULL)
    return;

  g_free (request->method);
  g_free (request->url);
  g_clear_pointer (&request->headers, soup_message_headers_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request);
}

/* The error for a call that cannot be made without a value for @name. */
static void
set_missing_value (GError     **error,
                   const char  *call_name,
                   const char  *name)
{
  /* The two values a person can do something about say what. */
  if (g_str_equal (name, "uid"))
    g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_MISSING_VALUE,
                 /* Translators: %s is the name of a backend profile's call, such as "me". */
                 _("The %s call needs the user id, “{{uid}}”, and the backend’s answers gave none"),
                 call_name);
  else if (g_str_equal (name, "expires_in_mins"))
    g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_MISSING_VALUE,
                 /* Translators: %s is the name of a backend profile's call, such as "login". */
                 _("The %s call needs a token lifetime, “{{expires_in_mins}}”: set Token Lifetime in Preferences"),
                 call_name);
  else
    g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_MISSING_VALUE,
                 /* Translators: the first %s is the name of a backend profile's call, such as
                  * "login", the second a template variable, such as "password". */
                 _("The %s call needs a value for “%s”"), call_name, name);
}

/* Fills in one template string; in a path (@in_path), each value
 * percent-encoded, and an empty one taken as missing, so that no segment
 * is ever left empty. Sets *omit, and returns %NULL with no error, when
 * the string is a single optional variable with no value.
 */
static char *
expand (const char   *text,
        GHashTable   *values,
        const char   *call_name,
        gboolean      in_path,
        gboolean     *omit,
        GError      **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = text;
  const char *open;

  *omit = FALSE;

  /* The templates were checked at load: every "{{" has its "}}". */
  while ((open = strstr (p, "{{")))
    {
      const char *close = strstr (open + 2, "}}");
      g_autofree char *name = g_strndup (open + 2, close - open - 2);
      gsize len = strlen (name);
      gboolean optional = len > 0 && name[len - 1] == '?';
      const char *value;

      if (optional)
        name[len - 1] = '\0';

      value = values != NULL ? g_hash_table_lookup (values, name) : NULL;
      if (in_path && value != NULL && value[0] == '\0')
        value = NULL;

      if (value == NULL)
        {
          if (optional)
            {
              *omit = TRUE;
              return NULL;
            }

          set_missing_value (error, call_name, name);
          return NULL;
        }

      g_string_append_len (out, p, open - p);

      if (in_path)
        {
          g_autofree char *escaped = NULL;

          /* "." and ".." are not escaped, and would move the call to
           * another path: "/users/.." is "/".
           */
          if (g_str_equal (value, ".") || g_str_equal (value, ".."))
            {
              g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_VALUE,
                           /* Translators: the first %s is a backend profile's call, such as "me",
                            * the second a value such as "..", the third a template variable. */
                           _("The %s call cannot put “%s” in its path for “%s”"),
                           call_name, value, name);
              return NULL;
            }

          escaped = g_uri_escape_string (value, NULL, FALSE);
          g_string_append (out, escaped);
        }
      else
        g_string_append (out, value);

      p = close + 2;
    }

  g_string_append (out, p);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* A whole-string "{{expires_in_mins}}" (or "{{expires_in_mins?}}"). */
static gboolean
is_number_variable (const char *text)
{
  return g_str_equal (text, "{{expires_in_mins}}") || g_str_equal (text, "{{expires_in_mins?}}");
}

static JsonNode *
fill_json (JsonNode    *template,
           GHashTable  *values,
           const char  *call_name,
           gboolean    *omit,
           GError     **error)
{
  *omit = FALSE;

  if (JSON_NODE_HOLDS_OBJECT (template))
    {
      JsonObject *object = json_node_get_object (template);
      g_autoptr(JsonObject) filled = json_object_new ();
      g_autoptr(GList) members = json_object_get_members (object);
      JsonNode *node;

      for (const GList *l = members; l != NULL; l = l->next)
        {
          g_autoptr(JsonNode) member = NULL;
          gboolean omit_member;

          member = fill_json (json_object_get_member (object, l->data), values, call_name,
                              &omit_member, error);
          if (member == NULL && !omit_member)
            return NULL;
          if (member != NULL)
            json_object_set_member (filled, l->data, g_steal_pointer (&member));
        }

      node = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (node, filled);
      return node;
    }

  if (JSON_NODE_HOLDS_ARRAY (template))
    {
      JsonArray *array = json_node_get_array (template);
      g_autoptr(JsonArray) filled = json_array_new ();
      JsonNode *node;

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element;
          gboolean omit_element;

          element = fill_json (json_array_get_element (array, i), values, call_name,
                               &omit_element, error);
          if (element == NULL && !omit_element)
            return NULL;
          if (element != NULL)
            json_array_add_element (filled, element);
        }

      node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, filled);
      return node;
    }

  if (JSON_NODE_HOLDS_VALUE (template) && json_node_get_value_type (template) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (template);
      g_autofree char *value = NULL;
      JsonNode *node;
      gint64 number;

      if (!(value = expand (text, values, call_name, FALSE, omit, error)))
        return NULL;

      node = json_node_new (JSON_NODE_VALUE);

      if (is_number_variable (text))
        {
          if (!g_ascii_string_to_signed (value, 10, 0, G_MAXINT32, &number, NULL))
            {
              json_node_unref (node);
              g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_VALUE,
                           "“expires_in_mins” must be a whole number of minutes, not “%s”",
                           value);
              return NULL;
            }
          json_node_set_int (node, number);
        }
      else
        {
          json_node_set_string (node, value);
        }

      return node;
    }

  return json_node_copy (template);
}

/* application/x-www-form-urlencoded, as the URL standard encodes it. */
static void
append_form_encoded (GString    *out,
                     const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '.' || *p == '_' || *p == '*')
        g_string_append_c (out, *p);
      else if (*p == ' ')
        g_string_append_c (out, '+');
      else
        g_string_append_printf (out, "%%%02X", *p);
    }
}

static GBytes *
fill_form (JsonNode    *template,
           GHashTable  *values,
           const char  *call_name,
           GError     **error)
{
  JsonObject *object = json_node_get_object (template);
  g_autoptr(GList) members = json_object_get_members (object);
  g_autoptr(GString) out = g_string_new (NULL);

  for (const GList *l = members; l != NULL; l = l->next)
    {
      const char *text = json_object_get_string_member (object, l->data);
      g_autofree char *value = NULL;
      gboolean omit;

      if (!(value = expand (text, values, call_name, FALSE, &omit, error)))
        {
          if (omit)
            continue;
          return NULL;
        }

      if (out->len > 0)
        g_string_append_c (out, '&');
      append_form_encoded (out, l->data);
      g_string_append_c (out, '=');
      append_form_encoded (out, value);
    }

  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/**
 * authflow_profile_build_request:
 * @self: a profile
 * @kind: the call, which the profile must have
 * @values: (nullable): variable names to values, both strings
 * @error: the place for an error
 *
 * Fills in the call's templates: its path (each value percent-encoded),
 * headers and body. A variable with no value fails with
 * %AUTHFLOW_PROFILE_ERROR_MISSING_VALUE, unless the profile marks it
 * optional (`{{name?}}`): then its body member or header is left out. In a
 * path, an empty value counts as none, and "." or ".." fails with
 * %AUTHFLOW_PROFILE_ERROR_BAD_VALUE: no call goes to another path than
 * its own.
 *
 * Returns: (transfer full): the request, or %NULL with @error set
 */
AuthflowProfileRequest *
authflow_profile_build_request (AuthflowProfile          *self,
                                AuthflowProfileCallKind   kind,
                                GHashTable               *values,
                                GError                  **error)
{
  g_autoptr(AuthflowProfileRequest) request = NULL;
  g_autofree char *path = NULL;
  gboolean omit;
  Call *call;

  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), NULL);
  g_return_val_if_fail (kind < AUTHFLOW_PROFILE_N_CALLS, NULL);
  g_return_val_if_fail (self->calls[kind].present, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  call = &self->calls[kind];

  /* A path has nothing optional (checked at load), so nothing is omitted. */
  if (!(path = expand (call->path, values, call_names[kind], TRUE, &omit, error)))
    return NULL;

  request = g_new0 (AuthflowProfileRequest, 1);
  request->method = g_strdup (call->method);
  request->url = g_strconcat (self->base_url, path, NULL);
  request->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);

  if (call->headers != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (call->headers);

      for (const GList *l = names; l != NULL; l = l->next)
        {
          const char *text = json_object_get_string_member (call->headers, l->data);
          g_autofree char *value = NULL;

          if (!(value = expand (text, values, call_names[kind], FALSE, &omit, error)))
            {
              if (omit)
                continue;
              return NULL;
            }

          if (strpbrk (value, "\r\n") != NULL)
            {
              g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_VALUE,
                           "The %s call's header “%s” cannot hold a line break",
                           call_names[kind], (const char *) l->data);
              return NULL;
            }

          soup_message_headers_append (request->headers, l->data, value);
        }
    }

  if (call->body != NULL && call->body_type == BODY_JSON)
    {
      g_autoptr(JsonNode) body = NULL;
      char *text;

      if (!(body = fill_json (call->body, values, call_names[kind], &omit, error)))
        return NULL;

      text = json_to_string (body, FALSE);
      request->body = g_bytes_new_take (text, strlen (text));
      request->content_type = "application/json";
    }
  else if (call->body != NULL)
    {
      if (!(request->body = fill_form (call->body, values, call_names[kind], error)))
        return NULL;
      request->content_type = "application/x-www-form-urlencoded";
    }

  return g_steal_pointer (&request);
}

/**
 * authflow_profile_build_request_with:
 * @self: a profile
 * @kind: the call, which the profile must have
 * @error: the place for an error
 * @first_name: the first variable name, then its value, then more pairs,
 *   ending with %NULL; a %NULL value means "no value"
 *
 * authflow_profile_build_request() with the values given inline.
 */
AuthflowProfileRequest *
authflow_profile_build_request_with (AuthflowProfile          *self,
                                     AuthflowProfileCallKind   kind,
                                     GError                  **error,
                                     const char               *first_name,
                                     ...)
{
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  const char *name;
  va_list args;

  va_start (args, first_name);
  for (name = first_name; name != NULL; name = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);

      if (value != NULL)
        g_hash_table_insert (values, (gpointer) name, (gpointer) value);
    }
  va_end (args);

  return authflow_profile_build_request (self, kind, values, error);
}

/* Answers */

void
authflow_profile_answer_free (AuthflowProfileAnswer *answer)
{
  if (answer == NULL)
    return;

  g_free (answer->access_token);
  g_free (answer->refresh_token);
  g_clear_pointer (&answer->expiry, g_date_time_unref);
  g_free (answer->uid);
  g_clear_object (&answer->user);
  g_free (answer);
}

/* A string, or an integer as a string: ids are often numbers. */
static char *
match_string (JsonNode   *answer,
              const char *path)
{
  g_autoptr(JsonNode) node = authflow_json_path_dup_first (path, answer);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node)[0] != '\0' ? json_node_dup_string (node) : NULL;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

  return NULL;
}

static gboolean
match_number (JsonNode   *answer,
              const char *path,
              double     *number)
{
  g_autoptr(JsonNode) node = authflow_json_path_dup_first (path, answer);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE)
    {
      *number = json_node_get_double (node);
      return TRUE;
    }

  if (type == G_TYPE_STRING)
    {
      gint64 value;

      if (!g_ascii_string_to_signed (json_node_get_string (node), 10, 0, G_MAXINT64, &value,
                                     NULL))
        return FALSE;

      *number = value;
      return TRUE;
    }

  return FALSE;
}

static GDateTime *
map_expiry (const Mapping *mapping,
            JsonNode      *answer,
            const char    *access_token,
            GDateTime     *server_now)
{
  g_autoptr(GError) error = NULL;
  GDateTime *expiry = NULL;
  GDateTime *utc_expiry;
  double number;

  /* Year 9999 is as far as GDateTime goes; a hostile answer must not make
   * the casts below overflow.
   */
  switch (mapping->expiry_form)
    {
    case EXPIRY_NONE:
      return NULL;

    case EXPIRY_SECONDS:
      if (match_number (answer, mapping->expiry, &number) &&
          number >= 0 && number <= 100 * 365 * 86400.0)
        {
          g_autoptr(GDateTime) now = server_now ? g_date_time_ref (server_now)
                                                : g_date_time_new_now_utc ();

          expiry = g_date_time_add_seconds (now, number);
        }
      break;

    case EXPIRY_EPOCH:
      if (match_number (answer, mapping->expiry, &number) && number >= 0 && number <= LAST_SECOND)
        expiry = g_date_time_new_from_unix_utc ((gint64) number);
      break;

    case EXPIRY_ISO8601:
      {
        g_autofree char *text = match_string (answer, mapping->expiry);
        g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

        if (text != NULL)
          expiry = g_date_time_new_from_iso8601 (text, utc);
      }
      break;

    case EXPIRY_JWT:
      if (access_token != NULL && !(expiry = authflow_jwt_get_expiry (access_token, &error)))
        g_debug ("The access token's expiry is unknown: %s", error->message);
      return expiry;

    default:
      g_assert_not_reached ();
    }

  if (expiry == NULL)
    {
      g_debug ("The answer has no usable expiry at %s", mapping->expiry);
      return NULL;
    }

  /* Every expiry the session holds is in UTC, whatever the answer's zone. */
  utc_expiry = g_date_time_to_utc (expiry);
  g_date_time_unref (expiry);

  return utc_expiry;
}

static AuthflowUser *
map_user (const Mapping  *mapping,
          JsonNode       *answer,
          GError        **error)
{
  g_autoptr(JsonNode) node = authflow_json_path_dup_first (mapping->user, answer);
  g_autoptr(JsonObject) user = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *object;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  /* "The whole answer" of an answer that is a bare token, or an array of
   * them, holds no user data; the login's user is then the one typed.
   */
  if (!JSON_NODE_HOLDS_OBJECT (node) && g_str_equal (mapping->user, "$"))
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_ANSWER,
                   "The answer's user data at %s is not an object", mapping->user);
      return NULL;
    }

  object = json_node_get_object (node);
  user = json_object_new ();
  members = json_object_get_members (object);
  for (const GList *l = members; l != NULL; l = l->next)
    {
      if (mapping->user_exclude != NULL &&
          g_strv_contains ((const char * const *) mapping->user_exclude, l->data))
        continue;

      json_object_set_member (user, l->data,
                              json_node_copy (json_object_get_member (object, l->data)));
    }

  /* An answer with nothing but tokens carries no user. */
  if (json_object_get_size (user) == 0)
    return NULL;

  return authflow_user_new_from_json (user);
}

/**
 * authflow_profile_map_answer:
 * @self: a profile
 * @kind: the call that was answered, which the profile must have
 * @answer: the answer's JSON
 * @server_now: (nullable): the server's time when it answered, for expiries
 *   given in seconds from now; %NULL for the local time
 * @error: the place for an error
 *
 * The uid comes from its path, else from the user data's id. A user or an
 * expiry that the answer does not hold is %NULL, not an error; a missing
 * access token is an error for login, sign-up and refresh.
 *
 * Returns: (transfer full): the mapped answer, or %NULL with @error set to
 *   %AUTHFLOW_PROFILE_ERROR_BAD_ANSWER
 */
AuthflowProfileAnswer *
authflow_profile_map_answer (AuthflowProfile          *self,
                             AuthflowProfileCallKind   kind,
                             JsonNode                 *answer,
                             GDateTime                *server_now,
                             GError                  **error)
{
  g_autoptr(AuthflowProfileAnswer) result = NULL;
  const Mapping *mapping;

  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), NULL);
  g_return_val_if_fail (kind < AUTHFLOW_PROFILE_N_CALLS, NULL);
  g_return_val_if_fail (self->calls[kind].present, NULL);
  g_return_val_if_fail (answer != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  mapping = &self->calls[kind].mapping;
  result = g_new0 (AuthflowProfileAnswer, 1);

  result->access_token = match_string (answer, mapping->access_token);
  if (result->access_token == NULL &&
      (kind == AUTHFLOW_PROFILE_CALL_LOGIN || kind == AUTHFLOW_PROFILE_CALL_SIGNUP ||
       kind == AUTHFLOW_PROFILE_CALL_REFRESH))
    {
      g_set_error (error, AUTHFLOW_PROFILE_ERROR, AUTHFLOW_PROFILE_ERROR_BAD_ANSWER,
                   "The answer has no access token at %s", mapping->access_token);
      return NULL;
    }

  result->refresh_token = match_string (answer, mapping->refresh_token);
  result->expiry = map_expiry (mapping, answer, result->access_token, server_now);

  if (mapping->user != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      result->user = map_user (mapping, answer, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }

  result->uid = match_string (answer, mapping->uid);
  if (result->uid == NULL && result->user != NULL)
    result->uid = g_strdup (authflow_user_get_id (result->user));

  return g_steal_pointer (&result);
}

/**
 * authflow_profile_map_error_message:
 * @self: a profile
 * @answer: an error answer's JSON
 *
 * An answer that is a bare string, such as `"Invalid credentials"`, is its
 * own message when no path finds one.
 *
 * Returns: (transfer full) (nullable): the first non-empty string at the
 *   profile's error message paths, else the answer itself if it is a
 *   non-empty string, or %NULL
 */
char *
authflow_profile_map_error_message (AuthflowProfile *self,
                                    JsonNode        *answer)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), NULL);
  g_return_val_if_fail (answer != NULL, NULL);

  for (guint i = 0; self->error_message != NULL && self->error_message[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = authflow_json_path_dup_first (self->error_message[i], answer);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING &&
          json_node_get_string (node)[0] != '\0')
        return json_node_dup_string (node);
    }

  if (JSON_NODE_HOLDS_VALUE (answer) && json_node_get_value_type (answer) == G_TYPE_STRING &&
      json_node_get_string (answer)[0] != '\0')
    return json_node_dup_string (answer);

  return NULL;
}

/**
 * authflow_profile_get_answer_path:
 * @self: a profile
 * @kind: a call the profile has
 * @field: what is looked for in the call's answer
 *
 * Where @kind's answer keeps @field, as the call's own "answer" or the
 * profile's says, so that whoever reads an answer can say where each part
 * came from or was looked for.
 *
 * Returns: (nullable): the JSON path, or %NULL when the profile maps none
 *   (and for the expiry, when its form is "jwt": see
 *   authflow_profile_get_expiry_form())
 */
const char *
authflow_profile_get_answer_path (AuthflowProfile         *self,
                                  AuthflowProfileCallKind  kind,
                                  AuthflowProfileField     field)
{
  const Mapping *mapping;

  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), NULL);
  g_return_val_if_fail (kind < AUTHFLOW_PROFILE_N_CALLS, NULL);

  mapping = &self->calls[kind].mapping;

  switch (field)
    {
    case AUTHFLOW_PROFILE_FIELD_ACCESS_TOKEN:
      return mapping->access_token;

    case AUTHFLOW_PROFILE_FIELD_REFRESH_TOKEN:
      return mapping->refresh_token;

    case AUTHFLOW_PROFILE_FIELD_EXPIRY:
      return mapping->expiry;

    case AUTHFLOW_PROFILE_FIELD_UID:
      return mapping->uid;

    case AUTHFLOW_PROFILE_FIELD_USER:
      return mapping->user;

    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * authflow_profile_get_expiry_form:
 * @self: a profile
 * @kind: a call the profile has
 *
 * Returns: (nullable): how @kind's answer gives the expiry: "seconds",
 *   "epoch", "iso8601" (each at the expiry's path) or "jwt" (the access
 *   token's `exp` claim); %NULL when the profile maps none
 */
const char *
authflow_profile_get_expiry_form (AuthflowProfile         *self,
                                  AuthflowProfileCallKind  kind)
{
  g_return_val_if_fail (AUTHFLOW_IS_PROFILE (self), NULL);
  g_return_val_if_fail (kind < AUTHFLOW_PROFILE_N_CALLS, NULL);

  switch (self->calls[kind].mapping.expiry_form)
    {
    case EXPIRY_SECONDS:
      return "seconds";

    case EXPIRY_EPOCH:
      return "epoch";

    case EXPIRY_ISO8601:
      return "iso8601";

    case EXPIRY_JWT:
      return "jwt";

    case EXPIRY_NONE:
    default:
      return NULL;
    }
}
