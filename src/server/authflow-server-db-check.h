// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

void     authflow_server_db_set_open_error   (const char  *path,
                                              int          code,
                                              const char  *detail,
                                              gboolean     unchanged,
                                              GError     **error);
gboolean authflow_server_db_check_before_use (sqlite3     *db,
                                              const char  *path,
                                              GError     **error);
gboolean authflow_server_db_check_schema     (sqlite3     *db,
                                              const char  *path,
                                              gint64       known_version,
                                              GError     **error);

G_END_DECLS
