#!/bin/sh
# Stand-in for the official healthcheck.sh: any option set means "server answers".
exec mariadb-admin --socket=/run/mysqld/mysqld.sock ping --silent
