"""Resolve the workspace of each HTTP request.

`/graphql` is authenticated by API key only; other paths (the admin in a
browser) resolve the workspace from the host name through `Domain`. A
request that resolves to no workspace is rejected: it never falls back to
the public schema, except on the platform host names, which serve the
platform admin.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.template.loader import render_to_string
from django.urls import set_urlconf
from django_tenants.utils import remove_www

from tenants.models import Domain, Workspace
from tenants.services import KeyRejected, authenticate_key, extract_bearer

logger = logging.getLogger(__name__)

GRAPHQL_PATH = "/graphql"
HEALTH_PATHS = ("/health", "/health/")


class HealthCheckMiddleware:
    """Serve the health check on any host, before workspace resolution."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in HEALTH_PATHS:
            return health_response()
        return self.get_response(request)


def health_response() -> JsonResponse:
    try:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means the database is unavailable
        logger.warning("Health check: database unavailable: %s", error)
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "degraded", "database": database}, status=status)


def key_error_response(error: KeyRejected) -> JsonResponse:
    response = JsonResponse({"error": {"code": f"api_key_{error.problem}", "message": str(error)}}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="ai-experience-scores"'
    return response


def platform_tenant() -> Workspace:
    """Build an unsaved stand-in workspace for the public schema, for code that reads `request.tenant`."""
    return Workspace(schema_name="public", name="Platform")


class WorkspaceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection.set_schema_to_public()
        request.api_key = None
        if request.path.rstrip("/") == GRAPHQL_PATH:
            return self._graphql(request)
        return self._browser(request)

    def _graphql(self, request: HttpRequest) -> HttpResponse:
        try:
            secret = extract_bearer(request.headers.get("Authorization"))
            api_key = authenticate_key(secret)
        except KeyRejected as error:
            # A browser opening GraphiQL sends no key; it may load the page, and
            # every operation it then sends still needs a key.
            if error.problem == "missing" and request.method == "GET" and _wants_html(request):
                request.tenant = platform_tenant()
                request.urlconf = settings.ROOT_URLCONF
                set_urlconf(request.urlconf)
                return self.get_response(request)
            return key_error_response(error)
        workspace = api_key.workspace
        connection.set_tenant(workspace)
        request.tenant = workspace
        request.api_key = api_key
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return self.get_response(request)

    def _browser(self, request: HttpRequest) -> HttpResponse:
        hostname = remove_www(request.get_host().split(":")[0]).lower()
        if hostname in getattr(settings, "PUBLIC_HOSTNAMES", ()):
            request.tenant = platform_tenant()
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return self.get_response(request)
        domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
        if domain is None:
            return HttpResponseNotFound(
                render_to_string("tenants/unknown_host.html", {"hostname": hostname}),
            )
        connection.set_tenant(domain.tenant)
        request.tenant = domain.tenant
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return self.get_response(request)


def _wants_html(request: HttpRequest) -> bool:
    return "text/html" in request.headers.get("Accept", "")
