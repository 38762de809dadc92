/* test-service-thread.c: ModeServiceThread: start, stop and restart
 * across threads, calls and casts, crashes, the keepalive, leaks
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#define _GNU_SOURCE

#include <dirent.h>
#include <time.h>
#include <sys/resource.h>

#include "test-util.h"

/* A service thread that records where its hooks run {{{ */

#define TEST_TYPE_THREAD (test_thread_get_type ())
G_DECLARE_FINAL_TYPE (TestThread, test_thread, TEST, THREAD, ModeServiceThread)

struct _TestThread
{
  ModeServiceThread parent_instance;

  GThread  *main_thread;
  gint      wrong_thread;      /* a hook ran outside the service's thread */
  GThread  *hook_thread;       /* the last hook's thread */
  GError   *start_error;       /* (nullable): on_start fails with it */
  gint      started_in_thread; /* on_thread_started calls */
  gint      stopped_in_thread; /* on_thread_stop calls */
  ModeService *inner;          /* (nullable): made by on_init_dependencies */
  gint      hanging;           /* TestHang's on_start_async runs */

  /* on_start waits until @release is set, when @hold is */
  GMutex    lock;
  GCond     cond;
  gboolean  hold;
  gboolean  holding;
  gboolean  release;
};

/* not final: TestHang derives from it */
G_DEFINE_TYPE (TestThread, test_thread, MODE_TYPE_SERVICE_THREAD)

static void
check_thread (TestThread *self,
              const char *hook)
{
  GMainContext *context = mode_service_get_main_context (MODE_SERVICE (self));

  if (g_thread_self () == self->main_thread ||
      g_main_context_get_thread_default () != context)
    g_atomic_int_inc (&self->wrong_thread);
  g_atomic_pointer_set (&self->hook_thread, g_thread_self ());
  test_trace_add ("%s", hook);
}

/* The thread's own dependencies, made in on_init_dependencies, live in
 * the thread's context. */
static GList *
test_thread_on_init_dependencies (ModeService *service)
{
  TestThread *self = TEST_THREAD (service);

  check_thread (self, "init-dependencies");
  g_assert_null (self->inner);
  self->inner = g_object_new (MODE_TYPE_SERVICE, "label", "Inner", NULL);

  return g_list_append (NULL, g_object_ref (self->inner));
}

static gboolean
test_thread_on_start (ModeService   *service,
                      GCancellable  *cancellable,
                      GError       **error)
{
  TestThread *self = TEST_THREAD (service);

  check_thread (self, "start");

  g_mutex_lock (&self->lock);
  if (self->hold)
    {
      self->holding = TRUE;
      g_cond_broadcast (&self->cond);
      /* the test waits in the parent context */
      g_main_context_wakeup (mode_service_thread_get_parent_context (MODE_SERVICE_THREAD (self)));
      while (!self->release)
        g_cond_wait (&self->cond, &self->lock);
    }
  g_mutex_unlock (&self->lock);

  if (self->start_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->start_error));
      return FALSE;
    }
  return TRUE;
}

static void
hang_cancelled (GCancellable *cancellable,
                gpointer      data)
{
  g_task_return_error_if_cancelled (data);
}

/* TestHang: a TestThread whose on_start_async completes only when the
 * start is cancelled by a stop. */
typedef struct { TestThread parent_instance; } TestHang;
typedef struct { TestThreadClass parent_class; } TestHangClass;

static GType test_hang_get_type (void);
G_DEFINE_TYPE (TestHang, test_hang, test_thread_get_type ())

static void
test_hang_on_start_async (ModeService  *service,
                          GCancellable *cancellable,
                          GTask        *task)
{
  TestThread *self = TEST_THREAD (service);

  check_thread (self, "hang");
  g_cancellable_connect (cancellable, G_CALLBACK (hang_cancelled),
                         g_object_ref (task), g_object_unref);
  g_atomic_int_set (&self->hanging, 1);
  /* the test waits in the parent context */
  g_main_context_wakeup (mode_service_thread_get_parent_context (MODE_SERVICE_THREAD (self)));
}

static gboolean
test_thread_on_stop (ModeService   *service,
                     GCancellable  *cancellable,
                     GError       **error)
{
  check_thread (TEST_THREAD (service), "stop");
  return TRUE;
}

static gboolean
test_thread_on_shutdown (ModeService   *service,
                         GCancellable  *cancellable,
                         GError       **error)
{
  check_thread (TEST_THREAD (service), "shutdown");
  return TRUE;
}

static void
test_thread_on_thread_started (ModeServiceThread *thread)
{
  TestThread *self = TEST_THREAD (thread);

  check_thread (self, "thread-started");
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (self)), ==, MODE_SERVICE_STATE_RUNNING);
  g_atomic_int_inc (&self->started_in_thread);
}

static void
test_thread_on_thread_stop (ModeServiceThread *thread)
{
  TestThread *self = TEST_THREAD (thread);

  check_thread (self, "thread-stop");
  g_atomic_int_inc (&self->stopped_in_thread);
}

static void
test_thread_finalize (GObject *object)
{
  TestThread *self = TEST_THREAD (object);

  g_clear_error (&self->start_error);
  g_clear_object (&self->inner);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (test_thread_parent_class)->finalize (object);
}

static void
test_thread_class_init (TestThreadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);
  ModeServiceThreadClass *thread_class = MODE_SERVICE_THREAD_CLASS (klass);

  object_class->finalize = test_thread_finalize;
  service_class->on_init_dependencies = test_thread_on_init_dependencies;
  service_class->on_start = test_thread_on_start;
  service_class->on_stop = test_thread_on_stop;
  service_class->on_shutdown = test_thread_on_shutdown;
  thread_class->on_thread_started = test_thread_on_thread_started;
  thread_class->on_thread_stop = test_thread_on_thread_stop;
}

static void
test_thread_init (TestThread *self)
{
  self->main_thread = g_thread_self ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}

static TestThread *
test_thread_new (const char *label)
{
  TestThread *self = g_object_new (TEST_TYPE_THREAD, "label", label, NULL);
  g_autoptr(GMainContext) here = g_main_context_ref_thread_default ();

  /* made in the test's context, so that is its parent context */
  g_assert_true (mode_service_thread_get_parent_context (MODE_SERVICE_THREAD (self)) == here);

  return self;
}

