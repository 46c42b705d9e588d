"""The hospital analytics warehouse's Python package: the `hospital` command (cli.py) and what it runs.

The package lives at the root of the dbt project and is installed editable (`make build` and `make test`
do it), so REPO, the project folder, is where the models, seeds and profiles are.
"""
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
