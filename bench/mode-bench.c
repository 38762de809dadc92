/* mode-bench.c: the benchmark program of mode-glib
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * One benchmark a call; prints one JSON object on one line to stdout.
 * The workloads and field names are fixed (see bench/README.md), so that
 * the figures compare line by line with the same workloads run on Mode.
 */

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include <mode-glib/mode-glib.h>

/* Helpers {{{ */

static gboolean result_ready;
static GError *result_error;

static void
op_done (GObject      *object,
         GAsyncResult *result,
         gpointer      data)
{
  gboolean (*finish) (ModeService *, GAsyncResult *, GError **) = data;

  finish (MODE_SERVICE (object), result, &result_error);
  result_ready = TRUE;
}

static void
run_op (ModeService *service,
        void (*op) (ModeService *, GCancellable *, GAsyncReadyCallback, gpointer),
        gboolean (*finish) (ModeService *, GAsyncResult *, GError **))
{
  result_ready = FALSE;
  op (service, NULL, op_done, finish);
  while (!result_ready)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  if (result_error != NULL)
    g_error ("%s", result_error->message);
}

#define START(s)   run_op ((s), mode_service_start_async, mode_service_start_finish)
#define STOP(s)    run_op ((s), mode_service_stop_async, mode_service_stop_finish)
#define RESTART(s) run_op ((s), mode_service_restart_async, mode_service_restart_finish)

static gdouble
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile over all the samples. */
static gint64
percentile (GArray  *sorted,
            gdouble  p)
{
  guint rank;

  if (sorted->len == 0)
    return 0;
  rank = (guint) (p / 100.0 * sorted->len + 0.999999);
  rank = CLAMP (rank, 1, sorted->len);
  return g_array_index (sorted, gint64, rank - 1);
}

static gdouble
mean (GArray *samples)
{
  gdouble sum = 0;

  for (guint i = 0; i < samples->len; i++)
    sum += g_array_index (samples, gint64, i);
  return samples->len > 0 ? sum / samples->len : 0;
}

