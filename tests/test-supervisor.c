/* test-supervisor.c: ModeSupervisor (strategies, restart types, restart
 * limits, replacements) and ModeBucket
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include <string.h>

#include "test-util.h"

/* How many main loop iterations a test spins at most for something that
 * the supervisor does "in the next iteration": a bound, not a delay. */
#define MAX_SPINS 10

/* Main context helpers {{{ */

/* A bounded number of iterations: what the supervisor does in the next
 * iteration is done by then. */
static void
spin (void)
{
  for (guint i = 0; i < MAX_SPINS; i++)
    test_iterate (FALSE);
}

static void
crash (gpointer    service,
       const char *reason)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, reason);

  mode_service_crash (service, error);
}

/* "Label=state" for each service, for messages that say what went wrong. */
static char *
states_of (ModeService **services,
           guint         n_services)
{
  GEnumClass *states = g_type_class_ref (MODE_TYPE_SERVICE_STATE);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n_services; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append_printf (out, "%s=%s", mode_service_get_label (services[i]),
                              g_enum_get_value (states, mode_service_get_state (services[i]))->value_nick);
    }
  g_type_class_unref (states);

  return g_string_free (out, FALSE);
}

#define assert_states(services, n, expected)                   \
  G_STMT_START {                                               \
    g_autofree char *states_str_ = states_of ((services), (n)); \
    g_assert_cmpstr (states_str_, ==, (expected));             \
  } G_STMT_END

/* }}} */

/* Test services {{{ */

/* TestService records "LABEL:start", "LABEL:shutdown" and "LABEL:restart";
 * it may crash another service from its on_restart hook. */
#define TEST_TYPE_SERVICE (test_service_get_type ())
G_DECLARE_FINAL_TYPE (TestService, test_service, TEST, SERVICE, ModeService)

struct _TestService
{
  ModeService  parent_instance;
  ModeService *crash_on_restart;   /* (unowned) (nullable) */
  gboolean     crashed_other;
  gboolean     fail_restarted_start;   /* fail on_start after a restart */
};

G_DEFINE_FINAL_TYPE (TestService, test_service, MODE_TYPE_SERVICE)

static gboolean
test_service_on_start (ModeService   *service,
                       GCancellable  *cancellable,
                       GError       **error)
{
  test_trace_add ("%s:start", mode_service_get_label (service));
  if (TEST_SERVICE (service)->fail_restarted_start && mode_service_get_restart_count (service) > 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "%s cannot start again",
                   mode_service_get_label (service));
      return FALSE;
    }
  return TRUE;
}

static gboolean
test_service_on_shutdown (ModeService   *service,
                          GCancellable  *cancellable,
                          GError       **error)
{
  test_trace_add ("%s:shutdown", mode_service_get_label (service));
  return TRUE;
}

static gboolean
test_service_on_restart (ModeService   *service,
                         GCancellable  *cancellable,
                         GError       **error)
{
  TestService *self = TEST_SERVICE (service);

  test_trace_add ("%s:restart", mode_service_get_label (service));
  if (self->crash_on_restart != NULL)
    {
      crash (g_steal_pointer (&self->crash_on_restart), "during the sweep");
      self->crashed_other = TRUE;
    }
  return TRUE;
}

static void
test_service_class_init (TestServiceClass *klass)
{
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  service_class->on_start = test_service_on_start;
  service_class->on_shutdown = test_service_on_shutdown;
  service_class->on_restart = test_service_on_restart;
}

static void
test_service_init (TestService *self)
{
}

static ModeService *
service_new (ModeClock  *clock,
             const char *label)
{
  return g_object_new (TEST_TYPE_SERVICE, "clock", clock, "label", label, NULL);
}

/* TestAsyncService completes its on_start_async from an idle: a start
 * that takes a main loop iteration or more. */
#define TEST_TYPE_ASYNC_SERVICE (test_async_service_get_type ())
G_DECLARE_FINAL_TYPE (TestAsyncService, test_async_service, TEST, ASYNC_SERVICE, ModeService)

struct _TestAsyncService
{
  ModeService  parent_instance;
  GTask       *start_task;   /* (owned) (nullable): in flight */
};

G_DEFINE_FINAL_TYPE (TestAsyncService, test_async_service, MODE_TYPE_SERVICE)

