// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-user"

#include "config.h"

#include "authflow-user.h"

/* The Authenticated User's data: the JSON object the backend answered with,
 * kept whole, plus typed copies of the fields every page needs. A user record
 * never changes once made; the session swaps in a new one, so that "the user
 * changed" is one notification on the session.
 */
struct _AuthflowUser
{
  GObject     parent_instance;

  JsonObject *json;
  char       *id;
  char       *username;
  char       *email;
  char       *first_name;
  char       *last_name;
  char       *image;
};

G_DEFINE_FINAL_TYPE (AuthflowUser, authflow_user, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_USERNAME,
  PROP_EMAIL,
  PROP_FIRST_NAME,
  PROP_LAST_NAME,
  PROP_IMAGE,
  PROP_DISPLAY_NAME,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void
authflow_user_finalize (GObject *object)
{
  AuthflowUser *self = (AuthflowUser *)object;

  g_clear_pointer (&self->json, json_object_unref);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->email, g_free);
  g_clear_pointer (&self->first_name, g_free);
  g_clear_pointer (&self->last_name, g_free);
  g_clear_pointer (&self->image, g_free);

  G_OBJECT_CLASS (authflow_user_parent_class)->finalize (object);
}

static void
authflow_user_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  AuthflowUser *self = AUTHFLOW_USER (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;

    case PROP_EMAIL:
      g_value_set_string (value, self->email);
      break;

    case PROP_FIRST_NAME:
      g_value_set_string (value, self->first_name);
      break;

    case PROP_LAST_NAME:
      g_value_set_string (value, self->last_name);
      break;

    case PROP_IMAGE:
      g_value_set_string (value, self->image);
      break;

    case PROP_DISPLAY_NAME:
      g_value_take_string (value, authflow_user_dup_display_name (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_user_class_init (AuthflowUserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authflow_user_finalize;
  object_class->get_property = authflow_user_get_property;

  properties [PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties [PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties [PROP_EMAIL] =
    g_param_spec_string ("email", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties [PROP_FIRST_NAME] =
    g_param_spec_string ("first-name", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties [PROP_LAST_NAME] =
    g_param_spec_string ("last-name", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties [PROP_IMAGE] =
    g_param_spec_string ("image", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties [PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
authflow_user_init (AuthflowUser *self)
{
}

/* Backends disagree on whether an id is a number or a string; the app only
 * ever shows and compares it, so it is kept as text.
 */
static char *
dup_member_as_string (JsonObject *object,
                      const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));

    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

    default:
      return NULL;
    }
}

/* json_node_copy() shares objects, arrays and even values with the
 * original, so a change that the caller makes later would reach the record;
 * json-glib 1.6 has no deep copy of its own.
 */
static JsonNode *
copy_node_deep (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(JsonObject) copy = json_object_new ();
        g_autoptr(GList) members = json_object_get_members (object);

        for (const GList *l = members; l != NULL; l = l->next)
          json_object_set_member (copy, l->data,
                                  copy_node_deep (json_object_get_member (object, l->data)));

        return json_node_init_object (json_node_alloc (), copy);
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint length = json_array_get_length (array);
        g_autoptr(JsonArray) copy = json_array_sized_new (length);

        for (guint i = 0; i < length; i++)
          json_array_add_element (copy, copy_node_deep (json_array_get_element (array, i)));

        return json_node_init_array (json_node_alloc (), copy);
      }

    case JSON_NODE_VALUE:
      {
        JsonNode *copy = json_node_new (JSON_NODE_VALUE);
        GValue value = G_VALUE_INIT;

        json_node_get_value (node, &value);
        json_node_set_value (copy, &value);
        g_value_unset (&value);

        return copy;
      }

    case JSON_NODE_NULL:
    default:
      return json_node_new (JSON_NODE_NULL);
    }
}

/**
 * authflow_user_new_from_json:
 * @object: the user-data object of a backend's answer
 *
 * Returns: (transfer full): a user record holding a deep copy of @object
 */
AuthflowUser *
authflow_user_new_from_json (JsonObject *object)
{
  AuthflowUser *self;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) copy = NULL;

  g_return_val_if_fail (object != NULL, NULL);

  node = json_node_init_object (json_node_alloc (), object);
  copy = copy_node_deep (node);

  self = g_object_new (AUTHFLOW_TYPE_USER, NULL);
  self->json = json_object_ref (json_node_get_object (copy));
  self->id = dup_member_as_string (object, "id");
  self->username = dup_member_as_string (object, "username");
  self->email = dup_member_as_string (object, "email");
  self->first_name = dup_member_as_string (object, "firstName");
  self->last_name = dup_member_as_string (object, "lastName");
  self->image = dup_member_as_string (object, "image");

  return self;
}

/**
 * authflow_user_get_json:
 *
 * Returns: (transfer none): the whole user-data object, as the backend sent it
 */
JsonObject *
authflow_user_get_json (AuthflowUser *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_USER (self), NULL);

  return self->json;
}

const char *
authflow_user_get_id (AuthflowUser *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_USER (self), NULL);

  return self->id;
}

const char *
authflow_user_get_username (AuthflowUser *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_USER (self), NULL);

  return self->username;
}

const char *
authflow_user_get_email (AuthflowUser *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_USER (self), NULL);

  return self->email;
}

const char *
authflow_user_get_first_name (AuthflowUser *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_USER (self), NULL);

  return self->first_name;
}

const char *
authflow_user_get_last_name (AuthflowUser *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_USER (self), NULL);

  return self->last_name;
}

const char *
authflow_user_get_image (AuthflowUser *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_USER (self), NULL);

  return self->image;
}

/**
 * authflow_user_dup_display_name:
 *
 * Returns: (transfer full): "First Last" when the backend gave a name, else
 *   the username, else the id
 */
char *
authflow_user_dup_display_name (AuthflowUser *self)
{
  g_autoptr(GString) name = g_string_new (NULL);

  g_return_val_if_fail (AUTHFLOW_IS_USER (self), NULL);

  if (self->first_name != NULL && self->first_name[0] != '\0')
    g_string_append (name, self->first_name);

  if (self->last_name != NULL && self->last_name[0] != '\0')
    {
      if (name->len > 0)
        g_string_append_c (name, ' ');
      g_string_append (name, self->last_name);
    }

  if (name->len == 0 && self->username != NULL)
    g_string_append (name, self->username);

  if (name->len == 0 && self->id != NULL)
    g_string_append (name, self->id);

  return g_string_free (g_steal_pointer (&name), FALSE);
}

gboolean
authflow_user_equal (AuthflowUser *a,
                     AuthflowUser *b)
{
  if (a == b)
    return TRUE;

  if (a == NULL || b == NULL)
    return FALSE;

  return json_object_equal (a->json, b->json);
}
