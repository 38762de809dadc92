/* mode-worker-options.c: the options a program adds to its worker
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A program's options are parsed once, with the worker's, by the
 * worker's GOptionContext: `--help` lists them all. An option added with
 * a place for its value (a #GOptionEntry's arg_data, from C) is a plain
 * entry of the context's main group. An option added without one (every
 * option added with mode_worker_add_main_option(), the bindings' way) is
 * parsed by a callback of this file into the worker's options dict,
 * which holds exactly the options that were given, whatever their value
 * (0 for an integer included), as GApplication's dict does.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "mode-i18n.h"
#include "mode-worker-private.h"

typedef struct
{
  char        *long_name;        /* (owned) */
  char         short_name;
  GOptionFlags flags;
  GOptionArg   arg;
  gpointer     arg_data;         /* (nullable): NULL for an option kept in the dict */
  char        *description;      /* (owned) (nullable) */
  char        *arg_description;  /* (owned) (nullable) */
} ProgramOption;

struct _ModeProgramOptions
{
  GArray       *main;     /* (element-type ProgramOption): main options, in order */
  GPtrArray    *groups;   /* (element-type GOptionGroup): each a reference */
  GVariantDict *dict;     /* (owned): mode_worker_get_options() */
  GVariantDict *parsing;  /* (owned) (nullable): the values of a parse under way */
};

static void
program_option_clear (gpointer data)
{
  ProgramOption *option = data;

  g_clear_pointer (&option->long_name, g_free);
  g_clear_pointer (&option->description, g_free);
  g_clear_pointer (&option->arg_description, g_free);
}

ModeProgramOptions *
_mode_program_options_new (void)
{
  ModeProgramOptions *options = g_new0 (ModeProgramOptions, 1);

  options->main = g_array_new (FALSE, TRUE, sizeof (ProgramOption));
  g_array_set_clear_func (options->main, program_option_clear);
  options->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_option_group_unref);
  options->dict = g_variant_dict_new (NULL);
  return options;
}

void
_mode_program_options_free (ModeProgramOptions *options)
{
  g_array_unref (options->main);
  g_ptr_array_unref (options->groups);
  g_variant_dict_unref (options->dict);
  g_clear_pointer (&options->parsing, g_variant_dict_unref);
  g_free (options);
}

/* The options of the worker itself (mode-worker.c's parse_options) and
 * those of GOptionContext. */
static const char *const taken_long_names[] = {
  "loglevel", "logfile", "debug", "quiet", "blocking-timeout", "help", "help-all",
};
static const char taken_short_names[] = "lfqh?";

gboolean
_mode_program_options_has_name (ModeProgramOptions *options,
                                const char         *long_name,
                                char                short_name)
{
  for (guint i = 0; i < G_N_ELEMENTS (taken_long_names); i++)
    if (g_str_equal (long_name, taken_long_names[i]))
      return TRUE;
  if (short_name != 0 && strchr (taken_short_names, short_name) != NULL)
    return TRUE;

  for (guint i = 0; i < options->main->len; i++)
    {
      const ProgramOption *option = &g_array_index (options->main, ProgramOption, i);

      if (g_str_equal (long_name, option->long_name) ||
          (short_name != 0 && short_name == option->short_name))
        return TRUE;
    }

  return FALSE;
}

/* Parsing {{{ */

static const ProgramOption *
find_option (ModeProgramOptions *options,
             const char         *option_name)
{
  /* GOptionContext names an option "--long-name" or "-s" */
  gboolean is_long = g_str_has_prefix (option_name, "--");

  for (guint i = 0; i < options->main->len; i++)
    {
      const ProgramOption *option = &g_array_index (options->main, ProgramOption, i);

      if (option->arg_data != NULL)
        continue;
      if (is_long ? g_str_equal (option_name + 2, option->long_name)
                  : option_name[1] == option->short_name && option->short_name != 0)
        return option;
    }

  return NULL;
}

