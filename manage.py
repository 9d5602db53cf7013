#!/usr/bin/env python
"""Django's command-line entry point for Chancery."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # From a checkout, manage.py is a development tool; wsgi.py and the Celery app
    # default to production, where DEBUG stays off unless set.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
