/* test-service.c: the lifecycle of ModeService
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include <string.h>

#include <mode-glib/mode-glib.h>

/* A service that records its hooks {{{ */

static GString *events;   /* "A.on_start B.on_start ..." */

static void
record (const char *label,
        const char *what)
{
  if (events->len > 0)
    g_string_append_c (events, ' ');
  g_string_append_printf (events, "%s.%s", label, what);
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
SYNC_HOOK (on_stop)
SYNC_HOOK (on_shutdown)
SYNC_HOOK (on_restart)

static void
recorder_on_start_async (ModeService  *service,
                         GCancellable *cancellable,
                         GTask        *task)
{
  TestRecorder *self = TEST_RECORDER (service);
  GError *error = NULL;

  if (g_strcmp0 (self->async_hook, "on_start") == 0)
    {
      record (mode_service_get_label (service), "on_start(async)");
      g_set_object (&self->pending, task);
      return;
    }

  if (hook (service, "on_start", &error))
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, FALSE);
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
  service_class->on_stop = recorder_on_stop;
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

/* }}} */

/* Helpers {{{ */

typedef struct
{
  GMainContext *context;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->context = g_main_context_new ();
  g_main_context_push_thread_default (fixture->context);
  events = g_string_new (NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  while (g_main_context_iteration (fixture->context, FALSE))
    ;
  g_main_context_pop_thread_default (fixture->context);
  g_main_context_unref (fixture->context);
  g_string_free (events, TRUE);
  events = NULL;
}

typedef struct
{
  gboolean      done;
  gboolean      ret;
  GError       *error;
  GAsyncResult *result;
} Result;

static void
capture (GObject      *object,
         GAsyncResult *result,
         gpointer      data)
{
  Result *r = data;

  r->result = g_object_ref (result);
  r->done = TRUE;
}

static void
wait_for (Result *r)
{
  while (!r->done)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
}

typedef void     (*AsyncOp)  (ModeService *, GCancellable *, GAsyncReadyCallback, gpointer);
typedef gboolean (*FinishOp) (ModeService *, GAsyncResult *, GError **);

static gboolean
run (gpointer  service,
     AsyncOp   op,
     FinishOp  finish,
     GError  **error)
{
  Result r = { 0 };
  gboolean ret;

  op (service, NULL, capture, &r);
  wait_for (&r);
  ret = finish (service, r.result, error);
  g_object_unref (r.result);
  return ret;
}

#define START(s, e)   run ((s), mode_service_start_async, mode_service_start_finish, (e))
#define STOP(s, e)    run ((s), mode_service_stop_async, mode_service_stop_finish, (e))
#define RESTART(s, e) run ((s), mode_service_restart_async, mode_service_restart_finish, (e))
#define MAYBE(s, e)   run ((s), mode_service_maybe_start_async, mode_service_maybe_start_finish, (e))

static GLogWriterOutput
quiet_writer (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (level, fields, n_fields, user_data);
  if (g_test_verbose ())
    return g_log_writer_standard_streams (level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

/* }}} */

static void
test_start_stop (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ModeService) service = mode_service_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_INIT);
  g_assert_false (mode_service_get_started (service));
  g_assert_cmpstr (mode_service_get_label (service), ==, "ModeService");
  g_assert_cmpstr (mode_service_get_shortlabel (service), ==, "ModeService");
  g_assert_true (mode_service_get_main_context (service) == fixture->context);

  g_assert_true (START (service, &error));
  g_assert_no_error (error);
  g_assert_cmpint (mode_service_get_state (service), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_true (mode_service_get_started (service));
  g_assert_false (mode_service_get_should_stop (service));

  g_assert_true (STOP (service, &error));
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

static void
test_states_and_signals (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(ModeService) service = mode_service_new ();

  mode_service_set_label (service, "S");
  g_signal_connect (service, "notify::state", G_CALLBACK (record_state), NULL);
  g_signal_connect (service, "started", G_CALLBACK (record_signal), (gpointer) "started");
  g_signal_connect (service, "stopped", G_CALLBACK (record_signal), (gpointer) "stopped");

  g_assert_true (START (service, NULL));
  g_assert_true (STOP (service, NULL));
  g_assert_cmpstr (events->str, ==,
                   "state.starting state.running S.started state.stopping state.shutdown S.stopped");
}

/* Mode's Complex scenario: A depends on B and C; B on D. */
static void
test_tree_order (Fixture       *fixture,
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

  g_assert_true (START (a, NULL));
  g_assert_cmpstr (events->str, ==,
                   "A.on_init_dependencies A.on_first_start A.on_start "
                   "B.on_init_dependencies B.on_first_start B.on_start "
                   "D.on_init_dependencies D.on_first_start D.on_start D.on_started "
                   "B.on_started "
                   "C.on_init_dependencies C.on_first_start C.on_start C.on_started "
                   "A.on_started");
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (d)), ==, MODE_SERVICE_STATE_RUNNING);

  g_string_truncate (events, 0);
  g_assert_true (STOP (a, NULL));
  g_assert_cmpstr (events->str, ==,
                   "A.on_stop C.on_stop C.on_shutdown B.on_stop D.on_stop D.on_shutdown "
                   "B.on_shutdown A.on_shutdown");
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (d)), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

static void
test_init_dependencies (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  TestRecorder *b = recorder_new ("B");
  g_autoptr(GPtrArray) deps = NULL;

  a->init_deps = g_list_append (NULL, b);  /* transfer full */
  g_assert_true (START (a, NULL));
  deps = mode_service_get_dependencies (MODE_SERVICE (a));
  g_assert_cmpuint (deps->len, ==, 1);
  g_assert_true (g_ptr_array_index (deps, 0) == (gpointer) b);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (b)), ==, MODE_SERVICE_STATE_RUNNING);

  /* a restart runs neither on_init_dependencies nor on_first_start again */
  g_string_truncate (events, 0);
  g_assert_true (RESTART (a, NULL));
  g_assert_null (strstr (events->str, "on_init_dependencies"));
  g_assert_null (strstr (events->str, "on_first_start"));
  g_assert_nonnull (strstr (events->str, "A.on_restart A.on_start B.on_start"));
}

