"""The random number generators behind initialisers, shuffling and sampling.

This module contains one of the two pieces of global state in the library (the
other is grad mode): the shared ``Generator``. ``manual_seed`` seeds it and
returns it, as ``torch.manual_seed`` returns ``torch.default_generator``, so a
seeded program draws the same numbers on every run.

``Generator`` is a separate generator, like ``torch.Generator``. Samplers,
``DataLoader`` and ``random_split`` draw from one when it is passed as their
``generator`` argument, and from the shared generator otherwise.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np

# Made on first use: importing numpy.random costs several MiB, and a program
# that never draws a random number should not pay for it.
_shared: Generator | None = None

# The seed of a new Generator, the same constant that torch.Generator() starts
# from in PyTorch 2.13, so an unseeded Generator is reproducible as there.
DEFAULT_SEED = 67280421310721

# manual_seed and Generator.manual_seed accept the range that torch 2.13 accepts:
# a 64-bit integer, signed or unsigned. Negative seeds wrap modulo 2**64.
_MIN_SEED = -(2**63)
_SEED_MODULUS = 2**64

# The keys of NumPy's PCG64 state dict, and the bound of each integer field.
_PCG64_FIELDS = {"has_uint32": 2, "uinteger": 2**32}
_PCG64_STATE_FIELDS = {"state": 2**128, "inc": 2**128}


def manual_seed(seed: int) -> Generator:
    """Seed the shared generator and return it, as ``torch.manual_seed`` does.

    The seed is checked and mapped as by ``Generator.manual_seed``, so
    ``manual_seed(seed)`` draws what ``Generator().manual_seed(seed)`` draws.

    Args:
        seed: an integer in [-2**63, 2**64 - 1]. A negative seed is used as
            ``seed + 2**64``, as in PyTorch.

    Returns:
        The shared ``Generator``. Initialisers, ``Dropout``, the random
        creation functions and the samplers given no ``generator`` draw from
        it, through ``default_generator()``.

    Raises:
        TypeError: if ``seed`` is not an integer (a bool is rejected).
        ValueError: if ``seed`` is outside [-2**63, 2**64 - 1].
    """
    global _shared

    value = _seed_value(seed, "manual_seed")
    if _shared is None:
        _shared = Generator()
    _shared._reseed(value)
    return _shared


def default_generator() -> np.random.Generator:
    """Return the NumPy generator of the shared ``Generator``.

    Without a ``manual_seed`` call, the shared generator is seeded from the
    operating system on first use. A later ``manual_seed`` or ``set_state`` on
    the shared generator replaces the NumPy generator, so call this function
    again after either instead of keeping the returned object.
    """
    global _shared

    if _shared is None:
        _shared = Generator()
        _shared.seed()
    return _shared._numpy


class Generator:
    """A random number generator with its own state, like ``torch.Generator``.

    It wraps a NumPy ``np.random.Generator`` on the PCG64 bit generator, made
    by ``np.random.default_rng(seed)``. Its draws are therefore NumPy's, not
    PyTorch's: the same seed gives other numbers than in PyTorch.

    A new Generator is seeded with ``DEFAULT_SEED``, as in PyTorch, so two
    unseeded Generators draw the same numbers. ``seed()`` seeds one from the
    operating system instead.

    Example:
        >>> generator = Generator().manual_seed(0)
        >>> generator.initial_seed()
        0
        >>> state = generator.get_state()
        >>> first = numpy_generator(generator).permutation(5)
        >>> _ = generator.set_state(state)
        >>> bool((numpy_generator(generator).permutation(5) == first).all())
        True
    """

    def __init__(self) -> None:
        self._initial_seed = DEFAULT_SEED
        self._numpy = np.random.default_rng(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Seed the generator and return it, so the call can be chained.

        Args:
            seed: an integer in [-2**63, 2**64 - 1]. A negative seed is used
                as ``seed + 2**64``, as in PyTorch.

        Raises:
            TypeError: if ``seed`` is not an integer (a bool is rejected).
            ValueError: if ``seed`` is outside [-2**63, 2**64 - 1].
        """
        self._reseed(_seed_value(seed, "Generator.manual_seed"))
        return self

    def _reseed(self, seed: int) -> None:
        """Restart the generator from ``seed``, an int in [0, 2**64)."""
        self._initial_seed = seed
        self._numpy = np.random.default_rng(seed)

    def initial_seed(self) -> int:
        """Return the seed that the generator was last seeded with."""
        return self._initial_seed

    def seed(self) -> int:
        """Seed the generator with 64 random bits from the OS and return the seed."""
        seed = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(seed)
        return seed

    def get_state(self) -> dict[str, Any]:
        """Return a copy of the generator's state, for ``set_state``.

        The dict is NumPy's ``bit_generator.state`` of the PCG64 bit
        generator, with one more entry, ``"initial_seed"``, because
        ``set_state`` restores the initial seed too, as in PyTorch. It
        contains only str keys, ints and strs, so ``tinygrad_edu.save`` can
        store it in a checkpoint. Later draws do not change the returned dict.
        """
        state = dict(copy.deepcopy(self._numpy.bit_generator.state))
        state["initial_seed"] = self._initial_seed
        return state

    def set_state(self, new_state: dict[str, Any]) -> Generator:
        """Restore a state returned by ``get_state`` and return the generator.

        After the call the generator draws what the generator whose state was
        taken drew after ``get_state``, and ``initial_seed()`` returns its
        seed. The generator is unchanged when an error is raised.

        Raises:
            TypeError: if ``new_state`` or one of its parts is not a dict.
            ValueError: if an entry is missing, unexpected or out of range,
                the PCG64 increment ``state['state']['inc']`` is even, or the
                state is for a bit generator other than PCG64.
        """
        initial_seed, numpy_state = _split_state(new_state)
        generator = np.random.default_rng()
        try:
            generator.bit_generator.state = numpy_state
        except (TypeError, ValueError, KeyError, OverflowError) as error:
            raise ValueError(
                f"Generator.set_state: NumPy rejected the PCG64 state "
                f"({type(error).__name__}: {error}). Pass a dict returned by "
                "Generator.get_state()."
            ) from error

        self._numpy = generator
        self._initial_seed = initial_seed
        return self

    def __repr__(self) -> str:
        return f"Generator(initial_seed={self._initial_seed})"


