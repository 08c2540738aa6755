"""Documents made from what the services know: printable cards and labels."""

from tracemes.exports import cards

__all__ = ["cards"]
