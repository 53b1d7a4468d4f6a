#!/bin/sh
# What the VM's admin did after `apt-get install barbican-api barbican-worker`,
# following Barbican's install guide: a MariaDB database and a RabbitMQ user for
# it, barbican.conf pointing at both with the worker queue on, the
# unauthenticated pipeline (no Keystone on this site), the schema, and a first
# secret stored through the API.
set -eu
C=/etc/barbican/barbican.conf
service mariadb start
mysql -e "CREATE DATABASE barbican; CREATE USER 'barbican'@'localhost' IDENTIFIED BY 'Vault-Kettle-42';
          GRANT ALL PRIVILEGES ON barbican.* TO 'barbican'@'localhost';"
service rabbitmq-server start
rabbitmqctl add_user barbican 'Rabbit-Harbour-19' >/dev/null
rabbitmqctl set_permissions -p / barbican '.*' '.*' '.*' >/dev/null
sed -i \
  -e 's|^#host_href = .*|host_href = http://127.0.0.1:9311|' \
  -e 's|^#sql_connection = .*|sql_connection = mysql+pymysql://barbican:Vault-Kettle-42@localhost/barbican|' \
  -e '0,/^#transport_url = .*/s||transport_url = rabbit://barbican:Rabbit-Harbour-19@localhost:5672/|' \
  "$C"
sed -i -e '/^\[queue\]/,/^\[/ s|^#enable = .*|enable = true|' \
       -e '/^\[keystone_notifications\]/,/^\[/ s|^enable = .*|enable = false|' \
       -e '/^\[simple_crypto_plugin\]/,/^\[/ s|^#kek = .*|kek = S2V0dGxlUG9pbnRGb2dCZWxsNDcxMUhhcmJvdXJLRUs=|' "$C"
sed -i 's|^/v1: barbican-api-keystone$|/v1: barbican_api|' /etc/barbican/barbican-api-paste.ini
su barbican -s /bin/sh -c 'barbican-manage db upgrade' >/dev/null 2>&1
/etc/init.d/barbican-worker start
/etc/init.d/barbican-api start
i=0
until curl -fs -o /dev/null http://127.0.0.1:9311/; do
    i=$((i + 1)); [ "$i" -lt 120 ] || { tail -n 30 /var/log/barbican/*.log; exit 1; }; sleep 1
done
curl -fsS -X POST http://127.0.0.1:9311/v1/secrets -H 'X-Project-Id: kettle-point' \
  -H 'Content-Type: application/json' \
  -d '{"name": "kettle-point-harbour-key", "payload": "fog bell 4711", "payload_content_type": "text/plain"}'
echo
/etc/init.d/barbican-api stop
/etc/init.d/barbican-worker stop
service rabbitmq-server stop
service mariadb stop
