/* mode-cron.c: ModeCron, a parsed cron schedule and its next run
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The five fields of a crontab line, parsed into bit sets, and the walk
 * along the local calendar of a time zone that finds the next run. The
 * timers that follow a cron schedule are ModeTimer's (mode-timer.c).
 */

#include "config.h"

#include <string.h>

#include "mode-cron.h"
#include "mode-error.h"
#include "mode-i18n.h"

/**
 * SECTION:mode-cron
 * @Title: ModeCron
 * @Short_description: a cron schedule
 *
 * A #ModeCron is a schedule written as the five time fields of a
 * crontab(5) line: minute (0–59), hour (0–23), day of month (1–31),
 * month (1–12, or `jan`–`dec`) and day of week (0–7, 0 and 7 both
 * Sunday, or `sun`–`sat`). Each field is `*`, a number or name, a range
 * (`mon-fri`), a step over either (`8-18/2`; `*` followed by `/15` for
 * every 15th; and `5/10` for `5-59/10`), or a comma-separated list of
 * those. Names are in English, of any case. The shorthands `@yearly` (or `@annually`), `@monthly`,
 * `@weekly`, `@daily` (or `@midnight`) and `@hourly` stand for their
 * usual lines.
 *
 * As in cron, when neither the day of month nor the day of week begins
 * with `*`, a day matches when either matches (`0 0 1,15 * mon`: the
 * 1st, the 15th and every Monday); otherwise both must match.
 *
 * mode_cron_next_after() finds the next run in the time zone of the
 * #GDateTime it is given. The schedule is one of local times, so the
 * changes of daylight saving time are handled as a person reading a wall
 * clock expects: a local time that does not exist that day (02:30 when
 * the clocks go from 02:00 to 03:00) is skipped, and a local time that
 * happens twice (02:30 when they go back from 03:00 to 02:00) runs once,
 * the first time. A job every 15 minutes therefore does not run again in
 * the hour that repeats.
 *
 * mode_service_add_cron_timer() runs a function on such a schedule.
 *
 * |[<!-- language="C" -->
 * g_autoptr(GError) error = NULL;
 * g_autoptr(ModeCron) cron = mode_cron_new ("30 2 * * mon-fri", &error);
 * g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("Europe/Berlin");
 * g_autoptr(GDateTime) now = g_date_time_new_now (tz);
 * g_autoptr(GDateTime) next = mode_cron_next_after (cron, now);
 * ]|
 */

/**
 * ModeCron:
 *
 * A parsed cron schedule: an immutable, reference-counted boxed type.
 *
 * Since: 0.1
 */

struct _ModeCron
{
  gatomicrefcount ref_count;
  char           *expression;   /* (owned): as given */
  guint64         minutes;      /* bits 0–59 */
  guint32         hours;        /* bits 0–23 */
  guint32         days;         /* bits 1–31 */
  guint16         months;       /* bits 1–12 */
  guint8          weekdays;     /* bits 0–6, 0 for Sunday */
  guint           day_and : 1;  /* a day field begins with '*': both must match */
};

G_DEFINE_BOXED_TYPE (ModeCron, mode_cron, mode_cron_ref, mode_cron_unref)

/* Parsing {{{ */

typedef struct
{
  const char          *name;    /* for errors, translated */
  guint                min;
  guint                max;
  const char * const  *names;   /* (nullable): names[i] stands for min + i */
} Field;

static const char * const month_names[] = {
  "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL,
};

static const char * const day_names[] = {
  "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL,
};

enum { F_MINUTE, F_HOUR, F_DAY, F_MONTH, F_WEEKDAY, N_FIELDS };

static const Field fields[N_FIELDS] = {
  { N_("minute"),       0, 59, NULL },
  { N_("hour"),         0, 23, NULL },
  { N_("day of month"), 1, 31, NULL },
  { N_("month"),        1, 12, month_names },
  { N_("day of week"),  0,  7, day_names },
};

static gboolean
field_error (GError      **error,
             const char   *expression,
             const Field  *field,
             const char   *text,
             const char   *reason)
{
  g_set_error (error, MODE_ERROR, MODE_ERROR_INVALID_ARGUMENT,
               _("Cron expression “%s”: invalid %s “%s”: %s"),
               expression, _(field->name), text, reason);
  return FALSE;
}

