// SPDX-License-Identifier: GPL-3.0-or-later
//
// One HTTP request and its answer as the server's route handlers see them:
// method, path, headers, body and client address in; status, headers and
// body out. It knows no HTTP library, so that the handlers and the JSON
// helpers do not either: the transport (authflow-server-http.c) fills it in
// and sends what it holds once it is answered.

#include "config.h"

#include "authflow-server-request.h"

struct _AuthflowServerRequest
{
  grefcount                  ref_count;

  char                      *method;
  char                      *path;
  char                      *client_address;
  /* Lower-cased name → the value of the first header of that name. */
  GHashTable                *headers;
  GByteArray                *body;
  gint64                     start_time;

  guint                      status;
  /* Name, value, name, value… in the order they were set. */
  GPtrArray                 *response_headers;
  GBytes                    *response_body;

  gboolean                   paused;
  AuthflowServerRequestFunc  unpause_func;
  gpointer                   unpause_data;
};

/**
 * authflow_server_request_new:
 * @method: the request method, such as `POST`
 * @path: the path, without the query string
 * @client_address: (nullable): the client's IP address as text
 *
 * Returns: (transfer full): a request without headers, body or answer
 */
AuthflowServerRequest *
authflow_server_request_new (const char *method,
                             const char *path,
                             const char *client_address)
{
  AuthflowServerRequest *self;

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_new0 (AuthflowServerRequest, 1);
  g_ref_count_init (&self->ref_count);
  self->method = g_strdup (method);
  self->path = g_strdup (path);
  self->client_address = g_strdup (client_address);
  self->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->body = g_byte_array_new ();
  self->start_time = g_get_monotonic_time ();
  self->response_headers = g_ptr_array_new_with_free_func (g_free);

  return self;
}

AuthflowServerRequest *
authflow_server_request_ref (AuthflowServerRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_ref_count_inc (&self->ref_count);

  return self;
}

void
authflow_server_request_unref (AuthflowServerRequest *self)
{
  g_return_if_fail (self != NULL);

  if (!g_ref_count_dec (&self->ref_count))
    return;

  g_free (self->method);
  g_free (self->path);
  g_free (self->client_address);
  g_hash_table_unref (self->headers);
  g_byte_array_unref (self->body);
  g_ptr_array_unref (self->response_headers);
  g_clear_pointer (&self->response_body, g_bytes_unref);
  g_free (self);
}

/* Header names are case-insensitive. A repeated header keeps its first
 * value: the transport refuses the repeats that would change the framing. */
void
authflow_server_request_add_header (AuthflowServerRequest *self,
                                    const char            *name,
                                    const char            *value)
{
  g_autofree char *key = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);

  key = g_ascii_strdown (name, -1);
  if (!g_hash_table_contains (self->headers, key))
    g_hash_table_insert (self->headers, g_steal_pointer (&key), g_strdup (value != NULL ? value : ""));
}

void
authflow_server_request_append_body (AuthflowServerRequest *self,
                                     const void            *data,
                                     gsize                  len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (len <= G_MAXUINT);

  g_byte_array_append (self->body, data, len);
}

void
authflow_server_request_clear_body (AuthflowServerRequest *self)
{
  g_return_if_fail (self != NULL);

  g_byte_array_set_size (self->body, 0);
}

const char *
authflow_server_request_get_method (AuthflowServerRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->method;
}

const char *
authflow_server_request_get_path (AuthflowServerRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->path;
}

/**
 * authflow_server_request_get_client_address:
 * @self: a request
 *
 * Returns: (nullable): the client's IP address as text, such as `127.0.0.1`
 *   or `::1`, or %NULL if the transport does not know it
 */
const char *
authflow_server_request_get_client_address (AuthflowServerRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->client_address;
}

/**
 * authflow_server_request_get_header:
 * @self: a request
 * @name: a header name, in any case
 *
 * Returns: (nullable): the value of the first header called @name
 */
const char *
authflow_server_request_get_header (AuthflowServerRequest *self,
                                    const char            *name)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  key = g_ascii_strdown (name, -1);

  return g_hash_table_lookup (self->headers, key);
}

/**
 * authflow_server_request_get_body:
 * @self: a request
 * @len: (out): the length of the body
 *
 * Returns: (array length=len): the body as it came, which may be empty
 */
