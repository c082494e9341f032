import os
SECRET_KEY = 'django-insecure-not-from-the-environment'
DEBUG = False
DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.mysql',
        'NAME': 'myproject',
        'USER': 'dbuser',
        'PASSWORD': 'password',
        'HOST': 'db',
        'PORT': '3306',
    }
}
