# SPDX-License-Identifier: BSD-3-Clause
"""Mode.Graph over GObject-Introspection: topsort, DOT and rendering."""

import os

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Mode", "1.0")

from gi.repository import GLib, Mode  # noqa: E402

import pytest  # noqa: E402

HAVE_GRAPHVIZ = os.environ.get("MODE_HAVE_GRAPHVIZ") == "1"


def labels(graph, objects):
    return [graph.get_label(o) for o in objects]


def tree():
    app = Mode.Service(label="App")
    web = Mode.Service(label='Web "front"\nport 80')
    cache = Mode.Service(label="C:\\cache")
    db = Mode.Service(label="Données")
    app.add_dependency(web)
    app.add_dependency(cache)
    web.add_dependency(db)
    return app


def test_edges_topsort_valency():
    graph = Mode.Graph()
    a, b, c, d = (Mode.Service(label=x) for x in "ABCD")
    graph.add_edge(a, b)
    graph.add_edge(a, c)
    graph.add_edge(b, d)
    graph.add_edge(c, d)
    assert graph.get_n_nodes() == 4
    assert graph.contains(d)
    assert labels(graph, graph.get_nodes()) == ["A", "B", "C", "D"]
    assert labels(graph, graph.get_adjacent(a)) == ["B", "C"]
    assert labels(graph, graph.get_edges()) == ["A", "B", "C"]
    assert labels(graph, graph.topsort()) == ["D", "B", "C", "A"]
    assert graph.valency_of(a) == 4
    assert graph.valency_of(d) == 0


def test_cycle_error():
    graph = Mode.Graph()
    a, b = Mode.Service(label="A"), Mode.Service(label="B")
    graph.add_edge(a, b)
    graph.add_edge(b, a)
    with pytest.raises(GLib.Error) as info:
        graph.topsort()
    assert info.value.matches(Mode.error_quark(), Mode.Error.CYCLE)
    assert "A -> B -> A" in info.value.message


def test_as_graph_and_dot():
    app = tree()
    graph = app.props.beacon.as_graph()
    assert graph.get_nodes()[0] == app
    dot = graph.to_dot()
    assert dot.startswith("digraph dependencies {\n")
    assert '    n0 [label="App"];\n' in dot
    assert '    n1 [label="Web \\"front\\"\\nport 80"];\n' in dot
    assert '    n2 [label="C:\\\\cache", fillcolor="palegreen1", color="palegreen2"];\n' in dot
    assert '    n3 [label="Données", fillcolor="palegreen1"' in dot
    assert "    n0 -> n1;\n    n0 -> n2;\n" in dot


def test_label_func_and_show_state():
    app = tree()
    graph = app.props.beacon.as_graph()
    graph.set_label_func(lambda obj: obj.props.label.upper() if obj == app else None)
    graph.props.show_state = True
    dot = graph.to_dot()
    assert '    n0 [label="APP\\ninit", fillcolor="gray90", color="gray50"];\n' in dot


@pytest.mark.skipif(not HAVE_GRAPHVIZ, reason="built without graphviz")
def test_render(tmp_path):
    app = tree()  # the graph holds the services, but the tree needs app
    graph = app.props.beacon.as_graph()
    assert graph.get_n_nodes() == 4
    png = tmp_path / "tree.png"
    svg = tmp_path / "tree.svg"
    assert graph.render("png", str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert graph.render("svg", str(svg))
    assert b"<svg" in svg.read_bytes()
    assert "Données" in svg.read_text(encoding="utf-8")
    data = graph.render_to_bytes("svg").get_data()
    assert b"<svg" in data
    with pytest.raises(GLib.Error) as info:
        graph.render("no-such-format", str(png))
    assert info.value.matches(Mode.error_quark(), Mode.Error.FAILED)


@pytest.mark.skipif(HAVE_GRAPHVIZ, reason="built with graphviz")
def test_render_unsupported(tmp_path):
    app = tree()
    graph = app.props.beacon.as_graph()
    with pytest.raises(GLib.Error) as info:
        graph.render("png", str(tmp_path / "tree.png"))
    assert info.value.matches(Mode.error_quark(), Mode.Error.UNSUPPORTED)
