/* mode-service-parallel.c: a parallel start of the dependencies
 * (ModeService:start-dependencies): asking them all at once, stopping
 * what a failed one started, and the order of their stop.
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-service-internal.h"

/* A parallel start asks every dependency at once (each still starts
 * after its own dependencies: that is its own start's business). */
void
_mode_op_start_dependencies_at_once (ModeOp     *op,
                                     ModeOpKind  request,
                                     ModeOpDone  child_done)
{
  ModeServicePrivate *priv = GET_PRIV (op->self);
  ServiceExtras *extras = service_get_extras (op->self);

  if (extras->start_order == NULL)
    extras->start_order = g_ptr_array_new_with_free_func (g_object_unref);
  else if (op->index == 0)
    g_ptr_array_set_size (extras->start_order, 0); /* a new run */
  op->parallel_deps = TRUE;
  /* a request answered at once does not run the op again: it runs */
  while (priv->children != NULL && op->index < priv->children->len)
    {
      ModeService *child = g_ptr_array_index (priv->children, op->index++);

      op->pending++;
      service_request (child, request, child_done, op);
    }
}

/* A dependency the unwinding stopped: its error is logged, not taken. */
static void
start_unwind_done (ModeService  *child,
                   const GError *error,
                   gpointer      data)
{
  ModeOp *op = data;

  if (error != NULL)
    service_log (op->self, G_LOG_LEVEL_MESSAGE, "Error while stopping child %s: %s",
                 mode_service_get_label (child), error->message);
  _mode_op_continue (op);
}

/* Stops the last dependency whose parallel start completed; returns
 * FALSE when none is left. */
gboolean
_mode_op_start_unwind_next (ModeOp *op)
{
  ModeServicePrivate *priv = GET_PRIV (op->self);
  GPtrArray *order = priv->extras != NULL ? priv->extras->start_order : NULL;
  ModeService *child;

  if (order == NULL || order->len == 0)
    return FALSE;

  child = g_ptr_array_steal_index (order, order->len - 1);
  op->pending++;
  service_request (child, OP_STOP, start_unwind_done, op);
  g_object_unref (child);
  return TRUE;
}

/* The order in which a service whose dependencies started in parallel
 * stops them, from the last: the ones that did not start (from the
 * last added), then the others in the reverse order of the completion
 * of their starts. NULL when that is the order of the dependencies. */
GPtrArray *
_mode_service_stop_order (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  GPtrArray *started = priv->extras != NULL ? priv->extras->start_order : NULL;
  GPtrArray *order;

  if (!priv->parallel_start || started == NULL || started->len == 0 || priv->children == NULL)
    return NULL;

  order = g_ptr_array_new_full (priv->children->len, g_object_unref);
  for (guint i = 0; i < priv->children->len; i++)
    {
      ModeService *child = g_ptr_array_index (priv->children, i);

      if (!g_ptr_array_find (started, child, NULL))
        g_ptr_array_add (order, g_object_ref (child));
    }
  for (guint i = 0; i < started->len; i++)
    {
      ModeService *child = g_ptr_array_index (started, i);

      /* one taken out of the tree since is not this stop's */
      if (g_ptr_array_find (priv->children, child, NULL) &&
          !g_ptr_array_find (order, child, NULL))
        g_ptr_array_add (order, g_object_ref (child));
    }
  return order;
}
