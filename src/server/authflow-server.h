// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define AUTHFLOW_SERVER_DEFAULT_ADDRESS              "127.0.0.1"
#define AUTHFLOW_SERVER_DEFAULT_ACCESS_TTL           3600
#define AUTHFLOW_SERVER_DEFAULT_REFRESH_TTL          (30 * 24 * 3600)
#define AUTHFLOW_SERVER_DEFAULT_MAX_LOGIN_FAILURES   5
#define AUTHFLOW_SERVER_DEFAULT_MAX_ADDRESS_FAILURES 20
#define AUTHFLOW_SERVER_LOGIN_FAILURE_WINDOW         (5 * 60)
#define AUTHFLOW_SERVER_MAX_BODY_SIZE                (64 * 1024)
#define AUTHFLOW_SERVER_MAX_EXPIRES_IN_MINS          43200
#define AUTHFLOW_SERVER_DEFAULT_CONNECTION_TIMEOUT   10
#define AUTHFLOW_SERVER_MAX_CONNECTION_TIMEOUT       3600
#define AUTHFLOW_SERVER_DEFAULT_MAX_CONNECTIONS      512
#define AUTHFLOW_SERVER_MAX_CONNECTIONS              1000
#define AUTHFLOW_SERVER_DEFAULT_MAX_CONNECTIONS_PER_ADDRESS 64

#define AUTHFLOW_TYPE_SERVER (authflow_server_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowServer, authflow_server, AUTHFLOW, SERVER, GObject)

char           *authflow_server_get_default_db_path      (void);
JsonObject     *authflow_server_parse_json_body          (const char      *data,
                                                          gsize            len);

AuthflowServer *authflow_server_new                      (const char      *db_path,
                                                          GError         **error);
gboolean        authflow_server_listen                   (AuthflowServer  *self,
                                                          const char      *address,
                                                          guint            port,
                                                          GError         **error);
void            authflow_server_close                    (AuthflowServer  *self);

const char     *authflow_server_get_db_path              (AuthflowServer  *self);
guint           authflow_server_get_port                 (AuthflowServer  *self);
char           *authflow_server_dup_url                  (AuthflowServer  *self);

guint           authflow_server_get_access_ttl           (AuthflowServer  *self);
void            authflow_server_set_access_ttl           (AuthflowServer  *self,
                                                          guint            access_ttl);
guint           authflow_server_get_refresh_ttl          (AuthflowServer  *self);
void            authflow_server_set_refresh_ttl          (AuthflowServer  *self,
                                                          guint            refresh_ttl);
guint           authflow_server_get_max_login_failures   (AuthflowServer  *self);
void            authflow_server_set_max_login_failures   (AuthflowServer  *self,
                                                          guint            max_login_failures);
guint           authflow_server_get_max_address_failures (AuthflowServer  *self);
void            authflow_server_set_max_address_failures (AuthflowServer  *self,
                                                          guint            max_address_failures);
guint           authflow_server_get_connection_timeout   (AuthflowServer  *self);
void            authflow_server_set_connection_timeout   (AuthflowServer  *self,
                                                          guint            connection_timeout);
guint           authflow_server_get_max_connections      (AuthflowServer  *self);
void            authflow_server_set_max_connections      (AuthflowServer  *self,
                                                          guint            max_connections);
guint           authflow_server_get_max_connections_per_address (AuthflowServer *self);
void            authflow_server_set_max_connections_per_address (AuthflowServer *self,
                                                                 guint           max_connections_per_address);
guint           authflow_server_get_refresh_count        (AuthflowServer  *self);
gboolean        authflow_server_get_dev_endpoints        (AuthflowServer  *self);
void            authflow_server_set_dev_endpoints        (AuthflowServer  *self,
                                                          gboolean         dev_endpoints);

G_END_DECLS
