/* mode-service-internal.h: what the units of ModeService share
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed. ModeService is one lifecycle engine in several files,
 * each owning one concern:
 *
 *   mode-service.c         the type: properties, signals, GObject
 *   mode-service-calls.c   the public lifecycle calls (start, stop,
 *                          restart, maybe_start, wait_until_stopped):
 *                          where they begin, their answers, cancellation
 *   mode-service-engine.c  the operations: requests, the start, stop and
 *                          restart steps, the hooks
 *   mode-service-crash.c   crash marking and propagation, set_shutdown
 *   mode-service-tasks.c   tasks, timers, cleanups, the class registry,
 *                          the service's time
 *   mode-service-sleep.c   sleep and wait
 *   mode-service-deps.c    dependencies
 *   mode-service-diag.c    flags and describe()
 *
 * The subclasses of this library (ServiceThread, ServiceProxy,
 * Supervisor) use mode-service-private.h, never this header.
 */

#pragma once

#include "mode-enums.h"
#include "mode-error.h"
#include "mode-i18n.h"
#include "mode-service.h"
#include "mode-service-private.h"
#include "mode-clock-private.h"
#include "mode-scheduler-private.h"
#include "mode-destroy-private.h"
#include "mode-graph-private.h"
#include "mode-log-private.h"

G_BEGIN_DECLS

/* Types {{{ */

/* The hooks, described once so that one function can call any of them. */
typedef enum
{
  HOOK_FIRST_START,
  HOOK_START,
  HOOK_STARTED,
  HOOK_STOP,
  HOOK_SHUTDOWN,
  HOOK_RESTART,
  N_HOOKS
} Hook;

typedef gboolean (*SyncHook)  (ModeService *, GCancellable *, GError **);
typedef void     (*AsyncHook) (ModeService *, GCancellable *, GTask *);

typedef struct
{
  const char *name;
  gsize       sync_offset;
  gsize       async_offset;
} HookInfo;

extern const HookInfo _mode_service_hooks[N_HOOKS];

/* The operations, as mode-service-private.h names them for the
 * subclasses. A ModeOpDone is called once when an operation completes,
 * synchronously or not. */
typedef ModeOpKind OpKind;
#define OP_START   MODE_OP_START
#define OP_STOP    MODE_OP_STOP
#define OP_RESTART MODE_OP_RESTART
#define N_OPS      3

typedef struct _ModeOp ModeOp;

/* How an operation goes about its work. */
typedef enum
{
  OP_ENSURE_DEPS = 1 << 0,  /* start: the dependencies as MODE_OP_ENSURE */
  OP_CONTAIN     = 1 << 1,  /* start: a failure fails the caller, crashes nothing */
  OP_QUIET       = 1 << 2,  /* restart: no on_restart (a parent's restart) */
} OpFlags;

struct _ModeOp
{
  ModeService *self;        /* (owned) */
  OpKind       kind;
  guint        flags;       /* OpFlags */
  guint        step;
  guint        index;       /* position in the dependencies */
  guint        pending;     /* asynchronous work under way */
  Hook         waiting_hook; /* to call once no other hook is in flight */
  guint        deps_serial; /* stop: the dependencies it is stopping */
  guint        running : 1; /* inside op_run() */
  guint        stop_requested : 1; /* restart: a stop came; it does not start */
  guint        late_deps : 1; /* stop: stopping dependencies added late */
  guint        parallel_deps : 1; /* start: the dependencies were asked at once */
  GError      *error;       /* (owned) (nullable) */
  GPtrArray   *order;       /* (owned) (nullable) (element-type ModeService): stop:
                             * the dependencies to stop, from the last */
  ModeWaiter   first;
  GArray      *more;        /* (owned) (nullable) (element-type ModeWaiter) */
};

/* Records, kept by their thread for its next operations
 * (mode-service-ops.c): zeroed when given out */
ModeOp *_mode_op_alloc   (void);
void    _mode_op_release (ModeOp *op);

/* A request that waits for the operations in flight to end. */
typedef struct
{
  ModeOpKind request;
  ModeOpDone func;
  gpointer   data;
} Deferred;

