"""``hyperprune report DIR`` and the hook the search command calls at its end."""

from hyperprune.cli import main
from hyperprune.report.after_run import write_report_if_available


def test_report_command_writes_the_page(make_search, capsys):
    search = make_search()
    assert main(["report", str(search)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == f"report: {search / 'report' / 'index.html'}"
    assert (search / "report" / "index.html").is_file()


def test_report_command_rejects_a_directory_without_search(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "holds no search" in err and len(err.strip().splitlines()) == 1


def test_hook_after_a_search(make_search, tmp_path, capsys):
    search = make_search()
    path = write_report_if_available(search)
    assert path == search / "report" / "index.html" and path.is_file()
    assert f"report: {path}" in capsys.readouterr().out
    assert write_report_if_available(tmp_path / "nothing") is None
    assert "not written" in capsys.readouterr().err
