/* mode-service-engine.c: the lifecycle engine: operations and hooks
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Owns the operations (start, stop, restart) of a service: how a
 * request is answered given what is in flight, the steps of each
 * operation, and the hooks, one at a time.
 */

#include "config.h"

#include "mode-service-internal.h"

const HookInfo _mode_service_hooks[N_HOOKS] = {
  [HOOK_FIRST_START] = { "on_first_start",
                         G_STRUCT_OFFSET (ModeServiceClass, on_first_start),
                         G_STRUCT_OFFSET (ModeServiceClass, on_first_start_async) },
  [HOOK_START]       = { "on_start",
                         G_STRUCT_OFFSET (ModeServiceClass, on_start),
                         G_STRUCT_OFFSET (ModeServiceClass, on_start_async) },
  [HOOK_STARTED]     = { "on_started",
                         G_STRUCT_OFFSET (ModeServiceClass, on_started),
                         G_STRUCT_OFFSET (ModeServiceClass, on_started_async) },
  [HOOK_STOP]        = { "on_stop",
                         G_STRUCT_OFFSET (ModeServiceClass, on_stop),
                         G_STRUCT_OFFSET (ModeServiceClass, on_stop_async) },
  [HOOK_SHUTDOWN]    = { "on_shutdown",
                         G_STRUCT_OFFSET (ModeServiceClass, on_shutdown),
                         G_STRUCT_OFFSET (ModeServiceClass, on_shutdown_async) },
  [HOOK_RESTART]     = { "on_restart",
                         G_STRUCT_OFFSET (ModeServiceClass, on_restart),
                         G_STRUCT_OFFSET (ModeServiceClass, on_restart_async) },
};

static void op_run (ModeOp *op);

/* State {{{ */

void
_mode_service_set_state (ModeService      *self,
           ModeServiceState  state)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeServiceState old = derived_state (priv);

  priv->state = state;
  if (derived_state (priv) != old)
    notify_property (self, PROP_STATE);
}

/* }}} */

static GError *
hook_failed_error (ModeService *self,
                   const char  *hook)
{
  return g_error_new (MODE_ERROR, MODE_ERROR_FAILED,
                      _("Service %s: %s failed without saying why"),
                      mode_service_get_label (self), hook);
}


/* Operations {{{
 *
 * An operation (start, stop, restart) is a small state machine that runs
 * its steps in a loop, in-line, for as long as they complete at once. A
 * step that must wait (an asynchronous hook, a dependency that starts
 * asynchronously, set_shutdown()) counts itself in @pending; the loop
 * returns and the completion resumes it. Completions that arrive while
 * the loop runs only lower @pending, so a whole tree of synchronous
 * services starts without going back to the main loop.
 *
 * What a call means depends on the operations in flight (DESIGN.md §5);
 * _mode_service_engine_request() decides:
 * - a second call of the operation in flight joins it (start, maybe_start
 *   and a parent's start of its dependency count as one);
 * - a stop while a start is in flight begins at once: the stop flag is
 *   set, the start's hook in flight is cancelled, and the stop's own
 *   hooks wait for it to return (only one hook of a service is ever in
 *   flight: the hook lock, @hook_op); the start, seeing the flag, ends
 *   with MODE_ERROR_STOPPED;
 * - a stop during a restart makes the restart end without starting;
 * - a start that cannot be answered while a stop runs waits for it to
 *   end (a Deferred request), and is asked again then.
 */

static inline ModeOp *
op_new (ModeService *self,
        OpKind       kind,
        guint        flags,
        ModeOpDone   func,
        gpointer     data)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *op = _mode_op_alloc ();

  g_assert (priv->ops[kind] == NULL);

  op->self = g_object_ref (self);
  op->kind = kind;
  op->flags = flags;
  op->first.func = func;
  op->first.data = data;
  priv->ops[kind] = op;
  /* a start's result is a later call's no more */
  priv->last_start_valid = FALSE;

  return op;
}

/* One waiter is the operation's own (a call of it, or the operation
 * that asked for it); those that join it come after. */
static void
op_add_waiter (ModeOp     *op,
               ModeOpDone  func,
               gpointer    data)
{
  if (op->more == NULL)
    op->more = _mode_waiters_new ();
  _mode_waiters_add (op->more, func, data);
}

gboolean
_mode_op_has_waiter (ModeOp   *op,
               gpointer  data)
{
  if (op->first.data == data)
    return TRUE;
  if (op->more != NULL)
    for (guint i = 0; i < op->more->len; i++)
      if (g_array_index (op->more, ModeWaiter, i).data == data)
        return TRUE;
  return FALSE;
}


/* Asks again, once no operation is in flight, what had to wait. */
static void
op_run_deferred (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  g_autoptr(GArray) deferred = NULL;

  if (priv->extras == NULL || priv->extras->deferred == NULL ||
      priv->ops[OP_START] != NULL || priv->ops[OP_STOP] != NULL ||
      priv->ops[OP_RESTART] != NULL)
    return;

  deferred = g_steal_pointer (&priv->extras->deferred);
  for (guint i = 0; i < deferred->len; i++)
    {
      Deferred *d = &g_array_index (deferred, Deferred, i);
      _mode_engine_request (self, d->request, d->func, d->data);
    }
}

