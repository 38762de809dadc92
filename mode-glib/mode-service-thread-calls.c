/* mode-service-thread-calls.c: the calls into a service's thread
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Owns mode_service_thread_call_async(), _call_finish() and _cast(): the
 * queue of calls (any thread may add to it), the source that runs them
 * in the thread, and the spinning that keeps a round trip short while
 * both sides are awake.
 */

#include "config.h"

#include "mode-error.h"
#include "mode-i18n.h"
#include "mode-service-thread-private.h"

/* Calls into the thread {{{ */

static void reply_spin_ran (ReplySpin *spin);

/* After the call ran (or failed without running). The function's data
 * is freed where the call was made: a binding's closure (JavaScript's)
 * must not be freed in another thread. */
static void
thread_call_free (ThreadCall *call)
{
  ReplySpin *counted = call->counted;

  _mode_destroy_run (&call->destroy);
  g_clear_object (&call->task);
  g_free (call);

  /* last: the parent, which may be waiting for this, goes on at once */
  if (counted != NULL)
    reply_spin_ran (counted);
}

void
_mode_thread_call_fail (ModeServiceThread *self,
                  ThreadCall        *call)
{
  if (call->task != NULL)
    g_task_return_error (call->task, _mode_service_thread_stopped_error (self));
  thread_call_free (call);
}

static void
thread_call_run (ModeServiceThread *self,
                 ThreadCall        *call)
{
  if (call->task != NULL)
    {
      if (!g_task_return_error_if_cancelled (call->task))
        {
          call->func (self, call->task, call->user_data);

          /* A function that neither completed its task nor kept it
           * dropped it; the caller is told, not left waiting. (A
           * completed one is held until its callback ran, and that ran
           * first when the count is down to ours already.) So ends the
           * call of a function of a language that cannot be called in
           * another thread, such as JavaScript: its binding refuses. */
          if (g_atomic_int_get (&G_OBJECT (call->task)->ref_count) == 1 &&
              !g_task_get_completed (call->task))
            g_task_return_new_error (call->task, MODE_ERROR, MODE_ERROR_FAILED,
                                     _("Service %s: the function of a thread call did not "
                                       "complete its task, nor keep it to complete it later "
                                       "(a function of a language that cannot run in "
                                       "another thread, such as JavaScript, is refused "
                                       "there)"),
                                     mode_service_get_label (MODE_SERVICE (self)));
        }
    }
  else
    {
      /* a cast: its task belongs to the thread, and nobody waits for it */
      g_autoptr(GTask) task = g_task_new (self, NULL, NULL, NULL);

      g_task_set_name (task, "[mode] cast");
      call->func (self, task, call->user_data);
    }

  thread_call_free (call);
}

/* Spinning {{{
 *
 * Handing a call to a sleeping thread and its answer back to a sleeping
 * caller takes two wake-ups, which cost tens of microseconds on many
 * machines, more than the call itself. So for #ModeServiceThread:spin-time
 * after it ran some calls, the thread's context polls without sleeping
 * (a source whose prepare asks for a zero timeout), and the parent
 * context, while a call made from it has not run yet, waits for the
 * thread in a source's prepare, in short slices: a call or an answer
 * that comes in that time is taken at once. A machine with one processor
 * never spins; there the other side could not run while one spins. */

/* How long to spin, in µs, for @seconds on this machine */
static gint
spin_usec_for (gdouble seconds)
{
  static gsize processors;

  if (g_once_init_enter (&processors))
    g_once_init_leave (&processors, MAX (g_get_num_processors (), 1));

  if (processors < 2)
    return 0;
  return (gint) (seconds * G_USEC_PER_SEC);
}

/* The thread's call queue. A caller sets @pending and wakes the
 * thread's context only when the thread does not spin: the caller never
 * takes that context's lock, which the thread holds for much of an
 * iteration while it spins. */
typedef struct
{
  GSource       source;
  GMainContext *context;     /* the thread's (unowned: the service's) */
  gint64        spin;        /* µs, 0 for never */
  gint64        spin_until;  /* thread only: monotonic µs, 0 when not spinning */
  gint          pending;     /* atomic: calls were queued since the last run */
  gint          spinning;    /* atomic: the thread does not sleep */
} DrainSource;

