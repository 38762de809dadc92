/* mode-timer.c
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-timer.h"
#include "mode-destroy-private.h"
#include "mode-timer-private.h"

/**
 * SECTION:mode-timer
 * @Title: ModeTimer
 * @Short_description: a repeating timer bound to a service
 *
 * A #ModeTimer calls its function every interval while its service
 * runs: mode_service_add_timer() and mode_service_class_add_timer_full()
 * make them. The first tick is one interval after the service started;
 * the timer stops with the service and starts again with it.
 *
 * The schedule is absolute: tick n is due at the start time plus n
 * intervals, whatever the earlier ticks cost, so a timer never drifts.
 * A tick that comes late (or early) by 30% of the interval or more (by
 * 1.2 s at most), as Mode measures it, is counted in
 * #ModeTimer:drifting-late (or #ModeTimer:drifting-early) and
 * #ModeTimer:drifting; a function that runs past the next due time is counted in
 * #ModeTimer:overlaps, and the ticks it made the timer miss are skipped
 * rather than run in a burst. Both are logged, as Mode's timers do.
 *
 * The counters are plain numbers: they change on every tick without a
 * #GObject::notify signal.
 *
 * # Kinds of timers
 *
 * Each of these has a class form, for every service of a class, named
 * the same with `class_` and `_full`:
 *
 * - mode_service_add_timer() and mode_service_add_timer_with_flags():
 *   a #ModeTimerFunc, which returns when the tick's work is done and
 *   cannot fail.
 * - mode_service_add_async_timer(): a #ModeTimerAsyncFunc, which gets a
 *   #GTask as a #ModeTaskFunc does (Mode's timers on a coroutine). The
 *   tick lasts until the task is completed: the next tick is not run
 *   while it lasts, a tick that ends past the next due time is an
 *   overlap, and the ticks it covered are skipped. An error other than
 *   %G_IO_ERROR_CANCELLED crashes the service; the stop of the service
 *   cancels the task and waits for it.
 * - mode_service_add_cron_timer(): an asynchronous timer whose ticks
 *   follow a cron schedule (#ModeCron) in a time zone rather than an
 *   interval (Mode's `@Service.crontab`).
 *
 * With %MODE_TIMER_EXEC_FIRST (#ModeTimer:exec-first), the first tick
 * runs at the start of the service (Mode's `exec_first=True`).
 *
 * |[<!-- language="C" -->
 * static void
 * refresh (ModeService *service, ModeTimer *timer, GCancellable *cancellable,
 *          GTask *task, gpointer user_data)
 * {
 *   // start the work; complete the task when it is done, now or later
 *   g_task_return_boolean (task, TRUE);
 * }
 *
 * static void
 * my_service_class_init (MyServiceClass *klass)
 * {
 *   ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);
 *
 *   // every minute, the first time at the start
 *   mode_service_class_add_async_timer_full (service_class, "refresh", 60.0,
 *                                            MODE_TIMER_EXEC_FIRST,
 *                                            refresh, NULL, NULL);
 * }
 * ]|
 *
 * A subclass that adds a class timer (or task) of the name of one of its
 * base class's replaces it, as in Mode: see
 * mode_service_class_add_timer_full().
 */

/**
 * ModeTimer:
 *
 * A repeating timer bound to a service.
 *
 * Since: 0.1
 */

struct _ModeTimer
{
  GObject         parent_instance;

