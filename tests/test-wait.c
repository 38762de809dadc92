/* test-wait.c: waiting on many events: mode_service_wait_any_async()
 * and mode_service_wait_all_async()
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Each wait ends as mode_service_wait_async() ends: TRUE when its events
 * were set, FALSE when the service stopped or crashed first,
 * MODE_ERROR_TIMEOUT on the service's (manual) clock, G_IO_ERROR_CANCELLED.
 */

#include "test-util.h"

#define N_EVENTS 3

typedef struct
{
  TestFixture  base;
  ModeService *service;            /* (owned) */
  ModeEvent   *events[N_EVENTS];   /* (owned) */
  GAsyncResult *slot;
} WaitFixture;

static void
wait_setup (WaitFixture   *f,
            gconstpointer  data)
{
  test_fixture_setup (&f->base, data);
  f->service = g_object_new (MODE_TYPE_SERVICE, "clock", f->base.clock, "label", "Waiter", NULL);
  for (guint i = 0; i < N_EVENTS; i++)
    f->events[i] = mode_event_new ();
  test_start_ok (f->service);
}

static void
wait_teardown (WaitFixture   *f,
               gconstpointer  data)
{
  g_assert_null (f->slot);
  test_drain ();
  /* nothing waits on the events or holds the service any longer */
  for (guint i = 0; i < N_EVENTS; i++)
    test_assert_finalized (g_steal_pointer (&f->events[i]));
  test_op_stop (f->service, NULL);
  test_assert_finalized (g_steal_pointer (&f->service));
  test_fixture_teardown (&f->base, data);
}

static void
wait_any (WaitFixture  *f,
          ModeEvent   **events,
          guint         n_events,
          gdouble       timeout,
          GCancellable *cancellable)
{
  mode_service_wait_any_async (f->service, events, n_events, timeout, cancellable,
                               test_store_result, &f->slot);
}

static void
wait_all (WaitFixture  *f,
          ModeEvent   **events,
          guint         n_events,
          gdouble       timeout,
          GCancellable *cancellable)
{
  mode_service_wait_all_async (f->service, events, n_events, timeout, cancellable,
                               test_store_result, &f->slot);
}

/* What the wait_any said: TRUE and the index, or FALSE and the error. */
static gboolean
any_result (WaitFixture  *f,
            guint        *index,
            GError      **error)
{
  g_autoptr(GAsyncResult) result = test_await_result (&f->slot);

  *index = G_MAXUINT;
  return mode_service_wait_any_finish (f->service, result, index, error);
}

static gboolean
all_result (WaitFixture  *f,
            GError      **error)
{
  g_autoptr(GAsyncResult) result = test_await_result (&f->slot);

  return mode_service_wait_all_finish (f->service, result, error);
}

/* Runs the context; the wait is still on. */
static void
assert_waiting (WaitFixture *f)
{
  test_drain ();
  g_assert_null (f->slot);
}

/* wait_any {{{ */

