"""Shared test setup.

matplotlib is switched to Agg here, in the pytest process only. MPLBACKEND is deliberately not
exported: nbval's kernels inherit the environment and must keep the inline backend, or the
re-executed chapters would show no figures.
"""

import matplotlib

matplotlib.use("Agg")

# MyST-NB's `glue(..., display=False)` emits display data under these keys. MyST-NB strips
# them from the executed copy after a fresh execution but keeps them after a cache hit, so
# nbval would compare different things depending on how the book was built. The glued values
# are checked by the chapter's own asserts and shown by its prints; nbval skips only them.
GLUE_KEYS = tuple(
    f"application/papermill.record/{mime}"
    for mime in ("text/plain", "text/html", "text/markdown", "text/latex", "image/png",
                 "image/jpeg", "image/svg+xml", "application/json")
)


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        notebook = getattr(item, "parent", None)
        skip = getattr(notebook, "skip_compare", None)
        if isinstance(skip, tuple) and not set(GLUE_KEYS) <= set(skip):
            notebook.skip_compare = skip + GLUE_KEYS


# Property-based tests explore fresh random examples on a developer's machine; in CI (CI=true)
# they replay a fixed, derandomised set so that a landing never depends on the draw.
import os  # noqa: E402

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")
