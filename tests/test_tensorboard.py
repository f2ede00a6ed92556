"""``minigrad.utils.tensorboard.SummaryWriter``: event files TensorBoard reads (karpathy/makemore logs its losses
with it). The records are decoded here by hand (framing, checksums, the Event fields); where the tensorboard package
is installed its own reader is the oracle too."""

import struct

import pytest

import minigrad
from minigrad.utils.tensorboard import SummaryWriter
from minigrad.utils.tensorboard._record import crc32c, masked_crc32c


def _records(path):
    data, records = path.read_bytes(), []
    while data:
        (length,) = struct.unpack("<Q", data[:8])
        assert struct.unpack("<I", data[8:12])[0] == masked_crc32c(data[:8])
        body = data[12 : 12 + length]
        assert struct.unpack("<I", data[12 + length : 16 + length])[0] == masked_crc32c(body)
        records.append(body)
        data = data[16 + length :]
    return records


def _fields(message):
    """Protobuf fields as (number, value) pairs: varints as ints, fixed64 as doubles, fixed32 as floats."""
    out, i = [], 0
    while i < len(message):
        key, i = _varint(message, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(message, i)
            value = value - (1 << 64) if value >= 1 << 63 else value
        elif wire == 1:
            value, i = struct.unpack("<d", message[i : i + 8])[0], i + 8
        elif wire == 5:
            value, i = struct.unpack("<f", message[i : i + 4])[0], i + 4
        else:
            length, i = _varint(message, i)
            value, i = message[i : i + length], i + length
        out.append((number, value))
    return out


def _varint(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        value |= (byte & 0x7F) << shift
        i, shift = i + 1, shift + 7
        if not byte & 0x80:
            return value, i


def _scalars(path):
    points = []
    for body in _records(path)[1:]:
        event = dict(_fields(body))
        value = dict(_fields(dict(_fields(event[5]))[1]))
        points.append((value[1].decode(), event.get(2, 0), value[2]))
    return points


def test_crc32c_known_values():
    assert crc32c(b"") == 0 and crc32c(b"123456789") == 0xE3069283
    assert crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720's test vector: 32 zero bytes


def test_add_scalar_writes_readable_events(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        assert writer.get_logdir() == str(tmp_path)
        for step, loss in enumerate([2.5, 1.25, 0.5]):
            writer.add_scalar("Loss/train", minigrad.tensor(loss), step)
        writer.add_scalar("lr", 1e-3, global_step=-3)
        writer.flush()
    (path,) = tmp_path.glob("events.out.tfevents.*")
    first = dict(_fields(_records(path)[0]))
    assert first[3] == b"brain.Event:2" and first[1] > 0
    assert _scalars(path) == [
        ("Loss/train", 0, 2.5),
        ("Loss/train", 1, 1.25),
        ("Loss/train", 2, 0.5),
        ("lr", -3, pytest.approx(1e-3)),
    ]


def test_add_scalars_writes_one_run_per_tag(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalars("loss", {"train": 1.0, "test": 2.0}, 5)
    for tag, value in (("train", 1.0), ("test", 2.0)):
        (path,) = (tmp_path / f"loss_{tag}").glob("events.out.tfevents.*")
        assert _scalars(path) == [("loss", 5, value)]


def test_default_log_dir_follows_torch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lr0.1")
    writer.close()
    (run,) = (tmp_path / "runs").iterdir()
    assert run.name.endswith("_lr0.1") and list(run.glob("events.out.tfevents.*"))


def test_tensorboards_own_reader_agrees(tmp_path):
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    with SummaryWriter(tmp_path) as writer:
        for step in range(4):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
    reader = accumulator.EventAccumulator(str(tmp_path))
    reader.Reload()
    assert [(s.step, s.value) for s in reader.Scalars("loss")] == [(i, pytest.approx(1.0 / (i + 1))) for i in range(4)]
