"""Texts of the memory planner, the Train tab's plan panel and the learning-rate suggestion, each as (English, Chinese)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # plan.py: the planner's inputs and the nearest configurations that fit
    "plan.sizes": (
        "Sizes, batch_size, max_length, nproc and grad_accum must be >= 1.",
        "各项尺寸、batch_size、max_length、nproc 和 grad_accum 必须 >= 1。",
    ),
    "plan.trainable": (
        "trainable ({trainable}) must be between 0 and params.",
        "trainable（{trainable}）必须在 0 到 params 之间。",
    ),
    "plan.offload_ddp": (
        "CPU offload needs DeepSpeed ZeRO or FSDP: set strategy to zero2 (optimizer) or zero3 (params).",
        "CPU 卸载需要 DeepSpeed ZeRO 或 FSDP：请把 strategy 设为 zero2（卸载优化器状态）"
        "或 zero3（卸载参数）。",
    ),
    "plan.offload_params": ("Parameter offload needs zero3 or fsdp.", "卸载参数需要 zero3 或 fsdp。"),
    "plan.attention": (
        "Unknown attention '{value}': use sdpa or eager.",
        "未知的注意力实现“{value}”：请使用 sdpa 或 eager。",
    ),
    "plan.not_llama": (
        "The model config lacks {missing}: the planner needs a Llama-style config.",
        "模型配置缺少 {missing}：资源规划器需要 Llama 风格的配置。",
    ),
    "plan.no_change": ("no change: it fits as configured", "无需改动：按当前配置就放得下"),
    "plan.checkpointing": ("gradient checkpointing on", "开启梯度检查点"),
    "plan.adamw_8bit": ("8-bit AdamW states (bitsandbytes)", "8 位 AdamW 优化器状态（bitsandbytes）"),
    "plan.in_backward": (
        "low-memory mode: adafactor stepped in the backward pass (optimizer_in_backward)",
        "低内存模式：在反向传播中用 adafactor 更新（optimizer_in_backward）",
    ),
    "plan.zero": ("DeepSpeed ZeRO-{stage} over {n} devices", "DeepSpeed ZeRO-{stage}，分布在 {n} 个设备上"),
    "plan.offload": ("optimizer states offloaded to CPU ({engine})", "优化器状态卸载到 CPU（{engine}）"),
    "plan.batch": (
        "batch {old} -> {new} with grad_accum {old_accum} -> {new_accum} (effective batch {effective})",
        "批大小 {old} -> {new}，grad_accum {old_accum} -> {new_accum}（有效批大小 {effective}）",
    ),
    "plan.fits_with": ("{moves}: {total:.1f} of {capacity:g} GiB", "{moves}：{total:.1f} / {capacity:g} GiB"),
    # hparams.py
    "hparams.suggestion": (
        "{lr:.0e} (a tenth of the pre-training peak {peak:.1e}; {source})",
        "{lr:.0e}（预训练峰值 {peak:.1e} 的十分之一；{source}）",
    ),
    "hparams.paper": ("{name} paper", "{name} 论文"),
    "hparams.by_size": (
        "estimated from {millions:,.1f}M parameters along the GPT-3 size table",
        "按 GPT-3 的规模表由 {millions:,.1f}M 参数估算",
    ),
    "hparams.by_count": ("estimated from the parameter count", "由参数量估算"),
    # advice.py: the Train tab's plan panel
    "advice.total": (
        "**{total:.2f} GiB {where}** (weights {weights:.2f}, gradients {gradients:.2f}, optimizer "
        "{optimizer:.2f}, activations {activations:.2f}, buffers {buffers:.2f} GiB) for "
        "{millions:,.1f}M parameters.",
        "**{where} {total:.2f} GiB**（权重 {weights:.2f}、梯度 {gradients:.2f}、优化器 {optimizer:.2f}、"
        "激活 {activations:.2f}、缓冲区 {buffers:.2f} GiB），共 {millions:,.1f}M 参数。",
    ),
    "advice.per_gpu": ("per GPU", "每块 GPU"),
    "advice.per_device": ("per device", "每个设备"),
    "advice.fits": ("**Fits**", "**放得下**"),
    "advice.does_not_fit": ("**Does not fit**", "**放不下**"),
    "advice.in_memory": ("{verdict} in {capacity:.1f} GiB.", "{verdict}：显存 {capacity:.1f} GiB。"),
    "advice.refused": (
        "**Start would refuse this configuration on this machine:** {error}",
        "**在本机上无法以此配置开始训练**：{error}",
    ),
    "advice.in_ram": (
        "{verdict} in this machine's {ram:.1f} GiB of RAM (with about {runtime} GiB for Python and torch).",
        "{verdict}：本机内存 {ram:.1f} GiB（其中约 {runtime} GiB 留给 Python 和 torch）。",
    ),
    "advice.nearest": ("Nearest configurations that fit: {fixes}", "最接近且放得下的配置：{fixes}"),
    "advice.none_nearby": (
        "none nearby — more GPUs with zero3, or a smaller model.",
        "附近没有 —— 请用 zero3 配合更多 GPU，或换一个更小的模型。",
    ),
    "advice.learning_rate": ("Suggested learning rate: {lr}.", "建议学习率：{lr}。"),
}