static void
test_hang_class_init (TestHangClass *klass)
{
  MODE_SERVICE_CLASS (klass)->on_start_async = test_hang_on_start_async;
}

static void
test_hang_init (TestHang *self)
{
}

/* }}} */

/* Helpers {{{ */

#define start_sync(s, e)   test_op_start ((s), (e))
#define stop_sync(s, e)    test_op_stop ((s), (e))
#define restart_sync(s, e) test_op_restart ((s), (e))

static gboolean
thread_not_running (gpointer data)
{
  return !mode_service_thread_get_thread_running (data);
}

/* }}} */

/* Start and stop {{{ */

static void
test_start_stop (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Worker");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);
  g_autoptr(GError) error = NULL;
  GThread *first;

  /* the parent context is the test's own, thread-default when the
   * service was made */
  g_assert_true (mode_service_thread_get_parent_context (thread) == f->context);
  g_assert_true (mode_service_thread_get_thread_context (thread) ==
                 mode_service_get_main_context (MODE_SERVICE (svc)));
  g_assert_false (mode_service_thread_get_thread_context (thread) == f->context);
  g_assert_false (mode_service_thread_get_thread_context (thread) == g_main_context_default ());
  g_assert_false (mode_service_thread_get_thread_running (thread));

  g_assert_true (start_sync (MODE_SERVICE (svc), &error));
  g_assert_no_error (error);
  assert_trace ("init-dependencies start thread-started");
  g_assert_true (mode_service_thread_get_thread_running (thread));
  g_assert_true (mode_service_get_main_context (svc->inner) ==
                 mode_service_thread_get_thread_context (thread));
  g_assert_cmpint (mode_service_get_state (svc->inner), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (svc)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (g_atomic_int_get (&svc->wrong_thread), ==, 0);
  first = g_atomic_pointer_get (&svc->hook_thread);
  g_assert_true (first != g_thread_self ());

  g_assert_true (stop_sync (MODE_SERVICE (svc), &error));
  g_assert_no_error (error);
  assert_trace ("stop shutdown thread-stop");
  g_assert_false (mode_service_thread_get_thread_running (thread));
  g_assert_cmpint (mode_service_get_state (svc->inner), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (svc)), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_cmpint (g_atomic_int_get (&svc->wrong_thread), ==, 0);
  g_assert_cmpint (svc->started_in_thread, ==, 1);
  g_assert_cmpint (svc->stopped_in_thread, ==, 1);

  /* stopping again does nothing; starting again is an error */
  g_assert_true (stop_sync (MODE_SERVICE (svc), &error));
  g_assert_false (start_sync (MODE_SERVICE (svc), &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED);
  g_assert_false (mode_service_thread_get_thread_running (thread));
}

static void
test_start_error (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Server");
  g_autoptr(GError) error = NULL;

  svc->start_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                                          "Address already in use");
  test_log_clear ();

  g_assert_false (start_sync (MODE_SERVICE (svc), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_cmpint (svc->started_in_thread, ==, 0);
  g_assert_true (mode_service_get_crashed (MODE_SERVICE (svc)));
  g_assert_true (test_log_contains ("*Server*Crashed reason=Address already in use"));

  /* the crashed service still has its thread, which a stop ends */
  g_assert_true (mode_service_thread_get_thread_running (MODE_SERVICE_THREAD (svc)));
  g_clear_error (&error);
  g_assert_true (stop_sync (MODE_SERVICE (svc), &error));
  g_assert_false (mode_service_thread_get_thread_running (MODE_SERVICE_THREAD (svc)));
  g_assert_cmpint (svc->stopped_in_thread, ==, 1);
  test_trace_clear ();
}

static gboolean
is_holding (gpointer data)
{
  TestThread *svc = data;
  gboolean ret;

  g_mutex_lock (&svc->lock);
  ret = svc->holding;
  g_mutex_unlock (&svc->lock);
  return ret;
}

static void
release_hold (TestThread *svc)
{
  g_mutex_lock (&svc->lock);
  svc->release = TRUE;
  g_cond_broadcast (&svc->cond);
  g_mutex_unlock (&svc->lock);
}

static void
test_no_wait_for_thread (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Launcher");
  g_autoptr(GError) error = NULL;

  mode_service_thread_set_wait_for_thread (MODE_SERVICE_THREAD (svc), FALSE);
  g_assert_false (mode_service_thread_get_wait_for_thread (MODE_SERVICE_THREAD (svc)));
  svc->hold = TRUE;

  /* the start completes while on_start is still held in the thread */
  g_assert_true (start_sync (MODE_SERVICE (svc), &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&svc->started_in_thread), ==, 0);
  test_wait_until (is_holding, svc, "on_start");

  release_hold (svc);
  g_assert_true (stop_sync (MODE_SERVICE (svc), &error));
  g_assert_cmpint (svc->started_in_thread, ==, 1);
  g_assert_cmpint (svc->stopped_in_thread, ==, 1);
  test_trace_clear ();
}

/* A stop while the thread runs a synchronous on_start: the start ends
 * first (nothing can interrupt a hook that blocks its thread), then the
 * stop runs. */
static void
test_stop_while_starting_sync (TestFixture   *f,
                               gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Slow");
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GError) error = NULL;

  svc->hold = TRUE;
  mode_service_start_async (MODE_SERVICE (svc), NULL, test_store_result, &started);
  test_wait_until (is_holding, svc, "on_start");

  mode_service_stop_async (MODE_SERVICE (svc), NULL, test_store_result, &stopped);
  release_hold (svc);

  test_wait_result (started);
  g_assert_true (mode_service_start_finish (MODE_SERVICE (svc), started, &error));
  g_assert_no_error (error);

  test_wait_result (stopped);
  g_assert_true (mode_service_stop_finish (MODE_SERVICE (svc), stopped, &error));
  g_assert_no_error (error);
  g_assert_false (mode_service_thread_get_thread_running (MODE_SERVICE_THREAD (svc)));
  g_assert_cmpint (svc->started_in_thread, ==, 1);
  g_assert_cmpint (svc->stopped_in_thread, ==, 1);
  test_trace_clear ();
}

/* A stop while the start waits for an asynchronous hook: the stop wins,
 * the start fails with MODE_ERROR_STOPPED. */
static void
test_stop_while_starting (TestFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(TestThread) svc = g_object_new (test_hang_get_type (), "label", "Hanging", NULL);
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GError) error = NULL;

  mode_service_start_async (MODE_SERVICE (svc), NULL, test_store_result, &started);
  test_wait_until (test_flag_is_set, &svc->hanging, "on_start_async");

  mode_service_stop_async (MODE_SERVICE (svc), NULL, test_store_result, &stopped);

  test_wait_result (started);
  g_assert_false (mode_service_start_finish (MODE_SERVICE (svc), started, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_clear_error (&error);

  test_wait_result (stopped);
  g_assert_true (mode_service_stop_finish (MODE_SERVICE (svc), stopped, &error));
  g_assert_no_error (error);
  g_assert_false (mode_service_thread_get_thread_running (MODE_SERVICE_THREAD (svc)));
  g_assert_cmpint (svc->started_in_thread, ==, 0);
  g_assert_cmpint (svc->stopped_in_thread, ==, 1);
  test_trace_clear ();
}

static void
test_restart (TestFixture   *f,
              gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Again");
  g_autoptr(GError) error = NULL;

  g_assert_true (start_sync (MODE_SERVICE (svc), &error));
  test_trace_clear ();

  g_assert_true (restart_sync (MODE_SERVICE (svc), &error));
  g_assert_no_error (error);
  assert_trace ("stop shutdown thread-stop start thread-started");
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (svc)), ==, 1);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (svc)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_true (mode_service_thread_get_thread_running (MODE_SERVICE_THREAD (svc)));

  /* and once more after a stop */
  g_assert_true (stop_sync (MODE_SERVICE (svc), &error));
  g_assert_true (restart_sync (MODE_SERVICE (svc), &error));
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (svc)), ==, 2);
  g_assert_true (stop_sync (MODE_SERVICE (svc), &error));
  g_assert_cmpint (svc->started_in_thread, ==, 3);
  g_assert_cmpint (svc->stopped_in_thread, ==, 3);
  g_assert_cmpint (g_atomic_int_get (&svc->wrong_thread), ==, 0);
  test_trace_clear ();
}

