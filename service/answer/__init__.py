"""The answer path after retrieval, one module per step, read top to bottom from `path.py`:
`questions` (what is asked), `evidence` (the sentences scored), `reading` and `writing` (the
model's turn and its draft), `proof` (proven by the claim checker in `service.claims`), `decline`
(the outcome), `composition` and `citations` (the shown answer), `result` (the typed answer).
`conversation` rewrites follow-ups; `factcheck` checks a claim against the archive (`citewire
verify`) with the same checker.
"""
