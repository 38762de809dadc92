/* mode-destroy-private.h: freeing a caller's data where the caller is
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed.
 *
 * The data given with a function (a task's, a timer's, a thread call's)
 * is freed where the function was given: a binding's closure (a
 * JavaScript function's) must not be freed in another thread, and a
 * service of a ModeServiceThread runs its functions in its own.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  GDestroyNotify  destroy;   /* (nullable) */
  gpointer        data;
  GMainContext   *context;   /* (owned) (nullable): the caller's, when not @here */
} ModeDestroy;

void _mode_destroy_init (ModeDestroy    *self,
                         GDestroyNotify  destroy,
                         gpointer        data,
                         GMainContext   *here);
void _mode_destroy_run  (ModeDestroy    *self);

G_END_DECLS
