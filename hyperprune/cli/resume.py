"""``hyperprune resume DIR``: continue an interrupted search or calibration from what it saved."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from hyperprune.cli.dataclass_flags import FlagHelpFormatter, add_flags
from hyperprune.option_field import option


@dataclass(frozen=True)
class ResumeOptions:
    out: str = option(help="the output directory of the search or calibration", positional=True, metavar="DIR")


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("resume", help="continue an interrupted search or calibration (driver killed, reboot)",
                       formatter_class=FlagHelpFormatter)
    add_flags(p, ResumeOptions)
    p.set_defaults(handler=run)
    return p


def run(args: argparse.Namespace) -> int:
    from hyperprune.api import resume
    from hyperprune.calibration.files import is_calibration

    if is_calibration(args.out):
        from hyperprune.cli.calibrate import show

        show(args.out, resume(args.out))
        return 0
    return resume(args.out, report=False).exit_status  # a resumed search writes no report
