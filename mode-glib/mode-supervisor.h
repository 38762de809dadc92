/* mode-supervisor.h
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
 * ModeSupervisorStrategy:
 * @MODE_SUPERVISOR_ONE_FOR_ONE: restart the service that crashed
 * @MODE_SUPERVISOR_ONE_FOR_ALL: stop every service, then restart them
 *   all in order
 * @MODE_SUPERVISOR_FORFEIT_ONE_FOR_ONE: stop the service that crashed and
 *   do not restart it
 * @MODE_SUPERVISOR_FORFEIT_ONE_FOR_ALL: stop every service and restart none
 * @MODE_SUPERVISOR_CRASHING: supervise nothing: a crash spreads as if the
 *   service had no supervisor
 * @MODE_SUPERVISOR_REST_FOR_ONE: restart the service that crashed and
 *   every service added after it, in order (Erlang's rest_for_one)
 *
 * What a #ModeSupervisor does when one of its services crashes.
 *
 * Since: 0.1
 */
typedef enum
{
  MODE_SUPERVISOR_ONE_FOR_ONE,
  MODE_SUPERVISOR_ONE_FOR_ALL,
  MODE_SUPERVISOR_FORFEIT_ONE_FOR_ONE,
  MODE_SUPERVISOR_FORFEIT_ONE_FOR_ALL,
  MODE_SUPERVISOR_CRASHING,
  MODE_SUPERVISOR_REST_FOR_ONE,
} ModeSupervisorStrategy;

/**
 * ModeRestartType:
 * @MODE_RESTART_PERMANENT: restart the service whenever it ends, by a
 *   crash or by a stop that its supervisor did not ask for
 * @MODE_RESTART_TRANSIENT: restart the service only after a crash
 * @MODE_RESTART_TEMPORARY: never restart the service: stop it when it
 *   crashes
 *
 * When a #ModeSupervisor restarts one of its services (Erlang/OTP's
 * restart types). The strategy decides what a restart touches.
 *
 * Since: 0.1
 */
typedef enum
{
  MODE_RESTART_PERMANENT,
  MODE_RESTART_TRANSIENT,
  MODE_RESTART_TEMPORARY,
} ModeRestartType;

/**
 * MODE_TYPE_SUPERVISOR:
 *
 * The #GType of #ModeSupervisor.
 *
 * Since: 0.1
 */
#define MODE_TYPE_SUPERVISOR (mode_supervisor_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (ModeSupervisor, mode_supervisor, MODE, SUPERVISOR, ModeService)

/**
 * ModeSupervisorClass:
 * @parent_class: the parent class
 * @create_replacement: makes the service that takes the place of @old, at
 *   @index of the supervised services, when it crashed; returns %NULL
 *   (the default) to restart @old instead
 *
 * The class of #ModeSupervisor.
 *
 * Since: 0.1
 */
struct _ModeSupervisorClass
{
  ModeServiceClass parent_class;

  ModeService *(*create_replacement) (ModeSupervisor *self,
                                      ModeService    *old,
                                      guint           index);

  /*< private >*/
  gpointer _reserved[8];
};

MODE_AVAILABLE_IN_ALL
ModeSupervisor         *mode_supervisor_new              (ModeSupervisorStrategy  strategy);
MODE_AVAILABLE_IN_ALL
void                    mode_supervisor_add              (ModeSupervisor         *self,
                                                          ModeService            *service);
MODE_AVAILABLE_IN_ALL
void                    mode_supervisor_add_full         (ModeSupervisor         *self,
                                                          ModeService            *service,
                                                          ModeRestartType         restart_type);
MODE_AVAILABLE_IN_ALL
void                    mode_supervisor_discard          (ModeSupervisor         *self,
                                                          ModeService            *service);
MODE_AVAILABLE_IN_ALL
void                    mode_supervisor_insert           (ModeSupervisor         *self,
                                                          guint                   index,
                                                          ModeService            *service);
MODE_AVAILABLE_IN_ALL
GPtrArray              *mode_supervisor_get_services     (ModeSupervisor         *self);
MODE_AVAILABLE_IN_ALL
ModeRestartType         mode_supervisor_get_restart_type (ModeSupervisor         *self,
                                                          ModeService            *service);
MODE_AVAILABLE_IN_ALL
ModeSupervisorStrategy  mode_supervisor_get_strategy     (ModeSupervisor         *self);
MODE_AVAILABLE_IN_ALL
guint                   mode_supervisor_get_max_restarts (ModeSupervisor         *self);
MODE_AVAILABLE_IN_ALL
void                    mode_supervisor_set_max_restarts (ModeSupervisor         *self,
                                                          guint                   max_restarts);
MODE_AVAILABLE_IN_ALL
gdouble                 mode_supervisor_get_over         (ModeSupervisor         *self);
MODE_AVAILABLE_IN_ALL
void                    mode_supervisor_set_over         (ModeSupervisor         *self,
                                                          gdouble                 over);
MODE_AVAILABLE_IN_ALL
guint                   mode_supervisor_get_n_restarts   (ModeSupervisor         *self);

G_END_DECLS
