"""Checkpoints: ``save(obj, path)`` and ``load(path)`` for model and optimizer state_dicts, without pickle.

A checkpoint is an ordinary NumPy ``.npz`` archive (a zip of ``.npy`` files): every Tensor and NumPy array in
``obj`` becomes one array entry, and one more entry, ``__minigrad__``, holds a JSON description of how they fit
together (the nesting of dicts, lists and tuples, the keys with their types, the numbers and strings). Loading reads
the arrays with ``np.load(allow_pickle=False)`` and rebuilds the structure from the JSON, so a checkpoint from an
untrusted source cannot run code — unlike a pickle (what ``torch.save`` writes and ``torch.load`` runs unless
``weights_only=True``).

What can be saved: dicts (``OrderedDict`` stays ordered, keys keep their type: an optimizer's ``state`` has int keys),
lists, tuples, Tensors and Parameters (dtype, values and ``requires_grad``; a tensor that appears twice is loaded as
one object twice, so tied weights stay tied), NumPy arrays and scalars, Python ints, floats, bools, strings and None.
Values are stored byte for byte, so float32/float64 round trips are exact. Arrays of Python objects are refused.

``save`` writes to a temporary file in the target's directory, flushes it to disk and renames it over the target
(``os.replace`` is atomic), so a crash mid-save leaves the previous checkpoint intact, never half a file.
``load`` turns a truncated, corrupted or foreign file into one ``ValueError`` that says so.

>>> import io, minigrad
>>> buffer = io.BytesIO()
>>> minigrad.serialization.save({"step": 3, "w": minigrad.ones(2)}, buffer)
>>> _ = buffer.seek(0)
>>> minigrad.serialization.load(buffer)
{'step': 3, 'w': tensor([1., 1.])}
"""

import collections
import json
import math
import os
import secrets
import warnings
import zipfile

import numpy as np

from . import _dtype, torch_format
from .autograd.tensor import Tensor
from .nn.parameter import Parameter
from .torch_format import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals"]

_FORMAT, _VERSION = "minigrad", 1
_STRUCTURE = "__minigrad__"  # the archive entry holding the JSON structure
_ZIP_MAGIC = b"PK\x03\x04"


# ------------------------------------------------------------------------------------------------------ save
class _Encoder:
    """Turns an object into a JSON-able node tree plus a dict of named arrays."""

    def __init__(self):
        self.arrays = {}
        self.names = {}  # id(tensor or array) -> its entry name, so a shared object is stored once

    def store(self, obj, array):
        if id(obj) not in self.names:
            if array.dtype.hasobject:
                raise TypeError(
                    "cannot save an array of Python objects (dtype object): checkpoints hold numbers "
                    "only; convert it to a numeric dtype or a list"
                )
            name = f"a{len(self.arrays)}"
            self.arrays[name] = array
            self.names[id(obj)] = name
        return self.names[id(obj)]

    def encode(self, obj):
        """Scalars are JSON values; everything else is a one-key JSON object naming its kind."""
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj)
        if isinstance(obj, Tensor):
            node = {"tensor": self.store(obj, obj._data), "requires_grad": bool(obj.requires_grad)}
            if isinstance(obj, Parameter):
                node["parameter"] = True
            return node
        if isinstance(obj, np.ndarray):
            return {"ndarray": self.store(obj, obj)}
        if isinstance(obj, np.generic):
            return {"numpy_scalar": self.store(obj, np.asarray(obj))}
        if isinstance(obj, dict):
            kind = "ordered_dict" if isinstance(obj, collections.OrderedDict) else "dict"
            return {kind: [[self.encode_key(key), self.encode(value)] for key, value in obj.items()]}
        if isinstance(obj, (list, tuple)):
            return {"list" if isinstance(obj, list) else "tuple": [self.encode(item) for item in obj]}
        raise TypeError(
            f"cannot save an object of type {type(obj).__name__}: checkpoints hold dicts, lists, tuples, "
            "Tensors, NumPy arrays, numbers, strings, bools and None"
        )

    def encode_key(self, key):
        if key is None or isinstance(key, (bool, int, float, str)):
            return self.encode(key)
        if isinstance(key, tuple):
            return {"tuple": [self.encode_key(item) for item in key]}
        raise TypeError(
            f"cannot save a dict key of type {type(key).__name__}: keys must be strings, numbers, "
            "bools, None or tuples of them"
        )


