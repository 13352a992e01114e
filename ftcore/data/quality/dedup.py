"""Near-duplicate rows by banded MinHash over character shingles, exact duplicates by normalized text."""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import defaultdict
from random import Random

PERMUTATIONS, BANDS = 128, 16
NEAR_THRESHOLD = 0.85


SHINGLE = 3


NEAR_CHARS = 2000


BUCKET_CAP = 8


HASH_CHUNK = 1 << 15


_NOT_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    # Case, width, spacing and punctuation do not make a different example.
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def _shingles(text: str) -> set[str]:
    if len(text) <= SHINGLE:
        return {text}
    return {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def near_duplicates(texts: list[str], skip: set[int], exclude) -> list[tuple[int, int]]:
    """Pairs (earlier, later) of texts whose character-trigram Jaccard is >= NEAR_THRESHOLD.

    A banded MinHash (128 hashes, 16 bands of 8) proposes candidates in linear time and an exact Jaccard
    confirms them. A row is paired with its first match only and a bucket keeps at most BUCKET_CAP
    representatives, so thousands of near-copies of one template stay linear; the pair count is the number
    of rows that near-copy an earlier one (what deduplication would drop).
    """
    import numpy as np  # here, not at the top: importing ftcore.data stays cheap

    signatures = _signatures(texts, np)
    buckets: dict[int, list[int]] = defaultdict(list)
    pairs = []
    kept: dict[int, set[str]] = {}  # shingles of the rows compared against, made once each
    for i, keys in enumerate(_band_keys(signatures, np).tolist()):
        if i in skip:
            continue
        candidates = sorted({j for key in keys for j in buckets.get(key, ())})
        match, mine = None, None
        if candidates:
            found = np.array(candidates, dtype=np.int64)
            agree = (signatures[found] == signatures[i]).mean(axis=1)
            # The estimate's standard error is ~0.03 at 0.85: below 3 of them only clear misses skip the exact check.
            for j in found[agree >= NEAR_THRESHOLD - 0.1].tolist():
                if exclude(i, j):
                    continue
                mine = mine or _shingles(texts[i])
                if (other := kept.get(j)) is None:
                    other = kept[j] = _shingles(texts[j])
                shared = len(mine & other)
                if shared >= NEAR_THRESHOLD * (len(mine) + len(other) - shared):
                    match = j
                    break
        if match is not None:
            pairs.append((match, i))
            continue
        for key in keys:
            if len(bucket := buckets[key]) < BUCKET_CAP:
                bucket.append(i)
    return pairs


def _signatures(texts: list[str], np):
    rng = Random(0)
    a = np.array([rng.getrandbits(64) | 1 for _ in range(PERMUTATIONS)], dtype=np.uint64)[:, None]
    b = np.array([rng.getrandbits(64) for _ in range(PERMUTATIONS)], dtype=np.uint64)[:, None]
    out = np.empty((len(texts), PERMUTATIONS), dtype=np.uint32)
    start, hashes, offsets = 0, [], []
    for i, text in enumerate(texts):
        offsets.append(len(hashes))
        hashes.extend(map(zlib.crc32, map(str.encode, _shingles(text))))
        if len(hashes) >= HASH_CHUNK or i == len(texts) - 1:
            # Multiply-add-shift hashing: one 64-bit multiply per hash function, the top 32 bits are the hash.
            values = (a * np.array(hashes, dtype=np.uint64) + b) >> np.uint64(32)
            out[start : i + 1] = np.minimum.reduceat(values, offsets, axis=1).T
            start, hashes, offsets = i + 1, [], []
    return out


def _band_keys(signatures, np):
    # Multipliers differ per band, so the keys of all bands can share one dict.
    rng, rows = Random(1), PERMUTATIONS // BANDS
    mix = np.array([[rng.getrandbits(64) | 1 for _ in range(rows)] for _ in range(BANDS)], dtype=np.uint64)
    banded = signatures.astype(np.uint64).reshape(len(signatures), BANDS, rows)
    return (banded * mix).sum(axis=2, dtype=np.uint64)
