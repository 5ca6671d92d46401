"""The running Careline service: settings, channels, pipeline, app, CLI."""

__version__ = "0.1.0"
