/* mode-error.c
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-error.h"

/**
 * SECTION:mode-error
 * @Title: ModeError
 * @Short_description: the errors of mode-glib
 *
 * Runtime errors of mode-glib are #GErrors in the %MODE_ERROR domain.
 * Their messages name the service by its #ModeService:label.
 */

/**
 * mode_error_quark:
 *
 * The error domain of mode-glib.
 *
 * Returns: the #GQuark of %MODE_ERROR
 *
 * Since: 0.1
 */
G_DEFINE_QUARK (mode-error-quark, mode_error)
