/* mode-queue-waits.c: ModeQueue's items and waits: the ring buffer of
 * items, the producers and consumers that wait and how a change moves
 * them (_mode_queue_pump_locked()), cancellation, and the watch of the
 * owner service's stop that ends every wait.
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-queue-private.h"
#include "mode-error.h"
#include "mode-i18n.h"
#include "mode-service.h"

/* Items {{{ */

void
_mode_queue_value_free (gpointer data)
{
  GValue *value = data;

  g_value_unset (value);
  g_free (value);
}

void
_mode_queue_entry_free (Entry *entry)
{
  if (entry->destroy != NULL)
    entry->destroy (entry->data);
}

/* A copy of @value, or a %NULL pointer value for NULL. */
Entry
_mode_queue_entry_for_value (const GValue *value)
{
  GValue *copy = g_new0 (GValue, 1);
  Entry entry = { copy, _mode_queue_value_free };

  if (value == NULL)
    g_value_init (copy, G_TYPE_POINTER);
  else
    {
      g_value_init (copy, G_VALUE_TYPE (value));
      g_value_copy (value, copy);
    }
  return entry;
}

/* Moves @entry into @value, which must be unset. */
void
_mode_queue_entry_to_value (Entry  *entry,
                GValue *value)
{
  if (entry->destroy == _mode_queue_value_free)
    {
      GValue *held = entry->data;

      *value = *held;
      g_free (held);
    }
  else
    {
      /* a pointer item: the caller owns it now */
      g_value_init (value, G_TYPE_POINTER);
      g_value_set_pointer (value, entry->data);
    }
}

gboolean
_mode_queue_has_room (ModeQueue *self)
{
  return self->capacity == 0 || self->length < self->capacity;
}

void
_mode_queue_ring_push (ModeQueue *self,
           Entry     *entry)
{
  if (self->length == self->ring_size)
    {
      guint size = self->ring_size == 0 ? 16 : self->ring_size * 2;
      Entry *ring = g_new (Entry, size);

      /* unrolled in order, from head */
      for (guint i = 0; i < self->length; i++)
        ring[i] = self->ring[(self->head + i) & (self->ring_size - 1)];
      g_free (self->ring);
      self->ring = ring;
      self->ring_size = size;
      self->head = 0;
    }

  self->ring[(self->head + self->length) & (self->ring_size - 1)] = *entry;
  self->length++;
}

Entry
_mode_queue_ring_pop (ModeQueue *self)
{
  Entry entry = self->ring[self->head];

  g_assert (self->length > 0);
  self->head = (self->head + 1) & (self->ring_size - 1);
  self->length--;
  return entry;
}

/* Takes every queued item out, into @ring and @length (to free them once
 * the mutex is released). */
void
_mode_queue_ring_steal (ModeQueue *self,
            Entry    **ring,
            guint     *length)
{
  Entry *items = g_new (Entry, MAX (self->length, 1));

  for (guint i = 0; i < self->length; i++)
    items[i] = self->ring[(self->head + i) & (self->ring_size - 1)];
  *ring = items;
  *length = self->length;
  self->head = 0;
  self->length = 0;
}

/* }}} */

/* Waits {{{ */

static void
waiter_free (gpointer data)
{
  Waiter *waiter = data;

  g_assert (waiter->list == NULL);
  /* an item popped whose result was never finished, or never pushed */
  if (waiter->has_entry)
    _mode_queue_entry_free (&waiter->entry);
  g_clear_error (&waiter->error);
  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  g_free (waiter);
}

/* Under the mutex: takes the first wait out of @list into @done. */
static Waiter *
take_first_locked (GQueue *list,
                   GQueue *done)
{
  GList *link = g_queue_pop_head_link (list);
  Waiter *waiter = g_task_get_task_data (link->data);

  waiter->list = NULL;
  g_queue_push_tail_link (done, link);
  return waiter;
}

/* Under the mutex: moves what can move, ends the waits it answers (into
 * @done, to complete once the mutex is released). */