static void
op_defer (ModeService *self,
          ModeOpKind   request,
          ModeOpDone   func,
          gpointer     data)
{
  ServiceExtras *extras = service_get_extras (self);
  Deferred d = { request, func, data };

  if (extras->deferred == NULL)
    extras->deferred = g_array_new (FALSE, FALSE, sizeof (Deferred));
  g_array_append_val (extras->deferred, d);
}

/* A stop wins over the starts and restarts still waiting for their
 * turn: they fail with MODE_ERROR_STOPPED. */
static void
op_defer_stopped (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  g_autoptr(GArray) stopped = NULL;
  g_autoptr(GError) error = NULL;
  GArray *deferred;

  if (priv->extras == NULL || (deferred = priv->extras->deferred) == NULL)
    return;

  for (guint i = 0; i < deferred->len; )
    {
      Deferred *d = &g_array_index (deferred, Deferred, i);

      if (d->request == MODE_OP_STOP)
        {
          i++;
          continue;
        }
      if (stopped == NULL)
        stopped = g_array_new (FALSE, FALSE, sizeof (Deferred));
      g_array_append_val (stopped, *d);
      g_array_remove_index (deferred, i);
    }
  if (deferred->len == 0)
    g_clear_pointer (&priv->extras->deferred, g_array_unref);

  if (stopped == NULL)
    return;

  error = g_error_new (MODE_ERROR, MODE_ERROR_STOPPED,
                       _("Service %s was stopped before it could start"),
                       mode_service_get_label (self));
  for (guint i = 0; i < stopped->len; i++)
    {
      Deferred *d = &g_array_index (stopped, Deferred, i);
      d->func (self, error, d->data);
    }
}

static void
op_finish (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);

  g_assert (op->pending == 0);

  if (priv->ops[op->kind] == op)
    priv->ops[op->kind] = NULL;

  /* A start that failed, other than by being stopped, leaves a crashed
   * service behind, whatever failed: a hook or a dependency; unless its
   * caller takes the failure (a runtime dependency). */
  if (op->kind != OP_STOP && op->error != NULL && !service_should_stop (priv) &&
      (op->flags & OP_CONTAIN) == 0)
    _mode_service_mark_crashed (self, op->error);

  if (op->first.func != NULL)
    op->first.func (self, op->error, op->first.data);
  if (op->more != NULL)
    {
      _mode_waiters_complete (self, op->more, op->error);
      g_array_unref (op->more);
    }

  if (G_UNLIKELY (priv->extras != NULL && priv->extras->deferred != NULL))
    op_run_deferred (self);

  g_clear_error (&op->error);
  g_clear_pointer (&op->order, g_ptr_array_unref);
  g_object_unref (op->self);
  _mode_op_release (op);
}

/* Resume an operation after asynchronous work completed. */
void
_mode_op_continue (ModeOp *op)
{
  g_assert (op->pending > 0);

  op->pending--;
  if (op->pending == 0 && !op->running)
    op_run (op);
}

static void
op_take_error (ModeOp *op,
               GError *error)
{
  if (op->error == NULL)
    op->error = error;
  else
    g_error_free (error);
}

/* The error a start reports when the service was stopped or crashed
 * while it started. */
static GError *
interrupted_error (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (priv->crashed && priv->crash_reason != NULL)
    return g_error_copy (priv->crash_reason);

  return g_error_new (MODE_ERROR, MODE_ERROR_STOPPED,
                      _("Service %s was stopped while it started"),
                      mode_service_get_label (self));
}

/* A dependency's operation completed. */
static void
op_child_done (ModeService  *child,
               const GError *error,
               gpointer      data)
{
  ModeOp *op = data;

  /* a parallel start keeps the order in which they came up */
  if (op->parallel_deps && error == NULL)
    g_ptr_array_add (service_get_extras (op->self)->start_order, g_object_ref (child));

  if (error != NULL)
    {
      if (op->kind == OP_STOP)
        service_log (op->self, G_LOG_LEVEL_MESSAGE,
                     "Error while stopping child %s: %s",
                     mode_service_get_label (child), error->message);
      /* a dependency that had started already is as good as one that
       * starts now */
      else if (!g_error_matches (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED))
        op_take_error (op, g_error_copy (error));
    }

  _mode_op_continue (op);
}

/* Something the operation waited for ended; how it ended is not its
 * business. */
static void
op_resume (ModeService  *service,
           const GError *error,
           gpointer      data)
{
  _mode_op_continue (data);
}

/* The operation's own service completed a nested operation (restart
 * runs a stop and a start). */
static void
op_self_done (ModeService  *self,
              const GError *error,
              gpointer      data)
{
  ModeOp *op = data;

  if (error != NULL)
    op_take_error (op, g_error_copy (error));

  _mode_op_continue (op);
}

/* What a hook's failure means depends on the operation: it fails and
 * crashes a start or a restart (a contained one only fails); it is
 * logged during a stop, which goes on. */
