"""`python -m ftcore ...` is the same as the `ftcore` command."""

import sys

from .cli import main

sys.exit(main())
