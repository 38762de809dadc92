/* test-queue.c: ModeQueue
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "test-util.h"

/* Helpers {{{ */

/* Items that count their frees. */
static gint items_freed;

static void
count_free (gpointer data)
{
  g_atomic_int_inc (&items_freed);
}

#define ITEM(n) GUINT_TO_POINTER (n)

/* What a wait's callback saw: its result, and where it ran. */
typedef struct
{
  GAsyncResult *result;     /* (owned) (nullable) */
  GMainContext *context;    /* (unowned): thread-default while it ran */
  guint         calls;
} Wait;

static void
store_wait (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  g_assert_true (MODE_IS_QUEUE (source));
  g_assert_null (wait->result);
  wait->context = g_main_context_get_thread_default ();
  wait->calls++;
  g_atomic_pointer_set (&wait->result, g_object_ref (result));
}

static GAsyncResult *
await_wait (Wait *wait)
{
  test_wait_until (test_pointer_is_set, &wait->result, "a queue wait");
  return g_steal_pointer (&wait->result);
}

/* Waits for a pop and finishes it. */
static gpointer
await_pop (ModeQueue  *queue,
           Wait       *wait,
           GError    **error)
{
  g_autoptr(GAsyncResult) result = await_wait (wait);

  return mode_queue_pop_finish (queue, result, error);
}

static gboolean
await_push (ModeQueue  *queue,
            Wait       *wait,
            GError    **error)
{
  g_autoptr(GAsyncResult) result = await_wait (wait);

  return mode_queue_push_finish (queue, result, error);
}

/* The wait has not completed, even after every pending dispatch. */
static void
assert_waiting (Wait *wait)
{
  test_drain ();
  g_assert_null (wait->result);
}

static void
assert_try_pop (ModeQueue *queue,
                gpointer   expected)
{
  g_autoptr(GError) error = NULL;
  gpointer item = NULL;

  g_assert_true (mode_queue_try_pop (queue, &item, &error));
  g_assert_no_error (error);
  g_assert_true (item == expected);
}

static void
assert_try_pop_nothing (ModeQueue *queue)
{
  g_autoptr(GError) error = NULL;
  gpointer item = ITEM (12345);

  g_assert_false (mode_queue_try_pop (queue, &item, &error));
  g_assert_no_error (error);
  g_assert_true (item == ITEM (12345));
}

/* }}} */

/* FIFO {{{ */

static void
test_fifo (TestFixture   *f,
           gconstpointer  data)
{
  ModeQueue *queue = mode_queue_new (0, NULL);
  g_autoptr(GError) error = NULL;
  Wait wait = { 0, };

  g_assert_cmpuint (mode_queue_get_capacity (queue), ==, 0);
  g_assert_cmpuint (mode_queue_get_length (queue), ==, 0);
  g_assert_false (mode_queue_get_paused (queue));
  g_assert_null (mode_queue_dup_service (queue));

  /* unbounded: every try goes in, and comes out in order */
  for (guint i = 1; i <= 1000; i++)
    g_assert_true (mode_queue_try_push (queue, ITEM (i)));
  g_assert_cmpuint (mode_queue_get_length (queue), ==, 1000);
  for (guint i = 1; i <= 1000; i++)
    assert_try_pop (queue, ITEM (i));
  assert_try_pop_nothing (queue);
  g_assert_cmpuint (mode_queue_get_length (queue), ==, 0);

  /* a pop of a queue with items completes, never inside the call */
  g_assert_true (mode_queue_try_push (queue, ITEM (1)));
  mode_queue_pop_async (queue, NULL, store_wait, &wait);
  g_assert_null (wait.result);
  g_assert_true (await_pop (queue, &wait, &error) == ITEM (1));
  g_assert_no_error (error);
  g_assert_true (wait.context == f->context);

  /* an empty queue's pop waits for the next push */
  mode_queue_pop_async (queue, NULL, store_wait, &wait);
  assert_waiting (&wait);
  g_assert_true (mode_queue_try_push (queue, ITEM (2)));
  g_assert_true (await_pop (queue, &wait, &error) == ITEM (2));
  g_assert_no_error (error);
  g_assert_cmpuint (mode_queue_get_length (queue), ==, 0);

  /* NULL is an item like any other */
  g_assert_true (mode_queue_try_push (queue, NULL));
  assert_try_pop (queue, NULL);

  test_assert_finalized (queue);
}

#define N_WAITERS 10