static void
op_hook_failed (ModeOp *op,
                Hook    hook,
                GError *error)
{
  if (op->kind == OP_STOP)
    service_log (op->self, G_LOG_LEVEL_MESSAGE,
                 "Error in %s: %s", _mode_service_hooks[hook].name, error->message);
  else if (service_should_stop (GET_PRIV (op->self)))
    {
      /* A stop or a crash interrupted the start and cancelled the hook:
       * the start fails for that reason, not the hook's. */
      g_error_free (error);
      error = interrupted_error (op->self);
    }
  else if ((op->flags & OP_CONTAIN) == 0)
    mode_service_crash (op->self, error);

  op_take_error (op, error);
}

/* Hooks {{{ */

typedef struct
{
  ModeOp *op;
  Hook    hook;
  GTask  *task;   /* (unowned) */
} HookCall;

/* The hooks' defaults: a synchronous hook nobody overrode is not called
 * at all; the asynchronous form calls the synchronous one. */
static gboolean
real_on_hook (ModeService   *self,
              GCancellable  *cancellable,
              GError       **error)
{
  return TRUE;
}

static void
call_sync_hook (ModeService  *self,
                GCancellable *cancellable,
                GTask        *task,
                Hook          hook)
{
  SyncHook sync_hook = G_STRUCT_MEMBER (SyncHook, MODE_SERVICE_GET_CLASS (self),
                                        _mode_service_hooks[hook].sync_offset);
  GError *error = NULL;

  if (sync_hook == NULL || sync_hook (self, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, FALSE);
}

#define DEFINE_ASYNC_HOOK(name, hook)                                   \
  static void                                                           \
  real_##name##_async (ModeService  *self,                              \
                       GCancellable *cancellable,                       \
                       GTask        *task)                              \
  {                                                                     \
    call_sync_hook (self, cancellable, task, hook);                     \
  }

DEFINE_ASYNC_HOOK (on_first_start, HOOK_FIRST_START)
DEFINE_ASYNC_HOOK (on_start, HOOK_START)
DEFINE_ASYNC_HOOK (on_started, HOOK_STARTED)
DEFINE_ASYNC_HOOK (on_stop, HOOK_STOP)
DEFINE_ASYNC_HOOK (on_shutdown, HOOK_SHUTDOWN)
DEFINE_ASYNC_HOOK (on_restart, HOOK_RESTART)

#undef DEFINE_ASYNC_HOOK

static const AsyncHook default_async_hooks[N_HOOKS] = {
  [HOOK_FIRST_START] = real_on_first_start_async,
  [HOOK_START]       = real_on_start_async,
  [HOOK_STARTED]     = real_on_started_async,
  [HOOK_STOP]        = real_on_stop_async,
  [HOOK_SHUTDOWN]    = real_on_shutdown_async,
  [HOOK_RESTART]     = real_on_restart_async,
};

void
_mode_service_class_init_hooks (ModeServiceClass *klass)
{
  klass->on_first_start = real_on_hook;
  klass->on_first_start_async = real_on_first_start_async;
  klass->on_start = real_on_hook;
  klass->on_start_async = real_on_start_async;
  klass->on_started = real_on_hook;
  klass->on_started_async = real_on_started_async;
  klass->on_stop = real_on_hook;
  klass->on_stop_async = real_on_stop_async;
  klass->on_shutdown = real_on_hook;
  klass->on_shutdown_async = real_on_shutdown_async;
  klass->on_restart = real_on_hook;
  klass->on_restart_async = real_on_restart_async;
}

static void hook_waiters_resume (ModeService *self);

/* The hook is done with, whatever its outcome: the next can run. */
static void
hook_call_end (HookCall *call,
               GError   *error)
{
  ModeOp *op = call->op;
  ModeService *self = g_object_ref (op->self);

  GET_PRIV (self)->hook_op = NULL;
  if (error != NULL)
    op_hook_failed (op, call->hook, error);
  g_free (call);

  _mode_op_continue (op);
  hook_waiters_resume (self);
  g_object_unref (self);
}

static void hook_task_dropped (gpointer data);

static void
hook_task_done (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  HookCall *call = data;
  GError *error = NULL;

  /* completed: not dropped */
  task_unwatch (G_TASK (result), call);

  if (!g_task_propagate_boolean (G_TASK (result), &error) && error == NULL)
    error = hook_failed_error (call->op->self, _mode_service_hooks[call->hook].name);

  hook_call_end (call, error);
}

static gboolean
hook_task_dropped_in_context (gpointer data)
{
  HookCall *call = data;

  hook_call_end (call, g_error_new (MODE_ERROR, MODE_ERROR_FAILED,
                                    _("Service %s: %s dropped its task without completing it"),
                                    mode_service_get_label (call->op->self),
                                    _mode_service_hooks[call->hook].name));
  return G_SOURCE_REMOVE;
}

/* The hook's task was finalized and never completed: the hook failed. */
static void
hook_task_dropped (gpointer data)
{
  HookCall *call = data;

  if (!task_is_finalizing (call->task))
    return;  /* its completion, or the hook's task data: not a drop */

  if (service_in_context (call->op->self))
    hook_task_dropped_in_context (call);
  else
    g_main_context_invoke (GET_PRIV (call->op->self)->context,
                           hook_task_dropped_in_context, call);
}

