"""The dense reference: no pruning at all (masks all ones, never changed)."""

from hyperprune.pruning.core.method import PruningMethod


class Dense(PruningMethod):
    name = "dense"
    summary = "no pruning; the dense reference every candidate is compared with"

    def __init__(self, sparsity: float = 0.0, hparams: dict | None = None) -> None:
        super().__init__(0.0, hparams)

    def after_step(self) -> None:
        pass
