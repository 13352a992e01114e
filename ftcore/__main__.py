"""`python -m ftcore ...` is the same as the `ftcore` command."""

import sys

from ftcore.cli.main import main

sys.exit(main())
