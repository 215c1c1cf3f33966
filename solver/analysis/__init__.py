"""Analyses of a roster: reasons, penalty breakdown, what-if, recommend and diff."""
