"""``careline nlu``: parse, train and evaluate the NLU; Rasa export and import."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli_args import load_settings


def register(sub: Any) -> None:
    nlu = sub.add_parser("nlu", help="parse, train and evaluate the NLU; Rasa export and import")
    nsub = nlu.add_subparsers(dest="nlu_command", metavar="ACTION", required=True)
    sp = nsub.add_parser("parse", help="print the parse of TEXT as JSON (/model/parse shape)")
    sp.add_argument("text")
    sp.set_defaults(func=cmd_nlu_parse)
    sp = nsub.add_parser("eval", help="accuracy, macro-F1, per-class scores, confusion and a chart: "
                                      "own | banking77 | waimai | goemotions | FILE")
    sp.add_argument("dataset", help="own (held-out split of our data), banking77, waimai, "
                                    "goemotions (from CARELINE_EVALDATA_DIR or ../shared/evaldata), "
                                    "or a labelled file (CSV/TSV text,intent or our YAML)")
    sp.add_argument("--seed", type=int, default=0, help="split seed")
    sp.add_argument("--json", help="also write the report as JSON to this file")
    sp.set_defaults(func=cmd_nlu_eval)
    sp = nsub.add_parser("train", help="retrain the built-in engine, refresh its cache, report "
                                       "held-out accuracy per language")
    sp.add_argument("--data-dir", help="folder of intents_<lang>.yml (default: shipped data)")
    sp.add_argument("--anger", action="store_true",
                    help="instead retrain the English anger model on GoEmotions dev (from "
                         "CARELINE_EVALDATA_DIR or ../shared/evaldata), write "
                         "nlu/data/anger_en.json.gz and score it on GoEmotions test")
    sp.set_defaults(func=cmd_nlu_train)

    sp = nsub.add_parser("export-rasa", help="write our training data as a Rasa 3.x project in DIR")
    sp.add_argument("dir")
    sp.set_defaults(func=cmd_nlu_export_rasa)
    sp = nsub.add_parser("import-rasa", help="read Rasa NLU training data (YAML, Markdown or JSON; "
                                              "file or folder) into our format")
    sp.add_argument("file")
    sp.add_argument("--out", help="folder to write intents_<lang>.yml to (default: report only)")
    sp.add_argument("--lang", choices=["zh", "en"], help="language of every example")
    sp.add_argument("--force", action="store_true", help="overwrite existing files in --out")
    sp.set_defaults(func=cmd_nlu_import_rasa)


def cmd_nlu_parse(args: argparse.Namespace) -> int:
    from bot.services import ConfigError, make_nlu

    try:
        engine = make_nlu(load_settings())
    except ConfigError as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(engine.parse(args.text).to_dict(), ensure_ascii=False, indent=2))
    getattr(engine, "close", lambda: None)()
    return 0


def cmd_nlu_export_rasa(args: argparse.Namespace) -> int:
    from bot.nlu_rasa_cli import run_export

    return run_export(Path(args.dir))


def cmd_nlu_import_rasa(args: argparse.Namespace) -> int:
    from bot.nlu_rasa_cli import run_import

    return run_import(Path(args.file), out=Path(args.out) if args.out else None, lang=args.lang,
                      overwrite=args.force)


def cmd_nlu_eval(args: argparse.Namespace) -> int:
    from bot.nlu_eval import run_eval

    return run_eval(args.dataset, seed=args.seed, json_out=Path(args.json) if args.json else None)


def cmd_nlu_train(args: argparse.Namespace) -> int:
    from bot.nlu_eval import run_train, run_train_anger

    if args.anger:
        return run_train_anger()
    return run_train(Path(args.data_dir) if args.data_dir else None)
