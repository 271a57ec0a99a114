"""PiCloud's control-plane JSON API under ``/_picloud/api/v1`` (docs/api.md).

``ControlPlane(db, cache, on_routes_changed, wake_dispatcher)`` is a plain
ASGI callable; :mod:`picloud.shared.paths` holds the route-template parser the data plane
shares.
"""

from .control_plane import MAX_BODY_BYTES, ControlPlane

__all__ = ["ControlPlane", "MAX_BODY_BYTES"]