def save(obj, f, format="minigrad"):  # noqa: A002 - the name says what it is
    """Write ``obj`` (e.g. ``{"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}``) to ``f``.

    Tensors, arrays, numbers, strings and containers of them use the pickle-free format; any other object (a whole
    Module) is pickled in torch's format, as ``torch.save`` does, and loads only with ``weights_only=False``.

    ``f`` is a path (written atomically, see the module docstring; no extension is added) or a binary file object.
    ``format="torch"`` writes ``torch.save``'s zip format instead (``minigrad.torch_format``), which
    ``torch.load(f, weights_only=True)`` reads.

    >>> import io
    >>> buffer = io.BytesIO()
    >>> minigrad.save({'w': minigrad.ones(2)}, buffer)
    >>> _ = buffer.seek(0)
    >>> minigrad.load(buffer)
    {'w': tensor([1., 1.])}
    """
    if format == "torch":
        if hasattr(f, "write"):
            torch_format.save_torch(obj, f)
        else:
            _write_atomically(os.fspath(f), lambda out: torch_format.save_torch(obj, out))
        return
    if format != "minigrad":
        raise ValueError(f"format must be 'minigrad' or 'torch', got {format!r}")
    encoder = _Encoder()
    try:
        root = encoder.encode(obj)
    except RecursionError:
        raise ValueError("cannot save: the object is nested too deeply (or contains itself)") from None
    except TypeError:  # a whole Module or another object: pickled, as torch does; loading it needs
        save(obj, f, format="torch")  # weights_only=False
        return
    structure = json.dumps({"format": _FORMAT, "version": _VERSION, "root": root})
    arrays = dict(encoder.arrays)
    arrays[_STRUCTURE] = np.frombuffer(structure.encode("utf-8"), dtype=np.uint8)
    if hasattr(f, "write"):
        np.savez(f, **arrays)
        return
    _write_atomically(os.fspath(f), lambda out: np.savez(out, **arrays))


def _write_atomically(path, write):
    directory = os.path.dirname(os.path.abspath(path))
    temporary = f"{path}.tmp{secrets.token_hex(4)}"
    # os.open with mode 0o666 lets the umask decide the permissions, as for a plain open(path, "wb")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(descriptor, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    if os.name == "posix":  # make the rename itself durable (directories cannot be opened for fsync on Windows)
        directory_descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_descriptor)
        finally:
            os.close(directory_descriptor)


# ------------------------------------------------------------------------------------------------------ load
class _CorruptCheckpoint(Exception):
    """Raised inside ``load`` for any inconsistency; ``load`` reports it as a ValueError naming the file."""


def _tensor_of(array):
    try:
        _dtype.from_numpy_dtype(array.dtype)
    except TypeError:
        raise _CorruptCheckpoint(f"a tensor entry has dtype {array.dtype}, which tensors cannot hold") from None
    return Tensor._wrap(array)


def _parameter_of(array):
    tensor = _tensor_of(array)
    if tensor._data.dtype.kind != "f":
        raise _CorruptCheckpoint(f"a parameter entry has dtype {array.dtype}; parameters are floating point")
    return Parameter(tensor, requires_grad=False)  # requires_grad is restored from the structure below


class _Decoder:
    def __init__(self, archive):
        self.archive = archive
        self.loaded = {}  # entry name -> object, so an entry referenced twice gives the same object twice

    def array(self, name):
        if not isinstance(name, str) or name == _STRUCTURE or name not in self.archive.files:
            raise _CorruptCheckpoint(f"the structure refers to a missing array entry {name!r}")
        self.check_declared_size(name)
        return self.archive[name]

    def check_declared_size(self, name):
        """An entry's header must not declare more data than the entry holds: np.load would first allocate what
        it declares (an edited header can ask for petabytes: MemoryError, not a clear error)."""
        member = self.archive.zip.getinfo(name + ".npy")
        with self.archive.zip.open(member) as entry:
            version = np.lib.format.read_magic(entry)
            if version not in ((1, 0), (2, 0)):
                return  # (np.savez writes these two; np.load judges any other)
            read_header = (
                np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read_header(entry)
        if not dtype.hasobject and math.prod(shape) * dtype.itemsize > member.file_size:
            raise _CorruptCheckpoint(
                f"entry {name!r} declares a {dtype} array of shape {shape} but holds only {member.file_size} bytes"
            )

    def shared(self, name, make):
        if name not in self.loaded:
            self.loaded[name] = make(self.array(name))
        return self.loaded[name]

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict) or not node:
            raise _CorruptCheckpoint(f"unexpected structure node {str(node)[:80]!r}")
        kind = next(iter(node))
        value = node[kind]
        if kind == "tensor":
            requires_grad = node.get("requires_grad", False)
            tensor = self.shared(value, _parameter_of if node.get("parameter") is True else _tensor_of)
            if requires_grad is True:
                if tensor._data.dtype.kind != "f":
                    raise _CorruptCheckpoint(f"entry {value!r} requires grad but has dtype {tensor._data.dtype}")
                tensor.requires_grad = True
            return tensor
        if kind == "ndarray":
            return self.shared(value, lambda array: array)
        if kind == "numpy_scalar":
            array = self.array(value)
            if array.ndim != 0:
                raise _CorruptCheckpoint(f"entry {value!r} should hold a scalar, has shape {array.shape}")
            return array[()]
        if not isinstance(value, list):
            raise _CorruptCheckpoint(f"the {kind!r} node should hold a list")
        if kind == "list":
            return [self.decode(item) for item in value]
        if kind == "tuple":
            return tuple(self.decode(item) for item in value)
        if kind in ("dict", "ordered_dict"):
            result = collections.OrderedDict() if kind == "ordered_dict" else {}
            for pair in value:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise _CorruptCheckpoint("a dict item should be a [key, value] pair")
                key = self.decode(pair[0])
                try:
                    result[key] = self.decode(pair[1])
                except TypeError:  # an unhashable key
                    raise _CorruptCheckpoint(f"a dict key of type {type(key).__name__}") from None
            return result
        raise _CorruptCheckpoint(f"unknown structure node kind {kind!r}")


