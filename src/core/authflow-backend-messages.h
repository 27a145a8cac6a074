// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *authflow_backend_message_translate (const char *message);

G_END_DECLS
