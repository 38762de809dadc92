/* mode-service-calls.c: the public lifecycle calls
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-service-internal.h"

/* Is the caller running where @context is dispatched: its thread-default
 * context, or one it owns? */
gboolean
_mode_context_is_current (GMainContext *context)
{
  GMainContext *current = g_main_context_get_thread_default ();

  if (current == NULL)
    current = g_main_context_default ();

  return current == context || g_main_context_is_owner (context);
}


/* A wait_until_stopped call: answered once, by the stop (in the
 * service's context) or by its cancellable (in the caller's). */
typedef struct
{
  GTask   *task;           /* (owned) */
  GSource *cancel_source;  /* (owned) (nullable): in the caller's context */
  gint     refs;           /* atomic: the list's, the source's */
  gint     answered;       /* atomic */
} StopWaiter;

static void
stop_waiter_unref (gpointer data)
{
  StopWaiter *waiter = data;

  if (!g_atomic_int_dec_and_test (&waiter->refs))
    return;
  g_clear_pointer (&waiter->cancel_source, g_source_unref);
  g_object_unref (waiter->task);
  g_free (waiter);
}

static gboolean
stop_waiter_claim (StopWaiter *waiter)
{
  if (!g_atomic_int_compare_and_exchange (&waiter->answered, FALSE, TRUE))
    return FALSE;
  if (waiter->cancel_source != NULL)
    g_source_destroy (waiter->cancel_source);
  return TRUE;
}

void
_mode_service_wake_stop_waiters (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  g_autoptr(GPtrArray) waiters = priv->extras != NULL ? g_steal_pointer (&priv->extras->stop_waiters) : NULL;

  if (waiters == NULL)
    return;

  for (guint i = 0; i < waiters->len; i++)
    {
      StopWaiter *waiter = g_ptr_array_index (waiters, i);

      if (stop_waiter_claim (waiter))
        g_task_return_boolean (waiter->task, TRUE);
    }
}


/* Public entry points {{{
 *
 * A call of the public API is a Call: its GTask, made in the caller's
 * thread (the callback runs in the caller's thread-default context, as
 * GIO's do), begun in the service's context (no state is read before
 * that), answered once: by the operation, or at once when its
 * cancellable is cancelled. The Call lives until the operation let go
 * of it and the caller's callback ran: a start answered but not yet
 * delivered makes a start that comes meanwhile get the same answer.
 */

typedef struct
{
  GTask               *task;          /* (owned) */
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  GSource             *cancel_source; /* (owned) (nullable) */
  ModeOpKind           request;
  gint                 refs;          /* atomic */
  gint                 answered;      /* atomic */
  guint                maybe : 1;     /* maybe_start */
  guint                started_it : 1; /* maybe_start: this call's start */
  guint                counted : 1;   /* in starts_undelivered */
} Call;

static void
call_unref (Call *call)
{
  if (!g_atomic_int_dec_and_test (&call->refs))
    return;

  g_assert (call->cancel_source == NULL);
  g_object_unref (call->task);
  g_free (call);
}

/* The GTask's own callback: the caller's, then the Call's bookkeeping. */
static void
call_delivered (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  Call *call = data;

  if (call->callback != NULL)
    call->callback (object, result, call->user_data);
  if (call->counted)
    g_atomic_int_add (&GET_PRIV (MODE_SERVICE (object))->starts_undelivered, -1);
  call_unref (call);
}

static Call *
call_new (ModeService         *self,
          ModeOpKind           request,
          gpointer             source_tag,
          const char          *name,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  Call *call = g_new0 (Call, 1);

  call->callback = callback;
  call->user_data = user_data;
  call->request = request;
  call->refs = 2;  /* the operation's, the delivery's */
  call->task = g_task_new (self, cancellable, call_delivered, call);
  g_task_set_name (call->task, name);
  g_task_set_source_tag (call->task, source_tag);
  /* the answer says whether the call was cancelled: an operation that
   * ended before the cancellation was seen reports how it ended */
  g_task_set_check_cancellable (call->task, FALSE);

  return call;
}

/* Claims the answer: FALSE when the call was answered already. */
static gboolean
call_claim (Call *call)
{
  if (!g_atomic_int_compare_and_exchange (&call->answered, FALSE, TRUE))
    return FALSE;

  if (call->cancel_source != NULL)
    {
      g_source_destroy (call->cancel_source);
      g_clear_pointer (&call->cancel_source, g_source_unref);
    }
  return TRUE;
}

