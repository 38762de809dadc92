/* mode-service.c: the ModeService type
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Owns the type: its properties, signals, construction and
 * destruction, its class's delegate, and the logging of a service's
 * lines. The lifecycle engine is in mode-service-*.c (see
 * mode-service-internal.h for which file owns what).
 */

#include "config.h"

#include "mode-service-internal.h"

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


/* The class's private data: copied from a class to its subclasses, a
 * binding's too. */
typedef struct
{
  const ModeServiceDelegate *delegate;
} ModeServiceClassPrivate;

G_DEFINE_TYPE_WITH_CODE (ModeService, mode_service, G_TYPE_OBJECT,
                         G_ADD_PRIVATE (ModeService)
                         g_type_add_class_private (g_define_type_id,
                                                   sizeof (ModeServiceClassPrivate)))

#define GET_CLASS_PRIV(klass) \
  (G_TYPE_CLASS_GET_PRIVATE ((klass), MODE_TYPE_SERVICE, ModeServiceClassPrivate))

/* For the units of the engine, which reach the instance's private data
 * through it (mode-service-internal.h). */
gint _mode_service_private_offset;

GParamSpec *_mode_service_properties[N_PROPS];
guint       _mode_service_signals[N_SIGNALS];

#define properties _mode_service_properties
#define signals    _mode_service_signals

/* Delegates {{{ */

void
_mode_service_class_set_delegate (ModeServiceClass          *klass,
                                  const ModeServiceDelegate *delegate)
{
  g_return_if_fail (MODE_IS_SERVICE_CLASS (klass));

  GET_CLASS_PRIV (klass)->delegate = delegate;
}

/* }}} */

/* Logging {{{ */

void
_mode_service_logv (ModeService    *self,
                    GLogLevelFlags  level,
                    const char     *format,
                    va_list         args)
{
  ModeServicePrivate *priv;
  const char *label;

  if (!_mode_log_wanted (level))
    return;

  /* as mode_service_get_label() and _get_shortlabel() say, without
   * their checks: a crash logs a line */
  priv = GET_PRIV (self);
  label = priv->label != NULL ? priv->label : G_OBJECT_TYPE_NAME (self);
  _mode_log_linev (level, label, priv->shortlabel != NULL ? priv->shortlabel : label,
                   mode_node_get_depth (SERVICE_BEACON (self)), format, args);
}

void
_mode_service_log (ModeService    *self,
                   GLogLevelFlags  level,
                   const char     *format,
                   ...)
{
  va_list args;

  va_start (args, format);
  _mode_service_logv (self, level, format, args);
  va_end (args);
}

/**
 * mode_service_logv:
 * @self: a #ModeService
 * @level: the #GLogLevelFlags of the line (one level)
 * @format: a printf()-style format
 * @args: the arguments for @format
 *
 * Logs a line in the name of the service, as mode_service_log() does.
 *
 * Since: 0.1
 */
void
mode_service_logv (ModeService    *self,
                   GLogLevelFlags  level,
                   const char     *format,
                   va_list         args)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (format != NULL);

  _mode_service_logv (self, level, format, args);
}

/**
 * mode_service_log:
 * @self: a #ModeService
 * @level: the #GLogLevelFlags of the line (one level)
 * @format: a printf()-style format
 * @...: the arguments for @format
 *
 * Logs a line in the name of the service, the way the library logs its
 * own: in the "Mode" domain through g_log_structured(), with the
 * service's label in the MODE_SERVICE field and Mode's prefix before the
 * message, `[^--Label]: ` with one dash per level of depth in the tree of
 * services. Under a #ModeWorker the line goes to the worker's log
 * writer, otherwise to GLib's (%G_LOG_LEVEL_INFO and %G_LOG_LEVEL_DEBUG
 * lines are made only when they will be shown).
 *
 * |[<!-- language="C" -->
 * mode_service_log (service, G_LOG_LEVEL_INFO, "%u entries loaded", n_entries);
 * // Mode-INFO: [^--Cache]: 42 entries loaded
 * ]|
 *
 * Since: 0.1
 */
void
mode_service_log (ModeService    *self,
                  GLogLevelFlags  level,
                  const char     *format,
                  ...)
{
  va_list args;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (format != NULL);

  va_start (args, format);
  _mode_service_logv (self, level, format, args);
  va_end (args);
}

/**
 * mode_service_log_message: (rename-to mode_service_log)
 * @self: a #ModeService
 * @level: the #GLogLevelFlags of the line (one level)
 * @message: the message
 *
 * Logs @message in the name of the service, as mode_service_log() does:
 * the form for bindings, which format their messages themselves.
 *
 * Since: 0.1
 */
void
mode_service_log_message (ModeService    *self,
                          GLogLevelFlags  level,
                          const char     *message)
{
  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (message != NULL);

  _mode_service_log (self, level, "%s", message);
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
      notify_property (self, PROP_LABEL);
      if (priv->shortlabel == NULL)
        notify_property (self, PROP_SHORTLABEL);
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
    notify_property (self, PROP_SHORTLABEL);
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
      notify_property (self, PROP_WAIT_FOR_SHUTDOWN);
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
      notify_property (self, PROP_SHUTDOWN_TIMEOUT);
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
  ModeService *supervisor;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  supervisor = g_weak_ref_get (&GET_PRIV (self)->supervisor);
  /* (transfer none): held by whoever supervises @self */
  if (supervisor != NULL)
    g_object_unref (supervisor);
  return supervisor;
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
  ModeService *old;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (supervisor == NULL || MODE_IS_SERVICE (supervisor));
  g_return_if_fail (supervisor != self);

  priv = GET_PRIV (self);
  old = g_weak_ref_get (&priv->supervisor);
  if (old != NULL)
    g_object_unref (old);
  if (old == supervisor)
    return;

  g_weak_ref_set (&priv->supervisor, supervisor);

  notify_property (self, PROP_SUPERVISOR);
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
      notify_property (self, PROP_MUNDANE_LEVEL);
    }
}