static gboolean
parse_integer (const char  *option_name,
               const char  *value,
               gint64       min,
               gint64       max,
               gint64      *number,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (g_ascii_string_to_signed (value, 10, min, max, number, &local_error))
    return TRUE;

  if (g_error_matches (local_error, G_NUMBER_PARSER_ERROR, G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _("Integer value “%s” for %s out of range"), value, option_name);
  else
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _("Cannot parse integer value “%s” for %s"), value, option_name);
  return FALSE;
}

static gboolean
parse_double (const char  *option_name,
              const char  *value,
              gdouble     *number,
              GError     **error)
{
  char *end = NULL;

  errno = 0;
  *number = g_ascii_strtod (value, &end);
  if (value[0] == '\0' || end == NULL || *end != '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Cannot parse double value “%s” for %s"), value, option_name);
      return FALSE;
    }
  if (errno == ERANGE)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Double value “%s” for %s out of range"), value, option_name);
      return FALSE;
    }

  return TRUE;
}

/* The array so far, with @item after it. */
static GVariant *
array_append (GVariantDict       *dict,
              const char         *name,
              const GVariantType *type,
              GVariant           *item)
{
  g_autoptr(GVariant) before = g_variant_dict_lookup_value (dict, name, type);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, type);
  if (before != NULL)
    {
      GVariantIter iter;
      GVariant *child;

      g_variant_iter_init (&iter, before);
      while ((child = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_variant_builder_add_value (&builder, child);
          g_variant_unref (child);
        }
    }
  g_variant_builder_add_value (&builder, item);

  return g_variant_builder_end (&builder);
}

/* The callback of every option kept in the dict: each time it is given,
 * its value goes in, the last one winning, or added to the array. */
static gboolean
option_parsed (const char  *option_name,
               const char  *value,
               gpointer     data,
               GError     **error)
{
  ModeProgramOptions *options = data;
  const ProgramOption *option = find_option (options, option_name);
  GVariant *parsed = NULL;
  gint64 integer;
  gdouble number;

  g_return_val_if_fail (option != NULL, FALSE);
  g_return_val_if_fail (options->parsing != NULL, FALSE);

  switch (option->arg)
    {
    case G_OPTION_ARG_NONE:
      parsed = g_variant_new_boolean ((option->flags & G_OPTION_FLAG_REVERSE) == 0);
      break;
    case G_OPTION_ARG_STRING:
      parsed = g_variant_new_string (value);
      break;
    case G_OPTION_ARG_FILENAME:
      parsed = g_variant_new_bytestring (value);
      break;
    case G_OPTION_ARG_INT:
      if (!parse_integer (option_name, value, G_MININT32, G_MAXINT32, &integer, error))
        return FALSE;
      parsed = g_variant_new_int32 ((gint32) integer);
      break;
    case G_OPTION_ARG_INT64:
      if (!parse_integer (option_name, value, G_MININT64, G_MAXINT64, &integer, error))
        return FALSE;
      parsed = g_variant_new_int64 (integer);
      break;
    case G_OPTION_ARG_DOUBLE:
      if (!parse_double (option_name, value, &number, error))
        return FALSE;
      parsed = g_variant_new_double (number);
      break;
    case G_OPTION_ARG_STRING_ARRAY:
      parsed = array_append (options->parsing, option->long_name, G_VARIANT_TYPE_STRING_ARRAY,
                             g_variant_new_string (value));
      break;
    case G_OPTION_ARG_FILENAME_ARRAY:
      parsed = array_append (options->parsing, option->long_name, G_VARIANT_TYPE_BYTESTRING_ARRAY,
                             g_variant_new_bytestring (value));
      break;
    case G_OPTION_ARG_CALLBACK:
    default:
      g_assert_not_reached ();
    }

  g_variant_dict_insert_value (options->parsing, option->long_name, parsed);
  return TRUE;
}

