/* mode-blocking-detector.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#if !defined (MODE_INSIDE) && !defined (MODE_COMPILATION)
# error "Only <mode-glib/mode-glib.h> can be included directly."
#endif

#include "mode-service.h"

G_BEGIN_DECLS

/**
 * MODE_TYPE_BLOCKING_DETECTOR:
 *
 * The #GType of #ModeBlockingDetector.
 *
 * Since: 0.1
 */
#define MODE_TYPE_BLOCKING_DETECTOR (mode_blocking_detector_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ModeBlockingDetector, mode_blocking_detector, MODE, BLOCKING_DETECTOR, ModeService)

MODE_AVAILABLE_IN_ALL
ModeBlockingDetector *mode_blocking_detector_new            (gdouble               timeout);
MODE_AVAILABLE_IN_ALL
gdouble               mode_blocking_detector_get_timeout    (ModeBlockingDetector *self);
MODE_AVAILABLE_IN_ALL
void                  mode_blocking_detector_set_timeout    (ModeBlockingDetector *self,
                                                             gdouble               timeout);
MODE_AVAILABLE_IN_ALL
guint                 mode_blocking_detector_get_detections (ModeBlockingDetector *self);

G_END_DECLS
