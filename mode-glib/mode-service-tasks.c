/* mode-service-tasks.c: tasks, timers, cleanups, the class registry, the service's time
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-service-internal.h"
#include "mode-timer-private.h"

/* Background work {{{ */


typedef struct
{
  char           *name;
  ModeTaskFunc    func;
  gpointer        user_data;
  ModeDestroy     destroy;
} TaskDef;

typedef struct
{
  char           *name;
  gdouble         interval;
  ModeTimerFunc   func;
  gpointer        user_data;
  GDestroyNotify  destroy;
} TimerDef;


typedef struct
{
  ModeCleanupFunc func;
  gpointer        user_data;
  ModeDestroy     destroy;
} Cleanup;


static void
task_def_free (gpointer data)
{
  TaskDef *def = data;

  _mode_destroy_run (&def->destroy);
  g_free (def->name);
  g_free (def);
}

ServiceExtras *
_mode_service_extras_new (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  g_assert (priv->extras == NULL);
  priv->extras = g_new0 (ServiceExtras, 1);
  return priv->extras;
}

void
_mode_service_extras_free (ServiceExtras *extras)
{
  g_assert (extras->tasks.length == 0);
  g_assert (extras->sleepers.length == 0);
  g_assert (extras->hook_waiters.length == 0);
  g_assert (extras->deferred == NULL);
  g_assert (extras->shutdown_op == NULL);
  g_clear_pointer (&extras->stop_waiters, g_ptr_array_unref);
  g_clear_error (&extras->last_start_error);
  g_clear_pointer (&extras->waking, g_ptr_array_unref);
  g_clear_pointer (&extras->task_defs, g_ptr_array_unref);
  g_clear_pointer (&extras->timers, g_ptr_array_unref);
  if (extras->cleanups != NULL)
    {
      for (guint i = 0; i < extras->cleanups->len; i++)
        _mode_destroy_run (&g_array_index (extras->cleanups, Cleanup, i).destroy);
      g_array_unref (extras->cleanups);
    }
  g_clear_pointer (&extras->flags, g_hash_table_unref);
  g_free (extras);
}

ModeScheduler *
_mode_service_get_scheduler (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (G_UNLIKELY (priv->scheduler == NULL))
    priv->scheduler = _mode_scheduler_ref (priv->clock, priv->context);
  return priv->scheduler;
}

gint64
_mode_service_now (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  return mode_clock_get_time (priv->clock != NULL ? priv->clock : mode_clock_get_default ());
}

/* The time @seconds from now on the service's clock; a time beyond what
 * microseconds count (infinity too) is never: G_MAXINT64. */
gint64
_mode_service_deadline (ModeService *self,
                  gdouble      seconds)
{
  gint64 now = _mode_service_now (self);

  if (!(seconds * G_USEC_PER_SEC < (gdouble) (G_MAXINT64 - now)))
    return G_MAXINT64;
  return now + (gint64) (seconds * G_USEC_PER_SEC + 0.5);
}

/* Arms @deadline at @due, unless that is never. */
void
_mode_service_schedule (ModeService  *self,
                  ModeDeadline *deadline,
                  gint64        due)
{
  if (due != G_MAXINT64)
    _mode_scheduler_add (_mode_service_get_scheduler (self), deadline, due);
}

/* The class registries of tasks and timers, by GType. Bindings register
 * after class_init, so they are read at start time, along the chain of
 * types from ModeService down. */
G_LOCK_DEFINE_STATIC (class_registry);
static GHashTable *class_tasks;    /* GType -> GPtrArray of TaskDef */
static GHashTable *class_timers;   /* GType -> GPtrArray of TimerDef */

static void
class_registry_add (GHashTable **table,
                    GType        type,
                    gpointer     def)
{
  GPtrArray *defs;

  G_LOCK (class_registry);
  if (*table == NULL)
    *table = g_hash_table_new (NULL, NULL);
  defs = g_hash_table_lookup (*table, GSIZE_TO_POINTER (type));
  if (defs == NULL)
    {
      defs = g_ptr_array_new ();
      g_hash_table_insert (*table, GSIZE_TO_POINTER (type), defs);
    }
  g_ptr_array_add (defs, def);
  G_UNLOCK (class_registry);
}

