"""Grants each ministry group the permissions of its role; code asks for permissions, never for group names."""

from django.db import migrations

from ._grants import groups_grant

ROLES = {
    "Ministry approvers": [
        ("portal", "forcedpublication", "force_publish"),
        ("embassies", "embassy", "view_every_embassy"),
        ("embassies", "embassy", "view_embassy"),
        ("embassies", "socialaccount", "view_socialaccount"),
        ("publishing", "distribution", "view_distribution"),
        ("publishing", "distribution", "read_reach"),
    ],
    "Communications leads": [
        ("embassies", "embassy", "view_every_embassy"),
        ("embassies", "embassy", "view_embassy"),
        ("embassies", "socialaccount", "view_socialaccount"),
        ("publishing", "distribution", "view_distribution"),
        ("publishing", "distribution", "read_reach"),
        ("publishing", "hold", "set_hold"),
        ("publishing", "hold", "release_hold"),
        ("publishing", "post", "recall_post"),
    ],
    "Embassy staff": [
        ("publishing", "post", "review_post"),
        ("publishing", "distribution", "read_reach"),
    ],
}


def seed(apps, schema_editor):
    groups_grant(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0005_role_permissions"),
        ("portal", "0004_forced_publication"),
        ("embassies", "0003_role_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
