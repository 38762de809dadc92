/* test-lifecycle-random.c: random sequences of operations on random
 * trees of services, checked against the engine's rules (DESIGN.md §5)
 * after every step and at the end
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Each sequence is made from its seed: a tree of 5 to 50 services (some
 * shared by two parents, some supervisors, in some sequences service
 * threads) and up to a few hundred operations (start, stop, restart,
 * maybe_start, wait_until_stopped, crash, static and runtime
 * dependencies added and removed, hooks that complete at once, later,
 * fail or drop their task, tasks spawned, cancellations, the clock
 * moved, the context iterated). The rules checked:
 *
 * - no two hooks of a service are in flight at once;
 * - per service the hooks run as [on_first_start] on_start [on_started]
 *   ... on_stop ... on_shutdown, repeated per restart, on_restart only
 *   between runs, never on_start while started;
 * - a timer ticks only while its service runs;
 * - when a stop completes, nothing of the service is left: no task, no
 *   running timer, no dependency of its own still in a run;
 * - every call's callback runs exactly once, and a cancelled call's
 *   at once;
 * - at the end, once everything is stopped and released, every service
 *   is out of its run, and every object is freed.
 *
 * Environment: MODE_RANDOM_SEQUENCES (how many; 300 by default),
 * MODE_RANDOM_SEED (the first seed; 1 by default), MODE_RANDOM_OPS (ops
 * per sequence, 200 by default). A failing sequence is shrunk (each
 * candidate run in a subprocess) and printed with its seed and its
 * operations; MODE_RANDOM_REPLAY="seed:op;op;..." runs one such list.
 * Sequences with service threads (one in four) do the same operations
 * from the seed, but the threads' timing may differ from run to run.
 */

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <mode-glib/mode-glib.h>

#include "test-util.h"

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
  BEHAVE_HOLD,    /* asynchronous services only: until released */
  BEHAVE_DROP,    /* asynchronous services only: the task is dropped */
  N_BEHAVES
} Behave;

typedef enum
{
  KIND_ASYNC,       /* every hook asynchronous: may hold or drop */
  KIND_SYNC,        /* every hook synchronous */
  KIND_PLAIN,       /* a ModeService with no hooks */
  KIND_SUPERVISOR,
  KIND_THREAD,      /* a ModeServiceThread, hooks synchronous in its thread */
} Kind;

static const char * const kind_names[] = { "async", "sync", "plain", "supervisor", "thread" };

/* The world: the services of one sequence and what the model says {{{ */

typedef struct _World World;

/* What the hooks said so far, per service */
typedef struct
{
  guint    in_flight;        /* hooks running */
  gboolean first_start_done;
  gboolean ever_started;
  gboolean in_run;           /* between its first start hook and on_shutdown */
  guint    starts_in_run;
  gboolean started_in_run;   /* on_started ran */
  gboolean stopping_in_run;  /* on_stop ran */
} Model;

typedef struct
{
  World       *world;
  guint        index;
  Kind         kind;
  ModeService *service;       /* (owned) */
  gpointer     weak;          /* the service, until it is finalized */
  Model        model;
  Behave       behave[N_HOOKS];
  GTask       *held[N_HOOKS]; /* (owned) (nullable) */
  GPtrArray   *parents;       /* (element-type guint) indices */
  GPtrArray   *children;      /* (element-type guint) indices */
  guint        last_op_step;  /* the last step an operation was asked of it */
  guint        stopping_step; /* the step its stop began */
  ModeTimer   *timer;         /* (unowned) (nullable) */
} Svc;

typedef enum
{
  OP_START,
  OP_MAYBE_START,
  OP_STOP,
  OP_RESTART,
  OP_WAIT_STOPPED,
  OP_CRASH,
  OP_ADD_DEPENDENCY,
  OP_ADD_RUNTIME,
  OP_REMOVE_DEPENDENCY,
  OP_BEHAVE,
  OP_RELEASE,
  OP_ITERATE,
  OP_CANCEL,
  OP_ADVANCE,
  OP_SPAWN,
  N_OP_KINDS
} OpKind;

static const char * const op_names[N_OP_KINDS] = {
  "start", "maybe_start", "stop", "restart", "wait_until_stopped", "crash",
  "add_dependency", "add_runtime_dependency", "remove_dependency", "behave",
  "release", "iterate", "cancel", "advance", "spawn",
};

typedef struct
{
  OpKind kind;
  guint  a, b, c;
} Op;

typedef struct
{
  World        *world;
  guint         svc;
  OpKind        kind;
  guint         step;
  GCancellable *cancellable;  /* (owned) (nullable) */
  guint         calls;
  gboolean      cancelled;
  gboolean      expect_cycle;
  guint         child;        /* add_runtime_dependency: the dependency */
} Pending;

struct _World
{
  guint32       seed;
  GRand        *rand;         /* (owned): the operations' */
  GMainContext *context;      /* (owned) */
  ModeClock    *clock;        /* (owned) */
  guint         n;
  Svc          *svcs;         /* (owned) (array length=n) */
  GPtrArray    *pendings;     /* (owned) (element-type Pending) */
  GArray       *ops;          /* (owned) (element-type Op): what was done */
  guint         step;
  gboolean      threads;
  gboolean      ending;       /* the final stop: no new holds */
  GHashTable   *uncertain;    /* (owned): edges of runtime dependencies
                               * whose start is not answered yet (a failed
                               * one is taken out again) */
  char         *failure;      /* (owned) (nullable): the first rule broken */
};

static GRecMutex model_lock;

/* What the sequences did, to show they did something */
static struct
{
  guint64 hooks[N_HOOKS];
  guint64 held;
  guint64 calls;
  guint64 cancelled;
  guint64 failed_calls;
  guint64 crashes;
} stats;

static void world_fail (World      *w,
                        const char *format,
                        ...) G_GNUC_PRINTF (2, 3);

static void
world_fail (World      *w,
            const char *format,
            ...)
{
  va_list args;

  g_rec_mutex_lock (&model_lock);
  if (w->failure == NULL)
    {
      va_start (args, format);
      w->failure = g_strdup_vprintf (format, args);
      va_end (args);
    }
  g_rec_mutex_unlock (&model_lock);
}

#define SVC_LABEL(svc) mode_service_get_label ((svc)->service)

/* }}} */

/* The model of the hooks {{{ */

