"""The wheel's `tbconfusion` command is the Rust one."""

import os
import shutil
import subprocess
import sys

import pytest

from events import png_size, values


def command():
    path = shutil.which("tbconfusion", path=os.path.dirname(sys.executable))
    assert path, "the wheel installs a tbconfusion console script beside python"
    return path


def run(*args, **kwargs):
    return subprocess.run([command(), *args], capture_output=True, text=True, **kwargs)


def test_converts_a_dump(tmp_path):
    dump = tmp_path / "preds.csv"
    dump.write_text("y_true,y_pred\n0,0\n1,2\n2,2\n2,2\n1,1\n0,0\n")
    done = run("convert", str(dump), "--logdir", str(tmp_path / "runs"), "--labels", "cat,dog,bird")
    assert done.returncode == 0, done.stderr
    runs = os.listdir(tmp_path / "runs")
    assert runs == ["preds"]
    logged = values(tmp_path / "runs" / "preds")
    images = [v for v in logged if v["tag"] == "confusion_matrix"]
    assert len(images) == 1 and min(png_size(images[0]["png"])) > 100
    accuracy = [v["scalar"] for v in logged if v["tag"] == "confusion_matrix/accuracy"]
    assert accuracy == [pytest.approx(5 / 6)]


def test_exit_codes():
    assert run("--version").returncode == 0
    assert run("no-such-subcommand").returncode == 2  # usage error, as clap's
    missing = run("inspect", "/nonexistent/logdir")
    assert missing.returncode == 1 and missing.stderr.startswith("error:")


RUST_BINARY = os.environ.get("TBCONFUSION_RUST_BIN")


@pytest.mark.skipif(not RUST_BINARY, reason="set TBCONFUSION_RUST_BIN to the Rust build of the command")
@pytest.mark.parametrize(
    "args",
    [["--help"], ["--version"], ["convert", "--help"], ["export", "--help"], ["inspect", "--help"],
     ["render", "--help"], ["bogus"], ["convert"], ["inspect", "/nonexistent/logdir"]],
)
def test_same_as_the_rust_binary(args):
    wheel = run(*args)
    rust = subprocess.run([RUST_BINARY, *args], capture_output=True, text=True)
    assert (wheel.returncode, wheel.stdout, wheel.stderr) == (rust.returncode, rust.stdout, rust.stderr)
