/* mode-supervisor.c
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-bucket.h"
#include "mode-enums.h"
#include "mode-error.h"
#include "mode-i18n.h"
#include "mode-service-private.h"
#include "mode-supervisor.h"

/**
 * SECTION:mode-supervisor
 * @Title: ModeSupervisor
 * @Short_description: restarts the services that crash
 *
 * A #ModeSupervisor is a service that watches other services and
 * restarts them when they crash, following its #ModeSupervisorStrategy:
 * Mode's five strategies and Erlang's rest-for-one. The supervised
 * services are dependencies of the supervisor: they start after it,
 * in the order they were added (before or after the supervisor started:
 * both are supervised alike), and stop with it.
 *
 * A crash wakes the supervisor in the next main loop iteration; every
 * crash of that iteration is handled in one sweep, and a crash during a
 * sweep is handled right after it. A supervised crash does not spread:
 * only the service that crashed (and its own dependencies) are marked.
 *
 * Restarts are limited to #ModeSupervisor:max-restarts within
 * #ModeSupervisor:over seconds, counted by a #ModeBucket; a restart of
 * all the services for one crash counts once. Past the limit the
 * supervisor itself crashes with %MODE_ERROR_MAX_RESTARTS_EXCEEDED, which
 * spreads to the services above it, so that a worker exits.
 *
 * Each service has a #ModeRestartType: %MODE_RESTART_TRANSIENT unless
 * added with mode_supervisor_add_full().
 *
 * |[<!-- language="C" -->
 * ModeSupervisor *supervisor = mode_supervisor_new (MODE_SUPERVISOR_ONE_FOR_ONE);
 *
 * mode_supervisor_add (supervisor, consumer);
 * mode_supervisor_add_full (supervisor, cache, MODE_RESTART_PERMANENT);
 * mode_service_add_dependency (app, MODE_SERVICE (supervisor));
 * ]|
 */

/**
 * ModeSupervisor:
 *
 * A service that restarts the services that crash.
 *
 * Since: 0.1
 */

typedef struct
{
  ModeService     *service;   /* (owned) */
  ModeRestartType  type;
  gulong           stopped_handler;
  guint            index;        /* among the children */
  guint            pending : 1;  /* ended, in the plan of a sweep for all of them */
} Child;

typedef enum
{
  ACTION_STOP,
  ACTION_RESTART,
} ActionKind;

typedef struct
{
  ModeService *service;      /* (owned) */
  ActionKind   kind;
} Action;

typedef struct
{
  GPtrArray              *children;   /* (owned) (element-type Child) */
  GHashTable             *by_service; /* (owned): ModeService -> its Child, for the crashes */
  GPtrArray              *pending;    /* (owned) (element-type ModeService): ended services to handle */
  GPtrArray              *ended;      /* (owned) (element-type ModeService): those the sweep
                                       * handles (kept, with pending, from one sweep to the next) */
  GArray                 *order;      /* (owned) (element-type Ended): the ended children, in order */
  GArray                 *actions;    /* (owned) (element-type Action): the sweep's (emptied after) */
  ModeBucket             *bucket;     /* (owned) (nullable): made on first restart */
  GSource                *wakeup;     /* (owned) (nullable): made on first use, ready when a
                                       * sweep is due */
  ModeSupervisorStrategy  strategy;
  guint                   max_restarts;
  gdouble                 over;
  guint                   n_restarts;
  guint                   next_action;
  guint                   in_flight;
  guint                   running : 1;   /* inside run_actions() */
  guint                   sweeping : 1;
} ModeSupervisorPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (ModeSupervisor, mode_supervisor, MODE_TYPE_SERVICE)

#define GET_PRIV(self) ((ModeSupervisorPrivate *) mode_supervisor_get_instance_private (self))

