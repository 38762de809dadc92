/* test-service.c: the lifecycle of ModeService
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "test-util.h"

/* A service that records its hooks {{{
 *
 * Each hook adds "label.hook" to the shared trace, so the trace reads
 * "A.on_start B.on_start ...".
 */

static void
record (const char *label,
        const char *what)
{
  test_trace_add ("%s.%s", label, what);
}

/* Whether the trace so far holds @text; it stays as it is. */
static gboolean
trace_has (const char *text)
{
  g_autofree char *trace = test_trace_peek ();

  return strstr (trace, text) != NULL;
}

#define TEST_TYPE_RECORDER (test_recorder_get_type ())
G_DECLARE_FINAL_TYPE (TestRecorder, test_recorder, TEST, RECORDER, ModeService)

struct _TestRecorder
{
  ModeService  parent_instance;
  GList       *init_deps;      /* (owned) services for on_init_dependencies */
  char        *fail_hook;      /* (owned) hook that fails with an error */
  char        *false_hook;     /* (owned) hook that returns FALSE, no error */
  char        *async_hook;     /* (owned) hook that completes later, by hand */
  GTask       *pending;        /* (owned) the async hook's task */
};

G_DEFINE_FINAL_TYPE (TestRecorder, test_recorder, MODE_TYPE_SERVICE)

static gboolean
hook (ModeService *service,
      const char  *name,
      GError     **error)
{
  TestRecorder *self = TEST_RECORDER (service);

  record (mode_service_get_label (service), name);
  if (g_strcmp0 (self->fail_hook, name) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed on purpose", name);
      return FALSE;
    }
  if (g_strcmp0 (self->false_hook, name) == 0)
    return FALSE;
  return TRUE;
}

#define SYNC_HOOK(name)                                                  \
  static gboolean                                                        \
  recorder_##name (ModeService *s, GCancellable *c, GError **error)      \
  {                                                                      \
    return hook (s, #name, error);                                       \
  }

SYNC_HOOK (on_first_start)
SYNC_HOOK (on_started)
SYNC_HOOK (on_shutdown)
SYNC_HOOK (on_restart)

/* on_start and on_stop use the asynchronous form: when the hook is the
 * recorder's async_hook, the task is kept, to be completed by the test
 * (complete_pending()); otherwise it completes at once. */
static void
recorder_async (ModeService *service,
                const char  *name,
                GTask       *task)
{
  TestRecorder *self = TEST_RECORDER (service);
  GError *error = NULL;

  if (g_strcmp0 (self->async_hook, name) == 0)
    {
      g_autofree char *what = g_strdup_printf ("%s(async)", name);

      record (mode_service_get_label (service), what);
      g_set_object (&self->pending, task);
      return;
    }

  if (hook (service, name, &error))
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, FALSE);
}

static void
recorder_on_start_async (ModeService  *service,
                         GCancellable *cancellable,
                         GTask        *task)
{
  recorder_async (service, "on_start", task);
}

static void
recorder_on_stop_async (ModeService  *service,
                        GCancellable *cancellable,
                        GTask        *task)
{
  recorder_async (service, "on_stop", task);
}

static GList *
recorder_on_init_dependencies (ModeService *service)
{
  TestRecorder *self = TEST_RECORDER (service);

  record (mode_service_get_label (service), "on_init_dependencies");
  return g_steal_pointer (&self->init_deps);
}

static void
test_recorder_finalize (GObject *object)
{
  TestRecorder *self = TEST_RECORDER (object);

  g_list_free_full (self->init_deps, g_object_unref);
  g_free (self->fail_hook);
  g_free (self->false_hook);
  g_free (self->async_hook);
  g_clear_object (&self->pending);

  G_OBJECT_CLASS (test_recorder_parent_class)->finalize (object);
}

static void
test_recorder_class_init (TestRecorderClass *klass)
{
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_recorder_finalize;
  service_class->on_init_dependencies = recorder_on_init_dependencies;
  service_class->on_first_start = recorder_on_first_start;
  service_class->on_start_async = recorder_on_start_async;
  service_class->on_started = recorder_on_started;
  service_class->on_stop_async = recorder_on_stop_async;
  service_class->on_shutdown = recorder_on_shutdown;
  service_class->on_restart = recorder_on_restart;
}

static void
test_recorder_init (TestRecorder *self)
{
}

static TestRecorder *
recorder_new (const char *label)
{
  return g_object_new (TEST_TYPE_RECORDER, "label", label, NULL);
}

/* Completes the hook task that the recorder kept, with @error or TRUE. */
static void
complete_pending (TestRecorder *self,
                  const GError *error)
{
  /* the task holds a reference on the service: drop ours */
  GTask *task = g_steal_pointer (&self->pending);

  g_assert_nonnull (task);
  g_clear_pointer (&self->async_hook, g_free);
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* }}} */

static void
test_start_stop (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(ModeService) service = mode_service_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_INIT);
  g_assert_false (mode_service_get_started (service));
  g_assert_cmpstr (mode_service_get_label (service), ==, "ModeService");
  g_assert_cmpstr (mode_service_get_shortlabel (service), ==, "ModeService");
  g_assert_true (mode_service_get_main_context (service) == f->context);

  g_assert_true (test_op_start (service, &error));
  g_assert_no_error (error);
  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_true (mode_service_get_started (service));
  g_assert_false (mode_service_get_should_stop (service));

  g_assert_true (test_op_stop (service, &error));
  g_assert_no_error (error);
  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_true (mode_service_get_should_stop (service));
}

static void
record_state (GObject    *object,
              GParamSpec *pspec,
              gpointer    data)
{
  GEnumClass *klass = g_type_class_ref (MODE_TYPE_SERVICE_STATE);

  record ("state", g_enum_get_value (klass, mode_service_get_state (MODE_SERVICE (object)))->value_nick);
  g_type_class_unref (klass);
}

static void
record_signal (ModeService *service,
               gpointer     data)
{
  record (mode_service_get_label (service), data);
}

/* A handler of every "notify", as bindings connect: it hears of the
 * state too. */
static void
count_state_notes (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    data)
{
  if (g_strcmp0 (pspec->name, "state") == 0)
    (*(guint *) data)++;
}

static void
test_states_and_signals (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(ModeService) service = mode_service_new ();
  guint state_notes = 0;

  mode_service_set_label (service, "S");
  g_signal_connect (service, "notify", G_CALLBACK (count_state_notes), &state_notes);
  g_signal_connect (service, "notify::state", G_CALLBACK (record_state), NULL);
  g_signal_connect (service, "started", G_CALLBACK (record_signal), (gpointer) "started");
  g_signal_connect (service, "stopped", G_CALLBACK (record_signal), (gpointer) "stopped");

  g_assert_true (test_op_start (service, NULL));
  g_assert_true (test_op_stop (service, NULL));
  assert_trace ("state.starting state.running S.started state.stopping state.shutdown S.stopped");
  g_assert_cmpuint (state_notes, ==, 4);
}

/* Mode's Complex scenario: A depends on B and C; B on D. */
static void
test_tree_order (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  g_autoptr(TestRecorder) b = recorder_new ("B");
  g_autoptr(TestRecorder) c = recorder_new ("C");
  g_autoptr(TestRecorder) d = recorder_new ("D");
  g_autoptr(GPtrArray) deps = NULL;

  g_assert_true (mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (b)) == MODE_SERVICE (b));
  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (c));
  mode_service_add_dependency (MODE_SERVICE (b), MODE_SERVICE (d));
  /* adding twice does nothing */
  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (b));
  deps = mode_service_get_dependencies (MODE_SERVICE (a));
  g_assert_cmpuint (deps->len, ==, 2);

  g_assert_true (test_op_start (a, NULL));
  assert_trace ("A.on_init_dependencies A.on_first_start A.on_start "
                "B.on_init_dependencies B.on_first_start B.on_start "
                "D.on_init_dependencies D.on_first_start D.on_start D.on_started "
                "B.on_started "
                "C.on_init_dependencies C.on_first_start C.on_start C.on_started "
                "A.on_started");
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (d)), ==, MODE_SERVICE_STATE_RUNNING);

  test_trace_clear ();
  g_assert_true (test_op_stop (a, NULL));
  assert_trace ("A.on_stop C.on_stop C.on_shutdown B.on_stop D.on_stop D.on_shutdown "
                "B.on_shutdown A.on_shutdown");
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (d)), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