static void
test_dependency_of_parent (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(ModeService) parent = mode_service_new ();
  g_autoptr(TestThread) svc = test_thread_new ("Child");
  g_autoptr(GError) error = NULL;

  mode_service_add_dependency (parent, MODE_SERVICE (svc));

  g_assert_true (start_sync (parent, &error));
  g_assert_no_error (error);
  g_assert_true (mode_service_thread_get_thread_running (MODE_SERVICE_THREAD (svc)));
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (svc)), ==, MODE_SERVICE_STATE_RUNNING);
  assert_trace ("init-dependencies start thread-started");

  g_assert_true (stop_sync (parent, &error));
  g_assert_false (mode_service_thread_get_thread_running (MODE_SERVICE_THREAD (svc)));
  assert_trace ("stop shutdown thread-stop");

  /* the parent restarts: the thread starts anew */
  g_assert_true (restart_sync (parent, &error));
  g_assert_true (mode_service_thread_get_thread_running (MODE_SERVICE_THREAD (svc)));
  g_assert_true (stop_sync (parent, &error));
  g_assert_cmpint (svc->started_in_thread, ==, 2);
  test_trace_clear ();
}

/* Calls of the engine that are not lifecycle operations, made while the
 * service has no thread, run in the parent: they do not wait for a
 * thread that may never run again. */
static gint waited_in_thread;

static gpointer
wait_from_thread (gpointer data)
{
  ModeService *service = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  g_main_context_push_thread_default (context);
  mode_service_wait_until_stopped_async (service, NULL, test_store_result, &result);
  test_wait_result (result);
  ok = mode_service_wait_until_stopped_finish (service, result, NULL);
  g_main_context_pop_thread_default (context);

  g_atomic_int_set (&waited_in_thread, 1);
  g_main_context_wakeup (mode_service_thread_get_parent_context (MODE_SERVICE_THREAD (service)));
  return GINT_TO_POINTER (ok);
}

static void
test_calls_without_thread (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Idle");
  g_autoptr(TestThread) never = test_thread_new ("Never");
  g_autoptr(GAsyncResult) waited = NULL;
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "down");
  GThread *waiter;

  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));

  /* from the parent, and from a third thread, after the stop */
  mode_service_wait_until_stopped_async (MODE_SERVICE (svc), NULL, test_store_result, &waited);
  test_wait_result (waited);
  g_assert_true (mode_service_wait_until_stopped_finish (MODE_SERVICE (svc), waited, NULL));
  waiter = g_thread_new ("waiter", wait_from_thread, svc);
  test_wait_until (test_flag_is_set, &waited_in_thread, "the wait in another thread");  /* the parent runs it */
  g_assert_true (GPOINTER_TO_INT (g_thread_join (waiter)));

  /* a crash of a service that never ran */
  mode_service_crash (MODE_SERVICE (never), reason);
  g_assert_true (mode_service_get_crashed (MODE_SERVICE (never)));
  test_trace_clear ();
}

/* }}} */

/* Calls {{{ */

static void
return_answer (ModeServiceThread *self,
               GTask             *task,
               gpointer           user_data)
{
  GValue value = G_VALUE_INIT;

  g_assert_true (g_main_context_get_thread_default () ==
                 mode_service_thread_get_thread_context (self));
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (self)), ==, MODE_SERVICE_STATE_RUNNING);

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, GPOINTER_TO_INT (user_data));
  g_task_return_value (task, &value);
  g_value_unset (&value);
}

static void
return_error (ModeServiceThread *self,
              GTask             *task,
              gpointer           user_data)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such thing");
}

