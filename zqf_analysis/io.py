"""Atomic, byte-stable writing of processed tables, figures, pages and build records: the package's one
writer.

Outputs are first written into a temporary sibling and then renamed into place, so a failure never
leaves a half-written file and a reader never sees one; CSVs are written with fixed formatting so a
rerun on the same input gives identical bytes. pandas and matplotlib are imported only by the
functions that need them: the build writes its records through here on every no-op run.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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


def write_text_atomic(target: str | Path, text: str) -> Path:
    """Write ``text`` as UTF-8 atomically: a reader sees the old file or the new one, never half of one."""
    return write_bytes_atomic(target, text.encode("utf-8"))


#: Settings every saved figure is written under: an SVG id salt (reruns give equal ids) and SVG text
#: kept as text (searchable, and quicker to write than glyph outlines; matplotlib escapes it as XML).
FIGURE_SAVE_RC = {"svg.hashsalt": "zqf-analysis", "svg.fonttype": "none"}


def figure_bytes(fig, fmt: str, rc: Mapping | None = None) -> bytes:
    """A matplotlib figure as ``png`` (150 dpi) or ``svg`` bytes without dates or version-dependent
    metadata, so a rerun gives the same bytes; ``rc`` adds matplotlib settings for the drawing."""
    import io as _io

    import matplotlib

    buffer = _io.BytesIO()
    if fmt == "png":  # light zlib compression: a few percent larger, several times quicker to write
        options = {"metadata": {"Software": None}, "dpi": 150, "pil_kwargs": {"compress_level": 1}}
    else:
        options = {"metadata": {"Date": None, "Creator": None}, "dpi": "figure"}
    with matplotlib.rc_context({**(rc or {}), **FIGURE_SAVE_RC}):
        fig.savefig(buffer, format=fmt, **options)
    return _palette_png(buffer.getvalue()) if fmt == "png" else buffer.getvalue()


def _palette_png(png: bytes) -> bytes:
    """``png`` as a 256-colour palette PNG: a chart has few colours, so it looks the same at about a
    quarter of the bytes, which keeps a page that embeds thirty charts under 2 MB (a 1,350 x 1,200 px
    chart: 120 KB in RGBA, 29 KB in a palette; the quantisation costs about 60 ms, measured)."""
    import io as _io

    from PIL import Image

    with Image.open(_io.BytesIO(png)) as image:
        paletted = image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
    out = _io.BytesIO()
    paletted.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def save_figure(fig, folder: str | Path, stem: str, rc: Mapping | None = None) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` into ``folder`` atomically; both are rendered before
    either is written, and unchanged files keep their bytes.

    A layout engine (constrained layout) is worked out once, for the PNG; the SVG reuses it."""
    rendered = {"png": figure_bytes(fig, "png", rc)}
    engine = fig.get_layout_engine()
    fig.set_layout_engine("none")
    try:
        rendered["svg"] = figure_bytes(fig, "svg", rc)
    finally:
        fig.set_layout_engine(engine)
    return [write_bytes_atomic(Path(folder) / f"{stem}.{fmt}", data) for fmt, data in rendered.items()]


def write_csv_atomic(target: str | Path, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as :func:`csv_bytes` to ``target`` atomically."""
    return write_bytes_atomic(target, csv_bytes(frame))


def write_tables_atomic(folder: str | Path, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write several CSVs into ``folder`` as one step: all are rendered first, then renamed in turn.

    Rendering everything before the first rename means an error in any table leaves the folder as
    it was.
    """
    folder = Path(folder)
    rendered = {name: csv_bytes(frame) for name, frame in tables.items()}
    return [write_bytes_atomic(folder / f"{name}.csv", data) for name, data in rendered.items()]
