/* mode-service.c: the lifecycle engine
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-enums.h"
#include "mode-error.h"
#include "mode-i18n.h"
#include "mode-service.h"
#include "mode-service-private.h"
#include "mode-clock-private.h"
#include "mode-destroy-private.h"
#include "mode-timer-private.h"

/**
 * SECTION:mode-service
 * @Title: ModeService
 * @Short_description: a service that is started, stopped and restarted
 *   with the services it depends on
 *
 * A #ModeService is a piece of a program with a lifecycle: it is started,
 * runs, and is stopped, together with the services it depends on. A
 * program is a tree of services: mode_service_add_dependency() makes one
 * service part of another, so that starting the root starts the whole
 * tree in order and stopping it stops everything in reverse order.
 *
 * Subclasses override the hooks of #ModeServiceClass. Starting runs, in
 * this order: on the first start only, the services returned by
 * @on_init_dependencies are added and @on_first_start runs; then
 * "Starting..." is logged, @on_start runs, the dependencies start one by
 * one in the order they were added, @on_started runs, and the service is
 * %MODE_SERVICE_STATE_RUNNING. Stopping logs "Stopping...", sets
 * #ModeService:should-stop, runs @on_stop, stops the dependencies in
 * reverse order, waits for mode_service_set_shutdown() when
 * #ModeService:wait-for-shutdown is set, cancels the service's work and
 * runs @on_shutdown.
 *
 * Every service belongs to the #GMainContext that was the thread-default
 * one when it was made (#ModeService:main-context). Its hooks and signals
 * run there; the asynchronous calls may be made from any thread and
 * complete in the caller's thread-default context, as GIO's do.
 *
 * A service that fails, or that mode_service_crash() is called on, is
 * crashed: when it has a #ModeService:supervisor, the supervisor is told
 * and decides what to do; otherwise the whole tree it belongs to is
 * marked crashed, so that the program as a whole stops.
 *
 * |[<!-- language="C" -->
 * struct _MyCache
 * {
 *   ModeService parent_instance;
 *   GHashTable *entries;
 * };
 *
 * G_DEFINE_FINAL_TYPE (MyCache, my_cache, MODE_TYPE_SERVICE)
 *
 * static gboolean
 * my_cache_on_start (ModeService   *service,
 *                    GCancellable  *cancellable,
 *                    GError       **error)
 * {
 *   MyCache *self = MY_CACHE (service);
 *
 *   self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
 *   return TRUE;
 * }
 *
 * static void
 * my_cache_class_init (MyCacheClass *klass)
 * {
 *   MODE_SERVICE_CLASS (klass)->on_start = my_cache_on_start;
 * }
 * ]|
 */

/**
 * ModeService:
 *
 * A service with a lifecycle.
 *
 * Since: 0.1
 */

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

/* The operations, as mode-service-private.h names them for the
 * subclasses. A ModeOpDone is called once when an operation completes,
 * synchronously or not. */
typedef ModeOpKind OpKind;
#define OP_START   MODE_OP_START
#define OP_STOP    MODE_OP_STOP
#define OP_RESTART MODE_OP_RESTART
#define N_OPS      3

typedef struct _ModeOp ModeOp;

typedef struct
{
  ModeOpDone func;
  gpointer   data;
} ModeWaiter;

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
  GError      *error;       /* (owned) (nullable) */
  ModeWaiter   first;
  GArray      *more;        /* (owned) (nullable) (element-type ModeWaiter) */
};

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
  GPtrArray        *waking;         /* (owned) (nullable) (element-type GTask): woken
                                     * sleepers, completed by an idle to come */
  ModeOp           *waking_op;      /* (unowned) (nullable): a stop waiting for them */
  GHashTable       *flags;          /* (owned) (nullable): char * -> FlagState */
  ModeOp           *join_op;        /* (unowned) (nullable): stop waiting for the tasks */
  ModeDeadline      join_deadline;
  ModeDeadline      shutdown_deadline;
  GQueue            hook_waiters;   /* (element-type ModeOp): ops waiting to call a hook */
  GArray           *deferred;       /* (owned) (nullable) (element-type Deferred) */
  GError           *last_start_error; /* (owned) (nullable): see last_start_valid */
  guint             class_timers_made : 1;
} ServiceExtras;

typedef struct
{
  GMainContext     *context;        /* (owned) */
  ModeNode         *beacon;         /* (owned) */
  GPtrArray        *children;       /* (owned) (nullable) (element-type ModeService) */
  char             *label;          /* (owned) (nullable) */
  char             *shortlabel;     /* (owned) (nullable) */
  GError           *crash_reason;   /* (owned) (nullable) */
  ModeService      *supervisor;     /* (unowned) (nullable): weak pointer */
  GCancellable     *cancellable;    /* (owned) (nullable) */
  ModeOp           *ops[N_OPS];     /* (unowned) (nullable): the ops in flight */
  ModeOp           *hook_op;        /* (unowned) (nullable): whose hook is in flight */
  GCancellable     *start_cancellable; /* (owned) (nullable): the start hooks' */
  gint              starts_undelivered; /* atomic: start calls answered, their
                                         * callbacks not run yet */
  GPtrArray        *stop_waiters;   /* (owned) (nullable) (element-type StopWaiter) */
  ModeOp           *shutdown_op;    /* (unowned) (nullable): stop waiting for set_shutdown */
  ModeClock        *clock;          /* (owned) (nullable): NULL for the default */
  ModeScheduler    *scheduler;      /* (owned) (nullable): made on first use */
  ServiceExtras    *extras;         /* (owned) (nullable): made on first use */
  gdouble           shutdown_timeout;
  guint             restart_count;
  guint             mundane_level;
  guint             deps_serial;    /* changes when a dependency is added */
  guint             state : 4;      /* the ModeServiceState, without the crash flag */
  guint             started : 1;
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
} ModeServicePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (ModeService, mode_service, G_TYPE_OBJECT)

#define GET_PRIV(self) ((ModeServicePrivate *) mode_service_get_instance_private (self))

/* The class's delegate, kept in the first reserved slot of the class
 * structure so that every subclass, a binding's too, inherits it. */
#define SERVICE_DELEGATE(self) \
  ((const ModeServiceDelegate *) MODE_SERVICE_GET_CLASS (self)->_reserved[0])

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
  N_PROPS
};

enum {
  STARTED,
  STOPPED,
  CRASHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const struct {
  const char *name;
  gsize       sync_offset;
  gsize       async_offset;
} hooks[N_HOOKS] = {
  [HOOK_FIRST_START] = { "on_first_start",
                         G_STRUCT_OFFSET (ModeServiceClass, on_first_start),
                         G_STRUCT_OFFSET (ModeServiceClass, on_first_start_async) },
  [HOOK_START]       = { "on_start",
                         G_STRUCT_OFFSET (ModeServiceClass, on_start),
                         G_STRUCT_OFFSET (ModeServiceClass, on_start_async) },
  [HOOK_STARTED]     = { "on_started",
                         G_STRUCT_OFFSET (ModeServiceClass, on_started),
                         G_STRUCT_OFFSET (ModeServiceClass, on_started_async) },
  [HOOK_STOP]        = { "on_stop",
                         G_STRUCT_OFFSET (ModeServiceClass, on_stop),
                         G_STRUCT_OFFSET (ModeServiceClass, on_stop_async) },
  [HOOK_SHUTDOWN]    = { "on_shutdown",
                         G_STRUCT_OFFSET (ModeServiceClass, on_shutdown),
                         G_STRUCT_OFFSET (ModeServiceClass, on_shutdown_async) },
  [HOOK_RESTART]     = { "on_restart",
                         G_STRUCT_OFFSET (ModeServiceClass, on_restart),
                         G_STRUCT_OFFSET (ModeServiceClass, on_restart_async) },
};

static void op_run      (ModeOp      *op);
static inline void service_begin (ModeService *self,
                                  ModeOpKind   kind,
                                  ModeOpDone   func,
                                  gpointer     data);
static void mark_crashed (ModeService  *self,
                          const GError *reason);

/* Logging {{{ */

static void
service_log (ModeService    *self,
             GLogLevelFlags  level,
             const char     *format,
             ...) G_GNUC_PRINTF (3, 4);

/* The most verbose level the worker's log writer shows, or 0 when the
 * worker did not install one. */
static gint log_threshold;

void
_mode_log_set_threshold (GLogLevelFlags level)
{
  g_atomic_int_set (&log_threshold, (gint) level);
}

/* GLib's default writer reads G_MESSAGES_DEBUG from the environment
 * each time it is asked whether it would drop a line: a fifth of the
 * cost of a start and a third of a stop's, for their routine lines.
 * So it is asked once for all the steps of operations run in-line from
 * one outermost step (the start of a whole tree, say), in the thread
 * that runs them. */
typedef struct
{
  guint depth;      /* op_run()s in progress in this thread */
  gint8 wanted[2];  /* info, debug lines: -1 not asked yet */
} LogBatch;

static GPrivate log_batch_key = G_PRIVATE_INIT (g_free);

static LogBatch *
log_batch_enter (void)
{
  LogBatch *batch = g_private_get (&log_batch_key);

  if (G_UNLIKELY (batch == NULL))
    {
      batch = g_new0 (LogBatch, 1);
      batch->wanted[0] = batch->wanted[1] = -1;
      g_private_set (&log_batch_key, batch);
    }
  batch->depth++;

  return batch;
}

static void
log_batch_leave (LogBatch *batch)
{
  if (--batch->depth == 0)
    batch->wanted[0] = batch->wanted[1] = -1;
}

/* Routine lines (info, debug) are made only when they will be shown:
 * by the worker's writer at its level, or by GLib's default writer
 * (G_MESSAGES_DEBUG, g_log_set_debug_enabled()). Formatting them for
 * nobody was most of the cost of a start. */
static inline gboolean
log_wanted (GLogLevelFlags level)
{
  LogBatch *batch;
  gint threshold;
  guint i;

  if ((level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) == 0)
    return TRUE;

  threshold = g_atomic_int_get (&log_threshold);
  if (threshold != 0)
    return (gint) (level & G_LOG_LEVEL_MASK) <= threshold;

  batch = g_private_get (&log_batch_key);
  if (batch == NULL || batch->depth == 0)
    return !g_log_writer_default_would_drop (level, G_LOG_DOMAIN);

  i = (level & G_LOG_LEVEL_DEBUG) != 0;
  if (batch->wanted[i] < 0)
    batch->wanted[i] = !g_log_writer_default_would_drop (level, G_LOG_DOMAIN);
  return batch->wanted[i];
}

static void service_logv (ModeService    *self,
                          GLogLevelFlags  level,
                          const char     *format,
                          va_list         args) G_GNUC_PRINTF (3, 0);

static void
service_logv (ModeService    *self,
              GLogLevelFlags  level,
              const char     *format,
              va_list         args)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  char buffer[512];
  g_autofree char *heap = NULL;
  const char *label = mode_service_get_label (self);
  const char *shortlabel;
  gsize shortlabel_len;
  guint depth;
  gsize prefix;
  int length;
  va_list copy;
  GLogField fields[4] = {
    { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 },
    { "MESSAGE", NULL, -1 },
    { "PRIORITY", NULL, -1 },
    { "MODE_SERVICE", label, -1 },
  };

  if (!log_wanted (level))
    return;

  /* "[^--Label]: message", one dash per depth, made on the stack when
   * it fits (it nearly always does) */
  depth = mode_node_get_depth (priv->beacon);
  shortlabel = mode_service_get_shortlabel (self);
  shortlabel_len = strlen (shortlabel);
  if (depth <= 80 && depth + shortlabel_len + 6 <= sizeof buffer)
    {
      /* copied rather than printed: a crash's line is made while the
       * supervisor waits to restart the service */
      char *p = buffer;

      *p++ = '[';
      *p++ = '^';
      memset (p, '-', depth);
      p += depth;
      memcpy (p, shortlabel, shortlabel_len);
      p += shortlabel_len;
      *p++ = ']';
      *p++ = ':';
      *p++ = ' ';
      *p = '\0';
      prefix = (gsize) (p - buffer);
    }
  else
    {
      /* a label too long for the stack buffer, or deeper than 80: then
       * say how deep rather than draw the dashes */
      if (depth <= 80)
        g_snprintf (buffer, sizeof buffer, "[^%.*s%s]: ", (int) depth,
                    "--------------------------------------------------------------------------------",
                    shortlabel);
      else
        g_snprintf (buffer, sizeof buffer, "[^(%u)%s]: ", depth, shortlabel);
      prefix = strlen (buffer);
    }

  va_copy (copy, args);
  length = g_vsnprintf (buffer + prefix, sizeof buffer - prefix, format, copy);
  va_end (copy);
  if (length < 0 || prefix + 1 >= sizeof buffer || (gsize) length >= sizeof buffer - prefix)
    {
      g_autofree char *message = g_strdup_vprintf (format, args);

      buffer[prefix] = '\0';
      heap = g_strconcat (buffer, message, NULL);
    }

  fields[1].value = heap != NULL ? heap : buffer;
  switch ((int) (level & G_LOG_LEVEL_MASK))
    {
    case G_LOG_LEVEL_ERROR:    fields[2].value = "3"; break;
    case G_LOG_LEVEL_CRITICAL: fields[2].value = "4"; break;
    case G_LOG_LEVEL_WARNING:  fields[2].value = "4"; break;
    case G_LOG_LEVEL_MESSAGE:  fields[2].value = "5"; break;
    case G_LOG_LEVEL_INFO:     fields[2].value = "6"; break;
    case G_LOG_LEVEL_DEBUG:    fields[2].value = "7"; break;
    default:                   fields[2].value = "5"; break;
    }

  g_log_structured_array (level, fields, G_N_ELEMENTS (fields));
}

static void
service_log (ModeService    *self,
             GLogLevelFlags  level,
             const char     *format,
             ...)
{
  va_list args;

  va_start (args, format);
  service_logv (self, level, format, args);
  va_end (args);
}

void
_mode_service_log (ModeService    *self,
                   GLogLevelFlags  level,
                   const char     *format,
                   ...)
{
  va_list args;

  g_return_if_fail (MODE_IS_SERVICE (self));

  va_start (args, format);
  service_logv (self, level, format, args);
  va_end (args);
}

static GError *
hook_failed_error (ModeService *self,
                   const char  *hook)
{
  return g_error_new (MODE_ERROR, MODE_ERROR_FAILED,
                      _("Service %s: %s failed without saying why"),
                      mode_service_get_label (self), hook);
}

/* }}} */

/* State {{{ */

/* Notifies a property. GObject (2.74 on 64-bit) returns at once when the
 * object never had a "notify" handler, which is the case of most
 * services; a check of our own (a signal handler lookup) cost more. */
static inline void
notify_property (ModeService *self,
                 GParamSpec  *pspec)
{
  /* GObject (2.74) itself returns at once when nothing listens */
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static ModeServiceState
derived_state (ModeServicePrivate *priv)
{
  return priv->crashed ? MODE_SERVICE_STATE_CRASHED : priv->state;
}

static void
set_state (ModeService      *self,
           ModeServiceState  state)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeServiceState old = derived_state (priv);

  priv->state = state;
  if (derived_state (priv) != old)
    notify_property (self, properties[PROP_STATE]);
}

static gboolean
service_should_stop (ModeServicePrivate *priv)
{
  return priv->stopped || priv->crashed;
}

static GCancellable *
service_get_cancellable (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (priv->cancellable == NULL)
    priv->cancellable = g_cancellable_new ();
  return priv->cancellable;
}

/* A wait_until_stopped call: answered once, by the stop (in the
 * service's context) or by its cancellable (in the caller's). */
typedef struct
{
  GTask   *task;           /* (owned) */
  GSource *cancel_source;  /* (owned) (nullable): in the caller's context */
  gint     refs;           /* atomic: the list's, the source's */
  gint     answered;       /* atomic */
} StopWaiter;

static void
stop_waiter_unref (gpointer data)
{
  StopWaiter *waiter = data;

  if (!g_atomic_int_dec_and_test (&waiter->refs))
    return;
  g_clear_pointer (&waiter->cancel_source, g_source_unref);
  g_object_unref (waiter->task);
  g_free (waiter);
}

static gboolean
stop_waiter_claim (StopWaiter *waiter)
{
  if (!g_atomic_int_compare_and_exchange (&waiter->answered, FALSE, TRUE))
    return FALSE;
  if (waiter->cancel_source != NULL)
    g_source_destroy (waiter->cancel_source);
  return TRUE;
}

static void
wake_stop_waiters (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&priv->stop_waiters);

  if (waiters == NULL)
    return;

  for (guint i = 0; i < waiters->len; i++)
    {
      StopWaiter *waiter = g_ptr_array_index (waiters, i);

      if (stop_waiter_claim (waiter))
        g_task_return_boolean (waiter->task, TRUE);
    }
}

/* Is the caller running where @context is dispatched: its thread-default
 * context, or one it owns? */
gboolean
_mode_context_is_current (GMainContext *context)
{
  GMainContext *current = g_main_context_get_thread_default ();

  if (current == NULL)
    current = g_main_context_default ();

  return current == context || g_main_context_is_owner (context);
}

/* Is the caller running where the service lives? */
static gboolean
service_in_context (ModeService *self)
{
  return _mode_context_is_current (GET_PRIV (self)->context);
}

/* }}} */

/* Background work {{{ */

static void op_continue (ModeOp *op);

typedef struct
{
  char           *name;
  ModeTaskFunc    func;
  gpointer        user_data;
  ModeDestroy     destroy;
} TaskDef;

typedef struct
{
  char           *name;
  gdouble         interval;
  ModeTimerFunc   func;
  gpointer        user_data;
  GDestroyNotify  destroy;
} TimerDef;

typedef struct
{
  GList           link;        /* in ServiceExtras.tasks, data = the entry */
  ModeService    *self;        /* (owned): the entry may outlive its GTask */
  GTask          *task;        /* (unowned): its task, while watched */
  char           *name;        /* (owned) */
  gint64          started_at;  /* on the service's clock */
  ModeDestroy     destroy;     /* the function's data, freed where it was given */
  gboolean        abandoned;   /* the stop gave up on it: not in the list */
} TaskEntry;

typedef struct
{
  ModeCleanupFunc func;
  gpointer        user_data;
  ModeDestroy     destroy;
} Cleanup;

typedef struct
{
  gint64   last_transition;
  gboolean set;
} FlagState;

static void
task_def_free (gpointer data)
{
  TaskDef *def = data;

  _mode_destroy_run (&def->destroy);
  g_free (def->name);
  g_free (def);
}

static ServiceExtras *
service_get_extras (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (G_UNLIKELY (priv->extras == NULL))
    priv->extras = g_new0 (ServiceExtras, 1);
  return priv->extras;
}

static ModeScheduler *
service_get_scheduler (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (G_UNLIKELY (priv->scheduler == NULL))
    priv->scheduler = _mode_scheduler_ref (priv->clock, priv->context);
  return priv->scheduler;
}

static gint64
service_now (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  return mode_clock_get_time (priv->clock != NULL ? priv->clock : mode_clock_get_default ());
}

/* The time @seconds from now on the service's clock; a time beyond what
 * microseconds count (infinity too) is never: G_MAXINT64. */
static gint64
service_deadline (ModeService *self,
                  gdouble      seconds)
{
  gint64 now = service_now (self);

  if (!(seconds * G_USEC_PER_SEC < (gdouble) (G_MAXINT64 - now)))
    return G_MAXINT64;
  return now + (gint64) (seconds * G_USEC_PER_SEC + 0.5);
}

/* Arms @deadline at @due, unless that is never. */
static void
service_schedule (ModeService  *self,
                  ModeDeadline *deadline,
                  gint64        due)
{
  if (due != G_MAXINT64)
    _mode_scheduler_add (service_get_scheduler (self), deadline, due);
}

