/* test-util.h: what the C tests share: a log capture, a trace of what
 * the hooks did, and waiting on the main context with a bound.
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#include <string.h>

#include <mode-glib/mode-glib.h>

/* Generous: a bound that only a broken test reaches, never a delay. */
#define TEST_TIMEOUT_SECONDS 60

/* Log capture {{{
 *
 * The library logs through g_log_structured(), which
 * g_test_expect_message() does not see on GLib 2.74: a writer function
 * keeps the messages of the "Mode" domain for the tests to look at, and
 * shows them only with --verbose (warnings and worse always show, unless
 * a test says it expects them). Services in other threads log too: the
 * lines are kept under a lock.
 */

typedef struct
{
  GLogLevelFlags  level;     /* the level alone, no flags */
  char           *service;   /* (nullable): the MODE_SERVICE field, its label */
  char           *message;
} TestLogLine;

static GMutex      test_log_lock;
static GPtrArray  *test_log_lines;        /* (element-type TestLogLine) */
static gboolean    test_log_quiet_warnings;

static inline void
test_log_line_free (gpointer data)
{
  TestLogLine *line = data;

  g_free (line->service);
  g_free (line->message);
  g_free (line);
}

static inline char *
test_log_field_dup (const GLogField *field)
{
  return field->length < 0 ? g_strdup (field->value)
                           : g_strndup (field->value, field->length);
}

G_GNUC_UNUSED static GLogWriterOutput
test_log_writer (GLogLevelFlags   level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  const char *domain = NULL;
  char *message = NULL;
  char *service = NULL;
  gboolean mine;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        {
          g_free (message);
          message = test_log_field_dup (&fields[i]);
        }
      else if (g_strcmp0 (fields[i].key, "MODE_SERVICE") == 0)
        {
          g_free (service);
          service = test_log_field_dup (&fields[i]);
        }
    }

  mine = g_strcmp0 (domain, "Mode") == 0;
  g_mutex_lock (&test_log_lock);
  if (mine && message != NULL && test_log_lines != NULL)
    {
      TestLogLine *line = g_new0 (TestLogLine, 1);

      line->level = level & G_LOG_LEVEL_MASK;
      line->service = g_steal_pointer (&service);
      line->message = g_steal_pointer (&message);
      g_ptr_array_add (test_log_lines, line);
    }
  g_mutex_unlock (&test_log_lock);
  g_free (message);
  g_free (service);

  if (g_test_verbose () || !mine ||
      (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) != 0 ||
      ((level & G_LOG_LEVEL_WARNING) != 0 && !test_log_quiet_warnings))
    return g_log_writer_default (level, fields, n_fields, user_data);

  return G_LOG_WRITER_HANDLED;
}

static inline void
test_log_init (void)
{
  test_log_lines = g_ptr_array_new_with_free_func (test_log_line_free);
  g_log_set_writer_func (test_log_writer, NULL, NULL);
}

/* Warnings of the "Mode" domain are expected from now on: they are
 * neither fatal nor shown. */
static inline void
test_log_expect_warnings (void)
{
  test_log_quiet_warnings = TRUE;
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
}

static inline void
test_log_clear (void)
{
  g_mutex_lock (&test_log_lock);
  if (test_log_lines != NULL)
    g_ptr_array_set_size (test_log_lines, 0);
  g_mutex_unlock (&test_log_lock);
}

/* Whether a message of the "Mode" domain matched @pattern (a glob). */
static inline gboolean
test_log_contains (const char *pattern)
{
  gboolean found = FALSE;

  g_mutex_lock (&test_log_lock);
  for (guint i = 0; i < test_log_lines->len && !found; i++)
    {
      TestLogLine *line = g_ptr_array_index (test_log_lines, i);

      found = g_pattern_match_simple (pattern, line->message);
    }
  g_mutex_unlock (&test_log_lock);

  return found;
}

/* The same, for a message logged at @level (one level) for the service
 * labelled @service. */
