"""PyTorch checkpoints without PyTorch: read what ``torch.save`` writes, and write what ``torch.load`` reads.

A ``torch.save`` file is a zip archive: ``<name>/data.pkl`` is a pickle (protocol 2) of the saved object in which
every tensor is a call ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)``, and
every storage a persistent id ``("storage", torch.FloatStorage, key, "cpu", numel)`` whose bytes are the archive
entry ``<name>/data/<key>`` (little-endian). Tensors that share a storage (views, tied weights) name the same key.

Reading never runs arbitrary code: the unpickler resolves only the globals that torch's own ``weights_only=True``
allows for tensors and state dicts (``collections.OrderedDict``, the tensor and parameter rebuilders, the storage
types, ``torch.Size``); anything else is refused with ``pickle.UnpicklingError``, so a malicious ``.pt`` file is an
error, not an exploit. Writing builds the same pickle by hand (no torch import) for ``torch.load(f,
weights_only=True)``.
"""

import _compat_pickle
import collections
import io
import pickle
import zipfile

import numpy as np

from .autograd.tensor import Tensor
from .nn.parameter import Parameter

__all__ = [
    "is_torch_archive",
    "load_torch",
    "save_torch",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "safe_globals",
]

_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}
_STORAGE_NAMES = {np.dtype(d): name for name, d in _STORAGE_DTYPES.items()}


def is_torch_archive(names):
    """Whether a zip's entry ``names`` are a ``torch.save`` archive (a ``<name>/data.pkl`` entry)."""
    return any(name.endswith("/data.pkl") and name.count("/") == 1 for name in names)


# ---------------------------------------------------------------------------------------------------- read
class _StorageType:
    """What ``torch.FloatStorage`` and friends unpickle to: the dtype of the storage's bytes."""

    def __init__(self, name):
        self.dtype = np.dtype(_STORAGE_DTYPES[name])


def _rebuild_tensor(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    """A tensor viewing ``storage`` (a flat array) from ``offset`` with ``size`` and ``stride`` in elements."""
    itemsize = storage.dtype.itemsize
    needed = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else offset
    if offset < 0 or needed > storage.size or any(s < 0 for s in stride):
        raise pickle.UnpicklingError("a tensor reaches past the end of its storage")
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride)
    )
    tensor = Tensor._wrap(view)
    return tensor.requires_grad_(bool(requires_grad)) if requires_grad and view.dtype.kind == "f" else tensor


def _rebuild_parameter(data, requires_grad, hooks, state=None):
    return Parameter(data, requires_grad)


_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): tuple,
    # plain values torch's weights-only unpickler also allows (a whole Module's state holds sets, say)
    ("builtins", "set"): set,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "complex"): complex,
    ("collections", "Counter"): collections.Counter,
    **{("torch", name): _StorageType(name) for name in _STORAGE_DTYPES},
}


# what add_safe_globals allowed beyond _ALLOWED: "module.qualname" -> the object (torch's list is process-wide too)
_SAFE_GLOBALS: dict = {}


def add_safe_globals(safe_globals):
    """Let ``load(..., weights_only=True)`` resolve these globals too (torch's
    ``torch.serialization.add_safe_globals``): each entry is a class or function, found in the file under its
    ``__module__`` and ``__qualname__``, or a pair ``(obj, "module.name")`` naming it explicitly. Loading a whole
    pickled Module then needs its class and the classes of everything inside it listed."""
    for entry in safe_globals:
        obj, name = entry if isinstance(entry, tuple) else (entry, f"{entry.__module__}.{entry.__qualname__}")
        _SAFE_GLOBALS[name] = obj


def get_safe_globals():
    """The objects ``add_safe_globals`` allowed, in the order they were added."""
    return list(_SAFE_GLOBALS.values())


def clear_safe_globals():
    """Forget every global ``add_safe_globals`` allowed."""
    _SAFE_GLOBALS.clear()


