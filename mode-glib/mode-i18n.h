/* mode-i18n.h: gettext for mode-glib (private)
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *mode_gettext (const char *msgid) G_GNUC_FORMAT (1);

G_END_DECLS

#undef _
#undef N_
#define _(s) mode_gettext (s)
#define N_(s) (s)
