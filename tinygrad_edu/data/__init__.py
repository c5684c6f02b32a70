"""Datasets and mini-batch loading for the examples and for users.

The classes follow ``torch.utils.data``: ``Dataset``, ``TensorDataset``,
``Subset``, ``ConcatDataset`` and ``random_split`` describe the samples, the
samplers set the order, and ``DataLoader`` yields mini-batches of Tensors. The
readers return a ``Split`` of NumPy arrays: ``load_digits`` takes the 8x8
digits bundled with scikit-learn, and ``load_mnist`` reads the MNIST IDX files
from a local directory. Nothing in this package downloads data.
"""

from tinygrad_edu.data.collate import default_collate, default_convert
from tinygrad_edu.data.dataloader import DataLoader
from tinygrad_edu.data.dataset import (
    ConcatDataset,
    Dataset,
    Subset,
    TensorDataset,
    random_split,
)
from tinygrad_edu.data.digits import load_digits
from tinygrad_edu.data.mnist import load_mnist, read_idx, write_idx
from tinygrad_edu.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
)
from tinygrad_edu.data.split import Split

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Split",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "default_collate",
    "default_convert",
    "load_digits",
    "load_mnist",
    "random_split",
    "read_idx",
    "write_idx",
]
