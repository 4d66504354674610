"""Data shipped with Siaga: the gazetteer of Indonesian administrative areas (gazetteer/README.md).
Read through importlib.resources (`siaga.data`), so an installed wheel finds it too."""
