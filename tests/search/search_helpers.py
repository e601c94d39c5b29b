"""Settings that make a whole search train in well under a minute, for the search tests."""

TINY = ["model.hidden_size=24", "model.emb_size=24", "train.max_batches=6", "train.max_eval_batches=4",
        "train.ls_steps=12", "train.ls_warmup=3"]


def search_args(out, cache, *extra):
    args = ["search", "--out", str(out), "--cache-dir", str(cache), "--no-dashboard", "--no-report", "--quiet",
            "--noise-floor-seeds", "2"]
    for item in TINY:
        args += ["--set", item]
    return args + list(extra)
