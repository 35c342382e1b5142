"""Skills and commands: where each tool reads them and what it requires of them.

From `shared/reference/agent-formats.md`. Claude Code enforces nothing when it loads a skill: a
skill without a name takes its folder's, one without a description its first line, and
frontmatter that does not parse is ignored. Codex, OpenCode, Copilot and Gemini CLI follow the
Agent Skills format, where a skill without a name or description, or named unlike its folder, is
not loaded. So the same mistake is a warning in `.claude/skills/` and an error in `.agents/skills/`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scaffold.checks.model import Finding, Severity
from scaffold.checks.reading import CLAUDE_MAX_BYTES, CLAUDE_RETRY, OPENCODE_RETRY

if TYPE_CHECKING:
    from scaffold.checks.files import Kit, ProcedureFile

SKILL_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SKILL_NAME_MAX = 64
DESCRIPTION_MAX = 1024
PLACEHOLDERS = ("$ARGUMENTS", "{{args}}")


@dataclass(frozen=True)
class Place:
    """One folder where tools read skills or commands."""

    tools: str  # who reads it, for messages
    folder: str
    glob: str
    kind: str  # "skill" or "command"
    format: str = "markdown"  # or "toml"
    # True where the tool skips a skill that lacks a field (errors); False where it falls back (warnings).
    strict: bool = True
    # What in a value makes the tool quote it and retry when YAML fails (see reading.py); None: parsed as written.
    retry: str | None = None
    placeholder: str | None = None  # the argument placeholder the tool substitutes
    read_by_claude: bool = False

    @property
    def load(self) -> str:
        """The verb for messages: 'Codex, ... and Copilot load', 'Cursor loads'."""
        return "load" if self.tools == AGENT_SKILLS else "loads"


AGENT_SKILLS = "Codex, Gemini CLI, OpenCode and Copilot"
PLACES = (
    Place("Claude Code (also OpenCode and Copilot)", ".claude/skills", "*/SKILL.md", "skill", strict=False,
          retry=CLAUDE_RETRY, placeholder="$ARGUMENTS", read_by_claude=True),
    Place(AGENT_SKILLS, ".agents/skills", "*/SKILL.md", "skill"),
    Place("OpenCode", ".opencode/skills", "*/SKILL.md", "skill"),
    Place("GitHub Copilot", ".github/skills", "*/SKILL.md", "skill"),
    Place("Gemini CLI", ".gemini/skills", "*/SKILL.md", "skill"),
    Place("Cursor", ".cursor/skills", "*/SKILL.md", "skill"),
    Place("Claude Code", ".claude/commands", "**/*.md", "command", strict=False, retry=CLAUDE_RETRY,
          placeholder="$ARGUMENTS", read_by_claude=True),
    Place("OpenCode", ".opencode/commands", "**/*.md", "command", retry=OPENCODE_RETRY, placeholder="$ARGUMENTS"),
    Place("OpenCode", ".opencode/command", "**/*.md", "command", retry=OPENCODE_RETRY, placeholder="$ARGUMENTS"),
    Place("Gemini CLI", ".gemini/commands", "**/*.toml", "command", format="toml", placeholder="{{args}}"),
    Place("GitHub Copilot", ".github/prompts", "*.prompt.md", "command"),
)


def check_procedures(kit: Kit) -> Iterator[Finding]:
    for procedure in kit.procedures:
        if procedure.place.read_by_claude and procedure.size > CLAUDE_MAX_BYTES:
            yield Finding(procedure.relative, 1, "file-size", f"{procedure.size:,} bytes: Claude Code skips files over 1 MiB", Severity.error)
            continue
        if procedure.place.format == "toml":
            yield from _toml_command(procedure)
        elif procedure.place.kind == "skill":
            yield from _skill(procedure)
        else:
            yield from _markdown_command(procedure)
    yield from _folders_without_skill(kit)
    yield from _commands_hidden_by_skills(kit)


def _frontmatter(procedure: ProcedureFile) -> tuple[dict | None, Finding | None]:
    """The frontmatter as the place's tools read it, or the finding that says why they cannot."""
    reading, place = procedure.reading, procedure.place
    if reading.source is None:
        return None, None
    data, problem = reading.retried(place.retry)
    if problem is not None or not isinstance(data, (dict, type(None))):
        reason = problem or "it is not a map"
        effect = "ignores the frontmatter" if not place.strict else "skips the file"
        return None, Finding(procedure.relative, 1, "skill-frontmatter", f"{place.tools} {effect}: {reason}", Severity.error)
    return data or {}, None


