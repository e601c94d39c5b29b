"""The files of a calibration directory, and reading its result."""

from __future__ import annotations

import json
from pathlib import Path

from hyperprune.errors import UserError

OPTIONS_FILE = "calibrate.json"
RESULT_FILE = "calibration.json"


def is_calibration(path: str | Path) -> bool:
    return (Path(path) / OPTIONS_FILE).is_file()


def read_calibration(path: str | Path) -> dict:
    """``DIR/calibration.json`` of a finished calibration; a one-line UserError otherwise."""
    file = Path(path) / RESULT_FILE
    if not file.is_file():
        hint = (f"continue it with 'hyperprune resume {path}'" if is_calibration(path)
                else "run 'hyperprune calibrate' first")
        raise UserError(f"{path} holds no finished calibration (no {RESULT_FILE}); {hint}")
    try:
        return json.loads(file.read_text())
    except json.JSONDecodeError:
        raise UserError(f"{file} is damaged (not valid JSON); rerun the calibration's analysis with "
                        f"'hyperprune resume {path}'") from None
