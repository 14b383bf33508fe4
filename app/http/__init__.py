"""What is specific to HTTP: the context the generated routers ask for, and problem+json errors."""
