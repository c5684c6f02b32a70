"""Adapters for the NumPy-based peers: MyGrad and HIPS autograd.

Both build the same MLP as the reference from their own operations and
update the weights with the same SGD rule, written out here because neither
ships an optimizer. See ``systems.py`` for the interface.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.systems import ChainFunction, System, package_version
from benchmarks.workloads import CHAIN_ADD, CHAIN_MUL, CHAIN_START, MLPSetup


def sgd_update(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    buffers: list[np.ndarray | None],
    lr: float,
    momentum: float,
) -> None:
    """Update ``params`` in place by SGD with PyTorch's momentum rule."""
    for i, grad in enumerate(grads):
        if momentum:
            buffer = buffers[i]
            if buffer is None:
                buffer = buffers[i] = grad.copy()
            else:
                buffer *= momentum
                buffer += grad
            grad = buffer
        params[i] -= lr * grad


# MyGrad ------------------------------------------------------------------------


def load_mygrad() -> System:
    import mygrad  # noqa: F401 (fails here when MyGrad is missing)

    return System(
        name="mygrad",
        version=package_version("mygrad") or "unknown",
        make_trainer=MyGradTrainer,
        make_chain=mygrad_chain,
    )


class MyGradTrainer:
    """The MLP in MyGrad: ``matmul``, its activations and softmax cross-entropy."""

    def __init__(self, setup: MLPSetup) -> None:
        import mygrad
        from mygrad.nnet.activations import relu, sigmoid
        from mygrad.nnet.losses import softmax_crossentropy

        self.mygrad = mygrad
        self.activation = sigmoid if setup.activation == "sigmoid" else relu
        self.loss_function = softmax_crossentropy
        self.params = [mygrad.tensor(w.copy()) for w in setup.weights]
        self.buffers: list[np.ndarray | None] = [None] * len(self.params)
        self.setup = setup

    def step(self, index: int) -> float:
        x, y = self.setup.batches[index]
        h: Any = x
        layers = len(self.params) // 2
        for i in range(layers):
            weight, bias = self.params[2 * i], self.params[2 * i + 1]
            h = self.mygrad.matmul(h, weight.T) + bias
            if i < layers - 1:
                h = self.activation(h)
        loss = self.loss_function(h, y)
        loss.backward()

        arrays = [p.data for p in self.params]
        grads = [p.grad for p in self.params]
        sgd_update(arrays, grads, self.buffers, self.setup.lr, self.setup.momentum)
        return loss.item()

    def weights(self) -> list[np.ndarray]:
        return [p.data.copy() for p in self.params]


def mygrad_chain(length: int) -> ChainFunction:
    """Return the chain in MyGrad, with float32 constants.

    MyGrad turns a Python float into a float64 array, which would make the
    whole chain float64.
    """
    import mygrad

    add, mul = np.float32(CHAIN_ADD), np.float32(CHAIN_MUL)

    def run() -> tuple[float, float]:
        x = mygrad.tensor(np.array([CHAIN_START], dtype=np.float32))
        y = x
        for i in range(length):
            kind = i % 3
            if kind == 0:
                y = y + add
            elif kind == 1:
                y = y * mul
            else:
                y = mygrad.tanh(y)
        y.backward()
        return y.item(), x.grad.item()

    return run


# HIPS autograd -----------------------------------------------------------------


def load_autograd() -> System:
    import autograd  # noqa: F401 (fails here when autograd is missing)

    return System(
        name="autograd",
        version=package_version("autograd") or "unknown",
        make_trainer=AutogradTrainer,
        make_chain=autograd_chain,
    )


class AutogradTrainer:
    """The MLP as a function of its weights, differentiated by ``value_and_grad``."""

    def __init__(self, setup: MLPSetup) -> None:
        from autograd import value_and_grad

        self.params = [w.copy() for w in setup.weights]
        self.buffers: list[np.ndarray | None] = [None] * len(self.params)
        self.setup = setup
        self.loss_and_grads = value_and_grad(_autograd_loss)

    def step(self, index: int) -> float:
        x, y = self.setup.batches[index]
        loss, grads = self.loss_and_grads(self.params, x, y, self.setup.activation)
        sgd_update(self.params, grads, self.buffers, self.setup.lr, self.setup.momentum)
        return float(loss)

    def weights(self) -> list[np.ndarray]:
        return [p.copy() for p in self.params]


def _autograd_loss(
    params: list[Any], x: np.ndarray, y: np.ndarray, activation: str
) -> Any:
    """Return the mean softmax cross-entropy of the MLP, in autograd.numpy."""
    import autograd.numpy as anp

    h: Any = x
    layers = len(params) // 2
    for i in range(layers):
        h = anp.dot(h, params[2 * i].T) + params[2 * i + 1]
        if i < layers - 1:
            h = anp.maximum(h, 0) if activation == "relu" else 1 / (1 + anp.exp(-h))

    shifted = h - anp.max(h, axis=1, keepdims=True)
    log_sums = anp.log(anp.sum(anp.exp(shifted), axis=1))
    return anp.mean(log_sums - shifted[np.arange(len(y)), y])


def autograd_chain(length: int) -> ChainFunction:
    """Return the chain in autograd; its sum at the end adds one node."""
    import autograd.numpy as anp
    from autograd import value_and_grad

    def chain(x: Any) -> Any:
        y = x
        for i in range(length):
            kind = i % 3
            if kind == 0:
                y = y + CHAIN_ADD
            elif kind == 1:
                y = y * CHAIN_MUL
            else:
                y = anp.tanh(y)
        return anp.sum(y)

    value_and_gradient = value_and_grad(chain)

    def run() -> tuple[float, float]:
        value, grad = value_and_gradient(np.array([CHAIN_START], dtype=np.float32))
        return float(value), float(grad[0])

    return run
