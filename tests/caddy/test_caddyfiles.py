"""The Caddyfiles: generated from settings and the shipped ones, checked by Caddy itself."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from picloud.caddy import caddy_executable, public_url, render_caddyfile, upstream_for
from picloud.config import load_settings

ROOT = Path(__file__).resolve().parents[2]


def adapt(path: Path, env: dict | None = None) -> str:
    """``caddy adapt``: the JSON config, failing on any error or warning."""
    result = subprocess.run([str(caddy_executable()), "adapt", "--config", str(path), "--adapter", "caddyfile"],
                            capture_output=True, text=True, timeout=30, env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr
    assert '"level":"warn"' not in result.stderr, result.stderr
    return result.stdout


def test_the_binary_comes_from_the_wheel():
    path = caddy_executable()
    assert path.is_file() and os.access(path, os.X_OK)
    version = subprocess.run([str(path), "version"], capture_output=True, text=True, timeout=30).stdout
    assert version.startswith("v2.11.7")


def test_plain_http_config(tmp_path):
    settings = load_settings({"data_dir": tmp_path, "listen": "0.0.0.0:9001", "http_port": 8123}, environ={})
    text = render_caddyfile(settings)
    assert ":8123 {" in text and "auto_https off" in text and "admin off" in text
    assert "reverse_proxy 127.0.0.1:9001" in text
    assert "max_size 1048576" in text
    (tmp_path / "Caddyfile").write_text(text)
    config = adapt(tmp_path / "Caddyfile")
    assert '"listen":[":8123"]' in config
    assert public_url(settings) == "http://127.0.0.1:8123"


def test_domain_config_turns_on_automatic_https(tmp_path):
    settings = load_settings({"data_dir": tmp_path, "domain": "pi.example.com"},
                             environ={"PICLOUD_MAX_BODY_BYTES": str(4 << 20)})
    text = render_caddyfile(settings)
    assert "pi.example.com {" in text and "auto_https" not in text
    assert f"max_size {4 << 20}" in text
    assert str((tmp_path / "caddy").resolve()) in text  # certificates stay in the data folder
    (tmp_path / "Caddyfile").write_text(text)
    config = adapt(tmp_path / "Caddyfile")
    assert '"pi.example.com"' in config
    assert public_url(settings) == "https://pi.example.com"


def test_upstreams():
    assert upstream_for(("127.0.0.1", 8080)) == "127.0.0.1:8080"
    assert upstream_for(("0.0.0.0", 8080)) == "127.0.0.1:8080"
    assert upstream_for(("::", 8080)) == "[::1]:8080"
    assert upstream_for(("::1", 8080)) == "[::1]:8080"


@pytest.mark.parametrize("name", ["Caddyfile", "Caddyfile.cluster"])
@pytest.mark.parametrize("env", [{}, {"PICLOUD_SITE": "pi.example.com", "PICLOUD_UPSTREAM": "127.0.0.1:9000",
                                      "PICLOUD_NODES": "10.0.0.1:8080 10.0.0.2:8080"}])
def test_shipped_caddyfiles_are_valid(name, env):
    config = adapt(ROOT / "caddy" / name, env)
    assert '"max_size":1048576' in config
    if name.endswith("cluster"):
        assert '"uri":"/_picloud/health"' in config
        if env:
            assert '"dial":"10.0.0.2:8080"' in config


def test_settings_for_caddy():
    from picloud.config import ConfigError

    settings = load_settings({}, environ={"PICLOUD_CADDY": "true", "PICLOUD_HTTP_PORT": "8081"})
    assert settings.caddy is True and settings.http_port == 8081
    assert load_settings({}, environ={"PICLOUD_CADDY": "off"}).caddy is False
    for environ in ({"PICLOUD_CADDY": "maybe"}, {"PICLOUD_HTTP_PORT": "0"}, {"PICLOUD_DOMAIN": "bad domain"},
                    {"PICLOUD_ADMIN_TOKEN": "short"}):
        with pytest.raises(ConfigError):
            load_settings({}, environ=environ)