enum {
  PROP_0,
  PROP_STRATEGY,
  PROP_MAX_RESTARTS,
  PROP_OVER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void schedule_sweep (ModeSupervisor *self);

static void
child_free (gpointer data)
{
  Child *child = data;

  g_clear_signal_handler (&child->stopped_handler, child->service);
  g_object_unref (child->service);
  g_free (child);
}

static Child *
find_child (ModeSupervisor *self,
            ModeService    *service,
            guint          *index)
{
  ModeSupervisorPrivate *priv = GET_PRIV (self);

  /* at once, whatever the number of children */
  Child *child = g_hash_table_lookup (priv->by_service, service);

  if (child != NULL && index != NULL)
    *index = child->index;
  return child;
}

/* The children after one taken out moved down a place. */
static void
reindex_children (ModeSupervisorPrivate *priv,
                  guint                  from)
{
  for (guint i = from; i < priv->children->len; i++)
    ((Child *) g_ptr_array_index (priv->children, i))->index = i;
}

static void
add_pending (ModeSupervisor *self,
             ModeService    *service)
{
  ModeSupervisorPrivate *priv = GET_PRIV (self);

  for (guint i = 0; i < priv->pending->len; i++)
    if (g_ptr_array_index (priv->pending, i) == service)
      return;

  g_ptr_array_add (priv->pending, g_object_ref (service));
  schedule_sweep (self);
}

/* A supervised service crashed: wake the supervisor. */
static void
mode_supervisor_supervised_crash (ModeService *service,
                                  ModeService *crashed)
{
  ModeSupervisor *self = (ModeSupervisor *) service;  /* the vfunc's: no checked cast */

  if (find_child (self, crashed, NULL) == NULL)
    return;

  add_pending (self, crashed);
}

/* A PERMANENT service stopped: unless the supervisor stopped it, that
 * ends it as a crash would. */
static void
child_stopped (ModeService    *service,
               ModeSupervisor *self)
{
  ModeSupervisorPrivate *priv = GET_PRIV (self);

  if (priv->sweeping || mode_service_get_should_stop (MODE_SERVICE (self)) ||
      mode_service_get_crashed (service))
    return;

  add_pending (self, service);
}

/* The sweep {{{ */

static void run_actions (ModeSupervisor *self);

static void
action_clear (gpointer data)
{
  Action *action = data;

  g_clear_object (&action->service);
}

static void
add_action (ModeSupervisor *self,
            ActionKind      kind,
            ModeService    *service)
{
  ModeSupervisorPrivate *priv = GET_PRIV (self);
  Action action = { g_object_ref (service), kind };

  g_array_append_val (priv->actions, action);
}

static void
action_done (ModeService  *service,
             const GError *error,
             gpointer      data)
{
  ModeSupervisor *self = data;
  ModeSupervisorPrivate *priv = GET_PRIV (self);

  /* A restart that failed crashed the service again, which queued it;
   * a failed stop was logged by the engine. */
  if (error != NULL)
    {
      _mode_service_log (MODE_SERVICE (self), G_LOG_LEVEL_MESSAGE, "Could not restart %s: %s",
                         mode_service_get_label (service), error->message);
    }

  priv->in_flight--;
  if (!priv->running)
    run_actions (self);
}

static void
sweep_done (ModeSupervisor *self)
{
  ModeSupervisorPrivate *priv = GET_PRIV (self);

  priv->sweeping = FALSE;
  g_array_set_size (priv->actions, 0);
  priv->next_action = 0;

  /* crashes during the sweep: next */
  if (priv->pending->len > 0)
    schedule_sweep (self);

  g_object_unref (self);
}

static void
run_actions (ModeSupervisor *self)
{
  ModeSupervisorPrivate *priv = GET_PRIV (self);

  priv->running = TRUE;
  while (priv->in_flight == 0 && priv->next_action < priv->actions->len)
    {
      Action *action = &g_array_index (priv->actions, Action, priv->next_action++);
      ModeService *service = action->service;

      priv->in_flight++;
      _mode_service_request (service,
                           action->kind == ACTION_STOP ? MODE_OP_STOP : MODE_OP_RESTART,
                           action_done, self);
    }
  priv->running = FALSE;

  if (priv->in_flight == 0 && priv->next_action >= priv->actions->len)
    sweep_done (self);
}

static gboolean
take_restart (ModeSupervisor *self,
              ModeService    *service)
{
  ModeSupervisorPrivate *priv = GET_PRIV (self);
  g_autoptr(GError) error = NULL;

  if (priv->bucket == NULL)
    priv->bucket = mode_bucket_new_full (MAX (priv->max_restarts, 1), priv->over, 0.0,
                                         mode_service_get_clock (MODE_SERVICE (self)));

  if (priv->max_restarts > 0 && mode_bucket_pour (priv->bucket, 1))
    {
      priv->n_restarts++;
      return TRUE;
    }

  error = g_error_new (MODE_ERROR, MODE_ERROR_MAX_RESTARTS_EXCEEDED,
                       _("Supervisor %s: restarting %s would exceed %u restarts in %g s"),
                       mode_service_get_label (MODE_SERVICE (self)),
                       mode_service_get_label (service),
                       priv->max_restarts, priv->over);
  mode_service_crash (MODE_SERVICE (self), error);
  return FALSE;
}

/* Restarts the service at @index, or for one that ended, its replacement. */
static void
plan_restart (ModeSupervisor *self,
              guint           index,
              gboolean        ended)
{
  ModeSupervisorPrivate *priv = GET_PRIV (self);
  Child *child = g_ptr_array_index (priv->children, index);
  ModeService *replacement = NULL;

  if (ended)
    replacement = MODE_SUPERVISOR_GET_CLASS (self)->create_replacement (self, child->service, index);
  if (replacement == NULL)
    {
      add_action (self, ACTION_RESTART, child->service);
      return;
    }

  /* the old one still has to release what it holds */
  add_action (self, ACTION_STOP, child->service);
  mode_supervisor_insert (self, index, replacement);
  add_action (self, ACTION_RESTART, replacement);
  g_object_unref (replacement);
}

static void plan_sweep (ModeSupervisor *self,
                        GPtrArray      *ended,
                        GArray         *order,
                        gboolean        any_restart);

/* A child that ended, with its place when the sweep began */
typedef struct
{
  guint        index;
  ModeService *service;  /* (unowned): the sweep's ended array holds it */
} Ended;

static int
compare_ended (gconstpointer a,
               gconstpointer b)
{
  guint x = ((const Ended *) a)->index;
  guint y = ((const Ended *) b)->index;

  return x < y ? -1 : x > y;
}

/* Handles the children that ended since the last sweep: only those are
 * looked at (a crash costs the same among ten children or ten
 * thousand), unless the strategy is about all of them. */
static void
sweep (ModeSupervisor *self)
{
  ModeSupervisorPrivate *priv = GET_PRIV (self);
  GPtrArray *ended = priv->pending;
  GArray *order = priv->order;
  gboolean any_restart = FALSE;

  /* the pending ones to handle; the next crashes pending meanwhile */
  priv->pending = priv->ended;
  priv->ended = ended;

  if (!mode_service_get_should_stop ((ModeService *) self))
    {
      for (guint i = 0; i < ended->len; i++)
        {
          Ended e = { 0, g_ptr_array_index (ended, i) };
          Child *child = find_child (self, e.service, &e.index);

          if (child == NULL)
            continue;
          g_array_append_val (order, e);
          if (child->type != MODE_RESTART_TEMPORARY)
            any_restart = TRUE;
        }
      if (order->len > 1)
        g_array_sort (order, compare_ended);

      if (order->len > 0)
        {
          plan_sweep (self, ended, order, any_restart);
          g_array_set_size (order, 0);
          g_ptr_array_set_size (ended, 0);
          run_actions (self);
          return;
        }
    }

  g_ptr_array_set_size (ended, 0);
}

/* @order: the children that ended, in the children's order */
static void
plan_sweep (ModeSupervisor *self,
            GPtrArray      *ended,
            GArray         *order,
            gboolean        any_restart)
{
  ModeSupervisorPrivate *priv = GET_PRIV (self);
  guint first = g_array_index (order, Ended, 0).index;

  g_object_ref (self);
  priv->sweeping = TRUE;

  switch (priv->strategy)
    {
    case MODE_SUPERVISOR_ONE_FOR_ONE:
      for (guint k = 0; k < order->len; k++)
        {
          const Ended *e = &g_array_index (order, Ended, k);
          guint i = e->index;
          Child *child = i < priv->children->len ? g_ptr_array_index (priv->children, i) : NULL;

          /* in its place still, unless a replacement made for another
           * discarded one before it, or itself */
          if (child == NULL || child->service != e->service)
            child = find_child (self, e->service, &i);
          if (child == NULL)
            continue;
          if (child->type == MODE_RESTART_TEMPORARY)
            add_action (self, ACTION_STOP, child->service);
          else if (take_restart (self, child->service))
            plan_restart (self, i, TRUE);
          else
            break;
        }
      break;

    case MODE_SUPERVISOR_ONE_FOR_ALL:
    case MODE_SUPERVISOR_REST_FOR_ONE:
      {
        guint from = priv->strategy == MODE_SUPERVISOR_ONE_FOR_ALL ? 0 : first;
        ModeService *cause = ((Child *) g_ptr_array_index (priv->children, first))->service;

        /* flag the children that ended, while their places are those
         * of the sweep's start (no user code ran since): the loop below
         * asks each child */
        for (guint k = 0; k < order->len; k++)
          ((Child *) g_ptr_array_index (priv->children,
                                        g_array_index (order, Ended, k).index))->pending = TRUE;

        if (!any_restart || take_restart (self, cause))
          {
            /* stop them in reverse order, then start them in order */
            for (guint i = priv->children->len; i > from; i--)
              add_action (self, ACTION_STOP,
                          ((Child *) g_ptr_array_index (priv->children, i - 1))->service);
            for (guint i = from; i < priv->children->len; i++)
              {
                Child *child = g_ptr_array_index (priv->children, i);

                if (child->type == MODE_RESTART_TEMPORARY && child->pending)
                  continue;
                plan_restart (self, i, child->pending);
              }
          }

        for (guint i = 0; i < priv->children->len; i++)
          ((Child *) g_ptr_array_index (priv->children, i))->pending = FALSE;
      }
      break;

    case MODE_SUPERVISOR_FORFEIT_ONE_FOR_ONE:
      for (guint i = 0; i < ended->len; i++)
        if (find_child (self, g_ptr_array_index (ended, i), NULL) != NULL)
          add_action (self, ACTION_STOP, g_ptr_array_index (ended, i));
      break;

    case MODE_SUPERVISOR_FORFEIT_ONE_FOR_ALL:
      for (guint i = priv->children->len; i > 0; i--)
        add_action (self, ACTION_STOP, ((Child *) g_ptr_array_index (priv->children, i - 1))->service);
      break;

    case MODE_SUPERVISOR_CRASHING:
    default:
      {
        ModeService *cause = ((Child *) g_ptr_array_index (priv->children, first))->service;
        const GError *reason = mode_service_get_crash_reason (cause);
        g_autoptr(GError) error = NULL;

        if (reason == NULL)
          error = g_error_new (MODE_ERROR, MODE_ERROR_STOPPED, _("Service %s stopped"),
                               mode_service_get_label (cause));
        mode_service_crash (MODE_SERVICE (self), reason != NULL ? reason : error);
      }
      break;
    }
}

/* @data: the supervisor, with the reference taken when the sweep
 * became due (schedule_sweep()) */
static gboolean
wakeup_cb (gpointer data)
{
  ModeSupervisor *self = data;
  ModeSupervisorPrivate *priv = GET_PRIV (self);

  if (!priv->sweeping)
    sweep (self);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

/* The supervisor's source: ready while a sweep is due. A flag its
 * prepare reads, not a ready time: setting one writes to the context's
 * wakeup file descriptor every time (a system call, and another to read
 * it), where the crashes come in the context's own thread. */
typedef struct
{
  GSource source;
  gint    due;  /* (atomic) */
} WakeupSource;

static gboolean
wakeup_prepare (GSource *source,
                gint    *timeout)
{
  *timeout = -1;
  return g_atomic_int_get (&((WakeupSource *) source)->due);
}

static gboolean
wakeup_check (GSource *source)
{
  return g_atomic_int_get (&((WakeupSource *) source)->due);
}

static gboolean
wakeup_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     data)
{
  g_atomic_int_set (&((WakeupSource *) source)->due, FALSE);
  return callback (data);
}

static GSourceFuncs wakeup_funcs = {
  .prepare = wakeup_prepare,
  .check = wakeup_check,
  .dispatch = wakeup_dispatch,
};

/* One source for the supervisor's life: a crash does not make and
 * attach a source of its own. */
static void
schedule_sweep (ModeSupervisor *self)
{
  ModeSupervisorPrivate *priv = GET_PRIV (self);
  GMainContext *context = mode_service_get_main_context ((ModeService *) self);

  if (priv->sweeping)
    return;

  if (priv->wakeup == NULL)
    {
      /* (unowned) data but while a sweep is due; the source goes with
       * the supervisor's dispose */
      priv->wakeup = g_source_new (&wakeup_funcs, sizeof (WakeupSource));
      g_source_set_priority (priv->wakeup, G_PRIORITY_HIGH);
      g_source_set_static_name (priv->wakeup, "[mode] supervisor wakeup");
      g_source_set_callback (priv->wakeup, wakeup_cb, self, NULL);
      g_source_attach (priv->wakeup, context);
    }
  if (!g_atomic_int_compare_and_exchange (&((WakeupSource *) priv->wakeup)->due, FALSE, TRUE))
    return;
  /* the supervisor lives until the sweep due, as an idle's data would:
   * its dispose (which destroys the source) cannot come meanwhile, from
   * whatever thread */
  g_object_ref (self);
  /* a context another thread runs may be asleep in poll() */
  if (!g_main_context_is_owner (context))
    g_main_context_wakeup (context);
}

/* }}} */

/**
 * ModeSupervisorClass::create_replacement:
 * @self: a #ModeSupervisor
 * @old: the service that crashed
 * @index: the position of @old among the supervised services
 *
 * Makes the service that takes the place of @old.
 *
 * Returns: (transfer full) (nullable): the replacement, or %NULL to
 *   restart @old
 *
 * Since: 0.1
 */
static ModeService *
mode_supervisor_real_create_replacement (ModeSupervisor *self,
                                         ModeService    *old,
                                         guint           index)
{
  return NULL;
}

static void
mode_supervisor_dispose (GObject *object)
{
  ModeSupervisor *self = MODE_SUPERVISOR (object);
  ModeSupervisorPrivate *priv = GET_PRIV (self);

  if (priv->wakeup != NULL)
    {
      g_source_destroy (priv->wakeup);
      g_clear_pointer (&priv->wakeup, g_source_unref);
    }
  if (priv->children != NULL)
    for (guint i = 0; i < priv->children->len; i++)
      mode_service_set_supervisor (((Child *) g_ptr_array_index (priv->children, i))->service, NULL);
  g_clear_pointer (&priv->by_service, g_hash_table_unref);
  g_clear_pointer (&priv->children, g_ptr_array_unref);
  g_clear_pointer (&priv->pending, g_ptr_array_unref);
  g_clear_pointer (&priv->ended, g_ptr_array_unref);
  g_clear_pointer (&priv->order, g_array_unref);
  g_clear_pointer (&priv->actions, g_array_unref);
  g_clear_object (&priv->bucket);

  G_OBJECT_CLASS (mode_supervisor_parent_class)->dispose (object);
}

static void
mode_supervisor_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ModeSupervisor *self = MODE_SUPERVISOR (object);
  ModeSupervisorPrivate *priv = GET_PRIV (self);

