/* mode-graph-private.h: what ModeGraph is told from outside and above
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed. The graph knows no service: the service layer gives
 * it a function that names an object it knows and, for show-state,
 * says its state and colours. The graphviz side is implemented by
 * mode-graph-gvc.c when mode-glib is built with graphviz, by
 * mode-graph-nogvc.c otherwise.
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct
{
  char       *label;     /* (owned) (nullable): the object's label */
  const char *state;     /* (nullable): its state, shown with show-state */
  guint       restarts;  /* shown with its state when > 0 */
  const char *fill;      /* (nullable): its colours, with its state */
  const char *line;
} ModeGraphAttributes;

/* Fills @attrs for an object the function knows (returns TRUE), the
 * state only when @with_state. Installed once by the service layer. */
typedef gboolean (*ModeGraphAttributesFunc) (GObject             *object,
                                             gboolean             with_state,
                                             ModeGraphAttributes *attrs);

void _mode_graph_set_attributes_func (ModeGraphAttributesFunc func);

/* Lays out @dot with graphviz's dot layout and renders it as @format:
 * returns the rendered bytes, or NULL with @error set. */
GBytes *_mode_graph_render_dot (const char  *dot,
                                const char  *format,
                                GError     **error);

G_END_DECLS
