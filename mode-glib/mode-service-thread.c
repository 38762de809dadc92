/* mode-service-thread.c: a service that runs in a thread of its own
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-error.h"
#include "mode-destroy-private.h"
#include "mode-i18n.h"
#include "mode-service-private.h"
#include "mode-service-thread.h"
#include "mode-service-thread-private.h"

/**
 * SECTION:mode-service-thread
 * @Title: ModeServiceThread
 * @Short_description: a service that runs in a thread of its own
 *
 * See #ModeServiceThread.
 */

/**
 * ModeServiceThread:
 *
 * A service that runs in a thread of its own, on a #GMainContext of its
 * own (#ModeServiceThread:thread-context, which is also its
 * #ModeService:main-context): its hooks, tasks, timers and cleanups run
 * there, and so do the dependencies it makes in
 * #ModeServiceClass.on_init_dependencies. The service is controlled from
 * #ModeServiceThread:parent-context, the thread-default context of the
 * thread that made it, which is where its parent in the tree lives.
 *
 * mode_service_start_async() launches the thread, which pushes the
 * thread context as its thread-default and starts the service there;
 * once it runs, #ModeServiceThreadClass.on_thread_started is called in
 * the thread and the start completes in the caller's context, or fails
 * with the error the start raised in the thread (an address already in
 * use, say). With #ModeServiceThread:wait-for-thread set to %FALSE the
 * start completes as soon as the thread is launched, and a failure
 * later crashes the service as usual.
 *
 * mode_service_stop_async() stops the service in its thread (its
 * dependencies, tasks, timers and cleanups, as for any service), calls
 * #ModeServiceThreadClass.on_thread_stop there, ends and joins the
 * thread, and completes in the caller's context. A restart stops the
 * thread and starts a new one. A crash inside the thread is marked
 * there and told to the supervisor, or to the rest of the tree, in the
 * parent context, as for any other service.
 *
 * mode_service_thread_call_async() runs a function in the thread and
 * hands its result back in the caller's context;
 * mode_service_thread_cast() runs one without waiting for it. Calls are
 * queued in order: those made before the service runs in its thread
 * wait for it, those made once it began to stop fail with
 * %MODE_ERROR_STOPPED. While calls come, the thread and the caller's
 * context poll for each other for a moment instead of sleeping, as long
 * as the other side is known to run (#ModeServiceThread:spin-time), so
 * that a round trip takes a few microseconds rather than two thread
 * wake-ups; an idle service thread sleeps, and so does its parent.
 *
 * While its thread runs, the service holds a reference to itself: a
 * service thread that was started must be stopped, or it runs on after
 * its last user let it go.
 *
 * A keepalive notices a thread that stops coming back to its main loop:
 * when it has been away from it for #ModeServiceThread:keepalive-timeout
 * seconds, a warning naming the service is logged, and a message when it
 * answers again. A thread that sleeps in its main loop answers, and is
 * never woken for it.
 *
 * Bindings: Python subclasses work as C ones, their hooks and thread
 * functions running in the service's thread with the interpreter lock.
 * GJS cannot run JavaScript in another thread at all: from GJS, use
 * services whose thread code is written in C (or Vala), and talk to
 * them with the calls above from the JavaScript side.
 *
 * Since: 0.1
 */

G_DEFINE_TYPE_WITH_PRIVATE (ModeServiceThread, mode_service_thread, MODE_TYPE_SERVICE)

/* for mode-service-thread-calls.c */
gint _mode_service_thread_private_offset;


