"""hospgen: synthetic hospital raw exports (Synthea CSV layout and flat EMR extracts) with planted
clinical patterns and a manifest of injected defects. Entry point: hospital generate."""
from .generate import generate
from .params import GeneratorConfig

__all__ = ["generate", "GeneratorConfig"]
