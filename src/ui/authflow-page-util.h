// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-client.h"

G_BEGIN_DECLS

/* More of one value than a person reads on a row. A label with a megabyte
 * of text takes GTK seconds to lay out, then a texture too wide for X.
 */
#define AUTHFLOW_PAGE_MAX_SHOWN_BYTES 1000

void  authflow_page_fix_accessible_names (GtkWidget  *widget);
void  authflow_page_name_stock_controls  (GtkWidget  *widget);
void  authflow_page_label_entry_row   (AdwEntryRow    *row);
void  authflow_page_clear_password    (AdwEntryRow    *row);
char *authflow_page_format_backend    (const char     *format,
                                       AuthflowClient *client);
void  authflow_page_set_spinning      (GtkSpinner     *spinner,
                                       gboolean        spinning);
char *authflow_page_shorten_token     (const char     *token);
char *authflow_page_shorten_text      (const char     *text);
char *authflow_page_format_json       (JsonNode       *node);

G_END_DECLS
