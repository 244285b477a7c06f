"""The workers' kernels and output: private Unix sockets where a socket path fits (TCP otherwise), and a
worker's output, from Python and below it, kept in its log and out of the build's progress."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from zqf_analysis.build.kernels import SharedKernel

ROOT = Path(__file__).resolve().parents[1]


def test_kernels_talk_over_private_unix_sockets_when_the_path_allows(tmp_path, monkeypatch):
    """No TCP port is picked and released for a kernel to bind later (a race between parallel workers)."""
    kernel = SharedKernel(tmp_path, io.StringIO())
    short = Path(tempfile.mkdtemp(prefix="zqf-test-", dir="/tmp" if Path("/tmp").is_dir() else None))
    monkeypatch.setattr(tempfile, "tempdir", str(short))
    try:
        chosen = kernel.transport()
        if sys.platform == "win32":
            assert chosen == {}  # TCP on localhost, jupyter_client's default
            return
        assert chosen["transport"] == "ipc"
        folder = Path(chosen["connection_file"]).parent
        assert folder.parent == short and folder.is_dir() and kernel.runtime == str(folder)
    finally:
        shutil.rmtree(short)
    deep = tmp_path / ("d" * 90)
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    assert kernel.transport() == {} and kernel.runtime is None  # too long for a socket path: TCP
    assert list(deep.iterdir()) == []


def test_a_worker_output_goes_to_its_log_and_not_to_the_terminal(tmp_path):
    """What a worker prints, warns or writes below Python (file descriptors 1 and 2) lands in its log."""
    log = tmp_path / "logs" / "worker-1.log"
    code = (
        "import os, sys, warnings\n"
        "from pathlib import Path\n"
        "from zqf_analysis.build.kernels import redirect_output\n"
        f"handle, terminal = redirect_output(Path({str(log)!r}))\n"
        "print('printed by Python')\n"
        "warnings.warn('a warning')\n"
        "os.write(1, b'written to fd 1 without a newline')\n"
        "os.write(2, b' and to fd 2\\n')\n"
        "print('terminal is', terminal)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    text = log.read_text(encoding="utf-8")
    for piece in ("printed by Python", "UserWarning: a warning", "written to fd 1 without a newline and to fd 2"):
        assert piece in text
    assert "terminal is None" in text  # not a terminal here: no progress bar


@pytest.mark.slow
def test_a_shared_kernel_is_reset_to_what_a_fresh_kernel_has(tmp_path):
    """Two executions in one kernel with a reset between them: the second sees no variable, setting or
    working folder the first left; the kernel's own output is in the log."""
    log = (tmp_path / "kernel.log").open("w", encoding="utf-8")
    kernel = SharedKernel(tmp_path, log)
    try:
        manager = kernel.start()
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)

        def run(code: str) -> str:
            printed = []

            def keep(message):
                if message["msg_type"] == "stream":
                    printed.append(message["content"]["text"])

            reply = client.execute_interactive(code, timeout=60, output_hook=keep)
            assert reply["content"]["status"] == "ok", reply["content"]
            return "".join(printed)

        run("import os, pandas\nleftover = 1\npandas.set_option('display.max_rows', 3)\nos.chdir('/')\n"
            "os.write(1, b'below')")
        kernel.runs = 1
        kernel.reset()
        seen = run("import os, pandas\nprint('leftover' in dir(), pandas.get_option('display.max_rows'), os.getcwd())")
        assert seen.split() == ["False", "60", str(tmp_path)]
        client.stop_channels()
    finally:
        kernel.shutdown()
        log.close()
    assert "below" in (tmp_path / "kernel.log").read_text(encoding="utf-8")