static void
test_init_dependencies (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  TestRecorder *b = recorder_new ("B");
  g_autoptr(GPtrArray) deps = NULL;

  a->init_deps = g_list_append (NULL, b);  /* transfer full */
  g_assert_true (test_op_start (a, NULL));
  deps = mode_service_get_dependencies (MODE_SERVICE (a));
  g_assert_cmpuint (deps->len, ==, 1);
  g_assert_true (g_ptr_array_index (deps, 0) == (gpointer) b);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (b)), ==, MODE_SERVICE_STATE_RUNNING);

  /* a restart runs neither on_init_dependencies nor on_first_start again */
  test_trace_clear ();
  g_assert_true (test_op_restart (a, NULL));
  g_assert_false (trace_has ("on_init_dependencies"));
  g_assert_false (trace_has ("on_first_start"));
  g_assert_true (trace_has ("A.on_restart A.on_start B.on_start"));
}

static void
test_restart (TestFixture   *f,
              gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  g_autoptr(TestRecorder) b = recorder_new ("B");

  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (b));
  g_assert_true (test_op_start (a, NULL));
  test_trace_clear ();

  g_assert_true (test_op_restart (a, NULL));
  assert_trace ("A.on_stop B.on_stop B.on_shutdown A.on_shutdown A.on_restart "
                "A.on_start B.on_start B.on_started A.on_started");
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (a)), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (b)), ==, 1);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (b)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_true (test_op_stop (a, NULL));

  /* a stopped service restarts too, and a crashed one */
  g_assert_true (test_op_restart (a, NULL));
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (a)), ==, 2);
  {
    g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
    mode_service_crash (MODE_SERVICE (b), reason);
  }
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_CRASHED);
  g_assert_true (test_op_restart (a, NULL));
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (b)));
  g_assert_null (mode_service_get_crash_reason (MODE_SERVICE (b)));
  g_assert_true (test_op_stop (a, NULL));
}

static void
test_maybe_start (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(ModeService) service = mode_service_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (test_op_maybe_start (service, &error));
  g_assert_no_error (error);
  g_assert_false (test_op_maybe_start (service, &error));
  g_assert_no_error (error);
  g_assert_true (test_op_stop (service, NULL));
  g_assert_false (test_op_maybe_start (service, &error));
  g_assert_no_error (error);
}

static void
test_already_started (TestFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(ModeService) service = mode_service_new ();
  g_autoptr(GError) error = NULL;

  mode_service_set_label (service, "Twice");
  g_assert_true (test_op_start (service, NULL));
  g_assert_false (test_op_start (service, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED);
  g_assert_nonnull (strstr (error->message, "Twice"));
  g_clear_error (&error);

  g_assert_true (test_op_stop (service, NULL));
  g_assert_false (test_op_start (service, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED);
}

static void
test_stop_before_start (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");

  g_assert_true (test_op_stop (a, NULL));
  assert_trace ("");
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_INIT);
  g_assert_true (test_op_start (a, NULL));
  g_assert_true (test_op_stop (a, NULL));
  /* a second stop does nothing */
  test_trace_clear ();
  g_assert_true (test_op_stop (a, NULL));
  assert_trace ("");
}

static void
test_coalesced_start (TestFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  GAsyncResult *r1 = NULL, *r2 = NULL;

  a->async_hook = g_strdup ("on_start");
  mode_service_start_async (MODE_SERVICE (a), NULL, test_store_result, &r1);
  mode_service_start_async (MODE_SERVICE (a), NULL, test_store_result, &r2);
  test_drain ();
  g_assert_nonnull (a->pending);
  g_assert_null (r1);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_STARTING);

  complete_pending (a, NULL);
  test_wait_result (r1);
  test_wait_result (r2);
  g_assert_true (mode_service_start_finish (MODE_SERVICE (a), r1, NULL));
  g_assert_true (mode_service_start_finish (MODE_SERVICE (a), r2, NULL));
  assert_trace ("A.on_init_dependencies A.on_first_start A.on_start(async) A.on_started");
  g_clear_object (&r1);
  g_clear_object (&r2);
  g_assert_true (test_op_stop (a, NULL));
}

static void
test_stop_while_starting (TestFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  g_autoptr(TestRecorder) b = recorder_new ("B");
  g_autoptr(GError) error = NULL;
  GAsyncResult *r = NULL, *stop = NULL;

  a->async_hook = g_strdup ("on_start");
  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (b));
  mode_service_start_async (MODE_SERVICE (a), NULL, test_store_result, &r);
  test_drain ();
  g_assert_nonnull (a->pending);

  /* the stop waits for on_start to return */
  mode_service_stop_async (MODE_SERVICE (a), NULL, test_store_result, &stop);
  test_drain ();
  g_assert_null (stop);
  g_assert_false (trace_has ("A.on_stop"));
  complete_pending (a, NULL);
  test_wait_result (r);
  g_assert_false (mode_service_start_finish (MODE_SERVICE (a), r, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_clear_object (&r);
  test_wait_result (stop);
  g_assert_true (mode_service_stop_finish (MODE_SERVICE (a), stop, NULL));
  g_clear_object (&stop);

  /* B was never started */
  g_assert_false (trace_has ("B.on_start"));
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (b)), ==, MODE_SERVICE_STATE_INIT);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (a)));
}

static void
test_hook_error (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  g_autoptr(TestRecorder) b = recorder_new ("B");
  g_autoptr(GError) error = NULL;
  const GError *reason;

  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (b));
  b->fail_hook = g_strdup ("on_start");
  g_assert_false (test_op_start (a, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "on_start failed on purpose");

  /* the failure crashed B, and, unsupervised, the whole tree */
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (b)), ==, MODE_SERVICE_STATE_CRASHED);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_CRASHED);
  reason = mode_service_get_crash_reason (MODE_SERVICE (a));
  g_assert_error (reason, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_false (trace_has ("on_started"));

  /* a crashed service still stops, every step */
  test_trace_clear ();
  test_op_stop (a, NULL);
  assert_trace ("A.on_stop B.on_stop B.on_shutdown A.on_shutdown");
}

static void
test_hook_false (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("Falsy");
  g_autoptr(GError) error = NULL;

  a->false_hook = g_strdup ("on_started");
  g_assert_false (test_op_start (a, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "on_started"));
  g_assert_nonnull (strstr (error->message, "Falsy"));
  g_assert_true (mode_service_get_crashed (MODE_SERVICE (a)));
}

static void
test_stop_failure_goes_on (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  g_autoptr(TestRecorder) b = recorder_new ("B");
  g_autoptr(TestRecorder) c = recorder_new ("C");
  g_autoptr(GError) error = NULL;

  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (b));
  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (c));
  g_assert_true (test_op_start (a, NULL));
  c->fail_hook = g_strdup ("on_stop");
  a->fail_hook = g_strdup ("on_shutdown");
  test_trace_clear ();

  /* C's failure is logged; A's own hook's error is what stop reports */
  g_assert_false (test_op_stop (a, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  assert_trace ("A.on_stop C.on_stop C.on_shutdown B.on_stop B.on_shutdown A.on_shutdown");
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (b)), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (c)), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

static void
set_shutdown_later (GObject    *object,
                    GParamSpec *pspec,
                    gpointer    data)
{
  if (mode_service_get_state (MODE_SERVICE (object)) == MODE_SERVICE_STATE_STOPPING)
    mode_service_set_shutdown (MODE_SERVICE (object));
}

