"""Platform administration of onboarding (public schema): review applications, see tenants.

Applications are read-only here apart from the review actions (approve, reject with a reason,
retry a failed provisioning, run the pre-check again), which go through tenants.services.
Qualification documents are streamed to signed-in staff by an admin view; they have no public
URL.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import _boolean_icon
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import F
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tenants import selectors, services
from tenants.forms import RejectionForm
from tenants.models import (
    ApplicationStatus,
    Domain,
    Tenant,
    TenantApplication,
    tenant_base_url,
)

PRECHECK_LABELS = {
    "documents": _("Required documents"),
    "credit_code_format": _("Credit code format and check character"),
    "credit_code_unique": _("Credit code not yet registered"),
    "subdomain_format": _("Subdomain format"),
    "subdomain_free": _("Subdomain free"),
    "previous_rejections": _("Earlier rejections"),
    "company_name_unique": _("Company name not in use"),
}
AUDIT_ACTION_LABELS = {
    "application.submitted": _("Submitted"),
    "application.prechecked": _("Pre-check run again"),
    "application.approved": _("Approved"),
    "application.rejected": _("Rejected"),
    "application.provisioning": _("Provisioning started"),
    "application.live": _("Tenant live"),
    "application.failed": _("Provisioning failed"),
    "application.notified": _("Applicant notified by email"),
}
PROVISIONED_FROM = {
    "pool": _("schema taken from the warm pool"),
    "clone": _("schema cloned from the template"),
}
REVIEWABLE = {ApplicationStatus.SUBMITTED}
REJECTABLE = {ApplicationStatus.SUBMITTED, ApplicationStatus.FAILED}
IN_PROGRESS = {ApplicationStatus.APPROVED, ApplicationStatus.PROVISIONING}


class ReadOnlyAdminMixin:
    """Nothing is added, edited or deleted through these admin pages."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TenantApplication)
class TenantApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "company_name",
        "type",
        "status_badge",
        "precheck_passed",
        "subdomain",
        "credit_code",
        "contact_email",
        "submitted_at",
        "tenant_link",
    )
    list_display_links = ("company_name",)
    list_filter = ("status", "type", "precheck_passed", "submitted_at")
    date_hierarchy = "submitted_at"
    search_fields = ("company_name", "credit_code", "subdomain", "contact_email")
    list_select_related = ("tenant",)
    list_per_page = 50
    actions = ("approve_selected", "reject_selected", "retry_selected", "precheck_selected")
    readonly_fields = (
        "status_badge",
        "language_display",
        "tenant_link",
        "documents_display",
        "precheck_display",
        "audit_trail_display",
    )
    fieldsets = (
        (
            _("Review"),
            {
                "fields": (
                    "status_badge",
                    "submitted_at",
                    "reviewed_by",
                    "reviewed_at",
                    "rejection_reason",
                )
            },
        ),
        (_("Provisioning"), {"fields": ("provisioning_error", "tenant_link")}),
        (
            _("Company"),
            {"fields": ("type", "company_name", "credit_code", "business_scope", "subdomain")},
        ),
        (
            _("Contact"),
            {"fields": ("contact_name", "contact_email", "contact_phone", "language_display")},
        ),
        (_("Qualification documents"), {"fields": ("documents_display",)}),
        (_("Automatic pre-check"), {"fields": ("precheck_passed", "precheck_display")}),
        (_("Audit trail"), {"fields": ("audit_trail_display",)}),
    )

    # --- permissions --------------------------------------------------------------------------

    def has_review_permission(self, request, obj=None) -> bool:
        """Approve, reject, retry: staff who may change applications (all superusers)."""
        return request.user.has_perm("tenants.change_tenantapplication")

    # --- columns and fields -------------------------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: TenantApplication):
        return format_html(
            '<span class="badge status-{}">{}</span>', obj.status, obj.get_status_display()
        )

    @admin.display(description=_("language"))
    def language_display(self, obj: TenantApplication):
        return dict(settings.LANGUAGES).get(obj.language, obj.language)

    @admin.display(description=_("tenant"))
    def tenant_link(self, obj: TenantApplication):
        if obj.tenant_id is None:
            return "—"
        tenant = obj.tenant
        return format_html(
            '<a href="{}">{}</a> · <a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("admin:tenants_tenant_change", args=[tenant.pk]),
            tenant.name,
            tenant.base_url + "/",
            tenant.host,
        )

    @admin.display(description=_("documents"))
    def documents_display(self, obj: TenantApplication):
        documents = selectors.application_documents(application_id=obj.pk)
        if not documents:
            return gettext("No documents.")
        rows = []
        for document in documents:
            url = reverse("admin:tenants_tenantapplication_document", args=[obj.pk, document.pk])
            preview = (
                format_html(
                    '<br><a href="{}" target="_blank" rel="noopener">'
                    '<img src="{}" alt="{}" class="document-preview" width="240"></a>',
                    url,
                    url,
                    document.original_name,
                )
                if document.content_type.startswith("image/")
                else ""
            )
            rows.append(
                (
                    document.get_kind_display(),
                    url,
                    document.original_name,
                    document.content_type,
                    filesizeformat(document.size),
                    preview,
                )
            )
        body = format_html_join(
            "",
            '<tr><td>{}</td><td><a href="{}" target="_blank" rel="noopener">{}</a>{}</td>'
            "<td>{}</td><td>{}</td></tr>",
            (
                (kind, url, name, preview, ctype, size)
                for kind, url, name, ctype, size, preview in rows
            ),
        )
        return format_html(
            '<table class="documents"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            "</tr></thead><tbody>{}</tbody></table>",
            gettext("Kind"),
            gettext("File"),
            gettext("Type"),
            gettext("Size"),
            body,
        )

    @admin.display(description=_("results"))
    def precheck_display(self, obj: TenantApplication):
        if not obj.precheck:
            return gettext("The pre-check has not run.")
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    _boolean_icon(bool(result.get("ok"))),
                    PRECHECK_LABELS.get(result.get("check"), result.get("check")),
                    services.precheck_message(result),
                )
                for result in obj.precheck
            ),
        )
        return format_html(
            '<table class="precheck"><thead><tr><th></th><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            gettext("Check"),
            gettext("Result"),
            body,
        )

    @admin.display(description=_("history"))
    def audit_trail_display(self, obj: TenantApplication):
        rows = selectors.application_audit_trail(application_id=obj.pk)
        if not rows:
            return "—"
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    formats.date_format(timezone.localtime(row.created_at), "DATETIME_FORMAT"),
                    row.actor_label or gettext("system"),
                    AUDIT_ACTION_LABELS.get(row.action, row.action),
                    _audit_details(row),
                )
                for row in rows
            ),
        )
        return format_html(
            '<table class="audit-trail"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            "</tr></thead><tbody>{}</tbody></table>",
            gettext("Time"),
            gettext("By"),
            gettext("Action"),
            gettext("Details"),
            body,
        )

    # --- pages --------------------------------------------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/approve/",
                wrap(require_POST(self.approve_view)),
                name=f"{prefix}_approve",
            ),
            path("<int:object_id>/reject/", wrap(self.reject_view), name=f"{prefix}_reject"),
            path(
                "<int:object_id>/retry/",
                wrap(require_POST(self.retry_view)),
                name=f"{prefix}_retry",
            ),
            path(
                "<int:object_id>/precheck/",
                wrap(require_POST(self.precheck_view)),
                name=f"{prefix}_precheck",
            ),
            path(
                "<int:object_id>/documents/<int:document_id>/",
                wrap(self.document_view),
                name=f"{prefix}_document",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if application is not None:
            may_review = self.has_review_permission(request, application)
            extra_context.update(
                may_approve=may_review and application.status in REVIEWABLE,
                may_reject=may_review and application.status in REJECTABLE,
                may_retry=may_review and application.status == ApplicationStatus.FAILED,
                may_precheck=may_review and application.status in REVIEWABLE,
                in_progress=application.status in IN_PROGRESS,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def _application_or_404(self, request, object_id) -> TenantApplication:
        application = self.get_object(request, str(object_id))
        if application is None:
            raise Http404
        if not self.has_review_permission(request, application):
            raise PermissionDenied
        return application

    def _change_url(self, application_id: int) -> str:
        return reverse("admin:tenants_tenantapplication_change", args=[application_id])

    def _review_step(self, request, object_id, *, service, success: str):
        """Run one review service on one application and come back to its page with the outcome."""
        application = self._application_or_404(request, object_id)
        try:
            service(application_id=application.pk, reviewer=request.user)
        except services.ApplicationStateError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request, success % {"company": application.company_name}, messages.SUCCESS
            )
        return HttpResponseRedirect(self._change_url(application.pk))

    def approve_view(self, request, object_id):
        return self._review_step(
            request,
            object_id,
            service=services.application_approve,
            success=gettext("“%(company)s” is approved; its tenant is being provisioned."),
        )

    def reject_view(self, request, object_id):
        application = self._application_or_404(request, object_id)
        if request.method == "POST":
            form = RejectionForm(request.POST)
            if form.is_valid():
                try:
                    services.application_reject(
                        application_id=application.pk,
                        reviewer=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                except services.ApplicationStateError as error:
                    self.message_user(request, str(error), messages.ERROR)
                else:
                    self.message_user(
                        request,
                        gettext("“%(company)s” is rejected; the applicant is told why by email.")
                        % {"company": application.company_name},
                        messages.SUCCESS,
                    )
                return HttpResponseRedirect(self._change_url(application.pk))
        else:
            form = RejectionForm()
        return self._reject_page(request, form, [application], action=None)

    def _reject_page(self, request, form, applications, *, action):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Reject applications")
            if action
            else gettext("Reject “%(company)s”") % {"company": applications[0].company_name},
            "form": form,
            "applications": applications,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "rejectable": REJECTABLE,
        }
        return TemplateResponse(
            request, "admin/tenants/tenantapplication/application_reject.html", context
        )

    def retry_view(self, request, object_id):
        return self._review_step(
            request,
            object_id,
            service=services.application_retry,
            success=gettext("Provisioning of “%(company)s” is queued again."),
        )

    def precheck_view(self, request, object_id):
        application = self._application_or_404(request, object_id)
        application = services.application_precheck_refresh(
            application_id=application.pk, actor=request.user
        )
        self.message_user(
            request,
            gettext("The pre-check ran again: %(result)s.")
            % {
                "result": gettext("passed")
                if application.precheck_passed
                else gettext("something needs attention")
            },
            messages.SUCCESS if application.precheck_passed else messages.WARNING,
        )
        return HttpResponseRedirect(self._change_url(application.pk))

    def document_view(self, request, object_id, document_id):
        """Stream one qualification document to signed-in staff who may see the application."""
        application = self.get_object(request, str(object_id))
        if application is None:
            raise Http404
        if not self.has_view_permission(request, application):
            raise PermissionDenied
        try:
            document = selectors.application_document_get(
                application_id=application.pk, document_id=document_id
            )
            handle = document.file.open("rb")
        except (ObjectDoesNotExist, FileNotFoundError) as error:
            raise Http404 from error
        response = FileResponse(
            handle,
            content_type=document.content_type,
            as_attachment=False,
            filename=document.original_name,
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    # --- bulk actions -------------------------------------------------------------------------

    @admin.action(description=_("Approve selected applications"), permissions=["review"])
    def approve_selected(self, request, queryset):
        done, skipped = [], []
        for application in queryset.order_by("pk"):
            if application.status not in REVIEWABLE:
                skipped.append(application)
                continue
            try:
                services.application_approve(application_id=application.pk, reviewer=request.user)
            except services.ApplicationStateError:
                skipped.append(application)
            else:
                done.append(application)
        self._report(
            request,
            done,
            skipped,
            done_message=gettext("Approved, provisioning queued: %(names)s."),
            skipped_message=gettext("Not approved (not awaiting review): %(names)s."),
        )

    @admin.action(description=_("Reject selected applications…"), permissions=["review"])
    def reject_selected(self, request, queryset):
        applications = list(queryset.order_by("pk"))
        if "apply" in request.POST:
            form = RejectionForm(request.POST)
            if form.is_valid():
                done, skipped = [], []
                for application in applications:
                    if application.status not in REJECTABLE:
                        skipped.append(application)
                        continue
                    try:
                        services.application_reject(
                            application_id=application.pk,
                            reviewer=request.user,
                            reason=form.cleaned_data["reason"],
                        )
                    except services.ApplicationStateError:
                        skipped.append(application)
                    else:
                        done.append(application)
                self._report(
                    request,
                    done,
                    skipped,
                    done_message=gettext("Rejected, applicants notified: %(names)s."),
                    skipped_message=gettext("Not rejected (already decided): %(names)s."),
                )
                return None
        else:
            form = RejectionForm()
        return self._reject_page(request, form, applications, action="reject_selected")

    @admin.action(
        description=_("Retry provisioning of selected failed applications"), permissions=["review"]
    )
    def retry_selected(self, request, queryset):
        done, skipped = [], []
        for application in queryset.order_by("pk"):
            if application.status != ApplicationStatus.FAILED:
                skipped.append(application)
                continue
            services.application_retry(application_id=application.pk, reviewer=request.user)
            done.append(application)
        self._report(
            request,
            done,
            skipped,
            done_message=gettext("Provisioning queued again: %(names)s."),
            skipped_message=gettext("Not retried (provisioning has not failed): %(names)s."),
        )

    @admin.action(description=_("Run the pre-check again"), permissions=["review"])
    def precheck_selected(self, request, queryset):
        passed, attention = [], []
        for application in queryset.order_by("pk"):
            refreshed = services.application_precheck_refresh(
                application_id=application.pk, actor=request.user
            )
            (passed if refreshed.precheck_passed else attention).append(refreshed)
        self._report(
            request,
            passed,
            attention,
            done_message=gettext("Pre-check passed: %(names)s."),
            skipped_message=gettext("Pre-check needs attention: %(names)s."),
        )

    def _report(self, request, done, skipped, *, done_message, skipped_message):
        if done:
            names = ", ".join(application.company_name for application in done)
            self.message_user(request, done_message % {"names": names}, messages.SUCCESS)
        if skipped:
            names = ", ".join(application.company_name for application in skipped)
            self.message_user(request, skipped_message % {"names": names}, messages.WARNING)


def _audit_details(row) -> str:
    data = row.data or {}
    parts = []
    if row.action == "application.notified":
        parts.append(gettext("email to %(email)s") % {"email": data.get("email", "")})
    elif row.action == "application.live":
        how = data.get("reason", "")
        parts.append(str(PROVISIONED_FROM.get(how, how)))
    elif data.get("reason"):
        parts.append(str(data["reason"]))
    if "precheck_passed" in data:
        parts.append(
            gettext("pre-check passed")
            if data["precheck_passed"]
            else gettext("pre-check needs attention")
        )
    return "; ".join(parts) or "—"


@admin.register(Tenant)
class TenantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "type", "status", "primary_domain", "schema_name", "activated_at")
    list_filter = ("type", "status")
    search_fields = ("name", "slug", "schema_name", "domains__domain")
    fields = (
        "name",
        "type",
        "status",
        "slug",
        "schema_name",
        "primary_domain",
        "created_at",
        "activated_at",
        "application_link",
    )
    readonly_fields = ("primary_domain", "application_link")
    # Live tenants first, newest first; the platform, templates and spares after them.
    ordering = (F("activated_at").desc(nulls_last=True), "name")
    actions = ("suspend_selected", "reactivate_selected")

    def has_suspend_permission(self, request, obj=None) -> bool:
        """Suspend and reactivate: staff who may change tenants (all superusers)."""
        return request.user.has_perm("tenants.change_tenant")

    @admin.action(description=_("Suspend selected tenants"), permissions=["suspend"])
    def suspend_selected(self, request, queryset):
        self._move(
            request,
            queryset,
            services.tenant_suspend,
            done_message=gettext("Suspended (their sites are closed): %(names)s."),
            skipped_message=gettext("Not suspended (not an active supplier or dealer): %(names)s."),
        )

    @admin.action(description=_("Reactivate selected tenants"), permissions=["suspend"])
    def reactivate_selected(self, request, queryset):
        self._move(
            request,
            queryset,
            services.tenant_reactivate,
            done_message=gettext("Reactivated: %(names)s."),
            skipped_message=gettext("Not reactivated (not suspended): %(names)s."),
        )

    def _move(self, request, queryset, service, *, done_message, skipped_message):
        done, skipped = [], []
        for tenant in queryset.order_by("pk"):
            try:
                service(tenant_id=tenant.pk, actor=request.user)
            except services.TenantStateError:
                skipped.append(tenant.name)
            else:
                done.append(tenant.name)
        if done:
            self.message_user(request, done_message % {"names": ", ".join(done)}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request, skipped_message % {"names": ", ".join(skipped)}, messages.WARNING
            )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("domains")

    @admin.display(description=_("domain"))
    def primary_domain(self, obj: Tenant):
        domains = [domain for domain in obj.domains.all() if domain.is_primary]
        if not domains:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            tenant_base_url(domains[0].domain) + "/",
            domains[0].domain,
        )

    @admin.display(description=_("application"))
    def application_link(self, obj: Tenant):
        application = TenantApplication.objects.filter(tenant=obj).first()
        if application is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:tenants_tenantapplication_change", args=[application.pk]),
            application,
        )


@admin.register(Domain)
class DomainAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")
    list_filter = ("is_primary", "tenant__type")
    search_fields = ("domain", "tenant__name")
    list_select_related = ("tenant",)
