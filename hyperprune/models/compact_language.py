"""A language model whose recurrent layers may differ in width: what unit pruning compacts to.

``nn.LSTM(num_layers=2)`` needs the same hidden size in every layer; after hidden-unit
pruning the layers keep different numbers of units. :class:`StackedRNN` holds one
single-layer ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` / :class:`~hyperprune.models.rhn.RHN` per
layer, each of its own width, with dropout between layers like the multi-layer module.
:class:`CompactLanguageModel` is embedding -> :class:`StackedRNN` -> decoder, with the same
forward signature as :class:`~hyperprune.models.language.RNNLanguageModel`; its hidden state is
a flat tuple of per-layer tensors ``(1, B, H_l)`` (LSTM: ``h_0, c_0, h_1, c_1, ...``).

Its architecture is a plain dict (:meth:`CompactLanguageModel.architecture`), so a saved model
is that dict plus a ``state_dict``, loadable with ``torch.load(weights_only=True)``.

Example::

    model = CompactLanguageModel({"kind": "lstm", "vocab_size": 100, "emb_size": 16,
                                  "hidden_sizes": [12, 7]})
    logits, hidden = model(tokens)
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hyperprune.models.language import embedding_dropout

KINDS = ("lstm", "gru", "rnn_tanh", "rnn_relu", "rhn")


def single_layer(kind: str, input_size: int, hidden_size: int, rhn_depth: int = 1) -> nn.Module:
    """One recurrent layer of ``kind`` (``batch_first=False``)."""
    if kind == "lstm":
        return nn.LSTM(input_size, hidden_size)
    if kind == "gru":
        return nn.GRU(input_size, hidden_size)
    if kind in ("rnn_tanh", "rnn_relu"):
        return nn.RNN(input_size, hidden_size, nonlinearity=kind[4:])
    if kind == "rhn":
        from hyperprune.models.rhn import RHN

        return RHN(input_size, hidden_size, rhn_depth, 1)
    raise ValueError(f"unknown recurrent kind {kind!r}; expected one of {KINDS}")


class StackedRNN(nn.Module):
    """Single-layer recurrent modules of possibly different widths, run one after the other."""

    def __init__(self, layers: list[nn.Module], dropout: float = 0.0) -> None:
        super().__init__()
        if not layers:
            raise ValueError("a stacked RNN needs at least one layer")
        self.layers = nn.ModuleList(layers)
        self.between = nn.Dropout(dropout)
        self.input_size = int(layers[0].input_size)
        self.hidden_sizes = [int(m.hidden_size) for m in layers]
        self.num_layers = len(layers)
        self.is_lstm = isinstance(layers[0], nn.LSTM)

    def split_state(self, hidden: tuple[torch.Tensor, ...]) -> list:
        """The flat state tuple as one per-layer state (a pair for an LSTM)."""
        if self.is_lstm:
            return [(hidden[2 * i], hidden[2 * i + 1]) for i in range(self.num_layers)]
        return list(hidden)

    def forward(self, inputs: torch.Tensor, hidden: tuple[torch.Tensor, ...]):
        states = self.split_state(hidden)
        out = inputs
        finals: list[torch.Tensor] = []
        for i, (layer, state) in enumerate(zip(self.layers, states, strict=True)):
            if i > 0:
                out = self.between(out)
            out, new = layer(out, state)
            finals.extend(new if self.is_lstm else (new,))
        return out, tuple(finals)


class CompactLanguageModel(nn.Module):
    """Embedding -> :class:`StackedRNN` -> linear decoder, built from an architecture dict."""

    def __init__(self, arch: dict[str, Any]) -> None:
        super().__init__()
        self.arch = {
            "kind": str(arch["kind"]), "vocab_size": int(arch["vocab_size"]), "emb_size": int(arch["emb_size"]),
            "hidden_sizes": [int(h) for h in arch["hidden_sizes"]], "rhn_depth": int(arch.get("rhn_depth", 1)),
            "dropout": float(arch.get("dropout", 0.0)), "dropout_h": float(arch.get("dropout_h", 0.0)),
            "dropout_i": float(arch.get("dropout_i", 0.0)), "dropout_e": float(arch.get("dropout_e", 0.0)),
        }
        a = self.arch
        self.kind = a["kind"]
        self.vocab_size = a["vocab_size"]
        self.dropout_e = a["dropout_e"]
        self.encoder = nn.Embedding(a["vocab_size"], a["emb_size"])
        self.input_drop = nn.Dropout(a["dropout_i"])
        sizes = [a["emb_size"], *a["hidden_sizes"]]
        layers = [single_layer(a["kind"], sizes[i], sizes[i + 1], a["rhn_depth"]) for i in range(len(sizes) - 1)]
        self.rnn = StackedRNN(layers, a["dropout_h"] if len(layers) > 1 else 0.0)
        self.output_drop = nn.Dropout(a["dropout"])
        self.decoder = nn.Linear(sizes[-1], a["vocab_size"])

    def architecture(self) -> dict[str, Any]:
        return dict(self.arch, hidden_sizes=list(self.arch["hidden_sizes"]))

    def init_hidden(self, bsz: int) -> tuple[torch.Tensor, ...]:
        ref = self.decoder.weight
        per = 2 if self.rnn.is_lstm else 1
        return tuple(ref.new_zeros(1, bsz, h) for h in self.rnn.hidden_sizes for _ in range(per))

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.encoder(tokens)

    def forward(self, tokens: torch.Tensor, hidden=None):
        if hidden is None:
            hidden = self.init_hidden(tokens.size(1))
        emb = embedding_dropout(self.encoder, tokens, self.dropout_e, self.training)
        output, hidden = self.rnn(self.input_drop(emb), hidden)
        output = self.output_drop(output)
        return self.decoder(output.reshape(-1, output.size(-1))), hidden
