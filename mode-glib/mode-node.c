/* mode-node.c: the beacon tree
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-node.h"
#include "mode-node-private.h"

/**
 * SECTION:mode-node
 * @Title: ModeNode
 * @Short_description: the beacon: where a service stands in the tree
 *
 * Every #ModeService has a beacon, a #ModeNode that places it in the
 * tree of services: mode_service_add_dependency() moves the dependency's
 * beacon under the beacon of the service it was added to. The tree tells
 * a service its depth (used in log lines), its path ("App/Web/Cache") and
 * its root (where a crash without a supervisor spreads from).
 *
 * A node holds a weak pointer to its data (the service) and strong
 * references to its children; a child holds no reference on its parent.
 *
 * |[<!-- language="C" -->
 * ModeNode *beacon = mode_service_get_beacon (service);
 * g_autofree char *path = mode_node_get_path (beacon);
 *
 * g_print ("%s is at depth %u\n", path, mode_node_get_depth (beacon));
 * ]|
 */

/**
 * ModeNode:
 *
 * A node of the beacon tree.
 *
 * Since: 0.1
 */

struct _ModeNode
{
  GObject    parent_instance;

  GObject   *data;      /* (unowned) (nullable) */
  ModeNode  *parent;    /* (unowned) (nullable) */
  GPtrArray *children;  /* (owned) (nullable) (element-type ModeNode) */
  guint      weak : 1;  /* data is watched with a weak pointer */
  guint      owned : 1; /* data owns the node (a service's beacon) */
};

/* Names the data of the nodes their data owns: services. */
static ModeNodeLabelFunc owned_label_func;

void
_mode_node_set_owned_label_func (ModeNodeLabelFunc func)
{
  owned_label_func = func;
}

enum {
  PROP_0,
  PROP_DATA,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ModeNode, mode_node, G_TYPE_OBJECT)

/* The links between nodes (parents and children) change in the context
 * that owns the tree, but a service of another thread (a
 * ModeServiceThread's) reads its depth there for its log lines: the
 * links are changed and walked under this lock. Nothing is freed under
 * it. */
static GMutex tree_lock;

/* With the lock held: takes @child out of the children of @self;
 * returns it (the array's reference) or NULL. */
static ModeNode *
steal_child_locked (ModeNode *self,
                    ModeNode *child)
{
  if (self->children == NULL)
    return NULL;

  /* Search from the end: the newest child is the likeliest to go. */
  for (guint i = self->children->len; i > 0; i--)
    {
      if (g_ptr_array_index (self->children, i - 1) == child)
        {
          child->parent = NULL;
          return g_ptr_array_steal_index (self->children, i - 1);
        }
    }
  return NULL;
}

static void
mode_node_dispose (GObject *object)
{
  ModeNode *self = (ModeNode *)object;
  g_autoptr(GPtrArray) children = NULL;

  g_mutex_lock (&tree_lock);
  if (self->children != NULL)
    {
      for (guint i = 0; i < self->children->len; i++)
        {
          ModeNode *child = g_ptr_array_index (self->children, i);
          child->parent = NULL;
        }
      children = g_steal_pointer (&self->children);
    }
  g_mutex_unlock (&tree_lock);

  if (self->data != NULL && self->weak)
    g_object_remove_weak_pointer (self->data, (gpointer *)&self->data);
  self->data = NULL;

  G_OBJECT_CLASS (mode_node_parent_class)->dispose (object);
}

