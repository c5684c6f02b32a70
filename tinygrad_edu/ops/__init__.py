"""The built-in differentiable operations, one ``Function`` subclass each.

- ``arithmetic``: + - * / ** and negation.
- ``unary``: exp, log, sqrt, abs, relu, sigmoid, tanh, clamp, dtype casts.
- ``selection``: maximum, minimum, where.
- ``reduce``: sum, amax/amin.
- ``softmax``: softmax and log_softmax.
- ``shape``: reshape, permute, expand, indexing, gather, cat.
- ``matmul``: the matrix product.
- ``conv``: conv2d, max_pool2d and avg_pool2d, built on im2col windows.

Each forward works on NumPy arrays; each backward uses Tensor operations, so it
can itself be differentiated.
"""
