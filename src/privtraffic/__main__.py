"""``python -m privtraffic``: the same as the ``privtraffic`` command."""

import sys

from privtraffic.cli import main

if __name__ == "__main__":
    sys.exit(main())