/* What only some services use, allocated on first use. */
typedef struct
{
  GQueue            tasks;          /* (element-type TaskEntry): running tasks */
  GPtrArray        *task_defs;      /* (owned) (nullable) (element-type TaskDef) */
  GPtrArray        *timers;         /* (owned) (nullable) (element-type ModeTimer) */
  GArray           *cleanups;       /* (owned) (nullable) (element-type Cleanup) */
  GQueue            sleepers;       /* (element-type GTask): sleep and wait calls */
  GQueue            woken;          /* (element-type GTask) (owned): woken sleepers,
                                     * completed by an idle to come */
  guint             wake_epoch;     /* sleepers begun before the latest are woken */
  ModeOp           *waking_op;      /* (unowned) (nullable): a stop waiting for them */
  GHashTable       *flags;          /* (owned) (nullable): char * -> FlagState */
  ModeOp           *join_op;        /* (unowned) (nullable): stop waiting for the tasks */
  ModeDeadline      join_deadline;
  ModeDeadline      shutdown_deadline;
  GQueue            hook_waiters;   /* (element-type ModeOp): ops waiting to call a hook */
  GArray           *deferred;       /* (owned) (nullable) (element-type Deferred) */
  GError           *last_start_error; /* (owned) (nullable): see last_start_valid */
  ModeService      *owner;          /* (unowned) (nullable): _mode_service_set_owner() */
  GPtrArray        *stop_waiters;   /* (owned) (nullable) (element-type StopWaiter) */
  ModeOp           *shutdown_op;    /* (unowned) (nullable): stop waiting for set_shutdown */
  GPtrArray        *start_order;    /* (owned) (nullable) (element-type ModeService):
                                     * a parallel start's dependencies, in the
                                     * order their starts completed */
  guint             class_timers_made : 1;
} ServiceExtras;

typedef struct
{
  GMainContext     *context;        /* (owned) */
  const ModeServiceDelegate *delegate; /* (nullable): the class's, found once */
  ModeNode         *beacon;         /* (owned) */
  GPtrArray        *children;       /* (owned) (nullable) (element-type ModeService) */
  char             *label;          /* (owned) (nullable) */
  char             *shortlabel;     /* (owned) (nullable) */
  GError           *crash_reason;   /* (owned) (nullable) */
  GWeakRef          supervisor;     /* (element-type ModeSupervisor) */
  GCancellable     *cancellable;    /* (owned) (nullable) */
  ModeOp           *ops[N_OPS];     /* (unowned) (nullable): the ops in flight */
  ModeOp           *hook_op;        /* (unowned) (nullable): whose hook is in flight */
  GCancellable     *start_cancellable; /* (owned) (nullable): the start hooks' */
  gint              starts_undelivered; /* atomic: start calls answered, their
                                         * callbacks not run yet */
  ModeClock        *clock;          /* (owned) (nullable): NULL for the default */
  ModeScheduler    *scheduler;      /* (owned) (nullable): made on first use */
  ServiceExtras    *extras;         /* (owned) (nullable): made on first use */
  gdouble           shutdown_timeout;
  guint             restart_count;
  guint             mundane_level;
  guint             deps_serial;    /* changes when a dependency is added */
  guint             state : 4;      /* the ModeServiceState, without the crash flag */
  guint             started : 1;    /* a start began since the last reset */
  guint             stopped : 1;    /* the stop flag: stop began */
  guint             stop_done : 1;  /* the stop sequence completed */
  guint             crashed : 1;
  guint             shutdown : 1;   /* set_shutdown() was called */
  guint             wait_for_shutdown : 1;
  guint             first_start_done : 1;
  guint             run_hooked : 1;  /* a start hook of this run was reached:
                                      * the stop hooks run */
  guint             timers_running : 1;
  guint             last_start_valid : 1; /* no op began since the last start
                                           * ended (extras->last_start_error) */
  guint             parallel_start : 1; /* MODE_DEPENDENCY_START_PARALLEL */
} ModeServicePrivate;

/* }}} */

/* The instance, its properties and signals (mode-service.c) {{{ */

extern gint _mode_service_private_offset;

#define GET_PRIV(self) \
  ((ModeServicePrivate *) G_STRUCT_MEMBER_P ((self), _mode_service_private_offset))

/* The class's delegate (mode-service-private.h), found at construction. */
#define SERVICE_DELEGATE(self) (GET_PRIV (self)->delegate)

