"""FullTune's Gradio entry point (also the Space's app_file): `python app.py`."""

import dataclasses
import os

from ftcore import Settings

# the app loads model folders only inside the workspace and FTCORE_MODEL_ROOTS (the CLI loads any folder)
settings = dataclasses.replace(Settings.from_env(), restrict_models=True).ensure()
# gradio reads these when it is imported: its temp folder (uploads, served files) inside the workspace
os.environ["GRADIO_TEMP_DIR"] = str(settings.gradio_temp_dir)
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import ui  # noqa: E402

demo = ui.build_app(settings)

if __name__ == "__main__":
    if settings.prepare_embedded:
        ui.prepare_embedded(settings)
    demo.queue(default_concurrency_limit=4).launch(**ui.launch_kwargs(settings))
