/* mode-service-tasks.c: tasks, timers, cleanups, the class registry, the service's time
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include <string.h>

#include "mode-service-internal.h"
#include "mode-timer-private.h"

/* Background work {{{ */


/* Task and timer definitions begin alike, for the class registry: a
 * named one replaces the one of the same name that a base class added. */
typedef struct
{
  char           *name;        /* (owned) */
  gboolean        named;       /* the name was given, not the default */
} ClassDef;

typedef struct
{
  ClassDef        def;
  ModeTaskFunc    func;
  gpointer        user_data;
  ModeDestroy     destroy;
} TaskDef;

typedef struct
{
  ClassDef        def;
  gdouble         interval;
  ModeCron       *cron;        /* (owned) (nullable) */
  GTimeZone      *tz;          /* (owned) (nullable) */
  ModeTimerFlags  flags;
  gboolean        async;       /* func is a ModeTimerAsyncFunc */
  gpointer        func;        /* a ModeTimerFunc, or a ModeTimerAsyncFunc */
  gpointer        user_data;
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
  g_free (def->def.name);
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
  g_clear_pointer (&extras->start_order, g_ptr_array_unref);
  g_clear_error (&extras->last_start_error);
  /* woken sleeps hold the service (their tasks' source object) */
  g_assert (extras->woken.length == 0);
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

/* Collects the definitions of @type and its ancestors, base first. A
 * named definition replaces, in its place, the one of the same name
 * found before it: a subclass's replaces its base class's, as an
 * attribute does in Mode. The definitions live as long as the process:
 * classes are never freed. */
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
        {
          ClassDef *def = g_ptr_array_index (defs, j);
          gboolean replaced = FALSE;

          if (def->named)
            for (guint k = 0; k < ret->len && !replaced; k++)
              {
                ClassDef *other = g_ptr_array_index (ret, k);

                if (other->named && strcmp (other->name, def->name) == 0)
                  {
                    ret->pdata[k] = def;
                    replaced = TRUE;
                  }
              }
          if (!replaced)
            g_ptr_array_add (ret, def);
        }
    }
  G_UNLOCK (class_registry);

  return ret;
}

