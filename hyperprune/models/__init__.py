"""Models: recurrent language models, an MLP and a small CNN, behind one registry.

``build_model(cfg, data)`` takes the vocabulary size from a :class:`~hyperprune.data.Corpus`
or the input shape and class count from :class:`~hyperprune.data.ArrayData`.

Example::

    model = build_model(spec.model, load_data(spec.data))
"""

from __future__ import annotations

from torch import nn

from hyperprune.config import ModelConfig
from hyperprune.errors import UserError
from hyperprune.registry import Registry

LM_KINDS = ("lstm", "gru", "rnn_tanh", "rhn")
CLASSIFIER_KINDS = ("mlp", "cnn")

MODELS = Registry("model")
for _kind in LM_KINDS:
    MODELS.register(_kind, "hyperprune.models.language:RNNLanguageModel")
MODELS.register("mlp", "hyperprune.models.mlp:MLP")
MODELS.register("cnn", "hyperprune.models.cnn:SmallVGG")


def task_kind_of(cfg: ModelConfig) -> str:
    """``"lm"`` for recurrent language models, ``"classifier"`` for MLP/CNN."""
    MODELS.get(cfg.kind)
    return "lm" if cfg.kind in LM_KINDS else "classifier"


def build_model(cfg: ModelConfig, data) -> nn.Module:
    """Instantiate ``cfg.kind`` sized for ``data`` (a Corpus or ArrayData)."""
    from hyperprune.data import ArrayData, Corpus

    cls = MODELS.get(cfg.kind)
    if cfg.kind in LM_KINDS:
        if not isinstance(data, Corpus):
            raise UserError(f"model {cfg.kind!r} is a language model and needs a text corpus "
                            f"(data embedded or ptb); use model mlp or cnn for array data")
        return cls(len(data.vocab), cfg)
    if not isinstance(data, ArrayData):
        raise UserError(f"model {cfg.kind!r} is a classifier and needs array data (digits, mnist, "
                        f"cifar10); use model lstm, gru, rnn_tanh or rhn for a text corpus")
    if cfg.kind == "mlp":
        return cls(data.input_shape, data.num_classes, tuple(cfg.mlp_hidden))
    return cls(data.input_shape, data.num_classes, tuple(cfg.cnn_channels))


__all__ = ["CLASSIFIER_KINDS", "LM_KINDS", "MODELS", "build_model", "task_kind_of"]
