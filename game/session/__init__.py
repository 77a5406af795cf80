"""Games a person plays and keeps: the live game, its preview, and its save files.

``game.session.game.Game`` is one game at batch size one, and ``game.session.projection`` its
end-of-quarter preview. ``game.session.saves`` handles save files, one module per job;
``game.session.store`` turns games into saves and saves back into games (by replaying them),
and verifies them.
"""