static void
test_wait_for_shutdown (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(ModeService) a = g_object_new (MODE_TYPE_SERVICE, "clock", f->clock,
                                           "wait-for-shutdown", TRUE,
                                           "shutdown-timeout", 5.0, NULL);
  g_autoptr(ModeService) b = g_object_new (MODE_TYPE_SERVICE, "clock", f->clock,
                                           "wait-for-shutdown", TRUE,
                                           "shutdown-timeout", 5.0, NULL);
  GAsyncResult *r = NULL;

  /* set_shutdown() ends the wait */
  g_signal_connect (a, "notify::state", G_CALLBACK (set_shutdown_later), NULL);
  g_assert_true (test_op_start (a, NULL));
  g_assert_true (test_op_stop (a, NULL));
  g_assert_cmpint (mode_service_get_state (a), ==, MODE_SERVICE_STATE_SHUTDOWN);

  /* without it, the timeout ends it */
  g_assert_true (test_op_start (b, NULL));
  mode_service_stop_async (b, NULL, test_store_result, &r);
  for (guint i = 0; i < 10; i++)
    test_iterate (FALSE);
  g_assert_null (r);
  g_assert_cmpint (mode_service_get_state (b), ==, MODE_SERVICE_STATE_STOPPING);
  mode_clock_advance (f->clock, 5 * G_USEC_PER_SEC);
  test_wait_result (r);
  g_assert_true (mode_service_stop_finish (b, r, NULL));
  g_clear_object (&r);
  g_assert_cmpint (mode_service_get_state (b), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

static void
test_wait_until_stopped (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(ModeService) service = mode_service_new ();
  GAsyncResult *r = NULL;

  g_assert_true (test_op_start (service, NULL));
  mode_service_wait_until_stopped_async (service, NULL, test_store_result, &r);
  for (guint i = 0; i < 5; i++)
    test_iterate (FALSE);
  g_assert_null (r);

  g_assert_true (test_op_stop (service, NULL));
  test_wait_result (r);
  g_assert_true (mode_service_wait_until_stopped_finish (service, r, NULL));
  g_clear_object (&r);

  /* at once when it is already so */
  mode_service_wait_until_stopped_async (service, NULL, test_store_result, &r);
  test_wait_result (r);
  g_assert_true (mode_service_wait_until_stopped_finish (service, r, NULL));
  g_clear_object (&r);
}

static void
on_crashed (ModeService  *service,
            const GError *reason,
            gpointer      data)
{
  record (mode_service_get_label (service), reason->message);
}

/* Mode's Complex tree {{{
 *
 *   Complex
 *   +- X
 *   +- Y          (on_start adds a cleanup)
 *      +- Z       (wait-for-shutdown; a class task sets the shutdown flag
 *         |        once Z is told to stop; on_start adds a new ZX)
 *         +- ZX   (a runtime dependency, added by Z's on_start)
 */

#define TEST_TYPE_Y (test_y_get_type ())
G_DECLARE_FINAL_TYPE (TestY, test_y, TEST, Y, ModeService)

struct _TestY
{
  ModeService parent_instance;
  guint       acquires;
  guint       releases;
};

G_DEFINE_FINAL_TYPE (TestY, test_y, MODE_TYPE_SERVICE)

static void
y_release (ModeService *service,
           gpointer     data)
{
  TEST_Y (service)->releases++;
}

static gboolean
y_on_start (ModeService   *service,
            GCancellable  *cancellable,
            GError       **error)
{
  TEST_Y (service)->acquires++;
  mode_service_add_cleanup (service, y_release, NULL, NULL);
  return TRUE;
}

static void
test_y_class_init (TestYClass *klass)
{
  MODE_SERVICE_CLASS (klass)->on_start = y_on_start;
}

static void
test_y_init (TestY *self)
{
}

#define TEST_TYPE_Z (test_z_get_type ())
G_DECLARE_FINAL_TYPE (TestZ, test_z, TEST, Z, ModeService)

struct _TestZ
{
  ModeService  parent_instance;
  ModeService *x;                 /* (owned) the latest runtime dependency */
  gboolean     did_set_shutdown;
};

G_DEFINE_FINAL_TYPE (TestZ, test_z, MODE_TYPE_SERVICE)

static void
z_stopping (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  GTask *task = data;  /* (owned) */
  ModeService *service = MODE_SERVICE (source);

  g_assert_true (mode_service_wait_until_stopped_finish (service, result, NULL));
  mode_service_set_shutdown (service);
  TEST_Z (service)->did_set_shutdown = TRUE;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Mode's Z._shutdown_setter: sets the shutdown flag once told to stop */
static void
z_shutdown_setter (ModeService *service,
                   GTask       *task,
                   gpointer     data)
{
  mode_service_wait_until_stopped_async (service, NULL, z_stopping, g_object_ref (task));
}

static void
z_added_x (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  GTask *task = data;  /* (owned) */
  GError *error = NULL;

  if (mode_service_add_runtime_dependency_finish (MODE_SERVICE (source), result, &error) != NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
z_on_start_async (ModeService  *service,
                  GCancellable *cancellable,
                  GTask        *task)
{
  TestZ *self = TEST_Z (service);

  self->did_set_shutdown = FALSE;
  g_clear_object (&self->x);
  self->x = MODE_SERVICE (recorder_new ("ZX"));
  mode_service_add_runtime_dependency_async (service, self->x, cancellable,
                                             z_added_x, g_object_ref (task));
}

static void
test_z_finalize (GObject *object)
{
  g_clear_object (&TEST_Z (object)->x);
  G_OBJECT_CLASS (test_z_parent_class)->finalize (object);
}

static void
test_z_class_init (TestZClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_z_finalize;
  MODE_SERVICE_CLASS (klass)->on_start_async = z_on_start_async;
  mode_service_class_add_task_full (MODE_SERVICE_CLASS (klass), "shutdown-setter",
                                    z_shutdown_setter, NULL, NULL);
}

static void
test_z_init (TestZ *self)
{
}

typedef struct
{
  ModeService *complex;   /* (owned) */
  ModeService *x;         /* (owned) */
  TestY       *y;         /* (owned) */
  TestZ       *z;         /* (owned) */
} Complex;

static void
complex_init (Complex *c)
{
  c->complex = MODE_SERVICE (recorder_new ("Complex"));
  c->x = MODE_SERVICE (recorder_new ("X"));
  c->y = g_object_new (TEST_TYPE_Y, "label", "Y", NULL);
  /* a generous safety net: the task sets the flag long before */
  c->z = g_object_new (TEST_TYPE_Z, "label", "Z", "wait-for-shutdown", TRUE,
                       "shutdown-timeout", 30.0, NULL);
  mode_service_add_dependency (c->complex, c->x);
  mode_service_add_dependency (c->complex, MODE_SERVICE (c->y));
  mode_service_add_dependency (MODE_SERVICE (c->y), MODE_SERVICE (c->z));
}

static void
complex_clear (Complex *c)
{
  g_clear_object (&c->complex);
  g_clear_object (&c->x);
  g_clear_object (&c->y);
  g_clear_object (&c->z);
}

static void
assert_all_in_state (Complex          *c,
                     ModeServiceState  state)
{
  g_assert_cmpint (mode_service_get_state (c->complex), ==, state);
  g_assert_cmpint (mode_service_get_state (c->x), ==, state);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (c->y)), ==, state);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (c->z)), ==, state);
  g_assert_cmpint (mode_service_get_state (c->z->x), ==, state);
}

/* Mode's test_start_stop_restart_complex */
static void
test_complex_start_stop_restart (TestFixture   *f,
                                 gconstpointer  data)
{
  Complex c;
  ModeService *first_zx;
  gint64 begin;

  complex_init (&c);
  g_assert_true (test_op_start (c.complex, NULL));
  assert_all_in_state (&c, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (c.y->acquires, ==, 1);
  g_assert_cmpuint (c.y->releases, ==, 0);
  g_assert_true (mode_node_get_parent (mode_service_get_beacon (c.z->x)) ==
                 mode_service_get_beacon (MODE_SERVICE (c.z)));
  g_assert_cmpuint (mode_service_get_n_tasks (MODE_SERVICE (c.z)), ==, 1);
  first_zx = g_object_ref (c.z->x);

  /* Z waits for its shutdown flag, which its task sets: well before the
   * 30 s shutdown-timeout */
  begin = g_get_monotonic_time ();
  g_assert_true (test_op_stop (c.complex, NULL));
  g_assert_cmpint (g_get_monotonic_time () - begin, <, 15 * G_USEC_PER_SEC);
  assert_all_in_state (&c, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_true (c.z->did_set_shutdown);
  g_assert_cmpuint (c.y->releases, ==, 1);

  g_assert_true (test_op_restart (c.complex, NULL));
  assert_all_in_state (&c, MODE_SERVICE_STATE_RUNNING);
  g_assert_false (c.z->did_set_shutdown);
  g_assert_true (c.z->x != first_zx);
  /* the first ZX was reset with Z and started again as its dependency */
  g_assert_cmpint (mode_service_get_state (first_zx), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (mode_service_get_restart_count (first_zx), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (c.complex), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (c.x), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (c.y)), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (c.z)), ==, 1);
  g_assert_cmpuint (c.y->acquires, ==, 2);
  g_assert_cmpuint (c.y->releases, ==, 1);

  g_assert_true (test_op_stop (c.complex, NULL));
  assert_all_in_state (&c, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_cmpint (mode_service_get_state (first_zx), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_true (c.z->did_set_shutdown);
  /* the first start's cleanup ran once, and was forgotten */
  g_assert_cmpuint (c.y->releases, ==, 2);

  /* nothing is left behind: the whole tree is freed */
  {
    gpointer weak[] = { c.complex, c.x, c.y, c.z, c.z->x, first_zx };

    for (guint i = 0; i < G_N_ELEMENTS (weak); i++)
      g_object_add_weak_pointer (weak[i], &weak[i]);
    g_object_unref (first_zx);
    complex_clear (&c);
    test_drain ();
    for (guint i = 0; i < G_N_ELEMENTS (weak); i++)
      g_assert_null (weak[i]);
  }
}

static gboolean
find_node (ModeNode *node,
           gpointer  data)
{
  ModeNode **wanted = data;

  if (node == *wanted)
    {
      *wanted = NULL;
      return FALSE;
    }
  return TRUE;
}

/* Mode's test_remove_dependency */
static void
test_complex_remove_dependency (TestFixture   *f,
                                gconstpointer  data)
{
  Complex c;
  g_autoptr(GPtrArray) deps = NULL;
  ModeNode *wanted;
  GAsyncResult *r = NULL;

  complex_init (&c);
  g_assert_true (test_op_start (c.complex, NULL));

  mode_service_remove_dependency_async (c.complex, c.x, NULL, test_store_result, &r);
  test_wait_result (r);
  g_assert_true (mode_service_remove_dependency_finish (c.complex, r, NULL));
  g_clear_object (&r);

  g_assert_cmpint (mode_service_get_state (c.x), ==, MODE_SERVICE_STATE_SHUTDOWN);
  deps = mode_service_get_dependencies (c.complex);
  g_assert_cmpuint (deps->len, ==, 1);
  g_assert_true (g_ptr_array_index (deps, 0) == (gpointer) c.y);
  wanted = mode_service_get_beacon (c.x);
  mode_node_traverse (mode_service_get_beacon (c.complex), find_node, &wanted);
  g_assert_nonnull (wanted);   /* not found */
  /* the rest of the tree runs on */
  g_assert_cmpint (mode_service_get_state (c.z->x), ==, MODE_SERVICE_STATE_RUNNING);

  g_assert_true (test_op_stop (c.complex, NULL));
  complex_clear (&c);
}

/* Mode's test_crash_leaf, _middle, _head: whichever crashes, the whole
 * tree is marked crashed with the same reason (the poison pill). */
static void
test_crash_poison_pill (TestFixture   *f,
                        gconstpointer  data)
{
  const char *which = data;
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "foo");
  Complex c;
  ModeService *target;
  GAsyncResult *r = NULL;

  complex_init (&c);
  g_assert_true (test_op_start (c.complex, NULL));
  {
    ModeService *all[] = { c.complex, c.x, MODE_SERVICE (c.y), MODE_SERVICE (c.z), c.z->x };

    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      g_signal_connect (all[i], "crashed", G_CALLBACK (on_crashed), NULL);

    mode_service_wait_until_stopped_async (c.complex, NULL, test_store_result, &r);
    target = g_str_equal (which, "leaf") ? c.z->x :
             g_str_equal (which, "middle") ? MODE_SERVICE (c.y) : c.complex;
    test_trace_clear ();
    mode_service_crash (target, reason);

    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      {
        const GError *got = mode_service_get_crash_reason (all[i]);

        g_assert_true (mode_service_get_crashed (all[i]));
        g_assert_true (mode_service_get_should_stop (all[i]));
        g_assert_cmpint (mode_service_get_state (all[i]), ==, MODE_SERVICE_STATE_CRASHED);
        g_assert_error (got, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
        g_assert_cmpstr (got->message, ==, "foo");
      }
    /* the crashed signal, once on each, with the reason */
    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      {
        g_autofree char *line = g_strdup_printf ("%s.foo", mode_service_get_label (all[i]));
        g_assert_true (trace_has (line));
      }
  }
  {
    g_autofree char *trace = test_trace_peek ();
    g_auto(GStrv) words = g_strsplit (trace, " ", -1);

    g_assert_cmpuint (g_strv_length (words), ==, 5);
  }
  /* waiters wake */
  test_wait_result (r);
  g_assert_true (mode_service_wait_until_stopped_finish (c.complex, r, NULL));
  g_clear_object (&r);

  /* crashing again changes nothing */
  test_trace_clear ();
  mode_service_crash (target, reason);
  assert_trace ("");

  /* a crashed tree still stops, and stays crashed */
  test_op_stop (c.complex, NULL);
  assert_all_in_state (&c, MODE_SERVICE_STATE_CRASHED);
  g_assert_true (c.z->did_set_shutdown);
  g_assert_cmpuint (c.y->releases, ==, 1);
  complex_clear (&c);
}

/* }}} */

#define TEST_TYPE_SUPERVISOR_HOOK (test_supervisor_hook_get_type ())
G_DECLARE_FINAL_TYPE (TestSupervisorHook, test_supervisor_hook, TEST, SUPERVISOR_HOOK, ModeService)

struct _TestSupervisorHook
{
  ModeService  parent_instance;
  ModeService *last;
};

G_DEFINE_FINAL_TYPE (TestSupervisorHook, test_supervisor_hook, MODE_TYPE_SERVICE)

static void
hook_supervised_crash (ModeService *self,
                       ModeService *service)
{
  TEST_SUPERVISOR_HOOK (self)->last = service;
}

static void
test_supervisor_hook_class_init (TestSupervisorHookClass *klass)
{
  MODE_SERVICE_CLASS (klass)->supervised_crash = hook_supervised_crash;
}

static void
test_supervisor_hook_init (TestSupervisorHook *self)
{
}

static void
test_crash_supervised (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(TestSupervisorHook) sup = g_object_new (TEST_TYPE_SUPERVISOR_HOOK, NULL);
  g_autoptr(ModeService) child = mode_service_new ();
  g_autoptr(ModeService) grandchild = mode_service_new ();
  g_autoptr(ModeService) sibling = mode_service_new ();
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");

  mode_service_add_dependency (MODE_SERVICE (sup), child);
  mode_service_add_dependency (child, grandchild);
  mode_service_add_dependency (MODE_SERVICE (sup), sibling);
  mode_service_set_supervisor (child, MODE_SERVICE (sup));
  g_assert_true (mode_service_get_supervisor (child) == MODE_SERVICE (sup));
  g_assert_true (test_op_start (sup, NULL));

  mode_service_crash (child, reason);
  g_assert_true (sup->last == child);
  g_assert_true (mode_service_get_crashed (child));
  g_assert_true (mode_service_get_crashed (grandchild));
  g_assert_false (mode_service_get_crashed (sibling));
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (sup)));
  g_assert_true (test_op_stop (sup, NULL));
}

static void
test_cycles (TestFixture   *f,
             gconstpointer  data)
{
  g_autoptr(ModeService) a = g_object_new (MODE_TYPE_SERVICE, "label", "Alpha", NULL);
  g_autoptr(ModeService) b = g_object_new (MODE_TYPE_SERVICE, "label", "Beta", NULL);
  g_autoptr(ModeService) c = g_object_new (MODE_TYPE_SERVICE, "label", "Gamma", NULL);

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*Alpha cannot depend on itself*");
  g_assert_null (mode_service_add_dependency (a, a));
  g_test_assert_expected_messages ();

  mode_service_add_dependency (a, b);
  mode_service_add_dependency (b, c);
  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*Gamma cannot depend on Alpha*");
  g_assert_null (mode_service_add_dependency (c, a));
  g_test_assert_expected_messages ();
}

static void
test_runtime_dependency (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(ModeService) parent = mode_service_new ();
  g_autoptr(ModeService) early = mode_service_new ();
  g_autoptr(ModeService) late = mode_service_new ();
  GAsyncResult *r = NULL;

  /* before the parent started: added, not started */
  mode_service_add_runtime_dependency_async (parent, early, NULL, test_store_result, &r);
  test_wait_result (r);
  g_assert_true (mode_service_add_runtime_dependency_finish (parent, r, NULL) == early);
  g_clear_object (&r);
  g_assert_false (mode_service_get_started (early));

  g_assert_true (test_op_start (parent, NULL));
  g_assert_cmpint (mode_service_get_state (early), ==, MODE_SERVICE_STATE_RUNNING);

  mode_service_add_runtime_dependency_async (parent, late, NULL, test_store_result, &r);
  test_wait_result (r);
  g_assert_true (mode_service_add_runtime_dependency_finish (parent, r, NULL) == late);
  g_clear_object (&r);
  g_assert_cmpint (mode_service_get_state (late), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_true (mode_node_get_parent (mode_service_get_beacon (late)) == mode_service_get_beacon (parent));

  g_assert_true (test_op_stop (parent, NULL));
  g_assert_cmpint (mode_service_get_state (late), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

static void
test_remove_dependency (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(ModeService) parent = g_object_new (MODE_TYPE_SERVICE, "label", "Parent", NULL);
  g_autoptr(ModeService) child = g_object_new (MODE_TYPE_SERVICE, "label", "Child", NULL);
  g_autoptr(ModeService) stranger = g_object_new (MODE_TYPE_SERVICE, "label", "Stranger", NULL);
  g_autoptr(GPtrArray) deps = NULL;
  g_autoptr(GError) error = NULL;
  ModeService *weak = child;
  GAsyncResult *r = NULL;

  mode_service_add_dependency (parent, child);
  g_assert_true (test_op_start (parent, NULL));

  mode_service_remove_dependency_async (parent, child, NULL, test_store_result, &r);
  test_wait_result (r);
  g_assert_true (mode_service_remove_dependency_finish (parent, r, NULL));
  g_clear_object (&r);
  g_assert_cmpint (mode_service_get_state (child), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_null (mode_node_get_parent (mode_service_get_beacon (child)));
  deps = mode_service_get_dependencies (parent);
  g_assert_cmpuint (deps->len, ==, 0);

  mode_service_remove_dependency_async (parent, stranger, NULL, test_store_result, &r);
  test_wait_result (r);
  g_assert_false (mode_service_remove_dependency_finish (parent, r, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_NOT_A_DEPENDENCY);
  g_assert_nonnull (strstr (error->message, "Stranger"));
  g_assert_nonnull (strstr (error->message, "Parent"));
  g_clear_object (&r);

  /* the removed child is not kept alive by its old parent */
  g_object_add_weak_pointer (G_OBJECT (child), (gpointer *) &weak);
  g_clear_object (&child);
  g_assert_null (weak);
  g_assert_true (test_op_stop (parent, NULL));
}

/* A service that notes the thread its hooks run in, and whether that
 * thread owns the service's context then. */
#define TEST_TYPE_THREAD_CHECK (test_thread_check_get_type ())
G_DECLARE_FINAL_TYPE (TestThreadCheck, test_thread_check, TEST, THREAD_CHECK, ModeService)

struct _TestThreadCheck
{
  ModeService  parent_instance;
  GThread     *start_thread;
  GThread     *stop_thread;
  gboolean     start_owner;
  gboolean     stop_owner;
};

G_DEFINE_FINAL_TYPE (TestThreadCheck, test_thread_check, MODE_TYPE_SERVICE)

static gboolean
thread_check_on_start (ModeService   *service,
                       GCancellable  *cancellable,
                       GError       **error)
{
  TestThreadCheck *self = TEST_THREAD_CHECK (service);

  self->start_thread = g_thread_self ();
  self->start_owner = g_main_context_is_owner (mode_service_get_main_context (service));
  return TRUE;
}

static gboolean
thread_check_on_stop (ModeService   *service,
                      GCancellable  *cancellable,
                      GError       **error)
{
  TestThreadCheck *self = TEST_THREAD_CHECK (service);

  self->stop_thread = g_thread_self ();
  self->stop_owner = g_main_context_is_owner (mode_service_get_main_context (service));
  return TRUE;
}

static void
test_thread_check_class_init (TestThreadCheckClass *klass)
{
  MODE_SERVICE_CLASS (klass)->on_start = thread_check_on_start;
  MODE_SERVICE_CLASS (klass)->on_stop = thread_check_on_stop;
}

static void
test_thread_check_init (TestThreadCheck *self)
{
}

typedef struct
{
  GMainContext *service_context;
  ModeService  *service;
  GThread      *caller;
  GThread      *start_callback_thread;
  GThread      *stop_callback_thread;
  gboolean      started;
  gboolean      stopped;
  gboolean      done;   /* atomic */
} ThreadCall;

typedef struct
{
  ThreadCall   *call;
  GAsyncResult *result;   /* (owned) (nullable) */
} ThreadResult;

static void
thread_capture (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  ThreadResult *tr = data;

  if (tr->call->start_callback_thread == NULL)
    tr->call->start_callback_thread = g_thread_self ();
  else
    tr->call->stop_callback_thread = g_thread_self ();
  test_store_result (object, result, &tr->result);
}

static gpointer
call_from_thread (gpointer data)
{
  ThreadCall *call = data;
  GMainContext *context = g_main_context_new ();
  ThreadResult start = { call, NULL }, stop = { call, NULL };

  call->caller = g_thread_self ();
  g_main_context_push_thread_default (context);

  /* the waits iterate this thread's own context */
  mode_service_start_async (call->service, NULL, thread_capture, &start);
  test_wait_result (start.result);
  call->started = mode_service_start_finish (call->service, start.result, NULL);
  g_clear_object (&start.result);

  mode_service_stop_async (call->service, NULL, thread_capture, &stop);
  test_wait_result (stop.result);
  call->stopped = mode_service_stop_finish (call->service, stop.result, NULL);
  g_clear_object (&stop.result);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  g_atomic_int_set (&call->done, TRUE);
  g_main_context_wakeup (call->service_context);
  return NULL;
}

/* Start and stop called from another thread run in the service's own
 * context; the results come back in the caller's. */
static void
test_other_thread (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(TestThreadCheck) service = g_object_new (TEST_TYPE_THREAD_CHECK, "label", "T", NULL);
  ThreadCall call = { f->context, MODE_SERVICE (service), NULL, NULL, NULL, FALSE, FALSE, FALSE };
  GThread *thread;

  thread = g_thread_new ("caller", call_from_thread, &call);
  test_wait_until (test_flag_is_set, &call.done, "the calls from another thread");
  g_thread_join (thread);

  g_assert_true (call.started);
  g_assert_true (call.stopped);
  g_assert_true (service->start_thread == g_thread_self ());
  g_assert_true (service->stop_thread == g_thread_self ());
  g_assert_true (service->start_owner);
  g_assert_true (service->stop_owner);
  g_assert_true (call.start_callback_thread == call.caller);
  g_assert_true (call.stop_callback_thread == call.caller);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (service)), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

static void
test_routine_lines (TestFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(ModeService) root = g_object_new (MODE_TYPE_SERVICE, "label", "Root", NULL);
  g_autoptr(ModeService) child = g_object_new (MODE_TYPE_SERVICE, "label", "Child", NULL);
  g_autoptr(ModeService) leaf = g_object_new (MODE_TYPE_SERVICE, "label", "LeafService",
                                              "shortlabel", "Leaf", NULL);

  mode_service_add_dependency (root, child);
  mode_service_add_dependency (child, leaf);
  test_log_clear ();

  /* routine lines are made only for a writer that shows them */
  g_assert_true (test_op_start (root, NULL));
  g_assert_true (test_op_stop (root, NULL));
  g_assert_cmpuint (test_log_count (), ==, 0);
  g_assert_true (test_op_restart (root, NULL));
  g_log_set_debug_enabled (TRUE);
  g_assert_true (test_op_stop (root, NULL));
  g_assert_true (test_op_restart (root, NULL));
  g_assert_true (test_op_stop (root, NULL));
  g_log_set_debug_enabled (FALSE);

  g_assert_true (test_log_contains_at (G_LOG_LEVEL_INFO, "Root", "[^Root]: Starting..."));
  g_assert_true (test_log_contains_at (G_LOG_LEVEL_INFO, "Child", "[^-Child]: Starting..."));
  g_assert_true (test_log_contains_at (G_LOG_LEVEL_INFO, "LeafService", "[^--Leaf]: Starting..."));
  g_assert_true (test_log_contains_at (G_LOG_LEVEL_INFO, "LeafService", "[^--Leaf]: Stopping..."));
  g_assert_true (test_log_contains_at (G_LOG_LEVEL_INFO, "Root", "[^Root]: Stopping..."));
}

/* Mode's mundane_level: the routine lines at info by default, or at the
 * level asked for; a crash is logged at message level. */
static void
test_log_levels (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(ModeService) loud = g_object_new (MODE_TYPE_SERVICE, "label", "Loud", NULL);
  g_autoptr(ModeService) quiet = g_object_new (MODE_TYPE_SERVICE, "label", "Quiet",
                                               "mundane-level", G_LOG_LEVEL_DEBUG, NULL);
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");

  g_assert_cmpuint (mode_service_get_mundane_level (loud), ==, G_LOG_LEVEL_INFO);
  g_assert_cmpuint (mode_service_get_mundane_level (quiet), ==, G_LOG_LEVEL_DEBUG);

  test_log_clear ();
  g_log_set_debug_enabled (TRUE);
  g_assert_true (test_op_start (loud, NULL));
  g_assert_true (test_op_start (quiet, NULL));
  mode_service_crash (loud, reason);
  g_assert_true (test_op_stop (loud, NULL));
  g_assert_true (test_op_stop (quiet, NULL));
  g_log_set_debug_enabled (FALSE);

  g_assert_true (test_log_contains_at (G_LOG_LEVEL_INFO, "Loud", "[^Loud]: Starting..."));
  g_assert_true (test_log_contains_at (G_LOG_LEVEL_DEBUG, "Quiet", "[^Quiet]: Starting..."));
  g_assert_true (test_log_contains_at (G_LOG_LEVEL_DEBUG, "Quiet", "[^Quiet]: Stopping..."));
  g_assert_true (test_log_contains_at (G_LOG_LEVEL_MESSAGE, "Loud", "[^Loud]: Crashed reason=boom"));
}

/* Whether routine lines are shown is decided once for the steps that
 * run in-line together, and again when an operation goes on later from
 * the main loop: a change between the two is seen. */
static void
test_log_decided_per_batch (TestFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(ModeService) root = g_object_new (MODE_TYPE_SERVICE, "label", "Root", NULL);
  g_autoptr(TestRecorder) child = recorder_new ("Child");
  GAsyncResult *r = NULL;

  mode_service_add_dependency (root, MODE_SERVICE (child));
  g_assert_true (test_op_start (root, NULL));
  test_log_clear ();

  child->async_hook = g_strdup ("on_stop");
  mode_service_stop_async (root, NULL, test_store_result, &r);
  test_drain ();
  g_assert_nonnull (child->pending);
  g_assert_cmpuint (test_log_count (), ==, 0);

  g_log_set_debug_enabled (TRUE);
  complete_pending (child, NULL);
  test_wait_result (r);
  g_log_set_debug_enabled (FALSE);
  g_assert_true (mode_service_stop_finish (root, r, NULL));
  g_clear_object (&r);

  g_assert_false (test_log_contains_at (G_LOG_LEVEL_INFO, "Root", "[^Root]: Stopping..."));
  g_assert_false (test_log_contains_at (G_LOG_LEVEL_INFO, "Child", "[^-Child]: Stopping..."));
  g_assert_true (test_log_contains_at (G_LOG_LEVEL_DEBUG, "Child", "[^-Child]: -Stopped!"));
  g_assert_true (test_log_contains_at (G_LOG_LEVEL_DEBUG, "Root", "[^Root]: -Stopped!"));
}

/* A line longer than the stack buffer it is made in comes out whole. */
static void
test_log_long_line (TestFixture   *f,
                    gconstpointer  data)
{
  g_autofree char *label = g_strnfill (300, 'L');
  g_autofree char *why = g_strnfill (700, 'w');
  g_autofree char *expected = NULL;
  g_autoptr(ModeService) service = g_object_new (MODE_TYPE_SERVICE, "label", label, NULL);
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, why);

  test_log_clear ();
  g_assert_true (test_op_start (service, NULL));
  mode_service_crash (service, reason);
  g_assert_true (test_op_stop (service, NULL));

  expected = g_strdup_printf ("[^%s]: Crashed reason=%s", label, why);
  g_assert_true (test_log_contains_at (G_LOG_LEVEL_MESSAGE, label, expected));
}

static void
test_properties (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(ModeService) service = mode_service_new ();
  g_autoptr(ModeService) sup = mode_service_new ();
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "gone");
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GMainContext) other_context = g_main_context_new ();
  g_autoptr(ModeNode) beacon = NULL;
  g_autoptr(ModeService) supervisor = NULL;
  g_autoptr(ModeService) elsewhere = NULL;
  g_autofree char *label = NULL, *shortlabel = NULL;
  GError *crash_reason = NULL;
  ModeServiceState state;
  gboolean started, crashed, should_stop, wait_for_shutdown;
  guint restart_count, mundane_level;
  gdouble shutdown_timeout;
  guint label_notes = 0, shortlabel_notes = 0, timeout_notes = 0;

  g_object_get (service,
                "state", &state,
                "started", &started,
                "crashed", &crashed,
                "should-stop", &should_stop,
                "crash-reason", &crash_reason,
                "restart-count", &restart_count,
                "label", &label,
                "shortlabel", &shortlabel,
                "wait-for-shutdown", &wait_for_shutdown,
                "shutdown-timeout", &shutdown_timeout,
                "main-context", &context,
                "beacon", &beacon,
                "supervisor", &supervisor,
                "mundane-level", &mundane_level,
                NULL);
  g_assert_cmpint (state, ==, MODE_SERVICE_STATE_INIT);
  g_assert_false (started);
  g_assert_false (crashed);
  g_assert_false (should_stop);
  g_assert_null (crash_reason);
  g_assert_cmpuint (restart_count, ==, 0);
  g_assert_cmpstr (label, ==, "ModeService");
  g_assert_cmpstr (shortlabel, ==, "ModeService");
  g_assert_false (wait_for_shutdown);
  g_assert_cmpfloat_with_epsilon (shutdown_timeout, 60.0, 1e-9);
  g_assert_true (context == f->context);
  g_assert_nonnull (beacon);
  g_assert_true (beacon == mode_service_get_beacon (service));
  g_assert_true (mode_node_get_data (beacon) == G_OBJECT (service));
  g_assert_null (supervisor);
  g_assert_cmpuint (mundane_level, ==, G_LOG_LEVEL_INFO);

  /* the shortlabel follows the label until it is set */
  g_signal_connect (service, "notify::label", G_CALLBACK (test_count_notify), &label_notes);
  g_signal_connect (service, "notify::shortlabel", G_CALLBACK (test_count_notify), &shortlabel_notes);
  g_signal_connect (service, "notify::shutdown-timeout", G_CALLBACK (test_count_notify), &timeout_notes);
  mode_service_set_label (service, "Web");
  g_assert_cmpstr (mode_service_get_label (service), ==, "Web");
  g_assert_cmpstr (mode_service_get_shortlabel (service), ==, "Web");
  g_assert_cmpuint (label_notes, ==, 1);
  g_assert_cmpuint (shortlabel_notes, ==, 1);
  mode_service_set_label (service, "Web");           /* no change, no notify */
  g_assert_cmpuint (label_notes, ==, 1);
  mode_service_set_shortlabel (service, "W");
  g_assert_cmpuint (shortlabel_notes, ==, 2);
  mode_service_set_label (service, "WebServer");
  g_assert_cmpstr (mode_service_get_shortlabel (service), ==, "W");
  g_assert_cmpuint (label_notes, ==, 2);
  g_assert_cmpuint (shortlabel_notes, ==, 2);

  g_object_set (service,
                "wait-for-shutdown", TRUE,
                "shutdown-timeout", 2.5,
                "mundane-level", (guint) G_LOG_LEVEL_DEBUG,
                "supervisor", sup,
                NULL);
  g_assert_true (mode_service_get_wait_for_shutdown (service));
  g_assert_cmpfloat_with_epsilon (mode_service_get_shutdown_timeout (service), 2.5, 1e-9);
  g_assert_cmpuint (mode_service_get_mundane_level (service), ==, G_LOG_LEVEL_DEBUG);
  g_assert_true (mode_service_get_supervisor (service) == sup);
  g_assert_cmpuint (timeout_notes, ==, 1);
  mode_service_set_shutdown_timeout (service, 2.5);
  g_assert_cmpuint (timeout_notes, ==, 1);
  mode_service_set_supervisor (service, NULL);
  g_assert_null (mode_service_get_supervisor (service));

  /* crash-reason holds a copy of the reason */
  mode_service_crash (service, reason);
  g_object_get (service, "crash-reason", &crash_reason, "crashed", &crashed,
                "state", &state, "should-stop", &should_stop, NULL);
  g_assert_true (crashed);
  g_assert_true (should_stop);
  g_assert_cmpint (state, ==, MODE_SERVICE_STATE_CRASHED);
  g_assert_error (crash_reason, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (crash_reason->message, ==, "gone");
  g_assert_true (crash_reason != reason);
  g_assert_true (mode_service_get_crash_reason (service) != reason);
  g_error_free (crash_reason);

  /* main-context is set at construction */
  elsewhere = g_object_new (MODE_TYPE_SERVICE, "main-context", other_context, NULL);
  g_assert_true (mode_service_get_main_context (elsewhere) == other_context);
}

static void
test_state_nicks (void)
{
  const char *nicks[] = { "init", "starting", "running", "stopping", "shutdown", "crashed" };
  ModeServiceState values[] = {
    MODE_SERVICE_STATE_INIT, MODE_SERVICE_STATE_STARTING, MODE_SERVICE_STATE_RUNNING,
    MODE_SERVICE_STATE_STOPPING, MODE_SERVICE_STATE_SHUTDOWN, MODE_SERVICE_STATE_CRASHED,
  };
  GEnumClass *klass = g_type_class_ref (MODE_TYPE_SERVICE_STATE);

  g_assert_true (G_TYPE_IS_ENUM (MODE_TYPE_SERVICE_STATE));
  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (nicks));
  for (guint i = 0; i < G_N_ELEMENTS (nicks); i++)
    g_assert_cmpstr (g_enum_get_value (klass, values[i])->value_nick, ==, nicks[i]);
  g_type_class_unref (klass);
}

/* A crash shows in notify::state; a stop of the crashed service keeps it. */
static void
test_crash_states (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(ModeService) service = g_object_new (MODE_TYPE_SERVICE, "label", "S", NULL);
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "bad");

  g_signal_connect (service, "notify::state", G_CALLBACK (record_state), NULL);
  g_signal_connect (service, "crashed", G_CALLBACK (on_crashed), NULL);
  g_signal_connect (service, "stopped", G_CALLBACK (record_signal), (gpointer) "stopped");
  g_assert_true (test_op_start (service, NULL));
  mode_service_crash (service, reason);
  test_op_stop (service, NULL);
  assert_trace ("state.starting state.running state.crashed S.bad S.stopped");
  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_CRASHED);
}

/* Restart of a service never started: restart-count + 1, on_restart, start. */
static void
test_restart_init (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  g_autofree char *trace = NULL;
  const char *restart, *start;

  g_assert_true (test_op_restart (a, NULL));
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (a)), ==, 1);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_RUNNING);
  trace = test_trace_peek ();
  restart = strstr (trace, "A.on_restart");
  start = strstr (trace, "A.on_start");
  g_assert_nonnull (restart);
  g_assert_nonnull (start);
  g_assert_true (restart < start);
  g_assert_false (trace_has ("on_stop"));
  g_assert_false (trace_has ("on_shutdown"));
  /* it is the very first start: the first-start hooks run */
  assert_trace ("A.on_restart A.on_init_dependencies A.on_first_start A.on_start A.on_started");
  g_assert_true (test_op_stop (a, NULL));
}

