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

typedef enum
{
  OP_START,
  OP_STOP,
  OP_RESTART,
  N_OPS
} OpKind;

typedef struct _ModeOp ModeOp;

/* Called once when an operation completes, synchronously or not. */
typedef void (*ModeOpDone) (ModeService  *self,
                            const GError *error,
                            gpointer      data);

typedef struct
{
  ModeOpDone func;
  gpointer   data;
} ModeWaiter;

struct _ModeOp
{
  ModeService *self;        /* (owned) */
  OpKind       kind;
  guint        step;
  guint        index;       /* position in the dependencies */
  guint        pending;     /* asynchronous work under way */
  guint        running : 1; /* inside op_run() */
  guint        done : 1;
  GError      *error;       /* (owned) (nullable) */
  ModeWaiter   first;
  GArray      *more;        /* (owned) (nullable) (element-type ModeWaiter) */
};

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
  GPtrArray        *stop_waiters;   /* (owned) (nullable) (element-type GTask) */
  ModeOp           *shutdown_op;    /* (unowned) (nullable): stop waiting for set_shutdown */
  GSource          *shutdown_timer; /* (owned) (nullable) */
  gdouble           shutdown_timeout;
  guint             restart_count;
  guint             mundane_level;
  guint             state : 4;      /* the ModeServiceState, without the crash flag */
  guint             started : 1;
  guint             stopped : 1;    /* the stop flag: stop began */
  guint             stop_done : 1;  /* the stop sequence completed */
  guint             crashed : 1;
  guint             shutdown : 1;   /* set_shutdown() was called */
  guint             wait_for_shutdown : 1;
  guint             first_start_done : 1;
} ModeServicePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (ModeService, mode_service, G_TYPE_OBJECT)

#define GET_PRIV(self) ((ModeServicePrivate *) mode_service_get_instance_private (self))

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
static void op_begin    (ModeService *self,
                         OpKind       kind,
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

static void
service_log (ModeService    *self,
             GLogLevelFlags  level,
             const char     *format,
             ...)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  g_autofree char *message = NULL;
  g_autofree char *text = NULL;
  const char *label = mode_service_get_label (self);
  guint depth;
  va_list args;
  GLogField fields[4] = {
    { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 },
    { "MESSAGE", NULL, -1 },
    { "PRIORITY", NULL, -1 },
    { "MODE_SERVICE", label, -1 },
  };

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  depth = mode_node_get_depth (priv->beacon);
  text = g_strdup_printf ("[^%.*s%s]: %s",
                          (int) depth,
                          "--------------------------------------------------------------------------------",
                          mode_service_get_shortlabel (self),
                          message);
  if (depth > 80)
    {
      /* deeper than the dashes above: say how deep rather than clip */
      g_free (text);
      text = g_strdup_printf ("[^(%u)%s]: %s", depth,
                              mode_service_get_shortlabel (self), message);
    }

  fields[1].value = text;
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
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
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

static void
wake_stop_waiters (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&priv->stop_waiters);

  if (waiters == NULL)
    return;

  for (guint i = 0; i < waiters->len; i++)
    g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
}

/* Is the caller running where the service lives? */
static gboolean
service_in_context (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  GMainContext *current = g_main_context_get_thread_default ();

  if (current == NULL)
    current = g_main_context_default ();

  return current == priv->context || g_main_context_is_owner (priv->context);
}

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
 */

static ModeOp *
op_new (ModeService *self,
        OpKind       kind,
        ModeOpDone   func,
        gpointer     data)
{
  ModeOp *op = g_new0 (ModeOp, 1);

  op->self = g_object_ref (self);
  op->kind = kind;
  op->first.func = func;
  op->first.data = data;
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

static void
op_finish (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);

  g_assert (op->pending == 0);

  op->done = TRUE;
  if (priv->ops[op->kind] == op)
    priv->ops[op->kind] = NULL;

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
      else
        op_take_error (op, g_error_copy (error));
    }

  op_continue (op);
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
 * crashes a start or a restart; it is logged during a stop, which goes
 * on. */
static void
op_hook_failed (ModeOp *op,
                Hook    hook,
                GError *error)
{
  if (op->kind == OP_STOP)
    service_log (op->self, G_LOG_LEVEL_MESSAGE,
                 "Error in %s: %s", hooks[hook].name, error->message);
  else
    mode_service_crash (op->self, error);

  op_take_error (op, error);
}

