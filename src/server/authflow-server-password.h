// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char     *authflow_server_password_hash          (const char           *password,
                                                  GError              **error);
gboolean  authflow_server_password_verify        (const char           *hash,
                                                  const char           *password);

void      authflow_server_password_hash_async    (const char           *password,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
char     *authflow_server_password_hash_finish   (GAsyncResult         *result,
                                                  GError              **error);
void      authflow_server_password_verify_async  (const char           *hash,
                                                  const char           *password,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean  authflow_server_password_verify_finish (GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
