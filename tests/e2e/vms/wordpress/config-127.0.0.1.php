<?php
# Written by the admin, the way /usr/share/doc/wordpress/README.Debian describes.
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', 'wp-Harb0ur-db');
define('DB_HOST', 'localhost');
# The box is reached through port forwards: follow the Host header instead of
# the URL stored at install time.
define('WP_HOME', 'http://' . $_SERVER['HTTP_HOST']);
define('WP_SITEURL', 'http://' . $_SERVER['HTTP_HOST']);
define('AUTH_KEY', 'q8Zl1v6sK0b3Wm2xT9pN4rY7cD5fH8jL0aS2dF4gH6');
define('SECURE_AUTH_KEY', 'Wc3rV5tB7yN9mK1jH3gF5dS7aP9oI1uY3tR5eW7qZ9');
define('LOGGED_IN_KEY', 'x2Cv4Bn6Mq8We0Rt2Yu4Io6Pa8Sd0Fg2Hj4Kl6Zx8');
define('NONCE_KEY', 'Lk7Jh5Gf3Ds1Aq9Wz7Xs5Ed3Cr1Vf9Tg7By5Hn3Mu1');
