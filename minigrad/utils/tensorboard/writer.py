"""``SummaryWriter``: torch's TensorBoard logger, as ``torch.utils.tensorboard`` provides it, on tensorboardX.

TensorBoard's event files (protobuf records in TFRecord framing, with masked CRC-32C checksums) are written by
tensorboardX, the maintained stand-alone writer; minigrad adds only what torch's ``SummaryWriter`` does on top:
tensors are accepted wherever an array or a number is (``add_scalar(tag, loss)``, ``add_histogram(tag,
weight)``, ``add_image(tag, img)``, ``add_scalars(main_tag, {tag: value})``), converted to NumPy arrays on the way.
``add_graph`` takes a torch model in both libraries and is not supported. One difference in layout:
``add_scalars(main_tag, {tag: value})`` writes each tag's run under ``<log_dir>/<main_tag>/<tag>`` (tensorboardX's
choice) where torch writes ``<log_dir>/<main_tag>_<tag>``; TensorBoard draws the same chart from either.
"""

import functools

import numpy as np
from tensorboardX import SummaryWriter as _TensorboardXWriter

from ...autograd.tensor import Tensor

__all__ = ["SummaryWriter"]


def _as_array(value):
    """A tensor as its NumPy array (detached), dicts and lists of them element by element; anything else as is."""
    if isinstance(value, Tensor):
        return np.asarray(value.detach()._data)
    if isinstance(value, dict):
        return {key: _as_array(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)) and any(isinstance(item, Tensor) for item in value):
        return type(value)(_as_array(item) for item in value)
    return value


def _with_arrays(method, *args, **kwargs):
    return method(*map(_as_array, args), **{key: _as_array(value) for key, value in kwargs.items()})


class SummaryWriter(_TensorboardXWriter):
    """Log scalars, histograms, images, text, … for TensorBoard under ``log_dir`` (default
    ``runs/<date>_<host><comment>``, as torch), with torch's constructor and ``add_*`` signatures.

    >>> import tempfile
    >>> with SummaryWriter(tempfile.mkdtemp()) as writer:
    ...     writer.add_scalar("loss/train", minigrad.tensor(0.25), global_step=1)
    """

    @property
    def log_dir(self):
        """The directory the event files are written to, as given (torch's name for tensorboardX's ``logdir``)."""
        return self.logdir

    def get_logdir(self):
        """The directory the event files are written to."""
        return self.logdir

    def __getattribute__(self, name):
        attribute = super().__getattribute__(name)
        if name.startswith("add_") and callable(attribute):
            return functools.partial(_with_arrays, attribute)
        return attribute
