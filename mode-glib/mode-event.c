/* mode-event.c
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-event.h"

/**
 * SECTION:mode-event
 * @Title: ModeEvent
 * @Short_description: a flag that can be waited for
 *
 * A #ModeEvent is a flag, set or not, that asynchronous code waits for:
 * mode_event_wait_async() completes once the event is set, at once when
 * it is set already. Setting an event wakes every waiter, each in the
 * main context it waited from. mode_event_set() may be called from any
 * thread, so a worker thread can tell the main thread that it is done.
 *
 * mode_service_wait_async() waits for an event on behalf of a service,
 * and also wakes up when the service stops or crashes.
 *
 * |[<!-- language="C" -->
 * static void
 * on_ready (GObject *source, GAsyncResult *result, gpointer user_data)
 * {
 *   if (mode_event_wait_finish (MODE_EVENT (source), result, NULL))
 *     g_print ("ready\n");
 * }
 *
 * mode_event_wait_async (ready, NULL, on_ready, NULL);
 * ...
 * mode_event_set (ready);
 * ]|
 */

/**
 * ModeEvent:
 *
 * A flag that can be waited for.
 *
 * Since: 0.1
 */

typedef enum
{
  WAITER_QUEUED,    /* in ModeEvent.waiters */
  WAITER_DONE,      /* taken by mode_event_set() or by the cancellable */
} WaiterState;

/* The task data of a wait's task. */
typedef struct
{
  GList          link;           /* in ModeEvent.waiters */
  GSource       *cancel_source;  /* (owned) (nullable) */
  WaiterState    state;          /* under the event's mutex */
} Waiter;

struct _ModeEvent
{
  GObject  parent_instance;

  GMutex   mutex;
  GQueue   waiters;           /* (element-type GTask), under mutex; each owned */
  gboolean is_set;            /* under mutex */
};

G_DEFINE_FINAL_TYPE (ModeEvent, mode_event, G_TYPE_OBJECT)

static void
waiter_free (gpointer data)
{
  Waiter *waiter = data;

  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  g_free (waiter);
}

/* The cancel source holds a reference on the task: destroy it when the
 * wait is over, wherever that happens (g_source_destroy() is thread-safe). */
static void
waiter_detach_source (Waiter *waiter)
{
  if (waiter->cancel_source != NULL)
    g_source_destroy (waiter->cancel_source);
}

static void
mode_event_finalize (GObject *object)
{
  ModeEvent *self = (ModeEvent *)object;

  /* every waiter holds a reference on the event through its task */
  g_assert (self->waiters.length == 0);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (mode_event_parent_class)->finalize (object);
}

static void
mode_event_class_init (ModeEventClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mode_event_finalize;
}

static void
mode_event_init (ModeEvent *self)
{
  g_mutex_init (&self->mutex);
}

/**
 * mode_event_new:
 *
 * Creates an event that is not set.
 *
 * Returns: (transfer full): a new #ModeEvent
 *
 * Since: 0.1
 */
ModeEvent *
mode_event_new (void)
{
  return g_object_new (MODE_TYPE_EVENT, NULL);
}

/**
 * mode_event_set:
 * @self: a #ModeEvent
 *
 * Sets the event and wakes everything waiting for it, each in the main
 * context it waited from. Setting a set event does nothing. May be
 * called from any thread.
 *
 * Since: 0.1
 */
void
mode_event_set (ModeEvent *self)
{
  GQueue waiters = G_QUEUE_INIT;
  GList *link;

  g_return_if_fail (MODE_IS_EVENT (self));

  g_mutex_lock (&self->mutex);
  if (!self->is_set)
    {
      self->is_set = TRUE;
      waiters = self->waiters;
      g_queue_init (&self->waiters);
      for (GList *l = waiters.head; l != NULL; l = l->next)
        ((Waiter *) g_task_get_task_data (l->data))->state = WAITER_DONE;
    }
  g_mutex_unlock (&self->mutex);

  while ((link = g_queue_pop_head_link (&waiters)) != NULL)
    {
      GTask *task = link->data;

      waiter_detach_source (g_task_get_task_data (task));
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

/**
 * mode_event_clear:
 * @self: a #ModeEvent
 *
 * Clears the event, so that later waits wait again. May be called from
 * any thread.
 *
 * Since: 0.1
 */
void
mode_event_clear (ModeEvent *self)
{
  g_return_if_fail (MODE_IS_EVENT (self));

  g_mutex_lock (&self->mutex);
  self->is_set = FALSE;
  g_mutex_unlock (&self->mutex);
}

/**
 * mode_event_is_set:
 * @self: a #ModeEvent
 *
 * Gets whether the event is set.
 *
 * Returns: %TRUE when the event is set
 *
 * Since: 0.1
 */
gboolean
mode_event_is_set (ModeEvent *self)
{
  gboolean ret;

  g_return_val_if_fail (MODE_IS_EVENT (self), FALSE);

  g_mutex_lock (&self->mutex);
  ret = self->is_set;
  g_mutex_unlock (&self->mutex);

  return ret;
}

/* Runs in the task's context, never inside the cancelling call. */
static gboolean
wait_cancelled (GCancellable *cancellable,
                gpointer      data)
{
  GTask *task = data;
  ModeEvent *self = g_task_get_source_object (task);
  Waiter *waiter = g_task_get_task_data (task);
  gboolean mine = FALSE;

  g_mutex_lock (&self->mutex);
  if (waiter->state == WAITER_QUEUED)
    {
      g_queue_unlink (&self->waiters, &waiter->link);
      waiter->state = WAITER_DONE;
      mine = TRUE;
    }
  g_mutex_unlock (&self->mutex);

  if (mine)
    {
      g_task_return_error_if_cancelled (task);
      g_object_unref (task); /* the queue's */
    }

  return G_SOURCE_REMOVE;
}

/**
 * mode_event_wait_async:
 * @self: a #ModeEvent
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the event is set
 * @user_data: data for @callback
 *
 * Waits for the event to be set; completes at once (in a later main loop
 * iteration, as every #GTask) when it is set already.
 *
 * Since: 0.1
 */
void
mode_event_wait_async (ModeEvent           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Waiter *waiter;

  g_return_if_fail (MODE_IS_EVENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_name (task, "[mode] event wait");
  g_task_set_source_tag (task, mode_event_wait_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  waiter = g_new0 (Waiter, 1);
  waiter->link.data = task;
  waiter->state = WAITER_QUEUED;
  g_task_set_task_data (task, waiter, waiter_free);

  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (waiter->cancel_source, "[mode] event wait cancelled");
      g_task_attach_source (task, waiter->cancel_source, G_SOURCE_FUNC (wait_cancelled));
    }

  g_mutex_lock (&self->mutex);
  if (self->is_set)
    {
      waiter->state = WAITER_DONE;
      g_mutex_unlock (&self->mutex);
      waiter_detach_source (waiter);
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_queue_push_tail_link (&self->waiters, &waiter->link);
  g_mutex_unlock (&self->mutex);

  g_steal_pointer (&task); /* the queue's now */
}

/**
 * mode_event_wait_finish:
 * @self: a #ModeEvent
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_event_wait_async().
 *
 * Returns: %TRUE when the event was set, %FALSE with @error set when the
 *   wait was cancelled
 *
 * Since: 0.1
 */
gboolean
mode_event_wait_finish (ModeEvent     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (MODE_IS_EVENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
