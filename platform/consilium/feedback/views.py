"""The feedback form's endpoint and the labelled-set page; thin: parse, call one service, answer."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from consilium.accounts.models import Role
from consilium.analyses.selectors import analysis_get
from consilium.dashboard.access import role_required
from consilium.feedback.forms import (
    ANALYSIS_FIELD,
    COMMENT_FIELD,
    MISSED_FIELD,
    MISSED_OTHER_FIELD,
    VERDICT_PREFIX,
)
from consilium.feedback.selectors import labels_page
from consilium.feedback.services import FeedbackError, feedback_submit
from consilium.imaging.selectors import study_get


def _verdicts(form: QueryDict) -> dict[str, str]:
    """`verdict-<finding>` fields with a choice; an untouched row sends nothing or a blank."""
    return {
        name.removeprefix(VERDICT_PREFIX): value
        for name, value in form.items()
        if name.startswith(VERDICT_PREFIX) and value
    }


@require_POST
@role_required(Role.CLINICIAN)
def feedback_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Verdicts, missed findings and a comment on one of the study's finished analyses."""
    if study_get(site=request.site, pk=pk) is None:
        raise Http404("No such study at your site.")
    analysis = analysis_get(site=request.site, analysis_id=request.POST.get(ANALYSIS_FIELD, ""))
    if analysis is None or analysis.study_id != pk:
        raise Http404("No such analysis of this study at your site.")
    try:
        result = feedback_submit(
            analysis=analysis,
            author=request.user,
            verdicts=_verdicts(request.POST),
            missed=[
                *request.POST.getlist(MISSED_FIELD),
                request.POST.get(MISSED_OTHER_FIELD, ""),
            ],
            comment=request.POST.get(COMMENT_FIELD, ""),
        )
    except FeedbackError as error:
        messages.error(request, f"Feedback not saved: {error}")
    else:
        count = len(result.labels)
        messages.success(
            request,
            f"Thank you: feedback saved ({count} finding label{'s' if count != 1 else ''}).",
        )
    return redirect("dashboard:study", pk=pk)


@require_GET
@role_required(Role.ML_ENGINEER, Role.SITE_ADMIN)
def labels_list(request: HttpRequest) -> HttpResponse:
    """The site's clinician labels, study by study, and which studies retraining can use."""
    page, findings = labels_page(site=request.site, page=request.GET.get("page"))
    return render(
        request,
        "feedback/labels.html",
        {"page": page, "findings": findings, "site": request.site},
    )