static gdouble
rss_mb (void)
{
  g_autofree char *contents = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &contents, NULL, NULL) ||
      sscanf (contents, "%lu %lu", &size, &resident) != 2)
    return 0;
  return resident * (gdouble) sysconf (_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static gdouble
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static guint
arg_uint (char **argv, int argc, int i, guint fallback)
{
  return i < argc ? (guint) g_ascii_strtoull (argv[i], NULL, 10) : fallback;
}

/* }}} */

/* start_stop_flat, start_stop_tree {{{ */

static void
print_start_stop (const char *head,
                  guint       services,
                  gdouble     construct_ms,
                  gdouble     start_ms,
                  gdouble     stop_ms)
{
  g_print ("{\"impl\": \"mode-glib\", %s, \"services\": %u, "
           "\"construct_ms\": %.3f, \"start_ms\": %.3f, \"stop_ms\": %.3f, "
           "\"construct_us_per_svc\": %.4f, \"start_us_per_svc\": %.4f, \"stop_us_per_svc\": %.4f}\n",
           head, services, construct_ms, start_ms, stop_ms,
           construct_ms * 1000 / services, start_ms * 1000 / services, stop_ms * 1000 / services);
}

static int
bench_start_stop_flat (guint n)
{
  g_autofree char *head = NULL;
  ModeService *root;
  gint64 t;
  gdouble construct_ms, start_ms, stop_ms;

  t = g_get_monotonic_time ();
  root = mode_service_new ();
  for (guint i = 0; i < n; i++)
    {
      ModeService *child = mode_service_new ();
      mode_service_add_dependency (root, child);
      g_object_unref (child);
    }
  construct_ms = ms_since (t);

  t = g_get_monotonic_time ();
  START (root);
  start_ms = ms_since (t);

  t = g_get_monotonic_time ();
  STOP (root);
  stop_ms = ms_since (t);

  head = g_strdup_printf ("\"bench\": \"start_stop_flat\", \"n_children\": %u", n);
  print_start_stop (head, n + 1, construct_ms, start_ms, stop_ms);
  g_object_unref (root);
  return 0;
}

static guint
build_tree (ModeService *parent,
            guint        branching,
            guint        depth)
{
  guint count = 0;

  if (depth == 0)
    return 0;

  for (guint i = 0; i < branching; i++)
    {
      ModeService *child = mode_service_new ();
      mode_service_add_dependency (parent, child);
      count += 1 + build_tree (child, branching, depth - 1);
      g_object_unref (child);
    }
  return count;
}

static int
bench_start_stop_tree (guint branching,
                       guint depth)
{
  g_autofree char *head = NULL;
  ModeService *root;
  guint services;
  gint64 t;
  gdouble construct_ms, start_ms, stop_ms;

  /* depth counts the levels below the root: 4 6 gives 5461 services */
  t = g_get_monotonic_time ();
  root = mode_service_new ();
  services = 1 + build_tree (root, branching, depth);
  construct_ms = ms_since (t);

  t = g_get_monotonic_time ();
  START (root);
  start_ms = ms_since (t);

  t = g_get_monotonic_time ();
  STOP (root);
  stop_ms = ms_since (t);

  head = g_strdup_printf ("\"bench\": \"start_stop_tree\", \"branching\": %u, \"depth\": %u",
                          branching, depth);
  print_start_stop (head, services, construct_ms, start_ms, stop_ms);
  g_object_unref (root);
  return 0;
}

/* }}} */

/* slow_start_tree {{{ */

/* A service whose on_start takes a while (it opens a connection, say):
 * its task completes hook_ms later. */
G_DECLARE_FINAL_TYPE (SlowService, slow_service, SLOW, SERVICE, ModeService)

struct _SlowService
{
  ModeService parent_instance;
};

static guint slow_hook_ms;

G_DEFINE_FINAL_TYPE (SlowService, slow_service, MODE_TYPE_SERVICE)

static gboolean
slow_hook_done (gpointer data)
{
  g_task_return_boolean (data, TRUE);
  return G_SOURCE_REMOVE;
}

static void
slow_on_start_async (ModeService  *self,
                     GCancellable *cancellable,
                     GTask        *task)
{
  GSource *source = g_timeout_source_new (slow_hook_ms);

  g_source_set_callback (source, slow_hook_done, g_object_ref (task), g_object_unref);
  g_source_set_static_name (source, "[mode-bench] slow on_start");
  g_source_attach (source, mode_service_get_main_context (self));
  g_source_unref (source);
}

static void
slow_service_class_init (SlowServiceClass *klass)
{
  MODE_SERVICE_CLASS (klass)->on_start_async = slow_on_start_async;
}

static void
slow_service_init (SlowService *self)
{
}

/* A tree of @depth levels (the root's included) under @parent. */
static guint
build_slow_tree (ModeService          *parent,
                 guint                 branching,
                 guint                 depth,
                 ModeDependencyStart   how)
{
  guint count = 0;

  mode_service_set_start_dependencies (parent, how);
  if (depth <= 1)
    return 0;
  for (guint i = 0; i < branching; i++)
    {
      ModeService *child = g_object_new (slow_service_get_type (), NULL);

      mode_service_add_dependency (parent, child);
      count += 1 + build_slow_tree (child, branching, depth - 1, how);
      g_object_unref (child);
    }
  return count;
}

static gdouble
slow_start_ms (guint               branching,
               guint               depth,
               ModeDependencyStart how,
               guint              *services)
{
  ModeService *root = g_object_new (slow_service_get_type (), NULL);
  gdouble ms;
  gint64 t;

  *services = 1 + build_slow_tree (root, branching, depth, how);
  t = g_get_monotonic_time ();
  START (root);
  ms = ms_since (t);
  STOP (root);
  g_object_unref (root);
  return ms;
}

static int
bench_slow_start_tree (guint depth,
                       guint branching,
                       guint hook_ms)
{
  guint services;
  gdouble in_order_ms, parallel_ms;

  slow_hook_ms = hook_ms;
  in_order_ms = slow_start_ms (branching, depth, MODE_DEPENDENCY_START_IN_ORDER, &services);
  parallel_ms = slow_start_ms (branching, depth, MODE_DEPENDENCY_START_PARALLEL, &services);

  g_print ("{\"impl\": \"mode-glib\", \"bench\": \"slow_start_tree\", \"depth\": %u, "
           "\"branching\": %u, \"services\": %u, \"hook_ms\": %u, "
           "\"in_order_start_ms\": %.3f, \"parallel_start_ms\": %.3f, "
           "\"critical_path_ms\": %u}\n",
           depth, branching, services, hook_ms, in_order_ms, parallel_ms, depth * hook_ms);
  return 0;
}

/* }}} */

/* restart {{{ */

static int
bench_restart (guint restarts,
               guint children)
{
  g_autoptr(GArray) samples = g_array_sized_new (FALSE, FALSE, sizeof (gint64), restarts);
  ModeService *root = mode_service_new ();
  gint64 t0;
  gdouble total_ms;

  for (guint i = 0; i < children; i++)
    {
      ModeService *child = mode_service_new ();
      mode_service_add_dependency (root, child);
      g_object_unref (child);
    }
  START (root);

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < restarts; i++)
    {
      gint64 t = g_get_monotonic_time ();
      gint64 elapsed;

      RESTART (root);
      elapsed = g_get_monotonic_time () - t;
      g_array_append_val (samples, elapsed);
    }
  total_ms = ms_since (t0);
  STOP (root);

  g_array_sort (samples, compare_gint64);
  g_print ("{\"impl\": \"mode-glib\", \"bench\": \"restart\", \"restarts\": %u, \"children\": %u, "
           "\"total_ms\": %.3f, \"restarts_per_s\": %.1f, \"us_per_restart\": %.3f, "
           "\"us_per_service_restart\": %.3f, \"p50_us\": %" G_GINT64_FORMAT ", "
           "\"p99_us\": %" G_GINT64_FORMAT ", \"max_us\": %" G_GINT64_FORMAT "}\n",
           restarts, children, total_ms, restarts / (total_ms / 1000.0),
           total_ms * 1000 / restarts, total_ms * 1000 / restarts / (children + 1),
           percentile (samples, 50), percentile (samples, 99), percentile (samples, 100));
  g_object_unref (root);
  return 0;
}

/* }}} */

/* futures {{{ */

static guint short_done;

static gboolean
short_complete (gpointer data)
{
  GTask *task = data;

  g_task_return_boolean (task, TRUE);
  short_done++;
  return G_SOURCE_REMOVE;
}

/* completes after one main loop iteration */
static void
short_task (ModeService *service,
            GTask       *task,
            gpointer     user_data)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, short_complete, g_object_ref (task), g_object_unref);
  g_source_attach (source, NULL);
  g_source_unref (source);
}

static guint long_cancelled;
static guint long_exited;

static void long_task_sleep (GTask *task);

static void
long_task_woke (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  GTask *task = data;

  if (mode_service_sleep_finish (MODE_SERVICE (object), result, NULL))
    {
      long_task_sleep (task);
      return;
    }

  /* woken by the stop */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)) ||
      mode_service_get_should_stop (MODE_SERVICE (object)))
    long_cancelled++;
  long_exited++;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
long_task_sleep (GTask *task)
{
  mode_service_sleep_async (g_task_get_source_object (task), 10.0, NULL, long_task_woke, task);
}

static void
long_task (ModeService *service,
           GTask       *task,
           gpointer     user_data)
{
  long_task_sleep (g_object_ref (task));
}

