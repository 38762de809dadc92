/* mode-clock.c: ModeClock, the time that timers, sleeps and timeouts follow
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The default clock and manual ones. The deadlines on a clock are the
 * scheduler's (mode-scheduler.c); a clock only keeps the scheduler of
 * each main context that waits on it, to wake those contexts when a
 * manual clock moves.
 */

#include "config.h"

#include "mode-clock.h"
#include "mode-clock-private.h"

/**
 * SECTION:mode-clock
 * @Title: ModeClock
 * @Short_description: the time that timers, sleeps and timeouts follow
 *
 * Every timer, sleep and timeout of a #ModeService follows a #ModeClock:
 * the default one is the monotonic clock of the system
 * (g_get_monotonic_time()). A manual clock only moves when it is told
 * to, with mode_clock_advance(), which lets a test drive timers and
 * timeouts through hours of schedule without waiting.
 *
 * Deadlines on the default clock wake the main context through one
 * timerfd per main context on Linux, so they are precise to the
 * microsecond rather than to GLib's millisecond, and thousands of them
 * cost one source, not one each.
 *
 * |[<!-- language="C" -->
 * g_autoptr(ModeClock) clock = mode_clock_new_manual ();
 * g_autoptr(ModeService) service = g_object_new (MY_TYPE_SERVICE, "clock", clock, NULL);
 *
 * ... start the service ...
 * mode_clock_advance (clock, 10 * G_USEC_PER_SEC);
 * while (g_main_context_iteration (NULL, FALSE))
 *   ;
 * ]|
 */

/**
 * ModeClock:
 *
 * The time that timers, sleeps and timeouts follow.
 *
 * Since: 0.1
 */

struct _ModeClock
{
  GObject     parent_instance;

  GMutex      mutex;
  GHashTable *schedulers;   /* (owned) GMainContext -> ModeScheduler, under mutex */
  gint64      now;          /* manual clocks: the time, under mutex */
  gboolean    manual;
};

G_DEFINE_FINAL_TYPE (ModeClock, mode_clock, G_TYPE_OBJECT)

static void
mode_clock_finalize (GObject *object)
{
  ModeClock *self = (ModeClock *)object;

  g_assert (g_hash_table_size (self->schedulers) == 0);
  g_clear_pointer (&self->schedulers, g_hash_table_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (mode_clock_parent_class)->finalize (object);
}

static void
mode_clock_class_init (ModeClockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mode_clock_finalize;
}

static void
mode_clock_init (ModeClock *self)
{
  g_mutex_init (&self->mutex);
  self->schedulers = g_hash_table_new (NULL, NULL);
}

/**
 * mode_clock_get_default:
 *
 * Gets the clock that services follow unless told otherwise: the
 * monotonic clock of the system.
 *
 * Returns: (transfer none): the default #ModeClock
 *
 * Since: 0.1
 */
ModeClock *
mode_clock_get_default (void)
{
  static gsize default_clock;

  if (g_once_init_enter (&default_clock))
    g_once_init_leave (&default_clock, (gsize) g_object_new (MODE_TYPE_CLOCK, NULL));

  return (ModeClock *) default_clock;
}

/**
 * mode_clock_new_manual:
 *
 * Creates a clock that stands still at 0 until mode_clock_advance()
 * moves it. Give it to services (#ModeService:clock) in tests, to run
 * timers and timeouts without waiting.
 *
 * Returns: (transfer full): a new manual #ModeClock
 *
 * Since: 0.1
 */
ModeClock *
mode_clock_new_manual (void)
{
  ModeClock *self = g_object_new (MODE_TYPE_CLOCK, NULL);

  self->manual = TRUE;
  return self;
}

/**
 * mode_clock_is_manual:
 * @self: a #ModeClock
 *
 * Gets whether the clock is a manual one.
 *
 * Returns: %TRUE for a clock made by mode_clock_new_manual()
 *
 * Since: 0.1
 */
gboolean
mode_clock_is_manual (ModeClock *self)
{
  g_return_val_if_fail (MODE_IS_CLOCK (self), FALSE);

  return self->manual;
}

static inline gint64
clock_now (ModeClock *self)
{
  gint64 now;

  if (!self->manual)
    return g_get_monotonic_time ();

  g_mutex_lock (&self->mutex);
  now = self->now;
  g_mutex_unlock (&self->mutex);

  return now;
}

/**
 * mode_clock_get_time:
 * @self: a #ModeClock
 *
 * Gets the time on the clock, in microseconds: for the default clock,
 * g_get_monotonic_time().
 *
 * Returns: the time in microseconds
 *
 * Since: 0.1
 */
gint64
mode_clock_get_time (ModeClock *self)
{
  g_return_val_if_fail (MODE_IS_CLOCK (self), 0);

  return clock_now (self);
}

/**
 * mode_clock_advance:
 * @self: a manual #ModeClock
 * @microseconds: how far to move the clock, 0 or more
 *
 * Moves a manual clock forward. The deadlines that are now due fire in
 * their main contexts' next iterations; this call wakes those contexts
 * up. May be called from any thread.
 *
 * Since: 0.1
 */
void
mode_clock_advance (ModeClock *self,
                    gint64     microseconds)
{
  g_autoptr(GPtrArray) contexts = NULL;
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (MODE_IS_CLOCK (self));
  g_return_if_fail (self->manual);
  g_return_if_fail (microseconds >= 0);

  contexts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_main_context_unref);

  g_mutex_lock (&self->mutex);
  self->now += microseconds;
  g_hash_table_iter_init (&iter, self->schedulers);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (contexts, g_main_context_ref (key));
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < contexts->len; i++)
    g_main_context_wakeup (g_ptr_array_index (contexts, i));
}

/* The time, without the type check of mode_clock_get_time(): the
 * scheduler asks for it only of manual clocks. */
gint64
_mode_clock_now (ModeClock *self)
{
  return clock_now (self);
}

/* The schedulers of the clock {{{
 *
 * One per main context that waits on the clock, made and counted by
 * mode-scheduler.c under the clock's lock: the lock makes finding a
 * scheduler and taking a reference to it one step, and mode_clock_advance()
 * wakes the contexts of the table.
 */

void
_mode_clock_lock (ModeClock *self)
{
  g_mutex_lock (&self->mutex);
}

void
_mode_clock_unlock (ModeClock *self)
{
  g_mutex_unlock (&self->mutex);
}

ModeScheduler *
_mode_clock_lookup_scheduler_locked (ModeClock    *self,
                                     GMainContext *context)
{
  return g_hash_table_lookup (self->schedulers, context);
}

void
_mode_clock_insert_scheduler_locked (ModeClock     *self,
                                     GMainContext  *context,
                                     ModeScheduler *scheduler)
{
  g_hash_table_insert (self->schedulers, context, scheduler);
}

void
_mode_clock_remove_scheduler_locked (ModeClock    *self,
                                     GMainContext *context)
{
  g_hash_table_remove (self->schedulers, context);
}

/* }}} */
