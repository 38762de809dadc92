/* test-cron.c: ModeCron, and the cron timers of ModeService
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "test-util.h"

/* Helpers {{{ */

static GTimeZone *
berlin (void)
{
  GTimeZone *tz = g_time_zone_new_identifier ("Europe/Berlin");

  g_assert_nonnull (tz);
  return tz;
}

/* The time zone data is there: "Europe/Berlin" is not UTC in summer. */
static gboolean
have_berlin (void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("Europe/Berlin");
  g_autoptr(GDateTime) summer = NULL;

  if (tz == NULL)
    return FALSE;
  summer = g_date_time_new (tz, 2024, 7, 1, 12, 0, 0);
  return g_date_time_get_utc_offset (summer) == 2 * G_TIME_SPAN_HOUR;
}

#define SKIP_WITHOUT_BERLIN() \
  G_STMT_START { \
    if (!have_berlin ()) \
      { \
        g_test_skip ("no time zone data for Europe/Berlin (tzdata)"); \
        return; \
      } \
  } G_STMT_END

static ModeCron *
cron_ok (const char *expression)
{
  g_autoptr(GError) error = NULL;
  ModeCron *cron = mode_cron_new (expression, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cron);
  return cron;
}

/* The next run of @expression after @after (ISO 8601, with its zone),
 * as ISO 8601 in the same zone, or NULL. */
static char *
next_after (const char *expression,
            const char *after,
            GTimeZone  *tz)
{
  g_autoptr(ModeCron) cron = cron_ok (expression);
  g_autoptr(GDateTime) from = g_date_time_new_from_iso8601 (after, NULL);
  g_autoptr(GDateTime) in_zone = NULL;
  g_autoptr(GDateTime) next = NULL;

  g_assert_nonnull (from);
  in_zone = g_date_time_to_timezone (from, tz);
  next = mode_cron_next_after (cron, in_zone);
  if (next == NULL)
    return NULL;
  g_assert_true (g_date_time_compare (next, in_zone) > 0);
  return g_date_time_format (next, "%Y-%m-%dT%H:%M:%S%:z");
}

static void
assert_next_utc (const char *expression,
                 const char *after,
                 const char *expected)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autofree char *next = next_after (expression, after, utc);

  g_assert_cmpstr (next, ==, expected);
}

static void
assert_invalid (const char *expression,
                const char *field,
                const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ModeCron) cron = mode_cron_new (expression, &error);
  g_autofree char *pattern = g_strdup_printf ("*%s*%s*", field, text);

  g_assert_null (cron);
  g_assert_error (error, MODE_ERROR, MODE_ERROR_INVALID_ARGUMENT);
  if (!g_pattern_match_simple (pattern, error->message))
    g_error ("“%s”: the message “%s” does not match %s", expression, error->message, pattern);
}

/* }}} */

/* The parser {{{ */

