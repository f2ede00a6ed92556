"""Containers: ``Sequential``, ``ModuleList`` and ``ModuleDict`` register their children so that
``parameters()``, ``state_dict()``, ``train()`` and ``to()`` reach them.

Sequential and ModuleList are both lists of children named ``"0"``, ``"1"``, ...; what they share (indexing,
``len``, iteration, ``append``/``extend``/``pop``, ``del`` with renumbering) is written once in
``_PositionalContainer``.
"""

import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from itertools import chain, islice

from .module import Module, _addindent

__all__ = ["Sequential", "ModuleList", "ModuleDict"]


class _PositionalContainer(Module):
    """Children addressed by position: ``c[i]`` (negative ``i`` counts from the end), ``c[a:b]`` (a new container
    of the same class), ``len(c)``, iteration over the children, ``append``, ``extend``, ``pop`` and ``del``.

    After a deletion the children are renamed ``"0"``, ``"1"``, ... so names keep matching positions, as torch does.
    """

    def _key_at(self, idx):
        """The name of the child at position ``idx``; IndexError outside ``[-len, len)``."""
        size = len(self)
        idx = operator.index(idx)
        if not -size <= idx < size:
            raise IndexError(f"index {idx} is out of range")
        return next(islice(self._modules, idx % size, None))

    @classmethod
    def _from_named(cls, named_children):
        """A new container holding ``named_children`` (a list of ``(name, module)``), for slicing."""
        raise NotImplementedError

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self._from_named(list(self._modules.items())[idx])
        return self._modules[self._key_at(idx)]

    def __setitem__(self, idx, module):
        setattr(self, self._key_at(idx), module)

    def __delitem__(self, idx):
        keys = list(self._modules)[idx] if isinstance(idx, slice) else [self._key_at(idx)]
        for key in keys:
            delattr(self, key)
        self._modules = {str(i): module for i, module in enumerate(self._modules.values())}

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def _insert_at(self, index, module):
        """Shift the children from ``index`` on one place up and put ``module`` at ``index`` (0 <= index <= len)."""
        for i in range(len(self._modules), index, -1):
            self._modules[str(i)] = self._modules[str(i - 1)]
        self._modules[str(index)] = module

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Append every module of the iterable ``modules``; returns self."""
        if not isinstance(modules, Iterable):
            raise TypeError(
                f"{type(self).__name__}.extend should be called with an iterable, but got " + type(modules).__name__
            )
        for module in modules:
            self.append(module)
        return self

    def pop(self, idx):
        """Remove and return the child (or, for a slice, the container of children) at ``idx``."""
        module = self[idx]
        del self[idx]
        return module


class Sequential(_PositionalContainer):
    """Modules applied one after another: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Input: whatever the first module takes; output: whatever the last one returns (the identity when empty).
    Children are named ``"0"``, ``"1"``, ... (or by the keys of an OrderedDict argument). Supports ``len``,
    iteration, indexing (a slice gives a Sequential), ``append``, ``insert``, ``extend``, ``pop``, ``del`` and ``+``.

    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> net(minigrad.zeros(5, 4)).shape
    (5, 2)
    >>> len(net)
    3
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    @classmethod
    def _from_named(cls, named_children):
        return cls(OrderedDict(named_children))  # a slice keeps the children's names

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return Sequential(*self, *other)

    def insert(self, index, module):
        """Put ``module`` before position ``index`` (``-len <= index <= len``); returns self."""
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        n = len(self._modules)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        self._insert_at(index + n if index < 0 else index, module)
        return self

    def forward(self, input):  # noqa: A002 - torch's argument name
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_PositionalContainer):
    """A list of modules whose parameters are registered (children ``"0"``, ``"1"``, ...); no ``forward``.

    Supports indexing (a slice gives a ModuleList), ``len``, iteration, ``append``, ``extend``, ``insert``,
    ``pop``, ``del``, ``+`` and ``+=``.

    >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> len(list(layers.parameters()))
    6
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    @classmethod
    def _from_named(cls, named_children):
        return cls([module for _, module in named_children])

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(chain(self, other))

    def insert(self, index, module):
        """Put ``module`` before position ``index`` (a non-negative index, as in torch)."""
        self._insert_at(index, module)

    def __repr__(self):
        """Runs of identical children are collapsed, as torch does: ``(0-2): 3 x Linear(...)``."""
        reprs = [repr(module) for module in self]
        if not reprs:
            return self._get_name() + "()"
        blocks = []  # [first index, last index, repr]
        for i, text in enumerate(reprs):
            if blocks and blocks[-1][2] == text:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, text])
        lines = []
        for start, end, text in blocks:
            label = f"({start}): {text}" if start == end else f"({start}-{end}): {end - start + 1} x {text}"
            lines.append(_addindent(label, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules whose parameters are registered, keeping insertion order; no ``forward``.

    Supports ``d[key]``, ``d[key] = module``, ``del``, ``in``, ``len``, iteration over the keys, ``keys``,
    ``items``, ``values``, ``update``, ``pop`` and ``clear``.

    >>> heads = nn.ModuleDict({'a': nn.Linear(2, 1), 'b': nn.Linear(2, 3)})
    >>> heads['b'](minigrad.zeros(1, 2)).shape
    (1, 3)
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def clear(self):
        self._modules.clear()

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules):
        """Add ``modules``: a mapping, or an iterable of ``(key, module)`` pairs."""
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleDict.update should be called with an iterable of key/value pairs, but got "
                + type(modules).__name__
            )
        if isinstance(modules, (Mapping, ModuleDict)):
            for key, module in modules.items():
                self[key] = module
            return
        for j, pair in enumerate(modules):
            if not isinstance(pair, Iterable):
                raise TypeError(f"ModuleDict update sequence element #{j} should be Iterable; is" + type(pair).__name__)
            if len(pair) != 2:
                raise ValueError(f"ModuleDict update sequence element #{j} has length {len(pair)}; 2 is required")
            self[pair[0]] = pair[1]
