"""Writes arithmetic.jsonl: 100 English and 100 Chinese arithmetic items (the four operations, two-step
expressions and short word problems; a third easy, a third medium, a third harder; every result 10 or more),
drawn from a fixed seed, so the file is the same on every run. Run from the repository root:

    python ftcore/eval/probes/suites/make_arithmetic.py

200 items are what a 10-point drop needs to be told from chance (the power table in README.md)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

SEED = 15
OUT = Path(__file__).with_name("arithmetic.jsonl")
RANGES = ((2, 20), (10, 99), (100, 999))  # easy, medium, harder operands, in turn

EN_NAMES = ("Tom", "Anna", "Leo", "Mia", "Sam", "Lily", "Ben", "Nora")
ZH_NAMES = ("小明", "小红", "小刚", "小丽", "小华", "小军", "小芳", "小强")
EN_THINGS = ("apples", "pencils", "stickers", "marbles", "books", "cards")
ZH_THINGS = (("个", "苹果"), ("支", "铅笔"), ("张", "贴纸"), ("颗", "弹珠"), ("本", "书"), ("张", "卡片"))
EN_ONLY, ZH_ONLY = " Answer with the number only.", "只回答数字。"


def pattern(value: int) -> str:
    """The result as a whole number: not part of a longer number or a decimal (42 matches "= 42." but not "142",
    "4.2" or "42.5"); thousands may carry a comma (1,250)."""
    digits = str(value)
    if value >= 1000:
        digits = f"{digits[:-3]},?{digits[-3:]}"
    return rf"(?<![\d.,]){digits}(?!\.?\d|,\d)"


def operands(rng: random.Random, level: int, op: str) -> tuple[int, int]:
    low, high = RANGES[level]
    if op == "+":
        return rng.randint(low, high), rng.randint(low, high)
    if op == "-":
        a, b = sorted((rng.randint(low, high), rng.randint(low, high)), reverse=True)
        return (a + low, b) if a == b else (a, b)
    if op == "×":  # keep products small enough to say in one breath: one factor a digit for the harder level
        return rng.randint(low, high), rng.randint(2, 9) if level != 1 else rng.randint(low, 30)
    divisor = rng.randint(*((2, 5), (2, 9), (11, 19))[level])
    return divisor * rng.randint(10, (20, 40, 60)[level]), divisor


def calc(a: int, op: str, b: int) -> int:
    return {"+": a + b, "-": a - b, "×": a * b, "÷": a // b}[op]


def basic(rng: random.Random, zh: bool, op: str, level: int) -> tuple[str, int]:
    a, b = operands(rng, level, op)
    if zh:
        word = {"+": "加", "-": "减", "×": "乘以", "÷": "除以"}[op]
        return f"{a} {word} {b} 等于多少？{ZH_ONLY}", calc(a, op, b)
    return f"What is {a} {op} {b}?{EN_ONLY}", calc(a, op, b)


def two_step(rng: random.Random, zh: bool, level: int) -> tuple[str, int]:
    a, b = operands(rng, level, "×")
    c = rng.randint(2, 9 * 10 ** level)
    first, second = rng.choice((("×", "+"), ("×", "-"), ("+", "-")))
    if first == "+":
        b = rng.randint(*RANGES[level])
    value = calc(calc(a, first, b), second, c)
    if value <= 0:
        second, value = "+", calc(calc(a, first, b), "+", c)
    text = f"{a} {first} {b} {second} {c}"
    return (f"计算 {text}，{ZH_ONLY}", value) if zh else (f"What is {text}?{EN_ONLY}", value)


def word_problem(rng: random.Random, zh: bool, kind: int, level: int) -> tuple[str, int]:
    low, high = RANGES[min(level, 1)]  # word problems stay within two digits
    a, b, c = rng.randint(low + 10, high + 20), rng.randint(2, 9), rng.randint(2, 9)
    name = rng.choice(ZH_NAMES if zh else EN_NAMES)
    unit, zthing = rng.choice(ZH_THINGS)
    thing = rng.choice(EN_THINGS)
    if kind == 0:
        value = a - b + c
        return (f"{name}有 {a} {unit}{zthing}，送给朋友 {b} {unit}，又买了 {c} {unit}，现在有多少{unit}？{ZH_ONLY}"
                if zh else f"{name} has {a} {thing}, gives {b} to a friend and then buys {c} more. How many "
                f"{thing} does {name} have now?{EN_ONLY}"), value
    if kind == 1:
        return (f"一盒装 {b * 2} {unit}{zthing}，{c} 盒一共有多少{unit}？{ZH_ONLY}" if zh else
                f"A box holds {b * 2} {thing}. How many {thing} are in {c} boxes?{EN_ONLY}"), b * 2 * c
    if kind == 2:
        total = b * (c + 8)
        return (f"把 {total} {unit}{zthing}平均分给 {b} 个小朋友，每人分到多少{unit}？{ZH_ONLY}" if zh else
                f"{total} {thing} are shared equally among {b} children. How many does each child get?"
                f"{EN_ONLY}"), c + 8
    if kind == 3:
        return (f"一张门票 {a} 元，买 {c} 张一共要多少元？{ZH_ONLY}" if zh else
                f"A ticket costs {a} dollars. How many dollars do {c} tickets cost?{EN_ONLY}"), a * c
    if kind == 4:
        speed = 10 * rng.randint(3, 12)
        return (f"一辆汽车每小时行驶 {speed} 千米，{c} 小时行驶多少千米？{ZH_ONLY}" if zh else
                f"A car drives {speed} kilometres per hour. How many kilometres does it drive in {c} hours?"
                f"{EN_ONLY}"), speed * c
    spent = rng.randint(5, a - 5)
    return (f"{name}有 {a} 元，花了 {spent} 元，还剩多少元？{ZH_ONLY}" if zh else
            f"{name} had {a} dollars and spent {spent} dollars. How many dollars are left?{EN_ONLY}"), a - spent


def items_for(rng: random.Random, zh: bool) -> list[tuple[str, int]]:
    plan = [("+", 16), ("-", 16), ("×", 16), ("÷", 14), ("two", 14)] + [(k, 4) for k in range(6)]
    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    for what, count in plan:
        made = 0
        while made < count:
            level = made % 3
            if what == "two":
                question, value = two_step(rng, zh, level)
            elif isinstance(what, int):
                question, value = word_problem(rng, zh, what, level)
            else:
                question, value = basic(rng, zh, what, level)
            # results of two digits or more, and not already in the question: a small number or an echo of the
            # question turns up in a rambling reply by chance and would count as right
            if question in seen or value < 10 or re.search(pattern(value), question):
                continue
            seen.add(question)
            out.append((question, value))
            made += 1
    return out


def main() -> None:
    rng = random.Random(SEED)
    rows = items_for(rng, zh=False) + items_for(rng, zh=True)
    lines = [json.dumps({"question": q, "answer": pattern(v), "match": "regex"}, ensure_ascii=False)
             for q, v in rows]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} items to {OUT}")


if __name__ == "__main__":
    main()
