/* tutorial.c: the tutorial of Mode's README, in C
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * An App whose dependencies are a Websockets service, a Webserver that
 * serves HTTP from a thread of its own (--web-port, --web-bind) and a
 * UserCache with a timer that removes expired entries, run by a
 * ModeWorker. The App is a proxy for the service that holds them, made
 * when the App starts. Stop it with Ctrl-C.
 *
 * The tutorial's options are the worker's too: `--help` lists them with
 * the worker's, and the worker parses them, once; its on_execute hook
 * checks them before anything starts.
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

/* Websockets: it says what it does {{{ */

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

/* }}} */

/* Webserver: an HTTP server in a thread of its own {{{
 *
 * As Mode's tutorial runs its web server in a ServiceThread, this one
 * listens with a GSocketService made in on_start, which runs in the
 * service's thread: connections are served there, and a port already in
 * use makes the start fail with that error, in the thread and in the
 * App that starts it.
 */

#define TUTORIAL_TYPE_WEBSERVER (tutorial_webserver_get_type ())
G_DECLARE_FINAL_TYPE (TutorialWebserver, tutorial_webserver, TUTORIAL, WEBSERVER, ModeServiceThread)

struct _TutorialWebserver
{
  ModeServiceThread  parent_instance;
  char              *bind;      /* (owned): the address to listen on */
  guint16            port;      /* 0: any free port */
  GSocketService    *server;    /* (owned) (nullable): in the thread */
  guint              requests;  /* served, in the thread */
};

G_DEFINE_FINAL_TYPE (TutorialWebserver, tutorial_webserver, MODE_TYPE_SERVICE_THREAD)

typedef struct
{
  TutorialWebserver *self;       /* (owned) */
  GSocketConnection *connection; /* (owned) */
  GDataInputStream  *input;      /* (owned) */
  char              *request;    /* (owned) (nullable): "GET /path" */
} Request;

static void
request_free (Request *request)
{
  g_object_unref (request->self);
  g_object_unref (request->connection);
  g_object_unref (request->input);
  g_free (request->request);
  g_free (request);
}

static void
request_respond (Request *request)
{
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (request->connection));
  g_autofree char *body = NULL;
  g_autofree char *response = NULL;

  request->self->requests++;
  body = g_strdup_printf ("Hello from mode-glib's tutorial\n"
                          "request: %s\n"
                          "served by: %s, request %u\n",
                          request->request != NULL ? request->request : "(none)",
                          mode_service_get_label (MODE_SERVICE (request->self)),
                          request->self->requests);
  response = g_strdup_printf ("HTTP/1.0 200 OK\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n"
                              "Content-Length: %zu\r\n"
                              "Connection: close\r\n"
                              "\r\n%s", strlen (body), body);

  /* a small answer: written at once, then the connection closes */
  g_output_stream_write_all (output, response, strlen (response), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (request->connection), NULL, NULL);
}

static void
request_line_read (GObject      *object,
                   GAsyncResult *result,
                   gpointer      data)
{
  Request *request = data;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (request->input, result, NULL, NULL);
  if (line == NULL)
    {
      /* the client went away, or sent no text */
      request_free (request);
      return;
    }

  g_strchomp (line);
  if (request->request == NULL)
    {
      /* "GET /path HTTP/1.1": keep the method and the path */
      g_auto(GStrv) words = g_strsplit (line, " ", 3);

      request->request = g_strdup_printf ("%s %s", words[0] != NULL ? words[0] : "",
                                          words[0] != NULL && words[1] != NULL ? words[1] : "");
    }

  if (line[0] == '\0')
    {
      /* the end of the headers */
      request_respond (request);
      request_free (request);
      return;
    }

  g_data_input_stream_read_line_async (request->input, G_PRIORITY_DEFAULT, NULL,
                                       request_line_read, request);
}

static gboolean
webserver_incoming (GSocketService    *server,
                    GSocketConnection *connection,
                    GObject           *source,
                    gpointer           data)
{
  Request *request = g_new0 (Request, 1);

  request->self = g_object_ref (data);
  request->connection = g_object_ref (connection);
  request->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_data_input_stream_set_newline_type (request->input, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  g_data_input_stream_read_line_async (request->input, G_PRIORITY_DEFAULT, NULL,
                                       request_line_read, request);
  return TRUE;
}

static gboolean
webserver_on_start (ModeService   *service,
                    GCancellable  *cancellable,
                    GError       **error)
{
  TutorialWebserver *self = TUTORIAL_WEBSERVER (service);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (self->bind);
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocketService) server = NULL;

  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Not an IP address: %s", self->bind);
      return FALSE;
    }

  /* made here, in the service's thread: it accepts in this thread */
  server = g_socket_service_new ();
  socket_address = g_inet_socket_address_new (address, self->port);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (server), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &effective, error))
    return FALSE;

  g_signal_connect (server, "incoming", G_CALLBACK (webserver_incoming), self);
  g_socket_service_start (server);
  self->server = g_steal_pointer (&server);

  g_message ("Webserver: serving on http://%s:%u/", self->bind,
             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));
  return TRUE;
}

static gboolean
webserver_on_stop (ModeService   *service,
                   GCancellable  *cancellable,
                   GError       **error)
{
  TutorialWebserver *self = TUTORIAL_WEBSERVER (service);

  if (self->server != NULL)
    {
      g_socket_service_stop (self->server);
      g_socket_listener_close (G_SOCKET_LISTENER (self->server));
      g_clear_object (&self->server);
    }
  g_message ("Webserver: closed after %u requests", self->requests);
  return TRUE;
}

static void
tutorial_webserver_finalize (GObject *object)
{
  TutorialWebserver *self = TUTORIAL_WEBSERVER (object);

  g_clear_object (&self->server);
  g_free (self->bind);

  G_OBJECT_CLASS (tutorial_webserver_parent_class)->finalize (object);
}

