"""HTML reports for `report=True` tasks: tabs of logged HTML, written next to the action's record.

Every function works both ways: `flyte.report.log(...)` and `await flyte.report.log.aio(...)`,
in sync and async tasks alike.
"""

from ._report import Report, Tab, Timeline, abbreviate, current_report, duration_ms, flush, get_tab, log, replace

__all__ = ["Report", "Tab", "Timeline", "abbreviate", "current_report", "duration_ms", "flush", "get_tab", "log", "replace"]
