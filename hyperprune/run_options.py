"""What one training run is made of, as options: preset, model, data and ``--set`` settings.

:class:`RunOptions` holds the fields every command that trains shares (``hyperprune train``,
and through :class:`~hyperprune.searching.problem_options.ProblemOptions` ``search`` and
``calibrate``); :func:`build_spec` is the one way options become a checked
:class:`~hyperprune.config.RunSpec`. Each options class says with :meth:`RunOptions.run_settings`
which dotted settings it applies over the preset. :class:`TrainOptions` are the options of
``hyperprune train``. The fields are declared with :func:`~hyperprune.option_field.option`, whose
help, flag names and registries make the CLI flags (:mod:`hyperprune.cli.dataclass_flags`).

Example::

    spec = build_spec(TrainOptions(out="runs/x", model="gru", epochs=3))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hyperprune.config import RunSpec, check_ls_settings, override, parse_settings, preset
from hyperprune.option_field import option


def settings_option(help: str):
    """The ``--set KEY=VALUE`` option, given once per setting."""
    return option((), help, flag="--set", repeat=True, metavar="KEY=VALUE")


@dataclass(frozen=True)
class RunOptions:
    preset: str = option(
        "tiny",
        "run settings to start from: tiny (CPU, seconds), bench (CPU, converges in 20 epochs) or paper (2x1500 LSTM)",
        names="hyperprune.config:PRESETS",
    )
    model: str | None = option(
        None, "model kind", names="hyperprune.models:MODELS", default_text="the preset's"
    )
    data: str | None = option(None, "dataset", names="hyperprune.data:DATASETS", default_text="the preset's")
    data_path: str | None = option(
        None, "directory of the data files (datasets read from disk)", metavar="DIR"
    )
    settings: tuple[str, ...] = settings_option(
        "override a run setting, e.g. --set train.lr=10 --set model.hidden_size=64 "
        "(every key: 'hyperprune train --help')"
    )

    def run_settings(self) -> dict[str, Any]:
        """The dotted settings (``train.lr``) applied over the preset, model and data."""
        return dict(parse_settings(self.settings))


@dataclass(frozen=True, kw_only=True)
class TrainOptions(RunOptions):
    settings: tuple[str, ...] = settings_option(
        "KEY without a dot: method hyperparameter (death=magnitude); with a dot: run setting "
        "(train.lr=10, model.hidden_size=64)"
    )
    method: str = option(
        "dense", "pruning method (see 'hyperprune methods')", names="hyperprune.pruning.registry:METHODS"
    )
    sparsity: float = option(0.0, "target sparsity in [0, 1)")
    epochs: int | None = option(None, "training epochs", default_text="the preset's")
    out: str = option(help="output directory (must be empty unless --resume)", metavar="DIR")
    seed: int | None = option(None, "master seed", default_text="the preset's, 0")
    device: str = option("cpu", "torch device, e.g. cpu or cuda")
    resume: bool = option(
        False, "continue the run in --out up to --epochs (all other settings come from its checkpoint)"
    )

    def hparams(self) -> dict[str, str]:
        """The ``--set`` items without a dot: the method's hyperparameters."""
        return {k: v for k, v in parse_settings(self.settings).items() if "." not in k}

    def run_settings(self) -> dict[str, Any]:
        values: dict[str, Any] = {k: v for k, v in super().run_settings().items() if "." in k}
        if self.epochs is not None:
            values["train.epochs"] = self.epochs
        if self.seed is not None:
            values["train.seed"] = self.seed
        return values


def build_spec(opts: RunOptions) -> RunSpec:
    """The preset of ``opts`` with its model, data and settings applied, every value checked.

    The data path is made absolute (runs may train in other working directories), and data that
    lives on disk without a path is an error.
    """
    from hyperprune.data import check_data_path
    from hyperprune.spec_checks import check_spec

    values: dict[str, Any] = {}
    if opts.model:
        values["model.kind"] = opts.model
    if opts.data:
        values["data.name"] = opts.data
    if opts.data_path:
        values["data.path"] = str(Path(opts.data_path).expanduser().resolve())
    values.update(opts.run_settings())
    spec = override(preset(opts.preset), values)
    check_ls_settings(spec)
    check_data_path(spec.data.name, spec.data.path)
    check_spec(spec)
    return spec
