"""DataLoader with worker processes, samplers and the dataset classes, against torch's behaviour.

Identical to torch (checked exactly): argument errors, SequentialSampler, BatchSampler, DistributedSampler without
shuffling, ConcatDataset/StackDataset/ChainDataset items, random_split lengths, default_collate/default_convert.
Not identical: anything random. torch draws from its own Mersenne Twister and minigrad from NumPy's PCG64, so a
RandomSampler, WeightedRandomSampler or shuffled DistributedSampler seeded alike gives other indices; for those the
tests check the properties both share (a permutation, uniform or weight-proportional frequencies, disjoint shards).

Worker tests use small datasets (starting processes is the slow part) and datasets defined at module level, so that
the "spawn" start method can pickle them.
"""

import collections
import gc
import itertools
import multiprocessing
import os
import time

import numpy as np
import pytest

import minigrad
from minigrad.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    DistributedSampler,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    StackDataset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    _multiprocess,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)


# --------------------------------------------------------------------------------------- module-level datasets
class Items(Dataset):
    """Item ``i`` is ``(float32 array [i, 2i], i)``: the generic, item-by-item path."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i, 2 * i], dtype=np.float32), i


class WhoLoads(Items):
    """Item ``i`` reports the loading process, the worker id, a draw from minigrad's and NumPy's generators, and
    what ``worker_init_fn`` left on the worker's copy of the dataset."""

    tag = None

    def __getitem__(self, i):
        info = get_worker_info()
        return {
            "index": i,
            "pid": os.getpid(),
            "worker": -1 if info is None else info.id,
            "seed": -1 if info is None else info.seed,
            "torch_like": minigrad.rand(1).item(),
            "numpy": float(np.random.random()),
            "tag": str(self.tag),
        }


class Failing(Items):
    def __getitem__(self, i):
        if i == 5:
            raise ValueError(f"item {i} is broken")
        return super().__getitem__(i)


class MissingKey(Items):
    def __getitem__(self, i):
        return {}["absent"]


class Sleepy(Items):
    def __getitem__(self, i):
        time.sleep(1.0)
        return i


class Dies(Items):
    def __getitem__(self, i):
        os._exit(3)


class Stream(IterableDataset):
    """``range(n)``, sharded across workers by ``get_worker_info`` when ``shard``."""

    def __init__(self, n, shard=True):
        self.n = n
        self.shard = shard

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


class EndlessUnknown(IterableDataset):
    """A stream of unknown length (no ``__len__``): 0..4 in each worker."""

    def __iter__(self):
        return iter(range(5))


def failing_init(worker_id):
    raise OSError(f"worker {worker_id} cannot open its file")


def tag_worker(worker_id):
    get_worker_info().dataset.tag = f"init{worker_id}"


def indices(batches):
    return [int(v) for b in batches for v in np.asarray(b[1] if isinstance(b, list) else b["index"])]


@pytest.fixture(autouse=True)
def no_children_left():
    """Every test must leave no worker process behind."""
    yield
    gc.collect()
    assert multiprocessing.active_children() == []


# ------------------------------------------------------------------------------------------ workers: results
@pytest.mark.parametrize(
    "dataset",
    [Items(23), TensorDataset(np.arange(46.0).reshape(23, 2), np.arange(23))],
    ids=["generic", "tensordataset"],
)
def test_workers_yield_exactly_the_batches_of_one_process(dataset):
    def epochs(num_workers, **kwargs):
        loader = DataLoader(
            dataset, batch_size=4, shuffle=True, num_workers=num_workers, generator=minigrad.Generator(5), **kwargs
        )
        return [[[t.numpy() for t in batch] for batch in loader] for _ in range(2)]

    alone = epochs(0)
    assert [len(epoch) for epoch in alone] == [6, 6]
    assert indices([b for b in alone[0]]) != indices([b for b in alone[1]])  # a new order every epoch
    for other in (epochs(2), epochs(3, prefetch_factor=1)):
        for epoch_a, epoch_b in zip(alone, other):
            assert len(epoch_a) == len(epoch_b)
            for batch_a, batch_b in zip(epoch_a, epoch_b):
                for a, b in zip(batch_a, batch_b):
                    assert a.dtype == b.dtype
                    np.testing.assert_array_equal(a, b)


