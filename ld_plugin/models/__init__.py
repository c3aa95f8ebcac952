from . import dense_heads, detectors, losses, task_modules  # noqa: F401
