/* mode-service.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#if !defined (MODE_INSIDE) && !defined (MODE_COMPILATION)
# error "Only <mode-glib/mode-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "mode-version-macros.h"
#include "mode-clock.h"
#include "mode-event.h"
#include "mode-node.h"
#include "mode-timer.h"

G_BEGIN_DECLS

/**
 * ModeServiceState:
 * @MODE_SERVICE_STATE_INIT: created, or reset by a restart, and not started
 * @MODE_SERVICE_STATE_STARTING: the start sequence is running
 * @MODE_SERVICE_STATE_RUNNING: started and not yet told to stop
 * @MODE_SERVICE_STATE_STOPPING: the stop sequence is running
 * @MODE_SERVICE_STATE_SHUTDOWN: the stop sequence completed
 * @MODE_SERVICE_STATE_CRASHED: the service crashed; wins over the others
 *   while the crash flag is set
 *
 * The states of a #ModeService, as #ModeService:state reports them.
 *
 * Since: 0.1
 */
typedef enum
{
  MODE_SERVICE_STATE_INIT,
  MODE_SERVICE_STATE_STARTING,
  MODE_SERVICE_STATE_RUNNING,
  MODE_SERVICE_STATE_STOPPING,
  MODE_SERVICE_STATE_SHUTDOWN,
  MODE_SERVICE_STATE_CRASHED,
} ModeServiceState;

/**
 * ModeDependencyStart:
 * @MODE_DEPENDENCY_START_IN_ORDER: the dependencies start one after the
 *   other, in the order they were added; each waits for the one before
 * @MODE_DEPENDENCY_START_PARALLEL: the dependencies start all at once,
 *   each still after its own dependencies
 *
 * How a #ModeService starts its dependencies (#ModeService:start-dependencies).
 *
 * Since: 0.1
 */
typedef enum
{
  MODE_DEPENDENCY_START_IN_ORDER,
  MODE_DEPENDENCY_START_PARALLEL,
} ModeDependencyStart;

/**
 * MODE_TYPE_SERVICE:
 *
 * The #GType of #ModeService.
 *
 * Since: 0.1
 */
#define MODE_TYPE_SERVICE (mode_service_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (ModeService, mode_service, MODE, SERVICE, GObject)

/**
 * ModeTaskFunc:
 * @service: the #ModeService the task belongs to
 * @task: the #GTask to complete when the work is done
 * @user_data: the data given with the function
 *
 * A background task of a service. The function starts its work and
 * completes @task (g_task_return_boolean(), g_task_return_error()) when
 * the work is done, now or later; to complete it later it keeps a
 * reference. The cancellable of @task is cancelled when the service
 * stops, once the sleeps and waits the stop woke have returned: a task
 * parked in mode_service_sleep_async() wakes with
 * #ModeService:should-stop set and its cancellable not cancelled yet,
 * and may end there. A task that fails with an error other than
 * %G_IO_ERROR_CANCELLED crashes its service.
 *
 * Since: 0.1
 */
typedef void (*ModeTaskFunc) (ModeService *service,
                              GTask       *task,
                              gpointer     user_data);

/**
 * ModeTimerFunc:
 * @service: the #ModeService the timer belongs to
 * @timer: the #ModeTimer that ticked
 * @user_data: the data given with the function
 *
 * The function a #ModeTimer calls on every tick.
 *
 * Since: 0.1
 */
typedef void (*ModeTimerFunc) (ModeService *service,
                               ModeTimer   *timer,
                               gpointer     user_data);

/**
 * ModeTimerAsyncFunc:
 * @service: the #ModeService the timer belongs to
 * @timer: the #ModeTimer that ticked
 * @cancellable: the cancellable of @task, cancelled when the service stops
 * @task: the #GTask to complete when the tick's work is done
 * @user_data: the data given with the function
 *
 * The function an asynchronous #ModeTimer calls on every tick
 * (mode_service_add_async_timer(), mode_service_add_cron_timer()). It
 * starts the tick's work and completes @task (g_task_return_boolean(),
 * g_task_return_error()) when the work is done, now or later, as a
 * #ModeTaskFunc does; to complete it later it keeps a reference. The
 * timer's next tick waits for it. A task that fails with an error other
 * than %G_IO_ERROR_CANCELLED crashes the service.
 *
 * Since: 0.1
 */
typedef void (*ModeTimerAsyncFunc) (ModeService  *service,
                                    ModeTimer    *timer,
                                    GCancellable *cancellable,
                                    GTask        *task,
                                    gpointer      user_data);

/**
 * ModeCleanupFunc:
 * @service: the #ModeService that stops
 * @user_data: the data given with the function
 *
 * A cleanup added with mode_service_add_cleanup(), run when the service
 * stops.
 *
 * Since: 0.1
 */