enum {
  PROP_0,
  PROP_PARENT_CONTEXT,
  PROP_THREAD_CONTEXT,
  PROP_WAIT_FOR_THREAD,
  PROP_KEEPALIVE_TIMEOUT,
  PROP_SPIN_TIME,
  PROP_THREAD_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void launch          (ModeServiceThread *self,
                             ModeOpKind         kind);
static void run_deferred_calls (ModeServiceThread *self);
static void complete        (ModeServiceThread *self,
                             GArray            *waiters,
                             const GError      *error);

/* Helpers {{{ */

static void
post (GMainContext   *context,
      GSourceFunc     func,
      gpointer        data,
      GDestroyNotify  destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_set_static_name (source, "[mode] service thread");
  g_source_attach (source, context);
  g_source_unref (source);
}

/* Answers the waiters of @waiters (the engine's way). */
static void
complete (ModeServiceThread *self,
          GArray            *waiters,
          const GError      *error)
{
  _mode_waiters_complete (MODE_SERVICE (self), waiters, error);
}

GError *
_mode_service_thread_stopped_error (ModeServiceThread *self)
{
  return g_error_new (MODE_ERROR, MODE_ERROR_STOPPED,
                      _("Service %s was stopped before the call ran in its thread"),
                      mode_service_get_label (MODE_SERVICE (self)));
}

/* }}} */

/* Keepalive {{{
 *
 * The thread is never woken for it. A source of the thread's context,
 * prepared first and checked first in every iteration, marks when the
 * thread goes to poll and when it comes back from poll to dispatch: a
 * thread that sleeps in poll answers, however long it sleeps; one that
 * has been away from its main loop for keepalive-timeout seconds, in a
 * dispatch that does not return, does not. The parent context looks at
 * the mark: at the moment the thread it saw busy would have been busy for
 * the whole timeout, or, while the thread sleeps, once a timeout on a
 * timer rounded to whole seconds, so that the checks of all the services
 * of a program come in the same wake-up. */

/* @keepalive_mark: the time (in ms from @keepalive_base, modulo 2^31)
 * the thread last came back from poll, shifted left by one; the low bit
 * is set while it is in poll (or about to be). 0 is "busy since its
 * launch". */
#define MARK_POLLING 1u

typedef struct
{
  GSource  source;
  guint   *mark;   /* the service's @keepalive_mark */
  gint64   base;   /* the service's @keepalive_base */
  guint    last;   /* what this source last stored in @mark */
} KeepaliveWatch;

/* In the thread, first of the iteration's prepares: going to poll. */
static gboolean
keepalive_watch_prepare (GSource *source,
                         gint    *timeout)
{
  KeepaliveWatch *watch = (KeepaliveWatch *) source;

  if (!(watch->last & MARK_POLLING))
    {
      watch->last |= MARK_POLLING;
      g_atomic_int_set (watch->mark, watch->last);
    }
  return FALSE;
}

/* In the thread, first of the iteration's checks: back from poll, about
 * to dispatch. */
static gboolean
keepalive_watch_check (GSource *source)
{
  KeepaliveWatch *watch = (KeepaliveWatch *) source;
  guint ms = (guint) ((g_get_monotonic_time () - watch->base) / 1000);

  watch->last = ms << 1;
  g_atomic_int_set (watch->mark, watch->last);
  return FALSE;
}

static gboolean
keepalive_watch_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     data)
{
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs keepalive_watch_funcs = {
  .prepare = keepalive_watch_prepare,
  .check = keepalive_watch_check,
  .dispatch = keepalive_watch_dispatch,
};

/* In the thread, as it begins */
static void
keepalive_watch_attach (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  KeepaliveWatch *watch;

  if (priv->keepalive_usec <= 0)
    return;

  watch = (KeepaliveWatch *) g_source_new (&keepalive_watch_funcs, sizeof (KeepaliveWatch));
  watch->mark = &priv->keepalive_mark;
  watch->base = priv->keepalive_base;
  watch->last = 0;
  /* before any other source, which may be ready and end the prepares */
  g_source_set_priority (&watch->source, G_MININT);
  g_source_set_static_name (&watch->source, "[mode] thread keepalive");
  g_source_attach (&watch->source, priv->thread_context);
  priv->keepalive_watch = &watch->source;
}

static void
keepalive_watch_destroy (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  if (priv->keepalive_watch != NULL)
    {
      g_source_destroy (priv->keepalive_watch);
      g_clear_pointer (&priv->keepalive_watch, g_source_unref);
    }
}

/* the interval of the checks while a thread is reported stalled: a
 * quarter of the timeout, between 10 ms and 1 s */
static gint64
keepalive_interval (ModeServiceThreadPrivate *priv)
{
  return CLAMP (priv->keepalive_usec / 4, 10 * 1000, G_USEC_PER_SEC);
}

/* For a thread that sleeps: a timeout from @now, rounded up to a whole
 * second of the monotonic clock when the timeout is a second or more */
static gint64
keepalive_next_idle (ModeServiceThreadPrivate *priv,
                     gint64                    now)
{
  gint64 next = now + priv->keepalive_usec;

  if (priv->keepalive_usec >= G_USEC_PER_SEC)
    next = (next + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC * G_USEC_PER_SEC;
  return next;
}

/* In the parent: has the thread been away from its main loop for the
 * whole timeout? */
static gboolean
keepalive_check (gpointer data)
{
  ModeServiceThread *self = data;
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  gint64 now = g_get_monotonic_time ();
  guint mark = (guint) g_atomic_int_get (&priv->keepalive_mark);
  gint64 busy = 0, since = 0, next;

  if (!(mark & MARK_POLLING))
    {
      guint now_ms = (guint) ((now - priv->keepalive_base) / 1000);

      busy = (gint64) ((now_ms - (mark >> 1)) & (G_MAXUINT >> 1)) * 1000;
      since = now - busy;
    }

  /* a stall reported ended: the thread answers, or it came back and is
   * away again since */
  if (priv->stalled_since != 0 &&
      (busy < priv->keepalive_usec || mark != priv->stalled_mark))
    {
      _mode_service_log (MODE_SERVICE (self), G_LOG_LEVEL_MESSAGE,
                         "Thread keepalive responds again after %.1f s",
                         ((busy > 0 ? since : now) - priv->stalled_since) / (gdouble) G_USEC_PER_SEC);
      priv->stalled_since = 0;
    }

  if (busy >= priv->keepalive_usec)
    {
      if (priv->stalled_since == 0)
        {
          priv->stalled_since = since;
          priv->stalled_mark = mark;
          _mode_service_log (MODE_SERVICE (self), G_LOG_LEVEL_WARNING,
                             "Thread keepalive is not responding: no answer for %.1f s",
                             busy / (gdouble) G_USEC_PER_SEC);
        }
      next = now + keepalive_interval (priv);
    }
  else if (busy > 0)
    next = since + priv->keepalive_usec;  /* when it would be stalled */
  else
    next = keepalive_next_idle (priv, now);

  g_source_set_ready_time (priv->keepalive_check, next);
  return G_SOURCE_CONTINUE;
}

static gboolean
keepalive_check_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     data)
{
  return callback (data);
}

static GSourceFuncs keepalive_check_funcs = {
  .dispatch = keepalive_check_dispatch,
};

/* In the parent, before the thread is launched */
static void
keepalive_reset (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  priv->keepalive_usec = (gint64) (priv->keepalive_timeout * G_USEC_PER_SEC);
  priv->keepalive_base = g_get_monotonic_time ();
  g_atomic_int_set (&priv->keepalive_mark, 0);
  priv->stalled_since = 0;
}

/* In the parent, once the thread was launched */
static void
keepalive_start (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  if (priv->keepalive_usec <= 0 || priv->keepalive_check != NULL)
    return;

  priv->keepalive_check = g_source_new (&keepalive_check_funcs, sizeof (GSource));
  g_source_set_callback (priv->keepalive_check, keepalive_check, self, NULL);
  g_source_set_static_name (priv->keepalive_check, "[mode] thread keepalive check");
  /* the thread is busy from its launch until its first poll: the first
   * check is as for a sleeping thread, on the coarse timer */
  g_source_set_ready_time (priv->keepalive_check, keepalive_next_idle (priv, priv->keepalive_base));
  g_source_attach (priv->keepalive_check, priv->parent_context);
}

static void
keepalive_stop (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  if (priv->keepalive_check != NULL)
    {
      g_source_destroy (priv->keepalive_check);
      g_clear_pointer (&priv->keepalive_check, g_source_unref);
    }
}

/* }}} */

/* The thread {{{ */

typedef struct
{
  ModeServiceThread *self;    /* (owned) */
  GError            *error;   /* (owned) (nullable) */
  ModeOpKind         kind;
  ModeOpDone         func;
  gpointer           data;
} Message;

static Message *
message_new (ModeServiceThread *self,
             const GError      *error)
{
  Message *message = g_new0 (Message, 1);

  message->self = g_object_ref (self);
  message->error = error != NULL ? g_error_copy (error) : NULL;
  return message;
}

static void
message_free (gpointer data)
{
  Message *message = data;

  g_clear_error (&message->error);
  g_object_unref (message->self);
  g_free (message);
}

/* In the parent: the service started in the thread, or failed to. */
static gboolean
thread_started_in_parent (gpointer data)
{
  Message *message = data;
  ModeServiceThread *self = message->self;
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  if (priv->state == THREAD_LAUNCHING)
    priv->state = THREAD_RUNNING;
  complete (self, priv->start_waiters, message->error);

  return G_SOURCE_REMOVE;
}

/* In the thread: the engine's start (or restart) completed. */
static void
thread_started (ModeService  *service,
                const GError *error,
                gpointer      data)
{
  ModeServiceThread *self = MODE_SERVICE_THREAD (service);
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  ModeServiceThreadClass *klass = MODE_SERVICE_THREAD_GET_CLASS (self);

  if (error == NULL)
    {
      if (klass->on_thread_started != NULL)
        klass->on_thread_started (self);
      _mode_thread_serve (self);
    }

  post (priv->parent_context, thread_started_in_parent,
        message_new (self, error), message_free);
}

/* In the thread: the engine's stop completed; the thread ends. */
static void
thread_stopped (ModeService  *service,
                const GError *error,
                gpointer      data)
{
  ModeServiceThread *self = MODE_SERVICE_THREAD (service);
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  ModeServiceThreadClass *klass = MODE_SERVICE_THREAD_GET_CLASS (self);

  if (klass->on_thread_stop != NULL)
    klass->on_thread_stop (self);

  g_clear_error (&priv->stop_error);
  if (error != NULL)
    priv->stop_error = g_error_copy (error);
  g_main_loop_quit (priv->loop);
}

/* In the thread: stop the service there. */
static gboolean
stop_in_thread (gpointer data)
{
  ModeServiceThread *self = data;

  _mode_service_engine_request (MODE_SERVICE (self), MODE_OP_STOP, thread_stopped, NULL);
  return G_SOURCE_REMOVE;
}

/* In the parent: the thread ended. */
static gboolean
thread_exited_in_parent (gpointer data)
{
  Message *message = data;
  ModeServiceThread *self = message->self;
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  g_autoptr(GArray) starts = _mode_waiters_take (priv->start_waiters);
  g_autoptr(GArray) stops = _mode_waiters_take (priv->stop_waiters);
  g_autoptr(GArray) next = _mode_waiters_take (priv->next_waiters);

  g_thread_join (g_steal_pointer (&priv->thread));
  priv->state = THREAD_IDLE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THREAD_RUNNING]);

  /* the calls that waited for the end run now, while there is no thread */
  run_deferred_calls (self);

  /* a restart, launched before anybody hears of the stop: a waiter's
   * callback may ask things of the service again */
  if (next->len > 0)
    {
      switch (priv->state)
        {
        case THREAD_IDLE:
          g_array_append_vals (priv->start_waiters, next->data, next->len);
          g_array_set_size (next, 0);
          launch (self, priv->next_kind);
          break;

        case THREAD_LAUNCHING:
          g_array_append_vals (priv->start_waiters, next->data, next->len);
          g_array_set_size (next, 0);
          break;

        case THREAD_STOPPING:
          g_array_append_vals (priv->next_waiters, next->data, next->len);
          g_array_set_size (next, 0);
          break;

        case THREAD_RUNNING:
        default:
          complete (self, next, NULL);
          break;
        }
    }

  /* A start still waiting when the thread ended was answered by the
   * stop (MODE_ERROR_STOPPED); this only makes sure nobody is left. */
  if (starts->len > 0)
    {
      g_autoptr(GError) error = _mode_service_thread_stopped_error (self);
      complete (self, starts, error);
    }
  complete (self, stops, message->error);

  return G_SOURCE_REMOVE;
}

