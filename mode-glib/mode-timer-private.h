/* mode-timer-private.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#include "mode-clock-private.h"
#include "mode-service.h"
#include "mode-timer.h"

G_BEGIN_DECLS

ModeTimer *_mode_timer_new      (ModeService    *service,
                                 const char     *name,
                                 gdouble         interval,
                                 ModeTimerFunc   func,
                                 gpointer        user_data,
                                 GDestroyNotify  destroy);
void       _mode_timer_start    (ModeTimer      *self,
                                 ModeScheduler  *scheduler);
void       _mode_timer_stop     (ModeTimer      *self);
void       _mode_timer_detach   (ModeTimer      *self);
void       _mode_timer_describe (ModeTimer      *self,
                                 GString        *out);

G_END_DECLS
