from pathlib import Path

import pytest

from picloud.config import ConfigError, Settings, load_settings


def test_defaults_without_any_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings({}, environ={})
    assert settings == Settings()
    assert settings.database_url is None
    assert settings.listen_address == ("127.0.0.1", 8080)
    assert settings.data_dir == Path(".picloud")


def test_flags_beat_environment_beat_file(tmp_path):
    config = tmp_path / "picloud.toml"
    config.write_text('listen = "127.0.0.1:1111"\ndata_dir = "/from/file"\nlog_level = "debug"\n')
    env = {"PICLOUD_LISTEN": "127.0.0.1:2222", "PICLOUD_DATA_DIR": "/from/env"}
    settings = load_settings({"listen": "127.0.0.1:3333", "data_dir": None}, environ=env, config_file=config)
    assert settings.listen == "127.0.0.1:3333"  # flag
    assert settings.data_dir == Path("/from/env")  # env over file
    assert settings.log_level == "debug"  # file over default


def test_picloud_config_names_the_file_and_cwd_file_is_picked_up(tmp_path, monkeypatch):
    named = tmp_path / "named.toml"
    named.write_text('shutdown_timeout = 3.5\n')
    assert load_settings({}, environ={"PICLOUD_CONFIG": str(named)}).shutdown_timeout == 3.5
    monkeypatch.chdir(tmp_path)
    (tmp_path / "picloud.toml").write_text('database_url = "postgresql://u@h/db"\n')
    assert load_settings({}, environ={}).database_url == "postgresql://u@h/db"


def test_environment_values_are_converted(tmp_path):
    settings = load_settings({}, environ={"PICLOUD_SHUTDOWN_TIMEOUT": "2.5", "PICLOUD_PG_BINDIR": "/opt/pg/bin"},
                             config_file=_empty(tmp_path))
    assert settings.shutdown_timeout == 2.5
    assert settings.pg_bindir == Path("/opt/pg/bin")


def _empty(tmp_path):
    path = tmp_path / "empty.toml"
    path.write_text("")
    return path


@pytest.mark.parametrize(
    "toml, message",
    [
        ('listne = "x"\n', "unknown setting.*listne"),
        ('shutdown_timeout = "soon"\n', "shutdown_timeout"),
        ('listen = "nohost"\n', "HOST:PORT"),
        ('log_level = "chatty"\n', "log_level"),
        ("listen = \n", "not valid TOML"),
    ],
)
def test_bad_file_values_name_the_setting(tmp_path, toml, message):
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_settings({}, environ={}, config_file=path)


def test_named_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings({}, environ={}, config_file=tmp_path / "missing.toml")
