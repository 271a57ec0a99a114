"""The distribution provides three independent packages."""

import importlib
import subprocess
import sys


def test_packages_import():
    for name in ("picloud", "actors", "rhai"):
        assert importlib.import_module(name).__name__ == name


def test_libraries_do_not_import_picloud():
    # rhai and actors are publishable on their own: importing them must not
    # pull in picloud. Run in a fresh interpreter so other tests don't interfere.
    code = (
        "import sys, actors, rhai; "
        "sys.exit(1 if any(m == 'picloud' or m.startswith('picloud.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
