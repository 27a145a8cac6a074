// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-client.h"

G_BEGIN_DECLS

void  authflow_page_fix_accessible_names (GtkWidget  *widget);
void  authflow_page_label_entry_row   (AdwEntryRow    *row);
void  authflow_page_clear_password    (AdwEntryRow    *row);
char *authflow_page_format_backend    (const char     *format,
                                       AuthflowClient *client);
char *authflow_page_shorten_token     (const char     *token);

G_END_DECLS
