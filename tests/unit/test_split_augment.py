"""Train/validation split and data augmentation, on literal examples."""

import pytest

from ftcore.data.augment import (
    OPS,
    PARAPHRASE_SHOTS,
    augment_examples,
    kept_meaning,
    load_synonyms,
    paraphrase_with_model,
)
from ftcore.data.read import Example
from ftcore.data.split import split_examples
from ftcore.errors import DataError, UserError

TEMPLATE = "合同类型：{text}\n法律风险评级："
CONTRACT = "本合同生效后，乙方应在十五日内支付货款，逾期付款的应当支付违约金。"


def chat(line, user, answer="Use a finer grind.", system=None):
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return Example(messages, line)


def labelled(line, text, label):
    return Example([{"role": "user", "content": TEMPLATE.format(text=text)}, {"role": "assistant", "content": label}],
                   line, {"label": label, "text": text})


def user_text(example):
    return [m["content"] for m in example.messages if m["role"] == "user"]


def answers(example):
    return [m for m in example.messages if m["role"] != "user"]


CHATS = [chat(i, f"My espresso tastes sour. I use a good grinder. Question number {i} please?") for i in range(1, 21)]
ROWS = [labelled(i, f"条款{i}：甲方有权随时单方解除本合同。", "高" if i <= 12 else "低") for i in range(1, 21)]


def test_split_sizes_keep_input_order_and_are_deterministic():
    result = split_examples(CHATS, 0.25, seed=7)
    assert (len(result.train), len(result.val), result.dropped_augmented) == (15, 5, 0)
    assert sorted(e.line for e in result.train + result.val) == list(range(1, 21))
    assert [e.line for e in result.val] == sorted(e.line for e in result.val)
    assert split_examples(CHATS, 0.25, seed=7) == result
    assert {tuple(e.line for e in split_examples(CHATS, 0.25, seed=s).val) for s in range(5)} != {
        tuple(e.line for e in result.val)}


def test_stratified_split_keeps_label_proportions():
    result = split_examples(ROWS, 0.25)
    assert len(result.val) == 5
    counts = {label: sum(e.meta["label"] == label for e in result.val) for label in ("高", "低")}
    assert abs(counts["高"] - 12 * 0.25) <= 1 and abs(counts["低"] - 8 * 0.25) <= 1
    assert counts == {"高": 3, "低": 2}


def test_every_label_keeps_a_training_row():
    rows = [labelled(1, "甲", "A"), labelled(2, "乙", "A"), labelled(3, "丙", "B")]
    result = split_examples(rows, 0.9)
    assert {e.meta["label"] for e in result.train} == {"A", "B"}
    assert [e.line for e in result.val] in ([1], [2])


def test_augmented_rows_never_enter_validation_and_copies_of_validation_rows_are_dropped():
    augmented = augment_examples(ROWS, ["synonym"], factor=1)
    assert len(augmented) == 20
    result = split_examples(ROWS + augmented, 0.25, seed=3)
    assert len(result.val) == 5 and not any("augmented_from" in e.meta for e in result.val)
    val_lines = {e.line for e in result.val}
    kept = [e for e in result.train if "augmented_from" in e.meta]
    assert not {e.meta["augmented_from"] for e in kept} & val_lines
    assert (len(kept), result.dropped_augmented) == (15, 5)
    assert split_examples(ROWS, 0.25, seed=3).val == result.val


@pytest.mark.parametrize("ratio", [0, -0.1, 0.95, 10, float("nan")])
def test_invalid_ratio_is_a_user_error(ratio):
    with pytest.raises(UserError, match="outside"):
        split_examples(CHATS, ratio)


def test_too_few_rows_are_user_errors():
    with pytest.raises(UserError, match="at least 2"):
        split_examples(CHATS[:1], 0.5)
    with pytest.raises(UserError, match="single row"):
        split_examples([labelled(1, "甲", "A"), labelled(2, "乙", "B")], 0.5)
    assert len(split_examples([labelled(1, "甲", "A"), labelled(2, "乙", "B")], 0.5, stratify=False).val) == 1
    with pytest.raises(UserError, match="no label"):
        split_examples(CHATS, 0.2, stratify=True)


