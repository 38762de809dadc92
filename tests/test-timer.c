/* test-timer.c: the timers of ModeService
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "test-util.h"

/* Main context helpers {{{ */

static ModeService *
service_new (ModeClock  *clock,
             const char *label)
{
  return g_object_new (MODE_TYPE_SERVICE, "clock", clock, "label", label, NULL);
}

/* }}} */

/* What a timer's function saw {{{ */

typedef struct
{
  guint64 calls;
  gint64  last_due;     /* mode_timer_get_last_due() inside the function */
  gint64  last_now;     /* the service's clock inside the function */
  guint64 advance_on;   /* on this call (from 1), advance the clock... */
  gint64  advance_by;   /* ...by this much, as a slow function would take */
  guint   destroyed;
} Ticks;

static void
on_tick (ModeService *service,
         ModeTimer   *timer,
         gpointer     user_data)
{
  Ticks *ticks = user_data;
  ModeClock *clock = mode_service_get_clock (service);
  gint64 now = mode_clock_get_time (clock);

  g_assert_true (MODE_IS_TIMER (timer));
  ticks->calls++;
  ticks->last_due = mode_timer_get_last_due (timer);
  ticks->last_now = now;

  /* never before its due time */
  g_assert_cmpint (now, >=, ticks->last_due);

  if (ticks->calls == ticks->advance_on)
    mode_clock_advance (clock, ticks->advance_by);
}

static void
ticks_destroyed (gpointer user_data)
{
  Ticks *ticks = user_data;

  ticks->destroyed++;
}

/* }}} */

/* Asynchronous timers {{{ */

typedef struct
{
  guint64   calls;
  gint64    last_due;
  GTask    *held;          /* (owned) (nullable): a task left running */
  gboolean  hold;          /* keep the tasks instead of completing them */
  gboolean  drop;          /* drop the tasks without completing them */
  GError   *fail_with;     /* (owned) (nullable): complete the next task with it */
  guint     destroyed;
} AsyncTicks;

static void
on_async_tick (ModeService  *service,
               ModeTimer    *timer,
               GCancellable *cancellable,
               GTask        *task,
               gpointer      user_data)
{
  AsyncTicks *ticks = user_data;

  g_assert_true (MODE_IS_TIMER (timer));
  g_assert_true (mode_timer_get_is_async (timer));
  g_assert_true (G_IS_TASK (task));
  g_assert_true (g_task_get_cancellable (task) == cancellable);
  g_assert_false (g_cancellable_is_cancelled (cancellable));
  ticks->calls++;
  ticks->last_due = mode_timer_get_last_due (timer);

  if (ticks->drop)
    return;
  if (ticks->hold)
    {
      g_assert_null (ticks->held);
      ticks->held = g_object_ref (task);
    }
  else if (ticks->fail_with != NULL)
    g_task_return_error (task, g_steal_pointer (&ticks->fail_with));
  else
    g_task_return_boolean (task, TRUE);
}

static void
async_ticks_destroyed (gpointer user_data)
{
  ((AsyncTicks *) user_data)->destroyed++;
}

static void
async_ticks_clear (AsyncTicks *ticks)
{
  g_clear_object (&ticks->held);
  g_clear_error (&ticks->fail_with);
}

static void
test_async_ticks (TestFixture   *f,
                  gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  AsyncTicks ticks = { 0, };
  ModeTimer *timer;
  gint64 epoch;

  timer = mode_service_add_async_timer (service, "poll", 1.0, MODE_TIMER_NONE,
                                        on_async_tick, &ticks, async_ticks_destroyed);
  g_assert_true (mode_timer_get_is_async (timer));
  g_assert_false (mode_timer_get_exec_first (timer));
  g_assert_null (mode_timer_get_cron (timer));
  g_assert_null (mode_timer_get_time_zone (timer));
  test_advance (f->clock, USEC (10));
  epoch = mode_clock_get_time (f->clock);
  test_start_ok (service);

  for (guint64 n = 1; n <= 5; n++)
    {
      test_advance (f->clock, USEC (1) - 1);
      g_assert_cmpuint (ticks.calls, ==, n - 1);
      test_advance (f->clock, 1);
      g_assert_cmpuint (ticks.calls, ==, n);
      g_assert_cmpint (ticks.last_due, ==, epoch + (gint64) n * USEC (1));
      /* the task ended in the iterations that followed */
      g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 0);
    }
  g_assert_cmpuint (mode_timer_get_iteration (timer), ==, 5);
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 0);

  test_stop_ok (service);
  test_assert_finalized (service);
  g_assert_cmpuint (ticks.destroyed, ==, 1);
  async_ticks_clear (&ticks);
}

/* The next tick waits for the task: a task that ends past the next due
 * time is an overlap, and the ticks it covered are skipped. */
static void
test_async_no_overlap (TestFixture   *f,
                       gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  AsyncTicks ticks = { 0, };
  ModeTimer *timer;
  gint64 epoch;

  timer = mode_service_add_async_timer (service, "slow", 1.0, MODE_TIMER_NONE,
                                        on_async_tick, &ticks, NULL);
  epoch = mode_clock_get_time (f->clock);
  test_start_ok (service);

  /* a task that ends before the next tick is due: no overlap */
  ticks.hold = TRUE;
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 1);
  test_advance (f->clock, USEC (0.5));
  g_task_return_boolean (ticks.held, TRUE);
  g_clear_object (&ticks.held);
  test_drain ();
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 0);
  test_advance (f->clock, USEC (0.5));
  g_assert_cmpuint (ticks.calls, ==, 2);
  g_assert_cmpint (ticks.last_due, ==, epoch + USEC (2));

  /* one that runs from epoch + 2 s to epoch + 4.5 s */
  for (guint i = 0; i < 5; i++)
    test_advance (f->clock, USEC (0.5));
  g_assert_cmpuint (ticks.calls, ==, 2);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 1);
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 0);

  ticks.hold = FALSE;
  g_task_return_boolean (ticks.held, TRUE);
  g_clear_object (&ticks.held);
  test_drain ();
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 1);
  g_assert_true (test_log_contains ("*slow*overlapping*"));

  /* the ticks of 3 s and 4 s were skipped: the next is at 5 s */
  test_advance (f->clock, USEC (0.5) - 1);
  g_assert_cmpuint (ticks.calls, ==, 2);
  test_advance (f->clock, 1);
  g_assert_cmpuint (ticks.calls, ==, 3);
  g_assert_cmpint (ticks.last_due, ==, epoch + USEC (5));
  g_assert_cmpint (mode_timer_get_last_drift (timer), ==, 0);
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 4);
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 1);

  test_stop_ok (service);
  test_assert_finalized (service);
  async_ticks_clear (&ticks);
}

