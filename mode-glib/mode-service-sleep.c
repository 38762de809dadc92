/* mode-service-sleep.c: sleep and wait
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A sleep or a wait of a service is a sleeper: its task, in the
 * service's list until a deadline, its events, a stop (or a crash) of
 * the service or its cancellable wakes it. A wait on one event
 * (mode_service_wait_async()), on the first of several
 * (mode_service_wait_any_async()) and on all of them
 * (mode_service_wait_all_async()) differ only in what the events'
 * waits do when they end.
 */

#include "config.h"

#include "mode-service-internal.h"

/* Sleep and wait {{{ */

typedef enum
{
  WAKE_DEADLINE,
  WAKE_EVENT,
  WAKE_STOPPED,
  WAKE_CANCELLED,
} WakeReason;

typedef struct
{
  ModeDeadline   deadline;
  GList          link;              /* in ServiceExtras.sleepers, data = the task */
  GSource       *cancel_source;     /* (owned) (nullable) */
  GCancellable  *event_cancellable; /* (owned) (nullable): wait only */
  guint          epoch;             /* ServiceExtras.wake_epoch when it began */
  gboolean       is_wait;
  gboolean       done;              /* woken alone (a stop wakes all at once:
                                     * sleeper_is_done()) */
  gboolean       all;               /* wait_all: every event, not the first */
  guint          n_left;            /* wait_all: the events not set yet */
  guint          fired;             /* wait_any: the index of the event set */
} Sleeper;

static void
sleeper_free (gpointer data)
{
  Sleeper *sleeper = data;

  g_assert (sleeper->cancel_source == NULL);
  g_clear_object (&sleeper->event_cancellable);
  g_free (sleeper);
}

static inline Sleeper *
sleeper_from_link (GList *link)
{
  return (Sleeper *) ((char *) link - G_STRUCT_OFFSET (Sleeper, link));
}

/* Woken: alone, or with every other sleeper of its service by a stop or
 * a crash since it began, which does not touch them (their return will) */
static inline gboolean
sleeper_is_done (ServiceExtras *extras,
                 Sleeper       *sleeper)
{
  return sleeper->done || sleeper->epoch != extras->wake_epoch;
}

/* What ends a sleeper's waiting but the list and the schedule: the
 * cancellable's source, the events' waits. */
static void
sleeper_end_waits (Sleeper *sleeper)
{
  sleeper->done = TRUE;
  if (sleeper->cancel_source != NULL)
    {
      g_source_destroy (sleeper->cancel_source);
      g_clear_pointer (&sleeper->cancel_source, g_source_unref);
    }
  if (sleeper->event_cancellable != NULL)
    g_cancellable_cancel (sleeper->event_cancellable);
}

/* Takes a sleeper out of the service's bookkeeping; returns FALSE when
 * it was woken already. */
static gboolean
sleeper_detach (GTask *task)
{
  ModeService *self = g_task_get_source_object (task);
  ServiceExtras *extras = GET_PRIV (self)->extras;
  Sleeper *sleeper = g_task_get_task_data (task);

  if (sleeper_is_done (extras, sleeper))
    return FALSE;

  _mode_scheduler_remove (_mode_service_get_scheduler (self), &sleeper->deadline);
  g_queue_unlink (&extras->sleepers, &sleeper->link);
  sleeper_end_waits (sleeper);

  return TRUE;
}

static void
sleeper_wake (GTask      *task,
              WakeReason  reason)
{
  ModeService *self = g_task_get_source_object (task);
  Sleeper *sleeper = g_task_get_task_data (task);

  if (!sleeper_detach (task))
    return;

  switch (reason)
    {
    case WAKE_DEADLINE:
      if (sleeper->is_wait)
        g_task_return_new_error (task, MODE_ERROR, MODE_ERROR_TIMEOUT,
                                 _("Service %s: timed out waiting"),
                                 mode_service_get_label (self));
      else
        g_task_return_boolean (task, TRUE);
      break;

    case WAKE_EVENT:
      g_task_return_boolean (task, TRUE);
      break;

    case WAKE_STOPPED:
      g_task_return_boolean (task, FALSE);
      break;

    case WAKE_CANCELLED:
    default:
      g_task_return_error_if_cancelled (task);
      break;
    }

  g_object_unref (task); /* the queue's */
}

static void
sleeper_deadline (ModeDeadline *deadline,
                  gpointer      data)
{
  sleeper_wake (data, WAKE_DEADLINE);
}

static gboolean
sleeper_cancelled (GCancellable *cancellable,
                   gpointer      data)
{
  sleeper_wake (data, WAKE_CANCELLED);
  return G_SOURCE_REMOVE;
}

