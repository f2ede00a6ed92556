"""``minigrad.utils.tensorboard.SummaryWriter`` (on tensorboardX; karpathy/makemore logs its losses with it): tensors
are accepted where torch's writer accepts them, and the event files hold what was logged, read back through
tensorboardX's own Event protobuf."""

import struct

import numpy as np
import pytest

import minigrad

pytest.importorskip("tensorboardX")
from tensorboardX.proto.event_pb2 import Event  # noqa: E402

from minigrad.utils.tensorboard import SummaryWriter  # noqa: E402


def _events(path):
    """The Event records of one file (TFRecord framing: length, its checksum, the record, its checksum)."""
    data, events = path.read_bytes(), []
    while data:
        (length,) = struct.unpack("<Q", data[:8])
        events.append(Event.FromString(data[12 : 12 + length]))
        data = data[16 + length :]
    return events


def _scalars(path):
    return [(v.tag, e.step, v.simple_value) for e in _events(path) if e.HasField("summary") for v in e.summary.value]


def test_add_scalar_takes_tensors_and_numbers(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        assert str(writer.get_logdir()) == str(writer.log_dir) == str(tmp_path)
        for step, loss in enumerate([2.5, 1.25, 0.5]):
            writer.add_scalar("Loss/train", minigrad.tensor(loss), step)
        writer.add_scalar("lr", 1e-3, global_step=7)
    (path,) = tmp_path.glob("events.out.tfevents.*")
    assert _scalars(path) == [
        ("Loss/train", 0, 2.5),
        ("Loss/train", 1, 1.25),
        ("Loss/train", 2, 0.5),
        ("lr", 7, pytest.approx(1e-3)),
    ]


def test_add_scalars_takes_a_dict_of_tensors(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalars("loss", {"train": minigrad.tensor(1.0), "test": 2.0}, 5)
    for tag, value in (("train", 1.0), ("test", 2.0)):
        (path,) = (tmp_path / "loss" / tag).glob("events.out.tfevents.*")  # torch's run is loss_<tag>
        assert _scalars(path) == [("loss", 5, value)]


def test_add_histogram_of_a_parameter(tmp_path):
    weight = minigrad.nn.Linear(4, 3).weight  # requires grad: the writer detaches it
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("weight", weight, 0)
    (path,) = tmp_path.glob("events.out.tfevents.*")
    (histogram,) = [v.histo for e in _events(path) if e.HasField("summary") for v in e.summary.value]
    assert histogram.num == 12 and np.isclose(histogram.sum, float(weight.sum()), atol=1e-5)


def test_default_log_dir_follows_torch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lr0.1")
    writer.close()
    (run,) = (tmp_path / "runs").iterdir()
    assert run.name.endswith("_lr0.1") and list(run.glob("events.out.tfevents.*"))
