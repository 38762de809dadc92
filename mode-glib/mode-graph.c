/* mode-graph.c: the dependency graph, its topological order and DOT
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-error.h"
#include "mode-graph.h"
#include "mode-graph-private.h"
#include "mode-i18n.h"
#include "mode-node.h"

/**
 * SECTION:mode-graph
 * @Title: ModeGraph
 * @Short_description: a dependency graph of objects, drawn as DOT
 *
 * A #ModeGraph is a directed graph whose nodes are objects: an edge from
 * A to B says that A depends on B. mode_node_as_graph() makes one of a
 * tree of services, with the services as nodes, so that a running
 * program can draw itself, as Mode's beacons do.
 *
 * The nodes are #GObjects, held with a strong reference and told apart
 * by identity, so two services with the same label are two nodes. A
 * node is named by its label: the #ModeService:label of a service, the
 * label of the data of a #ModeNode, the value of a string property
 * called "label" of any other object, or else its type name;
 * mode_graph_set_label_func() names them otherwise.
 *
 * mode_graph_topsort() puts the nodes in the order in which they must
 * be handled, dependencies first, and reports a cycle as
 * %MODE_ERROR_CYCLE. mode_graph_to_dot() writes the graph in the DOT
 * language with Mode's scheme (boxes filled in pale green, the nodes
 * without dependencies lighter); mode_graph_render() draws it as PNG,
 * SVG or any other format graphviz knows, when mode-glib was built with
 * graphviz, and fails with %MODE_ERROR_UNSUPPORTED otherwise.
 *
 * |[<!-- language="C" -->
 * ModeNode *root = mode_node_get_root (mode_service_get_beacon (app));
 * g_autoptr(ModeGraph) graph = mode_node_as_graph (root);
 * g_autoptr(GError) error = NULL;
 *
 * mode_graph_set_show_state (graph, TRUE);
 * if (!mode_graph_render (graph, "png", "image.png", &error))
 *   g_warning ("%s", error->message);
 * ]|
 */

/**
 * ModeGraph:
 *
 * A directed graph of objects.
 *
 * Since: 0.1
 */

typedef struct
{
  GObject *object;    /* (owned) */
  GArray  *adjacent;  /* (owned) (nullable) (element-type guint): indices */
} Vertex;

struct _ModeGraph
{
  GObject             parent_instance;

  GArray             *vertices;  /* (owned) (element-type Vertex), in insertion order */
  GHashTable         *index;     /* (owned) GObject * -> index + 1 */

  ModeGraphLabelFunc  label_func;
  gpointer            label_data;
  GDestroyNotify      label_destroy;

  guint               show_state : 1;
};

enum {
  PROP_0,
  PROP_SHOW_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ModeGraph, mode_graph, G_TYPE_OBJECT)

static void
vertex_clear (gpointer data)
{
  Vertex *vertex = data;

  g_clear_object (&vertex->object);
  g_clear_pointer (&vertex->adjacent, g_array_unref);
}

static void
mode_graph_clear_label_func (ModeGraph *self)
{
  GDestroyNotify destroy = self->label_destroy;
  gpointer data = self->label_data;

  self->label_func = NULL;
  self->label_data = NULL;
  self->label_destroy = NULL;
  if (destroy != NULL)
    destroy (data);
}

static void
mode_graph_dispose (GObject *object)
{
  ModeGraph *self = (ModeGraph *)object;

  mode_graph_clear_label_func (self);
  g_hash_table_remove_all (self->index);
  g_array_set_size (self->vertices, 0);

  G_OBJECT_CLASS (mode_graph_parent_class)->dispose (object);
}

static void
mode_graph_finalize (GObject *object)
{
  ModeGraph *self = (ModeGraph *)object;

  g_clear_pointer (&self->index, g_hash_table_unref);
  g_clear_pointer (&self->vertices, g_array_unref);

  G_OBJECT_CLASS (mode_graph_parent_class)->finalize (object);
}

