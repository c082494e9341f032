-- The image creates the database and user from MYSQL_* in .env;
-- this file holds only what those variables cannot.
SET GLOBAL time_zone = "+00:00";
