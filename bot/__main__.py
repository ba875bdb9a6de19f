"""`python -m bot` does what the `loket` command does."""

import sys

from bot.cli import main

sys.exit(main())
