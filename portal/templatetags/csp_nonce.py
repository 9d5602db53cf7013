"""{% csp_nonce %}: the current response's Content-Security-Policy nonce, for an inline script Wagtail needs."""

from django import template

from portal.csp import current_nonce

register = template.Library()


@register.simple_tag
def csp_nonce() -> str:
    return current_nonce()