def test_out_of_order_delivery_yields_every_batch_once():
    loader = DataLoader(Items(30), batch_size=3, num_workers=2, in_order=False)
    assert sorted(indices(list(loader))) == list(range(30))


def test_batch_size_none_and_custom_collate_with_workers():
    samples = list(DataLoader(Items(5), batch_size=None, num_workers=2))
    assert [s[1] for s in samples] == [0, 1, 2, 3, 4] and isinstance(samples[3][0], minigrad.Tensor)
    sizes = list(DataLoader(Items(7), batch_size=3, num_workers=2, collate_fn=len))
    assert sizes == [3, 3, 1]


def test_worker_info_seeds_and_worker_init_fn():
    def run(seed):
        loader = DataLoader(
            WhoLoads(12), batch_size=2, num_workers=2, worker_init_fn=tag_worker, generator=minigrad.Generator(seed)
        )
        return [
            row
            for batch in loader
            for row in zip(
                *(
                    batch[k] if isinstance(batch[k], list) else batch[k].tolist()
                    for k in ("index", "pid", "worker", "seed", "torch_like", "numpy", "tag")
                )
            )
        ]

    rows = run(1)
    assert get_worker_info() is None  # the main process is no worker
    assert [r[0] for r in rows] == list(range(12))
    assert {r[1] for r in rows}.isdisjoint({os.getpid()}) and len({r[1] for r in rows}) == 2
    # batches go round robin: batch k (items 2k, 2k+1) to worker k % 2, seeded base_seed + worker id
    assert [r[2] for r in rows] == [(i // 2) % 2 for i in range(12)]
    seeds = {r[2]: r[3] for r in rows}
    assert seeds[1] == seeds[0] + 1
    assert [r[6] for r in rows] == [f"init{(i // 2) % 2}" for i in range(12)]
    draws = [(r[4], r[5]) for r in rows]
    assert len(set(draws)) == 12  # the two workers' generators differ (minigrad's and NumPy's)
    again = run(1)
    assert [(r[3], r[4], r[5]) for r in again] == [(r[3], r[4], r[5]) for r in rows]  # reproducible
    assert [r[4] for r in run(2)] != [r[4] for r in rows]


def test_spawn_start_method():
    loader = DataLoader(
        Items(10),
        batch_size=4,
        shuffle=True,
        num_workers=2,
        multiprocessing_context="spawn",
        generator=minigrad.Generator(3),
    )
    alone = DataLoader(Items(10), batch_size=4, shuffle=True, generator=minigrad.Generator(3))
    assert indices(list(loader)) == indices(list(alone))


def test_persistent_workers_are_reused_across_epochs():
    loader = DataLoader(WhoLoads(8), batch_size=2, num_workers=2, persistent_workers=True)
    first = [p for batch in loader for p in batch["pid"].tolist()]
    second = [p for batch in loader for p in batch["pid"].tolist()]
    assert set(first) == set(second) and len(set(first)) == 2
    next(iter(loader))  # an unfinished epoch, then a full one: stale results are dropped
    assert [i for batch in loader for i in batch["index"].tolist()] == list(range(8))
    assert len(multiprocessing.active_children()) == 2
    del loader


# ----------------------------------------------------------------------------------- workers: failures, cleanup
def test_worker_exception_carries_the_worker_traceback_and_loading_goes_on():
    loader = DataLoader(Failing(12), batch_size=2, num_workers=2)
    iterator = iter(loader)
    assert indices([next(iterator), next(iterator)]) == [0, 1, 2, 3]
    with pytest.raises(ValueError) as caught:
        next(iterator)
    message = str(caught.value)
    assert message.startswith("Caught ValueError in DataLoader worker process 0.\nOriginal Traceback")
    assert "in __getitem__" in message and 'raise ValueError(f"item {i} is broken")' in message
    assert message.rstrip().endswith("ValueError: item 5 is broken")
    assert indices(list(iterator)) == [6, 7, 8, 9, 10, 11]
    del caught, iterator


def test_worker_init_fn_failure_is_reported_with_its_traceback():
    with pytest.raises(OSError, match=r"(?s)worker process 0.*in failing_init.*worker 0 cannot open its file"):
        next(iter(DataLoader(Items(4), num_workers=1, worker_init_fn=failing_init)))


def test_key_error_message_keeps_its_lines():
    with pytest.raises(KeyError) as caught:
        next(iter(DataLoader(MissingKey(4), num_workers=1)))
    assert "\nOriginal Traceback" in str(caught.value) and "KeyError: 'absent'" in str(caught.value)
    del caught


def test_early_break_and_garbage_collection_leave_no_process():
    for _batch in DataLoader(Items(100), batch_size=2, num_workers=2):
        break
    gc.collect()
    assert multiprocessing.active_children() == []
    iterator = iter(DataLoader(Items(100), batch_size=2, num_workers=2))
    next(iterator)
    del iterator
    assert multiprocessing.active_children() == []


def test_timeout_raises_torchs_error():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        next(iter(DataLoader(Sleepy(2), num_workers=1, timeout=0.2)))


def test_a_dead_worker_is_reported(monkeypatch):
    monkeypatch.setattr(_multiprocess, "STATUS_CHECK_INTERVAL", 0.2)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        next(iter(DataLoader(Dies(2), num_workers=1)))


# -------------------------------------------------------------------------------------------- IterableDataset
@pytest.mark.parametrize("num_workers", [0, 2, 3])
def test_sharded_stream_yields_each_item_once(num_workers):
    loader = DataLoader(Stream(11), batch_size=2, num_workers=num_workers)
    items = [i for batch in loader for i in batch.tolist()]
    assert sorted(items) == list(range(11))
    if num_workers == 0:
        assert items == list(range(11)) and len(loader) == 6


def test_unsharded_stream_comes_once_per_worker_and_drop_last():
    items = sorted(i for b in DataLoader(Stream(5, shard=False), batch_size=2, num_workers=2) for i in b.tolist())
    assert items == sorted(list(range(5)) * 2)
    batches = list(DataLoader(Stream(5, shard=False), batch_size=2, drop_last=True, num_workers=2))
    assert sorted(b.tolist() for b in batches) == [[0, 1], [0, 1], [2, 3], [2, 3]]


def test_stream_of_unknown_length():
    loader = DataLoader(EndlessUnknown(), batch_size=2, num_workers=1)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4]]
    with pytest.raises(TypeError):
        len(loader)