/* A hook began: is it where the rules allow it? Called with model_lock. */
static void
model_hook_begin (Svc  *svc,
                  Hook  hook)
{
  Model *m = &svc->model;
  World *w = svc->world;

  if (m->in_flight > 0)
    world_fail (w, "%s: %s began while another hook was in flight",
                SVC_LABEL (svc), hook_names[hook]);
  m->in_flight++;

  switch (hook)
    {
    case HOOK_FIRST_START:
      if (m->first_start_done || m->ever_started)
        world_fail (w, "%s: on_first_start ran again", SVC_LABEL (svc));
      m->first_start_done = TRUE;
      m->in_run = TRUE;
      m->starts_in_run = 0;
      m->started_in_run = m->stopping_in_run = FALSE;
      break;

    case HOOK_START:
      if (m->in_run && (m->starts_in_run > 0 || m->stopping_in_run))
        world_fail (w, "%s: on_start while started", SVC_LABEL (svc));
      if (!m->in_run)
        {
          m->in_run = TRUE;
          m->started_in_run = m->stopping_in_run = FALSE;
          m->starts_in_run = 0;
        }
      m->starts_in_run++;
      m->ever_started = TRUE;
      break;

    case HOOK_STARTED:
      if (!m->in_run || m->starts_in_run != 1 || m->started_in_run || m->stopping_in_run)
        world_fail (w, "%s: on_started out of place", SVC_LABEL (svc));
      m->started_in_run = TRUE;
      break;

    case HOOK_STOP:
      if (!m->in_run || m->stopping_in_run)
        world_fail (w, "%s: on_stop out of place (in run %d, stopping %d)",
                    SVC_LABEL (svc), m->in_run, m->stopping_in_run);
      m->stopping_in_run = TRUE;
      break;

    case HOOK_SHUTDOWN:
      if (!m->in_run || !m->stopping_in_run)
        world_fail (w, "%s: on_shutdown out of place", SVC_LABEL (svc));
      m->in_run = FALSE;
      break;

    case HOOK_RESTART:
      if (m->in_run)
        world_fail (w, "%s: on_restart in a run", SVC_LABEL (svc));
      break;

    case N_HOOKS:
    default:
      g_assert_not_reached ();
    }
}

static void
model_hook_end (Svc *svc)
{
  g_rec_mutex_lock (&model_lock);
  g_assert_cmpuint (svc->model.in_flight, >, 0);
  svc->model.in_flight--;
  g_rec_mutex_unlock (&model_lock);
}

/* Runs a hook of @svc as its behaviour says; for a synchronous hook,
 * returns what the hook returns. */
static gboolean
svc_hook (Svc      *svc,
          Hook      hook,
          GTask    *task,
          GError  **error)
{
  Behave behave;

  g_rec_mutex_lock (&model_lock);
  stats.hooks[hook]++;
  model_hook_begin (svc, hook);
  behave = svc->behave[hook];
  if (svc->world->ending)
    behave = BEHAVE_OK;
  g_rec_mutex_unlock (&model_lock);

  switch (behave)
    {
    case BEHAVE_FAIL:
      model_hook_end (svc);
      if (task != NULL)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed on purpose",
                                 hook_names[hook]);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed on purpose",
                     hook_names[hook]);
      return FALSE;

    case BEHAVE_HOLD:
      if (task != NULL)
        {
          g_assert_null (svc->held[hook]);
          svc->held[hook] = g_object_ref (task);
          stats.held++;
          svc->behave[hook] = BEHAVE_OK;
          return TRUE;
        }
      break;

    case BEHAVE_DROP:
      if (task != NULL)
        {
          svc->behave[hook] = BEHAVE_OK;
          model_hook_end (svc);
          return TRUE;
        }
      break;

    case BEHAVE_OK:
    case N_BEHAVES:
    default:
      break;
    }

  model_hook_end (svc);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
  return TRUE;
}

/* }}} */

/* The services' types {{{ */

#define DECLARE_TEST_TYPE(Name, name, NAME, Parent)                       \
  typedef struct { Parent parent_instance; Svc *svc; } Name;              \
  typedef struct { Parent##Class parent_class; } Name##Class;            \
  static GType name##_get_type (void);                                    \
  G_DEFINE_TYPE (Name, name, NAME)                                        \
  static void name##_init (Name *self) { }

DECLARE_TEST_TYPE (RandAsync, rand_async, MODE_TYPE_SERVICE, ModeService)
DECLARE_TEST_TYPE (RandSync, rand_sync, MODE_TYPE_SERVICE, ModeService)
DECLARE_TEST_TYPE (RandThread, rand_thread, MODE_TYPE_SERVICE_THREAD, ModeServiceThread)

static Svc *
svc_of (ModeService *service)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (service, rand_async_get_type ()))
    return ((RandAsync *) service)->svc;
  if (G_TYPE_CHECK_INSTANCE_TYPE (service, rand_sync_get_type ()))
    return ((RandSync *) service)->svc;
  return ((RandThread *) service)->svc;
}

#define ASYNC_HOOK(name, hook)                                            \
  static void                                                             \
  rand_async_##name (ModeService *s, GCancellable *c, GTask *task)        \
  {                                                                       \
    svc_hook (svc_of (s), hook, task, NULL);                              \
  }

ASYNC_HOOK (on_first_start_async, HOOK_FIRST_START)
ASYNC_HOOK (on_start_async, HOOK_START)
ASYNC_HOOK (on_started_async, HOOK_STARTED)
ASYNC_HOOK (on_stop_async, HOOK_STOP)
ASYNC_HOOK (on_shutdown_async, HOOK_SHUTDOWN)
ASYNC_HOOK (on_restart_async, HOOK_RESTART)

#define SYNC_HOOK(prefix, name, hook)                                     \
  static gboolean                                                         \
  prefix##_##name (ModeService *s, GCancellable *c, GError **error)       \
  {                                                                       \
    return svc_hook (svc_of (s), hook, NULL, error);                      \
  }

SYNC_HOOK (rand_sync, on_first_start, HOOK_FIRST_START)
SYNC_HOOK (rand_sync, on_start, HOOK_START)
SYNC_HOOK (rand_sync, on_started, HOOK_STARTED)
SYNC_HOOK (rand_sync, on_stop, HOOK_STOP)
SYNC_HOOK (rand_sync, on_shutdown, HOOK_SHUTDOWN)
SYNC_HOOK (rand_sync, on_restart, HOOK_RESTART)

#define SET_SYNC_HOOKS(klass, prefix)                                     \
  G_STMT_START {                                                          \
    klass->on_first_start = prefix##_on_first_start;                      \
    klass->on_start = prefix##_on_start;                                  \
    klass->on_started = prefix##_on_started;                              \
    klass->on_stop = prefix##_on_stop;                                    \
    klass->on_shutdown = prefix##_on_shutdown;                            \
    klass->on_restart = prefix##_on_restart;                              \
  } G_STMT_END

static void
rand_async_class_init (RandAsyncClass *klass)
{
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  service_class->on_first_start_async = rand_async_on_first_start_async;
  service_class->on_start_async = rand_async_on_start_async;
  service_class->on_started_async = rand_async_on_started_async;
  service_class->on_stop_async = rand_async_on_stop_async;
  service_class->on_shutdown_async = rand_async_on_shutdown_async;
  service_class->on_restart_async = rand_async_on_restart_async;
}

