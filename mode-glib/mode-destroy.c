/* mode-destroy.c: freeing a caller's data where the caller is
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-destroy-private.h"

/* Where the caller is dispatched: its thread-default context, or the
 * global default one. */
static GMainContext *
caller_context (void)
{
  GMainContext *context = g_main_context_get_thread_default ();

  return context != NULL ? context : g_main_context_default ();
}

/* Records @destroy for @data, called from the caller's thread. @here is
 * where the data will be let go of (the service's context; NULL for the
 * global default one): only when the caller is elsewhere is its context
 * kept. */
void
_mode_destroy_init (ModeDestroy    *self,
                    GDestroyNotify  destroy,
                    gpointer        data,
                    GMainContext   *here)
{
  GMainContext *context;

  self->destroy = destroy;
  self->data = data;
  self->context = NULL;

  if (destroy == NULL)
    return;

  context = caller_context ();
  if (context != (here != NULL ? here : g_main_context_default ()))
    self->context = g_main_context_ref (context);
}

static gboolean
destroy_in_context (gpointer data)
{
  ModeDestroy *self = data;

  self->destroy (self->data);
  g_main_context_unref (self->context);
  g_free (self);
  return G_SOURCE_REMOVE;
}

/* Frees the data: now when the caller's context is the one dispatched
 * here, from an idle of it otherwise. Leaves @self empty. */
void
_mode_destroy_run (ModeDestroy *self)
{
  GDestroyNotify destroy = g_steal_pointer (&self->destroy);

  if (destroy == NULL)
    return;

  if (self->context == NULL ||
      self->context == caller_context () || g_main_context_is_owner (self->context))
    {
      destroy (self->data);
      g_clear_pointer (&self->context, g_main_context_unref);
    }
  else
    {
      ModeDestroy *later = g_new (ModeDestroy, 1);
      GSource *source = g_idle_source_new ();

      later->destroy = destroy;
      later->data = self->data;
      later->context = g_steal_pointer (&self->context);
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, destroy_in_context, later, NULL);
      g_source_set_static_name (source, "[mode] data freed");
      g_source_attach (source, later->context);
      g_source_unref (source);
    }
  self->data = NULL;
}
