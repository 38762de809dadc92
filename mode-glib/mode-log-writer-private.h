/* mode-log-writer-private.h: the worker's log writer
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed. Only the worker calls these: the log writer of a
 * process is process-wide state, and a library user who embeds services
 * never has it installed behind their back.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

GLogLevelFlags _mode_log_level_from_name     (const char      *name,
                                              gboolean        *ok);

gboolean       _mode_log_writer_install      (GLogLevelFlags   level,
                                              const char      *path,
                                              GError         **error);
void           _mode_log_writer_toggle_debug (void);

G_END_DECLS