/* The class registries of tasks and timers, by GType. Bindings register
 * after class_init, so they are read at start time, along the chain of
 * types from ModeService down. */
G_LOCK_DEFINE_STATIC (class_registry);
static GHashTable *class_tasks;    /* GType -> GPtrArray of TaskDef */
static GHashTable *class_timers;   /* GType -> GPtrArray of TimerDef */

static void
class_registry_add (GHashTable **table,
                    GType        type,
                    gpointer     def)
{
  GPtrArray *defs;

  G_LOCK (class_registry);
  if (*table == NULL)
    *table = g_hash_table_new (NULL, NULL);
  defs = g_hash_table_lookup (*table, GSIZE_TO_POINTER (type));
  if (defs == NULL)
    {
      defs = g_ptr_array_new ();
      g_hash_table_insert (*table, GSIZE_TO_POINTER (type), defs);
    }
  g_ptr_array_add (defs, def);
  G_UNLOCK (class_registry);
}

/* Collects the definitions of @type and its ancestors, base first. The
 * definitions live as long as the process: classes are never freed. */
static GPtrArray *
class_registry_collect (GHashTable *table,
                        GType       type)
{
  GPtrArray *ret = NULL;
  GType stack[32];
  g_autofree GType *heap = NULL;
  GType *chain = stack;
  guint depth = 0;

  if (table == NULL || g_hash_table_size (table) == 0)
    return NULL;

  /* from @type up to ModeService, both included */
  if (g_type_depth (type) > G_N_ELEMENTS (stack))
    chain = heap = g_new (GType, g_type_depth (type));
  for (GType t = type; t != MODE_TYPE_SERVICE && t != 0; t = g_type_parent (t))
    chain[depth++] = t;
  chain[depth++] = MODE_TYPE_SERVICE;

  G_LOCK (class_registry);
  for (guint i = depth; i > 0; i--)
    {
      GPtrArray *defs = g_hash_table_lookup (table, GSIZE_TO_POINTER (chain[i - 1]));

      if (defs == NULL)
        continue;
      if (ret == NULL)
        ret = g_ptr_array_new ();
      for (guint j = 0; j < defs->len; j++)
        g_ptr_array_add (ret, g_ptr_array_index (defs, j));
    }
  G_UNLOCK (class_registry);

  return ret;
}

static void
task_entry_free (TaskEntry *entry)
{
  g_free (entry->name);
  _mode_destroy_run (&entry->destroy);
  g_object_unref (entry->self);
  g_free (entry);
}

/* A GTask handed to user code carries the engine's record as its task
 * data, with a destroy notify that GTask calls when it finalizes the
 * task: called while the task is finalized (no reference left) and the
 * record still there, the task was never completed (its completion takes
 * the record back). The notify is also called when user code sets task
 * data of its own, with references left: the record is then only no
 * longer watched. Cheaper than a weak reference or qdata, which each
 * allocate per task. */
static inline gboolean
task_is_finalizing (GTask *task)
{
  return g_atomic_int_get (&G_OBJECT (task)->ref_count) == 0;
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

static void
join_finished (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = priv->extras;
  ModeOp *op = g_steal_pointer (&extras->join_op);

  _mode_scheduler_remove (service_get_scheduler (self), &extras->join_deadline);
  op_continue (op);
}

/* A task ended: a stop may be waiting for the last one. */
static void
task_ended (ModeService *self)
{
  ServiceExtras *extras = GET_PRIV (self)->extras;

  if (extras->join_op != NULL && extras->tasks.length == 0)
    join_finished (self);
}

static void task_entry_dropped (gpointer data);

static void
task_entry_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      data)
{
  ModeService *self = MODE_SERVICE (object);
  ModeServicePrivate *priv = GET_PRIV (self);
  TaskEntry *entry = data;
  g_autoptr(GError) error = NULL;
  gboolean abandoned = entry->abandoned;

  task_unwatch (G_TASK (result), entry);
  if (!abandoned)
    g_queue_unlink (&priv->extras->tasks, &entry->link);

  /* A task of a stopping service is cancelled: its end is no error, and
   * nothing is gained by making the (translated) error to say so. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    ;
  else if (g_task_had_error (G_TASK (result)))
    {
      g_task_propagate_boolean (G_TASK (result), &error);
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          service_log (self, G_LOG_LEVEL_MESSAGE, "Task %s failed: %s",
                       entry->name, error->message);
          /* one the stop gave up on belongs to a run that is over */
          if (!abandoned)
            mode_service_crash (self, error);
        }
    }

  task_entry_free (entry);

  if (!abandoned)
    task_ended (self);
}

static gboolean
task_entry_dropped_in_context (gpointer data)
{
  TaskEntry *entry = data;
  ModeService *self = g_object_ref (entry->self);
  ModeServicePrivate *priv = GET_PRIV (self);

  if (entry->abandoned)
    {
      task_entry_free (entry);
      g_object_unref (self);
      return G_SOURCE_REMOVE;
    }

  g_queue_unlink (&priv->extras->tasks, &entry->link);
  if (priv->cancellable != NULL && g_cancellable_is_cancelled (priv->cancellable))
    {
      /* the stop cancelled it: it ends, if not the way it should */
      service_log (self, G_LOG_LEVEL_MESSAGE,
                   "Task %s was dropped without being completed", entry->name);
    }
  else
    {
      g_autoptr(GError) error =
        g_error_new (MODE_ERROR, MODE_ERROR_FAILED,
                     _("Service %s: task %s was dropped without being completed"),
                     mode_service_get_label (self), entry->name);

      service_log (self, G_LOG_LEVEL_MESSAGE, "Task %s failed: %s", entry->name, error->message);
      mode_service_crash (self, error);
    }

  task_entry_free (entry);
  task_ended (self);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

/* The task's GTask was finalized and never completed (a task function
 * that lost it, or one of a binding that raised): the task failed, now. */
static void
task_entry_dropped (gpointer data)
{
  TaskEntry *entry = data;
  ModeService *self = entry->self;

  if (!task_is_finalizing (entry->task))
    return;  /* its completion, or user code's task data: not a drop */

  if (service_in_context (self))
    task_entry_dropped_in_context (entry);
  else
    g_main_context_invoke (GET_PRIV (self)->context, task_entry_dropped_in_context, entry);
}

static GTask *
task_entry_new (ModeService    *self,
                const char     *name,
                gpointer        user_data,
                GDestroyNotify  destroy)
{
  ServiceExtras *extras = service_get_extras (self);
  TaskEntry *entry = g_new (TaskEntry, 1);
  GTask *task;

  entry->link.data = entry;
  entry->link.prev = entry->link.next = NULL;
  entry->self = g_object_ref (self);
  entry->name = g_strdup (name != NULL ? name : "task");
  entry->started_at = service_now (self);
  _mode_destroy_init (&entry->destroy, destroy, user_data, GET_PRIV (self)->context);
  entry->abandoned = FALSE;
  g_queue_push_tail_link (&extras->tasks, &entry->link);

  task = g_task_new (self, service_get_cancellable (self), task_entry_done, entry);
  g_task_set_source_tag (task, mode_service_spawn);
  g_task_set_name (task, entry->name);
  entry->task = task;
  g_task_set_task_data (task, entry, task_entry_dropped);

  return task;
}

static void
service_spawn (ModeService    *self,
               const char     *name,
               ModeTaskFunc    func,
               gpointer        user_data,
               GDestroyNotify  destroy)
{
  GTask *task = task_entry_new (self, name, user_data, destroy);

  func (self, task, user_data);
  g_object_unref (task);
}

static void
start_background_work (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = priv->extras;
  g_autoptr(GPtrArray) class_task_defs = class_registry_collect (class_tasks, G_OBJECT_TYPE (self));

  if (class_task_defs != NULL)
    for (guint i = 0; i < class_task_defs->len; i++)
      {
        TaskDef *def = g_ptr_array_index (class_task_defs, i);
        service_spawn (self, def->name, def->func, def->user_data, NULL);
      }

  if (extras == NULL || !extras->class_timers_made)
    {
      g_autoptr(GPtrArray) timer_defs = class_registry_collect (class_timers, G_OBJECT_TYPE (self));

      if (timer_defs != NULL)
        {
          extras = service_get_extras (self);
          if (extras->timers == NULL)
            extras->timers = g_ptr_array_new_with_free_func (g_object_unref);
          for (guint i = 0; i < timer_defs->len; i++)
            {
              TimerDef *def = g_ptr_array_index (timer_defs, i);
              g_ptr_array_insert (extras->timers, (int) i,
                                  _mode_timer_new (self, def->name, def->interval,
                                                   def->func, def->user_data, NULL));
            }
        }
      if (extras != NULL)
        extras->class_timers_made = TRUE;
    }

  if (extras == NULL)
    {
      priv->timers_running = TRUE;
      return;
    }

  if (extras->task_defs != NULL)
    for (guint i = 0; i < extras->task_defs->len; i++)
      {
        TaskDef *def = g_ptr_array_index (extras->task_defs, i);
        service_spawn (self, def->name, def->func, def->user_data, NULL);
      }

  priv->timers_running = TRUE;
  if (extras->timers != NULL)
    for (guint i = 0; i < extras->timers->len; i++)
      _mode_timer_start (g_ptr_array_index (extras->timers, i), service_get_scheduler (self));
}

static void
stop_timers (ModeService *self)
{
  ServiceExtras *extras = GET_PRIV (self)->extras;

  GET_PRIV (self)->timers_running = FALSE;
  if (extras != NULL && extras->timers != NULL)
    for (guint i = 0; i < extras->timers->len; i++)
      _mode_timer_stop (g_ptr_array_index (extras->timers, i));
}

static void
detach_timers (ModeService *self)
{
  ServiceExtras *extras = GET_PRIV (self)->extras;

  if (extras != NULL && extras->timers != NULL)
    {
      for (guint i = 0; i < extras->timers->len; i++)
        _mode_timer_detach (g_ptr_array_index (extras->timers, i));
      g_clear_pointer (&extras->timers, g_ptr_array_unref);
    }
}

static void
join_timed_out (ModeDeadline *deadline,
                gpointer      data)
{
  ModeService *self = data;
  ServiceExtras *extras = GET_PRIV (self)->extras;
  gint64 now = service_now (self);

  GList *l;

  /* logged and forgotten: nothing of the service is left after its stop */
  while ((l = extras->tasks.head) != NULL)
    {
      TaskEntry *entry = l->data;

      service_log (self, G_LOG_LEVEL_MESSAGE,
                   "Task %s still running after %.3f s: not waiting for it any longer",
                   entry->name, (now - entry->started_at) / (gdouble) G_USEC_PER_SEC);
      g_queue_unlink (&extras->tasks, l);
      entry->abandoned = TRUE;
    }

  op_continue (g_steal_pointer (&extras->join_op));
}

/* Waits for the service's tasks, for at most shutdown-timeout. */
static void
join_tasks (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = priv->extras;

  if (extras == NULL || extras->tasks.length == 0)
    return;

  op->pending++;
  extras->join_op = op;
  extras->join_deadline.func = join_timed_out;
  extras->join_deadline.data = self;
  service_schedule (self, &extras->join_deadline,
                    service_deadline (self, priv->shutdown_timeout));
}

static void
run_cleanups (ModeService *self)
{
  ServiceExtras *extras = GET_PRIV (self)->extras;
  g_autoptr(GArray) cleanups = NULL;

  if (extras == NULL || extras->cleanups == NULL)
    return;

  /* forgotten once run: a restart's on_start adds them again */
  cleanups = g_steal_pointer (&extras->cleanups);
  for (guint i = cleanups->len; i > 0; i--)
    {
      Cleanup *cleanup = &g_array_index (cleanups, Cleanup, i - 1);

      cleanup->func (self, cleanup->user_data);
      _mode_destroy_run (&cleanup->destroy);
    }
}

/* Sleep and wait {{{ */

typedef enum
{
  WAKE_DEADLINE,
  WAKE_EVENT,
  WAKE_STOPPED,
  WAKE_CANCELLED,
} WakeReason;

typedef struct
{
  ModeDeadline   deadline;
  GList          link;              /* in ServiceExtras.sleepers, data = the task */
  GSource       *cancel_source;     /* (owned) (nullable) */
  GCancellable  *event_cancellable; /* (owned) (nullable): wait only */
  gboolean       is_wait;
  gboolean       done;
} Sleeper;

static void
sleeper_free (gpointer data)
{
  Sleeper *sleeper = data;

  g_assert (sleeper->cancel_source == NULL);
  g_clear_object (&sleeper->event_cancellable);
  g_free (sleeper);
}

/* Takes a sleeper out of the service's bookkeeping; returns FALSE when
 * it was woken already. */
static gboolean
sleeper_detach (GTask *task)
{
  ModeService *self = g_task_get_source_object (task);
  ServiceExtras *extras = GET_PRIV (self)->extras;
  Sleeper *sleeper = g_task_get_task_data (task);

  if (sleeper->done)
    return FALSE;
  sleeper->done = TRUE;

  _mode_scheduler_remove (service_get_scheduler (self), &sleeper->deadline);
  g_queue_unlink (&extras->sleepers, &sleeper->link);
  if (sleeper->cancel_source != NULL)
    {
      g_source_destroy (sleeper->cancel_source);
      g_clear_pointer (&sleeper->cancel_source, g_source_unref);
    }
  if (sleeper->event_cancellable != NULL)
    g_cancellable_cancel (sleeper->event_cancellable);

  return TRUE;
}

static void
sleeper_wake (GTask      *task,
              WakeReason  reason)
{
  ModeService *self = g_task_get_source_object (task);
  Sleeper *sleeper = g_task_get_task_data (task);

  if (!sleeper_detach (task))
    return;

  switch (reason)
    {
    case WAKE_DEADLINE:
      if (sleeper->is_wait)
        g_task_return_new_error (task, MODE_ERROR, MODE_ERROR_TIMEOUT,
                                 _("Service %s: timed out waiting"),
                                 mode_service_get_label (self));
      else
        g_task_return_boolean (task, TRUE);
      break;

    case WAKE_EVENT:
      g_task_return_boolean (task, TRUE);
      break;

    case WAKE_STOPPED:
      g_task_return_boolean (task, FALSE);
      break;

    case WAKE_CANCELLED:
    default:
      g_task_return_error_if_cancelled (task);
      break;
    }

  g_object_unref (task); /* the queue's */
}

static void
sleeper_deadline (ModeDeadline *deadline,
                  gpointer      data)
{
  sleeper_wake (data, WAKE_DEADLINE);
}

static gboolean
sleeper_cancelled (GCancellable *cancellable,
                   gpointer      data)
{
  sleeper_wake (data, WAKE_CANCELLED);
  return G_SOURCE_REMOVE;
}

static void
sleeper_event_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(GTask) task = data;

  if (mode_event_wait_finish (MODE_EVENT (object), result, NULL))
    sleeper_wake (task, WAKE_EVENT);
}

/* Completes, in one idle, the sleepers a stop (or a crash) woke, then
 * lets a stop that waits for them go on and cancel the tasks. */
static gboolean
stopped_sleepers_return (gpointer data)
{
  ModeService *self = data;
  ServiceExtras *extras = GET_PRIV (self)->extras;
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&extras->waking);
  ModeOp *op = g_steal_pointer (&extras->waking_op);

  /* in a dispatch of the tasks' context: each completes at once, and a
   * task that ends because of it completes at once too, its cancellable
   * not cancelled yet (GTask completes a cancelled task in an idle of
   * its own: what made a stop with 10,000 parked tasks slow) */
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), FALSE);

  if (op != NULL)
    op_continue (op);

  return G_SOURCE_REMOVE;
}

/* A stop wakes every sleeper: they return FALSE in the next iteration,
 * all from one idle rather than one each. */
static void
wake_sleepers (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = priv->extras;
  GList *l;

  if (extras == NULL || extras->sleepers.length == 0)
    return;

  if (extras->waking == NULL)
    {
      GSource *source = g_idle_source_new ();

      extras->waking = g_ptr_array_new_full (extras->sleepers.length, g_object_unref);
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, stopped_sleepers_return, g_object_ref (self),
                             g_object_unref);
      g_source_set_static_name (source, "[mode] stopped sleepers");
      g_source_attach (source, priv->context);
      g_source_unref (source);
    }

  while ((l = extras->sleepers.head) != NULL)
    {
      GTask *task = l->data;

      sleeper_detach (task);
      g_ptr_array_add (extras->waking, task);  /* the queue's reference */
    }
}

typedef struct
{
  GTask     *task;    /* (owned) */
  ModeEvent *event;   /* (owned) (nullable) */
  gdouble    seconds; /* < 0: no deadline */
} SleepCall;

static void
sleep_call_free (gpointer data)
{
  SleepCall *call = data;

  g_clear_object (&call->task);
  g_clear_object (&call->event);
  g_free (call);
}

static gboolean
sleep_in_context (gpointer data)
{
  SleepCall *call = data;
  GTask *task = call->task;
  ModeService *self = g_task_get_source_object (task);
  ModeServicePrivate *priv = GET_PRIV (self);
  GCancellable *cancellable = g_task_get_cancellable (task);
  ServiceExtras *extras;
  Sleeper *sleeper;

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;

  if (service_should_stop (priv))
    {
      g_task_return_boolean (task, FALSE);
      return G_SOURCE_REMOVE;
    }

  if (call->event != NULL && mode_event_is_set (call->event))
    {
      g_task_return_boolean (task, TRUE);
      return G_SOURCE_REMOVE;
    }

  extras = service_get_extras (self);
  sleeper = g_new0 (Sleeper, 1);
  sleeper->is_wait = g_task_get_source_tag (task) == mode_service_wait_async;
  sleeper->link.data = task;
  sleeper->deadline.func = sleeper_deadline;
  sleeper->deadline.data = task;
  g_task_set_task_data (task, sleeper, sleeper_free);

  g_queue_push_tail_link (&extras->sleepers, &sleeper->link);
  g_object_ref (task); /* the queue's */

  if (call->seconds >= 0)
    service_schedule (self, &sleeper->deadline, service_deadline (self, call->seconds));

  if (cancellable != NULL)
    {
      sleeper->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (sleeper->cancel_source, "[mode] sleep cancelled");
      g_source_set_callback (sleeper->cancel_source, G_SOURCE_FUNC (sleeper_cancelled),
                             g_object_ref (task), g_object_unref);
      g_source_attach (sleeper->cancel_source, priv->context);
    }

  if (call->event != NULL)
    {
      sleeper->event_cancellable = g_cancellable_new ();
      mode_event_wait_async (call->event, sleeper->event_cancellable,
                             sleeper_event_done, g_object_ref (task));
    }

  return G_SOURCE_REMOVE;
}

/* }}} */

/* }}} */

/* Operations {{{
 *
 * An operation (start, stop, restart) is a small state machine that runs
 * its steps in a loop, in-line, for as long as they complete at once. A
 * step that must wait (an asynchronous hook, a dependency that starts
 * asynchronously, set_shutdown()) counts itself in @pending; the loop
 * returns and the completion resumes it. Completions that arrive while
 * the loop runs only lower @pending, so a whole tree of synchronous
 * services starts without going back to the main loop.
 *
 * What a call means depends on the operations in flight (DESIGN.md §5);
 * op_request() decides:
 * - a second call of the operation in flight joins it (start, maybe_start
 *   and a parent's start of its dependency count as one);
 * - a stop while a start is in flight begins at once: the stop flag is
 *   set, the start's hook in flight is cancelled, and the stop's own
 *   hooks wait for it to return (only one hook of a service is ever in
 *   flight: the hook lock, @hook_op); the start, seeing the flag, ends
 *   with MODE_ERROR_STOPPED;
 * - a stop during a restart makes the restart end without starting;
 * - a start that cannot be answered while a stop runs waits for it to
 *   end (a Deferred request), and is asked again then.
 */