static inline gboolean
test_log_contains_at (GLogLevelFlags  level,
                      const char     *service,
                      const char     *pattern)
{
  gboolean found = FALSE;

  g_mutex_lock (&test_log_lock);
  for (guint i = 0; i < test_log_lines->len && !found; i++)
    {
      TestLogLine *line = g_ptr_array_index (test_log_lines, i);

      found = line->level == level &&
              g_strcmp0 (line->service, service) == 0 &&
              g_pattern_match_simple (pattern, line->message);
    }
  g_mutex_unlock (&test_log_lock);

  return found;
}

/* How many messages of the "Mode" domain were kept since the last
 * test_log_clear(). */
static inline guint
test_log_count (void)
{
  guint n;

  g_mutex_lock (&test_log_lock);
  n = test_log_lines->len;
  g_mutex_unlock (&test_log_lock);

  return n;
}

/* }}} */

/* Trace: what the hooks did, in order, from any thread {{{ */

static GMutex     test_trace_lock;
static GPtrArray *test_trace;

static void test_trace_add (const char *format,
                            ...) G_GNUC_PRINTF (1, 2) G_GNUC_UNUSED;

static void
test_trace_add (const char *format,
                ...)
{
  va_list args;
  char *line;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  g_mutex_lock (&test_trace_lock);
  if (test_trace == NULL)
    test_trace = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (test_trace, line);
  g_mutex_unlock (&test_trace_lock);
}

static inline char *
test_trace_join (gboolean empty)
{
  char *ret;

  g_mutex_lock (&test_trace_lock);
  if (test_trace == NULL)
    test_trace = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (test_trace, NULL);
  ret = g_strjoinv (" ", (char **) test_trace->pdata);
  g_ptr_array_set_size (test_trace, empty ? 0 : test_trace->len - 1);
  g_mutex_unlock (&test_trace_lock);

  return ret;
}

/* Returns the trace as one string, and empties it. */
static inline char *
test_trace_take (void)
{
  return test_trace_join (TRUE);
}

/* Returns the trace as one string, and leaves it as it is. */
static inline char *
test_trace_peek (void)
{
  return test_trace_join (FALSE);
}

static inline void
test_trace_clear (void)
{
  g_free (test_trace_join (TRUE));
}

#define assert_trace(expected)                          \
  G_STMT_START {                                        \
    g_autofree char *trace_str_ = test_trace_take ();   \
    g_assert_cmpstr (trace_str_, ==, (expected));       \
  } G_STMT_END

/* }}} */

/* Waiting {{{ */

G_GNUC_UNUSED static gboolean
test_timed_out (gpointer data)
{
  g_error ("%s: nothing happened in %d s", (const char *) data, TEST_TIMEOUT_SECONDS);
  return G_SOURCE_REMOVE;
}

/* Iterates the thread-default context, blocking, until @done returns
 * TRUE; fails the test after TEST_TIMEOUT_SECONDS. */
static inline void
test_wait_until (gboolean    (*done) (gpointer data),
                 gpointer      data,
                 const char   *what)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  GSource *timeout = g_timeout_source_new_seconds (TEST_TIMEOUT_SECONDS);

  g_source_set_callback (timeout, test_timed_out, (gpointer) what, NULL);
  g_source_attach (timeout, context);

  while (!done (data))
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_main_context_unref (context);
}

static inline gboolean
test_flag_is_set (gpointer data)
{
  return g_atomic_int_get ((gint *) data) != 0;
}

/* A GSourceFunc that sets the gint flag @data, once. */
static inline gboolean
test_set_flag (gpointer data)
{
  g_atomic_int_set ((gint *) data, TRUE);
  return G_SOURCE_REMOVE;
}

/* A "notify" handler that counts into the guint @data. */
static inline void
test_count_notify (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    data)
{
  (*(guint *) data)++;
}

static inline gboolean
test_pointer_is_set (gpointer data)
{
  return g_atomic_pointer_get ((gpointer *) data) != NULL;
}

/* Waits for a GAsyncResult stored in *@result by test_store_result(). */
#define test_wait_result(result) \
  test_wait_until (test_pointer_is_set, &(result), G_STRINGIFY (result))

static inline void
test_store_result (GObject      *object,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_assert_null (g_atomic_pointer_get ((GAsyncResult **) data));
  g_atomic_pointer_set ((GAsyncResult **) data, g_object_ref (result));
}

