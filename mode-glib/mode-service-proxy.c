/* mode-service-proxy.c: a service that stands for another
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-error.h"
#include "mode-i18n.h"
#include "mode-service-private.h"
#include "mode-service-proxy.h"

/**
 * SECTION:mode-service-proxy
 * @Title: ModeServiceProxy
 * @Short_description: a service that stands for another, made on first use
 *
 * See #ModeServiceProxy.
 */

/**
 * ModeServiceProxy:
 *
 * A service that stands for another one, which its
 * #ModeServiceProxyClass.create_service makes the first time it is
 * needed, not when the proxy is made: when the proxy is started, asked
 * about its state, or put in a tree (mode_service_add_dependency(),
 * mode_supervisor_add(), mode_worker_add_service()), as Mode's proxies
 * make theirs when their beacon is first wanted. Making a proxy, for
 * example at the top level of a program, costs nothing.
 *
 * Everything of #ModeService goes to that service: start, stop,
 * restart, maybe_start, wait_until_stopped, crash and set_shutdown; the
 * dependency calls (mode_service_add_dependency() on the proxy adds to
 * the service's dependencies); the properties #ModeService:state,
 * #ModeService:started, #ModeService:crashed, #ModeService:should-stop,
 * #ModeService:crash-reason and #ModeService:restart-count, whose
 * notifications the proxy repeats; and the signals
 * #ModeService::started, #ModeService::stopped and
 * #ModeService::crashed, which the proxy emits again; and the beacon:
 * the service takes the proxy's place in the tree of services, so the
 * proxy adds no level to the log lines or the graph, as in Mode. The
 * proxy keeps its own label (its type name unless set) and its
 * supervisor: when the service crashes, the proxy's supervisor, or the
 * rest of the tree, hears of it as a crash of the proxy.
 *
 * |[<!-- language="C" -->
 * static ModeService *
 * lazy_cache_create_service (ModeServiceProxy *proxy)
 * {
 *   return MODE_SERVICE (user_cache_new ());
 * }
 * ]|
 *
 * Since: 0.1
 */

typedef struct
{
  ModeService *service;      /* (owned) (nullable): made on first use */
  gboolean     creating;
} ModeServiceProxyPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (ModeServiceProxy, mode_service_proxy, MODE_TYPE_SERVICE)

#define GET_PRIV(self) ((ModeServiceProxyPrivate *) mode_service_proxy_get_instance_private (self))

/* The properties the proxy forwards, whose notifications it repeats. */
static const char * const forwarded_properties[] = {
  "state", "started", "crashed", "should-stop", "crash-reason", "restart-count",
};

static void
service_notify (GObject    *service,
                GParamSpec *pspec,
                gpointer    data)
{
  for (guint i = 0; i < G_N_ELEMENTS (forwarded_properties); i++)
    if (g_strcmp0 (pspec->name, forwarded_properties[i]) == 0)
      {
        g_object_notify (G_OBJECT (data), pspec->name);
        return;
      }
}

static void
service_started (ModeService *service,
                 gpointer     data)
{
  g_signal_emit_by_name (data, "started");
}

static void
service_stopped (ModeService *service,
                 gpointer     data)
{
  g_signal_emit_by_name (data, "stopped");
}

static void
service_crashed (ModeService  *service,
                 const GError *reason,
                 gpointer      data)
{
  g_signal_emit_by_name (data, "crashed", reason);
}

/**
 * ModeServiceProxyClass::create_service:
 * @self: a #ModeServiceProxy
 *
 * Makes the service the proxy stands for, once, on first use.
 *
 * Returns: (transfer full): a new #ModeService
 *
 * Since: 0.1
 */
static ModeService *
mode_service_proxy_real_create_service (ModeServiceProxy *self)
{
  g_log (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "%s does not override create_service()",
         G_OBJECT_TYPE_NAME (self));
  return NULL;
}

/* Makes the service, the first time. Returns NULL (and says why) when
 * create_service did not make one. */
