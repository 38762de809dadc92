/* test-event.c: ModeEvent
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "test-util.h"

/* Main context helpers {{{ */

/* What a wait's callback saw: its result, and where it ran. */
typedef struct
{
  GAsyncResult *result;     /* (owned) (nullable) */
  GMainContext *context;    /* (unowned): thread-default while it ran */
  GThread      *thread;     /* (unowned) */
  guint         calls;
} Wait;

static void
store_wait (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  g_assert_true (MODE_IS_EVENT (source));
  g_assert_null (wait->result);
  wait->result = g_object_ref (result);
  wait->context = g_main_context_get_thread_default ();
  wait->thread = g_thread_self ();
  wait->calls++;
}

/* Waits for the wait to complete and finishes it. */
static gboolean
await_wait (ModeEvent  *event,
            Wait       *wait,
            GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  while (wait->result == NULL)
    test_iterate (TRUE);

  result = g_steal_pointer (&wait->result);
  return mode_event_wait_finish (event, result, error);
}

/* }}} */

/* Tests {{{ */

static void
test_set_clear (TestFixture       *f,
                gconstpointer  data)
{
  ModeEvent *event = mode_event_new ();

  g_assert_true (MODE_IS_EVENT (event));
  g_assert_false (mode_event_is_set (event));
  mode_event_set (event);
  g_assert_true (mode_event_is_set (event));
  mode_event_set (event);
  g_assert_true (mode_event_is_set (event));
  mode_event_clear (event);
  g_assert_false (mode_event_is_set (event));
  mode_event_clear (event);
  g_assert_false (mode_event_is_set (event));

  test_assert_finalized (event);
}

