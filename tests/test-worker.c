/* test-worker.c: ModeWorker: options, exit statuses, logging and signals
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A worker installs a log writer for the whole process, and signals go to
 * the whole process: every worker runs in a subprocess of its own
 * (g_test_trap_subprocess()), which prints the exit status the worker
 * returned before it exits with it.
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include <mode-glib/mode-glib.h>

/* A bound for a worker that would never exit, not a delay. */
#define SUBPROCESS_TIMEOUT (60 * G_USEC_PER_SEC)

/* TestService: once everything runs, does its action {{{ */

typedef enum
{
  ACTION_NONE,
  ACTION_CRASH,
  ACTION_SIGTERM,
  ACTION_SIGINT,
  ACTION_SIGUSR1,   /* then SIGTERM, once the worker handled it */
  ACTION_SIGUSR2,   /* then SIGTERM, once the worker handled it */
  ACTION_BLOCK,     /* blocks the main context for 1.5 s, then SIGTERM */
  ACTION_LOG_LONG,  /* logs a line longer than the writer's stack buffer, then SIGTERM */
} Action;

#define TEST_TYPE_SERVICE (test_service_get_type ())
G_DECLARE_FINAL_TYPE (TestService, test_service, TEST, SERVICE, ModeService)

struct _TestService
{
  ModeService parent_instance;
  Action      action;
};

G_DEFINE_FINAL_TYPE (TestService, test_service, MODE_TYPE_SERVICE)

static void
add_low_priority (GMainContext *context,
                  GSource      *source,
                  GSourceFunc   func,
                  gpointer      data)
{
  g_source_set_priority (source, G_PRIORITY_LOW);
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, context);
  g_source_unref (source);
}

static gboolean
raise_sigterm (gpointer data)
{
  raise (SIGTERM);
  return G_SOURCE_REMOVE;
}

/* Our own watch of the signal we raised: it runs at a lower priority than
 * the worker's, and the SIGTERM waits for one more low priority idle, so
 * that the worker handled the first signal before it stops. */
static gboolean
then_sigterm (gpointer data)
{
  add_low_priority (g_main_context_get_thread_default (), g_idle_source_new (),
                    raise_sigterm, NULL);
  return G_SOURCE_REMOVE;
}

/* Runs at a low priority after the start: once the worker completed its
 * start and said "Worker ready". */
static gboolean
do_action (gpointer data)
{
  TestService *self = data;
  GMainContext *context = mode_service_get_main_context (MODE_SERVICE (self));

  switch (self->action)
    {
    case ACTION_CRASH:
      {
        g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");

        mode_service_crash (MODE_SERVICE (self), error);
      }
      break;

    case ACTION_SIGTERM:
      raise (SIGTERM);
      break;

    case ACTION_SIGINT:
      raise (SIGINT);
      break;

    case ACTION_SIGUSR1:
    case ACTION_SIGUSR2:
      {
        int signum = self->action == ACTION_SIGUSR1 ? SIGUSR1 : SIGUSR2;

        add_low_priority (context, g_unix_signal_source_new (signum), then_sigterm, NULL);
        raise (signum);
      }
      break;

    case ACTION_BLOCK:
      g_usleep (G_USEC_PER_SEC * 3 / 2);
      raise (SIGTERM);
      break;

    case ACTION_LOG_LONG:
      {
        g_autofree char *text = g_strnfill (3000, 'x');

        g_log ("Other", G_LOG_LEVEL_MESSAGE, "long %s end", text);
        raise (SIGTERM);
      }
      break;

    case ACTION_NONE:
    default:
      break;
    }

  return G_SOURCE_REMOVE;
}

static gboolean
test_service_on_started (ModeService   *service,
                         GCancellable  *cancellable,
                         GError       **error)
{
  if (TEST_SERVICE (service)->action != ACTION_NONE)
    add_low_priority (mode_service_get_main_context (service), g_idle_source_new (),
                      do_action, service);
  return TRUE;
}

static void
test_service_class_init (TestServiceClass *klass)
{
  MODE_SERVICE_CLASS (klass)->on_started = test_service_on_started;
}

static void
test_service_init (TestService *self)
{
}

/* }}} */

/* Running a worker, in the subprocess {{{ */

/* Runs a worker of one TestService "Label" with @args (after argv[0]). */
static int
run_worker (Action       action,
            gboolean     daemon,
            const char  *first_arg,
            ...)
{
  g_autoptr(ModeWorker) worker = mode_worker_new ();
  g_autoptr(ModeService) service = g_object_new (TEST_TYPE_SERVICE, "label", "Label", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (argv, (gpointer) "test-worker");
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  TEST_SERVICE (service)->action = action;
  mode_worker_set_daemon (worker, daemon);
  mode_worker_add_service (worker, service);

  return mode_worker_execute_from_commandline (worker, argv->len - 1, (char **) argv->pdata);
}

G_GNUC_NORETURN static void
exit_with (int status)
{
  g_print ("exit status %d\n", status);
  fflush (stdout);
  fflush (stderr);
  exit (status);
}

static void
trap (void)
{
  g_test_trap_subprocess (NULL, SUBPROCESS_TIMEOUT, G_TEST_SUBPROCESS_DEFAULT);
}

/* }}} */

/* Options and exit statuses {{{ */

static void
test_bogus_option (void)
{
  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_NONE, FALSE, "--bogus", NULL));

  trap ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*exit status 64*");
  g_test_trap_assert_stdout_unmatched ("*Worker ready*");
  g_test_trap_assert_stderr ("*--bogus*");
  g_assert_cmpint (MODE_WORKER_EXIT_USAGE, ==, 64);
}

/* Values the options do not take: each is refused with a line naming the
 * option (or the argument) and the value, before anything runs. */