static gpointer
thread_main (gpointer data)
{
  ModeServiceThread *self = data;   /* (owned): handed to the parent at the end */
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  GQueue calls = G_QUEUE_INIT;
  ThreadCall *call;
  Message *message;
  GSource *drain;

  g_main_context_push_thread_default (priv->thread_context);
  keepalive_watch_attach (self);

  _mode_service_engine_request (MODE_SERVICE (self), priv->launch_kind, thread_started, NULL);
  g_main_loop_run (priv->loop);
  keepalive_watch_destroy (self);

  /* Calls that did not run will not: they fail. */
  g_mutex_lock (&priv->lock);
  priv->serving = FALSE;
  priv->accepting = FALSE;
  calls = priv->calls;
  g_queue_init (&priv->calls);
  drain = g_steal_pointer (&priv->drain);
  g_mutex_unlock (&priv->lock);
  if (drain != NULL)
    {
      g_source_destroy (drain);
      g_source_unref (drain);
    }
  while ((call = g_queue_pop_head (&calls)) != NULL)
    _mode_thread_call_fail (self, call);

  /* What is ready now (tasks completing, casts' results) still runs
   * here, in order, before the thread ends. */
  for (guint i = 0; i < 1000 && g_main_context_iteration (priv->thread_context, FALSE); i++)
    ;

  g_main_context_pop_thread_default (priv->thread_context);

  message = message_new (self, priv->stop_error);
  g_clear_error (&priv->stop_error);
  g_object_unref (self);  /* the message holds one */
  post (priv->parent_context, thread_exited_in_parent, message, message_free);

  return NULL;
}