static void
test_coalesced_restart (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  GAsyncResult *r1 = NULL, *r2 = NULL;

  g_assert_true (test_op_start (a, NULL));
  test_trace_clear ();
  a->async_hook = g_strdup ("on_stop");
  mode_service_restart_async (MODE_SERVICE (a), NULL, test_store_result, &r1);
  mode_service_restart_async (MODE_SERVICE (a), NULL, test_store_result, &r2);
  test_drain ();
  g_assert_null (r1);
  g_assert_null (r2);
  complete_pending (a, NULL);
  test_wait_result (r1);
  test_wait_result (r2);
  g_assert_true (mode_service_restart_finish (MODE_SERVICE (a), r1, NULL));
  g_assert_true (mode_service_restart_finish (MODE_SERVICE (a), r2, NULL));
  g_clear_object (&r1);
  g_clear_object (&r2);
  assert_trace ("A.on_stop(async) A.on_shutdown A.on_restart A.on_start A.on_started");
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (a)), ==, 1);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_true (test_op_stop (a, NULL));
}

static void
test_coalesced_stop (TestFixture   *f,
                     gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  GAsyncResult *r1 = NULL, *r2 = NULL;

  g_assert_true (test_op_start (a, NULL));
  test_trace_clear ();
  a->async_hook = g_strdup ("on_stop");
  mode_service_stop_async (MODE_SERVICE (a), NULL, test_store_result, &r1);
  mode_service_stop_async (MODE_SERVICE (a), NULL, test_store_result, &r2);
  test_drain ();
  g_assert_null (r1);
  g_assert_null (r2);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_STOPPING);
  complete_pending (a, NULL);
  test_wait_result (r1);
  test_wait_result (r2);
  g_assert_true (mode_service_stop_finish (MODE_SERVICE (a), r1, NULL));
  g_assert_true (mode_service_stop_finish (MODE_SERVICE (a), r2, NULL));
  g_clear_object (&r1);
  g_clear_object (&r2);
  assert_trace ("A.on_stop(async) A.on_shutdown");
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