static GOptionEntry
entry_of (const ProgramOption *option,
          gboolean             in_dict)
{
  GOptionEntry entry = {
    option->long_name, option->short_name, option->flags, option->arg,
    option->arg_data, option->description, option->arg_description,
  };

  if (in_dict)
    {
      /* parsed by option_parsed(), shown among the main options */
      entry.arg = G_OPTION_ARG_CALLBACK;
      entry.arg_data = (gpointer) option_parsed;
      entry.flags &= ~(G_OPTION_FLAG_REVERSE | G_OPTION_FLAG_NO_ARG |
                       G_OPTION_FLAG_FILENAME | G_OPTION_FLAG_OPTIONAL_ARG);
      entry.flags |= G_OPTION_FLAG_IN_MAIN;
      if (option->arg == G_OPTION_ARG_NONE)
        entry.flags |= G_OPTION_FLAG_NO_ARG;
      if (option->arg == G_OPTION_ARG_FILENAME || option->arg == G_OPTION_ARG_FILENAME_ARRAY)
        entry.flags |= G_OPTION_FLAG_FILENAME;
    }

  return entry;
}

/* The descriptions are in the library's text domain (the worker's) or
 * in the program's default one (the program's). */
static const char *
translate (const char *text,
           gpointer    data)
{
  const char *translated = g_dgettext (GETTEXT_PACKAGE, text);

  return translated != text ? translated : g_dgettext (NULL, text);
}

void
_mode_program_options_begin (ModeProgramOptions *options,
                             GOptionContext     *context,
                             GOptionGroup       *main_group)
{
  g_autoptr(GArray) plain = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  g_autoptr(GArray) kept = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));

  g_clear_pointer (&options->parsing, g_variant_dict_unref);
  options->parsing = g_variant_dict_new (NULL);
  g_option_group_set_translate_func (main_group, translate, NULL, NULL);

  for (guint i = 0; i < options->main->len; i++)
    {
      const ProgramOption *option = &g_array_index (options->main, ProgramOption, i);
      GOptionEntry entry = entry_of (option, option->arg_data == NULL);

      g_array_append_val (option->arg_data != NULL ? plain : kept, entry);
    }

  /* a plain entry's callback gets the main group's data, NULL, as with
   * g_option_context_add_main_entries(); the others get @options */
  if (plain->len > 0)
    g_option_group_add_entries (main_group, (const GOptionEntry *) plain->data);
  if (kept->len > 0)
    {
      GOptionGroup *group = g_option_group_new ("mode-program-options", "", "", options, NULL);

      g_option_group_set_translate_func (group, translate, NULL, NULL);
      g_option_group_add_entries (group, (const GOptionEntry *) kept->data);
      g_option_context_add_group (context, group);
    }

  for (guint i = 0; i < options->groups->len; i++)
    g_option_context_add_group (context, g_option_group_ref (g_ptr_array_index (options->groups, i)));
}

void
_mode_program_options_commit (ModeProgramOptions *options)
{
  g_autoptr(GVariantDict) parsing = g_steal_pointer (&options->parsing);

  g_return_if_fail (parsing != NULL);

  /* the same dict, so that a pointer to it stays good */
  for (guint i = 0; i < options->main->len; i++)
    {
      const ProgramOption *option = &g_array_index (options->main, ProgramOption, i);
      g_autoptr(GVariant) value = NULL;

      if (option->arg_data != NULL)
        continue;
      value = g_variant_dict_lookup_value (parsing, option->long_name, NULL);
      if (value != NULL)
        g_variant_dict_insert_value (options->dict, option->long_name, value);
      else
        g_variant_dict_remove (options->dict, option->long_name);
    }
}

/* }}} */

/* Public API {{{ */

static gboolean
option_name_is_valid (const char *long_name,
                      char        short_name)
{
  if (long_name == NULL || long_name[0] == '\0' || long_name[0] == '-')
    return FALSE;
  for (const char *p = long_name; *p != '\0'; p++)
    if (*p == '=' || g_ascii_isspace (*p) || !g_ascii_isprint (*p))
      return FALSE;
  return short_name == 0 || (g_ascii_isprint (short_name) && short_name != '-' &&
                             short_name != '=' && short_name != ' ');
}

