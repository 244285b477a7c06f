"""Atomic, byte-stable writing of processed tables and other outputs.

Outputs are first written into a temporary sibling and then renamed into place, so a failure never
leaves a half-written file and a reader never sees one; CSVs are written with fixed formatting so a
rerun on the same input gives identical bytes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The CSV text of ``frame`` as UTF-8 bytes: no index, ``\\n`` line ends, floats with 6 decimals."""
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.6f").encode("utf-8")


@contextmanager
def atomic_path(target: str | Path):
    """Yield a temporary path next to ``target``; rename it onto ``target`` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(temporary)
    os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        if temporary.exists():
            temporary.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically; an unchanged file is left untouched (same mtime)."""
    target = Path(target)
    if target.is_file() and target.read_bytes() == data:
        return target
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)
    return target


def write_csv_atomic(target: str | Path, frame: pd.DataFrame) -> Path:
    return write_bytes_atomic(target, csv_bytes(frame))


def write_tables_atomic(folder: str | Path, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write several CSVs into ``folder`` as one step: all are rendered first, then renamed in turn.

    Rendering everything before the first rename means an error in any table leaves the folder as
    it was.
    """
    folder = Path(folder)
    rendered = {name: csv_bytes(frame) for name, frame in tables.items()}
    return [write_bytes_atomic(folder / f"{name}.csv", data) for name, data in rendered.items()]


def replace_dir_atomic(source: str | Path, target: str | Path) -> None:
    """Move a fully built directory onto ``target``, replacing the old one only once the new is whole."""
    source, target = Path(source), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    backup = target.with_name(f".{target.name}.old")
    if backup.exists():
        shutil.rmtree(backup)
    if target.exists():
        os.replace(target, backup)
    os.replace(source, target)
    if backup.exists():
        shutil.rmtree(backup)
