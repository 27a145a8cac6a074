// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE 32

char *authflow_server_refresh_token_new  (void);
void  authflow_server_refresh_token_hash (const char *token,
                                          guint8      hash[AUTHFLOW_SERVER_REFRESH_TOKEN_HASH_SIZE]);
char *authflow_server_random_id          (void);

G_END_DECLS
