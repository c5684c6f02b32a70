"""The workloads: their sizes, targets and data, shared by every system.

Every system starts from the arrays made here (float32 weights and inputs,
int64 labels), so their results can be compared element by element.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.timing import TimingPlan

# The training-step workload: a 784-256-128-10 MLP at three batch sizes.
MLP_SIZES = (784, 256, 128, 10)
MLP_BATCHES = (1024, 128, 32)
MLP_BATCHES_QUICK = (64, 8)
MLP_LR = 0.1
ACTIVATIONS = ("sigmoid", "relu")

# Target ratio to the NumPy reference for each batch size of the MLP step.
STEP_TARGETS = {1024: 1.05, 128: 1.10, 32: 1.20}

# The elementwise chain: op i is CHAIN_OPS[i % 3], on a 1-element tensor.
CHAIN_OPS = ("add", "mul", "tanh")
CHAIN_ADD = 0.01
CHAIN_MUL = 1.05
CHAIN_START = 0.3
OVERHEAD_LENGTH = 1_000
OVERHEAD_LENGTH_QUICK = 100
OVERHEAD_TARGET = 1.0  # per-op time as a ratio to PyTorch's
CHAIN_LENGTHS = (1_000, 10_000, 100_000, 1_000_000)
CHAIN_LENGTHS_QUICK = (100, 300, 1_000)
LINEARITY_TARGET = 1.5  # largest over smallest time per node across N

# The digits epoch: the network and optimizer of examples/train_digits.py.
DIGITS_SIZES = (64, 64, 10)
DIGITS_BATCH = 32
DIGITS_LR = 1.0
DIGITS_MOMENTUM = 0.9
DIGITS_TRAIN_ROWS = 1_438  # rows in the training split of load_digits()
DIGITS_TARGET = 2.5

# Peak memory added by training.
MEMORY_BATCH = 1024
MEMORY_BATCH_QUICK = 64
MEMORY_STEPS = 50
MEMORY_STEPS_QUICK = 3
MEMORY_TARGET = 1.2

# Resident memory that "import tinygrad_edu" may add over "import numpy".
IMPORT_TARGET_MIB = 10.0
OPTIONAL_MODULES = ("sklearn", "scipy", "tqdm", "matplotlib", "hypothesis", "pytest")

# A switched-off tool may change the step time by at most this ratio, which
# the suite treats as "nothing measurable".
TOOL_TARGET = 1.02


def step_target(batch: int) -> float:
    """Return the step target of the smallest listed batch at least ``batch``.

    Smaller batches get looser targets, because the fixed cost of a step
    weighs more when there is less arithmetic to spread it over.
    """
    for listed in sorted(STEP_TARGETS):
        if batch <= listed:
            return STEP_TARGETS[listed]
    return STEP_TARGETS[max(STEP_TARGETS)]


@dataclass
class MLPSetup:
    """Initial weights, batches and hyperparameters of one training workload.

    ``weights`` alternates weight and bias per layer, ``[W1, b1, W2, b2, ...]``,
    with ``W`` of shape ``(out_features, in_features)`` as in ``nn.Linear``.
    Each batch is ``(x, y)``: x float32 of shape ``(N, sizes[0])``, y int64 of
    shape ``(N,)`` with classes in ``[0, sizes[-1])``.
    """

    sizes: tuple[int, ...]
    activation: str
    lr: float
    momentum: float
    weights: list[np.ndarray]
    batches: list[tuple[np.ndarray, np.ndarray]]
    data_note: str = "random normal inputs, random labels"


def initial_weights(sizes: tuple[int, ...], seed: int) -> list[np.ndarray]:
    """Draw weights and biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), float32.

    This is the distribution of PyTorch's default ``nn.Linear`` initialisation.
    """
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = 1 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_out, fan_in)))
        weights.append(rng.uniform(-bound, bound, fan_out))
    return [w.astype(np.float32) for w in weights]


def random_batch(
    rows: int, features: int, classes: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return standard normal float32 inputs and uniform int64 labels."""
    x = rng.standard_normal((rows, features), dtype=np.float32)
    y = rng.integers(0, classes, rows, dtype=np.int64)
    return x, y


def mlp_setup(
    activation: str, batch: int, sizes: tuple[int, ...] = MLP_SIZES, seed: int = 0
) -> MLPSetup:
    """Build the training-step workload: one batch, plain SGD."""
    rng = np.random.default_rng(seed + 1)
    data = random_batch(batch, sizes[0], sizes[-1], rng)
    return MLPSetup(
        sizes=sizes,
        activation=activation,
        lr=MLP_LR,
        momentum=0.0,
        weights=initial_weights(sizes, seed),
        batches=[data],
    )


def digits_setup(seed: int = 0) -> MLPSetup:
    """Build the digits epoch: the training split in batches of 32, in order.

    The inputs are standardised as in examples/train_digits.py, but once,
    before training, instead of inside the model. Without scikit-learn the
    data are random, of the same shape.
    """
    x, y, note = _digits_arrays(seed)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1)
    batches = [
        (x[start : start + DIGITS_BATCH], y[start : start + DIGITS_BATCH])
        for start in range(0, len(y), DIGITS_BATCH)
    ]
    return MLPSetup(
        sizes=DIGITS_SIZES,
        activation="sigmoid",
        lr=DIGITS_LR,
        momentum=DIGITS_MOMENTUM,
        weights=initial_weights(DIGITS_SIZES, seed),
        batches=batches,
        data_note=note,
    )


def _digits_arrays(seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Return the digits training split, or random data if sklearn is missing."""
    from tinygrad_edu.data import load_digits

    try:
        split = load_digits(seed=seed)
    except ImportError:
        rng = np.random.default_rng(seed)
        x, y = random_batch(DIGITS_TRAIN_ROWS, DIGITS_SIZES[0], DIGITS_SIZES[-1], rng)
        return x, y, "random data of the digits' shape (scikit-learn not installed)"
    note = "scikit-learn's bundled digits, training split"
    return split.x_train.astype(np.float32), split.y_train, note


@dataclass(frozen=True)
class Settings:
    """Options of one run: sizes shrink and repetitions drop with ``quick``.

    ``threads`` is the BLAS and PyTorch thread count for every workload, or
    None for the libraries' defaults.
    """

    quick: bool
    threads: int | None

    def plan(self, repeats: int, min_seconds: float, warmup: int = 1) -> TimingPlan:
        """Return a timing plan; ``quick`` makes it three short repetitions."""
        if self.quick:
            return TimingPlan(repeats=3, min_seconds=0.002, warmup=warmup)
        return TimingPlan(repeats, min_seconds, warmup)

    @property
    def mlp_batches(self) -> tuple[int, ...]:
        return MLP_BATCHES_QUICK if self.quick else MLP_BATCHES

    @property
    def overhead_length(self) -> int:
        return OVERHEAD_LENGTH_QUICK if self.quick else OVERHEAD_LENGTH

    @property
    def chain_lengths(self) -> tuple[int, ...]:
        return CHAIN_LENGTHS_QUICK if self.quick else CHAIN_LENGTHS

    @property
    def memory_batch(self) -> int:
        return MEMORY_BATCH_QUICK if self.quick else MEMORY_BATCH

    @property
    def memory_steps(self) -> int:
        return MEMORY_STEPS_QUICK if self.quick else MEMORY_STEPS
