"""Checkpoint robustness beyond tests/test_serialization.py (which covers truncation, bit flips, foreign and
pickled files, a save interrupted by an exception, and exact round trips of a fixed structure):

* a save killed with SIGKILL mid-write leaves a loadable checkpoint, the previous or the new one, never a mixture;
* concurrent saves and loads of one path: a reader always sees one complete version;
* an edited entry header claiming a huge array is a clear ValueError, not an attempt to allocate it;
* random structures (hypothesis) of tensors, parameters and arrays of every dtype and odd shape and layout round
  trip exactly.
"""

import io
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from minigrad.nn.parameter import Parameter
from minigrad.serialization import load, save
from test_serialization import same

REPOSITORY = Path(__file__).resolve().parents[1]


def versioned(version, size=200_000):
    """Checkpoint number ``version``: every value in it says which version it is."""
    return {"version": version, "weights": [minigrad.full((size,), float(version)) for _ in range(4)]}


def assert_one_complete_version(checkpoint, versions):
    assert checkpoint["version"] in versions
    for weight in checkpoint["weights"]:
        assert (weight._data == checkpoint["version"]).all(), "a checkpoint mixes two versions"


WRITER = """
import sys
import minigrad
from minigrad.serialization import save
path = sys.argv[1]
print("ready", flush=True)
version = 1
while True:
    save({"version": version, "weights": [minigrad.full((200_000,), float(version)) for _ in range(4)]}, path)
    version += 1
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_save_killed_mid_write_leaves_a_loadable_checkpoint(tmp_path, rng):
    path = tmp_path / "checkpoint"
    save(versioned(0), path)
    for delay in rng.uniform(0.05, 0.4, 4):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, cwd=REPOSITORY, text=True
        )
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(delay)  # somewhere in the middle of some save
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        assert_one_complete_version(load(path), range(0, 10_000))
    # a killed save cannot clean up its temporary file; only those may be left next to the checkpoint
    assert all(name == "checkpoint" or name.startswith("checkpoint.tmp") for name in os.listdir(tmp_path))


def test_concurrent_saves_and_loads_of_one_path(tmp_path):
    path = tmp_path / "checkpoint"
    save(versioned(0, size=20_000), path)
    errors = []

    def writer(first):
        try:
            for version in range(first, first + 40, 2):
                save(versioned(version, size=20_000), path)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def reader():
        try:
            for _ in range(60):
                assert_one_complete_version(load(path), range(0, 42))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(first,)) for first in (1, 2)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]
    assert os.listdir(tmp_path) == ["checkpoint"]


@pytest.mark.parametrize("claimed", ["(1000000,)", "(100000000000,)", "(4611686018427387904,)", "(1000, 1000, 1000)"])
def test_an_entry_header_claiming_a_huge_array_is_a_value_error(claimed):
    buffer = io.BytesIO()
    save({"w": minigrad.ones(4)}, buffer)
    edited = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as original, zipfile.ZipFile(edited, "w") as copy:
        for info in original.infolist():
            data = original.read(info.filename)
            copy.writestr(info.filename, data.replace(b"(4,)", claimed.encode()) if info.filename == "a0.npy" else data)
    edited.seek(0)
    with pytest.raises(ValueError, match="not a valid minigrad checkpoint"):
        load(edited)


# ---------------------------------------------------------------------------------------- random round trips
DTYPES = st.sampled_from(
    [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_]
)


@st.composite
def arrays(draw):
    dtype = np.dtype(draw(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    if dtype.kind == "f":  # any bit pattern: nan payloads, subnormals, infinities, -0.0
        bits = draw(hnp.arrays(np.dtype(f"u{dtype.itemsize}"), shape))
        array = bits.view(dtype)
    else:
        array = draw(hnp.arrays(dtype, shape))
    if array.ndim >= 2 and draw(st.booleans()):
        array = array.T  # not C-contiguous
    return array


@st.composite
def leaves(draw):
    array = draw(arrays())
    kind = draw(st.sampled_from(["tensor", "parameter", "ndarray", "scalar"]))
    if kind == "ndarray":
        return array
    if kind == "scalar":
        return draw(
            st.one_of(
                st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.booleans(), st.none(), st.text(max_size=5)
            )
        )
    tensor = minigrad.from_numpy(array)
    if kind == "parameter" and array.dtype.kind == "f":
        return Parameter(tensor, requires_grad=draw(st.booleans()))
    if array.dtype.kind == "f" and draw(st.booleans()):
        tensor.requires_grad_(True)
    return tensor


KEYS = st.one_of(st.text(max_size=6), st.integers(-5, 5), st.tuples(st.integers(0, 3), st.text(max_size=2)))
STRUCTURES = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(KEYS, children, max_size=3),
    ),
    max_leaves=8,
)


@given(STRUCTURES)
def test_random_structures_round_trip_exactly(structure):
    buffer = io.BytesIO()
    save(structure, buffer)
    buffer.seek(0)
    assert same(load(buffer), structure)