typedef struct
{
  const char *path;
  const char *args[3];        /* after argv[0]; NULL-terminated */
  const char *stderr_pattern; /* ? for each quotation mark (one character in any locale) */
} BadValue;

static const BadValue bad_values[] = {
  { "/worker/options/bad-value/loglevel", { "-l", "chatty" }, "*--loglevel: ?chatty? (*" },
  { "/worker/options/bad-value/loglevel-empty", { "--loglevel", "" }, "*--loglevel: ?? (*" },
  { "/worker/options/bad-value/logfile-empty", { "--logfile", "" }, "*--logfile: ??\n*" },
  { "/worker/options/bad-value/blocking-timeout-negative", { "--blocking-timeout", "-5" },
    "*--blocking-timeout: ?-5? (*" },
  { "/worker/options/bad-value/blocking-timeout-zero", { "--blocking-timeout", "0" },
    "*--blocking-timeout: ?0? (*" },
  { "/worker/options/bad-value/blocking-timeout-too-short", { "--blocking-timeout", "0.0001" },
    "*--blocking-timeout: ?0.0001? (*" },
  { "/worker/options/bad-value/blocking-timeout-too-long", { "--blocking-timeout", "86401" },
    "*--blocking-timeout: ?86401? (*" },
  { "/worker/options/bad-value/blocking-timeout-nan", { "--blocking-timeout", "nan" },
    "*--blocking-timeout: ?nan? (*" },
  { "/worker/options/bad-value/blocking-timeout-inf", { "--blocking-timeout=inf" },
    "*--blocking-timeout: ?inf? (*" },
  { "/worker/options/bad-value/blocking-timeout-overflow", { "--blocking-timeout", "1e400" },
    "*--blocking-timeout: ?1e400? (*" },
  { "/worker/options/bad-value/blocking-timeout-empty", { "--blocking-timeout", "" },
    "*--blocking-timeout: ?? (*" },
  { "/worker/options/bad-value/blocking-timeout-not-a-number", { "--blocking-timeout", "5s" },
    "*--blocking-timeout: ?5s? (*" },
  { "/worker/options/bad-value/argument", { "-q", "extra" }, "*argument: ?extra?\n*" },
};

static void
test_bad_value (gconstpointer data)
{
  const BadValue *bad = data;

  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_NONE, FALSE, bad->args[0], bad->args[1], bad->args[2], NULL));

  trap ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*exit status 64*");
  g_test_trap_assert_stdout_unmatched ("*Worker ready*");
  g_test_trap_assert_stderr (bad->stderr_pattern);
  /* refused, not run with a default in its place */
  g_test_trap_assert_stderr_unmatched ("*CRITICAL*");
}

/* The ends of --blocking-timeout's range are taken. */
static void
test_blocking_timeout_bounds (gconstpointer data)
{
  const char *seconds = data;

  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_NONE, FALSE, "--blocking-timeout", seconds, NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Worker ready*exit status 0*");
}

static void
test_logfile_error (void)
{
  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_NONE, FALSE, "-f", "/nonexistent/dir/x.log", NULL));

  trap ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*exit status 71*");
  g_test_trap_assert_stdout_unmatched ("*Worker ready*");
  g_test_trap_assert_stderr ("*Cannot open log file /nonexistent/dir/x.log*");
  g_assert_cmpint (MODE_WORKER_EXIT_OSERR, ==, 71);
}

static void
test_run_once (void)
{
  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_NONE, FALSE, NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Worker ready\n*exit status 0*");
  /* messages and worse by default: no routine lines */
  g_test_trap_assert_stderr_unmatched ("*Starting...*");
  g_test_trap_assert_stderr_unmatched ("*crashed*");
  g_assert_cmpint (MODE_WORKER_EXIT_OK, ==, 0);
}

static void
test_quiet (void)
{
  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_NONE, FALSE, "-q", NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout_unmatched ("*Worker ready*");
  g_test_trap_assert_stdout ("*exit status 0*");
}

static void
test_crash (void)
{
  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_CRASH, TRUE, NULL));

  trap ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*Worker ready*exit status 1*");
  /* the service that crashed, not the worker */
  g_test_trap_assert_stderr ("*\nLabel crashed: boom\n*");
  g_test_trap_assert_stderr_unmatched ("*ModeWorker crashed*");
  g_test_trap_assert_stderr ("*[^-Label]: Crashed reason=boom*");
  g_assert_cmpint (MODE_WORKER_EXIT_FAILURE, ==, 1);
}

/* Worker -> Parent -> Label, and Label crashes: the whole tree is marked
 * crashed with its reason, and the worker names Label. */
static void
test_crash_origin (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ModeWorker) worker = mode_worker_new ();
      g_autoptr(ModeService) parent = mode_service_new ();
      g_autoptr(ModeService) service = g_object_new (TEST_TYPE_SERVICE, "label", "Label", NULL);
      g_autoptr(ModeService) sibling = mode_service_new ();
      int status;

      mode_service_set_label (parent, "Parent");
      mode_service_set_label (sibling, "Sibling");
      TEST_SERVICE (service)->action = ACTION_CRASH;
      mode_service_add_dependency (parent, sibling);
      mode_service_add_dependency (parent, service);
      mode_worker_add_service (worker, parent);

      status = mode_worker_run (worker);
      g_assert_true (mode_service_get_crashed (parent));
      g_assert_true (mode_service_get_crashed (sibling));
      g_clear_object (&worker);
      g_clear_object (&parent);
      g_clear_object (&service);
      g_clear_object (&sibling);
      exit_with (status);
    }

  trap ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*Worker ready*exit status 1*");
  g_test_trap_assert_stderr ("*\nLabel crashed: boom\n*");
  g_test_trap_assert_stderr_unmatched ("*Parent crashed*");
  g_test_trap_assert_stderr_unmatched ("*Sibling crashed*");
  g_test_trap_assert_stderr_unmatched ("*ModeWorker crashed*");
}