static int
bench_futures (guint short_n,
               guint long_n)
{
  ModeService *service = mode_service_new ();
  gint64 t;
  gdouble short_spawn_ms, short_run_ms, short_stop_ms, long_spawn_ms, long_stop_ms;

  START (service);

  t = g_get_monotonic_time ();
  for (guint i = 0; i < short_n; i++)
    mode_service_spawn (service, "short", short_task, NULL, NULL);
  short_spawn_ms = ms_since (t);

  t = g_get_monotonic_time ();
  while (mode_service_get_n_tasks (service) > 0)
    g_main_context_iteration (NULL, TRUE);
  short_run_ms = ms_since (t);
  g_assert (short_done == short_n);

  t = g_get_monotonic_time ();
  STOP (service);
  short_stop_ms = ms_since (t);
  g_object_unref (service);

  service = mode_service_new ();
  START (service);
  t = g_get_monotonic_time ();
  for (guint i = 0; i < long_n; i++)
    mode_service_spawn (service, "long", long_task, NULL, NULL);
  long_spawn_ms = ms_since (t);
  /* let every one of them park */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  t = g_get_monotonic_time ();
  STOP (service);
  long_stop_ms = ms_since (t);
  g_object_unref (service);

  g_print ("{\"impl\": \"mode-glib\", \"bench\": \"futures\", \"short_n\": %u, "
           "\"short_spawn_ms\": %.3f, \"short_run_ms\": %.3f, \"short_stop_ms\": %.3f, "
           "\"short_total_ms\": %.3f, \"short_us_per_task\": %.4f, \"long_n\": %u, "
           "\"long_spawn_ms\": %.3f, \"long_stop_ms\": %.3f, \"long_stop_us_per_task\": %.4f, "
           "\"long_exited_cleanly\": %u, \"long_cancelled\": %u}\n",
           short_n, short_spawn_ms, short_run_ms, short_stop_ms,
           short_spawn_ms + short_run_ms + short_stop_ms,
           (short_spawn_ms + short_run_ms) * 1000 / MAX (short_n, 1),
           long_n, long_spawn_ms, long_stop_ms, long_stop_ms * 1000 / MAX (long_n, 1),
           long_exited, long_cancelled);
  return 0;
}

/* }}} */

/* timers {{{ */

typedef struct
{
  GArray *ticks;   /* gint64, monotonic times */
} TimerRecord;

static void
timer_tick (ModeService *service,
            ModeTimer   *timer,
            gpointer     data)
{
  TimerRecord *record = data;
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (record->ticks, now);
}