/* The service that holds @self's state: another one for a proxy. */
static inline ModeService *
service_resolve (ModeService *self)
{
  const ModeServiceDelegate *delegate = SERVICE_DELEGATE (self);

  if (G_UNLIKELY (delegate != NULL && delegate->resolve != NULL))
    return delegate->resolve (self);

  return self;
}

/* @self's place in the beacon tree: a proxy's is its service's, as in
 * Mode, so that the proxy adds no level to the tree. */
#define SERVICE_BEACON(self) (GET_PRIV (service_resolve (self))->beacon)

enum {
  PROP_0,
  PROP_STATE,
  PROP_STARTED,
  PROP_CRASHED,
  PROP_SHOULD_STOP,
  PROP_CRASH_REASON,
  PROP_RESTART_COUNT,
  PROP_LABEL,
  PROP_SHORTLABEL,
  PROP_WAIT_FOR_SHUTDOWN,
  PROP_SHUTDOWN_TIMEOUT,
  PROP_MAIN_CONTEXT,
  PROP_BEACON,
  PROP_SUPERVISOR,
  PROP_MUNDANE_LEVEL,
  PROP_CLOCK,
  PROP_START_DEPENDENCIES,
  N_PROPS
};

enum {
  STARTED,
  STOPPED,
  CRASHED,
  N_SIGNALS
};

extern GParamSpec *_mode_service_properties[N_PROPS];
extern guint       _mode_service_signals[N_SIGNALS];

/* Notifies a property. GObject (2.74 on 64-bit) returns at once when the
 * object never had a "notify" handler, which is the case of most
 * services; a check of our own (a signal handler lookup) cost more. */
static inline void
notify_property (ModeService *self,
                 guint        prop_id)
{
  g_object_notify_by_pspec ((GObject *) self, _mode_service_properties[prop_id]);  /* hot: no checked cast */
}

static inline ModeServiceState
derived_state (ModeServicePrivate *priv)
{
  return priv->crashed ? MODE_SERVICE_STATE_CRASHED : priv->state;
}

/* Started or starting: a start began since the last reset (the
 * `started` bit), and it was not told to stop. */
static inline gboolean
service_is_up (ModeServicePrivate *priv)
{
  return priv->started && !priv->stopped && !priv->crashed;
}

/* Told to stop: its stop began, or it crashed. */
static inline gboolean
service_should_stop (ModeServicePrivate *priv)
{
  return priv->stopped || priv->crashed;
}

/* Is the caller running where the service lives? */
static inline gboolean
service_in_context (ModeService *self)
{
  return _mode_context_is_current (GET_PRIV (self)->context);
}

static inline GCancellable *
service_get_cancellable (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (priv->cancellable == NULL)
    priv->cancellable = g_cancellable_new ();
  return priv->cancellable;
}

ServiceExtras *_mode_service_extras_new (ModeService *self);

static inline ServiceExtras *
service_get_extras (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (G_UNLIKELY (priv->extras == NULL))
    return _mode_service_extras_new (self);
  return priv->extras;
}

/* Logs in the service's name: its label and "[^--Label]: " prefix. */
void _mode_service_logv (ModeService    *self,
                         GLogLevelFlags  level,
                         const char     *format,
                         va_list         args) G_GNUC_PRINTF (3, 0);

#define service_log _mode_service_log

/* }}} */

/* A task that runs (mode-service-tasks.c; mode-service-diag.c describes
 * them) */
typedef struct
{
  GList           link;        /* in ServiceExtras.tasks, data = the entry */
  ModeService    *self;        /* (owned): the entry may outlive its GTask */
  GTask          *task;        /* (unowned): its task, while watched */
  gint64          started_at;  /* on the service's clock */
  ModeDestroy     destroy;     /* the function's data, freed where it was given */
  gboolean        abandoned;   /* the stop gave up on it: not in the list */
  ModeTimer      *timer;       /* (owned) (nullable): an asynchronous timer's tick */
  guint64         timer_run;   /* the timer's run that the tick belongs to */
  char            name[];      /* in the entry's own allocation */
} TaskEntry;

/* GTasks handed to user code (mode-service-tasks.c) {{{
 *
 * A GTask handed to user code carries the engine's record as its task
 * data, with a destroy notify that GTask calls when it finalizes the
 * task: called while the task is finalized (no reference left) and the
 * record still there, the task was never completed (its completion takes
 * the record back). The notify is also called when user code sets task
 * data of its own, with references left: the record is then only no
 * longer watched. Cheaper than a weak reference or qdata, which each
 * allocate per task.
 */

