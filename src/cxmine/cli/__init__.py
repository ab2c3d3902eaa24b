"""The Typer command-line interface: parse, call the library, render, exit."""