/* How a call is answered */
typedef enum
{
  ANSWER_AT_ONCE = 0,       /* cancelled, say: no operation's answer */
  ANSWER_BY_OP   = 1 << 0,  /* the operation's answer: a start's counts as
                             * in flight until its callback ran */
  ANSWER_KEEP    = 1 << 1,  /* and it is the one a later start gets */
} AnswerFlags;

/* Answers the call, unless it was answered already. */
static void
call_answer (Call         *call,
             const GError *error,
             gboolean      value,
             AnswerFlags   flags)
{
  ModeService *self = g_task_get_source_object (call->task);

  if (!call_claim (call))
    return;

  /* In flight until its callback ran: a start that comes meanwhile gets
   * the same answer (DESIGN.md §5: two starts in flight are one); any
   * operation that begins ends that. A delegated service's state is
   * its own business (a thread's is touched in its thread only). */
  if ((flags & ANSWER_BY_OP) && call->request == MODE_OP_START &&
      SERVICE_DELEGATE (self) == NULL)
    {
      ModeServicePrivate *priv = GET_PRIV (self);

      call->counted = TRUE;
      g_atomic_int_inc (&priv->starts_undelivered);
      if (flags & ANSWER_KEEP)
        {
          if (priv->extras != NULL)
            g_clear_error (&priv->extras->last_start_error);
          if (error != NULL)
            service_get_extras (self)->last_start_error = g_error_copy (error);
          priv->last_start_valid = TRUE;
        }
    }

  if (error != NULL)
    g_task_return_error (call->task, g_error_copy (error));
  else
    g_task_return_boolean (call->task, value);
}

/* The operation ended: the Call's answer, if not given yet. */
static void
call_op_done (ModeService  *self,
              const GError *error,
              gpointer      data)
{
  Call *call = data;

  if (call->maybe && g_error_matches (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED))
    call_answer (call, NULL, FALSE, ANSWER_BY_OP | ANSWER_KEEP);
  else if (call->maybe)
    call_answer (call, error, call->started_it, ANSWER_BY_OP | ANSWER_KEEP);
  else
    call_answer (call, error, TRUE, ANSWER_BY_OP | ANSWER_KEEP);

  call_unref (call);
}

void
_mode_op_nothing (ModeService  *self,
              const GError *error,
              gpointer      data)
{
}

/* Does anybody other than cancelled calls wait for @op? */
static gboolean
waiter_wanted (const ModeWaiter *waiter)
{
  return waiter->func != call_op_done ||
         !g_atomic_int_get (&((Call *) waiter->data)->answered);
}

static gboolean
op_wanted (ModeOp *op)
{
  if (waiter_wanted (&op->first))
    return TRUE;
  if (op->more != NULL)
    for (guint i = 0; i < op->more->len; i++)
      if (waiter_wanted (&g_array_index (op->more, ModeWaiter, i)))
        return TRUE;
  return FALSE;
}

/* The call's cancellable was cancelled: it returns now. A start or a
 * restart that nobody else waits for then ends like one a stop
 * interrupted; a stop goes on. */
