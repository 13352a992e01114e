"""Every user-facing string of the UI, in English and Chinese, in one table; three ways to show one.

t(key): static texts (labels, tooltips, buttons, tabs, Markdown); the browser's language picks the text.
tr(key, lang, **values): texts a handler composes around data; gradio translates a key only when it is a whole
value, so the handler renders it in the request's language (lang_of).
both(key, **values): toasts and errors, which gradio shows untranslated: English / Chinese in one line.

The engine's own texts (its errors, plan, steps, report) come from its catalog (ftcore.messages): a value of tr()
that is one of them renders in the same language, and error(exc) shows an engine error like both().
"""

from __future__ import annotations

import gradio as gr

import ftcore

from .i18n_help import field_texts

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("# FullTune — full-parameter fine-tuning", "# FullTune — 全参数微调"),
    "subtitle": ("Upload chat data, fine-tune every weight of the model in a background worker, watch the loss, "
                 "then compare the base and the fine-tuned model side by side.",
                 "上传对话数据，在后台进程中微调模型的全部参数，实时查看损失曲线，再把基础模型和微调后的模型并排对比。"),
    "model": ("Base model", "基础模型"),
    "model_info": ("An embedded model name, a Hub id (owner/name) or a finished run.",
                   "内置模型名、Hub 模型 ID（owner/name）或已完成的运行。"),
    "prompt": ("Prompt", "提示词"),
    "max_new_tokens": ("Max new tokens", "最大生成长度"),
    "clear": ("Clear", "清空"),
    "pick_run": ("Pick a finished run first.", "请先选择一个已完成的运行。"),
    # guided first run
    "guided_title": ("First run, guided", "引导式首次运行"),
    "guided_intro": ("The barista demo data and the embedded model are ready. One click checks the data, plans the "
                     "memory, trains a run sized to this machine (a few minutes on a CPU, the full recipe on a GPU), "
                     "then compares base, base + prompt and fine-tuned, with the forgetting probes.",
                     "咖啡师示例数据和内置模型已就绪。一键完成：检查数据、估算显存/内存、按本机硬件训练一次（CPU 上几分钟，"
                     "GPU 上完整配方），再对比基础模型、基础模型 + 提示词与微调后模型，并运行遗忘探针。"),
    "guided_start": ("Start the guided run", "开始引导式运行"),
    # Data tab
    "tab_data": ("Data", "数据"),
    "data_files": ("Data files (.jsonl, .json, .csv, .tsv, .parquet, .txt)",
                   "数据文件（.jsonl、.json、.csv、.tsv、.parquet、.txt）"),
    "data_format": ("Format", "格式"),
    "data_template": ("Prompt template (classification)", "提示模板（分类任务）"),
    "data_template_info": ("Put {text} where the row's text goes, e.g. 合同类型：{text}\\n法律风险评级：",
                           "用 {text} 表示每行文本的位置，例如 合同类型：{text}\\n法律风险评级："),
    "data_columns": ("Column mapping", "列映射"),
    "data_columns_info": ("field=column pairs, e.g. text=clause,label=risk", "字段=列名，例如 text=clause,label=risk"),
    "max_length": ("Max length (tokens)", "最大长度（词元）"),
    "check_data": ("Check data", "检查数据"),
    "preview": ("Preview", "预览"),
    "rendered": ("What the model sees (green: learned tokens)", "模型看到的内容（绿色：参与训练的词元）"),
    "canonical": ("Canonical messages (first rows)", "规范化消息（前几行）"),
    "quality_report": ("Quality report", "质量报告"),
    "length_histogram": ("Token lengths", "词元长度分布"),
    "language_mix": ("Language mix", "语言分布"),
    "label_balance": ("Label balance", "标签分布"),
    "split_augment": ("Split and augment", "划分与增强"),
    "val_ratio": ("Validation share", "验证集比例"),
    "augment_ops": ("Augmentation", "数据增强"),
    "augment_factor": ("New rows per row", "每行新增行数"),
    "augment_preview": ("Augmented rows (preview)", "增强后的行（预览）"),
    "dataset_name": ("Dataset name", "数据集名称"),
    "use_for_training": ("Use for training", "用于训练"),
    "data_head": ("**{n} examples** · format `{format}` · {files} file(s)", "**{n} 条样本** · 格式 `{format}` · {files} 个文件"),
    "data_problems": ("**Problems**", "**问题**"),
    "data_has_problems": ("The data has problems; see the list.", "数据有问题，请查看列表。"),
    "dataset_ready": ("Dataset '{name}' is ready: it is selected in the Train tab.",
                      "数据集“{name}”已就绪，已在“训练”页选中。"),
    "no_data_files": ("Upload at least one data file (.jsonl, .json, .csv, .tsv, .parquet or .txt).",
                      "请至少上传一个数据文件（.jsonl、.json、.csv、.tsv、.parquet 或 .txt）。"),
    # Train tab
    "tab_train": ("Train", "训练"),
    "data_source": ("Training data", "训练数据"),
    "data_upload": ("Or upload a .jsonl file (chat messages, or text + label rows)",
                    "或上传 .jsonl 文件（对话消息，或 text + label 行）"),
    "source_demo": ("Demo: {description}", "示例：{description}"),
    "source_prepared": ("Prepared: {name} ({train} train{split})", "已准备：{name}（训练 {train} 条{split}）"),
    "source_prepared_val": (", {n} validation", "，验证 {n} 条"),
    "source_upload": ("Uploaded file", "上传的文件"),
    "mixture": ("Multi-task mixture", "多任务混合"),
    "mixture_help": ("Train on several datasets at once: pick one above, give it a weight (its sampling share), add "
                     "it; repeat. An empty table trains on the one dataset above.",
                     "同时在多个数据集上训练：在上方选一个数据集，给它一个权重（采样占比），加入表格；重复即可。"
                     "表格为空时只用上方的那一个数据集训练。"),
    "mix_weight": ("Weight", "权重"),
    "mix_add": ("Add to mixture", "加入混合"),
    "mix_check": ("**Check the mixture:** {error}", "**请检查混合设置：**{error}"),
    "mix_share_unavailable": ("Token share unavailable: {error}", "无法计算词元占比：{error}"),
    "mix_table_head": ("| task | weight | rows | examples | mean tokens | token share |",
                       "| 任务 | 权重 | 行数 | 样本数 | 平均词元数 | 词元占比 |"),
    "mix_bad_weight": ("The weight of {source} is '{weight}': give a number > 0.",
                       "{source} 的权重是“{weight}”：请填写大于 0 的数。"),
    "preset": ("Preset", "预设"),
    "use_lr": ("Use the suggested learning rate", "使用建议的学习率"),
    "advanced": ("Advanced", "高级设置"),
    "devices_strategy": ("Devices and strategy", "设备与并行策略"),
    "devices_gpus": ("**Devices** ({n} GPUs): {devices}", "**设备**（{n} 块 GPU）：{devices}"),
    "devices_cpu": ("**Devices** (no GPU: training runs on the CPU): {devices}",
                    "**设备**（无 GPU：在 CPU 上训练）：{devices}"),
    "run_name": ("Run name", "运行名称"),
    "start": ("Start training", "开始训练"),
    "command_line": ("Command line", "命令行"),
    "check_settings": ("**Check the settings:** {error}", "**请检查设置：**{error}"),
    "plan_unavailable": ("Plan unavailable for {model}: {error}", "无法为 {model} 估算资源：{error}"),
    "no_lr_suggestion": ("No suggestion for {model}: {error}", "无法为 {model} 给出建议：{error}"),
    "knob_empty": ("{name} is empty; give it a value.", "{name} 为空，请填写一个值。"),
    "upload_first": ("Upload a data file first, or pick a demo or prepared dataset.",
                     "请先上传数据文件，或选择示例数据集或已准备的数据集。"),
    "unknown_source": ("Unknown data source '{source}': pick one from the list ({demos}, a prepared dataset or an "
                       "upload).", "未知的数据来源“{source}”：请从列表中选择（{demos}、已准备的数据集或上传的文件）。"),
    "prepared_gone": ("Prepared dataset '{source}' is gone; prepare it again in the Data tab.",
                      "已准备的数据集“{source}”不存在了，请在“数据”页重新准备。"),
    "runs": ("Runs", "运行列表"),
    "refresh": ("Refresh", "刷新"),
    "stop": ("Stop run", "停止运行"),
    "resume": ("Resume", "继续训练"),
    "pick_run_resume": ("Pick a run to resume.", "请选择要继续的运行。"),
    "loss_curve": ("Loss", "损失"),
    "tokens_per_second": ("Tokens/s", "词元/秒"),
    "lr_curve": ("Learning rate", "学习率"),
    "grad_norm": ("Gradient norm", "梯度范数"),
    "log": ("Log", "日志"),
    "series_train": ("train", "训练"),
    "series_validation": ("validation", "验证"),
    "series_validation_task": ("validation · {task}", "验证 · {task}"),
    "series_lr": ("learning rate", "学习率"),
    "series_grad": ("grad norm", "梯度范数"),
    "series_speed": ("tokens/s", "词元/秒"),
    "log_tail": ("worker.log (last lines)", "worker.log（最后几行）"),
    "no_run": ("No run yet.", "暂无运行。"),
    "status_step": ("step {step} / {total}", "第 {step} / {total} 步"),
    "status_loss": ("loss {loss}", "损失 {loss}"),
    "status_eta": ("ETA {eta}", "预计剩余 {eta}"),
    "status_queued": ("Waiting for the device: another run is using it. It starts by itself when that one ends.",
                      "正在等待设备：另一个运行正在使用它，那个运行结束后会自动开始。"),
    "status_resumable": ("A checkpoint exists: **Resume** continues from it.", "已有检查点：点击 **继续训练** 从检查点继续。"),
    "status_done": ("Finished: open the Compare tab to talk to both models.", "已完成：打开“对比”页，与两个模型对话。"),
    # Compare tab
    "tab_compare": ("Compare", "对比"),
    "compare_run": ("Fine-tuned run", "微调后的运行"),
    "finished_run": ("{run} (base: {model})", "{run}（基础模型：{model}）"),
    "left_model": ("Left model", "左侧模型"),
    "right_model": ("Right model", "右侧模型"),
    "blind": ("Blind A/B (hide which model is which; vote)", "盲测 A/B（隐藏模型身份，投票）"),
    "prompt_placeholder": ("Ask both models the same question", "向两个模型提出同一个问题"),
    "generate": ("Ask both", "同时提问"),
    "new_conversation": ("New conversation", "新对话"),
    "base_answer": ("Base model", "基础模型"),
    "tuned_answer": ("Fine-tuned model", "微调后的模型"),
    "model_a": ("Model A", "模型 A"),
    "model_b": ("Model B", "模型 B"),
    "vote_a": ("A is better", "A 更好"),
    "vote_tie": ("Tie", "平局"),
    "vote_b": ("B is better", "B 更好"),
    "vote_saved": ("Saved. A was **{a}**, B was **{b}**. Votes so far for this run: A {votes_a}, B {votes_b}, "
                   "tie {ties}.", "已保存。A 是 **{a}**，B 是 **{b}**。本运行目前的投票：A {votes_a}，B {votes_b}，"
                                  "平局 {ties}。"),
    "forgetting_report": ("### Forgetting report", "### 遗忘报告"),
    "probe_table": ("Probes: base vs fine-tuned", "探针：基础模型 vs 微调后"),
    "probe_scores": ("Probe scores (%)", "探针得分（%）"),
    "domain_metrics": ("Domain metrics", "领域指标"),
    "tradeoff": ("Gain vs forgetting (each candidate)", "收益与遗忘（每个候选模型）"),
    "pick_run_compare": ("Pick a finished run first (train one in the Train tab).",
                         "请先选择一个已完成的运行（可在“训练”页训练一个）。"),
    "type_prompt": ("Type a prompt first.", "请先输入提示词。"),
    "ask_first": ("Ask both models something first.", "请先向两个模型提一个问题。"),
    "empty_answer": ("*(no text: the model ended its answer at once)*", "*（无文本：模型立即结束了回答）*"),
    "choice_base": ("base ({model})", "基础模型（{model}）"),
    "choice_final": ("final", "最终模型"),
    "pick_finished_run": ("Pick a finished run.", "请选择一个已完成的运行。"),
    "no_report": ("**{run}** has no evaluation report yet: it is written when training ends "
                  "(or run `ftcore compare {run} --rerun`).",
                  "**{run}** 还没有评估报告：训练结束时会生成（也可运行 `ftcore compare {run} --rerun`）。"),
    "recommended": ("**Recommended:** {recommendation} Forgetting budget: {budget} points (percent for "
                    "perplexity).{domain}", "**推荐：**{recommendation} 遗忘预算：{budget} 个百分点（困惑度按百分比计）。"
                                            "{domain}"),
    "domain_split": (" Domain data: {split}.", "领域数据：{split}。"),
    "badge_kept": ("✔ kept", "✔ 保持"),
    "badge_gained": ("▲ gained", "▲ 提升"),
    "badge_forgot": ("✖ forgot", "✖ 遗忘"),
    "badge_info": ("· info", "· 仅供参考"),
    "unit_qa": ("% correct", "% 正确"),
    "unit_checks": ("% meeting constraints", "% 满足约束"),
    "unit_ppl": ("perplexity", "困惑度"),
    "unit_kl": ("nats", "奈特"),
    "series_base": ("base", "基础模型"),
    "series_fewshot": ("base + {k}-shot prompt", "基础模型 + {k} 例提示"),
    # Chat tab
    "tab_chat": ("Chat", "对话"),
    "system_prompt": ("System prompt", "系统提示词"),
    "temperature": ("Temperature (0 = greedy)", "温度（0 = 贪心解码）"),
    "top_p": ("Top-p", "Top-p"),
    "stop_strings": ("Stop strings (comma-separated)", "停止词（逗号分隔）"),
    "use_in_app": ("Use it in your app", "在你的应用中使用"),
    "use_in_app_help": ("An OpenAI-compatible endpoint (`ftcore serve`) and GGUF for llama.cpp and Ollama "
                        "(`ftcore export --format gguf`); copy the snippet.",
                        "OpenAI 兼容接口（`ftcore serve`）以及供 llama.cpp 和 Ollama 使用的 GGUF"
                        "（`ftcore export --format gguf`）；复制下面的代码即可。"),
    "chat_device": ("Device for chat models", "对话模型的设备"),
    "chat_device_info": ("When every GPU is training: a GPU with room beside the run, else as chosen here.",
                         "所有 GPU 都在训练时：优先使用训练之外仍有余量的 GPU，否则按此处的选择。"),
    "chat_device_auto": ("A free GPU, else the CPU", "空闲 GPU，否则 CPU"),
    "chat_device_gpu": ("Wait for a GPU", "等待 GPU"),
    "chat_device_cpu": ("The CPU", "CPU"),
    "send": ("Send", "发送"),
    "type_message": ("Type a message first.", "请先输入消息。"),
    "no_text": ("*(no text)*", "*（无文本）*"),
    # Publish tab
    "tab_publish": ("Publish", "发布"),
    "publish_run": ("Finished run", "已完成的运行"),
    "hub_token": ("Hub token (write access; kept for this browser session only)",
                  "Hub 访问令牌（需写权限；仅保存在本次浏览器会话中）"),
    "hub_login": ("Sign in with Hugging Face", "使用 Hugging Face 登录"),
    "sign_in_first": ("Sign in with Hugging Face first (the button above).", "请先使用 Hugging Face 登录（上方按钮）。"),
    "hub_repo": ("Repository (owner/name)", "仓库（所有者/名称）"),
    "hub_private": ("Private repository", "私有仓库"),
    "hub_license": ("License", "许可证"),
    "hub_license_info": ("Empty: the base model's license.", "留空：沿用基础模型的许可证。"),
    "hub_endpoint": ("Hub address", "Hub 地址"),
    "make_card": ("Write the model card", "生成模型卡"),
    "save_card": ("Save my edits", "保存修改"),
    "card_saved": ("Card saved.", "模型卡已保存。"),
    "card_text": ("Model card (editable)", "模型卡（可编辑）"),
    "card_preview": ("Card preview", "模型卡预览"),
    "push": ("Push to the Hub", "推送到 Hub"),
    "pushed": ("✅ Pushed {n} files to **{repo}** ({visibility}): [{link}]({link})",
               "✅ 已推送 {n} 个文件到 **{repo}**（{visibility}）：[{link}]({link})"),
    "private": ("private", "私有"),
    "public": ("public", "公开"),
    "export_zip": ("Download as .zip", "下载 .zip"),
    "export_file": ("Export", "导出文件"),
}