/* }}} */

/* Control, in the parent context {{{ */

static void
launch (ModeServiceThread *self,
        ModeOpKind         kind)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  g_assert (priv->state == THREAD_IDLE);

  /* a service that was started (and stopped) restarts, it does not start */
  if ((kind == MODE_OP_START || kind == MODE_OP_START_CONTAINED) &&
      mode_service_get_started (MODE_SERVICE (self)))
    {
      error = g_error_new (MODE_ERROR, MODE_ERROR_ALREADY_STARTED,
                           _("Service %s was already started"),
                           mode_service_get_label (MODE_SERVICE (self)));
      complete (self, priv->start_waiters, error);
      return;
    }

  g_mutex_lock (&priv->lock);
  priv->accepting = TRUE;
  g_mutex_unlock (&priv->lock);

  priv->launch_kind = kind;
  g_clear_pointer (&priv->loop, g_main_loop_unref);
  priv->loop = g_main_loop_new (priv->thread_context, FALSE);
  priv->state = THREAD_LAUNCHING;

  name = g_strdup (mode_service_get_shortlabel (MODE_SERVICE (self)));
  keepalive_reset (self);
  priv->thread = g_thread_try_new (name, thread_main, g_object_ref (self), &error);
  if (priv->thread == NULL)
    {
      g_autoptr(GError) failed =
        g_error_new (MODE_ERROR, MODE_ERROR_FAILED,
                     _("Service %s could not start its thread: %s"),
                     mode_service_get_label (MODE_SERVICE (self)), error->message);

      g_object_unref (self);  /* the thread's */
      priv->state = THREAD_IDLE;
      g_mutex_lock (&priv->lock);
      priv->accepting = FALSE;
      g_mutex_unlock (&priv->lock);
      complete (self, priv->start_waiters, failed);
      return;
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THREAD_RUNNING]);
  keepalive_start (self);

  if (!priv->wait_for_thread)
    complete (self, priv->start_waiters, NULL);
}

static void
begin_stop (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  g_assert (priv->state == THREAD_LAUNCHING || priv->state == THREAD_RUNNING);

  priv->state = THREAD_STOPPING;
  keepalive_stop (self);

  g_mutex_lock (&priv->lock);
  priv->accepting = FALSE;
  g_mutex_unlock (&priv->lock);

  post (priv->thread_context, stop_in_thread, g_object_ref (self), g_object_unref);
}

static gboolean
relay_in_parent (gpointer data)
{
  Message *message = data;

  message->func (MODE_SERVICE (message->self), message->error, message->data);
  return G_SOURCE_REMOVE;
}

/* In the thread: an operation forwarded to the engine there; its result
 * goes back to the parent. */
static void
relay_done_in_thread (ModeService  *service,
                      const GError *error,
                      gpointer      data)
{
  Message *message = data;

  if (error != NULL)
    message->error = g_error_copy (error);
  post (GET_PRIV (message->self)->parent_context, relay_in_parent, message, message_free);
}

static gboolean
relay_start_in_thread (gpointer data)
{
  Message *message = data;

  _mode_service_engine_request (MODE_SERVICE (message->self), message->kind,
                        relay_done_in_thread, message);
  return G_SOURCE_REMOVE;
}