static inline ModeOp *
op_new (ModeService *self,
        OpKind       kind,
        guint        flags,
        ModeOpDone   func,
        gpointer     data)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *op = g_new0 (ModeOp, 1);

  g_assert (priv->ops[kind] == NULL);

  op->self = g_object_ref (self);
  op->kind = kind;
  op->flags = flags;
  op->first.func = func;
  op->first.data = data;
  priv->ops[kind] = op;
  /* a start's result is a later call's no more */
  priv->last_start_valid = FALSE;

  return op;
}

static void
op_add_waiter (ModeOp     *op,
               ModeOpDone  func,
               gpointer    data)
{
  ModeWaiter waiter = { func, data };

  if (op->more == NULL)
    op->more = g_array_new (FALSE, FALSE, sizeof (ModeWaiter));
  g_array_append_val (op->more, waiter);
}

static gboolean
op_has_waiter (ModeOp   *op,
               gpointer  data)
{
  if (op->first.data == data)
    return TRUE;
  if (op->more != NULL)
    for (guint i = 0; i < op->more->len; i++)
      if (g_array_index (op->more, ModeWaiter, i).data == data)
        return TRUE;
  return FALSE;
}

static void op_request (ModeService *self,
                        ModeOpKind   request,
                        ModeOpDone   func,
                        gpointer     data);

/* Asks again, once no operation is in flight, what had to wait. */
static void
op_run_deferred (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  g_autoptr(GArray) deferred = NULL;

  if (priv->extras == NULL || priv->extras->deferred == NULL ||
      priv->ops[OP_START] != NULL || priv->ops[OP_STOP] != NULL ||
      priv->ops[OP_RESTART] != NULL)
    return;

  deferred = g_steal_pointer (&priv->extras->deferred);
  for (guint i = 0; i < deferred->len; i++)
    {
      Deferred *d = &g_array_index (deferred, Deferred, i);
      op_request (self, d->request, d->func, d->data);
    }
}

static void
op_defer (ModeService *self,
          ModeOpKind   request,
          ModeOpDone   func,
          gpointer     data)
{
  ServiceExtras *extras = service_get_extras (self);
  Deferred d = { request, func, data };

  if (extras->deferred == NULL)
    extras->deferred = g_array_new (FALSE, FALSE, sizeof (Deferred));
  g_array_append_val (extras->deferred, d);
}

/* A stop wins over the starts and restarts still waiting for their
 * turn: they fail with MODE_ERROR_STOPPED. */
static void
op_defer_stopped (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  g_autoptr(GArray) stopped = NULL;
  g_autoptr(GError) error = NULL;
  GArray *deferred;

  if (priv->extras == NULL || (deferred = priv->extras->deferred) == NULL)
    return;

  for (guint i = 0; i < deferred->len; )
    {
      Deferred *d = &g_array_index (deferred, Deferred, i);

      if (d->request == MODE_OP_STOP)
        {
          i++;
          continue;
        }
      if (stopped == NULL)
        stopped = g_array_new (FALSE, FALSE, sizeof (Deferred));
      g_array_append_val (stopped, *d);
      g_array_remove_index (deferred, i);
    }
  if (deferred->len == 0)
    g_clear_pointer (&priv->extras->deferred, g_array_unref);

  if (stopped == NULL)
    return;

  error = g_error_new (MODE_ERROR, MODE_ERROR_STOPPED,
                       _("Service %s was stopped before it could start"),
                       mode_service_get_label (self));
  for (guint i = 0; i < stopped->len; i++)
    {
      Deferred *d = &g_array_index (stopped, Deferred, i);
      d->func (self, error, d->data);
    }
}

static void
op_finish (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);

  g_assert (op->pending == 0);

  if (priv->ops[op->kind] == op)
    priv->ops[op->kind] = NULL;

  /* A start that failed, other than by being stopped, leaves a crashed
   * service behind, whatever failed: a hook or a dependency; unless its
   * caller takes the failure (a runtime dependency). */
  if (op->kind != OP_STOP && op->error != NULL && !service_should_stop (priv) &&
      (op->flags & OP_CONTAIN) == 0)
    mark_crashed (self, op->error);

  if (op->first.func != NULL)
    op->first.func (self, op->error, op->first.data);
  if (op->more != NULL)
    {
      for (guint i = 0; i < op->more->len; i++)
        {
          ModeWaiter *waiter = &g_array_index (op->more, ModeWaiter, i);
          waiter->func (self, op->error, waiter->data);
        }
      g_array_unref (op->more);
    }

  if (G_UNLIKELY (priv->extras != NULL && priv->extras->deferred != NULL))
    op_run_deferred (self);

  g_clear_error (&op->error);
  g_object_unref (op->self);
  g_free (op);
}

/* Resume an operation after asynchronous work completed. */
static void
op_continue (ModeOp *op)
{
  g_assert (op->pending > 0);

  op->pending--;
  if (op->pending == 0 && !op->running)
    op_run (op);
}

static void
op_take_error (ModeOp *op,
               GError *error)
{
  if (op->error == NULL)
    op->error = error;
  else
    g_error_free (error);
}

/* The error a start reports when the service was stopped or crashed
 * while it started. */
static GError *
interrupted_error (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (priv->crashed && priv->crash_reason != NULL)
    return g_error_copy (priv->crash_reason);

  return g_error_new (MODE_ERROR, MODE_ERROR_STOPPED,
                      _("Service %s was stopped while it started"),
                      mode_service_get_label (self));
}

/* A dependency's operation completed. */
static void
op_child_done (ModeService  *child,
               const GError *error,
               gpointer      data)
{
  ModeOp *op = data;

  if (error != NULL)
    {
      if (op->kind == OP_STOP)
        service_log (op->self, G_LOG_LEVEL_MESSAGE,
                     "Error while stopping child %s: %s",
                     mode_service_get_label (child), error->message);
      /* a dependency that had started already is as good as one that
       * starts now */
      else if (!g_error_matches (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED))
        op_take_error (op, g_error_copy (error));
    }

  op_continue (op);
}

/* Something the operation waited for ended; how it ended is not its
 * business. */
static void
op_resume (ModeService  *service,
           const GError *error,
           gpointer      data)
{
  op_continue (data);
}

/* The operation's own service completed a nested operation (restart
 * runs a stop and a start). */
static void
op_self_done (ModeService  *self,
              const GError *error,
              gpointer      data)
{
  ModeOp *op = data;

  if (error != NULL)
    op_take_error (op, g_error_copy (error));

  op_continue (op);
}

/* What a hook's failure means depends on the operation: it fails and
 * crashes a start or a restart (a contained one only fails); it is
 * logged during a stop, which goes on. */
static void
op_hook_failed (ModeOp *op,
                Hook    hook,
                GError *error)
{
  if (op->kind == OP_STOP)
    service_log (op->self, G_LOG_LEVEL_MESSAGE,
                 "Error in %s: %s", hooks[hook].name, error->message);
  else if (service_should_stop (GET_PRIV (op->self)))
    {
      /* A stop or a crash interrupted the start and cancelled the hook:
       * the start fails for that reason, not the hook's. */
      g_error_free (error);
      error = interrupted_error (op->self);
    }
  else if ((op->flags & OP_CONTAIN) == 0)
    mode_service_crash (op->self, error);

  op_take_error (op, error);
}

/* Hooks {{{ */

typedef struct
{
  ModeOp *op;
  Hook    hook;
  GTask  *task;   /* (unowned) */
} HookCall;

static gboolean real_on_hook (ModeService   *self,
                              GCancellable  *cancellable,
                              GError       **error);
static void     real_on_first_start_async (ModeService *, GCancellable *, GTask *);
static void     real_on_start_async       (ModeService *, GCancellable *, GTask *);
static void     real_on_started_async     (ModeService *, GCancellable *, GTask *);
static void     real_on_stop_async        (ModeService *, GCancellable *, GTask *);
static void     real_on_shutdown_async    (ModeService *, GCancellable *, GTask *);
static void     real_on_restart_async     (ModeService *, GCancellable *, GTask *);

static const AsyncHook default_async_hooks[N_HOOKS] = {
  [HOOK_FIRST_START] = real_on_first_start_async,
  [HOOK_START]       = real_on_start_async,
  [HOOK_STARTED]     = real_on_started_async,
  [HOOK_STOP]        = real_on_stop_async,
  [HOOK_SHUTDOWN]    = real_on_shutdown_async,
  [HOOK_RESTART]     = real_on_restart_async,
};

static void hook_waiters_resume (ModeService *self);

/* The hook is done with, whatever its outcome: the next can run. */
static void
hook_call_end (HookCall *call,
               GError   *error)
{
  ModeOp *op = call->op;
  ModeService *self = g_object_ref (op->self);

  GET_PRIV (self)->hook_op = NULL;
  if (error != NULL)
    op_hook_failed (op, call->hook, error);
  g_free (call);

  op_continue (op);
  hook_waiters_resume (self);
  g_object_unref (self);
}

static void hook_task_dropped (gpointer data);

static void
hook_task_done (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  HookCall *call = data;
  GError *error = NULL;

  /* completed: not dropped */
  task_unwatch (G_TASK (result), call);

  if (!g_task_propagate_boolean (G_TASK (result), &error) && error == NULL)
    error = hook_failed_error (call->op->self, hooks[call->hook].name);

  hook_call_end (call, error);
}

static gboolean
hook_task_dropped_in_context (gpointer data)
{
  HookCall *call = data;

  hook_call_end (call, g_error_new (MODE_ERROR, MODE_ERROR_FAILED,
                                    _("Service %s: %s dropped its task without completing it"),
                                    mode_service_get_label (call->op->self),
                                    hooks[call->hook].name));
  return G_SOURCE_REMOVE;
}

/* The hook's task was finalized and never completed: the hook failed. */
static void
hook_task_dropped (gpointer data)
{
  HookCall *call = data;

  if (!task_is_finalizing (call->task))
    return;  /* its completion, or the hook's task data: not a drop */

  if (service_in_context (call->op->self))
    hook_task_dropped_in_context (call);
  else
    g_main_context_invoke (GET_PRIV (call->op->self)->context,
                           hook_task_dropped_in_context, call);
}

/* The cancellable a hook gets. The start hooks (and on_restart) get one
 * of their own, which a stop that comes while they run cancels, and
 * which the stop cancels with the service's; on_stop gets the service's,
 * which its stop cancels after the dependencies stopped; on_shutdown
 * none, as it runs after that. */
static GCancellable *
hook_cancellable (ModeService *self,
                  Hook         hook)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  switch (hook)
    {
    case HOOK_SHUTDOWN:
      return NULL;

    case HOOK_STOP:
      return service_get_cancellable (self);

    case HOOK_FIRST_START:
    case HOOK_START:
    case HOOK_STARTED:
    case HOOK_RESTART:
    case N_HOOKS:
    default:
      if (priv->start_cancellable == NULL)
        priv->start_cancellable = g_cancellable_new ();
      return priv->start_cancellable;
    }
}

/* Runs a hook, now: no other hook of the service is in flight. */
static void
op_call_hook_now (ModeOp *op,
                  Hook    hook)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeServiceClass *klass = MODE_SERVICE_GET_CLASS (self);
  AsyncHook async_hook = G_STRUCT_MEMBER (AsyncHook, klass, hooks[hook].async_offset);
  GCancellable *cancellable = hook_cancellable (self, hook);
  HookCall *call;
  GTask *task;

  g_assert (priv->hook_op == NULL);

  if (async_hook == default_async_hooks[hook])
    {
      SyncHook sync_hook = G_STRUCT_MEMBER (SyncHook, klass, hooks[hook].sync_offset);
      GError *error = NULL;
      gboolean ok;

      priv->hook_op = op;
      ok = sync_hook (self, cancellable, &error);
      priv->hook_op = NULL;
      if (!ok)
        op_hook_failed (op, hook,
                        error != NULL ? error : hook_failed_error (self, hooks[hook].name));
      return;
    }

  call = g_new (HookCall, 1);
  call->op = op;
  call->hook = hook;

  task = g_task_new (self, cancellable, hook_task_done, call);
  g_task_set_source_tag (task, op_call_hook_now);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_name (task, hooks[hook].name);
  call->task = task;
  g_task_set_task_data (task, call, hook_task_dropped);

  priv->hook_op = op;
  op->pending++;
  async_hook (self, cancellable, task);
  g_object_unref (task);
}

/* Runs a hook, when it does something: a hook nobody overrode is not
 * called at all. When another hook of the service is in flight (a stop
 * that came during an asynchronous start hook), the call waits for it
 * to return. */
static void
op_call_hook (ModeOp *op,
              Hook    hook)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeServiceClass *klass = MODE_SERVICE_GET_CLASS (self);

  if (G_STRUCT_MEMBER (AsyncHook, klass, hooks[hook].async_offset) == default_async_hooks[hook])
    {
      SyncHook sync_hook = G_STRUCT_MEMBER (SyncHook, klass, hooks[hook].sync_offset);

      if (sync_hook == NULL || sync_hook == real_on_hook)
        return;
    }

  if (G_UNLIKELY (priv->hook_op != NULL))
    {
      op->waiting_hook = hook;
      op->pending++;
      g_queue_push_tail (&service_get_extras (self)->hook_waiters, op);
      return;
    }

  op_call_hook_now (op, hook);
}

/* The hook in flight returned: the operations waiting to call theirs go
 * on, one hook at a time. */
static void
hook_waiters_resume (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *op;

  while (priv->extras != NULL && priv->hook_op == NULL &&
         (op = g_queue_pop_head (&priv->extras->hook_waiters)) != NULL)
    {
      op_call_hook_now (op, op->waiting_hook);
      op_continue (op);
    }
}

/* }}} */

/* Start {{{ */

enum {
  START_INIT_DEPENDENCIES,
  START_FIRST_START,
  START_ON_START,
  START_BACKGROUND_WORK,
  START_DEPENDENCIES,
  START_ON_STARTED,
  START_DONE,
};

static void
add_init_dependencies (ModeService *self)
{
  ModeServiceClass *klass = MODE_SERVICE_GET_CLASS (self);
  GList *deps;

  if (klass->on_init_dependencies == NULL)
    return;

  deps = klass->on_init_dependencies (self);
  for (const GList *l = deps; l != NULL; l = l->next)
    {
      if (!MODE_IS_SERVICE (l->data))
        {
          g_critical ("%s.on_init_dependencies() returned a %s, not a ModeService",
                      mode_service_get_label (self),
                      l->data ? G_OBJECT_TYPE_NAME (l->data) : "NULL");
          continue;
        }
      mode_service_add_dependency (self, l->data);
    }
  g_list_free_full (deps, g_object_unref);
}

/* Returns TRUE when the start must end now. */
static gboolean
start_interrupted (ModeOp *op)
{
  ModeServicePrivate *priv = GET_PRIV (op->self);

  if (op->error != NULL)
    return TRUE;

  if (service_should_stop (priv))
    {
      op_take_error (op, interrupted_error (op->self));
      return TRUE;
    }

  return FALSE;
}

/* What a start asks of each dependency. */
static ModeOpKind
start_dependency_request (ModeOp *op)
{
  if (op->flags & OP_ENSURE_DEPS)
    return MODE_OP_ENSURE;
  if (op->flags & OP_CONTAIN)
    return MODE_OP_START_CONTAINED;
  return MODE_OP_START;
}

static gboolean
start_step (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);

  switch (op->step++)
    {
    case START_INIT_DEPENDENCIES:
      if (!priv->first_start_done)
        add_init_dependencies (self);
      break;

    case START_FIRST_START:
      if (start_interrupted (op))
        return FALSE;
      /* from here on, the run's stop runs on_stop and on_shutdown */
      priv->run_hooked = TRUE;
      if (!priv->first_start_done)
        {
          priv->first_start_done = TRUE;
          op_call_hook (op, HOOK_FIRST_START);
        }
      break;

    case START_ON_START:
      if (start_interrupted (op))
        return FALSE;
      service_log (self, priv->mundane_level, "Starting...");
      op_call_hook (op, HOOK_START);
      break;

    case START_BACKGROUND_WORK:
      if (start_interrupted (op))
        return FALSE;
      start_background_work (self);
      break;

    case START_DEPENDENCIES:
      if (start_interrupted (op))
        return FALSE;
      if (priv->children != NULL && op->index < priv->children->len)
        {
          ModeService *child = g_ptr_array_index (priv->children, op->index++);

          op->step--; /* come back for the next one */
          op->pending++;
          service_begin (child, start_dependency_request (op), op_child_done, op);
        }
      break;

    case START_ON_STARTED:
      if (start_interrupted (op))
        return FALSE;
      op_call_hook (op, HOOK_STARTED);
      break;

    case START_DONE:
      if (start_interrupted (op))
        return FALSE;
      set_state (self, MODE_SERVICE_STATE_RUNNING);
      g_signal_emit (self, signals[STARTED], 0);
      return FALSE;

    default:
      g_assert_not_reached ();
    }

  return TRUE;
}

static inline void
start_begin (ModeService *self,
             guint        flags,
             ModeOpDone   func,
             gpointer     data)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *op;

  g_assert (!priv->started);

  priv->started = TRUE;
  set_state (self, MODE_SERVICE_STATE_STARTING);
  notify_property (self, properties[PROP_STARTED]);

  op = op_new (self, OP_START, flags, func, data);
  op_run (op);
}

/* }}} */

/* Stop {{{ */

enum {
  STOP_BEGIN,
  STOP_ON_STOP,
  STOP_DEPENDENCIES,
  STOP_WAIT_SHUTDOWN,
  STOP_CANCEL,
  STOP_JOIN_TASKS,
  STOP_CLEANUPS,
  STOP_ON_SHUTDOWN,
  STOP_DONE,
  STOP_LATE_WORK,   /* only when there is some: back to STOP_DONE then */
};

static void
shutdown_timed_out (ModeDeadline *deadline,
                    gpointer      data)
{
  ModeService *self = data;
  ModeServicePrivate *priv = GET_PRIV (self);

  service_log (self, G_LOG_LEVEL_MESSAGE,
               "Timed out after %.3g s waiting for shutdown", priv->shutdown_timeout);

  op_continue (g_steal_pointer (&priv->shutdown_op));
}

static void
wait_for_shutdown (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = service_get_extras (self);

  op->pending++;
  priv->shutdown_op = op;

  extras->shutdown_deadline.func = shutdown_timed_out;
  extras->shutdown_deadline.data = self;
  service_schedule (self, &extras->shutdown_deadline,
                    service_deadline (self, priv->shutdown_timeout));
}

