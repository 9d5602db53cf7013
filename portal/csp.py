"""The Content-Security-Policy's nonce where a template has no request at hand (form widgets): the request being
served is kept for the length of the response, and the few inline scripts Wagtail's widgets need carry its nonce."""

from contextvars import ContextVar

_request: ContextVar = ContextVar("csp_request", default=None)


class RequestForNonce:
    """After csp.middleware.CSPMiddleware, which gives each request its lazy nonce."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def current_nonce() -> str:
    request = _request.get()
    return str(getattr(request, "csp_nonce", "")) if request is not None else ""


def chooser_scripts_carry_nonce() -> None:
    """Wagtail's chooser widgets (pages, images, documents, snippets, tasks) end their HTML with one inline script
    written in Python (BaseChooser.render), beyond any template's reach: give that script the response's nonce."""
    from django.utils.safestring import mark_safe
    from wagtail.admin.widgets.chooser import BaseChooser

    render = BaseChooser.render
    if getattr(render, "carries_nonce", False):
        return

    def render_with_nonce(self, name, value, attrs=None, renderer=None):
        html = render(self, name, value, attrs, renderer)
        head, script, tail = str(html).rpartition("<script>")
        return mark_safe(f'{head}<script nonce="{current_nonce()}">{tail}' if script else html)  # noqa: S308

    render_with_nonce.carries_nonce = True
    BaseChooser.render = render_with_nonce
