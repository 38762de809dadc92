/* mode-event.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#if !defined (MODE_INSIDE) && !defined (MODE_COMPILATION)
# error "Only <mode-glib/mode-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "mode-version-macros.h"

G_BEGIN_DECLS

/**
 * MODE_TYPE_EVENT:
 *
 * The #GType of #ModeEvent.
 *
 * Since: 0.1
 */
#define MODE_TYPE_EVENT (mode_event_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ModeEvent, mode_event, MODE, EVENT, GObject)

MODE_AVAILABLE_IN_ALL
ModeEvent *mode_event_new         (void);
MODE_AVAILABLE_IN_ALL
void       mode_event_set         (ModeEvent           *self);
MODE_AVAILABLE_IN_ALL
void       mode_event_clear       (ModeEvent           *self);
MODE_AVAILABLE_IN_ALL
gboolean   mode_event_is_set      (ModeEvent           *self);
MODE_AVAILABLE_IN_ALL
void       mode_event_wait_async  (ModeEvent           *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
MODE_AVAILABLE_IN_ALL
gboolean   mode_event_wait_finish (ModeEvent           *self,
                                   GAsyncResult        *result,
                                   GError             **error);

G_END_DECLS