static void
test_restart (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  g_autoptr(TestRecorder) b = recorder_new ("B");

  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (b));
  g_assert_true (START (a, NULL));
  g_string_truncate (events, 0);

  g_assert_true (RESTART (a, NULL));
  g_assert_cmpstr (events->str, ==,
                   "A.on_stop B.on_stop B.on_shutdown A.on_shutdown A.on_restart "
                   "A.on_start B.on_start B.on_started A.on_started");
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (a)), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (b)), ==, 1);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (b)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_true (STOP (a, NULL));

  /* a stopped service restarts too, and a crashed one */
  g_assert_true (RESTART (a, NULL));
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (a)), ==, 2);
  {
    g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
    mode_service_crash (MODE_SERVICE (b), reason);
  }
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_CRASHED);
  g_assert_true (RESTART (a, NULL));
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (b)));
  g_assert_null (mode_service_get_crash_reason (MODE_SERVICE (b)));
  g_assert_true (STOP (a, NULL));
}

static void
test_maybe_start (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(ModeService) service = mode_service_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (MAYBE (service, &error));
  g_assert_no_error (error);
  g_assert_false (MAYBE (service, &error));
  g_assert_no_error (error);
  g_assert_true (STOP (service, NULL));
  g_assert_false (MAYBE (service, &error));
  g_assert_no_error (error);
}

static void
test_already_started (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(ModeService) service = mode_service_new ();
  g_autoptr(GError) error = NULL;

  mode_service_set_label (service, "Twice");
  g_assert_true (START (service, NULL));
  g_assert_false (START (service, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED);
  g_assert_nonnull (strstr (error->message, "Twice"));
  g_clear_error (&error);

  g_assert_true (STOP (service, NULL));
  g_assert_false (START (service, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED);
}

static void
test_stop_before_start (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");

  g_assert_true (STOP (a, NULL));
  g_assert_cmpstr (events->str, ==, "");
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_INIT);
  g_assert_true (START (a, NULL));
  g_assert_true (STOP (a, NULL));
  /* a second stop does nothing */
  g_string_truncate (events, 0);
  g_assert_true (STOP (a, NULL));
  g_assert_cmpstr (events->str, ==, "");
}

static void
test_coalesced_start (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  Result r1 = { 0 }, r2 = { 0 };

  a->async_hook = g_strdup ("on_start");
  mode_service_start_async (MODE_SERVICE (a), NULL, capture, &r1);
  mode_service_start_async (MODE_SERVICE (a), NULL, capture, &r2);
  while (g_main_context_iteration (fixture->context, FALSE))
    ;
  g_assert_nonnull (a->pending);
  g_assert_false (r1.done);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_STARTING);

  {
    /* the task holds a reference on the service: drop ours */
    GTask *task = g_steal_pointer (&a->pending);
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
  }
  wait_for (&r1);
  wait_for (&r2);
  g_assert_true (mode_service_start_finish (MODE_SERVICE (a), r1.result, NULL));
  g_assert_true (mode_service_start_finish (MODE_SERVICE (a), r2.result, NULL));
  g_assert_cmpstr (events->str, ==,
                   "A.on_init_dependencies A.on_first_start A.on_start(async) A.on_started");
  g_object_unref (r1.result);
  g_object_unref (r2.result);
  g_assert_true (STOP (a, NULL));
}

