"""The averaged LS probe and the reference code's trajectory distance."""

import numpy as np
import pytest
import torch

from hyperprune.config import ModelConfig
from hyperprune.lyapunov import (
    LSProbe,
    language_model_spectrum,
    ls_eval_tokens,
    spectrum_gap,
    trajectory_distance,
)
from hyperprune.lyapunov.probe import batch_seed
from hyperprune.models.language import RNNLanguageModel


def _model():
    torch.manual_seed(0)
    return RNNLanguageModel(50, ModelConfig(emb_size=8, hidden_size=6, num_layers=2))


def test_probe_averages_its_batches_and_batch_zero_is_the_seeded_batch():
    valid = torch.randint(0, 50, (2000,), generator=torch.Generator().manual_seed(1))
    model = _model()
    probe = LSProbe.build(valid, batch_size=2, steps=12, warmup=3, batches=3, seed=5)
    assert probe.tokens.shape == (15, 6)
    assert torch.equal(probe.tokens[:, :2], ls_eval_tokens(valid, 2, 15, 5))
    per_batch = [language_model_spectrum(model, ls_eval_tokens(valid, 2, 15, batch_seed(5, i)), warmup=3)
                 for i in range(3)]
    expected = torch.stack(per_batch).mean(dim=0)
    assert probe.spectrum_of(model) == pytest.approx(expected.tolist(), abs=1e-5)
    with pytest.raises(ValueError, match="at least 1"):
        LSProbe.build(valid, batch_size=2, steps=12, warmup=3, batches=0, seed=5)


def _numpy_trajectory(a, b):
    """An independent computation: numpy's eigen-decomposition of the covariance."""
    points = np.vstack([a, b])
    centred = points - points.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    axes = vectors[:, np.argsort(values)[::-1][:2]]
    projected = centred @ axes
    return float(np.linalg.norm(projected[len(a) - 1] - projected[-1]))


def test_trajectory_distance_matches_an_independent_pca():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 7)).cumsum(axis=0)
    b = rng.normal(size=(4, 7)).cumsum(axis=0)
    assert trajectory_distance(a.tolist(), b.tolist()) == pytest.approx(_numpy_trajectory(a, b), rel=1e-9)
    assert trajectory_distance(a.tolist(), a.tolist()) == pytest.approx(0.0, abs=1e-9)
    # a single epoch has no trajectory: the plain distance of the two spectra
    assert trajectory_distance(a[:1].tolist(), b[:1].tolist()) == pytest.approx(np.linalg.norm(a[0] - b[0]))


def test_spectrum_gap_variants():
    a, b = [[0.0, 0.0], [3.0, 0.0]], [[0.0, 0.0], [0.0, 4.0]]
    assert spectrum_gap("l2", a, b) == 5.0
    assert spectrum_gap("trajectory", a, b) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="unknown LS distance"):
        spectrum_gap("cosine", a, b)