static void
test_any_first (WaitFixture   *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint index;

  wait_any (f, f->events, N_EVENTS, -1, NULL);
  assert_waiting (f);
  test_advance (f->base.clock, USEC (1000));
  g_assert_null (f->slot);

  mode_event_set (f->events[1]);
  g_assert_true (any_result (f, &index, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (index, ==, 1);

  /* the others are not waited for any more: setting one completes nothing */
  mode_event_set (f->events[2]);
  mode_event_set (f->events[0]);
  assert_waiting (f);

  /* the index is optional */
  wait_any (f, f->events, N_EVENTS, -1, NULL);
  {
    g_autoptr(GAsyncResult) result = test_await_result (&f->slot);

    g_assert_true (mode_service_wait_any_finish (f->service, result, NULL, &error));
    g_assert_no_error (error);
  }
}

/* An event set before the call ends the wait at once: the first such. */
static void
test_any_already_set (WaitFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint index;

  mode_event_set (f->events[2]);
  mode_event_set (f->events[1]);
  wait_any (f, f->events, N_EVENTS, 1.0, NULL);
  g_assert_true (any_result (f, &index, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (index, ==, 1);

  /* one event twice: its first place */
  mode_event_clear (f->events[1]);
  mode_event_clear (f->events[2]);
  {
    ModeEvent *twice[] = { f->events[0], f->events[2], f->events[0] };

    wait_any (f, twice, G_N_ELEMENTS (twice), -1, NULL);
    assert_waiting (f);
    mode_event_set (f->events[0]);
    g_assert_true (any_result (f, &index, &error));
    g_assert_cmpuint (index, ==, 0);
  }

  /* a deadline passed meanwhile does not matter */
  wait_any (f, f->events, 1, 0.0, NULL);
  g_assert_true (any_result (f, &index, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (index, ==, 0);
}

static void
test_any_timeout (WaitFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint index;

  wait_any (f, f->events, N_EVENTS, 2.0, NULL);
  test_advance (f->base.clock, USEC (2) - 1);
  g_assert_null (f->slot);
  mode_clock_advance (f->base.clock, 1);
  g_assert_false (any_result (f, &index, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "Waiter"));
  /* untouched when not TRUE */
  g_assert_cmpuint (index, ==, G_MAXUINT);

  /* an event set after the timeout completes nothing again */
  mode_event_set (f->events[0]);
  assert_waiting (f);
}

static void
test_any_cancelled (WaitFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  guint index;

  wait_any (f, f->events, N_EVENTS, 10.0, cancellable);
  assert_waiting (f);
  g_cancellable_cancel (cancellable);
  g_assert_false (any_result (f, &index, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* cancelled before the call, with an event set: cancelled */
  mode_event_set (f->events[0]);
  wait_any (f, f->events, N_EVENTS, -1, cancellable);
  g_assert_false (any_result (f, &index, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* FALSE, no error, when the service stops first; the events' waits end
 * with the stop, which waits for no one. */
static void
test_any_stopped (WaitFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint index;

  wait_any (f, f->events, N_EVENTS, -1, NULL);
  assert_waiting (f);
  test_stop_ok (f->service);
  g_assert_false (any_result (f, &index, &error));
  g_assert_no_error (error);

  /* told to stop already: FALSE at once, even with an event set */
  mode_event_set (f->events[0]);
  wait_any (f, f->events, N_EVENTS, -1, NULL);
  g_assert_false (any_result (f, &index, &error));
  g_assert_no_error (error);
}

static void
test_any_crashed (WaitFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
  g_autoptr(GError) error = NULL;
  guint index;

  test_log_expect_warnings ();
  wait_any (f, f->events, N_EVENTS, 5.0, NULL);
  assert_waiting (f);
  mode_service_crash (f->service, reason);
  g_assert_false (any_result (f, &index, &error));
  g_assert_no_error (error);
}

typedef struct
{
  ModeEvent *event;
  gint       go;
} SetLater;

static gpointer
set_in_thread (gpointer data)
{
  SetLater *later = data;

  while (!g_atomic_int_get (&later->go))
    g_thread_yield ();
  mode_event_set (later->event);
  return NULL;
}

/* An event set in another thread ends the wait in the service's context. */
static void
test_any_from_thread (WaitFixture   *f,
                      gconstpointer  data)
{
  SetLater later = { f->events[2], FALSE };
  g_autoptr(GError) error = NULL;
  GThread *thread;
  guint index;

  thread = g_thread_new ("setter", set_in_thread, &later);
  wait_any (f, f->events, N_EVENTS, -1, NULL);
  assert_waiting (f);
  g_atomic_int_set (&later.go, TRUE);
  g_assert_true (any_result (f, &index, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (index, ==, 2);
  g_thread_join (thread);
}

/* }}} */

/* wait_all {{{ */

static void
test_all_every (WaitFixture   *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  wait_all (f, f->events, N_EVENTS, -1, NULL);
  assert_waiting (f);
  mode_event_set (f->events[2]);
  assert_waiting (f);
  mode_event_set (f->events[0]);
  assert_waiting (f);
  /* an event set counts, cleared or not */
  mode_event_clear (f->events[0]);
  mode_event_clear (f->events[2]);
  assert_waiting (f);
  mode_event_set (f->events[1]);
  g_assert_true (all_result (f, &error));
  g_assert_no_error (error);
}

static void
test_all_already_set (WaitFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* some: the others are waited for */
  mode_event_set (f->events[0]);
  mode_event_set (f->events[1]);
  wait_all (f, f->events, N_EVENTS, -1, NULL);
  assert_waiting (f);
  mode_event_set (f->events[2]);
  g_assert_true (all_result (f, &error));
  g_assert_no_error (error);

  /* all: at once, before any deadline */
  wait_all (f, f->events, N_EVENTS, 0.0, NULL);
  g_assert_true (all_result (f, &error));
  g_assert_no_error (error);

  /* none to wait for: at once */
  wait_all (f, NULL, 0, -1, NULL);
  g_assert_true (all_result (f, &error));
  g_assert_no_error (error);
}

static void
test_all_timeout (WaitFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  wait_all (f, f->events, N_EVENTS, 1.5, NULL);
  mode_event_set (f->events[0]);
  mode_event_set (f->events[1]);
  test_advance (f->base.clock, USEC (1.5) - 1);
  g_assert_null (f->slot);
  mode_clock_advance (f->base.clock, 1);
  g_assert_false (all_result (f, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_TIMEOUT);

  mode_event_set (f->events[2]);
  assert_waiting (f);
}

static void
test_all_cancelled (WaitFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  wait_all (f, f->events, N_EVENTS, -1, cancellable);
  mode_event_set (f->events[1]);
  assert_waiting (f);
  g_cancellable_cancel (cancellable);
  g_assert_false (all_result (f, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_all_stopped (WaitFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  wait_all (f, f->events, N_EVENTS, 30.0, NULL);
  mode_event_set (f->events[1]);
  assert_waiting (f);
  test_stop_ok (f->service);
  g_assert_false (all_result (f, &error));
  g_assert_no_error (error);

  /* told to stop already: FALSE at once, even with nothing to wait for */
  wait_all (f, NULL, 0, -1, NULL);
  g_assert_false (all_result (f, &error));
  g_assert_no_error (error);
}

static void
test_all_crashed (WaitFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
  g_autoptr(GError) error = NULL;

  test_log_expect_warnings ();
  wait_all (f, f->events, N_EVENTS, -1, NULL);
  assert_waiting (f);
  mode_service_crash (f->service, reason);
  g_assert_false (all_result (f, &error));
  g_assert_no_error (error);
}

/* }}} */

/* Programmer errors: criticals, and no callback. */
static void
test_bad_arguments (WaitFixture   *f,
                    gconstpointer  data)
{
  ModeEvent *with_null[] = { f->events[0], NULL };

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*n_events > 0*");
  wait_any (f, NULL, 0, -1, NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*events_are_valid*");
  wait_any (f, with_null, G_N_ELEMENTS (with_null), -1, NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*events_are_valid*");
  wait_all (f, with_null, G_N_ELEMENTS (with_null), -1, NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*events_are_valid*");
  wait_all (f, NULL, 2, -1, NULL);
  g_test_assert_expected_messages ();

  assert_waiting (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  test_log_init ();

#define ADD(path, func) \
  g_test_add (path, WaitFixture, NULL, wait_setup, func, wait_teardown)

  ADD ("/wait/any/first", test_any_first);
  ADD ("/wait/any/already-set", test_any_already_set);
  ADD ("/wait/any/timeout", test_any_timeout);
  ADD ("/wait/any/cancelled", test_any_cancelled);
  ADD ("/wait/any/stopped", test_any_stopped);
  ADD ("/wait/any/crashed", test_any_crashed);
  ADD ("/wait/any/from-thread", test_any_from_thread);
  ADD ("/wait/all/every", test_all_every);
  ADD ("/wait/all/already-set", test_all_already_set);
  ADD ("/wait/all/timeout", test_all_timeout);
  ADD ("/wait/all/cancelled", test_all_cancelled);
  ADD ("/wait/all/stopped", test_all_stopped);
  ADD ("/wait/all/crashed", test_all_crashed);
  ADD ("/wait/bad-arguments", test_bad_arguments);

#undef ADD

  return g_test_run ();
}
