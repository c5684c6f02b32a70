"""Neural-network building blocks with PyTorch's names: ``Module``, layers, losses.

- ``Module`` and ``Parameter``: the base class of models and their weights.
- Layers: ``Linear``, ``Conv2d``, ``MaxPool2d``, ``AvgPool2d``, ``Identity``,
  ``Flatten``, ``BatchNorm1d``, ``BatchNorm2d``, ``Dropout``, ``Embedding``,
  ``RNNCell``, the activations ``ReLU``,
  ``Sigmoid``, ``Tanh``, ``Softmax``, ``LogSoftmax``, and the containers
  ``Sequential`` and ``ModuleList``.
- Losses: ``MSELoss``, ``CrossEntropyLoss``, ``NLLLoss``, ``BCELoss``,
  ``BCEWithLogitsLoss``.
- ``functional`` (imported as ``F``) and ``init``: the functions behind the
  layers, and the weight initialisers.
- ``utils``: gradient clipping (``clip_grad_norm_``, ``clip_grad_value_``).
"""

from tinygrad_edu.nn import functional, init, utils
from tinygrad_edu.nn.activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from tinygrad_edu.nn.containers import ModuleList, Sequential
from tinygrad_edu.nn.conv import AvgPool2d, Conv2d, MaxPool2d
from tinygrad_edu.nn.dropout import Dropout
from tinygrad_edu.nn.embedding import Embedding
from tinygrad_edu.nn.layers import Flatten, Identity, Linear
from tinygrad_edu.nn.loss_modules import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    MSELoss,
    NLLLoss,
)
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.normalization import BatchNorm1d, BatchNorm2d
from tinygrad_edu.nn.parameter import Parameter
from tinygrad_edu.nn.recurrent import RNNCell

__all__ = [
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "Identity",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "RNNCell",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "functional",
    "init",
    "utils",
]
