"""Find prange loops that pass the address of a scalar the loop body never assigns.

Cython makes a variable thread-private in a ``prange`` loop only when the loop body assigns it. A scalar that a
called C function writes through its address (``_sums(row, &total)``) without an assignment in the body is
therefore *shared* between the threads: two threads write and read the same variable, and the result is right
until the scheduler interleaves them (under load, rarely; normalization.pyx had three such loops). Return the
value (a struct for two values) or assign the variable in the body instead.

    python tools/check_prange.py [FILE.pyx ...]     # default: every kernel in minigrad/_kernels; exit 1 on a finding

A scalar here is a name declared in the same function with ``cdef`` and a numeric type; addresses of memoryview
elements (``&x[i, 0]``), of structs passed as ``const`` pointers and of arrays are not flagged.
"""

import pathlib
import re
import sys

KERNELS = pathlib.Path(__file__).resolve().parent.parent / "minigrad" / "_kernels"
SCALAR_TYPES = r"(?:double|float|floating|int|long|bint|Py_ssize_t|size_t|ptrdiff_t|u?int(?:8|16|32|64)_t)"
CDEF_SCALARS = re.compile(rf"^\s*cdef\s+(?:const\s+)?{SCALAR_TYPES}\s+([^*\[\n]+)$")
ADDRESS = re.compile(r"&\s*(\w+)\b(?!\s*[\[.])")
ASSIGNED = re.compile(r"^\s*(\w+)\s*(?:[-+*/]?=)(?!=)")


def _indent(line):
    return len(line) - len(line.lstrip())


def _declared_scalars(lines, start):
    """Names declared as numeric scalars by ``cdef`` lines of the function enclosing line ``start``."""
    first = start
    while first > 0 and not re.match(r"\s*(?:c?p?def|cdef inline)\s.*\(", lines[first]):
        first -= 1
    names = set()
    for line in lines[first:start]:
        match = CDEF_SCALARS.match(line.split("#")[0])
        if match:
            names.update(part.split("=")[0].strip() for part in match.group(1).split(","))
    return names


def findings(path):
    """(line number, name) for every scalar whose address a prange body passes without assigning it."""
    lines = pathlib.Path(path).read_text().splitlines()
    found = []
    for number, line in enumerate(lines):
        if not re.match(r"\s*for\s+\w+\s+in\s+prange\(", line):
            continue
        body = []
        for following in lines[number + 1 :]:
            if following.strip() and _indent(following) <= _indent(line) and body:
                break
            body.append(following)
        assigned = {m.group(1) for m in map(ASSIGNED.match, body) if m}
        assigned |= {m.group(1) for m in (re.match(r"\s*for\s+(\w+)\s+in", b) for b in body) if m}
        scalars = _declared_scalars(lines, number)
        for name in sorted({name for b in body for name in ADDRESS.findall(b.split("#")[0])}):
            if name in scalars and name not in assigned:
                found.append((number + 1, name))
    return found


def main(paths):
    failed = False
    for path in paths or sorted(KERNELS.glob("*.pyx")):
        for number, name in findings(path):
            print(f"{path}:{number}: prange body passes &{name} but never assigns {name}: shared between threads")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
