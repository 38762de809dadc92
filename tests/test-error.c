/* test-error.c: the MODE_ERROR domain
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include <mode-glib/mode-glib.h>

static void
test_quark (void)
{
  g_autoptr(GError) error = g_error_new (MODE_ERROR, MODE_ERROR_TIMEOUT, "late");

  g_assert_cmpstr (g_quark_to_string (MODE_ERROR), ==, "mode-error-quark");
  g_assert_true (MODE_ERROR == mode_error_quark ());
  g_assert_error (error, MODE_ERROR, MODE_ERROR_TIMEOUT);
}

/* ModeError has a GType, so that bindings see an error domain */
static void
test_enum (void)
{
  static const struct { ModeError code; const char *nick; } codes[] = {
    { MODE_ERROR_ALREADY_STARTED, "already-started" },
    { MODE_ERROR_NOT_STARTED, "not-started" },
    { MODE_ERROR_TIMEOUT, "timeout" },
    { MODE_ERROR_STOPPED, "stopped" },
    { MODE_ERROR_CYCLE, "cycle" },
    { MODE_ERROR_NOT_A_DEPENDENCY, "not-a-dependency" },
    { MODE_ERROR_MAX_RESTARTS_EXCEEDED, "max-restarts-exceeded" },
    { MODE_ERROR_BLOCKING, "blocking" },
    { MODE_ERROR_UNSUPPORTED, "unsupported" },
    { MODE_ERROR_FAILED, "failed" },
    { MODE_ERROR_INVALID_ARGUMENT, "invalid-argument" },
  };
  GEnumClass *klass;

  g_assert_true (G_TYPE_IS_ENUM (MODE_TYPE_ERROR));
  g_assert_cmpstr (g_type_name (MODE_TYPE_ERROR), ==, "ModeError");
  klass = g_type_class_ref (MODE_TYPE_ERROR);
  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (codes));
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      GEnumValue *value = g_enum_get_value (klass, codes[i].code);

      g_assert_nonnull (value);
      g_assert_cmpstr (value->value_nick, ==, codes[i].nick);
    }
  g_type_class_unref (klass);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/error/quark", test_quark);
  g_test_add_func ("/error/enum", test_enum);

  return g_test_run ();
}
