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

  return g_test_run ();
}

/* vim: set foldmethod=marker: */
