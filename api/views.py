"""The HTTP GraphQL endpoint."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from strawberry.django.views import AsyncGraphQLView

from api.context import ApiContext


class WorkspaceGraphQLView(AsyncGraphQLView):
    """GraphQL over HTTP, run inside the workspace the middleware resolved from the API key."""

    async def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        length = int(request.headers.get("Content-Length") or 0)
        if length > settings.GRAPHQL_MAX_BODY_BYTES:
            return JsonResponse(
                {
                    "error": {
                        "code": "request_too_large",
                        "message": (
                            f"The request body has {length} bytes; the limit is "
                            f"{settings.GRAPHQL_MAX_BODY_BYTES} bytes. Send fewer conversations per call."
                        ),
                    }
                },
                status=413,
            )
        return await super().dispatch(request, *args, **kwargs)

    async def get_context(self, request: HttpRequest, response: HttpResponse) -> ApiContext:
        return ApiContext(
            workspace=request.tenant,
            api_key=request.api_key,
            request=request,
            response=response,
        )
