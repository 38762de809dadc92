/* mode-service-crash.c: crashes: marking and propagation; set_shutdown
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-service-internal.h"

/* Crash {{{ */

/* Crash observers {{{ */

typedef struct
{
  ModeCrashObserver func;
  gpointer          data;
} CrashObserver;

G_LOCK_DEFINE_STATIC (crash_observers);
static GArray *crash_observers;   /* (element-type CrashObserver) under the lock */
static gint n_crash_observers;    /* (atomic): none, no lock taken */

void
_mode_service_add_crash_observer (ModeCrashObserver func,
                                  gpointer          data)
{
  CrashObserver observer = { func, data };

  G_LOCK (crash_observers);
  if (crash_observers == NULL)
    crash_observers = g_array_new (FALSE, FALSE, sizeof (CrashObserver));
  g_array_append_val (crash_observers, observer);
  g_atomic_int_set (&n_crash_observers, crash_observers->len);
  G_UNLOCK (crash_observers);
}

void
_mode_service_remove_crash_observer (ModeCrashObserver func,
                                     gpointer          data)
{
  G_LOCK (crash_observers);
  for (guint i = 0; crash_observers != NULL && i < crash_observers->len; i++)
    {
      CrashObserver *observer = &g_array_index (crash_observers, CrashObserver, i);

      if (observer->func == func && observer->data == data)
        {
          g_array_remove_index (crash_observers, i);
          break;
        }
    }
  g_atomic_int_set (&n_crash_observers, crash_observers != NULL ? crash_observers->len : 0);
  G_UNLOCK (crash_observers);
}

static void
tell_crash_observers (ModeService  *self,
                      const GError *reason)
{
  if (g_atomic_int_get (&n_crash_observers) == 0)
    return;

  G_LOCK (crash_observers);
  for (guint i = 0; i < crash_observers->len; i++)
    {
      CrashObserver *observer = &g_array_index (crash_observers, CrashObserver, i);

      observer->func (self, reason, observer->data);
    }
  G_UNLOCK (crash_observers);
}

/* }}} */

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
    notify_property (self, PROP_STATE);
  notify_property (self, PROP_CRASHED);
  notify_property (self, PROP_CRASH_REASON);
  if (!was_stopping)
    notify_property (self, PROP_SHOULD_STOP);

  /* its timers tick no more (they start again with a restart) */
  _mode_service_stop_timers (self);
  _mode_service_wake_stop_waiters (self);
  _mode_service_wake_sleepers (self);

  tell_crash_observers (self, priv->crash_reason);
  g_signal_emit (self, _mode_service_signals[CRASHED], 0, priv->crash_reason);
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
      _mode_service_run_in_context (service, mark_crashed_one_in_context, call, crash_call_free);
    }
}

/* Tells the world outside @self of its crash: its owner (the proxy that
 * stands for it), its supervisor, or, with neither, the whole tree. */
static void
propagate_crash (ModeService  *self,
                 GMainContext *here,
                 const GError *reason,
                 gboolean      mark_self)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeService *owner = priv->extras != NULL ? priv->extras->owner : NULL;
  g_autoptr(ModeService) supervisor = NULL;

  if (owner != NULL)
    {
      g_object_ref (owner);
      if (mark_self)
        mark_crashed_tree (self, here, reason, FALSE);
      SERVICE_DELEGATE (owner)->owned_crashed (owner, self, reason);
      g_object_unref (owner);
      return;
    }

  supervisor = g_weak_ref_get (&priv->supervisor);
  if (supervisor != NULL)
    {
      if (mark_self)
        mark_crashed_tree (self, here, reason, FALSE);
      MODE_SERVICE_GET_CLASS (supervisor)->supervised_crash (supervisor, self);
    }
  else
    mark_crashed_tree (self, here, reason, TRUE);
}

void
_mode_service_set_owner (ModeService *service,
                         ModeService *owner)
{
  g_return_if_fail (MODE_IS_SERVICE (service));
  g_return_if_fail (owner == NULL ||
                    (SERVICE_DELEGATE (owner) != NULL &&
                     SERVICE_DELEGATE (owner)->owned_crashed != NULL));

  if (owner != NULL)
    service_get_extras (service)->owner = owner;
  else if (GET_PRIV (service)->extras != NULL)
    GET_PRIV (service)->extras->owner = NULL;
}

void
_mode_service_mark_crashed (ModeService  *self,
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

  _mode_service_mark_crashed (call->self, call->reason);
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
      _mode_service_mark_crashed (self, reason);
      return;
    }

  call = g_new (CrashCall, 1);
  call->self = g_object_ref (self);
  call->reason = g_error_copy (reason);
  _mode_service_run_in_context (self, crash_in_context, call, crash_call_free);
}

/* }}} */

static gboolean
set_shutdown_in_context (gpointer data)
{
  ModeService *self = data;
  ModeServicePrivate *priv = GET_PRIV (self);
  ModeOp *op;

  priv->shutdown = TRUE;

  op = priv->extras != NULL ? g_steal_pointer (&priv->extras->shutdown_op) : NULL;
  if (op != NULL)
    {
      _mode_scheduler_remove (_mode_service_get_scheduler (self), &priv->extras->shutdown_deadline);
      _mode_op_continue (op);
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
  _mode_service_run_in_context (self, set_shutdown_in_context, g_object_ref (self), g_object_unref);
}

/* }}} */