static void
sleeper_event_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(GTask) task = data;

  if (mode_event_wait_finish (MODE_EVENT (object), result, NULL))
    sleeper_wake (task, WAKE_EVENT);
}

#if defined(__GNUC__)
# define prefetch(p) __builtin_prefetch ((p))
#else
# define prefetch(p) ((void) (p))
#endif

/* Completes, in one idle, the sleepers a stop (or a crash) woke, then
 * lets a stop that waits for them go on and cancel the tasks. */
static gboolean
stopped_sleepers_return (gpointer data)
{
  ModeService *self = data;
  ServiceExtras *extras = GET_PRIV (self)->extras;
  ModeOp *op = g_steal_pointer (&extras->waking_op);
  GQueue woken = extras->woken;
  GList *l;

  g_queue_init (&extras->woken);

  /* in a dispatch of the tasks' context: each completes at once, and a
   * task that ends because of it completes at once too, its cancellable
   * not cancelled yet (GTask completes a cancelled task in an idle of
   * its own: what made a stop with 10,000 parked tasks slow); each let
   * go of right after, while its memory is at hand */
  while ((l = g_queue_pop_head_link (&woken)) != NULL)
    {
      GTask *task = l->data;  /* the list's reference */
      Sleeper *sleeper = sleeper_from_link (l);

      /* the next one's task, and the sleeper after it, on their way to
       * the cache while this one returns: ten thousand parked tasks are
       * more than the cache holds */
      if (woken.head != NULL)
        {
          prefetch (woken.head->next);
          prefetch (woken.head->data);
          prefetch ((char *) woken.head->data + 64);
          prefetch ((char *) woken.head->data + 128);
        }

      _mode_deadline_forget (&sleeper->deadline);
      sleeper_end_waits (sleeper);
      g_task_return_boolean (task, FALSE);
      g_object_unref (task);
    }

  if (op != NULL)
    _mode_op_continue (op);

  return G_SOURCE_REMOVE;
}

/* A stop wakes every sleeper: they return FALSE in the next iteration,
 * all from one idle rather than one each. Waking them touches none of
 * them when it can (memory that their return touches again): their
 * deadlines leave the schedule as a group, a new epoch marks them woken,
 * and the whole list moves to the woken ones. */
void
_mode_service_wake_sleepers (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = priv->extras;
  ModeScheduler *scheduler;

  if (extras == NULL || extras->sleepers.length == 0)
    return;

  if (extras->woken.length == 0)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, stopped_sleepers_return, g_object_ref (self),
                             g_object_unref);
      g_source_set_static_name (source, "[mode] stopped sleepers");
      g_source_attach (source, priv->context);
      g_source_unref (source);
    }

  scheduler = _mode_service_get_scheduler (self);
  if (!_mode_scheduler_remove_group (scheduler, &extras->sleepers, extras->sleepers.length))
    for (GList *l = extras->sleepers.head; l != NULL; l = l->next)
      _mode_scheduler_remove (scheduler, &sleeper_from_link (l)->deadline);
  extras->wake_epoch++;

  /* the whole list, with the list's references, after those woken
   * already and not returned yet */
  if (extras->woken.tail != NULL)
    {
      extras->woken.tail->next = extras->sleepers.head;
      extras->sleepers.head->prev = extras->woken.tail;
    }
  else
    extras->woken.head = extras->sleepers.head;
  extras->woken.tail = extras->sleepers.tail;
  extras->woken.length += extras->sleepers.length;
  g_queue_init (&extras->sleepers);
}

typedef struct
{
  GTask     *task;    /* (owned) */
  ModeEvent *event;   /* (owned) (nullable) */
  GPtrArray *events;  /* (owned) (nullable) (element-type ModeEvent): wait_any, wait_all */
  gboolean   all;     /* wait_all */
  gdouble    seconds; /* < 0: no deadline */
} SleepCall;

static void
sleep_call_free (gpointer data)
{
  SleepCall *call = data;

  g_clear_object (&call->task);
  g_clear_object (&call->event);
  g_clear_pointer (&call->events, g_ptr_array_unref);
  g_free (call);
}

/* Waiting on many {{{
 *
 * Each event of a wait_any or a wait_all has a wait of its own, all
 * under the sleeper's event cancellable: when the sleeper wakes, for
 * whatever reason, the others end. */

typedef struct
{
  GTask *task;   /* (owned): the sleeper's */
  guint  index;  /* of the event in the call's array */
} EventWait;

