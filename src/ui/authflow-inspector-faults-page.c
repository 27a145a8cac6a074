// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-faults.h"
#include "authflow-inspector-faults-page.h"

/* The Flow Inspector's fault injection: a control for each fault. Every
 * control goes through the inspector's "inject-fault" action to the
 * application's, the same one that `gapplication action` and UI tests use,
 * so that there is one way in; the controls that hold a state (offline, latency, clock skew)
 * follow the flow's faults, whoever changed them.
 */

#define INJECTED_ERRORS 3

struct _AuthflowInspectorFaultsPage
{
  AdwBin          parent_instance;

  AuthflowFlow   *flow;
  gboolean        syncing;

  GtkSwitch      *offline_switch;
  GtkSpinButton  *latency_spin;
  AdwComboRow    *error_row;
  AdwComboRow    *skew_row;
};

G_DEFINE_FINAL_TYPE (AuthflowInspectorFaultsPage, authflow_inspector_faults_page, ADW_TYPE_BIN)

static void
inject (AuthflowInspectorFaultsPage *self,
        const char                  *spec)
{
  if (!gtk_widget_activate_action (GTK_WIDGET (self), "inspector.inject-fault", "s", spec))
    g_debug ("No inject-fault action to take “%s”", spec);
}

/* The controls that hold a state show the faults' own. */
static void
sync_from_faults (AuthflowInspectorFaultsPage *self)
{
  AuthflowFaults *faults = authflow_flow_get_faults (self->flow);
  int skew = authflow_faults_get_clock_skew (faults);

  self->syncing = TRUE;
  gtk_switch_set_active (self->offline_switch, authflow_faults_get_offline (faults));
  gtk_spin_button_set_value (self->latency_spin, authflow_faults_get_latency (faults));
  adw_combo_row_set_selected (self->skew_row, skew > 0 ? 1 : skew < 0 ? 2 : 0);
  self->syncing = FALSE;
}

static void
offline_toggled_cb (AuthflowInspectorFaultsPage *self)
{
  if (!self->syncing)
    inject (self, gtk_switch_get_active (self->offline_switch) ? "offline" : "online");
}

static void
latency_changed_cb (AuthflowInspectorFaultsPage *self)
{
  g_autofree char *spec = NULL;

  if (self->syncing)
    return;

  spec = g_strdup_printf ("latency:%d", gtk_spin_button_get_value_as_int (self->latency_spin));
  inject (self, spec);
}

static void
inject_errors_cb (AuthflowInspectorFaultsPage *self)
{
  static const guint statuses[] = { 500, 503, 429 };
  guint selected = adw_combo_row_get_selected (self->error_row);
  g_autofree char *spec = NULL;

  if (selected >= G_N_ELEMENTS (statuses))
    return;

  spec = g_strdup_printf ("server-error:%u:%u", statuses[selected], INJECTED_ERRORS);
  inject (self, spec);
}

static void
skew_selected_cb (AuthflowInspectorFaultsPage *self)
{
  static const char * const specs[] = { "clock-skew:0", "clock-skew:3600", "clock-skew:-3600" };
  guint selected = adw_combo_row_get_selected (self->skew_row);

  if (!self->syncing && selected < G_N_ELEMENTS (specs))
    inject (self, specs[selected]);
}

static void
authflow_inspector_faults_page_dispose (GObject *object)
{
  AuthflowInspectorFaultsPage *self = (AuthflowInspectorFaultsPage *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), AUTHFLOW_TYPE_INSPECTOR_FAULTS_PAGE);
  g_clear_object (&self->flow);

  G_OBJECT_CLASS (authflow_inspector_faults_page_parent_class)->dispose (object);
}

static void
authflow_inspector_faults_page_class_init (AuthflowInspectorFaultsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = authflow_inspector_faults_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/authflow-inspector-faults-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorFaultsPage, offline_switch);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorFaultsPage, latency_spin);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorFaultsPage, error_row);
  gtk_widget_class_bind_template_child (widget_class, AuthflowInspectorFaultsPage, skew_row);
  gtk_widget_class_bind_template_callback (widget_class, offline_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, latency_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, inject_errors_cb);
  gtk_widget_class_bind_template_callback (widget_class, skew_selected_cb);
}

static void
authflow_inspector_faults_page_init (AuthflowInspectorFaultsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * authflow_inspector_faults_page_new:
 *
 * Returns: (transfer floating): the Faults page of the Flow Inspector
 */
GtkWidget *
authflow_inspector_faults_page_new (AuthflowFlow *flow)
{
  AuthflowInspectorFaultsPage *self;

  g_return_val_if_fail (AUTHFLOW_IS_FLOW (flow), NULL);

  self = g_object_new (AUTHFLOW_TYPE_INSPECTOR_FAULTS_PAGE, NULL);
  self->flow = g_object_ref (flow);
  g_signal_connect_object (authflow_flow_get_faults (flow), "changed",
                           G_CALLBACK (sync_from_faults), self, G_CONNECT_SWAPPED);
  sync_from_faults (self);

  return GTK_WIDGET (self);
}
