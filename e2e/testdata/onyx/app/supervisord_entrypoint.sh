#!/bin/sh
# Onyx's supervisord entrypoint, stand-in: one "celery" process (the stub).
STANDIN_NAME=background STANDIN_PORTS=8080 exec celery
