"""``syncset init``: scaffold a configuration repository (scaffold.py, templates/)."""