static void
test_fair_consumers (TestFixture   *f,
                     gconstpointer  data)
{
  ModeQueue *queue = mode_queue_new (0, NULL);
  Wait waits[N_WAITERS] = { { 0, }, };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < N_WAITERS; i++)
    mode_queue_pop_async (queue, NULL, store_wait, &waits[i]);
  test_drain ();

  /* the consumer that waits the longest is answered first */
  for (guint i = 0; i < N_WAITERS; i++)
    g_assert_true (mode_queue_try_push (queue, ITEM (i + 1)));
  for (guint i = 0; i < N_WAITERS; i++)
    {
      g_assert_true (await_pop (queue, &waits[i], &error) == ITEM (i + 1));
      g_assert_no_error (error);
    }

  /* a try never takes what a waiting consumer is owed */
  mode_queue_pop_async (queue, NULL, store_wait, &waits[0]);
  assert_waiting (&waits[0]);
  g_assert_true (mode_queue_try_push (queue, ITEM (7)));
  assert_try_pop_nothing (queue);
  g_assert_true (await_pop (queue, &waits[0], &error) == ITEM (7));

  test_assert_finalized (queue);
}

/* }}} */

/* Capacity: back-pressure {{{ */

static void
test_capacity (TestFixture   *f,
               gconstpointer  data)
{
  ModeQueue *queue = mode_queue_new (2, count_free);
  Wait pushes[3] = { { 0, }, };
  Wait pop = { 0, };
  g_autoptr(GError) error = NULL;

  items_freed = 0;
  g_assert_cmpuint (mode_queue_get_capacity (queue), ==, 2);

  g_assert_true (mode_queue_try_push (queue, ITEM (1)));
  g_assert_true (mode_queue_try_push (queue, ITEM (2)));
  /* full: a try fails, and the item stays the caller's */
  g_assert_false (mode_queue_try_push (queue, ITEM (3)));
  g_assert_cmpint (items_freed, ==, 0);
  g_assert_cmpuint (mode_queue_get_length (queue), ==, 2);

  /* pushes wait while full, in order */
  for (guint i = 0; i < 3; i++)
    mode_queue_push_async (queue, ITEM (3 + i), NULL, store_wait, &pushes[i]);
  for (guint i = 0; i < 3; i++)
    assert_waiting (&pushes[i]);

  /* each pop makes room for the first producer that waits */
  assert_try_pop (queue, ITEM (1));
  g_assert_true (await_push (queue, &pushes[0], &error));
  g_assert_no_error (error);
  g_assert_true (pushes[0].context == f->context);
  assert_waiting (&pushes[1]);
  g_assert_cmpuint (mode_queue_get_length (queue), ==, 2);

  /* a try never overtakes a producer that waits, even once there is room */
  assert_try_pop (queue, ITEM (2));
  g_assert_false (mode_queue_try_push (queue, ITEM (99)));
  g_assert_true (await_push (queue, &pushes[1], &error));
  g_assert_no_error (error);

  /* a waiting consumer takes from the queue, which admits the last */
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  g_assert_true (await_pop (queue, &pop, &error) == ITEM (3));
  g_assert_true (await_push (queue, &pushes[2], &error));
  g_assert_no_error (error);

  for (guint i = 4; i <= 5; i++)
    assert_try_pop (queue, ITEM (i));
  assert_try_pop_nothing (queue);
  g_assert_cmpint (items_freed, ==, 0);

  test_assert_finalized (queue);
}

/* }}} */

/* Pause and resume {{{ */

static void
test_pause (TestFixture   *f,
            gconstpointer  data)
{
  ModeQueue *queue = mode_queue_new (1, NULL);
  g_autoptr(GError) error = NULL;
  Wait push = { 0, };
  Wait pop = { 0, };
  guint notified = 0;

  g_signal_connect (queue, "notify::paused", G_CALLBACK (test_count_notify), &notified);

  g_assert_true (mode_queue_try_push (queue, ITEM (1)));
  mode_queue_pause (queue);
  g_assert_true (mode_queue_get_paused (queue));
  g_assert_cmpuint (notified, ==, 1);
  mode_queue_pause (queue);
  g_assert_cmpuint (notified, ==, 1);

  /* a paused queue holds its items back from consumers... */
  assert_try_pop_nothing (queue);
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  assert_waiting (&pop);
  g_assert_cmpuint (mode_queue_get_length (queue), ==, 1);

  /* ...and suspends producers */
  g_assert_false (mode_queue_try_push (queue, ITEM (2)));
  mode_queue_push_async (queue, ITEM (2), NULL, store_wait, &push);
  assert_waiting (&push);

  /* resumed: the consumer takes the first item, the producer pushes */
  mode_queue_resume (queue);
  g_assert_false (mode_queue_get_paused (queue));
  g_assert_cmpuint (notified, ==, 2);
  g_assert_true (await_pop (queue, &pop, &error) == ITEM (1));
  g_assert_no_error (error);
  g_assert_true (await_push (queue, &push, &error));
  g_assert_no_error (error);
  assert_try_pop (queue, ITEM (2));

  /* paused while empty: the producer's item goes straight to the
   * consumer on resume */
  g_object_set (queue, "paused", TRUE, NULL);
  g_assert_cmpuint (notified, ==, 3);
  g_assert_true (mode_queue_get_paused (queue));
  mode_queue_push_async (queue, ITEM (3), NULL, store_wait, &push);
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  assert_waiting (&push);
  assert_waiting (&pop);
  mode_queue_set_paused (queue, FALSE);
  g_assert_true (await_push (queue, &push, &error));
  g_assert_true (await_pop (queue, &pop, &error) == ITEM (3));
  g_assert_no_error (error);
  g_assert_cmpuint (mode_queue_get_length (queue), ==, 0);
  g_assert_cmpuint (notified, ==, 4);

  test_assert_finalized (queue);
}

