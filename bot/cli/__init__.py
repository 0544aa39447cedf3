"""Command-line front ends beside `bot/__main__.py`: the import of POS exports and reports."""
