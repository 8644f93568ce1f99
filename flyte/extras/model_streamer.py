"""`flyte.extras.model_streamer`: stream safetensors weights onto a GPU (not provided here)."""

import sys

from ._unavailable import UnavailableModule

sys.modules[__name__] = UnavailableModule(__name__, [
    "LoadResult", "ModelStreamer", "empty_weights", "load_hf_model", "missing_parameters",
], "streaming model weights onto a GPU needs torch and the SDK's streamer")
