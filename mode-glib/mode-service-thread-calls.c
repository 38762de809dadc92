/* mode-service-thread-calls.c: the calls into a service's thread
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Owns mode_service_thread_call_async(), _call_finish() and _cast(): the
 * queue of calls (any thread may add to it), the source that runs them
 * in the thread, and the spinning that keeps a round trip short while
 * both sides are awake.
 */

#define _GNU_SOURCE

#include "config.h"

#ifdef __linux__
# include <sched.h>
#endif

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
 * machines, more than the call itself. So for at most
 * #ModeServiceThread:spin-time after it ran some calls, the thread's
 * context polls without sleeping (a source whose prepare asks for a zero
 * timeout), and the parent context, while a call made from it has not
 * run yet, waits for the thread in a source's prepare, in short slices:
 * a call or an answer that comes in that time is taken at once.
 *
 * Polling only pays while the other side runs: one that waits for a
 * processor, or runs on the very one the poller holds, answers only
 * after the poller gave up, and every poll then makes the round trip
 * longer than two wake-ups would (30 times, with one of two processors
 * busy with other work). So a side polls only while the other side is
 * known to run:
 *
 * - on another processor than the poller's (each side says, at every
 *   iteration of its context, which processor it is on);
 * - and showing signs of life: its heartbeat (bumped at every iteration
 *   of its context) moved in the last SPIN_STALL_USEC, or the thread is
 *   running calls; a parent whose call had to wake the thread waits for
 *   it to show up (its wake-up, tens of microseconds on an idle virtual
 *   machine, is what polling saves there).
 *
 * A poll that ended without the other side coming (it was found on the
 * poller's processor, stopped showing signs of life, or spin-time
 * passed) is a miss; after n misses in a row a side does not poll for
 * its next 2^(n-1) - 1 waits (none after one miss, 1023 at most), and
 * one poll that finds the other side ends that. Where polling helps,
 * polls find the other side and go on; where it does not, a side polls
 * about once in a thousand waits, for a few microseconds. A machine with
 * one processor never spins. */

/* How long the other side may seem idle while one polls: a few of its
 * iterations, and more than the odd interrupt or page fault (at 10 µs,
 * one wait in a hundred missed the parent on an idle machine) */
#define SPIN_STALL_USEC 25
/* After n misses in a row, 2^(n-1) - 1 waits without polling: a single
 * miss costs nothing more, the eleventh and later 1023 waits */
#define SPIN_MAX_MISSES 11

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

/* The processor this thread runs on, or -1 where it cannot be told (a
 * few nanoseconds with glibc's restartable sequences) */
static inline gint
current_processor (void)
{
#ifdef __linux__
  return sched_getcpu ();
#else
  return -1;
#endif
}

/* What one side tells the other of itself, on cache lines of its own:
 * the other side reads it at every iteration of its own while it polls. */
typedef struct
{
  char pad_before[64];
  gint beat;       /* atomic: bumped at every iteration of its context */
  gint processor;  /* atomic: the one it last ran on, -1 if unknown */
  gint in_calls;   /* atomic, the thread's: it runs calls */
  char pad_after[64];
} SpinSide;

/* A side's view of the other's heartbeat, while it polls */
typedef struct
{
  gint   beat;      /* the other side's beat, last seen */
  gint64 moved;     /* monotonic µs it was seen to move */
  gint64 patience;  /* µs: how long it may not move from @moved */
  gint64 stall;     /* µs: @patience once it moved */
} SpinWatch;

typedef struct
{
  gint misses;  /* polls in a row that found nothing */
  gint skip;    /* waits to come without polling */
} SpinBackoff;

/* A side is at an iteration of its context; returns its processor */
static gint
spin_side_beat (SpinSide *self)
{
  gint processor = current_processor ();

  g_atomic_int_inc (&self->beat);
  if (g_atomic_int_get (&self->processor) != processor)
    g_atomic_int_set (&self->processor, processor);
  return processor;
}