def _seed_value(seed: Any, owner: str) -> int:
    """Check a seed for ``owner`` and return it wrapped into [0, 2**64)."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(
            f"{owner} expects an integer seed, got {type(seed).__name__} {seed!r}. "
            "Pass an int such as 0."
        )
    if not _MIN_SEED <= seed < _SEED_MODULUS:
        raise ValueError(
            f"{owner}: the seed {seed} is outside the 64-bit range "
            f"[{_MIN_SEED}, {_SEED_MODULUS - 1}]. Pass a seed in that range."
        )
    return int(seed) % _SEED_MODULUS


def check_generator(generator: Any, owner: str) -> None:
    """Raise TypeError unless ``generator`` is None or a ``Generator``.

    ``owner`` names the caller in the message, such as ``"RandomSampler"``.
    """
    if generator is not None and not isinstance(generator, Generator):
        kind = type(generator)
        raise TypeError(
            f"{owner}: generator must be a tinygrad_edu.Generator or None, got "
            f"{kind.__module__}.{kind.__qualname__}. Make one with "
            "tinygrad_edu.Generator().manual_seed(seed)."
        )


def numpy_generator(
    generator: Generator | None, owner: str = "numpy_generator"
) -> np.random.Generator:
    """Return the NumPy generator to draw from: ``generator``'s, or the shared one.

    Raises:
        TypeError: if ``generator`` is neither None nor a ``Generator``.
    """
    check_generator(generator, owner)
    if generator is None:
        return default_generator()
    return generator._numpy


def _split_state(state: Any) -> tuple[int, dict[str, Any]]:
    """Check a ``get_state`` dict and return its initial seed and NumPy's part.

    NumPy accepts some malformed states (a float counter, has_uint32 = 7), so
    every field is checked here first.
    """
    expected = {"bit_generator", "state", "initial_seed", *_PCG64_FIELDS}
    _check_dict(state, "the state", expected_keys=None)
    if state.get("bit_generator", "PCG64") != "PCG64":
        raise ValueError(
            "Generator.set_state: the state is for the bit generator "
            f"{state['bit_generator']!r}, but Generator uses 'PCG64'. Pass a "
            "dict returned by Generator.get_state()."
        )
    _check_dict(state, "the state", expected_keys=expected)

    initial_seed = _check_int(state["initial_seed"], "initial_seed", _SEED_MODULUS)
    numpy_state: dict[str, Any] = {"bit_generator": "PCG64"}
    for key, bound in _PCG64_FIELDS.items():
        numpy_state[key] = _check_int(state[key], key, bound)

    counters = state["state"]
    _check_dict(counters, "state['state']", expected_keys=set(_PCG64_STATE_FIELDS))
    numpy_state["state"] = {
        key: _check_int(counters[key], f"state['state'][{key!r}]", bound)
        for key, bound in _PCG64_STATE_FIELDS.items()
    }

    # NOTE: NumPy's seeding always sets the lowest bit of the PCG64 increment,
    # because the underlying LCG has its full period of 2**128 only for an odd
    # increment. NumPy 2.4's state setter stores an even increment unchanged,
    # and the stream it gives is then no PCG64 stream: state 0 with increment
    # 0 draws only zeros.
    increment = numpy_state["state"]["inc"]
    if increment % 2 == 0:
        raise ValueError(
            f"Generator.set_state: state['state']['inc'] is {increment}, an even "
            "number, but a PCG64 increment is odd. Pass a dict returned by "
            "Generator.get_state()."
        )
    return initial_seed, numpy_state


def _check_dict(value: Any, name: str, expected_keys: set[str] | None) -> None:
    if not isinstance(value, dict):
        raise TypeError(
            f"Generator.set_state expects {name} to be a dict, as returned by "
            f"Generator.get_state(), got {type(value).__name__}"
        )
    if expected_keys is None:
        return

    missing = sorted(expected_keys - set(value))
    unexpected = sorted(map(str, set(value) - expected_keys))
    if missing or unexpected:
        raise ValueError(
            f"Generator.set_state: {name} has missing keys {missing} and "
            f"unexpected keys {unexpected}. Pass a dict returned by "
            "Generator.get_state()."
        )


def _check_int(value: Any, name: str, bound: int) -> int:
    is_int = isinstance(value, (int, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )
    if not is_int or not 0 <= value < bound:
        raise ValueError(
            f"Generator.set_state: {name} must be an integer in [0, {bound}), "
            f"got {value!r}. Pass a dict returned by Generator.get_state()."
        )
    return int(value)