static void
task_entry_free (TaskEntry *entry)
{
  _mode_destroy_run (&entry->destroy);
  /* an asynchronous timer's tick ended: its next one */
  if (entry->timer != NULL)
    {
      _mode_timer_task_done (entry->timer, entry->timer_run);
      g_object_unref (entry->timer);
    }
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
  /* our own task, of our service: plain casts (a task's end is hot) */
  ModeService *self = (ModeService *) object;
  GTask *task = (GTask *) result;
  ModeServicePrivate *priv = GET_PRIV (self);
  TaskEntry *entry = data;
  g_autoptr(GError) error = NULL;
  gboolean abandoned = entry->abandoned;

  task_unwatch (task, entry);
  if (!abandoned)
    g_queue_unlink (&priv->extras->tasks, &entry->link);

  /* A task of a stopping service is cancelled: its end is no error, and
   * nothing is gained by making the (translated) error to say so. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    ;
  else if (g_task_had_error (task))
    {
      g_task_propagate_boolean (task, &error);
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
  gsize name_size;
  TaskEntry *entry;
  GTask *task;

  if (name == NULL)
    name = "task";
  /* one allocation for the entry and its name: one less to touch when
   * the task ends */
  name_size = strlen (name) + 1;
  entry = g_malloc (sizeof (TaskEntry) + name_size);
  memcpy (entry->name, name, name_size);

  entry->link.data = entry;
  entry->link.prev = entry->link.next = NULL;
  entry->self = g_object_ref (self);
  entry->started_at = _mode_service_now (self);
  _mode_destroy_init (&entry->destroy, destroy, user_data, GET_PRIV (self)->context);
  entry->abandoned = FALSE;
  entry->timer = NULL;
  entry->timer_run = 0;
  g_queue_push_tail_link (&extras->tasks, &entry->link);

  task = g_task_new (self, service_get_cancellable (self), task_entry_done, entry);
  g_task_set_name (task, entry->name);
  g_task_set_source_tag (task, mode_service_spawn);
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

/* An asynchronous timer's tick: a task of the service, whose end the
 * timer hears of (task_entry_free()). */
static GTask *
timer_spawn (gpointer   owner,
             ModeTimer *timer,
             guint64    run)
{
  GTask *task = task_entry_new (owner, mode_timer_get_name (timer), NULL, NULL);
  TaskEntry *entry = g_task_get_task_data (task);

  entry->timer = g_object_ref (timer);
  entry->timer_run = run;
  return task;
}

static ModeTimer *
timer_new (ModeService    *self,
           const char     *name,
           gdouble         interval,
           ModeCron       *cron,
           GTimeZone      *tz,
           ModeTimerFlags  flags,
           gboolean        async,
           gpointer        func,
           gpointer        user_data,
           GDestroyNotify  destroy)
{
  ModeTimer *timer = _mode_timer_new (self, timer_log, name != NULL ? name : "timer",
                                      cron != NULL ? 1.0 : interval, flags,
                                      (ModeTimerTickFunc) func, user_data, destroy);

  if (async)
    _mode_timer_make_async (timer, timer_spawn);
  if (cron != NULL)
    _mode_timer_set_cron (timer, cron, tz);

  return timer;
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
        service_spawn (self, def->def.name, def->func, def->user_data, NULL);
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
                                  timer_new (self, def->def.name, def->interval,
                                             def->cron, def->tz, def->flags, def->async,
                                             def->func, def->user_data, NULL));
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
        service_spawn (self, def->def.name, def->func, def->user_data, NULL);
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
  def->def.name = g_strdup (name != NULL ? name : "task");
  def->def.named = name != NULL;
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
 * Class tasks replace by name, as in Mode, where a task is an attribute
 * of the class: a task named @name replaces the task of that name that a
 * base class added (or that this class added before), in its place, so
 * that only the most derived one runs. A subclass overrides its base
 * class's task this way, or turns it off with a task that completes at
 * once. Tasks added without a name never replace one another.
 *
 * |[<!-- language="C" -->
 * // in my_base_class_init ():
 * mode_service_class_add_task_full (service_class, "poll", base_poll, NULL, NULL);
 * // in my_derived_class_init (): the services of MyDerived run derived_poll only
 * mode_service_class_add_task_full (service_class, "poll", derived_poll, NULL, NULL);
 * ]|
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
  def->def.name = g_strdup (name != NULL ? name : "task");
  def->def.named = name != NULL;
  def->func = func;
  def->user_data = user_data;
  /* classes live as long as the program: @destroy is never called */
  _mode_destroy_init (&def->destroy, NULL, user_data, NULL);
  class_registry_add (&class_tasks, G_TYPE_FROM_CLASS (klass), def);
}

/* Adds a timer made now to the service; it starts at once if the
 * service's timers run. */
static ModeTimer *
service_add_timer (ModeService *self,
                   ModeTimer   *timer)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = service_get_extras (self);

  if (extras->timers == NULL)
    extras->timers = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (extras->timers, timer);

  if (priv->timers_running && !service_should_stop (priv))
    _mode_timer_start (timer, _mode_service_get_scheduler (self));

  return timer;
}

static void
class_add_timer (ModeServiceClass *klass,
                 const char       *name,
                 gdouble           interval,
                 ModeCron         *cron,
                 GTimeZone        *tz,
                 ModeTimerFlags    flags,
                 gboolean          async,
                 gpointer          func,
                 gpointer          user_data)
{
  TimerDef *def = g_new0 (TimerDef, 1);

  def->def.name = g_strdup (name != NULL ? name : "timer");
  def->def.named = name != NULL;
  def->interval = interval;
  def->cron = cron != NULL ? mode_cron_ref (cron) : NULL;
  def->tz = tz != NULL ? g_time_zone_ref (tz) : NULL;
  def->flags = flags;
  def->async = async;
  def->func = func;
  def->user_data = user_data;
  /* classes live as long as the program: a destroy notify is never called */
  class_registry_add (&class_timers, G_TYPE_FROM_CLASS (klass), def);
}

