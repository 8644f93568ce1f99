"""Report widgets as the SDK has them: abbreviate, duration_ms, Timeline, Report.has_content."""

from pathlib import Path

import flyte
import flyte.report
from flyte.report import Report, Timeline, abbreviate, duration_ms


def test_abbreviate_escapes_and_folds_long_values():
    assert abbreviate(None) == "" and abbreviate(7) == "7" and abbreviate("<b>") == "&lt;b&gt;"
    folded = abbreviate("z" * 350, limit=300)
    assert "<details" in folded and "(+50)" in folded and "z" * 350 in folded
    huge = abbreviate("q" * 50000)
    assert "truncated" in huge and huge.count("q") < 50000


def test_duration_ms_is_best_effort():
    assert duration_ms("2024-01-01T00:00:00Z", "2024-01-01T00:00:01.5Z") == "1500 ms"
    assert duration_ms("", "2024-01-01T00:00:00Z") == "" and duration_ms("nope", "never") == ""


def test_report_has_content_only_once_something_is_logged():
    r = Report("r")
    assert set(r.tabs) == {"main"} and not r.has_content()
    r.get_tab("extra")
    assert not r.has_content()
    r.get_tab("extra").log("<p>x</p>")
    assert r.has_content()


def test_timeline_writes_into_the_task_report_and_is_silent_outside_one(flyte_home: Path):
    Timeline().heading("nowhere to go")  # outside a task: no error

    env = flyte.TaskEnvironment("timeline")

    @env.task(report=True)
    async def agent() -> str:
        tl = Timeline("Agent")
        tl.heading("Run")
        tl.row(icon="*", label="lookup", meta="tool", detail=abbreviate("Paris"), error="<oops>")
        return flyte.ctx().action.name

    run = flyte.run(agent)
    action = run.outputs()[0]
    html = next(flyte_home.rglob(f"{action}/report.html")).read_text()
    assert "<h3" in html and "<b>lookup</b>" in html and "&lt;oops&gt;" in html and ">Agent<" in html
