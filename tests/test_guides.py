"""The guides of the documentation site stay true: the Python blocks of the porting guide and the layers tour run
(each page's blocks in order, in one namespace), and the source excerpts of the kernel guide (a ```python block
starting ``# from minigrad/...``) are still in the source, line by line in order."""

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
SOURCE = DOCS.parent


def _python_blocks(page):
    blocks, current = [], None
    for line in (DOCS / page).read_text().split("\n"):
        if current is None and line.strip() == "```python":
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return blocks


@pytest.mark.parametrize("page", ["porting.md", "layers.md"])
def test_guide_examples_run(page):
    if page == "porting.md":
        pytest.importorskip("onnx")  # its last block exports to ONNX
    namespace = {"__name__": "__guide__"}
    for number, block in enumerate(_python_blocks(page)):
        exec(compile("\n".join(block), f"docs/{page} block {number}", "exec"), namespace)


def test_kernel_guide_excerpts_are_in_the_source():
    excerpts = [block for block in _python_blocks("kernels.md") if block and block[0].startswith("# from minigrad/")]
    assert excerpts
    for block in excerpts:
        path = SOURCE / block[0].removeprefix("# from ").strip()
        if not path.exists():
            pytest.skip("the source tree is not here (tests run against an installed wheel)")
        source = [line.strip() for line in path.read_text().split("\n")]
        position = 0
        for line in (line.strip() for line in block[1:]):
            if not line or line == "...":
                continue
            assert line in source[position:], f"{path.name} no longer has (in this order): {line}"
            position = source.index(line, position) + 1
