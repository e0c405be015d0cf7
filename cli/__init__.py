"""The composition root: the `citewire` command, wiring the service and the evaluation runner."""
