"""Data tab: upload files, check them row by row, preview what the model sees, read the quality report, split
and augment, then hand the prepared dataset to the Train tab."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pandas as pd

import ftcore

from .i18n import UIError, both, error, lang_of, t, tr

AUGMENT_OPS = ["synonym", "reorder", "swap", "delete", "paraphrase"]


@dataclass
class DataTab:
    use: gr.Button
    prepared: gr.State


def load_files(files: list[str] | None, fmt: str, template: str, columns: str, on_input: bool = False,
               drop_reasoning: bool = False) -> list[ftcore.Example]:
    if not files:
        raise UIError("no_data_files")
    mapping = ftcore.parse_columns(columns)
    options = {"train_on_input": bool(on_input), "reasoning": "drop" if drop_reasoning else "keep"}
    examples = []
    for path in files:
        examples += ftcore.read_examples(path, fmt or "auto", (template or "").strip() or None, mapping, **options)
    return examples


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")


def plain(text: str) -> str:
    """User data or an engine text shown as it is inside Markdown: no markup, no HTML, its line breaks kept."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;")
    return _MARKDOWN.sub(r"\\\1", text).replace("\n", "<br>")


def named(exc: Exception, paths: list[str] | None) -> Exception:
    """The error with each uploaded file called by its own name, not by the server's temporary path (an
    upload keeps its name as the last part of that path)."""
    names = {str(Path(p)): Path(p).name for p in paths or []}
    if isinstance(exc, ftcore.DataError) and exc.path in names:
        exc = copy.copy(exc)
        exc.path = names[exc.path]
    if isinstance(getattr(exc, "problems", None), list):  # several bad rows in one error
        exc = copy.copy(exc)
        exc.problems = [named(p, paths) for p in exc.problems]
    return exc


def problems_markdown(exc: Exception, paths: list[str] | None, lang: str) -> str:
    """Each problem as a list item that wraps: file name, line, what is wrong, what to do."""
    lines = str(ftcore.localize(named(exc, paths), lang)).splitlines()
    return "\n".join([tr("data_problems", lang), "", *(f"- {plain(line)}" for line in lines)])


def preview_rows(examples: list[ftcore.Example], title: str, lang: str, n: int = 5) -> str:
    """The first rows as readable turns under the title (a key): role, then the text, a reasoning trace, the tool
    calls; the row's tools, and which turns are not learned where that differs from the role's default."""
    out = [f"#### {tr(title, lang)}", ""]
    for e in examples[:n]:
        head = (tr("data_row_label", lang, row=e.line, label=plain(e.meta["label"])) if "label" in e.meta
                else tr("data_row", lang, row=e.line))
        out += [head, ""]
        if e.meta.get("tools"):
            names = ", ".join(t["function"]["name"] for t in e.meta["tools"])
            out += [tr("data_tools", lang, names=plain(names)), ""]
        out += [turn_line(m, lang) for m in e.messages] + [""]
    return "\n".join(out)


def turn_line(m: dict, lang: str) -> str:
    """One turn as a list item."""
    role = f"**{plain(m['role'])}**"
    if "train" in m:  # set only where it differs from the role's default
        role += " · " + tr("data_learned" if m["train"] else "data_not_learned", lang)
    parts = []
    if m.get("reasoning_content"):
        parts.append(tr("data_reasoning", lang, text=plain(m["reasoning_content"])))
    if m["content"]:
        parts.append(plain(m["content"]))
    for call in m.get("tool_calls") or ():
        function = call["function"]
        arguments = json.dumps(function["arguments"], ensure_ascii=False)
        parts.append(tr("data_call", lang, call=plain(f"{function['name']}({arguments})")))
    return f"- {role}: " + "<br>".join(parts)


def report_markdown(report: dict, lang: str) -> str:
    """The engine's report as lines that wrap, its warnings as a list. The engine's text histogram (indented
    lines) is left out: the plot below shows the same counts."""
    lines, warnings = [], []
    for line in ftcore.format_report(report, lang).splitlines():
        if line.startswith("  - "):
            warnings.append(f"- {plain(line[4:])}")
        elif not line.startswith(" "):
            lines.append(plain(line))
    return "\n".join([*lines, "", *warnings])


