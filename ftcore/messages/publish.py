"""Texts of publishing: the model card, the Hub push and its progress, exports and GGUF, each as (English, Chinese)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # export_gguf.py
    "gguf.unsupported": (
        "GGUF export supports {supported}; this model is {arch}. Export it as safetensors (--format hf) and "
        "convert it with llama.cpp's convert_hf_to_gguf.py if llama.cpp knows the architecture.",
        "GGUF 导出支持 {supported}；该模型是 {arch}。请以 safetensors 导出（--format hf），若 llama.cpp 支持该"
        "架构，再用 llama.cpp 的 convert_hf_to_gguf.py 转换。",
    ),
    "gguf.quant": ("GGUF quantization '{quant}' is not one of {choices}.", "GGUF 量化方式“{quant}”无效，可选：{choices}。"),
    "gguf.tokenizer": (
        "GGUF export needs a byte-level BPE tokenizer (tokenizer.json); this one is {kind}.",
        "GGUF 导出需要字节级 BPE 分词器（tokenizer.json）；当前分词器是 {kind}。",
    ),
    "gguf.tensor": (
        "Tensor {tensor} has no GGUF name in the {arch} architecture; this model is not a plain {arch} model.",
        "张量 {tensor} 在 {arch} 架构中没有对应的 GGUF 名称；该模型不是标准的 {arch} 模型。",
    ),
    # hub.py: errors
    "hub.no_final": (
        "Run '{run}' has no final model yet (state {state}); publish a finished run.",
        "运行“{run}”还没有最终模型（状态 {state}）；请发布已完成的运行。",
    ),
    "hub.bad_license": (
        "'{license}' is not a license id; use one of {licenses} or another Hub license id "
        "(lowercase, e.g. bsd-3-clause).",
        "“{license}”不是许可证 ID；请使用 {licenses} 之一，或其他 Hub 许可证 ID（小写，例如 bsd-3-clause）。",
    ),
    "hub.card_metadata": (
        "The edited card's metadata block (between the --- lines) does not parse: {error}",
        "编辑后的模型卡元数据块（两行 --- 之间的部分）无法解析：{error}",
    ),
    "hub.bad_repo": (
        "'{repo}' is not a repository name: use OWNER/NAME with letters, digits, '-', '_' or '.' (at "
        "most 96 characters each, no '--' or '..'), e.g. alice/barista-135m.",
        "“{repo}”不是有效的仓库名：请使用 OWNER/NAME（所有者/名称）的形式，只含字母、数字、'-'、'_' 或 '.'"
        "（每部分最多 96 个字符，不能含 '--' 或 '..'），例如 alice/barista-135m。",
    ),
    "hub.token_file": ("Cannot read the token file {path}: {reason}.", "无法读取令牌文件 {path}：{reason}。"),
    "hub.no_token": (
        "No Hub token: set HF_TOKEN or pass --token-file FILE (a token with write access, from "
        "https://huggingface.co/settings/tokens).",
        "没有 Hub 令牌：请设置 HF_TOKEN 或传入 --token-file FILE（需要有写权限的令牌，可在 "
        "https://huggingface.co/settings/tokens 创建）。",
    ),
    "hub.token_spaces": (
        "The Hub token holds spaces or line breaks; the file or HF_TOKEN must hold the token only.",
        "Hub 令牌中含有空格或换行；文件或 HF_TOKEN 中只能包含令牌本身。",
    ),
    "hub.http": ("{action}: HTTP {code}. {hint}.", "{action}：HTTP {code}。{hint}。"),
    "hub.http_said": (
        "{action}: HTTP {code}, the Hub said: “{server}”. {hint}.",
        "{action}：HTTP {code}，Hub 的回复：“{server}”。{hint}。",
    ),
    "hub.hint_401": (
        "The token was rejected: it is wrong, revoked or expired; use a token with write access "
        "(https://huggingface.co/settings/tokens)",
        "令牌被拒绝：令牌有误、已撤销或已过期；请使用有写权限的令牌（https://huggingface.co/settings/tokens）",
    ),
    "hub.hint_403": (
        "The token may not do this: it is read-only, or the repository belongs to someone else; use a "
        "write token of the owner or of a member of the organisation",
        "该令牌无权执行此操作：它是只读的，或仓库属于他人；请使用仓库所有者或组织成员的写权限令牌",
    ),
    "hub.hint_404": (
        "Not found: check the repository name (and that the token can see a private repository)",
        "未找到：请检查仓库名（以及令牌能否访问该私有仓库）",
    ),
    "hub.hint_not_a_hub": (
        "The server answered, but it has no Hub API at this address: check the Hub address",
        "服务器有回应，但该地址下没有 Hub 接口：请检查 Hub 地址",
    ),
    "hub.hint_409": (
        "Conflict: the repository or branch changed at the same time, or exists with another type; try again",
        "冲突：仓库或分支同时被修改，或已以其他类型存在；请重试",
    ),
    "hub.hint_429": (
        "The Hub is rate-limiting these requests; wait a minute and try again",
        "Hub 正在限制请求频率；请等一分钟后重试",
    ),
    "hub.hint_5xx": ("The Hub failed; try again later", "Hub 出错；请稍后重试"),
    "hub.hint_refused": ("The request was refused", "请求被拒绝"),
    "hub.unreachable": (
        "{action}: cannot reach {endpoint}, no answer came ({error}). Check the network and the Hub address, "
        "then try again.",
        "{action}：无法连接 {endpoint}，没有收到任何回应（{error}）。请检查网络和 Hub 地址后重试。",
    ),
    "hub.failed": (
        "{action}: the answer of {endpoint} could not be used ({error}). Try again; if it fails the same way, "
        "check the Hub address.",
        "{action}：{endpoint} 的回应无法使用（{error}）。请重试；如果仍以同样方式失败，请检查 Hub 地址。",
    ),
    "hub.checking_token": ("Checking the token", "验证令牌"),
    "hub.pushing_to": ("Pushing to {repo}", "推送到 {repo}"),
    "hub.branch_and_pr": ("Choose --branch or --pr, not both.", "--branch 和 --pr 只能二选一。"),
    "hub.bad_branch": (
        "'{branch}' is not a branch name: letters, digits, '-', '_', '.', '/'.",
        "“{branch}”不是有效的分支名：只能包含字母、数字、'-'、'_'、'.'、'/'。",
    ),
    "hub.no_token_push": (
        "No Hub token: log in, or set HF_TOKEN / --token-file.",
        "没有 Hub 令牌：请登录，或设置 HF_TOKEN / --token-file。",
    ),
    "hub.read_only": (
        "The token of {name} is read-only; pushing needs a token with write access "
        "(https://huggingface.co/settings/tokens).",
        "{name} 的令牌是只读的；推送需要有写权限的令牌（https://huggingface.co/settings/tokens）。",
    ),
    "hub.not_owner": (
        "'{owner}' is neither you ({name}) nor one of your organisations ({orgs}); push to "
        "{name}/{repo_name} or use a token of {owner}.",
        "“{owner}”既不是你（{name}），也不是你所在的组织（{orgs}）；请推送到 {name}/{repo_name}，"
        "或使用 {owner} 的令牌。",
    ),
    "hub.no_orgs": ("none", "无"),
    "hub.push_failed": (
        "{error} {note} Pushing again is safe: files already on the Hub are not sent twice.",
        "{error}{note}可以放心重新推送：已在 Hub 上的文件不会重复上传。",
    ),
    "hub.created_deleted": (
        "The repository {repo} that this push had created was deleted again: nothing is left behind.",
        "本次推送创建的仓库 {repo} 已被删除，没有留下任何内容。",
    ),
    "hub.created_left": (
        "The repository {repo} that this push created is still there and may be empty: push again, or delete "
        "it on the Hub.",
        "本次推送创建的仓库 {repo} 仍然存在，可能是空的：请重新推送，或在 Hub 上删除它。",
    ),
    "hub.nothing_committed": ("Nothing was committed.", "没有提交任何内容。"),
    "hub.export_exists": (
        "{path} exists and is not empty; choose a new path for the export.",
        "{path} 已存在且不为空；请为导出选择新的路径。",
    ),
    "hub.space_source": (
        "Building a Space needs the FullTune source folder; {root} lacks {missing}.",
        "构建 Space 需要 FullTune 源码目录；{root} 中缺少 {missing}。",
    ),
    "hub.space_exists": (
        "{path} exists and is not empty; choose a new folder for the Space.",
        "{path} 已存在且不为空；请为 Space 选择新的目录。",
    ),
    "hub.no_front_matter": (
        "{path} has no front matter (a '---' block at the top).",
        "{path} 没有前置元数据（文件开头的 '---' 块）。",
    ),
    "hub.front_matter_lacks": (
        "{path}: the front matter lacks {missing}.",
        "{path}：前置元数据缺少 {missing}。",
    ),
    # hub.py: the push's progress lines
    "hub.progress_checking": ("Checking the token with {endpoint}", "正在向 {endpoint} 验证令牌"),
    "hub.progress_gguf": ("Writing the {quant} GGUF file …", "正在写入 {quant} GGUF 文件……"),
    "hub.progress_card": ("Writing the model card", "正在生成模型卡"),
    "hub.progress_creating": (
        "Creating {repo} ({visibility}) if it does not exist",
        "正在创建 {repo}（{visibility}），如已存在则直接使用",
    ),
    "hub.private": ("private", "私有"),
    "hub.public": ("public", "公开"),
    "hub.progress_uploading": (
        "Uploading {n} files ({mib:.1f} MiB) to {repo}",
        "正在上传 {n} 个文件（{mib:.1f} MiB）到 {repo}",
    ),
    "hub.progress_uploading_branch": (
        "Uploading {n} files ({mib:.1f} MiB) to {repo} branch {branch}",
        "正在上传 {n} 个文件（{mib:.1f} MiB）到 {repo} 的分支 {branch}",
    ),
    "hub.progress_uploading_pr": (
        "Uploading {n} files ({mib:.1f} MiB) to {repo} as a pull request",
        "正在以拉取请求（PR）的形式上传 {n} 个文件（{mib:.1f} MiB）到 {repo}",
    ),
    "hub.progress_done": ("Done: {url}", "完成：{url}"),
}
