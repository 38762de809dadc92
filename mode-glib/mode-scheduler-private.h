/* mode-scheduler-private.h: deadlines on a clock, for this library only
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed. A scheduler is what waits on one clock in one main
 * context: every timer and sleep of the services of that context that
 * follow that clock shares it.
 */

#pragma once

#include "mode-clock.h"

G_BEGIN_DECLS

typedef struct _ModeScheduler ModeScheduler;
typedef struct _ModeDeadline  ModeDeadline;

typedef void (*ModeDeadlineFunc) (ModeDeadline *deadline,
                                  gpointer      data);

/* Embedded in whatever waits; scheduled at most once at a time. */
struct _ModeDeadline
{
  gint64           due;       /* microseconds on the scheduler's clock */
  guint64          order;     /* among those due at once: first added, first run */
  guint            position;  /* in the heap, from 1; 0: not scheduled */
  ModeDeadlineFunc func;
  gpointer         data;
  gconstpointer    group;     /* (nullable): taken out with the others of its
                               * group by _mode_scheduler_remove_group() */
};

ModeScheduler *_mode_scheduler_ref      (ModeClock     *clock,
                                         GMainContext  *context);
void           _mode_scheduler_unref    (ModeScheduler *self);
gint64         _mode_scheduler_now      (ModeScheduler *self);
ModeClock     *_mode_scheduler_get_clock (ModeScheduler *self);
void           _mode_scheduler_add      (ModeScheduler *self,
                                         ModeDeadline  *deadline,
                                         gint64         due);
void           _mode_scheduler_remove   (ModeScheduler *self,
                                         ModeDeadline  *deadline);
gboolean       _mode_scheduler_remove_group (ModeScheduler *self,
                                             gconstpointer  group,
                                             guint          n);

/* After _mode_scheduler_remove_group(): @deadline is not scheduled. */
static inline void
_mode_deadline_forget (ModeDeadline *deadline)
{
  deadline->position = 0;
}

static inline gboolean
_mode_deadline_is_scheduled (const ModeDeadline *deadline)
{
  return deadline->position != 0;
}

G_END_DECLS