/* A crash while the start is in flight fails the start with the reason,
 * and no dependency starts. */
static void
test_crash_while_starting (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  g_autoptr(TestRecorder) b = recorder_new ("B");
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "kaput");
  g_autoptr(GError) error = NULL;
  GAsyncResult *r = NULL;

  a->async_hook = g_strdup ("on_start");
  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (b));
  mode_service_start_async (MODE_SERVICE (a), NULL, test_store_result, &r);
  test_drain ();
  g_assert_nonnull (a->pending);

  mode_service_crash (MODE_SERVICE (a), reason);
  complete_pending (a, NULL);
  test_wait_result (r);
  g_assert_false (mode_service_start_finish (MODE_SERVICE (a), r, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_object (&r);
  g_assert_false (trace_has ("B.on_start"));
  g_assert_false (trace_has ("A.on_started"));
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_CRASHED);
  test_op_stop (a, NULL);
}

/* maybe_start while a start is in flight joins it: FALSE (it did not
 * start it) once the start succeeded. */
static void
test_maybe_start_in_flight (TestFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  g_autoptr(GError) error = NULL;
  GAsyncResult *r1 = NULL, *r2 = NULL;

  a->async_hook = g_strdup ("on_start");
  mode_service_start_async (MODE_SERVICE (a), NULL, test_store_result, &r1);
  test_drain ();
  mode_service_maybe_start_async (MODE_SERVICE (a), NULL, test_store_result, &r2);
  test_drain ();
  g_assert_null (r2);
  g_assert_null (r1);

  complete_pending (a, NULL);
  test_wait_result (r1);
  test_wait_result (r2);
  g_assert_true (mode_service_start_finish (MODE_SERVICE (a), r1, NULL));
  g_clear_object (&r1);
  g_assert_false (mode_service_maybe_start_finish (MODE_SERVICE (a), r2, &error));
  g_assert_no_error (error);
  g_clear_object (&r2);
  g_assert_true (test_op_stop (a, NULL));
}

