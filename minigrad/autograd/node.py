"""``_Node``: what the engine reads of every graph node (a ``Function``, an ``AccumulateGrad``, an ``Output``).

Compiled (setup.py, with ``node.pxd``), it is an extension type, so the engine reads a node's ``next_edges`` and
``pre_hooks`` as C struct members; it sits below the engine so that the engine can name it.
"""

from typing import TYPE_CHECKING, Any, Optional

__all__: list = []


class _Node:
    """What the engine reads of every graph node (see engine.py): ``next_edges`` and ``pre_hooks``. Compiled, an
    extension type (``node.pxd``), so the engine reads them as C struct members."""

    __slots__ = ("next_edges", "pre_hooks")

    if TYPE_CHECKING:  # (for mypy)
        next_edges: Any
        pre_hooks: Optional[dict]
