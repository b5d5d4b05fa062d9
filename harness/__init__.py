"""tokencache-compat: a spec-driven conformance harness for the token cache file."""