static gboolean
stop_step (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);

  switch (op->step++)
    {
    case STOP_BEGIN:
      service_log (self, priv->mundane_level, "Stopping...");
      priv->stopped = TRUE;
      set_state (self, MODE_SERVICE_STATE_STOPPING);
      if (!priv->crashed)
        notify_property (self, properties[PROP_SHOULD_STOP]);
      stop_timers (self);
      wake_stop_waiters (self);
      wake_sleepers (self);
      /* a start hook in flight is told to end; on_stop waits for it */
      if (priv->hook_op != NULL && priv->start_cancellable != NULL)
        g_cancellable_cancel (priv->start_cancellable);
      break;

    case STOP_ON_STOP:
      /* the stop hooks answer the start hooks: a start that ended
       * before any (a crashed service's) has nothing for them */
      if (priv->run_hooked)
        op_call_hook (op, HOOK_STOP);
      if (priv->children != NULL)
        op->index = priv->children->len;
      op->deps_serial = priv->deps_serial;
      break;

    case STOP_DEPENDENCIES:
      if (priv->children != NULL && op->index > priv->children->len)
        op->index = priv->children->len;
      if (op->index > 0)
        {
          ModeService *child = g_ptr_array_index (priv->children, --op->index);

          op->step--;
          op->pending++;
          service_begin (child, OP_STOP, op_child_done, op);
        }
      else if (op->deps_serial != priv->deps_serial)
        {
          /* dependencies were added meanwhile: they stop too (a stop of
           * a stopped one costs nothing) */
          op->deps_serial = priv->deps_serial;
          op->index = priv->children->len;
          op->step--;
        }
      break;

    case STOP_WAIT_SHUTDOWN:
      if (priv->wait_for_shutdown && !priv->shutdown)
        wait_for_shutdown (op);
      break;

    case STOP_CANCEL:
      /* the sleeps return first (step 1), the tasks are cancelled then */
      if (priv->extras != NULL && priv->extras->waking != NULL)
        {
          op->step--;
          op->pending++;
          priv->extras->waking_op = op;
          break;
        }
      if (priv->cancellable != NULL)
        g_cancellable_cancel (priv->cancellable);
      if (priv->start_cancellable != NULL)
        g_cancellable_cancel (priv->start_cancellable);
      break;

    case STOP_JOIN_TASKS:
      join_tasks (op);
      break;

    case STOP_CLEANUPS:
      run_cleanups (self);
      break;

    case STOP_ON_SHUTDOWN:
      if (priv->run_hooked)
        op_call_hook (op, HOOK_SHUTDOWN);
      break;

    case STOP_DONE:
      /* What came since its step goes too, for nothing is left after a
       * stop: dependencies added, tasks spawned, cleanups added (by a
       * cleanup, by on_shutdown), and a start the stop interrupted,
       * which may still wait for a dependency taken out of the tree
       * since, whose hook is held. */
      if (G_UNLIKELY ((priv->children != NULL && op->deps_serial != priv->deps_serial) ||
                      (priv->extras != NULL &&
                       (priv->extras->tasks.length > 0 || priv->extras->cleanups != NULL)) ||
                      priv->ops[OP_START] != NULL))
        {
          op->step = STOP_LATE_WORK;
          break;
        }
      priv->stop_done = TRUE;
      set_state (self, MODE_SERVICE_STATE_SHUTDOWN);
      service_log (self, G_LOG_LEVEL_DEBUG, "-Stopped!");
      g_signal_emit (self, signals[STOPPED], 0);
      return FALSE;

    case STOP_LATE_WORK:
      op->step = STOP_LATE_WORK;
      if (priv->children != NULL && op->deps_serial != priv->deps_serial)
        {
          /* stopping one that stopped costs nothing */
          op->deps_serial = priv->deps_serial;
          op->index = priv->children->len;
          op->late_deps = TRUE;
        }
      if (op->late_deps && priv->children != NULL && op->index > priv->children->len)
        op->index = priv->children->len;
      if (op->late_deps && op->index > 0)
        {
          ModeService *child = g_ptr_array_index (priv->children, --op->index);

          op->pending++;
          service_begin (child, OP_STOP, op_child_done, op);
          break;
        }
      op->late_deps = FALSE;
      if (priv->extras != NULL &&
          (priv->extras->tasks.length > 0 || priv->extras->cleanups != NULL))
        {
          /* their cancellable is cancelled already */
          run_cleanups (self);
          join_tasks (op);
          break;
        }
      if (priv->ops[OP_START] != NULL)
        {
          op->pending++;
          op_add_waiter (priv->ops[OP_START], op_resume, op);
          break;
        }
      op->step = STOP_DONE;
      break;

    default:
      g_assert_not_reached ();
    }

  return TRUE;
}

/* Stops the service as part of another operation (a restart): joins a
 * stop in flight; nothing to do for a service not started, or stopped. */
static inline void
stop_begin (ModeService *self,
            ModeOpDone   func,
            gpointer     data)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *op;

  if (priv->ops[OP_STOP] != NULL)
    {
      op_add_waiter (priv->ops[OP_STOP], func, data);
      return;
    }

  if (!priv->started || priv->stop_done)
    {
      func (self, NULL, data);
      return;
    }

  op = op_new (self, OP_STOP, 0, func, data);
  op_run (op);
}

/* }}} */

/* Restart {{{ */

enum {
  RESTART_STOP,
  RESTART_RESET,
  RESTART_ON_RESTART,
  RESTART_START,
  RESTART_DONE,
};

/* Back to INIT: the service only. Its dependencies are reset when its
 * start reaches them, if they stopped (MODE_OP_ENSURE). */
static void
service_reset (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  gboolean was_crashed = priv->crashed;
  gboolean had_reason = priv->crash_reason != NULL;
  gboolean was_started = priv->started;
  gboolean should_stop = service_should_stop (priv);

  priv->started = FALSE;
  priv->stopped = FALSE;
  priv->stop_done = FALSE;
  priv->shutdown = FALSE;
  priv->crashed = FALSE;
  priv->run_hooked = FALSE;
  g_clear_error (&priv->crash_reason);
  g_clear_object (&priv->cancellable);
  g_clear_object (&priv->start_cancellable);
  priv->restart_count++;

  if (priv->state != MODE_SERVICE_STATE_INIT || was_crashed)
    {
      priv->state = MODE_SERVICE_STATE_INIT;
      notify_property (self, properties[PROP_STATE]);
    }
  if (was_crashed)
    notify_property (self, properties[PROP_CRASHED]);
  if (had_reason)
    notify_property (self, properties[PROP_CRASH_REASON]);
  if (was_started)
    notify_property (self, properties[PROP_STARTED]);
  if (should_stop)
    notify_property (self, properties[PROP_SHOULD_STOP]);
  notify_property (self, properties[PROP_RESTART_COUNT]);
}

static GError *
restart_stopped_error (ModeService *self)
{
  return g_error_new (MODE_ERROR, MODE_ERROR_STOPPED,
                      _("Service %s was stopped while it restarted"),
                      mode_service_get_label (self));
}

static gboolean
restart_step (ModeOp *op)
{
  ModeService *self = op->self;

  switch (op->step++)
    {
    case RESTART_STOP:
      op->pending++;
      stop_begin (self, op_self_done, op);
      break;

    case RESTART_RESET:
      if (op->stop_requested)
        {
          g_clear_error (&op->error);
          op_take_error (op, restart_stopped_error (self));
          return FALSE;
        }
      /* A failed stop was logged; the restart goes on all the same. */
      g_clear_error (&op->error);
      service_reset (self);
      break;

    case RESTART_ON_RESTART:
      if ((op->flags & OP_QUIET) == 0)
        op_call_hook (op, HOOK_RESTART);
      break;

    case RESTART_START:
      if (op->error != NULL)
        return FALSE;
      if (op->stop_requested)
        {
          op_take_error (op, restart_stopped_error (self));
          return FALSE;
        }
      op->pending++;
      start_begin (self, OP_ENSURE_DEPS | (op->flags & OP_CONTAIN), op_self_done, op);
      break;

    case RESTART_DONE:
      return FALSE;

    default:
      g_assert_not_reached ();
    }

  return TRUE;
}

/* }}} */

static void
op_run (ModeOp *op)
{
  static gboolean (* const steps[N_OPS]) (ModeOp *) = {
    [OP_START] = start_step,
    [OP_STOP] = stop_step,
    [OP_RESTART] = restart_step,
  };
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);
  LogBatch *batch;
  gboolean more;

  g_assert (!op->running);
  g_assert (op->pending == 0);

  batch = log_batch_enter ();
  op->running = TRUE;
  do
    more = steps[op->kind] (op);
  while (more && op->pending == 0);
  op->running = FALSE;

  if (!more && op->pending == 0)
    {
      /* the op holds the service: keep it for what follows */
      if (G_UNLIKELY (priv->extras != NULL && priv->extras->hook_waiters.length > 0))
        {
          g_object_ref (self);
          op_finish (op);
          hook_waiters_resume (self);
          g_object_unref (self);
        }
      else
        op_finish (op);
    }
  else if (G_UNLIKELY (priv->extras != NULL && priv->extras->hook_waiters.length > 0))
    hook_waiters_resume (self);

  log_batch_leave (batch);
}

/* Does MODE_OP_ENSURE restart the service rather than start it: it
 * stopped, is stopping, or crashed. */
static gboolean
service_needs_restart (ModeServicePrivate *priv)
{
  return priv->crashed || (priv->started && priv->stopped);
}

static void
restart_begin (ModeService *self,
               guint        flags,
               ModeOpDone   func,
               gpointer     data)
{
  op_run (op_new (self, OP_RESTART, flags, func, data));
}

/* Answers a request, in the service's context, given the operations in
 * flight (see the top of this section). */
static void
op_request (ModeService *self,
            ModeOpKind   request,
            ModeOpDone   func,
            gpointer     data)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *restart = priv->ops[OP_RESTART];

  switch (request)
    {
    case MODE_OP_START:
    case MODE_OP_START_CONTAINED:
    case MODE_OP_ENSURE:
      if (priv->ops[OP_START] != NULL)
        {
          op_add_waiter (priv->ops[OP_START], func, data);
          return;
        }
      if (restart != NULL && !restart->stop_requested)
        {
          /* the restart starts the service */
          op_add_waiter (restart, func, data);
          return;
        }
      if (restart == NULL && request == MODE_OP_ENSURE && service_needs_restart (priv))
        {
          restart_begin (self, OP_QUIET, func, data);
          return;
        }
      if (priv->ops[OP_STOP] != NULL || restart != NULL)
        {
          op_defer (self, request, func, data);
          return;
        }
      if (priv->started)
        {
          g_autoptr(GError) error =
            g_error_new (MODE_ERROR, MODE_ERROR_ALREADY_STARTED,
                         _("Service %s was already started"),
                         mode_service_get_label (self));
          func (self, error, data);
          return;
        }
      start_begin (self,
                   request == MODE_OP_ENSURE ? OP_ENSURE_DEPS :
                   request == MODE_OP_START_CONTAINED ? OP_CONTAIN : 0,
                   func, data);
      return;

    case MODE_OP_STOP:
      if (G_UNLIKELY (priv->extras != NULL && priv->extras->deferred != NULL))
        op_defer_stopped (self);
      if (G_UNLIKELY (!priv->started) && restart == NULL)
        {
          /* Nothing to stop, but who waits for a stop hears of it, and
           * work spawned before any start ends: its sleeps return, its
           * cancellable is cancelled (a start later gets a new one). */
          wake_stop_waiters (self);
          wake_sleepers (self);
          if (priv->cancellable != NULL)
            {
              g_cancellable_cancel (priv->cancellable);
              g_clear_object (&priv->cancellable);
            }
          func (self, NULL, data);
          return;
        }
      if (restart != NULL)
        {
          restart->stop_requested = TRUE;
          if (priv->ops[OP_STOP] == NULL && priv->ops[OP_START] == NULL)
            {
              /* between the restart's stop and its start: it ends there,
               * its on_restart (if in flight) cancelled */
              if (priv->hook_op == restart && priv->start_cancellable != NULL)
                g_cancellable_cancel (priv->start_cancellable);
              op_defer (self, request, func, data);
              return;
            }
        }
      stop_begin (self, func, data);
      return;

    case MODE_OP_RESTART:
      if (restart != NULL && !restart->stop_requested)
        op_add_waiter (restart, func, data);
      else if (restart != NULL)
        op_defer (self, request, func, data);
      else
        restart_begin (self, 0, func, data);
      return;

    default:
      g_return_if_reached ();
    }
}

/* Asks @request of a service that may run its lifecycle elsewhere (a
 * ModeServiceThread, a ModeServiceProxy): its class's delegate decides
 * where, and comes back to the engine through _mode_service_run_op(). */
static inline void
service_begin (ModeService *self,
               ModeOpKind   request,
               ModeOpDone   func,
               gpointer     data)
{
  const ModeServiceDelegate *delegate = SERVICE_DELEGATE (self);

  if (G_UNLIKELY (delegate != NULL))
    delegate->begin (self, request, func, data);
  else
    op_request (self, request, func, data);
}

/* The entry points of mode-service-private.h, for the subclasses. */
void
_mode_service_begin (ModeService *self,
                     ModeOpKind   kind,
                     ModeOpDone   func,
                     gpointer     data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (kind <= MODE_OP_START_CONTAINED);

  service_begin (self, kind, func, data);
}

void
_mode_service_run_op (ModeService *self,
                      ModeOpKind   kind,
                      ModeOpDone   func,
                      gpointer     data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (kind <= MODE_OP_START_CONTAINED);

  op_request (self, kind, func, data);
}

void
_mode_service_class_set_delegate (ModeServiceClass          *klass,
                                  const ModeServiceDelegate *delegate)
{
  g_return_if_fail (MODE_IS_SERVICE_CLASS (klass));

  klass->_reserved[0] = (gpointer) delegate;
}

void
_mode_service_set_main_context (ModeService  *self,
                                GMainContext *context)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (context != NULL);

  g_main_context_ref (context);
  g_clear_pointer (&priv->context, g_main_context_unref);
  priv->context = context;
}

/* }}} */

/* Public entry points {{{
 *
 * A call of the public API is a Call: its GTask, made in the caller's
 * thread (the callback runs in the caller's thread-default context, as
 * GIO's do), begun in the service's context (no state is read before
 * that), answered once: by the operation, or at once when its
 * cancellable is cancelled. The Call lives until the operation let go
 * of it and the caller's callback ran: a start answered but not yet
 * delivered makes a start that comes meanwhile get the same answer.
 */

typedef struct
{
  GTask               *task;          /* (owned) */
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  GSource             *cancel_source; /* (owned) (nullable) */
  ModeOpKind           request;
  gint                 refs;          /* atomic */
  gint                 answered;      /* atomic */
  guint                maybe : 1;     /* maybe_start */
  guint                started_it : 1; /* maybe_start: this call's start */
  guint                counted : 1;   /* in starts_undelivered */
} Call;

static void
call_unref (Call *call)
{
  if (!g_atomic_int_dec_and_test (&call->refs))
    return;

  g_assert (call->cancel_source == NULL);
  g_object_unref (call->task);
  g_free (call);
}

/* The GTask's own callback: the caller's, then the Call's bookkeeping. */
static void
call_delivered (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  Call *call = data;

  if (call->callback != NULL)
    call->callback (object, result, call->user_data);
  if (call->counted)
    g_atomic_int_add (&GET_PRIV (MODE_SERVICE (object))->starts_undelivered, -1);
  call_unref (call);
}

static Call *
call_new (ModeService         *self,
          ModeOpKind           request,
          gpointer             source_tag,
          const char          *name,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  Call *call = g_new0 (Call, 1);

  call->callback = callback;
  call->user_data = user_data;
  call->request = request;
  call->refs = 2;  /* the operation's, the delivery's */
  call->task = g_task_new (self, cancellable, call_delivered, call);
  g_task_set_source_tag (call->task, source_tag);
  g_task_set_name (call->task, name);
  /* the answer says whether the call was cancelled: an operation that
   * ended before the cancellation was seen reports how it ended */
  g_task_set_check_cancellable (call->task, FALSE);

  return call;
}

/* Claims the answer: FALSE when the call was answered already. */
static gboolean
call_claim (Call *call)
{
  if (!g_atomic_int_compare_and_exchange (&call->answered, FALSE, TRUE))
    return FALSE;

  if (call->cancel_source != NULL)
    {
      g_source_destroy (call->cancel_source);
      g_clear_pointer (&call->cancel_source, g_source_unref);
    }
  return TRUE;
}

/* How a call is answered */
typedef enum
{
  ANSWER_AT_ONCE = 0,       /* cancelled, say: no operation's answer */
  ANSWER_BY_OP   = 1 << 0,  /* the operation's answer: a start's counts as
                             * in flight until its callback ran */
  ANSWER_KEEP    = 1 << 1,  /* and it is the one a later start gets */
} AnswerFlags;

/* Answers the call, unless it was answered already. */
static void
call_answer (Call         *call,
             const GError *error,
             gboolean      value,
             AnswerFlags   flags)
{
  ModeService *self = g_task_get_source_object (call->task);

  if (!call_claim (call))
    return;

  /* In flight until its callback ran: a start that comes meanwhile gets
   * the same answer (DESIGN.md §5: two starts in flight are one); any
   * operation that begins ends that. A delegated service's state is
   * its own business (a thread's is touched in its thread only). */
  if ((flags & ANSWER_BY_OP) && call->request == MODE_OP_START &&
      SERVICE_DELEGATE (self) == NULL)
    {
      ModeServicePrivate *priv = GET_PRIV (self);

      call->counted = TRUE;
      g_atomic_int_inc (&priv->starts_undelivered);
      if (flags & ANSWER_KEEP)
        {
          if (priv->extras != NULL)
            g_clear_error (&priv->extras->last_start_error);
          if (error != NULL)
            service_get_extras (self)->last_start_error = g_error_copy (error);
          priv->last_start_valid = TRUE;
        }
    }

  if (error != NULL)
    g_task_return_error (call->task, g_error_copy (error));
  else
    g_task_return_boolean (call->task, value);
}

/* The operation ended: the Call's answer, if not given yet. */
static void
call_op_done (ModeService  *self,
              const GError *error,
              gpointer      data)
{
  Call *call = data;

  if (call->maybe && g_error_matches (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED))
    call_answer (call, NULL, FALSE, ANSWER_BY_OP | ANSWER_KEEP);
  else if (call->maybe)
    call_answer (call, error, call->started_it, ANSWER_BY_OP | ANSWER_KEEP);
  else
    call_answer (call, error, TRUE, ANSWER_BY_OP | ANSWER_KEEP);

  call_unref (call);
}

static void
nothing_done (ModeService  *self,
              const GError *error,
              gpointer      data)
{
}

/* Does anybody other than cancelled calls wait for @op? */
static gboolean
waiter_wanted (const ModeWaiter *waiter)
{
  return waiter->func != call_op_done ||
         !g_atomic_int_get (&((Call *) waiter->data)->answered);
}

static gboolean
op_wanted (ModeOp *op)
{
  if (waiter_wanted (&op->first))
    return TRUE;
  if (op->more != NULL)
    for (guint i = 0; i < op->more->len; i++)
      if (waiter_wanted (&g_array_index (op->more, ModeWaiter, i)))
        return TRUE;
  return FALSE;
}

/* The call's cancellable was cancelled: it returns now. A start or a
 * restart that nobody else waits for then ends like one a stop
 * interrupted; a stop goes on. */