/* A start (START, START_CONTAINED, ENSURE), in the parent. */
static void
control_start (ModeServiceThread *self,
               ModeOpKind         kind,
               ModeOpDone         func,
               gpointer           data)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  g_autoptr(GError) error = NULL;
  Message *message;

  switch (priv->state)
    {
    case THREAD_IDLE:
      /* a parent's restart (ENSURE) restarts a stopped thread's service
       * there, without its on_restart */
      _mode_waiters_add (priv->start_waiters, func, data);
      launch (self, kind);
      return;

    case THREAD_LAUNCHING:
      if (priv->wait_for_thread)
        _mode_waiters_add (priv->start_waiters, func, data);
      else
        func (MODE_SERVICE (self), NULL, data);
      return;

    case THREAD_RUNNING:
      /* the engine in the thread answers (already started, or, for
       * ENSURE, restarts a crashed service there) */
      message = message_new (self, NULL);
      message->kind = kind;
      message->func = func;
      message->data = data;
      post (priv->thread_context, relay_start_in_thread, message, NULL);
      return;

    case THREAD_STOPPING:
    default:
      if (kind == MODE_OP_ENSURE)
        {
          /* started again once stopped */
          if (priv->next_waiters->len == 0)
            priv->next_kind = MODE_OP_ENSURE;
          _mode_waiters_add (priv->next_waiters, func, data);
          return;
        }
      error = g_error_new (MODE_ERROR, MODE_ERROR_ALREADY_STARTED,
                           _("Service %s was already started"),
                           mode_service_get_label (MODE_SERVICE (self)));
      func (MODE_SERVICE (self), error, data);
      return;
    }
}

static void
control_stop (ModeServiceThread *self,
              ModeOpDone         func,
              gpointer           data)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  switch (priv->state)
    {
    case THREAD_IDLE:
      /* no thread: the engine answers here (nothing to stop; who waits
       * for a stop hears of it) */
      _mode_service_engine_request (MODE_SERVICE (self), MODE_OP_STOP, func, data);
      return;

    case THREAD_LAUNCHING:
    case THREAD_RUNNING:
      _mode_waiters_add (priv->stop_waiters, func, data);
      begin_stop (self);
      return;

    case THREAD_STOPPING:
    default:
      _mode_waiters_add (priv->stop_waiters, func, data);
      if (priv->next_waiters->len > 0)
        {
          /* a stop wins over a restart still to come */
          g_autoptr(GError) error = _mode_service_thread_stopped_error (self);
          complete (self, priv->next_waiters, error);
        }
      return;
    }
}

static void
control_restart (ModeServiceThread *self,
                 ModeOpDone         func,
                 gpointer           data)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  switch (priv->state)
    {
    case THREAD_IDLE:
      _mode_waiters_add (priv->start_waiters, func, data);
      launch (self, MODE_OP_RESTART);
      return;

    case THREAD_LAUNCHING:
    case THREAD_RUNNING:
      priv->next_kind = MODE_OP_RESTART;
      _mode_waiters_add (priv->next_waiters, func, data);
      begin_stop (self);
      return;

    case THREAD_STOPPING:
    default:
      priv->next_kind = MODE_OP_RESTART;
      _mode_waiters_add (priv->next_waiters, func, data);
      return;
    }
}

/* A request, in the parent context, where the thread is launched and
 * joined. */
static void
control (ModeServiceThread *self,
         ModeOpKind         kind,
         ModeOpDone         func,
         gpointer           data)
{
  switch (kind)
    {
    case MODE_OP_START:
    case MODE_OP_START_CONTAINED:
    case MODE_OP_ENSURE:
      control_start (self, kind, func, data);
      return;

    case MODE_OP_STOP:
      control_stop (self, func, data);
      return;

    case MODE_OP_RESTART:
    default:
      control_restart (self, func, data);
      return;
    }
}

static gboolean
control_in_parent (gpointer data)
{
  Message *message = data;

  control (message->self, message->kind, message->func, message->data);
  return G_SOURCE_REMOVE;
}

/* The delegate's entry points, called from any thread. */
static void
delegate_begin (ModeService *service,
                ModeOpKind   kind,
                ModeOpDone   func,
                gpointer     data)
{
  ModeServiceThread *self = MODE_SERVICE_THREAD (service);
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  Message *message;

  if (_mode_context_is_current (priv->parent_context))
    {
      control (self, kind, func, data);
      return;
    }

  message = message_new (self, NULL);
  message->kind = kind;
  message->func = func;
  message->data = data;
  post (priv->parent_context, control_in_parent, message, message_free);
}

static gboolean
propagate_crash_in_parent (gpointer data)
{
  Message *message = data;

  _mode_service_propagate_crash (MODE_SERVICE (message->self), message->error);
  return G_SOURCE_REMOVE;
}

static void
delegate_propagate_crash (ModeService  *service,
                          const GError *reason)
{
  ModeServiceThread *self = MODE_SERVICE_THREAD (service);

  post (GET_PRIV (self)->parent_context, propagate_crash_in_parent,
        message_new (self, reason), message_free);
}

typedef struct
{
  ModeServiceThread *self;      /* (owned) */
  GSourceFunc        func;
  gpointer           data;
  GDestroyNotify     destroy;
} Call;

static void
call_free (gpointer data)
{
  Call *call = data;

  if (call->destroy != NULL)
    call->destroy (call->data);
  g_object_unref (call->self);
  g_free (call);
}

/* Moves @call's data into a new Call: @call keeps nothing to free. */
static Call *
call_copy (Call *call)
{
  Call *copy = g_memdup2 (call, sizeof *call);

  g_object_ref (copy->self);
  call->destroy = NULL;
  return copy;
}

static gboolean call_in_parent (gpointer data);

