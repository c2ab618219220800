"""The one HTTP layer: auth, retries, limits, errors."""