static void
tutorial_webserver_class_init (TutorialWebserverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tutorial_webserver_finalize;
  MODE_SERVICE_CLASS (klass)->on_start = webserver_on_start;
  MODE_SERVICE_CLASS (klass)->on_stop = webserver_on_stop;
}

static void
tutorial_webserver_init (TutorialWebserver *self)
{
  mode_service_set_label (MODE_SERVICE (self), "Webserver");
}

static ModeService *
tutorial_webserver_new (const char *bind,
                        guint16     port)
{
  TutorialWebserver *self = g_object_new (TUTORIAL_TYPE_WEBSERVER, NULL);

  self->bind = g_strdup (bind);
  self->port = port;
  return MODE_SERVICE (self);
}

/* }}} */

/* App {{{
 *
 * As in Mode's tutorial, the App is a proxy: what it stands for, the
 * AppService with its dependencies, is only made when the App is first
 * used (started, here), so making an App costs nothing.
 */

static char *graph_path;  /* (owned) (nullable) from --graph */
static char *web_bind;    /* (owned) (nullable) from --web-bind */
static gint  web_port = 8000;

#define TUTORIAL_TYPE_APP_SERVICE (tutorial_app_service_get_type ())
G_DECLARE_FINAL_TYPE (TutorialAppService, tutorial_app_service, TUTORIAL, APP_SERVICE, ModeService)
struct _TutorialAppService { ModeService parent_instance; };
G_DEFINE_FINAL_TYPE (TutorialAppService, tutorial_app_service, MODE_TYPE_SERVICE)

static GList *
app_on_init_dependencies (ModeService *service)
{
  GList *deps = NULL;

  deps = g_list_append (deps, g_object_new (TUTORIAL_TYPE_WEBSOCKETS, NULL));
  deps = g_list_append (deps, tutorial_webserver_new (web_bind != NULL ? web_bind : "127.0.0.1",
                                                      (guint16) web_port));
  deps = g_list_append (deps, g_object_new (TUTORIAL_TYPE_USER_CACHE, NULL));
  return deps;
}

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
tutorial_app_service_class_init (TutorialAppServiceClass *klass)
{
  MODE_SERVICE_CLASS (klass)->on_init_dependencies = app_on_init_dependencies;
  MODE_SERVICE_CLASS (klass)->on_start = app_on_start;
}

static void
tutorial_app_service_init (TutorialAppService *self)
{
  mode_service_set_label (MODE_SERVICE (self), "AppService");
}

#define TUTORIAL_TYPE_APP (tutorial_app_get_type ())
G_DECLARE_FINAL_TYPE (TutorialApp, tutorial_app, TUTORIAL, APP, ModeServiceProxy)
struct _TutorialApp { ModeServiceProxy parent_instance; };
G_DEFINE_FINAL_TYPE (TutorialApp, tutorial_app, MODE_TYPE_SERVICE_PROXY)

static ModeService *
app_create_service (ModeServiceProxy *proxy)
{
  return g_object_new (TUTORIAL_TYPE_APP_SERVICE, NULL);
}

static void
tutorial_app_class_init (TutorialAppClass *klass)
{
  MODE_SERVICE_PROXY_CLASS (klass)->create_service = app_create_service;
}

static void
tutorial_app_init (TutorialApp *self)
{
  mode_service_set_label (MODE_SERVICE (self), "App");
}

/* }}} */

/* The worker: the tutorial's options {{{
 *
 * The worker parses them with its own; its on_execute hook runs once
 * they are parsed, before anything starts: a value it refuses with a
 * G_OPTION_ERROR ends the program with the usage status, 64.
 */

static const GOptionEntry tutorial_options[] = {
  { "graph", 0, 0, G_OPTION_ARG_FILENAME, &graph_path,
    "Draw the tree of services at startup (.dot, .png, .svg, or - for DOT on stdout)", "PATH" },
  { "web-port", 0, 0, G_OPTION_ARG_INT, &web_port,
    "The Webserver's port (8000; 0 for any free port)", "PORT" },
  { "web-bind", 0, 0, G_OPTION_ARG_STRING, &web_bind,
    "The Webserver's address (127.0.0.1)", "ADDRESS" },
  { NULL }
};

#define TUTORIAL_TYPE_WORKER (tutorial_worker_get_type ())
G_DECLARE_FINAL_TYPE (TutorialWorker, tutorial_worker, TUTORIAL, WORKER, ModeWorker)
struct _TutorialWorker { ModeWorker parent_instance; };
G_DEFINE_FINAL_TYPE (TutorialWorker, tutorial_worker, MODE_TYPE_WORKER)

static gboolean
tutorial_worker_on_execute (ModeWorker  *worker,
                            GError     **error)
{
  if (web_port < 0 || web_port > G_MAXUINT16)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Not a port for --web-port: %d", web_port);
      return FALSE;
    }
  return TRUE;
}

static void
tutorial_worker_class_init (TutorialWorkerClass *klass)
{
  MODE_WORKER_CLASS (klass)->on_execute = tutorial_worker_on_execute;
}

static void
tutorial_worker_init (TutorialWorker *self)
{
  mode_worker_add_main_option_entries (MODE_WORKER (self), tutorial_options);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ModeWorker) worker = g_object_new (TUTORIAL_TYPE_WORKER, NULL);
  g_autoptr(ModeService) app = g_object_new (TUTORIAL_TYPE_APP, NULL);
  int status;

  mode_worker_add_service (worker, app);
  status = mode_worker_execute_from_commandline (worker, argc, argv);
  g_clear_pointer (&graph_path, g_free);
  g_clear_pointer (&web_bind, g_free);
  return status;
}
