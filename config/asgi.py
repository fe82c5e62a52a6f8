"""ASGI entry point.

HTTP goes through Django's ASGI handler so the workspace middleware runs
before the GraphQL view; only websockets go to the GraphQL subscription
consumer. (strawberry's GraphQLProtocolTypeRouter would route HTTP around
Django's middleware and leave requests without a workspace.)
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_application = get_asgi_application()

from api.websocket import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": websocket_application,
    }
)
