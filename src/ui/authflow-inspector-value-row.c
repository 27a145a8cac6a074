// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"

#include "authflow-inspector-value-row.h"

/* A row of the inspector's pages: a small title above a value that is
 * read, selected and copied, since here the values are the point (what
 * libadwaita 1.6 calls a "property" row). The value wraps anywhere, so
 * that a token's fingerprint or a JSON path fits 360 px; a tag after the
 * title marks what became of it ("Access Token", "Missing").
 *
 * libadwaita 1.2's AdwActionRow cannot make its subtitle selectable, hence
 * a row of our own.
 */
struct _AuthflowInspectorValueRow
{
  AdwPreferencesRow  parent_instance;

  GtkLabel          *title_label;
  GtkLabel          *tag_label;
  GtkLabel          *value_label;
  GtkBox            *suffixes;
  char              *tag_style;
};

static void authflow_inspector_value_row_buildable_init (GtkBuildableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AuthflowInspectorValueRow, authflow_inspector_value_row, ADW_TYPE_PREFERENCES_ROW,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_BUILDABLE, authflow_inspector_value_row_buildable_init))

static GtkBuildableIface *parent_buildable_iface;

enum {
  PROP_0,
  PROP_VALUE,
  PROP_TAG,
  PROP_MONOSPACE,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void
update_accessible (AuthflowInspectorValueRow *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self)),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  gtk_label_get_text (self->value_label),
                                  -1);
}

static void
title_changed_cb (AuthflowInspectorValueRow *self)
{
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self));

  gtk_label_set_text (self->title_label, title);
  gtk_widget_set_visible (GTK_WIDGET (self->title_label), title != NULL && title[0] != '\0');
  update_accessible (self);
}

static void
authflow_inspector_value_row_finalize (GObject *object)
{
  AuthflowInspectorValueRow *self = (AuthflowInspectorValueRow *)object;

  g_clear_pointer (&self->tag_style, g_free);

  G_OBJECT_CLASS (authflow_inspector_value_row_parent_class)->finalize (object);
}

static void
authflow_inspector_value_row_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  AuthflowInspectorValueRow *self = AUTHFLOW_INSPECTOR_VALUE_ROW (object);

  switch (prop_id)
    {
    case PROP_VALUE:
      g_value_set_string (value, authflow_inspector_value_row_get_value (self));
      break;

    case PROP_TAG:
      g_value_set_string (value, authflow_inspector_value_row_get_tag (self));
      break;

    case PROP_MONOSPACE:
      g_value_set_boolean (value, gtk_widget_has_css_class (GTK_WIDGET (self->value_label), "monospace"));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_inspector_value_row_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  AuthflowInspectorValueRow *self = AUTHFLOW_INSPECTOR_VALUE_ROW (object);

  switch (prop_id)
    {
    case PROP_VALUE:
      authflow_inspector_value_row_set_value (self, g_value_get_string (value));
      break;

    case PROP_TAG:
      authflow_inspector_value_row_set_tag (self, g_value_get_string (value));
      break;

    case PROP_MONOSPACE:
      authflow_inspector_value_row_set_monospace (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
authflow_inspector_value_row_class_init (AuthflowInspectorValueRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = authflow_inspector_value_row_finalize;
  object_class->get_property = authflow_inspector_value_row_get_property;
  object_class->set_property = authflow_inspector_value_row_set_property;

  properties [PROP_VALUE] =
    g_param_spec_string ("value", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* A few words after the title, in a pill; %NULL for none. */
  properties [PROP_TAG] =
    g_param_spec_string ("tag", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Tokens, paths and JSON read best in monospace. */
  properties [PROP_MONOSPACE] =
    g_param_spec_boolean ("monospace", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

/* <child type="suffix"> in a template puts a control at the row's end. */
static void
authflow_inspector_value_row_buildable_add_child (GtkBuildable *buildable,
                                            GtkBuilder   *builder,
                                            GObject      *child,
                                            const char   *type)
{
  if (g_strcmp0 (type, "suffix") == 0 && GTK_IS_WIDGET (child))
    authflow_inspector_value_row_add_suffix (AUTHFLOW_INSPECTOR_VALUE_ROW (buildable), GTK_WIDGET (child));
  else
    parent_buildable_iface->add_child (buildable, builder, child, type);
}

static void
authflow_inspector_value_row_buildable_init (GtkBuildableIface *iface)
{
  parent_buildable_iface = g_type_interface_peek_parent (iface);
  iface->add_child = authflow_inspector_value_row_buildable_add_child;
}

static void
authflow_inspector_value_row_init (AuthflowInspectorValueRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *heading = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_widget_add_css_class (GTK_WIDGET (self), "inspector-row");
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);
  /* Something to read, not to press: Tab goes past it to the controls. */
  gtk_widget_set_focusable (GTK_WIDGET (self), FALSE);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self), FALSE);

  gtk_widget_add_css_class (box, "inspector-header");
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);

  self->title_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->title_label, 0);
  gtk_label_set_wrap (self->title_label, TRUE);
  gtk_label_set_wrap_mode (self->title_label, PANGO_WRAP_WORD_CHAR);
  gtk_widget_set_visible (GTK_WIDGET (self->title_label), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "inspector-title");
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "dim-label");

  self->tag_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_visible (GTK_WIDGET (self->tag_label), FALSE);
  gtk_widget_set_valign (GTK_WIDGET (self->tag_label), GTK_ALIGN_CENTER);
  gtk_widget_set_halign (GTK_WIDGET (self->tag_label), GTK_ALIGN_START);
  gtk_label_set_ellipsize (self->tag_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->tag_label), "inspector-tag");

  self->value_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->value_label, 0);
  gtk_label_set_wrap (self->value_label, TRUE);
  gtk_label_set_wrap_mode (self->value_label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (self->value_label, TRUE);
  gtk_widget_set_focusable (GTK_WIDGET (self->value_label), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->value_label), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->value_label), "inspector-value");
  {
    /* Values are data: a hyphen where Pango breaks a token or a path would
     * read as part of it.
     */
    PangoAttrList *attributes = pango_attr_list_new ();

    pango_attr_list_insert (attributes, pango_attr_insert_hyphens_new (FALSE));
    gtk_label_set_attributes (self->value_label, attributes);
    pango_attr_list_unref (attributes);
  }

  self->suffixes = GTK_BOX (gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6));
  gtk_widget_set_valign (GTK_WIDGET (self->suffixes), GTK_ALIGN_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->suffixes), FALSE);

  gtk_box_append (GTK_BOX (heading), GTK_WIDGET (self->title_label));
  {
    /* The pill sits in a box of its own: GTK 4.8's box aligns the baselines
     * of its labels when it is given a width and not when it is not, and so
     * asks for two heights for one row (and says so with a critical).
     */
    GtkWidget *tag_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

    gtk_widget_set_valign (tag_box, GTK_ALIGN_CENTER);
    gtk_box_append (GTK_BOX (tag_box), GTK_WIDGET (self->tag_label));
    gtk_box_append (GTK_BOX (heading), tag_box);
  }
  gtk_box_append (GTK_BOX (labels), heading);
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->value_label));
  gtk_box_append (GTK_BOX (box), labels);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->suffixes));
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);

  g_signal_connect (self, "notify::title", G_CALLBACK (title_changed_cb), NULL);
}