typedef struct
{
  ModeOp *op;
  Hook    hook;
} HookCall;

static void
hook_task_done (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  HookCall *call = data;
  ModeOp *op = call->op;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    op_hook_failed (op, call->hook,
                    error != NULL ? error : hook_failed_error (op->self, hooks[call->hook].name));

  g_free (call);
  op_continue (op);
}

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

/* The cancellable a hook gets: the service's, which its stop cancels
 * after the dependencies stopped; none for on_shutdown, which runs after
 * that. */
static GCancellable *
hook_cancellable (ModeService *self,
                  Hook         hook)
{
  if (hook == HOOK_SHUTDOWN)
    return NULL;
  return service_get_cancellable (self);
}

/* Runs a hook. The synchronous form is called directly when the class
 * did not override the asynchronous one; a hook nobody overrode is not
 * called at all. */
static void
op_call_hook (ModeOp *op,
              Hook    hook)
{
  ModeService *self = op->self;
  ModeServiceClass *klass = MODE_SERVICE_GET_CLASS (self);
  AsyncHook async_hook = G_STRUCT_MEMBER (AsyncHook, klass, hooks[hook].async_offset);
  GCancellable *cancellable;
  HookCall *call;
  GTask *task;

  if (async_hook == default_async_hooks[hook])
    {
      SyncHook sync_hook = G_STRUCT_MEMBER (SyncHook, klass, hooks[hook].sync_offset);
      GError *error = NULL;

      if (sync_hook == NULL || sync_hook == real_on_hook)
        return;

      if (!sync_hook (self, hook_cancellable (self, hook), &error))
        op_hook_failed (op, hook,
                        error != NULL ? error : hook_failed_error (self, hooks[hook].name));
      return;
    }

  cancellable = hook_cancellable (self, hook);
  call = g_new (HookCall, 1);
  call->op = op;
  call->hook = hook;

  task = g_task_new (self, cancellable, hook_task_done, call);
  g_task_set_source_tag (task, op_call_hook);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_name (task, hooks[hook].name);

  op->pending++;
  async_hook (self, cancellable, task);
  g_object_unref (task);
}

/* Start a dependency if it was never started; as maybe_start. */
static void
op_maybe_start_child (ModeOp      *op,
                      ModeService *child)
{
  ModeServicePrivate *cpriv = GET_PRIV (child);

  if (cpriv->started || cpriv->ops[OP_START] != NULL)
    return;

  op->pending++;
  op_begin (child, OP_START, op_child_done, op);
}

/* Start {{{ */

enum {
  START_INIT_DEPENDENCIES,
  START_FIRST_START,
  START_ON_START,
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

    case START_DEPENDENCIES:
      if (start_interrupted (op))
        return FALSE;
      if (priv->children != NULL && op->index < priv->children->len)
        {
          ModeService *child = g_ptr_array_index (priv->children, op->index++);

          op->step--; /* come back for the next one */
          op_maybe_start_child (op, child);
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

/* }}} */

/* Stop {{{ */

enum {
  STOP_BEGIN,
  STOP_ON_STOP,
  STOP_DEPENDENCIES,
  STOP_WAIT_SHUTDOWN,
  STOP_CANCEL,
  STOP_ON_SHUTDOWN,
  STOP_DONE,
};

static gboolean
shutdown_timed_out (gpointer data)
{
  ModeOp *op = data;
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);

  service_log (self, G_LOG_LEVEL_MESSAGE,
               "Timed out after %.3g s waiting for shutdown", priv->shutdown_timeout);

  priv->shutdown_op = NULL;
  g_clear_pointer (&priv->shutdown_timer, g_source_unref);
  op_continue (op);

  return G_SOURCE_REMOVE;
}

static void
wait_for_shutdown (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);

  op->pending++;
  priv->shutdown_op = op;

