import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import random as random_module
from tinygrad_edu.random import (
    DEFAULT_SEED,
    Generator,
    default_generator,
    manual_seed,
    numpy_generator,
)


def draws(generator: Generator, count: int = 5) -> list[int]:
    """Return ``count`` draws from the generator, advancing it."""
    return numpy_generator(generator).integers(0, 2**62, size=count).tolist()


def reference_draws(seed: int, count: int = 5) -> list[int]:
    return np.random.default_rng(seed).integers(0, 2**62, size=count).tolist()


# manual_seed and the shared generator ---------------------------------------------


def test_manual_seed_returns_shared_generator():
    generator = manual_seed(3)

    assert isinstance(generator, Generator)
    assert generator.initial_seed() == 3
    assert numpy_generator(generator) is default_generator()
    assert manual_seed(4) is generator
    assert default_generator().random() == np.random.default_rng(4).random()


def test_shared_generator_state_round_trip():
    generator = manual_seed(3)
    state = generator.get_state()
    expected = default_generator().random(4).tolist()

    generator.set_state(state)

    assert default_generator().random(4).tolist() == expected


def test_unseeded_shared_generator_seeds_from_os(monkeypatch):
    monkeypatch.setattr(random_module, "_shared", None)
    first = default_generator()

    shared = random_module._shared
    assert isinstance(shared, Generator)
    assert first is numpy_generator(shared)
    assert draws(shared) == reference_draws(shared.initial_seed())


def test_package_root_exports_generator():
    assert tg.Generator is Generator


# Generator seeding ----------------------------------------------------------------


def test_generator_default_seed_is_torch_constant():
    assert DEFAULT_SEED == 67280421310721
    assert Generator().initial_seed() == DEFAULT_SEED


def test_unseeded_generators_draw_alike():
    assert draws(Generator()) == draws(Generator())
    assert draws(Generator()) == reference_draws(DEFAULT_SEED)


def test_generator_manual_seed_returns_self():
    generator = Generator()
    assert generator.manual_seed(5) is generator


def test_generator_draws_as_default_rng():
    assert draws(Generator().manual_seed(5)) == reference_draws(5)


def test_generator_initial_seed_after_draws():
    generator = Generator().manual_seed(5)
    draws(generator)
    assert generator.initial_seed() == 5


def test_generator_reseed_restarts_draws():
    generator = Generator().manual_seed(5)
    first = draws(generator)
    generator.manual_seed(5)
    assert draws(generator) == first


def test_generator_ignores_shared_generator():
    manual_seed(0)
    expected = draws(Generator().manual_seed(7))
    manual_seed(99)
    assert draws(Generator().manual_seed(7)) == expected


def test_generator_leaves_shared_generator():
    manual_seed(4)
    draws(Generator().manual_seed(7))
    assert default_generator().random() == np.random.default_rng(4).random()


# Seeding, shared by manual_seed and Generator.manual_seed ------------------------

SEEDERS = [manual_seed, lambda seed: Generator().manual_seed(seed)]
SEEDER_IDS = ["manual_seed", "Generator.manual_seed"]


@pytest.mark.parametrize(
    ("seed", "initial_seed"),
    [
        (0, 0),
        (-1, 2**64 - 1),
        (-(2**63), 2**63),
        (2**64 - 1, 2**64 - 1),
        (np.int64(12), 12),
        (np.uint64(2**64 - 1), 2**64 - 1),
    ],
)
@pytest.mark.parametrize("seeder", SEEDERS, ids=SEEDER_IDS)
def test_seed_range(seeder, seed, initial_seed):
    generator = seeder(seed)
    assert generator.initial_seed() == initial_seed
    assert type(generator.initial_seed()) is int
    assert draws(generator) == reference_draws(initial_seed)


@pytest.mark.parametrize("seeder", SEEDERS, ids=SEEDER_IDS)
@pytest.mark.parametrize("seed", [2**64, 2**70, -(2**63) - 1])
def test_seed_out_of_range_rejected(seeder, seed):
    with pytest.raises(ValueError, match="outside the 64-bit range"):
        seeder(seed)


@pytest.mark.parametrize("seeder", SEEDERS, ids=SEEDER_IDS)
@pytest.mark.parametrize("seed", [1.5, "3", None, True, np.bool_(False)])
def test_seed_non_integer_rejected(seeder, seed):
    with pytest.raises(TypeError, match="expects an integer seed"):
        seeder(seed)


def test_seed_errors_name_the_function():
    with pytest.raises(
        ValueError, match=r"^manual_seed: the seed -9223372036854775809"
    ):
        manual_seed(-(2**63) - 1)
    with pytest.raises(TypeError, match=r"^Generator\.manual_seed expects"):
        Generator().manual_seed(1.5)


def test_generator_seed_from_os():
    generator = Generator()
    seed = generator.seed()

    assert type(seed) is int
    assert 0 <= seed < 2**64
    assert generator.initial_seed() == seed
    assert draws(generator) == reference_draws(seed)


def test_generator_seeds_from_os_differ():
    # Two 64-bit draws from the OS are equal with probability 2**-64.
    assert Generator().seed() != Generator().seed()


def test_generator_repr_names_seed():
    assert repr(Generator().manual_seed(9)) == "Generator(initial_seed=9)"


