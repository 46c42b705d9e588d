"""Quality checks with great-expectations: at the door (raw files) and on the headline marts.
Entry point: hospital_warehouse/quality/run.py."""
