"""minigrad.viz: DOT source of the recorded graph, and rendering through Graphviz when it is installed."""

import re
import shutil

import pytest

import minigrad
from minigrad.viz import render, to_dot


def nodes_and_edges(dot):
    labels = dict(re.findall(r"^  (\w+) \[.*label=(\".*?(?<!\\)\")\];$", dot, flags=re.M))
    edges = re.findall(r"^  (\w+) -> (\w+);$", dot, flags=re.M)
    return labels, edges


def test_graph_of_a_small_expression():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = minigrad.tensor(2.0, requires_grad=True)
    constant = minigrad.tensor([1.0, 1.0, 1.0])  # does not require grad: not drawn
    y = ((x * w + constant).relu() * x).sum()
    dot = to_dot(y, params={"x": x, "w": w})
    labels, edges = nodes_and_edges(dot)
    names = sorted(label.strip('"').split("\\n")[0] for label in labels.values())
    assert names == ["AddBackward", "MulBackward", "MulBackward", "ReluBackward", "SumBackward", "output", "w", "x"]
    assert len(edges) == 8  # x->Mul, w->Mul, Mul->Add, Add->Relu, Relu->Mul, x->Mul, Mul->Sum, Sum->output
    assert ("t%d" % id(x), "f%d" % id(y.grad_fn.next_edges[0])) in edges
    assert dot.startswith("digraph autograd {") and dot.rstrip().endswith("}")


def test_leaf_boxes_show_shape_values_and_gradient_after_backward():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    big = minigrad.ones(3, 4, requires_grad=True)
    y = (x * x).sum() + big.sum()
    before = to_dot(y, params={"x": x, "big": big})
    assert '"x\\nshape (2,)\\ndata [1., 2.]"' in before and "\\ngrad" not in before
    y.backward()
    after = to_dot(y, params={"x": x, "big": big})
    assert '"x\\nshape (2,)\\ndata [1., 2.]\\ngrad [2., 4.]"' in after
    assert '"big\\nshape (3, 4)\\ngrad: shape (3, 4)"' in after  # 12 values: too many to print
    assert '"output\\nscalar\\ndata 17."' in after


def test_unnamed_leaves_and_a_tensor_without_graph():
    a = minigrad.tensor(1.0, requires_grad=True)
    labels, _ = nodes_and_edges(to_dot(a * 3))
    assert '"scalar\\ndata 1."' in labels.values()
    labels, edges = nodes_and_edges(to_dot(minigrad.ones(2)))
    assert list(labels.values()) == ['"output\\nshape (2,)\\ndata [1., 1.]"'] and not edges


def test_names_are_escaped():
    a = minigrad.tensor(1.0, requires_grad=True)
    dot = to_dot(a * 2, params={'say "hi"\\': a})
    assert '"say \\"hi\\"\\\\\\nscalar' in dot


def test_very_deep_graph_is_walked_without_recursion():
    x = minigrad.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    labels, edges = nodes_and_edges(to_dot(y))
    assert len(labels) == 5002 and len(edges) == 5001


def test_to_dot_wants_a_tensor():
    with pytest.raises(TypeError, match="minigrad Tensor"):
        to_dot([1, 2])


def test_render_without_graphviz_explains_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"apt-get install graphviz.*to_dot\(\) still works"):
        render(minigrad.ones(1, requires_grad=True) * 2, tmp_path / "g.svg")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_render_svg_and_png(tmp_path):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    svg = render(y, tmp_path / "graph.svg", params={"x": x})
    assert svg == str(tmp_path / "graph.svg")
    assert "<svg" in (tmp_path / "graph.svg").read_text() and "MulBackward" in (tmp_path / "graph.svg").read_text()
    render(y, tmp_path / "graph.png")
    assert (tmp_path / "graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    render(y, tmp_path / "graph", format="svg")
    assert "<svg" in (tmp_path / "graph").read_text()
    with pytest.raises(RuntimeError, match="dot failed"):
        render(y, tmp_path / "graph.nosuchformat")