static void
spin_watch_begin (SpinWatch *watch,
                  SpinSide  *other,
                  gint64     now,
                  gint64     patience,
                  gint64     stall)
{
  watch->beat = g_atomic_int_get (&other->beat);
  watch->moved = now;
  watch->patience = patience;
  watch->stall = stall;
}

/* Whether @other, seen through @watch, is known to run now, while this
 * side runs on @processor */
static gboolean
spin_other_runs (SpinSide  *other,
                 SpinWatch *watch,
                 gint       processor,
                 gint64     now)
{
  gint beat;

  /* it cannot run while this side holds its processor */
  if (processor >= 0 && g_atomic_int_get (&other->processor) == processor)
    return FALSE;

  beat = g_atomic_int_get (&other->beat);
  if (beat != watch->beat || g_atomic_int_get (&other->in_calls))
    {
      watch->beat = beat;
      watch->moved = now;
      watch->patience = watch->stall;
      return TRUE;
    }
  return now - watch->moved <= watch->patience;
}

/* Whether this wait may poll */
static gboolean
spin_backoff_allows (SpinBackoff *backoff)
{
  if (backoff->skip > 0)
    {
      backoff->skip--;
      return FALSE;
    }
  return TRUE;
}

static void
spin_backoff_found (SpinBackoff *backoff)
{
  backoff->misses = 0;
}

static void
spin_backoff_missed (SpinBackoff *backoff)
{
  backoff->misses = MIN (backoff->misses + 1, SPIN_MAX_MISSES);
  backoff->skip = (1 << (backoff->misses - 1)) - 1;
}

/* In the parent context: while calls made from it (from any thread whose
 * thread-default context it is, since their answers come there) have not
 * run yet, it waits for the thread to run them, for spin-time at most
 * from the moment it saw them outstanding, or saw the thread run one. It
 * never dispatches: the answers come as the #GTask's own sources. It
 * lives as long as the service, and holds what both sides tell each
 * other. */
struct _ReplySpin
{
  GSource     source;
  gint        sent;       /* atomic: calls made from the parent context */
  gint        ran;        /* atomic: the ones of them the thread ran, or failed */
  gint        spin_usec;  /* atomic: spin-time for this machine */

  /* where the parent context is dispatched */
  gint64      since;      /* calls were seen waiting then, 0 when none are */
  gint        seen_ran;   /* @ran then */
  gboolean    polling;    /* this wait polls */
  SpinWatch   watch;      /* the thread, while it polls */
  SpinBackoff backoff;

  SpinSide    parent;     /* written where the parent context is dispatched */
  SpinSide    thread;     /* written in the thread */
};

/* The thread's call queue. A caller sets @pending and wakes the
 * thread's context only when the thread does not spin: the caller never
 * takes that context's lock, which the thread holds for much of an
 * iteration while it spins. */
typedef struct
{
  GSource       source;
  GMainContext *context;     /* the thread's (unowned: the service's) */
  ReplySpin    *peer;        /* the service's (unowned) */
  gint64        spin;        /* µs, 0 for never */
  gint64        spin_until;  /* thread only: monotonic µs, 0 when not spinning */
  SpinWatch     watch;       /* thread only: the parent, while it spins */
  SpinBackoff   backoff;     /* thread only */
  gint          pending;     /* atomic: calls were queued since the last run */
  gint          spinning;    /* atomic: the thread does not sleep */
} DrainSource;

