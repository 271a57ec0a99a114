"""picloud.client.http without a server: where the token comes from, exit codes, URLs."""

from __future__ import annotations

import pytest

from picloud.client import http
from picloud.manager.auth import ADMIN_TOKEN_FILE


def test_the_admin_token_file_name_matches_the_server():
    assert http.ADMIN_TOKEN_FILE == ADMIN_TOKEN_FILE


def test_token_precedence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./picloud.toml, no ./.picloud
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "admin-token").write_text("pc_from-the-file\n")
    env = {"PICLOUD_DATA_DIR": str(tmp_path / "data")}
    assert http.resolve_token(None, env) == ("pc_from-the-file", str(tmp_path / "data" / "admin-token"))
    env["PICLOUD_ADMIN_TOKEN"] = "pc_the-servers-admin-token"
    assert http.resolve_token(None, env)[0] == "pc_the-servers-admin-token"
    env["PICLOUD_TOKEN"] = "pc_from-env"
    assert http.resolve_token(None, env) == ("pc_from-env", "PICLOUD_TOKEN")
    assert http.resolve_token("pc_flag", env) == ("pc_flag", "--token")
    assert http.resolve_token(None, {"PICLOUD_DATA_DIR": str(tmp_path / "empty")}) == (None, "none")


def test_the_data_dir_comes_from_picloud_toml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "admin-token").write_text("pc_toml-data-dir\n")
    (tmp_path / "picloud.toml").write_text('data_dir = "state"\n')
    assert http.resolve_token(None, {})[0] == "pc_toml-data-dir"


def test_url_precedence():
    assert http.resolve_url(None, {}) == "http://127.0.0.1:8080"
    assert http.resolve_url(None, {"PICLOUD_URL": "http://h:1"}) == "http://h:1"
    assert http.resolve_url("http://flag:2", {"PICLOUD_URL": "http://h:1"}) == "http://flag:2"


@pytest.mark.parametrize(("status", "code"), [(400, 2), (401, 4), (403, 4), (404, 3), (409, 1), (422, 1),
                                              (500, 1), (503, 1)])
def test_exit_codes_by_status(status, code):
    assert http.exit_code_for_status(status) == code


def test_urls_are_checked_and_may_carry_a_prefix():
    with pytest.raises(http.ClientError) as info:
        http.ApiClient("localhost:8080")
    assert info.value.exit_code == 2
    client = http.ApiClient("https://example.com/picloud/")
    assert (client.scheme, client.host, client.port, client.prefix) == ("https", "example.com", None, "/picloud")


def test_compile_errors_describe_their_position():
    error = http.ApiError(422, "compile_error", "Expecting an expression", {"line": 2, "column": 9})
    assert str(error) == "compile error at line 2, column 9: Expecting an expression"
    assert error.exit_code == 1
