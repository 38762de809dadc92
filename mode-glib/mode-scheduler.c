/* mode-scheduler.c: the deadlines every timer and sleep waits on
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * One scheduler per clock and main context: a binary heap of deadlines
 * and a source of high priority that fires the due ones. On the default
 * clock a timerfd wakes the context, precise to the microsecond rather
 * than to poll()'s millisecond; a manual clock wakes it when it moves.
 * This file makes, counts and frees the schedulers; the clock
 * (mode-clock.c) keeps the table of its own, one per context.
 */

#include "config.h"

#include <errno.h>
#include <unistd.h>
#ifdef HAVE_TIMERFD
# include <sys/timerfd.h>
#endif

#include "mode-clock-private.h"
#include "mode-scheduler-private.h"

/* A deadline in the heap, with a copy of its key: a sift compares
 * entries of one array rather than following a pointer per comparison
 * into the objects that embed the deadlines, which a thousand timers
 * spread over a thousand places in memory. */
typedef struct
{
  gint64         due;
  guint64        order;
  ModeDeadline  *deadline;
  gconstpointer  group;   /* the deadline's: see _mode_scheduler_remove_group() */
} HeapEntry;

struct _ModeScheduler
{
  GSource       source;
  ModeClock    *clock;       /* (owned) */
  GMainContext *context;     /* (unowned): the source is attached to it */
  HeapEntry    *heap;        /* (owned) (array length=heap_len): a binary min-heap */
  guint         heap_len;
  guint         heap_size;   /* entries allocated */
  guint64       added;       /* deadlines added so far: their order */
  guint         behind : 1;  /* the last dispatch left deadlines due: yield once */
  guint         yielding : 1;/* this iteration is the lower priorities' */
  guint         manual : 1;  /* the clock's: it wakes the context when it moves */
  guint         refcount;    /* under the clock's lock */
#ifdef HAVE_TIMERFD
  int           timerfd;
  gpointer      fd_tag;
  gint64        armed;       /* the due time the timerfd is set to */
#endif
};

/* The time on the scheduler's clock: the monotonic time, unless the
 * clock is a manual one. */
static inline gint64
scheduler_now (ModeScheduler *self)
{
  if (!self->manual)
    return g_get_monotonic_time ();

  return _mode_clock_now (self->clock);
}

/* The heap {{{ */

/* Earlier due first; among deadlines due at once, the one added first.
 * Without that order, timers due together (a thousand on one schedule,
 * say) ran in an order that changed from tick to tick, and each timer's
 * interval jittered by up to the whole batch's run time. */
static inline gboolean
entry_before (const HeapEntry *a,
              const HeapEntry *b)
{
  return a->due < b->due || (a->due == b->due && a->order < b->order);
}

static inline void
heap_set (ModeScheduler   *self,
          guint            i,
          const HeapEntry *entry)
{
  self->heap[i] = *entry;
  entry->deadline->position = i + 1;
}

/* Puts @entry at @i, or above it while it comes before the parent. */
static void
heap_sift_up (ModeScheduler   *self,
              guint            i,
              const HeapEntry *entry)
{
  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (!entry_before (entry, &self->heap[parent]))
        break;
      heap_set (self, i, &self->heap[parent]);
      i = parent;
    }
  heap_set (self, i, entry);
}

/* Takes the deadline at @i out. The hole it leaves goes down to a leaf,
 * the earlier child moving up at each level, and the last entry fills it
 * from there (Floyd's way): one comparison a level rather than two. The
 * last entry, most often the latest deadline (a timer that just fired and
 * was scheduled anew), would go down to about a leaf anyway. */
static void
heap_remove_at (ModeScheduler *self,
                guint          i)
{
  HeapEntry last;
  guint len;

  self->heap[i].deadline->position = 0;
  len = --self->heap_len;
  if (i == len)
    return;
  last = self->heap[len];

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= len)
        break;
      if (child + 1 < len && entry_before (&self->heap[child + 1], &self->heap[child]))
        child++;
      heap_set (self, i, &self->heap[child]);
      i = child;
    }

  heap_sift_up (self, i, &last);
}

static inline void
heap_remove_deadline (ModeScheduler *self,
                      ModeDeadline  *deadline)
{
  if (deadline->position == 0)
    return;

  /* one taken out with its group must have been forgotten since */
  g_assert (deadline->position <= self->heap_len &&
            self->heap[deadline->position - 1].deadline == deadline);
  heap_remove_at (self, deadline->position - 1);
}