static void
test_call (TestFixture   *f,
           gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Callee");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);
  g_autoptr(GAsyncResult) early = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) failed = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  /* made before the start: waits until the service runs in its thread */
  mode_service_thread_call_async (thread, return_answer, GINT_TO_POINTER (42), NULL,
                                  NULL, test_store_result, &early);
  g_assert_true (start_sync (MODE_SERVICE (svc), &error));
  test_wait_result (early);
  g_assert_true (mode_service_thread_call_finish (thread, early, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_value_get_int (&value), ==, 42);
  g_value_unset (&value);

  mode_service_thread_call_async (thread, return_answer, GINT_TO_POINTER (7), NULL,
                                  NULL, test_store_result, &result);
  test_wait_result (result);
  g_assert_true (mode_service_thread_call_finish (thread, result, &value, &error));
  g_assert_cmpint (g_value_get_int (&value), ==, 7);

  mode_service_thread_call_async (thread, return_error, NULL, NULL,
                                  NULL, test_store_result, &failed);
  test_wait_result (failed);
  g_assert_false (mode_service_thread_call_finish (thread, failed, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  test_trace_clear ();
}

static void
must_not_run (ModeServiceThread *self,
              GTask             *task,
              gpointer           user_data)
{
  g_assert_not_reached ();
}

static void
count_destroy (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static void
test_call_cancelled (TestFixture   *f,
                     gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Cancelled");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint destroyed = 0;

  mode_service_thread_call_async (thread, must_not_run, &destroyed, count_destroy,
                                  cancellable, test_store_result, &result);
  g_cancellable_cancel (cancellable);
  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
  test_wait_result (result);
  g_assert_false (mode_service_thread_call_finish (thread, result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  g_assert_cmpint (destroyed, ==, 1);
  test_trace_clear ();
}

static void
drop_call_task (ModeServiceThread *self,
                GTask             *task,
                gpointer           user_data)
{
  /* neither completes its task nor keeps it */
}

static GThread *destroyed_in;

static void
note_destroy_thread (gpointer data)
{
  g_atomic_pointer_set (&destroyed_in, g_thread_self ());
}

/* A function that drops its task fails the call (what a JavaScript
 * function does, which GJS refuses to call in the thread); the data is
 * freed in the caller's thread, never in the service's. */
static void
test_call_dropped (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Dropper");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) value = G_VALUE_INIT;

  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
  destroyed_in = NULL;
  mode_service_thread_call_async (thread, drop_call_task, NULL, note_destroy_thread,
                                  NULL, test_store_result, &result);
  test_wait_result (result);
  g_assert_false (mode_service_thread_call_finish (thread, result, &value, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Dropper"));
  /* a value all the same, for bindings */
  g_assert_true (G_VALUE_HOLDS_BOOLEAN (&value));

  test_wait_until (test_pointer_is_set, &destroyed_in, "the data freed");
  g_assert_true (destroyed_in == g_thread_self ());
  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  test_trace_clear ();
}

static void
test_call_after_stop (TestFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Gone");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint destroyed = 0;

  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));

  mode_service_thread_call_async (thread, must_not_run, &destroyed, count_destroy,
                                  NULL, test_store_result, &result);
  mode_service_thread_cast (thread, must_not_run, &destroyed, count_destroy);
  test_wait_result (result);
  g_assert_false (mode_service_thread_call_finish (thread, result, NULL, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_assert_nonnull (strstr (error->message, "Gone"));
  g_assert_cmpint (destroyed, ==, 2);
  test_trace_clear ();
}

#define N_CALLS 10000

typedef struct
{
  gint next_in_thread;   /* touched in the thread only */
  gint out_of_order;
  gint next_result;      /* touched in the caller only */
  gint results;
  gint casts;
} Burst;

typedef struct
{
  Burst *burst;
  gint   index;
} BurstCall;

static void
burst_func (ModeServiceThread *self,
            GTask             *task,
            gpointer           user_data)
{
  BurstCall *call = user_data;

  if (call->index != call->burst->next_in_thread)
    call->burst->out_of_order++;
  call->burst->next_in_thread = call->index + 1;

  if (task != NULL && g_task_get_source_tag (task) == mode_service_thread_call_async)
    g_task_return_int (task, call->index);
  else
    g_atomic_int_inc (&call->burst->casts);
}

static void
burst_done (GObject      *object,
            GAsyncResult *result,
            gpointer      data)
{
  Burst *burst = data;
  gssize index = g_task_propagate_int (G_TASK (result), NULL);

  if (index != burst->next_result)
    burst->out_of_order++;
  burst->next_result = index + 2;  /* the calls are the even ones */
  burst->results++;
}

static gboolean
burst_done_all (gpointer data)
{
  Burst *burst = data;

  return burst->results == N_CALLS / 2;
}

static void
call_burst (gdouble spin_time)
{
  g_autoptr(TestThread) svc = test_thread_new ("Burst");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);
  Burst burst = { 0, };

  /* < 0: as it is by default */
  if (spin_time >= 0)
    mode_service_thread_set_spin_time (thread, spin_time);
  /* the thread runs the 5,000 calls queued before its start in one go,
   * away from its main loop for seconds under valgrind on a busy
   * machine: its keepalive would rightly say so, and fail the test (the
   * keepalive has tests of its own) */
  mode_service_thread_set_keepalive_timeout (thread, 0);

  /* half of them queued before the start, half while it runs; calls and
   * casts interleaved, in one order */
  for (gint i = 0; i < N_CALLS; i++)
    {
      BurstCall *call = g_new (BurstCall, 1);

      call->burst = &burst;
      call->index = i;
      if (i == N_CALLS / 2)
        g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
      if (i % 2 == 0)
        mode_service_thread_call_async (thread, burst_func, call, g_free,
                                        NULL, burst_done, &burst);
      else
        mode_service_thread_cast (thread, burst_func, call, g_free);
    }

  test_wait_until (burst_done_all, &burst, "10,000 calls");
  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));

  g_assert_cmpint (burst.out_of_order, ==, 0);
  g_assert_cmpint (burst.next_in_thread, ==, N_CALLS);
  g_assert_cmpint (burst.casts, ==, N_CALLS / 2);
  test_trace_clear ();
}

static void
test_call_burst (TestFixture   *f,
                 gconstpointer  data)
{
  call_burst (-1);
}

/* Each side sleeps whenever it waits: calls and answers always wake
 * the other side. */
static void
test_call_burst_no_spin (TestFixture   *f,
                         gconstpointer  data)
{
  call_burst (0);
}

/* The thread stops spinning after a microsecond, over and over, while
 * calls come: a call that comes just as it decides to sleep must still
 * wake it. */
static void
test_call_burst_short_spin (TestFixture   *f,
                            gconstpointer  data)
{
  call_burst (0.000001);
}

/* Both sides poll for the other all through the burst. */
static void
test_call_burst_long_spin (TestFixture   *f,
                           gconstpointer  data)
{
  call_burst (0.01);
}

static gboolean
answer_later (gpointer data)
{
  GTask *task = data;

  g_task_return_int (task, 5);
  return G_SOURCE_REMOVE;
}

/* answers 50 ms later, from a timeout of the thread's context */
static void
return_later (ModeServiceThread *self,
              GTask             *task,
              gpointer           user_data)
{
  GSource *source = g_timeout_source_new (50);

  g_source_set_callback (source, answer_later, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

/* The parent polls for a short time only, then sleeps: an answer that
 * comes long after still wakes it. */
static void
test_call_answered_after_spin (TestFixture   *f,
                               gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Slow");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  mode_service_thread_set_spin_time (thread, 0.0001);
  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
  mode_service_thread_call_async (thread, return_later, NULL, NULL,
                                  NULL, test_store_result, &result);
  test_wait_result (result);
  g_assert_cmpint (g_task_propagate_int (G_TASK (result), &error), ==, 5);
  g_assert_no_error (error);
  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  test_trace_clear ();
}

static gboolean
count_idle (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

/* The parent context keeps dispatching its other sources while a call
 * made from it waits: for one answered long after its function returned
 * (the longest spin-time allowed), and for one the thread has not run
 * yet. */
static void
test_parent_runs_while_waiting (TestFixture   *f,
                                gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Patient");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);
  g_autoptr(GAsyncResult) late = NULL;
  g_autoptr(GAsyncResult) queued = NULL;
  g_autoptr(GSource) idle = g_idle_source_new ();
  g_autoptr(GSource) later = g_timeout_source_new (50);
  guint idles = 0;
  gint over = FALSE;

  mode_service_thread_set_spin_time (thread, 1.0);
  g_source_set_callback (idle, count_idle, &idles, NULL);
  g_source_attach (idle, f->context);

  /* queued before the start: not run for 50 ms */
  mode_service_thread_call_async (thread, return_answer, GINT_TO_POINTER (1), NULL,
                                  NULL, test_store_result, &queued);
  g_source_set_callback (later, test_set_flag, &over, NULL);
  g_source_attach (later, f->context);
  test_wait_until (test_flag_is_set, &over, "50 ms");
  g_assert_cmpuint (idles, >=, 10);
  g_assert_null (queued);

  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
  test_wait_result (queued);

  /* answered 50 ms after its function returned */
  idles = 0;
  mode_service_thread_call_async (thread, return_later, NULL, NULL,
                                  NULL, test_store_result, &late);
  test_wait_result (late);
  g_assert_cmpuint (idles, >=, 10);

  g_source_destroy (idle);
  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  test_trace_clear ();
}

/* Threads without a thread-default context of their own call while the
 * parent context is the global default one: their answers come to the
 * parent context, which waits for them along with its own.
 *
 * Only the global default context can be the thread-default one of
 * several threads at once (pushing a context acquires it), so this is
 * the one case whose parent context is not the test's own: it steps out
 * of its context for the service's whole life, and leaves nothing
 * behind in the global one. */
static gint context_less_answers;

static void
count_answer (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  g_assert_true (mode_service_thread_call_finish (MODE_SERVICE_THREAD (object), result, NULL, NULL));
  g_atomic_int_inc (&context_less_answers);
}

static gpointer
calls_without_context (gpointer data)
{
  for (gint i = 0; i < 1000; i++)
    mode_service_thread_call_async (data, return_answer, GINT_TO_POINTER (i), NULL,
                                    NULL, count_answer, NULL);
  return NULL;
}

static gboolean
all_context_less_answers (gpointer data)
{
  return g_atomic_int_get (&context_less_answers) == 4000;
}

static void
test_calls_from_threads_without_context (TestFixture   *f,
                                         gconstpointer  data)
{
  TestThread *svc;
  GThread *callers[3];

  /* the parent context is the global default one */
  g_main_context_pop_thread_default (f->context);
  g_assert_null (g_main_context_get_thread_default ());
  svc = test_thread_new ("Open");
  g_assert_true (mode_service_thread_get_parent_context (MODE_SERVICE_THREAD (svc)) ==
                 g_main_context_default ());
  mode_service_thread_set_spin_time (MODE_SERVICE_THREAD (svc), 0.000001);
  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));

  context_less_answers = 0;
  for (guint i = 0; i < G_N_ELEMENTS (callers); i++)
    callers[i] = g_thread_new ("caller", calls_without_context, svc);
  calls_without_context (svc);
  test_wait_until (all_context_less_answers, NULL, "4,000 answers");
  for (guint i = 0; i < G_N_ELEMENTS (callers); i++)
    g_thread_join (callers[i]);

  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  /* drains the global default context too */
  test_assert_finalized (svc);
  g_main_context_push_thread_default (f->context);
  test_trace_clear ();
}

/* The result a callback gets carries the caller's own data. */
static void
check_user_data (GObject      *object,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_assert_true (g_async_result_get_user_data (result) == data);
  g_atomic_int_set ((gint *) data, TRUE);
}

static void
test_call_result_user_data (TestFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Mine");
  gint done = FALSE;

  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
  mode_service_thread_call_async (MODE_SERVICE_THREAD (svc), return_answer, GINT_TO_POINTER (2),
                                  NULL, NULL, check_user_data, &done);
  test_wait_until (test_flag_is_set, &done, "the answer");
  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  test_trace_clear ();
}

static void
test_spin_time (TestFixture   *f,
                gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Spinner");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);
  guint notified = 0;
  gdouble spin_time;

  g_assert_cmpfloat (mode_service_thread_get_spin_time (thread), ==, 0.00005);
  g_signal_connect (svc, "notify::spin-time", G_CALLBACK (test_count_notify), &notified);

  g_object_set (svc, "spin-time", 0.001, NULL);
  g_object_get (svc, "spin-time", &spin_time, NULL);
  g_assert_cmpfloat (spin_time, ==, 0.001);
  mode_service_thread_set_spin_time (thread, 0.001);
  g_assert_cmpuint (notified, ==, 1);
  mode_service_thread_set_spin_time (thread, 0);
  g_assert_cmpfloat (mode_service_thread_get_spin_time (thread), ==, 0);
  g_assert_cmpuint (notified, ==, 2);

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*seconds >= 0*");
  mode_service_thread_set_spin_time (thread, -1);
  g_test_assert_expected_messages ();
  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*seconds <= 1.0*");
  mode_service_thread_set_spin_time (thread, 2);
  g_test_assert_expected_messages ();
  g_assert_cmpfloat (mode_service_thread_get_spin_time (thread), ==, 0);
}

/* Calls from a thread that is neither the parent nor the service's. */
static gpointer
call_from_thread (gpointer data)
{
  ModeServiceThread *thread = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);
  mode_service_thread_call_async (thread, return_answer, GINT_TO_POINTER (3), NULL,
                                  NULL, test_store_result, &result);
  test_wait_result (result);
  g_assert_true (mode_service_thread_call_finish (thread, result, &value, &error));
  g_assert_cmpint (g_value_get_int (&value), ==, 3);
  g_main_context_pop_thread_default (context);

  return NULL;
}

static void
test_call_from_other_thread (TestFixture   *f,
                             gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Shared");
  GThread *caller;

  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
  caller = g_thread_new ("caller", call_from_thread, svc);
  g_thread_join (caller);
  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  test_trace_clear ();
}

/* Three threads and the parent call at once, each waiting for its
 * answers, while the service's thread keeps deciding to sleep. */
static gpointer
many_calls_from_thread (gpointer data)
{
  ModeServiceThread *thread = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  for (gint i = 0; i < 1000; i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_auto(GValue) value = G_VALUE_INIT;
      g_autoptr(GError) error = NULL;

      mode_service_thread_call_async (thread, return_answer, GINT_TO_POINTER (i), NULL,
                                      NULL, test_store_result, &result);
      test_wait_result (result);
      g_assert_true (mode_service_thread_call_finish (thread, result, &value, &error));
      g_assert_cmpint (g_value_get_int (&value), ==, i);
    }
  g_main_context_pop_thread_default (context);

  return NULL;
}

static void
test_calls_from_threads (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Crowded");
  GThread *callers[3];

  mode_service_thread_set_spin_time (MODE_SERVICE_THREAD (svc), 0.000001);
  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
  for (guint i = 0; i < G_N_ELEMENTS (callers); i++)
    callers[i] = g_thread_new ("caller", many_calls_from_thread, svc);
  many_calls_from_thread (svc);
  for (guint i = 0; i < G_N_ELEMENTS (callers); i++)
    g_thread_join (callers[i]);
  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  test_trace_clear ();
}

/* }}} */

/* Crashes {{{ */

static void
crash_in_thread (ModeServiceThread *self,
                 GTask             *task,
                 gpointer           user_data)
{
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                                                   "the pipe broke");

  mode_service_crash (MODE_SERVICE (self), reason);
}

static void
on_crashed (ModeService  *service,
            const GError *reason,
            gpointer      data)
{
  /* the parent hears of it in its own thread */
  g_assert_true (g_thread_self () == data);
  test_trace_add ("crashed:%s", mode_service_get_label (service));
}

static gboolean
is_crashed (gpointer data)
{
  return mode_service_get_crashed (data);
}

static void
test_crash_propagates (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(ModeService) root = g_object_new (MODE_TYPE_SERVICE, "label", "Root", NULL);
  g_autoptr(ModeService) sibling = g_object_new (MODE_TYPE_SERVICE, "label", "Sibling", NULL);
  g_autoptr(TestThread) svc = test_thread_new ("Crasher");
  const GError *reason;

  mode_service_add_dependency (root, MODE_SERVICE (svc));
  mode_service_add_dependency (root, sibling);
  g_signal_connect (root, "crashed", G_CALLBACK (on_crashed), g_thread_self ());
  g_signal_connect (sibling, "crashed", G_CALLBACK (on_crashed), g_thread_self ());

  g_assert_true (start_sync (root, NULL));
  test_trace_clear ();

  mode_service_thread_cast (MODE_SERVICE_THREAD (svc), crash_in_thread, NULL, NULL);
  test_wait_until (is_crashed, root, "the root crashed");
  test_wait_until (is_crashed, sibling, "the sibling crashed");

  reason = mode_service_get_crash_reason (root);
  g_assert_error ((GError *) reason, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_assert_true (mode_service_get_crashed (MODE_SERVICE (svc)));

  g_assert_true (stop_sync (root, NULL));
  g_assert_false (mode_service_thread_get_thread_running (MODE_SERVICE_THREAD (svc)));
  test_trace_clear ();
}

static gboolean
restarted_twice (gpointer data)
{
  TestThread *svc = data;

  return g_atomic_int_get (&svc->started_in_thread) == 2;
}

static void
test_supervised (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(ModeSupervisor) sup = mode_supervisor_new (MODE_SUPERVISOR_ONE_FOR_ONE);
  g_autoptr(ModeService) other = g_object_new (MODE_TYPE_SERVICE, "label", "Other", NULL);
  g_autoptr(TestThread) svc = test_thread_new ("Supervised");

  mode_supervisor_add (sup, MODE_SERVICE (svc));
  mode_supervisor_add (sup, other);
  g_assert_true (start_sync (MODE_SERVICE (sup), NULL));
  test_trace_clear ();

  mode_service_thread_cast (MODE_SERVICE_THREAD (svc), crash_in_thread, NULL, NULL);
  test_wait_until (restarted_twice, svc, "the restart");

  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 1);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (sup)));
  g_assert_false (mode_service_get_crashed (other));
  g_assert_cmpint (mode_service_get_state (other), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (svc->stopped_in_thread, ==, 1);
  assert_trace ("stop shutdown thread-stop start thread-started");

  g_assert_true (stop_sync (MODE_SERVICE (sup), NULL));
  g_assert_false (mode_service_thread_get_thread_running (MODE_SERVICE_THREAD (svc)));
  test_trace_clear ();
}

static gboolean
both_restarted (gpointer data)
{
  TestThread **pair = data;

  return g_atomic_int_get (&pair[0]->started_in_thread) == 2 &&
         g_atomic_int_get (&pair[1]->started_in_thread) == 2;
}

/* One for all: the supervisor stops both threads, then restarts both. */
static void
test_supervised_one_for_all (TestFixture   *f,
                             gconstpointer  data)
{
  g_autoptr(ModeSupervisor) sup = mode_supervisor_new (MODE_SUPERVISOR_ONE_FOR_ALL);
  g_autoptr(TestThread) a = test_thread_new ("A");
  g_autoptr(TestThread) b = test_thread_new ("B");
  TestThread *pair[2] = { a, b };

  mode_supervisor_add (sup, MODE_SERVICE (a));
  mode_supervisor_add (sup, MODE_SERVICE (b));
  g_assert_true (start_sync (MODE_SERVICE (sup), NULL));

  mode_service_thread_cast (MODE_SERVICE_THREAD (a), crash_in_thread, NULL, NULL);
  test_wait_until (both_restarted, pair, "both restarts");

  g_assert_cmpint (a->stopped_in_thread, ==, 1);
  g_assert_cmpint (b->stopped_in_thread, ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (a)), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (b)), ==, 1);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (sup)));

  g_assert_true (stop_sync (MODE_SERVICE (sup), NULL));
  g_assert_false (mode_service_thread_get_thread_running (MODE_SERVICE_THREAD (a)));
  g_assert_false (mode_service_thread_get_thread_running (MODE_SERVICE_THREAD (b)));
  test_trace_clear ();
}

