/* test-log.c: the lines a service logs, the library's and its author's
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include <string.h>

#include <mode-glib/mode-glib.h>

#include "test-util.h"

/* What the last line of the "Mode" domain carried. */
static struct
{
  GLogLevelFlags level;
  char          *message;
  char          *priority;
  char          *service;
  guint          count;
} last;

static GLogWriterOutput
fields_writer (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  gboolean mine = FALSE;

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && g_strcmp0 (fields[i].value, "Mode") == 0)
      mine = TRUE;
  if (!mine)
    return g_log_writer_default (level, fields, n_fields, user_data);

  g_clear_pointer (&last.message, g_free);
  g_clear_pointer (&last.priority, g_free);
  g_clear_pointer (&last.service, g_free);
  last.level = level;
  last.count++;
  for (gsize i = 0; i < n_fields; i++)
    {
      char *value = fields[i].length < 0 ? g_strdup (fields[i].value)
                                         : g_strndup (fields[i].value, fields[i].length);

      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        last.message = value;
      else if (g_strcmp0 (fields[i].key, "PRIORITY") == 0)
        last.priority = value;
      else if (g_strcmp0 (fields[i].key, "MODE_SERVICE") == 0)
        last.service = value;
      else
        g_free (value);
    }
  return G_LOG_WRITER_HANDLED;
}

/* A service author's line: the library's prefix, label and priority. */
static void
test_service_log (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(ModeService) root = g_object_new (MODE_TYPE_SERVICE, "label", "App", NULL);
  g_autoptr(ModeService) cache = g_object_new (MODE_TYPE_SERVICE, "label", "my.Cache",
                                               "shortlabel", "Cache", NULL);

  mode_service_add_dependency (root, cache);

  mode_service_log (cache, G_LOG_LEVEL_MESSAGE, "%u entries loaded", 42u);
  g_assert_cmpstr (last.message, ==, "[^-Cache]: 42 entries loaded");
  g_assert_cmpstr (last.service, ==, "my.Cache");
  g_assert_cmpstr (last.priority, ==, "5");
  g_assert_cmpint (last.level, ==, G_LOG_LEVEL_MESSAGE);

  mode_service_log_message (root, G_LOG_LEVEL_WARNING, "100% full");
  g_assert_cmpstr (last.message, ==, "[^App]: 100% full");
  g_assert_cmpstr (last.priority, ==, "4");

  /* a line longer than any buffer on the stack comes out whole */
  {
    g_autofree char *long_text = g_strnfill (3000, 'x');
    mode_service_log (cache, G_LOG_LEVEL_MESSAGE, "%s!", long_text);
    g_assert_cmpuint (strlen (last.message), ==, strlen ("[^-Cache]: ") + 3001);
    g_assert_true (g_str_has_suffix (last.message, "x!"));
  }

  /* strings and percent signs only (put together without printf), and
   * lines of every length around what the stack holds */
  mode_service_log (cache, G_LOG_LEVEL_MESSAGE, "%s at 100%% of %s", "disk", "/var");
  g_assert_cmpstr (last.message, ==, "[^-Cache]: disk at 100% of /var");
  for (gsize n = 480; n < 520; n++)
    {
      g_autofree char *text = g_strnfill (n, 'y');
      g_autofree char *expected = g_strconcat ("[^-Cache]: <", text, ">", NULL);

      mode_service_log (cache, G_LOG_LEVEL_MESSAGE, "<%s>", text);
      g_assert_cmpstr (last.message, ==, expected);
      mode_service_log (cache, G_LOG_LEVEL_MESSAGE, "<%s>%u", text, 7u);
      g_assert_true (g_str_has_suffix (last.message, ">7"));
      g_assert_cmpuint (strlen (last.message), ==, strlen (expected) + 1);
    }
}

/* Routine lines are made only when they are shown. */
static void
test_service_log_routine (TestFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(ModeService) service = g_object_new (MODE_TYPE_SERVICE, "label", "Quiet", NULL);
  guint before = last.count;

  g_log_set_debug_enabled (FALSE);
  mode_service_log (service, G_LOG_LEVEL_DEBUG, "not shown");
  g_assert_cmpuint (last.count, ==, before);

  g_log_set_debug_enabled (TRUE);
  mode_service_log (service, G_LOG_LEVEL_DEBUG, "shown %d", 1);
  g_log_set_debug_enabled (FALSE);
  g_assert_cmpuint (last.count, ==, before + 1);
  g_assert_cmpstr (last.message, ==, "[^Quiet]: shown 1");
  g_assert_cmpstr (last.priority, ==, "7");
}

/* The library's own lines go the same way. */
static void
test_library_lines (TestFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(ModeService) service = g_object_new (MODE_TYPE_SERVICE, "label", "Boom", NULL);
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "kaput");

  mode_service_crash (service, reason);
  g_assert_cmpstr (last.message, ==, "[^Boom]: Crashed reason=kaput");
  g_assert_cmpstr (last.service, ==, "Boom");
  g_assert_cmpstr (last.priority, ==, "5");
}

static void
test_programmer_errors (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(ModeService) service = g_object_new (MODE_TYPE_SERVICE, NULL);

  if (g_test_undefined ())
    {
      g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*MODE_IS_SERVICE*");
      mode_service_log_message (NULL, G_LOG_LEVEL_MESSAGE, "x");
      g_test_assert_expected_messages ();
      g_test_expect_message ("Mode", G_LOG_LEVEL_CRITICAL, "*message != NULL*");
      mode_service_log_message (service, G_LOG_LEVEL_MESSAGE, NULL);
      g_test_assert_expected_messages ();
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (fields_writer, NULL, NULL);

#define ADD(path, func) \
  g_test_add ("/log/" path, TestFixture, NULL, test_fixture_setup, func, test_fixture_teardown)

  ADD ("service-log", test_service_log);
  ADD ("routine", test_service_log_routine);
  ADD ("library-lines", test_library_lines);
  ADD ("programmer-errors", test_programmer_errors);

#undef ADD

  return g_test_run ();
}
