"""The ``picloud`` command line (``python -m picloud.cli``, or ``picloud`` when installed).

The commands live in :mod:`picloud.client.commands` (click + rich; reference:
docs/cli.md): ``serve``, ``migrate`` and ``token`` run the platform or talk to
its database, the others are clients of the control-plane API.

Exit codes: 0 ok, 1 API/server error, 2 usage error (bad arguments or
configuration), 3 not found, 4 authentication failed, 5 cannot connect.
"""

from __future__ import annotations

import sys

from picloud.client.commands import cli, main

__all__ = ["cli", "main"]

if __name__ == "__main__":
    sys.exit(main())
