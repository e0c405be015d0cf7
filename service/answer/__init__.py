"""The answer path: how a question's evidence becomes sentences that the articles support.

`syntax` parses sentences (spaCy), `lexicon` normalises words, `grounding` decides whether a
quote window supports a claim, `factcheck` checks a claim against the archive.
"""
