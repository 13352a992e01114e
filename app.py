"""FullTune's Gradio entry point (also the Space's app_file): `python app.py`."""

import os

from ftcore import Settings

settings = Settings.from_env().ensure()
os.environ.setdefault("GRADIO_TEMP_DIR", str(settings.home / "tmp" / "gradio"))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import ui  # noqa: E402  (gradio reads the variables above when it is imported)

demo = ui.build_app(settings)

if __name__ == "__main__":
    if os.environ.get("FTCORE_SKIP_PREPARE") != "1":
        ui.prepare_embedded(settings)
    demo.queue(default_concurrency_limit=4).launch(**ui.launch_kwargs(settings))
