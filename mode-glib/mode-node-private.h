/* mode-node-private.h: what ModeNode is told from above
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Never installed. The node knows no service: a service makes its beacon
 * with _mode_node_new_owned(), and the service layer gives the nodes the
 * function that names such data (a service's short label).
 */

#pragma once

#include "mode-node.h"

G_BEGIN_DECLS

typedef const char *(*ModeNodeLabelFunc) (GObject *data);

ModeNode   *_mode_node_new_owned            (GObject           *data);
void        _mode_node_clear_data           (ModeNode          *self);
const char *_mode_node_get_label            (ModeNode          *self);
void        _mode_node_set_owned_label_func (ModeNodeLabelFunc  func);
ModeNode   *_mode_node_get_root_and_parent  (ModeNode          *self,
                                             ModeNode         **parent);

G_END_DECLS
