"""`python -m cli`: the same as the `partage` command."""

import sys

from cli.main import main

sys.exit(main())