void
_mode_queue_pump_locked (ModeQueue *self,
             GQueue    *done)
{
  while (!self->paused)
    {
      if (self->getters.length > 0)
        {
          if (self->errors.length > 0)
            {
              Waiter *getter = take_first_locked (&self->getters, done);

              getter->error = g_queue_pop_head (&self->errors);
              continue;
            }
          if (self->length > 0)
            {
              Waiter *getter = take_first_locked (&self->getters, done);

              getter->entry = _mode_queue_ring_pop (self);
              getter->has_entry = TRUE;
              continue;
            }
          if (self->putters.length > 0)
            {
              /* empty but a producer waits (a queue just resumed): the
               * item goes from one to the other */
              Waiter *getter = take_first_locked (&self->getters, done);
              Waiter *putter = take_first_locked (&self->putters, done);

              getter->entry = putter->entry;
              getter->has_entry = TRUE;
              putter->has_entry = FALSE;
              continue;
            }
        }

      if (self->putters.length > 0 && _mode_queue_has_room (self))
        {
          Waiter *putter = take_first_locked (&self->putters, done);

          _mode_queue_ring_push (self, &putter->entry);
          putter->has_entry = FALSE;
          continue;
        }

      break;
    }
}

/* Completes the waits of @done, the mutex released: each in its task's
 * context, now when that is where this runs, otherwise from an idle
 * there (GTask decides). */
void
_mode_queue_complete_waits (GQueue *done)
{
  GList *link;

  while ((link = g_queue_pop_head_link (done)) != NULL)
    {
      GTask *task = link->data;
      Waiter *waiter = g_task_get_task_data (task);

      if (waiter->cancel_source != NULL)
        g_source_destroy (waiter->cancel_source);

      if (waiter->error != NULL)
        {
          if (waiter->is_push && waiter->has_entry)
            {
              waiter->has_entry = FALSE;
              _mode_queue_entry_free (&waiter->entry);
            }
          g_task_return_error (task, g_steal_pointer (&waiter->error));
        }
      else
        g_task_return_boolean (task, TRUE);

      g_object_unref (task); /* the queue's */
    }
}

static void watch_arm (ModeQueue *self);

/* Runs in the task's context, never inside the cancelling call. */
static gboolean
wait_cancelled (GCancellable *cancellable,
                gpointer      data)
{
  GTask *task = data;
  ModeQueue *self = g_task_get_source_object (task);
  Waiter *waiter = g_task_get_task_data (task);
  gboolean mine = FALSE;

  g_mutex_lock (&self->mutex);
  if (waiter->list != NULL)
    {
      g_queue_unlink (waiter->list, &waiter->link);
      waiter->list = NULL;
      mine = TRUE;
    }
  g_mutex_unlock (&self->mutex);

  if (mine)
    {
      if (waiter->has_entry)
        {
          waiter->has_entry = FALSE;
          _mode_queue_entry_free (&waiter->entry);
        }
      g_task_return_error_if_cancelled (task);
      g_object_unref (task); /* the queue's */
    }

  return G_SOURCE_REMOVE;
}

GTask *
_mode_queue_wait_new (ModeQueue           *self,
          gboolean             is_push,
          gpointer             source_tag,
          const char          *name,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Waiter *waiter = g_new0 (Waiter, 1);

  g_task_set_name (task, name);
  g_task_set_source_tag (task, source_tag);
  waiter->link.data = task;
  waiter->is_push = is_push;
  g_task_set_task_data (task, waiter, waiter_free);

  return task;
}

/* Queues the wait of @task (a new one, its entry set for a push) behind
 * the others and moves what can move: it may be answered at once (in a
 * later iteration: GTask never completes a task inside the call that
 * made it). */
