"""Sizes in one unit, binary: MiB = 1024 * 1024 bytes, as the DEAL_*_MB settings and all messages mean it."""

from __future__ import annotations

__all__ = ["KIB", "MIB", "describe_size", "mib_bytes"]

KIB = 1024
MIB = 1024 * KIB
_GIB = 1024 * MIB


def mib_bytes(mib: float) -> int:
    """The byte count of a size given in MiB (a DEAL_*_MB setting)."""
    return int(mib * MIB)


def describe_size(count: int) -> str:
    """A byte count for people: "3.1 GiB", "16 KiB", "512 bytes"."""
    for unit, size in (("GiB", _GIB), ("MiB", MIB), ("KiB", KIB)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count} bytes"