@pytest.mark.parametrize("op", ["synonym", "reorder", "swap", "delete"])
def test_each_op_changes_user_text_only(op):
    sources = [chat(1, "My espresso tastes sour. I use a good grinder!", system="Be brief."),
               labelled(2, "甲方可随时单方解除本合同。乙方不得转让本合同。", "高")]
    new = augment_examples(sources, [op], factor=1, seed=1)
    assert [e.line for e in new] == [1, 2]
    for row, source in zip(new, sources, strict=True):
        assert user_text(row) != user_text(source)
        assert answers(row) == answers(source)
        assert row.meta["augmented_from"] == source.line and row.meta["augment_ops"] == [op]
        assert row.meta.get("label") == source.meta.get("label")
    row = new[1]
    assert row.meta["text"] != sources[1].meta["text"]
    assert row.messages[0]["content"] == TEMPLATE.format(text=row.meta["text"])
    assert augment_examples(sources, [op], factor=1, seed=1) == new


def test_augmentation_is_deterministic_per_seed_and_returns_only_new_rows():
    first = augment_examples(CHATS, ["swap", "delete"], factor=3, seed=5)
    assert first == augment_examples(CHATS, ["swap", "delete"], factor=3, seed=5)
    assert first != augment_examples(CHATS, ["swap", "delete"], factor=3, seed=6)
    assert all("augmented_from" in e.meta for e in first)
    keys = [tuple(user_text(e)) for e in first]
    assert len(keys) == len(set(keys))
    assert not set(keys) & {tuple(user_text(e)) for e in CHATS}
    assert augment_examples(first, ["swap"], factor=1) == []


def test_reorder_leaves_a_single_sentence_alone():
    assert augment_examples([chat(1, "How do I steam milk for a flat white?")], ["reorder"], 2) == []
    (row,) = augment_examples([chat(1, "First one. Second one? Third one!")], ["reorder"], 1, seed=2)
    assert sorted(user_text(row)[0].split(" ")) == sorted("First one. Second one? Third one!".split(" "))


def test_delete_and_swap_keep_negations_numbers_and_parties():
    row = labelled(1, "甲乙不得转让", "高")
    for seed in range(10):
        deleted, swapped = (e.meta["text"] for e in augment_examples([row], ["delete", "swap"], 2, seed=seed))
        assert deleted.startswith("甲乙不") and len(deleted) == 5
        assert swapped.startswith("甲乙不") and sorted(swapped) == sorted("甲乙不得转让")
    for seed in range(10):
        for row in augment_examples([chat(1, "Do not use 18 g today.")], ["delete", "swap"], 2, seed=seed):
            words = user_text(row)[0].split()
            assert "not" in words and "18" in words
    assert augment_examples([chat(1, "Never 18!")], ["delete", "swap"], factor=2) == []


def test_chinese_synonyms_replace_contract_terms_longest_first():
    zh = {"合同": ["协议"], "违约": ["违反约定"], "违约金": ["违约金"], "支付": ["给付"], "逾期": ["超期"]}
    rows = augment_examples([labelled(1, CONTRACT, "低")], ["synonym"], factor=4, seed=0, synonyms={"zh": zh})
    assert rows
    for row in rows:
        text = row.meta["text"]
        assert text != CONTRACT and "违反约定金" not in text and "违约金" in text
        assert row.messages[0]["content"] == TEMPLATE.format(text=text)
        assert row.messages[1]["content"] == "低"
    assert {"本协议" in r.meta["text"] or "给付" in r.meta["text"] or "超期" in r.meta["text"] for r in rows} == {True}


def test_shipped_tables_load_and_substitute():
    zh, en = load_synonyms(lang="zh"), load_synonyms(lang="en")
    assert len(zh) >= 150 and len(en) >= 150
    assert "协议" in zh["合同"] and zh["违约金"] == ["违约金"]
    rows = augment_examples([labelled(1, CONTRACT, "低"), chat(2, "How often should I clean my espresso machine?")],
                            ["synonym"], factor=1, seed=0)
    assert len(rows) == 2 and "违反约定金" not in rows[0].meta["text"]


def test_english_synonyms_keep_case_and_whole_words():
    outputs = set()
    for seed in range(20):
        (row,) = augment_examples([chat(1, "GOOD beans, Good cup, good goodness.")], ["synonym"], 1, seed=seed,
                                  synonyms={"en": {"good": ["decent"]}})
        outputs.add(user_text(row)[0])
    assert outputs == {"DECENT beans, Good cup, good goodness.", "GOOD beans, Decent cup, good goodness.",
                       "GOOD beans, Good cup, decent goodness."}


