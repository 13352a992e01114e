"""Texts of the guided first run, each as (English, Chinese)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # guided.py: the guided first run
    "guided.check": ("1. Check the data", "1. 检查数据"),
    "guided.reading": (
        "Reading the barista demo (150 English chat examples)...",
        "正在读取咖啡师示例数据（150 条英文对话样本）……",
    ),
    "guided.checked": (
        "{rows} rows: {duplicates} exact duplicates, {empty} empty answers, {pii} rows with personal "
        "data. Held out 20% for validation. Warnings:\n- {warnings}\n\nNext: with your own data, use "
        "the Data tab the same way.",
        "{rows} 行：{duplicates} 行完全重复，{empty} 个空回答，{pii} 行含个人信息。已留出 20% 作为验证集。"
        "警告：\n- {warnings}\n\n下一步：使用你自己的数据时，在“数据”页按同样的方式操作。",
    ),
    "guided.none": ("none", "无"),
    "guided.plan": ("2. Plan", "2. 资源规划"),
    "guided.planned": (
        "Full fine-tuning of {model} ({millions:,.0f}M parameters) on {where} {verdict}. "
        "Recipe: {length}, batch {batch}, learning rate {lr:g} ({scheduler}), max length "
        "{max_length}, {optimizer}. Every value can be changed in the Train tab.",
        "在 {where} 上全参数微调 {model}（{millions:,.0f}M 参数）：{verdict}。"
        "配方：{length}，批大小 {batch}，学习率 {lr:g}（{scheduler}），最大长度 {max_length}，{optimizer}。"
        "每个值都可以在“训练”页修改。",
    ),
    "guided.the_cpu": ("the CPU", "CPU"),
    "guided.fits": ("fits ({gib:.2f} GiB predicted)", "放得下（预计 {gib:.2f} GiB）"),
    "guided.does_not_fit": ("does not fit ({gib:.2f} GiB predicted)", "放不下（预计 {gib:.2f} GiB）"),
    "guided.needs_ram": ("needs about {gib:.1f} GiB of RAM", "需要约 {gib:.1f} GiB 内存"),
    "guided.steps": ("{n} steps", "{n} 步"),
    "guided.epochs": ("{n:g} epochs", "{n:g} 轮"),
    "guided.train": ("3. Train", "3. 训练"),
    "guided.started": ("Run {run} started.", "运行 {run} 已开始。"),
    "guided.progress": ("Run {run}: {progress}", "运行 {run}：{progress}"),
    "guided.following": (
        "A guided run is already in progress ({run}): following it instead of starting another.",
        "已有一个引导式运行正在进行（{run}）：继续跟踪它，而不是再启动一个。",
    ),
    "guided.ended": ("Run {run} {state}: {error}", "运行 {run} {state}：{error}"),
    "guided.done_run": ("Run {run} done: final loss {loss:.3f}.", "运行 {run} 已完成：最终损失 {loss:.3f}。"),
    "guided.compare": ("4. Compare and probes", "4. 对比与探针"),
    "guided.done": ("Done", "完成"),
    "guided.finished": (
        "Guided run finished in {duration}. Next: chat with both models in Compare, publish in "
        "Publish, or train on your own data in Data and Train.",
        "引导式运行用时 {duration} 完成。下一步：在“对比”页与两个模型对话，在“发布”页发布，"
        "或在“数据”和“训练”页用你自己的数据训练。",
    ),
    "guided.no_report": ("No evaluation report (see the run's log).", "没有评估报告（请查看该运行的日志）。"),
    "guided.table_head": (
        "| | base | base + 3-shot prompt | fine-tuned |\n|---|---|---|---|",
        "| | 基础模型 | 基础模型 + 3 例提示 | 微调后 |\n|---|---|---|---|",
    ),
    "guided.domain_row": (
        "| domain {metric} | {base:.3g} | {shots:.3g} | {tuned:.3g} |",
        "| 领域 {metric} | {base:.3g} | {shots:.3g} | {tuned:.3g} |",
    ),
    "guided.probe_row": (
        "| {suite} ({kind}) | {base:.3g} | | {tuned:.3g} ({verdict}) |",
        "| {suite}（{kind}） | {base:.3g} | | {tuned:.3g}（{verdict}） |",
    ),
    "guided.summary": ("{table}\n\nRecommendation: {recommendation}", "{table}\n\n推荐：{recommendation}"),
    "verdict.kept": ("kept", "保持"),
    "verdict.gained": ("gained", "提升"),
    "verdict.forgot": ("forgot", "遗忘"),
    "verdict.uncertain": ("uncertain", "不确定"),
    "verdict.info": ("info", "仅供参考"),
}
