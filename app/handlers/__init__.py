"""The hand-written implementations of the generated handler interfaces, one module per tag.

Every class defined in a module of this package is offered to the generated registry, which binds each
interface to the class that subclasses it; a new module (`make new-handler` writes one) needs no wiring.
Modules whose name starts with an underscore hold helpers, not handlers.
"""

from __future__ import annotations

import importlib
import pkgutil


def handler_classes() -> list[type]:
    classes: list[type] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        classes += [obj for obj in vars(module).values() if isinstance(obj, type) and obj.__module__ == module.__name__]
    return classes