/* Collects the definitions of @type and its ancestors, base first. The
 * definitions live as long as the process: classes are never freed. */
static GPtrArray *
class_registry_collect (GHashTable *table,
                        GType       type)
{
  GPtrArray *ret = NULL;
  GType stack[32];
  g_autofree GType *heap = NULL;
  GType *chain = stack;
  guint depth = 0;

  if (table == NULL || g_hash_table_size (table) == 0)
    return NULL;

  /* from @type up to ModeService, both included */
  if (g_type_depth (type) > G_N_ELEMENTS (stack))
    chain = heap = g_new (GType, g_type_depth (type));
  for (GType t = type; t != MODE_TYPE_SERVICE && t != 0; t = g_type_parent (t))
    chain[depth++] = t;
  chain[depth++] = MODE_TYPE_SERVICE;

  G_LOCK (class_registry);
  for (guint i = depth; i > 0; i--)
    {
      GPtrArray *defs = g_hash_table_lookup (table, GSIZE_TO_POINTER (chain[i - 1]));

      if (defs == NULL)
        continue;
      if (ret == NULL)
        ret = g_ptr_array_new ();
      for (guint j = 0; j < defs->len; j++)
        g_ptr_array_add (ret, g_ptr_array_index (defs, j));
    }
  G_UNLOCK (class_registry);

  return ret;
}

static void
task_entry_free (TaskEntry *entry)
{
  g_free (entry->name);
  _mode_destroy_run (&entry->destroy);
  g_object_unref (entry->self);
  g_free (entry);
}

static void
join_finished (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = priv->extras;
  ModeOp *op = g_steal_pointer (&extras->join_op);

  _mode_scheduler_remove (_mode_service_get_scheduler (self), &extras->join_deadline);
  _mode_op_continue (op);
}

/* A task ended: a stop may be waiting for the last one. */
static void
task_ended (ModeService *self)
{
  ServiceExtras *extras = GET_PRIV (self)->extras;

  if (extras->join_op != NULL && extras->tasks.length == 0)
    join_finished (self);
}

static void task_entry_dropped (gpointer data);

static void
task_entry_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      data)
{
  ModeService *self = MODE_SERVICE (object);
  ModeServicePrivate *priv = GET_PRIV (self);
  TaskEntry *entry = data;
  g_autoptr(GError) error = NULL;
  gboolean abandoned = entry->abandoned;

  task_unwatch (G_TASK (result), entry);
  if (!abandoned)
    g_queue_unlink (&priv->extras->tasks, &entry->link);

  /* A task of a stopping service is cancelled: its end is no error, and
   * nothing is gained by making the (translated) error to say so. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    ;
  else if (g_task_had_error (G_TASK (result)))
    {
      g_task_propagate_boolean (G_TASK (result), &error);
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          service_log (self, G_LOG_LEVEL_MESSAGE, "Task %s failed: %s",
                       entry->name, error->message);
          /* one the stop gave up on belongs to a run that is over */
          if (!abandoned)
            mode_service_crash (self, error);
        }
    }

  task_entry_free (entry);

  if (!abandoned)
    task_ended (self);
}

