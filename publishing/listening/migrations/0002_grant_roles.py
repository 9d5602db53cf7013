"""Grants the roles their part in listening: staff and heads of mission work their embassy's inbox and keep its
counterparts and settings; communications leads work every embassy's and keep the watch-terms."""

from django.db import migrations

from publishing.migrations._grants import groups_grant

INBOX = [
    ("listening", "conversation", "answer_conversation"),
    ("listening", "counterpart", "view_counterpart"),
    ("listening", "counterpart", "add_counterpart"),
    ("listening", "counterpart", "change_counterpart"),
    ("listening", "counterpart", "delete_counterpart"),
]
ROLES = {
    "Embassy staff": INBOX,
    "Heads of mission": INBOX,
    "Communications leads": [
        *INBOX,
        ("listening", "embassylistening", "view_embassylistening"),
        ("listening", "embassylistening", "change_embassylistening"),
        ("listening", "watchterm", "view_watchterm"),
        ("listening", "watchterm", "add_watchterm"),
        ("listening", "watchterm", "change_watchterm"),
        ("listening", "watchterm", "delete_watchterm"),
    ],
}


def seed(apps, schema_editor):
    groups_grant(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("listening", "0001_conversations"),
        ("publishing", "0011_sensitivity_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
