/* test-service-proxy.c: ModeServiceProxy: the service made on first use,
 * and everything of ModeService forwarded to it
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "test-util.h"

/* The service a proxy stands for {{{ */

#define TEST_TYPE_REAL (test_real_get_type ())
G_DECLARE_FINAL_TYPE (TestReal, test_real, TEST, REAL, ModeService)

struct _TestReal
{
  ModeService parent_instance;
};

G_DEFINE_FINAL_TYPE (TestReal, test_real, MODE_TYPE_SERVICE)

static gboolean
test_real_on_start (ModeService   *self,
                    GCancellable  *cancellable,
                    GError       **error)
{
  test_trace_add ("start:%s", mode_service_get_label (self));
  return TRUE;
}

static gboolean
test_real_on_stop (ModeService   *self,
                   GCancellable  *cancellable,
                   GError       **error)
{
  test_trace_add ("stop:%s", mode_service_get_label (self));
  return TRUE;
}

static void
test_real_class_init (TestRealClass *klass)
{
  MODE_SERVICE_CLASS (klass)->on_start = test_real_on_start;
  MODE_SERVICE_CLASS (klass)->on_stop = test_real_on_stop;
}

static void
test_real_init (TestReal *self)
{
}

/* }}} */

/* The proxy {{{ */

#define TEST_TYPE_LAZY (test_lazy_get_type ())
G_DECLARE_FINAL_TYPE (TestLazy, test_lazy, TEST, LAZY, ModeServiceProxy)

struct _TestLazy
{
  ModeServiceProxy parent_instance;
  guint            created;
  gboolean         make_nothing;
};

G_DEFINE_FINAL_TYPE (TestLazy, test_lazy, MODE_TYPE_SERVICE_PROXY)

static ModeService *
test_lazy_create_service (ModeServiceProxy *proxy)
{
  TestLazy *self = TEST_LAZY (proxy);

  self->created++;
  test_trace_add ("create");
  if (self->make_nothing)
    return NULL;

  return g_object_new (TEST_TYPE_REAL, "label", "Real", NULL);
}

static void
test_lazy_class_init (TestLazyClass *klass)
{
  MODE_SERVICE_PROXY_CLASS (klass)->create_service = test_lazy_create_service;
}

static void
test_lazy_init (TestLazy *self)
{
}

/* }}} */

/* Helpers {{{ */

#define start_sync(s, e)   test_op_start ((s), (e))
#define stop_sync(s, e)    test_op_stop ((s), (e))
#define restart_sync(s, e) test_op_restart ((s), (e))

static void
count_signal (gpointer instance,
              gpointer data)
{
  (*(guint *) data)++;
}

static void
count_crash (ModeService  *service,
             const GError *reason,
             gpointer      data)
{
  (*(guint *) data)++;
}

/* }}} */

static void
test_lazy_creation (void)
{
  g_autoptr(TestLazy) proxy = g_object_new (TEST_TYPE_LAZY, NULL);
  ModeServiceProxy *p = MODE_SERVICE_PROXY (proxy);
  ModeService *real;

  /* the proxy's own label is its type name; nothing is made yet */
  g_assert_cmpstr (mode_service_get_label (MODE_SERVICE (proxy)), ==, "TestLazy");
  mode_service_set_shutdown_timeout (MODE_SERVICE (proxy), 5.0);
  g_assert_false (mode_service_proxy_has_service (p));
  g_assert_cmpuint (proxy->created, ==, 0);

  real = mode_service_proxy_get_service (p);
  g_assert_true (TEST_IS_REAL (real));
  g_assert_true (mode_service_proxy_has_service (p));
  g_assert_true (mode_service_proxy_get_service (p) == real);
  g_assert_cmpuint (proxy->created, ==, 1);

  /* the proxy's place in the tree is its service's: it adds no level */
  g_assert_true (mode_service_get_beacon (MODE_SERVICE (proxy)) == mode_service_get_beacon (real));
  g_assert_true (mode_node_get_data (mode_service_get_beacon (MODE_SERVICE (proxy))) == (GObject *) real);
  g_free (test_trace_take ());
}