void
_mode_queue_wait_begin (ModeQueue *self,
            GTask     *task)
{
  Waiter *waiter = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GQueue done = G_QUEUE_INIT;
  gboolean arm = FALSE;

  if (g_task_return_error_if_cancelled (task))
    {
      if (waiter->has_entry)
        {
          waiter->has_entry = FALSE;
          _mode_queue_entry_free (&waiter->entry);
        }
      g_object_unref (task);
      return;
    }

  /* before the wait can be answered, by any thread */
  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (waiter->cancel_source, "[mode] queue wait cancelled");
      g_task_attach_source (task, waiter->cancel_source, G_SOURCE_FUNC (wait_cancelled));
    }

  g_mutex_lock (&self->mutex);
  waiter->list = waiter->is_push ? &self->putters : &self->getters;
  g_queue_push_tail_link (waiter->list, &waiter->link);  /* the task is the queue's */
  _mode_queue_pump_locked (self, &done);
  if (waiter->list != NULL && self->has_service && !self->watching)
    {
      self->watching = TRUE;
      arm = TRUE;
    }
  g_mutex_unlock (&self->mutex);

  _mode_queue_complete_waits (&done);
  if (arm)
    watch_arm (self);
}

/* }}} */

/* The owner service's stop {{{ */

/* The queue, held weakly by a watch in flight. */
typedef struct
{
  GWeakRef queue;
} WatchRef;

static gboolean
stopped_in_context (gpointer data)
{
  ModeQueue *self = MODE_QUEUE (data);
  g_autoptr(ModeService) service = g_weak_ref_get (&self->service);
  const char *label = service != NULL ? mode_service_get_label (service) : "";
  GQueue done = G_QUEUE_INIT;

  g_mutex_lock (&self->mutex);
  while (self->getters.length > 0 || self->putters.length > 0)
    {
      Waiter *waiter = take_first_locked (self->getters.length > 0 ? &self->getters : &self->putters,
                                          &done);

      waiter->error = g_error_new (MODE_ERROR, MODE_ERROR_STOPPED,
                                   _("Service %s stopped: the queue's wait ended"),
                                   label);
    }
  g_mutex_unlock (&self->mutex);

  _mode_queue_complete_waits (&done);
  return G_SOURCE_REMOVE;
}

static void
watch_done (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  WatchRef *ref = data;
  g_autoptr(ModeQueue) self = g_weak_ref_get (&ref->queue);
  gboolean stopped;
  GSource *idle;

  stopped = mode_service_wait_until_stopped_finish (MODE_SERVICE (source), result, NULL);
  g_weak_ref_clear (&ref->queue);
  g_free (ref);

  /* cancelled: the queue is gone */
  if (self == NULL || !stopped)
    return;

  /* the next wait watches again: after a restart, it waits */
  g_mutex_lock (&self->mutex);
  self->watching = FALSE;
  g_mutex_unlock (&self->mutex);

  /* from an idle: the callbacks of the waits run after the stop's step,
   * in the same iteration as the service's woken sleepers */
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_static_name (idle, "[mode] queue: service stopped");
  g_source_set_callback (idle, stopped_in_context, g_object_ref (self), g_object_unref);
  g_source_attach (idle, mode_service_get_main_context (MODE_SERVICE (source)));
  g_source_unref (idle);
}

/* In the service's context: the watch's task belongs there, so that its
 * answer comes wherever the waits were begun. */
static gboolean
watch_arm_in_context (gpointer data)
{
  ModeQueue *self = MODE_QUEUE (data);
  g_autoptr(ModeService) service = g_weak_ref_get (&self->service);
  GMainContext *context;
  WatchRef *ref;

  if (service == NULL)
    return G_SOURCE_REMOVE;  /* gone: it never stops now */

  context = mode_service_get_main_context (service);
  ref = g_new0 (WatchRef, 1);
  g_weak_ref_init (&ref->queue, self);

  g_main_context_push_thread_default (context);
  mode_service_wait_until_stopped_async (service, self->watch_cancellable, watch_done, ref);
  g_main_context_pop_thread_default (context);

  return G_SOURCE_REMOVE;
}

/* Watches the service's stop, from any thread. */
static void
watch_arm (ModeQueue *self)
{
  g_autoptr(ModeService) service = g_weak_ref_get (&self->service);
  GSource *source;

  if (service == NULL)
    return;

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[mode] queue: watch the service");
  g_source_set_callback (source, watch_arm_in_context, g_object_ref (self), g_object_unref);
  g_source_attach (source, mode_service_get_main_context (service));
  g_source_unref (source);
}

/* }}} */
