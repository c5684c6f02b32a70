"""The random number generator shared by initialisers, shuffling and sampling.

This module contains one of the two pieces of global state in the library (the
other is grad mode). ``manual_seed`` replaces the generator, so a seeded program
draws the same numbers on every run.
"""

from __future__ import annotations

import numpy as np

# Made on first use: importing numpy.random costs several MiB, and a program
# that never draws a random number should not pay for it.
_generator: np.random.Generator | None = None


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the shared generator and return it.

    Args:
        seed: a non-negative integer.

    Raises:
        ValueError: if ``seed`` is negative or not an integer.
    """
    global _generator

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"manual_seed expects an integer seed, got {seed!r}")
    if seed < 0:
        raise ValueError(f"manual_seed expects a non-negative seed, got {seed}")

    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    """Return the shared generator that ``manual_seed`` last seeded.

    Without a ``manual_seed`` call, the generator is seeded from the operating
    system on first use.
    """
    global _generator

    if _generator is None:
        _generator = np.random.default_rng()
    return _generator
