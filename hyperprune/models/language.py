"""Recurrent word-level language models: embedding -> stacked RNN -> linear decoder.

The recurrent part is one multi-layer ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` (tanh), or an
:class:`~hyperprune.models.rhn.RHN`, so that the Lyapunov engine can read its weights by
their standard names. Dropouts follow the AWD-LSTM naming: ``dropout_e`` drops whole word
rows of the embedding matrix, ``dropout_i`` the embedded input, ``dropout_h`` acts between
recurrent layers and ``dropout`` on the last layer's output.

Example::

    model = RNNLanguageModel(10000, ModelConfig(kind="lstm", hidden_size=200, emb_size=200))
    hidden = model.init_hidden(20)
    logits, hidden = model(tokens, hidden)      # tokens (T, 20) -> logits (T*20, 10000)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hyperprune.config import ModelConfig
from hyperprune.errors import UserError
from hyperprune.models import model_kinds, task_kind_of

Hidden = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


def from_config(cfg: ModelConfig, corpus) -> RNNLanguageModel:
    """The language model of ``cfg`` for the vocabulary of ``corpus`` (the registry's builder)."""
    return RNNLanguageModel(len(corpus.vocab), cfg)


def embedding_dropout(embed: nn.Embedding, tokens: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Look up ``tokens`` with whole rows (words) of the weight dropped with probability ``p``."""
    if not training or p <= 0.0:
        return embed(tokens)
    weight = embed.weight
    keep = weight.new_empty((weight.size(0), 1)).bernoulli_(1.0 - p) / (1.0 - p)
    return F.embedding(tokens, weight * keep, embed.padding_idx)


class RNNLanguageModel(nn.Module):
    """A stacked LSTM/GRU/tanh-RNN/RHN language model with optional weight tying."""

    def __init__(self, vocab_size: int, cfg: ModelConfig) -> None:
        super().__init__()
        if task_kind_of(cfg) != "lm":
            raise UserError(f"model kind {cfg.kind!r} is not a language model; choose one of: "
                            f"{', '.join(model_kinds('lm'))}")
        if cfg.tie_weights and cfg.emb_size != cfg.hidden_size:
            raise UserError(f"tie_weights needs model.emb_size == model.hidden_size "
                            f"(got {cfg.emb_size} and {cfg.hidden_size}); set them equal or untie")
        if cfg.num_layers < 1 or cfg.hidden_size < 1 or cfg.emb_size < 1:
            raise UserError("model.num_layers, model.hidden_size and model.emb_size must be positive")
        self.kind = cfg.kind
        self.vocab_size = int(vocab_size)
        self.hidden_size = cfg.hidden_size
        self.num_layers = cfg.num_layers
        self.dropout_e = cfg.dropout_e
        self.encoder = nn.Embedding(vocab_size, cfg.emb_size)
        self.input_drop = nn.Dropout(cfg.dropout_i)
        self.rnn = self._build_rnn(cfg)
        self.output_drop = nn.Dropout(cfg.dropout)
        self.decoder = nn.Linear(cfg.hidden_size, vocab_size)
        self.tied = bool(cfg.tie_weights)
        self._init_weights()
        if self.tied:
            self.decoder.weight = self.encoder.weight

    @staticmethod
    def _build_rnn(cfg: ModelConfig) -> nn.Module:
        between = cfg.dropout_h if cfg.num_layers > 1 else 0.0
        common = {"input_size": cfg.emb_size, "hidden_size": cfg.hidden_size,
                  "num_layers": cfg.num_layers, "dropout": between, "batch_first": False}
        if cfg.kind == "lstm":
            return nn.LSTM(**common)
        if cfg.kind == "gru":
            return nn.GRU(**common)
        if cfg.kind == "rnn_tanh":
            return nn.RNN(nonlinearity="tanh", **common)
        from hyperprune.models.rhn import RHN

        return RHN(cfg.emb_size, cfg.hidden_size, cfg.rhn_depth, cfg.num_layers)

    def _init_weights(self) -> None:
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def init_hidden(self, bsz: int) -> Hidden:
        """Zero initial state: ``(h, c)`` for an LSTM, one ``(L, B, H)`` tensor otherwise."""
        ref = self.decoder.weight
        zeros = ref.new_zeros(self.num_layers, bsz, self.hidden_size)
        if self.kind == "lstm":
            return zeros, zeros.clone()
        return zeros

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        """Embeddings exactly as the recurrent layers see them in eval mode (no dropout)."""
        return self.encoder(tokens)

    def forward(self, tokens: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        """``tokens (T, B)`` -> ``(logits (T*B, V), new hidden)``."""
        if hidden is None:
            hidden = self.init_hidden(tokens.size(1))
        emb = embedding_dropout(self.encoder, tokens, self.dropout_e, self.training)
        output, hidden = self.rnn(self.input_drop(emb), hidden)
        output = self.output_drop(output)
        logits = self.decoder(output.reshape(-1, output.size(-1)))
        return logits, hidden

    def prunable_groups(self) -> dict[str, list[str]]:
        """Parameter groups: embedding, recurrent (weight matrices), decoder (untied), bias."""
        groups: dict[str, list[str]] = {"embedding": ["encoder.weight"], "recurrent": [], "bias": []}
        for name, param in self.rnn.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            group = "bias" if leaf.startswith("bias") or param.dim() < 2 else "recurrent"
            groups[group].append(f"rnn.{name}")
        if not self.tied:
            groups["decoder"] = ["decoder.weight"]
        groups["bias"].append("decoder.bias")
        return groups
