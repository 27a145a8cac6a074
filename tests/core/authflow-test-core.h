// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "authflow-flow.h"

G_BEGIN_DECLS

void        authflow_test_finalize_flow (AuthflowFlow         *flow);
void        authflow_test_clear_stored  (AuthflowSessionStore *store);
JsonObject *authflow_test_object_of     (JsonNode             *answer);

G_END_DECLS
