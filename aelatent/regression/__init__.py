"""The parts of ``python -m aelatent regress`` (:mod:`aelatent.regress`), one module per concern.

- :mod:`.variants` -- the runs besides the reference run: float and seed variants;
- :mod:`.tolerances` -- how each key's tolerance is derived from what the variants show;
- :mod:`.comparison` -- comparing a run's metrics with references, and the report;
- :mod:`.references` -- reference folders: reading, describing their source, writing.

The rule and its reasons are told in :mod:`aelatent.regress`'s docstring.
"""

#: How the references are refreshed (printed in messages).
REFRESH = "make regress-update  (python -m aelatent regress --update)"
