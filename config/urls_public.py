"""URLs served on the platform host names: the platform admin."""

from django.urls import path

from tenants.admin import platform_admin_site

urlpatterns = [
    path("admin/", platform_admin_site.urls),
]