static gboolean
quit_after (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static int
bench_timers (guint  n,
              gdouble seconds)
{
  ModeService *root = mode_service_new ();
  TimerRecord *records = g_new0 (TimerRecord, n);
  g_autoptr(GArray) deviations = g_array_new (FALSE, FALSE, sizeof (gint64));
  const gint64 interval = 10000;
  gboolean over = FALSE;
  guint64 ticks = 0;
  gdouble cpu0, cpu1, interval_sum = 0;
  guint intervals = 0;
  gint64 t0, t;
  gdouble stop_ms;
  GSource *timeout;

  for (guint i = 0; i < n; i++)
    {
      ModeService *child = mode_service_new ();

      /* the recorder sized up front: grown as it went, a thousand
       * arrays doubled in the same tick (the 32nd, 64th, 128th...), and
       * their reallocations and page faults showed as late ticks */
      records[i].ticks = g_array_sized_new (FALSE, FALSE, sizeof (gint64),
                                            (guint) (seconds * G_USEC_PER_SEC / interval) + 16);
      mode_service_add_timer (child, "tick", interval / 1e6, timer_tick, &records[i], NULL);
      mode_service_add_dependency (root, child);
      g_object_unref (child);
    }

  START (root);
  cpu0 = cpu_seconds ();
  t0 = g_get_monotonic_time ();
  timeout = g_timeout_source_new ((guint) (seconds * 1000));
  g_source_set_callback (timeout, quit_after, &over, NULL);
  g_source_attach (timeout, NULL);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
  g_source_unref (timeout);
  cpu1 = cpu_seconds ();

  t = g_get_monotonic_time ();
  STOP (root);
  stop_ms = ms_since (t);

  for (guint i = 0; i < n; i++)
    {
      GArray *a = records[i].ticks;

      ticks += a->len;
      for (guint j = 1; j < a->len; j++)
        {
          gint64 d = g_array_index (a, gint64, j) - g_array_index (a, gint64, j - 1);
          gint64 dev = ABS (d - interval);

          interval_sum += d;
          intervals++;
          g_array_append_val (deviations, dev);
        }
      g_array_unref (a);
    }
  g_free (records);
  g_array_sort (deviations, compare_gint64);

  {
    gdouble duration = (t - t0) / 1e6;
    guint64 expected = (guint64) (n * (seconds * 1e6 / interval));

    g_print ("{\"impl\": \"mode-glib\", \"bench\": \"timers\", \"timers\": %u, \"interval_ms\": %.1f, "
             "\"duration_s\": %.3f, \"ticks\": %" G_GUINT64_FORMAT ", \"expected_ticks\": %" G_GUINT64_FORMAT ", "
             "\"tick_ratio\": %.4f, \"mean_interval_us\": %.1f, \"dev_p50_us\": %" G_GINT64_FORMAT ", "
             "\"dev_p99_us\": %" G_GINT64_FORMAT ", \"dev_max_us\": %" G_GINT64_FORMAT ", "
             "\"cpu_util\": %.4f, \"stop_ms\": %.3f}\n",
             n, interval / 1000.0, duration, ticks, expected,
             expected > 0 ? (gdouble) ticks / expected : 0.0,
             intervals > 0 ? interval_sum / intervals : 0.0,
             percentile (deviations, 50), percentile (deviations, 99), percentile (deviations, 100),
             (cpu1 - cpu0) / duration, stop_ms);
  }

  g_object_unref (root);
  return 0;
}

/* }}} */

/* memory {{{ */

static int
bench_memory (guint n)
{
  ModeService *root;
  gdouble base, constructed, started, stopped;
  gint64 t;
  gdouble construct_s, start_s, stop_s;

  /* warm the type system up so it is not counted */
  g_object_unref (mode_service_new ());
  base = rss_mb ();

  t = g_get_monotonic_time ();
  root = mode_service_new ();
  for (guint i = 0; i < n; i++)
    {
      ModeService *child = mode_service_new ();
      mode_service_add_dependency (root, child);
      g_object_unref (child);
    }
  construct_s = (g_get_monotonic_time () - t) / 1e6;
  constructed = rss_mb ();

  t = g_get_monotonic_time ();
  START (root);
  start_s = (g_get_monotonic_time () - t) / 1e6;
  started = rss_mb ();

  t = g_get_monotonic_time ();
  STOP (root);
  stop_s = (g_get_monotonic_time () - t) / 1e6;
  stopped = rss_mb ();

  g_print ("{\"impl\": \"mode-glib\", \"bench\": \"memory\", \"services\": %u, "
           "\"rss_base_mb\": %.3f, \"rss_constructed_mb\": %.3f, \"rss_started_mb\": %.3f, "
           "\"rss_stopped_mb\": %.3f, \"bytes_per_svc_constructed\": %.1f, "
           "\"bytes_per_svc_started\": %.1f, \"bytes_per_svc_stopped\": %.1f, "
           "\"construct_s\": %.4f, \"start_s\": %.4f, \"stop_s\": %.4f}\n",
           n, base, constructed, started, stopped,
           (constructed - base) * 1024 * 1024 / n,
           (started - base) * 1024 * 1024 / n,
           (stopped - base) * 1024 * 1024 / n,
           construct_s, start_s, stop_s);
  g_object_unref (root);
  return 0;
}

/* }}} */

/* crash_supervisor {{{ */

static guint restarted_count;

static void
on_started (ModeService *service,
            gpointer     data)
{
  restarted_count++;
}

typedef struct
{
  guint    services, crashes, sequential;
  gboolean logged;   /* under a worker: its log writer writes the crashes */
  int      status;
} CrashBench;

/* The crashes, on a started supervisor; prints the line. */
static void
crash_rounds (CrashBench     *b,
              ModeSupervisor *supervisor,
              GPtrArray      *children)
{
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) reason = g_error_new_literal (MODE_ERROR, MODE_ERROR_FAILED, "crash");
  gint64 t, crash_call_total = 0;
  gdouble batch_ms, seq_ms;
  guint batch_crashes = 0;

  /* rounds of crashing them all, until all restarted */
  t = g_get_monotonic_time ();
  while (batch_crashes < b->crashes)
    {
      guint round = MIN (b->services, b->crashes - batch_crashes);

      restarted_count = 0;
      for (guint i = 0; i < round; i++)
        {
          gint64 c = g_get_monotonic_time ();
          mode_service_crash (g_ptr_array_index (children, i), reason);
          crash_call_total += g_get_monotonic_time () - c;
        }
      while (restarted_count < round)
        g_main_context_iteration (NULL, TRUE);
      batch_crashes += round;
    }
  batch_ms = ms_since (t);

  t = g_get_monotonic_time ();
  for (guint i = 0; i < b->sequential; i++)
    {
      ModeService *child = g_ptr_array_index (children, i % b->services);
      gint64 c = g_get_monotonic_time ();
      gint64 elapsed;

      restarted_count = 0;
      mode_service_crash (child, reason);
      while (restarted_count < 1)
        g_main_context_iteration (NULL, TRUE);
      elapsed = g_get_monotonic_time () - c;
      g_array_append_val (latencies, elapsed);
    }
  seq_ms = ms_since (t);
  g_array_sort (latencies, compare_gint64);

  g_print ("{\"impl\": \"mode-glib\", \"bench\": \"%s\", \"services\": %u, "
           "\"batch_crashes\": %u, \"batch_ms\": %.3f, \"batch_restarts_per_s\": %.1f, "
           "\"batch_us_per_restart\": %.4f, \"crash_call_us\": %.4f, \"seq_crashes\": %u, "
           "\"seq_restarts_per_s\": %.1f, \"seq_lat_mean_us\": %.3f, \"seq_lat_p50_us\": %" G_GINT64_FORMAT ", "
           "\"seq_lat_p99_us\": %" G_GINT64_FORMAT ", \"seq_lat_max_us\": %" G_GINT64_FORMAT "}\n",
           b->logged ? "crash_supervisor_logged" : "crash_supervisor",
           b->services, batch_crashes, batch_ms, batch_crashes / (batch_ms / 1000.0),
           batch_ms * 1000 / MAX (batch_crashes, 1),
           crash_call_total / (gdouble) MAX (batch_crashes, 1),
           b->sequential, b->sequential / (seq_ms / 1000.0), mean (latencies),
           percentile (latencies, 50), percentile (latencies, 99), percentile (latencies, 100));
}

typedef struct
{
  CrashBench     *bench;
  ModeWorker     *worker;
  ModeSupervisor *supervisor;
  GPtrArray      *children;
} LoggedRun;

static gboolean
logged_rounds (gpointer data)
{
  LoggedRun *run = data;

  crash_rounds (run->bench, run->supervisor, run->children);
  mode_service_stop_async (MODE_SERVICE (run->worker), NULL, NULL, NULL);
  return G_SOURCE_REMOVE;
}

static void
logged_worker_started (ModeService *worker,
                       gpointer     data)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, logged_rounds, data, NULL);
  g_source_set_static_name (source, "[mode-bench] crash rounds");
  g_source_attach (source, mode_service_get_main_context (worker));
  g_source_unref (source);
}

