"""The inbox's part of large exports: accounts' worker writes the file, this tells its owner (a download link,
or why it failed). Registered from NotificationsConfig.ready (accounts sits below notifications)."""
from accounts.exports import on_export_finished

from .services import notify


@on_export_finished
def export_to_inbox(*, user, token: str, ok: bool, title: str, body: str, link: str) -> None:
    notify(user=user, title=title, body=body, link=link, kind="export" if ok else "export_failed",
           dedupe_key=f"export:{token}")
