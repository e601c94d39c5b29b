"""Named sets of prunable parameter groups, with an explicit meaning per task kind.

Every set name is valid for every task kind (a search space is shared by all tasks), and
its meaning on each kind is this table. Language models have the groups ``embedding``,
``recurrent`` and ``decoder``; classifiers ``conv``, ``linear`` (hidden), ``classifier``
(last layer) and ``batchnorm``:

==================  =================================  ========================================
set                 language model                      classifier
==================  =================================  ========================================
``all``             embedding, recurrent, decoder      conv, hidden linear, classifier
``no_embedding``    recurrent, decoder                 = ``all`` (there is no embedding)
``recurrent_only``  recurrent                          conv, hidden linear (the hidden layers)
``no_classifier``   embedding, recurrent (the decoder  conv, hidden linear
                    is the output classifier)
``with_batchnorm``  = ``all`` (there is no batch norm) ``all`` plus batch-norm scales (gamma)
==================  =================================  ========================================

Biases are never pruned. Groups a model lacks (an MLP has no conv layers) are skipped.

Example::

    names = layer_names(model, "lm", "no_embedding")
"""

from __future__ import annotations

from torch import nn

from hyperprune.errors import UserError
from hyperprune.pruning.core.masks import parameter_groups, select_parameters

LAYER_SETS: dict[str, dict[str, tuple[str, ...]]] = {
    "lm": {
        "all": ("embedding", "recurrent", "decoder"),
        "no_embedding": ("recurrent", "decoder"),
        "recurrent_only": ("recurrent",),
        "no_classifier": ("embedding", "recurrent"),
        "with_batchnorm": ("embedding", "recurrent", "decoder"),
    },
    "classifier": {
        "all": ("conv", "linear", "classifier"),
        "no_embedding": ("conv", "linear", "classifier"),
        "recurrent_only": ("conv", "linear"),
        "no_classifier": ("conv", "linear"),
        "with_batchnorm": ("conv", "linear", "classifier", "batchnorm"),
    },
}

#: every set name of every task kind, for a method's ``layers`` hyperparameter
ALL_SET_NAMES: tuple[str, ...] = tuple(dict.fromkeys(n for sets in LAYER_SETS.values() for n in sets))


def layer_names(model: nn.Module, task_kind: str, layer_set: str = "all") -> list[str]:
    """Parameter names of ``layer_set`` for this model (model order)."""
    if task_kind not in LAYER_SETS:
        raise UserError(f"unknown task kind {task_kind!r}; expected one of: {', '.join(LAYER_SETS)}")
    sets = LAYER_SETS[task_kind]
    if layer_set not in sets:
        raise UserError(f"unknown layer set {layer_set!r}; choose one of: {', '.join(sets)}")
    available = parameter_groups(model)
    groups = [g for g in sets[layer_set] if g in available]
    names = select_parameters(model, groups)
    if not names:
        raise UserError(f"layers={layer_set!r} selects no parameters of this model "
                        f"(its groups: {', '.join(sorted(available))})")
    return names