/* In the parent, once the thread ended: the calls that waited for it. */
static void
run_deferred_calls (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  Call *call;

  while (priv->state == THREAD_IDLE && (call = g_queue_pop_head (&priv->deferred)) != NULL)
    {
      call_in_parent (call);
      call_free (call);
    }
}

/* In the parent, where the thread is launched and joined: the thread's
 * context runs the call while there is a thread; with none, nothing
 * else touches the service, and the call runs here. */
static gboolean
call_in_parent (gpointer data)
{
  Call *call = data;
  ModeServiceThreadPrivate *priv = GET_PRIV (call->self);

  switch (priv->state)
    {
    case THREAD_LAUNCHING:
    case THREAD_RUNNING:
      /* before any stop this parent posts later, hence before the end */
      g_main_context_invoke_full (priv->thread_context, G_PRIORITY_DEFAULT,
                                  call->func, call->data, call->destroy);
      call->destroy = NULL;
      break;

    case THREAD_STOPPING:
      /* the thread may be past its last iteration: after its end */
      g_queue_push_tail (&priv->deferred, call_copy (call));
      break;

    case THREAD_IDLE:
    default:
      call->func (call->data);
      break;
    }

  return G_SOURCE_REMOVE;
}

static void
delegate_run_in_context (ModeService    *service,
                         GSourceFunc     func,
                         gpointer        data,
                         GDestroyNotify  destroy)
{
  ModeServiceThread *self = MODE_SERVICE_THREAD (service);
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  Call *call = g_new (Call, 1);

  call->self = g_object_ref (self);
  call->func = func;
  call->data = data;
  call->destroy = destroy;

  if (_mode_context_is_current (priv->parent_context))
    {
      call_in_parent (call);
      call_free (call);
      return;
    }

  post (priv->parent_context, call_in_parent, call, call_free);
}

static const ModeServiceDelegate thread_delegate = {
  .begin = delegate_begin,
  .propagate_crash = delegate_propagate_crash,
  .resolve = NULL,
  .run_in_context = delegate_run_in_context,
};

/* }}} */

/* Public API {{{ */

/**
 * mode_service_thread_new:
 *
 * Creates a service that runs in a thread of its own; it does nothing
 * but start and stop its dependencies there. Subclasses are more useful.
 *
 * Returns: (transfer full): a new #ModeServiceThread
 *
 * Since: 0.1
 */
ModeServiceThread *
mode_service_thread_new (void)
{
  return g_object_new (MODE_TYPE_SERVICE_THREAD, NULL);
}

/**
 * mode_service_thread_get_parent_context:
 * @self: a #ModeServiceThread
 *
 * Gets #ModeServiceThread:parent-context.
 *
 * Returns: (transfer none): the context that controls the service
 *
 * Since: 0.1
 */
GMainContext *
mode_service_thread_get_parent_context (ModeServiceThread *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE_THREAD (self), NULL);

  return GET_PRIV (self)->parent_context;
}

/**
 * mode_service_thread_get_thread_context:
 * @self: a #ModeServiceThread
 *
 * Gets #ModeServiceThread:thread-context.
 *
 * Returns: (transfer none): the context the thread runs
 *
 * Since: 0.1
 */
GMainContext *
mode_service_thread_get_thread_context (ModeServiceThread *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE_THREAD (self), NULL);

  return GET_PRIV (self)->thread_context;
}

/**
 * mode_service_thread_get_wait_for_thread:
 * @self: a #ModeServiceThread
 *
 * Gets #ModeServiceThread:wait-for-thread.
 *
 * Returns: whether a start waits for the service to run in its thread
 *
 * Since: 0.1
 */
gboolean
mode_service_thread_get_wait_for_thread (ModeServiceThread *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE_THREAD (self), FALSE);

  return GET_PRIV (self)->wait_for_thread;
}

/**
 * mode_service_thread_set_wait_for_thread:
 * @self: a #ModeServiceThread
 * @wait_for_thread: whether a start waits for the thread
 *
 * Sets #ModeServiceThread:wait-for-thread. Call it from the parent
 * context.
 *
 * Since: 0.1
 */
void
mode_service_thread_set_wait_for_thread (ModeServiceThread *self,
                                         gboolean           wait_for_thread)
{
  ModeServiceThreadPrivate *priv;

  g_return_if_fail (MODE_IS_SERVICE_THREAD (self));

  priv = GET_PRIV (self);
  wait_for_thread = !!wait_for_thread;
  if (priv->wait_for_thread == (guint) wait_for_thread)
    return;

  priv->wait_for_thread = wait_for_thread;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WAIT_FOR_THREAD]);
}

/**
 * mode_service_thread_get_keepalive_timeout:
 * @self: a #ModeServiceThread
 *
 * Gets #ModeServiceThread:keepalive-timeout.
 *
 * Returns: the time in seconds after which a silent thread is reported
 *
 * Since: 0.1
 */
gdouble
mode_service_thread_get_keepalive_timeout (ModeServiceThread *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE_THREAD (self), 0.0);

  return GET_PRIV (self)->keepalive_timeout;
}

/**
 * mode_service_thread_set_keepalive_timeout:
 * @self: a #ModeServiceThread
 * @seconds: the time after which a thread that did not answer is
 *   reported, or 0 for no keepalive
 *
 * Sets #ModeServiceThread:keepalive-timeout. It takes effect at the
 * next start; call it from the parent context.
 *
 * Since: 0.1
 */