/* }}} */

/* Throw {{{ */

static void
test_throw (TestFixture   *f,
            gconstpointer  data)
{
  ModeQueue *queue = mode_queue_new (0, NULL);
  g_autoptr(GError) boom = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "boom");
  g_autoptr(GError) bang = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "bang");
  GError *error = NULL;
  Wait waits[2] = { { 0, }, };
  gpointer item = NULL;

  /* the consumer that waits the longest fails, the next keeps waiting */
  mode_queue_pop_async (queue, NULL, store_wait, &waits[0]);
  mode_queue_pop_async (queue, NULL, store_wait, &waits[1]);
  test_drain ();
  mode_queue_throw (queue, boom);
  g_assert_null (await_pop (queue, &waits[0], &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_assert_cmpstr (error->message, ==, "boom");
  g_clear_error (&error);
  assert_waiting (&waits[1]);
  g_assert_true (mode_queue_try_push (queue, ITEM (1)));
  g_assert_true (await_pop (queue, &waits[1], &error) == ITEM (1));
  g_assert_no_error (error);

  /* no consumer: the next pop fails, thrown errors first and in order */
  g_assert_true (mode_queue_try_push (queue, ITEM (2)));
  mode_queue_throw (queue, boom);
  mode_queue_throw (queue, bang);
  g_assert_false (mode_queue_try_pop (queue, &item, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_clear_error (&error);
  mode_queue_pop_async (queue, NULL, store_wait, &waits[0]);
  g_assert_null (await_pop (queue, &waits[0], &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
  assert_try_pop (queue, ITEM (2));

  /* paused: a thrown error waits for the resume too */
  mode_queue_pause (queue);
  mode_queue_pop_async (queue, NULL, store_wait, &waits[0]);
  mode_queue_throw (queue, bang);
  assert_waiting (&waits[0]);
  g_assert_false (mode_queue_try_pop (queue, &item, &error));
  g_assert_no_error (error);
  mode_queue_resume (queue);
  g_assert_null (await_pop (queue, &waits[0], &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);

  test_assert_finalized (queue);
}

/* }}} */

/* Clear, and the items the queue frees {{{ */

static void
test_clear (TestFixture   *f,
            gconstpointer  data)
{
  ModeQueue *queue = mode_queue_new (3, count_free);
  g_autoptr(GError) boom = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
  g_autoptr(GError) error = NULL;
  Wait pushes[4] = { { 0, }, };
  Wait pop = { 0, };

  items_freed = 0;
  for (guint i = 1; i <= 3; i++)
    g_assert_true (mode_queue_try_push (queue, ITEM (i)));
  for (guint i = 0; i < 4; i++)
    mode_queue_push_async (queue, ITEM (4 + i), NULL, store_wait, &pushes[i]);
  mode_queue_throw (queue, boom);
  test_drain ();

  /* the three queued items are freed, the thrown error dropped, and
   * three of the producers that waited push theirs, in order */
  mode_queue_clear (queue);
  g_assert_cmpint (items_freed, ==, 3);
  g_assert_cmpuint (mode_queue_get_length (queue), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (await_push (queue, &pushes[i], &error));
      g_assert_no_error (error);
    }
  assert_waiting (&pushes[3]);
  assert_try_pop (queue, ITEM (4));
  g_assert_true (await_push (queue, &pushes[3], &error));
  g_assert_no_error (error);

  /* a consumer that waits keeps waiting through a clear of an empty queue */
  mode_queue_clear (queue);
  g_assert_cmpint (items_freed, ==, 6);
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  assert_waiting (&pop);
  mode_queue_clear (queue);
  assert_waiting (&pop);
  g_assert_true (mode_queue_try_push (queue, ITEM (8)));
  g_assert_true (await_pop (queue, &pop, &error) == ITEM (8));
  g_assert_cmpint (items_freed, ==, 6);

  /* a popped item whose result is never finished is freed with it */
  g_assert_true (mode_queue_try_push (queue, ITEM (9)));
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  g_object_unref (await_wait (&pop));
  test_drain ();
  g_assert_cmpint (items_freed, ==, 7);

  /* the queue frees what it still holds when finalized */
  g_assert_true (mode_queue_try_push (queue, ITEM (10)));
  g_assert_true (mode_queue_try_push (queue, ITEM (11)));
  test_assert_finalized (queue);
  g_assert_cmpint (items_freed, ==, 9);
}

/* }}} */

/* Cancellation {{{ */

static void
test_cancel (TestFixture   *f,
             gconstpointer  data)
{
  ModeQueue *queue = mode_queue_new (1, count_free);
  GCancellable *cancellable = g_cancellable_new ();
  GError *error = NULL;
  Wait wait = { 0, };
  Wait other = { 0, };

  items_freed = 0;

  /* cancelled already: fails even when it could go on */
  g_cancellable_cancel (cancellable);
  mode_queue_push_async (queue, ITEM (1), cancellable, store_wait, &wait);
  g_assert_false (await_push (queue, &wait, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (items_freed, ==, 1);  /* the push's item */
  g_assert_cmpuint (mode_queue_get_length (queue), ==, 0);
  g_assert_true (mode_queue_try_push (queue, ITEM (2)));
  mode_queue_pop_async (queue, cancellable, store_wait, &wait);
  g_assert_null (await_pop (queue, &wait, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (mode_queue_get_length (queue), ==, 1);
  g_clear_object (&cancellable);

  /* a push that waits, cancelled: it fails, its item is freed, and the
   * producer behind it goes on */
  cancellable = g_cancellable_new ();
  mode_queue_push_async (queue, ITEM (3), cancellable, store_wait, &wait);
  mode_queue_push_async (queue, ITEM (4), NULL, store_wait, &other);
  assert_waiting (&wait);
  g_cancellable_cancel (cancellable);
  g_assert_false (await_push (queue, &wait, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (items_freed, ==, 2);
  assert_waiting (&other);
  assert_try_pop (queue, ITEM (2));
  g_assert_true (await_push (queue, &other, &error));
  g_assert_no_error (error);
  assert_try_pop (queue, ITEM (4));
  g_clear_object (&cancellable);

  /* a pop that waits, cancelled: the next item goes to the next consumer */
  cancellable = g_cancellable_new ();
  mode_queue_pop_async (queue, cancellable, store_wait, &wait);
  mode_queue_pop_async (queue, NULL, store_wait, &other);
  assert_waiting (&wait);
  g_cancellable_cancel (cancellable);
  g_assert_null (await_pop (queue, &wait, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (mode_queue_try_push (queue, ITEM (5)));
  g_assert_true (await_pop (queue, &other, &error) == ITEM (5));
  g_assert_no_error (error);
  g_clear_object (&cancellable);

  /* cancelled once answered: nothing changes */
  cancellable = g_cancellable_new ();
  mode_queue_pop_async (queue, cancellable, store_wait, &wait);
  g_assert_true (mode_queue_try_push (queue, ITEM (6)));
  g_assert_true (await_pop (queue, &wait, &error) == ITEM (6));
  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  test_drain ();
  g_assert_null (wait.result);
  g_assert_cmpuint (wait.calls, ==, 5);
  g_assert_cmpint (items_freed, ==, 2);

  test_assert_finalized (cancellable);
  test_assert_finalized (queue);
}

/* }}} */

/* The owner service {{{ */

static void
test_service_stop (TestFixture   *f,
                   gconstpointer  data)
{
  ModeService *service = mode_service_new ();
  ModeQueue *queue;
  GError *error = NULL;
  Wait push = { 0, };
  Wait pop = { 0, };
  Wait more = { 0, };

  items_freed = 0;
  mode_service_set_label (service, "Owner");
  queue = mode_queue_new_for_service (service, 1, count_free);
  g_assert_true (mode_queue_dup_service (queue) == service);
  g_object_unref (service);
  test_start_ok (service);

  /* a consumer of the empty queue, then a producer of the full one */
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  assert_waiting (&pop);
  g_assert_true (mode_queue_try_push (queue, ITEM (1)));
  g_assert_true (await_pop (queue, &pop, &error) == ITEM (1));
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  assert_waiting (&pop);
  g_assert_true (mode_queue_try_push (queue, ITEM (2)));
  g_assert_true (await_pop (queue, &pop, &error) == ITEM (2));
  g_assert_true (mode_queue_try_push (queue, ITEM (3)));
  mode_queue_push_async (queue, ITEM (4), NULL, store_wait, &push);
  assert_waiting (&push);

  /* the stop ends every wait */
  mode_queue_pause (queue);
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  assert_waiting (&pop);
  test_stop_ok (service);
  g_assert_false (await_push (queue, &push, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_assert_nonnull (strstr (error->message, "Owner"));
  g_clear_error (&error);
  g_assert_cmpint (items_freed, ==, 1);  /* the push's */
  g_assert_null (await_pop (queue, &pop, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_clear_error (&error);
  mode_queue_resume (queue);

  /* stopped: what would wait fails at once, what need not wait works,
   * and the queued item stayed */
  g_assert_cmpuint (mode_queue_get_length (queue), ==, 1);
  mode_queue_push_async (queue, ITEM (5), NULL, store_wait, &push);
  g_assert_false (await_push (queue, &push, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_clear_error (&error);
  assert_try_pop (queue, ITEM (3));
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  g_assert_null (await_pop (queue, &pop, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_clear_error (&error);
  g_assert_true (mode_queue_try_push (queue, ITEM (6)));
  assert_try_pop (queue, ITEM (6));

  /* restarted: waits wait again, and end at the next stop */
  test_restart_ok (service);
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  mode_queue_pop_async (queue, NULL, store_wait, &more);
  assert_waiting (&pop);
  g_assert_true (mode_queue_try_push (queue, ITEM (7)));
  g_assert_true (await_pop (queue, &pop, &error) == ITEM (7));
  g_assert_no_error (error);
  assert_waiting (&more);
  test_stop_ok (service);
  g_assert_null (await_pop (queue, &more, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_clear_error (&error);

  /* the queue does not keep its service alive */
  test_assert_finalized (service);
  g_assert_null (mode_queue_dup_service (queue));

  test_assert_finalized (queue);
}

static void
test_service_crash (TestFixture   *f,
                    gconstpointer  data)
{
  ModeService *service = mode_service_new ();
  ModeQueue *queue = mode_queue_new_for_service (service, 0, NULL);
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "crash");
  GError *error = NULL;
  Wait pop = { 0, };

  test_log_expect_warnings ();
  test_start_ok (service);
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  assert_waiting (&pop);
  mode_service_crash (service, reason);
  g_assert_null (await_pop (queue, &pop, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_clear_error (&error);
  test_stop_ok (service);

  test_assert_finalized (queue);
  test_assert_finalized (service);
}

static void
test_service_never_started (TestFixture   *f,
                            gconstpointer  data)
{
  ModeService *service = mode_service_new ();
  ModeQueue *queue = mode_queue_new_for_service (service, 0, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;
  Wait pop = { 0, };

  /* a service not started yet: the wait waits, and a stop ends it */
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  assert_waiting (&pop);
  test_stop_ok (service);
  g_assert_null (await_pop (queue, &pop, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_clear_error (&error);

  /* stopped but never started, it is not told to stop: a wait waits,
   * until cancelled; the queue goes first, its watch lets go of the
   * service */
  mode_queue_pop_async (queue, cancellable, store_wait, &pop);
  assert_waiting (&pop);
  g_cancellable_cancel (cancellable);
  g_assert_null (await_pop (queue, &pop, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  test_assert_finalized (queue);
  test_assert_finalized (service);
}

/* The service holds its queue (the usual way round): no cycle. */
static void
test_service_holds_queue (TestFixture   *f,
                          gconstpointer  data)
{
  ModeService *service = mode_service_new ();
  ModeQueue *queue = mode_queue_new_for_service (service, 4, NULL);
  GObject *weak_queue = G_OBJECT (queue);
  Wait pop = { 0, };
  GError *error = NULL;

  g_object_add_weak_pointer (weak_queue, (gpointer *) &weak_queue);
  g_object_set_data_full (G_OBJECT (service), "queue", queue, g_object_unref);
  test_start_ok (service);
  mode_queue_pop_async (queue, NULL, store_wait, &pop);
  assert_waiting (&pop);
  test_stop_ok (service);
  g_assert_null (await_pop (queue, &pop, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_clear_error (&error);

  test_assert_finalized (service);
  g_assert_null (weak_queue);
}

/* A task of the service that consumes the queue ends with the stop. */
typedef struct
{
  ModeQueue *queue;
  GTask     *task;
  guint      consumed;
  GError    *ended;
} Consumer;

static void consumer_next (Consumer *c);

static void
consumer_got (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Consumer *c = data;
  GError *error = NULL;

  mode_queue_pop_finish (c->queue, result, &error);
  if (error != NULL)
    {
      GTask *task = g_steal_pointer (&c->task);

      /* the service stops: the task ends well */
      c->ended = error;
      if (g_error_matches (error, MODE_ERROR, MODE_ERROR_STOPPED))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
      return;
    }
  c->consumed++;
  consumer_next (c);
}

static void
consumer_next (Consumer *c)
{
  mode_queue_pop_async (c->queue, NULL, consumer_got, c);
}

static void
consumer_task (ModeService *service,
               GTask       *task,
               gpointer     data)
{
  Consumer *c = data;

  c->task = g_object_ref (task);
  consumer_next (c);
}

static void
test_service_task_consumer (TestFixture   *f,
                            gconstpointer  data)
{
  ModeService *service = mode_service_new ();
  Consumer c = { 0, };

  c.queue = mode_queue_new_for_service (service, 0, NULL);
  test_start_ok (service);
  mode_service_spawn (service, "consumer", consumer_task, &c, NULL);
  for (guint i = 1; i <= 100; i++)
    g_assert_true (mode_queue_try_push (c.queue, ITEM (i)));
  test_drain ();
  g_assert_cmpuint (c.consumed, ==, 100);

  /* the stop ends the task's wait; the task returns before the stop
   * would cancel it, and the stop does not wait for it to time out */
  test_stop_ok (service);
  g_assert_error (c.ended, MODE_ERROR, MODE_ERROR_STOPPED);
  g_assert_null (c.task);
  g_clear_error (&c.ended);
  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_SHUTDOWN);

  test_assert_finalized (c.queue);
  test_assert_finalized (service);
}

/* }}} */

/* Values, the bindings' form {{{ */

static void
test_values (TestFixture   *f,
             gconstpointer  data)
{
  ModeQueue *queue = g_object_new (MODE_TYPE_QUEUE, "capacity", 2, NULL);
  g_auto(GValue) in = G_VALUE_INIT;
  g_auto(GValue) out = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  Wait wait = { 0, };
  GValue *popped;
  GValue *raw;
  guint capacity = 0;

  g_object_get (queue, "capacity", &capacity, NULL);
  g_assert_cmpuint (capacity, ==, 2);

  g_value_init (&in, G_TYPE_STRING);
  g_value_set_string (&in, "one");
  g_assert_true (mode_queue_try_push_value (queue, &in));
  g_value_set_string (&in, "two");
  g_assert_true (mode_queue_try_push_value (queue, &in));
  g_assert_false (mode_queue_try_push_value (queue, &in));

  /* copies: the caller's value is its own */
  g_value_set_string (&in, "three");
  mode_queue_push_value_async (queue, &in, NULL, store_wait, &wait);
  g_value_unset (&in);
  assert_waiting (&wait);

  g_assert_true (mode_queue_try_pop_value (queue, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (&out), ==, "one");
  g_value_unset (&out);
  {
    g_autoptr(GAsyncResult) result = await_wait (&wait);

    g_assert_true (mode_queue_push_value_finish (queue, result, &error));
    g_assert_no_error (error);
  }

  mode_queue_pop_value_async (queue, NULL, store_wait, &wait);
  {
    g_autoptr(GAsyncResult) result = await_wait (&wait);

    popped = mode_queue_pop_value_finish (queue, result, &error);
    g_assert_no_error (error);
    g_assert_true (G_VALUE_HOLDS_STRING (popped));
    g_assert_cmpstr (g_value_get_string (popped), ==, "two");
    g_boxed_free (G_TYPE_VALUE, popped);
  }

  /* a value popped as a pointer is the GValue itself */
  mode_queue_pop_async (queue, NULL, store_wait, &wait);
  raw = await_pop (queue, &wait, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (raw), ==, "three");
  g_boxed_free (G_TYPE_VALUE, raw);

  /* NULL pushes a NULL pointer; nothing to pop gives one too */
  g_assert_true (mode_queue_try_push_value (queue, NULL));
  g_assert_true (mode_queue_try_pop_value (queue, &out, &error));
  g_assert_true (G_VALUE_HOLDS_POINTER (&out));
  g_assert_null (g_value_get_pointer (&out));
  g_value_unset (&out);
  g_assert_false (mode_queue_try_pop_value (queue, &out, &error));
  g_assert_no_error (error);
  g_assert_true (G_VALUE_HOLDS_POINTER (&out));
  g_value_unset (&out);

  /* a pointer popped as a value: a G_TYPE_POINTER value */
  g_assert_true (mode_queue_try_push (queue, ITEM (42)));
  g_assert_true (mode_queue_try_pop_value (queue, &out, &error));
  g_assert_true (g_value_get_pointer (&out) == ITEM (42));
  g_value_unset (&out);

  /* values the queue still holds are freed with it (valgrind sees) */
  g_value_init (&in, G_TYPE_STRING);
  g_value_set_string (&in, "left");
  g_assert_true (mode_queue_try_push_value (queue, &in));
  test_assert_finalized (queue);
}

/* }}} */

/* Threads {{{ */

/* A wait begun in a thread completes in that thread's context. */
typedef struct
{
  ModeQueue    *queue;
  ModeEvent    *waiting;
  GMainContext *context;
  Wait          wait;
  gpointer      item;
} ThreadPop;

static gpointer
pop_in_thread (gpointer data)
{
  ThreadPop *tp = data;
  g_autoptr(GError) error = NULL;

  tp->context = g_main_context_new ();
  g_main_context_push_thread_default (tp->context);
  mode_queue_pop_async (tp->queue, NULL, store_wait, &tp->wait);
  mode_event_set (tp->waiting);
  tp->item = await_pop (tp->queue, &tp->wait, &error);
  g_assert_no_error (error);
  test_drain ();
  g_main_context_pop_thread_default (tp->context);

  return NULL;
}

static void
test_thread_context (TestFixture   *f,
                     gconstpointer  data)
{
  ThreadPop tp = { 0, };
  GThread *thread;

  tp.queue = mode_queue_new (0, NULL);
  tp.waiting = mode_event_new ();
  thread = g_thread_new ("pop", pop_in_thread, &tp);
  while (!mode_event_is_set (tp.waiting))
    g_thread_yield ();
  test_drain ();

  g_assert_true (mode_queue_try_push (tp.queue, ITEM (1)));
  g_thread_join (thread);
  g_assert_true (tp.item == ITEM (1));
  g_assert_true (tp.wait.context == tp.context);
  g_main_context_unref (tp.context);

  test_assert_finalized (tp.waiting);
  test_assert_finalized (tp.queue);
}

#define N_PRODUCERS 4
#define CAPACITY 64

typedef struct
{
  ModeQueue    *queue;
  guint         id;
  guint         count;     /* items to push */
  guint         waited;    /* pushes that waited (back-pressure) */
} Producer;

/* item = seq * N_PRODUCERS + id + 1: never NULL, fits 32 bits */
#define PACK(id, seq) GUINT_TO_POINTER ((seq) * N_PRODUCERS + (id) + 1)

static gpointer
produce (gpointer data)
{
  Producer *p = data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  for (guint seq = 0; seq < p->count; seq++)
    {
      gpointer item = PACK (p->id, seq);

      if (!mode_queue_try_push (p->queue, item))
        {
          g_autoptr(GError) error = NULL;
          Wait wait = { 0, };

          p->waited++;
          mode_queue_push_async (p->queue, item, NULL, store_wait, &wait);
          g_assert_true (await_push (p->queue, &wait, &error));
          g_assert_no_error (error);
          g_assert_true (wait.context == context);
        }
    }
  test_drain ();
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

typedef struct
{
  ModeQueue *queue;
  guint      total;
  guint      received;
  guint      next[N_PRODUCERS];  /* the seq each producer's next item must have */
  guint      pops;               /* pops that waited */
  gboolean   waiting;
} Consume;

static void
consume_item (Consume  *c,
              gpointer  item)
{
  guint v = GPOINTER_TO_UINT (item) - 1;
  guint id = v % N_PRODUCERS;
  guint seq = v / N_PRODUCERS;

  /* no loss, no reordering: each producer's items in order */
  if (G_UNLIKELY (seq != c->next[id]))
    g_error ("producer %u: item %u came when %u was due", id, seq, c->next[id]);
  c->next[id]++;
  c->received++;
}

static void consume_next (Consume *c);

static void
consume_got (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Consume *c = data;
  g_autoptr(GError) error = NULL;
  gpointer item = mode_queue_pop_finish (c->queue, result, &error);

  g_assert_no_error (error);
  c->waiting = FALSE;
  consume_item (c, item);
  consume_next (c);
}

/* Takes what is there, then waits for more. */
static void
consume_next (Consume *c)
{
  gpointer item;

  while (c->received < c->total && mode_queue_try_pop (c->queue, &item, NULL))
    consume_item (c, item);
  if (c->received < c->total)
    {
      c->waiting = TRUE;
      c->pops++;
      mode_queue_pop_async (c->queue, NULL, consume_got, c);
    }
}

static gboolean
consume_done (gpointer data)
{
  Consume *c = data;

  return c->received == c->total && !c->waiting;
}

/* Waits until *@count reaches @total; fails only when it stops moving
 * for TEST_TIMEOUT_SECONDS (a run under valgrind takes minutes). */
typedef struct
{
  const guint *count;
  guint        last;
  gboolean     stuck;
} Progress;

static gboolean
progress_check (gpointer data)
{
  Progress *p = data;

  p->stuck = *p->count == p->last;
  p->last = *p->count;
  return G_SOURCE_CONTINUE;
}

static void
wait_for_count (const guint *count,
                guint        total,
                const char  *what)
{
  Progress p = { count, *count, FALSE };
  GSource *source = g_timeout_source_new_seconds (TEST_TIMEOUT_SECONDS);

  g_source_set_callback (source, progress_check, &p, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  while (*count < total)
    {
      if (p.stuck)
        g_error ("%s: stuck at %u of %u for %d s", what, *count, total, TEST_TIMEOUT_SECONDS);
      test_iterate (TRUE);
    }
  g_source_destroy (source);
  g_source_unref (source);
}

/* How many items the big runs push: MODE_TEST_QUEUE_ITEMS, 1,000,000 by
 * default (the valgrind setup asks for fewer). */
static guint
n_items (void)
{
  const char *env = g_getenv ("MODE_TEST_QUEUE_ITEMS");
  guint64 n = env != NULL ? g_ascii_strtoull (env, NULL, 10) : 0;

  return n > 0 ? (guint) n : 1000000;
}

static void
test_threads (TestFixture   *f,
              gconstpointer  data)
{
  Producer producers[N_PRODUCERS];
  GThread *threads[N_PRODUCERS];
  Consume c = { 0, };
  guint total = n_items ();
  guint waited = 0;
  gint64 began = g_get_monotonic_time ();

  c.queue = mode_queue_new (CAPACITY, NULL);
  c.total = total;
  consume_next (&c);

  for (guint i = 0; i < N_PRODUCERS; i++)
    {
      producers[i] = (Producer) { c.queue, i, total / N_PRODUCERS + (i < total % N_PRODUCERS), 0 };
      threads[i] = g_thread_new ("producer", produce, &producers[i]);
    }

  wait_for_count (&c.received, total, "every item");
  test_wait_until (consume_done, &c, "the last pop");
  for (guint i = 0; i < N_PRODUCERS; i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (c.next[i], ==, producers[i].count);
      waited += producers[i].waited;
    }
  g_assert_cmpuint (c.received, ==, total);
  g_assert_cmpuint (mode_queue_get_length (c.queue), ==, 0);
  g_test_message ("%u items from %u threads in %.2f s; %u pushes waited for room, %u pops for items",
                  total, N_PRODUCERS, (g_get_monotonic_time () - began) / 1e6, waited, c.pops);

  test_assert_finalized (c.queue);
}

/* One producer, one consumer, both on the main context, under
 * back-pressure: every push that finds the queue full waits. */
typedef struct
{
  ModeQueue *queue;
  guint      total;
  guint      pushed;
  guint      popped;
  guint      waited;
} Pipe;

static void pipe_produce (Pipe *p);

static void
pipe_pushed (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Pipe *p = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (mode_queue_push_finish (MODE_QUEUE (source), result, &error));
  g_assert_no_error (error);
  p->pushed++;
  pipe_produce (p);
}

static void
pipe_produce (Pipe *p)
{
  while (p->pushed < p->total)
    {
      if (!mode_queue_try_push (p->queue, GUINT_TO_POINTER (p->pushed + 1)))
        {
          p->waited++;
          mode_queue_push_async (p->queue, GUINT_TO_POINTER (p->pushed + 1), NULL,
                                 pipe_pushed, p);
          return;
        }
      p->pushed++;
    }
}

static void pipe_consume (Pipe *p);

static void
pipe_got (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  Pipe *p = data;
  g_autoptr(GError) error = NULL;
  gpointer item = mode_queue_pop_finish (MODE_QUEUE (source), result, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (GPOINTER_TO_UINT (item), ==, ++p->popped);
  pipe_consume (p);
}

/* One item per pop, as a plain consumer does. */
static void
pipe_consume (Pipe *p)
{
  if (p->popped < p->total)
    mode_queue_pop_async (p->queue, NULL, pipe_got, p);
}

static void
test_back_pressure (TestFixture   *f,
                    gconstpointer  data)
{
  Pipe p = { 0, };

  p.queue = mode_queue_new (CAPACITY, NULL);
  p.total = n_items ();
  pipe_consume (&p);
  pipe_produce (&p);
  wait_for_count (&p.popped, p.total, "every item");
  g_assert_cmpuint (p.pushed, ==, p.total);
  g_assert_cmpuint (p.waited, >, 0);
  g_assert_cmpuint (mode_queue_get_length (p.queue), ==, 0);

  test_assert_finalized (p.queue);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  test_log_init ();

#define ADD(path, func) \
  g_test_add ("/queue/" path, TestFixture, NULL, test_fixture_setup, func, test_fixture_teardown)

  ADD ("fifo", test_fifo);
  ADD ("fair-consumers", test_fair_consumers);
  ADD ("capacity", test_capacity);
  ADD ("pause", test_pause);
  ADD ("throw", test_throw);
  ADD ("clear", test_clear);
  ADD ("cancel", test_cancel);
  ADD ("service/stop", test_service_stop);
  ADD ("service/crash", test_service_crash);
  ADD ("service/never-started", test_service_never_started);
  ADD ("service/holds-queue", test_service_holds_queue);
  ADD ("service/task-consumer", test_service_task_consumer);
  ADD ("values", test_values);
  ADD ("thread-context", test_thread_context);
  ADD ("threads", test_threads);
  ADD ("back-pressure", test_back_pressure);

#undef ADD

  return g_test_run ();
}

/* vim: set foldmethod=marker: */
