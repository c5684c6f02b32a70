"""Shared test setup: Hypothesis profiles and a seeded random generator.

Profiles: ``ci`` (bounded, chosen when the CI environment variable is set) and
``dev`` (more examples, for local runs). ``HYPOTHESIS_PROFILE=<name>`` picks
one explicitly; ``thorough`` runs many more examples.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import tinygrad_edu

_SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile(
    "ci", max_examples=12, deadline=None, suppress_health_check=_SLOW_DATA
)
settings.register_profile(
    "dev", max_examples=30, deadline=None, suppress_health_check=_SLOW_DATA
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None, suppress_health_check=_SLOW_DATA
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Reseed the library's generator before each test, so tests are repeatable."""
    tinygrad_edu.manual_seed(0)


@pytest.fixture
def rng() -> np.random.Generator:
    """Return a NumPy generator with a fixed seed, for test data."""
    return np.random.default_rng(0)
