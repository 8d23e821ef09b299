"""blazeio-other: extras imported by path (``aws_s3``, ``crypto``, ``class_parser``)."""

from __future__ import annotations

from blazeio_other.__about__ import __version__

__all__ = ["__version__"]
