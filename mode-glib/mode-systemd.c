/* mode-systemd.c: sd_notify for the worker, through libsystemd
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The one file that knows libsystemd; without it (-Dsystemd=disabled)
 * notifying fails with MODE_ERROR_UNSUPPORTED when a service manager
 * listens, and there is no watchdog.
 */

#include "config.h"

#if HAVE_LIBSYSTEMD
# include <systemd/sd-daemon.h>
#endif

#include <gio/gio.h>

#include "mode-error.h"
#include "mode-i18n.h"
#include "mode-systemd-private.h"

/* Sends @state ("READY=1", "STATUS=...", newline-separated assignments)
 * to the service manager. Nothing to do, and success, when no manager
 * listens (no NOTIFY_SOCKET). */
gboolean
_mode_systemd_notify (const char  *state,
                      GError     **error)
{
#if HAVE_LIBSYSTEMD
  int r = sd_notify (0, state);

  if (r < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-r),
                   _("Cannot notify the service manager: %s"), g_strerror (-r));
      return FALSE;
    }

  return TRUE;
#else
  if (g_getenv ("NOTIFY_SOCKET") == NULL)
    return TRUE;

  g_set_error_literal (error, MODE_ERROR, MODE_ERROR_UNSUPPORTED,
                       _("Cannot notify the service manager: built without libsystemd"));
  return FALSE;
#endif
}

/* How often, in microseconds, to send WATCHDOG=1: half the interval the
 * service manager asked for (WATCHDOG_USEC, for this process), or 0 for
 * never. */
guint64
_mode_systemd_watchdog_interval (void)
{
#if HAVE_LIBSYSTEMD
  uint64_t usec = 0;

  if (sd_watchdog_enabled (0, &usec) > 0)
    return MAX (usec / 2, 1);
#endif

  return 0;
}
