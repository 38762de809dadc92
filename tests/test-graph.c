/* test-graph.c: ModeGraph, its DOT output and its rendering
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <mode-glib/mode-glib.h>

#ifdef HAVE_GRAPHVIZ
# include <gvc.h>
#endif

static ModeService *
labelled (const char *label)
{
  return g_object_new (MODE_TYPE_SERVICE, "label", label, NULL);
}

/* The labels of @objects joined by spaces. */
static char *
labels_of (ModeGraph *graph,
           GPtrArray *objects)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < objects->len; i++)
    {
      g_autofree char *label = mode_graph_get_label (graph, g_ptr_array_index (objects, i));

      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, label);
    }

  return g_string_free (out, FALSE);
}

#define assert_labels(graph, objects, expected)                \
  G_STMT_START {                                               \
    g_autoptr(GPtrArray) _objects = (objects);                 \
    g_autofree char *_labels = labels_of ((graph), _objects);  \
    g_assert_cmpstr (_labels, ==, (expected));                 \
  } G_STMT_END

static void
test_arcs_edges (void)
{
  g_autoptr(ModeGraph) graph = mode_graph_new ();
  g_autoptr(ModeService) a = labelled ("A");
  g_autoptr(ModeService) b = labelled ("B");
  g_autoptr(ModeService) c = labelled ("C");
  g_autoptr(ModeService) stranger = labelled ("X");

  g_assert_cmpuint (mode_graph_get_n_nodes (graph), ==, 0);
  mode_graph_add_arc (graph, G_OBJECT (a));
  mode_graph_add_arc (graph, G_OBJECT (a));
  g_assert_cmpuint (mode_graph_get_n_nodes (graph), ==, 1);
  g_assert_true (mode_graph_contains (graph, G_OBJECT (a)));
  g_assert_false (mode_graph_contains (graph, G_OBJECT (b)));

  /* Edges add the nodes they need, in order. */
  mode_graph_add_edge (graph, G_OBJECT (a), G_OBJECT (b));
  mode_graph_add_edge (graph, G_OBJECT (a), G_OBJECT (c));
  mode_graph_add_edge (graph, G_OBJECT (c), G_OBJECT (b));
  g_assert_cmpuint (mode_graph_get_n_nodes (graph), ==, 3);
  assert_labels (graph, mode_graph_get_nodes (graph), "A B C");
  assert_labels (graph, mode_graph_get_adjacent (graph, G_OBJECT (a)), "B C");
  assert_labels (graph, mode_graph_get_adjacent (graph, G_OBJECT (b)), "");
  assert_labels (graph, mode_graph_get_adjacent (graph, G_OBJECT (stranger)), "");
  assert_labels (graph, mode_graph_get_edges (graph), "A C");

  /* The graph holds its nodes and lets them go with it. */
  g_object_add_weak_pointer (G_OBJECT (c), (gpointer *)&c);
  g_object_unref (c);
  g_assert_nonnull (c);
  g_clear_object (&graph);
  g_assert_null (c);
}

static void
test_topsort (void)
{
  g_autoptr(ModeGraph) graph = mode_graph_new ();
  g_autoptr(ModeService) a = labelled ("A");
  g_autoptr(ModeService) b = labelled ("B");
  g_autoptr(ModeService) c = labelled ("C");
  g_autoptr(ModeService) d = labelled ("D");
  g_autoptr(ModeService) e = labelled ("E");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) order = NULL;

  /* A diamond, and E alone */
  mode_graph_add_edge (graph, G_OBJECT (a), G_OBJECT (b));
  mode_graph_add_edge (graph, G_OBJECT (a), G_OBJECT (c));
  mode_graph_add_edge (graph, G_OBJECT (b), G_OBJECT (d));
  mode_graph_add_edge (graph, G_OBJECT (c), G_OBJECT (d));
  mode_graph_add_arc (graph, G_OBJECT (e));

  order = mode_graph_topsort (graph, &error);
  g_assert_no_error (error);
  g_assert_nonnull (order);
  assert_labels (graph, g_ptr_array_ref (order), "D B C A E");

  /* Every node comes after the nodes it depends on. */
  for (guint i = 0; i < order->len; i++)
    {
      g_autoptr(GPtrArray) deps = mode_graph_get_adjacent (graph, g_ptr_array_index (order, i));

      for (guint j = 0; j < deps->len; j++)
        {
          guint at;

          g_assert_true (g_ptr_array_find (order, g_ptr_array_index (deps, j), &at));
          g_assert_cmpuint (at, <, i);
        }
    }

  g_clear_pointer (&order, g_ptr_array_unref);
  g_clear_object (&graph);
  graph = mode_graph_new ();
  order = mode_graph_topsort (graph, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (order->len, ==, 0);
}