  ModeDeadline    deadline;
  gpointer        owner;       /* (unowned) (nullable): the service, which owns the timer */
  ModeTimerLogFunc log;        /* logs a line in the owner's name */
  ModeTimerSpawnFunc spawn;    /* (nullable): an asynchronous timer's tasks */
  ModeScheduler  *scheduler;   /* (unowned) (nullable): while running */
  char           *name;        /* (owned) */
  gpointer        func;        /* a ModeTimerTickFunc, or a ModeTimerAsyncTickFunc */
  gpointer        user_data;
  ModeDestroy     destroy;     /* frees @user_data where it was given */
  ModeCron       *cron;        /* (owned) (nullable): a cron timer's schedule */
  GTimeZone      *tz;          /* (owned) (nullable): a cron timer's zone */
  gint64          interval;    /* microseconds; 0 for a cron timer */
  gint64          max_drift;   /* microseconds */
  gint64          epoch;       /* when the schedule began */
  guint64         tick;        /* the number of the tick that is due */
  gint64          cron_due;    /* a cron timer's run that is due, wall clock microseconds */
  gint64          fired_at;    /* on the clock: when the running tick began */
  gint64          fired_wall;  /* the same, on the wall clock (cron timers) */
  guint64         run;         /* counts the starts: a task of an earlier run is stale */
  guint64         iteration;
  guint64         drifting;
  guint64         drifting_early;
  guint64         drifting_late;
  guint64         overlaps;
  gint64          last_drift;
  gint64          last_due;
  guint           exec_first : 1;
  guint           busy : 1;    /* an asynchronous tick of this run is under way */
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_INTERVAL,
  PROP_ITERATION,
  PROP_DRIFTING,
  PROP_DRIFTING_EARLY,
  PROP_DRIFTING_LATE,
  PROP_OVERLAPS,
  PROP_EXEC_FIRST,
  PROP_IS_ASYNC,
  PROP_CRON,
  PROP_TIME_ZONE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ModeTimer, mode_timer, G_TYPE_OBJECT)

/* A cron timer waits at most this long on a clock that is not manual
 * before it looks at the wall clock again: the monotonic clock that the
 * deadlines follow does not see the wall clock being set, nor count a
 * suspend. */
#define CRON_RECHECK (60 * G_USEC_PER_SEC)

static void
timer_log (ModeTimer      *self,
           GLogLevelFlags  level,
           const char     *message)
{
  if (self->owner != NULL)
    self->log (self->owner, level, message);
}

/* The wall clock time (microseconds since 1970 UTC) at @now on the
 * scheduler's clock. A manual clock counts from 1970 itself: its time
 * is the wall clock time, which lets a test put a cron timer on any
 * date. */
static gint64
timer_wall (ModeTimer *self,
            gint64     now)
{
  if (mode_clock_is_manual (_mode_scheduler_get_clock (self->scheduler)))
    return now;

  return now + (g_get_real_time () - g_get_monotonic_time ());
}

static GDateTime *
date_time_from_wall (gint64     wall,
                     GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (wall >= 0 ? wall / G_USEC_PER_SEC
                                                                      : (wall + 1) / G_USEC_PER_SEC - 1);

  return g_date_time_to_timezone (utc, tz);
}

/* The next run of a cron timer after @wall_after, or G_MININT64. */
static gint64
cron_next (ModeTimer *self,
           gint64     wall_after)
{
  g_autoptr(GDateTime) after = date_time_from_wall (wall_after, self->tz);
  g_autoptr(GDateTime) next = after != NULL ? mode_cron_next_after (self->cron, after) : NULL;

  if (next == NULL)
    return G_MININT64;

  return g_date_time_to_unix (next) * G_USEC_PER_SEC;
}

/* Arms the deadline for the cron run at self->cron_due (wall clock),
 * from @now on the scheduler's clock. */
static void
cron_arm (ModeTimer *self,
          gint64     now)
{
  gint64 wall = timer_wall (self, now);
  gint64 wait = MAX (self->cron_due - wall, 0);

  if (!mode_clock_is_manual (_mode_scheduler_get_clock (self->scheduler)))
    wait = MIN (wait, CRON_RECHECK);

  _mode_scheduler_add (self->scheduler, &self->deadline, now + wait);
}