def test_stream_with_persistent_workers_restarts_every_epoch():
    loader = DataLoader(Stream(6), batch_size=None, num_workers=2, persistent_workers=True)
    assert sorted(loader) == sorted(loader) == list(range(6))
    del loader


# ------------------------------------------------------------------------------------------ argument checking
ARGUMENT_CASES = [
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True),
    dict(sampler=[0], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(batch_size=0),
    dict(drop_last=1),
    dict(multiprocessing_context="fork"),
    dict(num_workers=1, multiprocessing_context="nope"),
    dict(num_workers=1, multiprocessing_context=3),
]


@pytest.mark.parametrize("kwargs", ARGUMENT_CASES, ids=lambda k: ",".join(k))
def test_argument_errors_are_torchs(kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        torch.utils.data.DataLoader(list(range(4)), **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        DataLoader(list(range(4)), **kwargs)
    assert str(ours.value) == str(theirs.value).replace("torch.multiprocessing", "multiprocessing")


@pytest.mark.parametrize("name", ["shuffle", "sampler", "batch_sampler"])
def test_iterable_dataset_rejects_sampling_options_like_torch(name):
    torch = pytest.importorskip("torch")

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    kwargs = {
        name: {"shuffle": True, "sampler": [0], "batch_sampler": [[0]]}[name],
        "batch_size": None if name == "batch_sampler" else 1,
    }
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(TorchStream(), **kwargs)
    with pytest.raises(ValueError) as ours:
        DataLoader(Stream(3), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_loading_attributes_are_frozen_after_init():
    loader = DataLoader(Items(3))
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 2


# --------------------------------------------------------------------------------------------------- samplers
def test_sequential_and_batch_samplers_match_torch():
    torch = pytest.importorskip("torch")
    for n, size, drop in itertools.product((0, 1, 7, 8), (1, 3, 4), (False, True)):
        ours = BatchSampler(SequentialSampler(range(n)), size, drop)
        theirs = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(n)), size, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        BatchSampler(range(3), 0, False)


def test_random_sampler_is_a_reproducible_permutation_like_torchs():
    torch = pytest.importorskip("torch")
    ours = list(RandomSampler(range(50), generator=minigrad.Generator(0)))
    theirs = list(torch.utils.data.RandomSampler(range(50), generator=torch.Generator().manual_seed(0)))
    assert sorted(ours) == sorted(theirs) == list(range(50))  # both permutations, of different order
    assert list(RandomSampler(range(50), generator=minigrad.Generator(0))) == ours
    chained = list(RandomSampler(range(4), num_samples=10, generator=minigrad.Generator(1)))
    assert sorted(chained[:4]) == sorted(chained[4:8]) == [0, 1, 2, 3] and len(chained) == 10


def test_random_sampler_without_generator_ignores_draws_made_while_iterating():
    minigrad.manual_seed(4)
    plain = list(RandomSampler(range(40)))
    minigrad.manual_seed(4)
    interrupted = []
    for i in RandomSampler(range(40)):
        minigrad.rand(3)  # augmentation in __getitem__ draws from the module generator
        interrupted.append(i)
    assert interrupted == plain


def test_random_sampler_with_replacement_is_lazy_and_uniform():
    torch = pytest.importorskip("torch")
    huge = RandomSampler(range(10), replacement=True, num_samples=10**12, generator=minigrad.Generator(0))
    assert len(huge) == 10**12
    assert all(0 <= i < 10 for i in itertools.islice(iter(huge), 1000))  # no list of 10**12 indices is ever made
    n, draws = 20, 20000
    for sampler in (
        RandomSampler(range(n), replacement=True, num_samples=draws, generator=minigrad.Generator(1)),
        torch.utils.data.RandomSampler(
            range(n), replacement=True, num_samples=draws, generator=torch.Generator().manual_seed(1)
        ),
    ):
        counts = np.bincount(list(sampler), minlength=n)
        chi2 = ((counts - draws / n) ** 2 / (draws / n)).sum()
        assert counts.sum() == draws and chi2 < 50  # 19 degrees of freedom: p < 1e-4 above 50


def test_random_sampler_errors_match_torch():
    torch = pytest.importorskip("torch")
    for kwargs in (dict(replacement=1), dict(num_samples=0)):
        with pytest.raises(Exception) as theirs:
            torch.utils.data.RandomSampler(range(3), **kwargs)
        with pytest.raises(type(theirs.value), match=str(theirs.value)):
            RandomSampler(range(3), **kwargs)


def test_weighted_sampler_frequencies_follow_the_weights_like_torchs():
    torch = pytest.importorskip("torch")
    weights, draws = [1.0, 0.0, 3.0, 6.0], 20000
    expected = np.array(weights) / sum(weights) * draws
    for sampler in (
        WeightedRandomSampler(weights, draws, generator=minigrad.Generator(0)),
        torch.utils.data.WeightedRandomSampler(weights, draws, generator=torch.Generator().manual_seed(0)),
    ):
        counts = np.bincount(list(sampler), minlength=4)
        assert counts[1] == 0 and len(sampler) == draws
        assert (((counts - expected)[[0, 2, 3]] ** 2) / expected[[0, 2, 3]]).sum() < 25  # chi2, 2 dof
    once = list(WeightedRandomSampler(weights, 3, replacement=False, generator=minigrad.Generator(0)))
    assert sorted(once) == [0, 2, 3]
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
        list(WeightedRandomSampler(weights, 4, replacement=False))
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have shape \(2, 2\)"):
        WeightedRandomSampler([[1, 2], [3, 4]], 2)


def test_subset_random_sampler_permutes_its_indices():
    sampler = SubsetRandomSampler([10, 20, 30, 40], generator=minigrad.Generator(0))
    assert sorted(sampler) == [10, 20, 30, 40] and len(sampler) == 4
    assert list(SubsetRandomSampler([10, 20, 30, 40], generator=minigrad.Generator(0))) == list(
        SubsetRandomSampler([10, 20, 30, 40], generator=minigrad.Generator(0))
    )


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (11, 4, False), (2, 4, False)])
def test_distributed_sampler_matches_torch_without_shuffle(n, replicas, drop_last):
    torch = pytest.importorskip("torch")
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_distributed_sampler_shuffled_shards_are_disjoint_and_change_with_the_epoch():
    shards = [list(DistributedSampler(range(12), 3, rank, seed=7)) for rank in range(3)]
    assert sorted(sum(shards, [])) == list(range(12))
    sampler = DistributedSampler(range(12), 3, 0, seed=7)
    sampler.set_epoch(1)
    assert list(sampler) != shards[0]
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        DistributedSampler(range(12), 3, 3)


