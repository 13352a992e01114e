"""FullTune's Gradio layer: thin tabs over ftcore's public API."""

from .app import build_app, launch_kwargs, prepare_embedded

__all__ = ["build_app", "launch_kwargs", "prepare_embedded"]
