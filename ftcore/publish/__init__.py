"""Publishing a finished run: the model card, a push to the Hugging Face Hub, an offline export (folder, .zip, GGUF)
and the app itself as a Space. `ftcore.hub` is this package (the name the public API has always used)."""

from ftcore.publish.card import (
    CARD_IMAGE,
    LICENSES,
    base_license,
    base_model_id,
    data_languages,
    loss_curve,
    make_card,
    save_card_text,
    write_card,
)
from ftcore.publish.export import export
from ftcore.publish.files import NEVER, REPO_FILES, RemoteError, final_folder, final_meta
from ftcore.publish.push import PushResult, check_repo_id, files_to_publish, gguf_for_push, push, read_token
from ftcore.publish.space import SPACE_KEYS, build_space, source_root, space_front_matter

__all__ = ["CARD_IMAGE", "LICENSES", "NEVER", "REPO_FILES", "SPACE_KEYS", "PushResult", "RemoteError",
           "base_license", "base_model_id", "build_space", "check_repo_id", "data_languages", "export",
           "files_to_publish", "final_folder", "final_meta", "gguf_for_push", "loss_curve", "make_card", "push",
           "read_token", "save_card_text", "source_root", "space_front_matter", "write_card"]
