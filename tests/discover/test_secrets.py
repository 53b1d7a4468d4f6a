"""Secret masking of environments and env-style files."""

from __future__ import annotations

import pytest

from mta.discover.secrets import looks_secret, mask_env, mask_text, mask_value
from mta.model import SECRET_MARKER

M = SECRET_MARKER


@pytest.mark.parametrize(
    "key,value",
    [
        ("DB_PASSWORD", "x"), ("MYSQL_ROOT_PASSWD", "x"), ("dbPassword", "x"), ("REDIS_PASS", "x"),
        ("SECRET_KEY", "x"), ("AWS_SECRET_ACCESS_KEY", "x"), ("GITHUB_TOKEN", "x"), ("API_KEY", "x"),
        ("apiKey", "x"), ("STRIPE_KEY", "x"), ("GOOGLE_APPLICATION_CREDENTIALS_JSON", "{}"),
        ("PRIVATE_KEY", "-----BEGIN"), ("WP_AUTH_SALT", "x"), ("MYSQLPWD", "x"), ("db.password", "x"),
        ("DATABASE_URL", "postgres://app:pw@db/x"), ("CONN", "Server=x;User Id=sa;Password=p@ss;"),
    ],
)
def test_secret(key, value):
    assert looks_secret(key, value)


@pytest.mark.parametrize(
    "key,value",
    [
        ("PATH", "/usr/bin"), ("PWD", "/srv/app"), ("OLDPWD", "/"), ("HOME", "/root"), ("LANG", "C"),
        ("SSL_KEY_FILE", "/etc/ssl/private/key.pem"), ("SSH_AUTH_SOCK", "/tmp/ssh-x/agent.1"),
        ("MONKEY", "banana"), ("KEYBOARD_LAYOUT", "us"), ("AWS_ACCESS_KEY_ID", "AKIA..."),
        ("DATABASE_URL", "postgres://db/x"), ("URL", "https://user@example.com/"), ("DB_PASSWORD", ""),
    ],
)
def test_not_secret(key, value):
    assert not looks_secret(key, value)


def test_url_keeps_everything_but_the_password():
    assert mask_value("REDIS_URL", "redis://:s3cret@cache:6379/0") == f"redis://:{M}@cache:6379/0"
    assert mask_value("X", "amqp://guest:guest@mq:5672/") == f"amqp://guest:{M}@mq:5672/"
    assert mask_value("DB_PASSWORD", "postgres://u:p@h/d") == M


def test_mask_env_copies():
    env = {"A": "1", "TOKEN": "t"}
    assert mask_env(env) == {"A": "1", "TOKEN": M} and env["TOKEN"] == "t"


def test_mask_text_env_file_shapes():
    text = (
        "# comment with password=inline\n"
        "DB_HOST=db\n"
        "DB_PASSWORD=hunter2\n"
        "export API_TOKEN='abc def'\n"
        'SECRET_KEY="x=y"\n'
        "jdbc.password = s3cret\n"
        "password: yaml-style\n"
        "DATABASE_URL=mysql://app:pw@db/app\n"
        "EMPTY_PASSWORD=\n"
        "\n"
    )
    out = mask_text(text)
    for secret in ("hunter2", "abc def", "x=y", "s3cret", "yaml-style", ":pw@", "password=inline"):
        assert secret not in out
    assert "DB_HOST=db\n" in out
    assert f"export API_TOKEN='{M}'" in out and f'SECRET_KEY="{M}"' in out
    assert f"jdbc.password = {M}" in out
    assert "EMPTY_PASSWORD=\n" in out
    assert out.count("\n") == text.count("\n")


def test_mask_text_config_formats():
    text = (
        '{"db": {"host": "h", "password": "js0n-pw",\n'
        '  "password": "js0n-pw2",\n'
        '  "user": "app"}}\n'
        '<Resource name="jdbc/shop" username="shop" password="xml pw" url="jdbc:mysql://db/shop"/>\n'
        "<secret-key>el3ment</secret-key>\n"
        "spring.datasource.password=pr0ps\n"
        "Server=db;Database=x;User Id=sa;Password=c0nn;\n"
    )
    out = mask_text(text)
    for secret in ("js0n-pw", "xml pw", "el3ment", "pr0ps", "c0nn"):
        assert secret not in out, secret
    assert f'  "password": "{M}",\n' in out
    assert f'password="{M}" url="jdbc:mysql://db/shop"' in out and 'username="shop"' in out
    assert f"<secret-key>{M}</secret-key>" in out
    assert '"user": "app"' in out
