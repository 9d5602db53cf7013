"""The portal's URLs plus `/_baseline/`, a bare Django view returning a fixed page."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns

FIXED_PAGE = b"<!DOCTYPE html><html lang='en'><head><title>Baseline</title></head><body><p>Fixed.</p></body></html>"


def baseline(request):
    return HttpResponse(FIXED_PAGE)


urlpatterns = [path("_baseline/", baseline), *portal_urlpatterns]
