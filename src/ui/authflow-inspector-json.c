// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "authflow-inspector"

#include "config.h"

#include <glib/gi18n.h>

#include "authflow-inspector-json.h"
#include "authflow-inspector-util.h"
#include "authflow-page-util.h"

/* JSON as a tree that folds: a body or an entry's details, each object
 * and array a row that opens. The rows of a level are made when it opens,
 * and a list view draws only those on screen, so that a large body costs
 * what is seen of it. An item is one member or element, or the row that
 * says how many more a level holds than it shows.
 */

struct _AuthflowInspectorJsonItem
{
  GObject   parent_instance;

  char     *key;
  gboolean  is_index;
  JsonNode *node;
  guint     more;
};

G_DEFINE_FINAL_TYPE (AuthflowInspectorJsonItem, authflow_inspector_json_item, G_TYPE_OBJECT)

static void
authflow_inspector_json_item_finalize (GObject *object)
{
  AuthflowInspectorJsonItem *self = (AuthflowInspectorJsonItem *)object;

  g_clear_pointer (&self->key, g_free);
  g_clear_pointer (&self->node, json_node_unref);

  G_OBJECT_CLASS (authflow_inspector_json_item_parent_class)->finalize (object);
}

static void
authflow_inspector_json_item_class_init (AuthflowInspectorJsonItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = authflow_inspector_json_item_finalize;
}

static void
authflow_inspector_json_item_init (AuthflowInspectorJsonItem *self)
{
}

static AuthflowInspectorJsonItem *
item_new (const char *key,
          gboolean    is_index,
          JsonNode   *node)
{
  AuthflowInspectorJsonItem *self = g_object_new (AUTHFLOW_TYPE_INSPECTOR_JSON_ITEM, NULL);

  self->key = g_strdup (key);
  self->is_index = is_index;
  self->node = node != NULL ? json_node_ref (node) : NULL;

  return self;
}

/**
 * authflow_inspector_json_item_get_key:
 *
 * Returns: (nullable): the member's name or the element's index, %NULL
 *   for a value on its own or the row of the rest
 */
const char *
authflow_inspector_json_item_get_key (AuthflowInspectorJsonItem *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_JSON_ITEM (self), NULL);

  return self->key;
}

/**
 * authflow_inspector_json_item_get_node:
 *
 * Returns: (transfer none) (nullable): the value, %NULL for the row of the
 *   rest
 */
JsonNode *
authflow_inspector_json_item_get_node (AuthflowInspectorJsonItem *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_JSON_ITEM (self), NULL);

  return self->node;
}

/**
 * authflow_inspector_json_item_get_more:
 *
 * Returns: for the row of the rest, how many members or elements are not
 *   shown; else 0
 */
guint
authflow_inspector_json_item_get_more (AuthflowInspectorJsonItem *self)
{
  g_return_val_if_fail (AUTHFLOW_IS_INSPECTOR_JSON_ITEM (self), 0);

  return self->more;
}

/**
 * authflow_inspector_json_children:
 * @node: a value
 *
 * Returns: (transfer full) (nullable): the members of an object or the
 *   elements of an array, at most %AUTHFLOW_INSPECTOR_JSON_MAX_CHILDREN
 *   and then a row of the rest; %NULL for any other value, or an empty one
 */
GListModel *
authflow_inspector_json_children (JsonNode *node)
{
  g_autoptr(GListStore) store = NULL;
  guint n;

  if (node == NULL)
    return NULL;

  store = g_list_store_new (AUTHFLOW_TYPE_INSPECTOR_JSON_ITEM);

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;
      guint i = 0;

      n = json_object_get_size (json_node_get_object (node));
      /* In the order of the text, as the backend wrote it. */
      json_object_iter_init_ordered (&iter, json_node_get_object (node));
      while (i++ < AUTHFLOW_INSPECTOR_JSON_MAX_CHILDREN && json_object_iter_next_ordered (&iter, &name, &member))
        {
          g_autoptr(AuthflowInspectorJsonItem) item = item_new (name, FALSE, member);

          g_list_store_append (store, item);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      n = json_array_get_length (array);
      for (guint i = 0; i < n && i < AUTHFLOW_INSPECTOR_JSON_MAX_CHILDREN; i++)
        {
          g_autofree char *index = g_strdup_printf ("%u", i);
          g_autoptr(AuthflowInspectorJsonItem) item = item_new (index, TRUE, json_array_get_element (array, i));

          g_list_store_append (store, item);
        }
    }
  else
    {
      return NULL;
    }

  if (n > AUTHFLOW_INSPECTOR_JSON_MAX_CHILDREN)
    {
      g_autoptr(AuthflowInspectorJsonItem) item = item_new (NULL, FALSE, NULL);

      item->more = n - AUTHFLOW_INSPECTOR_JSON_MAX_CHILDREN;
      g_list_store_append (store, item);
    }

  if (g_list_model_get_n_items (G_LIST_MODEL (store)) == 0)
    return NULL;

  return G_LIST_MODEL (g_steal_pointer (&store));
}

static GListModel *
create_children_cb (gpointer item,
                    gpointer user_data)
{
  return authflow_inspector_json_children (AUTHFLOW_INSPECTOR_JSON_ITEM (item)->node);
}

/* The value as a row shows it: a container by its size, a string quoted
 * and cut where a person stops reading, numbers as the backend wrote them.
 */
