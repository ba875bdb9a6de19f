"""``python -m faq match|lint|stats|group ...`` (same as ``loket faq ...``)."""

import sys

from faq.cli import main

sys.exit(main())