# Generator state ------------------------------------------------------------------


def test_get_state_is_numpy_state_and_seed():
    generator = Generator().manual_seed(5)
    state = generator.get_state()
    expected = dict(np.random.default_rng(5).bit_generator.state)
    expected["initial_seed"] = 5

    assert state == expected


def test_get_state_is_deep_copy():
    generator = Generator().manual_seed(5)
    state = generator.get_state()
    inner = dict(state["state"])
    draws(generator)

    assert state["state"] == inner
    state["state"]["state"] = 0
    assert generator.get_state()["state"]["state"] != 0


def test_set_state_resumes_draws():
    generator = Generator().manual_seed(5)
    draws(generator)
    state = generator.get_state()
    expected = draws(generator)

    other = Generator().manual_seed(123)
    assert other.set_state(state) is other
    assert draws(other) == expected
    assert other.initial_seed() == 5


def test_state_survives_save(tmp_path):
    generator = Generator().manual_seed(2**64 - 1)
    draws(generator)
    tg.save(generator.get_state(), tmp_path / "generator.npz")
    expected = draws(generator)

    loaded = tg.load(tmp_path / "generator.npz")
    other = Generator().set_state(loaded)

    assert draws(other) == expected
    assert other.initial_seed() == 2**64 - 1


def valid_state() -> dict:
    generator = Generator().manual_seed(5)
    draws(generator)
    return generator.get_state()


def with_entry(path: tuple[str, ...], value) -> dict:
    """Return a valid state with the entry at ``path`` replaced by ``value``."""
    state = valid_state()
    target = state
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return state


def without_entry(key: str) -> dict:
    state = valid_state()
    del state[key]
    return state


@pytest.mark.parametrize(
    ("state", "error", "fragment"),
    [
        ([], TypeError, "got list"),
        (None, TypeError, "got NoneType"),
        ({}, ValueError, "missing keys"),
        ({"bit_generator": "MT19937", "state": {}}, ValueError, "'MT19937'"),
        (without_entry("initial_seed"), ValueError, "missing keys ['initial_seed']"),
        (with_entry(("extra",), 1), ValueError, "unexpected keys ['extra']"),
        (with_entry(("state",), None), TypeError, "state['state'] to be a dict"),
        (with_entry(("state", "state"), 1.5), ValueError, "'state'] must be"),
        (with_entry(("state", "inc"), -1), ValueError, "['inc'] must be"),
        (with_entry(("state", "inc"), 4), ValueError, "4, an even number"),
        (with_entry(("state", "inc"), 0), ValueError, "0, an even number"),
        (with_entry(("state", "state"), 2**128), ValueError, f"[0, {2**128})"),
        (with_entry(("has_uint32",), 7), ValueError, "has_uint32 must be"),
        (with_entry(("uinteger",), True), ValueError, "uinteger must be"),
        (with_entry(("initial_seed",), -1), ValueError, "initial_seed must be"),
        (with_entry(("initial_seed",), "5"), ValueError, "initial_seed must be"),
    ],
    ids=[
        "list",
        "none",
        "empty",
        "other_bit_generator",
        "no_seed",
        "extra_key",
        "counters_not_dict",
        "float_counter",
        "negative_increment",
        "even_increment",
        "zero_increment",
        "counter_too_large",
        "has_uint32_not_0_or_1",
        "bool_uinteger",
        "negative_seed",
        "str_seed",
    ],
)
def test_set_state_rejects_bad_state(state, error, fragment):
    generator = Generator().manual_seed(11)
    before = generator.get_state()
    expected = draws(Generator().manual_seed(11))

    with pytest.raises(error) as info:
        generator.set_state(state)

    assert fragment in str(info.value)
    assert generator.get_state() == before
    assert draws(generator) == expected


def test_set_state_round_trips_odd_increment():
    state = with_entry(("state", "inc"), 2**127 + 1)
    generator = Generator().set_state(state)

    assert generator.get_state() == state


@given(
    counter=st.integers(0, 2**128 - 1),
    increment=st.integers(0, 2**127 - 1).map(lambda half: 2 * half + 1),
    has_uint32=st.integers(0, 1),
    uinteger=st.integers(0, 2**32 - 1),
    initial_seed=st.integers(0, 2**64 - 1),
)
def test_set_state_then_get_state_is_identity(
    counter, increment, has_uint32, uinteger, initial_seed
):
    state = {
        "bit_generator": "PCG64",
        "state": {"state": counter, "inc": increment},
        "has_uint32": has_uint32,
        "uinteger": uinteger,
        "initial_seed": initial_seed,
    }
    assert Generator().set_state(state).get_state() == state


def test_set_state_accepts_numpy_integers():
    state = valid_state()
    expected = draws(Generator().set_state(state))
    state["has_uint32"] = np.int64(state["has_uint32"])
    state["initial_seed"] = np.uint64(state["initial_seed"])

    assert draws(Generator().set_state(state)) == expected


# numpy_generator ------------------------------------------------------------------


def test_numpy_generator_none_is_shared():
    assert numpy_generator(None) is default_generator()


def test_numpy_generator_rejects_numpy_generator():
    with pytest.raises(TypeError, match=r"RandomSampler: .* got numpy\.random\."):
        numpy_generator(np.random.default_rng(0), "RandomSampler")