/* }}} */

/* Keepalive {{{ */

typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean release;
} Block;

static void
block_thread (ModeServiceThread *self,
              GTask             *task,
              gpointer           user_data)
{
  Block *block = user_data;

  g_mutex_lock (&block->lock);
  while (!block->release)
    g_cond_wait (&block->cond, &block->lock);
  g_mutex_unlock (&block->lock);
}

static gboolean
keepalive_warned (gpointer data)
{
  return test_log_contains ("*Sleeper*Thread keepalive is not responding*");
}

static gboolean
keepalive_recovered (gpointer data)
{
  return test_log_contains ("*Sleeper*Thread keepalive responds again*");
}

/* Runs the thread-default context, blocking, for @ms milliseconds. */
static void
wait_ms (guint ms)
{
  g_autoptr(GSource) later = g_timeout_source_new (ms);
  gint over = FALSE;

  g_source_set_callback (later, test_set_flag, &over, NULL);
  g_source_attach (later, g_main_context_get_thread_default ());
  test_wait_until (test_flag_is_set, &over, "a wait");
}

/* Blocks the thread with @block until the keepalive warned, then lets
 * it go and waits for the recovery. */
static void
stall_thread (ModeServiceThread *thread,
              Block             *block)
{
  test_log_clear ();
  g_mutex_lock (&block->lock);
  block->release = FALSE;
  g_mutex_unlock (&block->lock);

  /* the thread blocks until the warning was logged: nothing is timed */
  mode_service_thread_cast (thread, block_thread, block, NULL);
  test_wait_until (keepalive_warned, NULL, "the keepalive warning");

  g_mutex_lock (&block->lock);
  block->release = TRUE;
  g_cond_broadcast (&block->cond);
  g_mutex_unlock (&block->lock);
  test_wait_until (keepalive_recovered, NULL, "the keepalive recovery");
}

