"""``backward`` and ``grad``: the argument handling around the engine, as ``torch.autograd`` has them."""
from . import engine
from .tensor import Tensor

__all__ = ["backward", "grad"]


def _tensor_list(value):
    return [value] if isinstance(value, Tensor) else list(value)


def _seeds(outputs, grad_outputs):
    """One checked starting gradient per output (None means ones for a one-element output)."""
    grad_outputs = [None] * len(outputs) if grad_outputs is None else _tensor_list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one grad_output per output: got {len(grad_outputs)} for "
                           f"{len(outputs)} outputs")
    return [output._seed(seed, i) for i, (output, seed) in enumerate(zip(outputs, grad_outputs))]


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad`` (torch.autograd.backward)."""
    tensors = _tensor_list(tensors)
    seeds = _seeds(tensors, grad_tensors)
    engine.run([t._gradient_edge(i) for i, t in enumerate(tensors)], seeds,
               retain_graph=create_graph if retain_graph is None else retain_graph, create_graph=create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` without touching any ``.grad``, like torch's.

    ``outputs`` and ``inputs`` are Tensors or sequences of them; ``grad_outputs`` seeds the backward (None means
    ones for scalar outputs). ``retain_graph`` defaults to ``create_graph``. An input the outputs do not depend on
    raises unless ``allow_unused=True``, in which case its gradient is None.
    """
    outputs, inputs = _tensor_list(outputs), _tensor_list(inputs)
    for i, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    seeds = _seeds(outputs, grad_outputs)
    input_nodes = [t._gradient_edge(i) for i, t in enumerate(inputs)]
    capture = dict.fromkeys(input_nodes)
    engine.run([t._gradient_edge(i) for i, t in enumerate(outputs)], seeds, capture=capture,
               retain_graph=create_graph if retain_graph is None else retain_graph, create_graph=create_graph)
    results = tuple(capture[node] for node in input_nodes)
    for i, result in enumerate(results):
        if result is None and not allow_unused:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to not have been used in the "
                               "graph. Set allow_unused=True if this is the desired behavior.")
    return results
