"""Entry module for Dramatiq worker processes: sets up Django and the broker.

The Dramatiq CLI takes the broker from the first module it is given (its
`broker` attribute) and then imports the rest, so list this module before
the actors: `dramatiq scoring.worker scoring.tasks`.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from scoring.broker import setup_broker  # noqa: E402  (needs the settings loaded above)

broker = setup_broker()