/* Schedules the cron run after @wall_after; none left: the timer rests. */
static void
cron_schedule (ModeTimer *self,
               gint64     now,
               gint64     wall_after)
{
  self->cron_due = cron_next (self, wall_after);

  if (self->cron_due == G_MININT64)
    {
      g_autofree char *message =
        g_strdup_printf ("Timer %s: the schedule “%s” has no run to come",
                         self->name, mode_cron_get_expression (self->cron));

      timer_log (self, G_LOG_LEVEL_MESSAGE, message);
      return;
    }

  cron_arm (self, now);
}

/* A tick ended (an asynchronous one: its task ended): the next one. */
static void
timer_schedule_next (ModeTimer *self)
{
  ModeScheduler *scheduler = self->scheduler;
  gint64 after = _mode_scheduler_now (scheduler);
  gint64 next;

  if (self->cron != NULL)
    {
      gint64 wall_after = timer_wall (self, after);

      next = cron_next (self, self->cron_due);
      if (next != G_MININT64 && next <= wall_after)
        {
          /* the run missed the next ones: a late wake-up skips them
           * quietly (it counted as drifting); a long run overlaps */
          if (next > self->fired_wall)
            {
              g_autofree char *message = NULL;

              self->overlaps++;
              message = g_strdup_printf ("Timer %s is overlapping (runtime=%.6f s, "
                                         "past its next run of “%s”)",
                                         self->name,
                                         (after - self->fired_at) / (gdouble) G_USEC_PER_SEC,
                                         mode_cron_get_expression (self->cron));
              timer_log (self, G_LOG_LEVEL_MESSAGE, message);
            }
          cron_schedule (self, after, wall_after);
          return;
        }

      if (next == G_MININT64)
        cron_schedule (self, after, self->cron_due);
      else
        {
          self->cron_due = next;
          cron_arm (self, after);
        }
      return;
    }

  self->tick++;
  next = self->epoch + (gint64) self->tick * self->interval;

  if (after > next)
    {
      g_autofree char *message = NULL;

      self->overlaps++;
      message = g_strdup_printf ("Timer %s is overlapping (interval=%.6f s runtime=%.6f s)",
                                 self->name,
                                 self->interval / (gdouble) G_USEC_PER_SEC,
                                 (after - self->fired_at) / (gdouble) G_USEC_PER_SEC);
      timer_log (self, G_LOG_LEVEL_MESSAGE, message);

      /* skip the ticks that passed: the next one is the first in the future */
      self->tick = (guint64) ((after - self->epoch) / self->interval) + 1;
      next = self->epoch + (gint64) self->tick * self->interval;
    }

  _mode_scheduler_add (scheduler, &self->deadline, next);
}

static void
timer_fire (ModeDeadline *deadline,
            gpointer      data)
{
  ModeTimer *self = data;
  ModeScheduler *scheduler = self->scheduler;
  gint64 now;
  gint64 drift;

  /* stopped with its service: what is due no more is not run */
  if (scheduler == NULL || self->owner == NULL)
    return;

  now = _mode_scheduler_now (scheduler);

  if (self->cron != NULL)
    {
      self->fired_wall = timer_wall (self, now);

      /* woken to look at the wall clock, or the wall clock went back */
      if (self->fired_wall < self->cron_due)
        {
          cron_arm (self, now);
          return;
        }
    }

  drift = now - deadline->due;
  self->last_drift = drift;
  self->last_due = deadline->due;
  self->fired_at = now;

  if (ABS (drift) >= self->max_drift)
    {
      g_autofree char *message = NULL;

      self->drifting++;
      if (drift > 0)
        self->drifting_late++;
      else
        self->drifting_early++;

      message = g_strdup_printf ("Timer %s woke up too %s, with a drift of %c%.6f s",
                                 self->name, drift > 0 ? "late" : "early",
                                 drift > 0 ? '+' : '-',
                                 ABS (drift) / (gdouble) G_USEC_PER_SEC);
      timer_log (self, G_LOG_LEVEL_INFO, message);
    }

  self->iteration++;

  g_object_ref (self);

  if (self->spawn != NULL)
    {
      GTask *task = self->spawn (self->owner, self, self->run);

      self->busy = TRUE;
      ((ModeTimerAsyncTickFunc) self->func) (self->owner, self, g_task_get_cancellable (task),
                                             task, self->user_data);
      /* a task dropped at once ended already, and scheduled the next tick */
      g_object_unref (task);
    }
  else
    {
      ((ModeTimerTickFunc) self->func) (self->owner, self, self->user_data);

      /* The function may have stopped the service, and so the timer. */
      if (self->scheduler != NULL)
        timer_schedule_next (self);
    }

  g_object_unref (self);
}

