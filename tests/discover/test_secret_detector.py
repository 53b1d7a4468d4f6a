"""The one secret detector (mta.discover.secrets): names, values, files, command lines.

The name lists are the audit: every NOT_SECRET name is a real variable seen in
Debian, Docker official images, Kubernetes pods, CI runners or language
toolchains, and none may be flagged; every SECRET name must be.
"""

from __future__ import annotations

import pytest

from mta.discover.secrets import (SECRET_MARKER, decode_text, file_looks_secret, mask_file, key_looks_secret, looks_secret,
                                  mask_argv, mask_command_line, mask_inline, mask_text, mask_value,
                                  value_looks_secret)

M = SECRET_MARKER

NOT_SECRET = """
PATH HOME LANG LANGUAGE LC_ALL LC_CTYPE LC_MESSAGES TERM SHELL USER LOGNAME MAIL PWD OLDPWD SHLVL HOSTNAME
TZ EDITOR VISUAL PAGER LESS LESSOPEN LESSCLOSE LS_COLORS DISPLAY XAUTHORITY XDG_RUNTIME_DIR XDG_SESSION_ID
XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME DBUS_SESSION_BUS_ADDRESS SSH_AUTH_SOCK SSH_AGENT_PID
SSH_CONNECTION SSH_CLIENT SSH_TTY GPG_AGENT_INFO GPG_TTY KEYMAP KEYTABLE XKB_DEFAULT_LAYOUT MOTD_SHOWN
DEBIAN_FRONTEND DEBCONF_NONINTERACTIVE_SEEN APT_LISTCHANGES_FRONTEND RUNLEVEL PREVLEVEL INVOCATION_ID
JOURNAL_STREAM NOTIFY_SOCKET SYSTEMD_EXEC_PID MANAGERPID LISTEN_FDS LISTEN_PID container HISTFILE HISTSIZE
HISTCONTROL TMPDIR TEMP TMP UMASK
JAVA_HOME JAVA_OPTS JAVA_VERSION JDK_JAVA_OPTIONS JRE_HOME CATALINA_HOME CATALINA_BASE CATALINA_OPTS
CATALINA_PID CATALINA_TMPDIR TOMCAT_MAJOR TOMCAT_VERSION TOMCAT_SHA512 MAVEN_HOME MAVEN_OPTS M2_HOME
GRADLE_HOME GRADLE_USER_HOME GRADLE_OPTS CLASSPATH LD_LIBRARY_PATH LD_PRELOAD PKG_CONFIG_PATH
PYTHONPATH PYTHONHOME PYTHONUNBUFFERED PYTHONDONTWRITEBYTECODE PYTHONIOENCODING PYTHON_VERSION
PYTHON_PIP_VERSION PYTHON_SETUPTOOLS_VERSION PYTHON_GET_PIP_URL PYTHON_GET_PIP_SHA256 PIP_NO_CACHE_DIR
PIP_DISABLE_PIP_VERSION_CHECK PIP_INDEX_URL VIRTUAL_ENV CONDA_PREFIX DJANGO_SETTINGS_MODULE FLASK_APP
FLASK_ENV FLASK_DEBUG GUNICORN_CMD_ARGS WSGI_MODULE UWSGI_INI CELERY_BROKER_URL TOKENIZERS_PARALLELISM
TOX_TESTENV_PASSENV TOX_ENV_NAME TOX_WORK_DIR
NODE_ENV NODE_VERSION NODE_OPTIONS NODE_PATH NODE_EXTRA_CA_CERTS YARN_VERSION NPM_CONFIG_LOGLEVEL
NPM_CONFIG_PREFIX npm_config_cache PM2_HOME
PHP_VERSION PHP_INI_DIR PHP_CFLAGS PHP_CPPFLAGS PHP_LDFLAGS PHP_URL PHP_ASC_URL PHP_SHA256 PHPIZE_DEPS
APACHE_CONFDIR APACHE_ENVVARS APACHE_RUN_USER APACHE_RUN_GROUP APACHE_LOG_DIR APACHE_PID_FILE APACHE_LOCK_DIR
NGINX_VERSION NJS_VERSION NJS_RELEASE PKG_RELEASE
RUBY_VERSION RUBY_MAJOR GEM_HOME GEM_PATH BUNDLE_PATH BUNDLE_APP_CONFIG BUNDLE_SILENCE_ROOT_WARNING RAILS_ENV
RACK_ENV GOPATH GOROOT GOFLAGS GO111MODULE GOPROXY CARGO_HOME RUSTUP_HOME DOTNET_ROOT ASPNETCORE_URLS
ASPNETCORE_ENVIRONMENT DOTNET_RUNNING_IN_CONTAINER
GPG_KEY GPG_KEYS GPG_KEY_ID KEYSERVER PUBLIC_KEY SSL_CERT_FILE SSL_CERT_DIR SSL_KEY_FILE TLS_KEY_PATH
REQUESTS_CA_BUNDLE CURL_CA_BUNDLE GIT_ASKPASS SSH_ASKPASS PGPASSFILE KRB5CCNAME KUBECONFIG
AWS_DEFAULT_REGION AWS_REGION AWS_PROFILE AWS_ACCESS_KEY_ID AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
GOOGLE_CLOUD_PROJECT DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_BUILDKIT COMPOSE_PROJECT_NAME
KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT KUBERNETES_SERVICE_PORT_HTTPS KUBERNETES_PORT
KUBERNETES_PORT_443_TCP KUBERNETES_PORT_443_TCP_ADDR KUBERNETES_PORT_443_TCP_PORT KUBERNETES_PORT_443_TCP_PROTO
POD_NAME POD_NAMESPACE POD_IP NODE_NAME SERVICE_ACCOUNT
CI GITHUB_ACTIONS GITHUB_WORKFLOW GITHUB_RUN_ID GITHUB_SHA GITHUB_REF GITHUB_REPOSITORY GITHUB_WORKSPACE
GITHUB_EVENT_NAME GITHUB_ACTOR RUNNER_OS RUNNER_TEMP GITLAB_CI CI_COMMIT_SHA CI_PIPELINE_ID CI_PROJECT_DIR
CI_JOB_ID BUILD_NUMBER JENKINS_URL WORKSPACE
DB_HOST DB_PORT DB_NAME DB_USER DB_USERNAME DB_DRIVER DATABASE_NAME DATABASE_HOST REDIS_HOST REDIS_PORT
MYSQL_DATABASE MYSQL_USER MYSQL_HOST POSTGRES_DB POSTGRES_USER PGHOST PGPORT PGDATABASE PGUSER
SPRING_PROFILES_ACTIVE SERVER_PORT LOG_LEVEL APP_ENV APP_DEBUG APP_URL APP_NAME PORT WORKERS TIMEOUT
AUTH_USER_MODEL PASSWORD_HASHERS AUTH_PASSWORD_VALIDATORS CSRF_COOKIE_NAME TOKEN_GENERATOR_CLASS
SESSION_COOKIE_NAME CACHE_KEY_PREFIX TOKEN_TTL PASSWORD_MIN_LENGTH AUTH_TYPE AUTH_URL OAUTH_TOKEN_URL
JWT_ALGORITHM API_KEY_HEADER SECRET_KEY_FILE DB_PASSWORD_FILE MYSQL_ROOT_PASSWORD_FILE PRIVATE_KEY_PATH
KEYCLOAK_URL MONKEY KEYBOARD_LAYOUT PASSENGER_APP_ENV SPINNER
""".split()

