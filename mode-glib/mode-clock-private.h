/* mode-clock-private.h: what a clock offers this library's scheduler
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed. A clock keeps the scheduler of each main context that
 * waits on it, for mode_clock_advance() to wake those contexts; it never
 * looks inside them. The table and a manual clock's time are under the
 * clock's lock.
 */

#pragma once

#include "mode-clock.h"
/* The deadlines were declared here before the scheduler had a unit of
 * its own: the files that include this header for them still get them. */
#include "mode-scheduler-private.h"

G_BEGIN_DECLS

gint64         _mode_clock_now                     (ModeClock     *self);

void           _mode_clock_lock                    (ModeClock     *self);
void           _mode_clock_unlock                  (ModeClock     *self);
ModeScheduler *_mode_clock_lookup_scheduler_locked (ModeClock     *self,
                                                    GMainContext  *context);
void           _mode_clock_insert_scheduler_locked (ModeClock     *self,
                                                    GMainContext  *context,
                                                    ModeScheduler *scheduler);
void           _mode_clock_remove_scheduler_locked (ModeClock     *self,
                                                    GMainContext  *context);

G_END_DECLS