/* The worker crashed itself: it is the origin. */
static gboolean
crash_worker (gpointer data)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "bust");

  mode_service_crash (data, error);
  return G_SOURCE_REMOVE;
}

static void
test_crash_worker (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ModeWorker) worker = mode_worker_new ();
      g_autoptr(ModeService) service = mode_service_new ();
      GSource *source = g_idle_source_new ();
      int status;

      mode_service_set_label (service, "Label");
      mode_worker_add_service (worker, service);
      add_low_priority (mode_service_get_main_context (MODE_SERVICE (worker)), source,
                        crash_worker, worker);

      status = mode_worker_run (worker);
      g_clear_object (&worker);
      g_clear_object (&service);
      exit_with (status);
    }

  trap ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*exit status 1*");
  g_test_trap_assert_stderr ("*\nModeWorker crashed: bust\n*");
  g_test_trap_assert_stderr_unmatched ("*Label crashed*");
}

/* }}} */

/* Logging {{{ */

#define STAMP "\\[\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{3}: "

static void
assert_matches (const char *text,
                const char *pattern)
{
  g_autoptr(GRegex) regex = g_regex_new (pattern, G_REGEX_MULTILINE, 0, NULL);

  g_assert_nonnull (regex);
  if (!g_regex_match (regex, text, 0, NULL))
    g_error ("/%s/ does not match:\n%s", pattern, text);
}

/* Runs the worker with stderr going to a file, and returns what it wrote
 * there. */
static char *
run_worker_capturing_stderr (Action      action,
                             int        *status,
                             const char *first_arg,
                             ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  char *contents = NULL;
  const char *args[8] = { NULL };
  va_list ap;
  int saved;
  int fd;
  guint n = 0;

  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL && n < G_N_ELEMENTS (args) - 1; arg = va_arg (ap, const char *))
    args[n++] = arg;
  va_end (ap);

  fd = g_file_open_tmp ("mode-test-worker-XXXXXX.log", &path, &error);
  g_assert_no_error (error);
  fflush (stderr);
  saved = dup (STDERR_FILENO);
  g_assert_cmpint (saved, >=, 0);
  g_assert_cmpint (dup2 (fd, STDERR_FILENO), ==, STDERR_FILENO);
  close (fd);

  *status = run_worker (action, FALSE, args[0], args[1], args[2], args[3], args[4], NULL);

  fflush (stderr);
  g_assert_cmpint (dup2 (saved, STDERR_FILENO), ==, STDERR_FILENO);
  close (saved);

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_unlink (path);

  return contents;
}

static void
test_log_format (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *log = NULL;
      int status;

      log = run_worker_capturing_stderr (ACTION_NONE, &status, "-l", "info", NULL);
      /* for the parent, too */
      fputs (log, stderr);
      g_assert_cmpint (status, ==, 0);
      assert_matches (log, "^" STAMP "INFO\\]: \\[\\^-Label\\]: Starting\\.\\.\\.$");
      assert_matches (log, "^" STAMP "INFO\\]: \\[\\^ModeWorker\\]: Starting\\.\\.\\.$");
      assert_matches (log, "^" STAMP "INFO\\]: \\[\\^-Label\\]: Stopping\\.\\.\\.$");
      /* no colours when it is not a terminal */
      g_assert_null (strchr (log, '\033'));
      /* exit() runs no g_autofree cleanups */
      g_clear_pointer (&log, g_free);
      exit_with (status);
    }

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Worker ready*exit status 0*");
  g_test_trap_assert_stderr ("*: INFO]: [^-Label]: Starting...\n*");
}

/* A line longer than the writer's stack buffer comes out whole, on a
 * line of its own; another log domain is named. */
static void
test_log_long_line (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *log = NULL;
      g_autofree char *text = g_strnfill (3000, 'x');
      g_autofree char *pattern = NULL;
      int status;

      log = run_worker_capturing_stderr (ACTION_LOG_LONG, &status, NULL);
      g_assert_cmpint (status, ==, 0);
      pattern = g_strconcat ("^" STAMP "MESSAGE\\]: Other: long ", text, " end$", NULL);
      assert_matches (log, pattern);
      g_clear_pointer (&log, g_free);
      g_clear_pointer (&text, g_free);
      g_clear_pointer (&pattern, g_free);
      exit_with (status);
    }

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*exit status 0*");
}

static void
test_logfile (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      g_autofree char *log = NULL;
      int status;
      int fd;

      fd = g_file_open_tmp ("mode-test-worker-XXXXXX.log", &path, &error);
      g_assert_no_error (error);
      close (fd);

      status = run_worker (ACTION_NONE, FALSE, "-f", path, "--loglevel", "info", NULL);
      g_file_get_contents (path, &log, NULL, &error);
      g_assert_no_error (error);
      g_unlink (path);

      assert_matches (log, "^" STAMP "INFO\\]: \\[\\^-Label\\]: Starting\\.\\.\\.$");
      g_clear_pointer (&log, g_free);
      g_clear_pointer (&path, g_free);
      exit_with (status);
    }

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Worker ready*exit status 0*");
  /* the log went to the file only */
  g_test_trap_assert_stderr_unmatched ("*Starting...*");
}

/* }}} */

/* Signals {{{ */

static void
test_sigterm (void)
{
  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_SIGTERM, TRUE, "-l", "info", NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Worker ready*exit status 0*");
  g_test_trap_assert_stderr ("*Signal received: SIGTERM*");
  g_test_trap_assert_stderr ("*[^-Label]: Stopping...*");
  g_test_trap_assert_stderr_unmatched ("*crashed*");
}