/* The cancellable a hook gets. The start hooks (and on_restart) get one
 * of their own, which a stop that comes while they run cancels, and
 * which the stop cancels with the service's; on_stop gets the service's,
 * which its stop cancels after the dependencies stopped; on_shutdown
 * none, as it runs after that. */
static GCancellable *
hook_cancellable (ModeService *self,
                  Hook         hook)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  switch (hook)
    {
    case HOOK_SHUTDOWN:
      return NULL;

    case HOOK_STOP:
      return service_get_cancellable (self);

    case HOOK_FIRST_START:
    case HOOK_START:
    case HOOK_STARTED:
    case HOOK_RESTART:
    case N_HOOKS:
    default:
      if (priv->start_cancellable == NULL)
        priv->start_cancellable = g_cancellable_new ();
      return priv->start_cancellable;
    }
}

/* Runs a hook, now: no other hook of the service is in flight. */
static void
op_call_hook_now (ModeOp *op,
                  Hook    hook)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeServiceClass *klass = MODE_SERVICE_GET_CLASS (self);
  AsyncHook async_hook = G_STRUCT_MEMBER (AsyncHook, klass, _mode_service_hooks[hook].async_offset);
  GCancellable *cancellable = hook_cancellable (self, hook);
  HookCall *call;
  GTask *task;

  g_assert (priv->hook_op == NULL);

  if (async_hook == default_async_hooks[hook])
    {
      SyncHook sync_hook = G_STRUCT_MEMBER (SyncHook, klass, _mode_service_hooks[hook].sync_offset);
      GError *error = NULL;
      gboolean ok;

      priv->hook_op = op;
      ok = sync_hook (self, cancellable, &error);
      priv->hook_op = NULL;
      if (!ok)
        op_hook_failed (op, hook,
                        error != NULL ? error : hook_failed_error (self, _mode_service_hooks[hook].name));
      return;
    }

  call = g_new (HookCall, 1);
  call->op = op;
  call->hook = hook;

  task = g_task_new (self, cancellable, hook_task_done, call);
  g_task_set_name (task, _mode_service_hooks[hook].name);
  g_task_set_source_tag (task, op_call_hook_now);
  g_task_set_check_cancellable (task, FALSE);
  call->task = task;
  g_task_set_task_data (task, call, hook_task_dropped);

  priv->hook_op = op;
  op->pending++;
  async_hook (self, cancellable, task);
  g_object_unref (task);
}

/* Runs a hook, when it does something: a hook nobody overrode is not
 * called at all. When another hook of the service is in flight (a stop
 * that came during an asynchronous start hook), the call waits for it
 * to return. */
static void
op_call_hook (ModeOp *op,
              Hook    hook)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeServiceClass *klass = MODE_SERVICE_GET_CLASS (self);

  if (G_STRUCT_MEMBER (AsyncHook, klass, _mode_service_hooks[hook].async_offset) == default_async_hooks[hook])
    {
      SyncHook sync_hook = G_STRUCT_MEMBER (SyncHook, klass, _mode_service_hooks[hook].sync_offset);

      if (sync_hook == NULL || sync_hook == real_on_hook)
        return;
    }

  if (G_UNLIKELY (priv->hook_op != NULL))
    {
      op->waiting_hook = hook;
      op->pending++;
      g_queue_push_tail (&service_get_extras (self)->hook_waiters, op);
      return;
    }

  op_call_hook_now (op, hook);
}

/* The hook in flight returned: the operations waiting to call theirs go
 * on, one hook at a time. */
static void
hook_waiters_resume (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *op;

  while (priv->extras != NULL && priv->hook_op == NULL &&
         (op = g_queue_pop_head (&priv->extras->hook_waiters)) != NULL)
    {
      op_call_hook_now (op, op->waiting_hook);
      _mode_op_continue (op);
    }
}

/* }}} */

/* Start {{{ */

enum {
  START_INIT_DEPENDENCIES,
  START_FIRST_START,
  START_ON_START,
  START_BACKGROUND_WORK,
  START_DEPENDENCIES,
  START_ON_STARTED,
  START_DONE,
  START_UNWIND,  /* a parallel start that failed stops what it started */
};


void
_mode_service_add_init_dependencies (ModeService *self)
{
  ModeServiceClass *klass = MODE_SERVICE_GET_CLASS (self);
  GList *deps;

  if (klass->on_init_dependencies == NULL)
    return;

  deps = klass->on_init_dependencies (self);
  for (const GList *l = deps; l != NULL; l = l->next)
    {
      if (!MODE_IS_SERVICE (l->data))
        {
          g_critical ("%s.on_init_dependencies() returned a %s, not a ModeService",
                      mode_service_get_label (self),
                      l->data ? G_OBJECT_TYPE_NAME (l->data) : "NULL");
          continue;
        }
      mode_service_add_dependency (self, l->data);
    }
  g_list_free_full (deps, g_object_unref);
}

/* Returns TRUE when the start must end now. */
static gboolean
start_interrupted (ModeOp *op)
{
  ModeServicePrivate *priv = GET_PRIV (op->self);

  if (op->error != NULL)
    return TRUE;

  if (service_should_stop (priv))
    {
      op_take_error (op, interrupted_error (op->self));
      return TRUE;
    }

  return FALSE;
}

