<?php
// Database settings. The environment wins, so a container can point the app
// at another database host without editing this file.
$db_host = getenv('DB_HOST') ?: 'localhost';
$db_name = getenv('DB_NAME') ?: 'guestbook';
$db_user = getenv('DB_USER') ?: 'guestbook';
$db_pass = getenv('DB_PASSWORD') ?: 'gb-s3cret';