static int
bench_crash_supervisor (guint    services,
                        guint    crashes,
                        guint    sequential,
                        gboolean logged)
{
  ModeSupervisor *supervisor = mode_supervisor_new (MODE_SUPERVISOR_ONE_FOR_ONE);
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func (g_object_unref);
  CrashBench b = { services, crashes, sequential, logged, 0 };

  mode_supervisor_set_max_restarts (supervisor, G_MAXUINT);
  for (guint i = 0; i < services; i++)
    {
      ModeService *child = mode_service_new ();

      g_signal_connect (child, "started", G_CALLBACK (on_started), NULL);
      mode_supervisor_add (supervisor, child);
      g_ptr_array_add (children, child);
    }

  if (logged)
    {
      /* as a deployed program runs: a worker at its default level, its
       * log writer on stderr writing every crash line */
      ModeWorker *worker = mode_worker_new ();
      LoggedRun run = { &b, worker, supervisor, children };

      mode_worker_set_quiet (worker, TRUE); /* stdout holds the one JSON line */
      mode_worker_add_service (worker, MODE_SERVICE (supervisor));
      g_signal_connect (worker, "started", G_CALLBACK (logged_worker_started), &run);
      b.status = mode_worker_run (worker);
      g_object_unref (worker);
    }
  else
    {
      START (MODE_SERVICE (supervisor));
      crash_rounds (&b, supervisor, children);
      STOP (MODE_SERVICE (supervisor));
    }

  g_object_unref (supervisor);
  return b.status;
}

/* }}} */

/* thread_call {{{ */

static void
trivial_call (ModeServiceThread *self,
              GTask             *task,
              gpointer           user_data)
{
  g_task_return_boolean (task, TRUE);
}

static void
call_done (GObject      *object,
           GAsyncResult *result,
           gpointer      data)
{
  if (!mode_service_thread_call_finish (MODE_SERVICE_THREAD (object), result, NULL, &result_error))
    g_error ("%s", result_error->message);
  result_ready = TRUE;
}

static int
bench_thread_call (guint n)
{
  ModeServiceThread *thread = mode_service_thread_new ();
  g_autoptr(GArray) samples = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  gdouble start_ms, stop_ms, total_ms;
  gint64 t, total;

  /* no keepalive traffic in the figures */
  mode_service_thread_set_keepalive_timeout (thread, 0);

  t = g_get_monotonic_time ();
  START (MODE_SERVICE (thread));
  start_ms = ms_since (t);

  total = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      gint64 c = g_get_monotonic_time ();
      gint64 elapsed;

      result_ready = FALSE;
      mode_service_thread_call_async (thread, trivial_call, NULL, NULL, NULL, call_done, NULL);
      while (!result_ready)
        g_main_context_iteration (NULL, TRUE);
      elapsed = g_get_monotonic_time () - c;
      g_array_append_val (samples, elapsed);
    }
  total_ms = ms_since (total);

  t = g_get_monotonic_time ();
  STOP (MODE_SERVICE (thread));
  stop_ms = ms_since (t);

  g_array_sort (samples, compare_gint64);
  g_print ("{\"impl\": \"mode-glib\", \"bench\": \"thread_call\", \"calls\": %u, "
           "\"mean_us\": %.3f, \"p50_us\": %" G_GINT64_FORMAT ", \"p99_us\": %" G_GINT64_FORMAT ", "
           "\"max_us\": %" G_GINT64_FORMAT ", \"calls_per_s\": %.1f, "
           "\"thread_start_ms\": %.3f, \"thread_stop_ms\": %.3f}\n",
           n, mean (samples), percentile (samples, 50), percentile (samples, 99),
           percentile (samples, 100), n / (total_ms / 1000.0), start_ms, stop_ms);

  g_object_unref (thread);
  return 0;
}

/* thread_call_loaded {{{
 *
 * thread_call while BUSY threads of the benchmark keep that many
 * processors busy. Two service threads run side by side, one as made
 * (the default spin-time) and one with spin-time 0, each called from a
 * context of its own, as from two programs; the calls alternate between
 * them in short batches, so that both see the same load (a burst of other
 * work lasting milliseconds falls on both), and the line gives both: the
 * default's under the thread_call field names, spin-time 0's under
 * spin0_*, and the ratios of the first to the second. Each batch begins
 * with a call that is not counted: the figures are those of calls that
 * follow calls, as in thread_call, not of the first call to a thread
 * that slept while the other side had its turn. Calls are timed in
 * nanoseconds. */

#define LOADED_BATCH 25

static gint busy_over;

static gpointer
busy_main (gpointer data)
{
  volatile guint64 x = GPOINTER_TO_UINT (data);

  /* plain arithmetic: no system call, no memory traffic */
  while (!g_atomic_int_get (&busy_over))
    for (guint i = 0; i < 10000; i++)
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  return NULL;
}

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static gdouble
loadavg_1m (void)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &contents, NULL, NULL))
    return -1;
  return g_ascii_strtod (contents, NULL);
}

typedef struct
{
  GMainContext      *context;  /* (owned): the calls are made from it */
  ModeServiceThread *thread;   /* (owned) */
  GArray            *samples;  /* (owned) (element-type gint64): ns */
  gint64             total;    /* ns */
} CallSide;

static void
call_side_init (CallSide *side,
                gdouble   spin_time,
                guint     n)
{
  side->context = g_main_context_new ();
  g_main_context_push_thread_default (side->context);
  side->thread = mode_service_thread_new ();
  /* no keepalive traffic in the figures */
  mode_service_thread_set_keepalive_timeout (side->thread, 0);
  if (spin_time >= 0)
    mode_service_thread_set_spin_time (side->thread, spin_time);
  g_main_context_pop_thread_default (side->context);
  side->samples = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  side->total = 0;
}

static gdouble
call_side_op (CallSide *side,
              void (*op) (ModeService *, GCancellable *, GAsyncReadyCallback, gpointer),
              gboolean (*finish) (ModeService *, GAsyncResult *, GError **))
{
  gint64 t = g_get_monotonic_time ();

  g_main_context_push_thread_default (side->context);
  run_op (MODE_SERVICE (side->thread), op, finish);
  g_main_context_pop_thread_default (side->context);
  return ms_since (t);
}

