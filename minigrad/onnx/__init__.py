"""ONNX export, shaped like ``torch.onnx.export``: ``minigrad.onnx.export(model, args, f, input_names=...,
output_names=..., dynamic_axes=..., opset_version=17)``.

The model runs once on ``args`` under ``no_grad`` while ``minigrad.autograd.tracing`` records every op it applies;
each recorded op becomes ONNX nodes (``minigrad.onnx.converters``), the tensors the model reads but did not compute
(its parameters and buffers, constants) become initializers named as in ``state_dict``, and the result is checked
with ``onnx.checker`` before it is written. It needs the ``onnx`` package (an optional extra); ``onnxruntime`` runs
the file. An op with no converter raises ``NotImplementedError`` naming it.
"""

from .export import export

__all__ = ["export"]
