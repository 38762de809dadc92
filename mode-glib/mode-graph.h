/* mode-graph.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#if !defined (MODE_INSIDE) && !defined (MODE_COMPILATION)
# error "Only <mode-glib/mode-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "mode-version-macros.h"

G_BEGIN_DECLS

/**
 * MODE_TYPE_GRAPH:
 *
 * The #GType of #ModeGraph.
 *
 * Since: 0.1
 */
#define MODE_TYPE_GRAPH (mode_graph_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ModeGraph, mode_graph, MODE, GRAPH, GObject)

/**
 * ModeGraphLabelFunc:
 * @object: a node of the graph
 * @user_data: the data given with the function
 *
 * Names a node of a #ModeGraph, in the DOT output and in error messages.
 * Return %NULL to keep the default label.
 *
 * Returns: (transfer full) (nullable): the label of @object
 *
 * Since: 0.1
 */
typedef char *(*ModeGraphLabelFunc) (GObject  *object,
                                     gpointer  user_data);

MODE_AVAILABLE_IN_ALL
ModeGraph *mode_graph_new             (void);
MODE_AVAILABLE_IN_ALL
void       mode_graph_add_arc         (ModeGraph           *self,
                                       GObject             *object);
MODE_AVAILABLE_IN_ALL
void       mode_graph_add_edge        (ModeGraph           *self,
                                       GObject             *a,
                                       GObject             *b);
MODE_AVAILABLE_IN_ALL
gboolean   mode_graph_contains        (ModeGraph           *self,
                                       GObject             *object);
MODE_AVAILABLE_IN_ALL
guint      mode_graph_get_n_nodes     (ModeGraph           *self);
MODE_AVAILABLE_IN_ALL
GPtrArray *mode_graph_get_nodes       (ModeGraph           *self);
MODE_AVAILABLE_IN_ALL
GPtrArray *mode_graph_get_adjacent    (ModeGraph           *self,
                                       GObject             *object);
MODE_AVAILABLE_IN_ALL
GPtrArray *mode_graph_get_edges       (ModeGraph           *self);
MODE_AVAILABLE_IN_ALL
GPtrArray *mode_graph_topsort         (ModeGraph           *self,
                                       GError             **error);
MODE_AVAILABLE_IN_ALL
guint      mode_graph_valency_of      (ModeGraph           *self,
                                       GObject             *object);
MODE_AVAILABLE_IN_ALL
void       mode_graph_set_label_func  (ModeGraph           *self,
                                       ModeGraphLabelFunc   func,
                                       gpointer             user_data,
                                       GDestroyNotify       destroy);
MODE_AVAILABLE_IN_ALL
char      *mode_graph_get_label       (ModeGraph           *self,
                                       GObject             *object);
MODE_AVAILABLE_IN_ALL
gboolean   mode_graph_get_show_state  (ModeGraph           *self);
MODE_AVAILABLE_IN_ALL
void       mode_graph_set_show_state  (ModeGraph           *self,
                                       gboolean             show_state);
MODE_AVAILABLE_IN_ALL
char      *mode_graph_to_dot          (ModeGraph           *self);
MODE_AVAILABLE_IN_ALL
gboolean   mode_graph_render          (ModeGraph           *self,
                                       const char          *format,
                                       const char          *path,
                                       GError             **error);
MODE_AVAILABLE_IN_ALL
GBytes    *mode_graph_render_to_bytes (ModeGraph           *self,
                                       const char          *format,
                                       GError             **error);

G_END_DECLS
