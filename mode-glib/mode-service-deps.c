/* mode-service-deps.c: dependencies
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-service-internal.h"

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

/* Begins a call on the dependencies: @func runs with its task in the
 * service's context. */
static void
dependency_call_begin (ModeService         *self,
                       ModeService         *service,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data,
                       const char          *name,
                       gpointer             source_tag,
                       GSourceFunc          func)
{
  DependencyCall *call = g_new0 (DependencyCall, 1);
  GTask *task;

  call->service = g_object_ref (service);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_name (task, name);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, dependency_call_free);

  _mode_service_run_in_context (self, func, task, g_object_unref);
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
      service_request (child, MODE_OP_STOP, runtime_dependency_failed_stopped, task);
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
  service_request (call->service, MODE_OP_STOP, _mode_op_nothing, NULL);
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

  if (service_is_up (priv))
    {
      if (cancellable != NULL)
        {
          call->cancel_source = g_cancellable_source_new (cancellable);
          g_source_set_static_name (call->cancel_source, "[mode] add_runtime_dependency cancelled");
          g_source_set_callback (call->cancel_source, G_SOURCE_FUNC (runtime_dependency_cancelled),
                                 task, NULL);
          g_source_attach (call->cancel_source, priv->context);
        }
      service_request (child, MODE_OP_START_CONTAINED, runtime_dependency_started,
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
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (MODE_IS_SERVICE (service));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  dependency_call_begin (self, service, cancellable, callback, user_data,
                         "[mode] add_runtime_dependency",
                         mode_service_add_runtime_dependency_async,
                         add_runtime_dependency_in_context);
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
  service_request (call->service, MODE_OP_STOP, removed_dependency_stopped, g_object_ref (task));
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
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (MODE_IS_SERVICE (service));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  dependency_call_begin (self, service, cancellable, callback, user_data,
                         "[mode] remove_dependency",
                         mode_service_remove_dependency_async,
                         remove_dependency_in_context);
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

