"""The quality report's token lengths in a second process (ftcore.data.quality.report): reads the pickled
(examples, tokenizer, max_length) its parent sends on stdin and writes the pickled lengths to stdout."""

import pickle
import sys


def main() -> None:
    from ftcore.data.quality.report import _lengths

    examples, tokenizer, max_length = pickle.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(pickle.dumps(_lengths(examples, tokenizer, max_length)))


if __name__ == "__main__":
    main()
