"""Texts of the run report and the probe suites, each as (English, Chinese)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # report.py: the run report
    "report.split_validation": ("validation", "验证集"),
    "report.split_training_sample": ("training sample (no validation file)", "训练数据抽样（没有验证文件）"),
    "report.missing": (
        "Run {run} has no report yet (it is written when training ends); `ftcore compare {run} "
        "--rerun` computes it now.",
        "运行 {run} 还没有报告（训练结束时生成）；`ftcore compare {run} --rerun` 可以立即计算。",
    ),
    "report.over_budget": (
        "Every candidate forgot: on some suite each lost more than the budget ({budget:g}), beyond what "
        "chance explains (95% interval). Try a lower learning rate, fewer epochs, a replay mix "
        "(data.replay), the progressive or freeze method, or raise probe.budget.",
        "每个候选模型都有遗忘：在某个探针集上的损失超出了预算（{budget:g}），且无法用偶然解释（95% 区间）。"
        "可以试试更低的学习率、更少的训练轮数、混入回放数据（data.replay）、progressive 或 freeze 方法，"
        "或调高 probe.budget。",
    ),
    "report.best": (
        "{name}: best {metric} ({value:.2f}) within the budget.",
        "{name}：在预算之内{metric}最佳（{value:.2f}）。",
    ),
    "report.metric_accuracy": ("accuracy", "准确率"),
    "report.metric_rouge_l": ("rouge_l", "ROUGE-L"),
    "report.metric_loss": ("loss", "损失"),
    "report.within_budget": (
        "{name}: within the forgetting budget (no domain metric was computed).",
        "{name}：遗忘在预算之内（未计算领域指标）。",
    ),
    "report.best_blend": (
        "{name}: best {metric} ({value:.2f}) within the budget. It blends the final model's weights with the "
        "base's at α = {alpha:g} ({alpha:g} × fine-tuned + {rest:g} × base): of the α tried ({tried}), the one "
        "with the lowest domain loss among those whose forgetting the search put within the budget. Its worst "
        "forgetting is {worst:.1f} against the final model's {final_worst:.1f} (budget {budget:g}). Use it as "
        "--model {ref}.",
        "{name}：在预算之内{metric}最佳（{value:.2f}）。它是最终模型与基础模型按 α = {alpha:g} 混合的权重"
        "（{alpha:g} × 微调模型 + {rest:g} × 基础模型）：在试过的 α（{tried}）中，它是搜索判断遗忘在预算之内、"
        "且领域损失最低的一个。它最严重的遗忘为 {worst:.1f}，最终模型为 {final_worst:.1f}（预算 {budget:g}）。"
        "可用 --model {ref} 使用它。",
    ),
    # blend.py: blends of base and fine-tuned weights
    "blend.alpha": (
        "alpha must be a number from 0 (the base model) to 1 (the fine-tuned model), not {alpha}.",
        "alpha 必须是 0（基础模型）到 1（微调模型）之间的数，而不是 {alpha}。",
    ),
    "blend.no_weights": (
        "{folder} has no safetensors weights (model.safetensors or its index): only such models can be blended.",
        "{folder} 中没有 safetensors 权重（model.safetensors 或其索引）：只能混合这样的模型。",
    ),
    "blend.config": (
        "The base and the fine-tuned model differ in {key} ({base} vs {tuned}): they cannot be blended.",
        "基础模型与微调模型的 {key} 不同（{base} 与 {tuned}）：无法混合。",
    ),
    "blend.tensors": (
        "The base and the fine-tuned model do not have the same weights ({n} differ, e.g. {problems}): a blend "
        "needs the same architecture and vocabulary on both sides.",
        "基础模型与微调模型的权重不一致（{n} 处不同，例如 {problems}）：混合要求两边的结构和词表相同。",
    ),
    "blend.vocab": (
        "The base and the fine-tuned model have different vocabularies: their weights cannot be blended.",
        "基础模型与微调模型的词表不同：无法混合它们的权重。",
    ),
    "blend.no_source": (
        "Run {run} has no model '{source}' to blend; it has: {available}.",
        "运行 {run} 没有可混合的模型“{source}”；现有：{available}。",
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
    # probes/harness.py: lm_eval:TASK suites
    "harness.not_installed": (
        "{suite} needs the lm-eval package: pip install 'fulltune[lmeval]' (or lm-eval==0.4.13).",
        "{suite} 需要 lm-eval 包：pip install 'fulltune[lmeval]'（或 lm-eval==0.4.13）。",
    ),
    "harness.unknown_task": (
        "{suite}: lm-eval has no task, group or tag of that name (close: {close}); `lm-eval ls tasks` lists "
        "them, and a task of your own is lm_eval:PATH.yaml or a folder in probe.lm_eval_include.",
        "{suite}：lm-eval 没有这个名称的任务、任务组或标签（相近的：{close}）；`lm-eval ls tasks` 可列出全部，"
        "自己的任务可写成 lm_eval:路径.yaml，或把所在文件夹填入 probe.lm_eval_include。",
    ),
    "harness.no_file": ("{suite}: there is no task file at {path}.", "{suite}：{path} 处没有任务文件。"),
    "harness.bad_include": (
        "probe.lm_eval_include: {path} is not a folder of lm-eval task files.",
        "probe.lm_eval_include：{path} 不是存放 lm-eval 任务文件的文件夹。",
    ),
    "harness.no_data": (
        "{suite} needs data that could not be loaded ({error}): run where the Hugging Face Hub is reachable "
        "(the data is cached for later runs), or with HF_HUB_OFFLINE=1 where a cached copy exists.",
        "{suite} 需要的数据无法加载（{error}）：请在能访问 Hugging Face Hub 的地方运行（数据会缓存，之后可离线"
        "使用），或在已有缓存的机器上设置 HF_HUB_OFFLINE=1。",
    ),
    "harness.bad_task": (
        "{suite}: lm-eval could not build this task ({error}).",
        "{suite}：lm-eval 无法构建这个任务（{error}）。",
    ),
    "harness.no_metric": (
        "{suite}: task {task} scores {metrics}, not per-question accuracy (acc or exact_match); pick a "
        "multiple-choice or exact-match task.",
        "{suite}：任务 {task} 的指标是 {metrics}，不是逐题的正确率（acc 或 exact_match）；请选择多项选择或"
        "精确匹配类任务。",
    ),
}