  if (priv->shutdown_timeout >= 0)
    {
      guint64 ms = (guint64) (priv->shutdown_timeout * 1000.0 + 0.5);

      priv->shutdown_timer = g_timeout_source_new (ms > G_MAXUINT ? G_MAXUINT : (guint) ms);
      g_source_set_static_name (priv->shutdown_timer, "[mode] shutdown timeout");
      g_source_set_callback (priv->shutdown_timer, shutdown_timed_out, op, NULL);
      g_source_attach (priv->shutdown_timer, priv->context);
    }
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
      g_object_freeze_notify (G_OBJECT (self));
      set_state (self, MODE_SERVICE_STATE_STOPPING);
      if (!priv->crashed)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOULD_STOP]);
      g_object_thaw_notify (G_OBJECT (self));
      wake_stop_waiters (self);
      break;

    case STOP_ON_STOP:
      op_call_hook (op, HOOK_STOP);
      if (priv->children != NULL)
        op->index = priv->children->len;
      break;

    case STOP_DEPENDENCIES:
      if (priv->children != NULL && op->index > priv->children->len)
        op->index = priv->children->len;
      if (op->index > 0)
        {
          ModeService *child = g_ptr_array_index (priv->children, --op->index);

          op->step--;
          op->pending++;
          op_begin (child, OP_STOP, op_child_done, op);
        }
      break;

    case STOP_WAIT_SHUTDOWN:
      if (priv->wait_for_shutdown && !priv->shutdown)
        wait_for_shutdown (op);
      break;

    case STOP_CANCEL:
      if (priv->cancellable != NULL)
        g_cancellable_cancel (priv->cancellable);
      break;

    case STOP_ON_SHUTDOWN:
      op_call_hook (op, HOOK_SHUTDOWN);
      break;

    case STOP_DONE:
      priv->stop_done = TRUE;
      set_state (self, MODE_SERVICE_STATE_SHUTDOWN);
      service_log (self, G_LOG_LEVEL_DEBUG, "-Stopped!");
      g_signal_emit (self, signals[STOPPED], 0);
      return FALSE;

    default:
      g_assert_not_reached ();
    }

  return TRUE;
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

static void
service_reset (ModeService *self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  gboolean was_crashed = priv->crashed;
  gboolean had_reason = priv->crash_reason != NULL;
  gboolean was_started = priv->started;
  gboolean should_stop = service_should_stop (priv);

  g_object_freeze_notify (G_OBJECT (self));

  priv->started = FALSE;
  priv->stopped = FALSE;
  priv->stop_done = FALSE;
  priv->shutdown = FALSE;
  priv->crashed = FALSE;
  g_clear_error (&priv->crash_reason);
  g_clear_object (&priv->cancellable);
  priv->restart_count++;

  if (priv->state != MODE_SERVICE_STATE_INIT || was_crashed)
    {
      priv->state = MODE_SERVICE_STATE_INIT;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (was_crashed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CRASHED]);
  if (had_reason)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CRASH_REASON]);
  if (was_started)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STARTED]);
  if (should_stop)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOULD_STOP]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESTART_COUNT]);

  g_object_thaw_notify (G_OBJECT (self));

  if (priv->children != NULL)
    for (guint i = 0; i < priv->children->len; i++)
      service_reset (g_ptr_array_index (priv->children, i));
}

static gboolean
restart_step (ModeOp *op)
{
  ModeService *self = op->self;
  ModeServicePrivate *priv = GET_PRIV (self);

  switch (op->step++)
    {
    case RESTART_STOP:
      if (priv->started)
        {
          op->pending++;
          op_begin (self, OP_STOP, op_self_done, op);
        }
      break;

    case RESTART_RESET:
      /* A failed stop was logged; the restart goes on all the same. */
      g_clear_error (&op->error);
      service_reset (self);
      break;

    case RESTART_ON_RESTART:
      op_call_hook (op, HOOK_RESTART);
      break;

    case RESTART_START:
      if (op->error != NULL)
        return FALSE;
      op->pending++;
      op_begin (self, OP_START, op_self_done, op);
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
  gboolean more;

  g_assert (!op->running);
  g_assert (op->pending == 0);

  op->running = TRUE;
  do
    more = steps[op->kind] (op);
  while (more && op->pending == 0);
  op->running = FALSE;

  if (!more && op->pending == 0)
    op_finish (op);
}

/* Begins an operation, or joins the one of the same kind in flight. */
static void
op_begin (ModeService *self,
          OpKind       kind,
          ModeOpDone   func,
          gpointer     data)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *op;

  if (priv->ops[kind] != NULL)
    {
      op_add_waiter (priv->ops[kind], func, data);
      return;
    }

  switch (kind)
    {
    case OP_START:
      if (priv->started)
        {
          /* raced with another thread's start */
          g_autoptr(GError) error =
            g_error_new (MODE_ERROR, MODE_ERROR_ALREADY_STARTED,
                         _("Service %s was already started"),
                         mode_service_get_label (self));
          func (self, error, data);
          return;
        }
      priv->started = TRUE;
      g_object_freeze_notify (G_OBJECT (self));
      set_state (self, MODE_SERVICE_STATE_STARTING);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STARTED]);
      g_object_thaw_notify (G_OBJECT (self));
      break;

    case OP_STOP:
      /* Stop before start, and stop after stop, do nothing. */
      if (!priv->started || priv->stop_done)
        {
          func (self, NULL, data);
          return;
        }
      break;

    case OP_RESTART:
    case N_OPS:
    default:
      break;
    }

  op = op_new (self, kind, func, data);
  priv->ops[kind] = op;
  op_run (op);
}