static void
many_event_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      data)
{
  EventWait *wait = data;
  g_autoptr(GTask) task = wait->task;
  Sleeper *sleeper = g_task_get_task_data (task);
  guint index = wait->index;

  g_free (wait);

  if (!mode_event_wait_finish (MODE_EVENT (object), result, NULL) ||
      sleeper_is_done (GET_PRIV (MODE_SERVICE (g_task_get_source_object (task)))->extras, sleeper))
    return;
  if (sleeper->all && --sleeper->n_left > 0)
    return;

  sleeper->fired = index;
  sleeper_wake (task, WAKE_EVENT);
}

/* Whether the wait is over before it begins: for wait_any, an event set
 * already (the first in the array); for wait_all, every one. Otherwise
 * @waited holds the indexes of the events to wait for. */
static gboolean
many_already_set (SleepCall *call,
                  Sleeper   *sleeper,
                  GArray    *waited)
{
  for (guint i = 0; i < call->events->len; i++)
    {
      if (!mode_event_is_set (g_ptr_array_index (call->events, i)))
        g_array_append_val (waited, i);
      else if (!call->all)
        {
          sleeper->fired = i;
          return TRUE;
        }
    }

  sleeper->n_left = waited->len;
  return call->all && waited->len == 0;
}

static void
many_wait (SleepCall *call,
           Sleeper   *sleeper,
           GArray    *waited)
{
  for (guint i = 0; i < waited->len; i++)
    {
      EventWait *wait = g_new0 (EventWait, 1);

      wait->task = g_object_ref (call->task);
      wait->index = g_array_index (waited, guint, i);
      mode_event_wait_async (g_ptr_array_index (call->events, wait->index),
                             sleeper->event_cancellable, many_event_done, wait);
    }
}

/* }}} */

static gboolean
sleep_in_context (gpointer data)
{
  SleepCall *call = data;
  GTask *task = call->task;
  ModeService *self = g_task_get_source_object (task);
  ModeServicePrivate *priv = GET_PRIV (self);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GArray) waited = NULL;
  ServiceExtras *extras;
  Sleeper *sleeper;

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;

  if (service_should_stop (priv))
    {
      g_task_return_boolean (task, FALSE);
      return G_SOURCE_REMOVE;
    }

  if (call->event != NULL && mode_event_is_set (call->event))
    {
      g_task_return_boolean (task, TRUE);
      return G_SOURCE_REMOVE;
    }

  sleeper = g_new0 (Sleeper, 1);
  sleeper->is_wait = g_task_get_source_tag (task) != mode_service_sleep_async;
  sleeper->all = call->all;
  sleeper->link.data = task;
  sleeper->deadline.func = sleeper_deadline;
  sleeper->deadline.data = task;
  g_task_set_task_data (task, sleeper, sleeper_free);

  if (call->events != NULL)
    {
      waited = g_array_sized_new (FALSE, FALSE, sizeof (guint), call->events->len);
      if (many_already_set (call, sleeper, waited))
        {
          sleeper->done = TRUE;
          g_task_return_boolean (task, TRUE);
          return G_SOURCE_REMOVE;
        }
    }

  extras = service_get_extras (self);
  sleeper->epoch = extras->wake_epoch;
  sleeper->deadline.group = &extras->sleepers;

  g_queue_push_tail_link (&extras->sleepers, &sleeper->link);
  g_object_ref (task); /* the queue's */

  if (call->seconds >= 0)
    _mode_service_schedule (self, &sleeper->deadline, _mode_service_deadline (self, call->seconds));

  if (cancellable != NULL)
    {
      sleeper->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (sleeper->cancel_source, "[mode] sleep cancelled");
      g_source_set_callback (sleeper->cancel_source, G_SOURCE_FUNC (sleeper_cancelled),
                             g_object_ref (task), g_object_unref);
      g_source_attach (sleeper->cancel_source, priv->context);
    }

  if (call->event != NULL)
    {
      sleeper->event_cancellable = g_cancellable_new ();
      mode_event_wait_async (call->event, sleeper->event_cancellable,
                             sleeper_event_done, g_object_ref (task));
    }
  else if (call->events != NULL)
    {
      sleeper->event_cancellable = g_cancellable_new ();
      many_wait (call, sleeper, waited);
    }

  return G_SOURCE_REMOVE;
}

/* }}} */

/* }}} */