SECRET = """
DB_PASSWORD DB_PASS DB_PWD MYSQL_ROOT_PASSWORD MYSQL_PWD MYSQLPWD PGPASSWORD PGPASS POSTGRES_PASSWORD
dbpass MYAPP_DBPASS dbPassword db.password spring.datasource.password jdbc.password LDAP_BIND_PW ADMIN_PW
SMTP_PW ADMIN_PIN SIM_PIN SECRET_KEY SECRET_KEY_BASE DJANGO_SECRET_KEY APP_SECRET clientSecret
OAUTH_CLIENT_SECRET AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN GITHUB_TOKEN NPM_TOKEN VAULT_TOKEN API_TOKEN
accessToken authToken API_KEY apiKey api-key STRIPE_KEY SENDGRID_API_KEY PRIVATE_KEY private_key
GOOGLE_APPLICATION_CREDENTIALS_JSON AZURE_CREDENTIALS DOCKER_CREDS WP_AUTH_SALT AUTH_KEY SECURE_AUTH_KEY
NONCE_SALT LOGGED_IN_SALT REDIS_PASSWORD requirepass masterauth RABBITMQ_DEFAULT_PASS SMTP_PASSPHRASE
JWT_SECRET SIGNING_KEY ENCRYPTION_KEY KEYSTORE_PASS keystorePass truststorePassword BIND_PW
""".split()


