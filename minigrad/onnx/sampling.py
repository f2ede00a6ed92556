"""The converters of ``grid_sample`` (one ``GridSample``: opset 16 for 4-D inputs, 20 for 5-D) and of
``interpolate`` (``Upsample`` and the ``upsample*`` spellings call it): one ``Resize`` node whose
``coordinate_transformation_mode`` follows torch's source-index rule of the mode.

* 'nearest': ``x[floor(o·s)]`` is ``asymmetric`` with ``nearest_mode=floor``;
* 'nearest-exact': ``x[floor((o + 0.5)·s)]`` is ``half_pixel`` rounded ``round_prefer_ceil``;
* 'linear'/'bilinear'/'trilinear': ``pytorch_half_pixel`` (the source ``s·(o+0.5) - 0.5``, clamped at 0), or
  ``align_corners``; 'bicubic': ``cubic`` with torch's A = -0.75 and ``half_pixel`` or ``align_corners``;
* 'area' is adaptive average pooling, exported as that (``pooling``).

``s`` is ``1/scale_factor`` when a scale is given and not recomputed: Resize then gets the ``scales`` (ONNX's
output size ``floor(d·scale)`` is torch's); else it gets the output ``sizes``, so ``s = in/out`` as torch's. The
N and C of ``sizes`` come from the input at run time (any batch). Both are ``tracing.unit`` functions.
"""

import numpy as np

from .converters import register
from .pooling import adaptive_pool, leading_dims

__all__ = []

_MODES = {  # torch mode -> (ONNX mode, coordinate_transformation_mode without align_corners, extra attributes)
    "nearest": ("nearest", "asymmetric", {"nearest_mode": "floor"}),
    "nearest-exact": ("nearest", "half_pixel", {"nearest_mode": "round_prefer_ceil"}),
    "linear": ("linear", "pytorch_half_pixel", {}),
    "bilinear": ("linear", "pytorch_half_pixel", {}),
    "trilinear": ("linear", "pytorch_half_pixel", {}),
    "bicubic": ("cubic", "half_pixel", {"cubic_coeff_a": -0.75}),
}


def _scales(options, spatial):
    """The per-axis scale factors when they set torch's source index (a scale given, not recomputed), else None."""
    factor = options["scale_factor"]
    if factor is None or options["recompute_scale_factor"]:
        return None
    return [float(factor)] * spatial if np.ndim(factor) == 0 else [float(f) for f in factor]


@register("interpolate")
def _interpolate(graph, inputs, options, output):
    x = options["input"]
    spatial = x.ndim - 2
    sizes = list(output.shape[2:])
    if options["mode"] == "area":
        return adaptive_pool(graph, "AveragePool", spatial, x, tuple(sizes), "interpolate (mode='area')")
    onnx_mode, transform, extra = _MODES[options["mode"]]
    if options["align_corners"]:
        transform = "align_corners"
    scales = _scales(options, spatial)
    if scales is not None:
        size_inputs = [graph.constant(np.array([1.0, 1.0] + scales, np.float32), "scales")]
    else:
        leading = leading_dims(graph, graph.name_of(x))
        size_inputs = ["", graph.node("Concat", [leading, graph.constant(np.array(sizes, np.int64), "sizes")], axis=0)]
    return graph.node(
        "Resize",
        [graph.name_of(x), ""] + size_inputs,
        mode=onnx_mode,
        coordinate_transformation_mode=transform,
        **extra,
    )


@register("grid_sample")
def _grid_sample(graph, inputs, options, output):
    """GridSample with torch's mode, padding mode and align_corners (ONNX's names for the modes changed at opset
    20: linear, cubic)."""
    x, mode = options["input"], options["mode"]
    needed = 16 if x.ndim == 4 else 20
    if graph.opset < needed:
        raise NotImplementedError(f"ONNX export of a {x.ndim}-D grid_sample needs opset_version >= {needed}")
    if graph.opset >= 20:
        mode = {"bilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
    return graph.node(
        "GridSample",
        [graph.name_of(x), graph.name_of(options["grid"])],
        mode=mode,
        padding_mode=options["padding_mode"],
        align_corners=int(bool(options["align_corners"])),
    )
