// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-flow.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_SIGNUP_PAGE (authflow_signup_page_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowSignupPage, authflow_signup_page, AUTHFLOW, SIGNUP_PAGE, AdwBin)

void authflow_signup_page_set_flow (AuthflowSignupPage *self,
                                    AuthflowFlow       *flow);

void authflow_signup_page_reset    (AuthflowSignupPage *self);

G_END_DECLS