static gboolean
task_entry_dropped_in_context (gpointer data)
{
  TaskEntry *entry = data;
  ModeService *self = g_object_ref (entry->self);
  ModeServicePrivate *priv = GET_PRIV (self);

  if (entry->abandoned)
    {
      task_entry_free (entry);
      g_object_unref (self);
      return G_SOURCE_REMOVE;
    }

  g_queue_unlink (&priv->extras->tasks, &entry->link);
  if (priv->cancellable != NULL && g_cancellable_is_cancelled (priv->cancellable))
    {
      /* the stop cancelled it: it ends, if not the way it should */
      service_log (self, G_LOG_LEVEL_MESSAGE,
                   "Task %s was dropped without being completed", entry->name);
    }
  else
    {
      g_autoptr(GError) error =
        g_error_new (MODE_ERROR, MODE_ERROR_FAILED,
                     _("Service %s: task %s was dropped without being completed"),
                     mode_service_get_label (self), entry->name);

      service_log (self, G_LOG_LEVEL_MESSAGE, "Task %s failed: %s", entry->name, error->message);
      mode_service_crash (self, error);
    }

  task_entry_free (entry);
  task_ended (self);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

/* The task's GTask was finalized and never completed (a task function
 * that lost it, or one of a binding that raised): the task failed, now. */
static void
task_entry_dropped (gpointer data)
{
  TaskEntry *entry = data;
  ModeService *self = entry->self;

  if (!task_is_finalizing (entry->task))
    return;  /* its completion, or user code's task data: not a drop */

  if (service_in_context (self))
    task_entry_dropped_in_context (entry);
  else
    g_main_context_invoke (GET_PRIV (self)->context, task_entry_dropped_in_context, entry);
}

static GTask *
task_entry_new (ModeService    *self,
                const char     *name,
                gpointer        user_data,
                GDestroyNotify  destroy)
{
  ServiceExtras *extras = service_get_extras (self);
  TaskEntry *entry = g_new (TaskEntry, 1);
  GTask *task;

  entry->link.data = entry;
  entry->link.prev = entry->link.next = NULL;
  entry->self = g_object_ref (self);
  entry->name = g_strdup (name != NULL ? name : "task");
  entry->started_at = _mode_service_now (self);
  _mode_destroy_init (&entry->destroy, destroy, user_data, GET_PRIV (self)->context);
  entry->abandoned = FALSE;
  g_queue_push_tail_link (&extras->tasks, &entry->link);

  task = g_task_new (self, service_get_cancellable (self), task_entry_done, entry);
  g_task_set_source_tag (task, mode_service_spawn);
  g_task_set_name (task, entry->name);
  entry->task = task;
  g_task_set_task_data (task, entry, task_entry_dropped);

  return task;
}

static void
service_spawn (ModeService    *self,
               const char     *name,
               ModeTaskFunc    func,
               gpointer        user_data,
               GDestroyNotify  destroy)
{
  GTask *task = task_entry_new (self, name, user_data, destroy);

  func (self, task, user_data);
  g_object_unref (task);
}

/* A timer's line, in its service's name */
static void
timer_log (gpointer        owner,
           GLogLevelFlags  level,
           const char     *message)
{
  _mode_service_log (owner, level, "%s", message);
}

void
_mode_service_start_work (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = priv->extras;
  g_autoptr(GPtrArray) class_task_defs = class_registry_collect (class_tasks, G_OBJECT_TYPE (self));

  if (class_task_defs != NULL)
    for (guint i = 0; i < class_task_defs->len; i++)
      {
        TaskDef *def = g_ptr_array_index (class_task_defs, i);
        service_spawn (self, def->name, def->func, def->user_data, NULL);
      }

  if (extras == NULL || !extras->class_timers_made)
    {
      g_autoptr(GPtrArray) timer_defs = class_registry_collect (class_timers, G_OBJECT_TYPE (self));

      if (timer_defs != NULL)
        {
          extras = service_get_extras (self);
          if (extras->timers == NULL)
            extras->timers = g_ptr_array_new_with_free_func (g_object_unref);
          for (guint i = 0; i < timer_defs->len; i++)
            {
              TimerDef *def = g_ptr_array_index (timer_defs, i);
              g_ptr_array_insert (extras->timers, (int) i,
                                  _mode_timer_new (self, timer_log, def->name, def->interval,
                                                   (ModeTimerTickFunc) def->func,
                                                   def->user_data, NULL));
            }
        }
      if (extras != NULL)
        extras->class_timers_made = TRUE;
    }

  if (extras == NULL)
    {
      priv->timers_running = TRUE;
      return;
    }

  if (extras->task_defs != NULL)
    for (guint i = 0; i < extras->task_defs->len; i++)
      {
        TaskDef *def = g_ptr_array_index (extras->task_defs, i);
        service_spawn (self, def->name, def->func, def->user_data, NULL);
      }

  priv->timers_running = TRUE;
  if (extras->timers != NULL)
    for (guint i = 0; i < extras->timers->len; i++)
      _mode_timer_start (g_ptr_array_index (extras->timers, i), _mode_service_get_scheduler (self));
}

void
_mode_service_stop_timers (ModeService *self)
{
  ServiceExtras *extras = GET_PRIV (self)->extras;

  GET_PRIV (self)->timers_running = FALSE;
  if (extras != NULL && extras->timers != NULL)
    for (guint i = 0; i < extras->timers->len; i++)
      _mode_timer_stop (g_ptr_array_index (extras->timers, i));
}

void
_mode_service_detach_timers (ModeService *self)
{
  ServiceExtras *extras = GET_PRIV (self)->extras;

  if (extras != NULL && extras->timers != NULL)
    {
      for (guint i = 0; i < extras->timers->len; i++)
        _mode_timer_detach (g_ptr_array_index (extras->timers, i));
      g_clear_pointer (&extras->timers, g_ptr_array_unref);
    }
}

static void
join_timed_out (ModeDeadline *deadline,
                gpointer      data)
{
  ModeService *self = data;
  ServiceExtras *extras = GET_PRIV (self)->extras;
  gint64 now = _mode_service_now (self);

  GList *l;

  /* logged and forgotten: nothing of the service is left after its stop */
  while ((l = extras->tasks.head) != NULL)
    {
      TaskEntry *entry = l->data;

      service_log (self, G_LOG_LEVEL_MESSAGE,
                   "Task %s still running after %.3f s: not waiting for it any longer",
                   entry->name, (now - entry->started_at) / (gdouble) G_USEC_PER_SEC);
      g_queue_unlink (&extras->tasks, l);
      entry->abandoned = TRUE;
    }

  _mode_op_continue (g_steal_pointer (&extras->join_op));
}

/* Waits for the service's tasks, for at most shutdown-timeout. */
void
_mode_service_join_tasks (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = priv->extras;

  if (extras == NULL || extras->tasks.length == 0)
    return;

  op->pending++;
  extras->join_op = op;
  extras->join_deadline.func = join_timed_out;
  extras->join_deadline.data = self;
  _mode_service_schedule (self, &extras->join_deadline,
                    _mode_service_deadline (self, priv->shutdown_timeout));
}

void
_mode_service_run_cleanups (ModeService *self)
{
  ServiceExtras *extras = GET_PRIV (self)->extras;
  g_autoptr(GArray) cleanups = NULL;

  if (extras == NULL || extras->cleanups == NULL)
    return;

  /* forgotten once run: a restart's on_start adds them again */
  cleanups = g_steal_pointer (&extras->cleanups);
  for (guint i = cleanups->len; i > 0; i--)
    {
      Cleanup *cleanup = &g_array_index (cleanups, Cleanup, i - 1);

      cleanup->func (self, cleanup->user_data);
      _mode_destroy_run (&cleanup->destroy);
    }
}


/* Background work: the public calls {{{ */

/**
 * mode_service_spawn:
 * @self: a #ModeService
 * @name: (nullable): a name for the task, shown by mode_service_describe()
 *   and in log lines
 * @func: (scope notified): the function that starts the work
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data when the
 *   task is over
 *
 * Runs a background task of the service now (Mode's `add_future`):
 * @func starts the work and completes its #GTask when it is done. The
 * task's cancellable is cancelled when the service stops, and the stop
 * waits for the task, for at most #ModeService:shutdown-timeout seconds;
 * a task still running then is logged by name and age and no longer
 * waited for. A task that fails with an error other than
 * %G_IO_ERROR_CANCELLED crashes the service with that error.
 *
 * Call it from the service's main context.
 *
 * Since: 0.1
 */
void
mode_service_spawn (ModeService    *self,
                    const char     *name,
                    ModeTaskFunc    func,
                    gpointer        user_data,
                    GDestroyNotify  destroy)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (func != NULL);

  service_spawn (self, name, func, user_data, destroy);
}

