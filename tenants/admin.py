"""The platform admin, served on the platform host names from the public schema."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import connection

from tenants import services
from tenants.models import ApiKey, Domain, Scope, Workspace


class PlatformAdminSite(admin.AdminSite):
    site_header = "AI Experience Scores: platform"
    site_title = "Platform admin"
    index_title = "Workspaces, domains, API keys and staff"

    def has_permission(self, request) -> bool:
        # Platform accounts exist only in the public schema, so a workspace host never opens this site.
        return connection.schema_name == "public" and super().has_permission(request)


platform_admin_site = PlatformAdminSite(name="platform_admin")


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class WorkspaceCreationForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["schema_name", "name"]
        labels = {"schema_name": "Slug"}
        help_texts = {"schema_name": "Lowercase letters, digits and underscores; also the PostgreSQL schema name."}

    def clean_schema_name(self) -> str:
        slug = self.cleaned_data["schema_name"]
        try:
            services.SLUG_VALIDATOR(slug)
        except forms.ValidationError as error:
            raise forms.ValidationError(f"Invalid slug {slug!r}: {error.messages[0]}") from None
        if slug == "public":
            raise forms.ValidationError("The slug 'public' is reserved. Choose another slug.")
        return slug


@admin.register(Workspace, site=platform_admin_site)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["schema_name", "name", "created_at"]
    search_fields = ["schema_name", "name"]
    inlines = [DomainInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = WorkspaceCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # Renaming a schema would orphan its data.
        return ["schema_name", "created_at"] if obj else ["created_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Domain, site=platform_admin_site)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "tenant", "is_primary"]
    search_fields = ["domain"]


class ApiKeyCreationForm(forms.ModelForm):
    scope_choices = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, label="Scopes"
    )

    class Meta:
        model = ApiKey
        fields = ["workspace", "name"]


@admin.register(ApiKey, site=platform_admin_site)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "workspace", "name", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["workspace"]
    search_fields = ["prefix", "name"]
    actions = ["revoke_selected"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj:
            return ["workspace", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
        return []

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = services.create_api_key(
            form.cleaned_data["workspace"], form.cleaned_data["scope_choices"], name=form.cleaned_data["name"]
        )
        # The admin's "object added" flow works on `obj`, so point it at the stored key.
        obj.pk = issued.api_key.pk
        obj.prefix = issued.api_key.prefix
        obj.key_hash = issued.api_key.key_hash
        obj.scopes = issued.api_key.scopes
        messages.warning(
            request,
            f"New API key (shown only now, copy it): {issued.secret}",
        )

    @admin.action(description="Revoke the selected API keys")
    def revoke_selected(self, request, queryset) -> None:
        for api_key in queryset:
            services.revoke_api_key(api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


platform_admin_site.register(User, UserAdmin)
platform_admin_site.register(Group, GroupAdmin)