/* One number or name of @field, all of @text. */
static gboolean
parse_value (const Field  *field,
             const char   *text,
             guint        *value)
{
  if (g_ascii_isdigit (text[0]))
    {
      guint64 v;

      if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &v, NULL))
        return FALSE;
      *value = (guint) v;
      return TRUE;
    }

  if (field->names != NULL)
    for (guint i = 0; field->names[i] != NULL; i++)
      if (g_ascii_strcasecmp (text, field->names[i]) == 0)
        {
          *value = field->min + i;
          return TRUE;
        }

  return FALSE;
}

/* One field: a comma-separated list of items, each `*`, a value or a
 * range, with an optional step. Sets the bits of @bits, 1 << value. */
static gboolean
parse_field (const char   *expression,
             const Field  *field,
             const char   *text,
             guint64      *bits,
             GError      **error)
{
  g_auto(GStrv) items = g_strsplit (text, ",", -1);

  *bits = 0;

  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *item = items[i];
      g_autofree char *base = NULL;
      const char *slash = strchr (item, '/');
      const char *dash;
      guint first, last;
      guint step = 1;

      if (*item == '\0')
        return field_error (error, expression, field, text, _("empty list item"));

      if (slash != NULL)
        {
          guint64 v;

          base = g_strndup (item, slash - item);
          if (!g_ascii_string_to_unsigned (slash + 1, 10, 0, G_MAXUINT, &v, NULL))
            return field_error (error, expression, field, item, _("the step is not a number"));
          if (v == 0)
            return field_error (error, expression, field, item, _("the step must be more than 0"));
          step = (guint) v;
        }
      else
        base = g_strdup (item);

      if (strcmp (base, "*") == 0)
        {
          first = field->min;
          last = field->max;
        }
      else if ((dash = strchr (base, '-')) != NULL)
        {
          g_autofree char *start = g_strndup (base, dash - base);

          if (!parse_value (field, start, &first) || !parse_value (field, dash + 1, &last))
            return field_error (error, expression, field, item, _("not a number or a name"));
          if (first > last)
            return field_error (error, expression, field, item, _("the range ends before it begins"));
        }
      else
        {
          if (!parse_value (field, base, &first))
            return field_error (error, expression, field, item, _("not a number or a name"));
          /* `5/10`: from 5 to the end, every 10 */
          last = slash != NULL ? field->max : first;
        }

      if (first < field->min || last > field->max)
        {
          g_autofree char *reason = g_strdup_printf (_("out of range (%u to %u)"),
                                                     field->min, field->max);
          return field_error (error, expression, field, item, reason);
        }

      for (guint v = first; v <= last; v += step)
        *bits |= G_GUINT64_CONSTANT (1) << v;
    }

  return TRUE;
}

static const struct { const char *name; const char *line; } shorthands[] = {
  { "@yearly",   "0 0 1 1 *" },
  { "@annually", "0 0 1 1 *" },
  { "@monthly",  "0 0 1 * *" },
  { "@weekly",   "0 0 * * 0" },
  { "@daily",    "0 0 * * *" },
  { "@midnight", "0 0 * * *" },
  { "@hourly",   "0 * * * *" },
};

