"""Games a person plays and keeps: the live game, its preview, and its save files.

``game.session.game.Game`` is one game at batch size one, and ``game.session.projection`` its
end-of-quarter preview. A save file is handled by one module per job: ``save_record`` (what a
save holds), ``save_values`` (its values, exact in TOML), ``save_toml`` (the record as text),
``save_migrations`` (older formats), ``save_reader`` and ``save_writer`` (the disk, refusing
with one sentence and writing atomically), ``save_folder`` (where saves go and what is there),
all reporting a ``save_errors.SaveError``. ``game.session.store`` turns games into saves and
saves back into games (by replaying them), and verifies them.
"""
