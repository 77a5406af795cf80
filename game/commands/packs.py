"""``frontier-lab packs``: validate, list, scaffold, describe and measure content packs."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from game.commands.console import UserError, emit_json
from game.packs import load_content
from game.packs.errors import ERROR, WARNING, ContentError
from game.packs.loading import inspect
from game.text import printable


def run_packs(args: argparse.Namespace) -> int:
    from game.packs.sources import ModsError

    try:
        return {"validate": validate, "list": list_packs, "new": new, "schema": schema,
                "stats": stats, "mods": list_mods, "enable": enable,
                "disable": enable}[args.packs_command](args)
    except ModsError as exc:
        raise UserError(str(exc)) from None


def _paths(args: argparse.Namespace) -> list[Path]:
    """The packs a command looks at besides the shipped ones: those named (arguments,
    ``--pack``, ``$FRONTIER_LAB_PACKS``) and the enabled mods (a broken one is shown, not left
    out: these commands are how a modder sees its problems)."""
    from game.packs.sources import chosen_packs, mods

    named = [*getattr(args, "paths", []), *chosen_packs(getattr(args, "pack", None) or [])]
    return [*named, *(m.path for m in mods() if m.enabled)]


def list_mods(args: argparse.Namespace) -> int:
    from game.packs.sources import mods, mods_dir

    found = mods()
    if args.format == "json":
        emit_json({"folder": str(mods_dir()), "mods": [
            {"name": m.name, "path": str(m.path), "enabled": m.enabled} for m in found]})
        return 0
    print(f"Mods folder: {mods_dir()} (or $FRONTIER_LAB_MODS): a pack folder put there plays "
          "in every game.")
    if not found:
        print("No mods yet: `frontier-lab packs new NAME --dir FOLDER` makes one.")
    for m in found:
        print(f"  {'on ' if m.enabled else 'off'}  {m.name}")
    return 0


def enable(args: argparse.Namespace) -> int:
    from game.packs.sources import set_enabled

    mod = set_enabled(args.name, args.packs_command == "enable")
    print(f"{mod.name}: {'plays' if mod.enabled else 'does not play'} from now on")
    return 0


def validate(args: argparse.Namespace) -> int:
    """Every error, warning and note, one a line, then their count; the exit code is 1 when
    there is an error (or, with --strict, a warning)."""
    start = time.perf_counter()
    content, problems = inspect(_paths(args), warnings=True)
    elapsed = time.perf_counter() - start
    errors = sum(p.severity == ERROR for p in problems)
    warnings = sum(p.severity == WARNING for p in problems)
    notes = len(problems) - errors - warnings
    failed = bool(errors or (args.strict and warnings))
    counted = (f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
               + (f", {notes} note{'s' * (notes != 1)}" if notes else "")
               + (" (--strict: warnings count as errors)" if args.strict and warnings else ""))
    if args.format == "json":
        emit_json({"ok": not failed, "errors": errors, "warnings": warnings, "notes": notes,
                   "strict": args.strict, "problems": [
                       {"path": str(p.path), "line": p.line, "col": p.col,
                        "severity": p.severity, "code": p.code, "message": p.message,
                        "text": str(p)} for p in problems]})
        return 1 if failed else 0
    for p in problems:
        print(p)
    if not failed and content is not None:
        print(f"ok: {len(content.packs)} pack{'s' * (len(content.packs) != 1)} "
              f"({', '.join(p.id for p in content.packs)}), {len(content.events)} events, "
              f"{len(content.glossary)} concepts, {len(content.scenarios)} "
              f"scenario{'s' * (len(content.scenarios) != 1)}, "
              f"{len(content.rivals)} rivals — checked in {elapsed * 1000:.0f} ms")
        for line in translation_report(content, getattr(args, "lang", None)):
            print(line)
    if problems:
        files = len({str(p.path) for p in problems})
        print(f"{len(problems)} problem{'s' * (len(problems) != 1)} in {files} "
              f"file{'s' * (files != 1)}: {counted}", file=sys.stderr)
    else:
        print(counted, file=sys.stderr)
    return 1 if failed else 0


def translation_report(content: Any, lang: str | None) -> list[str]:
    """How much of each pack's text each language translates (a line per language and pack
    it translates), or with ``lang`` every text of those packs that ``lang`` lacks, as the key
    a translator writes. Missing text is no problem: it shows as the pack wrote it."""
    from game.packs.locales import language_note, originals, shown_key

    texts = originals((ce.event for ce in content.events), content.glossary.values(),
                      content.scenarios.values())
    lines = []
    if lang is not None and lang != "en":
        note = language_note(content.locales, lang)
        if note is not None:
            return [f"{lang}: {note}"]
    for code in [lang] if lang is not None and lang != "en" else content.locales.languages:
        for c in content.locales.coverage(code, texts):
            if not c.translated:
                if lang is not None:
                    lines.append(f"{code}: {c.pack}, none of its {c.total:,} texts translated")
                continue
            if not c.missing:
                lines.append(f"{code}: {c.pack}, all {c.total:,} texts translated")
                continue
            lines.append(f"{code}: {c.pack}, {c.translated:,} of {c.total:,} texts translated"
                         + ("; missing:" if lang is not None else
                            f" ({len(c.missing):,} missing: packs validate --lang {code} lists "
                            "them)"))
            if lang is not None:
                lines += [f"  {shown_key(key)}" for key in c.missing]
    return lines


def list_packs(args: argparse.Namespace) -> int:
    content, problems = inspect(_paths(args))
    if content is None:
        for p in problems:
            print(p)
        return 1
    per_pack: dict[str, int] = {}
    for ev in content.events:
        pack = ev.id.split(".")[0]
        per_pack[pack] = per_pack.get(pack, 0) + 1
    print(f"{'#':>2}  {'pack':<16}{'version':<10}{'events':>7}  name — folder")
    for i, p in enumerate(content.packs, start=1):
        print(f"{i:>2}  {p.id:<16}{p.manifest.version:<10}{per_pack.get(p.id, 0):>7}  "
              f"{p.manifest.name} — {p.path}")
    print("\nLoad order: dependencies and load_after first, ties by pack id.")
    if content.changes:
        print("Changed by later packs (the packs that set it, in load order; the last one "
              "plays):")
        for what, packs in content.changes:
            print(f"  {printable(what)}: {' → '.join(packs)}")
    if content.conflicts:
        print("Conflicts:")
        for c in content.conflicts:
            print(f"  {printable(c)}")
    else:
        print("No conflicts.")
    for lang in content.locales.languages:
        print(f"Language {lang}: translated by {', '.join(sorted(content.locales.by[lang]))}.")
    others = [p for p in problems if "conflict" not in p.message]
    if others:
        print(f"{len(others)} other problem{'s' * (len(others) != 1)}: run "
              "`frontier-lab packs validate` to see them.")
    return 1 if problems else 0


SAMPLE_EVENT = '''#:schema {schema}
# A first event. Validate with `frontier-lab packs validate {folder}`, and see how often it fires
# with `frontier-lab packs stats {folder}`. {{cash}} shows a number by its unit; {{cash:$B.2}}
# picks a format. To translate the text, add locales/<lang>.toml (fr.toml, de.toml): see
# "Languages" in docs/MODDING.md.

[[event]]
id = "{id}.first_customer"
title = "A hospital network wants your model"
text = """A hospital network offers a year-long contract if you can guarantee capacity. You have
{{cash}} in the bank and serve {{share}} of the market."""
category = "demand"
concept = "{id}_capacity_promise"
trigger = "quarter >= 1"
mtth_quarters = 6
once = true

[[event.choices]]
label = "Sign, and reserve capacity for them"
effects = [
  {{ type = "add", target = "cash", value = "0.4" }},
  {{ type = "multiply", target = "share", factor = "1.02" }},
]
note = "Guaranteed capacity is revenue you can count on, and compute you cannot sell elsewhere."
ai_weight = "1 + (unserved < 0.05) * 2"

[[event.choices]]
label = "Decline: capacity is too tight"
effects = [{{ type = "add", target = "sentiment", value = "-1" }}]
note = "Turning revenue away keeps your service reliable, but investors notice."
ai_weight = "1 + (unserved > 0.1) * 2"

# More an event can do (docs/MODDING.md, Part 2): happen at a moment of the engine instead of
# by chance (on = "ipo_filing", "rival_release.gemini", "game_end" …); read how long ago
# something happened (since.event.ID, since.flag.NAME, count.event.ID); keep numbers of your own
# (variables.toml: var.NAME); name a condition or a list of effects once and use it anywhere
# (library.toml: when.NAME, {{ type = "use", effects = "NAME" }}).
'''

SAMPLE_GLOSSARY = '''#:schema {schema}
[[concept]]
id = "{id}_capacity_promise"
term = "Capacity promise"
definition = "A contract in which the lab guarantees compute for one customer."
why_it_matters = "Guaranteed revenue pleases investors, but it ties up GPUs you might need."

# To change a concept of another pack (the base game's, say), name it and set only what changes:
# [concept_patch.runway]
# why_it_matters = "..."
'''

SAMPLE_MANIFEST = '''#:schema {schema}
id = "{id}"
name = "{name}"
version = "0.1.0"
game_version = ">=0.1,<1.0"
depends = ["base>=0.1"]
load_after = []
conflicts = []
description = "A new Frontier Lab pack."
authors = []
'''


def new(args: argparse.Namespace) -> int:
    name: str = args.name
    pack_id = name.lower().replace("-", "_").replace(" ", "_")
    if not pack_id.isidentifier() or not pack_id[0].isalpha() or not pack_id.isascii():
        raise UserError(f"'{name}' cannot be a pack id: use letters, digits and _ , starting "
                        "with a letter")
    folder = Path(args.dir) / pack_id
    if folder.exists():
        raise UserError(f"{folder} already exists; choose another name or --dir")
    schemas = Path(__file__).resolve().parents[2] / "schemas"
    (folder / "events").mkdir(parents=True)
    fill = {"id": pack_id, "name": name, "folder": folder}
    (folder / "pack.toml").write_text(SAMPLE_MANIFEST.format(
        schema=(schemas / "pack.schema.json").as_uri(), **fill))
    (folder / "events" / "first.toml").write_text(SAMPLE_EVENT.format(
        schema=(schemas / "events.schema.json").as_uri(), **fill))
    (folder / "glossary.toml").write_text(SAMPLE_GLOSSARY.format(
        schema=(schemas / "glossary.schema.json").as_uri(), **fill))
    print(f"created {folder}: pack.toml, events/first.toml, glossary.toml")
    print(f"next: frontier-lab packs validate {folder}")
    return 0


def schema(args: argparse.Namespace) -> int:
    from game.packs.schema_export import KINDS, schema_for

    kinds = list(KINDS) if args.kind == "all" else [args.kind]
    if args.out is None:
        if len(kinds) > 1:
            raise UserError("--kind all needs --out DIR")
        print(json.dumps(schema_for(kinds[0]), indent=2))
        return 0
    out = Path(args.out)
    if len(kinds) > 1 or out.is_dir():
        out.mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            (out / f"{kind}.schema.json").write_text(json.dumps(schema_for(kind), indent=2) + "\n")
        print(f"wrote {', '.join(f'{k}.schema.json' for k in kinds)} to {out}")
    else:
        out.write_text(json.dumps(schema_for(kinds[0]), indent=2) + "\n")
        print(f"wrote {out}")
    return 0


def stats(args: argparse.Namespace) -> int:
    from game.bots import STRATEGIES
    from game.bots.runner import Workers, default_workers

    content = load_content(_paths(args))
    W = args.worlds
    events = content.events
    E = len(events)
    fired_any = np.zeros(E)
    mean_fires = np.zeros(E)
    every_quarter = np.zeros(E, dtype=bool)
    rows: list[dict[str, Any]] = []
    show = sys.stderr.isatty()
    # Each scenario with its pacing and its scripted events, played by workers forked once.
    setups = {scenario_id: (content.params(scenario_id), STRATEGIES["balanced"],
                            content.director_for(scenario_id))
              for scenario_id in sorted(content.scenarios)}
    with Workers(setups, default_workers(W)) as pool:
        for scenario_id in setups:
            if show:
                print(f"  simulating {scenario_id}: {W:,} worlds…", file=sys.stderr, flush=True)
            run = pool.play(scenario_id, args.seed, W)
            counts = run.state.extra.get("events.count", np.zeros((W, E), dtype=np.int16))
            quarters = np.maximum(np.where(run.state.quarter_ended >= 0,
                                           run.state.quarter_ended + 1, run.quarters_played), 1)
            share = (counts > 0).mean(axis=0)
            fired_any = np.maximum(fired_any, share)
            mean_fires += counts.mean(axis=0) / len(content.scenarios)
            every_quarter |= (counts >= quarters[:, None]).all(axis=0)
            rows.append({"scenario": scenario_id, "worlds": W, "events": {
                ev.id: round(float(share[i]), 4) for i, ev in enumerate(events)}})
    never = [ev.id for i, ev in enumerate(events) if fired_any[i] == 0]
    always = [ev.id for i, ev in enumerate(events) if every_quarter[i]]
    nearly = [ev.id for i, ev in enumerate(events) if fired_any[i] >= 0.95]
    if args.format == "json":
        emit_json({"worlds": W, "scenarios": rows, "never_fire": never,
                   "fire_every_quarter": always, "fire_in_nearly_every_world": nearly})
        return 1 if never or always else 0
    print(f"{'event':<44}{'worlds where it fires':>22}{'per world':>11}")
    order = np.argsort(-fired_any, kind="stable")  # ties in load order, whatever else loads
    for i in order:
        flag = "  never fires" if fired_any[i] == 0 else (
            "  in nearly every world" if fired_any[i] >= 0.95 else "")
        print(f"{events[i].id:<44}{fired_any[i]:>21.1%}{mean_fires[i]:>11.2f}{flag}")
    n = len(content.scenarios)
    print(f"\n{E} events over {n} scenario{'s' * (n != 1)} × {W:,} worlds (share: the "
          "scenario where it fires most). ", end="")
    print(f"Never fire: {len(never)}. Fire in nearly every world: {len(nearly)}. "
          f"Fire every quarter of every world: {len(always)}.")
    return 1 if never or always else 0


__all__ = ["ContentError", "run_packs"]
