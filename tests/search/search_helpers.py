"""Settings that make a whole search train in well under a minute, for the search tests."""

TINY = ["model.hidden_size=24", "model.emb_size=24", "train.max_batches=6", "train.max_eval_batches=4",
        "train.ls_steps=12", "train.ls_warmup=3"]


def search_args(out, cache, *extra):
    args = ["search", "--out", str(out), "--cache-dir", str(cache), "--no-dashboard", "--no-report", "--quiet",
            "--noise-floor-seeds", "2"]
    for item in TINY:
        args += ["--set", item]
    return args + list(extra)


def random_search_args(out, cache, *extra, max_evals: int, final_epochs: int, e0: int = 1):
    """A random search of ``max_evals`` candidates, rungs every epoch from ``e0``, one finalist trained
    ``final_epochs`` epochs, and no noise floor."""
    return search_args(
        out, cache, "--hpo", "random", "--max-evals", str(max_evals), "--e0", str(e0), "--ei", "1",
        "--final-count", "1", "--final-epochs", str(final_epochs), *extra, "--no-noise-floor",
    )