static gboolean
complete_start (gpointer data)
{
  TestAsyncService *self = data;
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  g_task_return_boolean (task, TRUE);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
test_async_service_on_start_async (ModeService  *service,
                                   GCancellable *cancellable,
                                   GTask        *task)
{
  TestAsyncService *self = TEST_ASYNC_SERVICE (service);
  GSource *idle = g_idle_source_new ();

  test_trace_add ("%s:start-async", mode_service_get_label (service));
  g_assert_null (self->start_task);
  self->start_task = g_object_ref (task);
  /* on the test's context (g_idle_add() would use the global one) */
  g_source_set_callback (idle, complete_start, g_object_ref (self), NULL);
  g_source_attach (idle, g_main_context_get_thread_default ());
  g_source_unref (idle);
}

static gboolean
test_async_service_on_restart (ModeService   *service,
                               GCancellable  *cancellable,
                               GError       **error)
{
  test_trace_add ("%s:restart", mode_service_get_label (service));
  return TRUE;
}

static void
test_async_service_class_init (TestAsyncServiceClass *klass)
{
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  service_class->on_start_async = test_async_service_on_start_async;
  service_class->on_shutdown = test_service_on_shutdown;
  service_class->on_restart = test_async_service_on_restart;
}

static void
test_async_service_init (TestAsyncService *self)
{
}

static ModeSupervisor *
supervisor_new (ModeClock              *clock,
                ModeSupervisorStrategy  strategy)
{
  return g_object_new (MODE_TYPE_SUPERVISOR,
                       "clock", clock,
                       "label", "Sup",
                       "strategy", strategy,
                       NULL);
}

/* TestReplacing: a supervisor whose create_replacement makes a new
 * TestService "LABEL'" when @replace is set, and discards @discard
 * first when set. */
#define TEST_TYPE_REPLACING (test_replacing_get_type ())
G_DECLARE_FINAL_TYPE (TestReplacing, test_replacing, TEST, REPLACING, ModeSupervisor)

struct _TestReplacing
{
  ModeSupervisor  parent_instance;
  gboolean        replace;
  guint           n_calls;
  guint           last_index;
  ModeService    *last_old;       /* (unowned) (nullable) */
  ModeService    *last_new;       /* (unowned) (nullable) */
  ModeService    *discard;        /* (unowned) (nullable): discarded at the next call */
};

G_DEFINE_FINAL_TYPE (TestReplacing, test_replacing, MODE_TYPE_SUPERVISOR)

static ModeService *
test_replacing_create_replacement (ModeSupervisor *supervisor,
                                   ModeService    *old,
                                   guint           index)
{
  TestReplacing *self = TEST_REPLACING (supervisor);
  g_autofree char *label = NULL;

  self->n_calls++;
  self->last_index = index;
  self->last_old = old;
  self->last_new = NULL;
  if (self->discard != NULL)
    mode_supervisor_discard (supervisor, g_steal_pointer (&self->discard));
  if (!self->replace)
    return NULL;

  label = g_strdup_printf ("%s'", mode_service_get_label (old));
  self->last_new = service_new (mode_service_get_clock (MODE_SERVICE (self)), label);
  return self->last_new;
}

static void
test_replacing_class_init (TestReplacingClass *klass)
{
  MODE_SUPERVISOR_CLASS (klass)->create_replacement = test_replacing_create_replacement;
}

static void
test_replacing_init (TestReplacing *self)
{
}

/* }}} */

/* Mode's tree: App -> Sup -> [X -> Y, Z] {{{ */

typedef struct
{
  ModeService    *app;
  ModeSupervisor *sup;
  ModeService    *x;
  ModeService    *y;
  ModeService    *z;
  ModeService    *all[5];
} Tree;

static void
tree_init_with (Tree           *t,
                TestFixture        *f,
                ModeSupervisor *sup)
{
  t->app = service_new (f->clock, "App");
  t->sup = sup;
  t->x = service_new (f->clock, "X");
  t->y = service_new (f->clock, "Y");
  t->z = service_new (f->clock, "Z");
  t->all[0] = t->app;
  t->all[1] = MODE_SERVICE (t->sup);
  t->all[2] = t->x;
  t->all[3] = t->y;
  t->all[4] = t->z;

  mode_service_add_dependency (t->x, t->y);
  mode_supervisor_add (t->sup, t->x);
  mode_supervisor_add (t->sup, t->z);
  mode_service_add_dependency (t->app, MODE_SERVICE (t->sup));
}

static void
tree_init (Tree                   *t,
           TestFixture                *f,
           ModeSupervisorStrategy  strategy)
{
  tree_init_with (t, f, supervisor_new (f->clock, strategy));
}

/* Starts the tree and empties the trace. */
static void
tree_start (Tree *t)
{
  test_start_ok (t->app);
  assert_states (t->all, 5, "App=running Sup=running X=running Y=running Z=running");
  g_free (test_trace_take ());
}

static void
tree_clear (Tree *t)
{
  test_stop_ok (t->app);
  g_clear_object (&t->app);
  g_clear_object (&t->sup);
  g_clear_object (&t->x);
  g_clear_object (&t->y);
  g_clear_object (&t->z);
}

#define assert_tree(t, expected) assert_states ((t)->all, 5, (expected))

/* }}} */

/* Strategies {{{ */

static void
test_one_for_one (TestFixture       *f,
                  gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ONE);
  g_assert_cmpint (mode_supervisor_get_strategy (t.sup), ==, MODE_SUPERVISOR_ONE_FOR_ONE);
  tree_start (&t);

  crash (t.x, "x failed");
  /* only X and its dependency are marked: the crash did not spread */
  assert_tree (&t, "App=running Sup=running X=crashed Y=crashed Z=running");
  g_assert_error (mode_service_get_crash_reason (t.y), G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (t.sup)));
  g_assert_false (mode_service_get_crashed (t.app));
  assert_trace ("");

  /* handled in the next iteration, without a timer */
  test_iterate (FALSE);
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=running");
  assert_trace ("Y:shutdown X:shutdown X:restart X:start Y:start");
  g_assert_null (mode_service_get_crash_reason (t.x));
  g_assert_cmpuint (mode_service_get_restart_count (t.x), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (t.y), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (t.z), ==, 0);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 1);

  /* nothing more happens */
  spin ();
  assert_trace ("");

  /* the other one */
  crash (t.z, "z failed");
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=crashed");
  test_iterate (FALSE);
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=running");
  assert_trace ("Z:shutdown Z:restart Z:start");
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 2);

  tree_clear (&t);
}

static void
test_one_for_all (TestFixture       *f,
                  gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ALL);
  tree_start (&t);

  crash (t.z, "z failed");
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=crashed");
  test_iterate (FALSE);
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=running");
  /* every service stopped, last first, then all started in order */
  assert_trace ("Z:shutdown Y:shutdown X:shutdown X:restart X:start Y:start Z:restart Z:start");
  for (guint i = 2; i < 5; i++)
    g_assert_cmpuint (mode_service_get_restart_count (t.all[i]), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (t.sup)), ==, 0);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 1);

  spin ();
  assert_trace ("");
  tree_clear (&t);
}

static void
test_forfeit_one_for_one (TestFixture       *f,
                          gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_FORFEIT_ONE_FOR_ONE);
  tree_start (&t);

  crash (t.x, "x failed");
  test_iterate (FALSE);
  /* stopped, not restarted: the crash flag stays */
  assert_trace ("Y:shutdown X:shutdown");
  assert_tree (&t, "App=running Sup=running X=crashed Y=crashed Z=running");
  g_assert_cmpuint (mode_service_get_restart_count (t.x), ==, 0);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 0);

  spin ();
  assert_trace ("");
  assert_tree (&t, "App=running Sup=running X=crashed Y=crashed Z=running");

  tree_clear (&t);
  assert_trace ("Z:shutdown App:shutdown");
}

static void
test_forfeit_one_for_all (TestFixture       *f,
                          gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_FORFEIT_ONE_FOR_ALL);
  tree_start (&t);

  crash (t.x, "x failed");
  test_iterate (FALSE);
  /* every service stopped, last first; none restarted */
  assert_trace ("Z:shutdown Y:shutdown X:shutdown");
  assert_tree (&t, "App=running Sup=running X=crashed Y=crashed Z=shutdown");
  for (guint i = 2; i < 5; i++)
    g_assert_cmpuint (mode_service_get_restart_count (t.all[i]), ==, 0);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 0);

  spin ();
  assert_trace ("");
  tree_clear (&t);
}

static void
test_crashing (TestFixture       *f,
               gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_CRASHING);
  /* supervised by nobody: a crash spreads */
  g_assert_null (mode_service_get_supervisor (t.x));
  g_assert_null (mode_service_get_supervisor (t.z));
  tree_start (&t);

  crash (t.x, "x failed");
  assert_tree (&t, "App=crashed Sup=crashed X=crashed Y=crashed Z=crashed");
  for (guint i = 0; i < 5; i++)
    {
      const GError *reason = mode_service_get_crash_reason (t.all[i]);

      g_assert_error (reason, G_IO_ERROR, G_IO_ERROR_FAILED);
      g_assert_cmpstr (reason->message, ==, "x failed");
    }

  spin ();
  assert_trace ("");
  g_assert_cmpuint (mode_service_get_restart_count (t.x), ==, 0);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 0);
  assert_tree (&t, "App=crashed Sup=crashed X=crashed Y=crashed Z=crashed");

  tree_clear (&t);
}

static void
test_rest_for_one (TestFixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ModeSupervisor) sup = supervisor_new (f->clock, MODE_SUPERVISOR_REST_FOR_ONE);
  g_autoptr(ModeService) a = service_new (f->clock, "A");
  g_autoptr(ModeService) b = service_new (f->clock, "B");
  g_autoptr(ModeService) c = service_new (f->clock, "C");
  ModeService *all[] = { MODE_SERVICE (sup), a, b, c };

  mode_supervisor_add (sup, a);
  mode_supervisor_add (sup, b);
  mode_supervisor_add (sup, c);
  test_start_ok (sup);
  g_free (test_trace_take ());

  crash (b, "b failed");
  assert_states (all, 4, "Sup=running A=running B=crashed C=running");
  test_iterate (FALSE);
  assert_states (all, 4, "Sup=running A=running B=running C=running");
  /* B and the ones added after it, not the ones before */
  assert_trace ("C:shutdown B:shutdown B:restart B:start C:restart C:start");
  g_assert_cmpuint (mode_service_get_restart_count (a), ==, 0);
  g_assert_cmpuint (mode_service_get_restart_count (b), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (c), ==, 1);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 1);

  /* the last one: only itself */
  crash (c, "c failed");
  test_iterate (FALSE);
  assert_trace ("C:shutdown C:restart C:start");
  g_assert_cmpuint (mode_service_get_restart_count (a), ==, 0);
  g_assert_cmpuint (mode_service_get_restart_count (b), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (c), ==, 2);

  /* the first one: all */
  crash (a, "a failed");
  test_iterate (FALSE);
  assert_trace ("C:shutdown B:shutdown A:shutdown A:restart A:start B:restart B:start C:restart C:start");
  assert_states (all, 4, "Sup=running A=running B=running C=running");
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 3);

  test_stop_ok (sup);
}