static gboolean
call_cancelled (GCancellable *cancellable,
                gpointer      data)
{
  Call *call = data;
  ModeService *self = g_task_get_source_object (call->task);
  ModeServicePrivate *priv = GET_PRIV (self);
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Operation was cancelled"));
  ModeOp *op = NULL;

  g_object_ref (self);
  call_answer (call, error, FALSE, ANSWER_AT_ONCE);

  if (call->request == MODE_OP_START || call->request == MODE_OP_RESTART)
    {
      if (SERVICE_DELEGATE (self) != NULL)
        service_request (self, MODE_OP_STOP, _mode_op_nothing, NULL);
      else
        {
          for (guint i = 0; i < N_OPS && op == NULL; i++)
            if (priv->ops[i] != NULL && i != OP_STOP && _mode_op_has_waiter (priv->ops[i], call))
              op = priv->ops[i];
          if (op != NULL && !op_wanted (op))
            _mode_engine_request (self, MODE_OP_STOP, _mode_op_nothing, NULL);
        }
    }

  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
call_watch_cancellable (Call         *call,
                        GMainContext *context)
{
  GCancellable *cancellable = g_task_get_cancellable (call->task);

  if (cancellable == NULL)
    return;

  call->cancel_source = g_cancellable_source_new (cancellable);
  g_source_set_static_name (call->cancel_source, "[mode] call cancelled");
  g_source_set_callback (call->cancel_source, G_SOURCE_FUNC (call_cancelled), call, NULL);
  g_source_attach (call->cancel_source, context);
}

/* In the service's context: the call begins. */
static gboolean
call_begin_in_context (gpointer data)
{
  Call *call = data;
  ModeService *self = g_task_get_source_object (call->task);
  ModeServicePrivate *priv = GET_PRIV (self);

  if (g_cancellable_is_cancelled (g_task_get_cancellable (call->task)))
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     _("Operation was cancelled"));
      call_answer (call, error, FALSE, ANSWER_AT_ONCE);
      call_unref (call);
      return G_SOURCE_REMOVE;
    }

  if (call->request == MODE_OP_START)
    {
      /* a start answered but not delivered yet is still in flight: this
       * one joins it */
      if (priv->started && priv->last_start_valid && !call->maybe &&
          g_atomic_int_get (&priv->starts_undelivered) > 0)
        {
          call_answer (call, priv->extras != NULL ? priv->extras->last_start_error : NULL,
                       TRUE, ANSWER_BY_OP);
          call_unref (call);
          return G_SOURCE_REMOVE;
        }

      call->started_it = !priv->started && priv->ops[OP_START] == NULL &&
                         priv->ops[OP_STOP] == NULL && priv->ops[OP_RESTART] == NULL;
    }

  call_watch_cancellable (call, priv->context);
  _mode_engine_request (self, call->request, call_op_done, call);
  return G_SOURCE_REMOVE;
}

/* Begins @call where the service lives: now when the caller is there,
 * through the service's context otherwise; a delegated service's
 * delegate decides. */
static void
call_begin (ModeService *self,
            Call        *call)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  const ModeServiceDelegate *delegate = SERVICE_DELEGATE (self);

  if (G_UNLIKELY (delegate != NULL))
    {
      GMainContext *here = g_main_context_ref_thread_default ();

      if (g_cancellable_is_cancelled (g_task_get_cancellable (call->task)))
        {
          call_begin_in_context (call);
        }
      else
        {
          call_watch_cancellable (call, here);
          delegate->begin (self, call->request, call_op_done, call);
        }
      g_main_context_unref (here);
      return;
    }

  if (_mode_context_is_current (priv->context))
    call_begin_in_context (call);
  else
    g_main_context_invoke_full (priv->context, G_PRIORITY_DEFAULT,
                                call_begin_in_context, call, NULL);
}

/* Runs @func where the service lives, now when the caller is there. */
void
_mode_service_run_in_context (ModeService    *self,
                GSourceFunc     func,
                gpointer        data,
                GDestroyNotify  destroy)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  const ModeServiceDelegate *delegate;

  if (service_in_context (self))
    {
      func (data);
      if (destroy != NULL)
        destroy (data);
      return;
    }

  /* a service whose context is not always running says where calls go */
  delegate = SERVICE_DELEGATE (self);
  if (G_UNLIKELY (delegate != NULL && delegate->run_in_context != NULL))
    {
      delegate->run_in_context (self, func, data, destroy);
      return;
    }

  g_main_context_invoke_full (priv->context, G_PRIORITY_DEFAULT, func, data, destroy);
}

/**
 * mode_service_new:
 *
 * Creates a plain service, one that does nothing of its own but start
 * and stop its dependencies. It belongs to the thread-default main
 * context.
 *
 * Returns: (transfer full): a new #ModeService
 *
 * Since: 0.1
 */
ModeService *
mode_service_new (void)
{
  return g_object_new (MODE_TYPE_SERVICE, NULL);
}

/**
 * mode_service_start_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable; cancelling it makes this
 *   call return %G_IO_ERROR_CANCELLED at once, and stops the service
 *   (what the start started is stopped, as by mode_service_stop_async())
 *   unless another call still waits for the same start
 * @callback: (scope async): called when the service runs or failed to start
 * @user_data: data for @callback
 *
 * Starts the service and its dependencies (see the description of
 * #ModeService for the order).
 *
 * A service starts once: starting a service that was started before
 * fails with %MODE_ERROR_ALREADY_STARTED (mode_service_maybe_start_async()
 * and mode_service_restart_async() are the calls for that). A second
 * call while the start is in flight (until its callback ran) completes
 * with the result of the first; a call while the service stops waits
 * for the stop to end. When the service is stopped while it starts, the
 * start fails with %MODE_ERROR_STOPPED and starts nothing more; a hook
 * of the start in flight then is cancelled, and the stop waits for it
 * to return. When the service crashes while it starts, the start fails
 * with the crash reason. A hook that fails makes the start fail with its
 * error and crashes the service.
 *
 * Since: 0.1
 */