/* What a start asks of each dependency. */
static ModeOpKind
start_dependency_request (ModeOp *op)
{
  if (op->flags & OP_ENSURE_DEPS)
    return MODE_OP_ENSURE;
  if (op->flags & OP_CONTAIN)
    return MODE_OP_START_CONTAINED;
  return MODE_OP_START;
}


/* Step 4: the dependencies, one after the other or all at once; FALSE
 * when the start must end. */
static gboolean
start_dependencies_step (ModeOp *op)
{
  ModeServicePrivate *priv = GET_PRIV (op->self);

  /* a parallel start that failed (not a stop: the stop sees to them)
   * stops what it started */
  if (op->parallel_deps && op->error != NULL && !priv->stopped)
    {
      op->parallel_deps = FALSE;
      op->step = START_UNWIND;
      return TRUE;
    }
  if (start_interrupted (op))
    return FALSE;
  if (priv->children == NULL || op->index >= priv->children->len)
    {
      op->parallel_deps = FALSE;
      return TRUE;
    }

  op->step--; /* come back for the next one, or once they all ended */
  if (priv->parallel_start)
    _mode_op_start_dependencies_at_once (op, start_dependency_request (op), op_child_done);
  else
    {
      ModeService *child = g_ptr_array_index (priv->children, op->index++);

      op->pending++;
      service_request (child, start_dependency_request (op), op_child_done, op);
    }
  return TRUE;
}

static gboolean
start_step (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);

  switch (op->step++)
    {
    case START_INIT_DEPENDENCIES:
      if (!priv->first_start_done)
        _mode_service_add_init_dependencies (self);
      break;

    case START_FIRST_START:
      if (start_interrupted (op))
        return FALSE;
      /* from here on, the run's stop runs on_stop and on_shutdown */
      priv->run_hooked = TRUE;
      if (!priv->first_start_done)
        {
          priv->first_start_done = TRUE;
          op_call_hook (op, HOOK_FIRST_START);
        }
      break;

    case START_ON_START:
      if (start_interrupted (op))
        return FALSE;
      service_log (self, priv->mundane_level, "Starting...");
      op_call_hook (op, HOOK_START);
      break;

    case START_BACKGROUND_WORK:
      if (start_interrupted (op))
        return FALSE;
      _mode_service_start_work (self);
      break;

    case START_DEPENDENCIES:
      return start_dependencies_step (op);

    case START_ON_STARTED:
      if (start_interrupted (op))
        return FALSE;
      op_call_hook (op, HOOK_STARTED);
      break;

    case START_DONE:
      if (start_interrupted (op))
        return FALSE;
      _mode_service_set_state (self, MODE_SERVICE_STATE_RUNNING);
      g_signal_emit (self, _mode_service_signals[STARTED], 0);
      return FALSE;

    case START_UNWIND:
      if (!_mode_op_start_unwind_next (op))
        return FALSE; /* the start fails with its first error */
      op->step--;
      break;

    default:
      g_assert_not_reached ();
    }

  return TRUE;
}

static inline void
start_begin (ModeService *self,
             guint        flags,
             ModeOpDone   func,
             gpointer     data)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *op;

  g_assert (!priv->started);

  priv->started = TRUE;
  _mode_service_set_state (self, MODE_SERVICE_STATE_STARTING);
  notify_property (self, PROP_STARTED);

  op = op_new (self, OP_START, flags, func, data);
  op_run (op);
}

/* }}} */

/* Stop {{{ */

enum {
  STOP_BEGIN,
  STOP_ON_STOP,
  STOP_DEPENDENCIES,
  STOP_WAIT_SHUTDOWN,
  STOP_CANCEL,
  STOP_JOIN_TASKS,
  STOP_CLEANUPS,
  STOP_ON_SHUTDOWN,
  STOP_DONE,
  STOP_LATE_WORK,   /* only when there is some: back to STOP_DONE then */
};

static void
shutdown_timed_out (ModeDeadline *deadline,
                    gpointer      data)
{
  ModeService *self = data;
  ModeServicePrivate *priv = GET_PRIV (self);

  service_log (self, G_LOG_LEVEL_MESSAGE,
               "Timed out after %.3g s waiting for shutdown", priv->shutdown_timeout);

  _mode_op_continue (g_steal_pointer (&priv->extras->shutdown_op));
}

static void
wait_for_shutdown (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = service_get_extras (self);

  op->pending++;
  extras->shutdown_op = op;

  extras->shutdown_deadline.func = shutdown_timed_out;
  extras->shutdown_deadline.data = self;
  _mode_service_schedule (self, &extras->shutdown_deadline,
                    _mode_service_deadline (self, priv->shutdown_timeout));
}

/* Step 1: the stop flag, timers stopped, waiters and sleepers woken; a
 * start hook in flight is told to end (on_stop waits for it). */