static void
test_async_error_crashes (TestFixture   *f,
                          gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  AsyncTicks ticks = { 0, };

  mode_service_add_async_timer (service, "fails", 1.0, MODE_TIMER_NONE, on_async_tick, &ticks, NULL);
  test_start_ok (service);

  /* cancelled is no failure: the timer goes on */
  ticks.fail_with = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 1);
  g_assert_false (mode_service_get_crashed (service));
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 2);

  ticks.fail_with = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "poll timed out");
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 3);
  g_assert_true (mode_service_get_crashed (service));
  g_assert_error (mode_service_get_crash_reason (service), G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (test_log_contains ("*fails failed: poll timed out*"));

  /* and ticks no more */
  test_advance (f->clock, USEC (10));
  g_assert_cmpuint (ticks.calls, ==, 3);

  test_op_stop (service, NULL);
  test_assert_finalized (service);
  async_ticks_clear (&ticks);
}

/* A function that loses its task: the tick failed. */
static void
test_async_dropped (TestFixture   *f,
                    gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  AsyncTicks ticks = { 0, };

  ticks.drop = TRUE;
  mode_service_add_async_timer (service, "loses", 1.0, MODE_TIMER_NONE, on_async_tick, &ticks, NULL);
  test_start_ok (service);

  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 1);
  g_assert_true (mode_service_get_crashed (service));
  g_assert_error (mode_service_get_crash_reason (service), MODE_ERROR, MODE_ERROR_FAILED);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 0);

  test_op_stop (service, NULL);
  test_assert_finalized (service);
  async_ticks_clear (&ticks);
}

/* The stop cancels the running tick and waits for it; a restart ticks
 * again, whatever the old task does later. */
static void
test_async_stop_while_running (TestFixture   *f,
                               gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  g_autoptr(GError) error = NULL;
  AsyncTicks ticks = { 0, };
  ModeTimer *timer;
  GTask *old;

  timer = mode_service_add_async_timer (service, "held", 1.0, MODE_TIMER_NONE,
                                        on_async_tick, &ticks, NULL);
  test_start_ok (service);
  ticks.hold = TRUE;
  test_advance (f->clock, USEC (1));
  g_assert_nonnull (ticks.held);

  mode_service_stop_async (service, NULL, test_store_result, &slot);
  test_drain ();
  g_assert_true (g_cancellable_is_cancelled (g_task_get_cancellable (ticks.held)));
  g_assert_null (slot);   /* waiting for the task */

  g_task_return_new_error (ticks.held, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  g_clear_object (&ticks.held);
  result = test_await_result (&slot);
  g_assert_true (mode_service_stop_finish (service, result, &error));
  g_assert_no_error (error);
  g_assert_false (mode_service_get_crashed (service));

  /* a restart, with a task of the last run that the stop gave up on */
  mode_service_set_shutdown_timeout (service, 0.5);
  test_restart_ok (service);
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 2);
  old = g_steal_pointer (&ticks.held);
  g_assert_nonnull (old);

  g_clear_object (&result);
  mode_service_restart_async (service, NULL, test_store_result, &slot);
  test_advance (f->clock, USEC (0.5));
  result = test_await_result (&slot);
  g_assert_true (mode_service_restart_finish (service, result, &error));
  g_assert_no_error (error);
  g_assert_true (test_log_contains ("*held still running*"));

  /* the new run ticks while the old task runs on, and its end changes
   * nothing of the new run's schedule */
  ticks.hold = FALSE;
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 3);
  g_task_return_boolean (old, TRUE);
  g_object_unref (old);
  test_drain ();
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 4);
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 0);

  g_clear_object (&result);
  test_stop_ok (service);
  test_assert_finalized (service);
  async_ticks_clear (&ticks);
}

/* }}} */

/* exec-first {{{ */

