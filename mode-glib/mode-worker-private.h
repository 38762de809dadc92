/* mode-worker-private.h: between the worker and its program's options
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed. mode-worker.c runs the worker and parses the
 * command line; mode-worker-options.c keeps the options a program adds
 * (mode_worker_add_main_option() and the others) and the values parsed
 * for it (mode_worker_get_options()).
 */

#pragma once

#include "mode-worker.h"

G_BEGIN_DECLS

typedef struct _ModeProgramOptions ModeProgramOptions;

/* mode-worker.c: the worker's own */
ModeProgramOptions *_mode_worker_get_program_options (ModeWorker *self);

/* mode-worker-options.c */
ModeProgramOptions *_mode_program_options_new      (void);
void                _mode_program_options_free     (ModeProgramOptions *options);
gboolean            _mode_program_options_has_name (ModeProgramOptions *options,
                                                    const char         *long_name,
                                                    char                short_name);
/* A parse begins: the program's main options go into @main_group and a
 * group of their own, its groups into @context; both groups translate
 * with the library's text domain, then the program's. */
void                _mode_program_options_begin    (ModeProgramOptions *options,
                                                    GOptionContext     *context,
                                                    GOptionGroup       *main_group);
/* The parse succeeded: what it found is what mode_worker_get_options()
 * holds. */
void                _mode_program_options_commit   (ModeProgramOptions *options);

G_END_DECLS
