"""A candidate's ``hparams`` may carry run-spec settings (``train.lr``...) beside its method's.

A search space varies them per candidate (:mod:`hyperprune.searching.setting_space`); the training
side separates them again with :func:`split_settings`.
"""

from __future__ import annotations

from typing import Any

PREFIX = "train."


def split_settings(hparams: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(method hyperparameters, run-spec overrides)`` of a candidate's ``hparams``."""
    method = {k: v for k, v in hparams.items() if not k.startswith(PREFIX)}
    settings = {k: v for k, v in hparams.items() if k.startswith(PREFIX)}
    return method, settings