static void
stop_begin_step (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);

  service_log (self, priv->mundane_level, "Stopping...");
  priv->stopped = TRUE;
  _mode_service_set_state (self, MODE_SERVICE_STATE_STOPPING);
  if (!priv->crashed)
    notify_property (self, PROP_SHOULD_STOP);
  _mode_service_stop_timers (self);
  _mode_service_wake_stop_waiters (self);
  _mode_service_wake_sleepers (self);
  if (priv->hook_op != NULL && priv->start_cancellable != NULL)
    g_cancellable_cancel (priv->start_cancellable);
}


/* Asks the next dependency (from the last) to stop; returns FALSE when
 * none is left. */
static gboolean
stop_next_dependency (ModeOp *op)
{
  ModeServicePrivate *priv = GET_PRIV (op->self);
  GPtrArray *deps = op->order != NULL ? op->order : priv->children;
  ModeService *child;

  if (deps != NULL && op->index > deps->len)
    op->index = deps->len;
  if (op->index == 0)
    return FALSE;

  child = g_ptr_array_index (deps, --op->index);
  op->pending++;
  service_request (child, OP_STOP, op_child_done, op);
  return TRUE;
}

/* Step 5: the sleeps woken at step 1 return first, the tasks' (and the
 * start hooks') cancellable is cancelled then. Returns FALSE to wait. */
static gboolean
stop_cancel_step (ModeOp *op)
{
  ModeServicePrivate *priv = GET_PRIV (op->self);

  if (priv->extras != NULL && priv->extras->woken.length > 0)
    {
      op->pending++;
      priv->extras->waking_op = op;
      return FALSE;
    }
  if (priv->cancellable != NULL)
    g_cancellable_cancel (priv->cancellable);
  if (priv->start_cancellable != NULL)
    g_cancellable_cancel (priv->start_cancellable);
  return TRUE;
}

/* Has anything come since its step that the stop must see to before it
 * ends? Dependencies added, tasks spawned, cleanups added (by a cleanup,
 * by on_shutdown), and a start the stop interrupted, which may still
 * wait for a dependency taken out of the tree since, whose hook is held:
 * nothing is left after a stop. */
static inline gboolean
stop_has_late_work (ModeOp *op)
{
  ModeServicePrivate *priv = GET_PRIV (op->self);

  return (priv->children != NULL && op->deps_serial != priv->deps_serial) ||
         (priv->extras != NULL &&
          (priv->extras->tasks.length > 0 || priv->extras->cleanups != NULL)) ||
         priv->ops[OP_START] != NULL;
}

/* One piece of the late work; returns FALSE when there is none left. */
static gboolean
stop_late_work (ModeOp *op)
{
  ModeServicePrivate *priv = GET_PRIV (op->self);

  if (priv->children != NULL && op->deps_serial != priv->deps_serial)
    {
      /* stopping one that stopped costs nothing */
      op->deps_serial = priv->deps_serial;
      op->index = priv->children->len;
      op->late_deps = TRUE;
    }
  if (op->late_deps && stop_next_dependency (op))
    return TRUE;
  op->late_deps = FALSE;

  if (priv->extras != NULL &&
      (priv->extras->tasks.length > 0 || priv->extras->cleanups != NULL))
    {
      /* their cancellable is cancelled already */
      _mode_service_run_cleanups (op->self);
      _mode_service_join_tasks (op);
      return TRUE;
    }

  if (priv->ops[OP_START] != NULL)
    {
      op->pending++;
      op_add_waiter (priv->ops[OP_START], op_resume, op);
      return TRUE;
    }

  return FALSE;
}

/* Step 3: the dependencies, from the last; and the ones added
 * meanwhile (stopping one that stopped costs nothing). */
static void
stop_dependencies_step (ModeOp *op)
{
  ModeServicePrivate *priv = GET_PRIV (op->self);

  if (stop_next_dependency (op))
    op->step--;
  else if (op->deps_serial != priv->deps_serial)
    {
      g_clear_pointer (&op->order, g_ptr_array_unref);
      op->deps_serial = priv->deps_serial;
      op->index = priv->children->len;
      op->step--;
    }
  else
    g_clear_pointer (&op->order, g_ptr_array_unref);
}

static gboolean
stop_step (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);

  switch (op->step++)
    {
    case STOP_BEGIN:
      stop_begin_step (op);
      break;

    case STOP_ON_STOP:
      /* the stop hooks answer the start hooks: a start that ended
       * before any (a crashed service's) has nothing for them */
      if (priv->run_hooked)
        op_call_hook (op, HOOK_STOP);
      /* the call only for the rare parallel parent: stops are many */
      op->order = priv->parallel_start ? _mode_service_stop_order (self) : NULL;
      if (op->order != NULL)
        op->index = op->order->len;
      else if (priv->children != NULL)
        op->index = priv->children->len;
      op->deps_serial = priv->deps_serial;
      break;

    case STOP_DEPENDENCIES:
      stop_dependencies_step (op);
      break;

    case STOP_WAIT_SHUTDOWN:
      if (priv->wait_for_shutdown && !priv->shutdown)
        wait_for_shutdown (op);
      break;

    case STOP_CANCEL:
      if (!stop_cancel_step (op))
        op->step--;
      break;

    case STOP_JOIN_TASKS:
      _mode_service_join_tasks (op);
      break;

    case STOP_CLEANUPS:
      _mode_service_run_cleanups (self);
      break;

    case STOP_ON_SHUTDOWN:
      if (priv->run_hooked)
        op_call_hook (op, HOOK_SHUTDOWN);
      break;

    case STOP_DONE:
      if (G_UNLIKELY (stop_has_late_work (op)))
        {
          op->step = STOP_LATE_WORK;
          break;
        }
      priv->stop_done = TRUE;
      _mode_service_set_state (self, MODE_SERVICE_STATE_SHUTDOWN);
      service_log (self, G_LOG_LEVEL_DEBUG, "-Stopped!");
      g_signal_emit (self, _mode_service_signals[STOPPED], 0);
      return FALSE;

    case STOP_LATE_WORK:
      op->step = stop_late_work (op) ? STOP_LATE_WORK : STOP_DONE;
      break;

    default:
      g_assert_not_reached ();
    }

  return TRUE;
}