static void
test_keepalive (TestFixture   *f,
                gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Sleeper");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);
  Block block = { 0, };

  g_mutex_init (&block.lock);
  g_cond_init (&block.cond);
  test_log_expect_warnings ();
  test_log_clear ();

  g_assert_cmpfloat (mode_service_thread_get_keepalive_timeout (thread), ==, 3.0);
  mode_service_thread_set_keepalive_timeout (thread, 0.05);
  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));

  /* a thread that sleeps in its main loop answers, however long */
  wait_ms (200);
  g_assert_false (test_log_contains ("*keepalive*"));

  stall_thread (thread, &block);

  /* once it answers again, it is not reported while it sleeps */
  test_log_clear ();
  wait_ms (200);
  g_assert_false (test_log_contains ("*keepalive*"));

  /* and a second stall is reported as the first */
  stall_thread (thread, &block);

  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  g_mutex_clear (&block.lock);
  g_cond_clear (&block.cond);
  test_trace_clear ();
}

/* Idle service threads and their parents sleep {{{ */

typedef struct
{
  glong  switches;  /* the thread's context switches so far */
  gint64 cpu_ns;    /* the thread's processor time so far */
} ThreadUsage;

static void
read_thread_usage (ModeServiceThread *self,
                   GTask             *task,
                   gpointer           user_data)
{
  ThreadUsage *usage = user_data;
#ifdef RUSAGE_THREAD
  struct rusage ru;
  struct timespec ts;

  getrusage (RUSAGE_THREAD, &ru);
  usage->switches = ru.ru_nvcsw + ru.ru_nivcsw;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  usage->cpu_ns = ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
#endif
  g_task_return_boolean (task, TRUE);
}