static void
call_side_clear (CallSide *side)
{
  g_object_unref (side->thread);
  while (g_main_context_iteration (side->context, FALSE))
    ;
  g_main_context_unref (side->context);
  g_array_unref (side->samples);
}

/* One call, from @context, waited for there */
static void
call_once (ModeServiceThread *thread,
           GMainContext      *context)
{
  result_ready = FALSE;
  mode_service_thread_call_async (thread, trivial_call, NULL, NULL, NULL, call_done, NULL);
  while (!result_ready)
    g_main_context_iteration (context, TRUE);
}

/* A batch of @n timed calls, after one that is not counted */
static void
call_side_batch (CallSide *side,
                 guint     n)
{
  gint64 c;

  g_main_context_push_thread_default (side->context);
  call_once (side->thread, side->context);

  c = now_ns ();
  for (guint i = 0; i < n; i++)
    {
      gint64 end, elapsed;

      call_once (side->thread, side->context);
      end = now_ns ();
      elapsed = end - c;
      g_array_append_val (side->samples, elapsed);
      side->total += elapsed;
      c = end;
    }
  g_main_context_pop_thread_default (side->context);
}

static int
bench_thread_call_loaded (guint n,
                          guint busy)
{
  g_autoptr(GPtrArray) busy_threads = g_ptr_array_new ();
  CallSide sides[2];   /* the default, spin-time 0 */
  gdouble start_ms, stop_ms, load;
  gdouble p50, p99, p50_0, p99_0;

  call_side_init (&sides[0], -1, n);
  call_side_init (&sides[1], 0, n);
  start_ms = call_side_op (&sides[0], mode_service_start_async, mode_service_start_finish);
  call_side_op (&sides[1], mode_service_start_async, mode_service_start_finish);

  g_atomic_int_set (&busy_over, FALSE);
  for (guint i = 0; i < busy; i++)
    g_ptr_array_add (busy_threads, g_thread_new ("busy", busy_main, GUINT_TO_POINTER (i + 1)));
  g_usleep (20000);

  /* batches in turn, the first of each pair alternating too */
  for (guint done = 0, round = 0; done < n; round++)
    {
      guint batch = MIN (LOADED_BATCH, n - done);

      call_side_batch (&sides[round % 2], batch);
      call_side_batch (&sides[(round + 1) % 2], batch);
      done += batch;
    }
  load = loadavg_1m ();

  g_atomic_int_set (&busy_over, TRUE);
  for (guint i = 0; i < busy_threads->len; i++)
    g_thread_join (g_ptr_array_index (busy_threads, i));

  stop_ms = call_side_op (&sides[0], mode_service_stop_async, mode_service_stop_finish);
  call_side_op (&sides[1], mode_service_stop_async, mode_service_stop_finish);

  g_array_sort (sides[0].samples, compare_gint64);
  g_array_sort (sides[1].samples, compare_gint64);
  p50 = percentile (sides[0].samples, 50) / 1e3;
  p99 = percentile (sides[0].samples, 99) / 1e3;
  p50_0 = percentile (sides[1].samples, 50) / 1e3;
  p99_0 = percentile (sides[1].samples, 99) / 1e3;

  g_print ("{\"impl\": \"mode-glib\", \"bench\": \"thread_call_loaded\", \"calls\": %u, \"busy\": %u, "
           "\"mean_us\": %.3f, \"p50_us\": %.1f, \"p99_us\": %.1f, \"max_us\": %.1f, "
           "\"calls_per_s\": %.1f, \"thread_start_ms\": %.3f, \"thread_stop_ms\": %.3f, "
           "\"spin0_mean_us\": %.3f, \"spin0_p50_us\": %.1f, \"spin0_p99_us\": %.1f, "
           "\"spin0_max_us\": %.1f, \"spin0_calls_per_s\": %.1f, "
           "\"p50_ratio\": %.3f, \"p99_ratio\": %.3f, \"loadavg_1m\": %.2f}\n",
           n, busy, mean (sides[0].samples) / 1e3, p50, p99,
           percentile (sides[0].samples, 100) / 1e3,
           n / (MAX (sides[0].total, 1) / 1e9), start_ms, stop_ms,
           mean (sides[1].samples) / 1e3, p50_0, p99_0,
           percentile (sides[1].samples, 100) / 1e3,
           n / (MAX (sides[1].total, 1) / 1e9),
           p50_0 > 0 ? p50 / p50_0 : 0.0, p99_0 > 0 ? p99 / p99_0 : 0.0, load);

  call_side_clear (&sides[0]);
  call_side_clear (&sides[1]);
  return 0;
}

/* }}} */

/* idle {{{
 *
 * T started service threads (default settings: the keepalive on) and S
 * started plain services, left alone for SECONDS while the main context
 * runs: how often the process wakes up, from the context switches
 * getrusage() counts for all its threads (a thread that sleeps and is
 * woken switches once). The benchmark's own end-of-run timer is one
 * wake-up, not counted. */

