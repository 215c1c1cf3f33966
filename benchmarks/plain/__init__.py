"""A plain CP-SAT model of the roster format, the baseline the solver is measured against.

The model is written straight from ``FORMAT.md`` (version 2; a version-1 week is read by
:func:`solver.instance.load_instance` as the version-2 week it describes), on purpose without
the solver's engineering: no precomputed facts beyond each variable's plain domain, no
canonical starts, no redundant constraints, no solution hint, no search phases, no greedy,
and CP-SAT's default parameters except the workers, the seed and the time limit.

- :mod:`benchmarks.plain.week`: minutes of the week, and the starts an appointment may take;
- :mod:`benchmarks.plain.model`: the variables and the hard rules R1-R12;
- :mod:`benchmarks.plain.objective`: the twelve penalty terms, each count exact;
- :mod:`benchmarks.plain.roster`: the roster of a solved model;
- :mod:`benchmarks.plain_model`: ``solve_detailed``, the :class:`solver.options.WeekSolver`.
"""