/* A runtime dependency whose start fails: finish gives NULL and its error. */
static void
test_runtime_dependency_fails (TestFixture   *f,
                               gconstpointer  data)
{
  g_autoptr(ModeService) parent = g_object_new (MODE_TYPE_SERVICE, "label", "Parent", NULL);
  g_autoptr(TestRecorder) kid = recorder_new ("Kid");
  g_autoptr(GError) error = NULL;
  GAsyncResult *r = NULL;

  g_assert_true (test_op_start (parent, NULL));
  kid->fail_hook = g_strdup ("on_start");
  mode_service_add_runtime_dependency_async (parent, MODE_SERVICE (kid), NULL, test_store_result, &r);
  test_wait_result (r);
  g_assert_null (mode_service_add_runtime_dependency_finish (parent, r, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_object (&r);
  /* it fails its caller, and nothing else: stopped and detached, and
   * the parent runs on (as in Mode) */
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (kid)));
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (kid)), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_false (mode_service_get_crashed (parent));
  g_assert_cmpint (mode_service_get_state (parent), ==, MODE_SERVICE_STATE_RUNNING);
  test_op_stop (parent, NULL);
}

/* With the real clock: a small shutdown-timeout ends the wait. */
static void
test_shutdown_timeout (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(ModeService) service = g_object_new (MODE_TYPE_SERVICE,
                                                 "wait-for-shutdown", TRUE,
                                                 "shutdown-timeout", 0.05, NULL);
  gint64 begin, elapsed;

  g_assert_true (test_op_start (service, NULL));
  begin = g_get_monotonic_time ();
  g_assert_true (test_op_stop (service, NULL));
  elapsed = g_get_monotonic_time () - begin;
  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_SHUTDOWN);
  /* it waited, and not for long: generous bounds */
  g_assert_cmpint (elapsed, >=, 20 * 1000);
  g_assert_cmpint (elapsed, <, 30 * G_USEC_PER_SEC);
}