  switch (prop_id)
    {
    case PROP_STRATEGY:
      g_value_set_enum (value, priv->strategy);
      break;

    case PROP_MAX_RESTARTS:
      g_value_set_uint (value, priv->max_restarts);
      break;

    case PROP_OVER:
      g_value_set_double (value, priv->over);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_supervisor_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ModeSupervisor *self = MODE_SUPERVISOR (object);
  ModeSupervisorPrivate *priv = GET_PRIV (self);

  switch (prop_id)
    {
    case PROP_STRATEGY:
      priv->strategy = g_value_get_enum (value);
      break;

    case PROP_MAX_RESTARTS:
      mode_supervisor_set_max_restarts (self, g_value_get_uint (value));
      break;

    case PROP_OVER:
      mode_supervisor_set_over (self, g_value_get_double (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_supervisor_class_init (ModeSupervisorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  object_class->dispose = mode_supervisor_dispose;
  object_class->get_property = mode_supervisor_get_property;
  object_class->set_property = mode_supervisor_set_property;

  service_class->supervised_crash = mode_supervisor_supervised_crash;

  klass->create_replacement = mode_supervisor_real_create_replacement;

  /**
   * ModeSupervisor:strategy:
   *
   * What the supervisor does when a service crashes.
   *
   * Since: 0.1
   */
  properties[PROP_STRATEGY] =
    g_param_spec_enum ("strategy", NULL, NULL,
                       MODE_TYPE_SUPERVISOR_STRATEGY,
                       MODE_SUPERVISOR_ONE_FOR_ONE,
                       (G_PARAM_READWRITE |
                        G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS));

  /**
   * ModeSupervisor:max-restarts:
   *
   * How many restarts the supervisor makes within #ModeSupervisor:over
   * seconds before it gives up and crashes. A restart of several
   * services for one crash counts once.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_RESTARTS] =
    g_param_spec_uint ("max-restarts", NULL, NULL,
                       0, G_MAXUINT, 100,
                       (G_PARAM_READWRITE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  /**
   * ModeSupervisor:over:
   *
   * The period, in seconds, of #ModeSupervisor:max-restarts.
   *
   * Since: 0.1
   */
  properties[PROP_OVER] =
    g_param_spec_double ("over", NULL, NULL,
                         G_MINDOUBLE, G_MAXDOUBLE, 1.0,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mode_supervisor_init (ModeSupervisor *self)
{
  ModeSupervisorPrivate *priv = GET_PRIV (self);

  priv->children = g_ptr_array_new_with_free_func (child_free);
  priv->by_service = g_hash_table_new (NULL, NULL);
  priv->pending = g_ptr_array_new_with_free_func (g_object_unref);
  priv->ended = g_ptr_array_new_with_free_func (g_object_unref);
  priv->order = g_array_new (FALSE, FALSE, sizeof (Ended));
  priv->actions = g_array_new (FALSE, FALSE, sizeof (Action));
  g_array_set_clear_func (priv->actions, action_clear);
  priv->max_restarts = 100;
  priv->over = 1.0;
}

/**
 * mode_supervisor_new:
 * @strategy: what to do when a service crashes
 *
 * Creates a supervisor.
 *
 * Returns: (transfer full): a new #ModeSupervisor
 *
 * Since: 0.1
 */
ModeSupervisor *
mode_supervisor_new (ModeSupervisorStrategy strategy)
{
  return g_object_new (MODE_TYPE_SUPERVISOR, "strategy", strategy, NULL);
}

static void
start_added (ModeService  *service,
             const GError *error,
             gpointer      data)
{
  /* a failed start crashed the service, which the supervisor handles */
}

/**
 * mode_supervisor_add_full:
 * @self: a #ModeSupervisor
 * @service: the service to supervise
 * @restart_type: when to restart it
 *
 * Supervises @service: sets its #ModeService:supervisor (except for the
 * %MODE_SUPERVISOR_CRASHING strategy) and makes it a dependency of the
 * supervisor; when the supervisor runs already, @service starts now.
 *
 * Since: 0.1
 */
void
mode_supervisor_add_full (ModeSupervisor  *self,
                          ModeService     *service,
                          ModeRestartType  restart_type)
{
  ModeSupervisorPrivate *priv;
  Child *child;

  g_return_if_fail (MODE_IS_SUPERVISOR (self));
  g_return_if_fail (MODE_IS_SERVICE (service));
  g_return_if_fail ((gpointer) service != (gpointer) self);

  priv = GET_PRIV (self);
  if (find_child (self, service, NULL) != NULL)
    return;

  if (mode_service_add_dependency (MODE_SERVICE (self), service) == NULL)
    return;

  child = g_new0 (Child, 1);
  child->service = g_object_ref (service);
  child->type = restart_type;
  child->index = priv->children->len;
  if (restart_type == MODE_RESTART_PERMANENT)
    child->stopped_handler = g_signal_connect (service, "stopped", G_CALLBACK (child_stopped), self);
  g_ptr_array_add (priv->children, child);
  g_hash_table_insert (priv->by_service, service, child);

  if (priv->strategy != MODE_SUPERVISOR_CRASHING)
    mode_service_set_supervisor (service, MODE_SERVICE (self));

  if (mode_service_get_state (MODE_SERVICE (self)) == MODE_SERVICE_STATE_RUNNING &&
      !mode_service_get_started (service))
    _mode_service_request (service, MODE_OP_START, start_added, NULL);
}

/**
 * mode_supervisor_add:
 * @self: a #ModeSupervisor
 * @service: the service to supervise
 *
 * Supervises @service as a %MODE_RESTART_TRANSIENT service: see
 * mode_supervisor_add_full().
 *
 * Since: 0.1
 */
void
mode_supervisor_add (ModeSupervisor *self,
                     ModeService    *service)
{
  mode_supervisor_add_full (self, service, MODE_RESTART_TRANSIENT);
}

/**
 * mode_supervisor_discard:
 * @self: a #ModeSupervisor
 * @service: a supervised service
 *
 * Stops supervising @service: it is no longer a dependency of the
 * supervisor and has no supervisor. It is not stopped.
 *
 * Since: 0.1
 */
void
mode_supervisor_discard (ModeSupervisor *self,
                         ModeService    *service)
{
  ModeSupervisorPrivate *priv;
  guint index;

  g_return_if_fail (MODE_IS_SUPERVISOR (self));
  g_return_if_fail (MODE_IS_SERVICE (service));

  priv = GET_PRIV (self);
  if (find_child (self, service, &index) == NULL)
    return;

  g_object_ref (service);
  if (mode_service_get_supervisor (service) == MODE_SERVICE (self))
    mode_service_set_supervisor (service, NULL);
  g_hash_table_remove (priv->by_service, service);
  g_ptr_array_remove_index (priv->children, index);
  reindex_children (priv, index);
  g_ptr_array_remove (priv->pending, service);
  _mode_service_detach_dependency (MODE_SERVICE (self), service);
  g_object_unref (service);
}

/**
 * mode_supervisor_insert:
 * @self: a #ModeSupervisor
 * @index: the position of a supervised service
 * @service: the service to put there
 *
 * Puts @service in the place of the service at @index (Mode's `insert`),
 * which is discarded (not stopped). @service keeps the restart type of
 * that place. It is not started.
 *
 * Since: 0.1
 */
void
mode_supervisor_insert (ModeSupervisor *self,
                        guint           index,
                        ModeService    *service)
{
  ModeSupervisorPrivate *priv;
  Child *child;
  ModeService *old;

  g_return_if_fail (MODE_IS_SUPERVISOR (self));
  g_return_if_fail (MODE_IS_SERVICE (service));

  priv = GET_PRIV (self);
  g_return_if_fail (index < priv->children->len);

  child = g_ptr_array_index (priv->children, index);
  old = child->service;
  if (old == service)
    return;

  g_clear_signal_handler (&child->stopped_handler, old);
  if (mode_service_get_supervisor (old) == MODE_SERVICE (self))
    mode_service_set_supervisor (old, NULL);
  _mode_service_replace_dependency (MODE_SERVICE (self), old, service);

  g_hash_table_remove (priv->by_service, old);
  child->service = g_object_ref (service);
  g_hash_table_insert (priv->by_service, service, child);
  g_object_unref (old);
  if (child->type == MODE_RESTART_PERMANENT)
    child->stopped_handler = g_signal_connect (service, "stopped", G_CALLBACK (child_stopped), self);
  if (priv->strategy != MODE_SUPERVISOR_CRASHING)
    mode_service_set_supervisor (service, MODE_SERVICE (self));
}

/**
 * mode_supervisor_get_services:
 * @self: a #ModeSupervisor
 *
 * Gets the supervised services, in the order they were added.
 *
 * Returns: (transfer container) (element-type ModeService): the services
 *
 * Since: 0.1
 */
GPtrArray *
mode_supervisor_get_services (ModeSupervisor *self)
{
  ModeSupervisorPrivate *priv;
  GPtrArray *ret;

  g_return_val_if_fail (MODE_IS_SUPERVISOR (self), NULL);

  priv = GET_PRIV (self);
  ret = g_ptr_array_new_full (priv->children->len, g_object_unref);
  for (guint i = 0; i < priv->children->len; i++)
    g_ptr_array_add (ret, g_object_ref (((Child *) g_ptr_array_index (priv->children, i))->service));

  return ret;
}

/**
 * mode_supervisor_get_restart_type:
 * @self: a #ModeSupervisor
 * @service: a supervised service
 *
 * Gets when the supervisor restarts @service.
 *
 * Returns: the #ModeRestartType of @service
 *
 * Since: 0.1
 */
ModeRestartType
mode_supervisor_get_restart_type (ModeSupervisor *self,
                                  ModeService    *service)
{
  Child *child;

  g_return_val_if_fail (MODE_IS_SUPERVISOR (self), MODE_RESTART_TRANSIENT);
  g_return_val_if_fail (MODE_IS_SERVICE (service), MODE_RESTART_TRANSIENT);

  child = find_child (self, service, NULL);
  g_return_val_if_fail (child != NULL, MODE_RESTART_TRANSIENT);

  return child->type;
}

/**
 * mode_supervisor_get_strategy:
 * @self: a #ModeSupervisor
 *
 * Gets the strategy of the supervisor.
 *
 * Returns: the #ModeSupervisorStrategy
 *
 * Since: 0.1
 */
ModeSupervisorStrategy
mode_supervisor_get_strategy (ModeSupervisor *self)
{
  g_return_val_if_fail (MODE_IS_SUPERVISOR (self), MODE_SUPERVISOR_ONE_FOR_ONE);

  return GET_PRIV (self)->strategy;
}

/**
 * mode_supervisor_get_max_restarts:
 * @self: a #ModeSupervisor
 *
 * Gets how many restarts the supervisor makes within
 * #ModeSupervisor:over seconds.
 *
 * Returns: the restart limit
 *
 * Since: 0.1
 */
guint
mode_supervisor_get_max_restarts (ModeSupervisor *self)
{
  g_return_val_if_fail (MODE_IS_SUPERVISOR (self), 0);

  return GET_PRIV (self)->max_restarts;
}

/**
 * mode_supervisor_set_max_restarts:
 * @self: a #ModeSupervisor
 * @max_restarts: the restart limit; 0 never restarts
 *
 * Sets how many restarts the supervisor makes within
 * #ModeSupervisor:over seconds before it crashes.
 *
 * Since: 0.1
 */
void
mode_supervisor_set_max_restarts (ModeSupervisor *self,
                                  guint           max_restarts)
{
  ModeSupervisorPrivate *priv;

  g_return_if_fail (MODE_IS_SUPERVISOR (self));

  priv = GET_PRIV (self);
  if (priv->max_restarts != max_restarts)
    {
      priv->max_restarts = max_restarts;
      g_clear_object (&priv->bucket);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_RESTARTS]);
    }
}

/**
 * mode_supervisor_get_over:
 * @self: a #ModeSupervisor
 *
 * Gets the period of #ModeSupervisor:max-restarts.
 *
 * Returns: the period in seconds
 *
 * Since: 0.1
 */
gdouble
mode_supervisor_get_over (ModeSupervisor *self)
{
  g_return_val_if_fail (MODE_IS_SUPERVISOR (self), 0.0);

  return GET_PRIV (self)->over;
}

/**
 * mode_supervisor_set_over:
 * @self: a #ModeSupervisor
 * @over: the period in seconds, more than 0
 *
 * Sets the period of #ModeSupervisor:max-restarts.
 *
 * Since: 0.1
 */
void
mode_supervisor_set_over (ModeSupervisor *self,
                          gdouble         over)
{
  ModeSupervisorPrivate *priv;

  g_return_if_fail (MODE_IS_SUPERVISOR (self));
  g_return_if_fail (over > 0);

  priv = GET_PRIV (self);
  if (priv->over != over)
    {
      priv->over = over;
      g_clear_object (&priv->bucket);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OVER]);
    }
}

/**
 * mode_supervisor_get_n_restarts:
 * @self: a #ModeSupervisor
 *
 * Gets how many restarts the supervisor made: one for each restart
 * event, however many services it restarted.
 *
 * Returns: the number of restarts
 *
 * Since: 0.1
 */
guint
mode_supervisor_get_n_restarts (ModeSupervisor *self)
{
  g_return_val_if_fail (MODE_IS_SUPERVISOR (self), 0);

  return GET_PRIV (self)->n_restarts;
}