/**
 * mode_service_spawn_in_thread: (skip)
 * @self: a #ModeService
 * @name: (nullable): a name for the task
 * @func: the blocking function, run in a worker thread as
 *   g_task_run_in_thread() runs it; @user_data is its task data
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the task is over
 *
 * Runs blocking work of the service in a worker thread of GIO's pool.
 * @func returns its result through its #GTask and should check the
 * task's cancellable, which is cancelled when the service stops; the stop
 * waits for it as for mode_service_spawn(). A failure other than
 * %G_IO_ERROR_CANCELLED crashes the service. For C only: the bindings
 * cannot run their code in another thread.
 *
 * Since: 0.1
 */
void
mode_service_spawn_in_thread (ModeService     *self,
                              const char      *name,
                              GTaskThreadFunc  func,
                              gpointer         user_data,
                              GDestroyNotify   destroy)
{
  GTask *task;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (func != NULL);

  task = task_entry_new (self, name, NULL, NULL);
  g_task_set_task_data (task, user_data, destroy);
  g_task_run_in_thread (task, func);
  g_object_unref (task);
}

/**
 * mode_service_add_task:
 * @self: a #ModeService
 * @name: (nullable): a name for the task
 * @func: (scope notified): the function that starts the work
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data with the service
 *
 * Adds a background task that runs on every start of this service (Mode's
 * `@Service.task`), after @on_start and before the dependencies start,
 * as mode_service_spawn() runs it.
 *
 * Since: 0.1
 */