_KNOBS_EN, _KNOBS_ZH = field_texts()
EN = {key: en for key, (en, _) in TEXTS.items()} | _KNOBS_EN
ZH = {key: zh for key, (_, zh) in TEXTS.items()} | _KNOBS_ZH
I18N = gr.I18n(en=EN, zh=ZH)


def t(key: str):
    """The translation key for a static text; the browser's language picks the text."""
    if key not in EN:
        raise KeyError(key)
    return I18N(key)


def lang_of(request: gr.Request | None) -> str:
    """The request's language as the browser sends it (its first choice): "zh" for any Chinese, else "en"."""
    header = request.headers.get("accept-language", "") if request is not None else ""
    return "zh" if header.split(",")[0].strip().lower().startswith("zh") else "en"


def tr(key: str, lang: str = "en", **values) -> str:
    """A text in one language, with its {placeholders} filled; a value that is an engine text or error renders
    in the same language."""
    text = (ZH if lang == "zh" else EN)[key]
    return text.format(**{k: ftcore.localize(v, lang) for k, v in values.items()}) if values else text


def both(key: str, **values) -> str:
    """English and Chinese in one line, for toasts and errors (gradio does not translate those)."""
    return both_of(UIError(key, **values))


def both_of(value) -> str:
    """An engine text or error (anything else as it is) in English and Chinese in one line, like both()."""
    en, zh = str(ftcore.localize(value, "en")), str(ftcore.localize(value, "zh"))
    return en if en == zh else f"{en} / {zh}"


def error(exc: Exception, **kwargs) -> gr.Error:
    """The toast for an error the engine (or the UI) raised: English / Chinese, like both()."""
    return gr.Error(both_of(exc), **kwargs)


class UIError(ftcore.UserError):
    """An error of the UI's own: its key is one of TEXTS; handlers show it with error(), as the engine's."""

    def text(self, lang: str = "en") -> str:
        return tr(self.key, lang, **self.values)
