"""Kubernetes pod template, kept on the environment or task for remote runs.

Locally no pod is created, but templates are built and checked as the SDK builds them, so a
program that prepares one for a cluster runs here unchanged. The helpers that edit the pod spec
(`with_termination_grace_period`, `allow_fuse`, `allow_nested_sandboxing`) use the optional
`kubernetes` package's model classes, as the SDK does, and never change the template they are
called on: each returns an edited deep copy.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Optional, Union

TerminationGracePeriod = Union[int, timedelta]

PRIMARY_CONTAINER_DEFAULT_NAME = "primary"
_FUSE_VOLUME = "fuse-device"
_FUSE_DEVICE = "/dev/fuse"
_FUSE_RESOURCE = "smarter-devices/fuse"  # what a FUSE device plugin advertises
_CAPABILITY_ANNOTATION = "flyte.org/capability-"
_APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def _k8s() -> Any:
    try:
        import kubernetes.client as k8s
    except ImportError as e:
        raise ImportError("Editing a pod template needs the kubernetes package: pip install kubernetes") from e
    return k8s


@dataclass
class K8sObjectMetadata:
    labels: Optional[dict[str, str]] = None
    annotations: Optional[dict[str, str]] = None


@dataclass
class K8sPod:
    """What `PodTemplate.to_k8s_pod` gives: metadata, the pod spec as plain JSON-ready data, and
    the name of the container the task runs in."""

    metadata: K8sObjectMetadata = field(default_factory=K8sObjectMetadata)
    pod_spec: dict[str, Any] = field(default_factory=dict)
    primary_container_name: str = PRIMARY_CONTAINER_DEFAULT_NAME


@dataclass
class PodTemplate:
    """A `kubernetes.client.V1PodSpec` plus the name of its primary container (where the task's
    image and command go), labels and annotations."""

    pod_spec: Optional[Any] = None
    primary_container_name: str = PRIMARY_CONTAINER_DEFAULT_NAME
    labels: Optional[dict[str, str]] = None
    annotations: Optional[dict[str, str]] = None

    @classmethod
    def from_spec(
        cls,
        pod_spec: Any,
        *,
        primary_container_name: Optional[str] = None,
        labels: Optional[dict[str, str]] = None,
        annotations: Optional[dict[str, str]] = None,
    ) -> PodTemplate:
        """A template of a copy of `pod_spec`. The primary container is the one named
        `primary_container_name` (which must exist), else the one named "primary", else the only
        container; several containers and none of those is an error."""
        names = [getattr(c, "name", None) for c in (getattr(pod_spec, "containers", None) or [])]
        if primary_container_name is not None:
            if primary_container_name not in names:
                raise ValueError(
                    f"primary_container_name {primary_container_name!r} not found in pod spec; "
                    f"available containers: {names}"
                )
            primary = primary_container_name
        elif PRIMARY_CONTAINER_DEFAULT_NAME in names:
            primary = PRIMARY_CONTAINER_DEFAULT_NAME
        elif len(names) == 1 and names[0]:
            primary = names[0]
        else:
            raise ValueError(
                f"Cannot determine the primary container: the pod spec has containers {names} and none is named "
                f"{PRIMARY_CONTAINER_DEFAULT_NAME!r}. Pass primary_container_name= to pick one."
            )
        return cls(copy.deepcopy(pod_spec), primary, dict(labels) if labels else None,
                   dict(annotations) if annotations else None)

    def with_termination_grace_period(self, termination_grace_period: TerminationGracePeriod) -> PodTemplate:
        """A copy whose pod gets `termination_grace_period` (seconds or a timedelta, truncated to
        whole seconds; 0 means kill at once) between SIGTERM and SIGKILL."""
        seconds = _grace_seconds(termination_grace_period)
        pt = _copy_with_primary(self)
        spec: Any = pt.pod_spec
        spec.termination_grace_period_seconds = seconds
        return pt

    def allow_fuse(self, privileged: bool = False) -> PodTemplate:
        """A copy whose primary container may mount a FUSE filesystem: CAP_SYS_ADMIN plus, by
        default, the FUSE device plugin's resource (request and limit of 1); with
        `privileged=True` instead a `/dev/fuse` hostPath and a privileged container, for clusters
        without the plugin. Stamps the `flyte.org/capability-fuse` annotation."""
        pt = _copy_with_primary(self)
        primary = _primary(pt)
        k8s = _k8s()
        if privileged:
            sc = primary.security_context
            if sc is not None and sc.privileged is False:
                raise ValueError(
                    "allow_fuse(privileged=True) needs a privileged primary container, but the pod template sets "
                    "privileged=false. On clusters with a FUSE device plugin, use allow_fuse() (the unprivileged default)."
                )
            if sc is not None and sc.allow_privilege_escalation is False:
                raise ValueError(
                    "allow_fuse(privileged=True) makes the primary container privileged, which Kubernetes rejects "
                    "when allowPrivilegeEscalation=false is set (e.g. after allow_nested_sandboxing()). Use the "
                    "unprivileged default allow_fuse(), which composes with allow_nested_sandboxing()."
                )
            spec: Any = pt.pod_spec
            volumes = list(spec.volumes or [])
            if not any(getattr(v, "name", None) == _FUSE_VOLUME for v in volumes):
                volumes.append(k8s.V1Volume(name=_FUSE_VOLUME, host_path=k8s.V1HostPathVolumeSource(
                    path=_FUSE_DEVICE, type="CharDevice")))
            spec.volumes = volumes
            mounts = list(primary.volume_mounts or [])
            if not any(getattr(m, "name", None) == _FUSE_VOLUME for m in mounts):
                mounts.append(k8s.V1VolumeMount(name=_FUSE_VOLUME, mount_path=_FUSE_DEVICE))
            primary.volume_mounts = mounts
            primary.security_context = primary.security_context or k8s.V1SecurityContext()
            primary.security_context.privileged = True
        else:
            res = primary.resources or k8s.V1ResourceRequirements()
            res.requests = {**(res.requests or {}), _FUSE_RESOURCE: "1"}
            res.limits = {**(res.limits or {}), _FUSE_RESOURCE: "1"}
            primary.resources = res
        _add_sys_admin(primary)
        _annotate(pt, f"{_CAPABILITY_ANNOTATION}fuse", "true")
        return pt

    def allow_nested_sandboxing(self) -> PodTemplate:
        """A copy whose primary container can create nested sandboxes (e.g. bubblewrap): exactly
        CAP_SYS_ADMIN, no privilege escalation, and an unconfined AppArmor profile. Refuses a
        template that pins privileged=true, allowPrivilegeEscalation=true or another AppArmor
        profile. Stamps the `flyte.org/capability-nested-sandboxing` annotation."""
        pt = _copy_with_primary(self)
        primary = _primary(pt)
        sc = primary.security_context
        if sc is not None and sc.privileged is True:
            raise ValueError(
                "allow_nested_sandboxing() grants only CAP_SYS_ADMIN with allowPrivilegeEscalation=false, but the "
                "pod template sets privileged=true on the primary container, which Kubernetes rejects in "
                "combination with allowPrivilegeEscalation=false (allow_fuse(privileged=True) sets it)."
            )
        if sc is not None and sc.allow_privilege_escalation is True:
            raise ValueError(
                "allow_nested_sandboxing() sets allowPrivilegeEscalation=false on the primary container, but the pod "
                "template explicitly sets allowPrivilegeEscalation=true."
            )
        key = f"{_APPARMOR_ANNOTATION}{pt.primary_container_name}"
        current = (pt.annotations or {}).get(key)
        if current is not None and current != "unconfined":
            raise ValueError(
                f"allow_nested_sandboxing() needs the AppArmor profile of container {pt.primary_container_name!r} "
                f"to be unconfined, but the pod template pins {current!r}."
            )
        _annotate(pt, key, "unconfined")
        _add_sys_admin(primary)
        primary.security_context.allow_privilege_escalation = False
        _annotate(pt, f"{_CAPABILITY_ANNOTATION}nested-sandboxing", "true")
        return pt

    def to_k8s_pod(self) -> K8sPod:
        """The template as a backend receives it: metadata, the pod spec as plain data and the
        primary container's name."""
        k8s = _k8s()
        spec = self.pod_spec if self.pod_spec is not None else k8s.V1PodSpec(containers=[])
        return K8sPod(
            metadata=K8sObjectMetadata(labels=self.labels, annotations=self.annotations),
            pod_spec=k8s.ApiClient().sanitize_for_serialization(spec),
            primary_container_name=self.primary_container_name,
        )


