"""ONNX export: the exported graph passes onnx.checker and onnxruntime reproduces minigrad's outputs."""

import io

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")


class Everything(nn.Module):
    """A little of every exportable op family: linear layers, activations, shapes, reductions, indexing."""

    def __init__(self):
        super().__init__()
        self.first, self.second = nn.Linear(6, 8), nn.Linear(8, 4)

    def forward(self, x):
        h = F.leaky_relu(self.first(x), 0.2).tanh() + self.first(x).sigmoid() * 0.5
        h = h.exp().log1p().sqrt().clamp(0.1, 3.0) - h.abs() / 4
        h = self.second(h).reshape(x.shape[0], 2, 2).permute(0, 2, 1).reshape(x.shape[0], 4)
        h = minigrad.cat([h, h[:, 1:3] ** 2, h.amax(1, keepdim=True)], dim=1)
        return F.log_softmax(h, dim=1) + h.sum(1, keepdim=True) * 0.01, h.softmax(dim=-1)[:, ::-1]


def _run(model, x, **kwargs):
    buffer = io.BytesIO()
    minigrad.onnx.export(model, (x,), buffer, input_names=["x"], output_names=["a", "b"], **kwargs)
    session = onnxruntime.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x.numpy()})


def test_exported_model_matches_minigrad_in_onnxruntime():
    minigrad.manual_seed(0)
    model, x = Everything(), minigrad.randn(5, 6)
    expected = [t.detach().numpy() for t in model(x)]
    for got, want in zip(_run(model, x), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_dynamic_batch_axis_and_eval_mode():
    minigrad.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Dropout(0.5), nn.Linear(5, 2), nn.Flatten())
    buffer = io.BytesIO()
    proto = minigrad.onnx.export(
        model,
        minigrad.randn(4, 3),
        buffer,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "batch"}, "y": [0]},
    )
    assert model.training  # restored after the export
    assert {i.name for i in proto.graph.initializer} >= {"0.weight", "0.bias", "3.weight", "3.bias"}
    session = onnxruntime.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    model.eval()
    other = minigrad.randn(9, 3)  # another batch size than the traced one
    np.testing.assert_allclose(
        session.run(None, {"x": other.numpy()})[0], model(other).detach().numpy(), rtol=1e-5, atol=1e-6
    )


class Reductions(nn.Module):
    """Running sums, products, logsumexp, a mean, gather, softplus and constant padding."""

    def forward(self, x):
        index = minigrad.tensor([[2, 0, 1, 1, 0, 2]] * x.shape[0])
        h = F.softplus(x, beta=2.0, threshold=1.0) + x.cumsum(1) - x.flip(1).cumsum(1).flip(1) * 0.5
        h = h + x.logsumexp(1, keepdim=True) + (x.abs() + 0.5).prod(1, keepdim=True) * 0.1 - x.mean(1, keepdim=True)
        return F.pad(h.gather(1, index), (1, 2), value=0.25)


def test_reductions_and_padding_match_minigrad():
    minigrad.manual_seed(2)
    model, x = Reductions(), minigrad.randn(3, 6)
    buffer = io.BytesIO()
    minigrad.onnx.export(model, x, buffer, input_names=["x"])
    session = onnxruntime.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    got = session.run(None, {"x": x.numpy()})[0]
    np.testing.assert_allclose(got, model(x).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_an_op_without_converter_is_named():
    class Sorts(nn.Module):
        def forward(self, x):
            return minigrad.atan2(x, x)

    with pytest.raises(NotImplementedError, match="no converter for Atan2"):
        minigrad.onnx.export(Sorts(), minigrad.randn(3), io.BytesIO())


def test_a_where_on_a_condition_computed_from_the_input_is_refused():
    class Branches(nn.Module):
        def forward(self, x):
            return minigrad.where(x > 0, x, x * 0.1)

    class ConstantMask(nn.Module):
        def forward(self, x):
            return minigrad.where(minigrad.tensor([True, False, True]), x, x * 0.1).masked_fill(
                minigrad.tensor([False, True, False]), 2.0
            )

    minigrad.manual_seed(0)
    with pytest.raises(NotImplementedError, match="computed from the inputs outside the graph"):
        minigrad.onnx.export(Branches(), minigrad.randn(2, 3), io.BytesIO())
    x = minigrad.randn(2, 3)
    got = _run(ConstantMask(), x)[0]
    np.testing.assert_allclose(got, ConstantMask()(x).numpy(), rtol=1e-6)


def test_a_mask_input_that_attention_turns_into_a_constant_is_refused():
    class Padded(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = nn.MultiheadAttention(4, 2, batch_first=True)

        def forward(self, x, padding):
            return self.attention(x, x, x, key_padding_mask=padding, need_weights=False)[0]

    padding = minigrad.tensor([[False, False, True], [False, True, True]])
    with pytest.raises(NotImplementedError, match="ScaledDotProductAttention: a value it reads is computed"):
        minigrad.onnx.export(Padded(), (minigrad.randn(2, 3, 4), padding), io.BytesIO())
