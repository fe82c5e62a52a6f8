"""Set up Django for a Dramatiq worker process.

The Dramatiq CLI imports the modules it is given in order, so list this one
before the actors: `dramatiq scoring.worker scoring.tasks`.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