static void
test_cycle (void)
{
  g_autoptr(ModeGraph) graph = mode_graph_new ();
  g_autoptr(ModeService) a = labelled ("A");
  g_autoptr(ModeService) b = labelled ("B");
  g_autoptr(ModeService) c = labelled ("C");
  g_autoptr(ModeService) d = labelled ("D");
  g_autoptr(GError) error = NULL;
  GPtrArray *order;

  mode_graph_add_edge (graph, G_OBJECT (d), G_OBJECT (a));
  mode_graph_add_edge (graph, G_OBJECT (a), G_OBJECT (b));
  mode_graph_add_edge (graph, G_OBJECT (b), G_OBJECT (c));
  mode_graph_add_edge (graph, G_OBJECT (c), G_OBJECT (a));

  order = mode_graph_topsort (graph, &error);
  g_assert_null (order);
  g_assert_error (error, MODE_ERROR, MODE_ERROR_CYCLE);
  g_assert_nonnull (strstr (error->message, "A -> B -> C -> A"));
  g_assert_null (strstr (error->message, "D"));
  g_clear_error (&error);

  /* A node that depends on itself */
  g_clear_object (&graph);
  graph = mode_graph_new ();
  mode_graph_add_edge (graph, G_OBJECT (a), G_OBJECT (b));
  mode_graph_add_edge (graph, G_OBJECT (b), G_OBJECT (b));
  order = mode_graph_topsort (graph, &error);
  g_assert_null (order);
  g_assert_error (error, MODE_ERROR, MODE_ERROR_CYCLE);
  g_assert_nonnull (strstr (error->message, ": B -> B"));
}

static void
test_valency (void)
{
  g_autoptr(ModeGraph) graph = mode_graph_new ();
  g_autoptr(ModeService) a = labelled ("A");
  g_autoptr(ModeService) b = labelled ("B");
  g_autoptr(ModeService) c = labelled ("C");
  g_autoptr(ModeService) d = labelled ("D");
  g_autoptr(ModeService) stranger = labelled ("X");

  /* A tree: the number of nodes below */
  mode_graph_add_edge (graph, G_OBJECT (a), G_OBJECT (b));
  mode_graph_add_edge (graph, G_OBJECT (a), G_OBJECT (c));
  mode_graph_add_edge (graph, G_OBJECT (b), G_OBJECT (d));
  g_assert_cmpuint (mode_graph_valency_of (graph, G_OBJECT (a)), ==, 3);
  g_assert_cmpuint (mode_graph_valency_of (graph, G_OBJECT (b)), ==, 1);
  g_assert_cmpuint (mode_graph_valency_of (graph, G_OBJECT (d)), ==, 0);
  g_assert_cmpuint (mode_graph_valency_of (graph, G_OBJECT (stranger)), ==, 0);

  /* A diamond counts D on both paths, as Mode does */
  mode_graph_add_edge (graph, G_OBJECT (c), G_OBJECT (d));
  g_assert_cmpuint (mode_graph_valency_of (graph, G_OBJECT (a)), ==, 4);

  /* A cycle is followed once */
  mode_graph_add_edge (graph, G_OBJECT (d), G_OBJECT (a));
  g_assert_cmpuint (mode_graph_valency_of (graph, G_OBJECT (d)), >, 0);
}

