"""``Module``: the base class of every layer and model, with torch's registration and traversal API.

A Module owns three ordered registries, filled by plain attribute assignment in ``__init__``:

* ``_parameters``: the ``Parameter`` attributes (``self.weight = Parameter(...)``),
* ``_buffers``: non-learnable state registered with ``register_buffer`` (saved in ``state_dict`` unless
  ``persistent=False``),
* ``_modules``: child Modules (``self.fc = Linear(...)``).

Everything else walks these registries recursively: ``parameters()``, ``named_parameters()`` (names like
``"0.weight"``), ``state_dict()`` / ``load_state_dict()``, ``train()`` / ``eval()``, ``zero_grad()``, ``to(dtype)``.
Calling a module runs its ``forward``.

>>> class MLP(Module):
...     def __init__(self):
...         super().__init__()
...         self.hidden = Linear(4, 8)
...         self.out = Linear(8, 2)
...     def forward(self, x):
...         return self.out(self.hidden(x).relu())
>>> [name for name, _ in MLP().named_parameters()]
['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
"""

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

import numpy as np

from ... import _device, _dtype
from ...autograd.hooks import RemovableHandle
from ...autograd.tensor import Tensor
from ..parameter import Parameter
from ..utils.clip_grad import _zero_grads

_M = TypeVar("_M", bound="Module")  # train() and eval() return the module itself, of its own type

