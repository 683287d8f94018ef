"""An ASGI app that builds the real one on its first request.

Airflow imports every plugin in every process (scheduler, dag-processor, triggerer, each task), but only the
api-server serves HTTP: building the FastAPI app (and importing Airflow's auth and FastAPI modules) at plugin
import would cost every task seconds. Nothing heavy is imported here.
"""

from __future__ import annotations

import threading
from typing import Any, Callable


class LazyASGIApp:
    """Calls ``factory()`` once, on the first HTTP request, and hands every request to what it returned."""

    def __init__(self, factory: Callable[[], Any]):
        self._factory = factory
        self._app: Any = None
        self._lock = threading.Lock()

    @property
    def app(self) -> Any:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    self._app = self._factory()
        return self._app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":  # nothing to start: the warehouse pool opens on first use
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self.app(scope, receive, send)
