"""Train the digits MLP data-parallel on several processes with DistributedDataParallel over MPI.

    python -m minigrad.distributed.run --nproc-per-node 2 examples/ddp_digits.py

Every rank holds the whole model and trains on its own share of each batch (DistributedSampler); after each
backward, DistributedDataParallel averages the gradients across ranks, so all ranks take the same step, the step a
single process would take on the combined batch. Rank 0 prints the metrics and saves the checkpoint. The code is
what you would write with torch.distributed, with ``minigrad`` in place of ``torch`` and backend "mpi".
"""

import argparse
import os

import minigrad
import minigrad.distributed as dist
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.datasets import load_digits
from minigrad.nn.parallel import DistributedDataParallel as DDP
from minigrad.utils.data import DataLoader, TensorDataset, random_split
from minigrad.utils.data.distributed import DistributedSampler

DEFAULT_OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32, help="the combined batch, split across the ranks")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default=DEFAULT_OUT_DIR)
    return parser.parse_args()


@minigrad.no_grad()
def accuracy(model, x, y):
    model.eval()
    return (model(x).argmax(1) == y).float().mean().item()


def main():
    args = parse_args()
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    minigrad.manual_seed(args.seed)  # the same split and initial weights on every rank
    features, labels = load_digits()
    data = TensorDataset(minigrad.tensor(features), minigrad.tensor(labels))
    train, test = random_split(data, [0.8, 0.2], generator=minigrad.Generator().manual_seed(args.seed))
    sampler = DistributedSampler(train, num_replicas=world, rank=rank, shuffle=True, seed=args.seed)
    loader = DataLoader(train, batch_size=args.batch_size // world, sampler=sampler)
    model = DDP(nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)))
    optimizer = minigrad.optim.Adam(model.parameters(), lr=args.lr)
    test_x, test_y = (minigrad.stack([test[i][k] for i in range(len(test))]) for k in (0, 1))
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        if rank == 0 and (epoch % 5 == 0 or epoch == args.epochs):
            print(f"epoch {epoch:3d}  test accuracy {accuracy(model.module, test_x, test_y):.4f}", flush=True)
    if rank == 0:
        os.makedirs(args.out_dir, exist_ok=True)
        minigrad.save(model.module.state_dict(), os.path.join(args.out_dir, "ddp_digits.npz"))
        print(f"trained on {world} ranks")
        print(f"final test accuracy: {accuracy(model.module, test_x, test_y):.4f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
