"""Friction signals (one pure function each) and the engine that scores and ranks them."""
