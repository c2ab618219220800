"""4me/Xurrent over its GraphQL API."""
