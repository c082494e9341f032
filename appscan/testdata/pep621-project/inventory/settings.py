import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["INVENTORY_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["inventory.example.com"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.staticfiles", "stock"]
ROOT_URLCONF = "inventory.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "inventory"}}
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "collected"