def load(f, map_location=None, *, weights_only=True):
    """Read a checkpoint written by ``save`` — or by ``torch.save`` — from a path or a binary file object.

    ``map_location`` is accepted so torch code runs unchanged (minigrad runs on the CPU only). ``weights_only=True``
    (the default, as in torch 2.6+) never runs code: a minigrad file is never unpickled, a torch-format file goes
    through the restricted unpickler of ``minigrad.torch_format``. A file holding other objects (``save`` pickles
    a whole Module, as torch does) needs ``weights_only=False``, which warns that unpickling can run arbitrary code.

    Raises ``FileNotFoundError`` for a missing path and ``ValueError`` when the file is not an intact minigrad
    checkpoint (truncated, corrupted, edited, or some other kind of file).

    >>> import io
    >>> buffer = io.BytesIO()
    >>> minigrad.save(model.state_dict(), buffer)
    >>> _ = buffer.seek(0)
    >>> model.load_state_dict(minigrad.load(buffer, map_location="cpu"))
    <All keys matched successfully>
    """
    if map_location not in (None, "cpu") and not callable(map_location) and not isinstance(map_location, dict):
        raise RuntimeError(f"minigrad runs on the CPU only; got map_location={map_location!r}")
    if hasattr(f, "read"):
        return _load_from(f, getattr(f, "name", "checkpoint"), weights_only)
    path = os.fspath(f)
    with open(path, "rb") as file:
        return _load_from(file, path, weights_only)


def _load_from(file, name, weights_only=True):
    start = file.tell()
    if file.read(4) != _ZIP_MAGIC:
        raise ValueError(
            f"{name} is not a minigrad or torch checkpoint (not a zip archive; files from torch.save "
            "before torch 1.6 are not read)"
        )
    file.seek(start)
    try:
        with zipfile.ZipFile(file) as archive:
            is_torch = torch_format.is_torch_archive(archive.namelist())
        file.seek(start)
        if is_torch:
            if not weights_only:
                warnings.warn(
                    "load(weights_only=False) unpickles the file, which can run arbitrary code: use it "
                    "only for files from a trusted source",
                    UserWarning,
                    stacklevel=3,
                )
            return torch_format.load_torch(file, weights_only=weights_only)
        with np.load(file, allow_pickle=False) as archive:
            if _STRUCTURE not in archive.files:
                raise _CorruptCheckpoint(f"no {_STRUCTURE!r} entry (an .npz file not written by minigrad.save)")
            header = archive[_STRUCTURE]
            if header.dtype != np.uint8 or header.ndim != 1:
                raise _CorruptCheckpoint(f"the {_STRUCTURE!r} entry is not JSON bytes")
            description = json.loads(header.tobytes().decode("utf-8"))
            if not isinstance(description, dict) or description.get("format") != _FORMAT or "root" not in description:
                raise _CorruptCheckpoint("the structure is not a minigrad checkpoint description")
            if description.get("version") != _VERSION:
                raise _CorruptCheckpoint(
                    f"format version {description.get('version')!r} is not supported "
                    f"(this minigrad reads version {_VERSION})"
                )
            return _Decoder(archive).decode(description["root"])
    except _CorruptCheckpoint as error:
        raise ValueError(f"{name} is not a valid minigrad checkpoint: {error}") from None
    except (
        zipfile.BadZipFile,
        ValueError,
        KeyError,
        EOFError,
        RecursionError,
        NotImplementedError,
        RuntimeError,
    ) as error:  # what zipfile and np.load raise on damaged archives (bad CRC, odd headers, ...)
        reason = str(error) or type(error).__name__
        if "allow_pickle" in reason:
            reason = "it contains pickled Python objects, which minigrad never loads"
        raise ValueError(f"{name} is not a valid minigrad checkpoint (truncated or corrupted?): {reason}") from None
