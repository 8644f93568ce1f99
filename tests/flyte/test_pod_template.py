"""PodTemplate built and checked as the SDK builds it (its edit helpers use the kubernetes
package's model classes, as the SDK's do)."""

from datetime import timedelta

import pytest

import flyte

# -- PodTemplate -------------------------------------------------------------------------------------

k8s = pytest.importorskip("kubernetes.client")


def _spec(*names):
    return k8s.V1PodSpec(containers=[k8s.V1Container(name=n) for n in names])


def test_pod_template_from_spec_finds_the_primary_container_and_copies_the_spec():
    assert flyte.PodTemplate.from_spec(_spec("side", "primary")).primary_container_name == "primary"
    assert flyte.PodTemplate.from_spec(_spec("worker")).primary_container_name == "worker"
    with pytest.raises(ValueError, match="Cannot determine the primary container"):
        flyte.PodTemplate.from_spec(_spec("a", "b"))
    with pytest.raises(ValueError, match="'nope' not found in pod spec"):
        flyte.PodTemplate.from_spec(_spec("a"), primary_container_name="nope")
    spec = _spec("primary")
    flyte.PodTemplate.from_spec(spec).pod_spec.containers[0].name = "changed"
    assert spec.containers[0].name == "primary"


def test_grace_period_builds_the_pod_spec_and_leaves_the_original_alone():
    base = flyte.PodTemplate(primary_container_name="worker")
    pt = base.with_termination_grace_period(timedelta(minutes=2))
    assert pt.pod_spec.termination_grace_period_seconds == 120 and base.pod_spec is None
    assert [c.name for c in pt.pod_spec.containers] == ["worker"]
    assert pt.with_termination_grace_period(0).pod_spec.termination_grace_period_seconds == 0
    with pytest.raises(TypeError, match="not bool"):
        base.with_termination_grace_period(True)
    with pytest.raises(ValueError, match="non-negative"):
        base.with_termination_grace_period(-5)
    with pytest.raises(TypeError):
        base.with_termination_grace_period("30")


def test_allow_fuse_and_nested_sandboxing():
    fuse = flyte.PodTemplate().allow_fuse()
    primary = fuse.pod_spec.containers[0]
    assert primary.resources.requests["smarter-devices/fuse"] == "1" == primary.resources.limits["smarter-devices/fuse"]
    assert primary.security_context.capabilities.add == ["SYS_ADMIN"] and not primary.security_context.privileged
    assert fuse.annotations["flyte.org/capability-fuse"] == "true"
    both = fuse.allow_nested_sandboxing().allow_fuse()  # composes, and re-applying adds nothing twice
    p2 = both.pod_spec.containers[0]
    assert p2.security_context.capabilities.add == ["SYS_ADMIN"] and p2.security_context.allow_privilege_escalation is False
    assert both.annotations["container.apparmor.security.beta.kubernetes.io/primary"] == "unconfined"
    privileged = flyte.PodTemplate().allow_fuse(privileged=True)
    assert privileged.pod_spec.volumes[0].host_path.path == "/dev/fuse"
    assert privileged.pod_spec.containers[0].security_context.privileged is True
    with pytest.raises(ValueError, match="privileged=true"):
        privileged.allow_nested_sandboxing()
    with pytest.raises(ValueError, match="allowPrivilegeEscalation=false"):
        flyte.PodTemplate().allow_nested_sandboxing().allow_fuse(privileged=True)


def test_to_k8s_pod():
    pod = flyte.PodTemplate(pod_spec=_spec("primary"), labels={"team": "ml"}, annotations={"v": "1"}).to_k8s_pod()
    assert pod.metadata.labels == {"team": "ml"} and pod.metadata.annotations == {"v": "1"}
    assert pod.primary_container_name == "primary" and pod.pod_spec == {"containers": [{"name": "primary"}]}
