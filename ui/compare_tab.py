"""Compare tab: two of a run's models (base, final, a checkpoint) answer side by side, streamed together with the
same decoding, each side keeping its own conversation; a blind A/B mode whose votes are saved with the run; the
probe table and scores, the domain metrics and the gain-vs-forgetting plot from the run's report."""

from __future__ import annotations

import random

import gradio as gr

import ftcore

from .compare_view import domain_table, load, model_choices, probe_plot, probe_table, summary, tradeoff_plot
from .i18n import both, error, lang_of, t, tr
from .train_view import get_run, message_text


def finished_runs(settings: ftcore.Settings, lang: str = "en") -> list[tuple[str, str]]:
    out = []
    for run in ftcore.RunStore(settings).list():
        if run.status().get("state") == "done" and (run.final_dir / "config.json").is_file():
            out.append((tr("finished_run", lang, run=run.id, model=run.config().model.ref), run.id))
    return out


def build(settings: ftcore.Settings, cache: ftcore.ModelCache):
    with gr.Tab(t("tab_compare"), id="compare") as tab:
        with gr.Row():
            run = gr.Dropdown(finished_runs(settings), value=None, label=t("compare_run"), elem_id="compare-run")
            left = gr.Dropdown([], label=t("left_model"), elem_id="compare-left")
            right = gr.Dropdown([], label=t("right_model"), elem_id="compare-right")
        with gr.Row():
            blind = gr.Checkbox(False, label=t("blind"), elem_id="compare-blind")
            max_new = gr.Slider(16, 512, value=128, step=16, label=t("max_new_tokens"))
        prompt = gr.Textbox(label=t("prompt"), placeholder=t("prompt_placeholder"), lines=2, elem_id="compare-prompt")
        with gr.Row():
            ask = gr.Button(t("generate"), variant="primary", elem_id="compare-ask")
            clear = gr.Button(t("new_conversation"), size="sm")
        with gr.Row():
            base = gr.Chatbot(label=t("base_answer"), height=360, elem_id="base-answer")
            tuned = gr.Chatbot(label=t("tuned_answer"), height=360, elem_id="tuned-answer")
        with gr.Row(visible=False) as vote_row:
            vote_a = gr.Button(t("vote_a"), elem_id="vote-a")
            vote_tie = gr.Button(t("vote_tie"), elem_id="vote-tie")
            vote_b = gr.Button(t("vote_b"), elem_id="vote-b")
        voted = gr.Markdown("", elem_id="vote-result")
        gr.Markdown(t("forgetting_report"))
        verdict = gr.Markdown("", elem_id="report-summary")
        # shown on narrow screens only, where the tables scroll sideways (their first column stays put)
        gr.HTML(t("table_hint"), css_template="display: none; @media (max-width: 640px) { display: block; }",
                elem_id="table-hint")
        with gr.Row():
            table = gr.Dataframe(probe_table(None), label=t("probe_table"), interactive=False, wrap=True,
                                 pinned_columns=1, scale=3, elem_id="probe-table")
            # no data until a run is picked: a plot's first drawing must have its series (compare_view.plot_update)
            scores = gr.ScatterPlot(None, x="suite", y="score", color="model", label=t("probe_scores"),
                                  x_title=t("col_suite"), y_title=t("axis_score"), color_title=t("col_model"),
                                  scale=2, elem_id="probe-plot")
        with gr.Row():
            domain = gr.Dataframe(domain_table(None), label=t("domain_metrics"), interactive=False, wrap=True,
                                  pinned_columns=1, scale=3, elem_id="domain-table")
            scatter = gr.ScatterPlot(None, x="forgetting", y="domain", color="candidate", label=t("tradeoff"),
                                     x_title=t("axis_forgetting"), y_title=t("col_metric"),
                                     color_title=t("axis_candidate"), scale=2, elem_id="tradeoff-plot")
        waiting = gr.Timer(5.0, active=False)  # while the picked run's report is still being written
        swapped = gr.State(False)  # blind mode: whether A is the right-hand model
        histories = gr.State(([], []))  # each side's own conversation

    def on_select_tab(run_id, request: gr.Request):
        """The finished runs; with none picked yet, the empty tables' headers in the reader's language."""
        lang = lang_of(request)
        choices = gr.update(choices=finished_runs(settings, lang))
        if run_id:
            return choices, gr.update(), gr.update()
        return choices, probe_table(None, lang=lang), domain_table(None, lang)

    def on_run(run_id, request: gr.Request):
        lang = lang_of(request)
        r = get_run(settings, run_id)
        choices = model_choices(r, lang)
        report = load(r)
        refs = [ref for _, ref in choices]
        left_ref = refs[0] if refs else None
        right_ref = r.id if r and r.id in refs else (refs[-1] if refs else None)
        pending = report is None and r is not None and ftcore.busy(r.status())
        return (gr.update(choices=choices, value=left_ref), gr.update(choices=choices, value=right_ref),
                summary(report, r, lang), probe_table(report, lang=lang), None, domain_table(report, lang), None,
                [], [], ([], []), "", gr.Timer(active=pending))  # the plots emptied: on_plots draws them afresh

    def on_wait(run_id, request: gr.Request):
        """A report that lands while its run is shown: the summary, tables, plots and the new model choices (a
        recommended blend) appear without a new pick; the conversations and the picked models stay."""
        r = get_run(settings, run_id)
        report = load(r)
        if r is not None and report is None and ftcore.busy(r.status()):
            return (gr.skip(),) * 8
        lang = lang_of(request)
        choices = model_choices(r, lang)
        return (gr.update(choices=choices), gr.update(choices=choices), summary(report, r, lang),
                probe_table(report, lang=lang), domain_table(report, lang), probe_plot(report, lang),
                tradeoff_plot(report, lang), gr.Timer(active=False))

    def on_plots(run_id, request: gr.Request):
        """The report's plots, once on_run has emptied them: gradio 6.31 builds a plot's Vega spec (each series'
        colour, the axes) when the plot appears and afterwards only swaps data in, so an emptied plot is redrawn
        whole from the new run's data (see compare_view.plot_update)."""
        lang = lang_of(request)
        report = load(get_run(settings, run_id))
        return probe_plot(report, lang), tradeoff_plot(report, lang)

    def on_blind(on):
        labels = (t("model_a"), t("model_b")) if on else (t("base_answer"), t("tuned_answer"))
        return (gr.update(label=labels[0], value=[]), gr.update(label=labels[1], value=[]), gr.update(visible=on),
                random.random() < 0.5, ([], []), "")

    def on_ask(left_ref, right_ref, text, tokens, is_blind, swap, state, request: gr.Request):
        if not left_ref or not right_ref:
            raise gr.Error(both("pick_run_compare"))
        if not (text or "").strip():
            raise gr.Error(both("type_prompt"))
        refs = (right_ref, left_ref) if is_blind and swap else (left_ref, right_ref)
        past = state if not (is_blind and swap) else (state[1], state[0])
        turns = [list(past[0]) + [{"role": "user", "content": text}],
                 list(past[1]) + [{"role": "user", "content": text}]]
        decoding = ftcore.Decoding(max_new_tokens=int(tokens))
        a = b = ""
        try:
            for a, b in ftcore.side_by_side(cache, refs[0], refs[1], turns[0], decoding, right_messages=turns[1]):
                yield _show(turns[0], a), _show(turns[1], b), state
        except ftcore.UserError as exc:
            raise error(exc) from None
        empty = tr("empty_answer", lang_of(request))
        done = (_show(turns[0], a.strip() or empty), _show(turns[1], b.strip() or empty))
        kept = (done[0], done[1]) if not (is_blind and swap) else (done[1], done[0])
        yield done[0], done[1], kept

    def on_clear():
        return [], [], ([], []), ""

    def vote(winner):
        def handler(run_id, left_ref, right_ref, swap, left_chat, request: gr.Request):
            r = get_run(settings, run_id)
            if r is None or not left_chat:
                raise gr.Error(both("ask_first"))
            a, b = (right_ref, left_ref) if swap else (left_ref, right_ref)
            prompt_text = next((message_text(m["content"]) for m in reversed(left_chat) if m["role"] == "user"), "")
            r.add_vote(prompt_text, a, b, winner)
            lang = lang_of(request)
            names = {ref: label for label, ref in model_choices(r, lang)}
            tally = {w: sum(v["winner"] == w for v in r.votes()) for w in ("a", "b", "tie")}
            return tr("vote_saved", lang, a=names.get(a, a), b=names.get(b, b), votes_a=tally["a"],
                      votes_b=tally["b"], ties=tally["tie"])
        return handler

    tab.select(on_select_tab, run, [run, table, domain], api_name="compare_runs")
    run.change(on_run, run, [left, right, verdict, table, scores, domain, scatter, base, tuned, histories, voted,
                             waiting], api_name="show_comparison").then(on_plots, run, [scores, scatter])
    waiting.tick(on_wait, run, [left, right, verdict, table, domain, scores, scatter, waiting])
    blind.change(on_blind, blind, [base, tuned, vote_row, swapped, histories, voted])
    ask_inputs = [left, right, prompt, max_new, blind, swapped, histories]
    ask.click(on_ask, ask_inputs, [base, tuned, histories], api_name="compare")
    prompt.submit(on_ask, ask_inputs, [base, tuned, histories], api_visibility="private")
    clear.click(on_clear, None, [base, tuned, histories, voted])
    for button, winner in ((vote_a, "a"), (vote_b, "b"), (vote_tie, "tie")):
        button.click(vote(winner), [run, left, right, swapped, base], voted)


def _show(turns: list[dict[str, str]], answer: str) -> list[dict[str, str]]:
    return [*turns, {"role": "assistant", "content": answer}]
