"""Texts of the command line, each as (English, Chinese)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # cli.py, cli_probe.py
    "cli.val_count": (
        "{data} --data files but {val} --val files: give one --val per --data, in the same order, or "
        "none (for per-task validation of some tasks only, use a YAML data.tasks list).",
        "有 {data} 个 --data 文件，却有 {val} 个 --val 文件：请按相同顺序为每个 --data 各给一个 --val，"
        "或者都不给（如果只想为部分任务单独验证，请使用 YAML 中的 data.tasks 列表）。",
    ),
    "cli.not_done": (
        "Run {run} is not done; compare needs its final model.",
        "运行 {run} 尚未完成；对比需要它的最终模型。",
    ),
    "cli.serve_limits": (
        "--max-tokens, --concurrency and --port must be 1 or more, --queue 0 or more.",
        "--max-tokens、--concurrency 和 --port 必须至少为 1，--queue 至少为 0。",
    ),
    "cli.bad_baseline": (
        "--baseline {spec}: use fewshot:K with K from 1 to 16, e.g. fewshot:3.",
        "--baseline {spec}：请用 fewshot:K，K 取 1 到 16，例如 fewshot:3。",
    ),
    "cli.no_pilot": (
        "Start a pilot with `ftcore train ... --pilot`, then show it with `ftcore pilot RUN RUN`.",
        "请先用 `ftcore train ... --pilot` 开始一次试跑，再用 `ftcore pilot RUN RUN` 查看结果。",
    ),
}
