"""griffe extension for the API reference: the doctest examples in docstrings (runs of ``>>>`` lines and their
output) are fenced as ``pycon`` code blocks, so Markdown does not read ``>>>`` as nested quotes."""

import griffe


def _fenced(text):
    lines, out, in_example = text.split("\n"), [], False
    for line in lines:
        starts = line.lstrip().startswith(">>>")
        if starts and not in_example:
            out += ["```pycon"]
            in_example = True
        elif in_example and not line.strip():
            out += ["```"]
            in_example = False
        out.append(line)
    if in_example:
        out.append("```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence every docstring's doctest examples."""

    def on_object(self, *, obj, **kwargs):
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = _fenced(obj.docstring.value)
