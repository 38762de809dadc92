/* test-lifecycle.c: the engine's rules for any sequence of operations
 * (DESIGN.md §5), each tested where a sequence once broke them
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include <math.h>
#include <string.h>

#include <mode-glib/mode-glib.h>

#include "test-util.h"

/* A service whose hooks do what the test says {{{
 *
 * Every hook is asynchronous, so that a test can hold any of them: it
 * records "Label.hook" in the trace ("Label.hook(held)" when held) and
 * completes at once, fails, is held until the test releases it, or
 * drops its task without completing it.
 */

typedef enum
{
  HOOK_FIRST_START,
  HOOK_START,
  HOOK_STARTED,
  HOOK_STOP,
  HOOK_SHUTDOWN,
  HOOK_RESTART,
  N_HOOKS
} Hook;

static const char * const hook_names[N_HOOKS] = {
  "on_first_start", "on_start", "on_started", "on_stop", "on_shutdown", "on_restart",
};

typedef enum
{
  BEHAVE_OK,
  BEHAVE_FAIL,
  BEHAVE_HOLD,       /* once: the next call behaves OK */
  BEHAVE_DROP,
} Behave;

#define TEST_TYPE_REC (test_rec_get_type ())
G_DECLARE_FINAL_TYPE (TestRec, test_rec, TEST, REC, ModeService)

struct _TestRec
{
  ModeService   parent_instance;
  Behave        behave[N_HOOKS];
  GTask        *held[N_HOOKS];         /* (owned) (nullable) */
  GCancellable *cancellable[N_HOOKS];  /* (owned) (nullable): the last call's */
  guint         in_hook;               /* hooks in flight */
  guint         overlaps;              /* a hook began while another was in flight */
};

G_DEFINE_FINAL_TYPE (TestRec, test_rec, MODE_TYPE_SERVICE)

static void
rec_hook_done (TestRec *self)
{
  g_assert_cmpuint (self->in_hook, >, 0);
  self->in_hook--;
}

static void
rec_hook (ModeService  *service,
          Hook          hook,
          GCancellable *cancellable,
          GTask        *task)
{
  TestRec *self = TEST_REC (service);
  const char *label = mode_service_get_label (service);

  if (self->in_hook > 0)
    self->overlaps++;
  g_set_object (&self->cancellable[hook], cancellable);

  switch (self->behave[hook])
    {
    case BEHAVE_OK:
      test_trace_add ("%s.%s", label, hook_names[hook]);
      g_task_return_boolean (task, TRUE);
      return;

    case BEHAVE_FAIL:
      test_trace_add ("%s.%s(fail)", label, hook_names[hook]);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "%s failed on purpose", hook_names[hook]);
      return;

    case BEHAVE_HOLD:
      test_trace_add ("%s.%s(held)", label, hook_names[hook]);
      g_assert_null (self->held[hook]);
      self->held[hook] = g_object_ref (task);
      self->behave[hook] = BEHAVE_OK;
      self->in_hook++;
      return;

    case BEHAVE_DROP:
    default:
      test_trace_add ("%s.%s(dropped)", label, hook_names[hook]);
      return;
    }
}

#define REC_HOOK(name, hook)                                             \
  static void                                                            \
  rec_##name##_async (ModeService *s, GCancellable *c, GTask *task)      \
  {                                                                      \
    rec_hook (s, hook, c, task);                                         \
  }

REC_HOOK (on_first_start, HOOK_FIRST_START)
REC_HOOK (on_start, HOOK_START)
REC_HOOK (on_started, HOOK_STARTED)
REC_HOOK (on_stop, HOOK_STOP)
REC_HOOK (on_shutdown, HOOK_SHUTDOWN)
REC_HOOK (on_restart, HOOK_RESTART)

static void
test_rec_dispose (GObject *object)
{
  TestRec *self = TEST_REC (object);

  for (guint i = 0; i < N_HOOKS; i++)
    {
      g_assert_null (self->held[i]);
      g_clear_object (&self->cancellable[i]);
    }

  G_OBJECT_CLASS (test_rec_parent_class)->dispose (object);
}

static void
test_rec_class_init (TestRecClass *klass)
{
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = test_rec_dispose;
  service_class->on_first_start_async = rec_on_first_start_async;
  service_class->on_start_async = rec_on_start_async;
  service_class->on_started_async = rec_on_started_async;
  service_class->on_stop_async = rec_on_stop_async;
  service_class->on_shutdown_async = rec_on_shutdown_async;
  service_class->on_restart_async = rec_on_restart_async;
}

static void
test_rec_init (TestRec *self)
{
}

static TestRec *
rec_new (const char *label)
{
  return g_object_new (TEST_TYPE_REC, "label", label, NULL);
}