/* }}} */

/* When crashes are handled {{{ */

static void
test_crashes_in_one_iteration (TestFixture       *f,
                               gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ALL);
  tree_start (&t);

  crash (t.x, "x failed");
  crash (t.z, "z failed");
  crash (t.x, "x failed again");
  assert_tree (&t, "App=running Sup=running X=crashed Y=crashed Z=crashed");

  /* one sweep: every service restarted once */
  test_iterate (FALSE);
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=running");
  assert_trace ("Z:shutdown Y:shutdown X:shutdown X:restart X:start Y:start Z:restart Z:start");
  for (guint i = 2; i < 5; i++)
    g_assert_cmpuint (mode_service_get_restart_count (t.all[i]), ==, 1);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 1);

  spin ();
  assert_trace ("");
  tree_clear (&t);
}

static void
test_crashes_in_one_iteration_one_for_one (TestFixture       *f,
                                           gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ONE);
  tree_start (&t);

  crash (t.z, "z failed");
  crash (t.x, "x failed");
  test_iterate (FALSE);
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=running");
  /* in the order of the services */
  assert_trace ("Y:shutdown X:shutdown X:restart X:start Y:start Z:shutdown Z:restart Z:start");
  g_assert_cmpuint (mode_service_get_restart_count (t.x), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (t.z), ==, 1);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 2);

  tree_clear (&t);
}

static void
test_crash_during_sweep (TestFixture       *f,
                         gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ONE);
  tree_start (&t);

  /* restarting X crashes Z */
  TEST_SERVICE (t.x)->crash_on_restart = t.z;
  crash (t.x, "x failed");
  test_iterate (FALSE);
  g_assert_true (TEST_SERVICE (t.x)->crashed_other);
  g_assert_cmpint (mode_service_get_state (t.x), ==, MODE_SERVICE_STATE_RUNNING);

  /* Z's crash is not lost: handled right after the sweep */
  if (mode_service_get_crashed (t.z))
    test_iterate (FALSE);
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=running");
  g_assert_cmpuint (mode_service_get_restart_count (t.x), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (t.z), ==, 1);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 2);

  spin ();
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 2);
  tree_clear (&t);
}

/* }}} */

static void
test_stop_before_sweep (TestFixture       *f,
                        gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ONE);
  tree_start (&t);

  /* stopped before the supervisor woke up: nothing is restarted */
  crash (t.x, "x failed");
  mode_service_stop_async (t.app, NULL, NULL, NULL);
  spin ();
  assert_tree (&t, "App=shutdown Sup=shutdown X=crashed Y=crashed Z=shutdown");
  g_assert_cmpuint (mode_service_get_restart_count (t.x), ==, 0);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 0);
  g_free (test_trace_take ());

  tree_clear (&t);
  assert_trace ("");
}

static void
test_restart_fails (TestFixture       *f,
                    gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ONE);
  mode_supervisor_set_max_restarts (t.sup, 3);
  mode_supervisor_set_over (t.sup, 10.0);
  tree_start (&t);

  /* every restart of Z fails, which crashes it again: restarted until the
   * limit, then the supervisor gives up */
  TEST_SERVICE (t.z)->fail_restarted_start = TRUE;
  crash (t.z, "z failed");
  spin ();
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 3);
  g_assert_cmpuint (mode_service_get_restart_count (t.z), ==, 3);
  g_assert_true (mode_service_get_crashed (MODE_SERVICE (t.sup)));
  g_assert_error (mode_service_get_crash_reason (MODE_SERVICE (t.sup)),
                  MODE_ERROR, MODE_ERROR_MAX_RESTARTS_EXCEEDED);
  g_assert_true (mode_service_get_crashed (t.app));
  g_assert_true (test_log_contains ("*Z cannot start again*"));
  assert_trace ("Z:shutdown Z:restart Z:start Z:shutdown Z:restart Z:start "
                "Z:shutdown Z:restart Z:start");

  tree_clear (&t);
}

static void
test_async_restart (TestFixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ModeSupervisor) sup = supervisor_new (f->clock, MODE_SUPERVISOR_ONE_FOR_ALL);
  g_autoptr(ModeService) a = g_object_new (TEST_TYPE_ASYNC_SERVICE, "clock", f->clock, "label", "A", NULL);
  g_autoptr(ModeService) b = service_new (f->clock, "B");
  ModeService *all[] = { MODE_SERVICE (sup), a, b };

  mode_supervisor_add (sup, a);
  mode_supervisor_add (sup, b);
  test_start_ok (sup);
  assert_trace ("A:start-async B:start");

  /* B waits for A to have restarted */
  crash (b, "b failed");
  test_iterate (FALSE);
  assert_states (all, 3, "Sup=running A=starting B=crashed");
  assert_trace ("B:shutdown A:shutdown A:restart A:start-async");
  spin ();
  assert_states (all, 3, "Sup=running A=running B=running");
  assert_trace ("B:restart B:start");
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 1);

  /* A crashes while it restarts: once this sweep is done, another */
  crash (b, "b failed");
  test_iterate (FALSE);
  assert_states (all, 3, "Sup=running A=starting B=crashed");
  crash (a, "a failed while starting");
  spin ();
  assert_states (all, 3, "Sup=running A=running B=running");
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 3);
  g_assert_cmpuint (mode_service_get_restart_count (a), ==, 3);
  g_assert_cmpuint (mode_service_get_restart_count (b), ==, 3);
  g_assert_null (TEST_ASYNC_SERVICE (a)->start_task);
  g_free (test_trace_take ());

  test_stop_ok (sup);
  assert_trace ("B:shutdown A:shutdown");
}

/* Adding, discarding, inserting {{{ */

