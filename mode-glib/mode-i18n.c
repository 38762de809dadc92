/* mode-i18n.c: gettext for mode-glib
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "mode-i18n.h"

static void
mode_i18n_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
#ifdef ENABLE_NLS
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
# ifdef HAVE_BIND_TEXTDOMAIN_CODESET
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
# endif
#endif
      g_once_init_leave (&initialized, 1);
    }
}

const char *
mode_gettext (const char *msgid)
{
  mode_i18n_init ();
  return g_dgettext (GETTEXT_PACKAGE, msgid);
}
