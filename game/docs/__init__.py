"""The documents made from the code and the content, so that they cannot go stale.

- docs/MODDING.md's reference tables, from the pack models: ``python -m game.docs.modding``
  (:mod:`game.docs.modding`; the fields in TOML's words by :mod:`game.docs.toml_fields`, the words
  the code lacks in :mod:`game.docs.modding_words`).
- docs/ENGINE.md's parameter tables and docs/SOURCES.md, from the base pack's TOML comments and the
  bibliography: ``python -m game.docs.parameter_docs`` (:mod:`game.docs.parameter_docs`; the
  comments read by :mod:`game.docs.commented_toml`, docs/sources.toml by
  :mod:`game.docs.bibliography`, the tables made by :mod:`game.docs.engine_tables`, the citation
  check by :mod:`game.docs.citations`, the page by :mod:`game.docs.sources_page`).
- :class:`game.docs.region.Region`, a generated region between two markers: ENGINE.md's
  parameter tables, and the regions that ``python -m game.bots.history`` and ``python -m
  game.classroom.lessons`` keep (they simulate, so they live with what they measure).

Each command rewrites its document; with ``--check`` it only says whether it is up to date, and
the tests run the same checks. :mod:`game.docs.markdown` holds the Markdown they share.
"""
