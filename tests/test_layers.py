"""The package's import layers (design/core-v2.md 3.1 and 3.7), checked by parsing every ``minigrad/**/*.py``.

``LAYERS`` gives each module a place ``(floor, step)``: the floor of 3.1 (1 = arrays only ... 7 = the package's
``__init__``) and, inside a floor, the step of its package's internal order (``grad_mode, hooks < engine <
tensor < ...``). A module may import only modules placed strictly lower: from a lower floor, or from an earlier
step of its own floor. Modules on the same place (the loss families, say) never import each other.

Also checked: no import inside a function (the one optional dependency excepted), no loss family importing
another, and nothing in the package importing torch, the tests, the examples or the benchmarks.

When a module is added, moved or renamed, add it to ``LAYERS`` (an unlisted module fails with "add it to the layer
table"). A module's place is its exact entry, else that of the longest wildcard pattern (``fnmatch`` syntax on
dotted module names) matching it.
"""

import ast
import fnmatch
import functools
from pathlib import Path
from typing import NamedTuple

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "minigrad"

LAYERS = {
    # 1 -- arrays only: dtypes, devices, threads, random generators, the compiled kernels, the accelerator stubs
    "minigrad._dtype": (1, 0),
    "minigrad._device": (1, 0),
    "minigrad._threads": (1, 0),
    "minigrad._blas": (1, 1),
    "minigrad._malloc": (1, 0),
    "minigrad._shared": (1, 0),
    "minigrad._tensor_str": (1, 0),  # how a tensor prints: NumPy values to torch's text
    "minigrad._openmp": (1, 1),  # loads the first kernel (and with it libgomp) with its spin setting
    "minigrad.random": (1, 0),
    "minigrad.amp.grad_scaler": (1, 0),
    "minigrad.amp": (1, 1),
    "minigrad.cuda": (1, 1),  # cuda.amp.GradScaler is amp.grad_scaler's CUDA scaler
    "minigrad.accelerator": (1, 0),
    "minigrad.backends": (1, 1),
    "minigrad.backends.*": (1, 0),
    "minigrad._kernels": (1, 0),
    "minigrad._kernels.*": (1, 0),
    # 2 -- autograd: grad_mode, hooks, anomaly_mode, node < engine < tensor < functional < function < gradcheck < init
    "minigrad.autograd.grad_mode": (2, 0),
    "minigrad.autograd.hooks": (2, 0),
    "minigrad.autograd.anomaly_mode": (2, 0),
    "minigrad.autograd.tracing": (2, 0),
    "minigrad.autograd.node": (2, 0),
    "minigrad.autograd.engine": (2, 1),
    "minigrad.autograd.tensor": (2, 2),
    "minigrad.autograd.functional": (2, 3),
    "minigrad.autograd.variable": (2, 3),
    "minigrad.autograd.function": (2, 4),
    "minigrad.autograd.gradcheck": (2, 5),
    "minigrad.autograd": (2, 6),
    # 3 -- ops: _util < shape < elementwise < reduce, linalg < activation < inplace, conv, pooling, ... < methods;
    #      the factories build tensors without ops (Tensor.new_* is bound from them); the graph drawing may use any
    "minigrad.ops._util": (3, 0),
    "minigrad.creation": (3, 0),
    "minigrad.tensor_types": (3, 0),
    "minigrad.ops.shape": (3, 1),
    "minigrad.ops.elementwise": (3, 2),
    "minigrad.ops.reduce": (3, 3),
    "minigrad.ops.scalar_first": (3, 3),  # add/sub/addcmul/addcdiv with torch's deprecated scale-first forms
    "minigrad.ops.linalg": (3, 3),
    "minigrad.ops.activation": (3, 4),
    "minigrad.ops.transcendental": (3, 4),
    "minigrad.ops.sorting": (3, 4),
    "minigrad.ops.slicing": (3, 4),
    "minigrad.ops.products": (3, 4),
    "minigrad.ops.distances": (3, 4),
    "minigrad.ops.covariance": (3, 4),
    "minigrad.ops.inplace": (3, 5),
    "minigrad.ops.conv": (3, 5),
    "minigrad.ops.pooling": (3, 5),
    "minigrad.ops.pooling_composite": (3, 6),  # lp_pool and max_unpool on pooling's pieces
    "minigrad.ops.normalization": (3, 5),
    "minigrad.ops.attention": (3, 5),
    "minigrad.ops.embedding": (3, 5),
    "minigrad.ops.recurrence": (3, 5),
    "minigrad.ops.special": (3, 5),
    "minigrad.ops.special_kernel": (3, 0),  # the special-function kernels' bridge (arrays only)
    "minigrad.ops.winograd": (3, 0),  # Conv's Winograd fast path (arrays only)
    "minigrad.ops.conv_gemm": (3, 0),  # Conv's per-image compiled path (arrays only)
    "minigrad.ops.integer_conv": (3, 0),  # exact integer convolutions, im2col of any dtype (arrays only)
    "minigrad.ops.gamma": (3, 5),
    "minigrad.ops.elementary_special": (3, 5),
    "minigrad.ops.bessel": (3, 5),
    "minigrad.ops.orthogonal_polynomials": (3, 5),
    "minigrad.ops.padding": (3, 5),
    "minigrad.ops.pointwise_activation": (3, 5),
    "minigrad.ops.resample": (3, 5),
    "minigrad.ops.arrange": (3, 5),  # split/stack/tile composites on slicing's pieces
    "minigrad.ops.indexing": (3, 5),
    "minigrad.ops.strided": (3, 5),
    "minigrad.ops.sampling": (3, 5),
    "minigrad.ops.out": (3, 0),  # torch's out= argument, for any op (below shape: cat and where take out=)
    "minigrad.ops.logic": (3, 3),  # comparisons, logical and bitwise ops on elementwise's broadcast check
    "minigrad.ops.pointwise": (3, 5),  # copysign, hypot, logaddexp, ... on activation's sigmoid and reduce's norm
    "minigrad.ops.scan": (3, 5),
    "minigrad.ops.order_statistics": (3, 5),
    "minigrad.ops.nan_reduce": (3, 5),
    "minigrad.ops.search": (3, 5),
    "minigrad.ops.histogram": (3, 5),
    "minigrad.ops.calculus": (3, 5),
    "minigrad.ops.windows": (3, 2),  # Tensor.unfold: a strided view on shape's pieces
    "minigrad.ops.inplace_views": (3, 6),  # squeeze_, t_, transpose_...: view ops applied in place
    "minigrad.ops.methods": (3, 7),
    "minigrad.ops": (3, 8),
    "minigrad.viz": (3, 9),
    # torch.linalg: checks < inverse < factorizations < norms, products < __init__ (on the ops below)
    "minigrad.linalg._checks": (3, 5),
    "minigrad.linalg.inverse": (3, 6),
    "minigrad.linalg.factorizations": (3, 7),
    "minigrad.linalg.norms": (3, 8),
    "minigrad.linalg.products": (3, 8),
    "minigrad.linalg.least_squares": (3, 9),
    "minigrad.linalg.lu": (3, 7),
    "minigrad.linalg.ldl": (3, 6),
    "minigrad.linalg.lowrank": (3, 8),
    "minigrad.linalg.householder": (3, 6),
    "minigrad.linalg.matrix_exp": (3, 6),
    "minigrad.linalg.legacy": (3, 10),  # torch.* spellings over the whole of linalg
    "minigrad.linalg.methods": (3, 11),
    "minigrad.linalg": (3, 12),
    "minigrad.special": (3, 8),  # torch.special's namespace over the ops
    # 4 -- nn.functional: helpers < the loss families (siblings: no imports between them) < __init__
    "minigrad.nn.functional._reduction": (4, 0),
    "minigrad.nn.functional._checks": (4, 0),
    "minigrad.nn.functional._fused": (4, 1),
    "minigrad.nn.functional.distance": (4, 2),
    "minigrad.nn.functional.dropout": (4, 2),
    "minigrad.nn.functional.vision": (4, 2),
    "minigrad.nn.functional.normalization": (4, 2),
    "minigrad.nn.functional.attention": (4, 3),
    "minigrad.nn.functional.activation": (4, 2),  # torch-signature adapters, until 3.5 folds them into __init__
    "minigrad.nn.functional.classification": (4, 3),
    "minigrad.nn.functional.regression": (4, 3),
    "minigrad.nn.functional.probabilistic": (4, 3),
    "minigrad.nn.functional.margin": (4, 3),
    "minigrad.nn.functional.ctc": (4, 3),
    "minigrad.nn.functional.conv": (4, 2),  # conv, unfold/fold, pad: layers, not losses
    "minigrad.nn.functional.conv_transpose": (4, 3),  # builds on conv's checks
    "minigrad.nn.functional.embedding": (4, 3),
    "minigrad.nn.functional.upsampling": (4, 2),
    "minigrad.nn.functional.grid": (4, 2),
    "minigrad.nn.functional.fractional_pooling": (4, 2),  # dissolves into distance/margin/probabilistic (3.4)
    "minigrad.nn.functional.linear_cross_entropy": (4, 4),  # the linear layer, then classification's loss
    "minigrad.nn.functional": (4, 5),
    # 5 -- nn: parameter, init, utils.* < utils, modules.module < the modules < modules.loss < modules/__init__ < nn
    "minigrad.nn.parameter": (5, 0),
    "minigrad.nn.init": (5, 0),
    "minigrad.nn.utils.*": (5, 0),
    "minigrad.nn.utils": (5, 1),
    "minigrad.nn.modules.module": (5, 1),
    "minigrad.nn.module": (5, 1),
    "minigrad.nn.modules._factory": (5, 1),
    "minigrad.nn.modules.*": (5, 2),
    "minigrad.nn.layers": (5, 2),
    "minigrad.nn.modules.loss": (5, 3),
    "minigrad.nn.loss": (5, 3),  # the loss modules reuse PairwiseDistance
    "minigrad.nn.modules.attention": (5, 3),  # MultiheadAttention's out_proj is a Linear
    "minigrad.nn.modules.transformer": (5, 4),  # built from attention, linear, normalization, dropout
    "minigrad.nn.modules": (5, 5),
    "minigrad.nn": (5, 6),
    # 6 -- what uses nn: optimizers, data loading, datasets, checkpoints
    "minigrad.optim.optimizer": (6, 0),
    "minigrad.utils.data.dataset": (6, 0),
    "minigrad.utils.data.sampler": (6, 0),
    "minigrad.utils.data.collate": (6, 0),
    "minigrad.torch_format": (6, 0),
    "minigrad.onnx.converters": (6, 0),
    "minigrad.distributed.collectives": (6, 0),
    "minigrad.distributed.run": (6, 0),
    "minigrad.optim.*": (6, 1),
    "minigrad.serialization": (6, 1),
    "minigrad.safetensors_io": (6, 1),
    "minigrad.utils.data.distributed": (6, 1),
    "minigrad.utils.data._fetch": (6, 1),
    "minigrad.onnx.layers": (6, 1),
    "minigrad.onnx.recurrent": (6, 2),  # reads packed sequences
    "minigrad.onnx.packed": (6, 1),
    "minigrad.onnx.attention": (6, 1),
    "minigrad.onnx.pooling": (6, 1),
    "minigrad.onnx.activations": (6, 1),
    "minigrad.onnx.sampling": (6, 2),  # area mode is adaptive pooling
    "minigrad.onnx.export": (6, 3),
    "minigrad.distributed.ddp": (6, 1),
    "minigrad.optim": (6, 2),
    "minigrad.datasets": (6, 2),
    "minigrad.onnx": (6, 4),
    "minigrad.distributed": (6, 2),
    "minigrad.utils.data._worker": (6, 2),
    "minigrad.utils.data._iterator": (6, 2),
    "minigrad.utils.data._multiprocess": (6, 3),
    "minigrad.nn.parallel": (6, 3),
    "minigrad.utils.data.dataloader": (6, 4),
    "minigrad.utils.data": (6, 5),
    "minigrad.utils": (6, 6),
    "minigrad.multiprocessing": (1, 0),
    "minigrad.utils.tensorboard.writer": (6, 1),
    "minigrad.utils.tensorboard": (6, 2),
    "minigrad.distributions.constraints": (6, 0),
    "minigrad.distributions.utils": (6, 0),
    "minigrad.distributions.linalg": (6, 0),
    "minigrad.distributions.distribution": (6, 1),
    "minigrad.distributions.*": (6, 2),  # one file per family, each on the base class
    "minigrad.distributions.one_hot_categorical": (6, 3),  # wraps a Categorical
    "minigrad.distributions.kl": (6, 4),
    "minigrad.distributions": (6, 5),
    # 7 -- the public surface
    "minigrad": (7, 0),
    "minigrad.__main__": (7, 1),  # python -m minigrad: the environment report, above the whole package
}

