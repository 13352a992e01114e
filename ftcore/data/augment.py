"""Make extra training rows from existing ones by rewriting what the user says, never the answer or the label.

Rule-based ops (synonym table, sentence reorder, random swap/deletion) and model-based paraphrase. New rows are
marked with `augmented_from` so the split keeps them out of validation.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from ftcore.data.read import Example
from ftcore.errors import DataError, UserError

OPS = ("synonym", "reorder", "swap", "delete", "paraphrase")
SYNONYM_DIR = Path(__file__).parent / "synonyms"
SYNONYM_SHARE = 0.3
PARAPHRASE_SYSTEM = ("You rewrite text in other words. Keep its meaning, its language, every name and every "
                     "number; a question stays a question and is never answered. Reply with the rewrite only.")
# One worked example per language: small models answer a question put to them unless shown a rewrite first.
PARAPHRASE_SHOTS = {
    "en": [("Where did Ada Lovelace grow up?", "In which place was Ada Lovelace raised?"),
           ("The order ships in 3 days.", "It takes 3 days for the order to ship.")],
    "zh": [("李白是在哪里长大的？", "李白的成长地是哪里？"), ("订单会在3天内发货。", "3天之内订单就会发出。")],
}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+")

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*")
_EN_WORD = re.compile(r"(?<![\w'’])[^\W\d_]+(?:['’][^\W\d_]+)*(?![\w'’])")
_ZH_CHAR = re.compile(r"[\u3400-\u9fff]")
# Moving or dropping these flips the meaning (negation), the facts (numbers) or who owes what (the parties).
_EN_KEEP = {"no", "not", "never", "nor", "none", "nothing", "nobody", "without", "cannot"}
_ZH_KEEP = set("不无未非没勿否莫别禁甲乙丙丁〇零一二两三四五六七八九十百千万亿")


def load_synonyms(path: Path | None = None, lang: str = "en") -> dict[str, list[str]]:
    """Read a `word<TAB>syn1|syn2` table; a file given by the user replaces the shipped one for that language.

    Blank lines and lines starting with # are skipped. A word listed as its own only synonym is protected: it is
    never replaced, and shorter entries inside it (合同 inside 合同法) are not replaced either.
    """
    if path is None:
        path = SYNONYM_DIR / f"{lang}.tsv"
        if not path.is_file():
            shipped = sorted(p.stem for p in SYNONYM_DIR.glob("*.tsv"))
            raise UserError("augment.no_table", lang=lang, shipped=", ".join(shipped))
    path = Path(path)
    if not path.is_file():
        raise UserError("augment.no_file", path=path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError(str(path), None, "augment.not_utf8", "source.fix_utf8_file", byte=exc.start) from None
    table: dict[str, list[str]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        word, tab, rest = line.partition("\t")
        synonyms = [s.strip() for s in rest.split("|")]
        problem = ("augment.no_tab" if not tab else
                   "augment.two_tabs" if "\t" in rest else
                   "augment.empty_word" if not word.strip() else
                   "augment.empty_synonym" if not all(synonyms) else None)
        if problem:
            raise DataError(str(path), number, problem, "augment.fix_entry")
        entry = table.setdefault(word.strip(), [])
        entry.extend(s for s in synonyms if s not in entry)
    return table


def augment_examples(examples: list[Example], ops: list[str], factor: int, seed: int = 42,
                     synonyms: dict[str, dict[str, list[str]]] | None = None,
                     paraphrase: Callable[[str], str] | None = None) -> list[Example]:
    """Return only the new rows: up to `factor` per original row, cycling through `ops`, one op per new row.

    Only user turns change (for classification rows: `meta["text"]` and its copy inside the user turn). Rows that
    are themselves augmented are not augmented again; a new row equal to its source or to another new row is
    skipped. `synonyms` maps a language ("en", "zh") to a table; a missing language uses the shipped table.
    """
    unknown = [op for op in ops if op not in OPS]
    if unknown or not ops:
        raise UserError("augment.unknown_ops" if unknown else "augment.no_ops", unknown=unknown, ops=", ".join(OPS))
    if factor < 1:
        raise UserError("augment.bad_factor", factor=factor)
    if "paraphrase" in ops and paraphrase is None:
        raise UserError("augment.no_paraphraser")
    rewrite = _Rewriter(synonyms or {}, paraphrase)
    seen: set[tuple] = set()
    new_rows = []
    for source in examples:
        if "augmented_from" in source.meta:
            continue
        for copy in range(factor):
            op = ops[copy % len(ops)]
            rng = random.Random(f"{seed}:{source.line}:{copy}")
            row = _augment_row(source, lambda text, op=op, rng=rng: rewrite(op, text, rng))
            if row is None:
                continue
            key = _key(row)
            if key == _key(source) or key in seen:
                continue
            seen.add(key)
            row.meta.update(augmented_from=source.line, augment_ops=[op])
            new_rows.append(row)
    return new_rows


def paraphrase_with_model(generate: Callable[[list[dict]], str]) -> ModelParaphraser:
    """Adapt a chat function (messages -> reply) into the `paraphrase` callable of augment_examples."""
    return ModelParaphraser(generate)


class ModelParaphraser:
    """The `paraphrase` callable of augment_examples over a chat function (messages -> reply).

    The model is shown a rewrite in the text's language first, then asked for one. A reply that does not keep the
    source's names and numbers, turns a question into a statement (small models answer instead of rewriting) or is
    far shorter or longer is not used: the source comes back, so no row is added, and `rejected` counts it.
    """

    def __init__(self, generate: Callable[[list[dict]], str]):
        self.generate, self.rejected, self.used = generate, 0, 0

    def __call__(self, text: str) -> str:
        messages = [{"role": "system", "content": PARAPHRASE_SYSTEM}]
        for source, rewrite in PARAPHRASE_SHOTS[_lang(text)]:
            messages += [{"role": "user", "content": source}, {"role": "assistant", "content": rewrite}]
        answer = (self.generate([*messages, {"role": "user", "content": text}]) or "").strip()
        if answer and "\n" not in text.strip():  # a one-line text: the rewrite is the reply's first line
            answer = answer.splitlines()[0].strip().strip('"“”「」')
        if not answer or answer.casefold() == text.strip().casefold():
            return text
        if not kept_meaning(text, answer):
            self.rejected += 1
            return text
        self.used += 1
        return answer


def kept_meaning(source: str, rewrite: str) -> bool:
    """Whether a rewrite plausibly says the same: its names and numbers kept, a question still one, a similar length."""
    source, rewrite = source.strip(), rewrite.strip()
    if source.endswith(("?", "？")) != rewrite.endswith(("?", "？")):
        return False
    if not 0.4 <= len(rewrite) / max(1, len(source)) <= 2.5:
        return False
    keep = set(_NUMBER.findall(source)) | set(_NAME.findall(source))
    return all(word in rewrite for word in keep)


def _augment_row(source: Example, change: Callable[[str], str]) -> Example | None:
    """A copy of `source` with its user text changed, or None when nothing could change consistently."""
    messages = [dict(m) for m in source.messages]
    meta = dict(source.meta)
    text = meta.get("text")
    if "label" in meta and isinstance(text, str):
        turn = next((m for m in messages if m["role"] == "user" and text in m["content"]), None)
        if turn is None:
            return None  # the user turn is not template(text): no way to keep the two in step
        meta["text"] = change(text)
        turn["content"] = turn["content"].replace(text, meta["text"])
    else:
        for message in messages:
            if message["role"] == "user":
                message["content"] = change(message["content"])
    return Example(messages, source.line, meta)


def _key(example: Example) -> tuple:
    return tuple((m["role"], m["content"]) for m in example.messages)


def _lang(text: str) -> str:
    cjk = len(_CJK.findall(text))
    return "zh" if cjk and cjk * 3 >= len(_LATIN.findall(text)) else "en"


class _Rewriter:
    """Applies one op to one text; holds the compiled synonym matchers so each table is compiled once."""

    def __init__(self, synonyms: dict[str, dict[str, list[str]]], paraphrase: Callable[[str], str] | None):
        self.synonyms, self.paraphrase = synonyms, paraphrase
        self.matchers: dict[str, tuple[re.Pattern | None, dict[str, list[str]]]] = {}

    def __call__(self, op: str, text: str, rng: random.Random) -> str:
        if op == "paraphrase":
            result = self.paraphrase(text)
            if not isinstance(result, str):
                raise UserError("augment.not_text", type=type(result).__name__)
            return result
        lang = _lang(text)
        if op == "synonym":
            return self._synonym(text, lang, rng)
        if op == "reorder":
            return _reorder(text, rng)
        spans = [m.span() for m in (_ZH_CHAR if lang == "zh" else _EN_WORD).finditer(text)
                 if m.group().lower() not in (_ZH_KEEP if lang == "zh" else _EN_KEEP)
                 and not m.group().lower().endswith(("n't", "n’t"))]
        return _swap(text, spans, rng) if op == "swap" else _delete(text, spans, rng)

    def _matcher(self, lang: str) -> tuple[re.Pattern | None, dict[str, list[str]]]:
        if lang not in self.matchers:
            table = self.synonyms.get(lang)
            if table is None:
                table = load_synonyms(lang=lang)
            folded: dict[str, list[str]] = {}
            for word, synonyms in table.items():
                folded.setdefault(word.lower() if lang == "en" else word, []).extend(synonyms)
            alternatives = "|".join(re.escape(w) for w in sorted(folded, key=len, reverse=True))
            # Chinese has no spaces, so keys match as substrings (longest first); English matches whole words.
            pattern = (None if not folded else re.compile(alternatives) if lang == "zh" else
                       re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w'’-])", re.IGNORECASE))
            self.matchers[lang] = (pattern, folded)
        return self.matchers[lang]

    def _synonym(self, text: str, lang: str, rng: random.Random) -> str:
        pattern, table = self._matcher(lang)
        if pattern is None:
            return text
        found = []
        for match in pattern.finditer(text):
            word = match.group()
            choices = [s for s in table[word.lower() if lang == "en" else word] if s.lower() != word.lower()]
            if choices:
                found.append((match.span(), word, choices))
        if not found:
            return text
        picked = sorted(rng.sample(found, max(1, round(len(found) * SYNONYM_SHARE))))
        parts, end = [], 0
        for (start, stop), word, choices in picked:
            parts += [text[end:start], _same_case(rng.choice(choices), word)]
            end = stop
        return "".join(parts) + text[end:]


def _same_case(new: str, old: str) -> str:
    if len(old) > 1 and old.isupper():
        return new.upper()
    return new[:1].upper() + new[1:] if old[:1].isupper() else new


def _reorder(text: str, rng: random.Random) -> str:
    sentences = [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    if len(sentences) < 2 or len(set(sentences)) < 2:
        return text
    if sentences[-1][-1] not in ".!?。！？":
        sentences[-1] += "。" if _lang(sentences[-1]) == "zh" else "."
    order = list(sentences)
    while order == sentences:
        rng.shuffle(order)
    # CJK punctuation carries its own spacing; Latin sentences need a space between them.
    return "".join(s + ("" if s[-1] in "。！？" or i == len(order) - 1 else " ") for i, s in enumerate(order))


def _swap(text: str, spans: list[tuple[int, int]], rng: random.Random) -> str:
    pairs = [(a, b) for i, a in enumerate(spans) for b in spans[i + 1:]
             if text[a[0]:a[1]].lower() != text[b[0]:b[1]].lower()]
    if not pairs:
        return text
    (s1, e1), (s2, e2) = rng.choice(pairs)
    return text[:s1] + text[s2:e2] + text[e1:s2] + text[s1:e1] + text[e2:]


def _delete(text: str, spans: list[tuple[int, int]], rng: random.Random) -> str:
    if len(spans) < 2:
        return text  # deleting the only word would leave nothing to learn from
    start, stop = rng.choice(spans)
    before, after = text[:start], text[stop:]
    if before.endswith(" ") and (not after or after[0] in " ,.;:!?"):
        before = before[:-1]
    elif not before.strip() and after.startswith(" "):
        after = after[1:]
    return before + after


__all__ = ["OPS", "PARAPHRASE_SHOTS", "ModelParaphraser", "PARAPHRASE_SYSTEM", "augment_examples", "kept_meaning", "load_synonyms",
           "paraphrase_with_model"]