ModeTimer *
_mode_timer_new (gpointer           owner,
                 ModeTimerLogFunc   log,
                 const char        *name,
                 gdouble            interval,
                 ModeTimerFlags     flags,
                 ModeTimerTickFunc  func,
                 gpointer           user_data,
                 GDestroyNotify     destroy)
{
  ModeTimer *self = g_object_new (MODE_TYPE_TIMER,
                                  "exec-first", (flags & MODE_TIMER_EXEC_FIRST) != 0,
                                  NULL);

  self->owner = owner;
  self->log = log;
  self->name = g_strdup (name);
  self->func = func;
  self->user_data = user_data;
  /* freed where it was given: the service's context may be a thread's */
  _mode_destroy_init (&self->destroy, destroy, user_data, g_main_context_get_thread_default ());
  self->interval = MAX ((gint64) (interval * G_USEC_PER_SEC + 0.5), 1);
  self->max_drift = MIN ((gint64) (self->interval * 0.3), (gint64) (1.2 * G_USEC_PER_SEC));
  if (self->max_drift < 1)
    self->max_drift = 1;
  self->deadline.func = timer_fire;
  self->deadline.data = self;

  return self;
}

/* Makes @self asynchronous: its function is a ModeTimerAsyncTickFunc
 * and a tick lasts until its task ends. Before the first start. */
void
_mode_timer_make_async (ModeTimer          *self,
                        ModeTimerSpawnFunc  spawn)
{
  g_assert (self->scheduler == NULL);

  self->spawn = spawn;
}

/* Makes @self a cron timer. Before the first start. */
void
_mode_timer_set_cron (ModeTimer *self,
                      ModeCron  *cron,
                      GTimeZone *tz)
{
  g_assert (self->scheduler == NULL);

  self->cron = mode_cron_ref (cron);
  self->tz = tz != NULL ? g_time_zone_ref (tz) : g_time_zone_new_local ();
  self->interval = 0;
  self->max_drift = (gint64) (1.2 * G_USEC_PER_SEC);
}

/* The task of an asynchronous tick of run @run ended. */
void
_mode_timer_task_done (ModeTimer *self,
                       guint64    run)
{
  if (!self->busy || run != self->run)
    return;  /* a task of an earlier run, which a restart no longer waits for */

  self->busy = FALSE;
  if (self->scheduler == NULL || self->owner == NULL)
    return;

  timer_schedule_next (self);
}

/* Starts the schedule: the first tick is one interval from now (for a
 * cron timer, the first time of its schedule), or now for exec-first. */
void
_mode_timer_start (ModeTimer     *self,
                   ModeScheduler *scheduler)
{
  _mode_timer_stop (self);

  self->scheduler = scheduler;
  self->epoch = _mode_scheduler_now (scheduler);
  self->run++;
  self->busy = FALSE;

  if (self->cron != NULL)
    {
      if (self->exec_first)
        {
          self->cron_due = timer_wall (self, self->epoch);
          _mode_scheduler_add (scheduler, &self->deadline, self->epoch);
        }
      else
        cron_schedule (self, self->epoch, timer_wall (self, self->epoch));
      return;
    }

  self->tick = self->exec_first ? 0 : 1;
  _mode_scheduler_add (scheduler, &self->deadline,
                       self->epoch + (gint64) self->tick * self->interval);
}