def _grace_seconds(value: Any) -> int:
    if isinstance(value, bool):  # an int to Python, never meant as 1 second
        raise TypeError("termination_grace_period must be an int (seconds) or timedelta, not bool.")
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
    elif isinstance(value, int):
        seconds = value
    else:
        raise TypeError(f"termination_grace_period must be an int (seconds) or timedelta, got {type(value).__name__}.")
    if seconds < 0:
        raise ValueError(f"termination_grace_period must be non-negative, got {seconds} seconds.")
    return seconds


def _copy_with_primary(pt: PodTemplate) -> PodTemplate:
    """A deep copy whose pod spec exists and has the primary container."""
    k8s = _k8s()
    pt = copy.deepcopy(pt)
    if pt.pod_spec is None:
        pt.pod_spec = k8s.V1PodSpec(containers=[])
    containers = list(pt.pod_spec.containers or [])
    if not any(getattr(c, "name", None) == pt.primary_container_name for c in containers):
        containers.append(k8s.V1Container(name=pt.primary_container_name))
    pt.pod_spec.containers = containers
    return pt


def _primary(pt: PodTemplate) -> Any:
    spec: Any = pt.pod_spec
    return next(c for c in spec.containers if c.name == pt.primary_container_name)


def _add_sys_admin(container: Any) -> None:
    k8s = _k8s()
    sc = container.security_context or k8s.V1SecurityContext()
    caps = sc.capabilities or k8s.V1Capabilities()
    added = list(caps.add or [])
    if "SYS_ADMIN" not in added:
        added.append("SYS_ADMIN")
    caps.add = added
    sc.capabilities = caps
    container.security_context = sc


def _annotate(pt: PodTemplate, key: str, value: str) -> None:
    pt.annotations = {**(pt.annotations or {}), key: value}
