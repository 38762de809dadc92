/* mode-worker.h
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
 * MODE_WORKER_EXIT_OK:
 *
 * The exit status of a worker whose services stopped cleanly.
 *
 * Since: 0.1
 */
#define MODE_WORKER_EXIT_OK 0

/**
 * MODE_WORKER_EXIT_FAILURE:
 *
 * The exit status of a worker one of whose services crashed.
 *
 * Since: 0.1
 */
#define MODE_WORKER_EXIT_FAILURE 1

/**
 * MODE_WORKER_EXIT_USAGE:
 *
 * The exit status of a worker given options it does not know (EX_USAGE).
 *
 * Since: 0.1
 */
#define MODE_WORKER_EXIT_USAGE 64

/**
 * MODE_WORKER_EXIT_OSERR:
 *
 * The exit status of a worker that met an error of the system, such as
 * a log file it cannot write (EX_OSERR).
 *
 * Since: 0.1
 */
#define MODE_WORKER_EXIT_OSERR 71

/**
 * MODE_TYPE_WORKER:
 *
 * The #GType of #ModeWorker.
 *
 * Since: 0.1
 */
#define MODE_TYPE_WORKER (mode_worker_get_type ())

MODE_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (ModeWorker, mode_worker, MODE, WORKER, ModeService)

/**
 * ModeWorkerClass:
 * @parent_class: the parent class
 * @on_setup_logging: sets up logging, when #ModeWorker:override-logging
 *   is set, before anything else of the run: the default installs the
 *   library's log writer, at the level of #ModeWorker:loglevel (debug
 *   with #ModeWorker:debug), to #ModeWorker:logfile or stderr. A class
 *   that installs its own writer replaces it. A failure ends the run
 *   with %MODE_WORKER_EXIT_OSERR, its message on stderr.
 * @on_execute: runs once per run, after logging is set up and the
 *   options are parsed (mode_worker_get_options() holds them), before
 *   the signal handlers are installed and any service starts, with the
 *   worker's #ModeService:main-context the thread-default one: where a
 *   program checks its options and adds the services they ask for
 *   (mode_worker_add_service()). A failure ends the run before anything
 *   starts, its message on stderr: with %MODE_WORKER_EXIT_USAGE for an
 *   error of the %G_OPTION_ERROR domain (a value an option does not
 *   take), %MODE_WORKER_EXIT_FAILURE for any other. %NULL by default.
 * @on_worker_shutdown: runs once per run whose @on_execute succeeded,
 *   after every service stopped and the crash line (if any) was
 *   printed, just before the run returns @exit_status (which it cannot
 *   change). %NULL by default.
 *
 * The class of #ModeWorker. The hooks of #ModeServiceClass run as for
 * any service: these are the run's.
 *
 * Since: 0.1
 */
struct _ModeWorkerClass
{
  ModeServiceClass parent_class;

  gboolean (*on_setup_logging)   (ModeWorker  *self,
                                  GError     **error);
  gboolean (*on_execute)         (ModeWorker  *self,
                                  GError     **error);
  void     (*on_worker_shutdown) (ModeWorker  *self,
                                  int          exit_status);

  /*< private >*/
  gpointer _reserved[5];
};

MODE_AVAILABLE_IN_ALL
ModeWorker *mode_worker_new                      (void);
MODE_AVAILABLE_IN_ALL
void        mode_worker_add_service              (ModeWorker  *self,
                                                  ModeService *service);
MODE_AVAILABLE_IN_ALL
int         mode_worker_execute_from_commandline (ModeWorker  *self,
                                                  int          argc,
                                                  char       **argv);
MODE_AVAILABLE_IN_ALL
int         mode_worker_run                      (ModeWorker  *self);
MODE_AVAILABLE_IN_ALL
void        mode_worker_add_main_option          (ModeWorker         *self,
                                                  const char         *long_name,
                                                  char                short_name,
                                                  GOptionFlags        flags,
                                                  GOptionArg          arg,
                                                  const char         *description,
                                                  const char         *arg_description);
MODE_AVAILABLE_IN_ALL
void        mode_worker_add_main_option_entries  (ModeWorker         *self,
                                                  const GOptionEntry *entries);
MODE_AVAILABLE_IN_ALL
void        mode_worker_add_option_group         (ModeWorker         *self,
                                                  GOptionGroup       *group);
MODE_AVAILABLE_IN_ALL
GVariantDict *mode_worker_get_options            (ModeWorker         *self);
MODE_AVAILABLE_IN_ALL
const char *mode_worker_get_loglevel             (ModeWorker  *self);
MODE_AVAILABLE_IN_ALL
void        mode_worker_set_loglevel             (ModeWorker  *self,
                                                  const char  *loglevel);
MODE_AVAILABLE_IN_ALL
const char *mode_worker_get_logfile              (ModeWorker  *self);
MODE_AVAILABLE_IN_ALL
void        mode_worker_set_logfile              (ModeWorker  *self,
                                                  const char  *logfile);
MODE_AVAILABLE_IN_ALL
gboolean    mode_worker_get_debug                (ModeWorker  *self);
MODE_AVAILABLE_IN_ALL
void        mode_worker_set_debug                (ModeWorker  *self,
                                                  gboolean     debug);
MODE_AVAILABLE_IN_ALL
gboolean    mode_worker_get_quiet                (ModeWorker  *self);
MODE_AVAILABLE_IN_ALL
void        mode_worker_set_quiet                (ModeWorker  *self,
                                                  gboolean     quiet);
MODE_AVAILABLE_IN_ALL
gdouble     mode_worker_get_blocking_timeout     (ModeWorker  *self);
MODE_AVAILABLE_IN_ALL
void        mode_worker_set_blocking_timeout     (ModeWorker  *self,
                                                  gdouble      seconds);
MODE_AVAILABLE_IN_ALL
gboolean    mode_worker_get_daemon               (ModeWorker  *self);
MODE_AVAILABLE_IN_ALL
void        mode_worker_set_daemon               (ModeWorker  *self,
                                                  gboolean     daemon);
MODE_AVAILABLE_IN_ALL
gboolean    mode_worker_get_override_logging     (ModeWorker  *self);
MODE_AVAILABLE_IN_ALL
void        mode_worker_set_override_logging     (ModeWorker  *self,
                                                  gboolean     override_logging);

G_END_DECLS