static void
test_sigint (void)
{
  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_SIGINT, TRUE, "-l", "info", NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Worker ready*exit status 0*");
  g_test_trap_assert_stderr ("*Signal received: SIGINT*");
  g_test_trap_assert_stderr ("*[^-Label]: Stopping...*");
}

static void
test_sigusr1 (void)
{
  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_SIGUSR1, TRUE, NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Worker ready*exit status 0*");
  /* the tree, while it ran */
  g_test_trap_assert_stderr ("*ModeWorker [running]\n*Label [running]\n*");
}

static void
test_sigusr2 (void)
{
  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_SIGUSR2, TRUE, NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Worker ready*exit status 0*");
  /* debug logging from then on: the stop shows, the start did not */
  g_test_trap_assert_stderr_unmatched ("*Starting...*");
  g_test_trap_assert_stderr ("*[^-Label]: Stopping...*");
}

/* }}} */

/* Blocking detection {{{ */

static void
test_blocking_debug (void)
{
  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_BLOCK, TRUE, "--debug", "--blocking-timeout", "0.2", NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Worker ready*exit status 0*");
  g_test_trap_assert_stderr ("*WARNING]: [^ModeBlockingDetector]: Blocking detected: main context *"
                             "(blocking timeout 0.20 seconds)*");
  /* once the context runs again, the state of the tree */
  g_test_trap_assert_stderr ("*Blocking detected*The services after the block:\nModeWorker [running]*");
}

static void
test_blocking_not_debug (void)
{
  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_BLOCK, TRUE, "--blocking-timeout", "0.2", NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Worker ready*exit status 0*");
  /* as in Mode, only debug mode watches the main loop */
  g_test_trap_assert_stderr_unmatched ("*Blocking detected*");
}

/* }}} */

/* systemd {{{ */

/* Binds a datagram socket in a temporary directory, as the service
 * manager does, and points NOTIFY_SOCKET at it for the subprocess. */
static GSocket *
listen_for_notify (char **dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *path = NULL;
  GSocket *socket;

  *dir = g_dir_make_tmp ("mode-test-notify-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (*dir, "notify", NULL);

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  address = g_unix_socket_address_new (path);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);

  g_setenv ("NOTIFY_SOCKET", path, TRUE);
  return socket;
}

/* Everything the subprocess sent, one message a line. */
static char *
read_notify (GSocket *socket,
             char    *dir)
{
  g_autofree char *path = g_build_filename (dir, "notify", NULL);
  GString *out = g_string_new (NULL);
  char buf[4096];
  gssize n;

  while ((n = g_socket_receive (socket, buf, sizeof buf - 1, NULL, NULL)) > 0)
    {
      buf[n] = '\0';
      g_string_append_printf (out, "%s\n", buf);
    }

  g_unsetenv ("NOTIFY_SOCKET");
  g_unsetenv ("WATCHDOG_USEC");
  g_socket_close (socket, NULL);
  g_unlink (path);
  g_rmdir (dir);
  g_free (dir);

  return g_string_free (out, FALSE);
}

/* Runs the worker of the current test in a subprocess with
 * NOTIFY_SOCKET and WATCHDOG_USEC set, and returns what it sent. */
static char *
trap_notified (const char *watchdog_usec)
{
  g_autoptr(GSocket) socket = NULL;
  char *dir = NULL;

  socket = listen_for_notify (&dir);
  g_setenv ("WATCHDOG_USEC", watchdog_usec, TRUE);
  trap ();
  return read_notify (socket, dir);
}

static void
test_systemd_notify (void)
{
  g_autofree char *sent = NULL;

  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_SIGTERM, TRUE, NULL));

  /* 100 s: the worker pings at once, and then every 50 s */
  sent = trap_notified ("100000000");

  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Worker ready*exit status 0*");
#if HAVE_LIBSYSTEMD
  g_test_trap_assert_stderr_unmatched ("*Cannot notify*");
  g_assert_cmpstr (sent, ==,
                   "WATCHDOG=1\n"
                   "READY=1\nSTATUS=Running: Label\n"
                   "STOPPING=1\nSTATUS=Stopping\n");
#else
  g_test_trap_assert_stderr ("*Cannot notify the service manager: built without libsystemd*");
  g_assert_cmpstr (sent, ==, "");
#endif
}

static void
test_systemd_watchdog (void)
{
  g_autofree char *sent = NULL;

  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_BLOCK, TRUE, NULL));

  /* pings every 50 ms from the main context (none while it is blocked
   * for 1.5 s: that is what systemd's watchdog is for) */
  sent = trap_notified ("100000");

  g_test_trap_assert_passed ();
#if HAVE_LIBSYSTEMD
  g_assert_true (g_str_has_prefix (sent, "WATCHDOG=1\n"));
  g_assert_nonnull (strstr (sent, "READY=1\n"));
  g_assert_nonnull (strstr (sent, "STOPPING=1\n"));
#else
  g_assert_cmpstr (sent, ==, "");
#endif
}

static void
test_systemd_crash (void)
{
  g_autofree char *sent = NULL;

  if (g_test_subprocess ())
    exit_with (run_worker (ACTION_CRASH, TRUE, NULL));

  sent = trap_notified ("100000000");

  g_test_trap_assert_failed ();
#if HAVE_LIBSYSTEMD
  g_assert_true (g_str_has_suffix (sent, "STOPPING=1\nSTATUS=Stopping\nSTATUS=Label crashed: boom\n"));
#else
  g_assert_cmpstr (sent, ==, "");
#endif
}

/* }}} */

/* Hooks and the program's options {{{
 *
 * A TestWorker says, on stdout, each hook of its run as it runs, and in
 * on_execute the values of the program's options. */

