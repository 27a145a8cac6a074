// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The status codes that the server answers with. */
typedef enum
{
  AUTHFLOW_HTTP_STATUS_OK                    = 200,
  AUTHFLOW_HTTP_STATUS_CREATED               = 201,
  AUTHFLOW_HTTP_STATUS_BAD_REQUEST           = 400,
  AUTHFLOW_HTTP_STATUS_UNAUTHORIZED          = 401,
  AUTHFLOW_HTTP_STATUS_FORBIDDEN             = 403,
  AUTHFLOW_HTTP_STATUS_NOT_FOUND             = 404,
  AUTHFLOW_HTTP_STATUS_METHOD_NOT_ALLOWED    = 405,
  AUTHFLOW_HTTP_STATUS_CONFLICT              = 409,
  AUTHFLOW_HTTP_STATUS_CONTENT_TOO_LARGE     = 413,
  AUTHFLOW_HTTP_STATUS_TOO_MANY_REQUESTS     = 429,
  AUTHFLOW_HTTP_STATUS_INTERNAL_SERVER_ERROR = 500,
  AUTHFLOW_HTTP_STATUS_SERVICE_UNAVAILABLE   = 503,
} AuthflowHttpStatus;

typedef struct _AuthflowServerRequest AuthflowServerRequest;

typedef void (*AuthflowServerRequestFunc)         (AuthflowServerRequest *self,
                                                   gpointer               user_data);
typedef void (*AuthflowServerRequestHeaderFunc)   (const char            *name,
                                                   const char            *value,
                                                   gpointer               user_data);

AuthflowServerRequest *authflow_server_request_new                        (const char                *method,
                                                                           const char                *path,
                                                                           const char                *client_address);
AuthflowServerRequest *authflow_server_request_ref                        (AuthflowServerRequest     *self);
void                   authflow_server_request_unref                      (AuthflowServerRequest     *self);

/* What the transport fills in. */
void                   authflow_server_request_add_header                 (AuthflowServerRequest     *self,
                                                                           const char                *name,
                                                                           const char                *value);
void                   authflow_server_request_append_body                (AuthflowServerRequest     *self,
                                                                           const void                *data,
                                                                           gsize                      len);
void                   authflow_server_request_clear_body                 (AuthflowServerRequest     *self);

/* The request, as the handlers read it. */
const char            *authflow_server_request_get_method                 (AuthflowServerRequest     *self);
const char            *authflow_server_request_get_path                   (AuthflowServerRequest     *self);
const char            *authflow_server_request_get_client_address         (AuthflowServerRequest     *self);
const char            *authflow_server_request_get_header                 (AuthflowServerRequest     *self,
                                                                           const char                *name);
const char            *authflow_server_request_get_body                   (AuthflowServerRequest     *self,
                                                                           gsize                     *len);
gint64                 authflow_server_request_get_start_time             (AuthflowServerRequest     *self);

/* The answer. */
void                   authflow_server_request_set_response_header        (AuthflowServerRequest     *self,
                                                                           const char                *name,
                                                                           const char                *value);
void                   authflow_server_request_respond                    (AuthflowServerRequest     *self,
                                                                           guint                      status,
                                                                           const char                *content_type,
                                                                           GBytes                    *body);
void                   authflow_server_request_respond_json               (AuthflowServerRequest     *self,
                                                                           guint                      status,
                                                                           JsonNode                  *root);
gboolean               authflow_server_request_is_answered                (AuthflowServerRequest     *self);
guint                  authflow_server_request_get_status                 (AuthflowServerRequest     *self);
GBytes                *authflow_server_request_get_response_body          (AuthflowServerRequest     *self);
void                   authflow_server_request_foreach_response_header    (AuthflowServerRequest     *self,
                                                                           AuthflowServerRequestHeaderFunc func,
                                                                           gpointer                   user_data);

/* A request whose answer comes later, from a callback. */
void                   authflow_server_request_pause                      (AuthflowServerRequest     *self);
void                   authflow_server_request_unpause                    (AuthflowServerRequest     *self);
gboolean               authflow_server_request_is_paused                  (AuthflowServerRequest     *self);
void                   authflow_server_request_set_unpause_func           (AuthflowServerRequest     *self,
                                                                           AuthflowServerRequestFunc  func,
                                                                           gpointer                   user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthflowServerRequest, authflow_server_request_unref)

G_END_DECLS
