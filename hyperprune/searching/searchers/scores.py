"""What every backend shares: a parameter's label, the score a backend's model can use, the
seeds of its random draws."""

from __future__ import annotations

import math

#: offset of the seeds of a backend's random draws (``ask_random``) from its proposals' seeds
RANDOM_STREAM = 1_000_003


def param_label(method: str, param: str) -> str:
    """The name of one method's hyperparameter in a backend's flat space."""
    return f"{method}.{param}"


def finite_score(score: float) -> float:
    """Scores of diverged or failed candidates become a large finite loss the models can use."""
    return float(score) if math.isfinite(score) else 1e9
