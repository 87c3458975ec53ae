"""Storyline's version, in a module of its own so the package's modules can name it without
importing the package's public face (`scrapers/__init__.py`)."""

__version__ = "0.1.0"