static void
test_add_before_and_after_start (TestFixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(ModeSupervisor) sup = supervisor_new (f->clock, MODE_SUPERVISOR_ONE_FOR_ONE);
  g_autoptr(ModeService) before = service_new (f->clock, "Before");
  g_autoptr(ModeService) after = service_new (f->clock, "After");
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GPtrArray) dependencies = NULL;

  mode_supervisor_add (sup, before);
  g_assert_true (mode_service_get_supervisor (before) == MODE_SERVICE (sup));
  g_assert_cmpint (mode_supervisor_get_restart_type (sup, before), ==, MODE_RESTART_TRANSIENT);
  g_assert_cmpint (mode_service_get_state (before), ==, MODE_SERVICE_STATE_INIT);

  test_start_ok (sup);
  g_assert_cmpint (mode_service_get_state (before), ==, MODE_SERVICE_STATE_RUNNING);
  assert_trace ("Before:start");

  /* added to a running supervisor: started */
  mode_supervisor_add (sup, after);
  g_assert_true (mode_service_get_supervisor (after) == MODE_SERVICE (sup));
  g_assert_true (mode_service_get_started (after));
  spin ();
  g_assert_cmpint (mode_service_get_state (after), ==, MODE_SERVICE_STATE_RUNNING);
  assert_trace ("After:start");

  /* adding it again changes nothing */
  mode_supervisor_add (sup, after);
  services = mode_supervisor_get_services (sup);
  g_assert_cmpuint (services->len, ==, 2);
  g_assert_true (g_ptr_array_index (services, 0) == before);
  g_assert_true (g_ptr_array_index (services, 1) == after);
  dependencies = mode_service_get_dependencies (MODE_SERVICE (sup));
  g_assert_cmpuint (dependencies->len, ==, 2);
  g_assert_true (mode_node_get_parent (mode_service_get_beacon (after)) ==
                 mode_service_get_beacon (MODE_SERVICE (sup)));

  /* both are supervised */
  crash (before, "before failed");
  crash (after, "after failed");
  spin ();
  g_assert_cmpint (mode_service_get_state (before), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (mode_service_get_state (after), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (mode_service_get_restart_count (before), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (after), ==, 1);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (sup)));

  /* they stop with the supervisor */
  g_free (test_trace_take ());
  test_stop_ok (sup);
  assert_trace ("After:shutdown Before:shutdown");
}

static void
test_discard (TestFixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GPtrArray) dependencies = NULL;
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ALL);
  tree_start (&t);

  mode_supervisor_discard (t.sup, t.z);
  /* not stopped, no longer supervised nor a dependency */
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=running");
  assert_trace ("");
  g_assert_null (mode_service_get_supervisor (t.z));
  services = mode_supervisor_get_services (t.sup);
  g_assert_cmpuint (services->len, ==, 1);
  g_assert_true (g_ptr_array_index (services, 0) == t.x);
  dependencies = mode_service_get_dependencies (MODE_SERVICE (t.sup));
  g_assert_cmpuint (dependencies->len, ==, 1);
  g_assert_null (mode_node_get_parent (mode_service_get_beacon (t.z)));

  /* its crash is its own now: the supervisor restarts nothing */
  crash (t.z, "z failed");
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=crashed");
  spin ();
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=crashed");
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 0);
  assert_trace ("");

  /* discarding what is not supervised is a no-op */
  mode_supervisor_discard (t.sup, t.z);

  /* a crash not yet handled is forgotten with the service */
  crash (t.x, "x failed");
  mode_supervisor_discard (t.sup, t.x);
  spin ();
  g_assert_true (mode_service_get_crashed (t.x));
  g_assert_cmpuint (mode_service_get_restart_count (t.x), ==, 0);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 0);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (t.sup)));
  test_stop_ok (t.x);
  assert_trace ("Y:shutdown X:shutdown");

  test_stop_ok (t.z);
  assert_trace ("Z:shutdown");
  tree_clear (&t);
  assert_trace ("App:shutdown");
}

static void
test_insert (TestFixture       *f,
             gconstpointer  data)
{
  g_autoptr(ModeSupervisor) sup = supervisor_new (f->clock, MODE_SUPERVISOR_ONE_FOR_ONE);
  g_autoptr(ModeService) a = service_new (f->clock, "A");
  g_autoptr(ModeService) b = service_new (f->clock, "B");
  g_autoptr(ModeService) w = service_new (f->clock, "W");
  g_autoptr(GPtrArray) services = NULL;

  mode_supervisor_add_full (sup, a, MODE_RESTART_PERMANENT);
  mode_supervisor_add (sup, b);
  test_start_ok (sup);
  g_free (test_trace_take ());

  mode_supervisor_insert (sup, 0, w);
  /* A is discarded, not stopped; W takes its place and its restart type,
   * and is not started */
  g_assert_cmpint (mode_service_get_state (a), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (mode_service_get_state (w), ==, MODE_SERVICE_STATE_INIT);
  assert_trace ("");
  g_assert_null (mode_service_get_supervisor (a));
  g_assert_true (mode_service_get_supervisor (w) == MODE_SERVICE (sup));
  g_assert_cmpint (mode_supervisor_get_restart_type (sup, w), ==, MODE_RESTART_PERMANENT);
  services = mode_supervisor_get_services (sup);
  g_assert_cmpuint (services->len, ==, 2);
  g_assert_true (g_ptr_array_index (services, 0) == w);
  g_assert_true (g_ptr_array_index (services, 1) == b);
  g_clear_pointer (&services, g_ptr_array_unref);
  services = mode_service_get_dependencies (MODE_SERVICE (sup));
  g_assert_cmpuint (services->len, ==, 2);
  g_assert_true (g_ptr_array_index (services, 0) == w);
  g_assert_null (mode_node_get_parent (mode_service_get_beacon (a)));
  g_assert_true (mode_node_get_parent (mode_service_get_beacon (w)) ==
                 mode_service_get_beacon (MODE_SERVICE (sup)));

  /* A stopping is no business of the supervisor's any more */
  test_stop_ok (a);
  spin ();
  g_assert_cmpint (mode_service_get_state (a), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 0);
  assert_trace ("A:shutdown");

  /* W is supervised */
  test_start_ok (w);
  crash (w, "w failed");
  test_iterate (FALSE);
  g_assert_cmpint (mode_service_get_state (w), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (mode_service_get_restart_count (w), ==, 1);
  assert_trace ("W:start W:shutdown W:restart W:start");

  test_stop_ok (sup);
}

/* }}} */

/* Restart types {{{ */

static void
test_permanent (TestFixture       *f,
                gconstpointer  data)
{
  g_autoptr(ModeSupervisor) sup = supervisor_new (f->clock, MODE_SUPERVISOR_ONE_FOR_ONE);
  g_autoptr(ModeService) p = service_new (f->clock, "P");

  mode_supervisor_add_full (sup, p, MODE_RESTART_PERMANENT);
  g_assert_cmpint (mode_supervisor_get_restart_type (sup, p), ==, MODE_RESTART_PERMANENT);
  test_start_ok (sup);
  g_free (test_trace_take ());

  /* a clean stop that the supervisor did not ask for: restarted */
  test_stop_ok (p);
  spin ();
  g_assert_cmpint (mode_service_get_state (p), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (mode_service_get_restart_count (p), ==, 1);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 1);
  assert_trace ("P:shutdown P:restart P:start");

  /* and a crash, as any */
  crash (p, "p failed");
  test_iterate (FALSE);
  g_assert_cmpint (mode_service_get_state (p), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (mode_service_get_restart_count (p), ==, 2);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 2);
  g_free (test_trace_take ());

  /* stopped with the supervisor: not restarted */
  test_stop_ok (sup);
  spin ();
  g_assert_cmpint (mode_service_get_state (p), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 2);
  assert_trace ("P:shutdown");
}

static void
test_transient (TestFixture       *f,
                gconstpointer  data)
{
  g_autoptr(ModeSupervisor) sup = supervisor_new (f->clock, MODE_SUPERVISOR_ONE_FOR_ONE);
  g_autoptr(ModeService) t = service_new (f->clock, "T");

  mode_supervisor_add_full (sup, t, MODE_RESTART_TRANSIENT);
  g_assert_cmpint (mode_supervisor_get_restart_type (sup, t), ==, MODE_RESTART_TRANSIENT);
  test_start_ok (sup);

  /* restarted after a crash */
  crash (t, "t failed");
  test_iterate (FALSE);
  g_assert_cmpint (mode_service_get_state (t), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (mode_service_get_restart_count (t), ==, 1);
  g_free (test_trace_take ());

  /* not after a clean stop */
  test_stop_ok (t);
  spin ();
  g_assert_cmpint (mode_service_get_state (t), ==, MODE_SERVICE_STATE_SHUTDOWN);
  g_assert_cmpuint (mode_service_get_restart_count (t), ==, 1);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 1);
  assert_trace ("T:shutdown");

  test_stop_ok (sup);
}

static void
test_temporary (TestFixture       *f,
                gconstpointer  data)
{
  g_autoptr(ModeSupervisor) sup = supervisor_new (f->clock, MODE_SUPERVISOR_ONE_FOR_ONE);
  g_autoptr(ModeService) t = service_new (f->clock, "T");
  g_autoptr(ModeService) other = service_new (f->clock, "Other");

  mode_supervisor_add_full (sup, t, MODE_RESTART_TEMPORARY);
  mode_supervisor_add (sup, other);
  g_assert_cmpint (mode_supervisor_get_restart_type (sup, t), ==, MODE_RESTART_TEMPORARY);
  test_start_ok (sup);
  g_free (test_trace_take ());

  /* stopped, not restarted */
  crash (t, "t failed");
  test_iterate (FALSE);
  assert_trace ("T:shutdown");
  g_assert_true (mode_service_get_crashed (t));
  g_assert_cmpuint (mode_service_get_restart_count (t), ==, 0);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 0);
  g_assert_cmpint (mode_service_get_state (other), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (sup)));

  spin ();
  assert_trace ("");
  test_stop_ok (sup);
}