static void
test_exec_first (TestFixture   *f,
                 gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  Ticks ticks = { 0, };
  Ticks late = { 0, };
  Ticks now_ticks = { 0, };
  AsyncTicks async_ticks = { 0, };
  ModeTimer *timer, *plain, *async_timer, *added;
  guint notified = 0;
  gint64 epoch;

  timer = mode_service_add_timer_with_flags (service, "first", 1.0, MODE_TIMER_EXEC_FIRST,
                                             on_tick, &ticks, NULL);
  g_assert_true (mode_timer_get_exec_first (timer));
  async_timer = mode_service_add_async_timer (service, "async-first", 1.0, MODE_TIMER_EXEC_FIRST,
                                              on_async_tick, &async_ticks, NULL);
  g_assert_true (mode_timer_get_exec_first (async_timer));

  /* the property, set before the start */
  plain = mode_service_add_timer (service, "plain", 2.0, on_tick, &late, NULL);
  g_assert_false (mode_timer_get_exec_first (plain));
  g_signal_connect (plain, "notify::exec-first", G_CALLBACK (test_count_notify), &notified);
  mode_timer_set_exec_first (plain, TRUE);
  mode_timer_set_exec_first (plain, TRUE);
  g_assert_cmpuint (notified, ==, 1);
  {
    gboolean value = FALSE;

    g_object_get (plain, "exec-first", &value, NULL);
    g_assert_true (value);
  }

  test_advance (f->clock, USEC (3));
  epoch = mode_clock_get_time (f->clock);
  test_start_ok (service);
  test_drain ();
  g_assert_cmpuint (ticks.calls, ==, 1);
  g_assert_cmpint (ticks.last_due, ==, epoch);
  g_assert_cmpuint (async_ticks.calls, ==, 1);
  g_assert_cmpuint (late.calls, ==, 1);

  /* then on the schedule from the start */
  test_advance (f->clock, USEC (1) - 1);
  g_assert_cmpuint (ticks.calls, ==, 1);
  test_advance (f->clock, 1);
  g_assert_cmpuint (ticks.calls, ==, 2);
  g_assert_cmpint (ticks.last_due, ==, epoch + USEC (1));
  g_assert_cmpuint (async_ticks.calls, ==, 2);
  g_assert_cmpuint (late.calls, ==, 1);
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (late.calls, ==, 2);
  g_assert_cmpint (late.last_due, ==, epoch + USEC (2));
  g_assert_cmpuint (mode_timer_get_drifting (timer), ==, 0);

  /* one added to the running service runs at once */
  added = mode_service_add_timer_with_flags (service, "added", 5.0, MODE_TIMER_EXEC_FIRST,
                                             on_tick, &now_ticks, NULL);
  test_drain ();
  g_assert_cmpuint (now_ticks.calls, ==, 1);
  test_stop_ok (service);
  g_assert_cmpuint (now_ticks.calls, ==, 1);
  g_assert_cmpuint (mode_timer_get_iteration (added), ==, 1);

  /* every start runs the first tick again; turned off, it waits */
  mode_timer_set_exec_first (plain, FALSE);
  g_assert_cmpuint (ticks.calls, ==, 3);
  test_restart_ok (service);
  test_drain ();
  g_assert_cmpuint (ticks.calls, ==, 4);
  g_assert_cmpuint (late.calls, ==, 2);
  g_assert_cmpuint (now_ticks.calls, ==, 2);

  test_stop_ok (service);
  test_assert_finalized (service);
  async_ticks_clear (&async_ticks);
}

/* }}} */

/* Class timers with flags, and class tasks and timers replaced by name {{{
 *
 * TestReplaceBase has a task "poll", a task without a name, a timer
 * "tick" and an exec-first timer "first"; TestReplaceDerived adds a task
 * "poll", a task without a name and an asynchronous timer "tick".
 */

#define TEST_TYPE_REPLACE_BASE (test_replace_base_get_type ())
G_DECLARE_DERIVABLE_TYPE (TestReplaceBase, test_replace_base, TEST, REPLACE_BASE, ModeService)

struct _TestReplaceBaseClass
{
  ModeServiceClass parent_class;
};

G_DEFINE_TYPE (TestReplaceBase, test_replace_base, MODE_TYPE_SERVICE)

static void
trace_task (ModeService *service,
            GTask       *task,
            gpointer     user_data)
{
  test_trace_add ("%s", (const char *) user_data);
  g_task_return_boolean (task, TRUE);
}

static void
trace_tick (ModeService *service,
            ModeTimer   *timer,
            gpointer     user_data)
{
  test_trace_add ("%s", (const char *) user_data);
}

static void
trace_async_tick (ModeService  *service,
                  ModeTimer    *timer,
                  GCancellable *cancellable,
                  GTask        *task,
                  gpointer      user_data)
{
  test_trace_add ("%s", (const char *) user_data);
  g_task_return_boolean (task, TRUE);
}

static void
test_replace_base_class_init (TestReplaceBaseClass *klass)
{
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  mode_service_class_add_task_full (service_class, "poll", trace_task, (gpointer) "base-poll", NULL);
  mode_service_class_add_task_full (service_class, NULL, trace_task, (gpointer) "base-anon", NULL);
  mode_service_class_add_timer_full (service_class, "tick", 1.0, trace_tick, (gpointer) "base-tick", NULL);
  mode_service_class_add_timer_with_flags_full (service_class, "first", 10.0, MODE_TIMER_EXEC_FIRST,
                                                trace_tick, (gpointer) "base-first", NULL);
}

static void
test_replace_base_init (TestReplaceBase *self)
{
}

#define TEST_TYPE_REPLACE_DERIVED (test_replace_derived_get_type ())
G_DECLARE_FINAL_TYPE (TestReplaceDerived, test_replace_derived, TEST, REPLACE_DERIVED, TestReplaceBase)

struct _TestReplaceDerived
{
  TestReplaceBase parent_instance;
};

G_DEFINE_FINAL_TYPE (TestReplaceDerived, test_replace_derived, TEST_TYPE_REPLACE_BASE)

static void
test_replace_derived_class_init (TestReplaceDerivedClass *klass)
{
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  mode_service_class_add_task_full (service_class, "poll", trace_task, (gpointer) "derived-poll", NULL);
  mode_service_class_add_task_full (service_class, NULL, trace_task, (gpointer) "derived-anon", NULL);
  mode_service_class_add_async_timer_full (service_class, "tick", 1.0, MODE_TIMER_EXEC_FIRST,
                                           trace_async_tick, (gpointer) "derived-tick", NULL);
}

static void
test_replace_derived_init (TestReplaceDerived *self)
{
}

