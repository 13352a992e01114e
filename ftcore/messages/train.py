"""Texts of training: the Trainer, checkpoints and the compatibility checks before a run, each as (English, Chinese)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # trainer.py, hf_trainer.py
    "trainer.teacher_vocabulary": (
        "The teacher {ref} has a different vocabulary from the student; distillation on "
        "logits needs the same tokenizer. Pick a teacher fine-tuned from the same model "
        "family.",
        "教师模型 {ref} 与学生模型的词表不同；基于 logits 的蒸馏需要相同的分词器。"
        "请选择从同一模型家族微调出来的教师模型。",
    ),
    "trainer.anchor_kl_resume": (
        "train.anchor=kl: the base's next-token distribution on the replay rows is not in the run folder "
        "(anchor_logprobs.safetensors), and a resumed run's weights are no longer the base's. Start the run again "
        "from the beginning.",
        "train.anchor=kl：运行目录中没有回放样本上基座的下一词分布（anchor_logprobs.safetensors），"
        "而继续训练时权重已不再是基座的。请从头重新开始这次运行。",
    ),
    "trainer.in_backward": (
        "train.optimizer_in_backward steps each weight with its own gradient as it appears: fp16 "
        "loss scaling and gradient accumulation need all gradients first. Use precision bf16 or "
        "fp32 and grad_accum 1.",
        "train.optimizer_in_backward 在每个梯度一出现时就用它更新对应的权重，而 fp16 损失缩放和梯度累积"
        "都需要先拿到全部梯度。请使用 precision bf16 或 fp32，并把 grad_accum 设为 1。",
    ),
    # checkpoints.py
    "checkpoints.no_such": (
        "Run {run} has no checkpoint at step {step}; it has: {steps}.",
        "运行 {run} 没有第 {step} 步的检查点；现有：{steps}。",
    ),
    "checkpoints.corrupt": (
        "{checkpoint} cannot be trusted: {problem}. Resume from another one (--checkpoint STEP), or without "
        "--checkpoint to take the newest that verifies.",
        "{checkpoint} 不可信：{problem}。请从其他检查点继续（--checkpoint STEP），或不加 --checkpoint，"
        "使用最新的可通过校验的检查点。",
    ),
    "checkpoints.none_verify": (
        "No checkpoint of run {run} verifies ({problems}); start the run again.",
        "运行 {run} 没有能通过校验的检查点（{problems}）；请重新开始训练。",
    ),
    # compat.py
    "compat.fp16_cpu": (
        "precision=fp16 on the CPU is not supported for training (no fp16 autocast with loss "
        "scaling there); use precision=auto (fp32) or bf16.",
        "CPU 上不支持用 precision=fp16 训练（CPU 没有带损失缩放的 fp16 自动混合精度）；"
        "请用 precision=auto（fp32）或 bf16。",
    ),
    "compat.no_bf16": (
        "This GPU has no bf16 support (it predates Ampere); use precision=fp16 or auto.",
        "这块 GPU 不支持 bf16（早于 Ampere 架构）；请用 precision=fp16 或 auto。",
    ),
    "compat.optimizer_package": (
        "optimizer={name} needs the package '{pip}': pip install {pip} (or pick adamw_torch_fused).",
        "optimizer={name} 需要安装“{pip}”包：pip install {pip}（或改用 adamw_torch_fused）。",
    ),
    "compat.quantized": (
        "The model at {folder} is stored quantized ({method}). Full fine-tuning updates every weight "
        "in full precision, which a quantized checkpoint cannot hold. Use the unquantized model; to "
        "save memory, keep optimizer states in 8 bits instead (train.optimizer=adamw_8bit), or turn "
        "on gradient checkpointing.",
        "{folder} 处的模型以量化形式保存（{method}）。全参数微调要以全精度更新每个权重，量化检查点无法容纳。"
        "请使用未量化的模型；如需节省显存，可改为用 8 位保存优化器状态（train.optimizer=adamw_8bit），"
        "或开启梯度检查点。",
    ),
    "compat.needs_deepspeed": (
        "strategy={strategy} needs DeepSpeed: pip install 'fulltune[deepspeed]' (or use "
        "strategy=ddp or fsdp).",
        "strategy={strategy} 需要 DeepSpeed：pip install 'fulltune[deepspeed]'"
        "（或改用 strategy=ddp 或 fsdp）。",
    ),
    "compat.nothing_to_shard": (
        "strategy={strategy} shards training state across processes, and this is one CPU "
        "process: there is nothing to shard. Use strategy=ddp, or dist.nproc=2 or more.",
        "strategy={strategy} 会把训练状态切分到多个进程上，而这里只有一个 CPU 进程，没有可切分的对象。"
        "请用 strategy=ddp，或把 dist.nproc 设为 2 及以上。",
    ),
    "compat.fsdp_cpu": (
        "strategy=fsdp needs GPUs (accelerate runs FSDP on CUDA devices only; on the CPU it would quietly be plain "
        "DDP): to shard on the CPU use --strategy zero3 (DeepSpeed).",
        "strategy=fsdp 需要 GPU（accelerate 只在 CUDA 设备上运行 FSDP；在 CPU 上它会悄悄退化为普通 DDP）："
        "如需在 CPU 上切分，请使用 --strategy zero3（DeepSpeed）。",
    ),
    "compat.offload_cpu": (
        "dist.offload moves state from GPU memory to CPU memory; without a GPU everything is in "
        "CPU memory already. Use dist.offload=none.",
        "dist.offload 用于把状态从 GPU 显存移到 CPU 内存；没有 GPU 时所有数据本来就在 CPU 内存中。"
        "请用 dist.offload=none。",
    ),
    "compat.cpu_ranks": (
        "dist.nproc={nproc} asks for {nproc} processes, and this machine has no GPU and {cores} "
        "cores: CPU ranks would only compete for them. Use at most one rank per core, or a machine "
        "with {nproc} GPUs.",
        "dist.nproc={nproc} 要求 {nproc} 个进程，而本机没有 GPU，只有 {cores} 个 CPU 核心：多个 CPU "
        "进程只会互相争抢。请让每个核心最多运行一个进程，或换一台有 {nproc} 块 GPU 的机器。",
    ),
    "compat.too_many_ranks": (
        "dist.nproc={nproc} but this machine has {gpus} GPU(s); set dist.nproc to {gpus} or "
        "fewer (one process per GPU).",
        "dist.nproc={nproc}，但本机只有 {gpus} 块 GPU；请把 dist.nproc 设为 {gpus} 或更少"
        "（每块 GPU 一个进程）。",
    ),
    "compat.adamw_8bit_cpu": (
        "optimizer=adamw_8bit (bitsandbytes) needs a CUDA GPU; on the CPU use adamw_torch_fused.",
        "optimizer=adamw_8bit（bitsandbytes）需要 CUDA GPU；在 CPU 上请用 adamw_torch_fused。",
    ),
    "compat.adalomo_cpu": (
        "optimizer=adalomo (lomo-optim) needs a CUDA GPU; on the CPU the low-memory mode is adafactor with "
        "train.optimizer_in_backward=true.",
        "optimizer=adalomo（lomo-optim）需要 CUDA GPU；在 CPU 上的低内存模式是 adafactor 加 "
        "train.optimizer_in_backward=true。",
    ),
    "compat.in_backward_fp16": (
        "train.optimizer_in_backward cannot train in fp16, which this GPU would use (it has no bf16): set "
        "precision=fp32.",
        "train.optimizer_in_backward 不能用 fp16 训练，而这块 GPU 不支持 bf16、只能用 fp16：请设置 precision=fp32。",
    ),
    # callbacks.py: why training had to stop
    "callbacks.no_disk": (
        "Not enough disk space for a checkpoint: about {need} needed, {free} free under {folder}. Free some space, "
        "then `ftcore resume {run}`.",
        "磁盘空间不足，无法保存检查点：约需 {need}，{folder} 下只剩 {free}。请释放空间，然后运行 `ftcore resume {run}`。",
    ),
    "callbacks.no_disk_node": (
        "Not enough disk space for a checkpoint on one of the nodes.",
        "某个节点的磁盘空间不足，无法保存检查点。",
    ),
    "callbacks.nan": (
        "The loss or gradient norm was NaN/inf for {steps} steps in a row (step {step}); stopped, and the last good "
        "checkpoint is kept. Lower the learning rate, keep max_grad_norm on, or check the data.",
        "损失或梯度范数连续 {steps} 步为 NaN/inf（第 {step} 步）；训练已停止，并保留最后一个正常的检查点。"
        "请降低学习率、保持 max_grad_norm 开启，或检查数据。",
    ),
    "trainer.freeze_bottom_layers": (
        "freeze_bottom_layers={k} leaves nothing to train: this model has {layers} layers. Freeze at most "
        "{most}, or 0 for a quarter of them.",
        "freeze_bottom_layers={k} 会让所有层都不参与训练：此模型共有 {layers} 层。最多冻结 {most} 层，"
        "或填 0 表示冻结四分之一。",
    ),
}
