/* mode-graph-nogvc.c: ModeGraph rendering when built without graphviz
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-error.h"
#include "mode-graph-private.h"
#include "mode-i18n.h"

GBytes *
_mode_graph_render_dot (const char  *dot,
                        const char  *format,
                        GError     **error)
{
  g_set_error_literal (error, MODE_ERROR, MODE_ERROR_UNSUPPORTED,
                       _("mode-glib was built without graphviz: graphs can be "
                         "written as DOT but not rendered"));
  return NULL;
}