typedef void (*ModeCleanupFunc) (ModeService *service,
                                 gpointer     user_data);

/**
 * ModeServiceClass:
 * @parent_class: the parent class
 * @on_init_dependencies: returns the services to add as dependencies on
 *   the first start, before @on_first_start
 * @on_first_start: runs once, on the first start only
 * @on_first_start_async: asynchronous form of @on_first_start
 * @on_start: runs on every start, before the dependencies start
 * @on_start_async: asynchronous form of @on_start
 * @on_started: runs on every start, after the dependencies started
 * @on_started_async: asynchronous form of @on_started
 * @on_stop: runs first when the service stops, before its dependencies stop
 * @on_stop_async: asynchronous form of @on_stop
 * @on_shutdown: runs last when the service stops
 * @on_shutdown_async: asynchronous form of @on_shutdown
 * @on_restart: runs on a restart, between the stop and the start
 * @on_restart_async: asynchronous form of @on_restart
 * @supervised_crash: called on the #ModeService:supervisor of a service
 *   that crashed; the supervisor handles it (the default does nothing)
 * @started: class handler of #ModeService::started
 * @stopped: class handler of #ModeService::stopped
 * @crashed: class handler of #ModeService::crashed
 *
 * The class of #ModeService. Subclasses override the hooks.
 *
 * Every hook but @on_init_dependencies has two forms. The synchronous
 * form returns %TRUE on success, or %FALSE with @error set. The
 * asynchronous form gets a #GTask made by the library and completes it
 * with g_task_return_boolean() or g_task_return_error(), now or later;
 * it keeps a reference to the task when it completes it later. The
 * default asynchronous form calls the synchronous one. A hook that fails
 * without an error fails with %MODE_ERROR_FAILED.
 *
 * Since: 0.1
 */
struct _ModeServiceClass
{
  GObjectClass parent_class;

  GList   *(*on_init_dependencies)  (ModeService   *self);

  gboolean (*on_first_start)        (ModeService   *self,
                                     GCancellable  *cancellable,
                                     GError       **error);
  void     (*on_first_start_async)  (ModeService   *self,
                                     GCancellable  *cancellable,
                                     GTask         *task);
  gboolean (*on_start)              (ModeService   *self,
                                     GCancellable  *cancellable,
                                     GError       **error);
  void     (*on_start_async)        (ModeService   *self,
                                     GCancellable  *cancellable,
                                     GTask         *task);
  gboolean (*on_started)            (ModeService   *self,
                                     GCancellable  *cancellable,
                                     GError       **error);
  void     (*on_started_async)      (ModeService   *self,
                                     GCancellable  *cancellable,
                                     GTask         *task);
  gboolean (*on_stop)               (ModeService   *self,
                                     GCancellable  *cancellable,
                                     GError       **error);
  void     (*on_stop_async)         (ModeService   *self,
                                     GCancellable  *cancellable,
                                     GTask         *task);
  gboolean (*on_shutdown)           (ModeService   *self,
                                     GCancellable  *cancellable,
                                     GError       **error);
  void     (*on_shutdown_async)     (ModeService   *self,
                                     GCancellable  *cancellable,
                                     GTask         *task);
  gboolean (*on_restart)            (ModeService   *self,
                                     GCancellable  *cancellable,
                                     GError       **error);
  void     (*on_restart_async)      (ModeService   *self,
                                     GCancellable  *cancellable,
                                     GTask         *task);

  void     (*supervised_crash)      (ModeService   *self,
                                     ModeService   *service);

  /* signals */
  void     (*started)               (ModeService   *self);
  void     (*stopped)               (ModeService   *self);
  void     (*crashed)               (ModeService   *self,
                                     const GError  *reason);

  /*< private >*/
  gpointer _reserved[8];
};

MODE_AVAILABLE_IN_ALL
ModeService      *mode_service_new                        (void);

