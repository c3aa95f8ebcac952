"""Helpers of the analysis tools (tools/analysis/): inference on one image and the maps drawn."""
