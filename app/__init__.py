"""specbound: the hand-written half of the service.

`generated/` holds what the specs say (models, interfaces, routes, permission tables); this package holds what
they cannot: the handlers that implement the generated interfaces (`handlers/`), persistence (`db/`),
authentication and the one place that enforces the permission tables (`auth/`), and the application that
binds it all together (`main.py`).
"""
