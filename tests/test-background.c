/* test-background.c: the background work of ModeService: tasks, sleep,
 * wait, cleanups and diagnostics
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include <string.h>

#include "test-util.h"

/* Main context helpers {{{ */

static void
await_n_tasks (ModeService *service,
               guint        n_tasks)
{
  while (mode_service_get_n_tasks (service) != n_tasks)
    test_iterate (TRUE);
}

/* For objects that another thread may still hold for a moment: waits
 * until the last reference went, wherever it was dropped. */
typedef struct
{
  GMainContext *context;
  gint          finalized;
} Finalized;

static void
finalized_notify (gpointer  data,
                  GObject  *where_the_object_was)
{
  Finalized *finalized = data;

  g_atomic_int_set (&finalized->finalized, 1);
  g_main_context_wakeup (finalized->context);
}

static void
await_finalized (gpointer object)
{
  Finalized finalized = { g_main_context_get_thread_default (), 0 };

  g_object_weak_ref (object, finalized_notify, &finalized);
  g_object_unref (object);
  while (!g_atomic_int_get (&finalized.finalized))
    test_iterate (TRUE);
}

/* }}} */

/* Test services {{{ */

/* TestService records its hooks in the trace as "LABEL:HOOK". */
#define TEST_TYPE_SERVICE (test_service_get_type ())
G_DECLARE_DERIVABLE_TYPE (TestService, test_service, TEST, SERVICE, ModeService)

struct _TestServiceClass
{
  ModeServiceClass parent_class;
};

G_DEFINE_TYPE (TestService, test_service, MODE_TYPE_SERVICE)

static guint n_tasks_at_shutdown;

static gboolean
test_service_on_start (ModeService   *service,
                       GCancellable  *cancellable,
                       GError       **error)
{
  test_trace_add ("%s:on_start", mode_service_get_label (service));
  return TRUE;
}

static gboolean
test_service_on_stop (ModeService   *service,
                      GCancellable  *cancellable,
                      GError       **error)
{
  test_trace_add ("%s:on_stop", mode_service_get_label (service));
  return TRUE;
}

static gboolean
test_service_on_shutdown (ModeService   *service,
                          GCancellable  *cancellable,
                          GError       **error)
{
  n_tasks_at_shutdown = mode_service_get_n_tasks (service);
  test_trace_add ("%s:on_shutdown", mode_service_get_label (service));
  return TRUE;
}

static void
test_service_class_init (TestServiceClass *klass)
{
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  service_class->on_start = test_service_on_start;
  service_class->on_stop = test_service_on_stop;
  service_class->on_shutdown = test_service_on_shutdown;
}

static void
test_service_init (TestService *self)
{
}

static ModeService *
test_service_new (ModeClock  *clock,
                  const char *label)
{
  return g_object_new (TEST_TYPE_SERVICE, "clock", clock, "label", label, NULL);
}

/* TestCleanupService adds three cleanups in on_start. */
#define TEST_TYPE_CLEANUP_SERVICE (test_cleanup_service_get_type ())
G_DECLARE_FINAL_TYPE (TestCleanupService, test_cleanup_service, TEST, CLEANUP_SERVICE, TestService)

struct _TestCleanupService
{
  TestService parent_instance;
};

G_DEFINE_FINAL_TYPE (TestCleanupService, test_cleanup_service, TEST_TYPE_SERVICE)

static guint cleanups_destroyed;

static void
record_cleanup (ModeService *service,
                gpointer     user_data)
{
  test_trace_add ("%s", (const char *) user_data);
}

static void
count_cleanup_destroyed (gpointer user_data)
{
  cleanups_destroyed++;
}

static gboolean
test_cleanup_service_on_start (ModeService   *service,
                               GCancellable  *cancellable,
                               GError       **error)
{
  if (!MODE_SERVICE_CLASS (test_cleanup_service_parent_class)->on_start (service, cancellable, error))
    return FALSE;

  mode_service_add_cleanup (service, record_cleanup, (gpointer) "c1", count_cleanup_destroyed);
  mode_service_add_cleanup (service, record_cleanup, (gpointer) "c2", count_cleanup_destroyed);
  mode_service_add_cleanup (service, record_cleanup, (gpointer) "c3", count_cleanup_destroyed);
  return TRUE;
}

static void
test_cleanup_service_class_init (TestCleanupServiceClass *klass)
{
  MODE_SERVICE_CLASS (klass)->on_start = test_cleanup_service_on_start;
}

static void
test_cleanup_service_init (TestCleanupService *self)
{
}

/* A task that records its user data in the trace and completes at once. */
static void
record_task (ModeService *service,
             GTask       *task,
             gpointer     user_data)
{
  test_trace_add ("%s", (const char *) user_data);
  g_task_return_boolean (task, TRUE);
}

/* TestTaskBase registers a class task in class_init; TestTaskEarly, a
 * subclass, does too; TestTaskLate registers one after class_init (in
 * main(), as a binding does); TestTaskLater registers one in the middle
 * of a test, between two starts of a service. */
#define TEST_TYPE_TASK_BASE (test_task_base_get_type ())
G_DECLARE_DERIVABLE_TYPE (TestTaskBase, test_task_base, TEST, TASK_BASE, ModeService)

struct _TestTaskBaseClass
{
  ModeServiceClass parent_class;
};

G_DEFINE_TYPE (TestTaskBase, test_task_base, MODE_TYPE_SERVICE)

static void
test_task_base_class_init (TestTaskBaseClass *klass)
{
  mode_service_class_add_task_full (MODE_SERVICE_CLASS (klass), "base",
                                    record_task, (gpointer) "base", NULL);
}

static void
test_task_base_init (TestTaskBase *self)
{
}

#define TEST_TYPE_TASK_EARLY (test_task_early_get_type ())
G_DECLARE_FINAL_TYPE (TestTaskEarly, test_task_early, TEST, TASK_EARLY, TestTaskBase)

struct _TestTaskEarly
{
  TestTaskBase parent_instance;
};

G_DEFINE_FINAL_TYPE (TestTaskEarly, test_task_early, TEST_TYPE_TASK_BASE)

static void
test_task_early_class_init (TestTaskEarlyClass *klass)
{
  mode_service_class_add_task_full (MODE_SERVICE_CLASS (klass), "early",
                                    record_task, (gpointer) "early", NULL);
}

