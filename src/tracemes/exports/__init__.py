"""Documents made from what the services know: printable cards, labels and reports."""

from tracemes.exports import cards, inspection_report, labels

__all__ = ["cards", "inspection_report", "labels"]
