/* mode-worker.c: ModeWorker, a program of services run from the command line
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The worker's options and properties, its run (signals, the main loop,
 * the start and the stop, the crash line), what it tells systemd, and
 * the blocking detector of debug mode. Its log writer is
 * mode-log-writer.c's.
 */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>

#include "mode-blocking-detector.h"
#include "mode-error.h"
#include "mode-i18n.h"
#include "mode-log-writer-private.h"
#include "mode-node-private.h"
#include "mode-service-private.h"
#include "mode-systemd-private.h"
#include "mode-worker-private.h"

/**
 * SECTION:mode-worker
 * @Title: ModeWorker
 * @Short_description: runs a program of services from the command line
 *
 * A #ModeWorker is how a program of services runs: it is a service whose
 * dependencies are the services it runs (mode_worker_add_service()), and
 * mode_worker_execute_from_commandline() parses the usual options, sets
 * up logging, starts everything, runs the main loop until a signal or a
 * crash ends it, stops everything, and returns the exit status:
 * %MODE_WORKER_EXIT_OK after a clean stop, %MODE_WORKER_EXIT_FAILURE when
 * a service crashed (its reason printed once), %MODE_WORKER_EXIT_OSERR
 * on an error of the system such as a log file it cannot write.
 *
 * Options: `--loglevel`/`-l` LEVEL (debug, info, message, warning,
 * critical), `--logfile`/`-f` FILE, `--debug`, `--quiet`/`-q`,
 * `--blocking-timeout` SECONDS.
 *
 * In debug mode (`--debug`), and only then, as in Mode, the worker runs
 * a #ModeBlockingDetector beside its services: it warns, with a
 * backtrace where it can get one, when the main context has not come
 * back to its loop for `--blocking-timeout` seconds (10 unless set).
 *
 * Signals: SIGINT and SIGTERM stop the worker gracefully (a second SIGINT
 * while it stops says what it still waits for); SIGUSR1 writes
 * mode_service_describe() of the whole tree to stderr; SIGUSR2 turns
 * debug logging on and off.
 *
 * Under systemd (`Type=notify`), the worker tells the service manager
 * `READY=1` once every service started, `STOPPING=1` when it begins to
 * stop, a one-line `STATUS=` with each, and, when the unit sets
 * `WatchdogSec=`, sends `WATCHDOG=1` from its main context every half of
 * that interval, so that a blocked main loop lets systemd's watchdog
 * fire. This needs libsystemd at build time (the `systemd` feature);
 * without it, a worker started with `NOTIFY_SOCKET` set says once that it
 * cannot notify (%MODE_ERROR_UNSUPPORTED) and runs on.
 *
 * The worker installs its log writer only when
 * #ModeWorker:override-logging is set (the default), so that an
 * application that embeds services keeps its own. Lines read
 * `[2026-11-25 12:00:00,123: INFO]: [^-Label]: message`, coloured on a
 * terminal; when stderr is the systemd journal, the structured fields go
 * to the journal instead.
 *
 * |[<!-- language="C" -->
 * int
 * main (int argc, char *argv[])
 * {
 *   g_autoptr(ModeWorker) worker = mode_worker_new ();
 *   g_autoptr(ModeService) app = my_app_new ();
 *
 *   mode_worker_add_service (worker, app);
 *   return mode_worker_execute_from_commandline (worker, argc, argv);
 * }
 * ]|
 *
 * ## The program's options
 *
 * A program adds its own options to the worker's command line, before
 * mode_worker_execute_from_commandline(): `--help` lists them with the
 * worker's, and they are parsed once, with the worker's, by the worker's
 * #GOptionContext. From C, mode_worker_add_main_option_entries() takes
 * #GOptionEntry arrays whose values go where their arg_data says, and
 * mode_worker_add_option_group() takes whole groups. From any language,
 * mode_worker_add_main_option() adds one option whose value, when it is
 * given, is in the #GVariantDict of mode_worker_get_options(), as
 * g_application_add_main_option() does for a #GApplication.
 *
 * ## The run's hooks
 *
 * A subclass follows its run through three virtual functions of
 * #ModeWorkerClass, in this order: @on_setup_logging (when
 * #ModeWorker:override-logging is set; the default installs the
 * library's log writer), @on_execute (the options are parsed, nothing
 * started yet: where a program checks its options and adds the services
 * they ask for) and, once every service stopped, @on_worker_shutdown
 * with the exit status. mode_worker_run() runs them too. A failing
 * @on_execute ends the run before anything starts:
 * %MODE_WORKER_EXIT_USAGE when its error is a %G_OPTION_ERROR,
 * %MODE_WORKER_EXIT_FAILURE otherwise.
 *
 * |[<!-- language="C" -->
 * static int port = 8000;
 *
 * static const GOptionEntry entries[] = {
 *   { "port", 'p', 0, G_OPTION_ARG_INT, &port, "The port to serve on (8000)", "PORT" },
 *   { NULL }
 * };
 *
 * static gboolean
 * my_worker_on_execute (ModeWorker *worker, GError **error)
 * {
 *   g_autoptr(ModeService) server = NULL;
 *
 *   if (port < 1 || port > 65535)
 *     {
 *       g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
 *                    "Not a port: %d", port);
 *       return FALSE;   // exit status 64
 *     }
 *   server = my_server_new (port);
 *   mode_worker_add_service (worker, server);
 *   return TRUE;
 * }
 *
 * static void
 * my_worker_class_init (MyWorkerClass *klass)
 * {
 *   MODE_WORKER_CLASS (klass)->on_execute = my_worker_on_execute;
 * }
 *
 * int
 * main (int argc, char *argv[])
 * {
 *   g_autoptr(ModeWorker) worker = g_object_new (MY_TYPE_WORKER, NULL);
 *
 *   mode_worker_add_main_option_entries (worker, entries);
 *   return mode_worker_execute_from_commandline (worker, argc, argv);
 * }
 * ]|
 *
 * The same in Python, with the options in the dict:
 *
 * |[<!-- language="Python" -->
 * class MyWorker(Mode.Worker):
 *     def do_on_execute(self):
 *         port = self.get_options().lookup_value("port", GLib.VariantType("i"))
 *         port = 8000 if port is None else port.unpack()
 *         if not 0 < port < 65536:
 *             raise GLib.Error.new_literal(GLib.option_error_quark(),
 *                                          "Not a port: %d" % port,
 *                                          GLib.OptionError.BAD_VALUE)
 *         self.add_service(MyServer(port=port))
 *         return True
 *
 * worker = MyWorker()
 * worker.add_main_option("port", ord("p"), GLib.OptionFlags.NONE, GLib.OptionArg.INT,
 *                        "The port to serve on (8000)", "PORT")
 * sys.exit(worker.execute_from_commandline(sys.argv))
 * ]|
 */

