"""Two searches on one machine: each embedded Ray comes up on its own free dashboard port, and a
second search into a busy ``--out`` is refused in one line; a killed driver leaves no stale lock."""

import re

import pytest
from faultkit import Driver, run_cli, search_args

from hyperprune.searching.locks import LOCK_NAME, lock_output, release_output

pytestmark = pytest.mark.slow

QUICK = ["--hpo", "random", "--max-evals", "2", "--final-count", "1", "--e0", "1", "--final-epochs", "1",
         "--metric", "loss"]


def _with_dashboard(args):
    return [a for a in args if a not in ("--no-dashboard", "--quiet")]


def _locked(out):
    return (out / LOCK_NAME).is_file() and (out / LOCK_NAME).read_text().strip().isdigit()


def test_two_searches_at_once_get_their_own_dashboards(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    with Driver(_with_dashboard(search_args(first, tmp_path / "cache", *QUICK)), tmp_path / "first.log") as a, \
         Driver(_with_dashboard(search_args(second, tmp_path / "cache", *QUICK)), tmp_path / "second.log") as b:
        a.wait_until(lambda: _locked(first), what="the first search to lock its --out")
        busy = run_cli(*search_args(first, tmp_path / "cache2", *QUICK), timeout=120)
        assert busy.returncode == 2, busy.stderr
        lines = busy.stderr.strip().splitlines()
        assert len(lines) == 1 and "is in use by another running search (pid" in lines[0], busy.stderr
        assert a.wait() == 0, (tmp_path / "first.log").read_text()[-3000:]
        assert b.wait() == 0, (tmp_path / "second.log").read_text()[-3000:]
    urls = [re.search(r"Ray dashboard: (http://127\.0\.0\.1:\d+)", (tmp_path / f"{n}.log").read_text())
            for n in ("first", "second")]
    assert all(urls), "each search prints the dashboard URL it got"
    assert urls[0].group(1) != urls[1].group(1)
    assert (first / "result.json").is_file() and (second / "result.json").is_file()


def test_a_killed_driver_leaves_no_stale_lock(tmp_path):
    out = tmp_path / "out"
    slow = search_args(out, tmp_path / "cache", "--hpo", "random", "--max-evals", "2", "--final-count", "1",
                       "--e0", "1", "--final-epochs", "3", "--metric", "loss")
    with Driver(slow, tmp_path / "killed.log") as driver:
        driver.wait_until(lambda: _locked(out), what="the search to lock its --out")
        with pytest.raises(Exception, match="in use by another running search"):
            lock_output(out)
        driver.kill()
    lock_output(out)  # the kernel dropped the dead driver's lock
    release_output(out)
