"""How the terminal game starts: as fast as it can to its first frame."""

from __future__ import annotations

import gc


def pause_collection() -> None:
    """Pause the garbage collector until the app's first frame (``FrontierLab`` resumes it).

    Importing Textual and drawing the first frame make some 45,000 objects that live as long as
    the app; collecting garbage while they are being made walks them over and over (40–50 ms of
    a cold start on this machine). Nothing made before the first frame is garbage worth it.
    """
    gc.disable()