static void
mode_graph_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ModeGraph *self = MODE_GRAPH (object);

  switch (prop_id)
    {
    case PROP_SHOW_STATE:
      g_value_set_boolean (value, self->show_state);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_graph_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  ModeGraph *self = MODE_GRAPH (object);

  switch (prop_id)
    {
    case PROP_SHOW_STATE:
      mode_graph_set_show_state (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_graph_class_init (ModeGraphClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mode_graph_dispose;
  object_class->finalize = mode_graph_finalize;
  object_class->get_property = mode_graph_get_property;
  object_class->set_property = mode_graph_set_property;

  /**
   * ModeGraph:show-state:
   *
   * Whether mode_graph_to_dot() colours each service by its
   * #ModeService:state and writes the state, and the restart count of a
   * service that was restarted, under its label. Beyond Mode, which
   * draws every node alike.
   *
   * Since: 0.1
   */
  properties[PROP_SHOW_STATE] =
    g_param_spec_boolean ("show-state", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mode_graph_init (ModeGraph *self)
{
  self->vertices = g_array_new (FALSE, FALSE, sizeof (Vertex));
  g_array_set_clear_func (self->vertices, vertex_clear);
  self->index = g_hash_table_new (NULL, NULL);
}

/* The index of @object, or -1 when it is not in the graph. */
static gint64
mode_graph_lookup (ModeGraph *self,
                   GObject   *object)
{
  gpointer found = g_hash_table_lookup (self->index, object);

  return found != NULL ? (gint64)GPOINTER_TO_UINT (found) - 1 : -1;
}

static guint
mode_graph_ensure (ModeGraph *self,
                   GObject   *object)
{
  gint64 found = mode_graph_lookup (self, object);
  Vertex vertex = { NULL, NULL };

  if (found >= 0)
    return (guint)found;

  vertex.object = g_object_ref (object);
  g_array_append_val (self->vertices, vertex);
  g_hash_table_insert (self->index, object, GUINT_TO_POINTER (self->vertices->len));
  return self->vertices->len - 1;
}

static inline Vertex *
vertex_at (ModeGraph *self,
           guint      i)
{
  return &g_array_index (self->vertices, Vertex, i);
}

static inline guint
vertex_degree (const Vertex *vertex)
{
  return vertex->adjacent != NULL ? vertex->adjacent->len : 0;
}

static inline guint
vertex_successor (const Vertex *vertex,
                  guint         i)
{
  return g_array_index (vertex->adjacent, guint, i);
}

/**
 * mode_graph_new:
 *
 * Creates an empty graph.
 *
 * Returns: (transfer full): a new #ModeGraph
 *
 * Since: 0.1
 */
ModeGraph *
mode_graph_new (void)
{
  return g_object_new (MODE_TYPE_GRAPH, NULL);
}

/**
 * mode_graph_add_arc:
 * @self: a #ModeGraph
 * @object: the object to add
 *
 * Adds @object as a node of the graph, with no dependencies yet. Adding
 * a node that is already in the graph changes nothing.
 *
 * Since: 0.1
 */
void
mode_graph_add_arc (ModeGraph *self,
                    GObject   *object)
{
  g_return_if_fail (MODE_IS_GRAPH (self));
  g_return_if_fail (G_IS_OBJECT (object));

  mode_graph_ensure (self, object);
}

/**
 * mode_graph_add_edge:
 * @self: a #ModeGraph
 * @a: the object that depends on @b
 * @b: the object @a depends on
 *
 * Adds an edge from @a to @b: @a depends on @b. Each of them that is not
 * yet in the graph is added first. As in Mode, adding the same edge
 * twice makes two edges.
 *
 * Since: 0.1
 */
void
mode_graph_add_edge (ModeGraph *self,
                     GObject   *a,
                     GObject   *b)
{
  Vertex *vertex;
  guint ia, ib;

  g_return_if_fail (MODE_IS_GRAPH (self));
  g_return_if_fail (G_IS_OBJECT (a));
  g_return_if_fail (G_IS_OBJECT (b));

  ia = mode_graph_ensure (self, a);
  ib = mode_graph_ensure (self, b);

  vertex = vertex_at (self, ia);
  if (vertex->adjacent == NULL)
    vertex->adjacent = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_val (vertex->adjacent, ib);
}

/**
 * mode_graph_contains:
 * @self: a #ModeGraph
 * @object: an object
 *
 * Tells whether @object is a node of the graph.
 *
 * Returns: %TRUE when @object is in the graph
 *
 * Since: 0.1
 */
gboolean
mode_graph_contains (ModeGraph *self,
                     GObject   *object)
{
  g_return_val_if_fail (MODE_IS_GRAPH (self), FALSE);
  g_return_val_if_fail (G_IS_OBJECT (object), FALSE);

  return mode_graph_lookup (self, object) >= 0;
}

/**
 * mode_graph_get_n_nodes:
 * @self: a #ModeGraph
 *
 * Gets the number of nodes in the graph.
 *
 * Returns: the number of nodes
 *
 * Since: 0.1
 */
guint
mode_graph_get_n_nodes (ModeGraph *self)
{
  g_return_val_if_fail (MODE_IS_GRAPH (self), 0);

  return self->vertices->len;
}

static GPtrArray *
objects_new (guint reserve)
{
  return g_ptr_array_new_full (reserve, g_object_unref);
}

/**
 * mode_graph_get_nodes:
 * @self: a #ModeGraph
 *
 * Gets the nodes of the graph, in the order they were added.
 *
 * Returns: (transfer container) (element-type GObject): the nodes
 *
 * Since: 0.1
 */
GPtrArray *
mode_graph_get_nodes (ModeGraph *self)
{
  GPtrArray *ret;

  g_return_val_if_fail (MODE_IS_GRAPH (self), NULL);

  ret = objects_new (self->vertices->len);
  for (guint i = 0; i < self->vertices->len; i++)
    g_ptr_array_add (ret, g_object_ref (vertex_at (self, i)->object));

  return ret;
}

/**
 * mode_graph_get_adjacent:
 * @self: a #ModeGraph
 * @object: a node of the graph
 *
 * Gets the objects @object depends on, in the order the edges were
 * added. An object that is not in the graph depends on nothing.
 *
 * Returns: (transfer container) (element-type GObject): the objects
 *   that the edges from @object lead to
 *
 * Since: 0.1
 */
GPtrArray *
mode_graph_get_adjacent (ModeGraph *self,
                         GObject   *object)
{
  GPtrArray *ret;
  Vertex *vertex;
  gint64 found;

  g_return_val_if_fail (MODE_IS_GRAPH (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);

  found = mode_graph_lookup (self, object);
  if (found < 0)
    return objects_new (0);

  vertex = vertex_at (self, (guint)found);
  ret = objects_new (vertex_degree (vertex));
  for (guint i = 0; i < vertex_degree (vertex); i++)
    g_ptr_array_add (ret, g_object_ref (vertex_at (self, vertex_successor (vertex, i))->object));

  return ret;
}

/**
 * mode_graph_get_edges:
 * @self: a #ModeGraph
 *
 * Gets the nodes that have edges, that is, that depend on something, in
 * the order they were added: Mode's `DependencyGraph.edges()`. Use
 * mode_graph_get_adjacent() for where their edges lead.
 *
 * Returns: (transfer container) (element-type GObject): the nodes with
 *   at least one edge
 *
 * Since: 0.1
 */
GPtrArray *
mode_graph_get_edges (ModeGraph *self)
{
  GPtrArray *ret;

  g_return_val_if_fail (MODE_IS_GRAPH (self), NULL);

  ret = objects_new (0);
  for (guint i = 0; i < self->vertices->len; i++)
    {
      Vertex *vertex = vertex_at (self, i);

      if (vertex_degree (vertex) > 0)
        g_ptr_array_add (ret, g_object_ref (vertex->object));
    }

  return ret;
}

/* Labels {{{ */

/* Names (and colours) the objects of the layer above: services. */
static ModeGraphAttributesFunc attributes_func;

void
_mode_graph_set_attributes_func (ModeGraphAttributesFunc func)
{
  attributes_func = func;
}

static char *
default_label (GObject *object)
{
  ModeGraphAttributes attrs = { NULL, };
  GParamSpec *pspec;

  if (attributes_func != NULL && attributes_func (object, FALSE, &attrs) && attrs.label != NULL)
    return attrs.label;

  if (MODE_IS_NODE (object))
    {
      GObject *data = mode_node_get_data (MODE_NODE (object));

      return data != NULL ? default_label (data) : g_strdup ("(null)");
    }

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), "label");
  if (pspec != NULL &&
      (pspec->flags & G_PARAM_READABLE) != 0 &&
      g_type_is_a (pspec->value_type, G_TYPE_STRING))
    {
      char *label = NULL;

      g_object_get (object, "label", &label, NULL);
      if (label != NULL)
        return label;
    }

  return g_strdup (G_OBJECT_TYPE_NAME (object));
}

/**
 * mode_graph_set_label_func:
 * @self: a #ModeGraph
 * @func: (nullable) (scope notified): the function that names the nodes,
 *   or %NULL for the default labels
 * @user_data: (closure func): data for @func
 * @destroy: (destroy func) (nullable): frees @user_data
 *
 * Sets the function that names the nodes of the graph in the DOT output
 * and in error messages. Where it returns %NULL, and when there is none,
 * a node is named by its default label: see the description of
 * #ModeGraph.
 *
 * Since: 0.1
 */
void
mode_graph_set_label_func (ModeGraph          *self,
                           ModeGraphLabelFunc  func,
                           gpointer            user_data,
                           GDestroyNotify      destroy)
{
  g_return_if_fail (MODE_IS_GRAPH (self));

  mode_graph_clear_label_func (self);
  self->label_func = func;
  self->label_data = user_data;
  self->label_destroy = destroy;
}

/**
 * mode_graph_get_label:
 * @self: a #ModeGraph
 * @object: an object
 *
 * Gets the label @self gives to @object in the DOT output and in error
 * messages.
 *
 * Returns: (transfer full): the label of @object
 *
 * Since: 0.1
 */
char *
mode_graph_get_label (ModeGraph *self,
                      GObject   *object)
{
  char *label = NULL;

  g_return_val_if_fail (MODE_IS_GRAPH (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);

  if (self->label_func != NULL)
    label = self->label_func (object, self->label_data);

  return label != NULL ? label : default_label (object);
}

/* }}} */

/* Topological sort {{{ */

/* Finds a cycle among the vertices that Kahn's algorithm left with
 * @count > 0 and names it: every one of them has a predecessor that was
 * left too, so going back through predecessors must come round. */
static char *
mode_graph_describe_cycle (ModeGraph   *self,
                           const guint *count)
{
  guint n = self->vertices->len;
  g_autofree guint *pred = g_new (guint, n);
  g_autofree guint *seen = g_new0 (guint, n);
  g_autoptr(GArray) path = g_array_new (FALSE, FALSE, sizeof (guint));
  GString *text;
  guint start = G_MAXUINT;
  guint v, k;

  for (guint i = 0; i < n; i++)
    {
      Vertex *vertex = vertex_at (self, i);

      if (count[i] == 0)
        continue;
      if (start == G_MAXUINT)
        start = i;
      for (guint j = 0; j < vertex_degree (vertex); j++)
        {
          guint s = vertex_successor (vertex, j);

          if (count[s] > 0)
            pred[s] = i;
        }
    }
  g_assert (start != G_MAXUINT);

  /* Walk back until a vertex repeats; seen[] holds position + 1. */
  for (v = start; seen[v] == 0; v = pred[v])
    {
      g_array_append_val (path, v);
      seen[v] = path->len;
    }

  /* path[k ..] is the cycle, backwards: each vertex is the predecessor
   * of the one before it, and pred[last] is path[k] again. Write it
   * forwards, from path[k] round to path[k]. */
  k = seen[v] - 1;
  text = g_string_new (NULL);
  for (guint i = path->len + 1; i > k; i--)
    {
      guint at = i == path->len + 1 ? k : i - 1;
      g_autofree char *label = NULL;

      label = mode_graph_get_label (self, vertex_at (self, g_array_index (path, guint, at))->object);
      if (text->len > 0)
        g_string_append (text, " -> ");
      g_string_append (text, label);
    }

  return g_string_free (text, FALSE);
}

/**
 * mode_graph_topsort:
 * @self: a #ModeGraph
 * @error: return location for a #GError
 *
 * Sorts the nodes topologically: in the order in which they must be
 * handled, every node after the nodes it depends on (Kahn's algorithm,
 * as in Mode, in linear time). When the graph has a cycle, fails with
 * %MODE_ERROR_CYCLE and a message that names the nodes of one cycle.
 *
 * Returns: (transfer container) (element-type GObject): the nodes,
 *   dependencies first, or %NULL on a cycle
 *
 * Since: 0.1
 */
GPtrArray *
mode_graph_topsort (ModeGraph  *self,
                    GError    **error)
{
  g_autofree guint *count = NULL;
  g_autoptr(GArray) ready = NULL;
  GPtrArray *ret;
  guint n;

  g_return_val_if_fail (MODE_IS_GRAPH (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n = self->vertices->len;
  count = g_new0 (guint, n);
  for (guint i = 0; i < n; i++)
    {
      Vertex *vertex = vertex_at (self, i);

      for (guint j = 0; j < vertex_degree (vertex); j++)
        count[vertex_successor (vertex, j)]++;
    }

  ready = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);
  for (guint i = 0; i < n; i++)
    if (count[i] == 0)
      g_array_append_val (ready, i);

  /* Dependents come out first; the result is reversed below. */
  ret = objects_new (n);
  while (ready->len > 0)
    {
      guint v = g_array_index (ready, guint, ready->len - 1);
      Vertex *vertex = vertex_at (self, v);

      g_array_set_size (ready, ready->len - 1);
      g_ptr_array_add (ret, g_object_ref (vertex->object));

      for (guint j = 0; j < vertex_degree (vertex); j++)
        {
          guint s = vertex_successor (vertex, j);

          if (--count[s] == 0)
            g_array_append_val (ready, s);
        }
    }

  if (ret->len < n)
    {
      g_autofree char *cycle = mode_graph_describe_cycle (self, count);

      g_ptr_array_unref (ret);
      g_set_error (error, MODE_ERROR, MODE_ERROR_CYCLE,
                   _("The graph has a cycle: %s"), cycle);
      return NULL;
    }

  for (guint i = 0, j = n; i + 1 < j; i++, j--)
    {
      gpointer tmp = ret->pdata[i];

      ret->pdata[i] = ret->pdata[j - 1];
      ret->pdata[j - 1] = tmp;
    }

  return ret;
}

/* }}} */

/* Valency {{{ */

typedef struct
{
  guint vertex;
  guint next;  /* the next successor to visit */
} Frame;

static inline guint
add_saturated (guint a,
               guint b)
{
  return a > G_MAXUINT - b ? G_MAXUINT : a + b;
}

/**
 * mode_graph_valency_of:
 * @self: a #ModeGraph
 * @object: a node of the graph
 *
 * Counts the edges reachable from @object, as Mode's `valency_of` does:
 * the number of its edges plus the valency of each node they lead to.
 * In a tree that is the number of nodes below @object. A node reached by
 * two paths is counted twice; a cycle is followed once. The count stops
 * at %G_MAXUINT.
 *
 * Returns: the valency of @object, 0 when it is not in the graph
 *
 * Since: 0.1
 */
guint
mode_graph_valency_of (ModeGraph *self,
                       GObject   *object)
{
  enum { NEW, OPEN, DONE };
  g_autofree guint8 *mark = NULL;
  g_autofree guint *value = NULL;
  g_autoptr(GArray) stack = NULL;
  Frame frame = { 0, 0 };
  gint64 found;

  g_return_val_if_fail (MODE_IS_GRAPH (self), 0);
  g_return_val_if_fail (G_IS_OBJECT (object), 0);

  found = mode_graph_lookup (self, object);
  if (found < 0)
    return 0;

  /* Depth first without recursion: a 100,000-deep chain must not
   * overflow the C stack. */
  mark = g_new0 (guint8, self->vertices->len);
  value = g_new0 (guint, self->vertices->len);
  stack = g_array_new (FALSE, FALSE, sizeof (Frame));

  frame.vertex = (guint)found;
  mark[frame.vertex] = OPEN;
  g_array_append_val (stack, frame);

  while (stack->len > 0)
    {
      Frame *top = &g_array_index (stack, Frame, stack->len - 1);
      Vertex *vertex = vertex_at (self, top->vertex);

      if (top->next < vertex_degree (vertex))
        {
          guint s = vertex_successor (vertex, top->next++);

          value[top->vertex] = add_saturated (value[top->vertex], 1);
          if (mark[s] == NEW)
            {
              frame.vertex = s;
              frame.next = 0;
              mark[s] = OPEN;
              g_array_append_val (stack, frame);  /* top is stale now */
            }
          else if (mark[s] == DONE)
            value[top->vertex] = add_saturated (value[top->vertex], value[s]);
          /* OPEN: a cycle back to a node being counted; follow it once */
        }
      else
        {
          guint done = top->vertex;

          mark[done] = DONE;
          g_array_set_size (stack, stack->len - 1);
          if (stack->len > 0)
            {
              top = &g_array_index (stack, Frame, stack->len - 1);
              value[top->vertex] = add_saturated (value[top->vertex], value[done]);
            }
        }
    }

  return value[found];
}

/* }}} */

/* DOT {{{ */

/**
 * mode_graph_get_show_state:
 * @self: a #ModeGraph
 *
 * Gets #ModeGraph:show-state.
 *
 * Returns: whether the DOT output shows the states of services
 *
 * Since: 0.1
 */
gboolean
mode_graph_get_show_state (ModeGraph *self)
{
  g_return_val_if_fail (MODE_IS_GRAPH (self), FALSE);

  return self->show_state;
}

/**
 * mode_graph_set_show_state:
 * @self: a #ModeGraph
 * @show_state: whether to show the states of services
 *
 * Sets #ModeGraph:show-state.
 *
 * Since: 0.1
 */
void
mode_graph_set_show_state (ModeGraph *self,
                           gboolean   show_state)
{
  g_return_if_fail (MODE_IS_GRAPH (self));

  show_state = !!show_state;
  if (self->show_state == (guint)show_state)
    return;

  self->show_state = show_state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_STATE]);
}

/* Appends @text as a DOT double-quoted string that graphviz draws as
 * @text: a quote is escaped for the DOT parser, a backslash is doubled
 * (labels are escString: \N, \G, \l would be expanded), a newline
 * becomes graphviz's centred line break and other control characters
 * become spaces. Text that is not UTF-8 is repaired first. */
static void
append_dot_string (GString    *out,
                   const char *text)
{
  g_autofree char *valid = NULL;

  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);

  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar)*p;

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;

        case '\\':
          g_string_append (out, "\\\\");
          break;

        case '\n':
          g_string_append (out, "\\n");
          break;

        case '\r':
          if (p[1] != '\n')
            g_string_append (out, "\\n");
          break;

        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_c (out, ' ');
          else
            g_string_append_c (out, (char)c);
        }
    }
  g_string_append_c (out, '"');
}

