"""The flags that name the problem a search or a calibration works on, shared by both commands."""

from __future__ import annotations

import argparse


def add_problem_flags(p: argparse.ArgumentParser, defaults, *, seed_help: str) -> None:
    """Sparsity, space, preset, model, data, settings, seed, output and Ray address flags."""
    p.add_argument("--sparsity", type=float, default=None,
                   help="target sparsity in (0, 1) (default: the space's, else 0.67)")
    p.add_argument("--space", default=defaults.space,
                   help="search space: a built-in name (reference, dst-wide, all-methods) or a YAML file")
    p.add_argument("--preset", default=defaults.preset, help="tiny (CPU) or paper (2x1500 LSTM)")
    p.add_argument("--model", default=None, help="model kind: lstm, gru, rnn_tanh, rhn, mlp, cnn")
    p.add_argument("--data", default=None, help="data: embedded, ptb, digits, mnist, cifar10")
    p.add_argument("--data-path", default=None, help="directory of the data files")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="override a run setting, e.g. --set train.lr=10 --set model.hidden_size=64")
    p.add_argument("--seed", type=int, default=defaults.seed, help=seed_help)
    p.add_argument("--out", default=defaults.out, help=f"output directory (default {defaults.out})")
    p.add_argument("--address", default=None,
                   help="Ray cluster to attach to (auto, host:port); default: start an embedded local Ray")
