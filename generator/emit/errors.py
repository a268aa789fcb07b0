"""The error of the emit room: generation cannot go on, and why."""

from __future__ import annotations


class GenerateError(Exception):
    """A template, the docs catalogue, an example or the output folder stops generation."""


class RenderError(GenerateError):
    """A template failed; the message names the template file and line."""


class OutputRefused(GenerateError):
    """The output folder cannot take the generated files without losing someone's file."""
