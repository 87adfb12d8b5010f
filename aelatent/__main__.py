"""``python -m aelatent run | regress``: see :mod:`aelatent.cli`."""

import sys

from .cli import main

sys.exit(main())