/* A small tree whose labels are hostile to DOT */
static ModeService *
hostile_tree (void)
{
  ModeService *app = labelled ("App");
  g_autoptr(ModeService) web = labelled ("Web \"front\"\nport 80");
  g_autoptr(ModeService) cache = labelled ("C:\\cache\\N");
  g_autoptr(ModeService) db = labelled ("Données");

  mode_service_add_dependency (app, web);
  mode_service_add_dependency (app, cache);
  mode_service_add_dependency (web, db);
  return app;
}

static const char hostile_dot[] =
  "digraph dependencies {\n"
  "    graph [bgcolor=\"mintcream\", root=\"n0\"];\n"
  "    node [shape=\"box\", style=\"filled\", fontname=\"HelveticaNeue\", fillcolor=\"palegreen3\", color=\"palegreen4\"];\n"
  "    edge [arrowhead=\"vee\", arrowsize=\"0.7\", color=\"darkseagreen4\"];\n"
  "    n0 [label=\"App\"];\n"
  "    n0 -> n1;\n"
  "    n0 -> n2;\n"
  "    n1 [label=\"Web \\\"front\\\"\\nport 80\"];\n"
  "    n1 -> n3;\n"
  "    n2 [label=\"C:\\\\cache\\\\N\", fillcolor=\"palegreen1\", color=\"palegreen2\"];\n"
  "    n3 [label=\"Données\", fillcolor=\"palegreen1\", color=\"palegreen2\"];\n"
  "}\n";

static void
test_dot (void)
{
  g_autoptr(ModeService) app = hostile_tree ();
  g_autoptr(ModeGraph) graph = mode_node_as_graph (mode_service_get_beacon (app));
  g_autoptr(ModeGraph) empty = mode_graph_new ();
  g_autofree char *dot = mode_graph_to_dot (graph);
  g_autofree char *empty_dot = mode_graph_to_dot (empty);

  g_assert_cmpstr (dot, ==, hostile_dot);
  g_assert_true (g_str_has_prefix (empty_dot, "digraph dependencies {\n    graph [bgcolor=\"mintcream\"];\n"));
  g_assert_true (g_str_has_suffix (empty_dot, "\"darkseagreen4\"];\n}\n"));
}

static void
test_dot_control_characters (void)
{
  g_autoptr(ModeService) odd = labelled ("tab\there\r\nend\x01");
  g_autoptr(ModeGraph) graph = mode_graph_new ();
  g_autofree char *dot = NULL;

  mode_graph_add_arc (graph, G_OBJECT (odd));
  dot = mode_graph_to_dot (graph);
  g_assert_nonnull (strstr (dot, "n0 [label=\"tab here\\nend \", "));
}

#ifdef HAVE_GRAPHVIZ
/* agget() takes a char *, which string literals are not */
static const char *
attr (void       *object,
      const char *name)
{
  g_autofree char *copy = g_strdup (name);

  return agget (object, copy);
}

/* graphviz's own parser reads the labels back as escString: the text
 * with quotes unescaped, backslashes doubled and newlines as \n. */
static void
test_dot_parse (void)
{
  g_autoptr(ModeService) app = hostile_tree ();
  g_autoptr(ModeGraph) graph = mode_node_as_graph (mode_service_get_beacon (app));
  g_autofree char *dot = mode_graph_to_dot (graph);
  const char *expected[] = { "App", "Web \"front\"\\nport 80", "C:\\\\cache\\\\N", "Données" };
  Agraph_t *parsed = agmemread (dot);
  guint n = 0;

  g_assert_nonnull (parsed);
  g_assert_cmpint (agnnodes (parsed), ==, 4);
  g_assert_cmpint (agnedges (parsed), ==, 3);
  g_assert_cmpstr (attr (parsed, "bgcolor"), ==, "mintcream");
  for (Agnode_t *node = agfstnode (parsed); node != NULL; node = agnxtnode (parsed, node))
    {
      g_autofree char *name = g_strdup_printf ("n%u", n);

      g_assert_cmpstr (agnameof (node), ==, name);
      g_assert_cmpstr (attr (node, "label"), ==, expected[n]);
      g_assert_cmpstr (attr (node, "shape"), ==, "box");
      n++;
    }
  g_assert_cmpuint (n, ==, 4);
  agclose (parsed);
}
#endif

