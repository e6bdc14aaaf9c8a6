"""The ``tbconfusion`` console script: the Rust command, run in-process.

``main`` hands ``sys.argv`` to ``tbconfusion_cli::run`` (the function the
Rust binary's ``main`` calls too), so subcommands, help and exit statuses
are the same as the Rust build's.
"""

import os
import signal
import sys

from ._native import run_cli


def main() -> None:
    # Python's SIGINT handler would only set a flag that no Python code
    # checks until the command returns: restore the default, so Ctrl-C
    # stops a long conversion as it stops the Rust binary.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # The program name as the user typed it, for clap's usage lines.
    argv = ["tbconfusion"] + [os.fsdecode(a) for a in sys.argv[1:]]
    sys.exit(run_cli(argv))


if __name__ == "__main__":
    main()
