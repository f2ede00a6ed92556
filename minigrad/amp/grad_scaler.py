"""``GradScaler``: torch's loss scaling for mixed-precision training, with its arithmetic and its CPU behaviour.

Scaling multiplies the loss by ``S`` before ``backward`` (so small float16 gradients do not flush to zero);
``unscale_`` divides the gradients by ``S`` again and notes whether any is inf or NaN; ``step`` skips the optimizer
step when one was; ``update`` halves ``S`` (``backoff_factor``) after a skipped step and doubles it
(``growth_factor``) after ``growth_interval`` steps in a row without one.

On a machine without CUDA, a scaler for ``"cuda"`` (the default, and every ``torch.cuda.amp.GradScaler``) warns and
disables itself, as torch's does: ``scale`` returns the loss, ``step`` is ``optimizer.step()``, ``get_scale()`` is
1.0. So a script written for a GPU trains unchanged on the CPU; ``GradScaler("cpu")`` scales for real.
"""

import math
import warnings

__all__ = ["GradScaler", "CudaGradScaler"]


class GradScaler:
    """Loss scaling (see the module docstring) with torch's arguments and defaults.

    >>> scaler = GradScaler("cpu", init_scale=8.0)
    >>> scaler.scale(minigrad.tensor(0.5))
    tensor(4.)
    """

    def __init__(
        self,
        device="cuda",
        init_scale=2.0**16,
        growth_factor=2.0,
        backoff_factor=0.5,
        growth_interval=2000,
        enabled=True,
    ):
        if enabled and device == "cuda":
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.", stacklevel=2)
            enabled = False
        if growth_factor <= 1.0:
            raise ValueError("The growth factor must be > 1.0.")
        if backoff_factor >= 1.0:
            raise ValueError("The backoff factor must be < 1.0.")
        self._device, self._enabled = device, enabled
        self._scale, self._growth_factor, self._backoff_factor = float(init_scale), growth_factor, backoff_factor
        self._growth_interval, self._growth_tracker = growth_interval, 0
        self._unscaled = {}  # id(optimizer) -> whether an inf/NaN gradient was found, since the last update()

    def is_enabled(self):
        """Whether the scaler scales (False for a CUDA scaler on this CPU-only library)."""
        return self._enabled

    def get_scale(self):
        """The current scale ``S``; 1.0 when disabled."""
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        """``outputs`` (a tensor, or a list/tuple of them, nested) times ``S``; unchanged when disabled."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(output) for output in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer):
        """Divide the gradients of ``optimizer``'s parameters by ``S`` in place and note any inf/NaN among them
        (call before gradient clipping); at most once per optimizer between two ``update()`` calls."""
        if not self._enabled:
            return
        if id(optimizer) in self._unscaled:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        inverse, found_inf = 1.0 / self._scale, False
        for group in optimizer.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    param.grad.data.mul_(inverse)
                    found_inf = found_inf or not bool(param.grad.data.isfinite().all())
        self._unscaled[id(optimizer)] = found_inf

    def step(self, optimizer, *args, **kwargs):
        """Unscale (if ``unscale_`` was not called) and run ``optimizer.step(*args, **kwargs)`` unless a gradient was
        inf or NaN; returns what the step returned, or None when it was skipped."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) not in self._unscaled:
            self.unscale_(optimizer)
        return None if self._unscaled[id(optimizer)] else optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        """Set ``S`` for the next iteration: ``new_scale`` if given, else backed off after a skipped step or grown
        after ``growth_interval`` good ones."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif any(self._unscaled.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._unscaled = {}

    def state_dict(self):
        """torch's keys: ``scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval``, ``_growth_tracker``
        (empty when disabled)."""
        if not self._enabled:
            return {}
        return {
            "scale": self._scale,
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._growth_tracker,
        }

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict`` returned (a scaler's checkpoint)."""
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler."
            )
        self._scale = float(state_dict["scale"])
        self._growth_factor, self._backoff_factor = state_dict["growth_factor"], state_dict["backoff_factor"]
        self._growth_interval, self._growth_tracker = state_dict["growth_interval"], state_dict["_growth_tracker"]
        if not math.isfinite(self._scale):
            raise ValueError(f"scale must be finite, got {self._scale}")


class CudaGradScaler(GradScaler):
    """``torch.cuda.amp.GradScaler``: the same scaler for ``"cuda"`` with that class's signature (no ``device``
    argument); on this CPU-only library it warns and disables itself when enabled."""

    def __init__(self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True):
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
