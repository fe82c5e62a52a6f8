"""Each workspace's own admin, served on the workspace's domain from its schema."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection

from conversations.models import Conversation, Message, QaReview
from scoring.config_forms import ScoringConfigForm
from scoring.models import RescoreRun, Score, ScoringConfigVersion
from scoring.services import update_config


class WorkspaceAdminSite(admin.AdminSite):
    site_header = "AI Experience Scores: workspace"
    site_title = "Workspace admin"
    index_title = "Conversations, scores and scoring configuration"

    def has_permission(self, request) -> bool:
        # Accounts live in the workspace's own schema, so a platform login
        # (public schema) is not a session here.
        return connection.schema_name != "public" and super().has_permission(request)

    def each_context(self, request):
        context = super().each_context(request)
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            context["site_header"] = f"{tenant.name}: AI Experience Scores"
        return context


workspace_admin_site = WorkspaceAdminSite(name="workspace_admin")


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["position", "role", "text", "sent_at"]
    readonly_fields = fields
    can_delete = False


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    fields = ["created_at", "overall", "rating", "resolution", "efficiency", "sentiment", "outcome", "config_version", "model_version"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Conversation, site=workspace_admin_site)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["external_id", "channel", "ai_agent", "started_at", "scoring_status", "latest_score"]
    list_filter = ["channel", "scoring_status", "ai_agent"]
    search_fields = ["external_id", "customer_ref"]
    readonly_fields = ["content_hash", "latest_score", "scoring_status", "scoring_error", "scoring_failed_at", "created_at", "updated_at"]
    inlines = [MessageInline, ScoreInline]
    list_select_related = ["latest_score"]


@admin.register(Score, site=workspace_admin_site)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["conversation", "overall", "rating", "outcome", "config_version", "model_version", "created_at"]
    list_filter = ["rating", "outcome", "config_version"]
    search_fields = ["conversation__external_id"]
    list_select_related = ["conversation"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QaReview, site=workspace_admin_site)
class QaReviewAdmin(admin.ModelAdmin):
    list_display = ["conversation", "reviewer", "rating", "score", "created_at"]
    list_filter = ["rating"]
    raw_id_fields = ["conversation"]


@admin.register(ScoringConfigVersion, site=workspace_admin_site)
class ScoringConfigVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "created_at", "created_by"]
    readonly_fields = ["version", "values", "created_at", "created_by"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ScoringConfigForm
            kwargs["fields"] = ["values_json"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["values_json"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None) -> bool:
        # Versions are history; a change is a new version (see the scoring configuration form).
        return False

    def save_model(self, request, obj, form, change) -> None:
        result = update_config(form.cleaned_data["values_json"], author=request.user.get_username(), replace=True)
        if result.errors:
            # Only possible if the rules changed between validation and saving.
            raise ValidationError([f"{error.field}: {error.message}" for error in result.errors])
        saved = ScoringConfigVersion.objects.get(version=result.version.version)
        obj.pk = saved.pk
        obj.version = saved.version
        obj.values = saved.values
        obj.created_at = saved.created_at
        obj.created_by = saved.created_by


@admin.register(RescoreRun, site=workspace_admin_site)
class RescoreRunAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "config_version", "total", "done", "failed", "created_at", "finished_at"]

    def has_add_permission(self, request) -> bool:
        return False


workspace_admin_site.register(User, UserAdmin)
