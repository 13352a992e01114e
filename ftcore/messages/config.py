"""Texts of the run configuration: validation of each section, presets, YAML files and overrides, each as (English, Chinese)."""

MESSAGES: dict[str, tuple[str, str]] = {
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
    "config.epochs": (
        "train.epochs={value:g} is more than 1000 epochs; a run that long never ends in practice. Use fewer epochs, "
        "or set train.max_steps.",
        "train.epochs={value:g} 超过 1000 轮，这样的运行实际上不会结束。请减少轮数，或设置 train.max_steps。",
    ),
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
    "config.freeze_bottom_layers": (
        "freeze_bottom_layers must be 0 (a quarter of the layers) or more.",
        "freeze_bottom_layers 必须为 0（层数的四分之一）或更大。",
    ),
    "config.replay_source": (
        "Unknown data.replay_source '{value}': use {choices}.",
        "未知的 data.replay_source“{value}”：请使用 {choices}。",
    ),
    "config.self_replay_share": (
        "data.replay_source=self needs a replay share: set data.replay too, e.g. data.replay=0.2 (one "
        "self-generated example per five of yours).",
        "data.replay_source=self 需要回放比例：请同时设置 data.replay，例如 data.replay=0.2（每 5 条你的样本"
        "配 1 条模型自己生成的样本）。",
    ),
    "config.reasoning": (
        "data.reasoning is '{value}': use keep (reasoning traces are learned with the answer) or drop.",
        "data.reasoning 为“{value}”：请使用 keep（推理过程随回答一起学习）或 drop。",
    ),
    "config.replay_prompts_shipped": (
        "data.replay_prompts are prompts for the base model to answer: they need data.replay_source=self.",
        "data.replay_prompts 是让基座模型回答的提示：需要 data.replay_source=self。",
    ),
    "config.anchor": ("Unknown train.anchor '{value}': use {choices}.", "未知的 train.anchor“{value}”：请使用 {choices}。"),
    "config.anchor_weight": (
        "train.anchor_weight must be a positive number with an anchor (and not negative without one).",
        "使用锚定时 train.anchor_weight 必须为正数（不使用时也不能为负）。",
    ),
    "config.anchor_lora": (
        "train.anchor={anchor} with method=lora has nothing to anchor: lora's adapters start at zero and the base "
        "weights never move, so the pull would be plain weight decay. Use anchor with full, freeze, freeze_bottom or "
        "progressive.",
        "train.anchor={anchor} 与 method=lora 一起没有可锚定的对象：lora 适配器从零开始、基座权重从不改变，"
        "这个拉力只相当于普通的权重衰减。请把锚定与 full、freeze、freeze_bottom 或 progressive 一起使用。",
    ),
    "config.anchor_sharded": (
        "train.anchor={anchor} needs every trainable weight whole on each device, but strategy={strategy} shards "
        "the weights across processes. Use zero2, zero1 or ddp with the anchor.",
        "train.anchor={anchor} 需要每个设备上都有完整的可训练权重，但 strategy={strategy} 会把权重切分到各进程。"
        "请在使用锚定时选择 zero2、zero1 或 ddp。",
    ),
    "config.anchor_offload": (
        "train.anchor={anchor} keeps a copy of the trainable weights on the device, which takes back most of what "
        "offload={offload} saves (and the offload path is not tested with it). Use the anchor without offload.",
        "train.anchor={anchor} 会在设备上保留一份可训练权重的副本，几乎抵消 offload={offload} 省下的内存"
        "（卸载路径也未经过测试）。请在不卸载的情况下使用锚定。",
    ),
    "config.anchor_kl_replay": (
        "train.anchor=kl pulls toward the base's next-token distribution on the replay rows, and this run has none. "
        "Set data.replay (for example 0.2; with data.replay_source=self the rows are the base's own answers), or "
        "use train.anchor=l2.",
        "train.anchor=kl 在回放样本上把模型拉向基座的下一词分布，而本次运行没有回放样本。请设置 data.replay"
        "（例如 0.2；配合 data.replay_source=self 时回放样本是基座模型自己的回答），或改用 train.anchor=l2。",
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
    "config.stop_on_forgetting": (
        "train.stop_on_forgetting is {value}: give a number of nats >= 0 (0 turns the stop off; try 1.5 to 3).",
        "train.stop_on_forgetting 为 {value}：请填写 >= 0 的奈特数（0 表示关闭；可试 1.5 到 3）。",
    ),
    "config.save_precision": ("save_precision must be fp32 or bf16.", "save_precision 必须是 fp32 或 bf16。"),
    "config.probe_values": (
        "probe.budget, max_new_tokens and lm_eval_limit must be >= 0.",
        "probe.budget、max_new_tokens 和 lm_eval_limit 必须 >= 0。",
    ),
    "config.fewshot": (
        "probe.fewshot must be between 0 and 16 worked examples.",
        "probe.fewshot 必须在 0 到 16 个示例之间。",
    ),
    "config.probe_blend": (
        "probe.blend is auto, always or off, not '{value}'.",
        "probe.blend 只能是 auto、always 或 off，而不是“{value}”。",
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
    # presets/: each shipped preset's description (its file's first line is the English)
    "presets.classification": (
        "Labelled text (text + label): the label is the answer to a prompt template; scored by accuracy and macro-F1.",
        "带标签的文本（text + label）：标签作为提示模板的答案；按准确率和 macro-F1 评分。",
    ),
    "presets.continued-pretraining": (
        "Continued pre-training on a domain corpus (plain text): every token is trained, long packed sequences.",
        "在领域语料（纯文本）上继续预训练：每个词元都参与训练，长序列打包。",
    ),
    "presets.freeze-top": (
        "Train only the top four decoder layers and the output head: less memory, less forgetting, less gain.",
        "只训练最上面四层解码器和输出头：内存更少、遗忘更少、提升也更少。",
    ),
    "presets.freeze-bottom": (
        "Keep the embeddings and the bottom quarter of the layers fixed, the rest trains: less forgetting of how "
        "the model reads its input, most of full fine-tuning's gain.",
        "冻结词嵌入和底部四分之一的层、其余层参与训练：更少遗忘模型对输入的理解，保留全参数微调的大部分提升。",
    ),
    "presets.knowledge": (
        "Teach the model new facts: a constant learning rate (cosine to zero leaves the last epochs idle), best with "
        "the questions augmented in other words first (ftcore data augment --ops synonym,reorder,swap --factor 3).",
        "向模型注入新知识：恒定学习率（余弦降到零会让最后几个轮次几乎不学习），最好先把问题改写成多种说法再训练"
        "（ftcore data augment --ops synonym,reorder,swap --factor 3）。",
    ),
    "presets.full-sft": (
        "Supervised full fine-tuning on one GPU: bf16 autocast, cosine schedule with warmup, effective batch 32.",
        "单 GPU 监督式全参数微调：bf16 自动混合精度、带预热的余弦调度、有效批大小 32。",
    ),
    "presets.low-memory": (
        "Fit a larger model on one GPU: adafactor stepped in the backward pass (about 4-5 bytes of training state "
        "per parameter), gradient checkpointing.",
        "在单 GPU 上训练更大的模型：在反向传播中逐步执行 adafactor（每个参数约 4-5 字节训练状态）、梯度检查点。",
    ),
    "presets.multi-gpu-zero3": (
        "All GPUs of one node with DeepSpeed ZeRO-3: weights, gradients and optimizer states sharded across them.",
        "用 DeepSpeed ZeRO-3 使用一个节点的全部 GPU：权重、梯度和优化器状态分片到各个 GPU。",
    ),
    "presets.quick-cpu": (
        "A first run in minutes on a laptop or a small CPU machine: short, constant learning rate, short examples.",
        "在笔记本或小型 CPU 机器上几分钟完成第一次运行：步数少、学习率恒定、样本短。",
    ),
}