/* }}} */

/* Public entry points {{{ */

static void
complete_task_boolean (ModeService  *self,
                       const GError *error,
                       gpointer      data)
{
  GTask *task = data;

  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

typedef struct
{
  ModeService *self;
  GTask       *task;
  OpKind       kind;
} Dispatch;

static gboolean
dispatch_in_context (gpointer data)
{
  Dispatch *d = data;

  op_begin (d->self, d->kind, complete_task_boolean, g_steal_pointer (&d->task));
  return G_SOURCE_REMOVE;
}

static void
dispatch_free (gpointer data)
{
  Dispatch *d = data;

  g_clear_object (&d->task);
  g_object_unref (d->self);
  g_free (d);
}

/* Runs @kind for @task where the service lives: now when the caller is
 * there, through the service's context otherwise. */
static void
dispatch_op (ModeService *self,
             OpKind       kind,
             GTask       *task)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  Dispatch *d;

  if (service_in_context (self))
    {
      op_begin (self, kind, complete_task_boolean, task);
      return;
    }

  d = g_new (Dispatch, 1);
  d->self = g_object_ref (self);
  d->task = task;
  d->kind = kind;
  g_main_context_invoke_full (priv->context, G_PRIORITY_DEFAULT,
                              dispatch_in_context, d, dispatch_free);
}