const char *
authflow_server_request_get_body (AuthflowServerRequest *self,
                                  gsize                 *len)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (len != NULL, NULL);

  *len = self->body->len;

  return (const char *) self->body->data;
}

/* When the request's headers were in, as a g_get_monotonic_time(). */
gint64
authflow_server_request_get_start_time (AuthflowServerRequest *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->start_time;
}

/* Sets a response header, replacing any of the same name. */
void
authflow_server_request_set_response_header (AuthflowServerRequest *self,
                                             const char            *name,
                                             const char            *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);

  for (guint i = 0; i < self->response_headers->len; i += 2)
    {
      if (g_ascii_strcasecmp (g_ptr_array_index (self->response_headers, i), name) == 0)
        {
          g_free (g_ptr_array_index (self->response_headers, i + 1));
          g_ptr_array_index (self->response_headers, i + 1) = g_strdup (value);
          return;
        }
    }

  g_ptr_array_add (self->response_headers, g_strdup (name));
  g_ptr_array_add (self->response_headers, g_strdup (value));
}

/**
 * authflow_server_request_respond:
 * @self: a request that has no answer yet
 * @status: the HTTP status
 * @content_type: the Content-Type of @body
 * @body: the body of the answer
 *
 * Gives the request its answer. A paused request stays paused until it is
 * unpaused; any other goes out when the handler returns.
 */
void
authflow_server_request_respond (AuthflowServerRequest *self,
                                 guint                  status,
                                 const char            *content_type,
                                 GBytes                *body)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->status == 0);
  g_return_if_fail (status >= 100 && status <= 599);
  g_return_if_fail (content_type != NULL);
  g_return_if_fail (body != NULL);

  self->status = status;
  self->response_body = g_bytes_ref (body);
  authflow_server_request_set_response_header (self, "Content-Type", content_type);
}

/**
 * authflow_server_request_respond_json:
 * @self: a request that has no answer yet
 * @status: the HTTP status
 * @root: the JSON answer
 *
 * Answers with @root. Every answer of the server is JSON and carries
 * tokens or personal data, errors included: no cache may keep it.
 */
void
authflow_server_request_respond_json (AuthflowServerRequest *self,
                                      guint                  status,
                                      JsonNode              *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GBytes) body = NULL;
  char *data;
  gsize len;

  g_return_if_fail (self != NULL);
  g_return_if_fail (root != NULL);

  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, &len);
  body = g_bytes_new_take (data, len);

  authflow_server_request_set_response_header (self, "Cache-Control", "no-store");
  authflow_server_request_respond (self, status, "application/json", body);
}

gboolean
authflow_server_request_is_answered (AuthflowServerRequest *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->status != 0;
}

/* The status of the answer, 0 before there is one. */
guint
authflow_server_request_get_status (AuthflowServerRequest *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->status;
}

/**
 * authflow_server_request_get_response_body:
 * @self: a request
 *
 * Returns: (transfer none) (nullable): the body of the answer
 */
GBytes *
authflow_server_request_get_response_body (AuthflowServerRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->response_body;
}

void
authflow_server_request_foreach_response_header (AuthflowServerRequest           *self,
                                                 AuthflowServerRequestHeaderFunc  func,
                                                 gpointer                         user_data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (func != NULL);

  for (guint i = 0; i < self->response_headers->len; i += 2)
    func (g_ptr_array_index (self->response_headers, i),
          g_ptr_array_index (self->response_headers, i + 1),
          user_data);
}

/* Keeps the request waiting after its handler returns, until
 * authflow_server_request_unpause(). */
void
authflow_server_request_pause (AuthflowServerRequest *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->paused);

  self->paused = TRUE;
}

/* Lets the answer, or the lack of one, go out. The transport may have
 * dropped the connection meanwhile (the client left, or the server
 * closed): then nothing happens. */
void
authflow_server_request_unpause (AuthflowServerRequest *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->paused);

  self->paused = FALSE;
  if (self->unpause_func != NULL)
    self->unpause_func (self, self->unpause_data);
}

gboolean
authflow_server_request_is_paused (AuthflowServerRequest *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->paused;
}

/* How the transport learns that a paused request may go on. %NULL once its
 * connection is gone. */
void
authflow_server_request_set_unpause_func (AuthflowServerRequest     *self,
                                          AuthflowServerRequestFunc  func,
                                          gpointer                   user_data)
{
  g_return_if_fail (self != NULL);

  self->unpause_func = func;
  self->unpause_data = user_data;
}
