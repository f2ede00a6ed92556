"""torch.nn.utils: gradient clipping (``clip_grad``), parameters as one vector (``convert_parameters``) and
variable-length sequences for the recurrent layers (``rnn``: ``PackedSequence``, ``pack_padded_sequence``, ...).

>>> total = clip_grad_norm_(model.parameters(), max_norm=1.0)   # between backward() and optimizer.step()
"""

from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "rnn",
    "vector_to_parameters",
]
