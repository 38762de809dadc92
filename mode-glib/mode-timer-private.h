/* mode-timer-private.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#include "mode-scheduler-private.h"
#include "mode-timer.h"

G_BEGIN_DECLS

/* What a timer calls on each tick: a ModeTimerFunc of its owner, a
 * ModeService, which the timer knows only as a pointer; and how it
 * logs a line in its owner's name. The owner stops the timer when it
 * stops (the timer trusts it) and detaches it when it goes. */
typedef void (*ModeTimerTickFunc) (gpointer   owner,
                                   ModeTimer *timer,
                                   gpointer   user_data);
typedef void (*ModeTimerLogFunc)  (gpointer        owner,
                                   GLogLevelFlags  level,
                                   const char     *message);

ModeTimer *_mode_timer_new      (gpointer           owner,
                                 ModeTimerLogFunc   log,
                                 const char        *name,
                                 gdouble            interval,
                                 ModeTimerTickFunc  func,
                                 gpointer           user_data,
                                 GDestroyNotify     destroy);
void       _mode_timer_start    (ModeTimer      *self,
                                 ModeScheduler  *scheduler);
void       _mode_timer_stop     (ModeTimer      *self);
void       _mode_timer_detach   (ModeTimer      *self);
void       _mode_timer_describe (ModeTimer      *self,
                                 GString        *out);

G_END_DECLS