/**
 * ModeWorker:
 *
 * Runs a program of services.
 *
 * Since: 0.1
 */

typedef struct
{
  char       *loglevel;          /* (owned) (nullable) */
  char       *logfile;           /* (owned) (nullable) */
  gdouble     blocking_timeout;
  GMainLoop  *loop;              /* (owned) (nullable): while running */
  GPtrArray  *signal_sources;    /* (owned) (nullable) (element-type GSource) */
  ModeBlockingDetector *detector; /* (owned) (nullable): while running in debug mode */
  GSource    *watchdog;          /* (owned) (nullable): WATCHDOG=1 pings */
  ModeProgramOptions *program_options; /* (owned): mode-worker-options.c's */
  GMutex      crash_mutex;
  ModeService *crash_origin;     /* (owned) (nullable): under crash_mutex */
  int         exit_status;
  guint       debug : 1;
  guint       quiet : 1;
  guint       daemon : 1;
  guint       override_logging : 1;
  guint       stopping : 1;
  guint       notify_failed : 1;
} ModeWorkerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (ModeWorker, mode_worker, MODE_TYPE_SERVICE)

#define GET_PRIV(self) ((ModeWorkerPrivate *) mode_worker_get_instance_private (self))

ModeProgramOptions *
_mode_worker_get_program_options (ModeWorker *self)
{
  return GET_PRIV (self)->program_options;
}