static void
test_task_early_init (TestTaskEarly *self)
{
}

#define TEST_TYPE_TASK_LATE (test_task_late_get_type ())
G_DECLARE_FINAL_TYPE (TestTaskLate, test_task_late, TEST, TASK_LATE, TestTaskBase)

struct _TestTaskLate
{
  TestTaskBase parent_instance;
};

G_DEFINE_FINAL_TYPE (TestTaskLate, test_task_late, TEST_TYPE_TASK_BASE)

static void
test_task_late_class_init (TestTaskLateClass *klass)
{
}

static void
test_task_late_init (TestTaskLate *self)
{
}

#define TEST_TYPE_TASK_LATER (test_task_later_get_type ())
G_DECLARE_FINAL_TYPE (TestTaskLater, test_task_later, TEST, TASK_LATER, TestTaskBase)

struct _TestTaskLater
{
  TestTaskBase parent_instance;
};

G_DEFINE_FINAL_TYPE (TestTaskLater, test_task_later, TEST_TYPE_TASK_BASE)

static void
test_task_later_class_init (TestTaskLaterClass *klass)
{
}

static void
test_task_later_init (TestTaskLater *self)
{
}

/* }}} */

/* Tasks {{{ */

/* A task that keeps its GTask, to complete it when the test says. */
typedef struct
{
  GPtrArray *tasks;      /* (element-type GTask) (owned) */
  guint      calls;
  guint      destroyed;
} Later;

static void
later_func (ModeService *service,
            GTask       *task,
            gpointer     user_data)
{
  Later *later = user_data;

  later->calls++;
  g_ptr_array_add (later->tasks, g_object_ref (task));
}

static void
later_destroyed (gpointer user_data)
{
  Later *later = user_data;

  later->destroyed++;
}

static void
later_init (Later *later)
{
  later->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  later->calls = 0;
  later->destroyed = 0;
}

/* Completes the oldest task kept, and checks that it goes away. */
static void
later_complete_one (Later *later)
{
  GTask *task = g_ptr_array_steal_index (later->tasks, 0);
  GTask *weak = task;

  g_object_add_weak_pointer (G_OBJECT (task), (gpointer *) &weak);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
  test_drain ();
  g_assert_null (weak);
}

static void
test_spawn (TestFixture       *f,
            gconstpointer  data)
{
  ModeService *service = test_service_new (f->clock, "svc");
  Later later;
  GTask *task;

  later_init (&later);
  test_start_ok (service);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 0);

  /* the function runs now; the task runs until it is completed */
  mode_service_spawn (service, "later", later_func, &later, later_destroyed);
  g_assert_cmpuint (later.calls, ==, 1);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 1);

  task = g_ptr_array_index (later.tasks, 0);
  g_assert_true (G_IS_TASK (task));
  g_assert_true (g_task_get_source_object (task) == (gpointer) service);
  g_assert_true (G_IS_CANCELLABLE (g_task_get_cancellable (task)));
  g_assert_false (g_cancellable_is_cancelled (g_task_get_cancellable (task)));
  g_assert_cmpstr (g_task_get_name (task), ==, "later");

  mode_service_spawn (service, "later", later_func, &later, later_destroyed);
  mode_service_spawn (service, "later", later_func, &later, later_destroyed);
  g_assert_cmpuint (later.calls, ==, 3);
  test_drain ();
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 3);
  g_assert_cmpuint (later.destroyed, ==, 0);

  later_complete_one (&later);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 2);
  g_assert_cmpuint (later.destroyed, ==, 1);
  later_complete_one (&later);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 1);
  later_complete_one (&later);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 0);
  g_assert_cmpuint (later.destroyed, ==, 3);

  /* a task that completes at once still counts until its result is in */
  mode_service_spawn (service, "now", record_task, (gpointer) "now", NULL);
  await_n_tasks (service, 0);
  g_assert_false (mode_service_get_crashed (service));

  test_stop_ok (service);
  test_assert_finalized (service);
  g_ptr_array_unref (later.tasks);
}

static void
test_add_task (TestFixture       *f,
               gconstpointer  data)
{
  ModeService *parent = test_service_new (f->clock, "parent");
  ModeService *child = test_service_new (f->clock, "child");
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;

  mode_service_add_dependency (parent, child);
  mode_service_add_task (parent, "work", record_task, (gpointer) "parent:task", NULL);

  /* after on_start, before the dependencies start */
  test_start_ok (parent);
  first = test_trace_take ();
  g_assert_cmpstr (first, ==, "parent:on_start parent:task child:on_start");
  await_n_tasks (parent, 0);

  /* on every start: a restart of a running service... */
  test_restart_ok (parent);
  second = test_trace_take ();
  g_assert_true (g_str_has_suffix (second, "parent:on_start parent:task child:on_start"));
  await_n_tasks (parent, 0);

  /* ...and of a stopped one */
  test_stop_ok (parent);
  g_clear_pointer (&second, g_free);
  second = test_trace_take ();
  g_assert_null (strstr (second, "task"));
  test_restart_ok (parent);
  third = test_trace_take ();
  g_assert_cmpstr (third, ==, "parent:on_start parent:task child:on_start");
  await_n_tasks (parent, 0);

  test_stop_ok (parent);
  g_object_unref (child);
  test_assert_finalized (parent);
}

static void
test_class_tasks (TestFixture       *f,
                  gconstpointer  data)
{
  ModeService *base = g_object_new (TEST_TYPE_TASK_BASE, "clock", f->clock, NULL);
  ModeService *early = g_object_new (TEST_TYPE_TASK_EARLY, "clock", f->clock, NULL);
  ModeService *late = g_object_new (TEST_TYPE_TASK_LATE, "clock", f->clock, NULL);
  ModeService *later = g_object_new (TEST_TYPE_TASK_LATER, "clock", f->clock, NULL);
  g_autofree char *text = NULL;

  test_start_ok (base);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "base");
  g_clear_pointer (&text, g_free);

  /* registered in class_init; the base class's task first */
  test_start_ok (early);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "base early");
  g_clear_pointer (&text, g_free);

  /* registered after class_init */
  test_start_ok (late);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "base late");
  g_clear_pointer (&text, g_free);

  /* every start, a restart too */
  test_restart_ok (early);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "base early");
  g_clear_pointer (&text, g_free);
  test_restart_ok (late);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "base late");
  g_clear_pointer (&text, g_free);

  /* the class tasks come before the instance's own */
  mode_service_add_task (early, "instance", record_task, (gpointer) "instance", NULL);
  test_restart_ok (early);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "base early instance");
  g_clear_pointer (&text, g_free);

  /* looked up at each start: one registered between two starts runs on
   * the second */
  test_start_ok (later);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "base");
  g_clear_pointer (&text, g_free);
  mode_service_class_add_task_full (g_type_class_peek (TEST_TYPE_TASK_LATER), "later",
                                    record_task, (gpointer) "later", NULL);
  test_restart_ok (later);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "base later");
  g_clear_pointer (&text, g_free);

  /* the subclasses' tasks are not the base class's */
  test_restart_ok (base);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "base");

  for (guint i = 0; i < 4; i++)
    {
      ModeService *service = (ModeService *[]) { base, early, late, later }[i];

      await_n_tasks (service, 0);
      test_stop_ok (service);
      test_assert_finalized (service);
    }
}

