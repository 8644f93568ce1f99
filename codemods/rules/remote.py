"""FM501 remote: FlyteRemote scripts become flyte.init_from_config + flyte.run / flyte.remote.

Before::

    remote = FlyteRemote(config=Config.auto(), default_project="p", default_domain="development")
    execution = remote.execute(wf, inputs={"x": 1}, wait=True)
    print(execution.outputs["o0"])

After::

    flyte.init_from_config(project="p", domain="development")
    execution = flyte.run(wf, x=1)
    execution.wait()
    print(execution.outputs().named_outputs["o0"])

The rewrite runs on the source before the other rules (`codemods/_remote.py` has the full
table); a remote object used in a way it cannot rewrite is kept whole, reported by FM900.
"""

from __future__ import annotations

from ._base import Rule


class RemoteRule(Rule):
    __doc__ = __doc__
    code = "FM501"
    name = "remote"
    summary = "FlyteRemote scripts become flyte.init_from_config, flyte.run and flyte.remote lookups"