void
_mode_timer_stop (ModeTimer *self)
{
  if (self->scheduler == NULL)
    return;

  _mode_scheduler_remove (self->scheduler, &self->deadline);
  self->scheduler = NULL;
}

/* The service goes: the timer may live on, in a binding, but never runs again. */
void
_mode_timer_detach (ModeTimer *self)
{
  _mode_timer_stop (self);
  self->owner = NULL;
}

void
_mode_timer_describe (ModeTimer *self,
                      GString   *out)
{
  if (self->cron != NULL)
    g_string_append_printf (out, "timer %s on “%s” (%s)",
                            self->name, mode_cron_get_expression (self->cron),
                            g_time_zone_get_identifier (self->tz));
  else
    g_string_append_printf (out, "timer %s every %.6g s",
                            self->name, self->interval / (gdouble) G_USEC_PER_SEC);

  g_string_append_printf (out,
                          ": iteration=%" G_GUINT64_FORMAT
                          " drifting=%" G_GUINT64_FORMAT
                          " (early=%" G_GUINT64_FORMAT " late=%" G_GUINT64_FORMAT ")"
                          " overlaps=%" G_GUINT64_FORMAT "%s%s",
                          self->iteration, self->drifting,
                          self->drifting_early, self->drifting_late,
                          self->overlaps,
                          self->busy ? " (running)" : "",
                          self->scheduler != NULL ? "" : " (stopped)");
}

static void
mode_timer_finalize (GObject *object)
{
  ModeTimer *self = (ModeTimer *)object;

  g_assert (self->scheduler == NULL);

  _mode_destroy_run (&self->destroy);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->cron, mode_cron_unref);
  g_clear_pointer (&self->tz, g_time_zone_unref);

  G_OBJECT_CLASS (mode_timer_parent_class)->finalize (object);
}