GtkWidget *
authflow_inspector_value_row_new (const char *title,
                            const char *value)
{
  return g_object_new (AUTHFLOW_TYPE_INSPECTOR_VALUE_ROW,
                       "title", title,
                       "value", value,
                       NULL);
}

const char *
authflow_inspector_value_row_get_value (AuthflowInspectorValueRow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_VALUE_ROW (self), NULL);

  return gtk_label_get_text (self->value_label);
}

/**
 * authflow_inspector_value_row_set_value:
 * @value: (nullable): what the row shows, as plain text
 */
void
authflow_inspector_value_row_set_value (AuthflowInspectorValueRow *self,
                                  const char           *value)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_VALUE_ROW (self));

  if (value == NULL)
    value = "";

  if (g_strcmp0 (gtk_label_get_text (self->value_label), value) == 0)
    return;

  gtk_label_set_text (self->value_label, value);
  gtk_widget_set_visible (GTK_WIDGET (self->value_label), value[0] != '\0');
  update_accessible (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_VALUE]);
}

const char *
authflow_inspector_value_row_get_tag (AuthflowInspectorValueRow *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_VALUE_ROW (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->tag_label)))
    return NULL;

  return gtk_label_get_text (self->tag_label);
}

/**
 * authflow_inspector_value_row_set_tag:
 * @tag: (nullable): a few words after the title, or %NULL for none
 */
void
authflow_inspector_value_row_set_tag (AuthflowInspectorValueRow *self,
                                const char           *tag)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_VALUE_ROW (self));

  if (g_strcmp0 (authflow_inspector_value_row_get_tag (self), tag) == 0)
    return;

  gtk_label_set_text (self->tag_label, tag != NULL ? tag : "");
  gtk_widget_set_visible (GTK_WIDGET (self->tag_label), tag != NULL && tag[0] != '\0');
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_TAG]);
}

/**
 * authflow_inspector_value_row_set_tag_style:
 * @style: (nullable): "accent", "warning" or "neutral"; %NULL for "accent"
 */
void
authflow_inspector_value_row_set_tag_style (AuthflowInspectorValueRow *self,
                                      const char           *style)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_VALUE_ROW (self));

  if (self->tag_style != NULL)
    gtk_widget_remove_css_class (GTK_WIDGET (self->tag_label), self->tag_style);
  g_free (self->tag_style);
  self->tag_style = g_strdup (style);
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->tag_label), style);
}

void
authflow_inspector_value_row_set_monospace (AuthflowInspectorValueRow *self,
                                      gboolean              monospace)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_VALUE_ROW (self));

  monospace = !!monospace;
  if (gtk_widget_has_css_class (GTK_WIDGET (self->value_label), "monospace") == monospace)
    return;

  if (monospace)
    gtk_widget_add_css_class (GTK_WIDGET (self->value_label), "monospace");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->value_label), "monospace");
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_MONOSPACE]);
}

/**
 * authflow_inspector_value_row_set_max_lines:
 * @lines: how many lines the value may take before it is ellipsized, or
 *   -1 for as many as it needs
 */
void
authflow_inspector_value_row_set_max_lines (AuthflowInspectorValueRow *self,
                                      int                   lines)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_VALUE_ROW (self));

  gtk_label_set_lines (self->value_label, lines);
  gtk_label_set_ellipsize (self->value_label, lines > 0 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
}

/**
 * authflow_inspector_value_row_add_suffix:
 *
 * Adds @widget (a button, typically) at the row's end.
 */
void
authflow_inspector_value_row_add_suffix (AuthflowInspectorValueRow *self,
                                   GtkWidget            *widget)
{
  g_return_if_fail (AUTHFLOW_IS_INSPECTOR_VALUE_ROW (self));
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_box_append (self->suffixes, widget);
  gtk_widget_set_visible (GTK_WIDGET (self->suffixes), TRUE);
}
