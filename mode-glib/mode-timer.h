/* mode-timer.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#if !defined (MODE_INSIDE) && !defined (MODE_COMPILATION)
# error "Only <mode-glib/mode-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "mode-version-macros.h"

G_BEGIN_DECLS

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

G_END_DECLS
