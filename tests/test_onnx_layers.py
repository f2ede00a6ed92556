"""ONNX export of the layers: each exported model passes onnx.checker (``export`` runs it) and onnxruntime
reproduces minigrad's outputs, on another batch size than the traced one (a dynamic batch axis)."""

import io

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")


class Attention(nn.Module):
    """Self-attention through MultiheadAttention, returning the output and the averaged weights."""

    def __init__(self, **kwargs):
        super().__init__()
        self.attention = nn.MultiheadAttention(8, 2, batch_first=True, **kwargs)

    def forward(self, x):
        return self.attention(x, x, x)


class Scaled(nn.Module):
    """scaled_dot_product_attention on projections of one input, causal."""

    def __init__(self):
        super().__init__()
        self.project = nn.Linear(6, 18)

    def forward(self, x):
        q, k, v = self.project(x).reshape(x.shape[0], x.shape[1], 3, 6).permute(0, 2, 1, 3).chunk(3, 1)
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


class MaskedAttention(nn.Module):
    """scaled_dot_product_attention with a constant mask (bool: True allowed; float: added) whose first query
    sees no key (minigrad gives that row 0), and with queries and keys/values of other lengths and head counts:
    the keys and values attend a learned memory of 5 positions; ``gqa`` shares each key/value head between two
    query heads."""

    def __init__(self, mask=None, causal=False, gqa=False):
        super().__init__()
        self.project = nn.Linear(6, 12)
        self.memory = nn.Parameter(minigrad.randn(5, 6 if gqa else 12))
        self.causal, self.gqa = causal, gqa
        self.mask = None
        if mask == "bool":
            self.mask = minigrad.rand(4, 5) > 0.3
            self.mask[0] = False
        elif mask == "float":
            self.mask = minigrad.randn(1, 4, 5)
            self.mask[:, 0] = float("-inf")

    def forward(self, x):
        q = self.project(x).reshape(x.shape[0], 4, 4, 3).permute(0, 2, 1, 3)
        kv = self.memory.reshape(5, -1, 3).permute(1, 0, 2)
        return F.scaled_dot_product_attention(
            q, kv, kv * 2, attn_mask=self.mask, is_causal=self.causal, enable_gqa=self.gqa
        )


class MaskedMultihead(Attention):
    """MultiheadAttention without its weights (the blockwise node), a bool mask blocking some positions."""

    def forward(self, x):
        mask = minigrad.tensor(np.triu(np.ones((5, 5), bool), 1))
        return self.attention(x, x, x, attn_mask=mask, need_weights=False)[0]


class SelfAttention(Attention):
    """MultiheadAttention as plain self-attention without its weights (the packed node), causal or not."""

    def __init__(self, causal=False):
        super().__init__()
        self.causal = causal

    def forward(self, x):
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1]) if self.causal else None
        return self.attention(x, x, x, attn_mask=mask, need_weights=False, is_causal=self.causal)[0]


class PoolUnpool(nn.Module):
    """max_pool with its indices, then max_unpool back (to a given output size when ``output_size``)."""

    def __init__(self, spatial, kernel, stride=None, padding=0, output_size=None):
        super().__init__()
        pool, unpool = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d), (nn.MaxUnpool1d, nn.MaxUnpool2d, nn.MaxUnpool3d)
        self.pool = pool[spatial - 1](kernel, stride, padding, return_indices=True)
        self.unpool = unpool[spatial - 1](kernel, stride, padding)
        self.output_size = output_size

    def forward(self, x):
        values, indices = self.pool(x)
        return self.unpool(values, indices, output_size=self.output_size), indices


class Spread(nn.Module):
    """An activation on ``4·x``, so that standard normal inputs reach every branch (hardswish's ±3...)."""

    def __init__(self, activation):
        super().__init__()
        self.activation = activation

    def forward(self, x):
        return self.activation(x * 4)


