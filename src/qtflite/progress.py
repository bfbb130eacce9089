"""Progress bars (tqdm) for calibration, conversion of large models and evaluation: shown when the
output is a terminal or a Jupyter notebook, hidden when it is redirected to a file or pipe, and
never with ``progress=False``. The environment variable QTFLITE_PROGRESS=0/1 overrides the
automatic choice."""
from __future__ import annotations

import os
import sys

__all__ = ["progress_enabled", "progress_bar"]


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except Exception:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def progress_enabled(progress=None) -> bool:
    """Whether to show a bar: `progress` when it is True or False; otherwise QTFLITE_PROGRESS
    when set, else whether stderr is a terminal or the code runs in a notebook."""
    if progress is not None:
        if not isinstance(progress, bool):
            raise ValueError(f"progress must be True, False or None (automatic), got {progress!r}")
        return progress
    env = os.environ.get("QTFLITE_PROGRESS")
    if env in ("0", "1"):
        return env == "1"
    if _in_notebook():
        return True
    stream = sys.stderr
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


class _NoBar:
    def update(self, n=1):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def progress_bar(total, desc, progress=None, unit="it"):
    """A tqdm bar (a context manager with update(n)) or a silent stand-in."""
    if not progress_enabled(progress):
        return _NoBar()
    tqdm = None
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401  (tqdm's notebook bar needs it; else the text bar)
            from tqdm.notebook import tqdm
        except ImportError:
            tqdm = None
    if tqdm is None:
        from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr, dynamic_ncols=True)