/* Any object with a string property called "label" */
#define TEST_TYPE_TAGGED (test_tagged_get_type ())
G_DECLARE_FINAL_TYPE (TestTagged, test_tagged, TEST, TAGGED, GObject)
struct _TestTagged { GObject parent_instance; };
G_DEFINE_FINAL_TYPE (TestTagged, test_tagged, G_TYPE_OBJECT)

static void
test_tagged_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  g_value_set_string (value, "tagged");
}

static void
test_tagged_class_init (TestTaggedClass *klass)
{
  G_OBJECT_CLASS (klass)->get_property = test_tagged_get_property;
  g_object_class_install_property (G_OBJECT_CLASS (klass), 1,
                                   g_param_spec_string ("label", NULL, NULL, NULL,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
test_tagged_init (TestTagged *self)
{
}

static void
test_label_func_destroyed (gpointer data)
{
  (*(guint *)data)++;
}

static char *
test_label_func (GObject  *object,
                 gpointer  data)
{
  const char *label = mode_service_get_label (MODE_SERVICE (object));

  return g_str_equal (label, "A") ? g_strdup ("first") : NULL;
}

static void
test_labels (void)
{
  g_autoptr(ModeGraph) graph = mode_graph_new ();
  g_autoptr(ModeService) a = labelled ("A");
  g_autoptr(ModeService) b = labelled ("B");
  g_autoptr(ModeNode) orphan = mode_node_new (NULL);
  g_autoptr(GCancellable) plain = g_cancellable_new ();
  g_autoptr(GObject) tagged = g_object_new (TEST_TYPE_TAGGED, NULL);
  g_autofree char *label = NULL;
  guint destroyed = 0;

  /* Default labels: a service's label, the label of a node's data, a
   * "label" property, else the type name */
  label = mode_graph_get_label (graph, G_OBJECT (mode_service_get_beacon (a)));
  g_assert_cmpstr (label, ==, "A");
  g_clear_pointer (&label, g_free);
  label = mode_graph_get_label (graph, G_OBJECT (orphan));
  g_assert_cmpstr (label, ==, "(null)");
  g_clear_pointer (&label, g_free);
  label = mode_graph_get_label (graph, G_OBJECT (plain));
  g_assert_cmpstr (label, ==, "GCancellable");
  g_clear_pointer (&label, g_free);
  label = mode_graph_get_label (graph, tagged);
  g_assert_cmpstr (label, ==, "tagged");
  g_clear_pointer (&label, g_free);

  mode_graph_set_label_func (graph, test_label_func, &destroyed, test_label_func_destroyed);
  label = mode_graph_get_label (graph, G_OBJECT (a));
  g_assert_cmpstr (label, ==, "first");
  g_clear_pointer (&label, g_free);
  label = mode_graph_get_label (graph, G_OBJECT (b));
  g_assert_cmpstr (label, ==, "B");
  g_clear_pointer (&label, g_free);

  mode_graph_set_label_func (graph, NULL, NULL, NULL);
  g_assert_cmpuint (destroyed, ==, 1);
  mode_graph_set_label_func (graph, test_label_func, &destroyed, test_label_func_destroyed);
  g_clear_object (&graph);
  g_assert_cmpuint (destroyed, ==, 2);
}

static void
test_as_graph (void)
{
  g_autoptr(ModeService) app = hostile_tree ();
  g_autoptr(ModeGraph) graph = NULL;
  g_autoptr(GPtrArray) nodes = NULL;
  g_autoptr(GPtrArray) children = NULL;
  ModeNode *web;

  /* From the root: the whole tree, breadth first, services as nodes */
  graph = mode_node_as_graph (mode_service_get_beacon (app));
  nodes = mode_graph_get_nodes (graph);
  g_assert_cmpuint (nodes->len, ==, 4);
  g_assert_true (g_ptr_array_index (nodes, 0) == (gpointer)app);
  g_assert_true (MODE_IS_SERVICE (g_ptr_array_index (nodes, 3)));
  g_assert_cmpuint (mode_graph_valency_of (graph, G_OBJECT (app)), ==, 3);
  assert_labels (graph, mode_graph_topsort (graph, NULL), "Données Web \"front\"\nport 80 C:\\cache\\N App");

  /* From a subtree: only what is below */
  children = mode_node_get_children (mode_service_get_beacon (app));
  web = g_ptr_array_index (children, 0);
  g_clear_object (&graph);
  graph = mode_node_as_graph (web);
  g_assert_cmpuint (mode_graph_get_n_nodes (graph), ==, 2);
  assert_labels (graph, mode_graph_get_edges (graph), "Web \"front\"\nport 80");

  /* A lone node whose data is gone stands for itself */
  {
    g_autoptr(ModeNode) orphan = mode_node_new (NULL);
    g_autoptr(ModeGraph) lone = mode_node_as_graph (orphan);

    g_assert_true (mode_graph_contains (lone, G_OBJECT (orphan)));
  }
}

/* Runs an async lifecycle call to completion on the thread-default context */
static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  *(GAsyncResult **)data = g_object_ref (result);
}

static void
restart_service (ModeService *service)
{
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;

  mode_service_start_async (service, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_assert_true (mode_service_start_finish (service, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  mode_service_restart_async (service, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_assert_true (mode_service_restart_finish (service, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
}

static void
stop_service (ModeService *service)
{
  GAsyncResult *result = NULL;

  mode_service_stop_async (service, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_assert_true (mode_service_stop_finish (service, result, NULL));
  g_clear_object (&result);
}

static void
notified (GObject    *object,
          GParamSpec *pspec,
          gpointer    data)
{
  (*(guint *)data)++;
}

static void
test_show_state (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ModeService) app = NULL;
  g_autoptr(ModeService) child = NULL;
  g_autoptr(ModeService) lone = NULL;
  g_autoptr(ModeGraph) graph = NULL;
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
  g_autofree char *dot = NULL;
  guint notifies = 0;

  g_main_context_push_thread_default (context);
  app = labelled ("App");
  child = labelled ("Child");
  lone = labelled ("Lone");
  mode_service_add_dependency (app, child);
  restart_service (app);

  graph = mode_node_as_graph (mode_service_get_beacon (app));
  mode_graph_add_arc (graph, G_OBJECT (lone));
  g_signal_connect (graph, "notify::show-state", G_CALLBACK (notified), &notifies);

  /* Mode's scheme by default */
  dot = mode_graph_to_dot (graph);
  g_assert_nonnull (strstr (dot, "n0 [label=\"App\"];\n"));
  g_assert_null (strstr (dot, "running"));
  g_clear_pointer (&dot, g_free);

  mode_graph_set_show_state (graph, TRUE);
  mode_graph_set_show_state (graph, TRUE);
  g_assert_cmpuint (notifies, ==, 1);
  g_assert_true (mode_graph_get_show_state (graph));

  dot = mode_graph_to_dot (graph);
  g_assert_nonnull (strstr (dot, "n0 [label=\"App\\nrunning\\nrestarts: 1\", fillcolor=\"palegreen3\", color=\"palegreen4\"];\n"));
  g_assert_nonnull (strstr (dot, "n2 [label=\"Lone\\ninit\", fillcolor=\"gray90\", color=\"gray50\"];\n"));
  g_clear_pointer (&dot, g_free);

  mode_service_crash (child, reason);
  dot = mode_graph_to_dot (graph);
  g_assert_nonnull (strstr (dot, "n1 [label=\"Child\\ncrashed\\nrestarts: 1\", fillcolor=\"salmon\", color=\"red3\"];\n"));
  g_clear_pointer (&dot, g_free);

  stop_service (app);
  g_clear_object (&graph);
  g_clear_object (&app);
  g_clear_object (&child);
  g_clear_object (&lone);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
}

static void
test_render (void)
{
  g_autoptr(ModeService) app = hostile_tree ();
  g_autoptr(ModeGraph) graph = mode_node_as_graph (mode_service_get_beacon (app));
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mode-graph-XXXXXX", &error);
  g_autofree char *svg_path = NULL;
  g_autofree char *png_path = NULL;
  g_autofree char *missing = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  gboolean ok;

  g_assert_no_error (error);
  svg_path = g_build_filename (dir, "graph.svg", NULL);
  png_path = g_build_filename (dir, "graph.png", NULL);
  missing = g_build_filename (dir, "no", "such", "dir.png", NULL);

#ifdef HAVE_GRAPHVIZ
  ok = mode_graph_render (graph, "svg", svg_path, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_true (g_file_get_contents (svg_path, &contents, &length, NULL));
  g_assert_nonnull (strstr (contents, "<svg"));
  /* the labels are drawn as they are: XML-escaped quotes, one backslash */
  g_assert_nonnull (strstr (contents, "Web &quot;front&quot;"));
  g_assert_nonnull (strstr (contents, "C:\\cache\\N"));
  g_assert_nonnull (strstr (contents, "Données"));
  g_clear_pointer (&contents, g_free);

  ok = mode_graph_render (graph, "png", png_path, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_true (g_file_get_contents (png_path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 8);
  g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);
  g_clear_pointer (&contents, g_free);

  bytes = mode_graph_render_to_bytes (graph, "svg", &error);
  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  g_assert_cmpuint (g_bytes_get_size (bytes), >, 0);

  ok = mode_graph_render (graph, "no-such-format", png_path, &error);
  g_assert_error (error, MODE_ERROR, MODE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "no-such-format"));
  g_assert_false (ok);
  g_clear_error (&error);

  ok = mode_graph_render (graph, "png", missing, &error);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_false (ok);
  g_clear_error (&error);
#else
  ok = mode_graph_render (graph, "png", png_path, &error);
  g_assert_error (error, MODE_ERROR, MODE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "graphviz"));
  g_assert_false (ok);
  g_assert_false (g_file_test (png_path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  bytes = mode_graph_render_to_bytes (graph, "svg", &error);
  g_assert_error (error, MODE_ERROR, MODE_ERROR_UNSUPPORTED);
  g_assert_null (bytes);
  g_clear_error (&error);
  (void)contents;
  (void)length;
  (void)missing;
  (void)svg_path;
#endif

  g_unlink (svg_path);
  g_unlink (png_path);
  g_rmdir (dir);
}

static void
test_deep_chain (void)
{
  g_autoptr(ModeGraph) graph = mode_graph_new ();
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) order = NULL;
  const guint n = 100000;

  /* Deep enough to overflow a recursive walk */
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (objects, mode_node_new (NULL));
  for (guint i = 0; i + 1 < n; i++)
    mode_graph_add_edge (graph, g_ptr_array_index (objects, i), g_ptr_array_index (objects, i + 1));

  g_assert_cmpuint (mode_graph_valency_of (graph, g_ptr_array_index (objects, 0)), ==, n - 1);
  order = mode_graph_topsort (graph, NULL);
  g_assert_nonnull (order);
  g_assert_true (g_ptr_array_index (order, 0) == g_ptr_array_index (objects, n - 1));
  g_assert_true (g_ptr_array_index (order, n - 1) == g_ptr_array_index (objects, 0));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/graph/arcs-edges", test_arcs_edges);
  g_test_add_func ("/graph/topsort", test_topsort);
  g_test_add_func ("/graph/cycle", test_cycle);
  g_test_add_func ("/graph/valency", test_valency);
  g_test_add_func ("/graph/labels", test_labels);
  g_test_add_func ("/graph/dot", test_dot);
  g_test_add_func ("/graph/dot-control-characters", test_dot_control_characters);
#ifdef HAVE_GRAPHVIZ
  g_test_add_func ("/graph/dot-parse", test_dot_parse);
#endif
  g_test_add_func ("/graph/as-graph", test_as_graph);
  g_test_add_func ("/graph/show-state", test_show_state);
  g_test_add_func ("/graph/render", test_render);
  g_test_add_func ("/graph/deep-chain", test_deep_chain);

  return g_test_run ();
}