static void
heap_insert (ModeScheduler *self,
             ModeDeadline  *deadline)
{
  HeapEntry entry = { deadline->due, deadline->order, deadline, deadline->group };

  if (self->heap_len == self->heap_size)
    {
      self->heap_size = MAX (16, 2 * self->heap_size);
      self->heap = g_renew (HeapEntry, self->heap, self->heap_size);
    }
  self->heap_len++;
  heap_sift_up (self, self->heap_len - 1, &entry);
}

/* The due time of the earliest deadline: there must be one. */
static inline gint64
heap_first_due (ModeScheduler *self)
{
  return self->heap[0].due;
}

/* }}} */

/* The source {{{ */

#ifdef HAVE_TIMERFD
static void
scheduler_arm (ModeScheduler *self,
               gint64         due)
{
  struct itimerspec spec = { { 0, 0 }, { 0, 0 } };

  if (self->armed == due)
    return;

  spec.it_value.tv_sec = due / G_USEC_PER_SEC;
  spec.it_value.tv_nsec = (due % G_USEC_PER_SEC) * 1000;
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
    spec.it_value.tv_nsec = 1; /* zero would disarm it */

  if (timerfd_settime (self->timerfd, TFD_TIMER_ABSTIME, &spec, NULL) == 0)
    self->armed = due;
}
#endif

static gboolean
scheduler_prepare (GSource *source,
                   gint    *timeout)
{
  ModeScheduler *self = (ModeScheduler *)source;
  gint64 due;
  gint64 now;

  *timeout = -1;

  /* Overloaded (the deadlines of one dispatch took so long that others
   * came due meanwhile), a source of high priority that is always ready
   * would starve every other source of the context, the signal handlers
   * that stop the program among them: every other iteration is theirs. */
  if (self->behind)
    {
      self->behind = FALSE;
      self->yielding = TRUE;
      *timeout = 0;
      return FALSE;
    }
  self->yielding = FALSE;

  if (self->heap_len == 0)
    return FALSE;

  due = heap_first_due (self);
  now = scheduler_now (self);
  if (due <= now)
    {
      *timeout = 0;
      return TRUE;
    }

  /* a manual clock wakes the context up when it moves */
  if (self->manual)
    return FALSE;

#ifdef HAVE_TIMERFD
  if (self->timerfd >= 0)
    {
      scheduler_arm (self, due);
      return FALSE;
    }
#endif

  /* GLib's poll() waits whole milliseconds: round up, never wake early */
  *timeout = (gint) MIN ((due - now + 999) / 1000, G_MAXINT);
  return FALSE;
}

static gboolean
scheduler_check (GSource *source)
{
  ModeScheduler *self = (ModeScheduler *)source;

#ifdef HAVE_TIMERFD
  if (self->fd_tag != NULL &&
      (g_source_query_unix_fd (source, self->fd_tag) & G_IO_IN) != 0)
    {
      guint64 expirations;

      while (read (self->timerfd, &expirations, sizeof expirations) < 0 && errno == EINTR)
        ;
      self->armed = G_MININT64;
    }
#endif

  if (self->yielding)
    return FALSE;

  return self->heap_len > 0 && heap_first_due (self) <= scheduler_now (self);
}

static gboolean
scheduler_dispatch (GSource     *source,
                    GSourceFunc  callback,
                    gpointer     user_data)
{
  ModeScheduler *self = (ModeScheduler *)source;
  gint64 now = scheduler_now (self);

  /* One at a time: a deadline that fires may remove or add others. The
   * users never add one that is due already, so this ends. */
  while (self->heap_len > 0 && heap_first_due (self) <= now)
    {
      ModeDeadline *deadline = self->heap[0].deadline;

      heap_remove_at (self, 0);
      deadline->func (deadline, deadline->data);
    }

  self->behind = self->heap_len > 0 && heap_first_due (self) <= scheduler_now (self);

  return G_SOURCE_CONTINUE;
}

static void
scheduler_finalize (GSource *source)
{
  ModeScheduler *self = (ModeScheduler *)source;

#ifdef HAVE_TIMERFD
  if (self->timerfd >= 0)
    close (self->timerfd);
#endif
  g_clear_pointer (&self->heap, g_free);
  g_clear_object (&self->clock);
}

static GSourceFuncs scheduler_funcs = {
  .prepare = scheduler_prepare,
  .check = scheduler_check,
  .dispatch = scheduler_dispatch,
  .finalize = scheduler_finalize,
};