static void
add_option (ModeWorker  *self,
            const char  *long_name,
            char         short_name,
            GOptionFlags flags,
            GOptionArg   arg,
            gpointer     arg_data,
            const char  *description,
            const char  *arg_description)
{
  ModeProgramOptions *options = _mode_worker_get_program_options (self);
  ProgramOption option = {
    g_strdup (long_name), short_name, flags, arg, arg_data,
    g_strdup (description), g_strdup (arg_description),
  };

  g_array_append_val (options->main, option);
}

/**
 * mode_worker_add_main_option:
 * @self: a #ModeWorker
 * @long_name: the option's long name, without the leading `--`
 * @short_name: its one-letter name, or 0
 * @flags: #GOptionFlags: %G_OPTION_FLAG_HIDDEN, %G_OPTION_FLAG_REVERSE
 *   (for %G_OPTION_ARG_NONE: the value is %FALSE when given) and
 *   %G_OPTION_FLAG_NOALIAS are the ones that apply
 * @arg: the kind of value it takes; not %G_OPTION_ARG_CALLBACK
 * @description: (nullable): what it does, for `--help`
 * @arg_description: (nullable): the placeholder of its value in
 *   `--help`, such as `PORT`
 *
 * Adds an option of the program to the worker's command line, as
 * g_application_add_main_option() does for a #GApplication: `--help`
 * lists it with the worker's own options, and
 * mode_worker_execute_from_commandline() parses it, once, with them.
 * This is the form the bindings use.
 *
 * When the option is given, its value is in mode_worker_get_options(),
 * under @long_name, from the time #ModeWorkerClass.on_execute runs:
 * a boolean (`b`) for %G_OPTION_ARG_NONE, a string (`s`) for
 * %G_OPTION_ARG_STRING, a byte string (`ay`) for %G_OPTION_ARG_FILENAME,
 * `i` for %G_OPTION_ARG_INT, `x` for %G_OPTION_ARG_INT64, `d` for
 * %G_OPTION_ARG_DOUBLE, `as` and `aay` for the arrays (one element each
 * time the option is given). An option not given is not in the dict: a
 * value of 0 given on the command line is there.
 *
 * A value the option does not take (`--port x` for an integer) is
 * refused as any bad option is: the worker runs nothing and returns
 * %MODE_WORKER_EXIT_USAGE.
 *
 * It is a programmer error to use a name the worker's own options or an
 * option added before use.
 *
 * |[<!-- language="Python" -->
 * worker = Mode.Worker()
 * worker.add_main_option("web-port", ord("p"), GLib.OptionFlags.NONE,
 *                        GLib.OptionArg.INT, "The web server's port", "PORT")
 * ]|
 *
 * Since: 0.1
 */
void
mode_worker_add_main_option (ModeWorker   *self,
                             const char   *long_name,
                             char          short_name,
                             GOptionFlags  flags,
                             GOptionArg    arg,
                             const char   *description,
                             const char   *arg_description)
{
  g_return_if_fail (MODE_IS_WORKER (self));
  g_return_if_fail (option_name_is_valid (long_name, short_name));
  g_return_if_fail (arg != G_OPTION_ARG_CALLBACK && arg <= G_OPTION_ARG_INT64);
  g_return_if_fail (!_mode_program_options_has_name (_mode_worker_get_program_options (self),
                                                     long_name, short_name));

  add_option (self, long_name, short_name, flags, arg, NULL, description, arg_description);
}

