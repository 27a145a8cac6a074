// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-flow.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_HOME_PAGE (authflow_home_page_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowHomePage, authflow_home_page, AUTHFLOW, HOME_PAGE, AdwBin)

void  authflow_home_page_set_flow           (AuthflowHomePage *self,
                                             AuthflowFlow     *flow);
char *authflow_home_page_format_expiry      (GDateTime        *expiry,
                                             GDateTime        *now);

G_END_DECLS
