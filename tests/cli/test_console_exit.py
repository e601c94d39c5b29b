"""How the console command ends: its status, its threads and exit handlers, a pipe closed early."""

import subprocess
import sys
import textwrap

ENDING = textwrap.dedent("""
    import atexit, sys, threading, time
    from pathlib import Path
    import hyperprune.cli as cli

    folder = Path(sys.argv[1])

    def late_writer():
        time.sleep(0.5)
        (folder / "thread.txt").write_text("written after main returned")

    def command(argv=None):
        threading.Thread(target=late_writer).start()
        atexit.register(lambda: (folder / "atexit.txt").write_text("handler ran"))
        print("partial line without a newline", end="")
        return 3

    cli.main = command
    cli.run_command()
""")


def test_the_command_ends_as_the_interpreter_would_with_its_status(tmp_path):
    done = subprocess.run([sys.executable, "-c", ENDING, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert done.stdout == "partial line without a newline"  # buffered output is flushed
    assert (tmp_path / "thread.txt").read_text() == "written after main returned"  # threads are joined
    assert (tmp_path / "atexit.txt").read_text() == "handler ran"  # exit handlers run


def test_a_user_mistake_keeps_its_one_line_and_status_2():
    done = subprocess.run([sys.executable, "-m", "hyperprune", "search", "--max-evals", "0"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "hyperprune: error: --max-evals (0) must be at least --final-count (2)"]


def test_output_into_a_pipe_closed_early_ends_quietly_with_141():
    proc = subprocess.Popen([sys.executable, "-m", "hyperprune", "methods"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader leaves before the command writes (as '| head -0' does)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and err == ""
