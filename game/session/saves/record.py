"""The save record: everything needed to continue, replay and verify a game.

A save records what was *decided* (the seed, the content it was played with, each quarter's plan,
event choices and injected events) and what *came of it* (the headline metrics after each
quarter, the outcome and score), never the engine's arrays: loading replays the log from the seed
and compares the history (``game.session.store``), so a hand-edited save or one played with other
content is noticed.

``SaveFile`` is the current format, ``FORMAT_VERSION``; its values are exact and finite
(``game.session.saves.values``). When the model refuses a document, ``first_problem`` says why in
one phrase, naming the key as TOML's reader sees it and a near key for a misspelt one.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from game import __version__
from game.packs.toml_io import toml_kind
from game.session.saves.values import Name, Number, PlanField, UtcTime, WholeNumber, whole

FORMAT_VERSION = 4
"""The format this build writes, and the newest it reads. Format 2 added ``draft`` (the quarter
in progress); format 3 added ``signed`` (a class's signature) and ``continued_from`` (an older
save replayed anew). An older save reads as one without them."""


def utc_now() -> datetime:
    """Now, in UTC, to the second: what ``created`` and ``updated`` hold."""
    return datetime.now(UTC).replace(microsecond=0)


# --- the model --------------------------------------------------------------------------------


class PackStamp(BaseModel):
    """One content pack the game was played with: a replay needs the same content."""

    model_config = ConfigDict(extra="forbid")

    id: Name
    version: Name
    hash: Name = Field(description="The pack's content hash (sha256 of its files).")


class EventChoice(BaseModel):
    """The player's answer to one event: the index of the choice taken."""

    model_config = ConfigDict(extra="forbid")

    event: Name
    choice: WholeNumber


class Signed(BaseModel):
    """A class game's signature: made by the class's server with the class's secret key
    (``game.session.saves.signature``), over the whole save but this signature."""

    model_config = ConfigDict(extra="forbid")

    game_id: Name = Field(description="The id the class's server gave the game when it began.")
    student: Name | None = Field(
        None, description="The roster's id of the student who plays it, as they signed in "
                          "with their join code (absent in a class without a roster).")
    signature: Name = Field(description="HMAC-SHA256 of the rest of the save, in hex.")


class Origin(BaseModel):
    """Where a game continued anew came from: an older save that could not replay here (made
    by an earlier Frontier Lab, or with packs that changed), whose decisions it played again
    under this game's rules, at the player's choice."""

    model_config = ConfigDict(extra="forbid")

    file: Name = Field(description="The older save's file name.")
    game_version: Name = Field(description="The Frontier Lab that made it.")
    packs: list[PackStamp] = Field(default_factory=list, description="Its content.")
    quarters: WholeNumber = Field(description="How many quarters it had played.")
    left_out: list[Name] = Field(
        default_factory=list, description="What these rules refused of it, as sentences.")


class QuarterRecord(BaseModel):
    """One quarter of the action log: enough to play the quarter again exactly."""

    model_config = ConfigDict(extra="forbid")

    quarter: WholeNumber = Field(description="0 for the first quarter played.")
    plan: dict[str, PlanField] = Field(
        default_factory=dict, description="The plan as played: field name -> value.")
    choices: list[EventChoice] = Field(
        default_factory=list, description="Event choices made this quarter, in order.")
    injected: list[Name] = Field(
        default_factory=list, description="Events an instructor made happen this quarter.")
    events: list[Name] = Field(
        default_factory=list,
        description="Every event that happened, in order: what a replay should see again.")
    dev: list[Name] = Field(
        default_factory=list,
        description="The developer console's changes this quarter ('flag NAME on'), in order.")
    seal: str = Field(
        "", description="A digest of this quarter's record and history chained to the previous "
                        "quarter's seal (game.session.store.seal): an edit shows where it begins.")


class Draft(BaseModel):
    """The quarter in progress when the game was saved: the plan as the player left it and the
    events already answered. Not played yet, so outside the seals and never verified: loading
    puts it back if the game accepts it, and plays nothing."""

    model_config = ConfigDict(extra="forbid")

    plan: dict[str, PlanField] = Field(
        default_factory=dict, description="The plan being made: field name -> value.")
    choices: list[EventChoice] = Field(
        default_factory=list, description="This quarter's events answered so far, in order.")


