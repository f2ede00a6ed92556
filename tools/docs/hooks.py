"""mkdocs hooks.

* The guides link to source files (``[`tensor.py`](../minigrad/autograd/tensor.py)``), which read well on a
  repository browser but are outside the site; on the site those links become their plain text (the API reference
  documents what the files hold).
* ``Tensor``'s methods are bound at import time from the table in ``minigrad/ops/methods.py``. Those bound to a named
  function are documented by mkdocstrings like any method, but the table's small lambdas and the slot attributes
  (``grad``, ``requires_grad``, ``grad_fn``) have no source location it can resolve: the Tensor page gets a section
  listing them, built from the live objects' signatures and docstrings.
"""

import inspect
import re

_SOURCE_LINK = re.compile(r"\[([^\]]+)\]\(\.\./(?:minigrad|tests|tools|examples|benchmarks)/[^)]*\)")


def _unresolved_tensor_members():
    import minigrad  # imported when the page is built, not when mkdocs loads the hook

    for name in sorted(dir(minigrad.Tensor)):
        if name.startswith("_"):
            continue
        value = inspect.getattr_static(minigrad.Tensor, name)
        if inspect.ismemberdescriptor(value):
            yield name, "", inspect.getdoc(value)
        elif inspect.isfunction(value) and "<" in value.__qualname__:  # a lambda or a closure
            signature = str(inspect.signature(value)).replace("(self, ", "(").replace("(self)", "()")
            yield name, signature, value.__doc__


def _tensor_extras():
    lines = ["", "## Attributes and small methods", ""]
    lines += ["The attributes and the methods bound from small helpers in `minigrad/ops/methods.py`.", ""]
    for name, signature, doc in _unresolved_tensor_members():
        lines += [f"### `Tensor.{name}{signature}`", "", (doc or "").strip(), ""]
    return "\n".join(lines)


def on_page_markdown(markdown, page, **kwargs):
    markdown = _SOURCE_LINK.sub(r"\1", markdown)
    if page.file.src_uri == "api/tensor.md":
        markdown += _tensor_extras()
    return markdown
