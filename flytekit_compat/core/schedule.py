from .._schedule import CronSchedule, FixedRate

__all__ = ["CronSchedule", "FixedRate"]
