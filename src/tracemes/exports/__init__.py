"""Documents made from what the services know: printable cards and labels."""

from tracemes.exports import cards, labels

__all__ = ["cards", "labels"]