/* Runs @func where the service lives, now when the caller is there. */
static void
run_in_context (ModeService    *self,
                GSourceFunc     func,
                gpointer        data,
                GDestroyNotify  destroy)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (service_in_context (self))
    {
      func (data);
      if (destroy != NULL)
        destroy (data);
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
 *   call fail with %G_IO_ERROR_CANCELLED but does not stop the start:
 *   use mode_service_stop_async() for that
 * @callback: (scope async): called when the service runs or failed to start
 * @user_data: data for @callback
 *
 * Starts the service and its dependencies (see the description of
 * #ModeService for the order).
 *
 * A service starts once: starting a service that is not
 * %MODE_SERVICE_STATE_INIT fails with %MODE_ERROR_ALREADY_STARTED
 * (mode_service_maybe_start_async() and mode_service_restart_async() are
 * the calls for that). A second call while the start is in flight
 * completes with the result of the first. When the service is stopped
 * while it starts, the start fails with %MODE_ERROR_STOPPED and starts
 * nothing more; when it crashes, the start fails with the crash reason.
 * A hook that fails makes the start fail with its error and crashes the
 * service.
 *
 * Since: 0.1
 */
void
mode_service_start_async (ModeService         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  ModeServicePrivate *priv;
  GTask *task;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  priv = GET_PRIV (self);

  if (priv->started && priv->ops[OP_START] == NULL && priv->ops[OP_RESTART] == NULL)
    {
      g_task_report_new_error (self, callback, user_data, mode_service_start_async,
                               MODE_ERROR, MODE_ERROR_ALREADY_STARTED,
                               _("Service %s was already started"),
                               mode_service_get_label (self));
      return;
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mode_service_start_async);
  g_task_set_name (task, "[mode] start");

  if (priv->ops[OP_RESTART] != NULL && priv->ops[OP_START] == NULL)
    {
      /* A restart is under way: it starts the service; wait for it. */
      op_add_waiter (priv->ops[OP_RESTART], complete_task_boolean, task);
      return;
    }

  dispatch_op (self, OP_START, task);
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

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
maybe_start_in_context (gpointer data)
{
  GTask *task = g_steal_pointer (&data);
  ModeService *self = g_task_get_source_object (task);
  ModeServicePrivate *priv = GET_PRIV (self);

  if (priv->started || priv->ops[OP_START] != NULL)
    {
      g_task_return_boolean (task, FALSE);
      g_object_unref (task);
    }
  else
    op_begin (self, OP_START, complete_task_boolean, task);

  return G_SOURCE_REMOVE;
}

/**
 * mode_service_maybe_start_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Starts the service if it was never started, as
 * mode_service_start_async() does; does nothing otherwise.
 *
 * Since: 0.1
 */
void
mode_service_maybe_start_async (ModeService         *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mode_service_maybe_start_async);
  g_task_set_name (task, "[mode] maybe_start");

  run_in_context (self, maybe_start_in_context, task, NULL);
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
 *   been started before, or with @error set when the start failed
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

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mode_service_stop_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable; cancelling it makes this
 *   call fail with %G_IO_ERROR_CANCELLED but does not interrupt the stop
 * @callback: (scope async): called when the service has stopped
 * @user_data: data for @callback
 *
 * Stops the service: sets #ModeService:should-stop, runs @on_stop, stops
 * the dependencies in reverse order (a dependency that fails to stop is
 * logged and the others still stop), waits for mode_service_set_shutdown()
 * if #ModeService:wait-for-shutdown is set, cancels the service's work
 * and runs @on_shutdown.
 *
 * Stopping a service that was never started does nothing, and so does
 * stopping a stopped one; a second call while the stop is in flight
 * completes with the first. A crashed service is stopped like any other,
 * so that nothing is left behind.
 *
 * Since: 0.1
 */
void
mode_service_stop_async (ModeService         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mode_service_stop_async);
  g_task_set_name (task, "[mode] stop");

  dispatch_op (self, OP_STOP, task);
}

/**
 * mode_service_stop_finish:
 * @self: a #ModeService
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes mode_service_stop_async(). The service is stopped whatever
 * this returns; an error is the first one that a hook of the service
 * itself returned while it stopped.
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

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mode_service_restart_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the service runs again, or failed to
 * @user_data: data for @callback
 *
 * Restarts the service: stops it if it was started, resets it and its
 * dependencies to %MODE_SERVICE_STATE_INIT (clearing a crash and adding
 * one to #ModeService:restart-count), runs @on_restart and starts it
 * again. The dependencies that @on_init_dependencies returned are not
 * added again, and @on_first_start does not run again.
 *
 * Since: 0.1
 */
void
mode_service_restart_async (ModeService         *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mode_service_restart_async);
  g_task_set_name (task, "[mode] restart");

  dispatch_op (self, OP_RESTART, task);
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

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
wait_until_stopped_in_context (gpointer data)
{
  GTask *task = data;
  ModeService *self = g_task_get_source_object (task);
  ModeServicePrivate *priv = GET_PRIV (self);

  if (service_should_stop (priv))
    {
      g_task_return_boolean (task, TRUE);
      return G_SOURCE_REMOVE;
    }

  if (priv->stop_waiters == NULL)
    priv->stop_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (priv->stop_waiters, g_object_ref (task));

  return G_SOURCE_REMOVE;
}

/**
 * mode_service_wait_until_stopped_async:
 * @self: a #ModeService
 * @cancellable: (nullable): a #GCancellable
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
  GTask *task;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mode_service_wait_until_stopped_async);
  g_task_set_name (task, "[mode] wait_until_stopped");

  run_in_context (self, wait_until_stopped_in_context, task, g_object_unref);
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

  g_object_freeze_notify (G_OBJECT (self));
  if (old != MODE_SERVICE_STATE_CRASHED)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CRASHED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CRASH_REASON]);
  if (!was_stopping)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOULD_STOP]);
  g_object_thaw_notify (G_OBJECT (self));

  wake_stop_waiters (self);

  g_signal_emit (self, signals[CRASHED], 0, priv->crash_reason);
}

static void
collect_dependencies (ModeService *self,
                      GPtrArray   *out,
                      GHashTable  *seen)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (!g_hash_table_add (seen, self))
    return;

  g_ptr_array_add (out, g_object_ref (self));
  if (priv->children != NULL)
    for (guint i = 0; i < priv->children->len; i++)
      collect_dependencies (g_ptr_array_index (priv->children, i), out, seen);
}

static gboolean
collect_beacon_service (ModeNode *node,
                        gpointer  data)
{
  GObject *object = mode_node_get_data (node);
  gpointer *args = data;

  if (object != NULL && MODE_IS_SERVICE (object))
    collect_dependencies (MODE_SERVICE (object), args[0], args[1]);

  return TRUE;
}

/* Marks @self and its dependencies crashed; or, for @whole_tree, every
 * service of the beacon tree @self is in. */
static void
mark_crashed_tree (ModeService  *self,
                   const GError *reason,
                   gboolean      whole_tree)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  g_autoptr(GPtrArray) services = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  /* Collect first: the signals run user code that may change the tree. */
  collect_dependencies (self, services, seen);
  if (whole_tree)
    {
      gpointer args[2] = { services, seen };

      mode_node_traverse (mode_node_get_root (priv->beacon),
                          collect_beacon_service, args);
    }

  for (guint i = 0; i < services->len; i++)
    mark_crashed_one (g_ptr_array_index (services, i), reason);
}

static void
mark_crashed (ModeService  *self,
              const GError *reason)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  service_log (self, G_LOG_LEVEL_MESSAGE, "Crashed reason=%s", reason->message);

  if (priv->crashed)
    return;

  if (priv->supervisor != NULL)
    {
      g_autoptr(ModeService) supervisor = g_object_ref (priv->supervisor);

      mark_crashed_tree (self, reason, FALSE);
      MODE_SERVICE_GET_CLASS (supervisor)->supervised_crash (supervisor, self);
    }
  else
    mark_crashed_tree (self, reason, TRUE);
}

