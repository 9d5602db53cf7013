"""Editors and approvers upload and choose images in the ministry's collection (Wagtail grants image rights per
collection, not by model permission), and submit stories for translation (wagtail-localize's permission)."""

from django.db import migrations

GROUPS = ("Ministry editors", "Ministry approvers")
IMAGE_ACTIONS = ("add_image", "change_image", "choose_image")


def seed(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    image_type, _ = ContentType.objects.get_or_create(app_label="wagtailimages", model="image")
    translation_type, _ = ContentType.objects.get_or_create(app_label="wagtail_localize", model="translation")
    submit, _ = Permission.objects.get_or_create(
        content_type=translation_type, codename="submit_translation", defaults={"name": "Can submit translations"}
    )
    root = Collection.objects.filter(depth=1).first()
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(submit)
        if root is None:
            continue
        for codename in IMAGE_ACTIONS:
            permission, _ = Permission.objects.get_or_create(
                content_type=image_type, codename=codename, defaults={"name": codename.replace("_", " ")}
            )
            GroupCollectionPermission.objects.get_or_create(group=group, collection=root, permission=permission)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0006_story_sensitive"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
        ("wagtailimages", "0027_image_description"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
