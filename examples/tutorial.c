/* tutorial.c: the tutorial of Mode's README, in C
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * An App whose dependencies are a Websockets service, a Webserver and a
 * UserCache with a timer that removes expired entries, run by a
 * ModeWorker. Stop it with Ctrl-C.
 *
 * With --graph PATH the App draws its tree of services at startup, as
 * Mode's tutorial does: PATH ending in .dot gets the graph in the DOT
 * language, "-" prints that to standard output, any other extension
 * (image.png, tree.svg) is rendered by graphviz.
 */

#include <string.h>

#include <mode-glib/mode-glib.h>

/* UserCache {{{ */

#define TUTORIAL_TYPE_USER_CACHE (tutorial_user_cache_get_type ())
G_DECLARE_FINAL_TYPE (TutorialUserCache, tutorial_user_cache, TUTORIAL, USER_CACHE, ModeService)

struct _TutorialUserCache
{
  ModeService  parent_instance;
  GHashTable  *users;  /* (owned) name -> expiry, monotonic µs */
};

G_DEFINE_FINAL_TYPE (TutorialUserCache, tutorial_user_cache, MODE_TYPE_SERVICE)

static void
remove_expired (ModeService *service,
                ModeTimer   *timer,
                gpointer     user_data)
{
  TutorialUserCache *self = TUTORIAL_USER_CACHE (service);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer expiry;
  guint removed = 0;

  g_hash_table_iter_init (&iter, self->users);
  while (g_hash_table_iter_next (&iter, NULL, &expiry))
    if (*(gint64 *) expiry < now)
      {
        g_hash_table_iter_remove (&iter);
        removed++;
      }
  g_message ("%s: removed %u expired users, %u left",
             mode_service_get_shortlabel (service), removed, g_hash_table_size (self->users));
}

static gboolean
user_cache_on_start (ModeService   *service,
                     GCancellable  *cancellable,
                     GError       **error)
{
  TutorialUserCache *self = TUTORIAL_USER_CACHE (service);
  const char *names[] = { "alice", "bob", "carol" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gint64 *expiry = g_new (gint64, 1);

      *expiry = g_get_monotonic_time () + i * G_USEC_PER_SEC;
      g_hash_table_insert (self->users, g_strdup (names[i]), expiry);
    }
  return TRUE;
}

static void
tutorial_user_cache_finalize (GObject *object)
{
  g_clear_pointer (&TUTORIAL_USER_CACHE (object)->users, g_hash_table_unref);
  G_OBJECT_CLASS (tutorial_user_cache_parent_class)->finalize (object);
}

static void
tutorial_user_cache_class_init (TutorialUserCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tutorial_user_cache_finalize;
  MODE_SERVICE_CLASS (klass)->on_start = user_cache_on_start;
  /* Mode's @Service.timer(10.0) */
  mode_service_class_add_timer_full (MODE_SERVICE_CLASS (klass), "remove_expired",
                                     10.0, remove_expired, NULL, NULL);
}

static void
tutorial_user_cache_init (TutorialUserCache *self)
{
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  mode_service_set_label (MODE_SERVICE (self), "UserCache");
}

/* }}} */

/* Websockets and Webserver: they say what they do {{{ */

static gboolean
say_start (ModeService *service, GCancellable *cancellable, GError **error)
{
  g_message ("%s: listening", mode_service_get_shortlabel (service));
  return TRUE;
}

static gboolean
say_stop (ModeService *service, GCancellable *cancellable, GError **error)
{
  g_message ("%s: closing", mode_service_get_shortlabel (service));
  return TRUE;
}

#define TUTORIAL_TYPE_WEBSOCKETS (tutorial_websockets_get_type ())
G_DECLARE_FINAL_TYPE (TutorialWebsockets, tutorial_websockets, TUTORIAL, WEBSOCKETS, ModeService)
struct _TutorialWebsockets { ModeService parent_instance; };
G_DEFINE_FINAL_TYPE (TutorialWebsockets, tutorial_websockets, MODE_TYPE_SERVICE)

static void
tutorial_websockets_class_init (TutorialWebsocketsClass *klass)
{
  MODE_SERVICE_CLASS (klass)->on_start = say_start;
  MODE_SERVICE_CLASS (klass)->on_stop = say_stop;
}

