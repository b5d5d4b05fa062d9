"""`python -m harness` is `tokencache-compat`."""

import sys

from harness.cli import main

sys.exit(main())