static void
test_class_replace (TestFixture   *f,
                    gconstpointer  data)
{
  ModeService *base = g_object_new (TEST_TYPE_REPLACE_BASE, "clock", f->clock, "label", "base", NULL);
  ModeService *derived = g_object_new (TEST_TYPE_REPLACE_DERIVED, "clock", f->clock, "label", "derived", NULL);
  g_autoptr(GPtrArray) timers = NULL;
  ModeTimer *tick;

  /* the base class's own: its tasks, and its exec-first timer at the start */
  test_start_ok (base);
  test_drain ();
  assert_trace ("base-poll base-anon base-first");
  test_advance (f->clock, USEC (1));
  assert_trace ("base-tick");
  test_stop_ok (base);

  /* the subclass's "poll" and "tick" replace the base class's, in their
   * places; the tasks without a name add up */
  test_start_ok (derived);
  test_drain ();
  assert_trace ("derived-poll base-anon derived-anon derived-tick base-first");
  timers = mode_service_get_timers (derived);
  g_assert_cmpuint (timers->len, ==, 2);
  tick = g_ptr_array_index (timers, 0);
  g_assert_cmpstr (mode_timer_get_name (tick), ==, "tick");
  g_assert_true (mode_timer_get_is_async (tick));
  g_assert_true (mode_timer_get_exec_first (tick));
  g_assert_cmpstr (mode_timer_get_name (g_ptr_array_index (timers, 1)), ==, "first");
  test_advance (f->clock, USEC (1));
  assert_trace ("derived-tick");

  test_stop_ok (derived);
  test_assert_finalized (base);
  test_assert_finalized (derived);
}

/* }}} */

/* Tests {{{ */

static void
test_first_tick (TestFixture       *f,
                 gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  Ticks ticks = { 0, };
  ModeTimer *timer;
  gint64 epoch;

  timer = mode_service_add_timer (service, "tick", 2.0, on_tick, &ticks, ticks_destroyed);
  g_assert_true (MODE_IS_TIMER (timer));
  g_assert_cmpstr (mode_timer_get_name (timer), ==, "tick");
  g_assert_cmpfloat (mode_timer_get_interval (timer), ==, 2.0);
  g_assert_cmpint (mode_timer_get_last_due (timer), ==, 0);

  /* nothing before the start */
  test_advance (f->clock, USEC (100));
  g_assert_cmpuint (ticks.calls, ==, 0);

  epoch = mode_clock_get_time (f->clock);
  test_start_ok (service);
  test_advance (f->clock, USEC (2) - 1);
  g_assert_cmpuint (ticks.calls, ==, 0);
  g_assert_cmpuint (mode_timer_get_iteration (timer), ==, 0);

  test_advance (f->clock, 1);
  g_assert_cmpuint (ticks.calls, ==, 1);
  g_assert_cmpuint (mode_timer_get_iteration (timer), ==, 1);
  g_assert_cmpint (ticks.last_due, ==, epoch + USEC (2));
  g_assert_cmpint (mode_timer_get_last_due (timer), ==, epoch + USEC (2));
  g_assert_cmpint (mode_timer_get_last_drift (timer), ==, 0);
  g_assert_cmpuint (mode_timer_get_drifting (timer), ==, 0);

  test_stop_ok (service);
  test_assert_finalized (service);
  g_assert_cmpuint (ticks.destroyed, ==, 1);
}

#define N_TICKS 10000

static void
test_no_drift (TestFixture       *f,
               gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  const gint64 interval = USEC (0.1);
  Ticks ticks = { 0, };
  ModeTimer *timer;
  gint64 epoch;

  timer = mode_service_add_timer (service, "tick", 0.1, on_tick, &ticks, NULL);
  test_advance (f->clock, USEC (3.3));
  epoch = mode_clock_get_time (f->clock);
  test_start_ok (service);

  for (guint64 n = 1; n <= N_TICKS; n++)
    {
      test_advance (f->clock, interval);
      g_assert_cmpuint (ticks.calls, ==, n);
      g_assert_cmpuint (mode_timer_get_iteration (timer), ==, n);
      g_assert_cmpint (mode_timer_get_last_due (timer), ==, epoch + (gint64) n * interval);
      g_assert_cmpint (ticks.last_due, ==, epoch + (gint64) n * interval);
      g_assert_cmpint (mode_timer_get_last_drift (timer), ==, 0);
    }

  g_assert_cmpuint (mode_timer_get_drifting (timer), ==, 0);
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 0);

  test_stop_ok (service);
  test_assert_finalized (service);
}

static void
test_overlap (TestFixture       *f,
              gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  Ticks ticks = { 0, };
  ModeTimer *timer;
  gint64 epoch;

  /* the second call takes 2.5 intervals */
  ticks.advance_on = 2;
  ticks.advance_by = USEC (2.5);
  timer = mode_service_add_timer (service, "slow", 1.0, on_tick, &ticks, NULL);
  test_advance (f->clock, USEC (50));
  epoch = mode_clock_get_time (f->clock);
  test_start_ok (service);

  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 1);
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 0);

  /* tick 2 runs until epoch + 4.5 s, past the due times of ticks 3 and 4 */
  test_advance (f->clock, USEC (1));
  g_assert_cmpint (mode_clock_get_time (f->clock), ==, epoch + USEC (4.5));
  g_assert_cmpuint (ticks.calls, ==, 2);
  g_assert_cmpint (ticks.last_due, ==, epoch + USEC (2));
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 1);
  g_assert_true (test_log_contains ("*slow*overlapping*"));

  /* the missed ticks are skipped, not run in a burst: the next is the
   * first due time in the future, epoch + 5 s */
  test_drain ();
  g_assert_cmpuint (ticks.calls, ==, 2);
  test_advance (f->clock, USEC (0.5) - 1);
  g_assert_cmpuint (ticks.calls, ==, 2);
  test_advance (f->clock, 1);
  g_assert_cmpuint (ticks.calls, ==, 3);
  g_assert_cmpuint (mode_timer_get_iteration (timer), ==, 3);
  g_assert_cmpint (mode_timer_get_last_due (timer), ==, epoch + USEC (5));
  g_assert_cmpint (mode_timer_get_last_drift (timer), ==, 0);

  /* and on schedule again */
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 4);
  g_assert_cmpint (mode_timer_get_last_due (timer), ==, epoch + USEC (6));
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 1);
  g_assert_cmpuint (mode_timer_get_drifting (timer), ==, 0);

  test_stop_ok (service);
  test_assert_finalized (service);
}

