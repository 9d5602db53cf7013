"""Language from the URL for the portal, without redirecting admin or asset 404s to a language prefix."""

from django.middleware.locale import LocaleMiddleware

UNPREFIXED = ("/admin/", "/django-admin/", "/documents/", "/media/", "/static/")


class PortalLocaleMiddleware(LocaleMiddleware):
    """Django redirects any unprefixed 404 to /<lang>/… when a prefixed path would resolve; the portal's
    page catch-all resolves everything, so an unknown admin object would become a redirect, not a 404."""

    def process_response(self, request, response):
        if request.path_info.startswith(UNPREFIXED):
            return response
        return super().process_response(request, response)