def test_the_lists_are_big_enough():
    assert len(set(NOT_SECRET)) >= 200, len(set(NOT_SECRET))
    assert len(set(SECRET)) >= 60


def test_no_false_positive_on_common_names():
    flagged = [n for n in NOT_SECRET if key_looks_secret(n)]
    assert flagged == [], f"{len(flagged)} of {len(NOT_SECRET)} plain names flagged: {flagged}"


def test_every_secret_name_is_found():
    missed = [n for n in SECRET if not key_looks_secret(n)]
    assert missed == [], f"{len(missed)} of {len(SECRET)} secret names missed: {missed}"


@pytest.mark.parametrize("value", [
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN OPENSSH PRIVATE KEY-----", "AKIAIOSFODNN7EXAMPLE", "ASIAZZZZZZZZZZZZZZZZ",
    "ghp_" + "a1" * 18, "github_pat_" + "A" * 30, "xoxb-1234567890-abcdef", "AIza" + "x" * 35,
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ24",
    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ24",
])
def test_value_shapes(value):
    assert value_looks_secret(value)
    assert looks_secret("SOMETHING", value)


@pytest.mark.parametrize("value", [
    "", "hello", "/usr/bin", "-----BEGIN CERTIFICATE-----", "AKIA", "ghp_short", "eyJ.eyJ.x",
    "0123456789abcdef0123456789abcdef01234567", "https://example.com/path?x=1",
])
def test_plain_values(value):
    assert not value_looks_secret(value)


def test_aws_secret_next_to_its_key_id():
    text = "aws_access_key_id=AKIAIOSFODNN7EXAMPLE aws_other=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    out = mask_inline(text)
    assert "AKIAIOSFODNN7EXAMPLE" not in out and "wJalrXUtnFEMI" not in out


@pytest.mark.parametrize("path,text,expected", [
    ("/srv/app/keystore.jks", None, True), ("/etc/ssl/x.p12", None, True), ("/root/.netrc", None, True),
    ("/var/lib/postgresql/.pgpass", "h:5432:db:u:pw", True), ("/root/.my.cnf", None, True),
    ("/home/a/.aws/credentials", None, True), ("/etc/apache2/.htpasswd", None, True),
    ("/home/a/.ssh/id_rsa", None, True), ("/home/a/.ssh/id_rsa.pub", None, False),
    ("/srv/app/notes.txt", "hello\n-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n", True),
    ("/etc/ssl/certs/ca.pem", "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n", False),
    ("/etc/php/8.2/apache2/php.ini", "memory_limit = 128M\n;mysqli.default_pw =\nsession.name = PHPSESSID\n", False),
    ("/etc/tomcat9/server.xml", '<Server port="8005" shutdown="SHUTDOWN">\n<Connector port="8080"/>\n', False),
    ("/etc/tomcat9/tomcat-users.xml", '<user username="admin" password="s3cret" roles="manager-gui"/>', True),
    ("/etc/tomcat9/tomcat-users.xml", None, True), ("/srv/app/config.yml", "db:\n  password: " + M + "\n", True),
    ("/srv/app/config.yml", "db:\n  host: x\n", False),
    ("/etc/redmine/default/secret_key.txt", "aa2f4aec61a96bf1786ff68b4700291e\n", True),
])
def test_file_looks_secret(path, text, expected):
    assert file_looks_secret(path, text) is expected