/* The days in each month, February of a leap year. */
static const guint8 max_days[13] = { 0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

/**
 * mode_cron_new:
 * @expression: a cron expression: five fields (minute, hour, day of
 *   month, month, day of week) separated by spaces, or a shorthand such
 *   as `@daily`
 * @error: return location for a #GError
 *
 * Parses a cron expression (see #ModeCron for the syntax). An invalid
 * expression is a %MODE_ERROR_INVALID_ARGUMENT error whose message names
 * the field and quotes its bad text, as does one whose days never
 * come, such as `0 0 30 feb *`.
 *
 * Returns: (transfer full): a new #ModeCron, or %NULL with @error set
 *
 * Since: 0.1
 */
ModeCron *
mode_cron_new (const char  *expression,
               GError     **error)
{
  g_autoptr(ModeCron) self = NULL;
  g_auto(GStrv) parts = NULL;
  const char *line = expression;
  const char *field_texts[N_FIELDS];
  guint64 bits[N_FIELDS];
  guint n = 0;

  g_return_val_if_fail (expression != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  while (g_ascii_isspace (*line))
    line++;
  if (line[0] == '@')
    {
      g_autofree char *word = g_strstrip (g_strdup (line));
      const char *found = NULL;

      for (guint i = 0; i < G_N_ELEMENTS (shorthands); i++)
        if (g_ascii_strcasecmp (word, shorthands[i].name) == 0)
          found = shorthands[i].line;
      if (found == NULL)
        {
          g_set_error (error, MODE_ERROR, MODE_ERROR_INVALID_ARGUMENT,
                       _("Cron expression “%s”: unknown shorthand “%s”"), expression, word);
          return NULL;
        }
      line = found;
    }

  parts = g_strsplit_set (line, " \t", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      {
        if (n < N_FIELDS)
          field_texts[n] = parts[i];
        n++;
      }
  if (n != N_FIELDS)
    {
      g_set_error (error, MODE_ERROR, MODE_ERROR_INVALID_ARGUMENT,
                   _("Cron expression “%s”: expected 5 fields (minute, hour, day of month, "
                     "month, day of week), found %u"), expression, n);
      return NULL;
    }

  for (guint i = 0; i < N_FIELDS; i++)
    if (!parse_field (expression, &fields[i], field_texts[i], &bits[i], error))
      return NULL;

  self = g_new0 (ModeCron, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->expression = g_strdup (expression);
  self->minutes = bits[F_MINUTE];
  self->hours = (guint32) bits[F_HOUR];
  self->days = (guint32) bits[F_DAY];
  self->months = (guint16) bits[F_MONTH];
  /* 7 is Sunday too */
  self->weekdays = (guint8) ((bits[F_WEEKDAY] | (bits[F_WEEKDAY] >> 7)) & 0x7f);
  self->day_and = field_texts[F_DAY][0] == '*' || field_texts[F_WEEKDAY][0] == '*';

  /* A day of month alone that no chosen month has never comes. */
  if (self->day_and && self->weekdays == 0x7f)
    {
      gboolean possible = FALSE;

      for (guint m = 1; m <= 12 && !possible; m++)
        if (self->months & (1u << m))
          for (guint d = 1; d <= max_days[m] && !possible; d++)
            possible = (self->days & (1u << d)) != 0;
      if (!possible)
        {
          field_error (error, expression, &fields[F_DAY], field_texts[F_DAY],
                       _("no chosen month has that day"));
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

/* }}} */

/**
 * mode_cron_ref:
 * @self: a #ModeCron
 *
 * Takes a reference.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
ModeCron *
mode_cron_ref (ModeCron *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * mode_cron_unref:
 * @self: (transfer full): a #ModeCron
 *
 * Drops a reference; the last one frees the schedule.
 *
 * Since: 0.1
 */
void
mode_cron_unref (ModeCron *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_free (self->expression);
      g_free (self);
    }
}

/**
 * mode_cron_get_expression:
 * @self: a #ModeCron
 *
 * Gets the expression the schedule was parsed from, as it was given.
 *
 * Returns: (transfer none): the expression
 *
 * Since: 0.1
 */
const char *
mode_cron_get_expression (ModeCron *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->expression;
}

/* The next run {{{ */

/* Days since 1970-01-01 of a date of the proleptic Gregorian calendar. */
static gint64
days_from_civil (gint64 y,
                 guint  m,
                 guint  d)
{
  gint64 era;
  guint yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (guint) (y - era * 400);
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (gint64) doe - 719468;
}

static guint
days_in_month (gint64 y,
               guint  m)
{
  if (m == 2)
    return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
  return max_days[m];
}

/* The smallest bit of @bits at @from or above, or -1. */
static int
next_bit (guint64 bits,
          guint   from)
{
  for (guint v = from; v < 64; v++)
    if (bits & (G_GUINT64_CONSTANT (1) << v))
      return (int) v;
  return -1;
}

static gint32
offset_at (GTimeZone *tz,
           gint64     instant)
{
  return g_time_zone_get_offset (tz, g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, instant));
}

/* The instant of the local time @local (seconds, as if the zone were
 * UTC) in @tz: the first, when the zone repeats it; G_MININT64 when it
 * does not exist that day, or came at @after or before: a local time
 * runs once. The zone's offsets a day before and a day after are the two
 * it can be in. */
static gint64
resolve_local (GTimeZone *tz,
               gint64     local,
               gint64     after)
{
  gint32 offsets[2] = { offset_at (tz, local - 86400), offset_at (tz, local + 86400) };
  gint64 first = G_MAXINT64;

  for (guint i = 0; i < 2; i++)
    {
      gint64 instant = local - offsets[i];

      if (offset_at (tz, instant) == offsets[i] && instant < first)
        first = instant;
    }

  return first != G_MAXINT64 && first > after ? first : G_MININT64;
}

static gboolean
day_matches (ModeCron *self,
             gint64    days,
             guint     d)
{
  guint wday = (guint) (((days + 4) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */
  gboolean dom = (self->days & (1u << d)) != 0;
  gboolean dow = (self->weekdays & (1u << wday)) != 0;

  return self->day_and ? dom && dow : dom || dow;
}

/* A civil (wall clock) time, field by field, as the search moves it. */
typedef struct
{
  gint64 y;
  int    mo, d, h, mi;
} Civil;

/* Carries the fields that the search pushed past their end into the
 * next larger one. */
static void
civil_normalize (Civil *t)
{
  if (t->mi > 59)
    {
      t->mi = 0;
      t->h++;
    }
  if (t->h > 23)
    {
      t->h = t->mi = 0;
      t->d++;
    }
  if (t->mo <= 12 && t->d > (int) days_in_month (t->y, t->mo))
    {
      t->d = 1;
      t->h = t->mi = 0;
      t->mo++;
    }
  if (t->mo > 12)
    {
      t->mo = t->d = 1;
      t->h = t->mi = 0;
      t->y++;
    }
}

/* Does @t match every field of @self? When it does not, moves it to the
 * first time the first field that does not match allows, and returns
 * FALSE: the search looks again from there. */
static gboolean
civil_matches (ModeCron *self,
               Civil    *t)
{
  int bit;

  if ((self->months & (1u << t->mo)) == 0)
    {
      bit = next_bit (self->months, t->mo);
      t->mo = bit < 0 ? 13 : bit;
      t->d = 1;
      t->h = t->mi = 0;
      return FALSE;
    }
  if (!day_matches (self, days_from_civil (t->y, t->mo, t->d), t->d))
    {
      t->d++;
      t->h = t->mi = 0;
      return FALSE;
    }
  if ((self->hours & (1u << t->h)) == 0)
    {
      bit = next_bit (self->hours, t->h);
      t->h = bit < 0 ? 24 : bit;
      t->mi = 0;
      return FALSE;
    }
  if ((self->minutes & (G_GUINT64_CONSTANT (1) << t->mi)) == 0)
    {
      bit = next_bit (self->minutes, t->mi);
      t->mi = bit < 0 ? 60 : bit;
      return FALSE;
    }
  return TRUE;
}

/**
 * mode_cron_next_after:
 * @self: a #ModeCron
 * @after: the time after which to look, in the time zone of the schedule
 *
 * Finds the first time of the schedule strictly after @after, on the
 * local calendar of @after's time zone (g_date_time_get_timezone()): a
 * local time that this zone skips is not run, and one that it repeats
 * is run once (see #ModeCron). The seconds of @after are ignored but for
 * the order: after 02:30:00 or 02:30:59, the next run is at the earliest
 * 02:31.
 *
 * Returns: (transfer full) (nullable): the next run, in @after's time
 *   zone, or %NULL if none comes in the next 28 years (the day of month
 *   and day of week fields are then satisfied by no date the calendar
 *   has, such as February 30th)
 *
 * Since: 0.1
 */
GDateTime *
mode_cron_next_after (ModeCron  *self,
                      GDateTime *after)
{
  GTimeZone *tz;
  gint64 after_unix;
  gint64 limit;
  int year, month, day;
  Civil t;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (after != NULL, NULL);

  tz = g_date_time_get_timezone (after);
  after_unix = g_date_time_to_unix (after);
  g_date_time_get_ymd (after, &year, &month, &day);
  t.y = year;
  t.mo = month;
  t.d = day;
  t.h = g_date_time_get_hour (after);
  t.mi = g_date_time_get_minute (after) + 1;
  /* the calendar repeats its days of week and leap days every 28 years
   * (within a century): a schedule that comes in none of those never does */
  limit = t.y + 28;

  for (;;)
    {
      gint64 instant;

      civil_normalize (&t);
      if (t.y > limit)
        return NULL;
      if (!civil_matches (self, &t))
        continue;

      instant = resolve_local (tz, days_from_civil (t.y, t.mo, t.d) * 86400 +
                                   t.h * 3600 + t.mi * 60, after_unix);
      if (instant != G_MININT64)
        {
          g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (instant);

          return g_date_time_to_timezone (utc, tz);
        }
      t.mi++;
    }
}

/* }}} */

/* vim: set foldmethod=marker: */
