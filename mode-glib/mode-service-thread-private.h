/* mode-service-thread-private.h: what the units of ModeServiceThread share
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed. mode-service-thread.c owns the thread (launch, stop,
 * join, the keepalive, the delegate); mode-service-thread-calls.c owns
 * the calls into it (the queue, the sources that run it and wait for
 * it, call_async, call_finish, cast).
 */

#pragma once

#include "mode-destroy-private.h"
#include "mode-service-private.h"
#include "mode-service-thread.h"

G_BEGIN_DECLS

typedef enum
{
  THREAD_IDLE,       /* no thread */
  THREAD_LAUNCHING,  /* the thread starts the service */
  THREAD_RUNNING,    /* the service started in the thread */
  THREAD_STOPPING,   /* the thread stops the service, then ends */
} ThreadState;

typedef struct _ReplySpin ReplySpin;

typedef struct
{
  ModeThreadFunc  func;
  gpointer        user_data;
  ModeDestroy     destroy;      /* @user_data's, run where the call was made */
  GTask          *task;         /* (owned) (nullable): NULL for a cast */
  ReplySpin      *counted;      /* (nullable): the parent's, when it waits for this one */
} ThreadCall;

typedef struct
{
  GMainContext *parent_context;  /* (owned) */
  GMainContext *thread_context;  /* (owned) */
  gdouble       keepalive_timeout;
  gdouble       spin_time;
  guint         wait_for_thread : 1;

  /* Used in the parent context only. */
  ThreadState   state;
  GThread      *thread;          /* (owned) (nullable) */
  ModeOpKind    launch_kind;     /* read by the thread after its launch */
  GArray       *start_waiters;   /* (owned) (element-type ModeWaiter) */
  GArray       *stop_waiters;    /* (owned) (element-type ModeWaiter) */
  GArray       *next_waiters;    /* (owned) (element-type ModeWaiter): a restart after the stop */
  ModeOpKind    next_kind;       /* RESTART, or ENSURE when only a parent's restart asked */
  GSource      *keepalive_check; /* (owned) (nullable) */
  gint64        keepalive_usec;  /* the timeout, taken at the launch */
  GQueue        deferred;        /* (element-type Call): calls that wait for the thread's end */
  gint64        stalled_since;   /* 0 while the thread answers */
  guint         stalled_mark;    /* @keepalive_mark when the stall was reported */
  ReplySpin    *reply_spin;      /* (owned): attached to @parent_context */

  /* Used in the thread only, while it runs. */
  GMainLoop    *loop;            /* (owned) (nullable) */
  GSource      *keepalive_watch; /* (owned) (nullable) */
  GError       *stop_error;      /* (owned) (nullable) */

  /* Shared, under @lock. */
  GMutex        lock;
  GQueue        calls;           /* (element-type ThreadCall) */
  GSource      *drain;           /* (owned) (nullable): runs @calls, while serving */
  guint         drain_woken : 1; /* @drain was made ready and has not run yet */
  guint         accepting : 1;   /* calls are queued, not refused */
  guint         serving : 1;     /* the thread runs the calls */

  /* Written by the parent before the launch, then read by the thread. */
  gint64        keepalive_base;  /* monotonic time of the launch */

  /* Written by the thread at every iteration of its context (and by the
   * parent before the launch): on a cache line of its own, away from
   * @lock and the calls, which the parent takes for every call. */
  char          keepalive_pad_before[64];
  guint         keepalive_mark;  /* atomic: see mode-service-thread.c */
  char          keepalive_pad_after[64];
} ModeServiceThreadPrivate;

extern gint _mode_service_thread_private_offset;

#define GET_PRIV(self) \
  ((ModeServiceThreadPrivate *) G_STRUCT_MEMBER_P ((self), _mode_service_thread_private_offset))

/* seconds: a round trip on an idle machine is a few microseconds when
 * both sides are awake */
#define DEFAULT_SPIN_TIME 0.00005

GError *_mode_service_thread_stopped_error (ModeServiceThread *self);

/* mode-service-thread-calls.c */
void     _mode_thread_call_fail            (ModeServiceThread *self,
                                            ThreadCall        *call);
void     _mode_thread_serve                (ModeServiceThread *self);
void     _mode_thread_reply_spin_attach    (ModeServiceThread *self);
void     _mode_thread_reply_spin_set_time  (ModeServiceThread *self,
                                            gdouble            seconds);
void     _mode_thread_reply_spin_destroy   (ModeServiceThread *self);

G_END_DECLS