def test_credential_store_is_masked_whole():
    # a bare signing key has no shape a scan could tell: its file name says what it is
    assert mask_file("/etc/redmine/default/secret_key.txt", "aa2f4aec61a96bf1786ff68b4700291e\n") == M + "\n"
    assert mask_file("/var/lib/postgresql/.pgpass", "h:5432:db:u:pw\n") == M + "\n"
    assert mask_file("/srv/app/config.yml", "db:\n  host: x\n") == "db:\n  host: x\n"


ARGV_CASES = [
    (["java", "-Dspring.datasource.password=V1", "-Dserver.port=8080", "-jar", "app.jar"],
     ["java", f"-Dspring.datasource.password={M}", "-Dserver.port=8080", "-jar", "app.jar"]),
    (["app", "--db-password=V2", "--db-host=db"], ["app", f"--db-password={M}", "--db-host=db"]),
    (["app", "--db.password", "V3", "--verbose"], ["app", "--db.password", M, "--verbose"]),
    (["mysqldump", "-uroot", "-pV4", "shop"], ["mysqldump", "-uroot", f"-p{M}", "shop"]),
    (["mariadb-dump", "-pV4b", "shop"], ["mariadb-dump", f"-p{M}", "shop"]),
    (["mysql", "-p", "shop"], ["mysql", "-p", "shop"]),  # -p alone prompts
    (["nc", "-p", "8080"], ["nc", "-p", "8080"]),  # -p is a port elsewhere
    (["app", "--url", "jdbc:mysql://db/x?user=a&password=V5&ssl=1"],
     ["app", "--url", f"jdbc:mysql://db/x?user=a&password={M}&ssl=1"]),
    (["app", "--url=postgres://u:V6@h/d"], ["app", f"--url=postgres://u:{M}@h/d"]),
    (["env", "DB_PASSWORD=V7", "LDAP_BIND_PW=V8", "run"], ["env", f"DB_PASSWORD={M}", f"LDAP_BIND_PW={M}", "run"]),
    (["redis-server", "--requirepass", "V9"], ["redis-server", "--requirepass", M]),
    (["app", "--ssl-key", "/etc/ssl/private/k.pem"], ["app", "--ssl-key", "/etc/ssl/private/k.pem"]),
    (["mongod", "--auth", "--bind_ip", "0.0.0.0"], ["mongod", "--auth", "--bind_ip", "0.0.0.0"]),
    (["app", "--token", "ghp_" + "z" * 36], ["app", "--token", M]),
    (["app", "ghp_" + "z" * 36], ["app", M]),
]


@pytest.mark.parametrize("argv,expected", ARGV_CASES, ids=[" ".join(a)[:40] for a, _ in ARGV_CASES])
def test_mask_argv(argv, expected):
    masked, found = mask_argv(argv)
    assert masked == expected
    assert len(found) == sum(a != b for a, b in zip(argv, expected))
    assert all(M not in v for _, v in found)


def test_mask_argv_names_and_values():
    _, found = mask_argv(["java", "-Dapp.db.password=V1", "--token", "V2", "x://u:V3@h"])
    assert found == [("app.db.password", "V1"), ("token", "V2"), ("url_password", "V3")]


@pytest.mark.parametrize("line,secret", [
    ("0 2 * * * /usr/local/bin/backup.sh --password=C1 >/dev/null 2>&1", "C1"),
    ("30 3 * * * root mysqldump -u root -pC2 shop | gzip > /backup/shop.sql.gz", "C2"),
    ("*/5 * * * * DB_PASSWORD=C3 /opt/app/bin/job", "C3"),
    ('/bin/sh -c "mysqldump -pC4 db > /tmp/x"', "C4"),
    ("/opt/app/run --secret 'C 5' --name x", "C 5"),
    ("exec /usr/bin/app --api-key \"C6\"", "C6"),
    ("curl -s 'https://u:C7@example.com/hook?token=C8'", "C7"),
])
def test_mask_command_line(line, secret):
    out = mask_command_line(line)
    assert secret not in out and M in out
    assert mask_command_line(out) == out  # masking is idempotent