static gboolean
drain_prepare (GSource *source,
               gint    *timeout)
{
  DrainSource *drain = (DrainSource *) source;
  gint processor = spin_side_beat (&drain->peer->thread);
  gint64 now;

  if (g_atomic_int_get (&drain->pending))
    return TRUE;

  if (drain->spin_until == 0)
    return FALSE;

  now = g_get_monotonic_time ();
  if (now < drain->spin_until &&
      spin_other_runs (&drain->peer->parent, &drain->watch, processor, now))
    {
      *timeout = 0;
      return FALSE;
    }

  /* about to sleep: callers must wake the context from now on, and
   * one that did not (it saw @spinning) has set @pending already */
  drain->spin_until = 0;
  g_atomic_int_set (&drain->spinning, FALSE);
  if (g_atomic_int_get (&drain->pending))
    {
      spin_backoff_found (&drain->backoff);
      return TRUE;
    }
  spin_backoff_missed (&drain->backoff);
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

/* the longest wait in one prepare: the context's other sources run
 * between two */
#define SPIN_SLICE_USEC 20

/* A wait of the parent ended: the thread ran calls (@found), or the
 * parent gives up */
static void
reply_spin_end (ReplySpin *spin,
                gboolean   found)
{
  if (!spin->polling)
    return;
  spin->polling = FALSE;
  if (found)
    spin_backoff_found (&spin->backoff);
  else
    spin_backoff_missed (&spin->backoff);
}

/* GLib calls prepare without the context's lock: the thread, which posts
 * the answer into this context (taking that lock), is waited for here,
 * in slices, and the iteration then polls without sleeping and
 * dispatches the answer. */
static gboolean
reply_spin_prepare (GSource *source,
                    gint    *timeout)
{
  ReplySpin *spin = (ReplySpin *) source;
  gint processor = spin_side_beat (&spin->parent);
  gint ran = g_atomic_int_get (&spin->ran);
  gint64 now, until, end;

  if (g_atomic_int_get (&spin->sent) == ran)
    {
      reply_spin_end (spin, TRUE);
      spin->since = 0;
      return FALSE;
    }

  /* the time counts from the last call the thread ran, or from when
   * calls were first seen waiting */
  now = g_get_monotonic_time ();
  if (spin->since == 0 || ran != spin->seen_ran)
    {
      reply_spin_end (spin, TRUE);
      spin->since = now;
      spin->seen_ran = ran;
      spin->polling = g_atomic_int_get (&spin->spin_usec) > 0 &&
                      spin_backoff_allows (&spin->backoff);
      /* a thread that sleeps was woken by the call: it has spin-time to
       * show up */
      spin_watch_begin (&spin->watch, &spin->thread, now,
                        g_atomic_int_get (&spin->spin_usec), SPIN_STALL_USEC);
    }
  if (!spin->polling)
    return FALSE;  /* sleeps: an answer wakes the context */

  end = spin->since + g_atomic_int_get (&spin->spin_usec);
  until = MIN (end, now + SPIN_SLICE_USEC);
  while (g_atomic_int_get (&spin->ran) == ran)
    {
      if (now >= end || !spin_other_runs (&spin->thread, &spin->watch, processor, now))
        {
          reply_spin_end (spin, FALSE);
          return FALSE;  /* sleeps: an answer wakes the context */
        }
      if (now >= until)
        break;
      /* it runs: a thread that waits for its next call sees it */
      g_atomic_int_inc (&spin->parent.beat);
      now = g_get_monotonic_time ();
    }

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

/* In the thread, after it ran calls: spin for more, while the parent
 * runs. */
static void
drain_ran (DrainSource *drain)
{
  gint64 now;

  /* calls came while it spun */
  if (drain->spin_until != 0)
    spin_backoff_found (&drain->backoff);

  if (drain->spin <= 0 || !spin_backoff_allows (&drain->backoff))
    {
      /* as in drain_prepare(), which looks at @pending next */
      drain->spin_until = 0;
      g_atomic_int_set (&drain->spinning, FALSE);
      return;
    }

  now = g_get_monotonic_time ();
  drain->spin_until = now + drain->spin;
  spin_watch_begin (&drain->watch, &drain->peer->parent, now, SPIN_STALL_USEC, SPIN_STALL_USEC);
  g_atomic_int_set (&drain->spinning, TRUE);
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

  g_atomic_int_set (&drain->peer->thread.in_calls, TRUE);
  while ((call = g_queue_pop_head (&calls)) != NULL)
    thread_call_run (self, call);
  g_atomic_int_set (&drain->peer->thread.in_calls, FALSE);

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
  ((DrainSource *) drain)->peer = priv->reply_spin;
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
  priv->reply_spin->parent.processor = -1;
  priv->reply_spin->thread.processor = -1;
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
