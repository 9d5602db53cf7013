"""StreamField blocks of a story's body."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


class FigureBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(max_length=250, help_text=_("Describe the image for people who cannot see it."))
    caption = blocks.CharBlock(required=False, max_length=250)
    credit = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        icon = "image"
        template = "portal/blocks/figure.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "portal/blocks/quote.html"


class FactBoxBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    facts = blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol"])

    class Meta:
        icon = "info-circle"
        template = "portal/blocks/fact_box.html"


class StoryBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(features=["h2", "h3", "bold", "italic", "link", "ol", "ul"])
    image = FigureBlock()
    quote = QuoteBlock()
    embed = EmbedBlock(max_width=800)
    fact_box = FactBoxBlock()