static void
fail_task (ModeService *service,
           GTask       *task,
           gpointer     user_data)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "no access to %s",
                           (const char *) user_data);
}

static void
cancelled_task (ModeService *service,
                GTask       *task,
                gpointer     user_data)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
}

static void
test_task_error (TestFixture       *f,
                 gconstpointer  data)
{
  ModeService *root = test_service_new (f->clock, "root");
  ModeService *child = test_service_new (f->clock, "child");
  const GError *reason;

  mode_service_add_dependency (root, child);
  test_start_ok (root);

  /* cancelled: not a failure */
  mode_service_spawn (child, "cancelled", cancelled_task, NULL, NULL);
  await_n_tasks (child, 0);
  test_drain ();
  g_assert_false (mode_service_get_crashed (child));
  g_assert_false (mode_service_get_crashed (root));
  g_assert_cmpint (mode_service_get_state (child), ==, MODE_SERVICE_STATE_RUNNING);

  /* any other error crashes the service, and without a supervisor the tree */
  mode_service_spawn (child, "failing", fail_task, (gpointer) "the disk", NULL);
  while (!mode_service_get_crashed (child))
    test_iterate (TRUE);
  g_assert_cmpuint (mode_service_get_n_tasks (child), ==, 0);
  g_assert_cmpint (mode_service_get_state (child), ==, MODE_SERVICE_STATE_CRASHED);
  reason = mode_service_get_crash_reason (child);
  g_assert_error (reason, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (reason->message, ==, "no access to the disk");

  g_assert_true (mode_service_get_crashed (root));
  reason = mode_service_get_crash_reason (root);
  g_assert_error (reason, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_true (test_log_contains ("*Crashed reason=*no access to the disk*"));

  /* a crashed service still stops */
  test_stop_ok (root);
  g_assert_true (mode_service_get_crashed (root));
  g_object_unref (child);
  test_assert_finalized (root);
}

/* A task that ends when its cancellable fires, in a later iteration. */
static gboolean
task_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  GTask *task = user_data;

  test_trace_add ("%s:cancelled", g_task_get_name (task));
  g_assert_true (g_task_return_error_if_cancelled (task));
  return G_SOURCE_REMOVE;
}

static void
cancellable_task (ModeService *service,
                  GTask       *task,
                  gpointer     user_data)
{
  GSource *source = g_cancellable_source_new (g_task_get_cancellable (task));

  g_source_set_callback (source, G_SOURCE_FUNC (task_cancelled_cb),
                         g_object_ref (task), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static void
test_stop_cancels_tasks (TestFixture       *f,
                         gconstpointer  data)
{
  ModeService *service = test_service_new (f->clock, "svc");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  GAsyncResult *slot = NULL;

  test_start_ok (service);
  g_free (test_trace_take ());

  mode_service_spawn (service, "t1", cancellable_task, NULL, NULL);
  mode_service_spawn (service, "t2", cancellable_task, NULL, NULL);
  mode_service_spawn (service, "t3", cancellable_task, NULL, NULL);
  mode_service_add_cleanup (service, record_cleanup, (gpointer) "cleanup", NULL);
  test_drain ();
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 3);

  n_tasks_at_shutdown = G_MAXUINT;
  mode_service_stop_async (service, NULL, test_store_result, &slot);
  result = test_await_result (&slot);
  g_assert_true (mode_service_stop_finish (service, result, &error));
  g_assert_no_error (error);

  /* the tasks were cancelled, and waited for before the cleanups and
   * on_shutdown */
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "svc:on_stop t1:cancelled t2:cancelled t3:cancelled cleanup svc:on_shutdown");
  g_assert_cmpuint (n_tasks_at_shutdown, ==, 0);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 0);
  g_assert_false (mode_service_get_crashed (service));
  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_false (test_log_contains ("*still running*"));

  g_clear_object (&result);
  test_assert_finalized (service);
}

static void
test_stop_timeout (TestFixture       *f,
                   gconstpointer  data)
{
  ModeService *service = test_service_new (f->clock, "svc");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  Later later;

  later_init (&later);
  mode_service_set_shutdown_timeout (service, 5.0);
  test_start_ok (service);

  /* it never looks at its cancellable */
  mode_service_spawn (service, "stubborn", later_func, &later, later_destroyed);
  test_advance (f->clock, USEC (1));

  mode_service_stop_async (service, NULL, test_store_result, &slot);
  test_drain ();
  g_assert_null (slot);
  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_STOPPING);

  test_advance (f->clock, USEC (5) - 1);
  g_assert_null (slot);
  g_assert_false (test_log_contains ("*still running*"));

  test_advance (f->clock, 1);
  result = test_await_result (&slot);
  g_assert_true (mode_service_stop_finish (service, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_true (test_log_contains ("*Task stubborn still running after*"));

  /* given up on and forgotten (nothing of the stopped service is left);
   * its data goes when it completes */
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 0);
  g_assert_cmpuint (later.destroyed, ==, 0);
  later_complete_one (&later);
  test_drain ();
  g_assert_cmpuint (later.destroyed, ==, 1);
  g_assert_false (mode_service_get_crashed (service));

  g_clear_object (&result);
  test_assert_finalized (service);
  g_ptr_array_unref (later.tasks);
}

/* 10,000 tasks parked in mode_service_sleep_async() */
#define N_PARKED 10000

static struct
{
  guint started;
  guint slept_true;
  guint slept_false;
  guint finalized;
  guint destroyed;
} parked;