__all__ = ["Module"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it expected but did not get, and those it did not expect."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _typename(value):
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _addindent(text, spaces):
    """Indent every line but the first (blank lines stay empty), for nesting child reprs."""
    first, *rest = text.split("\n")
    if not rest:
        return text
    return "\n".join([first] + [(" " * spaces + line) if line.strip() else "" for line in rest])


class Module:
    """Base class for all neural network modules; subclasses set attributes in ``__init__`` and define ``forward``.

    >>> class Scale(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.factor = nn.Parameter(minigrad.tensor([2.0]))
    ...
    ...     def forward(self, x):
    ...         return x * self.factor
    ...
    >>> Scale()(minigrad.tensor([1.0, 3.0]))
    tensor([2., 6.], grad_fn=<MulBackward>)
    >>> list(Scale().state_dict())
    ['factor']
    """

    training: bool

    def __init__(self):
        # object.__setattr__ because our own __setattr__ consults these very registries
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "_forward_hooks", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._forward_pre_hooks or self._forward_hooks:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks(self, args, kwargs):
        for hook in tuple(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in tuple(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_pre_hook(self, hook):
        """Call ``hook(module, args)`` before ``forward``; a non-None result replaces the positional inputs."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook):
        """Call ``hook(module, args, output)`` after ``forward``; a non-None result replaces the output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------------------------------ registration
    def _check_new_name(self, name, kind):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')

    def register_parameter(self, name, param):
        """Add ``param`` (a Parameter, or None for an absent optional weight) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_new_name(name, "parameter")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                "(minigrad.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created "
                f"explicitly. To express '{name}' as a function of another Tensor, compute the value in "
                "the forward() method."
            )
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a non-learnable Tensor (or None) under ``name``; ``persistent=False`` keeps it out of state_dict."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_new_name(name, "buffer")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_typename(tensor)}' object to buffer '{name}' (minigrad Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Add the child ``module`` (or None) under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if "_modules" not in self.__dict__:
            raise AttributeError("cannot assign module before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails, i.e. for registered parameters, buffers and modules
        registries = self.__dict__
        if "_parameters" in registries:  # (absent while unpickling or before Module.__init__)
            for registry in (registries["_parameters"], registries["_buffers"], registries["_modules"]):
                if name in registry:
                    return registry[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        def remove_from(*registries):
            for registry in registries:
                if name in registry:
                    if isinstance(registry, dict):
                        del registry[name]
                    else:
                        registry.discard(name)

        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(self.__dict__, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' (minigrad.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
        else:
            modules = self.__dict__.get("_modules")
            if isinstance(value, Module):
                if modules is None:
                    raise AttributeError("cannot assign module before Module.__init__() call")
                remove_from(self.__dict__, self._parameters, self._buffers, self._non_persistent_buffers_set)
                modules[name] = value
            elif modules is not None and name in modules:
                if value is not None:
                    raise TypeError(
                        f"cannot assign '{_typename(value)}' as child module '{name}' "
                        "(minigrad.nn.Module or None expected)"
                    )
                modules[name] = value
            else:
                buffers = self.__dict__.get("_buffers")
                if buffers is not None and name in buffers:
                    if value is not None and not isinstance(value, Tensor):
                        raise TypeError(
                            f"cannot assign '{_typename(value)}' as buffer '{name}' (minigrad Tensor or None expected)"
                        )
                    buffers[name] = value
                else:
                    object.__setattr__(self, name, value)

    def __delattr__(self, name):
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        return sorted(
            set(itertools.chain(dir(type(self)), self.__dict__, self._parameters, self._modules, self._buffers))
        )

    # --------------------------------------------------------------------------------------------- traversal
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """This module and all below it, depth first, as ``(name, module)``; a module reached twice is given once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """The direct children as ``(name, module)``, each module once."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        seen = set()
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            modules = [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in module.__dict__[registry].items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` pairs, names dotted like torch's (``"0.weight"``); a shared parameter once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def share_memory(self):
        """Move every parameter and buffer into shared memory (``Tensor.share_memory_``) and return ``self``: the
        model handed to ``minigrad.multiprocessing`` workers is then one model they all train (Hogwild)."""
        for tensor in (*self.parameters(), *self.buffers()):
            tensor.share_memory_()
        return self

    def get_submodule(self, target):
        """The module at the dotted path ``target`` (``""`` is this module)."""
        module = self
        for part in target.split(".") if target else ():
            if part not in module._modules:
                raise AttributeError(f"{module._get_name()} has no attribute `{part}`")
            module = module._modules[part]
            if not isinstance(module, Module):
                raise AttributeError(f"`{part}` is not an nn.Module")
        return module

    def apply(self, fn):
        """Call ``fn`` on every child (recursively) and then on this module; returns self.

        Typical use: ``model.apply(init_weights)``.
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ----------------------------------------------------------------------------------------------- modes
    def train(self: _M, mode: bool = True) -> _M:
        """Set training mode (Dropout active) on this module and all below it; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self: _M) -> _M:
        """Set evaluation mode (Dropout is the identity); same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (the default), or to zeros."""
        _zero_grads(self.parameters(), set_to_none)

    # ------------------------------------------------------------------------------------------ dtype casts
    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(tensor)`` (its dtype) or ``to(device)`` with device ``'cpu'``: cast the floating
        parameters (in place: the Parameter objects stay the same) and floating buffers; returns self."""
        dtype = kwargs.pop("dtype", None)
        devices = [kwargs.pop("device", None)]
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif arg is None or isinstance(arg, (str, int, _device.device)) and not isinstance(arg, bool):
                devices.append(arg)
            elif not isinstance(arg, bool):  # a bool is torch's positional non_blocking
                dtype = arg
        for device in devices:
            _device.check(device)
        if dtype is None:
            return self
        target = _dtype.as_numpy_dtype(dtype)
        if target.kind != "f":
            raise TypeError(
                f"nn.Module.to only accepts floating point dtypes, but got desired dtype="
                f"{_dtype.from_numpy_dtype(target)}"
            )
        return self._cast_floating(target)

    def _cast_floating(self, np_dtype):
        for module in self.modules():
            for param in module._parameters.values():
                if param is not None and param._data.dtype.kind == "f":
                    param._data = param._data.astype(np_dtype, copy=False)
                    if param.grad is not None:
                        param.grad._data = param.grad._data.astype(np_dtype, copy=False)
            for name, buffer in module._buffers.items():
                if buffer is not None and buffer._data.dtype.kind == "f" and buffer._data.dtype != np_dtype:
                    module._buffers[name] = Tensor._wrap(buffer._data.astype(np_dtype))
        return self

    def float(self):
        return self._cast_floating(np.dtype(np.float32))

    def double(self):
        return self._cast_floating(np.dtype(np.float64))

    def half(self):
        return self._cast_floating(np.dtype(np.float16))

    def cpu(self):
        return self

    # ------------------------------------------------------------------------------------------ state dict
    def _local_state(self):
        """This module's own parameters and persistent buffers, name -> Tensor, skipping None."""
        local = {name: p for name, p in self._parameters.items() if p is not None}
        local.update(
            (name, b)
            for name, b in self._buffers.items()
            if b is not None and name not in self._non_persistent_buffers_set
        )
        return local

    def state_dict(self, *, destination: Any = None, prefix: str = "", keep_vars: bool = False) -> Any:
        """An OrderedDict ``name -> Tensor`` of every parameter and persistent buffer, module by module (its own
        parameters, then its buffers, then each child's entries), like torch. The values are detached but share
        memory with the module's tensors (``keep_vars=True`` gives the Parameters themselves)."""
        if destination is None:
            destination = OrderedDict()
        for name, value in self._local_state().items():
            destination[prefix + name] = value if keep_vars else value.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False) -> Any:
        """Copy parameters and buffers from ``state_dict`` into this module and its descendants.

        Values are copied into the existing tensors (cast to their dtype); with ``assign=True`` the module's
        attributes are set to the given tensors instead. With ``strict`` (default) a missing or unexpected key
        raises RuntimeError; a shape mismatch always does. Returns the namedtuple ``(missing_keys, unexpected_keys)``
        (filled with or without ``strict``).
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: "list[str]" = []
        unexpected: "list[str]" = []
        errors: "list[str]" = []

        def load(module, local_dict, prefix):
            module._load_from_state_dict(local_dict, prefix, assign, missing, unexpected, errors)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    load(child, {k: v for k, v in local_dict.items() if k.startswith(child_prefix)}, child_prefix)

        load(self, dict(state_dict), "")
        if strict:
            if unexpected:
                errors.insert(
                    0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected))
                )
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(type(self).__name__, "\n\t".join(errors))
            )
        return _IncompatibleKeys(missing, unexpected)

    def _load_from_state_dict(self, state_dict, prefix, assign, missing, unexpected, errors):
        local = self._local_state()
        for name, param in local.items():
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            value = state_dict[key]
            if isinstance(value, np.ndarray):
                value = Tensor._wrap(value)
            if not isinstance(value, Tensor):
                errors.append(
                    f'While copying the parameter named "{key}", expected minigrad.Tensor or Tensor-like '
                    f"object from checkpoint but received {type(value)}"
                )
                continue
            if value.shape != param.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from checkpoint, "
                    f"the shape in current model is {param.shape}."
                )
                continue
            if assign:
                if isinstance(param, Parameter):
                    value = Parameter(value, requires_grad=param.requires_grad)
                setattr(self, name, value)
            else:
                try:
                    np.copyto(param._data, value._data, casting="unsafe")
                except Exception as error:  # e.g. a read-only array
                    errors.append(
                        f'While copying the parameter named "{key}", whose dimensions in the model are '
                        f"{param.shape} and whose dimensions in the checkpoint are {value.shape}, an "
                        f"exception occurred : {error.args}."
                    )
        for key in state_dict:
            if key.startswith(prefix):
                parts = key[len(prefix) :].split(".", 1)
                if len(parts) > 1 and parts[0] not in self._modules or len(parts) == 1 and parts[0] not in local:
                    unexpected.append(key)

    # ---------------------------------------------------------------------------------------------- repr
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """The module's own settings for its repr, e.g. ``in_features=4, out_features=2, bias=True``."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(module), 2) for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"
