"""``python -m syncset``: the same command line as the ``syncset`` console script."""

from syncset.cli import main

main()