static void
test_stop_while_starting (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  g_autoptr(TestRecorder) b = recorder_new ("B");
  g_autoptr(GError) error = NULL;
  Result r = { 0 };

  a->async_hook = g_strdup ("on_start");
  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (b));
  mode_service_start_async (MODE_SERVICE (a), NULL, capture, &r);
  while (g_main_context_iteration (fixture->context, FALSE))
    ;
  g_assert_nonnull (a->pending);

  g_assert_true (STOP (a, NULL));
  {
    /* the task holds a reference on the service: drop ours */
    GTask *task = g_steal_pointer (&a->pending);
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
  }
  wait_for (&r);
  g_assert_false (mode_service_start_finish (MODE_SERVICE (a), r.result, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_STOPPED);
  g_object_unref (r.result);

  /* B was never started */
  g_assert_null (strstr (events->str, "B.on_start"));
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (b)), ==, MODE_SERVICE_STATE_INIT);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (a)));
}

static void
test_hook_error (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  g_autoptr(TestRecorder) b = recorder_new ("B");
  g_autoptr(GError) error = NULL;
  const GError *reason;

  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (b));
  b->fail_hook = g_strdup ("on_start");
  g_assert_false (START (a, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "on_start failed on purpose");

  /* the failure crashed B, and, unsupervised, the whole tree */
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (b)), ==, MODE_SERVICE_STATE_CRASHED);
  g_assert_cmpint (mode_service_get_state (MODE_SERVICE (a)), ==, MODE_SERVICE_STATE_CRASHED);
  reason = mode_service_get_crash_reason (MODE_SERVICE (a));
  g_assert_error (reason, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_null (strstr (events->str, "on_started"));

  /* a crashed service still stops, every step */
  g_string_truncate (events, 0);
  STOP (a, NULL);
  g_assert_cmpstr (events->str, ==, "A.on_stop B.on_stop B.on_shutdown A.on_shutdown");
}

static void
test_hook_false (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("Falsy");
  g_autoptr(GError) error = NULL;

  a->false_hook = g_strdup ("on_started");
  g_assert_false (START (a, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "on_started"));
  g_assert_nonnull (strstr (error->message, "Falsy"));
  g_assert_true (mode_service_get_crashed (MODE_SERVICE (a)));
}