static void
test_parse_fields (void)
{
  g_autoptr(ModeCron) cron = cron_ok ("  5  4 * * *  ");

  g_assert_cmpstr (mode_cron_get_expression (cron), ==, "  5  4 * * *  ");
  g_assert_true (mode_cron_ref (cron) == cron);
  mode_cron_unref (cron);
  g_assert_true (G_TYPE_IS_BOXED (MODE_TYPE_CRON));

  /* minute */
  assert_next_utc ("5 * * * *", "2024-01-01T00:00:00Z", "2024-01-01T00:05:00+00:00");
  assert_next_utc ("5 * * * *", "2024-01-01T00:05:00Z", "2024-01-01T01:05:00+00:00");
  assert_next_utc ("5 * * * *", "2024-01-01T00:04:59Z", "2024-01-01T00:05:00+00:00");
  /* hour */
  assert_next_utc ("0 4 * * *", "2024-01-01T05:00:00Z", "2024-01-02T04:00:00+00:00");
  /* day of month */
  assert_next_utc ("0 0 15 * *", "2024-01-20T00:00:00Z", "2024-02-15T00:00:00+00:00");
  /* month, by number and by name, of any case */
  assert_next_utc ("0 0 1 6 *", "2024-01-20T00:00:00Z", "2024-06-01T00:00:00+00:00");
  assert_next_utc ("0 0 1 JuN *", "2024-01-20T00:00:00Z", "2024-06-01T00:00:00+00:00");
  /* day of week: 2024-01-01 is a Monday; 0 and 7 are Sunday */
  assert_next_utc ("0 0 * * 3", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00+00:00");
  assert_next_utc ("0 0 * * wed", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00+00:00");
  assert_next_utc ("0 0 * * 0", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00+00:00");
  assert_next_utc ("0 0 * * 7", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00+00:00");
  assert_next_utc ("0 0 * * SUN", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00+00:00");
}

static void
test_parse_lists_ranges_steps (void)
{
  /* lists */
  assert_next_utc ("10,20,40 * * * *", "2024-01-01T00:20:00Z", "2024-01-01T00:40:00+00:00");
  assert_next_utc ("10,20,40 * * * *", "2024-01-01T00:40:00Z", "2024-01-01T01:10:00+00:00");
  /* ranges, of numbers and names */
  assert_next_utc ("0 9-17 * * *", "2024-01-01T17:00:00Z", "2024-01-02T09:00:00+00:00");
  assert_next_utc ("0 0 * * mon-fri", "2024-01-05T00:00:00Z", "2024-01-08T00:00:00+00:00");
  assert_next_utc ("0 0 1 mar-may *", "2024-05-01T00:00:00Z", "2025-03-01T00:00:00+00:00");
  assert_next_utc ("0 0 * * 5-7", "2024-01-01T00:00:00Z", "2024-01-05T00:00:00+00:00");
  /* steps: over all, over a range, from a value */
  assert_next_utc ("*/15 * * * *", "2024-01-01T00:16:00Z", "2024-01-01T00:30:00+00:00");
  assert_next_utc ("*/15 * * * *", "2024-01-01T00:45:00Z", "2024-01-01T01:00:00+00:00");
  assert_next_utc ("0 8-18/4 * * *", "2024-01-01T12:00:00Z", "2024-01-01T16:00:00+00:00");
  assert_next_utc ("0 8-18/4 * * *", "2024-01-01T16:00:00Z", "2024-01-02T08:00:00+00:00");
  assert_next_utc ("5/20 * * * *", "2024-01-01T00:25:00Z", "2024-01-01T00:45:00+00:00");
  assert_next_utc ("5/20 * * * *", "2024-01-01T00:45:00Z", "2024-01-01T01:05:00+00:00");
  assert_next_utc ("0 0 */10 * *", "2024-01-21T00:00:00Z", "2024-01-31T00:00:00+00:00");
  /* a mix */
  assert_next_utc ("0,30 */6 1-3,15 jan,jul *", "2024-01-15T18:30:00Z", "2024-07-01T00:00:00+00:00");
  /* the shorthands */
  assert_next_utc ("@hourly", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00+00:00");
  assert_next_utc ("@daily", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00+00:00");
  assert_next_utc ("@midnight", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00+00:00");
  assert_next_utc ("@weekly", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00+00:00");
  assert_next_utc ("@monthly", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00+00:00");
  assert_next_utc ("@yearly", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00+00:00");
  assert_next_utc ("@annually", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00+00:00");
}

/* Both day fields restricted: either matches; one of them beginning
 * with '*': both must. */
static void
test_parse_day_or (void)
{
  /* the 10th, or a Friday (2024-01-05) */
  assert_next_utc ("0 0 10 * fri", "2024-01-01T00:00:00Z", "2024-01-05T00:00:00+00:00");
  assert_next_utc ("0 0 10 * fri", "2024-01-05T00:00:00Z", "2024-01-10T00:00:00+00:00");
  assert_next_utc ("0 0 10 * fri", "2024-01-10T00:00:00Z", "2024-01-12T00:00:00+00:00");
  /* every other day that is a Monday: the odd days among Mondays */
  assert_next_utc ("0 0 */2 * mon", "2024-01-01T00:00:00Z", "2024-01-15T00:00:00+00:00");
  /* '*' for the day of week: the day of month alone */
  assert_next_utc ("0 0 10 * *", "2024-01-01T00:00:00Z", "2024-01-10T00:00:00+00:00");
}

static void
test_parse_errors (void)
{
  assert_invalid ("60 * * * *", "minute", "60");
  assert_invalid ("* 24 * * *", "hour", "24");
  assert_invalid ("* * 0 * *", "day of month", "0");
  assert_invalid ("* * 32 * *", "day of month", "32");
  assert_invalid ("* * * 13 *", "month", "13");
  assert_invalid ("* * * foo *", "month", "foo");
  assert_invalid ("* * * * 8", "day of week", "8");
  assert_invalid ("* * * * mon-funday", "day of week", "mon-funday");
  assert_invalid ("x * * * *", "minute", "x");
  assert_invalid ("-5 * * * *", "minute", "-5");
  assert_invalid ("*/0 * * * *", "minute", "*/0");
  assert_invalid ("*/x * * * *", "minute", "*/x");
  assert_invalid ("* 10-5 * * *", "hour", "10-5");
  assert_invalid ("* 1,,2 * * *", "hour", "1,,2");
  assert_invalid ("* * * jan,13 *", "month", "13");
  /* a number of the day of week's names is no name of the month's */
  assert_invalid ("* * * mon *", "month", "mon");
  /* days that never come */
  assert_invalid ("0 0 30 feb *", "day of month", "30");
  assert_invalid ("0 0 31 apr,jun *", "day of month", "31");
  /* the count of fields */
  assert_invalid ("* * * *", "5 fields", "4");
  assert_invalid ("* * * * * *", "5 fields", "6");
  assert_invalid ("", "5 fields", "0");
  assert_invalid ("@reboot", "shorthand", "@reboot");
}

/* }}} */

/* The next run on the calendar {{{ */

static void
test_next_month_ends (void)
{
  /* the 31st skips the months without one */
  assert_next_utc ("0 0 31 * *", "2024-01-31T00:00:00Z", "2024-03-31T00:00:00+00:00");
  assert_next_utc ("0 0 31 * *", "2024-03-31T00:00:00Z", "2024-05-31T00:00:00+00:00");
  /* the end of a month and of a year */
  assert_next_utc ("0 0 * * *", "2024-01-31T23:59:59Z", "2024-02-01T00:00:00+00:00");
  assert_next_utc ("* * * * *", "2024-12-31T23:59:00Z", "2025-01-01T00:00:00+00:00");
  assert_next_utc ("59 23 31 12 *", "2024-12-31T23:59:00Z", "2025-12-31T23:59:00+00:00");
}

static void
test_next_leap_years (void)
{
  assert_next_utc ("0 0 29 2 *", "2023-03-01T00:00:00Z", "2024-02-29T00:00:00+00:00");
  assert_next_utc ("0 0 29 2 *", "2024-02-29T00:00:00Z", "2028-02-29T00:00:00+00:00");
  /* 2100 is no leap year, 2000 was */
  assert_next_utc ("0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00+00:00");
  assert_next_utc ("0 0 29 2 *", "1999-01-01T00:00:00Z", "2000-02-29T00:00:00+00:00");
  assert_next_utc ("0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00+00:00");
  assert_next_utc ("0 12 * 2 *", "2024-02-28T12:00:00Z", "2024-02-29T12:00:00+00:00");
  assert_next_utc ("0 12 * 2 *", "2023-02-28T12:00:00Z", "2024-02-01T12:00:00+00:00");
}

static void
test_next_never (void)
{
  g_autoptr(ModeCron) cron = cron_ok ("0 0 30 2 */2");
  g_autoptr(GDateTime) from = g_date_time_new_utc (2024, 1, 1, 0, 0, 0);

  /* February 30th of an odd day of week: the parser lets it through
   * (the day of week is restricted), no date has it */
  g_assert_null (mode_cron_next_after (cron, from));
}

/* 2024-03-31 in Berlin: 02:00 CET becomes 03:00 CEST. 2024-10-27: 03:00
 * CEST becomes 02:00 CET. */
static void
test_next_dst_berlin (void)
{
  g_autoptr(GTimeZone) tz = NULL;
  char *next;

  SKIP_WITHOUT_BERLIN ();
  tz = berlin ();

#define ASSERT_NEXT(expr, after, expected) \
  G_STMT_START { \
    next = next_after ((expr), (after), tz); \
    g_assert_cmpstr (next, ==, (expected)); \
    g_free (next); \
  } G_STMT_END

  /* spring: 02:30 does not exist on the 31st, and is skipped */
  ASSERT_NEXT ("30 2 * * *", "2024-03-30T02:30:00+01:00", "2024-04-01T02:30:00+02:00");
  ASSERT_NEXT ("30 2 31 3 *", "2024-03-01T00:00:00+01:00", "2025-03-31T02:30:00+02:00");
  ASSERT_NEXT ("*/30 * * * *", "2024-03-31T01:30:00+01:00", "2024-03-31T03:00:00+02:00");
  ASSERT_NEXT ("0 3 * * *", "2024-03-31T01:59:00+01:00", "2024-03-31T03:00:00+02:00");

  /* autumn: 02:30 happens twice on the 27th, and runs the first time */
  ASSERT_NEXT ("30 2 * * *", "2024-10-26T03:00:00+02:00", "2024-10-27T02:30:00+02:00");
  ASSERT_NEXT ("30 2 * * *", "2024-10-27T02:30:00+02:00", "2024-10-28T02:30:00+01:00");
  /* from the second 02:15, the 02:30 that remains is one that ran */
  ASSERT_NEXT ("30 2 * * *", "2024-10-27T02:15:00+01:00", "2024-10-28T02:30:00+01:00");
  /* a job every 30 minutes does not run again in the repeated hour */
  ASSERT_NEXT ("*/30 * * * *", "2024-10-27T02:00:00+02:00", "2024-10-27T02:30:00+02:00");
  ASSERT_NEXT ("*/30 * * * *", "2024-10-27T02:30:00+02:00", "2024-10-27T03:00:00+01:00");
  ASSERT_NEXT ("*/30 * * * *", "2024-10-27T02:10:00+01:00", "2024-10-27T03:00:00+01:00");
  /* the hours around are as any other day */
  ASSERT_NEXT ("0 * * * *", "2024-10-27T01:30:00+02:00", "2024-10-27T02:00:00+02:00");
  ASSERT_NEXT ("0 * * * *", "2024-10-27T02:59:00+01:00", "2024-10-27T03:00:00+01:00");

#undef ASSERT_NEXT
}

/* }}} */

/* Cron timers of a service, on the manual clock {{{ */

/* 2024-03-30 12:00 UTC and 2024-10-26 12:00 UTC, in microseconds */
#define SPRING_EVE G_GINT64_CONSTANT (1711800000000000)
#define AUTUMN_EVE G_GINT64_CONSTANT (1729944000000000)

typedef struct
{
  GPtrArray *runs;        /* (element-type utf8): the local times of the runs */
  GTimeZone *tz;
  GTask     *held;        /* (owned) (nullable): a task left running */
  gboolean   hold;        /* keep the next task instead of completing it */
  GError    *fail_with;   /* (owned) (nullable): complete the next task with it */
  guint      destroyed;
} Runs;

static void
runs_init (Runs      *runs,
           GTimeZone *tz)
{
  memset (runs, 0, sizeof *runs);
  runs->runs = g_ptr_array_new_with_free_func (g_free);
  runs->tz = tz;
}

static void
runs_clear (Runs *runs)
{
  g_clear_pointer (&runs->runs, g_ptr_array_unref);
  g_clear_object (&runs->held);
  g_clear_error (&runs->fail_with);
}

static void
on_cron (ModeService  *service,
         ModeTimer    *timer,
         GCancellable *cancellable,
         GTask        *task,
         gpointer      user_data)
{
  Runs *runs = user_data;
  gint64 now = mode_clock_get_time (mode_service_get_clock (service));
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (now / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, runs->tz);

  g_assert_true (G_IS_TASK (task));
  g_assert_true (g_task_get_cancellable (task) == cancellable);
  g_assert_true (mode_timer_get_is_async (timer));
  g_ptr_array_add (runs->runs, g_date_time_format (local, "%m-%d %H:%M:%S%:z"));

  if (runs->hold)
    {
      runs->hold = FALSE;
      g_assert_null (runs->held);
      runs->held = g_object_ref (task);
    }
  else if (runs->fail_with != NULL)
    g_task_return_error (task, g_steal_pointer (&runs->fail_with));
  else
    g_task_return_boolean (task, TRUE);
}

static void
runs_destroyed (gpointer user_data)
{
  ((Runs *) user_data)->destroyed++;
}

static const char *
last_run (Runs *runs)
{
  return runs->runs->len > 0 ? g_ptr_array_index (runs->runs, runs->runs->len - 1) : NULL;
}

/* Moves the manual clock to @wall (microseconds since 1970) and runs
 * what came due. */
static void
advance_to (ModeClock *clock,
            gint64     wall)
{
  gint64 now = mode_clock_get_time (clock);

  g_assert_cmpint (wall, >=, now);
  test_advance (clock, wall - now);
}

static gint64
wall_of (GTimeZone  *tz,
         int         year,
         int         month,
         int         day,
         int         hour,
         int         minute)
{
  g_autoptr(GDateTime) dt = g_date_time_new (tz, year, month, day, hour, minute, 0);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

static void
test_timer_dst_spring (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GError) error = NULL;
  ModeService *service;
  ModeTimer *timer;
  Runs runs;

  SKIP_WITHOUT_BERLIN ();
  tz = berlin ();
  runs_init (&runs, tz);
  service = g_object_new (MODE_TYPE_SERVICE, "clock", f->clock, "label", "cron", NULL);

  advance_to (f->clock, SPRING_EVE);
  timer = mode_service_add_cron_timer (service, "night", "30 2 * * *", tz, MODE_TIMER_NONE,
                                       on_cron, &runs, runs_destroyed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (timer);
  g_assert_cmpfloat (mode_timer_get_interval (timer), ==, 0.0);
  g_assert_cmpstr (mode_cron_get_expression (mode_timer_get_cron (timer)), ==, "30 2 * * *");
  g_assert_true (mode_timer_get_time_zone (timer) == tz);
  test_start_ok (service);

  /* the night of the change has no 02:30: nothing runs until the next one */
  advance_to (f->clock, wall_of (tz, 2024, 3, 31, 1, 59));
  advance_to (f->clock, wall_of (tz, 2024, 3, 31, 3, 0));
  advance_to (f->clock, wall_of (tz, 2024, 3, 31, 12, 0));
  g_assert_cmpuint (runs.runs->len, ==, 0);

  advance_to (f->clock, wall_of (tz, 2024, 4, 1, 2, 30) - 1);
  g_assert_cmpuint (runs.runs->len, ==, 0);
  test_advance (f->clock, 1);
  g_assert_cmpuint (runs.runs->len, ==, 1);
  g_assert_cmpstr (last_run (&runs), ==, "04-01 02:30:00+02:00");
  g_assert_cmpuint (mode_timer_get_iteration (timer), ==, 1);
  g_assert_cmpint (mode_timer_get_last_drift (timer), ==, 0);

  advance_to (f->clock, wall_of (tz, 2024, 4, 2, 2, 30));
  g_assert_cmpuint (runs.runs->len, ==, 2);
  g_assert_cmpstr (last_run (&runs), ==, "04-02 02:30:00+02:00");
  g_assert_cmpuint (mode_timer_get_drifting (timer), ==, 0);

  test_stop_ok (service);
  test_assert_finalized (service);
  g_assert_cmpuint (runs.destroyed, ==, 1);
  runs_clear (&runs);
}

static void
test_timer_dst_autumn (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GError) error = NULL;
  ModeService *service;
  Runs runs;

  SKIP_WITHOUT_BERLIN ();
  tz = berlin ();
  runs_init (&runs, tz);
  service = g_object_new (MODE_TYPE_SERVICE, "clock", f->clock, "label", "cron", NULL);

  advance_to (f->clock, AUTUMN_EVE);
  g_assert_nonnull (mode_service_add_cron_timer (service, "night", "30 2 * * *", tz, MODE_TIMER_NONE,
                                                 on_cron, &runs, NULL, &error));
  g_assert_no_error (error);
  test_start_ok (service);

  /* 02:30 CEST, 00:30 UTC: the first of the two */
  advance_to (f->clock, wall_of (tz, 2024, 10, 27, 0, 0));
  g_assert_cmpuint (runs.runs->len, ==, 0);
  advance_to (f->clock, G_GINT64_CONSTANT (1729989000000000));   /* 2024-10-27 00:30 UTC */
  g_assert_cmpuint (runs.runs->len, ==, 1);
  g_assert_cmpstr (last_run (&runs), ==, "10-27 02:30:00+02:00");

  /* 02:30 CET, 01:30 UTC, an hour later: not again */
  advance_to (f->clock, G_GINT64_CONSTANT (1729992600000000));   /* 2024-10-27 01:30 UTC */
  advance_to (f->clock, wall_of (tz, 2024, 10, 27, 23, 0));
  g_assert_cmpuint (runs.runs->len, ==, 1);

  advance_to (f->clock, wall_of (tz, 2024, 10, 28, 2, 30));
  g_assert_cmpuint (runs.runs->len, ==, 2);
  g_assert_cmpstr (last_run (&runs), ==, "10-28 02:30:00+01:00");

  test_stop_ok (service);
  test_assert_finalized (service);
  runs_clear (&runs);
}

/* Every 30 minutes through the autumn night: the hour that repeats runs
 * no second time, and each run is on its due time. */
static void
test_timer_dst_autumn_every (TestFixture   *f,
                             gconstpointer  data)
{
  static const char * const expected[] = {
    "10-27 01:30:00+02:00", "10-27 02:00:00+02:00", "10-27 02:30:00+02:00",
    "10-27 03:00:00+01:00", "10-27 03:30:00+01:00",
  };
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GError) error = NULL;
  ModeService *service;
  ModeTimer *timer;
  Runs runs;

  SKIP_WITHOUT_BERLIN ();
  tz = berlin ();
  runs_init (&runs, tz);
  service = g_object_new (MODE_TYPE_SERVICE, "clock", f->clock, "label", "cron", NULL);

  advance_to (f->clock, wall_of (tz, 2024, 10, 27, 1, 15));
  timer = mode_service_add_cron_timer (service, NULL, "*/30 * * * *", tz, MODE_TIMER_NONE,
                                       on_cron, &runs, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mode_timer_get_name (timer), ==, "timer");
  test_start_ok (service);

  /* a minute at a time, from 01:15 CEST to 03:45 CET: three and a half hours */
  for (guint i = 0; i < 210; i++)
    test_advance (f->clock, 60 * G_USEC_PER_SEC);

  g_assert_cmpuint (runs.runs->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_ptr_array_index (runs.runs, i), ==, expected[i]);
  g_assert_cmpuint (mode_timer_get_drifting (timer), ==, 0);
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 0);

  test_stop_ok (service);
  test_assert_finalized (service);
  runs_clear (&runs);
}

static void
test_timer_exec_first (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GError) error = NULL;
  ModeService *service;
  ModeTimer *timer;
  Runs runs;

  runs_init (&runs, utc);
  service = g_object_new (MODE_TYPE_SERVICE, "clock", f->clock, "label", "cron", NULL);
  advance_to (f->clock, wall_of (utc, 2024, 5, 1, 10, 7));
  timer = mode_service_add_cron_timer (service, "early", "0 * * * *", utc, MODE_TIMER_EXEC_FIRST,
                                       on_cron, &runs, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (mode_timer_get_exec_first (timer));

  /* at the start, then on the schedule */
  test_start_ok (service);
  test_drain ();
  g_assert_cmpuint (runs.runs->len, ==, 1);
  g_assert_cmpstr (last_run (&runs), ==, "05-01 10:07:00+00:00");
  advance_to (f->clock, wall_of (utc, 2024, 5, 1, 11, 0) - 1);
  g_assert_cmpuint (runs.runs->len, ==, 1);
  test_advance (f->clock, 1);
  g_assert_cmpuint (runs.runs->len, ==, 2);
  g_assert_cmpstr (last_run (&runs), ==, "05-01 11:00:00+00:00");

  /* and again on a restart */
  test_restart_ok (service);
  test_drain ();
  g_assert_cmpuint (runs.runs->len, ==, 3);

  test_stop_ok (service);
  test_assert_finalized (service);
  runs_clear (&runs);
}

/* A run that lasts past the next time of the schedule skips it. */
static void
test_timer_overlap (TestFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GError) error = NULL;
  ModeService *service;
  ModeTimer *timer;
  Runs runs;

  runs_init (&runs, utc);
  service = g_object_new (MODE_TYPE_SERVICE, "clock", f->clock, "label", "cron", NULL);
  advance_to (f->clock, wall_of (utc, 2024, 5, 1, 10, 0));
  timer = mode_service_add_cron_timer (service, "slow", "*/5 * * * *", utc, MODE_TIMER_NONE,
                                       on_cron, &runs, NULL, &error);
  g_assert_no_error (error);
  test_start_ok (service);

  runs.hold = TRUE;
  advance_to (f->clock, wall_of (utc, 2024, 5, 1, 10, 5));
  g_assert_cmpuint (runs.runs->len, ==, 1);
  g_assert_nonnull (runs.held);

  /* 10:10 and 10:15 come while it runs: nothing more runs */
  advance_to (f->clock, wall_of (utc, 2024, 5, 1, 10, 17));
  g_assert_cmpuint (runs.runs->len, ==, 1);
  g_assert_cmpuint (mode_service_get_n_tasks (service), ==, 1);

  g_task_return_boolean (runs.held, TRUE);
  g_clear_object (&runs.held);
  test_drain ();
  g_assert_cmpuint (mode_timer_get_overlaps (timer), ==, 1);
  g_assert_true (test_log_contains ("*slow*overlapping*"));

  /* the next run is the first to come: 10:20 */
  advance_to (f->clock, wall_of (utc, 2024, 5, 1, 10, 20) - 1);
  g_assert_cmpuint (runs.runs->len, ==, 1);
  test_advance (f->clock, 1);
  g_assert_cmpuint (runs.runs->len, ==, 2);
  g_assert_cmpstr (last_run (&runs), ==, "05-01 10:20:00+00:00");

  test_stop_ok (service);
  test_assert_finalized (service);
  runs_clear (&runs);
}

static void
test_timer_failure_crashes (TestFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GError) error = NULL;
  ModeService *service;
  Runs runs;

  runs_init (&runs, utc);
  service = g_object_new (MODE_TYPE_SERVICE, "clock", f->clock, "label", "cron", NULL);
  advance_to (f->clock, wall_of (utc, 2024, 5, 1, 10, 0));
  g_assert_nonnull (mode_service_add_cron_timer (service, "fails", "* * * * *", NULL, MODE_TIMER_NONE,
                                                 on_cron, &runs, NULL, &error));
  g_assert_no_error (error);
  test_start_ok (service);

  runs.fail_with = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "no backup");
  test_advance (f->clock, 60 * G_USEC_PER_SEC);
  g_assert_cmpuint (runs.runs->len, ==, 1);
  g_assert_true (mode_service_get_crashed (service));
  g_assert_error (mode_service_get_crash_reason (service), G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);

  test_op_stop (service, NULL);
  test_assert_finalized (service);
  runs_clear (&runs);
}

static void
test_timer_invalid (TestFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) timers = NULL;
  ModeService *service;
  Runs runs;

  runs_init (&runs, NULL);
  service = g_object_new (MODE_TYPE_SERVICE, "clock", f->clock, "label", "Backup", NULL);

  g_assert_null (mode_service_add_cron_timer (service, "nightly", "30 25 * * *", NULL, MODE_TIMER_NONE,
                                              on_cron, &runs, runs_destroyed, &error));
  g_assert_error (error, MODE_ERROR, MODE_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_pattern_match_simple ("*Backup*nightly*hour*25*", error->message));
  /* the data is freed at once */
  g_assert_cmpuint (runs.destroyed, ==, 1);
  timers = mode_service_get_timers (service);
  g_assert_cmpuint (timers->len, ==, 0);

  test_assert_finalized (service);
  runs_clear (&runs);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  test_log_init ();

  g_test_add_func ("/cron/parse/fields", test_parse_fields);
  g_test_add_func ("/cron/parse/lists-ranges-steps", test_parse_lists_ranges_steps);
  g_test_add_func ("/cron/parse/day-or", test_parse_day_or);
  g_test_add_func ("/cron/parse/errors", test_parse_errors);
  g_test_add_func ("/cron/next/month-ends", test_next_month_ends);
  g_test_add_func ("/cron/next/leap-years", test_next_leap_years);
  g_test_add_func ("/cron/next/never", test_next_never);
  g_test_add_func ("/cron/next/dst-berlin", test_next_dst_berlin);

#define ADD(path, func) \
  g_test_add ("/cron/timer/" path, TestFixture, NULL, test_fixture_setup, func, test_fixture_teardown)

  ADD ("dst-spring", test_timer_dst_spring);
  ADD ("dst-autumn", test_timer_dst_autumn);
  ADD ("dst-autumn-every", test_timer_dst_autumn_every);
  ADD ("exec-first", test_timer_exec_first);
  ADD ("overlap", test_timer_overlap);
  ADD ("failure-crashes", test_timer_failure_crashes);
  ADD ("invalid", test_timer_invalid);

#undef ADD

  return g_test_run ();
}

/* vim: set foldmethod=marker: */
