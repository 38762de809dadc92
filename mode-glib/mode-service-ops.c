/* mode-service-ops.c: the records of operations, and their waiters
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * What the engine (mode-service-engine.c) runs its operations in, and
 * how the callers of an operation (the engine's and ModeServiceThread's)
 * wait for its end.
 */

#include "config.h"

#include <string.h>

#include "mode-service-internal.h"

/* Operation records {{{
 *
 * A restart makes three operations (its own, its stop's and its
 * start's): the records a thread let go of are kept for its next ones,
 * a few of them, rather than allocated and freed each time (calloc and
 * free cost as much as a restart's steps). */

#define OP_CACHE_SIZE 8

typedef struct
{
  guint   n;
  ModeOp *ops[OP_CACHE_SIZE];
} OpCache;

static void
op_cache_free (gpointer data)
{
  OpCache *cache = data;

  for (guint i = 0; i < cache->n; i++)
    g_free (cache->ops[i]);
  g_free (cache);
}

static GPrivate op_cache = G_PRIVATE_INIT (op_cache_free);

ModeOp *
_mode_op_alloc (void)
{
  OpCache *cache = g_private_get (&op_cache);

  if (cache != NULL && cache->n > 0)
    {
      ModeOp *op = cache->ops[--cache->n];

      memset (op, 0, sizeof *op);
      return op;
    }

  return g_new0 (ModeOp, 1);
}

void
_mode_op_release (ModeOp *op)
{
  OpCache *cache = g_private_get (&op_cache);

  if (cache == NULL)
    {
      cache = g_new0 (OpCache, 1);
      g_private_set (&op_cache, cache);
    }
  if (cache->n < OP_CACHE_SIZE)
    cache->ops[cache->n++] = op;
  else
    g_free (op);
}

/* }}} */

/* Waiters {{{ */

GArray *
_mode_waiters_new (void)
{
  return g_array_new (FALSE, FALSE, sizeof (ModeWaiter));
}

void
_mode_waiters_add (GArray     *waiters,
                   ModeOpDone  func,
                   gpointer    data)
{
  ModeWaiter waiter = { func, data };

  g_array_append_val (waiters, waiter);
}

/* Moves the waiters of @waiters into a new array. */
GArray *
_mode_waiters_take (GArray *waiters)
{
  GArray *taken = g_array_sized_new (FALSE, FALSE, sizeof (ModeWaiter), waiters->len);

  g_array_append_vals (taken, waiters->data, waiters->len);
  g_array_set_size (waiters, 0);
  return taken;
}

/* Answers the waiters of @waiters, which it empties first: they may ask
 * @service for more. */
void
_mode_waiters_complete (ModeService  *service,
                        GArray       *waiters,
                        const GError *error)
{
  g_autoptr(GArray) now = NULL;

  if (waiters->len == 0)
    return;

  now = _mode_waiters_take (waiters);
  for (guint i = 0; i < now->len; i++)
    {
      ModeWaiter *waiter = &g_array_index (now, ModeWaiter, i);
      waiter->func (service, error, waiter->data);
    }
}

/* }}} */