static gboolean
drain_prepare (GSource *source,
               gint    *timeout)
{
  DrainSource *drain = (DrainSource *) source;

  if (g_atomic_int_get (&drain->pending))
    return TRUE;

  if (drain->spin_until != 0)
    {
      if (g_get_monotonic_time () < drain->spin_until)
        {
          *timeout = 0;
          return FALSE;
        }

      /* about to sleep: callers must wake the context from now on, and
       * one that did not (it saw @spinning) has set @pending already */
      drain->spin_until = 0;
      g_atomic_int_set (&drain->spinning, FALSE);
      return g_atomic_int_get (&drain->pending);
    }

  return FALSE;
}

static gboolean
drain_check (GSource *source)
{
  return g_atomic_int_get (&((DrainSource *) source)->pending);
}

static gboolean
drain_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     data)
{
  return callback (data);
}

static GSourceFuncs drain_funcs = {
  .prepare = drain_prepare,
  .check = drain_check,
  .dispatch = drain_dispatch,
};

/* In the parent context: while calls made from it (from any thread whose
 * thread-default context it is, since their answers come there) have not
 * run yet, it waits for the thread to run them, for spin-time at most
 * from the moment it saw them outstanding. It never dispatches: the
 * answers come as the #GTask's own sources. */
struct _ReplySpin
{
  GSource source;
  gint    sent;       /* atomic: calls made from the parent context */
  gint    ran;        /* atomic: the ones of them the thread ran, or failed */
  gint    spin_usec;  /* atomic: spin-time for this machine */
  gint64  since;      /* where the context is dispatched: calls were seen
                       * waiting then, 0 when none are */
  gint    seen_ran;   /* where the context is dispatched: @ran then */
};

/* the longest wait in one prepare: the context's other sources run
 * between two */
#define SPIN_SLICE_USEC 20

/* GLib calls prepare without the context's lock: the thread, which posts
 * the answer into this context (taking that lock), is waited for here,
 * in slices, and the iteration then polls without sleeping and
 * dispatches the answer. */
static gboolean
reply_spin_prepare (GSource *source,
                    gint    *timeout)
{
  ReplySpin *spin = (ReplySpin *) source;
  gint ran = g_atomic_int_get (&spin->ran);
  gint64 now, until;

  if (g_atomic_int_get (&spin->sent) == ran)
    {
      spin->since = 0;
      return FALSE;
    }

  /* the time counts from the last call the thread ran, or from when
   * calls were first seen waiting */
  now = g_get_monotonic_time ();
  if (spin->since == 0 || ran != spin->seen_ran)
    {
      spin->since = now;
      spin->seen_ran = ran;
    }
  until = spin->since + g_atomic_int_get (&spin->spin_usec);
  if (now >= until)
    return FALSE;  /* sleeps: an answer wakes the context */

  until = MIN (until, now + SPIN_SLICE_USEC);
  while (g_atomic_int_get (&spin->ran) == ran && now < until)
    now = g_get_monotonic_time ();

  *timeout = 0;
  return FALSE;
}

static void
reply_spin_ran (ReplySpin *spin)
{
  g_atomic_int_inc (&spin->ran);
}

