/* mode-service-thread.h
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
 * MODE_TYPE_SERVICE_THREAD:
 *
 * The #GType of #ModeServiceThread.
 *
 * Since: 0.1
 */
#define MODE_TYPE_SERVICE_THREAD (mode_service_thread_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (ModeServiceThread, mode_service_thread, MODE, SERVICE_THREAD, ModeService)

/**
 * ModeThreadFunc:
 * @self: the #ModeServiceThread
 * @task: the task to complete, now or later, with g_task_return_value(),
 *   g_task_return_boolean() or another g_task_return_*() call, or with an
 *   error
 * @user_data: the data given with the function
 *
 * A function that mode_service_thread_call_async() and
 * mode_service_thread_cast() run in the service's thread, where
 * mode_service_get_main_context() is the thread-default context.
 *
 * Since: 0.1
 */
typedef void (*ModeThreadFunc) (ModeServiceThread *self,
                                GTask             *task,
                                gpointer           user_data);

/**
 * ModeServiceThreadClass:
 * @parent_class: the parent class
 * @on_thread_started: called in the thread once the service started
 *   there, before mode_service_start_async() completes in the parent
 * @on_thread_stop: called in the thread once the service stopped there,
 *   before the thread ends
 *
 * The class of #ModeServiceThread. Subclasses override the hooks of
 * #ModeServiceClass as for any service; they all run in the thread.
 *
 * Since: 0.1
 */
struct _ModeServiceThreadClass
{
  ModeServiceClass parent_class;

  void (*on_thread_started) (ModeServiceThread *self);
  void (*on_thread_stop)    (ModeServiceThread *self);

  /*< private >*/
  gpointer _reserved[8];
};

MODE_AVAILABLE_IN_ALL
ModeServiceThread *mode_service_thread_new                   (void);

MODE_AVAILABLE_IN_ALL
GMainContext      *mode_service_thread_get_parent_context    (ModeServiceThread    *self);
MODE_AVAILABLE_IN_ALL
GMainContext      *mode_service_thread_get_thread_context    (ModeServiceThread    *self);
MODE_AVAILABLE_IN_ALL
gboolean           mode_service_thread_get_wait_for_thread   (ModeServiceThread    *self);
MODE_AVAILABLE_IN_ALL
void               mode_service_thread_set_wait_for_thread   (ModeServiceThread    *self,
                                                              gboolean              wait_for_thread);
MODE_AVAILABLE_IN_ALL
gdouble            mode_service_thread_get_keepalive_timeout (ModeServiceThread    *self);
MODE_AVAILABLE_IN_ALL
void               mode_service_thread_set_keepalive_timeout (ModeServiceThread    *self,
                                                              gdouble               seconds);
MODE_AVAILABLE_IN_ALL
gdouble            mode_service_thread_get_spin_time         (ModeServiceThread    *self);
MODE_AVAILABLE_IN_ALL
void               mode_service_thread_set_spin_time         (ModeServiceThread    *self,
                                                              gdouble               seconds);
MODE_AVAILABLE_IN_ALL
gboolean           mode_service_thread_get_thread_running    (ModeServiceThread    *self);

MODE_AVAILABLE_IN_ALL
void               mode_service_thread_call_async            (ModeServiceThread    *self,
                                                              ModeThreadFunc        func,
                                                              gpointer              user_data,
                                                              GDestroyNotify        destroy,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              cb_data);
MODE_AVAILABLE_IN_ALL
gboolean           mode_service_thread_call_finish           (ModeServiceThread    *self,
                                                              GAsyncResult         *result,
                                                              GValue               *value,
                                                              GError              **error);
MODE_AVAILABLE_IN_ALL
void               mode_service_thread_cast                  (ModeServiceThread    *self,
                                                              ModeThreadFunc        func,
                                                              gpointer              user_data,
                                                              GDestroyNotify        destroy);

G_END_DECLS