static gboolean
call_cancelled (GCancellable *cancellable,
                gpointer      data)
{
  Call *call = data;
  ModeService *self = g_task_get_source_object (call->task);
  ModeServicePrivate *priv = GET_PRIV (self);
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Operation was cancelled"));
  ModeOp *op = NULL;

  g_object_ref (self);
  call_answer (call, error, FALSE, ANSWER_AT_ONCE);

  if (call->request == MODE_OP_START || call->request == MODE_OP_RESTART)
    {
      if (SERVICE_DELEGATE (self) != NULL)
        service_begin (self, MODE_OP_STOP, nothing_done, NULL);
      else
        {
          for (guint i = 0; i < N_OPS && op == NULL; i++)
            if (priv->ops[i] != NULL && i != OP_STOP && op_has_waiter (priv->ops[i], call))
              op = priv->ops[i];
          if (op != NULL && !op_wanted (op))
            op_request (self, MODE_OP_STOP, nothing_done, NULL);
        }
    }

  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
call_watch_cancellable (Call         *call,
                        GMainContext *context)
{
  GCancellable *cancellable = g_task_get_cancellable (call->task);

  if (cancellable == NULL)
    return;

  call->cancel_source = g_cancellable_source_new (cancellable);
  g_source_set_static_name (call->cancel_source, "[mode] call cancelled");
  g_source_set_callback (call->cancel_source, G_SOURCE_FUNC (call_cancelled), call, NULL);
  g_source_attach (call->cancel_source, context);
}

/* In the service's context: the call begins. */
static gboolean
call_begin_in_context (gpointer data)
{
  Call *call = data;
  ModeService *self = g_task_get_source_object (call->task);
  ModeServicePrivate *priv = GET_PRIV (self);

  if (g_cancellable_is_cancelled (g_task_get_cancellable (call->task)))
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     _("Operation was cancelled"));
      call_answer (call, error, FALSE, ANSWER_AT_ONCE);
      call_unref (call);
      return G_SOURCE_REMOVE;
    }

  if (call->request == MODE_OP_START)
    {
      /* a start answered but not delivered yet is still in flight: this
       * one joins it */
      if (priv->started && priv->last_start_valid && !call->maybe &&
          g_atomic_int_get (&priv->starts_undelivered) > 0)
        {
          call_answer (call, priv->extras != NULL ? priv->extras->last_start_error : NULL,
                       TRUE, ANSWER_BY_OP);
          call_unref (call);
          return G_SOURCE_REMOVE;
        }

      call->started_it = !priv->started && priv->ops[OP_START] == NULL &&
                         priv->ops[OP_STOP] == NULL && priv->ops[OP_RESTART] == NULL;
    }

  call_watch_cancellable (call, priv->context);
  op_request (self, call->request, call_op_done, call);
  return G_SOURCE_REMOVE;
}

/* Begins @call where the service lives: now when the caller is there,
 * through the service's context otherwise; a delegated service's
 * delegate decides. */
static void
call_begin (ModeService *self,
            Call        *call)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  const ModeServiceDelegate *delegate = SERVICE_DELEGATE (self);

  if (G_UNLIKELY (delegate != NULL))
    {
      GMainContext *here = g_main_context_ref_thread_default ();

      if (g_cancellable_is_cancelled (g_task_get_cancellable (call->task)))
        {
          call_begin_in_context (call);
        }
      else
        {
          call_watch_cancellable (call, here);
          delegate->begin (self, call->request, call_op_done, call);
        }
      g_main_context_unref (here);
      return;
    }

  if (_mode_context_is_current (priv->context))
    call_begin_in_context (call);
  else
    g_main_context_invoke_full (priv->context, G_PRIORITY_DEFAULT,
                                call_begin_in_context, call, NULL);
}

/* Runs @func where the service lives, now when the caller is there. */
static void
run_in_context (ModeService    *self,
                GSourceFunc     func,
                gpointer        data,
                GDestroyNotify  destroy)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  const ModeServiceDelegate *delegate;

  if (service_in_context (self))
    {
      func (data);
      if (destroy != NULL)
        destroy (data);
      return;
    }

  /* a service whose context is not always running says where calls go */
  delegate = SERVICE_DELEGATE (self);
  if (G_UNLIKELY (delegate != NULL && delegate->run_in_context != NULL))
    {
      delegate->run_in_context (self, func, data, destroy);
      return;
    }

  g_main_context_invoke_full (priv->context, G_PRIORITY_DEFAULT, func, data, destroy);
}

/**
 * mode_service_new:
 *
 * Creates a plain service, one that does nothing of its own but start
 * and stop its dependencies. It belongs to the thread-default main
 * context.
 *
 * Returns: (transfer full): a new #ModeService
 *
 * Since: 0.1
 */
ModeService *
mode_service_new (void)
{
  return g_object_new (MODE_TYPE_SERVICE, NULL);
}

/**
 * mode_service_start_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable; cancelling it makes this
 *   call return %G_IO_ERROR_CANCELLED at once, and stops the service
 *   (what the start started is stopped, as by mode_service_stop_async())
 *   unless another call still waits for the same start
 * @callback: (scope async): called when the service runs or failed to start
 * @user_data: data for @callback
 *
 * Starts the service and its dependencies (see the description of
 * #ModeService for the order).
 *
 * A service starts once: starting a service that was started before
 * fails with %MODE_ERROR_ALREADY_STARTED (mode_service_maybe_start_async()
 * and mode_service_restart_async() are the calls for that). A second
 * call while the start is in flight (until its callback ran) completes
 * with the result of the first; a call while the service stops waits
 * for the stop to end. When the service is stopped while it starts, the
 * start fails with %MODE_ERROR_STOPPED and starts nothing more; a hook
 * of the start in flight then is cancelled, and the stop waits for it
 * to return. When the service crashes while it starts, the start fails
 * with the crash reason. A hook that fails makes the start fail with its
 * error and crashes the service.
 *
 * Since: 0.1
 */
void
mode_service_start_async (ModeService         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_begin (self, call_new (self, MODE_OP_START, mode_service_start_async, "[mode] start",
                              cancellable, callback, user_data));
}

/**
 * mode_service_start_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_start_async().
 *
 * Returns: %TRUE when the service runs, %FALSE with @error set otherwise
 *
 * Since: 0.1
 */
