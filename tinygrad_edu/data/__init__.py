"""Datasets and mini-batch iteration for the examples and for users.

``BatchLoader`` yields mini-batches of Tensors from in-memory arrays. The
readers return a ``Split`` of NumPy arrays: ``load_digits`` takes the 8x8
digits bundled with scikit-learn, and ``load_mnist`` reads the MNIST IDX files
from a local directory. Nothing in this package downloads data.
"""

from tinygrad_edu.data.digits import load_digits
from tinygrad_edu.data.loader import BatchLoader
from tinygrad_edu.data.mnist import load_mnist, read_idx, write_idx
from tinygrad_edu.data.split import Split

__all__ = [
    "BatchLoader",
    "Split",
    "load_digits",
    "load_mnist",
    "read_idx",
    "write_idx",
]
