"""Every user-facing string of the UI, in English and Chinese, behind one gr.I18n table."""

from __future__ import annotations

import gradio as gr

EN = {
    "title": "# FullTune — full-parameter fine-tuning",
    "subtitle": "Upload chat data, fine-tune every weight of the model in a background worker, watch the loss, "
                "then compare the base and the fine-tuned model side by side.",
    "tab_train": "Train",
    "tab_compare": "Compare",
    "data_source": "Training data",
    "data_upload": "Or upload a .jsonl file (chat messages, or text + label rows)",
    "model": "Base model",
    "model_info": "An embedded model name, a Hub id (owner/name) or a finished run.",
    "epochs": "Epochs",
    "learning_rate": "Learning rate",
    "lr_info": "Full fine-tuning wants small values: 1e-5 to 1e-4.",
    "max_steps": "Max steps (0 = use epochs)",
    "batch_size": "Batch size",
    "run_name": "Run name",
    "start": "Start training",
    "stop": "Stop run",
    "refresh": "Refresh",
    "runs": "Runs",
    "status": "Status",
    "loss_curve": "Loss",
    "compare_run": "Fine-tuned run",
    "prompt": "Prompt",
    "prompt_placeholder": "Ask both models the same question",
    "generate": "Ask both",
    "base_answer": "Base model",
    "tuned_answer": "Fine-tuned model",
    "max_new_tokens": "Max new tokens",
}

ZH = {
    "title": "# FullTune — 全参数微调",
    "subtitle": "上传对话数据，在后台进程中微调模型的全部参数，实时查看损失曲线，再把基础模型和微调后的模型并排对比。",
    "tab_train": "训练",
    "tab_compare": "对比",
    "data_source": "训练数据",
    "data_upload": "或上传 .jsonl 文件（对话消息，或 text + label 行）",
    "model": "基础模型",
    "model_info": "内置模型名、Hub 模型 ID（owner/name）或已完成的运行。",
    "epochs": "训练轮数",
    "learning_rate": "学习率",
    "lr_info": "全参数微调宜用较小的学习率：1e-5 到 1e-4。",
    "max_steps": "最大步数（0 = 按轮数）",
    "batch_size": "批大小",
    "run_name": "运行名称",
    "start": "开始训练",
    "stop": "停止运行",
    "refresh": "刷新",
    "runs": "运行列表",
    "status": "状态",
    "loss_curve": "损失",
    "compare_run": "微调后的运行",
    "prompt": "提示词",
    "prompt_placeholder": "向两个模型提出同一个问题",
    "generate": "同时提问",
    "base_answer": "基础模型",
    "tuned_answer": "微调后的模型",
    "max_new_tokens": "最大生成长度",
}

I18N = gr.I18n(en=EN, zh=ZH)


def t(key: str):
    """The translation key for a label; the browser's language picks the text."""
    if key not in EN:
        raise KeyError(key)
    return I18N(key)