static void
test_drifting_late (TestFixture       *f,
                    gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  Ticks ticks = { 0, };
  ModeTimer *timer;
  gint64 epoch;

  timer = mode_service_add_timer (service, "late", 1.0, on_tick, &ticks, NULL);
  test_advance (f->clock, USEC (7));
  epoch = mode_clock_get_time (f->clock);
  test_start_ok (service);

  /* the clock jumps 40% of the interval past the first due time */
  test_advance (f->clock, USEC (1.4));
  g_assert_cmpuint (ticks.calls, ==, 1);
  g_assert_cmpint (mode_timer_get_last_due (timer), ==, epoch + USEC (1));
  g_assert_cmpint (mode_timer_get_last_drift (timer), ==, USEC (0.4));
  g_assert_cmpuint (mode_timer_get_drifting (timer), ==, 1);
  g_assert_cmpuint (mode_timer_get_drifting_late (timer), ==, 1);
  g_assert_cmpuint (mode_timer_get_drifting_early (timer), ==, 0);
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 0);

  /* the schedule stays absolute: tick 2 at epoch + 2 s */
  test_advance (f->clock, USEC (0.6) - 1);
  g_assert_cmpuint (ticks.calls, ==, 1);
  test_advance (f->clock, 1);
  g_assert_cmpuint (ticks.calls, ==, 2);
  g_assert_cmpint (mode_timer_get_last_due (timer), ==, epoch + USEC (2));
  g_assert_cmpint (mode_timer_get_last_drift (timer), ==, 0);

  /* 20% late is within bounds */
  test_advance (f->clock, USEC (1.2));
  g_assert_cmpuint (ticks.calls, ==, 3);
  g_assert_cmpint (mode_timer_get_last_drift (timer), ==, USEC (0.2));
  g_assert_cmpuint (mode_timer_get_drifting (timer), ==, 1);
  g_assert_cmpuint (mode_timer_get_drifting_late (timer), ==, 1);

  test_stop_ok (service);
  test_assert_finalized (service);
}

/* The bound is min(30% of the interval, 1.2 s). */
static void
test_drift_threshold (TestFixture       *f,
                      gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  Ticks short_ticks = { 0, };
  Ticks long_ticks = { 0, };
  ModeTimer *short_timer;
  ModeTimer *long_timer;
  gint64 epoch;

  /* 30% of 10 s is 3 s: 1.2 s is the bound */
  long_timer = mode_service_add_timer (service, "long", 10.0, on_tick, &long_ticks, NULL);
  epoch = mode_clock_get_time (f->clock);
  test_start_ok (service);

  test_advance (f->clock, USEC (11.1));
  g_assert_cmpuint (long_ticks.calls, ==, 1);
  g_assert_cmpint (mode_timer_get_last_drift (long_timer), ==, USEC (1.1));
  g_assert_cmpuint (mode_timer_get_drifting (long_timer), ==, 0);

  test_advance (f->clock, USEC (10.4));
  g_assert_cmpuint (long_ticks.calls, ==, 2);
  g_assert_cmpint (mode_timer_get_last_due (long_timer), ==, epoch + USEC (20));
  g_assert_cmpint (mode_timer_get_last_drift (long_timer), ==, USEC (1.5));
  g_assert_cmpuint (mode_timer_get_drifting (long_timer), ==, 1);
  g_assert_cmpuint (mode_timer_get_drifting_late (long_timer), ==, 1);

  /* 30% of 1 s is the bound: 29% late is within it, 31% is past it */
  short_timer = mode_service_add_timer (service, "short", 1.0, on_tick, &short_ticks, NULL);
  epoch = mode_clock_get_time (f->clock);
  test_advance (f->clock, USEC (1.29));
  g_assert_cmpuint (short_ticks.calls, ==, 1);
  g_assert_cmpint (mode_timer_get_last_due (short_timer), ==, epoch + USEC (1));
  g_assert_cmpint (mode_timer_get_last_drift (short_timer), ==, USEC (0.29));
  g_assert_cmpuint (mode_timer_get_drifting (short_timer), ==, 0);

  test_advance (f->clock, USEC (1.02));
  g_assert_cmpuint (short_ticks.calls, ==, 2);
  g_assert_cmpint (mode_timer_get_last_drift (short_timer), ==, USEC (0.31));
  g_assert_cmpuint (mode_timer_get_drifting (short_timer), ==, 1);
  g_assert_cmpuint (mode_timer_get_drifting_late (short_timer), ==, 1);

  test_stop_ok (service);
  test_assert_finalized (service);
}

static void
test_stop_restart (TestFixture       *f,
                   gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  Ticks ticks = { 0, };
  ModeTimer *timer;
  gint64 epoch;

  timer = mode_service_add_timer (service, "tick", 1.0, on_tick, &ticks, ticks_destroyed);
  test_advance (f->clock, USEC (7));
  test_start_ok (service);
  for (guint i = 0; i < 3; i++)
    test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 3);

  /* nothing fires once stopped */
  test_stop_ok (service);
  for (guint i = 0; i < 10; i++)
    test_advance (f->clock, USEC (1));
  test_advance (f->clock, USEC (100));
  g_assert_cmpuint (ticks.calls, ==, 3);

  /* the restart begins a new schedule, off the old one's beat */
  test_advance (f->clock, USEC (0.3));
  epoch = mode_clock_get_time (f->clock);
  test_restart_ok (service);
  test_advance (f->clock, USEC (0.7));
  g_assert_cmpuint (ticks.calls, ==, 3);
  test_advance (f->clock, USEC (0.3) - 1);
  g_assert_cmpuint (ticks.calls, ==, 3);
  test_advance (f->clock, 1);
  g_assert_cmpuint (ticks.calls, ==, 4);
  g_assert_cmpint (mode_timer_get_last_due (timer), ==, epoch + USEC (1));
  g_assert_cmpint (mode_timer_get_last_drift (timer), ==, 0);
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (ticks.calls, ==, 5);
  g_assert_cmpint (mode_timer_get_last_due (timer), ==, epoch + USEC (2));

  /* a restart of a running service too */
  test_advance (f->clock, USEC (0.5));
  epoch = mode_clock_get_time (f->clock);
  test_restart_ok (service);
  test_advance (f->clock, USEC (0.5));
  g_assert_cmpuint (ticks.calls, ==, 5);
  test_advance (f->clock, USEC (0.5));
  g_assert_cmpuint (ticks.calls, ==, 6);
  g_assert_cmpint (mode_timer_get_last_due (timer), ==, epoch + USEC (1));

  /* the same timer all along */
  {
    g_autoptr(GPtrArray) timers = mode_service_get_timers (service);

    g_assert_cmpuint (timers->len, ==, 1);
    g_assert_true (g_ptr_array_index (timers, 0) == (gpointer) timer);
  }

  /* a crash stops the timers as well */
  {
    g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");

    mode_service_crash (service, reason);
    test_advance (f->clock, USEC (10));
    g_assert_cmpuint (ticks.calls, ==, 6);
  }

  test_stop_ok (service);
  g_assert_cmpuint (ticks.destroyed, ==, 0);
  test_assert_finalized (service);
  g_assert_cmpuint (ticks.destroyed, ==, 1);
}

