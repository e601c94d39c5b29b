"""Every searched hyperparameter changes what a method does by the first rung.

For each method and each declared hyperparameter, two configurations that differ in that
hyperparameter alone are trained on the fair clock (:mod:`hyperprune.pruning.core.clock`) to
the first rung (age 1: the mask final and trained one epoch since); their masks or weights must
differ. The only exceptions are pairs that the method itself declares equivalent through
``effective_hparams`` (a hyperparameter inert in that configuration): those must then train
identically, so the declaration is checked too. Some hyperparameters only act in some
configurations, so a method is tried from more than one base configuration, and a hyperparameter
that needs a setting of its own is varied from a focused base. One pair is equivalent for
language models only and listed in ``SAME_FOR_LANGUAGE_MODELS``.
"""

from __future__ import annotations

import pytest
import torch
from conftest import build_context, run_epochs

from hyperprune.errors import UserError
from hyperprune.pruning import METHODS

SPARSITY = 0.5
#: InCoP's PQ hyperparameters act while its adaptive ratio approaches the target: a target its
#: iterations reach before the deadline lets them decide every prune (at 0.5 the last prune is the
#: deadline's cut to the target)
SPARSITY_OF = {"incop": 0.3}
#: more training batches than the largest SNIP average, so that n_batches can act
STEPS_OF = {"snip": 33}
#: the language-model presets' learning rate (with their 0.25 gradient clip): an epoch moves the
#: weights far enough that pruning from them re-ranks the survivors and some weights change sign
LR = 20.0
#: a held-out split of its own, as many batches as the largest stat_batches reads (elsewhere the
#: held-out split is the 4 training batches)
HELDOUT_OF = {"incop": 16}
RUN_EPOCHS = 12  # long enough for InCoP's warm-up range to matter
FIRST_RUNG = 2
MOST_EPOCHS = 40

#: base configurations per method, so that each hyperparameter is active in one of them
BASES = {
    "lottery": [{}, {"rewind": "epoch", "rewind_epoch": 1}],
    "incop": [{"criterion": "sap"}, {"criterion": "if"}, {"criterion": "lth"}],
    "halo": [{}],
    "dst": [{}],
    "sa": [{}],
    "snip": [{"score_epoch": 1}],
    "magsign": [{"score_epoch": 5}],
    "random": [{"rewind": False, "score_epoch": 1}],
}

#: hyperparameters that act only in a setting none of the method's bases has: each is varied from
#: its own base instead, and from the general bases only where it is declared inert
#: (method -> [(base, the hyperparameters varied from it)])
FOCUSED_BASES = {
    "sa": [
        # whole hidden units: 12 of 24 kept, so a one-unit swap has a few dozen neighbours and the
        # search proposes masks it has already scored; with a memory they are redrawn
        ({"structure": "units"}, ("memory", "retries")),
        # 20 moves per temperature from the start: a cap of 10 halves them, so the temperature
        # falls twice as often and each acceptance mean spans half the moves
        ({"iters_start": 20}, ("iters_cap",)),
    ],
    # the flow distance on 4 held-out batches falls below this epsilon one epoch after the first
    # prune, on 16 it does not: the iteration ends there with 4 and runs its two epochs with 16
    "incop": [({"criterion": "if", "epsilon": 0.165}, ("stat_batches",))],
}

#: (method, hyperparameter) -> the value compared with the default, where the farthest end of the
#: range cannot act in a search of this size
COMPARED_WITH = {
    # both act when a proposal lands on a remembered mask; 500 masks rather than 50 differ only on a
    # revisit more than 50 masks back, and 100 redraws rather than 30 only where 30 all land on
    # remembered masks, which in this small search never changes the mask it ends on; with no
    # memory (0) every revisit is scored again instead of redrawn
    ("sa", "memory"): 0,
    ("sa", "retries"): 0,
}


#: (method, hyperparameter): why two of its values train alike on the language model used here
SAME_FOR_LANGUAGE_MODELS = {("sa", "objective"): "auto scores masks by the loss on a language model"}


def alternatives(h, base_value):
    """Values of ``h`` other than ``base_value``: the other choices in declared order, or the
    farthest end of the range first."""
    if h.kind == "bool":
        return [not base_value]
    if h.kind == "choice":
        return [c for c in h.choices if c != base_value]
    ends = sorted([h.low, h.high], key=lambda v: -abs(float(v) - float(base_value)))
    values = ends
    return [h.validate(v) for v in values if v != base_value]


