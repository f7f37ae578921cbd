"""`partage scenarios`: validate scenario files and print their JSON Schema."""

from __future__ import annotations

import json

from model.scenario import ScenarioError, json_schema, load_scenario


def register(subparsers) -> None:
    scenarios = subparsers.add_parser("scenarios", help="validate, list and describe scenario files")
    actions = scenarios.add_subparsers(dest="action", metavar="ACTION", required=True)
    validate = actions.add_parser("validate", help="check scenario files; one line per file")
    validate.add_argument("files", nargs="+")
    validate.set_defaults(handler=validate_command)
    schema = actions.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.set_defaults(handler=schema_command)


def validate_command(args) -> int:
    failed = 0
    for path in args.files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            print(f"error: {error}")
            failed += 1
        else:
            print(f"ok: {path} ({scenario.name}: {len(scenario.goods)} goods, {len(scenario.policies)} policies)")
    return 2 if failed else 0


def schema_command(args) -> int:
    print(json.dumps(json_schema(), indent=2))
    return 0