def report_frames(report: dict, lang: str = "en") -> list[dict]:
    """The length histogram, language mix and label balance; a plot without data (no report, data without labels)
    is hidden, not an empty frame. Axis titles are set here in the request's language (a plot's translated title
    keys are not rendered by the browser)."""
    hist = pd.DataFrame([{"tokens": f"{b['start']}-{b['end']}", "rows": b["count"]}
                         for b in report.get("length_histogram", [])], columns=["tokens", "rows"])
    langs = report.get("languages", {})
    langs_frame = pd.DataFrame([{"language": k, "share": v} for k, v in langs.items()],
                               columns=["language", "share"])
    labels = report.get("labels") or {}
    lab = pd.DataFrame([{"label": k, "rows": v} for k, v in labels.items()], columns=["label", "rows"])
    titles = (("axis_tokens", "axis_rows"), ("axis_language", "axis_share"), ("axis_label", "axis_rows"))
    updates = [gr.update(value=frame, visible=not frame.empty, x_title=tr(x, lang), y_title=tr(y, lang))
               for frame, (x, y) in zip((hist, langs_frame, lab), titles, strict=True)]
    updates[0]["sort"] = list(hist["tokens"])  # the bins in length order ("800-900" before "1000-1100")
    return updates


def learned_spans(spans: list, lang: str) -> tuple[list, dict]:
    """The rendered row's spans with the learned tag in the request's language, and the colour map for it."""
    tag = tr("learned_tag", lang)
    return [(text, tag if label == "learned" else label) for text, label in spans], {tag: "green"}


def paraphraser(cache: ftcore.ModelCache, ref: str, ops: list[str]):
    """The paraphrase op asks the chosen model (slow on a CPU: a few seconds a row)."""
    if "paraphrase" not in ops:
        return None

    def generate(messages: list[dict[str, str]]) -> str:
        return ftcore.complete(cache, ref, messages, ftcore.Decoding(max_new_tokens=128))

    return ftcore.paraphrase_with_model(generate)


def warn_rejected(rewrite) -> None:
    """Say how many of the model's rewrites were not used (a name or number lost, a question answered)."""
    if rewrite is not None and rewrite.rejected:
        gr.Warning(both("paraphrase_rejected", used=rewrite.used, rejected=rewrite.rejected))


