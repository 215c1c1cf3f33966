"""The search: CP-SAT parameters and phases, the greedy warm start, the model of large weeks."""
