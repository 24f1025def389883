"""Template context every dashboard page gets: the model new analyses use, and whether it is a demo."""

from __future__ import annotations

from django.http import HttpRequest

from consilium.registry.selectors import model_version_active


def active_model(request: HttpRequest) -> dict[str, object]:
    """One query, only for signed-in users: the login page must not reveal anything."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    model = model_version_active()
    return {
        "active_model": model,
        "demo_model": bool(model is not None and model.card.get("disclaimer")),
    }