class Interpolate(nn.Module):
    def __init__(self, **kwargs):
        super().__init__()
        self.kwargs = kwargs

    def forward(self, x):
        return F.interpolate(x, **self.kwargs)


INTERPOLATIONS = {  # name: (arguments, input shape without the batch)
    "nearest_scale": (dict(scale_factor=2), (2, 3, 4)),
    "nearest_size_up_and_down": (dict(size=(5, 3)), (2, 3, 4)),
    "nearest_fractional_scale": (dict(scale_factor=(1.7, 0.6)), (2, 5, 7)),
    "nearest_1d": (dict(scale_factor=3, mode="nearest"), (2, 4)),
    "nearest_3d_size": (dict(size=(3, 5, 2)), (2, 2, 3, 4)),
    "nearest_exact_down": (dict(size=(3, 5), mode="nearest-exact"), (2, 7, 9)),
    "nearest_exact_scale": (dict(scale_factor=1.6, mode="nearest-exact"), (2, 5, 4)),
    "linear": (dict(scale_factor=2.5, mode="linear"), (2, 5)),
    "bilinear_scale": (dict(scale_factor=1.5, mode="bilinear"), (2, 5, 4)),
    "bilinear_down": (dict(size=(2, 3), mode="bilinear"), (2, 5, 7)),
    "bilinear_align_corners": (dict(size=(7, 5), mode="bilinear", align_corners=True), (2, 4, 3)),
    "bilinear_recomputed_scale": (
        dict(scale_factor=1.7, mode="bilinear", recompute_scale_factor=True),
        (2, 5, 4),
    ),
    "bicubic_scale": (dict(scale_factor=1.5, mode="bicubic"), (2, 5, 4)),
    "bicubic_align_corners_down": (dict(size=(3, 4), mode="bicubic", align_corners=True), (2, 6, 7)),
    "trilinear": (dict(scale_factor=(2, 1.5, 0.5), mode="trilinear"), (2, 3, 4, 6)),
    "area": (dict(size=(2, 3), mode="area"), (2, 4, 9)),
}


class AffineSample(nn.Module):
    """A spatial transformer: grid_sample at the points of an affine_grid whose map is computed from the input."""

    def __init__(self, spatial, **kwargs):
        super().__init__()
        self.locate = nn.Linear(3, spatial * (spatial + 1))
        with minigrad.no_grad():
            self.locate.weight.mul_(0.3)
            self.locate.bias.add_(minigrad.tensor(np.eye(spatial, spatial + 1, dtype=np.float32).reshape(-1)))
        self.kwargs, self.spatial = kwargs, spatial

    def forward(self, x):
        theta = self.locate(x[:, :3].mean((2, 3))).reshape(-1, self.spatial, self.spatial + 1)
        grid = F.affine_grid(theta, x.shape, align_corners=self.kwargs.get("align_corners"))
        return F.grid_sample(x, grid, **self.kwargs)


ACTIVATIONS = {
    "elu": lambda: nn.ELU(0.7),
    "selu": nn.SELU,
    "celu": lambda: nn.CELU(1.3),
    "hardswish": nn.Hardswish,
    "hardsigmoid": nn.Hardsigmoid,
    "hardtanh": lambda: nn.Hardtanh(-2.0, 1.5),
    "relu6": nn.ReLU6,
    "threshold": lambda: nn.Threshold(0.5, -3.0),
    "softshrink": lambda: nn.Softshrink(1.5),
    "hardshrink": lambda: nn.Hardshrink(1.5),
    "prelu_channels": lambda: nn.PReLU(3),
    "prelu_one_slope": nn.PReLU,
    "rrelu_eval": nn.RReLU,
    "gelu_tanh": lambda: nn.GELU("tanh"),
}


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 4, 3)
        )
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(4, 3))

    def forward(self, x):
        return F.log_softmax(self.head(self.features(x)), dim=1)