typedef enum
{
  HOOK_EXECUTE_FAILS      = 1 << 0,  /* with G_IO_ERROR */
  HOOK_EXECUTE_USAGE      = 1 << 1,  /* with G_OPTION_ERROR_BAD_VALUE */
  HOOK_EXECUTE_FALSE      = 1 << 2,  /* FALSE, no error */
  HOOK_LOGGING_OWN        = 1 << 3,  /* its own logging: no chain up */
  HOOK_LOGGING_FAILS      = 1 << 4,
  HOOK_EXECUTE_ADDS       = 1 << 5,  /* adds a service "Added" */
  HOOK_NO_LIBRARY_LOGGING = 1 << 6,  /* override-logging FALSE */
} HookFlags;

#define TEST_TYPE_WORKER (test_worker_get_type ())
G_DECLARE_FINAL_TYPE (TestWorker, test_worker, TEST, WORKER, ModeWorker)

struct _TestWorker
{
  ModeWorker  parent_instance;
  HookFlags   flags;
  ModeService *added;  /* (owned) (nullable) */
};

G_DEFINE_FINAL_TYPE (TestWorker, test_worker, MODE_TYPE_WORKER)

/* the places of the C entries */
static int option_port = 8000;
static char *option_name;

static gboolean
test_worker_on_setup_logging (ModeWorker  *worker,
                              GError     **error)
{
  TestWorker *self = TEST_WORKER (worker);

  g_print ("hook on_setup_logging\n");
  if (self->flags & HOOK_LOGGING_FAILS)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "no log for you");
      return FALSE;
    }
  if (self->flags & HOOK_LOGGING_OWN)
    return TRUE;
  return MODE_WORKER_CLASS (test_worker_parent_class)->on_setup_logging (worker, error);
}

static void
print_option (GVariantDict *options,
              const char   *name)
{
  g_autoptr(GVariant) value = g_variant_dict_lookup_value (options, name, NULL);
  g_autofree char *text = value != NULL ? g_variant_print (value, TRUE) : g_strdup ("none");

  g_print ("option %s=%s\n", name, text);
}

static gboolean
test_worker_on_execute (ModeWorker  *worker,
                        GError     **error)
{
  TestWorker *self = TEST_WORKER (worker);
  GVariantDict *options = mode_worker_get_options (worker);
  const char *names[] = { "count", "flag", "no-color", "tag", "path", "paths", "ratio", "big", "secret" };

  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autofree char *state = g_enum_to_string (MODE_TYPE_SERVICE_STATE,
                                             mode_service_get_state (MODE_SERVICE (worker)));

  g_print ("hook on_execute state=%s thread-default=%d\n",
           state, context == mode_service_get_main_context (MODE_SERVICE (worker)));
  g_print ("option port=%d name=%s\n", option_port, option_name != NULL ? option_name : "none");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    print_option (options, names[i]);

  if (self->flags & HOOK_EXECUTE_FAILS)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no database");
      return FALSE;
    }
  if (self->flags & HOOK_EXECUTE_USAGE)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "Not a port: %d", option_port);
      return FALSE;
    }
  if (self->flags & HOOK_EXECUTE_FALSE)
    return FALSE;
  if (self->flags & HOOK_EXECUTE_ADDS)
    {
      self->added = mode_service_new ();
      mode_service_set_label (self->added, "Added");
      mode_worker_add_service (worker, self->added);
    }
  return TRUE;
}

static void
test_worker_on_worker_shutdown (ModeWorker *worker,
                                int         exit_status)
{
  TestWorker *self = TEST_WORKER (worker);
  g_autofree char *state = g_enum_to_string (MODE_TYPE_SERVICE_STATE,
                                             mode_service_get_state (MODE_SERVICE (worker)));
  g_autofree char *added = self->added == NULL ? NULL :
    g_enum_to_string (MODE_TYPE_SERVICE_STATE, mode_service_get_state (self->added));

  g_print ("hook on_worker_shutdown %d state=%s", exit_status, state);
  if (added != NULL)
    g_print (" added=%s", added);
  g_print ("\n");
}

static void
test_worker_finalize (GObject *object)
{
  g_clear_object (&TEST_WORKER (object)->added);
  G_OBJECT_CLASS (test_worker_parent_class)->finalize (object);
}

static void
test_worker_class_init (TestWorkerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_worker_finalize;
  MODE_WORKER_CLASS (klass)->on_setup_logging = test_worker_on_setup_logging;
  MODE_WORKER_CLASS (klass)->on_execute = test_worker_on_execute;
  MODE_WORKER_CLASS (klass)->on_worker_shutdown = test_worker_on_worker_shutdown;
}

static void
test_worker_init (TestWorker *self)
{
}

static const GOptionEntry program_entries[] = {
  { "port", 'p', 0, G_OPTION_ARG_INT, &option_port, "The port (8000)", "PORT" },
  { "name", 0, 0, G_OPTION_ARG_STRING, &option_name, "The name", "NAME" },
  /* no place: in the dict */
  { "ratio", 0, 0, G_OPTION_ARG_DOUBLE, NULL, "A ratio", "RATIO" },
  { NULL }
};