static void
test_temporary_one_for_all (TestFixture       *f,
                            gconstpointer  data)
{
  g_autoptr(ModeSupervisor) sup = supervisor_new (f->clock, MODE_SUPERVISOR_ONE_FOR_ALL);
  g_autoptr(ModeService) t = service_new (f->clock, "T");
  g_autoptr(ModeService) other = service_new (f->clock, "Other");

  mode_supervisor_add_full (sup, t, MODE_RESTART_TEMPORARY);
  mode_supervisor_add (sup, other);
  test_start_ok (sup);
  g_free (test_trace_take ());

  /* the others restart; the temporary one that crashed does not */
  crash (t, "t failed");
  test_iterate (FALSE);
  assert_trace ("Other:shutdown T:shutdown Other:restart Other:start");
  g_assert_cmpuint (mode_service_get_restart_count (t), ==, 0);
  g_assert_cmpuint (mode_service_get_restart_count (other), ==, 1);
  g_assert_cmpint (mode_service_get_state (other), ==, MODE_SERVICE_STATE_RUNNING);

  test_stop_ok (sup);
}

/* }}} */

/* Restart limits {{{ */

static void
test_max_restarts (TestFixture       *f,
                   gconstpointer  data)
{
  const GError *reason;
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ONE);
  g_assert_cmpuint (mode_supervisor_get_max_restarts (t.sup), ==, 100);
  g_assert_cmpfloat (mode_supervisor_get_over (t.sup), ==, 1.0);
  mode_supervisor_set_max_restarts (t.sup, 3);
  mode_supervisor_set_over (t.sup, 10.0);
  g_assert_cmpuint (mode_supervisor_get_max_restarts (t.sup), ==, 3);
  g_assert_cmpfloat (mode_supervisor_get_over (t.sup), ==, 10.0);
  tree_start (&t);

  for (guint i = 1; i <= 3; i++)
    {
      mode_clock_advance (f->clock, USEC (1));
      crash (t.x, "x failed");
      test_iterate (FALSE);
      assert_tree (&t, "App=running Sup=running X=running Y=running Z=running");
      g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, i);
    }

  /* the fourth within 10 s: the supervisor gives up, and its crash
   * spreads up to the App */
  crash (t.x, "x failed");
  test_iterate (FALSE);
  assert_tree (&t, "App=crashed Sup=crashed X=crashed Y=crashed Z=crashed");
  reason = mode_service_get_crash_reason (MODE_SERVICE (t.sup));
  g_assert_error (reason, MODE_ERROR, MODE_ERROR_MAX_RESTARTS_EXCEEDED);
  g_assert_nonnull (strstr (reason->message, "X"));
  g_assert_nonnull (strstr (reason->message, "3"));
  g_assert_error (mode_service_get_crash_reason (t.app), MODE_ERROR, MODE_ERROR_MAX_RESTARTS_EXCEEDED);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 3);
  g_assert_cmpuint (mode_service_get_restart_count (t.x), ==, 3);

  spin ();
  assert_tree (&t, "App=crashed Sup=crashed X=crashed Y=crashed Z=crashed");
  g_assert_cmpuint (mode_service_get_restart_count (t.x), ==, 3);

  tree_clear (&t);
}

static void
test_max_restarts_window (TestFixture       *f,
                          gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ONE);
  g_object_set (t.sup, "max-restarts", 2, "over", 2.0, NULL);
  tree_start (&t);

  crash (t.x, "x failed");
  test_iterate (FALSE);
  crash (t.z, "z failed");
  test_iterate (FALSE);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 2);

  /* after half the period, one more */
  mode_clock_advance (f->clock, USEC (1.0));
  crash (t.x, "x failed");
  test_iterate (FALSE);
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=running");
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 3);

  /* after a whole period, two more */
  mode_clock_advance (f->clock, USEC (2.0));
  crash (t.x, "x failed");
  test_iterate (FALSE);
  crash (t.z, "z failed");
  test_iterate (FALSE);
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=running");
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 5);

  /* and no third */
  mode_clock_advance (f->clock, USEC (0.5));
  crash (t.z, "z failed");
  test_iterate (FALSE);
  g_assert_true (mode_service_get_crashed (MODE_SERVICE (t.sup)));
  g_assert_error (mode_service_get_crash_reason (MODE_SERVICE (t.sup)),
                  MODE_ERROR, MODE_ERROR_MAX_RESTARTS_EXCEEDED);
  g_assert_nonnull (strstr (mode_service_get_crash_reason (MODE_SERVICE (t.sup))->message, "Z"));
  g_assert_true (mode_service_get_crashed (t.app));

  tree_clear (&t);
}

static void
test_max_restarts_zero (TestFixture       *f,
                        gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ONE);
  mode_supervisor_set_max_restarts (t.sup, 0);
  tree_start (&t);

  /* 0 never restarts */
  crash (t.z, "z failed");
  test_iterate (FALSE);
  assert_tree (&t, "App=crashed Sup=crashed X=crashed Y=crashed Z=crashed");
  g_assert_error (mode_service_get_crash_reason (MODE_SERVICE (t.sup)),
                  MODE_ERROR, MODE_ERROR_MAX_RESTARTS_EXCEEDED);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 0);

  tree_clear (&t);
}

