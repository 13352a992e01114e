"""Texts of the run configuration's fields as the app shows them: each knob's label (English, Chinese) and the
Chinese of its help (the English help is the field's own, in ftcore.config)."""

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "data": {
        "train": ("Training file", "训练数据文件"),
        "val": ("Validation file", "验证数据文件"),
        "format": ("Format", "格式"),
        "template": ("Prompt template", "提示模板"),
        "columns": ("Column mapping", "列映射"),
        "max_length": ("Max length", "最大长度"),
        "train_on_input": ("Learn the prompts too", "同时学习提问"),
        "reasoning": ("Reasoning traces", "推理过程"),
        "chat_template": ("Chat template", "对话模板"),
        "replay": ("Replay share", "回放比例"),
        "replay_source": ("Replay source", "回放来源"),
        "replay_prompts": ("Replay prompts", "回放提示文件"),
        "tasks": ("Tasks", "任务"),
    },
    "train": {
        "epochs": ("Epochs", "训练轮数"),
        "max_steps": ("Max steps (0 = use epochs)", "最大步数（0 = 按轮数）"),
        "learning_rate": ("Learning rate", "学习率"),
        "batch_size": ("Batch size", "批大小"),
        "grad_accum": ("Grad accum", "梯度累积"),
        "warmup_ratio": ("Warmup ratio", "预热比例"),
        "scheduler": ("Scheduler", "学习率调度"),
        "weight_decay": ("Weight decay", "权重衰减"),
        "max_grad_norm": ("Max grad norm", "梯度裁剪范数"),
        "save_steps": ("Save steps", "保存间隔步数"),
        "save_total_limit": ("Checkpoints kept", "保留检查点数"),
        "logging_steps": ("Steps between loss records", "记录间隔步数"),
        "seed": ("Seed", "随机种子"),
        "method": ("Method", "训练方法"),
        "freeze_trainable_layers": ("Freeze trainable layers", "可训练的顶层数（freeze）"),
        "freeze_bottom_layers": ("Frozen bottom layers", "冻结的底层数（freeze_bottom）"),
        "progressive_stages": ("Progressive stages", "渐进解冻阶段数"),
        "lora_rank": ("LoRA rank", "LoRA 秩"),
        "teacher": ("Teacher", "教师模型"),
        "distill_alpha": ("Distill alpha", "蒸馏 alpha"),
        "distill_temperature": ("Distill temperature", "蒸馏温度"),
        "anchor": ("Anchor to the base", "向基座锚定"),
        "anchor_weight": ("Anchor weight", "锚定权重"),
        "precision": ("Precision", "精度"),
        "gradient_checkpointing": ("Gradient checkpointing", "梯度检查点"),
        "optimizer": ("Optimizer", "优化器"),
        "optimizer_in_backward": ("Step in backward (low memory)", "反向传播中更新（低内存）"),
        "packing": ("Packing", "序列打包"),
        "eval_steps": ("Eval steps", "评估间隔步数"),
        "early_stopping_patience": ("Early stopping patience", "早停耐心值"),
        "stop_on_forgetting": ("Stop on forgetting (KL, nats)", "遗忘过多时停止（KL，奈特）"),
        "nan_tolerance": ("NaN tolerance", "NaN 容忍步数"),
        "save_precision": ("Save precision", "保存精度"),
    },
    "dist": {
        "nproc": ("Nproc", "进程数"),
        "nnodes": ("Nodes", "节点数"),
        "node_rank": ("Node rank", "节点序号"),
        "master_addr": ("Master address", "主节点地址"),
        "master_port": ("Master port", "主节点端口"),
        "strategy": ("Strategy", "并行策略"),
        "offload": ("Offload", "卸载到 CPU"),
    },
}

