/* mode-cron.h
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
 * MODE_TYPE_CRON:
 *
 * The #GType of #ModeCron.
 *
 * Since: 0.1
 */
#define MODE_TYPE_CRON (mode_cron_get_type ())

typedef struct _ModeCron ModeCron;

MODE_AVAILABLE_IN_ALL
GType       mode_cron_get_type       (void) G_GNUC_CONST;
MODE_AVAILABLE_IN_ALL
ModeCron   *mode_cron_new            (const char  *expression,
                                      GError     **error);
MODE_AVAILABLE_IN_ALL
ModeCron   *mode_cron_ref            (ModeCron    *self);
MODE_AVAILABLE_IN_ALL
void        mode_cron_unref          (ModeCron    *self);
MODE_AVAILABLE_IN_ALL
const char *mode_cron_get_expression (ModeCron    *self);
MODE_AVAILABLE_IN_ALL
GDateTime  *mode_cron_next_after     (ModeCron    *self,
                                      GDateTime   *after);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ModeCron, mode_cron_unref)

G_END_DECLS
