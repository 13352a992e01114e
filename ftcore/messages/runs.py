"""Texts of the run store, jobs, the worker and its status, devices and placement, each as (English, Chinese)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # settings.py
    "settings.outside": (
        "Path '{path}' points outside the workspace {root}; use a name inside it.",
        "路径“{path}”指向工作区 {root} 之外；请使用工作区内的名称。",
    ),
    # runs.py
    "runs.bad_vote": ("A vote is a, b or tie, not '{winner}'.", "投票只能是 a、b 或 tie，而不是“{winner}”。"),
    "runs.exists_resume": (
        "A run named '{run}' exists already; pick another --name, or `ftcore resume {run}`.",
        "名为“{run}”的运行已存在；请换一个 --name，或运行 `ftcore resume {run}`。",
    ),
    "runs.exists": (
        "A run named '{run}' exists already; pick another --name.",
        "名为“{run}”的运行已存在；请换一个 --name。",
    ),
    "runs.bad_id": (
        "'{run}' is not a run id; `ftcore runs` lists them.",
        "“{run}”不是运行 ID；`ftcore runs` 可列出所有运行。",
    ),
    "runs.missing": (
        "No run '{run}' under {root}; `ftcore runs` lists them.",
        "{root} 下没有运行“{run}”；`ftcore runs` 可列出所有运行。",
    ),
    "runs.status_unreadable": ("status.json is missing or unreadable", "status.json 缺失或无法读取"),
    "runs.worker_vanished": (
        "The worker process ended without a final status; see worker.log.",
        "工作进程结束时没有写入最终状态；请查看 worker.log。",
    ),
    # jobs.py
    "jobs.node_mismatch": (
        "Run {run} on node 0 has nnodes={nnodes}, nproc={nproc}; every node must use the same values.",
        "运行 {run} 在节点 0 上的设置为 nnodes={nnodes}、nproc={nproc}；所有节点必须使用相同的值。",
    ),
    "jobs.active": (
        "Run {run} is {state}; stop it first (ftcore stop {run}).",
        "运行 {run} 当前状态为 {state}；请先停止它（ftcore stop {run}）。",
    ),
    "jobs.shutting_down": (
        "Run {run} is still shutting down; try again in a few seconds.",
        "运行 {run} 仍在关闭中；请过几秒再试。",
    ),
    "jobs.done": (
        "Run {run} is already done; start a new run to train more.",
        "运行 {run} 已经完成；如需继续训练，请新建一个运行。",
    ),
    "jobs.no_checkpoint": (
        "Run {run} has no complete checkpoint to resume from; start it again (use --save-steps N "
        "to checkpoint during training).",
        "运行 {run} 没有可以继续训练的完整检查点；请重新开始（训练时用 --save-steps N 定期保存检查点）。",
    ),
    "jobs.config_changed": (
        "{run}/config.yaml changed since {checkpoint} was written; resuming would mix two "
        "configurations. Restore it, or start a new run.",
        "{run}/config.yaml 在写入 {checkpoint} 之后被修改过；继续训练会混用两套配置。请恢复原文件，"
        "或新建一个运行。",
    ),
    "jobs.data_changed": (
        "The {split} data ({path}) changed or is gone since {checkpoint} was written; resuming "
        "would train on other data. Start a new run instead.",
        "{split} 数据（{path}）在写入 {checkpoint} 之后已改变或不存在；继续训练会用上不同的数据。"
        "请改为新建一个运行。",
    ),
    # placement.py
    "placement.cpu_torch": (
        "This machine has GPUs ({gpus}) but this PyTorch cannot use them (CUDA build: {built}): install the CUDA "
        "build (pip install torch --index-url https://download.pytorch.org/whl/cu128), or hide the GPUs with "
        "CUDA_VISIBLE_DEVICES= to train on the CPU.",
        "这台机器有 GPU（{gpus}），但当前的 PyTorch 无法使用它们（CUDA 版本：{built}）：请安装 CUDA 版 PyTorch"
        "（pip install torch --index-url https://download.pytorch.org/whl/cu128），或设置 CUDA_VISIBLE_DEVICES= "
        "隐藏 GPU，改用 CPU 训练。",
    ),
    "placement.preference": (
        "Device preference '{value}' is not one of {choices}.",
        "设备偏好“{value}”无效，可选：{choices}。",
    ),
    "placement.shared": (
        "{gpu} is training a run; this model fits in the memory the run leaves, so it shares that GPU.",
        "{gpu} 正在训练；该模型能放进训练剩余的显存，因此与训练共用这块 GPU。",
    ),
    "placement.gpus_busy": (
        "Every GPU is busy with training and none has room for this model: it runs on the CPU (slower). To wait "
        "for a GPU instead, pick \"Wait for a GPU\" (Chat tab) or --device gpu (CLI).",
        "所有 GPU 都在训练，且都放不下该模型：改在 CPU 上运行（较慢）。如需等待 GPU，请选择“等待 GPU”"
        "（对话页）或 --device gpu（命令行）。",
    ),
    "placement.wait_timeout": (
        "No GPU became free within {seconds} s; try again later, or run on the CPU.",
        "{seconds} 秒内没有空闲的 GPU；请稍后再试，或改用 CPU。",
    ),
    # devices.py
    "devices.too_many": (
        "dist.nproc={nproc} but this machine has {gpus} GPU(s); lower dist.nproc.",
        "dist.nproc={nproc}，但本机只有 {gpus} 块 GPU；请调低 dist.nproc。",
    ),
    # worker.py, launcher.py, callbacks.py: why a run stopped or failed (status.json)
    "worker.stopped_queued": ("Stopped while queued.", "排队时已停止。"),
    "worker.stopped_by_user": ("Stopped by the user.", "已被用户停止。"),
    "worker.stopped_by_signal": ("Stopped by SIGTERM.", "已被 SIGTERM 信号停止。"),
    "worker.killed": ("Stopped by the user (killed).", "已被用户停止（强制结束）。"),
    "worker.exited": (
        "The training processes exited with code {code} before finishing; see worker.log.",
        "训练进程在完成之前退出，退出码 {code}；请查看 worker.log。",
    ),
    "worker.out_of_memory": ("Out of memory. {fits}", "内存不足。{fits}"),
    "worker.out_of_memory_detail": ("Out of memory ({detail}). {fits}", "内存不足（{detail}）。{fits}"),
    "worker.nearest_fixes": (
        "The planner's nearest configurations that fit: {fixes}.",
        "规划器给出的最接近且放得下的配置：{fixes}。",
    ),
    "worker.run_plan": (
        "Run `ftcore plan` with this run's settings for configurations that fit: gradient "
        "checkpointing, a smaller batch with more accumulation, 8-bit optimizer states, or zero3 "
        "across more GPUs.",
        "用本运行的设置执行 `ftcore plan`，可以查看放得下的配置：梯度检查点、更小的批大小配合更多梯度累积、"
        "8 位优化器状态，或用 zero3 分布到更多 GPU 上。",
    ),
    # progress.py: where a run stands, for the Train tab and the CLI
    "progress.queued": ("queued", "排队中"),
    "progress.running": ("running", "训练中"),
    "progress.stopping": ("stopping", "正在停止"),
    "progress.done": ("done", "已完成"),
    "progress.failed": ("failed", "失败"),
    "progress.cancelled": ("cancelled", "已取消"),
    "progress.model_ready": ("model ready", "模型已就绪"),
    "progress.report_queued": ("report queued for a device", "评估报告正在排队等待设备"),
    "progress.report_running": ("report running (a stop ends it)", "评估报告生成中（停止即可结束它）"),
    "progress.report_stopping": ("stopping the report", "正在停止评估报告"),
    "progress.report_stopped": ("report stopped", "评估报告已停止"),
    "progress.report_failed": ("report failed", "评估报告失败"),
    "progress.report_estimate": ("estimated {eta} at most", "预计最多 {eta}"),
    "progress.report": ("{done}/{total} suite evaluations", "已完成 {done}/{total} 项套件评估"),
    "progress.step": ("step {step}/{total}", "第 {step}/{total} 步"),
    "progress.loss": ("loss {loss}", "损失 {loss}"),
    "progress.eta": ("{eta} left", "剩余 {eta}"),
    "progress.speed": ("{speed} tokens/s", "{speed} 词元/秒"),
    # notes: what a run tells as it goes (its message events; the Train tab shows the latest)
    "notes.early_stopping": (
        "Early stopping: validation loss has not improved for {patience} evaluations (best {best}).",
        "提前停止：验证损失已连续 {patience} 次评估没有改善（最佳 {best}）。",
    ),
    "notes.loading": ("Loading model {ref}", "正在加载模型 {ref}"),
    "notes.tokenizing": ("Tokenizing {rows} rows of {file}", "正在对 {file} 的 {rows} 行分词"),
    "notes.tokenized": ("Tokenized: {examples} examples, {tokens} tokens in {seconds} s",
                        "分词完成：{examples} 个样本，{tokens} 个词元，用时 {seconds} 秒"),
    "notes.tokenized_cache": ("Tokenized rows read from the cache: {examples} examples, {tokens} tokens ({seconds} s)",
                              "从缓存读取分词结果：{examples} 个样本，{tokens} 个词元（{seconds} 秒）"),
    "notes.offload_adam": (
        "Offload: DeepSpeed steps its own AdamW (DeepSpeedCPUAdam) on the CPU in place of {optimizer}, with the same "
        "hyperparameters",
        "卸载：DeepSpeed 在 CPU 上用它自己的 AdamW（DeepSpeedCPUAdam）代替 {optimizer}，超参数不变",
    ),
    "notes.distilling": ("Distilling from teacher {teacher}", "正在从教师模型 {teacher} 蒸馏"),
    "notes.freeze_bottom": (
        "Embeddings and the bottom {k} of {layers} layers frozen; {trainable} of {parameters} weights train",
        "词嵌入和 {layers} 层中最下面的 {k} 层已冻结；{parameters} 个权重中有 {trainable} 个参与训练",
    ),
    "notes.freeze_bottom_tied": (
        "The output head shares its matrix with the embeddings (tied), so it stays frozen too",
        "输出头与词嵌入共用同一个矩阵（权重绑定），因此它也保持冻结",
    ),
    "notes.anchor_kl": (
        "KL anchor toward the base: weight {weight}, on {rows} replay rows (the base's next tokens are computed at "
        "the first step and kept in the run folder)",
        "向基座模型的 KL 锚定：权重 {weight}，作用于 {rows} 条回放样本（基座的下一词分布在第一步计算并保存在运行目录中）",
    ),
    "notes.anchor_l2": (
        "L2 anchor toward the base: weight {weight}, a copy of {trainable} trainable weights kept on the device",
        "向基座模型的 L2 锚定：权重 {weight}，在设备上保留 {trainable} 个可训练权重的副本",
    ),
    "notes.self_replay": (
        "Self-generated replay: the base model answers {count} general prompts ({languages}); {cached} already in "
        "the cache",
        "自生成回放：基座模型回答 {count} 条通用提示（{languages}）；缓存中已有 {cached} 条",
    ),
    "notes.self_replay_progress": (
        "Self-generated replay: {done} of {total} answers written",
        "自生成回放：已生成 {done}/{total} 条回答",
    ),
    "notes.self_replay_done": (
        "Self-generated replay ready: {rows} answers in {seconds} s ({empty} empty ones left out)",
        "自生成回放已就绪：{rows} 条回答，用时 {seconds} 秒（去掉了 {empty} 条空回答）",
    ),
    "notes.forgetting_stop": (
        "Stopped at step {step}: forgetting (forget_kl, KL to the base on general prompts) reached {kl} nats, past "
        "train.stop_on_forgetting = {threshold}. The final model is checkpoint-{kept}, the last one within it.",
        "在第 {step} 步停止：遗忘（forget_kl，在通用提示上与基座的 KL）达到 {kl} 奈特，超过了 "
        "train.stop_on_forgetting = {threshold}。最终模型是 checkpoint-{kept}，即仍在阈值内的最后一个检查点。",
    ),
    "notes.forgetting_stop_none": (
        "Stopped at step {step}: forgetting (forget_kl, KL to the base on general prompts) reached {kl} nats, past "
        "train.stop_on_forgetting = {threshold}, and no earlier checkpoint was measured within it: the final model "
        "is this step's weights. Lower the learning rate, or evaluate more often (train.eval_steps).",
        "在第 {step} 步停止：遗忘（forget_kl，在通用提示上与基座的 KL）达到 {kl} 奈特，超过了 "
        "train.stop_on_forgetting = {threshold}，且此前没有测得在阈值内的检查点：最终模型是这一步的权重。"
        "请降低学习率，或更频繁地评估（train.eval_steps）。",
    ),
    "notes.forgetting_no_validation": (
        "train.stop_on_forgetting needs evaluations, and this run has no validation data: forgetting is not watched. "
        "Give a validation file.",
        "train.stop_on_forgetting 需要评估，而本次运行没有验证数据：不会监测遗忘。请提供验证文件。",
    ),
    "notes.forgetting_no_base": (
        "Forgetting is not watched from here on: the base model's log-probabilities (computed before the first step) "
        "are missing from the run folder or were made for other prompts.",
        "从这里开始不再监测遗忘：运行目录中缺少基座模型的对数概率（在第一步之前计算），或它们是针对其他提示计算的。",
    ),
    "notes.resuming": ("Resuming from {checkpoint}", "从 {checkpoint} 继续训练"),
    "notes.progressive_stage": (
        "Progressive stage {stage}/{stages}: top {k} of {layers} layers train (from step {step})",
        "渐进式训练第 {stage}/{stages} 阶段：{layers} 层中的最上面 {k} 层参与训练（从第 {step} 步起）",
    ),
    "notes.devices": ("Devices: {devices}", "设备：{devices}"),
    "notes.launching": ("Launching: {command}", "启动：{command}"),
    "notes.worker_started": ("Worker started", "工作进程已启动"),
    "notes.model_ready": ("The model is ready: {path}", "模型已就绪：{path}"),
    "notes.evaluating": (
        "Evaluating the base and the fine-tuned model (domain metric, probes); a stop ends the report, the model "
        "stays",
        "正在评估基础模型和微调后的模型（领域指标、探针）；停止只会结束报告，模型保留",
    ),
    "notes.report_stopped": (
        "The evaluation report was stopped; the final model is complete (ftcore compare RUN --rerun makes the "
        "report later)",
        "评估报告已停止；最终模型是完整的（之后可用 ftcore compare RUN --rerun 生成报告）",
    ),
    "notes.report_failed": ("The evaluation report could not be made: {error}", "无法生成评估报告：{error}"),
    "notes.skipped_checkpoint": (
        "Skipped {name}: {problem}; resuming from {checkpoint}",
        "已跳过 {name}：{problem}；从 {checkpoint} 继续训练",
    ),
    "notes.resume_requested": ("Resume requested from {checkpoint}", "已请求从 {checkpoint} 继续训练"),
    "notes.queued": ("Queued: waiting for {need} free device(s) of {busy}.", "排队中：等待 {busy} 中有 {need} 个设备空闲。"),
}
