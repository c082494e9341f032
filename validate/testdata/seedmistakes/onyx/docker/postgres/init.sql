-- Creates again what POSTGRES_DB / POSTGRES_USER already created.
CREATE DATABASE onyx;
CREATE USER onyx_user WITH PASSWORD 'onyx_password';
GRANT ALL PRIVILEGES ON DATABASE onyx TO onyx_user;
\c onyx;
CREATE EXTENSION IF NOT EXISTS "vector";
