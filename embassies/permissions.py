"""Who may do what to embassies and accounts: ministry users everything, embassy staff their own embassy only."""

from django.contrib.auth import get_user_model
from wagtail.permission_policies import ModelPermissionPolicy

from .models import Embassy, EmbassyMembership


def embassy_ids_of(user) -> set[int]:
    cache = "_chancery_embassy_ids"
    if not hasattr(user, cache):
        ids = set(EmbassyMembership.objects.filter(user=user).values_list("embassy_id", flat=True))
        setattr(user, cache, ids)
    return getattr(user, cache)


class EmbassyScopedPolicy(ModelPermissionPolicy):
    """Django model permissions for ministry users; for embassy staff, the `staff_actions` on their own embassy."""

    def __init__(self, model, *, staff_actions=("view", "change"), **kwargs):
        super().__init__(model, **kwargs)
        self.staff_actions = frozenset(staff_actions)

    def embassy_id_of(self, instance) -> int:
        return instance.pk if isinstance(instance, Embassy) else instance.embassy_id

    def is_ministry(self, user, action: str) -> bool:
        return user.is_active and super().user_has_permission(user, action)

    def user_has_permission(self, user, action):
        if self.is_ministry(user, action):
            return True
        return action in self.staff_actions and user.is_active and bool(embassy_ids_of(user))

    def user_has_permission_for_instance(self, user, action, instance):
        if self.is_ministry(user, action):
            return True
        return action in self.staff_actions and self.embassy_id_of(instance) in embassy_ids_of(user)

    def instances_user_has_any_permission_for(self, user, actions):
        if any(self.is_ministry(user, action) for action in actions):
            return self.model._default_manager.all()
        if not self.staff_actions.intersection(actions):
            return self.model._default_manager.none()
        field = "pk__in" if self.model is Embassy else "embassy_id__in"
        return self.model._default_manager.filter(**{field: embassy_ids_of(user)})

    def users_with_any_permission(self, actions):
        users = super().users_with_any_permission(actions)
        if self.staff_actions.intersection(actions):
            users = users | get_user_model().objects.filter(embassy_memberships__isnull=False, is_active=True)
        return users.distinct()
