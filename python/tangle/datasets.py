"""Data sets embedded in the library."""

from . import _tangle

__all__ = ["digits"]


def digits():
    """The UCI "Optical Recognition of Handwritten Digits" set embedded in the C++ library:
    ``(images, labels)``, images float32 ``[1797, 8, 8]`` with values 0..16, labels int64 ``[1797]``
    in 0..9."""
    images, labels, _ = _tangle.embedded_digits()
    return images.numpy(), labels.numpy()
