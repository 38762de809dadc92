/* mode-service-proxy.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#if !defined (MODE_INSIDE) && !defined (MODE_COMPILATION)
# error "Only <mode-glib/mode-glib.h> can be included directly."
#endif

#include "mode-service.h"

G_BEGIN_DECLS

/**
 * MODE_TYPE_SERVICE_PROXY:
 *
 * The #GType of #ModeServiceProxy.
 *
 * Since: 0.1
 */
#define MODE_TYPE_SERVICE_PROXY (mode_service_proxy_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (ModeServiceProxy, mode_service_proxy, MODE, SERVICE_PROXY, ModeService)

/**
 * ModeServiceProxyClass:
 * @parent_class: the parent class
 * @create_service: makes the service the proxy stands for; called once,
 *   on first use. It must return a new #ModeService (transfer full).
 *
 * The class of #ModeServiceProxy.
 *
 * Since: 0.1
 */
struct _ModeServiceProxyClass
{
  ModeServiceClass parent_class;

  ModeService *(*create_service) (ModeServiceProxy *self);

  /*< private >*/
  gpointer _reserved[8];
};

MODE_AVAILABLE_IN_ALL
ModeService *mode_service_proxy_get_service (ModeServiceProxy *self);
MODE_AVAILABLE_IN_ALL
gboolean     mode_service_proxy_has_service (ModeServiceProxy *self);

G_END_DECLS