void
mode_service_add_task (ModeService    *self,
                       const char     *name,
                       ModeTaskFunc    func,
                       gpointer        user_data,
                       GDestroyNotify  destroy)
{
  ServiceExtras *extras;
  TaskDef *def;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (func != NULL);

  extras = service_get_extras (self);
  if (extras->task_defs == NULL)
    extras->task_defs = g_ptr_array_new_with_free_func (task_def_free);

  def = g_new (TaskDef, 1);
  def->name = g_strdup (name != NULL ? name : "task");
  def->func = func;
  def->user_data = user_data;
  _mode_destroy_init (&def->destroy, destroy, user_data, GET_PRIV (self)->context);
  g_ptr_array_add (extras->task_defs, def);
}

/**
 * mode_service_class_add_task_full:
 * @klass: a #ModeServiceClass
 * @name: (nullable): a name for the task
 * @func: (scope notified): the function that starts the work
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data; classes
 *   live as long as the program, so it is never called
 *
 * Adds a background task that runs on every start of every service of
 * the class and its subclasses (Mode's `@Service.task` on a class). The
 * tasks of a class are looked up when a service starts, along its chain
 * of types from #ModeService down, so a binding may add them after the
 * class was made.
 *
 * Since: 0.1
 */
void
mode_service_class_add_task_full (ModeServiceClass *klass,
                                  const char       *name,
                                  ModeTaskFunc      func,
                                  gpointer          user_data,
                                  GDestroyNotify    destroy)
{
  TaskDef *def;

  g_return_if_fail (MODE_IS_SERVICE_CLASS (klass));
  g_return_if_fail (func != NULL);

  def = g_new (TaskDef, 1);
  def->name = g_strdup (name != NULL ? name : "task");
  def->func = func;
  def->user_data = user_data;
  /* classes live as long as the program: @destroy is never called */
  _mode_destroy_init (&def->destroy, NULL, user_data, NULL);
  class_registry_add (&class_tasks, G_TYPE_FROM_CLASS (klass), def);
}

/**
 * mode_service_add_timer:
 * @self: a #ModeService
 * @name: (nullable): a name for the timer
 * @interval: the interval in seconds, more than 0
 * @func: (scope notified): the function to call on every tick
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data with the timer
 *
 * Adds a timer to the service (Mode's `@Service.timer`): while the
 * service runs, @func is called every @interval seconds, the first time
 * one interval after the start, on an absolute schedule (see #ModeTimer).
 * The timer stops when the service stops and starts again with it; one
 * added to a running service starts at once.
 *
 * Returns: (transfer none): the #ModeTimer, owned by the service
 *
 * Since: 0.1
 */
