"""Training: the epoch loop with pruning hooks, evaluation, NT-ASGD and complete checkpoints.

Example::

    from hyperprune.training import TrainingRun
    run = TrainingRun(spec, method="dense")
    metrics = run.train_epoch()
"""

from hyperprune.training.checkpoint import load_safe, save_atomic
from hyperprune.training.run import TrainingRun

__all__ = ["TrainingRun", "load_safe", "save_atomic"]