static void
test_lifecycle_forwarded (void)
{
  g_autoptr(TestLazy) proxy = g_object_new (TEST_TYPE_LAZY, NULL);
  ModeService *service = MODE_SERVICE (proxy);
  ModeService *real;
  g_autoptr(GError) error = NULL;
  guint started = 0, stopped = 0, state_notes = 0;
  ModeServiceState state;

  g_signal_connect (proxy, "started", G_CALLBACK (count_signal), &started);
  g_signal_connect (proxy, "stopped", G_CALLBACK (count_signal), &stopped);
  g_signal_connect (proxy, "notify::state", G_CALLBACK (test_count_notify), &state_notes);

  /* the first start makes the service */
  g_assert_false (mode_service_proxy_has_service (MODE_SERVICE_PROXY (proxy)));
  g_assert_true (start_sync (service, &error));
  g_assert_no_error (error);
  assert_trace ("create start:Real");
  real = mode_service_proxy_get_service (MODE_SERVICE_PROXY (proxy));

  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (mode_service_get_state (real), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_true (mode_service_get_started (service));
  g_object_get (proxy, "state", &state, NULL);
  g_assert_cmpint (state, ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (started, ==, 1);
  g_assert_cmpuint (state_notes, >=, 2);   /* starting, running */

  /* start twice: the service's answer */
  g_assert_false (start_sync (service, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED);
  g_clear_error (&error);

  g_assert_true (restart_sync (service, &error));
  assert_trace ("stop:Real start:Real");
  g_assert_cmpuint (mode_service_get_restart_count (service), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (real), ==, 1);

  g_assert_true (stop_sync (service, &error));
  assert_trace ("stop:Real");
  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_true (mode_service_get_should_stop (service));
  g_assert_cmpuint (stopped, ==, 2);  /* the restart's stop, and this one */
  g_assert_cmpuint (proxy->created, ==, 1);
}

static void
test_maybe_start_and_wait (void)
{
  g_autoptr(TestLazy) proxy = g_object_new (TEST_TYPE_LAZY, NULL);
  ModeService *service = MODE_SERVICE (proxy);
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(GAsyncResult) waited = NULL;
  g_autoptr(GError) error = NULL;

  mode_service_maybe_start_async (service, NULL, test_store_result, &first);
  test_wait_result (first);
  g_assert_true (mode_service_maybe_start_finish (service, first, &error));
  mode_service_maybe_start_async (service, NULL, test_store_result, &second);
  test_wait_result (second);
  g_assert_false (mode_service_maybe_start_finish (service, second, &error));
  g_assert_no_error (error);

  mode_service_wait_until_stopped_async (service, NULL, test_store_result, &waited);
  mode_service_set_shutdown (service);
  g_assert_true (stop_sync (service, NULL));
  test_wait_result (waited);
  g_assert_true (mode_service_wait_until_stopped_finish (service, waited, &error));
  g_free (test_trace_take ());
}

static void
test_dependencies_forwarded (void)
{
  g_autoptr(TestLazy) proxy = g_object_new (TEST_TYPE_LAZY, NULL);
  g_autoptr(ModeService) dep = g_object_new (TEST_TYPE_REAL, "label", "Dep", NULL);
  g_autoptr(ModeService) late = g_object_new (TEST_TYPE_REAL, "label", "Late", NULL);
  g_autoptr(GPtrArray) deps = NULL;
  g_autoptr(GAsyncResult) added = NULL;
  g_autoptr(GAsyncResult) removed = NULL;
  g_autoptr(GError) error = NULL;
  ModeService *real;

  g_assert_true (mode_service_add_dependency (MODE_SERVICE (proxy), dep) == dep);
  real = mode_service_proxy_get_service (MODE_SERVICE_PROXY (proxy));
  deps = mode_service_get_dependencies (real);
  g_assert_cmpuint (deps->len, ==, 1);
  g_assert_true (g_ptr_array_index (deps, 0) == dep);
  g_clear_pointer (&deps, g_ptr_array_unref);
  deps = mode_service_get_dependencies (MODE_SERVICE (proxy));
  g_assert_cmpuint (deps->len, ==, 1);

  g_assert_true (start_sync (MODE_SERVICE (proxy), &error));
  assert_trace ("create start:Real start:Dep");

  mode_service_add_runtime_dependency_async (MODE_SERVICE (proxy), late, NULL,
                                             test_store_result, &added);
  test_wait_result (added);
  g_assert_true (mode_service_add_runtime_dependency_finish (MODE_SERVICE (proxy), added, &error) == late);
  assert_trace ("start:Late");

  mode_service_remove_dependency_async (MODE_SERVICE (proxy), late, NULL,
                                        test_store_result, &removed);
  test_wait_result (removed);
  g_assert_true (mode_service_remove_dependency_finish (MODE_SERVICE (proxy), removed, &error));
  assert_trace ("stop:Late");

  g_assert_true (stop_sync (MODE_SERVICE (proxy), &error));
  assert_trace ("stop:Real stop:Dep");
}

static void
test_in_a_tree (void)
{
  g_autoptr(ModeService) root = g_object_new (TEST_TYPE_REAL, "label", "Root", NULL);
  g_autoptr(TestLazy) proxy = g_object_new (TEST_TYPE_LAZY, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  /* put in a tree, as in Mode, the service takes the proxy's place */
  g_assert_false (mode_service_proxy_has_service (MODE_SERVICE_PROXY (proxy)));
  mode_service_add_dependency (root, MODE_SERVICE (proxy));
  assert_trace ("create");
  g_assert_cmpuint (mode_node_get_depth (mode_service_get_beacon (MODE_SERVICE (proxy))), ==, 1);
  g_assert_true (mode_node_get_parent (mode_service_get_beacon (MODE_SERVICE (proxy))) ==
                 mode_service_get_beacon (root));

  g_assert_true (start_sync (root, &error));
  assert_trace ("start:Root start:Real");

  description = mode_service_describe (root);
  g_assert_nonnull (strstr (description, "TestLazy (proxy)"));
  g_assert_nonnull (strstr (description, "Real [running]"));

  g_assert_true (restart_sync (root, &error));
  assert_trace ("stop:Root stop:Real start:Root start:Real");
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (proxy)), ==, MODE_SERVICE_STATE_RUNNING);

  g_assert_true (stop_sync (root, &error));
  assert_trace ("stop:Root stop:Real");
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (proxy)), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

static void
test_crash_spreads (void)
{
  g_autoptr(ModeService) root = g_object_new (TEST_TYPE_REAL, "label", "Root", NULL);
  g_autoptr(ModeService) sibling = g_object_new (TEST_TYPE_REAL, "label", "Sibling", NULL);
  g_autoptr(TestLazy) proxy = g_object_new (TEST_TYPE_LAZY, NULL);
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
  ModeService *real;
  guint crashes = 0;

  mode_service_add_dependency (root, MODE_SERVICE (proxy));
  mode_service_add_dependency (root, sibling);
  g_signal_connect (proxy, "crashed", G_CALLBACK (count_crash), &crashes);
  g_assert_true (start_sync (root, NULL));
  real = mode_service_proxy_get_service (MODE_SERVICE_PROXY (proxy));

  mode_service_crash (real, reason);
  g_assert_true (mode_service_get_crashed (real));
  g_assert_true (mode_service_get_crashed (MODE_SERVICE (proxy)));
  g_assert_true (mode_service_get_crashed (root));
  g_assert_true (mode_service_get_crashed (sibling));
  g_assert_error ((GError *) mode_service_get_crash_reason (MODE_SERVICE (proxy)),
                  G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpuint (crashes, ==, 1);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (proxy)), ==, MODE_SERVICE_STATE_CRASHED);

  g_assert_true (stop_sync (root, NULL));
  g_free (test_trace_take ());
}

static void
test_crash_through_proxy (void)
{
  g_autoptr(TestLazy) proxy = g_object_new (TEST_TYPE_LAZY, NULL);
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "bang");

  g_assert_true (start_sync (MODE_SERVICE (proxy), NULL));
  mode_service_crash (MODE_SERVICE (proxy), reason);
  g_assert_true (mode_service_get_crashed (mode_service_proxy_get_service (MODE_SERVICE_PROXY (proxy))));
  g_assert_true (stop_sync (MODE_SERVICE (proxy), NULL));
  g_free (test_trace_take ());
}

