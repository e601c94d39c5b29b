"""How well does an early metric predict which pruned candidate ends best? (``hyperprune calibrate``)

A thin wrapper of the calibration (:mod:`hyperprune.tune.calibrate`, analysis in
:mod:`hyperprune.calibration`): it trains a pool drawn from a search space to the full budget
without exclusion, retrains some candidates from other seeds, and prints, per early metric and
epoch, Spearman and Kendall correlation with the final validation figure (bootstrap 95%
intervals), the seed noise and noise ceiling, the cheapest halving schedules within the
tolerance and the recommendation. Every argument is passed to ``hyperprune calibrate``; the
defaults here are the tiny study of the README (26 random proposals of the reference space,
which at seed 0 are 24 distinct candidates, 8 epochs).
``--render DIR`` prints the tables of a finished calibration again.

Usage::

    python bench/ranking.py                                   # tiny preset, embedded corpus, CPU
    python bench/ranking.py --space all-methods --max-evals 16 --out runs/ranking-all-methods
    python bench/ranking.py --render runs/ranking
    # The reference scale (2x1500 LSTM, 26 candidates, 100 epochs): a GPU cluster, days.
    python bench/ranking.py --preset paper --data ptb --data-path ~/data/ptb --max-evals 26 --epochs 100 \\
        --address auto --gpus-per-trial 0.5 --out runs/ranking-paper
"""

from __future__ import annotations

import sys

#: 3 candidates (the fewest that correlate), 2 epochs of 2 batches, no replicates, the fewest bootstrap resamples
SMOKE = ["--max-evals", "3", "--epochs", "2", "--e0", "1", "--replicates", "1", "--bootstrap", "100",
         "--set", "train.max_batches=2", "--set", "train.max_eval_batches=2", "--set", "train.ls_batches=1",
         "--set", "model.hidden_size=16", "--set", "model.emb_size=16", "--no-report", "--quiet"]
DEFAULTS = {"--max-evals": "26", "--epochs": "8", "--space": "reference", "--out": "runs/ranking"}


def main(argv: list[str] | None = None) -> int:
    from hyperprune.cli import main as cli_main
    from hyperprune.figures.bench_output import with_smoke

    argv = with_smoke(list(sys.argv[1:] if argv is None else argv), SMOKE)
    if argv[:1] == ["--render"] and len(argv) == 2:
        from hyperprune.calibration.files import read_calibration
        from hyperprune.calibration.summary import render

        print(render(read_calibration(argv[1])))
        return 0
    given = {a.split("=", 1)[0] for a in argv if a.startswith("--")}
    defaults = [x for flag, value in DEFAULTS.items() if flag not in given for x in (flag, value)]
    return cli_main(["calibrate", *defaults, "--no-dashboard", *argv])


if __name__ == "__main__":
    sys.exit(main())
