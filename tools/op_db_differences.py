"""Regenerate ``tests/op_db_differences.json``: which of op_db's samples differ from torch in the cases that a
``KNOWN_DIFFERENCES`` entry of ``tools/torch_api.py`` covers.

``tests/test_op_db.py`` holds those samples to their difference (a listed sample must still differ, every other
must match), so after fixing a difference, or adding an entry, run from the project root (needs torch and
``expecttest``; every sample of every covered case, a few minutes)::

    python tools/op_db_differences.py                 # all covered cases
    python tools/op_db_differences.py interpolate     # only the case ids containing "interpolate"

Cases whose samples all match are left out of the file; ``tests/test_op_db.py`` then fails on an entry that covers
no differing sample in the full run (``MINIGRAD_FULL_PARITY=1``).
"""

import importlib.util
import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "op_db_differences.json"


def _harness():
    """tests/test_op_db.py in its full mode (every sample, every dtype and spelling)."""
    os.environ["MINIGRAD_FULL_PARITY"] = "1"
    sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location("test_op_db", ROOT / "tests" / "test_op_db.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def differing(harness, param):
    """The indices of the samples of one pytest case that differ from torch."""
    if len(param.values) == 4:
        opinfo, binding, dtype, _ = param.values
        try:
            checks = harness.value_checks(opinfo, binding, dtype, limit=None)
        except harness.Unsupported:
            return []
    else:
        opinfo, binding, _ = param.values
        checks = harness.error_checks(opinfo, binding, limit=None)
    found = []
    for index, _, check in checks:
        try:
            check()
        except AssertionError:
            found.append(index)
    return found


def main(argv):
    harness = _harness()
    only = argv[0] if argv else ""
    table = {case: samples for case, samples in json.loads(DATA.read_text()).items() if only not in case}
    for param in harness.VALUE_CASES + harness.ERROR_CASES:
        if param.values[-1].reason and only in param.id:
            samples = differing(harness, param)
            print(f"{param.id}: {samples}", flush=True)
            if samples:
                table[param.id] = samples
    lines = [f"{json.dumps(case)}: {json.dumps(table[case])}" for case in sorted(table)]  # one case a line
    DATA.write_text("{\n" + ",\n".join(lines) + "\n}\n")
    print(f"wrote {DATA.relative_to(ROOT)} ({len(table)} cases)")


if __name__ == "__main__":
    main(sys.argv[1:])