static void
rand_sync_class_init (RandSyncClass *klass)
{
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  SET_SYNC_HOOKS (service_class, rand_sync);
}

static void
rand_thread_class_init (RandThreadClass *klass)
{
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  /* the same functions: they run in the thread */
  SET_SYNC_HOOKS (service_class, rand_sync);
}

/* }}} */

/* Tasks and timers {{{ */

typedef enum
{
  TASK_PARK,      /* sleeps until the service stops */
  TASK_QUICK,     /* ends in the next iteration */
  TASK_FAIL,      /* fails in the next iteration: crashes the service */
  TASK_DROP,      /* drops its task: fails at once */
  N_TASK_KINDS
} TaskKind;

static void park_slept (GObject *object, GAsyncResult *result, gpointer data);

static void
park (ModeService *service,
      GTask       *task)
{
  mode_service_sleep_async (service, 1000.0, NULL, park_slept, task);
}

static void
park_slept (GObject      *object,
            GAsyncResult *result,
            gpointer      data)
{
  GTask *task = data;

  if (mode_service_sleep_finish (MODE_SERVICE (object), result, NULL))
    {
      park (MODE_SERVICE (object), task);
      return;
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
task_quick_done (gpointer data)
{
  g_task_return_boolean (data, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
task_fail_done (gpointer data)
{
  g_task_return_new_error (data, G_IO_ERROR, G_IO_ERROR_FAILED, "task failed on purpose");
  return G_SOURCE_REMOVE;
}

static void
task_func (ModeService *service,
           GTask       *task,
           gpointer     user_data)
{
  GSource *source;

  switch (GPOINTER_TO_UINT (user_data))
    {
    case TASK_PARK:
      park (service, g_object_ref (task));
      return;

    case TASK_QUICK:
    case TASK_FAIL:
      source = g_idle_source_new ();
      g_source_set_callback (source,
                             GPOINTER_TO_UINT (user_data) == TASK_QUICK ? task_quick_done
                                                                         : task_fail_done,
                             g_object_ref (task), g_object_unref);
      g_source_attach (source, g_main_context_get_thread_default ());
      g_source_unref (source);
      return;

    case TASK_DROP:
    case N_TASK_KINDS:
    default:
      return;
    }
}

static void
timer_ticked (ModeService *service,
              ModeTimer   *timer,
              gpointer     user_data)
{
  Svc *svc = user_data;
  ModeServiceState state = mode_service_get_state (service);

  g_rec_mutex_lock (&model_lock);
  if (!svc->model.in_run || svc->model.stopping_in_run ||
      state == MODE_SERVICE_STATE_STOPPING || state == MODE_SERVICE_STATE_SHUTDOWN ||
      state == MODE_SERVICE_STATE_INIT)
    {
      g_rec_mutex_unlock (&model_lock);
      world_fail (svc->world, "%s: its timer ticked out of its run (state %d)",
                  SVC_LABEL (svc), state);
      return;
    }
  g_rec_mutex_unlock (&model_lock);
}

/* }}} */

/* Building a world {{{ */

static gboolean
svc_is_parent (const Svc *svc)
{
  return svc->kind != KIND_THREAD;
}

static gboolean
svc_has_child (Svc  *svc,
               guint child)
{
  for (guint i = 0; i < svc->children->len; i++)
    if (GPOINTER_TO_UINT (g_ptr_array_index (svc->children, i)) == child)
      return TRUE;
  return FALSE;
}

static void
model_add_edge (World *w,
                guint  parent,
                guint  child)
{
  g_ptr_array_add (w->svcs[parent].children, GUINT_TO_POINTER (child));
  g_ptr_array_add (w->svcs[child].parents, GUINT_TO_POINTER (parent));
}

static void
model_remove_edge (World *w,
                   guint  parent,
                   guint  child)
{
  g_ptr_array_remove (w->svcs[parent].children, GUINT_TO_POINTER (child));
  g_ptr_array_remove (w->svcs[child].parents, GUINT_TO_POINTER (parent));
}

/* Is @ancestor above @svc in the model's graph? */
#define EDGE_KEY(parent, child) GUINT_TO_POINTER ((parent) * 65536 + (child) + 1)

/* Is @ancestor above @svc in the model's graph, by edges that are sure? */
static gboolean
model_is_ancestor (World *w,
                   guint  ancestor,
                   guint  svc)
{
  Svc *s = &w->svcs[svc];

  for (guint i = 0; i < s->parents->len; i++)
    {
      guint p = GPOINTER_TO_UINT (g_ptr_array_index (s->parents, i));

      if (g_hash_table_contains (w->uncertain, EDGE_KEY (p, svc)))
        continue;
      if (p == ancestor || model_is_ancestor (w, ancestor, p))
        return TRUE;
    }
  return FALSE;
}

/* Its state changed: when its stop begins, the step is noted, to tell
 * later what its stop left behind from what others did since. */
static void
svc_state_changed (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    data)
{
  Svc *svc = data;

  /* a thread's service changes in its thread: its dependencies are not
   * checked (svc_stopped()), so the step is not needed */
  if (svc->kind != KIND_THREAD &&
      mode_service_get_state (svc->service) == MODE_SERVICE_STATE_STOPPING)
    svc->stopping_step = svc->world->step;
}

/* Its stop completed: nothing of it is left. */
static void
svc_stopped (ModeService *service,
             gpointer     data)
{
  Svc *svc = data;
  World *w = svc->world;

  if (mode_service_get_n_tasks (service) != 0)
    world_fail (w, "%s: stopped with %u tasks", SVC_LABEL (svc),
                mode_service_get_n_tasks (service));

  /* when its stop began is known from its state; a crashed service's
   * state stays CRASHED, so the step is not known then */
  if (svc->kind == KIND_THREAD || mode_service_get_crashed (service))
    return;

  /* a dependency of its own (one parent, no supervisor), that nobody
   * else asked anything of since the stop began, is out of its run */
  for (guint i = 0; i < svc->children->len; i++)
    {
      Svc *child = &w->svcs[GPOINTER_TO_UINT (g_ptr_array_index (svc->children, i))];
      gboolean in_run;

      if (child->parents->len != 1 || child->kind == KIND_THREAD ||
          g_hash_table_contains (w->uncertain, EDGE_KEY (svc->index, child->index)) ||
          child->kind == KIND_SUPERVISOR || child->last_op_step >= svc->stopping_step ||
          mode_service_get_supervisor (child->service) != NULL)
        continue;

      g_rec_mutex_lock (&model_lock);
      in_run = child->model.in_run;
      g_rec_mutex_unlock (&model_lock);
      if (in_run && child->kind != KIND_PLAIN)
        {
          g_autoptr(GPtrArray) deps = mode_service_get_dependencies (service);
          g_autoptr(GString) names = g_string_new (NULL);

          for (guint k = 0; k < deps->len; k++)
            g_string_append_printf (names, " %s", mode_service_get_label (g_ptr_array_index (deps, k)));
          world_fail (w, "%s stopped (its stop began at step %u, now %u), and its dependency "
                      "%s (last asked at step %u, state %d) is still in its run; its "
                      "dependencies:%s",
                      SVC_LABEL (svc), svc->stopping_step, w->step, SVC_LABEL (child),
                      child->last_op_step, mode_service_get_state (child->service), names->str);
        }
    }
}

static ModeService *
svc_new (World *w,
         Svc   *svc)
{
  g_autofree char *label = g_strdup_printf ("S%u", svc->index);
  ModeService *service;

  switch (svc->kind)
    {
    case KIND_ASYNC:
      service = g_object_new (rand_async_get_type (), "label", label, "clock", w->clock,
                              "shutdown-timeout", 5.0, NULL);
      ((RandAsync *) service)->svc = svc;
      break;

    case KIND_SYNC:
      service = g_object_new (rand_sync_get_type (), "label", label, "clock", w->clock,
                              "shutdown-timeout", 5.0, NULL);
      ((RandSync *) service)->svc = svc;
      break;

    case KIND_SUPERVISOR:
      service = g_object_new (MODE_TYPE_SUPERVISOR, "label", label, "clock", w->clock,
                              "strategy", g_rand_int_range (w->rand, 0, 6),
                              "max-restarts", 5u, "shutdown-timeout", 5.0, NULL);
      break;

    case KIND_THREAD:
      service = g_object_new (rand_thread_get_type (), "label", label,
                              "shutdown-timeout", 5.0, "keepalive-timeout", 0.0, NULL);
      ((RandThread *) service)->svc = svc;
      break;

    case KIND_PLAIN:
    default:
      service = g_object_new (MODE_TYPE_SERVICE, "label", label, "clock", w->clock,
                              "shutdown-timeout", 5.0, NULL);
      break;
    }

  return service;
}

static World *
world_new (guint32 seed)
{
  World *w = g_new0 (World, 1);
  GRand *shape = g_rand_new_with_seed (seed);

  w->seed = seed;
  w->rand = g_rand_new_with_seed (seed ^ 0x5eed5eed);
  w->context = g_main_context_new ();
  g_main_context_push_thread_default (w->context);
  w->clock = mode_clock_new_manual ();
  w->pendings = g_ptr_array_new ();
  w->ops = g_array_new (FALSE, FALSE, sizeof (Op));
  w->uncertain = g_hash_table_new (NULL, NULL);
  w->threads = seed % 4 == 3;
  w->n = g_rand_int_range (shape, 5, 51);
  w->svcs = g_new0 (Svc, w->n);

  for (guint i = 0; i < w->n; i++)
    {
      Svc *svc = &w->svcs[i];
      guint roll = g_rand_int_range (shape, 0, 100);

      svc->world = w;
      svc->index = i;
      svc->parents = g_ptr_array_new ();
      svc->children = g_ptr_array_new ();
      svc->kind = roll < 45 ? KIND_ASYNC : roll < 75 ? KIND_SYNC : roll < 85 ? KIND_PLAIN :
                  roll < 93 ? KIND_SUPERVISOR : (w->threads ? KIND_THREAD : KIND_ASYNC);
      if (i == 0 && svc->kind == KIND_THREAD)
        svc->kind = KIND_ASYNC;
      svc->service = svc_new (w, svc);
      /* a third start their dependencies in parallel (decided apart
       * from the shape's numbers, so the shapes stay what they were) */
      if (((seed * 2654435761u) ^ (i * 40503u)) % 3 == 0)
        mode_service_set_start_dependencies (svc->service, MODE_DEPENDENCY_START_PARALLEL);
      svc->weak = svc->service;
      g_object_add_weak_pointer (G_OBJECT (svc->service), &svc->weak);
      g_signal_connect (svc->service, "notify::state", G_CALLBACK (svc_state_changed), svc);
      g_signal_connect (svc->service, "stopped", G_CALLBACK (svc_stopped), svc);

      if ((svc->kind == KIND_ASYNC || svc->kind == KIND_SYNC) &&
          g_rand_int_range (shape, 0, 5) == 0)
        svc->timer = mode_service_add_timer (svc->service, "tick", 1.0, timer_ticked, svc, NULL);

      /* a parent above, and sometimes a second one */
      if (i > 0)
        {
          guint parents = g_rand_int_range (shape, 0, 100) < 15 ? 2 : 1;

          for (guint k = 0; k < parents; k++)
            {
              guint p = g_rand_int_range (shape, 0, i);

              while (!svc_is_parent (&w->svcs[p]))
                p--;  /* service 0 is never a thread */
              if (svc_has_child (&w->svcs[p], i))
                continue;
              if (w->svcs[p].kind == KIND_SUPERVISOR && svc->parents->len == 0)
                mode_supervisor_add (MODE_SUPERVISOR (w->svcs[p].service), svc->service);
              else
                mode_service_add_dependency (w->svcs[p].service, svc->service);
              model_add_edge (w, p, i);
            }
        }
    }

  g_rand_free (shape);
  return w;
}

static void
world_free (World *w)
{
  for (guint i = 0; i < w->n; i++)
    {
      g_ptr_array_unref (w->svcs[i].parents);
      g_ptr_array_unref (w->svcs[i].children);
    }
  g_free (w->svcs);
  g_ptr_array_unref (w->pendings);
  g_array_unref (w->ops);
  g_hash_table_unref (w->uncertain);
  g_rand_free (w->rand);
  g_free (w->failure);
  g_main_context_pop_thread_default (w->context);
  g_main_context_unref (w->context);
  g_free (w);
}

/* }}} */

/* Operations {{{ */

static gboolean
flag_timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the world's context until @p has its answer, for at most a
 * bound that only a call that never returns reaches. */
static void
wait_for_answer (World   *w,
                 Pending *p)
{
  GSource *timeout = g_timeout_source_new_seconds (TEST_TIMEOUT_SECONDS);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, flag_timed_out, &timed_out, NULL);
  g_source_attach (timeout, w->context);
  while (p->calls == 0 && !timed_out)
    g_main_context_iteration (w->context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
}

static void
pending_done (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  Pending *p = data;
  World *w = p->world;
  g_autoptr(GError) error = NULL;

  p->calls++;
  stats.calls++;
  if (p->calls != 1)
    world_fail (w, "the callback of %s of S%u (step %u) ran %u times",
                op_names[p->kind], p->svc, p->step, p->calls);

  switch (p->kind)
    {
    case OP_START:
      mode_service_start_finish (MODE_SERVICE (object), result, &error);
      break;
    case OP_MAYBE_START:
      mode_service_maybe_start_finish (MODE_SERVICE (object), result, &error);
      break;
    case OP_STOP:
      mode_service_stop_finish (MODE_SERVICE (object), result, &error);
      break;
    case OP_RESTART:
      mode_service_restart_finish (MODE_SERVICE (object), result, &error);
      break;
    case OP_WAIT_STOPPED:
      if (!mode_service_wait_until_stopped_finish (MODE_SERVICE (object), result, &error) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        world_fail (w, "wait_until_stopped of S%u failed: %s", p->svc, error->message);
      break;
    case OP_ADD_RUNTIME:
      mode_service_add_runtime_dependency_finish (MODE_SERVICE (object), result, &error);
      if (p->expect_cycle && !g_error_matches (error, MODE_ERROR, MODE_ERROR_CYCLE))
        world_fail (w, "a cycle through a runtime dependency of S%u was not refused", p->svc);
      /* one that failed to start was taken out again */
      if (!p->expect_cycle)
        {
          g_hash_table_remove (w->uncertain, EDGE_KEY (p->svc, p->child));
          if (error != NULL && svc_has_child (&w->svcs[p->svc], p->child))
            model_remove_edge (w, p->svc, p->child);
        }
      break;
    case OP_REMOVE_DEPENDENCY:
      mode_service_remove_dependency_finish (MODE_SERVICE (object), result, &error);
      break;
    case OP_CRASH:
    case OP_ADD_DEPENDENCY:
    case OP_BEHAVE:
    case OP_RELEASE:
    case OP_ITERATE:
    case OP_CANCEL:
    case OP_ADVANCE:
    case OP_SPAWN:
    case N_OP_KINDS:
    default:
      g_assert_not_reached ();
    }

  if (error != NULL)
    stats.failed_calls++;
  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    stats.cancelled++;
  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !p->cancelled)
    world_fail (w, "%s of S%u (step %u) returned CANCELLED, never cancelled",
                op_names[p->kind], p->svc, p->step);
}

static Pending *
pending_new (World  *w,
             guint   svc,
             OpKind  kind,
             guint   with_cancellable)
{
  Pending *p = g_new0 (Pending, 1);

  p->world = w;
  p->svc = svc;
  p->kind = kind;
  p->step = w->step;
  if (with_cancellable)
    p->cancellable = g_cancellable_new ();
  g_ptr_array_add (w->pendings, p);
  w->svcs[svc].last_op_step = w->step;
  return p;
}

static void
iterate (World *w,
         guint  times)
{
  for (guint i = 0; i < times; i++)
    {
      if (w->threads)
        g_thread_yield ();
      g_main_context_iteration (w->context, FALSE);
    }
}

static void
drain (World *w)
{
  for (guint i = 0; i < 10000 && g_main_context_iteration (w->context, FALSE); i++)
    ;
}

static void
svc_release (Svc   *svc,
             Hook   hook,
             gboolean fail)
{
  GTask *task = g_steal_pointer (&svc->held[hook]);

  model_hook_end (svc);
  if (fail)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed later",
                             hook_names[hook]);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Does what @op says, when it makes sense in the world as it is. */
static gboolean trace_ops;

static void
op_exec (World    *w,
         const Op *op)
{
  Svc *a = &w->svcs[op->a % w->n];
  Svc *b = &w->svcs[op->b % w->n];
  Pending *p;

  w->step++;
  if (trace_ops)
    g_printerr ("step %u: %s S%u (%s) b=%u c=%u\n", w->step, op_names[op->kind], a->index,
                kind_names[a->kind], op->b, op->c);

  switch (op->kind)
    {
    case OP_START:
      p = pending_new (w, a->index, op->kind, op->c);
      mode_service_start_async (a->service, p->cancellable, pending_done, p);
      break;

    case OP_MAYBE_START:
      p = pending_new (w, a->index, op->kind, op->c);
      mode_service_maybe_start_async (a->service, p->cancellable, pending_done, p);
      break;

    case OP_STOP:
      p = pending_new (w, a->index, op->kind, op->c);
      mode_service_stop_async (a->service, p->cancellable, pending_done, p);
      break;

    case OP_RESTART:
      p = pending_new (w, a->index, op->kind, op->c);
      mode_service_restart_async (a->service, p->cancellable, pending_done, p);
      break;

    case OP_WAIT_STOPPED:
      p = pending_new (w, a->index, op->kind, op->c);
      mode_service_wait_until_stopped_async (a->service, p->cancellable, pending_done, p);
      break;

    case OP_CRASH:
      {
        g_autoptr(GError) reason = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                                "crashed at step %u", w->step);
        a->last_op_step = w->step;
        stats.crashes++;
        mode_service_crash (a->service, reason);
      }
      break;

    case OP_ADD_DEPENDENCY:
      {
        guint parent = MIN (a->index, b->index), child = MAX (a->index, b->index);
        Svc *ps = &w->svcs[parent];

        if (parent == child || !svc_is_parent (ps) || ps->kind == KIND_SUPERVISOR ||
            svc_has_child (ps, child))
          break;
        mode_service_add_dependency (ps->service, w->svcs[child].service);
        model_add_edge (w, parent, child);
      }
      break;

    case OP_ADD_RUNTIME:
      {
        guint parent = MIN (a->index, b->index), child = MAX (a->index, b->index);
        Svc *ps = &w->svcs[parent];

        if (parent == child)
          break;
        if (op->c && model_is_ancestor (w, parent, child) && svc_is_parent (&w->svcs[child]))
          {
            /* the other way round: a cycle, refused */
            p = pending_new (w, child, op->kind, FALSE);
            p->expect_cycle = TRUE;
            mode_service_add_runtime_dependency_async (w->svcs[child].service, ps->service,
                                                       NULL, pending_done, p);
            break;
          }
        if (!svc_is_parent (ps) || ps->kind == KIND_SUPERVISOR || svc_has_child (ps, child))
          break;
        p = pending_new (w, parent, op->kind, FALSE);
        p->child = child;
        w->svcs[child].last_op_step = w->step;
        model_add_edge (w, parent, child);
        g_hash_table_add (w->uncertain, EDGE_KEY (parent, child));
        mode_service_add_runtime_dependency_async (ps->service, w->svcs[child].service,
                                                   NULL, pending_done, p);
      }
      break;

    case OP_REMOVE_DEPENDENCY:
      {
        guint child;

        if (a->children->len == 0 || a->kind == KIND_SUPERVISOR)
          break;
        child = GPOINTER_TO_UINT (g_ptr_array_index (a->children, op->b % a->children->len));
        p = pending_new (w, a->index, op->kind, op->c);
        w->svcs[child].last_op_step = w->step;
        /* out of the model now: the engine detaches it once stopped */
        model_remove_edge (w, a->index, child);
        mode_service_remove_dependency_async (a->service, w->svcs[child].service,
                                              p->cancellable, pending_done, p);
      }
      break;

    case OP_BEHAVE:
      if (a->kind == KIND_ASYNC || a->kind == KIND_SYNC || a->kind == KIND_THREAD)
        {
          Behave behave = op->c % N_BEHAVES;

          if (a->kind != KIND_ASYNC && (behave == BEHAVE_HOLD || behave == BEHAVE_DROP))
            behave = BEHAVE_OK;
          g_rec_mutex_lock (&model_lock);
          a->behave[op->b % N_HOOKS] = behave;
          g_rec_mutex_unlock (&model_lock);
        }
      break;

    case OP_RELEASE:
      for (guint h = 0; h < N_HOOKS; h++)
        {
          Hook hook = (op->b + h) % N_HOOKS;

          if (a->held[hook] != NULL)
            {
              svc_release (a, hook, op->c % 4 == 0);
              break;
            }
        }
      break;

    case OP_ITERATE:
      iterate (w, 1 + op->a % 4);
      break;

    case OP_CANCEL:
      {
        guint n = w->pendings->len;

        for (guint k = 0; k < n; k++)
          {
            p = g_ptr_array_index (w->pendings, (op->a + k) % n);
            if (p->cancellable == NULL || p->cancelled || p->calls > 0)
              continue;
            p->cancelled = TRUE;
            g_cancellable_cancel (p->cancellable);
            /* answered at once: as soon as the context runs; in a world
             * of threads, one may have answered it first, its answer on
             * the way (a busy machine may not run that thread soon) */
            drain (w);
            if (w->threads)
              wait_for_answer (w, p);
            if (p->calls == 0)
              world_fail (w, "%s of S%u (step %u) was cancelled and did not return",
                          op_names[p->kind], p->svc, p->step);
            break;
          }
      }
      break;

    case OP_ADVANCE:
      mode_clock_advance (w->clock, (gint64) (op->a % 3000) * 1000);
      drain (w);
      break;

    case OP_SPAWN:
      if (a->kind != KIND_THREAD)
        mode_service_spawn (a->service, "random", task_func,
                            GUINT_TO_POINTER (op->b % N_TASK_KINDS), NULL);
      break;

    case N_OP_KINDS:
    default:
      g_assert_not_reached ();
    }
}

/* A random operation, weighted towards the lifecycle. */
static Op
op_random (World *w)
{
  static const struct { OpKind kind; guint weight; } weights[] = {
    { OP_START, 12 }, { OP_MAYBE_START, 4 }, { OP_STOP, 10 }, { OP_RESTART, 10 },
    { OP_WAIT_STOPPED, 3 }, { OP_CRASH, 4 }, { OP_ADD_DEPENDENCY, 3 }, { OP_ADD_RUNTIME, 4 },
    { OP_REMOVE_DEPENDENCY, 2 }, { OP_BEHAVE, 14 }, { OP_RELEASE, 12 }, { OP_ITERATE, 12 },
    { OP_CANCEL, 3 }, { OP_ADVANCE, 3 }, { OP_SPAWN, 4 },
  };
  guint total = 0, roll;
  Op op = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (weights); i++)
    total += weights[i].weight;
  roll = g_rand_int_range (w->rand, 0, total);
  for (guint i = 0; i < G_N_ELEMENTS (weights); i++)
    {
      if (roll < weights[i].weight)
        {
          op.kind = weights[i].kind;
          break;
        }
      roll -= weights[i].weight;
    }

  /* the root and the top of the tree more often */
  op.a = g_rand_int_range (w->rand, 0, 4) == 0 ? 0 : g_rand_int_range (w->rand, 0, w->n);
  op.b = g_rand_int_range (w->rand, 0, 1000);
  op.c = g_rand_int_range (w->rand, 0, 5) == 0 ? 1 : 0;
  if (op.kind == OP_BEHAVE)
    {
      /* holds most: they make the interleavings */
      guint which = g_rand_int_range (w->rand, 0, 10);

      op.c = which < 3 ? BEHAVE_OK : which < 5 ? BEHAVE_FAIL : which < 9 ? BEHAVE_HOLD : BEHAVE_DROP;
    }
  if (op.kind == OP_RELEASE)
    op.c = g_rand_int_range (w->rand, 0, 4);
  if (op.kind == OP_ADD_RUNTIME)
    op.c = g_rand_int_range (w->rand, 0, 4) == 0;

  return op;
}

/* }}} */

/* The end: everything stops, and goes {{{ */

static guint
pendings_open (World *w)
{
  guint open = 0;

  for (guint i = 0; i < w->pendings->len; i++)
    if (((Pending *) g_ptr_array_index (w->pendings, i))->calls == 0)
      open++;
  return open;
}

static gboolean
release_all (World *w)
{
  gboolean any = FALSE;

  for (guint i = 0; i < w->n; i++)
    for (guint h = 0; h < N_HOOKS; h++)
      if (w->svcs[i].held[h] != NULL)
        {
          svc_release (&w->svcs[i], h, FALSE);
          any = TRUE;
        }
  return any;
}

/* Runs the world until nothing moves: held hooks released, time moved
 * on past every timeout, threads waited for (with a generous bound). */
static void
settle (World    *w,
        gboolean  all_answered)
{
  /* shorter when a shrinking candidate runs: one that hangs is killed */
  gint64 deadline = g_get_monotonic_time () +
                    (g_test_subprocess () ? 5 : TEST_TIMEOUT_SECONDS) * G_USEC_PER_SEC;

  for (guint round = 0; ; round++)
    {
      drain (w);
      if (release_all (w))
        continue;
      if (pendings_open (w) == 0 || (!all_answered && round >= 3))
        break;
      if (g_get_monotonic_time () > deadline)
        {
          world_fail (w, "%u calls never returned", pendings_open (w));
          break;
        }
      mode_clock_advance (w->clock, 6 * G_USEC_PER_SEC);
      drain (w);
      if (w->threads)
        {
          /* the threads' answers come through the context */
          GSource *timeout = g_timeout_source_new (10);

          g_source_set_callback (timeout, G_SOURCE_FUNC (g_source_remove_by_user_data),
                                 NULL, NULL);
          g_source_attach (timeout, w->context);
          g_main_context_iteration (w->context, TRUE);
          g_source_destroy (timeout);
          g_source_unref (timeout);
        }
    }
}

static void
world_end (World *w)
{
  g_rec_mutex_lock (&model_lock);
  w->ending = TRUE;
  g_rec_mutex_unlock (&model_lock);
  settle (w, FALSE);

  /* everything stops, the root first; then every call has its answer */
  for (guint i = 0; i < w->n; i++)
    {
      Pending *p = pending_new (w, i, OP_STOP, FALSE);

      if (trace_ops)
        g_printerr ("final stop of S%u (%s)\n", i, kind_names[w->svcs[i].kind]);
      mode_service_stop_async (w->svcs[i].service, NULL, pending_done, p);
      settle (w, FALSE);
    }
  settle (w, TRUE);

  for (guint i = 0; i < w->n && w->failure == NULL; i++)
    {
      Svc *svc = &w->svcs[i];
      ModeServiceState state = mode_service_get_state (svc->service);

      if (svc->model.in_run && svc->kind != KIND_PLAIN && svc->kind != KIND_SUPERVISOR)
        world_fail (w, "S%u is still in its run after its stop (state %d)", i, state);
      else if (state == MODE_SERVICE_STATE_STARTING || state == MODE_SERVICE_STATE_RUNNING ||
               state == MODE_SERVICE_STATE_STOPPING)
        world_fail (w, "S%u is %s after its stop", i,
                    state == MODE_SERVICE_STATE_STOPPING ? "stopping" : "running");
      else if (mode_service_get_n_tasks (svc->service) != 0)
        world_fail (w, "S%u has tasks after its stop", i);
    }

  /* every call answered once; then every object goes */
  for (guint i = 0; i < w->pendings->len; i++)
    {
      Pending *p = g_ptr_array_index (w->pendings, i);

      if (p->calls != 1 && w->failure == NULL)
        world_fail (w, "the callback of %s of S%u (step %u) ran %u times",
                    op_names[p->kind], p->svc, p->step, p->calls);
      g_clear_object (&p->cancellable);
      g_free (p);
    }
  g_ptr_array_set_size (w->pendings, 0);

  for (guint i = 0; i < w->n; i++)
    {
      g_signal_handlers_disconnect_by_data (w->svcs[i].service, &w->svcs[i]);
      g_clear_object (&w->svcs[i].service);
    }
  drain (w);
  if (w->threads)
    {
      for (guint round = 0; round < 1000; round++)
        {
          gboolean alive = FALSE;

          for (guint i = 0; i < w->n; i++)
            alive |= w->svcs[i].weak != NULL;
          if (!alive)
            break;
          g_usleep (1000);
          drain (w);
        }
    }
  for (guint i = 0; i < w->n && w->failure == NULL; i++)
    if (w->svcs[i].weak != NULL)
      world_fail (w, "S%u (%s) was not freed", i, kind_names[w->svcs[i].kind]);

  {
    gpointer clock = w->clock;

    g_object_add_weak_pointer (G_OBJECT (clock), &clock);
    g_clear_object (&w->clock);
    drain (w);
    if (clock != NULL)
      {
        g_object_remove_weak_pointer (G_OBJECT (clock), &clock);
        world_fail (w, "the clock was not freed: something still holds it");
      }
  }
}

/* }}} */

/* Running, shrinking and replaying sequences {{{ */

static char *
ops_to_string (guint32  seed,
               GArray  *ops)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%u:", seed);
  for (guint i = 0; i < ops->len; i++)
    {
      Op *op = &g_array_index (ops, Op, i);
      g_string_append_printf (out, "%s%u,%u,%u,%u", i > 0 ? ";" : "", op->kind, op->a, op->b, op->c);
    }
  return g_string_free (out, FALSE);
}

static GArray *
ops_from_string (const char *text,
                 guint32    *seed)
{
  GArray *ops = g_array_new (FALSE, FALSE, sizeof (Op));
  g_auto(GStrv) items = NULL;
  const char *colon = strchr (text, ':');

  g_assert_nonnull (colon);
  *seed = (guint32) g_ascii_strtoull (text, NULL, 10);
  items = g_strsplit (colon + 1, ";", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      Op op;

      if (items[i][0] == '\0')
        continue;
      g_assert_cmpint (sscanf (items[i], "%u,%u,%u,%u", &op.kind, &op.a, &op.b, &op.c), ==, 4);
      g_assert_cmpuint (op.kind, <, N_OP_KINDS);
      g_array_append_val (ops, op);
    }
  return ops;
}

static void
print_ops (GArray *ops)
{
  for (guint i = 0; i < ops->len; i++)
    {
      Op *op = &g_array_index (ops, Op, i);
      g_printerr ("  %3u %s a=%u b=%u c=%u\n", i + 1, op_names[op->kind], op->a, op->b, op->c);
    }
}

/* The world being run, for the crash handler */
static World *current_world;

/* A crash of the library (an assertion, a signal) ends the process
 * before any shrinking: say at least which sequence it was, and how to
 * shrink it apart. */
static void
crash_handler (int signum)
{
  World *w = current_world;

  if (w != NULL)
    {
      char *text = ops_to_string (w->seed, w->ops);

      g_printerr ("\nseed %u crashed (signal %d) after %u operations\n"
                  "shrink: MODE_RANDOM_SHRINK='%s' %s -p /lifecycle-random/shrink\n",
                  w->seed, signum, w->ops->len, text, g_get_prgname ());
    }
  signal (signum, SIG_DFL);
  raise (signum);
}

/* Runs a sequence: the given operations, or @n_random random ones.
 * Returns the failure (the first rule broken), or NULL. */
static char *
sequence_run (guint32   seed,
              GArray   *given,
              guint     n_random,
              GArray  **ops_out)
{
  World *w = world_new (seed);
  char *failure;
  guint n = given != NULL ? given->len : n_random;

  current_world = w;

  for (guint i = 0; i < n && w->failure == NULL; i++)
    {
      Op op = given != NULL ? g_array_index (given, Op, i) : op_random (w);

      g_array_append_val (w->ops, op);
      op_exec (w, &op);
    }
  if (w->failure == NULL)
    world_end (w);

  current_world = NULL;
  if (ops_out != NULL)
    *ops_out = g_array_ref (w->ops);
  failure = g_steal_pointer (&w->failure);
  if (failure != NULL)
    return failure;  /* the world is left as it broke: not freed */

  world_free (w);
  return NULL;
}

/* Does the sequence fail, run in a subprocess (a crash is a failure too)? */
static gboolean
sequence_fails_apart (guint32  seed,
                      GArray  *ops)
{
  g_autofree char *text = ops_to_string (seed, ops);
  g_autoptr(GError) error = NULL;

  /* the file main() named, before any thread was made */
  if (!g_file_set_contents (g_getenv ("MODE_RANDOM_REPLAY_FILE"), text, -1, &error))
    g_error ("%s", error->message);
  /* one that hangs fails too */
  g_test_trap_subprocess ("/lifecycle-random/replay", 20 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_DEFAULT);

  return !g_test_trap_has_passed ();
}

/* Takes operations away while the sequence still fails. */
static GArray *
sequence_shrink (guint32  seed,
                 GArray  *ops)
{
  GArray *best = g_array_copy (ops);
  gboolean smaller = TRUE;

  /* halves, then quarters..., then one at a time */
  for (guint chunk = MAX (best->len / 2, 1); smaller || chunk > 1; chunk = MAX (chunk / 2, 1))
    {
      smaller = FALSE;
      for (guint i = 0; i + chunk <= best->len; )
        {
          GArray *candidate = g_array_copy (best);

          g_array_remove_range (candidate, i, chunk);
          if (sequence_fails_apart (seed, candidate))
            {
              g_array_unref (best);
              best = candidate;
              smaller = TRUE;
            }
          else
            {
              g_array_unref (candidate);
              i += chunk;
            }
        }
      if (chunk == 1 && !smaller)
        break;
    }

  return best;
}

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *value = g_getenv (name);

  return value != NULL && *value != '\0' ? (guint) g_ascii_strtoull (value, NULL, 10) : fallback;
}

