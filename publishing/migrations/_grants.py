"""Grants permissions to groups from a data migration, with the historical models (the migration loader skips
modules whose names start with an underscore, so this is a helper, not a migration)."""


def groups_grant(apps, grants: dict[str, list[tuple[str, str, str]]]) -> None:
    """`grants`: group name → [(app label, model, permission codename)]; groups and permissions are made if
    missing, so a fresh database and one migrated step by step end alike."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, permissions in grants.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for app_label, model, codename in permissions:
            content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ")}
            )
            group.permissions.add(permission)
