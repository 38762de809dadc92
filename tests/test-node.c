/* test-node.c: the beacon tree
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include <mode-glib/mode-glib.h>

static ModeService *
labelled (const char *label)
{
  return g_object_new (MODE_TYPE_SERVICE, "label", label, NULL);
}

static gboolean
collect_label (ModeNode *node,
               gpointer  data)
{
  GString *out = data;
  GObject *object = mode_node_get_data (node);

  if (out->len > 0)
    g_string_append_c (out, ' ');
  g_string_append (out, object != NULL ? mode_service_get_label (MODE_SERVICE (object)) : "?");
  return TRUE;
}

static gboolean
stop_at_b (ModeNode *node,
           gpointer  data)
{
  collect_label (node, data);
  return !g_str_equal (mode_service_get_label (MODE_SERVICE (mode_node_get_data (node))), "B");
}

static void
test_tree (void)
{
  g_autoptr(ModeService) a = labelled ("A");
  g_autoptr(ModeService) b = labelled ("B");
  g_autoptr(ModeService) c = labelled ("C");
  g_autoptr(ModeService) d = labelled ("D");
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GPtrArray) children = NULL;
  g_autofree char *path = NULL;
  ModeNode *na, *nb, *nd;

  mode_service_add_dependency (a, b);
  mode_service_add_dependency (a, c);
  mode_service_add_dependency (b, d);
  na = mode_service_get_beacon (a);
  nb = mode_service_get_beacon (b);
  nd = mode_service_get_beacon (d);

  g_assert_true (mode_node_get_data (na) == G_OBJECT (a));
  g_assert_null (mode_node_get_parent (na));
  g_assert_true (mode_node_get_parent (nb) == na);
  g_assert_true (mode_node_get_root (nd) == na);
  g_assert_true (mode_node_get_root (na) == na);
  g_assert_cmpuint (mode_node_get_depth (na), ==, 0);
  g_assert_cmpuint (mode_node_get_depth (nb), ==, 1);
  g_assert_cmpuint (mode_node_get_depth (nd), ==, 2);

  path = mode_node_get_path (nd);
  g_assert_cmpstr (path, ==, "A/B/D");
  mode_service_set_shortlabel (b, "b");
  g_clear_pointer (&path, g_free);
  path = mode_node_get_path (nd);
  g_assert_cmpstr (path, ==, "A/b/D");

  children = mode_node_get_children (na);
  g_assert_cmpuint (children->len, ==, 2);
  g_assert_true (g_ptr_array_index (children, 0) == (gpointer) nb);

  mode_node_traverse (na, collect_label, out);
  g_assert_cmpstr (out->str, ==, "A B C D");
  g_string_truncate (out, 0);
  mode_node_traverse (na, stop_at_b, out);
  g_assert_cmpstr (out->str, ==, "A B");

  g_string_truncate (out, 0);
  mode_node_walk (nd, collect_label, out);
  g_assert_cmpstr (out->str, ==, "D B A");

  /* reattach moves the subtree */
  mode_node_reattach (nb, mode_service_get_beacon (c));
  g_assert_true (mode_node_get_parent (nb) == mode_service_get_beacon (c));
  g_assert_cmpuint (mode_node_get_depth (nd), ==, 3);
  g_clear_pointer (&children, g_ptr_array_unref);
  children = mode_node_get_children (na);
  g_assert_cmpuint (children->len, ==, 1);

  /* detach from a node that is not the parent does nothing */
  mode_node_detach (nb, na);
  g_assert_nonnull (mode_node_get_parent (nb));
  mode_node_detach (nb, mode_service_get_beacon (c));
  g_assert_null (mode_node_get_parent (nb));
  g_assert_true (mode_node_get_root (nd) == nb);
}

static gboolean
stop_at_first (ModeNode *node,
               gpointer  data)
{
  collect_label (node, data);
  return FALSE;
}

/* Mode's test_Node: new children, reattach of a root, detach */
static void
test_reattach_root (void)
{
  g_autoptr(ModeService) root = labelled ("Root");
  g_autoptr(ModeService) mid = labelled ("Mid");
  g_autoptr(ModeService) other = labelled ("Other");
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GPtrArray) children = NULL;
  g_autofree char *path = NULL;
  ModeNode *nroot = mode_service_get_beacon (root);
  ModeNode *nmid = mode_service_get_beacon (mid);
  ModeNode *nother = mode_service_get_beacon (other);

  mode_service_add_dependency (root, mid);
  g_assert_null (mode_node_get_parent (nother));
  g_assert_true (mode_node_get_root (nother) == nother);

  /* a root moves under another tree */
  mode_node_reattach (nother, nmid);
  g_assert_true (mode_node_get_parent (nother) == nmid);
  g_assert_true (mode_node_get_root (nother) == nroot);
  g_assert_cmpuint (mode_node_get_depth (nother), ==, 2);
  path = mode_node_get_path (nother);
  g_assert_cmpstr (path, ==, "Root/Mid/Other");
  children = mode_node_get_children (nmid);
  g_assert_cmpuint (children->len, ==, 1);
  g_assert_true (g_ptr_array_index (children, 0) == (gpointer) nother);
  g_clear_pointer (&children, g_ptr_array_unref);

  /* walk and traverse stop when told */
  mode_node_walk (nother, stop_at_first, out);
  g_assert_cmpstr (out->str, ==, "Other");
  g_string_truncate (out, 0);
  mode_node_traverse (nroot, stop_at_first, out);
  g_assert_cmpstr (out->str, ==, "Root");

  mode_node_detach (nother, nmid);
  g_assert_null (mode_node_get_parent (nother));
  g_assert_true (mode_node_get_root (nother) == nother);
  g_assert_cmpuint (mode_node_get_depth (nother), ==, 0);
  children = mode_node_get_children (nmid);
  g_assert_cmpuint (children->len, ==, 0);
}

static void
test_plain_nodes (void)
{
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(ModeNode) root = mode_node_new (object);
  g_autoptr(ModeNode) child = mode_node_new (NULL);
  g_autofree char *path = NULL;
  ModeNode *weak = child;

  g_assert_true (mode_node_add_child (root, child) == child);
  g_assert_true (mode_node_get_parent (child) == root);
  g_assert_null (mode_node_get_data (child));
  path = mode_node_get_path (root);
  g_assert_cmpstr (path, ==, "GObject");

  /* the data is not kept alive */
  g_clear_object (&object);
  g_assert_null (mode_node_get_data (root));

  /* the parent keeps its children; a child does not keep its parent */
  g_object_add_weak_pointer (G_OBJECT (child), (gpointer *) &weak);
  g_clear_object (&child);
  g_assert_nonnull (weak);
  g_clear_object (&root);
  g_assert_null (weak);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/node/tree", test_tree);
  g_test_add_func ("/node/reattach-root", test_reattach_root);
  g_test_add_func ("/node/plain", test_plain_nodes);

  return g_test_run ();
}