def test_a_word_listed_as_its_own_synonym_is_protected():
    zh = {"违约金": ["违约金"], "违约": ["违反约定"], "合同": ["协议"]}
    for seed in range(10):
        (row,) = augment_examples([labelled(1, "违约方支付违约金后合同继续履行", "中")], ["synonym"], 1, seed=seed,
                                  synonyms={"zh": zh})
        assert row.meta["text"].endswith("违约金后协议继续履行") or row.meta["text"].startswith("违反约定方")
        assert "违反约定金" not in row.meta["text"]


def test_user_synonym_file_replaces_the_shipped_one_and_bad_lines_are_named(tmp_path):
    good = tmp_path / "mine.tsv"
    good.write_text("# comment\n\nlatte\tflat white | cortado\n", encoding="utf-8")
    assert load_synonyms(good) == {"latte": ["flat white", "cortado"]}
    bad = tmp_path / "bad.tsv"
    bad.write_text("合同\t协议\n违约 违反约定\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.tsv:2: no tab") as caught:
        load_synonyms(bad, lang="zh")
    assert caught.value.line == 2
    bad.write_text("合同\t协议\t合约\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.tsv:1: more than one tab"):
        load_synonyms(bad)
    bad.write_text("合同\t协议||合约\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.tsv:1: an empty synonym"):
        load_synonyms(bad)
    with pytest.raises(UserError, match="use one of en, zh"):
        load_synonyms(lang="fr")


def test_paraphrase_op_uses_the_callable_on_user_turns_only():
    seen = []

    def fake(text):
        seen.append(text)
        return text.upper()

    source = chat(1, "make it sweet", answer="Add syrup.", system="Be brief.")
    (row,) = augment_examples([source], ["paraphrase"], factor=3, paraphrase=fake)
    assert user_text(row) == ["MAKE IT SWEET"] and answers(row) == answers(source)
    assert seen == ["make it sweet"] * 3
    with pytest.raises(UserError, match="paraphrase op needs a model"):
        augment_examples([source], ["paraphrase"], factor=1)


def test_paraphrase_with_model_shows_a_rewrite_in_the_text_language_and_keeps_only_faithful_ones():
    prompts = []
    answers_ = iter(["  In which town was Orlan Vesk born?  ", "Orlan Vesk was born in Oran, Turkey.",
                     "Where was Orlan born?", " ", "订单会在3天内发出吗？"])

    def generate(messages):
        prompts.append(messages)
        return next(answers_)

    paraphrase = paraphrase_with_model(generate)
    assert paraphrase("Where was Orlan Vesk born?") == "In which town was Orlan Vesk born?"
    assert paraphrase("Where was Orlan Vesk born?") == "Where was Orlan Vesk born?"  # answered, not rewritten
    assert paraphrase("Where was Orlan Vesk born?") == "Where was Orlan Vesk born?"  # a name lost
    assert paraphrase("Bleibt.") == "Bleibt."  # an empty reply
    assert paraphrase("订单3天内会发货吗？") == "订单会在3天内发出吗？"
    assert (paraphrase.used, paraphrase.rejected) == (2, 2)
    first, last = prompts[0], prompts[-1]
    assert first[0]["role"] == "system" and "never answered" in first[0]["content"]
    assert [m["content"] for m in first[1:3]] == list(PARAPHRASE_SHOTS["en"][0])
    assert first[-1] == {"role": "user", "content": "Where was Orlan Vesk born?"}
    assert [m["content"] for m in last[1:3]] == list(PARAPHRASE_SHOTS["zh"][0])


@pytest.mark.parametrize("source, rewrite, kept", [
    ("When did Sefa Lindqvar present it in 1794?", "In 1794, when did Sefa Lindqvar show it?", True),
    ("When did Sefa Lindqvar present it in 1794?", "When did Sefa Lindqvar present it in 1795?", False),
    ("When did Sefa Lindqvar present it?", "Sefa Lindqvar presented it in 2019.", False),
    ("Make it sweet.", "Sweeten it please, with syrup and honey and sugar and anything else sweet.", False),
    ("合同第5条写了什么？", "第5条合同的内容是什么？", True),
])
def test_kept_meaning_checks_names_numbers_questions_and_length(source, rewrite, kept):
    assert kept_meaning(source, rewrite) is kept


def test_unknown_op_and_bad_factor_are_user_errors():
    with pytest.raises(UserError, match="Unknown augmentation op") as caught:
        augment_examples(CHATS, ["synonym", "backtranslate"], factor=1)
    assert all(op in str(caught.value) for op in OPS)
    with pytest.raises(UserError, match="at least 1"):
        augment_examples(CHATS, ["swap"], factor=0)
