"""Is a corpus long enough for the run? Checked before anything trains.

Training cuts the train split into ``train.batch_size`` columns and evaluation cuts the valid
and test splits into ``train.eval_batch_size`` columns; one batch is a window of ``train.bptt``
rows plus the row of its targets. The Lyapunov probe takes ``train.ls_batch_size`` windows of
``train.ls_steps + train.ls_warmup`` tokens from the valid split. A split too short for one of
these is one line naming the split, its length and what it needs.

Example::

    check_corpus_size(load_data(spec.data), spec.train, "embedded")
"""

from __future__ import annotations

from hyperprune.config import TrainConfig
from hyperprune.data.corpus import Corpus
from hyperprune.errors import UserError


def needed_tokens(cfg: TrainConfig) -> dict[str, tuple[int, str]]:
    """Tokens each split needs, and the settings that ask for them."""
    window = cfg.bptt + 1
    evaluation = (
        cfg.eval_batch_size * window,
        f"train.eval_batch_size={cfg.eval_batch_size} x (train.bptt+1)",
    )
    probe = cfg.ls_batch_size * (cfg.ls_steps + cfg.ls_warmup)
    valid = max(
        evaluation, (probe, f"train.ls_batch_size={cfg.ls_batch_size} x (train.ls_steps+train.ls_warmup)")
    )
    return {
        "train": (cfg.batch_size * window, f"train.batch_size={cfg.batch_size} x (train.bptt+1)"),
        "valid": valid,
        "test": evaluation,
    }


def check_corpus_size(corpus: Corpus, cfg: TrainConfig, where: str) -> None:
    """One-line UserError when a split of ``corpus`` is shorter than one batch of the run."""
    for split, (need, settings) in needed_tokens(cfg).items():
        have = corpus.split(split).numel()
        if have < need:
            raise UserError(
                f"{where}: the {split} split has {have} tokens, fewer than the {need} one batch needs "
                f"({settings}, train.bptt={cfg.bptt}); give a longer corpus or lower those settings"
            )
