"""Typer commands: each parses its options, calls the library, hands the result to render."""