static gboolean
reply_spin_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     data)
{
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs reply_spin_funcs = {
  .prepare = reply_spin_prepare,
  .dispatch = reply_spin_dispatch,
};

/* In the thread, after it ran calls: spin for more. */
static void
drain_ran (DrainSource *drain)
{
  if (drain->spin > 0)
    {
      drain->spin_until = g_get_monotonic_time () + drain->spin;
      g_atomic_int_set (&drain->spinning, TRUE);
    }
}

/* }}} */

/* Runs the calls queued so far, in the thread, in order. The source
 * lives as long as the thread serves calls; a call makes it ready. */
static gboolean
drain_calls (gpointer data)
{
  ModeServiceThread *self = data;
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  GQueue calls = G_QUEUE_INIT;
  ThreadCall *call;
  DrainSource *drain = (DrainSource *) g_main_current_source ();

  g_mutex_lock (&priv->lock);
  calls = priv->calls;
  g_queue_init (&priv->calls);
  priv->drain_woken = FALSE;
  g_atomic_int_set (&drain->pending, FALSE);
  g_mutex_unlock (&priv->lock);

  while ((call = g_queue_pop_head (&calls)) != NULL)
    thread_call_run (self, call);

  drain_ran (drain);

  return G_SOURCE_CONTINUE;
}

/* With @priv->lock held: returns the source to make ready once the lock
 * is released (waking the thread under the lock would have it wait for
 * the lock at once), or NULL. */
static GSource *
drain_to_wake_locked (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  if (priv->drain == NULL || priv->drain_woken || priv->calls.length == 0)
    return NULL;

  priv->drain_woken = TRUE;
  return g_source_ref (priv->drain);
}

static void
wake_drain (GSource *source)
{
  DrainSource *drain = (DrainSource *) source;

  if (drain == NULL)
    return;

  /* seen by the thread's next prepare; a thread that stopped spinning
   * before this looks again after it said so, or is woken here */
  g_atomic_int_set (&drain->pending, TRUE);
  if (!g_atomic_int_get (&drain->spinning))
    g_main_context_wakeup (drain->context);
  g_source_unref (source);
}

static void
queue_call (ModeServiceThread *self,
            ThreadCall        *call)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  GSource *drain;

  g_mutex_lock (&priv->lock);
  if (!priv->accepting)
    {
      g_mutex_unlock (&priv->lock);
      _mode_thread_call_fail (self, call);
      return;
    }
  g_queue_push_tail (&priv->calls, call);
  drain = drain_to_wake_locked (self);
  g_mutex_unlock (&priv->lock);

  wake_drain (drain);
}

/* }}} */


/* Whether the parent context waits for this call, made now: its answer
 * comes to the caller's thread-default context. */
static gboolean
call_counts_for_spin (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  GMainContext *here = g_main_context_get_thread_default ();

  if (here == NULL)
    here = g_main_context_default ();
  return here == priv->parent_context &&
         g_atomic_int_get (&priv->reply_spin->spin_usec) > 0;
}

/**
 * mode_service_thread_call_async:
 * @self: a #ModeServiceThread
 * @func: (scope notified) (closure user_data) (destroy destroy): the
 *   function to run in the thread
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once @func ran (or the call
 *   failed), in the thread-default context of the caller
 * @cancellable: (nullable): a #GCancellable; when it is cancelled before
 *   @func ran, @func does not run and the call fails with
 *   %G_IO_ERROR_CANCELLED
 * @callback: (scope async) (closure cb_data): called in the caller's
 *   thread-default context when @func completed its task
 * @cb_data: data for @callback
 *
 * Runs @func in the service's thread. @func gets the #GTask of this
 * call and completes it there, at once or later; @callback then runs in
 * the context that called this function, and
 * mode_service_thread_call_finish() gives the value or the error.
 *
 * Calls run in the order they were made, once the service started in
 * its thread: a call made before waits for it. A call made once the
 * service began to stop, or one that had not run when the thread ended,
 * fails with %MODE_ERROR_STOPPED. A call whose @func returned without
 * completing its task or keeping a reference to it (to complete it
 * later) fails with %MODE_ERROR_FAILED: that is how a call ends whose
 * function belongs to a language that cannot run in another thread
 * (JavaScript: GJS refuses to call it there). This may be called from
 * any thread.
 *
 * Since: 0.1
 */
void
mode_service_thread_call_async (ModeServiceThread   *self,
                                ModeThreadFunc       func,
                                gpointer             user_data,
                                GDestroyNotify       destroy,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             cb_data)
{
  ThreadCall *call;

  g_return_if_fail (MODE_IS_SERVICE_THREAD (self));
  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call = g_new0 (ThreadCall, 1);
  call->func = func;
  call->user_data = user_data;
  _mode_destroy_init (&call->destroy, destroy, user_data, GET_PRIV (self)->thread_context);
  call->task = g_task_new (self, cancellable, callback, cb_data);
  g_task_set_source_tag (call->task, mode_service_thread_call_async);
  if (call_counts_for_spin (self))
    {
      /* before it is queued: the thread counts it as run after */
      call->counted = GET_PRIV (self)->reply_spin;
      g_atomic_int_inc (&call->counted->sent);
    }
  g_task_set_name (call->task, "[mode] thread call");

  queue_call (self, call);
}