LOSS_FAMILIES = {
    f"minigrad.nn.functional.{name}" for name in ("classification", "regression", "probabilistic", "margin", "ctc")
}
FORBIDDEN_TOP_LEVEL = {"torch", "tests", "examples", "benchmarks"}  # the oracle and the code around the package
ALLOWED_FUNCTION_IMPORTS = {
    ("minigrad.datasets", "sklearn"),  # optional dependencies, imported on demand
    ("minigrad.safetensors_io", "safetensors"),
    ("minigrad.onnx.export", "onnx"),
    ("minigrad.distributed.collectives", "mpi4py"),
}


def module_name(path):
    """``minigrad/nn/functional/ctc.py`` -> ``minigrad.nn.functional.ctc``; a package's ``__init__`` -> the package."""
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted):
    """Whether ``dotted`` names a module or package of minigrad (a .py, a package, or a compiled kernel)."""
    path = PACKAGE_ROOT.parent.joinpath(*dotted.split("."))
    return (
        path.with_suffix(".py").is_file()
        or (path / "__init__.py").is_file()
        or path.with_suffix(".pyx").is_file()
        or any(path.parent.glob(path.name + ".*.so"))
    )


def place(dotted):
    """The ``(floor, step)`` of a module: an exact entry, else the longest matching pattern; None if unlisted."""
    if dotted in LAYERS:
        return LAYERS[dotted]
    patterns = [p for p in LAYERS if "*" in p and fnmatch.fnmatchcase(dotted, p)]
    return LAYERS[max(patterns, key=len)] if patterns else None


