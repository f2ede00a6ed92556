"""ONNX export, shaped like ``torch.onnx.export``: ``minigrad.onnx.export(model, args, f, input_names=...,
output_names=..., dynamic_axes=..., opset_version=17)``.

The model runs once on ``args`` under ``no_grad`` while ``minigrad.autograd.tracing`` records every op it applies;
each recorded op becomes ONNX nodes (``minigrad.onnx.converters``), the tensors the model reads but did not compute
(its parameters and buffers, constants) become initializers named as in ``state_dict``, and the result is checked
with ``onnx.checker`` before it is written. It needs the ``onnx`` package (an optional extra); ``onnxruntime`` runs
the file. An op with no converter raises ``NotImplementedError`` naming it.

What exports: linear layers and elementwise math; every activation (the ones with an ONNX op as that op);
convolutions and transposed convolutions (1-3-D); max/avg/adaptive/power-average pooling (1-3-D), max pooling's
indices and max unpooling; batch, layer, group, instance and RMS norm, local response norm; embeddings and
embedding bags (2-D, or 1-D with offsets); LSTM/GRU/RNN as ONNX's own recurrent ops, packed sequences included
(``pack_padded_sequence``, the layer, ``pad_packed_sequence``: the lengths are ONNX's ``sequence_lens``); scaled
dot-product attention (masks, causal, grouped heads), MultiheadAttention and the Transformer layers;
``interpolate``/``Upsample`` as ``Resize`` and ``grid_sample`` as ``GridSample``; padding, shuffles and shape ops.
Refused by name: adaptive pooling to sizes that do not divide the input, ``return_indices`` of adaptive max pooling,
``divisor_override``, an embedding bag with ``max_norm``, other ops on a packed sequence's tensors, training-mode
rrelu and batch norm, and any value computed from the inputs outside the graph, such as a ``where`` on ``x > 0`` or
an attention mask given as an input (comparisons are not traced: the exporter traces once more on other input values
and refuses a constant that changed, rather than freeze it). The time axis of ``pad_packed_sequence``'s output is the
longest length, a value of the inputs: an output computed from it should name that axis in ``dynamic_axes``.
"""

from .export import export

__all__ = ["export"]
