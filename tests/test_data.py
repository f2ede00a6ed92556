"""minigrad.utils.data: TensorDataset, Subset, random_split, DataLoader and default_collate, against torch's rules."""

import collections

import numpy as np
import pytest

import minigrad
from minigrad.utils.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split
from minigrad.utils.data._fetch import _tensor_batch_reader


def xy(n=10):
    return TensorDataset(minigrad.arange(n).float().reshape(n, 1) * 10, minigrad.arange(n))


class Squares(Dataset):
    """A plain map-style dataset (the generic, item-by-item path)."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return np.array([i, i * i], dtype=np.float32), i

    def __len__(self):
        return self.n


# ------------------------------------------------------------------------------------------------ datasets
def test_tensor_dataset_items_and_length():
    ds = xy(5)
    assert len(ds) == 5
    x, y = ds[3]
    assert x.tolist() == [30.0] and y.item() == 3
    assert [v.tolist() for v in ds[1:3]] == [[[10.0], [20.0]], [1, 2]]


def test_tensor_dataset_accepts_numpy_arrays_without_copying():
    x = np.arange(6, dtype=np.float64).reshape(3, 2)
    ds = TensorDataset(x, np.array([0, 1, 2]))
    assert ds.tensors[0]._data is x
    assert ds[2][0].dtype == minigrad.float64


def test_tensor_dataset_size_mismatch_raises_like_torch():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(minigrad.zeros(3, 2), minigrad.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(minigrad.tensor(1.0))
    with pytest.raises(TypeError, match="Tensors or NumPy arrays"):
        TensorDataset([1, 2, 3])


def test_subset_maps_indices_and_lists():
    sub = Subset(xy(10), [7, 2, 5])
    assert len(sub) == 3
    assert sub[0][1].item() == 7
    assert sub[[0, 2]][1].tolist() == [7, 5]


# -------------------------------------------------------------------------------------------- random_split
def test_random_split_lengths_are_disjoint_and_cover():
    parts = random_split(range(10), [3, 7], generator=minigrad.Generator(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))


def test_random_split_fractions_follow_torchs_round_robin():
    # floor(30 * .3) = 9, 9, floor(30 * .4) = 12 (sum 30); 11 items * [.5, .5] -> 5, 5, remainder 1 to the first
    assert [len(p) for p in random_split(range(30), [0.3, 0.3, 0.4])] == [9, 9, 12]
    assert [len(p) for p in random_split(range(11), [0.5, 0.5])] == [6, 5]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(2), [0.9, 0.1])


def test_random_split_is_reproducible_with_a_generator_or_manual_seed():
    a = random_split(range(20), [0.5, 0.5], generator=minigrad.Generator(3))
    b = random_split(range(20), [0.5, 0.5], generator=minigrad.Generator(3))
    assert a[0].indices == b[0].indices
    minigrad.manual_seed(5)
    c = random_split(range(20), [10, 10])
    minigrad.manual_seed(5)
    assert random_split(range(20), [10, 10])[0].indices == c[0].indices


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        random_split(range(10), [0.5, 1.5, -1.0])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(range(10), [12, -2])


# --------------------------------------------------------------------------------------------- DataLoader
def test_sequential_batches_len_and_drop_last():
    loader = DataLoader(xy(10), batch_size=4)
    assert len(loader) == 3
    assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    loader = DataLoader(xy(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    x, y = next(iter(DataLoader(xy(10), batch_size=4)))
    assert x.shape == (4, 1) and x.dtype == minigrad.float32 and y.dtype == minigrad.int64


def test_default_batch_size_is_one():
    batches = list(DataLoader(xy(3)))
    assert len(batches) == 3 and batches[0][0].shape == (1, 1)


def test_shuffle_is_a_new_permutation_each_epoch_and_reproducible():
    loader = DataLoader(xy(50), batch_size=8, shuffle=True, generator=minigrad.Generator(7))
    epoch1 = np.concatenate([y.numpy() for _, y in loader])
    epoch2 = np.concatenate([y.numpy() for _, y in loader])
    assert sorted(epoch1) == list(range(50)) and sorted(epoch2) == list(range(50))
    assert not np.array_equal(epoch1, epoch2)
    again = DataLoader(xy(50), batch_size=8, shuffle=True, generator=minigrad.Generator(7))
    np.testing.assert_array_equal(np.concatenate([y.numpy() for _, y in again]), epoch1)


def test_shuffle_uses_the_module_generator_by_default():
    def order():
        return np.concatenate([y.numpy() for _, y in DataLoader(xy(30), batch_size=4, shuffle=True)])

    minigrad.manual_seed(11)
    first = order()
    minigrad.manual_seed(11)
    np.testing.assert_array_equal(order(), first)


def test_fast_path_matches_item_by_item_collate():
    ds = TensorDataset(minigrad.randn(23, 3, 2), minigrad.randint(0, 5, (23,)), minigrad.rand(23).double())
    fast = DataLoader(ds, batch_size=5, shuffle=True, generator=minigrad.Generator(1))
    slow = DataLoader(
        ds,
        batch_size=5,
        shuffle=True,
        generator=minigrad.Generator(1),
        collate_fn=lambda samples: default_collate(samples),
    )  # not *the* default: item by item
    assert _tensor_batch_reader(ds) is not None
    for a, b in zip(fast, slow):
        assert isinstance(a, list) and isinstance(b, list) and len(a) == len(b) == 3
        for u, v in zip(a, b):
            assert u.dtype == v.dtype and u.shape == v.shape
            np.testing.assert_array_equal(u.numpy(), v.numpy())


def test_fast_path_through_subsets_of_random_split():
    ds = xy(20)
    train, _ = random_split(ds, [0.75, 0.25], generator=minigrad.Generator(2))
    inner = Subset(train, [4, 0, 9])
    loader = DataLoader(inner, batch_size=2)
    assert _tensor_batch_reader(inner) is not None
    expected = [train.indices[i] for i in (4, 0, 9)]
    assert np.concatenate([y.numpy() for _, y in loader]).tolist() == expected


def test_overridden_getitem_takes_the_generic_path():
    class Doubled(TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x * 2, y

    loader = DataLoader(Doubled(minigrad.ones(4, 1), minigrad.arange(4)), batch_size=4)
    assert _tensor_batch_reader(loader.dataset) is None
    assert next(iter(loader))[0].tolist() == [[2.0]] * 4


def test_generic_dataset_numpy_samples_and_ints():
    x, y = next(iter(DataLoader(Squares(5), batch_size=5)))
    assert x.dtype == minigrad.float32 and x.shape == (5, 2) and x[:, 1].tolist() == [0, 1, 4, 9, 16]
    assert y.dtype == minigrad.int64 and y.tolist() == [0, 1, 2, 3, 4]


def test_batch_size_none_yields_converted_single_samples():
    samples = list(DataLoader(Squares(3), batch_size=None))
    assert len(samples) == 3 and isinstance(samples[1][0], minigrad.Tensor) and samples[1][1] == 1
    assert samples[2][0].shape == (2,)


def test_sampler_and_batch_sampler():
    loader = DataLoader(xy(10), batch_size=2, sampler=[9, 8, 7])
    assert len(loader) == 2 and [y.tolist() for _, y in loader] == [[9, 8], [7]]
    loader = DataLoader(xy(10), batch_sampler=[[0, 5], [1, 2, 3]])
    assert len(loader) == 2 and [y.tolist() for _, y in loader] == [[0, 5], [1, 2, 3]]


def test_custom_collate_fn_receives_the_sample_list():
    loader = DataLoader(xy(4), batch_size=3, collate_fn=lambda samples: len(samples))
    assert list(loader) == [3, 1]


def test_argument_errors_match_torch():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        DataLoader(xy(), batch_size=0)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        DataLoader(xy(), drop_last=1)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(xy(), sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(xy(), batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(xy(), num_workers=-1)
    with pytest.raises(TypeError, match="minigrad.Generator"):
        DataLoader(xy(), shuffle=True, generator=np.random.default_rng(0))


def test_pin_memory_is_accepted():
    assert len(list(DataLoader(xy(6), batch_size=2, pin_memory=True))) == 3


# ------------------------------------------------------------------------------------------ default_collate
def test_default_collate_rules():
    Point = collections.namedtuple("Point", "x y")
    batch = default_collate(
        [
            (1, 2.0, "a", np.float32(1), True, {"k": np.zeros(2)}, Point(1, 2.5)),
            (3, 4.0, "b", np.float32(2), False, {"k": np.ones(2)}, Point(3, 4.5)),
        ]
    )
    ints, floats, strings, np_scalars, bools, mapping, point = batch
    assert ints.dtype == minigrad.int64 and ints.tolist() == [1, 3]
    assert floats.dtype == minigrad.float64 and floats.tolist() == [2.0, 4.0]
    assert strings == ("a", "b")
    assert np_scalars.dtype == minigrad.float32 and np_scalars.tolist() == [1.0, 2.0]
    assert bools.dtype == minigrad.bool and bools.tolist() == [True, False]
    assert mapping["k"].dtype == minigrad.float64 and mapping["k"].shape == (2, 2)
    assert isinstance(point, Point) and point.y.tolist() == [2.5, 4.5]


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([minigrad.zeros(2), minigrad.zeros(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found <class 'NoneType'>"):
        default_collate([None, None])


def test_default_collate_matches_torch():
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    samples = [(np.arange(3, dtype=np.float32) + i, i, float(i) / 2, np.int32(i)) for i in range(4)]
    ours, theirs = default_collate(samples), torch_collate(samples)
    assert type(ours) is type(theirs) is list
    for a, b in zip(ours, theirs):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_loader_over_tensordataset_matches_torch_batches():
    torch = pytest.importorskip("torch")
    x, y = np.random.default_rng(0).standard_normal((11, 3)).astype(np.float32), np.arange(11)
    ours = list(DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True))
    theirs = list(
        torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=4, drop_last=True
        )
    )
    assert len(ours) == len(theirs) == 2
    for (a, b), (c, d) in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        np.testing.assert_array_equal(b.numpy(), d.numpy())


def test_tensor_that_requires_grad_keeps_its_graph_through_the_loader():
    w = minigrad.ones(4, 2, requires_grad=True)
    (batch,) = next(iter(DataLoader(TensorDataset(w), batch_size=2, sampler=[3, 1])))
    assert batch.requires_grad
    batch.sum().backward()
    assert w.grad.tolist() == [[0, 0], [1, 1], [0, 0], [1, 1]]
