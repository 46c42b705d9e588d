#!/usr/bin/env python3
"""Generate synthetic hospital raw exports: see `python scripts/generate_data.py --help`.

The generator itself is the `hospgen` package beside this file.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hospgen.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
