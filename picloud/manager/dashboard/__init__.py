"""The web dashboard under ``/_picloud/ui/`` (docs/dashboard.md).

Server-rendered pages (Jinja2, autoescaped) over the same handlers as the
control-plane API: every read and write goes through
``picloud.manager.api`` in-process, so the dashboard validates, stores and
notifies exactly as the API does.
"""

from .app import UI_PREFIX, Dashboard, is_dashboard_path

__all__ = ["Dashboard", "UI_PREFIX", "is_dashboard_path"]
