/* mode-error.h
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#if !defined (MODE_INSIDE) && !defined (MODE_COMPILATION)
# error "Only <mode-glib/mode-glib.h> can be included directly."
#endif

#include <glib.h>

#include "mode-version-macros.h"

G_BEGIN_DECLS

/**
 * MODE_ERROR:
 *
 * The error domain of mode-glib. Errors in this domain are from the
 * #ModeError enumeration; see #GError for how to use them.
 *
 * Since: 0.1
 */
#define MODE_ERROR (mode_error_quark ())

/**
 * ModeError:
 * @MODE_ERROR_ALREADY_STARTED: the service was started before; use
 *   mode_service_maybe_start_async() or mode_service_restart_async()
 * @MODE_ERROR_NOT_STARTED: the operation needs a started service
 * @MODE_ERROR_TIMEOUT: a timeout passed before the operation completed
 * @MODE_ERROR_STOPPED: the service was stopped while the operation ran
 * @MODE_ERROR_CYCLE: the dependencies would form a cycle
 * @MODE_ERROR_NOT_A_DEPENDENCY: the service is not a dependency of the
 *   service it was removed from
 * @MODE_ERROR_MAX_RESTARTS_EXCEEDED: a supervisor restarted its services
 *   more often than its limit allows
 * @MODE_ERROR_BLOCKING: a main context did not dispatch for too long
 * @MODE_ERROR_UNSUPPORTED: the feature was not compiled in
 * @MODE_ERROR_FAILED: a generic failure, for example a hook that returned
 *   %FALSE without setting an error
 * @MODE_ERROR_INVALID_ARGUMENT: an argument given at run time was not
 *   valid, for example a cron expression
 *
 * The error codes of the %MODE_ERROR domain.
 *
 * Since: 0.1
 */
typedef enum
{
  MODE_ERROR_ALREADY_STARTED,
  MODE_ERROR_NOT_STARTED,
  MODE_ERROR_TIMEOUT,
  MODE_ERROR_STOPPED,
  MODE_ERROR_CYCLE,
  MODE_ERROR_NOT_A_DEPENDENCY,
  MODE_ERROR_MAX_RESTARTS_EXCEEDED,
  MODE_ERROR_BLOCKING,
  MODE_ERROR_UNSUPPORTED,
  MODE_ERROR_FAILED,
  MODE_ERROR_INVALID_ARGUMENT,
} ModeError;

MODE_AVAILABLE_IN_ALL
GQuark mode_error_quark (void);

G_END_DECLS