/* TestTimerBase adds a class timer in class_init; TestTimerLate, its
 * subclass, gets one after class_init (in main()). */
#define TEST_TYPE_TIMER_BASE (test_timer_base_get_type ())
G_DECLARE_DERIVABLE_TYPE (TestTimerBase, test_timer_base, TEST, TIMER_BASE, ModeService)

struct _TestTimerBaseClass
{
  ModeServiceClass parent_class;
};

G_DEFINE_TYPE (TestTimerBase, test_timer_base, MODE_TYPE_SERVICE)

static void
count_tick (ModeService *service,
            ModeTimer   *timer,
            gpointer     user_data)
{
  g_assert_cmpstr (mode_timer_get_name (timer), ==, user_data);
}

static void
test_timer_base_class_init (TestTimerBaseClass *klass)
{
  mode_service_class_add_timer_full (MODE_SERVICE_CLASS (klass), "base-timer", 1.0,
                                     count_tick, (gpointer) "base-timer", NULL);
}

static void
test_timer_base_init (TestTimerBase *self)
{
}

#define TEST_TYPE_TIMER_LATE (test_timer_late_get_type ())
G_DECLARE_FINAL_TYPE (TestTimerLate, test_timer_late, TEST, TIMER_LATE, TestTimerBase)

struct _TestTimerLate
{
  TestTimerBase parent_instance;
};

G_DEFINE_FINAL_TYPE (TestTimerLate, test_timer_late, TEST_TYPE_TIMER_BASE)

static void
test_timer_late_class_init (TestTimerLateClass *klass)
{
}

static void
test_timer_late_init (TestTimerLate *self)
{
}

static ModeTimer *
find_timer (ModeService *service,
            const char  *name)
{
  g_autoptr(GPtrArray) timers = mode_service_get_timers (service);

  for (guint i = 0; i < timers->len; i++)
    if (g_strcmp0 (mode_timer_get_name (g_ptr_array_index (timers, i)), name) == 0)
      return g_ptr_array_index (timers, i);   /* the service keeps it */

  return NULL;
}

static void
test_class_timers (TestFixture       *f,
                   gconstpointer  data)
{
  ModeService *a = g_object_new (TEST_TYPE_TIMER_LATE, "clock", f->clock, "label", "a", NULL);
  ModeService *b = g_object_new (TEST_TYPE_TIMER_LATE, "clock", f->clock, "label", "b", NULL);
  ModeService *base = g_object_new (TEST_TYPE_TIMER_BASE, "clock", f->clock, "label", "base", NULL);
  g_autoptr(GPtrArray) timers = NULL;
  ModeTimer *a_base, *a_late, *b_base, *b_late;

  test_start_ok (a);
  timers = mode_service_get_timers (a);
  g_assert_cmpuint (timers->len, ==, 2);
  g_assert_cmpstr (mode_timer_get_name (g_ptr_array_index (timers, 0)), ==, "base-timer");
  g_assert_cmpstr (mode_timer_get_name (g_ptr_array_index (timers, 1)), ==, "late-timer");
  g_clear_pointer (&timers, g_ptr_array_unref);
  a_base = find_timer (a, "base-timer");
  a_late = find_timer (a, "late-timer");
  g_assert_cmpfloat (mode_timer_get_interval (a_late), ==, 2.0);

  test_advance (f->clock, USEC (1));
  test_start_ok (b);
  test_start_ok (base);
  b_base = find_timer (b, "base-timer");
  b_late = find_timer (b, "late-timer");
  g_assert_true (a_base != b_base);
  g_assert_true (a_late != b_late);
  timers = mode_service_get_timers (base);
  g_assert_cmpuint (timers->len, ==, 1);
  g_clear_pointer (&timers, g_ptr_array_unref);

  /* each service follows its own schedule */
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (mode_timer_get_iteration (a_base), ==, 2);
  g_assert_cmpuint (mode_timer_get_iteration (a_late), ==, 1);
  g_assert_cmpuint (mode_timer_get_iteration (b_base), ==, 1);
  g_assert_cmpuint (mode_timer_get_iteration (b_late), ==, 0);
  g_assert_cmpint (mode_timer_get_last_due (b_base), ==, USEC (2));
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (mode_timer_get_iteration (b_late), ==, 1);
  g_assert_cmpint (mode_timer_get_last_due (b_late), ==, USEC (3));

  /* a restart keeps the timers it has, and does not add them again */
  test_restart_ok (a);
  timers = mode_service_get_timers (a);
  g_assert_cmpuint (timers->len, ==, 2);
  g_clear_pointer (&timers, g_ptr_array_unref);
  g_assert_true (find_timer (a, "base-timer") == a_base);
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (mode_timer_get_iteration (a_base), ==, 4);

  test_stop_ok (a);
  test_stop_ok (b);
  test_stop_ok (base);
  test_assert_finalized (a);
  test_assert_finalized (b);
  test_assert_finalized (base);
}

