"""Countries from CLDR, the ministry's groups with their permissions, and the second-eyes review workflow."""

from django.db import migrations

EDITORS = "Ministry editors"
APPROVERS = "Ministry approvers"
LEADS = "Communications leads"


def seed(apps, schema_editor):
    from portal.l10n import iso_country_codes

    Country = apps.get_model("portal", "Country")
    Country.objects.bulk_create([Country(code=c) for c in iso_country_codes()], ignore_conflicts=True)

    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    Task = apps.get_model("wagtailcore", "Task")
    SecondEyes = apps.get_model("portal", "SecondEyesApprovalTask")

    def permission(app_label, model, codename, name):
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        perm, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        return perm

    access_admin = permission("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")
    image_perms = [
        permission("wagtailimages", "image", codename, codename.replace("_", " "))
        for codename in ("add_image", "change_image", "choose_image")
    ]
    page_perm = {
        codename: permission("wagtailcore", "page", codename, f"Can {codename.replace('_page', '')} page")
        for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
    }

    editors, _ = Group.objects.get_or_create(name=EDITORS)
    approvers, _ = Group.objects.get_or_create(name=APPROVERS)
    leads, _ = Group.objects.get_or_create(name=LEADS)
    for group in (editors, approvers, leads):
        group.permissions.add(access_admin)
    editors.permissions.add(*image_perms)
    approvers.permissions.add(*image_perms)

    root = Page.objects.filter(depth=1).first()
    if root is None:
        return
    for group, codenames in (
        (editors, ("add_page", "change_page", "lock_page")),
        (approvers, ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")),
    ):
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(group=group, page=root, permission=page_perm[codename])

    task_type, _ = ContentType.objects.get_or_create(app_label="portal", model="secondeyesapprovaltask")
    task = SecondEyes.objects.filter(name="Ministry approval").first()
    if task is None:
        task = SecondEyes.objects.create(name="Ministry approval", content_type=task_type, active=True)
    task.groups.set([approvers])
    workflow, _ = Workflow.objects.get_or_create(name="Ministry review", defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=Task.objects.get(pk=task.pk), defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
        ("wagtailimages", "0027_image_description"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