HELP_ZH: dict[str, dict[str, str]] = {
    "data": {
        "train": "训练数据文件（.jsonl 对话消息，或 text + label 行）。",
        "val": "验证数据文件（格式相同）。可选。",
        "format": "数据格式：auto、messages、alpaca、prompt_completion、text 或 classification。",
        "template": "分类数据的提示模板，用 {text} 表示文本的位置。",
        "columns": "列映射：格式字段 -> 你的列名，例如 text=clause,label=risk。",
        "max_length": "单条样本的最大词元数，超出部分会被截断。",
        "train_on_input": "同时学习用户的轮次，而不只是 assistant 的（某一轮自带的 loss_weight 或 train 标记仍以它为准）。",
        "reasoning": "assistant 的推理过程（reasoning_content，或回答中的 <think>...</think>）：keep（随回答一起学习）或 drop。",
        "chat_template": "训练时使用的对话模板（代替模型自带的，并随模型保存）：chatml-tools（随附：带工具调用的 ChatML，"
                         "适用于 SmolLM2 等 ChatML 模型）或工作区内的 .jinja 文件。",
        "replay": "防遗忘：在训练中混入通用指令数据（随附，中英文），按你的样本数的比例计（0.2 即每 5 条你的样本"
                  "加 1 条通用样本）。",
        "replay_source": "回放样本的来源：shipped（为 FullTune 编写的通用指令数据）或 self（基座模型自己对通用提示的"
                         "回答，训练前生成并缓存：保留模型自身的风格；data.replay 仍是比例）。提示使用你的数据的语言。",
        "replay_prompts": "replay_source=self 时：用你自己的通用提示（工作区内的文件：.txt 每行一条，或带 prompt "
                          "或 messages 字段的 .jsonl）代替随附的中英文提示。",
        "tasks": "多任务混合：多个数据集一起训练，各有自己的格式、验证文件和权重（CLI：重复 --data FILE[:WEIGHT]）。"
                 "用来代替 train/val。",
    },
    "train": {
        "epochs": "遍历训练数据的轮数（max_steps > 0 时忽略）。",
        "max_steps": "优化器步数达到此值后停止（0：按轮数）。",
        "learning_rate": "峰值学习率。全参数微调宜用较小的值（1e-5 到 1e-4）。",
        "batch_size": "每个设备每次前向传播的样本数。",
        "grad_accum": "每个优化器步包含的前向次数（有效批大小 = batch_size × grad_accum）。",
        "warmup_ratio": "学习率从 0 开始预热所占的步数比例。",
        "scheduler": "学习率调度：cosine、linear 或 constant。",
        "weight_decay": "AdamW 权重衰减。",
        "max_grad_norm": "把梯度裁剪到这个范数以内。",
        "save_steps": "每 N 步保存一个检查点（0：只保存最终模型）。",
        "save_total_limit": "最多保留的检查点个数。",
        "logging_steps": "每 N 步记录一次损失（0：CPU 上每步，GPU 上每 10 步，因为每次记录都要等待设备）。",
        "seed": "随机种子，决定数据顺序和初始化。",
        "method": "full：训练全部权重；freeze：只训练顶部 freeze_trainable_layers 层；freeze_bottom：词嵌入和底部 "
                  "freeze_bottom_layers 层保持冻结；progressive：先训练顶层，"
                  "每个阶段再多解冻一些；lora：低秩适配器（基线）；distill：同时学习标签和教师模型的 logits。",
        "freeze_trainable_layers": "method=freeze 时：训练顶部多少层（另加输出头）。",
        "freeze_bottom_layers": "method=freeze_bottom 时：与词嵌入一起冻结的底层数（0：层数的四分之一，向上取整）。"
                                "与词嵌入绑定的输出头就是词嵌入矩阵，也保持冻结。",
        "progressive_stages": "method=progressive 时：阶段数，每个阶段再解冻一部分层。",
        "lora_rank": "method=lora 时：适配器的秩（alpha = 2 × rank），作用于每个线性层。",
        "teacher": "method=distill 时：教师模型，通常是一个已完成的运行（取其最终模型），分词器须相同；"
                   "正在训练的模型（model.ref）是学生。",
        "distill_alpha": "method=distill 时：标签损失的权重，其余部分向教师学习。",
        "distill_temperature": "method=distill 时：两个分布的软化温度。",
        "anchor": "防遗忘：把模型拉向基座。none；l2（L2-SP：anchor_weight × 可训练权重与初始值的平方距离；"
                  "在设备上保留一份副本）；kl（anchor_weight × 回放样本上基座下一词分布到当前模型的 KL，"
                  "在第一步前计算一次并保存；需要 data.replay）。",
        "anchor_weight": "使用锚定时：惩罚项的权重（l2 可试 0.1 到 10，平方距离对所有可训练权重求和；"
                         "kl 可试 0.1 到 1，KL 是以 nats 计的平均值）。",
        "precision": "auto（支持 bf16 的 GPU 用 bf16，较旧的 GPU 用 fp16，CPU 上用 fp32）、fp32、bf16、fp16。",
        "gradient_checkpointing": "反向传播时重新计算激活值：更省显存，约慢 30%。",
        "optimizer": "优化器：adamw_torch_fused、adamw_torch、adamw_8bit、adafactor、adalomo、galore_adamw、sgd。",
        "optimizer_in_backward": "每个权重的梯度一算完就立即更新该权重并释放梯度：同一时刻只保留一个梯度。配合 adafactor "
                                 "即低内存全参数微调模式（每个参数约 4-5 字节训练状态，AdamW 为 16 字节）。仅限单进程、"
                                 "grad_accum 为 1、bf16 或 fp32；会记录梯度范数但不做裁剪（adafactor 自身限制每次更新的幅度）。",
        "packing": "无填充打包：把样本首尾拼接、不加填充（注意力仍彼此隔离）。",
        "eval_steps": "每 N 步评估一次（0：每轮一次）。需要验证文件。",
        "early_stopping_patience": "连续这么多次评估验证损失都没有改善就停止（0：从不）。",
        "stop_on_forgetting": "遗忘超过这么多奈特时停止（0：关闭）。遗忘在每次评估时测量，记为 forget_kl：在 32 条"
                              "中英文通用对话提示上，基座与微调模型下一个词元分布的平均 KL(base || tuned)（SmolLM2-135M "
                              "在咖啡师示例上以 lr 1e-4 训练 8 步后为 0.9，40 步后为 1.3，在 72 条事实上训练 4 轮后为 2.9："
                              "可试 1.5 到 3）；此时最终模型是测得仍在阈值内的最后一个检查点（开启时每次评估都会写一个检查点）。"
                              "需要验证文件。",
        "nan_tolerance": "连续这么多步出现 NaN/inf 损失或梯度时停止运行。",
        "save_precision": "最终模型的保存精度：fp32 或 bf16。",
    },
    "dist": {
        "nproc": "本节点的进程数：每块 GPU 一个；没有 GPU 的机器上为 CPU 进程数。",
        "nnodes": "参与训练的机器数；每台运行同一条命令，各自带上自己的 node_rank。",
        "node_rank": "本机在所有节点中的序号（0 号节点负责写运行目录）。",
        "master_addr": "0 号节点的地址，须能从每个节点访问（多机训练时必填）。",
        "master_port": "0 号节点上一个空闲的 TCP 端口（仅多机训练）。",
        "strategy": "ddp：每个进程持有完整模型；zero1/zero2/zero3：DeepSpeed 在进程间切分优化器状态 / 再加梯度 / "
                    "再加权重；fsdp：PyTorch 自带的分片。",
        "offload": "把优化器状态（optimizer）或连同权重（params）放到 CPU 内存；GPU 上仅 zero2/zero3 支持。",
    },
    "task": {
        "train": "该任务的训练数据文件。",
        "name": "该任务在曲线和报告中的名称（默认：文件名）。",
        "val": "该任务的验证数据文件。可选。",
        "format": "该任务文件的数据格式（auto 自动识别）。",
        "template": "该任务分类数据的提示模板，用 {text} 表示文本的位置。",
        "columns": "该任务文件的列映射：格式字段 -> 你的列名。",
        "weight": "采样权重：该任务在训练样本中的占比为 weight / 权重之和（行会被重复或下采样以达到该占比）。",
    },
    "model": {
        "ref": "基础模型：内置模型名、Hub ID（owner/name）、本地目录或运行 ID。",
        "trust_remote_code": "运行模型仓库自带的 Python 代码。仅用于你信任的模型。",
    },
}
