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
  ModeScheduler  *scheduler;   /* (unowned) (nullable): while running */
  char           *name;        /* (owned) */
  ModeTimerTickFunc func;
  gpointer        user_data;
  ModeDestroy     destroy;     /* frees @user_data where it was given */
  gint64          interval;    /* microseconds */
  gint64          max_drift;   /* microseconds */
  gint64          epoch;       /* when the schedule began */
  guint64         tick;        /* the number of the tick that is due */
  guint64         iteration;
  guint64         drifting;
  guint64         drifting_early;
  guint64         drifting_late;
  guint64         overlaps;
  gint64          last_drift;
  gint64          last_due;
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
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ModeTimer, mode_timer, G_TYPE_OBJECT)

static void
timer_log (ModeTimer      *self,
           GLogLevelFlags  level,
           const char     *message)
{
  if (self->owner != NULL)
    self->log (self->owner, level, message);
}

static void
timer_fire (ModeDeadline *deadline,
            gpointer      data)
{
  ModeTimer *self = data;
  ModeScheduler *scheduler = self->scheduler;
  gint64 now;
  gint64 after;
  gint64 next;
  gint64 drift;

  /* stopped with its service: what is due no more is not run */
  if (scheduler == NULL || self->owner == NULL)
    return;

  now = _mode_scheduler_now (scheduler);
  drift = now - deadline->due;
  self->last_drift = drift;
  self->last_due = deadline->due;

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
  self->func (self->owner, self, self->user_data);

  /* The function may have stopped the service, and so the timer. */
  if (self->scheduler == NULL)
    {
      g_object_unref (self);
      return;
    }

  after = _mode_scheduler_now (scheduler);
  self->tick++;
  next = self->epoch + (gint64) self->tick * self->interval;

  if (after > next)
    {
      g_autofree char *message = NULL;

      self->overlaps++;
      message = g_strdup_printf ("Timer %s is overlapping (interval=%.6f s runtime=%.6f s)",
                                 self->name,
                                 self->interval / (gdouble) G_USEC_PER_SEC,
                                 (after - now) / (gdouble) G_USEC_PER_SEC);
      timer_log (self, G_LOG_LEVEL_MESSAGE, message);

      /* skip the ticks that passed: the next one is the first in the future */
      self->tick = (guint64) ((after - self->epoch) / self->interval) + 1;
      next = self->epoch + (gint64) self->tick * self->interval;
    }

  _mode_scheduler_add (scheduler, &self->deadline, next);
  g_object_unref (self);
}

ModeTimer *
_mode_timer_new (gpointer           owner,
                 ModeTimerLogFunc   log,
                 const char        *name,
                 gdouble            interval,
                 ModeTimerTickFunc  func,
                 gpointer           user_data,
                 GDestroyNotify     destroy)
{
  ModeTimer *self = g_object_new (MODE_TYPE_TIMER, NULL);

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

/* Starts the schedule: the first tick is one interval from now. */
void
_mode_timer_start (ModeTimer     *self,
                   ModeScheduler *scheduler)
{
  _mode_timer_stop (self);

  self->scheduler = scheduler;
  self->epoch = _mode_scheduler_now (scheduler);
  self->tick = 1;
  _mode_scheduler_add (scheduler, &self->deadline, self->epoch + self->interval);
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
  g_string_append_printf (out,
                          "timer %s every %.6g s: iteration=%" G_GUINT64_FORMAT
                          " drifting=%" G_GUINT64_FORMAT
                          " (early=%" G_GUINT64_FORMAT " late=%" G_GUINT64_FORMAT ")"
                          " overlaps=%" G_GUINT64_FORMAT "%s",
                          self->name,
                          self->interval / (gdouble) G_USEC_PER_SEC,
                          self->iteration, self->drifting,
                          self->drifting_early, self->drifting_late,
                          self->overlaps,
                          self->scheduler != NULL ? "" : " (stopped)");
}

static void
mode_timer_finalize (GObject *object)
{
  ModeTimer *self = (ModeTimer *)object;

  g_assert (self->scheduler == NULL);

  _mode_destroy_run (&self->destroy);
  g_clear_pointer (&self->name, g_free);

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
   * The interval between two ticks, in seconds.
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
 * Returns: the interval in seconds
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
 * due at the start time plus a whole number of intervals.
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
