"""Frozen dataclasses: the single source of truth for the options of a training run.

A run is described by three parts: what model (:class:`ModelConfig`), on what data
(:class:`DataConfig`) and how it is trained (:class:`TrainConfig`). :class:`RunSpec` bundles
them. Presets (``tiny``, ``bench``, ``paper``) are named ``RunSpec`` values; ``--set key=value`` flags and
YAML files are applied with :func:`override`, which rejects unknown keys.

Example::

    spec = preset("tiny")
    spec = override(spec, {"train.epochs": 3, "model.hidden_size": 64})
    print(spec_hash(spec))
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field, fields
from typing import Any

from hyperprune.errors import UserError


@dataclass(frozen=True)
class ModelConfig:
    kind: str = field(default="lstm", metadata={"help": "model kind: a name --model accepts"})
    emb_size: int = field(default=128, metadata={"help": "word embedding size (language models)"})
    hidden_size: int = field(default=128, metadata={"help": "hidden units per recurrent layer"})
    num_layers: int = field(default=2, metadata={"help": "stacked recurrent layers"})
    dropout: float = field(default=0.2, metadata={"help": "dropout on the last layer's output"})
    dropout_h: float = field(default=0.2, metadata={"help": "dropout between recurrent layers"})
    dropout_i: float = field(default=0.2, metadata={"help": "dropout on the embedded input"})
    dropout_e: float = field(default=0.0, metadata={"help": "embedding dropout (whole words)"})
    tie_weights: bool = field(default=False, metadata={"help": "share encoder and decoder weights"})
    rhn_depth: int = field(default=3, metadata={"help": "recurrence depth of an RHN layer"})
    mlp_hidden: tuple[int, ...] = field(default=(300, 100), metadata={"help": "MLP hidden sizes"})
    cnn_channels: tuple[int, ...] = field(
        default=(16, 32, 64, 128), metadata={"help": "filters of each conv block of the CNN"}
    )


@dataclass(frozen=True)
class DataConfig:
    name: str = field(
        default="embedded",
        metadata={"help": "dataset: a name --data accepts"},
    )
    path: str | None = field(default=None, metadata={"help": "directory of the data files"})


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = field(default=6, metadata={"help": "full training budget in epochs"})
    batch_size: int = field(default=20, metadata={"help": "training batch size"})
    eval_batch_size: int = field(default=10, metadata={"help": "evaluation batch size"})
    bptt: int = field(default=35, metadata={"help": "truncated back-propagation length"})
    max_batches: int | None = field(
        default=None, metadata={"help": "cap on training batches per epoch (None: whole split)"}
    )
    max_eval_batches: int | None = field(
        default=None, metadata={"help": "cap on evaluation batches (None: whole split)"}
    )
    optimizer: str = field(default="sgd", metadata={"help": "sgd or adam"})
    lr: float = field(default=20.0, metadata={"help": "learning rate"})
    momentum: float = field(default=0.0, metadata={"help": "SGD momentum"})
    weight_decay: float = field(default=1.2e-6, metadata={"help": "L2 weight decay"})
    clip: float = field(default=0.25, metadata={"help": "gradient-norm clip (0: off)"})
    nt_asgd: bool = field(default=True, metadata={"help": "switch to averaged SGD on a plateau"})
    nonmono: int = field(default=5, metadata={"help": "NT-ASGD non-monotone interval"})
    seed: int = field(default=0, metadata={"help": "master seed"})
    threads: int = field(default=1, metadata={"help": "torch CPU threads per run"})
    ls_batch_size: int = field(default=2, metadata={"help": "sequences in the LS evaluation batch"})
    ls_steps: int = field(default=35, metadata={"help": "time steps of the LS evaluation batch"})
    ls_warmup: int = field(default=10, metadata={"help": "warm-up steps before LS accumulation"})
    ls_k: int | None = field(default=None, metadata={"help": "exponents kept (None: full)"})
    ls_batches: int = field(
        default=4, metadata={"help": "fixed LS evaluation batches whose spectra are averaged"}
    )
    # ls_qr_every and ls_dtype: the cheapest setting whose LS distances rank a pool of pruned
    # networks like the exact spectrum (float64, a QR every step) with Spearman >= 0.95
    # (bench/ls_fidelity.py; see the README).
    ls_qr_every: int = field(
        default=8, metadata={"help": "re-orthonormalise the LS frame every N steps (1: exact, a QR every step)"}
    )
    ls_dtype: str = field(default="float32", metadata={"help": "precision of the LS: float32 or float64"})


@dataclass(frozen=True)
class RunSpec:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


PRESETS: dict[str, RunSpec] = {
    # A 2-layer LSTM that trains an epoch of the embedded corpus in seconds on one CPU core.
    "tiny": RunSpec(
        model=ModelConfig(kind="lstm", emb_size=128, hidden_size=128, num_layers=2,
                          dropout=0.2, dropout_h=0.2, dropout_i=0.2, dropout_e=0.0),
        data=DataConfig(name="embedded"),
        train=TrainConfig(epochs=6, batch_size=20, bptt=35, lr=20.0, clip=0.25,
                          max_batches=60, max_eval_batches=40),
    ),
    # The tiny LSTM trained to convergence on the whole embedded corpus (bench/preset_study.py): with
    # NT-ASGD switching after 2 non-improving epochs, the dense reference switches at epoch 15 and its
    # validation perplexity changes by under 1% over the last 3 epochs from epoch 18 on; E = 20.
    "bench": RunSpec(
        model=ModelConfig(kind="lstm", emb_size=128, hidden_size=128, num_layers=2,
                          dropout=0.3, dropout_h=0.3, dropout_i=0.3, dropout_e=0.0),
        data=DataConfig(name="embedded"),
        train=TrainConfig(epochs=20, batch_size=20, bptt=35, lr=20.0, clip=0.25, nt_asgd=True, nonmono=2,
                          max_batches=None, max_eval_batches=None),
    ),
    # The reference system: 2x1500 LSTM on Penn Treebank, Selfish-RNN training settings.
    "paper": RunSpec(
        model=ModelConfig(kind="lstm", emb_size=1500, hidden_size=1500, num_layers=2,
                          dropout=0.65, dropout_h=0.65, dropout_i=0.65, dropout_e=0.0),
        data=DataConfig(name="ptb"),
        train=TrainConfig(epochs=100, batch_size=20, eval_batch_size=10, bptt=35, lr=40.0,
                          clip=0.25, weight_decay=1.2e-6, nt_asgd=True, nonmono=5),
    ),
}

LS_DTYPES = ("float32", "float64")

_SECTIONS = {"model": ModelConfig, "data": DataConfig, "train": TrainConfig}


def preset(name: str) -> RunSpec:
    if name not in PRESETS:
        raise UserError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name]


def _coerce(value: Any, current: Any, key: str) -> Any:
    """Convert a CLI/YAML value to the type of the field's current value."""
    if value is None:  # as "none" on the command line: optional fields (max_batches, path, ls_k)
        return None
    if isinstance(value, str) and not isinstance(current, str):
        text = value.strip()
        if text.lower() in ("none", "null"):
            return None
        try:
            value = json.loads(text.lower() if text.lower() in ("true", "false") else text)
        except json.JSONDecodeError:
            if current is not None:
                raise UserError(f"{key}: cannot read {value!r} as {type(current).__name__}") from None
            return value
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise UserError(f"{key}: expected true or false, got {value!r}")
    elif isinstance(current, int) and not isinstance(current, bool):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise UserError(f"{key}: expected an integer, got {value!r}")
    elif isinstance(current, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(f"{key}: expected a number, got {value!r}")
        value = float(value)
    elif isinstance(current, tuple):
        if not isinstance(value, (list, tuple)):
            raise UserError(f"{key}: expected a list, got {value!r}")
        value = tuple(value)
    return value


def override(spec: RunSpec, values: dict[str, Any]) -> RunSpec:
    """Return ``spec`` with dotted keys (``train.lr``, ``model.hidden_size``) replaced."""
    parts = {name: getattr(spec, name) for name in _SECTIONS}
    for key, value in values.items():
        section, _, name = key.partition(".")
        if section not in _SECTIONS or not name:
            raise UserError(f"unknown setting {key!r}; use model.X, data.X or train.X")
        cls = _SECTIONS[section]
        valid = {f.name for f in fields(cls)}
        if name not in valid:
            raise UserError(f"unknown setting {key!r}; valid {section} keys: {', '.join(sorted(valid))}")
        current = getattr(parts[section], name)
        parts[section] = dataclasses.replace(parts[section], **{name: _coerce(value, current, key)})
    return RunSpec(**parts)


def spec_to_dict(spec: RunSpec) -> dict[str, dict[str, Any]]:
    return {
        name: {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(getattr(spec, name)).items()}
        for name in _SECTIONS
    }


def spec_from_dict(data: dict[str, Any]) -> RunSpec:
    """Inverse of :func:`spec_to_dict`; unknown sections or keys are an error."""
    flat = {}
    for section, values in data.items():
        if section not in _SECTIONS or not isinstance(values, dict):
            raise UserError(f"unknown section {section!r} in run spec; expected model, data, train")
        for key, value in values.items():
            flat[f"{section}.{key}"] = value
    return override(RunSpec(), flat)


def stable_hash(payload: Any, length: int = 12) -> str:
    """Hash of a JSON-serialisable value, independent of dict order."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def spec_hash(spec: RunSpec) -> str:
    return stable_hash(spec_to_dict(spec))


def check_ls_settings(spec: RunSpec) -> None:
    """The LS settings of ``spec`` are usable; otherwise a one-line error naming the key."""
    cfg = spec.train
    for key in ("ls_batch_size", "ls_steps", "ls_qr_every"):
        if getattr(cfg, key) < 1:
            raise UserError(f"train.{key} must be at least 1, got {getattr(cfg, key)}")
    if cfg.ls_warmup < 0:
        raise UserError(f"train.ls_warmup must not be negative, got {cfg.ls_warmup}")
    if cfg.ls_k is not None and cfg.ls_k < 1:
        raise UserError(f"train.ls_k must be at least 1 or none, got {cfg.ls_k}")
    if cfg.ls_dtype not in LS_DTYPES:
        raise UserError(f"train.ls_dtype must be one of {', '.join(LS_DTYPES)}, got {cfg.ls_dtype!r}")


def parse_settings(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``--set key=value`` items as a dict; a malformed item is a one-line error."""
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set expects KEY=VALUE, got {item!r} (e.g. --set train.lr=10)")
        values[key.strip()] = value.strip()
    return values
