"""The client side of PiCloud: a small HTTP client for the control-plane API
(:mod:`picloud.client.http`) and the ``picloud`` command line built on it
(:mod:`picloud.client.commands`, reference in docs/cli.md)."""