static void
mode_node_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ModeNode *self = MODE_NODE (object);

  switch (prop_id)
    {
    case PROP_DATA:
      g_value_set_object (value, self->data);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_node_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  ModeNode *self = MODE_NODE (object);

  switch (prop_id)
    {
    case PROP_DATA:
      self->data = g_value_get_object (value);
      if (self->data != NULL)
        {
          self->weak = TRUE;
          g_object_add_weak_pointer (self->data, (gpointer *)&self->data);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_node_class_init (ModeNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mode_node_dispose;
  object_class->get_property = mode_node_get_property;
  object_class->set_property = mode_node_set_property;

  /**
   * ModeNode:data:
   *
   * The object this node stands for, usually a #ModeService. The node
   * does not keep it alive.
   *
   * Since: 0.1
   */
  properties[PROP_DATA] =
    g_param_spec_object ("data", NULL, NULL,
                         G_TYPE_OBJECT,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mode_node_init (ModeNode *self)
{
}

/**
 * mode_node_new:
 * @data: (nullable): the object the node stands for
 *
 * Creates a node that is not yet part of any tree.
 *
 * Returns: (transfer full): a new #ModeNode
 *
 * Since: 0.1
 */
ModeNode *
mode_node_new (GObject *data)
{
  g_return_val_if_fail (data == NULL || G_IS_OBJECT (data), NULL);

  return g_object_new (MODE_TYPE_NODE, "data", data, NULL);
}

/* A node its data owns (a service's beacon): the data clears the
 * pointer itself when it goes, which saves a weak pointer each, and is
 * named by the owned label function. */
ModeNode *
_mode_node_new_owned (GObject *data)
{
  ModeNode *self = g_object_new (MODE_TYPE_NODE, NULL);

  self->data = data;
  self->owned = TRUE;
  return self;
}

void
_mode_node_clear_data (ModeNode *self)
{
  if (self->weak && self->data != NULL)
    g_object_remove_weak_pointer (self->data, (gpointer *)&self->data);
  self->data = NULL;
}

/**
 * mode_node_get_data:
 * @self: a #ModeNode
 *
 * Gets the object the node stands for.
 *
 * Returns: (transfer none) (nullable): the node's data
 *
 * Since: 0.1
 */
GObject *
mode_node_get_data (ModeNode *self)
{
  g_return_val_if_fail (MODE_IS_NODE (self), NULL);

  return self->data;
}

/**
 * mode_node_get_parent:
 * @self: a #ModeNode
 *
 * Gets the parent of the node.
 *
 * Returns: (transfer none) (nullable): the parent, or %NULL for a root
 *
 * Since: 0.1
 */
ModeNode *
mode_node_get_parent (ModeNode *self)
{
  g_return_val_if_fail (MODE_IS_NODE (self), NULL);

  return self->parent;
}

/**
 * mode_node_get_root:
 * @self: a #ModeNode
 *
 * Gets the root of the tree the node is in: the node itself when it has
 * no parent.
 *
 * Returns: (transfer none): the root node
 *
 * Since: 0.1
 */
ModeNode *
mode_node_get_root (ModeNode *self)
{
  ModeNode *node;

  g_return_val_if_fail (MODE_IS_NODE (self), NULL);

  g_mutex_lock (&tree_lock);
  for (node = self; node->parent != NULL; node = node->parent)
    ;
  g_mutex_unlock (&tree_lock);

  return node;
}

/* The root and the parent (%NULL for a root) at once, under one hold
 * of the tree's lock: a crash asks both of every service it marks. */
ModeNode *
_mode_node_get_root_and_parent (ModeNode  *self,
                                ModeNode **parent)
{
  ModeNode *node;

  g_mutex_lock (&tree_lock);
  *parent = self->parent;
  for (node = self; node->parent != NULL; node = node->parent)
    ;
  g_mutex_unlock (&tree_lock);

  return node;
}

/**
 * mode_node_get_children:
 * @self: a #ModeNode
 *
 * Gets the children of the node, in the order they were added.
 *
 * Returns: (transfer container) (element-type ModeNode): the children
 *
 * Since: 0.1
 */
GPtrArray *
mode_node_get_children (ModeNode *self)
{
  GPtrArray *ret;

  g_return_val_if_fail (MODE_IS_NODE (self), NULL);

  if (self->children == NULL)
    return g_ptr_array_new_with_free_func (g_object_unref);

  ret = g_ptr_array_new_full (self->children->len, g_object_unref);
  for (guint i = 0; i < self->children->len; i++)
    g_ptr_array_add (ret, g_object_ref (g_ptr_array_index (self->children, i)));

  return ret;
}

/**
 * mode_node_get_depth:
 * @self: a #ModeNode
 *
 * Gets how far the node is from its root: 0 for a root, 1 for its
 * children, and so on.
 *
 * Returns: the depth of the node
 *
 * Since: 0.1
 */
guint
mode_node_get_depth (ModeNode *self)
{
  guint depth = 0;

  g_return_val_if_fail (MODE_IS_NODE (self), 0);

  g_mutex_lock (&tree_lock);
  for (ModeNode *node = self->parent; node != NULL; node = node->parent)
    depth++;
  g_mutex_unlock (&tree_lock);

  return depth;
}

const char *
_mode_node_get_label (ModeNode *self)
{
  if (self->data == NULL)
    return "(null)";
  if (self->owned && owned_label_func != NULL)
    return owned_label_func (self->data);
  return G_OBJECT_TYPE_NAME (self->data);
}

/**
 * mode_node_get_path:
 * @self: a #ModeNode
 *
 * Gets the path from the root to the node, the labels of the nodes'
 * data joined by slashes: "App/Webserver/Cache". A service is named by
 * its #ModeService:shortlabel, any other object by its type name.
 *
 * Returns: (transfer full): the path
 *
 * Since: 0.1
 */
char *
mode_node_get_path (ModeNode *self)
{
  g_autoptr(GPtrArray) labels = NULL;
  GString *path;

  g_return_val_if_fail (MODE_IS_NODE (self), NULL);

  labels = g_ptr_array_new ();
  g_mutex_lock (&tree_lock);
  for (ModeNode *node = self; node != NULL; node = node->parent)
    g_ptr_array_add (labels, node);
  g_mutex_unlock (&tree_lock);
  for (guint i = 0; i < labels->len; i++)
    g_ptr_array_index (labels, i) = (gpointer) _mode_node_get_label (g_ptr_array_index (labels, i));

  path = g_string_new (NULL);
  for (guint i = labels->len; i > 0; i--)
    {
      if (i != labels->len)
        g_string_append_c (path, '/');
      g_string_append (path, g_ptr_array_index (labels, i - 1));
    }

  return g_string_free (path, FALSE);
}

/**
 * mode_node_add_child:
 * @self: a #ModeNode
 * @child: the node to add
 *
 * Adds @child as the last child of @self. A child that has another parent
 * is moved: see mode_node_reattach().
 *
 * Returns: (transfer none): @child
 *
 * Since: 0.1
 */
ModeNode *
mode_node_add_child (ModeNode *self,
                     ModeNode *child)
{
  g_return_val_if_fail (MODE_IS_NODE (self), NULL);
  g_return_val_if_fail (MODE_IS_NODE (child), NULL);
  g_return_val_if_fail (self != child, NULL);

  mode_node_reattach (child, self);
  return child;
}

/**
 * mode_node_reattach:
 * @self: a #ModeNode
 * @parent: the new parent
 *
 * Moves @self, with its subtree, under @parent, as its last child. A node
 * that is already a child of @parent stays where it is.
 *
 * Since: 0.1
 */
void
mode_node_reattach (ModeNode *self,
                    ModeNode *parent)
{
  g_return_if_fail (MODE_IS_NODE (self));
  g_return_if_fail (MODE_IS_NODE (parent));
  g_return_if_fail (self != parent);

  g_mutex_lock (&tree_lock);
  if (self->parent != parent)
    {
      /* the reference the old parent held is now the new one's */
      if (self->parent == NULL || steal_child_locked (self->parent, self) == NULL)
        g_object_ref (self);
      if (parent->children == NULL)
        parent->children = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (parent->children, self);
      self->parent = parent;
    }
  g_mutex_unlock (&tree_lock);
}

/**
 * mode_node_detach:
 * @self: a #ModeNode
 * @parent: the node to detach @self from
 *
 * Removes @self from the children of @parent. Nothing happens when
 * @parent is not the parent of @self.
 *
 * Since: 0.1
 */
void
mode_node_detach (ModeNode *self,
                  ModeNode *parent)
{
  ModeNode *child = NULL;

  g_return_if_fail (MODE_IS_NODE (self));
  g_return_if_fail (MODE_IS_NODE (parent));

  g_mutex_lock (&tree_lock);
  if (self->parent == parent)
    child = steal_child_locked (parent, self);
  g_mutex_unlock (&tree_lock);

  /* not under the lock: the node may go */
  if (child != NULL)
    g_object_unref (child);
}

/**
 * mode_node_traverse:
 * @self: a #ModeNode
 * @func: (scope call): the function to call on each node
 * @user_data: data for @func
 *
 * Calls @func on @self and every node below it, breadth first: @self,
 * then its children, then their children. The traversal stops when
 * @func returns %FALSE.
 *
 * Since: 0.1
 */
void
mode_node_traverse (ModeNode     *self,
                    ModeNodeFunc  func,
                    gpointer      user_data)
{
  g_autoptr(GPtrArray) queue = NULL;

  g_return_if_fail (MODE_IS_NODE (self));
  g_return_if_fail (func != NULL);

  /* Keep the nodes alive while user code runs: it may detach them. */
  queue = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (queue, g_object_ref (self));

  for (guint head = 0; head < queue->len; head++)
    {
      ModeNode *node = g_ptr_array_index (queue, head);

      if (!func (node, user_data))
        break;

      if (node->children != NULL)
        for (guint i = 0; i < node->children->len; i++)
          g_ptr_array_add (queue, g_object_ref (g_ptr_array_index (node->children, i)));
    }
}

/**
 * mode_node_walk:
 * @self: a #ModeNode
 * @func: (scope call): the function to call on each node
 * @user_data: data for @func
 *
 * Calls @func on @self, then on its parent, and so on up to the root.
 * The walk stops when @func returns %FALSE.
 *
 * Since: 0.1
 */
void
mode_node_walk (ModeNode     *self,
                ModeNodeFunc  func,
                gpointer      user_data)
{
  g_return_if_fail (MODE_IS_NODE (self));
  g_return_if_fail (func != NULL);

  for (ModeNode *node = self; node != NULL; node = node->parent)
    if (!func (node, user_data))
      break;
}

/**
 * mode_node_as_graph:
 * @self: a #ModeNode
 *
 * Makes a #ModeGraph of the tree below @self, @self included: Mode's
 * `as_graph`. The nodes of the graph are the data of the tree's nodes,
 * usually the services (a node whose data is gone stands for itself),
 * added breadth first, with an edge from each one to each of its
 * children. Take the tree's root, mode_node_get_root(), to draw the
 * whole program.
 *
 * Returns: (transfer full): a new #ModeGraph
 *
 * Since: 0.1
 */
ModeGraph *
mode_node_as_graph (ModeNode *self)
{
  g_autoptr(GPtrArray) queue = NULL;
  ModeGraph *graph;

  g_return_val_if_fail (MODE_IS_NODE (self), NULL);

  graph = mode_graph_new ();
  queue = g_ptr_array_new ();
  g_ptr_array_add (queue, self);

  for (guint head = 0; head < queue->len; head++)
    {
      ModeNode *node = g_ptr_array_index (queue, head);
      GObject *object = node->data != NULL ? node->data : G_OBJECT (node);

      mode_graph_add_arc (graph, object);
      if (node->children == NULL)
        continue;

      for (guint i = 0; i < node->children->len; i++)
        {
          ModeNode *child = g_ptr_array_index (node->children, i);

          mode_graph_add_edge (graph, object, child->data != NULL ? child->data : G_OBJECT (child));
          g_ptr_array_add (queue, child);
        }
    }

  return graph;
}