gboolean
mode_service_start_finish (ModeService   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_start_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mode_service_maybe_start_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable, as for mode_service_start_async()
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Starts the service if it was never started, as
 * mode_service_start_async() does; does nothing otherwise. A call while
 * a start is in flight joins it.
 *
 * Since: 0.1
 */
void
mode_service_maybe_start_async (ModeService         *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  Call *call;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call = call_new (self, MODE_OP_START, mode_service_maybe_start_async,
                   "[mode] maybe_start", cancellable, callback, user_data);
  call->maybe = TRUE;
  /* a delegated service answers ALREADY_STARTED when it was started */
  call->started_it = TRUE;
  call_begin (self, call);
}

/**
 * mode_service_maybe_start_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_maybe_start_async().
 *
 * Returns: %TRUE when this call started the service, %FALSE when it had
 *   been started before or another call started it, or with @error set
 *   when the start failed
 *
 * Since: 0.1
 */
gboolean
mode_service_maybe_start_finish (ModeService   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_maybe_start_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mode_service_stop_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable; cancelling it makes this
 *   call return %G_IO_ERROR_CANCELLED at once, and the stop goes on
 * @callback: (scope async): called when the service has stopped
 * @user_data: data for @callback
 *
 * Stops the service: sets #ModeService:should-stop, runs @on_stop, stops
 * the dependencies in reverse order (a dependency that fails to stop is
 * logged and the others still stop), waits for mode_service_set_shutdown()
 * if #ModeService:wait-for-shutdown is set, cancels the service's work
 * and runs @on_shutdown.
 *
 * Stopping a service that was never started runs no hook and leaves it
 * %MODE_SERVICE_STATE_INIT, but wakes the callers of
 * mode_service_wait_until_stopped_async() and ends the work spawned on
 * it (its sleeps return, its tasks are cancelled); stopping a stopped
 * one does nothing; a second call while the stop is in flight
 * completes with the first. A stop while the service starts makes the
 * start fail with %MODE_ERROR_STOPPED: a start hook in flight is
 * cancelled and @on_stop runs once it returned. A stop while the
 * service restarts makes the restart end without starting it again. A
 * crashed service is stopped like any other, so that nothing is left
 * behind.
 *
 * Since: 0.1
 */
void
mode_service_stop_async (ModeService         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_begin (self, call_new (self, MODE_OP_STOP, mode_service_stop_async, "[mode] stop",
                              cancellable, callback, user_data));
}

/**
 * mode_service_stop_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_stop_async(). The service is stopped whatever
 * this returns (unless the call was cancelled: then the stop goes on);
 * an error is the first one that a hook of the service itself returned
 * while it stopped.
 *
 * Returns: %TRUE when every hook succeeded, %FALSE with @error set otherwise
 *
 * Since: 0.1
 */
gboolean
mode_service_stop_finish (ModeService   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_stop_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mode_service_restart_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable; cancelling it makes this
 *   call return %G_IO_ERROR_CANCELLED at once; unless another call still
 *   waits for the same restart, the service is then stopped (its stop
 *   completes) and not started again
 * @callback: (scope async): called when the service runs again, or failed to
 * @user_data: data for @callback
 *
 * Restarts the service: stops it if it was started, resets it to
 * %MODE_SERVICE_STATE_INIT (clearing a crash and adding one to
 * #ModeService:restart-count), runs @on_restart and starts it again.
 * The dependencies that @on_init_dependencies returned are not added
 * again, and @on_first_start does not run again.
 *
 * As the service starts again, each dependency that stopped or crashed
 * (those the restart's stop stopped, say) is reset and started again
 * too (without its @on_restart); a dependency that runs is left as it
 * is, and one that starts is waited for.
 *
 * A second call while the restart is in flight completes with the
 * first; a restart while the service stops waits for the stop and
 * then starts it again; a stop while it restarts makes it fail with
 * %MODE_ERROR_STOPPED.
 *
 * Since: 0.1
 */
void
mode_service_restart_async (ModeService         *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_begin (self, call_new (self, MODE_OP_RESTART, mode_service_restart_async,
                              "[mode] restart", cancellable, callback, user_data));
}

/**
 * mode_service_restart_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_restart_async().
 *
 * Returns: %TRUE when the service runs again, %FALSE with @error set otherwise
 *
 * Since: 0.1
 */
gboolean
mode_service_restart_finish (ModeService   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_restart_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* In the service's context: a cancelled wait leaves the list. */
static gboolean
stop_waiter_forget (gpointer data)
{
  StopWaiter *waiter = data;
  ModeServicePrivate *priv = GET_PRIV (service_resolve (g_task_get_source_object (waiter->task)));

  if (priv->stop_waiters != NULL)
    g_ptr_array_remove (priv->stop_waiters, waiter);
  return G_SOURCE_REMOVE;
}

/* In the caller's context: the wait was cancelled; it returns now. */
static gboolean
stop_waiter_cancelled (GCancellable *cancellable,
                       gpointer      data)
{
  StopWaiter *waiter = data;
  ModeService *self = service_resolve (g_task_get_source_object (waiter->task));

  if (stop_waiter_claim (waiter))
    {
      g_task_return_error_if_cancelled (waiter->task);
      g_atomic_int_inc (&waiter->refs);
      run_in_context (self, stop_waiter_forget, waiter, stop_waiter_unref);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
wait_until_stopped_in_context (gpointer data)
{
  StopWaiter *waiter = data;
  ModeService *self = service_resolve (g_task_get_source_object (waiter->task));
  ModeServicePrivate *priv = GET_PRIV (self);

  if (g_atomic_int_get (&waiter->answered))
    return G_SOURCE_REMOVE;

  if (service_should_stop (priv))
    {
      if (stop_waiter_claim (waiter))
        g_task_return_boolean (waiter->task, TRUE);
      return G_SOURCE_REMOVE;
    }

  if (priv->stop_waiters == NULL)
    priv->stop_waiters = g_ptr_array_new_with_free_func (stop_waiter_unref);
  g_atomic_int_inc (&waiter->refs);
  g_ptr_array_add (priv->stop_waiters, waiter);

  return G_SOURCE_REMOVE;
}

/**
 * mode_service_wait_until_stopped_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable; cancelling it makes the
 *   call return %G_IO_ERROR_CANCELLED at once
 * @callback: (scope async): called when the service was told to stop
 * @user_data: data for @callback
 *
 * Waits until the service is told to stop: until its stop begins or it
 * crashes (#ModeService:should-stop becomes %TRUE). Completes at once
 * when that has already happened.
 *
 * Since: 0.1
 */
void
mode_service_wait_until_stopped_async (ModeService         *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  StopWaiter *waiter;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  waiter = g_new0 (StopWaiter, 1);
  waiter->refs = 1;
  waiter->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (waiter->task, mode_service_wait_until_stopped_async);
  g_task_set_name (waiter->task, "[mode] wait_until_stopped");

  if (g_cancellable_is_cancelled (cancellable))
    {
      waiter->answered = TRUE;
      g_task_return_error_if_cancelled (waiter->task);
      stop_waiter_unref (waiter);
      return;
    }

  if (cancellable != NULL)
    {
      /* answered where the caller is: the service's context may be a
       * thread's that does not run */
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (waiter->cancel_source, "[mode] wait_until_stopped cancelled");
      g_atomic_int_inc (&waiter->refs);
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (stop_waiter_cancelled),
                             waiter, stop_waiter_unref);
      g_source_attach (waiter->cancel_source, g_task_get_context (waiter->task));
    }

  run_in_context (self, wait_until_stopped_in_context, waiter, stop_waiter_unref);
}

/**
 * mode_service_wait_until_stopped_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_wait_until_stopped_async().
 *
 * Returns: %TRUE, or %FALSE with @error set when the wait was cancelled
 *
 * Since: 0.1
 */
gboolean
mode_service_wait_until_stopped_finish (ModeService   *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_wait_until_stopped_async),
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Crash {{{ */

static void
mark_crashed_one (ModeService  *self,
                  const GError *reason)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  gboolean was_stopping = service_should_stop (priv);
  ModeServiceState old = derived_state (priv);

  if (priv->crashed)
    return;

  priv->crashed = TRUE;
  priv->crash_reason = g_error_copy (reason);

  if (old != MODE_SERVICE_STATE_CRASHED)
    notify_property (self, properties[PROP_STATE]);
  notify_property (self, properties[PROP_CRASHED]);
  notify_property (self, properties[PROP_CRASH_REASON]);
  if (!was_stopping)
    notify_property (self, properties[PROP_SHOULD_STOP]);

  wake_stop_waiters (self);
  wake_sleepers (self);

  g_signal_emit (self, signals[CRASHED], 0, priv->crash_reason);
}

typedef struct
{
  ModeService *self;
  GError      *reason;
} CrashCall;

static void
crash_call_free (gpointer data)
{
  CrashCall *call = data;

  g_object_unref (call->self);
  g_error_free (call->reason);
  g_free (call);
}

static gboolean
mark_crashed_one_in_context (gpointer data)
{
  CrashCall *call = data;

  mark_crashed_one (call->self, call->reason);
  return G_SOURCE_REMOVE;
}

/* Collects @self and its dependencies that live in @here; those that
 * live in another context (a ModeServiceThread) go to @remote, without
 * what they depend on: their own thread marks that. */
static void
collect_dependencies (ModeService  *self,
                      GMainContext *here,
                      GPtrArray    *out,
                      GPtrArray    *remote,
                      GHashTable   *seen)
{
  ModeServicePrivate *priv;

  self = service_resolve (self);
  priv = GET_PRIV (self);
  if (!g_hash_table_add (seen, self))
    return;

  if (priv->context != here)
    {
      g_ptr_array_add (remote, g_object_ref (self));
      return;
    }

  g_ptr_array_add (out, g_object_ref (self));
  if (priv->children != NULL)
    for (guint i = 0; i < priv->children->len; i++)
      collect_dependencies (g_ptr_array_index (priv->children, i), here, out, remote, seen);
}

typedef struct
{
  GMainContext *here;
  GPtrArray    *out;
  GPtrArray    *remote;
  GHashTable   *seen;
} Collect;

static gboolean
collect_beacon_service (ModeNode *node,
                        gpointer  data)
{
  GObject *object = mode_node_get_data (node);
  Collect *collect = data;

  if (object != NULL && MODE_IS_SERVICE (object))
    collect_dependencies (MODE_SERVICE (object), collect->here, collect->out,
                          collect->remote, collect->seen);

  return TRUE;
}

/* Marks @self and its dependencies crashed; or, for @whole_tree, every
 * service of the beacon tree @self is in. The caller runs in @here;
 * services that live elsewhere are marked there. */
static void
mark_crashed_tree (ModeService  *self,
                   GMainContext *here,
                   const GError *reason,
                   gboolean      whole_tree)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GPtrArray) remote = NULL;
  g_autoptr(GHashTable) seen = NULL;
  Collect collect;

  /* a supervised service of its own: nothing to collect */
  if (!whole_tree && priv->context == here &&
      (priv->children == NULL || priv->children->len == 0))
    {
      g_object_ref (self);
      mark_crashed_one (self, reason);
      g_object_unref (self);
      return;
    }

  services = g_ptr_array_new_with_free_func (g_object_unref);
  remote = g_ptr_array_new_with_free_func (g_object_unref);
  seen = g_hash_table_new (NULL, NULL);
  collect.here = here;
  collect.out = services;
  collect.remote = remote;
  collect.seen = seen;

  /* Collect first: the signals run user code that may change the tree. */
  collect_dependencies (self, here, services, remote, seen);
  if (whole_tree)
    mode_node_traverse (mode_node_get_root (SERVICE_BEACON (self)),
                        collect_beacon_service, &collect);

  for (guint i = 0; i < services->len; i++)
    mark_crashed_one (g_ptr_array_index (services, i), reason);

  for (guint i = 0; i < remote->len; i++)
    {
      ModeService *service = g_ptr_array_index (remote, i);
      CrashCall *call = g_new (CrashCall, 1);

      call->self = g_object_ref (service);
      call->reason = g_error_copy (reason);
      /* the way of every call from elsewhere: a thread's service that
       * does not run is marked here, at once */
      run_in_context (service, mark_crashed_one_in_context, call, crash_call_free);
    }
}

/* Tells the world outside @self of its crash: its supervisor, or, with
 * none, the whole tree. */
static void
propagate_crash (ModeService  *self,
                 GMainContext *here,
                 const GError *reason,
                 gboolean      mark_self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (priv->supervisor != NULL)
    {
      g_autoptr(ModeService) supervisor = g_object_ref (priv->supervisor);

      if (mark_self)
        mark_crashed_tree (self, here, reason, FALSE);
      MODE_SERVICE_GET_CLASS (supervisor)->supervised_crash (supervisor, self);
    }
  else
    mark_crashed_tree (self, here, reason, TRUE);
}

static void
mark_crashed (ModeService  *self,
              const GError *reason)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  const ModeServiceDelegate *delegate;

  service_log (self, G_LOG_LEVEL_MESSAGE, "Crashed reason=%s", reason->message);

  if (priv->crashed)
    return;

  delegate = SERVICE_DELEGATE (self);
  if (delegate != NULL && delegate->propagate_crash != NULL)
    {
      /* the service and what it depends on here; the rest where the
       * delegate says */
      mark_crashed_tree (self, priv->context, reason, FALSE);
      delegate->propagate_crash (self, reason);
      return;
    }

  propagate_crash (self, priv->context, reason, TRUE);
}

void
_mode_service_propagate_crash (ModeService  *self,
                               const GError *reason)
{
  g_autoptr(GMainContext) here = g_main_context_ref_thread_default ();

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (reason != NULL);

  propagate_crash (self, here, reason, FALSE);
}

static gboolean
crash_in_context (gpointer data)
{
  CrashCall *call = data;

  mark_crashed (call->self, call->reason);
  return G_SOURCE_REMOVE;
}

/**
 * mode_service_crash:
 * @self: a #ModeService
 * @reason: why the service crashed
 *
 * Crashes the service: logs @reason and marks the service and its
 * dependencies crashed (#ModeService:crashed, #ModeService:crash-reason,
 * #ModeService:should-stop, the #ModeService::crashed signal); whoever
 * waits for it to stop wakes up.
 *
 * When the service has a #ModeService:supervisor, only it and its
 * dependencies are marked and the supervisor is told at once. Otherwise
 * every service of the tree it belongs to is marked crashed with the same
 * reason, from the root down, so that the program stops as a whole.
 *
 * A service that is already crashed stays as it is. A crashed service
 * still has to be stopped (or restarted) to release what it holds.
 *
 * Since: 0.1
 */
void
mode_service_crash (ModeService  *self,
                    const GError *reason)
{
  CrashCall *call;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (reason != NULL);

  self = service_resolve (self);
  if (service_in_context (self))
    {
      mark_crashed (self, reason);
      return;
    }

  call = g_new (CrashCall, 1);
  call->self = g_object_ref (self);
  call->reason = g_error_copy (reason);
  run_in_context (self, crash_in_context, call, crash_call_free);
}

/* }}} */

static gboolean
set_shutdown_in_context (gpointer data)
{
  ModeService *self = data;
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *op;

  priv->shutdown = TRUE;

  op = g_steal_pointer (&priv->shutdown_op);
  if (op != NULL)
    {
      _mode_scheduler_remove (service_get_scheduler (self), &priv->extras->shutdown_deadline);
      op_continue (op);
    }

  return G_SOURCE_REMOVE;
}

/**
 * mode_service_set_shutdown:
 * @self: a #ModeService
 *
 * Says that the service has shut down. A service whose
 * #ModeService:wait-for-shutdown is set waits for this call while it
 * stops, for at most #ModeService:shutdown-timeout seconds. May be called
 * from any thread.
 *
 * Since: 0.1
 */
void
mode_service_set_shutdown (ModeService *self)
{
  g_return_if_fail (MODE_IS_SERVICE (self));

  self = service_resolve (self);
  run_in_context (self, set_shutdown_in_context, g_object_ref (self), g_object_unref);
}

/* }}} */

/* Background work: the public calls {{{ */

/**
 * mode_service_spawn:
 * @self: a #ModeService
 * @name: (nullable): a name for the task, shown by mode_service_describe()
 *   and in log lines
 * @func: (scope notified): the function that starts the work
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data when the
 *   task is over
 *
 * Runs a background task of the service now (Mode's `add_future`):
 * @func starts the work and completes its #GTask when it is done. The
 * task's cancellable is cancelled when the service stops, and the stop
 * waits for the task, for at most #ModeService:shutdown-timeout seconds;
 * a task still running then is logged by name and age and no longer
 * waited for. A task that fails with an error other than
 * %G_IO_ERROR_CANCELLED crashes the service with that error.
 *
 * Call it from the service's main context.
 *
 * Since: 0.1
 */
void
mode_service_spawn (ModeService    *self,
                    const char     *name,
                    ModeTaskFunc    func,
                    gpointer        user_data,
                    GDestroyNotify  destroy)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (func != NULL);

  service_spawn (self, name, func, user_data, destroy);
}

/**
 * mode_service_spawn_in_thread: (skip)
 * @self: a #ModeService
 * @name: (nullable): a name for the task
 * @func: the blocking function, run in a worker thread as
 *   g_task_run_in_thread() runs it; @user_data is its task data
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the task is over
 *
 * Runs blocking work of the service in a worker thread of GIO's pool.
 * @func returns its result through its #GTask and should check the
 * task's cancellable, which is cancelled when the service stops; the stop
 * waits for it as for mode_service_spawn(). A failure other than
 * %G_IO_ERROR_CANCELLED crashes the service. For C only: the bindings
 * cannot run their code in another thread.
 *
 * Since: 0.1
 */
void
mode_service_spawn_in_thread (ModeService     *self,
                              const char      *name,
                              GTaskThreadFunc  func,
                              gpointer         user_data,
                              GDestroyNotify   destroy)
{
  GTask *task;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (func != NULL);

  task = task_entry_new (self, name, NULL, NULL);
  g_task_set_task_data (task, user_data, destroy);
  g_task_run_in_thread (task, func);
  g_object_unref (task);
}

/**
 * mode_service_add_task:
 * @self: a #ModeService
 * @name: (nullable): a name for the task
 * @func: (scope notified): the function that starts the work
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data with the service
 *
 * Adds a background task that runs on every start of this service (Mode's
 * `@Service.task`), after @on_start and before the dependencies start,
 * as mode_service_spawn() runs it.
 *
 * Since: 0.1
 */
void
mode_service_add_task (ModeService    *self,
                       const char     *name,
                       ModeTaskFunc    func,
                       gpointer        user_data,
                       GDestroyNotify  destroy)
{
  ServiceExtras *extras;
  TaskDef *def;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (func != NULL);

  extras = service_get_extras (self);
  if (extras->task_defs == NULL)
    extras->task_defs = g_ptr_array_new_with_free_func (task_def_free);

  def = g_new (TaskDef, 1);
  def->name = g_strdup (name != NULL ? name : "task");
  def->func = func;
  def->user_data = user_data;
  _mode_destroy_init (&def->destroy, destroy, user_data, GET_PRIV (self)->context);
  g_ptr_array_add (extras->task_defs, def);
}

/**
 * mode_service_class_add_task_full:
 * @klass: a #ModeServiceClass
 * @name: (nullable): a name for the task
 * @func: (scope notified): the function that starts the work
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data; classes
 *   live as long as the program, so it is never called
 *
 * Adds a background task that runs on every start of every service of
 * the class and its subclasses (Mode's `@Service.task` on a class). The
 * tasks of a class are looked up when a service starts, along its chain
 * of types from #ModeService down, so a binding may add them after the
 * class was made.
 *
 * Since: 0.1
 */
void
mode_service_class_add_task_full (ModeServiceClass *klass,
                                  const char       *name,
                                  ModeTaskFunc      func,
                                  gpointer          user_data,
                                  GDestroyNotify    destroy)
{
  TaskDef *def;

  g_return_if_fail (MODE_IS_SERVICE_CLASS (klass));
  g_return_if_fail (func != NULL);

  def = g_new (TaskDef, 1);
  def->name = g_strdup (name != NULL ? name : "task");
  def->func = func;
  def->user_data = user_data;
  /* classes live as long as the program: @destroy is never called */
  _mode_destroy_init (&def->destroy, NULL, user_data, NULL);
  class_registry_add (&class_tasks, G_TYPE_FROM_CLASS (klass), def);
}

/**
 * mode_service_add_timer:
 * @self: a #ModeService
 * @name: (nullable): a name for the timer
 * @interval: the interval in seconds, more than 0
 * @func: (scope notified): the function to call on every tick
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data with the timer
 *
 * Adds a timer to the service (Mode's `@Service.timer`): while the
 * service runs, @func is called every @interval seconds, the first time
 * one interval after the start, on an absolute schedule (see #ModeTimer).
 * The timer stops when the service stops and starts again with it; one
 * added to a running service starts at once.
 *
 * Returns: (transfer none): the #ModeTimer, owned by the service
 *
 * Since: 0.1
 */
ModeTimer *
mode_service_add_timer (ModeService    *self,
                        const char     *name,
                        gdouble         interval,
                        ModeTimerFunc   func,
                        gpointer        user_data,
                        GDestroyNotify  destroy)
{
  ModeServicePrivate *priv;
  ServiceExtras *extras;
  ModeTimer *timer;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);
  g_return_val_if_fail (interval > 0, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  priv = GET_PRIV (self);
  extras = service_get_extras (self);
  if (extras->timers == NULL)
    extras->timers = g_ptr_array_new_with_free_func (g_object_unref);

  timer = _mode_timer_new (self, name != NULL ? name : "timer", interval, func, user_data, destroy);
  g_ptr_array_add (extras->timers, timer);

  if (priv->timers_running && !service_should_stop (priv))
    _mode_timer_start (timer, service_get_scheduler (self));

  return timer;
}

/**
 * mode_service_class_add_timer_full:
 * @klass: a #ModeServiceClass
 * @name: (nullable): a name for the timer
 * @interval: the interval in seconds, more than 0
 * @func: (scope notified): the function to call on every tick
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data; classes
 *   live as long as the program, so it is never called
 *
 * Adds a timer to every service of the class and its subclasses, as
 * mode_service_add_timer() does for one service. Looked up on the first
 * start of each service, so a binding may add timers after the class was
 * made.
 *
 * Since: 0.1
 */
void
mode_service_class_add_timer_full (ModeServiceClass *klass,
                                   const char       *name,
                                   gdouble           interval,
                                   ModeTimerFunc     func,
                                   gpointer          user_data,
                                   GDestroyNotify    destroy)
{
  TimerDef *def;

  g_return_if_fail (MODE_IS_SERVICE_CLASS (klass));
  g_return_if_fail (interval > 0);
  g_return_if_fail (func != NULL);

  def = g_new (TimerDef, 1);
  def->name = g_strdup (name != NULL ? name : "timer");
  def->interval = interval;
  def->func = func;
  def->user_data = user_data;
  def->destroy = destroy;
  class_registry_add (&class_timers, G_TYPE_FROM_CLASS (klass), def);
}

/**
 * mode_service_get_timers:
 * @self: a #ModeService
 *
 * Gets the timers of the service: those of its class (once it started)
 * and those added to it.
 *
 * Returns: (transfer container) (element-type ModeTimer): the timers
 *
 * Since: 0.1
 */
GPtrArray *
mode_service_get_timers (ModeService *self)
{
  ServiceExtras *extras;
  GPtrArray *ret;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  ret = g_ptr_array_new_with_free_func (g_object_unref);
  extras = GET_PRIV (self)->extras;
  if (extras != NULL && extras->timers != NULL)
    for (guint i = 0; i < extras->timers->len; i++)
      g_ptr_array_add (ret, g_object_ref (g_ptr_array_index (extras->timers, i)));

  return ret;
}

/**
 * mode_service_get_n_tasks:
 * @self: a #ModeService
 *
 * Gets how many background tasks of the service are running.
 *
 * Returns: the number of running tasks
 *
 * Since: 0.1
 */
guint
mode_service_get_n_tasks (ModeService *self)
{
  ServiceExtras *extras;

  g_return_val_if_fail (MODE_IS_SERVICE (self), 0);

  extras = GET_PRIV (self)->extras;
  return extras != NULL ? extras->tasks.length : 0;
}

static void
sleep_dispatch (ModeService         *self,
                gpointer             source_tag,
                const char          *name,
                ModeEvent           *event,
                gdouble              seconds,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  SleepCall *call = g_new0 (SleepCall, 1);

  call->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (call->task, source_tag);
  g_task_set_name (call->task, name);
  call->event = event != NULL ? g_object_ref (event) : NULL;
  call->seconds = seconds;

  run_in_context (self, sleep_in_context, call, sleep_call_free);
}

/**
 * mode_service_sleep_async:
 * @self: a #ModeService
 * @seconds: how long to sleep, 0 or more
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the time passed or the service
 *   must stop
 * @user_data: data for @callback
 *
 * Sleeps for @seconds on the service's #ModeClock, or less when the
 * service stops or crashes meanwhile: a task that loops on this call
 * ends promptly when its service stops.
 *
 * Since: 0.1
 */
void
mode_service_sleep_async (ModeService         *self,
                          gdouble              seconds,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (seconds >= 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  sleep_dispatch (self, mode_service_sleep_async, "[mode] sleep", NULL,
                  seconds, cancellable, callback, user_data);
}

/**
 * mode_service_sleep_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_sleep_async().
 *
 * Returns: %TRUE when the whole time passed, %FALSE when the service
 *   stopped or crashed first (or with @error set when cancelled)
 *
 * Since: 0.1
 */
gboolean
mode_service_sleep_finish (ModeService   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_sleep_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mode_service_wait_async:
 * @self: a #ModeService
 * @event: (nullable): the #ModeEvent to wait for, or %NULL to wait only
 *   for the service to stop
 * @timeout: the most seconds to wait, or less than 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the wait is over
 * @user_data: data for @callback
 *
 * Waits for @event to be set, for the service to stop or crash, or for
 * @timeout seconds to pass on the service's #ModeClock, whichever comes
 * first.
 *
 * Since: 0.1
 */
void
mode_service_wait_async (ModeService         *self,
                         ModeEvent           *event,
                         gdouble              timeout,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (event == NULL || MODE_IS_EVENT (event));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  sleep_dispatch (self, mode_service_wait_async, "[mode] wait", event,
                  timeout, cancellable, callback, user_data);
}

/**
 * mode_service_wait_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_wait_async().
 *
 * Returns: %TRUE when the event was set, %FALSE when the service stopped
 *   or crashed first, or %FALSE with @error set to %MODE_ERROR_TIMEOUT
 *   when the timeout passed (or to %G_IO_ERROR_CANCELLED)
 *
 * Since: 0.1
 */
gboolean
mode_service_wait_finish (ModeService   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_wait_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mode_service_add_cleanup:
 * @self: a #ModeService
 * @func: (scope notified): the cleanup
 * @user_data: (closure): data for @func
 * @destroy: (destroy user_data) (nullable): frees @user_data after the
 *   cleanup ran, or with the service if it never ran
 *
 * Adds a cleanup to the service's exit stack (Mode's `exit_stack`):
 * when the service stops, after its tasks ended, the cleanups run in the
 * reverse order they were added, and are then forgotten, so that a
 * restart's @on_start adds them again.
 *
 * Since: 0.1
 */
void
mode_service_add_cleanup (ModeService     *self,
                          ModeCleanupFunc  func,
                          gpointer         user_data,
                          GDestroyNotify   destroy)
{
  ServiceExtras *extras;
  Cleanup cleanup = { func, user_data, { NULL, NULL, NULL } };

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (func != NULL);

  _mode_destroy_init (&cleanup.destroy, destroy, user_data, GET_PRIV (self)->context);

  extras = service_get_extras (self);
  if (extras->cleanups == NULL)
    extras->cleanups = g_array_new (FALSE, FALSE, sizeof (Cleanup));
  g_array_append_val (extras->cleanups, cleanup);
}

/* }}} */

/* Diagnostics {{{ */

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static FlagState *
flag_state (ModeService *self,
            const char  *flag,
            gboolean     create)
{
  ServiceExtras *extras = create ? service_get_extras (self) : GET_PRIV (self)->extras;
  FlagState *state;

  if (extras == NULL)
    return NULL;
  if (extras->flags == NULL)
    {
      if (!create)
        return NULL;
      extras->flags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    }

  state = g_hash_table_lookup (extras->flags, flag);
  if (state == NULL && create)
    {
      state = g_new0 (FlagState, 1);
      g_hash_table_insert (extras->flags, g_strdup (flag), state);
    }

  return state;
}

/**
 * mode_service_diag_set_flag:
 * @self: a #ModeService
 * @flag: the flag, a short word saying what the service is doing
 *
 * Sets a diagnostic flag (Mode's `diag.set_flag`), to show what the
 * service is busy with: mode_service_describe() lists the flags that are
 * set, and when each last changed.
 *
 * Since: 0.1
 */
void
mode_service_diag_set_flag (ModeService *self,
                            const char  *flag)
{
  FlagState *state;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (flag != NULL);

  state = flag_state (self, flag, TRUE);
  state->set = TRUE;
  state->last_transition = service_now (self);
}

/**
 * mode_service_diag_unset_flag:
 * @self: a #ModeService
 * @flag: the flag
 *
 * Unsets a diagnostic flag.
 *
 * Since: 0.1
 */
void
mode_service_diag_unset_flag (ModeService *self,
                              const char  *flag)
{
  FlagState *state;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (flag != NULL);

  state = flag_state (self, flag, FALSE);
  if (state != NULL && state->set)
    {
      state->set = FALSE;
      state->last_transition = service_now (self);
    }
}

/**
 * mode_service_diag_has_flag:
 * @self: a #ModeService
 * @flag: the flag
 *
 * Gets whether a diagnostic flag is set.
 *
 * Returns: %TRUE when @flag is set
 *
 * Since: 0.1
 */
gboolean
mode_service_diag_has_flag (ModeService *self,
                            const char  *flag)
{
  FlagState *state;

  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (flag != NULL, FALSE);

  state = flag_state (self, flag, FALSE);
  return state != NULL && state->set;
}

/**
 * mode_service_diag_get_flags:
 * @self: a #ModeService
 *
 * Gets the diagnostic flags that are set, sorted.
 *
 * Returns: (transfer full) (array zero-terminated=1): the flags
 *
 * Since: 0.1
 */
char **
mode_service_diag_get_flags (ModeService *self)
{
  ServiceExtras *extras;
  GPtrArray *flags;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  flags = g_ptr_array_new ();
  extras = GET_PRIV (self)->extras;
  if (extras != NULL && extras->flags != NULL)
    {
      g_hash_table_iter_init (&iter, extras->flags);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (((FlagState *) value)->set)
          g_ptr_array_add (flags, g_strdup (key));
    }
  g_ptr_array_sort (flags, compare_strings);
  g_ptr_array_add (flags, NULL);

  return (char **) g_ptr_array_free (flags, FALSE);
}

/**
 * mode_service_diag_get_last_transition:
 * @self: a #ModeService
 * @flag: the flag
 *
 * Gets when a diagnostic flag was last set or unset, on the service's
 * #ModeClock.
 *
 * Returns: the time in microseconds, or 0 when the flag was never set
 *
 * Since: 0.1
 */
gint64
mode_service_diag_get_last_transition (ModeService *self,
                                       const char  *flag)
{
  FlagState *state;

  g_return_val_if_fail (MODE_IS_SERVICE (self), 0);
  g_return_val_if_fail (flag != NULL, 0);

  state = flag_state (self, flag, FALSE);
  return state != NULL ? state->last_transition : 0;
}

static void
describe_service (ModeService *self,
                  GString     *out,
                  guint        indent,
                  GHashTable  *seen)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = priv->extras;
  GEnumClass *states;
  gint64 now;

  if (service_resolve (self) != self)
    {
      /* a proxy: the service it stands for */
      g_string_append_printf (out, "%*s%s (proxy)\n", indent * 2, "",
                              mode_service_get_label (self));
      describe_service (service_resolve (self), out, indent + 1, seen);
      return;
    }

  states = g_type_class_ref (MODE_TYPE_SERVICE_STATE);
  now = service_now (self);

  g_string_append_printf (out, "%*s%s [%s]", indent * 2, "",
                          mode_service_get_label (self),
                          g_enum_get_value (states, derived_state (priv))->value_nick);
  g_type_class_unref (states);
  if (priv->restart_count > 0)
    g_string_append_printf (out, " restarts=%u", priv->restart_count);
  if (priv->crashed && priv->crash_reason != NULL)
    g_string_append_printf (out, " reason=\"%s\"", priv->crash_reason->message);
  g_string_append_c (out, '\n');

  if (!g_hash_table_add (seen, self))
    {
      g_string_append_printf (out, "%*s(described above)\n", (indent + 1) * 2, "");
      return;
    }

  if (extras != NULL)
    {
      if (extras->flags != NULL)
        {
          g_auto(GStrv) flags = mode_service_diag_get_flags (self);

          for (guint i = 0; flags[i] != NULL; i++)
            {
              FlagState *state = flag_state (self, flags[i], FALSE);
              g_string_append_printf (out, "%*sflag %s (set %.3f s ago)\n", (indent + 1) * 2, "",
                                      flags[i], (now - state->last_transition) / (gdouble) G_USEC_PER_SEC);
            }
        }

      for (GList *l = extras->tasks.head; l != NULL; l = l->next)
        {
          TaskEntry *entry = l->data;
          g_string_append_printf (out, "%*stask %s (running for %.3f s)\n", (indent + 1) * 2, "",
                                  entry->name, (now - entry->started_at) / (gdouble) G_USEC_PER_SEC);
        }

      if (extras->timers != NULL)
        for (guint i = 0; i < extras->timers->len; i++)
          {
            g_string_append_printf (out, "%*s", (indent + 1) * 2, "");
            _mode_timer_describe (g_ptr_array_index (extras->timers, i), out);
            g_string_append_c (out, '\n');
          }
    }

  if (priv->children != NULL)
    for (guint i = 0; i < priv->children->len; i++)
      describe_service (g_ptr_array_index (priv->children, i), out, indent + 1, seen);
}

/**
 * mode_service_describe:
 * @self: a #ModeService
 *
 * Describes the service and its dependencies as text, one service a line
 * with its label and state, and under each its diagnostic flags, its
 * running tasks with their age, and its timers with their figures. What
 * a worker prints on SIGUSR1.
 *
 * Returns: (transfer full): the description
 *
 * Since: 0.1
 */
char *
mode_service_describe (ModeService *self)
{
  g_autoptr(GHashTable) seen = NULL;
  GString *out;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  seen = g_hash_table_new (NULL, NULL);
  out = g_string_new (NULL);
  describe_service (self, out, 0, seen);

  /* labels, names and messages come from anywhere: the text is UTF-8 */
  if (!g_utf8_validate_len (out->str, out->len, NULL))
    {
      char *valid = g_utf8_make_valid (out->str, out->len);

      g_string_free (out, TRUE);
      return valid;
    }

  return g_string_free (out, FALSE);
}

/* }}} */

/* Dependencies {{{ */

static gboolean
depends_on (ModeService *self,
            ModeService *target,
            GHashTable  *seen)
{
  ModeServicePrivate *priv;

  if (self == target)
    return TRUE;
  self = service_resolve (self);  /* a proxy depends on what its service does */
  priv = GET_PRIV (self);
  if (self == target)
    return TRUE;
  if (priv->children == NULL || !g_hash_table_add (seen, self))
    return FALSE;

  for (guint i = 0; i < priv->children->len; i++)
    if (depends_on (g_ptr_array_index (priv->children, i), target, seen))
      return TRUE;

  return FALSE;
}

/* Does @self depend on @target, directly or not? */
static gboolean
depends_on_service (ModeService *self,
                    ModeService *target)
{
  g_autoptr(GHashTable) seen = NULL;

  if (GET_PRIV (service_resolve (self))->children == NULL)
    return FALSE;

  seen = g_hash_table_new (NULL, NULL);
  return depends_on (self, target, seen);
}

static gboolean
has_dependency (ModeService *self,
                ModeService *service)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (priv->children == NULL)
    return FALSE;

  for (guint i = priv->children->len; i > 0; i--)
    if (g_ptr_array_index (priv->children, i - 1) == service)
      return TRUE;

  return FALSE;
}

/**
 * mode_service_add_dependency:
 * @self: a #ModeService
 * @service: the service @self depends on
 *
 * Adds @service to the dependencies of @self: it starts after the
 * @on_start of @self, in the order the dependencies were added, and
 * stops, in reverse order, after its @on_stop. The beacon of @service
 * moves under the beacon of @self. Adding a dependency twice does
 * nothing. A service that does not run yet is not started by this call:
 * see mode_service_add_runtime_dependency_async().
 *
 * A service cannot depend on itself, nor on a service that depends on it:
 * that is a programmer error and returns %NULL.
 *
 * Returns: (transfer none) (nullable): @service
 *
 * Since: 0.1
 */
ModeService *
mode_service_add_dependency (ModeService *self,
                             ModeService *service)
{
  ModeServicePrivate *priv;
  ModeServicePrivate *spriv;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);
  g_return_val_if_fail (MODE_IS_SERVICE (service), NULL);

  self = service_resolve (self);
  priv = GET_PRIV (self);
  spriv = GET_PRIV (service_resolve (service));

  if (G_UNLIKELY (self == service))
    {
      /* g_log(), as g_return_if_fail() does, so that tests can expect it */
      g_log (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "Service %s cannot depend on itself",
                  mode_service_get_label (self));
      return NULL;
    }

  /* A service that has a parent may already be ours. */
  if (mode_node_get_parent (SERVICE_BEACON (service)) != NULL && has_dependency (self, service))
    return service;

  if (spriv->children != NULL && spriv->children->len > 0)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

      if (depends_on (service, self, seen))
        {
          g_log (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                 "Service %s cannot depend on %s: %s already depends on %s",
                      mode_service_get_label (self),
                      mode_service_get_label (service),
                      mode_service_get_label (service),
                      mode_service_get_label (self));
          return NULL;
        }
    }

  if (priv->children == NULL)
    priv->children = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (priv->children, g_object_ref (service));
  priv->deps_serial++;

  mode_node_reattach (SERVICE_BEACON (service), priv->beacon);

  return service;
}

typedef struct
{
  ModeService *service;        /* (owned) */
  GSource     *cancel_source;  /* (owned) (nullable) */
  gboolean     answered;
} DependencyCall;

static void
dependency_call_free (gpointer data)
{
  DependencyCall *call = data;

  g_assert (call->cancel_source == NULL);
  g_object_unref (call->service);
  g_free (call);
}

/* Claims the answer of a dependency call: FALSE when it was given. */
static gboolean
dependency_call_claim (GTask *task)
{
  DependencyCall *call = g_task_get_task_data (task);

  if (call->answered)
    return FALSE;

  call->answered = TRUE;
  if (call->cancel_source != NULL)
    {
      g_source_destroy (call->cancel_source);
      g_clear_pointer (&call->cancel_source, g_source_unref);
    }
  return TRUE;
}

/* Takes @child out of the dependencies of @self without stopping it. */
static void
detach_dependency (ModeService *self,
                   ModeService *child)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (priv->children == NULL || !has_dependency (self, child))
    return;

  mode_node_detach (SERVICE_BEACON (child), priv->beacon);
  g_ptr_array_remove (priv->children, child);
}

/* A runtime dependency that failed to start has stopped: it goes. */
static void
runtime_dependency_failed_stopped (ModeService  *child,
                                   const GError *error,
                                   gpointer      data)
{
  GTask *task = data;
  ModeService *self = service_resolve (g_task_get_source_object (task));
  const GError *start_error = g_object_get_data (G_OBJECT (task), "mode-start-error");

  if (error != NULL)
    service_log (self, G_LOG_LEVEL_MESSAGE, "Error while stopping child %s: %s",
                 mode_service_get_label (child), error->message);

  if (dependency_call_claim (task))
    g_task_return_error (task, g_error_copy (start_error));
  g_object_unref (task);
}

static void
runtime_dependency_started (ModeService  *child,
                            const GError *error,
                            gpointer      data)
{
  GTask *task = data;

  if (error != NULL && !g_error_matches (error, MODE_ERROR, MODE_ERROR_ALREADY_STARTED))
    {
      /* it fails its caller, and only that: it is taken out of the tree
       * at once (nothing of the parent starts it again), then stopped
       * (what it started, its cleanups) */
      detach_dependency (service_resolve (g_task_get_source_object (task)), child);
      g_object_set_data_full (G_OBJECT (task), "mode-start-error", g_error_copy (error),
                              (GDestroyNotify) g_error_free);
      service_begin (child, MODE_OP_STOP, runtime_dependency_failed_stopped, task);
      return;
    }

  if (dependency_call_claim (task))
    g_task_return_pointer (task, child, NULL);
  g_object_unref (task);
}

/* The call was cancelled: it returns now, and a start under way ends
 * as a failed one does (stopped, detached). */
static gboolean
runtime_dependency_cancelled (GCancellable *cancellable,
                              gpointer      data)
{
  GTask *task = data;
  DependencyCall *call = g_task_get_task_data (task);

  if (!dependency_call_claim (task))
    return G_SOURCE_REMOVE;

  g_task_return_error_if_cancelled (task);
  service_begin (call->service, MODE_OP_STOP, nothing_done, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
add_runtime_dependency_in_context (gpointer data)
{
  GTask *task = data;
  ModeService *self = service_resolve (g_task_get_source_object (task));
  ModeServicePrivate *priv = GET_PRIV (self);
  DependencyCall *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  ModeService *child = call->service;

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;

  /* at run time, a cycle is an error, not a programmer's mistake */
  if (child == self || service_resolve (child) == self || depends_on_service (child, self))
    {
      g_task_return_new_error (task, MODE_ERROR, MODE_ERROR_CYCLE,
                               _("Service %s cannot depend on %s: %s already depends on %s"),
                               mode_service_get_label (self),
                               mode_service_get_label (child),
                               mode_service_get_label (child),
                               mode_service_get_label (self));
      return G_SOURCE_REMOVE;
    }

  mode_service_add_dependency (self, child);

  if (priv->started && !service_should_stop (priv))
    {
      if (cancellable != NULL)
        {
          call->cancel_source = g_cancellable_source_new (cancellable);
          g_source_set_static_name (call->cancel_source, "[mode] add_runtime_dependency cancelled");
          g_source_set_callback (call->cancel_source, G_SOURCE_FUNC (runtime_dependency_cancelled),
                                 task, NULL);
          g_source_attach (call->cancel_source, priv->context);
        }
      service_begin (child, MODE_OP_START_CONTAINED, runtime_dependency_started,
                     g_object_ref (task));
      return G_SOURCE_REMOVE;
    }

  g_task_return_pointer (task, child, NULL);
  return G_SOURCE_REMOVE;
}

/**
 * mode_service_add_runtime_dependency_async:
 * @self: a #ModeService
 * @service: the service @self depends on
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Adds @service to the dependencies of @self, as
 * mode_service_add_dependency() does, and starts it if @self has started
 * and is not stopping.
 *
 * Since: 0.1
 */
void
mode_service_add_runtime_dependency_async (ModeService         *self,
                                           ModeService         *service,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  DependencyCall *call;
  GTask *task;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (MODE_IS_SERVICE (service));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call = g_new0 (DependencyCall, 1);
  call->service = g_object_ref (service);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mode_service_add_runtime_dependency_async);
  g_task_set_name (task, "[mode] add_runtime_dependency");
  g_task_set_task_data (task, call, dependency_call_free);

  run_in_context (self, add_runtime_dependency_in_context, task, g_object_unref);
}

/**
 * mode_service_add_runtime_dependency_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_add_runtime_dependency_async().
 *
 * Returns: (transfer none) (nullable): the added service, or %NULL with
 *   @error set when it failed to start
 *
 * Since: 0.1
 */
ModeService *
mode_service_add_runtime_dependency_finish (ModeService   *self,
                                            GAsyncResult  *result,
                                            GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_add_runtime_dependency_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
removed_dependency_stopped (ModeService  *child,
                            const GError *error,
                            gpointer      data)
{
  GTask *task = data;
  ModeService *self = service_resolve (g_task_get_source_object (task));

  if (error != NULL)
    service_log (self, G_LOG_LEVEL_MESSAGE, "Error while stopping child %s: %s",
                 mode_service_get_label (child), error->message);

  if (dependency_call_claim (task))
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* The call was cancelled: it returns now; the stop and the removal go on. */
static gboolean
remove_dependency_cancelled (GCancellable *cancellable,
                             gpointer      data)
{
  GTask *task = data;

  if (dependency_call_claim (task))
    g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

static gboolean
remove_dependency_in_context (gpointer data)
{
  GTask *task = data;
  ModeService *self = service_resolve (g_task_get_source_object (task));
  DependencyCall *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;

  if (!has_dependency (self, call->service))
    {
      g_task_return_new_error (task, MODE_ERROR, MODE_ERROR_NOT_A_DEPENDENCY,
                               _("Service %s is not a dependency of %s"),
                               mode_service_get_label (call->service),
                               mode_service_get_label (self));
      return G_SOURCE_REMOVE;
    }

  if (cancellable != NULL)
    {
      call->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (call->cancel_source, "[mode] remove_dependency cancelled");
      g_source_set_callback (call->cancel_source, G_SOURCE_FUNC (remove_dependency_cancelled),
                             task, NULL);
      g_source_attach (call->cancel_source, GET_PRIV (self)->context);
    }

  /* out of the tree first: while it stops, nothing of @self (a restart
   * that starts its dependencies, say) reaches it any more */
  detach_dependency (self, call->service);
  service_begin (call->service, MODE_OP_STOP, removed_dependency_stopped, g_object_ref (task));
  return G_SOURCE_REMOVE;
}

/**
 * mode_service_remove_dependency_async:
 * @self: a #ModeService
 * @service: a dependency of @self
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Removes @service from the dependencies of @self (its beacon is
 * detached from the beacon of @self) and stops it; completes once it
 * stopped. It leaves the dependencies at once, so that nothing @self
 * does meanwhile (a restart that starts its dependencies again) reaches
 * it. Fails with %MODE_ERROR_NOT_A_DEPENDENCY when @service is not a
 * dependency of @self. Cancelling @cancellable makes the call return
 * %G_IO_ERROR_CANCELLED at once; the stop goes on.
 *
 * Since: 0.1
 */
void
mode_service_remove_dependency_async (ModeService         *self,
                                      ModeService         *service,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  DependencyCall *call;
  GTask *task;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (MODE_IS_SERVICE (service));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call = g_new0 (DependencyCall, 1);
  call->service = g_object_ref (service);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mode_service_remove_dependency_async);
  g_task_set_name (task, "[mode] remove_dependency");
  g_task_set_task_data (task, call, dependency_call_free);

  run_in_context (self, remove_dependency_in_context, task, g_object_unref);
}

/**
 * mode_service_remove_dependency_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_remove_dependency_async().
 *
 * Returns: %TRUE when the dependency was stopped and removed, %FALSE
 *   with @error set otherwise
 *
 * Since: 0.1
 */
gboolean
mode_service_remove_dependency_finish (ModeService   *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, mode_service_remove_dependency_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Puts @service where @old stands in the dependencies of @self. */
void
_mode_service_replace_dependency (ModeService *self,
                                  ModeService *old,
                                  ModeService *service)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  g_return_if_fail (priv->children != NULL);

  for (guint i = 0; i < priv->children->len; i++)
    {
      if (g_ptr_array_index (priv->children, i) != old)
        continue;

      mode_node_detach (SERVICE_BEACON (old), priv->beacon);
      g_ptr_array_index (priv->children, i) = g_object_ref (service);
      priv->deps_serial++;
      mode_node_reattach (SERVICE_BEACON (service), priv->beacon);
      g_object_unref (old);
      return;
    }

  g_return_if_reached ();
}

/* Removes @service from the dependencies of @self without stopping it. */
void
_mode_service_detach_dependency (ModeService *self,
                                 ModeService *service)
{
  detach_dependency (self, service);
}

/**
 * mode_service_get_dependencies:
 * @self: a #ModeService
 *
 * Gets the dependencies of @self, in the order they were added.
 *
 * Returns: (transfer container) (element-type ModeService): the dependencies
 *
 * Since: 0.1
 */
GPtrArray *
mode_service_get_dependencies (ModeService *self)
{
  ModeServicePrivate *priv;
  GPtrArray *ret;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  priv = GET_PRIV (service_resolve (self));
  if (priv->children == NULL)
    return g_ptr_array_new_with_free_func (g_object_unref);

  ret = g_ptr_array_new_full (priv->children->len, g_object_unref);
  for (guint i = 0; i < priv->children->len; i++)
    g_ptr_array_add (ret, g_object_ref (g_ptr_array_index (priv->children, i)));

  return ret;
}

/* }}} */

/* Properties {{{ */

static gboolean
set_str (char       **str_pointer,
         const char  *new_str)
{
  if (g_strcmp0 (*str_pointer, new_str) == 0)
    return FALSE;

  g_free (*str_pointer);
  *str_pointer = g_strdup (new_str);
  return TRUE;
}

/**
 * mode_service_get_state:
 * @self: a #ModeService
 *
 * Gets the state of the service: %MODE_SERVICE_STATE_CRASHED while it is
 * crashed, its lifecycle state otherwise.
 *
 * Returns: the state
 *
 * Since: 0.1
 */
ModeServiceState
mode_service_get_state (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), MODE_SERVICE_STATE_INIT);

  self = service_resolve (self);
  return derived_state (GET_PRIV (self));
}

/**
 * mode_service_get_started:
 * @self: a #ModeService
 *
 * Gets whether the service was started (since it was made or last reset
 * by a restart), whatever happened since.
 *
 * Returns: %TRUE once a start began
 *
 * Since: 0.1
 */
gboolean
mode_service_get_started (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);

  self = service_resolve (self);
  return GET_PRIV (self)->started;
}

/**
 * mode_service_get_crashed:
 * @self: a #ModeService
 *
 * Gets whether the service crashed.
 *
 * Returns: %TRUE while the crash flag is set
 *
 * Since: 0.1
 */
gboolean
mode_service_get_crashed (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);

  self = service_resolve (self);
  return GET_PRIV (self)->crashed;
}

/**
 * mode_service_get_should_stop:
 * @self: a #ModeService
 *
 * Gets whether the service must stop: its stop began or it crashed.
 * Long-running work of the service checks it.
 *
 * Returns: %TRUE when the service must stop
 *
 * Since: 0.1
 */
gboolean
mode_service_get_should_stop (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);

  self = service_resolve (self);
  return service_should_stop (GET_PRIV (self));
}

