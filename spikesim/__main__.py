"""``python -m spikesim``: the command line of :mod:`spikesim.cli`."""

import sys

from .cli import main

sys.exit(main())