static int
bench_idle (guint   threads,
            guint   services,
            gdouble seconds)
{
  ModeService *root = mode_service_new ();
  struct rusage before, after;
  gboolean over = FALSE;
  GSource *timeout;
  gint64 t0, t1;
  glong switches;
  gdouble cpu_ms, elapsed;

  for (guint i = 0; i < threads; i++)
    {
      ModeServiceThread *child = mode_service_thread_new ();
      mode_service_add_dependency (root, MODE_SERVICE (child));
      g_object_unref (child);
    }
  for (guint i = 0; i < services; i++)
    {
      ModeService *child = mode_service_new ();
      mode_service_add_dependency (root, child);
      g_object_unref (child);
    }
  START (root);

  /* what the start left to do is done */
  timeout = g_timeout_source_new (200);
  g_source_set_callback (timeout, quit_after, &over, NULL);
  g_source_attach (timeout, NULL);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
  g_source_unref (timeout);

  over = FALSE;
  timeout = g_timeout_source_new ((guint) (seconds * 1000));
  g_source_set_callback (timeout, quit_after, &over, NULL);
  g_source_attach (timeout, NULL);
  t0 = g_get_monotonic_time ();
  getrusage (RUSAGE_SELF, &before);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
  getrusage (RUSAGE_SELF, &after);
  t1 = g_get_monotonic_time ();
  g_source_unref (timeout);

  STOP (root);
  g_object_unref (root);

  elapsed = (t1 - t0) / 1e6;
  switches = (after.ru_nvcsw - before.ru_nvcsw) + (after.ru_nivcsw - before.ru_nivcsw);
  switches = MAX (switches - 1, 0);  /* the end-of-run timer's */
  cpu_ms = ((after.ru_utime.tv_sec - before.ru_utime.tv_sec) +
            (after.ru_stime.tv_sec - before.ru_stime.tv_sec)) * 1e3 +
           ((after.ru_utime.tv_usec - before.ru_utime.tv_usec) +
            (after.ru_stime.tv_usec - before.ru_stime.tv_usec)) / 1e3;

  g_print ("{\"impl\": \"mode-glib\", \"bench\": \"idle\", \"threads\": %u, \"services\": %u, "
           "\"seconds\": %.3f, \"wakeups_per_s\": %.3f, \"wakeups_per_thread_s\": %.3f, "
           "\"cpu_ms_per_s\": %.4f}\n",
           threads, services, elapsed, switches / elapsed,
           threads > 0 ? switches / elapsed / threads : 0.0, cpu_ms / elapsed);
  return 0;
}

/* }}} */

/* glib_floor {{{
 *
 * Not a workload of the contract: what GLib alone costs for the work
 * under three of the figures, with no service, measured the same way,
 * so that the figures can be read against their floor on the machine
 * they were taken on. */

static guint floor_done;

static void
floor_task_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      data)
{
  floor_done++;
}

/* futures' short task, bare: a GTask completed from an idle by the
 * workload's own task function */
static gdouble
floor_short_tasks (GObject *source_object,
                   guint    n)
{
  gint64 t = g_get_monotonic_time ();

  floor_done = 0;
  for (guint i = 0; i < n; i++)
    {
      GTask *task = g_task_new (source_object, NULL, floor_task_done, NULL);

      g_task_set_name (task, "short");
      short_task (NULL, task, NULL);
      g_object_unref (task);
    }
  while (floor_done < n)
    g_main_context_iteration (NULL, TRUE);

  return (g_get_monotonic_time () - t) / (gdouble) MAX (n, 1);
}

static gboolean
floor_complete_all (gpointer data)
{
  GPtrArray *sleeps = data;

  for (guint i = 0; i < sleeps->len; i++)
    g_task_return_boolean (g_ptr_array_index (sleeps, i), FALSE);
  g_ptr_array_set_size (sleeps, 0);
  return G_SOURCE_REMOVE;
}

/* a sleep ended: its task ends */
static void
floor_sleep_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      data)
{
  GTask *task = data;

  g_task_propagate_boolean (G_TASK (result), NULL);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* futures' parked tasks at a stop, bare: n tasks, each a GTask waiting
 * for a sleep's GTask; the sleeps are completed from one idle, and each
 * completes its task there */
static gdouble
floor_parked_tasks (GObject *source_object,
                    guint    n)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) sleeps = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 t;

  floor_done = 0;
  for (guint i = 0; i < n; i++)
    {
      GTask *task = g_task_new (source_object, cancellable, floor_task_done, NULL);
      GTask *sleep = g_task_new (source_object, NULL, floor_sleep_done, task);

      g_task_set_name (task, "long");
      g_task_set_name (sleep, "sleep");
      g_ptr_array_add (sleeps, sleep);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;

  t = g_get_monotonic_time ();
  g_idle_add (floor_complete_all, sleeps);
  while (floor_done < n)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);

  return ms_since (t);
}

typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  gint64        sent;
} FloorThread;

static gpointer
floor_thread_main (gpointer data)
{
  FloorThread *thread = data;

  g_main_context_push_thread_default (thread->context);
  g_main_loop_run (thread->loop);
  g_main_context_pop_thread_default (thread->context);
  return NULL;
}

