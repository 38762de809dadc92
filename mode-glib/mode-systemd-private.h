/* mode-systemd-private.h: telling systemd how the worker is doing
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed. Only the worker calls these: sd_notify is
 * process-wide state.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean _mode_systemd_notify            (const char  *state,
                                          GError     **error);
guint64  _mode_systemd_watchdog_interval (void);

G_END_DECLS