static void
test_one_for_all_counts_once (TestFixture       *f,
                              gconstpointer  data)
{
  g_autoptr(ModeService) app = service_new (f->clock, "App");
  g_autoptr(ModeSupervisor) sup = supervisor_new (f->clock, MODE_SUPERVISOR_ONE_FOR_ALL);
  ModeService *services[5];

  mode_supervisor_set_max_restarts (sup, 1);
  mode_supervisor_set_over (sup, 60.0);
  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    {
      g_autofree char *label = g_strdup_printf ("S%u", i);

      services[i] = service_new (f->clock, label);
      mode_supervisor_add (sup, services[i]);
    }
  mode_service_add_dependency (app, MODE_SERVICE (sup));
  test_start_ok (app);

  /* five services restarted: one restart, within the limit of 1 */
  crash (services[2], "s2 failed");
  test_iterate (FALSE);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 1);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (sup)));
  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    {
      g_assert_cmpint (mode_service_get_state (services[i]), ==, MODE_SERVICE_STATE_RUNNING);
      g_assert_cmpuint (mode_service_get_restart_count (services[i]), ==, 1);
    }

  /* a second: over the limit */
  crash (services[4], "s4 failed");
  test_iterate (FALSE);
  g_assert_true (mode_service_get_crashed (MODE_SERVICE (sup)));
  g_assert_error (mode_service_get_crash_reason (MODE_SERVICE (sup)),
                  MODE_ERROR, MODE_ERROR_MAX_RESTARTS_EXCEEDED);
  g_assert_nonnull (strstr (mode_service_get_crash_reason (MODE_SERVICE (sup))->message, "S4"));
  g_assert_true (mode_service_get_crashed (app));
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, 1);

  test_stop_ok (app);
  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    g_object_unref (services[i]);
}

/* }}} */

/* Replacements {{{ */

/* A one-for-one TestReplacing labelled "Sup" */
static TestReplacing *
replacing_new (TestFixture *f)
{
  return g_object_new (TEST_TYPE_REPLACING,
                       "clock", f->clock,
                       "label", "Sup",
                       "strategy", MODE_SUPERVISOR_ONE_FOR_ONE,
                       NULL);
}

static void
test_create_replacement (TestFixture       *f,
                         gconstpointer  data)
{
  TestReplacing *replacing = replacing_new (f);
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GPtrArray) dependencies = NULL;
  ModeService *replacement;
  GObject *old_z;
  Tree t;

  tree_init_with (&t, f, MODE_SUPERVISOR (replacing));
  tree_start (&t);

  replacing->replace = TRUE;
  crash (t.z, "z failed");
  test_iterate (FALSE);

  g_assert_cmpuint (replacing->n_calls, ==, 1);
  g_assert_cmpuint (replacing->last_index, ==, 1);
  g_assert_true (replacing->last_old == t.z);
  replacement = replacing->last_new;
  g_assert_nonnull (replacement);
  g_assert_cmpstr (mode_service_get_label (replacement), ==, "Z'");

  /* the old one is stopped and discarded */
  g_assert_true (mode_service_get_crashed (t.z));
  g_assert_null (mode_service_get_supervisor (t.z));
  g_assert_null (mode_node_get_parent (mode_service_get_beacon (t.z)));
  g_assert_cmpuint (mode_service_get_restart_count (t.z), ==, 0);

  /* the new one has its place, and runs */
  g_assert_cmpint (mode_service_get_state (replacement), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_true (mode_service_get_supervisor (replacement) == MODE_SERVICE (replacing));
  services = mode_supervisor_get_services (t.sup);
  g_assert_cmpuint (services->len, ==, 2);
  g_assert_true (g_ptr_array_index (services, 0) == t.x);
  g_assert_true (g_ptr_array_index (services, 1) == replacement);
  dependencies = mode_service_get_dependencies (MODE_SERVICE (t.sup));
  g_assert_cmpuint (dependencies->len, ==, 2);
  g_assert_true (g_ptr_array_index (dependencies, 1) == replacement);
  g_assert_cmpint (mode_supervisor_get_restart_type (t.sup, replacement), ==, MODE_RESTART_TRANSIENT);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 1);
  {
    g_autofree char *tr = test_trace_take ();

    g_assert_nonnull (strstr (tr, "Z:shutdown"));
    g_assert_nonnull (strstr (tr, "Z':start"));
    g_assert_null (strstr (tr, "Z:start"));
    g_assert_true (strstr (tr, "Z:shutdown") < strstr (tr, "Z':start"));
  }
  g_clear_pointer (&services, g_ptr_array_unref);
  g_clear_pointer (&dependencies, g_ptr_array_unref);

  /* the old one is let go of by the supervisor */
  old_z = G_OBJECT (g_steal_pointer (&t.z));
  test_assert_finalized (old_z);

  /* the replacement is supervised as the old one was: replaced in turn */
  crash (replacement, "z' failed");
  test_iterate (FALSE);
  g_assert_cmpuint (replacing->n_calls, ==, 2);
  g_assert_true (replacing->last_old == replacement);
  g_assert_cmpstr (mode_service_get_label (replacing->last_new), ==, "Z''");
  g_assert_cmpint (mode_service_get_state (replacing->last_new), ==, MODE_SERVICE_STATE_RUNNING);
  g_free (test_trace_take ());

  /* NULL: the old one is restarted */
  replacing->replace = FALSE;
  crash (t.x, "x failed");
  test_iterate (FALSE);
  g_assert_cmpuint (replacing->n_calls, ==, 3);
  g_assert_cmpuint (replacing->last_index, ==, 0);
  g_assert_true (replacing->last_old == t.x);
  assert_states (t.all, 4, "App=running Sup=running X=running Y=running");
  assert_trace ("Y:shutdown X:shutdown X:restart X:start Y:start");
  g_assert_cmpuint (mode_service_get_restart_count (t.x), ==, 1);
  services = mode_supervisor_get_services (t.sup);
  g_assert_true (g_ptr_array_index (services, 0) == t.x);

  tree_clear (&t);
}

/* Two children crash at once, and the replacement asked for the first
 * discards a service between them: the second is still restarted,
 * asked for in its new place, and supervised as before. */
