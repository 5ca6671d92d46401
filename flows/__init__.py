"""The conversation language: YAML scripts, their validator, the runtime and business actions.

Layout:
  model.py      typed, frozen script objects (Flow, Step, Text, ...)
  yamlio.py     YAML loading that keeps line numbers
  loader.py     files -> Bundle, JSON Schema + semantic validation (validator.py)
  runtime.py    runs one customer turn against a Bundle and a conversation state
  actions/      the business functions flows call (registered by name)
  reload.py     hot reload: validate, then swap atomically; keep the old version on error
  scripts/      the shipped default scripts
"""
