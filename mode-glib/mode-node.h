/* mode-node.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#if !defined (MODE_INSIDE) && !defined (MODE_COMPILATION)
# error "Only <mode-glib/mode-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "mode-version-macros.h"
#include "mode-graph.h"

G_BEGIN_DECLS

/**
 * MODE_TYPE_NODE:
 *
 * The #GType of #ModeNode.
 *
 * Since: 0.1
 */
#define MODE_TYPE_NODE (mode_node_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ModeNode, mode_node, MODE, NODE, GObject)

/**
 * ModeNodeFunc:
 * @node: a #ModeNode
 * @user_data: the data passed to the traversal function
 *
 * The function called on each node by mode_node_traverse() and
 * mode_node_walk().
 *
 * Returns: %TRUE to go on, %FALSE to stop the traversal
 *
 * Since: 0.1
 */
typedef gboolean (*ModeNodeFunc) (ModeNode *node,
                                  gpointer  user_data);

MODE_AVAILABLE_IN_ALL
ModeNode    *mode_node_new          (GObject      *data);
MODE_AVAILABLE_IN_ALL
GObject     *mode_node_get_data     (ModeNode     *self);
MODE_AVAILABLE_IN_ALL
ModeNode    *mode_node_get_parent   (ModeNode     *self);
MODE_AVAILABLE_IN_ALL
ModeNode    *mode_node_get_root     (ModeNode     *self);
MODE_AVAILABLE_IN_ALL
GPtrArray   *mode_node_get_children (ModeNode     *self);
MODE_AVAILABLE_IN_ALL
guint        mode_node_get_depth    (ModeNode     *self);
MODE_AVAILABLE_IN_ALL
char        *mode_node_get_path     (ModeNode     *self);
MODE_AVAILABLE_IN_ALL
ModeNode    *mode_node_add_child    (ModeNode     *self,
                                     ModeNode     *child);
MODE_AVAILABLE_IN_ALL
void         mode_node_reattach     (ModeNode     *self,
                                     ModeNode     *parent);
MODE_AVAILABLE_IN_ALL
void         mode_node_detach       (ModeNode     *self,
                                     ModeNode     *parent);
MODE_AVAILABLE_IN_ALL
void         mode_node_traverse     (ModeNode     *self,
                                     ModeNodeFunc  func,
                                     gpointer      user_data);
MODE_AVAILABLE_IN_ALL
void         mode_node_walk         (ModeNode     *self,
                                     ModeNodeFunc  func,
                                     gpointer      user_data);
MODE_AVAILABLE_IN_ALL
ModeGraph   *mode_node_as_graph     (ModeNode     *self);

G_END_DECLS
