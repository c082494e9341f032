-- Run once by the MySQL 8.4 image on its first start (empty db_vol),
-- after it created the database mysite and the user mysite from
-- MYSQL_DATABASE, MYSQL_USER and MYSQL_PASSWORD in .env. So this file holds
-- no user and no password: only what those variables cannot do.

-- Django's test runner (manage.py test) creates and drops test_mysite.
GRANT ALL PRIVILEGES ON `test\_mysite`.* TO 'mysite'@'%';
