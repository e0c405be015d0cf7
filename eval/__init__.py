"""citewire evaluation: question/answer sets, metrics and the runner (see the Evaluation issue)."""
