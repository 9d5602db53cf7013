"""Channels: one interface to every social network (base), with Facebook and X implementations."""


def channel_for_account(account):
    """The channel that speaks for a SocialAccount, with its decrypted credentials (never stored elsewhere)."""
    from .facebook import FacebookChannel
    from .x import XChannel

    credentials = account.credentials_get()
    if account.network == "facebook":
        return FacebookChannel(page_id=account.external_id, access_token=credentials.get("access_token", ""))
    return XChannel(
        user_id=account.external_id, access_token=credentials.get("access_token", ""), username=account.handle
    )
