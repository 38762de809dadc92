/* mode-graph-private.h: the graphviz side of ModeGraph
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed. Implemented by mode-graph-gvc.c when mode-glib is
 * built with graphviz, by mode-graph-nogvc.c otherwise.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Lays out @dot with graphviz's dot layout and renders it as @format:
 * returns the rendered bytes, or NULL with @error set. */
GBytes *_mode_graph_render_dot (const char  *dot,
                                const char  *format,
                                GError     **error);

G_END_DECLS
