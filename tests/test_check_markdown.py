"""How `check` reads Markdown: what is a reference, a handoff or leftover Jinja, and what is not.

Each case is a hand-written agent collection (no kit), the kind that made `check` cry wolf on
public collections: links relative to the citing file, outputs an agent is told to write, MDX
attributes, heading ids, decorators and doc tags, and a four-backtick fence holding three.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from scaffold.kit import cited_paths, handoffs, jinja_leftovers
from scaffold.markdown import Document, plain_blocks


def agent(name: str, body: str) -> str:
    return f"---\nname: {name}\ndescription: Reviews code.\n---\n{body}"


def check(root: Path, *args: str) -> list[tuple[str, int, str]]:
    result = run_cli("check", str(root), "--format", "json", "--fail-on", "info", *args)
    assert result.returncode in (0, 1), result.stderr
    return sorted((f["path"], f["line"], f["rule"]) for f in json.loads(result.stdout)["findings"])


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_links_resolve_from_the_citing_file_and_code_spans_from_the_root(tmp_path):
    root = write(tmp_path, {
        ".claude/agents/reviewer.md": agent("reviewer", (
            "Read [the style guide](../docs/style.md) and [the checklist](checklist.md).\n"
            "Then `docs/guides/review.md`, and [a missing page](../docs/missing.md).\n"
            "[Upstream](https://example.com/x.md), [anchor](#rules), [outside](../../../elsewhere.md).\n"
        )),
        ".claude/docs/style.md": "# Style\n",
        ".claude/agents/checklist.md": "# not an agent, but it exists\n",
        "docs/guides/review.md": "# Review\n",
    })
    findings = [f for f in check(root) if f[2] == "cited-path"]
    assert findings == [(".claude/agents/reviewer.md", 6, "cited-path")]  # only ../docs/missing.md


def test_paths_an_agent_is_told_to_write_are_outputs_not_references():
    text = (
        "Create `docs/features/checkout/api-contract.md` from the template.\n\n"
        "Write the summary to `docs/reports/summary.md`.\n\n"
        "Record it in `docs/adr/0007-queue.md` (new).\n\n"
        "Read `docs/context/backend/guide.md` first.\n"
    )
    assert [c.path for c in cited_paths(text)] == ["docs/context/backend/guide.md"]


def test_decorators_and_doc_tags_are_not_handoffs():
    text = (
        "Mark computed fields with @property and cached ones with @cached_property.\n\n"
        "Document parameters with @param and @returns; routes use @app.get(\"/items\") and @router.post().\n\n"
        "Mention @dataclass, `@pytest.fixture`, @types/node and @nestjs/common.\n\n"
        "When the contract is ready, hand off to @qa-tester, or @devops for the pipeline.\n\n"
        "```python\n@deploy_hook\ndef x(): ...\n```\n"
    )
    assert handoffs(text) == [(7, "devops"), (7, "qa-tester")]


def test_jsx_attributes_heading_ids_and_actions_expressions_are_not_jinja():
    text = (
        "## Install {#install}\n\n"
        '<div style={{color: "red"}}>MDX</div>\n\n'
        "Use `${{ secrets.TOKEN }}` in the workflow.\n\n"
        "The framework is {{ framework }} and {% if x %}this{% endif %} and {# a comment #}.\n\n"
        "A placeholder in backticks still reaches the model: `{{techStack.backend.framework}}`.\n\n"
        "```html\n<p>{{ name }}</p>\n```\n"
    )
    assert jinja_leftovers(text, in_code=False) == [7, 9]
    assert jinja_leftovers(text, in_code=True) == [7, 9, 12]


def test_a_four_backtick_fence_holding_three_stays_code():
    text = (
        "Example of a fenced block:\n\n"
        "````markdown\n"
        "```python\n"
        "@fixture_agent hands nothing off; `docs/nope.md` is an example.\n"
        "```\n"
        "````\n\n"
        "Now prose again: see `docs/real.md` and @reviewer.\n"
    )
    assert [(c.line, c.path) for c in cited_paths(text)] == [(9, "docs/real.md")]
    assert handoffs(text) == [(9, "reviewer")]


def test_kit_only_rules_stay_out_of_a_repo_without_a_kit(tmp_path):
    root = write(tmp_path, {
        "CLAUDE.md": "# Project\n\nSee `docs/context/devops/configuration.md`.\n",
        "docs/context/devops/configuration.md": "## `DATABASE_URL`\n",
        ".env.example": "DATABASE_URL=\nSTRIPE_KEY=\n",
        "docs/features/feature-log.json": "{not json",
    })
    assert check(root) == []  # no answers file, no agentscaffold.yml: env-example and json-schema are a kit's rules
    (root / "agentscaffold.yml").write_text("stack: django\n")
    assert {f[2] for f in check(root)} == {"env-example", "json-schema"}


def test_a_repo_without_agents_has_no_handoffs(tmp_path):
    root = write(tmp_path, {"CLAUDE.md": "# Project\n\nThanks to @octocat for the review.\n"})
    assert check(root) == []


def test_a_template_repo_may_name_its_own_jinja_paths(tmp_path):
    root = write(tmp_path, {
        "AGENTS.md": (
            "# A Cookiecutter template\n\n"
            "The generated project lives in `{{cookiecutter.project_slug}}/`.\n\n"
            "The framework is `{{techStack.backend.framework}}`.\n"
        ),
        "{{cookiecutter.project_slug}}/README.md": "# {{cookiecutter.project_name}}\n",
    })
    assert check(root) == [("AGENTS.md", 5, "jinja-leftover")]


# Lines that make up agent prompts: prose, headings, list items, quotes, fences of both kinds and
# lengths, indented and nested lines, HTML, empty list items.
FRAGMENTS = [
    "", "Plain prose with `docs/a.md` and @qa-tester.", "# Heading", "## Heading {#id}", "- item", "- ", "1. step", "2. step", "3) third", "* star",
    "   - nested item", "  continued text", "    indented four", "\tindented tab", "> quoted", ">", "> ```",
    "```", "```python", "````", "````markdown", "~~~", "~~~~", "   ```bash", "  ```", "   ```", "   code in a list", " x", "    ```", "<div>", "<!-- note -->",
    "`` code with ` tick ``", "- ```bash", "- > quoted item", "1. ~~~", "Text with [a link](docs/b.md).", "***", "---", "Setext", "===",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30))
def test_the_plain_path_classifies_lines_as_commonmark_does(lines):
    """`plain_blocks` is only taken where it agrees with markdown-it-py, line for line."""
    text = "\n".join(lines)
    plain = plain_blocks(lines)
    if plain is None:  # the parser decides
        return
    parsed = Document(text)._parsed()

    def covered(ranges):
        return {line for start, end, *_ in ranges for line in range(start, end)}

    assert covered(plain[1]) == covered(parsed[1]), text
    assert covered(plain[0]) == covered(parsed[0]), text