class safe_globals:
    """``with safe_globals([MyModel, nn.Linear]): model = load(f)``: the globals allowed inside the block only
    (torch's ``torch.serialization.safe_globals``); on leaving it the allowed set is as it was before."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        self.saved = dict(_SAFE_GLOBALS)
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc_info):
        _SAFE_GLOBALS.clear()
        _SAFE_GLOBALS.update(self.saved)


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the allow-listed globals; storages come from the archive's data entries."""

    def __init__(self, file, archive, prefix):
        super().__init__(file)
        self.archive, self.prefix, self.storages = archive, prefix, {}

    def find_class(self, module, name):
        # torch.save writes protocol 2, whose globals carry Python 2 names (__builtin__.set): map them, as pickle does
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        found = _ALLOWED.get((module, name), _SAFE_GLOBALS.get(f"{module}.{name}"))
        if found is None:
            raise pickle.UnpicklingError(
                f"Weights only load failed: unsupported global GLOBAL {module}.{name}. Loading with "
                "weights_only=True reads tensors, state dicts and plain containers only. Re-running load with "
                "weights_only set to False will likely succeed, but it can result in arbitrary code execution: do "
                "it only if you got the file from a trusted source, or allow the global with "
                f"serialization.add_safe_globals([{name}]) or the safe_globals context manager."
            )
        return found

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        _, storage_type, key, _location, numel = pid
        if key not in self.storages:
            data = self.archive.read(f"{self.prefix}/data/{key}")
            array = np.frombuffer(data, dtype=storage_type.dtype.newbyteorder("<")).astype(storage_type.dtype)
            if array.size < numel:
                raise pickle.UnpicklingError(f"storage {key} is truncated")
            self.storages[key] = array  # one array per storage: tensors sharing it stay views of one another
        return self.storages[key]


class _TrustingUnpickler(_RestrictedUnpickler):
    """For ``weights_only=False``: torch's tensor globals as above, any other global imported as pickle does —
    which runs whatever code the file names."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        return pickle.Unpickler.find_class(self, module, name)


def load_torch(file, weights_only=True):
    """The object in a ``torch.save`` archive (a seekable binary file), tensors as minigrad Tensors; with
    ``weights_only=False`` any pickled object (a whole Module, say), for files from a trusted source only."""
    with zipfile.ZipFile(file) as archive:
        pickles = [name for name in archive.namelist() if name.endswith("/data.pkl") and name.count("/") == 1]
        prefix = pickles[0].split("/")[0]
        byteorder = f"{prefix}/byteorder"
        if byteorder in archive.namelist() and archive.read(byteorder).strip() not in (b"little", b""):
            raise ValueError("this torch checkpoint is big-endian, which minigrad does not read")
        unpickler = _RestrictedUnpickler if weights_only else _TrustingUnpickler
        return unpickler(io.BytesIO(archive.read(pickles[0])), archive, prefix).load()


# --------------------------------------------------------------------------------------------------- write
class _Global:
    """A torch global named in the pickle (``torch._utils._rebuild_tensor_v2``...) without importing torch."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle wants reduce functions callable; this one only names torch's
        raise TypeError(f"{self.module}.{self.name} exists in torch; minigrad only writes its name")


class _Storage:
    """A tensor's values (made C-contiguous), written as one archive entry and named by a persistent id; it keeps
    the original array alive while the pickle is written, so its id is not reused."""

    def __init__(self, key, original):
        self.key, self.original = key, original
        self.array = original if original.flags.c_contiguous else original.copy(order="C")


_REBUILD_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")
_ORDERED_DICT = collections.OrderedDict


class _TorchPickler(pickle._Pickler):
    """The pure-Python pickler, taught to write torch's globals and tensors (protocol 2, as torch.save)."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.storages = {}  # id(array the tensor owns) -> _Storage: a tensor saved twice is one storage

    def save_global_name(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[_Global] = save_global_name  # type: ignore[assignment]  # pickle's table is typed for its own savers

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            kind = _STORAGE_NAMES.get(obj.array.dtype)
            if kind is None:
                raise TypeError(f"torch checkpoints have no storage for dtype {obj.array.dtype}")
            return ("storage", _Global("torch", kind), obj.key, "cpu", obj.array.size)
        return None

    def reducer_override(self, obj):
        if not isinstance(obj, Tensor):
            return NotImplemented
        if isinstance(obj, Parameter):  # a parameter is its data rebuilt, then wrapped
            return _REBUILD_PARAMETER, (Tensor._wrap(obj._data), obj.requires_grad, _ORDERED_DICT())
        storage = self.storages.get(id(obj._data))
        if storage is None:  # one storage per array: a tensor saved twice (tied weights) stays one tensor
            storage = self.storages[id(obj._data)] = _Storage(str(len(self.storages)), obj._data)
        array = storage.array
        strides = tuple(s // array.itemsize for s in array.strides)
        return _REBUILD_TENSOR, (storage, 0, tuple(array.shape), strides, bool(obj.requires_grad), _ORDERED_DICT())


def save_torch(obj, file):
    """Write ``obj`` (tensors, state dicts, nested dicts/lists/tuples, numbers, strings) to the binary ``file``
    in ``torch.save``'s format."""
    buffer = io.BytesIO()
    pickler = _TorchPickler(buffer)
    pickler.dump(obj)
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", buffer.getvalue())
        archive.writestr("archive/byteorder", "little")
        for storage in pickler.storages.values():
            archive.writestr(
                f"archive/data/{storage.key}",
                storage.array.astype(storage.array.dtype.newbyteorder("<"), copy=False).tobytes(),
            )
        archive.writestr("archive/version", "3\n")