void
mode_service_thread_set_keepalive_timeout (ModeServiceThread *self,
                                           gdouble            seconds)
{
  ModeServiceThreadPrivate *priv;

  g_return_if_fail (MODE_IS_SERVICE_THREAD (self));
  g_return_if_fail (seconds >= 0);

  priv = GET_PRIV (self);
  if (priv->keepalive_timeout == seconds)
    return;

  priv->keepalive_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEEPALIVE_TIMEOUT]);
}

/**
 * mode_service_thread_get_spin_time:
 * @self: a #ModeServiceThread
 *
 * Gets #ModeServiceThread:spin-time.
 *
 * Returns: how long, in seconds, each side polls for the other before
 *   it sleeps
 *
 * Since: 0.1
 */
gdouble
mode_service_thread_get_spin_time (ModeServiceThread *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE_THREAD (self), 0.0);

  return GET_PRIV (self)->spin_time;
}

/**
 * mode_service_thread_set_spin_time:
 * @self: a #ModeServiceThread
 * @seconds: how long each side polls for the other before it sleeps, or
 *   0 never to poll
 *
 * Sets #ModeServiceThread:spin-time. The thread's side takes it at the
 * next start, the caller's at the next call; call it from the parent
 * context.
 *
 * Since: 0.1
 */
void
mode_service_thread_set_spin_time (ModeServiceThread *self,
                                   gdouble            seconds)
{
  ModeServiceThreadPrivate *priv;

  g_return_if_fail (MODE_IS_SERVICE_THREAD (self));
  g_return_if_fail (seconds >= 0 && seconds <= 1.0);

  priv = GET_PRIV (self);
  if (priv->spin_time == seconds)
    return;

  priv->spin_time = seconds;
  /* set at construction: constructed() makes the source after */
  _mode_thread_reply_spin_set_time (self, seconds);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPIN_TIME]);
}

/**
 * mode_service_thread_get_thread_running:
 * @self: a #ModeServiceThread
 *
 * Gets #ModeServiceThread:thread-running. Call it from the parent
 * context.
 *
 * Returns: whether the service has a thread, from its launch until it
 *   was joined
 *
 * Since: 0.1
 */
gboolean
mode_service_thread_get_thread_running (ModeServiceThread *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE_THREAD (self), FALSE);

  return GET_PRIV (self)->thread != NULL;
}

/* }}} */

/* GObject {{{ */

static void
mode_service_thread_finalize (GObject *object)
{
  ModeServiceThread *self = MODE_SERVICE_THREAD (object);
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  ThreadCall *call;

  /* The thread holds a reference while it runs: it ended, but the
   * message that joins it was dropped with its context. */
  if (priv->thread != NULL)
    g_thread_join (g_steal_pointer (&priv->thread));

  while ((call = g_queue_pop_head (&priv->calls)) != NULL)
    _mode_thread_call_fail (self, call);
  g_queue_clear_full (&priv->deferred, call_free);

  keepalive_stop (self);
  _mode_thread_reply_spin_destroy (self);
  g_clear_pointer (&priv->loop, g_main_loop_unref);
  g_clear_error (&priv->stop_error);
  g_clear_pointer (&priv->start_waiters, g_array_unref);
  g_clear_pointer (&priv->stop_waiters, g_array_unref);
  g_clear_pointer (&priv->next_waiters, g_array_unref);
  g_clear_pointer (&priv->parent_context, g_main_context_unref);
  g_clear_pointer (&priv->thread_context, g_main_context_unref);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (mode_service_thread_parent_class)->finalize (object);
}

static void
mode_service_thread_constructed (GObject *object)
{
  ModeServiceThread *self = MODE_SERVICE_THREAD (object);
  ModeServiceThreadPrivate *priv = GET_PRIV (self);

  G_OBJECT_CLASS (mode_service_thread_parent_class)->constructed (object);

  /* a main-context given at construction is the thread's */
  priv->thread_context = g_main_context_ref (mode_service_get_main_context (MODE_SERVICE (self)));

  _mode_thread_reply_spin_attach (self);
}

