/* mode-queue.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#if !defined (MODE_INSIDE) && !defined (MODE_COMPILATION)
# error "Only <mode-glib/mode-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "mode-version-macros.h"
#include "mode-service.h"

G_BEGIN_DECLS

/**
 * MODE_TYPE_QUEUE:
 *
 * The #GType of #ModeQueue.
 *
 * Since: 0.1
 */
#define MODE_TYPE_QUEUE (mode_queue_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ModeQueue, mode_queue, MODE, QUEUE, GObject)

MODE_AVAILABLE_IN_ALL
ModeQueue   *mode_queue_new               (guint                capacity,
                                           GDestroyNotify       item_free);
MODE_AVAILABLE_IN_ALL
ModeQueue   *mode_queue_new_for_service   (ModeService         *service,
                                           guint                capacity,
                                           GDestroyNotify       item_free);

MODE_AVAILABLE_IN_ALL
guint        mode_queue_get_capacity      (ModeQueue           *self);
MODE_AVAILABLE_IN_ALL
guint        mode_queue_get_length        (ModeQueue           *self);
MODE_AVAILABLE_IN_ALL
gboolean     mode_queue_get_paused        (ModeQueue           *self);
MODE_AVAILABLE_IN_ALL
void         mode_queue_set_paused        (ModeQueue           *self,
                                           gboolean             paused);
MODE_AVAILABLE_IN_ALL
ModeService *mode_queue_dup_service       (ModeQueue           *self);

MODE_AVAILABLE_IN_ALL
void         mode_queue_push_async        (ModeQueue           *self,
                                           gpointer             item,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
MODE_AVAILABLE_IN_ALL
gboolean     mode_queue_push_finish       (ModeQueue           *self,
                                           GAsyncResult        *result,
                                           GError             **error);
MODE_AVAILABLE_IN_ALL
gboolean     mode_queue_try_push          (ModeQueue           *self,
                                           gpointer             item);
MODE_AVAILABLE_IN_ALL
void         mode_queue_pop_async         (ModeQueue           *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
MODE_AVAILABLE_IN_ALL
gpointer     mode_queue_pop_finish        (ModeQueue           *self,
                                           GAsyncResult        *result,
                                           GError             **error);
MODE_AVAILABLE_IN_ALL
gboolean     mode_queue_try_pop           (ModeQueue           *self,
                                           gpointer            *item,
                                           GError             **error);

MODE_AVAILABLE_IN_ALL
void         mode_queue_push_value_async  (ModeQueue           *self,
                                           const GValue        *value,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
MODE_AVAILABLE_IN_ALL
gboolean     mode_queue_push_value_finish (ModeQueue           *self,
                                           GAsyncResult        *result,
                                           GError             **error);
MODE_AVAILABLE_IN_ALL
gboolean     mode_queue_try_push_value    (ModeQueue           *self,
                                           const GValue        *value);
MODE_AVAILABLE_IN_ALL
void         mode_queue_pop_value_async   (ModeQueue           *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
MODE_AVAILABLE_IN_ALL
GValue      *mode_queue_pop_value_finish  (ModeQueue           *self,
                                           GAsyncResult        *result,
                                           GError             **error);
MODE_AVAILABLE_IN_ALL
gboolean     mode_queue_try_pop_value     (ModeQueue           *self,
                                           GValue              *value,
                                           GError             **error);

MODE_AVAILABLE_IN_ALL
void         mode_queue_pause             (ModeQueue           *self);
MODE_AVAILABLE_IN_ALL
void         mode_queue_resume            (ModeQueue           *self);
MODE_AVAILABLE_IN_ALL
void         mode_queue_throw             (ModeQueue           *self,
                                           const GError        *error);
MODE_AVAILABLE_IN_ALL
void         mode_queue_clear             (ModeQueue           *self);

G_END_DECLS
