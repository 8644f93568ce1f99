# The Flyte 2 SDK API level this runtime implements, and this distribution's own version.
__version__ = "2.12.1"
RUNTIME = "flyteshift"
RUNTIME_VERSION = "0.1.0"
