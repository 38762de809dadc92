/* mode-service-diag.c: flags and describe()
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-service-internal.h"
#include "mode-timer-private.h"

typedef struct
{
  gint64   last_transition;
  gboolean set;
} FlagState;

/* Diagnostics {{{ */

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static FlagState *
flag_state (ModeService *self,
            const char  *flag,
            gboolean     create)
{
  ServiceExtras *extras = create ? service_get_extras (self) : GET_PRIV (self)->extras;
  FlagState *state;

  if (extras == NULL)
    return NULL;
  if (extras->flags == NULL)
    {
      if (!create)
        return NULL;
      extras->flags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    }

  state = g_hash_table_lookup (extras->flags, flag);
  if (state == NULL && create)
    {
      state = g_new0 (FlagState, 1);
      g_hash_table_insert (extras->flags, g_strdup (flag), state);
    }

  return state;
}

/**
 * mode_service_diag_set_flag:
 * @self: a #ModeService
 * @flag: the flag, a short word saying what the service is doing
 *
 * Sets a diagnostic flag (Mode's `diag.set_flag`), to show what the
 * service is busy with: mode_service_describe() lists the flags that are
 * set, and when each last changed.
 *
 * Since: 0.1
 */
void
mode_service_diag_set_flag (ModeService *self,
                            const char  *flag)
{
  FlagState *state;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (flag != NULL);

  state = flag_state (self, flag, TRUE);
  state->set = TRUE;
  state->last_transition = _mode_service_now (self);
}

/**
 * mode_service_diag_unset_flag:
 * @self: a #ModeService
 * @flag: the flag
 *
 * Unsets a diagnostic flag.
 *
 * Since: 0.1
 */
void
mode_service_diag_unset_flag (ModeService *self,
                              const char  *flag)
{
  FlagState *state;

  g_return_if_fail (MODE_IS_SERVICE (self));
  g_return_if_fail (flag != NULL);

  state = flag_state (self, flag, FALSE);
  if (state != NULL && state->set)
    {
      state->set = FALSE;
      state->last_transition = _mode_service_now (self);
    }
}

/**
 * mode_service_diag_has_flag:
 * @self: a #ModeService
 * @flag: the flag
 *
 * Gets whether a diagnostic flag is set.
 *
 * Returns: %TRUE when @flag is set
 *
 * Since: 0.1
 */