static char *
describe_value (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      guint n = json_object_get_size (json_node_get_object (node));

      /* Translators: an object of JSON, folded: how many members it has. */
      return g_strdup_printf (ngettext ("{ %u member }", "{ %u members }", n), n);
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      guint n = json_array_get_length (json_node_get_array (node));

      /* Translators: an array of JSON, folded: how many elements it has. */
      return g_strdup_printf (ngettext ("[ %u element ]", "[ %u elements ]", n), n);
    }

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autofree char *quoted = json_to_string (node, FALSE);

      return authflow_page_shorten_text (quoted);
    }

  return authflow_page_format_json (node);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *key = gtk_label_new (NULL);
  GtkWidget *value = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (key), 0);
  gtk_label_set_yalign (GTK_LABEL (key), 0);
  gtk_widget_set_valign (key, GTK_ALIGN_START);
  gtk_widget_add_css_class (key, "inspector-json-key");

  gtk_label_set_xalign (GTK_LABEL (value), 0);
  gtk_label_set_wrap (GTK_LABEL (value), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (value), PANGO_WRAP_WORD_CHAR);
  gtk_widget_set_hexpand (value, TRUE);
  gtk_widget_add_css_class (value, "inspector-json-value");

  gtk_box_append (GTK_BOX (box), key);
  gtk_box_append (GTK_BOX (box), value);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (list_item, expander);
  gtk_list_item_set_activatable (list_item, FALSE);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  GtkWidget *expander = gtk_list_item_get_child (list_item);
  GtkWidget *box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));
  GtkWidget *key = gtk_widget_get_first_child (box);
  GtkWidget *value = gtk_widget_get_next_sibling (key);
  g_autoptr(AuthflowInspectorJsonItem) item = gtk_tree_list_row_get_item (row);
  g_autofree char *text = NULL;
  const char *string = NULL;

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), row);

  gtk_widget_set_visible (key, item->key != NULL);
  if (item->key != NULL)
    {
      g_autofree char *label = g_strconcat (item->key, item->is_index ? "" : ":", NULL);

      gtk_label_set_text (GTK_LABEL (key), label);
    }
  if (item->is_index)
    gtk_widget_add_css_class (key, "dim-label");
  else
    gtk_widget_remove_css_class (key, "dim-label");

  gtk_widget_remove_css_class (value, "dim-label");
  gtk_widget_remove_css_class (value, "inspector-redacted");
  gtk_widget_set_tooltip_text (value, NULL);

  if (item->node == NULL)
    {
      /* Translators: the last row of a long JSON object or array. */
      text = g_strdup_printf (ngettext ("… %u more not shown", "… %u more not shown", item->more), item->more);
      gtk_widget_add_css_class (value, "dim-label");
    }
  else
    {
      text = describe_value (item->node);
      if (!JSON_NODE_HOLDS_VALUE (item->node) && !JSON_NODE_HOLDS_NULL (item->node))
        gtk_widget_add_css_class (value, "dim-label");
      if (JSON_NODE_HOLDS_VALUE (item->node) && json_node_get_value_type (item->node) == G_TYPE_STRING)
        string = json_node_get_string (item->node);
    }

  if (authflow_inspector_is_redacted (string))
    {
      gtk_widget_add_css_class (value, "inspector-redacted");
      gtk_widget_set_tooltip_text (value, g_str_equal (string, AUTHFLOW_JOURNAL_REDACTED)
                                          ? _("The journal keeps no password")
                                          : _("A token’s fingerprint: the journal keeps no token"));
    }

  gtk_label_set_text (GTK_LABEL (value), text);
}

/**
 * authflow_inspector_json_view_new:
 * @node: the value to show
 * @expand_depth: how many levels start open
 *
 * Returns: (transfer floating): a list of @node's members that fold,
 *   scrolled on its own past a height
 */
GtkWidget *
authflow_inspector_json_view_new (JsonNode *node,
                                  guint     expand_depth)
{
  g_autoptr(GListModel) root = NULL;
  GtkTreeListModel *tree;
  GtkListItemFactory *factory;
  GtkWidget *list;
  GtkWidget *scrolled;
  guint budget = 200;

  g_return_val_if_fail (node != NULL, NULL);

  /* A value that is no container is a tree of one row. */
  if (!(root = authflow_inspector_json_children (node)))
    {
      GListStore *store = g_list_store_new (AUTHFLOW_TYPE_INSPECTOR_JSON_ITEM);
      g_autoptr(AuthflowInspectorJsonItem) item = item_new (NULL, FALSE, node);

      g_list_store_append (store, item);
      root = G_LIST_MODEL (store);
    }

  tree = gtk_tree_list_model_new (g_steal_pointer (&root), FALSE, FALSE, create_children_cb, NULL, NULL);

  /* The first levels open, as far as a few screens of rows. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (tree)) && budget > 0; i++)
    {
      g_autoptr(GtkTreeListRow) row = gtk_tree_list_model_get_row (tree, i);

      if (gtk_tree_list_row_get_depth (row) < expand_depth && gtk_tree_list_row_is_expandable (row))
        {
          GListModel *children;

          gtk_tree_list_row_set_expanded (row, TRUE);
          children = gtk_tree_list_row_get_children (row);
          budget -= MIN (budget, children != NULL ? g_list_model_get_n_items (children) : 0);
        }
    }

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);

  list = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (tree))), factory);
  gtk_widget_add_css_class (list, "inspector-json");

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 560);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  gtk_widget_add_css_class (scrolled, "card");
  gtk_widget_set_overflow (scrolled, GTK_OVERFLOW_HIDDEN);

  return scrolled;
}