/* The cron schedule of a timer of @label, or NULL with @error set. */
static ModeCron *
timer_parse_cron (const char  *label,
                  const char  *name,
                  const char  *cron,
                  GError     **error)
{
  GError *local_error = NULL;
  ModeCron *ret = mode_cron_new (cron, &local_error);

  if (ret == NULL)
    {
      g_prefix_error (&local_error, _("Service %s: timer %s: "), label,
                      name != NULL ? name : "timer");
      g_propagate_error (error, local_error);
    }

  return ret;
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
 * @func cannot say when its work is done, nor fail: for a tick that does
 * asynchronous work, use mode_service_add_async_timer().
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
  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);
  g_return_val_if_fail (interval > 0, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return service_add_timer (self, timer_new (self, name, interval, NULL, NULL,
                                             MODE_TIMER_NONE, FALSE, func,
                                             user_data, destroy));
}

/**
 * mode_service_add_timer_with_flags:
 * @self: a #ModeService
 * @name: (nullable): a name for the timer
 * @interval: the interval in seconds, more than 0
 * @flags: #ModeTimerFlags: %MODE_TIMER_EXEC_FIRST runs the first tick
 *   at the start
 * @func: (scope notified): the function to call on every tick
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data with the timer
 *
 * Adds a timer to the service as mode_service_add_timer() does, with
 * @flags.
 *
 * Returns: (transfer none): the #ModeTimer, owned by the service
 *
 * Since: 0.1
 */
ModeTimer *
mode_service_add_timer_with_flags (ModeService    *self,
                             const char     *name,
                             gdouble         interval,
                             ModeTimerFlags  flags,
                             ModeTimerFunc   func,
                             gpointer        user_data,
                             GDestroyNotify  destroy)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);
  g_return_val_if_fail (interval > 0, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return service_add_timer (self, timer_new (self, name, interval, NULL, NULL, flags,
                                             FALSE, func, user_data, destroy));
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
 * Class timers replace by name, as class tasks do (see
 * mode_service_class_add_task_full()): a timer named @name replaces the
 * timer of that name that a base class added, of whatever kind
 * (asynchronous, cron), so that each service of the subclass has only
 * the most derived one. Timers added without a name never replace one
 * another.
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
  g_return_if_fail (MODE_IS_SERVICE_CLASS (klass));
  g_return_if_fail (interval > 0);
  g_return_if_fail (func != NULL);

  class_add_timer (klass, name, interval, NULL, NULL, MODE_TIMER_NONE, FALSE, func, user_data);
}

/**
 * mode_service_class_add_timer_with_flags_full:
 * @klass: a #ModeServiceClass
 * @name: (nullable): a name for the timer
 * @interval: the interval in seconds, more than 0
 * @flags: #ModeTimerFlags: %MODE_TIMER_EXEC_FIRST runs the first tick
 *   at the start
 * @func: (scope notified): the function to call on every tick
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data; classes
 *   live as long as the program, so it is never called
 *
 * Adds a timer to every service of the class and its subclasses as
 * mode_service_class_add_timer_full() does, with @flags.
 *
 * Since: 0.1
 */
void
mode_service_class_add_timer_with_flags_full (ModeServiceClass *klass,
                                         const char       *name,
                                         gdouble           interval,
                                         ModeTimerFlags    flags,
                                         ModeTimerFunc     func,
                                         gpointer          user_data,
                                         GDestroyNotify    destroy)
{
  g_return_if_fail (MODE_IS_SERVICE_CLASS (klass));
  g_return_if_fail (interval > 0);
  g_return_if_fail (func != NULL);

  class_add_timer (klass, name, interval, NULL, NULL, flags, FALSE, func, user_data);
}

