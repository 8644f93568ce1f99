"""Experimental features of flytekit (eager workflows graduated to `flytekit.eager`)."""
