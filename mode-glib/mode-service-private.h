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

G_END_DECLS
