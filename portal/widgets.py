"""Admin widgets in the editor's terms: a long list of choices to search and tick, and the social text with the
exact counter and the per-network preview the review queue uses."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class SearchableCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes in a scrolling list with a search box above them (accents and case ignored) and the chosen ones
    named under it: a country or an embassy is found by typing part of its name."""

    template_name = "portal/widgets/searchable_checkboxes.html"

    def __init__(self, *args, search_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.search_label = search_label or _("Search")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["search_label"] = self.search_label
        return context

    class Media:
        js = ["portal/js/searchable-checkboxes.js"]
        css = {"all": ["portal/admin-widgets.css"]}


class SocialTextWidget(forms.Textarea):
    """The social text, with each network's post as it will read (title, date, text, hashtags, link) and X's
    weighted count beside it, from the same composer and counter the publisher and the review queue use."""

    template_name = "portal/widgets/social_text.html"

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 3, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["preview_url"] = reverse("publishing_story_preview")
        return context

    class Media:
        js = ["portal/js/social-preview.js"]
        css = {"all": ["portal/admin-widgets.css"]}
