"""ONNX export of variable-length inputs: packed sequences through RNN/LSTM/GRU (ONNX's ``sequence_lens``) and
embedding bags over a 1-D input with offsets. onnxruntime reproduces minigrad on the traced inputs and on others
with another batch size, sequence length, lengths and bag count than the traced ones."""

import io

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")


def _session(model, args, dynamic_axes):
    names = [f"x{i}" for i in range(len(args))]
    buffer = io.BytesIO()
    minigrad.onnx.export(model, tuple(args), buffer, input_names=names, dynamic_axes=dynamic_axes)
    session = onnxruntime.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    return lambda *inputs: session.run(None, {n: t.numpy() for n, t in zip(names, inputs)})


def _flatten(value):
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _flatten(item)]
    return [value]


def _assert_matches(run, model, args):
    got, want = run(*args), _flatten(model(*args))
    assert len(got) == len(want)
    for value, expected in zip(got, want):
        np.testing.assert_allclose(value, expected.detach().numpy(), rtol=1e-4, atol=1e-5)


class Packed(nn.Module):
    """pack_padded_sequence -> a recurrent layer -> pad_packed_sequence, the usual variable-length pipeline."""

    def __init__(self, layer, batch_first, enforce_sorted=False, with_state=False, **padding):
        super().__init__()
        self.layer, self.batch_first, self.enforce_sorted, self.padding = layer, batch_first, enforce_sorted, padding
        self.with_state = with_state

    def forward(self, x, lengths, h0=None):
        packed = pack_padded_sequence(x, lengths, batch_first=self.batch_first, enforce_sorted=self.enforce_sorted)
        state = (h0, h0 * 0.5) if h0 is not None and isinstance(self.layer, nn.LSTM) else h0
        output, final = self.layer(packed, state)
        padded, _ = pad_packed_sequence(output, batch_first=self.batch_first, **self.padding)
        return padded, final


CASES = {
    "lstm_batch_first": (lambda: nn.LSTM(3, 4, batch_first=True), {}),
    "gru": (lambda: nn.GRU(3, 4), {}),
    "rnn_sorted": (lambda: nn.RNN(3, 4, batch_first=True), {"enforce_sorted": True}),
    "lstm_two_layers_bidirectional": (lambda: nn.LSTM(3, 4, num_layers=2, bidirectional=True), {}),
    "gru_bidirectional_padding_value": (
        lambda: nn.GRU(3, 4, bidirectional=True, batch_first=True),
        {"padding_value": -1.0},
    ),
    "rnn_relu_total_length": (lambda: nn.RNN(3, 4, num_layers=2, nonlinearity="relu"), {"total_length": 9}),
    "lstm_initial_state": (lambda: nn.LSTM(3, 4, num_layers=2, batch_first=True), {"with_state": True}),
    "gru_bidirectional_initial_state": (lambda: nn.GRU(3, 4, bidirectional=True), {"with_state": True}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_packed_sequences_run_through_onnx_recurrent_ops_with_sequence_lens(name):
    factory, options = CASES[name]
    minigrad.manual_seed(0)
    layer = factory()
    model = Packed(layer, layer.batch_first, **options)
    layers = layer.num_layers * (2 if layer.bidirectional else 1)

    def inputs(batch, steps, lengths):
        x = minigrad.randn(batch, steps, 3) if layer.batch_first else minigrad.randn(steps, batch, 3)
        state = [minigrad.randn(layers, batch, 4)] if options.get("with_state") else []
        return [x, minigrad.tensor(lengths)] + state

    sorted_lengths = options.get("enforce_sorted", False)
    dynamic = {"x0": {0: "batch", 1: "time"} if layer.batch_first else {0: "time", 1: "batch"}, "x1": {0: "batch"}}
    dynamic["x2"] = {1: "batch"}
    dynamic["output_0"] = {1 if layer.batch_first else 0: "steps"}  # the longest length, a value of x1
    traced = inputs(3, 6, [6, 4, 2] if sorted_lengths else [2, 6, 3])
    run = _session(model, traced, dynamic)
    _assert_matches(run, model, traced)
    _assert_matches(run, model, inputs(4, 7, [7, 5, 5, 1] if sorted_lengths else [3, 1, 5, 4]))


def test_packed_sequence_lengths_are_the_recurrent_nodes_sequence_lens():
    minigrad.manual_seed(0)
    model = Packed(nn.LSTM(3, 4, num_layers=2), batch_first=False)
    buffer = io.BytesIO()
    proto = minigrad.onnx.export(model, (minigrad.randn(5, 2, 3), minigrad.tensor([5, 3])), buffer)
    lstms = [node for node in proto.graph.node if node.op_type == "LSTM"]
    assert len(lstms) == 2 and all(node.input[4] for node in lstms)  # sequence_lens given, not ""
    assert not [node for node in proto.graph.node if node.op_type in ("Gather", "GatherElements")]


class PackedData(nn.Module):
    """Reads a packed sequence's data directly: minigrad's packed layout is not the graph's."""

    def forward(self, x, lengths):
        return pack_padded_sequence(x, lengths, enforce_sorted=False).data.sum()


def test_another_op_on_a_packed_sequence_is_refused():
    with pytest.raises(NotImplementedError, match="packed sequence"):
        minigrad.onnx.export(PackedData(), (minigrad.randn(4, 2, 3), minigrad.tensor([2, 4])), io.BytesIO())


class Bags(nn.Module):
    def __init__(self, **kwargs):
        super().__init__()
        self.bags = nn.EmbeddingBag(10, 4, **kwargs)

    def forward(self, indices, offsets, weights=None):
        return self.bags(indices, offsets, per_sample_weights=weights)


BAG_CASES = {
    "mean": {},
    "sum": {"mode": "sum"},
    "max": {"mode": "max"},
    "mean_padding": {"padding_idx": 0},
    "max_padding": {"mode": "max", "padding_idx": 0},
    "mean_include_last_offset": {"include_last_offset": True},
    "sum_weights_padding_include_last_offset": {"mode": "sum", "include_last_offset": True, "padding_idx": 2},
}


@pytest.mark.parametrize("name", sorted(BAG_CASES))
def test_embedding_bag_with_offsets_and_empty_bags(name):
    kwargs = BAG_CASES[name]
    minigrad.manual_seed(0)
    model = Bags(**kwargs)
    weighted = "weights" in name

    def inputs(indices, offsets):
        weights = [minigrad.rand(len(indices))] if weighted else []
        return [minigrad.tensor(indices), minigrad.tensor(offsets)] + weights

    traced = inputs([1, 2, 0, 4, 5, 0], [0, 2, 2, 5])
    run = _session(model, traced, {"x0": [0], "x1": [0], "x2": [0]})
    _assert_matches(run, model, traced)
    other = inputs([3, 0, 9, 9, 1, 2, 2, 7, 0], [0, 0, 4, 9, 9])  # empty bags first and last, one more bag
    assert np.all(model(*other).detach().numpy()[0] == 0)
    _assert_matches(run, model, other)


def test_embedding_bag_max_norm_is_refused():
    model = Bags(max_norm=1.0)
    with pytest.raises(NotImplementedError, match="max_norm"):
        minigrad.onnx.export(model, (minigrad.tensor([1, 2, 3, 4]), minigrad.tensor([0, 2])), io.BytesIO())