/* Timers whose functions together take longer than their interval are
 * always due: they must not starve the rest of the context (a signal
 * handler that would stop the program, say). */
static void
advance_a_lot (ModeService *service,
               ModeTimer   *timer,
               gpointer     user_data)
{
  guint *calls = user_data;

  (*calls)++;
  mode_clock_advance (mode_service_get_clock (service), USEC (0.6));
}

static gboolean
note_idle (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_overload_yields (TestFixture       *f,
                      gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "busy");
  guint calls = 0;
  gboolean idle_ran = FALSE;
  guint calls_before;
  GSource *idle;

  mode_service_add_timer (service, "first", 1.0, advance_a_lot, &calls, NULL);
  mode_service_add_timer (service, "second", 1.0, advance_a_lot, &calls, NULL);
  mode_service_add_timer (service, "third", 1.0, advance_a_lot, &calls, NULL);
  test_start_ok (service);
  test_advance (f->clock, USEC (1));
  g_assert_cmpuint (calls, >=, 2);

  /* always behind now: a tick of the three costs 1.8 intervals */
  idle = g_idle_source_new ();
  g_source_set_callback (idle, note_idle, &idle_ran, NULL);
  g_source_attach (idle, f->context);
  g_source_unref (idle);
  for (guint i = 0; i < 10 && !idle_ran; i++)
    g_main_context_iteration (f->context, FALSE);
  g_assert_true (idle_ran);

  /* and the timers go on */
  calls_before = calls;
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (f->context, FALSE);
  g_assert_cmpuint (calls, >, calls_before);

  test_stop_ok (service);
  test_assert_finalized (service);
}

static void
test_add_while_running (TestFixture       *f,
                        gconstpointer  data)
{
  ModeService *service = service_new (f->clock, "svc");
  Ticks before = { 0, };
  Ticks running = { 0, };
  Ticks stopped = { 0, };
  ModeTimer *timer;
  gint64 added_at;
  gint64 started_at;

  /* added before the start: waits for it */
  mode_service_add_timer (service, "before", 1.0, on_tick, &before, NULL);
  test_advance (f->clock, USEC (3));
  g_assert_cmpuint (before.calls, ==, 0);
  started_at = mode_clock_get_time (f->clock);
  test_start_ok (service);

  /* added while running: starts at once, one interval from now */
  test_advance (f->clock, USEC (0.7));
  added_at = mode_clock_get_time (f->clock);
  timer = mode_service_add_timer (service, "running", 1.0, on_tick, &running, NULL);
  {
    g_autoptr(GPtrArray) timers = mode_service_get_timers (service);

    g_assert_cmpuint (timers->len, ==, 2);
    g_assert_true (g_ptr_array_index (timers, 1) == (gpointer) timer);
  }
  test_advance (f->clock, USEC (0.3));
  g_assert_cmpuint (before.calls, ==, 1);
  g_assert_cmpint (before.last_due, ==, started_at + USEC (1));
  g_assert_cmpuint (running.calls, ==, 0);
  test_advance (f->clock, USEC (0.7) - 1);
  g_assert_cmpuint (running.calls, ==, 0);
  test_advance (f->clock, 1);
  g_assert_cmpuint (running.calls, ==, 1);
  g_assert_cmpint (running.last_due, ==, added_at + USEC (1));
  g_assert_cmpint (mode_timer_get_last_drift (timer), ==, 0);

  /* added once stopped: does not run */
  test_stop_ok (service);
  mode_service_add_timer (service, "stopped", 1.0, on_tick, &stopped, NULL);
  test_advance (f->clock, USEC (5));
  g_assert_cmpuint (stopped.calls, ==, 0);
  g_assert_cmpuint (running.calls, ==, 1);

  test_assert_finalized (service);
}

/* Many timers on several schedules, some stopped and started again in
 * between: every tick runs at its due time, the ticks of all the timers
 * run in the order of their due times (and, due at once, in the order
 * the timers were scheduled), and a stopped timer does not run. The
 * scheduler's heap is taken apart and put together here in every way
 * the timers use it. */
#define N_MANY 48

typedef struct
{
  guint   index;
  gint64  epoch;        /* the service's start */
  gint64  interval;
  guint64 calls;
} ManyTimer;

typedef struct
{
  ManyTimer timers[N_MANY];
  gint64    last_due;   /* of the latest tick of any timer */
  guint     last_index;
  guint64   calls;
} Many;

static Many *many;

static void
on_many_tick (ModeService *service,
              ModeTimer   *timer,
              gpointer     user_data)
{
  ManyTimer *t = user_data;
  gint64 due = mode_timer_get_last_due (timer);

  t->calls++;
  g_assert_cmpint (due, ==, t->epoch + (gint64) t->calls * t->interval);
  g_assert_cmpint (mode_timer_get_last_drift (timer), ==, 0);

  /* in the order of the due times; due at once, in the order scheduled,
   * which for these timers (each scheduled anew as it runs, from the
   * same start) is the order of their indexes among those that started
   * together */
  g_assert_cmpint (due, >=, many->last_due);
  if (due == many->last_due && t->epoch == many->timers[many->last_index].epoch &&
      t->interval == many->timers[many->last_index].interval)
    g_assert_cmpuint (t->index, >, many->last_index);
  many->last_due = due;
  many->last_index = t->index;
  many->calls++;
}