static void
test_replay (void)
{
  g_autofree char *from_file = NULL;
  const char *text = g_getenv ("MODE_RANDOM_REPLAY");
  g_autoptr(GArray) ops = NULL;
  g_autofree char *failure = NULL;
  guint32 seed;

  /* a shrinking candidate, from the test that runs this one apart */
  if (text == NULL && g_test_subprocess () &&
      g_file_get_contents (g_getenv ("MODE_RANDOM_REPLAY_FILE"), &from_file, NULL, NULL))
    text = from_file;

  if (text == NULL)
    {
      /* none given: the replay machinery itself, which the shrinking
       * of a failing sequence stands on: a seed's operations written
       * out, read back and run again give the same sequence */
      g_autoptr(GArray) recorded = NULL;
      g_autofree char *first = sequence_run (1, NULL, 60, &recorded);
      g_autofree char *written = NULL;

      g_assert_null (first);
      written = ops_to_string (1, recorded);
      ops = ops_from_string (written, &seed);
      g_assert_cmpuint (seed, ==, 1);
      g_assert_cmpuint (ops->len, ==, recorded->len);
      g_assert_cmpint (memcmp (ops->data, recorded->data,
                               recorded->len * g_array_get_element_size (recorded)), ==, 0);
      failure = sequence_run (seed, ops, 0, NULL);
      g_assert_null (failure);
      return;
    }

  ops = ops_from_string (text, &seed);
  failure = sequence_run (seed, ops, 0, NULL);
  if (failure != NULL)
    g_error ("seed %u: %s", seed, failure);
}