static void
sleep_dispatch (ModeService         *self,
                gpointer             source_tag,
                const char          *name,
                ModeEvent           *event,
                gdouble              seconds,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  SleepCall *call = g_new0 (SleepCall, 1);

  call->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_name (call->task, name);
  g_task_set_source_tag (call->task, source_tag);
  call->event = event != NULL ? g_object_ref (event) : NULL;
  call->seconds = seconds;

  _mode_service_run_in_context (self, sleep_in_context, call, sleep_call_free);
}

/* The calls on many events {{{ */

static void
many_dispatch (ModeService         *self,
               gpointer             source_tag,
               const char          *name,
               ModeEvent          **events,
               guint                n_events,
               gboolean             all,
               gdouble              timeout,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  SleepCall *call = g_new0 (SleepCall, 1);

  call->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_name (call->task, name);
  g_task_set_source_tag (call->task, source_tag);
  call->events = g_ptr_array_new_full (n_events, g_object_unref);
  for (guint i = 0; i < n_events; i++)
    g_ptr_array_add (call->events, g_object_ref (events[i]));
  call->all = all;
  call->seconds = timeout;

  _mode_service_run_in_context (self, sleep_in_context, call, sleep_call_free);
}

static gboolean
events_are_valid (ModeEvent **events,
                  guint       n_events)
{
  if (events == NULL && n_events > 0)
    return FALSE;
  for (guint i = 0; i < n_events; i++)
    if (!MODE_IS_EVENT (events[i]))
      return FALSE;
  return TRUE;
}

/**
 * mode_service_wait_any_async:
 * @self: a #ModeService
 * @events: (array length=n_events): the events to wait for, at least one
 * @n_events: the number of @events
 * @timeout: the most seconds to wait, or less than 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the wait is over
 * @user_data: data for @callback
 *
 * Waits for the first of @events to be set, for the service to stop or
 * crash, or for @timeout seconds to pass on the service's #ModeClock,
 * whichever comes first: Mode's `wait_first`. It ends as
 * mode_service_wait_async() ends, and
 * mode_service_wait_any_finish() says which event was set.
 *
 * An event set already when the wait begins ends it at once (the first
 * such in @events); a service told to stop already ends it at once too,
 * and comes first. Setting one event while waiting is enough: the
 * others are not waited for any more.
 *
 * |[<!-- language="C" -->
 * static void
 * on_first (GObject *object, GAsyncResult *result, gpointer data)
 * {
 *   g_autoptr(GError) error = NULL;
 *   guint index;
 *
 *   if (mode_service_wait_any_finish (MODE_SERVICE (object), result, &index, &error))
 *     g_message ("event %u was set", index);
 *   else if (error == NULL)
 *     g_message ("the service stopped first");
 *   else
 *     g_message ("%s", error->message);  // timed out, or cancelled
 * }
 *
 * ModeEvent *events[] = { ready, failed };
 * mode_service_wait_any_async (service, events, G_N_ELEMENTS (events), 30.0,
 *                              NULL, on_first, NULL);
 * ]|
 *
 * From Python: `service.wait_any_async([ready, failed], 30.0, None, on_first)`,
 * and in the callback `ok, index = service.wait_any_finish(result)`.
 *
 * Since: 0.1
 */
void
mode_service_wait_any_async (ModeService         *self,
                             ModeEvent          **events,
                             guint                n_events,
                             gdouble              timeout,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (n_events > 0);
  g_return_if_fail (events_are_valid (events, n_events));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  many_dispatch (self, mode_service_wait_any_async, "[mode] wait any", events, n_events,
                 FALSE, timeout, cancellable, callback, user_data);
}

/**
 * mode_service_wait_any_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @index: (out) (optional): where to store the index in the events of
 *   the event that was set; set only when %TRUE is returned
 * @error: return location for a #GError
 *
 * Finishes mode_service_wait_any_async().
 *
 * Returns: %TRUE when one of the events was set (@index says which),
 *   %FALSE when the service stopped or crashed first, or %FALSE with
 *   @error set to %MODE_ERROR_TIMEOUT when the timeout passed (or to
 *   %G_IO_ERROR_CANCELLED)
 *
 * Since: 0.1
 */
gboolean
mode_service_wait_any_finish (ModeService   *self,
                              GAsyncResult  *result,
                              guint         *index,
                              GError       **error)
{
  Sleeper *sleeper;
  gboolean set;

  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_wait_any_async), FALSE);

  set = g_task_propagate_boolean ((GTask *) result, error);
  sleeper = g_task_get_task_data ((GTask *) result);
  if (set && index != NULL)
    *index = sleeper->fired;

  return set;
}