class SaveFile(BaseModel):
    """A whole save; see the module docstring. ``log[i]`` and ``history[i]`` are the i-th
    quarter played: what was decided, and the headline metrics that came of it."""

    model_config = ConfigDict(extra="forbid")

    format_version: int = Field(
        default_factory=lambda: FORMAT_VERSION, description="The layout of this file.")
    game_version: Name = Field(__version__, description="The Frontier Lab that wrote it.")
    scenario: Name = Field(description="The scenario's id.")
    seed: WholeNumber = Field(description="The seed: any non-negative integer.")
    lab: Name = Field(description="The player's lab, as they named it.")
    created: UtcTime = Field(default_factory=utc_now, description="When the game began.")
    updated: UtcTime = Field(default_factory=utc_now, description="When it was last saved.")
    outcome: Name = Field("running", description="'running' until the game ends, then how.")
    score: Number = Field(0.0, description="The scenario's score so far.")
    packs: list[PackStamp] = Field(
        default_factory=list, description="The content played with, in load order.")
    log: list[QuarterRecord] = Field(
        default_factory=list, description="The action log: one record per quarter played.")
    history: list[dict[str, Number]] = Field(
        default_factory=list, description="Headline metrics after each quarter played.")
    draft: Draft | None = Field(
        None, description="The quarter in progress (a running game saved mid-quarter).")
    signed: Signed | None = Field(
        None, description="A class game's id and signature (absent outside a class's server).")
    continued_from: Origin | None = Field(
        None, description="The older save this game replayed anew, if it did.")
    dev: bool = Field(
        False, description="The developer console (play --dev) was used: never ranked.")

    @field_validator("format_version", mode="plain")
    @classmethod
    def _current_format(cls, value: Any) -> int:
        # Older formats are migrated and newer ones refused before validation; in the model
        # itself only the current format makes sense.
        if whole(value) != FORMAT_VERSION:
            raise ValueError(f"must be {FORMAT_VERSION}, the format this build writes")
        return FORMAT_VERSION

    @model_validator(mode="after")
    def _quarters_line_up(self) -> SaveFile:
        for i, record in enumerate(self.log):
            if record.quarter != i:
                raise ValueError(f"log[{i}].quarter is {record.quarter}: the log holds quarters "
                                 "0, 1, 2… in order, one record each")
        if len(self.history) != len(self.log):
            raise ValueError(
                f"the log has {len(self.log)} quarters but the history {len(self.history)}: "
                "each quarter played has one entry in each")
        return self

    @property
    def quarters(self) -> int:
        """How many quarters have been played."""
        return len(self.log)


_MODELS: dict[str, type[BaseModel]] = {
    "": SaveFile, "packs": PackStamp, "log": QuarterRecord, "log.choices": EventChoice,
    "signed": Signed, "continued_from": Origin, "continued_from.packs": PackStamp}


# --- explaining validation problems ---------------------------------------------------------


def first_problem(exc: ValidationError) -> tuple[tuple[Any, ...], str]:
    """(key path, what is wrong in plain words) of the problem to report."""
    errors = exc.errors(include_url=False)
    err = errors[0]
    if err["type"] == "missing":  # a misspelt key is better named than the key it lacks
        near = [e for e in errors if e["type"] == "extra_forbidden"
                and tuple(e["loc"][:-1]) == tuple(err["loc"][:-1])
                and difflib.get_close_matches(str(e["loc"][-1]), [str(err["loc"][-1])], n=1)]
        err = near[0] if near else err
    loc = tuple(err["loc"])
    kind, ctx, given = err["type"], err.get("ctx", {}), err.get("input")
    if kind == "missing":
        what = "is missing"
    elif kind == "extra_forbidden":
        what = "is not a key of a save" + _did_you_mean(loc)
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        what = f"expected a table, got {toml_kind(given)}"
    elif kind == "list_type":
        what = f"expected an array, got {toml_kind(given)}"
    elif kind == "string_type":
        what = f"expected a string, got {toml_kind(given)}"
    elif kind == "string_too_short":
        what = "must not be empty"
    elif kind == "string_too_long":
        what = f"is too long (at most {ctx.get('max_length')} characters)"
    elif kind == "value_error":
        what = str(ctx.get("error", err["msg"]))
    else:
        msg = err["msg"]
        what = msg[:1].lower() + msg[1:]
    return loc, what


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    owner = ".".join(str(p) for p in loc[:-1] if not isinstance(p, int))
    model = _MODELS.get(owner)
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), sorted(model.model_fields), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