/* Shrinks the sequence MODE_RANDOM_SHRINK gives (as the crash handler
 * prints it), each candidate run apart. */
static void
test_shrink (void)
{
  const char *text = g_getenv ("MODE_RANDOM_SHRINK");
  g_autoptr(GArray) ops = NULL;
  g_autoptr(GArray) small = NULL;
  g_autofree char *small_text = NULL;
  guint32 seed;

  if (text == NULL)
    {
      g_test_skip ("MODE_RANDOM_SHRINK is not set");
      return;
    }

  ops = ops_from_string (text, &seed);
  if (!sequence_fails_apart (seed, ops))
    {
      g_test_message ("seed %u: the sequence passes", seed);
      return;
    }
  small = sequence_shrink (seed, ops);
  small_text = ops_to_string (seed, small);
  g_printerr ("the sequence shrunk to %u operations:\n", small->len);
  print_ops (small);
  g_printerr ("replay: MODE_RANDOM_REPLAY='%s' %s -p /lifecycle-random/replay\n",
              small_text, g_get_prgname ());
  g_unlink (g_getenv ("MODE_RANDOM_REPLAY_FILE"));
}

static void
test_sequences (void)
{
  guint count = env_uint ("MODE_RANDOM_SEQUENCES", 300);
  guint first = env_uint ("MODE_RANDOM_SEED", 1);
  guint n_ops = env_uint ("MODE_RANDOM_OPS", 200);
  gint64 begin = g_get_monotonic_time ();

  for (guint i = 0; i < count; i++)
    {
      guint32 seed = first + i;
      g_autoptr(GArray) ops = NULL;
      g_autofree char *failure = sequence_run (seed, NULL, n_ops, &ops);

      if (failure != NULL)
        {
          g_autoptr(GArray) small = NULL;
          g_autofree char *text = NULL;

          g_printerr ("\nseed %u breaks a rule after %u operations: %s\n", seed, ops->len, failure);
          small = sequence_shrink (seed, ops);
          text = ops_to_string (seed, small);
          g_printerr ("the sequence shrunk to %u operations:\n", small->len);
          print_ops (small);
          g_printerr ("replay: MODE_RANDOM_REPLAY='%s' %s -p /lifecycle-random/replay\n",
                      text, g_get_prgname ());
          g_unlink (g_getenv ("MODE_RANDOM_REPLAY_FILE"));
          g_error ("seed %u: %s", seed, failure);
        }
    }

  g_test_message ("%u sequences from seed %u in %.1f s", count, first,
                  (g_get_monotonic_time () - begin) / (gdouble) G_USEC_PER_SEC);
  g_test_message ("hooks: %" G_GUINT64_FORMAT " on_first_start, %" G_GUINT64_FORMAT
                  " on_start, %" G_GUINT64_FORMAT " on_started, %" G_GUINT64_FORMAT
                  " on_stop, %" G_GUINT64_FORMAT " on_shutdown, %" G_GUINT64_FORMAT
                  " on_restart; %" G_GUINT64_FORMAT " held", stats.hooks[HOOK_FIRST_START],
                  stats.hooks[HOOK_START], stats.hooks[HOOK_STARTED], stats.hooks[HOOK_STOP],
                  stats.hooks[HOOK_SHUTDOWN], stats.hooks[HOOK_RESTART], stats.held);
  g_test_message ("calls: %" G_GUINT64_FORMAT " answered, %" G_GUINT64_FORMAT
                  " with an error, %" G_GUINT64_FORMAT " cancelled; %" G_GUINT64_FORMAT
                  " crashes", stats.calls, stats.failed_calls, stats.cancelled, stats.crashes);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  /* where a sequence being shrunk is handed to the subprocess that
   * replays it: named now, before any thread, for the subprocesses to
   * inherit */
  if (g_getenv ("MODE_RANDOM_REPLAY_FILE") == NULL)
    {
      g_autofree char *name = g_strdup_printf ("mode-random-%d.ops", (int) getpid ());
      g_autofree char *path = g_build_filename (g_get_tmp_dir (), name, NULL);

      g_setenv ("MODE_RANDOM_REPLAY_FILE", path, TRUE);
    }

  g_test_init (&argc, &argv, NULL);
  test_log_init ();
  trace_ops = g_getenv ("MODE_RANDOM_TRACE") != NULL;
  /* crashes and failing hooks are logged: expected */
  test_log_expect_warnings ();

  g_test_add_func ("/lifecycle-random/sequences", test_sequences);
  /* a failing sequence is shrunk by replaying parts of it in
   * subprocesses of this test (the shrink entry is a tool, there when
   * asked for) */
  g_test_add_func ("/lifecycle-random/replay", test_replay);
  if (g_getenv ("MODE_RANDOM_SHRINK") != NULL)
    g_test_add_func ("/lifecycle-random/shrink", test_shrink);

  signal (SIGABRT, crash_handler);
  signal (SIGSEGV, crash_handler);
  signal (SIGBUS, crash_handler);
  signal (SIGTRAP, crash_handler);

  return g_test_run ();
}