/* Runs a TestWorker with the program's options and @args after argv[0]. */
static int
run_test_worker (Action      action,
                 HookFlags   flags,
                 const char *first_arg,
                 ...)
{
  g_autoptr(ModeWorker) worker = g_object_new (TEST_TYPE_WORKER, "daemon", FALSE, NULL);
  g_autoptr(ModeService) service = g_object_new (TEST_TYPE_SERVICE, "label", "Label", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  GOptionGroup *group;
  GVariantDict *options;
  va_list ap;
  int status;

  static const GOptionEntry group_entries[] = {
    { "extra", 0, 0, G_OPTION_ARG_STRING, &option_name, "Set the name too", "NAME" },
    { NULL }
  };

  g_ptr_array_add (argv, (gpointer) "test-worker");
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  TEST_WORKER (worker)->flags = flags;
  TEST_SERVICE (service)->action = action;
  if (flags & HOOK_NO_LIBRARY_LOGGING)
    mode_worker_set_override_logging (worker, FALSE);
  mode_worker_add_service (worker, service);

  mode_worker_add_main_option_entries (worker, program_entries);
  mode_worker_add_main_option (worker, "count", 'c', 0, G_OPTION_ARG_INT, "A count", "N");
  mode_worker_add_main_option (worker, "flag", 0, 0, G_OPTION_ARG_NONE, "A flag", NULL);
  mode_worker_add_main_option (worker, "no-color", 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE,
                               "No colour", NULL);
  mode_worker_add_main_option (worker, "tag", 't', 0, G_OPTION_ARG_STRING_ARRAY, "A tag", "TAG");
  mode_worker_add_main_option (worker, "path", 0, 0, G_OPTION_ARG_FILENAME, "A path", "PATH");
  mode_worker_add_main_option (worker, "paths", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, "Paths", "PATH");
  mode_worker_add_main_option (worker, "big", 0, 0, G_OPTION_ARG_INT64, "A big one", "N");
  mode_worker_add_main_option (worker, "secret", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING,
                               "Not in --help", "WORD");

  group = g_option_group_new ("extras", "The extras:", "Show the extra options", NULL, NULL);
  g_option_group_add_entries (group, group_entries);
  mode_worker_add_option_group (worker, group);

  options = mode_worker_get_options (worker);
  g_assert_nonnull (options);
  g_assert_false (g_variant_dict_contains (options, "count"));

  status = mode_worker_execute_from_commandline (worker, argv->len - 1, (char **) argv->pdata);

  /* the same dict, filled */
  g_assert_true (mode_worker_get_options (worker) == options);
  g_clear_pointer (&option_name, g_free);
  return status;
}

static void
test_hooks_order (void)
{
  if (g_test_subprocess ())
    exit_with (run_test_worker (ACTION_NONE, HOOK_EXECUTE_ADDS, NULL));

  trap ();
  g_test_trap_assert_passed ();
  /* on_execute before anything starts, in the worker's context; the
   * service it added ran; on_worker_shutdown once all stopped */
  g_test_trap_assert_stdout ("hook on_setup_logging\n"
                             "hook on_execute state=MODE_SERVICE_STATE_INIT thread-default=1\n"
                             "*Worker ready\n"
                             "hook on_worker_shutdown 0 state=MODE_SERVICE_STATE_SHUTDOWN "
                             "added=MODE_SERVICE_STATE_SHUTDOWN\n"
                             "exit status 0\n");
}

static void
test_hooks_crash_status (void)
{
  if (g_test_subprocess ())
    exit_with (run_test_worker (ACTION_CRASH, 0, NULL));

  trap ();
  g_test_trap_assert_failed ();
  /* after the crash line */
  g_test_trap_assert_stdout ("*Worker ready\nhook on_worker_shutdown 1 state=MODE_SERVICE_STATE_CRASHED\n"
                             "exit status 1\n");
  g_test_trap_assert_stderr ("*\nLabel crashed: boom\n*");
}

typedef struct
{
  const char *path;
  HookFlags   flags;
  int         status;
  const char *stderr_pattern;
} HookFailure;

static const HookFailure hook_failures[] = {
  { "/worker/hooks/execute/fails", HOOK_EXECUTE_FAILS, MODE_WORKER_EXIT_FAILURE, "no database\n" },
  { "/worker/hooks/execute/usage", HOOK_EXECUTE_USAGE, MODE_WORKER_EXIT_USAGE, "Not a port: 8000\n" },
  { "/worker/hooks/execute/false", HOOK_EXECUTE_FALSE, MODE_WORKER_EXIT_FAILURE,
    "Service TestWorker: on_execute failed without saying why\n" },
  { "/worker/hooks/setup-logging/fails", HOOK_LOGGING_FAILS, MODE_WORKER_EXIT_OSERR,
    "no log for you\n" },
};

/* A failing hook ends the run before anything starts, with its status;
 * on_worker_shutdown does not run. */
static void
test_hook_failure (gconstpointer data)
{
  const HookFailure *failure = data;
  g_autofree char *status = g_strdup_printf ("*exit status %d\n", failure->status);

  if (g_test_subprocess ())
    exit_with (run_test_worker (ACTION_NONE, failure->flags, NULL));

  trap ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout (status);
  g_test_trap_assert_stdout_unmatched ("*Worker ready*");
  g_test_trap_assert_stdout_unmatched ("*on_worker_shutdown*");
  if (failure->flags & HOOK_LOGGING_FAILS)
    g_test_trap_assert_stdout_unmatched ("*on_execute*");
  g_test_trap_assert_stderr (failure->stderr_pattern);
}

/* A class with logging of its own: the library's writer is not
 * installed (its lines would have a time stamp). */
static void
test_hooks_own_logging (void)
{
  if (g_test_subprocess ())
    exit_with (run_test_worker (ACTION_NONE, HOOK_LOGGING_OWN, "-l", "info", NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("hook on_setup_logging\n*exit status 0\n");
  g_test_trap_assert_stderr_unmatched ("*INFO]: *");
}

/* Without override-logging, no logging hook at all. */
static void
test_hooks_no_logging (void)
{
  if (g_test_subprocess ())
    exit_with (run_test_worker (ACTION_NONE, HOOK_NO_LIBRARY_LOGGING, NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("hook on_execute *exit status 0\n");
  g_test_trap_assert_stdout_unmatched ("*on_setup_logging*");
}

/* Every option, parsed once with the worker's: the C entries in their
 * places, the others in the dict, an integer 0 included, arrays in
 * order, a reversed flag FALSE; the worker's own options still work. */
static void
test_program_options (void)
{
  if (g_test_subprocess ())
    exit_with (run_test_worker (ACTION_NONE, 0,
                                "-q", "--port", "0", "--name", "web", "-c", "0", "--flag",
                                "--no-color", "-t", "a", "--tag=b", "--path", "/tmp/x",
                                "--paths", "p1", "--paths", "p2", "--ratio", "0.25",
                                "--big", "-9000000000", "--secret", "s", "--loglevel", "info",
                                NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*option port=0 name=web\n"
                             "option count=0\n"
                             "option flag=true\n"
                             "option no-color=false\n"
                             "option tag=['a', 'b']\n"
                             "option path=b'/tmp/x'\n"
                             "option paths=[b'p1', b'p2']\n"
                             "option ratio=0.25\n"
                             "option big=int64 -9000000000\n"
                             "option secret='s'\n"
                             "*exit status 0\n");
  /* -q was the worker's */
  g_test_trap_assert_stdout_unmatched ("*Worker ready*");
  /* --loglevel info too */
  g_test_trap_assert_stderr ("*INFO]: [^-Label]: Starting...*");
}

/* Options not given are not in the dict; the C places keep their
 * defaults; a group's option is parsed. */
static void
test_program_options_absent (void)
{
  if (g_test_subprocess ())
    exit_with (run_test_worker (ACTION_NONE, 0, "--extra", "grouped", NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*option port=8000 name=grouped\n"
                             "option count=none\n"
                             "option flag=none\n"
                             "option no-color=none\n"
                             "option tag=none\n"
                             "option path=none\n"
                             "option paths=none\n"
                             "option ratio=none\n"
                             "option big=none\n"
                             "option secret=none\n"
                             "*exit status 0\n");
}

/* --help lists the program's options with the worker's; it exits 0
 * before any hook runs. */
static void
test_program_options_help (void)
{
  if (g_test_subprocess ())
    exit_with (run_test_worker (ACTION_NONE, 0, "--help", NULL));

  trap ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*--loglevel=LEVEL*--blocking-timeout=SECONDS*"
                             "-p, --port=PORT * The port (8000)\n"
                             "*--name=NAME * The name\n"
                             "*--ratio=RATIO * A ratio\n"
                             "*-c, --count=N * A count\n"
                             "*--flag * A flag\n"
                             "*-t, --tag=TAG * A tag\n"
                             "*--path=PATH * A path\n"
                             "*--big=N * A big one\n*");
  g_test_trap_assert_stdout ("*--help-extras*");
  g_test_trap_assert_stdout_unmatched ("*--secret*");
  g_test_trap_assert_stdout_unmatched ("*hook*");
}

typedef struct
{
  const char *path;
  const char *args[3];
  const char *stderr_pattern;
} BadProgramValue;

static const BadProgramValue bad_program_values[] = {
  { "/worker/options/program/bad-value/c-entry", { "--port", "x" }, "*--port*" },
  { "/worker/options/program/bad-value/int", { "--count", "x" },
    "Cannot parse integer value ?x? for --count\n" },
  { "/worker/options/program/bad-value/int-short", { "-c", "1.5" },
    "Cannot parse integer value ?1.5? for -c\n" },
  { "/worker/options/program/bad-value/int-range", { "--count", "2147483648" },
    "Integer value ?2147483648? for --count out of range\n" },
  { "/worker/options/program/bad-value/int64-range", { "--big", "9223372036854775808" },
    "Integer value ?9223372036854775808? for --big out of range\n" },
  { "/worker/options/program/bad-value/double", { "--ratio", "half" },
    "Cannot parse double value ?half? for --ratio\n" },
  { "/worker/options/program/bad-value/double-empty", { "--ratio", "" },
    "Cannot parse double value ?? for --ratio\n" },
  { "/worker/options/program/bad-value/double-range", { "--ratio", "1e400" },
    "Double value ?1e400? for --ratio out of range\n" },
  { "/worker/options/program/bad-value/missing", { "--count" }, "*--count*" },
};

static void
test_program_bad_value (gconstpointer data)
{
  const BadProgramValue *bad = data;

  if (g_test_subprocess ())
    exit_with (run_test_worker (ACTION_NONE, 0, bad->args[0], bad->args[1], bad->args[2], NULL));

  trap ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("exit status 64\n");
  g_test_trap_assert_stderr (bad->stderr_pattern);
}

/* Names that are taken or not names: criticals, and nothing added. */
static void
test_program_options_bad_names (void)
{
  g_autoptr(ModeWorker) worker = mode_worker_new ();
  const char *taken[] = { "loglevel", "debug", "blocking-timeout", "help", "mine" };
  static const GOptionEntry dup_entries[] = {
    { "other", 0, 0, G_OPTION_ARG_NONE, NULL, "Other", NULL },
    { "mine", 0, 0, G_OPTION_ARG_NONE, NULL, "Mine again", NULL },
    { NULL }
  };

  mode_worker_add_main_option (worker, "mine", 'm', 0, G_OPTION_ARG_NONE, "Mine", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (taken); i++)
    {
      g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*_mode_program_options_has_name*");
      mode_worker_add_main_option (worker, taken[i], 0, 0, G_OPTION_ARG_NONE, "Again", NULL);
      g_test_assert_expected_messages ();
    }

  /* short names: the worker's -l, -q and -f, and one taken before */
  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*_mode_program_options_has_name*");
  mode_worker_add_main_option (worker, "level", 'l', 0, G_OPTION_ARG_NONE, "Level", NULL);
  g_test_assert_expected_messages ();
  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*_mode_program_options_has_name*");
  mode_worker_add_main_option (worker, "more", 'm', 0, G_OPTION_ARG_NONE, "More", NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*option_name_is_valid*");
  mode_worker_add_main_option (worker, "--dashes", 0, 0, G_OPTION_ARG_NONE, "Dashes", NULL);
  g_test_assert_expected_messages ();
  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*option_name_is_valid*");
  mode_worker_add_main_option (worker, "a=b", 0, 0, G_OPTION_ARG_NONE, "Equals", NULL);
  g_test_assert_expected_messages ();
  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*G_OPTION_ARG_CALLBACK*");
  mode_worker_add_main_option (worker, "call", 0, 0, G_OPTION_ARG_CALLBACK, "Callback", NULL);
  g_test_assert_expected_messages ();

  /* entries: the first is added, the one taken is refused */
  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*_mode_program_options_has_name*");
  mode_worker_add_main_option_entries (worker, dup_entries);
  g_test_assert_expected_messages ();
  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*_mode_program_options_has_name*");
  mode_worker_add_main_option (worker, "other", 0, 0, G_OPTION_ARG_NONE, "Other again", NULL);
  g_test_assert_expected_messages ();

  /* before any parse, the dict is there, empty */
  g_assert_nonnull (mode_worker_get_options (worker));
  g_assert_false (g_variant_dict_contains (mode_worker_get_options (worker), "mine"));
}

/* The padding gave its room to the hooks: the class is as big as before. */
static void
test_class_size (void)
{
  g_assert_cmpuint (sizeof (ModeWorkerClass), ==, sizeof (ModeServiceClass) + 8 * sizeof (gpointer));
}

/* }}} */

/* A level the worker does not know, or an empty file name, set as a
 * property (from a binding, say): a critical, the value left as it was. */
static void
test_properties_refused (void)
{
  g_autoptr(ModeWorker) worker = mode_worker_new ();

  mode_worker_set_loglevel (worker, "warn");
  g_assert_cmpstr (mode_worker_get_loglevel (worker), ==, "warn");
  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*loglevel_is_valid*");
  g_object_set (worker, "loglevel", "loud", NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (mode_worker_get_loglevel (worker), ==, "warn");
  mode_worker_set_loglevel (worker, NULL);
  g_assert_null (mode_worker_get_loglevel (worker));

  g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*logfile_is_valid*");
  mode_worker_set_logfile (worker, "");
  g_test_assert_expected_messages ();
  g_assert_null (mode_worker_get_logfile (worker));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/worker/options/bogus", test_bogus_option);
  for (guint i = 0; i < G_N_ELEMENTS (bad_values); i++)
    g_test_add_data_func (bad_values[i].path, &bad_values[i], test_bad_value);
  g_test_add_data_func ("/worker/options/blocking-timeout/min", "0.001",
                        test_blocking_timeout_bounds);
  g_test_add_data_func ("/worker/options/blocking-timeout/max", "86400",
                        test_blocking_timeout_bounds);
  g_test_add_func ("/worker/options/logfile-error", test_logfile_error);
  g_test_add_func ("/worker/options/quiet", test_quiet);
  g_test_add_func ("/worker/run-once", test_run_once);
  g_test_add_func ("/worker/crash", test_crash);
  g_test_add_func ("/worker/crash/origin", test_crash_origin);
  g_test_add_func ("/worker/crash/worker", test_crash_worker);
  g_test_add_func ("/worker/log/format", test_log_format);
  g_test_add_func ("/worker/log/file", test_logfile);
  g_test_add_func ("/worker/log/long-line", test_log_long_line);
  g_test_add_func ("/worker/signal/sigterm", test_sigterm);
  g_test_add_func ("/worker/signal/sigint", test_sigint);
  g_test_add_func ("/worker/signal/sigusr1", test_sigusr1);
  g_test_add_func ("/worker/signal/sigusr2", test_sigusr2);
  g_test_add_func ("/worker/blocking/debug", test_blocking_debug);
  g_test_add_func ("/worker/blocking/not-debug", test_blocking_not_debug);
  g_test_add_func ("/worker/systemd/notify", test_systemd_notify);
  g_test_add_func ("/worker/systemd/watchdog", test_systemd_watchdog);
  g_test_add_func ("/worker/systemd/crash", test_systemd_crash);
  g_test_add_func ("/worker/hooks/order", test_hooks_order);
  g_test_add_func ("/worker/hooks/crash-status", test_hooks_crash_status);
  for (guint i = 0; i < G_N_ELEMENTS (hook_failures); i++)
    g_test_add_data_func (hook_failures[i].path, &hook_failures[i], test_hook_failure);
  g_test_add_func ("/worker/hooks/setup-logging/own", test_hooks_own_logging);
  g_test_add_func ("/worker/hooks/setup-logging/not-overridden", test_hooks_no_logging);
  g_test_add_func ("/worker/hooks/class-size", test_class_size);
  g_test_add_func ("/worker/properties/refused", test_properties_refused);
  g_test_add_func ("/worker/options/program", test_program_options);
  g_test_add_func ("/worker/options/program/absent", test_program_options_absent);
  g_test_add_func ("/worker/options/program/help", test_program_options_help);
  for (guint i = 0; i < G_N_ELEMENTS (bad_program_values); i++)
    g_test_add_data_func (bad_program_values[i].path, &bad_program_values[i], test_program_bad_value);
  g_test_add_func ("/worker/options/program/bad-names", test_program_options_bad_names);

  return g_test_run ();
}

/* vim: set foldmethod=marker: */