enum {
  PROP_0,
  PROP_LOGLEVEL,
  PROP_LOGFILE,
  PROP_DEBUG,
  PROP_QUIET,
  PROP_BLOCKING_TIMEOUT,
  PROP_DAEMON,
  PROP_OVERRIDE_LOGGING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Logging {{{
 *
 * The writer is mode-log-writer.c's, installed by the worker only.
 */

static gboolean
mode_worker_real_on_setup_logging (ModeWorker  *self,
                                   GError     **error)
{
  ModeWorkerPrivate *priv = GET_PRIV (self);
  GLogLevelFlags level;
  gboolean ok;

  level = _mode_log_level_from_name (priv->loglevel, &ok);
  if (priv->debug)
    level = G_LOG_LEVEL_DEBUG;

  return _mode_log_writer_install (level, priv->logfile, error);
}

/* }}} */

/* The service manager {{{
 *
 * What systemd hears, through mode-systemd.c: READY=1 once every service
 * started, STOPPING=1 when the stop begins, STATUS= lines, and WATCHDOG=1
 * from a source on the worker's context, so that a blocked context stops
 * the pings.
 */

static void
worker_notify (ModeWorker *self,
               const char *format,
               ...) G_GNUC_PRINTF (2, 3);

static void
worker_notify (ModeWorker *self,
               const char *format,
               ...)
{
  ModeWorkerPrivate *priv = GET_PRIV (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  va_list args;

  va_start (args, format);
  state = g_strdup_vprintf (format, args);
  va_end (args);

  /* said once: the next ones would fail the same way */
  if (!_mode_systemd_notify (state, &error) && !priv->notify_failed)
    {
      priv->notify_failed = TRUE;
      g_message ("[^%s]: %s", mode_service_get_label (MODE_SERVICE (self)), error->message);
    }
}

static void
notify_ready (ModeWorker *self)
{
  g_autoptr(GPtrArray) services = mode_service_get_dependencies (MODE_SERVICE (self));
  g_autoptr(GString) status = g_string_new (NULL);

  for (guint i = 0; i < services->len; i++)
    g_string_append_printf (status, "%s%s", i > 0 ? ", " : "",
                            mode_service_get_label (g_ptr_array_index (services, i)));
  worker_notify (self, "READY=1\nSTATUS=Running: %s", status->str);
}

static gboolean
on_watchdog (gpointer data)
{
  worker_notify (data, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

static void
start_watchdog (ModeWorker *self)
{
  ModeWorkerPrivate *priv = GET_PRIV (self);
  guint64 interval = _mode_systemd_watchdog_interval ();

  if (interval == 0)
    return;

  /* at once, then every half of what the manager asked for */
  worker_notify (self, "WATCHDOG=1");
  priv->watchdog = g_timeout_source_new ((guint) MAX (interval / 1000, 1));
  g_source_set_static_name (priv->watchdog, "[mode] worker systemd watchdog");
  g_source_set_priority (priv->watchdog, G_PRIORITY_HIGH);
  g_source_set_callback (priv->watchdog, on_watchdog, self, NULL);
  g_source_attach (priv->watchdog, mode_service_get_main_context (MODE_SERVICE (self)));
}

static void
stop_watchdog (ModeWorker *self)
{
  ModeWorkerPrivate *priv = GET_PRIV (self);

  if (priv->watchdog != NULL)
    g_source_destroy (priv->watchdog);
  g_clear_pointer (&priv->watchdog, g_source_unref);
}

/* }}} */

/* The origin of a crash {{{
 *
 * A crash marks a whole tree with one reason; the worker's crash line
 * names the service where it began. Every service marked crashed is
 * observed (_mode_service_add_crash_observer()): the one whose parent
 * was not crashed yet began a crash (its tree is marked after it,
 * parents before children). The worker itself is the origin only when no crash it is part of began
 * below it. Services of a #ModeServiceThread crash in their own thread,
 * hence the mutex.
 */

static gboolean
same_reason (const GError *a,
             const GError *b)
{
  return a != NULL && b != NULL && a->domain == b->domain && a->code == b->code &&
         g_strcmp0 (a->message, b->message) == 0;
}

static void
crash_observed (ModeService  *service,
                const GError *reason,
                gpointer      data)
{
  ModeWorker *self = data;
  ModeWorkerPrivate *priv = GET_PRIV (self);
  ModeNode *parent;
  ModeNode *root = _mode_node_get_root_and_parent (mode_service_get_beacon (service), &parent);
  GObject *parent_service;

  if (root != mode_service_get_beacon ((ModeService *) self))
    return;
  parent_service = parent != NULL ? mode_node_get_data (parent) : NULL;

  g_mutex_lock (&priv->crash_mutex);
  if (service == (ModeService *) self)
    {
      if (priv->crash_origin == NULL ||
          !mode_service_get_crashed (priv->crash_origin) ||
          !same_reason (mode_service_get_crash_reason (priv->crash_origin), reason))
        g_set_object (&priv->crash_origin, service);
    }
  else if (parent_service == NULL || !MODE_IS_SERVICE (parent_service) ||
           !mode_service_get_crashed (MODE_SERVICE (parent_service)))
    g_set_object (&priv->crash_origin, service);
  g_mutex_unlock (&priv->crash_mutex);
}

static void
watch_crashes (ModeWorker *self)
{
  _mode_service_add_crash_observer (crash_observed, self);
}

/* Returns the label of the service where the worker's crash began. */
static char *
unwatch_crashes (ModeWorker *self)
{
  ModeWorkerPrivate *priv = GET_PRIV (self);
  g_autoptr(ModeService) origin = NULL;

  _mode_service_remove_crash_observer (crash_observed, self);

  g_mutex_lock (&priv->crash_mutex);
  origin = g_steal_pointer (&priv->crash_origin);
  g_mutex_unlock (&priv->crash_mutex);

  return g_strdup (mode_service_get_label (origin != NULL ? origin : MODE_SERVICE (self)));
}

/* }}} */

/* Running {{{ */

static void
worker_say (ModeWorker *self,
            const char *message)
{
  if (!GET_PRIV (self)->quiet)
    {
      g_print ("%s\n", message);
      fflush (stdout);
    }
}

static void
worker_stopped (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  ModeWorker *self = MODE_WORKER (object);
  ModeWorkerPrivate *priv = GET_PRIV (self);
  g_autoptr(GError) error = NULL;

  if (!mode_service_stop_finish (MODE_SERVICE (self), result, &error))
    g_message ("[^%s]: stop failed: %s", mode_service_get_label (MODE_SERVICE (self)), error->message);

  g_main_loop_quit (priv->loop);
}

static void
worker_stop (ModeWorker *self)
{
  ModeWorkerPrivate *priv = GET_PRIV (self);

  if (priv->stopping)
    return;
  priv->stopping = TRUE;
  worker_notify (self, "STOPPING=1\nSTATUS=Stopping");
  mode_service_stop_async (MODE_SERVICE (self), NULL, worker_stopped, NULL);
}

static void
worker_should_stop (GObject      *object,
                    GAsyncResult *result,
                    gpointer      data)
{
  ModeWorker *self = MODE_WORKER (object);

  mode_service_wait_until_stopped_finish (MODE_SERVICE (self), result, NULL);
  worker_stop (self);
}

static void
worker_started (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  ModeWorker *self = MODE_WORKER (object);
  ModeWorkerPrivate *priv = GET_PRIV (self);
  g_autoptr(GError) error = NULL;

  if (!mode_service_start_finish (MODE_SERVICE (self), result, &error))
    {
      /* the failure crashed the tree; the stop below cleans up */
      worker_stop (self);
      return;
    }

  worker_say (self, _("Worker ready"));
  notify_ready (self);

  if (!priv->daemon)
    worker_stop (self);
}

static void
describe_to_stderr (ModeWorker *self)
{
  g_autofree char *text = mode_service_describe (MODE_SERVICE (self));

  fputs (text, stderr);
  fflush (stderr);
}

static gboolean
on_sigint (gpointer data)
{
  ModeWorker *self = data;
  ModeWorkerPrivate *priv = GET_PRIV (self);

  if (priv->stopping)
    {
      g_autofree char *text = mode_service_describe (MODE_SERVICE (self));

      g_printerr (_("Still stopping; waiting for:\n%s"), text);
      return G_SOURCE_CONTINUE;
    }

  g_info ("Signal received: SIGINT (%d)", SIGINT);
  worker_stop (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm (gpointer data)
{
  ModeWorker *self = data;

  g_info ("Signal received: SIGTERM (%d)", SIGTERM);
  worker_stop (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigusr1 (gpointer data)
{
  describe_to_stderr (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigusr2 (gpointer data)
{
  _mode_log_writer_toggle_debug ();
  return G_SOURCE_CONTINUE;
}

/* The blocking detector {{{
 *
 * In debug mode only, as in Mode: it runs beside the tree of services,
 * not in it, from before the first service starts until the last one
 * stopped, so that it watches the whole run.
 */

static void
detector_started (GObject      *object,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GError) error = NULL;

  if (!mode_service_start_finish (MODE_SERVICE (object), result, &error))
    g_message ("[^%s]: cannot watch for blocking: %s",
               mode_service_get_label (MODE_SERVICE (object)), error->message);
}

/* The detector's warning comes from its watchdog thread while the tree
 * is blocked, when reading the tree would race with the blocked code;
 * once the context runs again (when #ModeBlockingDetector:detections is
 * notified, in the worker's context), the tree's state follows. */
static void
detector_detected (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    data)
{
  ModeWorker *self = data;
  g_autofree char *text = mode_service_describe (MODE_SERVICE (self));

  g_message (_("The services after the block:\n%s"), text);
}

static void
start_blocking_detector (ModeWorker *self)
{
  ModeWorkerPrivate *priv = GET_PRIV (self);

  priv->detector = mode_blocking_detector_new (priv->blocking_timeout);
  g_signal_connect_object (priv->detector, "notify::detections",
                           G_CALLBACK (detector_detected), self, 0);
  mode_service_start_async (MODE_SERVICE (priv->detector), NULL, detector_started, NULL);
}

static void
detector_stopped (GObject      *object,
                  GAsyncResult *result,
                  gpointer      data)
{
  mode_service_stop_finish (MODE_SERVICE (object), result, NULL);
  *(gboolean *) data = TRUE;
}

static void
stop_blocking_detector (ModeWorker *self)
{
  ModeWorkerPrivate *priv = GET_PRIV (self);
  GMainContext *context = mode_service_get_main_context (MODE_SERVICE (self));
  gboolean done = FALSE;

  if (priv->detector == NULL)
    return;

  mode_service_stop_async (MODE_SERVICE (priv->detector), NULL, detector_stopped, &done);
  while (!done)
    g_main_context_iteration (context, TRUE);
  g_clear_object (&priv->detector);
}

/* }}} */

typedef gboolean (*WorkerHook) (ModeWorker *self, GError **error);

/* A hook of the run; %NULL succeeds, and a hook that fails without
 * saying why (what an exception of a binding can become) fails with a
 * %MODE_ERROR_FAILED of its own. */
static gboolean
call_hook (ModeWorker  *self,
           WorkerHook   hook,
           const char  *name,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (hook == NULL || hook (self, &local_error))
    return TRUE;

  if (local_error == NULL)
    local_error = g_error_new (MODE_ERROR, MODE_ERROR_FAILED,
                               _("Service %s: %s failed without saying why"),
                               mode_service_get_label (MODE_SERVICE (self)), name);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static void
add_signal (ModeWorker  *self,
            int          signum,
            GSourceFunc  func)
{
  ModeWorkerPrivate *priv = GET_PRIV (self);
  GSource *source = g_unix_signal_source_new (signum);

  g_source_set_static_name (source, "[mode] worker signal");
  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, mode_service_get_main_context (MODE_SERVICE (self)));
  g_ptr_array_add (priv->signal_sources, source);
}

static void
remove_signals (ModeWorker *self)
{
  ModeWorkerPrivate *priv = GET_PRIV (self);

  if (priv->signal_sources == NULL)
    return;

  for (guint i = 0; i < priv->signal_sources->len; i++)
    g_source_destroy (g_ptr_array_index (priv->signal_sources, i));
  g_clear_pointer (&priv->signal_sources, g_ptr_array_unref);
}

/**
 * mode_worker_run:
 * @self: a #ModeWorker
 *
 * Runs the worker with the options set as properties: sets up logging
 * (#ModeWorkerClass.on_setup_logging, when #ModeWorker:override-logging
 * is set), runs #ModeWorkerClass.on_execute, installs the signal handlers,
 * starts a #ModeBlockingDetector in debug mode (#ModeWorker:debug),
 * starts the worker and its services, runs the main loop of the
 * worker's #ModeService:main-context until a signal or a crash ends it
 * (or until everything started, unless #ModeWorker:daemon is set), stops
 * everything, runs #ModeWorkerClass.on_worker_shutdown, and returns:
 * the entry point of a program, or a binding, that sets the properties
 * itself rather than parsing a command line.
 *
 * Returns: the exit status: %MODE_WORKER_EXIT_OK after a clean stop,
 *   %MODE_WORKER_EXIT_FAILURE when a service crashed or
 *   #ModeWorkerClass.on_execute failed, %MODE_WORKER_EXIT_USAGE when
 *   it failed with a %G_OPTION_ERROR, %MODE_WORKER_EXIT_OSERR on an
 *   error of the system (logging could not be set up)
 *
 * Since: 0.1
 */
int
mode_worker_run (ModeWorker *self)
{
  ModeWorkerPrivate *priv;
  GMainContext *context;
  g_autoptr(GError) error = NULL;
  g_autofree char *origin = NULL;
  const GError *reason;
  int status = MODE_WORKER_EXIT_OK;

  g_return_val_if_fail (MODE_IS_WORKER (self), MODE_WORKER_EXIT_FAILURE);
  g_return_val_if_fail (GET_PRIV (self)->loop == NULL, MODE_WORKER_EXIT_FAILURE);

  priv = GET_PRIV (self);
  context = mode_service_get_main_context (MODE_SERVICE (self));

  if (priv->override_logging &&
      !call_hook (self, MODE_WORKER_GET_CLASS (self)->on_setup_logging, "on_setup_logging", &error))
    {
      g_printerr ("%s\n", error->message);
      return MODE_WORKER_EXIT_OSERR;
    }

  g_main_context_push_thread_default (context);

  if (!call_hook (self, MODE_WORKER_GET_CLASS (self)->on_execute, "on_execute", &error))
    {
      g_printerr ("%s\n", error->message);
      g_main_context_pop_thread_default (context);
      return error->domain == G_OPTION_ERROR ? MODE_WORKER_EXIT_USAGE : MODE_WORKER_EXIT_FAILURE;
    }

  priv->stopping = FALSE;
  priv->loop = g_main_loop_new (context, FALSE);
  priv->signal_sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  add_signal (self, SIGINT, on_sigint);
  add_signal (self, SIGTERM, on_sigterm);
  add_signal (self, SIGUSR1, on_sigusr1);
  add_signal (self, SIGUSR2, on_sigusr2);

  if (priv->debug)
    start_blocking_detector (self);
  start_watchdog (self);
  watch_crashes (self);

  mode_service_wait_until_stopped_async (MODE_SERVICE (self), NULL, worker_should_stop, NULL);
  mode_service_start_async (MODE_SERVICE (self), NULL, worker_started, NULL);

  g_main_loop_run (priv->loop);

  /* let the wait complete, whoever ended the run */
  while (g_main_context_iteration (context, FALSE))
    ;

  origin = unwatch_crashes (self);
  stop_watchdog (self);
  stop_blocking_detector (self);
  remove_signals (self);
  g_clear_pointer (&priv->loop, g_main_loop_unref);

  reason = mode_service_get_crash_reason (MODE_SERVICE (self));
  if (mode_service_get_crashed (MODE_SERVICE (self)) && reason != NULL)
    {
      g_printerr (_("%s crashed: %s\n"), origin, reason->message);
      worker_notify (self, "STATUS=%s crashed: %s", origin, reason->message);
      status = MODE_WORKER_EXIT_FAILURE;
    }

  if (MODE_WORKER_GET_CLASS (self)->on_worker_shutdown != NULL)
    MODE_WORKER_GET_CLASS (self)->on_worker_shutdown (self, status);

  g_main_context_pop_thread_default (context);

  return status;
}

/* The values --blocking-timeout takes, in seconds: the detector's timer
 * counts in milliseconds, so it cannot tell a shorter timeout, and a main
 * loop blocked for a day is past any warning. */
#define MIN_BLOCKING_TIMEOUT 0.001
#define MAX_BLOCKING_TIMEOUT (24.0 * 60 * 60)

/* A number in the C locale, all of @text, finite and in range. */
static gboolean
parse_seconds (const char *text,
               gdouble    *seconds)
{
  char *end = NULL;

  errno = 0;
  *seconds = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && errno == 0 && isfinite (*seconds) &&
         *seconds >= MIN_BLOCKING_TIMEOUT && *seconds <= MAX_BLOCKING_TIMEOUT;
}

/* What the command line gave, before any of it is set. */
typedef struct
{
  char     *loglevel;              /* (owned) (nullable) */
  char     *logfile;               /* (owned) (nullable) */
  char     *blocking_timeout_arg;  /* (owned) (nullable) */
  gboolean  debug;
  gboolean  quiet;
  gdouble   blocking_timeout;      /* once checked */
} WorkerOptions;

static void
worker_options_clear (WorkerOptions *options)
{
  g_clear_pointer (&options->loglevel, g_free);
  g_clear_pointer (&options->logfile, g_free);
  g_clear_pointer (&options->blocking_timeout_arg, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WorkerOptions, worker_options_clear)

/* Parses the options of @argv, the worker's into @options and the
 * program's where mode-worker-options.c keeps them; an unknown option or
 * an argument that is not an option is said on stderr: FALSE. */
static gboolean
parse_options (ModeWorker    *self,
               int            argc,
               char         **argv,
               WorkerOptions *options)
{
  g_autoptr(GOptionContext) context = NULL;
  GOptionGroup *main_group;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  GOptionEntry entries[] = {
    { "loglevel", 'l', 0, G_OPTION_ARG_STRING, &options->loglevel,
      N_("Logging level: debug, info, message, warning or critical"), N_("LEVEL") },
    { "logfile", 'f', 0, G_OPTION_ARG_FILENAME, &options->logfile,
      N_("Write the log to FILE instead of stderr"), N_("FILE") },
    { "debug", 0, 0, G_OPTION_ARG_NONE, &options->debug,
      N_("Log everything and watch for a blocked main loop"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &options->quiet,
      N_("Print nothing but errors to stdout"), NULL },
    /* a string, checked below: G_OPTION_ARG_DOUBLE takes "", "nan" and "inf" */
    { "blocking-timeout", 0, 0, G_OPTION_ARG_STRING, &options->blocking_timeout_arg,
      N_("In debug mode, warn when the main loop is blocked this many seconds"), N_("SECONDS") },
    { NULL }
  };

  /* parse a copy: GOptionContext removes what it parsed */
  args = g_new0 (char *, argc + 2);
  args[0] = g_strdup (argc > 0 && argv != NULL && argv[0] != NULL ? argv[0] : "worker");
  for (int i = 1; i < argc && argv != NULL; i++)
    args[i] = g_strdup (argv[i]);

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("Runs a program of services."));
  main_group = g_option_group_new (NULL, NULL, NULL, NULL, NULL);
  g_option_group_add_entries (main_group, entries);
  _mode_program_options_begin (GET_PRIV (self)->program_options, context, main_group);
  g_option_context_set_main_group (context, main_group);
  if (!g_option_context_parse_strv (context, &args, &error))
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }

  /* the worker takes options only */
  if (g_strv_length (args) > 1)
    {
      g_printerr (_("Unexpected argument: “%s”\n"), args[1]);
      return FALSE;
    }

  return TRUE;
}

/* Checks every value before any property is set; what is wrong is said
 * on stderr: FALSE. */
static gboolean
check_options (WorkerOptions *options)
{
  gboolean level_ok;

  if (options->loglevel != NULL)
    {
      _mode_log_level_from_name (options->loglevel, &level_ok);
      if (!level_ok)
        {
          g_printerr (_("Unknown log level for --loglevel: “%s” (debug, info, message, "
                        "warning or critical)\n"), options->loglevel);
          return FALSE;
        }
    }
  if (options->logfile != NULL && options->logfile[0] == '\0')
    {
      g_printerr (_("Empty file name for --logfile: “%s”\n"), options->logfile);
      return FALSE;
    }
  if (options->blocking_timeout_arg != NULL &&
      !parse_seconds (options->blocking_timeout_arg, &options->blocking_timeout))
    {
      g_printerr (_("Bad value for --blocking-timeout: “%s” (a number of seconds from "
                    "%g to %g)\n"),
                  options->blocking_timeout_arg, MIN_BLOCKING_TIMEOUT, MAX_BLOCKING_TIMEOUT);
      return FALSE;
    }

  return TRUE;
}

static void
apply_options (ModeWorker          *self,
               const WorkerOptions *options)
{
  if (options->loglevel != NULL)
    mode_worker_set_loglevel (self, options->loglevel);
  if (options->logfile != NULL)
    mode_worker_set_logfile (self, options->logfile);
  if (options->debug)
    mode_worker_set_debug (self, TRUE);
  if (options->quiet)
    mode_worker_set_quiet (self, TRUE);
  if (options->blocking_timeout_arg != NULL)
    mode_worker_set_blocking_timeout (self, options->blocking_timeout);
}

/**
 * mode_worker_execute_from_commandline:
 * @self: a #ModeWorker
 * @argc: the number of arguments
 * @argv: (array length=argc) (nullable): the arguments of main()
 *
 * Parses the worker's options from @argv (`--help` lists them), and
 * with them the program's (mode_worker_add_main_option() and the
 * others), sets the matching properties, fills mode_worker_get_options()
 * and runs the worker with mode_worker_run(). In Python:
 * `sys.exit(worker.execute_from_commandline(sys.argv))`.
 *
 * An unknown option, a value an option does not take (an unknown
 * `--loglevel`, a `--blocking-timeout` that is not a number of seconds
 * from 0.001 to 86400, an empty `--logfile`) or an argument that is not
 * an option is refused: the worker says which on stderr, runs nothing,
 * and returns %MODE_WORKER_EXIT_USAGE.
 *
 * Returns: the exit status; %MODE_WORKER_EXIT_USAGE when the options
 *   are wrong
 *
 * Since: 0.1
 */
int
mode_worker_execute_from_commandline (ModeWorker  *self,
                                      int          argc,
                                      char       **argv)
{
  g_auto(WorkerOptions) options = { 0 };

  g_return_val_if_fail (MODE_IS_WORKER (self), MODE_WORKER_EXIT_FAILURE);
  g_return_val_if_fail (argc >= 0, MODE_WORKER_EXIT_FAILURE);

  if (!parse_options (self, argc, argv, &options) || !check_options (&options))
    return MODE_WORKER_EXIT_USAGE;

  apply_options (self, &options);
  _mode_program_options_commit (GET_PRIV (self)->program_options);

  return mode_worker_run (self);
}

/* }}} */

/**
 * mode_worker_new:
 *
 * Creates a worker.
 *
 * Returns: (transfer full): a new #ModeWorker
 *
 * Since: 0.1
 */
ModeWorker *
mode_worker_new (void)
{
  return g_object_new (MODE_TYPE_WORKER, NULL);
}

/**
 * mode_worker_add_service:
 * @self: a #ModeWorker
 * @service: a service to run
 *
 * Adds a service for the worker to run: a dependency of the worker.
 *
 * Since: 0.1
 */
void
mode_worker_add_service (ModeWorker  *self,
                         ModeService *service)
{
  g_return_if_fail (MODE_IS_WORKER (self));
  g_return_if_fail (MODE_IS_SERVICE (service));

  mode_service_add_dependency (MODE_SERVICE (self), service);
}

/* What the string properties take: a level name the worker knows, a
 * file name that is not empty (or NULL for the default). */
static gboolean
loglevel_is_valid (const char *loglevel)
{
  gboolean ok = TRUE;

  if (loglevel != NULL)
    _mode_log_level_from_name (loglevel, &ok);
  return ok;
}

static gboolean
logfile_is_valid (const char *logfile)
{
  return logfile == NULL || logfile[0] != '\0';
}

#define DEFINE_STRING_PROPERTY(name, NAME)                                   \
  const char *                                                               \
  mode_worker_get_##name (ModeWorker *self)                                  \
  {                                                                          \
    g_return_val_if_fail (MODE_IS_WORKER (self), NULL);                      \
    return GET_PRIV (self)->name;                                            \
  }                                                                          \
                                                                             \
  void                                                                       \
  mode_worker_set_##name (ModeWorker *self,                                  \
                          const char *name)                                  \
  {                                                                          \
    ModeWorkerPrivate *priv;                                                 \
                                                                             \
    g_return_if_fail (MODE_IS_WORKER (self));                                \
    g_return_if_fail (name##_is_valid (name));                               \
                                                                             \
    priv = GET_PRIV (self);                                                  \
    if (g_strcmp0 (priv->name, name) == 0)                                   \
      return;                                                                \
    g_free (priv->name);                                                     \
    priv->name = g_strdup (name);                                            \
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_##NAME]);     \
  }

#define DEFINE_BOOLEAN_PROPERTY(name, NAME)                                  \
  gboolean                                                                   \
  mode_worker_get_##name (ModeWorker *self)                                  \
  {                                                                          \
    g_return_val_if_fail (MODE_IS_WORKER (self), FALSE);                     \
    return GET_PRIV (self)->name;                                            \
  }                                                                          \
                                                                             \
  void                                                                       \
  mode_worker_set_##name (ModeWorker *self,                                  \
                          gboolean    name)                                  \
  {                                                                          \
    ModeWorkerPrivate *priv;                                                 \
                                                                             \
    g_return_if_fail (MODE_IS_WORKER (self));                                \
                                                                             \
    priv = GET_PRIV (self);                                                  \
    name = !!name;                                                           \
    if (priv->name == (guint) name)                                          \
      return;                                                                \
    priv->name = name;                                                       \
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_##NAME]);     \
  }

/**
 * mode_worker_get_loglevel:
 * @self: a #ModeWorker
 *
 * Gets the #ModeWorker:loglevel.
 *
 * Returns: (nullable): the log level name
 *
 * Since: 0.1
 */
/**
 * mode_worker_set_loglevel:
 * @self: a #ModeWorker
 * @loglevel: (nullable): debug, info, message, warning or critical
 *   (also notice for message, warn for warning, error for critical)
 *
 * Sets the #ModeWorker:loglevel. Another name is a programmer error:
 * the level is left as it was.
 *
 * Since: 0.1
 */
DEFINE_STRING_PROPERTY (loglevel, LOGLEVEL)

/**
 * mode_worker_get_logfile:
 * @self: a #ModeWorker
 *
 * Gets the #ModeWorker:logfile.
 *
 * Returns: (nullable) (type filename): the log file
 *
 * Since: 0.1
 */
/**
 * mode_worker_set_logfile:
 * @self: a #ModeWorker
 * @logfile: (nullable) (type filename): the log file, or %NULL for stderr
 *
 * Sets the #ModeWorker:logfile; an empty name is a programmer error.
 *
 * Since: 0.1
 */
DEFINE_STRING_PROPERTY (logfile, LOGFILE)

/**
 * mode_worker_get_debug:
 * @self: a #ModeWorker
 *
 * Gets the #ModeWorker:debug property.
 *
 * Returns: whether the worker runs in debug mode
 *
 * Since: 0.1
 */
/**
 * mode_worker_set_debug:
 * @self: a #ModeWorker
 * @debug: whether to run in debug mode
 *
 * Sets the #ModeWorker:debug property.
 *
 * Since: 0.1
 */
DEFINE_BOOLEAN_PROPERTY (debug, DEBUG)

/**
 * mode_worker_get_quiet:
 * @self: a #ModeWorker
 *
 * Gets the #ModeWorker:quiet property.
 *
 * Returns: whether the worker prints nothing but errors
 *
 * Since: 0.1
 */
/**
 * mode_worker_set_quiet:
 * @self: a #ModeWorker
 * @quiet: whether to print nothing but errors
 *
 * Sets the #ModeWorker:quiet property.
 *
 * Since: 0.1
 */
DEFINE_BOOLEAN_PROPERTY (quiet, QUIET)

/**
 * mode_worker_get_daemon:
 * @self: a #ModeWorker
 *
 * Gets the #ModeWorker:daemon property.
 *
 * Returns: whether the worker runs until it is told to stop
 *
 * Since: 0.1
 */
/**
 * mode_worker_set_daemon:
 * @self: a #ModeWorker
 * @daemon: whether to run until told to stop
 *
 * Sets the #ModeWorker:daemon property.
 *
 * Since: 0.1
 */
DEFINE_BOOLEAN_PROPERTY (daemon, DAEMON)

/**
 * mode_worker_get_override_logging:
 * @self: a #ModeWorker
 *
 * Gets the #ModeWorker:override-logging property.
 *
 * Returns: whether the worker installs its log writer
 *
 * Since: 0.1
 */
/**
 * mode_worker_set_override_logging:
 * @self: a #ModeWorker
 * @override_logging: whether to install the worker's log writer
 *
 * Sets the #ModeWorker:override-logging property.
 *
 * Since: 0.1
 */
DEFINE_BOOLEAN_PROPERTY (override_logging, OVERRIDE_LOGGING)

/**
 * mode_worker_get_blocking_timeout:
 * @self: a #ModeWorker
 *
 * Gets the #ModeWorker:blocking-timeout.
 *
 * Returns: the timeout in seconds
 *
 * Since: 0.1
 */
gdouble
mode_worker_get_blocking_timeout (ModeWorker *self)
{
  g_return_val_if_fail (MODE_IS_WORKER (self), 0.0);

  return GET_PRIV (self)->blocking_timeout;
}

/**
 * mode_worker_set_blocking_timeout:
 * @self: a #ModeWorker
 * @seconds: the timeout in seconds, more than 0
 *
 * Sets the #ModeWorker:blocking-timeout.
 *
 * Since: 0.1
 */
void
mode_worker_set_blocking_timeout (ModeWorker *self,
                                  gdouble     seconds)
{
  ModeWorkerPrivate *priv;

  g_return_if_fail (MODE_IS_WORKER (self));
  g_return_if_fail (seconds > 0);

  priv = GET_PRIV (self);
  if (priv->blocking_timeout != seconds)
    {
      priv->blocking_timeout = seconds;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BLOCKING_TIMEOUT]);
    }
}

static void
mode_worker_finalize (GObject *object)
{
  ModeWorkerPrivate *priv = GET_PRIV (MODE_WORKER (object));

  g_clear_pointer (&priv->loglevel, g_free);
  g_clear_pointer (&priv->logfile, g_free);
  g_clear_pointer (&priv->program_options, _mode_program_options_free);
  g_mutex_clear (&priv->crash_mutex);

  G_OBJECT_CLASS (mode_worker_parent_class)->finalize (object);
}

static void
mode_worker_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ModeWorker *self = MODE_WORKER (object);
  ModeWorkerPrivate *priv = GET_PRIV (self);

  switch (prop_id)
    {
    case PROP_LOGLEVEL:
      g_value_set_string (value, priv->loglevel);
      break;
    case PROP_LOGFILE:
      g_value_set_string (value, priv->logfile);
      break;
    case PROP_DEBUG:
      g_value_set_boolean (value, priv->debug);
      break;
    case PROP_QUIET:
      g_value_set_boolean (value, priv->quiet);
      break;
    case PROP_BLOCKING_TIMEOUT:
      g_value_set_double (value, priv->blocking_timeout);
      break;
    case PROP_DAEMON:
      g_value_set_boolean (value, priv->daemon);
      break;
    case PROP_OVERRIDE_LOGGING:
      g_value_set_boolean (value, priv->override_logging);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_worker_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  ModeWorker *self = MODE_WORKER (object);

  switch (prop_id)
    {
    case PROP_LOGLEVEL:
      mode_worker_set_loglevel (self, g_value_get_string (value));
      break;
    case PROP_LOGFILE:
      mode_worker_set_logfile (self, g_value_get_string (value));
      break;
    case PROP_DEBUG:
      mode_worker_set_debug (self, g_value_get_boolean (value));
      break;
    case PROP_QUIET:
      mode_worker_set_quiet (self, g_value_get_boolean (value));
      break;
    case PROP_BLOCKING_TIMEOUT:
      mode_worker_set_blocking_timeout (self, g_value_get_double (value));
      break;
    case PROP_DAEMON:
      mode_worker_set_daemon (self, g_value_get_boolean (value));
      break;
    case PROP_OVERRIDE_LOGGING:
      mode_worker_set_override_logging (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_worker_class_init (ModeWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mode_worker_finalize;
  object_class->get_property = mode_worker_get_property;
  object_class->set_property = mode_worker_set_property;

  klass->on_setup_logging = mode_worker_real_on_setup_logging;

  /**
   * ModeWorker:loglevel:
   *
   * The most verbose level logged: debug, info, message, warning or
   * critical; message unless set.
   *
   * Since: 0.1
   */
  properties[PROP_LOGLEVEL] =
    g_param_spec_string ("loglevel", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ModeWorker:logfile:
   *
   * The file the log goes to, or %NULL for stderr.
   *
   * Since: 0.1
   */
  properties[PROP_LOGFILE] =
    g_param_spec_string ("logfile", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ModeWorker:debug:
   *
   * Whether to log everything and watch for a blocked main loop.
   *
   * Since: 0.1
   */
  properties[PROP_DEBUG] =
    g_param_spec_boolean ("debug", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ModeWorker:quiet:
   *
   * Whether to print nothing but errors to stdout.
   *
   * Since: 0.1
   */
  properties[PROP_QUIET] =
    g_param_spec_boolean ("quiet", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ModeWorker:blocking-timeout:
   *
   * In debug mode, how long the main loop may be blocked, in seconds,
   * before the worker warns: the #ModeBlockingDetector:timeout of the
   * detector the worker runs in debug mode. Without #ModeWorker:debug,
   * as in Mode, nothing watches the main loop.
   *
   * Since: 0.1
   */
  properties[PROP_BLOCKING_TIMEOUT] =
    g_param_spec_double ("blocking-timeout", NULL, NULL, G_MINDOUBLE, G_MAXDOUBLE, 10.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ModeWorker:daemon:
   *
   * Whether the worker runs until it is told to stop (the default), or
   * stops as soon as everything started.
   *
   * Since: 0.1
   */
  properties[PROP_DAEMON] =
    g_param_spec_boolean ("daemon", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ModeWorker:override-logging:
   *
   * Whether the worker installs its log writer when it runs. The writer
   * is process-wide: an application that has its own sets this to %FALSE.
   *
   * Since: 0.1
   */
  properties[PROP_OVERRIDE_LOGGING] =
    g_param_spec_boolean ("override-logging", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mode_worker_init (ModeWorker *self)
{
  ModeWorkerPrivate *priv = GET_PRIV (self);

  priv->blocking_timeout = 10.0;
  priv->program_options = _mode_program_options_new ();
  g_mutex_init (&priv->crash_mutex);
  priv->daemon = TRUE;
  priv->override_logging = TRUE;
}