/**
 * mode_service_get_crash_reason:
 * @self: a #ModeService
 *
 * Gets why the service crashed.
 *
 * Returns: (transfer none) (nullable): the reason, or %NULL when the
 *   service did not crash
 *
 * Since: 0.1
 */
const GError *
mode_service_get_crash_reason (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  self = service_resolve (self);
  return GET_PRIV (self)->crash_reason;
}

/**
 * mode_service_get_restart_count:
 * @self: a #ModeService
 *
 * Gets how many times the service was reset by a restart (its own or one
 * of a service that depends on it).
 *
 * Returns: the number of restarts
 *
 * Since: 0.1
 */
guint
mode_service_get_restart_count (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), 0);

  self = service_resolve (self);
  return GET_PRIV (self)->restart_count;
}

/**
 * mode_service_get_label:
 * @self: a #ModeService
 *
 * Gets the label of the service, which names it in graphs, errors and
 * log lines. It is the name of the service's type unless set.
 *
 * Returns: (transfer none): the label
 *
 * Since: 0.1
 */
const char *
mode_service_get_label (ModeService *self)
{
  ModeServicePrivate *priv;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  priv = GET_PRIV (self);
  return priv->label != NULL ? priv->label : G_OBJECT_TYPE_NAME (self);
}

/**
 * mode_service_set_label:
 * @self: a #ModeService
 * @label: (nullable): the label, or %NULL for the type name
 *
 * Sets the label of the service.
 *
 * Since: 0.1
 */
void
mode_service_set_label (ModeService *self,
                        const char  *label)
{
  ModeServicePrivate *priv;

  g_return_if_fail (MODE_IS_SERVICE (self));

  priv = GET_PRIV (self);
  if (set_str (&priv->label, label))
    {
      notify_property (self, properties[PROP_LABEL]);
      if (priv->shortlabel == NULL)
        notify_property (self, properties[PROP_SHORTLABEL]);
    }
}

/**
 * mode_service_get_shortlabel:
 * @self: a #ModeService
 *
 * Gets the short label of the service, which names it in log lines and
 * beacon paths. It is the #ModeService:label unless set.
 *
 * Returns: (transfer none): the short label
 *
 * Since: 0.1
 */
const char *
mode_service_get_shortlabel (ModeService *self)
{
  ModeServicePrivate *priv;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  priv = GET_PRIV (self);
  return priv->shortlabel != NULL ? priv->shortlabel : mode_service_get_label (self);
}

/**
 * mode_service_set_shortlabel:
 * @self: a #ModeService
 * @shortlabel: (nullable): the short label, or %NULL for the label
 *
 * Sets the short label of the service.
 *
 * Since: 0.1
 */
void
mode_service_set_shortlabel (ModeService *self,
                             const char  *shortlabel)
{
  g_return_if_fail (MODE_IS_SERVICE (self));

  if (set_str (&GET_PRIV (self)->shortlabel, shortlabel))
    notify_property (self, properties[PROP_SHORTLABEL]);
}

/**
 * mode_service_get_wait_for_shutdown:
 * @self: a #ModeService
 *
 * Gets whether stopping the service waits for mode_service_set_shutdown().
 *
 * Returns: the #ModeService:wait-for-shutdown property
 *
 * Since: 0.1
 */
