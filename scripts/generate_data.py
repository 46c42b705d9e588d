#!/usr/bin/env python3
"""Generate synthetic hospital raw exports: see `python scripts/generate_data.py --help`.

The generator itself is the `hospgen` package beside this file.
"""
import sys

from hospgen.cli import main

if __name__ == "__main__":
    sys.exit(main())