static ThreadUsage
thread_usage (ModeServiceThread *thread)
{
  g_autoptr(GAsyncResult) result = NULL;
  ThreadUsage usage = { 0, };

  mode_service_thread_call_async (thread, read_thread_usage, &usage, NULL,
                                  NULL, test_store_result, &result);
  test_wait_result (result);
  g_assert_true (g_task_propagate_boolean (G_TASK (result), NULL));
  return usage;
}

/* A thread left alone is not woken, neither by its keepalive (here one
 * that used to ask it every 12.5 ms) nor by polling for calls (here for
 * up to a second, the longest spin-time) while its parent sleeps. */
static void
test_idle_thread_sleeps (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Idle");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);
  ThreadUsage before, after;

#ifndef RUSAGE_THREAD
  g_test_skip ("no RUSAGE_THREAD here");
  return;
#endif

  mode_service_thread_set_keepalive_timeout (thread, 0.05);
  mode_service_thread_set_spin_time (thread, 1.0);
  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));

  before = thread_usage (thread);
  wait_ms (300);
  after = thread_usage (thread);

  /* it went to sleep after the first call and woke for the second
   * (a preemption or two aside) */
  g_assert_cmpint (after.switches - before.switches, <=, 6);
  /* it did not poll through the wait: microseconds, not 300 ms */
  g_assert_cmpint (after.cpu_ns - before.cpu_ns, <, 100 * 1000 * 1000);

  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  test_trace_clear ();
}

