"""The one place a clinician's site is resolved and object access is checked."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from consilium.accounts.services import user_site


def site_member_required(view):
    """Logged in and a member of a site; sets request.site. Everything shown is scoped to it."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        site = user_site(user=request.user)
        if site is None:
            raise PermissionDenied("Your account is not a member of any site.")
        request.site = site
        return view(request, *args, **kwargs)

    return wrapper
