"""TraceMES: a manufacturing execution system that traces every unit."""

__version__ = "0.1.0"