def build(settings: ftcore.Settings, cache: ftcore.ModelCache) -> DataTab:
    with gr.Tab(t("tab_data"), id="data"):
        with gr.Row():
            with gr.Column(scale=1):
                files = gr.File(label=t("data_files"), file_count="multiple", type="filepath", elem_id="data-files",
                                file_types=[".jsonl", ".json", ".csv", ".tsv", ".parquet", ".txt"])
                fmt = gr.Dropdown(["auto", *ftcore.FORMATS], value="auto", label=t("data_format"))
                template = gr.Textbox("", label=t("data_template"), info=t("data_template_info"), lines=2)
                columns = gr.Textbox("", label=t("data_columns"), info=t("data_columns_info"), max_lines=1)
                with gr.Row():
                    on_input = gr.Checkbox(False, label=t("train_on_input"), info=t("train_on_input_info"))
                    drop_reasoning = gr.Checkbox(False, label=t("drop_reasoning"), info=t("drop_reasoning_info"))
                model = gr.Dropdown([r["ref"] for r in ftcore.list_models(settings)], value=ftcore.DEFAULT_MODEL,
                                    allow_custom_value=True, label=t("model"), elem_id="data-model")
                chat_template = gr.Dropdown(["", *ftcore.CHAT_TEMPLATES], value="", allow_custom_value=True,
                                            label=t("chat_template"), info=t("chat_template_info"),
                                            elem_id="data-chat-template")
                max_length = gr.Number(512, label=t("max_length"), precision=0, minimum=16)
                check = gr.Button(t("check_data"), variant="primary", elem_id="check-data")
            with gr.Column(scale=2):
                summary = gr.Markdown(latex_delimiters=[], elem_id="data-summary")
                with gr.Accordion(t("preview"), open=True):
                    rendered = gr.HighlightedText(label=t("rendered"), color_map={"learned": "green"},
                                                  combine_adjacent=True, elem_id="data-rendered")
                    canonical = gr.Markdown(container=True, max_height=480, latex_delimiters=[],
                                            elem_id="data-canonical")
                with gr.Accordion(t("quality_report"), open=True):
                    report_md = gr.Markdown(latex_delimiters=[], line_breaks=True, elem_id="data-report")
                    # the histogram gets the whole width and slanted labels: its bins are many and named "a-b"
                    hist = gr.BarPlot(x="tokens", y="rows", label=t("length_histogram"), height=260, sort=None,
                                      x_label_angle=-45, y_lim=[0, None], visible=False, elem_id="data-histogram")
                    with gr.Row():
                        lang = gr.BarPlot(x="language", y="share", label=t("language_mix"), height=220, visible=False)
                        labels = gr.BarPlot(x="label", y="rows", label=t("label_balance"), height=220, visible=False,
                                            y_lim=[0, None], elem_id="data-labels")
                with gr.Accordion(t("split_augment"), open=False):
                    with gr.Row():
                        val_ratio = gr.Slider(0.0, 0.5, value=0.1, step=0.05, label=t("val_ratio"))
                        ops = gr.CheckboxGroup(AUGMENT_OPS, value=[], label=t("augment_ops"))
                        factor = gr.Slider(1, 5, value=1, step=1, label=t("augment_factor"))
                    augmented = gr.Markdown(container=True, max_height=480, latex_delimiters=[],
                                            elem_id="data-augmented")
                name = gr.Textbox("my-dataset", label=t("dataset_name"), max_lines=1)
                use = gr.Button(t("use_for_training"), variant="primary", elem_id="use-for-training")
                prepared = gr.State(None)

    def on_check(paths, f, tmpl, cols, learn_input, drop, ref, chat, length, request: gr.Request):
        lang = lang_of(request)
        try:
            examples = load_files(paths, f, tmpl, cols, learn_input, drop)
            tokenizer = ftcore.use_chat_template(ftcore.load_tokenizer(ref, settings), chat or None, settings)
            spans = ftcore.render_spans(examples[0], tokenizer, int(length))
            fmt_found = examples[0].meta.get("format", f)
            report = ftcore.quality_report(examples, fmt=fmt_found, tokenizer=tokenizer, max_length=int(length))
        except ftcore.UserError as exc:
            gr.Warning(both("data_has_problems"))
            return problems_markdown(exc, paths, lang), [], "", "", *report_frames({}, lang)
        head = tr("data_head", lang, n=len(examples), format=fmt_found, files=len(paths))
        spans, colors = learned_spans(spans, lang)
        return (head, gr.update(value=spans, color_map=colors), preview_rows(examples, "canonical", lang),
                report_markdown(report, lang), *report_frames(report, lang))

    def on_augment(paths, f, tmpl, cols, learn_input, drop, chosen, k, ref, request: gr.Request):
        if not chosen:
            return ""
        try:
            examples = load_files(paths, f, tmpl, cols, learn_input, drop)[:20]  # a preview: a few source rows are enough
            rewrite = paraphraser(cache, ref, list(chosen))
            rows = ftcore.augment_examples(examples, list(chosen), int(k), seed=42, paraphrase=rewrite)
        except ftcore.UserError as exc:
            raise error(named(exc, paths)) from None
        warn_rejected(rewrite)
        return preview_rows(rows, "augment_preview", lang_of(request))

    def on_use(paths, f, tmpl, cols, learn_input, drop, ratio, chosen, k, title, ref, chat):
        try:
            examples = load_files(paths, f, tmpl, cols, learn_input, drop)
            if chat:  # refused now, not when the run starts
                ftcore.template_source(chat, settings)
            rewrite = paraphraser(cache, ref, list(chosen or []))
            prepared_id = ftcore.prepare_dataset(settings, examples, title, val_ratio=float(ratio),
                                                 augment_ops=list(chosen or []), augment_factor=int(k),
                                                 paraphrase=rewrite, chat_template=chat or None)
        except ftcore.UserError as exc:
            raise error(named(exc, paths)) from None
        warn_rejected(rewrite)
        gr.Info(both("dataset_ready", name=prepared_id))
        return prepared_id

    inputs = [files, fmt, template, columns, on_input, drop_reasoning]
    check.click(on_check, [*inputs, model, chat_template, max_length],
                [summary, rendered, canonical, report_md, hist, lang, labels], api_name="check_data")
    ops.change(on_augment, [*inputs, ops, factor, model], augmented)
    factor.change(on_augment, [*inputs, ops, factor, model], augmented)
    use.click(on_use, [*inputs, val_ratio, ops, factor, name, model, chat_template], prepared,
              api_name="prepare_data")
    return DataTab(use=use, prepared=prepared)