static void
parked_task_finalized (gpointer  data,
                       GObject  *where_the_object_was)
{
  parked.finalized++;
}

static void
parked_destroyed (gpointer data)
{
  parked.destroyed++;
}

static void
parked_slept (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (mode_service_sleep_finish (MODE_SERVICE (source), result, &error))
    parked.slept_true++;
  else
    parked.slept_false++;
  g_assert_no_error (error);

  g_task_return_boolean (task, TRUE);
}

static void
parked_task (ModeService *service,
             GTask       *task,
             gpointer     user_data)
{
  parked.started++;
  g_object_weak_ref (G_OBJECT (task), parked_task_finalized, NULL);
  mode_service_sleep_async (service, 10.0, NULL, parked_slept, g_object_ref (task));
}

static void
test_many_tasks (TestFixture       *f,
                 gconstpointer  data)
{
  ModeService *service = test_service_new (f->clock, "svc");

  memset (&parked, 0, sizeof parked);
  test_start_ok (service);

  for (guint i = 0; i < N_PARKED; i++)
    mode_service_spawn (service, "parked", parked_task, NULL, parked_destroyed);
  test_drain ();
  g_assert_cmpuint (parked.started, ==, N_PARKED);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, N_PARKED);
  test_advance (f->clock, USEC (9.9));
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, N_PARKED);
  g_assert_cmpuint (parked.finalized, ==, 0);

  /* the stop wakes them all; no time passes on the clock */
  test_stop_ok (service);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 0);
  test_drain ();
  g_assert_cmpuint (parked.slept_false, ==, N_PARKED);
  g_assert_cmpuint (parked.slept_true, ==, 0);
  g_assert_cmpuint (parked.finalized, ==, N_PARKED);
  g_assert_cmpuint (parked.destroyed, ==, N_PARKED);
  g_assert_false (test_log_contains ("*still running*"));

  test_assert_finalized (service);
}

/* The stop's order: the sleeps return (step 1), then the tasks'
 * cancellable is cancelled (step 5). */
static struct
{
  gint          woke_should_stop;  /* 1 TRUE, 0 FALSE, -1 not yet */
  gint          woke_cancelled;
  guint         loops;             /* the looping task's sleeps */
  gboolean      looper_ended;
  GCancellable *cancellable;       /* (owned) the tasks' */
} order;

static void
order_woke (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  g_assert_false (mode_service_sleep_finish (MODE_SERVICE (source), result, NULL));
  order.woke_should_stop = mode_service_get_should_stop (MODE_SERVICE (source));
  order.woke_cancelled = g_cancellable_is_cancelled (g_task_get_cancellable (task));
  g_task_return_boolean (task, TRUE);
}

static void
order_sleeper (ModeService *service,
               GTask       *task,
               gpointer     user_data)
{
  g_set_object (&order.cancellable, g_task_get_cancellable (task));
  mode_service_sleep_async (service, 10.0, NULL, order_woke, g_object_ref (task));
}

/* sleeps until its cancellable is cancelled, whatever the sleeps say */
static void
order_loop (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  if (result != NULL)
    mode_service_sleep_finish (MODE_SERVICE (source), result, NULL);
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      order.looper_ended = TRUE;
      g_task_return_boolean (task, TRUE);
      return;
    }
  order.loops++;
  g_assert_cmpuint (order.loops, <, 100);
  mode_service_sleep_async (MODE_SERVICE (source), 10.0, NULL, order_loop, g_steal_pointer (&task));
}

static void
order_looper (ModeService *service,
              GTask       *task,
              gpointer     user_data)
{
  order_loop (G_OBJECT (service), NULL, g_object_ref (task));
}

static void
test_stop_wakes_sleeps_then_cancels (TestFixture   *f,
                                     gconstpointer  data)
{
  ModeService *service = test_service_new (f->clock, "svc");

  memset (&order, 0, sizeof order);
  order.woke_should_stop = order.woke_cancelled = -1;
  test_start_ok (service);
  mode_service_spawn (service, "sleeper", order_sleeper, NULL, NULL);
  mode_service_spawn (service, "looper", order_looper, NULL, NULL);
  test_drain ();
  g_assert_cmpuint (order.loops, ==, 1);
  g_assert_nonnull (order.cancellable);

  test_stop_ok (service);
  /* woken by the stop, before the tasks were cancelled */
  g_assert_cmpint (order.woke_should_stop, ==, 1);
  g_assert_cmpint (order.woke_cancelled, ==, 0);
  /* cancelled by the end of the stop: the looper saw it and ended */
  g_assert_true (g_cancellable_is_cancelled (order.cancellable));
  g_assert_true (order.looper_ended);
  g_assert_cmpuint (order.loops, <=, 3);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 0);
  g_assert_false (test_log_contains ("*still running*"));

  g_clear_object (&order.cancellable);
  test_drain ();
  test_assert_finalized (service);
}

/* Blocking work in a worker thread, that waits for its cancellable. */
static struct
{
  ModeEvent *running;
  ModeEvent *freed;
  gint       returned;
  gint       destroyed;
} blocking;

static void
blocking_func (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GPollFD pollfd;

  g_assert_true (task_data == (gpointer) &blocking);
  g_assert_true (MODE_IS_SERVICE (source_object));
  g_assert_true (g_cancellable_make_pollfd (cancellable, &pollfd));

  mode_event_set (blocking.running);
  while (!g_cancellable_is_cancelled (cancellable))
    g_poll (&pollfd, 1, -1);
  g_cancellable_release_fd (cancellable);

  g_atomic_int_inc (&blocking.returned);
  g_task_return_error_if_cancelled (task);
}

static void
blocking_destroyed (gpointer data)
{
  g_atomic_int_inc (&blocking.destroyed);
  mode_event_set (blocking.freed);
}

