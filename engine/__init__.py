"""syncset's engine: one module per phase of the data flow.

load → validate → resolve → diff → plan → apply, with render at the edge. Only apply, snapshot
and promote touch the world; every other phase is a pure function of its inputs.
"""

__version__ = "0.1.0"