static ModeService *
ensure_service (ModeServiceProxy *self)
{
  ModeServiceProxyPrivate *priv = GET_PRIV (self);
  ModeServiceProxyClass *klass = MODE_SERVICE_PROXY_GET_CLASS (self);
  ModeService *service;

  if (priv->service != NULL)
    return priv->service;

  if (priv->creating)
    {
      g_log (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "%s.create_service() used the proxy it makes a service for",
                  mode_service_get_label (MODE_SERVICE (self)));
      return NULL;
    }

  priv->creating = TRUE;
  service = klass->create_service (self);
  priv->creating = FALSE;

  if (service == NULL && klass->create_service == mode_service_proxy_real_create_service)
    return NULL;  /* said so already */

  if (service == NULL || !MODE_IS_SERVICE (service))
    {
      g_log (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "%s.create_service() returned %s, not a ModeService",
                  mode_service_get_label (MODE_SERVICE (self)),
                  service != NULL ? G_OBJECT_TYPE_NAME (service) : "NULL");
      g_clear_object (&service);
      return NULL;
    }
  if (MODE_IS_SERVICE_PROXY (service) || service == MODE_SERVICE (self))
    {
      g_log (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "%s.create_service() returned a proxy",
                  mode_service_get_label (MODE_SERVICE (self)));
      g_clear_object (&service);
      return NULL;
    }

  priv->service = service;

  /* Its crashes come to the proxy, which owns it (the proxy's delegate
   * hears of them). Its beacon is the proxy's (the proxy's own node
   * stays out of the tree): where the proxy is put in a tree, the
   * service is. */
  _mode_service_set_owner (service, MODE_SERVICE (self));

  g_signal_connect_object (service, "notify", G_CALLBACK (service_notify), self, 0);
  g_signal_connect_object (service, "started", G_CALLBACK (service_started), self, 0);
  g_signal_connect_object (service, "stopped", G_CALLBACK (service_stopped), self, 0);
  g_signal_connect_object (service, "crashed", G_CALLBACK (service_crashed), self, 0);

  return service;
}

/* The delegate {{{ */

typedef struct
{
  ModeService *proxy;   /* (owned) */
  ModeOpDone   func;
  gpointer     data;
} Forward;

static void
forward_done (ModeService  *service,
              const GError *error,
              gpointer      data)
{
  Forward *forward = data;

  forward->func (forward->proxy, error, forward->data);
  g_object_unref (forward->proxy);
  g_free (forward);
}

static void
delegate_begin (ModeService *proxy,
                ModeOpKind   kind,
                ModeOpDone   func,
                gpointer     data)
{
  ModeService *service = ensure_service (MODE_SERVICE_PROXY (proxy));
  Forward *forward;

  if (service == NULL)
    {
      g_autoptr(GError) error =
        g_error_new (MODE_ERROR, MODE_ERROR_FAILED,
                     _("Service %s has no service to stand for"),
                     mode_service_get_label (proxy));
      func (proxy, error, data);
      return;
    }

  forward = g_new (Forward, 1);
  forward->proxy = g_object_ref (proxy);
  forward->func = func;
  forward->data = data;
  _mode_service_request (service, kind, forward_done, forward);
}

static ModeService *
delegate_resolve (ModeService *proxy)
{
  ModeService *service = ensure_service (MODE_SERVICE_PROXY (proxy));

  return service != NULL ? service : proxy;
}

/* The service crashed: for the world outside, the proxy did. */
static void
delegate_owned_crashed (ModeService  *proxy,
                        ModeService  *service,
                        const GError *reason)
{
  _mode_service_propagate_crash (proxy, reason);
}

static const ModeServiceDelegate proxy_delegate = {
  .begin = delegate_begin,
  .propagate_crash = NULL,
  .resolve = delegate_resolve,
  .run_in_context = NULL,
  .owned_crashed = delegate_owned_crashed,
};

/* }}} */

/**
 * mode_service_proxy_get_service:
 * @self: a #ModeServiceProxy
 *
 * Gets the service the proxy stands for, making it if this is its first
 * use.
 *
 * Returns: (transfer none) (nullable): the service, or %NULL when
 *   #ModeServiceProxyClass.create_service made none
 *
 * Since: 0.1
 */
ModeService *
mode_service_proxy_get_service (ModeServiceProxy *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE_PROXY (self), NULL);

  return ensure_service (self);
}

/**
 * mode_service_proxy_has_service:
 * @self: a #ModeServiceProxy
 *
 * Tells whether the service the proxy stands for was made already,
 * without making it.
 *
 * Returns: %TRUE once the service was made
 *
 * Since: 0.1
 */
gboolean
mode_service_proxy_has_service (ModeServiceProxy *self)
{
  g_return_val_if_fail (MODE_IS_SERVICE_PROXY (self), FALSE);

  return GET_PRIV (self)->service != NULL;
}

static void
mode_service_proxy_dispose (GObject *object)
{
  ModeServiceProxyPrivate *priv = GET_PRIV (MODE_SERVICE_PROXY (object));

  if (priv->service != NULL)
    {
      _mode_service_set_owner (priv->service, NULL);
      g_clear_object (&priv->service);
    }

  G_OBJECT_CLASS (mode_service_proxy_parent_class)->dispose (object);
}

static void
mode_service_proxy_class_init (ModeServiceProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  object_class->dispose = mode_service_proxy_dispose;
  klass->create_service = mode_service_proxy_real_create_service;

  _mode_service_class_set_delegate (service_class, &proxy_delegate);
}

static void
mode_service_proxy_init (ModeServiceProxy *self)
{
}
