"""Sagssim simulator: case model, engine, decision log, widgets UI and CLI."""
