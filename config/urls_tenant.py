"""URLs served inside a workspace: the GraphQL API and the workspace admin."""

from django.conf import settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from api.schema import schema
from api.views import WorkspaceGraphQLView
from scoring.admin import workspace_admin_site

urlpatterns = [
    path(
        "graphql",
        csrf_exempt(WorkspaceGraphQLView.as_view(schema=schema, graphql_ide="graphiql" if settings.GRAPHQL_GRAPHIQL else None)),
    ),
    path("admin/", workspace_admin_site.urls),
]
