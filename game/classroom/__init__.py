"""Classroom: a class folder shared by many games, live events, and the class report.

- ``game.classroom.folder``: the class folder's layout, its settings and its injections file.
- ``game.classroom.inject``: ``apply_injections(game, class_dir)``, what a running game calls at
  the start of every quarter to take the instructor's live events.
- ``game.classroom.report``: the verified class report (CSV and one offline HTML file).

None of these modules imports Textual: they run on a server, in a script or in a test.
"""
