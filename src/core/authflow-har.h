// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "authflow-journal.h"

G_BEGIN_DECLS

JsonNode *authflow_har_from_journal (AuthflowJournal  *journal);
gboolean  authflow_har_write        (AuthflowJournal  *journal,
                                     const char       *path,
                                     GError          **error);

G_END_DECLS