static gboolean
floor_answered (gpointer data)
{
  result_ready = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
floor_answer (gpointer data)
{
  g_main_context_invoke (data, floor_answered, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
floor_quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* thread_call, bare: an idle into another thread's context, and one back
 * into the caller's, each side sleeping in poll() while it waits */
static void
floor_round_trips (guint   n,
                   GArray *samples)
{
  GMainContext *here = g_main_context_default ();
  FloorThread thread;
  GThread *handle;

  thread.context = g_main_context_new ();
  thread.loop = g_main_loop_new (thread.context, FALSE);
  handle = g_thread_new ("floor", floor_thread_main, &thread);

  for (guint i = 0; i < n; i++)
    {
      gint64 c = g_get_monotonic_time ();
      gint64 elapsed;

      result_ready = FALSE;
      g_main_context_invoke (thread.context, floor_answer, here);
      while (!result_ready)
        g_main_context_iteration (here, TRUE);
      elapsed = g_get_monotonic_time () - c;
      g_array_append_val (samples, elapsed);
    }

  g_main_context_invoke (thread.context, floor_quit, thread.loop);
  g_thread_join (handle);
  g_main_loop_unref (thread.loop);
  g_main_context_unref (thread.context);
}

static int
bench_glib_floor (guint short_n,
                  guint long_n,
                  guint calls)
{
  g_autoptr(GObject) source_object = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GArray) samples = g_array_sized_new (FALSE, FALSE, sizeof (gint64), calls);
  gdouble short_us, parked_ms;

  short_us = floor_short_tasks (source_object, short_n);
  parked_ms = floor_parked_tasks (source_object, long_n);
  floor_round_trips (calls, samples);
  g_array_sort (samples, compare_gint64);

  g_print ("{\"impl\": \"glib\", \"bench\": \"glib_floor\", \"short_n\": %u, "
           "\"short_us_per_task\": %.4f, \"long_n\": %u, \"parked_complete_ms\": %.3f, "
           "\"calls\": %u, \"round_trip_p50_us\": %" G_GINT64_FORMAT ", "
           "\"round_trip_p99_us\": %" G_GINT64_FORMAT "}\n",
           short_n, short_us, long_n, parked_ms, calls,
           percentile (samples, 50), percentile (samples, 99));
  return 0;
}

/* }}} */

/* graph_dot {{{ */

/* A tree of N services, each with up to B children, made into a
 * ModeGraph and written as DOT: both should be linear in N. */
static int
bench_graph_dot (guint n,
                 guint fanout)
{
  g_autoptr(GPtrArray) services = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(ModeGraph) graph = NULL;
  g_autofree char *dot = NULL;
  gdouble graph_ms, dot_ms;
  gint64 start;

  n = MAX (n, 1);
  fanout = MAX (fanout, 1);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = g_strdup_printf ("Service \"%u\"", i);
      ModeService *service = g_object_new (MODE_TYPE_SERVICE, "label", label, NULL);

      g_ptr_array_add (services, service);
      if (i > 0)
        mode_service_add_dependency (g_ptr_array_index (services, (i - 1) / fanout), service);
    }

  start = g_get_monotonic_time ();
  graph = mode_node_as_graph (mode_service_get_beacon (g_ptr_array_index (services, 0)));
  graph_ms = ms_since (start);

  start = g_get_monotonic_time ();
  dot = mode_graph_to_dot (graph);
  dot_ms = ms_since (start);

  g_print ("{\"impl\": \"mode-glib\", \"bench\": \"graph_dot\", \"nodes\": %u, \"fanout\": %u, "
           "\"as_graph_ms\": %.3f, \"to_dot_ms\": %.3f, \"dot_bytes\": %zu, "
           "\"as_graph_us_per_node\": %.4f, \"to_dot_us_per_node\": %.4f}\n",
           n, fanout, graph_ms, dot_ms, strlen (dot),
           graph_ms * 1000 / n, dot_ms * 1000 / n);
  return 0;
}

/* }}} */

static int
usage (void)
{
  g_printerr ("usage: mode-bench start_stop_flat N | start_stop_tree B D | restart R C |\n"
              "                  futures S L | timers N SECONDS | memory N |\n"
              "                  crash_supervisor S C Q | crash_supervisor_logged S C Q |\n"
              "                  thread_call N |\n"
              "                  thread_call_loaded N BUSY | idle T S SECONDS |\n"
              "                  slow_start_tree D B MS | graph_dot N B\n");
  return 2;
}

int
main (int   argc,
      char *argv[])
{
  const char *bench;

  /* as any GLib program does: the log lines are then written in the
   * locale's charset (run-all.sh runs in C.UTF-8) */
  setlocale (LC_ALL, "");

  if (argc < 2)
    return usage ();

  /* the lifecycle lines go to stderr only when asked for */
  bench = argv[1];

  if (g_str_equal (bench, "start_stop_flat"))
    return bench_start_stop_flat (arg_uint (argv, argc, 2, 10000));
  if (g_str_equal (bench, "start_stop_tree"))
    return bench_start_stop_tree (arg_uint (argv, argc, 2, 4), arg_uint (argv, argc, 3, 6));
  if (g_str_equal (bench, "restart"))
    return bench_restart (arg_uint (argv, argc, 2, 1000), arg_uint (argv, argc, 3, 10));
  if (g_str_equal (bench, "futures"))
    return bench_futures (arg_uint (argv, argc, 2, 100000), arg_uint (argv, argc, 3, 10000));
  if (g_str_equal (bench, "timers"))
    return bench_timers (arg_uint (argv, argc, 2, 100), argc > 3 ? g_ascii_strtod (argv[3], NULL) : 3.0);
  if (g_str_equal (bench, "memory"))
    return bench_memory (arg_uint (argv, argc, 2, 50000));
  if (g_str_equal (bench, "crash_supervisor"))
    return bench_crash_supervisor (arg_uint (argv, argc, 2, 100), arg_uint (argv, argc, 3, 5000),
                                   arg_uint (argv, argc, 4, 1000), FALSE);
  if (g_str_equal (bench, "crash_supervisor_logged"))
    return bench_crash_supervisor (arg_uint (argv, argc, 2, 100), arg_uint (argv, argc, 3, 5000),
                                   arg_uint (argv, argc, 4, 1000), TRUE);

  if (g_str_equal (bench, "slow_start_tree"))
    return bench_slow_start_tree (arg_uint (argv, argc, 2, 3), arg_uint (argv, argc, 3, 3),
                                  arg_uint (argv, argc, 4, 10));

  if (g_str_equal (bench, "thread_call"))
    return bench_thread_call (arg_uint (argv, argc, 2, 10000));
  if (g_str_equal (bench, "thread_call_loaded"))
    return bench_thread_call_loaded (arg_uint (argv, argc, 2, 10000), arg_uint (argv, argc, 3, 0));
  if (g_str_equal (bench, "idle"))
    return bench_idle (arg_uint (argv, argc, 2, 10), arg_uint (argv, argc, 3, 100),
                       argc > 4 ? g_ascii_strtod (argv[4], NULL) : 5.0);
  if (g_str_equal (bench, "glib_floor"))
    return bench_glib_floor (arg_uint (argv, argc, 2, 100000), arg_uint (argv, argc, 3, 10000),
                             arg_uint (argv, argc, 4, 10000));
  if (g_str_equal (bench, "graph_dot"))
    return bench_graph_dot (arg_uint (argv, argc, 2, 100000), arg_uint (argv, argc, 3, 10));

  return usage ();
}
