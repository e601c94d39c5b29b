"""Model kinds and datasets are described by their registries, which the checks and the CLI read."""

import pytest

from hyperprune.config import ModelConfig, preset
from hyperprune.data import DATASETS, dataset_names
from hyperprune.errors import UserError
from hyperprune.models import MODELS, TASKS, model_kinds, task_kind_of
from hyperprune.registry import resolve
from hyperprune.run_options import RunOptions, build_spec


def test_every_model_kind_names_a_task_and_a_builder():
    for name, kind in MODELS.entries().items():
        assert kind.task in TASKS, name
        assert callable(resolve(kind.builder)), name
        assert task_kind_of(ModelConfig(kind=name)) == kind.task
    assert model_kinds("lm") == ["gru", "lstm", "rhn", "rnn_tanh"]
    assert model_kinds("classifier") == ["cnn", "mlp"]


def test_every_task_has_datasets_and_the_presets_are_consistent():
    for task in TASKS:
        assert dataset_names(task) and model_kinds(task)
    assert dataset_names("lm") == ["embedded", "ptb"]
    assert [n for n in DATASETS if DATASETS.get(n).needs_path] == ["cifar10", "mnist", "ptb"]
    for name in ("tiny", "paper"):
        spec = preset(name)
        assert DATASETS.get(spec.data.name).task == task_kind_of(spec.model)


def test_build_spec_asks_for_the_directory_of_data_read_from_disk(tmp_path):
    with pytest.raises(UserError, match="'mnist' needs a directory; pass --data-path"):
        build_spec(RunOptions(model="mlp", data="mnist"))
    spec = build_spec(
        RunOptions(model="mlp", data="mnist", data_path=str(tmp_path), settings=("train.lr=2",))
    )
    assert (spec.data.path, spec.model.kind, spec.train.lr) == (str(tmp_path.resolve()), "mlp", 2.0)
    with pytest.raises(UserError, match="unknown dataset 'imagenet'"):
        build_spec(RunOptions(data="imagenet"))
    with pytest.raises(UserError, match="model.kind must be one of cnn, gru, lstm, mlp, rhn, rnn_tanh"):
        build_spec(RunOptions(settings=("model.kind=transformer",)))