# --------------------------------------------------------------------------------------------------- datasets
def test_concat_chain_and_stack_datasets_match_torch():
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    parts = [list(range(3)), list(range(10, 15)), [99]]
    ours, theirs = ConcatDataset(parts), tdata.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 9 and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-9, 9)] == [theirs[i] for i in range(-9, 9)]
    assert len(Items(2) + Items(3)) == 5
    chained = Stream(3) + Stream(2)
    assert isinstance(chained, ChainDataset) and list(chained) == [0, 1, 2, 0, 1] and len(chained) == 5
    assert StackDataset([1, 2], "ab")[1] == tdata.StackDataset([1, 2], "ab")[1] == (2, "b")
    assert StackDataset(x=[1, 2], y="ab")[0] == {"x": 1, "y": "a"}
    for args, kwargs in (([[1, 2], [1]], {}), ([[1]], {"y": [1]})):
        with pytest.raises(ValueError) as theirs_error:
            tdata.StackDataset(*args, **kwargs)
        with pytest.raises(ValueError, match=str(theirs_error.value).replace("(", r"\(").replace(")", r"\)")):
            StackDataset(*args, **kwargs)


def test_dataset_and_sampler_are_generic_like_torchs():
    class Pairs(Dataset[tuple]):
        def __getitem__(self, i):
            return i, -i

        def __len__(self):
            return 3

    class Backwards(Sampler[int]):
        def __iter__(self):
            return iter([2, 1, 0])

        def __len__(self):
            return 3

    loader = DataLoader(Pairs(), batch_size=3, sampler=Backwards())
    assert [b.tolist() for b in next(iter(loader))] == [[2, 1, 0], [-2, -1, 0]]


