"""Texts of the OpenAI-compatible endpoint, each as (English, Chinese)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # serve/
    "serve.key_file": (
        "Cannot read an API key from '{path}': give a file whose first line is the key.",
        "无法从“{path}”读取 API 密钥：请给出第一行为密钥的文件。",
    ),
    "serve.engine": ("Engine '{value}' is not one of {choices}.", "引擎“{value}”无效，可选：{choices}。"),
    "serve.open_without_key": (
        "Serving on {host} (reachable from other machines) needs an API key: set FTCORE_API_KEY (or --api-key-file "
        "FILE), or serve on 127.0.0.1.",
        "在 {host} 上提供服务（其他机器可访问）需要 API 密钥：请设置 FTCORE_API_KEY（或 --api-key-file FILE），"
        "或改为 127.0.0.1。",
    ),
    "serve.no_vllm": (
        "--engine vllm needs a GPU and the vllm package (pip install vllm); use --engine transformers elsewhere.",
        "--engine vllm 需要 GPU 和 vllm 包（pip install vllm）；其他情况请用 --engine transformers。",
    ),
    "serve.vllm_busy": (
        "Every GPU is held by a training run or another server, and vLLM takes most of a GPU's memory: wait for "
        "a GPU, or use --engine transformers (which can share one a run leaves room on).",
        "所有 GPU 都被训练或其他服务占用，而 vLLM 会占用一块 GPU 的大部分显存：请等待空闲 GPU，或使用 "
        "--engine transformers（它可以与留有余量的训练共用 GPU）。",
    ),
}
