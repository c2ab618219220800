"""A declarative JSON/REST provider."""