static gboolean
restarted (gpointer data)
{
  return mode_service_get_restart_count (data) == 1 &&
         mode_service_get_state (data) == MODE_SERVICE_STATE_RUNNING;
}

static void
test_supervised (void)
{
  g_autoptr(ModeSupervisor) sup = mode_supervisor_new (MODE_SUPERVISOR_ONE_FOR_ONE);
  g_autoptr(ModeService) other = g_object_new (TEST_TYPE_REAL, "label", "Other", NULL);
  g_autoptr(TestLazy) proxy = g_object_new (TEST_TYPE_LAZY, NULL);
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "oops");

  mode_supervisor_add (sup, MODE_SERVICE (proxy));
  mode_supervisor_add (sup, other);
  g_assert_true (start_sync (MODE_SERVICE (sup), NULL));
  g_free (test_trace_take ());

  mode_service_crash (mode_service_proxy_get_service (MODE_SERVICE_PROXY (proxy)), reason);
  test_wait_until (restarted, proxy, "the supervisor's restart");

  assert_trace ("stop:Real start:Real");
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 1);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (sup)));
  g_assert_false (mode_service_get_crashed (other));

  g_assert_true (stop_sync (MODE_SERVICE (sup), NULL));
  g_free (test_trace_take ());
}

static void
test_run_by_worker (void)
{
  g_autoptr(ModeWorker) worker = mode_worker_new ();
  g_autoptr(TestLazy) proxy = g_object_new (TEST_TYPE_LAZY, NULL);

  mode_worker_add_service (worker, MODE_SERVICE (proxy));
  g_assert_true (start_sync (MODE_SERVICE (worker), NULL));
  assert_trace ("create start:Real");
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (proxy)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_true (stop_sync (MODE_SERVICE (worker), NULL));
  assert_trace ("stop:Real");
}

