"""Configuration: YAML files in, typed and cross-checked records out."""
