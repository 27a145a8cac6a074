// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-flow.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_LOGIN_PAGE (authflow_login_page_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowLoginPage, authflow_login_page, AUTHFLOW, LOGIN_PAGE, AdwBin)

void authflow_login_page_set_flow (AuthflowLoginPage *self,
                                   AuthflowFlow      *flow);
void authflow_login_page_reset    (AuthflowLoginPage *self,
                                   gboolean           after_sign_out);

G_END_DECLS
