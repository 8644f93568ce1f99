from .._launch_plan import LaunchPlan, reference_launch_plan

__all__ = ["LaunchPlan", "reference_launch_plan"]
