"""``SummaryWriter``: torch's TensorBoard logger for scalars, writing event files that ``tensorboard --logdir``
reads, with no TensorBoard or TensorFlow installed (the encoding is in ``_record``).

What it writes: ``add_scalar`` and ``add_scalars`` (each main tag's scalars in a sub-directory
``<log_dir>/<main_tag>_<tag>``, as torch). The image, histogram, graph, audio, text and embedding summaries of
torch's writer are not there: calling one raises ``AttributeError``.
"""

import os
import socket
import time
from datetime import datetime

from . import _record

__all__ = ["SummaryWriter"]


class _EventFile:
    """One ``events.out.tfevents.<time>.<host>.<pid>.<n>`` file, opened on first write, records appended."""

    _opened = 0  # torch's global_uid: two writers in one second and process get distinct names

    def __init__(self, log_dir, filename_suffix):
        os.makedirs(log_dir, exist_ok=True)
        _EventFile._opened += 1
        name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}.{self._opened}"
        self.path = os.path.join(log_dir, name + filename_suffix)
        self.file = open(self.path, "wb")
        self.write(_record.version_event(time.time()))

    def write(self, event):
        self.file.write(_record.record(event))

    def flush(self):
        self.file.flush()

    def close(self):
        self.file.close()


class SummaryWriter:
    """Log scalars for TensorBoard under ``log_dir`` (default ``runs/<date>_<host><comment>``, as torch).

    ``add_scalar(tag, value, global_step=None, walltime=None)`` appends one point (``value`` a number or a one-element
    tensor); ``add_scalars(main_tag, {tag: value}, ...)`` one point per tag, each in its own run. ``flush()`` writes
    what is buffered, ``close()`` ends the files; a writer is also a context manager. ``max_queue`` and
    ``flush_secs`` are accepted for torch's signature: writes go to the operating system's file buffer at once.

    >>> import tempfile
    >>> with SummaryWriter(tempfile.mkdtemp()) as writer:
    ...     writer.add_scalar("loss/train", 0.25, global_step=1)
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120, filename_suffix=""):
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self.filename_suffix = filename_suffix
        self._files = {}  # run directory -> _EventFile
        self._file(self.log_dir)

    def get_logdir(self):
        """The directory the event files are written to."""
        return self.log_dir

    def _file(self, log_dir):
        if log_dir not in self._files:
            self._files[log_dir] = _EventFile(log_dir, self.filename_suffix)
        return self._files[log_dir]

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False, double_precision=False):
        """Append ``tag = scalar_value`` at step ``global_step`` (0 when None) and time ``walltime`` (now)."""
        event = _record.scalar_event(
            tag, float(scalar_value), int(global_step or 0), time.time() if walltime is None else walltime
        )
        self._file(self.log_dir).write(event)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Append one point per ``tag: value``, each to the run ``<log_dir>/<main_tag>_<tag>`` under the tag
        ``main_tag`` (TensorBoard draws them as curves of one chart)."""
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            run = os.path.join(self.log_dir, f"{main_tag.replace('/', '_')}_{tag}")
            self._file(run).write(_record.scalar_event(main_tag, float(value), int(global_step or 0), walltime))

    def flush(self):
        """Hand every buffered record to the operating system."""
        for file in self._files.values():
            file.flush()

    def close(self):
        """Flush and close the event files; the writer must not be used afterwards."""
        for file in self._files.values():
            file.close()
        self._files = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