void
mode_service_start_async (ModeService         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_begin (self, call_new (self, MODE_OP_START, mode_service_start_async, "[mode] start",
                              cancellable, callback, user_data));
}

/**
 * mode_service_start_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_start_async().
 *
 * Returns: %TRUE when the service runs, %FALSE with @error set otherwise
 *
 * Since: 0.1
 */
gboolean
mode_service_start_finish (ModeService   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_start_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mode_service_maybe_start_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable, as for mode_service_start_async()
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Starts the service if it was never started, as
 * mode_service_start_async() does; does nothing otherwise. A call while
 * a start is in flight joins it.
 *
 * Since: 0.1
 */
void
mode_service_maybe_start_async (ModeService         *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  Call *call;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call = call_new (self, MODE_OP_START, mode_service_maybe_start_async,
                   "[mode] maybe_start", cancellable, callback, user_data);
  call->maybe = TRUE;
  /* a delegated service answers ALREADY_STARTED when it was started */
  call->started_it = TRUE;
  call_begin (self, call);
}

/**
 * mode_service_maybe_start_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_maybe_start_async().
 *
 * Returns: %TRUE when this call started the service, %FALSE when it had
 *   been started before or another call started it, or with @error set
 *   when the start failed
 *
 * Since: 0.1
 */
gboolean
mode_service_maybe_start_finish (ModeService   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_maybe_start_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mode_service_stop_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable; cancelling it makes this
 *   call return %G_IO_ERROR_CANCELLED at once, and the stop goes on
 * @callback: (scope async): called when the service has stopped
 * @user_data: data for @callback
 *
 * Stops the service: sets #ModeService:should-stop, runs @on_stop, stops
 * the dependencies in reverse order (a dependency that fails to stop is
 * logged and the others still stop), waits for mode_service_set_shutdown()
 * if #ModeService:wait-for-shutdown is set, cancels the service's work
 * and runs @on_shutdown.
 *
 * Stopping a service that was never started runs no hook and leaves it
 * %MODE_SERVICE_STATE_INIT, but wakes the callers of
 * mode_service_wait_until_stopped_async() and ends the work spawned on
 * it (its sleeps return, its tasks are cancelled); stopping a stopped
 * one does nothing; a second call while the stop is in flight
 * completes with the first. A stop while the service starts makes the
 * start fail with %MODE_ERROR_STOPPED: a start hook in flight is
 * cancelled and @on_stop runs once it returned. A stop while the
 * service restarts makes the restart end without starting it again. A
 * crashed service is stopped like any other, so that nothing is left
 * behind.
 *
 * Since: 0.1
 */
void
mode_service_stop_async (ModeService         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_begin (self, call_new (self, MODE_OP_STOP, mode_service_stop_async, "[mode] stop",
                              cancellable, callback, user_data));
}

/**
 * mode_service_stop_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_stop_async(). The service is stopped whatever
 * this returns (unless the call was cancelled: then the stop goes on);
 * an error is the first one that a hook of the service itself returned
 * while it stopped.
 *
 * Returns: %TRUE when every hook succeeded, %FALSE with @error set otherwise
 *
 * Since: 0.1
 */
gboolean
mode_service_stop_finish (ModeService   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_stop_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mode_service_restart_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable; cancelling it makes this
 *   call return %G_IO_ERROR_CANCELLED at once; unless another call still
 *   waits for the same restart, the service is then stopped (its stop
 *   completes) and not started again
 * @callback: (scope async): called when the service runs again, or failed to
 * @user_data: data for @callback
 *
 * Restarts the service: stops it if it was started, resets it to
 * %MODE_SERVICE_STATE_INIT (clearing a crash and adding one to
 * #ModeService:restart-count), runs @on_restart and starts it again.
 * The dependencies that @on_init_dependencies returned are not added
 * again, and @on_first_start does not run again.
 *
 * As the service starts again, each dependency that stopped or crashed
 * (those the restart's stop stopped, say) is reset and started again
 * too (without its @on_restart); a dependency that runs is left as it
 * is, and one that starts is waited for.
 *
 * A second call while the restart is in flight completes with the
 * first; a restart while the service stops waits for the stop and
 * then starts it again; a stop while it restarts makes it fail with
 * %MODE_ERROR_STOPPED.
 *
 * Since: 0.1
 */
void
mode_service_restart_async (ModeService         *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_begin (self, call_new (self, MODE_OP_RESTART, mode_service_restart_async,
                              "[mode] restart", cancellable, callback, user_data));
}

/**
 * mode_service_restart_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_restart_async().
 *
 * Returns: %TRUE when the service runs again, %FALSE with @error set otherwise
 *
 * Since: 0.1
 */
gboolean
mode_service_restart_finish (ModeService   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_restart_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* In the service's context: a cancelled wait leaves the list. */
static gboolean
stop_waiter_forget (gpointer data)
{
  StopWaiter *waiter = data;
  ModeServicePrivate *priv = GET_PRIV (service_resolve (g_task_get_source_object (waiter->task)));

  if (priv->extras != NULL && priv->extras->stop_waiters != NULL)
    g_ptr_array_remove (priv->extras->stop_waiters, waiter);
  return G_SOURCE_REMOVE;
}

/* In the caller's context: the wait was cancelled; it returns now. */
static gboolean
stop_waiter_cancelled (GCancellable *cancellable,
                       gpointer      data)
{
  StopWaiter *waiter = data;
  ModeService *self = service_resolve (g_task_get_source_object (waiter->task));

  if (stop_waiter_claim (waiter))
    {
      g_task_return_error_if_cancelled (waiter->task);
      g_atomic_int_inc (&waiter->refs);
      _mode_service_run_in_context (self, stop_waiter_forget, waiter, stop_waiter_unref);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
wait_until_stopped_in_context (gpointer data)
{
  StopWaiter *waiter = data;
  ModeService *self = service_resolve (g_task_get_source_object (waiter->task));
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras;

  if (g_atomic_int_get (&waiter->answered))
    return G_SOURCE_REMOVE;

  if (service_should_stop (priv))
    {
      if (stop_waiter_claim (waiter))
        g_task_return_boolean (waiter->task, TRUE);
      return G_SOURCE_REMOVE;
    }

  extras = service_get_extras (self);
  if (extras->stop_waiters == NULL)
    extras->stop_waiters = g_ptr_array_new_with_free_func (stop_waiter_unref);
  g_atomic_int_inc (&waiter->refs);
  g_ptr_array_add (extras->stop_waiters, waiter);

  return G_SOURCE_REMOVE;
}

/**
 * mode_service_wait_until_stopped_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable; cancelling it makes the
 *   call return %G_IO_ERROR_CANCELLED at once
 * @callback: (scope async): called when the service was told to stop
 * @user_data: data for @callback
 *
 * Waits until the service is told to stop: until its stop begins or it
 * crashes (#ModeService:should-stop becomes %TRUE). Completes at once
 * when that has already happened.
 *
 * Since: 0.1
 */
void
mode_service_wait_until_stopped_async (ModeService         *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  StopWaiter *waiter;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  waiter = g_new0 (StopWaiter, 1);
  waiter->refs = 1;
  waiter->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_name (waiter->task, "[mode] wait_until_stopped");
  g_task_set_source_tag (waiter->task, mode_service_wait_until_stopped_async);

  if (g_cancellable_is_cancelled (cancellable))
    {
      waiter->answered = TRUE;
      g_task_return_error_if_cancelled (waiter->task);
      stop_waiter_unref (waiter);
      return;
    }

  if (cancellable != NULL)
    {
      /* answered where the caller is: the service's context may be a
       * thread's that does not run */
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (waiter->cancel_source, "[mode] wait_until_stopped cancelled");
      g_atomic_int_inc (&waiter->refs);
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (stop_waiter_cancelled),
                             waiter, stop_waiter_unref);
      g_source_attach (waiter->cancel_source, g_task_get_context (waiter->task));
    }

  _mode_service_run_in_context (self, wait_until_stopped_in_context, waiter, stop_waiter_unref);
}

/**
 * mode_service_wait_until_stopped_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_wait_until_stopped_async().
 *
 * Returns: %TRUE, or %FALSE with @error set when the wait was cancelled
 *
 * Since: 0.1
 */
gboolean
mode_service_wait_until_stopped_finish (ModeService   *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_wait_until_stopped_async),
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