static void
append_node (ModeGraph *self,
             GString   *out,
             guint      i)
{
  Vertex *vertex = vertex_at (self, i);
  g_autofree char *label = mode_graph_get_label (self, vertex->object);
  ModeGraphAttributes attrs = { NULL, };
  GObject *object = vertex->object;

  g_string_append_printf (out, "    n%u [label=", i);

  /* a node stands for its data */
  if (MODE_IS_NODE (object) && mode_node_get_data (MODE_NODE (object)) != NULL)
    object = mode_node_get_data (MODE_NODE (object));

  if (self->show_state && attributes_func != NULL && attributes_func (object, TRUE, &attrs) &&
      attrs.state != NULL)
    {
      g_autoptr(GString) text = g_string_new (label);

      g_string_append_printf (text, "\n%s", attrs.state);
      if (attrs.restarts > 0)
        g_string_append_printf (text, "\nrestarts: %u", attrs.restarts);
      append_dot_string (out, text->str);
      if (attrs.fill != NULL && attrs.line != NULL)
        g_string_append_printf (out, ", fillcolor=\"%s\", color=\"%s\"", attrs.fill, attrs.line);
    }
  else
    {
      append_dot_string (out, label);
      /* Mode's terminal nodes, the ones that depend on nothing */
      if (vertex_degree (vertex) == 0)
        g_string_append (out, ", fillcolor=\"palegreen1\", color=\"palegreen2\"");
    }
  g_free (attrs.label);

  g_string_append (out, "];\n");
}

