"""Named sets of prunable parameter groups, with an explicit meaning per task kind.

Language models (groups ``embedding``, ``recurrent``, ``decoder``):

=================  ============================================
``all``            embedding, recurrent and decoder weights
``no_embedding``   recurrent and decoder weights
``recurrent_only`` recurrent weight matrices only
=================  ============================================

Classifiers (groups ``conv``, ``linear``, ``classifier``, ``batchnorm``):

=================  ==================================================================
``all``            conv and hidden linear weights and the classifier (last) weight
``no_classifier``  conv and hidden linear weights; the classifier stays dense
``with_batchnorm`` ``all`` plus the batch-norm scales (gamma), as one reference did
=================  ==================================================================

Biases are never pruned. A set that does not apply to the task kind is a :class:`UserError`
naming the valid ones. Groups a model lacks (an MLP has no conv layers) are skipped.

Example::

    names = layer_names(model, "lm", "no_embedding")
"""

from __future__ import annotations

from torch import nn

from hyperprune.errors import UserError
from hyperprune.pruning.masks import parameter_groups, select_parameters

LAYER_SETS: dict[str, dict[str, tuple[str, ...]]] = {
    "lm": {
        "all": ("embedding", "recurrent", "decoder"),
        "no_embedding": ("recurrent", "decoder"),
        "recurrent_only": ("recurrent",),
    },
    "classifier": {
        "all": ("conv", "linear", "classifier"),
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
        raise UserError(f"layers={layer_set!r} does not apply to a {task_kind} model; "
                        f"choose one of: {', '.join(sets)}")
    available = parameter_groups(model)
    groups = [g for g in sets[layer_set] if g in available]
    names = select_parameters(model, groups)
    if not names:
        raise UserError(f"layers={layer_set!r} selects no parameters of this model "
                        f"(its groups: {', '.join(sorted(available))})")
    return names
