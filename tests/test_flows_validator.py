"""A broken script is rejected with file:line, what is wrong and how to fix it."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest

from bot.cli import main
from flows.loader import load_bundle

from .conftest import SHIPPED_FLOWS


def scripts_with(tmp_path: Path, name: str, body: str) -> Path:
    directory = tmp_path / "scripts"
    shutil.copytree(SHIPPED_FLOWS, directory)
    (directory / name).write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return directory


def errors_for(tmp_path: Path, body: str) -> list[str]:
    result = load_bundle(scripts_with(tmp_path, "broken.yml", body))
    assert result.bundle is None
    return [str(e) for e in result.errors]


def test_shipped_scripts_are_valid() -> None:
    result = load_bundle(SHIPPED_FLOWS)
    assert result.errors == [] and result.warnings == []
    assert result.bundle is not None
    assert {"greeting", "faq", "quote", "fallback"} <= set(result.bundle.flows)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    errs = errors_for(tmp_path, """
        version: 1
        flows:
          draft:
            steps:
              - say: {zh: 好, en: ok
    """)
    assert len(errs) == 1
    assert errs[0].startswith(f"{tmp_path}/scripts/broken.yml:")
    assert "YAML syntax error" in errs[0]


@pytest.mark.parametrize(("body", "line", "expected"), [
    ("""
     version: 1
     flows:
       draft:
         steps:
           - say: {zh: 好, en: ok}
             nxt: done
     """, 5, "unknown key 'nxt' in flows/draft/steps/0 — allowed keys here: buttons, id, next, say"),
    ("""
     version: 1
     flows:
       draft:
         steps:
           - sya: {zh: 好, en: ok}
     """, 5, "has none of say, collect, branch, action, goto, end; found 'sya' (did you mean 'say'?)"),
    ("""
     version: 1
     flows:
       draft:
         steps:
           - collect: size
             type: colour
             ask: {zh: 多大？, en: How big?}
     """, 6, "'colour' is not one of"),
    ("""
     version: 1
     flows:
       Booking:
         steps: [end]
     """, 3, "'Booking' is not a valid name — use lower-case letters"),
])
def test_schema_errors_are_precise(tmp_path: Path, body: str, line: int, expected: str) -> None:
    errs = errors_for(tmp_path, body)
    assert any(e.startswith(f"{tmp_path}/scripts/broken.yml:{line}:") and expected in e
               for e in errs), errs


BROKEN = """
version: 1
flows:
  draft:
    triggers:
      intents: [bok]
      keywords: [报价]
    steps:
      - id: ask_date
        collect: date
        type: date
        ask: {zh: 哪天？}
      - say: {zh: "好的 {dat}", en: "OK {dat}"}
        next: confirm
      - id: orphan
        say: {zh: 不会到这里, en: never}
      - id: confirm
        branch:
          - if: "date = 3"
            next: done
          - else: nowhere
      - action: book_it
      - id: done
        goto: nonexist
"""


@pytest.mark.parametrize(("line", "expected"), [
    (8, "step 'ask_date' in flow 'draft': the ask text has no en translation — add `en: ...`"),
    (12, "uses unknown slot '{dat}' — did you mean 'date'?"),
    (18, "condition 'date = 3' is not valid: invalid syntax — compare with `==`, not `=`"),
    (20, "branch target 'nowhere' is not a step of this flow"),
    (21, "unknown action 'book_it' — "),
    (22, "goto unknown flow 'nonexist'"),
    (14, "step 'orphan' in flow 'draft' is never reached from the first step — add "
         "`next: orphan` to an earlier step (e.g. 'step2') or delete it"),
])
def test_semantic_errors_say_where_what_and_how(tmp_path: Path, line: int, expected: str) -> None:
    errs = errors_for(tmp_path, BROKEN)
    assert any(e.startswith(f"{tmp_path}/scripts/broken.yml:{line}: ") and expected in e
               for e in errs), errs


def test_trigger_conflicts_and_unknown_intents(tmp_path: Path) -> None:
    result = load_bundle(scripts_with(tmp_path, "broken.yml", BROKEN))
    text = "\n".join(str(e) for e in result.errors + result.warnings)
    assert "keyword '报价' triggers both 'draft' and 'quote'" in text
    assert "warning: flow 'draft' is triggered by intent 'bok', which the built-in NLU does " \
           "not know — did you mean 'book'?" in text


def test_pricing_must_cover_what_the_quote_flow_offers(tmp_path: Path) -> None:
    directory = scripts_with(tmp_path, "extra.yml", "version: 1\n")
    pricing = (directory / "pricing.yml").read_text(encoding="utf-8")
    # cleaning is the last service: cut the file there
    (directory / "pricing.yml").write_text(pricing[:pricing.index("    cleaning:\n")],
                                           encoding="utf-8")
    (directory / "extra.yml").unlink()
    result = load_bundle(directory)
    assert result.bundle is None
    (err,) = result.errors
    assert str(err).startswith(f"{directory}/quote.yml:")
    assert "service 'cleaning' offered by flow 'quote' has no price in pricing.services" in str(err)
    assert "add `cleaning:` under pricing.services" in str(err)


def test_missing_fallback_and_duplicates(tmp_path: Path) -> None:
    directory = scripts_with(tmp_path, "dup.yml", """
        version: 1
        flows:
          quote:
            steps:
              - id: a
                say: {zh: 一, en: one}
              - id: a
                say: {zh: 二, en: two}
        settings:
          fallback_flow: nothing_here
    """)
    text = "\n".join(str(e) for e in load_bundle(directory).errors)
    assert "flow 'quote' is defined twice" in text
    assert "step id 'a' is used twice in flow 'quote'" in text
    assert "the fallback flow 'nothing_here' is not defined" in text


def test_cli_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "check", str(SHIPPED_FLOWS)]) == 0
    assert re.search(r"OK: \d+ flows", capsys.readouterr().out)
    broken = scripts_with(tmp_path, "broken.yml", BROKEN)
    assert main(["flows", "check", str(broken)]) == 1
    err = capsys.readouterr().err
    assert f"{broken}/broken.yml:12: step 'step2'" in err
    assert "error(s); nothing changed." in err