/* Completes the held hook, with @error or TRUE. */
static void
rec_release (TestRec      *self,
             Hook          hook,
             const GError *error)
{
  GTask *task = g_steal_pointer (&self->held[hook]);

  g_assert_nonnull (task);
  rec_hook_done (self);
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

#define S(x) MODE_SERVICE (x)

/* An operation begun, its result to look at later. */
typedef struct
{
  GAsyncResult *result;
  guint         calls;
} Pending;

static void
pending_store (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  Pending *p = data;

  p->calls++;
  g_assert_cmpuint (p->calls, ==, 1);
  p->result = g_object_ref (result);
}

static gboolean
pending_done (gpointer data)
{
  return ((Pending *) data)->result != NULL;
}

/* Iterates the context until @p has its result; a bounded number of
 * iterations, as nothing in these tests waits for time to pass. */
static void
pending_wait (Pending *p)
{
  for (guint i = 0; i < 10000 && !pending_done (p); i++)
    test_iterate (FALSE);
  g_assert_nonnull (p->result);
}

/* Takes the result of an operation that ended, with its finish. */
static gboolean
pending_finish (Pending       *p,
                ModeService   *service,
                TestOpFinish   finish,
                GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pending_wait (p);
  result = g_steal_pointer (&p->result);
  return finish (service, result, error);
}

/* }}} */

/* 1. A restart never starts a dependency that runs {{{ */

static void
test_restart_running_dependency (TestFixture   *f,
                                 gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("A");
  g_autoptr(TestRec) c = rec_new ("C");

  mode_service_add_dependency (S (a), S (c));
  test_start_ok (c);
  assert_trace ("C.on_first_start C.on_start C.on_started");

  test_restart_ok (a);
  assert_trace ("A.on_restart A.on_first_start A.on_start A.on_started");
  g_assert_cmpint (mode_service_get_state (S (c)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (mode_service_get_restart_count (S (c)), ==, 0);

  test_stop_ok (a);
  assert_trace ("A.on_stop C.on_stop C.on_shutdown A.on_shutdown");
}

/* start (A); stop (A); restart (C); restart (A) */
static void
test_restart_restarted_dependency (TestFixture   *f,
                                   gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("A");
  g_autoptr(TestRec) c = rec_new ("C");

  mode_service_add_dependency (S (a), S (c));
  test_start_ok (a);
  test_stop_ok (a);
  test_restart_ok (c);
  g_free (test_trace_take ());

  test_restart_ok (a);
  assert_trace ("A.on_restart A.on_start A.on_started");
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (mode_service_get_state (S (c)), ==, MODE_SERVICE_STATE_RUNNING);
  test_stop_ok (a);
}

/* The dependencies a restart stopped are reset and started again. */
static void
test_restart_stopped_dependency (TestFixture   *f,
                                 gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("A");
  g_autoptr(TestRec) b = rec_new ("B");

  mode_service_add_dependency (S (a), S (b));
  test_start_ok (a);
  g_free (test_trace_take ());

  test_restart_ok (a);
  assert_trace ("A.on_stop B.on_stop B.on_shutdown A.on_shutdown A.on_restart "
                "A.on_start B.on_start B.on_started A.on_started");
  g_assert_cmpuint (mode_service_get_restart_count (S (b)), ==, 1);
  g_assert_cmpint (mode_service_get_state (S (b)), ==, MODE_SERVICE_STATE_RUNNING);
  test_stop_ok (a);
}

/* }}} */

/* 2, 3. Hooks never overlap {{{ */

/* A restart while the start's asynchronous on_start is pending: the
 * restart's stop waits for on_start, and what it leaves can be stopped. */
static void
test_restart_while_starting (TestFixture   *f,
                             gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("A");
  g_autoptr(TestRec) b = rec_new ("B");
  g_autoptr(GError) error = NULL;
  Pending start = { 0 }, restart = { 0 };

  mode_service_add_dependency (S (a), S (b));
  a->behave[HOOK_START] = BEHAVE_HOLD;
  mode_service_start_async (S (a), NULL, pending_store, &start);
  test_drain ();
  assert_trace ("A.on_first_start A.on_start(held)");

  mode_service_restart_async (S (a), NULL, pending_store, &restart);
  test_drain ();
  /* on_stop waits for on_start, whose cancellable was cancelled */
  assert_trace ("");
  g_assert_true (g_cancellable_is_cancelled (a->cancellable[HOOK_START]));
  g_assert_null (start.result);
  g_assert_null (restart.result);

  rec_release (a, HOOK_START, NULL);
  g_assert_false (pending_finish (&start, S (a), mode_service_start_finish, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_assert_true (pending_finish (&restart, S (a), mode_service_restart_finish, NULL));
  assert_trace ("A.on_stop A.on_shutdown A.on_restart A.on_start B.on_first_start "
                "B.on_start B.on_started A.on_started");
  g_assert_cmpuint (a->overlaps, ==, 0);
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (mode_service_get_state (S (b)), ==, MODE_SERVICE_STATE_RUNNING);

  test_stop_ok (a);
  assert_trace ("A.on_stop B.on_stop B.on_shutdown A.on_shutdown");
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_cmpint (mode_service_get_state (S (b)), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

/* A stop while on_start is pending runs on_stop only after on_start
 * returned. */
static void
test_stop_while_starting (TestFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("A");
  g_autoptr(GError) error = NULL;
  Pending start = { 0 }, stop = { 0 };

  a->behave[HOOK_START] = BEHAVE_HOLD;
  mode_service_start_async (S (a), NULL, pending_store, &start);
  test_drain ();
  mode_service_stop_async (S (a), NULL, pending_store, &stop);
  test_drain ();
  assert_trace ("A.on_first_start A.on_start(held)");
  g_assert_true (mode_service_get_should_stop (S (a)));
  g_assert_true (g_cancellable_is_cancelled (a->cancellable[HOOK_START]));
  g_assert_null (stop.result);

  rec_release (a, HOOK_START, NULL);
  g_assert_false (pending_finish (&start, S (a), mode_service_start_finish, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_assert_true (pending_finish (&stop, S (a), mode_service_stop_finish, NULL));
  assert_trace ("A.on_stop A.on_shutdown");
  g_assert_cmpuint (a->overlaps, ==, 0);
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_false (mode_service_get_crashed (S (a)));
}

/* A stop during on_stop coalesces and cancels nothing; a start waits
 * for the stop to end (and finds the service started). */
static void
test_calls_during_stop (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("A");
  g_autoptr(GError) error = NULL;
  Pending stop1 = { 0 }, stop2 = { 0 }, start = { 0 }, maybe = { 0 };

  test_start_ok (a);
  g_free (test_trace_take ());
  a->behave[HOOK_STOP] = BEHAVE_HOLD;
  mode_service_stop_async (S (a), NULL, pending_store, &stop1);
  mode_service_stop_async (S (a), NULL, pending_store, &stop2);
  mode_service_start_async (S (a), NULL, pending_store, &start);
  mode_service_maybe_start_async (S (a), NULL, pending_store, &maybe);
  test_drain ();
  assert_trace ("A.on_stop(held)");
  g_assert_false (g_cancellable_is_cancelled (a->cancellable[HOOK_STOP]));
  g_assert_null (stop1.result);
  g_assert_null (stop2.result);
  g_assert_null (start.result);
  g_assert_null (maybe.result);

  rec_release (a, HOOK_STOP, NULL);
  g_assert_true (pending_finish (&stop1, S (a), mode_service_stop_finish, NULL));
  g_assert_true (pending_finish (&stop2, S (a), mode_service_stop_finish, NULL));
  g_assert_false (pending_finish (&start, S (a), mode_service_start_finish, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED);
  g_assert_false (pending_finish (&maybe, S (a), mode_service_maybe_start_finish, NULL));
  assert_trace ("A.on_shutdown");
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

/* maybe_start while a start is in flight joins it. */
static void
test_maybe_start_joins_start (TestFixture   *f,
                              gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("A");
  g_autoptr(GError) error = NULL;
  Pending start = { 0 }, maybe = { 0 };

  a->behave[HOOK_START] = BEHAVE_HOLD;
  mode_service_start_async (S (a), NULL, pending_store, &start);
  mode_service_maybe_start_async (S (a), NULL, pending_store, &maybe);
  test_drain ();
  g_assert_null (maybe.result);

  {
    g_autoptr(GError) failure = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BUSY, "busy");
    test_log_expect_warnings ();
    rec_release (a, HOOK_START, failure);
  }
  g_assert_false (pending_finish (&start, S (a), mode_service_start_finish, NULL));
  g_assert_false (pending_finish (&maybe, S (a), mode_service_maybe_start_finish, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  test_stop_ok (a);
}

/* Two starts in flight: the second completes with the first's result,
 * even when the first completed before the second was seen. */
static void
test_two_starts_in_flight (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(ModeService) a = g_object_new (MODE_TYPE_SERVICE, "label", "A", NULL);
  Pending start1 = { 0 }, start2 = { 0 }, start3 = { 0 };
  g_autoptr(GError) error = NULL;

  mode_service_start_async (a, NULL, pending_store, &start1);
  mode_service_start_async (a, NULL, pending_store, &start2);
  g_assert_true (pending_finish (&start1, a, mode_service_start_finish, NULL));
  g_assert_true (pending_finish (&start2, a, mode_service_start_finish, NULL));

  /* once both callbacks ran, a start is a second start */
  mode_service_start_async (a, NULL, pending_store, &start3);
  g_assert_false (pending_finish (&start3, a, mode_service_start_finish, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED);
  test_stop_ok (a);
}

/* }}} */

/* 4. A dropped task is a failure at once {{{ */

static void
drop_task (ModeService *service,
           GTask       *task,
           gpointer     user_data)
{
  /* keeps no reference: the task is dropped when the caller lets go */
}

static void
test_dropped_task (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(ModeService) a = g_object_new (MODE_TYPE_SERVICE, "label", "Alpha",
                                           "clock", f->clock, NULL);
  const GError *reason;
  gpointer weak = a;

  test_log_expect_warnings ();
  test_start_ok (a);
  mode_service_spawn (a, "forgetful", drop_task, NULL, NULL);
  test_drain ();

  g_assert_cmpuint (mode_service_get_n_tasks (a), ==, 0);
  g_assert_true (mode_service_get_crashed (a));
  reason = mode_service_get_crash_reason (a);
  g_assert_error (reason, MODE_ERROR, MODE_ERROR_FAILED);
  g_assert_nonnull (strstr (reason->message, "forgetful"));
  g_assert_nonnull (strstr (reason->message, "Alpha"));

  /* the stop does not wait for shutdown-timeout: the clock never moves */
  test_bounded_waits = TRUE;
  test_stop_ok (a);
  test_bounded_waits = FALSE;
  g_object_add_weak_pointer (G_OBJECT (a), &weak);
  g_clear_object (&a);
  test_drain ();
  g_assert_null (weak);
}

/* A task dropped after the stop cancelled it ends the join; no crash. */
static void
keep_task (ModeService *service,
           GTask       *task,
           gpointer     user_data)
{
  GTask **slot = user_data;

  *slot = g_object_ref (task);
}

static void
test_dropped_task_while_stopping (TestFixture   *f,
                                  gconstpointer  data)
{
  g_autoptr(ModeService) a = g_object_new (MODE_TYPE_SERVICE, "label", "A",
                                           "clock", f->clock, NULL);
  GTask *kept = NULL;
  Pending stop = { 0 };

  test_log_expect_warnings ();
  test_start_ok (a);
  mode_service_spawn (a, "kept", keep_task, &kept, NULL);
  mode_service_stop_async (a, NULL, pending_store, &stop);
  test_drain ();
  g_assert_null (stop.result);
  g_assert_true (g_cancellable_is_cancelled (g_task_get_cancellable (kept)));

  g_clear_object (&kept);
  g_assert_true (pending_finish (&stop, a, mode_service_stop_finish, NULL));
  g_assert_false (mode_service_get_crashed (a));
  g_assert_cmpuint (mode_service_get_n_tasks (a), ==, 0);
  g_assert_true (test_log_contains ("*kept*"));
}

/* An asynchronous hook that drops its task fails the start. */
static void
test_dropped_hook_task (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("Alpha");
  g_autoptr(GError) error = NULL;

  test_log_expect_warnings ();
  a->behave[HOOK_START] = BEHAVE_DROP;
  g_assert_false (test_op_start (a, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "on_start"));
  g_assert_nonnull (strstr (error->message, "Alpha"));
  g_assert_true (mode_service_get_crashed (S (a)));

  /* a stop hook that drops its task is logged; the stop goes on, and
   * reports it, as it does any error of a stop hook */
  a->behave[HOOK_STOP] = BEHAVE_DROP;
  test_log_clear ();
  g_clear_error (&error);
  g_assert_false (test_op_stop (a, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "on_stop"));
  g_assert_true (test_log_contains ("*on_stop*"));
  assert_trace ("Alpha.on_first_start Alpha.on_start(dropped) Alpha.on_stop(dropped) "
                "Alpha.on_shutdown");
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_CRASHED);
}

/* An abandoned task (still running after shutdown-timeout) is
 * forgotten: the service is freed, and the task's end later is no harm. */
static void
test_abandoned_task (TestFixture   *f,
                     gconstpointer  data)
{
  g_autoptr(ModeService) a = g_object_new (MODE_TYPE_SERVICE, "label", "A",
                                           "clock", f->clock,
                                           "shutdown-timeout", 1.0, NULL);
  GTask *kept = NULL;
  Pending stop = { 0 };

  test_log_expect_warnings ();
  test_start_ok (a);
  mode_service_spawn (a, "stubborn", keep_task, &kept, NULL);
  mode_service_stop_async (a, NULL, pending_store, &stop);
  test_drain ();
  g_assert_null (stop.result);
  test_advance (f->clock, USEC (1.5));
  g_assert_true (pending_finish (&stop, a, mode_service_stop_finish, NULL));
  g_assert_cmpuint (mode_service_get_n_tasks (a), ==, 0);
  g_assert_true (test_log_contains ("*stubborn*"));

  g_task_return_boolean (kept, TRUE);
  g_clear_object (&kept);
  test_drain ();
  g_assert_cmpuint (mode_service_get_n_tasks (a), ==, 0);
}

/* }}} */

/* 6. A failed runtime dependency fails only its caller {{{ */

static void
count_cleanup (ModeService *service,
               gpointer     data)
{
  (*(guint *) data)++;
}

static void
test_runtime_dependency_fails (TestFixture   *f,
                               gconstpointer  data)
{
  g_autoptr(TestRec) parent = rec_new ("Parent");
  g_autoptr(TestRec) sibling = rec_new ("Sibling");
  g_autoptr(TestRec) plugin = rec_new ("Plugin");
  g_autoptr(GPtrArray) deps = NULL;
  g_autoptr(GError) error = NULL;
  Pending add = { 0 };
  guint cleanups = 0;

  test_log_expect_warnings ();
  mode_service_add_dependency (S (parent), S (sibling));
  test_start_ok (parent);
  g_free (test_trace_take ());

  mode_service_add_cleanup (S (plugin), count_cleanup, &cleanups, NULL);
  plugin->behave[HOOK_STARTED] = BEHAVE_FAIL;
  mode_service_add_runtime_dependency_async (S (parent), S (plugin), NULL, pending_store, &add);
  pending_wait (&add);
  {
    g_autoptr(GAsyncResult) result = g_steal_pointer (&add.result);
    g_assert_null (mode_service_add_runtime_dependency_finish (S (parent), result, &error));
  }
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);

  /* the plugin was stopped (its cleanups ran) and detached */
  assert_trace ("Plugin.on_first_start Plugin.on_start Plugin.on_started(fail) "
                "Plugin.on_stop Plugin.on_shutdown");
  g_assert_cmpuint (cleanups, ==, 1);
  g_assert_cmpint (mode_service_get_state (S (plugin)), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_false (mode_service_get_crashed (S (plugin)));
  deps = mode_service_get_dependencies (S (parent));
  g_assert_cmpuint (deps->len, ==, 1);
  g_assert_true (g_ptr_array_index (deps, 0) == sibling);
  g_assert_null (mode_node_get_parent (mode_service_get_beacon (S (plugin))));

  /* the rest runs on */
  g_assert_cmpint (mode_service_get_state (S (parent)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (mode_service_get_state (S (sibling)), ==, MODE_SERVICE_STATE_RUNNING);
  test_stop_ok (parent);
}

/* A cycle through a runtime dependency is a GError, and only that. */
static void
test_runtime_dependency_cycle (TestFixture   *f,
                               gconstpointer  data)
{
  g_autoptr(ModeService) a = g_object_new (MODE_TYPE_SERVICE, "label", "A", NULL);
  g_autoptr(ModeService) b = g_object_new (MODE_TYPE_SERVICE, "label", "B", NULL);
  g_autoptr(GError) error = NULL;
  Pending add = { 0 };

  mode_service_add_dependency (a, b);
  mode_service_add_runtime_dependency_async (b, a, NULL, pending_store, &add);
  pending_wait (&add);
  {
    g_autoptr(GAsyncResult) result = g_steal_pointer (&add.result);
    g_assert_null (mode_service_add_runtime_dependency_finish (b, result, &error));
  }
  g_assert_error (error, MODE_ERROR, MODE_ERROR_CYCLE);
  g_assert_nonnull (strstr (error->message, "A"));
  g_assert_nonnull (strstr (error->message, "B"));
}

/* }}} */

/* 7. Crash marks reach a stopped ServiceThread at once {{{ */

static void
test_crash_stopped_thread (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(ModeService) p = g_object_new (MODE_TYPE_SERVICE, "label", "P", NULL);
  g_autoptr(ModeService) t = g_object_new (MODE_TYPE_SERVICE_THREAD, "label", "T", NULL);
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");

  test_log_expect_warnings ();
  mode_service_add_dependency (p, t);
  test_start_ok (p);
  test_stop_ok (p);
  mode_service_crash (p, reason);
  test_drain ();
  g_assert_true (mode_service_get_crashed (t));

  test_restart_ok (p);
  g_assert_cmpint (mode_service_get_state (p), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (mode_service_get_state (t), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_false (mode_service_get_crashed (t));
  test_stop_ok (p);
  g_assert_cmpint (mode_service_get_state (t), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

/* }}} */

/* 8. Cancelled calls return at once {{{ */

static void
test_cancel_wait_until_stopped (TestFixture   *f,
                                gconstpointer  data)
{
  g_autoptr(ModeService) a = g_object_new (MODE_TYPE_SERVICE, "label", "A", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Pending wait = { 0 };

  test_start_ok (a);
  mode_service_wait_until_stopped_async (a, cancellable, pending_store, &wait);
  test_drain ();
  g_assert_null (wait.result);
  g_cancellable_cancel (cancellable);
  g_assert_false (pending_finish (&wait, a, mode_service_wait_until_stopped_finish, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  test_stop_ok (a);
}

/* A cancelled start returns at once; it ends like a stop while starting. */
static void
test_cancel_start (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("A");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Pending start = { 0 };

  a->behave[HOOK_START] = BEHAVE_HOLD;
  mode_service_start_async (S (a), cancellable, pending_store, &start);
  test_drain ();
  g_cancellable_cancel (cancellable);
  g_assert_false (pending_finish (&start, S (a), mode_service_start_finish, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (mode_service_get_should_stop (S (a)));
  g_assert_true (g_cancellable_is_cancelled (a->cancellable[HOOK_START]));

  rec_release (a, HOOK_START, NULL);
  test_drain ();
  assert_trace ("A.on_first_start A.on_start(held) A.on_stop A.on_shutdown");
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

/* A cancelled start that another caller still waits for goes on. */
static void
test_cancel_coalesced_start (TestFixture   *f,
                             gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("A");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Pending start1 = { 0 }, start2 = { 0 };

  a->behave[HOOK_START] = BEHAVE_HOLD;
  mode_service_start_async (S (a), cancellable, pending_store, &start1);
  mode_service_start_async (S (a), NULL, pending_store, &start2);
  test_drain ();
  g_cancellable_cancel (cancellable);
  g_assert_false (pending_finish (&start1, S (a), mode_service_start_finish, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (mode_service_get_should_stop (S (a)));

  rec_release (a, HOOK_START, NULL);
  g_assert_true (pending_finish (&start2, S (a), mode_service_start_finish, NULL));
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_RUNNING);
  test_stop_ok (a);
}

/* A cancelled stop returns at once; the stop completes all the same. */
static void
test_cancel_stop (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("A");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Pending stop = { 0 };

  test_start_ok (a);
  g_free (test_trace_take ());
  a->behave[HOOK_STOP] = BEHAVE_HOLD;
  mode_service_stop_async (S (a), cancellable, pending_store, &stop);
  test_drain ();
  g_cancellable_cancel (cancellable);
  g_assert_false (pending_finish (&stop, S (a), mode_service_stop_finish, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_STOPPING);

  rec_release (a, HOOK_STOP, NULL);
  test_drain ();
  assert_trace ("A.on_stop(held) A.on_shutdown");
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

/* A cancelled restart returns at once; its stop completes, it does not
 * start. */
static void
test_cancel_restart (TestFixture   *f,
                     gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("A");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Pending restart = { 0 };

  test_start_ok (a);
  g_free (test_trace_take ());
  a->behave[HOOK_STOP] = BEHAVE_HOLD;
  mode_service_restart_async (S (a), cancellable, pending_store, &restart);
  test_drain ();
  g_cancellable_cancel (cancellable);
  g_assert_false (pending_finish (&restart, S (a), mode_service_restart_finish, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  rec_release (a, HOOK_STOP, NULL);
  test_drain ();
  assert_trace ("A.on_stop(held) A.on_shutdown");
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

/* A call whose cancellable was cancelled before it is made does nothing. */
static void
test_cancelled_before (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(TestRec) a = rec_new ("A");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  {
    Pending start = { 0 };

    mode_service_start_async (S (a), cancellable, pending_store, &start);
    g_assert_false (pending_finish (&start, S (a), mode_service_start_finish, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
  assert_trace ("");
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_INIT);
  test_start_ok (a);
  test_stop_ok (a);
}

/* }}} */

/* 9. Smaller things {{{ */

static void
test_sleep_forever (TestFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(ModeService) a = g_object_new (MODE_TYPE_SERVICE, "label", "A",
                                           "clock", f->clock, NULL);
  const gdouble forever[] = { INFINITY, 1e300, (gdouble) G_MAXINT64 / 10.0 };
  Pending sleeps[G_N_ELEMENTS (forever)] = { { 0 } };
  Pending wait = { 0 };

  test_start_ok (a);
  for (guint i = 0; i < G_N_ELEMENTS (forever); i++)
    mode_service_sleep_async (a, forever[i], NULL, pending_store, &sleeps[i]);
  mode_service_wait_async (a, NULL, INFINITY, NULL, pending_store, &wait);
  test_advance (f->clock, USEC (3600 * 24 * 365));
  for (guint i = 0; i < G_N_ELEMENTS (forever); i++)
    g_assert_null (sleeps[i].result);
  g_assert_null (wait.result);

  /* they end with the service */
  test_stop_ok (a);
  for (guint i = 0; i < G_N_ELEMENTS (forever); i++)
    g_assert_false (pending_finish (&sleeps[i], a, mode_service_sleep_finish, NULL));
  g_assert_false (pending_finish (&wait, a, mode_service_wait_finish, NULL));
}

static void
test_describe_utf8 (TestFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(ModeService) a = g_object_new (MODE_TYPE_SERVICE, NULL);
  g_autofree char *text = NULL;

  mode_service_set_label (a, "Caf\xe9\xff");
  text = mode_service_describe (a);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_nonnull (strstr (text, "Caf"));
}

static void
test_finish_checks_tag (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(ModeService) a = g_object_new (MODE_TYPE_SERVICE, "label", "A", NULL);
  Pending stop = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  mode_service_stop_async (a, NULL, pending_store, &stop);
  pending_wait (&stop);
  result = g_steal_pointer (&stop.result);

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*tagged*");
  g_assert_false (mode_service_start_finish (a, result, NULL));
  g_test_assert_expected_messages ();
  g_assert_true (mode_service_stop_finish (a, result, NULL));
}

/* A class deeper than any fixed array of ancestors. */
static GType
deep_type (guint depth)
{
  GType type = MODE_TYPE_SERVICE;

  for (guint i = 0; i < depth; i++)
    {
      g_autofree char *name = g_strdup_printf ("TestDeep%u", i);
      GTypeQuery query;
      GTypeInfo info = { 0 };

      g_type_query (type, &query);
      info.class_size = query.class_size;
      info.instance_size = query.instance_size;
      type = g_type_register_static (type, name, &info, 0);
    }

  return type;
}

static void
deep_task (ModeService *service,
           GTask       *task,
           gpointer     user_data)
{
  (*(guint *) user_data)++;
  g_task_return_boolean (task, TRUE);
}

static void
test_deep_class (TestFixture   *f,
                 gconstpointer  data)
{
  GType type = deep_type (100);
  GType base = type;
  g_autoptr(ModeService) a = NULL;
  static guint runs; /* the class tasks outlive the test */

  /* the first of the chain below ModeService: a class task on
   * ModeService itself would run in every service of the later tests */
  while (g_type_parent (base) != MODE_TYPE_SERVICE)
    base = g_type_parent (base);
  runs = 0;
  mode_service_class_add_task_full (g_type_class_ref (type), "deep", deep_task, &runs, NULL);
  mode_service_class_add_task_full (g_type_class_ref (base), NULL, deep_task, &runs, NULL);
  a = g_object_new (type, "label", "Deep", NULL);
  test_start_ok (a);
  test_drain ();
  /* the base class's task, and the deepest class's */
  g_assert_cmpuint (runs, ==, 2);
  test_stop_ok (a);
}

/* }}} */

/* Parallel start {{{ */

static TestRec *
parallel_parent (const char *label,
                 TestRec   **children,
                 guint       n_children)
{
  TestRec *parent = rec_new (label);

  mode_service_set_start_dependencies (S (parent), MODE_DEPENDENCY_START_PARALLEL);
  for (guint i = 0; i < n_children; i++)
    mode_service_add_dependency (S (parent), S (children[i]));
  return parent;
}

/* The dependencies start at once; on_started waits for all; the stop
 * goes in the reverse order of the completion of their starts. */
static void
test_parallel_start (TestFixture   *f,
                     gconstpointer  data)
{
  g_autoptr(TestRec) b = rec_new ("B");
  g_autoptr(TestRec) c = rec_new ("C");
  g_autoptr(TestRec) d = rec_new ("D");
  TestRec *children[] = { b, c, d };
  g_autoptr(TestRec) a = parallel_parent ("A", children, G_N_ELEMENTS (children));
  Pending start = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    children[i]->behave[HOOK_START] = BEHAVE_HOLD;
  mode_service_start_async (S (a), NULL, pending_store, &start);
  test_drain ();
  /* each start goes a step at a time: the three go side by side */
  assert_trace ("A.on_first_start A.on_start B.on_first_start C.on_first_start "
                "D.on_first_start B.on_start(held) C.on_start(held) D.on_start(held)");

  rec_release (c, HOOK_START, NULL);
  rec_release (d, HOOK_START, NULL);
  test_drain ();
  assert_trace ("C.on_started D.on_started");
  g_assert_null (start.result);
  g_assert_cmpint (mode_service_get_state (S (a)), ==, MODE_SERVICE_STATE_STARTING);

  rec_release (b, HOOK_START, NULL);
  g_assert_true (pending_finish (&start, S (a), mode_service_start_finish, NULL));
  assert_trace ("B.on_started A.on_started");

  test_stop_ok (a);
  assert_trace ("A.on_stop B.on_stop B.on_shutdown D.on_stop D.on_shutdown "
                "C.on_stop C.on_shutdown A.on_shutdown");
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    g_assert_cmpuint (children[i]->overlaps, ==, 0);
}

/* One start fails: the start waits for the others, stops the ones that
 * started (last completed first) and fails with the first error. As a
 * runtime dependency, the failure is the caller's alone: nothing crashes. */
static void
test_parallel_start_fails (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TestRec) root = rec_new ("Root");
  g_autoptr(TestRec) b = rec_new ("B");
  g_autoptr(TestRec) c = rec_new ("C");
  g_autoptr(TestRec) d = rec_new ("D");
  g_autoptr(TestRec) e = rec_new ("E");
  TestRec *children[] = { b, c, d, e };
  g_autoptr(TestRec) a = parallel_parent ("A", children, G_N_ELEMENTS (children));
  g_autoptr(GError) first = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "C broke");
  g_autoptr(GError) second = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "E broke");
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = NULL;
  Pending add = { 0 };

  test_start_ok (root);
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    children[i]->behave[HOOK_START] = BEHAVE_HOLD;
  mode_service_add_runtime_dependency_async (S (root), S (a), NULL, pending_store, &add);
  test_drain ();
  g_free (test_trace_take ());

  rec_release (d, HOOK_START, NULL);
  test_drain ();
  rec_release (c, HOOK_START, first);
  test_drain ();
  g_assert_null (add.result);
  rec_release (b, HOOK_START, NULL);
  test_drain ();
  rec_release (e, HOOK_START, second);
  pending_wait (&add);
  {
    g_autoptr(GAsyncResult) result = g_steal_pointer (&add.result);
    g_assert_null (mode_service_add_runtime_dependency_finish (S (root), result, &error));
  }
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "C broke");
  test_drain ();
  trace = test_trace_take ();
  g_assert_true (g_str_has_prefix (trace, "D.on_started B.on_started "
                                          "B.on_stop B.on_shutdown D.on_stop D.on_shutdown"));
  g_assert_cmpint (mode_service_get_state (S (b)), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_cmpint (mode_service_get_state (S (d)), ==, MODE_SERVICE_STATE_SHUTDOWN);
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      g_assert_false (mode_service_get_crashed (S (children[i])));
      g_assert_cmpuint (children[i]->overlaps, ==, 0);
    }
  g_assert_false (mode_service_get_crashed (S (a)));
  g_assert_cmpint (mode_service_get_state (S (root)), ==, MODE_SERVICE_STATE_RUNNING);
  test_stop_ok (root);
}

/* Without a caller to take it, a failure crashes the tree, as in order:
 * the start fails with the first error once every start ended. */
static void
test_parallel_start_crashes (TestFixture   *f,
                             gconstpointer  data)
{
  g_autoptr(TestRec) b = rec_new ("B");
  g_autoptr(TestRec) c = rec_new ("C");
  TestRec *children[] = { b, c };
  g_autoptr(TestRec) a = parallel_parent ("A", children, G_N_ELEMENTS (children));
  g_autoptr(GError) broke = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "C broke");
  g_autoptr(GError) error = NULL;
  Pending start = { 0 };

  b->behave[HOOK_START] = BEHAVE_HOLD;
  c->behave[HOOK_START] = BEHAVE_HOLD;
  mode_service_start_async (S (a), NULL, pending_store, &start);
  test_drain ();
  rec_release (c, HOOK_START, broke);
  test_drain ();
  g_assert_null (start.result); /* B's start has not ended */
  g_assert_true (mode_service_get_crashed (S (a)));
  rec_release (b, HOOK_START, NULL);
  g_assert_false (pending_finish (&start, S (a), mode_service_start_finish, &error));
  g_assert_cmpstr (error->message, ==, "C broke");
  test_stop_ok (a);
  g_assert_cmpuint (b->overlaps, ==, 0);
}

/* A dependency two of them share starts once; each waits for it. */
static void
test_parallel_start_shared (TestFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(TestRec) b = rec_new ("B");
  g_autoptr(TestRec) c = rec_new ("C");
  g_autoptr(TestRec) shared = rec_new ("S");
  TestRec *children[] = { b, c };
  g_autoptr(TestRec) a = parallel_parent ("A", children, G_N_ELEMENTS (children));
  Pending start = { 0 };

  mode_service_add_dependency (S (b), S (shared));
  mode_service_add_dependency (S (c), S (shared));
  shared->behave[HOOK_START] = BEHAVE_HOLD;
  mode_service_start_async (S (a), NULL, pending_store, &start);
  test_drain ();
  assert_trace ("A.on_first_start A.on_start B.on_first_start C.on_first_start "
                "B.on_start C.on_start S.on_first_start S.on_start(held)");

  rec_release (shared, HOOK_START, NULL);
  g_assert_true (pending_finish (&start, S (a), mode_service_start_finish, NULL));
  assert_trace ("S.on_started B.on_started C.on_started A.on_started");
  test_stop_ok (a);
  g_assert_cmpint (mode_service_get_state (S (shared)), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

/* A stop while the dependencies start: it waits for their starts, the
 * start fails with STOPPED, everything ends stopped. */
static void
test_parallel_start_stopped (TestFixture   *f,
                             gconstpointer  data)
{
  g_autoptr(TestRec) b = rec_new ("B");
  g_autoptr(TestRec) c = rec_new ("C");
  TestRec *children[] = { b, c };
  g_autoptr(TestRec) a = parallel_parent ("A", children, G_N_ELEMENTS (children));
  g_autoptr(GError) error = NULL;
  Pending start = { 0 }, stop = { 0 };

  b->behave[HOOK_START] = BEHAVE_HOLD;
  c->behave[HOOK_START] = BEHAVE_HOLD;
  mode_service_start_async (S (a), NULL, pending_store, &start);
  test_drain ();
  mode_service_stop_async (S (a), NULL, pending_store, &stop);
  test_drain ();
  g_free (test_trace_take ());

  rec_release (c, HOOK_START, NULL);
  rec_release (b, HOOK_START, NULL);
  g_assert_false (pending_finish (&start, S (a), mode_service_start_finish, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_assert_true (pending_finish (&stop, S (a), mode_service_stop_finish, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      g_assert_cmpint (mode_service_get_state (S (children[i])), ==, MODE_SERVICE_STATE_SHUTDOWN);
      g_assert_cmpuint (children[i]->overlaps, ==, 0);
    }
  g_assert_false (mode_service_get_crashed (S (a)));
}

/* The property: in order by default, notified once per change; a
 * restart of a parallel parent starts its dependencies in parallel
 * again. */
static void
test_parallel_start_property (TestFixture   *f,
                              gconstpointer  data)
{
  g_autoptr(TestRec) b = rec_new ("B");
  g_autoptr(TestRec) c = rec_new ("C");
  TestRec *children[] = { b, c };
  g_autoptr(TestRec) plain = rec_new ("P");
  g_autoptr(TestRec) a = NULL;
  guint notified = 0;
  Pending restart = { 0 };

  g_assert_cmpint (mode_service_get_start_dependencies (S (plain)), ==,
                   MODE_DEPENDENCY_START_IN_ORDER);
  g_signal_connect (plain, "notify::start-dependencies", G_CALLBACK (test_count_notify), &notified);
  mode_service_set_start_dependencies (S (plain), MODE_DEPENDENCY_START_PARALLEL);
  mode_service_set_start_dependencies (S (plain), MODE_DEPENDENCY_START_PARALLEL);
  g_object_set (plain, "start-dependencies", MODE_DEPENDENCY_START_IN_ORDER, NULL);
  g_assert_cmpuint (notified, ==, 2);

  a = parallel_parent ("A", children, G_N_ELEMENTS (children));
  test_start_ok (a);
  g_free (test_trace_take ());
  b->behave[HOOK_START] = BEHAVE_HOLD;
  c->behave[HOOK_START] = BEHAVE_HOLD;
  mode_service_restart_async (S (a), NULL, pending_store, &restart);
  test_drain ();
  g_assert_nonnull (b->held[HOOK_START]);
  g_assert_nonnull (c->held[HOOK_START]);
  rec_release (c, HOOK_START, NULL);
  rec_release (b, HOOK_START, NULL);
  g_assert_true (pending_finish (&restart, S (a), mode_service_restart_finish, NULL));
  g_free (test_trace_take ());
  test_stop_ok (a);
  assert_trace ("A.on_stop B.on_stop B.on_shutdown C.on_stop C.on_shutdown A.on_shutdown");
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  test_log_init ();

#define ADD(path, func) \
  g_test_add ("/lifecycle/" path, TestFixture, NULL, test_fixture_setup, func, test_fixture_teardown)

  ADD ("restart/running-dependency", test_restart_running_dependency);
  ADD ("restart/restarted-dependency", test_restart_restarted_dependency);
  ADD ("restart/stopped-dependency", test_restart_stopped_dependency);
  ADD ("hooks/restart-while-starting", test_restart_while_starting);
  ADD ("hooks/stop-while-starting", test_stop_while_starting);
  ADD ("hooks/calls-during-stop", test_calls_during_stop);
  ADD ("coalesce/maybe-start-joins-start", test_maybe_start_joins_start);
  ADD ("coalesce/two-starts-in-flight", test_two_starts_in_flight);
  ADD ("tasks/dropped", test_dropped_task);
  ADD ("tasks/dropped-while-stopping", test_dropped_task_while_stopping);
  ADD ("tasks/dropped-hook-task", test_dropped_hook_task);
  ADD ("tasks/abandoned", test_abandoned_task);
  ADD ("runtime-dependency/fails", test_runtime_dependency_fails);
  ADD ("runtime-dependency/cycle", test_runtime_dependency_cycle);
  ADD ("crash/stopped-thread", test_crash_stopped_thread);
  ADD ("cancel/wait-until-stopped", test_cancel_wait_until_stopped);
  ADD ("cancel/start", test_cancel_start);
  ADD ("cancel/coalesced-start", test_cancel_coalesced_start);
  ADD ("cancel/stop", test_cancel_stop);
  ADD ("cancel/restart", test_cancel_restart);
  ADD ("cancel/before", test_cancelled_before);
  ADD ("sleep/forever", test_sleep_forever);
  ADD ("describe/utf8", test_describe_utf8);
  ADD ("finish/source-tag", test_finish_checks_tag);
  ADD ("class/deep", test_deep_class);
  ADD ("parallel/start", test_parallel_start);
  ADD ("parallel/fails", test_parallel_start_fails);
  ADD ("parallel/crashes", test_parallel_start_crashes);
  ADD ("parallel/shared", test_parallel_start_shared);
  ADD ("parallel/stopped", test_parallel_start_stopped);
  ADD ("parallel/property", test_parallel_start_property);

#undef ADD

  return g_test_run ();
}
