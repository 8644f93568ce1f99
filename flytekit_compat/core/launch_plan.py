from .._launch_plan import LaunchPlan, reference_launch_plan
from .._reference import ReferenceLaunchPlan

__all__ = ["LaunchPlan", "ReferenceLaunchPlan", "reference_launch_plan"]
