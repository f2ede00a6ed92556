"""pytest configuration for the doctests in minigrad/: the names docstring examples take for granted."""

import numpy as np
import pytest

# their examples need two MPI ranks: tests/test_distributed.py runs them under mpiexec (distributed_worker.doctests)
collect_ignore = ["minigrad/distributed/collectives.py", "minigrad/distributed/ddp.py"]


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    import minigrad
    import minigrad.nn as nn
    import minigrad.nn.functional as F

    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.1)
    doctest_namespace.update(
        np=np,
        minigrad=minigrad,
        nn=nn,
        F=F,
        Linear=nn.Linear,
        model=model,
        optimizer=optimizer,
        SGD=minigrad.optim.SGD,
        Adam=minigrad.optim.Adam,
        train_one_epoch=lambda: optimizer.step(),
        loss_fn=F.cross_entropy,
        x=minigrad.randn(3, 4),
        y=minigrad.tensor([0, 1, 1]),
    )
