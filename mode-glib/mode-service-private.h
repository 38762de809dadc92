/* mode-service-private.h: what the classes of this library share
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed.
 */

#pragma once

#include "mode-node.h"
#include "mode-service.h"

G_BEGIN_DECLS

ModeNode   *_mode_node_new_for_service (ModeService *service);
void        _mode_node_clear_data      (ModeNode    *self);
const char *_mode_node_get_label       (ModeNode    *self);

void        _mode_log_set_threshold    (GLogLevelFlags level);

gboolean    _mode_context_is_current   (GMainContext  *context);

/* What the lifecycle engine is asked to do, by the subclasses of this
 * library and by a service for its dependencies; the operations complete
 * synchronously when every hook does.
 *
 * MODE_OP_START fails with MODE_ERROR_ALREADY_STARTED on a service that
 * was started before. MODE_OP_ENSURE is what a restarting parent asks of
 * its dependencies: one that runs is left alone (and answers
 * MODE_ERROR_ALREADY_STARTED), one that starts is joined, one that was
 * never started starts, and one that stopped or crashed is reset and
 * started again, without its on_restart. MODE_OP_START_CONTAINED is the
 * start of a runtime dependency: a failure fails the caller and crashes
 * nothing. */
typedef enum
{
  MODE_OP_START,
  MODE_OP_STOP,
  MODE_OP_RESTART,
  MODE_OP_ENSURE,
  MODE_OP_START_CONTAINED,
} ModeOpKind;

typedef void (*ModeOpDone) (ModeService  *service,
                            const GError *error,
                            gpointer      data);

void        _mode_service_begin               (ModeService *self,
                                               ModeOpKind   kind,
                                               ModeOpDone   func,
                                               gpointer     data);
/* A class whose services run their lifecycle elsewhere (in a thread of
 * their own, in another service) installs a delegate: every operation
 * the engine or a caller begins on such a service goes to @begin, from
 * whatever thread it was asked in, and the delegate runs the engine's
 * own steps with _mode_service_run_op() where the service lives. When
 * the service crashes, the engine marks it and its dependencies and
 * calls @propagate_crash (when set) instead of telling the supervisor
 * or the tree itself; the delegate calls _mode_service_propagate_crash()
 * where they live. A class whose state is another service's (a proxy)
 * sets @resolve: the engine's getters, dependency calls, crash and
 * set_shutdown act on the service it returns (transfer none). A class
 * whose context does not always run (a thread's, between its runs) sets
 * @run_in_context: the engine's calls from other threads (crash,
 * set_shutdown, wait_until_stopped, dependency calls) go there rather
 * than to the service's context. */
typedef struct
{
  void (*begin)           (ModeService  *self,
                           ModeOpKind    kind,
                           ModeOpDone    func,
                           gpointer      data);
  void (*propagate_crash) (ModeService  *self,
                           const GError *reason);
  ModeService *(*resolve) (ModeService  *self);
  void (*run_in_context)  (ModeService    *self,
                           GSourceFunc     func,
                           gpointer        data,
                           GDestroyNotify  destroy);
} ModeServiceDelegate;

void        _mode_service_class_set_delegate  (ModeServiceClass          *klass,
                                               const ModeServiceDelegate *delegate);
void        _mode_service_run_op              (ModeService *self,
                                               ModeOpKind   kind,
                                               ModeOpDone   func,
                                               gpointer     data);
void        _mode_service_propagate_crash     (ModeService  *self,
                                               const GError *reason);
void        _mode_service_set_main_context    (ModeService  *self,
                                               GMainContext *context);
void        _mode_service_log                 (ModeService    *self,
                                               GLogLevelFlags  level,
                                               const char     *format,
                                               ...) G_GNUC_PRINTF (3, 4);
void        _mode_service_replace_dependency  (ModeService *self,
                                               ModeService *old,
                                               ModeService *service);
void        _mode_service_detach_dependency   (ModeService *self,
                                               ModeService *service);

G_END_DECLS