/* Stops the service as part of another operation (a restart): joins a
 * stop in flight; nothing to do for a service not started, or stopped. */
static inline void
stop_begin (ModeService *self,
            ModeOpDone   func,
            gpointer     data)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *op;

  if (priv->ops[OP_STOP] != NULL)
    {
      op_add_waiter (priv->ops[OP_STOP], func, data);
      return;
    }

  if (!priv->started || priv->stop_done)
    {
      func (self, NULL, data);
      return;
    }

  op = op_new (self, OP_STOP, 0, func, data);
  op_run (op);
}

/* }}} */

/* Restart {{{ */

enum {
  RESTART_STOP,
  RESTART_RESET,
  RESTART_ON_RESTART,
  RESTART_START,
  RESTART_DONE,
};

/* Back to INIT: the service only. Its dependencies are reset when its
 * start reaches them, if they stopped (MODE_OP_ENSURE). */
static void
service_reset (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  gboolean was_crashed = priv->crashed;
  gboolean had_reason = priv->crash_reason != NULL;
  gboolean was_started = priv->started;
  gboolean should_stop = service_should_stop (priv);

  priv->started = FALSE;
  priv->stopped = FALSE;
  priv->stop_done = FALSE;
  priv->shutdown = FALSE;
  priv->crashed = FALSE;
  priv->run_hooked = FALSE;
  g_clear_error (&priv->crash_reason);
  g_clear_object (&priv->cancellable);
  g_clear_object (&priv->start_cancellable);
  priv->restart_count++;

  if (priv->state != MODE_SERVICE_STATE_INIT || was_crashed)
    {
      priv->state = MODE_SERVICE_STATE_INIT;
      notify_property (self, PROP_STATE);
    }
  if (was_crashed)
    notify_property (self, PROP_CRASHED);
  if (had_reason)
    notify_property (self, PROP_CRASH_REASON);
  if (was_started)
    notify_property (self, PROP_STARTED);
  if (should_stop)
    notify_property (self, PROP_SHOULD_STOP);
  notify_property (self, PROP_RESTART_COUNT);
}

static GError *
restart_stopped_error (ModeService *self)
{
  return g_error_new (MODE_ERROR, MODE_ERROR_STOPPED,
                      _("Service %s was stopped while it restarted"),
                      mode_service_get_label (self));
}

static gboolean
restart_step (ModeOp *op)
{
  ModeService *self = op->self;

  switch (op->step++)
    {
    case RESTART_STOP:
      op->pending++;
      stop_begin (self, op_self_done, op);
      break;

    case RESTART_RESET:
      if (op->stop_requested)
        {
          g_clear_error (&op->error);
          op_take_error (op, restart_stopped_error (self));
          return FALSE;
        }
      /* A failed stop was logged; the restart goes on all the same. */
      g_clear_error (&op->error);
      service_reset (self);
      break;

    case RESTART_ON_RESTART:
      if ((op->flags & OP_QUIET) == 0)
        op_call_hook (op, HOOK_RESTART);
      break;

    case RESTART_START:
      if (op->error != NULL)
        return FALSE;
      if (op->stop_requested)
        {
          op_take_error (op, restart_stopped_error (self));
          return FALSE;
        }
      op->pending++;
      start_begin (self, OP_ENSURE_DEPS | (op->flags & OP_CONTAIN), op_self_done, op);
      break;

    case RESTART_DONE:
      return FALSE;

    default:
      g_assert_not_reached ();
    }

  return TRUE;
}

/* }}} */

static void
op_run (ModeOp *op)
{
  static gboolean (* const steps[N_OPS]) (ModeOp *) = {
    [OP_START] = start_step,
    [OP_STOP] = stop_step,
    [OP_RESTART] = restart_step,
  };
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeLogBatch *batch;
  gboolean more;

  g_assert (!op->running);
  g_assert (op->pending == 0);

  batch = _mode_log_batch_enter ();
  op->running = TRUE;
  do
    more = steps[op->kind] (op);
  while (more && op->pending == 0);
  op->running = FALSE;

  if (!more && op->pending == 0)
    {
      /* the op holds the service: keep it for what follows */
      if (G_UNLIKELY (priv->extras != NULL && priv->extras->hook_waiters.length > 0))
        {
          g_object_ref (self);
          op_finish (op);
          hook_waiters_resume (self);
          g_object_unref (self);
        }
      else
        op_finish (op);
    }
  else if (G_UNLIKELY (priv->extras != NULL && priv->extras->hook_waiters.length > 0))
    hook_waiters_resume (self);

  _mode_log_batch_leave (batch);
}