/**
 * mode_graph_to_dot:
 * @self: a #ModeGraph
 *
 * Writes the graph in graphviz's DOT language, in Mode's scheme: a
 * digraph called "dependencies" on a mint cream background, whose nodes
 * are boxes filled in pale green (lighter for the nodes that depend on
 * nothing) and whose edges are dark sea green arrows from each node to
 * the nodes it depends on.
 *
 * Unlike Mode, the nodes are named n0, n1, ... in the order they were
 * added, and carry their labels in a `label` attribute: two objects with
 * the same label stay two nodes, and labels are quoted and escaped so
 * that any text (quotes, backslashes, newlines, any language) makes a
 * valid graph that shows the text as it is. The first node is the
 * graph's root. With #ModeGraph:show-state, services are coloured by
 * their state.
 *
 * The output is made in time linear in the size of the graph.
 *
 * Returns: (transfer full): the graph in the DOT language
 *
 * Since: 0.1
 */
char *
mode_graph_to_dot (ModeGraph *self)
{
  GString *out;

  g_return_val_if_fail (MODE_IS_GRAPH (self), NULL);

  out = g_string_sized_new (256 + 48 * self->vertices->len);
  g_string_append (out,
                   "digraph dependencies {\n"
                   "    graph [bgcolor=\"mintcream\"");
  if (self->vertices->len > 0)
    g_string_append (out, ", root=\"n0\"");
  g_string_append (out,
                   "];\n"
                   "    node [shape=\"box\", style=\"filled\", fontname=\"HelveticaNeue\", "
                   "fillcolor=\"palegreen3\", color=\"palegreen4\"];\n"
                   "    edge [arrowhead=\"vee\", arrowsize=\"0.7\", color=\"darkseagreen4\"];\n");

  for (guint i = 0; i < self->vertices->len; i++)
    {
      Vertex *vertex = vertex_at (self, i);

      append_node (self, out, i);
      for (guint j = 0; j < vertex_degree (vertex); j++)
        g_string_append_printf (out, "    n%u -> n%u;\n", i, vertex_successor (vertex, j));
    }

  g_string_append (out, "}\n");
  return g_string_free (out, FALSE);
}