static void
test_freed (TestFixture   *f,
            gconstpointer  data)
{
  ModeService *parent = mode_service_new ();
  ModeService *child = mode_service_new ();
  ModeService *weak_parent = parent, *weak_child = child;
  ModeNode *weak_beacon = mode_service_get_beacon (child);

  g_object_add_weak_pointer (G_OBJECT (parent), (gpointer *) &weak_parent);
  g_object_add_weak_pointer (G_OBJECT (child), (gpointer *) &weak_child);
  g_object_add_weak_pointer (G_OBJECT (weak_beacon), (gpointer *) &weak_beacon);
  mode_service_add_dependency (parent, child);
  g_object_unref (child);
  g_assert_true (test_op_start (parent, NULL));
  g_assert_true (test_op_stop (parent, NULL));
  test_drain ();
  g_object_unref (parent);
  g_assert_null (weak_parent);
  g_assert_null (weak_child);
  g_assert_null (weak_beacon);
}

static void
test_programmer_errors (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(ModeService) service = mode_service_new ();

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*MODE_IS_SERVICE*");
  mode_service_start_async (NULL, NULL, NULL, NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*reason != NULL*");
  mode_service_crash (service, NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*MODE_IS_SERVICE*");
  g_assert_null (mode_service_add_dependency (service, NULL));
  g_test_assert_expected_messages ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  test_log_init ();

#define ADD(path, func) \
  g_test_add ("/service/" path, TestFixture, NULL, test_fixture_setup, func, test_fixture_teardown)
#define ADD_DATA(path, data, func) \
  g_test_add ("/service/" path, TestFixture, data, test_fixture_setup, func, test_fixture_teardown)

  g_test_add_func ("/service/state-nicks", test_state_nicks);
  ADD ("start-stop", test_start_stop);
  ADD ("properties", test_properties);
  ADD ("states-and-signals", test_states_and_signals);
  ADD ("tree-order", test_tree_order);
  ADD ("init-dependencies", test_init_dependencies);
  ADD ("restart", test_restart);
  ADD ("restart-init", test_restart_init);
  ADD ("coalesced-restart", test_coalesced_restart);
  ADD ("coalesced-stop", test_coalesced_stop);
  ADD ("crash-while-starting", test_crash_while_starting);
  ADD ("maybe-start-in-flight", test_maybe_start_in_flight);
  ADD ("runtime-dependency-fails", test_runtime_dependency_fails);
  ADD ("shutdown-timeout", test_shutdown_timeout);
  ADD ("crash/states", test_crash_states);
  ADD ("maybe-start", test_maybe_start);
  ADD ("already-started", test_already_started);
  ADD ("stop-before-start", test_stop_before_start);
  ADD ("coalesced-start", test_coalesced_start);
  ADD ("stop-while-starting", test_stop_while_starting);
  ADD ("hook-error", test_hook_error);
  ADD ("hook-false", test_hook_false);
  ADD ("stop-failure-goes-on", test_stop_failure_goes_on);
  ADD ("wait-for-shutdown", test_wait_for_shutdown);
  ADD ("wait-until-stopped", test_wait_until_stopped);
  ADD ("complex/start-stop-restart", test_complex_start_stop_restart);
  ADD ("complex/remove-dependency", test_complex_remove_dependency);
  ADD_DATA ("crash/leaf", "leaf", test_crash_poison_pill);
  ADD_DATA ("crash/middle", "middle", test_crash_poison_pill);
  ADD_DATA ("crash/head", "head", test_crash_poison_pill);
  ADD ("crash/supervised", test_crash_supervised);
  ADD ("cycles", test_cycles);
  ADD ("runtime-dependency", test_runtime_dependency);
  ADD ("remove-dependency", test_remove_dependency);
  ADD ("other-thread", test_other_thread);
  ADD ("log-lines", test_routine_lines);
  ADD ("log-levels", test_log_levels);
  ADD ("log-decided-per-batch", test_log_decided_per_batch);
  ADD ("log-long-line", test_log_long_line);
  ADD ("freed", test_freed);
  ADD ("programmer-errors", test_programmer_errors);

  return g_test_run ();
}