static void
test_no_service (void)
{
  g_autoptr(TestLazy) proxy = g_object_new (TEST_TYPE_LAZY, NULL);
  g_autoptr(GError) error = NULL;

  proxy->make_nothing = TRUE;

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*create_service() returned NULL*");
  g_assert_false (start_sync (MODE_SERVICE (proxy), &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, MODE_ERROR, MODE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "TestLazy"));
  g_free (test_trace_take ());
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  test_log_init ();

  g_test_add_func ("/service-proxy/lazy-creation", test_lazy_creation);
  g_test_add_func ("/service-proxy/lifecycle-forwarded", test_lifecycle_forwarded);
  g_test_add_func ("/service-proxy/maybe-start-and-wait", test_maybe_start_and_wait);
  g_test_add_func ("/service-proxy/dependencies-forwarded", test_dependencies_forwarded);
  g_test_add_func ("/service-proxy/in-a-tree", test_in_a_tree);
  g_test_add_func ("/service-proxy/crash-spreads", test_crash_spreads);
  g_test_add_func ("/service-proxy/crash-through-proxy", test_crash_through_proxy);
  g_test_add_func ("/service-proxy/supervised", test_supervised);
  g_test_add_func ("/service-proxy/run-by-worker", test_run_by_worker);
  g_test_add_func ("/service-proxy/no-service", test_no_service);

  return g_test_run ();
}
