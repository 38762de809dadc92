/* mode-queue.c: ModeQueue, an asynchronous FIFO with back-pressure
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The items wait in a ring buffer, the producers and consumers that wait
 * in two FIFOs of GTasks, the thrown errors in a third; one mutex guards
 * them all. Every change goes through _mode_queue_pump_locked(), which moves what
 * can move (an error or an item to the first consumer, an item from the
 * first producer into the room the queue has) and lists the waits it
 * ended; they are completed once the mutex is released, each in its
 * own task's context (GTask does that from any thread). The owner
 * service's stop reaches the queue through a wait_until_stopped call,
 * made in the service's context the first time something waits.
 */

#include "config.h"

#include "mode-queue-private.h"
#include "mode-error.h"
#include "mode-i18n.h"

/**
 * SECTION:mode-queue
 * @Title: ModeQueue
 * @Short_description: an asynchronous FIFO with back-pressure
 *
 * A #ModeQueue hands items from producers to consumers in the order they
 * were pushed: Mode's `FlowControlQueue` and `ThrowableQueue` in one.
 *
 * - A queue made with a capacity (#ModeQueue:capacity, 0 for none)
 *   applies back-pressure: mode_queue_push_async() waits while the queue
 *   is full, mode_queue_try_push() returns %FALSE.
 * - mode_queue_pop_async() waits while the queue is empty;
 *   mode_queue_try_pop() returns %FALSE.
 * - mode_queue_pause() stops the flow, as Mode's flow control does:
 *   while the queue is paused, consumers wait even when items are
 *   there, and producers wait even when there is room (the items they
 *   push go in on mode_queue_resume()). Thrown errors wait too.
 * - mode_queue_throw() makes the next pop fail with an error: the
 *   consumer that waits the longest, or the next one to come. Thrown
 *   errors come before the items still queued, as in Mode.
 * - mode_queue_clear() drops the queued items (freeing them) and the
 *   thrown errors; producers waiting for room then push theirs.
 *
 * Waits are fair: producers push, and consumers receive, in the order
 * they began to wait, and a try call never overtakes a wait.
 *
 * Every call may be made from any thread, and each wait completes in
 * the thread-default main context of the thread that began it: threads
 * can feed a consumer that runs on the main context. A wait cancelled
 * through its #GCancellable fails with %G_IO_ERROR_CANCELLED; the item
 * of a push that failed is freed.
 *
 * A queue may be bound to a service, its owner (#ModeQueue:service,
 * held weakly). When the service is told to stop (its stop begins, or
 * it crashes: #ModeService:should-stop), every push and pop that waits
 * fails with %MODE_ERROR_STOPPED, and so does every wait that begins
 * afterwards, until the service is restarted. Calls that need not wait
 * work as before, and the items stay queued. A queue without a service
 * waits until its waits are answered or cancelled.
 *
 * C code pushes pointers, and gives the function that frees them to
 * mode_queue_new(): the queue frees the items it drops (clear, the
 * queue's finalization, a failed push, a popped item whose result was
 * never finished). Bindings push #GValues (mode_queue_push_value_async(),
 * mode_queue_pop_value_finish() and the other `_value` calls): a Python
 * program can push any Python object, a JavaScript one any value GJS
 * puts in a #GValue. One queue should carry one form; a value popped as
 * a pointer is a `GValue *` to free with g_value_unset() and g_free(),
 * a pointer popped as a value a %G_TYPE_POINTER value.
 *
 * A consumer bound to its service, fed by a producer thread that
 * pushes under back-pressure:
 *
 * |[<!-- language="C" -->
 * static void on_item (GObject *source, GAsyncResult *result, gpointer user_data);
 *
 * static void
 * consume_next (ModeQueue *queue)
 * {
 *   mode_queue_pop_async (queue, NULL, on_item, NULL);
 * }
 *
 * static void
 * on_item (GObject *source, GAsyncResult *result, gpointer user_data)
 * {
 *   ModeQueue *queue = MODE_QUEUE (source);
 *   g_autoptr(GError) error = NULL;
 *   g_autofree char *line = mode_queue_pop_finish (queue, result, &error);
 *
 *   if (error != NULL)
 *     {
 *       // MODE_ERROR_STOPPED once the service stops, or a thrown error
 *       g_print ("consumer done: %s\n", error->message);
 *       return;
 *     }
 *   g_print ("got %s\n", line);
 *   consume_next (queue);
 * }
 *
 * static void
 * store_result (GObject *source, GAsyncResult *result, gpointer user_data)
 * {
 *   *(GAsyncResult **) user_data = g_object_ref (result);
 * }
 *
 * static gpointer
 * produce (gpointer data)
 * {
 *   ModeQueue *queue = data;
 *   g_autoptr(GMainContext) context = g_main_context_new ();
 *
 *   g_main_context_push_thread_default (context);
 *   for (guint i = 0; i < 1000; i++)
 *     {
 *       char *line = g_strdup_printf ("line %u", i);
 *
 *       // full: wait for room, in this thread's own context
 *       if (!mode_queue_try_push (queue, line))
 *         {
 *           g_autoptr(GAsyncResult) result = NULL;
 *
 *           mode_queue_push_async (queue, line, NULL, store_result, &result);
 *           while (result == NULL)
 *             g_main_context_iteration (context, TRUE);
 *           if (!mode_queue_push_finish (queue, result, NULL))
 *             break;  // the service stopped: line was freed
 *         }
 *     }
 *   g_main_context_pop_thread_default (context);
 *   return NULL;
 * }
 *
 * ...
 * queue = mode_queue_new_for_service (service, 64, g_free);
 * consume_next (queue);
 * g_thread_unref (g_thread_new ("producer", produce, queue));
 * ]|
 *
 * The same in Python, with any Python objects as items:
 *
 * |[<!-- language="Python" -->
 * queue = Mode.Queue(service=service, capacity=64)
 *
 * def on_item(queue, result):
 *     try:
 *         item = queue.pop_value_finish(result)
 *     except GLib.Error as e:   # Mode.Error.STOPPED, or a thrown error
 *         return
 *     print("got", item)
 *     queue.pop_value_async(None, on_item)
 *
 * def produce(n=0):
 *     while n < 1000:
 *         if not queue.try_push_value({"n": n}):
 *             # full: wait for room, then go on
 *             queue.push_value_async({"n": n}, None,
 *                                    lambda q, r: q.push_value_finish(r) and produce(n + 1))
 *             return
 *         n += 1
 *
 * queue.pop_value_async(None, on_item)
 * produce()
 * ]|
 *
 * PyGObject puts a Python int in a #GValue as a 32-bit %G_TYPE_INT:
 * push a larger one as `GObject.Value(GObject.TYPE_INT64, n)`. Any
 * other object goes as itself and comes out as the same object.
 */

