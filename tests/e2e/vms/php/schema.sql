CREATE DATABASE IF NOT EXISTS guestbook;
CREATE USER IF NOT EXISTS 'guestbook'@'localhost' IDENTIFIED BY 'gb-s3cret';
CREATE USER IF NOT EXISTS 'guestbook'@'%' IDENTIFIED BY 'gb-s3cret';
GRANT ALL PRIVILEGES ON guestbook.* TO 'guestbook'@'localhost';
GRANT ALL PRIVILEGES ON guestbook.* TO 'guestbook'@'%';
USE guestbook;
CREATE TABLE IF NOT EXISTS entries (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(200) NOT NULL, created TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
INSERT INTO entries (name) VALUES ('first visitor');
