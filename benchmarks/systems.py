"""Adapters that run each workload in each system, with one interface.

A system is the NumPy reference, tinygrad_edu, or a peer (PyTorch here,
MyGrad and HIPS autograd in ``peers.py``). Each adapter builds:

- a trainer from an ``MLPSetup``: ``step(index)`` trains once on batch
  ``index`` and returns the loss as a float, ``weights()`` returns NumPy
  copies of ``[W1, b1, W2, b2, ...]``;
- a chain function for a length N: it runs the elementwise chain forward
  and backward and returns ``(output, gradient)`` as floats.

Peers are optional: one that cannot be imported is skipped with a note.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from benchmarks import reference
from benchmarks.workloads import CHAIN_ADD, CHAIN_MUL, CHAIN_START, MLPSetup


class Trainer(Protocol):
    def step(self, index: int) -> float: ...

    def weights(self) -> list[np.ndarray]: ...


ChainFunction = Callable[[], tuple[float, float]]


@dataclass(frozen=True)
class System:
    """One system under test, and how to build its workloads.

    ``numpy_memory`` is True when all its arrays are NumPy arrays, whose
    allocations tracemalloc counts.
    """

    name: str
    version: str
    make_trainer: Callable[[MLPSetup], Trainer]
    make_chain: Callable[[int], ChainFunction]
    numpy_memory: bool = True


def load_reference() -> System:
    return System(
        name=reference.NAME,
        version=np.__version__,
        make_trainer=reference.MLPReference,
        make_chain=reference.make_chain,
    )


# tinygrad_edu ------------------------------------------------------------------


def load_tinygrad() -> System:
    import tinygrad_edu

    return System(
        name="tinygrad_edu",
        version=tinygrad_edu.__version__,
        make_trainer=TinygradTrainer,
        make_chain=tinygrad_chain,
    )


class TinygradTrainer:
    """The MLP built from ``nn.Linear`` layers, trained with ``optim.SGD``."""

    def __init__(self, setup: MLPSetup) -> None:
        from tinygrad_edu import Tensor, nn, no_grad, optim
        from tinygrad_edu.nn import functional

        activation = nn.Sigmoid if setup.activation == "sigmoid" else nn.ReLU
        self.model = nn.Sequential(*_layers(setup.sizes, nn.Linear, activation))
        with no_grad():
            for param, value in zip(
                self.model.parameters(), setup.weights, strict=True
            ):
                param.copy_(Tensor(value))

        self.optimizer = optim.SGD(
            self.model.parameters(), lr=setup.lr, momentum=setup.momentum
        )
        self.batches = [(Tensor(x), Tensor(y)) for x, y in setup.batches]
        self.cross_entropy = functional.cross_entropy

    def step(self, index: int) -> float:
        x, y = self.batches[index]
        self.optimizer.zero_grad()
        loss = self.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def weights(self) -> list[np.ndarray]:
        # clone() first: numpy() on the parameter itself would make later steps
        # checksum it (see Tensor.numpy), which the timed steps must not pay.
        return [p.detach().clone().numpy() for p in self.model.parameters()]


def tinygrad_chain(length: int) -> ChainFunction:
    from tinygrad_edu import Tensor

    def run() -> tuple[float, float]:
        x = Tensor(np.array([CHAIN_START], dtype=np.float32), requires_grad=True)
        y = x
        for i in range(length):
            kind = i % 3
            if kind == 0:
                y = y + CHAIN_ADD
            elif kind == 1:
                y = y * CHAIN_MUL
            else:
                y = y.tanh()
        y.backward()
        return y.item(), _grad_value(x.grad)

    return run


# PyTorch -----------------------------------------------------------------------


def load_torch() -> System:
    import torch

    return System(
        name="torch",
        version=torch.__version__,
        make_trainer=TorchTrainer,
        make_chain=torch_chain,
        numpy_memory=False,
    )


class TorchTrainer:
    """The MLP in PyTorch on the CPU, float32, trained with ``torch.optim.SGD``."""

    def __init__(self, setup: MLPSetup) -> None:
        import torch

        activation = (
            torch.nn.Sigmoid if setup.activation == "sigmoid" else torch.nn.ReLU
        )
        self.model = torch.nn.Sequential(
            *_layers(setup.sizes, torch.nn.Linear, activation)
        )
        with torch.no_grad():
            for param, value in zip(
                self.model.parameters(), setup.weights, strict=True
            ):
                param.copy_(torch.from_numpy(value))

        self.optimizer = torch.optim.SGD(
            self.model.parameters(), lr=setup.lr, momentum=setup.momentum
        )
        self.batches = [
            (torch.from_numpy(x.copy()), torch.from_numpy(y.copy()))
            for x, y in setup.batches
        ]
        self.cross_entropy = torch.nn.functional.cross_entropy

    def step(self, index: int) -> float:
        x, y = self.batches[index]
        self.optimizer.zero_grad()
        loss = self.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def weights(self) -> list[np.ndarray]:
        # clone() first: numpy() on the parameter itself would make later steps
        # checksum it (see Tensor.numpy), which the timed steps must not pay.
        return [p.detach().clone().numpy() for p in self.model.parameters()]


def torch_chain(length: int) -> ChainFunction:
    import torch

    def run() -> tuple[float, float]:
        x = torch.tensor([CHAIN_START], dtype=torch.float32, requires_grad=True)
        y = x
        for i in range(length):
            kind = i % 3
            if kind == 0:
                y = y + CHAIN_ADD
            elif kind == 1:
                y = y * CHAIN_MUL
            else:
                y = y.tanh()
        y.backward()
        return y.item(), _grad_value(x.grad)

    return run


# Loading -----------------------------------------------------------------------


def _grad_value(grad: Any) -> float:
    """Return a 1-element gradient as a float; raise if there is none."""
    if grad is None:
        raise RuntimeError("the chain's input received no gradient")
    return float(grad.item())


def _layers(sizes: tuple[int, ...], linear: Any, activation: Any) -> list[Any]:
    """Return Linear layers for ``sizes`` with ``activation`` between them."""
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        if i > 0:
            layers.append(activation())
        layers.append(linear(fan_in, fan_out))
    return layers


def peer_loaders() -> dict[str, Callable[[], System]]:
    """Return a loader for each optional peer, by its ``--peers`` name."""
    from benchmarks import peers

    return {
        "torch": load_torch,
        "mygrad": peers.load_mygrad,
        "autograd": peers.load_autograd,
    }


def load_systems(peer_names: list[str]) -> tuple[list[System], list[str]]:
    """Load the reference, tinygrad_edu and each peer in ``peer_names``.

    Returns the systems, the reference first, and a note for each peer that
    could not be imported.
    """
    systems = [load_reference(), load_tinygrad()]
    notes = []
    loaders = peer_loaders()
    for name in peer_names:
        try:
            systems.append(loaders[name]())
        except ImportError as error:
            notes.append(f"{name}: skipped, not importable ({error})")
    return systems, notes


def load_system(name: str) -> System:
    """Load one system by its name, as printed in the tables."""
    if name == reference.NAME:
        return load_reference()
    if name == "tinygrad_edu":
        return load_tinygrad()
    return peer_loaders()[name]()


def package_version(distribution: str) -> str | None:
    """Return an installed distribution's version, or None if it is missing."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