/* }}} */

/* Gets the scheduler of @clock in @context, made on first use. Call from
 * the thread that runs @context. */
ModeScheduler *
_mode_scheduler_ref (ModeClock    *clock,
                     GMainContext *context)
{
  ModeScheduler *self;

  if (clock == NULL)
    clock = mode_clock_get_default ();

  _mode_clock_lock (clock);
  self = _mode_clock_lookup_scheduler_locked (clock, context);
  if (self != NULL)
    {
      self->refcount++;
      _mode_clock_unlock (clock);
      return self;
    }

  self = (ModeScheduler *) g_source_new (&scheduler_funcs, sizeof (ModeScheduler));
  g_source_set_static_name (&self->source, "[mode] deadlines");
  g_source_set_priority (&self->source, G_PRIORITY_HIGH);
  self->clock = g_object_ref (clock);
  self->context = context;
  self->refcount = 1;
  self->manual = mode_clock_is_manual (clock);
#ifdef HAVE_TIMERFD
  self->timerfd = -1;
  self->armed = G_MININT64;
  if (!self->manual)
    {
      self->timerfd = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
      if (self->timerfd >= 0)
        self->fd_tag = g_source_add_unix_fd (&self->source, self->timerfd, G_IO_IN);
    }
#endif
  _mode_clock_insert_scheduler_locked (clock, context, self);
  _mode_clock_unlock (clock);

  g_source_attach (&self->source, context);

  return self;
}

void
_mode_scheduler_unref (ModeScheduler *self)
{
  ModeClock *clock = self->clock;
  gboolean last;

  _mode_clock_lock (clock);
  last = --self->refcount == 0;
  if (last)
    _mode_clock_remove_scheduler_locked (clock, self->context);
  _mode_clock_unlock (clock);

  if (last)
    {
      g_assert (self->heap_len == 0);
      g_source_destroy (&self->source);
      g_source_unref (&self->source);
    }
}

gint64
_mode_scheduler_now (ModeScheduler *self)
{
  return scheduler_now (self);
}

ModeClock *
_mode_scheduler_get_clock (ModeScheduler *self)
{
  return self->clock;
}

/* Schedules @deadline at @due, moving it when it was scheduled already. */
void
_mode_scheduler_add (ModeScheduler *self,
                     ModeDeadline  *deadline,
                     gint64         due)
{
  heap_remove_deadline (self, deadline);

  deadline->due = due;
  deadline->order = self->added++;
  heap_insert (self, deadline);
}

void
_mode_scheduler_remove (ModeScheduler *self,
                        ModeDeadline  *deadline)
{
  heap_remove_deadline (self, deadline);
}

/* Puts the entry at @i down while a child comes before it; only the
 * deadlines that move learn their new position. */
static void
heap_sift_down (ModeScheduler *self,
                guint          i)
{
  HeapEntry entry = self->heap[i];
  guint start = i;

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= self->heap_len)
        break;
      if (child + 1 < self->heap_len &&
          entry_before (&self->heap[child + 1], &self->heap[child]))
        child++;
      if (!entry_before (&self->heap[child], &entry))
        break;
      heap_set (self, i, &self->heap[child]);
      i = child;
    }
  if (i != start)
    heap_set (self, i, &entry);
}

/* Takes every deadline of @group out at once, when @n, how many there
 * are, is enough of the heap for one pass over it to beat taking them
 * out one by one (each moving a hole down the heap, writing the position
 * of every deadline on the way: memory all over the place). The heap
 * entries carry the group: the deadlines taken out are not touched, and
 * keep a stale position until their owner forgets it
 * (_mode_deadline_forget()), which it must before it uses them with the
 * scheduler again. Returns FALSE, having done nothing, when the caller
 * should take them out one by one. */
gboolean
_mode_scheduler_remove_group (ModeScheduler *self,
                              gconstpointer  group,
                              guint          n)
{
  guint kept = 0;

  g_assert (group != NULL);

  if (n < 16 || n < self->heap_len / 8)
    return FALSE;

  for (guint i = 0; i < self->heap_len; i++)
    {
      if (self->heap[i].group == group)
        continue;
      if (kept != i)
        heap_set (self, kept, &self->heap[i]);
      kept++;
    }
  self->heap_len = kept;

  for (guint i = kept / 2; i-- > 0; )
    heap_sift_down (self, i);

  return TRUE;
}