def test_command_line_assignments_stay_assignments():
    assert mask_command_line("DB_PASSWORD=x /opt/job") == f"DB_PASSWORD='{M}' /opt/job"
    assert mask_command_line("mysqldump -px db | gzip") == f"mysqldump -p'{M}' db | gzip"


def test_mask_value_keeps_plain_values_under_secret_names():
    assert mask_value("AUTH_ENABLED", "true") == "true"
    assert mask_value("SSL_KEY", "/etc/ssl/private/server.key") == "/etc/ssl/private/server.key"
    assert mask_value("DB_PASSWORD", "$DB_PASSWORD_FROM_VAULT") == "$DB_PASSWORD_FROM_VAULT"
    assert mask_value("DB_PASSWORD", "hunter2") == M
    assert mask_value("ADMIN_PIN", "1234") == M


def test_mask_text_block_scalars_and_pem():
    text = ("a: 1\nsecret: >-\n  line-one-B1\n  line-two-B2\nb: 2\nitems:\n  - token: |\n      T3\n  - name: x\n"
            "key_text: |\n  -----BEGIN PRIVATE KEY-----\n  MIIabcP4\n  -----END PRIVATE KEY-----\n"
            "-----BEGIN RSA PRIVATE KEY-----\nMIIrsaP5\nP6xyz\n-----END RSA PRIVATE KEY-----\nc: 3\n")
    out = mask_text(text)
    for s in ("B1", "B2", "T3", "P4", "P5", "P6"):
        assert s not in out, s
    assert out.count("\n") == text.count("\n")
    assert "a: 1\n" in out and "b: 2\n" in out and "c: 3\n" in out and "  - name: x\n" in out


@pytest.mark.parametrize("text,secret", [
    ("[client]\ndbpass = I1\nhost = db\n", "I1"),
    ('<?php\n$dbpass = "I2";\n$dbhost = "db";\n', "I2"),
    ("mysql.password=I3\n", "I3"),
    ('{"auth": {"token": "I4"}}', "I4"),
    ('<datasource><password>I5</password></datasource>', "I5"),
    ("requirepass I6\n", "I6"),
    ("url: https://user:I7@host/path\n", "I7"),
    ("callback = https://x/cb?a=1&api_key=I8&b=2\n", "I8"),
])
def test_mask_text_formats(text, secret):
    out = mask_text(text)
    assert secret not in out


def test_mask_text_leaves_plain_config_alone():
    text = ("memory_limit = 128M\nsession.name = PHPSESSID\n<Connector port=\"8080\" protocol=\"HTTP/1.1\"/>\n"
            "auth_basic off;\nPasswordAuthentication no\nssl_certificate_key /etc/ssl/private/x.key;\n"
            '{"private": true, "name": "app", "dependencies": {"cookie": "0.5.0"}}\n')
    assert mask_text(text) == text


def test_utf16_and_utf32_text_is_decoded():
    for enc in ("utf-16", "utf-32", "utf-8-sig", "utf-16-le"):
        text = decode_text("DB_PASSWORD=U1\n".encode(enc))
        assert M in mask_text(text) and "U1" not in mask_text(text), enc


def test_long_lines_and_crafted_input_stay_correct():
    line = "x" * 300_000 + " password=L1 " + "y" * 300_000 + " https://u:L2@h/ " + "<password>" * 5000
    out = mask_inline(line)
    assert "L1" not in out and "L2" not in out
    dense = "password=a " * 2000
    assert "password=a" not in mask_text(dense)[-200:]  # the rest of a crafted line is masked whole
