"""Quality checks with great-expectations: at the door (raw files) and on the headline marts.
Entry point: scripts/run_quality.py."""
