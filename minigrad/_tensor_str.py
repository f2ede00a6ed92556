"""How a tensor prints: PyTorch's layout and number format, and ``set_printoptions``.

A floating tensor prints every element in one format chosen from its finite nonzero values: ``{:.4f}`` (``7.5000``),
or ``{:.4e}`` when the largest magnitude exceeds 1e8, or is more than 1000 times the smallest, or the smallest is
under 1e-4 ("sci mode"); a tensor of whole numbers prints them as ``7.`` (or in ``{:.4e}`` under the same
conditions but the last). Integer and bool tensors print ``str`` of each value. All elements are right-aligned to the
widest. Past ``threshold`` elements, each dim longer than ``2 * edgeitems`` shows its first and last ``edgeitems``
entries around ``...`` (the widths are then taken from the shown entries only). A row longer than ``linewidth``
wraps under its first element.
"""

import math
from typing import Any

import numpy as np

__all__ = ["set_printoptions", "tensor_str"]

_PROFILES: dict[str, dict[str, float]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}
_OPTS: dict[str, Any] = {**_PROFILES["default"], "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set how tensors print, as ``torch.set_printoptions``: ``precision`` digits after the point (4),
    ``threshold`` elements past which a tensor prints summarized (1000), ``edgeitems`` entries kept at each end of a
    summarized dim (3), ``linewidth`` characters per line (80), ``profile`` one of ``"default"``, ``"short"``
    (precision 2, edgeitems 2) or ``"full"`` (never summarize) applied before the other arguments, and ``sci_mode``
    ``True``/``False`` to force or forbid scientific notation (``None``, the default of every call, lets the values
    decide).

    >>> minigrad.set_printoptions(precision=2)
    >>> minigrad.tensor([1.12345])
    tensor([1.12])
    >>> minigrad.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        _OPTS.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems)):
        if value is not None:
            _OPTS[name] = value
    if linewidth is not None:
        _OPTS["linewidth"] = linewidth
    _OPTS["sci_mode"] = sci_mode


class _NumberFormat:
    """One format for every element of an array, chosen from (the shown part of) its values."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        flat = values.ravel()
        if not self.floating:
            self.width = max([self.width] + [len(str(v)) for v in flat.tolist()])
            return
        shown = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if shown.size == 0:
            return
        magnitude = np.abs(shown)
        low, high = magnitude.min(), magnitude.max()
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        auto_sci = high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4
        self.sci_mode = auto_sci if _OPTS["sci_mode"] is None else bool(_OPTS["sci_mode"])
        precision = _OPTS["precision"]
        if self.sci_mode:
            texts, extra = [f"{v:.{precision}e}" for v in shown.tolist()], 0
        elif self.int_mode:
            texts, extra = [f"{v:.0f}" for v in shown.tolist()], 1  # room for the trailing point
        else:
            texts, extra = [f"{v:.{precision}f}" for v in shown.tolist()], 0
        self.width = max(self.width, max(len(t) for t in texts) + extra)

    def format(self, value) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{_OPTS['precision']}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{_OPTS['precision']}f}"
        return text.rjust(self.width)


def _shown_part(values: np.ndarray) -> np.ndarray:
    """The entries a summarized print shows: the first and last ``edgeitems`` along every dim longer than twice
    that."""
    edge = _OPTS["edgeitems"]
    for axis, size in enumerate(values.shape):
        if size > 2 * edge:
            keep = np.r_[0:edge, size - edge : size]
            values = np.take(values, keep, axis=axis)
    return values


def _rows(values: np.ndarray, indent: int, summarize: bool, fmt: _NumberFormat) -> str:
    edge = _OPTS["edgeitems"]
    cut = summarize and values.shape[0] > 2 * edge
    if values.ndim == 1:
        if cut:
            items = [fmt.format(v) for v in values[:edge].tolist()] + [" ..."]
            items += [fmt.format(v) for v in values[-edge:].tolist()] if edge else []
        else:
            items = [fmt.format(v) for v in values.tolist()]
        per_line = max(1, (_OPTS["linewidth"] - indent) // (fmt.width + 2))
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    picks = list(range(edge)) + [None] + list(range(len(values) - edge, len(values))) if cut else range(len(values))
    parts = ["..." if i is None else _rows(values[i], indent + 1, summarize, fmt) for i in picks]
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _values_str(values: np.ndarray, indent: int) -> str:
    summarize = values.size > _OPTS["threshold"]
    fmt = _NumberFormat(_shown_part(values) if summarize else values)
    if values.ndim == 0:
        return fmt.format(values.item())
    return _rows(values, indent, summarize, fmt)


def tensor_str(values: np.ndarray, dtype, default_dtype, grad_fn_name, requires_grad) -> str:
    """``repr`` of a tensor holding ``values``: ``tensor(<values>, <suffixes>)``. The suffixes are torch's: for an
    empty tensor ``size=`` (unless 1-D) and ``dtype=`` unless the default float dtype; otherwise ``dtype=`` unless
    the default float dtype, int64 or bool; then ``grad_fn=<name>`` or ``requires_grad=True``. A suffix that would
    pass ``linewidth`` starts a new line."""
    prefix = "tensor("
    suffixes = []
    if values.size == 0:
        body = "[]"
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
        if dtype != default_dtype:
            suffixes.append(f"dtype={dtype!r}")
    else:
        body = _values_str(values, len(prefix))
        if values.dtype not in (np.dtype(default_dtype.numpy), np.dtype(np.int64), np.dtype(np.bool_)):
            suffixes.append(f"dtype={dtype!r}")
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    text = prefix + body
    line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line + len(suffix) + 2 > _OPTS["linewidth"]:
            text += ",\n" + " " * len(prefix) + suffix
            line = len(prefix) + len(suffix)
        else:
            text += ", " + suffix
            line += len(suffix) + 2
    return text + ")"
