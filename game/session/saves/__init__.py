"""Save files, one module per job: ``record`` (what a save holds), ``values`` (its values, exact
in TOML), ``toml_text`` (the record as text), ``migrations`` (older formats), ``reader`` and
``writer`` (the disk: refusing with one sentence, writing atomically), ``folder`` (where saves go
and what is there), all reporting an ``errors.SaveError``.
"""