static void
test_replacement_discards (TestFixture   *f,
                           gconstpointer  data)
{
  TestReplacing *replacing = replacing_new (f);
  ModeSupervisor *sup = MODE_SUPERVISOR (replacing);
  ModeService *a = service_new (f->clock, "A");
  ModeService *b = service_new (f->clock, "B");
  ModeService *c = service_new (f->clock, "C");
  ModeService *d = service_new (f->clock, "D");
  g_autoptr(GPtrArray) services = NULL;

  mode_supervisor_add (sup, a);
  mode_supervisor_add (sup, b);
  mode_supervisor_add (sup, c);
  mode_supervisor_add (sup, d);
  test_start_ok (sup);
  g_free (test_trace_take ());

  replacing->discard = b;
  crash (a, "a failed");
  crash (c, "c failed");
  test_iterate (FALSE);

  g_assert_cmpuint (replacing->n_calls, ==, 2);
  g_assert_true (replacing->last_old == c);
  g_assert_cmpuint (replacing->last_index, ==, 1);
  g_assert_cmpint (mode_service_get_state (a), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpint (mode_service_get_state (c), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (mode_service_get_restart_count (a), ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (c), ==, 1);
  g_assert_null (mode_service_get_supervisor (b));
  g_assert_cmpuint (mode_service_get_restart_count (d), ==, 0);
  services = mode_supervisor_get_services (sup);
  g_assert_cmpuint (services->len, ==, 3);
  g_assert_true (g_ptr_array_index (services, 1) == c);
  g_assert_true (g_ptr_array_index (services, 2) == d);

  /* each again, alone: nothing of the first sweep is left over */
  crash (c, "c failed again");
  test_iterate (FALSE);
  g_assert_cmpuint (replacing->n_calls, ==, 3);
  g_assert_cmpuint (replacing->last_index, ==, 1);
  g_assert_cmpuint (mode_service_get_restart_count (c), ==, 2);
  crash (d, "d failed");
  test_iterate (FALSE);
  g_assert_cmpuint (replacing->n_calls, ==, 4);
  g_assert_cmpuint (replacing->last_index, ==, 2);
  g_assert_cmpuint (mode_service_get_restart_count (d), ==, 1);
  g_free (test_trace_take ());

  test_stop_ok (sup);
  test_stop_ok (b);
  g_clear_pointer (&services, g_ptr_array_unref);
  test_assert_finalized (sup);
  test_assert_finalized (a);
  test_assert_finalized (b);
  test_assert_finalized (c);
  test_assert_finalized (d);
}

/* }}} */

/* Poison {{{ */

static void
test_supervised_crash_contained (TestFixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(ModeService) sibling = NULL;
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ONE);
  sibling = service_new (f->clock, "Sibling");
  mode_service_add_dependency (t.app, sibling);
  tree_start (&t);

  /* a supervised crash: its siblings, the supervisor, the sibling of the
   * supervisor and the parent never notice */
  crash (t.x, "x failed");
  for (guint i = 0; i < 5; i++)
    if (t.all[i] != t.x && t.all[i] != t.y)
      {
        g_assert_false (mode_service_get_crashed (t.all[i]));
        g_assert_false (mode_service_get_should_stop (t.all[i]));
      }
  g_assert_false (mode_service_get_crashed (sibling));
  g_assert_false (mode_service_get_should_stop (sibling));
  spin ();
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=running");
  g_assert_cmpint (mode_service_get_state (sibling), ==, MODE_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (mode_service_get_restart_count (sibling), ==, 0);
  g_assert_cmpuint (mode_service_get_restart_count (t.app), ==, 0);
  g_assert_cmpuint (mode_service_get_restart_count (MODE_SERVICE (t.sup)), ==, 0);

  tree_clear (&t);
}

static void
test_unsupervised_crash_poisons (TestFixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(ModeService) sibling = NULL;
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ONE);
  sibling = service_new (f->clock, "Sibling");
  mode_service_add_dependency (t.app, sibling);
  tree_start (&t);

  /* a supervised one first: contained */
  crash (t.z, "z failed");
  g_assert_false (mode_service_get_crashed (sibling));
  g_assert_false (mode_service_get_crashed (t.app));
  g_assert_false (mode_service_get_crashed (t.x));
  test_iterate (FALSE);
  assert_tree (&t, "App=running Sup=running X=running Y=running Z=running");
  g_assert_cmpint (mode_service_get_state (sibling), ==, MODE_SERVICE_STATE_RUNNING);

  /* an unsupervised one: the whole tree, supervised services included */
  crash (sibling, "sibling failed");
  assert_tree (&t, "App=crashed Sup=crashed X=crashed Y=crashed Z=crashed");
  g_assert_cmpstr (mode_service_get_crash_reason (t.x)->message, ==, "sibling failed");
  /* and nothing is restarted: the supervisor itself crashed */
  spin ();
  assert_tree (&t, "App=crashed Sup=crashed X=crashed Y=crashed Z=crashed");
  g_assert_cmpuint (mode_supervisor_get_n_restarts (t.sup), ==, 1);

  tree_clear (&t);
}

/* }}} */

/* Stress {{{ */

#define N_STRESS_SERVICES 50
#define N_STRESS_CRASHES 1000

static void
test_stress (TestFixture       *f,
             gconstpointer  data)
{
  g_autoptr(ModeService) app = service_new (f->clock, "App");
  g_autoptr(ModeSupervisor) sup = supervisor_new (f->clock, MODE_SUPERVISOR_ONE_FOR_ONE);
  ModeService *services[N_STRESS_SERVICES];
  guint n_events = 0;
  guint sum = 0;
  guint n_running = 0;

  mode_supervisor_set_max_restarts (sup, 2 * N_STRESS_CRASHES);
  for (guint i = 0; i < N_STRESS_SERVICES; i++)
    {
      g_autofree char *label = g_strdup_printf ("S%u", i);

      services[i] = service_new (f->clock, label);
      mode_supervisor_add_full (sup, services[i],
                                g_test_rand_bit () ? MODE_RESTART_PERMANENT : MODE_RESTART_TRANSIENT);
    }
  mode_service_add_dependency (app, MODE_SERVICE (sup));
  test_start_ok (app);

  for (guint i = 0; i < N_STRESS_CRASHES; i++)
    {
      ModeService *service = services[g_test_rand_int_range (0, N_STRESS_SERVICES)];
      gint n_iterations = g_test_rand_int_range (0, 3);

      /* crashing a crashed service again is no new event */
      if (!mode_service_get_crashed (service))
        n_events++;
      crash (service, "random");

      for (gint j = 0; j < n_iterations; j++)
        test_iterate (FALSE);
    }
  spin ();

  for (guint i = 0; i < N_STRESS_SERVICES; i++)
    {
      if (mode_service_get_state (services[i]) == MODE_SERVICE_STATE_RUNNING)
        n_running++;
      sum += mode_service_get_restart_count (services[i]);
    }
  g_assert_cmpuint (n_running, ==, N_STRESS_SERVICES);
  g_assert_cmpuint (sum, ==, n_events);
  g_assert_cmpuint (mode_supervisor_get_n_restarts (sup), ==, n_events);
  g_assert_false (mode_service_get_crashed (MODE_SERVICE (sup)));
  g_assert_cmpint (mode_service_get_state (app), ==, MODE_SERVICE_STATE_RUNNING);
  g_test_message ("%u restarts", n_events);

  test_stop_ok (app);
  for (guint i = 0; i < N_STRESS_SERVICES; i++)
    {
      g_assert_cmpint (mode_service_get_state (services[i]), ==, MODE_SERVICE_STATE_SHUTDOWN);
      g_object_unref (services[i]);
    }
}

/* }}} */

/* Logging {{{ */

static void
test_restart_logged (TestFixture       *f,
                     gconstpointer  data)
{
  Tree t;

  tree_init (&t, f, MODE_SUPERVISOR_ONE_FOR_ONE);
  mode_supervisor_set_max_restarts (t.sup, 1);
  tree_start (&t);

  crash (t.x, "x failed");
  test_iterate (FALSE);
  g_assert_true (test_log_contains ("*Crashed reason=x failed*"));
  crash (t.x, "x failed");
  test_iterate (FALSE);
  g_assert_true (mode_service_get_crashed (MODE_SERVICE (t.sup)));
  g_assert_true (test_log_contains ("*Crashed reason=*X*1*"));

  tree_clear (&t);
}

/* }}} */

/* ModeBucket {{{ */

static void
test_bucket (TestFixture       *f,
             gconstpointer  data)
{
  g_autoptr(ModeBucket) bucket = mode_bucket_new_full (3, 1.0, 0, f->clock);

  g_assert_cmpfloat (mode_bucket_get_rate (bucket), ==, 3.0);
  g_assert_cmpfloat (mode_bucket_get_over (bucket), ==, 1.0);
  /* the capacity is the rate unless given; the bucket starts full */
  g_assert_cmpfloat (mode_bucket_get_capacity (bucket), ==, 3.0);
  g_assert_cmpfloat_with_epsilon (mode_bucket_get_tokens (bucket), 3.0, 1e-9);
  g_assert_cmpfloat (mode_bucket_expected_time (bucket, 1), ==, 0.0);

  g_assert_true (mode_bucket_pour (bucket, 1));
  g_assert_true (mode_bucket_pour (bucket, 1));
  g_assert_true (mode_bucket_pour (bucket, 1));
  g_assert_cmpfloat_with_epsilon (mode_bucket_get_tokens (bucket), 0.0, 1e-9);
  /* empty: nothing is taken */
  g_assert_false (mode_bucket_pour (bucket, 1));
  g_assert_cmpfloat_with_epsilon (mode_bucket_get_tokens (bucket), 0.0, 1e-9);

  /* it refills at 3 a second */
  g_assert_cmpfloat_with_epsilon (mode_bucket_expected_time (bucket, 1), 1.0 / 3, 1e-9);
  g_assert_cmpfloat_with_epsilon (mode_bucket_expected_time (bucket, 3), 1.0, 1e-9);
  mode_clock_advance (f->clock, USEC (0.2));
  g_assert_cmpfloat_with_epsilon (mode_bucket_get_tokens (bucket), 0.6, 1e-6);
  g_assert_false (mode_bucket_pour (bucket, 1));
  g_assert_cmpfloat_with_epsilon (mode_bucket_expected_time (bucket, 1), 0.4 / 3, 1e-6);
  mode_clock_advance (f->clock, USEC (0.4 / 3) + 1);
  g_assert_true (mode_bucket_pour (bucket, 1));
  g_assert_cmpfloat_with_epsilon (mode_bucket_get_tokens (bucket), 0.0, 1e-5);

  /* no more than the capacity, however long it waits */
  mode_clock_advance (f->clock, USEC (3600));
  g_assert_cmpfloat_with_epsilon (mode_bucket_get_tokens (bucket), 3.0, 1e-9);
  g_assert_true (mode_bucket_pour (bucket, 3));
  g_assert_false (mode_bucket_pour (bucket, 0.5));
  g_assert_cmpfloat_with_epsilon (mode_bucket_expected_time (bucket, 0.5), 0.5 / 3, 1e-9);

  /* more than the capacity never fits */
  mode_clock_advance (f->clock, USEC (3600));
  g_assert_false (mode_bucket_pour (bucket, 4));
  g_assert_cmpfloat_with_epsilon (mode_bucket_get_tokens (bucket), 3.0, 1e-9);
}

static void
test_bucket_capacity (TestFixture       *f,
                      gconstpointer  data)
{
  /* 1 a second, bursts of 5 */
  g_autoptr(ModeBucket) bucket = mode_bucket_new_full (1, 1.0, 5, f->clock);
  g_autoptr(ModeBucket) slow = mode_bucket_new_full (10, 60.0, 0, f->clock);

  g_assert_cmpfloat (mode_bucket_get_capacity (bucket), ==, 5.0);
  g_assert_cmpfloat_with_epsilon (mode_bucket_get_tokens (bucket), 5.0, 1e-9);
  g_assert_true (mode_bucket_pour (bucket, 5));
  g_assert_false (mode_bucket_pour (bucket, 1));
  g_assert_cmpfloat_with_epsilon (mode_bucket_expected_time (bucket, 2), 2.0, 1e-9);
  mode_clock_advance (f->clock, USEC (2));
  g_assert_true (mode_bucket_pour (bucket, 2));
  g_assert_false (mode_bucket_pour (bucket, 1));

  /* 10 a minute: one every 6 s */
  g_assert_true (mode_bucket_pour (slow, 10));
  g_assert_cmpfloat_with_epsilon (mode_bucket_expected_time (slow, 1), 6.0, 1e-9);
  mode_clock_advance (f->clock, USEC (5.9));
  g_assert_false (mode_bucket_pour (slow, 1));
  mode_clock_advance (f->clock, USEC (0.1));
  g_assert_true (mode_bucket_pour (slow, 1));
}

static void
test_bucket_default_clock (void)
{
  g_autoptr(ModeBucket) bucket = mode_bucket_new (100, 1.0);
  ModeClock *clock = NULL;

  g_object_get (bucket, "clock", &clock, NULL);
  g_assert_true (clock == mode_clock_get_default ());
  g_object_unref (clock);
  g_assert_cmpfloat (mode_bucket_get_capacity (bucket), ==, 100.0);
  g_assert_true (mode_bucket_pour (bucket, 50));
  g_assert_cmpfloat (mode_bucket_get_tokens (bucket), >=, 50.0);
  g_assert_cmpfloat (mode_bucket_get_tokens (bucket), <=, 100.0);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  test_log_init ();
  /* the supervisor acts in the next iteration: nothing here waits */
  test_bounded_waits = TRUE;

#define ADD(path, func) \
  g_test_add ("/supervisor/" path, TestFixture, NULL, test_fixture_setup, func, test_fixture_teardown)

  ADD ("strategy/one-for-one", test_one_for_one);
  ADD ("strategy/one-for-all", test_one_for_all);
  ADD ("strategy/forfeit-one-for-one", test_forfeit_one_for_one);
  ADD ("strategy/forfeit-one-for-all", test_forfeit_one_for_all);
  ADD ("strategy/crashing", test_crashing);
  ADD ("strategy/rest-for-one", test_rest_for_one);
  ADD ("sweep/one-iteration", test_crashes_in_one_iteration);
  ADD ("sweep/one-iteration-one-for-one", test_crashes_in_one_iteration_one_for_one);
  ADD ("sweep/crash-during-sweep", test_crash_during_sweep);
  ADD ("sweep/stop-before-sweep", test_stop_before_sweep);
  ADD ("sweep/restart-fails", test_restart_fails);
  ADD ("sweep/async-restart", test_async_restart);
  ADD ("services/add-before-and-after-start", test_add_before_and_after_start);
  ADD ("services/discard", test_discard);
  ADD ("services/insert", test_insert);
  ADD ("restart-type/permanent", test_permanent);
  ADD ("restart-type/transient", test_transient);
  ADD ("restart-type/temporary", test_temporary);
  ADD ("restart-type/temporary-one-for-all", test_temporary_one_for_all);
  ADD ("max-restarts/exceeded", test_max_restarts);
  ADD ("max-restarts/window", test_max_restarts_window);
  ADD ("max-restarts/zero", test_max_restarts_zero);
  ADD ("max-restarts/one-for-all-counts-once", test_one_for_all_counts_once);
  ADD ("create-replacement", test_create_replacement);
  ADD ("replacement-discards", test_replacement_discards);
  ADD ("poison/supervised-contained", test_supervised_crash_contained);
  ADD ("poison/unsupervised", test_unsupervised_crash_poisons);
  ADD ("stress", test_stress);
  ADD ("log", test_restart_logged);
  ADD ("bucket/pour", test_bucket);
  ADD ("bucket/capacity", test_bucket_capacity);
  g_test_add_func ("/supervisor/bucket/default-clock", test_bucket_default_clock);

#undef ADD

  return g_test_run ();
}

/* vim: set foldmethod=marker: */
