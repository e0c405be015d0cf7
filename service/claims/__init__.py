"""The claim checker: whether a quote window of an article supports a claim, contradicts it or
neither. One implementation serves `citewire verify`, the proof of every answer sentence and every
yes/no verdict.

`syntax` parses sentences (spaCy); `word_keys`, `claim_words`, `clauses`, `predicates` and
`structure` read what a sentence states; `words` (over the data file `words.toml`) holds the word
tables (which words are free, checked, equivalent or opposite); `windows` cuts an article's quote
windows; `conflicts` finds where a window disagrees with a claim; `paraphrase` asks the model about a reworded claim;
`verdicts` rules; `grounding` is the checker the rest of the service calls.
"""
