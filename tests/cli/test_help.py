"""The console script answers --help with every command, quickly and without Ray."""

import subprocess
import sys

from hyperprune.cli import COMMANDS


def test_help_lists_every_command():
    out = subprocess.run([sys.executable, "-m", "hyperprune", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for name in COMMANDS:
        assert name in out
    assert "Find the best pruned variant" in out


def test_search_help_lists_the_documented_flags():
    out = subprocess.run([sys.executable, "-m", "hyperprune", "search", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for flag in ("--hpo", "--max-evals", "--metric", "--e0", "--ei", "--final-count", "--final-epochs",
                 "--sparsity", "--space", "--model", "--data", "--preset", "--seed", "--out", "--address",
                 "--cpus-per-trial", "--gpus-per-trial", "--initial-pool"):
        assert flag in out


def test_help_does_not_import_ray_or_torch():
    code = "import sys; from hyperprune.cli import build_parser; build_parser(); " \
           "print('ray' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
