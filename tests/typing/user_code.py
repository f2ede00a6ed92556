"""Torch-style user code that must type-check against minigrad (``mypy`` runs on this file with the package's
configuration: tools/lint.sh). It is also run by tests/test_typing.py, so it stays working code.

A type checker should accept everything here without a single ``# type: ignore``; if an annotation in minigrad
makes this file fail, the annotation is wrong for torch-style code.
"""

from typing import Dict, List, Tuple

import numpy as np

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import Tensor
from minigrad.optim import SGD, Adam
from minigrad.optim.lr_scheduler import StepLR
from minigrad.utils.data import DataLoader, TensorDataset


class Classifier(nn.Module):
    def __init__(self, features: int, hidden: int, classes: int) -> None:
        super().__init__()
        self.hidden = nn.Linear(features, hidden)
        self.out = nn.Linear(hidden, classes)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x: Tensor) -> Tensor:
        return self.out(self.dropout(F.relu(self.hidden(x))))


def make_data(rows: int) -> Tuple[Tensor, Tensor]:
    x = minigrad.randn(rows, 4)
    y = (x[:, 0] > 0).long()
    return x, y


def train(epochs: int = 2) -> List[float]:
    minigrad.manual_seed(0)
    x, y = make_data(64)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    model = Classifier(4, 8, 2)
    optimizer = Adam(model.parameters(), lr=1e-2)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    losses: List[float] = []
    for _ in range(epochs):
        model.train()
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    return losses


def evaluate(model: nn.Module, x: Tensor, y: Tensor) -> float:
    model.eval()
    with minigrad.no_grad():
        logits: Tensor = model(x)
        accuracy = (logits.argmax(1) == y).float().mean()
    return float(accuracy.item())


def tensor_basics() -> Dict[str, object]:
    a = minigrad.zeros(2, 3, requires_grad=True)
    b = minigrad.ones((2, 3)) * 2.0 + 1
    c = (a * b - b / 2).sum()
    c.backward()
    grad = a.grad
    shape: Tuple[int, ...] = b.shape
    array: np.ndarray = b.detach().numpy()
    d = minigrad.tensor([1.0, 2.0]) @ minigrad.tensor([3.0, 4.0])
    e = minigrad.arange(6).reshape(2, 3).float().mean(dim=0)
    loss = F.mse_loss(minigrad.randn(3), minigrad.zeros(3))
    sgd = SGD([minigrad.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    sgd.zero_grad()
    return {
        "grad": grad,
        "shape": shape,
        "array": array,
        "d": d,
        "e": e,
        "loss": loss,
        "ndim": b.ndim,
        "dtype": b.dtype,
    }


if __name__ == "__main__":
    print(train()[-1], tensor_basics()["shape"])