/**
 * mode_service_wait_all_async:
 * @self: a #ModeService
 * @events: (array length=n_events): the events to wait for
 * @n_events: the number of @events
 * @timeout: the most seconds to wait, or less than 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the wait is over
 * @user_data: data for @callback
 *
 * Waits until every one of @events has been set, for the service to
 * stop or crash, or for @timeout seconds to pass on the service's
 * #ModeClock, whichever comes first: Mode's `wait_many`. It ends as
 * mode_service_wait_async() ends.
 *
 * An event counts once it was set, before the wait began or during it,
 * even if it is cleared again before the others are set. With no
 * events, the wait is over at once (unless the service was told to stop
 * already, which comes first).
 *
 * |[<!-- language="C" -->
 * ModeEvent *events[] = { db_ready, cache_ready };
 * mode_service_wait_all_async (service, events, G_N_ELEMENTS (events), 30.0,
 *                              NULL, on_all_ready, NULL);
 * ]|
 *
 * Since: 0.1
 */
void
mode_service_wait_all_async (ModeService         *self,
                             ModeEvent          **events,
                             guint                n_events,
                             gdouble              timeout,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (events_are_valid (events, n_events));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  many_dispatch (self, mode_service_wait_all_async, "[mode] wait all", events, n_events,
                 TRUE, timeout, cancellable, callback, user_data);
}

/**
 * mode_service_wait_all_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_wait_all_async().
 *
 * Returns: %TRUE when every event was set, %FALSE when the service
 *   stopped or crashed first, or %FALSE with @error set to
 *   %MODE_ERROR_TIMEOUT when the timeout passed (or to
 *   %G_IO_ERROR_CANCELLED)
 *
 * Since: 0.1
 */
gboolean
mode_service_wait_all_finish (ModeService   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_wait_all_async), FALSE);

  return g_task_propagate_boolean ((GTask *) result, error);
}

/* }}} */

/**
 * mode_service_sleep_async:
 * @self: a #ModeService
 * @seconds: how long to sleep, 0 or more
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the time passed or the service
 *   must stop
 * @user_data: data for @callback
 *
 * Sleeps for @seconds on the service's #ModeClock, or less when the
 * service stops or crashes meanwhile: a task that loops on this call
 * ends promptly when its service stops.
 *
 * Since: 0.1
 */
void
mode_service_sleep_async (ModeService         *self,
                          gdouble              seconds,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (seconds >= 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  sleep_dispatch (self, mode_service_sleep_async, "[mode] sleep", NULL,
                  seconds, cancellable, callback, user_data);
}

/**
 * mode_service_sleep_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_sleep_async().
 *
 * Returns: %TRUE when the whole time passed, %FALSE when the service
 *   stopped or crashed first (or with @error set when cancelled)
 *
 * Since: 0.1
 */
gboolean
mode_service_sleep_finish (ModeService   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  /* a GTask (g_task_is_valid()): its own tag and plain casts, cheaper than
   * through GAsyncResult and checked casts, and sleeps are many */
  g_return_val_if_fail (g_task_get_source_tag ((GTask *) result) == mode_service_sleep_async, FALSE);

  return g_task_propagate_boolean ((GTask *) result, error);
}

/**
 * mode_service_wait_async:
 * @self: a #ModeService
 * @event: (nullable): the #ModeEvent to wait for, or %NULL to wait only
 *   for the service to stop
 * @timeout: the most seconds to wait, or less than 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the wait is over
 * @user_data: data for @callback
 *
 * Waits for @event to be set, for the service to stop or crash, or for
 * @timeout seconds to pass on the service's #ModeClock, whichever comes
 * first.
 *
 * Since: 0.1
 */
void
mode_service_wait_async (ModeService         *self,
                         ModeEvent           *event,
                         gdouble              timeout,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (event == NULL || MODE_IS_EVENT (event));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  sleep_dispatch (self, mode_service_wait_async, "[mode] wait", event,
                  timeout, cancellable, callback, user_data);
}

/**
 * mode_service_wait_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_wait_async().
 *
 * Returns: %TRUE when the event was set, %FALSE when the service stopped
 *   or crashed first, or %FALSE with @error set to %MODE_ERROR_TIMEOUT
 *   when the timeout passed (or to %G_IO_ERROR_CANCELLED)
 *
 * Since: 0.1
 */
gboolean
mode_service_wait_finish (ModeService   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  /* a GTask (g_task_is_valid()): its own tag and plain casts, cheaper than
   * through GAsyncResult and checked casts, and sleeps are many */
  g_return_val_if_fail (g_task_get_source_tag ((GTask *) result) == mode_service_wait_async, FALSE);

  return g_task_propagate_boolean ((GTask *) result, error);
}

