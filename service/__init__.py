"""citewire service layer: settings, generation, citation checking, the pipeline and the CLI."""