/* Set by tests whose operations all complete at once or from an idle:
 * a result that takes more than a bounded number of iterations is then
 * a failure, not a wait. */
static gboolean test_bounded_waits;

/* Waits for the result test_store_result() keeps in *@slot, and takes it. */
static inline GAsyncResult *
test_await_result (GAsyncResult **slot)
{
  if (test_bounded_waits)
    {
      for (guint i = 0; i < 1000 && *slot == NULL; i++)
        g_main_context_iteration (g_main_context_get_thread_default (), FALSE);
      g_assert_nonnull (*slot);
    }
  else
    test_wait_until (test_pointer_is_set, slot, "a result");

  return g_steal_pointer (slot);
}

/* }}} */

/* Fixtures: the test's own context and a manual clock {{{ */

#define USEC(seconds) ((gint64) ((seconds) * (gdouble) G_USEC_PER_SEC + 0.5))

typedef struct
{
  GMainContext *context;
  ModeClock    *clock;
} TestFixture;

/* One iteration of the thread-default context (the test's own; NULL
 * would be the global default context). */
static inline gboolean
test_iterate (gboolean may_block)
{
  return g_main_context_iteration (g_main_context_get_thread_default (), may_block);
}

static inline void
test_drain (void)
{
  while (test_iterate (FALSE))
    ;
}

/* Advances the manual clock and runs what became due. */
static inline void
test_advance (ModeClock *clock,
              gint64     microseconds)
{
  mode_clock_advance (clock, microseconds);
  test_drain ();
}

/* Drops the last reference to @object, which must then be finalized. */
static inline void
test_assert_finalized (gpointer object)
{
  GObject *weak = object;

  g_object_add_weak_pointer (weak, (gpointer *) &weak);
  g_object_unref (object);
  test_drain ();
  g_assert_null (weak);
}

static inline void
test_fixture_setup (TestFixture   *f,
                    gconstpointer  data)
{
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->clock = mode_clock_new_manual ();
  test_trace_clear ();
  test_log_clear ();
}

static inline void
test_fixture_teardown (TestFixture   *f,
                       gconstpointer  data)
{
  test_drain ();
  /* every service, and so every deadline, let go of the clock */
  test_assert_finalized (g_steal_pointer (&f->clock));
  test_trace_clear ();
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
}

typedef void     (*TestOp)       (ModeService *, GCancellable *, GAsyncReadyCallback, gpointer);
typedef gboolean (*TestOpFinish) (ModeService *, GAsyncResult *, GError **);

/* Runs a lifecycle operation to its end; returns what its finish says. */
static inline gboolean
test_run_op (ModeService   *service,
             TestOp         op,
             TestOpFinish   finish,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  op (service, NULL, test_store_result, &slot);
  result = test_await_result (&slot);
  return finish (service, result, error);
}

#define test_op_start(s, e)   test_run_op (MODE_SERVICE (s), mode_service_start_async, mode_service_start_finish, (e))
#define test_op_stop(s, e)    test_run_op (MODE_SERVICE (s), mode_service_stop_async, mode_service_stop_finish, (e))
#define test_op_restart(s, e) test_run_op (MODE_SERVICE (s), mode_service_restart_async, mode_service_restart_finish, (e))
#define test_op_maybe_start(s, e) \
  test_run_op (MODE_SERVICE (s), mode_service_maybe_start_async, mode_service_maybe_start_finish, (e))

/* The same, for an operation that must succeed. */
static inline void
test_run_op_ok (ModeService  *service,
                TestOp        op,
                TestOpFinish  finish)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = test_run_op (service, op, finish, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
}

#define test_start_ok(s)   test_run_op_ok (MODE_SERVICE (s), mode_service_start_async, mode_service_start_finish)
#define test_stop_ok(s)    test_run_op_ok (MODE_SERVICE (s), mode_service_stop_async, mode_service_stop_finish)
#define test_restart_ok(s) test_run_op_ok (MODE_SERVICE (s), mode_service_restart_async, mode_service_restart_finish)

/* }}} */
