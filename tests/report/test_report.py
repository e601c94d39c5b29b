"""The HTML report renders from fabricated search directories, complete or with gaps."""

import html.parser
import json
from pathlib import Path

import pytest

from hyperprune.errors import UserError
from hyperprune.report import write_report
from hyperprune.report.bracket import bracket_rounds
from hyperprune.report.correlation import correlation_points
from hyperprune.report.data import load_search
from hyperprune.report.stats import spearman

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.text = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if attrs.get(key):
                self.refs.append(attrs[key])

    def handle_data(self, data):
        self.text.append(data)


def _parse(index: Path) -> _Refs:
    parser = _Refs()
    parser.feed(index.read_text(encoding="utf-8"))
    return parser


def _check_images(index: Path) -> list[str]:
    refs = _parse(index).refs
    for ref in refs:
        assert not ref.startswith(("http:", "https:", "/")), ref
        target = index.parent / ref
        assert target.is_file(), f"{ref} is referenced but missing"
        assert target.read_bytes()[:8] == PNG_MAGIC
    return refs


def test_full_report_has_every_figure(make_search):
    search = make_search(final_count=4)
    index = write_report(search)
    assert index == search / "report" / "index.html"
    refs = _check_images(index)
    assert sorted(refs) == ["bracket.png", "correlation.png", "curves.png", "sparsity.png", "spectra.png"]
    assert sorted(p.name for p in index.parent.glob("*.png")) == sorted(refs)
    text = " ".join(_parse(index).text)
    data = load_search(search)
    winner = data.winner_id
    assert f"Winner {winner}" in text
    for row in data.rows:  # the pool table lists every candidate
        assert row["candidate_id"] in text
    assert "Spearman rho" in text


def test_correlation_matches_the_pool(make_search):
    data = load_search(make_search(final_count=4))
    points = correlation_points(data)
    finished = data.finished()
    assert len(finished) == 4
    ls = points["ls_distance"]
    assert ls["epoch"] == 2 and sorted(ls["ids"]) == sorted(r["candidate_id"] for r in finished)
    by_id = {r["candidate_id"]: r for r in finished}
    xs = [by_id[c]["ls_distance"][1] for c in ls["ids"]]
    ys = [by_id[c]["final_val_metric"] for c in ls["ids"]]
    assert ls["rho"] == pytest.approx(spearman(xs, ys))


def test_bracket_follows_the_halving(make_search):
    data = load_search(make_search(pool_size=8, final_count=2))
    rounds = bracket_rounds(data)
    assert [(r["round"], r["epoch"], r["ranked"], r["kept"]) for r in rounds] == [(1, 2, 8, 4), (2, 3, 4, 2)]
    for rnd in rounds:  # the excluded ones had the worse metric at that rung
        assert len(rnd["excluded"]) == rnd["ranked"] - rnd["kept"]
        worst_kept = max(json.loads(r["rung_metrics"])[str(rnd["round"] - 1)] for r in data.rows
                         if str(rnd["round"] - 1) in json.loads(r["rung_metrics"])
                         and r["candidate_id"] not in {c for c, *_ in rnd["excluded"]})
        assert all(v > worst_kept for _, v, *_ in rnd["excluded"])


def test_two_finalists_say_not_enough_finished(make_search):
    index = write_report(make_search(final_count=2))
    text = " ".join(_parse(index).text)
    assert "Not enough finished candidates" in text
    assert "correlation.png" not in _check_images(index)


def test_all_diverged_renders_notes(make_search):
    index = write_report(make_search(diverge_all=True))
    _check_images(index)
    text = " ".join(_parse(index).text)
    assert "No winner" in text
    assert not (index.parent / "sparsity.png").exists()


def test_classifier_without_spectra(make_search):
    index = write_report(make_search(classifier=True))
    refs = _check_images(index)
    assert "spectra.png" not in refs
    text = " ".join(_parse(index).text)
    assert "No Lyapunov spectra were recorded" in text
    assert "validation accuracy" in text or "accuracy" in text


def test_unfinished_search_without_result(make_search):
    search = make_search()
    (search / "result.json").unlink()
    (search / "dense_reference.json").unlink()
    index = write_report(search)
    _check_images(index)
    assert "has not finished" in " ".join(_parse(index).text)


def test_text_is_escaped(make_search):
    search = make_search()
    result = json.loads((search / "result.json").read_text())
    result["winner"]["method"] = "<script>alert(1)</script>"
    (search / "result.json").write_text(json.dumps(result))
    page = write_report(search).read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_directory_without_a_search_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="holds no search"):
        write_report(tmp_path)
    with pytest.raises(UserError, match="not a directory"):
        write_report(tmp_path / "missing")


def test_rerendering_replaces_stale_figures(make_search):
    search = make_search()
    index = write_report(search)
    (index.parent / "old.png").write_bytes(b"stale")
    write_report(search)
    assert not (index.parent / "old.png").exists()