gboolean
mode_service_diag_has_flag (ModeService *self,
                            const char  *flag)
{
  FlagState *state;

  g_return_val_if_fail (MODE_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (flag != NULL, FALSE);

  state = flag_state (self, flag, FALSE);
  return state != NULL && state->set;
}

/**
 * mode_service_diag_get_flags:
 * @self: a #ModeService
 *
 * Gets the diagnostic flags that are set, sorted.
 *
 * Returns: (transfer full) (array zero-terminated=1): the flags
 *
 * Since: 0.1
 */
char **
mode_service_diag_get_flags (ModeService *self)
{
  ServiceExtras *extras;
  GPtrArray *flags;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  flags = g_ptr_array_new ();
  extras = GET_PRIV (self)->extras;
  if (extras != NULL && extras->flags != NULL)
    {
      g_hash_table_iter_init (&iter, extras->flags);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (((FlagState *) value)->set)
          g_ptr_array_add (flags, g_strdup (key));
    }
  g_ptr_array_sort (flags, compare_strings);
  g_ptr_array_add (flags, NULL);

  return (char **) g_ptr_array_free (flags, FALSE);
}

/**
 * mode_service_diag_get_last_transition:
 * @self: a #ModeService
 * @flag: the flag
 *
 * Gets when a diagnostic flag was last set or unset, on the service's
 * #ModeClock.
 *
 * Returns: the time in microseconds, or 0 when the flag was never set
 *
 * Since: 0.1
 */
gint64
mode_service_diag_get_last_transition (ModeService *self,
                                       const char  *flag)
{
  FlagState *state;

  g_return_val_if_fail (MODE_IS_SERVICE (self), 0);
  g_return_val_if_fail (flag != NULL, 0);

  state = flag_state (self, flag, FALSE);
  return state != NULL ? state->last_transition : 0;
}

static void
describe_service (ModeService *self,
                  GString     *out,
                  guint        indent,
                  GHashTable  *seen)
{
  ModeServicePrivate *priv = GET_PRIV (self);
  ServiceExtras *extras = priv->extras;
  GEnumClass *states;
  gint64 now;

  if (service_resolve (self) != self)
    {
      /* a proxy: the service it stands for */
      g_string_append_printf (out, "%*s%s (proxy)\n", indent * 2, "",
                              mode_service_get_label (self));
      describe_service (service_resolve (self), out, indent + 1, seen);
      return;
    }

  states = g_type_class_ref (MODE_TYPE_SERVICE_STATE);
  now = _mode_service_now (self);

  g_string_append_printf (out, "%*s%s [%s]", indent * 2, "",
                          mode_service_get_label (self),
                          g_enum_get_value (states, derived_state (priv))->value_nick);
  g_type_class_unref (states);
  if (priv->restart_count > 0)
    g_string_append_printf (out, " restarts=%u", priv->restart_count);
  if (priv->crashed && priv->crash_reason != NULL)
    g_string_append_printf (out, " reason=\"%s\"", priv->crash_reason->message);
  g_string_append_c (out, '\n');

  if (!g_hash_table_add (seen, self))
    {
      g_string_append_printf (out, "%*s(described above)\n", (indent + 1) * 2, "");
      return;
    }

  if (extras != NULL)
    {
      if (extras->flags != NULL)
        {
          g_auto(GStrv) flags = mode_service_diag_get_flags (self);

          for (guint i = 0; flags[i] != NULL; i++)
            {
              FlagState *state = flag_state (self, flags[i], FALSE);
              g_string_append_printf (out, "%*sflag %s (set %.3f s ago)\n", (indent + 1) * 2, "",
                                      flags[i], (now - state->last_transition) / (gdouble) G_USEC_PER_SEC);
            }
        }

      for (GList *l = extras->tasks.head; l != NULL; l = l->next)
        {
          TaskEntry *entry = l->data;
          g_string_append_printf (out, "%*stask %s (running for %.3f s)\n", (indent + 1) * 2, "",
                                  entry->name, (now - entry->started_at) / (gdouble) G_USEC_PER_SEC);
        }

      if (extras->timers != NULL)
        for (guint i = 0; i < extras->timers->len; i++)
          {
            g_string_append_printf (out, "%*s", (indent + 1) * 2, "");
            _mode_timer_describe (g_ptr_array_index (extras->timers, i), out);
            g_string_append_c (out, '\n');
          }
    }

  if (priv->children != NULL)
    for (guint i = 0; i < priv->children->len; i++)
      describe_service (g_ptr_array_index (priv->children, i), out, indent + 1, seen);
}

/**
 * mode_service_describe:
 * @self: a #ModeService
 *
 * Describes the service and its dependencies as text, one service a line
 * with its label and state, and under each its diagnostic flags, its
 * running tasks with their age, and its timers with their figures. What
 * a worker prints on SIGUSR1.
 *
 * Returns: (transfer full): the description
 *
 * Since: 0.1
 */
char *
mode_service_describe (ModeService *self)
{
  g_autoptr(GHashTable) seen = NULL;
  GString *out;

  g_return_val_if_fail (MODE_IS_SERVICE (self), NULL);

  seen = g_hash_table_new (NULL, NULL);
  out = g_string_new (NULL);
  describe_service (self, out, 0, seen);

  /* labels, names and messages come from anywhere: the text is UTF-8 */
  if (!g_utf8_validate_len (out->str, out->len, NULL))
    {
      char *valid = g_utf8_make_valid (out->str, out->len);

      g_string_free (out, TRUE);
      return valid;
    }

  return g_string_free (out, FALSE);
}

/* }}} */


/* For the layers below {{{ */

/* A beacon's label: its service's short label. */
const char *
_mode_service_node_label (GObject *object)
{
  return mode_service_get_shortlabel (MODE_SERVICE (object));
}

/* Mode's colours of the states, in DOT. */
static const struct
{
  const char *fill;
  const char *line;
} state_colours[] = {
  [MODE_SERVICE_STATE_INIT]     = { "gray90",          "gray50" },
  [MODE_SERVICE_STATE_STARTING] = { "lightgoldenrod1", "goldenrod3" },
  [MODE_SERVICE_STATE_RUNNING]  = { "palegreen3",      "palegreen4" },
  [MODE_SERVICE_STATE_STOPPING] = { "khaki1",          "khaki4" },
  [MODE_SERVICE_STATE_SHUTDOWN] = { "lightsteelblue1", "lightsteelblue4" },
  [MODE_SERVICE_STATE_CRASHED]  = { "salmon",          "red3" },
};

/* How a graph names a service and, with show-state, colours it. */
gboolean
_mode_service_graph_attributes (GObject             *object,
                                gboolean             with_state,
                                ModeGraphAttributes *attrs)
{
  ModeService *service;
  ModeServiceState state;
  GEnumClass *states;
  GEnumValue *nick;

  if (!MODE_IS_SERVICE (object))
    return FALSE;

  service = MODE_SERVICE (object);
  attrs->label = g_strdup (mode_service_get_label (service));
  if (!with_state)
    return TRUE;

  state = mode_service_get_state (service);
  states = g_type_class_ref (MODE_TYPE_SERVICE_STATE);
  nick = g_enum_get_value (states, state);
  /* the nicks of a registered enum live as long as the program */
  attrs->state = nick != NULL ? nick->value_nick : "?";
  g_type_class_unref (states);
  attrs->restarts = mode_service_get_restart_count (service);
  if ((guint) state < G_N_ELEMENTS (state_colours))
    {
      attrs->fill = state_colours[state].fill;
      attrs->line = state_colours[state].line;
    }
  return TRUE;
}

/* }}} */