static void
test_many_timers (TestFixture       *f,
                  gconstpointer  data)
{
  ModeService *services[N_MANY];
  Many state = { 0, };
  gint64 now;

  many = &state;
  for (guint i = 0; i < N_MANY; i++)
    {
      ManyTimer *t = &state.timers[i];

      t->index = i;
      t->interval = USEC (0.01) * (i % 5 + 1);
      services[i] = service_new (f->clock, "many");
      mode_service_add_timer (services[i], "tick", t->interval / (gdouble) G_USEC_PER_SEC,
                              on_many_tick, t, NULL);
    }

  /* three groups, started 3 ms apart: some due times coincide, some not */
  for (guint i = 0; i < N_MANY; i++)
    {
      if (i > 0 && i % 16 == 0)
        test_advance (f->clock, USEC (0.003));
      state.timers[i].epoch = mode_clock_get_time (f->clock);
      test_start_ok (services[i]);
    }

  /* 1 ms at a time, less than any interval: no tick is ever missed */
  for (guint step = 0; step < 200; step++)
    test_advance (f->clock, USEC (0.001));

  /* every third timer stops: out of the middle of the heap */
  for (guint i = 0; i < N_MANY; i += 3)
    test_stop_ok (services[i]);
  now = mode_clock_get_time (f->clock);
  for (guint i = 0; i < N_MANY; i++)
    {
      ManyTimer *t = &state.timers[i];

      g_assert_cmpuint (t->calls, ==, (guint64) ((now - t->epoch) / t->interval));
    }

  for (guint step = 0; step < 100; step++)
    test_advance (f->clock, USEC (0.001));
  now = mode_clock_get_time (f->clock);
  for (guint i = 0; i < N_MANY; i++)
    {
      ManyTimer *t = &state.timers[i];

      if (i % 3 == 0)
        g_assert_cmpuint (t->calls, ==, (guint64) ((now - USEC (0.1) - t->epoch) / t->interval));
      else
        g_assert_cmpuint (t->calls, ==, (guint64) ((now - t->epoch) / t->interval));
    }

  /* and starts again, on a new schedule, from now */
  for (guint i = 0; i < N_MANY; i += 3)
    {
      ManyTimer *t = &state.timers[i];

      t->epoch = mode_clock_get_time (f->clock);
      t->calls = 0;
      test_restart_ok (services[i]);
      test_advance (f->clock, USEC (0.001));
    }
  for (guint step = 0; step < 200; step++)
    test_advance (f->clock, USEC (0.001));
  now = mode_clock_get_time (f->clock);
  for (guint i = 0; i < N_MANY; i++)
    {
      ManyTimer *t = &state.timers[i];

      if (i % 3 == 0)
        g_assert_cmpuint (t->calls, ==, (guint64) ((now - t->epoch) / t->interval));
      g_assert_cmpuint (t->calls, >, 0);
    }
  g_assert_cmpuint (state.calls, >, 1000);

  for (guint i = 0; i < N_MANY; i++)
    {
      test_stop_ok (services[i]);
      test_assert_finalized (services[i]);
    }
  many = NULL;
}

/* The default clock: real time, with generous bounds. */
typedef struct
{
  guint   calls;
  gint64  first_due;
  gint64  last_due;
} RealTicks;

static void
on_real_tick (ModeService *service,
              ModeTimer   *timer,
              gpointer     user_data)
{
  RealTicks *ticks = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 due = mode_timer_get_last_due (timer);

  /* never before its due time */
  g_assert_cmpint (now, >=, due);
  if (ticks->calls == 0)
    ticks->first_due = due;
  else
    {
      /* on the schedule: whole intervals after the previous tick */
      g_assert_cmpint (due, >, ticks->last_due);
      g_assert_cmpint ((due - ticks->last_due) % USEC (0.02), ==, 0);
    }
  ticks->last_due = due;
  ticks->calls++;
}

static void
test_default_clock (gconstpointer data)
{
  GMainContext *context = g_main_context_new ();
  ModeService *service;
  RealTicks ticks = { 0, };
  gboolean timed_out = FALSE;
  GSource *timeout;
  gint64 before_start;

  g_main_context_push_thread_default (context);
  service = mode_service_new ();
  g_assert_true (mode_service_get_clock (service) == mode_clock_get_default ());
  g_assert_false (mode_clock_is_manual (mode_service_get_clock (service)));
  mode_service_add_timer (service, "real", 0.02, on_real_tick, &ticks, NULL);

  timeout = g_timeout_source_new_seconds (5);
  g_source_set_callback (timeout, test_set_flag, &timed_out, NULL);
  g_source_attach (timeout, context);

  before_start = g_get_monotonic_time ();
  test_start_ok (service);
  while (ticks.calls < 3 && !timed_out)
    test_iterate (TRUE);

  g_assert_cmpuint (ticks.calls, >=, 3);
  g_assert_cmpint (ticks.first_due, >=, before_start + USEC (0.02));

  test_stop_ok (service);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  test_assert_finalized (service);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  ModeServiceClass *klass;

  g_test_init (&argc, &argv, NULL);

  test_log_init ();

  /* as a binding does: a class timer added after class_init */
  klass = g_type_class_ref (TEST_TYPE_TIMER_LATE);
  mode_service_class_add_timer_full (klass, "late-timer", 2.0, count_tick, (gpointer) "late-timer", NULL);
  g_type_class_unref (klass);

#define ADD(path, func) \
  g_test_add ("/timer/" path, TestFixture, NULL, test_fixture_setup, func, test_fixture_teardown)

  ADD ("first-tick", test_first_tick);
  ADD ("no-drift", test_no_drift);
  ADD ("overlap", test_overlap);
  ADD ("drifting-late", test_drifting_late);
  ADD ("drift-threshold", test_drift_threshold);
  ADD ("stop-restart", test_stop_restart);
  ADD ("class-timers", test_class_timers);
  ADD ("add-while-running", test_add_while_running);
  ADD ("overload-yields", test_overload_yields);
  ADD ("many-timers", test_many_timers);
  ADD ("async/ticks", test_async_ticks);
  ADD ("async/no-overlap", test_async_no_overlap);
  ADD ("async/error-crashes", test_async_error_crashes);
  ADD ("async/dropped", test_async_dropped);
  ADD ("async/stop-while-running", test_async_stop_while_running);
  ADD ("exec-first", test_exec_first);
  ADD ("class-replace", test_class_replace);
  g_test_add_data_func ("/timer/default-clock", NULL, test_default_clock);

#undef ADD

  return g_test_run ();
}

/* vim: set foldmethod=marker: */
