/* test-blocking.c: ModeBlockingDetector
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The timeouts are small and the blocks much longer than them, so that
 * the results do not depend on how fast the machine is: a block of 1.5
 * seconds is noticed by a detector with a timeout of 0.2 seconds, and an
 * idle main context is never reported by one with a timeout of 0.5.
 */

#include <string.h>

#include <mode-glib/mode-glib.h>

#include "test-util.h"

/* Log capture {{{
 *
 * The detector warns from its watchdog thread: the writer keeps the lines
 * of the "Mode" domain under a mutex. Its warnings are expected, so they
 * do not go to GLib's default writer, which would make them fatal in a
 * test; --verbose prints them.
 */

static GMutex   log_mutex;
static GString *log_text;   /* (owned), under log_mutex */

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
        message = fields[i].value;
    }

  if (g_strcmp0 (domain, "Mode") != 0 || message == NULL)
    return g_log_writer_default (level, fields, n_fields, user_data);

  g_mutex_lock (&log_mutex);
  g_string_append_printf (log_text, "%s\n", message);
  g_mutex_unlock (&log_mutex);

  if (g_test_verbose ())
    g_printerr ("# %s\n", message);

  return G_LOG_WRITER_HANDLED;
}

static char *
log_take (void)
{
  char *text;

  g_mutex_lock (&log_mutex);
  text = g_strdup (log_text->str);
  g_string_truncate (log_text, 0);
  g_mutex_unlock (&log_mutex);

  return text;
}

/* }}} */

/* Helpers {{{ */

static GMainContext *
push_context (void)
{
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  return context;
}

static void
pop_context (GMainContext *context)
{
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  return *result;
}

static void
start (ModeService *service)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  mode_service_start_async (service, NULL, done_cb, &result);
  g_assert_true (mode_service_start_finish (service, wait_result (&result), &error));
  g_assert_no_error (error);
}

static void
stop (ModeService *service)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  mode_service_stop_async (service, NULL, done_cb, &result);
  g_assert_true (mode_service_stop_finish (service, wait_result (&result), &error));
  g_assert_no_error (error);
}

/* Runs the thread-default context for @seconds. */
static void
run_for (gdouble seconds)
{
  gboolean done = FALSE;
  GSource *source = g_timeout_source_new ((guint) (seconds * 1000));

  g_source_set_callback (source, test_set_flag, &done, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  while (!done)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_source_destroy (source);
  g_source_unref (source);
}

/* A task that blocks the main context for 1.5 seconds. */
static void
blocking_task (ModeService *service,
               GTask       *task,
               gpointer     data)
{
  g_usleep (G_USEC_PER_SEC * 3 / 2);
  *(gboolean *) data = TRUE;
  g_task_return_boolean (task, TRUE);
}

/* }}} */

static void
test_detects (void)
{
  GMainContext *context = push_context ();
  g_autoptr(ModeService) app = mode_service_new ();
  ModeBlockingDetector *detector = mode_blocking_detector_new (0.2);
  g_autofree char *log = NULL;
  g_autofree char *name = NULL;
  gboolean blocked = FALSE;
  guint notified = 0;

  g_object_add_weak_pointer (G_OBJECT (detector), (gpointer *) &detector);
  g_signal_connect (detector, "notify::detections", G_CALLBACK (test_count_notify), &notified);
  mode_service_set_label (app, "App");
  mode_service_add_dependency (app, MODE_SERVICE (detector));
  g_object_unref (detector);
  start (app);

  mode_service_spawn (app, "block", blocking_task, &blocked, NULL);
  while (!blocked)
    g_main_context_iteration (context, TRUE);

  /* counted in the watchdog thread while the context was blocked */
  g_assert_cmpuint (mode_blocking_detector_get_detections (detector), ==, 1);

  /* notified on the context once it runs again */
  while (notified == 0)
    g_main_context_iteration (context, TRUE);
  g_assert_cmpuint (notified, ==, 1);

  stop (app);

  log = log_take ();
  g_assert_nonnull (strstr (log, "[^-ModeBlockingDetector]: Blocking detected: main context "));
  name = g_strdup_printf ("main context %p has not returned to its loop", context);
  g_assert_nonnull (strstr (log, name));
  g_assert_nonnull (strstr (log, "(blocking timeout 0.20 seconds)"));
  /* one warning for one blocked stretch */
  g_assert_null (strstr (strstr (log, "Blocking detected") + 1, "Blocking detected"));
#ifdef __GLIBC__
  /* the stack of the main thread, from inside g_usleep() */
  g_assert_nonnull (strstr (log, "; backtrace of the blocked thread:\n  #0 "));
  g_assert_nonnull (strstr (log, "(g_usleep+0x"));
#endif

  g_clear_object (&app);
  g_assert_null (detector);
  pop_context (context);
}

static void
test_quiet (void)
{
  GMainContext *context = push_context ();
  ModeBlockingDetector *detector = mode_blocking_detector_new (0.5);
  g_autofree char *log = NULL;

  g_object_add_weak_pointer (G_OBJECT (detector), (gpointer *) &detector);
  g_assert_cmpfloat (mode_blocking_detector_get_timeout (detector), ==, 0.5);
  start (MODE_SERVICE (detector));
  run_for (1.5);
  stop (MODE_SERVICE (detector));

  g_assert_cmpuint (mode_blocking_detector_get_detections (detector), ==, 0);
  log = log_take ();
  g_assert_null (strstr (log, "Blocking detected"));

  g_object_unref (detector);
  g_assert_null (detector);
  pop_context (context);
}

static void
test_restart (void)
{
  GMainContext *context = push_context ();
  g_autoptr(ModeBlockingDetector) detector = mode_blocking_detector_new (10.0);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  start (MODE_SERVICE (detector));
  mode_blocking_detector_set_timeout (detector, 20.0);
  g_assert_cmpfloat (mode_blocking_detector_get_timeout (detector), ==, 20.0);
  mode_service_restart_async (MODE_SERVICE (detector), NULL, done_cb, &result);
  g_assert_true (mode_service_restart_finish (MODE_SERVICE (detector), wait_result (&result), &error));
  g_assert_no_error (error);
  stop (MODE_SERVICE (detector));
  /* dropped without a stop: the watchdog stops with it */
  g_clear_object (&result);
  mode_service_restart_async (MODE_SERVICE (detector), NULL, done_cb, &result);
  g_assert_true (mode_service_restart_finish (MODE_SERVICE (detector), wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&detector);

  pop_context (context);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/blocking-detector/detects", test_detects);
  g_test_add_func ("/blocking-detector/quiet", test_quiet);
  g_test_add_func ("/blocking-detector/restart", test_restart);

  return g_test_run ();
}

/* vim: set foldmethod=marker: */
