#!/bin/bash
python manage.py collectstatic --noinput
exec gunicorn config.wsgi --bind 0.0.0.0:5000
