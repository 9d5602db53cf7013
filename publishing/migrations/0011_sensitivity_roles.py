"""#NoHarm roles: heads of mission approve sensitive posts; approvers may mark a story sensitive everywhere."""

from django.db import migrations

GRANTS = {
    "Heads of mission": [
        ("wagtailadmin", "admin", "access_admin"),
        ("publishing", "post", "review_post"),
        ("publishing", "post", "approve_sensitive_post"),
        ("publishing", "distribution", "read_reach"),
    ],
    "Ministry approvers": [("portal", "storypage", "mark_story_sensitive")],
}


def seed(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, grants in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for app_label, model, codename in grants:
            content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ")}
            )
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0010_post_sensitive"),
        ("portal", "0006_story_sensitive"),
        ("publishing", "0006_grant_roles"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
