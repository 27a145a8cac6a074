// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "authflow-server-request.h"

G_BEGIN_DECLS

/* What one listening server lets its clients do. */
typedef struct
{
  /* Seconds a connection may stay idle, or stall in the middle of a
   * request, before it is closed; 0 for no limit. */
  guint connection_timeout;
  /* Connections at once, from everywhere and from one address; 0 for no
   * limit per address. */
  guint max_connections;
  guint max_connections_per_address;
  /* The largest request body that is read. */
  gsize max_body_size;
} AuthflowServerHttpLimits;

/* Called on the listening thread's main context once a request is entirely
 * in. The handler answers @request before it returns, or pauses it and
 * answers and unpauses it later. */
typedef void (*AuthflowServerHttpHandler) (AuthflowServerRequest *request,
                                           gpointer               user_data);

#define AUTHFLOW_TYPE_SERVER_HTTP (authflow_server_http_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowServerHttp, authflow_server_http, AUTHFLOW, SERVER_HTTP, GObject)

AuthflowServerHttp *authflow_server_http_new    (AuthflowServerHttpHandler       handler,
                                                 gpointer                        user_data);
gboolean            authflow_server_http_listen (AuthflowServerHttp             *self,
                                                 GInetAddress                   *address,
                                                 guint                           port,
                                                 const AuthflowServerHttpLimits *limits,
                                                 guint                          *out_port,
                                                 GError                        **error);
void                authflow_server_http_close  (AuthflowServerHttp             *self);

G_END_DECLS
