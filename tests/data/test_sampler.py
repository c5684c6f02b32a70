import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.data import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
)


def seeded(seed: int) -> tg.Generator:
    return tg.Generator().manual_seed(seed)


# Sampler and SequentialSampler ----------------------------------------------------


def test_sampler_iter_not_implemented():
    class NoIter(Sampler):
        pass

    with pytest.raises(NotImplementedError, match="NoIter must implement __iter__"):
        iter(NoIter())


def test_sequential_sampler_in_order():
    sampler = SequentialSampler(range(5))
    assert list(sampler) == [0, 1, 2, 3, 4]
    assert len(sampler) == 5


def test_sequential_sampler_empty():
    assert list(SequentialSampler([])) == []


# RandomSampler --------------------------------------------------------------------


def test_random_sampler_pass_is_one_permutation():
    sampler = RandomSampler(range(10), generator=seeded(3))
    rng = np.random.default_rng(3)

    first, second = list(sampler), list(sampler)

    assert first == rng.permutation(10).tolist()
    assert second == rng.permutation(10).tolist()
    assert all(type(index) is int for index in first)
    assert len(sampler) == 10


def test_random_sampler_default_uses_shared_generator():
    sampler = RandomSampler(range(10))
    tg.manual_seed(5)
    assert list(sampler) == np.random.default_rng(5).permutation(10).tolist()


def test_random_sampler_generator_ignores_shared():
    tg.manual_seed(0)
    first = list(RandomSampler(range(10), generator=seeded(5)))
    tg.manual_seed(1)
    assert list(RandomSampler(range(10), generator=seeded(5))) == first


def test_random_sampler_more_samples_than_data():
    sampler = RandomSampler(range(4), num_samples=10, generator=seeded(2))
    rng = np.random.default_rng(2)
    expected = [
        *rng.permutation(4).tolist(),
        *rng.permutation(4).tolist(),
        *rng.permutation(4)[:2].tolist(),
    ]

    assert list(sampler) == expected
    assert len(sampler) == 10


def test_random_sampler_fewer_samples_than_data():
    sampler = RandomSampler(range(10), num_samples=3, generator=seeded(2))
    expected = np.random.default_rng(2).permutation(10)[:3].tolist()
    assert list(sampler) == expected


def test_random_sampler_no_discarded_permutation():
    # num_samples = 2 * len: two permutations per pass, and the next pass
    # starts with the third one (PyTorch draws and discards a third).
    sampler = RandomSampler(range(5), num_samples=10, generator=seeded(6))
    rng = np.random.default_rng(6)
    permutations = [rng.permutation(5).tolist() for _ in range(4)]

    assert list(sampler) == permutations[0] + permutations[1]
    assert list(sampler) == permutations[2] + permutations[3]


def test_random_sampler_with_replacement():
    sampler = RandomSampler(
        range(4), replacement=True, num_samples=50, generator=seeded(9)
    )
    expected = np.random.default_rng(9).integers(0, 4, size=50).tolist()

    drawn = list(sampler)

    assert drawn == expected
    assert len(sampler) == 50
    assert set(drawn) == {0, 1, 2, 3}


def test_random_sampler_replacement_default_num_samples():
    drawn = list(RandomSampler(range(6), replacement=True, generator=seeded(1)))
    assert len(drawn) == 6
    assert all(0 <= index < 6 for index in drawn)


def test_random_sampler_num_samples_follows_data():
    data = [0, 1, 2]
    sampler = RandomSampler(data)
    data.append(3)

    assert sampler.num_samples == 4
    assert sorted(sampler) == [0, 1, 2, 3]


def test_random_sampler_accepts_numpy_int():
    assert len(RandomSampler(range(3), num_samples=np.int64(7))) == 7


@pytest.mark.parametrize("replacement", [0, 1, "yes", None])
def test_random_sampler_rejects_non_bool_replacement(replacement):
    with pytest.raises(TypeError, match="replacement must be a bool"):
        RandomSampler(range(3), replacement=replacement)


@pytest.mark.parametrize(
    ("num_samples", "received"),
    [(0, "int 0"), (-1, "int -1"), (1.5, "float 1.5"), (2.0, "float 2.0")]
    + [(True, "bool True"), ("3", "str '3'")],
)
def test_random_sampler_rejects_bad_num_samples(num_samples, received):
    with pytest.raises(ValueError) as info:
        RandomSampler(range(3), num_samples=num_samples)
    message = str(info.value)
    assert f"num_samples must be a positive integer, got {received}." in message
    assert "empty" not in message


