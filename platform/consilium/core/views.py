from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from consilium.core.health import health_report


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(
        {"status": "ok" if report.healthy else "unavailable", "checks": report.checks},
        status=200 if report.healthy else 503,
    )