/* lifecycle */
MODE_AVAILABLE_IN_ALL
void              mode_service_start_async                (ModeService          *self,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_start_finish               (ModeService          *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
MODE_AVAILABLE_IN_ALL
void              mode_service_maybe_start_async          (ModeService          *self,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_maybe_start_finish         (ModeService          *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
MODE_AVAILABLE_IN_ALL
void              mode_service_stop_async                 (ModeService          *self,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_stop_finish                (ModeService          *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
MODE_AVAILABLE_IN_ALL
void              mode_service_restart_async              (ModeService          *self,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_restart_finish             (ModeService          *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
MODE_AVAILABLE_IN_ALL
void              mode_service_wait_until_stopped_async   (ModeService          *self,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_wait_until_stopped_finish  (ModeService          *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
MODE_AVAILABLE_IN_ALL
void              mode_service_crash                      (ModeService          *self,
                                                           const GError         *reason);
MODE_AVAILABLE_IN_ALL
void              mode_service_set_shutdown               (ModeService          *self);

/* dependencies */
MODE_AVAILABLE_IN_ALL
ModeService      *mode_service_add_dependency             (ModeService          *self,
                                                           ModeService          *service);
MODE_AVAILABLE_IN_ALL
void              mode_service_add_runtime_dependency_async  (ModeService       *self,
                                                              ModeService       *service,
                                                              GCancellable      *cancellable,
                                                              GAsyncReadyCallback callback,
                                                              gpointer           user_data);
MODE_AVAILABLE_IN_ALL
ModeService      *mode_service_add_runtime_dependency_finish (ModeService       *self,
                                                              GAsyncResult      *result,
                                                              GError           **error);
MODE_AVAILABLE_IN_ALL
void              mode_service_remove_dependency_async    (ModeService          *self,
                                                           ModeService          *service,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_remove_dependency_finish   (ModeService          *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
MODE_AVAILABLE_IN_ALL
GPtrArray        *mode_service_get_dependencies           (ModeService          *self);

/* properties */
MODE_AVAILABLE_IN_ALL
ModeServiceState  mode_service_get_state                  (ModeService          *self);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_get_started                (ModeService          *self);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_get_crashed                (ModeService          *self);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_get_should_stop            (ModeService          *self);
MODE_AVAILABLE_IN_ALL
const GError     *mode_service_get_crash_reason           (ModeService          *self);
MODE_AVAILABLE_IN_ALL
guint             mode_service_get_restart_count          (ModeService          *self);
MODE_AVAILABLE_IN_ALL
const char       *mode_service_get_label                  (ModeService          *self);
MODE_AVAILABLE_IN_ALL
void              mode_service_set_label                  (ModeService          *self,
                                                           const char           *label);
MODE_AVAILABLE_IN_ALL
const char       *mode_service_get_shortlabel             (ModeService          *self);
MODE_AVAILABLE_IN_ALL
void              mode_service_set_shortlabel             (ModeService          *self,
                                                           const char           *shortlabel);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_get_wait_for_shutdown      (ModeService          *self);
MODE_AVAILABLE_IN_ALL
void              mode_service_set_wait_for_shutdown      (ModeService          *self,
                                                           gboolean              wait_for_shutdown);
MODE_AVAILABLE_IN_ALL
gdouble           mode_service_get_shutdown_timeout       (ModeService          *self);
MODE_AVAILABLE_IN_ALL
void              mode_service_set_shutdown_timeout       (ModeService          *self,
                                                           gdouble               seconds);
MODE_AVAILABLE_IN_ALL
GMainContext     *mode_service_get_main_context           (ModeService          *self);
MODE_AVAILABLE_IN_ALL
ModeNode         *mode_service_get_beacon                 (ModeService          *self);
MODE_AVAILABLE_IN_ALL
ModeService      *mode_service_get_supervisor             (ModeService          *self);
MODE_AVAILABLE_IN_ALL
void              mode_service_set_supervisor             (ModeService          *self,
                                                           ModeService          *supervisor);
MODE_AVAILABLE_IN_ALL
guint             mode_service_get_mundane_level          (ModeService          *self);
MODE_AVAILABLE_IN_ALL
void              mode_service_set_mundane_level          (ModeService          *self,
                                                           guint                 level);

MODE_AVAILABLE_IN_ALL
ModeDependencyStart mode_service_get_start_dependencies   (ModeService          *self);
MODE_AVAILABLE_IN_ALL
void              mode_service_set_start_dependencies     (ModeService          *self,
                                                           ModeDependencyStart   how);
MODE_AVAILABLE_IN_ALL
ModeClock        *mode_service_get_clock                  (ModeService          *self);

MODE_AVAILABLE_IN_ALL
void              mode_service_log                        (ModeService          *self,
                                                           GLogLevelFlags        level,
                                                           const char           *format,
                                                           ...) G_GNUC_PRINTF (3, 4);
MODE_AVAILABLE_IN_ALL
void              mode_service_logv                       (ModeService          *self,
                                                           GLogLevelFlags        level,
                                                           const char           *format,
                                                           va_list               args) G_GNUC_PRINTF (3, 0);
MODE_AVAILABLE_IN_ALL
void              mode_service_log_message                (ModeService          *self,
                                                           GLogLevelFlags        level,
                                                           const char           *message);

/* background work */
MODE_AVAILABLE_IN_ALL
void              mode_service_spawn                      (ModeService          *self,
                                                           const char           *name,
                                                           ModeTaskFunc          func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);
MODE_AVAILABLE_IN_ALL
void              mode_service_spawn_in_thread            (ModeService          *self,
                                                           const char           *name,
                                                           GTaskThreadFunc       func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);
MODE_AVAILABLE_IN_ALL
void              mode_service_add_task                   (ModeService          *self,
                                                           const char           *name,
                                                           ModeTaskFunc          func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);
MODE_AVAILABLE_IN_ALL
void              mode_service_class_add_task_full        (ModeServiceClass     *klass,
                                                           const char           *name,
                                                           ModeTaskFunc          func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);
MODE_AVAILABLE_IN_ALL
ModeTimer        *mode_service_add_timer                  (ModeService          *self,
                                                           const char           *name,
                                                           gdouble               interval,
                                                           ModeTimerFunc         func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);
MODE_AVAILABLE_IN_ALL
void              mode_service_class_add_timer_full       (ModeServiceClass     *klass,
                                                           const char           *name,
                                                           gdouble               interval,
                                                           ModeTimerFunc         func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);
MODE_AVAILABLE_IN_ALL
ModeTimer        *mode_service_add_timer_with_flags       (ModeService          *self,
                                                           const char           *name,
                                                           gdouble               interval,
                                                           ModeTimerFlags        flags,
                                                           ModeTimerFunc         func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);
MODE_AVAILABLE_IN_ALL
void              mode_service_class_add_timer_with_flags_full (ModeServiceClass     *klass,
                                                           const char           *name,
                                                           gdouble               interval,
                                                           ModeTimerFlags        flags,
                                                           ModeTimerFunc         func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);
MODE_AVAILABLE_IN_ALL
ModeTimer        *mode_service_add_async_timer            (ModeService          *self,
                                                           const char           *name,
                                                           gdouble               interval,
                                                           ModeTimerFlags        flags,
                                                           ModeTimerAsyncFunc    func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);
MODE_AVAILABLE_IN_ALL
void              mode_service_class_add_async_timer_full (ModeServiceClass     *klass,
                                                           const char           *name,
                                                           gdouble               interval,
                                                           ModeTimerFlags        flags,
                                                           ModeTimerAsyncFunc    func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);
MODE_AVAILABLE_IN_ALL
ModeTimer        *mode_service_add_cron_timer             (ModeService          *self,
                                                           const char           *name,
                                                           const char           *cron,
                                                           GTimeZone            *tz,
                                                           ModeTimerFlags        flags,
                                                           ModeTimerAsyncFunc    func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy,
                                                           GError              **error);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_class_add_cron_timer_full  (ModeServiceClass     *klass,
                                                           const char           *name,
                                                           const char           *cron,
                                                           GTimeZone            *tz,
                                                           ModeTimerFlags        flags,
                                                           ModeTimerAsyncFunc    func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy,
                                                           GError              **error);
MODE_AVAILABLE_IN_ALL
GPtrArray        *mode_service_get_timers                 (ModeService          *self);
MODE_AVAILABLE_IN_ALL
guint             mode_service_get_n_tasks                (ModeService          *self);
MODE_AVAILABLE_IN_ALL
void              mode_service_sleep_async                (ModeService          *self,
                                                           gdouble               seconds,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_sleep_finish               (ModeService          *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
MODE_AVAILABLE_IN_ALL
void              mode_service_wait_async                 (ModeService          *self,
                                                           ModeEvent            *event,
                                                           gdouble               timeout,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_wait_finish                (ModeService          *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
MODE_AVAILABLE_IN_ALL
void              mode_service_wait_any_async             (ModeService          *self,
                                                           ModeEvent           **events,
                                                           guint                 n_events,
                                                           gdouble               timeout,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_wait_any_finish            (ModeService          *self,
                                                           GAsyncResult         *result,
                                                           guint                *index,
                                                           GError              **error);
MODE_AVAILABLE_IN_ALL
void              mode_service_wait_all_async             (ModeService          *self,
                                                           ModeEvent           **events,
                                                           guint                 n_events,
                                                           gdouble               timeout,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_wait_all_finish            (ModeService          *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
MODE_AVAILABLE_IN_ALL
void              mode_service_add_cleanup                (ModeService          *self,
                                                           ModeCleanupFunc       func,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);

/* diagnostics */
MODE_AVAILABLE_IN_ALL
void              mode_service_diag_set_flag              (ModeService          *self,
                                                           const char           *flag);
MODE_AVAILABLE_IN_ALL
void              mode_service_diag_unset_flag            (ModeService          *self,
                                                           const char           *flag);
MODE_AVAILABLE_IN_ALL
gboolean          mode_service_diag_has_flag              (ModeService          *self,
                                                           const char           *flag);
MODE_AVAILABLE_IN_ALL
char            **mode_service_diag_get_flags             (ModeService          *self);
MODE_AVAILABLE_IN_ALL
gint64            mode_service_diag_get_last_transition   (ModeService          *self,
                                                           const char           *flag);
MODE_AVAILABLE_IN_ALL
char             *mode_service_describe                   (ModeService          *self);

G_END_DECLS