static inline gboolean
task_is_finalizing (GTask *task)
{
  return g_atomic_int_get (&((GObject *) task)->ref_count) == 0;  /* no checked cast: hot */
}

static inline void
task_unwatch (GTask    *task,
              gpointer  record)
{
  /* the notify sees references left: it does nothing; task data that
   * user code set in place of the record is left to the task */
  if (g_task_get_task_data (task) == record)
    g_task_set_task_data (task, NULL, NULL);
}

/* }}} */

/* The engine (mode-service-engine.c) {{{ */

/* The engine's answer, in the service's context (unchecked: what
 * _mode_service_engine_request() is for the subclasses). */
void     _mode_engine_request          (ModeService  *self,
                                        ModeOpKind    request,
                                        ModeOpDone    func,
                                        gpointer      data);
void     _mode_op_continue             (ModeOp       *op);
gboolean _mode_op_has_waiter           (ModeOp       *op,
                                        gpointer      data);
void     _mode_op_nothing              (ModeService  *self,
                                        const GError *error,
                                        gpointer      data);
void     _mode_service_set_state       (ModeService      *self,
                                        ModeServiceState  state);
void     _mode_service_class_init_hooks (ModeServiceClass *klass);

/* Asks @request of a service that may run its lifecycle elsewhere (a
 * ModeServiceThread, a ModeServiceProxy): its class's delegate decides
 * where, and comes back with _mode_service_engine_request(). This is
 * the one way an operation is asked of a service; the engine's answer,
 * _mode_engine_request(), is the other, where the service lives. */
static inline void
service_request (ModeService *self,
                 ModeOpKind   request,
                 ModeOpDone   func,
                 gpointer     data)
{
  const ModeServiceDelegate *delegate = SERVICE_DELEGATE (self);

  if (G_UNLIKELY (delegate != NULL))
    delegate->begin (self, request, func, data);
  else
    _mode_engine_request (self, request, func, data);
}

/* }}} */

/* The public calls (mode-service-calls.c) {{{ */

void _mode_service_run_in_context    (ModeService    *self,
                                      GSourceFunc     func,
                                      gpointer        data,
                                      GDestroyNotify  destroy);
void _mode_service_wake_stop_waiters (ModeService    *self);

/* }}} */

/* Crashes (mode-service-crash.c) {{{ */

void _mode_service_mark_crashed (ModeService  *self,
                                 const GError *reason);

/* }}} */

/* Tasks, timers, cleanups, time (mode-service-tasks.c) {{{ */

ModeScheduler *_mode_service_get_scheduler (ModeService *self);
gint64         _mode_service_now           (ModeService *self);
gint64         _mode_service_deadline      (ModeService *self,
                                            gdouble      seconds);
void           _mode_service_schedule      (ModeService  *self,
                                            ModeDeadline *deadline,
                                            gint64        due);
void           _mode_service_start_work    (ModeService *self);
void           _mode_service_stop_timers   (ModeService *self);
void           _mode_service_detach_timers (ModeService *self);
void           _mode_service_join_tasks    (ModeOp      *op);
void           _mode_service_run_cleanups  (ModeService *self);
void           _mode_service_extras_free   (ServiceExtras *extras);

/* }}} */

/* Sleep and wait (mode-service-sleep.c) {{{ */

void _mode_service_wake_sleepers (ModeService *self);

/* }}} */

/* What the layers below learn of services (mode-service-diag.c) {{{ */

const char *_mode_service_node_label       (GObject             *object);
gboolean    _mode_service_graph_attributes (GObject             *object,
                                            gboolean             with_state,
                                            ModeGraphAttributes *attrs);

/* }}} */

/* Parallel start (mode-service-parallel.c) {{{ */

void       _mode_op_start_dependencies_at_once (ModeOp     *op,
                                                ModeOpKind  request,
                                                ModeOpDone  child_done);
gboolean   _mode_op_start_unwind_next          (ModeOp     *op);
GPtrArray *_mode_service_stop_order            (ModeService *self);

/* }}} */

/* Dependencies (mode-service-deps.c) {{{ */

void _mode_service_add_init_dependencies (ModeService *self);

/* }}} */

G_END_DECLS
