"""Deployment settings and entry points stackgen adds to your project."""