static void
test_stop_failure_goes_on (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(TestRecorder) a = recorder_new ("A");
  g_autoptr(TestRecorder) b = recorder_new ("B");
  g_autoptr(TestRecorder) c = recorder_new ("C");
  g_autoptr(GError) error = NULL;

  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (b));
  mode_service_add_dependency (MODE_SERVICE (a), MODE_SERVICE (c));
  g_assert_true (START (a, NULL));
  c->fail_hook = g_strdup ("on_stop");
  a->fail_hook = g_strdup ("on_shutdown");
  g_string_truncate (events, 0);

  /* C's failure is logged; A's own hook's error is what stop reports */
  g_assert_false (STOP (a, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (events->str, ==,
                   "A.on_stop C.on_stop C.on_shutdown B.on_stop B.on_shutdown A.on_shutdown");
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
test_wait_for_shutdown (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ModeClock) clock = mode_clock_new_manual ();
  g_autoptr(ModeService) a = g_object_new (MODE_TYPE_SERVICE, "clock", clock,
                                           "wait-for-shutdown", TRUE,
                                           "shutdown-timeout", 5.0, NULL);
  g_autoptr(ModeService) b = g_object_new (MODE_TYPE_SERVICE, "clock", clock,
                                           "wait-for-shutdown", TRUE,
                                           "shutdown-timeout", 5.0, NULL);
  Result r = { 0 };

  /* set_shutdown() ends the wait */
  g_signal_connect (a, "notify::state", G_CALLBACK (set_shutdown_later), NULL);
  g_assert_true (START (a, NULL));
  g_assert_true (STOP (a, NULL));
  g_assert_cmpint (mode_service_get_state (a), ==, MODE_SERVICE_STATE_SHUTDOWN);

  /* without it, the timeout ends it */
  g_assert_true (START (b, NULL));
  mode_service_stop_async (b, NULL, capture, &r);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (fixture->context, FALSE);
  g_assert_false (r.done);
  g_assert_cmpint (mode_service_get_state (b), ==, MODE_SERVICE_STATE_STOPPING);
  mode_clock_advance (clock, 5 * G_USEC_PER_SEC);
  wait_for (&r);
  g_assert_true (mode_service_stop_finish (b, r.result, NULL));
  g_object_unref (r.result);
  g_assert_cmpint (mode_service_get_state (b), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

static void
test_wait_until_stopped (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(ModeService) service = mode_service_new ();
  Result r = { 0 };

  g_assert_true (START (service, NULL));
  mode_service_wait_until_stopped_async (service, NULL, capture, &r);
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (fixture->context, FALSE);
  g_assert_false (r.done);

  g_assert_true (STOP (service, NULL));
  wait_for (&r);
  g_assert_true (mode_service_wait_until_stopped_finish (service, r.result, NULL));
  g_clear_object (&r.result);

  /* at once when it is already so */
  memset (&r, 0, sizeof r);
  mode_service_wait_until_stopped_async (service, NULL, capture, &r);
  wait_for (&r);
  g_assert_true (mode_service_wait_until_stopped_finish (service, r.result, NULL));
  g_object_unref (r.result);
}

static void
on_crashed (ModeService  *service,
            const GError *reason,
            gpointer      data)
{
  record (mode_service_get_label (service), reason->message);
}

/* Mode's Complex tree: crash a leaf, a middle or the head: all crash. */
static void
test_crash_poison_pill (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *which = data;
  g_autoptr(TestRecorder) head = recorder_new ("Head");
  g_autoptr(TestRecorder) middle = recorder_new ("Middle");
  g_autoptr(TestRecorder) leaf = recorder_new ("Leaf");
  g_autoptr(TestRecorder) other = recorder_new ("Other");
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "pipe");
  ModeService *all[] = { MODE_SERVICE (head), MODE_SERVICE (middle), MODE_SERVICE (leaf), MODE_SERVICE (other) };
  ModeService *target;
  Result r = { 0 };

  mode_service_add_dependency (MODE_SERVICE (head), MODE_SERVICE (middle));
  mode_service_add_dependency (MODE_SERVICE (middle), MODE_SERVICE (leaf));
  mode_service_add_dependency (MODE_SERVICE (head), MODE_SERVICE (other));
  g_assert_true (START (head, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    g_signal_connect (all[i], "crashed", G_CALLBACK (on_crashed), NULL);

  mode_service_wait_until_stopped_async (MODE_SERVICE (head), NULL, capture, &r);
  target = g_str_equal (which, "leaf") ? MODE_SERVICE (leaf) :
           g_str_equal (which, "middle") ? MODE_SERVICE (middle) : MODE_SERVICE (head);
  g_string_truncate (events, 0);
  mode_service_crash (target, reason);

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_assert_true (mode_service_get_crashed (all[i]));
      g_assert_true (mode_service_get_should_stop (all[i]));
      g_assert_cmpint (mode_service_get_state (all[i]), ==, MODE_SERVICE_STATE_CRASHED);
      g_assert_error (mode_service_get_crash_reason (all[i]), G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
    }
  g_assert_nonnull (strstr (events->str, "Other.pipe"));
  g_assert_nonnull (strstr (events->str, "Head.pipe"));
  wait_for (&r);
  g_object_unref (r.result);

  /* crashing again changes nothing */
  g_string_truncate (events, 0);
  mode_service_crash (target, reason);
  g_assert_cmpstr (events->str, ==, "");
  STOP (head, NULL);
}

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
test_crash_supervised (Fixture       *fixture,
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
  g_assert_true (START (sup, NULL));

  mode_service_crash (child, reason);
  g_assert_true (sup->last == child);
  g_assert_true (mode_service_get_crashed (child));
  g_assert_true (mode_service_get_crashed (grandchild));
  g_assert_false (mode_service_get_crashed (sibling));
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (sup)));
  g_assert_true (STOP (sup, NULL));
}

static void
test_cycles (Fixture       *fixture,
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
test_runtime_dependency (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(ModeService) parent = mode_service_new ();
  g_autoptr(ModeService) early = mode_service_new ();
  g_autoptr(ModeService) late = mode_service_new ();
  Result r = { 0 };

  /* before the parent started: added, not started */
  mode_service_add_runtime_dependency_async (parent, early, NULL, capture, &r);
  wait_for (&r);
  g_assert_true (mode_service_add_runtime_dependency_finish (parent, r.result, NULL) == early);
  g_clear_object (&r.result);
  g_assert_false (mode_service_get_started (early));

  g_assert_true (START (parent, NULL));
  g_assert_cmpint (mode_service_get_state (early), ==, MODE_SERVICE_STATE_RUNNING);

  memset (&r, 0, sizeof r);
  mode_service_add_runtime_dependency_async (parent, late, NULL, capture, &r);
  wait_for (&r);
  g_assert_true (mode_service_add_runtime_dependency_finish (parent, r.result, NULL) == late);
  g_clear_object (&r.result);
  g_assert_cmpint (mode_service_get_state (late), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_true (mode_node_get_parent (mode_service_get_beacon (late)) == mode_service_get_beacon (parent));

  g_assert_true (STOP (parent, NULL));
  g_assert_cmpint (mode_service_get_state (late), ==, MODE_SERVICE_STATE_SHUTDOWN);
}

static void
test_remove_dependency (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ModeService) parent = g_object_new (MODE_TYPE_SERVICE, "label", "Parent", NULL);
  g_autoptr(ModeService) child = g_object_new (MODE_TYPE_SERVICE, "label", "Child", NULL);
  g_autoptr(ModeService) stranger = g_object_new (MODE_TYPE_SERVICE, "label", "Stranger", NULL);
  g_autoptr(GPtrArray) deps = NULL;
  g_autoptr(GError) error = NULL;
  ModeService *weak = child;
  Result r = { 0 };

  mode_service_add_dependency (parent, child);
  g_assert_true (START (parent, NULL));

  mode_service_remove_dependency_async (parent, child, NULL, capture, &r);
  wait_for (&r);
  g_assert_true (mode_service_remove_dependency_finish (parent, r.result, NULL));
  g_clear_object (&r.result);
  g_assert_cmpint (mode_service_get_state (child), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_null (mode_node_get_parent (mode_service_get_beacon (child)));
  deps = mode_service_get_dependencies (parent);
  g_assert_cmpuint (deps->len, ==, 0);

  memset (&r, 0, sizeof r);
  mode_service_remove_dependency_async (parent, stranger, NULL, capture, &r);
  wait_for (&r);
  g_assert_false (mode_service_remove_dependency_finish (parent, r.result, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_NOT_A_DEPENDENCY);
  g_assert_nonnull (strstr (error->message, "Stranger"));
  g_assert_nonnull (strstr (error->message, "Parent"));
  g_clear_object (&r.result);

  /* the removed child is not kept alive by its old parent */
  g_object_add_weak_pointer (G_OBJECT (child), (gpointer *) &weak);
  g_clear_object (&child);
  g_assert_null (weak);
  g_assert_true (STOP (parent, NULL));
}

typedef struct
{
  GMainContext *context;
  ModeService  *service;
  Result        result;
} ThreadCall;

static gpointer
start_from_thread (gpointer data)
{
  ThreadCall *call = data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  mode_service_start_async (call->service, NULL, capture, &call->result);
  while (!call->result.done)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

static GThread *hook_thread;

static gboolean
thread_on_start (ModeService   *service,
                 GCancellable  *cancellable,
                 GError       **error)
{
  hook_thread = g_thread_self ();
  return TRUE;
}

static void
test_other_thread (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(ModeService) service = g_object_new (TEST_TYPE_RECORDER, "label", "T", NULL);
  ThreadCall call = { fixture->context, service, { 0 } };
  gboolean (*saved) (ModeService *, GCancellable *, GError **);
  GThread *thread;

  saved = MODE_SERVICE_GET_CLASS (service)->on_first_start;
  MODE_SERVICE_GET_CLASS (service)->on_first_start = thread_on_start;

  thread = g_thread_new ("caller", start_from_thread, &call);
  /* the start runs here, where the service lives */
  while (mode_service_get_state (service) != MODE_SERVICE_STATE_RUNNING)
    g_main_context_iteration (fixture->context, TRUE);
  g_thread_join (thread);
  MODE_SERVICE_GET_CLASS (service)->on_first_start = saved;

  g_assert_true (hook_thread == g_thread_self ());
  g_assert_true (mode_service_start_finish (service, call.result.result, NULL));
  g_object_unref (call.result.result);
  g_assert_true (STOP (service, NULL));
}

static GPtrArray *log_lines;

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *message = NULL, *label = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
      else if (g_str_equal (fields[i].key, "MODE_SERVICE"))
        label = fields[i].value;
    }
  if (log_lines != NULL && message != NULL)
    g_ptr_array_add (log_lines, g_strdup_printf ("%s|%s", label ? label : "", message));

  return quiet_writer (level, fields, n_fields, user_data);
}

static void
test_log_lines (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(ModeService) root = g_object_new (MODE_TYPE_SERVICE, "label", "Root", NULL);
  g_autoptr(ModeService) child = g_object_new (MODE_TYPE_SERVICE, "label", "Child", NULL);
  g_autoptr(ModeService) leaf = g_object_new (MODE_TYPE_SERVICE, "label", "LeafService",
                                              "shortlabel", "Leaf", NULL);
  gboolean child_line = FALSE, leaf_line = FALSE, root_line = FALSE;

  mode_service_add_dependency (root, child);
  mode_service_add_dependency (child, leaf);
  log_lines = g_ptr_array_new_with_free_func (g_free);

  /* routine lines are made only for a writer that shows them */
  g_assert_true (START (root, NULL));
  g_assert_true (STOP (root, NULL));
  g_assert_cmpuint (log_lines->len, ==, 0);
  g_assert_true (RESTART (root, NULL));
  g_log_set_debug_enabled (TRUE);
  g_assert_true (STOP (root, NULL));
  g_assert_true (RESTART (root, NULL));
  g_assert_true (STOP (root, NULL));
  g_log_set_debug_enabled (FALSE);

  for (guint i = 0; i < log_lines->len; i++)
    {
      const char *line = g_ptr_array_index (log_lines, i);

      root_line |= g_str_equal (line, "Root|[^Root]: Starting...");
      child_line |= g_str_equal (line, "Child|[^-Child]: Starting...");
      leaf_line |= g_str_equal (line, "LeafService|[^--Leaf]: Stopping...");
    }
  g_clear_pointer (&log_lines, g_ptr_array_unref);
  g_assert_true (root_line);
  g_assert_true (child_line);
  g_assert_true (leaf_line);
}

static void
test_freed (Fixture       *fixture,
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
  g_assert_true (START (parent, NULL));
  g_assert_true (STOP (parent, NULL));
  while (g_main_context_iteration (fixture->context, FALSE))
    ;
  g_object_unref (parent);
  g_assert_null (weak_parent);
  g_assert_null (weak_child);
  g_assert_null (weak_beacon);
}

static void
test_programmer_errors (Fixture       *fixture,
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
  g_log_set_writer_func (capture_writer, NULL, NULL);

#define ADD(path, func) \
  g_test_add ("/service/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_DATA(path, data, func) \
  g_test_add ("/service/" path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("start-stop", test_start_stop);
  ADD ("states-and-signals", test_states_and_signals);
  ADD ("tree-order", test_tree_order);
  ADD ("init-dependencies", test_init_dependencies);
  ADD ("restart", test_restart);
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
  ADD_DATA ("crash/leaf", "leaf", test_crash_poison_pill);
  ADD_DATA ("crash/middle", "middle", test_crash_poison_pill);
  ADD_DATA ("crash/head", "head", test_crash_poison_pill);
  ADD ("crash/supervised", test_crash_supervised);
  ADD ("cycles", test_cycles);
  ADD ("runtime-dependency", test_runtime_dependency);
  ADD ("remove-dependency", test_remove_dependency);
  ADD ("other-thread", test_other_thread);
  ADD ("log-lines", test_log_lines);
  ADD ("freed", test_freed);
  ADD ("programmer-errors", test_programmer_errors);

  return g_test_run ();
}
