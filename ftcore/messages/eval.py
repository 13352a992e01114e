"""Texts of the run report and the probe suites, each as (English, Chinese)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # report.py: the run report
    "report.missing": (
        "Run {run} has no report yet (it is written when training ends); `ftcore compare {run} "
        "--rerun` computes it now.",
        "运行 {run} 还没有报告（训练结束时生成）；`ftcore compare {run} --rerun` 可以立即计算。",
    ),
    "report.over_budget": (
        "Every candidate forgot more than the budget ({budget:g}). Try a lower learning rate, "
        "fewer epochs, a replay mix (data.replay), the progressive or freeze method, or raise "
        "probe.budget.",
        "每个候选模型的遗忘都超出了预算（{budget:g}）。可以试试更低的学习率、更少的训练轮数、混入回放数据"
        "（data.replay）、progressive 或 freeze 方法，或调高 probe.budget。",
    ),
    "report.best": (
        "{name}: best {metric} ({value:.2f}) within the budget.",
        "{name}：在预算之内 {metric} 最佳（{value:.2f}）。",
    ),
    "report.within_budget": (
        "{name}: within the forgetting budget (no domain metric was computed).",
        "{name}：遗忘在预算之内（未计算领域指标）。",
    ),
    # probes/suites.py
    "suites.unknown": (
        "Unknown suite '{name}': use a file of question/answer rows or one of {builtin}.",
        "未知的探针集“{name}”：请使用包含 question/answer 行的文件，或 {builtin} 之一。",
    ),
    "suites.problems": ("{problems}", "{problems}"),
    "suites.problems_more": ("{problems} (and {n} more rows)", "{problems}（另有 {n} 行有问题）"),
    "suites.no_rows": (
        "{path}: no rows; a suite needs rows with 'question' and 'answer'.",
        "{path}：没有数据行；探针集需要包含 'question' 和 'answer' 的行。",
    ),
    "suites.fix_pair": ("every row needs a question and its answer", "每一行都需要一个问题及其答案"),
    "suites.unknown_rule": ("unknown rule '{rule}'", "未知规则“{rule}”"),
    "suites.fix_rule": (
        "use one of {rules} (or leave it empty: contains)",
        "请使用 {rules} 之一（或留空：contains）",
    ),
    "suites.bad_regex": ("not a valid regular expression ({error})", "不是有效的正则表达式（{error}）"),
    "suites.fix_regex": ("fix the pattern or use match=contains", "请修正表达式，或改用 match=contains"),
    "suites.not_a_letter": ("a choice answer must be a letter A-D", "选择题答案必须是 A-D 中的一个字母"),
    "suites.fix_letter": ("write the letter of the right option", "请写出正确选项的字母"),
}