static void
mode_timer_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ModeTimer *self = MODE_TIMER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_INTERVAL:
      g_value_set_double (value, mode_timer_get_interval (self));
      break;

    case PROP_ITERATION:
      g_value_set_uint64 (value, self->iteration);
      break;

    case PROP_DRIFTING:
      g_value_set_uint64 (value, self->drifting);
      break;

    case PROP_DRIFTING_EARLY:
      g_value_set_uint64 (value, self->drifting_early);
      break;

    case PROP_DRIFTING_LATE:
      g_value_set_uint64 (value, self->drifting_late);
      break;

    case PROP_OVERLAPS:
      g_value_set_uint64 (value, self->overlaps);
      break;

    case PROP_EXEC_FIRST:
      g_value_set_boolean (value, self->exec_first);
      break;

    case PROP_IS_ASYNC:
      g_value_set_boolean (value, self->spawn != NULL);
      break;

    case PROP_CRON:
      g_value_set_boxed (value, self->cron);
      break;

    case PROP_TIME_ZONE:
      g_value_set_boxed (value, self->tz);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_timer_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  ModeTimer *self = MODE_TIMER (object);

  switch (prop_id)
    {
    case PROP_EXEC_FIRST:
      mode_timer_set_exec_first (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_timer_class_init (ModeTimerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mode_timer_finalize;
  object_class->get_property = mode_timer_get_property;
  object_class->set_property = mode_timer_set_property;

  /**
   * ModeTimer:name:
   *
   * The name of the timer, used in log lines and descriptions.
   *
   * Since: 0.1
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ModeTimer:interval:
   *
   * The interval between two ticks, in seconds; 0 for a cron timer.
   *
   * Since: 0.1
   */
  properties[PROP_INTERVAL] =
    g_param_spec_double ("interval", NULL, NULL, 0.0, G_MAXDOUBLE, 1.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ModeTimer:iteration:
   *
   * How many times the timer's function ran.
   *
   * Since: 0.1
   */
  properties[PROP_ITERATION] =
    g_param_spec_uint64 ("iteration", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ModeTimer:drifting:
   *
   * How many ticks came too early or too late.
   *
   * Since: 0.1
   */
  properties[PROP_DRIFTING] =
    g_param_spec_uint64 ("drifting", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ModeTimer:drifting-early:
   *
   * How many ticks came too early.
   *
   * Since: 0.1
   */
  properties[PROP_DRIFTING_EARLY] =
    g_param_spec_uint64 ("drifting-early", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ModeTimer:drifting-late:
   *
   * How many ticks came too late.
   *
   * Since: 0.1
   */
  properties[PROP_DRIFTING_LATE] =
    g_param_spec_uint64 ("drifting-late", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ModeTimer:overlaps:
   *
   * How many times the function ran past the next due time.
   *
   * Since: 0.1
   */
  properties[PROP_OVERLAPS] =
    g_param_spec_uint64 ("overlaps", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ModeTimer:exec-first:
   *
   * Whether the first tick runs at the start of the service (Mode's
   * `exec_first=True`), rather than one interval after it (for a cron
   * timer, rather than at the first time of its schedule). The schedule
   * goes on from the start as without it: an interval timer's second
   * tick is one interval after the start. It is read on every start of
   * the service, so a change takes effect at the next start.
   *
   * %MODE_TIMER_EXEC_FIRST sets it when the timer is added.
   *
   * Since: 0.1
   */
  properties[PROP_EXEC_FIRST] =
    g_param_spec_boolean ("exec-first", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ModeTimer:is-async:
   *
   * Whether the timer is an asynchronous one, whose ticks last until the
   * task they get is completed (mode_service_add_async_timer()).
   *
   * Since: 0.1
   */
  properties[PROP_IS_ASYNC] =
    g_param_spec_boolean ("is-async", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ModeTimer:cron:
   *
   * The schedule of a cron timer (mode_service_add_cron_timer()), or
   * %NULL for a timer that ticks every #ModeTimer:interval.
   *
   * Since: 0.1
   */
  properties[PROP_CRON] =
    g_param_spec_boxed ("cron", NULL, NULL, MODE_TYPE_CRON,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ModeTimer:time-zone:
   *
   * The time zone of a cron timer's schedule, or %NULL for a timer that
   * ticks every #ModeTimer:interval.
   *
   * Since: 0.1
   */
  properties[PROP_TIME_ZONE] =
    g_param_spec_boxed ("time-zone", NULL, NULL, G_TYPE_TIME_ZONE,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mode_timer_init (ModeTimer *self)
{
}

/**
 * mode_timer_get_name:
 * @self: a #ModeTimer
 *
 * Gets the name of the timer.
 *
 * Returns: (transfer none): the name
 *
 * Since: 0.1
 */
const char *
mode_timer_get_name (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), NULL);

  return self->name;
}

/**
 * mode_timer_get_interval:
 * @self: a #ModeTimer
 *
 * Gets the interval of the timer.
 *
 * Returns: the interval in seconds, or 0 for a cron timer
 *
 * Since: 0.1
 */
gdouble
mode_timer_get_interval (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), 0.0);

  return self->interval / (gdouble) G_USEC_PER_SEC;
}

/**
 * mode_timer_get_iteration:
 * @self: a #ModeTimer
 *
 * Gets how many times the timer's function ran.
 *
 * Returns: the number of ticks
 *
 * Since: 0.1
 */
guint64
mode_timer_get_iteration (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), 0);

  return self->iteration;
}

/**
 * mode_timer_get_drifting:
 * @self: a #ModeTimer
 *
 * Gets how many ticks came too early or too late.
 *
 * Returns: the number of drifting ticks
 *
 * Since: 0.1
 */
guint64
mode_timer_get_drifting (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), 0);

  return self->drifting;
}

/**
 * mode_timer_get_drifting_early:
 * @self: a #ModeTimer
 *
 * Gets how many ticks came too early.
 *
 * Returns: the number of early ticks
 *
 * Since: 0.1
 */
guint64
mode_timer_get_drifting_early (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), 0);

  return self->drifting_early;
}

/**
 * mode_timer_get_drifting_late:
 * @self: a #ModeTimer
 *
 * Gets how many ticks came too late.
 *
 * Returns: the number of late ticks
 *
 * Since: 0.1
 */
guint64
mode_timer_get_drifting_late (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), 0);

  return self->drifting_late;
}

/**
 * mode_timer_get_overlaps:
 * @self: a #ModeTimer
 *
 * Gets how many times the function ran past the next due time.
 *
 * Returns: the number of overlaps
 *
 * Since: 0.1
 */
guint64
mode_timer_get_overlaps (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), 0);

  return self->overlaps;
}

