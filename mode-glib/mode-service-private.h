/* mode-service-private.h: what the classes of this library share
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed.
 */

#pragma once

#include "mode-node-private.h"
#include "mode-service.h"

G_BEGIN_DECLS


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

/* Who waits for an operation: its ModeOpDone and the data for it. The
 * engine's operations and ModeServiceThread's control keep them in a
 * GArray of ModeWaiter, and answer them the same way: the array emptied
 * first, since an answer may ask the service for more. */
typedef struct
{
  ModeOpDone func;
  gpointer   data;
} ModeWaiter;

GArray     *_mode_waiters_new      (void);
void        _mode_waiters_add      (GArray       *waiters,
                                    ModeOpDone    func,
                                    gpointer      data);
GArray     *_mode_waiters_take     (GArray       *waiters);
void        _mode_waiters_complete (ModeService  *service,
                                    GArray       *waiters,
                                    const GError *error);

/* Asks @kind of the service wherever it lives: through its class's
 * delegate when it has one, from any thread; the engine's own answer
 * otherwise, in the service's context. */
void        _mode_service_request             (ModeService *self,
                                               ModeOpKind   kind,
                                               ModeOpDone   func,
                                               gpointer     data);
/* A class whose services run their lifecycle elsewhere (in a thread of
 * their own, in another service) installs a delegate (class data that
 * its subclasses, a binding's too, inherit):
 *
 * @begin: every request the engine or a caller makes of such a service
 *   comes here, from whatever thread it was made in; the delegate has
 *   the engine answer with _mode_service_engine_request() where the
 *   service lives.
 * @propagate_crash: (nullable) when such a service crashes, the engine
 *   marks it and its dependencies and calls this instead of telling the
 *   supervisor or the tree itself; the delegate calls
 *   _mode_service_propagate_crash() where they live.
 * @resolve: (nullable) for a class whose state is another service's (a
 *   proxy): the engine's getters, dependency calls, crash and
 *   set_shutdown act on the service it returns (transfer none).
 * @run_in_context: (nullable) for a class whose context does not always
 *   run (a thread's, between its runs): the engine's calls from other
 *   threads (crash, set_shutdown, wait_until_stopped, dependency calls)
 *   go there rather than to the service's context.
 * @owned_crashed: (nullable) for a class whose services own another
 *   (a proxy, see _mode_service_set_owner()): the owned service crashed
 *   with @reason; what it means for the world outside is the owner's to
 *   say, in the owned service's context.
 */
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
  void (*owned_crashed)   (ModeService  *self,
                           ModeService  *owned,
                           const GError *reason);
} ModeServiceDelegate;

void        _mode_service_class_set_delegate  (ModeServiceClass          *klass,
                                               const ModeServiceDelegate *delegate);
/* The engine's own answer, in the service's context: for delegates. */
void        _mode_service_engine_request      (ModeService *self,
                                               ModeOpKind   kind,
                                               ModeOpDone   func,
                                               gpointer     data);
void        _mode_service_propagate_crash     (ModeService  *self,
                                               const GError *reason);
/* @owner (a proxy) owns @service: @service's crashes go to @owner's
 * delegate (owned_crashed) instead of a supervisor or the tree. NULL
 * ends it. */
void        _mode_service_set_owner           (ModeService  *service,
                                               ModeService  *owner);
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

/* Told of every service marked crashed, in any thread, as it is marked
 * (before its ::crashed handlers), with the registry's lock held: an
 * observer adds or removes none. Cheaper than an emission hook on
 * ::crashed, which sends every emission of it down GObject's slow
 * path. */
typedef void (*ModeCrashObserver) (ModeService  *service,
                                   const GError *reason,
                                   gpointer      data);

void        _mode_service_add_crash_observer    (ModeCrashObserver func,
                                                 gpointer          data);
void        _mode_service_remove_crash_observer (ModeCrashObserver func,
                                                 gpointer          data);

G_END_DECLS
