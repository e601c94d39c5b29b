"""Models: recurrent language models, an MLP and a small CNN, behind one registry.

Each :data:`MODELS` entry is a :class:`ModelKind`: the task it solves (``"lm"`` or
``"classifier"``) and the ``"module:function"`` that builds it from a
:class:`~hyperprune.config.ModelConfig` and the loaded data. Adding a model is one entry here
and its file; the CLI, the spec checks and the error messages read the registry.
``build_model(cfg, data)`` takes the vocabulary size from a :class:`~hyperprune.data.Corpus`
or the input shape and class count from :class:`~hyperprune.data.ArrayData`.

Example::

    model = build_model(spec.model, load_data(spec.data))
    task_kind_of(spec.model)          # "lm"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hyperprune.config import ModelConfig
from hyperprune.errors import UserError
from hyperprune.registry import Registry, resolve

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class ModelKind:
    task: str  # "lm" (needs a text corpus) or "classifier" (needs array data)
    builder: str  # "module:function" taking (ModelConfig, data) and returning the nn.Module


@dataclass(frozen=True)
class TaskKind:
    noun: str  # what a model of this task is called in messages
    data: str  # what data it needs, in messages
    quality: str  # the figure its results are judged by
    quality_key: str  # that figure's key in an evaluation (TrainingRun.evaluate)
    lower_is_better: bool


TASKS = {
    "lm": TaskKind("language model", "a text corpus", "perplexity", "ppl", lower_is_better=True),
    "classifier": TaskKind("classifier", "array data", "accuracy", "accuracy", lower_is_better=False),
}

MODELS = Registry("model")
MODELS.register("lstm", ModelKind("lm", "hyperprune.models.language:from_config"))
MODELS.register("gru", ModelKind("lm", "hyperprune.models.language:from_config"))
MODELS.register("rnn_tanh", ModelKind("lm", "hyperprune.models.language:from_config"))
MODELS.register("rhn", ModelKind("lm", "hyperprune.models.language:from_config"))
MODELS.register("mlp", ModelKind("classifier", "hyperprune.models.mlp:from_config"))
MODELS.register("cnn", ModelKind("classifier", "hyperprune.models.cnn:from_config"))


def model_kinds(task: str | None = None) -> list[str]:
    """The registered model kinds, or those of one task (``"lm"``, ``"classifier"``)."""
    return [name for name, kind in MODELS.entries().items() if task is None or kind.task == task]


def task_kind_of(cfg: ModelConfig) -> str:
    """``"lm"`` for recurrent language models, ``"classifier"`` for MLP/CNN."""
    return MODELS.get(cfg.kind).task


def task_of(cfg: ModelConfig) -> TaskKind:
    """What the task of model ``cfg`` is judged by (quality figure, its direction)."""
    return TASKS[task_kind_of(cfg)]


def build_model(cfg: ModelConfig, data) -> nn.Module:
    """Instantiate ``cfg.kind`` sized for ``data`` (a Corpus or ArrayData)."""
    from hyperprune.data import dataset_names

    kind = MODELS.get(cfg.kind)
    if data.task != kind.task:
        task, other = TASKS[kind.task], TASKS[data.task]
        raise UserError(f"model {cfg.kind!r} is a {task.noun} and needs {task.data} (data "
                        f"{', '.join(dataset_names(kind.task))}); use model {', '.join(model_kinds(data.task))} "
                        f"for {other.data}")
    return resolve(kind.builder)(cfg, data)


__all__ = ["MODELS", "TASKS", "ModelKind", "TaskKind", "build_model", "model_kinds", "task_kind_of", "task_of"]