/**
 * mode_timer_get_last_due:
 * @self: a #ModeTimer
 *
 * Gets when the latest tick was due, on the service's #ModeClock; from
 * inside the timer's function, the tick that is running. The ticks are
 * due at the start time plus a whole number of intervals (a cron
 * timer's, at the times of its schedule; an exec-first tick, at the
 * start).
 *
 * Returns: the due time in microseconds, or 0 before the first tick
 *
 * Since: 0.1
 */
gint64
mode_timer_get_last_due (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), 0);

  return self->last_due;
}

/**
 * mode_timer_get_last_drift:
 * @self: a #ModeTimer
 *
 * Gets how late the latest tick ran after it was due.
 *
 * Returns: the drift in microseconds
 *
 * Since: 0.1
 */
gint64
mode_timer_get_last_drift (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), 0);

  return self->last_drift;
}

/**
 * mode_timer_get_exec_first:
 * @self: a #ModeTimer
 *
 * Gets whether the first tick runs at the start of the service.
 *
 * Returns: the value of #ModeTimer:exec-first
 *
 * Since: 0.1
 */
gboolean
mode_timer_get_exec_first (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), FALSE);

  return self->exec_first;
}

/**
 * mode_timer_set_exec_first:
 * @self: a #ModeTimer
 * @exec_first: whether the first tick runs at the start
 *
 * Sets #ModeTimer:exec-first. The timer reads it when its service
 * starts: set it before the start (a timer added to a running service
 * starts at once, so give %MODE_TIMER_EXEC_FIRST to the call that adds
 * it), or for the next start.
 *
 * Since: 0.1
 */
void
mode_timer_set_exec_first (ModeTimer *self,
                           gboolean   exec_first)
{
  g_return_if_fail (MODE_IS_TIMER (self));

  exec_first = !!exec_first;
  if (self->exec_first == (guint) exec_first)
    return;

  self->exec_first = exec_first;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXEC_FIRST]);
}

/**
 * mode_timer_get_is_async:
 * @self: a #ModeTimer
 *
 * Gets whether the timer is an asynchronous one.
 *
 * Returns: the value of #ModeTimer:is-async
 *
 * Since: 0.1
 */
gboolean
mode_timer_get_is_async (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), FALSE);

  return self->spawn != NULL;
}

/**
 * mode_timer_get_cron:
 * @self: a #ModeTimer
 *
 * Gets the schedule of a cron timer.
 *
 * Returns: (transfer none) (nullable): the #ModeCron, or %NULL for a
 *   timer that ticks every #ModeTimer:interval
 *
 * Since: 0.1
 */
ModeCron *
mode_timer_get_cron (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), NULL);

  return self->cron;
}

/**
 * mode_timer_get_time_zone:
 * @self: a #ModeTimer
 *
 * Gets the time zone of a cron timer's schedule.
 *
 * Returns: (transfer none) (nullable): the #GTimeZone, or %NULL for a
 *   timer that ticks every #ModeTimer:interval
 *
 * Since: 0.1
 */
GTimeZone *
mode_timer_get_time_zone (ModeTimer *self)
{
  g_return_val_if_fail (MODE_IS_TIMER (self), NULL);

  return self->tz;
}
