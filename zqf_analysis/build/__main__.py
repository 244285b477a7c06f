"""``python -m zqf_analysis.build [options]``: the same as ``python -m zqf_analysis build [options]``."""

import sys

from zqf_analysis.build.cli import main

if __name__ == "__main__":
    sys.exit(main())