/* How long @context would sleep in its next poll, in ms (-1: until
 * woken); the iteration then runs as usual, without polling. */
static gint
context_next_timeout (GMainContext *context)
{
  GPollFD fds[64];
  gint priority, timeout, n;

  g_main_context_prepare (context, &priority);
  n = g_main_context_query (context, priority, &timeout, fds, G_N_ELEMENTS (fds));
  g_assert_cmpint (n, <=, G_N_ELEMENTS (fds));
  for (gint i = 0; i < n; i++)
    fds[i].revents = 0;
  if (g_main_context_check (context, priority, fds, n))
    g_main_context_dispatch (context);
  return timeout;
}

/* The parent context of an idle service thread, its keepalive on (the
 * default), has nothing to do for seconds: the keepalive checks a
 * thread that sleeps once a timeout (3 s), on whole seconds. */
static void
test_idle_parent_sleeps (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Quiet");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);
  gint timeout;

  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
  thread_usage (thread);
  /* what the call left (the thread polling a moment for more) is over */
  wait_ms (20);
  test_drain ();

  timeout = context_next_timeout (f->context);
  g_assert_true (timeout == -1 || timeout >= 1000);

  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  test_trace_clear ();
}

/* With the keepalive off, nothing at all. */
static void
test_idle_parent_sleeps_no_keepalive (TestFixture   *f,
                                      gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Silent");
  ModeServiceThread *thread = MODE_SERVICE_THREAD (svc);

  mode_service_thread_set_keepalive_timeout (thread, 0);
  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
  thread_usage (thread);
  wait_ms (20);
  test_drain ();
  g_assert_cmpint (context_next_timeout (f->context), ==, -1);

  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  test_trace_clear ();
}

/* }}} */

/* }}} */

/* Leaks {{{ */

static guint
count_entries (const char *path)
{
  DIR *dir = opendir (path);
  struct dirent *entry;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((entry = readdir (dir)) != NULL)
    if (entry->d_name[0] != '.')
      n++;
  closedir (dir);

  return n;
}

static void
test_no_leaks (TestFixture   *f,
               gconstpointer  data)
{
  g_autoptr(TestThread) svc = test_thread_new ("Cycle");
  guint threads, fds;

  /* one cycle first: what stays for the service's life is made once */
  g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
  g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  threads = count_entries ("/proc/self/task");
  fds = count_entries ("/proc/self/fd");

  for (guint i = 0; i < 1000; i++)
    {
      g_assert_true (restart_sync (MODE_SERVICE (svc), NULL));
      g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
    }
  test_wait_until (thread_not_running, svc, "the last thread");

  g_assert_cmpuint (count_entries ("/proc/self/task"), ==, threads);
  g_assert_cmpuint (count_entries ("/proc/self/fd"), ==, fds);
  g_assert_cmpint (svc->started_in_thread, ==, 1001);
  g_assert_cmpint (svc->stopped_in_thread, ==, 1001);
  test_trace_clear ();
}

/* Many services, each its own thread and context, made and dropped. */
static void
test_no_leaks_new_services (TestFixture   *f,
                            gconstpointer  data)
{
  guint threads, fds;

  /* GLib's own helper threads, made once for the process */
  {
    g_autoptr(TestThread) svc = test_thread_new ("Warmup");

    g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
    g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
  }

  threads = count_entries ("/proc/self/task");
  fds = count_entries ("/proc/self/fd");

  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(TestThread) svc = test_thread_new ("Fresh");

      g_assert_true (start_sync (MODE_SERVICE (svc), NULL));
      g_assert_true (stop_sync (MODE_SERVICE (svc), NULL));
    }

  g_assert_cmpuint (count_entries ("/proc/self/task"), ==, threads);
  g_assert_cmpuint (count_entries ("/proc/self/fd"), ==, fds);
  test_trace_clear ();
}

/* }}} */

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  test_log_init ();

#define ADD(path, func) \
  g_test_add ("/service-thread/" path, TestFixture, NULL, test_fixture_setup, func, test_fixture_teardown)

  ADD ("start-stop", test_start_stop);
  ADD ("start-error", test_start_error);
  ADD ("no-wait-for-thread", test_no_wait_for_thread);
  ADD ("stop-while-starting-sync", test_stop_while_starting_sync);
  ADD ("stop-while-starting", test_stop_while_starting);
  ADD ("restart", test_restart);
  ADD ("dependency-of-parent", test_dependency_of_parent);
  ADD ("calls-without-thread", test_calls_without_thread);
  ADD ("call", test_call);
  ADD ("call-cancelled", test_call_cancelled);
  ADD ("call-dropped", test_call_dropped);
  ADD ("call-after-stop", test_call_after_stop);
  ADD ("call-burst", test_call_burst);
  ADD ("call-burst-no-spin", test_call_burst_no_spin);
  ADD ("call-burst-short-spin", test_call_burst_short_spin);
  ADD ("call-burst-long-spin", test_call_burst_long_spin);
  ADD ("call-answered-after-spin", test_call_answered_after_spin);
  ADD ("spin-time", test_spin_time);
  ADD ("parent-runs-while-waiting", test_parent_runs_while_waiting);
  ADD ("calls-from-threads-without-context", test_calls_from_threads_without_context);
  ADD ("call-result-user-data", test_call_result_user_data);
  ADD ("call-from-other-thread", test_call_from_other_thread);
  ADD ("calls-from-threads", test_calls_from_threads);
  ADD ("crash-propagates", test_crash_propagates);
  ADD ("supervised", test_supervised);
  ADD ("supervised-one-for-all", test_supervised_one_for_all);
  ADD ("no-leaks", test_no_leaks);
  ADD ("no-leaks-new-services", test_no_leaks_new_services);
  ADD ("keepalive", test_keepalive);
  ADD ("idle-thread-sleeps", test_idle_thread_sleeps);
  ADD ("idle-parent-sleeps", test_idle_parent_sleeps);
  ADD ("idle-parent-sleeps-no-keepalive", test_idle_parent_sleeps_no_keepalive);

  return g_test_run ();
}