static void
test_wait (TestFixture       *f,
           gconstpointer  data)
{
  ModeEvent *event = mode_event_new ();
  GError *error = NULL;
  Wait wait = { 0, };

  /* completes once set */
  mode_event_wait_async (event, NULL, store_wait, &wait);
  test_drain ();
  g_assert_null (wait.result);
  mode_event_set (event);
  g_assert_true (await_wait (event, &wait, &error));
  g_assert_no_error (error);
  g_assert_true (wait.context == f->context);
  g_assert_cmpuint (wait.calls, ==, 1);

  /* set already: completes at once, but never inside the call */
  mode_event_wait_async (event, NULL, store_wait, &wait);
  g_assert_null (wait.result);
  g_assert_true (await_wait (event, &wait, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (wait.calls, ==, 2);

  /* cleared: waits again */
  mode_event_clear (event);
  mode_event_wait_async (event, NULL, store_wait, &wait);
  test_drain ();
  g_assert_null (wait.result);
  mode_event_set (event);
  g_assert_true (await_wait (event, &wait, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (wait.calls, ==, 3);

  /* setting it again completes nothing more */
  mode_event_set (event);
  test_drain ();
  g_assert_null (wait.result);
  g_assert_cmpuint (wait.calls, ==, 3);

  test_assert_finalized (event);
}

#define N_WAITERS 100

static void
test_many_waiters (TestFixture       *f,
                   gconstpointer  data)
{
  ModeEvent *event = mode_event_new ();
  Wait waits[N_WAITERS] = { { 0, }, };
  GError *error = NULL;

  for (guint i = 0; i < N_WAITERS; i++)
    mode_event_wait_async (event, NULL, store_wait, &waits[i]);
  test_drain ();
  for (guint i = 0; i < N_WAITERS; i++)
    g_assert_null (waits[i].result);

  /* one set wakes them all */
  mode_event_set (event);
  test_drain ();
  for (guint i = 0; i < N_WAITERS; i++)
    {
      g_assert_cmpuint (waits[i].calls, ==, 1);
      g_assert_true (await_wait (event, &waits[i], &error));
      g_assert_no_error (error);
    }

  test_assert_finalized (event);
}

static gpointer
set_in_thread (gpointer data)
{
  mode_event_set (data);
  return NULL;
}

static void
test_set_from_thread (TestFixture       *f,
                      gconstpointer  data)
{
  ModeEvent *event = mode_event_new ();
  GError *error = NULL;
  Wait wait = { 0, };
  GThread *thread;

  mode_event_wait_async (event, NULL, store_wait, &wait);
  test_drain ();

  /* the other thread's set wakes this thread's context up */
  thread = g_thread_new ("set-event", set_in_thread, event);
  g_assert_true (await_wait (event, &wait, &error));
  g_assert_no_error (error);
  g_assert_true (wait.context == f->context);
  g_assert_true (wait.thread == g_thread_self ());
  g_thread_join (thread);

  test_assert_finalized (event);
}

/* A thread that waits in its own context. */
typedef struct
{
  ModeEvent    *event;
  ModeEvent    *waiting;     /* set once the wait is queued */
  GMainContext *context;     /* the thread's */
  GThread      *thread;
  Wait          wait;
  gboolean      result;
} ThreadWait;

static gpointer
wait_in_thread (gpointer data)
{
  ThreadWait *tw = data;
  GError *error = NULL;

  tw->context = g_main_context_new ();
  tw->thread = g_thread_self ();
  g_main_context_push_thread_default (tw->context);

  mode_event_wait_async (tw->event, NULL, store_wait, &tw->wait);
  mode_event_set (tw->waiting);
  tw->result = await_wait (tw->event, &tw->wait, &error);
  g_assert_no_error (error);

  test_drain ();
  g_main_context_pop_thread_default (tw->context);

  return NULL;
}

static void
test_waiters_in_two_threads (TestFixture       *f,
                             gconstpointer  data)
{
  ModeEvent *event = mode_event_new ();
  ThreadWait tw = { 0, };
  GError *error = NULL;
  Wait waiting = { 0, };
  Wait wait = { 0, };
  GThread *thread;

  tw.event = event;
  tw.waiting = mode_event_new ();

  mode_event_wait_async (event, NULL, store_wait, &wait);
  thread = g_thread_new ("wait-event", wait_in_thread, &tw);
  mode_event_wait_async (tw.waiting, NULL, store_wait, &waiting);
  g_assert_true (await_wait (tw.waiting, &waiting, &error));
  g_assert_no_error (error);

  /* each waiter wakes in the context it waited from */
  mode_event_set (event);
  g_assert_true (await_wait (event, &wait, &error));
  g_assert_no_error (error);
  g_assert_true (wait.context == f->context);
  g_assert_true (wait.thread == g_thread_self ());

  g_thread_join (thread);
  g_assert_true (tw.result);
  g_assert_true (tw.wait.context == tw.context);
  g_assert_true (tw.wait.thread == tw.thread);
  g_assert_true (tw.context != f->context);
  g_main_context_unref (tw.context);

  test_assert_finalized (tw.waiting);
  test_assert_finalized (event);
}

static void
test_cancelled (TestFixture       *f,
                gconstpointer  data)
{
  ModeEvent *event = mode_event_new ();
  GCancellable *cancellable = g_cancellable_new ();
  GError *error = NULL;
  Wait wait = { 0, };

  /* cancelled already */
  g_cancellable_cancel (cancellable);
  mode_event_wait_async (event, cancellable, store_wait, &wait);
  g_assert_false (await_wait (event, &wait, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* ...even when the event is set */
  mode_event_set (event);
  mode_event_wait_async (event, cancellable, store_wait, &wait);
  g_assert_false (await_wait (event, &wait, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  mode_event_clear (event);
  g_clear_object (&cancellable);

  /* cancelled later */
  cancellable = g_cancellable_new ();
  mode_event_wait_async (event, cancellable, store_wait, &wait);
  test_drain ();
  g_assert_null (wait.result);
  g_cancellable_cancel (cancellable);
  g_assert_false (await_wait (event, &wait, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (wait.calls, ==, 3);

  /* a cancelled wait is over: the set completes only the others */
  {
    Wait other = { 0, };

    mode_event_wait_async (event, NULL, store_wait, &other);
    mode_event_set (event);
    g_assert_true (await_wait (event, &other, &error));
    g_assert_no_error (error);
    test_drain ();
    g_assert_null (wait.result);
    g_assert_cmpuint (wait.calls, ==, 3);
  }

  /* cancelling once the wait completed changes nothing */
  g_clear_object (&cancellable);
  cancellable = g_cancellable_new ();
  mode_event_clear (event);
  mode_event_wait_async (event, cancellable, store_wait, &wait);
  mode_event_set (event);
  g_assert_true (await_wait (event, &wait, &error));
  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  test_drain ();
  g_assert_null (wait.result);
  g_assert_cmpuint (wait.calls, ==, 4);

  test_assert_finalized (cancellable);
  test_assert_finalized (event);
}

static void
test_no_leaks (TestFixture       *f,
               gconstpointer  data)
{
  ModeEvent *event = mode_event_new ();
  GCancellable *cancellable = g_cancellable_new ();
  GObject *results[3] = { NULL, };
  Wait waits[3] = { { 0, }, };
  GError *error = NULL;

  mode_event_wait_async (event, NULL, store_wait, &waits[0]);
  mode_event_wait_async (event, cancellable, store_wait, &waits[1]);
  mode_event_wait_async (event, cancellable, store_wait, &waits[2]);
  test_drain ();

  /* one wait cancelled, two set: every task goes */
  g_cancellable_cancel (cancellable);
  while (waits[1].result == NULL || waits[2].result == NULL)
    test_iterate (TRUE);
  mode_event_set (event);
  while (waits[0].result == NULL)
    test_iterate (TRUE);

  for (guint i = 0; i < 3; i++)
    {
      results[i] = G_OBJECT (waits[i].result);
      g_object_add_weak_pointer (results[i], (gpointer *) &results[i]);
    }
  g_assert_true (await_wait (event, &waits[0], &error));
  g_assert_no_error (error);
  for (guint i = 1; i < 3; i++)
    {
      g_assert_false (await_wait (event, &waits[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
    }

  test_drain ();
  for (guint i = 0; i < 3; i++)
    g_assert_null (results[i]);

  test_assert_finalized (cancellable);
  test_assert_finalized (event);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/event/" path, TestFixture, NULL, test_fixture_setup, func, test_fixture_teardown)

  ADD ("set-clear", test_set_clear);
  ADD ("wait", test_wait);
  ADD ("many-waiters", test_many_waiters);
  ADD ("set-from-thread", test_set_from_thread);
  ADD ("waiters-in-two-threads", test_waiters_in_two_threads);
  ADD ("cancelled", test_cancelled);
  ADD ("no-leaks", test_no_leaks);

#undef ADD

  return g_test_run ();
}

/* vim: set foldmethod=marker: */
