/* mode-timer-private.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#include <gio/gio.h>

#include "mode-cron.h"
#include "mode-scheduler-private.h"
#include "mode-timer.h"

G_BEGIN_DECLS

/* What a timer calls on each tick: a ModeTimerFunc (or, for an
 * asynchronous timer, a ModeTimerAsyncFunc) of its owner, a ModeService,
 * which the timer knows only as a pointer; and how it logs a line in its
 * owner's name. The owner stops the timer when it stops (the timer
 * trusts it) and detaches it when it goes. */
typedef void (*ModeTimerTickFunc)  (gpointer      owner,
                                    ModeTimer    *timer,
                                    gpointer      user_data);
typedef void (*ModeTimerAsyncTickFunc) (gpointer      owner,
                                        ModeTimer    *timer,
                                        GCancellable *cancellable,
                                        GTask        *task,
                                        gpointer      user_data);
typedef void (*ModeTimerLogFunc)   (gpointer        owner,
                                    GLogLevelFlags  level,
                                    const char     *message);
/* An asynchronous timer's tick asks its owner for a task of its own
 * (the owner's cancellable, its failure crashing the owner, a stop
 * waiting for it), whose end the owner reports with
 * _mode_timer_task_done (@timer, @run). */
typedef GTask *(*ModeTimerSpawnFunc) (gpointer   owner,
                                      ModeTimer *timer,
                                      guint64    run);

ModeTimer *_mode_timer_new        (gpointer            owner,
                                   ModeTimerLogFunc    log,
                                   const char         *name,
                                   gdouble             interval,
                                   ModeTimerFlags      flags,
                                   ModeTimerTickFunc   func,
                                   gpointer            user_data,
                                   GDestroyNotify      destroy);
void       _mode_timer_make_async (ModeTimer          *self,
                                   ModeTimerSpawnFunc  spawn);
void       _mode_timer_set_cron   (ModeTimer          *self,
                                   ModeCron           *cron,
                                   GTimeZone          *tz);
void       _mode_timer_task_done  (ModeTimer          *self,
                                   guint64             run);
void       _mode_timer_start      (ModeTimer          *self,
                                   ModeScheduler      *scheduler);
void       _mode_timer_stop       (ModeTimer          *self);
void       _mode_timer_detach     (ModeTimer          *self);
void       _mode_timer_describe   (ModeTimer          *self,
                                   GString            *out);

G_END_DECLS
