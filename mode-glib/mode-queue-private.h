/* mode-queue-private.h: what the units of ModeQueue share: the
 * instance, its items and its waits (mode-queue.c holds the type and
 * the public calls, mode-queue-waits.c the ring of items, the waits and
 * the watch of the owner service's stop).
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#include "mode-queue.h"

G_BEGIN_DECLS

/* An item and what frees it: the queue's item_free, or _mode_queue_value_free() for
 * the GValues of the _value calls. */
typedef struct
{
  gpointer       data;
  GDestroyNotify destroy;
} Entry;

/* The task data of a wait. */
typedef struct
{
  GList      link;           /* in putters or getters, data = the task */
  GQueue    *list;           /* (unowned) (nullable): where it waits, under
                              * the mutex; NULL once taken out */
  Entry      entry;          /* push: the item to push; pop: the item popped */
  gboolean   has_entry;
  gboolean   is_push;
  GError    *error;          /* (owned) (nullable): how it ends, set when taken out */
  GSource   *cancel_source;  /* (owned) (nullable) */
} Waiter;

struct _ModeQueue
{
  GObject        parent_instance;

  GMutex         mutex;
  Entry         *ring;          /* (owned) (nullable): ring_size entries */
  guint          ring_size;     /* 0 or a power of 2 */
  guint          head;          /* index of the first item */
  guint          length;        /* items queued */
  GQueue         errors;        /* (element-type GError) (owned): thrown */
  GQueue         putters;       /* (element-type GTask): producers that wait, each owned */
  GQueue         getters;       /* (element-type GTask): consumers that wait, each owned */
  gboolean       paused;
  gboolean       watching;      /* a stop watch is armed, or asked for */

  /* set at construction */
  guint          capacity;      /* 0: none */
  GDestroyNotify item_free;     /* (nullable) */
  GWeakRef       service;       /* (element-type ModeService) */
  gboolean       has_service;
  GCancellable  *watch_cancellable; /* (owned) (nullable): ends the watch */
};

void     _mode_queue_value_free       (gpointer data);
void     _mode_queue_entry_free       (Entry *entry);
Entry    _mode_queue_entry_for_value  (const GValue *value);
void     _mode_queue_entry_to_value   (Entry *entry,
                                       GValue *value);
gboolean _mode_queue_has_room         (ModeQueue *self);
void     _mode_queue_ring_push        (ModeQueue *self,
                                       Entry *entry);
Entry    _mode_queue_ring_pop         (ModeQueue *self);
void     _mode_queue_ring_steal       (ModeQueue *self,
                                       Entry **ring,
                                       guint *length);
void     _mode_queue_pump_locked      (ModeQueue *self,
                                       GQueue *done);
void     _mode_queue_complete_waits   (GQueue *done);
GTask   *_mode_queue_wait_new         (ModeQueue *self,
                                       gboolean is_push,
                                       gpointer source_tag,
                                       const char *name,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
void     _mode_queue_wait_begin       (ModeQueue *self,
                                       GTask *task);

G_END_DECLS