def test_random_split_lengths_match_torch():
    torch = pytest.importorskip("torch")
    for n, fractions in ((10, [0.5, 0.5]), (11, [0.3, 0.3, 0.4]), (7, [0.1, 0.2, 0.7]), (100, [0.33, 0.33, 0.34])):
        ours = [len(s) for s in random_split(range(n), fractions, generator=minigrad.Generator(0))]
        theirs = [len(s) for s in torch.utils.data.random_split(range(n), fractions)]
        assert ours == theirs


# -------------------------------------------------------------------------------------------------- collation
Pair = collections.namedtuple("Pair", "a b")


def as_numpy(value):
    """A batch with every tensor (ours or torch's) replaced by (dtype name, array) for comparison."""
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        array = value.numpy()
        return (str(array.dtype), array.tolist())
    if isinstance(value, dict):
        return {key: as_numpy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [as_numpy(item) for item in value]
    return value


def test_default_collate_and_convert_match_torch_on_nested_samples():
    torch = pytest.importorskip("torch")
    samples = [
        {
            "x": np.full((2,), i, dtype=np.float32),
            "label": i,
            "w": 0.5 * i,
            "ok": i % 2 == 0,
            "name": f"s{i}",
            "pair": Pair(np.int16(i), [i, float(i)]),
            "t": (np.float64(i), i),
        }
        for i in range(3)
    ]
    assert as_numpy(default_collate(samples)) == as_numpy(torch.utils.data.default_collate(samples))
    for sample in samples:
        assert as_numpy(default_convert(sample)) == as_numpy(torch.utils.data.default_convert(sample))
    tensors = [minigrad.ones(2, 3) * i for i in range(4)]
    assert default_collate(tensors).shape == (4, 2, 3)