/* }}} */

/* Rendering {{{ */

/**
 * mode_graph_render_to_bytes:
 * @self: a #ModeGraph
 * @format: a graphviz output format: "png", "svg", "pdf", "dot", ...
 * @error: return location for a #GError
 *
 * Lays the graph out with graphviz's dot layout and draws it in
 * @format, through graphviz's library. Fails with
 * %MODE_ERROR_UNSUPPORTED when mode-glib was built without graphviz, and
 * with %MODE_ERROR_FAILED when graphviz fails, for example for a format
 * it does not know.
 *
 * Returns: (transfer full): the drawing, or %NULL with @error set
 *
 * Since: 0.1
 */
GBytes *
mode_graph_render_to_bytes (ModeGraph   *self,
                            const char  *format,
                            GError     **error)
{
  g_autofree char *dot = NULL;

  g_return_val_if_fail (MODE_IS_GRAPH (self), NULL);
  g_return_val_if_fail (format != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  dot = mode_graph_to_dot (self);
  return _mode_graph_render_dot (dot, format, error);
}

/**
 * mode_graph_render:
 * @self: a #ModeGraph
 * @format: a graphviz output format: "png", "svg", "pdf", "dot", ...
 * @path: (type filename): the file to write
 * @error: return location for a #GError
 *
 * Draws the graph as mode_graph_render_to_bytes() does and writes the
 * drawing to @path, replacing the file atomically. Fails with
 * %MODE_ERROR_UNSUPPORTED when mode-glib was built without graphviz,
 * with %MODE_ERROR_FAILED when graphviz fails, and with a #GFileError
 * when the file cannot be written.
 *
 * Returns: %TRUE when the file was written
 *
 * Since: 0.1
 */
gboolean
mode_graph_render (ModeGraph   *self,
                   const char  *format,
                   const char  *path,
                   GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gconstpointer data;
  gsize size;

  g_return_val_if_fail (MODE_IS_GRAPH (self), FALSE);
  g_return_val_if_fail (format != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bytes = mode_graph_render_to_bytes (self, format, error);
  if (bytes == NULL)
    return FALSE;

  data = g_bytes_get_data (bytes, &size);
  return g_file_set_contents_full (path, data, (gssize)size,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0666, error);
}

/* }}} */
