"""The committed documentation names no absolute path of the machine it was written on."""

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# machine-local roots; paths on a cloud cluster's nodes (/home/ubuntu/... of cluster.yaml) are fine
LOCAL = re.compile(r"(?<![\w.~$])/(work|root|tmp|var/folders)/")


def test_docs_use_repository_relative_paths():
    files = subprocess.run(["git", "ls-files", "*.md", "*.yaml", "*.yml", "*.toml", "Makefile"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split()
    assert files, "no documentation files found"
    found = [f"{name}:{number}: {line.strip()}"
             for name in files
             for number, line in enumerate((REPO / name).read_text().splitlines(), 1)
             if LOCAL.search(line) or str(REPO) in line]
    assert not found, "absolute paths of this machine:\n" + "\n".join(found)
