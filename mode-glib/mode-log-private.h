/* mode-log-private.h: the one way lines are logged in this library
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed. Every line of the library (a service's, a
 * supervisor's, a timer's, the blocking detector's, the worker's) is
 * made here: the "Mode" domain, the structured fields (MESSAGE,
 * PRIORITY, MODE_SERVICE), Mode's "[^--Label]: " prefix (one dash per
 * depth in the tree), one mapping of levels to syslog priorities, and
 * one threshold: the most verbose level the worker's log writer shows.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void           _mode_log_set_threshold (GLogLevelFlags level);
GLogLevelFlags _mode_log_get_threshold (void);
gboolean     _mode_log_wanted        (GLogLevelFlags level);
const char  *_mode_log_priority      (GLogLevelFlags level);

/* Whether routine lines are shown is asked once for the steps of an
 * operation run in-line (see mode-log.c). */
typedef struct _ModeLogBatch ModeLogBatch;

ModeLogBatch *_mode_log_batch_enter (void);
void          _mode_log_batch_leave (ModeLogBatch *batch);

/* A line about @label, @depth deep in its tree (its short label
 * @shortlabel in the prefix); @label may be NULL for a line of no
 * service (then no prefix). _mode_log_line() makes it when the level is
 * shown; _mode_log_linev() always: its caller asked _mode_log_wanted()
 * before it worked out the label. */
void _mode_log_linev (GLogLevelFlags  level,
                      const char     *label,
                      const char     *shortlabel,
                      guint           depth,
                      const char     *format,
                      va_list         args) G_GNUC_PRINTF (5, 0);
void _mode_log_line  (GLogLevelFlags  level,
                      const char     *label,
                      const char     *shortlabel,
                      guint           depth,
                      const char     *format,
                      ...) G_GNUC_PRINTF (5, 6);

G_END_DECLS