class Import(NamedTuple):
    """One module an import statement loads."""

    line: int
    text: str  # the statement as written
    target: str  # the absolute name of the module it loads
    in_function: bool  # whether it runs inside a function


def _resolve(node, importer, package):
    """The absolute modules an import statement loads (``from .x import a`` loads ``x.a`` if that is a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        base = node.module
    else:
        anchor = importer.split(".") if package else importer.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join(anchor + ([node.module] if node.module else []))
    targets = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        targets.append(submodule if base.split(".")[0] == "minigrad" and is_module(submodule) else base)
    return targets


@functools.lru_cache(maxsize=None)
def imports_of(path):
    """Every import in the file at ``path``, in order."""
    source = path.read_text()
    tree = ast.parse(source, filename=str(path))
    importer, package = module_name(path), path.name == "__init__.py"
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                text = ast.get_source_segment(source, child)
                for target in dict.fromkeys(_resolve(child, importer, package)):
                    found.append(Import(child.lineno, " ".join(text.split()), target, in_function))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return found


SOURCES = sorted(PACKAGE_ROOT.rglob("*.py"))


def where(path, imp):
    return f"{path.relative_to(PACKAGE_ROOT.parent)}:{imp.line}: {imp.text}"


def test_the_package_is_found():
    assert len(SOURCES) > 30, f"expected the package's sources under {PACKAGE_ROOT}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE_ROOT.parent)))
def test_imports_follow_the_layer_table(path):
    importer = module_name(path)
    own = place(importer)
    assert own is not None, (
        f"{importer} ({path.relative_to(PACKAGE_ROOT.parent)}) has no layer: add it to the "
        f"layer table (LAYERS in tests/test_layers.py)"
    )
    problems = []
    for imp in imports_of(path):
        if imp.target.split(".")[0] != "minigrad":
            continue
        theirs = place(imp.target)
        if theirs is None:
            problems.append(
                f"{where(path, imp)}\n    imports {imp.target}, which has no layer: add it to the layer "
                f"table (LAYERS in tests/test_layers.py)"
            )
        elif not theirs < own:
            problems.append(
                f"{where(path, imp)}\n    {importer} {own} may not import {imp.target} {theirs}: "
                f"only modules placed strictly lower (floor, step)"
            )
    assert not problems, "imports against the layer table (design/core-v2.md 3.1):\n" + "\n".join(problems)


def test_no_imports_inside_functions():
    problems = [
        where(path, imp)
        for path in SOURCES
        for imp in imports_of(path)
        if imp.in_function and (module_name(path), imp.target.split(".")[0]) not in ALLOWED_FUNCTION_IMPORTS
    ]
    assert not problems, (
        "imports inside functions (design/core-v2.md 4.2); move them to the top of the module:\n" + "\n".join(problems)
    )


def test_loss_families_do_not_import_each_other():
    problems = [
        f"{where(path, imp)}\n    imports the sibling family {imp.target}"
        for path in SOURCES
        if module_name(path) in LOSS_FAMILIES
        for imp in imports_of(path)
        if any(imp.target == family or imp.target.startswith(family + ".") for family in LOSS_FAMILIES)
    ]
    assert not problems, "loss families import each other (shared code belongs in _fused.py or ops/):\n" + "\n".join(
        problems
    )


def test_package_imports_no_oracle_tests_or_scripts():
    problems = [
        where(path, imp)
        for path in SOURCES
        for imp in imports_of(path)
        if imp.target.split(".")[0] in FORBIDDEN_TOP_LEVEL
    ]
    assert not problems, "the package imports torch, tests, examples or benchmarks:\n" + "\n".join(problems)


def test_layer_table_is_well_formed():
    """Each entry is a (floor, step) of small ints, and the floors are those of 3.1 (1 to 7)."""
    for pattern, (floor, step) in LAYERS.items():
        assert pattern == "minigrad" or pattern.startswith("minigrad."), pattern
        assert 1 <= floor <= 7 and step >= 0, pattern