/* Does MODE_OP_ENSURE restart the service rather than start it: it
 * stopped, is stopping, or crashed. */
static gboolean
service_needs_restart (ModeServicePrivate *priv)
{
  return priv->crashed || (priv->started && priv->stopped);
}

static void
restart_begin (ModeService *self,
               guint        flags,
               ModeOpDone   func,
               gpointer     data)
{
  op_run (op_new (self, OP_RESTART, flags, func, data));
}

/* Answers a request, in the service's context, given the operations in
 * flight (see the top of this section). */
/* A start (START, START_CONTAINED, ENSURE) */
static void
request_start (ModeService *self,
               ModeOpKind   request,
               ModeOpDone   func,
               gpointer     data)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *restart = priv->ops[OP_RESTART];
  g_autoptr(GError) error = NULL;

  if (priv->ops[OP_START] != NULL)
    op_add_waiter (priv->ops[OP_START], func, data);
  else if (restart != NULL && !restart->stop_requested)
    op_add_waiter (restart, func, data);  /* the restart starts it */
  else if (restart == NULL && request == MODE_OP_ENSURE && service_needs_restart (priv))
    restart_begin (self, OP_QUIET, func, data);
  else if (priv->ops[OP_STOP] != NULL || restart != NULL)
    op_defer (self, request, func, data);
  else if (!priv->started)
    start_begin (self,
                 request == MODE_OP_ENSURE ? OP_ENSURE_DEPS :
                 request == MODE_OP_START_CONTAINED ? OP_CONTAIN : 0,
                 func, data);
  else
    {
      error = g_error_new (MODE_ERROR, MODE_ERROR_ALREADY_STARTED,
                           _("Service %s was already started"),
                           mode_service_get_label (self));
      func (self, error, data);
    }
}

/* A stop of a service never started: nothing to stop, but who waits for
 * a stop hears of it, and work spawned before any start ends: its sleeps
 * return, its cancellable is cancelled (a start later gets a new one). */
static void
stop_unstarted (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  _mode_service_wake_stop_waiters (self);
  _mode_service_wake_sleepers (self);
  if (priv->cancellable != NULL)
    {
      g_cancellable_cancel (priv->cancellable);
      g_clear_object (&priv->cancellable);
    }
}

static void
request_stop (ModeService *self,
              ModeOpDone   func,
              gpointer     data)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *restart = priv->ops[OP_RESTART];

  if (G_UNLIKELY (priv->extras != NULL && priv->extras->deferred != NULL))
    op_defer_stopped (self);

  if (G_UNLIKELY (!priv->started) && restart == NULL)
    {
      stop_unstarted (self);
      func (self, NULL, data);
      return;
    }

  if (restart != NULL)
    {
      restart->stop_requested = TRUE;
      if (priv->ops[OP_STOP] == NULL && priv->ops[OP_START] == NULL)
        {
          /* between the restart's stop and its start: it ends there, its
           * on_restart (if in flight) cancelled */
          if (priv->hook_op == restart && priv->start_cancellable != NULL)
            g_cancellable_cancel (priv->start_cancellable);
          op_defer (self, MODE_OP_STOP, func, data);
          return;
        }
    }

  stop_begin (self, func, data);
}

void
_mode_engine_request (ModeService *self,
                      ModeOpKind   request,
                      ModeOpDone   func,
                      gpointer     data)
{
  ModeOp *restart = GET_PRIV (self)->ops[OP_RESTART];

  switch (request)
    {
    case MODE_OP_START:
    case MODE_OP_START_CONTAINED:
    case MODE_OP_ENSURE:
      request_start (self, request, func, data);
      return;

    case MODE_OP_STOP:
      request_stop (self, func, data);
      return;

    case MODE_OP_RESTART:
      if (restart != NULL && !restart->stop_requested)
        op_add_waiter (restart, func, data);
      else if (restart != NULL)
        op_defer (self, request, func, data);
      else
        restart_begin (self, 0, func, data);
      return;

    default:
      g_return_if_reached ();
    }
}

/* The entry points of mode-service-private.h, for the subclasses. */
void
_mode_service_request (ModeService *self,
                       ModeOpKind   kind,
                       ModeOpDone   func,
                       gpointer     data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (kind <= MODE_OP_START_CONTAINED);

  service_request (self, kind, func, data);
}

void
_mode_service_engine_request (ModeService *self,
                              ModeOpKind   kind,
                              ModeOpDone   func,
                              gpointer     data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (kind <= MODE_OP_START_CONTAINED);

  _mode_engine_request (self, kind, func, data);
}

void
_mode_service_set_main_context (ModeService  *self,
                                GMainContext *context)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (context != NULL);

  g_main_context_ref (context);
  g_clear_pointer (&priv->context, g_main_context_unref);
  priv->context = context;
}

/* }}} */

