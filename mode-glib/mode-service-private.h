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

/* The lifecycle engine's operations, for the subclasses of this library:
 * they complete synchronously when every hook does. */
typedef enum
{
  MODE_OP_START,
  MODE_OP_STOP,
  MODE_OP_RESTART,
} ModeOpKind;

typedef void (*ModeOpDone) (ModeService  *service,
                            const GError *error,
                            gpointer      data);

void        _mode_service_begin               (ModeService *self,
                                               ModeOpKind   kind,
                                               ModeOpDone   func,
                                               gpointer     data);
void        _mode_service_replace_dependency  (ModeService *self,
                                               ModeService *old,
                                               ModeService *service);
void        _mode_service_detach_dependency   (ModeService *self,
                                               ModeService *service);

G_END_DECLS
