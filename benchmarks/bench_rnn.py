"""Recurrent layers, one training step (float32) in minigrad and in torch, same process.

    python benchmarks/bench_rnn.py [--repeats 20] [--json out.json]

Workloads (issue 15's speed targets, ratio minigrad/torch):

* word language model: Embedding(10000, 200) → 2-layer LSTM(200, 200) → Linear(200, 10000), sequence 35, batch 20,
  cross-entropy, backward and one SGD step (target ≤ 1.0);
* GRU(64, 128, batch_first=True), sequence 50, batch 32, a sum of the outputs as the loss, backward and one Adam
  step (target ≤ 1.0).

Both libraries start from the same weights (copied through the state dicts). The two are timed in alternating
rounds (the machines are shared); the figures are medians.
"""

import numpy as np

import minigrad
from _timing import compare, run_benchmark


def _word_lm(library, tokens, targets, state=None):
    nn = library.nn

    class WordLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(10000, 200)
            self.rnn = nn.LSTM(200, 200, num_layers=2)
            self.decoder = nn.Linear(200, 10000)

        def forward(self, x):
            output, _ = self.rnn(self.encoder(x))
            return self.decoder(output)

    model = WordLM()
    if state is not None:
        model.load_state_dict({k: library.tensor(v) for k, v in state.items()})
    optimizer = library.optim.SGD(model.parameters(), lr=0.1)
    tokens, targets = library.tensor(tokens), library.tensor(targets)

    def step():
        optimizer.zero_grad()
        logits = model(tokens)
        nn.functional.cross_entropy(logits.reshape(-1, 10000), targets.reshape(-1)).backward()
        optimizer.step()

    return model, step


def _gru(library, x, state=None):
    model = library.nn.GRU(64, 128, batch_first=True)
    if state is not None:
        model.load_state_dict({k: library.tensor(v) for k, v in state.items()})
    optimizer = library.optim.Adam(model.parameters(), lr=1e-3)
    x = library.tensor(x)

    def step():
        optimizer.zero_grad()
        output, _ = model(x)
        output.sum().backward()
        optimizer.step()

    return model, step


def _state(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def measure(torch, repeats):
    """Table rows (name, minigrad s, torch s, target)."""
    rng = np.random.default_rng(0)
    tokens, targets = rng.integers(0, 10000, (35, 20)), rng.integers(0, 10000, (35, 20))
    sequences = rng.standard_normal((32, 50, 64)).astype(np.float32)
    rows = []
    ours_lm, ours_lm_step = _word_lm(minigrad, tokens, targets)
    theirs_lm_step = _word_lm(torch, tokens, targets, _state(ours_lm))[1] if torch else None
    rows.append(("word LM LSTM 2x200 seq35 batch20 SGD step", *compare(ours_lm_step, theirs_lm_step, repeats), 1.0))
    ours_gru, ours_gru_step = _gru(minigrad, sequences)
    theirs_gru_step = _gru(torch, sequences, _state(ours_gru))[1] if torch else None
    rows.append(("GRU 64->128 seq50 batch32 Adam step", *compare(ours_gru_step, theirs_gru_step, repeats), 1.0))
    return rows, None


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0], repeats=20)
