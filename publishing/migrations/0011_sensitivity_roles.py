"""#NoHarm roles: heads of mission approve sensitive posts; approvers may mark a story sensitive everywhere."""

from django.db import migrations

from ._grants import groups_grant

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
    groups_grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0010_post_sensitive"),
        ("portal", "0006_story_sensitive"),
        ("publishing", "0006_grant_roles"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
