"""Data files of `consilium.deid`, read with importlib.resources."""