/**
 * mode_worker_add_main_option_entries:
 * @self: a #ModeWorker
 * @entries: (array zero-terminated=1) (element-type GOptionEntry): the
 *   options, ended by an entry whose long_name is %NULL
 *
 * Adds options of the program to the worker's command line, as
 * g_application_add_main_option_entries() does: `--help` lists them with
 * the worker's own options, and mode_worker_execute_from_commandline()
 * parses them, once, with them, before #ModeWorkerClass.on_execute runs.
 *
 * An entry with a place for its value (arg_data) gets its value there,
 * as with g_option_context_add_main_entries(); the entries' strings are
 * copied, and the places must stay valid while the worker parses. An
 * entry whose arg_data is %NULL is added as mode_worker_add_main_option()
 * adds an option: its value goes to mode_worker_get_options().
 *
 * |[<!-- language="C" -->
 * static int port = 8000;
 * static char *bind;
 *
 * static const GOptionEntry entries[] = {
 *   { "port", 'p', 0, G_OPTION_ARG_INT, &port, "The port (8000)", "PORT" },
 *   { "bind", 0, 0, G_OPTION_ARG_STRING, &bind, "The address", "ADDRESS" },
 *   { NULL }
 * };
 *
 * mode_worker_add_main_option_entries (worker, entries);
 * ]|
 *
 * It is a programmer error to use a name the worker's own options or an
 * option added before use.
 *
 * Since: 0.1
 */
void
mode_worker_add_main_option_entries (ModeWorker         *self,
                                     const GOptionEntry *entries)
{
  g_return_if_fail (MODE_IS_WORKER (self));
  g_return_if_fail (entries != NULL);

  for (const GOptionEntry *entry = entries; entry->long_name != NULL; entry++)
    {
      g_return_if_fail (option_name_is_valid (entry->long_name, entry->short_name));
      g_return_if_fail (entry->arg_data != NULL || entry->arg != G_OPTION_ARG_CALLBACK);
      g_return_if_fail (entry->arg <= G_OPTION_ARG_INT64);
      g_return_if_fail (!_mode_program_options_has_name (_mode_worker_get_program_options (self),
                                                         entry->long_name, entry->short_name));

      add_option (self, entry->long_name, entry->short_name, entry->flags, entry->arg,
                  entry->arg_data, entry->description, entry->arg_description);
    }
}

/**
 * mode_worker_add_option_group:
 * @self: a #ModeWorker
 * @group: (transfer full): a #GOptionGroup
 *
 * Adds a group of options to the worker's command line, as
 * g_application_add_option_group() does: `--help-all` and `--help-NAME`
 * list them, and mode_worker_execute_from_commandline() parses them,
 * once, with the worker's own options, before #ModeWorkerClass.on_execute
 * runs. The group's entries keep their values where it says (its
 * arg_data), and its parse hooks run as usual. C only.
 *
 * Since: 0.1
 */
void
mode_worker_add_option_group (ModeWorker   *self,
                              GOptionGroup *group)
{
  g_return_if_fail (MODE_IS_WORKER (self));
  g_return_if_fail (group != NULL);

  g_ptr_array_add (_mode_worker_get_program_options (self)->groups, group);
}

/**
 * mode_worker_get_options:
 * @self: a #ModeWorker
 *
 * Gets the values of the options added with mode_worker_add_main_option()
 * (and of the entries without a place for their value added with
 * mode_worker_add_main_option_entries()): each option given on the
 * command line is there under its long name, an option not given is
 * not. The dict is filled by mode_worker_execute_from_commandline(),
 * before #ModeWorkerClass.on_execute runs, and is empty before.
 *
 * The dict is the worker's and stays the same object: code may add
 * defaults to it (in #ModeWorkerClass.on_execute, say), but must not
 * call g_variant_dict_end() on it.
 *
 * |[<!-- language="C" -->
 * GVariantDict *options = mode_worker_get_options (worker);
 * gint32 port = 8000;
 *
 * g_variant_dict_lookup (options, "web-port", "i", &port);
 * ]|
 *
 * |[<!-- language="Python" -->
 * options = worker.get_options()
 * port = options.lookup_value("web-port", GLib.VariantType("i"))
 * port = 8000 if port is None else port.unpack()
 * ]|
 *
 * Returns: (transfer none): the options given, by long name
 *
 * Since: 0.1
 */
GVariantDict *
mode_worker_get_options (ModeWorker *self)
{
  g_return_val_if_fail (MODE_IS_WORKER (self), NULL);

  return _mode_worker_get_program_options (self)->dict;
}

/* }}} */
