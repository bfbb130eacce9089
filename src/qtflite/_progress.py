"""When qtflite shows progress bars (tqdm): ``progress=None`` shows them in a terminal (stderr is
a tty) and in a Jupyter notebook, and not when output goes to a file, a pipe or a CI log;
``True`` and ``False`` force them on or off."""
from __future__ import annotations

import sys

__all__ = ["progress_bar", "progress_enabled"]


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except AttributeError:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def progress_enabled(progress) -> bool:
    if progress is None:
        stream = sys.stderr
        return bool(getattr(stream, "isatty", lambda: False)()) or _in_notebook()
    if not isinstance(progress, bool):
        raise ValueError(f"progress must be True, False or None (automatic), got {progress!r}")
    return progress


def progress_bar(total: int, desc: str, progress, unit: str = "sample"):
    """A tqdm bar (disabled, so a no-op, when progress is off). In notebooks the widget bar when
    ipywidgets is installed, else the text bar."""
    enabled = progress_enabled(progress)
    bar_class = None
    if enabled and _in_notebook():
        try:
            import ipywidgets  # noqa: F401  (tqdm.notebook needs it)
            from tqdm.notebook import tqdm as bar_class
        except ImportError:
            bar_class = None
    if bar_class is None:
        from tqdm import tqdm as bar_class
    return bar_class(total=total, desc=desc, unit=unit, disable=not enabled, leave=False, dynamic_ncols=True)