static void
mode_service_thread_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ModeServiceThread *self = MODE_SERVICE_THREAD (object);

  switch (prop_id)
    {
    case PROP_PARENT_CONTEXT:
      g_value_set_boxed (value, mode_service_thread_get_parent_context (self));
      break;

    case PROP_THREAD_CONTEXT:
      g_value_set_boxed (value, mode_service_thread_get_thread_context (self));
      break;

    case PROP_WAIT_FOR_THREAD:
      g_value_set_boolean (value, mode_service_thread_get_wait_for_thread (self));
      break;

    case PROP_KEEPALIVE_TIMEOUT:
      g_value_set_double (value, mode_service_thread_get_keepalive_timeout (self));
      break;

    case PROP_SPIN_TIME:
      g_value_set_double (value, mode_service_thread_get_spin_time (self));
      break;

    case PROP_THREAD_RUNNING:
      g_value_set_boolean (value, mode_service_thread_get_thread_running (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_service_thread_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ModeServiceThread *self = MODE_SERVICE_THREAD (object);

  switch (prop_id)
    {
    case PROP_WAIT_FOR_THREAD:
      mode_service_thread_set_wait_for_thread (self, g_value_get_boolean (value));
      break;

    case PROP_KEEPALIVE_TIMEOUT:
      mode_service_thread_set_keepalive_timeout (self, g_value_get_double (value));
      break;

    case PROP_SPIN_TIME:
      mode_service_thread_set_spin_time (self, g_value_get_double (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_service_thread_class_init (ModeServiceThreadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _mode_service_thread_private_offset = ModeServiceThread_private_offset;

  object_class->constructed = mode_service_thread_constructed;
  object_class->finalize = mode_service_thread_finalize;
  object_class->get_property = mode_service_thread_get_property;
  object_class->set_property = mode_service_thread_set_property;

  _mode_service_class_set_delegate (MODE_SERVICE_CLASS (klass), &thread_delegate);

  /**
   * ModeServiceThread:parent-context:
   *
   * The context that controls the service: the thread-default context
   * of the thread that made it. Starts, stops and calls complete there
   * when they were made there; the keepalive runs there.
   *
   * Since: 0.1
   */
  properties[PROP_PARENT_CONTEXT] =
    g_param_spec_boxed ("parent-context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * ModeServiceThread:thread-context:
   *
   * The context the service's thread runs, its thread-default there;
   * the same as #ModeService:main-context. A main-context given at
   * construction is used; otherwise the service makes a new one.
   *
   * Since: 0.1
   */
  properties[PROP_THREAD_CONTEXT] =
    g_param_spec_boxed ("thread-context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * ModeServiceThread:wait-for-thread:
   *
   * Whether a start waits until the service runs in its thread (the
   * default), or completes as soon as the thread is launched.
   *
   * Since: 0.1
   */
  properties[PROP_WAIT_FOR_THREAD] =
    g_param_spec_boolean ("wait-for-thread", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * ModeServiceThread:keepalive-timeout:
   *
   * Seconds after which a thread that has not come back to its main
   * loop is reported with a warning naming the service; 0 turns the
   * keepalive off.
   *
   * The thread is never woken for it: it marks, at every iteration of
   * its main loop, when it goes to poll and when it comes back to
   * dispatch, and one that sleeps in poll answers however long it
   * sleeps. The parent context looks at the mark when a thread it saw
   * busy would have been busy for the whole timeout, and otherwise once
   * a timeout, on a timer rounded up to whole seconds (for timeouts of a
   * second or more) so that the checks of all the service threads of a
   * program come in one wake-up: an idle service thread costs its parent
   * context a wake-up every 3 to 4 s at most with the default timeout,
   * and itself none. A stall is reported between the timeout and a
   * second more after it began (exactly the timeout, for timeouts under a
   * second), then looked at a few times a timeout (at most once a second)
   * until the thread answers again.
   *
   * Since: 0.1
   */
  properties[PROP_KEEPALIVE_TIMEOUT] =
    g_param_spec_double ("keepalive-timeout", NULL, NULL,
                         0.0, G_MAXDOUBLE, 3.0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * ModeServiceThread:spin-time:
   *
   * The longest time, in seconds, for which the thread, after it ran
   * calls, and the parent context, while a call made from it has not run
   * yet, poll for the other side instead of sleeping, so that a call and
   * its answer do not wait for a thread to wake up: a round trip then
   * takes a few microseconds rather than tens.
   *
   * A side polls only while the other side is known to run: on another
   * processor than its own, and back in its main loop within the last
   * 25 µs (or, for the thread, running calls, or waking up for the call
   * the parent waits for). Polling for a side that cannot run (one that
   * waits for a processor, or for the very one the poller holds) makes
   * the round trip longer than sleeping, many times over on a busy
   * machine. Polls that found nothing, two or more in a row, make that
   * side sleep at once for its next 1, 3, 7... up to 1023 waits, and a
   * poll that finds the other side ends that: where polling helps, both
   * sides poll; where it does not, they sleep as with 0, polling in about
   * one wait in a thousand, for microseconds.
   *
   * The parent context waits in slices of 20 µs at most, between which
   * its other sources run; a call that completes its task later, after
   * its function returned, is waited for as usual. 0 never polls. A
   * machine with a single processor never polls, whatever this says.
   * Calls made from contexts other than
   * #ModeServiceThread:parent-context are answered without the caller's
   * side polling, and the thread polls for more calls only while the
   * parent context runs.
   *
   * Since: 0.1
   */
  properties[PROP_SPIN_TIME] =
    g_param_spec_double ("spin-time", NULL, NULL,
                         0.0, 1.0, DEFAULT_SPIN_TIME,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * ModeServiceThread:thread-running:
   *
   * Whether the service has a thread, from its launch until it ended
   * and was joined.
   *
   * Since: 0.1
   */
  properties[PROP_THREAD_RUNNING] =
    g_param_spec_boolean ("thread-running", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mode_service_thread_init (ModeServiceThread *self)
{
  ModeServiceThreadPrivate *priv = GET_PRIV (self);
  g_autoptr(GMainContext) context = g_main_context_new ();

  /* a context of its own, unless one is given at construction */
  _mode_service_set_main_context (MODE_SERVICE (self), context);

  priv->parent_context = g_main_context_ref_thread_default ();
  priv->wait_for_thread = TRUE;
  priv->keepalive_timeout = 3.0;
  priv->spin_time = DEFAULT_SPIN_TIME;
  priv->state = THREAD_IDLE;
  priv->start_waiters = _mode_waiters_new ();
  priv->stop_waiters = _mode_waiters_new ();
  priv->next_waiters = _mode_waiters_new ();
  priv->accepting = TRUE;
  g_mutex_init (&priv->lock);
  g_queue_init (&priv->calls);
  g_queue_init (&priv->deferred);
}

/* }}} */
