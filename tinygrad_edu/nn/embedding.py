"""``Embedding``: a lookup table that maps integer indices to learned vectors."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.dtypes import DTypeLike, default_float, to_dtype
from tinygrad_edu.errors import DTypeError
from tinygrad_edu.nn import init
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.parameter import Parameter
from tinygrad_edu.tensor import Tensor


class Embedding(Module):
    """Look up one row of ``weight`` for each integer index in the input.

    The output is ``weight[input]``. The gradient of ``weight`` gets, in each
    row, the sum of the output gradients at the positions that contain that index.
    The row ``padding_idx`` gets no gradient, so it stays as it is (zeros
    after ``reset_parameters``) during training.

    Args:
        num_embeddings: the number of rows in the table.
        embedding_dim: the length of each row.
        padding_idx: the row that gets no gradient, or None. A negative value
            counts from the end, as in PyTorch.
        dtype: the dtype of the weight, float32 by default.

    Attributes:
        weight: Parameter of shape (num_embeddings, embedding_dim), drawn
            from N(0, 1) with the ``padding_idx`` row set to zero.

    Shape:
        - Input: (*), any shape, of an integer dtype.
        - Output: (*, embedding_dim).

    Raises:
        ValueError: if a size is not a non-negative integer, or ``padding_idx``
            is outside [-num_embeddings, num_embeddings).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__()
        for name, value in (
            ("num_embeddings", num_embeddings),
            ("embedding_dim", embedding_dim),
        ):
            if not _is_integer(value) or value < 0:
                raise ValueError(
                    f"Embedding: {name} must be a non-negative integer, got {value!r}"
                )

        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.padding_idx = self._normalize_padding_idx(padding_idx)
        dtype = to_dtype(dtype) if dtype is not None else default_float()
        self.weight = Parameter(
            np.empty((self.num_embeddings, self.embedding_dim), dtype)
        )
        self.reset_parameters()

    def _normalize_padding_idx(self, padding_idx: int | None) -> int | None:
        if padding_idx is None:
            return None
        count = self.num_embeddings
        if not _is_integer(padding_idx) or not -count <= padding_idx < count:
            raise ValueError(
                f"Embedding: padding_idx must be an integer in [{-count}, {count}) "
                f"for num_embeddings={count}, got {padding_idx!r}"
            )
        return int(padding_idx) % count

    def reset_parameters(self) -> None:
        """Draw the weight from N(0, 1) and zero the ``padding_idx`` row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data.numpy()[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        indices = _check_indices(input, self.num_embeddings)
        out = self.weight[indices]
        if self.padding_idx is None:
            return out

        # The padding positions take their values from a detached copy of the
        # weight, so the padding row gets no gradient from them.
        is_padding = (indices == self.padding_idx)[..., None]
        keep = Tensor((~is_padding).astype(out.dtype))
        padding_values = self.weight.detach()[indices] * Tensor(
            is_padding.astype(out.dtype)
        )
        return out * keep + padding_values

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text


def _is_integer(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def _check_indices(input: Tensor | np.ndarray, count: int) -> np.ndarray:
    """Return ``input`` as an int64 array, after checking dtype and range."""
    indices = input.detach().numpy() if isinstance(input, Tensor) else np.asarray(input)
    if not np.issubdtype(indices.dtype, np.integer):
        raise DTypeError(
            f"Embedding expects integer indices, got dtype {indices.dtype}; "
            "convert them with .long()"
        )
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        bad = indices[(indices < 0) | (indices >= count)].flat[0]
        raise IndexError(
            f"Embedding: index {bad} is out of range for a table of "
            f"{count} rows; indices must be in [0, {count})"
        )
    return indices.astype(np.int64)