/**
 * mode_service_add_async_timer:
 * @self: a #ModeService
 * @name: (nullable): a name for the timer
 * @interval: the interval in seconds, more than 0
 * @flags: #ModeTimerFlags: %MODE_TIMER_EXEC_FIRST runs the first tick
 *   at the start
 * @func: (scope notified): the function that starts a tick's work
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data with the timer
 *
 * Adds an asynchronous timer to the service: Mode's `@Service.timer` on
 * a coroutine. It ticks as mode_service_add_timer()'s timers do, but
 * each tick is a task of the service: @func gets a #GTask and completes
 * it when the tick's work is done (see #ModeTimerAsyncFunc).
 *
 * The next tick waits for the task: ticks never run at once. A task
 * that ends past the next due time counts in #ModeTimer:overlaps, and
 * the ticks it covered are skipped; the next tick is the first due time
 * after the task ended. A task that fails with an error other than
 * %G_IO_ERROR_CANCELLED crashes the service, as a task of
 * mode_service_spawn() does. When the service stops, the task's
 * cancellable is cancelled and the stop waits for the task, for at most
 * #ModeService:shutdown-timeout seconds.
 *
 * |[<!-- language="C" -->
 * static void
 * poll_done (GObject *source, GAsyncResult *result, gpointer data)
 * {
 *   g_autoptr(GTask) task = data;
 *   GError *error = NULL;
 *
 *   if (!my_client_poll_finish (MY_CLIENT (source), result, &error))
 *     g_task_return_error (task, error);   // crashes the service
 *   else
 *     g_task_return_boolean (task, TRUE);  // the next tick may come
 * }
 *
 * static void
 * poll (ModeService *service, ModeTimer *timer, GCancellable *cancellable,
 *       GTask *task, gpointer user_data)
 * {
 *   my_client_poll_async (user_data, cancellable, poll_done, g_object_ref (task));
 * }
 *
 * mode_service_add_async_timer (service, "poll", 5.0, MODE_TIMER_EXEC_FIRST,
 *                               poll, client, NULL);
 * ]|
 *
 * Returns: (transfer none): the #ModeTimer, owned by the service
 *
 * Since: 0.1
 */
ModeTimer *
mode_service_add_async_timer (ModeService        *self,
                              const char         *name,
                              gdouble             interval,
                              ModeTimerFlags      flags,
                              ModeTimerAsyncFunc  func,
                              gpointer            user_data,
                              GDestroyNotify      destroy)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);
  g_return_val_if_fail (interval > 0, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return service_add_timer (self, timer_new (self, name, interval, NULL, NULL, flags,
                                             TRUE, func, user_data, destroy));
}

/**
 * mode_service_class_add_async_timer_full:
 * @klass: a #ModeServiceClass
 * @name: (nullable): a name for the timer
 * @interval: the interval in seconds, more than 0
 * @flags: #ModeTimerFlags: %MODE_TIMER_EXEC_FIRST runs the first tick
 *   at the start
 * @func: (scope notified): the function that starts a tick's work
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data; classes
 *   live as long as the program, so it is never called
 *
 * Adds an asynchronous timer to every service of the class and its
 * subclasses, as mode_service_add_async_timer() does for one service. It
 * replaces a base class's timer of the same name, as
 * mode_service_class_add_timer_full() says.
 *
 * Since: 0.1
 */
void
mode_service_class_add_async_timer_full (ModeServiceClass   *klass,
                                         const char         *name,
                                         gdouble             interval,
                                         ModeTimerFlags      flags,
                                         ModeTimerAsyncFunc  func,
                                         gpointer            user_data,
                                         GDestroyNotify      destroy)
{
  g_return_if_fail (MODE_IS_SERVICE_CLASS (klass));
  g_return_if_fail (interval > 0);
  g_return_if_fail (func != NULL);

  class_add_timer (klass, name, interval, NULL, NULL, flags, TRUE, func, user_data);
}