def test_random_sampler_rejects_empty_data():
    with pytest.raises(ValueError, match="data_source is empty"):
        RandomSampler([])


def test_random_sampler_empty_data_with_num_samples():
    # As in PyTorch, an explicit num_samples is checked at iteration instead.
    sampler = RandomSampler([], num_samples=2)
    with pytest.raises(ValueError, match="cannot draw from an empty data_source"):
        list(sampler)


def test_random_sampler_empty_data_at_iteration():
    data = [0]
    sampler = RandomSampler(data, num_samples=2)
    data.clear()
    with pytest.raises(ValueError, match="cannot draw from an empty data_source"):
        list(sampler)


def test_random_sampler_rejects_numpy_generator():
    with pytest.raises(TypeError, match="RandomSampler: generator must be"):
        RandomSampler(range(3), generator=np.random.default_rng(0))


# SubsetRandomSampler --------------------------------------------------------------


def test_subset_random_sampler_permutes_indices():
    indices = [10, 20, 30, 40, 50]
    sampler = SubsetRandomSampler(indices, generator=seeded(4))
    order = np.random.default_rng(4).permutation(5)

    assert list(sampler) == [indices[i] for i in order]
    assert len(sampler) == 5


def test_subset_random_sampler_new_order_each_pass():
    sampler = SubsetRandomSampler(list(range(30)), generator=seeded(0))
    first, second = list(sampler), list(sampler)

    assert sorted(first) == sorted(second) == list(range(30))
    assert first != second


def test_subset_random_sampler_rejects_bad_generator():
    with pytest.raises(TypeError, match="SubsetRandomSampler: generator must be"):
        SubsetRandomSampler([1, 2], generator=0)


# BatchSampler ---------------------------------------------------------------------


def test_batch_sampler_keeps_last_partial():
    sampler = BatchSampler(range(7), batch_size=3, drop_last=False)
    assert list(sampler) == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(sampler) == 3


def test_batch_sampler_drop_last():
    sampler = BatchSampler(range(7), batch_size=3, drop_last=True)
    assert list(sampler) == [[0, 1, 2], [3, 4, 5]]
    assert len(sampler) == 2


def test_batch_sampler_groups_any_sampler():
    sampler = BatchSampler(SequentialSampler(range(4)), batch_size=2, drop_last=False)
    assert list(sampler) == [[0, 1], [2, 3]]


def test_batch_sampler_len_needs_sampler_len():
    sampler = BatchSampler(iter(range(4)), batch_size=2, drop_last=False)
    with pytest.raises(TypeError):
        len(sampler)


def test_batch_sampler_accepts_numpy_int():
    assert len(BatchSampler(range(4), batch_size=np.int64(3), drop_last=False)) == 2


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "3", None])
def test_batch_sampler_rejects_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        BatchSampler(range(4), batch_size=batch_size, drop_last=False)


@pytest.mark.parametrize("drop_last", [0, 1, None, "no"])
def test_batch_sampler_rejects_non_bool_drop_last(drop_last):
    with pytest.raises(ValueError, match="drop_last must be a bool"):
        BatchSampler(range(4), batch_size=2, drop_last=drop_last)


@given(
    size=st.integers(0, 60),
    batch_size=st.integers(1, 20),
    drop_last=st.booleans(),
)
def test_batch_sampler_partitions_indices(size, batch_size, drop_last):
    batches = list(BatchSampler(range(size), batch_size, drop_last))
    flat = [index for batch in batches for index in batch]
    yielded = size - size % batch_size if drop_last else size

    assert len(batches) == len(BatchSampler(range(size), batch_size, drop_last))
    assert flat == list(range(yielded))
    assert all(len(batch) == batch_size for batch in batches[:-1])
    assert all(0 < len(batch) <= batch_size for batch in batches)
    if drop_last:
        assert all(len(batch) == batch_size for batch in batches)


@given(
    size=st.integers(1, 40),
    num_samples=st.integers(1, 100),
    seed=st.integers(0, 2**32),
)
def test_random_sampler_covers_each_index(size, num_samples, seed):
    drawn = list(
        RandomSampler(range(size), num_samples=num_samples, generator=seeded(seed))
    )
    counts = np.bincount(drawn, minlength=size)

    assert len(drawn) == num_samples
    # Every index appears floor(num_samples / size) or one more times.
    assert counts.min() == num_samples // size
    assert counts.max() == -(-num_samples // size)
