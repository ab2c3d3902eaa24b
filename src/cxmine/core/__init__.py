"""Pure pandas computations on the canonical event table. Imports neither rich, typer nor pm4py."""
