// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "authflow-flow.h"

G_BEGIN_DECLS

#define AUTHFLOW_TYPE_INSPECTOR_FAULTS_PAGE (authflow_inspector_faults_page_get_type ())

G_DECLARE_FINAL_TYPE (AuthflowInspectorFaultsPage, authflow_inspector_faults_page,
                      AUTHFLOW, INSPECTOR_FAULTS_PAGE, AdwBin)

GtkWidget *authflow_inspector_faults_page_new (AuthflowFlow *flow);

G_END_DECLS
