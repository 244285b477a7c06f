"""``python -m zqf_analysis.build``: the build's own commands, without the other stages' imports."""

import sys

from zqf_analysis.build.plan import main

if __name__ == "__main__":
    sys.exit(main())
