"""Draw the graph autograd recorded: ``to_dot(tensor)`` gives Graphviz DOT source, ``render`` makes an SVG/PNG.

The picture reads forwards, from the leaves to the result:

* a **box** per tensor: the leaves the gradient flows to (blue; named when you pass ``params``, as in torchviz's
  ``make_dot``) and the tensor you asked about (green); each shows its shape, its values when it has at most
  ``max_values`` elements, and its ``.grad`` once ``backward()`` has filled it;
* an **ellipse** per ``Function`` node, with torch's name for it (``MulBackward``, ``SumBackward``, ...);
* an arrow from each input to the node that consumed it (the reverse of the ``next_edges`` that ``backward`` follows).

Inputs that do not require grad (constants) are not part of the graph and are not drawn.

>>> import minigrad
>>> from minigrad.viz import to_dot
>>> w = minigrad.tensor([1.0, 2.0], requires_grad=True)
>>> dot = to_dot((w * w).sum(), params={"w": w})
>>> dot.count("shape=box"), dot.count("shape=ellipse"), dot.count(" -> ")  # w and the output; Mul, Sum; w->Mul twice
(2, 2, 4)
"""

import os
import shutil
import subprocess

import numpy as np

from .autograd.function import Output
from .autograd.tensor import AccumulateGrad, Tensor

__all__ = ["to_dot", "render"]


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _values(array, max_values):
    if array.size > max_values:
        return None
    return np.array2string(np.asarray(array), precision=4, separator=", ", suppress_small=True).replace("\n", "")


def _tensor_label(tensor, name, max_values):
    lines = [name] if name else []
    lines.append(f"shape {tuple(tensor.shape)}" if tensor.ndim else "scalar")
    values = _values(tensor._data, max_values)
    if values is not None:
        lines.append(f"data {values}")
    if tensor.grad is not None:
        grad = _values(tensor.grad._data, max_values)
        lines.append(f"grad {grad}" if grad is not None else f"grad: shape {tuple(tensor.grad.shape)}")
    return "\n".join(lines)


def to_dot(tensor, params=None, max_values=6):
    """Graphviz DOT source for the graph that produced ``tensor``.

    ``params`` maps names to the leaf tensors to label (``dict(model.named_parameters())`` fits). Values are printed
    for tensors with at most ``max_values`` elements. The graph is walked with an explicit stack, so very deep graphs
    are fine.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot expects a minigrad Tensor, got {type(tensor).__name__}")
    names = {id(t): name for name, t in (params or {}).items()}
    lines = [
        "digraph autograd {",
        '  graph [rankdir=TB, fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=11];',
    ]
    output_id = f"t{id(tensor)}"
    lines.append(
        f"  {output_id} [shape=box, style=filled, fillcolor=darkolivegreen1, "
        f"label={_quote(_tensor_label(tensor, names.get(id(tensor), 'output'), max_values))}];"
    )
    root = _drawn(tensor.grad_fn)
    if root is None:
        lines.append("}")
        return "\n".join(lines) + "\n"

    seen = {id(root)}
    stack = [root]
    while stack:
        node = stack.pop()
        node_id = f"f{id(node)}"
        lines.append(f"  {node_id} [shape=ellipse, style=filled, fillcolor=lightgrey, label={_quote(node.name())}];")
        for edge in node.next_edges:
            if edge is None:  # an input that does not require grad: no gradient goes there
                continue
            edge = _drawn(edge)
            leaf = edge.variable if isinstance(edge, AccumulateGrad) else None  # a leaf is drawn as its tensor
            edge_id = f"f{id(edge)}" if leaf is None else f"t{id(leaf)}"
            lines.append(f"  {edge_id} -> {node_id};")
            if id(edge) in seen:
                continue
            seen.add(id(edge))
            if leaf is None:
                stack.append(edge)
            else:
                label = _tensor_label(leaf, names.get(id(leaf), ""), max_values)
                lines.append(f"  {edge_id} [shape=box, style=filled, fillcolor=lightblue, label={_quote(label)}];")
    lines.append(f"  f{id(root)} -> {output_id};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _drawn(node):
    """The node drawn for a graph edge: a multi-output node's ``Output`` edges are drawn as the node itself, one
    ellipse with an arrow to each consumer (as torchviz draws torch's graph)."""
    return node.node if isinstance(node, Output) else node


def render(tensor, path, format=None, params=None, max_values=6):  # noqa: A002 - graphviz's argument name
    """Draw ``tensor``'s graph into ``path`` with Graphviz's ``dot`` program; returns ``path``.

    ``format`` (``"svg"``, ``"png"``, ``"pdf"``, ...) defaults to the extension of ``path``, else ``"svg"``.
    Raises ``RuntimeError`` when ``dot`` is not installed (``to_dot`` needs no Graphviz) or when it fails.
    """
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "rendering needs Graphviz's `dot` program, which was not found on PATH: install "
            "Graphviz (e.g. `apt-get install graphviz`, `brew install graphviz` or "
            "`conda install graphviz`). minigrad.viz.to_dot() still works without it and returns "
            "the DOT source, which any Graphviz viewer can draw."
        )
    path = os.fspath(path)
    if format is None:
        format = os.path.splitext(path)[1].lstrip(".").lower() or "svg"  # noqa: A001
    source = to_dot(tensor, params=params, max_values=max_values)
    result = subprocess.run([dot, f"-T{format}", "-o", path], input=source.encode("utf-8"), capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"dot failed to render {path!r} as {format!r}: {result.stderr.decode('utf-8', 'replace').strip()}"
        )
    return path