static void
tutorial_websockets_init (TutorialWebsockets *self)
{
  mode_service_set_label (MODE_SERVICE (self), "Websockets");
}

#define TUTORIAL_TYPE_WEBSERVER (tutorial_webserver_get_type ())
G_DECLARE_FINAL_TYPE (TutorialWebserver, tutorial_webserver, TUTORIAL, WEBSERVER, ModeService)
struct _TutorialWebserver { ModeService parent_instance; };
G_DEFINE_FINAL_TYPE (TutorialWebserver, tutorial_webserver, MODE_TYPE_SERVICE)

static void
tutorial_webserver_class_init (TutorialWebserverClass *klass)
{
  MODE_SERVICE_CLASS (klass)->on_start = say_start;
  MODE_SERVICE_CLASS (klass)->on_stop = say_stop;
}

static void
tutorial_webserver_init (TutorialWebserver *self)
{
  mode_service_set_label (MODE_SERVICE (self), "Webserver");
}

/* }}} */

/* App {{{ */

#define TUTORIAL_TYPE_APP (tutorial_app_get_type ())
G_DECLARE_FINAL_TYPE (TutorialApp, tutorial_app, TUTORIAL, APP, ModeService)
struct _TutorialApp { ModeService parent_instance; };
G_DEFINE_FINAL_TYPE (TutorialApp, tutorial_app, MODE_TYPE_SERVICE)

static GList *
app_on_init_dependencies (ModeService *service)
{
  GList *deps = NULL;

  deps = g_list_append (deps, g_object_new (TUTORIAL_TYPE_WEBSOCKETS, NULL));
  deps = g_list_append (deps, g_object_new (TUTORIAL_TYPE_WEBSERVER, NULL));
  deps = g_list_append (deps, g_object_new (TUTORIAL_TYPE_USER_CACHE, NULL));
  return deps;
}

static char *graph_path;  /* (owned) (nullable) from --graph */

static void
write_graph (ModeService *service)
{
  ModeNode *root = mode_node_get_root (mode_service_get_beacon (service));
  g_autoptr(ModeGraph) graph = mode_node_as_graph (root);
  g_autoptr(GError) error = NULL;
  const char *dot = strrchr (graph_path, '.');
  const char *format = dot != NULL && dot[1] != '\0' ? dot + 1 : "png";

  if (g_str_equal (graph_path, "-"))
    {
      g_autofree char *text = mode_graph_to_dot (graph);

      g_print ("%s", text);
      return;
    }

  g_message ("Writing graph to %s", graph_path);
  if (g_str_equal (format, "dot"))
    {
      g_autofree char *text = mode_graph_to_dot (graph);

      g_file_set_contents (graph_path, text, -1, &error);
    }
  else
    mode_graph_render (graph, format, graph_path, &error);

  if (error != NULL)
    g_printerr ("Cannot write %s: %s\n", graph_path, error->message);
}

static gboolean
app_on_start (ModeService *service, GCancellable *cancellable, GError **error)
{
  g_message ("App is starting");
  if (graph_path != NULL)
    write_graph (service);
  return TRUE;
}

static void
tutorial_app_class_init (TutorialAppClass *klass)
{
  MODE_SERVICE_CLASS (klass)->on_init_dependencies = app_on_init_dependencies;
  MODE_SERVICE_CLASS (klass)->on_start = app_on_start;
}

static void
tutorial_app_init (TutorialApp *self)
{
  mode_service_set_label (MODE_SERVICE (self), "App");
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ModeWorker) worker = NULL;
  g_autoptr(ModeService) app = NULL;
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "graph", 0, 0, G_OPTION_ARG_FILENAME, &graph_path,
      "Draw the tree of services at startup (.dot, .png, .svg, or - for DOT on stdout)", "PATH" },
    { NULL }
  };
  int status;

  /* Take --graph out; the worker parses the rest. */
  g_option_context_add_main_entries (options, entries, NULL);
  g_option_context_set_ignore_unknown_options (options, TRUE);
  g_option_context_set_help_enabled (options, FALSE);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 64;
    }

  worker = mode_worker_new ();
  app = g_object_new (TUTORIAL_TYPE_APP, NULL);
  mode_worker_add_service (worker, app);
  status = mode_worker_execute_from_commandline (worker, argc, argv);
  g_clear_pointer (&graph_path, g_free);
  return status;
}
