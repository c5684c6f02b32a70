"""Checkpoints: a resumed run matches an uninterrupted one bit for bit.

A checkpoint is a plain dict written with ``tinygrad_edu.save``: the model's
and the optimizer's state dicts, the state of the generator that shuffles the
DataLoader, and the epoch.
The last test kills a process in the middle of ``save`` and shows that the
previous checkpoint is still intact.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.nn import functional as F

ROOT = Path(__file__).resolve().parents[2]
EPOCHS = 4
RESUME_AT = 2


def make_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((100, 8))
    y = rng.integers(0, 3, size=100)
    return x, y


def make_run(init_seed: int):
    """Return a float64 model, SGD with momentum, a loader and its generator."""
    tg.manual_seed(init_seed)
    model = nn.Sequential(
        nn.Linear(8, 6, dtype="float64"), nn.Sigmoid(), nn.Linear(6, 3, dtype="float64")
    )
    optimizer = optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    generator = tg.Generator().manual_seed(11)
    loader = DataLoader(
        TensorDataset(*make_data()), batch_size=16, shuffle=True, generator=generator
    )
    return model, optimizer, loader, generator


def train_epoch(model, optimizer, loader) -> None:
    for x, y in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


def uninterrupted_params() -> list[np.ndarray]:
    model, optimizer, loader, _ = make_run(init_seed=0)
    for _ in range(EPOCHS):
        train_epoch(model, optimizer, loader)
    return [p.detach().numpy().copy() for p in model.parameters()]


def save_checkpoint_at(path: Path, epochs: int) -> None:
    model, optimizer, loader, generator = make_run(init_seed=0)
    for _ in range(epochs):
        train_epoch(model, optimizer, loader)
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "generator": generator.get_state(),
        "epoch": epochs,
    }
    tg.save(checkpoint, path)


def resume(path: Path, restore_generator: bool = True) -> list[np.ndarray]:
    # A different initialisation seed, so that only the checkpoint can make
    # the resumed run agree with the uninterrupted one.
    model, optimizer, loader, generator = make_run(init_seed=99)
    checkpoint = tg.load(path)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    if restore_generator:
        generator.set_state(checkpoint["generator"])

    for _ in range(checkpoint["epoch"], EPOCHS):
        train_epoch(model, optimizer, loader)
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_resumed_run_is_bit_identical(tmp_path):
    path = tmp_path / "checkpoint.npz"
    save_checkpoint_at(path, RESUME_AT)

    resumed = resume(path)

    expected = uninterrupted_params()
    assert len(resumed) == len(expected)
    for actual, wanted in zip(resumed, expected, strict=True):
        assert actual.dtype == np.float64
        np.testing.assert_array_equal(actual, wanted)


def test_resume_without_generator_state_differs(tmp_path):
    # Shows that the generator's state matters: without it the resumed run
    # shuffles as the first epochs did and ends elsewhere.
    path = tmp_path / "checkpoint.npz"
    save_checkpoint_at(path, RESUME_AT)

    resumed = resume(path, restore_generator=False)

    expected = uninterrupted_params()
    assert not np.array_equal(resumed[0], expected[0])


def test_checkpoint_epoch_loads_as_int(tmp_path):
    path = tmp_path / "checkpoint.npz"
    save_checkpoint_at(path, RESUME_AT)

    epoch = tg.load(path)["epoch"]

    assert type(epoch) is int
    assert epoch == RESUME_AT


# Generator state between passes ---------------------------------------------------


def epoch_orders(loader: DataLoader, passes: int) -> list[list[int]]:
    """Return the row order of each pass, read from a column of row numbers."""
    return [
        [int(v) for batch in loader for v in batch[0].numpy()] for _ in range(passes)
    ]


def numbered_loader(generator: tg.Generator) -> DataLoader:
    dataset = TensorDataset(np.arange(10))
    return DataLoader(dataset, batch_size=4, shuffle=True, generator=generator)


def test_generator_state_resumes_orders():
    generator = tg.Generator().manual_seed(3)
    original = numbered_loader(generator)
    epoch_orders(original, 2)
    state = generator.get_state()
    expected = epoch_orders(original, 3)

    other = tg.Generator().manual_seed(0)
    resumed = numbered_loader(other)
    other.set_state(state)

    assert epoch_orders(resumed, 3) == expected


def test_generator_state_survives_save(tmp_path):
    generator = tg.Generator().manual_seed(3)
    original = numbered_loader(generator)
    epoch_orders(original, 1)
    tg.save(generator.get_state(), tmp_path / "generator.npz")
    expected = epoch_orders(original, 2)

    other = tg.Generator()
    resumed = numbered_loader(other)
    other.set_state(tg.load(tmp_path / "generator.npz"))

    assert epoch_orders(resumed, 2) == expected
    assert other.initial_seed() == 3


def test_generator_state_is_a_copy():
    generator = tg.Generator().manual_seed(3)
    state = generator.get_state()
    epoch_orders(numbered_loader(generator), 1)

    assert state == tg.Generator().manual_seed(3).get_state()


@pytest.mark.parametrize(
    ("state", "error", "fragment"),
    [
        ([], TypeError, "got list"),
        ({}, ValueError, "missing keys"),
        ({"bit_generator": "MT19937"}, ValueError, "PCG64"),
        ({"bit_generator": "PCG64"}, ValueError, "missing keys"),
    ],
    ids=["not_dict", "empty", "other_bit_generator", "incomplete"],
)
def test_bad_generator_state_keeps_orders(state, error, fragment):
    generator = tg.Generator().manual_seed(3)
    loader = numbered_loader(generator)
    before = generator.get_state()
    expected = epoch_orders(numbered_loader(tg.Generator().manual_seed(3)), 1)

    with pytest.raises(error) as info:
        generator.set_state(state)

    assert fragment in str(info.value)
    assert generator.get_state() == before
    assert epoch_orders(loader, 1) == expected


# Interrupted save -----------------------------------------------------------------

# Writes the new checkpoint's archive into the temporary file, reports it and
# then waits to be killed before save() can rename the file into place.
STALLED_SAVE = """
import sys, time
import numpy as np
import tinygrad_edu as tg

real_savez = np.savez

def savez_then_stall(file, **arrays):
    real_savez(file, **arrays)
    file.flush()
    print("written", flush=True)
    time.sleep(120)

np.savez = savez_then_stall
tg.save({"epoch": 2, "weights": np.full(100_000, 2.0)}, sys.argv[1])
"""


def test_killed_save_keeps_old_checkpoint(tmp_path):
    path = tmp_path / "checkpoint.npz"
    tg.save({"epoch": 1, "weights": np.full(100_000, 1.0)}, path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    process = subprocess.Popen(
        [sys.executable, "-c", STALLED_SAVE, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
    finally:
        process.kill()
        process.wait()
        process.stdout.close()

    assert line.strip() == "written"
    leftovers = list(tmp_path.glob(".checkpoint.npz.*.tmp"))
    assert len(leftovers) == 1
    loaded = tg.load(path)
    assert loaded["epoch"] == 1
    np.testing.assert_array_equal(loaded["weights"], np.full(100_000, 1.0))