ModeTimer *
mode_service_add_timer (ModeService    *self,
                        const char     *name,
                        gdouble         interval,
                        ModeTimerFunc   func,
                        gpointer        user_data,
                        GDestroyNotify  destroy)
{
  ModeServicePrivate *priv;
  ServiceExtras *extras;
  ModeTimer *timer;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);
  g_return_val_if_fail (interval > 0, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  priv = GET_PRIV (self);
  extras = service_get_extras (self);
  if (extras->timers == NULL)
    extras->timers = g_ptr_array_new_with_free_func (g_object_unref);

  timer = _mode_timer_new (self, timer_log, name != NULL ? name : "timer", interval,
                           (ModeTimerTickFunc) func, user_data, destroy);
  g_ptr_array_add (extras->timers, timer);

  if (priv->timers_running && !service_should_stop (priv))
    _mode_timer_start (timer, _mode_service_get_scheduler (self));

  return timer;
}

/**
 * mode_service_class_add_timer_full:
 * @klass: a #ModeServiceClass
 * @name: (nullable): a name for the timer
 * @interval: the interval in seconds, more than 0
 * @func: (scope notified): the function to call on every tick
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data; classes
 *   live as long as the program, so it is never called
 *
 * Adds a timer to every service of the class and its subclasses, as
 * mode_service_add_timer() does for one service. Looked up on the first
 * start of each service, so a binding may add timers after the class was
 * made.
 *
 * Since: 0.1
 */
void
mode_service_class_add_timer_full (ModeServiceClass *klass,
                                   const char       *name,
                                   gdouble           interval,
                                   ModeTimerFunc     func,
                                   gpointer          user_data,
                                   GDestroyNotify    destroy)
{
  TimerDef *def;

  g_return_if_fail (MODE_IS_SERVICE_CLASS (klass));
  g_return_if_fail (interval > 0);
  g_return_if_fail (func != NULL);

  def = g_new (TimerDef, 1);
  def->name = g_strdup (name != NULL ? name : "timer");
  def->interval = interval;
  def->func = func;
  def->user_data = user_data;
  def->destroy = destroy;
  class_registry_add (&class_timers, G_TYPE_FROM_CLASS (klass), def);
}

/**
 * mode_service_get_timers:
 * @self: a #ModeService
 *
 * Gets the timers of the service: those of its class (once it started)
 * and those added to it.
 *
 * Returns: (transfer container) (element-type ModeTimer): the timers
 *
 * Since: 0.1
 */
GPtrArray *
mode_service_get_timers (ModeService *self)
{
  ServiceExtras *extras;
  GPtrArray *ret;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  ret = g_ptr_array_new_with_free_func (g_object_unref);
  extras = GET_PRIV (self)->extras;
  if (extras != NULL && extras->timers != NULL)
    for (guint i = 0; i < extras->timers->len; i++)
      g_ptr_array_add (ret, g_object_ref (g_ptr_array_index (extras->timers, i)));

  return ret;
}

/**
 * mode_service_get_n_tasks:
 * @self: a #ModeService
 *
 * Gets how many background tasks of the service are running.
 *
 * Returns: the number of running tasks
 *
 * Since: 0.1
 */
guint
mode_service_get_n_tasks (ModeService *self)
{
  ServiceExtras *extras;

  g_return_val_if_fail (MODE_IS_SERVICE (self), 0);

  extras = GET_PRIV (self)->extras;
  return extras != NULL ? extras->tasks.length : 0;
}


/**
 * mode_service_add_cleanup:
 * @self: a #ModeService
 * @func: (scope notified): the cleanup
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data after the
 *   cleanup ran, or with the service if it never ran
 *
 * Adds a cleanup to the service's exit stack (Mode's `exit_stack`):
 * when the service stops, after its tasks ended, the cleanups run in the
 * reverse order they were added, and are then forgotten, so that a
 * restart's @on_start adds them again.
 *
 * Since: 0.1
 */
void
mode_service_add_cleanup (ModeService     *self,
                          ModeCleanupFunc  func,
                          gpointer         user_data,
                          GDestroyNotify   destroy)
{
  ServiceExtras *extras;
  Cleanup cleanup = { func, user_data, { NULL, NULL, NULL } };

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (func != NULL);

  _mode_destroy_init (&cleanup.destroy, destroy, user_data, GET_PRIV (self)->context);

  extras = service_get_extras (self);
  if (extras->cleanups == NULL)
    extras->cleanups = g_array_new (FALSE, FALSE, sizeof (Cleanup));
  g_array_append_val (extras->cleanups, cleanup);
}

/* }}} */