gboolean
mode_service_get_wait_for_shutdown (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);

  return GET_PRIV (self)->wait_for_shutdown;
}

/**
 * mode_service_set_wait_for_shutdown:
 * @self: a #ModeService
 * @wait_for_shutdown: whether the stop waits for mode_service_set_shutdown()
 *
 * Sets whether stopping the service waits, after its dependencies
 * stopped, for mode_service_set_shutdown(), for at most
 * #ModeService:shutdown-timeout seconds.
 *
 * Since: 0.1
 */
void
mode_service_set_wait_for_shutdown (ModeService *self,
                                    gboolean     wait_for_shutdown)
{
  ModeServicePrivate *priv;

  g_return_if_fail (MODE_IS_SERVICE (self));

  priv = GET_PRIV (self);
  wait_for_shutdown = !!wait_for_shutdown;
  if (priv->wait_for_shutdown != (guint) wait_for_shutdown)
    {
      priv->wait_for_shutdown = wait_for_shutdown;
      notify_property (self, properties[PROP_WAIT_FOR_SHUTDOWN]);
    }
}

/**
 * mode_service_get_shutdown_timeout:
 * @self: a #ModeService
 *
 * Gets how long a stop waits for mode_service_set_shutdown().
 *
 * Returns: the timeout in seconds
 *
 * Since: 0.1
 */
gdouble
mode_service_get_shutdown_timeout (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), 0.0);

  return GET_PRIV (self)->shutdown_timeout;
}

/**
 * mode_service_set_shutdown_timeout:
 * @self: a #ModeService
 * @seconds: the timeout in seconds, 0 or more
 *
 * Sets how long a stop waits for mode_service_set_shutdown() when
 * #ModeService:wait-for-shutdown is set.
 *
 * Since: 0.1
 */
void
mode_service_set_shutdown_timeout (ModeService *self,
                                   gdouble      seconds)
{
  ModeServicePrivate *priv;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (seconds >= 0.0);

  priv = GET_PRIV (self);
  if (priv->shutdown_timeout != seconds)
    {
      priv->shutdown_timeout = seconds;
      notify_property (self, properties[PROP_SHUTDOWN_TIMEOUT]);
    }
}

/**
 * mode_service_get_main_context:
 * @self: a #ModeService
 *
 * Gets the main context the service lives in.
 *
 * Returns: (transfer none): the #GMainContext
 *
 * Since: 0.1
 */
GMainContext *
mode_service_get_main_context (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  return GET_PRIV (self)->context;
}

/**
 * mode_service_get_beacon:
 * @self: a #ModeService
 *
 * Gets the beacon of the service, its node in the tree of services.
 *
 * Returns: (transfer none): the beacon
 *
 * Since: 0.1
 */
ModeNode *
mode_service_get_beacon (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  return SERVICE_BEACON (self);
}

/**
 * mode_service_get_supervisor:
 * @self: a #ModeService
 *
 * Gets the service that supervises @self.
 *
 * Returns: (transfer none) (nullable): the supervisor
 *
 * Since: 0.1
 */
ModeService *
mode_service_get_supervisor (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  return GET_PRIV (self)->supervisor;
}

/**
 * mode_service_set_supervisor:
 * @self: a #ModeService
 * @supervisor: (nullable): the supervisor
 *
 * Sets the service that supervises @self: when @self crashes, the
 * @supervised_crash vfunc of @supervisor is called instead of crashing
 * the whole tree. Supervisors set this themselves when a service is
 * added to them. The supervisor is not kept alive by @self.
 *
 * Since: 0.1
 */
void
mode_service_set_supervisor (ModeService *self,
                             ModeService *supervisor)
{
  ModeServicePrivate *priv;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (supervisor == NULL || MODE_IS_SERVICE (supervisor));
  g_return_if_fail (supervisor != self);

  priv = GET_PRIV (self);
  if (priv->supervisor == supervisor)
    return;

  if (priv->supervisor != NULL)
    g_object_remove_weak_pointer (G_OBJECT (priv->supervisor), (gpointer *) &priv->supervisor);
  priv->supervisor = supervisor;
  if (supervisor != NULL)
    g_object_add_weak_pointer (G_OBJECT (supervisor), (gpointer *) &priv->supervisor);

  notify_property (self, properties[PROP_SUPERVISOR]);
}

/**
 * mode_service_get_mundane_level:
 * @self: a #ModeService
 *
 * Gets the log level of the service's routine lines ("Starting...",
 * "Stopping...").
 *
 * Returns: a #GLogLevelFlags value
 *
 * Since: 0.1
 */
guint
mode_service_get_mundane_level (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), G_LOG_LEVEL_INFO);

  return GET_PRIV (self)->mundane_level;
}

/**
 * mode_service_set_mundane_level:
 * @self: a #ModeService
 * @level: one #GLogLevelFlags level: %G_LOG_LEVEL_DEBUG,
 *   %G_LOG_LEVEL_INFO or %G_LOG_LEVEL_MESSAGE
 *
 * Sets the log level of the service's routine lines.
 *
 * Since: 0.1
 */
void
mode_service_set_mundane_level (ModeService *self,
                                guint        level)
{
  ModeServicePrivate *priv;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (level == G_LOG_LEVEL_DEBUG ||
                    level == G_LOG_LEVEL_INFO ||
                    level == G_LOG_LEVEL_MESSAGE);

  priv = GET_PRIV (self);
  if (priv->mundane_level != level)
    {
      priv->mundane_level = level;
      notify_property (self, properties[PROP_MUNDANE_LEVEL]);
    }
}

/**
 * mode_service_get_clock:
 * @self: a #ModeService
 *
 * Gets the clock the service's timers, sleeps and timeouts follow.
 *
 * Returns: (transfer none): the #ModeClock
 *
 * Since: 0.1
 */
ModeClock *
mode_service_get_clock (ModeService *self)
{
  ModeServicePrivate *priv;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  priv = GET_PRIV (self);
  return priv->clock != NULL ? priv->clock : mode_clock_get_default ();
}

/* }}} */

/* GObject {{{ */

static gboolean
real_on_hook (ModeService   *self,
              GCancellable  *cancellable,
              GError       **error)
{
  return TRUE;
}

static void
call_sync_hook (ModeService  *self,
                GCancellable *cancellable,
                GTask        *task,
                Hook          hook)
{
  SyncHook sync_hook = G_STRUCT_MEMBER (SyncHook, MODE_SERVICE_GET_CLASS (self),
                                        hooks[hook].sync_offset);
  GError *error = NULL;

  if (sync_hook == NULL || sync_hook (self, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, FALSE);
}

#define DEFINE_ASYNC_HOOK(name, hook)                                   \
  static void                                                           \
  real_##name##_async (ModeService  *self,                              \
                       GCancellable *cancellable,                       \
                       GTask        *task)                              \
  {                                                                     \
    call_sync_hook (self, cancellable, task, hook);                     \
  }

DEFINE_ASYNC_HOOK (on_first_start, HOOK_FIRST_START)
DEFINE_ASYNC_HOOK (on_start, HOOK_START)
DEFINE_ASYNC_HOOK (on_started, HOOK_STARTED)
DEFINE_ASYNC_HOOK (on_stop, HOOK_STOP)
DEFINE_ASYNC_HOOK (on_shutdown, HOOK_SHUTDOWN)
DEFINE_ASYNC_HOOK (on_restart, HOOK_RESTART)

#undef DEFINE_ASYNC_HOOK

/**
 * ModeServiceClass::on_init_dependencies:
 * @self: the #ModeService
 *
 * Makes the services to add as dependencies on the first start.
 *
 * Returns: (transfer full) (nullable) (element-type ModeService): the
 *   new dependencies
 *
 * Since: 0.1
 */
static GList *
real_on_init_dependencies (ModeService *self)
{
  return NULL;
}

static void
real_supervised_crash (ModeService *self,
                       ModeService *service)
{
}

static void
mode_service_constructed (GObject *object)
{
  ModeService *self = MODE_SERVICE (object);
  ModeServicePrivate *priv = GET_PRIV (self);

  G_OBJECT_CLASS (mode_service_parent_class)->constructed (object);

  if (priv->context == NULL)
    priv->context = g_main_context_ref_thread_default ();
}

static void
mode_service_dispose (GObject *object)
{
  ModeService *self = MODE_SERVICE (object);
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeNode *parent;

  if (priv->children != NULL)
    {
      g_autoptr(GPtrArray) children = g_steal_pointer (&priv->children);

      /* last first: each child leaves the end of our beacon's children,
       * which costs nothing, where the first would move all the others */
      for (guint i = children->len; i > 0; i--)
        g_ptr_array_remove_index (children, i - 1);
    }
  detach_timers (self);

  parent = mode_node_get_parent (priv->beacon);
  if (parent != NULL)
    mode_node_detach (priv->beacon, parent);

  mode_service_set_supervisor (self, NULL);

  G_OBJECT_CLASS (mode_service_parent_class)->dispose (object);
}

static void
mode_service_finalize (GObject *object)
{
  ModeService *self = MODE_SERVICE (object);
  ModeServicePrivate *priv = GET_PRIV (self);

  g_assert (priv->shutdown_op == NULL);

  if (priv->extras != NULL)
    {
      ServiceExtras *extras = priv->extras;

      g_assert (extras->tasks.length == 0);
      g_assert (extras->sleepers.length == 0);
      g_assert (extras->hook_waiters.length == 0);
      g_assert (extras->deferred == NULL);
      g_clear_error (&extras->last_start_error);
      g_clear_pointer (&extras->waking, g_ptr_array_unref);
      g_clear_pointer (&extras->task_defs, g_ptr_array_unref);
      g_clear_pointer (&extras->timers, g_ptr_array_unref);
      if (extras->cleanups != NULL)
        {
          for (guint i = 0; i < extras->cleanups->len; i++)
            {
              Cleanup *cleanup = &g_array_index (extras->cleanups, Cleanup, i);
              _mode_destroy_run (&cleanup->destroy);
            }
          g_array_unref (extras->cleanups);
        }
      g_clear_pointer (&extras->flags, g_hash_table_unref);
      g_free (extras);
    }
  g_clear_pointer (&priv->scheduler, _mode_scheduler_unref);
  g_clear_object (&priv->clock);
  _mode_node_clear_data (priv->beacon);
  g_clear_object (&priv->beacon);
  g_clear_pointer (&priv->stop_waiters, g_ptr_array_unref);
  g_clear_object (&priv->cancellable);
  g_clear_object (&priv->start_cancellable);
  g_clear_error (&priv->crash_reason);
  g_clear_pointer (&priv->label, g_free);
  g_clear_pointer (&priv->shortlabel, g_free);
  g_clear_pointer (&priv->context, g_main_context_unref);

  G_OBJECT_CLASS (mode_service_parent_class)->finalize (object);
}

static void
mode_service_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  ModeService *self = MODE_SERVICE (object);
  ModeServicePrivate *priv = GET_PRIV (self);
  /* what a proxy forwards */
  ModeServicePrivate *state = GET_PRIV (service_resolve (self));

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, derived_state (state));
      break;

    case PROP_STARTED:
      g_value_set_boolean (value, state->started);
      break;

    case PROP_CRASHED:
      g_value_set_boolean (value, state->crashed);
      break;

    case PROP_SHOULD_STOP:
      g_value_set_boolean (value, service_should_stop (state));
      break;

    case PROP_CRASH_REASON:
      g_value_set_boxed (value, state->crash_reason);
      break;

    case PROP_RESTART_COUNT:
      g_value_set_uint (value, state->restart_count);
      break;

    case PROP_LABEL:
      g_value_set_string (value, mode_service_get_label (self));
      break;

    case PROP_SHORTLABEL:
      g_value_set_string (value, mode_service_get_shortlabel (self));
      break;

    case PROP_WAIT_FOR_SHUTDOWN:
      g_value_set_boolean (value, priv->wait_for_shutdown);
      break;

    case PROP_SHUTDOWN_TIMEOUT:
      g_value_set_double (value, priv->shutdown_timeout);
      break;

    case PROP_MAIN_CONTEXT:
      g_value_set_boxed (value, priv->context);
      break;

    case PROP_BEACON:
      g_value_set_object (value, SERVICE_BEACON (self));
      break;

    case PROP_SUPERVISOR:
      g_value_set_object (value, priv->supervisor);
      break;

    case PROP_MUNDANE_LEVEL:
      g_value_set_uint (value, priv->mundane_level);
      break;

    case PROP_CLOCK:
      g_value_set_object (value, mode_service_get_clock (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_service_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  ModeService *self = MODE_SERVICE (object);
  ModeServicePrivate *priv = GET_PRIV (self);

  switch (prop_id)
    {
    case PROP_LABEL:
      mode_service_set_label (self, g_value_get_string (value));
      break;

    case PROP_SHORTLABEL:
      mode_service_set_shortlabel (self, g_value_get_string (value));
      break;

    case PROP_WAIT_FOR_SHUTDOWN:
      mode_service_set_wait_for_shutdown (self, g_value_get_boolean (value));
      break;

    case PROP_SHUTDOWN_TIMEOUT:
      mode_service_set_shutdown_timeout (self, g_value_get_double (value));
      break;

    case PROP_MAIN_CONTEXT:
      if (g_value_get_boxed (value) != NULL)
        _mode_service_set_main_context (self, g_value_get_boxed (value));
      break;

    case PROP_SUPERVISOR:
      mode_service_set_supervisor (self, g_value_get_object (value));
      break;

    case PROP_MUNDANE_LEVEL:
      mode_service_set_mundane_level (self, g_value_get_uint (value));
      break;

    case PROP_CLOCK:
      priv->clock = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_service_class_init (ModeServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = mode_service_constructed;
  object_class->dispose = mode_service_dispose;
  object_class->finalize = mode_service_finalize;
  object_class->get_property = mode_service_get_property;
  object_class->set_property = mode_service_set_property;

  klass->on_init_dependencies = real_on_init_dependencies;
  klass->on_first_start = real_on_hook;
  klass->on_first_start_async = real_on_first_start_async;
  klass->on_start = real_on_hook;
  klass->on_start_async = real_on_start_async;
  klass->on_started = real_on_hook;
  klass->on_started_async = real_on_started_async;
  klass->on_stop = real_on_hook;
  klass->on_stop_async = real_on_stop_async;
  klass->on_shutdown = real_on_hook;
  klass->on_shutdown_async = real_on_shutdown_async;
  klass->on_restart = real_on_hook;
  klass->on_restart_async = real_on_restart_async;
  klass->supervised_crash = real_supervised_crash;

  /**
   * ModeService:state:
   *
   * The state of the service. %MODE_SERVICE_STATE_CRASHED wins over the
   * lifecycle state while the service is crashed.
   *
   * Since: 0.1
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       MODE_TYPE_SERVICE_STATE,
                       MODE_SERVICE_STATE_INIT,
                       (G_PARAM_READABLE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:started:
   *
   * Whether a start began since the service was made or last reset.
   *
   * Since: 0.1
   */
  properties[PROP_STARTED] =
    g_param_spec_boolean ("started", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:crashed:
   *
   * Whether the service crashed.
   *
   * Since: 0.1
   */
  properties[PROP_CRASHED] =
    g_param_spec_boolean ("crashed", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:should-stop:
   *
   * Whether the service must stop: its stop began or it crashed.
   *
   * Since: 0.1
   */
  properties[PROP_SHOULD_STOP] =
    g_param_spec_boolean ("should-stop", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:crash-reason:
   *
   * Why the service crashed, or %NULL.
   *
   * Since: 0.1
   */
  properties[PROP_CRASH_REASON] =
    g_param_spec_boxed ("crash-reason", NULL, NULL,
                        G_TYPE_ERROR,
                        (G_PARAM_READABLE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:restart-count:
   *
   * How many times the service was reset by a restart.
   *
   * Since: 0.1
   */
  properties[PROP_RESTART_COUNT] =
    g_param_spec_uint ("restart-count", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:label:
   *
   * The name of the service in graphs, errors and log lines; the type
   * name unless set.
   *
   * Since: 0.1
   */
  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:shortlabel:
   *
   * The name of the service in log lines and beacon paths; the
   * #ModeService:label unless set.
   *
   * Since: 0.1
   */
  properties[PROP_SHORTLABEL] =
    g_param_spec_string ("shortlabel", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:wait-for-shutdown:
   *
   * Whether stopping the service waits for mode_service_set_shutdown().
   *
   * Since: 0.1
   */
  properties[PROP_WAIT_FOR_SHUTDOWN] =
    g_param_spec_boolean ("wait-for-shutdown", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:shutdown-timeout:
   *
   * How long, in seconds, a stop waits for mode_service_set_shutdown().
   *
   * Since: 0.1
   */
  properties[PROP_SHUTDOWN_TIMEOUT] =
    g_param_spec_double ("shutdown-timeout", NULL, NULL,
                         0.0, G_MAXDOUBLE, 60.0,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:main-context:
   *
   * The main context the service lives in: the thread-default one when
   * the service was made, unless given.
   *
   * Since: 0.1
   */
  properties[PROP_MAIN_CONTEXT] =
    g_param_spec_boxed ("main-context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        (G_PARAM_READWRITE |
                         G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:beacon:
   *
   * The node of the service in the tree of services.
   *
   * Since: 0.1
   */
  properties[PROP_BEACON] =
    g_param_spec_object ("beacon", NULL, NULL,
                         MODE_TYPE_NODE,
                         (G_PARAM_READABLE |
                          G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:supervisor:
   *
   * The service that supervises this one, or %NULL.
   *
   * Since: 0.1
   */
  properties[PROP_SUPERVISOR] =
    g_param_spec_object ("supervisor", NULL, NULL,
                         MODE_TYPE_SERVICE,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:mundane-level:
   *
   * The #GLogLevelFlags level of the routine log lines ("Starting...",
   * "Stopping..."): %G_LOG_LEVEL_INFO unless set. Lines at the info and
   * debug levels are only made when they will be shown: at the level of
   * a #ModeWorker's log writer, or when GLib's default writer shows them
   * (`G_MESSAGES_DEBUG=Mode`, g_log_set_debug_enabled()).
   *
   * Since: 0.1
   */
  properties[PROP_MUNDANE_LEVEL] =
    g_param_spec_uint ("mundane-level", NULL, NULL,
                       0, G_MAXUINT, G_LOG_LEVEL_INFO,
                       (G_PARAM_READWRITE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  /**
   * ModeService:clock:
   *
   * The clock the service's timers, sleeps and timeouts follow: the
   * default #ModeClock unless given, such as a manual clock in tests.
   *
   * Since: 0.1
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL,
                         MODE_TYPE_CLOCK,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ModeService::started:
   * @self: the #ModeService
   *
   * Emitted when the service has started and runs.
   *
   * Since: 0.1
   */
  signals[STARTED] =
    g_signal_new ("started",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  G_STRUCT_OFFSET (ModeServiceClass, started),
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * ModeService::stopped:
   * @self: the #ModeService
   *
   * Emitted when the service has stopped.
   *
   * Since: 0.1
   */
  signals[STOPPED] =
    g_signal_new ("stopped",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  G_STRUCT_OFFSET (ModeServiceClass, stopped),
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * ModeService::crashed:
   * @self: the #ModeService
   * @reason: why it crashed
   *
   * Emitted when the service crashes.
   *
   * Since: 0.1
   */
  signals[CRASHED] =
    g_signal_new ("crashed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  G_STRUCT_OFFSET (ModeServiceClass, crashed),
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
mode_service_init (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  priv->beacon = _mode_node_new_for_service (self);
  priv->shutdown_timeout = 60.0;
  priv->mundane_level = G_LOG_LEVEL_INFO;
  priv->state = MODE_SERVICE_STATE_INIT;
}

/* }}} */
