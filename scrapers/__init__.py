"""Storyline: the story and its widgets from JavaScript-heavy news pages."""

__version__ = "0.1.0"