typedef struct
{
  ModeService *self;
  GError      *reason;
} CrashCall;

static gboolean
crash_in_context (gpointer data)
{
  CrashCall *call = data;

  mark_crashed (call->self, call->reason);
  return G_SOURCE_REMOVE;
}

static void
crash_call_free (gpointer data)
{
  CrashCall *call = data;

  g_object_unref (call->self);
  g_error_free (call->reason);
  g_free (call);
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
      if (priv->shutdown_timer != NULL)
        {
          g_source_destroy (priv->shutdown_timer);
          g_clear_pointer (&priv->shutdown_timer, g_source_unref);
        }
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

  run_in_context (self, set_shutdown_in_context, g_object_ref (self), g_object_unref);
}

/* }}} */

/* Dependencies {{{ */

static gboolean
depends_on (ModeService *self,
            ModeService *target,
            GHashTable  *seen)
{
  ModeServicePrivate *priv = GET_PRIV (self);

  if (self == target)
    return TRUE;
  if (priv->children == NULL || !g_hash_table_add (seen, self))
    return FALSE;

  for (guint i = 0; i < priv->children->len; i++)
    if (depends_on (g_ptr_array_index (priv->children, i), target, seen))
      return TRUE;

  return FALSE;
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

  priv = GET_PRIV (self);
  spriv = GET_PRIV (service);

  if (G_UNLIKELY (self == service))
    {
      g_critical ("Service %s cannot depend on itself",
                  mode_service_get_label (self));
      return NULL;
    }

  /* A service that has a parent may already be ours. */
  if (mode_node_get_parent (spriv->beacon) != NULL && has_dependency (self, service))
    return service;

  if (spriv->children != NULL && spriv->children->len > 0)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

      if (depends_on (service, self, seen))
        {
          g_critical ("Service %s cannot depend on %s: %s already depends on %s",
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

  mode_node_reattach (spriv->beacon, priv->beacon);

  return service;
}

typedef struct
{
  ModeService *service;  /* (owned) */
} DependencyCall;

static void
dependency_call_free (gpointer data)
{
  DependencyCall *call = data;

  g_object_unref (call->service);
  g_free (call);
}

static void
runtime_dependency_started (ModeService  *child,
                            const GError *error,
                            gpointer      data)
{
  GTask *task = data;

  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_pointer (task, child, NULL);
  g_object_unref (task);
}

static gboolean
add_runtime_dependency_in_context (gpointer data)
{
  GTask *task = data;
  ModeService *self = g_task_get_source_object (task);
  ModeServicePrivate *priv = GET_PRIV (self);
  DependencyCall *call = g_task_get_task_data (task);
  ModeService *child = call->service;
  ModeServicePrivate *cpriv = GET_PRIV (child);

  if (mode_service_add_dependency (self, child) == NULL)
    {
      g_task_return_new_error (task, MODE_ERROR, MODE_ERROR_CYCLE,
                               _("Service %s cannot depend on %s"),
                               mode_service_get_label (self),
                               mode_service_get_label (child));
      return G_SOURCE_REMOVE;
    }

  if (priv->started && !service_should_stop (priv) &&
      !cpriv->started && cpriv->ops[OP_START] == NULL)
    {
      op_begin (child, OP_START, runtime_dependency_started, g_object_ref (task));
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

  call = g_new (DependencyCall, 1);
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

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
removed_dependency_stopped (ModeService  *child,
                            const GError *error,
                            gpointer      data)
{
  GTask *task = data;
  ModeService *self = g_task_get_source_object (task);
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeServicePrivate *cpriv = GET_PRIV (child);

  if (error != NULL)
    service_log (self, G_LOG_LEVEL_MESSAGE, "Error while stopping child %s: %s",
                 mode_service_get_label (child), error->message);

  mode_node_detach (cpriv->beacon, priv->beacon);
  g_ptr_array_remove (priv->children, child);

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
remove_dependency_in_context (gpointer data)
{
  GTask *task = data;
  ModeService *self = g_task_get_source_object (task);
  DependencyCall *call = g_task_get_task_data (task);

  if (!has_dependency (self, call->service))
    {
      g_task_return_new_error (task, MODE_ERROR, MODE_ERROR_NOT_A_DEPENDENCY,
                               _("Service %s is not a dependency of %s"),
                               mode_service_get_label (call->service),
                               mode_service_get_label (self));
      return G_SOURCE_REMOVE;
    }

  op_begin (call->service, OP_STOP, removed_dependency_stopped, g_object_ref (task));
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
 * Stops @service and removes it from the dependencies of @self; its
 * beacon is detached from the beacon of @self. Fails with
 * %MODE_ERROR_NOT_A_DEPENDENCY when @service is not a dependency of @self.
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

  call = g_new (DependencyCall, 1);
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

  return g_task_propagate_boolean (G_TASK (result), error);
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

  priv = GET_PRIV (self);
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
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
      if (priv->shortlabel == NULL)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHORTLABEL]);
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
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHORTLABEL]);
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
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WAIT_FOR_SHUTDOWN]);
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
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHUTDOWN_TIMEOUT]);
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

  return GET_PRIV (self)->beacon;
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

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUPERVISOR]);
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
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MUNDANE_LEVEL]);
    }
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

  g_clear_pointer (&priv->children, g_ptr_array_unref);

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

  if (priv->shutdown_timer != NULL)
    {
      g_source_destroy (priv->shutdown_timer);
      g_source_unref (priv->shutdown_timer);
    }
  _mode_node_clear_data (priv->beacon);
  g_clear_object (&priv->beacon);
  g_clear_pointer (&priv->stop_waiters, g_ptr_array_unref);
  g_clear_object (&priv->cancellable);
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

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, derived_state (priv));
      break;

    case PROP_STARTED:
      g_value_set_boolean (value, priv->started);
      break;

    case PROP_CRASHED:
      g_value_set_boolean (value, priv->crashed);
      break;

    case PROP_SHOULD_STOP:
      g_value_set_boolean (value, service_should_stop (priv));
      break;

    case PROP_CRASH_REASON:
      g_value_set_boxed (value, priv->crash_reason);
      break;

    case PROP_RESTART_COUNT:
      g_value_set_uint (value, priv->restart_count);
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
      g_value_set_object (value, priv->beacon);
      break;

    case PROP_SUPERVISOR:
      g_value_set_object (value, priv->supervisor);
      break;

    case PROP_MUNDANE_LEVEL:
      g_value_set_uint (value, priv->mundane_level);
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
        priv->context = g_main_context_ref (g_value_get_boxed (value));
      break;

    case PROP_SUPERVISOR:
      mode_service_set_supervisor (self, g_value_get_object (value));
      break;

    case PROP_MUNDANE_LEVEL:
      mode_service_set_mundane_level (self, g_value_get_uint (value));
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
   * "Stopping..."): %G_LOG_LEVEL_INFO unless set.
   *
   * Since: 0.1
   */
  properties[PROP_MUNDANE_LEVEL] =
    g_param_spec_uint ("mundane-level", NULL, NULL,
                       0, G_MAXUINT, G_LOG_LEVEL_INFO,
                       (G_PARAM_READWRITE |
                        G_PARAM_EXPLICIT_NOTIFY |
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