/**
 * ModeQueue:
 *
 * An asynchronous FIFO of items with an optional capacity.
 *
 * Since: 0.1
 */

G_DEFINE_FINAL_TYPE (ModeQueue, mode_queue, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CAPACITY,
  PROP_LENGTH,
  PROP_PAUSED,
  PROP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GObject {{{ */

static void
mode_queue_dispose (GObject *object)
{
  ModeQueue *self = (ModeQueue *)object;

  /* a watch in flight lets go of the service */
  if (self->watch_cancellable != NULL)
    g_cancellable_cancel (self->watch_cancellable);

  G_OBJECT_CLASS (mode_queue_parent_class)->dispose (object);
}

static void
mode_queue_finalize (GObject *object)
{
  ModeQueue *self = (ModeQueue *)object;

  /* each wait holds a reference on the queue through its task */
  g_assert (self->getters.length == 0);
  g_assert (self->putters.length == 0);

  while (self->length > 0)
    {
      Entry entry = _mode_queue_ring_pop (self);

      _mode_queue_entry_free (&entry);
    }
  g_free (self->ring);
  g_queue_clear_full (&self->errors, (GDestroyNotify) g_error_free);
  g_clear_object (&self->watch_cancellable);
  g_weak_ref_clear (&self->service);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (mode_queue_parent_class)->finalize (object);
}

static void
mode_queue_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ModeQueue *self = MODE_QUEUE (object);

  switch (prop_id)
    {
    case PROP_CAPACITY:
      g_value_set_uint (value, self->capacity);
      break;

    case PROP_LENGTH:
      g_value_set_uint (value, mode_queue_get_length (self));
      break;

    case PROP_PAUSED:
      g_value_set_boolean (value, mode_queue_get_paused (self));
      break;

    case PROP_SERVICE:
      g_value_take_object (value, mode_queue_dup_service (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_queue_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  ModeQueue *self = MODE_QUEUE (object);

  switch (prop_id)
    {
    case PROP_CAPACITY:
      self->capacity = g_value_get_uint (value);
      break;

    case PROP_PAUSED:
      mode_queue_set_paused (self, g_value_get_boolean (value));
      break;

    case PROP_SERVICE:
      {
        ModeService *service = g_value_get_object (value);

        g_weak_ref_set (&self->service, service);
        if (service != NULL)
          {
            self->has_service = TRUE;
            self->watch_cancellable = g_cancellable_new ();
          }
      }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_queue_class_init (ModeQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mode_queue_dispose;
  object_class->finalize = mode_queue_finalize;
  object_class->get_property = mode_queue_get_property;
  object_class->set_property = mode_queue_set_property;

  /**
   * ModeQueue:capacity:
   *
   * How many items the queue holds before a push waits (back-pressure),
   * or 0 for no limit.
   *
   * Since: 0.1
   */
  properties[PROP_CAPACITY] =
    g_param_spec_uint ("capacity", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  /**
   * ModeQueue:length:
   *
   * How many items are queued: neither those of the producers that wait
   * nor the thrown errors count. It changes from any thread, so it is
   * not notified; read it with mode_queue_get_length().
   *
   * Since: 0.1
   */
  properties[PROP_LENGTH] =
    g_param_spec_uint ("length", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  /**
   * ModeQueue:paused:
   *
   * Whether the flow is paused: see mode_queue_pause(). Notified in the
   * thread that changed it.
   *
   * Since: 0.1
   */
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  /**
   * ModeQueue:service:
   *
   * The service that owns the queue, or %NULL: when it is told to stop,
   * the queue's waits fail with %MODE_ERROR_STOPPED. Held weakly: the
   * service may hold the queue.
   *
   * Since: 0.1
   */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         MODE_TYPE_SERVICE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mode_queue_init (ModeQueue *self)
{
  g_mutex_init (&self->mutex);
  g_weak_ref_init (&self->service, NULL);
}

/* }}} */

/* Construction and properties {{{ */

/**
 * mode_queue_new: (skip)
 * @capacity: how many items the queue holds before a push waits, or 0
 *   for no limit
 * @item_free: (nullable): frees the items the queue drops
 *
 * Creates a queue that no service owns. Bindings make queues with
 * g_object_new() and push #GValues: `Mode.Queue(capacity=16)` in Python,
 * `new Mode.Queue({capacity: 16})` in GJS,
 * `(Mode.Queue) Object.new (typeof (Mode.Queue), "capacity", 16)` in Vala.
 *
 * Returns: (transfer full): a new #ModeQueue
 *
 * Since: 0.1
 */
ModeQueue *
mode_queue_new (guint          capacity,
                GDestroyNotify item_free)
{
  return mode_queue_new_for_service (NULL, capacity, item_free);
}

/**
 * mode_queue_new_for_service: (skip)
 * @service: (nullable): the service that owns the queue
 * @capacity: how many items the queue holds before a push waits, or 0
 *   for no limit
 * @item_free: (nullable): frees the items the queue drops
 *
 * Creates a queue whose waits end when @service is told to stop (see
 * #ModeQueue:service).
 *
 * Returns: (transfer full): a new #ModeQueue
 *
 * Since: 0.1
 */
ModeQueue *
mode_queue_new_for_service (ModeService    *service,
                            guint           capacity,
                            GDestroyNotify  item_free)
{
  ModeQueue *self;

  g_return_val_if_fail (service == NULL || MODE_IS_SERVICE (service), NULL);

  self = g_object_new (MODE_TYPE_QUEUE,
                       "capacity", capacity,
                       "service", service,
                       NULL);
  self->item_free = item_free;

  return self;
}

/**
 * mode_queue_get_capacity:
 * @self: a #ModeQueue
 *
 * Gets #ModeQueue:capacity.
 *
 * Returns: how many items the queue holds, or 0 for no limit
 *
 * Since: 0.1
 */
guint
mode_queue_get_capacity (ModeQueue *self)
{
  g_return_val_if_fail (MODE_IS_QUEUE (self), 0);

  return self->capacity;
}

/**
 * mode_queue_get_length:
 * @self: a #ModeQueue
 *
 * Gets how many items are queued (#ModeQueue:length). Other threads may
 * change it at any time.
 *
 * Returns: the number of items queued
 *
 * Since: 0.1
 */
guint
mode_queue_get_length (ModeQueue *self)
{
  guint length;

  g_return_val_if_fail (MODE_IS_QUEUE (self), 0);

  g_mutex_lock (&self->mutex);
  length = self->length;
  g_mutex_unlock (&self->mutex);

  return length;
}

/**
 * mode_queue_get_paused:
 * @self: a #ModeQueue
 *
 * Gets whether the flow is paused.
 *
 * Returns: %TRUE when paused
 *
 * Since: 0.1
 */
gboolean
mode_queue_get_paused (ModeQueue *self)
{
  gboolean paused;

  g_return_val_if_fail (MODE_IS_QUEUE (self), FALSE);

  g_mutex_lock (&self->mutex);
  paused = self->paused;
  g_mutex_unlock (&self->mutex);

  return paused;
}

/**
 * mode_queue_set_paused:
 * @self: a #ModeQueue
 * @paused: whether to pause
 *
 * Pauses or resumes the flow: mode_queue_pause() or mode_queue_resume().
 *
 * Since: 0.1
 */
void
mode_queue_set_paused (ModeQueue *self,
                       gboolean   paused)
{
  GQueue done = G_QUEUE_INIT;
  gboolean changed;

  g_return_if_fail (MODE_IS_QUEUE (self));

  paused = !!paused;
  g_mutex_lock (&self->mutex);
  changed = self->paused != paused;
  self->paused = paused;
  _mode_queue_pump_locked (self, &done);
  g_mutex_unlock (&self->mutex);

  _mode_queue_complete_waits (&done);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

/**
 * mode_queue_dup_service:
 * @self: a #ModeQueue
 *
 * Gets the service that owns the queue (#ModeQueue:service).
 *
 * Returns: (transfer full) (nullable): the service, or %NULL when there
 *   is none or it was finalized
 *
 * Since: 0.1
 */
ModeService *
mode_queue_dup_service (ModeQueue *self)
{
  g_return_val_if_fail (MODE_IS_QUEUE (self), NULL);

  return g_weak_ref_get (&self->service);
}

/* }}} */

/* Push {{{ */

/* Pushes @entry if it may go in now; otherwise leaves it to the caller. */
static gboolean
try_push_entry (ModeQueue *self,
                Entry     *entry)
{
  GQueue done = G_QUEUE_INIT;
  gboolean pushed = FALSE;

  g_mutex_lock (&self->mutex);
  /* a try never overtakes a producer that waits */
  if (!self->paused && self->putters.length == 0 &&
      (_mode_queue_has_room (self) || self->getters.length > 0))
    {
      _mode_queue_ring_push (self, entry);
      _mode_queue_pump_locked (self, &done);
      pushed = TRUE;
    }
  g_mutex_unlock (&self->mutex);

  _mode_queue_complete_waits (&done);
  return pushed;
}

/**
 * mode_queue_push_async: (skip)
 * @self: a #ModeQueue
 * @item: (transfer full) (nullable): the item
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once @item is queued, or the push
 *   failed
 * @user_data: data for @callback
 *
 * Pushes @item at the end of the queue, waiting while the queue is full
 * or paused. Producers that wait push in the order they began.
 *
 * The push fails with %G_IO_ERROR_CANCELLED when @cancellable is
 * cancelled, and with %MODE_ERROR_STOPPED when the owner service is told
 * to stop; @item is then freed with the queue's item_free.
 *
 * Since: 0.1
 */
void
mode_queue_push_async (ModeQueue           *self,
                       gpointer             item,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task;
  Waiter *waiter;

  g_return_if_fail (MODE_IS_QUEUE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _mode_queue_wait_new (self, TRUE, mode_queue_push_async, "[mode] queue push",
                   cancellable, callback, user_data);
  waiter = g_task_get_task_data (task);
  waiter->entry.data = item;
  waiter->entry.destroy = self->item_free;
  waiter->has_entry = TRUE;
  _mode_queue_wait_begin (self, task);
}

/**
 * mode_queue_push_finish: (skip)
 * @self: a #ModeQueue
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_queue_push_async() or mode_queue_push_value_async().
 *
 * Returns: %TRUE when the item was queued, %FALSE with @error set when
 *   the push failed
 *
 * Since: 0.1
 */
gboolean
mode_queue_push_finish (ModeQueue     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (MODE_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_queue_push_async) ||
                        g_async_result_is_tagged (result, mode_queue_push_value_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mode_queue_try_push: (skip)
 * @self: a #ModeQueue
 * @item: (nullable): the item
 *
 * Pushes @item at the end of the queue if it can go in without waiting:
 * the queue is not paused, has room, and no producer waits before.
 *
 * Returns: %TRUE when @item was queued (the queue owns it then), %FALSE
 *   when it was not (it stays the caller's)
 *
 * Since: 0.1
 */
gboolean
mode_queue_try_push (ModeQueue *self,
                     gpointer   item)
{
  Entry entry;

  g_return_val_if_fail (MODE_IS_QUEUE (self), FALSE);

  entry.data = item;
  entry.destroy = self->item_free;
  return try_push_entry (self, &entry);
}

/**
 * mode_queue_push_value_async:
 * @self: a #ModeQueue
 * @value: (nullable): the value to push, copied; %NULL pushes a %NULL
 *   %G_TYPE_POINTER (None in Python)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the value is queued, or the push
 *   failed
 * @user_data: data for @callback
 *
 * Pushes a copy of @value, as mode_queue_push_async() pushes an item;
 * finish it with mode_queue_push_value_finish(). This is the form for
 * bindings: a Python program passes any Python object.
 *
 * Since: 0.1
 */
void
mode_queue_push_value_async (ModeQueue           *self,
                             const GValue        *value,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  Waiter *waiter;

  g_return_if_fail (MODE_IS_QUEUE (self));
  g_return_if_fail (value == NULL || G_IS_VALUE (value));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _mode_queue_wait_new (self, TRUE, mode_queue_push_value_async, "[mode] queue push",
                   cancellable, callback, user_data);
  waiter = g_task_get_task_data (task);
  waiter->entry = _mode_queue_entry_for_value (value);
  waiter->has_entry = TRUE;
  _mode_queue_wait_begin (self, task);
}

/**
 * mode_queue_push_value_finish:
 * @self: a #ModeQueue
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_queue_push_value_async().
 *
 * Returns: %TRUE when the value was queued, %FALSE with @error set when
 *   the push failed
 *
 * Since: 0.1
 */
gboolean
mode_queue_push_value_finish (ModeQueue     *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return mode_queue_push_finish (self, result, error);
}

/**
 * mode_queue_try_push_value:
 * @self: a #ModeQueue
 * @value: (nullable): the value to push, copied when it goes in; %NULL
 *   pushes a %NULL %G_TYPE_POINTER (None in Python)
 *
 * Pushes a copy of @value if it can go in without waiting, as
 * mode_queue_try_push() does.
 *
 * Returns: %TRUE when the value was queued
 *
 * Since: 0.1
 */
gboolean
mode_queue_try_push_value (ModeQueue    *self,
                           const GValue *value)
{
  Entry entry;

  g_return_val_if_fail (MODE_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (value == NULL || G_IS_VALUE (value), FALSE);

  entry = _mode_queue_entry_for_value (value);
  if (try_push_entry (self, &entry))
    return TRUE;

  _mode_queue_entry_free (&entry);
  return FALSE;
}

/* }}} */

/* Pop {{{ */

/* Takes the next thrown error or item if there is one and the flow is
 * not paused; returns FALSE otherwise (with @error set for an error). */
static gboolean
try_pop_entry (ModeQueue  *self,
               Entry      *entry,
               GError    **error)
{
  GQueue done = G_QUEUE_INIT;
  GError *thrown = NULL;
  gboolean popped = FALSE;

  g_mutex_lock (&self->mutex);
  /* consumers that wait are served first: the queue is empty for a try
   * while one waits; producers wait only while the queue is full or
   * paused, so the first pop makes room for the first of them */
  if (!self->paused && self->getters.length == 0)
    {
      if (self->errors.length > 0)
        thrown = g_queue_pop_head (&self->errors);
      else if (self->length > 0)
        {
          *entry = _mode_queue_ring_pop (self);
          popped = TRUE;
          _mode_queue_pump_locked (self, &done);
        }
    }
  g_mutex_unlock (&self->mutex);

  _mode_queue_complete_waits (&done);
  if (thrown != NULL)
    g_propagate_error (error, thrown);
  return popped;
}

/**
 * mode_queue_pop_async: (skip)
 * @self: a #ModeQueue
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the next item, or when the pop
 *   failed
 * @user_data: data for @callback
 *
 * Takes the first item of the queue, waiting while the queue is empty or
 * paused; finish it with mode_queue_pop_finish() or
 * mode_queue_pop_value_finish(). Consumers that wait are answered in the
 * order they began.
 *
 * The pop fails with an error given to mode_queue_throw(), with
 * %G_IO_ERROR_CANCELLED when @cancellable is cancelled, and with
 * %MODE_ERROR_STOPPED when the owner service is told to stop.
 *
 * Since: 0.1
 */
void
mode_queue_pop_async (ModeQueue           *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_return_if_fail (MODE_IS_QUEUE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  _mode_queue_wait_begin (self, _mode_queue_wait_new (self, FALSE, mode_queue_pop_async, "[mode] queue pop",
                              cancellable, callback, user_data));
}

/* Checks @result and gives its waiter, or NULL with @error set. */
static Waiter *
pop_propagate (ModeQueue     *self,
               GAsyncResult  *result,
               GError       **error)
{
  Waiter *waiter;

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;

  waiter = g_task_get_task_data (G_TASK (result));
  g_assert (waiter->has_entry);
  waiter->has_entry = FALSE;
  return waiter;
}

/**
 * mode_queue_pop_finish: (skip)
 * @self: a #ModeQueue
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_queue_pop_async() or mode_queue_pop_value_async(). An
 * item may be %NULL: check @error.
 *
 * Returns: (transfer full) (nullable): the item, or %NULL with @error set
 *
 * Since: 0.1
 */
gpointer
mode_queue_pop_finish (ModeQueue     *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  Waiter *waiter;

  g_return_val_if_fail (MODE_IS_QUEUE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_queue_pop_async) ||
                        g_async_result_is_tagged (result, mode_queue_pop_value_async), NULL);

  waiter = pop_propagate (self, result, error);
  return waiter != NULL ? waiter->entry.data : NULL;
}

/**
 * mode_queue_try_pop: (skip)
 * @self: a #ModeQueue
 * @item: (out) (transfer full) (optional) (nullable): the item
 * @error: return location for a #GError
 *
 * Takes the first item of the queue, or its first thrown error, if the
 * queue is not paused and no consumer waits.
 *
 * Returns: %TRUE with @item set, %FALSE when there was nothing to take,
 *   or %FALSE with @error set to a thrown error
 *
 * Since: 0.1
 */
gboolean
mode_queue_try_pop (ModeQueue  *self,
                    gpointer   *item,
                    GError    **error)
{
  Entry entry;

  g_return_val_if_fail (MODE_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!try_pop_entry (self, &entry, error))
    return FALSE;

  if (item != NULL)
    *item = entry.data;
  else
    _mode_queue_entry_free (&entry);
  return TRUE;
}

/**
 * mode_queue_pop_value_async:
 * @self: a #ModeQueue
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the next value, or when the pop
 *   failed
 * @user_data: data for @callback
 *
 * Takes the first value of the queue, as mode_queue_pop_async() does;
 * finish it with mode_queue_pop_value_finish().
 *
 * Since: 0.1
 */
void
mode_queue_pop_value_async (ModeQueue           *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (MODE_IS_QUEUE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  _mode_queue_wait_begin (self, _mode_queue_wait_new (self, FALSE, mode_queue_pop_value_async, "[mode] queue pop",
                              cancellable, callback, user_data));
}

/**
 * mode_queue_pop_value_finish:
 * @self: a #ModeQueue
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_queue_pop_value_async() or mode_queue_pop_async().
 *
 * Returns: (transfer full): the value, to free with g_boxed_free()
 *   (%G_TYPE_VALUE), or %NULL with @error set
 *
 * Since: 0.1
 */
GValue *
mode_queue_pop_value_finish (ModeQueue     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  Waiter *waiter;
  GValue *value;

  g_return_val_if_fail (MODE_IS_QUEUE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_queue_pop_async) ||
                        g_async_result_is_tagged (result, mode_queue_pop_value_async), NULL);

  waiter = pop_propagate (self, result, error);
  if (waiter == NULL)
    return NULL;

  /* a value entry is a GValue already */
  if (waiter->entry.destroy == _mode_queue_value_free)
    return waiter->entry.data;

  value = g_new0 (GValue, 1);
  _mode_queue_entry_to_value (&waiter->entry, value);
  return value;
}

/**
 * mode_queue_try_pop_value:
 * @self: a #ModeQueue
 * @value: (out caller-allocates): an unset #GValue for the value
 * @error: return location for a #GError
 *
 * Takes the first value of the queue, or its first thrown error, as
 * mode_queue_try_pop() does.
 *
 * Returns: %TRUE with @value set, %FALSE when there was nothing to take,
 *   or %FALSE with @error set to a thrown error; on %FALSE, @value holds
 *   a %NULL %G_TYPE_POINTER, which needs no freeing (bindings see %NULL)
 *
 * Since: 0.1
 */
gboolean
mode_queue_try_pop_value (ModeQueue  *self,
                          GValue     *value,
                          GError    **error)
{
  Entry entry;

  g_return_val_if_fail (MODE_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (value != NULL && G_VALUE_TYPE (value) == G_TYPE_INVALID, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!try_pop_entry (self, &entry, error))
    {
      /* something bindings can read: None in Python */
      g_value_init (value, G_TYPE_POINTER);
      return FALSE;
    }

  _mode_queue_entry_to_value (&entry, value);
  return TRUE;
}

/* }}} */

/* Flow control {{{ */

/**
 * mode_queue_pause:
 * @self: a #ModeQueue
 *
 * Pauses the flow, as Mode's `FlowControlEvent.suspend()`: consumers
 * wait even when items are queued, producers wait even when there is
 * room, and the try calls return %FALSE, until mode_queue_resume().
 * Pausing a paused queue does nothing.
 *
 * Since: 0.1
 */
void
mode_queue_pause (ModeQueue *self)
{
  g_return_if_fail (MODE_IS_QUEUE (self));

  mode_queue_set_paused (self, TRUE);
}

/**
 * mode_queue_resume:
 * @self: a #ModeQueue
 *
 * Resumes the flow: the producers and consumers that waited go on, in
 * the order they began to wait.
 *
 * Since: 0.1
 */
void
mode_queue_resume (ModeQueue *self)
{
  g_return_if_fail (MODE_IS_QUEUE (self));

  mode_queue_set_paused (self, FALSE);
}

/**
 * mode_queue_throw:
 * @self: a #ModeQueue
 * @error: the error, copied
 *
 * Makes the next pop fail with @error, as Mode's `ThrowableQueue.throw()`:
 * the consumer that waits the longest fails now, or the next pop (or
 * try pop) does. Thrown errors come before queued items, in the order
 * they were thrown; while the queue is paused, they wait too.
 *
 * Since: 0.1
 */
void
mode_queue_throw (ModeQueue    *self,
                  const GError *error)
{
  GQueue done = G_QUEUE_INIT;

  g_return_if_fail (MODE_IS_QUEUE (self));
  g_return_if_fail (error != NULL);

  g_mutex_lock (&self->mutex);
  g_queue_push_tail (&self->errors, g_error_copy (error));
  _mode_queue_pump_locked (self, &done);
  g_mutex_unlock (&self->mutex);

  _mode_queue_complete_waits (&done);
}

/**
 * mode_queue_clear:
 * @self: a #ModeQueue
 *
 * Drops the queued items, freeing them, and the thrown errors not yet
 * received. Producers that waited for room then push their items, in
 * order, up to the capacity. Waiting consumers keep waiting.
 *
 * Since: 0.1
 */
void
mode_queue_clear (ModeQueue *self)
{
  GQueue done = G_QUEUE_INIT;
  GQueue errors = G_QUEUE_INIT;
  Entry *items;
  guint n_items;

  g_return_if_fail (MODE_IS_QUEUE (self));

  g_mutex_lock (&self->mutex);
  _mode_queue_ring_steal (self, &items, &n_items);
  errors = self->errors;
  g_queue_init (&self->errors);
  _mode_queue_pump_locked (self, &done);
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < n_items; i++)
    _mode_queue_entry_free (&items[i]);
  g_free (items);
  g_queue_clear_full (&errors, (GDestroyNotify) g_error_free);
  _mode_queue_complete_waits (&done);
}

/* }}} */

/* vim: set foldmethod=marker: */