def _skill(procedure: ProcedureFile) -> Iterator[Finding]:
    place, relative = procedure.place, procedure.relative
    fallback = Severity.error if place.strict else Severity.warning
    meta, problem = _frontmatter(procedure)
    if problem:
        yield problem
        return
    if meta is None:
        yield Finding(relative, 1, "skill-required-key", f"{place.tools}: no frontmatter; a skill needs name and description", fallback)
        return
    yield from _portability(procedure)
    folder = procedure.path.parent.name
    for key in ("name", "description"):
        if key not in meta:
            effect = "skips the skill" if place.strict else f"uses the {'folder name' if key == 'name' else 'first line'} instead"
            yield Finding(relative, 1, "skill-required-key", f"{place.tools}: missing '{key}'; {effect}", fallback)
    name = meta.get("name")
    if "name" in meta:
        line = procedure.reading.key_line("name")
        if not isinstance(name, str) or not SKILL_NAME.fullmatch(name) or len(name) > SKILL_NAME_MAX:
            yield Finding(relative, line, "skill-name", f"{place.tools}: name {name!r} must be lowercase letters, digits and single hyphens, at most {SKILL_NAME_MAX} characters", fallback)
        elif name != folder:
            yield Finding(relative, line, "skill-name", f"{place.tools}: name {name!r} differs from its folder {folder!r}", fallback)
    if "description" in meta:
        description, line = meta["description"], procedure.reading.key_line("description")
        if not isinstance(description, str) or not description.strip():
            yield Finding(relative, line, "skill-description", f"{place.tools}: the description is empty or not text", fallback)
        elif len(description) > DESCRIPTION_MAX:
            yield Finding(relative, line, "skill-description", f"{place.tools}: the description has {len(description)} characters; the limit is {DESCRIPTION_MAX}", fallback)
    yield from _placeholders(procedure, procedure.reading.body, procedure.reading.body_line)


def _markdown_command(procedure: ProcedureFile) -> Iterator[Finding]:
    """Commands: frontmatter is optional, but when there is some it must parse."""
    _, problem = _frontmatter(procedure)
    if problem:
        yield problem
        return
    yield from _portability(procedure)
    yield from _placeholders(procedure, procedure.reading.body, procedure.reading.body_line)


def _toml_command(procedure: ProcedureFile) -> Iterator[Finding]:
    place, relative = procedure.place, procedure.relative
    try:
        command = tomllib.loads(procedure.reading.text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        yield Finding(relative, int(line.group(1)) if line else 1, "skill-frontmatter", f"{place.tools} skips the command: not valid TOML ({error})", Severity.error)
        return
    prompt = command.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        yield Finding(relative, 1, "skill-required-key", f"{place.tools}: 'prompt' is required and must be text", Severity.error)
        return
    if "description" in command and not isinstance(command["description"], str):
        yield Finding(relative, 1, "skill-required-key", f"{place.tools}: 'description' must be text", Severity.warning)
    line = 1 + procedure.reading.text[: max(procedure.reading.text.find(prompt[:40]), 0)].count("\n")
    yield from _placeholders(procedure, prompt, line)


def _placeholders(procedure: ProcedureFile, text: str, first_line: int) -> Iterator[Finding]:
    """A placeholder of another tool reaches the model as literal text."""
    expected = procedure.place.placeholder
    if expected is None:
        return
    for foreign in PLACEHOLDERS:
        if foreign != expected and (offset := text.find(foreign)) != -1:
            line = first_line + text.count("\n", 0, offset)
            message = f"{procedure.place.tools} substitutes {expected}, not {foreign}, which reaches the model as written"
            yield Finding(procedure.relative, line, "command-arguments", message, Severity.warning)


def _portability(procedure: ProcedureFile) -> Iterator[Finding]:
    if procedure.place.retry and procedure.reading.source is not None and procedure.reading.strict[1]:
        yield Finding(procedure.relative, 1, "yaml-portability", f"only {procedure.place.tools}'s lenient reader accepts this frontmatter; strict YAML parsers reject it: {procedure.reading.strict[1]}", Severity.info)


def _folders_without_skill(kit: Kit) -> Iterator[Finding]:
    """A skill is a folder holding SKILL.md: a Markdown file beside the folders is never loaded as one.

    That is an error when the file was meant as a skill (it has frontmatter, an agent names it in
    `skills:`, or nothing cites it), and information when it is a document other files cite by path.
    """
    wanted = kit.skills_named_by_agents
    texts = [text for text, _ in kit.texts.values()]
    for place in PLACES:
        folder = kit.root / place.folder
        if place.kind != "skill" or not folder.is_dir():
            continue
        for child in sorted(folder.iterdir()):
            if child.is_file() and child.suffix == ".md" and child.name.lower() != "readme.md":
                cited = any(child.name in text for text in texts)
                meant = child.stem in wanted or not cited or kit.read(child).startswith(("---\n", "---\r\n", "\ufeff---"))
                message = f"{place.tools} {place.load} skills only from {place.folder}/<name>/SKILL.md, so this file is never loaded as a skill"
                yield Finding(kit.rel(child), 1, "skill-frontmatter", message + (f"; move it to {place.folder}/{child.stem}/SKILL.md" if meant else ""), Severity.error if meant else Severity.info)
            elif child.is_dir() and not (child / "SKILL.md").is_file() and any(child.glob("*.md")):
                yield Finding(kit.rel(child), 1, "skill-frontmatter", f"{place.tools}: the folder has no SKILL.md, so no tool loads it as a skill", Severity.warning)


def _commands_hidden_by_skills(kit: Kit) -> Iterator[Finding]:
    """Claude Code lists one entry per name, and a skill wins over a command of the same name."""
    for procedure in kit.procedures:
        place = procedure.place
        if place.folder != ".claude/commands":
            continue
        name = procedure.path.relative_to(kit.root / place.folder).with_suffix("").as_posix().replace("/", ":")
        if name in kit.skill_names:
            message = f"Claude Code: the skill '{name}' has this command's name and wins, so /{name} runs the skill and this file is never used"
            yield Finding(procedure.relative, 1, "skill-name", message, Severity.error)