static void
await_event (ModeEvent *event)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gboolean ok;

  mode_event_wait_async (event, NULL, test_store_result, &slot);
  result = test_await_result (&slot);
  ok = mode_event_wait_finish (event, result, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

static void
test_spawn_in_thread (TestFixture       *f,
                      gconstpointer  data)
{
  ModeService *service = test_service_new (f->clock, "svc");

  blocking.running = mode_event_new ();
  blocking.freed = mode_event_new ();
  blocking.returned = 0;
  blocking.destroyed = 0;

  test_start_ok (service);
  mode_service_spawn_in_thread (service, "blocking", blocking_func, &blocking, blocking_destroyed);
  await_event (blocking.running);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&blocking.returned), ==, 0);

  test_stop_ok (service);
  g_assert_cmpint (g_atomic_int_get (&blocking.returned), ==, 1);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 0);
  g_assert_false (mode_service_get_crashed (service));
  g_assert_false (test_log_contains ("*still running*"));

  await_event (blocking.freed);
  g_assert_cmpint (g_atomic_int_get (&blocking.destroyed), ==, 1);

  /* the worker thread lets go of the events a moment after it set them */
  test_assert_finalized (service);
  await_finalized (g_steal_pointer (&blocking.running));
  await_finalized (g_steal_pointer (&blocking.freed));
}

/* }}} */

/* Sleep and wait {{{ */

static void
count_sleep (GObject      *object,
             GAsyncResult *result,
             gpointer      data)
{
  guint *counts = data;  /* [0]: woken by the stop, [1]: slept their time */

  counts[mode_service_sleep_finish (MODE_SERVICE (object), result, NULL) ? 1 : 0]++;
}

static void
record_sleep (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  GArray *woken = data;
  guint index = woken->len;

  g_assert_true (mode_service_sleep_finish (MODE_SERVICE (object), result, NULL));
  g_array_append_val (woken, index);
}

/* A stop wakes its many sleepers at once (their deadlines leave the
 * clock's schedule in one go): the sleeps of another service on the
 * same clock keep their times and their order. */
static void
test_stop_wakes_many_sleepers (TestFixture   *f,
                               gconstpointer  data)
{
  ModeService *many = test_service_new (f->clock, "many");
  ModeService *other = test_service_new (f->clock, "other");
  g_autoptr(GArray) woken = g_array_new (FALSE, FALSE, sizeof (guint));
  guint counts[2] = { 0, 0 };

  test_start_ok (many);
  test_start_ok (other);
  for (guint i = 0; i < 200; i++)
    mode_service_sleep_async (many, 1.0 + (i % 7), NULL, count_sleep, counts);
  /* interleaved with theirs on the schedule: 0.5, 1.5, ... 4.5 s */
  for (guint i = 0; i < 5; i++)
    mode_service_sleep_async (other, 0.5 + i, NULL, record_sleep, woken);
  test_drain ();

  test_stop_ok (many);
  test_drain ();
  g_assert_cmpuint (counts[0], ==, 200);
  g_assert_cmpuint (counts[1], ==, 0);

  for (guint i = 0; i < 5; i++)
    {
      g_assert_cmpuint (woken->len, ==, i);
      test_advance (f->clock, USEC (i == 0 ? 0.5 : 1.0));
      g_assert_cmpuint (woken->len, ==, i + 1);
    }
  for (guint i = 0; i < woken->len; i++)
    g_assert_cmpuint (g_array_index (woken, guint, i), ==, i);

  test_stop_ok (other);
  g_object_unref (many);
  g_object_unref (other);
}

/* How the sleeps and waits counted by record_outcome() ended */
typedef struct
{
  guint slept;      /* TRUE */
  guint stopped;    /* FALSE, no error */
  guint cancelled;  /* G_IO_ERROR_CANCELLED */
  guint set;        /* a wait's event */
} Outcomes;

/* Counts how a sleep or a wait ended */
static void
record_outcome (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  Outcomes *outcomes = data;
  g_autoptr(GError) error = NULL;
  gboolean is_sleep = g_async_result_is_tagged (result, mode_service_sleep_async);

  if (is_sleep ? mode_service_sleep_finish (MODE_SERVICE (object), result, &error)
               : mode_service_wait_finish (MODE_SERVICE (object), result, &error))
    (*(is_sleep ? &outcomes->slept : &outcomes->set))++;
  else if (error == NULL)
    outcomes->stopped++;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    outcomes->cancelled++;
  else
    g_assert_not_reached ();
}

/* As record_sleep(), for the sleeps that slept their time only */
static void
record_slept (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  GArray *woken = data;
  guint index = woken->len;

  if (mode_service_sleep_finish (MODE_SERVICE (object), result, NULL))
    g_array_append_val (woken, index);
}

/* Between a crash (or a stop) waking the sleepers and their return in
 * the next iteration, what would have woken them alone comes: their
 * cancellable is cancelled, their event set, their time passes. They
 * were woken first and say so (but for a cancellation, which GTask
 * reports whenever it came before the return); the schedule is left whole, for the
 * sleeps of another service on the same clock, for a few sleepers (one
 * by one) as for many (at once), and for the sleeps after a restart. */
static void
test_sleepers_woken_then_cancelled (TestFixture   *f,
                                    gconstpointer  data)
{
  for (guint n = 4; n <= 64; n += 60)
    {
      ModeService *service = test_service_new (f->clock, "woken");
      ModeService *other = test_service_new (f->clock, "other");
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(ModeEvent) event = mode_event_new ();
      g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
      g_autoptr(GArray) woken = g_array_new (FALSE, FALSE, sizeof (guint));
      Outcomes outcomes = { 0, };

      test_start_ok (service);
      test_start_ok (other);
      /* the other service's sleeps, many of them when the woken ones
       * are few: the few leave the schedule one by one */
      for (guint i = 0; i < (n < 16 ? 200 : 5); i++)
        mode_service_sleep_async (other, 0.5 + i, NULL, record_slept, woken);
      for (guint i = 0; i < n; i++)
        mode_service_sleep_async (service, 1.0 + (i % 3), i % 2 ? cancellable : NULL,
                                  record_outcome, &outcomes);
      mode_service_wait_async (service, event, 2.0, NULL, record_outcome, &outcomes);
      test_drain ();

      mode_service_crash (service, reason);
      g_cancellable_cancel (cancellable);
      mode_event_set (event);
      mode_clock_advance (f->clock, USEC (5));
      test_drain ();
      /* a cancellable cancelled before the return is reported, as GTask
       * does; the others were woken by the crash (the event set after it
       * too) */
      g_assert_cmpuint (outcomes.stopped, ==, n / 2 + 1);
      g_assert_cmpuint (outcomes.cancelled, ==, n / 2);
      g_assert_cmpuint (outcomes.slept, ==, 0);
      g_assert_cmpuint (outcomes.set, ==, 0);

      /* the other's sleeps at their times, in order */
      g_assert_cmpuint (woken->len, ==, 5);
      for (guint i = 0; i < woken->len; i++)
        g_assert_cmpuint (g_array_index (woken, guint, i), ==, i);

      /* the service again, its sleeps on the same schedule */
      test_restart_ok (service);
      memset (&outcomes, 0, sizeof outcomes);
      for (guint i = 0; i < n; i++)
        mode_service_sleep_async (service, 1.0, NULL, record_outcome, &outcomes);
      test_drain ();
      test_advance (f->clock, USEC (1));
      g_assert_cmpuint (outcomes.slept, ==, n);

      /* sleeps woken by a stop while others of the restarted run wait:
       * both stopped, once each */
      memset (&outcomes, 0, sizeof outcomes);
      for (guint i = 0; i < n; i++)
        mode_service_sleep_async (service, 1.0, NULL, record_outcome, &outcomes);
      test_drain ();
      test_stop_ok (service);
      g_assert_cmpuint (outcomes.stopped, ==, n);
      g_assert_cmpuint (outcomes.slept, ==, 0);

      test_stop_ok (other);
      test_assert_finalized (service);
      test_assert_finalized (other);
    }
}