def trained_to_first_rung(name: str, hp: dict):
    """Masks and weights of ``name`` with ``hp`` at its first rankable epoch of age FIRST_RUNG."""
    ctx = build_context(seed=0, total_epochs=RUN_EPOCHS, steps_per_epoch=STEPS_OF.get(name, 4), lr=LR,
                        heldout=HELDOUT_OF.get(name))
    method = METHODS.get(name)(SPARSITY_OF.get(name, SPARSITY), hp)
    method.setup(ctx)
    method.masks.apply()
    for epoch in range(1, MOST_EPOCHS + 1):
        run_epochs(method, ctx, [epoch])
        clock = method.clock()
        if clock.rankable(epoch) and clock.age(epoch) >= FIRST_RUNG:
            masks = (
                {n: m.clone() for n, m in method.masks.masks.items()}
                if hasattr(method.masks, "masks")
                else {}
            )
            weights = {n: p.detach().clone() for n, p in ctx.model.named_parameters()}
            return epoch, masks, weights
    raise AssertionError(f"{name} {hp}: not rankable after {MOST_EPOCHS} epochs")


def same(a, b) -> bool:
    """Equal masks and weights at the first rung (whenever each reached it)."""
    if set(a[1]) != set(b[1]):
        return False
    return all(torch.equal(a[1][k], b[1][k]) for k in a[1]) and all(
        torch.equal(a[2][k], b[2][k]) for k in a[2]
    )


def active_elsewhere(name: str, base: dict, hparam: str) -> bool:
    """Whether ``hparam`` is varied from a focused base and can act from ``base`` (where it is
    declared inert, ``base`` still checks that it changes nothing)."""
    if all(hparam not in varied for _, varied in FOCUSED_BASES.get(name, [])):
        return False
    cls = METHODS.get(name)
    return hparam in cls.effective_hparams({**{h.name: h.default for h in cls.HPARAMS}, **base})


def pairs():
    out = []
    for name in sorted(BASES):
        cls = METHODS.get(name)
        for b, base in enumerate(BASES[name]):
            for h in cls.HPARAMS:
                if active_elsewhere(name, base, h.name) or (h.name in base and len(BASES[name]) > 1):
                    continue  # varied from a focused base, or from the other bases
                out.append(pytest.param(name, base, h.name, id=f"{name}-base{b}-{h.name}"))
        for f, (base, varied) in enumerate(FOCUSED_BASES.get(name, [])):
            out += [pytest.param(name, base, h, id=f"{name}-focus{f}-{h}") for h in varied]
    return out


def test_every_method_with_hyperparameters_is_covered():
    assert {n for n in METHODS.names() if METHODS.get(n).HPARAMS} == set(BASES)


@pytest.mark.parametrize("name, base, hparam", pairs())
def test_one_hyperparameter_changes_the_network_by_the_first_rung(name, base, hparam):
    cls = METHODS.get(name)
    declared = {h.name: h for h in cls.HPARAMS}
    full = {**{h.name: h.default for h in cls.HPARAMS}, **base}
    reference = None
    tried = []
    if (name, hparam) in COMPARED_WITH:
        values = [COMPARED_WITH[name, hparam]]
    else:
        values = alternatives(declared[hparam], full[hparam])
    for value in values:
        other = {**full, hparam: value}
        try:
            cls(SPARSITY_OF.get(name, SPARSITY), other)
            candidate = trained_to_first_rung(name, other)
        except UserError:
            continue  # a value this model or configuration refuses
        if reference is None:
            reference = trained_to_first_rung(name, full)
        inert = cls.effective_hparams(full) == cls.effective_hparams(other) or (
            (name, hparam) in SAME_FOR_LANGUAGE_MODELS
        )
        if inert:
            assert same(reference, candidate), f"{name}: {hparam} declared inert but changes the network"
            return
        tried.append(value)
        assert not same(reference, candidate), (
            f"{name}: {hparam}={value!r} trains exactly like {full[hparam]!r}"
        )
        return
    pytest.fail(f"{name}: no valid alternative value of {hparam} to compare (tried {tried})")
