"""Typed errors. Pages catch :class:`ScaleScopeError` and show its message as it is.

Every message is a sentence a student understands and names the offending value.
"""


class ScaleScopeError(ValueError):
    """Base of every error the core raises on purpose."""


class ImageLoadError(ScaleScopeError):
    """The bytes could not be turned into an image, or the image is refused."""


class InvalidParameterError(ScaleScopeError):
    """A parameter is outside the range an operation accepts."""
