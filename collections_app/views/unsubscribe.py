"""The e-mail's unsubscribe link: ``GET`` asks to confirm (mail scanners open links: a GET changes
nothing), ``POST`` opts the address out, also as RFC 8058's one-click POST a mail client sends without
a session or a CSRF token. A token that is not ours is 404; a repeat changes nothing."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from collections_app.services.message_unsubscribe import unsubscribe_address, unsubscribe_apply


@csrf_exempt  # the one-click POST comes from the borrower's mail client: the signed token is the proof
@require_http_methods(["GET", "POST"])
def email_unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    address = unsubscribe_address(token)
    if address is None:
        raise Http404
    done = False
    if request.method == "POST":
        unsubscribe_apply(address)
        done = True
    return render(
        request, "collections_app/unsubscribe.html", {"done": done or address.opted_out, "masked": address.address_masked}
    )