/**
 * mode_service_add_cron_timer:
 * @self: a #ModeService
 * @name: (nullable): a name for the timer
 * @cron: a cron expression, such as `"30 2 * * mon-fri"` (see #ModeCron)
 * @tz: (nullable): the time zone of the schedule; %NULL for the local one
 * @flags: #ModeTimerFlags: %MODE_TIMER_EXEC_FIRST runs a first tick at
 *   the start, before the schedule's first time
 * @func: (scope notified): the function that starts a tick's work
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data with the
 *   timer, or at once when @cron is not valid
 * @error: return location for a #GError
 *
 * Adds a timer that ticks on a cron schedule (Mode's `@Service.crontab`)
 * in the time zone @tz: while the service runs, @func runs at each time
 * of the schedule, as an asynchronous timer's function does (see
 * mode_service_add_async_timer()): a tick lasts until its task is
 * completed, a run still going at the next time of the schedule skips
 * it (and counts in #ModeTimer:overlaps), and a failure crashes the
 * service.
 *
 * The schedule is one of wall clock times: the next one is found with
 * mode_cron_next_after() (a time that daylight saving skips is not run;
 * one it repeats runs once) and waited for on the service's #ModeClock.
 * A manual clock's time counts as microseconds since 1970-01-01 00:00
 * UTC, so a test can set the date: advance the clock to it before the
 * service starts. On the default clock the wall clock is looked at
 * again at least every minute, so a clock that is set, or a suspend,
 * delays a run by a minute at most.
 *
 * |[<!-- language="C" -->
 * g_autoptr(GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");
 * g_autoptr(GError) error = NULL;
 *
 * // at 02:30 on weekdays, Berlin time
 * if (!mode_service_add_cron_timer (service, "backup", "30 2 * * mon-fri", berlin,
 *                                   MODE_TIMER_NONE, backup, NULL, NULL, &error))
 *   g_printerr ("%s\n", error->message);
 * ]|
 *
 * Returns: (transfer none) (nullable): the #ModeTimer, owned by the
 *   service, or %NULL with @error set to %MODE_ERROR_INVALID_ARGUMENT,
 *   whose message names the bad field of @cron
 *
 * Since: 0.1
 */
ModeTimer *
mode_service_add_cron_timer (ModeService         *self,
                             const char          *name,
                             const char          *cron,
                             GTimeZone           *tz,
                             ModeTimerFlags       flags,
                             ModeTimerAsyncFunc   func,
                             gpointer             user_data,
                             GDestroyNotify       destroy,
                             GError             **error)
{
  g_autoptr(ModeCron) schedule = NULL;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);
  g_return_val_if_fail (cron != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  schedule = timer_parse_cron (mode_service_get_label (self), name, cron, error);
  if (schedule == NULL)
    {
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  return service_add_timer (self, timer_new (self, name, 0, schedule, tz, flags,
                                             TRUE, func, user_data, destroy));
}

/**
 * mode_service_class_add_cron_timer_full:
 * @klass: a #ModeServiceClass
 * @name: (nullable): a name for the timer
 * @cron: a cron expression (see #ModeCron)
 * @tz: (nullable): the time zone of the schedule; %NULL for the local one
 * @flags: #ModeTimerFlags: %MODE_TIMER_EXEC_FIRST runs a first tick at
 *   the start, before the schedule's first time
 * @func: (scope notified): the function that starts a tick's work
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data; classes
 *   live as long as the program, so it is called only when @cron is not
 *   valid
 * @error: return location for a #GError
 *
 * Adds a cron timer to every service of the class and its subclasses,
 * as mode_service_add_cron_timer() does for one service. It replaces a
 * base class's timer of the same name, as
 * mode_service_class_add_timer_full() says.
 *
 * Returns: %TRUE, or %FALSE with @error set to
 *   %MODE_ERROR_INVALID_ARGUMENT when @cron is not valid
 *
 * Since: 0.1
 */
gboolean
mode_service_class_add_cron_timer_full (ModeServiceClass    *klass,
                                        const char          *name,
                                        const char          *cron,
                                        GTimeZone           *tz,
                                        ModeTimerFlags       flags,
                                        ModeTimerAsyncFunc   func,
                                        gpointer             user_data,
                                        GDestroyNotify       destroy,
                                        GError             **error)
{
  g_autoptr(ModeCron) schedule = NULL;

  g_return_val_if_fail (MODE_IS_SERVICE_CLASS (klass), FALSE);
  g_return_val_if_fail (cron != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  schedule = timer_parse_cron (G_OBJECT_CLASS_NAME (klass), name, cron, error);
  if (schedule == NULL)
    {
      if (destroy != NULL)
        destroy (user_data);
      return FALSE;
    }

  class_add_timer (klass, name, 0, schedule, tz, flags, TRUE, func, user_data);
  return TRUE;
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

