"""``python -m solver``: the command line (see :mod:`solver.cli`)."""

import sys

from solver.cli import main

sys.exit(main())
