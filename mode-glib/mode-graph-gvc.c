/* mode-graph-gvc.c: ModeGraph rendering through graphviz's library
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The only file of mode-glib that uses graphviz; built when the
 * graphviz feature found libgvc.
 */

#include "config.h"

#include <gvc.h>

#include "mode-error.h"
#include "mode-graph-private.h"
#include "mode-i18n.h"

/* graphviz keeps its error handler, its font cache and much else in
 * globals: one rendering at a time, all in one context made on first use
 * and kept for the life of the process (graphviz leaks part of every
 * context it makes, and its text layout reads what a freed context
 * left behind). */
static GMutex gvc_lock;
static GVC_t *gvc_context;     /* (owned) (nullable) under gvc_lock, never freed */
static GString *gvc_messages;  /* (owned) (nullable) under gvc_lock */

static int
collect_message (char *message)
{
  if (gvc_messages != NULL && message != NULL)
    g_string_append (gvc_messages, message);
  return 0;
}

static const char *
messages_or_unknown (void)
{
  while (gvc_messages->len > 0 && g_ascii_isspace (gvc_messages->str[gvc_messages->len - 1]))
    g_string_truncate (gvc_messages, gvc_messages->len - 1);

  return gvc_messages->len > 0 ? gvc_messages->str : _("unknown error");
}

GBytes *
_mode_graph_render_dot (const char  *dot,
                        const char  *format,
                        GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&gvc_lock);
  GBytes *ret = NULL;
  agusererrf old_handler;
  Agraph_t *graph;

  gvc_messages = g_string_new (NULL);
  old_handler = agseterrf (collect_message);
  if (gvc_context == NULL)
    gvc_context = gvContext ();

  graph = agmemread (dot);
  if (graph == NULL)
    {
      g_set_error (error, MODE_ERROR, MODE_ERROR_FAILED,
                   _("graphviz could not read the graph: %s"), messages_or_unknown ());
    }
  else if (gvLayout (gvc_context, graph, "dot") != 0)
    {
      g_set_error (error, MODE_ERROR, MODE_ERROR_FAILED,
                   _("graphviz could not lay out the graph: %s"), messages_or_unknown ());
    }
  else
    {
      char *data = NULL;
      unsigned int length = 0;

      if (gvRenderData (gvc_context, graph, format, &data, &length) == 0 && data != NULL)
        ret = g_bytes_new (data, length);
      else
        g_set_error (error, MODE_ERROR, MODE_ERROR_FAILED,
                     _("graphviz could not render the graph as “%s”: %s"),
                     format, messages_or_unknown ());
      if (data != NULL)
        gvFreeRenderData (data);
      gvFreeLayout (gvc_context, graph);
    }

  if (graph != NULL)
    agclose (graph);
  agseterrf (old_handler);
  g_string_free (g_steal_pointer (&gvc_messages), TRUE);

  return ret;
}