/**
 * mode_service_get_start_dependencies:
 * @self: a #ModeService
 *
 * Gets how the service starts its dependencies.
 *
 * Returns: a #ModeDependencyStart
 *
 * Since: 0.1
 */
ModeDependencyStart
mode_service_get_start_dependencies (ModeService *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE (self), MODE_DEPENDENCY_START_IN_ORDER);

  return GET_PRIV (self)->parallel_start ? MODE_DEPENDENCY_START_PARALLEL
                                         : MODE_DEPENDENCY_START_IN_ORDER;
}

/**
 * mode_service_set_start_dependencies:
 * @self: a #ModeService
 * @how: a #ModeDependencyStart
 *
 * Sets how the service starts its dependencies, from its next start on.
 * See #ModeService:start-dependencies.
 *
 * Since: 0.1
 */
void
mode_service_set_start_dependencies (ModeService         *self,
                                     ModeDependencyStart  how)
{
  ModeServicePrivate *priv;
  gboolean parallel;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (how == MODE_DEPENDENCY_START_IN_ORDER ||
                    how == MODE_DEPENDENCY_START_PARALLEL);

  priv = GET_PRIV (self);
  parallel = how == MODE_DEPENDENCY_START_PARALLEL;
  if (priv->parallel_start != (guint) parallel)
    {
      priv->parallel_start = parallel;
      notify_property (self, PROP_START_DEPENDENCIES);
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

  /* the class is the object's own only from now on */
  priv->delegate = GET_CLASS_PRIV (MODE_SERVICE_GET_CLASS (self))->delegate;
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
  _mode_service_detach_timers (self);

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


  g_clear_pointer (&priv->extras, _mode_service_extras_free);
  g_clear_pointer (&priv->scheduler, _mode_scheduler_unref);
  g_clear_object (&priv->clock);
  _mode_node_clear_data (priv->beacon);
  g_clear_object (&priv->beacon);
  g_clear_object (&priv->cancellable);
  g_clear_object (&priv->start_cancellable);
  g_clear_error (&priv->crash_reason);
  g_clear_pointer (&priv->label, g_free);
  g_clear_pointer (&priv->shortlabel, g_free);
  g_clear_pointer (&priv->context, g_main_context_unref);
  g_weak_ref_clear (&priv->supervisor);

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
      g_value_take_object (value, g_weak_ref_get (&priv->supervisor));
      break;

    case PROP_MUNDANE_LEVEL:
      g_value_set_uint (value, priv->mundane_level);
      break;

    case PROP_CLOCK:
      g_value_set_object (value, mode_service_get_clock (self));
      break;

    case PROP_START_DEPENDENCIES:
      g_value_set_enum (value, mode_service_get_start_dependencies (self));
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

    case PROP_START_DEPENDENCIES:
      mode_service_set_start_dependencies (self, g_value_get_enum (value));
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

  _mode_service_private_offset = ModeService_private_offset;

  klass->on_init_dependencies = real_on_init_dependencies;
  _mode_service_class_init_hooks (klass);

  /* what the layers below learn of services from here */
  _mode_node_set_owned_label_func (_mode_service_node_label);
  _mode_graph_set_attributes_func (_mode_service_graph_attributes);
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

  /**
   * ModeService:start-dependencies:
   *
   * How the service starts its dependencies.
   *
   * %MODE_DEPENDENCY_START_IN_ORDER (the default): one after the other,
   * in the order they were added, each once the one before runs.
   *
   * %MODE_DEPENDENCY_START_PARALLEL: all at once, each still after its
   * own dependencies (a dependency they share starts once, and each
   * waits for it); the service's on_started hook runs once every one
   * runs. When one fails to start, the start waits for the others to
   * end theirs, stops the ones that started, in the reverse order of
   * the completion of their starts, and fails with the first error (the
   * service crashes, as for any failed start). The service's stop stops
   * its dependencies in the reverse order of the completion of their
   * starts, then the ones that did not start, from the last added.
   *
   * A tree whose services each take a while to start (open a
   * connection, load a file) starts in the time of its deepest branch
   * instead of the sum of all. It takes effect at the next start.
   *
   * Since: 0.1
   */
  properties[PROP_START_DEPENDENCIES] =
    g_param_spec_enum ("start-dependencies", NULL, NULL,
                       MODE_TYPE_DEPENDENCY_START,
                       MODE_DEPENDENCY_START_IN_ORDER,
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
  _mode_service_signals[STARTED] =
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
  _mode_service_signals[STOPPED] =
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
  _mode_service_signals[CRASHED] =
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

  priv->beacon = _mode_node_new_owned (G_OBJECT (self));
  priv->shutdown_timeout = 60.0;
  priv->mundane_level = G_LOG_LEVEL_INFO;
  priv->state = MODE_SERVICE_STATE_INIT;
}

/* }}} */

