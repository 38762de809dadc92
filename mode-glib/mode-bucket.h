/* mode-bucket.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#if !defined (MODE_INSIDE) && !defined (MODE_COMPILATION)
# error "Only <mode-glib/mode-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "mode-version-macros.h"
#include "mode-clock.h"

G_BEGIN_DECLS

/**
 * MODE_TYPE_BUCKET:
 *
 * The #GType of #ModeBucket.
 *
 * Since: 0.1
 */
#define MODE_TYPE_BUCKET (mode_bucket_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ModeBucket, mode_bucket, MODE, BUCKET, GObject)

MODE_AVAILABLE_IN_ALL
ModeBucket *mode_bucket_new           (gdouble     rate,
                                       gdouble     over);
MODE_AVAILABLE_IN_ALL
ModeBucket *mode_bucket_new_full      (gdouble     rate,
                                       gdouble     over,
                                       gdouble     capacity,
                                       ModeClock  *clock);
MODE_AVAILABLE_IN_ALL
gboolean    mode_bucket_pour          (ModeBucket *self,
                                       gdouble     tokens);
MODE_AVAILABLE_IN_ALL
gdouble     mode_bucket_get_tokens    (ModeBucket *self);
MODE_AVAILABLE_IN_ALL
gdouble     mode_bucket_expected_time (ModeBucket *self,
                                       gdouble     tokens);
MODE_AVAILABLE_IN_ALL
gdouble     mode_bucket_get_rate      (ModeBucket *self);
MODE_AVAILABLE_IN_ALL
gdouble     mode_bucket_get_over      (ModeBucket *self);
MODE_AVAILABLE_IN_ALL
gdouble     mode_bucket_get_capacity  (ModeBucket *self);

G_END_DECLS