/**
 * mode_service_thread_call_finish:
 * @self: a #ModeServiceThread
 * @result: the #GAsyncResult passed to the callback
 * @value: (out caller-allocates) (optional): where to put the value the
 *   function returned with g_task_return_value(); pass %NULL when it
 *   returned otherwise. When the call failed, it holds %FALSE (a
 *   #G_TYPE_BOOLEAN), to be unset as any other
 * @error: return location for a #GError
 *
 * Finishes mode_service_thread_call_async().
 *
 * @result is the #GTask the function completed: from C, a function that
 * returned a boolean, an integer or a pointer is finished with
 * g_task_propagate_boolean() and its siblings on it, and @value %NULL.
 *
 * Returns: %TRUE when the function succeeded, %FALSE with @error set
 *   otherwise
 *
 * Since: 0.1
 */
gboolean
mode_service_thread_call_finish (ModeServiceThread  *self,
                                 GAsyncResult       *result,
                                 GValue             *value,
                                 GError            **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE_THREAD (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mode_service_thread_call_async, FALSE);

  if (value != NULL)
    {
      if (g_task_propagate_value (G_TASK (result), value, error))
        return TRUE;
      /* a value all the same, for bindings that read it before the error */
      if (G_VALUE_TYPE (value) == G_TYPE_INVALID)
        g_value_init (value, G_TYPE_BOOLEAN);
      return FALSE;
    }

  if (g_task_had_error (G_TASK (result)))
    return g_task_propagate_boolean (G_TASK (result), error);

  return TRUE;
}

/**
 * mode_service_thread_cast:
 * @self: a #ModeServiceThread
 * @func: (scope notified) (closure user_data) (destroy destroy): the
 *   function to run in the thread
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once @func ran (or the call
 *   was refused), in the thread-default context of the caller
 *
 * Runs @func in the service's thread without waiting for it: as
 * mode_service_thread_call_async(), in the same order, but nobody is
 * told how it went. @func gets a #GTask of the thread's to complete or
 * drop. This may be called from any thread.
 *
 * Since: 0.1
 */
void
mode_service_thread_cast (ModeServiceThread *self,
                          ModeThreadFunc     func,
                          gpointer           user_data,
                          GDestroyNotify     destroy)
{
  ThreadCall *call;

  g_return_if_fail (MODE_IS_SERVICE_THREAD (self));
  g_return_if_fail (func != NULL);

  call = g_new0 (ThreadCall, 1);
  call->func = func;
  call->user_data = user_data;
  _mode_destroy_init (&call->destroy, destroy, user_data, GET_PRIV (self)->thread_context);

  queue_call (self, call);
}


/* The sources of the calls {{{ */

/* In the thread, once its service started: the calls run from now on. */
void
_mode_thread_serve (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  GSource *drain = g_source_new (&drain_funcs, sizeof (DrainSource));

  ((DrainSource *) drain)->context = priv->thread_context;
  ((DrainSource *) drain)->spin = g_atomic_int_get (&priv->reply_spin->spin_usec);
  g_source_set_priority (drain, G_PRIORITY_DEFAULT);
  g_source_set_callback (drain, drain_calls, self, NULL);
  g_source_set_static_name (drain, "[mode] service thread calls");
  g_source_attach (drain, priv->thread_context);

  g_mutex_lock (&priv->lock);
  priv->serving = TRUE;
  priv->drain = drain;
  priv->drain_woken = FALSE;
  drain = drain_to_wake_locked (self);
  g_mutex_unlock (&priv->lock);

  wake_drain (drain);
}

/* In the parent context, at construction: the source that waits there
 * for the answers of calls made from it. */
void
_mode_thread_reply_spin_attach (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  priv->reply_spin = (ReplySpin *) g_source_new (&reply_spin_funcs, sizeof (ReplySpin));
  g_source_set_priority (&priv->reply_spin->source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (&priv->reply_spin->source, "[mode] service thread answers");
  g_atomic_int_set (&priv->reply_spin->spin_usec, spin_usec_for (priv->spin_time));
  g_source_attach (&priv->reply_spin->source, priv->parent_context);
}

void
_mode_thread_reply_spin_set_time (ModeServiceThread *self,
                                  gdouble            seconds)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  if (priv->reply_spin != NULL)
    g_atomic_int_set (&priv->reply_spin->spin_usec, spin_usec_for (seconds));
}

void
_mode_thread_reply_spin_destroy (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  if (priv->reply_spin != NULL)
    {
      g_source_destroy (&priv->reply_spin->source);
      g_source_unref (&g_steal_pointer (&priv->reply_spin)->source);
    }
}

/* }}} */