static void
test_sleep (TestFixture       *f,
            gconstpointer  data)
{
  ModeService *service = test_service_new (f->clock, "svc");
  ModeService *crashing = test_service_new (f->clock, "crashing");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
  GAsyncResult *slot = NULL;
  GAsyncResult *result;
  GError *error = NULL;

  test_start_ok (service);
  test_start_ok (crashing);

  /* TRUE once the time passed on the service's clock */
  mode_service_sleep_async (service, 1.0, NULL, test_store_result, &slot);
  test_drain ();
  g_assert_null (slot);
  test_advance (f->clock, USEC (1) - 1);
  g_assert_null (slot);
  mode_clock_advance (f->clock, 1);
  result = test_await_result (&slot);
  g_assert_true (mode_service_sleep_finish (service, result, &error));
  g_assert_no_error (error);
  g_object_unref (result);

  mode_service_sleep_async (service, 0.0, NULL, test_store_result, &slot);
  result = test_await_result (&slot);
  g_assert_true (mode_service_sleep_finish (service, result, &error));
  g_assert_no_error (error);
  g_object_unref (result);

  /* cancelled meanwhile */
  mode_service_sleep_async (service, 10.0, cancellable, test_store_result, &slot);
  test_drain ();
  g_assert_null (slot);
  g_cancellable_cancel (cancellable);
  result = test_await_result (&slot);
  g_assert_false (mode_service_sleep_finish (service, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_object_unref (result);

  /* cancelled already */
  mode_service_sleep_async (service, 10.0, cancellable, test_store_result, &slot);
  result = test_await_result (&slot);
  g_assert_false (mode_service_sleep_finish (service, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_object_unref (result);

  /* FALSE when the service crashes meanwhile */
  mode_service_sleep_async (crashing, 10.0, NULL, test_store_result, &slot);
  test_drain ();
  g_assert_null (slot);
  mode_service_crash (crashing, reason);
  result = test_await_result (&slot);
  g_assert_false (mode_service_sleep_finish (crashing, result, &error));
  g_assert_no_error (error);
  g_object_unref (result);

  /* FALSE when the service stops meanwhile */
  mode_service_sleep_async (service, 10.0, NULL, test_store_result, &slot);
  test_drain ();
  g_assert_null (slot);
  test_stop_ok (service);
  result = test_await_result (&slot);
  g_assert_false (mode_service_sleep_finish (service, result, &error));
  g_assert_no_error (error);
  g_object_unref (result);

  /* FALSE at once when it should stop already */
  mode_service_sleep_async (service, 10.0, NULL, test_store_result, &slot);
  result = test_await_result (&slot);
  g_assert_false (mode_service_sleep_finish (service, result, &error));
  g_assert_no_error (error);
  g_object_unref (result);

  test_stop_ok (crashing);
  test_assert_finalized (crashing);
  test_assert_finalized (service);
}

/* A sleep called from another thread: it runs on the service's clock and
 * context, and its result comes back in the calling thread's context. */
typedef struct
{
  ModeService  *service;
  ModeEvent    *queued;     /* set once the sleep was called */
  ModeEvent    *slept;      /* set once its callback ran */
  GMainContext *context;    /* the thread's */
  GMainContext *callback_context;
  GThread      *callback_thread;
  gboolean      result;
} ThreadSleep;

static void
thread_slept (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ThreadSleep *ts = user_data;
  g_autoptr(GError) error = NULL;

  ts->result = mode_service_sleep_finish (MODE_SERVICE (source), result, &error);
  g_assert_no_error (error);
  ts->callback_context = g_main_context_get_thread_default ();
  ts->callback_thread = g_thread_self ();
  mode_event_set (ts->slept);
}

static gpointer
sleep_in_thread (gpointer data)
{
  ThreadSleep *ts = data;

  ts->context = g_main_context_new ();
  g_main_context_push_thread_default (ts->context);

  mode_service_sleep_async (ts->service, 1.0, NULL, thread_slept, ts);
  mode_event_set (ts->queued);
  while (!mode_event_is_set (ts->slept))
    test_iterate (TRUE);

  test_drain ();
  g_main_context_pop_thread_default (ts->context);
  return NULL;
}

static void
test_sleep_from_thread (TestFixture       *f,
                        gconstpointer  data)
{
  ModeService *service = test_service_new (f->clock, "svc");
  ThreadSleep ts = { 0, };
  GThread *thread;

  test_start_ok (service);
  ts.service = service;
  ts.queued = mode_event_new ();
  ts.slept = mode_event_new ();

  thread = g_thread_new ("sleeper", sleep_in_thread, &ts);
  await_event (ts.queued);
  test_drain ();
  g_assert_false (mode_event_is_set (ts.slept));

  /* the deadline is on the service's clock, in the service's context */
  mode_clock_advance (f->clock, USEC (1));
  await_event (ts.slept);
  g_assert_true (ts.result);
  g_assert_true (ts.callback_thread == thread);
  g_assert_true (ts.callback_context == ts.context);
  g_thread_join (thread);
  g_main_context_unref (ts.context);

  test_stop_ok (service);
  test_assert_finalized (service);
  test_assert_finalized (ts.queued);
  test_assert_finalized (ts.slept);
}

static gboolean
wait_result (ModeService   *service,
             GAsyncResult **slot,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = test_await_result (slot);

  return mode_service_wait_finish (service, result, error);
}

static void
test_wait (TestFixture       *f,
           gconstpointer  data)
{
  ModeService *service = test_service_new (f->clock, "svc");
  ModeService *crashing = test_service_new (f->clock, "crashing");
  ModeEvent *event = mode_event_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
  GAsyncResult *slot = NULL;
  GError *error = NULL;

  test_start_ok (service);
  test_start_ok (crashing);

  /* TRUE when the event is set */
  mode_service_wait_async (service, event, -1, NULL, test_store_result, &slot);
  test_advance (f->clock, USEC (1000));
  g_assert_null (slot);
  mode_event_set (event);
  g_assert_true (wait_result (service, &slot, &error));
  g_assert_no_error (error);

  /* ...and at once when it is set already */
  mode_service_wait_async (service, event, 1.0, NULL, test_store_result, &slot);
  g_assert_true (wait_result (service, &slot, &error));
  g_assert_no_error (error);
  mode_event_clear (event);

  /* MODE_ERROR_TIMEOUT when the timeout passes first */
  mode_service_wait_async (service, event, 2.0, NULL, test_store_result, &slot);
  test_advance (f->clock, USEC (2) - 1);
  g_assert_null (slot);
  mode_clock_advance (f->clock, 1);
  g_assert_false (wait_result (service, &slot, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_TIMEOUT);
  g_clear_error (&error);

  /* ...with no event too */
  mode_service_wait_async (service, NULL, 0.5, NULL, test_store_result, &slot);
  mode_clock_advance (f->clock, USEC (0.5));
  g_assert_false (wait_result (service, &slot, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_TIMEOUT);
  g_clear_error (&error);

  /* an event set after a timeout does not complete the wait again */
  mode_event_set (event);
  test_drain ();
  g_assert_null (slot);
  mode_event_clear (event);

  /* G_IO_ERROR_CANCELLED */
  mode_service_wait_async (service, event, 10.0, cancellable, test_store_result, &slot);
  test_drain ();
  g_assert_null (slot);
  g_cancellable_cancel (cancellable);
  g_assert_false (wait_result (service, &slot, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* FALSE when the service crashes first */
  mode_service_wait_async (crashing, event, -1, NULL, test_store_result, &slot);
  test_drain ();
  g_assert_null (slot);
  mode_service_crash (crashing, reason);
  g_assert_false (wait_result (crashing, &slot, &error));
  g_assert_no_error (error);

  /* FALSE when the service stops first, with or without an event */
  mode_service_wait_async (service, event, -1, NULL, test_store_result, &slot);
  test_drain ();
  g_assert_null (slot);
  test_stop_ok (service);
  g_assert_false (wait_result (service, &slot, &error));
  g_assert_no_error (error);

  mode_service_wait_async (service, NULL, -1, NULL, test_store_result, &slot);
  g_assert_false (wait_result (service, &slot, &error));
  g_assert_no_error (error);

  /* nothing waits on the event any longer */
  test_assert_finalized (event);
  test_stop_ok (crashing);
  test_assert_finalized (crashing);
  test_assert_finalized (service);
}

/* }}} */

/* Cleanups {{{ */

static void
test_cleanups (TestFixture       *f,
               gconstpointer  data)
{
  ModeService *service = g_object_new (TEST_TYPE_CLEANUP_SERVICE, "clock", f->clock,
                                       "label", "svc", NULL);
  g_autofree char *text = NULL;

  cleanups_destroyed = 0;
  test_start_ok (service);
  mode_service_add_cleanup (service, record_cleanup, (gpointer) "extra", count_cleanup_destroyed);
  mode_service_spawn (service, "task", cancellable_task, NULL, NULL);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "svc:on_start");
  g_clear_pointer (&text, g_free);

  /* after the tasks ended, last added first, before on_shutdown */
  test_stop_ok (service);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "svc:on_stop task:cancelled extra c3 c2 c1 svc:on_shutdown");
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (cleanups_destroyed, ==, 4);

  /* forgotten once run: a second stop runs none, the restart's on_start
   * adds its own again, and "extra" is gone */
  test_stop_ok (service);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "");
  g_clear_pointer (&text, g_free);

  test_restart_ok (service);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "svc:on_start");
  g_clear_pointer (&text, g_free);

  /* a restart of a running service runs them in its stop */
  test_restart_ok (service);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "svc:on_stop c3 c2 c1 svc:on_shutdown svc:on_start");
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (cleanups_destroyed, ==, 7);

  test_stop_ok (service);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "svc:on_stop c3 c2 c1 svc:on_shutdown");
  g_assert_cmpuint (cleanups_destroyed, ==, 10);

  test_assert_finalized (service);
  g_assert_cmpuint (cleanups_destroyed, ==, 10);
}

static void
test_cleanups_never_run (TestFixture       *f,
                         gconstpointer  data)
{
  ModeService *service = test_service_new (f->clock, "svc");
  g_autofree char *text = NULL;

  /* a service that goes without stopping frees what its cleanups hold */
  cleanups_destroyed = 0;
  mode_service_add_cleanup (service, record_cleanup, (gpointer) "c1", count_cleanup_destroyed);
  mode_service_add_cleanup (service, record_cleanup, (gpointer) "c2", count_cleanup_destroyed);
  test_assert_finalized (service);
  g_assert_cmpuint (cleanups_destroyed, ==, 2);
  text = test_trace_take ();
  g_assert_cmpstr (text, ==, "");
}

/* }}} */

/* Diagnostics {{{ */

static void
assert_strv (char       **strv,
             const char  *joined)
{
  g_autofree char *text = g_strjoinv (" ", strv);

  g_assert_cmpstr (text, ==, joined);
}

static void
test_diag (TestFixture       *f,
           gconstpointer  data)
{
  ModeService *service = test_service_new (f->clock, "svc");
  g_auto(GStrv) flags = NULL;

  flags = mode_service_diag_get_flags (service);
  g_assert_nonnull (flags);
  assert_strv (flags, "");
  g_clear_pointer (&flags, g_strfreev);
  g_assert_cmpint (mode_service_diag_get_last_transition (service, "zeta"), ==, 0);
  g_assert_false (mode_service_diag_has_flag (service, "zeta"));

  test_advance (f->clock, USEC (1));
  mode_service_diag_set_flag (service, "zeta");
  test_advance (f->clock, USEC (1));
  mode_service_diag_set_flag (service, "alpha");
  mode_service_diag_set_flag (service, "mid");

  g_assert_true (mode_service_diag_has_flag (service, "zeta"));
  g_assert_true (mode_service_diag_has_flag (service, "alpha"));
  g_assert_false (mode_service_diag_has_flag (service, "beta"));
  flags = mode_service_diag_get_flags (service);
  assert_strv (flags, "alpha mid zeta");
  g_clear_pointer (&flags, g_strfreev);
  g_assert_cmpint (mode_service_diag_get_last_transition (service, "zeta"), ==, USEC (1));
  g_assert_cmpint (mode_service_diag_get_last_transition (service, "alpha"), ==, USEC (2));

  test_advance (f->clock, USEC (1));
  mode_service_diag_unset_flag (service, "mid");
  g_assert_false (mode_service_diag_has_flag (service, "mid"));
  flags = mode_service_diag_get_flags (service);
  assert_strv (flags, "alpha zeta");
  g_clear_pointer (&flags, g_strfreev);
  g_assert_cmpint (mode_service_diag_get_last_transition (service, "mid"), ==, USEC (3));

  /* unsetting a flag that was never set changes nothing */
  mode_service_diag_unset_flag (service, "never");
  g_assert_cmpint (mode_service_diag_get_last_transition (service, "never"), ==, 0);
  flags = mode_service_diag_get_flags (service);
  assert_strv (flags, "alpha zeta");
  g_clear_pointer (&flags, g_strfreev);

  test_advance (f->clock, USEC (1));
  mode_service_diag_set_flag (service, "mid");
  flags = mode_service_diag_get_flags (service);
  assert_strv (flags, "alpha mid zeta");
  g_assert_cmpint (mode_service_diag_get_last_transition (service, "mid"), ==, USEC (4));

  test_assert_finalized (service);
}

static void
tick_nothing (ModeService *service,
              ModeTimer   *timer,
              gpointer     user_data)
{
}

/* Checks that @line is @prefix, a number of seconds near @seconds, and
 * @suffix. */
static void
assert_line_seconds (const char *line,
                     const char *prefix,
                     gdouble     seconds,
                     const char *suffix)
{
  const char *rest;
  char *end = NULL;
  gdouble value;

  if (!g_str_has_prefix (line, prefix))
    g_assert_cmpstr (line, ==, prefix);
  rest = line + strlen (prefix);
  value = g_ascii_strtod (rest, &end);
  g_assert_true (end != rest);
  g_assert_cmpfloat_with_epsilon (value, seconds, 0.0005);
  g_assert_cmpstr (end, ==, suffix);
}

static void
test_describe (TestFixture       *f,
               gconstpointer  data)
{
  ModeService *root = g_object_new (MODE_TYPE_SERVICE, "clock", f->clock, "label", "Root", NULL);
  ModeService *child = g_object_new (MODE_TYPE_SERVICE, "clock", f->clock, "label", "Child", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  Later later;

  later_init (&later);
  mode_service_add_dependency (root, child);
  mode_service_add_timer (root, "tick", 1.0, tick_nothing, NULL, NULL);

  test_advance (f->clock, USEC (10));
  test_start_ok (root);
  mode_service_spawn (root, "worker", later_func, &later, NULL);
  mode_service_diag_set_flag (root, "busy");
  test_advance (f->clock, USEC (1));
  test_advance (f->clock, USEC (1));
  test_advance (f->clock, USEC (0.5));

  text = mode_service_describe (root);
  g_strchomp (text);
  lines = g_strsplit (text, "\n", -1);
  if (g_test_verbose ())
    g_test_message ("%s", text);

  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[0], ==, "Root [running]");
  assert_line_seconds (lines[1], "  flag busy (set ", 2.5, " s ago)");
  assert_line_seconds (lines[2], "  task worker (running for ", 2.5, " s)");
  assert_line_seconds (lines[3], "  timer tick every ", 1.0,
                       " s: iteration=2 drifting=0 (early=0 late=0) overlaps=0");
  g_assert_cmpstr (lines[4], ==, "  Child [running]");

  later_complete_one (&later);
  test_stop_ok (root);
  g_clear_pointer (&text, g_free);
  text = mode_service_describe (root);
  g_assert_true (g_str_has_prefix (text, "Root [shutdown]\n"));
  g_assert_null (strstr (text, "task worker"));

  g_object_unref (child);
  test_assert_finalized (root);
  g_ptr_array_unref (later.tasks);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  ModeServiceClass *klass;

  g_test_init (&argc, &argv, NULL);

  test_log_init ();

  /* as a binding does: a class task added after class_init */
  klass = g_type_class_ref (TEST_TYPE_TASK_LATE);
  mode_service_class_add_task_full (klass, "late", record_task, (gpointer) "late", NULL);
  g_type_class_unref (klass);
  g_type_ensure (TEST_TYPE_TASK_LATER);
  g_type_class_unref (g_type_class_ref (TEST_TYPE_TASK_LATER));

#define ADD(path, func) \
  g_test_add ("/background/" path, TestFixture, NULL, test_fixture_setup, func, test_fixture_teardown)

  ADD ("spawn", test_spawn);
  ADD ("add-task", test_add_task);
  ADD ("class-tasks", test_class_tasks);
  ADD ("task-error", test_task_error);
  ADD ("stop-cancels-tasks", test_stop_cancels_tasks);
  ADD ("stop-timeout", test_stop_timeout);
  ADD ("many-tasks", test_many_tasks);
  ADD ("stop-wakes-sleeps-then-cancels", test_stop_wakes_sleeps_then_cancels);
  ADD ("spawn-in-thread", test_spawn_in_thread);
  ADD ("sleep", test_sleep);
  ADD ("sleep/stop-wakes-many", test_stop_wakes_many_sleepers);
  ADD ("sleep/woken-then-cancelled", test_sleepers_woken_then_cancelled);
  ADD ("sleep-from-thread", test_sleep_from_thread);
  ADD ("wait", test_wait);
  ADD ("cleanups", test_cleanups);
  ADD ("cleanups-never-run", test_cleanups_never_run);
  ADD ("diag", test_diag);
  ADD ("describe", test_describe);

#undef ADD

  return g_test_run ();
}

/* vim: set foldmethod=marker: */