class Lookup(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding, self.norm = nn.Embedding(10, 6, padding_idx=0), nn.LayerNorm(6)

    def forward(self, indices):
        return self.norm(self.embedding(indices)).softmax(-1)


class LSTMWithState(nn.Module):
    """An LSTM given an initial state (a second graph input), returning every output."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)

    def forward(self, x, h0):
        return self.lstm(x, (h0, h0 * 0.5))


# name: (model factory, input shapes (first: traced batch; batch axis), batch axis, integer input)
CASES = {
    "conv1d": (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), [(2, 3, 9)], 0),
    "conv2d_same_dilated_grouped": (
        lambda: nn.Conv2d(4, 6, 4, padding="same", dilation=2, groups=2),
        [(2, 4, 9, 8)],
        0,
    ),
    "conv2d_no_bias_strided": (lambda: nn.Conv2d(2, 3, (3, 2), stride=(2, 3), bias=False), [(2, 2, 8, 9)], 0),
    "conv3d": (lambda: nn.Conv3d(2, 3, 2, stride=2, padding=1), [(2, 2, 4, 5, 4)], 0),
    "conv_transpose1d": (lambda: nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1), [(2, 3, 7)], 0),
    "conv_transpose2d_grouped_dilated": (
        lambda: nn.ConvTranspose2d(
            4, 6, (3, 2), stride=(2, 3), padding=(2, 1), output_padding=(1, 2), groups=2, dilation=(2, 1)
        ),
        [(2, 4, 5, 4)],
        0,
    ),
    "conv_transpose2d_no_bias": (lambda: nn.ConvTranspose2d(2, 3, 2, bias=False), [(2, 2, 4, 3)], 0),
    "conv_transpose3d": (
        lambda: nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1, output_padding=1),
        [(2, 2, 3, 4, 3)],
        0,
    ),
    "max_pool1d": (lambda: nn.MaxPool1d(3, 2, padding=1), [(2, 3, 9)], 0),
    "max_pool2d_dilated": (lambda: nn.MaxPool2d(2, stride=1, dilation=2), [(2, 3, 6, 7)], 0),
    "avg_pool1d": (lambda: nn.AvgPool1d(3, 2, padding=1), [(2, 3, 9)], 0),
    "avg_pool2d_exclude_pad": (lambda: nn.AvgPool2d(3, 2, padding=1, count_include_pad=False), [(2, 3, 7, 6)], 0),
    "max_pool3d": (lambda: nn.MaxPool3d((2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0)), [(2, 3, 4, 6, 5)], 0),
    "max_pool3d_ceil_dilated": (
        lambda: nn.MaxPool3d(2, stride=2, dilation=(1, 2, 1), ceil_mode=True),
        [(2, 2, 5, 6, 5)],
        0,
    ),
    "avg_pool3d": (lambda: nn.AvgPool3d(3, 2, padding=1), [(2, 3, 5, 6, 5)], 0),
    "avg_pool3d_exclude_pad_ceil": (
        lambda: nn.AvgPool3d(2, 2, padding=1, ceil_mode=True, count_include_pad=False),
        [(2, 2, 5, 4, 5)],
        0,
    ),
    "adaptive_avg_pool3d": (lambda: nn.AdaptiveAvgPool3d((2, None, 3)), [(2, 3, 4, 5, 6)], 0),
    "adaptive_max_pool3d_global": (lambda: nn.AdaptiveMaxPool3d(1), [(2, 3, 3, 4, 5)], 0),
    "max_pool_indices_unpool1d": (lambda: PoolUnpool(1, 3, 2, padding=1), [(2, 3, 9)], 0),
    "max_pool_indices_unpool2d_output_size": (lambda: PoolUnpool(2, 2, output_size=(7, 5)), [(2, 3, 7, 5)], 0),
    "max_pool_indices_unpool3d": (lambda: PoolUnpool(3, 2, (2, 1, 2)), [(2, 2, 4, 3, 6)], 0),
    "lp_pool1d_p2": (lambda: nn.LPPool1d(2, 3, 2), [(2, 3, 9)], 0),
    "lp_pool2d_p1_5_ceil": (
        lambda: nn.Sequential(nn.ReLU(), nn.LPPool2d(1.5, (2, 3), ceil_mode=True)),
        [(2, 3, 5, 7)],
        0,
    ),
    "lp_pool2d_p3": (lambda: nn.Sequential(nn.Sigmoid(), nn.LPPool2d(3, 2)), [(2, 3, 4, 6)], 0),
    "lp_pool3d_inf": (lambda: nn.LPPool3d(float("inf"), 2, 1), [(2, 2, 3, 4, 3)], 0),
    "adaptive_avg_pool2d": (lambda: nn.AdaptiveAvgPool2d((2, 3)), [(2, 3, 4, 9)], 0),
    "adaptive_max_pool1d_global": (lambda: nn.AdaptiveMaxPool1d(1), [(2, 3, 5)], 0),
    "batch_norm1d": (lambda: _trained(nn.BatchNorm1d(5), (8, 5)), [(2, 5)], 0),
    "batch_norm2d": (lambda: _trained(nn.BatchNorm2d(3), (4, 3, 5, 5)), [(2, 3, 4, 4)], 0),
    "batch_norm_no_affine": (lambda: _trained(nn.BatchNorm1d(3, affine=False), (4, 3, 6)), [(2, 3, 6)], 0),
    "layer_norm": (lambda: nn.LayerNorm((3, 5)), [(2, 3, 5)], 0),
    "layer_norm_no_affine": (lambda: nn.LayerNorm(5, elementwise_affine=False), [(2, 3, 5)], 0),
    "instance_norm1d_affine": (lambda: nn.InstanceNorm1d(3, affine=True), [(2, 3, 7)], 0),
    "instance_norm2d": (lambda: nn.InstanceNorm2d(3), [(2, 3, 4, 5)], 0),
    "instance_norm3d_running_stats": (
        lambda: _trained(nn.InstanceNorm3d(2, affine=True, track_running_stats=True), (4, 2, 3, 4, 3)),
        [(2, 2, 3, 4, 3)],
        0,
    ),
    "rms_norm": (lambda: nn.RMSNorm(5), [(2, 3, 5)], 0),
    "rms_norm_two_dims_eps": (lambda: nn.RMSNorm((3, 5), eps=1e-3, elementwise_affine=False), [(2, 3, 5)], 0),
    "local_response_norm": (lambda: nn.LocalResponseNorm(3, alpha=0.1, beta=0.6, k=2.0), [(2, 5, 4, 3)], 0),
    "batch_norm3d": (lambda: _trained(nn.BatchNorm3d(3), (4, 3, 2, 3, 3)), [(2, 3, 2, 3, 3)], 0),
    "pixel_and_channel_shuffle": (
        lambda: nn.Sequential(nn.PixelShuffle(2), nn.ChannelShuffle(2), nn.PixelUnshuffle(2)),
        [(2, 8, 3, 3)],
        0,
    ),
    "reflection_replication_circular_pads": (
        lambda: nn.Sequential(nn.ReflectionPad2d((1, 2, 0, 1)), nn.ReplicationPad2d(1), nn.CircularPad2d((2, 0, 1, 1))),
        [(2, 2, 4, 4)],
        0,
    ),
    "group_norm": (lambda: nn.GroupNorm(2, 4), [(2, 4, 3, 3)], 0),
    "softmax_dropout": (
        lambda: nn.Sequential(nn.Dropout(0.5), nn.Softmax(dim=1), nn.LogSoftmax(dim=-1)),
        [(2, 4, 3)],
        0,
    ),
    "small_cnn": (SmallCNN, [(2, 3, 8, 8)], 0),
    "embedding_layer_norm": (Lookup, [(2, 5)], 0),
    "embedding_bag_mean": (lambda: nn.EmbeddingBag(10, 4), [(2, 5)], 0),
    "embedding_bag_sum_padding": (lambda: nn.EmbeddingBag(10, 4, mode="sum", padding_idx=3), [(2, 5)], 0),
    "embedding_bag_mean_padding": (lambda: nn.EmbeddingBag(10, 4, padding_idx=0), [(2, 5)], 0),
    "embedding_bag_max": (lambda: nn.EmbeddingBag(10, 4, mode="max"), [(2, 5)], 0),
    "embedding_bag_max_padding": (lambda: nn.EmbeddingBag(10, 4, mode="max", padding_idx=2), [(2, 5)], 0),
    "lstm_bidirectional_two_layers": (
        lambda: nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True),
        [(2, 5, 3)],
        0,
    ),
    "lstm_with_state": (LSTMWithState, [(2, 5, 3), (2, 2, 4)], (0, 1)),
    "gru": (lambda: nn.GRU(3, 4, num_layers=2), [(5, 2, 3)], 1),
    "gru_bidirectional_no_bias": (lambda: nn.GRU(3, 4, bias=False, bidirectional=True), [(5, 2, 3)], 1),
    "rnn_relu": (lambda: nn.RNN(3, 4, nonlinearity="relu", batch_first=True), [(2, 5, 3)], 0),
    "multihead_attention": (Attention, [(2, 5, 8)], 0),
    "scaled_dot_product_attention": (Scaled, [(2, 4, 6)], 0),
    "sdpa_bool_mask_a_row_fully_masked": (lambda: MaskedAttention("bool"), [(2, 4, 6)], 0),
    "sdpa_float_mask_a_row_fully_masked": (lambda: MaskedAttention("float"), [(2, 4, 6)], 0),
    "sdpa_causal_longer_keys": (lambda: MaskedAttention(causal=True), [(2, 4, 6)], 0),
    "sdpa_grouped_query": (lambda: MaskedAttention(gqa=True), [(2, 4, 6)], 0),
    "multihead_attention_masked_no_weights": (MaskedMultihead, [(2, 5, 8)], 0),
    "multihead_self_attention_packed": (SelfAttention, [(2, 5, 8)], 0),
    "multihead_self_attention_packed_causal": (lambda: SelfAttention(causal=True), [(2, 5, 8)], 0),
    "transformer_encoder_layer": (
        lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True),
        [(2, 5, 8)],
        0,
    ),
    "transformer_encoder_norm_first": (
        lambda: nn.TransformerEncoder(
            nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, norm_first=True, activation="gelu"), 2
        ),
        [(2, 5, 8)],
        0,
    ),
}


CASES.update(
    {
        f"interpolate_{name}": (lambda k=k: Interpolate(**k), [(2,) + shape], 0)
        for name, (k, shape) in INTERPOLATIONS.items()
    }
)
CASES["grid_sample_bilinear_zeros"] = (lambda: AffineSample(2), [(2, 3, 5, 6)], 0)
CASES["grid_sample_nearest_border_aligned"] = (
    lambda: AffineSample(2, mode="nearest", padding_mode="border", align_corners=True),
    [(2, 3, 5, 6)],
    0,
)
CASES["grid_sample_bicubic_reflection"] = (
    lambda: AffineSample(2, mode="bicubic", padding_mode="reflection"),
    [(2, 3, 5, 6)],
    0,
)
CASES["upsample_module_bilinear"] = (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), [(2, 3, 3, 4)], 0)
CASES.update({f"activation_{name}": (lambda f=f: Spread(f()), [(2, 3, 5)], 0) for name, f in ACTIVATIONS.items()})


def _trained(module, shape):
    """A batch norm whose running statistics moved away from 0 and 1."""
    for _ in range(3):
        module(minigrad.randn(*shape) * 2 + 1)
    return module


def _inputs(name, shapes, batch_axes, batch):
    arrays = []
    for shape, axis in zip(shapes, batch_axes):
        shape = list(shape)
        shape[axis] = batch
        if name.startswith("embedding"):
            arrays.append(minigrad.randint(0, 10, tuple(shape)))
        else:
            arrays.append(minigrad.randn(*shape))
    return arrays


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_runs_in_onnxruntime_with_a_dynamic_batch(name):
    factory, shapes, batch_axes = CASES[name]
    batch_axes = (batch_axes,) * len(shapes) if isinstance(batch_axes, int) else batch_axes
    minigrad.manual_seed(0)
    model = factory()
    input_names = [f"x{i}" for i in range(len(shapes))]
    buffer = io.BytesIO()
    proto = minigrad.onnx.export(
        model,
        tuple(_inputs(name, shapes, batch_axes, 2)),
        buffer,
        input_names=input_names,
        dynamic_axes={n: {axis: "batch"} for n, axis in zip(input_names, batch_axes)},
    )
    onnx.checker.check_model(proto)
    session = onnxruntime.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    model.eval()
    inputs = _inputs(name, shapes, batch_axes, 3)
    got = session.run(None, {n: t.numpy() for n, t in zip(input_names, inputs)})
    expected = model(*inputs)
    expected = [t for t in _flatten(expected)]
    assert len(got) == len(expected)
    for value, want in zip(got, expected):
        np.testing.assert_allclose(value, want.detach().numpy(), rtol=1e-4, atol=1e-5)


def _flatten(value):
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _flatten(item)]
    return [value]


def test_recurrent_layers_are_onnx_recurrent_ops_and_take_any_sequence_length():
    minigrad.manual_seed(0)
    model = nn.LSTM(3, 4, batch_first=True)
    buffer = io.BytesIO()
    proto = minigrad.onnx.export(
        model, minigrad.randn(2, 5, 3), buffer, input_names=["x"], dynamic_axes={"x": {0: "batch", 1: "time"}}
    )
    assert [node.op_type for node in proto.graph.node].count("LSTM") == 1
    session = onnxruntime.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    x = minigrad.randn(3, 8, 3)
    for got, want in zip(session.run(None, {"x": x.numpy()}), _flatten(model(x))):
        np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "model, message",
    [
        (nn.AdaptiveAvgPool2d((3, 3)), "divisible"),
        (nn.AdaptiveMaxPool2d(2, return_indices=True), "return_indices"),
        (nn.AvgPool2d(2, divisor_override=3), "divisor_override"),
        (nn.LSTM(3, 4, proj_size=2), "proj_size"),
    ],
)
def test_what_onnx_cannot_express_is_refused_by_name(model, message):
    x = minigrad.randn(1, 3, 4, 4) if model.__class__.__name__ != "LSTM" else minigrad.randn(5, 1, 3)
    with pytest.raises(NotImplementedError, match=message):
        minigrad.onnx.export(model, x, io.BytesIO())


def test_layer_norm_needs_opset_17():
    with pytest.raises(NotImplementedError, match="opset_version >= 17"):
        minigrad.onnx.export(nn.LayerNorm(4), minigrad.randn(2, 4), io.BytesIO(), opset_version=16)


def test_unbatched_inputs_export():
    minigrad.manual_seed(0)
    for model, x in (
        (nn.Conv1d(2, 3, 3), minigrad.randn(2, 7)),
        (nn.ConvTranspose1d(2, 3, 3, stride=2), minigrad.randn(2, 7)),
        (nn.MaxPool2d(2), minigrad.randn(3, 4, 4)),
    ):
        buffer = io.BytesIO()
        minigrad.onnx.export(model, x, buffer, input_names=["x"])
        session = onnxruntime.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
        np.testing.assert_allclose(
            session.run(None, {"x": x.numpy()})[0], model(x).detach().numpy(), rtol=1e-5, atol=1e-6
        )


class AttentionWithMaskInput(nn.Module):
    """scaled_dot_product_attention with the additive mask a graph input (so its fully masked rows are found
    at run time)."""

    def forward(self, x, mask):
        return F.scaled_dot_product_attention(x, x, x * 0.5, attn_mask=mask)


def _session(model, args, dynamic_axes, opset_version=17):
    names = [f"x{i}" for i in range(len(args))]
    buffer = io.BytesIO()
    minigrad.onnx.export(
        model, tuple(args), buffer, input_names=names, dynamic_axes=dynamic_axes, opset_version=opset_version
    )
    session = onnxruntime.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    return lambda *inputs: session.run(None, {n: t.numpy() for n, t in zip(names, inputs)})


def test_attention_mask_as_a_graph_input_with_fully_masked_rows():
    minigrad.manual_seed(0)
    model = AttentionWithMaskInput()
    run = _session(model, [minigrad.randn(2, 4, 3), minigrad.randn(2, 4, 4)], {"x0": {0: "n"}, "x1": {0: "n"}})
    x, mask = minigrad.randn(3, 4, 3), minigrad.randn(3, 4, 4)
    mask[1, 2] = float("-inf")
    mask[2, 0, :3] = float("-inf")
    want = model(x, mask).numpy()
    assert np.all(want[1, 2] == 0)
    np.testing.assert_allclose(run(x, mask)[0], want, rtol=1e-4, atol=1e-5)


def test_causal_attention_over_a_dynamic_sequence_length():
    minigrad.manual_seed(0)
    model = Scaled()
    run = _session(model, [minigrad.randn(2, 4, 6)], {"x0": {0: "batch", 1: "time"}})
    x = minigrad.randn(3, 7, 6)
    np.testing.assert_allclose(run(x)[0], model(x).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_packed_causal_self_attention_over_a_dynamic_sequence_length():
    minigrad.manual_seed(0)
    model = SelfAttention(causal=True).eval()
    run = _session(model, [minigrad.randn(2, 4, 8)], {"x0": {0: "batch", 1: "time"}})
    x = minigrad.randn(3, 7, 8)
    np.testing.assert_allclose(run(x)[0], model(x).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_unbatched_max_pool_indices_and_unpool_export():
    minigrad.manual_seed(0)
    for model, x in ((PoolUnpool(2, 2), minigrad.randn(3, 4, 4)), (PoolUnpool(1, 3, 2), minigrad.randn(3, 8))):
        for got, want in zip(_session(model, [x], None)(x), model(x)):
            np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-5, atol=1e-6)


class VolumeSample(AffineSample):
    def forward(self, x):
        theta = self.locate(x[:, :3].mean((2, 3, 4))).reshape(-1, 3, 4)
        return F.grid_sample(x, F.affine_grid(theta, x.shape, align_corners=False), align_corners=False)


def test_volumetric_grid_sample_exports_from_opset_20():
    minigrad.manual_seed(0)
    model, x = VolumeSample(3), minigrad.randn(2, 3, 4, 5, 3)
    with pytest.raises(NotImplementedError, match="opset_version >= 20"):
        minigrad.onnx.export(model, x, io.BytesIO())
    run = _session(model, [x], {"x0": {0: "batch"}}, opset_version=20)
    x = minigrad.randn(3, 3, 4, 5, 3)
    np.testing.assert_allclose(run(x)[0], model(x).detach().numpy(), rtol=1e-4, atol=1e-5)


class WeightedBags(nn.Module):
    def __init__(self, **kwargs):
        super().__init__()
        self.bags = nn.EmbeddingBag(10, 4, **kwargs)

    def forward(self, indices, weights=None):
        return self.bags(indices, per_sample_weights=weights)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_with_an_empty_bag_and_sample_weights(mode):
    minigrad.manual_seed(0)
    model = WeightedBags(mode=mode, padding_idx=0)
    indices = minigrad.tensor([[0, 0, 0], [1, 0, 4], [5, 5, 9]])
    args = [indices] + ([minigrad.rand(3, 3)] if mode == "sum" else [])
    run = _session(model, args, {"x0": {0: "bags"}, "x1": {0: "bags"}})
    want = model(*args).detach().numpy()
    assert np.all(want[0] == 0)
    np.testing.assert_allclose(run(*args)[0], want, rtol=1e-5, atol=1e-6)
