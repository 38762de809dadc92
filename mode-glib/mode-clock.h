/* mode-clock.h
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
 * MODE_TYPE_CLOCK:
 *
 * The #GType of #ModeClock.
 *
 * Since: 0.1
 */
#define MODE_TYPE_CLOCK (mode_clock_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ModeClock, mode_clock, MODE, CLOCK, GObject)

MODE_AVAILABLE_IN_ALL
ModeClock *mode_clock_get_default (void);
MODE_AVAILABLE_IN_ALL
ModeClock *mode_clock_new_manual  (void);
MODE_AVAILABLE_IN_ALL
gboolean   mode_clock_is_manual   (ModeClock *self);
MODE_AVAILABLE_IN_ALL
gint64     mode_clock_get_time    (ModeClock *self);
MODE_AVAILABLE_IN_ALL
void       mode_clock_advance     (ModeClock *self,
                                   gint64     microseconds);

G_END_DECLS
