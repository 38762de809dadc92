/* mode-timer.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#if !defined (MODE_INSIDE) && !defined (MODE_COMPILATION)
# error "Only <mode-glib/mode-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "mode-cron.h"
#include "mode-version-macros.h"

G_BEGIN_DECLS

/**
 * ModeTimerFlags:
 * @MODE_TIMER_NONE: no flag: the first tick is one interval after the
 *   start (for a cron timer, the first time of its schedule)
 * @MODE_TIMER_EXEC_FIRST: the first tick runs at the start of the
 *   service, then the schedule goes on as without the flag (Mode's
 *   `exec_first=True`); see #ModeTimer:exec-first
 *
 * Flags of the timers that mode_service_add_timer_with_flags() and the other
 * forms add.
 *
 * Since: 0.1
 */
typedef enum /*< flags >*/
{
  MODE_TIMER_NONE       = 0,
  MODE_TIMER_EXEC_FIRST = 1 << 0,
} ModeTimerFlags;

/**
 * MODE_TYPE_TIMER:
 *
 * The #GType of #ModeTimer.
 *
 * Since: 0.1
 */
#define MODE_TYPE_TIMER (mode_timer_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ModeTimer, mode_timer, MODE, TIMER, GObject)

MODE_AVAILABLE_IN_ALL
const char *mode_timer_get_name           (ModeTimer *self);
MODE_AVAILABLE_IN_ALL
gdouble     mode_timer_get_interval       (ModeTimer *self);
MODE_AVAILABLE_IN_ALL
guint64     mode_timer_get_iteration      (ModeTimer *self);
MODE_AVAILABLE_IN_ALL
guint64     mode_timer_get_drifting       (ModeTimer *self);
MODE_AVAILABLE_IN_ALL
guint64     mode_timer_get_drifting_early (ModeTimer *self);
MODE_AVAILABLE_IN_ALL
guint64     mode_timer_get_drifting_late  (ModeTimer *self);
MODE_AVAILABLE_IN_ALL
guint64     mode_timer_get_overlaps       (ModeTimer *self);
MODE_AVAILABLE_IN_ALL
gint64      mode_timer_get_last_due       (ModeTimer *self);
MODE_AVAILABLE_IN_ALL
gint64      mode_timer_get_last_drift     (ModeTimer *self);
MODE_AVAILABLE_IN_ALL
gboolean    mode_timer_get_exec_first     (ModeTimer *self);
MODE_AVAILABLE_IN_ALL
void        mode_timer_set_exec_first     (ModeTimer *self,
                                           gboolean   exec_first);
MODE_AVAILABLE_IN_ALL
gboolean    mode_timer_get_is_async       (ModeTimer *self);
MODE_AVAILABLE_IN_ALL
ModeCron   *mode_timer_get_cron           (ModeTimer *self);
MODE_AVAILABLE_IN_ALL
GTimeZone  *mode_timer_get_time_zone      (ModeTimer *self);

G_END_DECLS
